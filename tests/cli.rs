//! The command line as a scheduled job or a staff member uses it: env-var configuration,
//! exit codes, exports in every format, read-only queries.

mod common;

use common::*;
use predicates::prelude::*;
use std::path::Path;
use wiremock::MockServer;

#[tokio::test]
async fn scan_creates_the_database_folder_and_reports_a_summary() {
    let (_dir, db) = scanned().await;
    assert!(db.exists());
    assert_eq!(count(&db, "SELECT COUNT(*) FROM flags WHERE active = 1"), 1);
}

#[tokio::test]
async fn csv_export_opens_cleanly_in_excel() {
    let (dir, db) = scanned().await;
    let out = dir.path().join("flagged.csv");
    xrefscan(&db)
        .args(["export", "--format", "csv", "--bom", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("wrote 1 flagged paper"));
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()));
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let headers: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(headers, xrefscan::flagged::column_names());
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 1);
    let col = |name: &str| &rows[0][headers.iter().position(|h| h == name).unwrap()];
    assert_eq!(col("doi"), "10.1039/d2fd00050d");
    assert!(col("dod_components").contains("Army Research Office"));
    assert!(col("award_numbers").contains("W911NF-19-1-0283"));
    assert_eq!(col("china_regions"), "CN");
    assert!(col("sources").contains("crossref"));
    assert!(matches!(col("tier"), "1" | "2" | "3"));
    assert_eq!(col("tier") == "3", col("entity_hits").is_empty());
}

#[tokio::test]
async fn json_and_xlsx_exports_carry_the_same_rows() {
    let (dir, db) = scanned().await;
    let json_out = dir.path().join("flagged.json");
    xrefscan(&db)
        .args(["export", "--format", "json", "--out"])
        .arg(&json_out)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_out).unwrap()).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["doi"], "10.1039/d2fd00050d");
    assert!(
        rows[0]["china_evidence"]
            .to_string()
            .contains("Northwest University")
    );
    for col in xrefscan::flagged::column_names() {
        assert!(rows[0].get(col).is_some(), "{col}");
    }
    let xlsx = dir.path().join("flagged.xlsx");
    xrefscan(&db)
        .args(["export", "--format", "xlsx", "--out"])
        .arg(&xlsx)
        .assert()
        .success();
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip archive");
    // Mainland-only keeps the paper: its coauthor is in Xi'an.
    let only = dir.path().join("mainland.json");
    xrefscan(&db)
        .args(["export", "--format", "json", "--mainland-only", "--out"])
        .arg(&only)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&only).unwrap()).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn queries_are_read_only() {
    let (_dir, db) = scanned().await;
    let works = count(&db, "SELECT COUNT(*) FROM works");
    for sql in [
        "DELETE FROM works",
        "UPDATE flags SET active = 0",
        "DROP TABLE works",
        "INSERT INTO works(doi, first_seen_at, updated_at) VALUES ('x','y','z')",
    ] {
        xrefscan(&db)
            .args(["query", "--sql", sql])
            .assert()
            .failure()
            .code(1)
            .stderr(
                predicate::str::contains("read-only")
                    .and(predicate::str::contains("nothing was changed")),
            );
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM works"), works);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM flags WHERE active = 1"), 1);
}

