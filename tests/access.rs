//! Issue 9, one database lifecycle: every command takes the access it needs and no more.
//! Writers hold the lock (a second writer fails naming the holder, or waits with --wait);
//! readers never take it, never block a writer and never write a byte.

mod common;

use common::*;
use predicates::prelude::*;
use std::path::Path;
use std::time::Duration;
use xrefscan::store::{Access, Db};

/// The database file and its WAL, to prove a command wrote nothing.
fn bytes(db: &Path) -> (Vec<u8>, Vec<u8>) {
    let wal = {
        let mut p = db.as_os_str().to_owned();
        p.push("-wal");
        std::fs::read(std::path::PathBuf::from(p)).unwrap_or_default()
    };
    (std::fs::read(db).unwrap(), wal)
}

fn holder(db: &Path) -> Db {
    Db::open(db, Access::write("holder-for-test")).unwrap()
}

#[tokio::test]
async fn every_write_command_is_refused_while_another_writer_holds_the_lock() {
    let (dir, db) = scanned().await;
    let list = dir.path().join("watch.csv");
    std::fs::write(&list, "name,aliases,detail\nExample Institute,,watch\n").unwrap();
    let doi = "10.1039/d2fd00050d";
    let _held = holder(&db);
    let before = bytes(&db);
    let writes: Vec<Vec<&str>> = vec![
        vec!["scan", "--from", "2024-01-01", "--to", "2024-01-31"],
        vec!["reclassify"],
        vec!["override", "region", "Dept. X, Somewhere", "OTHER"],
        vec!["lists", "import", list.to_str().unwrap(), "--id", "watch"],
        vec![
            "override",
            "person",
            "merge",
            "orcid:0000-0001-0000-0001",
            "openalex:A1",
        ],
    ];
    for args in writes {
        xrefscan(&db)
            .args(&args)
            .env("XREFSCAN_CROSSREF_URL", "http://127.0.0.1:9")
            .assert()
            .code(1)
            .stderr(
                predicate::str::contains("another xrefscan is writing")
                    .and(predicate::str::contains("holder-for-test, pid")),
            );
    }
    assert_eq!(bytes(&db), before, "a refused writer changed nothing");
    // A reviewer's decision is one short transaction, as on the review page: it is recorded
    // beside the writer (issue 19 (3)), and can be undone there too.
    xrefscan(&db)
        .args(["review", doi, "--status", "dismissed", "--by", "J. Staff"])
        .assert()
        .success();
    xrefscan(&db)
        .args(["review", doi, "--undo"])
        .assert()
        .success();
}

#[tokio::test]
async fn read_commands_answer_while_a_writer_holds_the_lock_and_write_nothing() {
    let (dir, db) = scanned().await;
    let out = dir.path().join("flagged.csv");
    let doi = "10.1039/d2fd00050d";
    let _held = holder(&db);
    let before = bytes(&db);
    let reads: Vec<Vec<&str>> = vec![
        vec!["export", "--out", out.to_str().unwrap()],
        vec!["query", "flagged_papers"],
        vec!["query", "--sql", "SELECT COUNT(*) FROM works"],
        vec!["stats"],
        vec!["doctor"],
        vec!["review", doi],
        vec!["lists"],
        vec!["people"],
        vec!["override", "person", "list"],
    ];
    for args in reads {
        xrefscan(&db)
            .args(&args)
            .timeout(Duration::from_secs(20))
            .assert()
            .success();
        assert_eq!(
            bytes(&db),
            before,
            "`{}` wrote to the database",
            args.join(" ")
        );
    }
}

#[tokio::test]
async fn a_writer_with_wait_queues_behind_the_holder_and_then_runs() {
    let (_dir, db) = scanned().await;
    let held = holder(&db);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("xrefscan"))
        .args(["reclassify", "--wait"])
        .env("XREFSCAN_DB", &db)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "it waits for the holder"
    );
    drop(held);
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success());
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM scan_runs WHERE sources = 'reclassify'"
        ),
        1
    );
}

