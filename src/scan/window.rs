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
                return Err(Error::BadInput(format!(
                    "--since-last: no successful {s} run in {} yet; run one with --from and --to first",
                    db.path().display()
                )));
            };
            earliest = Some(earliest.map_or(last, |e: NaiveDate| e.min(last)));
        }
        let last =
            earliest.ok_or_else(|| Error::BadInput("--since-last: no sources given".into()))?;
        let from = last - chrono::Days::new(u64::from(overlap_days));
        Ok(Window {
            from: from.min(until),
            to: until,
        })
    }
}

/// What a scheduled (`--since-last`) run asks: the new publication window, the whole window
/// the schedule keeps, and the day from which Crossref is asked what it indexed (late
/// registrations, funding deposited later) anywhere in the kept window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub window: Window,
    pub kept: Window,
    /// `None` when no successful Crossref run says as of when it looked.
    pub indexed_since: Option<NaiveDate>,
    /// The same for Europe PMC (the day records were first indexed).
    pub europepmc_indexed_since: Option<NaiveDate>,
}

impl Schedule {
    /// The schedule of a `--since-last` run ending `until`: the new window as
    /// [`Window::since_last`] gives it; the kept window from `window_from` (default: the first
    /// publication date a successful run covered) to `until`; what Crossref indexed since
    /// `overlap_days` before the last successful Crossref run looked (index dates are days,
    /// and a deposit is indexed some time after it is made).
    pub fn since_last(
        db: &Db,
        sources: &[Source],
        overlap_days: u32,
        until: NaiveDate,
        window_from: Option<NaiveDate>,
    ) -> Result<Schedule> {
        let window = Window::since_last(db, sources, overlap_days, until)?;
        let day =
            |d: Option<String>| d.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
        let mut first: Option<NaiveDate> = None;
        for s in sources {
            if let Some(d) = day(db.first_covered_date(*s)?) {
                first = Some(first.map_or(d, |f: NaiveDate| f.min(d)));
            }
        }
        let from = window_from
            .or(first)
            .unwrap_or(window.from)
            .min(window.from);
        let since = |source: Source| -> Result<Option<NaiveDate>> {
            Ok(if sources.contains(&source) {
                day(db.last_seen_as_of(source)?)
                    .map(|d| d - chrono::Days::new(u64::from(overlap_days)))
            } else {
                None
            })
        };
        Ok(Schedule {
            window,
            kept: Window { from, to: until },
            indexed_since: since(Source::Crossref)?,
            europepmc_indexed_since: since(Source::EuropePmc)?,
        })
    }
}

impl super::ScanOptions {
    /// What a scheduled run is about to ask, in one line.
    pub fn schedule_line(&self) -> String {
        let w = self.window;
        let mut line = format!(
            "--since-last: scanning publications from {} to {}",
            w.from, w.to
        );
        if let (Some(d), Some(kept)) = (self.indexed_since, self.kept) {
            line.push_str(&format!(
                ", and what Crossref indexed since {d} published from {} to {}",
                kept.from, kept.to
            ));
        }
        line
    }
}
