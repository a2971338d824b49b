//! The crawlers against local servers replaying real recorded Crossref and OpenAlex responses,
//! including every failure the real APIs produce.

mod common;

use common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use xrefscan::model::Source;
use xrefscan::scan::{self, SourceStatus};

async fn servers() -> (MockServer, MockServer) {
    let (cr, oa) = (MockServer::start().await, MockServer::start().await);
    mount_crossref_defaults(&cr).await;
    mount_openalex_defaults(&oa).await;
    (cr, oa)
}

#[tokio::test]
async fn the_recorded_dod_page_is_stored_classified_and_flagged_with_evidence() {
    let (cr, oa) = servers().await;
    mount_dod_page(&cr).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let s = scan::run(
        &db,
        options(&cr.uri(), &oa.uri(), &[Source::Crossref, Source::OpenAlex]),
    )
    .await
    .unwrap();
    assert!(s.complete(), "{s}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM works"), 20);
    // Every item of the DoD route is DoD-funded by registry id or name.
    assert_eq!(s.candidates, 20, "{s}");
    // Only 10.1039/d2fd00050d (ARO MURI + Northwest University, Xi'an) has a China-based author.
    assert_eq!(s.flagged, 1);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (doi, comps, awards, inst, regions, dod_ev, cn_ev): (String, String, String, String, String, String, String) = conn
        .query_row(
            "SELECT doi, dod_components, award_numbers, china_institutions, china_regions, dod_evidence, china_evidence FROM flagged_papers",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )
        .unwrap();
    assert_eq!(doi, "10.1039/d2fd00050d");
    assert!(comps.contains("Army Research Office"), "{comps}");
    assert!(awards.contains("W911NF-19-1-0283"));
    assert!(inst.contains("Northwest University"), "{inst}");
    assert_eq!(regions, "CN");
    assert!(
        dod_ev.contains("crossref funder record: Army Research Office (10.13039/100000183)"),
        "{dod_ev}"
    );
    assert!(cn_ev.contains("Xian"), "{cn_ev}");
    // The raw JSON of every record is kept.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM source_records WHERE source='crossref' AND raw_json LIKE '{%'"
        ),
        20
    );
    // The components outside the registry subtree were asked together, in one query.
    let reqs = cr.received_requests().await.unwrap();
    let combined: Vec<_> = reqs
        .iter()
        .filter(|r| r.url.path() == "/works" && filter_of(r).contains("funder:10.13039/100007485"))
        .collect();
    assert_eq!(combined.len(), 1);
    assert!(
        !reqs
            .iter()
            .any(|r| r.url.path() == "/funders/10.13039/100007485/works"),
        "no query of its own"
    );
}

fn filter_of(r: &Request) -> String {
    r.url
        .query_pairs()
        .find(|(k, _)| k == "filter")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_second_identical_scan_changes_nothing() {
    let (cr, oa) = servers().await;
    mount_dod_page(&cr).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let opts = options(&cr.uri(), &oa.uri(), &[Source::Crossref, Source::OpenAlex]);
    scan::run(&db, opts.clone()).await.unwrap();
    let before = snapshot(&db);
    let second = scan::run(&db, opts.clone()).await.unwrap();
    assert_eq!(snapshot(&db), before);
    assert_eq!(
        (second.works_new, second.new_flags, second.flagged),
        (0, 0, 1)
    );
    // Even a forced refetch of every shard adds and changes nothing.
    let mut refresh = opts;
    refresh.refresh = true;
    let third = scan::run(&db, refresh).await.unwrap();
    assert_eq!(snapshot(&db), before);
    assert_eq!(third.classified, 0);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM scan_runs WHERE status = 'ok'"),
        3
    );
}

/// Serves recorded pages in order, whatever the cursor; then the empty page.
struct Pages {
    pages: Vec<String>,
    next: AtomicUsize,
}

impl Respond for Pages {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let i = self.next.fetch_add(1, Ordering::SeqCst);
        let body = self
            .pages
            .get(i)
            .cloned()
            .unwrap_or_else(|| fixture("crossref/empty_page.synthetic.json"));
        ResponseTemplate::new(200).set_body_raw(body, "application/json")
    }
}

