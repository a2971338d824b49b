//! Read-only questions about the database as a whole: the user's own SQL (checked to be
//! read-only before it runs), the `stats` overview, and the `doctor` checks.

use super::Db;
use crate::error::{Error, Result};
use crate::model::{ErrorKind, RunStatus};
use rusqlite::types::ValueRef;

/// The rows of a query, cells as JSON values (numbers stay numbers).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// One titled section of `stats`.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsSection {
    pub title: &'static str,
    pub result: QueryResult,
}

/// What the `doctor` checks found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Health {
    pub integrity: Vec<String>,
    pub foreign_keys: u64,
    pub counts: Vec<(String, u64)>,
    pub orphans: Vec<(String, u64)>,
    /// Runs marked running.
    pub running: u64,
    /// The writer the lock file names, and whether its process is alive (`None`: unknown).
    pub writer: Option<(String, Option<bool>)>,
    /// Crawls that ended with fewer records than announced: marked done short (an older
    /// xrefscan, or a stateless cursor that ended early), or left not done by a finished run.
    pub unfinished: Vec<Unfinished>,
}

/// A crawl key that is missing records, and the scan that repairs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    pub source: String,
    pub key: String,
    pub items: u64,
    pub announced: u64,
    pub done: bool,
}

impl Unfinished {
    /// The command that crawls this key again: its own window (a key names its window, and a
    /// scan of exactly that window uses the same key), `--refresh` when it was marked done.
    pub fn repair(&self) -> String {
        let mut parts = self.key.rsplit(':');
        let (to, from) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        format!(
            "xrefscan scan --sources {} --from {from} --to {to}{}",
            self.source,
            if self.done { " --refresh" } else { "" }
        )
    }
}

impl Health {
    /// Runs marked running while no live process holds the lock: left behind by a scan that
    /// died (the next writer marks them interrupted).
    pub fn dead_runs(&self) -> u64 {
        match &self.writer {
            _ if self.running == 0 => 0,
            Some((_, Some(true))) => 0,
            _ => self.running,
        }
    }

    /// Whether the database is sound: integrity, foreign keys, no orphans, no crawl missing
    /// records. A run left running by a process that died is a notice, not a problem: the
    /// next write command marks it interrupted and the next scan resumes its work.
    pub fn ok(&self) -> bool {
        self.integrity == ["ok"]
            && self.foreign_keys == 0
            && self.orphans.iter().all(|(_, n)| *n == 0)
            && self.unfinished.is_empty()
    }
}

const WORK_TABLES: &[&str] = &[
    "source_records",
    "authorships",
    "affiliations",
    "funders",
    "awards",
    "classifications",
    "flags",
    "flag_evidence",
    "reviews",
    "documents",
    "acknowledgments",
    "work_awards",
];

