//! What a scan is asked to do — the settings the command line's flags are turned into, with
//! the defaults in one place ([`defaults`]: the flags show them, [`ScanOptions::default`] uses
//! them) and the checks every caller gets, not only the command line.

use crate::awards::ResolveOptions;
use crate::classify::china::RegionPolicy;
use crate::error::{Error, Result};
use crate::model::{Source, Window};
use crate::sources::crossref::CrossrefConfig;
use crate::sources::europepmc::EuropePmcConfig;
use crate::sources::http::{ClientConfig, Limits, user_agent};
use crate::sources::openalex::OpenAlexConfig;
use crate::sources::pages::PagesConfig;
use chrono::NaiveDate;
use indicatif::ProgressDrawTarget;
use std::time::Duration;

pub use crate::defaults;

/// Everything a scan needs. [`ScanOptions::default`] is what `xrefscan scan` does without
/// flags; [`ScanOptions::checked`] refuses what no source accepts.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// The publication window asked for.
    pub window: Window,
    pub sources: Vec<Source>,
    pub crossref: CrossrefConfig,
    pub crossref_limits: Limits,
    pub openalex: OpenAlexConfig,
    pub openalex_limits: Limits,
    pub europepmc: EuropePmcConfig,
    pub europepmc_limits: Limits,
    /// Most full texts to fetch this run (the rest wait for the next run).
    pub fulltext_budget: usize,
    /// How cited award numbers are looked up (USAspending).
    pub awards: crate::awards::ResolveOptions,
    pub pages: PagesConfig,
    /// Most works whose acknowledgment is read this run (the rest wait for the next run).
    pub ack_budget: usize,
    /// Sweep OpenAlex for every China-linked work of the window (their acknowledgments are
    /// then read, most promising first, within `ack_budget`).
    pub sweep: bool,
    pub client: ClientConfig,
    pub policy: RegionPolicy,
    /// A scheduled scan's whole window (`--since-last`): works registered or updated late are
    /// asked for anywhere in it, and looked up and read like the new window's.
    pub kept: Option<Window>,
    /// Also ask for works the sources indexed on or after this day, whatever their
    /// publication date in `kept` (Crossref `from-index-date`): late registrations, funding
    /// deposited later.
    pub indexed_since: Option<chrono::NaiveDate>,
    /// The same for Europe PMC (`FIRST_IDATE`, the day a record was first indexed).
    pub europepmc_indexed_since: Option<chrono::NaiveDate>,
    /// Ask OpenAlex again, by DOI, about works that could become a flag and that it was last
    /// asked about (or did not have) more than this many months ago (`--revisit-months`).
    pub revisit_months: Option<u32>,
    /// Most works asked again per run by `revisit_months`.
    pub revisit_budget: usize,
    /// Ignore checkpoints of finished shards and fetch them again.
    pub refresh: bool,
    /// Where progress bars are drawn.
    pub progress: ProgressTo,
    /// When another xrefscan is writing, wait for it instead of failing.
    pub wait: bool,
}

impl ScanOptions {
    /// With `--revisit-months`, the moment before which an answer is old enough to ask again.
    pub fn revisit_cutoff(&self) -> Option<String> {
        self.revisit_months.map(|m| {
            (chrono::Utc::now() - chrono::Duration::days(30 * i64::from(m)))
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        })
    }
}

/// Where a scan draws its progress bars.
#[derive(Debug, Clone, Default)]
pub enum ProgressTo {
    /// Nowhere (not a terminal, `--quiet`, tests).
    #[default]
    Hidden,
    /// Standard error, a terminal.
    Stderr,
    /// Any terminal-like sink (a test records what a user would see).
    Term(std::sync::Arc<dyn indicatif::TermLike>),
}

impl ProgressTo {
    pub(super) fn target(&self) -> ProgressDrawTarget {
        match self {
            ProgressTo::Hidden => ProgressDrawTarget::hidden(),
            ProgressTo::Stderr => ProgressDrawTarget::stderr(),
            ProgressTo::Term(t) => {
                ProgressDrawTarget::term_like_with_hz(Box::new(SharedTerm(t.clone())), 200)
            }
        }
    }
}

/// An `Arc`'d terminal handed to indicatif, which wants to own its terminal.
#[derive(Debug)]
struct SharedTerm(std::sync::Arc<dyn indicatif::TermLike>);

