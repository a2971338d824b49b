//! What a work's decision is made of and says: the facts the classifier reads (funder records,
//! affiliations, acknowledgments, per source) and the evidence it keeps for each side. Plain
//! types, apart from the classifier (`work.rs`) and from what reads them (the award citations
//! in `awards.rs`, the store, exports), so none of those depends on another through them.

use super::china::Region;
use super::dod::Via;
use super::entities::{EntityHit, Severity};
use crate::model::{AffiliationRecord, FunderRecord, Source};

/// Everything stored about one work, across sources.
#[derive(Debug, Clone, Default)]
pub struct WorkFacts {
    pub funders: Vec<(Source, FunderRecord)>,
    pub affiliations: Vec<AffiliationFact>,
    /// How many authors each source lists (a source that gives affiliations to one author of
    /// several gives the paper's list, not that author's).
    pub author_counts: Vec<(Source, u32)>,
    pub acknowledgments: Vec<AckFact>,
}

/// Acknowledgment or funding text of a work, and where it was read.
#[derive(Debug, Clone)]
pub struct AckFact {
    pub source: Source,
    /// "acknowledgment (Europe PMC full text)", "acknowledgment (publisher page)".
    pub origin: String,
    pub section: String,
    pub text: String,
}

/// One affiliation of one author as one source gave it.
#[derive(Debug, Clone)]
pub struct AffiliationFact {
    pub source: Source,
    pub author_position: u32,
    pub author_name: String,
    pub affiliation: AffiliationRecord,
    pub author_countries: Vec<String>,
}

/// Why the work counts as DoD-funded: one funder record and every reason it is DoD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DodEvidence {
    pub source: Source,
    /// The most specific component the record names (a funder id or name), or the service of
    /// the award's issuing office when only an award number says DoD.
    pub component: String,
    pub group: String,
    /// The strongest kind of match.
    pub via: Via,
    /// Every match as "kind: matched".
    pub reasons: Vec<String>,
    pub funder_name: Option<String>,
    pub funder_id: Option<String>,
    pub awards: Vec<String>,
    /// For text evidence: where the text was read, and the passage around the match.
    pub origin: Option<String>,
    pub snippet: Option<String>,
}

impl DodEvidence {
    /// One line for exports: "crossref funder record: Army Research Office
    /// (10.13039/100000183) award W911NF-19-1-0283 [funder registry id: …; award number: …]".
    pub fn describe(&self) -> String {
        if let Some(origin) = &self.origin {
            return format!(
                "{} {origin}: \"{}\" [{}]",
                self.source,
                self.snippet.as_deref().unwrap_or(""),
                self.reasons.join("; ")
            );
        }
        let mut s = format!("{} funder record: ", self.source);
        s.push_str(self.funder_name.as_deref().unwrap_or("(no name)"));
        if let Some(id) = &self.funder_id {
            s.push_str(&format!(" ({id})"));
        }
        if !self.awards.is_empty() {
            s.push_str(&format!(" award {}", self.awards.join(", ")));
        }
        s.push_str(&format!(" [{}]", self.reasons.join("; ")));
        s
    }

    /// The matched text of the strongest reason.
    pub fn matched(&self) -> &str {
        self.reasons
            .first()
            .and_then(|r| r.split_once(": "))
            .map(|(_, m)| m)
            .unwrap_or("")
    }
}

/// Why an author counts as China-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChinaEvidence {
    pub source: Source,
    pub author_position: u32,
    pub author_name: String,
    pub region: Region,
    pub level: String,
    pub matched: String,
    pub affiliation: String,
    pub institution: Option<String>,
    /// The institution's ROR id, where a source matched one.
    pub ror: Option<String>,
    pub country_code: Option<String>,
    /// Defense-linked list entries named in this affiliation.
    pub entities: Vec<EntityHit>,
    /// Entries the lists matched that a reviewer removed, with who said so.
    pub removed_entities: Vec<String>,
    /// The author's own affiliation, not the paper's list given to one author
    /// ([`WorkFacts::personal`]): only these place a person in the people view.
    pub personal: bool,
}

