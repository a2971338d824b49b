//! The publication window of a scan, resolved once (from `--from/--to`, or from the last
//! successful runs for `--since-last`), and the one format of checkpoint keys, which name the
//! window they cover so a different window never resumes from another's cursor.

use crate::error::{Error, Result};
use crate::model::Source;
use crate::store::Db;
use chrono::NaiveDate;

/// Publication dates `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Window {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Window> {
        if from > to {
            return Err(Error::Invalid(format!("--from {from} is after --to {to}")));
        }
        Ok(Window { from, to })
    }

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

    /// The checkpoint key of a crawl of this window: `route:detail:from:to`.
    pub fn key(&self, route: &str, detail: &str) -> String {
        format!("{route}:{detail}:{}:{}", self.from, self.to)
    }

    /// Consecutive windows of at most `days` days covering this one.
    pub fn shards(&self, days: u32) -> Vec<Window> {
        let mut out = Vec::new();
        let mut start = self.from;
        let step = chrono::Days::new(days.max(1) as u64);
        while start <= self.to {
            let end = (start + step).pred_opt().unwrap_or(start).min(self.to);
            out.push(Window {
                from: start,
                to: end,
            });
            start = end.succ_opt().unwrap_or(end);
            if end == self.to {
                break;
            }
        }
        out
    }
}

/// A short stable digest of a query, for keys: a changed query starts fresh checkpoints.
pub fn digest(s: &str) -> String {
    let h = s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn shards_cover_the_window_without_overlap() {
        let s = Window::new(d("2023-06-01"), d("2023-08-15"))
            .unwrap()
            .shards(31);
        assert_eq!(s.first().unwrap().from, d("2023-06-01"));
        assert_eq!(s.last().unwrap().to, d("2023-08-15"));
        for w in s.windows(2) {
            assert_eq!(w[0].to.succ_opt().unwrap(), w[1].from);
        }
        let one = Window::new(d("2024-01-01"), d("2024-01-01")).unwrap();
        assert_eq!(one.shards(31).len(), 1);
    }

    #[test]
    fn keys_name_the_window_so_another_window_never_resumes_from_them() {
        let w = Window::new(d("2024-01-01"), d("2024-01-31")).unwrap();
        assert_eq!(
            w.key("funder", "100000005"),
            "funder:100000005:2024-01-01:2024-01-31"
        );
        let other = Window::new(d("2024-01-01"), d("2024-02-29")).unwrap();
        assert_ne!(
            w.key("funder", "100000005"),
            other.key("funder", "100000005")
        );
    }

    #[test]
    fn a_window_that_ends_before_it_starts_is_refused() {
        let err = Window::new(d("2025-01-01"), d("2024-12-31")).unwrap_err();
        assert!(err.to_string().contains("is after --to"));
    }
}
