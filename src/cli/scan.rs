//! The flags of `scan` (and the USAspending flags `awards resolve` shares), and the settings
//! they become: a [`ScanOptions`] built from the library's defaults, each flag setting one
//! field, checked by the library.

use super::{parse_base_url, parse_count, parse_date, parse_rate, parse_source};
use chrono::NaiveDate;
use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args};
use std::time::Duration;
use xrefscan::awards::ResolveOptions;
use xrefscan::classify::china::RegionPolicy;
use xrefscan::env;
use xrefscan::model::{Source, Window};
use xrefscan::scan::{ProgressTo, ScanOptions, defaults as d};
use xrefscan::sources::http::Limits;

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// First publication date of the window (YYYY-MM-DD).
    #[arg(long, env = env::XREFSCAN_FROM, value_parser = parse_date, required_unless_present = "since_last")]
    pub from: Option<NaiveDate>,
    /// Last publication date of the window (YYYY-MM-DD).
    #[arg(long, env = env::XREFSCAN_TO, value_parser = parse_date, required_unless_present = "since_last")]
    pub to: Option<NaiveDate>,
    /// Continue from the last successful run of each source: the window starts
    /// --overlap-days before the latest publication date those runs covered and ends today
    /// (or at --to).
    #[arg(long, env = env::XREFSCAN_SINCE_LAST, conflicts_with = "from", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub since_last: bool,
    /// Days the --since-last window reaches back over the previous one (late deposits).
    #[arg(long, env = env::XREFSCAN_OVERLAP_DAYS, default_value_t = d::OVERLAP_DAYS)]
    pub overlap_days: u32,
    /// The whole window a scheduled (--since-last) scan keeps: works registered or given
    /// funding late are asked for anywhere from this day on (default: where the first
    /// successful scan of the database started).
    #[arg(long, env = env::XREFSCAN_WINDOW_FROM, value_parser = parse_date, requires = "since_last")]
    pub window_from: Option<NaiveDate>,
    /// A --since-last run asks only for the new publication window, not also for the works
    /// Crossref indexed since the last run (cheaper; misses late registrations and funding
    /// deposited later).
    #[arg(long, env = env::XREFSCAN_NO_UPDATE_ROUTES, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub no_update_routes: bool,
    /// Ask OpenAlex again (by DOI, a hundred a call) about works that could become a flag —
    /// China-linked without DoD funding, DoD-funded without a China-based author — last asked
    /// more than N months ago, or that it did not have then; at most --revisit-budget a run.
    #[arg(long, env = env::XREFSCAN_REVISIT_MONTHS, value_parser = clap::value_parser!(u32).range(1..))]
    pub revisit_months: Option<u32>,
    /// Most works asked again per run by --revisit-months.
    #[arg(long, env = env::XREFSCAN_REVISIT_BUDGET, value_parser = parse_count, default_value_t = d::REVISIT_BUDGET)]
    pub revisit_budget: usize,
    /// Sources to crawl, comma-separated.
    #[arg(long, env = env::XREFSCAN_SOURCES, value_delimiter = ',', value_parser = parse_source, default_value = d::SOURCES)]
    pub sources: Vec<Source>,
    /// Crossref REST API base URL.
    #[arg(long, env = env::XREFSCAN_CROSSREF_URL, value_parser = parse_base_url, default_value = d::CROSSREF_URL)]
    pub crossref_url: String,
    /// OpenAlex API base URL.
    #[arg(long, env = env::XREFSCAN_OPENALEX_URL, value_parser = parse_base_url, default_value = d::OPENALEX_URL)]
    pub openalex_url: String,
    /// Europe PMC REST API base URL.
    #[arg(long, env = env::XREFSCAN_EUROPEPMC_URL, value_parser = parse_base_url, default_value = d::EUROPEPMC_URL)]
    pub europepmc_url: String,
    /// Europe PMC requests per second.
    #[arg(long, env = env::XREFSCAN_EUROPEPMC_RPS, value_parser = parse_rate, default_value_t = d::EUROPEPMC_RPS)]
    pub europepmc_rps: f64,
    /// Europe PMC requests in flight.
    #[arg(long, env = env::XREFSCAN_EUROPEPMC_CONCURRENCY, value_parser = parse_count, default_value_t = d::EUROPEPMC_CONCURRENCY)]
    pub europepmc_concurrency: usize,
    /// Europe PMC search results per page (at most 1000).
    #[arg(long, env = env::XREFSCAN_EUROPEPMC_PAGE_SIZE, value_parser = clap::value_parser!(u32).range(1..), default_value_t = d::EUROPEPMC_PAGE_SIZE)]
    pub europepmc_page_size: u32,
    /// Most Europe PMC full texts to fetch in one run; the rest wait for the next run.
    #[arg(long, env = env::XREFSCAN_FULLTEXT_BUDGET, value_parser = parse_count, default_value_t = d::FULLTEXT_BUDGET)]
    pub fulltext_budget: usize,
    /// DOI resolver for publisher pages.
    #[arg(long, env = env::XREFSCAN_DOI_RESOLVER, value_parser = parse_base_url, default_value = d::DOI_RESOLVER)]
    pub doi_resolver: String,
    /// Most works whose acknowledgment is read in one run (source `pages`: Europe PMC full
    /// text by PMCID, the open-access copy, the publisher's page — the cheapest first); the
    /// rest wait for the next run, most promising first.
    #[arg(long, visible_alias = "html-budget", env = env::XREFSCAN_ACK_BUDGET, value_parser = parse_count, default_value_t = d::ACK_BUDGET)]
    pub ack_budget: usize,
    /// Leave out the China-linked sweep (OpenAlex works of the window with an author in CN,
    /// HK or MO, whose acknowledgments are then read): only works that metadata or Europe
    /// PMC's searches mark as DoD-funded are examined.
    #[arg(long, env = env::XREFSCAN_NO_SWEEP, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub no_sweep: bool,
    /// Publisher-page requests per second, per host.
    #[arg(long, env = env::XREFSCAN_PAGE_RPS, value_parser = parse_rate, default_value_t = d::PAGE_RPS)]
    pub page_rps: f64,
    /// Publisher-page requests in flight, per host.
    #[arg(long, env = env::XREFSCAN_PAGE_CONCURRENCY, value_parser = parse_count, default_value_t = d::PAGE_CONCURRENCY)]
    pub page_concurrency: usize,
    /// DOI resolver requests per second (a redirector, limited apart from publishers).
    #[arg(long, env = env::XREFSCAN_RESOLVER_RPS, value_parser = parse_rate, default_value_t = d::RESOLVER_RPS)]
    pub resolver_rps: f64,
    /// DOI resolver requests in flight.
    #[arg(long, env = env::XREFSCAN_RESOLVER_CONCURRENCY, value_parser = parse_count, default_value_t = d::RESOLVER_CONCURRENCY)]
    pub resolver_concurrency: usize,
    /// Largest page read, in bytes; longer pages are cut (and the cut is recorded).
    #[arg(long, env = env::XREFSCAN_MAX_PAGE_BYTES, value_parser = parse_count, default_value_t = d::MAX_PAGE_BYTES)]
    pub max_page_bytes: usize,
    /// Largest open-access PDF read, in bytes; a longer one is recorded as unread.
    #[arg(long, env = env::XREFSCAN_MAX_PDF_BYTES, value_parser = parse_count, default_value_t = d::MAX_PDF_BYTES)]
    pub max_pdf_bytes: usize,
    /// OpenAlex API key (keyless calls get a tiny daily budget).
    #[arg(long, env = env::OPENALEX_API_KEY, hide_env_values = true)]
    pub openalex_api_key: Option<String>,
    /// Contact e-mail: Crossref's polite pool (3 req/s instead of 1) and the User-Agent.
    #[arg(long, env = env::XREFSCAN_MAILTO)]
    pub mailto: Option<String>,
    /// Crossref list requests per second [default: 3 with --mailto, else 1].
    #[arg(long, env = env::XREFSCAN_CROSSREF_RPS, value_parser = parse_rate)]
    pub crossref_rps: Option<f64>,
    /// Crossref requests in flight [default: 3 with --mailto, else 1].
    #[arg(long, env = env::XREFSCAN_CROSSREF_CONCURRENCY, value_parser = parse_count)]
    pub crossref_concurrency: Option<usize>,
    /// OpenAlex requests per second (hard cap 100).
    #[arg(long, env = env::XREFSCAN_OPENALEX_RPS, value_parser = parse_rate, default_value_t = d::OPENALEX_RPS)]
    pub openalex_rps: f64,
    /// OpenAlex requests in flight.
    #[arg(long, env = env::XREFSCAN_OPENALEX_CONCURRENCY, value_parser = parse_count, default_value_t = d::OPENALEX_CONCURRENCY)]
    pub openalex_concurrency: usize,
    /// DOIs per OpenAlex lookup call (at most 100): every list call costs the same, so fuller
    /// batches stretch the daily budget.
    #[arg(long, env = env::XREFSCAN_OPENALEX_BATCH, value_parser = parse_count, default_value_t = d::OPENALEX_BATCH)]
    pub openalex_batch: usize,
    /// Also page through every work with funder metadata in the window (light pages) to find
    /// DoD funding named without a registry id or stated only by an award number.
    #[arg(long, env = env::XREFSCAN_FUNDER_NAMES, default_value_t = true, action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub funder_names: bool,
    /// Crossref rows per page (at most 1000).
    #[arg(long, env = env::XREFSCAN_CROSSREF_ROWS, value_parser = clap::value_parser!(u32).range(1..), default_value_t = d::CROSSREF_ROWS)]
    pub crossref_rows: u32,
    /// Days per Crossref date shard, crawled in parallel up to the in-flight cap; 0 sizes
    /// shards from the counts Crossref announces (a window that fits one page costs one request).
    #[arg(long, env = env::XREFSCAN_SHARD_DAYS, default_value_t = d::SHARD_DAYS)]
    pub shard_days: u32,
    /// Attempts per request before giving up.
    #[arg(long, env = env::XREFSCAN_MAX_RETRIES, value_parser = clap::value_parser!(u32).range(1..), default_value_t = d::MAX_RETRIES)]
    pub max_retries: u32,
    /// Per-request timeout in seconds.
    #[arg(long, env = env::XREFSCAN_TIMEOUT, value_parser = clap::value_parser!(u64).range(1..), default_value_t = d::TIMEOUT_SECS)]
    pub timeout: u64,
    /// Longest Retry-After (seconds) to wait out; a longer one stops the source for this run.
    #[arg(long, env = env::XREFSCAN_MAX_RETRY_AFTER, default_value_t = d::MAX_RETRY_AFTER_SECS)]
    pub max_retry_after: u64,
    /// Count mainland China only (not Hong Kong or Macau). Taiwan never counts.
    #[arg(long, env = env::XREFSCAN_MAINLAND_ONLY, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub mainland_only: bool,
    /// Fetch shards again even when an earlier run finished them.
    #[arg(long, env = env::XREFSCAN_REFRESH, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub refresh: bool,
    #[command(flatten)]
    pub usaspending: UsaSpendingArgs,
    /// Exit with status 3 when a source returned fewer records than it announced.
    #[arg(long, env = env::XREFSCAN_STRICT, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub strict: bool,
}

