//! What a scan did, per source and in all: the figures printed at the end, stored in
//! `scan_runs`/`run_sources`, and shown by `stats`. One type per level, built one way.

use crate::error::Error;
use crate::model::{RunStatus, Source};
use crate::sources::http::Endpoint;
use crate::sources::pace::Slowed;
use crate::store::{RunTotals, SourceTotals};
use std::fmt;
use std::time::Duration;

/// How one source fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceStatus {
    Ok,
    /// Stopped early; the next run resumes from the checkpoint.
    Incomplete(String),
    Failed(String),
}

impl SourceStatus {
    /// The status a source-level error leaves: a spent budget or a long back-off is
    /// "incomplete" (resumable), anything else "failed".
    pub fn of(err: &Error) -> SourceStatus {
        match err {
            Error::BudgetExhausted { .. } | Error::BackOffTooLong { .. } => {
                SourceStatus::Incomplete(format!("{err}; run the same scan again to resume"))
            }
            e => SourceStatus::Failed(e.to_string()),
        }
    }

    /// Keep the first problem: a later one does not hide why the source stopped.
    pub fn worsen(&mut self, err: &Error) {
        if *self == SourceStatus::Ok {
            *self = SourceStatus::of(err);
        }
    }

    pub fn is_ok(&self) -> bool {
        *self == SourceStatus::Ok
    }

    pub fn run_status(&self) -> RunStatus {
        match self {
            SourceStatus::Ok => RunStatus::Ok,
            SourceStatus::Incomplete(_) => RunStatus::Incomplete,
            SourceStatus::Failed(_) => RunStatus::Failed,
        }
    }

    pub fn message(&self) -> Option<&str> {
        match self {
            SourceStatus::Ok => None,
            SourceStatus::Incomplete(m) | SourceStatus::Failed(m) => Some(m),
        }
    }
}

/// Per-source figures.
#[derive(Debug, Clone)]
pub struct SourceSummary {
    pub source: Source,
    /// Records this source's paged queries returned in this run (a crawl finished by an
    /// earlier run adds nothing; `stats` counts what is stored): what `announced` counts.
    pub works: u64,
    pub announced: Option<u64>,
    /// Records looked up by DOI for works other routes found: no query announced them, so
    /// they are said apart ("+ 213 looked up by DOI").
    pub looked_up: u64,
    pub requests: u64,
    pub retries: u64,
    /// Requests that failed for good (a 404 is an answer, not an error).
    pub errors: u64,
    pub status: SourceStatus,
    /// What else the user should know (pages left for later runs, records without a DOI).
    pub note: Option<String>,
    /// Hosts that answered 429 and were asked more slowly from then on: `(host, how)`.
    pub slowed: Vec<(String, Slowed)>,
    /// The host that bounds this source (the most requests for its limit): how long it was
    /// busy beside the time its limit needs.
    pub busy: Option<crate::sources::http::Busy>,
}

impl SourceSummary {
    /// A summary whose request figures are the endpoint's counters.
    pub fn from_endpoint(source: Source, ep: &Endpoint) -> SourceSummary {
        let (requests, retries, errors) = ep.stats.snapshot();
        SourceSummary {
            source,
            works: 0,
            announced: None,
            looked_up: 0,
            requests,
            retries,
            errors,
            status: SourceStatus::Ok,
            note: None,
            slowed: ep
                .slowed()
                .map(|s| (ep.name.to_string(), s))
                .into_iter()
                .collect(),
            busy: ep.busy(ep.name),
        }
    }

    pub fn totals(&self) -> SourceTotals {
        SourceTotals {
            works: self.works + self.looked_up,
            announced: self.announced,
            requests: self.requests,
            retries: self.retries,
            errors: self.errors,
            status: self.status.run_status(),
            message: self.status.message().map(str::to_string),
            note: self.note.clone(),
        }
    }
}

/// What a scan did.
#[derive(Debug, Clone)]
pub struct ScanSummary {
    pub run_id: i64,
    pub sources: Vec<SourceSummary>,
    pub works_total: u64,
    pub works_new: u64,
    pub classified: u64,
    pub candidates: u64,
    pub flagged: u64,
    pub new_flags: u64,
    /// Sources that returned fewer records than they announced (recorded as `short-count`).
    pub short_counts: u64,
    /// The interrupted runs this one resumed: `(run, works they first stored, flags they
    /// first raised)`; what they found is new to whoever reads this summary too.
    pub resumed: Vec<(i64, u64, u64)>,
    pub elapsed: Duration,
}

impl ScanSummary {
    /// Whether every source finished.
    pub fn complete(&self) -> bool {
        self.sources.iter().all(|s| s.status.is_ok())
    }

    /// Whether every source failed: nothing could be fetched (no network, a server refusing
    /// every request) — a failure, not a partial success to resume.
    pub fn all_failed(&self) -> bool {
        !self.sources.is_empty()
            && self
                .sources
                .iter()
                .all(|s| matches!(s.status, SourceStatus::Failed(_)))
    }