#[test]
fn commands_that_need_no_database_never_touch_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    xrefscan(&db)
        .args([
            "classify",
            "funding",
            "Supported by ONR grant N00014-21-1-2345.",
        ])
        .assert()
        .success();
    xrefscan(&db).arg("env").assert().success();
    xrefscan(&db).arg("lists").assert().success();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_reader_on_an_older_schema_says_which_command_migrates_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.sqlite");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(include_str!("../db/migrations/0001_initial.sql"))
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    xrefscan(&db)
        .args(["export", "--out"])
        .arg(dir.path().join("x.csv"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("run any write command"));
    assert_eq!(std::fs::read(&db).unwrap(), before);
    xrefscan(&db).arg("reclassify").assert().success();
    xrefscan(&db).arg("stats").assert().success();
    assert!(dir.path().join("backups").is_dir(), "a copy was kept first");
}

/// A free port on 127.0.0.1 (free when asked; the server binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `xrefscan serve` started as staff start it, its stderr kept in `log`.
fn spawn_serve(db: &Path, port: u16, extra: &[&str], log: &Path) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("xrefscan"))
        .arg("serve")
        .args(extra)
        .env("XREFSCAN_DB", db)
        .env("XREFSCAN_PORT", port.to_string())
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap()
}

async fn answered(url: &str) -> reqwest::Response {
    for _ in 0..100 {
        if let Ok(r) = reqwest::get(url).await {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} never answered");
}

fn terminate(child: &mut std::process::Child) -> std::process::ExitStatus {
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_reads_without_the_lock_and_records_a_decision_beside_a_writer() {
    let (dir, db) = scanned().await;
    let log = dir.path().join("serve.log");
    let _held = holder(&db);
    let before = bytes(&db);
    let port = free_port();
    let mut child = spawn_serve(&db, port, &[], &log);
    let list = answered(&format!("http://localhost:{port}/papers")).await;
    assert_eq!(list.status(), 200);
    let html = list.text().await.unwrap();
    assert!(html.contains("<strong id=\"total\">1</strong>"), "{html}");
    assert_eq!(bytes(&db), before, "reading wrote nothing");
    // The card's form token, then a decision while the other writer still holds the lock.
    let id = count(&db, "SELECT work_id FROM flags WHERE active = 1");
    let card = answered(&format!("http://localhost:{port}/papers/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let token = card
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("http://localhost:{port}/papers/{id}/review"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "status=confirmed&note=seen&reviewer=J.+Staff&csrf={token}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM reviews"), 1);
    // SIGTERM stops it cleanly.
    let status = tokio::task::spawn_blocking(move || terminate(&mut child))
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(
        said.contains(&format!("http://localhost:{port}/")),
        "{said}"
    );
    assert!(!said.contains("warning"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_beyond_loopback_warns_and_read_only_serves_no_write_route() {
    let (dir, db) = scanned().await;
    let log = dir.path().join("serve.log");
    let port = free_port();
    let mut child = spawn_serve(&db, port, &["--bind", "0.0.0.0", "--read-only"], &log);
    let r = answered(&format!("http://127.0.0.1:{port}/papers")).await;
    assert_eq!(r.status(), 200);
    let status = tokio::task::spawn_blocking(move || terminate(&mut child))
        .await
        .unwrap();
    assert!(status.success());
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(
        said.contains("warning: listening on 0.0.0.0") && said.contains("(read-only)"),
        "{said}"
    );
    // Without --read-only the warning says how to serve no write route.
    let port = free_port();
    let mut child = spawn_serve(&db, port, &["--bind", "0.0.0.0"], &log);
    answered(&format!("http://127.0.0.1:{port}/")).await;
    tokio::task::spawn_blocking(move || terminate(&mut child))
        .await
        .unwrap();
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("add --read-only")
    );
}

#[test]
fn serve_creates_no_database_and_says_which_command_does() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("missing.sqlite");
    xrefscan(&db)
        .args(["serve", "--port", "0"])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("scan"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Issue 21 (14): `--bind localhost`, the name the server prints, is loopback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue21_14_serve_binds_localhost_by_name() {
    let (dir, db) = scanned().await;
    let log = dir.path().join("serve.log");
    let port = free_port();
    let mut child = spawn_serve(&db, port, &["--bind", "localhost", "--read-only"], &log);
    let r = answered(&format!("http://localhost:{port}/papers")).await;
    assert_eq!(r.status(), 200);
    let status = tokio::task::spawn_blocking(move || terminate(&mut child))
        .await
        .unwrap();
    assert!(status.success());
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(
        !said.contains("warning"),
        "loopback gives no warning: {said}"
    );
}
