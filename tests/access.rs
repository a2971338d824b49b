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
        vec!["review", doi, "--status", "dismissed"],
        vec!["override", "region", "Dept. X, Somewhere", "OTHER"],
        vec!["lists", "import", list.to_str().unwrap(), "--id", "watch"],
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
