//! `xrefscan review DOI [--status …]`: record a decision (under the writer lock) or show a
//! paper's history (read-only).

use super::{Ctx, ok};
use std::io::Write;
use std::process::ExitCode;
use xrefscan::cli::ReviewArgs;
use xrefscan::review;
use xrefscan::store::{Access, Db};

pub fn run(args: &ReviewArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let access = if args.status.is_some() {
        Access::Write {
            command: "review",
            wait: ctx.wait,
            create: false,
        }
    } else {
        Access::Read
    };
    let mut db = Db::open(&ctx.db, access)?;
    if let Some(status) = args.status {
        let doi = review::decide(&mut db, &args.doi, status, &args.note, args.by.as_deref())?;
        eprintln!("{doi}: {status}");
    }
    let (doi, history) = review::history(&db, &args.doi)?;
    let mut out = std::io::stdout().lock();
    if history.is_empty() {
        writeln!(out, "{doi}: no review yet")?;
    }
    for r in history {
        writeln!(out, "{}", r.line())?;
    }
    ok()
}
