//! One scan: run each selected stage (one per source, in [`stages::ALL`] order) for a
//! publication window, keep what they find through the run's sink, classify every work that
//! changed, and raise or update flags. A source that fails (or runs out of budget) is recorded
//! and the others go on; the run's status says so.
//!
//! Layout: [`window`] (the window and checkpoint keys), [`stages`] (one file per source),
//! [`summary`] (what is printed and stored), [`reclassify`] (classification).

mod reclassify;
mod stages;
mod summary;
mod window;

pub use reclassify::{Classified, ReclassifySummary, classify_dirty, reclassify};
pub use summary::{ScanSummary, SourceStatus, SourceSummary};
pub use window::Window;

use crate::classify::china::RegionPolicy;
use crate::error::Result;
use crate::model::Source;
use crate::sources::crossref::CrossrefConfig;
use crate::sources::europepmc::EuropePmcConfig;
use crate::sources::http::{ClientConfig, HttpClient, Limits};
use crate::sources::openalex::OpenAlexConfig;
use crate::sources::pages::PagesConfig;
use crate::store::{Access, Db, RunSink, SharedDb};
use chrono::NaiveDate;
use indicatif::{MultiProgress, ProgressDrawTarget};
use stages::ScanCtx;
use std::path::Path;
use std::time::Instant;

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

/// Open (creating if needed) the database at `path` for writing and scan into it.
pub async fn run(path: &Path, opts: ScanOptions) -> Result<ScanSummary> {
    let db = Db::open(
        path,
        Access::Write {
            command: "scan",
            wait: opts.wait,
            create: true,
        },
    )?;
    run_on(db.shared(), opts).await
}

/// Scan into an open database (the caller holds its writer lock).
pub async fn run_on(db: SharedDb, opts: ScanOptions) -> Result<ScanSummary> {
    let window = Window::new(opts.from, opts.to)?;
    let started = Instant::now();
    let names = opts
        .sources
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let (from, to) = (window.from.to_string(), window.to.to_string());
    let run_id = db.run(move |d| d.begin_run(&from, &to, &names)).await?;
    let works_before = db.run(|d| d.work_count()).await?;
    let multi = MultiProgress::with_draw_target(if opts.progress {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let mut ctx = ScanCtx {
        http: HttpClient::new(opts.client.clone())?,
        dod: reclassify::stored_dod_classifier(&db).await?,
        opts,
        window,
        sink: RunSink {
            db: db.clone(),
            run_id,
        },
        db: db.clone(),
        classified: Classified::default(),
        multi,
    };
    let mut sources = Vec::new();
    for stage in stages::ALL {
        if !ctx.opts.sources.contains(&stage.source) {
            continue;
        }
        let pb = ctx.bar(stage.source.as_str());
        let summary = (stage.run)(&mut ctx, &pb).await?;
        pb.finish_with_message(summary.status.run_status().to_string());
        sources.push(summary);
    }
    let pb = ctx.bar("classify");
    ctx.classify_now(&pb).await?;
    pb.finish_and_clear();
    let (works_total, (candidates, flagged, _), short_counts) = db
        .run(move |d| Ok((d.work_count()?, d.flag_counts()?, d.short_counts(run_id)?)))
        .await?;
    let summary = ScanSummary {
        run_id,
        short_counts,
        works_total,
        works_new: works_total.saturating_sub(works_before),
        classified: ctx.classified.works,
        candidates,
        flagged,
        new_flags: ctx.classified.new_flags,
        elapsed: started.elapsed(),
        sources,
    };
    let per_source: Vec<_> = summary
        .sources
        .iter()
        .map(|s| (s.source, s.totals()))
        .collect();
    let totals = summary.totals();
    db.run(move |d| {
        for (src, t) in &per_source {
            d.set_run_source(run_id, *src, t)?;
        }
        d.finish_run(run_id, &totals)
    })
    .await?;
    Ok(summary)
}
