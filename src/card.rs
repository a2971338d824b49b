//! A flagged paper's China-based coauthors as a reader should see them: one person per
//! authorship, however many sources spelled the name ("Wen-Chi Lin" in Crossref, "Lin WC" in
//! Europe PMC), each affiliation once however many sources gave it (with the sources listed),
//! and the entity-list matches under the affiliation they were found in. The review page and
//! `/papers/ID.json` read this one grouping.

use crate::classify::text::affiliation_key;
use crate::model::EvidenceKind;
use crate::store::EvidenceRow;
use serde::Serialize;

/// One coauthor of the paper placed in China, Hong Kong or Macau.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coauthor {
    /// The authorship's position on the paper (1-based) when the sources give it.
    pub position: Option<i64>,
    /// The name as the first source wrote it.
    pub name: String,
    /// Other spellings the other sources used.
    pub also: Vec<String>,
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
    for e in evidence
        .iter()
        .filter(|e| EvidenceKind::parse(&e.kind) == Some(EvidenceKind::China))
    {
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
    for h in evidence
        .iter()
        .filter(|e| EvidenceKind::parse(&e.kind) == Some(EvidenceKind::Entity))
    {
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
            kind: "china".into(),
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
}
