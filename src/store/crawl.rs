//! What a crawl writes as it goes: pages of records with their checkpoint (one transaction
//! each), enrichment batches with the works a source did not have, recorded problems, and the
//! DoD funder ids learnt at run time.

use super::records::save_records;
use super::{Db, now};
use crate::error::Result;
use crate::model::{Checkpoint, PageOutcome, Problem, Source, WorkRecord};
use rusqlite::{OptionalExtension, params};

/// One page to store with the checkpoint that follows it.
#[derive(Debug)]
pub struct Page<'a> {
    pub run_id: i64,
    pub source: Source,
    pub shard: &'a str,
    pub checkpoint: Checkpoint,
    pub records: &'a [WorkRecord],
}

/// What the crawl keys of each route start with (see `scan::window`), and the route's name.
pub const ROUTES: &[(&str, &str)] = &[
    ("funder", "funder id"),
    ("has-funder", "funder name or award number"),
    ("discover", "funder id and country"),
    (
        "search-names",
        "component name in grants or acknowledgments",
    ),
    ("search-awards", "award number in grants or acknowledgments"),
];

/// "crossref funder id" for a page of crawl key `funder:100000005:…`.
fn route_of(source: Source, key: &str) -> String {
    let prefix = key.split(':').next().unwrap_or("");
    let name = ROUTES
        .iter()
        .find(|(p, _)| *p == prefix)
        .map_or(prefix, |(_, n)| n);
    format!("{source} {name}")
}

impl Db {
    pub fn checkpoint(&self, source: Source, shard: &str) -> Result<Option<Checkpoint>> {
        Ok(self
            .conn
            .query_row(
                "SELECT cursor, done, items, announced FROM checkpoints WHERE source = ?1 AND shard = ?2",
                params![source, shard],
                |r| {
                    Ok(Checkpoint {
                        cursor: r.get("cursor")?,
                        done: r.get::<_, i64>("done")? != 0,
                        items: r.get::<_, i64>("items")? as u64,
                        announced: r.get::<_, Option<i64>>("announced")?.map(|a| a as u64),
                    })
                },
            )
            .optional()?)
    }

