//! Regression tests named after the issue item they guard (ripgrep's habit): each failed
//! before its fix.

mod common;

use common::*;
use predicates::prelude::*;
use wiremock::matchers::{method, path, path_regex, query_param_contains};
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
    let lines = classify_funding_lines(
        &db,
        "Supported by ONR grant N00014-21-1-2345.\n\nFunded by NSFC (22073073).\n   \nAFOSR FA9550-22-1-0012\n",
    );
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
    Mock::given(method("GET"))
        .and(path("/works"))
        .respond_with(json("crossref/empty_page.synthetic.json"))
        .mount(&cr)
        .await;
    // Every component outside the DoD tree has been retired by the registry: the combined
    // query is refused, and each id asked on its own is not found.
    Mock::given(method("GET"))
        .and(path("/works"))
        .and(query_param_contains("filter", "funder:10.13039/"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            r#"{"status":"failed","message-type":"validation-failure","message":[{"type":"filter-value-invalid","value":"funder","message":"Funder id not found"}]}"#,
            "application/json",
        ))
        .with_priority(1)
        .mount(&cr)
        .await;
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
                .and(predicate::str::contains("[default: 0]"))
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
    let answers = classify_funding(&db, input);
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

#[tokio::test]
async fn issue13_5_sigterm_stops_a_scan_like_ctrl_c_and_the_run_is_marked_interrupted() {
    let cr = MockServer::start().await;
    let oa = MockServer::start().await;
    mount_crossref_defaults(&cr).await;
    mount_openalex_defaults(&oa).await;
    mount_dod_page(&cr).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let mut scan = std::process::Command::new(assert_cmd::cargo::cargo_bin("xrefscan"));
    scan.env_clear()
        .env("XREFSCAN_DB", &db)
        .env("XREFSCAN_SOURCES", "crossref,openalex")
        .env("XREFSCAN_CROSSREF_URL", cr.uri())
        .env("XREFSCAN_OPENALEX_URL", oa.uri())
        .env("XREFSCAN_CROSSREF_RPS", "1")
        .env("XREFSCAN_SHARD_DAYS", "20000")
        .args(["scan", "--from", "2000-01-01", "--to", "2026-06-30"]);
    let out = interrupt(scan, "-TERM", std::time::Duration::from_millis(2500)).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("interrupted (SIGTERM)"), "{stderr}");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM scan_runs WHERE status = 'interrupted' AND message LIKE '%SIGTERM%'"
        ),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM scan_runs WHERE status = 'running'"
        ),
        0
    );
}

#[tokio::test]
async fn issue13_5_and_21_8_a_run_left_running_by_a_dead_process_is_a_notice() {
    let (_dir, db) = scanned().await;
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO scan_runs (started_at, from_date, to_date, sources, status)
         VALUES ('2026-12-01T02:30:00Z', '2026-11-01', '2026-12-01', 'crossref', 'running')",
        [],
    )
    .unwrap();
    drop(conn);
    let mut lock = db.as_os_str().to_owned();
    lock.push(".lock");
    std::fs::write(&lock, "scan, pid 4194303, since 2026-12-01T02:30:00Z").unwrap();
    // Issue 21 (8): the next scan repairs it, so doctor gives notice and the command that
    // clears it, and no alarm.
    xrefscan(&db).arg("doctor").assert().code(0).stdout(
        predicate::str::contains("notice: left running by a process that died")
            .and(predicate::str::contains("xrefscan reclassify"))
            .and(predicate::str::contains("PROBLEMS FOUND").not())
            .and(predicate::str::contains("healthy")),
    );
    // While a live writer holds the lock, a run marked running is a scan going on.
    let _held = xrefscan::store::Db::open(&db, xrefscan::store::Access::write("scan")).unwrap();
    xrefscan(&db).arg("doctor").assert().success().stdout(
        predicate::str::contains("a scan is going on").and(predicate::str::contains("healthy")),
    );
}

/// What a terminal would have been sent, one operation at a time.
#[derive(Debug, Default)]
struct Recorder(std::sync::Mutex<Vec<String>>);