/// How award numbers are looked up (`scan` and `awards resolve`).
#[derive(Debug, Clone, Args)]
pub struct UsaSpendingArgs {
    /// USAspending API base URL.
    #[arg(long, env = env::XREFSCAN_USASPENDING_URL, value_parser = parse_base_url, default_value = d::USASPENDING_URL)]
    pub usaspending_url: String,
    /// USAspending requests per second (it documents no limit; modest by default).
    #[arg(long, env = env::XREFSCAN_USASPENDING_RPS, value_parser = parse_rate, default_value_t = d::USASPENDING_RPS)]
    pub usaspending_rps: f64,
    /// USAspending requests in flight.
    #[arg(long, env = env::XREFSCAN_USASPENDING_CONCURRENCY, value_parser = parse_count, default_value_t = d::USASPENDING_CONCURRENCY)]
    pub usaspending_concurrency: usize,
    /// Award numbers per USAspending search (at most 100).
    #[arg(long, env = env::XREFSCAN_USASPENDING_BATCH, value_parser = parse_count, default_value_t = d::USASPENDING_BATCH)]
    pub usaspending_batch: usize,
    /// Most award numbers asked in one run (flagged papers' first); the rest wait for the next.
    #[arg(long, env = env::XREFSCAN_AWARD_BUDGET, value_parser = parse_count, default_value_t = d::AWARD_BUDGET)]
    pub award_budget: usize,
}

