//! Scan runs: one row per `scan` or `reclassify`, one per source within a scan, and the
//! questions asked of them (where `--since-last` starts, which run "the last scan" is).

use super::{Db, now};
use crate::error::Result;
use crate::model::{RunStatus, Source};
use rusqlite::{OptionalExtension, params};

/// Totals of a finished run.
#[derive(Debug, Clone)]
pub struct RunTotals {
    pub status: RunStatus,
    pub works_seen: u64,
    pub works_new: u64,
    pub candidates: u64,
    pub flagged: u64,
    pub new_flags: u64,
    pub requests: u64,
    pub retries: u64,
    pub errors: u64,
    pub elapsed_ms: u64,
    pub message: Option<String>,
}

impl Default for RunTotals {
    fn default() -> Self {
        RunTotals {
            status: RunStatus::Ok,
            works_seen: 0,
            works_new: 0,
            candidates: 0,
            flagged: 0,
            new_flags: 0,
            requests: 0,
            retries: 0,
            errors: 0,
            elapsed_ms: 0,
            message: None,
        }
    }
}

/// Per-source results of a run.
#[derive(Debug, Clone)]
pub struct SourceTotals {
    pub works: u64,
    pub announced: Option<u64>,
    pub requests: u64,
    pub retries: u64,
    pub errors: u64,
    pub status: RunStatus,
    pub message: Option<String>,
    /// What else the source said (routes asked, budgets left).
    pub note: Option<String>,
}

/// One row of the scan history, as `stats` and summaries show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummaryRow {
    pub id: i64,
    pub status: RunStatus,
    pub sources: String,
}

/// What a run marked interrupted is told.
const INTERRUPTED_NOTE: &str =
    "everything up to its last commit is kept and the next run resumes from there";

/// What `sources` holds for a run that only reclassified (it crawled nothing).
pub const RECLASSIFY_SOURCES: &str = "reclassify";

/// What a run cut short stored, counted from the data (its own counters were never written):
/// the works it saw and first stored, and the flags it first raised.
const COUNT_WHAT_IT_STORED: &str = "UPDATE scan_runs SET
        works_seen = (SELECT COUNT(DISTINCT s.work_id) FROM source_records s WHERE s.run_id = scan_runs.id),
        works_new = (SELECT COUNT(*) FROM works w WHERE w.first_seen_at >= scan_runs.started_at),
        new_flags = (SELECT COUNT(*) FROM flags f WHERE f.first_run_id = scan_runs.id),
        candidates = (SELECT COUNT(*) FROM classifications WHERE dod = 1),
        flagged = (SELECT COUNT(*) FROM flags WHERE active = 1)
     WHERE status = ?1";

