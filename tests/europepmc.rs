//! Europe PMC against a local server: search paging with `cursorMark`, core records stored with
//! their provenance, and open-access full text whose acknowledgment alone states DoD funding.

mod common;

use common::*;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};
use xrefscan::model::Source;
use xrefscan::scan::{self, SourceStatus};

fn europepmc_options(server: &MockServer) -> xrefscan::scan::ScanOptions {
    let mut o = options(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        &[Source::EuropePmc],
    );
    o.europepmc.base_url = server.uri();
    o
}

fn xml(rel: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(rel), "application/xml")
}

#[tokio::test]
async fn search_pages_until_the_cursor_comes_back_and_keeps_core_records() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/search"))
        .and(query_param("cursorMark", "*"))
        .and(query_param("resultType", "core"))
        .respond_with(json("europepmc/search_cancer_core.json"))
        .mount(&server)
        .await;
    // The second page hands back the cursor it was asked with: the end.
    Mock::given(method("GET"))
        .and(path("/search"))
        .and(query_param("cursorMark", "AoIIP4ZawSg1MzEyODI1MA=="))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"hitCount": 25, "nextCursorMark": "AoIIP4ZawSg1MzEyODI1MA==", "resultList": {"result": []}}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let mut o = europepmc_options(&server);
    o.fulltext_budget = 0;
    let s = scan::run(&db, o.clone()).await.unwrap();
    let epmc = &s.sources[0];
    assert_eq!(epmc.status, SourceStatus::Ok, "{s}");
    let stored = count(
        &db,
        "SELECT COUNT(*) FROM source_records WHERE source = 'europepmc'",
    ) as u64;
    assert!(stored > 20, "core records with DOIs are stored ({stored})");
    let grants = count(
        &db,
        "SELECT COUNT(*) FROM funders WHERE source = 'europepmc'",
    ) as u64;
    assert!(grants > 0);
    // One query per chunk of component names, each paged to its end once.
    let requests = server.received_requests().await.unwrap().len();
    assert_eq!(requests as u64, epmc.requests);
    // A second run finds every query finished and asks nothing.
    let again = scan::run(&db, o).await.unwrap();
    assert_eq!(again.sources[0].requests, 0, "{again}");
}

#[tokio::test]
async fn dod_funding_only_in_the_full_text_acknowledgment_is_flagged_with_the_text() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/search"))
        .and(query_param("cursorMark", "*"))
        .respond_with(json("europepmc/search_dod_ack.synthetic.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/search"))
        .and(query_param("cursorMark", "AoJwsynthetic2"))
        .respond_with(json("europepmc/search_end.synthetic.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/PMC9999999/fullTextXML"))
        .respond_with(xml("jats/dod_ack.synthetic.xml"))
        .expect(1)
        .mount(&server)
        .await;
    // A real full text (eLife, Australian funders and affiliations): read, not flagged.
    Mock::given(method("GET"))
        .and(path("/PMC8888888/fullTextXML"))
        .respond_with(xml("jats/elife06003.xml"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/PMC7777777/fullTextXML"))
        .respond_with(ResponseTemplate::new(404).set_body_raw("not found", "text/plain"))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let s = scan::run(&db, europepmc_options(&server)).await.unwrap();
    assert_eq!(s.sources[0].status, SourceStatus::Ok, "{s}");
    assert_eq!(s.flagged, 1, "{s}");

    let conn = xrefscan::store::Db::open(&db, xrefscan::store::Access::Read).unwrap();
    let rows = xrefscan::flagged::load(&conn, &Default::default()).unwrap();
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r.doi, "10.5555/xrefscan.ack.0001");
    assert!(
        r.dod_evidence
            .contains("acknowledgment (Europe PMC full text)"),
        "{}",
        r.dod_evidence
    );
    assert!(r.dod_evidence.contains("Office of Naval Research"));
    assert!(r.dod_evidence.contains("N00014-21-1-2345"));
    assert_eq!(r.dod_components, "Navy › Office of Naval Research");
    assert_eq!(r.award_numbers, "N00014-21-1-2345");
    assert!(
        r.china_institutions
            .contains("Harbin Institute of Technology")
    );
    assert_eq!(
        r.tier, "1",
        "Harbin Institute of Technology is one of the Seven Sons"
    );
    assert!(r.sources.contains("europepmc"));
    // The full text's affiliations, with the country its <country> element names.
    assert!(r.sources.contains("fulltext"), "{}", r.sources);
    let cn: i64 = conn
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM affiliations WHERE source = 'fulltext' AND country_code = 'CN'
               AND raw_string LIKE '%Harbin Institute of Technology%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(cn, 1);
    let (awards, au): (i64, i64) = conn
        .conn()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM acknowledgments a JOIN works w ON w.id = a.work_id
                     WHERE w.doi = '10.5555/xrefscan.ack.0002' AND a.section = 'award-group'),
                    (SELECT COUNT(*) FROM affiliations f JOIN works w ON w.id = f.work_id
                     WHERE w.doi = '10.5555/xrefscan.ack.0002' AND f.source = 'fulltext'
                       AND f.country_code = 'AU')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(awards, 4, "the eLife award groups are kept as text");
    assert!(au >= 4, "eLife affiliations carry their country: {au}");

    // The 404 is remembered and the unchanged document is not fetched again.
    drop(conn);
    let again = scan::run(&db, europepmc_options(&server)).await.unwrap();
    assert_eq!(again.new_flags, 0);
    assert_eq!(
        (count(
            &db,
            "SELECT COUNT(*) FROM documents WHERE error IS NOT NULL"
        ) as u64),
        1
    );
}
