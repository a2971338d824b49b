//! The stages of a scan, in the order they run. A stage is one source's part of a scan: it
//! crawls through its module in `sources/`, hands what it finds to the run's sink, and says
//! how it went. Adding a source is a module in `sources/`, a file here and one entry in
//! [`ALL`].

mod crossref;
mod europepmc;
mod openalex;
mod pages;

use super::reclassify::{self, Classified};
use super::summary::{SourceStatus, SourceSummary};
use super::{ScanOptions, Window};
use crate::classify::dod::DodClassifier;
use crate::error::{Error, Result};
use crate::model::{ErrorKind, Problem, Source};
use crate::sources::http::{Endpoint, HttpClient};
use crate::sources::paging::Pager;
use crate::sources::sink::Sink;
use crate::store::{RunSink, SharedDb};
use futures::future::BoxFuture;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::time::Duration;

/// One source's part of a scan: the source it crawls (its name in `--sources`, the summary
/// and `run_sources`) and the function that crawls, keeps, and says how it went. An `Err` is a
/// failure of the store (the scan stops); a source's own failure is the summary's status.
pub struct Stage {
    pub source: Source,
    pub run: for<'a> fn(&'a mut ScanCtx, &'a ProgressBar) -> BoxFuture<'a, Result<SourceSummary>>,
}

/// Every stage, in the order a scan runs them: the discovery routes first (Crossref's funder
/// and name routes, Europe PMC's searches and full texts), then OpenAlex, which looks up every
/// work of the window the others found (authorships with country codes and raw strings), then
/// publisher pages for what is still missing.
pub const ALL: &[Stage] = &[
    Stage {
        source: Source::Crossref,
        run: |ctx, pb| Box::pin(crossref::run(ctx, pb)),
    },
    Stage {
        source: Source::EuropePmc,
        run: |ctx, pb| Box::pin(europepmc::run(ctx, pb)),
    },
    Stage {
        source: Source::OpenAlex,
        run: |ctx, pb| Box::pin(openalex::run(ctx, pb)),
    },
    Stage {
        source: Source::Publisher,
        run: |ctx, pb| Box::pin(pages::run(ctx, pb)),
    },
];

/// What stages share during one scan.
pub struct ScanCtx {
    pub opts: ScanOptions,
    pub window: Window,
    pub db: SharedDb,
    pub sink: RunSink,
    pub http: HttpClient,
    /// The DoD classifier, growing as stages learn funder ids (Crossref descendants,
    /// OpenAlex ids).
    pub dod: DodClassifier,
    /// Works classified (and flags raised) by stages that classify before the end.
    pub classified: Classified,
    pub multi: MultiProgress,
}

impl ScanCtx {
    pub fn run_id(&self) -> i64 {
        self.sink.run_id
    }

    /// A progress line.
    pub fn bar(&self, name: &str) -> ProgressBar {
        let pb = self.multi.add(ProgressBar::new_spinner());
        pb.set_style(
            ProgressStyle::with_template("{spinner} {prefix:<9} {pos:>7} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        pb.set_prefix(name.to_string());
        pb.enable_steady_tick(Duration::from_millis(200));
        pb
    }

    /// Keep a source-level failure as a problem of this run and fold it into `status`.
    pub async fn failed(
        &self,
        source: Source,
        err: &Error,
        status: &mut SourceStatus,
    ) -> Result<()> {
        self.keep(source, err).await?;
        status.worsen(err);
        Ok(())
    }

    /// Keep an error as a problem of this run; the source goes on.
    pub async fn keep(&self, source: Source, err: &Error) -> Result<()> {
        let kind = match err {
            Error::BudgetExhausted { .. } => ErrorKind::BudgetExhausted,
            Error::BackOffTooLong { .. } => ErrorKind::BackoffTooLong,
            Error::Status { .. } => ErrorKind::HttpStatus,
            Error::NotJson { .. } => ErrorKind::NotJson,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Http { .. } => ErrorKind::Http,
            _ => ErrorKind::Other,
        };
        let mut p = Problem::new(source, kind, err.to_string());
        if let Some(url) = err.url() {
            p = p.at(url);
        }
        self.sink.problem(p).await
    }

    /// The cursor crawler for one endpoint of this run.
    pub fn pager<'a>(
        &'a self,
        ep: &'a Endpoint,
        on_page: &'a (dyn Fn(u64) + Send + Sync),
    ) -> Pager<'a, RunSink> {
        Pager {
            http: &self.http,
            ep,
            sink: &self.sink,
            refresh: self.opts.refresh,
            on_page,
        }
    }

    /// Make `pb` show the requests `ep` makes, each as it leaves, so a bar never looks
    /// frozen while its items come slowly: "works, 12 requests".
    pub fn watch(pb: &ProgressBar, ep: &Endpoint, what: &'static str) {
        pb.set_message(format!("{what}, 0 requests"));
        let bar = pb.clone();
        ep.observe(move |n| bar.set_message(format!("{what}, {n} requests")));
    }

    /// Classify what changed so far (a stage that chooses its work from the decisions).
    pub async fn classify_now(&mut self, pb: &ProgressBar) -> Result<()> {
        let c = reclassify::classifier(&self.db, self.dod.clone(), self.opts.policy).await?;
        self.classified += reclassify::classify_dirty(&self.db, Some(self.run_id()), c, pb).await?;
        Ok(())
    }
}
