//! Is a funder, or an award number, the US Department of Defense — and which part of it?
//!
//! Structured ids decide first (Crossref Funder Registry ids of the DoD family, ROR ids, and the
//! OpenAlex funder ids resolved at run time). Names are matched against component names and
//! acronyms: "strong" aliases (`Office of Naval Research`, `AFOSR`) decide alone; "weak" ones
//! that collide with other bodies (`ARO`, `MDA`, `NRL`) need a US-defense context word in the
//! same name or a DoD award number on the same funder. Foreign defence ministries, PLA bodies and
//! non-DoD agencies are masked before matching. Award numbers follow the DFARS PIID grammar:
//! a six-character issuing-office code, fiscal year, instrument type, serial.

use super::text::{Hit, Lexicon, Mapped, normalize};
use crate::model::{FunderRecord, registry_number, short_openalex_id, short_ror};
use crate::reference;
use regex::Regex;
use std::collections::{HashMap, HashSet};

/// The DoD top-level ROR id (successor of the Funder Registry).
pub const DOD_ROR: &str = "0447fe631";
/// The DoD top-level Crossref Funder Registry number.
pub const DOD_REGISTRY: &str = "100000005";

/// How a DoD match was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    RegistryId,
    OpenAlexId,
    Ror,
    Name,
    Award,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::RegistryId => "funder registry id",
            Via::OpenAlexId => "OpenAlex funder id",
            Via::Ror => "ROR id",
            Via::Name => "funder name",
            Via::Award => "award number",
        }
    }
}

/// One reason to call a funder DoD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DodMatch {
    pub component: String,
    pub group: String,
    pub via: Via,
    /// What matched: the id, the name fragment, or the award number.
    pub matched: String,
}

