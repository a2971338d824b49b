//! Is a funder, or an award number, the US Department of Defense — and which part of it?
//!
//! Structured ids decide first (Crossref Funder Registry ids of the DoD family, ROR ids, and the
//! OpenAlex funder ids resolved at run time). Names are matched against component names and
//! acronyms: "strong" aliases (`Office of Naval Research`, `AFOSR`) decide alone; "weak" ones
//! that collide with other bodies (`ARO`, `MDA`, `NRL`) need a US-defense context word in the
//! same name or a DoD award number on the same funder. Foreign defence ministries, PLA bodies and
//! non-DoD agencies are masked before matching. Award numbers follow the DFARS PIID grammar:
//! a six-character issuing-office code, fiscal year, instrument type, serial.

use super::text::{Hit, Lexicon, normalize};
use crate::model::{FunderRecord, registry_number, short_openalex_id, short_ror};
use crate::reference;
use regex::Regex;
use std::collections::{HashMap, HashSet};
use words::FUNDING_MASKS;

mod awards;
mod build;
mod text;
mod words;

pub use text::{Ignored, Span, TextFunding, TextMatch};

/// The DoD top-level ROR id (successor of the Funder Registry).
pub const DOD_ROR: &str = "0447fe631";
/// The DoD top-level Crossref Funder Registry number.
pub const DOD_REGISTRY: &str = "100000005";

/// What components are reported under, in the order staff read them: each military service,
/// the Office of the Secretary of Defense, the defense agencies and commands, and the
/// department itself when no part of it is named.
pub const SERVICES: &[&str] = &[
    "Army",
    "Navy",
    "Air Force",
    "Space Force",
    "Office of the Secretary of Defense",
    "Defense agencies and commands",
    "Department of Defense",
];

/// The service (one of [`SERVICES`]) a component belongs to, from its group in the reference
/// tables, or for components learnt at run time, from the service its name names.
pub fn service_of(component: &str, group: &str) -> &'static str {
    let g = group.to_ascii_lowercase();
    let n = component.to_ascii_lowercase();
    let in_text = |t: &str, w: &str| t.contains(w);
    if g.starts_with("army") || (g.is_empty() || g.contains("descendant")) && in_text(&n, "army") {
        "Army"
    } else if g.starts_with("navy")
        || (g.is_empty() || g.contains("descendant"))
            && (in_text(&n, "naval") || in_text(&n, "navy") || in_text(&n, "marine corps"))
    {
        "Navy"
    } else if g.starts_with("air force")
        || (g.is_empty() || g.contains("descendant")) && in_text(&n, "air force")
    {
        "Air Force"
    } else if g.starts_with("space force") {
        "Space Force"
    } else if g == "osd" || g.contains("programme") {
        "Office of the Secretary of Defense"
    } else if g.contains("agency")
        || g.contains("dha")
        || g.contains("university")
        || g.contains("socom")
        || g.contains("/ ic")
    {
        "Defense agencies and commands"
    } else {
        "Department of Defense"
    }
}

/// How exports name a component: "Navy › Office of Naval Research", or the service alone
/// when the component is the service itself ("U.S. Army" → "Army", "U.S. Department of
/// Defense" → "Department of Defense").
pub fn component_label(component: &str, group: &str) -> String {
    let service = service_of(component, group);
    let name = component.trim().trim_start_matches("U.S. ").trim();
    let same = name.eq_ignore_ascii_case(service)
        || name.eq_ignore_ascii_case("Department of Defense")
        || service == "Department of Defense" && name.is_empty();
    if same || name.is_empty() {
        service.to_string()
    } else {
        format!("{service} › {name}")
    }
}

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
    /// A full PIID with separators whose office code lost its first letter (`911NF-14-1-0437`).
    clipped_award: Regex,
    /// Table office codes by their last five characters, where those hold a letter and name
    /// one office only (`911NF` → `W911NF`; `00014` is no code's alone).
    clipped_prefixes: HashMap<String, String>,
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
        let span = |h: &Hit| (h.start, h.end);
        let masks = Reach::new(
            all.iter()
                .filter(|h| matches!(self.name_terms[h.pattern], NameTerm::Mask))
                .map(span)
                .collect(),
        );
        let kept: Vec<Hit> = all
            .iter()
            .filter(|h| !matches!(self.name_terms[h.pattern], NameTerm::Mask))
            .filter(|h| !masks.any(h.end, h.start))
            .copied()
            .collect();
        let alias = |h: &Hit| match self.name_terms[h.pattern] {
            NameTerm::Alias { component, .. } => Some(component),
            _ => None,
        };
        let aliases = Reach::new(
            kept.iter()
                .filter(|h| alias(h).is_some())
                .map(span)
                .collect(),
        );
        let specific = Reach::new(
            kept.iter()
                .filter(|h| alias(h).is_some_and(|c| !self.generic.contains(&c)))
                .map(span)
                .collect(),
        );
        kept.iter()
            // Inside a longer alias: one starting earlier and ending no sooner, or starting at
            // the same place and ending later.
            .filter(|h| !(aliases.any(h.start, h.end - 1) || aliases.any(h.start + 1, h.end)))
            .filter(|h| match alias(h) {
                Some(c) if self.generic.contains(&c) => !specific.any(h.end, h.start),
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
}

impl Default for DodClassifier {
    fn default() -> Self {
        Self::new()
    }
}

/// Intervals with the running maximum of their ends in start order, to ask in O(log n) whether
/// any interval starting before `x` ends after `y` (so matching stays linear in long texts).
struct Reach {
    starts: Vec<usize>,
    max_end: Vec<usize>,
}

impl Reach {
    fn new(mut spans: Vec<(usize, usize)>) -> Reach {
        spans.sort_unstable();
        let mut max = 0;
        let (starts, max_end) = spans
            .into_iter()
            .map(|(s, e)| {
                max = max.max(e);
                (s, max)
            })
            .unzip();
        Reach { starts, max_end }
    }

    /// Whether an interval that starts before `x` ends after `y`.
    fn any(&self, x: usize, y: usize) -> bool {
        let k = self.starts.partition_point(|&s| s < x);
        k > 0 && self.max_end[k - 1] > y
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

#[cfg(test)]
mod tests;
