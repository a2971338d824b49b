//! Publisher pages: the budgeted choice of works whose page may show what their metadata
//! lacks. The choice reads the decisions, so what the other stages found is classified first.

use super::ScanCtx;
use crate::error::Result;
use crate::model::Source;
use crate::progress::Progress;
use crate::scan::summary::SourceSummary;
use crate::sources::pages::PageFetcher;

pub(super) async fn run(ctx: &ScanCtx, pb: &Progress) -> Result<SourceSummary> {
    let classify = ctx.bar("classify");
    ctx.classify_now(&classify).await?;
    classify.finish_and_clear();
    let fetcher = PageFetcher::new(ctx.opts.pages.clone())?;
    let (from, to) = (ctx.window.from.to_string(), ctx.window.to.to_string());
    let (budget, refetch) = (ctx.opts.html_budget, ctx.opts.refresh);
    let (todo, total) = ctx
        .db
        .run(move |db| db.works_for_pages(&from, &to, budget, refetch))
        .await?;
    pb.phase("pages", Some(todo.len() as u64));
    let skipped = total.saturating_sub(todo.len() as u64);
    let bar = pb.clone();
    fetcher.observe(move |n| bar.requests(n));
    let on_page = |n: u64| pb.inc(n);
    let t = fetcher.harvest(todo, &ctx.sink, &on_page).await?;
    let requests = fetcher.requests();
    let mut notes = Vec::new();
    if skipped > 0 {
        notes.push(format!(
            "{skipped} candidate pages left for later runs (--html-budget {budget})"
        ));
    }
    if t.disallowed > 0 {
        notes.push(format!("{} disallowed by robots.txt", t.disallowed));
    }
    if t.unavailable > 0 {
        notes.push(format!("{} unavailable", t.unavailable));
    }
    Ok(SourceSummary {
        source: Source::Publisher,
        works: t.fetched,
        announced: None,
        looked_up: 0,
        requests,
        retries: 0,
        errors: t.errors,
        status: crate::scan::summary::SourceStatus::Ok,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
        slowed: fetcher.slowed_hosts(),
    })
}
