//! XLSX for staff: frozen header, autofilter, DOI hyperlinks, numbers as numbers and dates as
//! dates (so Excel sums, sorts and filters them), and long text cut with a marker (Excel
//! refuses cells over 32,767 characters).

use crate::error::{Error, Result};
use crate::flagged::{COLUMNS, FlaggedRow, Kind};
use rust_xlsxwriter::{ExcelDateTime, Format, Url, Workbook};
use std::path::Path;

/// Excel's limit on characters in a cell.
pub const MAX_CELL: usize = 32_767;
/// What replaces the end of a cut cell.
pub const TRUNCATION_MARKER: &str = " …[truncated; full text in the database]";

/// Cut `s` to fit a cell, on a character boundary, with the marker.
pub fn fit(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().count() <= MAX_CELL {
        return s.into();
    }
    let keep = MAX_CELL - TRUNCATION_MARKER.chars().count();
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(TRUNCATION_MARKER);
    out.into()
}

fn err(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Export(e.to_string())
}

/// Write the workbook to `out`. It is made in memory first: writing a zip straight to a file
/// that fails (a full disk) leaves the zip writer complaining on stderr as it is dropped.
pub fn write(out: &Path, rows: &[FlaggedRow]) -> Result<()> {
    let bytes = to_buffer(rows)?;
    std::fs::write(out, bytes).map_err(|e| Error::io(out, e))
}

/// The workbook's bytes (`--out -`).
pub fn to_buffer(rows: &[FlaggedRow]) -> Result<Vec<u8>> {
    workbook(rows)?.save_to_buffer().map_err(err)
}

fn workbook(rows: &[FlaggedRow]) -> Result<Workbook> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("flagged papers").map_err(err)?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let moment = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (c, column) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, column.name, &bold)
            .map_err(err)?;
        ws.set_column_width(c as u16, column.width).map_err(err)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = (i + 1) as u32;
        for (c, (column, cell)) in COLUMNS.iter().zip(r.cells()).enumerate() {
            let col = c as u16;
            if c == 0 && cell.starts_with("10.") {
                let url = Url::new(format!("https://doi.org/{cell}")).set_text(cell);
                ws.write_url(row, 0, url).map_err(err)?;
                continue;
            }
            if cell.is_empty() {
                continue;
            }
            let typed = match column.kind {
                Kind::Number | Kind::Decimal => {
                    cell.parse::<f64>().ok().map(|n| match column.kind {
                        Kind::Decimal => ws.write_number_with_format(row, col, n, &money),
                        _ => ws.write_number(row, col, n),
                    })
                }
                Kind::Date => ExcelDateTime::parse_from_str(cell)
                    .ok()
                    .map(|d| ws.write_datetime_with_format(row, col, d, &day)),
                Kind::DateTime => ExcelDateTime::parse_from_str(cell)
                    .ok()
                    .map(|d| ws.write_datetime_with_format(row, col, d, &moment)),
                _ => None,
            };
            match typed {
                Some(written) => {
                    written.map_err(err)?;
                }
                // Text, or a value that does not read as its kind: kept as written.
                None => {
                    ws.write_string(row, col, fit(cell)).map_err(err)?;
                }
            }
        }
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    ws.autofilter(0, 0, rows.len() as u32, (COLUMNS.len() - 1) as u16)
        .map_err(err)?;
    Ok(wb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_to_excels_limit_with_a_marker() {
        let long = "é".repeat(40_000);
        let cut = fit(&long);
        assert_eq!(cut.chars().count(), MAX_CELL);
        assert!(cut.ends_with(TRUNCATION_MARKER));
        assert_eq!(fit("short"), "short");
    }
}
