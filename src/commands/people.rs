//! `xrefscan people`: who is behind the flagged papers, read-only.

use super::{Ctx, ok};
use crate::cli::{PeopleArgs, ReportFormat};
use std::io::Write;
use std::process::ExitCode;
use xrefscan::people::{render_csv, render_table, report};
use xrefscan::store::{Access, Db};

pub fn run(args: &PeopleArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let db = Db::open(&ctx.db, Access::Read)?;
    let r = report(&db, args.min_papers as usize)?;
    if r.china.is_empty()
        && r.us.is_empty()
        && db.flag_counts()?.1 > 0
        && db.people(None)?.is_empty()
    {
        eprintln!(
            "the people of the flagged papers are not known yet in this database: run `xrefscan reclassify` (or the next scan) once"
        );
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        ReportFormat::Table => write!(out, "{}", render_table(&r))?,
        ReportFormat::Csv => write!(out, "{}", render_csv(&r)?)?,
        ReportFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&r)?)?,
    }
    ok()
}
