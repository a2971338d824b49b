//! Defense-linked entities: is a China-based coauthor's institution on the Seven Sons list, the
//! ASPI China Defence Universities Tracker, the DoD 1260H list, the NDAA §1286 list, the BIS
//! military end-user list, or another list loaded at run time?
//!
//! Matching rules, each for a reason (the naming rules are in [`names`]):
//! - names, aliases and Chinese names are matched as whole words on the normalised affiliation,
//!   longest first, so "Nanjing University" never hits inside "Nanjing University of Aeronautics
//!   and Astronautics";
//! - an alias must be distinctive (no legal form, generic word or place alone: "Ltd." is no
//!   alias), and a name counts only as the whole institution of its part of the affiliation
//!   ("Institute of Physics" is not "Technical Institute of Physics and Chemistry");
//! - an entry of another country (stated by its list, or named in its name) never matches an
//!   affiliation placed in China;
//! - short acronyms (`BUAA`, `HIT`, `NPU`) match only as upper-case tokens of the string as
//!   written, and only ever on an affiliation already placed in China by other evidence;
//! - an entry that names one laboratory of a university ("Defense S&T Key Laboratory of Radar
//!   Signal Processing at Xidian University") needs the laboratory named, not just the
//!   university, so it never flags the whole university.

mod bundled;
pub mod names;

use bundled::bundled_lists;
pub use bundled::imported_severity;

use super::text::{Hit, Lexicon, normalize};
use serde::Serialize;
use std::collections::HashMap;

/// A loaded list, as `xrefscan lists` shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ListInfo {
    pub id: String,
    pub title: String,
    pub source: String,
    pub as_of: String,
    pub licence: String,
    pub entries: usize,
    /// "bundled" or the file it was imported from.
    pub origin: String,
}

/// What a database changes about the bundled lists: its imports in force, and the ids it has
/// taken out of use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListsInForce {
    pub imported: Vec<(ListInfo, Vec<Entry>)>,
    pub removed: Vec<String>,
}

/// How closely an entry is tied to China's defense establishment, as the committee counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Seven Sons, ASPI high or very high risk, PLA units, 1260H, §1286, MEU, Entity List:
    /// a coauthor there makes a flag tier 1.
    DefenseLinked,
    /// Any other listed entity (ASPI medium or low risk, unrated; NDAA §889/§5949/§154;
    /// lists staff import): tier 2.
    #[default]
    Listed,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::DefenseLinked => "defense-linked",
            Severity::Listed => "listed",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim() {
            "defense-linked" | "defense" | "defence" => Some(Severity::DefenseLinked),
            "listed" | "other" => Some(Severity::Listed),
            _ => None,
        }
    }
}

/// One entry of a list: the canonical name, the other names it goes by, what the list says
/// about it, and how defense-linked that makes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub list_id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub detail: String,
    pub severity: Severity,
    /// The list and level that decide the severity, as exports name it ("ASPI high or very
    /// high risk", "DoD 1260H").
    pub risk: String,
    /// The ISO code of the country the entry belongs to, when its list states it or its name
    /// names it (`None` for most Chinese entries).
    pub country: Option<String>,
    /// Since when the entry is on its list: a date, a month or a year (`2025-01-07`, `2022`).
    pub listed_since: Option<String>,
}

/// A match of a list entry in an affiliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityHit {
    pub list: String,
    pub entry: String,
    pub matched: String,
    pub detail: String,
    pub severity: Severity,
    pub risk: String,
    /// Since when the entry is on its list (a date, a month or a year).
    pub listed_since: Option<String>,
}