fn cell(v: ValueRef<'_>) -> serde_json::Value {
    match v {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => f.into(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
        ValueRef::Blob(b) => format!("<{} bytes>", b.len()).into(),
    }
}

fn refuse_writes(e: rusqlite::Error) -> Error {
    let msg = e.to_string();
    if msg.contains("readonly") || msg.contains("read-only") {
        Error::WriteRefused(msg)
    } else {
        Error::from(e)
    }
}

impl Db {
    /// Run one statement that must not write. A statement that would write is refused before
    /// it runs (and the connection of a reader could not write anyway).
    pub fn read_query(&self, sql: &str) -> Result<QueryResult> {
        let sql = sql.trim().trim_end_matches(';').trim();
        if sql.is_empty() {
            return Err(Error::BadInput(
                "the SQL is empty; give a statement such as `SELECT COUNT(*) FROM flagged_papers`"
                    .into(),
            ));
        }
        let mut st = self
            .conn
            .prepare(sql)
            .map_err(|e| Error::BadInput(format!("the query does not parse: {e}")))?;
        if !st.readonly() {
            let verb = sql.split_whitespace().next().unwrap_or("").to_uppercase();
            return Err(Error::WriteRefused(verb));
        }
        let columns: Vec<String> = st.column_names().iter().map(|s| s.to_string()).collect();
        let mut rows = Vec::new();
        let mut q = st.query([]).map_err(refuse_writes)?;
        while let Some(r) = q.next().map_err(refuse_writes)? {
            rows.push(
                (0..columns.len())
                    .map(|i| r.get_ref(i).map(cell).unwrap_or_default())
                    .collect(),
            );
        }
        Ok(QueryResult { columns, rows })
    }

    /// The `stats` overview; `by_component` is the canned query of that name.
    pub fn stats(&self, by_component: &str) -> Result<Vec<StatsSection>> {
        let sections: [(&'static str, &str); 12] = [
            (
                "Works per source (records stored, one per work and source)",
                "SELECT source, COUNT(*) AS records_stored FROM source_records GROUP BY source ORDER BY source",
            ),
            (
                "Totals",
                "SELECT (SELECT COUNT(*) FROM works) AS works,
                        (SELECT COUNT(*) FROM classifications WHERE dod = 1) AS dod_funded_works,
                        (SELECT COUNT(*) FROM classifications WHERE china = 1) AS with_china_coauthor,
                        (SELECT COUNT(*) FROM flags WHERE active = 1) AS flagged,
                        (SELECT COUNT(*) FROM scan_errors) AS recorded_problems",
            ),
            ("Flagged by DoD component", by_component),
            (
                "The latest scan, per source (what each asked: a scheduled run's update routes and revisits are in the note)",
                "WITH RECURSIVE said(source, status, records, rest, part, n) AS (
                    SELECT source, status, works, COALESCE(note, '') || '; ', '', 0 FROM run_sources
                     WHERE run_id = (SELECT MAX(run_id) FROM run_sources)
                    UNION ALL
                    SELECT source, status, records, substr(rest, instr(rest, '; ') + 2),
                           substr(rest, 1, instr(rest, '; ') - 1), n + 1
                      FROM said WHERE rest <> ''
                 )
                 SELECT CASE WHEN n <= 1 THEN source ELSE '' END AS source,
                        CASE WHEN n <= 1 THEN status ELSE '' END AS status,
                        CASE WHEN n <= 1 THEN CAST(records AS TEXT) ELSE '' END AS records,
                        part AS said
                 FROM said WHERE n > 0 AND (part <> '' OR n = 1)
                 ORDER BY said.source, n",
            ),
            (
                "The latest scan's flags (on_works_stored_before: flagged because what the sources say of a known work changed)",
                "SELECT r.id AS run, r.works_new AS works_new, COUNT(f.work_id) AS new_flags,
                        COALESCE(SUM(EXISTS (SELECT 1 FROM discovered_by d JOIN scan_runs e ON e.id = d.first_run_id
                                             WHERE d.work_id = f.work_id AND d.first_run_id < r.id
                                               AND e.status <> 'interrupted')), 0) AS on_works_stored_before
                 FROM scan_runs r LEFT JOIN flags f ON f.first_run_id = r.id
                 WHERE r.id = (SELECT MAX(run_id) FROM run_sources)
                 GROUP BY r.id",
            ),
            (
                "Found per discovery route (works; flagged among them; a work can be found by several)",
                "SELECT d.route, COUNT(*) AS works,
                        SUM(CASE WHEN f.active = 1 THEN 1 ELSE 0 END) AS flagged
                 FROM discovered_by d LEFT JOIN flags f ON f.work_id = d.work_id
                 GROUP BY d.route ORDER BY d.route",
            ),
            (
                "Flagged papers whose DoD funding is stated only in acknowledgments",
                "SELECT CASE WHEN f.dod_evidence LIKE '%(Europe PMC full text)%' THEN 'Europe PMC full text'
                             WHEN f.dod_evidence LIKE '%(open-access copy)%' THEN 'open-access copy'
                             ELSE 'publisher page' END AS read_in,
                        COUNT(*) AS flagged_papers
                 FROM flags f WHERE f.active = 1 AND f.dod_evidence NOT LIKE '%funder record%'
                   AND f.dod_evidence LIKE '%acknowledgment (%'
                 GROUP BY 1 ORDER BY 1",
            ),
            (
                "Flagged by region",
                "SELECT region, COUNT(DISTINCT e.work_id) AS flagged_papers FROM flag_evidence e
                 JOIN flags f ON f.work_id = e.work_id AND f.active = 1 WHERE e.kind = 'china'
                 GROUP BY region ORDER BY region",
            ),
            (
                "Flagged by tier (1 = coauthor at a defense-linked entity, 2 = at another listed entity, 3 = other)",
                "SELECT COALESCE(tier, 'not yet classified') AS tier, COUNT(*) AS flagged_papers
                 FROM flags WHERE active = 1 GROUP BY 1 ORDER BY 1",
            ),
            (
                "Award ledger (every DoD award number any DoD-funded work cites, flagged or not; an amount only for awards found)",
                "SELECT COALESCE(l.status, 'not asked yet') AS status, COUNT(*) AS awards,
                        CASE WHEN l.status = 'found'
                             THEN printf('%.2f', COALESCE(SUM(l.total_obligation_cents), 0) / 100.0)
                        END AS obligation_usd
                 FROM (SELECT DISTINCT canonical FROM work_awards WHERE lookup = 1) a
                 LEFT JOIN award_ledger l ON l.canonical = a.canonical
                 GROUP BY 1 ORDER BY 1",
            ),
            (
                "Reviews (latest decision per flagged paper)",
                "SELECT COALESCE(review_status, 'not reviewed') AS status,
                        SUM(COALESCE(evidence_changed_since_review, 0)) AS evidence_changed_since,
                        COUNT(*) AS flagged_papers
                 FROM flagged_papers GROUP BY 1 ORDER BY 1",
            ),
            (
                "Scan history (latest 10)",
                "SELECT id, started_at, from_date, to_date, sources, status,
                        works_seen AS records_returned, works_new, candidates AS dod_funded_works,
                        flagged, new_flags, requests, retries, errors
                 FROM scan_runs ORDER BY id DESC LIMIT 10",
            ),
        ];
        let mut out: Vec<StatsSection> = sections
            .into_iter()
            .map(|(title, sql)| {
                Ok(StatsSection {
                    title,
                    result: self.read_query(sql)?,
                })
            })
            .collect::<Result<_>>()?;
        // The headline figures, by the one definition the overview and `xrefscan awards` use.
        let a = self.award_summary(&super::AwardFilter::default())?;
        let row = |status: &str, n: u64, cents: Option<i64>| {
            vec![
                serde_json::Value::from(status),
                serde_json::Value::from(n),
                cents
                    .map(|c| serde_json::Value::from(crate::model::dollars(c)))
                    .unwrap_or(serde_json::Value::Null),
            ]
        };
        let at = out
            .iter()
            .position(|s| s.title.starts_with("Award ledger"))
            .unwrap_or(out.len());
        out.insert(
            at,
            StatsSection {
                title: "Awards the flagged papers cite (each award once; the overview's and `xrefscan awards`' figures)",
                result: QueryResult {
                    columns: vec!["status".into(), "awards".into(), "obligation_usd".into()],
                    rows: vec![
                        row("found", a.found, Some(a.obligation_cents)),
                        row("not found", a.not_found, None),
                        row("ambiguous", a.ambiguous, None),
                        row("not asked yet", a.pending, None),
                        row("all", a.awards, Some(a.obligation_cents)),
                    ],
                },
            },
        );
        Ok(out)
    }

    /// Every `doctor` check (read-only).
    pub fn health(&self) -> Result<Health> {
        let conn = &self.conn;
        let mut h = Health::default();
        let mut st = conn.prepare("PRAGMA integrity_check")?;
        h.integrity = st
            .query_map([], |r| r.get::<_, String>("integrity_check"))?
            .collect::<rusqlite::Result<_>>()?;
        let mut st = conn.prepare("PRAGMA foreign_key_check")?;
        h.foreign_keys = st.query_map([], |_| Ok(()))?.count() as u64;
        let count = |sql: &str| -> Result<u64> {
            Ok(conn.query_row(sql, [], |r| r.get::<_, i64>("n"))? as u64)
        };
        h.counts
            .push(("works".into(), count("SELECT COUNT(*) AS n FROM works")?));
        for t in WORK_TABLES {
            h.counts.push((
                (*t).into(),
                count(&format!("SELECT COUNT(*) AS n FROM {t}"))?,
            ));
            h.orphans.push((
                (*t).into(),
                count(&format!(
                    "SELECT COUNT(*) AS n FROM {t} x WHERE NOT EXISTS (SELECT 1 FROM works w WHERE w.id = x.work_id)"
                ))?,
            ));
        }
        h.counts.push((
            "scan_runs".into(),
            count("SELECT COUNT(*) AS n FROM scan_runs")?,
        ));
        h.counts.push((
            "award_ledger".into(),
            count("SELECT COUNT(*) AS n FROM award_ledger")?,
        ));
        h.writer = super::lock::holder(&self.path);
        h.running = conn.query_row(
            "SELECT COUNT(*) AS n FROM scan_runs WHERE status = ?1",
            [RunStatus::Running],
            |r| r.get::<_, i64>("n"),
        )? as u64;
        let mut st = conn.prepare(
            "SELECT c.source, c.shard, c.items, c.announced, c.done FROM checkpoints c
             WHERE c.announced IS NOT NULL AND c.items < c.announced
               AND (c.done = 1 OR EXISTS (SELECT 1 FROM scan_errors e
                     WHERE e.kind = ?1 AND e.source = c.source AND e.url = c.shard))
             ORDER BY c.source, c.shard",
        )?;
        h.unfinished = st
            .query_map([ErrorKind::ShortCount], |r| {
                Ok(Unfinished {
                    source: r.get("source")?,
                    key: r.get("shard")?,
                    items: r.get::<_, i64>("items")? as u64,
                    announced: r.get::<_, i64>("announced")? as u64,
                    done: r.get::<_, i64>("done")? != 0,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(h)
    }
}