/// A parsed DoD award number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Award {
    /// As written in the source.
    pub text: String,
    /// Upper case, no separators.
    pub normalized: String,
    pub prefix: String,
    pub issuing_office: String,
    pub group: String,
    pub fiscal_year: Option<String>,
    pub instrument: Option<char>,
    /// Byte offsets in the text it was parsed from.
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone)]
struct Prefix {
    office: String,
    group: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strength {
    Strong,
    Weak,
}

#[derive(Debug, Clone, Copy)]
enum NameTerm {
    Alias {
        component: usize,
        strength: Strength,
    },
    /// Masks its text: a foreign or non-DoD body whose name contains DoD-like words.
    Mask,
    /// A word that makes a weak acronym credible (`army`, `navy`, `defense`, `u.s.`).
    Context,
    /// A country or nationality other than the US: the name is not the US DoD.
    Foreign,
}

/// Components that name a whole department or service: a more specific component named in the
/// same phrase (`U.S. Army Research Office`) replaces them.
const GENERIC: &[&str] = &[
    "U.S. Department of Defense",
    "U.S. Army",
    "U.S. Navy",
    "U.S. Air Force",
    "U.S. Space Force",
    "U.S. Marine Corps",
];

/// Masked bodies that fund research themselves (as opposed to look-alike names).
const FUNDING_MASKS: &[&str] = &[
    "iarpa",
    "intelligence advanced research projects activity",
    "nasa",
    "national aeronautics and space administration",
    "department of energy",
    "arpa e",
    "arpa h",
    "veterans affairs",
    "department of veterans affairs",
];

/// Non-DoD bodies whose names contain DoD words.
const MASKS: &[&str] = &[
    "army medical university",
    "air force medical university",
    "air force engineering university",
    "army engineering university",
    "naval university of engineering",
    "naval medical university",
    "national university of defense technology",
    "people's liberation army",
    "peoples liberation army",
    "pla",
    "chinese people's liberation army",
    "ministry of defence",
    "ministry of defense",
    "ministry of national defense",
    "ministry of national defence",
    "department of national defence",
    "department of veterans affairs",
    "veterans affairs",
    "veterans administration",
    "department of energy",
    "nasa",
    "national aeronautics and space administration",
    "iarpa",
    "intelligence advanced research projects activity",
    "arpa-e",
    "advanced research projects agency-energy",
    "advanced research projects agency - energy",
    "arpa-h",
    "arpa-i",
    "advanced research projects agency for health",
    "advanced research projects agency -energy",
    "advanced research projects agency- energy",
    "advanced research projects agency -health",
    "advanced research projects agency-health",
    "advanced research projects agency for infrastructure",
    "defence science and technology",
    "defence research and development",
    "defence science and technology laboratory",
    "dstl",
    "agricultural research organization",
    "muscular dystrophy association",
    "plant defense",
    "host defense",
    "immune defense",
];

const CONTEXT: &[&str] = &[
    "army",
    "navy",
    "naval",
    "air force",
    "defense",
    "dod",
    "u.s.",
    "us",
    "usa",
    "united states",
    "military",
    "missile",
    "department of the",
    "war",
];

const FOREIGN: &[&str] = &[
    "china",
    "chinese",
    "taiwan",
    "korea",
    "korean",
    "japan",
    "japanese",
    "australia",
    "australian",
    "canada",
    "canadian",
    "uk",
    "british",
    "united kingdom",
    "germany",
    "german",
    "france",
    "french",
    "israel",
    "israeli",
    "india",
    "indian",
    "singapore",
    "czech",
    "italy",
    "italian",
    "spain",
    "spanish",
    "netherlands",
    "dutch",
    "sweden",
    "swedish",
    "norway",
    "norwegian",
    "denmark",
    "danish",
    "finland",
    "finnish",
    "poland",
    "polish",
    "russia",
    "russian",
    "turkey",
    "turkish",
    "brazil",
    "iran",
    "pakistan",
    "republic of korea",
    "romanian",
    "academy of romanian scientists",
];

/// The compiled DoD classifier. Build once; add run-time ids with the `with_*` methods.
#[derive(Clone)]
pub struct DodClassifier {
    components: Vec<(String, String)>,
    registry: HashMap<String, usize>,
    rors: HashMap<String, usize>,
    openalex: HashMap<String, usize>,
    names: std::sync::Arc<Lexicon>,
    generic: HashSet<usize>,
    name_terms: Vec<NameTerm>,
    prefixes: HashMap<String, Prefix>,
    full_award: Regex,
    prefix_token: Regex,
    shaped_award: Regex,
    disclaimer: Regex,
    funding_cue: Regex,
    non_funding_support: Regex,
    /// Strong multi-word aliases without their small words, for names that write "Office and
    /// Naval Research" or "Air Force Office for Scientific Research".
    loose: std::sync::Arc<Lexicon>,
    loose_phrases: std::sync::Arc<Vec<String>>,
    loose_terms: Vec<usize>,
}

impl DodClassifier {
    pub fn new() -> DodClassifier {
        let mut components: Vec<(String, String)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut component =
            |name: &str, group: &str, components: &mut Vec<(String, String)>| -> usize {
                *index.entry(name.to_string()).or_insert_with(|| {
                    components.push((name.to_string(), group.to_string()));
                    components.len() - 1
                })
            };
        let mut registry = HashMap::new();
        let mut groups: HashMap<String, String> = HashMap::new();
        for row in reference::rows(reference::DOD_FUNDERS_CSV) {
            let group = row["component_group"].clone();
            groups.insert(row["name"].clone(), group.clone());
            let c = component(&row["name"], &group, &mut components);
            if let Some(n) = registry_number(&row["funder_id"]) {
                registry.insert(n, c);
            }
        }
        let mut rors = HashMap::new();
        rors.insert(DOD_ROR.to_string(), registry[DOD_REGISTRY]);

        let mut phrases: Vec<String> = Vec::new();
        let mut name_terms = Vec::new();
        let mut seen = HashSet::new();
        let mut add =
            |p: &str, t: NameTerm, phrases: &mut Vec<String>, terms: &mut Vec<NameTerm>| {
                let p = dehyphen(normalize(p));
                if seen.insert(p.clone()) {
                    phrases.push(p);
                    terms.push(t);
                }
            };
        for m in MASKS {
            add(m, NameTerm::Mask, &mut phrases, &mut name_terms);
        }
        for row in reference::rows(reference::DOD_ALIASES_CSV) {
            let name = &row["component"];
            let group = groups
                .get(name)
                .cloned()
                .unwrap_or_else(|| match name.as_str() {
                    n if n.contains("Naval") => "Navy".to_string(),
                    _ => "Defense agency".to_string(),
                });
            let c = component(name, &group, &mut components);
            let strength = if row["strength"] == "weak" {
                Strength::Weak
            } else {
                Strength::Strong
            };
            let term = NameTerm::Alias {
                component: c,
                strength,
            };
            let alias = row["alias"].as_str();
            add(alias, term, &mut phrases, &mut name_terms);
            // Typeset and OCR'd texts write "U. S. Army" and "US Army" as often as "U.S. Army".
            if let Some(rest) = alias.strip_prefix("u.s. ") {
                add(
                    &format!("u. s. {rest}"),
                    term,
                    &mut phrases,
                    &mut name_terms,
                );
                add(&format!("u.s.{rest}"), term, &mut phrases, &mut name_terms);
            }
        }
        for w in CONTEXT {
            add(w, NameTerm::Context, &mut phrases, &mut name_terms);
        }
        for w in FOREIGN {
            add(w, NameTerm::Foreign, &mut phrases, &mut name_terms);
        }

        let mut prefixes = HashMap::new();
        for row in reference::rows(reference::DOD_PREFIXES_CSV) {
            prefixes.insert(
                row["prefix"].to_ascii_uppercase(),
                Prefix {
                    office: row["issuing_office"].clone(),
                    group: row["component"].clone(),
                },
            );
        }
        let mut loose_phrases: Vec<String> = Vec::new();
        let mut loose_terms: Vec<usize> = Vec::new();
        for (phrase, term) in phrases.iter().zip(&name_terms) {
            if let NameTerm::Alias {
                component,
                strength: Strength::Strong,
            } = term
            {
                let squeezed = without_small_words(phrase);
                if squeezed.split(' ').count() >= 3 && !loose_phrases.contains(&squeezed) {
                    loose_phrases.push(squeezed);
                    loose_terms.push(*component);
                }
            }
        }
        let generic = GENERIC
            .iter()
            .filter_map(|g| components.iter().position(|(n, _)| n == g))
            .collect();
        DodClassifier {
            components,
            registry,
            rors,
            openalex: HashMap::new(),
            generic,
            names: std::sync::Arc::new(Lexicon::overlapping(&phrases)),
            name_terms,
            prefixes,
            full_award: Regex::new(
                r"\b([A-Z][A-Z0-9]{5})[- ]?(\d{2})[- ]?([A-Z0-9])[- ]?([A-Z0-9]{4,6})\b",
            )
            .expect("award regex"),
            prefix_token: Regex::new(r"\b([A-Z][A-Z0-9]{5})(?:[- ]?[A-Z0-9]+)*")
                .expect("prefix regex"),
            // DoD activity address codes: Army W…/DA…, Navy N + 5 digits, Air Force F…,
            // defense agencies H…, MDA…, SP… (DLA).
            shaped_award: Regex::new(
                r"\b(W-?[0-9][A-Z0-9]{4}|N-?[0-9]{5}|F-?[A-Z0-9][0-9]{4}|H[A-Z0-9]{5}|DA[A-Z]{2}[0-9]{2}|MDA[0-9]{3}|SP[0-9]{4})-(\d{2})-(?:([A-Z0-9])-)?([A-Z0-9]{4,6})\b",
            )
            .expect("shaped award regex"),
            disclaimer: Regex::new(
                r"\b(?:views|opinions|findings|conclusions|recommendations|content|contents|statements)\b[^.]*?\b(?:are those of|is solely the responsibility|do not necessarily|does not necessarily|not necessarily|should not be (?:interpreted|construed)|no official endorsement|not be construed)|\b(?:approved for public release|distribution statement [a-f]\b|distribution (?:is )?unlimited)",
            )
            .expect("disclaimer regex"),
            funding_cue: Regex::new(
                r"\b(?:support|supported|supporting|fund|funds|funded|funding|grant|grants|granted|award|awards|awarded|contract|contracts|subcontract|sponsor|sponsored|sponsorship|fellowship|fellowships|financ\w*|scholarship|agreement|under|acknowledge the|acknowledges the|gratefully acknowledge|arpa order|order no)\b",
            )
            .expect("funding cue regex"),
            non_funding_support: Regex::new(
                r"\b(?:technical|managerial|logistical|logistic|administrative|editorial|moral|clerical|statistical|field|computing|computational|engineering|laboratory|lab|programming|ship|sea|diving|animal|veterinary|mentoring|in kind|in-kind) (?:and \w+ )?support\b",
            )
            .expect("non-funding support regex"),
            loose: std::sync::Arc::new(Lexicon::new(&loose_phrases)),
            loose_phrases: std::sync::Arc::new(loose_phrases),
            loose_terms,
        }
    }

