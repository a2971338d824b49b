//! The people behind the flagged papers — what `xrefscan people` prints and the workspace's
//! people view shows: China-based coauthors ranked by their flagged papers (institutions,
//! entity-list hits, the DoD components funding them), US-based authors with their
//! China-based collaborators and the awards their papers acknowledge, and one person's page.
//! Who is who is decided in `classify::people` and stored by the scan (`store/people.rs`).

use crate::error::{Error, Result};
use crate::model::EvidenceKind;
use crate::store::{Db, PersonPaper, PersonRow, PlacedRow};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A China-based coauthor on `papers` flagged papers.
#[derive(Debug, Clone, Serialize)]
pub struct ChinaSide {
    #[serde(flatten)]
    pub person: PersonRow,
    /// The China-based institutions the papers give them.
    pub institutions: Vec<String>,
    /// Entity-list entries named in those affiliations ("Entry [list]").
    pub entities: Vec<String>,
    /// The lists those entries are on.
    pub entity_lists: Vec<String>,
    /// The DoD components acknowledged by their flagged papers.
    pub dod_components: Vec<String>,
    /// Their US-based coauthors on those papers ("Name (N papers)").
    pub us_collaborators: Vec<String>,
}

/// A US-based author of flagged papers.
#[derive(Debug, Clone, Serialize)]
pub struct UsSide {
    #[serde(flatten)]
    pub person: PersonRow,
    pub us_affiliations: Vec<String>,
    /// Their China-based coauthors on flagged papers ("Name (N papers)"), most papers first.
    pub china_collaborators: Vec<String>,
    /// The award numbers their flagged papers acknowledge.
    pub awards: Vec<String>,
    pub dod_components: Vec<String>,
}

/// Both sides, each ranked by flagged papers.
#[derive(Debug, Clone, Serialize)]
pub struct PeopleReport {
    pub min_papers: usize,
    pub china: Vec<ChinaSide>,
    pub us: Vec<UsSide>,
}

/// What the people tables hold, grouped once and indexed by person and by work, so a report
/// over tens of thousands of authorships stays linear.
struct Index {
    people: Vec<PersonRow>,
    papers: Vec<PersonPaper>,
    /// Person key → their index in `people`.
    person_at: HashMap<String, usize>,
    /// Person key → their authorships (indexes into `papers`).
    by_person: HashMap<String, Vec<usize>>,
    /// Work → its authorships.
    by_work: HashMap<i64, Vec<usize>>,
    /// (work, position) → placed affiliations and entity matches.
    placed: HashMap<(i64, i64), Vec<PlacedRow>>,
}

impl Index {
    fn load(db: &Db, person: Option<&str>) -> Result<Index> {
        let mut placed: HashMap<(i64, i64), Vec<PlacedRow>> = HashMap::new();
        for p in db.placed_affiliations(person)? {
            placed.entry((p.work_id, p.position)).or_default().push(p);
        }
        let people = db.people(None)?;
        let papers = db.person_papers(None)?;
        let mut by_person: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_work: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, p) in papers.iter().enumerate() {
            by_person.entry(p.person.clone()).or_default().push(i);
            by_work.entry(p.work_id).or_default().push(i);
        }
        Ok(Index {
            person_at: people
                .iter()
                .enumerate()
                .map(|(i, p)| (p.key.clone(), i))
                .collect(),
            people,
            papers,
            by_person,
            by_work,
            placed,
        })
    }

    fn of<'a>(&'a self, key: &str) -> impl Iterator<Item = &'a PersonPaper> + 'a {
        self.by_person
            .get(key)
            .into_iter()
            .flatten()
            .map(|i| &self.papers[*i])
    }

    /// The other authorships of `p`'s paper.
    fn beside<'a>(&'a self, p: &'a PersonPaper) -> impl Iterator<Item = &'a PersonPaper> + 'a {
        self.by_work
            .get(&p.work_id)
            .into_iter()
            .flatten()
            .map(|i| &self.papers[*i])
            .filter(move |o| o.person != p.person)
    }

    fn placed_of(&self, p: &PersonPaper, kind: EvidenceKind) -> impl Iterator<Item = &PlacedRow> {
        self.placed
            .get(&(p.work_id, p.position))
            .into_iter()
            .flatten()
            .filter(move |r| r.kind == kind)
    }

    /// The people on the same papers as `key`'s that `side` selects, with how many papers
    /// they share, most first.
    fn collaborators(&self, key: &str, side: fn(&PersonPaper) -> bool) -> Vec<String> {
        let mut shared: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
        for mine in self.of(key) {
            for o in self.beside(mine).filter(|o| side(o)) {
                shared.entry(&o.person).or_default().insert(o.work_id);
            }
        }
        let mut out: Vec<(String, usize)> = shared
            .into_iter()
            .map(|(k, w)| (self.name(k).unwrap_or(k).to_string(), w.len()))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out.into_iter()
            .map(|(n, k)| format!("{n} ({k} paper{})", if k == 1 { "" } else { "s" }))
            .collect()
    }

    fn name(&self, key: &str) -> Option<&str> {
        self.person_at
            .get(key)
            .map(|i| self.people[*i].name.as_str())
    }
}

