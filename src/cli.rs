//! The command line: clap structs, and the validated options built from flags + environment.
//! Every flag that a scheduled job may need is also readable from an environment variable
//! named in [`crate::env`].

use crate::classify::china::RegionPolicy;
use crate::env;
use crate::export::Format;
use crate::model::{ReviewStatus, Source};
use crate::query::QueryFormat;
use crate::scan::ScanOptions;
use crate::sources::crossref::CrossrefConfig;
use crate::sources::europepmc::EuropePmcConfig;
use crate::sources::http::{ClientConfig, Limits};
use crate::sources::openalex::OpenAlexConfig;
use crate::sources::pages::PagesConfig;
use chrono::NaiveDate;
use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// Exit codes (documented in the README).
pub mod exit {
    /// Everything worked.
    pub const OK: u8 = 0;
    /// The command failed; nothing more was done.
    pub const FAILURE: u8 = 1;
    /// The command line is wrong (an unknown flag, a date that does not exist, --from after
    /// --to, a missing argument).
    pub const USAGE: u8 = 2;
    /// The scan finished but a source stopped early or failed (recorded; the next run resumes),
    /// or, with `--strict`, a source returned fewer records than it announced.
    pub const INCOMPLETE: u8 = 3;
    /// Stopped by Ctrl-C after the current transaction; the next run resumes.
    pub const INTERRUPTED: u8 = 130;
    /// Stopped by SIGTERM (systemd stopping the service) after the current transaction; the
    /// next run resumes.
    pub const TERMINATED: u8 = 143;
}

#[derive(Debug, Parser)]
#[command(
    name = "xrefscan",
    version,
    about = "Find papers that acknowledge US DoD funding and have China-based coauthors",
    long_about = None
)]
pub struct Cli {
    /// SQLite database (only `scan` creates it, and its folder).
    #[arg(long, global = true, env = env::XREFSCAN_DB, default_value = "db/xrefscan.sqlite")]
    pub db: PathBuf,

    /// More log output (-v info, -vv debug); XREFSCAN_LOG overrides.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// Only errors on stderr; no progress bars.
    #[arg(short, long, global = true, env = env::XREFSCAN_QUIET, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub quiet: bool,

    /// Log lines as text, or as JSON objects for unattended runs (journald, log shippers).
    #[arg(long, global = true, value_enum, env = env::XREFSCAN_LOG_FORMAT, default_value = "text")]
    pub log_format: LogFormat,

    /// When another xrefscan is writing to the database, wait for it instead of failing
    /// (every command that writes: scan, reclassify, review, override, lists import).
    #[arg(long, global = true, env = env::XREFSCAN_WAIT, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub wait: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Crawl the sources for a publication window, store, classify and flag.
    Scan(Box<ScanArgs>),
    /// Write the flagged papers for staff (CSV, JSON or XLSX).
    Export(ExportArgs),
    /// Run a canned query from queries/ or your own SQL, read-only.
    Query(QueryArgs),
    /// Works per source, candidates, flags by component and region, scan history.
    Stats,
    /// List every environment variable xrefscan reads.
    Env,
    /// Explain how one affiliation or funding text is classified (or many, one per line).
    #[command(subcommand)]
    Classify(ClassifyCommand),
    /// Measure the classifiers on third-party labelled data; optionally write docs/ACCURACY.md.
    Eval(EvalArgs),
    /// Show the defense-linked entity lists in force, or import a newer one.
    Lists(ListsArgs),
    /// Classify every stored work again (after a rule or list change), without crawling.
    Reclassify(ReclassifyArgs),
    /// Record a reviewer's decision on a flagged paper, or show its review history.
    Review(ReviewArgs),
    /// Check the database: integrity, foreign keys, counts, orphans, runs left running.
    Doctor,
    /// Correct the classifier for one affiliation string; applied on every later
    /// classification (run `reclassify` to apply it now).
    #[command(subcommand)]
    Override(OverrideCommand),
    /// What the acknowledged awards are worth: papers, distinct awards, obligations (USAspending),
    /// by DoD component and recipient; `awards resolve` asks USAspending about new numbers.
    Awards(AwardsArgs),
    /// The review workspace in the browser: the flagged list with facets and search, an
    /// evidence card per paper, review buttons.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (an IP address, or `localhost`). Anything but loopback serves
    /// everyone who can reach this machine.
    #[arg(long, env = env::XREFSCAN_BIND, default_value = "127.0.0.1", value_parser = parse_bind)]
    pub bind: std::net::IpAddr,
    /// Port to listen on (0: any free port, printed at start).
    #[arg(long, env = env::XREFSCAN_PORT, default_value_t = 8640)]
    pub port: u16,
    /// Serve no write route: no review buttons, no corrections.
    #[arg(long, env = env::XREFSCAN_READ_ONLY, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub read_only: bool,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AwardsArgs {
    #[command(subcommand)]
    pub command: Option<AwardsCommand>,
    /// Only papers with a mainland-China coauthor.
    #[arg(long, env = env::XREFSCAN_MAINLAND_ONLY, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub mainland_only: bool,
    /// Only papers of this tier (1 = defense-linked entity, 2 = other listed, 3 = other).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub tier: Option<u8>,
    /// Leave out papers whose latest review dismissed them (unless their evidence changed
    /// since), as `export --exclude-dismissed` does.
    #[arg(long, env = env::XREFSCAN_EXCLUDE_DISMISSED, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub exclude_dismissed: bool,
    /// Output: a screen for people, or CSV/JSON for spreadsheets and scripts.
    #[arg(long, value_enum, default_value = "table")]
    pub format: AwardsFormat,
    /// Lines per breakdown in the table.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AwardsFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum AwardsCommand {
    /// Ask USAspending about the award numbers DoD-funded papers cite that it has not answered
    /// yet (flagged papers' first); every answer is kept, so nothing is asked twice.
    Resolve(AwardsResolveArgs),
}

