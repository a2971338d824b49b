//! How fast one host is asked: a rate limiter that a host can slow down.
//!
//! A host that answers 429 (or 503) with `Retry-After` is paused as a whole: every queued and
//! new request to it waits until the pause ends — also a request already waiting for its rate
//! slot, which looks at the pause again once its slot comes. A 429 also lowers the host's
//! rate: to the number of requests it accepted in the second before the refusal when there
//! were two or more and that is lower (a host that allows 2 requests/s and refused the third
//! is asked 2/s from then on, not 5, then 2.5, then 1.25), else to half. Refusals of requests sent before the
//! last slow-down were sent at the old rate and do not lower it again. After a quiet spell
//! without a refusal ([`QUIET`], doubled at every refusal up to ten minutes) the rate creeps
//! back up by a quarter, at most to the configured rate. The end summary says which hosts
//! were slowed, and to what.
//!
//! Requests are spaced 10% wider than 1/rate (no burst): a server counting a sliding one-second
//! window with its own clock and scheduling jitter must never see one request too many. The
//! spacing is a slot schedule of its own rather than governor's: a governor quota is fixed for
//! the life of its limiter, and a new limiter for a new rate would hand out a first slot at
//! once, right after the host's last request.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Time without a refusal after which a slowed host is first asked a quarter faster.
pub const QUIET: Duration = Duration::from_secs(30);

/// The longest quiet spell waited for before asking faster.
const MAX_QUIET: Duration = Duration::from_secs(600);

/// The slowest a host is ever asked: one request a minute.
const FLOOR_RPS: f64 = 1.0 / 60.0;

/// What the refusals of a host came to, for the summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slowed {
    pub configured: f64,
    /// The lowest rate the host was asked at.
    pub lowest: f64,
    /// The rate at the end.
    pub now: f64,
    /// How many times the rate was lowered.
    pub times: u32,
}

impl std::fmt::Display for Slowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} → {} req/s ({} time{}{})",
            rate(self.configured),
            rate(self.lowest),
            self.times,
            if self.times == 1 { "" } else { "s" },
            if self.now > self.lowest {
                format!(", back to {} at the end", rate(self.now))
            } else {
                String::new()
            }
        )
    }
}

