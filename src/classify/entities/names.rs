//! What counts as a name of a list entry, and where a name found in an affiliation counts as
//! that entry. A tier-1 flag is the sharpest claim xrefscan makes, so each rule here exists
//! because a looser one named the wrong institution:
//! - an alias must be distinctive: "Ltd." (a piece of "AVIC Airborne Systems Co., Ltd." cut at
//!   its comma), "Russian Academy of Sciences" or "Beijing" name no entry on their own, so an
//!   alias made only of legal forms, generic institution words and place names is dropped
//!   ([`weak_alias`]); an entry's own canonical name is always kept;
//! - a name counts only where it is the whole institution named in its part of the
//!   affiliation ([`whole_name`]): "Institute of Physics" inside "Technical Institute of Physics
//!   and Chemistry" is a different institute;
//! - an entry whose list states its country, or whose name names a country ("… of the Russian
//!   Academy of Sciences"), matches only affiliations placed there ([`country_of`]).

use super::super::text::{Lexicon, normalize};
use crate::classify::countries;
use crate::reference;
use std::collections::HashSet;
use std::sync::LazyLock;

/// Words that name no institution on their own: legal forms, connectors, the generic words of
/// institution names, compass points and ordinals.
const GENERIC: &[&str] = &[
    "co",
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "company",
    "companies",
    "group",
    "holding",
    "holdings",
    "plc",
    "llc",
    "lp",
    "jsc",
    "ojsc",
    "pjsc",
    "cjsc",
    "fgup",
    "fsue",
    "fgbu",
    "gmbh",
    "ag",
    "sa",
    "bv",
    "nv",
    "the",
    "of",
    "and",
    "for",
    "in",
    "at",
    "on",
    "a",
    "an",
    "university",
    "universities",
    "institute",
    "institutes",
    "institution",
    "academy",
    "academies",
    "college",
    "school",
    "laboratory",
    "laboratories",
    "lab",
    "labs",
    "center",
    "centre",
    "department",
    "division",
    "branch",
    "campus",
    "faculty",
    "office",
    "bureau",
    "administration",
    "ministry",
    "commission",
    "agency",
    "research",
    "science",
    "sciences",
    "scientific",
    "technology",
    "technologies",
    "technological",
    "technical",
    "tech",
    "engineering",
    "industry",
    "industries",
    "industrial",
    "development",
    "international",
    "national",
    "state",
    "federal",
    "federation",
    "key",
    "joint",
    "general",
    "central",
    "north",
    "south",
    "east",
    "west",
    "northern",
    "southern",
    "eastern",
    "western",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
    "far",
    "new",
    "first",
    "second",
    "third",
    "people's",
    "peoples",
    "people",
    "republic",
    "prc",
    "sino",
    "budgetary",
    "unitary",
    "enterprise",
    "scientific-research",
    "design",
    "bureau",
    "plant",
    "factory",
    "works",
    "trading",
    "import",
    "export",
    "electronics",
    "electronic",
    "aviation",
    "aerospace",
    "medical",
    "medicine",
    "hospital",
    "military",
    "defense",
    "defence",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
];

/// Words that qualify an institution's name without making it another institution ("PLA
/// Academy of Military Science", "Chinese PLA General Hospital").
const QUALIFIERS: &[&str] = &[
    "the",
    "pla",
    "chinese",
    "china",
    "people's",
    "liberation",
    "army",
    "prc",
];

/// Words of a unit of the institution that follows ("Department of Physics Tsinghua
/// University" names Tsinghua University even without a comma), or of a parent named before
/// its unit ("Chinese Academy of Sciences Institute of Physics").
const UNIT_WORDS: &[&str] = &[
    "academy",
    "university",
    "corporation",
    "laboratory",
    "laboratories",
    "lab",
    "institute",
    "school",
    "center",
    "centre",
    "department",
    "dept",
    "college",
    "faculty",
    "division",
    "hospital",
    "clinic",
    "program",
    "programme",
    "unit",
    "section",
    "station",
    "group",
    "team",
    "office",
];

/// Legal forms of companies, as names end with them.
const LEGAL: &[&str] = &[
    "co",
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "company",
    "group",
    "holding",
    "holdings",
    "plc",
    "llc",
    "lp",
    "jsc",
    "ojsc",
    "pjsc",
    "cjsc",
    "gmbh",
    "ag",
    "sa",
    "bv",
    "nv",
    "pty",
    "s.l.u",
];

/// How many words of a name are its own: neither generic, a place, a legal form, a
/// connector, nor a number ("Tencent" 1, "China Three Gorges" 2).
pub fn own_words(name: &str) -> usize {
    words(&normalize(name))
        .filter(|w| {
            !GENERIC.contains(w)
                && !CONNECTORS.contains(w)
                && !LEGAL.contains(&w.trim_end_matches('.'))
                && !PLACES.contains(*w)
                && !numeral(w)
        })
        .count()
}

