//! The stages of a scan and when they run. A stage is one source's part of a scan: it
//! crawls through its module in `sources/`, hands what it finds to the run's sink, and says
//! how it went. Adding a source is a module in `sources/`, a file here and one entry in
//! [`ALL`].

mod crossref;
mod europepmc;
mod openalex;
mod pages;
mod usaspending;

use super::reclassify::{self, Classified};
use super::summary::{SourceStatus, SourceSummary};
use super::{ScanOptions, Window};
use crate::classify::dod::DodClassifier;
use crate::error::{Error, Result};
use crate::model::{ErrorKind, Problem, Source};
use crate::progress::Progress;
use crate::sources::http::{Endpoint, HttpClient};
use crate::sources::paging::Pager;
use crate::sources::sink::Sink;
use crate::store::{RunSink, SharedDb};
use futures::future::BoxFuture;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::sync::{Mutex, RwLock};
use std::time::Duration;
use tokio::sync::watch;

/// One source's part of a scan: the source it crawls (its name in `--sources`, the summary
/// and `run_sources`), when it runs, and the function that crawls, keeps, and says how it went.
/// An `Err` is a failure of the store (the scan stops); a source's own failure is the
/// summary's status.
pub struct Stage {
    pub source: Source,
    pub role: Role,
    /// What its progress line counts first.
    pub counts: &'static str,
    pub run: for<'a> fn(&'a ScanCtx, &'a Progress) -> BoxFuture<'a, Result<SourceSummary>>,
}

/// When a stage runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Finds works; the discovery stages run at the same time, each on its own host.
    Discover,
    /// Looks up what the discovery stages find, as they find it, and ends after them.
    Follow,
    /// Runs when the others have ended and their works are classified (it chooses its work
    /// from the decisions).
    Last,
}

/// Every stage. The discovery routes (Crossref's funder and name routes, Europe PMC's searches
/// and full texts) and OpenAlex, which looks up every work of the window they find
/// (authorships with country codes and raw strings) while they run, go together; the
/// acknowledgments still unread come next, and beside them what the cited awards are worth.
pub const ALL: &[Stage] = &[
    Stage {
        source: Source::Crossref,
        counts: "works",
        role: Role::Discover,
        run: |ctx, pb| Box::pin(crossref::run(ctx, pb)),
    },
    Stage {
        source: Source::EuropePmc,
        counts: "records",
        role: Role::Discover,
        run: |ctx, pb| Box::pin(europepmc::run(ctx, pb)),
    },
    Stage {
        source: Source::OpenAlex,
        counts: "works",
        role: Role::Follow,
        run: |ctx, pb| Box::pin(openalex::run(ctx, pb)),
    },
    Stage {
        source: Source::Publisher,
        counts: "pages",
        role: Role::Last,
        run: |ctx, pb| Box::pin(pages::run(ctx, pb)),
    },
    Stage {
        // Runs beside the acknowledgments, not after them (see its module).
        source: Source::UsaSpending,
        counts: "award numbers searched",
        role: Role::Last,
        run: |ctx, pb| Box::pin(usaspending::run(ctx, pb)),
    },
];

/// What stages share during one scan. Stages run at the same time, so what they learn is
/// behind locks and what they wait for is a watch channel.
pub struct ScanCtx {
    pub opts: ScanOptions,
    pub window: Window,
    /// Where lookups and reading reach: a scheduled scan's whole window, else `window`.
    pub kept: Window,
    pub db: SharedDb,
    pub sink: RunSink,
    pub http: HttpClient,
    /// The DoD classifier, growing as stages learn funder ids (Crossref descendants,
    /// OpenAlex ids).
    dod: RwLock<DodClassifier>,
    /// Works classified (and flags raised) by stages that classify before the end.
    classified: Mutex<Classified>,
    pub multi: MultiProgress,
    /// Whether the DoD family as the registry has it today is known (Crossref's first
    /// request): OpenAlex resolves its funder ids from it.
    family: watch::Sender<bool>,
    /// Discovery stages still running.
    discovering: watch::Sender<usize>,
    /// Last stages that read texts (and so may bring award numbers) still running.
    reading: watch::Sender<usize>,
    /// One classification at a time: two stages asking at once would classify the same
    /// works twice.
    classifying: tokio::sync::Mutex<()>,
}