impl Recorder {
    fn ops(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
    fn push(&self, op: String) -> std::io::Result<()> {
        self.0.lock().unwrap().push(op);
        Ok(())
    }
}

impl indicatif::TermLike for Recorder {
    fn width(&self) -> u16 {
        160
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.push(format!("up {n}"))
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.push(format!("down {n}"))
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.push(format!("line {s}"))
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.push(format!("str {s}"))
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.push("clear".into())
    }
    fn flush(&self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn issue13_7_every_request_moves_its_bar_and_the_bars_end_before_the_summary() {
    let server = MockServer::start().await;
    let delay = std::time::Duration::from_millis(40);
    Mock::given(method("GET"))
        .and(path("/search"))
        .and(wiremock::matchers::query_param("cursorMark", "*"))
        .respond_with(json("europepmc/search_cancer_core.json").set_delay(delay))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/search"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(
                    r#"{"hitCount": 25, "nextCursorMark": "AoIIP4ZawSg1MzEyODI1MA==", "resultList": {"result": []}}"#,
                    "application/json",
                )
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    // No full text exists: each is an expected answer, not an error.
    Mock::given(method("GET"))
        .and(path_regex(r"^/PMC\d+/fullTextXML$"))
        .respond_with(ResponseTemplate::new(404).set_delay(delay))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let recorder = std::sync::Arc::new(Recorder::default());
    let mut o = options(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        &[Source::EuropePmc],
    );
    o.europepmc.base_url = server.uri();
    o.europepmc_limits.concurrency = 1;
    o.progress = xrefscan::scan::ProgressTo::Term(recorder.clone());
    let s = scan::run(&dir.path().join("x.sqlite"), o).await.unwrap();
    let asked = server.received_requests().await.unwrap().len() as u64;
    let full_texts = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("fullTextXML"))
        .count();
    assert!(
        full_texts >= 5,
        "the page has open-access records: {full_texts}"
    );
    assert_eq!(s.sources[0].requests, asked, "{s}");
    assert_eq!(s.sources[0].errors, 0, "expected 404s are not errors: {s}");
    // The bar counted the requests as they left, through the full texts.
    let counts: std::collections::BTreeSet<u64> = recorder
        .ops()
        .iter()
        .filter(|op| op.contains("europepmc"))
        .filter_map(|op| {
            let (before, _) = op.split_once(" requests")?;
            before.rsplit(' ').next()?.parse().ok()
        })
        .collect();
    assert!(
        counts.len() as u64 >= asked / 2 && counts.last() == Some(&asked),
        "request counts drawn: {counts:?} of {asked}"
    );
    // Issue 21 (15): a phase whose total is known shows it, with the time left.
    let ops = recorder.ops();
    let full_text_lines: Vec<&String> = ops
        .iter()
        .filter(|op| op.contains("europepmc") && op.contains("full texts read"))
        .collect();
    assert!(
        full_text_lines
            .iter()
            .any(|op| op.contains(&format!("/{full_texts}")) && op.contains("left]")),
        "the full-text phase shows its total and time left: {:?}",
        full_text_lines.last()
    );
    // Nothing of the bars is left on screen when the summary is printed.
    let last_line = ops
        .iter()
        .rposition(|op| op.starts_with("line ") || op.starts_with("str "))
        .unwrap();
    assert!(
        ops[last_line + 1..].iter().any(|op| op == "clear"),
        "the bars are cleared at the end: {:?}",
        &ops[last_line.saturating_sub(3)..]
    );
}

#[tokio::test]
async fn issue13_8_the_summary_adds_up_and_says_what_each_figure_counts() {
    let cr = MockServer::start().await;
    let oa = MockServer::start().await;
    mount_crossref_defaults(&cr).await;
    mount_openalex_defaults(&oa).await;
    mount_dod_page(&cr).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let o = options(&cr.uri(), &oa.uri(), &[Source::Crossref, Source::OpenAlex]);
    let s = scan::run(&db, o.clone()).await.unwrap();
    let text = s.to_string();
    assert!(s.classified <= s.works_total, "{text}");
    assert_eq!(
        s.sources[0].works as i64,
        count(
            &db,
            "SELECT COUNT(*) FROM source_records WHERE source = 'crossref'"
        ),
        "records returned = records stored on a first run: {text}"
    );
    assert!(
        text.contains("records returned") && text.contains("works classified this scan"),
        "{text}"
    );
    // A second run fetches nothing from finished crawls and says so.
    let again = scan::run(&db, o).await.unwrap();
    assert_eq!(again.sources[0].works, 0, "{again}");
    assert_eq!(again.classified, 0, "{again}");
    // A failure is one short line, prefixed once.
    let bad = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>Internal error</html>"))
        .mount(&bad)
        .await;
    let mut o = options(&bad.uri(), &oa.uri(), &[Source::Crossref]);
    o.client.max_attempts = 1;
    o.crossref.shard_days = 10_000;
    let failed = scan::run(&dir.path().join("y.sqlite"), o).await.unwrap();
    let SourceStatus::Failed(msg) = &failed.sources[0].status else {
        panic!("{failed}")
    };
    assert!(msg.len() < 300, "one short line: {msg}");
    assert!(
        !failed.to_string().contains("crossref: crossref:"),
        "{failed}"
    );
    let stored: String = rusqlite::Connection::open(dir.path().join("y.sqlite"))
        .unwrap()
        .query_row("SELECT message FROM scan_runs", [], |r| r.get(0))
        .unwrap();
    assert!(!stored.contains("crossref: crossref:"), "{stored}");
    assert_eq!(
        failed.sources[0].errors as i64,
        count(
            &dir.path().join("y.sqlite"),
            "SELECT COUNT(*) FROM scan_errors WHERE kind <> 'unknown-funder'"
        ),
        "every error counted is recorded: {failed}"
    );
}

#[test]
fn issue13_6_redirected_logs_carry_no_colour_and_json_runs_print_json_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let scan = |json: bool| {
        let mut c = xrefscan(&db);
        c.env_remove("NO_COLOR")
            .args(["scan", "--from", "2024-01-01", "--to", "2024-01-31"])
            .env("XREFSCAN_CROSSREF_URL", "http://127.0.0.1:9")
            .env("XREFSCAN_OPENALEX_URL", "http://127.0.0.1:9")
            .env("XREFSCAN_MAX_RETRIES", "1")
            .env("XREFSCAN_CROSSREF_RPS", "100")
            .env("XREFSCAN_TIMEOUT", "2");
        if json {
            c.args(["--log-format", "json"]);
        }
        c.assert().code(1).get_output().clone()
    };
    let text = scan(false);
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(
        stderr.contains("WARN") || stderr.contains("ERROR"),
        "there are log lines: {stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "no colour codes in a redirected log: {stderr}"
    );
    let json = scan(true);
    let summary: serde_json::Value = serde_json::from_slice(&json.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&json.stdout)));
    assert_eq!(
        summary["status"], "failed",
        "every source failed (issue 21 (3))"
    );
    assert!(summary["sources"].as_array().unwrap().len() == 2);
    for line in String::from_utf8_lossy(&json.stderr).lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"));
    }
}

