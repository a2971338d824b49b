//! Crossref: discovery under the DoD funder family, of the components the registry does not
//! place under DoD (asked together in one query), and — with `--funder-names` — of DoD funding
//! named without a registry id (every work with funder metadata, in light pages classified on
//! the spot, then the full records of the hits). All these cursors share the in-flight cap;
//! long windows are cut by their announced counts ([`crate::scan::shards`]).
//!
//! A component id the registry no longer knows (retired or merged) is a warning, not a failure.

use super::ScanCtx;
use crate::classify::dod::{DOD_REGISTRY, DodClassifier};
use crate::error::{Error, Result};
use crate::model::{ErrorKind, Problem, Source};
use crate::progress::Progress;
use crate::scan::shards::{self, Sharding};
use crate::scan::summary::{SourceStatus, SourceSummary};
use crate::sources::crossref::{
    FundedWorks, FunderWorks, Funders, fetch_descendants, full_records_url, parse_item, parse_page,
    parse_single, single_record_url,
};
use crate::sources::http::Endpoint;
use crate::sources::paging::DatedQuery;
use crate::sources::sink::Sink;
use std::collections::HashSet;
use std::sync::Arc;

/// Checkpoint-key routes, which tell the outcomes apart.
const FAMILY: &str = "funder:";
const ANY_OF: &str = "funders:";
const NAMES: &str = "has-funder:";

pub(super) async fn run(ctx: &ScanCtx, pb: &Progress) -> Result<SourceSummary> {
    let ep = ctx.opts.crossref.endpoint(ctx.opts.crossref_limits);
    ScanCtx::watch(pb, &ep);
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
    ctx.learn(|dod| {
        dod.with_registry_ids(descendants.iter().map(|(i, n)| (i.as_str(), n.as_str())))
    });
    ctx.family_known();
    let covered: HashSet<String> = descendants
        .iter()
        .map(|(id, _)| id.trim_start_matches("10.13039/").to_string())
        .collect();
    let outside: Vec<String> = DodClassifier::new()
        .registry_numbers()
        .into_iter()
        .filter(|n| n != DOD_REGISTRY && !covered.contains(n))
        .collect();
    let (windows, sharding) = match cfg.shard_days {
        0 => (vec![ctx.window], Sharding::Auto),
        days => (ctx.window.shards(days), Sharding::Fixed),
    };
    let dod = Arc::new(ctx.dod());
    let mut queries: Vec<Box<dyn DatedQuery>> = Vec::new();
    for w in &windows {
        let family = Funders::Family(DOD_REGISTRY.to_string());
        queries.push(Box::new(FunderWorks::new(cfg, family, *w)));
    }
    if !outside.is_empty() {
        let any = Funders::AnyOf(outside.clone());
        queries.push(Box::new(FunderWorks::new(cfg, any, ctx.window)));
    }
    if cfg.funder_names {
        for w in &windows {
            queries.push(Box::new(FundedWorks::new(cfg, *w, dod.clone())));
        }
    }
    // A scheduled run also asks, over the whole window it keeps, for what Crossref indexed
    // since the last run looked: works registered late, funding deposited later.
    if let Some(since) = ctx.opts.indexed_since {
        let kept = match cfg.shard_days {
            0 => vec![ctx.kept],
            days => ctx.kept.shards(days),
        };
        for w in &kept {
            let family = Funders::Family(DOD_REGISTRY.to_string());
            queries.push(Box::new(
                FunderWorks::new(cfg, family, *w).indexed_since(since),
            ));
        }
        if !outside.is_empty() {
            let any = Funders::AnyOf(outside.clone());
            queries.push(Box::new(
                FunderWorks::new(cfg, any, ctx.kept).indexed_since(since),
            ));
        }
        if cfg.funder_names {
            for w in &kept {
                queries.push(Box::new(
                    FundedWorks::new(cfg, *w, dod.clone()).indexed_since(since),
                ));
            }
        }
    }
    let on_page = |n: u64| pb.inc(n);
    let pager = ctx.pager(&ep, &on_page);
    let concurrency = ctx.opts.crossref_limits.concurrency;
    let mut outcomes = shards::crawl_all(&pager, queries, concurrency, sharding).await?;
    // A server that refuses the combined filter is asked for each component on its own.
    let refused = outcomes.iter().any(|(q, r)| {
        q.key().starts_with(ANY_OF)
            && matches!(
                r,
                Err(Error::Status {
                    status: 400..=499,
                    ..
                })
            )
    });
    if refused {
        tracing::info!("crossref: the combined funder filter was refused; asking each component");
        ep.stats.handled();
        outcomes.retain(|(q, _)| !q.key().starts_with(ANY_OF));
        let one_each: Vec<Box<dyn DatedQuery>> = outside
            .iter()
            .map(|id| {
                let q = FunderWorks::new(cfg, Funders::Family(id.clone()), ctx.window);
                Box::new(q) as Box<dyn DatedQuery>
            })
            .collect();
        outcomes.extend(shards::crawl_all(&pager, one_each, concurrency, sharding).await?);
    }
    let (mut works, mut announced, mut read, mut hits) = (0, None::<u64>, 0, 0);
    let short: Vec<String> = outcomes
        .iter()
        .filter(|(_, r)| matches!(r, Ok(c) if !c.complete))
        .map(|(q, _)| q.key().to_string())
        .collect();
    let mut indexed = 0;
    for (q, r) in outcomes {
        let key = q.key();
        if key.contains("+indexed-")
            && let Ok(c) = &r
        {
            indexed += c.fetched - c.skipped;
        }
        match r {
            Ok(c) if key.starts_with(NAMES) => {
                read += c.fetched;
                hits += c.fetched - c.skipped;
            }
            Ok(c) => {
                works += c.fetched;
                if let Some(a) = c.announced.filter(|_| !c.already_done) {
                    announced = Some(announced.unwrap_or(0) + a);
                }
            }
            Err(Error::Status { status: 404, .. })
                if key.starts_with(FAMILY)
                    && !key.starts_with(&format!("{FAMILY}{DOD_REGISTRY}:"))
                    && !key.starts_with(&format!("{FAMILY}{DOD_REGISTRY}+")) =>
            {
                let id = key
                    .split(':')
                    .nth(1)
                    .and_then(|d| d.split('+').next())
                    .unwrap_or_default();
                let msg = format!(
                    "funder 10.13039/{id} is not in the registry (retired or merged); skipped"
                );
                tracing::warn!("crossref: {msg}");
                let p = Problem::new(Source::Crossref, ErrorKind::UnknownFunder, msg);
                ctx.sink.problem(p).await?;
            }
            Err(e) => {
                tracing::error!("crossref {key}: {e}");
                ctx.failed(Source::Crossref, &e, &mut status).await?;
            }
        }
    }
    let (mut note, mut looked_up) = (None, 0);
    if cfg.funder_names && status.is_ok() {
        looked_up = full_records(ctx, &ep, pb, &mut status).await?;
        note = Some(format!(
            "{read} works with funder metadata read, {hits} DoD by name or award number only"
        ));
    }
    if let Some(since) = ctx.opts.indexed_since {
        let line = format!(
            "{indexed} works indexed since {since} (published {} – {})",
            ctx.kept.from, ctx.kept.to
        );
        note = Some(match note {
            Some(n) => format!("{n}; {line}"),
            None => line,
        });
    }
    if !short.is_empty() && status.is_ok() {
        status = SourceStatus::Incomplete(format!(
            "{} part(s) of the window still miss records after {} crawls each ({}); \
             run the same scan again to crawl them again",
            short.len(),
            crate::sources::paging::MAX_SCROLLS,
            short.join(", ")
        ));
    }
    Ok(SourceSummary {
        works,
        announced,
        looked_up,
        status,
        note,
        ..SourceSummary::from_endpoint(Source::Crossref, &ep)
    })
}