#[derive(Debug, Args)]
pub struct AwardsResolveArgs {
    #[command(flatten)]
    pub usaspending: UsaSpendingArgs,
    /// Ask again about numbers already answered.
    #[arg(long, env = env::XREFSCAN_REFRESH, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub refresh: bool,
    /// Count mainland China only when works left unclassified are classified first (as the
    /// scans that stored them did).
    #[arg(long, env = env::XREFSCAN_MAINLAND_ONLY, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub mainland_only: bool,
    /// Contact e-mail for the User-Agent.
    #[arg(long, env = env::XREFSCAN_MAILTO)]
    pub mailto: Option<String>,
    /// Attempts per request before giving up.
    #[arg(long, env = env::XREFSCAN_MAX_RETRIES, value_parser = clap::value_parser!(u32).range(1..), default_value_t = 6)]
    pub max_retries: u32,
    /// Per-request timeout in seconds.
    #[arg(long, env = env::XREFSCAN_TIMEOUT, value_parser = clap::value_parser!(u64).range(1..), default_value_t = 60)]
    pub timeout: u64,
}

/// How award numbers are looked up (`scan` and `awards resolve`).
#[derive(Debug, Clone, Args)]
pub struct UsaSpendingArgs {
    /// USAspending API base URL.
    #[arg(long, env = env::XREFSCAN_USASPENDING_URL, value_parser = parse_base_url, default_value = "https://api.usaspending.gov")]
    pub usaspending_url: String,
    /// USAspending requests per second (it documents no limit; modest by default).
    #[arg(long, env = env::XREFSCAN_USASPENDING_RPS, value_parser = parse_rate, default_value_t = 2.0)]
    pub usaspending_rps: f64,
    /// USAspending requests in flight.
    #[arg(long, env = env::XREFSCAN_USASPENDING_CONCURRENCY, value_parser = parse_count, default_value_t = 2)]
    pub usaspending_concurrency: usize,
    /// Award numbers per USAspending search (at most 100).
    #[arg(long, env = env::XREFSCAN_USASPENDING_BATCH, value_parser = parse_count, default_value_t = 50)]
    pub usaspending_batch: usize,
    /// Most award numbers asked in one run (flagged papers' first); the rest wait for the next.
    #[arg(long, env = env::XREFSCAN_AWARD_BUDGET, value_parser = parse_count, default_value_t = 2000)]
    pub award_budget: usize,
}

