//! A flagged paper's China-based coauthors as a reader should see them: one person per
//! authorship, however many sources spelled the name ("Wen-Chi Lin" in Crossref, "Lin WC" in
//! Europe PMC), each affiliation once however many sources gave it (with the sources listed),
//! and the entity-list matches under the affiliation they were found in. The review page and
//! `/papers/ID.json` read this one grouping, through [`Card`]: the DoD evidence with the words
//! that decided it, the coauthors, the awards with the ledger's answer in words, and each
//! acknowledgment as read with the words the DoD classifier finds in it.

use crate::classify::dod::DodClassifier;
use crate::classify::text::affiliation_key;
use crate::model::{AwardStatus, EvidenceKind};
use crate::store::{CardAck, CardAward, CardFacts, EvidenceRow};
use serde::Serialize;
use std::sync::LazyLock;

/// A flagged paper's evidence, grouped and typed for reading.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub dod: Vec<DodLine>,
    pub coauthors: Vec<Coauthor>,
    /// Authors placed both in the US and in China on this paper.
    pub dual: Vec<DualLine>,
    /// Authors placed in the United States, one per authorship.
    pub us: Vec<UsLine>,
    pub awards: Vec<AwardLine>,
    pub acknowledgments: Vec<ReadAcknowledgment>,
}

/// One piece of DoD evidence: a funder record or a passage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DodLine {
    pub source: String,
    pub component: String,
    pub via: String,
    pub summary: String,
    /// The words in `summary` that decided it: what matched and the award numbers.
    pub marks: Vec<String>,
}

/// An author placed in the United States, with each US affiliation once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsLine {
    pub position: Option<i64>,
    pub name: String,
    /// The person's key (their page), when the people tables know it.
    pub person: Option<String>,
    /// Each affiliation with what placed it and the source ("…, MI 48109, USA [state code
    /// MI; crossref]").
    pub affiliations: Vec<String>,
}

/// One author placed in the US and in China on this paper, with both affiliations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DualLine {
    pub position: Option<i64>,
    pub name: String,
    /// The person's key (their page), when the people tables know it.
    pub person: Option<String>,
    pub us_affiliation: String,
    /// What placed it in the US ("state code MA").
    pub us_matched: String,
    pub china_affiliation: String,
    pub china_region: String,
    pub source: String,
}

/// An award the paper cites and what the ledger said of it, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwardLine {
    #[serde(flatten)]
    pub award: CardAward,
    pub answer: String,
}

/// An acknowledgment or funding text as read, with what the DoD classifier finds in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadAcknowledgment {
    #[serde(flatten)]
    pub text: CardAck,
    /// The classifier finds DoD funding in it.
    pub dod: bool,
    /// The words it decided on (names in a funding sentence, award numbers).
    pub marks: Vec<String>,
}

impl Card {
    pub fn new(facts: &CardFacts) -> Card {
        Card {
            dod: facts
                .evidence
                .iter()
                .filter(|e| e.kind == EvidenceKind::Dod)
                .map(|e| DodLine {
                    source: e.source.clone(),
                    component: e.component.clone().unwrap_or_default(),
                    via: e.via.clone().unwrap_or_default(),
                    summary: e.summary.clone(),
                    marks: e
                        .matched
                        .iter()
                        .map(|m| words_of(m).to_string())
                        .chain(
                            e.awards
                                .iter()
                                .flat_map(|a| a.split("; "))
                                .map(str::to_string),
                        )
                        .filter(|m| !m.trim().is_empty())
                        .collect(),
                })
                .collect(),
            coauthors: coauthors(&facts.evidence)
                .into_iter()
                .map(|mut c| {
                    c.person = person_at(facts, c.position);
                    c
                })
                .collect(),
            us: us_authors(facts),
            dual: facts
                .evidence
                .iter()
                .filter(|e| e.kind == EvidenceKind::Dual)
                .map(|e| DualLine {
                    position: e.author_position,
                    name: e.author_name.clone().unwrap_or_default(),
                    person: person_at(facts, e.author_position),
                    us_affiliation: e.matched.clone().unwrap_or_default(),
                    // What placed it, from the US evidence of the same author and string.
                    us_matched: facts
                        .evidence
                        .iter()
                        .find(|u| {
                            u.kind == EvidenceKind::Us
                                && u.author_position == e.author_position
                                && u.affiliation == e.matched
                        })
                        .and_then(|u| u.matched.clone())
                        .unwrap_or_default(),
                    china_affiliation: e.affiliation.clone().unwrap_or_default(),
                    china_region: e.region.clone().unwrap_or_default(),
                    source: e.source.clone(),
                })
                .collect(),
            awards: facts
                .awards
                .iter()
                .map(|a| AwardLine {
                    answer: answer(a),
                    award: a.clone(),
                })
                .collect(),
            acknowledgments: facts
                .acknowledgments
                .iter()
                .map(|a| {
                    let found = dod_text_classifier().classify_text(&a.text);
                    ReadAcknowledgment {
                        dod: found.dod,
                        marks: found.matches.iter().map(|m| m.span.text.clone()).collect(),
                        text: a.clone(),
                    }
                })
                .collect(),
        }
    }
}

