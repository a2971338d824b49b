//! `xrefscan stats`: what is in the database and how the scans went.

use super::{Ctx, ok};
use std::io::Write;
use std::process::ExitCode;
use xrefscan::query::{self, QueryFormat};
use xrefscan::store::{Access, Db};

pub fn run(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let db = Db::open(&ctx.db, Access::Read)?;
    let by_component = query::canned_sql("flagged_by_component");
    let mut out = std::io::stdout().lock();
    for section in db.stats(by_component)? {
        writeln!(out, "\n{}", section.title)?;
        query::render(&section.result, QueryFormat::Table, &mut out)?;
    }
    ok()
}
