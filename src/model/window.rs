//! A publication window and the one format of checkpoint keys, which name the window they
//! cover so a different window never resumes from another's cursor.

use crate::error::{Error, Result};
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
            return Err(Error::BadInput(format!("--from {from} is after --to {to}")));
        }
        Ok(Window { from, to })
    }

    /// What looks like a mistake in a window asked for on `today`: one that starts after
    /// today (nothing is published in it yet) or ends more than a year ahead.
    pub fn doubt(&self, today: NaiveDate) -> Option<String> {
        if self.from > today + chrono::Days::new(31) {
            Some(format!(
                "the window starts on {}, after today ({today}): nothing has been published in it yet",
                self.from
            ))
        } else if self.to > today + chrono::Days::new(366) {
            Some(format!(
                "the window ends on {}, more than a year from now: did you mean another year?",
                self.to
            ))
        } else {
            None
        }
    }

    /// The checkpoint key of a crawl of this window: `route:detail:from:to`.
    pub fn key(&self, route: &str, detail: &str) -> String {
        format!("{route}:{detail}:{}:{}", self.from, self.to)
    }

    /// Days in the window, both ends counted.
    pub fn days(&self) -> u64 {
        (self.to - self.from).num_days().max(0) as u64 + 1
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

    /// This window cut into `n` consecutive windows of (nearly) equal length; fewer when it
    /// has fewer days than `n`.
    pub fn split(&self, n: u64) -> Vec<Window> {
        let (days, n) = (self.days(), n.max(1));
        let n = n.min(days);
        let mut out = Vec::with_capacity(n as usize);
        let mut start = self.from;
        for i in 0..n {
            // The first `days % n` windows get one day more.
            let len = days / n + u64::from(i < days % n);
            let end = start + chrono::Days::new(len - 1);
            out.push(Window {
                from: start,
                to: end,
            });
            start = end + chrono::Days::new(1);
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
    fn a_split_covers_the_window_in_nearly_equal_parts() {
        let w = Window::new(d("2024-01-01"), d("2024-01-31")).unwrap();
        let parts = w.split(4);
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[0].from, w.from);
        assert_eq!(parts[3].to, w.to);
        for p in parts.windows(2) {
            assert_eq!(p[0].to.succ_opt().unwrap(), p[1].from);
        }
        let lens: Vec<u64> = parts.iter().map(Window::days).collect();
        assert_eq!(lens, vec![8, 8, 8, 7]);
        // A window is never cut finer than a day.
        let two = Window::new(d("2024-01-01"), d("2024-01-02")).unwrap();
        assert_eq!(two.split(5).len(), 2);
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
