//! Is a funder, or an award number, the US Department of Defense — and which part of it?
//!
//! Structured ids decide first (Crossref Funder Registry ids of the DoD family, ROR ids, and the
//! OpenAlex funder ids resolved at run time). Names are matched against component names and
//! acronyms: "strong" aliases (`Office of Naval Research`, `AFOSR`) decide alone; "weak" ones
//! that collide with other bodies (`ARO`, `MDA`, `NRL`) need a US-defense context word in the
//! same name or a DoD award number on the same funder. Foreign defence ministries, PLA bodies and
//! non-DoD agencies are masked before matching. Award numbers follow the DFARS PIID grammar:
//! a six-character issuing-office code, fiscal year, instrument type, serial.

use super::text::{Lexicon, normalize};
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
    "advanced research projects agency for health",
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
    name_terms: Vec<NameTerm>,
    prefixes: HashMap<String, Prefix>,
    full_award: Regex,
    prefix_token: Regex,
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
                let p = normalize(p);
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
            add(
                &row["alias"],
                NameTerm::Alias {
                    component: c,
                    strength,
                },
                &mut phrases,
                &mut name_terms,
            );
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
        DodClassifier {
            components,
            registry,
            rors,
            openalex: HashMap::new(),
            names: std::sync::Arc::new(Lexicon::new(&phrases)),
            name_terms,
            prefixes,
            full_award: Regex::new(
                r"\b([A-Z][A-Z0-9]{5})[- ]?(\d{2})[- ]?([A-Z0-9])[- ]?([A-Z0-9]{4,6})\b",
            )
            .expect("award regex"),
            prefix_token: Regex::new(r"\b([A-Z][A-Z0-9]{5})(?:[- ]?[A-Z0-9]+)*")
                .expect("prefix regex"),
        }
    }

    /// Add Funder Registry numbers learnt at run time (Crossref's `descendants` of DoD).
    pub fn with_registry_ids<'a>(
        mut self,
        ids: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        for (id, name) in ids {
            if let Some(n) = registry_number(id) {
                if !self.registry.contains_key(&n) {
                    let c = self.component_index(name, "DoD (registry descendant)");
                    self.registry.insert(n, c);
                }
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
        if let Some(ror) = &funder.ror {
            if let Some(&c) = self.rors.get(&short_ror(ror)) {
                out.push(self.matched(c, Via::Ror, short_ror(ror)));
            }
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

    /// Component matches in a funder name. `corroborated` says a DoD award number sits on the
    /// same funder, which lets weak acronyms count.
    pub fn classify_name(&self, name: &str, corroborated: bool) -> Vec<DodMatch> {
        let text = normalize(name);
        let hits = self.names.find(&text);
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
                    aliases.push((component, strength, &text[h.start..h.end]));
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
        let mut out: Vec<DodMatch> = aliases
            .into_iter()
            .filter(|(_, s, _)| *s == Strength::Strong || context)
            .map(|(c, _, m)| self.matched(c, Via::Name, m))
            .collect();
        // "DOD | United States Navy | Office of Naval Research" and "U.S. Department of
        // Defense : U.S. Air Force : AFOSR" name one component: the most specific, which
        // publishers write last.
        if out.len() > 1 {
            let last_segment = text.rfind(['|', ':', '>']).map(|i| i + 1).filter(|&start| {
                hits.iter().any(|h| {
                    h.start >= start && out.iter().any(|m| m.matched == text[h.start..h.end])
                })
            });
            if let Some(start) = last_segment {
                let in_last: Vec<&str> = hits
                    .iter()
                    .filter(|h| h.start >= start)
                    .map(|h| &text[h.start..h.end])
                    .collect();
                out.retain(|m| in_last.contains(&m.matched.as_str()));
            }
            let top = &self.components[self.registry[DOD_REGISTRY]].0;
            if out.iter().any(|m| &m.component != top) {
                out.retain(|m| &m.component != top);
            }
        }
        out
    }

    /// DoD award numbers in a text (award field or acknowledgment).
    pub fn parse_awards(&self, text: &str) -> Vec<Award> {
        let upper = text.to_ascii_uppercase();
        let mut out: Vec<Award> = Vec::new();
        let mut covered: Vec<(usize, usize)> = Vec::new();
        for c in self.full_award.captures_iter(&upper) {
            let m = c.get(0).expect("match");
            if let Some(p) = self.prefixes.get(&c[1]) {
                out.push(Award {
                    text: text[m.start()..m.end()].to_string(),
                    normalized: m.as_str().replace(['-', ' '], ""),
                    prefix: c[1].to_string(),
                    issuing_office: p.office.clone(),
                    group: p.group.clone(),
                    fiscal_year: Some(c[2].to_string()),
                    instrument: c[3].chars().next(),
                });
                covered.push((m.start(), m.end()));
            }
        }
        for c in self.prefix_token.captures_iter(&upper) {
            let m = c.get(0).expect("match");
            if covered.iter().any(|&(s, e)| m.start() < e && s < m.end()) {
                continue;
            }
            if let Some(p) = self.prefixes.get(&c[1]) {
                out.push(Award {
                    text: text[m.start()..m.end()].to_string(),
                    normalized: m.as_str().replace(['-', ' '], ""),
                    prefix: c[1].to_string(),
                    issuing_office: p.office.clone(),
                    group: p.group.clone(),
                    fiscal_year: None,
                    instrument: None,
                });
            }
        }
        out
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
}
