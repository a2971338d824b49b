//! `xrefscan doctor`: is the database sound? Exit 1 when it is not.

use super::{Ctx, code};
use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;
use xrefscan::cli::exit;
use xrefscan::store::{Access, Db, Health};

pub fn run(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let db = Db::open(&ctx.db, Access::Read)?;
    let health = db.health()?;
    write!(std::io::stdout().lock(), "{}", report(&health))?;
    Ok(code(if health.ok() { exit::OK } else { exit::FAILURE }))
}

fn report(h: &Health) -> String {
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
        (_, n) if n > 0 => {
            " (left running by a process that died; the next write command marks them interrupted)"
                .to_string()
        }
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
    let _ = writeln!(
        out,
        "{}",
        if h.ok() {
            "healthy"
        } else {
            "PROBLEMS FOUND: keep a copy of the file before anything else; the backups/ folder beside it holds copies taken before migrations"
        }
    );
    out
}
