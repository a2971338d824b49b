//! Issue 10, a faster scan that misses nothing: what makes it fast is checked here by the
//! requests it makes and the order they come in (never by a stopwatch; `cargo bench --bench
//! scan` measures the time).

mod common;

use common::imitation;

use common::*;
use imitation::ServerLimits;
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path, query_param_contains};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use xrefscan::model::Source;
use xrefscan::scan;

const FAST: ServerLimits = ServerLimits {
    per_second: 100,
    in_flight: 5,
    latency: Duration::from_millis(2),
};

fn crossref_options(im: &imitation::Imitation) -> scan::ScanOptions {
    let mut o = options(&im.crossref_url, &im.openalex_url, &[Source::Crossref]);
    o.crossref.shard_days = 0;
    o.crossref_limits.requests_per_second = 80.0;
    o
}

fn stored_dois(db: &std::path::Path) -> HashSet<String> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c.prepare("SELECT doi FROM works").unwrap();
    st.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

#[tokio::test]
async fn a_window_that_fits_one_page_costs_one_request_per_route() {
    let (from, to) = (date("2023-06-01"), date("2025-06-30"));
    let corpus = Arc::new(imitation::generate(1500, 0x0a11, from, to));
    let im = imitation::start(corpus.clone(), FAST, FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let mut o = crossref_options(&im);
    o.window = xrefscan::model::Window::new(date("2024-03-01"), date("2024-03-31")).unwrap();
    scan::run(&dir.path().join("x.sqlite"), o).await.unwrap();
    let family = im
        .crossref
        .requests_with("/funders/10.13039/100000005/works");
    assert_eq!(family.len(), 1, "{family:?}");
    // Every component outside the DoD tree, in one query.
    let combined = im.crossref.requests_with("funder:10.13039/");
    assert_eq!(combined.len(), 1, "{combined:?}");
    let on_their_own: Vec<_> = im
        .crossref
        .requests_with("/funders/10.13039/")
        .into_iter()
        .filter(|r| !r.starts_with("/funders/10.13039/100000005"))
        .collect();
    assert!(on_their_own.is_empty(), "{on_their_own:?}");
    assert_eq!(im.crossref.requests_with("has-funder").len(), 1);
}

#[tokio::test]
async fn long_windows_are_cut_by_their_announced_counts_and_nothing_is_missed() {
    let (from, to) = (date("2023-06-01"), date("2025-06-30"));
    let corpus = Arc::new(imitation::generate(3000, 0x5eed, from, to));
    let im = imitation::start(corpus.clone(), FAST, FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let mut o = crossref_options(&im);
    o.crossref.rows = 40;
    o.crossref.funder_names = false;
    let s = scan::run(&db, o.clone()).await.unwrap();
    assert!(s.complete(), "{s}");
    let expected: HashSet<String> = corpus
        .works
        .iter()
        .filter(|w| w.crossref_dod)
        .map(|w| w.doi.clone())
        .collect();
    assert!(expected.len() > 400, "{}", expected.len());
    let stored = stored_dois(&db);
    let missed: Vec<_> = expected.difference(&stored).take(5).collect();
    assert!(
        missed.is_empty(),
        "every DoD-family work is found: {missed:?}"
    );
    // The whole window's first page announced the count; the parts hold about two pages
    // each, so the requests stay close to what the count needs.
    let family = im
        .crossref
        .requests_with("/funders/10.13039/100000005/works");
    let pages = expected.len().div_ceil(40);
    assert!(
        family.len() > pages && family.len() <= pages * 3 / 2 + 2,
        "{} requests for {pages} pages",
        family.len()
    );
    let windows: HashSet<String> = family
        .iter()
        .filter_map(|r| r.split("from-pub-date:").nth(1))
        .map(|r| r.split('&').next().unwrap().to_string())
        .collect();
    assert!(windows.len() > 4, "cut into parts: {windows:?}");
    // A part finished is never asked again, nor the window whose parts all finished.
    let before = im.crossref.requests.load(Ordering::SeqCst);
    let again = scan::run(&db, o).await.unwrap();
    assert_eq!(again.works_new, 0);
    let family_again = im
        .crossref
        .requests_with("/funders/10.13039/100000005/works");
    assert_eq!(family_again.len(), family.len(), "nothing asked twice");
    assert!(im.crossref.requests.load(Ordering::SeqCst) - before <= 2);
}

/// Answers with the recorded body, noting when each request came.
struct Timed {
    body: String,
    delay: Duration,
    seen: Arc<Mutex<Vec<(Instant, String)>>>,
}

impl Respond for Timed {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        self.seen
            .lock()
            .unwrap()
            .push((Instant::now(), r.url.query().unwrap_or("").to_string()));
        ResponseTemplate::new(200)
            .set_body_raw(self.body.clone(), "application/json")
            .set_delay(self.delay)
    }
}

#[tokio::test]
async fn openalex_looks_up_works_while_discovery_is_still_running() {
    let (cr, oa) = (MockServer::start().await, MockServer::start().await);
    mount_crossref_defaults(&cr).await;
    mount_openalex_defaults(&oa).await;
    mount_dod_page(&cr).await;
    // The name route is slow: discovery is still running long after the family page came.
    let slow = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .and(path("/works"))
        .and(query_param_contains("filter", "has-funder:true"))
        .respond_with(Timed {
            body: fixture("crossref/empty_page.synthetic.json"),
            delay: Duration::from_millis(1500),
            seen: slow.clone(),
        })
        .with_priority(1)
        .mount(&cr)
        .await;
    let lookups = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .and(path("/works"))
        .and(query_param_contains("filter", "doi:"))
        .respond_with(Timed {
            body: fixture("openalex/empty_page.synthetic.json"),
            delay: Duration::ZERO,
            seen: lookups.clone(),
        })
        .with_priority(1)
        .mount(&oa)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut o = options(&cr.uri(), &oa.uri(), &[Source::Crossref, Source::OpenAlex]);
    o.openalex.batch = 2;
    let s = scan::run(&dir.path().join("x.sqlite"), o).await.unwrap();
    assert!(s.complete(), "{s}");
    let slow_answered = slow.lock().unwrap()[0].0 + Duration::from_millis(1500);
    let lookups = lookups.lock().unwrap().clone();
    let early: Vec<_> = lookups.iter().filter(|(t, _)| *t < slow_answered).collect();
    // Three works of the family route's page fall in the window: a full batch of two goes
    // while discovery runs, the last one when it ends.
    assert_eq!(early.len(), 1, "{lookups:?}");
    assert_eq!(
        early[0].1.matches("doi:").count() + early[0].1.matches("%7C").count(),
        2
    );
    assert_eq!(lookups.len(), 2, "{lookups:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doi_resolver_has_its_own_limit_and_publishers_keep_theirs() {
    let (from, to) = (date("2023-06-01"), date("2025-06-30"));
    let mut corpus = imitation::generate(600, 0x0b0e, from, to);
    imitation::add_text_sources(&mut corpus, 200, 0x7e59, from, to);
    let corpus = Arc::new(corpus);
    let publisher = ServerLimits {
        per_second: 20,
        in_flight: 1,
        latency: Duration::from_millis(30),
    };
    let resolver = ServerLimits {
        per_second: 100,
        in_flight: 4,
        latency: Duration::from_millis(30),
    };
    let im = imitation::start(corpus.clone(), FAST, FAST).await;
    let text =
        imitation::start_text_sources_with_resolver(corpus.clone(), FAST, publisher, resolver)
            .await;
    let dir = tempfile::tempdir().unwrap();
    let mut o = options(
        &im.crossref_url,
        &im.openalex_url,
        &[Source::Crossref, Source::OpenAlex, Source::Publisher],
    );
    o.crossref_limits.requests_per_second = 80.0;
    o.pages.resolver = text.resolver_url.clone();
    o.pages.per_host.requests_per_second = 20.0;
    o.pages.per_host.concurrency = 1;
    o.pages.resolver_limits.requests_per_second = 100.0;
    o.pages.resolver_limits.concurrency = 4;
    o.ack_budget = 10_000;
    let s = scan::run(&dir.path().join("x.sqlite"), o).await.unwrap();
    assert!(s.complete(), "{s}");
    let resolved = text.resolver.requests.load(Ordering::SeqCst);
    assert!(resolved >= 8, "{resolved} pages asked\n{s}");
    assert!(
        text.resolver.max_in_flight.load(Ordering::SeqCst) > 1,
        "the resolver is not held to a publisher's cap"
    );
    for c in std::iter::once(&text.resolver).chain(text.publishers.iter()) {
        assert_eq!(c.concurrency_violations.load(Ordering::SeqCst), 0);
        assert_eq!(c.rate_violations.load(Ordering::SeqCst), 0);
    }
}
