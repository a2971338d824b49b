//! One scan: crawl the sources for a publication window, store what they say, classify every
//! work that changed, and raise or update flags. A source that fails (or runs out of budget)
//! is recorded and the others go on; the run's status says so.

use crate::classify::china::RegionPolicy;
use crate::classify::dod::{DOD_REGISTRY, DodClassifier};
use crate::classify::entities::EntityMatcher;
use crate::classify::work::Classifier;
use crate::error::{Error, Result};
use crate::model::Source;
use crate::sources::crossref::{self, Crawler, CrossrefConfig};
use crate::sources::europepmc::{self, EuropePmcConfig, FullTextFetcher, Searcher};
use crate::sources::http::{ClientConfig, Endpoint, HttpClient, Limits};
use crate::sources::openalex::{self, Discoverer, Enricher, OpenAlexConfig};
use crate::sources::pages::{PageFetcher, PagesConfig};
use crate::store::{RunTotals, SharedStore, SourceTotals, Store};
use chrono::NaiveDate;
use futures::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Everything a scan needs, validated.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub sources: Vec<Source>,
    pub crossref: CrossrefConfig,
    pub crossref_limits: Limits,
    pub openalex: OpenAlexConfig,
    pub openalex_limits: Limits,
    pub europepmc: EuropePmcConfig,
    pub europepmc_limits: Limits,
    /// Most full texts to fetch this run (the rest wait for the next run).
    pub fulltext_budget: usize,
    pub pages: PagesConfig,
    /// Most publisher pages to fetch this run (the rest wait for the next run).
    pub html_budget: usize,
    pub client: ClientConfig,
    pub policy: RegionPolicy,
    /// Ignore checkpoints of finished shards and fetch them again.
    pub refresh: bool,
    /// Draw progress bars (they are hidden anyway when stderr is not a terminal).
    pub progress: bool,
    /// When another xrefscan is writing, wait for it instead of failing.
    pub wait: bool,
}

/// How one source fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceStatus {
    Ok,
    /// Stopped early; the next run resumes from the checkpoint.
    Incomplete(String),
    Failed(String),
}

impl SourceStatus {
    fn code(&self) -> &'static str {
        match self {
            SourceStatus::Ok => "ok",
            SourceStatus::Incomplete(_) => "incomplete",
            SourceStatus::Failed(_) => "failed",
        }
    }
    fn message(&self) -> Option<String> {
        match self {
            SourceStatus::Ok => None,
            SourceStatus::Incomplete(m) | SourceStatus::Failed(m) => Some(m.clone()),
        }
    }
}

/// Per-source figures for the summary.
#[derive(Debug, Clone)]
pub struct SourceSummary {
    pub source: Source,
    pub works: u64,
    pub announced: Option<u64>,
    pub requests: u64,
    pub retries: u64,
    pub errors: u64,
    pub status: SourceStatus,
    /// What else the user should know (pages left for later runs, records without a DOI).
    pub note: Option<String>,
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
    pub elapsed: Duration,
}

impl ScanSummary {
    /// Whether every source finished.
    pub fn complete(&self) -> bool {
        self.sources.iter().all(|s| s.status == SourceStatus::Ok)
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
                "  {:<9} {:>7} works{}  {:>5} requests  {:>3} retries  {:>3} errors  {}",
                s.source.as_str(),
                s.works,
                s.announced
                    .map(|a| format!(" (of {a} announced)"))
                    .unwrap_or_default(),
                s.requests,
                s.retries,
                s.errors,
                s.status.code()
            )?;
            if let Some(m) = s.status.message() {
                write!(f, ": {m}")?;
            }
            if let Some(n) = &s.note {
                write!(f, " ({n})")?;
            }
            writeln!(f)?;
        }
        writeln!(
            f,
            "  works in database: {} ({} new this scan); classified: {}",
            self.works_total, self.works_new, self.classified
        )?;
        write!(
            f,
            "  DoD-funded candidates: {}; flagged (DoD ∧ China-based coauthor): {} ({} new)",
            self.candidates, self.flagged, self.new_flags
        )
    }
}