/// The full records (authors, affiliations, title) of the works the name route kept as light
/// records, a hundred DOIs a request, up to the in-flight cap. Returns the records fetched.
async fn full_records(
    ctx: &ScanCtx,
    ep: &Endpoint,
    pb: &Progress,
    status: &mut SourceStatus,
) -> Result<u64> {
    use futures::StreamExt;
    let cfg = &ctx.opts.crossref;
    let light = ctx
        .db
        .run(|db| db.works_with_light_records(Source::Crossref))
        .await?;
    pb.phase("full records looked up", Some(light.len() as u64));
    let mut calls: Vec<Lookup> = Vec::new();
    for chunk in light.chunks(100) {
        let (plain, odd): (Vec<_>, Vec<_>) = chunk.iter().partition(|(_, d)| !d.contains(','));
        if !plain.is_empty() {
            let dois: Vec<String> = plain.iter().map(|(_, d)| d.clone()).collect();
            calls.push((plain, full_records_url(cfg, &dois), false));
        }
        for w in odd {
            calls.push((vec![w], single_record_url(cfg, &w.1), true));
        }
    }
    // Built first, so the stream holds futures rather than a closure over borrowed works
    // (which a boxed future cannot name for every lifetime).
    let answers: Vec<_> = calls
        .into_iter()
        .map(|(works, url, single)| async move {
            let parsed = if single {
                ctx.http.get_json(ep, &url, parse_single).await
            } else {
                ctx.http.get_json(ep, &url, parse_page).await
            };
            (works, parsed)
        })
        .collect();
    let mut answers = futures::stream::iter(answers)
        .buffer_unordered(ctx.opts.crossref_limits.concurrency.max(1));
    let mut fetched = 0;
    while let Some((works, parsed)) = answers.next().await {
        let page = match parsed {
            Ok((_, page)) => page,
            Err(Error::Status { status: 404, .. }) => Default::default(),
            Err(e) => {
                ctx.failed(Source::Crossref, &e, status).await?;
                break;
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
        pb.inc(works.len() as u64);
        ctx.sink.lookups(Source::Crossref, records, misses).await?;
    }
    Ok(fetched)
}

/// One lookup request: the works it asks about, its URL, and whether it is a single record.
type Lookup<'a> = (Vec<&'a (i64, String)>, String, bool);
