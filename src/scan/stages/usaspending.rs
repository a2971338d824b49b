//! USAspending: what the awards DoD-funded papers cite are worth. It starts beside the
//! acknowledgment reading, as soon as the discovery stages' works are classified, so that its
//! host (the slowest: 2 requests/s) is busy from then on; while the reading runs, the award
//! numbers its acknowledgments bring are asked every few seconds, and once more when it ends. Only numbers not answered
//! before are asked ([`crate::awards::resolve`]).

use super::ScanCtx;
use crate::awards::Resolved;
use crate::error::Result;
use crate::model::Source;
use crate::progress::Progress;
use crate::scan::summary::{SourceStatus, SourceSummary};

/// How often the award stage looks for numbers the reading brought while it runs.
const ROUND: std::time::Duration = std::time::Duration::from_secs(5);

pub(super) async fn run(ctx: &ScanCtx, pb: &Progress) -> Result<SourceSummary> {
    let classify = ctx.bar("classify");
    let mut opts = ctx.opts.awards.clone();
    let ep = opts.cfg.endpoint(opts.limits);
    ScanCtx::watch(pb, &ep);
    // Rounds while the acknowledgments are read, so this host (the slowest: 2 requests/s)
    // stays busy; the last round, after the reading ended, asks what it brought last.
    let mut r = Resolved::default();
    loop {
        let last = !ctx.reading_running();
        ctx.classify_now(&classify).await?;
        let round =
            crate::awards::resolve(&ctx.db, &ctx.http, &ep, &opts, Some(ctx.run_id()), pb).await?;
        // What was asked is answered now: later rounds ask only new numbers.
        opts.refresh = false;
        opts.budget = opts.budget.saturating_sub(round.asked as usize);
        r = merge(r, round);
        if last || r.failure.is_some() {
            break;
        }
        pb.phase("award numbers the acknowledgments bring", None);
        tokio::select! {
            _ = ctx.reading_done() => {}
            _ = tokio::time::sleep(ROUND) => {}
        }
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
