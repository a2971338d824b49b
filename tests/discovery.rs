//! Issue 10, finding every paper: DoD funding named without a registry id (or only by an award
//! number) is discovered through Crossref's light `has-funder` pages, classified locally, and
//! only the hits' full records are fetched.

mod common;

use common::*;
use wiremock::matchers::{method, path, query_param, query_param_contains};
use wiremock::{Mock, MockServer};
use xrefscan::model::Source;
use xrefscan::scan::{self, SourceStatus};

async fn servers_with_names() -> (MockServer, MockServer) {
    let cr = MockServer::start().await;
    let oa = MockServer::start().await;
    mount_openalex_defaults(&oa).await;
    // The light page of every funded work in the window, then its end.
    Mock::given(method("GET"))
        .and(path("/works"))
        .and(query_param_contains("filter", "has-funder:true"))
        .and(query_param("cursor", "*"))
        .respond_with(json("crossref/has_funder_page.synthetic.json"))
        .with_priority(5)
        .mount(&cr)
        .await;
    Mock::given(method("GET"))
        .and(path("/works"))
        .and(query_param_contains("filter", "has-funder:true"))
        .respond_with(json("crossref/empty_page.synthetic.json"))
        .with_priority(6)
        .mount(&cr)
        .await;
    // The hits' full records.
    Mock::given(method("GET"))
        .and(path("/works"))
        .and(query_param_contains("filter", "doi:"))
        .respond_with(json("crossref/works_by_doi.synthetic.json"))
        .with_priority(5)
        .mount(&cr)
        .await;
    mount_crossref_defaults(&cr).await;
    (cr, oa)
}

#[tokio::test]
async fn dod_named_without_a_registry_id_is_discovered_and_only_its_hits_fetched() {
    let (cr, oa) = servers_with_names().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let o = options(&cr.uri(), &oa.uri(), &[Source::Crossref]);
    let s = scan::run(&db, o.clone()).await.unwrap();
    assert_eq!(s.sources[0].status, SourceStatus::Ok, "{s}");
    // The Faraday Discussions paper: its Army Research Office entry has no registry id, and a
    // coauthor is in Xi'an.
    let flagged: Vec<String> = {
        let c = rusqlite::Connection::open(&db).unwrap();
        let mut st = c.prepare("SELECT doi FROM flagged_papers").unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    assert_eq!(flagged, ["10.1039/d2fd00050d"], "{s}");
    let evidence: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT dod_evidence FROM flagged_papers", [], |r| r.get(0))
        .unwrap();
    assert!(
        evidence.contains("Army Research Office") && !evidence.contains("10.13039"),
        "{evidence}"
    );
    // Only DoD-by-name or by-award works were kept, and each got its full record.
    let stored = count(
        &db,
        "SELECT COUNT(*) FROM source_records WHERE source = 'crossref'",
    );
    let full = count(
        &db,
        "SELECT COUNT(*) FROM source_records WHERE source = 'crossref' AND json_extract(raw_json, '$.title') IS NOT NULL",
    );
    assert!(stored > 5 && stored < 20, "hits only: {stored}");
    assert_eq!(stored, full, "every hit has its full record");
    let lookups = cr
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| {
            r.url.query().unwrap_or("").contains("doi%3A")
                || r.url.query().unwrap_or("").contains("doi:")
        })
        .count();
    assert_eq!(lookups, 1, "the hits' records in one request");
    assert!(
        s.sources[0]
            .note
            .as_deref()
            .unwrap_or("")
            .contains("DoD by name or award number"),
        "{s}"
    );
    // A second run asks nothing of the name route again.
    let before = cr.received_requests().await.unwrap().len();
    let again = scan::run(&db, o).await.unwrap();
    let asked: Vec<String> = cr.received_requests().await.unwrap()[before..]
        .iter()
        .map(|r| r.url.to_string())
        .collect();
    assert!(
        asked
            .iter()
            .all(|u| !u.contains("has-funder") && !u.contains("doi%3A")),
        "{asked:?}"
    );
    assert_eq!(again.new_flags, 0);
}

#[tokio::test]
async fn the_name_route_can_be_turned_off() {
    let (cr, oa) = servers_with_names().await;
    let dir = tempfile::tempdir().unwrap();
    let mut o = options(&cr.uri(), &oa.uri(), &[Source::Crossref]);
    o.crossref.funder_names = false;
    let s = scan::run(&dir.path().join("x.sqlite"), o).await.unwrap();
    assert_eq!(s.flagged, 0, "{s}");
    assert!(
        cr.received_requests().await.unwrap().iter().all(|r| !r
            .url
            .query()
            .unwrap_or("")
            .contains("has-funder"))
    );
}
