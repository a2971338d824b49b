//! OpenAlex: resolve the OpenAlex ids of the DoD family, discover works with those funders and
//! China-based authors in the window, and look up every stored work of the window OpenAlex has
//! not been asked about (authorships with country codes, ROR ids and raw strings) — while the
//! discovery stages are still finding them.
//!
//! The queue between discovery and lookups is the database (the works without an OpenAlex
//! record or miss), not a channel: a killed scan resumes with exactly the works still to look
//! up. While discovery runs, only full batches are sent (every list call costs the same share
//! of the daily budget); the remainder goes when discovery ends.

use super::ScanCtx;
use crate::error::Result;
use crate::model::{Source, digest};
use crate::progress::Progress;
use crate::scan::summary::{SourceStatus, SourceSummary};
use crate::sources::openalex::{Discovery, Enricher, SWEEP_PAGE, Sweep, resolve_funders};
use std::time::Duration;

/// How long the lookups wait for more works before asking the database again.
const POLL: Duration = Duration::from_millis(500);

pub(super) async fn run(ctx: &ScanCtx, pb: &Progress) -> Result<SourceSummary> {
    let cfg = &ctx.opts.openalex;
    let ep = cfg.endpoint(ctx.opts.openalex_limits);
    ScanCtx::watch(pb, &ep);
    let mut status = SourceStatus::Ok;
    let (mut works, mut looked_up) = (0, 0);
    let on_page = |n: u64| pb.inc(n);
    // The family's ids, with what Crossref's registry says today.
    ctx.family().await;
    let numbers = ctx.dod().registry_numbers();
    let resolved = match resolve_funders(&ctx.http, &ep, cfg, &numbers).await {
        Ok(r) => {
            let rows = r.clone();
            ctx.db
                .run(move |db| db.save_dod_ids("openalex", &rows))
                .await?;
            r
        }
        Err(e) => {
            ctx.failed(Source::OpenAlex, &e, &mut status).await?;
            Vec::new()
        }
    };
    ctx.learn(|dod| {
        dod.with_openalex_ids(
            resolved
                .iter()
                .filter_map(|(id, _, r)| Some((id.as_str(), r.as_deref()?))),
        )
    });
    let (from, to) = (ctx.window.from.to_string(), ctx.window.to.to_string());
    let countries = if ctx.opts.policy.mainland_only {
        "CN"
    } else {
        "CN|HK|MO"
    };
    // A scheduled run asks its discovery over the whole kept window: OpenAlex's updated-date
    // filter is paid, and this route is small (DoD-funded works with a China-based author:
    // one list call per 200), so asking all of it again is how works registered late and
    // funding added later are caught. The sweep stays on the new window (it is large).
    let discover = if ctx.opts.indexed_since.is_some() {
        ctx.kept
    } else {
        ctx.window
    };
    let mut notes: Option<String> = None;
    if ctx.opts.indexed_since.is_some() {
        notes = Some(format!(
            "DoD-funder discovery over the kept window {} – {}",
            discover.from, discover.to
        ));
    }
    if status.is_ok() && !resolved.is_empty() {
        let ids: Vec<String> = resolved.iter().map(|(id, _, _)| id.clone()).collect();
        let pager = ctx.pager(&ep, &on_page);
        for chunk in ids.chunks(50) {
            let q = Discovery {
                cfg,
                funder_ids: chunk.to_vec(),
                countries,
                from: discover.from.to_string(),
                to: discover.to.to_string(),
                key: discover.key(
                    "discover",
                    &format!("{countries}:{}", digest(&chunk.join("|"))),
                ),
            };
            match pager.crawl(&q).await {
                Ok(c) => works += c.fetched,
                Err(e) => {
                    ctx.failed(Source::OpenAlex, &e, &mut status).await?;
                    break;
                }
            }
        }
    }
    if ctx.opts.sweep && status.is_ok() {
        let sweep = Sweep {
            cfg,
            countries,
            from: from.clone(),
            to: to.clone(),
            key: ctx.window.key("sweep", countries),
        };
        pb.phase("China-linked works swept", None);
        match sweep_window(ctx, &ep, &sweep, &on_page).await {
            Ok((fetched, note)) => {
                works += fetched;
                notes = Some(join(notes, note));
            }
            Err(e) => ctx.failed(Source::OpenAlex, &e, &mut status).await?,
        }
    }
    if !matches!(status, SourceStatus::Incomplete(_)) {
        let enricher = Enricher {
            http: &ctx.http,
            ep: &ep,
            cfg,
            sink: &ctx.sink,
            on_batch: &on_page,
        };
        let batch = cfg.batch.clamp(1, 100);
        let mut after = 0;
        pb.phase("works looked up", None);
        loop {
            // Read before asking: works stored after this point are asked for next time.
            let last_round = ctx.discovery_over();
            // Works found late (registered or indexed after their window was scanned) are
            // looked up too: the whole kept window of a scheduled scan.
            let (f, t) = (ctx.kept.from.to_string(), ctx.kept.to.to_string());
            let mut missing = ctx
                .db
                .run(move |db| db.works_missing_source(Source::OpenAlex, &f, &t, after))
                .await?;
            let found = missing.len();
            let asked_now = if last_round {
                found
            } else {
                found / batch * batch
            };
            if !last_round {
                missing.truncate(missing.len() / batch * batch);
            } else {
                // Discovery is over: what is left is all there is.
                pb.total(pb.bar().position() + found as u64);
            }
            if let Some((id, _)) = missing.last() {
                after = *id;
                match enricher.enrich(missing).await {
                    Ok((n, _)) => looked_up += n,
                    Err(e) => {
                        ctx.failed(Source::OpenAlex, &e, &mut status).await?;
                        break;
                    }
                }
            }
            if last_round {
                break;
            }
            let queued = found - asked_now;
            pb.waiting(&format!(
                "waiting for discovery to end ({queued} works queued for a full batch of {batch})"
            ));
            ctx.discovery_progress(POLL).await;
        }
        if let (Some(months), true) = (ctx.opts.revisit_months, status.is_ok()) {
            match revisit(ctx, &enricher, months, pb).await {
                Ok(line) => notes = Some(join(notes, line)),
                Err(e) => ctx.failed(Source::OpenAlex, &e, &mut status).await?,
            }
        }
    }
    // Discovery and lookups are counted apart; discovery's totals are not summed, so no
    // "announced" total is shown for OpenAlex.
    Ok(SourceSummary {
        works,
        looked_up,
        status,
        note: notes,
        ..SourceSummary::from_endpoint(Source::OpenAlex, &ep)
    })
}

