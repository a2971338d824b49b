//! What a running stage shows on its progress line: what it is doing now (a phase), how far it
//! is, out of how many when that is known (then with the time left), and how many requests it
//! has sent — updated at every request, so a line never looks frozen while work goes on, and
//! saying what it waits for when it waits.

use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A stage's progress line (hidden when there is no terminal, or for commands that print none).
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
    phase: Arc<Mutex<String>>,
    requests: Arc<AtomicU64>,
}

fn counting() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {prefix:<11} {pos:>7} {msg} [{elapsed}]")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn towards_a_total() -> ProgressStyle {
    ProgressStyle::with_template(
        "{spinner} {prefix:<11} {pos:>7}/{len:<7} {msg} [{elapsed}, about {eta} left]",
    )
    .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

impl Progress {
    pub fn new(bar: ProgressBar, phase: &str) -> Progress {
        bar.set_style(counting());
        let p = Progress {
            bar,
            phase: Arc::new(Mutex::new(phase.to_string())),
            requests: Arc::new(AtomicU64::new(0)),
        };
        p.redraw();
        p
    }

    /// A line nobody sees (`awards resolve` prints its own summary).
    pub fn hidden() -> Progress {
        Progress::new(ProgressBar::hidden(), "")
    }

    pub fn bar(&self) -> &ProgressBar {
        &self.bar
    }

    /// A new phase: what is counted from now on, and out of how many when that is known.
    pub fn phase(&self, what: &str, total: Option<u64>) {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) = what.to_string();
        self.bar.set_position(0);
        match total {
            Some(n) => {
                self.bar.set_length(n);
                self.bar.set_style(towards_a_total());
                self.bar.reset_eta();
            }
            None => self.bar.set_style(counting()),
        }
        self.redraw();
    }

    /// The total of the phase became known (or grew).
    pub fn total(&self, n: u64) {
        if self.bar.length().is_none() {
            self.bar.set_style(towards_a_total());
        }
        self.bar.set_length(n);
    }

    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    /// The running count of requests (an endpoint's observer).
    pub fn requests(&self, n: u64) {
        self.requests.store(n, Ordering::Relaxed);
        self.redraw();
    }

    /// Say what the stage waits for, until its next request.
    pub fn waiting(&self, why: &str) {
        let phase = self.phase.lock().unwrap_or_else(|e| e.into_inner()).clone();
        self.bar.set_message(format!(
            "{phase}, {} requests; {why}",
            self.requests.load(Ordering::Relaxed)
        ));
    }

    fn redraw(&self) {
        let phase = self.phase.lock().unwrap_or_else(|e| e.into_inner()).clone();
        self.bar.set_message(format!(
            "{phase}, {} requests",
            self.requests.load(Ordering::Relaxed)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_says_its_phase_requests_and_total() {
        let p = Progress::new(ProgressBar::hidden(), "works");
        p.requests(3);
        assert_eq!(p.bar().message(), "works, 3 requests");
        p.phase("award pages", Some(40));
        p.inc(10);
        assert_eq!(p.bar().length(), Some(40));
        assert_eq!(p.bar().position(), 10);
        assert_eq!(p.bar().message(), "award pages, 3 requests");
        p.waiting("waiting for discovery (12 works queued)");
        assert!(p.bar().message().ends_with("(12 works queued)"));
    }
}