fn bar(multi: &MultiProgress, name: &str) -> ProgressBar {
    let pb = multi.add(ProgressBar::new_spinner());
    pb.set_style(
        ProgressStyle::with_template("{spinner} {prefix:<9} {pos:>7} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_prefix(name.to_string());
    pb.enable_steady_tick(Duration::from_millis(200));
    pb
}

/// Run a scan against the database at `db`.
pub async fn run(db: &Path, opts: ScanOptions) -> Result<ScanSummary> {
    if opts.from > opts.to {
        return Err(Error::Invalid(format!(
            "--from {} is after --to {}",
            opts.from, opts.to
        )));
    }
    let started = Instant::now();
    let _lock = crate::store::WriteLock::acquire(db, "scan", opts.wait)?;
    let store = SharedStore::new(Store::open(db)?);
    let (from, to) = (opts.from.to_string(), opts.to.to_string());
    let names = opts
        .sources
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let (f2, t2) = (from.clone(), to.clone());
    let run_id = store.run(move |s| s.begin_run(&f2, &t2, &names)).await?;
    let works_before = store.run(|s| s.count("SELECT COUNT(*) FROM works")).await?;

    let multi = MultiProgress::with_draw_target(if opts.progress {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let http = HttpClient::new(opts.client.clone())?;
    let cr_ep = Endpoint::new("crossref", opts.crossref_limits);
    let oa_ep = Endpoint::new("openalex", opts.openalex_limits);

    let mut dod = stored_dod_classifier(&store).await?;

    let mut summaries = Vec::new();
    if opts.sources.contains(&Source::Crossref) {
        let pb = bar(&multi, "crossref");
        let (summary, learnt) =
            scan_crossref(&http, &cr_ep, &opts, &store, run_id, &dod, &pb).await?;
        dod = dod.with_registry_ids(learnt.iter().map(|(id, n)| (id.as_str(), n.as_str())));
        pb.finish_with_message(summary.status.code().to_string());
        summaries.push(summary);
    }
    if opts.sources.contains(&Source::OpenAlex) {
        let pb = bar(&multi, "openalex");
        let (summary, resolved) =
            scan_openalex(&http, &oa_ep, &opts, &store, run_id, &dod, &pb).await?;
        dod = dod.with_openalex_ids(
            resolved
                .iter()
                .filter_map(|(id, _, r)| Some((id.as_str(), r.as_deref()?))),
        );
        pb.finish_with_message(summary.status.code().to_string());
        summaries.push(summary);
    }

    if opts.sources.contains(&Source::EuropePmc) {
        let pb = bar(&multi, "europepmc");
        let ep = Endpoint::new("europepmc", opts.europepmc_limits);
        let summary = scan_europepmc(&http, &ep, &opts, &store, run_id, &dod, &pb).await?;
        pb.finish_with_message(summary.status.code().to_string());
        summaries.push(summary);
    }

    let pb = bar(&multi, "classify");
    let lists = store.run(|s| s.entity_lists()).await?;
    let overrides = store.run(|s| s.overrides()).await?;
    let classifier = std::sync::Arc::new(
        Classifier::new(dod, opts.policy)
            .with_entities(EntityMatcher::with_imported(lists))
            .with_overrides(overrides),
    );
    let mut early = (0, 0);
    if opts.sources.contains(&Source::Publisher) {
        // Pages are chosen from what the metadata says, so classify first.
        let (n, _, new) = classify_dirty(&store, Some(run_id), classifier.clone(), &pb).await?;
        early = (n, new);
        let pbp = bar(&multi, "pages");
        let summary = scan_pages(&opts, &store, run_id, &pbp).await?;
        pbp.finish_with_message(summary.status.code().to_string());
        summaries.push(summary);
    }
    let (classified, _, new_flags) = classify_dirty(&store, Some(run_id), classifier, &pb).await?;
    let (classified, new_flags) = (classified + early.0, new_flags + early.1);
    pb.finish_and_clear();

    let (works_total, candidates, flagged) = store
        .run(|s| {
            Ok((
                s.count("SELECT COUNT(*) FROM works")?,
                s.count("SELECT COUNT(*) FROM classifications WHERE dod = 1")?,
                s.count("SELECT COUNT(*) FROM flags WHERE active = 1")?,
            ))
        })
        .await?;
    let short_counts = store
        .run(move |s| {
            s.count(&format!(
                "SELECT COUNT(*) FROM scan_errors WHERE run_id = {run_id} AND kind = 'short-count'"
            ))
        })
        .await?;
    let summary = ScanSummary {
        run_id,
        short_counts,
        works_total,
        works_new: works_total.saturating_sub(works_before),
        classified,
        candidates,
        flagged,
        new_flags,
        elapsed: started.elapsed(),
        sources: summaries,
    };
    let totals = RunTotals {
        status: if summary.complete() {
            "ok".into()
        } else {
            "incomplete".into()
        },
        works_seen: summary.sources.iter().map(|s| s.works).sum(),
        works_new: summary.works_new,
        candidates,
        flagged,
        new_flags,
        requests: summary.sources.iter().map(|s| s.requests).sum(),
        retries: summary.sources.iter().map(|s| s.retries).sum(),
        errors: summary.sources.iter().map(|s| s.errors).sum(),
        elapsed_ms: summary.elapsed.as_millis() as u64,
        message: summary
            .sources
            .iter()
            .filter_map(|s| s.status.message().map(|m| format!("{}: {m}", s.source)))
            .reduce(|a, b| format!("{a}; {b}")),
    };
    let per_source: Vec<(Source, SourceTotals)> = summary
        .sources
        .iter()
        .map(|s| {
            (
                s.source,
                SourceTotals {
                    works: s.works,
                    announced: s.announced,
                    requests: s.requests,
                    retries: s.retries,
                    errors: s.errors,
                    status: s.status.code().into(),
                    message: s.status.message(),
                },
            )
        })
        .collect();
    store
        .run(move |s| {
            for (src, t) in &per_source {
                s.set_run_source(run_id, *src, t)?;
            }
            s.finish_run(run_id, &totals)
        })
        .await?;
    Ok(summary)
}

fn status_of(err: &Error) -> SourceStatus {
    match err {
        Error::BudgetExhausted { .. } | Error::BackOffTooLong { .. } => {
            SourceStatus::Incomplete(format!("{err}; run the same scan again to resume"))
        }
        e => SourceStatus::Failed(e.to_string()),
    }
}

async fn record(store: &SharedStore, run_id: i64, source: Source, err: &Error) -> Result<()> {
    let (kind, msg) = (error_kind(err), err.to_string());
    store
        .run(move |s| s.record_error(Some(run_id), source, None, kind, &msg, None))
        .await
}

fn error_kind(err: &Error) -> &'static str {
    match err {
        Error::BudgetExhausted { .. } => "budget-exhausted",
        Error::BackOffTooLong { .. } => "backoff-too-long",
        Error::Status { .. } => "http-status",
        Error::NotJson { .. } => "not-json",
        Error::Decode { .. } => "decode",
        Error::Http { .. } => "http",
        _ => "other",
    }
}

async fn scan_crossref(
    http: &HttpClient,
    ep: &Endpoint,
    opts: &ScanOptions,
    store: &SharedStore,
    run_id: i64,
    dod: &DodClassifier,
    pb: &ProgressBar,
) -> Result<(SourceSummary, Vec<(String, String)>)> {
    let mut status = SourceStatus::Ok;
    // The registry's current DoD subtree: the funder route already includes these.
    let descendants = match crossref::fetch_descendants(http, ep, &opts.crossref, DOD_REGISTRY)
        .await
    {
        Ok(d) => {
            let rows: Vec<(String, String, Option<String>)> = d
                .iter()
                .map(|(id, n)| (id.clone(), n.clone(), Some(id.clone())))
                .collect();
            store
                .run(move |s| s.save_dod_ids("crossref", &rows))
                .await?;
            Some(d)
        }
        Err(e) => {
            tracing::warn!(
                "could not read the DoD funder record ({e}); querying every reference component separately"
            );
            record(store, run_id, Source::Crossref, &e).await?;
            None
        }
    };
    let covered: std::collections::HashSet<String> = descendants
        .iter()
        .flatten()
        .map(|(id, _)| id.trim_start_matches("10.13039/").to_string())
        .collect();
    let mut roots = vec![DOD_REGISTRY.to_string()];
    for n in DodClassifier::new().registry_numbers() {
        if n != DOD_REGISTRY && !covered.contains(&n) {
            roots.push(n);
        }
    }
    // The DoD family route carries almost every work, so it is split into date shards to use
    // the allowed concurrency; components outside the tree are small and take one request
    // (plus cursor pages) each for the whole window.
    let shards = crossref::shards(opts.from, opts.to, opts.crossref.shard_days);
    let jobs: Vec<(String, NaiveDate, NaiveDate)> = roots
        .iter()
        .flat_map(|r| {
            let windows = if r == DOD_REGISTRY {
                shards.clone()
            } else {
                vec![(opts.from, opts.to)]
            };
            windows.into_iter().map(move |(a, b)| (r.clone(), a, b))
        })
        .collect();
    let works = AtomicU64::new(0);
    let on_page = |n: u64| {
        works.fetch_add(n, Ordering::Relaxed);
        pb.inc(n);
        let (req, _, _) = ep.stats.snapshot();
        pb.set_message(format!("works, {req} requests"));
    };
    let crawler = Crawler {
        http,
        ep,
        cfg: &opts.crossref,
        store,
        run_id,
        refresh: opts.refresh,
        on_page: &on_page,
    };
    let _ = dod;
    let results: Vec<(String, Result<crossref::ShardResult>)> = futures::stream::iter(jobs)
        .map(|(root, a, b)| {
            let crawler = &crawler;
            async move {
                (
                    format!("{root}:{a}:{b}"),
                    crawler.crawl_shard(&root, a, b).await,
                )
            }
        })
        .buffer_unordered(opts.crossref_limits.concurrency.max(1))
        .collect()
        .await;
    let mut announced = None::<u64>;
    let mut items = 0;
    for (shard, r) in results {
        match r {
            Ok(res) => {
                items += res.items;
                if let Some(a) = res.announced {
                    announced = Some(announced.unwrap_or(0) + a);
                }
            }
            Err(e) => {
                tracing::error!("crossref shard {shard}: {e}");
                record(store, run_id, Source::Crossref, &e).await?;
                if status == SourceStatus::Ok {
                    status = status_of(&e);
                }
            }
        }
    }
    let (requests, retries, errors) = ep.stats.snapshot();
    Ok((
        SourceSummary {
            source: Source::Crossref,
            works: items,
            announced,
            requests,
            retries,
            errors,
            status,
            note: None,
        },
        descendants.unwrap_or_default(),
    ))
}

async fn scan_openalex(
    http: &HttpClient,
    ep: &Endpoint,
    opts: &ScanOptions,
    store: &SharedStore,
    run_id: i64,
    dod: &DodClassifier,
    pb: &ProgressBar,
) -> Result<(SourceSummary, Vec<(String, String, Option<String>)>)> {
    let mut status = SourceStatus::Ok;
    let mut works_seen = 0;
    // Discovery and lookups mix in one count, so no "announced" total is shown for OpenAlex.
    let announced = None;
    let on_page = |n: u64| {
        pb.inc(n);
        let (req, _, _) = ep.stats.snapshot();
        pb.set_message(format!("works, {req} requests"));
    };
    let resolved =
        match openalex::resolve_funders(http, ep, &opts.openalex, &dod.registry_numbers()).await {
            Ok(r) => {
                let rows = r.clone();
                store
                    .run(move |s| s.save_dod_ids("openalex", &rows))
                    .await?;
                r
            }
            Err(e) => {
                record(store, run_id, Source::OpenAlex, &e).await?;
                status = status_of(&e);
                Vec::new()
            }
        };
    let (from, to) = (opts.from.to_string(), opts.to.to_string());
    if status == SourceStatus::Ok && !resolved.is_empty() {
        let ids: Vec<String> = resolved.iter().map(|(id, _, _)| id.clone()).collect();
        let countries = if opts.policy.mainland_only {
            "CN"
        } else {
            "CN|HK|MO"
        };
        let d = Discoverer {
            http,
            ep,
            cfg: &opts.openalex,
            store,
            run_id,
            refresh: opts.refresh,
            on_page: &on_page,
        };
        match d.discover(&ids, &from, &to, countries).await {
            Ok((n, a, _)) => {
                works_seen += n;
                if a.is_some_and(|a| n < a) {
                    let msg = format!(
                        "OpenAlex announced {} discoverable works but returned {n}",
                        a.unwrap_or(0)
                    );
                    tracing::warn!("{msg}");
                    store
                        .run(move |s| {
                            s.record_error(
                                Some(run_id),
                                Source::OpenAlex,
                                None,
                                "short-count",
                                &msg,
                                None,
                            )
                        })
                        .await?;
                }
            }
            Err(e) => {
                record(store, run_id, Source::OpenAlex, &e).await?;
                status = status_of(&e);
            }
        }
    }
    if !matches!(status, SourceStatus::Incomplete(_)) {
        let (f2, t2) = (from.clone(), to.clone());
        let missing = store
            .run(move |s| s.works_missing_source(Source::OpenAlex, &f2, &t2))
            .await?;
        let e = Enricher {
            http,
            ep,
            cfg: &opts.openalex,
            store,
            run_id,
            on_batch: &on_page,
        };
        match e.enrich(missing).await {
            Ok((n, _)) => works_seen += n,
            Err(e) => {
                record(store, run_id, Source::OpenAlex, &e).await?;
                if status == SourceStatus::Ok {
                    status = status_of(&e);
                }
            }
        }
    }
    let (requests, retries, errors) = ep.stats.snapshot();
    Ok((
        SourceSummary {
            source: Source::OpenAlex,
            works: works_seen,
            announced,
            requests,
            retries,
            errors,
            status,
            note: None,
        },
        resolved,
    ))
}

/// Europe PMC: search for DoD components in grants and acknowledgments with China-based
/// authors, then fetch the open-access full text of what was found for its `<ack>` and funding
/// sections.
async fn scan_europepmc(
    http: &HttpClient,
    ep: &Endpoint,
    opts: &ScanOptions,
    store: &SharedStore,
    run_id: i64,
    dod: &DodClassifier,
    pb: &ProgressBar,
) -> Result<SourceSummary> {
    let mut status = SourceStatus::Ok;
    let (mut works_seen, mut announced, mut without_doi) = (0, None::<u64>, 0);
    let on_page = |n: u64| {
        pb.inc(n);
        let (req, _, _) = ep.stats.snapshot();
        pb.set_message(format!("records, {req} requests"));
    };
    let (from, to) = (opts.from.to_string(), opts.to.to_string());
    let searcher = Searcher {
        http,
        ep,
        cfg: &opts.europepmc,
        store,
        run_id,
        refresh: opts.refresh,
        on_page: &on_page,
    };
    for (i, query) in europepmc::discovery_queries(&dod.query_terms(), &from, &to)
        .iter()
        .enumerate()
    {
        let key = format!("search:{from}:{to}:{i}:{:016x}", fxhash(query));
        match searcher.search(&key, query).await {
            Ok(t) => {
                works_seen += t.items;
                without_doi += t.without_doi;
                if let Some(a) = t.announced {
                    announced = Some(announced.unwrap_or(0) + a);
                }
            }
            Err(e) => {
                record(store, run_id, Source::EuropePmc, &e).await?;
                status = status_of(&e);
                break;
            }
        }
    }
    if without_doi > 0 {
        tracing::info!("europepmc: {without_doi} records without a DOI were not stored");
    }
    if status == SourceStatus::Ok {
        let fetcher = FullTextFetcher {
            refetch: opts.refresh,
            http,
            ep,
            cfg: &opts.europepmc,
            store,
            run_id,
            on_doc: &|_| pb.set_message("full texts"),
        };
        match fetcher.fetch(opts.fulltext_budget).await {
            Ok(t) => {
                let left = store
                    .run(|s| {
                        s.works_needing_full_text(usize::MAX >> 1, false)
                            .map(|v| v.len())
                    })
                    .await?;
                if left > 0 {
                    tracing::info!(
                        "europepmc: {left} full texts left for the next run (--fulltext-budget {})",
                        opts.fulltext_budget
                    );
                }
                tracing::info!(
                    "europepmc: {} full texts fetched, {} changed, {} unavailable, {} errors",
                    t.fetched,
                    t.changed,
                    t.unavailable,
                    t.errors
                );
            }
            Err(e) => {
                record(store, run_id, Source::EuropePmc, &e).await?;
                status = status_of(&e);
            }
        }
    }
    let (requests, retries, errors) = ep.stats.snapshot();
    Ok(SourceSummary {
        source: Source::EuropePmc,
        works: works_seen,
        announced,
        requests,
        retries,
        errors,
        status,
        note: (without_doi > 0)
            .then(|| format!("{without_doi} records without a DOI were not stored")),
    })
}

/// Publisher pages: the budgeted choice of works whose page may show what their metadata
/// lacks; Highwire authors with institutions and acknowledgment/funding text are kept.
async fn scan_pages(
    opts: &ScanOptions,
    store: &SharedStore,
    run_id: i64,
    pb: &ProgressBar,
) -> Result<SourceSummary> {
    use futures::StreamExt;
    use sha2::Digest;
    let fetcher = PageFetcher::new(opts.pages.clone())?;
    let (from, to, budget) = (opts.from.to_string(), opts.to.to_string(), opts.html_budget);
    let refetch = opts.refresh;
    let (todo, total) = store
        .run(move |s| s.works_for_pages(&from, &to, budget, refetch))
        .await?;
    pb.set_length(todo.len() as u64);
    let skipped = total.saturating_sub(todo.len() as u64);
    let fetcher = &fetcher;
    let results: Vec<_> = futures::stream::iter(todo)
        .map(|(id, doi, reason)| async move {
            let r = fetcher.fetch_doi(&doi).await;
            (id, doi, reason, r)
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let (mut fetched, mut disallowed, mut unavailable, mut errors) = (0u64, 0u64, 0u64, 0u64);
    for (work_id, doi, reason, r) in results {
        pb.inc(1);
        match r {
            Ok(page) => {
                fetched += 1;
                let facts = crate::sources::html::extract(&String::from_utf8_lossy(&page.body));
                let record = page_record(&doi, &facts);
                let hash = format!("{:x}", sha2::Sha256::digest(&page.body));
                let texts: Vec<(String, String)> = facts
                    .sections
                    .iter()
                    .map(|s| {
                        let label = if s.heading.is_empty() {
                            s.rule.clone()
                        } else {
                            s.heading.clone()
                        };
                        (label, s.text.clone())
                    })
                    .collect();
                let note = page.truncated.then(|| {
                    format!(
                        "page cut at {} bytes; the rest was not read",
                        page.body.len()
                    )
                });
                store
                    .run(move |s| {
                        if let Some(r) = &record {
                            s.save_enrichment(
                                run_id,
                                Source::Publisher,
                                std::slice::from_ref(r),
                                &[],
                            )?;
                        }
                        s.save_document(&crate::store::Document {
                            work_id,
                            source: Source::Publisher,
                            kind: "publisher-page",
                            origin: PAGE_ORIGIN,
                            url: &page.url,
                            final_url: Some(&page.final_url),
                            status: Some(page.status),
                            content_type: Some(&page.content_type),
                            sha256: Some(&hash),
                            bytes: Some(page.body.len()),
                            error: None,
                            texts,
                        })?;
                        if let Some(n) = note {
                            s.record_error(
                                Some(run_id),
                                Source::Publisher,
                                Some(&page.final_url),
                                "page-truncated",
                                &n,
                                None,
                            )?;
                        }
                        Ok(())
                    })
                    .await?;
            }
            Err(e) if e.is_final() => {
                match e {
                    crate::sources::pages::PageError::Disallowed { .. } => disallowed += 1,
                    _ => unavailable += 1,
                }
                let (message, url) = (
                    format!("{e} (chosen because: {reason})"),
                    format!("doi:{doi}"),
                );
                store
                    .run(move |s| {
                        s.save_document(&crate::store::Document {
                            work_id,
                            source: Source::Publisher,
                            kind: "publisher-page",
                            origin: PAGE_ORIGIN,
                            url: &url,
                            final_url: None,
                            status: None,
                            content_type: None,
                            sha256: None,
                            bytes: None,
                            error: Some(&message),
                            texts: Vec::new(),
                        })
                        .map(|_| ())
                    })
                    .await?;
            }
            Err(e) => {
                errors += 1;
                let message = e.to_string();
                store
                    .run(move |s| {
                        s.record_error(
                            Some(run_id),
                            Source::Publisher,
                            Some(&doi),
                            "page",
                            &message,
                            None,
                        )
                    })
                    .await?;
            }
        }
    }
    let per_host = fetcher.requests_per_host();
    let requests = per_host.iter().map(|(_, n)| n).sum();
    let mut notes = Vec::new();
    if skipped > 0 {
        notes.push(format!(
            "{skipped} candidate pages left for later runs (--html-budget {budget})"
        ));
    }
    if disallowed > 0 {
        notes.push(format!("{disallowed} disallowed by robots.txt"));
    }
    if unavailable > 0 {
        notes.push(format!("{unavailable} unavailable"));
    }
    Ok(SourceSummary {
        source: Source::Publisher,
        works: fetched,
        announced: None,
        requests,
        retries: 0,
        errors,
        status: SourceStatus::Ok,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    })
}

/// How exports name text read on publisher pages.
pub const PAGE_ORIGIN: &str = "acknowledgment (publisher page)";

/// The page's Highwire authors as a record of the `pages` source (none when it has none).
fn page_record(
    doi: &str,
    facts: &crate::sources::html::PageFacts,
) -> Option<crate::model::WorkRecord> {
    use crate::model::{AffiliationRecord, AuthorRecord, WorkRecord};
    if facts.authors.is_empty() {
        return None;
    }
    Some(WorkRecord {
        doi: Some(doi.to_string()),
        title: facts.title.clone(),
        publication_date: facts.date.clone(),
        venue: facts.journal.clone(),
        authors: facts
            .authors
            .iter()
            .map(|a| AuthorRecord {
                name: a.name.clone(),
                affiliations: a
                    .institutions
                    .iter()
                    .map(|i| AffiliationRecord {
                        raw: Some(i.clone()),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
            .collect(),
        raw: serde_json::to_string(facts).unwrap_or_default(),
        ..Default::default()
    })
}

/// A stable hash of a query, so a changed query list starts fresh checkpoints.
fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The `--since-last` window: from `overlap_days` before the latest publication date that a
/// successful run of each of `sources` covered (the earliest of those, so no source skips
/// anything), to `until`.
pub fn since_last_window(
    db: &Path,
    sources: &[Source],
    overlap_days: u32,
    until: NaiveDate,
) -> Result<(NaiveDate, NaiveDate)> {
    let conn = Store::open_read_only(db)?;
    let mut earliest: Option<NaiveDate> = None;
    for s in sources {
        let last: Option<String> = conn.query_row(
            "SELECT MAX(r.to_date) FROM run_sources rs JOIN scan_runs r ON r.id = rs.run_id
             WHERE rs.source = ?1 AND rs.status = 'ok' AND r.to_date <> ''",
            [s.as_str()],
            |r| r.get(0),
        )?;
        let Some(last) = last.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()) else {
            return Err(Error::Invalid(format!(
                "--since-last: no successful {s} run in {} yet; run one with --from and --to first",
                db.display()
            )));
        };
        earliest = Some(earliest.map_or(last, |e: NaiveDate| e.min(last)));
    }
    let last = earliest.ok_or_else(|| Error::Invalid("--since-last: no sources given".into()))?;
    let from = last - chrono::Days::new(u64::from(overlap_days));
    Ok((from.min(until), until))
}

/// Mark the runs of a database still marked running as stopped (after Ctrl-C).
pub fn mark_interrupted(db: &Path, why: &str) -> Result<()> {
    let store = Store::open(db)?;
    store.conn().execute(
        "UPDATE scan_runs SET status = 'interrupted', finished_at = ?1,
            message = ?2 || '; everything up to its last commit is kept and the next run resumes from there'
         WHERE status = 'running'",
        rusqlite::params![crate::store::now(), why],
    )?;
    Ok(())
}

/// The DoD classifier with the ids earlier scans learnt (Crossref descendants, OpenAlex ids).
async fn stored_dod_classifier(store: &SharedStore) -> Result<DodClassifier> {
    let known = store
        .run(|s| Ok((s.dod_ids("crossref")?, s.dod_ids("openalex")?)))
        .await?;
    Ok(DodClassifier::new()
        .with_registry_ids(known.0.iter().map(|(id, n, _)| (id.as_str(), n.as_str())))
        .with_openalex_ids(
            known
                .1
                .iter()
                .filter_map(|(id, _, r)| Some((id.as_str(), r.as_deref()?))),
        ))
}

/// What `reclassify` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReclassifySummary {
    pub classified: u64,
    pub candidates: u64,
    pub flagged: u64,
    pub new_flags: u64,
    pub tier1: u64,
}

impl std::fmt::Display for ReclassifySummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "reclassified {} works: {} DoD-funded candidates, {} flagged ({} new, {} tier 1)",
            self.classified, self.candidates, self.flagged, self.new_flags, self.tier1
        )
    }
}

/// Classify every stored work again with today's rules and lists; nothing is fetched. Flags
/// that no longer hold become inactive (never deleted), so their history stays.
pub async fn reclassify(
    db: &Path,
    policy: RegionPolicy,
    progress: bool,
) -> Result<ReclassifySummary> {
    let _lock = crate::store::WriteLock::acquire(db, "reclassify", false)?;
    let started = Instant::now();
    let store = SharedStore::new(Store::open(db)?);
    // A run of its own, so flags it raises are "new since the last scan" like any other.
    let run_id = store.run(|s| s.begin_run("", "", "reclassify")).await?;
    store.run(|s| s.mark_all_dirty()).await?;
    let dod = stored_dod_classifier(&store).await?;
    let lists = store.run(|s| s.entity_lists()).await?;
    let overrides = store.run(|s| s.overrides()).await?;
    let classifier = std::sync::Arc::new(
        Classifier::new(dod, policy)
            .with_entities(EntityMatcher::with_imported(lists))
            .with_overrides(overrides),
    );
    let pb = if progress {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    let (classified, _, new_flags) = classify_dirty(&store, Some(run_id), classifier, &pb).await?;
    pb.finish_and_clear();
    let (candidates, flagged, tier1) = store
        .run(|s| {
            Ok((
                s.count("SELECT COUNT(*) FROM classifications WHERE dod = 1")?,
                s.count("SELECT COUNT(*) FROM flags WHERE active = 1")?,
                s.count("SELECT COUNT(*) FROM flags WHERE active = 1 AND tier = 1")?,
            ))
        })
        .await?;
    let totals = RunTotals {
        status: "ok".into(),
        works_seen: classified,
        candidates,
        flagged,
        new_flags,
        elapsed_ms: started.elapsed().as_millis() as u64,
        message: Some("reclassified without crawling".into()),
        ..Default::default()
    };
    store.run(move |s| s.finish_run(run_id, &totals)).await?;
    Ok(ReclassifySummary {
        classified,
        candidates,
        flagged,
        new_flags,
        tier1,
    })
}

/// Classify every work a source changed since it was last classified. Returns
/// `(classified, candidates among them, new flags)`.
pub async fn classify_dirty(
    store: &SharedStore,
    run_id: Option<i64>,
    classifier: std::sync::Arc<Classifier>,
    pb: &ProgressBar,
) -> Result<(u64, u64, u64)> {
    let ids = store.run(|s| s.dirty_work_ids()).await?;
    pb.set_length(ids.len() as u64);
    let (mut classified, mut candidates, mut new_flags) = (0, 0, 0);
    for chunk in ids.chunks(500) {
        let chunk = chunk.to_vec();
        let c = classifier.clone();
        let (n, cand, new) = store
            .run(move |s| {
                let mut decisions = Vec::with_capacity(chunk.len());
                for id in &chunk {
                    let facts = s.work_facts(*id)?;
                    decisions.push((*id, c.decide(&facts)));
                }
                let (cand, _, new) = s.apply_decisions(run_id, &decisions)?;
                Ok((decisions.len() as u64, cand, new))
            })
            .await?;
        classified += n;
        candidates += cand;
        new_flags += new;
        pb.inc(n);
    }
    Ok((classified, candidates, new_flags))
}
