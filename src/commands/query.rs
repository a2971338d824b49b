//! `xrefscan query`: a canned query by name, or the user's own SQL, on a read-only connection.

use super::{Ctx, ok, usage};
use std::io::Write;
use std::process::ExitCode;
use xrefscan::cli::QueryArgs;
use xrefscan::query;
use xrefscan::store::{Access, Db};

pub fn run(args: &QueryArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if args.list {
        for (name, sql) in query::CANNED {
            let about = sql
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("--")
                .trim();
            writeln!(out, "{name:<24} {about}")?;
        }
        return ok();
    }
    let sql = match (&args.sql, &args.name) {
        (Some(sql), _) => sql.clone(),
        (None, Some(name)) => query::canned(name, &args.queries_dir)?,
        (None, None) => return Err(usage("give a query NAME or --sql")),
    };
    let db = Db::open(&ctx.db, Access::Read)?;
    let result = db.read_query(&sql)?;
    query::render(&result, args.format, &mut out)?;
    ok()
}
