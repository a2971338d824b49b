//! Where is an author? Region of an affiliation: mainland China, Hong Kong, Macau, Taiwan,
//! elsewhere, or unknown — from the raw string and from whatever structure a source gives.
//!
//! Signals, strongest first (the first level that has any decides; the others stay as evidence):
//! 1. a country named as a location in the string (`…, Beijing 100084, China`; compounds such
//!    as `Taiwan, China` or `Hong Kong SAR, China` count as the smaller region);
//! 2. a city, district or province in the string (gazetteer from GeoNames and the provincial
//!    table; names also used outside China are left out);
//! 3. the country code of the institution a source matched (a match can be wrong, the words
//!    the author wrote cannot);
//! 4. an institution name from the compiled list, or a country word used inside a name
//!    (`Hong Kong Polytechnic University`);
//! 5. an e-mail domain (`.edu.cn`, `.edu.hk`, `.edu.tw`, `.edu.mo`);
//! 6. the `countries` OpenAlex attaches to the authorship.
//!
//! Places outside China count as much as places in it: every country's names (at the end of
//! the string), and for the US the state names and USPS codes where US addresses put them
//! (`Boston, MA 02115`). An institution whose name is shared by a Chinese and a non-Chinese
//! institution — known to be (the institution table) or bound to be (a name made only of
//! compass and generic words: "Northeastern University") — is a *namesake*: it is kept as
//! evidence but never decides; with no other evidence the region is UNKNOWN and says why.
//!
//! A country word counts as a location only when nothing but punctuation, digits or the end of
//! the string follows it: `China Medical University` and `US-China Institute` are names, not
//! places. Trap phrases (`China Lake`, `New Mexico`) are matched first and mean "not here".

mod terms;
mod us;

use super::text::{Lexicon, normalize};
use crate::reference;
use std::collections::{BTreeSet, HashSet};
use terms::{
    CHINA_WORDS, Kind, TRAPS, Term, city_terms, email_domain, email_region, generic_name,
    is_terminal,
};

/// A region as the export and the `classify` command print it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Region {
    CN,
    HK,
    MO,
    TW,
    Other,
    Unknown,
}

impl Region {
    pub fn as_str(self) -> &'static str {
        match self {
            Region::CN => "CN",
            Region::HK => "HK",
            Region::MO => "MO",
            Region::TW => "TW",
            Region::Other => "OTHER",
            Region::Unknown => "UNKNOWN",
        }
    }

    /// The region of an ISO 3166-1 alpha-2 code.
    pub fn from_country_code(code: &str) -> Region {
        match code.trim().to_ascii_uppercase().as_str() {
            "CN" => Region::CN,
            "HK" => Region::HK,
            "MO" => Region::MO,
            "TW" => Region::TW,
            "" => Region::Unknown,
            _ => Region::Other,
        }
    }

    pub fn parse(s: &str) -> Option<Region> {
        Some(match s {
            "CN" => Region::CN,
            "HK" => Region::HK,
            "MO" => Region::MO,
            "TW" => Region::TW,
            "OTHER" => Region::Other,
            "UNKNOWN" => Region::Unknown,
            _ => return None,
        })
    }
}

/// Which regions count as China-based. Taiwan never does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RegionPolicy {
    pub mainland_only: bool,
}

impl RegionPolicy {
    pub fn counts(self, region: Region) -> bool {
        match region {
            Region::CN => true,
            Region::HK | Region::MO => !self.mainland_only,
            _ => false,
        }
    }
}

/// How a signal was found, strongest first (the derive order is the precedence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    StringCountry,
    StringPlace,
    InstitutionCode,
    StringInstitution,
    EmailDomain,
    AuthorCountries,
    /// An institution name shared by institutions in several countries: never decides.
    Namesake,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::StringCountry => "country named in affiliation string",
            Level::StringPlace => "place named in affiliation string",
            Level::InstitutionCode => "institution country code",
            Level::StringInstitution => "institution named in affiliation string",
            Level::EmailDomain => "e-mail domain",
            Level::AuthorCountries => "authorship countries",
            Level::Namesake => "institution name shared with institutions elsewhere",
        }
    }
}

/// One piece of evidence about where an affiliation is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub level: Level,
    pub region: Region,
    /// The matched text (from the normalised string) or the code.
    pub matched: String,
    /// Byte offset in the normalised string, for ordering; 0 for structured signals.
    pub position: usize,
}

/// The decision for one affiliation with everything that led to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The main region: the last mention at the deciding level.
    pub region: Region,
    /// Every region named at the deciding level (a string can name two countries).
    pub regions: Vec<Region>,
    pub decided_by: Option<Level>,
    pub signals: Vec<Signal>,
    /// Why nothing decided, when something could have misled (a namesake).
    pub note: Option<String>,
}

