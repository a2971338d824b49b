//! `xrefscan reclassify`: classify every stored work again, without crawling.

use super::{Ctx, ok};
use crate::cli::ReclassifyArgs;
use anyhow::Context;
use std::io::Write;
use std::process::ExitCode;
use xrefscan::classify::china::RegionPolicy;
use xrefscan::scan;
use xrefscan::store::{Access, Db};

pub fn run(args: &ReclassifyArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let db = Db::open(
        &ctx.db,
        Access::Write {
            command: "reclassify",
            wait: ctx.wait,
            create: false,
        },
    )?
    .shared();
    let policy = RegionPolicy {
        mainland_only: args.mainland_only,
    };
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let summary = rt
        .block_on(scan::reclassify(&db, policy, ctx.progress))
        .with_context(|| format!("reclassifying {}", ctx.db.display()))?;
    writeln!(std::io::stdout().lock(), "{summary}")?;
    ok()
}
