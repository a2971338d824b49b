//! The flagged papers as staff read them: one row per paper, the columns every export writes.
//!
//! The column list is declared once, in [`COLUMNS`]: its name, how to read it from a row and
//! its width in a spreadsheet. CSV, JSON and XLSX writers (and the review page) iterate it, so
//! a new column is a field of [`FlaggedRow`] (in the model), a line of [`COLUMNS`] and the SQL in
//! `store/flags.rs` that fills the field.

use crate::error::Result;
pub use crate::model::FlaggedRow;
use crate::store::{Db, FlagFilter};

/// What a column holds, so JSON can write numbers as numbers and lists as arrays while CSV and
/// XLSX keep one text cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    /// An exact decimal written as text (`1234.56`); a JSON number, a spreadsheet number.
    Decimal,
    /// A whole date (`2024-05-01`): text in JSON and CSV, a date in a spreadsheet.
    Date,
    /// A moment (`2026-12-01T02:30:00Z`): text in JSON and CSV, a date and time in a
    /// spreadsheet.
    DateTime,
    /// Items joined by this separator in the text cell.
    List(&'static str),
}

/// One export column.
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    /// Width in a spreadsheet, in characters.
    pub width: f64,
    pub value: fn(&FlaggedRow) -> &str,
}

impl Column {
    /// The cell as JSON: a number, an array of items, or text (an empty number is null).
    pub fn json(&self, row: &FlaggedRow) -> serde_json::Value {
        let text = (self.value)(row);
        match self.kind {
            Kind::Text | Kind::Date | Kind::DateTime => text.into(),
            Kind::Number => text
                .parse::<i64>()
                .map(Into::into)
                .unwrap_or(serde_json::Value::Null),
            Kind::Decimal => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Kind::List(sep) => text
                .split(sep)
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| serde_json::Value::from(t.to_string()))
                .collect(),
        }
    }
}

/// Lists of names are joined with this in a text cell (no name contains it).
const NAMES: Kind = Kind::List("; ");
/// Lists of evidence lines are joined with this.
const LINES: Kind = Kind::List(" | ");

/// Every export column, in export order.
pub const COLUMNS: &[Column] = &[
    Column {
        name: "doi",
        kind: Kind::Text,
        width: 28.0,
        value: |r| &r.doi,
    },
    Column {
        name: "title",
        kind: Kind::Text,
        width: 60.0,
        value: |r| &r.title,
    },
    Column {
        name: "publication_date",
        kind: Kind::Date,
        width: 12.0,
        value: |r| &r.publication_date,
    },
    Column {
        name: "publication_date_precision",
        kind: Kind::Text,
        width: 10.0,
        value: |r| &r.publication_date_precision,
    },
    Column {
        name: "venue",
        kind: Kind::Text,
        width: 30.0,
        value: |r| &r.venue,
    },
    Column {
        name: "tier",
        kind: Kind::Number,
        width: 6.0,
        value: |r| &r.tier,
    },
    Column {
        name: "risk",
        kind: NAMES,
        width: 36.0,
        value: |r| &r.risk,
    },
    Column {
        name: "dod_components",
        kind: NAMES,
        width: 36.0,
        value: |r| &r.dod_components,
    },
    Column {
        name: "award_numbers",
        kind: NAMES,
        width: 30.0,
        value: |r| &r.award_numbers,
    },
    Column {
        name: "award_obligation_usd",
        kind: Kind::Decimal,
        width: 16.0,
        value: |r| &r.award_obligation_usd,
    },
    Column {
        name: "award_links",
        kind: NAMES,
        width: 40.0,
        value: |r| &r.award_links,
    },
    Column {
        name: "dod_evidence",
        kind: LINES,
        width: 60.0,
        value: |r| &r.dod_evidence,
    },
    Column {
        name: "china_institutions",
        kind: NAMES,
        width: 40.0,
        value: |r| &r.china_institutions,
    },
    Column {
        name: "china_regions",
        kind: NAMES,
        width: 10.0,
        value: |r| &r.china_regions,
    },
    Column {
        name: "china_evidence",
        kind: LINES,
        width: 60.0,
        value: |r| &r.china_evidence,
    },
    Column {
        name: "entity_hits",
        kind: LINES,
        width: 50.0,
        value: |r| &r.entity_hits,
    },
    Column {
        name: "entity_listed_since",
        kind: LINES,
        width: 50.0,
        value: |r| &r.entity_listed_since,
    },
    Column {
        name: "dual_appointment",
        kind: LINES,
        width: 60.0,
        value: |r| &r.dual_appointment,
    },
    Column {
        name: "repeat_collaborator_papers",
        kind: NAMES,
        width: 40.0,
        value: |r| &r.repeat_collaborator_papers,
    },
    Column {
        name: "sources",
        kind: NAMES,
        width: 18.0,
        value: |r| &r.sources,
    },
    Column {
        name: "first_flagged_at",
        kind: Kind::DateTime,
        width: 20.0,
        value: |r| &r.first_flagged_at,
    },
    Column {
        name: "flag_reason_changed",
        kind: Kind::Text,
        width: 12.0,
        value: |r| &r.flag_reason_changed,
    },
    Column {
        name: "review_status",
        kind: Kind::Text,
        width: 24.0,
        value: |r| &r.review_status,
    },
    Column {
        name: "review_note",
        kind: Kind::Text,
        width: 40.0,
        value: |r| &r.review_note,
    },
];