impl EntityHit {
    /// "DoD Section 1260H …: Aviation Industry Corporation of China [DoD 1260H] (matched
    /// "AVIC")".
    pub fn describe(&self) -> String {
        let risk = if self.risk.is_empty() {
            String::new()
        } else {
            format!(" [{}]", self.risk)
        };
        format!(
            "{}: {}{risk} (matched \"{}\")",
            self.list, self.entry, self.matched
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    Phrase,
    /// A laboratory or school of `parent`: the parent must be named too.
    PartOf(String),
    /// A company's name without its legal form ("Contemporary Amperex Technology" of
    /// "… Co., Ltd."): it counts only followed by a legal form or nothing, since "China Three
    /// Gorges" followed by "University" is another body than China Three Gorges Corporation.
    Stem,
}

/// The compiled matcher over every loaded list.
pub struct EntityMatcher {
    lists: Vec<ListInfo>,
    entries: Vec<Entry>,
    lexicon: Lexicon,
    /// Per phrase of the lexicon, every (entry, rule) it stands for: one phrase can name
    /// entries on several lists.
    terms: Vec<Vec<(usize, Rule)>>,
    acronyms: HashMap<String, Vec<usize>>,
    /// Aliases not used because they name nothing on their own: `(list, entry, alias, why)`.
    weak: Vec<(String, String, String, &'static str)>,
}

/// Words that mark a sub-unit of an institution.
const PART_WORDS: &[&str] = &[
    "laboratory",
    "laboratories",
    "lab",
    "institute",
    "school",
    "center",
    "centre",
    "department",
    "college",
];

impl EntityMatcher {
    /// The lists bundled in `db/reference/`.
    pub fn bundled() -> EntityMatcher {
        Self::build(bundled_lists())
    }

    /// The bundled lists, with a database's imports replacing bundled ones of the same id and
    /// its removals taking lists out of use.
    pub fn with_imported(in_force: ListsInForce) -> EntityMatcher {
        let mut lists = bundled_lists();
        lists.retain(|(l, _)| !in_force.removed.contains(&l.id));
        for (info, entries) in in_force.imported {
            lists.retain(|(l, _)| l.id != info.id);
            lists.push((info, entries));
        }
        Self::build(lists)
    }

    /// The bundled lists' descriptions (what an import of the same id replaces).
    pub fn bundled_infos() -> Vec<ListInfo> {
        bundled_lists().into_iter().map(|(i, _)| i).collect()
    }

    fn build(lists: Vec<(ListInfo, Vec<Entry>)>) -> EntityMatcher {
        let mut infos = Vec::new();
        let mut entries = Vec::new();
        let mut phrases: Vec<String> = Vec::new();
        let mut terms: Vec<Vec<(usize, Rule)>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut acronyms: HashMap<String, Vec<usize>> = HashMap::new();
        let mut weak = Vec::new();
        for (info, list_entries) in lists {
            infos.push(info);
            for mut e in list_entries {
                let i = entries.len();
                if e.listed_since.is_none() {
                    e.listed_since = names::listed_since(&e.detail);
                }
                if e.country.is_none() {
                    let all: Vec<&str> = std::iter::once(e.name.as_str())
                        .chain(e.aliases.iter().map(String::as_str))
                        .collect();
                    e.country =
                        names::country_of(names::stated_country(&e.detail).as_deref(), &all);
                } else {
                    e.country = names::country_of(e.country.as_deref(), &[]);
                }
                for (k, name) in std::iter::once(&e.name).chain(&e.aliases).enumerate() {
                    let name = strip_remark(name);
                    if is_acronym(name) {
                        acronyms.entry(name.to_string()).or_default().push(i);
                        continue;
                    }
                    // The canonical name is the entry's own; an alias must name it alone.
                    if k > 0
                        && let Some(why) = names::weak_alias(name)
                    {
                        weak.push((e.list_id.clone(), e.name.clone(), name.to_string(), why));
                        continue;
                    }
                    let mut forms = vec![match part_of(name) {
                        Some((part, parent)) => {
                            (normalize(&part), Rule::PartOf(normalize(&parent)))
                        }
                        None => (normalize(name), Rule::Phrase),
                    }];
                    if let Some(stem) = names::without_legal_form(name) {
                        // A coined name ("Tencent", "SenseTime") is the company wherever it
                        // stands; a descriptive one ("China Three Gorges") only before a
                        // legal form.
                        let rule = if names::own_words(&stem) == 1 {
                            Rule::Phrase
                        } else {
                            Rule::Stem
                        };
                        forms.push((normalize(&stem), rule));
                    }
                    for (phrase, rule) in forms {
                        if phrase.chars().count() < 4 {
                            continue;
                        }
                        match index.get(&phrase) {
                            // One entry may stand behind a phrase under several rules (a
                            // company's stem that is also its alias): any of them may hold.
                            Some(&t) => {
                                if !terms[t].iter().any(|(e, r)| *e == i && *r == rule) {
                                    terms[t].push((i, rule));
                                }
                            }
                            None => {
                                index.insert(phrase.clone(), terms.len());
                                phrases.push(phrase);
                                terms.push(vec![(i, rule)]);
                            }
                        }
                    }
                }
                entries.push(e);
            }
        }
        EntityMatcher {
            lists: infos,
            entries,
            lexicon: Lexicon::overlapping(&phrases),
            terms,
            acronyms,
            weak,
        }
    }

    /// Aliases left out because they name nothing on their own (a legal form, generic words,
    /// a place): `(list, entry, alias, why)`. `lists import` warns about them.
    pub fn weak_aliases(&self) -> &[(String, String, String, &'static str)] {
        &self.weak
    }

    /// The loaded lists.
    pub fn lists(&self) -> &[ListInfo] {
        &self.lists
    }

    /// The entries whose name or an alias is `name` (case, spacing and punctuation aside),
    /// with the title of their list: how a reviewer's correction names an entry.
    pub fn entries_named(&self, name: &str) -> Vec<(&str, &Entry)> {
        let key = super::text::affiliation_key(name);
        self.entries
            .iter()
            .filter(|e| {
                std::iter::once(&e.name)
                    .chain(&e.aliases)
                    .any(|n| super::text::affiliation_key(n) == key)
            })
            .map(|e| (self.title(&e.list_id), e))
            .collect()
    }

    fn title<'a>(&'a self, list_id: &'a str) -> &'a str {
        self.lists
            .iter()
            .find(|l| l.id == list_id)
            .map_or(list_id, |l| l.title.as_str())
    }

    /// Every list entry named in an affiliation string placed in China (what classification
    /// asks: only China-based coauthors are matched).
    pub fn find(&self, raw: &str) -> Vec<EntityHit> {
        self.find_placed(raw, "CN")
    }

    /// Every list entry named in an affiliation string placed in `region` (CN, HK, MO, TW,
    /// OTHER, UNKNOWN): an entry of another country matches only outside China.
    pub fn find_placed(&self, raw: &str, region: &str) -> Vec<EntityHit> {
        let text = normalize(raw);
        // Every hit with the entries it may stand for here: a Latin-script name only as the
        // whole institution of its part of the string, a unit only with its parent, a company
        // stem only before a legal form, an entry of another country never in China.
        let valid: Vec<(Hit, Vec<usize>)> = self
            .lexicon
            .find_all(&text)
            .into_iter()
            .filter(|h| {
                let matched = &text[h.start..h.end];
                !matched.is_ascii() || names::whole_name(&text, h.start, h.end)
            })
            .map(|h| {
                let entries = self.terms[h.pattern]
                    .iter()
                    .filter(|(entry, rule)| {
                        let ok = match rule {
                            Rule::PartOf(parent) => text.contains(parent.as_str()),
                            Rule::Stem => names::legal_form_follows(&text, h.end),
                            Rule::Phrase => true,
                        };
                        ok && names::country_allows(self.entries[*entry].country.as_deref(), region)
                    })
                    .map(|(entry, _)| *entry)
                    .collect::<Vec<usize>>();
                let mut entries = entries;
                entries.dedup();
                (h, entries)
            })
            .filter(|(_, entries): &(Hit, Vec<usize>)| !entries.is_empty())
            .collect();
        // Longest match wins: a hit inside a longer one gives way.
        let kept = valid.iter().filter(|(h, _)| {
            !valid.iter().any(|(o, _)| {
                o != h && o.start <= h.start && h.end <= o.end && o.end - o.start > h.end - h.start
            })
        });
        let mut hits: Vec<EntityHit> = Vec::new();
        let push = |entry: usize, matched: &str, hits: &mut Vec<EntityHit>| {
            let e = &self.entries[entry];
            if !names::country_allows(e.country.as_deref(), region) {
                return;
            }
            let hit = EntityHit {
                list: self.title(&e.list_id).to_string(),
                entry: e.name.clone(),
                matched: matched.to_string(),
                detail: e.detail.clone(),
                severity: e.severity,
                risk: e.risk.clone(),
                listed_since: e.listed_since.clone(),
            };
            // One list naming the same body twice (§1286 lists it once per year) shows once.
            if !hits
                .iter()
                .any(|h| h.list == hit.list && (h.entry == hit.entry || h.matched == hit.matched))
            {
                hits.push(hit);
            }
        };
        for (h, entries) in kept {
            let matched = &text[h.start..h.end];
            for &entry in entries {
                push(entry, matched, &mut hits);
            }
        }
        for token in raw.split(|c: char| !c.is_alphanumeric() && c != '&') {
            if token.len() >= 2
                && token
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '&')
                && let Some(list) = self.acronyms.get(token)
            {
                for &entry in list {
                    push(entry, token, &mut hits);
                }
            }
        }
        hits
    }
}

/// "Flytek Digital (closely linked to iFlytek)" → "Flytek Digital": remarks in parentheses are
/// not part of the name (a parenthesised acronym at the end is kept as an alias elsewhere).
fn strip_remark(name: &str) -> &str {
    let name = name.trim();
    if let Some(i) = name.rfind(" (") {
        let inner = &name[i + 2..name.len().saturating_sub(1).max(i + 2)];
        if name.ends_with(')') && inner.contains(' ') && !inner.contains(['(', ')']) {
            return name[..i].trim();
        }
    }
    name
}

/// An all-capitals token of 2–6 characters (`BUAA`, `NUDT`, `AVIC`).
fn is_acronym(name: &str) -> bool {
    let n = name.chars().count();
    (2..=6).contains(&n)
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '&')
}

/// "Defense S&T Key Laboratory of Radar Signal Processing at Xidian University" →
/// ("Key Laboratory of Radar Signal Processing", "Xidian University"). Generic prefixes that
/// affiliations leave out ("Defense S&T", "National Defense") are dropped from the part.
fn part_of(name: &str) -> Option<(String, String)> {
    let lower = name.to_lowercase();
    // "Part at Parent", or "Parent – Part" as the §1286 list writes CAS institutes.
    let (part, parent) = if let Some(at) = lower.rfind(" at ") {
        (&name[..at], &name[at + 4..])
    } else {
        let (parent, part) = name.split_once(" – ").or_else(|| name.split_once(" - "))?;
        (part, parent)
    };
    let part_lower = part.to_lowercase();
    if !PART_WORDS.iter().any(|w| {
        part_lower
            .split(|c: char| !c.is_alphanumeric())
            .any(|t| t == *w)
    }) {
        return None;
    }
    // "Chinese Academy of Sciences (CAS)": affiliations rarely repeat the acronym.
    let parent = match parent.find(" (") {
        Some(i) if parent.trim_end().ends_with(')') => &parent[..i],
        _ => parent,
    };
    let mut part = part.trim();
    for prefix in [
        "ATR ",
        "Defense S&T ",
        "National Defense ",
        "Defence S&T ",
        "Fundamental Science on ",
    ] {
        if part.len() > prefix.len() && part[..prefix.len()].eq_ignore_ascii_case(prefix) {
            part = part[prefix.len()..].trim();
        }
    }
    Some((part.to_string(), parent.trim().to_string()))
}

#[cfg(test)]
mod tests;