#[test]
fn issue13_9_write_commands_at_a_mistyped_db_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("xrefscna.sqlite");
    for args in [
        vec!["review", "10.1039/d2fd00050d", "--status", "dismissed"],
        vec!["override", "region", "Dept. X, Somewhere", "OTHER"],
        vec!["reclassify"],
        vec!["lists", "remove", "seven-sons"],
    ] {
        xrefscan(&typo)
            .args(&args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "only `xrefscan scan` creates a database",
            ));
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file, no lock"
    );
}

#[test]
fn issue13_10_classify_stdin_answers_a_bad_line_with_its_number_and_long_lines_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let mut input = b"Supported by ONR grant N00014-21-1-2345.\n".to_vec();
    input.extend_from_slice(b"Funded by \xff\xfe the Army.\n");
    input.extend_from_slice(b"AFOSR FA9550-22-1-0012\n");
    let lines = classify_funding(&db, input);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["line"], 2);
    assert!(lines[1]["error"].as_str().unwrap().contains("not UTF-8"));
    assert_eq!(
        lines[2]["dod"], true,
        "the batch goes on after the bad line"
    );
    // One long line without a full stop (a page's worth): every award in it is found. The
    // speed is measured by `cargo bench` (growth ratio), not here.
    let sentence = "supported by the Office of Naval Research under grant N00014-21-1-2345, ";
    let text = sentence.repeat((2 << 20) / sentence.len());
    let found = xrefscan::classify::dod::DodClassifier::new().classify_text(&text);
    assert_eq!(found.awards.len(), (2 << 20) / sentence.len());
}