#[tokio::test]
async fn cursor_paging_runs_to_the_empty_page_even_though_crossref_repeats_its_cursor() {
    let (cr, oa) = servers().await;
    // The recorded pages (of a member with 138,567 works) as the whole answer of a window.
    let mut pages: Vec<serde_json::Value> = (1..=4)
        .map(|i| serde_json::from_str(&fixture(&format!("crossref/cursor_page_{i}.json"))).unwrap())
        .collect();
    let total: usize = pages
        .iter()
        .map(|p| p["message"]["items"].as_array().unwrap().len())
        .sum();
    for p in &mut pages {
        p["message"]["total-results"] = total.into();
    }
    let pages = pages.iter().map(|p| p.to_string()).collect();
    Mock::given(method("GET"))
        .and(path("/funders/10.13039/100000005/works"))
        .respond_with(Pages {
            pages,
            next: AtomicUsize::new(0),
        })
        .with_priority(5)
        .mount(&cr)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let s = scan::run(&db, options(&cr.uri(), &oa.uri(), &[Source::Crossref]))
        .await
        .unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM works"), 20);
    let reqs = cr.received_requests().await.unwrap();
    let dod: Vec<_> = reqs
        .iter()
        .filter(|r| r.url.path() == "/funders/10.13039/100000005/works")
        .collect();
    assert_eq!(dod.len(), 5, "four pages and the empty one");
    assert!(dod[1].url.query().unwrap().contains("cursor=DnF1ZXJ5"));
    assert!(
        dod.iter()
            .all(|r| r.url.query().unwrap().contains("rows=1000"))
    );
    assert!(s.complete(), "{s}");
    assert_eq!(s.sources[0].announced, Some(20));
}

#[tokio::test]
async fn a_page_shorter_than_the_page_size_is_the_last_and_no_empty_page_is_fetched() {
    let (cr, oa) = servers().await;
    // The recorded page, as Crossref answers a `rows=1000` request with only 20 matches.
    let mut page: serde_json::Value =
        serde_json::from_str(&fixture("crossref/dod_works_page.json")).unwrap();
    page["message"]["items-per-page"] = 1000.into();
    page["message"]["total-results"] = 20.into();
    Mock::given(method("GET"))
        .and(path("/funders/10.13039/100000005/works"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page))
        .with_priority(5)
        .mount(&cr)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    scan::run(&db, options(&cr.uri(), &oa.uri(), &[Source::Crossref]))
        .await
        .unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM works"), 20);
    let asked = cr
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/funders/10.13039/100000005/works")
        .count();
    assert_eq!(asked, 1, "20 of 1000 rows: nothing more to ask for");
}

/// First cursor page, then an expired cursor once, then the pages again.
struct ExpiringCursor {
    calls: AtomicUsize,
}

impl Respond for ExpiringCursor {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        let first = req
            .url
            .query_pairs()
            .any(|(k, v)| k == "cursor" && v == "*");
        match (n, first) {
            (1, false) => ResponseTemplate::new(404).set_body_raw(
                fixture("crossref/cursor_invalid_404.json"),
                "application/json",
            ),
            (_, true) => ResponseTemplate::new(200)
                .set_body_raw(fixture("crossref/cursor_page_1.json"), "application/json"),
            (n, false) if n < 5 => ResponseTemplate::new(200)
                .set_body_raw(fixture("crossref/cursor_page_2.json"), "application/json"),
            _ => ResponseTemplate::new(200).set_body_raw(
                fixture("crossref/empty_page.synthetic.json"),
                "application/json",
            ),
        }
    }
}

#[tokio::test]
async fn an_expired_cursor_restarts_its_shard_and_duplicates_nothing() {
    let (cr, oa) = servers().await;
    Mock::given(method("GET"))
        .and(path("/funders/10.13039/100000005/works"))
        .respond_with(ExpiringCursor {
            calls: AtomicUsize::new(0),
        })
        .with_priority(5)
        .mount(&cr)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let s = scan::run(&db, options(&cr.uri(), &oa.uri(), &[Source::Crossref]))
        .await
        .unwrap();
    assert!(s.complete(), "{s}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM works"), 10);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM source_records"), 10);
}

