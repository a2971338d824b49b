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
mod open;
mod people;
mod records;
mod report;
mod reviews;
mod runs;
mod sink;

pub use crate::model::{AckBacklog, AckCandidate, Checkpoint, Document, PageOutcome};
pub use awards::{AwardFilter, AwardGroup, AwardSummary};
pub use cards::{CardAck, CardAward, CardFacts, EvidenceRow, LatestReview};
pub use crawl::Page;
pub use flags::FlagFilter;
pub use lists::ListVersion;
pub use lock::{WriteLock, holder as lock_holder};
pub use people::{PersonOverrideRow, PersonPaper, PersonRow, PlacedRow};
pub use report::{Health, QueryResult, StatsSection, Unfinished};
pub use reviews::{OverrideRow, ReviewRow};
pub use runs::{RECLASSIFY_SOURCES, RunSummaryRow, RunTotals, SourceTotals};
pub use sink::RunSink;

use crate::error::{Error, Result};
pub use open::{ANNOTATE_BUSY, APPLICATION_ID};
use open::{open_annotate, open_read, open_write};
use rusqlite::Connection;
use rusqlite_migration::M;
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
    M::up(include_str!("../../db/migrations/0012_run_notes.sql")),
    M::up(include_str!(
        "../../db/migrations/0013_award_recipient_level.sql"
    )),
    M::up(include_str!("../../db/migrations/0014_people.sql")),
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

impl Drop for Db {
    fn drop(&mut self) {
        if self.lock.is_some() {
            open::leave_as_one_file(&self.conn);
        }
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
        .map_err(|e| Error::Internal(format!("store task failed: {e}")))?
    }

    /// Run `f` with the database on this thread (after the async runtime has stopped).
    pub fn blocking<R>(&self, f: impl FnOnce(&mut Db) -> Result<R>) -> Result<R> {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

#[cfg(test)]
mod tests;
