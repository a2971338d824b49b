//! Who is who on the flagged papers: the people tables rebuilt from the stored authorships
//! and reviewers' identity corrections (the decisions are `classify::people`'s), the
//! corrections themselves, and what the people view reads.

use super::{Db, now};
use crate::classify::people::{self, Authorship, Correction};
use crate::error::{Error, Result};
use crate::model::EvidenceKind;
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeMap;

/// One person as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PersonRow {
    pub key: String,
    pub name: String,
    pub also: String,
    pub orcid: Option<String>,
    pub openalex_author_id: Option<String>,
    pub papers: i64,
    pub china_papers: i64,
    pub us_papers: i64,
    pub dual_papers: i64,
}

/// One identity correction in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonOverrideRow {
    pub id: i64,
    pub kind: String,
    pub a: String,
    pub b: String,
    pub note: String,
    pub reviewer: String,
    pub at: String,
}

/// One authorship of a person on a flagged paper, with the paper.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PersonPaper {
    pub person: String,
    pub work_id: i64,
    pub position: i64,
    pub name: String,
    pub doi: String,
    pub title: String,
    pub publication_date: String,
    pub tier: String,
    pub dod_components: String,
    pub award_numbers: String,
    pub china: bool,
    pub us: bool,
    pub dual: bool,
}

/// One placed affiliation of an authorship (China, US) or an entity the affiliation names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlacedRow {
    pub work_id: i64,
    pub position: i64,
    pub kind: EvidenceKind,
    pub source: String,
    pub affiliation: String,
    /// The China-based institution, or the entity-list entry.
    pub institution: String,
    pub region: String,
    /// What placed it, or the list that names the entry.
    pub matched: String,
}

