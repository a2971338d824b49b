//! What the classifier reads: everything stored about one work across sources, and which works
//! changed since they were last classified.

use super::Db;
use crate::classify::work::{AckFact, AffiliationFact, WorkFacts};
use crate::error::Result;
use crate::model::{AffiliationRecord, FunderRecord, Source};
use rusqlite::params;

impl Db {
    pub fn dirty_work_ids(&self) -> Result<Vec<i64>> {
        let mut st = self
            .conn
            .prepare("SELECT id FROM works WHERE dirty = 1 ORDER BY id")?;
        let rows = st.query_map([], |r| r.get("id"))?;
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
            Ok(AckFact {
                source: r.get("source")?,
                origin: r.get("origin")?,
                section: r.get("section")?,
                text: r.get("text")?,
            })
        })?;
        for a in acks {
            facts.acknowledgments.push(a?);
        }
        let mut st = self.conn.prepare_cached(
            "SELECT source, seq, funder_id, name, ror, asserted_by FROM funders
             WHERE work_id = ?1 ORDER BY source, seq",
        )?;
        let funders: Vec<(Source, i64, FunderRecord)> = st
            .query_map([work_id], |r| {
                Ok((
                    r.get("source")?,
                    r.get("seq")?,
                    FunderRecord {
                        funder_id: r.get("funder_id")?,
                        name: r.get("name")?,
                        ror: r.get("ror")?,
                        awards: Vec::new(),
                        asserted_by: r.get("asserted_by")?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut aw = self.conn.prepare_cached(
            "SELECT award_number FROM awards WHERE work_id = ?1 AND source = ?2 AND funder_seq = ?3
             ORDER BY seq",
        )?;
        for (source, seq, mut f) in funders {
            f.awards = aw
                .query_map(params![work_id, source, seq], |r| r.get("award_number"))?
                .collect::<rusqlite::Result<_>>()?;
            facts.funders.push((source, f));
        }
        let mut st = self.conn.prepare_cached(
            "SELECT a.source, a.author_position, au.name AS author_name, a.raw_string,
                    a.institution_name, a.institution_id, a.ror, a.country_code, au.countries
             FROM affiliations a
             LEFT JOIN authorships au ON au.work_id = a.work_id AND au.source = a.source
                                     AND au.position = a.author_position
             WHERE a.work_id = ?1 ORDER BY a.source, a.author_position, a.seq",
        )?;
        let rows = st.query_map([work_id], |r| {
            let countries: Option<String> = r.get("countries")?;
            Ok(AffiliationFact {
                source: r.get("source")?,
                author_position: r.get::<_, i64>("author_position")? as u32,
                author_name: r
                    .get::<_, Option<String>>("author_name")?
                    .unwrap_or_default(),
                affiliation: AffiliationRecord {
                    raw: r.get("raw_string")?,
                    institution_name: r.get("institution_name")?,
                    institution_id: r.get("institution_id")?,
                    ror: r.get("ror")?,
                    country_code: r.get("country_code")?,
                },
                author_countries: countries
                    .map(|c| {
                        c.split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })?;
        for row in rows {
            facts.affiliations.push(row?);
        }
        let mut st = self.conn.prepare_cached(
            "SELECT source, COUNT(*) AS n FROM authorships WHERE work_id = ?1 GROUP BY source",
        )?;
        facts.author_counts = st
            .query_map([work_id], |r| Ok((r.get("source")?, r.get("n")?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(facts)
    }
}