/// The authors placed in the US, one per authorship, in authorship order.
fn us_authors(facts: &CardFacts) -> Vec<UsLine> {
    let mut out: Vec<UsLine> = Vec::new();
    for e in facts.evidence.iter().filter(|e| e.kind == EvidenceKind::Us) {
        let line = format!(
            "{} [{}; {}]",
            e.affiliation.as_deref().unwrap_or(""),
            e.matched.as_deref().unwrap_or(""),
            e.source
        );
        match out.iter_mut().find(|u| u.position == e.author_position) {
            Some(u) => {
                if !u.affiliations.contains(&line) {
                    u.affiliations.push(line);
                }
            }
            None => out.push(UsLine {
                position: e.author_position,
                name: e.author_name.clone().unwrap_or_default(),
                person: person_at(facts, e.author_position),
                affiliations: vec![line],
            }),
        }
    }
    out.sort_by_key(|u| u.position.unwrap_or(i64::MAX));
    out
}

/// The person key of the authorship at `position`.
fn person_at(facts: &CardFacts, position: Option<i64>) -> Option<String> {
    let position = position?;
    facts
        .people
        .iter()
        .find(|(p, _)| *p == position)
        .map(|(_, k)| k.clone())
}

/// What the ledger said of a cited award, as a reader should read it.
fn answer(a: &CardAward) -> String {
    match (a.lookup, a.status) {
        (false, _) => "not a DoD award number (not looked up)".to_string(),
        (true, None) => "not asked yet".to_string(),
        (true, Some(AwardStatus::Ambiguous)) => format!(
            "ambiguous: {}",
            a.candidates.clone().unwrap_or_default().replace('\n', "; ")
        ),
        (true, Some(s)) => s.as_str().to_string(),
    }
}

/// The words of a classifier match, without the span it adds (`Office of Naval Research
/// [31..55]`).
fn words_of(matched: &str) -> &str {
    let m = matched.trim();
    match m.rsplit_once(" [") {
        Some((words, span))
            if span.ends_with(']')
                && span[..span.len() - 1]
                    .split_once("..")
                    .is_some_and(|(a, b)| {
                        a.parse::<usize>().is_ok() && b.parse::<usize>().is_ok()
                    }) =>
        {
            words.trim()
        }
        _ => m,
    }
}

/// Since when list entry `entry` is listed, from the export's `entity_listed_since` cell
/// (`"Entry [DoD 1260H]: listed 2025-01-07, after publication | …"`).
pub fn listed_since(cell: &str, entry: &str) -> Option<String> {
    cell.split(" | ")
        .find(|l| l.starts_with(&format!("{entry} [")) || l.starts_with(&format!("{entry}: ")))
        .and_then(|l| l.rsplit_once(": "))
        .map(|(_, when)| when.to_string())
}

/// The DoD text classifier acknowledgments are marked with (built once).
fn dod_text_classifier() -> &'static DodClassifier {
    static DOD: LazyLock<DodClassifier> = LazyLock::new(DodClassifier::new);
    &DOD
}

/// One coauthor of the paper placed in China, Hong Kong or Macau.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coauthor {
    /// The authorship's position on the paper (1-based) when the sources give it.
    pub position: Option<i64>,
    /// The name as the first source wrote it.
    pub name: String,
    /// Other spellings the other sources used.
    pub also: Vec<String>,
    /// The person's key (their page), when the people tables know it.
    pub person: Option<String>,
    pub affiliations: Vec<PlacedAffiliation>,
}

/// One affiliation string of a coauthor, with what placed it and what lists name in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlacedAffiliation {
    pub affiliation: String,
    pub sources: Vec<String>,
    pub region: Option<String>,
    pub country_code: Option<String>,
    pub institution: Option<String>,
    /// The kind of evidence that placed it ("country named in affiliation string").
    pub via: Option<String>,
    /// The words that placed it.
    pub matched: Option<String>,
    /// Entity-list matches found in it (each once).
    pub entities: Vec<EvidenceRow>,
}

