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
    let input = foreign
        .iter()
        .chain(&us)
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
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
    assert!(
        !dod.classify_name("U.S. Department of Defense", false)
            .is_empty()
    );
}

/// A Crossref record of a DoD-funded paper with the given funder entries and affiliations.
fn crossref_work(
    doi: &str,
    funders: serde_json::Value,
    affiliations: &[&str],
) -> xrefscan::model::WorkRecord {
    let authors: Vec<serde_json::Value> = affiliations
        .iter()
        .enumerate()
        .map(|(i, a)| serde_json::json!({"given": "A", "family": format!("Author{i}"), "affiliation": [{"name": a}]}))
        .collect();
    let item = serde_json::json!({
        "DOI": doi, "title": [format!("Paper {doi}")], "issued": {"date-parts": [[2024, 5]]},
        "type": "journal-article", "author": authors, "funder": funders,
    });
    xrefscan::sources::crossref::parse_item(&item.to_string()).unwrap()
}

/// A database holding `records` (as Crossref pages), classified.
async fn classified(
    records: Vec<xrefscan::model::WorkRecord>,
) -> (tempfile::TempDir, std::path::PathBuf) {
    use xrefscan::store::{Access, Checkpoint, Db, Page};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.sqlite");
    let create = Access::Write {
        command: "test",
        wait: false,
        create: true,
    };
    let mut db = Db::open(&path, create).unwrap();
    let run = db
        .begin_run("2024-01-01", "2024-12-31", "crossref")
        .unwrap();
    db.save_page(&Page {
        run_id: run,
        source: Source::Crossref,
        shard: "test",
        checkpoint: Checkpoint::default(),
        records: &records,
    })
    .unwrap();
    let db = db.shared();
    xrefscan::scan::reclassify(&db, Default::default(), false)
        .await
        .unwrap();
    (dir, path)
}