#[tokio::test]
async fn canned_queries_and_stats_answer_staff_questions() {
    let (_dir, db) = scanned().await;
    xrefscan(&db)
        .args(["query", "flagged_papers", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("10.1039/d2fd00050d"));
    xrefscan(&db)
        .args(["query", "flagged_by_component", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "\"component\": \"Army › Army Research Office\"",
        ));
    xrefscan(&db)
        .args(["query", "top_china_institutions"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Northwest University  CN      1"));
    xrefscan(&db)
        .args(["query", "scan_history"])
        .assert()
        .success()
        .stdout(predicate::str::contains("(1 row)"));
    xrefscan(&db)
        .args(["query", "no_such_query"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "available: award_totals, awards_by_recipient, dual_appointments, flagged_by_component, flagged_by_entity_list, flagged_papers, repeat_collaborators",
        ));
    xrefscan(&db).arg("stats").assert().success().stdout(
        predicate::str::contains("Works per source")
            .and(predicate::str::contains("Flagged by region"))
            .and(predicate::str::contains("Flagged by tier"))
            .and(predicate::str::contains("not reviewed")),
    );
}

#[test]
fn bad_input_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    xrefscan(&db)
        .args(["scan", "--from", "2024-13-01", "--to", "2024-12-31"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not a date in YYYY-MM-DD form"));
    xrefscan(&db)
        .args(["scan", "--from", "2025-01-01", "--to", "2024-12-31"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("is after --to"));
    xrefscan(&db)
        .args([
            "scan",
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
            "--sources",
            "scopus",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "known sources: crossref, openalex, europepmc, pages",
        ));
    xrefscan(&db)
        .args(["export", "--out", "x.csv"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("run `xrefscan scan` first"));
    xrefscan(&db)
        .arg("env")
        .assert()
        .success()
        .stdout(predicate::str::contains("XREFSCAN_CROSSREF_URL"));
}

#[test]
fn scan_settings_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    // From/to from the environment; an unreachable server makes the sources fail, recorded,
    // and a run in which every source failed is a failure (issue 21 (3)).
    xrefscan(&db)
        .arg("scan")
        .env("XREFSCAN_FROM", "2024-01-01")
        .env("XREFSCAN_TO", "2024-01-31")
        .env("XREFSCAN_CROSSREF_URL", "http://127.0.0.1:9")
        .env("XREFSCAN_OPENALEX_URL", "http://127.0.0.1:9")
        .env("XREFSCAN_MAX_RETRIES", "1")
        .env("XREFSCAN_CROSSREF_RPS", "100")
        .env("XREFSCAN_TIMEOUT", "2")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("failed"))
        .stderr(predicate::str::contains("every source failed"));
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM scan_runs WHERE status = 'failed' AND from_date = '2024-01-01'"
        ),
        1
    );
}

#[test]
fn classify_explains_one_text_or_every_line_of_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    xrefscan(&db)
        .args([
            "classify",
            "affiliation",
            "Department of Physics, National Tsing Hua University, Hsinchu 30013, Taiwan, R.O.C.",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("region: TW").and(predicate::str::contains("China-based: no")),
        );
    let lines = classify_funding(
        &db,
        "Supported by the Office of Naval Research under grant N00014-21-1-2345.\n\
         Funded by NSFC (22073073).\n",
    );
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["dod"], true);
    assert_eq!(lines[0]["awards"][0]["prefix"], "N00014");
    assert_eq!(lines[0]["spans"][0]["text"], "Office of Naval Research");
    assert_eq!(lines[1]["dod"], false);
    // Classifying never touches the database.
    assert!(!db.exists());
}

#[test]
fn issue21_14_eval_runs_from_the_repository_alone_and_says_where_the_rest_is() {
    let dir = tempfile::tempdir().unwrap();
    // Without the third-party sets: the repository's own sets run, and it says where to get
    // the others.
    xrefscan(&dir.path().join("x.sqlite"))
        .args(["eval", "--data"])
        .arg(dir.path().join("missing"))
        .assert()
        .success()
        .stdout(
            predicate::str::contains("china-traps")
                .and(predicate::str::contains("entities"))
                .and(predicate::str::contains("docs/EVAL-DATA.md"))
                .and(predicate::str::contains("pass --data")),
        );
    // A partial report never replaces the full one.
    xrefscan(&dir.path().join("x.sqlite"))
        .args(["eval", "--write", "out.md", "--data"])
        .arg(dir.path().join("missing"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "need the third-party labelled sets",
        ));
}

#[tokio::test]
async fn an_imported_list_applies_after_reclassify_without_crawling() {
    let (dir, db) = scanned().await;
    let export = |name: &str| -> serde_json::Value {
        let out = dir.path().join(name);
        xrefscan(&db)
            .args(["export", "--format", "json", "--out"])
            .arg(&out)
            .assert()
            .success();
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
    };
    let before = export("before.json");
    let institution = before[0]["china_institutions"][0]
        .as_str()
        .unwrap()
        .to_string();
    let list = dir.path().join("watch list.csv");
    std::fs::write(
        &list,
        format!("name,aliases,detail\n\"{institution}\",,added for the test\n"),
    )
    .unwrap();
    xrefscan(&db)
        .args(["lists", "import"])
        .arg(&list)
        .args(["--title", "Staff watch list", "--licence", "internal"])
        .args(["--severity", "defense-linked"])
        .assert()
        .success()
        .stderr(predicate::str::contains("imported watch-list (1 entries)"));
    xrefscan(&db).arg("lists").assert().success().stdout(
        predicate::str::contains("watch-list")
            .and(predicate::str::contains("dod-1260h"))
            .and(predicate::str::contains("CC BY-NC 4.0")),
    );
    xrefscan(&db)
        .arg("reclassify")
        .assert()
        .success()
        .stdout(predicate::str::contains("1 flagged (0 new, 1 tier 1)"));
    let after = export("after.json");
    assert_eq!(after[0]["tier"], 1);
    assert!(
        after[0]["entity_hits"]
            .to_string()
            .contains("Staff watch list")
    );
    assert_eq!(after[0]["first_flagged_at"], before[0]["first_flagged_at"]);
}

#[test]
fn a_second_writer_is_refused_with_a_clear_message_and_a_dead_run_is_marked_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    // A run left "running" by a process that died.
    {
        let mut s = xrefscan::store::Db::open(
            &db,
            xrefscan::store::Access::Write {
                command: "test",
                wait: false,
                create: true,
            },
        )
        .unwrap();
        s.begin_run("2024-01-01", "2024-01-31", "crossref").unwrap();
    }
    {
        let _held = xrefscan::store::WriteLock::acquire(&db, "scan", false).unwrap();
        xrefscan(&db)
            .args(["scan", "--from", "2024-01-01", "--to", "2024-01-31"])
            .assert()
            .code(1)
            .stderr(
                predicate::str::contains("another xrefscan is writing to this database")
                    .and(predicate::str::contains("--wait")),
            );
        xrefscan(&db)
            .arg("reclassify")
            .assert()
            .code(1)
            .stderr(predicate::str::contains("another xrefscan is writing"));
    }
    // The lock is gone with its holder: the next scan runs, and says the dead run stopped.
    xrefscan(&db)
        .args(["scan", "--from", "2024-01-01", "--to", "2024-01-31"])
        .env("XREFSCAN_CROSSREF_URL", "http://127.0.0.1:9")
        .env("XREFSCAN_OPENALEX_URL", "http://127.0.0.1:9")
        .env("XREFSCAN_MAX_RETRIES", "1")
        .env("XREFSCAN_CROSSREF_RPS", "100")
        .env("XREFSCAN_TIMEOUT", "2")
        .assert()
        .code(1);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM scan_runs WHERE status = 'interrupted'"
        ),
        1
    );
}

