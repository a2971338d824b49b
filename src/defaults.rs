//! The defaults of every setting a scan takes: the flags show them, `ScanOptions::default`,
//! `ClientConfig::default` and `ResolveOptions::default` use them. A file of constants that
//! imports nothing, so every part may read it.

pub const CROSSREF_URL: &str = "https://api.crossref.org";
pub const OPENALEX_URL: &str = "https://api.openalex.org";
pub const EUROPEPMC_URL: &str = "https://www.ebi.ac.uk/europepmc/webservices/rest";
pub const USASPENDING_URL: &str = "https://api.usaspending.gov";
pub const DOI_RESOLVER: &str = "https://doi.org";
pub const SOURCES: &str = "crossref,openalex,europepmc,pages,usaspending";
/// Crossref's public pool, and its polite pool (with a contact address): requests per
/// second and in flight, as Crossref documents them.
pub const CROSSREF_PUBLIC: (f64, usize) = (1.0, 1);
pub const CROSSREF_POLITE: (f64, usize) = (3.0, 3);
pub const CROSSREF_ROWS: u32 = 1000;
/// 0: shards sized from the counts Crossref announces.
pub const SHARD_DAYS: u32 = 0;
pub const OPENALEX_RPS: f64 = 10.0;
/// OpenAlex's hard cap.
pub const OPENALEX_MAX_RPS: f64 = 100.0;
pub const OPENALEX_CONCURRENCY: usize = 5;
pub const OPENALEX_BATCH: usize = 100;
pub const EUROPEPMC_RPS: f64 = 5.0;
pub const EUROPEPMC_CONCURRENCY: usize = 2;
pub const EUROPEPMC_PAGE_SIZE: u32 = 1000;
pub const FULLTEXT_BUDGET: usize = 2000;
pub const USASPENDING_RPS: f64 = 2.0;
pub const USASPENDING_CONCURRENCY: usize = 2;
pub const USASPENDING_BATCH: usize = 50;
pub const AWARD_BUDGET: usize = 2000;
pub const ACK_BUDGET: usize = 1000;
pub const PAGE_RPS: f64 = 1.0;
pub const PAGE_CONCURRENCY: usize = 1;
pub const RESOLVER_RPS: f64 = 10.0;
pub const RESOLVER_CONCURRENCY: usize = 5;
pub const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;
pub const MAX_PDF_BYTES: usize = 30 * 1024 * 1024;
pub const PDF_TIMEOUT_SECS: u64 = 30;
pub const MAX_REDIRECTS: usize = 10;
pub const MAX_RETRIES: u32 = 6;
pub const TIMEOUT_SECS: u64 = 60;
pub const MAX_RETRY_AFTER_SECS: u64 = 900;
pub const MIN_BACKOFF_MILLIS: u64 = 500;
pub const OVERLAP_DAYS: u32 = 14;
pub const REVISIT_BUDGET: usize = 10_000;
