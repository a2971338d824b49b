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
    Ok(code(if healthy(&health) {
        exit::OK
    } else {
        exit::FAILURE
    }))
}

fn healthy(h: &Health) -> bool {
    h.integrity == ["ok"] && h.foreign_keys == 0 && h.orphans.iter().all(|(_, n)| *n == 0)
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
    let _ = writeln!(
        out,
        "runs marked running: {}{}",
        h.running,
        if h.running > 0 {
            " (a scan is going on, or one died; the next scan marks dead ones interrupted)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "{}",
        if healthy(h) {
            "healthy"
        } else {
            "PROBLEMS FOUND: keep a copy of the file before anything else; the backups/ folder beside it holds copies taken before migrations"
        }
    );
    out
}