impl Verdict {
    /// Whether this affiliation is China-based under `policy`.
    pub fn is_china(&self, policy: RegionPolicy) -> bool {
        self.regions.iter().any(|r| policy.counts(*r))
    }

    /// The deciding signals that make it China-based, for evidence.
    pub fn china_signals(&self, policy: RegionPolicy) -> Vec<&Signal> {
        self.signals
            .iter()
            .filter(|s| Some(s.level) == self.decided_by && policy.counts(s.region))
            .collect()
    }
}

/// What a source tells us about one affiliation.
#[derive(Debug, Clone, Copy, Default)]
pub struct AffiliationInput<'a> {
    pub raw: Option<&'a str>,
    pub institution_name: Option<&'a str>,
    pub country_code: Option<&'a str>,
    pub author_countries: &'a [String],
}

/// The compiled affiliation classifier. Build once, use from any thread.
pub struct ChinaClassifier {
    lexicon: Lexicon,
    terms: Vec<Term>,
    /// USPS codes of the US states and possessions.
    us_codes: HashSet<String>,
}

impl ChinaClassifier {
    /// Build from the embedded reference tables.
    pub fn new() -> ChinaClassifier {
        let mut phrases: Vec<String> = Vec::new();
        let mut terms: Vec<Term> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut add =
            |phrase: &str, term: Term, phrases: &mut Vec<String>, terms: &mut Vec<Term>| {
                let p = normalize(phrase);
                if p.is_empty() || !seen.insert(p.clone()) {
                    return;
                }
                phrases.push(p);
                terms.push(term);
            };

        for (phrase, region) in TRAPS {
            add(
                phrase,
                Term {
                    kind: Kind::Trap,
                    region: *region,
                    namesake: false,
                },
                &mut phrases,
                &mut terms,
            );
        }
        // Compounds: "Taiwan, China" is Taiwan; "Hong Kong SAR, China" is Hong Kong.
        let small = [
            (Region::TW, &["taiwan", "taiwan province"][..]),
            (
                Region::HK,
                &[
                    "hong kong",
                    "hong kong sar",
                    "hong kong s.a.r.",
                    "hksar",
                    "kowloon",
                ][..],
            ),
            (
                Region::MO,
                &["macau", "macao", "macau sar", "macao sar"][..],
            ),
        ];
        for (region, names) in small {
            for name in names {
                for china in CHINA_WORDS {
                    for sep in [", ", " ", ","] {
                        let phrase = format!("{name}{sep}{china}");
                        add(
                            &phrase,
                            Term {
                                kind: Kind::Country,
                                region,
                                namesake: false,
                            },
                            &mut phrases,
                            &mut terms,
                        );
                    }
                    let phrase = format!("{china}{name}");
                    if !china.is_ascii() {
                        add(
                            &phrase,
                            Term {
                                kind: Kind::Country,
                                region,
                                namesake: false,
                            },
                            &mut phrases,
                            &mut terms,
                        );
                    }
                }
            }
        }
        for row in reference::rows(reference::INSTITUTIONS_CSV) {
            let region = Region::parse(&row["region"]).unwrap_or(Region::Unknown);
            let term = Term {
                kind: Kind::Institution,
                region,
                // Known to be borne by institutions in two regions ("China Medical
                // University": Shenyang and Taichung), or bound to be.
                namesake: region == Region::Unknown || generic_name(&row["name"]),
            };
            add(&row["name"], term, &mut phrases, &mut terms);
            // "Hohai Univ.": the bibliographic abbreviation, as for the tracker's names.
            if let Some(stem) = row["name"].strip_suffix(" university") {
                add(&format!("{stem} univ"), term, &mut phrases, &mut terms);
            }
        }
        // The ASPI tracker and the Seven Sons table name PRC universities, academies and
        // defence conglomerates, with aliases and Chinese names: all in mainland China.
        let mut institution = |name: &str, phrases: &mut Vec<String>, terms: &mut Vec<Term>| {
            let name = name.trim();
            let acronym = name.chars().count() <= 6
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            if acronym || name.chars().count() < 4 {
                return;
            }
            let term = Term {
                kind: Kind::Institution,
                region: Region::CN,
                namesake: generic_name(name),
            };
            add(name, term, phrases, terms);
            // "Xidian Univ.", "Tsinghua Univ": bibliographic abbreviations.
            if let Some(stem) = name.strip_suffix(" University") {
                add(&format!("{stem} Univ"), term, phrases, terms);
            }
        };
        for row in reference::rows(reference::ASPI_TRACKER_CSV) {
            institution(&row["name_en"], &mut phrases, &mut terms);
            institution(&row["name_zh"], &mut phrases, &mut terms);
            for alias in row["aliases"].split(';') {
                institution(alias, &mut phrases, &mut terms);
            }
        }
        for row in reference::rows(reference::SEVEN_SONS_CSV) {
            for alias in row["aliases_extra_compiled"].split(';') {
                institution(alias, &mut phrases, &mut terms);
            }
        }
        for row in reference::rows(reference::COUNTRIES_CSV) {
            let region = Region::from_country_code(&row["code"]);
            add(
                &row["name"],
                Term {
                    kind: Kind::Country,
                    region,
                    namesake: false,
                },
                &mut phrases,
                &mut terms,
            );
        }
        for row in reference::rows(reference::PLACES_EXTRA_CSV) {
            let region = Region::parse(&row["region"]).unwrap_or(Region::Unknown);
            add(
                &row["name"],
                Term {
                    kind: Kind::Place,
                    region,
                    namesake: false,
                },
                &mut phrases,
                &mut terms,
            );
        }
        for row in reference::rows(reference::PROVINCES_CSV) {
            let region = match row["jurisdiction"].as_str() {
                j if j.contains("Hong Kong") => Region::HK,
                j if j.contains("Maca") => Region::MO,
                j if j.contains("Taiwan") || row["iso_3166_2"] == "CN-TW" => Region::TW,
                _ => Region::CN,
            };
            let term = Term {
                kind: Kind::Place,
                region,
                namesake: false,
            };
            add(&row["name_en"], term, &mut phrases, &mut terms);
            add(&row["name_zh"], term, &mut phrases, &mut terms);
            if region == Region::CN {
                add(&row["capital_en"], term, &mut phrases, &mut terms);
                add(&row["capital_zh"], term, &mut phrases, &mut terms);
            }
            for v in row["variants_and_legacy_romanizations"].split('|') {
                let v = v.trim();
                // Legacy spellings shared with places elsewhere (Canton, Ohio) stay out.
                if v.len() >= 5 && !matches!(v, "Canton" | "Victoria") {
                    add(v, term, &mut phrases, &mut terms);
                }
            }
        }
        for (phrase, term) in city_terms() {
            add(&phrase, term, &mut phrases, &mut terms);
        }
        // Places outside China, after China's own (so a name shared with a place in China,
        // such as Jordan in Kowloon, stays China's): every country's names, and the US states.
        for c in super::countries::all() {
            let region = Region::from_country_code(&c.code);
            for name in std::iter::once(&c.name).chain(&c.other_names) {
                let word = name.to_lowercase();
                if name.chars().count() >= 4
                    && !super::countries::NOT_QUALIFIERS.contains(&word.as_str())
                {
                    add(
                        name,
                        Term::new(Kind::Country, region),
                        &mut phrases,
                        &mut terms,
                    );
                }
            }
        }
        let mut us_codes = HashSet::new();
        for row in reference::rows(reference::US_STATES_CSV) {
            us_codes.insert(row["code"].clone());
            add(
                &row["name"],
                Term::new(Kind::PlaceAtEnd, Region::Other),
                &mut phrases,
                &mut terms,
            );
        }
        ChinaClassifier {
            lexicon: Lexicon::new(&phrases),
            terms,
            us_codes,
        }
    }