/// A company's name without the legal form it ends with ("Contemporary Amperex Technology
/// Co., Ltd." → "Contemporary Amperex Technology"), when what is left has a word of its own.
pub fn without_legal_form(name: &str) -> Option<String> {
    let mut stem = name.trim();
    loop {
        let cut = stem.trim_end_matches(|c: char| !c.is_alphanumeric());
        let Some(last) = cut.rsplit(|c: char| !c.is_alphanumeric()).next() else {
            break;
        };
        if last.is_empty() || !LEGAL.contains(&last.to_lowercase().as_str()) {
            stem = cut;
            break;
        }
        stem = &cut[..cut.len() - last.len()];
    }
    let stem = stem.trim_end_matches(|c: char| !c.is_alphanumeric());
    (stem.len() < name.trim().len() && own_words(stem) >= 1).then(|| stem.to_string())
}

/// Whether only a legal form, or nothing, follows `end` in its part of the string.
pub fn legal_form_follows(text: &str, end: usize) -> bool {
    let to = text[end..].find(PARTS).map_or(text.len(), |i| end + i);
    words(&text[end..to])
        .next()
        .is_none_or(|w| LEGAL.contains(&w.trim_end_matches('.')))
}

/// Words after which a name goes on ("Zhejiang University of Technology", "Institute of
/// Physics and Chemistry"): a listed name followed by one of them is the start of another.
const CONTINUES: &[&str] = &["of", "and", "for", "&"];

/// Connectors a listed name may follow in the same part of an affiliation.
const BEFORE: &[&str] = &["of", "at", "and", "the", "in", "from", "&"];

/// Where an affiliation string is cut into the parts that each name one body.
const PARTS: &[char] = &[',', ';', '(', ')', '[', ']', '|', ':', '\n'];

/// Place names of China and of every country (names, demonyms, capitals), lower case, one
/// word each: a name made only of them and generic words names a place, not an entry.
static PLACES: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let mut out = HashSet::new();
    let mut add = |name: &str| {
        for w in words(&normalize(name)) {
            out.insert(w.to_string());
        }
    };
    for r in reference::rows(reference::PROVINCES_CSV) {
        add(&r["name_en"]);
        add(&r["capital_en"]);
        for v in r["variants_and_legacy_romanizations"].split('|') {
            add(v);
        }
    }
    for r in reference::rows(reference::CITIES_CSV) {
        if r["population"].parse::<u64>().unwrap_or(0) >= 1_000_000 {
            add(&r["name"]);
        }
    }
    for c in countries::all() {
        add(&c.name);
        add(&c.demonym);
        add(&c.capital);
        for o in &c.other_names {
            add(o);
        }
    }
    for w in [
        "china", "chinese", "hong", "kong", "macau", "macao", "mongolia",
    ] {
        out.insert(w.to_string());
    }
    out
});

/// "14", "14th", "2nd".
fn numeral(w: &str) -> bool {
    let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && matches!(&w[digits.len()..], "" | "st" | "nd" | "rd" | "th")
}

