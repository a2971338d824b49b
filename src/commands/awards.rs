//! `xrefscan awards`: what the acknowledged awards are worth (the committee's headline), and
//! `awards resolve`: ask USAspending about the award numbers not answered yet.

use super::{Ctx, code, ok};
use crate::cli::{AwardsArgs, AwardsCommand, AwardsResolveArgs, ReportFormat, exit};
use anyhow::Context;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;
use xrefscan::awards::{self, render_csv, render_json, render_table};
use xrefscan::classify::china::RegionPolicy;
use xrefscan::sources::http::{ClientConfig, HttpClient};
use xrefscan::store::{Access, AwardFilter, Db};

pub fn run(args: &AwardsArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    match &args.command {
        Some(AwardsCommand::Resolve(r)) => resolve(r, ctx),
        None => summary(args, ctx),
    }
}

fn summary(args: &AwardsArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let db = Db::open(&ctx.db, Access::Read)?;
    let s = awards::summary(
        &db,
        &AwardFilter {
            mainland_only: args.mainland_only,
            tier: args.tier,
            exclude_dismissed: args.exclude_dismissed,
        },
    )?;
    let mut out = std::io::stdout().lock();
    match args.format {
        ReportFormat::Table => {
            write!(out, "{}", render_table(&s, args.top))?;
            if s.pending > 0 {
                writeln!(
                    out,
                    "\n{} award numbers not asked yet: run `xrefscan awards resolve`",
                    s.pending
                )?;
            }
        }
        ReportFormat::Csv => write!(out, "{}", render_csv(&s)?)?,
        ReportFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&render_json(&s))?)?,
    }
    ok()
}

fn resolve(args: &AwardsResolveArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let db = Db::open(
        &ctx.db,
        Access::Write {
            command: "awards resolve",
            wait: ctx.wait,
            create: false,
        },
    )?
    .shared();
    let opts = args.usaspending.settings(args.refresh);
    let http = HttpClient::new(ClientConfig::new(
        args.mailto.as_deref(),
        Duration::from_secs(args.timeout),
        args.max_retries,
    ))?;
    let ep = opts.cfg.endpoint(opts.limits);
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let policy = RegionPolicy {
        mainland_only: args.mainland_only,
    };
    let r = rt
        .block_on(async {
            xrefscan::scan::classify_pending(&db, policy).await?;
            awards::resolve(
                &db,
                &http,
                &ep,
                &opts,
                None,
                &xrefscan::progress::Progress::hidden(),
            )
            .await
        })
        .with_context(|| format!("resolving awards in {}", ctx.db.display()))?;
    let (requests, retries, errors) = ep.stats.snapshot();
    writeln!(
        std::io::stdout().lock(),
        "{} ({requests} requests, {retries} retries, {errors} errors)",
        r.note()
    )?;
    if let Some(why) = &r.failure {
        eprintln!("stopped early: {why}\nthe next `xrefscan awards resolve` goes on from here");
        return Ok(code(exit::INCOMPLETE));
    }
    ok()
}
