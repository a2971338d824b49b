//! Crossref: discovery under the DoD funder family. The family route carries almost every
//! work, so it is cut into date shards crawled in parallel up to the allowed concurrency;
//! components the registry does not place under DoD are asked once each for the whole window.
//! A component id the registry no longer knows (retired or merged) is a warning, not a failure.

use super::ScanCtx;
use crate::classify::dod::{DOD_REGISTRY, DodClassifier};
use crate::error::{Error, Result};
use crate::model::{ErrorKind, Problem, Source};
use crate::scan::summary::{SourceStatus, SourceSummary};
use crate::sources::crossref::{
    FundedWorks, FunderWorks, fetch_descendants, full_records_url, parse_item, parse_page,
    parse_single, single_record_url,
};
use crate::sources::paging::{Crawled, CursorQuery, Pager};
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
    let mut note = None;
    if cfg.funder_names && status.is_ok() {
        let (pages_works, hits, looked_up) = by_name(ctx, &ep, &on_page, &mut status).await?;
        works += looked_up;
        note = Some(format!(
            "{pages_works} works with funder metadata read, {hits} DoD by name or award number only"
        ));
    }
    Ok(SourceSummary {
        works,
        announced,
        status,
        note,
        ..SourceSummary::from_endpoint(Source::Crossref, &ep)
    })
}

/// DoD funding named without a registry id: every work of the window with funder metadata,
/// in light pages classified on the spot, then the full records of the hits. Returns the
/// works read, the hits, and the full records fetched.
async fn by_name(
    ctx: &ScanCtx,
    ep: &crate::sources::http::Endpoint,
    on_page: &(dyn Fn(u64) + Send + Sync),
    status: &mut SourceStatus,
) -> Result<(u64, u64, u64)> {
    let cfg = &ctx.opts.crossref;
    let dod = std::sync::Arc::new(ctx.dod.clone());
    let queries: Vec<FundedWorks> = ctx
        .window
        .shards(cfg.shard_days)
        .into_iter()
        .map(|w| {
            FundedWorks::new(
                cfg,
                w.from,
                w.to,
                w.key("has-funder", "dod-names"),
                dod.clone(),
            )
        })
        .collect();
    let pager = ctx.pager(ep, on_page);
    let results: Vec<_> = futures::stream::iter(queries)
        .map(|q| crawl(&pager, q))
        .buffer_unordered(ctx.opts.crossref_limits.concurrency.max(1))
        .collect()
        .await;
    let (mut read, mut hits) = (0, 0);
    for (q, r) in results {
        match r {
            Ok(c) => {
                read += c.fetched;
                hits += c.fetched - c.skipped;
            }
            Err(e) => {
                tracing::error!("crossref {}: {e}", q.key);
                ctx.failed(Source::Crossref, &e, status).await?;
            }
        }
    }
    // The hits' full records (authors, affiliations, title), a hundred DOIs a request.
    let light = ctx
        .db
        .run(|db| db.works_with_light_records(Source::Crossref))
        .await?;
    let mut fetched = 0;
    for chunk in light.chunks(100) {
        let (plain, odd): (Vec<_>, Vec<_>) = chunk.iter().partition(|(_, d)| !d.contains(','));
        let mut calls: Vec<Lookup> = Vec::new();
        if !plain.is_empty() {
            let dois: Vec<String> = plain.iter().map(|(_, d)| d.clone()).collect();
            calls.push((plain, full_records_url(cfg, &dois), false));
        }
        for w in odd {
            calls.push((vec![w], single_record_url(cfg, &w.1), true));
        }
        for (works, url, single) in calls {
            let parsed = if single {
                ctx.http.get_json(ep, &url, parse_single).await
            } else {
                ctx.http.get_json(ep, &url, parse_page).await
            };
            let page = match parsed {
                Ok((_, page)) => page,
                Err(crate::error::Error::Status { status: 404, .. }) => Default::default(),
                Err(e) => {
                    ctx.failed(Source::Crossref, &e, status).await?;
                    return Ok((read, hits, fetched));
                }
            };
            // Only what was asked for, with more than the light page had.
            let records: Vec<_> = page
                .items
                .iter()
                .filter_map(|raw| parse_item(raw.get()).ok())
                .filter(|r| works.iter().any(|(_, d)| r.doi.as_deref() == Some(d)))
                .filter(|r| r.title.is_some() || !r.authors.is_empty())
                .collect();
            let misses: Vec<i64> = works
                .iter()
                .filter(|(_, d)| !records.iter().any(|r| r.doi.as_deref() == Some(d)))
                .map(|(id, _)| *id)
                .collect();
            fetched += records.len() as u64;
            ctx.sink.lookups(Source::Crossref, records, misses).await?;
        }
    }
    Ok((read, hits, fetched))
}

/// One lookup request: the works it asks about, its URL, and whether it is a single record.
type Lookup<'a> = (Vec<&'a (i64, String)>, String, bool);

/// One query crawled, handed back with its result.
async fn crawl<S: Sink, Q: CursorQuery>(pager: &Pager<'_, S>, q: Q) -> (Q, Result<Crawled>) {
    let r = pager.crawl(&q).await;
    (q, r)
}