/// The column names, in export order.
pub fn column_names() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.name).collect()
}

impl FlaggedRow {
    /// The row's cells, in export order.
    pub fn cells(&self) -> impl Iterator<Item = &str> {
        COLUMNS.iter().map(move |c| (c.value)(self))
    }
}

/// Which flagged papers to list.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only papers with a mainland-China coauthor.
    pub mainland_only: bool,
    /// Only flags first raised by a run after this one.
    pub since_run: Option<i64>,
    /// Leave out papers whose latest review dismissed them (unless their evidence has changed
    /// since, which asks for a new look).
    pub exclude_dismissed: bool,
}

/// The flagged papers, tier 1 first.
pub fn load(db: &Db, selection: &Selection) -> Result<Vec<FlaggedRow>> {
    let mut rows = db.flagged_rows(&FlagFilter {
        since_run: selection.since_run,
    })?;
    if selection.mainland_only {
        rows.retain(|r| r.china_regions.split("; ").any(|x| x == "CN"));
    }
    if selection.exclude_dismissed {
        rows.retain(|r| r.review_status != "dismissed");
    }
    for r in &mut rows {
        let (date, precision) = whole_date(&r.publication_date);
        r.publication_date = date;
        r.publication_date_precision = precision.to_string();
    }
    Ok(rows)
}

/// A date as sources give it (`2024`, `2024-05`, `2024-05-17`) as a whole date and how much of
/// it was given: `2024-05` is `2024-05-01`, precision `month`. Anything else is kept as it is.
pub fn whole_date(date: &str) -> (String, &'static str) {
    let parts: Vec<&str> = date.trim().split('-').collect();
    let num = |s: &str, len: usize| s.len() == len && s.chars().all(|c| c.is_ascii_digit());
    match parts.as_slice() {
        [y] if num(y, 4) => (format!("{y}-01-01"), "year"),
        [y, m] if num(y, 4) && num(m, 2) => (format!("{y}-{m}-01"), "month"),
        [y, m, d] if num(y, 4) && num(m, 2) && num(d, 2) => (date.trim().to_string(), "day"),
        _ => (date.trim().to_string(), ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_whole_and_says_how_much_was_known() {
        assert_eq!(whole_date("2024"), ("2024-01-01".into(), "year"));
        assert_eq!(whole_date("2024-05"), ("2024-05-01".into(), "month"));
        assert_eq!(whole_date("2024-05-17"), ("2024-05-17".into(), "day"));
        assert_eq!(whole_date(""), ("".into(), ""));
    }

    #[test]
    fn json_cells_are_numbers_arrays_or_text() {
        let row = FlaggedRow {
            tier: "1".into(),
            dod_components: "Navy › Office of Naval Research; Army".into(),
            china_evidence: "a | b".into(),
            ..Default::default()
        };
        let cell = |name: &str| COLUMNS.iter().find(|c| c.name == name).unwrap().json(&row);
        assert_eq!(cell("tier"), serde_json::json!(1));
        assert_eq!(
            cell("dod_components"),
            serde_json::json!(["Navy › Office of Naval Research", "Army"])
        );
        assert_eq!(cell("china_evidence"), serde_json::json!(["a", "b"]));
        assert_eq!(cell("award_numbers"), serde_json::json!([]));
        assert_eq!(cell("review_note"), serde_json::json!(""));
    }

    #[test]
    fn every_field_is_one_column_and_the_names_match_the_json_keys() {
        let row = FlaggedRow::default();
        let json = serde_json::to_value(&row).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        let mut names = column_names();
        let mut keys_sorted = keys.clone();
        names.sort();
        keys_sorted.sort();
        assert_eq!(names, keys_sorted);
    }
}
