//! USAspending: what the awards DoD-funded papers cite are worth. It starts beside the
//! acknowledgment reading, as soon as the discovery stages' works are classified, so that its
//! host (the slowest: 2 requests/s) is busy from then on; when the reading ends, the award
//! numbers its acknowledgments brought are asked in a second round. Only numbers not answered
//! before are asked ([`crate::awards::resolve`]).

use super::ScanCtx;
use crate::awards::Resolved;
use crate::error::Result;
use crate::model::Source;
use crate::progress::Progress;
use crate::scan::summary::{SourceStatus, SourceSummary};

pub(super) async fn run(ctx: &ScanCtx, pb: &Progress) -> Result<SourceSummary> {
    let classify = ctx.bar("classify");
    ctx.classify_now(&classify).await?;
    let mut opts = ctx.opts.awards.clone();
    let ep = opts.cfg.endpoint(opts.limits);
    ScanCtx::watch(pb, &ep);
    let mut r =
        crate::awards::resolve(&ctx.db, &ctx.http, &ep, &opts, Some(ctx.run_id()), pb).await?;
    if r.failure.is_none() && ctx.reading_running() {
        pb.phase("waiting for the acknowledgments being read", None);
        ctx.reading_done().await;
        ctx.classify_now(&classify).await?;
        // What the first round asked is answered now: only new numbers are left.
        opts.refresh = false;
        opts.budget = opts.budget.saturating_sub(r.asked as usize);
        let more =
            crate::awards::resolve(&ctx.db, &ctx.http, &ep, &opts, Some(ctx.run_id()), pb).await?;
        r = merge(r, more);
    }
    classify.finish_and_clear();
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

fn merge(a: Resolved, b: Resolved) -> Resolved {
    Resolved {
        asked: a.asked + b.asked,
        found: a.found + b.found,
        not_found: a.not_found + b.not_found,
        ambiguous: a.ambiguous + b.ambiguous,
        pages: a.pages + b.pages,
        left: b.left,
        failure: b.failure,
    }
}
