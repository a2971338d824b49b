//! Europe PMC: search for DoD components in grants and acknowledgments with China-based
//! authors, then fetch the open-access full text of what was found for its `<ack>` and funding
//! sections (within `--fulltext-budget`; the rest waits for the next run).

use super::ScanCtx;
use crate::error::Result;
use crate::model::Source;
use crate::model::digest;
use crate::progress::Progress;
use crate::scan::summary::{SourceStatus, SourceSummary};
use crate::sources::europepmc::{FullTextFetcher, Search, discovery_queries};
use futures::StreamExt;

pub(super) async fn run(ctx: &ScanCtx, pb: &Progress) -> Result<SourceSummary> {
    let cfg = &ctx.opts.europepmc;
    let ep = cfg.endpoint(ctx.opts.europepmc_limits);
    ScanCtx::watch(pb, &ep);
    let mut status = SourceStatus::Ok;
    let (mut works, mut announced, mut without_doi) = (0, None::<u64>, 0);
    let on_page = |n: u64| pb.inc(n);
    let pager = ctx.pager(&ep, &on_page);
    let (from, to) = (ctx.window.from.to_string(), ctx.window.to.to_string());
    let terms = ctx.dod().query_terms();
    let mut queries: Vec<(crate::model::Window, String)> = discovery_queries(&terms, &from, &to)
        .into_iter()
        .map(|q| (ctx.window, q))
        .collect();
    // A scheduled run also asks, over the whole kept window, for records Europe PMC first
    // indexed since the last run looked (`FIRST_IDATE`; the record's `firstIndexDate`).
    if let Some(since) = ctx.opts.europepmc_indexed_since {
        let (kf, kt) = (ctx.kept.from.to_string(), ctx.kept.to.to_string());
        queries.extend(
            discovery_queries(&terms, &kf, &kt)
                .into_iter()
                .map(|q| (ctx.kept, format!("{q} AND FIRST_IDATE:[{since} TO {kt}]"))),
        );
    }
    let searches: Vec<Search> = queries
        .into_iter()
        .enumerate()
        .map(|(i, (window, query))| {
            let route = if query.contains("GRANT_ID:") {
                "search-awards"
            } else {
                "search-names"
            };
            let key = window.key(route, &format!("{i}:{}", digest(&query)));
            Search { cfg, query, key }
        })
        .collect();
    // The searches share the in-flight cap; the first failure stops the rest (a server that
    // refuses one query refuses the next).
    let pager = &pager;
    // Built first, so the stream holds futures rather than a closure over borrowed queries
    // (which a boxed future cannot name for every lifetime).
    let crawls: Vec<_> = searches
        .into_iter()
        .map(|q| async move { (q.query.contains("FIRST_IDATE:"), pager.crawl(&q).await) })
        .collect();
    let mut crawls = futures::stream::iter(crawls)
        .buffer_unordered(ctx.opts.europepmc_limits.concurrency.max(1));
    let mut indexed = 0;
    while let Some((update_route, r)) = crawls.next().await {
        match r {
            Ok(c) => {
                if update_route {
                    indexed += c.fetched;
                }
                works += c.fetched;
                without_doi += c.skipped;
                if let Some(a) = c.announced.filter(|_| !c.already_done) {
                    announced = Some(announced.unwrap_or(0) + a);
                }
            }
            Err(e) => {
                ctx.failed(Source::EuropePmc, &e, &mut status).await?;
                break;
            }
        }
    }
    drop(crawls);
    if without_doi > 0 {
        tracing::info!("europepmc: {without_doi} records without a DOI were not stored");
    }
    if status.is_ok() {
        let (budget, refetch) = (ctx.opts.fulltext_budget, ctx.opts.refresh);
        // Full texts arrive after their records: with --revisit-months, one that was missing
        // that long ago is asked for again.
        let retry_missing_before = ctx.opts.revisit_cutoff();
        let todo = ctx
            .db
            .run(move |db| {
                db.works_needing_full_text(budget, refetch, retry_missing_before.as_deref())
            })
            .await?;
        pb.phase("full texts read", Some(todo.len() as u64));
        let on_doc = |n: u64| pb.inc(n);
        let fetcher = FullTextFetcher {
            refetch,
            http: &ctx.http,
            ep: &ep,
            cfg,
            sink: &ctx.sink,
            on_doc: &on_doc,
        };
        match fetcher.fetch(todo).await {
            Ok(t) => {
                let left = ctx.db.run(|db| db.full_texts_waiting()).await?;
                if left > 0 {
                    tracing::info!(
                        "europepmc: {left} full texts left for the next run (--fulltext-budget {budget})"
                    );
                }
                tracing::info!(
                    "europepmc: {} full texts fetched, {} changed, {} unavailable, {} errors",
                    t.fetched,
                    t.changed,
                    t.unavailable,
                    t.errors
                );
            }
            Err(e) => ctx.failed(Source::EuropePmc, &e, &mut status).await?,
        }
    }
    Ok(SourceSummary {
        works,
        announced,
        status,
        note: {
            let mut notes = Vec::new();
            if let Some(since) = ctx.opts.europepmc_indexed_since {
                notes.push(format!(
                    "{indexed} records first indexed since {since} (published {} – {})",
                    ctx.kept.from, ctx.kept.to
                ));
            }
            if without_doi > 0 {
                notes.push(format!(
                    "{without_doi} records without a DOI were not stored"
                ));
            }
            (!notes.is_empty()).then(|| notes.join("; "))
        },
        ..SourceSummary::from_endpoint(Source::EuropePmc, &ep)
    })
}
