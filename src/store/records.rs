//! Works and their child rows (authorships, affiliations, funders, awards), one row set per
//! (work, source), so every derived fact can be traced to the source that said it. Records are
//! keyed by normalised DOI (or OpenAlex id) and replaced only when the source's JSON changed.

use crate::error::Result;
use crate::model::PageOutcome;
use crate::model::{Source, WorkRecord};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{OptionalExtension, params};

/// Insert or update records; the child rows (authors, affiliations, funders, awards) of the
/// whole batch go in with multi-row INSERTs, because per-statement overhead, not SQLite's
/// B-trees, is what limits a one-row-at-a-time writer.
pub(super) fn save_records(
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
            .query_row([doi], |r| r.get("id"))
            .optional()?;
    }
    if existing.is_none()
        && let Some(oa) = &rec.openalex_id
    {
        existing = tx
            .prepare_cached("SELECT id FROM works WHERE openalex_id = ?1")?
            .query_row([oa], |r| r.get("id"))
            .optional()?;
    }
    let (work_id, is_new) = match existing {
        Some(id) => {
            let same: Option<i64> = tx
                .prepare_cached("SELECT 1 AS same FROM source_records WHERE work_id = ?1 AND source = ?2 AND raw_json = ?3")?
                .query_row(params![id, source, rec.raw], |r| r.get("same"))
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
