//! Crossref: discovery under the DoD funder family. The family route carries almost every
//! work, so it is cut into date shards crawled in parallel up to the allowed concurrency;
//! components the registry does not place under DoD are asked once each for the whole window.
//! A component id the registry no longer knows (retired or merged) is a warning, not a failure.

use super::ScanCtx;
use crate::classify::dod::{DOD_REGISTRY, DodClassifier};
use crate::error::{Error, Result};
use crate::model::{ErrorKind, Problem, Source};
use crate::scan::summary::{SourceStatus, SourceSummary};
use crate::sources::crossref::{FunderWorks, fetch_descendants};
use crate::sources::paging::{Crawled, Pager};
use crate::sources::sink::Sink;
use futures::StreamExt;
use indicatif::ProgressBar;
use std::collections::HashSet;

pub(super) async fn run(ctx: &mut ScanCtx, pb: &ProgressBar) -> Result<SourceSummary> {
    let ep = ctx.opts.crossref.endpoint(ctx.opts.crossref_limits);
    ScanCtx::watch(pb, &ep, "works");
    let cfg = &ctx.opts.crossref;
    let mut status = SourceStatus::Ok;
    // The registry's current DoD subtree: the family route already includes these.
    let descendants = match fetch_descendants(&ctx.http, &ep, cfg, DOD_REGISTRY).await {
        Ok(d) => {
            let rows: Vec<(String, String, Option<String>)> = d
                .iter()
                .map(|(id, n)| (id.clone(), n.clone(), Some(id.clone())))
                .collect();
            ctx.db
                .run(move |db| db.save_dod_ids("crossref", &rows))
                .await?;
            d
        }
        Err(e) => {
            tracing::warn!(
                "could not read the DoD funder record ({e}); querying every reference component separately"
            );
            ctx.keep(Source::Crossref, &e).await?;
            Vec::new()
        }
    };
    let covered: HashSet<String> = descendants
        .iter()
        .map(|(id, _)| id.trim_start_matches("10.13039/").to_string())
        .collect();
    let mut roots = vec![DOD_REGISTRY.to_string()];
    for n in DodClassifier::new().registry_numbers() {
        if n != DOD_REGISTRY && !covered.contains(&n) {
            roots.push(n);
        }
    }
    let shards = ctx.window.shards(cfg.shard_days);
    let queries: Vec<FunderWorks> = roots
        .iter()
        .flat_map(|root| {
            let windows = if root == DOD_REGISTRY {
                shards.clone()
            } else {
                vec![ctx.window]
            };
            windows
                .into_iter()
                .map(move |w| FunderWorks::new(cfg, root, w.from, w.to, w.key("funder", root)))
        })
        .collect();
    let on_page = |n: u64| pb.inc(n);
    let pager = ctx.pager(&ep, &on_page);
    let results: Vec<_> = futures::stream::iter(queries)
        .map(|q| crawl(&pager, q))
        .buffer_unordered(ctx.opts.crossref_limits.concurrency.max(1))
        .collect()
        .await;
    let (mut works, mut announced) = (0, None::<u64>);
    for (q, r) in results {
        match r {
            Ok(c) => {
                works += c.fetched;
                if let Some(a) = c.announced.filter(|_| !c.already_done) {
                    announced = Some(announced.unwrap_or(0) + a);
                }
            }
            Err(Error::Status { status: 404, .. }) if q.funder != DOD_REGISTRY => {
                let msg = format!(
                    "funder 10.13039/{} is not in the registry (retired or merged); skipped",
                    q.funder
                );
                tracing::warn!("crossref: {msg}");
                let p = Problem::new(Source::Crossref, ErrorKind::UnknownFunder, msg);
                ctx.sink.problem(p).await?;
            }
            Err(e) => {
                tracing::error!("crossref {}: {e}", q.key);
                ctx.failed(Source::Crossref, &e, &mut status).await?;
            }
        }
    }
    ctx.dod = ctx
        .dod
        .clone()
        .with_registry_ids(descendants.iter().map(|(id, n)| (id.as_str(), n.as_str())));
    Ok(SourceSummary {
        works,
        announced,
        status,
        ..SourceSummary::from_endpoint(Source::Crossref, &ep)
    })
}

/// One query crawled, handed back with its result.
async fn crawl<S: Sink>(pager: &Pager<'_, S>, q: FunderWorks) -> (FunderWorks, Result<Crawled>) {
    let r = pager.crawl(&q).await;
    (q, r)
}
