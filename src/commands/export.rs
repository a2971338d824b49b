//! `xrefscan export`: the flagged papers for staff, in the format asked for.

use super::{Ctx, ok, usage};
use anyhow::Context;
use std::process::ExitCode;
use xrefscan::cli::ExportArgs;
use xrefscan::export::{self, ExportOptions, Format};
use xrefscan::store::{Access, Db};

pub fn run(args: &ExportArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let format = Format::for_output(args.format, &args.out).map_err(|e| usage(e.to_string()))?;
    let db = Db::open(&ctx.db, Access::Read)?;
    let since_run = match (args.new_since_last_scan, args.since_scan) {
        (true, _) => Some(db.run_before_last_crawl()?),
        (false, Some(n)) if n != 0 && !db.run_exists(n)? => {
            return Err(usage(format!(
                "there is no scan #{n} in {}; `xrefscan query scan_history` lists them (0 means all)",
                ctx.db.display()
            )));
        }
        (false, n) => n,
    };
    let to = if export::is_stdout(&args.out) {
        "standard output".to_string()
    } else {
        args.out.display().to_string()
    };
    let n = export::export(
        &db,
        &args.out,
        &ExportOptions {
            format,
            bom: args.bom,
            mainland_only: args.mainland_only,
            since_run,
            exclude_dismissed: args.exclude_dismissed,
        },
    )
    .with_context(|| format!("exporting to {to}"))?;
    eprintln!(
        "wrote {n} flagged paper{} to {to}",
        if n == 1 { "" } else { "s" }
    );
    ok()
}