fn rate(r: f64) -> String {
    if r >= 10.0 || r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

struct State {
    configured: f64,
    current: f64,
    lowest: f64,
    times: u32,
    /// Time between two requests at the current rate.
    period: Duration,
    /// The latest slot handed out: the next is one period after it.
    last_slot: Option<Instant>,
    /// The latest slot a request really went out in.
    last_used: Option<Instant>,
    /// Bumped when the rate is lowered: a slot taken before is too early for the new rate.
    generation: u64,
    pause_until: Option<Instant>,
    last_slowdown: Option<Instant>,
    last_change: Instant,
    /// When the requests the host accepted in the last seconds were sent.
    accepted: VecDeque<Instant>,
}

/// The pace of one host.
pub struct Pace {
    state: Mutex<State>,
}

fn period(rps: f64) -> Duration {
    Duration::from_secs_f64(1.10 / rps.max(FLOOR_RPS))
}

impl Pace {
    pub fn new(requests_per_second: f64) -> Pace {
        let rps = requests_per_second.max(FLOOR_RPS);
        Pace {
            state: Mutex::new(State {
                configured: rps,
                current: rps,
                lowest: rps,
                times: 0,
                period: period(rps),
                last_slot: None,
                last_used: None,
                generation: 0,
                pause_until: None,
                last_slowdown: None,
                last_change: Instant::now(),
                accepted: VecDeque::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("pace lock")
    }

    /// Wait until this host may be asked: no pause running, and a slot one period after the
    /// last one handed out. A pause or a slow-down that came while waiting sends it back to
    /// wait.
    pub async fn wait_turn(&self) {
        loop {
            let now = Instant::now();
            let turn = {
                let mut s = self.lock();
                match s.pause_until.filter(|t| *t > now) {
                    Some(t) => Err(t),
                    None => {
                        let slot = s.last_slot.map_or(now, |l| (l + s.period).max(now));
                        s.last_slot = Some(slot);
                        Ok((slot, s.generation))
                    }
                }
            };
            let (slot, generation) = match turn {
                Ok(t) => t,
                Err(pause) => {
                    tokio::time::sleep_until(pause.into()).await;
                    continue;
                }
            };
            tokio::time::sleep_until(slot.into()).await;
            let mut s = self.lock();
            let paused = s.pause_until.is_some_and(|t| t > Instant::now());
            if !paused && s.generation == generation {
                s.last_used = Some(s.last_used.map_or(slot, |u| u.max(slot)));
                return;
            }
        }
    }

    /// Hold every request to this host back for `d` (a server's `Retry-After`).
    pub fn pause(&self, d: Duration) {
        let until = Instant::now() + d;
        let mut s = self.lock();
        if s.pause_until.is_none_or(|old| old < until) {
            s.pause_until = Some(until);
        }
    }

    /// The host answered a request sent at `sent` (anything but a refusal): remembered for the
    /// next slow-down, and a slowed host creeps back after a quiet spell.
    pub fn accepted(&self, sent: Instant) {
        let mut s = self.lock();
        s.accepted.push_back(sent);
        let now = Instant::now();
        while s
            .accepted
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(2))
        {
            s.accepted.pop_front();
        }
        let spell = QUIET
            .saturating_mul(1 << s.times.saturating_sub(1).min(5))
            .min(MAX_QUIET);
        let quiet = s
            .last_slowdown
            .is_some_and(|t| now.duration_since(t) >= spell)
            && now.duration_since(s.last_change) >= spell;
        if s.current < s.configured && quiet {
            let faster = (s.current * 1.25).min(s.configured);
            s.current = faster;
            s.period = period(faster);
            s.last_change = now;
        }
    }

    /// The host refused a request sent at `sent` with a 429: lower its rate (once per burst
    /// of refusals).
    pub fn refused(&self, sent: Instant) {
        let mut s = self.lock();
        if s.last_slowdown.is_some_and(|t| sent < t) {
            return;
        }
        let window = Duration::from_secs(1);
        let took = s
            .accepted
            .iter()
            .filter(|t| **t <= sent && sent.duration_since(**t) < window)
            .count() as f64;
        // Two or more accepted in that second measure what the host takes; one or none says
        // nothing about a rate (a refusal of a lone request), so the rate is halved.
        let lower = if took >= 2.0 && took < s.current {
            took
        } else {
            s.current / 2.0
        }
        .max(FLOOR_RPS);
        s.times += 1;
        s.lowest = s.lowest.min(lower);
        let now = Instant::now();
        s.last_slowdown = Some(now);
        s.last_change = now;
        s.current = lower;
        s.period = period(lower);
        s.generation += 1;
        // Slots handed out at the old rate are taken again at the new one, from the last
        // request that really went out.
        s.last_slot = s.last_used;
    }

    /// What the refusals came to, when there were any.
    pub fn slowed(&self) -> Option<Slowed> {
        let s = self.lock();
        (s.times > 0).then_some(Slowed {
            configured: s.configured,
            lowest: s.lowest,
            now: s.current,
            times: s.times,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_refusal_lowers_the_rate_to_what_the_host_took_in_the_second_before() {
        let p = Pace::new(10.0);
        let t0 = Instant::now() - Duration::from_secs(1);
        p.accepted(t0);
        p.accepted(t0 + Duration::from_millis(110));
        p.refused(t0 + Duration::from_millis(220));
        let s = p.slowed().unwrap();
        assert_eq!((s.configured, s.lowest, s.times), (10.0, 2.0, 1));
        // A refusal of a request sent before the slow-down does not lower it again.
        p.refused(t0 + Duration::from_millis(230));
        assert_eq!(p.slowed().unwrap().times, 1);
    }

    #[test]
    fn with_nothing_accepted_a_refusal_halves_the_rate() {
        let p = Pace::new(3.0);
        p.refused(Instant::now());
        assert_eq!(p.slowed().unwrap().lowest, 1.5);
        assert_eq!(p.slowed().unwrap().to_string(), "3 → 1.5 req/s (1 time)");
    }

    #[test]
    fn a_host_never_refused_was_not_slowed() {
        let p = Pace::new(3.0);
        p.accepted(Instant::now());
        assert!(p.slowed().is_none());
    }

    #[tokio::test]
    async fn a_pause_set_while_waiting_for_a_slot_holds_the_request_back() {
        let p = Arc::new(Pace::new(2.0));
        p.wait_turn().await; // takes the first slot
        let started = Instant::now();
        let waiter = {
            let p = p.clone();
            tokio::spawn(async move { p.wait_turn().await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        p.pause(Duration::from_millis(900));
        waiter.await.unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(990),
            "{:?}",
            started.elapsed()
        );
    }
}
