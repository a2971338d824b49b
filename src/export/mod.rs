//! What staff read: the flagged papers, one row each, as CSV (opens cleanly in Excel), JSON or
//! XLSX. Rows and columns come from [`crate::flagged`], so every format carries the same list.

mod xlsx;

use crate::error::{Error, Result};
use crate::flagged::{self, COLUMNS, FlaggedRow, Selection};
use crate::store::Db;
use std::io::Write;
use std::path::Path;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
    Xlsx,
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

/// A cell that Excel would run as a formula gets a leading apostrophe.
pub fn neutralize(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Write the flagged papers to `out`. Returns the number of rows.
pub fn export(db: &Db, out: &Path, opts: &ExportOptions) -> Result<usize> {
    let rows = flagged::load(
        db,
        &Selection {
            mainland_only: opts.mainland_only,
            since_run: opts.since_run,
        },
    )?;
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
    csv.write_record(COLUMNS.iter().map(|c| c.name))?;
    for r in rows {
        csv.write_record(
            r.cells()
                .map(neutralize)
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