/// Answers with `first` for the first `n` calls, then the recorded DoD page.
struct FailThenServe {
    first: ResponseTemplate,
    n: usize,
    calls: AtomicUsize,
    times: Arc<std::sync::Mutex<Vec<Instant>>>,
}

impl Respond for FailThenServe {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.times.lock().unwrap().push(Instant::now());
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.n {
            self.first.clone()
        } else {
            dod_page_whole()
        }
    }
}

async fn scan_with_first_responses(
    first: ResponseTemplate,
    n: usize,
) -> (scan::ScanSummary, Vec<Instant>, tempfile::TempDir) {
    let (cr, oa) = servers().await;
    let times = Arc::new(std::sync::Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .and(path("/funders/10.13039/100000005/works"))
        .and(query_param("cursor", "*"))
        .respond_with(FailThenServe {
            first,
            n,
            calls: AtomicUsize::new(0),
            times: times.clone(),
        })
        .with_priority(5)
        .mount(&cr)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let s = scan::run(&db, options(&cr.uri(), &oa.uri(), &[Source::Crossref]))
        .await
        .unwrap();
    let t = times.lock().unwrap().clone();
    (s, t, dir)
}

#[tokio::test]
async fn a_429_is_retried_no_sooner_than_retry_after() {
    let r = ResponseTemplate::new(429)
        .insert_header("Retry-After", "1")
        .set_body_string("Too Many Requests");
    let (s, times, _d) = scan_with_first_responses(r, 1).await;
    assert!(s.complete(), "{s}");
    assert_eq!(s.flagged, 1);
    assert_eq!(s.sources[0].retries, 1);
    assert!(
        times[1] - times[0] >= Duration::from_millis(950),
        "waited {:?}",
        times[1] - times[0]
    );
}

#[tokio::test]
async fn a_500_then_success_is_retried() {
    let (s, times, _d) = scan_with_first_responses(
        ResponseTemplate::new(500).set_body_string("Internal Server Error"),
        2,
    )
    .await;
    assert!(s.complete(), "{s}");
    assert_eq!(times.len(), 3);
    assert_eq!(s.flagged, 1);
}

#[tokio::test]
async fn an_html_error_page_is_retried_and_never_decoded_as_json() {
    let page = ResponseTemplate::new(503)
        .set_body_raw(fixture("crossref/error_page.synthetic.html"), "text/html");
    let (s, _, _d) = scan_with_first_responses(page, 1).await;
    assert!(s.complete(), "{s}");
    assert_eq!(s.flagged, 1);
    // A 200 with HTML every time: the source fails with a message that says what came back.
    let page = ResponseTemplate::new(200)
        .set_body_raw(fixture("crossref/error_page.synthetic.html"), "text/html");
    let (s, _, _d) = scan_with_first_responses(page, 100).await;
    let SourceStatus::Failed(msg) = &s.sources[0].status else {
        panic!("{s}")
    };
    assert!(msg.contains("text/html instead of JSON"), "{msg}");
    assert!(msg.contains("503 Service Temporarily Unavailable"), "{msg}");
}

#[tokio::test]
async fn a_400_fails_the_source_with_the_servers_own_message() {
    let bad = ResponseTemplate::new(400).set_body_raw(
        fixture("crossref/rows_invalid_400.json"),
        "application/json;charset=utf-8",
    );
    let (s, times, dir) = scan_with_first_responses(bad, 100).await;
    assert_eq!(times.len(), 1, "a 400 is not retried");
    assert!(!s.complete());
    let SourceStatus::Failed(msg) = &s.sources[0].status else {
        panic!("{s}")
    };
    assert!(msg.contains("less than or equal to 1000"), "{msg}");
    let db = dir.path().join("x.sqlite");
    // Its only source failed: the run failed (issue 21 (3)), not "incomplete".
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM scan_runs WHERE status = 'failed'"
        ),
        1
    );
    assert!(
        count(
            &db,
            "SELECT COUNT(*) FROM scan_errors WHERE kind = 'http-status'"
        ) >= 1
    );
}

