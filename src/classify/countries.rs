//! The countries of the world — ISO 3166 code, English name, other names, demonym, capital,
//! provinces — from `db/reference/world_countries_compiled.csv`, for the words that say a body
//! or an address belongs to a country.

use crate::reference;
use std::sync::LazyLock;

/// One country as the reference table gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    pub code: String,
    pub name: String,
    pub demonym: String,
    pub other_names: Vec<String>,
    pub capital: String,
    pub provinces: Vec<String>,
}

static ALL: LazyLock<Vec<Country>> = LazyLock::new(|| {
    let split = |s: &str| -> Vec<String> {
        s.split('|')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    };
    reference::rows(reference::WORLD_COUNTRIES_CSV)
        .into_iter()
        .map(|r| Country {
            code: r["code"].clone(),
            name: r["name"].clone(),
            demonym: r["demonym"].clone(),
            other_names: split(&r["other_names"]),
            capital: r["capital"].clone(),
            provinces: split(&r["provinces"]),
        })
        .collect()
});

/// Every country.
pub fn all() -> &'static [Country] {
    &ALL
}

/// The US and the territories whose defence is the US DoD's.
const US_CODES: &[&str] = &["US", "UM", "PR", "GU", "VI", "AS", "MP"];

/// Country words that next to a defence name more often mean something else: US states
/// (Georgia), places inside US states (Jersey, as in New Jersey) and given names (Jordan,
/// Chad, as in "we thank Chad …").
pub const NOT_QUALIFIERS: &[&str] = &["georgia", "georgian", "jersey", "jordan", "chad", "chadian"];

/// Names and demonyms of every country but the US, as they qualify a body ("Australian
/// Department of Defence", "Department of Defense of Australia", "Department of Defense,
/// Republic of Korea"), lower case. "Korea" and "Korean" come from the names of both Koreas,
/// "Korea" also from "Korea, Republic of".
pub fn foreign_qualifiers() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |w: &str| {
        let w = w.trim().to_lowercase();
        if w.chars().count() >= 3 && !NOT_QUALIFIERS.contains(&w.as_str()) && !out.contains(&w) {
            out.push(w);
        }
    };
    for c in all()
        .iter()
        .filter(|c| !US_CODES.contains(&c.code.as_str()))
    {
        for n in std::iter::once(&c.name)
            .chain(&c.other_names)
            .chain(std::iter::once(&c.demonym))
        {
            push(n);
            // "Korea, Republic of" → "Korea"; "South Korea", "South Korean" → "Korea(n)".
            if let Some((head, _)) = n.split_once(", ") {
                push(head);
            }
            for compass in ["North ", "South ", "East ", "West "] {
                if let Some(rest) = n.strip_prefix(compass) {
                    push(rest);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_country_has_a_code_and_a_name_and_the_us_is_not_foreign() {
        assert!(all().len() > 240);
        assert!(
            all()
                .iter()
                .all(|c| c.code.len() == 2 && !c.name.is_empty())
        );
        let q = foreign_qualifiers();
        for w in [
            "australia",
            "australian",
            "korea",
            "korean",
            "republic of korea",
            "taiwan",
        ] {
            assert!(q.contains(&w.to_string()), "{w}");
        }
        for w in [
            "united states",
            "american",
            "georgia",
            "jordan",
            "puerto rico",
        ] {
            assert!(!q.contains(&w.to_string()), "{w}");
        }
    }
}