impl ChinaEvidence {
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} author {} ({}): \"{}\"",
            self.source, self.author_position, self.author_name, self.affiliation
        );
        if let Some(code) = &self.country_code {
            s.push_str(&format!(" country_code={code}"));
        }
        s.push_str(&format!(
            " [{} → {}: {}]",
            self.level,
            self.region.as_str(),
            self.matched
        ));
        for r in &self.removed_entities {
            s.push_str(&format!(" [entity match removed: {r}]"));
        }
        s
    }
}

/// An author placed in the United States by one affiliation (the people view's US side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsEvidence {
    pub source: Source,
    pub author_position: u32,
    pub author_name: String,
    pub affiliation: String,
    /// What placed it ("state code MA", "usa", "institution country code US").
    pub matched: String,
}

/// One author of the paper placed both in the United States and in China (CN, HK or MO as
/// the policy counts): a dual appointment, from the same or different sources of the work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DualAppointment {
    pub author_position: u32,
    pub author_name: String,
    pub us: UsEvidence,
    pub china_affiliation: String,
    pub china_region: Region,
    pub china_institution: Option<String>,
}

impl DualAppointment {
    /// One line for exports: `author 2 (Wei Zhang): US "…" [state code MA] + CN "…"`.
    pub fn describe(&self) -> String {
        format!(
            "author {} ({}): US \"{}\" [{}, {}] + {} \"{}\"",
            self.author_position,
            self.author_name,
            self.us.affiliation,
            self.us.matched,
            self.us.source,
            self.china_region.as_str(),
            self.china_affiliation
        )
    }
}

/// The dual appointments among a work's placed authors: each author (by position) placed in
/// China with one affiliation and in the US with another, once.
pub fn dual_appointments(china: &[ChinaEvidence], us: &[UsEvidence]) -> Vec<DualAppointment> {
    let mut out: Vec<DualAppointment> = Vec::new();
    for c in china {
        if out.iter().any(|d| d.author_position == c.author_position) {
            continue;
        }
        if let Some(u) = us
            .iter()
            .find(|u| u.author_position == c.author_position && u.affiliation != c.affiliation)
            .or_else(|| {
                // One string holding both appointments ("…, USA; …, China").
                us.iter()
                    .find(|u| u.author_position == c.author_position && u.affiliation.contains(';'))
            })
        {
            out.push(DualAppointment {
                author_position: c.author_position,
                author_name: c.author_name.clone(),
                us: u.clone(),
                china_affiliation: c.affiliation.clone(),
                china_region: c.region,
                china_institution: c.institution.clone(),
            });
        }
    }
    out
}

impl WorkFacts {
    /// Whether `a` is an affiliation of its author, not the paper's list given to one author:
    /// a full text that links no affiliation to an author (`model::UNLINKED_AUTHORS`), or a
    /// source that gives affiliations to only one of its several authors (older PubMed records
    /// put every affiliation on the first author). Such affiliations still place a coauthor in
    /// China; they place no one in the US and make no dual appointment.
    pub fn personal(&self, a: &AffiliationFact) -> bool {
        if a.author_name == crate::model::UNLINKED_AUTHORS {
            return false;
        }
        let authors = self
            .author_counts
            .iter()
            .find(|(s, _)| *s == a.source)
            .map_or(0, |(_, n)| *n);
        let mut with_affiliations: Vec<u32> = self
            .affiliations
            .iter()
            .filter(|o| o.source == a.source)
            .map(|o| o.author_position)
            .collect();
        with_affiliations.sort_unstable();
        with_affiliations.dedup();
        !(authors >= 2 && with_affiliations.len() == 1)
    }
}

