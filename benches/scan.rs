//! How close a metadata scan (Crossref, Europe PMC, OpenAlex) comes to the fastest the APIs'
//! limits allow. A scan runs against the local imitation with realistic latencies and the
//! documented limits enforced; its wall time is divided by a lower bound computed from the
//! requests it made: per host, the time its rate limit and in-flight cap need for that many
//! requests, and OpenAlex's last lookup one response after the last discovery page that could
//! name a work for it. A scan that runs its sources one after another, asks for empty shards or
//! idles between pages shows up as a ratio well above 1.
//!
//! Run with `cargo bench --bench scan`; it prints one line per window and exits non-zero when a
//! ratio is above the target (1.3). The figures are ratios measured in the same run, so a slow
//! or busy machine moves both sides.

#[path = "../tests/common/imitation/mod.rs"]
mod imitation;

use imitation::{Counters, ServerLimits};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use xrefscan::model::Source;
use xrefscan::scan;

const TARGET: f64 = 1.3;

const CROSSREF: ServerLimits = imitation::CROSSREF_POLITE;
const OPENALEX: ServerLimits = imitation::OPENALEX_REAL;
const EUROPEPMC: ServerLimits = imitation::EUROPEPMC_REAL;
const PUBLISHER: ServerLimits = ServerLimits {
    per_second: 1,
    in_flight: 1,
    latency: Duration::from_millis(200),
};

struct Measured {
    wall: Duration,
    bound: Duration,
    requests: [(&'static str, u64); 3],
    flagged: u64,
}

async fn measure(
    corpus: Arc<imitation::Corpus>,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Measured {
    let im = imitation::start(corpus.clone(), CROSSREF, OPENALEX).await;
    let text = imitation::start_text_sources(corpus, EUROPEPMC, PUBLISHER).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.sqlite");
    // The tool's defaults, as a user with --mailto and an OpenAlex key runs it.
    let mut o = scan::ScanOptions::default().with_mailto("bench@example.org");
    o.window = xrefscan::model::Window::new(from, to).expect("a window");
    o.sources = vec![Source::Crossref, Source::EuropePmc, Source::OpenAlex];
    o.openalex.api_key = Some("BENCH-KEY".into());
    o.crossref.base_url = im.crossref_url.clone();
    o.openalex.base_url = im.openalex_url.clone();
    o.europepmc.base_url = text.europepmc_url.clone();
    let mut o = o.checked().expect("scan options");
    o.client.timeout = Duration::from_secs(30);
    let t = Instant::now();
    let s = scan::run(&db, o).await.expect("scan");
    let wall = t.elapsed();
    assert!(s.complete(), "{s}");
    let n = |c: &Counters| c.requests.load(Ordering::SeqCst);
    let violations = |c: &Counters| {
        c.rate_violations.load(Ordering::SeqCst) + c.concurrency_violations.load(Ordering::SeqCst)
    };
    for c in [&im.crossref, &im.openalex, &text.europepmc] {
        assert_eq!(violations(c), 0, "a limit was exceeded");
    }
    let (cr, oa, ep) = (n(&im.crossref), n(&im.openalex), n(&text.europepmc));
    let bound = (CROSSREF.bound(cr) + OPENALEX.latency)
        .max(OPENALEX.bound(oa))
        .max(EUROPEPMC.bound(ep));
    Measured {
        wall,
        bound,
        requests: [("crossref", cr), ("openalex", oa), ("europepmc", ep)],
        flagged: s.flagged,
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let d = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let (from, to) = (d("2023-06-01"), d("2025-06-30"));
    let mut corpus = imitation::generate(3000, 0x5eed, from, to);
    imitation::add_text_sources(&mut corpus, 300, 0x7e57, from, to);
    imitation::add_hard_cases(&mut corpus, 300, 0x4a2d, from, to);
    let corpus = Arc::new(corpus);
    let windows = [
        ("one month", d("2024-03-01"), d("2024-03-31")),
        ("two years", from, to),
    ];
    let mut missed = false;
    for (name, from, to) in windows {
        let m = rt.block_on(measure(corpus.clone(), from, to));
        let ratio = m.wall.as_secs_f64() / m.bound.as_secs_f64();
        let requests = m
            .requests
            .iter()
            .map(|(h, n)| format!("{h} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "scan of {name}: {:.1} s, lower bound {:.1} s, ratio {ratio:.2} (target ≤ {TARGET}); requests: {requests}; {} flagged",
            m.wall.as_secs_f64(),
            m.bound.as_secs_f64(),
            m.flagged
        );
        missed |= ratio > TARGET;
    }
    if missed {
        eprintln!("a scan took more than {TARGET}× its lower bound");
        std::process::exit(1);
    }
}
