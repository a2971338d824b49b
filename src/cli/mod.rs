//! The command line, on the binary's side: clap structs and the parsers of their values. What
//! a flag means is the library's: each command turns its flags into library settings
//! (`scan.rs`: [`ScanOptions`](xrefscan::scan::ScanOptions)) and calls the library. Every
//! flag a scheduled job may need is also readable from an environment variable named in
//! [`xrefscan::env`]; `variables.rs` lists them from these definitions.

mod scan;
pub mod variables;

pub use scan::{ScanArgs, UsaSpendingArgs};

use chrono::NaiveDate;
use clap::builder::{BoolishValueParser, PossibleValuesParser, TypedValueParser};
use clap::{ArgAction, Args, Parser, Subcommand};
use std::path::PathBuf;
use xrefscan::env;
use xrefscan::export::Format;
use xrefscan::model::{ReviewStatus, Source};
use xrefscan::query::QueryFormat;

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
    /// Correct the classifier for one affiliation string (region, entity; applied on every
    /// later classification, `reclassify` applies it now) or who is who (person; at once).
    #[command(subcommand)]
    Override(OverrideCommand),
    /// What the acknowledged awards are worth: papers, distinct awards, obligations (USAspending),
    /// by DoD component and recipient; `awards resolve` asks USAspending about new numbers.
    Awards(AwardsArgs),
    /// The review workspace in the browser: the flagged list with facets and search, an
    /// evidence card per paper, review buttons.
    Serve(ServeArgs),
    /// Who is behind the flagged papers: China-based coauthors ranked by flagged papers (with
    /// institutions, entity-list hits and the DoD components funding them), and US-based
    /// authors with their China-based collaborators and the awards they acknowledge.
    People(PeopleArgs),
}

#[derive(Debug, Args)]
pub struct PeopleArgs {
    /// Only people on at least this many flagged papers (1 lists everyone).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    pub min_papers: u32,
    /// Output: a screen for people, or CSV/JSON for spreadsheets and scripts.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
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
    pub format: ReportFormat,
    /// Lines per breakdown in the table.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
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

#[derive(Debug, Subcommand)]
pub enum PersonAction {
    /// KEY and OTHER are one person (keys as `xrefscan people` shows them: orcid:…,
    /// openalex:A…, paper:DOI#POSITION).
    Merge {
        key: String,
        other: String,
        /// Why (kept with the correction).
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        note: String,
        /// Who decided.
        #[arg(long, env = env::XREFSCAN_REVIEWER)]
        by: Option<String>,
    },
    /// The paper's author number POSITION (1 = the first author) is not the person their ids
    /// name.
    Split {
        doi: String,
        #[arg(value_parser = clap::value_parser!(i64).range(1..))]
        position: i64,
        /// Why (kept with the correction).
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        note: String,
        /// Who decided.
        #[arg(long, env = env::XREFSCAN_REVIEWER)]
        by: Option<String>,
    },
    /// The identity corrections in force.
    List,
    /// Withdraw correction ID (it is kept, marked withdrawn).
    Withdraw { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum OverrideCommand {
    /// Correct who is who: merge two people, or split one authorship off its person. Applied
    /// at once.
    #[command(subcommand)]
    Person(PersonAction),
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
    #[arg(long, value_parser = one_of(ReviewStatus::ALL, ReviewStatus::as_str), conflicts_with = "undo")]
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
    pub severity: Option<xrefscan::classify::entities::Severity>,
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

fn parse_severity(s: &str) -> Result<xrefscan::classify::entities::Severity, String> {
    xrefscan::classify::entities::Severity::parse(s)
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
pub struct ExportArgs {
    /// Output format [default: from the --out extension (.csv, .json, .xlsx), else csv].
    #[arg(long, value_parser = one_of(Format::ALL, Format::as_str), env = env::XREFSCAN_EXPORT_FORMAT)]
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
    #[arg(long, value_parser = one_of(QueryFormat::ALL, QueryFormat::as_str), env = env::XREFSCAN_QUERY_FORMAT, default_value = "table")]
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

/// A parser for one of a closed set of the library's words (a review decision, an output
/// format): the help lists them, a wrong one is refused with the list.
fn one_of<T: Copy + Send + Sync + 'static>(
    all: &'static [T],
    word: fn(T) -> &'static str,
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(all.iter().map(|t| word(*t)))
        .map(move |w| *all.iter().find(|t| word(**t) == w).expect("a listed word"))
}