/// The China-based coauthors in a card's evidence rows, in authorship order.
pub fn coauthors(evidence: &[EvidenceRow]) -> Vec<Coauthor> {
    let mut out: Vec<Coauthor> = Vec::new();
    for e in evidence.iter().filter(|e| e.kind == EvidenceKind::China) {
        let name = e.author_name.clone().unwrap_or_default();
        // One authorship is one person: its position when known, else its name.
        let at = out
            .iter()
            .position(|c| match (c.position, e.author_position) {
                (Some(a), Some(b)) => a == b,
                _ => c.name == name || c.also.contains(&name),
            });
        let person = match at {
            Some(i) => &mut out[i],
            None => {
                out.push(Coauthor {
                    position: e.author_position,
                    name: name.clone(),
                    also: Vec::new(),
                    person: None,
                    affiliations: Vec::new(),
                });
                out.last_mut().expect("just pushed")
            }
        };
        if !name.is_empty() && person.name != name && !person.also.contains(&name) {
            person.also.push(name);
        }
        let aff = e.affiliation.clone().unwrap_or_default();
        let key = affiliation_key(&aff);
        match person
            .affiliations
            .iter_mut()
            .find(|a| affiliation_key(&a.affiliation) == key)
        {
            Some(a) => {
                if !a.sources.contains(&e.source) {
                    a.sources.push(e.source.clone());
                }
            }
            None => person.affiliations.push(PlacedAffiliation {
                affiliation: aff.clone(),
                sources: vec![e.source.clone()],
                region: e.region.clone(),
                country_code: e.country_code.clone(),
                institution: e.institution.clone(),
                via: e.via.clone(),
                matched: e.matched.clone(),
                entities: Vec::new(),
            }),
        }
    }
    // Entity matches under the affiliation (and person) they were found in, each once.
    for h in evidence.iter().filter(|e| e.kind == EvidenceKind::Entity) {
        let key = affiliation_key(h.affiliation.as_deref().unwrap_or(""));
        for person in out
            .iter_mut()
            .filter(|c| match (c.position, h.author_position) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            })
        {
            for a in person
                .affiliations
                .iter_mut()
                .filter(|a| affiliation_key(&a.affiliation) == key)
            {
                if !a.entities.iter().any(|x| x.summary == h.summary) {
                    a.entities.push(h.clone());
                }
            }
        }
    }
    out.sort_by_key(|c| c.position.unwrap_or(i64::MAX));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn china(position: i64, name: &str, source: &str, aff: &str) -> EvidenceRow {
        EvidenceRow {
            kind: EvidenceKind::China,
            source: source.into(),
            author_position: Some(position),
            author_name: Some(name.into()),
            affiliation: Some(aff.into()),
            region: Some("CN".into()),
            ..Default::default()
        }
    }

    #[test]
    fn one_person_per_authorship_however_the_sources_spell_the_name() {
        let rows = vec![
            china(
                2,
                "Wen-Chi Lin",
                "crossref",
                "Dept. of X, Tsinghua University, Beijing, China",
            ),
            china(
                2,
                "Lin WC",
                "europepmc",
                "Dept. of X, Tsinghua University, Beijing, China.",
            ),
            china(
                1,
                "Siu Ming Pan",
                "openalex",
                "Fudan University, Shanghai, China",
            ),
            china(
                1,
                "Pan SM",
                "europepmc",
                "School of Y, Fudan University, Shanghai, China",
            ),
        ];
        let c = coauthors(&rows);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].name, "Siu Ming Pan");
        assert_eq!(c[0].also, ["Pan SM"]);
        assert_eq!(c[0].affiliations.len(), 2, "two different strings");
        assert_eq!(c[1].name, "Wen-Chi Lin");
        assert_eq!(c[1].affiliations.len(), 1, "one string however punctuated");
        assert_eq!(c[1].affiliations[0].sources, ["crossref", "europepmc"]);
    }

    #[test]
    fn a_dod_line_marks_the_words_without_the_span_the_classifier_adds() {
        let facts = CardFacts {
            evidence: vec![EvidenceRow {
                kind: EvidenceKind::Dod,
                summary: "Supported by the Office of Naval Research N00014-21-1-2345".into(),
                matched: Some("Office of Naval Research [17..41]".into()),
                awards: Some("N00014-21-1-2345".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let card = Card::new(&facts);
        assert_eq!(
            card.dod[0].marks,
            ["Office of Naval Research", "N00014-21-1-2345"]
        );
        assert!(card.coauthors.is_empty());
    }

    #[test]
    fn an_award_answer_says_what_the_ledger_said() {
        let mut a = CardAward {
            lookup: true,
            status: Some(AwardStatus::Ambiguous),
            candidates: Some("A\nB".into()),
            ..Default::default()
        };
        assert_eq!(answer(&a), "ambiguous: A; B");
        a.status = None;
        assert_eq!(answer(&a), "not asked yet");
        a.lookup = false;
        assert_eq!(answer(&a), "not a DoD award number (not looked up)");
    }

    #[test]
    fn listed_since_reads_the_entry_of_its_own_name() {
        let cell = "Beihang University [DoD 1260H]: listed 2025-01-07, after publication | \
                    Beihang: listed 2001-01-01";
        assert_eq!(
            listed_since(cell, "Beihang University").as_deref(),
            Some("listed 2025-01-07, after publication")
        );
        assert_eq!(listed_since(cell, "Beijing").as_deref(), None);
    }
}
