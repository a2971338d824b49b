//! The words that place an affiliation: what kind of term each is, the traps, the country
//! words, the compass and generic words that make a name a namesake, the cities kept from
//! GeoNames, and e-mail domains.

use super::Region;
use crate::classify::text::normalize;
use crate::reference;
use std::collections::{BTreeSet, HashSet};

#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    /// A phrase that looks like a China place but is not (`china lake`); consumes the text.
    Trap,
    Country,
    Place,
    /// A place outside China (a US state) that counts only where an address ends with it.
    PlaceAtEnd,
    Institution,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Term {
    pub kind: Kind,
    pub region: Region,
    /// An institution name also borne by institutions elsewhere.
    pub namesake: bool,
}

impl Term {
    pub fn new(kind: Kind, region: Region) -> Term {
        Term {
            kind,
            region,
            namesake: false,
        }
    }
}

/// Words that place an institution nowhere in particular: compass points…
pub(super) const COMPASS: &[&str] = &[
    "north",
    "south",
    "east",
    "west",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
    "northeastern",
    "northwestern",
    "southeastern",
    "southwestern",
    "northern",
    "southern",
    "eastern",
    "western",
    "central",
];

/// …and the words of what kind of institution it is ("polytechnical", a spelling of Chinese
/// universities' own, is not one of them).
pub(super) const GENERIC: &[&str] = &[
    "university",
    "college",
    "institute",
    "technology",
    "technological",
    "polytechnic",
    "normal",
    "of",
    "the",
    "and",
    "science",
    "sciences",
    "engineering",
    "medical",
    "medicine",
    "agricultural",
    "forestry",
    "school",
    "academy",
    "for",
];

/// A name made only of compass points and generic words ("Northeastern University",
/// "Southeast University") is bound to be borne by institutions in several countries.
pub(super) fn generic_name(name: &str) -> bool {
    let words: Vec<String> = normalize(name)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    words.iter().any(|w| COMPASS.contains(&w.as_str()))
        && words
            .iter()
            .all(|w| COMPASS.contains(&w.as_str()) || GENERIC.contains(&w.as_str()))
}

/// Phrases that contain a China place or country word but are somewhere else.
pub(super) const TRAPS: &[(&str, Region)] = &[
    ("china lake", Region::Other),
    ("china grove", Region::Other),
    ("china spring", Region::Other),
    ("china township", Region::Other),
    ("china village", Region::Other),
    ("china, maine", Region::Other),
    ("china, me", Region::Other),
    ("china, texas", Region::Other),
    ("china, tx", Region::Other),
    ("new mexico", Region::Other),
    ("new south wales", Region::Other),
    ("new england", Region::Other),
    ("canton, ohio", Region::Other),
    ("canton, oh", Region::Other),
    ("canton, ma", Region::Other),
    ("canton, ny", Region::Other),
    ("canton, mi", Region::Other),
    ("canton, ga", Region::Other),
    ("victoria, bc", Region::Other),
    ("victoria, australia", Region::Other),
    // Singapore's Nanyang institutions are not in Nanyang, Henan.
    ("nanyang technological university", Region::Other),
    ("nanyang technol", Region::Other),
    ("nanyang polytechnic", Region::Other),
    ("nanyang academy of fine arts", Region::Other),
    ("nanyang business school", Region::Other),
    // Taiwan's National Tsing Hua University is sometimes written "Tsinghua".
    ("national tsinghua university", Region::TW),
];

pub(super) const CHINA_WORDS: &[&str] = &[
    "china",
    "p.r. china",
    "p. r. china",
    "p.r.china",
    "pr china",
    "p.r.c.",
    "prc",
    "people's republic of china",
    "peoples republic of china",
    "the people's republic of china",
    "中国",
];

/// A country word is a location when only punctuation, digits or the end follow it.
pub(super) fn is_terminal(text: &str, end: usize) -> bool {
    match text[end..].trim_start().chars().next() {
        None => true,
        Some(c) => !c.is_alphabetic(),
    }
}

pub(super) fn email_domain(text: &str) -> Option<&str> {
    let at = text.find('@')?;
    let rest = &text[at + 1..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .unwrap_or(rest.len());
    Some(rest[..end].trim_end_matches('.'))
}

pub(super) fn email_region(text: &str) -> Option<Region> {
    let domain = email_domain(text)?;
    let tld = domain.rsplit('.').next()?;
    match tld {
        "cn" => Some(Region::CN),
        "hk" => Some(Region::HK),
        "mo" => Some(Region::MO),
        "tw" => Some(Region::TW),
        _ => None,
    }
}

/// City names from GeoNames that are safe to match: large enough to matter, long enough not to
/// be a common word, not also a place elsewhere, and not shared between mainland and Taiwan.
pub(super) fn city_terms() -> Vec<(String, Term)> {
    let rows = reference::rows(reference::CITIES_CSV);
    let mut by_name: std::collections::HashMap<String, BTreeSet<Region>> = Default::default();
    let mut keep: Vec<(String, Region)> = Vec::new();
    let country_names: HashSet<String> = reference::rows(reference::COUNTRIES_CSV)
        .into_iter()
        .map(|r| normalize(&r["name"]))
        .collect();
    for row in &rows {
        let region = Region::from_country_code(&row["country_code"]);
        let population: u64 = row["population"].parse().unwrap_or(0);
        let name = normalize(&row["name"]);
        let outside: HashSet<String> = row["latin_names_also_used_outside_CN"]
            .split('|')
            .filter_map(|s| s.split(':').next())
            .map(normalize)
            .collect();
        by_name.entry(name.clone()).or_default().insert(region);
        // Hong Kong's GeoNames "cities" are estates and districts with English names
        // (Victoria, Jordan, Olympic): only the curated list in places_extra is used.
        let big_enough = match region {
            Region::CN => population >= 150_000,
            Region::TW => population >= 80_000,
            Region::MO => true,
            _ => false,
        };
        if big_enough
            && name.chars().count() >= 5
            && !outside.contains(&name)
            && !country_names.contains(&name)
        {
            keep.push((name, region));
        }
        if region == Region::CN && population >= 150_000 {
            for han in row["alt_names_han"].split('|') {
                let han = han.trim();
                if han.chars().count() >= 2 {
                    keep.push((normalize(han), region));
                }
            }
        }
    }
    keep.into_iter()
        .filter(|(name, _)| by_name.get(name).is_none_or(|r| r.len() == 1))
        .map(|(name, region)| {
            (
                name,
                Term {
                    kind: Kind::Place,
                    region,
                    namesake: false,
                },
            )
        })
        .collect()
}
