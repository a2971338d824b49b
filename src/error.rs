//! The library's error type. Each variant says what went wrong in words a user can act on; the
//! binary adds context with `anyhow` and maps the result to an exit code.

use std::path::PathBuf;

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database could not be opened, migrated or written.
    #[error("database error: {0}")]
    Db(rusqlite::Error),

    /// Another connection held the database past the busy timeout (a scan writing while a
    /// reviewer saves, say): nothing was written; the same request succeeds a moment later.
    #[error(
        "the database is busy (another xrefscan is writing to it); nothing was changed, try again in a moment ({0})"
    )]
    Busy(rusqlite::Error),

    /// A schema migration failed; the database was left at its previous version.
    #[error("could not migrate the database: {0}")]
    Migration(String),

    /// The database file is missing, for a command that does not create one.
    #[error("no database at {}: {hint}", path.display())]
    NoDatabase { path: PathBuf, hint: String },

    /// The file is not SQLite (or is damaged beyond SQLite's reading).
    #[error("{} is not an xrefscan database (not an SQLite file); check --db", .0.display())]
    NotADatabase(PathBuf),

    /// The file is SQLite but another program's: refused, untouched.
    #[error(
        "{} is an SQLite database of another program (tables: {tables}), not xrefscan's; nothing was changed — check --db (XREFSCAN_DB)",
        path.display()
    )]
    ForeignDatabase { path: PathBuf, tables: String },

    /// The database (or its folder) cannot be written by this user: a permissions problem.
    #[error(
        "{} cannot be written: {why}. This is a permissions problem: read it with the read-only commands (export, query, stats, doctor, serve --read-only), or copy it somewhere you may write",
        path.display()
    )]
    ReadOnlyDatabase { path: PathBuf, why: String },

    /// SQLite found the file damaged.
    #[error(
        "{} is damaged ({message}); keep a copy of it, then restore the newest copy in backups/ beside it if there is one, or recover what can be read with `sqlite3 {} .recover | sqlite3 recovered.sqlite`",
        path.display(),
        path.display()
    )]
    Damaged { path: PathBuf, message: String },

    /// A reader met a database of an older schema; readers never migrate.
    #[error(
        "{} has schema {have}, older than this xrefscan's {want}; run any write command (e.g. `xrefscan reclassify`) to migrate it (a copy is kept in backups/ first)",
        path.display()
    )]
    SchemaBehind { path: PathBuf, have: i64, want: i64 },

    /// The database was written by a newer xrefscan.
    #[error(
        "{} has schema {have}, newer than this xrefscan's {want}; use the newer xrefscan",
        path.display()
    )]
    SchemaAhead { path: PathBuf, have: i64, want: i64 },

    /// Another xrefscan process is writing to the database.
    #[error(
        "another xrefscan is writing to this database ({0}); wait for it to finish, or pass --wait to queue behind it"
    )]
    Locked(String),

    /// A file could not be read or written. The io error is said once, in this message (it is
    /// not also a "source" an error report would print again).
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },

    /// A request failed for good after its retries (network error, timeout, 5xx).
    #[error(
        "{source_name}: request to {} failed after {attempts} attempt(s): {message}",
        short_url(url)
    )]
    Http {
        source_name: &'static str,
        url: String,
        attempts: u32,
        message: String,
    },

    /// The server answered with a client error that retrying will not fix (400, 401, 403, 404).
    #[error("{source_name}: {} answered {status}: {message}", short_url(url))]
    Status {
        source_name: &'static str,
        url: String,
        status: u16,
        message: String,
    },

    /// The server sent something that is not the JSON we asked for (an HTML error page, say).
    #[error(
        "{source_name}: {} sent {content_type} instead of {expected} (status {status}): {snippet}",
        short_url(url)
    )]
    NotJson {
        source_name: &'static str,
        expected: &'static str,
        url: String,
        status: u16,
        content_type: String,
        snippet: String,
    },

    /// The body was JSON but not of the expected shape.
    #[error(
        "{source_name}: could not decode the response from {}: {message}",
        short_url(url)
    )]
    Decode {
        source_name: &'static str,
        url: String,
        message: String,
    },

    /// The source's daily budget is spent; the scan stopped it with its checkpoint saved.
    #[error("{source_name}: daily budget spent; resume after {resume_at}")]
    BudgetExhausted {
        source_name: &'static str,
        resume_at: String,
    },

    /// The source asked us to wait longer than `--max-retry-after` allows.
    #[error(
        "{source_name}: server asked to wait {seconds}s (more than --max-retry-after); resume later"
    )]
    BackOffTooLong {
        source_name: &'static str,
        seconds: u64,
    },

    /// A Crossref cursor expired (404 `cursor-invalid`); the shard restarts.
    #[error("{source_name}: cursor expired")]
    CursorExpired { source_name: &'static str },

    /// A query tried to change the database through the read-only `query` command.
    #[error(
        "query refused: `xrefscan query` is read-only and this statement would write ({0}); nothing was changed"
    )]
    WriteRefused(String),

    /// A canned query name that has no file in `queries/`.
    #[error("no canned query named {name:?}; available: {available}")]
    UnknownQuery { name: String, available: String },

    /// Bad input from the user — a date, an option, a DOI, a list or labelled file — said with
    /// what to give instead. Nothing was changed.
    #[error("{0}")]
    BadInput(String),

    /// A decision or correction names a paper that is not flagged in this database.
    #[error(
        "{0} has never been flagged in this database; reviews are for flagged papers (see `xrefscan export` or `xrefscan query flagged_papers`)"
    )]
    NotFlagged(String),

    /// The decision on a paper changed since the reviewer was shown it; nothing was saved.
    #[error(
        "the decision on this paper changed since the page was shown (now: {now}); look at it again and decide"
    )]
    Stale { now: String },

    /// Something of xrefscan's own failed (a worker thread, the HTTP client, the server):
    /// not the user's input, not the database.
    #[error("{0}")]
    Internal(String),

    /// Export failure (CSV, JSON or XLSX writer).
    #[error("export failed: {0}")]
    Export(String),
}