#[tokio::test]
async fn issue13_12_overrides_name_listed_entities_match_any_punctuation_and_show_in_evidence() {
    let beihang = "School of Astronautics, Beihang University, Beijing 100191, China";
    let boston = "Department of Physics, Northeastern University, Boston, MA.";
    let (_dir, db) = classified(vec![
        crossref_work(
            "10.5555/beihang",
            serde_json::json!([{"DOI": "10.13039/100000006", "name": "Office of Naval Research"}]),
            &[beihang],
        ),
        crossref_work(
            "10.5555/boston",
            serde_json::json!([{"DOI": "10.13039/100000006", "name": "Office of Naval Research"}]),
            &[boston, "Fudan University, Shanghai, China"],
        ),
    ])
    .await;
    // An entity on no list is refused.
    xrefscan(&db)
        .args([
            "override",
            "entity",
            beihang,
            "Example Defence Lab",
            "--add",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is on no entity list in force"));
    // Removing a list match shows in the export's evidence.
    xrefscan(&db)
        .args([
            "override",
            "entity",
            beihang,
            "Beihang University",
            "--note",
            "visiting only",
        ])
        .assert()
        .success();
    // A correction typed without the final full stop still applies to the stored string.
    xrefscan(&db)
        .args([
            "override",
            "region",
            "Department of Physics, Northeastern University, Boston, MA",
            "OTHER",
        ])
        .assert()
        .success();
    xrefscan(&db).arg("reclassify").assert().success();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (evidence, hits): (String, String) = conn
        .query_row(
            "SELECT china_evidence, entity_hits FROM flagged_papers WHERE doi = '10.5555/beihang'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(
        evidence.contains(
            "entity match removed: Beihang University (reviewer override: visiting only)"
        ),
        "{evidence}"
    );
    assert!(!hits.contains("Beihang"), "{hits}");
    let boston_evidence: String = conn
        .query_row(
            "SELECT china_evidence FROM flagged_papers WHERE doi = '10.5555/boston'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        !boston_evidence.contains("Northeastern"),
        "{boston_evidence}"
    );
    drop(conn);
    // `classify affiliation` with this database applies its corrections and says so.
    xrefscan(&db)
        .args(["classify", "affiliation", boston])
        .assert()
        .success()
        .stderr(predicate::str::contains("reviewer override(s)"))
        .stdout(
            predicate::str::contains("region: OTHER")
                .and(predicate::str::contains("override: region OTHER")),
        );
}

#[tokio::test]
async fn issue13_13_exports_to_stdout_infer_their_format_and_write_typed_json() {
    let (dir, db) = scanned().await;
    // `--out -` writes to standard output.
    let out = xrefscan(&db)
        .args(["export", "--format", "csv", "--out", "-"])
        .assert()
        .success()
        .stderr(predicate::str::contains("to standard output"))
        .get_output()
        .stdout
        .clone();
    assert!(
        String::from_utf8(out)
            .unwrap()
            .starts_with("doi,title,publication_date,")
    );
    // The extension says the format; a contradiction is refused.
    let xlsx = dir.path().join("list.xlsx");
    xrefscan(&db)
        .args(["export", "--out"])
        .arg(&xlsx)
        .assert()
        .success();
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    xrefscan(&db)
        .args(["export", "--format", "csv", "--out"])
        .arg(dir.path().join("list2.xlsx"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not match"));
    // JSON: numbers, arrays, whole dates with their precision.
    let out = xrefscan(&db)
        .args(["export", "--format", "json", "--out", "-"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    let r = &rows[0];
    assert!(r["tier"].is_number(), "{r}");
    for list in [
        "dod_components",
        "award_numbers",
        "china_regions",
        "sources",
        "dod_evidence",
    ] {
        assert!(r[list].is_array(), "{list}: {r}");
    }
    assert_eq!(r["china_regions"], serde_json::json!(["CN"]));
    let date = r["publication_date"].as_str().unwrap();
    assert_eq!(date.len(), 10, "a whole date: {date}");
    assert!(["day", "month", "year"].contains(&r["publication_date_precision"].as_str().unwrap()));
    // --exclude-dismissed leaves the dismissed paper out.
    let doi = r["doi"].as_str().unwrap().to_string();
    xrefscan(&db)
        .args(["review", &doi, "--status", "dismissed", "--note", "US-only"])
        .assert()
        .success();
    let out = xrefscan(&db)
        .args([
            "export",
            "--exclude-dismissed",
            "--format",
            "json",
            "--out",
            "-",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    assert!(rows.is_empty());
}

#[tokio::test]
async fn issue13_14_query_lists_user_queries_and_refuses_a_missing_folder_or_empty_sql() {
    let (dir, db) = scanned().await;
    let mine = dir.path().join("my queries");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(
        mine.join("onr_papers.sql"),
        "-- Papers ONR funded\nSELECT doi FROM flagged_papers WHERE dod_components LIKE '%Naval%'",
    )
    .unwrap();
    xrefscan(&db)
        .args(["query", "--list", "--queries-dir"])
        .arg(&mine)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("onr_papers")
                .and(predicate::str::contains("Papers ONR funded"))
                .and(predicate::str::contains("flagged_by_component")),
        );
    xrefscan(&db)
        .args(["query", "onr_papers", "--queries-dir"])
        .arg(&mine)
        .assert()
        .success();
    xrefscan(&db)
        .args(["query", "--list", "--queries-dir"])
        .arg(dir.path().join("nope"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not exist"));
    xrefscan(&db)
        .args(["query", "--sql", ""])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the SQL is empty"));
}

#[tokio::test]
async fn issue13_15_the_command_line_says_what_is_wrong_with_the_right_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    xrefscan(&db)
        .args(["scan", "--from", "2025-02-01", "--to", "2025-01-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is after --to"));
    xrefscan(&db)
        .args(["scan", "--from", "2025-02-30", "--to", "2025-03-31"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such date"));
    xrefscan(&db).args(["classify", "funding"]).assert().code(2);
    xrefscan(&db)
        .args(["classify", "funding", "--mainland-only", "x"])
        .assert()
        .code(2);
    assert!(
        !db.exists(),
        "nothing was created by a refused command line"
    );
    // A window far in the future is worth a warning.
    xrefscan(&db)
        .args(["scan", "--from", "2099-01-01", "--to", "2099-01-31"])
        .env("XREFSCAN_CROSSREF_URL", "http://127.0.0.1:9")
        .env("XREFSCAN_OPENALEX_URL", "http://127.0.0.1:9")
        .env("XREFSCAN_MAX_RETRIES", "1")
        .env("XREFSCAN_CROSSREF_RPS", "100")
        .assert()
        .stderr(predicate::str::contains(
            "nothing has been published in it yet",
        ));
    // A file that is not SQLite is named once, and no lock is left behind.
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not a database").unwrap();
    let out = xrefscan(&notes)
        .arg("reclassify")
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("notes.txt").count(), 1, "{stderr}");
    assert!(!dir.path().join("notes.txt.lock").exists());
    assert!(
        include_str!("../.gitignore")
            .lines()
            .any(|l| l == "db/*.lock")
    );
    // A note may start with a minus sign; every override argument has help.
    let (_d, scanned_db) = scanned().await;
    xrefscan(&scanned_db)
        .args([
            "review",
            "10.1039/d2fd00050d",
            "--status",
            "needs-info",
            "--note",
            "-2+3",
        ])
        .assert()
        .success();
    xrefscan(&scanned_db)
        .args(["review", "10.1039/d2fd00050d"])
        .assert()
        .stdout(predicate::str::contains("-2+3"));
    for kind in ["region", "entity"] {
        let help = xrefscan(&db)
            .args(["override", kind, "--help"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let help = String::from_utf8(help).unwrap();
        for arg in ["<AFFILIATION>", "--note", "--by"] {
            let line = help
                .lines()
                .find(|l| l.trim_start().starts_with(arg))
                .unwrap_or_default();
            assert!(
                line.trim().len() > arg.len() + 8 || help.contains(&format!("{arg}\n          ")),
                "{kind} {arg} has no help:\n{help}"
            );
        }
    }
    // `env` shows what is set now, secrets hidden.
    xrefscan(&db)
        .arg("env")
        .env("OPENALEX_API_KEY", "SECRET-KEY-1")
        .env("XREFSCAN_SHARD_DAYS", "7")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("= \"7\"")
                .and(predicate::str::contains("(set, hidden)"))
                .and(predicate::str::contains("SECRET-KEY-1").not()),
        );
}

#[tokio::test]
async fn issue10_5_tiers_follow_how_defense_linked_the_coauthors_institution_is() {
    let onr =
        serde_json::json!([{"DOI": "10.13039/100000006", "name": "Office of Naval Research"}]);
    let (_dir, db) = classified(vec![
        crossref_work(
            "10.5555/t1",
            onr.clone(),
            &["School of Astronautics, Beihang University, Beijing 100191, China"],
        ),
        crossref_work(
            "10.5555/t2",
            onr.clone(),
            &["School of Physics, Anhui University, Hefei 230601, China"],
        ),
        crossref_work(
            "10.5555/t3",
            onr.clone(),
            &["Institute of Modern Physics, Northwest University, Xian, Shaanxi 710127, China"],
        ),
        // A namesake in the US is not China-based at all, and never matches the tracker.
        crossref_work(
            "10.5555/ns",
            onr,
            &["Department of Physics, Northeastern University, Boston, MA 02115"],
        ),
    ])
    .await;
    let conn = rusqlite::Connection::open(&db).unwrap();
    let row = |doi: &str| -> (i64, String) {
        conn.query_row(
            "SELECT tier, risk FROM flagged_papers WHERE doi = ?1",
            [doi],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let (tier, risk) = row("10.5555/t1");
    assert_eq!(tier, 1);
    assert!(
        risk.contains("Seven Sons") && risk.contains("ASPI high or very high risk"),
        "{risk}"
    );
    let (tier, risk) = row("10.5555/t2");
    assert_eq!((tier, risk.as_str()), (2, "ASPI, risk not rated"));
    assert_eq!(row("10.5555/t3"), (3, String::new()));
    let flagged: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM flagged_papers WHERE doi = '10.5555/ns'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        flagged, 0,
        "Northeastern University, Boston is not China-based"
    );
    let hits: String = conn
        .query_row(
            "SELECT entity_hits FROM flagged_papers WHERE doi = '10.5555/t1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        hits.contains("[ASPI high or very high risk; Seven Sons]") || hits.contains("[Seven Sons]"),
        "{hits}"
    );
}

#[tokio::test]
async fn issue17_3_an_import_warns_about_the_weak_aliases_it_leaves_out() {
    let (dir, db) = scanned().await;
    let list = dir.path().join("watch.csv");
    std::fs::write(
        &list,
        "name,aliases,detail\n\"Foo Widget Co., Ltd.\",Ltd.;Beijing;Foo Widget,test\n",
    )
    .unwrap();
    xrefscan(&db)
        .args(["lists", "import"])
        .arg(&list)
        .assert()
        .success()
        .stderr(
            predicate::str::contains("2 alias(es) left out")
                .and(predicate::str::contains(
                    "\"Ltd.\" of \"Foo Widget Co., Ltd.\"",
                ))
                .and(predicate::str::contains("\"Beijing\""))
                .and(predicate::str::contains("\"Foo Widget\"").not()),
        );
    // The entry still matches by its names, never by "Ltd.".
    let explain = |text: &str| -> String {
        String::from_utf8(
            xrefscan(&db)
                .args(["classify", "affiliation", text])
                .assert()
                .success()
                .get_output()
                .stdout
                .clone(),
        )
        .unwrap()
    };
    assert!(explain("Foo Widget, Shenzhen, China").contains("Foo Widget Co., Ltd."));
    assert!(!explain("Bar Gadget Co., Ltd., Shenzhen, China").contains("entity:"));
}

#[test]
fn issue17_3_the_three_wrong_matches_staff_found_are_gone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.sqlite");
    for text in [
        "State Grid International Development Co. Ltd., 100031 Beijing, China",
        "Technical Institute of Physics and Chemistry, Chinese Academy of Sciences, Beijing, China",
        "Key Laboratory of Materials Physics, Institute of Solid State Physics, HFIPS, Chinese Academy of Sciences, Hefei, China",
    ] {
        xrefscan(&db)
            .args(["classify", "affiliation", text])
            .assert()
            .success()
            .stdout(
                predicate::str::contains("China-based: yes")
                    .and(predicate::str::contains("entity:").not()),
            );
    }
    // The right ones still are.
    xrefscan(&db)
        .args([
            "classify",
            "affiliation",
            "Beijing National Laboratory for Condensed Matter Physics, Institute of Physics, Chinese Academy of Sciences, Beijing 100190, China",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("Chinese Academy of Sciences – Institute of Physics"));
}

#[tokio::test]
async fn issue17_4_each_entity_hit_says_since_when_it_is_listed_against_publication() {
    let (dir, db) = scanned().await;
    let export = || -> serde_json::Value {
        let out = dir.path().join("x.json");
        xrefscan(&db)
            .args(["export", "--format", "json", "--out"])
            .arg(&out)
            .assert()
            .success();
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
    };
    let before = export();
    let institution = before[0]["china_institutions"][0]
        .as_str()
        .unwrap()
        .to_string();
    let published = before[0]["publication_date"].as_str().unwrap().to_string();
    let list = dir.path().join("later.csv");
    std::fs::write(
        &list,
        format!("name,listed,country\n\"{institution}\",2099-01-07,China\n"),
    )
    .unwrap();
    xrefscan(&db)
        .args(["lists", "import"])
        .arg(&list)
        .assert()
        .success();
    xrefscan(&db).arg("reclassify").assert().success();
    let after = export();
    let since = after[0]["entity_listed_since"].to_string();
    assert!(
        since.contains(&format!(
            "{institution} [later]: listed 2099-01-07, after publication"
        )),
        "{since} (published {published})"
    );
    // The tier stays what the lists make it: listing later does not lower it.
    assert_eq!(after[0]["tier"], 2);
    // CSV carries the column too.
    let out = xrefscan(&db)
        .args(["export", "--out", "-"])
        .assert()
        .success();
    let csv = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(csv.lines().next().unwrap().contains("entity_listed_since"));
    assert!(csv.contains("after publication"));
}

/// The binary as another user who may not write the folder (when the tests run as root, as
/// `nobody` through setpriv; otherwise as the user itself).
fn as_reader(db: &std::path::Path) -> assert_cmd::Command {
    let bin = assert_cmd::cargo::cargo_bin("xrefscan");
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut c = if root {
        let mut c = assert_cmd::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin);
        c
    } else {
        assert_cmd::Command::new(bin)
    };
    c.env_clear()
        .env("XREFSCAN_DB", db)
        .env("NO_COLOR", "1")
        .env("HOME", "/tmp");
    c
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn issue21_1_a_read_only_copy_can_be_read_and_reads_write_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, db) = scanned().await;
    // At rest the database is one file: nothing beside it but the writers' lock.
    let folder = db.parent().unwrap();
    assert_eq!(files_in(folder), ["x.sqlite", "x.sqlite.lock"]);
    xrefscan(&db).arg("stats").assert().success();
    assert_eq!(
        files_in(folder),
        ["x.sqlite", "x.sqlite.lock"],
        "a read wrote nothing"
    );

    // A copy in a folder the reader may not write, the file read-only.
    let shared = tempfile::tempdir().unwrap();
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let ro = shared.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let copy = ro.join("copy.sqlite");
    std::fs::copy(&db, &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    for args in [
        vec!["stats"],
        vec!["export", "--out", "-"],
        vec!["query", "flagged_papers"],
        vec!["doctor"],
        vec!["lists"],
    ] {
        as_reader(&copy)
            .args(&args)
            .assert()
            .success()
            .stderr(predicate::str::contains("readonly").not());
    }
    assert_eq!(
        files_in(&ro),
        ["copy.sqlite"],
        "the readers wrote nothing beside it"
    );
    // Writing to it is refused as the permissions problem it is.
    as_reader(&copy)
        .arg("reclassify")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("permissions problem"));
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test]
async fn issue21_2_another_programs_sqlite_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app.sqlite");
    {
        let c = rusqlite::Connection::open(&app).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode=WAL; CREATE TABLE users (id INTEGER, name TEXT); INSERT INTO users VALUES (1, 'a');",
        )
        .unwrap();
    }
    let before = std::fs::read(&app).unwrap();
    let listing = files_in(dir.path());
    for args in [
        vec!["stats"],
        vec!["reclassify"],
        vec!["export", "--out", "-"],
    ] {
        xrefscan(&app).args(&args).assert().code(1).stderr(
            predicate::str::contains("another program")
                .and(predicate::str::contains("users"))
                .and(predicate::str::contains("nothing was changed")),
        );
    }
    xrefscan(&app)
        .args(["scan", "--from", "2024-01-01", "--to", "2024-01-31"])
        .env("XREFSCAN_CROSSREF_URL", "http://127.0.0.1:9")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("another program"));
    assert_eq!(
        std::fs::read(&app).unwrap(),
        before,
        "the file is untouched"
    );
    assert_eq!(
        files_in(dir.path()),
        listing,
        "nothing was made beside it, no backups/"
    );
}

#[tokio::test]
async fn issue21_8_doctor_reports_a_damaged_file_and_how_to_recover() {
    let (_dir, db) = scanned().await;
    let bytes = std::fs::read(&db).unwrap();
    std::fs::write(&db, &bytes[..bytes.len() / 2]).unwrap();
    let out = xrefscan(&db).arg("doctor").assert().code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("integrity check: failed"), "{text}");
    assert!(text.contains(".recover"), "{text}");
    // No backups/ beside it: none is promised.
    assert!(
        text.contains("PROBLEMS FOUND") && !text.contains("backups"),
        "{text}"
    );
}

#[tokio::test]
async fn issue21_10_a_malformed_list_is_refused_with_its_line_number() {
    let (dir, db) = scanned().await;
    let bad = dir.path().join("bad1.csv");
    std::fs::write(
        &bad,
        "name,aliases,detail\nGood Entry,,ok\n\"Unclosed quote, Beijing\nfoo,,\n",
    )
    .unwrap();
    xrefscan(&db)
        .args(["lists", "import"])
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("line 3")
                .and(predicate::str::contains("unclosed quote"))
                .and(predicate::str::contains("nothing was imported")),
        );
    xrefscan(&db)
        .arg("lists")
        .assert()
        .success()
        .stdout(predicate::str::contains("bad1").not());
}

#[tokio::test]
async fn issue21_11_removing_an_entity_removes_it_under_every_list_and_name() {
    let (_dir, db) = scanned().await;
    let aff = "School of X, Beihang University, Beijing, China";
    let out = xrefscan(&db)
        .args([
            "override",
            "entity",
            aff,
            "Beihang University",
            "--note",
            "only the lab",
        ])
        .assert()
        .success();
    let said = String::from_utf8_lossy(&out.get_output().stderr).to_string()
        + &String::from_utf8_lossy(&out.get_output().stdout);
    assert_eq!(
        said.matches("NDAA").count(),
        1,
        "each list named once: {said}"
    );
    let explained = xrefscan(&db)
        .args(["classify", "affiliation", aff])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&explained.get_output().stdout).to_string();
    assert!(!text.contains("entity:"), "no list still names it: {text}");
    assert!(text.contains("Beihang University"), "{text}");
}

#[test]
fn issue21_12_a_bad_environment_variable_is_named_as_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    xrefscan(&db)
        .arg("env")
        .env("XREFSCAN_QUIET", "maybe")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("XREFSCAN_QUIET")
                .and(predicate::str::contains("'maybe'"))
                .and(predicate::str::contains("not a boolean")),
        );
    // On the command line the flag is named, as before.
    xrefscan(&db)
        .args([
            "scan",
            "--crossref-rps",
            "fast",
            "--from",
            "2024-01-01",
            "--to",
            "2024-01-02",
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--crossref-rps")
                .and(predicate::str::contains("XREFSCAN_CROSSREF_RPS").not()),
        );
}

#[test]
fn issue21_4_every_rate_concurrency_and_budget_is_validated() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    for (var, value) in [
        ("XREFSCAN_CROSSREF_RPS", "0"),
        ("XREFSCAN_CROSSREF_CONCURRENCY", "0"),
        ("XREFSCAN_OPENALEX_CONCURRENCY", "0"),
        ("XREFSCAN_EUROPEPMC_RPS", "-1"),
        ("XREFSCAN_PAGE_RPS", "NaN"),
        ("XREFSCAN_RESOLVER_CONCURRENCY", "0"),
        ("XREFSCAN_USASPENDING_RPS", "0"),
        ("XREFSCAN_AWARD_BUDGET", "0"),
        ("XREFSCAN_ACK_BUDGET", "0"),
        ("XREFSCAN_FULLTEXT_BUDGET", "0"),
        ("XREFSCAN_OPENALEX_BATCH", "0"),
        ("XREFSCAN_TIMEOUT", "0"),
    ] {
        xrefscan(&db)
            .args(["scan", "--from", "2024-01-01", "--to", "2024-01-02"])
            .env(var, value)
            .timeout(std::time::Duration::from_secs(10))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(var));
    }
    assert!(!db.exists(), "nothing was created");
}

