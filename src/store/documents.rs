//! Fetched documents (Europe PMC full texts, publisher pages) with the acknowledgment and
//! funding texts found in them, and the choice of which documents to fetch next. Every answer
//! is kept, failures included, so no document is asked for twice.

use super::{Db, now};
use crate::error::Result;
use crate::model::{AckBacklog, AckCandidate, Document, DocumentKind, Source};
use rusqlite::{OptionalExtension, params};

impl Db {
    /// Works with an open-access Europe PMC record whose full text has not been fetched yet
    /// (with `refetch`, also those fetched before, to catch changed texts; with
    /// `retry_missing_before`, also those found missing before that moment — full texts
    /// arrive after their records):
    /// `(work_id, pmcid, doi)`.
    pub fn works_needing_full_text(
        &self,
        limit: usize,
        refetch: bool,
        retry_missing_before: Option<&str>,
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
                                 AND NOT (?2 AND d.error IS NULL)
                                 AND NOT (d.error IS NOT NULL AND ?5 IS NOT NULL
                                          AND d.fetched_at < ?5))
             ORDER BY s.work_id LIMIT ?1",
        )?;
        let rows = st.query_map(
            params![
                limit as i64,
                refetch,
                Source::EuropePmc,
                DocumentKind::EuropePmcFullText,
                retry_missing_before
            ],
            |r| Ok((r.get("work_id")?, r.get("pmcid")?, r.get("doi")?)),
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Works whose acknowledgment is worth reading, most useful first: flagged papers with no
    /// acknowledgment kept yet (staff quote it; award numbers written only there go to the
    /// ledger), DoD-funded works without a usable affiliation from any source (their page's
    /// author tags may place the authors), then China-linked works that no metadata marks
    /// DoD-funded — those with a US-based coauthor first, as DoD's grantees are mostly US
    /// institutions. A work is read once: when its publisher's page was answered (read, or
    /// finally refused), or its open-access copy or Europe PMC full text gave its
    /// acknowledgment. A text answered without one is not asked for again: the candidate goes
    /// on to the next text (so a run killed between two texts resumes with the next). `refetch`
    /// reads the ones read successfully again (an unchanged hash changes nothing). Returns up
    /// to `limit` candidates with the texts each can be read from, and the backlog by priority.
    pub fn ack_candidates(
        &self,
        from: &str,
        to: &str,
        limit: usize,
        refetch: bool,
    ) -> Result<(Vec<AckCandidate>, AckBacklog)> {
        let cte = "WITH cand AS (
                SELECT w.id, w.doi, 'flagged; its acknowledgment is kept for staff and the award ledger' AS reason,
                       0 AS pri, w.publication_date AS d
                FROM works w JOIN classifications c ON c.work_id = w.id
                WHERE c.dod = 1 AND c.china = 1 AND w.doi IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM acknowledgments k WHERE k.work_id = w.id)
                  AND w.publication_date BETWEEN ?1 AND ?2
                UNION ALL
                SELECT w.id, w.doi, 'DoD-funded, no usable affiliation from any source', 1,
                       w.publication_date
                FROM works w JOIN classifications c ON c.work_id = w.id
                WHERE c.dod = 1 AND c.china = 0 AND w.doi IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM affiliations a WHERE a.work_id = w.id
                                  AND (a.raw_string IS NOT NULL OR a.country_code IS NOT NULL))
                  AND w.publication_date BETWEEN ?1 AND ?2
                UNION ALL
                SELECT w.id, w.doi,
                       CASE WHEN us.work_id IS NULL
                            THEN 'China-based coauthor, no DoD funding in metadata'
                            ELSE 'China-based and US-based coauthors, no DoD funding in metadata' END,
                       CASE WHEN us.work_id IS NULL THEN 3 ELSE 2 END, w.publication_date
                FROM works w JOIN classifications c ON c.work_id = w.id
                LEFT JOIN (SELECT DISTINCT work_id FROM affiliations WHERE country_code = 'US') us
                       ON us.work_id = w.id
                WHERE c.china = 1 AND c.dod = 0 AND w.doi IS NOT NULL
                  AND w.publication_date BETWEEN ?1 AND ?2
            ), todo AS (
                SELECT * FROM cand WHERE NOT EXISTS
                    (SELECT 1 FROM documents d WHERE d.work_id = cand.id
                       AND (d.kind = ?5
                            OR (d.kind IN (?6, ?7) AND EXISTS (SELECT 1 FROM acknowledgments k
                                                               WHERE k.document_id = d.id)))
                       AND NOT (?4 AND d.error IS NULL))
            )";
        let args = params![
            from,
            to,
            limit as i64,
            refetch,
            DocumentKind::PublisherPage,
            DocumentKind::OpenAccessCopy,
            DocumentKind::EuropePmcFullText,
            Source::EuropePmc,
            Source::OpenAlex
        ];
        let mut backlog = AckBacklog::default();
        {
            let mut st = self.conn.prepare(&format!(
                "{cte} SELECT pri, COUNT(*) AS n FROM todo
                 WHERE ?3 IS NOT NULL AND ?8 IS NOT NULL AND ?9 IS NOT NULL GROUP BY pri"
            ))?;
            let rows = st.query_map(args, |r| {
                Ok((r.get::<_, i64>("pri")?, r.get::<_, i64>("n")?))
            })?;
            for row in rows {
                let (pri, n) = row?;
                if let Some(slot) = backlog.by_priority.get_mut(pri as usize) {
                    *slot = n as u64;
                }
            }
        }
        let mut st = self.conn.prepare(&format!(
            "{cte} SELECT t.id, t.doi, t.reason, t.pri,
                    (SELECT json_extract(s.raw_json, '$.pmcid') FROM source_records s
                      WHERE s.work_id = t.id AND s.source = ?8) AS epmc_pmcid,
                    (SELECT json_extract(s.raw_json, '$.ids.pmcid') FROM source_records s
                      WHERE s.work_id = t.id AND s.source = ?9) AS oa_pmcid,
                    (SELECT json_extract(s.raw_json, '$.best_oa_location.pdf_url') FROM source_records s
                      WHERE s.work_id = t.id AND s.source = ?9) AS pdf_url,
                    (SELECT json_extract(s.raw_json, '$.best_oa_location.landing_page_url') FROM source_records s
                      WHERE s.work_id = t.id AND s.source = ?9) AS landing_url,
                    EXISTS (SELECT 1 FROM documents d WHERE d.work_id = t.id AND d.kind = ?7
                            AND NOT (?4 AND d.error IS NULL)) AS asked_epmc,
                    EXISTS (SELECT 1 FROM documents d WHERE d.work_id = t.id AND d.kind = ?6
                            AND NOT (?4 AND d.error IS NULL)) AS asked_copy
             FROM todo t ORDER BY t.pri, t.d DESC, t.id LIMIT ?3"
        ))?;
        let rows = st.query_map(args, |r| {
            let pmcid: Option<String> = r
                .get::<_, Option<String>>("epmc_pmcid")?
                .or(r.get::<_, Option<String>>("oa_pmcid")?);
            let asked_epmc: bool = r.get("asked_epmc")?;
            let asked_copy: bool = r.get("asked_copy")?;
            let pdf: Option<String> = r.get("pdf_url")?;
            let landing: Option<String> = r.get("landing_url")?;
            Ok(AckCandidate {
                work_id: r.get("id")?,
                doi: r.get("doi")?,
                reason: r.get("reason")?,
                priority: r.get::<_, i64>("pri")? as u8,
                pmcid: pmcid
                    .filter(|_| !asked_epmc)
                    .and_then(|p| crate::model::pmcid(&p)),
                copy_url: pdf
                    .or(landing.filter(|u| !is_doi_url(u)))
                    .filter(|_| !asked_copy),
            })
        })?;
        Ok((rows.collect::<rusqlite::Result<_>>()?, backlog))
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

    /// What Europe PMC's full text of each of `ids` came to, for those it answered (read or
    /// finally refused): whether it gave an acknowledgment or funding text.
    pub fn full_text_outcomes(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, bool>> {
        let mut st = self.conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM acknowledgments k WHERE k.document_id = d.id)
             FROM documents d WHERE d.work_id = ?1 AND d.kind = ?2",
        )?;
        let mut out = std::collections::HashMap::new();
        for &id in ids {
            if let Some(found) = st
                .query_row(params![id, DocumentKind::EuropePmcFullText], |r| {
                    r.get::<_, bool>(0)
                })
                .optional()?
            {
                out.insert(id, found);
            }
        }
        Ok(out)
    }

    /// Full texts still waiting to be fetched (for the summary).
    pub fn full_texts_waiting(&self) -> Result<usize> {
        Ok(self
            .works_needing_full_text(usize::MAX >> 1, false, None)?
            .len())
    }
}

/// A landing page that is only the DOI again (the publisher's page, read by DOI anyway).
fn is_doi_url(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h == "doi.org" || h == "dx.doi.org"))
        .unwrap_or(true)
}