impl Db {
    /// Rebuild the people tables from the authorships of the active flags and the identity
    /// corrections in force. Returns the number of people.
    pub fn rebuild_people(&mut self) -> Result<usize> {
        let mut list: Vec<Authorship> = Vec::new();
        {
            let mut st = self.conn.prepare(
                "SELECT au.work_id, w.doi, au.position, au.name, au.orcid, au.openalex_author_id
                 FROM authorships au
                 JOIN flags f ON f.work_id = au.work_id AND f.active = 1
                 JOIN works w ON w.id = au.work_id
                 WHERE au.name <> ?1
                 ORDER BY au.work_id, au.position,
                          CASE au.source WHEN 'openalex' THEN 0 WHEN 'crossref' THEN 1 ELSE 2 END",
            )?;
            // A full text's stand-in for authors it does not link is nobody.
            let mut rows = st.query([crate::model::UNLINKED_AUTHORS])?;
            while let Some(r) = rows.next()? {
                let (work_id, position): (i64, i64) = (r.get("work_id")?, r.get("position")?);
                if !list
                    .last()
                    .is_some_and(|a| a.work_id == work_id && a.position == position)
                {
                    list.push(Authorship {
                        work_id,
                        doi: r.get("doi")?,
                        position,
                        ..Default::default()
                    });
                }
                let a = list.last_mut().expect("just pushed");
                for (field, into) in [
                    ("name", &mut a.names),
                    ("orcid", &mut a.orcids),
                    ("openalex_author_id", &mut a.openalex_ids),
                ] {
                    if let Some(v) = r.get::<_, Option<String>>(field)?
                        && !v.trim().is_empty()
                        && !into.contains(&v)
                    {
                        into.push(v);
                    }
                }
            }
        }
        let mut placed: BTreeMap<(i64, i64), (bool, bool, bool)> = BTreeMap::new();
        {
            let mut st = self.conn.prepare(
                "SELECT e.work_id, e.author_position, e.kind FROM flag_evidence e
                 JOIN flags f ON f.work_id = e.work_id AND f.active = 1
                 WHERE e.kind IN ('china', 'us', 'dual') AND e.author_position IS NOT NULL
                   AND e.personal = 1",
            )?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let p = placed
                    .entry((r.get("work_id")?, r.get("author_position")?))
                    .or_default();
                match r.get::<_, EvidenceKind>("kind")? {
                    EvidenceKind::China => p.0 = true,
                    EvidenceKind::Us => p.1 = true,
                    _ => p.2 = true,
                }
            }
        }
        for a in &mut list {
            if let Some((china, us, dual)) = placed.get(&(a.work_id, a.position)) {
                (a.china, a.us, a.dual) = (*china, *us, *dual);
            }
        }
        let corrections: Vec<Correction> = self
            .person_overrides()?
            .into_iter()
            .map(|o| match o.kind.as_str() {
                "merge" => Correction::Merge(o.a, o.b),
                _ => Correction::Split(o.a),
            })
            .collect();
        let keys = people::identify(&list, &corrections);
        let found = people::people(&list, &keys);
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM person_authorships", [])?;
        tx.execute("DELETE FROM people", [])?;
        {
            let mut ins = tx.prepare(
                "INSERT INTO person_authorships (work_id, position, person, name, orcid,
                    openalex_author_id, china, us, dual)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for (a, k) in list.iter().zip(&keys) {
                ins.execute(params![
                    a.work_id,
                    a.position,
                    k,
                    a.names.first().cloned().unwrap_or_default(),
                    a.orcids.iter().find_map(|o| people::orcid(o)),
                    a.openalex_ids
                        .iter()
                        .find_map(|o| people::openalex_author(o)),
                    a.china,
                    a.us,
                    a.dual
                ])?;
            }
            let mut ins = tx.prepare(
                "INSERT INTO people (key, name, also, orcid, openalex_author_id, papers,
                    china_papers, us_papers, dual_papers)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for p in &found {
                ins.execute(params![
                    p.key,
                    p.name,
                    p.also.join("; "),
                    p.orcid,
                    p.openalex_author_id,
                    p.papers as i64,
                    p.china_papers as i64,
                    p.us_papers as i64,
                    p.dual_papers as i64
                ])?;
            }
        }
        tx.commit()?;
        Ok(found.len())
    }

    /// Record an identity correction (`merge` of keys `a` and `b`, or `split` of authorship
    /// `a`). Returns its id.
    pub fn add_person_override(
        &mut self,
        kind: &str,
        a: &str,
        b: &str,
        note: &str,
        reviewer: &str,
    ) -> Result<i64> {
        if !matches!(kind, "merge" | "split") {
            return Err(Error::BadInput(format!(
                "{kind:?} is not a person correction; use merge or split"
            )));
        }
        self.conn.execute(
            "INSERT INTO person_overrides (kind, a, b, note, reviewer, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![kind, a, b, note, reviewer, now()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Withdraw identity correction `id` (kept, marked retired). False when none was in force.
    pub fn retire_person_override(&mut self, id: i64) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE person_overrides SET retired_at = ?2 WHERE id = ?1 AND retired_at IS NULL",
            params![id, now()],
        )? > 0)
    }

    /// The identity corrections in force, oldest first.
    pub fn person_overrides(&self) -> Result<Vec<PersonOverrideRow>> {
        let mut st = self.conn.prepare(
            "SELECT id, kind, a, b, note, reviewer, at FROM person_overrides
             WHERE retired_at IS NULL ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(PersonOverrideRow {
                id: r.get("id")?,
                kind: r.get("kind")?,
                a: r.get("a")?,
                b: r.get("b")?,
                note: r.get("note")?,
                reviewer: r.get("reviewer")?,
                at: r.get("at")?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The name of the author at `position` (from 0) of flagged paper `doi`, if there is one.
    pub fn authorship_name(&self, doi: &str, position: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT pa.name FROM person_authorships pa JOIN works w ON w.id = pa.work_id
                 WHERE w.doi = ?1 AND pa.position = ?2",
                params![doi, position],
                |r| r.get("name"),
            )
            .optional()?)
    }

    /// Every person (or the one of `key`).
    pub fn people(&self, key: Option<&str>) -> Result<Vec<PersonRow>> {
        let mut st = self.conn.prepare(
            "SELECT key, name, also, orcid, openalex_author_id, papers, china_papers, us_papers,
                    dual_papers
             FROM people WHERE ?1 IS NULL OR key = ?1 ORDER BY china_papers DESC, papers DESC, key",
        )?;
        let rows = st.query_map([key], |r| {
            Ok(PersonRow {
                key: r.get("key")?,
                name: r.get("name")?,
                also: r.get("also")?,
                orcid: r.get("orcid")?,
                openalex_author_id: r.get("openalex_author_id")?,
                papers: r.get("papers")?,
                china_papers: r.get("china_papers")?,
                us_papers: r.get("us_papers")?,
                dual_papers: r.get("dual_papers")?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every authorship on an active flagged paper with its person and its paper (or those of
    /// the people of `person`).
    pub fn person_papers(&self, person: Option<&str>) -> Result<Vec<PersonPaper>> {
        let mut st = self.conn.prepare(
            "SELECT pa.person, pa.work_id, pa.position, pa.name, COALESCE(w.doi, '') AS doi,
                    COALESCE(w.title, '') AS title,
                    COALESCE(w.publication_date, '') AS publication_date,
                    COALESCE(CAST(f.tier AS TEXT), '') AS tier, f.dod_components, f.award_numbers,
                    pa.china, pa.us, pa.dual
             FROM person_authorships pa
             JOIN flags f ON f.work_id = pa.work_id AND f.active = 1
             JOIN works w ON w.id = pa.work_id
             WHERE ?1 IS NULL OR pa.person = ?1
             ORDER BY w.publication_date, pa.work_id, pa.position",
        )?;
        let rows = st.query_map([person], |r| {
            Ok(PersonPaper {
                person: r.get("person")?,
                work_id: r.get("work_id")?,
                position: r.get("position")?,
                name: r.get("name")?,
                doi: r.get("doi")?,
                title: r.get("title")?,
                publication_date: r.get("publication_date")?,
                tier: r.get("tier")?,
                dod_components: r.get("dod_components")?,
                award_numbers: r.get("award_numbers")?,
                china: r.get("china")?,
                us: r.get("us")?,
                dual: r.get("dual")?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The placed affiliations and entity matches of the authorships on active flagged
    /// papers (or on the papers of `person`).
    pub fn placed_affiliations(&self, person: Option<&str>) -> Result<Vec<PlacedRow>> {
        let mut st = self.conn.prepare(
            "SELECT e.work_id, e.author_position, e.kind, e.source,
                    COALESCE(e.affiliation, '') AS affiliation,
                    COALESCE(e.institution, '') AS institution, COALESCE(e.region, '') AS region,
                    COALESCE(CASE e.kind WHEN 'entity' THEN e.component ELSE e.matched END, '')
                        AS matched
             FROM flag_evidence e
             JOIN flags f ON f.work_id = e.work_id AND f.active = 1
             WHERE e.kind IN ('china', 'us', 'entity') AND e.author_position IS NOT NULL
               AND e.personal = 1
               AND (?1 IS NULL OR EXISTS (SELECT 1 FROM person_authorships pa
                    WHERE pa.person = ?1 AND pa.work_id = e.work_id))
             ORDER BY e.work_id, e.author_position, e.id",
        )?;
        let rows = st.query_map([person], |r| {
            Ok(PlacedRow {
                work_id: r.get("work_id")?,
                position: r.get("author_position")?,
                kind: r.get("kind")?,
                source: r.get("source")?,
                affiliation: r.get("affiliation")?,
                institution: r.get("institution")?,
                region: r.get("region")?,
                matched: r.get("matched")?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