fn unique(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items.into_iter().map(|s| s.trim().to_string()) {
        if !i.is_empty() && !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

fn split(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split("; ").map(str::to_string)
}

/// Both sides of the people view: people placed in China on at least `min_papers` flagged
/// papers, and people placed in the US on at least as many.
pub fn report(db: &Db, min_papers: usize) -> Result<PeopleReport> {
    let ix = Index::load(db, None)?;
    let china = ix
        .people
        .iter()
        .filter(|p| p.china_papers as usize >= min_papers.max(1))
        .map(|person| {
            let mine: Vec<&PersonPaper> = ix.of(&person.key).filter(|p| p.china).collect();
            ChinaSide {
                institutions: unique(mine.iter().flat_map(|p| {
                    ix.placed_of(p, EvidenceKind::China).map(|r| {
                        if r.institution.is_empty() {
                            r.affiliation.clone()
                        } else {
                            r.institution.clone()
                        }
                    })
                })),
                entities: unique(mine.iter().flat_map(|p| {
                    ix.placed_of(p, EvidenceKind::Entity)
                        .map(|r| format!("{} [{}]", r.institution, r.matched))
                })),
                entity_lists: unique(mine.iter().flat_map(|p| {
                    ix.placed_of(p, EvidenceKind::Entity)
                        .map(|r| r.matched.clone())
                })),
                dod_components: unique(mine.iter().flat_map(|p| split(&p.dod_components))),
                us_collaborators: ix.collaborators(&person.key, |p| p.us),
                person: person.clone(),
            }
        })
        .collect();
    let mut us: Vec<UsSide> = ix
        .people
        .iter()
        .filter(|p| p.us_papers as usize >= min_papers.max(1))
        .map(|person| {
            let mine: Vec<&PersonPaper> = ix.of(&person.key).filter(|p| p.us).collect();
            UsSide {
                us_affiliations: unique(mine.iter().flat_map(|p| {
                    ix.placed_of(p, EvidenceKind::Us)
                        .map(|r| r.affiliation.clone())
                })),
                china_collaborators: ix.collaborators(&person.key, |p| p.china),
                awards: unique(mine.iter().flat_map(|p| split(&p.award_numbers))),
                dod_components: unique(mine.iter().flat_map(|p| split(&p.dod_components))),
                person: person.clone(),
            }
        })
        .collect();
    us.sort_by(|a, b| {
        b.person
            .us_papers
            .cmp(&a.person.us_papers)
            .then(a.person.key.cmp(&b.person.key))
    });
    Ok(PeopleReport {
        min_papers,
        china,
        us,
    })
}

/// One of a person's flagged papers, with where it places them.
#[derive(Debug, Clone, Serialize)]
pub struct PersonPaperLine {
    #[serde(flatten)]
    pub paper: PersonPaper,
    /// Their affiliations on this paper as placed (China, US), each "REGION: affiliation
    /// [source; what placed it]".
    pub affiliations: Vec<String>,
    pub entities: Vec<String>,
    /// The other authors of the paper ("Name" with their key, when they have a page).
    pub coauthors: Vec<(String, String)>,
}

/// A person's page: who, their flagged papers in publication order (their affiliations over
/// time, with the evidence), their coauthors on flagged papers, and the awards acknowledged.
#[derive(Debug, Clone, Serialize)]
pub struct PersonPage {
    pub person: PersonRow,
    pub papers: Vec<PersonPaperLine>,
    pub china_collaborators: Vec<String>,
    pub us_collaborators: Vec<String>,
    pub awards: Vec<String>,
    pub dod_components: Vec<String>,
}

/// The page of person `key`, or `None` when no flagged paper names them.
pub fn page(db: &Db, key: &str) -> Result<Option<PersonPage>> {
    let ix = Index::load(db, Some(key))?;
    let Some(person) = ix.people.iter().find(|p| p.key == key).cloned() else {
        return Ok(None);
    };
    let mine: Vec<&PersonPaper> = ix.of(key).collect();
    let papers = mine
        .iter()
        .map(|p| {
            let placed = |kind| {
                ix.placed_of(p, kind).map(move |r| {
                    format!(
                        "{}: {} [{}; {}]",
                        if kind == EvidenceKind::Us {
                            "US"
                        } else {
                            r.region.as_str()
                        },
                        r.affiliation,
                        r.source,
                        r.matched
                    )
                })
            };
            PersonPaperLine {
                affiliations: unique(placed(EvidenceKind::China).chain(placed(EvidenceKind::Us))),
                entities: unique(
                    ix.placed_of(p, EvidenceKind::Entity)
                        .map(|r| format!("{} [{}]", r.institution, r.matched)),
                ),
                coauthors: ix
                    .beside(p)
                    .map(|o| {
                        (
                            ix.name(&o.person).unwrap_or(&o.name).to_string(),
                            o.person.clone(),
                        )
                    })
                    .collect(),
                paper: (*p).clone(),
            }
        })
        .collect();
    Ok(Some(PersonPage {
        china_collaborators: ix.collaborators(key, |p| p.china),
        us_collaborators: ix.collaborators(key, |p| p.us),
        awards: unique(mine.iter().flat_map(|p| split(&p.award_numbers))),
        dod_components: unique(mine.iter().flat_map(|p| split(&p.dod_components))),
        person,
        papers,
    }))
}

/// The report as a screen for people.
pub fn render_table(r: &PeopleReport) -> String {
    let mut out = String::new();
    let list = |v: &[String], n: usize| -> String {
        let shown: Vec<&str> = v.iter().take(n).map(String::as_str).collect();
        let more = v.len().saturating_sub(n);
        format!(
            "{}{}",
            shown.join("; "),
            if more > 0 {
                format!("; … {more} more")
            } else {
                String::new()
            }
        )
    };
    out.push_str(&format!(
        "China-based coauthors on at least {} flagged paper{} ({}), most papers first\n",
        r.min_papers,
        if r.min_papers == 1 { "" } else { "s" },
        r.china.len()
    ));
    for c in &r.china {
        out.push_str(&format!(
            "  {:>3}  {}  [{}]{}\n",
            c.person.china_papers,
            c.person.name,
            c.person.key,
            if c.person.dual_papers > 0 {
                format!("  dual appointment on {}", c.person.dual_papers)
            } else {
                String::new()
            }
        ));
        for (label, v) in [
            ("institutions", &c.institutions),
            ("entity lists", &c.entities),
            ("DoD funding", &c.dod_components),
            ("US coauthors", &c.us_collaborators),
        ] {
            if !v.is_empty() {
                out.push_str(&format!("       {label}: {}\n", list(v, 5)));
            }
        }
    }
    out.push_str(&format!(
        "\nUS-based authors on at least {} flagged paper{} ({}), most papers first\n",
        r.min_papers,
        if r.min_papers == 1 { "" } else { "s" },
        r.us.len()
    ));
    for u in &r.us {
        out.push_str(&format!(
            "  {:>3}  {}  [{}]\n",
            u.person.us_papers, u.person.name, u.person.key
        ));
        for (label, v) in [
            ("affiliations", &u.us_affiliations),
            ("China-based coauthors", &u.china_collaborators),
            ("awards acknowledged", &u.awards),
            ("DoD funding", &u.dod_components),
        ] {
            if !v.is_empty() {
                out.push_str(&format!("       {label}: {}\n", list(v, 5)));
            }
        }
    }
    out
}

/// The report as CSV: one row per person and side.
pub fn render_csv(r: &PeopleReport) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| Error::Export(format!("could not write CSV: {e}"));
    w.write_record([
        "side",
        "person",
        "name",
        "also",
        "orcid",
        "openalex_author_id",
        "flagged_papers",
        "dual_appointment_papers",
        "affiliations",
        "entity_hits",
        "collaborators",
        "awards",
        "dod_components",
    ])
    .map_err(err)?;
    let cell = |v: &[String]| v.join("; ");
    for c in &r.china {
        let p = &c.person;
        w.write_record([
            "china",
            &p.key,
            &p.name,
            &p.also,
            p.orcid.as_deref().unwrap_or(""),
            p.openalex_author_id.as_deref().unwrap_or(""),
            &p.china_papers.to_string(),
            &p.dual_papers.to_string(),
            &cell(&c.institutions),
            &cell(&c.entities),
            &cell(&c.us_collaborators),
            "",
            &cell(&c.dod_components),
        ])
        .map_err(err)?;
    }
    for u in &r.us {
        let p = &u.person;
        w.write_record([
            "us",
            &p.key,
            &p.name,
            &p.also,
            p.orcid.as_deref().unwrap_or(""),
            p.openalex_author_id.as_deref().unwrap_or(""),
            &p.us_papers.to_string(),
            &p.dual_papers.to_string(),
            &cell(&u.us_affiliations),
            "",
            &cell(&u.china_collaborators),
            &cell(&u.awards),
            &cell(&u.dod_components),
        ])
        .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Export(format!("could not write CSV: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A reviewer's correction of who is who.
#[derive(Debug, Clone)]
pub enum IdentityCorrection {
    /// Two person keys are one person.
    Merge {
        key: String,
        other: String,
        note: String,
        by: String,
    },
    /// The paper's author number `position` (1 = first) is not the person their ids name.
    Split {
        doi: String,
        position: i64,
        note: String,
        by: String,
    },
    /// Withdraw correction `id`.
    Withdraw(i64),
}

/// Keep a correction of who is who and apply it at once (the people tables are rebuilt).
/// Returns what was done, in words.
pub fn correct_identity(db: &mut Db, c: &IdentityCorrection) -> Result<String> {
    let said = match c {
        IdentityCorrection::Merge {
            key,
            other,
            note,
            by,
        } => {
            for k in [key, other] {
                let known = ["orcid:", "openalex:", "paper:", "work:"]
                    .iter()
                    .any(|p| k.starts_with(p));
                if !known {
                    return Err(Error::BadInput(format!(
                        "{k:?} is not a person key; give one as `xrefscan people` shows it (orcid:…, openalex:A…, paper:DOI#POSITION)"
                    )));
                }
            }
            if key == other {
                return Err(Error::BadInput(format!(
                    "{key} is named twice: give the keys of two different people (`xrefscan people --min-papers 1` lists them)"
                )));
            }
            let id = db.add_person_override("merge", key, other, note, by)?;
            format!("#{id}: {key} and {other} are one person")
        }
        IdentityCorrection::Split {
            doi,
            position,
            note,
            by,
        } => {
            let doi = crate::review::doi(doi)?;
            let at = format!("paper:{doi}#{position}");
            if db.authorship_name(&doi, position - 1)?.is_none() {
                return Err(Error::BadInput(format!(
                    "{doi} is not a flagged paper with an author {position} (authors count from 1 in the paper's order); \
                     `xrefscan query --sql \"SELECT position + 1 AS n, name FROM person_authorships JOIN works ON works.id = work_id WHERE doi = '{doi}'\"` lists its authors"
                )));
            }
            let id = db.add_person_override("split", &at, "", note, by)?;
            format!("#{id}: {at} is a person of its own")
        }
        IdentityCorrection::Withdraw(id) => {
            if !db.retire_person_override(*id)? {
                return Err(Error::BadInput(format!(
                    "no identity correction #{id} in force; `xrefscan override person list` shows them"
                )));
            }
            format!("#{id} withdrawn")
        }
    };
    let n = db.rebuild_people()?;
    Ok(format!("{said}; {n} people on the flagged papers"))
}
