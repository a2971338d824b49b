//! The one support module of the tests: recorded fixtures and the local servers that replay
//! them, fast scan options, running the binary — and the imitations, split by what they
//! imitate (`imitation/`: Crossref, OpenAlex, Europe PMC, publishers and an open-access host
//! over a generated corpus with a clock; `usaspending.rs`). Each test binary takes what it
//! needs (`mod common;`); benches and the demo include the imitations by path.
#![allow(dead_code)]

pub mod imitation;
pub mod usaspending;

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Duration;
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};
use xrefscan::model::Source;
use xrefscan::scan::ScanOptions;
use xrefscan::sources::http::{ClientConfig, Limits};
use xrefscan::sources::pages::PagesConfig;

pub fn fixture_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

pub fn fixture(rel: &str) -> String {
    std::fs::read_to_string(fixture_path(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// A JSON response with the recorded body, as the API sends it.
pub fn json(rel: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(rel), "application/json")
}

pub fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Options for a scan against local servers: fast limits and short back-off.
pub fn options(crossref: &str, openalex: &str, sources: &[Source]) -> ScanOptions {
    let fast = |requests_per_second: f64, concurrency: usize| Limits {
        requests_per_second,
        concurrency,
    };
    let mut o = ScanOptions::default().with_mailto("staff@example.org");
    o.window = xrefscan::model::Window::new(date("2023-06-01"), date("2025-06-30")).unwrap();
    o.sources = sources.to_vec();
    o.crossref.base_url = crossref.to_string();
    o.crossref.shard_days = 10_000;
    o.crossref_limits = fast(50.0, 3);
    o.openalex.base_url = openalex.to_string();
    o.openalex.api_key = Some("TEST-KEY-123".into());
    o.openalex.batch = 50;
    o.openalex_limits = fast(50.0, 5);
    o.europepmc.base_url = "http://127.0.0.1:9/unused".into();
    o.europepmc.email = None;
    o.europepmc_limits = fast(50.0, 2);
    o.fulltext_budget = 100;
    o.awards.cfg.base_url = "http://127.0.0.1:9/unused".into();
    o.awards.limits = fast(50.0, 2);
    o.awards.budget = 10_000;
    o.pages = PagesConfig {
        resolver: "http://127.0.0.1:9".into(),
        per_host: fast(20.0, 2),
        resolver_limits: fast(20.0, 2),
        user_agent: "xrefscan-test (mailto:staff@example.org)".into(),
        timeout: Duration::from_secs(5),
        max_bytes: 1024 * 1024,
        max_pdf_bytes: 4 * 1024 * 1024,
        pdf_timeout: Duration::from_secs(10),
        max_redirects: 10,
        max_attempts: 3,
    };
    o.ack_budget = 50;
    o.sweep = false;
    o.client = ClientConfig {
        user_agent: "xrefscan-test".into(),
        timeout: Duration::from_secs(5),
        max_attempts: 4,
        max_retry_after: Duration::from_secs(30),
        min_backoff: Duration::from_millis(20),
    };
    o
}

/// The DoD funder record, and an empty page for every funder route nothing else answers.
pub async fn mount_crossref_defaults(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/funders/10.13039/100000005"))
        .respond_with(json("crossref/funder_dod.synthetic.json"))
        .with_priority(10)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/funders/10\.13039/\d+/works$"))
        .respond_with(json("crossref/empty_page.synthetic.json"))
        .with_priority(20)
        .mount(server)
        .await;
    // The window's works with funder metadata (the name route): none beyond the funder route.
    Mock::given(method("GET"))
        .and(path("/works"))
        .respond_with(json("crossref/empty_page.synthetic.json"))
        .with_priority(20)
        .mount(server)
        .await;
}

/// OpenAlex that knows the DoD funders and has no works.
pub async fn mount_openalex_defaults(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/funders"))
        .respond_with(json("openalex/funders_dod.synthetic.json"))
        .with_priority(10)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/works"))
        .respond_with(json("openalex/empty_page.synthetic.json"))
        .with_priority(20)
        .mount(server)
        .await;
}

/// The recorded DoD works page as the whole answer of a window: the recording is the first
/// page of 183,039 works, so its `total-results` is set to the items it holds (a Crossref
/// crawl is done only when it has every record announced).
pub fn dod_page_whole() -> ResponseTemplate {
    let mut page: serde_json::Value =
        serde_json::from_str(&fixture("crossref/dod_works_page.json")).unwrap();
    let n = page["message"]["items"].as_array().unwrap().len();
    page["message"]["total-results"] = serde_json::json!(n);
    ResponseTemplate::new(200).set_body_raw(page.to_string(), "application/json")
}

/// The recorded DoD works page at the first cursor of the DoD route.
pub async fn mount_dod_page(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/funders/10.13039/100000005/works"))
        .and(query_param("cursor", "*"))
        .respond_with(dod_page_whole())
        .with_priority(5)
        .mount(server)
        .await;
}

pub fn count(db: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Every row of every data table, for "nothing changed" comparisons.
pub fn snapshot(db: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut out = Vec::new();
    for (table, cols) in [
        (
            "works",
            "doi, openalex_id, title, publication_date, venue, first_seen_at, updated_at",
        ),
        ("source_records", "work_id, source, raw_json, fetched_at"),
        ("authorships", "*"),
        ("affiliations", "*"),
        ("funders", "*"),
        ("awards", "*"),
        (
            "flags",
            "work_id, active, first_flagged_at, dod_components, dod_evidence, china_evidence, updated_at",
        ),
        ("flag_evidence", "work_id, kind, source, summary"),
    ] {
        let mut st = c
            .prepare(&format!("SELECT {cols} FROM {table} ORDER BY 1, 2"))
            .unwrap();
        let n = st.column_count();
        let rows = st
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap();
        for row in rows {
            out.push(format!("{table}: {}", row.unwrap()));
        }
    }
    out
}

/// The binary with a clean environment, the metadata sources only.
pub fn xrefscan(db: &Path) -> Command {
    let mut c = Command::cargo_bin("xrefscan").unwrap();
    // The metadata sources only: Europe PMC and publisher pages have their own tests.
    c.env_clear()
        .env("XREFSCAN_DB", db)
        .env("XREFSCAN_SOURCES", "crossref,openalex")
        .env("NO_COLOR", "1");
    c
}

/// `xrefscan classify funding --stdin --format jsonl` over `input`: its output lines (one
/// per input line, an empty input line answered by an empty line).
pub fn classify_funding_lines(db: &Path, input: impl Into<Vec<u8>>) -> Vec<String> {
    let out = xrefscan(db)
        .args(["classify", "funding", "--stdin", "--format", "jsonl"])
        .write_stdin(input.into())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The same, each answer read as JSON (for inputs without empty lines).
pub fn classify_funding(db: &Path, input: impl Into<Vec<u8>>) -> Vec<serde_json::Value> {
    classify_funding_lines(db, input)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Start `cmd` (a scan), send it `signal` (`-INT`, `-TERM`) after `after`, and wait for it.
pub async fn interrupt(
    mut cmd: std::process::Command,
    signal: &str,
    after: Duration,
) -> std::process::Output {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(after).await;
    std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap()
}

/// A database scanned from the recorded DoD page, through the binary.
pub async fn scanned() -> (tempfile::TempDir, std::path::PathBuf) {
    let cr = MockServer::start().await;
    let oa = MockServer::start().await;
    mount_crossref_defaults(&cr).await;
    mount_openalex_defaults(&oa).await;
    mount_dod_page(&cr).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nested/folder/x.sqlite");
    let (cru, oau, db2) = (cr.uri(), oa.uri(), db.clone());
    tokio::task::spawn_blocking(move || {
        xrefscan(&db2)
            .args(["scan", "--from", "2000-01-01", "--to", "2026-06-30"])
            .env("XREFSCAN_CROSSREF_URL", cru)
            .env("XREFSCAN_OPENALEX_URL", oau)
            .env("XREFSCAN_MAILTO", "staff@example.org")
            .env("OPENALEX_API_KEY", "SECRET-KEY-999")
            .env("XREFSCAN_OPENALEX_RPS", "50")
            .env("XREFSCAN_CROSSREF_RPS", "50")
            .env("XREFSCAN_SHARD_DAYS", "20000")
            .assert()
            .success()
            .stdout(predicate::str::contains(
                "flagged (DoD ∧ China-based coauthor): 1 (1 new)",
            ))
            .stdout(predicate::str::contains("crossref"))
            .stderr(predicate::str::contains("SECRET-KEY-999").not());
    })
    .await
    .unwrap();
    // The API key is in no stored byte either (database, WAL).
    for entry in std::fs::read_dir(db.parent().unwrap()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(14).any(|w| w == b"SECRET-KEY-999"),
            "the API key leaked into the database files"
        );
    }
    (dir, db)
}
