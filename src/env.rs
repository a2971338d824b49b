//! Every environment variable xrefscan reads, in one place.
//!
//! Scheduled jobs configure the tool through the environment, so the names are part of the
//! contract: `xrefscan env` prints this list, a test holds the README's table to it, and a flag
//! and its variable always mean the same thing.

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
/// Most publisher pages fetched per run (`--html-budget`).
pub const XREFSCAN_HTML_BUDGET: &str = "XREFSCAN_HTML_BUDGET";
/// Publisher-page requests per second per host (`--page-rps`).
pub const XREFSCAN_PAGE_RPS: &str = "XREFSCAN_PAGE_RPS";
/// Publisher-page requests in flight per host (`--page-concurrency`).
pub const XREFSCAN_PAGE_CONCURRENCY: &str = "XREFSCAN_PAGE_CONCURRENCY";
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

/// `(name, meaning)` for every variable, in README order.
pub const ALL: &[(&str, &str)] = &[
    (XREFSCAN_DB, "database file (default db/xrefscan.sqlite)"),
    (
        XREFSCAN_CROSSREF_URL,
        "Crossref API base URL (default https://api.crossref.org)",
    ),
    (
        XREFSCAN_OPENALEX_URL,
        "OpenAlex API base URL (default https://api.openalex.org)",
    ),
    (
        OPENALEX_API_KEY,
        "OpenAlex API key (optional; keyless calls get a tiny daily budget)",
    ),
    (
        XREFSCAN_MAILTO,
        "contact e-mail: Crossref polite pool, User-Agent",
    ),
    (
        XREFSCAN_SOURCES,
        "sources to scan (default crossref,openalex,europepmc,pages)",
    ),
    (XREFSCAN_FROM, "publication window start, YYYY-MM-DD"),
    (XREFSCAN_TO, "publication window end, YYYY-MM-DD"),
    (
        XREFSCAN_CROSSREF_RPS,
        "Crossref requests/s (default 3 with mailto, else 1)",
    ),
    (
        XREFSCAN_CROSSREF_CONCURRENCY,
        "Crossref requests in flight (default 3 with mailto, else 1)",
    ),
    (
        XREFSCAN_OPENALEX_RPS,
        "OpenAlex requests/s (default 10; hard cap 100)",
    ),
    (
        XREFSCAN_OPENALEX_CONCURRENCY,
        "OpenAlex requests in flight (default 5)",
    ),
    (
        XREFSCAN_OPENALEX_BATCH,
        "DOIs per OpenAlex lookup call (default 100, at most 100)",
    ),
    (
        XREFSCAN_CROSSREF_ROWS,
        "Crossref rows per page (default 1000)",
    ),
    (
        XREFSCAN_SHARD_DAYS,
        "days per Crossref date shard (default 31)",
    ),
    (XREFSCAN_MAX_RETRIES, "attempts per request (default 6)"),
    (XREFSCAN_TIMEOUT, "request timeout in seconds (default 60)"),
    (
        XREFSCAN_MAX_RETRY_AFTER,
        "longest Retry-After to wait out, seconds (default 900)",
    ),
    (
        XREFSCAN_MAINLAND_ONLY,
        "count mainland China only (true/false)",
    ),
    (XREFSCAN_REFRESH, "fetch finished shards again (true/false)"),
    (
        XREFSCAN_QUIET,
        "only errors on stderr, no progress bars (true/false)",
    ),
    (
        XREFSCAN_EXPORT_FORMAT,
        "export format: csv, json, xlsx (default csv)",
    ),
    (XREFSCAN_EXPORT_OUT, "export file"),
    (
        XREFSCAN_CSV_BOM,
        "start CSV exports with a UTF-8 BOM (true/false)",
    ),
    (
        XREFSCAN_QUERY_FORMAT,
        "query output: table, csv, json (default table)",
    ),
    (
        XREFSCAN_QUERIES_DIR,
        "folder of canned queries (default queries)",
    ),
    (
        XREFSCAN_EUROPEPMC_URL,
        "Europe PMC REST base URL (default https://www.ebi.ac.uk/europepmc/webservices/rest)",
    ),
    (XREFSCAN_EUROPEPMC_RPS, "Europe PMC requests/s (default 5)"),
    (
        XREFSCAN_EUROPEPMC_CONCURRENCY,
        "Europe PMC requests in flight (default 2)",
    ),
    (
        XREFSCAN_EUROPEPMC_PAGE_SIZE,
        "Europe PMC results per search page (default 1000)",
    ),
    (
        XREFSCAN_FULLTEXT_BUDGET,
        "most Europe PMC full texts fetched per run (default 2000)",
    ),
    (
        XREFSCAN_DOI_RESOLVER,
        "DOI resolver for publisher pages (default https://doi.org)",
    ),
    (
        XREFSCAN_HTML_BUDGET,
        "most publisher pages fetched per run (default 200)",
    ),
    (
        XREFSCAN_PAGE_RPS,
        "publisher-page requests/s per host (default 1)",
    ),
    (
        XREFSCAN_PAGE_CONCURRENCY,
        "publisher-page requests in flight per host (default 1)",
    ),
    (
        XREFSCAN_MAX_PAGE_BYTES,
        "largest publisher page read, bytes (default 8 MiB)",
    ),
    (
        XREFSCAN_WAIT,
        "when another xrefscan is writing, wait instead of failing (true/false)",
    ),
    (
        XREFSCAN_STRICT,
        "exit 3 when a source returned fewer records than announced (true/false)",
    ),
    (
        XREFSCAN_REVIEWER,
        "reviewer name recorded with review decisions",
    ),
    (
        XREFSCAN_SINCE_LAST,
        "continue from the last successful run of each source (true/false)",
    ),
    (
        XREFSCAN_OVERLAP_DAYS,
        "days a --since-last window reaches back over the previous one (default 14)",
    ),
    (
        XREFSCAN_CLASSIFY_FORMAT,
        "classify output: text, jsonl (default text)",
    ),
    (
        XREFSCAN_EVAL_DATA,
        "labelled evaluation data folder (default ../shared/data/eval)",
    ),
    (
        XREFSCAN_LOG_FORMAT,
        "log lines as text or json (default text)",
    ),
    (XREFSCAN_LOG, "log filter, e.g. xrefscan=debug"),
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_variable_is_documented_in_the_readme() {
        let readme = include_str!("../README.md");
        let missing: Vec<&str> = super::ALL
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| !readme.contains(&format!("`{name}`")))
            .collect();
        assert!(missing.is_empty(), "README lacks {missing:?}");
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = super::ALL.iter().map(|(n, _)| *n).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }
}
