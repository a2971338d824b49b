//! Migrations keep what is stored; the access rules of `Db::open` hold.

use super::*;
use rusqlite_migration::Migrations;

#[test]
fn a_database_of_the_first_schema_migrates_with_its_flags_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../../db/migrations/0001_initial.sql"))
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(
            "INSERT INTO works (id, doi, title, first_seen_at, updated_at, dirty)
                VALUES (7, '10.1/x', 'Old', '2026-01-01', '2026-01-01', 0);
             INSERT INTO flags (work_id, first_flagged_at, updated_at, dod_components, award_numbers,
                dod_evidence, china_institutions, china_regions, china_evidence)
                VALUES (7, '2026-01-02', '2026-01-02', 'Office of Naval Research', 'N00014-21-1-2345',
                'e', 'Fudan University', 'CN', 'c');",
        )
        .unwrap();
    }
    let store = Db::open(&path, Access::write("test")).unwrap();
    let (doi, first, tier, dirty): (String, String, Option<i64>, i64) = store
        .conn
        .query_row(
            "SELECT p.doi, p.first_flagged_at, p.tier, w.dirty FROM flagged_papers p
             JOIN works w ON w.id = p.work_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!((doi.as_str(), first.as_str()), ("10.1/x", "2026-01-02"));
    assert_eq!(tier, None, "tier comes with the next classification");
    assert_eq!(dirty, 1, "flagged works are queued for reclassification");
    assert!(store.entity_lists().unwrap().imported.is_empty());
    // The database as it was is kept before the migration touched it.
    let backups: Vec<_> = std::fs::read_dir(dir.path().join("backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let old = Connection::open(&backups[0]).unwrap();
    let v: i64 = old
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, 1);
    let n: i64 = old
        .query_row("SELECT COUNT(*) FROM flags", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    drop(store);
    // Opening a current database takes no copy.
    Db::open(&path, Access::write("test")).unwrap();
    assert_eq!(
        std::fs::read_dir(dir.path().join("backups"))
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn the_previous_schema_migrates_with_works_flags_and_reviews_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prev.sqlite");
    let previous = MIGRATIONS.len() - 1;
    {
        let mut conn = Connection::open(&path).unwrap();
        Migrations::from_slice(MIGRATIONS)
            .to_version(&mut conn, previous)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO works (id, doi, title, first_seen_at, updated_at, dirty)
                VALUES (3, '10.1/r', 'Reviewed', '2026-01-01', '2026-01-01', 0);
             INSERT INTO flags (work_id, first_flagged_at, updated_at, dod_components, award_numbers,
                dod_evidence, china_institutions, china_regions, china_evidence, tier, entity_hits, evidence_hash)
                VALUES (3, '2026-01-02', '2026-01-02', 'ONR', 'N00014-21-1-2345', 'e', 'Fudan University',
                'CN', 'c', 2, '', 'h1');
             INSERT INTO reviews (work_id, status, note, reviewer, at, evidence_hash)
                VALUES (3, 'dismissed', 'US-only funding', 'J. Staff', '2026-01-03', 'h1');",
        )
        .unwrap();
    }
    let store = Db::open(&path, Access::write("test")).unwrap();
    let (doi, status, note, changed): (String, String, String, i64) = store
        .conn
        .query_row(
            "SELECT doi, review_status, review_note, evidence_changed_since_review FROM flagged_papers",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (doi.as_str(), status.as_str(), note.as_str(), changed),
        ("10.1/r", "dismissed", "US-only funding", 0)
    );
    let id = store.flagged_work("10.1/r").unwrap().unwrap();
    assert_eq!(store.review_history(id).unwrap().len(), 1);
    assert!(dir.path().join("backups").is_dir(), "a copy was kept first");
}

#[test]
fn a_reader_on_an_older_schema_says_which_command_migrates_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        let mut conn = Connection::open(&path).unwrap();
        Migrations::from_slice(MIGRATIONS)
            .to_version(&mut conn, 2)
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Db::open(&path, Access::Read).unwrap_err().to_string();
    assert!(err.contains("run any write command"), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "a reader never writes"
    );
    assert!(
        !super::lock::lock_path(&path).exists(),
        "a reader takes no lock"
    );
    // A writer migrates (under the lock), and then readers are served.
    drop(Db::open(&path, Access::write("reclassify")).unwrap());
    Db::open(&path, Access::Read).unwrap();
}

#[test]
fn only_a_creating_writer_makes_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.sqlite");
    let err = Db::open(&path, Access::write("review"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("only `xrefscan scan` creates a database"),
        "{err}"
    );
    let err = Db::open(&path, Access::Read).unwrap_err().to_string();
    assert!(err.contains("run `xrefscan scan` first"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing made"
    );
    let create = Access::Write {
        command: "scan",
        wait: false,
        create: true,
    };
    let db = Db::open(&dir.path().join("new/x.sqlite"), create).unwrap();
    assert!(db.is_writer());
}

#[test]
fn a_second_writer_is_refused_naming_the_holder_and_a_reader_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.sqlite");
    let create = Access::Write {
        command: "scan",
        wait: false,
        create: true,
    };
    let holder = Db::open(&path, create).unwrap();
    let err = Db::open(&path, Access::write("review"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("scan, pid"), "{err}");
    let reader = Db::open(&path, Access::Read).unwrap();
    assert!(!reader.is_writer());
    assert_eq!(reader.work_count().unwrap(), 0);
    drop(holder);
    Db::open(&path, Access::write("review")).unwrap();
}

#[test]
fn a_file_that_is_not_sqlite_is_named_once_and_leaves_no_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "these are my notes, not a database\n").unwrap();
    for access in [Access::Read, Access::write("reclassify")] {
        let err = Db::open(&path, access).unwrap_err().to_string();
        assert_eq!(err.matches("notes.txt").count(), 1, "{err}");
        assert!(err.contains("not an xrefscan database"), "{err}");
    }
    assert!(!super::lock::lock_path(&path).exists());
}

#[test]
fn imported_lists_of_schema_5_become_version_1_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s5.sqlite");
    {
        let mut conn = Connection::open(&path).unwrap();
        Migrations::from_slice(MIGRATIONS)
            .to_version(&mut conn, 5)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO entity_lists (id, title, source, as_of, licence, file, imported_at)
                VALUES ('watch', 'Watch', 'staff', '2026', 'internal', 'watch.csv', '2026-11-01');
             INSERT INTO entity_entries (list_id, name, aliases, detail)
                VALUES ('watch', 'Example Institute', 'EI|Ex Inst', 'watched');",
        )
        .unwrap();
    }
    let db = Db::open(&path, Access::write("test")).unwrap();
    let lists = db.entity_lists().unwrap();
    assert_eq!(lists.imported.len(), 1);
    let (info, entries) = &lists.imported[0];
    assert_eq!(info.id, "watch");
    assert_eq!(entries[0].aliases, ["EI", "Ex Inst"]);
    assert!(db.list_version_in_force("watch").unwrap().unwrap().version == 1);
}