impl Db {
    /// Start a run. A run still marked running was cut short: the caller holds the lock, so
    /// no other process can be running it. What it stored is counted first.
    pub fn begin_run(&mut self, from: &str, to: &str, sources: &str) -> Result<i64> {
        self.conn
            .execute(COUNT_WHAT_IT_STORED, [RunStatus::Running])?;
        self.conn.execute(
            "UPDATE scan_runs SET status = ?1, finished_at = COALESCE(finished_at, ?2),
                message = 'stopped before it finished (killed, crashed or interrupted); ' || ?3
             WHERE status = ?4",
            params![
                RunStatus::Interrupted,
                now(),
                INTERRUPTED_NOTE,
                RunStatus::Running
            ],
        )?;
        self.conn.execute(
            "INSERT INTO scan_runs (started_at, from_date, to_date, sources, status)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![now(), from, to, sources, RunStatus::Running],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn finish_run(&mut self, run_id: i64, t: &RunTotals) -> Result<()> {
        self.conn.execute(
            "UPDATE scan_runs SET finished_at = ?2, status = ?3, works_seen = ?4, works_new = ?5,
                candidates = ?6, flagged = ?7, new_flags = ?8, requests = ?9, retries = ?10,
                errors = ?11, elapsed_ms = ?12, message = ?13 WHERE id = ?1",
            params![
                run_id,
                now(),
                t.status,
                t.works_seen as i64,
                t.works_new as i64,
                t.candidates as i64,
                t.flagged as i64,
                t.new_flags as i64,
                t.requests as i64,
                t.retries as i64,
                t.errors as i64,
                t.elapsed_ms as i64,
                t.message
            ],
        )?;
        Ok(())
    }

    pub fn set_run_source(&mut self, run_id: i64, source: Source, t: &SourceTotals) -> Result<()> {
        self.conn.execute(
            "INSERT INTO run_sources (run_id, source, works, announced, requests, retries, errors, status, message, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (run_id, source) DO UPDATE SET works = excluded.works, announced = excluded.announced,
                requests = excluded.requests, retries = excluded.retries, errors = excluded.errors,
                status = excluded.status, message = excluded.message, note = excluded.note",
            params![
                run_id,
                source,
                t.works as i64,
                t.announced.map(|a| a as i64),
                t.requests as i64,
                t.retries as i64,
                t.errors as i64,
                t.status,
                t.message,
                t.note
            ],
        )?;
        Ok(())
    }

    /// Mark the runs still marked running as interrupted (Ctrl-C, SIGTERM), saying why and
    /// counting what they stored.
    pub fn mark_running_interrupted(&mut self, why: &str) -> Result<u64> {
        self.conn
            .execute(COUNT_WHAT_IT_STORED, [RunStatus::Running])?;
        Ok(self.conn.execute(
            "UPDATE scan_runs SET status = ?1, finished_at = ?2, message = ?3 || '; ' || ?4
             WHERE status = ?5",
            params![
                RunStatus::Interrupted,
                now(),
                why,
                INTERRUPTED_NOTE,
                RunStatus::Running
            ],
        )? as u64)
    }

    /// The latest publication date a successful run of `source` covered.
    /// The first publication date a successful run of `source` covered: where a scheduled
    /// scan's whole window starts unless told otherwise.
    pub fn first_covered_date(&self, source: Source) -> Result<Option<String>> {
        Ok(self.conn.query_row(
            "SELECT MIN(r.from_date) AS first FROM run_sources rs JOIN scan_runs r ON r.id = rs.run_id
             WHERE rs.source = ?1 AND rs.status = ?2 AND r.from_date <> ''",
            params![source, RunStatus::Ok],
            |r| r.get("first"),
        )?)
    }

    /// The latest day as of which a successful run of `source` saw the index: its start, or
    /// its window's end when that is earlier (it asked nothing of works published later, and
    /// an earlier day only asks more).
    pub fn last_seen_as_of(&self, source: Source) -> Result<Option<String>> {
        Ok(self.conn.query_row(
            "SELECT MAX(MIN(substr(r.started_at, 1, 10), r.to_date)) AS seen
             FROM run_sources rs JOIN scan_runs r ON r.id = rs.run_id
             WHERE rs.source = ?1 AND rs.status = ?2 AND r.to_date <> ''",
            params![source, RunStatus::Ok],
            |r| r.get("seen"),
        )?)
    }

    pub fn last_covered_date(&self, source: Source) -> Result<Option<String>> {
        Ok(self.conn.query_row(
            "SELECT MAX(r.to_date) AS last FROM run_sources rs JOIN scan_runs r ON r.id = rs.run_id
             WHERE rs.source = ?1 AND rs.status = ?2 AND r.to_date <> ''",
            params![source, RunStatus::Ok],
            |r| r.get("last"),
        )?)
    }

    /// The run before the latest crawl, so "new since the last scan" lists what the latest
    /// crawl raised (0 when there has been one crawl). `reclassify` runs are not crawls. A
    /// crawl that resumed interrupted runs counts as one with them: what they found is new too.
    pub fn run_before_last_crawl(&self) -> Result<i64> {
        let last: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM scan_runs WHERE sources <> ?1 ORDER BY id DESC LIMIT 1",
                [RECLASSIFY_SOURCES],
                |r| r.get("id"),
            )
            .optional()?;
        let Some(last) = last else { return Ok(0) };
        let first = self.interrupted_before(last)?.last().map_or(last, |r| r.0);
        Ok(self.conn.query_row(
            "SELECT COALESCE(MAX(id), 0) AS id FROM scan_runs WHERE id < ?1",
            [first],
            |r| r.get("id"),
        )?)
    }

    /// The interrupted crawls right before run `id` (newest first) — what a run resumes:
    /// `(run, works it first stored, flags it first raised)`.
    pub fn interrupted_before(&self, id: i64) -> Result<Vec<(i64, u64, u64)>> {
        let mut st = self.conn.prepare(
            "SELECT id, status, COALESCE(works_new, 0) AS works_new, COALESCE(new_flags, 0) AS new_flags
             FROM scan_runs WHERE id < ?1 AND sources <> ?2 ORDER BY id DESC",
        )?;
        let rows = st.query_map(params![id, RECLASSIFY_SOURCES], |r| {
            Ok((
                r.get::<_, i64>("id")?,
                r.get::<_, RunStatus>("status")?,
                r.get::<_, i64>("works_new")? as u64,
                r.get::<_, i64>("new_flags")? as u64,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (run, status, works, flags) = row?;
            if status != RunStatus::Interrupted {
                break;
            }
            out.push((run, works, flags));
        }
        Ok(out)
    }

    /// Whether run `id` exists.
    pub fn run_exists(&self, id: i64) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM scan_runs WHERE id = ?1", [id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Short counts recorded by run `run_id`.
    pub fn short_counts(&self, run_id: i64) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) AS n FROM scan_errors WHERE run_id = ?1 AND kind = ?2",
            params![run_id, crate::model::ErrorKind::ShortCount],
            |r| r.get::<_, i64>("n"),
        )? as u64)
    }

    /// The latest run.
    pub fn latest_run(&self) -> Result<Option<RunSummaryRow>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, status, COALESCE(sources, '') AS sources FROM scan_runs ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok(RunSummaryRow {
                        id: r.get("id")?,
                        status: r.get("status")?,
                        sources: r.get("sources")?,
                    })
                },
            )
            .optional()?)
    }
}