/// Run the stages of `sources`: discovery and follow-up together, then the last ones. The
/// summaries come back in [`ALL`] order.
pub async fn run_all(ctx: &ScanCtx) -> Result<Vec<SourceSummary>> {
    let selected: Vec<&Stage> = ALL
        .iter()
        .filter(|s| ctx.opts.sources.contains(&s.source))
        .collect();
    ctx.discovering
        .send_replace(selected.iter().filter(|s| s.role == Role::Discover).count());
    ctx.family
        .send_replace(!selected.iter().any(|s| s.source == Source::Crossref));
    let together = selected
        .iter()
        .filter(|s| s.role != Role::Last)
        .map(|stage| async move {
            let pb = Progress::new(ctx.bar(stage.source.as_str()), stage.counts);
            let r = (stage.run)(ctx, &pb).await;
            if stage.source == Source::Crossref {
                ctx.family_known();
            }
            if stage.role == Role::Discover {
                ctx.discovering.send_modify(|n| *n = n.saturating_sub(1));
            }
            let summary = r?;
            pb.bar()
                .finish_with_message(summary.status.run_status().to_string());
            Ok::<_, Error>(summary)
        });
    let mut summaries = futures::future::try_join_all(together).await?;
    // The last stages run together, each on its own hosts; the award stage asks what it can
    // at once and the rest when the reading ends.
    let last: Vec<&Stage> = selected
        .iter()
        .copied()
        .filter(|s| s.role == Role::Last)
        .collect();
    ctx.reading.send_replace(
        last.iter()
            .filter(|s| s.source != Source::UsaSpending)
            .count(),
    );
    let last = last.into_iter().map(|stage| async move {
        let pb = Progress::new(ctx.bar(stage.source.as_str()), stage.counts);
        let r = (stage.run)(ctx, &pb).await;
        if stage.source != Source::UsaSpending {
            ctx.reading.send_modify(|n| *n = n.saturating_sub(1));
        }
        let summary = r?;
        pb.bar()
            .finish_with_message(summary.status.run_status().to_string());
        Ok::<_, Error>(summary)
    });
    summaries.extend(futures::future::try_join_all(last).await?);
    Ok(summaries)
}

impl ScanCtx {
    pub fn new(
        opts: ScanOptions,
        window: Window,
        db: SharedDb,
        sink: RunSink,
        http: HttpClient,
        dod: DodClassifier,
        multi: MultiProgress,
    ) -> ScanCtx {
        ScanCtx {
            kept: opts.kept.unwrap_or(window),
            opts,
            window,
            db,
            sink,
            http,
            dod: RwLock::new(dod),
            classified: Mutex::new(Classified::default()),
            multi,
            family: watch::channel(false).0,
            discovering: watch::channel(0).0,
            reading: watch::channel(0).0,
            classifying: tokio::sync::Mutex::new(()),
        }
    }

    pub fn run_id(&self) -> i64 {
        self.sink.run_id
    }

    /// The DoD classifier as it stands.
    pub fn dod(&self) -> DodClassifier {
        self.dod.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Add what a stage learnt to the DoD classifier.
    pub fn learn(&self, f: impl FnOnce(DodClassifier) -> DodClassifier) {
        let mut d = self.dod.write().unwrap_or_else(|e| e.into_inner());
        *d = f(d.clone());
    }

    /// Works classified so far by this scan.
    pub fn classified(&self) -> Classified {
        self.classified
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Say that the DoD family is known (or will not be: Crossref could not tell).
    pub fn family_known(&self) {
        self.family.send_replace(true);
    }

    /// Wait until the DoD family is known.
    pub async fn family(&self) {
        let mut rx = self.family.subscribe();
        let _ = rx.wait_for(|known| *known).await;
    }

    /// Whether every discovery stage has ended.
    pub fn discovery_over(&self) -> bool {
        *self.discovering.borrow() == 0
    }

    /// Wait until a discovery stage ends, or `at_most`, whichever comes first.
    pub async fn discovery_progress(&self, at_most: Duration) {
        let mut rx = self.discovering.subscribe();
        if *rx.borrow_and_update() == 0 {
            return;
        }
        let _ = tokio::time::timeout(at_most, rx.changed()).await;
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

    /// Tell the user something before it happens (a plan, a cost): above the progress lines
    /// when they are drawn, and in the log.
    pub fn say(&self, line: &str) {
        tracing::info!("{line}");
        let _ = self.multi.println(line);
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
    /// Show `ep`'s running request count on the line.
    pub fn watch(pb: &Progress, ep: &Endpoint) {
        let p = pb.clone();
        ep.observe(move |n| p.requests(n));
    }

    /// Whether a stage that reads texts is still running.
    pub fn reading_running(&self) -> bool {
        *self.reading.borrow() > 0
    }

    /// Wait until the stages that read texts have ended.
    pub async fn reading_done(&self) {
        let mut rx = self.reading.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    /// Classify what changed so far (a stage that chooses its work from the decisions).
    pub async fn classify_now(&self, pb: &ProgressBar) -> Result<()> {
        let _one_at_a_time = self.classifying.lock().await;
        let c = reclassify::classifier(&self.db, self.dod(), self.opts.policy).await?;
        let done = reclassify::classify_dirty(&self.db, Some(self.run_id()), c, pb).await?;
        *self.classified.lock().unwrap_or_else(|e| e.into_inner()) += done;
        Ok(())
    }
}

/// A duration as people say it: "45 s", "12 min", "3.5 h", "2.1 days".
pub fn duration_words(secs: f64) -> String {
    let secs = secs.max(0.0);
    if secs < 90.0 {
        format!("{secs:.0} s")
    } else if secs < 90.0 * 60.0 {
        format!("{:.0} min", secs / 60.0)
    } else if secs < 36.0 * 3600.0 {
        format!("{:.1} h", secs / 3600.0)
    } else {
        format!("{:.1} days", secs / 86_400.0)
    }
}
