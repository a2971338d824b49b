//! `xrefscan doctor`: is the database sound? Exit 1 when it is not.

use super::{Ctx, code};
use crate::cli::exit;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use xrefscan::Error;
use xrefscan::store::{Access, Db, Health};

pub fn run(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    // A damaged file is what doctor is for: say so, and how to recover, instead of failing.
    let health = Db::open(&ctx.db, Access::Read).and_then(|db| db.health());
    let health = match health {
        Ok(h) => h,
        Err(e) if damaged(&e) => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "integrity check: failed: {}", cause(&e))?;
            writeln!(out, "{}", problems_found(&ctx.db))?;
            writeln!(
                out,
                "recover what SQLite can still read: sqlite3 {} .recover | sqlite3 recovered.sqlite",
                ctx.db.display()
            )?;
            return Ok(code(exit::FAILURE));
        }
        Err(e) => return Err(e.into()),
    };
    write!(
        std::io::stdout().lock(),
        "{}",
        report(&health, &problems_found(&ctx.db))
    )?;
    Ok(code(if health.ok() { exit::OK } else { exit::FAILURE }))
}

/// Whether SQLite found the file damaged (not a missing or foreign file).
fn damaged(e: &Error) -> bool {
    match e {
        Error::Damaged { .. } => true,
        Error::Db(d) => matches!(
            d.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
        ),
        _ => false,
    }
}

fn cause(e: &Error) -> String {
    match e {
        Error::Damaged { message, .. } => message.clone(),
        e => e.to_string(),
    }
}

/// What to do when something is wrong: keep a copy, and the newest copy in `backups/` when
/// there is one (said only when there is).
fn problems_found(db: &Path) -> String {
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("backups");
    let newest = std::fs::read_dir(&dir).ok().and_then(|entries| {
        entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "sqlite"))
            .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
            .map(|e| e.path())
    });
    match newest {
        Some(copy) => format!(
            "PROBLEMS FOUND: keep a copy of {} before anything else; the newest copy taken before a migration is {}",
            db.display(),
            copy.display()
        ),
        None => format!(
            "PROBLEMS FOUND: keep a copy of {} before anything else",
            db.display()
        ),
    }
}

fn report(h: &Health, problems: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "integrity check: {}", h.integrity.join("; "));
    let _ = writeln!(out, "foreign-key violations: {}", h.foreign_keys);
    out.push_str("rows:\n");
    for (t, n) in &h.counts {
        let _ = writeln!(out, "  {t:<18} {n}");
    }
    out.push_str("rows whose work is missing:\n");
    for (t, n) in &h.orphans {
        let _ = writeln!(out, "  {t:<18} {n}");
    }
    let why = match (&h.writer, h.dead_runs()) {
        _ if h.running == 0 => String::new(),
        (Some((who, Some(true))), _) => format!(" (a scan is going on: {who})"),
        (_, n) if n > 0 => " (notice: left running by a process that died; the next scan marks \
             them interrupted and resumes their work, `xrefscan reclassify` marks them now)"
            .to_string(),
        _ => String::new(),
    };
    let _ = writeln!(out, "runs marked running: {}{why}", h.running);
    if h.unfinished.is_empty() {
        out.push_str("crawls missing records: none\n");
    } else {
        let _ = writeln!(
            out,
            "crawls missing records: {} (fewer records stored than the source announced)",
            h.unfinished.len()
        );
        for u in &h.unfinished {
            let state = if u.done {
                "marked done"
            } else {
                "left not done"
            };
            let _ = writeln!(
                out,
                "  {} {}: {} of {} ({state}); repair: {}",
                u.source,
                u.key,
                u.items,
                u.announced,
                u.repair()
            );
        }
    }
    let _ = writeln!(out, "{}", if h.ok() { "healthy" } else { problems });
    out
}
