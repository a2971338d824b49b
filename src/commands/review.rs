//! `xrefscan review DOI [--status … | --undo]`: record or undo a decision, or show a paper's
//! history (read-only). A decision is one short transaction beside a running scan, as on the
//! review page (`Access::Annotate`).

use super::{Ctx, ok};
use crate::cli::ReviewArgs;
use std::io::Write;
use std::process::ExitCode;
use xrefscan::review::{self, Paper};
use xrefscan::store::{Access, Db};

pub fn run(args: &ReviewArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let _ = ctx.wait;
    let access = if args.status.is_some() || args.undo {
        Access::Annotate
    } else {
        Access::Read
    };
    let mut db = Db::open(&ctx.db, access)?;
    if let Some(status) = args.status {
        let doi = review::decide(
            &mut db,
            Paper::Doi(&args.doi),
            status,
            &args.note,
            args.by.as_deref(),
            None,
        )?;
        eprintln!("{doi}: {status}");
    }
    if args.undo {
        let (doi, undone, now) = review::undo(&mut db, Paper::Doi(&args.doi), args.by.as_deref())?;
        eprintln!(
            "{doi}: {undone} undone; {}",
            now.map_or("no decision in force".to_string(), |s| format!(
                "{s} in force again"
            ))
        );
    }
    let (doi, history) = review::history(&db, Paper::Doi(&args.doi))?;
    let mut out = std::io::stdout().lock();
    if history.is_empty() {
        writeln!(out, "{doi}: no review yet")?;
    }
    for r in history {
        writeln!(out, "{}", r.line())?;
    }
    ok()
}