    /// Signals found in a raw affiliation string.
    pub fn string_signals(&self, raw: &str) -> Vec<Signal> {
        let text = normalize(raw);
        let mut signals = Vec::new();
        for hit in self.lexicon.find(&text) {
            let term = self.terms[hit.pattern];
            let matched = &text[hit.start..hit.end];
            let level = match term.kind {
                Kind::Trap => {
                    signals.push(Signal {
                        level: Level::StringPlace,
                        region: term.region,
                        matched: matched.to_string(),
                        position: hit.start,
                    });
                    continue;
                }
                Kind::Country => {
                    if is_terminal(&text, hit.end) || !matched.is_ascii() {
                        Level::StringCountry
                    } else if matches!(term.region, Region::Other) {
                        continue;
                    } else {
                        Level::StringInstitution
                    }
                }
                Kind::Place => Level::StringPlace,
                Kind::PlaceAtEnd if is_terminal(&text, hit.end) => Level::StringPlace,
                Kind::PlaceAtEnd => continue,
                Kind::Institution if term.namesake => Level::Namesake,
                Kind::Institution => {
                    if term.region == Region::Unknown {
                        continue;
                    }
                    Level::StringInstitution
                }
            };
            signals.push(Signal {
                level,
                region: term.region,
                matched: matched.to_string(),
                position: hit.start,
            });
        }
        if let Some((code, at)) = self.us_state_code(raw) {
            signals.push(Signal {
                level: Level::StringPlace,
                region: Region::Other,
                matched: code.to_string(),
                position: normalize(&raw[..at]).len(),
            });
        }
        if let Some(region) = email_region(&text) {
            signals.push(Signal {
                level: Level::EmailDomain,
                region,
                matched: email_domain(&text).unwrap_or_default().to_string(),
                position: text.find('@').unwrap_or(0),
            });
        }
        signals
    }

