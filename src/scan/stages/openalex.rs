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
use crate::sources::openalex::{Discovery, Enricher, resolve_funders};
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
    if status.is_ok() && !resolved.is_empty() {
        let ids: Vec<String> = resolved.iter().map(|(id, _, _)| id.clone()).collect();
        let countries = if ctx.opts.policy.mainland_only {
            "CN"
        } else {
            "CN|HK|MO"
        };
        let pager = ctx.pager(&ep, &on_page);
        for chunk in ids.chunks(50) {
            let q = Discovery {
                cfg,
                funder_ids: chunk.to_vec(),
                countries,
                from: from.clone(),
                to: to.clone(),
                key: ctx.window.key(
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
            let (f, t) = (from.clone(), to.clone());
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
    }
    // Discovery and lookups are counted apart; discovery's totals are not summed, so no
    // "announced" total is shown for OpenAlex.
    Ok(SourceSummary {
        works,
        looked_up,
        status,
        ..SourceSummary::from_endpoint(Source::OpenAlex, &ep)
    })
}