#[tokio::test]
async fn issue21_9_ctrl_c_stops_after_the_current_transaction_counts_what_it_stored_and_the_next_run_resumes()
 {
    let cr = MockServer::start().await;
    let oa = MockServer::start().await;
    mount_crossref_defaults(&cr).await;
    mount_openalex_defaults(&oa).await;
    mount_dod_page(&cr).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let env = |c: &mut std::process::Command, rps: &str| {
        c.env_clear()
            .env("XREFSCAN_DB", &db)
            .env("XREFSCAN_SOURCES", "crossref,openalex")
            .env("XREFSCAN_CROSSREF_URL", cr.uri())
            .env("XREFSCAN_OPENALEX_URL", oa.uri())
            .env("XREFSCAN_MAILTO", "staff@example.org")
            .env("XREFSCAN_OPENALEX_RPS", "50")
            .env("XREFSCAN_CROSSREF_RPS", rps)
            .env("XREFSCAN_CROSSREF_CONCURRENCY", "1")
            .env("XREFSCAN_SHARD_DAYS", "20000")
            .args(["scan", "--from", "2000-01-01", "--to", "2026-06-30"]);
    };
    // One Crossref request a second: the run is still busy when Ctrl-C comes.
    let bin = assert_cmd::cargo::cargo_bin("xrefscan");
    let mut slow = std::process::Command::new(&bin);
    env(&mut slow, "1");
    let out = interrupt(slow, "-INT", std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("run the same command again to resume"));
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM scan_runs WHERE status = 'interrupted'"
        ),
        1
    );
    // Issue 21 (9): the interrupted run says what it stored.
    let stored = count(
        &db,
        "SELECT works_new FROM scan_runs WHERE status = 'interrupted'",
    );
    assert_eq!(stored, count(&db, "SELECT COUNT(*) FROM works"));
    assert!(stored > 0, "the run stored the recorded page before Ctrl-C");
    // The next run finishes the work, and says what the run it resumed found.
    let mut fast = std::process::Command::new(&bin);
    env(&mut fast, "50");
    let out = tokio::task::spawn_blocking(move || fast.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "{stored} more stored by the interrupted run #1 it resumed"
        )),
        "{stdout}"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM flagged_papers"), 1);
    // "New since the last scan" holds what the interrupted run found as well.
    let new = dir.path().join("new.csv");
    xrefscan(&db)
        .args(["export", "--new-since-last-scan", "--out"])
        .arg(&new)
        .assert()
        .success();
    assert_eq!(csv::Reader::from_path(&new).unwrap().records().count(), 1);
}

