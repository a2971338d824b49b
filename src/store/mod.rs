//! Every SQL statement xrefscan runs. SQLite in WAL mode, migrations from `db/migrations/`
//! applied at open, one writer. Each page of a crawl and its checkpoint commit in one
//! transaction, so a killed process resumes exactly where its last commit left it, and a page
//! seen twice changes nothing (records are keyed by normalised DOI and replaced only when the
//! source's JSON changed).

use crate::classify::entities::{Entry, ListInfo};
use crate::classify::work::{AckFact, AffiliationFact, WorkDecision, WorkFacts};
use crate::error::{Error, Result};
use crate::model::{AffiliationRecord, FunderRecord, Source, WorkRecord};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};
use std::collections::BTreeSet;
use std::path::Path;

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../db/migrations/0001_initial.sql")),
    M::up(include_str!("../../db/migrations/0002_entities.sql")),
    M::up(include_str!("../../db/migrations/0003_acknowledgments.sql")),
    M::up(include_str!("../../db/migrations/0004_reviews.sql")),
    M::up(include_str!("../../db/migrations/0005_overrides.sql")),
];

/// The current time as stored (UTC, seconds).
pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Paging state of one shard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkpoint {
    pub cursor: Option<String>,
    pub done: bool,
    pub items: u64,
    pub announced: Option<u64>,
}

/// One page to store with the checkpoint that follows it.
#[derive(Debug)]
pub struct Page<'a> {
    pub run_id: i64,
    pub source: Source,
    pub shard: &'a str,
    pub checkpoint: Checkpoint,
    pub records: &'a [WorkRecord],
}

/// One review in a paper's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub at: String,
    pub status: String,
    pub note: String,
    pub reviewer: Option<String>,
    /// The flag's evidence has changed since this review was made.
    pub evidence_changed: bool,
}

/// A work whose publisher page is worth reading: `(work_id, doi, why)`.
pub type PageCandidate = (i64, String, String);

/// A fetched document (full text or landing page) and the funding texts found in it.
pub struct Document<'a> {
    pub work_id: i64,
    pub source: Source,
    pub kind: &'a str,
    /// How exports name where the text came from: "acknowledgment (Europe PMC full text)".
    pub origin: &'a str,
    pub url: &'a str,
    pub final_url: Option<&'a str>,
    pub status: Option<u16>,
    pub content_type: Option<&'a str>,
    pub sha256: Option<&'a str>,
    pub bytes: Option<usize>,
    /// Why nothing was read (404, not XML, malformed); the document is not fetched again.
    pub error: Option<&'a str>,
    pub texts: Vec<(String, String)>,
}

/// What a page changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PageOutcome {
    pub new_works: u64,
    pub changed: u64,
}

