//! What the review page shows of one flagged paper beyond its export row: every evidence row,
//! the awards it cites with what the ledger says of them, and where to read it at the source.

use super::Db;
use crate::error::Result;
use rusqlite::OptionalExtension;

/// One evidence row of a flag, as `flag_evidence` keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EvidenceRow {
    pub kind: crate::model::EvidenceKind,
    pub source: String,
    pub summary: String,
    pub component: Option<String>,
    pub via: Option<String>,
    pub matched: Option<String>,
    pub funder_name: Option<String>,
    pub funder_id: Option<String>,
    pub awards: Option<String>,
    pub author_position: Option<i64>,
    pub author_name: Option<String>,
    pub affiliation: Option<String>,
    pub institution: Option<String>,
    pub country_code: Option<String>,
    pub region: Option<String>,
}

/// The decision in force on one flagged paper, as exports write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestReview {
    pub work_id: i64,
    /// The decision's word, with "(evidence changed since the review)" when it did.
    pub status: String,
    pub note: String,
}

/// An award the paper cites, with the ledger's answer when there is one.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CardAward {
    pub cited_as: String,
    pub canonical: String,
    pub office: Option<String>,
    pub lookup: bool,
    /// The ledger's answer; `None` when not asked yet.
    pub status: Option<crate::model::AwardStatus>,
    pub obligation_cents: Option<i64>,
    pub recipient: Option<String>,
    pub link: Option<String>,
    pub candidates: Option<String>,
}

/// An acknowledgment or funding text of the paper, as read, and where.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CardAck {
    /// "acknowledgment (open-access copy)".
    pub origin: String,
    pub section: String,
    pub text: String,
    /// The document it was read in.
    pub url: Option<String>,
}

/// The rest of a paper's card.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CardFacts {
    pub openalex_id: Option<String>,
    pub evidence: Vec<EvidenceRow>,
    pub awards: Vec<CardAward>,
    /// Sources that hold a record of the work.
    pub sources: Vec<String>,
    /// Its acknowledgment and funding texts, as read (staff quote them).
    pub acknowledgments: Vec<CardAck>,
    /// The person key of each authorship (position, key): the people view's pages.
    pub people: Vec<(i64, String)>,
}

