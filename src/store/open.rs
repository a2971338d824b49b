//! Opening the database, one way per [`Access`]: readers never write a byte (a database at
//! rest is one file, and a copy in a folder nobody may write is opened `immutable`), writers
//! take the lock and migrate (after a copy in `backups/`), and a file that is not xrefscan's —
//! not SQLite, or another program's SQLite — is refused, named and left untouched.

use super::{Db, MIGRATIONS, WriteLock};
use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::Migrations;
use std::path::{Path, PathBuf};

/// The first 16 bytes of every SQLite file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// `PRAGMA application_id` of an xrefscan database ("xrfs"), set by migration 0011.
pub const APPLICATION_ID: i64 = 0x7872_6673;

/// Tables only an xrefscan database has: what marks one made before the application id.
const OUR_TABLES: &[&str] = &["works", "scan_runs", "checkpoints", "flags"];

/// Refuse a file that is not SQLite before anything (a lock file, a migration) touches it.
fn check_is_sqlite(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(path)
        .and_then(|f| f.take(16).read_to_end(&mut head))
        .map_err(|e| Error::io(path, e))?;
    if head.is_empty() || head.as_slice() == SQLITE_HEADER {
        Ok(())
    } else {
        Err(Error::NotADatabase(path.to_path_buf()))
    }
}

/// What an SQLite file holds.
#[derive(Debug, PartialEq, Eq)]
enum Holds {
    /// Nothing yet (a new file): `scan` makes it an xrefscan database.
    Empty,
    /// An xrefscan database at this schema version.
    Ours(i64),
    /// Another program's database: its tables.
    Foreign(Vec<String>),
}

fn inspect(conn: &Connection) -> rusqlite::Result<Holds> {
    let app: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let mut st = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    let tables: Vec<String> = st
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(match app {
        APPLICATION_ID => Holds::Ours(version),
        0 if tables.is_empty() && version == 0 => Holds::Empty,
        0 if version >= 1 && OUR_TABLES.iter().all(|t| tables.iter().any(|x| x == t)) => {
            Holds::Ours(version)
        }
        _ => Holds::Foreign(tables),
    })
}

fn foreign(path: &Path, tables: &[String]) -> Error {
    let mut shown: Vec<&str> = tables.iter().take(5).map(String::as_str).collect();
    if tables.len() > 5 {
        shown.push("…");
    }
    Error::ForeignDatabase {
        path: path.to_path_buf(),
        tables: if shown.is_empty() {
            "no tables".into()
        } else {
            shown.join(", ")
        },
    }
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    Ok(())
}

/// A read-only connection that writes nothing: the normal one, or — when SQLite cannot
/// read a write-ahead-log database without writing beside it (a folder or file the user may
/// not write) — an `immutable` one, which needs no lock and no shared-memory file.
fn read_connection(path: &Path) -> Result<(Connection, Holds)> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    // A first look that leaves nothing beside the file (no -wal, no -shm): another program's
    // database is refused before SQLite opens it the ordinary way.
    if let Ok(c) = Connection::open_with_flags(immutable_uri(path)?, flags)
        && let Ok(Holds::Foreign(tables)) = inspect(&c)
    {
        return Err(foreign(path, &tables));
    }
    let normal = Connection::open_with_flags(path, flags).and_then(|c| {
        let holds = inspect(&c)?;
        Ok((c, holds))
    });
    match normal {
        Ok(x) => Ok(x),
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen)
            ) =>
        {
            let wal = PathBuf::from(format!("{}-wal", path.display()));
            if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
                tracing::warn!(
                    "{} is read-only and its -wal file holds changes a read-only reader cannot \
                     apply: what is shown may be older than the last scan (copy the database \
                     after `xrefscan doctor` on a writable copy, or ask its owner)",
                    path.display()
                );
            }
            let c = Connection::open_with_flags(immutable_uri(path)?, flags)
                .map_err(|e| not_a_database_or(path, e))?;
            let holds = inspect(&c).map_err(|e| not_a_database_or(path, e))?;
            Ok((c, holds))
        }
        Err(e) => Err(not_a_database_or(path, e)),
    }
}

/// `file:///…?immutable=1`: read without locks or a shared-memory file.
fn immutable_uri(path: &Path) -> Result<String> {
    let abs = std::path::absolute(path).map_err(|e| Error::io(path, e))?;
    let uri =
        url::Url::from_file_path(&abs).map_err(|_| Error::NotADatabase(path.to_path_buf()))?;
    Ok(format!("{uri}?immutable=1"))
}

pub(super) fn open_read(path: &Path) -> Result<Db> {
    if !path.exists() {
        return Err(Error::NoDatabase {
            path: path.to_path_buf(),
            hint: "run `xrefscan scan` first or pass --db".into(),
        });
    }
    check_is_sqlite(path)?;
    let (conn, holds) = read_connection(path)?;
    configure(&conn)?;
    conn.pragma_update(None, "query_only", "ON")?;
    let version = match holds {
        Holds::Foreign(tables) => return Err(foreign(path, &tables)),
        Holds::Empty => {
            return Err(Error::NoDatabase {
                path: path.to_path_buf(),
                hint: "the file is empty; run `xrefscan scan` to fill it".into(),
            });
        }
        Holds::Ours(v) => v,
    };
    let want = MIGRATIONS.len() as i64;
    if version < want {
        return Err(Error::SchemaBehind {
            path: path.to_path_buf(),
            have: version,
            want,
        });
    }
    if version > want {
        return Err(Error::SchemaAhead {
            path: path.to_path_buf(),
            have: version,
            want,
        });
    }
    Ok(Db {
        conn,
        path: path.to_path_buf(),
        lock: None,
    })
}