#[tokio::test]
async fn a_missing_funder_record_falls_back_to_every_reference_component() {
    let cr = MockServer::start().await;
    let oa = MockServer::start().await;
    mount_openalex_defaults(&oa).await;
    Mock::given(method("GET"))
        .and(path("/funders/10.13039/100000005"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_raw(fixture("crossref/not_found_404.txt"), "text/plain"),
        )
        .mount(&cr)
        .await;
    mount_crossref_defaults(&cr).await;
    mount_dod_page(&cr).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let s = scan::run(&db, options(&cr.uri(), &oa.uri(), &[Source::Crossref]))
        .await
        .unwrap();
    assert_eq!(s.flagged, 1);
    let ids: usize = cr
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/works")
        .map(|r| filter_of(r).matches("funder:10.13039/").count())
        .sum();
    assert!(ids > 20, "every reference component asked: {ids}");
    assert!(
        count(
            &db,
            "SELECT COUNT(*) FROM scan_errors WHERE message LIKE '%Resource not found%'"
        ) == 1
    );
}

#[tokio::test]
async fn openalex_lookups_are_batched_and_misses_are_not_asked_twice() {
    let (cr, oa) = servers().await;
    mount_dod_page(&cr).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let opts = options(&cr.uri(), &oa.uri(), &[Source::Crossref, Source::OpenAlex]);
    scan::run(&db, opts.clone()).await.unwrap();
    let lookups = |reqs: &[Request]| {
        reqs.iter()
            .filter(|r| {
                r.url.path() == "/works"
                    && r.url
                        .query_pairs()
                        .any(|(k, v)| k == "filter" && v.starts_with("doi:"))
            })
            .count()
    };
    let reqs = oa.received_requests().await.unwrap();
    assert_eq!(lookups(&reqs), 1, "every DOI in the window in one call");
    assert!(
        reqs.iter()
            .all(|r| r.url.query().unwrap_or("").contains("api_key=TEST-KEY-123"))
    );
    // Only works published in the window are looked up (3 of the 20 recorded ones).
    let in_window = count(
        &db,
        "SELECT COUNT(*) FROM works WHERE substr(publication_date || '-01-01', 1, 10) BETWEEN '2023-06-01' AND '2025-06-30'",
    );
    assert_eq!(in_window, 3);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM source_misses WHERE source = 'openalex'"
        ),
        in_window
    );
    scan::run(&db, opts).await.unwrap();
    assert_eq!(lookups(&oa.received_requests().await.unwrap()), 1);
    // The key never reaches the database.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM scan_errors WHERE url LIKE '%TEST-KEY%' OR message LIKE '%TEST-KEY%'"
        ),
        0
    );
}

#[tokio::test]
async fn a_spent_openalex_budget_stops_the_source_and_says_when_to_resume() {
    let cr = MockServer::start().await;
    let oa = MockServer::start().await;
    mount_crossref_defaults(&cr).await;
    mount_dod_page(&cr).await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-ratelimit-remaining-usd", "0")
                .insert_header("x-ratelimit-reset", "3600")
                .set_body_raw(r#"{"error":"Rate limit exceeded"}"#, "application/json"),
        )
        .mount(&oa)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let s = scan::run(
        &db,
        options(&cr.uri(), &oa.uri(), &[Source::Crossref, Source::OpenAlex]),
    )
    .await
    .unwrap();
    let SourceStatus::Incomplete(msg) = &s.sources[1].status else {
        panic!("{s}")
    };
    assert!(msg.contains("resume after"), "{msg}");
    assert_eq!(
        oa.received_requests().await.unwrap().len(),
        1,
        "no retries against a spent budget"
    );
    // Crossref's work is kept and classified anyway.
    assert_eq!(s.flagged, 1);
}