    /// Add Funder Registry numbers learnt at run time (Crossref's `descendants` of DoD).
    pub fn with_registry_ids<'a>(
        mut self,
        ids: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        for (id, name) in ids {
            if let Some(n) = registry_number(id)
                && !self.registry.contains_key(&n)
            {
                let c = self.component_index(name, "DoD (registry descendant)");
                self.registry.insert(n, c);
            }
        }
        self
    }

    /// Add OpenAlex funder ids resolved at run time for DoD registry numbers.
    pub fn with_openalex_ids<'a>(
        mut self,
        ids: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        for (openalex_id, registry_id) in ids {
            let c = registry_number(registry_id)
                .and_then(|n| self.registry.get(&n).copied())
                .unwrap_or(self.registry[DOD_REGISTRY]);
            self.openalex.insert(short_openalex_id(openalex_id), c);
        }
        self
    }

    fn component_index(&mut self, name: &str, group: &str) -> usize {
        if let Some(i) = self.components.iter().position(|(n, _)| n == name) {
            return i;
        }
        self.components.push((name.to_string(), group.to_string()));
        self.components.len() - 1
    }

    /// Names and distinctive acronyms of DoD components for full-text search queries (strong
    /// aliases only; ambiguous acronyms would flood the results).
    pub fn query_terms(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for row in reference::rows(reference::DOD_ALIASES_CSV) {
            let alias = row["alias"].trim();
            let acronym = row["kind"] == "acronym";
            if row["strength"] != "strong"
                || alias.contains(['(', ')', '"', '&'])
                || (acronym && alias.len() < 4)
                || alias.split(' ').count() > 8
            {
                continue;
            }
            let term = if acronym {
                alias.to_ascii_uppercase()
            } else {
                alias.to_string()
            };
            if !out.iter().any(|t| t.eq_ignore_ascii_case(&term)) {
                out.push(term);
            }
        }
        out
    }

    /// Every registry number treated as DoD (for discovery queries).
    pub fn registry_numbers(&self) -> Vec<String> {
        let mut v: Vec<String> = self.registry.keys().cloned().collect();
        v.sort();
        v
    }

    /// Whether a registry number is in the DoD family.
    pub fn is_dod_registry(&self, id: &str) -> bool {
        registry_number(id).is_some_and(|n| self.registry.contains_key(&n))
    }

    fn matched(&self, c: usize, via: Via, matched: impl Into<String>) -> DodMatch {
        let (component, group) = &self.components[c];
        DodMatch {
            component: component.clone(),
            group: group.clone(),
            via,
            matched: matched.into(),
        }
    }

    /// Every reason this funder entry is DoD (empty when it is not).
    pub fn classify_funder(&self, funder: &FunderRecord) -> Vec<DodMatch> {
        let mut out = Vec::new();
        let awards: Vec<Award> = funder
            .awards
            .iter()
            .flat_map(|a| self.parse_awards(a))
            .collect();
        if let Some(id) = &funder.funder_id {
            if let Some(n) = registry_number(id) {
                if let Some(&c) = self.registry.get(&n) {
                    out.push(self.matched(c, Via::RegistryId, format!("10.13039/{n}")));
                }
            } else {
                let short = short_openalex_id(id);
                if let Some(&c) = self.openalex.get(&short) {
                    out.push(self.matched(c, Via::OpenAlexId, short));
                }
            }
        }
        if let Some(ror) = &funder.ror
            && let Some(&c) = self.rors.get(&short_ror(ror))
        {
            out.push(self.matched(c, Via::Ror, short_ror(ror)));
        }
        if let Some(name) = &funder.name {
            out.extend(self.classify_name(name, !awards.is_empty()));
        }
        for a in &awards {
            out.push(DodMatch {
                component: a.group.clone(),
                group: a.group.clone(),
                via: Via::Award,
                matched: format!("{} → {}", a.text, a.issuing_office),
            });
        }
        out
    }

    /// Alias, context and foreign-word hits in a normalised text, after choosing among
    /// overlapping matches: a masked body hides every hit it overlaps, a hit inside a longer
    /// one gives way ("Nanjing" inside "Nanjing University"), and a department or service
    /// gives way to a more specific component it overlaps ("U.S. Army" in "U.S. Army
    /// Research Office").
    fn select(&self, text: &str) -> Vec<Hit> {
        let all = self.names.find_all(text);
        let masks: Vec<&Hit> = all
            .iter()
            .filter(|h| matches!(self.name_terms[h.pattern], NameTerm::Mask))
            .collect();
        let overlaps = |a: &Hit, b: &Hit| a.start < b.end && b.start < a.end;
        let kept: Vec<Hit> = all
            .iter()
            .filter(|h| !matches!(self.name_terms[h.pattern], NameTerm::Mask))
            .filter(|h| !masks.iter().any(|m| overlaps(h, m)))
            .copied()
            .collect();
        let alias = |h: &Hit| match self.name_terms[h.pattern] {
            NameTerm::Alias { component, .. } => Some(component),
            _ => None,
        };
        kept.iter()
            .filter(|h| {
                !kept.iter().any(|o| {
                    o != *h
                        && alias(o).is_some()
                        && o.start <= h.start
                        && h.end <= o.end
                        && (o.end - o.start) > (h.end - h.start)
                })
            })
            .filter(|h| match alias(h) {
                Some(c) if self.generic.contains(&c) => !kept.iter().any(|o| {
                    o != *h
                        && overlaps(h, o)
                        && alias(o).is_some_and(|oc| !self.generic.contains(&oc))
                }),
                _ => true,
            })
            .copied()
            .collect()
    }

    /// Component matches in a funder name. `corroborated` says a DoD award number sits on the
    /// same funder, which lets weak acronyms count.
    pub fn classify_name(&self, name: &str, corroborated: bool) -> Vec<DodMatch> {
        let text = dehyphen(normalize(name));
        let hits = self.select(&text);
        let mut context = corroborated;
        let mut foreign = false;
        let mut us_marker = false;
        let mut aliases = Vec::new();
        for h in &hits {
            match self.name_terms[h.pattern] {
                NameTerm::Alias {
                    component,
                    strength,
                } => {
                    aliases.push((component, strength, h));
                    context |= strength == Strength::Strong;
                }
                NameTerm::Context => {
                    context = true;
                    let w = &text[h.start..h.end];
                    us_marker |= matches!(w, "u.s." | "us" | "usa" | "united states");
                }
                NameTerm::Foreign => foreign = true,
                NameTerm::Mask => {}
            }
        }
        if foreign && !us_marker {
            return Vec::new();
        }
        if aliases.is_empty() {
            let squeezed = without_small_words(&text);
            if let Some(h) = self.loose.find(&squeezed).first() {
                let c = self.loose_terms[h.pattern];
                return vec![self.matched(c, Via::Name, &squeezed[h.start..h.end])];
            }
            // A deposit cut short by a field limit: the whole name is an alias of five or more
            // words without its last word ("Air Force Office of Scientific").
            let words = squeezed.split(' ').count();
            if words >= 4 {
                let cut = self.loose_phrases.iter().position(|p| {
                    p.split(' ').count() == words + 1 && p.starts_with(&format!("{squeezed} "))
                });
                if let Some(i) = cut {
                    let c = self.loose_terms[i];
                    return vec![self.matched(c, Via::Name, format!("{squeezed} (cut short)"))];
                }
            }
        }
        // "IARPA, via the U.S. Army Research Office": a non-DoD funder whose award a DoD office
        // administers; the money is not DoD's.
        let agent_for_other = |h: &Hit| {
            let before = &text[..h.start];
            let via = ["via ", "via the ", "through ", "through the "]
                .iter()
                .any(|w| before.trim_end_matches("u.s. ").ends_with(w));
            via && self.names.find_all(before).iter().any(|m| {
                matches!(self.name_terms[m.pattern], NameTerm::Mask)
                    && FUNDING_MASKS.contains(&&before[m.start..m.end])
            })
        };
        let aliases: Vec<_> = aliases
            .into_iter()
            .filter(|(_, s, _)| *s == Strength::Strong || context)
            .filter(|(_, _, h)| !agent_for_other(h))
            .collect();
        // "DOD | United States Navy | Office of Naval Research" and "U.S. Department of
        // Defense : U.S. Air Force : AFOSR" name one component: the most specific, which
        // publishers write last.
        let last_segment = text
            .rfind(['|', ':', '>'])
            .map(|i| i + 1)
            .filter(|&start| aliases.iter().any(|(_, _, h)| h.start >= start));
        let mut out: Vec<DodMatch> = aliases
            .iter()
            .filter(|(_, _, h)| last_segment.is_none_or(|start| h.start >= start))
            .map(|(c, _, h)| self.matched(*c, Via::Name, &text[h.start..h.end]))
            .collect();
        if out.len() > 1 {
            let top = &self.components[self.registry[DOD_REGISTRY]].0;
            if out.iter().any(|m| &m.component != top) {
                out.retain(|m| &m.component != top);
            }
        }
        out
    }

    /// DoD award numbers in a text (award field or acknowledgment), with their byte offsets.
    ///
    /// Three forms count: a full PIID whose six-character office code is in the prefix table
    /// (`W911NF-20-1-0123`, `W911NF2010123`, `N00014 21 1 2345`); a bare office code from the
    /// table followed by more of a number (`N0001418IP00037`); and a full PIID with separators
    /// whose office code has the shape of a DoD activity address code but is not in the table
    /// (`F30602-91-C-0076`, `DABT63-92-C-0012`), reported with its department.
    pub fn parse_awards(&self, text: &str) -> Vec<Award> {
        let upper = text.to_ascii_uppercase();
        let mut out: Vec<Award> = Vec::new();
        let mut covered: Vec<(usize, usize)> = Vec::new();
        let award = |m: regex::Match<'_>, prefix: &str, office: String, group: String| Award {
            text: text[m.start()..m.end()].to_string(),
            normalized: m.as_str().replace(['-', ' '], ""),
            prefix: prefix.to_string(),
            issuing_office: office,
            group,
            fiscal_year: None,
            instrument: None,
            start: m.start(),
            end: m.end(),
        };
        for c in self.full_award.captures_iter(&upper) {
            let m = c.get(0).expect("match");
            if let Some(p) = self.prefixes.get(&c[1]) {
                let mut a = award(m, &c[1], p.office.clone(), p.group.clone());
                a.fiscal_year = Some(c[2].to_string());
                a.instrument = c[3].chars().next();
                out.push(a);
                covered.push((m.start(), m.end()));
            }
        }
        for c in self.prefix_token.captures_iter(&upper) {
            let m = c.get(0).expect("match");
            if covered.iter().any(|&(s, e)| m.start() < e && s < m.end()) {
                continue;
            }
            if let Some(p) = self.prefixes.get(&c[1]) {
                out.push(award(m, &c[1], p.office.clone(), p.group.clone()));
                covered.push((m.start(), m.end()));
            }
        }
        for c in self.shaped_award.captures_iter(&upper) {
            let m = c.get(0).expect("match");
            if covered.iter().any(|&(s, e)| m.start() < e && s < m.end()) {
                continue;
            }
            let department = match &c[1][..1] {
                "W" | "D" => "Army",
                "N" => "Navy",
                "F" => "Air Force",
                _ => "Defense agency",
            };
            let office = c[1].replace('-', "");
            let mut a = award(
                m,
                &office,
                format!("{department} contracting office {office} (not in the prefix table)"),
                department.to_string(),
            );
            a.fiscal_year = Some(c[2].to_string());
            a.instrument = c.get(3).and_then(|i| i.as_str().chars().next());
            out.push(a);
        }
        out.sort_by_key(|a| a.start);
        out
    }

    /// DoD funding stated in free text (an acknowledgment or funding statement): component
    /// names and acronyms, and award numbers, each with the span of the text it came from.
    ///
    /// A name counts only inside a sentence that speaks of funding (supported, funded, grant,
    /// award, contract, fellowship, …) or that carries a DoD award number: thanking an NRL
    /// colleague for discussions is not funding. Weak acronyms (`ARO`, `MDA`, `NRL`) also need
    /// a US-defense word or a DoD award number near them. The DoD disclaimer ("the views …
    /// should not be interpreted as representing the official policies of the Department of
    /// the Army") is not funding: hits after its opening word are set aside.
    pub fn classify_text(&self, input: &str) -> TextFunding {
        let mapped = Mapped::new(input);
        let text = dehyphen(mapped.text.clone());
        let text = text.as_str();
        let span = |s: usize, e: usize| {
            let (a, b) = mapped.span(s, e, input);
            Span {
                start: a,
                end: b,
                text: input[a..b].to_string(),
            }
        };
        let awards = self.parse_awards(input);
        let sentences = sentences(text);
        let sentence_of = |pos: usize| {
            sentences
                .iter()
                .copied()
                .find(|&(s, e)| s <= pos && pos < e.max(s + 1))
                .unwrap_or((0, text.len()))
        };
        // Awards are located in the input; map their starts into the normalised text.
        let award_at: Vec<usize> = awards.iter().map(|a| mapped.position_of(a.start)).collect();
        let disclaimer_from = |(s, e): (usize, usize)| -> Option<usize> {
            self.disclaimer.find(&text[s..e]).map(|m| s + m.start())
        };
        let mut out = TextFunding::default();
        let hits = self.select(text);
        for h in &hits {
            let NameTerm::Alias {
                component,
                strength,
            } = self.name_terms[h.pattern]
            else {
                continue;
            };
            let sentence = sentence_of(h.start);
            let here = span(h.start, h.end);
            if disclaimer_from(sentence).is_some_and(|d| h.start >= d) {
                out.ignored.push(Ignored {
                    span: here,
                    reason: "inside the DoD disclaimer (not funding)",
                });
                continue;
            }
            let award_nearby = award_at.iter().any(|&p| p >= sentence.0 && p < sentence.1);
            let foreign_before = hits.iter().any(|o| {
                matches!(self.name_terms[o.pattern], NameTerm::Foreign)
                    && o.end <= h.start
                    && h.start - o.end <= 30
                    && !text[o.end..h.start].contains([',', ';', '(', ')'])
                    && !text[o.end..h.start].contains(" and ")
            });
            if foreign_before {
                out.ignored.push(Ignored {
                    span: here,
                    reason: "named with another country (not the US DoD)",
                });
                continue;
            }
            if strength == Strength::Weak {
                let context_near = hits.iter().any(|o| {
                    o != h
                        && (o.start.abs_diff(h.end) <= 60 || h.start.abs_diff(o.end) <= 60)
                        && o.start >= sentence.0
                        && o.end <= sentence.1
                        && match self.name_terms[o.pattern] {
                            NameTerm::Context => TEXT_CONTEXT.contains(&&text[o.start..o.end]),
                            NameTerm::Alias { strength, .. } => strength == Strength::Strong,
                            _ => false,
                        }
                });
                if !(award_nearby || context_near) {
                    out.ignored.push(Ignored {
                        span: here,
                        reason: "ambiguous acronym without a US-defense word or DoD award nearby",
                    });
                    continue;
                }
            }
            if !(award_nearby || self.speaks_of_funding(&text[sentence.0..sentence.1])) {
                out.ignored.push(Ignored {
                    span: here,
                    reason: "named in a sentence that does not speak of funding",
                });
                continue;
            }
            let (name, group) = &self.components[component];
            out.matches.push(TextMatch {
                component: name.clone(),
                group: group.clone(),
                via: Via::Name,
                span: here,
            });
        }
        for (a, &at) in awards.into_iter().zip(&award_at) {
            let sentence = sentence_of(at);
            let here = Span {
                start: a.start,
                end: a.end,
                text: a.text.clone(),
            };
            if disclaimer_from(sentence).is_some_and(|d| at >= d) {
                out.ignored.push(Ignored {
                    span: here,
                    reason: "inside the DoD disclaimer (not funding)",
                });
                continue;
            }
            out.matches.push(TextMatch {
                component: a.group.clone(),
                group: a.group.clone(),
                via: Via::Award,
                span: here,
            });
            out.awards.push(a);
        }
        out.matches.sort_by_key(|m| m.span.start);
        out.dod = !out.matches.is_empty();
        out
    }
}

