//! Done means, tried as a new user would: against a local imitation of Crossref and OpenAlex
//! serving a few thousand works with their limits enforced, a scan finishes with no rate-limit
//! violation, flags the DoD-funded papers with China-based coauthors with high precision and
//! recall, a second identical scan changes nothing, and `export` writes the list. A host that
//! says "slow down" is slowed down as a host (issue 17): nothing is sent inside its
//! `Retry-After`, and its rate comes down to what it accepts.

mod common;

use common::imitation;

use common::*;
use futures::StreamExt;
use imitation::{CROSSREF_POLITE, ServerLimits};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use xrefscan::model::Source;
use xrefscan::scan;

/// Fast local servers for the scheduled-scan tests (many runs, few seconds each).
const FAST: ServerLimits = ServerLimits {
    per_second: 80,
    in_flight: 5,
    latency: Duration::from_millis(2),
};

const OPENALEX_LIMITS: ServerLimits = ServerLimits {
    per_second: 10,
    in_flight: 5,
    latency: Duration::from_millis(20),
};

fn imitation_options(im: &imitation::Imitation) -> xrefscan::scan::ScanOptions {
    let mut o = options(
        &im.crossref_url,
        &im.openalex_url,
        &[Source::Crossref, Source::OpenAlex],
    );
    // The documented polite-pool limits, as a real user with --mailto gets them.
    o.crossref_limits.requests_per_second = 3.0;
    o.crossref_limits.concurrency = 3;
    o.crossref.shard_days = 92;
    o.openalex_limits.requests_per_second = 10.0;
    o.openalex_limits.concurrency = 5;
    o
}