#[tokio::test]
async fn the_morning_export_lists_only_what_the_latest_scan_raised() {
    let (dir, db) = scanned().await;
    let rows = |args: &[&str]| -> usize {
        let out = dir.path().join("new.csv");
        xrefscan(&db)
            .args(["export", "--format", "csv", "--out"])
            .arg(&out)
            .args(args)
            .assert()
            .success();
        csv::Reader::from_path(&out).unwrap().records().count()
    };
    assert_eq!(
        rows(&["--new-since-last-scan"]),
        1,
        "the first scan raised it"
    );
    // `reclassify` crawls nothing: "new since the last scan" still means the last crawl.
    xrefscan(&db).arg("reclassify").assert().success();
    assert_eq!(rows(&["--new-since-last-scan"]), 1);
    // A later scan that raises nothing new: the morning list is empty, the full list is not.
    let db2 = db.clone();
    tokio::task::spawn_blocking(move || unreachable_scan(&db2).code(1))
        .await
        .unwrap();
    assert_eq!(rows(&["--new-since-last-scan"]), 0);
    assert_eq!(rows(&["--since-scan", "0"]), 1);
    assert_eq!(rows(&[]), 1);
}

/// A scan whose servers cannot be reached: a crawl run that finds nothing (exit 3).
fn unreachable_scan(db: &Path) -> assert_cmd::assert::Assert {
    xrefscan(db)
        .args(["scan", "--from", "2024-01-01", "--to", "2024-01-31"])
        .env("XREFSCAN_CROSSREF_URL", "http://127.0.0.1:9")
        .env("XREFSCAN_OPENALEX_URL", "http://127.0.0.1:9")
        .env("XREFSCAN_MAX_RETRIES", "1")
        .env("XREFSCAN_CROSSREF_RPS", "100")
        .env("XREFSCAN_TIMEOUT", "2")
        .assert()
}

#[test]
fn unattended_runs_can_log_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = xrefscan(&dir.path().join("x.sqlite"))
        .args([
            "--log-format",
            "json",
            "scan",
            "--from",
            "2024-01-01",
            "--to",
            "2024-01-02",
        ])
        .env("XREFSCAN_SOURCES", "crossref")
        .env("XREFSCAN_CROSSREF_URL", "http://127.0.0.1:9")
        .env("XREFSCAN_MAX_RETRIES", "1")
        .env("XREFSCAN_CROSSREF_RPS", "100")
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty());
    for l in lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"));
        assert!(v["level"].is_string());
    }
}

