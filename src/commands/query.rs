//! `xrefscan query`: a canned query by name, or the user's own SQL, on a read-only connection.

use super::{Ctx, ok, usage};
use crate::cli::QueryArgs;
use std::io::Write;
use std::process::ExitCode;
use xrefscan::query;
use xrefscan::store::{Access, Db};

pub fn run(args: &QueryArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let dir = query::queries_dir(args.queries_dir.as_deref())?;
    if args.list {
        for q in query::list(dir.as_deref())? {
            let origin = if q.origin == "bundled" {
                String::new()
            } else {
                format!("  [{}]", q.origin)
            };
            writeln!(out, "{:<24} {}{origin}", q.name, q.about)?;
        }
        return ok();
    }
    let sql = match (&args.sql, &args.name) {
        (Some(sql), _) => sql.clone(),
        (None, Some(name)) => query::canned(name, dir.as_deref())?,
        (None, None) => return Err(usage("give a query NAME or --sql")),
    };
    let db = Db::open(&ctx.db, Access::Read)?;
    let result = db.read_query(&sql)?;
    query::render(&result, args.format, &mut out)?;
    ok()
}
