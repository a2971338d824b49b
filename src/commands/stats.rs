//! `xrefscan stats`: what is in the database and how the scans went.

use super::{Ctx, ok};
use std::io::Write;
use std::process::ExitCode;
use xrefscan::query::{self, QueryFormat};
use xrefscan::store::{Access, Db};

pub fn run(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let db = Db::open(&ctx.db, Access::Read)?;
    let by_component = query::canned_sql("flagged_by_component");
    let mut text = Vec::new();
    for (i, section) in db.stats(by_component)?.into_iter().enumerate() {
        if i > 0 {
            writeln!(text)?;
        }
        writeln!(text, "{}", section.title)?;
        query::render(&section.result, QueryFormat::Table, &mut text)?;
        if !text.ends_with(b"\n") {
            text.push(b'\n');
        }
    }
    std::io::stdout().lock().write_all(&text)?;
    ok()
}