#[tokio::test]
async fn a_dismissal_holds_until_the_evidence_changes() {
    let (dir, db) = scanned().await;
    let export = |name: &str| -> serde_json::Value {
        let out = dir.path().join(name);
        xrefscan(&db)
            .args(["export", "--format", "json", "--out"])
            .arg(&out)
            .assert()
            .success();
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&out).unwrap()).unwrap()
            [0]
        .clone()
    };
    xrefscan(&db)
        .args([
            "review",
            "https://doi.org/10.1039/D2FD00050D",
            "--status",
            "dismissed",
        ])
        .args([
            "--note",
            "ARO funds the US coauthor only",
            "--by",
            "J. Staff",
        ])
        .assert()
        .success();
    let row = export("a.json");
    assert_eq!(row["review_status"], "dismissed");
    assert_eq!(row["review_note"], "ARO funds the US coauthor only");
    // Re-classifying with the same evidence keeps the decision.
    xrefscan(&db).arg("reclassify").assert().success();
    assert_eq!(export("b.json")["review_status"], "dismissed");
    // New evidence (the institution joins a watch list) reopens it, visibly.
    let institution = row["china_institutions"][0].as_str().unwrap().to_string();
    let list = dir.path().join("watch.csv");
    std::fs::write(&list, format!("name\n\"{institution}\"\n")).unwrap();
    xrefscan(&db)
        .args(["lists", "import"])
        .arg(&list)
        .assert()
        .success();
    xrefscan(&db).arg("reclassify").assert().success();
    assert_eq!(
        export("c.json")["review_status"],
        "dismissed (evidence changed since the review)"
    );
    xrefscan(&db)
        .args(["review", "10.1039/d2fd00050d"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("dismissed")
                .and(predicate::str::contains(
                    "by J. Staff: ARO funds the US coauthor only",
                ))
                .and(predicate::str::contains("[evidence changed since]")),
        );
    xrefscan(&db)
        .args(["review", "10.1000/never-flagged", "--status", "confirmed"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("has never been flagged"));
}

#[tokio::test]
async fn doctor_finds_a_scanned_database_healthy() {
    let (_dir, db) = scanned().await;
    xrefscan(&db).arg("doctor").assert().success().stdout(
        predicate::str::contains("integrity check: ok").and(predicate::str::contains("healthy")),
    );
}

#[tokio::test]
async fn since_last_continues_from_the_last_successful_run_with_an_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.sqlite");
    xrefscan(&fresh)
        .args(["scan", "--since-last"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("run `xrefscan scan` first"));
    assert!(
        !fresh.exists(),
        "a --since-last with nothing to continue creates nothing"
    );
    // A database whose only run found nothing.
    unreachable_scan(&fresh).code(1);
    xrefscan(&fresh).arg("reclassify").assert().success();
    xrefscan(&fresh)
        .args(["scan", "--since-last"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no successful crossref run"));
    let (_dir, db) = scanned().await;
    // The scanned run covered publications up to 2026-06-30.
    xrefscan(&db)
        .args(["scan", "--since-last", "--to", "2026-07-31"])
        .env("XREFSCAN_CROSSREF_URL", "http://127.0.0.1:9")
        .env("XREFSCAN_OPENALEX_URL", "http://127.0.0.1:9")
        .env("XREFSCAN_MAX_RETRIES", "1")
        .env("XREFSCAN_CROSSREF_RPS", "100")
        .assert()
        .stderr(predicate::str::contains(
            "--since-last: scanning publications from 2026-06-16 to 2026-07-31",
        ));
}

/// Issue 17: a Crossref window that keeps returning fewer records than it announces is crawled
/// again a bounded number of times, then left not done: the scan exits 3 and says so, `doctor`
/// reports it with the command that repairs it, and that command does.
#[tokio::test]
async fn a_crossref_window_that_stays_short_is_left_not_done_and_doctor_names_the_repair() {
    let cr = MockServer::start().await;
    let oa = MockServer::start().await;
    mount_crossref_defaults(&cr).await;
    mount_openalex_defaults(&oa).await;
    // Announces 25 records more than it ever sends, until it is mended.
    let mended = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let m = mended.clone();
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path(
            "/funders/10.13039/100000005/works",
        ))
        .and(wiremock::matchers::query_param("cursor", "*"))
        .respond_with(move |_: &wiremock::Request| {
            let mut page: serde_json::Value =
                serde_json::from_str(&fixture("crossref/dod_works_page.json")).unwrap();
            let n = page["message"]["items"].as_array().unwrap().len();
            let extra = if m.load(std::sync::atomic::Ordering::SeqCst) {
                0
            } else {
                25
            };
            page["message"]["total-results"] = serde_json::json!(n + extra);
            wiremock::ResponseTemplate::new(200).set_body_raw(page.to_string(), "application/json")
        })
        .with_priority(1)
        .mount(&cr)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let (cru, oau, db2) = (cr.uri(), oa.uri(), db.clone());
    let scan = move |args: &[&str]| {
        let mut c = xrefscan(&db2);
        c.args(["scan"])
            .args(args)
            .env("XREFSCAN_CROSSREF_URL", &cru)
            .env("XREFSCAN_OPENALEX_URL", &oau)
            .env("XREFSCAN_MAILTO", "staff@example.org")
            .env("XREFSCAN_CROSSREF_RPS", "50")
            .env("XREFSCAN_OPENALEX_RPS", "50")
            .env("XREFSCAN_SHARD_DAYS", "20000");
        c.assert()
    };
    let window = ["--from", "2000-01-01", "--to", "2026-06-30"];
    let (scan2, db3) = (scan.clone(), db.clone());
    let repair = tokio::task::spawn_blocking(move || {
        scan2(&window)
            .code(3)
            .stdout(predicate::str::contains("still miss records"));
        let out = xrefscan(&db3).arg("doctor").assert().code(1);
        let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(text.contains("crawls missing records: 1"), "{text}");
        assert!(text.contains("left not done"), "{text}");
        let line = text.lines().find(|l| l.contains("repair: ")).unwrap();
        line.split("repair: ").nth(1).unwrap().to_string()
    })
    .await
    .unwrap();
    assert_eq!(
        repair,
        "xrefscan scan --sources crossref --from 2000-01-01 --to 2026-06-30"
    );
    // The server mends; the command doctor gave repairs the window.
    mended.store(true, std::sync::atomic::Ordering::SeqCst);
    let db3 = db.clone();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = repair.split_whitespace().skip(2).collect();
        scan(&args).code(0);
        xrefscan(&db3)
            .arg("doctor")
            .assert()
            .code(0)
            .stdout(predicate::str::contains("crawls missing records: none"));
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn reviewer_overrides_apply_on_every_later_classification() {
    let (dir, db) = scanned().await;
    let export = |name: &str| -> Vec<serde_json::Value> {
        let out = dir.path().join(name);
        xrefscan(&db)
            .args(["export", "--format", "json", "--out"])
            .arg(&out)
            .assert()
            .success();
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
    };
    let conn = rusqlite::Connection::open(&db).unwrap();
    let affiliations: Vec<String> = conn
        .prepare("SELECT DISTINCT affiliation FROM flag_evidence WHERE kind = 'china'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    drop(conn);
    assert!(!affiliations.is_empty());
    // An entity match the lists do not make, added by a reviewer: tier 1, with who said so.
    xrefscan(&db)
        .args([
            "override",
            "entity",
            &affiliations[0],
            "Harbin Institute of Technology",
            "--add",
        ])
        .args([
            "--note",
            "lab moved under SASTIND in 2024",
            "--by",
            "J. Staff",
        ])
        .assert()
        .success();
    xrefscan(&db).arg("reclassify").assert().success();
    let rows = export("a.json");
    assert_eq!(rows[0]["tier"], 1, "numbers are numbers in JSON");
    assert!(
        rows[0]["entity_hits"]
            .to_string()
            .contains("Harbin Institute of Technology")
    );
    // Every China-based affiliation of the paper is really elsewhere: no flag any more.
    for a in &affiliations {
        xrefscan(&db)
            .args([
                "override",
                "region",
                a,
                "OTHER",
                "--note",
                "author moved to Canada",
            ])
            .assert()
            .success();
    }
    xrefscan(&db).arg("reclassify").assert().success();
    assert!(export("b.json").is_empty());
    // Corrected back: flagged again, and the evidence names the override.
    xrefscan(&db)
        .args([
            "override",
            "region",
            &affiliations[0],
            "CN",
            "--by",
            "J. Staff",
        ])
        .assert()
        .success();
    xrefscan(&db).arg("reclassify").assert().success();
    let rows = export("c.json");
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0]["china_evidence"]
            .to_string()
            .contains("reviewer override by J. Staff"),
        "{}",
        rows[0]["china_evidence"]
    );
    xrefscan(&db)
        .args(["override", "region", "x", "MARS"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a region"));
}

#[tokio::test]
async fn an_export_writes_exactly_the_file_it_was_given() {
    let (dir, db) = scanned().await;
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    for format in ["csv", "json", "xlsx"] {
        let out = out_dir.join(format!("list.{format}"));
        xrefscan(&db)
            .args(["export", "--format", format, "--out"])
            .arg(&out)
            .assert()
            .success();
    }
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["list.csv", "list.json", "list.xlsx"]);
    xrefscan(&db)
        .args(["export", "--out"])
        .arg(dir.path().join("missing/dir/list.csv"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not exist"));
    assert!(!dir.path().join("missing").exists(), "no folder is created");
}