fn flagged_dois(db: &std::path::Path) -> HashSet<String> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c.prepare("SELECT doi FROM flagged_papers").unwrap();
    st.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_of_the_imitation_flags_the_right_papers_within_the_limits() {
    let (from, to) = (date("2023-06-01"), date("2025-06-30"));
    let corpus = Arc::new(imitation::generate(3000, 0x5eed, from, to));
    let im = imitation::start(corpus.clone(), CROSSREF_POLITE, OPENALEX_LIMITS).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("imitation.sqlite");
    let s = scan::run(&db, imitation_options(&im)).await.unwrap();
    assert!(s.complete(), "{s}");
    assert_eq!(
        im.crossref.rate_violations.load(Ordering::SeqCst),
        0,
        "Crossref rate limit respected"
    );
    assert_eq!(
        im.crossref.concurrency_violations.load(Ordering::SeqCst),
        0,
        "Crossref in-flight cap respected"
    );
    assert_eq!(
        im.openalex.rate_violations.load(Ordering::SeqCst),
        0,
        "OpenAlex rate limit respected"
    );
    assert!(
        im.crossref.max_in_flight.load(Ordering::SeqCst) > 1,
        "shards use the allowed concurrency"
    );

    let expected: HashSet<String> = corpus
        .works
        .iter()
        .filter(|w| w.should_flag())
        .map(|w| w.doi.clone())
        .collect();
    let got = flagged_dois(&db);
    let tp = got.intersection(&expected).count() as f64;
    let precision = tp / got.len() as f64;
    let recall = tp / expected.len() as f64;
    let wrong: Vec<_> = got.difference(&expected).take(5).collect();
    let missed: Vec<_> = expected.difference(&got).take(5).collect();
    eprintln!(
        "{s}\nexpected {} flagged {} precision {precision:.4} recall {recall:.4}",
        expected.len(),
        got.len()
    );
    assert!(
        expected.len() > 300,
        "the corpus has enough positives: {}",
        expected.len()
    );
    assert!(
        precision >= 0.99,
        "precision {precision}: false flags {wrong:?}"
    );
    assert!(recall >= 0.99, "recall {recall}: missed {missed:?}");

    // A second identical scan changes nothing.
    let before = snapshot(&db);
    let requests_before = im.crossref.requests.load(Ordering::SeqCst);
    let again = scan::run(&db, imitation_options(&im)).await.unwrap();
    assert_eq!(snapshot(&db), before);
    assert_eq!((again.works_new, again.new_flags), (0, 0));
    assert!(
        im.crossref.requests.load(Ordering::SeqCst) - requests_before <= 1,
        "finished shards are not fetched again"
    );

    // And the export writes the list.
    let out = dir.path().join("flagged.csv");
    let conn = xrefscan::store::Db::open(&db, xrefscan::store::Access::Read).unwrap();
    let opts = xrefscan::export::ExportOptions {
        format: xrefscan::export::Format::Csv,
        bom: false,
        mainland_only: false,
        since_run: None,
        exclude_dismissed: false,
    };
    let n = xrefscan::export::export(&conn, &out, &opts).unwrap();
    assert_eq!(n, got.len());
    let mut r = csv::Reader::from_path(&out).unwrap();
    let exported: HashSet<String> = r.records().map(|x| x.unwrap()[0].to_string()).collect();
    assert_eq!(exported, got);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mainland_only_drops_papers_whose_only_china_link_is_hong_kong_or_macau() {
    let (from, to) = (date("2024-01-01"), date("2024-06-30"));
    let corpus = Arc::new(imitation::generate(600, 0xabcd, from, to));
    let limits = ServerLimits {
        per_second: 50,
        in_flight: 5,
        latency: Duration::from_millis(5),
    };
    let im = imitation::start(corpus.clone(), limits, limits).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.sqlite");
    let mut o = options(
        &im.crossref_url,
        &im.openalex_url,
        &[Source::Crossref, Source::OpenAlex],
    );
    o.window = xrefscan::model::Window::new(from, to).unwrap();
    o.policy.mainland_only = true;
    let s = scan::run(&db, o).await.unwrap();
    assert!(s.complete(), "{s}");
    let got = flagged_dois(&db);
    let expected: HashSet<String> = corpus
        .works
        .iter()
        .filter(|w| w.should_flag() && w.truth_mainland)
        .map(|w| w.doi.clone())
        .collect();
    assert_eq!(got, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_openalex_budget_resumes_on_the_next_run() {
    let (from, to) = (date("2024-01-01"), date("2024-03-31"));
    let corpus = Arc::new(imitation::generate(400, 0x77, from, to));
    let limits = ServerLimits {
        per_second: 50,
        in_flight: 5,
        latency: Duration::from_millis(5),
    };
    let im = imitation::start(corpus.clone(), limits, limits).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.sqlite");
    let mut o = options(
        &im.crossref_url,
        &im.openalex_url,
        &[Source::Crossref, Source::OpenAlex],
    );
    o.window = xrefscan::model::Window::new(from, to).unwrap();
    o.openalex.batch = 20;
    im.openalex_budget_calls.store(4, Ordering::SeqCst);
    let first = scan::run(&db, o.clone()).await.unwrap();
    assert!(!first.complete(), "{first}");
    // The budget resets; the next run finishes the work without redoing what was stored.
    im.openalex_budget_calls.store(u64::MAX, Ordering::SeqCst);
    let second = scan::run(&db, o.clone()).await.unwrap();
    assert!(second.complete(), "{second}");
    let expected: HashSet<String> = corpus
        .works
        .iter()
        .filter(|w| w.should_flag())
        .map(|w| w.doi.clone())
        .collect();
    assert_eq!(flagged_dois(&db), expected);
    // Same result as one uninterrupted run.
    let clean = dir.path().join("clean.sqlite");
    scan::run(&clean, o).await.unwrap();
    assert_eq!(flagged_dois(&clean), flagged_dois(&db));
}

/// Issue 4's done-ness: the four sources imitated, acknowledgment-only DoD funding found in
/// Europe PMC full text and on publisher pages, decoys not flagged, no limit broken on any host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledgment_only_funding_is_found_in_full_text_and_pages_within_every_limit() {
    let (from, to) = (date("2023-06-01"), date("2025-06-30"));
    let mut corpus = imitation::generate(800, 0x4ac4, from, to);
    imitation::add_text_sources(&mut corpus, 300, 0x7e57, from, to);
    let corpus = Arc::new(corpus);
    let fast = ServerLimits {
        per_second: 50,
        in_flight: 5,
        latency: Duration::from_millis(5),
    };
    let epmc_limits = ServerLimits {
        per_second: 10,
        in_flight: 3,
        latency: Duration::from_millis(10),
    };
    let per_host = ServerLimits {
        per_second: 10,
        in_flight: 2,
        latency: Duration::from_millis(5),
    };
    let im = imitation::start(corpus.clone(), fast, fast).await;
    let text = imitation::start_text_sources(corpus.clone(), epmc_limits, per_host).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("four.sqlite");
    let mut o = options(
        &im.crossref_url,
        &im.openalex_url,
        &[
            Source::Crossref,
            Source::OpenAlex,
            Source::EuropePmc,
            Source::Publisher,
        ],
    );
    o.crossref.shard_days = 92;
    o.europepmc.base_url = text.europepmc_url.clone();
    o.europepmc_limits.requests_per_second = 10.0;
    o.europepmc_limits.concurrency = 3;
    o.fulltext_budget = 10_000;
    o.pages.resolver = text.resolver_url.clone();
    o.pages.per_host.requests_per_second = 10.0;
    o.pages.per_host.concurrency = 2;
    // This resolver enforces the same limits as the publishers.
    o.pages.resolver_limits = o.pages.per_host;
    o.ack_budget = 10_000;
    let s = scan::run(&db, o.clone()).await.unwrap();
    assert!(s.complete(), "{s}");
    for (name, c) in [("europepmc", &text.europepmc), ("resolver", &text.resolver)]
        .into_iter()
        .chain(text.publishers.iter().map(|c| ("publisher", c)))
    {
        assert_eq!(
            c.rate_violations.load(Ordering::SeqCst),
            0,
            "{name} rate limit"
        );
        assert_eq!(
            c.concurrency_violations.load(Ordering::SeqCst),
            0,
            "{name} in-flight cap"
        );
    }
    assert!(
        text.publishers
            .iter()
            .all(|c| c.requests.load(Ordering::SeqCst) > 0)
    );

    let expected: HashSet<String> = corpus
        .works
        .iter()
        .filter(|w| w.should_flag_all_sources(&xrefscan::sources::europepmc::china_aff_terms()))
        .map(|w| w.doi.clone())
        .collect();
    let got = flagged_dois(&db);
    let wrong: Vec<_> = got.difference(&expected).take(5).collect();
    let missed: Vec<_> = expected.difference(&got).take(5).collect();
    eprintln!("{s}\nexpected {} flagged {}", expected.len(), got.len());
    assert!(wrong.is_empty(), "false flags {wrong:?}");
    for m in &missed {
        let w = corpus.works.iter().find(|w| &&w.doi == m).unwrap();
        eprintln!(
            "MISSED {} oa={} ack={:?} affs={:?}",
            w.doi, w.open_access, w.ack, w.affiliations
        );
    }
    assert!(missed.is_empty(), "missed {missed:?}");
    let by_text = corpus
        .works
        .iter()
        .filter(|w| w.ack_dod && w.truth_china)
        .count();
    assert!(
        by_text > 50,
        "enough acknowledgment-only positives: {by_text}"
    );

    // Their evidence is the text, named by where it was read.
    let conn = xrefscan::store::Db::open(&db, xrefscan::store::Access::Read).unwrap();
    let rows = xrefscan::flagged::load(&conn, &Default::default()).unwrap();
    let ack_rows: Vec<_> = rows
        .iter()
        .filter(|r| r.dod_evidence.contains("acknowledgment ("))
        .collect();
    assert!(
        ack_rows
            .iter()
            .any(|r| r.dod_evidence.contains("(Europe PMC full text)"))
    );
    assert!(
        ack_rows
            .iter()
            .any(|r| r.dod_evidence.contains("(publisher page)"))
    );
    drop(conn);

    // A second run fetches no page and no full text again, and changes nothing.
    let pages_before: u64 = text
        .publishers
        .iter()
        .map(|c| c.requests.load(Ordering::SeqCst))
        .sum();
    let again = scan::run(&db, o).await.unwrap();
    assert_eq!(again.new_flags, 0, "{again}");
    let pages_after: u64 = text
        .publishers
        .iter()
        .map(|c| c.requests.load(Ordering::SeqCst))
        .sum();
    assert_eq!(pages_before, pages_after);
}

/// A host that allows 2 requests/s and answers 429 with `Retry-After: 1` beyond it.
async fn strict_host() -> (String, Arc<imitation::Counters>) {
    let limits = ServerLimits {
        per_second: 2,
        in_flight: 8,
        latency: Duration::from_millis(5),
    };
    imitation::serve_host(limits, |path, _| match path {
        "/robots.txt" => (404, vec![], "no robots".into()),
        _ => (
            200,
            vec![("Content-Type".into(), "text/html".into())],
            format!("<html><head><title>{path}</title></head><body>page</body></html>"),
        ),
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue17_a_host_that_says_slow_down_is_slowed_down_as_a_host() {
    let (url, counters) = strict_host().await;
    let mut cfg = options("http://127.0.0.1:9", "http://127.0.0.1:9", &[]).pages;
    // Asked far faster than it allows, two at a time, as a user with --page-rps 10 would.
    cfg.resolver = url.clone();
    cfg.per_host = xrefscan::sources::http::Limits {
        requests_per_second: 10.0,
        concurrency: 2,
    };
    cfg.resolver_limits = cfg.per_host;
    cfg.max_attempts = 6;
    let fetcher = xrefscan::sources::pages::PageFetcher::new(cfg).unwrap();
    let fetched: Vec<_> = futures::stream::iter(0..100)
        .map(|i| {
            let (fetcher, url) = (&fetcher, url.clone());
            async move { fetcher.fetch(&format!("{url}/p/{i}")).await }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(fetched.iter().all(|r| r.is_ok()), "every page read");
    let refused = counters.rate_violations.load(Ordering::SeqCst);
    assert!(refused <= 2, "{refused} answers were 429");
    assert_eq!(
        counters.inside_retry_after.load(Ordering::SeqCst),
        0,
        "nothing sent inside a Retry-After window"
    );
    let slowed = fetcher.slowed_hosts();
    assert_eq!(slowed.len(), 1, "{slowed:?}");
    assert!(slowed[0].1.lowest <= 2.0, "{:?}", slowed[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue17_an_api_that_says_slow_down_is_not_asked_inside_its_retry_after() {
    let (url, counters) = imitation::serve_host(
        ServerLimits {
            per_second: 2,
            in_flight: 8,
            latency: Duration::from_millis(5),
        },
        |_, _| (200, vec![], "{\"ok\":true}".into()),
    )
    .await;
    let http = xrefscan::sources::http::HttpClient::new(options("", "", &[]).client).unwrap();
    let ep = xrefscan::sources::http::Endpoint::new(
        "api",
        xrefscan::sources::http::Limits {
            requests_per_second: 8.0,
            concurrency: 4,
        },
    );
    let answers: Vec<_> = futures::stream::iter(0..24)
        .map(|i| {
            let (http, ep, url) = (&http, &ep, url.clone());
            async move {
                http.get_json(ep, &format!("{url}/x/{i}"), |b| {
                    serde_json::from_slice::<serde_json::Value>(b).map_err(|e| e.to_string())
                })
                .await
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    assert!(answers.iter().all(|r| r.is_ok()));
    assert!(counters.rate_violations.load(Ordering::SeqCst) <= 2);
    assert_eq!(counters.inside_retry_after.load(Ordering::SeqCst), 0);
    let s = ep.slowed().expect("slowed");
    assert!(s.lowest <= 2.0, "{s}");
}

/// Issue 18's done-ness: China-linked works that no index marks DoD-funded, whose DoD funding
/// is written only in their acknowledgment — on the publisher's page, in an open-access PDF
/// (last page, hyphenated, or a first-page footnote), on a repository's page, in a Europe PMC
/// full text no search surfaces, in a Europe PMC record without full text, behind a PDF that
/// cannot be read — are found by the China-linked sweep and the reading that follows it;
/// decoys are not flagged; every flagged paper's acknowledgment is read and its award numbers
/// reach the ledger; a second run reads nothing again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue18_acknowledgment_only_funding_is_found_wherever_it_is_written() {
    let (from, to) = (date("2023-06-01"), date("2025-06-30"));
    let mut corpus = imitation::generate(400, 0x18a, from, to);
    imitation::add_ack_only_cases(&mut corpus, 700, 0x18b, from, to);
    let corpus = Arc::new(corpus);
    let fast = ServerLimits {
        per_second: 60,
        in_flight: 5,
        latency: Duration::from_millis(5),
    };
    let per_host = ServerLimits {
        per_second: 40,
        in_flight: 4,
        latency: Duration::from_millis(5),
    };
    let im = imitation::start(corpus.clone(), fast, fast).await;
    let text = imitation::start_text_sources(corpus.clone(), fast, per_host).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("acks.sqlite");
    let mut o = options(
        &im.crossref_url,
        &im.openalex_url,
        &[
            Source::Crossref,
            Source::OpenAlex,
            Source::EuropePmc,
            Source::Publisher,
        ],
    );
    o.sweep = true;
    o.europepmc.base_url = text.europepmc_url.clone();
    o.europepmc_limits.requests_per_second = 40.0;
    o.europepmc_limits.concurrency = 3;
    o.fulltext_budget = 10_000;
    o.pages.resolver = text.resolver_url.clone();
    o.pages.per_host.requests_per_second = 30.0;
    o.pages.per_host.concurrency = 3;
    o.pages.resolver_limits = o.pages.per_host;
    o.ack_budget = 10_000;
    let s = scan::run(&db, o.clone()).await.unwrap();
    assert!(s.complete(), "{s}");
    let said = s.to_string();
    assert!(said.contains("China-linked sweep"), "{said}");
    for (name, c) in [
        ("open-access host", &text.open_access),
        ("resolver", &text.resolver),
    ] {
        assert_eq!(c.rate_violations.load(Ordering::SeqCst), 0, "{name}");
        assert_eq!(c.concurrency_violations.load(Ordering::SeqCst), 0, "{name}");
    }

    let expected: HashSet<String> = corpus
        .works
        .iter()
        .filter(|w| {
            if w.is_ack_only_case() {
                w.ack_dod
            } else {
                // Metadata-funded; a page shows the affiliations metadata lacked.
                w.should_flag_all_sources(&[])
            }
        })
        .map(|w| w.doi.clone())
        .collect();
    let got = flagged_dois(&db);
    let right = got.intersection(&expected).count() as f64;
    let precision = right / got.len().max(1) as f64;
    let recall = right / expected.len().max(1) as f64;
    eprintln!(
        "{s}\nexpected {} flagged {} P {precision:.3} R {recall:.3}",
        expected.len(),
        got.len()
    );
    for w in corpus.works.iter().filter(|w| !w.is_ack_only_case()) {
        if got.contains(&w.doi) != expected.contains(&w.doi) {
            eprintln!(
                "OTHER {} flagged={} crossref_dod={} openalex_dod={} china_visible={} truth_china={}",
                w.doi,
                got.contains(&w.doi),
                w.crossref_dod,
                w.openalex_dod,
                w.china_visible,
                w.truth_china
            );
        }
    }
    for w in corpus.works.iter().filter(|w| w.is_ack_only_case()) {
        let flagged = got.contains(&w.doi);
        if flagged != w.ack_dod {
            eprintln!(
                "{} {} copy={:?} page_ack={} ack={:?}",
                if flagged { "WRONG" } else { "MISSED" },
                w.doi,
                w.copy,
                w.page_ack,
                w.ack
            );
        }
    }
    let positives = corpus
        .works
        .iter()
        .filter(|w| w.is_ack_only_case() && w.ack_dod)
        .count();
    assert!(
        positives > 200,
        "enough acknowledgment-only positives: {positives}"
    );
    assert!(precision >= 0.98, "precision {precision:.3}");
    assert!(recall >= 0.97, "recall {recall:.3}");

    // Where each was read, named in its evidence.
    let conn = xrefscan::store::Db::open(&db, xrefscan::store::Access::Read).unwrap();
    let rows = xrefscan::flagged::load(&conn, &Default::default()).unwrap();
    for origin in [
        "(open-access copy)",
        "(publisher page)",
        "(Europe PMC full text)",
    ] {
        assert!(
            rows.iter().any(|r| r.dod_evidence.contains(origin)),
            "evidence read in {origin}"
        );
    }
    drop(conn);
    // Every flagged paper's acknowledgment was read (metadata-flagged ones too), and the award
    // numbers written only there are in the ledger's citations.
    let unread = count(
        &db,
        "SELECT COUNT(*) FROM flagged_papers f JOIN works w ON w.doi = f.doi
         WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.work_id = w.id)",
    );
    assert_eq!(
        unread, 0,
        "flagged papers whose acknowledgment was never read"
    );
    let c = rusqlite::Connection::open(&db).unwrap();
    let award =
        regex::Regex::new(r"[A-Z0-9]{5,6}-\d{2}-[A-Z0-9]-\d{4}|[A-Z0-9]{6}\d{2}[A-Z0-9]\d{4}")
            .unwrap();
    let mut checked = 0;
    for w in corpus
        .works
        .iter()
        .filter(|w| w.is_ack_only_case() && w.ack_dod && got.contains(&w.doi))
    {
        let Some(m) = award.find(w.ack.as_deref().unwrap()) else {
            continue;
        };
        let canonical: String = m
            .as_str()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        let n: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM work_awards a JOIN works w ON w.id = a.work_id
                 WHERE w.doi = ?1 AND a.canonical = ?2",
                [&w.doi, &canonical],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "{} cites {canonical} in its acknowledgment", w.doi);
        checked += 1;
    }
    assert!(checked > 100, "award numbers checked: {checked}");
    drop(c);

    // A second run reads nothing again and changes nothing.
    let before: u64 = text.open_access.requests.load(Ordering::SeqCst)
        + text.resolver.requests.load(Ordering::SeqCst);
    let flagged = flagged_dois(&db);
    scan::run(&db, o).await.unwrap();
    let after: u64 = text.open_access.requests.load(Ordering::SeqCst)
        + text.resolver.requests.load(Ordering::SeqCst);
    assert_eq!(before, after, "nothing read twice");
    assert_eq!(flagged, flagged_dois(&db));
}

/// One `xrefscan scan` of the imitation as a scheduler runs it (Crossref and OpenAlex).
fn scheduled_scan(db: &std::path::Path, im: &imitation::Imitation, args: &[&str]) {
    scheduled_scan_with(db, im, None, args)
}

/// The same, with Europe PMC when `text` is given.
fn scheduled_scan_with(
    db: &std::path::Path,
    im: &imitation::Imitation,
    text: Option<&imitation::TextImitation>,
    args: &[&str],
) {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("xrefscan"));
    cmd.env_clear();
    if let Some(t) = text {
        cmd.env("XREFSCAN_EUROPEPMC_URL", &t.europepmc_url)
            .env("XREFSCAN_EUROPEPMC_RPS", "50")
            .env("XREFSCAN_FULLTEXT_BUDGET", "10000");
    }
    let out = cmd
        .env("XREFSCAN_DB", db)
        .env(
            "XREFSCAN_SOURCES",
            if text.is_some() {
                "crossref,openalex,europepmc"
            } else {
                "crossref,openalex"
            },
        )
        .env("XREFSCAN_CROSSREF_URL", &im.crossref_url)
        .env("XREFSCAN_OPENALEX_URL", &im.openalex_url)
        .env("XREFSCAN_MAILTO", "staff@example.org")
        .env("XREFSCAN_CROSSREF_RPS", "50")
        .env("XREFSCAN_CROSSREF_CONCURRENCY", "3")
        .env("XREFSCAN_OPENALEX_RPS", "50")
        .env("XREFSCAN_QUIET", "true")
        .arg("scan")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Issue 22's done-ness: works registered weeks or months after their publication date, and
/// DoD funding deposited months after a work was first seen, are caught by a series of
/// `--since-last` runs — which end with exactly the flags of one full scan on the last day —
/// and missed without the update routes (so the test can fail).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue22_nightly_since_last_runs_end_with_the_flags_of_one_full_scan() {
    let (from, to) = (date("2024-01-01"), date("2024-06-30"));
    let mut corpus = imitation::generate(500, 0x22a, from, to);
    let (late, late_funding) = corpus.make_late();
    assert!(
        late > 50 && late_funding > 20,
        "{late} late, {late_funding} funded late"
    );
    let corpus = Arc::new(corpus);
    let im = imitation::start(corpus.clone(), FAST, FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let (nightly, control, full) = (
        dir.path().join("nightly.sqlite"),
        dir.path().join("control.sqlite"),
        dir.path().join("full.sqlite"),
    );
    let first = date("2024-02-01");
    let last = date("2024-11-30");
    let mut day = first;
    let mut nights = 0;
    while day <= last {
        corpus.set_today(&day.to_string());
        let d = day.to_string();
        let im = &im;
        tokio::task::block_in_place(|| {
            if day == first {
                for db in [&nightly, &control] {
                    scheduled_scan(db, im, &["--from", "2024-01-01", "--to", &d]);
                }
            } else {
                scheduled_scan(&nightly, im, &["--since-last", "--to", &d]);
                scheduled_scan(
                    &control,
                    im,
                    &["--since-last", "--to", &d, "--no-update-routes"],
                );
            }
        });
        nights += 1;
        day = day + chrono::Days::new(14);
    }
    let last = (day - chrono::Days::new(14)).to_string();
    tokio::task::block_in_place(|| {
        scheduled_scan(&full, &im, &["--from", "2024-01-01", "--to", &last]);
    });
    let (n, c, f) = (
        flagged_dois(&nightly),
        flagged_dois(&control),
        flagged_dois(&full),
    );
    eprintln!(
        "{nights} runs: nightly {} control {} full {}",
        n.len(),
        c.len(),
        f.len()
    );
    let missed: Vec<_> = f.difference(&n).collect();
    let extra: Vec<_> = n.difference(&f).collect();
    assert!(
        missed.is_empty() && extra.is_empty(),
        "missed {missed:?}, extra {extra:?}"
    );
    // `stats` says what the latest scheduled run asked and how many of its flags came from
    // works it already knew.
    let stats = std::process::Command::new(assert_cmd::cargo::cargo_bin("xrefscan"))
        .env_clear()
        .env("XREFSCAN_DB", &nightly)
        .arg("stats")
        .output()
        .unwrap();
    let stats = String::from_utf8_lossy(&stats.stdout).to_string();
    assert!(stats.contains("works indexed since"), "{stats}");
    assert!(
        stats.contains("DoD-funder discovery over the kept window"),
        "{stats}"
    );
    assert!(stats.contains("on_works_stored_before"), "{stats}");
    // Works already stored when their DoD funding arrived are marked as flagged because their
    // metadata changed; only those.
    let conn = xrefscan::store::Db::open(&nightly, xrefscan::store::Access::Read).unwrap();
    let rows = xrefscan::flagged::load(&conn, &Default::default()).unwrap();
    let changed: Vec<&str> = rows
        .iter()
        .filter(|r| r.flag_reason_changed == "true")
        .map(|r| r.doi.as_str())
        .collect();
    assert!(
        !changed.is_empty(),
        "some flags came from funding added later"
    );
    for doi in &changed {
        assert!(
            corpus.late.get(*doi).is_some_and(|l| l.funding.is_some()),
            "{doi} is marked changed but its funding was not late"
        );
    }
    drop(conn);
    // Without the update routes the late ones are lost: the test tells the two apart.
    assert!(
        f.difference(&c).count() >= 10,
        "the control misses the late works: {} of {}",
        f.difference(&c).count(),
        f.len()
    );
}

/// Issue 22: a work OpenAlex ingests after Crossref has it (its China-based author known only
/// to OpenAlex) was a miss when first asked; `--revisit-months` asks again about works that
/// could become a flag once their answer is old enough, and the flag comes; without it, never.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue22_a_revisit_asks_again_what_an_index_did_not_have_yet() {
    let (from, to) = (date("2024-01-01"), date("2024-06-30"));
    let mut corpus = imitation::generate(300, 0x22b, from, to);
    let mut slow = Vec::new();
    for w in &corpus.works {
        // DoD-funded in Crossref, placed in China only by OpenAlex.
        let china_only_in_openalex = w.crossref_dod
            && w.truth_china
            && w.openalex.is_some()
            && w.crossref["author"][0]["affiliation"]
                .as_array()
                .is_some_and(|a| a.is_empty());
        if china_only_in_openalex && slow.len() < 12 {
            slow.push(w.doi.clone());
        }
    }
    assert!(slow.len() >= 5, "{} slow works", slow.len());
    for w in corpus.works.iter_mut().filter(|w| slow.contains(&w.doi)) {
        // OpenAlex does not link the funder: only a lookup by DOI brings its authors.
        if let Some(o) = w.openalex.as_mut() {
            o["funders"] = serde_json::json!([]);
        }
        w.openalex_dod = false;
    }
    for doi in &slow {
        corpus.late.insert(
            doi.clone(),
            imitation::Late {
                registered: "2000-01-01".into(),
                funding: None,
                openalex: Some("2024-08-15".into()),
                full_text: None,
            },
        );
    }
    let corpus = Arc::new(corpus);
    let im = imitation::start(corpus.clone(), FAST, FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let (db, full) = (dir.path().join("db.sqlite"), dir.path().join("full.sqlite"));
    tokio::task::block_in_place(|| {
        corpus.set_today("2024-07-15");
        scheduled_scan(&db, &im, &["--from", "2024-01-01", "--to", "2024-07-15"]);
        corpus.set_today("2024-09-01");
        scheduled_scan(&db, &im, &["--since-last", "--to", "2024-09-01"]);
        scheduled_scan(&full, &im, &["--from", "2024-01-01", "--to", "2024-09-01"]);
    });
    let flagged = flagged_dois(&db);
    let want = flagged_dois(&full);
    let late: Vec<&String> = slow.iter().filter(|d| want.contains(*d)).collect();
    assert!(
        late.len() >= 5,
        "the full scan flags the slow works: {late:?}"
    );
    assert!(
        late.iter().all(|d| !flagged.contains(*d)),
        "without a revisit, a miss stays a miss"
    );
    // A month later by the answers' clock: they are old enough to be asked again.
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch(
        "UPDATE source_misses SET checked_at = '2000-01-01T00:00:00Z';
         UPDATE source_records SET fetched_at = '2000-01-01T00:00:00Z' WHERE source = 'openalex';",
    )
    .unwrap();
    drop(c);
    let asked_before = im.openalex.requests.load(Ordering::SeqCst);
    tokio::task::block_in_place(|| {
        scheduled_scan(
            &db,
            &im,
            &[
                "--since-last",
                "--to",
                "2024-09-01",
                "--revisit-months",
                "1",
            ],
        );
    });
    assert!(im.openalex.requests.load(Ordering::SeqCst) > asked_before);
    assert_eq!(flagged_dois(&db), want, "the revisit ends like a full scan");
    // What was asked is marked asked: the next revisit leaves it alone.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM source_records s JOIN classifications c ON c.work_id = s.work_id
             WHERE s.source = 'openalex' AND s.fetched_at < '2001' AND c.china + c.dod = 1"
        ),
        0
    );
}

/// Issue 22: Europe PMC records indexed weeks after publication are caught by the scheduled
/// runs' `FIRST_IDATE` route, and full texts that arrive after their records (missing when
/// first asked) by `--revisit-months`; the runs end with the flags of one full scan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue22_europepmc_records_indexed_late_and_full_texts_that_arrive_late_are_caught() {
    let (from, to) = (date("2024-01-01"), date("2024-06-30"));
    let mut corpus = imitation::generate(150, 0x22c, from, to);
    imitation::add_text_sources(&mut corpus, 160, 0x22d, from, to);
    let aff_terms = xrefscan::sources::europepmc::china_aff_terms();
    let (mut late_index, mut late_text) = (0, 0);
    let positives: Vec<(String, String, bool)> = corpus
        .works
        .iter()
        .filter(|w| w.ack_dod && w.should_flag_all_sources(&aff_terms) && w.open_access)
        .map(|w| (w.doi.clone(), w.date.clone(), w.ack.is_some()))
        .collect();
    for (i, (doi, published, _)) in positives.iter().enumerate() {
        let published = date(published);
        let late = if i % 2 == 0 {
            late_index += 1;
            imitation::Late {
                registered: (published + chrono::Days::new(45)).to_string(),
                funding: None,
                openalex: None,
                full_text: None,
            }
        } else {
            late_text += 1;
            imitation::Late {
                registered: published.to_string(),
                funding: None,
                openalex: None,
                full_text: Some((published + chrono::Days::new(60)).to_string()),
            }
        };
        corpus.late.insert(doi.clone(), late);
    }
    assert!(
        late_index >= 5 && late_text >= 5,
        "{late_index} {late_text}"
    );
    let corpus = Arc::new(corpus);
    let im = imitation::start(corpus.clone(), FAST, FAST).await;
    let text = imitation::start_text_sources(corpus.clone(), FAST, FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let (db, full) = (dir.path().join("db.sqlite"), dir.path().join("full.sqlite"));
    let mut day = date("2024-02-01");
    let last = date("2024-10-01");
    tokio::task::block_in_place(|| {
        corpus.set_today(&day.to_string());
        scheduled_scan_with(
            &db,
            &im,
            Some(&text),
            &["--from", "2024-01-01", "--to", &day.to_string()],
        );
        while day < last {
            day = (day + chrono::Days::new(14)).min(last);
            corpus.set_today(&day.to_string());
            scheduled_scan_with(
                &db,
                &im,
                Some(&text),
                &["--since-last", "--to", &day.to_string()],
            );
        }
        scheduled_scan_with(
            &full,
            &im,
            Some(&text),
            &["--from", "2024-01-01", "--to", &day.to_string()],
        );
    });
    let want = flagged_dois(&full);
    let got = flagged_dois(&db);
    let text_late: Vec<&String> = positives
        .iter()
        .filter(|(d, ..)| corpus.late[d].full_text.is_some())
        .map(|(d, ..)| d)
        .filter(|d| want.contains(*d))
        .collect();
    assert!(text_late.len() >= 3, "{text_late:?}");
    // Records indexed late are caught night by night; full texts missing when asked are not
    // asked again without a revisit.
    let missed: Vec<_> = want.difference(&got).collect();
    assert!(
        missed.iter().all(|d| text_late.contains(d)),
        "only late full texts may be missing before the revisit: {missed:?}"
    );
    assert!(
        !missed.is_empty(),
        "the late full texts were missing when asked"
    );
    // A month later by the answers' clock, a revisit asks for them again.
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch(
        "UPDATE documents SET fetched_at = '2000-01-01T00:00:00Z' WHERE error IS NOT NULL",
    )
    .unwrap();
    drop(c);
    tokio::task::block_in_place(|| {
        scheduled_scan_with(
            &db,
            &im,
            Some(&text),
            &[
                "--since-last",
                "--to",
                &day.to_string(),
                "--revisit-months",
                "1",
            ],
        );
    });
    assert_eq!(flagged_dois(&db), want, "the runs end like one full scan");
}
