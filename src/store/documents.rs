//! Fetched documents (Europe PMC full texts, publisher pages) with the acknowledgment and
//! funding texts found in them, and the choice of which documents to fetch next. Every answer
//! is kept, failures included, so no document is asked for twice.

use super::{Db, now};
use crate::error::Result;
use crate::model::{Document, DocumentKind, PageCandidate, Source};
use rusqlite::{OptionalExtension, params};

impl Db {
    /// Works with an open-access Europe PMC record whose full text has not been fetched yet
    /// (with `refetch`, also those fetched before, to catch changed texts):
    /// `(work_id, pmcid, doi)`.
    pub fn works_needing_full_text(
        &self,
        limit: usize,
        refetch: bool,
    ) -> Result<Vec<(i64, String, String)>> {
        let mut st = self.conn.prepare(
            "SELECT s.work_id, json_extract(s.raw_json, '$.pmcid') AS pmcid, COALESCE(w.doi, '') AS doi
             FROM source_records s JOIN works w ON w.id = s.work_id
             WHERE s.source = ?3
               AND json_extract(s.raw_json, '$.pmcid') IS NOT NULL
               AND (json_extract(s.raw_json, '$.isOpenAccess') = 'Y'
                    OR json_extract(s.raw_json, '$.inEPMC') = 'Y')
               AND NOT EXISTS (SELECT 1 FROM documents d
                               WHERE d.work_id = s.work_id AND d.kind = ?4
                                 AND NOT (?2 AND d.error IS NULL))
             ORDER BY s.work_id LIMIT ?1",
        )?;
        let rows = st.query_map(
            params![
                limit as i64,
                refetch,
                Source::EuropePmc,
                DocumentKind::EuropePmcFullText
            ],
            |r| Ok((r.get("work_id")?, r.get("pmcid")?, r.get("doi")?)),
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Works whose publisher page may show what their metadata lacks, in this order: DoD
    /// funding but no usable affiliation from any source (none, or none with a string or a
    /// country code), then a China-based coauthor but no DoD funding in the metadata. Pages already fetched are left out, unless `refetch` asks for the
    /// ones read successfully to be fetched again (an unchanged hash changes nothing). Returns
    /// up to `limit` candidates and how many there are in all.
    pub fn works_for_pages(
        &self,
        from: &str,
        to: &str,
        limit: usize,
        refetch: bool,
    ) -> Result<(Vec<PageCandidate>, u64)> {
        let cte = "WITH cand AS (
                SELECT w.id, w.doi, 'DoD-funded, no usable affiliation from any source' AS reason,
                       1 AS pri, w.publication_date AS d
                FROM works w JOIN classifications c ON c.work_id = w.id
                WHERE c.dod = 1 AND c.china = 0 AND w.doi IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM affiliations a WHERE a.work_id = w.id
                                  AND (a.raw_string IS NOT NULL OR a.country_code IS NOT NULL))
                  AND w.publication_date BETWEEN ?1 AND ?2
                UNION ALL
                SELECT w.id, w.doi, 'China-based coauthor, no DoD funding in metadata', 2,
                       w.publication_date
                FROM works w JOIN classifications c ON c.work_id = w.id
                WHERE c.china = 1 AND c.dod = 0 AND w.doi IS NOT NULL
                  AND w.publication_date BETWEEN ?1 AND ?2
            ), todo AS (
                SELECT * FROM cand WHERE NOT EXISTS
                    (SELECT 1 FROM documents d WHERE d.work_id = cand.id AND d.kind = ?5
                       AND NOT (?4 AND d.error IS NULL))
            )";
        let args = params![from, to, limit as i64, refetch, DocumentKind::PublisherPage];
        let total: i64 = self.conn.query_row(
            &format!("{cte} SELECT COUNT(*) AS n FROM todo WHERE ?3 IS NOT NULL"),
            args,
            |r| r.get("n"),
        )?;
        let mut st = self.conn.prepare(&format!(
            "{cte} SELECT id, doi, reason FROM todo ORDER BY pri, d DESC, id LIMIT ?3"
        ))?;
        let rows = st.query_map(args, |r| {
            Ok((r.get("id")?, r.get("doi")?, r.get("reason")?))
        })?;
        Ok((rows.collect::<rusqlite::Result<_>>()?, total as u64))
    }

    /// Store a fetched document and the funding texts found in it, in one transaction. The
    /// work is marked for classification only when its texts changed.
    pub fn save_document(&mut self, doc: &Document) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let stamp = now();
        let previous: Option<Option<String>> = tx
            .prepare_cached("SELECT sha256 FROM documents WHERE work_id = ?1 AND kind = ?2")?
            .query_row(params![doc.work_id, doc.kind], |r| r.get("sha256"))
            .optional()?;
        let unchanged = previous
            .flatten()
            .is_some_and(|h| Some(h.as_str()) == doc.sha256.as_deref());
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
            .query_row(params![doc.work_id, doc.kind], |r| r.get("id"))?;
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
                    doc.source,
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

    /// Full texts still waiting to be fetched (for the summary).
    pub fn full_texts_waiting(&self) -> Result<usize> {
        Ok(self.works_needing_full_text(usize::MAX >> 1, false)?.len())
    }
}
