//! The `--since-last` window, resolved from the last successful runs. The window itself, the
//! key format and query digests are in [`crate::model::Window`].

use crate::error::{Error, Result};
use crate::model::{Source, Window};
use crate::store::Db;
use chrono::NaiveDate;

impl Window {
    /// The `--since-last` window: from `overlap_days` before the latest publication date that
    /// a successful run of each of `sources` covered (the earliest of those, so no source skips
    /// anything), to `until`.
    pub fn since_last(
        db: &Db,
        sources: &[Source],
        overlap_days: u32,
        until: NaiveDate,
    ) -> Result<Window> {
        let mut earliest: Option<NaiveDate> = None;
        for s in sources {
            let last = db
                .last_covered_date(*s)?
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
            let Some(last) = last else {
                return Err(Error::Invalid(format!(
                    "--since-last: no successful {s} run in {} yet; run one with --from and --to first",
                    db.path().display()
                )));
            };
            earliest = Some(earliest.map_or(last, |e: NaiveDate| e.min(last)));
        }
        let last =
            earliest.ok_or_else(|| Error::Invalid("--since-last: no sources given".into()))?;
        let from = last - chrono::Days::new(u64::from(overlap_days));
        Ok(Window {
            from: from.min(until),
            to: until,
        })
    }
}
