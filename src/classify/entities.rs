//! Defense-linked entities: is a China-based coauthor's institution on the Seven Sons list, the
//! ASPI China Defence Universities Tracker, the DoD 1260H list, the NDAA §1286 list, the BIS
//! military end-user list, or another list loaded at run time?
//!
//! Matching rules, each for a reason:
//! - names, aliases and Chinese names are matched as whole words on the normalised affiliation,
//!   longest first, so "Nanjing University" never hits inside "Nanjing University of Aeronautics
//!   and Astronautics";
//! - short acronyms (`BUAA`, `HIT`, `NPU`) match only as upper-case tokens of the string as
//!   written, and only ever on an affiliation already placed in China by other evidence;
//! - an entry that names one laboratory of a university ("Defense S&T Key Laboratory of Radar
//!   Signal Processing at Xidian University") needs the laboratory named, not just the
//!   university, so it never flags the whole university.

use super::text::{Lexicon, normalize};
use crate::reference;
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

#[derive(Debug, Clone)]
enum Rule {
    Phrase,
    /// A laboratory or school of `parent`: the parent must be named too.
    PartOf(String),
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
        for (info, list_entries) in lists {
            infos.push(info);
            for e in list_entries {
                let i = entries.len();
                for name in std::iter::once(&e.name).chain(&e.aliases) {
                    let name = strip_remark(name);
                    if is_acronym(name) {
                        acronyms.entry(name.to_string()).or_default().push(i);
                        continue;
                    }
                    let (phrase, rule) = match part_of(name) {
                        Some((part, parent)) => {
                            (normalize(&part), Rule::PartOf(normalize(&parent)))
                        }
                        None => (normalize(name), Rule::Phrase),
                    };
                    if phrase.chars().count() < 4 {
                        continue;
                    }
                    match index.get(&phrase) {
                        Some(&t) => {
                            if !terms[t].iter().any(|(e, _)| *e == i) {
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
                entries.push(e);
            }
        }
        EntityMatcher {
            lists: infos,
            entries,
            lexicon: Lexicon::overlapping(&phrases),
            terms,
            acronyms,
        }
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

    /// Every list entry named in an affiliation string.
    pub fn find(&self, raw: &str) -> Vec<EntityHit> {
        let text = normalize(raw);
        let all = self.lexicon.find_all(&text);
        // Longest match wins: a hit inside a longer hit gives way.
        let kept: Vec<_> = all
            .iter()
            .filter(|h| {
                !all.iter().any(|o| {
                    o != *h
                        && o.start <= h.start
                        && h.end <= o.end
                        && o.end - o.start > h.end - h.start
                })
            })
            .collect();
        let mut hits: Vec<EntityHit> = Vec::new();
        let push = |entry: usize, matched: &str, hits: &mut Vec<EntityHit>| {
            let e = &self.entries[entry];
            let hit = EntityHit {
                list: self.title(&e.list_id).to_string(),
                entry: e.name.clone(),
                matched: matched.to_string(),
                detail: e.detail.clone(),
                severity: e.severity,
                risk: e.risk.clone(),
            };
            // One list naming the same body twice (§1286 lists it once per year) shows once.
            if !hits
                .iter()
                .any(|h| h.list == hit.list && (h.entry == hit.entry || h.matched == hit.matched))
            {
                hits.push(hit);
            }
        };
        for h in kept {
            let matched = &text[h.start..h.end];
            for (entry, rule) in &self.terms[h.pattern] {
                let entry = *entry;
                if let Rule::PartOf(parent) = rule
                    && !text.contains(parent.as_str())
                {
                    continue;
                }
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

/// How defense-linked the entries of a bundled list (other than the ASPI tracker, which rates
/// each) are, and the name exports give that.
fn bundled_severity(list_id: &str) -> (Severity, String) {
    let (severity, risk) = match list_id {
        "seven-sons" => (Severity::DefenseLinked, "Seven Sons"),
        "dod-1260h" => (Severity::DefenseLinked, "DoD 1260H"),
        "ndaa-1286" => (Severity::DefenseLinked, "NDAA §1286"),
        "bis-meu" => (Severity::DefenseLinked, "BIS military end user"),
        "cset-pla-ai" => (Severity::DefenseLinked, "PLA AI vendor (CSET)"),
        "ndaa-889" => (Severity::Listed, "NDAA §889"),
        "ndaa-5949" => (Severity::Listed, "NDAA §5949"),
        "ndaa-154" => (Severity::Listed, "NDAA §154"),
        _ => (Severity::Listed, "listed"),
    };
    (severity, risk.to_string())
}

/// How defense-linked an imported list is when the importer does not say: the BIS Entity List
/// and military end-user list are (as the committee counts them), anything else is "listed".
pub fn imported_severity(list_id: &str) -> Severity {
    let id = list_id.to_ascii_lowercase();
    if id.contains("entity-list") || id.contains("meu") || id.contains("military") {
        Severity::DefenseLinked
    } else {
        bundled_severity(&id).0
    }
}

/// The bundled lists, from the compiled name index and the list table.
fn bundled_lists() -> Vec<(ListInfo, Vec<Entry>)> {
    let meta = reference::rows(reference::ENTITY_LISTS_CSV);
    let id_of: HashMap<String, String> = meta
        .iter()
        .map(|r| (r["list"].clone(), r["id"].clone()))
        .collect();
    // ASPI risk levels and supervising agencies, by English name, and how defense-linked each
    // entry is: a PLA or Seven Sons institution, or one ASPI rates high or very high (the
    // bundled ratings collapse ASPI's four levels to HIGH and MEDIUM).
    let aspi: HashMap<String, (String, Severity, String)> =
        reference::rows(reference::ASPI_TRACKER_CSV)
            .into_iter()
            .map(|r| {
                let rating = r["risk_collapsed_cnfigs"].as_str();
                let category = r["aspi_category"].as_str();
                let (severity, risk) = match (category, rating) {
                    ("Military", _) => (Severity::DefenseLinked, "ASPI PLA institution"),
                    ("Seven sons of national defence", _) => (
                        Severity::DefenseLinked,
                        "ASPI high or very high risk; Seven Sons",
                    ),
                    (_, "HIGH") => (Severity::DefenseLinked, "ASPI high or very high risk"),
                    (_, "MEDIUM") => (Severity::Listed, "ASPI medium or low risk"),
                    _ => (Severity::Listed, "ASPI, risk not rated"),
                };
                let rating = match rating {
                    "" | "None" => "not rated",
                    x => x,
                };
                (
                    r["name_en"].clone(),
                    (
                        format!(
                            "risk {rating}; category {category}; supervised by {}; SASTIND {}",
                            r["supervising_agencies"], r["sastind_supervised"]
                        ),
                        severity,
                        risk.to_string(),
                    ),
                )
            })
            .collect();
    let mut by_list: HashMap<String, Vec<Entry>> = HashMap::new();
    let mut positions: HashMap<(String, String), usize> = HashMap::new();
    for r in reference::rows(reference::ENTITY_INDEX_CSV) {
        let Some(id) = id_of.get(&r["list"]) else {
            continue;
        };
        let entries = by_list.entry(id.clone()).or_default();
        let key = (id.clone(), r["canonical_name"].clone());
        let at = *positions.entry(key).or_insert_with(|| {
            let rated = aspi
                .get(&r["canonical_name"])
                .filter(|_| id == "aspi-unitracker" || id == "seven-sons");
            let detail = rated
                .map(|(d, _, _)| d.clone())
                .unwrap_or_else(|| r["list_detail"].clone());
            let (severity, risk) = match (id.as_str(), rated) {
                ("aspi-unitracker", Some((_, s, r))) => (*s, r.clone()),
                ("aspi-unitracker", None) => (Severity::Listed, "ASPI, risk not rated".into()),
                (other, _) => bundled_severity(other),
            };
            entries.push(Entry {
                list_id: id.clone(),
                name: r["canonical_name"].clone(),
                aliases: Vec::new(),
                detail,
                severity,
                risk,
            });
            entries.len() - 1
        });
        let alias = r["name_or_alias"].clone();
        if alias != entries[at].name && !entries[at].aliases.contains(&alias) {
            entries[at].aliases.push(alias);
        }
    }
    let cset: Vec<Entry> = reference::rows(reference::CSET_VENDORS_CSV)
        .into_iter()
        .map(|r| Entry {
            list_id: "cset-pla-ai".into(),
            name: r["name"].clone(),
            aliases: Vec::new(),
            detail: format!("{}: {}", r["type_per_coverage"], r["detail_per_coverage"]),
            severity: Severity::DefenseLinked,
            risk: bundled_severity("cset-pla-ai").1,
        })
        .collect();
    by_list.insert("cset-pla-ai".into(), cset);
    meta.iter()
        .filter_map(|r| {
            let entries = by_list.remove(&r["id"])?;
            Some((
                ListInfo {
                    id: r["id"].clone(),
                    title: r["title"].clone(),
                    source: r["source"].clone(),
                    as_of: r["as_of"].clone(),
                    licence: r["licence"].clone(),
                    entries: entries.len(),
                    origin: "bundled".into(),
                },
                entries,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::LazyLock;

    static M: LazyLock<EntityMatcher> = LazyLock::new(EntityMatcher::bundled);

    fn entries(s: &str) -> Vec<String> {
        M.find(s).into_iter().map(|h| h.entry).collect()
    }

    #[test]
    fn every_bundled_list_is_loaded_with_entries() {
        let ids: Vec<&str> = M.lists().iter().map(|l| l.id.as_str()).collect();
        for id in [
            "seven-sons",
            "aspi-unitracker",
            "dod-1260h",
            "ndaa-1286",
            "bis-meu",
            "cset-pla-ai",
        ] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        assert!(
            M.lists()
                .iter()
                .all(|l| l.entries > 0 && !l.licence.is_empty())
        );
    }

    #[test]
    fn the_longest_name_wins() {
        let hits = M.find(
            "College of Astronautics, Nanjing University of Aeronautics and Astronautics, Nanjing 210016, China",
        );
        assert!(
            hits.iter().all(|h| h.entry != "Nanjing University"),
            "{hits:?}"
        );
        assert!(
            hits.iter()
                .any(|h| h.entry.contains("Aeronautics and Astronautics"))
        );
        assert!(
            entries("School of Physics, Nanjing University, Nanjing 210093, China")
                .iter()
                .any(|e| e == "Nanjing University")
        );
    }

    #[test]
    fn chinese_names_and_upper_case_acronyms_match() {
        assert!(!M.find("北京航空航天大学 仪器科学与光电工程学院").is_empty());
        assert!(
            !M.find("School of Instrumentation, BUAA, Beijing, China")
                .is_empty()
        );
        // A lower-case word that happens to spell an acronym is not a match.
        assert!(
            M.find("a bit of work at Beijing, China")
                .iter()
                .all(|h| h.matched != "bit")
        );
    }

    #[test]
    fn a_laboratory_entry_does_not_flag_its_whole_university() {
        let m = EntityMatcher::with_imported(ListsInForce {
            removed: vec![],
            imported: vec![(
                ListInfo {
                    id: "test".into(),
                    title: "test".into(),
                    source: "test".into(),
                    as_of: "2026".into(),
                    licence: "none".into(),
                    entries: 1,
                    origin: "test".into(),
                },
                vec![Entry {
                    list_id: "test".into(),
                    name: "Defense S&T Key Laboratory of Widget Physics at Foo University".into(),
                    ..Default::default()
                }],
            )],
        });
        assert!(
            m.find("Department of Chemistry, Foo University, Xi'an, China")
                .is_empty()
        );
        let hits = m.find("Key Laboratory of Widget Physics, Foo University, Xi'an, China");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].list, "test");
    }
}
