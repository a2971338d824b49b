//! One scan: run the selected stages (one per source, [`stages::ALL`]: discovery and lookups
//! together, publisher pages last) for a publication window, keep what they find through the
//! run's sink, classify every work that changed, and raise or update flags. A source that fails
//! (or runs out of budget) is recorded and the others go on; the run's status says so.
//!
//! Layout: [`window`] (`--since-last`), [`shards`] (windows cut by announced counts),
//! [`stages`] (one file per source), [`summary`] (what is printed and stored), [`reclassify`]
//! (classification).

mod options;
mod reclassify;
mod shards;
mod stages;
mod summary;
mod window;

pub use crate::model::Window;
pub use options::{ProgressTo, ScanOptions, defaults};
pub use reclassify::{Classified, ReclassifySummary, classify_dirty, classify_pending, reclassify};
pub use summary::{ScanSummary, SourceStatus, SourceSummary};
pub use window::Schedule;

use crate::error::Result;
use crate::sources::http::HttpClient;
use crate::store::{Access, Db, RunSink, SharedDb};
use indicatif::MultiProgress;
use stages::ScanCtx;
use std::path::Path;
use std::time::Instant;

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
    let window = opts.window;
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
    let multi = MultiProgress::with_draw_target(opts.progress.target());
    let ctx = ScanCtx::new(
        opts.clone(),
        window,
        db.clone(),
        RunSink {
            db: db.clone(),
            run_id,
        },
        HttpClient::new(opts.client.clone())?,
        reclassify::stored_dod_classifier(&db).await?,
        multi,
    );
    let sources = stages::run_all(&ctx).await?;
    let pb = ctx.bar("classify");
    ctx.classify_now(&pb).await?;
    pb.finish_and_clear();
    // Who is who follows the flags (an ORCID a source added, a flag raised or dropped): once
    // a run, at its end — also after a run that resumed a killed one and classified nothing.
    db.run(|d| d.rebuild_people().map(|_| ())).await?;
    // The summary says how every source fared: the bars go, so it starts on a line of its own.
    let _ = ctx.multi.clear();
    let classified = ctx.classified();
    let (works_total, (candidates, flagged, _), short_counts, resumed) = db
        .run(move |d| {
            Ok((
                d.work_count()?,
                d.flag_counts()?,
                d.short_counts(run_id)?,
                d.interrupted_before(run_id)?,
            ))
        })
        .await?;
    let summary = ScanSummary {
        run_id,
        resumed,
        short_counts,
        works_total,
        works_new: works_total.saturating_sub(works_before),
        classified: classified.works(),
        candidates,
        flagged,
        new_flags: classified.new_flags,
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
