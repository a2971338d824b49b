//! Regression tests named after the issue item they guard (ripgrep's habit): each failed
//! before its fix.

mod common;

use common::*;
use predicates::prelude::*;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};
use xrefscan::model::Source;
use xrefscan::scan::{self, SourceStatus};

#[test]
fn issue9_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.txt");
    std::fs::write(
        &input,
        "Supported by the Office of Naval Research under grant N00014-21-1-2345.\n".repeat(20_000),
    )
    .unwrap();
    let bin = assert_cmd::cargo::cargo_bin("xrefscan");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; {:?} classify funding --stdin --format jsonl < {:?} | head -n 1 > /dev/null",
            bin, input
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "nothing on stderr"
    );
}

#[test]
fn issue9_boolean_env_vars_accept_1_0_true_false_yes_no() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    for v in ["1", "0", "true", "false", "yes", "no", "TRUE"] {
        xrefscan(&db)
            .arg("env")
            .env("XREFSCAN_QUIET", v)
            .assert()
            .success();
    }
    xrefscan(&db)
        .arg("env")
        .env("XREFSCAN_QUIET", "perhaps")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("perhaps"));
}

#[test]
fn issue9_classify_stdin_answers_every_line_so_outputs_stay_aligned() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let out = xrefscan(&db)
        .args(["classify", "funding", "--stdin", "--format", "jsonl"])
        .write_stdin("Supported by ONR grant N00014-21-1-2345.\n\nFunded by NSFC (22073073).\n   \nAFOSR FA9550-22-1-0012\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let lines: Vec<String> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(lines[0].contains("\"dod\":true"));
    assert_eq!(lines[1], "");
    assert!(lines[2].contains("\"dod\":false"));
    assert_eq!(lines[3], "");
    assert!(lines[4].contains("\"dod\":true"));
}

#[tokio::test]
async fn issue9_an_unknown_funder_id_is_a_warning_and_crossref_goes_on() {
    let cr = MockServer::start().await;
    let oa = MockServer::start().await;
    mount_openalex_defaults(&oa).await;
    mount_dod_page(&cr).await;
    Mock::given(method("GET"))
        .and(path("/funders/10.13039/100000005"))
        .respond_with(json("crossref/funder_dod.synthetic.json"))
        .mount(&cr)
        .await;
    Mock::given(method("GET"))
        .and(path("/funders/10.13039/100000005/works"))
        .respond_with(json("crossref/empty_page.synthetic.json"))
        .with_priority(10)
        .mount(&cr)
        .await;
    // Every component outside the DoD tree has been retired by the registry.
    Mock::given(method("GET"))
        .and(path_regex(r"^/funders/10\.13039/\d+/works$"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_raw(fixture("crossref/not_found_404.txt"), "text/plain"),
        )
        .with_priority(20)
        .mount(&cr)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let s = scan::run(&db, options(&cr.uri(), &oa.uri(), &[Source::Crossref]))
        .await
        .unwrap();
    assert_eq!(s.sources[0].status, SourceStatus::Ok, "{s}");
    assert_eq!(
        s.sources[0].errors, 0,
        "a 404 is an answer, not an error: {s}"
    );
    assert_eq!(s.flagged, 1, "{s}");
    let unknown = count(
        &db,
        "SELECT COUNT(*) FROM scan_errors WHERE kind = 'unknown-funder' AND message LIKE 'funder 10.13039/%'",
    );
    assert!(unknown > 5, "one warning per retired id: {unknown}");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(DISTINCT message) FROM scan_errors WHERE kind = 'unknown-funder'"
        ),
        unknown,
        "each id once"
    );
}

#[tokio::test]
async fn issue9_a_refused_request_names_the_source_and_never_shows_the_key() {
    let cr = MockServer::start().await;
    let oa = MockServer::start().await;
    mount_crossref_defaults(&cr).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_raw(
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
    assert!(msg.contains("openalex refused the request"), "{msg}");
    assert!(msg.contains("OPENALEX_API_KEY"), "{msg}");
    assert!(
        !msg.contains("TEST-KEY-123") && !msg.contains("api_key"),
        "{msg}"
    );
    // The key did go with every request, added by the client.
    assert!(
        oa.received_requests().await.unwrap().iter().all(|r| r
            .url
            .query()
            .unwrap_or("")
            .contains("api_key=TEST-KEY-123"))
    );
}

#[test]
fn issue9_env_lists_every_variable_from_the_flags_own_help() {
    let dir = tempfile::tempdir().unwrap();
    xrefscan(&dir.path().join("x.sqlite"))
        .arg("env")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("XREFSCAN_WAIT")
                .and(predicate::str::contains("wait for it instead of failing"))
                .and(predicate::str::contains("XREFSCAN_SHARD_DAYS"))
                .and(predicate::str::contains("[default: 31]"))
                .and(predicate::str::contains("XREFSCAN_LOG ")),
        );
}

#[test]
fn issue13_1_a_department_of_defense_of_another_country_is_not_the_us_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let foreign = [
        "We acknowledge support from the Department of Defense of Australia.",
        "This work was funded by the Department of Defense, Republic of Korea.",
        "Supported by the Department of Defense (Taiwan) under grant 110-2221-E.",
        "Funded by the Australian Department of Defence.",
        "This research was supported by the Israeli Department of Defense.",
        "Financial support from the Department of National Defence of Canada is acknowledged.",
    ];
    let us = [
        "Supported by the U.S. Department of Defense under grant W911NF-20-1-0123.",
        "Supported by the Department of Defense, Australian Research Council and NSF.",
        "Funded by the Department of Defense (USA).",
    ];
    let input = foreign.iter().chain(&us).copied().collect::<Vec<_>>().join("\n");
    let out = xrefscan(&db)
        .args(["classify", "funding", "--stdin", "--format", "jsonl"])
        .write_stdin(input)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let answers: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (text, a) in foreign.iter().zip(&answers) {
        assert_eq!(a["dod"], false, "{text}: {a}");
    }
    for (text, a) in us.iter().zip(&answers[foreign.len()..]) {
        assert_eq!(a["dod"], true, "{text}: {a}");
    }
    // The same names as funder records.
    let dod = xrefscan::classify::dod::DodClassifier::new();
    for name in [
        "Department of Defense, Republic of Korea",
        "Department of Defense of Australia",
        "Taiwanese Department of Defense",
    ] {
        assert!(dod.classify_name(name, false).is_empty(), "{name}");
    }
    assert!(!dod.classify_name("U.S. Department of Defense", false).is_empty());
}