impl DodClassifier {
    /// Whether a sentence speaks of funding once help that is not money ("technical support
    /// from", "managerial support") is set aside.
    fn speaks_of_funding(&self, sentence: &str) -> bool {
        let money = self.non_funding_support.replace_all(sentence, " ");
        self.funding_cue.is_match(&money)
    }
}

/// Words publishers swap or drop inside names ("Office for", "Office and").
fn without_small_words(s: &str) -> String {
    s.split(' ')
        .filter(|w| !matches!(*w, "of" | "and" | "for" | "the" | "&" | "on" | "in"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Hyphens read as spaces ("Congressionally-Directed", "Air-Force"); byte offsets stay put.
fn dehyphen(s: String) -> String {
    if s.contains('-') {
        s.replace('-', " ")
    } else {
        s
    }
}

/// Context words that make a weak acronym credible in running text ("us" the pronoun is not
/// one of them).
const TEXT_CONTEXT: &[&str] = &[
    "u.s.",
    "usa",
    "united states",
    "army",
    "navy",
    "naval",
    "air force",
    "defense",
    "dod",
    "military",
    "missile",
];

/// Abbreviations whose full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "no", "nos", "dept", "inc", "corp", "co", "univ", "dr", "prof", "mr", "ms", "mrs", "st", "vol",
    "fig", "figs", "e.g", "i.e", "etc", "al", "jr", "sr", "ltd", "u.s", "u.s.a", "nat", "natl",
    "res", "sci", "lab", "assoc", "grant", "contract", "ref", "approx", "cf", "vs",
];

/// Sentence ranges of a normalised text: split after `.`, `!` or `?` followed by a space,
/// unless the word before the full stop is an abbreviation or an initial.
fn sentences(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !matches!(b, b'.' | b'!' | b'?') || bytes.get(i + 1) != Some(&b' ') {
            continue;
        }
        if b == b'.' {
            let word_start = text[..i]
                .rfind(|c: char| c.is_whitespace() || c == '(' || c == ',')
                .map_or(0, |p| p + 1);
            let word = &text[word_start..i];
            if word.chars().count() <= 1 || ABBREVIATIONS.contains(&word) {
                continue;
            }
        }
        out.push((start, i + 1));
        start = i + 2;
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

/// A piece of the input text and where it is (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// One reason a text acknowledges DoD funding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextMatch {
    pub component: String,
    pub group: String,
    pub via: Via,
    pub span: Span,
}

/// A DoD name or number found in the text and set aside, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    pub span: Span,
    pub reason: &'static str,
}

/// The decision for one funding or acknowledgment text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextFunding {
    pub dod: bool,
    pub matches: Vec<TextMatch>,
    pub awards: Vec<Award>,
    pub ignored: Vec<Ignored>,
}

