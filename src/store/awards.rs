//! The award ledger: the numbers DoD-funded works cite (`work_awards`, derived at
//! classification) and what USAspending answered for each (`award_ledger`), every award once
//! however many papers cite it.

use super::{Db, now};
use crate::error::Result;
use crate::model::{AwardStatus, LedgerAward};
use rusqlite::params;

/// Which flagged papers the award summary covers.
#[derive(Debug, Clone, Default)]
pub struct AwardFilter {
    /// Only papers with a mainland-China coauthor.
    pub mainland_only: bool,
    /// Only papers of this tier.
    pub tier: Option<u8>,
    /// Leave out papers whose latest review dismissed them (unless their evidence changed
    /// since), as `export --exclude-dismissed` does.
    pub exclude_dismissed: bool,
}

/// The committee-style summary of the awards flagged papers acknowledge.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AwardSummary {
    /// Flagged papers in the set.
    pub papers: u64,
    /// Of those, papers citing at least one DoD award number.
    pub papers_citing_awards: u64,
    /// Of those, papers with at least one award resolved.
    pub papers_with_resolved_awards: u64,
    /// Distinct DoD award numbers cited (each once however many papers cite it).
    pub awards: u64,
    pub found: u64,
    pub not_found: u64,
    pub ambiguous: u64,
    /// Not asked yet (the next `awards resolve` or scan asks).
    pub pending: u64,
    /// Other numbers the papers cite: kept, not looked up (not DoD by the PIID grammar).
    pub other_numbers: u64,
    /// Obligations to date of the distinct resolved awards, in cents.
    pub obligation_cents: i64,
    pub by_component: Vec<AwardGroup>,
    pub by_recipient: Vec<AwardGroup>,
    /// Numbers not found, as cited (so a reader can check them).
    pub not_found_numbers: Vec<String>,
    /// Ambiguous numbers with their candidates.
    pub ambiguous_numbers: Vec<String>,
}

/// One line of a breakdown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AwardGroup {
    pub name: String,
    pub awards: u64,
    pub papers: u64,
    pub obligation_cents: i64,
}

/// The flagged works in the summary's set, as a SQL condition on `f` (flags).
fn flag_condition(filter: &AwardFilter) -> String {
    let mut c = String::from("f.active = 1");
    if filter.mainland_only {
        c.push_str(" AND ('; ' || f.china_regions || '; ') LIKE '%; CN; %'");
    }
    if let Some(t) = filter.tier {
        c.push_str(&format!(" AND f.tier = {}", u32::from(t)));
    }
    if filter.exclude_dismissed {
        c.push_str(
            " AND NOT EXISTS (SELECT 1 FROM reviews r
                 WHERE r.id = (SELECT MAX(id) FROM reviews WHERE work_id = f.work_id AND withdrawn_at IS NULL)
                   AND r.status = 'dismissed' AND r.evidence_hash = f.evidence_hash)",
        );
    }
    c
}

/// The one definition of the awards a set of flagged papers cites: one row per (award,
/// paper), with the DoD component the award is counted under. Every award figure — the
/// overview's, `stats`', `xrefscan awards`' — is a sum over the distinct awards of this.
fn cited_sql(filter: &AwardFilter) -> String {
    format!(
        "SELECT a.canonical, a.work_id, a.lookup, a.office, a.cited_as,
                COALESCE(a.component, 'Department of Defense') AS component
         FROM work_awards a JOIN flags f ON f.work_id = a.work_id WHERE {}",
        flag_condition(filter)
    )
}

impl Db {
    /// Award numbers still to ask about (all again with `refresh`), those cited by flagged
    /// papers first, then by how many DoD-funded papers cite them; at most `budget`. Returns
    /// them and how many there are in all.
    pub fn awards_to_resolve(&self, budget: usize, refresh: bool) -> Result<(Vec<String>, u64)> {
        let mut st = self.conn.prepare(
            "SELECT a.canonical,
                    MAX(EXISTS (SELECT 1 FROM flags f WHERE f.work_id = a.work_id AND f.active = 1)) AS flagged,
                    COUNT(*) AS papers
             FROM work_awards a JOIN classifications c ON c.work_id = a.work_id AND c.dod = 1
             WHERE a.lookup = 1
               AND (?1 OR NOT EXISTS (SELECT 1 FROM award_ledger l WHERE l.canonical = a.canonical))
             GROUP BY a.canonical
             ORDER BY flagged DESC, papers DESC, a.canonical",
        )?;
        let all: Vec<String> = st
            .query_map([refresh], |r| r.get("canonical"))?
            .collect::<rusqlite::Result<_>>()?;
        let total = all.len() as u64;
        Ok((all.into_iter().take(budget).collect(), total))
    }