impl indicatif::TermLike for SharedTerm {
    fn width(&self) -> u16 {
        self.0.width()
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_up(n)
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_down(n)
    }
    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_right(n)
    }
    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_left(n)
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.0.write_line(s)
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.0.write_str(s)
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.0.clear_line()
    }
    fn flush(&self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl Default for ScanOptions {
    /// Every source, the documented public limits, no contact address, and the House Select
    /// Committee's window (June 2023 – June 2025) — the command line always says its own.
    fn default() -> Self {
        use defaults as d;
        let limits = |(requests_per_second, concurrency): (f64, usize)| Limits {
            requests_per_second,
            concurrency,
        };
        let client = ClientConfig::default();
        ScanOptions {
            window: Window {
                from: NaiveDate::from_ymd_opt(2023, 6, 1).expect("a date"),
                to: NaiveDate::from_ymd_opt(2025, 6, 30).expect("a date"),
            },
            sources: defaults::SOURCES
                .split(',')
                .filter_map(Source::parse)
                .collect(),
            crossref: CrossrefConfig {
                base_url: d::CROSSREF_URL.into(),
                mailto: None,
                rows: d::CROSSREF_ROWS,
                shard_days: d::SHARD_DAYS,
                funder_names: true,
            },
            crossref_limits: limits(d::CROSSREF_PUBLIC),
            openalex: OpenAlexConfig {
                base_url: d::OPENALEX_URL.into(),
                api_key: None,
                batch: d::OPENALEX_BATCH,
            },
            openalex_limits: limits((d::OPENALEX_RPS, d::OPENALEX_CONCURRENCY)),
            europepmc: EuropePmcConfig {
                base_url: d::EUROPEPMC_URL.into(),
                page_size: d::EUROPEPMC_PAGE_SIZE,
                email: None,
            },
            europepmc_limits: limits((d::EUROPEPMC_RPS, d::EUROPEPMC_CONCURRENCY)),
            fulltext_budget: d::FULLTEXT_BUDGET,
            awards: ResolveOptions::default(),
            pages: PagesConfig {
                resolver: d::DOI_RESOLVER.into(),
                per_host: limits((d::PAGE_RPS, d::PAGE_CONCURRENCY)),
                resolver_limits: limits((d::RESOLVER_RPS, d::RESOLVER_CONCURRENCY)),
                user_agent: client.user_agent.clone(),
                timeout: client.timeout,
                max_bytes: d::MAX_PAGE_BYTES,
                max_pdf_bytes: d::MAX_PDF_BYTES,
                pdf_timeout: Duration::from_secs(d::PDF_TIMEOUT_SECS),
                max_redirects: d::MAX_REDIRECTS,
                max_attempts: client.max_attempts,
            },
            ack_budget: d::ACK_BUDGET,
            sweep: true,
            client,
            policy: RegionPolicy::default(),
            kept: None,
            indexed_since: None,
            europepmc_indexed_since: None,
            revisit_months: None,
            revisit_budget: d::REVISIT_BUDGET,
            refresh: false,
            progress: ProgressTo::Hidden,
            wait: false,
        }
    }
}

impl ScanOptions {
    /// With a contact address: Crossref's polite pool (its documented limits, unless they
    /// are set afterwards), Europe PMC's `email`, and the User-Agent of every request.
    pub fn with_mailto(mut self, mailto: &str) -> Self {
        self.crossref.mailto = Some(mailto.to_string());
        self.europepmc.email = Some(mailto.to_string());
        let (rps, conc) = defaults::CROSSREF_POLITE;
        self.crossref_limits = Limits {
            requests_per_second: rps,
            concurrency: conc,
        };
        self.client.user_agent = user_agent(Some(mailto));
        self.pages.user_agent = self.client.user_agent.clone();
        self
    }

    /// The request timeout and attempts, for API calls and pages alike.
    pub fn with_requests(mut self, timeout: Duration, max_attempts: u32) -> Self {
        self.client.timeout = timeout;
        self.client.max_attempts = max_attempts;
        self.pages.timeout = timeout;
        self.pages.max_attempts = max_attempts;
        self
    }

    /// Refuse what no source accepts (said in the flags' words), bring sizes within what each
    /// API allows, and warn of Crossref limits above its documented pool.
    pub fn checked(mut self) -> Result<Self> {
        if self.crossref.rows == 0 || self.crossref.rows > 1000 {
            return Err(Error::BadInput(
                "--crossref-rows must be between 1 and 1000 (Crossref's limit)".into(),
            ));
        }
        let rps = self.openalex_limits.requests_per_second;
        if rps <= 0.0 || rps > defaults::OPENALEX_MAX_RPS {
            return Err(Error::BadInput(
                "--openalex-rps must be above 0 and at most 100 (OpenAlex's hard cap)".into(),
            ));
        }
        let polite = self.crossref.mailto.is_some();
        let (pool_rps, pool_conc) = if polite {
            defaults::CROSSREF_POLITE
        } else {
            defaults::CROSSREF_PUBLIC
        };
        if self.crossref_limits.requests_per_second > pool_rps
            || self.crossref_limits.concurrency > pool_conc
        {
            tracing::warn!(
                "Crossref limits above the documented {} pool ({pool_rps} req/s, {pool_conc} in flight): expect 429s",
                if polite { "polite" } else { "public" }
            );
        }
        self.openalex.batch = self.openalex.batch.clamp(1, 100);
        self.europepmc.page_size = self.europepmc.page_size.clamp(1, 1000);
        self.awards.cfg.batch = self.awards.cfg.batch.clamp(1, 100);
        self.openalex.api_key = self.openalex.api_key.filter(|k| !k.trim().is_empty());
        self.pages.max_bytes = self.pages.max_bytes.max(1024);
        self.pages.max_pdf_bytes = self.pages.max_pdf_bytes.max(1024);
        for l in [
            &mut self.crossref_limits,
            &mut self.openalex_limits,
            &mut self.europepmc_limits,
            &mut self.awards.limits,
            &mut self.pages.per_host,
            &mut self.pages.resolver_limits,
        ] {
            l.requests_per_second = l.requests_per_second.max(0.01);
            l.concurrency = l.concurrency.max(1);
        }
        Ok(self)
    }

    /// A scheduled run: the schedule's new window, the window it keeps, and — unless
    /// `update_routes` is off — the days from which the sources are asked what they indexed.
    pub fn scheduled(mut self, plan: &super::Schedule, update_routes: bool) -> Self {
        self.window = plan.window;
        self.kept = Some(plan.kept);
        self.indexed_since = plan.indexed_since.filter(|_| update_routes);
        self.europepmc_indexed_since = plan.europepmc_indexed_since.filter(|_| update_routes);
        self
    }
}