impl TextFunding {
    /// Distinct components, in order of first mention.
    pub fn components(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for m in &self.matches {
            if !seen.contains(&m.component.as_str()) {
                seen.push(m.component.as_str());
            }
        }
        seen
    }
}

impl Default for DodClassifier {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::LazyLock;

    static D: LazyLock<DodClassifier> = LazyLock::new(DodClassifier::new);

    fn funder(id: Option<&str>, name: &str, awards: &[&str]) -> FunderRecord {
        FunderRecord {
            funder_id: id.map(str::to_string),
            name: Some(name.to_string()),
            awards: awards.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn is_dod(name: &str) -> bool {
        !D.classify_name(name, false).is_empty()
    }

    #[test]
    fn registry_ids_of_the_family_are_dod() {
        let m = D.classify_funder(&funder(
            Some("10.13039/100000183"),
            "Army Research Office",
            &[],
        ));
        assert!(
            m.iter()
                .any(|m| m.via == Via::RegistryId && m.component == "Army Research Office")
        );
        assert!(
            D.classify_funder(&funder(
                Some("10.13039/501100001809"),
                "National Natural Science Foundation of China",
                &["22073073"]
            ))
            .is_empty()
        );
    }

    #[test]
    fn publisher_spellings_of_components_are_dod() {
        assert!(is_dod(
            "DOD | United States Navy | Office of Naval Research"
        ));
        assert!(is_dod("USAFOSR"));
        assert!(is_dod("EOARD-AFOSR"));
        assert!(is_dod(
            "U.S. Department of Defense : U.S. Air Force : Air Force Materiel Command : Air Force Office of Scientific Research"
        ));
        assert!(is_dod("Department of Navy award"));
        assert!(is_dod("ONR"));
        assert!(is_dod("Defense Advanced Research Projects Agency"));
        let m = D.classify_name("DOD | United States Navy | Office of Naval Research", false);
        assert!(
            m.iter()
                .all(|m| m.component != "U.S. Department of Defense")
        );
    }

    #[test]
    fn look_alikes_are_not_dod() {
        assert!(!is_dod("Army Medical University"));
        assert!(!is_dod("Air Force Engineering University"));
        assert!(!is_dod("Chinese People's Liberation Army"));
        assert!(!is_dod("Australian Government Department of Defence"));
        assert!(!is_dod("Ministry of National Defense, Taiwan"));
        assert!(!is_dod("U.S. Department of Veterans Affairs"));
        assert!(!is_dod("U.S. Department of Energy"));
        assert!(!is_dod("ARPA-E"));
        assert!(!is_dod("IARPA"));
        assert!(!is_dod("Muscular Dystrophy Association"));
        assert!(!is_dod("MDA"));
        assert!(!is_dod("Czech Ministry of Defence"));
    }

    #[test]
    fn weak_acronyms_need_context() {
        assert!(!is_dod("ARO"));
        assert!(is_dod("US Army ARO"));
        assert!(
            !D.classify_funder(&funder(None, "ARO", &["W911NF-17-1-0105"]))
                .is_empty()
        );
        assert!(is_dod("Missile Defense Agency"));
    }

    #[test]
    fn award_numbers_follow_the_piid_grammar() {
        for (text, prefix) in [
            ("MURI W911NF-19-1-0283", "W911NF"),
            ("W911NF2010123", "W911NF"),
            ("N00014 21 1 2345", "N00014"),
            ("DOD W81XWH1010862", "W81XWH"),
            ("HR00112590083", "HR0011"),
            ("FA9550-20-1-0425", "FA9550"),
            ("N0001418IP00037", "N00014"),
            ("W911NF-5-1-0647", "W911NF"),
        ] {
            let a = D.parse_awards(text);
            assert_eq!(a.len(), 1, "{text}: {a:?}");
            assert_eq!(a[0].prefix, prefix);
        }
        assert!(
            D.parse_awards("CNS-1526269 and 22073073 and DE-SC0010042")
                .is_empty()
        );
        let a = &D.parse_awards("grant W911NF-20-1-0123")[0];
        assert_eq!(a.fiscal_year.as_deref(), Some("20"));
        assert_eq!(a.instrument, Some('1'));
    }

    #[test]
    fn run_time_openalex_ids_map_to_components() {
        let d = D
            .clone()
            .with_openalex_ids([("https://openalex.org/F4320338279", "10.13039/100000006")]);
        let f = FunderRecord {
            funder_id: Some("F4320338279".into()),
            name: Some("Office of Naval Research".into()),
            ..Default::default()
        };
        assert!(
            d.classify_funder(&f)
                .iter()
                .any(|m| m.via == Via::OpenAlexId && m.component == "Office of Naval Research")
        );
    }

    fn text_dod(text: &str) -> bool {
        D.classify_text(text).dod
    }

    #[test]
    fn funding_sentences_naming_a_component_are_dod_with_their_spans() {
        let text = "This research was supported by the U.S. Army Research Office (ARO) under \
                    grant W911NF2010123 and by NSFC.";
        let f = D.classify_text(text);
        assert!(f.dod);
        assert_eq!(f.components()[0], "Army Research Office");
        for m in &f.matches {
            assert_eq!(&text[m.span.start..m.span.end], m.span.text);
        }
        assert_eq!(f.awards[0].text, "W911NF2010123");
        assert_eq!(f.awards[0].prefix, "W911NF");
        assert!(text_dod(
            "We thank the Office of Naval Research for financial support."
        ));
        assert!(text_dod("Funding: ONR N00014 21 1 2345."));
    }

    #[test]
    fn the_dod_disclaimer_is_not_funding() {
        let text = "This work was supported by NSF grant 1234567. The views and conclusions \
                    contained herein are those of the authors and should not be interpreted as \
                    representing the official policies of the Department of the Army or the \
                    U.S. Government.";
        let f = D.classify_text(text);
        assert!(!f.dod, "{f:?}");
        assert!(f.ignored.iter().any(|i| i.reason.contains("disclaimer")));
        // Funding before the disclaimer in the same sentence still counts.
        assert!(text_dod(
            "Supported by AFOSR award FA9550-20-1-0425; the views expressed are those of the \
             authors and do not necessarily reflect the position of the Air Force."
        ));
    }

    #[test]
    fn ambiguous_acronyms_and_defense_words_need_context() {
        assert!(!text_dod(
            "This work was supported by ARO grant 2019-12 (Israel)."
        ));
        assert!(text_dod(
            "This work was supported by ARO grant W911NF-17-1-0105."
        ));
        assert!(!text_dod(
            "Supported by the Muscular Dystrophy Association (MDA) and the NIH."
        ));
        assert!(!text_dod(
            "Funded by the National Science Foundation for studies of plant defense and host \
             defense responses."
        ));
        assert!(!text_dod(
            "We thank Dr. Smith of the Naval Research Laboratory for discussions."
        ));
        assert!(!text_dod(
            "We acknowledge managerial support from J. Doe (U.S. Army Edgewood Chemical \
             Biological Center)."
        ));
    }

    #[test]
    fn foreign_defence_bodies_and_other_agencies_are_not_dod_in_text() {
        assert!(!text_dod(
            "This work was funded by the Korean Ministry of National Defense and ARPA-E."
        ));
        assert!(!text_dod(
            "Supported by the Advanced Research Projects Agency-Energy (ARPA-E), U.S. \
             Department of Energy, under award DE-AR0000149."
        ));
        assert!(!text_dod(
            "Supported by the Army Medical University and the Air Force Engineering University."
        ));
    }

    #[test]
    fn award_numbers_with_unlisted_dod_offices_are_recognised_by_shape() {
        let a = D.parse_awards("ESD contract F-19628-92-C-0089 and DASG60-92-0055");
        assert_eq!(a.len(), 2, "{a:?}");
        assert_eq!(a[0].prefix, "F19628");
        assert_eq!(a[0].group, "Air Force");
        assert!(
            D.parse_awards("NIH F31-AA019866, DA026594, F31 AI092891, N43/DBS/000068")
                .is_empty()
        );
    }
}