    /// Found awards cited by flagged papers whose award page has not been read and is needed,
    /// at most `limit`: the page is the only source of a recipient's parent, so it is read
    /// when the search's `recipient_id` says the recipient is a child (`-C`) or said nothing;
    /// a candidate's award keeps what the search said until its paper is flagged.
    pub fn awards_needing_pages(&self, limit: usize) -> Result<Vec<LedgerAward>> {
        let mut st = self.conn.prepare(
            "SELECT l.canonical FROM award_ledger l
             WHERE l.status = 'found' AND l.raw_json IS NULL AND l.usaspending_id IS NOT NULL
               AND (l.recipient_id IS NULL OR l.recipient_id LIKE '%-C')
               AND EXISTS (SELECT 1 FROM work_awards a JOIN flags f ON f.work_id = a.work_id
                           WHERE a.canonical = l.canonical AND f.active = 1)
             ORDER BY l.canonical LIMIT ?1",
        )?;
        let ids: Vec<String> = st
            .query_map([limit as i64], |r| r.get("canonical"))?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(self.ledger_award(&id)?);
        }
        Ok(out)
    }

    /// Keep USAspending's answers, one transaction for the batch.
    pub fn save_awards(&mut self, answers: &[LedgerAward]) -> Result<()> {
        let tx = self.conn.transaction()?;
        let stamp = now();
        for a in answers {
            tx.prepare_cached(
                "INSERT INTO award_ledger (canonical, status, usaspending_id, link, award_type, type_description,
                    total_obligation_cents, base_and_all_options_cents, awarding_agency, awarding_sub_agency,
                    awarding_office, recipient, parent_recipient, period_start, period_end, last_modified,
                    candidates, searched, raw_json, fetched_at, recipient_id)
                 VALUES (?1, ?2, ?3, ?20, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?21)
                 ON CONFLICT (canonical) DO UPDATE SET status = excluded.status,
                    usaspending_id = excluded.usaspending_id, link = excluded.link,
                    award_type = excluded.award_type,
                    type_description = excluded.type_description,
                    total_obligation_cents = excluded.total_obligation_cents,
                    base_and_all_options_cents = excluded.base_and_all_options_cents,
                    awarding_agency = excluded.awarding_agency,
                    awarding_sub_agency = excluded.awarding_sub_agency,
                    awarding_office = excluded.awarding_office, recipient = excluded.recipient,
                    parent_recipient = excluded.parent_recipient, period_start = excluded.period_start,
                    period_end = excluded.period_end, last_modified = excluded.last_modified,
                    candidates = excluded.candidates, searched = excluded.searched,
                    raw_json = excluded.raw_json, fetched_at = excluded.fetched_at,
                    recipient_id = COALESCE(excluded.recipient_id, recipient_id)",
            )?
            .execute(params![
                a.canonical,
                a.status,
                a.usaspending_id,
                a.award_type,
                a.type_description,
                a.total_obligation_cents,
                a.base_and_all_options_cents,
                a.awarding_agency,
                a.awarding_sub_agency,
                a.awarding_office,
                a.recipient,
                a.parent_recipient,
                a.period_start,
                a.period_end,
                a.last_modified,
                a.candidates.join("\n"),
                a.searched.join(", "),
                a.raw,
                stamp,
                a.usaspending_id.as_deref().map(crate::model::award_link),
                a.recipient_id
            ])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// One award as the ledger holds it.
    pub fn ledger_award(&self, canonical: &str) -> Result<Option<LedgerAward>> {
        use rusqlite::OptionalExtension;
        let split = |s: String, sep: &str| -> Vec<String> {
            s.split(sep)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        };
        Ok(self
            .conn
            .query_row(
                "SELECT * FROM award_ledger WHERE canonical = ?1",
                [canonical],
                |r| {
                    Ok(LedgerAward {
                        canonical: r.get("canonical")?,
                        status: r.get("status")?,
                        usaspending_id: r.get("usaspending_id")?,
                        award_type: r.get("award_type")?,
                        type_description: r.get("type_description")?,
                        total_obligation_cents: r.get("total_obligation_cents")?,
                        base_and_all_options_cents: r.get("base_and_all_options_cents")?,
                        awarding_agency: r.get("awarding_agency")?,
                        awarding_sub_agency: r.get("awarding_sub_agency")?,
                        awarding_office: r.get("awarding_office")?,
                        recipient: r.get("recipient")?,
                        recipient_id: r.get("recipient_id")?,
                        parent_recipient: r.get("parent_recipient")?,
                        period_start: r.get("period_start")?,
                        period_end: r.get("period_end")?,
                        last_modified: r.get("last_modified")?,
                        candidates: split(r.get("candidates")?, "\n"),
                        searched: split(r.get("searched")?, ", "),
                        raw: r.get("raw_json")?,
                    })
                },
            )
            .optional()?)
    }

    /// The found awards the flagged papers in `filter` cite, and their obligations in cents:
    /// the headline figure, by the same definition as [`Db::award_summary`], in one query.
    pub fn award_totals(&self, filter: &AwardFilter) -> Result<(u64, i64)> {
        Ok(self.conn.query_row(
            &format!(
                "WITH cited AS ({})
                 SELECT COUNT(*), COALESCE(SUM(l.total_obligation_cents), 0) FROM award_ledger l
                 WHERE l.status = 'found'
                   AND l.canonical IN (SELECT canonical FROM cited WHERE lookup = 1)",
                cited_sql(filter)
            ),
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
        )?)
    }

    /// The summary of the awards the flagged papers in `filter` cite.
    pub fn award_summary(&self, filter: &AwardFilter) -> Result<AwardSummary> {
        let cond = flag_condition(filter);
        let cited = cited_sql(filter);
        let c = &self.conn;
        let papers: i64 = c.query_row(
            &format!("SELECT COUNT(*) FROM flags f WHERE {cond}"),
            [],
            |r| r.get(0),
        )?;
        let count = |sql: &str| -> Result<u64> {
            Ok(
                c.query_row(&format!("WITH cited AS ({cited}) {sql}"), [], |r| {
                    r.get::<_, i64>(0)
                })? as u64,
            )
        };
        let mut s = AwardSummary {
            papers: papers as u64,
            papers_citing_awards: count(
                "SELECT COUNT(DISTINCT work_id) FROM cited WHERE lookup = 1",
            )?,
            papers_with_resolved_awards: count(
                "SELECT COUNT(DISTINCT x.work_id) FROM cited x
                 JOIN award_ledger l ON l.canonical = x.canonical AND l.status = 'found'",
            )?,
            awards: count("SELECT COUNT(DISTINCT canonical) FROM cited WHERE lookup = 1")?,
            other_numbers: count("SELECT COUNT(DISTINCT canonical) FROM cited WHERE lookup = 0")?,
            ..Default::default()
        };
        let status_count = |status: AwardStatus| {
            count(&format!(
                "SELECT COUNT(DISTINCT x.canonical) FROM cited x JOIN award_ledger l
                 ON l.canonical = x.canonical WHERE x.lookup = 1 AND l.status = '{}'",
                status.as_str()
            ))
        };
        s.found = status_count(AwardStatus::Found)?;
        s.not_found = status_count(AwardStatus::NotFound)?;
        s.ambiguous = status_count(AwardStatus::Ambiguous)?;
        s.pending = s.awards - s.found - s.not_found - s.ambiguous;
        // Each resolved award once: sum over the distinct awards, never over citations.
        let distinct_found = format!(
            "WITH cited AS ({cited}),
             awards AS (SELECT x.canonical, MIN(x.component) AS component,
                               COUNT(DISTINCT x.work_id) AS papers
                        FROM cited x WHERE x.lookup = 1 GROUP BY x.canonical)
             SELECT l.*, a.component, a.papers FROM awards a
             JOIN award_ledger l ON l.canonical = a.canonical AND l.status = 'found'"
        );
        s.obligation_cents = c.query_row(
            &format!("SELECT COALESCE(SUM(total_obligation_cents), 0) FROM ({distinct_found})"),
            [],
            |r| r.get(0),
        )?;
        let breakdown = |key: &str| -> Result<Vec<AwardGroup>> {
            let mut st = c.prepare(&format!(
                "SELECT {key} AS name, COUNT(*) AS awards, SUM(papers) AS papers,
                        COALESCE(SUM(total_obligation_cents), 0) AS cents
                 FROM ({distinct_found}) GROUP BY 1 ORDER BY cents DESC, name"
            ))?;
            let rows = st.query_map([], |r| {
                Ok(AwardGroup {
                    name: r.get("name")?,
                    awards: r.get::<_, i64>("awards")? as u64,
                    papers: r.get::<_, i64>("papers")? as u64,
                    obligation_cents: r.get("cents")?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        s.by_component = breakdown("component")?;
        s.by_recipient =
            breakdown("COALESCE(NULLIF(parent_recipient, ''), recipient, 'unknown recipient')")?;
        let listed = |status: AwardStatus, with_candidates: bool| -> Result<Vec<String>> {
            let mut st = c.prepare(&format!(
                "WITH cited AS ({cited})
                 SELECT MIN(x.cited_as) AS cited_as, l.candidates FROM cited x
                 JOIN award_ledger l ON l.canonical = x.canonical
                 WHERE x.lookup = 1 AND l.status = '{}' GROUP BY x.canonical ORDER BY x.canonical",
                status.as_str()
            ))?;
            let rows = st.query_map([], |r| {
                let cited: String = r.get("cited_as")?;
                let candidates: String = r.get("candidates")?;
                Ok(if with_candidates {
                    format!("{cited}: {}", candidates.replace('\n', "; "))
                } else {
                    cited
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        s.not_found_numbers = listed(AwardStatus::NotFound, false)?;
        s.ambiguous_numbers = listed(AwardStatus::Ambiguous, true)?;
        Ok(s)
    }
}