#[test]
fn issue21_3_a_base_url_that_cannot_work_is_refused_and_a_run_that_fetched_nothing_fails() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    for (var, value) in [
        ("XREFSCAN_CROSSREF_URL", "not a url"),
        ("XREFSCAN_OPENALEX_URL", "ftp://example.org"),
        ("XREFSCAN_DOI_RESOLVER", "doi.org"),
    ] {
        let started = std::time::Instant::now();
        xrefscan(&db)
            .args(["scan", "--from", "2024-01-01", "--to", "2024-01-31"])
            .env(var, value)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(var).and(predicate::str::contains("http")));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "refused at once"
        );
    }
    assert!(!db.exists(), "no empty database was created");
    // No network: every source fails, and that is a failure (1), not "resume later" (3).
    xrefscan(&db)
        .args(["scan", "--from", "2024-01-01", "--to", "2024-01-31"])
        .env("XREFSCAN_SOURCES", "crossref,openalex")
        .env("XREFSCAN_CROSSREF_URL", "http://127.0.0.1:9")
        .env("XREFSCAN_OPENALEX_URL", "http://127.0.0.1:9")
        .env("XREFSCAN_MAX_RETRIES", "1")
        .env("XREFSCAN_TIMEOUT", "2")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("every source failed"));
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM scan_runs WHERE status = 'failed'"
        ),
        1
    );
}