pub(super) fn open_annotate(path: &Path) -> Result<Db> {
    if !path.exists() {
        return Err(Error::NoDatabase {
            path: path.to_path_buf(),
            hint: "only `xrefscan scan` creates a database; check --db (XREFSCAN_DB)".into(),
        });
    }
    // The same checks as a reader: present, SQLite, xrefscan's, at this build's schema.
    drop(open_read(path)?);
    writable(path)?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(|e| not_a_database_or(path, e))?;
    // A scan's page is one short transaction: wait a little for it, not half a minute.
    conn.busy_timeout(ANNOTATE_BUSY)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(Db {
        conn,
        path: path.to_path_buf(),
        lock: None,
    })
}

/// How long an annotation waits for a scan's transaction before saying the database is busy.
pub const ANNOTATE_BUSY: std::time::Duration = std::time::Duration::from_secs(3);

/// A database to be written must be a file this user may write, in a folder this user may
/// write (SQLite keeps its journal beside it): otherwise say it is a permissions problem.
fn writable(path: &Path) -> Result<()> {
    let refuse = |why: String| Error::ReadOnlyDatabase {
        path: path.to_path_buf(),
        why,
    };
    if let Err(e) = std::fs::OpenOptions::new().write(true).open(path)
        && matches!(
            e.kind(),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
        )
    {
        return Err(refuse(format!("the file cannot be written ({e})")));
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let probe = dir.join(format!(".xrefscan-write-test-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            Err(refuse(format!(
                "its folder {} cannot be written ({e}); SQLite keeps its journal there",
                dir.display()
            )))
        }
        Err(_) => Ok(()),
    }
}

pub(super) fn open_write(
    path: &Path,
    command: &'static str,
    wait: bool,
    create: bool,
) -> Result<Db> {
    if path.exists() {
        check_is_sqlite(path)?;
        // Another program's database is refused before anything — a lock file, a
        // migration — touches it.
        if let (_, Holds::Foreign(tables)) = read_connection(path)? {
            return Err(foreign(path, &tables));
        }
        writable(path)?;
    } else if create {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
    } else {
        return Err(Error::NoDatabase {
            path: path.to_path_buf(),
            hint: "only `xrefscan scan` creates a database; check --db (XREFSCAN_DB)".into(),
        });
    }
    let lock = WriteLock::acquire(path, command, wait)?;
    match open_locked(path) {
        Ok(conn) => Ok(Db {
            conn,
            path: path.to_path_buf(),
            lock: Some(lock),
        }),
        Err(e) => {
            lock.release_and_remove_if_created();
            Err(e)
        }
    }
}

fn open_locked(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open(path).map_err(|e| not_a_database_or(path, e))?;
    // A page write uses ~20 distinct statements (bulk inserts of every remainder size among
    // them); the default cache of 16 would thrash.
    conn.set_prepared_statement_cache_capacity(128);
    configure(&conn)?;
    // Records are a few KB of JSON each: larger pages mean fewer overflow chains. Takes effect
    // only on a new, empty database (before WAL is switched on).
    conn.pragma_update(None, "page_size", 8192)
        .map_err(|e| not_a_database_or(path, e))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -65536)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Checkpoint every ~64 MiB of WAL rather than 8: a scan writes in bursts of whole pages,
    // and each checkpoint writes everything a second time.
    conn.pragma_update(None, "wal_autocheckpoint", 8192)?;
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get("user_version"))?;
    if version > MIGRATIONS.len() as i64 {
        return Err(Error::SchemaAhead {
            path: path.to_path_buf(),
            have: version,
            want: MIGRATIONS.len() as i64,
        });
    }
    backup_before_migrating(&conn, path)?;
    Migrations::from_slice(MIGRATIONS)
        .to_latest(&mut conn)
        .map_err(|e| Error::Migration(e.to_string()))?;
    Ok(conn)
}

/// A writer leaves the database as one file: out of write-ahead-log mode when nothing else
/// has it open (the log merged and removed), so a reader, or a copy, needs nothing beside it.
/// When a reader (the review page) still has it open, it stays as it is.
pub(super) fn leave_as_one_file(conn: &Connection) {
    let _ = conn.busy_timeout(std::time::Duration::ZERO);
    let _ = conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()));
}

/// SQLite says "file is not a database" (code NotADB) for a damaged or foreign file: name the
/// path once instead.
fn not_a_database_or(path: &Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => Error::NotADatabase(path.to_path_buf()),
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => Error::Damaged {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
        _ => Error::from(e),
    }
}

/// Before a migration changes a database that holds data, copy it whole (`VACUUM INTO`) to
/// `backups/` beside it, so a failed or unwanted migration loses nothing.
fn backup_before_migrating(conn: &Connection, path: &Path) -> Result<Option<PathBuf>> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get("user_version"))?;
    if version == 0 || version as usize >= MIGRATIONS.len() {
        return Ok(None);
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("backups");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "xrefscan".into());
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let target = dir.join(format!("{stem}-schema{version}-{stamp}.sqlite"));
    conn.execute("VACUUM INTO ?1", [target.to_string_lossy()])?;
    tracing::warn!(
        "database schema {version} → {}: a copy was kept at {}",
        MIGRATIONS.len(),
        target.display()
    );
    Ok(Some(target))
}