impl ScanArgs {
    /// The window of --from/--to (`None` with --since-last, which the database decides).
    pub fn window(&self) -> Result<Option<Window>, String> {
        match (self.from, self.to, self.since_last) {
            (_, _, true) => Ok(None),
            (Some(from), Some(to), false) => {
                Window::new(from, to).map(Some).map_err(|e| e.to_string())
            }
            _ => Err("give --from and --to, or --since-last".into()),
        }
    }

    /// The settings these flags ask for, over `window` (with --since-last, `None`: the
    /// schedule sets it), checked.
    pub fn settings(&self, window: Option<Window>, progress: bool) -> Result<ScanOptions, String> {
        let mut o = ScanOptions::default();
        if let Some(w) = window {
            o.window = w;
        }
        if let Some(m) = &self.mailto {
            o = o.with_mailto(m);
        }
        o = o.with_requests(Duration::from_secs(self.timeout), self.max_retries);
        o.sources = self.sources.clone();
        o.crossref.base_url = self.crossref_url.clone();
        o.crossref.rows = self.crossref_rows;
        o.crossref.shard_days = self.shard_days;
        o.crossref.funder_names = self.funder_names;
        if let Some(rps) = self.crossref_rps {
            o.crossref_limits.requests_per_second = rps;
        }
        if let Some(n) = self.crossref_concurrency {
            o.crossref_limits.concurrency = n;
        }
        o.openalex.base_url = self.openalex_url.clone();
        o.openalex.api_key = self.openalex_api_key.clone();
        o.openalex.batch = self.openalex_batch;
        o.openalex_limits = limits(self.openalex_rps, self.openalex_concurrency);
        o.europepmc.base_url = self.europepmc_url.clone();
        o.europepmc.page_size = self.europepmc_page_size;
        o.europepmc_limits = limits(self.europepmc_rps, self.europepmc_concurrency);
        o.fulltext_budget = self.fulltext_budget;
        o.awards = self.usaspending.settings(self.refresh);
        o.pages.resolver = self.doi_resolver.clone();
        o.pages.per_host = limits(self.page_rps, self.page_concurrency);
        o.pages.resolver_limits = limits(self.resolver_rps, self.resolver_concurrency);
        o.pages.max_bytes = self.max_page_bytes;
        o.pages.max_pdf_bytes = self.max_pdf_bytes;
        o.ack_budget = self.ack_budget;
        o.sweep = !self.no_sweep;
        o.revisit_months = self.revisit_months;
        o.revisit_budget = self.revisit_budget;
        o.client.max_retry_after = Duration::from_secs(self.max_retry_after);
        o.policy = RegionPolicy {
            mainland_only: self.mainland_only,
        };
        o.refresh = self.refresh;
        o.progress = if progress {
            ProgressTo::Stderr
        } else {
            ProgressTo::Hidden
        };
        o.checked().map_err(|e| e.to_string())
    }
}

impl UsaSpendingArgs {
    /// How award numbers are looked up, from these flags.
    pub fn settings(&self, refresh: bool) -> ResolveOptions {
        let mut o = ResolveOptions::default();
        o.cfg.base_url = self.usaspending_url.clone();
        o.cfg.batch = self.usaspending_batch.clamp(1, 100);
        o.limits = limits(self.usaspending_rps, self.usaspending_concurrency);
        o.budget = self.award_budget;
        o.refresh = refresh;
        o
    }
}

fn limits(requests_per_second: f64, concurrency: usize) -> Limits {
    Limits {
        requests_per_second: requests_per_second.max(0.01),
        concurrency: concurrency.max(1),
    }
}
