//! What staff read: the flagged papers, one row each, as CSV (opens cleanly in Excel), JSON or
//! XLSX. Rows come from the `flagged_papers` view, so `sqlite3` users see the same list.

mod xlsx;

use crate::error::{Error, Result};
use rusqlite::Connection;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
    Xlsx,
}

/// One flagged paper.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FlaggedRow {
    pub doi: String,
    pub title: String,
    pub publication_date: String,
    pub venue: String,
    /// 1 = a China-based coauthor at a listed defense-linked entity, 2 = other.
    pub tier: String,
    pub dod_components: String,
    pub award_numbers: String,
    pub dod_evidence: String,
    pub china_institutions: String,
    pub china_regions: String,
    pub china_evidence: String,
    pub entity_hits: String,
    pub sources: String,
    pub first_flagged_at: String,
    /// The latest reviewer decision; "… (evidence changed since the review)" when the flag's
    /// evidence is no longer what was reviewed.
    pub review_status: String,
    pub review_note: String,
}

/// Column names, in export order.
pub const COLUMNS: [&str; 16] = [
    "doi",
    "title",
    "publication_date",
    "venue",
    "tier",
    "dod_components",
    "award_numbers",
    "dod_evidence",
    "china_institutions",
    "china_regions",
    "china_evidence",
    "entity_hits",
    "sources",
    "first_flagged_at",
    "review_status",
    "review_note",
];

impl FlaggedRow {
    pub fn cells(&self) -> [&str; 16] {
        [
            &self.doi,
            &self.title,
            &self.publication_date,
            &self.venue,
            &self.tier,
            &self.dod_components,
            &self.award_numbers,
            &self.dod_evidence,
            &self.china_institutions,
            &self.china_regions,
            &self.china_evidence,
            &self.entity_hits,
            &self.sources,
            &self.first_flagged_at,
            &self.review_status,
            &self.review_note,
        ]
    }
}

/// Export options.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub format: Format,
    /// Start CSV files with a UTF-8 byte-order mark (older Excel needs it to read UTF-8).
    pub bom: bool,
    /// Only papers with a mainland-China coauthor.
    pub mainland_only: bool,
    /// Only flags first raised by a run after this one (`--since-scan N`).
    pub since_run: Option<i64>,
}

/// The run id that `--new-since-last-scan` counts from: the one before the latest run, so
/// the export lists the flags the latest run raised (0 when there has been one run).
pub fn before_last_run(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COALESCE((SELECT id FROM scan_runs ORDER BY id DESC LIMIT 1 OFFSET 1), 0)",
        [],
        |r| r.get(0),
    )?)
}

/// Read the flagged papers.
pub fn load_rows(conn: &Connection, mainland_only: bool) -> Result<Vec<FlaggedRow>> {
    load_rows_since(conn, mainland_only, None)
}

/// Read the flagged papers first raised after run `since` (all when `None`).
pub fn load_rows_since(
    conn: &Connection,
    mainland_only: bool,
    since: Option<i64>,
) -> Result<Vec<FlaggedRow>> {
    let mut st = conn.prepare(
        "SELECT COALESCE(doi, openalex_id, ''), COALESCE(title, ''), COALESCE(publication_date, ''), COALESCE(venue, ''),
                dod_components, award_numbers, dod_evidence, china_institutions, china_regions, china_evidence,
                COALESCE(sources, ''), first_flagged_at, COALESCE(CAST(tier AS TEXT), ''), entity_hits,
                CASE WHEN evidence_changed_since_review = 1
                     THEN review_status || ' (evidence changed since the review)'
                     ELSE COALESCE(review_status, '') END,
                COALESCE(review_note, '')
         FROM flagged_papers WHERE ?1 IS NULL OR COALESCE(first_run_id, 0) > ?1
         ORDER BY COALESCE(tier, 9), publication_date DESC, doi",
    )?;
    let rows = st.query_map([since], |r| {
        Ok(FlaggedRow {
            doi: r.get(0)?,
            title: r.get(1)?,
            publication_date: r.get(2)?,
            venue: r.get(3)?,
            dod_components: r.get(4)?,
            award_numbers: r.get(5)?,
            dod_evidence: r.get(6)?,
            china_institutions: r.get(7)?,
            china_regions: r.get(8)?,
            china_evidence: r.get(9)?,
            sources: r.get(10)?,
            first_flagged_at: r.get(11)?,
            tier: r.get(12)?,
            entity_hits: r.get(13)?,
            review_status: r.get(14)?,
            review_note: r.get(15)?,
        })
    })?;
    let mut out: Vec<FlaggedRow> = rows.collect::<rusqlite::Result<_>>()?;
    if mainland_only {
        out.retain(|r| r.china_regions.split("; ").any(|x| x == "CN"));
    }
    Ok(out)
}

/// A cell that Excel would run as a formula gets a leading apostrophe.
pub fn neutralize(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Write the flagged papers to `out`. Returns the number of rows.
pub fn export(conn: &Connection, out: &Path, opts: &ExportOptions) -> Result<usize> {
    let rows = load_rows_since(conn, opts.mainland_only, opts.since_run)?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(Error::Invalid(format!(
            "the folder {} does not exist; create it or choose another --out",
            dir.display()
        )));
    }
    match opts.format {
        Format::Csv => {
            let file = std::fs::File::create(out).map_err(|e| Error::io(out, e))?;
            write_csv(file, &rows, opts.bom).map_err(|e| Error::Export(e.to_string()))?;
        }
        Format::Json => {
            let file = std::fs::File::create(out).map_err(|e| Error::io(out, e))?;
            let mut w = std::io::BufWriter::new(file);
            serde_json::to_writer_pretty(&mut w, &rows)
                .map_err(|e| Error::Export(e.to_string()))?;
            w.write_all(b"\n").map_err(|e| Error::io(out, e))?;
            w.flush().map_err(|e| Error::io(out, e))?;
        }
        Format::Xlsx => xlsx::write(out, &rows)?,
    }
    Ok(rows.len())
}

/// CSV with every cell guarded against formula injection.
pub fn write_csv<W: Write>(mut w: W, rows: &[FlaggedRow], bom: bool) -> std::io::Result<()> {
    if bom {
        w.write_all("\u{feff}".as_bytes())?;
    }
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(COLUMNS)?;
    for r in rows {
        csv.write_record(
            r.cells()
                .iter()
                .map(|c| neutralize(c))
                .collect::<Vec<_>>()
                .iter()
                .map(|c| c.as_ref()),
        )?;
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_text_is_not() {
        assert_eq!(neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralize("+1"), "'+1");
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("-2"), "'-2");
        assert_eq!(neutralize("10.1039/d2fd00050d"), "10.1039/d2fd00050d");
    }
}