fn words(normalised: &str) -> impl Iterator<Item = &str> {
    normalised
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-' || c == '&'))
        .map(|w| w.trim_matches(|c: char| c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
}

/// Words that join the words of a name.
const CONNECTORS: &[&str] = &["of", "and", "the", "for", "in", "at", "on", "a", "an", "&"];

/// Why an alias names nothing on its own, or `None` when it is a name: one that is only a
/// legal form ("Ltd."), only places ("Beijing"), or one or two generic words with places
/// ("Institute of Technology", "Beijing Institute"). Three generic words together are a name
/// ("Academy of Military Sciences"); one of another country is kept out by its country.
pub fn weak_alias(alias: &str) -> Option<&'static str> {
    let text = normalize(alias);
    if !text.is_ascii() {
        // Chinese names are matched as written; a two-character one is still a name.
        return None;
    }
    let named: Vec<&str> = words(&text)
        .filter(|w| !CONNECTORS.contains(w) && !LEGAL.contains(&w.trim_end_matches('.')))
        .collect();
    let place = |w: &&str| PLACES.contains(*w) || numeral(w);
    if named.is_empty() {
        Some("only a legal form")
    } else if named.iter().all(place) {
        Some("only place names")
    } else if named.len() <= 2 && named.iter().all(|w| place(w) || GENERIC.contains(w)) {
        Some("only generic words and places")
    } else {
        None
    }
}

/// Whether the hit `[start, end)` of a normalised affiliation is the whole institution named
/// in its part of the string: not the tail of a longer name ("Technical Institute of Physics")
/// nor the start of one ("Institute of Physics and Chemistry", "Zhejiang University of
/// Technology"). Before the name may stand only a unit of it ("School of Physics Nanjing
/// University"), a connector ("Affiliated Hospital of …"), a postcode, or a qualifier such as
/// "PLA"; after it, anything but a word that carries a name on.
pub fn whole_name(text: &str, start: usize, end: usize) -> bool {
    let from = text[..start].rfind(PARTS).map_or(0, |i| i + 1);
    let to = text[end..].find(PARTS).map_or(text.len(), |i| end + i);
    let before: Vec<&str> = words(&text[from..start]).collect();
    let after = words(&text[end..to]).next();
    // "Army Engineering University of PLA" is the university; "… of Technology" is another.
    let qualified = |rest: &str| {
        let mut w = words(rest).skip(1).peekable();
        w.peek().is_some() && w.all(|w| QUALIFIERS.contains(&w) || w == "of")
    };
    if after.is_some_and(|w| CONTINUES.contains(&w)) && !qualified(&text[end..to]) {
        return false;
    }
    match before.last() {
        None => true,
        Some(last) if BEFORE.contains(last) => true,
        Some(last) if last.chars().all(|c| c.is_ascii_digit()) => true,
        _ if before.iter().all(|w| QUALIFIERS.contains(w)) => true,
        _ => before.iter().any(|w| UNIT_WORDS.contains(w)),
    }
}

/// The ISO code of the country an entry belongs to: the one its list states, else the one
/// its name names when it names no Chinese place ("Institute of Solid State Physics of the
/// Russian Academy of Sciences" → RU). `None`: not known (a Chinese entry, mostly).
pub fn country_of(stated: Option<&str>, names: &[&str]) -> Option<String> {
    if let Some(s) = stated.map(str::trim).filter(|s| !s.is_empty()) {
        return named_country(s).or_else(|| Some(s.to_string()));
    }
    let chinese = |n: &str| {
        let l = normalize(n);
        ["china", "chinese", "sino", "pla", "beijing", "shanghai"]
            .iter()
            .any(|w| contains_words(&l, w))
            || !l.is_ascii()
    };
    if names.iter().any(|n| chinese(n)) {
        return None;
    }
    names
        .iter()
        .find_map(|n| named_country(n))
        .filter(|c| !matches!(c.as_str(), "CN" | "HK" | "MO" | "TW"))
}

/// Every country's names, demonym and capital (longer than three letters), normalised, as one
/// lexicon: built once, since every entry of every list is asked.
static COUNTRY_WORDS: LazyLock<(Lexicon, Vec<String>)> = LazyLock::new(|| {
    let (mut phrases, mut codes) = (Vec::new(), Vec::new());
    for c in countries::all() {
        for n in std::iter::once(&c.name)
            .chain(std::iter::once(&c.demonym))
            .chain(std::iter::once(&c.capital))
            .chain(&c.other_names)
            .filter(|n| n.len() > 3)
        {
            phrases.push(normalize(n));
            codes.push(c.code.clone());
        }
    }
    (Lexicon::new(&phrases), codes)
});

/// The country `text` names first, if any.
fn named_country(text: &str) -> Option<String> {
    let (lexicon, codes) = &*COUNTRY_WORDS;
    lexicon
        .find(&normalize(text))
        .first()
        .map(|h| codes[h.pattern].clone())
}

fn contains_words(text: &str, phrase: &str) -> bool {
    let mut at = 0;
    while let Some(i) = text[at..].find(phrase) {
        let (s, e) = (at + i, at + i + phrase.len());
        let left = text[..s]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let right = text[e..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        if left && right {
            return true;
        }
        at = s + 1;
        while !text.is_char_boundary(at) {
            at += 1;
        }
    }
    false
}

/// Whether an entry of country `entry` may match an affiliation placed in `region` (CN, HK,
/// MO, TW, OTHER, UNKNOWN): a Chinese entry anywhere in China, Hong Kong or Macau, a foreign
/// one nowhere that is placed in China.
pub fn country_allows(entry: Option<&str>, region: &str) -> bool {
    match entry {
        None => true,
        Some("CN") => matches!(region, "CN" | "HK" | "MO" | "UNKNOWN"),
        Some("HK") => matches!(region, "HK" | "CN" | "UNKNOWN"),
        Some("MO") => matches!(region, "MO" | "CN" | "UNKNOWN"),
        Some(_) => !matches!(region, "CN" | "HK" | "MO"),
    }
}

/// When an entry was put on its list, from the facts its list gives: a 1260H tranche, a
/// §1286 report year, a listing date. The earliest of several.
pub fn listed_since(detail: &str) -> Option<String> {
    detail
        .split(';')
        .filter_map(|part| {
            let part = part.trim();
            let value = ["tranche=", "date=", "listed=", "listed "]
                .iter()
                .find_map(|k| part.strip_prefix(k))
                .map(str::to_string)
                .or_else(|| {
                    // "report_year=FY22 (2022)" → "2022"
                    part.strip_prefix("report_year=")
                        .and_then(|v| v.split(['(', ')']).nth(1))
                        .map(str::to_string)
                })?;
            let value = value.trim();
            let datelike = value.len() >= 4
                && value[..4].chars().all(|c| c.is_ascii_digit())
                && value[4..].chars().all(|c| c.is_ascii_digit() || c == '-');
            datelike.then(|| value.to_string())
        })
        .min()
}

/// The country a list's detail states ("country=Russia"), if any.
pub fn stated_country(detail: &str) -> Option<String> {
    detail.split(';').find_map(|p| {
        p.trim()
            .strip_prefix("country=")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
    })
}

#[cfg(test)]
mod tests;
