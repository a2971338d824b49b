//! Is an affiliation in the United States? Needed for the people view: a dual appointment is
//! one author on one paper with an affiliation placed in the US and one placed in China, and
//! the US-side authors are those placed in the US.
//!
//! The words the author wrote decide, as for China: a `;`-separated part of the string that
//! ends with the country's name or a state's (`…, Cambridge, MA 02139, USA`, `…, Ohio`), or a
//! USPS state code where US addresses put one. A part placed in China, Hong Kong, Macau or
//! Taiwan is never the US. A source's country code `US` counts only when the string does not
//! place the affiliation in China or Taiwan (a matched institution can be wrong).

use super::{AffiliationInput, ChinaClassifier, Level, Region};
use crate::reference;
use std::sync::LazyLock;

/// Names that end a US address: the country's, and the states' (not "Georgia", a country).
static US_NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut names: Vec<String> = [
        "usa",
        "u.s.a",
        "u.s",
        "us",
        "united states",
        "united states of america",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    names.extend(
        reference::rows(reference::US_STATES_CSV)
            .into_iter()
            .map(|r| r["name"].to_lowercase())
            .filter(|n| n != "georgia"),
    );
    // Longest first, so "united states of america" is what is said to have matched.
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names
});

fn in_china(region: Region) -> bool {
    matches!(region, Region::CN | Region::HK | Region::MO | Region::TW)
}

impl ChinaClassifier {
    /// What places this affiliation in the United States ("state code MA", "usa",
    /// "institution country code US"), or `None`.
    pub fn us_place(&self, input: AffiliationInput<'_>) -> Option<String> {
        let raw = input.raw.map(str::trim).filter(|r| !r.is_empty());
        if let Some(raw) = raw {
            for part in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                let verdict = self.classify(AffiliationInput {
                    raw: Some(part),
                    ..Default::default()
                });
                // Placed in China or Taiwan, or ending with another country's name ("Université
                // Paris VI, 66651 Banyuls-sur-Mer, France"): not the US, whatever else it says.
                let other_country = verdict
                    .signals
                    .iter()
                    .filter(|s| s.level == Level::StringCountry && s.region == Region::Other)
                    .max_by_key(|s| s.position)
                    .is_some_and(|last| {
                        ends_with_us_name(&last.matched).is_none()
                            && !last.matched.contains("america")
                    });
                if in_china(verdict.region) || other_country {
                    continue;
                }
                if let Some((code, _)) = self.us_state_code(part) {
                    return Some(format!("state code {code}"));
                }
                if let Some(name) = ends_with_us_name(part) {
                    return Some(name.to_string());
                }
            }
            let whole = self.classify(AffiliationInput {
                raw: Some(raw),
                ..Default::default()
            });
            if in_china(whole.region) {
                return None;
            }
        }
        input
            .country_code
            .filter(|c| c.trim().eq_ignore_ascii_case("US"))
            .map(|_| "institution country code US".to_string())
    }
}

/// The US name (country or state) that ends `part`, after its ZIP code and punctuation.
fn ends_with_us_name(part: &str) -> Option<&'static str> {
    // "U. S. A." is "U.S.A." spaced out.
    let lower = part.to_lowercase().replace(". ", ".");
    let tail = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    // "U.S.A." and "U.S." lose their final dot above; compare without it.
    US_NAMES.iter().map(String::as_str).find(|name| {
        let name = name.trim_end_matches('.');
        tail.ends_with(name)
            && tail[..tail.len() - name.len()]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(raw: &str) -> Option<String> {
        ChinaClassifier::new().us_place(AffiliationInput {
            raw: Some(raw),
            ..Default::default()
        })
    }

    #[test]
    fn a_us_address_is_placed_by_its_end() {
        for raw in [
            "Department of EECS, Massachusetts Institute of Technology, Cambridge, MA 02139, USA",
            "Dept. of Physics, University of Michigan, Ann Arbor, MI 48109",
            "Ohio State University, Columbus, Ohio",
            "Naval Research Laboratory, Washington, DC 20375, U.S.A.",
            "Stanford University, Stanford, California, United States of America",
            "Noveon, Inc. 9911 Brecksville Road Cleveland, Ohio 44141 U. S. A.",
            "IMRA America, Inc., 1044 Woodridge Ave., Ann Arbor, MI 48105, USA",
        ] {
            assert!(us(raw).is_some(), "{raw}");
        }
    }

    #[test]
    fn china_taiwan_and_namesakes_are_not_the_us() {
        for raw in [
            "Tsinghua University, Beijing 100084, China",
            "National Tsing Hua University, Hsinchu, Taiwan",
            "Tbilisi State University, Tbilisi, Georgia",
            "University of Macau, Taipa, Macau",
            "Campus of Excellence",
            "Université Paris VI, 66651 Banyuls-sur-Mer, France",
        ] {
            assert_eq!(us(raw), None, "{raw}");
        }
    }

    #[test]
    fn one_string_can_hold_a_us_and_a_china_appointment() {
        let raw = "Department of Chemistry, Harvard University, Cambridge, MA 02138, USA; \
                   College of Chemistry, Peking University, Beijing 100871, China";
        assert_eq!(us(raw).as_deref(), Some("state code MA"));
    }

    #[test]
    fn a_country_code_counts_only_when_the_words_do_not_say_china() {
        let c = ChinaClassifier::new();
        let coded = |raw: Option<&str>| {
            c.us_place(AffiliationInput {
                raw,
                country_code: Some("US"),
                ..Default::default()
            })
        };
        assert!(coded(None).is_some());
        assert!(coded(Some("Some Laboratory")).is_some());
        assert_eq!(coded(Some("Fudan University, Shanghai, China")), None);
    }
}