    /// Forget a shard's progress (`--refresh`, or an expired cursor).
    pub fn reset_checkpoint(&mut self, source: Source, shard: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM checkpoints WHERE source = ?1 AND shard = ?2",
            params![source, shard],
        )?;
        Ok(())
    }

    /// Store one page of records and its checkpoint atomically.
    pub fn save_page(&mut self, page: &Page<'_>) -> Result<PageOutcome> {
        let tx = self.conn.transaction()?;
        let stamp = now();
        let outcome = save_records(&tx, page.source, page.records, page.run_id, &stamp)?;
        // The route is named by the crawl key: "crossref funder id", "europepmc award number".
        let route = route_of(page.source, page.shard);
        for rec in page.records {
            let Some(doi) = &rec.doi else { continue };
            tx.prepare_cached(
                "INSERT OR IGNORE INTO discovered_by (work_id, route, first_run_id)
                 SELECT id, ?2, ?3 FROM works WHERE doi = ?1",
            )?
            .execute(params![doi, route, page.run_id])?;
        }
        let c = &page.checkpoint;
        tx.prepare_cached(
            "INSERT INTO checkpoints (source, shard, cursor, done, items, announced, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (source, shard) DO UPDATE SET cursor = excluded.cursor, done = excluded.done,
                items = excluded.items, announced = excluded.announced, updated_at = excluded.updated_at",
        )?
        .execute(params![
            page.source,
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
            .execute(params![id, source, stamp])?;
        }
        tx.commit()?;
        Ok(outcome)
    }

    /// Works in the window (or undated) that have a DOI but no record from `source` yet and
    /// that `source` has not already said it lacks, with ids above `after` (a follower that
    /// has seen the works up to an id asks only for what came since): `(work_id, doi)`.
    pub fn works_missing_source(
        &self,
        source: Source,
        from: &str,
        to: &str,
        after: i64,
    ) -> Result<Vec<(i64, String)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT w.id, w.doi FROM works w
             WHERE w.id > ?4 AND w.doi IS NOT NULL
               AND (w.publication_date IS NULL
                    OR substr(w.publication_date || '-01-01', 1, 10) BETWEEN ?2 AND ?3)
               AND NOT EXISTS (SELECT 1 FROM source_records s WHERE s.work_id = w.id AND s.source = ?1)
               AND NOT EXISTS (SELECT 1 FROM source_misses m WHERE m.work_id = w.id AND m.source = ?1)
             ORDER BY w.id",
        )?;
        let rows = st.query_map(params![source, from, to, after], |r| {
            Ok((r.get("id")?, r.get("doi")?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Works that could become a flag — China-linked without DoD funding, or DoD-funded
    /// without a China-based author — in `from..=to`, whose record from `source` was fetched
    /// before `cutoff`, or that `source` said before `cutoff` it did not have (indexes ingest
    /// works and enrich records late): `(work_id, doi)`, the longest unasked first, at most
    /// `limit`.
    pub fn works_to_revisit(
        &self,
        source: Source,
        from: &str,
        to: &str,
        cutoff: &str,
        limit: usize,
    ) -> Result<Vec<(i64, String)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT w.id, w.doi,
                    COALESCE((SELECT s.fetched_at FROM source_records s
                              WHERE s.work_id = w.id AND s.source = ?1),
                             (SELECT m.checked_at FROM source_misses m
                              WHERE m.work_id = w.id AND m.source = ?1)) AS asked
             FROM works w JOIN classifications c ON c.work_id = w.id
             WHERE w.doi IS NOT NULL AND c.china + c.dod = 1
               AND substr(w.publication_date || '-01-01', 1, 10) BETWEEN ?2 AND ?3
               AND asked < ?4
             ORDER BY asked, w.id LIMIT ?5",
        )?;
        let rows = st.query_map(params![source, from, to, cutoff, limit as i64], |r| {
            Ok((r.get("id")?, r.get("doi")?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Note that `source` was asked about these works now (a record that came back unchanged
    /// is not rewritten), so a revisit does not ask them again before their time.
    pub fn mark_asked(&mut self, source: Source, ids: &[i64]) -> Result<()> {
        let tx = self.conn.transaction()?;
        let stamp = now();
        for id in ids {
            tx.prepare_cached(
                "UPDATE source_records SET fetched_at = ?3 WHERE work_id = ?1 AND source = ?2",
            )?
            .execute(params![id, source, stamp])?;
            tx.prepare_cached(
                "UPDATE source_misses SET checked_at = ?3 WHERE work_id = ?1 AND source = ?2",
            )?
            .execute(params![id, source, stamp])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Works whose only record from `source` is a light one (no title, no authors): found by a
    /// filtering crawl, their full record still to be fetched. `(work_id, doi)`.
    pub fn works_with_light_records(&self, source: Source) -> Result<Vec<(i64, String)>> {
        let mut st = self.conn.prepare(
            "SELECT w.id, w.doi FROM source_records s JOIN works w ON w.id = s.work_id
             WHERE s.source = ?1 AND w.doi IS NOT NULL
               AND json_extract(s.raw_json, '$.title') IS NULL
               AND json_extract(s.raw_json, '$.author') IS NULL
               AND NOT EXISTS (SELECT 1 FROM source_misses m WHERE m.work_id = w.id AND m.source = ?1)
             ORDER BY w.id",
        )?;
        let rows = st.query_map([source], |r| Ok((r.get("id")?, r.get("doi")?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Keep a problem with its raw payload; the scan goes on.
    pub fn record_problem(&self, run_id: Option<i64>, p: &Problem) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO scan_errors (run_id, source, url, kind, message, raw, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                run_id,
                p.source,
                p.url,
                p.kind,
                p.message,
                p.raw,
                now()
            ])?;
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

    /// DoD funder ids learnt by earlier scans: `(id, name, registry id)`.
    pub fn dod_ids(&self, scheme: &str) -> Result<Vec<(String, String, Option<String>)>> {
        let mut st = self.conn.prepare(
            "SELECT id, COALESCE(name, '') AS name, registry_id FROM dod_funder_ids
             WHERE scheme = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([scheme], |r| {
            Ok((r.get("id")?, r.get("name")?, r.get("registry_id")?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