    pub fn totals(&self) -> RunTotals {
        RunTotals {
            status: if self.complete() {
                RunStatus::Ok
            } else if self.all_failed() {
                RunStatus::Failed
            } else {
                RunStatus::Incomplete
            },
            works_seen: self.sources.iter().map(|s| s.works + s.looked_up).sum(),
            works_new: self.works_new,
            candidates: self.candidates,
            flagged: self.flagged,
            new_flags: self.new_flags,
            requests: self.sources.iter().map(|s| s.requests).sum(),
            retries: self.sources.iter().map(|s| s.retries).sum(),
            errors: self.sources.iter().map(|s| s.errors).sum(),
            elapsed_ms: self.elapsed.as_millis() as u64,
            message: self
                .sources
                .iter()
                .filter_map(|s| s.status.message().map(|m| prefixed(s.source, m)))
                .reduce(|a, b| format!("{a}; {b}")),
        }
    }
}

impl ScanSummary {
    /// The summary as one JSON object, for `--log-format json`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "scan": self.run_id,
            "status": self.totals().status.as_str(),
            "elapsed_seconds": self.elapsed.as_secs_f64(),
            "sources": self.sources.iter().map(|s| serde_json::json!({
                "source": s.source.as_str(),
                "status": s.status.run_status().as_str(),
                "message": s.status.message(),
                "records_returned": s.works,
                "announced": s.announced,
                "looked_up": s.looked_up,
                "requests": s.requests,
                "retries": s.retries,
                "errors": s.errors,
                "note": s.note,
                "slowed": s.slowed.iter().map(|(host, w)| serde_json::json!({
                    "host": host,
                    "configured_rps": w.configured,
                    "lowest_rps": w.lowest,
                    "final_rps": w.now,
                    "times": w.times,
                })).collect::<Vec<_>>(),
                "busy": s.busy.as_ref().map(|b| serde_json::json!({
                    "host": b.host,
                    "requests": b.requests,
                    "seconds": b.seconds,
                    "bound_seconds": b.bound_seconds,
                })),
            })).collect::<Vec<_>>(),
            "works_in_database": self.works_total,
            "works_new": self.works_new,
            "works_classified": self.classified,
            "dod_funded_works": self.candidates,
            "flagged": self.flagged,
            "new_flags": self.new_flags,
            "short_counts": self.short_counts,
            "resumed_runs": self.resumed.iter().map(|(run, works, flags)| serde_json::json!({
                "run": run, "works_new": works, "new_flags": flags,
            })).collect::<Vec<_>>(),
        })
    }
}

/// "crossref: …", without doubling a prefix the message already has.
fn prefixed(source: Source, message: &str) -> String {
    if message.starts_with(&format!("{source}:")) {
        message.to_string()
    } else {
        format!("{source}: {message}")
    }
}

impl fmt::Display for ScanSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "scan #{} finished in {:.1}s",
            self.run_id,
            self.elapsed.as_secs_f64()
        )?;
        for s in &self.sources {
            write!(
                f,
                "  {:<11} {:>7} records returned{}{}  {:>5} requests  {:>3} retries  {:>3} errors  {}",
                s.source.as_str(),
                s.works,
                s.announced
                    .map(|a| format!(" (of {a} announced)"))
                    .unwrap_or_default(),
                if s.looked_up > 0 {
                    format!(" + {} looked up by DOI", s.looked_up)
                } else {
                    String::new()
                },
                s.requests,
                s.retries,
                s.errors,
                s.status.run_status()
            )?;
            if let Some(m) = s.status.message() {
                write!(
                    f,
                    ": {}",
                    m.strip_prefix(&format!("{}: ", s.source)).unwrap_or(m)
                )?;
            }
            if let Some(n) = &s.note {
                write!(f, " ({n})")?;
            }
            writeln!(f)?;
            if !s.slowed.is_empty() {
                let hosts: Vec<String> = s.slowed.iter().map(|(h, w)| format!("{h} {w}")).collect();
                writeln!(f, "  {:<11} slowed by 429s: {}", "", hosts.join("; "))?;
            }
            if let Some(b) = s.busy.as_ref().filter(|b| b.requests > 1) {
                writeln!(f, "  {:<11} {b}", "")?;
            }
        }
        let resumed = if self.resumed.is_empty() {
            String::new()
        } else {
            let runs: Vec<String> = self.resumed.iter().map(|r| format!("#{}", r.0)).collect();
            let works: u64 = self.resumed.iter().map(|r| r.1).sum();
            format!(
                ", {works} more stored by the interrupted run{} {} it resumed",
                if runs.len() == 1 { "" } else { "s" },
                runs.join(", ")
            )
        };
        writeln!(
            f,
            "  works in database: {} ({} new this scan{resumed}); works classified this scan: {}",
            self.works_total, self.works_new, self.classified
        )?;
        write!(
            f,
            "  DoD-funded works: {}; flagged (DoD ∧ China-based coauthor): {} ({} new)",
            self.candidates, self.flagged, self.new_flags
        )
    }
}