/// Totals of a finished run.
#[derive(Debug, Default, Clone)]
pub struct RunTotals {
    pub status: String,
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

/// Per-source results of a run.
#[derive(Debug, Default, Clone)]
pub struct SourceTotals {
    pub works: u64,
    pub announced: Option<u64>,
    pub requests: u64,
    pub retries: u64,
    pub errors: u64,
    pub status: String,
    pub message: Option<String>,
}

/// The database.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Open (creating the file and its folder if needed) and migrate.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let mut conn = Connection::open(path)?;
        // A page write uses ~20 distinct statements (bulk inserts of every remainder size
        // among them); the default cache of 16 would thrash.
        conn.set_prepared_statement_cache_capacity(128);
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        // Records are a few KB of JSON each: larger pages mean fewer overflow chains. Takes
        // effect only on a new, empty database (before WAL is switched on).
        conn.pragma_update(None, "page_size", 8192)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "cache_size", -65536)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // Checkpoint every ~64 MiB of WAL rather than 8: a scan writes in bursts of whole
        // pages, and each checkpoint writes everything a second time.
        conn.pragma_update(None, "wal_autocheckpoint", 8192)?;
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        backup_before_migrating(&conn, path)?;
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut conn)
            .map_err(|e| Error::Migration(e.to_string()))?;
        Ok(Store { conn })
    }

    /// A connection that cannot write, for `query`, `export` and `stats`.
    pub fn open_read_only(path: &Path) -> Result<Connection> {
        if !path.exists() {
            return Err(Error::Invalid(format!(
                "no database at {} — run `xrefscan scan` first or pass --db",
                path.display()
            )));
        }
        // Migrate first (a no-op when current) so readers see the current schema.
        drop(Store::open(path)?);
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "query_only", "ON")?;
        Ok(conn)
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn begin_run(&mut self, from: &str, to: &str, sources: &str) -> Result<i64> {
        // Callers hold the write lock, so a run still marked running was cut short.
        self.conn.execute(
            "UPDATE scan_runs SET status = 'interrupted', finished_at = COALESCE(finished_at, ?1),
                message = 'stopped before it finished (killed, crashed or interrupted); everything up to its last commit is kept and the next run resumes from there'
             WHERE status = 'running'",
            [now()],
        )?;
        self.conn.execute(
            "INSERT INTO scan_runs (started_at, from_date, to_date, sources) VALUES (?1, ?2, ?3, ?4)",
            params![now(), from, to, sources],
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
            "INSERT INTO run_sources (run_id, source, works, announced, requests, retries, errors, status, message)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (run_id, source) DO UPDATE SET works = excluded.works, announced = excluded.announced,
                requests = excluded.requests, retries = excluded.retries, errors = excluded.errors,
                status = excluded.status, message = excluded.message",
            params![
                run_id,
                source.as_str(),
                t.works as i64,
                t.announced.map(|a| a as i64),
                t.requests as i64,
                t.retries as i64,
                t.errors as i64,
                t.status,
                t.message
            ],
        )?;
        Ok(())
    }

    pub fn checkpoint(&self, source: Source, shard: &str) -> Result<Option<Checkpoint>> {
        Ok(self
            .conn
            .query_row(
                "SELECT cursor, done, items, announced FROM checkpoints WHERE source = ?1 AND shard = ?2",
                params![source.as_str(), shard],
                |r| {
                    Ok(Checkpoint {
                        cursor: r.get(0)?,
                        done: r.get::<_, i64>(1)? != 0,
                        items: r.get::<_, i64>(2)? as u64,
                        announced: r.get::<_, Option<i64>>(3)?.map(|a| a as u64),
                    })
                },
            )
            .optional()?)
    }

    /// Forget a shard's progress (`--refresh`, or an expired cursor).
    pub fn reset_checkpoint(&mut self, source: Source, shard: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM checkpoints WHERE source = ?1 AND shard = ?2",
            params![source.as_str(), shard],
        )?;
        Ok(())
    }

    /// Store one page of records and its checkpoint atomically.
    pub fn save_page(&mut self, page: &Page<'_>) -> Result<PageOutcome> {
        let tx = self.conn.transaction()?;
        let stamp = now();
        let outcome = save_records(&tx, page.source, page.records, page.run_id, &stamp)?;
        let c = &page.checkpoint;
        tx.prepare_cached(
            "INSERT INTO checkpoints (source, shard, cursor, done, items, announced, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (source, shard) DO UPDATE SET cursor = excluded.cursor, done = excluded.done,
                items = excluded.items, announced = excluded.announced, updated_at = excluded.updated_at",
        )?
        .execute(params![
            page.source.as_str(),
            page.shard,
            c.cursor,
            c.done as i64,
            c.items as i64,
            c.announced.map(|a| a as i64),
            stamp
        ])?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Keep a failure with its raw payload; the scan goes on.
    pub fn record_error(
        &self,
        run_id: Option<i64>,
        source: Source,
        url: Option<&str>,
        kind: &str,
        message: &str,
        raw: Option<&str>,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO scan_errors (run_id, source, url, kind, message, raw, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![run_id, source.as_str(), url, kind, message, raw, now()],
        )?;
        Ok(())
    }

    /// Remember DoD funder ids learnt at run time: `(id, name, registry id)`.
    pub fn save_dod_ids(
        &mut self,
        scheme: &str,
        ids: &[(String, String, Option<String>)],
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        let stamp = now();
        for (id, name, registry) in ids {
            tx.execute(
                "INSERT INTO dod_funder_ids (scheme, id, name, registry_id, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (scheme, id) DO UPDATE SET name = excluded.name, registry_id = excluded.registry_id,
                    fetched_at = excluded.fetched_at",
                params![scheme, id, name, registry, stamp],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Works with an open-access Europe PMC record whose full text has not been fetched yet
    /// (with `refetch`, also those fetched before, to catch changed texts):
    /// `(work_id, pmcid, doi)`.
    pub fn works_needing_full_text(
        &self,
        limit: usize,
        refetch: bool,
    ) -> Result<Vec<(i64, String, String)>> {
        let mut st = self.conn.prepare(
            "SELECT s.work_id, json_extract(s.raw_json, '$.pmcid'), COALESCE(w.doi, '')
             FROM source_records s JOIN works w ON w.id = s.work_id
             WHERE s.source = 'europepmc'
               AND json_extract(s.raw_json, '$.pmcid') IS NOT NULL
               AND (json_extract(s.raw_json, '$.isOpenAccess') = 'Y'
                    OR json_extract(s.raw_json, '$.inEPMC') = 'Y')
               AND NOT EXISTS (SELECT 1 FROM documents d
                               WHERE d.work_id = s.work_id AND d.kind = 'europepmc-fulltext'
                                 AND NOT (?2 AND d.error IS NULL))
             ORDER BY s.work_id LIMIT ?1",
        )?;
        let rows = st.query_map(params![limit as i64, refetch], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Works whose publisher page may show what their metadata lacks, in this order: a
    /// China-based coauthor but no DoD funding in the metadata, then DoD funding but no
    /// affiliations at all. Pages already fetched are left out, unless `refetch` asks for the
    /// ones read successfully to be fetched again (an unchanged hash changes nothing). Returns up to `limit`
    /// `(work_id, doi, reason)` and how many candidates there are in all.
    pub fn works_for_pages(
        &self,
        from: &str,
        to: &str,
        limit: usize,
        refetch: bool,
    ) -> Result<(Vec<PageCandidate>, u64)> {
        let cte = "WITH cand AS (
                SELECT w.id, w.doi, 'China-based coauthor, no DoD funding in metadata' AS reason,
                       1 AS pri, w.publication_date AS d
                FROM works w JOIN classifications c ON c.work_id = w.id
                WHERE c.china = 1 AND c.dod = 0 AND w.doi IS NOT NULL
                  AND w.publication_date BETWEEN ?1 AND ?2
                UNION ALL
                SELECT w.id, w.doi, 'DoD-funded, no affiliations in metadata', 2, w.publication_date
                FROM works w JOIN classifications c ON c.work_id = w.id
                WHERE c.dod = 1 AND w.doi IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM affiliations a WHERE a.work_id = w.id)
                  AND w.publication_date BETWEEN ?1 AND ?2
            ), todo AS (
                SELECT * FROM cand WHERE NOT EXISTS
                    (SELECT 1 FROM documents d WHERE d.work_id = cand.id AND d.kind = 'publisher-page'
                       AND NOT (?4 AND d.error IS NULL))
            )";
        let total: i64 = self.conn.query_row(
            &format!("{cte} SELECT COUNT(*) FROM todo WHERE ?3 IS NOT NULL"),
            params![from, to, limit as i64, refetch],
            |r| r.get(0),
        )?;
        let mut st = self.conn.prepare(&format!(
            "{cte} SELECT id, doi, reason FROM todo ORDER BY pri, d DESC, id LIMIT ?3"
        ))?;
        let rows = st.query_map(params![from, to, limit as i64, refetch], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok((rows.collect::<rusqlite::Result<_>>()?, total as u64))
    }

    /// Store a fetched document and the funding texts found in it, in one transaction. The
    /// work is marked for classification only when its texts changed.
    pub fn save_document(&mut self, doc: &Document<'_>) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let stamp = now();
        let previous: Option<(i64, Option<String>)> = tx
            .prepare_cached("SELECT id, sha256 FROM documents WHERE work_id = ?1 AND kind = ?2")?
            .query_row(params![doc.work_id, doc.kind], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let unchanged = previous
            .as_ref()
            .is_some_and(|(_, h)| h.is_some() && h.as_deref() == doc.sha256);
        tx.prepare_cached(
            "INSERT INTO documents (work_id, kind, url, final_url, status, content_type, sha256, bytes, fetched_at, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (work_id, kind) DO UPDATE SET url = excluded.url, final_url = excluded.final_url,
                status = excluded.status, content_type = excluded.content_type, sha256 = excluded.sha256,
                bytes = excluded.bytes, fetched_at = excluded.fetched_at, error = excluded.error",
        )?
        .execute(params![
            doc.work_id,
            doc.kind,
            doc.url,
            doc.final_url,
            doc.status,
            doc.content_type,
            doc.sha256,
            doc.bytes.map(|b| b as i64),
            stamp,
            doc.error
        ])?;
        let doc_id: i64 = tx
            .prepare_cached("SELECT id FROM documents WHERE work_id = ?1 AND kind = ?2")?
            .query_row(params![doc.work_id, doc.kind], |r| r.get(0))?;
        let mut changed = false;
        if !unchanged && doc.error.is_none() {
            tx.prepare_cached("DELETE FROM acknowledgments WHERE document_id = ?1")?
                .execute([doc_id])?;
            for (seq, (section, text)) in doc.texts.iter().enumerate() {
                tx.prepare_cached(
                    "INSERT INTO acknowledgments (work_id, document_id, source, origin, section, seq, text)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    doc.work_id,
                    doc_id,
                    doc.source.as_str(),
                    doc.origin,
                    section,
                    seq as i64,
                    text
                ])?;
            }
            tx.prepare_cached("UPDATE works SET dirty = 1 WHERE id = ?1")?
                .execute([doc.work_id])?;
            changed = true;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Record a reviewer's decision on a flagged paper. Returns the review's id.
    pub fn add_review(
        &mut self,
        doi: &str,
        status: &str,
        note: &str,
        reviewer: Option<&str>,
    ) -> Result<i64> {
        let flag: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT f.work_id, f.evidence_hash FROM flags f JOIN works w ON w.id = f.work_id
                 WHERE w.doi = ?1",
                [doi],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((work_id, hash)) = flag else {
            return Err(Error::Invalid(format!(
                "{doi} has never been flagged in this database; reviews are for flagged papers \
                 (see `xrefscan export` or `xrefscan query flagged_papers`)"
            )));
        };
        self.conn.execute(
            "INSERT INTO reviews (work_id, status, note, reviewer, at, evidence_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![work_id, status, note, reviewer, now(), hash],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every review of a paper, oldest first: `(at, status, note, reviewer, evidence changed
    /// since)`.
    pub fn review_history(&self, doi: &str) -> Result<Vec<ReviewRow>> {
        let mut st = self.conn.prepare(
            "SELECT r.at, r.status, r.note, r.reviewer, r.evidence_hash <> f.evidence_hash
             FROM reviews r JOIN works w ON w.id = r.work_id JOIN flags f ON f.work_id = r.work_id
             WHERE w.doi = ?1 ORDER BY r.id",
        )?;
        let rows = st.query_map([doi], |r| {
            Ok(ReviewRow {
                at: r.get(0)?,
                status: r.get(1)?,
                note: r.get(2)?,
                reviewer: r.get(3)?,
                evidence_changed: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Record a reviewer's correction; an earlier one of the same kind on the same string
    /// (and, for entities, the same entry) is retired. Returns the new override's id.
    pub fn add_override(
        &mut self,
        kind: &str,
        affiliation: &str,
        value: &str,
        note: &str,
        reviewer: Option<&str>,
    ) -> Result<i64> {
        let key = crate::classify::text::normalize(affiliation);
        let tx = self.conn.transaction()?;
        let same_value_matters = kind != "region";
        tx.execute(
            "UPDATE overrides SET active = 0 WHERE active = 1 AND affiliation = ?1
               AND (kind = ?2 OR (?2 <> 'region' AND kind <> 'region'))
               AND (?3 = 0 OR value = ?4)",
            params![key, kind, same_value_matters, value],
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

    /// The overrides in force.
    pub fn overrides(&self) -> Result<crate::classify::work::Overrides> {
        let mut st = self.conn.prepare(
            "SELECT kind, affiliation, value, note, COALESCE(reviewer, '') FROM overrides
             WHERE active = 1 ORDER BY id",
        )?;
        let mut o = crate::classify::work::Overrides::default();
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        for row in rows {
            let (kind, aff, value, note, by) = row?;
            o.add(&kind, aff, value, note, by);
        }
        Ok(o)
    }

    /// Store an imported entity list, replacing any earlier import with the same id.
    pub fn save_entity_list(
        &mut self,
        info: &ListInfo,
        file: &str,
        entries: &[Entry],
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM entity_entries WHERE list_id = ?1", [&info.id])?;
        tx.execute(
            "INSERT INTO entity_lists (id, title, source, as_of, licence, file, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET title = excluded.title, source = excluded.source,
                as_of = excluded.as_of, licence = excluded.licence, file = excluded.file,
                imported_at = excluded.imported_at",
            params![
                info.id,
                info.title,
                info.source,
                info.as_of,
                info.licence,
                file,
                now()
            ],
        )?;
        {
            let mut st = tx.prepare(
                "INSERT INTO entity_entries (list_id, name, aliases, detail) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for e in entries {
                st.execute(params![info.id, e.name, e.aliases.join("|"), e.detail])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Lists imported into this database, with their entries.
    pub fn entity_lists(&self) -> Result<Vec<(ListInfo, Vec<Entry>)>> {
        load_entity_lists(&self.conn)
    }

    pub fn dod_ids(&self, scheme: &str) -> Result<Vec<(String, String, Option<String>)>> {
        let mut st = self
            .conn
            .prepare("SELECT id, COALESCE(name, ''), registry_id FROM dod_funder_ids WHERE scheme = ?1 ORDER BY id")?;
        let rows = st.query_map([scheme], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Works in the window (or undated) that have a DOI but no record from `source` yet and
    /// that `source` has not already said it lacks.
    pub fn works_missing_source(
        &self,
        source: Source,
        from: &str,
        to: &str,
    ) -> Result<Vec<(i64, String)>> {
        let mut st = self.conn.prepare(
            "SELECT w.id, w.doi FROM works w
             WHERE w.doi IS NOT NULL
               AND (w.publication_date IS NULL
                    OR substr(w.publication_date || '-01-01', 1, 10) BETWEEN ?2 AND ?3)
               AND NOT EXISTS (SELECT 1 FROM source_records s WHERE s.work_id = w.id AND s.source = ?1)
               AND NOT EXISTS (SELECT 1 FROM source_misses m WHERE m.work_id = w.id AND m.source = ?1)
             ORDER BY w.id",
        )?;
        let rows = st.query_map(params![source.as_str(), from, to], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Store a batch of enrichment records and the works the source did not have, atomically.
    pub fn save_enrichment(
        &mut self,
        run_id: i64,
        source: Source,
        records: &[WorkRecord],
        misses: &[i64],
    ) -> Result<PageOutcome> {
        let tx = self.conn.transaction()?;
        let stamp = now();
        let outcome = save_records(&tx, source, records, run_id, &stamp)?;
        for id in misses {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO source_misses (work_id, source, checked_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![id, source.as_str(), stamp])?;
        }
        tx.commit()?;
        Ok(outcome)
    }

    pub fn dirty_work_ids(&self) -> Result<Vec<i64>> {
        let mut st = self
            .conn
            .prepare("SELECT id FROM works WHERE dirty = 1 ORDER BY id")?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Mark every work for reclassification (after a rule or list change).
    pub fn mark_all_dirty(&mut self) -> Result<u64> {
        Ok(self.conn.execute("UPDATE works SET dirty = 1", [])? as u64)
    }

    /// Everything stored about a work, across sources.
    pub fn work_facts(&self, work_id: i64) -> Result<WorkFacts> {
        let mut facts = WorkFacts::default();
        let mut st = self.conn.prepare_cached(
            "SELECT source, origin, section, text FROM acknowledgments WHERE work_id = ?1
             ORDER BY document_id, seq",
        )?;
        let acks = st.query_map([work_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for a in acks {
            let (source, origin, section, text) = a?;
            if let Some(source) = Source::parse(&source) {
                facts.acknowledgments.push(AckFact {
                    source,
                    origin,
                    section,
                    text,
                });
            }
        }
        let mut st = self.conn.prepare_cached(
            "SELECT f.source, f.seq, f.funder_id, f.name, f.ror, f.asserted_by FROM funders f
             WHERE f.work_id = ?1 ORDER BY f.source, f.seq",
        )?;
        let funders: Vec<(String, i64, FunderRecord)> = st
            .query_map([work_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    FunderRecord {
                        funder_id: r.get(2)?,
                        name: r.get(3)?,
                        ror: r.get(4)?,
                        awards: Vec::new(),
                        asserted_by: r.get(5)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut aw = self.conn.prepare_cached(
            "SELECT award_number FROM awards WHERE work_id = ?1 AND source = ?2 AND funder_seq = ?3 ORDER BY seq",
        )?;
        for (source, seq, mut f) in funders {
            f.awards = aw
                .query_map(params![work_id, source, seq], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            if let Some(s) = Source::parse(&source) {
                facts.funders.push((s, f));
            }
        }
        let mut st = self.conn.prepare_cached(
            "SELECT a.source, a.author_position, au.name, a.raw_string, a.institution_name, a.institution_id,
                    a.ror, a.country_code, au.countries
             FROM affiliations a
             LEFT JOIN authorships au ON au.work_id = a.work_id AND au.source = a.source AND au.position = a.author_position
             WHERE a.work_id = ?1 ORDER BY a.source, a.author_position, a.seq",
        )?;
        let rows = st.query_map([work_id], |r| {
            let source: String = r.get(0)?;
            let countries: Option<String> = r.get(8)?;
            Ok((
                source,
                AffiliationFact {
                    source: Source::Crossref,
                    author_position: r.get::<_, i64>(1)? as u32,
                    author_name: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    affiliation: AffiliationRecord {
                        raw: r.get(3)?,
                        institution_name: r.get(4)?,
                        institution_id: r.get(5)?,
                        ror: r.get(6)?,
                        country_code: r.get(7)?,
                    },
                    author_countries: countries
                        .map(|c| {
                            c.split(',')
                                .filter(|s| !s.is_empty())
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default(),
                },
            ))
        })?;
        for row in rows {
            let (source, mut fact) = row?;
            if let Some(s) = Source::parse(&source) {
                fact.source = s;
                facts.affiliations.push(fact);
            }
        }
        Ok(facts)
    }

    /// Store decisions for a batch of works in one transaction. Returns `(candidates, flagged,
    /// new flags)` among the batch.
    pub fn apply_decisions(
        &mut self,
        run_id: Option<i64>,
        decisions: &[(i64, WorkDecision)],
    ) -> Result<(u64, u64, u64)> {
        let tx = self.conn.transaction()?;
        let stamp = now();
        let (mut candidates, mut flagged, mut new_flags) = (0, 0, 0);
        for (work_id, d) in decisions {
            candidates += !d.dod.is_empty() as u64;
            tx.prepare_cached(
                "INSERT INTO classifications (work_id, dod, china, classified_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (work_id) DO UPDATE SET dod = excluded.dod, china = excluded.china,
                    classified_at = excluded.classified_at",
            )?
            .execute(params![work_id, !d.dod.is_empty(), !d.china.is_empty(), stamp])?;
            let existing: Option<i64> = tx
                .prepare_cached("SELECT active FROM flags WHERE work_id = ?1")?
                .query_row([work_id], |r| r.get(0))
                .optional()?;
            if d.flagged() {
                flagged += 1;
                let cols = FlagColumns::from(d);
                if existing.is_some() {
                    tx.prepare_cached(
                        "UPDATE flags SET active = 1, last_run_id = ?2, updated_at = ?3, dod_components = ?4,
                            award_numbers = ?5, dod_evidence = ?6, china_institutions = ?7, china_regions = ?8,
                            china_evidence = ?9, tier = ?10, entity_hits = ?11, evidence_hash = ?12
                         WHERE work_id = ?1",
                    )?
                    .execute(params![
                        work_id,
                        run_id,
                        stamp,
                        cols.dod_components,
                        cols.award_numbers,
                        cols.dod_evidence,
                        cols.china_institutions,
                        cols.china_regions,
                        cols.china_evidence,
                        cols.tier,
                        cols.entity_hits,
                        cols.evidence_hash()
                    ])?;
                } else {
                    new_flags += 1;
                    tx.prepare_cached(
                        "INSERT INTO flags (work_id, active, first_flagged_at, first_run_id, last_run_id, updated_at,
                            dod_components, award_numbers, dod_evidence, china_institutions, china_regions, china_evidence,
                            tier, entity_hits, evidence_hash)
                         VALUES (?1, 1, ?2, ?3, ?3, ?2, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    )?
                    .execute(params![
                        work_id,
                        stamp,
                        run_id,
                        cols.dod_components,
                        cols.award_numbers,
                        cols.dod_evidence,
                        cols.china_institutions,
                        cols.china_regions,
                        cols.china_evidence,
                        cols.tier,
                        cols.entity_hits,
                        cols.evidence_hash()
                    ])?;
                }
                tx.prepare_cached("DELETE FROM flag_evidence WHERE work_id = ?1")?
                    .execute([work_id])?;
                for e in &d.dod {
                    tx.prepare_cached(
                        "INSERT INTO flag_evidence (work_id, kind, source, summary, component, via, matched, funder_name, funder_id, awards)
                         VALUES (?1, 'dod', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    )?
                    .execute(params![
                        work_id,
                        e.source.as_str(),
                        e.describe(),
                        e.component,
                        e.via.as_str(),
                        e.matched(),
                        e.funder_name,
                        e.funder_id,
                        e.awards.join("; ")
                    ])?;
                }
                for e in &d.china {
                    tx.prepare_cached(
                        "INSERT INTO flag_evidence (work_id, kind, source, summary, via, matched, author_position, author_name,
                            affiliation, institution, country_code, region)
                         VALUES (?1, 'china', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    )?
                    .execute(params![
                        work_id,
                        e.source.as_str(),
                        e.describe(),
                        e.level,
                        e.matched,
                        e.author_position,
                        e.author_name,
                        e.affiliation,
                        e.institution,
                        e.country_code,
                        e.region.as_str()
                    ])?;
                    for h in &e.entities {
                        tx.prepare_cached(
                            "INSERT INTO flag_evidence (work_id, kind, source, summary, component, via, matched,
                                author_position, author_name, affiliation, institution, region)
                             VALUES (?1, 'entity', ?2, ?3, ?4, 'entity list', ?5, ?6, ?7, ?8, ?9, ?10)",
                        )?
                        .execute(params![
                            work_id,
                            e.source.as_str(),
                            format!("{} — {}", h.describe(), h.detail),
                            h.list,
                            h.matched,
                            e.author_position,
                            e.author_name,
                            e.affiliation,
                            h.entry,
                            e.region.as_str()
                        ])?;
                    }
                }
            } else if existing == Some(1) {
                tx.prepare_cached("UPDATE flags SET active = 0, last_run_id = ?2, updated_at = ?3 WHERE work_id = ?1")?
                    .execute(params![work_id, run_id, stamp])?;
            }
            tx.prepare_cached("UPDATE works SET dirty = 0 WHERE id = ?1")?
                .execute([work_id])?;
        }
        tx.commit()?;
        Ok((candidates, flagged, new_flags))
    }

    /// Count of a simple query, for summaries.
    pub fn count(&self, sql: &str) -> Result<u64> {
        Ok(self.conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
    }
}

/// Before a migration changes a database that holds data, copy it whole (`VACUUM INTO`) to
/// `backups/` beside it, so a failed or unwanted migration loses nothing.
fn backup_before_migrating(conn: &Connection, path: &Path) -> Result<Option<std::path::PathBuf>> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version == 0 || version as usize >= MIGRATIONS.len() {
        return Ok(None);
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("backups");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "xrefscan".into());
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let target = dir.join(format!("{stem}-schema{version}-{stamp}.sqlite"));
    conn.execute("VACUUM INTO ?1", [target.to_string_lossy()])?;
    tracing::warn!(
        "database schema {version} → {}: a copy was kept at {}",
        MIGRATIONS.len(),
        target.display()
    );
    Ok(Some(target))
}

/// The one-writer guard: an exclusive lock on `<db>.lock`, held for as long as this value
/// lives. The operating system releases it when the process dies, so a killed scan never
/// leaves the database locked.
#[derive(Debug)]
pub struct WriteLock {
    _file: std::fs::File,
}

impl WriteLock {
    /// Take the lock, or say who holds it; with `wait`, queue behind the holder.
    pub fn acquire(db: &Path, what: &str, wait: bool) -> Result<WriteLock> {
        use std::io::{Read, Seek, Write};
        if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let path = {
            let mut p = db.as_os_str().to_owned();
            p.push(".lock");
            std::path::PathBuf::from(p)
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) if !wait => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(Error::Locked(if holder.is_empty() {
                    "holder unknown".into()
                } else {
                    holder.to_string()
                }));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                tracing::warn!("waiting for the other xrefscan to finish writing");
                file.lock().map_err(|e| Error::io(&path, e))?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "{what}, pid {}, since {}", std::process::id(), now());
        let _ = file.flush();
        Ok(WriteLock { _file: file })
    }
}

/// Lists imported into a database (read-only connections too), with their entries.
pub fn load_entity_lists(conn: &Connection) -> Result<Vec<(ListInfo, Vec<Entry>)>> {
    let mut st = conn.prepare(
        "SELECT id, title, source, as_of, licence, file, imported_at FROM entity_lists ORDER BY id",
    )?;
    let infos: Vec<ListInfo> = st
        .query_map([], |r| {
            Ok(ListInfo {
                id: r.get(0)?,
                title: r.get(1)?,
                source: r.get(2)?,
                as_of: r.get(3)?,
                licence: r.get(4)?,
                entries: 0,
                origin: format!(
                    "imported {} from {}",
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(5)?
                ),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for mut info in infos {
        let mut st = conn.prepare_cached(
            "SELECT name, aliases, detail FROM entity_entries WHERE list_id = ?1 ORDER BY rowid",
        )?;
        let entries: Vec<Entry> = st
            .query_map([&info.id], |r| {
                let aliases: String = r.get(1)?;
                Ok(Entry {
                    list_id: info.id.clone(),
                    name: r.get(0)?,
                    aliases: aliases
                        .split('|')
                        .filter(|a| !a.is_empty())
                        .map(str::to_string)
                        .collect(),
                    detail: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        info.entries = entries.len();
        out.push((info, entries));
    }
    Ok(out)
}

/// The denormalised text columns of a flag, as exports show them.
struct FlagColumns {
    dod_components: String,
    award_numbers: String,
    dod_evidence: String,
    china_institutions: String,
    china_regions: String,
    china_evidence: String,
    tier: Option<u8>,
    entity_hits: String,
}

impl FlagColumns {
    /// What a reviewer decided on: the evidence, not when it was stored.
    fn evidence_hash(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for part in [
            &self.dod_evidence,
            &self.china_evidence,
            &self.entity_hits,
            &self.award_numbers,
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        format!("{:x}", h.finalize())
    }
}

impl From<&WorkDecision> for FlagColumns {
    fn from(d: &WorkDecision) -> Self {
        let mut components = Vec::new();
        let mut awards = Vec::new();
        // Components named by a funder's identity; the services of award issuing offices
        // only when nothing else names one.
        let named = d
            .dod
            .iter()
            .any(|e| e.via != crate::classify::dod::Via::Award);
        for e in &d.dod {
            if !named || e.via != crate::classify::dod::Via::Award {
                push_unique(&mut components, &e.component);
            }
            for a in &e.awards {
                push_unique(&mut awards, a.trim());
            }
        }
        let mut institutions = Vec::new();
        let mut regions = BTreeSet::new();
        let mut hits = Vec::new();
        for e in &d.china {
            for h in &e.entities {
                push_unique(&mut hits, &h.describe());
            }
            push_unique(
                &mut institutions,
                e.institution.as_deref().unwrap_or(&e.affiliation).trim(),
            );
            regions.insert(e.region.as_str());
        }
        FlagColumns {
            dod_components: components.join("; "),
            award_numbers: awards.join("; "),
            dod_evidence: d
                .dod
                .iter()
                .map(|e| e.describe())
                .collect::<Vec<_>>()
                .join(" | "),
            china_institutions: institutions.join("; "),
            china_regions: regions.into_iter().collect::<Vec<_>>().join("; "),
            china_evidence: d
                .china
                .iter()
                .map(|e| e.describe())
                .collect::<Vec<_>>()
                .join(" | "),
            tier: d.tier(),
            entity_hits: hits.join(" | "),
        }
    }
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !s.is_empty() && !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// Insert or update records; the child rows (authors, affiliations, funders, awards) of the
/// whole batch go in with multi-row INSERTs, because per-statement overhead, not SQLite's
/// B-trees, is what limits a one-row-at-a-time writer.
fn save_records(
    tx: &rusqlite::Transaction<'_>,
    source: Source,
    records: &[WorkRecord],
    run_id: i64,
    stamp: &str,
) -> Result<PageOutcome> {
    let mut outcome = PageOutcome::default();
    let mut changed: Vec<(i64, &WorkRecord)> = Vec::with_capacity(records.len());
    for rec in records {
        if let Some((id, is_new)) = save_work(tx, source, rec, run_id, stamp)? {
            outcome.new_works += is_new as u64;
            outcome.changed += 1;
            changed.push((id, rec));
        }
    }
    let src = text(source.as_str());
    let mut authors: Vec<ToSqlOutput<'_>> = Vec::new();
    let mut affs: Vec<ToSqlOutput<'_>> = Vec::new();
    let mut funders: Vec<ToSqlOutput<'_>> = Vec::new();
    let mut awards: Vec<ToSqlOutput<'_>> = Vec::new();
    let mut countries: Vec<Option<String>> = Vec::new();
    for (_, rec) in &changed {
        for a in &rec.authors {
            countries.push((!a.countries.is_empty()).then(|| a.countries.join(",")));
        }
    }
    let mut c = 0;
    for (id, rec) in &changed {
        for (pos, a) in rec.authors.iter().enumerate() {
            authors.extend([
                int(*id),
                src.clone(),
                int(pos as i64),
                text(&a.name),
                opt(&a.orcid),
                opt(&a.openalex_id),
                opt(&countries[c]),
            ]);
            c += 1;
            for (seq, af) in a.affiliations.iter().enumerate() {
                affs.extend([
                    int(*id),
                    src.clone(),
                    int(pos as i64),
                    int(seq as i64),
                    opt(&af.raw),
                    opt(&af.institution_name),
                    opt(&af.institution_id),
                    opt(&af.ror),
                    opt(&af.country_code),
                ]);
            }
        }
        for (seq, f) in rec.funders.iter().enumerate() {
            funders.extend([
                int(*id),
                src.clone(),
                int(seq as i64),
                opt(&f.funder_id),
                opt(&f.name),
                opt(&f.ror),
                opt(&f.asserted_by),
            ]);
            for (aseq, award) in f.awards.iter().enumerate() {
                awards.extend([
                    int(*id),
                    src.clone(),
                    int(seq as i64),
                    int(aseq as i64),
                    text(award),
                ]);
            }
        }
    }
    bulk_insert(
        tx,
        "authorships",
        &[
            "work_id",
            "source",
            "position",
            "name",
            "orcid",
            "openalex_author_id",
            "countries",
        ],
        &authors,
    )?;
    bulk_insert(
        tx,
        "affiliations",
        &[
            "work_id",
            "source",
            "author_position",
            "seq",
            "raw_string",
            "institution_name",
            "institution_id",
            "ror",
            "country_code",
        ],
        &affs,
    )?;
    bulk_insert(
        tx,
        "funders",
        &[
            "work_id",
            "source",
            "seq",
            "funder_id",
            "name",
            "ror",
            "asserted_by",
        ],
        &funders,
    )?;
    bulk_insert(
        tx,
        "awards",
        &["work_id", "source", "funder_seq", "seq", "award_number"],
        &awards,
    )?;
    Ok(outcome)
}

fn text(s: &str) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))
}

fn opt(s: &Option<String>) -> ToSqlOutput<'_> {
    match s {
        Some(s) => text(s),
        None => ToSqlOutput::Owned(Value::Null),
    }
}

fn int(n: i64) -> ToSqlOutput<'static> {
    ToSqlOutput::Owned(Value::Integer(n))
}

/// Insert `values` (row-major, `cols.len()` per row) in statements of up to 64 rows.
fn bulk_insert(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    cols: &[&str],
    values: &[ToSqlOutput<'_>],
) -> Result<()> {
    const ROWS: usize = 64;
    let width = cols.len();
    for chunk in values.chunks(ROWS * width) {
        let n = chunk.len() / width;
        let row = format!("({})", vec!["?"; width].join(","));
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {}",
            cols.join(","),
            vec![row; n].join(",")
        );
        tx.prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(chunk.iter()))?;
    }
    Ok(())
}

/// Insert or update the work row and its raw record. Returns `None` when the source sent the
/// same JSON as last time (nothing to do), else the work id and whether it is new; an
/// existing work's child rows from this source are cleared for re-insertion.
fn save_work(
    tx: &rusqlite::Transaction<'_>,
    source: Source,
    rec: &WorkRecord,
    run_id: i64,
    stamp: &str,
) -> Result<Option<(i64, bool)>> {
    let mut existing: Option<i64> = None;
    if let Some(doi) = &rec.doi {
        existing = tx
            .prepare_cached("SELECT id FROM works WHERE doi = ?1")?
            .query_row([doi], |r| r.get(0))
            .optional()?;
    }
    if existing.is_none()
        && let Some(oa) = &rec.openalex_id
    {
        existing = tx
            .prepare_cached("SELECT id FROM works WHERE openalex_id = ?1")?
            .query_row([oa], |r| r.get(0))
            .optional()?;
    }
    let (work_id, is_new) = match existing {
        Some(id) => {
            let same: Option<i64> = tx
                .prepare_cached("SELECT 1 FROM source_records WHERE work_id = ?1 AND source = ?2 AND raw_json = ?3")?
                .query_row(params![id, source.as_str(), rec.raw], |r| r.get(0))
                .optional()?;
            if same.is_some() {
                return Ok(None);
            }
            // Crossref is the publisher's word: it overwrites; other sources fill gaps.
            let sql = if source == Source::Crossref {
                "UPDATE works SET doi = COALESCE(doi, ?2), openalex_id = COALESCE(openalex_id, ?3),
                    title = COALESCE(?4, title), publication_date = COALESCE(?5, publication_date),
                    venue = COALESCE(?6, venue), work_type = COALESCE(?7, work_type), updated_at = ?8, dirty = 1
                 WHERE id = ?1"
            } else {
                "UPDATE works SET doi = COALESCE(doi, ?2), openalex_id = COALESCE(openalex_id, ?3),
                    title = COALESCE(title, ?4), publication_date = COALESCE(publication_date, ?5),
                    venue = COALESCE(venue, ?6), work_type = COALESCE(work_type, ?7), updated_at = ?8, dirty = 1
                 WHERE id = ?1"
            };
            tx.prepare_cached(sql)?.execute(params![
                id,
                rec.doi,
                rec.openalex_id,
                rec.title,
                rec.publication_date,
                rec.venue,
                rec.work_type,
                stamp
            ])?;
            for table in ["authorships", "affiliations", "funders", "awards"] {
                tx.prepare_cached(&format!(
                    "DELETE FROM {table} WHERE work_id = ?1 AND source = ?2"
                ))?
                .execute(params![id, source.as_str()])?;
            }
            tx.prepare_cached("DELETE FROM source_misses WHERE work_id = ?1 AND source = ?2")?
                .execute(params![id, source.as_str()])?;
            (id, false)
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO works (doi, openalex_id, title, publication_date, venue, work_type, first_seen_at, updated_at, dirty)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 1)",
            )?
            .execute(params![
                rec.doi,
                rec.openalex_id,
                rec.title,
                rec.publication_date,
                rec.venue,
                rec.work_type,
                stamp
            ])?;
            (tx.last_insert_rowid(), true)
        }
    };
    tx.prepare_cached(
        "INSERT INTO source_records (work_id, source, source_key, raw_json, fetched_at, run_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (work_id, source) DO UPDATE SET source_key = excluded.source_key, raw_json = excluded.raw_json,
            fetched_at = excluded.fetched_at, run_id = excluded.run_id",
    )?
    .execute(params![work_id, source.as_str(), rec.key().unwrap_or_default(), rec.raw, stamp, run_id])?;
    Ok(Some((work_id, is_new)))
}

/// The store behind a mutex, for async callers: every write runs on a blocking thread and the
/// mutex makes this process's writer the only one.
#[derive(Clone)]
pub struct SharedStore(std::sync::Arc<std::sync::Mutex<Store>>);

impl SharedStore {
    pub fn new(store: Store) -> SharedStore {
        SharedStore(std::sync::Arc::new(std::sync::Mutex::new(store)))
    }

    /// Run `f` with the store on a blocking thread.
    pub async fn run<F, R>(&self, f: F) -> Result<R>
    where
        F: FnOnce(&mut Store) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = inner.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| Error::Invalid(format!("store task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_of_the_first_schema_migrates_with_its_flags_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(include_str!("../../db/migrations/0001_initial.sql"))
                .unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute_batch(
                "INSERT INTO works (id, doi, title, first_seen_at, updated_at, dirty)
                    VALUES (7, '10.1/x', 'Old', '2026-01-01', '2026-01-01', 0);
                 INSERT INTO flags (work_id, first_flagged_at, updated_at, dod_components, award_numbers,
                    dod_evidence, china_institutions, china_regions, china_evidence)
                    VALUES (7, '2026-01-02', '2026-01-02', 'Office of Naval Research', 'N00014-21-1-2345',
                    'e', 'Fudan University', 'CN', 'c');",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let (doi, first, tier, dirty): (String, String, Option<i64>, i64) = store
            .conn
            .query_row(
                "SELECT p.doi, p.first_flagged_at, p.tier, w.dirty FROM flagged_papers p
                 JOIN works w ON w.id = p.work_id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!((doi.as_str(), first.as_str()), ("10.1/x", "2026-01-02"));
        assert_eq!(tier, None, "tier comes with the next classification");
        assert_eq!(dirty, 1, "flagged works are queued for reclassification");
        assert!(store.entity_lists().unwrap().is_empty());
        // The database as it was is kept before the migration touched it.
        let backups: Vec<_> = std::fs::read_dir(dir.path().join("backups"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(backups.len(), 1, "{backups:?}");
        let old = Connection::open(&backups[0]).unwrap();
        let v: i64 = old
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
        let n: i64 = old
            .query_row("SELECT COUNT(*) FROM flags", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        drop(store);
        // Opening a current database takes no copy.
        Store::open(&path).unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path().join("backups"))
                .unwrap()
                .count(),
            1
        );
    }
}

#[cfg(test)]
mod migration_tests {
    use super::*;

    #[test]
    fn the_previous_schema_migrates_with_works_flags_and_reviews_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prev.sqlite");
        let previous = MIGRATIONS.len() - 1;
        {
            let mut conn = Connection::open(&path).unwrap();
            Migrations::from_slice(MIGRATIONS)
                .to_version(&mut conn, previous)
                .unwrap();
            conn.execute_batch(
                "INSERT INTO works (id, doi, title, first_seen_at, updated_at, dirty)
                    VALUES (3, '10.1/r', 'Reviewed', '2026-01-01', '2026-01-01', 0);
                 INSERT INTO flags (work_id, first_flagged_at, updated_at, dod_components, award_numbers,
                    dod_evidence, china_institutions, china_regions, china_evidence, tier, entity_hits, evidence_hash)
                    VALUES (3, '2026-01-02', '2026-01-02', 'ONR', 'N00014-21-1-2345', 'e', 'Fudan University',
                    'CN', 'c', 2, '', 'h1');
                 INSERT INTO reviews (work_id, status, note, reviewer, at, evidence_hash)
                    VALUES (3, 'dismissed', 'US-only funding', 'J. Staff', '2026-01-03', 'h1');",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let (doi, status, note, changed): (String, String, String, i64) = store
            .conn
            .query_row(
                "SELECT doi, review_status, review_note, evidence_changed_since_review FROM flagged_papers",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            (doi.as_str(), status.as_str(), note.as_str(), changed),
            ("10.1/r", "dismissed", "US-only funding", 0)
        );
        assert_eq!(store.review_history("10.1/r").unwrap().len(), 1);
        assert!(dir.path().join("backups").is_dir(), "a copy was kept first");
    }
}
