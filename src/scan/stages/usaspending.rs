//! USAspending: what the awards DoD-funded papers cite are worth. It runs last, after the
//! works the other stages found are classified (their cited awards derive from the decisions),
//! and asks only about numbers not answered before ([`crate::awards::resolve`]).

use super::ScanCtx;
use crate::error::Result;
use crate::model::Source;
use crate::progress::Progress;
use crate::scan::summary::{SourceStatus, SourceSummary};

pub(super) async fn run(ctx: &ScanCtx, pb: &Progress) -> Result<SourceSummary> {
    let classify = ctx.bar("classify");
    ctx.classify_now(&classify).await?;
    classify.finish_and_clear();
    let opts = &ctx.opts.awards;
    let ep = opts.cfg.endpoint(opts.limits);
    ScanCtx::watch(pb, &ep);
    let r = crate::awards::resolve(&ctx.db, &ctx.http, &ep, opts, Some(ctx.run_id()), pb).await?;
    let status = match &r.failure {
        Some(why) => SourceStatus::Incomplete(why.clone()),
        None => SourceStatus::Ok,
    };
    Ok(SourceSummary {
        works: r.found,
        status,
        note: Some(r.note()),
        ..SourceSummary::from_endpoint(Source::UsaSpending, &ep)
    })
}