/// Ask OpenAlex again about works that could become a flag and that it was last asked about
/// (or did not have) more than `months` months ago: records are enriched late (an
/// affiliation placed, a funder linked) and works are ingested after Crossref has them. By
/// DOI, a hundred a call, within `--revisit-budget`; unchanged records are only marked asked.
async fn revisit<S: crate::sources::sink::Sink>(
    ctx: &ScanCtx,
    enricher: &Enricher<'_, S>,
    months: u32,
    pb: &Progress,
) -> crate::Result<String> {
    let cutoff = ctx.opts.revisit_cutoff().unwrap_or_default();
    let (from, to) = (ctx.kept.from.to_string(), ctx.kept.to.to_string());
    let budget = ctx.opts.revisit_budget;
    let todo = ctx
        .db
        .run(move |db| db.works_to_revisit(Source::OpenAlex, &from, &to, &cutoff, budget))
        .await?;
    if todo.is_empty() {
        return Ok(format!(
            "0 works revisited (all asked within {months} months)"
        ));
    }
    pb.phase("works asked again", Some(todo.len() as u64));
    let ids: Vec<i64> = todo.iter().map(|(id, _)| *id).collect();
    let asked = ids.len();
    let (returned, outcome) = enricher.enrich(todo).await?;
    ctx.db
        .run(move |db| db.mark_asked(Source::OpenAlex, &ids))
        .await?;
    Ok(format!(
        "{asked} works revisited (asked over {months} months ago): {returned} back, {} new, \
         {} changed",
        outcome.new_works, outcome.changed
    ))
}

fn join(note: Option<String>, line: String) -> String {
    match note {
        Some(n) => format!("{n}; {line}"),
        None => line,
    }
}

/// The China-linked sweep of the window: its cost said first (one request of one result
/// counts the works), then crawled like any route, resumable from its checkpoint. Returns
/// the works fetched and a line for the summary.
async fn sweep_window(
    ctx: &ScanCtx,
    ep: &crate::sources::http::Endpoint,
    sweep: &Sweep<'_>,
    on_page: &(dyn Fn(u64) + Send + Sync),
) -> crate::Result<(u64, String)> {
    let n = sweep.count(&ctx.http, ep).await?;
    let pages = n.div_ceil(SWEEP_PAGE);
    let rps = ctx.opts.openalex_limits.requests_per_second.max(0.01);
    let plan = format!(
        "China-linked sweep: {n} works in {} – {} → {pages} OpenAlex list requests (one list call \
         each of the daily budget), ≈ {} at {rps} req/s; their acknowledgments are read within \
         --ack-budget {} a run",
        sweep.from,
        sweep.to,
        super::duration_words(pages as f64 / rps),
        ctx.opts.ack_budget
    );
    ctx.say(&plan);
    let crawl = ctx.pager(ep, on_page).crawl(sweep).await?;
    let done = if crawl.already_done {
        "already swept (checkpoint)".to_string()
    } else {
        format!("{} swept this run", crawl.fetched)
    };
    Ok((
        crawl.fetched,
        format!("China-linked sweep: {n} works, {done}"),
    ))
}
