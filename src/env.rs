//! Every environment variable xrefscan reads, in one place.
//!
//! Scheduled jobs configure the tool through the environment, so the names are part of the
//! contract: `xrefscan env` prints them (listed from the flags that read them, on the binary's
//! side), a test holds the README's table to them, and a flag and its variable always mean the
//! same thing.

/// SQLite database path (`--db`).
pub const XREFSCAN_DB: &str = "XREFSCAN_DB";
/// Crossref REST API base URL (`--crossref-url`).
pub const XREFSCAN_CROSSREF_URL: &str = "XREFSCAN_CROSSREF_URL";
/// OpenAlex API base URL (`--openalex-url`).
pub const XREFSCAN_OPENALEX_URL: &str = "XREFSCAN_OPENALEX_URL";
/// OpenAlex API key (`--openalex-api-key`); never logged or stored.
pub const OPENALEX_API_KEY: &str = "OPENALEX_API_KEY";
/// Contact e-mail: puts Crossref requests in the polite pool and goes into the User-Agent.
pub const XREFSCAN_MAILTO: &str = "XREFSCAN_MAILTO";
/// Comma-separated sources to scan (`--sources`).
pub const XREFSCAN_SOURCES: &str = "XREFSCAN_SOURCES";
/// Start of the publication window (`--from`).
pub const XREFSCAN_FROM: &str = "XREFSCAN_FROM";
/// End of the publication window (`--to`).
pub const XREFSCAN_TO: &str = "XREFSCAN_TO";
/// Crossref list requests per second (`--crossref-rps`).
pub const XREFSCAN_CROSSREF_RPS: &str = "XREFSCAN_CROSSREF_RPS";
/// Crossref requests in flight (`--crossref-concurrency`).
pub const XREFSCAN_CROSSREF_CONCURRENCY: &str = "XREFSCAN_CROSSREF_CONCURRENCY";
/// OpenAlex requests per second (`--openalex-rps`).
pub const XREFSCAN_OPENALEX_RPS: &str = "XREFSCAN_OPENALEX_RPS";
/// OpenAlex requests in flight (`--openalex-concurrency`).
pub const XREFSCAN_OPENALEX_CONCURRENCY: &str = "XREFSCAN_OPENALEX_CONCURRENCY";
/// DOIs per OpenAlex lookup call, at most 100 (`--openalex-batch`).
pub const XREFSCAN_OPENALEX_BATCH: &str = "XREFSCAN_OPENALEX_BATCH";
/// Look for DoD funding named without a registry id (`--funder-names`).
pub const XREFSCAN_FUNDER_NAMES: &str = "XREFSCAN_FUNDER_NAMES";
/// Crossref rows per page, at most 1000 (`--crossref-rows`).
pub const XREFSCAN_CROSSREF_ROWS: &str = "XREFSCAN_CROSSREF_ROWS";
/// Days per Crossref shard (`--shard-days`).
pub const XREFSCAN_SHARD_DAYS: &str = "XREFSCAN_SHARD_DAYS";
/// Attempts per request before giving up (`--max-retries`).
pub const XREFSCAN_MAX_RETRIES: &str = "XREFSCAN_MAX_RETRIES";
/// Per-request timeout in seconds (`--timeout`).
pub const XREFSCAN_TIMEOUT: &str = "XREFSCAN_TIMEOUT";
/// Longest `Retry-After` the scan waits out before it stops the source (`--max-retry-after`).
pub const XREFSCAN_MAX_RETRY_AFTER: &str = "XREFSCAN_MAX_RETRY_AFTER";
/// Count only mainland China, not Hong Kong or Macau (`--mainland-only`).
pub const XREFSCAN_MAINLAND_ONLY: &str = "XREFSCAN_MAINLAND_ONLY";
/// Fetch finished shards again (`--refresh`).
pub const XREFSCAN_REFRESH: &str = "XREFSCAN_REFRESH";
/// Only errors on stderr, no progress bars (`--quiet`).
pub const XREFSCAN_QUIET: &str = "XREFSCAN_QUIET";
/// Export format: csv, json or xlsx (`export --format`).
pub const XREFSCAN_EXPORT_FORMAT: &str = "XREFSCAN_EXPORT_FORMAT";
/// Export file (`export --out`).
pub const XREFSCAN_EXPORT_OUT: &str = "XREFSCAN_EXPORT_OUT";
/// Leave dismissed papers out of exports (`export --exclude-dismissed`).
pub const XREFSCAN_EXCLUDE_DISMISSED: &str = "XREFSCAN_EXCLUDE_DISMISSED";
/// Start CSV exports with a UTF-8 byte-order mark (`export --bom`).
pub const XREFSCAN_CSV_BOM: &str = "XREFSCAN_CSV_BOM";
/// Output format of `query`: table, csv or json (`query --format`).
pub const XREFSCAN_QUERY_FORMAT: &str = "XREFSCAN_QUERY_FORMAT";
/// Folder of canned queries (`query --queries-dir`).
pub const XREFSCAN_QUERIES_DIR: &str = "XREFSCAN_QUERIES_DIR";
/// Europe PMC REST API base URL (`--europepmc-url`).
pub const XREFSCAN_EUROPEPMC_URL: &str = "XREFSCAN_EUROPEPMC_URL";
/// Europe PMC requests per second (`--europepmc-rps`).
pub const XREFSCAN_EUROPEPMC_RPS: &str = "XREFSCAN_EUROPEPMC_RPS";
/// Europe PMC requests in flight (`--europepmc-concurrency`).
pub const XREFSCAN_EUROPEPMC_CONCURRENCY: &str = "XREFSCAN_EUROPEPMC_CONCURRENCY";
/// Europe PMC results per search page (`--europepmc-page-size`).
pub const XREFSCAN_EUROPEPMC_PAGE_SIZE: &str = "XREFSCAN_EUROPEPMC_PAGE_SIZE";
/// Most full texts fetched per run (`--fulltext-budget`).
pub const XREFSCAN_FULLTEXT_BUDGET: &str = "XREFSCAN_FULLTEXT_BUDGET";
/// DOI resolver for publisher pages (`--doi-resolver`).
pub const XREFSCAN_DOI_RESOLVER: &str = "XREFSCAN_DOI_RESOLVER";
/// Most works whose acknowledgment is read per run (`--ack-budget`, once `--html-budget`).
pub const XREFSCAN_ACK_BUDGET: &str = "XREFSCAN_ACK_BUDGET";
/// Leave out the China-linked sweep (`--no-sweep`).
pub const XREFSCAN_NO_SWEEP: &str = "XREFSCAN_NO_SWEEP";
/// The whole window a scheduled scan keeps (`--window-from`).
pub const XREFSCAN_WINDOW_FROM: &str = "XREFSCAN_WINDOW_FROM";
/// Leave out the update routes of `--since-last` runs (`--no-update-routes`).
pub const XREFSCAN_NO_UPDATE_ROUTES: &str = "XREFSCAN_NO_UPDATE_ROUTES";
/// Months after which works that could become a flag are asked again (`--revisit-months`).
pub const XREFSCAN_REVISIT_MONTHS: &str = "XREFSCAN_REVISIT_MONTHS";
/// Most works asked again per run (`--revisit-budget`).
pub const XREFSCAN_REVISIT_BUDGET: &str = "XREFSCAN_REVISIT_BUDGET";
/// Largest open-access PDF read (`--max-pdf-bytes`).
pub const XREFSCAN_MAX_PDF_BYTES: &str = "XREFSCAN_MAX_PDF_BYTES";
/// Publisher-page requests per second per host (`--page-rps`).
pub const XREFSCAN_PAGE_RPS: &str = "XREFSCAN_PAGE_RPS";
/// Publisher-page requests in flight per host (`--page-concurrency`).
pub const XREFSCAN_PAGE_CONCURRENCY: &str = "XREFSCAN_PAGE_CONCURRENCY";
/// Address `serve` listens on (`--bind`).
pub const XREFSCAN_BIND: &str = "XREFSCAN_BIND";
/// Port `serve` listens on (`--port`).
pub const XREFSCAN_PORT: &str = "XREFSCAN_PORT";
/// `serve` without write routes (`--read-only`).
pub const XREFSCAN_READ_ONLY: &str = "XREFSCAN_READ_ONLY";
/// USAspending API base URL (`--usaspending-url`).
pub const XREFSCAN_USASPENDING_URL: &str = "XREFSCAN_USASPENDING_URL";
/// USAspending requests per second (`--usaspending-rps`).
pub const XREFSCAN_USASPENDING_RPS: &str = "XREFSCAN_USASPENDING_RPS";
/// USAspending requests in flight (`--usaspending-concurrency`).
pub const XREFSCAN_USASPENDING_CONCURRENCY: &str = "XREFSCAN_USASPENDING_CONCURRENCY";
/// Award numbers per USAspending search (`--usaspending-batch`).
pub const XREFSCAN_USASPENDING_BATCH: &str = "XREFSCAN_USASPENDING_BATCH";
/// Most award numbers asked per run (`--award-budget`).
pub const XREFSCAN_AWARD_BUDGET: &str = "XREFSCAN_AWARD_BUDGET";
/// DOI resolver requests per second (`--resolver-rps`).
pub const XREFSCAN_RESOLVER_RPS: &str = "XREFSCAN_RESOLVER_RPS";
/// DOI resolver requests in flight (`--resolver-concurrency`).
pub const XREFSCAN_RESOLVER_CONCURRENCY: &str = "XREFSCAN_RESOLVER_CONCURRENCY";
/// Largest page read in bytes (`--max-page-bytes`).
pub const XREFSCAN_MAX_PAGE_BYTES: &str = "XREFSCAN_MAX_PAGE_BYTES";
/// Wait for another writer instead of failing (`scan --wait`).
pub const XREFSCAN_WAIT: &str = "XREFSCAN_WAIT";
/// Exit 3 when a source returned fewer records than announced (`scan --strict`).
pub const XREFSCAN_STRICT: &str = "XREFSCAN_STRICT";
/// Reviewer name recorded with `review` decisions (`review --by`).
pub const XREFSCAN_REVIEWER: &str = "XREFSCAN_REVIEWER";
/// Continue from the last successful run (`scan --since-last`).
pub const XREFSCAN_SINCE_LAST: &str = "XREFSCAN_SINCE_LAST";
/// Days a --since-last window reaches back (`--overlap-days`).
pub const XREFSCAN_OVERLAP_DAYS: &str = "XREFSCAN_OVERLAP_DAYS";
/// Output of `classify`: text or jsonl (`--format`).
pub const XREFSCAN_CLASSIFY_FORMAT: &str = "XREFSCAN_CLASSIFY_FORMAT";
/// Folder of the labelled evaluation data (`eval --data`).
pub const XREFSCAN_EVAL_DATA: &str = "XREFSCAN_EVAL_DATA";
/// Log lines as text or JSON (`--log-format`).
pub const XREFSCAN_LOG_FORMAT: &str = "XREFSCAN_LOG_FORMAT";
/// Log filter in `tracing` syntax, e.g. `xrefscan=debug`.
pub const XREFSCAN_LOG: &str = "XREFSCAN_LOG";
