//! Every SQL statement xrefscan runs, and the one way into the database: [`Db::open`].
//!
//! Invariants:
//! - A [`Db`] opened for writing holds the writer lock (`<db>.lock`) for as long as it lives;
//!   migrations run only under it, after a copy of a database with data is kept in `backups/`.
//! - A [`Db`] opened for reading never writes (the connection is read-only and `query_only`),
//!   never takes the lock, and so never blocks a writer; on a database of an older schema it
//!   says which command migrates it instead of migrating.
//! - Only `scan` creates a database; every other command on a missing file says so.
//! - Each page of a crawl and its checkpoint commit in one transaction, so a killed process
//!   resumes where its last commit left it, and a page seen twice changes nothing.
//!
//! The statements live in one file per concern: [`crawl`] (checkpoints, pages, errors),
//! [`records`] (works and their child rows), [`runs`], [`documents`], [`facts`] (what the
//! classifier reads), [`flags`], [`reviews`] (reviews and overrides), [`lists`] and
//! [`report`] (stats, doctor, read-only user SQL).

mod awards;
mod cards;
mod crawl;
mod documents;
mod facts;
mod flags;
mod lists;
mod lock;
mod records;
mod report;
mod reviews;
mod runs;
mod sink;

pub use crate::model::{Checkpoint, Document, PageCandidate, PageOutcome};
pub use awards::{AwardFilter, AwardGroup, AwardSummary};
pub use cards::{CardAward, CardFacts, EvidenceRow};
pub use crawl::Page;
pub use flags::FlagFilter;
pub use lock::{WriteLock, holder as lock_holder};
pub use report::{Health, QueryResult, StatsSection, Unfinished};
pub use reviews::{OverrideRow, ReviewRow};
pub use runs::{RECLASSIFY_SOURCES, RunSummaryRow, RunTotals, SourceTotals};
pub use sink::RunSink;

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{M, Migrations};
use std::path::{Path, PathBuf};

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../db/migrations/0001_initial.sql")),
    M::up(include_str!("../../db/migrations/0002_entities.sql")),
    M::up(include_str!("../../db/migrations/0003_acknowledgments.sql")),
    M::up(include_str!("../../db/migrations/0004_reviews.sql")),
    M::up(include_str!("../../db/migrations/0005_overrides.sql")),
    M::up(include_str!(
        "../../db/migrations/0006_names_and_list_versions.sql"
    )),
    M::up(include_str!("../../db/migrations/0007_severity.sql")),
    M::up(include_str!(
        "../../db/migrations/0008_discovery_routes.sql"
    )),
    M::up(include_str!("../../db/migrations/0009_award_ledger.sql")),
    M::up(include_str!(
        "../../db/migrations/0010_flags_updated_index.sql"
    )),
    M::up(include_str!(
        "../../db/migrations/0011_entity_listed_since.sql"
    )),
];

/// The schema version this build writes.
pub fn schema_version() -> usize {
    MIGRATIONS.len()
}

/// The current time as stored (UTC, seconds).
pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// How a command uses the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only: no lock, no writes, no migration.
    Read,
    /// Write under the lock. `command` is what the lock file tells a second writer; `wait`
    /// queues behind a holder instead of failing; `create` makes a missing database (only
    /// `scan` does).
    Write {
        command: &'static str,
        wait: bool,
        create: bool,
    },
    /// Reviewers' annotations (reviews, overrides) from the review page, next to a running
    /// scan: no writer lock, only SQLite's own (WAL, short transactions, a short busy wait);
    /// never creates, never migrates (a database behind this build is refused, as for readers).
    Annotate,
}

impl Access {
    /// Write access for `command`, failing at once when another writer holds the lock.
    pub fn write(command: &'static str) -> Access {
        Access::Write {
            command,
            wait: false,
            create: false,
        }
    }
}

/// The database, opened one way or the other.
pub struct Db {
    conn: Connection,
    path: PathBuf,
    /// Held while the value lives; `None` for readers.
    lock: Option<WriteLock>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.path)
            .field("writer", &self.lock.is_some())
            .finish()
    }
}

impl Db {
    /// The only way in. See the module documentation for what each access promises.
    pub fn open(path: &Path, access: Access) -> Result<Db> {
        match access {
            Access::Read => open_read(path),
            Access::Write {
                command,
                wait,
                create,
            } => open_write(path, command, wait, create),
            Access::Annotate => open_annotate(path),
        }
    }

    /// The file this database lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this handle holds the writer lock.
    pub fn is_writer(&self) -> bool {
        self.lock.is_some()
    }

    /// Wrap a writer for async callers.
    pub fn shared(self) -> SharedDb {
        SharedDb(std::sync::Arc::new(std::sync::Mutex::new(self)))
    }

    /// The raw connection, for tests that inspect or damage a database on purpose.
    #[doc(hidden)]
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// The first 16 bytes of every SQLite file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

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

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    Ok(())
}

fn open_read(path: &Path) -> Result<Db> {
    if !path.exists() {
        return Err(Error::NoDatabase {
            path: path.to_path_buf(),
            hint: "run `xrefscan scan` first or pass --db".into(),
        });
    }
    check_is_sqlite(path)?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(|e| not_a_database_or(path, e))?;
    configure(&conn)?;
    conn.pragma_update(None, "query_only", "ON")?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get("user_version"))
        .map_err(|e| not_a_database_or(path, e))?;
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

fn open_annotate(path: &Path) -> Result<Db> {
    // The same checks as a reader: present, SQLite, at this build's schema.
    drop(open_read(path)?);
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

fn open_write(path: &Path, command: &'static str, wait: bool, create: bool) -> Result<Db> {
    if path.exists() {
        check_is_sqlite(path)?;
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

/// SQLite says "file is not a database" (code NotADB) for a damaged or foreign file: name the
/// path once instead.
fn not_a_database_or(path: &Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => Error::NotADatabase(path.to_path_buf()),
        _ => Error::Db(e),
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

/// A writer behind a mutex, for async callers: every call runs on a blocking thread, and the
/// mutex keeps this process's writes in one line.
#[derive(Clone)]
pub struct SharedDb(std::sync::Arc<std::sync::Mutex<Db>>);

impl SharedDb {
    /// Run `f` with the database on a blocking thread.
    pub async fn run<F, R>(&self, f: F) -> Result<R>
    where
        F: FnOnce(&mut Db) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = inner.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| Error::Invalid(format!("store task failed: {e}")))?
    }

    /// Run `f` with the database on this thread (after the async runtime has stopped).
    pub fn blocking<R>(&self, f: impl FnOnce(&mut Db) -> Result<R>) -> Result<R> {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

#[cfg(test)]
mod tests;
