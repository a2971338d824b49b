//! A source's share of the client: its pace, its in-flight cap, the parameters added at send
//! time, and the counters the summary reads.

use crate::sources::pace::{Pace, Slowed};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Counters for the scan summary and `scan_runs`.
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub errors: AtomicU64,
    /// When the first request left and the last answer came: how long the host was busy.
    span: std::sync::Mutex<Option<(Instant, Instant)>>,
}

/// How long a host was kept busy, beside the shortest time its limit allows for the requests
/// it was sent (`requests / rate`): far apart, the host sat idle while the scan ran.
#[derive(Debug, Clone, PartialEq)]
pub struct Busy {
    pub host: String,
    pub requests: u64,
    pub seconds: f64,
    pub bound_seconds: f64,
}

impl std::fmt::Display for Busy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} busy {:.1} s for {} requests (its limit allows them in {:.1} s)",
            self.host, self.seconds, self.requests, self.bound_seconds
        )
    }
}

impl Stats {
    /// Note activity now (a request leaving, an answer arriving).
    pub fn active(&self) {
        let now = Instant::now();
        let mut span = self.span.lock().unwrap_or_else(|e| e.into_inner());
        *span = Some(match *span {
            Some((first, _)) => (first, now),
            None => (now, now),
        });
    }

    /// Seconds from the first request to the last answer.
    pub fn busy_seconds(&self) -> f64 {
        self.span
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .map_or(0.0, |(a, b)| (b - a).as_secs_f64())
    }

    pub fn snapshot(&self) -> (u64, u64, u64) {
        (
            self.requests.load(Ordering::Relaxed),
            self.retries.load(Ordering::Relaxed),
            self.errors.load(Ordering::Relaxed),
        )
    }

    /// A failed request its caller answered another way (a combined query refused, then asked
    /// part by part): not an error of the run.
    pub fn handled(&self) {
        let _ = self
            .errors
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }
}

/// Limits for one source.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub requests_per_second: f64,
    pub concurrency: usize,
}

/// A source's share of the client: its limits, its pause, its counters.
pub struct Endpoint {
    pub name: &'static str,
    pub(super) pace: Pace,
    pub(super) inflight: Semaphore,
    pub(super) concurrency: usize,
    /// The configured rate (requests/s), for the busy-time bound.
    pub(super) rate: f64,
    pub stats: Stats,
    /// Remaining budget in USD as last reported by the server (OpenAlex), in micro-dollars.
    pub budget_remaining_micro_usd: AtomicU64,
    /// Query parameters added to every request at send time (API keys, contact addresses):
    /// never part of a URL string, so never in a log, an error or the database.
    pub(super) params: Vec<(&'static str, String)>,
    /// What to check when the server refuses the request (401/403).
    pub(super) refusal_hint: &'static str,
    /// Told the running count at every request (a progress bar that must never look frozen).
    pub(super) observer: std::sync::OnceLock<Observer>,
}

/// A callback told the number of requests made so far.
pub type Observer = Box<dyn Fn(u64) + Send + Sync>;

impl Endpoint {
    pub fn new(name: &'static str, limits: Limits) -> Endpoint {
        Endpoint {
            name,
            pace: Pace::new(limits.requests_per_second),
            inflight: Semaphore::new(limits.concurrency.max(1)),
            concurrency: limits.concurrency.max(1),
            rate: limits.requests_per_second,
            stats: Stats::default(),
            budget_remaining_micro_usd: AtomicU64::new(u64::MAX),
            params: Vec::new(),
            refusal_hint: "check the source's credentials",
            observer: std::sync::OnceLock::new(),
        }
    }

    /// Call `f` with the running count at every request this endpoint makes (retries too).
    pub fn observe(&self, f: impl Fn(u64) + Send + Sync + 'static) {
        let _ = self.observer.set(Box::new(f));
    }

    /// Count one request leaving, and tell the observer.
    pub fn count_request(&self) -> u64 {
        self.stats.active();
        let n = self.stats.requests.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(f) = self.observer.get() {
            f(n);
        }
        n
    }

    /// Add `name=value` to every request of this endpoint (an API key, a contact address).
    pub fn with_param(mut self, name: &'static str, value: impl Into<String>) -> Endpoint {
        self.params.push((name, value.into()));
        self
    }

    /// What a refused request (401/403) should tell the user to check.
    pub fn with_refusal_hint(mut self, hint: &'static str) -> Endpoint {
        self.refusal_hint = hint;
        self
    }

    /// Wait for a permit to have a request in flight, then for this endpoint's next rate slot.
    /// Hold the permit until the response is read.
    pub async fn acquire(&self) -> tokio::sync::SemaphorePermit<'_> {
        let permit = self.inflight.acquire().await.expect("semaphore open");
        self.wait_turn().await;
        permit
    }

    /// Hold every request of this endpoint back for `d` (a server's `Retry-After`).
    pub fn pause(&self, d: Duration) {
        self.pace.pause(d);
    }

    /// Requests allowed in flight.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    pub(super) async fn wait_turn(&self) {
        self.pace.wait_turn().await;
    }

    /// What the host said to a request sent at `sent`: a 429 pauses the host for its
    /// `Retry-After` (when it is no longer than `max_wait`) and lowers its rate; a 503 with
    /// `Retry-After` pauses it; any other answer counts as accepted.
    pub fn answered(
        &self,
        sent: Instant,
        status: u16,
        retry_after: Option<Duration>,
        max_wait: Duration,
    ) {
        self.stats.active();
        match status {
            429 => {
                let wait = retry_after.unwrap_or(Duration::from_secs(1));
                if wait <= max_wait {
                    self.pace.pause(wait);
                }
                self.pace.refused(sent);
            }
            503 => {
                if let Some(wait) = retry_after {
                    self.pace.pause(wait.min(max_wait));
                }
            }
            _ => self.pace.accepted(sent),
        }
    }

    /// How long this host was busy, beside what its configured rate allows (`None` before
    /// its first request).
    pub fn busy(&self, host: &str) -> Option<Busy> {
        let requests = self.stats.requests.load(Ordering::Relaxed);
        (requests > 0).then(|| Busy {
            host: host.to_string(),
            requests,
            seconds: self.stats.busy_seconds(),
            bound_seconds: requests.saturating_sub(1) as f64 / self.rate.max(1e-9),
        })
    }

    /// How 429s slowed this host, if they did.
    pub fn slowed(&self) -> Option<Slowed> {
        self.pace.slowed()
    }
}
