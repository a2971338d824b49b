//! The flagged papers as staff read them: one row per paper, the columns every export writes.
//!
//! The column list is declared once, in [`COLUMNS`]: its name, how to read it from a row and
//! its width in a spreadsheet. CSV, JSON and XLSX writers (and the review page) iterate it, so
//! a new column is a field of [`FlaggedRow`] (in the model), a line of [`COLUMNS`] and the SQL in
//! `store/flags.rs` that fills the field.

use crate::error::Result;
pub use crate::model::FlaggedRow;
use crate::store::{Db, FlagFilter};

/// One export column.
pub struct Column {
    pub name: &'static str,
    /// Width in a spreadsheet, in characters.
    pub width: f64,
    pub value: fn(&FlaggedRow) -> &str,
}

/// Every export column, in export order.
pub const COLUMNS: &[Column] = &[
    Column {
        name: "doi",
        width: 28.0,
        value: |r| &r.doi,
    },
    Column {
        name: "title",
        width: 60.0,
        value: |r| &r.title,
    },
    Column {
        name: "publication_date",
        width: 12.0,
        value: |r| &r.publication_date,
    },
    Column {
        name: "venue",
        width: 30.0,
        value: |r| &r.venue,
    },
    Column {
        name: "tier",
        width: 6.0,
        value: |r| &r.tier,
    },
    Column {
        name: "dod_components",
        width: 36.0,
        value: |r| &r.dod_components,
    },
    Column {
        name: "award_numbers",
        width: 30.0,
        value: |r| &r.award_numbers,
    },
    Column {
        name: "dod_evidence",
        width: 60.0,
        value: |r| &r.dod_evidence,
    },
    Column {
        name: "china_institutions",
        width: 40.0,
        value: |r| &r.china_institutions,
    },
    Column {
        name: "china_regions",
        width: 10.0,
        value: |r| &r.china_regions,
    },
    Column {
        name: "china_evidence",
        width: 60.0,
        value: |r| &r.china_evidence,
    },
    Column {
        name: "entity_hits",
        width: 50.0,
        value: |r| &r.entity_hits,
    },
    Column {
        name: "sources",
        width: 18.0,
        value: |r| &r.sources,
    },
    Column {
        name: "first_flagged_at",
        width: 20.0,
        value: |r| &r.first_flagged_at,
    },
    Column {
        name: "review_status",
        width: 24.0,
        value: |r| &r.review_status,
    },
    Column {
        name: "review_note",
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
}

/// The flagged papers, tier 1 first.
pub fn load(db: &Db, selection: &Selection) -> Result<Vec<FlaggedRow>> {
    let mut rows = db.flagged_rows(&FlagFilter {
        since_run: selection.since_run,
    })?;
    if selection.mainland_only {
        rows.retain(|r| r.china_regions.split("; ").any(|x| x == "CN"));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

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
