//! What staff read: the flagged papers, one row each, as CSV (opens cleanly in Excel), JSON or
//! XLSX. Rows and columns come from [`crate::flagged`], so every format carries the same list.

mod xlsx;

use crate::error::{Error, Result};
use crate::flagged::{self, COLUMNS, FlaggedRow, Selection};
use crate::store::Db;
use std::io::Write;
use std::path::Path;

/// Which flagged papers an export lists, by when they were first flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// Every flagged paper.
    Always,
    /// Those flagged since the scan before the latest (`--new-since-last-scan`).
    LastScan,
    /// Those flagged after scan run `n` (`--since-scan N`).
    Scan(i64),
}

impl Since {
    /// The run after which flags are listed (`None`: all); a run that does not exist is a
    /// mistake, not an empty list.
    pub fn run(self, db: &Db) -> Result<Option<i64>> {
        match self {
            Since::Always => Ok(None),
            Since::LastScan => Ok(Some(db.run_before_last_crawl()?)),
            Since::Scan(n) if db.run_exists(n)? => Ok(Some(n)),
            Since::Scan(n) => Err(Error::BadInput(format!(
                "there is no scan #{n} in {}; `xrefscan query scan_history` lists them (0 means all)",
                db.path().display()
            ))),
        }
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Xlsx,
}

impl Format {
    pub const ALL: &'static [Format] = &[Format::Csv, Format::Json, Format::Xlsx];

    /// Its name, as `--format` takes it (also its file extension).
    pub fn as_str(self) -> &'static str {
        self.extension()
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Xlsx => "xlsx",
        }
    }

    /// The format for `out`: the one asked for, else the file's extension, else CSV. A format
    /// asked for that contradicts the extension is refused (an `.xlsx` that is CSV inside
    /// opens as garbage).
    pub fn for_output(asked: Option<Format>, out: &Path) -> Result<Format> {
        let by_extension = out
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .and_then(|e| {
                [Format::Csv, Format::Json, Format::Xlsx]
                    .into_iter()
                    .find(|f| f.extension() == e)
            });
        match (asked, by_extension) {
            (Some(a), Some(b)) if a != b => Err(Error::BadInput(format!(
                "--format {} does not match --out {} ({}); give a matching extension or leave --format out",
                a.extension(),
                out.display(),
                b.extension()
            ))),
            (Some(a), _) => Ok(a),
            (None, Some(b)) => Ok(b),
            (None, None) => Ok(Format::Csv),
        }
    }
}

/// `--out -`: write to standard output.
pub fn is_stdout(out: &Path) -> bool {
    out.as_os_str() == "-"
}

pub use xlsx::{MAX_CELL, TRUNCATION_MARKER};

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
    /// Leave out papers whose latest review dismissed them.
    pub exclude_dismissed: bool,
}

/// A cell that Excel would run as a formula gets a leading apostrophe.
pub fn neutralize(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Rows in a format, in memory (the review page's "download this view").
pub fn to_bytes(rows: &[FlaggedRow], format: Format) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let io = |e: std::io::Error| Error::Export(e.to_string());
    match format {
        Format::Csv => write_csv(&mut out, rows, false).map_err(io)?,
        Format::Json => write_json(&mut out, rows).map_err(io)?,
        Format::Xlsx => out = xlsx::to_buffer(rows)?,
    }
    Ok(out)
}

/// Write the flagged papers to `out`. Returns the number of rows.
pub fn export(db: &Db, out: &Path, opts: &ExportOptions) -> Result<usize> {
    let rows = flagged::load(
        db,
        &Selection {
            mainland_only: opts.mainland_only,
            since_run: opts.since_run,
            exclude_dismissed: opts.exclude_dismissed,
        },
    )?;
    if is_stdout(out) {
        let mut stdout = std::io::stdout().lock();
        let io = |e: std::io::Error| Error::io("<stdout>", e);
        match opts.format {
            Format::Csv => write_csv(&mut stdout, &rows, opts.bom).map_err(io)?,
            Format::Json => write_json(&mut stdout, &rows).map_err(io)?,
            Format::Xlsx => stdout.write_all(&xlsx::to_buffer(&rows)?).map_err(io)?,
        }
        stdout.flush().map_err(io)?;
        return Ok(rows.len());
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(Error::BadInput(format!(
            "the folder {} does not exist; create it or choose another --out",
            dir.display()
        )));
    }
    match opts.format {
        Format::Csv => {
            let file = std::fs::File::create(out).map_err(|e| Error::io(out, e))?;
            write_csv(std::io::BufWriter::new(file), &rows, opts.bom)
                .map_err(|e| Error::io(out, e))?;
        }
        Format::Json => {
            let file = std::fs::File::create(out).map_err(|e| Error::io(out, e))?;
            let mut w = std::io::BufWriter::new(file);
            write_json(&mut w, &rows).map_err(|e| Error::io(out, e))?;
            w.flush().map_err(|e| Error::io(out, e))?;
        }
        Format::Xlsx => xlsx::write(out, &rows)?,
    }
    Ok(rows.len())
}

/// JSON: an array of objects keyed by column, numbers as numbers and lists as arrays.
pub fn write_json<W: Write>(mut w: W, rows: &[FlaggedRow]) -> std::io::Result<()> {
    let objects: Vec<serde_json::Map<String, serde_json::Value>> = rows
        .iter()
        .map(|r| {
            COLUMNS
                .iter()
                .map(|c| (c.name.to_string(), c.json(r)))
                .collect()
        })
        .collect();
    serde_json::to_writer_pretty(&mut w, &objects)?;
    w.write_all(b"\n")
}

/// CSV with every cell guarded against formula injection and cut, like XLSX, at 32,767
/// characters with a visible marker (longer cells break common CSV readers: Python's `csv`
/// refuses fields over 131,072 bytes).
pub fn write_csv<W: Write>(mut w: W, rows: &[FlaggedRow], bom: bool) -> std::io::Result<()> {
    if bom {
        w.write_all("\u{feff}".as_bytes())?;
    }
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(COLUMNS.iter().map(|c| c.name))
        .map_err(csv_io)?;
    for r in rows {
        csv.write_record(
            r.cells()
                .map(|c| neutralize(&xlsx::fit(c)).into_owned())
                .collect::<Vec<_>>(),
        )
        .map_err(csv_io)?;
    }
    csv.flush()
}

/// The io error inside a csv error, with its kind (a closed pipe stays a closed pipe).
fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
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