#[tokio::test]
async fn issue21_5_every_output_ends_quietly_on_a_closed_pipe() {
    let (_dir, db) = scanned().await;
    let bin = assert_cmd::cargo::cargo_bin("xrefscan");
    for args in [
        "export --out - --format csv",
        "export --out - --format json",
        "query flagged_papers",
        "stats",
    ] {
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                // The reader closes its end at once, so every write meets a closed pipe.
                "set -o pipefail; XREFSCAN_DB={:?} {:?} {args} | (exec 0<&-; sleep 2)",
                db, bin
            ))
            .output()
            .unwrap();
        assert!(out.status.success(), "{args}: {:?}", out.status);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("error") && !stderr.contains("Broken pipe"),
            "{args}: {stderr}"
        );
    }
}

/// The cells of the first worksheet of an XLSX file: `(reference, type, value)`.
fn xlsx_cells(path: &std::path::Path) -> Vec<(String, String, String)> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let cell = regex::Regex::new(r#"<c r="([A-Z]+\d+)"([^>]*)>(.*?)</c>"#).unwrap();
    cell.captures_iter(&xml)
        .map(|c| {
            let t = regex::Regex::new(r#"t="(\w+)""#)
                .unwrap()
                .captures(&c[2])
                .map(|m| m[1].to_string())
                .unwrap_or_else(|| "n".into());
            (c[1].to_string(), t, c[3].to_string())
        })
        .collect()
}

#[tokio::test]
async fn issue21_7_xlsx_numbers_and_dates_are_numbers_and_dates() {
    let (dir, db) = scanned().await;
    let out = dir.path().join("flagged.xlsx");
    xrefscan(&db)
        .args(["export", "--out"])
        .arg(&out)
        .assert()
        .success();
    let cells = xlsx_cells(&out);
    let column = |name: &str| -> String {
        let i = xrefscan::flagged::column_names()
            .iter()
            .position(|c| *c == name)
            .unwrap();
        let letters = |mut n: usize| {
            let mut s = String::new();
            loop {
                s.insert(0, (b'A' + (n % 26) as u8) as char);
                if n < 26 {
                    break s;
                }
                n = n / 26 - 1;
            }
        };
        letters(i)
    };
    let at = |name: &str| -> (String, String) {
        let r = format!("{}2", column(name));
        let c = cells
            .iter()
            .find(|c| c.0 == r)
            .unwrap_or_else(|| panic!("{r}"));
        (c.1.clone(), c.2.clone())
    };
    assert_eq!(at("tier").0, "n", "tier is a number");
    assert_eq!(
        at("publication_date").0,
        "n",
        "the date is a date (a number with a date format)"
    );
    assert_eq!(at("first_flagged_at").0, "n");
    assert_ne!(at("title").0, "n", "text stays text");
}

#[tokio::test]
async fn issue21_16_small_things_a_newcomer_noticed() {
    let (dir, db) = scanned().await;
    // A system error is said once.
    let missing = dir.path().join("nope.csv");
    let out = xrefscan(&db)
        .args(["lists", "import"])
        .arg(&missing)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(stderr.matches("os error 2").count(), 1, "{stderr}");
    // `stats` ends its output with a newline.
    let out = xrefscan(&db).arg("stats").assert().success();
    assert!(out.get_output().stdout.ends_with(b"\n"));
    // Every canned query's description is a whole sentence.
    let out = xrefscan(&db).args(["query", "--list"]).assert().success();
    for line in String::from_utf8_lossy(&out.get_output().stdout).lines() {
        let about = line.split("  [").next().unwrap().trim_end();
        assert!(
            about.ends_with('.') || about.ends_with(')'),
            "cut short: {line}"
        );
    }
    // A CSV cell never exceeds Excel's limit: cut with the marker, as in XLSX.
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute(
        "UPDATE flags SET china_evidence = ?1",
        [&"x".repeat(200_000)],
    )
    .unwrap();
    drop(c);
    let out = xrefscan(&db)
        .args(["export", "--out", "-"])
        .assert()
        .success();
    let csv = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let longest = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .flat_map(|r| {
            r.unwrap()
                .iter()
                .map(|c| c.chars().count())
                .collect::<Vec<_>>()
        })
        .max()
        .unwrap();
    assert!(longest <= xrefscan::export::MAX_CELL, "{longest}");
    assert!(csv.contains(xrefscan::export::TRUNCATION_MARKER.trim()));
    // A full disk is one clean error, for every format.
    if std::path::Path::new("/dev/full").exists() {
        for format in ["xlsx", "csv", "json"] {
            let out = xrefscan(&db)
                .args(["export", "--format", format, "--out", "/dev/full"])
                .assert()
                .code(1);
            let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
            assert!(stderr.contains("No space left"), "{format}: {stderr}");
            assert!(!stderr.contains("ZipWriter"), "{format}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{format}: {stderr}");
        }
    }
}