impl From<rusqlite::Error> for Error {
    /// A busy or locked database is its own case: callers answer it with "try again", not
    /// with a failure.
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                Error::Busy(e)
            }
            _ => Error::Db(e),
        }
    }
}

impl Error {
    /// The URL a request error is about (the whole of it, for the recorded problem).
    pub fn url(&self) -> Option<&str> {
        match self {
            Error::Http { url, .. }
            | Error::Status { url, .. }
            | Error::NotJson { url, .. }
            | Error::Decode { url, .. } => Some(url),
            _ => None,
        }
    }

    /// An `Io` error for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            error: source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A URL short enough for a one-line message: the path whole, the query cut after 60
/// characters (the full URL is kept with the recorded problem).
pub fn short_url(url: &str) -> String {
    const QUERY: usize = 60;
    match url.split_once('?') {
        Some((base, query)) if query.chars().count() > QUERY => {
            let cut: String = query.chars().take(QUERY).collect();
            format!("{base}?{cut}…")
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_query_is_cut_and_a_short_one_kept() {
        let long = format!(
            "https://api.crossref.org/funders/10.13039/100000005/works?filter={}",
            "x".repeat(400)
        );
        let s = super::short_url(&long);
        assert!(
            s.len() < 150 && s.ends_with('…') && s.contains("/funders/10.13039/100000005/works")
        );
        assert_eq!(
            super::short_url("https://a.org/b?c=d"),
            "https://a.org/b?c=d"
        );
    }
}

#[cfg(test)]
mod busy_tests {
    use super::*;

    #[test]
    fn a_busy_or_locked_database_is_its_own_case_and_says_to_try_again() {
        for code in [rusqlite::ffi::SQLITE_BUSY, rusqlite::ffi::SQLITE_LOCKED] {
            let e = Error::from(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(code),
                None,
            ));
            assert!(matches!(e, Error::Busy(_)), "{e:?}");
            assert!(e.to_string().contains("try again"), "{e}");
        }
        let other = Error::from(rusqlite::Error::QueryReturnedNoRows);
        assert!(matches!(other, Error::Db(_)));
    }
}
