//! One scan: run the selected stages (one per source, [`stages::ALL`]: discovery and lookups
//! together, publisher pages last) for a publication window, keep what they find through the
//! run's sink, classify every work that changed, and raise or update flags. A source that fails
//! (or runs out of budget) is recorded and the others go on; the run's status says so.
//!
//! Layout: [`window`] (`--since-last`), [`shards`] (windows cut by announced counts),
//! [`stages`] (one file per source), [`summary`] (what is printed and stored), [`reclassify`]
//! (classification).

mod reclassify;
mod shards;
mod stages;
mod summary;
mod window;

pub use crate::model::Window;
pub use reclassify::{Classified, ReclassifySummary, classify_dirty, classify_pending, reclassify};
pub use summary::{ScanSummary, SourceStatus, SourceSummary};
pub use window::Schedule;

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
    fn target(&self) -> ProgressDrawTarget {
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