#[tokio::test]
async fn an_invalid_openalex_key_fails_with_a_hint() {
    let cr = MockServer::start().await;
    let oa = MockServer::start().await;
    mount_crossref_defaults(&cr).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            fixture("openalex/api_key_invalid_401.json"),
            "application/json",
        ))
        .mount(&oa)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let s = scan::run(
        &dir.path().join("x.sqlite"),
        options(&cr.uri(), &oa.uri(), &[Source::OpenAlex]),
    )
    .await
    .unwrap();
    let SourceStatus::Failed(msg) = &s.sources[0].status else {
        panic!("{s}")
    };
    assert!(
        msg.contains("API key not found") && msg.contains("OPENALEX_API_KEY"),
        "{msg}"
    );
    assert!(!msg.contains("TEST-KEY-123"), "{msg}");
}

#[tokio::test]
async fn a_body_cut_mid_way_is_fetched_again() {
    let full = fixture("crossref/dod_works_page.json");
    let cut = ResponseTemplate::new(200)
        .set_body_raw(full[..full.len() / 2].to_string(), "application/json");
    let (s, times, _d) = scan_with_first_responses(cut, 1).await;
    assert!(s.complete(), "{s}");
    assert_eq!(times.len(), 2);
    assert_eq!(s.flagged, 1);
}

#[tokio::test]
async fn a_server_that_stalls_past_the_timeout_is_retried() {
    let (cr, oa) = servers().await;
    let times = Arc::new(std::sync::Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .and(path("/funders/10.13039/100000005/works"))
        .and(query_param("cursor", "*"))
        .respond_with(FailThenServe {
            first: dod_page_whole().set_delay(Duration::from_secs(3)),
            n: 1,
            calls: AtomicUsize::new(0),
            times: times.clone(),
        })
        .with_priority(5)
        .mount(&cr)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut o = options(&cr.uri(), &oa.uri(), &[Source::Crossref]);
    o.client.timeout = Duration::from_secs(1);
    let s = scan::run(&dir.path().join("x.sqlite"), o).await.unwrap();
    assert!(s.complete(), "{s}");
    assert_eq!(s.sources[0].retries, 1, "{s}");
    assert_eq!(s.flagged, 1);
}

#[tokio::test]
async fn a_malformed_record_is_kept_with_its_raw_payload_and_the_scan_goes_on() {
    let (cr, oa) = servers().await;
    // One item of the recorded page broken: its DOI is a number.
    let mut page: serde_json::Value =
        serde_json::from_str(&fixture("crossref/dod_works_page.json")).unwrap();
    let items = page["message"]["items"].as_array_mut().unwrap();
    let n = items.len();
    items[0]["DOI"] = serde_json::json!(12345);
    page["message"]["total-results"] = n.into();
    Mock::given(method("GET"))
        .and(path("/funders/10.13039/100000005/works"))
        .and(query_param("cursor", "*"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(page.to_string(), "application/json"))
        .with_priority(5)
        .mount(&cr)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let s = scan::run(&db, options(&cr.uri(), &oa.uri(), &[Source::Crossref]))
        .await
        .unwrap();
    assert!(s.complete(), "{s}");
    assert_eq!(
        (count(
            &db,
            "SELECT COUNT(*) FROM scan_errors WHERE kind = 'malformed-record' AND raw LIKE '%12345%'"
        ) as u64),
        1
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM works") as usize,
        n - 1,
        "every other item is stored"
    );
}

#[tokio::test]
async fn a_burst_of_429s_is_waited_out_each_time() {
    let r = ResponseTemplate::new(429)
        .insert_header("Retry-After", "1")
        .set_body_string("Too Many Requests");
    let (s, times, _d) = scan_with_first_responses(r, 3).await;
    assert!(s.complete(), "{s}");
    assert_eq!(s.sources[0].retries, 3);
    for w in times.windows(2) {
        assert!(
            w[1] - w[0] >= Duration::from_millis(950),
            "waited {:?}",
            w[1] - w[0]
        );
    }
    assert_eq!(s.flagged, 1);
}