impl Db {
    /// The card of work `work_id`, or `None` when there is no such work.
    pub fn card_facts(&self, work_id: i64) -> Result<Option<CardFacts>> {
        let c = &self.conn;
        let Some(openalex_id) = c
            .query_row(
                "SELECT openalex_id FROM works WHERE id = ?1",
                [work_id],
                |r| r.get::<_, Option<String>>("openalex_id"),
            )
            .optional()?
        else {
            return Ok(None);
        };
        let mut st = c.prepare(
            "SELECT kind, source, summary, component, via, matched, funder_name, funder_id, awards,
                    author_position, author_name, affiliation, institution, country_code, region
             FROM flag_evidence WHERE work_id = ?1 ORDER BY kind = 'entity', kind, id",
        )?;
        let evidence = st
            .query_map([work_id], |r| {
                Ok(EvidenceRow {
                    kind: r.get("kind")?,
                    source: r.get("source")?,
                    summary: r.get("summary")?,
                    component: r.get("component")?,
                    via: r.get("via")?,
                    matched: r.get("matched")?,
                    funder_name: r.get("funder_name")?,
                    funder_id: r.get("funder_id")?,
                    awards: r.get("awards")?,
                    author_position: r.get("author_position")?,
                    author_name: r.get("author_name")?,
                    affiliation: r.get("affiliation")?,
                    institution: r.get("institution")?,
                    country_code: r.get("country_code")?,
                    region: r.get("region")?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut st = c.prepare(
            "SELECT a.cited_as, a.canonical, a.office, a.lookup, l.status,
                    l.total_obligation_cents, COALESCE(NULLIF(l.parent_recipient, ''), l.recipient) AS recipient,
                    l.link, l.candidates
             FROM work_awards a LEFT JOIN award_ledger l ON l.canonical = a.canonical
             WHERE a.work_id = ?1 ORDER BY a.lookup DESC, a.canonical",
        )?;
        let awards = st
            .query_map([work_id], |r| {
                Ok(CardAward {
                    cited_as: r.get("cited_as")?,
                    canonical: r.get("canonical")?,
                    office: r.get("office")?,
                    lookup: r.get("lookup")?,
                    status: r.get("status")?,
                    obligation_cents: r.get("total_obligation_cents")?,
                    recipient: r.get("recipient")?,
                    link: r.get("link")?,
                    candidates: r.get("candidates")?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut st =
            c.prepare("SELECT source FROM source_records WHERE work_id = ?1 ORDER BY source")?;
        let sources = st
            .query_map([work_id], |r| r.get("source"))?
            .collect::<rusqlite::Result<_>>()?;
        let mut st = c.prepare(
            "SELECT k.origin, k.section, k.text, COALESCE(d.final_url, d.url) AS url
             FROM acknowledgments k LEFT JOIN documents d ON d.id = k.document_id
             WHERE k.work_id = ?1 ORDER BY k.origin, k.seq",
        )?;
        let acknowledgments = st
            .query_map([work_id], |r| {
                Ok(CardAck {
                    origin: r.get("origin")?,
                    section: r.get("section")?,
                    text: r.get("text")?,
                    url: r.get("url")?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut st = c.prepare(
            "SELECT position, person FROM person_authorships WHERE work_id = ?1 ORDER BY position",
        )?;
        let people = st
            .query_map([work_id], |r| Ok((r.get("position")?, r.get("person")?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(CardFacts {
            openalex_id,
            evidence,
            awards,
            sources,
            acknowledgments,
            people,
        }))
    }

    /// Something that changes whenever what the flagged list shows may have changed, other than
    /// reviews: a flag raised, updated or withdrawn (indexed, so this is a lookup), the award
    /// ledger, and the latest run's start and end. Works re-fetched and DoD-funded counts are
    /// seen when their classification updates a flag or when the run ends. Reviews change far
    /// more often (every decision) and are read on their own ([`Db::latest_reviews`]), so a
    /// decision does not re-read the list.
    pub fn flags_fingerprint(&self) -> Result<String> {
        Ok(self.conn.query_row(
            "SELECT (SELECT COUNT(*) || '/' || COALESCE(MAX(updated_at), '') FROM flags)
                 || '|' || (SELECT COUNT(*) || '/' || COALESCE(MAX(fetched_at), '') FROM award_ledger)
                 || '|' || COALESCE((SELECT id || '/' || status || '/' || COALESCE(finished_at, '')
                                     FROM scan_runs ORDER BY id DESC LIMIT 1), '')",
            [],
            |r| r.get(0),
        )?)
    }

    /// The latest decision on every reviewed flagged paper.
    pub fn latest_reviews(&self) -> Result<Vec<LatestReview>> {
        let mut st = self.conn.prepare(
            "SELECT f.work_id,
                    CASE WHEN r.evidence_hash = f.evidence_hash THEN r.status
                         ELSE r.status || ' (evidence changed since the review)' END AS status,
                    r.note
             FROM flags f JOIN reviews r ON r.id = (SELECT MAX(id) FROM reviews WHERE work_id = f.work_id AND withdrawn_at IS NULL)
             WHERE f.active = 1",
        )?;
        let rows = st.query_map([], |r| {
            Ok(LatestReview {
                work_id: r.get("work_id")?,
                status: r.get("status")?,
                note: r.get("note")?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The awards flagged papers cite that USAspending found, and their obligations counted
    /// once per award: the overview's headline (the same figures as `xrefscan awards`).
    pub fn flagged_award_totals(&self) -> Result<(u64, i64)> {
        self.award_totals(&super::AwardFilter::default())
    }

    /// A number that changes whenever another connection commits (SQLite's `data_version`):
    /// the review page reloads its list when it moves.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get(0))?)
    }
}
