//! What the acknowledgment route costs and whether every host is kept busy (issue 18).
//!
//! A full scan — every source: Crossref, Europe PMC, OpenAlex with its China-linked sweep,
//! the acknowledgments (Europe PMC full texts, open-access copies, publisher pages) and
//! USAspending — runs against the local imitations with the tool's default limits enforced
//! per host. It prints:
//! - the wall time over the busiest host's bound (the shortest time that host's limit needs
//!   for the requests it was sent): near 1 when that host was busy from start to end, well
//!   above when it waited for others (target ≤ 1.3);
//! - per acknowledgment-only paper found (DoD funding written only in its acknowledgment, no
//!   index marking it): the requests the reading made and the seconds its hosts were busy.
//!
//! Run with `cargo bench --bench acknowledgments`; it exits non-zero above the target. The
//! figures are ratios within one run, so a slow or busy machine moves both sides.

#[path = "../tests/common/imitation/mod.rs"]
mod imitation;
#[path = "../tests/common/usaspending.rs"]
mod usaspending;

use imitation::{Counters, ServerLimits};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const TARGET: f64 = 1.3;

const CROSSREF: ServerLimits = imitation::CROSSREF_POLITE;
const OPENALEX: ServerLimits = imitation::OPENALEX_REAL;
const EUROPEPMC: ServerLimits = imitation::EUROPEPMC_REAL;
/// A publisher or repository host at the tool's default per-host limit (1/s, 1 in flight).
const HOST: ServerLimits = ServerLimits {
    per_second: 1,
    in_flight: 1,
    latency: Duration::from_millis(150),
};
/// The DOI resolver at the tool's default resolver limit.
const RESOLVER: ServerLimits = ServerLimits {
    per_second: 10,
    in_flight: 5,
    latency: Duration::from_millis(50),
};
/// USAspending at the tool's default (2/s, 2 in flight).
const USASPENDING: ServerLimits = ServerLimits {
    per_second: 2,
    in_flight: 2,
    latency: Duration::from_millis(200),
};

/// The shortest time `n` requests can take on a host with limits `l`, in seconds.
fn host_bound(n: u64, l: ServerLimits) -> f64 {
    l.bound(n).as_secs_f64()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let d = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let (from, to) = (d("2023-06-01"), d("2025-06-30"));
    let mut corpus = imitation::generate(300, 0xb18, from, to);
    imitation::add_ack_only_cases(&mut corpus, 210, 0xb19, from, to);
    let positives: Vec<String> = corpus
        .works
        .iter()
        .filter(|w| w.is_ack_only_case() && w.ack_dod)
        .map(|w| w.doi.clone())
        .collect();
    let mut numbers: Vec<String> = corpus
        .works
        .iter()
        .flat_map(|w| {
            let mut n = usaspending::dod_numbers_in(&w.crossref["funder"].to_string());
            n.extend(usaspending::dod_numbers_in(w.ack.as_deref().unwrap_or("")));
            n
        })
        .collect();
    numbers.sort();
    numbers.dedup();
    let corpus = Arc::new(corpus);
    let ok = rt.block_on(async {
        let usa = usaspending::start(
            usaspending::ledger_for(&numbers),
            usaspending::Behaviour {
                delay: USASPENDING.latency,
                ..Default::default()
            },
        )
        .await;
        let im = imitation::start(corpus.clone(), CROSSREF, OPENALEX).await;
        let text =
            imitation::start_text_sources_with_resolver(corpus.clone(), EUROPEPMC, HOST, RESOLVER)
                .await;
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("bench.sqlite");
        let mut o = xrefscan::scan::ScanOptions::default().with_mailto("bench@example.org");
        o.window = xrefscan::model::Window::new(from, to).expect("a window");
        o.openalex.api_key = Some("BENCH-KEY".into());
        o.crossref.base_url = im.crossref_url.clone();
        o.openalex.base_url = im.openalex_url.clone();
        o.europepmc.base_url = text.europepmc_url.clone();
        o.pages.resolver = text.resolver_url.clone();
        o.awards.cfg.base_url = usa.url();
        o.ack_budget = 100_000;
        let mut o = o.checked().expect("scan options");
        o.client.timeout = Duration::from_secs(30);
        let t = Instant::now();
        let s = xrefscan::scan::run(&db, o).await.expect("scan");
        let wall = t.elapsed().as_secs_f64();
        assert!(s.complete(), "{s}");
        println!("{s}");
        let n = |c: &Counters| c.requests.load(Ordering::SeqCst);
        let mut hosts: Vec<(String, u64, ServerLimits)> = vec![
            ("crossref".into(), n(&im.crossref), CROSSREF),
            ("openalex".into(), n(&im.openalex), OPENALEX),
            ("europepmc".into(), n(&text.europepmc), EUROPEPMC),
            ("resolver".into(), n(&text.resolver), RESOLVER),
            ("open-access host".into(), n(&text.open_access), HOST),
            (
                "usaspending".into(),
                usa.counters.searches.load(Ordering::SeqCst)
                    + usa.counters.details.load(Ordering::SeqCst),
                USASPENDING,
            ),
        ];
        for (i, p) in text.publishers.iter().enumerate() {
            hosts.push((format!("publisher {i}"), n(p), HOST));
        }
        for (name, c) in [
            ("open-access host", &text.open_access),
            ("resolver", &text.resolver),
        ]
        .into_iter()
        .chain(text.publishers.iter().map(|p| ("publisher", p)))
        {
            assert_eq!(
                c.rate_violations.load(Ordering::SeqCst)
                    + c.concurrency_violations.load(Ordering::SeqCst),
                0,
                "{name}: a limit was exceeded"
            );
        }
        let (busiest, requests, limits) = hosts
            .iter()
            .max_by(|a, b| host_bound(a.1, a.2).total_cmp(&host_bound(b.1, b.2)))
            .cloned()
            .expect("hosts");
        let bound = host_bound(requests, limits);
        let ratio = wall / bound;
        let found = {
            let c = rusqlite::Connection::open(&db).expect("db");
            positives
                .iter()
                .filter(|doi| {
                    c.query_row(
                        "SELECT COUNT(*) FROM flagged_papers WHERE doi = ?1",
                        [doi],
                        |r| r.get::<_, i64>(0),
                    )
                    .unwrap_or(0)
                        > 0
                })
                .count()
        };
        let reading: u64 = n(&text.resolver)
            + n(&text.open_access)
            + text.publishers.iter().map(|p| n(p)).sum::<u64>();
        let reading_busy = s
            .sources
            .iter()
            .find(|x| x.source == xrefscan::model::Source::Publisher)
            .and_then(|x| x.busy.as_ref())
            .map_or(0.0, |b| b.seconds);
        let per = found.max(1) as f64;
        println!(
            "full scan: {wall:.1} s; busiest host {busiest} ({requests} requests) needs {bound:.1} s; ratio {ratio:.2} (target ≤ {TARGET})"
        );
        for (h, r, l) in &hosts {
            println!("  {h}: {r} requests, bound {:.1} s", host_bound(*r, *l));
        }
        println!(
            "acknowledgment-only papers found: {found} of {}; reading made {reading} requests \
             (resolver, publishers, open-access host) = {:.1} per paper found; its busiest host \
             was busy {reading_busy:.1} s = {:.2} s per paper found",
            positives.len(),
            reading as f64 / per,
            reading_busy / per
        );
        ratio <= TARGET
    });
    if !ok {
        eprintln!("the scan took more than {TARGET}× its busiest host's bound");
        std::process::exit(1);
    }
}
