//! Reviewers' decisions (with history) and their corrections of one affiliation string. Neither
//! is ever deleted: a decision holds until its flag's evidence changes, a correction until a
//! newer one of the same kind retires it.

use super::{Db, now};
use crate::classify::work::Overrides;
use crate::error::{Error, Result};
use crate::model::{OverrideKind, ReviewStatus};
use rusqlite::{OptionalExtension, params};

/// One review in a paper's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub at: String,
    pub status: ReviewStatus,
    pub note: String,
    pub reviewer: Option<String>,
    /// The flag's evidence has changed since this review was made.
    pub evidence_changed: bool,
    /// Undone: when, and by whom (kept in the history, no longer the decision).
    pub withdrawn: Option<(String, Option<String>)>,
}

/// One correction in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideRow {
    pub kind: OverrideKind,
    /// The normalised affiliation string it applies to.
    pub affiliation: String,
    pub value: String,
    pub note: String,
    pub reviewer: String,
}

impl Db {
    /// The work id of a paper that has been flagged (active or not).
    pub fn flagged_work(&self, doi: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT f.work_id FROM flags f JOIN works w ON w.id = f.work_id WHERE w.doi = ?1",
                [doi],
                |r| r.get("work_id"),
            )
            .optional()?)
    }

    /// The DOI of work `work_id`, when it has been flagged (active or not).
    pub fn flagged_doi(&self, work_id: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT w.doi FROM flags f JOIN works w ON w.id = f.work_id WHERE f.work_id = ?1",
                [work_id],
                |r| r.get("doi"),
            )
            .optional()?)
    }

    /// Record a reviewer's decision on flagged work `work_id`, against its current evidence.
    /// Returns the review's id.
    pub fn add_review(
        &mut self,
        work_id: i64,
        status: ReviewStatus,
        note: &str,
        reviewer: Option<&str>,
    ) -> Result<i64> {
        let inserted = self.conn.execute(
            "INSERT INTO reviews (work_id, status, note, reviewer, at, evidence_hash)
             SELECT work_id, ?2, ?3, ?4, ?5, evidence_hash FROM flags WHERE work_id = ?1",
            params![work_id, status, note, reviewer, now()],
        )?;
        if inserted == 0 {
            return Err(Error::NotFlagged(format!("work {work_id}")));
        }
        Ok(self.conn.last_insert_rowid())
    }

    /// Every review of flagged work `work_id`, oldest first.
    pub fn review_history(&self, work_id: i64) -> Result<Vec<ReviewRow>> {
        let mut st = self.conn.prepare(
            "SELECT r.at, r.status, r.note, r.reviewer,
                    r.evidence_hash <> f.evidence_hash AS evidence_changed,
                    r.withdrawn_at, r.withdrawn_by
             FROM reviews r JOIN flags f ON f.work_id = r.work_id
             WHERE r.work_id = ?1 ORDER BY r.id",
        )?;
        let rows = st.query_map([work_id], |r| {
            Ok(ReviewRow {
                at: r.get("at")?,
                status: r.get("status")?,
                note: r.get("note")?,
                reviewer: r.get("reviewer")?,
                evidence_changed: r.get("evidence_changed")?,
                withdrawn: r
                    .get::<_, Option<String>>("withdrawn_at")?
                    .map(|at| Ok::<_, rusqlite::Error>((at, r.get("withdrawn_by")?)))
                    .transpose()?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The decision in force on a paper (the latest not undone), if any.
    pub fn current_review(&self, work_id: i64) -> Result<Option<ReviewStatus>> {
        Ok(self
            .conn
            .query_row(
                "SELECT status FROM reviews
                 WHERE work_id = ?1 AND withdrawn_at IS NULL ORDER BY id DESC LIMIT 1",
                [work_id],
                |r| r.get("status"),
            )
            .optional()?)
    }

    /// Undo the decision in force on a paper: it stays in the history, marked withdrawn, and
    /// the one before it (if any) is in force again. Returns `(undone, now in force)`.
    pub fn withdraw_review(
        &mut self,
        work_id: i64,
        by: Option<&str>,
    ) -> Result<Option<(ReviewStatus, Option<ReviewStatus>)>> {
        let tx = self.conn.transaction()?;
        let latest: Option<(i64, ReviewStatus)> = tx
            .query_row(
                "SELECT id, status FROM reviews
                 WHERE work_id = ?1 AND withdrawn_at IS NULL ORDER BY id DESC LIMIT 1",
                [work_id],
                |r| Ok((r.get("id")?, r.get("status")?)),
            )
            .optional()?;
        let Some((id, undone)) = latest else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE reviews SET withdrawn_at = ?2, withdrawn_by = ?3 WHERE id = ?1",
            params![id, now(), by],
        )?;
        let now_in_force: Option<ReviewStatus> = tx
            .query_row(
                "SELECT status FROM reviews
                 WHERE work_id = ?1 AND withdrawn_at IS NULL ORDER BY id DESC LIMIT 1",
                [work_id],
                |r| r.get("status"),
            )
            .optional()?;
        tx.commit()?;
        Ok(Some((undone, now_in_force)))
    }

    /// Record a reviewer's correction of the (already normalised) affiliation string `key`; an
    /// earlier one of the same kind on the same string (and, for entities, the same entry) is
    /// retired. Returns the new override's id.
    pub fn add_override(
        &mut self,
        kind: OverrideKind,
        key: &str,
        value: &str,
        note: &str,
        reviewer: Option<&str>,
    ) -> Result<i64> {
        let tx = self.conn.transaction()?;
        let is_region = kind == OverrideKind::Region;
        tx.execute(
            "UPDATE overrides SET active = 0 WHERE active = 1 AND affiliation = ?1
               AND ((?2 AND kind = ?3) OR (NOT ?2 AND kind <> ?3 AND value = ?4))",
            params![key, is_region, OverrideKind::Region, value],
        )?;
        tx.execute(
            "INSERT INTO overrides (kind, affiliation, value, note, reviewer, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![kind, key, value, note, reviewer, now()],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// The corrections in force, oldest first.
    pub fn override_rows(&self) -> Result<Vec<OverrideRow>> {
        let mut st = self.conn.prepare(
            "SELECT kind, affiliation, value, note, COALESCE(reviewer, '') AS reviewer
             FROM overrides WHERE active = 1 ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(OverrideRow {
                kind: r.get("kind")?,
                affiliation: r.get("affiliation")?,
                value: r.get("value")?,
                note: r.get("note")?,
                reviewer: r.get("reviewer")?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The corrections in force, as the classifier applies them.
    pub fn overrides(&self) -> Result<Overrides> {
        let mut o = Overrides::default();
        for row in self.override_rows()? {
            o.add(row.kind, row.affiliation, row.value, row.note, row.reviewer);
        }
        Ok(o)
    }
}
