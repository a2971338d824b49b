//! Publisher pages against local servers: a DOI resolver that redirects, a publisher whose
//! robots.txt disallows part of the site, a 404, a PDF, a huge page, and pages that show what
//! the metadata lacks (China-based authors, DoD funding stated only in the text).

mod common;

use common::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use xrefscan::model::{AffiliationRecord, AuthorRecord, FunderRecord, Source, WorkRecord};
use xrefscan::scan::{self, SourceStatus};
use xrefscan::store::{Access, Checkpoint, Db, Page};

fn work(doi: &str, china_author: bool, dod_funder: bool) -> WorkRecord {
    let authors = if china_author {
        vec![AuthorRecord {
            name: "Wei Li".into(),
            affiliations: vec![AffiliationRecord {
                raw: Some("School of Physics, Fudan University, Shanghai 200433, China".into()),
                ..Default::default()
            }],
            ..Default::default()
        }]
    } else {
        Vec::new()
    };
    let funders = if dod_funder {
        vec![FunderRecord {
            funder_id: Some("10.13039/100000183".into()),
            name: Some("Army Research Office".into()),
            awards: vec!["W911NF-19-1-0283".into()],
            ..Default::default()
        }]
    } else {
        vec![FunderRecord {
            name: Some("National Natural Science Foundation of China".into()),
            ..Default::default()
        }]
    };
    WorkRecord {
        doi: Some(doi.into()),
        title: Some(format!("Work {doi}")),
        publication_date: Some("2024-05-01".into()),
        authors,
        funders,
        raw: format!("{{\"DOI\":\"{doi}\"}}"),
        ..Default::default()
    }
}

fn html(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "text/html; charset=utf-8")
}