    /// A USPS state code where US addresses put one: upper case, after a city (a comma or a
    /// space before it), and followed by a ZIP code, a US country name or the end ("Boston, MA
    /// 02115", "BOSTON MA", "Columbia, MO 65211, USA"). `MO`, also Macau's ISO code, needs the
    /// ZIP code. Returns the code and its byte offset in `raw`.
    fn us_state_code<'a>(&self, raw: &'a str) -> Option<(&'a str, usize)> {
        let bytes = raw.as_bytes();
        let mut found = None;
        for (at, w) in raw.match_indices(|c: char| c.is_ascii_uppercase()) {
            let _ = w;
            if at + 2 > raw.len() || !raw.is_char_boundary(at + 2) {
                continue;
            }
            let code = &raw[at..at + 2];
            if !self.us_codes.contains(code) {
                continue;
            }
            let before_ok = at >= 2
                && matches!(bytes[at - 1], b' ')
                && bytes[at - 2].is_ascii_alphabetic() | (bytes[at - 2] == b',');
            let after_ok = bytes.get(at + 2).is_none_or(|b| !b.is_ascii_alphanumeric());
            if !(before_ok && after_ok) {
                continue;
            }
            let rest = raw[at + 2..].trim_start_matches([' ', ',', '.']);
            let zip = rest.len() >= 5 && rest.as_bytes()[..5].iter().all(u8::is_ascii_digit);
            let end = rest.is_empty()
                || ["usa", "u.s.a", "united states", "us"]
                    .iter()
                    .any(|u| rest.to_ascii_lowercase().starts_with(u));
            if zip || (end && code != "MO") {
                found = Some((code, at));
            }
        }
        found
    }

    /// Decide one affiliation.
    pub fn classify(&self, input: AffiliationInput<'_>) -> Verdict {
        let mut signals = Vec::new();
        if let Some(raw) = input.raw.filter(|r| !r.trim().is_empty()) {
            signals.extend(self.string_signals(raw));
        } else if let Some(name) = input.institution_name {
            // No raw string: the institution's display name still names places sometimes.
            signals.extend(
                self.string_signals(name)
                    .into_iter()
                    .filter(|s| s.level != Level::EmailDomain),
            );
        }
        if let Some(code) = input.country_code.filter(|c| !c.trim().is_empty()) {
            signals.push(Signal {
                level: Level::InstitutionCode,
                region: Region::from_country_code(code),
                matched: code.trim().to_ascii_uppercase(),
                position: 0,
            });
        }
        for code in input.author_countries {
            signals.push(Signal {
                level: Level::AuthorCountries,
                region: Region::from_country_code(code),
                matched: code.trim().to_ascii_uppercase(),
                position: 0,
            });
        }
        decide(signals)
    }

    /// Classify a bare string (the `classify affiliation` command and the evaluation).
    pub fn classify_text(&self, raw: &str) -> Verdict {
        self.classify(AffiliationInput {
            raw: Some(raw),
            ..Default::default()
        })
    }
}

impl Default for ChinaClassifier {
    fn default() -> Self {
        Self::new()
    }
}

fn decide(signals: Vec<Signal>) -> Verdict {
    let decided_by = signals
        .iter()
        .filter(|s| s.region != Region::Unknown && s.level != Level::Namesake)
        .map(|s| s.level)
        .min();
    let Some(level) = decided_by else {
        let note = signals
            .iter()
            .find(|s| s.level == Level::Namesake)
            .map(|s| {
                format!(
                    "\"{}\" is the name of institutions in China and elsewhere, and nothing in the string says where this one is",
                    s.matched
                )
            });
        return Verdict {
            region: Region::Unknown,
            regions: Vec::new(),
            decided_by: None,
            signals,
            note,
        };
    };
    let deciding: Vec<&Signal> = signals
        .iter()
        .filter(|s| s.level == level && s.region != Region::Unknown)
        .collect();
    let region = deciding
        .iter()
        .max_by_key(|s| s.position)
        .map(|s| s.region)
        .unwrap_or(Region::Unknown);
    let regions: BTreeSet<Region> = deciding.iter().map(|s| s.region).collect();
    Verdict {
        region,
        regions: regions.into_iter().collect(),
        decided_by,
        signals,
        note: None,
    }
}

#[cfg(test)]
mod tests;