/// The decision for one work.
#[derive(Debug, Clone, Default)]
pub struct WorkDecision {
    pub dod: Vec<DodEvidence>,
    pub china: Vec<ChinaEvidence>,
    /// Authors placed in the United States.
    pub us: Vec<UsEvidence>,
    /// Authors placed both in the US and in China.
    pub dual: Vec<DualAppointment>,
    /// The awards the DoD evidence cites, each once (what the award ledger looks up).
    pub awards: Vec<crate::model::CitedAward>,
}

impl WorkDecision {
    pub fn flagged(&self) -> bool {
        !self.dod.is_empty() && !self.china.is_empty()
    }

    /// 1 = a China-based coauthor at a defense-linked entity (Seven Sons, ASPI high or very
    /// high risk, PLA units, 1260H, §1286, military end users, the Entity List), 2 = at another
    /// listed entity, 3 = other China-based coauthors; `None` when the work is not flagged.
    pub fn tier(&self) -> Option<u8> {
        self.flagged().then(|| match self.worst_severity() {
            Some(Severity::DefenseLinked) => 1,
            Some(Severity::Listed) => 2,
            None => 3,
        })
    }

    fn worst_severity(&self) -> Option<Severity> {
        self.china
            .iter()
            .flat_map(|e| &e.entities)
            .map(|h| h.severity)
            .min()
    }

    /// The lists and levels that decided the tier ("ASPI high or very high risk; Seven
    /// Sons"), each once; empty for tier 3.
    pub fn risk(&self) -> String {
        let Some(worst) = self.worst_severity() else {
            return String::new();
        };
        let mut out: Vec<String> = Vec::new();
        for h in self.china.iter().flat_map(|e| &e.entities) {
            if h.severity == worst {
                for part in h.risk.split("; ").filter(|p| !p.is_empty()) {
                    if !out.iter().any(|o| o == part) {
                        out.push(part.to_string());
                    }
                }
            }
        }
        out.join("; ")
    }
}

impl WorkDecision {
    /// The DoD components the paper names, at one granularity: a service alone ("Navy") only
    /// when none of its components is named, "Department of Defense" only when nothing more
    /// specific is; components named by a funder or a text come before the services of award
    /// issuing offices, which count only when nothing else names one.
    pub fn component_labels(&self) -> Vec<String> {
        let named = self.dod.iter().any(|e| e.via != Via::Award);
        let mut labels: Vec<String> = Vec::new();
        for e in self.dod.iter().filter(|e| !named || e.via != Via::Award) {
            let l = super::dod::component_label(&e.component, &e.group);
            if !labels.contains(&l) {
                labels.push(l);
            }
        }
        let all = labels.clone();
        labels.retain(|l| {
            let more_specific = |o: &String| o != l && o.starts_with(&format!("{l} › "));
            let dod_only = l == "Department of Defense" && all.len() > 1;
            !all.iter().any(more_specific) && !dod_only
        });
        labels
    }

    /// The China-based coauthors' institutions, canonical, each once.
    pub fn institutions(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in &self.china {
            let name = canonical_institution(e.institution.as_deref().unwrap_or(&e.affiliation));
            if !name.is_empty()
                && !out
                    .iter()
                    .any(|o| super::text::affiliation_key(o) == super::text::affiliation_key(&name))
            {
                out.push(name);
            }
        }
        out
    }
}

/// One name per institution however sources write it: "The Chinese University of Hong Kong"
/// and "Chinese University of Hong Kong." are one. A leading article, trailing punctuation and
/// runs of spaces go; list separators inside a name become commas, so a list of names never
/// splits one.
pub fn canonical_institution(name: &str) -> String {
    let mut s = name.split_whitespace().collect::<Vec<_>>().join(" ");
    s = s.replace(';', ",");
    let trimmed = s.trim_end_matches(['.', ',', ':', ' ']);
    let trimmed = trimmed
        .strip_prefix("The ")
        .or_else(|| trimmed.strip_prefix("the "))
        .or_else(|| trimmed.strip_prefix("THE "))
        .unwrap_or(trimmed);
    trimmed.trim().to_string()
}
