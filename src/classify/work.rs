//! The per-work decision: DoD funding ∧ at least one China-based coauthor, with the evidence
//! for each side kept per source so a reviewer can see which source said what. The types it
//! reads and writes are in [`super::decision`].

use super::china::{AffiliationInput, ChinaClassifier, Region, RegionPolicy};
pub use super::decision::{
    AckFact, AffiliationFact, ChinaEvidence, DodEvidence, DualAppointment, UsEvidence,
    WorkDecision, WorkFacts, canonical_institution, dual_appointments,
};
use super::dod::{DodClassifier, Via};
use super::entities::{EntityHit, EntityMatcher};
use crate::model::OverrideKind;

/// The institution named in a raw affiliation string: the comma-separated part that names a
/// university, academy or similar (the most senior one when there are several), so exports
/// list "Northwest University" rather than the lab, street and postcode around it.
pub fn institution_in(raw: &str) -> Option<String> {
    const RANKED: &[&[&str]] = &[
        &[
            "university",
            "universität",
            "université",
            "universidad",
            "大学",
            "大學",
        ],
        &["academy", "学院", "研究院"],
        &[
            "institute of technology",
            "polytechnic",
            "college",
            "hospital",
            "school of medicine",
        ],
        &[
            "institute",
            "laboratory",
            "center",
            "centre",
            "研究所",
            "corporation",
            "company",
            "inc.",
            "ltd",
        ],
    ];
    let parts: Vec<&str> = raw
        .split([',', ';', '，', '；'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    for words in RANKED {
        if let Some(p) = parts.iter().find(|p| {
            let l = p.to_lowercase();
            words.iter().any(|w| l.contains(w))
                && !l.starts_with("department")
                && !l.starts_with("school of")
        }) {
            return Some(p.to_string());
        }
    }
    None
}

/// The sentence or ±160 characters around a match, for evidence a reader can check.
pub fn snippet(text: &str, start: usize, end: usize) -> String {
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let ceil = |mut i: usize| {
        while i < text.len() && !text.is_char_boundary(i) {
            i += 1;
        }
        i
    };
    let from = floor(start.saturating_sub(160));
    let to = ceil((end + 160).min(text.len()));
    let from = text[from..start]
        .rfind(". ")
        .map(|i| from + i + 2)
        .unwrap_or(from);
    let to = text[end..to].find(". ").map(|i| end + i + 1).unwrap_or(to);
    let mut s = text[from..to].trim().to_string();
    if from > 0 && !text[..from].trim_end().ends_with('.') {
        s.insert(0, '…');
    }
    if to < text.len() && !s.ends_with('.') {
        s.push('…');
    }
    s
}

/// Reviewers' corrections, keyed by the normalised affiliation string.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// affiliation → (region, note, reviewer)
    regions: std::collections::HashMap<String, (Region, String, String)>,
    /// affiliation → [(entry, add?, note, reviewer)]
    entities: std::collections::HashMap<String, Vec<(String, bool, String, String)>>,
}

impl Overrides {
    /// Add a correction; `affiliation` is keyed with [`super::text::affiliation_key`].
    pub fn add(
        &mut self,
        kind: OverrideKind,
        affiliation: String,
        value: String,
        note: String,
        by: String,
    ) {
        let key = super::text::affiliation_key(&affiliation);
        match kind {
            OverrideKind::Region => {
                if let Some(r) = Region::parse(&value) {
                    self.regions.insert(key, (r, note, by));
                }
            }
            OverrideKind::EntityRemove | OverrideKind::EntityAdd => self
                .entities
                .entry(key)
                .or_default()
                .push((value, kind == OverrideKind::EntityAdd, note, by)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty() && self.entities.is_empty()
    }

    /// How many corrections are in force.
    pub fn len(&self) -> usize {
        self.regions.len() + self.entities.values().map(Vec::len).sum::<usize>()
    }

    /// The region a reviewer set for this affiliation string, and who said so.
    pub fn region(&self, affiliation: &str) -> Option<(Region, String)> {
        self.regions
            .get(&super::text::affiliation_key(affiliation))
            .map(|(r, note, by)| (*r, who(note, by)))
    }

    /// Apply the entity corrections for this affiliation string to its list matches: added
    /// entries join, removed ones leave. Returns what was removed, as evidence says it
    /// ("Beihang University (reviewer override by J. Staff: …)").
    pub fn apply_entities(
        &self,
        affiliation: &str,
        hits: &mut Vec<EntityHit>,
        lists: &EntityMatcher,
    ) -> Vec<String> {
        let mut removed = Vec::new();
        let key = super::text::affiliation_key(affiliation);
        for (entry, add, note, by) in self.entities.get(&key).into_iter().flatten() {
            if *add {
                if !hits.iter().any(|h| &h.entry == entry) {
                    // The entry is on a list in force (checked when the correction was made);
                    // it keeps that list's severity.
                    let listed = lists.entries_named(entry).into_iter().next();
                    hits.push(EntityHit {
                        list: "reviewer".into(),
                        entry: entry.clone(),
                        matched: who(note, by),
                        detail: String::new(),
                        severity: listed.map(|(_, e)| e.severity).unwrap_or_default(),
                        risk: listed.map(|(_, e)| e.risk.clone()).unwrap_or_default(),
                        listed_since: listed.and_then(|(_, e)| e.listed_since.clone()),
                    });
                }
            } else {
                // The body, under every list and name: "Beihang University" is also §1286's
                // "Beijing University of Aeronautics and Astronautics".
                let mut same: Vec<String> = lists
                    .entries_named(entry)
                    .into_iter()
                    .map(|(_, e)| e.name.clone())
                    .collect();
                same.push(entry.clone());
                if hits.iter().any(|h| same.contains(&h.entry)) {
                    hits.retain(|h| !same.contains(&h.entry));
                    removed.push(format!("{entry} ({})", who(note, by)));
                }
            }
        }
        removed
    }
}

fn who(note: &str, by: &str) -> String {
    match (note.is_empty(), by.is_empty()) {
        (true, true) => "reviewer override".into(),
        (false, true) => format!("reviewer override: {note}"),
        (true, false) => format!("reviewer override by {by}"),
        (false, false) => format!("reviewer override by {by}: {note}"),
    }
}

/// The classifiers, the entity lists and the region policy.
pub struct Classifier {
    pub china: ChinaClassifier,
    pub dod: DodClassifier,
    pub entities: EntityMatcher,
    pub policy: RegionPolicy,
    pub overrides: Overrides,
}

impl Classifier {
    /// With the bundled entity lists.
    pub fn new(dod: DodClassifier, policy: RegionPolicy) -> Classifier {
        Classifier {
            china: ChinaClassifier::new(),
            dod,
            entities: EntityMatcher::bundled(),
            policy,
            overrides: Overrides::default(),
        }
    }

    /// With reviewers' corrections, applied on every decision.
    pub fn with_overrides(mut self, overrides: Overrides) -> Classifier {
        self.overrides = overrides;
        self
    }

    /// With the lists in force for a database (bundled plus imported).
    pub fn with_entities(mut self, entities: EntityMatcher) -> Classifier {
        self.entities = entities;
        self
    }

    pub fn decide(&self, facts: &WorkFacts) -> WorkDecision {
        let mut decision = WorkDecision::default();
        for (source, f) in &facts.funders {
            let matches = self.dod.classify_funder(f);
            // Identity (id or name) names the component; an award only names its office.
            let Some(best) = matches
                .iter()
                .find(|m| m.via != Via::Award)
                .or_else(|| matches.first())
            else {
                continue;
            };
            let ev = DodEvidence {
                source: *source,
                component: best.component.clone(),
                group: best.group.clone(),
                via: best.via,
                reasons: matches
                    .iter()
                    .map(|m| format!("{}: {}", m.via.as_str(), m.matched))
                    .collect(),
                funder_name: f.name.clone(),
                funder_id: f.funder_id.clone(),
                awards: f.awards.clone(),
                origin: None,
                snippet: None,
            };
            if !decision.dod.contains(&ev) {
                decision.dod.push(ev);
            }
        }
        for ack in &facts.acknowledgments {
            let found = self.dod.classify_text(&ack.text);
            let Some(first) = found
                .matches
                .iter()
                .find(|m| m.via != Via::Award)
                .or_else(|| found.matches.first())
            else {
                continue;
            };
            let ev = DodEvidence {
                source: ack.source,
                component: first.component.clone(),
                group: first.group.clone(),
                via: first.via,
                reasons: found
                    .matches
                    .iter()
                    .map(|m| {
                        let office = found
                            .awards
                            .iter()
                            .find(|a| a.start == m.span.start)
                            .map(|a| format!(" → {}", a.issuing_office))
                            .unwrap_or_default();
                        format!(
                            "{} in {}: {}{office} [{}..{}]",
                            if m.via == Via::Name {
                                "DoD name"
                            } else {
                                m.via.as_str()
                            },
                            ack.section,
                            m.span.text,
                            m.span.start,
                            m.span.end
                        )
                    })
                    .collect(),
                funder_name: None,
                funder_id: None,
                awards: found.awards.iter().map(|a| a.text.clone()).collect(),
                origin: Some(ack.origin.clone()),
                snippet: Some(snippet(&ack.text, first.span.start, first.span.end)),
            };
            if !decision.dod.contains(&ev) {
                decision.dod.push(ev);
            }
        }
        for a in &facts.affiliations {
            let aff = &a.affiliation;
            let key = super::text::affiliation_key(
                aff.raw
                    .as_deref()
                    .or(aff.institution_name.as_deref())
                    .unwrap_or(""),
            );
            let region_override = self.overrides.region(&key);
            if let Some((region, _)) = &region_override
                && !self.policy.counts(*region)
            {
                continue;
            }
            let verdict = self.china.classify(AffiliationInput {
                raw: aff.raw.as_deref(),
                institution_name: aff.institution_name.as_deref(),
                country_code: aff.country_code.as_deref(),
                author_countries: &a.author_countries,
            });
            let overridden = region_override.map(|(region, who)| super::china::Signal {
                level: super::china::Level::StringCountry,
                region,
                matched: who,
                position: 0,
            });
            if overridden.is_none() && !verdict.is_china(self.policy) {
                continue;
            }
            let deciding = verdict.china_signals(self.policy);
            let Some(signal) = overridden.as_ref().or(deciding.last().copied()) else {
                continue;
            };
            let ev = ChinaEvidence {
                source: a.source,
                author_position: a.author_position,
                author_name: a.author_name.clone(),
                region: signal.region,
                level: if overridden.is_some() {
                    "reviewer override".to_string()
                } else {
                    signal.level.as_str().to_string()
                },
                matched: signal.matched.clone(),
                affiliation: aff
                    .raw
                    .clone()
                    .or_else(|| aff.institution_name.clone())
                    .unwrap_or_default(),
                institution: aff
                    .institution_name
                    .clone()
                    .or_else(|| aff.raw.as_deref().and_then(institution_in)),
                ror: aff.ror.clone(),
                country_code: aff.country_code.clone(),
                entities: Vec::new(),
                removed_entities: Vec::new(),
                personal: facts.personal(a),
            };
            let mut ev = ev;
            let mut hits = aff
                .raw
                .as_deref()
                .map(|r| self.entities.find(r))
                .unwrap_or_default();
            if let Some(name) = &aff.institution_name {
                for h in self.entities.find(name) {
                    if !hits.iter().any(|x| x.list == h.list && x.entry == h.entry) {
                        hits.push(h);
                    }
                }
            }
            ev.removed_entities = self
                .overrides
                .apply_entities(&key, &mut hits, &self.entities);
            ev.entities = hits;
            if !decision.china.contains(&ev) {
                decision.china.push(ev);
            }
        }
        for a in facts.affiliations.iter().filter(|a| facts.personal(a)) {
            let aff = &a.affiliation;
            let Some(matched) = self.china.us_place(AffiliationInput {
                raw: aff.raw.as_deref(),
                institution_name: aff.institution_name.as_deref(),
                country_code: aff.country_code.as_deref(),
                author_countries: &[],
            }) else {
                continue;
            };
            let ev = UsEvidence {
                source: a.source,
                author_position: a.author_position,
                author_name: a.author_name.clone(),
                affiliation: aff
                    .raw
                    .clone()
                    .or_else(|| aff.institution_name.clone())
                    .unwrap_or_default(),
                matched,
            };
            if !decision.us.contains(&ev) {
                decision.us.push(ev);
            }
        }
        // A dual appointment is one person's: China-based affiliations that are the paper's
        // list (see `WorkFacts::personal`) make none.
        let personal_china: Vec<ChinaEvidence> = decision
            .china
            .iter()
            .filter(|c| c.personal)
            .cloned()
            .collect();
        decision.dual = dual_appointments(&personal_china, &decision.us);
        decision.awards = super::awards::cited_awards(&self.dod, &decision.dod);
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::{AffiliationFact, Classifier, WorkFacts, canonical_institution, institution_in};
    use crate::classify::china::RegionPolicy;
    use crate::classify::dod::DodClassifier;
    use crate::model::{AffiliationRecord, FunderRecord, Source};

    fn aff(source: Source, position: u32, name: &str, raw: &str) -> AffiliationFact {
        AffiliationFact {
            source,
            author_position: position,
            author_name: name.into(),
            affiliation: AffiliationRecord {
                raw: Some(raw.into()),
                ..Default::default()
            },
            author_countries: Vec::new(),
        }
    }

    fn onr() -> (Source, FunderRecord) {
        (
            Source::Crossref,
            FunderRecord {
                funder_id: Some("10.13039/100000006".into()),
                name: Some("Office of Naval Research".into()),
                ..Default::default()
            },
        )
    }

    const US: &str = "Department of Physics, Harvard University, Cambridge, MA 02138, USA";
    const CN: &str = "School of Physics, Peking University, Beijing 100871, China";

    #[test]
    fn one_author_placed_in_the_us_and_in_china_is_a_dual_appointment_from_one_source_or_two() {
        let c = Classifier::new(DodClassifier::new(), RegionPolicy::default());
        let other = "Department of Physics, University of Oxford, Oxford OX1 3PU, UK";
        for mut affiliations in [
            vec![
                aff(Source::Crossref, 0, "Wang Fang", US),
                aff(Source::Crossref, 0, "Wang Fang", CN),
            ],
            vec![
                aff(Source::Crossref, 0, "Wang Fang", US),
                aff(Source::OpenAlex, 0, "Fang Wang", CN),
            ],
        ] {
            // The second author has an affiliation of their own in each source.
            affiliations.push(aff(Source::Crossref, 1, "Ann Lee", other));
            affiliations.push(aff(Source::OpenAlex, 1, "Ann Lee", other));
            let facts = WorkFacts {
                funders: vec![onr()],
                affiliations,
                author_counts: vec![(Source::Crossref, 2), (Source::OpenAlex, 2)],
                ..Default::default()
            };
            let d = c.decide(&facts);
            assert!(d.flagged());
            assert_eq!(d.dual.len(), 1, "{:?}", d.dual);
            assert_eq!(d.dual[0].author_position, 0);
        }
    }

    #[test]
    fn the_papers_affiliations_given_to_one_author_make_no_dual_appointment() {
        let c = Classifier::new(DodClassifier::new(), RegionPolicy::default());
        // Europe PMC (from an older PubMed record) gives every affiliation to the first of
        // three authors; a full text links none and gives them to a stand-in.
        let pubmed = WorkFacts {
            funders: vec![onr()],
            affiliations: vec![
                aff(Source::EuropePmc, 0, "Kim J", US),
                aff(Source::EuropePmc, 0, "Kim J", CN),
            ],
            author_counts: vec![(Source::EuropePmc, 3)],
            ..Default::default()
        };
        let unlinked = WorkFacts {
            funders: vec![onr()],
            affiliations: vec![
                aff(Source::FullText, 0, crate::model::UNLINKED_AUTHORS, US),
                aff(Source::FullText, 0, crate::model::UNLINKED_AUTHORS, CN),
            ],
            author_counts: vec![(Source::FullText, 1)],
            ..Default::default()
        };
        for facts in [pubmed, unlinked] {
            let d = c.decide(&facts);
            assert!(d.flagged(), "a China-based coauthor is still found");
            assert!(d.dual.is_empty(), "{:?}", d.dual);
            assert!(
                d.us.is_empty(),
                "nobody is placed in the US by the paper's list"
            );
        }
    }

    #[test]
    fn one_institution_is_one_name_however_it_is_written() {
        for n in [
            "The Chinese University of Hong Kong",
            "Chinese University of Hong Kong.",
            "  Chinese   University of Hong Kong ",
        ] {
            assert_eq!(canonical_institution(n), "Chinese University of Hong Kong");
        }
        assert_eq!(canonical_institution("A; B"), "A, B");
    }

    #[test]
    fn the_institution_is_picked_out_of_a_raw_affiliation() {
        assert_eq!(
            institution_in("Institute of Modern Physics, Shaanxi Key Laboratory for Theoretical Physics Frontiers, Northwest University, Xian, Shaanxi, 710127, China").as_deref(),
            Some("Northwest University")
        );
        assert_eq!(
            institution_in("State Key Laboratory of X, Institute of Physics, Chinese Academy of Sciences, Beijing 100190, China").as_deref(),
            Some("Chinese Academy of Sciences")
        );
        assert_eq!(institution_in("Beijing, China"), None);
    }
}