impl UsaSpendingArgs {
    pub fn options(&self, refresh: bool) -> crate::awards::ResolveOptions {
        crate::awards::ResolveOptions {
            cfg: crate::sources::usaspending::UsaSpendingConfig {
                base_url: self.usaspending_url.clone(),
                batch: self.usaspending_batch.clamp(1, 100),
            },
            limits: Limits {
                requests_per_second: self.usaspending_rps.max(0.01),
                concurrency: self.usaspending_concurrency.max(1),
            },
            budget: self.award_budget,
            refresh,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum OverrideCommand {
    /// Set the region of an affiliation string (CN, HK, MO, TW, OTHER).
    Region {
        /// The affiliation string as exports show it (case, spacing and punctuation do not
        /// matter).
        #[arg(allow_hyphen_values = true)]
        affiliation: String,
        /// The region it really is: CN, HK, MO, TW or OTHER.
        region: String,
        /// Why (kept with the correction and shown in the evidence).
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        note: String,
        /// Who decided.
        #[arg(long, env = env::XREFSCAN_REVIEWER)]
        by: Option<String>,
    },
    /// Remove (or with --add, add) an entity-list match on an affiliation string.
    Entity {
        /// The affiliation string as exports show it (case, spacing and punctuation do not
        /// matter).
        #[arg(allow_hyphen_values = true)]
        affiliation: String,
        /// The list entry's name, as `xrefscan lists` and exports show it (it must be on a
        /// list in force).
        entry: String,
        /// Add the match instead of removing it.
        #[arg(long)]
        add: bool,
        /// Why (kept with the correction and shown in the evidence).
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        note: String,
        /// Who decided.
        #[arg(long, env = env::XREFSCAN_REVIEWER)]
        by: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The flagged paper's DOI (any form: 10.…, doi:…, https://doi.org/…).
    pub doi: String,
    /// The decision; without it, the paper's review history is shown.
    #[arg(long, value_enum, conflicts_with = "undo")]
    pub status: Option<ReviewStatus>,
    /// Undo the decision in force (it stays in the history, marked undone; the one before it
    /// is in force again).
    #[arg(long)]
    pub undo: bool,
    /// Why (kept with the decision and shown in exports).
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub note: String,
    /// Who decided.
    #[arg(long, env = env::XREFSCAN_REVIEWER)]
    pub by: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListsArgs {
    #[command(subcommand)]
    pub command: Option<ListsCommand>,
}

#[derive(Debug, Subcommand)]
pub enum ListsCommand {
    /// Load a list file into the database: a Consolidated Screening List JSON (trade.gov; one
    /// list per source, China/Hong Kong/Macau entries) or a CSV with `name`, `aliases`, `detail`.
    /// A list with the id of a bundled or earlier one replaces it (which is kept: `lists
    /// restore` brings it back). Run `reclassify` afterwards.
    Import(ListImportArgs),
    /// Take a list (bundled or imported) out of use; `lists restore` brings it back.
    Remove {
        /// The list id, as `xrefscan lists` shows it.
        id: String,
    },
    /// Undo the latest import or removal of a list: the version before it is in force again
    /// (for a bundled list with no earlier import, the bundled one).
    Restore {
        /// The list id, as `xrefscan lists` shows it.
        id: String,
    },
    /// Every version of the imported and removed lists (or of one), and which is in force.
    History {
        /// Only this list.
        id: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ListImportArgs {
    /// The file to load.
    pub file: PathBuf,
    /// List id (CSV: default the file name; CSL: one id per source, e.g. bis-entity-list).
    #[arg(long)]
    pub id: Option<String>,
    /// Title shown in `lists` and exports.
    #[arg(long)]
    pub title: Option<String>,
    /// Licence of the data.
    #[arg(long)]
    pub licence: Option<String>,
    /// Date of the list.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Where the list comes from.
    #[arg(long)]
    pub source: Option<String>,
    /// Consolidated Screening List: keep only sources whose name contains this (e.g. "Entity List").
    #[arg(long)]
    pub only_source: Option<String>,
    /// How defense-linked the list's entries are: `defense-linked` (a coauthor there makes a
    /// flag tier 1) or `listed` (tier 2) [default: defense-linked for the BIS Entity List and
    /// military end-user list, else listed].
    #[arg(long, value_parser = parse_severity)]
    pub severity: Option<crate::classify::entities::Severity>,
}

#[derive(Debug, Args)]
pub struct ReclassifyArgs {
    /// Count mainland China only (not Hong Kong or Macau). Taiwan never counts.
    #[arg(long, env = env::XREFSCAN_MAINLAND_ONLY, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub mainland_only: bool,
}

#[derive(Debug, Subcommand)]
pub enum ClassifyCommand {
    /// Where is this affiliation: CN, HK, MO, TW, OTHER or UNKNOWN, with the evidence (and,
    /// when the database exists, its reviewers' corrections and lists).
    Affiliation(AffiliationArgs),
    /// Does this text acknowledge DoD funding: components, award numbers, matched spans.
    Funding(ClassifyArgs),
}

#[derive(Debug, Args)]
pub struct AffiliationArgs {
    #[command(flatten)]
    pub common: ClassifyArgs,
    /// Count mainland China only (not Hong Kong or Macau) when saying whether it is China-based.
    #[arg(long, env = env::XREFSCAN_MAINLAND_ONLY, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub mainland_only: bool,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// The text to classify (omit it and pass --stdin to read one text per line).
    pub text: Option<String>,
    /// Read texts from standard input, one per line.
    #[arg(long, conflicts_with = "text")]
    pub stdin: bool,
    /// Output: readable text, or one JSON object per line.
    #[arg(long, value_enum, env = env::XREFSCAN_CLASSIFY_FORMAT, default_value = "text")]
    pub format: ClassifyFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClassifyFormat {
    Text,
    Jsonl,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Folder of the labelled data (the layout of shared/data/eval).
    #[arg(long, env = env::XREFSCAN_EVAL_DATA, default_value = "../shared/data/eval")]
    pub data: PathBuf,
    /// Also write the report as Markdown here (docs/ACCURACY.md).
    #[arg(long)]
    pub write: Option<PathBuf>,
    /// Misclassified examples to print per task.
    #[arg(long, default_value_t = 10)]
    pub examples: usize,
    /// Exit with status 1 when a target is missed.
    #[arg(long)]
    pub check: bool,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
        // Well formed but impossible (2025-02-30) is a different mistake from a bad shape.
        let shaped = t.len() == 10
            && t.char_indices().all(|(i, c)| {
                if i == 4 || i == 7 {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }
            });
        if shaped {
            format!("{s:?} is not a date in YYYY-MM-DD form: no such date")
        } else {
            format!("{s:?} is not a date in YYYY-MM-DD form")
        }
    })
}

fn parse_severity(s: &str) -> Result<crate::classify::entities::Severity, String> {
    crate::classify::entities::Severity::parse(s)
        .ok_or_else(|| format!("{s:?} is not a severity; use defense-linked or listed"))
}

fn parse_source(s: &str) -> Result<Source, String> {
    // `fulltext` records come from Europe PMC; it is not crawled on its own.
    Source::parse(s)
        .filter(|src| *src != Source::FullText)
        .ok_or_else(|| {
            format!(
                "unknown source {s:?}; known sources: crossref, openalex, europepmc, pages, usaspending"
            )
        })
}

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
    #[arg(long, env = env::XREFSCAN_OVERLAP_DAYS, default_value_t = 14)]
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
    #[arg(long, env = env::XREFSCAN_REVISIT_BUDGET, value_parser = parse_count, default_value_t = 10_000)]
    pub revisit_budget: usize,
    /// Sources to crawl, comma-separated.
    #[arg(long, env = env::XREFSCAN_SOURCES, value_delimiter = ',', value_parser = parse_source, default_value = "crossref,openalex,europepmc,pages,usaspending")]
    pub sources: Vec<Source>,
    /// Crossref REST API base URL.
    #[arg(long, env = env::XREFSCAN_CROSSREF_URL, value_parser = parse_base_url, default_value = "https://api.crossref.org")]
    pub crossref_url: String,
    /// OpenAlex API base URL.
    #[arg(long, env = env::XREFSCAN_OPENALEX_URL, value_parser = parse_base_url, default_value = "https://api.openalex.org")]
    pub openalex_url: String,
    /// Europe PMC REST API base URL.
    #[arg(long, env = env::XREFSCAN_EUROPEPMC_URL, value_parser = parse_base_url, default_value = "https://www.ebi.ac.uk/europepmc/webservices/rest")]
    pub europepmc_url: String,
    /// Europe PMC requests per second.
    #[arg(long, env = env::XREFSCAN_EUROPEPMC_RPS, value_parser = parse_rate, default_value_t = 5.0)]
    pub europepmc_rps: f64,
    /// Europe PMC requests in flight.
    #[arg(long, env = env::XREFSCAN_EUROPEPMC_CONCURRENCY, value_parser = parse_count, default_value_t = 2)]
    pub europepmc_concurrency: usize,
    /// Europe PMC search results per page (at most 1000).
    #[arg(long, env = env::XREFSCAN_EUROPEPMC_PAGE_SIZE, value_parser = clap::value_parser!(u32).range(1..), default_value_t = 1000)]
    pub europepmc_page_size: u32,
    /// Most Europe PMC full texts to fetch in one run; the rest wait for the next run.
    #[arg(long, env = env::XREFSCAN_FULLTEXT_BUDGET, value_parser = parse_count, default_value_t = 2000)]
    pub fulltext_budget: usize,
    /// DOI resolver for publisher pages.
    #[arg(long, env = env::XREFSCAN_DOI_RESOLVER, value_parser = parse_base_url, default_value = "https://doi.org")]
    pub doi_resolver: String,
    /// Most works whose acknowledgment is read in one run (source `pages`: Europe PMC full
    /// text by PMCID, the open-access copy, the publisher's page — the cheapest first); the
    /// rest wait for the next run, most promising first.
    #[arg(long, visible_alias = "html-budget", env = env::XREFSCAN_ACK_BUDGET, value_parser = parse_count, default_value_t = 1000)]
    pub ack_budget: usize,
    /// Leave out the China-linked sweep (OpenAlex works of the window with an author in CN,
    /// HK or MO, whose acknowledgments are then read): only works that metadata or Europe
    /// PMC's searches mark as DoD-funded are examined.
    #[arg(long, env = env::XREFSCAN_NO_SWEEP, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub no_sweep: bool,
    /// Publisher-page requests per second, per host.
    #[arg(long, env = env::XREFSCAN_PAGE_RPS, value_parser = parse_rate, default_value_t = 1.0)]
    pub page_rps: f64,
    /// Publisher-page requests in flight, per host.
    #[arg(long, env = env::XREFSCAN_PAGE_CONCURRENCY, value_parser = parse_count, default_value_t = 1)]
    pub page_concurrency: usize,
    /// DOI resolver requests per second (a redirector, limited apart from publishers).
    #[arg(long, env = env::XREFSCAN_RESOLVER_RPS, value_parser = parse_rate, default_value_t = 10.0)]
    pub resolver_rps: f64,
    /// DOI resolver requests in flight.
    #[arg(long, env = env::XREFSCAN_RESOLVER_CONCURRENCY, value_parser = parse_count, default_value_t = 5)]
    pub resolver_concurrency: usize,
    /// Largest page read, in bytes; longer pages are cut (and the cut is recorded).
    #[arg(long, env = env::XREFSCAN_MAX_PAGE_BYTES, value_parser = parse_count, default_value_t = 8 * 1024 * 1024)]
    pub max_page_bytes: usize,
    /// Largest open-access PDF read, in bytes; a longer one is recorded as unread.
    #[arg(long, env = env::XREFSCAN_MAX_PDF_BYTES, value_parser = parse_count, default_value_t = 30 * 1024 * 1024)]
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
    #[arg(long, env = env::XREFSCAN_OPENALEX_RPS, value_parser = parse_rate, default_value_t = 10.0)]
    pub openalex_rps: f64,
    /// OpenAlex requests in flight.
    #[arg(long, env = env::XREFSCAN_OPENALEX_CONCURRENCY, value_parser = parse_count, default_value_t = 5)]
    pub openalex_concurrency: usize,
    /// DOIs per OpenAlex lookup call (at most 100): every list call costs the same, so fuller
    /// batches stretch the daily budget.
    #[arg(long, env = env::XREFSCAN_OPENALEX_BATCH, value_parser = parse_count, default_value_t = 100)]
    pub openalex_batch: usize,
    /// Also page through every work with funder metadata in the window (light pages) to find
    /// DoD funding named without a registry id or stated only by an award number.
    #[arg(long, env = env::XREFSCAN_FUNDER_NAMES, default_value_t = true, action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub funder_names: bool,
    /// Crossref rows per page (at most 1000).
    #[arg(long, env = env::XREFSCAN_CROSSREF_ROWS, value_parser = clap::value_parser!(u32).range(1..), default_value_t = 1000)]
    pub crossref_rows: u32,
    /// Days per Crossref date shard, crawled in parallel up to the in-flight cap; 0 sizes
    /// shards from the counts Crossref announces (a window that fits one page costs one request).
    #[arg(long, env = env::XREFSCAN_SHARD_DAYS, default_value_t = 0)]
    pub shard_days: u32,
    /// Attempts per request before giving up.
    #[arg(long, env = env::XREFSCAN_MAX_RETRIES, value_parser = clap::value_parser!(u32).range(1..), default_value_t = 6)]
    pub max_retries: u32,
    /// Per-request timeout in seconds.
    #[arg(long, env = env::XREFSCAN_TIMEOUT, value_parser = clap::value_parser!(u64).range(1..), default_value_t = 60)]
    pub timeout: u64,
    /// Longest Retry-After (seconds) to wait out; a longer one stops the source for this run.
    #[arg(long, env = env::XREFSCAN_MAX_RETRY_AFTER, default_value_t = 900)]
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

impl ScanArgs {
    /// Options for the window given by --from/--to.
    pub fn options(&self, progress: bool) -> Result<ScanOptions, String> {
        match (self.from, self.to) {
            (Some(from), Some(to)) => self.options_for(from, to, progress),
            _ => Err("give --from and --to, or --since-last".into()),
        }
    }

    /// Validate and build the scan options for the window `from..=to` (from the flags, or
    /// from `--since-last`).
    pub fn options_for(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        progress: bool,
    ) -> Result<ScanOptions, String> {
        if from > to {
            return Err(format!("--from {from} is after --to {to}"));
        }
        if self.crossref_rows == 0 || self.crossref_rows > 1000 {
            return Err("--crossref-rows must be between 1 and 1000 (Crossref's limit)".into());
        }
        if self.openalex_rps <= 0.0 || self.openalex_rps > 100.0 {
            return Err(
                "--openalex-rps must be above 0 and at most 100 (OpenAlex's hard cap)".into(),
            );
        }
        let polite = self.mailto.is_some();
        let (cr_rps, cr_conc) = if polite { (3.0, 3) } else { (1.0, 1) };
        let crossref_limits = Limits {
            requests_per_second: self.crossref_rps.unwrap_or(cr_rps),
            concurrency: self.crossref_concurrency.unwrap_or(cr_conc).max(1),
        };
        if crossref_limits.requests_per_second > cr_rps || crossref_limits.concurrency > cr_conc {
            tracing::warn!(
                "Crossref limits above the documented {} pool ({cr_rps} req/s, {cr_conc} in flight): expect 429s",
                if polite { "polite" } else { "public" }
            );
        }
        let ua = crate::sources::http::user_agent(self.mailto.as_deref());
        Ok(ScanOptions {
            from,
            to,
            sources: self.sources.clone(),
            crossref: CrossrefConfig {
                base_url: self.crossref_url.clone(),
                mailto: self.mailto.clone(),
                rows: self.crossref_rows,
                shard_days: self.shard_days,
                funder_names: self.funder_names,
            },
            crossref_limits,
            openalex: OpenAlexConfig {
                base_url: self.openalex_url.clone(),
                api_key: self
                    .openalex_api_key
                    .clone()
                    .filter(|k| !k.trim().is_empty()),
                batch: self.openalex_batch.clamp(1, 100),
            },
            openalex_limits: Limits {
                requests_per_second: self.openalex_rps,
                concurrency: self.openalex_concurrency.max(1),
            },
            europepmc: EuropePmcConfig {
                base_url: self.europepmc_url.clone(),
                page_size: self.europepmc_page_size.clamp(1, 1000),
                email: self.mailto.clone(),
            },
            europepmc_limits: Limits {
                requests_per_second: self.europepmc_rps.max(0.01),
                concurrency: self.europepmc_concurrency.max(1),
            },
            fulltext_budget: self.fulltext_budget,
            awards: self.usaspending.options(self.refresh),
            pages: PagesConfig {
                resolver: self.doi_resolver.clone(),
                per_host: Limits {
                    requests_per_second: self.page_rps.max(0.01),
                    concurrency: self.page_concurrency.max(1),
                },
                resolver_limits: Limits {
                    requests_per_second: self.resolver_rps.max(0.01),
                    concurrency: self.resolver_concurrency.max(1),
                },
                user_agent: ua.clone(),
                timeout: Duration::from_secs(self.timeout.max(1)),
                max_bytes: self.max_page_bytes.max(1024),
                max_pdf_bytes: self.max_pdf_bytes.max(1024),
                pdf_timeout: Duration::from_secs(30),
                max_redirects: 10,
                max_attempts: self.max_retries.max(1),
            },
            ack_budget: self.ack_budget,
            sweep: !self.no_sweep,
            kept: None,
            indexed_since: None,
            europepmc_indexed_since: None,
            revisit_months: self.revisit_months,
            revisit_budget: self.revisit_budget,
            client: ClientConfig {
                user_agent: ua,
                timeout: Duration::from_secs(self.timeout.max(1)),
                max_attempts: self.max_retries.max(1),
                max_retry_after: Duration::from_secs(self.max_retry_after),
                min_backoff: Duration::from_millis(500),
            },
            policy: RegionPolicy {
                mainland_only: self.mainland_only,
            },
            refresh: self.refresh,
            progress: if progress {
                crate::scan::ProgressTo::Stderr
            } else {
                crate::scan::ProgressTo::Hidden
            },
            wait: false,
        })
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format [default: from the --out extension (.csv, .json, .xlsx), else csv].
    #[arg(long, value_enum, env = env::XREFSCAN_EXPORT_FORMAT)]
    pub format: Option<Format>,
    /// Output file, or `-` for standard output.
    #[arg(long, env = env::XREFSCAN_EXPORT_OUT)]
    pub out: PathBuf,
    /// Start CSV with a UTF-8 byte-order mark (for older Excel).
    #[arg(long, env = env::XREFSCAN_CSV_BOM, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub bom: bool,
    /// Only papers with a mainland-China coauthor.
    #[arg(long, env = env::XREFSCAN_MAINLAND_ONLY, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub mainland_only: bool,
    /// Leave out papers a reviewer dismissed (unless their evidence changed since).
    #[arg(long, env = env::XREFSCAN_EXCLUDE_DISMISSED, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub exclude_dismissed: bool,
    /// Only flags first raised by the latest scan (what is new this morning).
    #[arg(long, conflicts_with = "since_scan")]
    pub new_since_last_scan: bool,
    /// Only flags first raised after scan N (see `xrefscan query scan_history`).
    #[arg(long, value_name = "N")]
    pub since_scan: Option<i64>,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Name of a canned query (queries/NAME.sql).
    #[arg(conflicts_with = "sql", required_unless_present_any = ["sql", "list"])]
    pub name: Option<String>,
    /// Your own SQL (one read-only statement).
    #[arg(long)]
    pub sql: Option<String>,
    /// List the canned queries and your own.
    #[arg(long)]
    pub list: bool,
    /// Output format.
    #[arg(long, value_enum, env = env::XREFSCAN_QUERY_FORMAT, default_value = "table")]
    pub format: QueryFormat,
    /// Folder of your own queries (NAME.sql) [default: ./queries when it exists].
    #[arg(long, env = env::XREFSCAN_QUERIES_DIR)]
    pub queries_dir: Option<PathBuf>,
}

/// A rate in requests per second: a number above 0 (0 would wait forever).
fn parse_rate(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(r),
        _ => Err("must be a number of requests per second above 0 (e.g. 0.5 or 3)".into()),
    }
}

/// A count (requests in flight, items per call, a budget): a whole number of at least 1. To
/// leave a source out, leave it out of --sources.
fn parse_count(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(
            "must be a whole number of at least 1 (to skip a source, leave it out of --sources)"
                .into(),
        ),
    }
}

/// A source's base URL: http or https with a host (anything else could never answer, and a
/// scan would spend its retries finding that out).
fn parse_base_url(s: &str) -> Result<String, String> {
    match url::Url::parse(s.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
            Ok(s.trim().to_string())
        }
        Ok(u) => Err(format!(
            "must be an http:// or https:// URL with a host (not {}:)",
            u.scheme()
        )),
        Err(e) => Err(format!(
            "must be an http:// or https:// URL such as https://api.crossref.org ({e})"
        )),
    }
}

/// `--bind`: an IP address, or `localhost` (the name the server prints), which is loopback.
fn parse_bind(s: &str) -> Result<std::net::IpAddr, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("localhost") {
        return Ok(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
    }
    s.trim_matches(['[', ']']).parse().map_err(|_| {
        format!("{s:?} is not an IP address or localhost (e.g. 127.0.0.1, ::1, 0.0.0.0)")
    })
}