#[tokio::test]
async fn issue13_2_every_component_has_a_real_name_at_one_granularity() {
    let (_dir, db) = classified(vec![
        crossref_work(
            "10.5555/onr-global",
            serde_json::json!([{"DOI": "10.13039/100007297", "name": "ONR Global", "award": ["N62909-21-1-2033"]}]),
            &["School of Physics, Peking University, Beijing 100871, China"],
        ),
        crossref_work(
            "10.5555/army",
            serde_json::json!([{"name": "U.S. Army"}, {"name": "Army Research Office", "award": ["W911NF-20-1-0123"]}]),
            &["Fudan University, Shanghai, China"],
        ),
        crossref_work(
            "10.5555/osd",
            serde_json::json!([{"name": "OSD"}, {"name": "Office of the Secretary of Defense"}]),
            &["Zhejiang University, Hangzhou, China"],
        ),
    ])
    .await;
    let conn = rusqlite::Connection::open(&db).unwrap();
    let components = |doi: &str| -> String {
        conn.query_row(
            "SELECT dod_components FROM flagged_papers WHERE doi = ?1",
            [doi],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(
        components("10.5555/onr-global"),
        "Navy › Office of Naval Research Global"
    );
    assert_eq!(
        components("10.5555/army"),
        "Army › Army Research Office",
        "the service alone gives way"
    );
    assert_eq!(
        components("10.5555/osd"),
        "Office of the Secretary of Defense",
        "one name for OSD"
    );
    // Every component of the reference tables has a real name and a service, and no name can
    // be split by the list separator.
    for row in xrefscan::reference::rows(xrefscan::reference::DOD_FUNDERS_CSV) {
        let label = xrefscan::classify::dod::component_label(&row["name"], &row["component_group"]);
        assert!(
            !label.contains(';') && !label.contains("not shown"),
            "{label}"
        );
        let service = label.split(" › ").next().unwrap();
        assert!(
            xrefscan::classify::dod::SERVICES.contains(&service),
            "{label}"
        );
    }
    drop(conn);
    let out = xrefscan(&db)
        .args(["query", "flagged_by_component", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
}

#[tokio::test]
async fn issue13_3_an_institution_is_counted_once_however_it_is_written() {
    let (_dir, db) = classified(vec![
        crossref_work(
            "10.5555/cuhk1",
            serde_json::json!([{"DOI": "10.13039/100000006", "name": "Office of Naval Research"}]),
            &["The Chinese University of Hong Kong"],
        ),
        crossref_work(
            "10.5555/cuhk2",
            serde_json::json!([{"DOI": "10.13039/100000006", "name": "Office of Naval Research"}]),
            &["Department of Physics, Chinese University of Hong Kong."],
        ),
        crossref_work(
            "10.5555/cuhk3",
            serde_json::json!([{"DOI": "10.13039/100000006", "name": "Office of Naval Research"}]),
            &["Chinese University of Hong Kong, Shatin, Hong Kong"],
        ),
    ])
    .await;
    let out = xrefscan(&db)
        .args(["query", "top_china_institutions", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["institution"], "Chinese University of Hong Kong");
    assert_eq!(rows[0]["flagged_papers"], 3);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let names: Vec<String> = conn
        .prepare("SELECT DISTINCT china_institutions FROM flagged_papers")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(names, ["Chinese University of Hong Kong"]);
}

#[tokio::test]
async fn issue13_4_reclassify_keeps_the_morning_list_and_an_unknown_scan_is_an_error() {
    let (dir, db) = scanned().await;
    let out = dir.path().join("new.csv");
    let rows = |args: &[&str]| -> usize {
        xrefscan(&db)
            .args(["export", "--out"])
            .arg(&out)
            .args(args)
            .assert()
            .success();
        csv::Reader::from_path(&out).unwrap().records().count()
    };
    assert_eq!(rows(&["--new-since-last-scan"]), 1);
    xrefscan(&db).arg("reclassify").assert().success();
    assert_eq!(
        rows(&["--new-since-last-scan"]),
        1,
        "reclassify is not a crawl"
    );
    xrefscan(&db)
        .args(["export", "--since-scan", "99", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("there is no scan #99"));
}

#[tokio::test]
async fn issue13_11_an_import_says_what_it_replaces_and_remove_and_restore_undo() {
    let (dir, db) = scanned().await;
    let list = dir.path().join("seven.csv");
    std::fs::write(
        &list,
        "name,aliases,detail\nExample Institute,,a test list\n",
    )
    .unwrap();
    let lists = |db: &std::path::Path| -> String {
        String::from_utf8(
            xrefscan(db)
                .arg("lists")
                .assert()
                .success()
                .get_output()
                .stdout
                .clone(),
        )
        .unwrap()
    };
    let seven_sons = |db: &std::path::Path| -> String {
        lists(db)
            .lines()
            .find(|l| l.starts_with("seven-sons "))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        seven_sons(&db).contains("bundled"),
        "the bundled Seven Sons are in force"
    );
    xrefscan(&db)
        .args(["lists", "import"])
        .arg(&list)
        .args(["--id", "seven-sons"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("replaces the bundled list")
                .and(predicate::str::contains("lists restore seven-sons")),
        );
    // A second import replaces the first, which is kept.
    xrefscan(&db)
        .args(["lists", "import"])
        .arg(&list)
        .args(["--id", "seven-sons"])
        .assert()
        .success()
        .stderr(predicate::str::contains("replaces version 1"));
    assert!(seven_sons(&db).contains("imported"), "{}", lists(&db));
    xrefscan(&db)
        .args(["lists", "history", "seven-sons"])
        .assert()
        .success()
        .stdout(predicate::str::contains("version 1").and(predicate::str::contains("version 2")));
    xrefscan(&db)
        .args(["lists", "restore", "seven-sons"])
        .assert()
        .success();
    xrefscan(&db)
        .args(["lists", "restore", "seven-sons"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "the bundled list is in force again",
        ));
    assert!(seven_sons(&db).contains("bundled"));
    // Removing a bundled list takes it out of use until it is restored.
    xrefscan(&db)
        .args(["lists", "remove", "seven-sons"])
        .assert()
        .success();
    assert!(lists(&db).contains("seven-sons: removed from use"));
    assert!(seven_sons(&db).is_empty());
    xrefscan(&db)
        .args(["lists", "restore", "seven-sons"])
        .assert()
        .success();
    assert!(!lists(&db).contains("removed from use"));
    xrefscan(&db)
        .args(["lists", "remove", "no-such-list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no list \"no-such-list\""));
}