#[tokio::test]
async fn pages_fill_in_what_metadata_lacks_and_every_failure_is_remembered() {
    let resolver = MockServer::start().await;
    let publisher = MockServer::start().await;
    // The resolver has no robots.txt; the publisher keeps /private/ out of bounds.
    Mock::given(method("GET"))
        .and(path("/robots.txt"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&resolver)
        .await;
    Mock::given(method("GET"))
        .and(path("/robots.txt"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("User-agent: *\nDisallow: /private/\n", "text/plain"),
        )
        // Read once per run that visits the host: the first run and the --refresh run.
        .expect(2)
        .mount(&publisher)
        .await;
    let plos = fixture("html/plos_one_article.html");
    let redirect = |to: String| ResponseTemplate::new(302).insert_header("Location", to.as_str());
    let p = publisher.uri();
    for (doi, target) in [
        ("10.5555/ack", format!("{p}/article/ack")),
        ("10.5555/noaff", format!("{p}/article/noaff")),
        ("10.5555/private", format!("{p}/private/paper")),
        ("10.5555/gone", format!("{p}/gone")),
        ("10.5555/pdf", format!("{p}/paper.pdf")),
        ("10.5555/huge", format!("{p}/huge")),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/{doi}")))
            .respond_with(redirect(target))
            .mount(&resolver)
            .await;
    }
    // A redirect chain on the publisher's side too.
    Mock::given(method("GET"))
        .and(path("/article/ack"))
        .respond_with(redirect("/articles/ack/full".into()))
        .mount(&publisher)
        .await;
    // DoD funding stated only on the page (real PLOS markup, funding sentence replaced).
    Mock::given(method("GET"))
        .and(path("/articles/ack/full"))
        .respond_with(html(plos.replace(
            "The research was supported by the National Quality Infrastructure of China (2017YFF0210200).",
            "The research was supported by the Office of Naval Research under grant N00014-21-1-2345.",
        )))
        .mount(&publisher)
        .await;
    // The real PLOS page: its Highwire authors are in China.
    Mock::given(method("GET"))
        .and(path("/article/noaff"))
        .respond_with(html(plos.clone()))
        .mount(&publisher)
        .await;
    Mock::given(method("GET"))
        .and(path("/private/paper"))
        .respond_with(html(plos.clone()))
        .expect(0)
        .mount(&publisher)
        .await;
    Mock::given(method("GET"))
        .and(path("/gone"))
        .respond_with(ResponseTemplate::new(404).set_body_raw("no such page", "text/plain"))
        .mount(&publisher)
        .await;
    Mock::given(method("GET"))
        .and(path("/paper.pdf"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(b"%PDF-1.4".to_vec(), "application/pdf"),
        )
        .mount(&publisher)
        .await;
    Mock::given(method("GET"))
        .and(path("/huge"))
        .respond_with(html(format!(
            "<html><body>{}</body></html>",
            "<p>filler text</p>".repeat(200_000)
        )))
        .mount(&publisher)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    {
        let mut store = Db::open(
            &db,
            Access::Write {
                command: "test",
                wait: false,
                create: true,
            },
        )
        .unwrap();
        let run = store
            .begin_run("2023-06-01", "2025-06-30", "crossref")
            .unwrap();
        let records = vec![
            work("10.5555/ack", true, false),
            work("10.5555/noaff", false, true),
            work("10.5555/private", true, false),
            work("10.5555/gone", true, false),
            work("10.5555/pdf", true, false),
            work("10.5555/huge", true, false),
            // Already DoD ∧ China from its metadata: its acknowledgment is still read (staff
            // quote it; award numbers written only there go to the ledger). Its DOI is
            // unknown to the resolver.
            work("10.5555/done", true, true),
        ];
        store
            .save_page(&Page {
                run_id: run,
                source: Source::Crossref,
                shard: "test",
                checkpoint: Checkpoint::default(),
                records: &records,
            })
            .unwrap();
    }
    let mut o = options(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        &[Source::Publisher],
    );
    o.pages.resolver = resolver.uri();
    let s = scan::run(&db, o.clone()).await.unwrap();
    let pages = &s.sources[0];
    assert_eq!(pages.status, SourceStatus::Ok, "{s}");
    assert_eq!(pages.works, 3, "ack, noaff and huge were read: {s}");
    let note = pages.note.as_deref().unwrap_or("");
    assert!(note.contains("1 disallowed by robots.txt"), "{note}");
    assert!(note.contains("3 unavailable"), "{note}");

    let conn = Db::open(&db, Access::Read).unwrap();
    let rows = xrefscan::flagged::load(&conn, &Default::default()).unwrap();
    let flagged: Vec<&str> = rows.iter().map(|r| r.doi.as_str()).collect();
    assert!(flagged.contains(&"10.5555/ack"), "{flagged:?}");
    assert!(flagged.contains(&"10.5555/noaff"), "{flagged:?}");
    let ack = rows.iter().find(|r| r.doi == "10.5555/ack").unwrap();
    assert!(
        ack.dod_evidence.contains("acknowledgment (publisher page)"),
        "{}",
        ack.dod_evidence
    );
    assert!(ack.dod_evidence.contains("N00014-21-1-2345"));
    let noaff = rows.iter().find(|r| r.doi == "10.5555/noaff").unwrap();
    assert!(
        noaff.china_evidence.contains("pages author"),
        "{}",
        noaff.china_evidence
    );
    assert!(noaff.sources.contains("pages"));
    let (final_url, status): (String, i64) = conn
        .conn()
        .query_row(
            "SELECT d.final_url, d.status FROM documents d JOIN works w ON w.id = d.work_id
             WHERE w.doi = '10.5555/ack'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(final_url.ends_with("/articles/ack/full"), "{final_url}");
    assert_eq!(status, 200);
    let truncated: i64 = conn
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM scan_errors WHERE kind = 'page-truncated'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(truncated, 1);
    drop(conn);

    // Nothing is fetched twice: every page has its answer stored.
    let again = scan::run(&db, o.clone()).await.unwrap();
    assert_eq!(again.sources[0].requests, 0, "{again}");

    // --refresh reads again the pages of works still in question (the flagged ones are not);
    // unchanged pages (same hash) change nothing.
    o.refresh = true;
    let refreshed = scan::run(&db, o).await.unwrap();
    assert_eq!(
        refreshed.sources[0].works, 1,
        "only the huge page's work is still open: {refreshed}"
    );
    assert_eq!(
        (refreshed.classified, refreshed.new_flags),
        (0, 0),
        "{refreshed}"
    );
}

#[tokio::test]
async fn the_budget_leaves_the_rest_for_the_next_run_and_says_so() {
    let resolver = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&resolver)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    {
        let mut store = Db::open(
            &db,
            Access::Write {
                command: "test",
                wait: false,
                create: true,
            },
        )
        .unwrap();
        let run = store
            .begin_run("2023-06-01", "2025-06-30", "crossref")
            .unwrap();
        let records: Vec<WorkRecord> = (0..5)
            .map(|i| work(&format!("10.5555/w{i}"), true, false))
            .collect();
        store
            .save_page(&Page {
                run_id: run,
                source: Source::Crossref,
                shard: "test",
                checkpoint: Checkpoint::default(),
                records: &records,
            })
            .unwrap();
    }
    let mut o = options(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        &[Source::Publisher],
    );
    o.pages.resolver = resolver.uri();
    o.ack_budget = 2;
    let s = scan::run(&db, o.clone()).await.unwrap();
    assert!(
        s.sources[0]
            .note
            .as_deref()
            .unwrap_or("")
            .contains("3 candidates left for later runs (--ack-budget 2)"),
        "{s}"
    );
    let s = scan::run(&db, o.clone()).await.unwrap();
    assert!(
        s.sources[0]
            .note
            .as_deref()
            .unwrap_or("")
            .contains("1 candidate left for later runs"),
        "{s}"
    );
    let s = scan::run(&db, o).await.unwrap();
    assert!(
        !s.sources[0].note.as_deref().unwrap_or("").contains("left"),
        "{s}"
    );
}
