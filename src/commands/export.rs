//! `xrefscan export`: the flagged papers for staff, in the format asked for.

use super::{Ctx, ok, usage};
use crate::cli::ExportArgs;
use anyhow::Context;
use std::process::ExitCode;
use xrefscan::export::{self, ExportOptions, Format, Since};
use xrefscan::store::{Access, Db};

pub fn run(args: &ExportArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let format = Format::for_output(args.format, &args.out).map_err(|e| usage(e.to_string()))?;
    let db = Db::open(&ctx.db, Access::Read)?;
    let since = match (args.new_since_last_scan, args.since_scan) {
        (true, _) => Since::LastScan,
        (false, None | Some(0)) => Since::Always,
        (false, Some(n)) => Since::Scan(n),
    };
    let since_run = since.run(&db).map_err(|e| usage(e.to_string()))?;
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
