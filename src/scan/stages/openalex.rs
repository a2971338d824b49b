//! OpenAlex: resolve the OpenAlex ids of the DoD family, discover works with those funders and
//! China-based authors in the window, then look up every stored work of the window OpenAlex
//! has not been asked about (authorships with country codes, ROR ids and raw strings).

use super::ScanCtx;
use crate::error::Result;
use crate::model::Source;
use crate::scan::summary::{SourceStatus, SourceSummary};
use crate::scan::window::digest;
use crate::sources::openalex::{Discovery, Enricher, resolve_funders};
use indicatif::ProgressBar;

pub(super) async fn run(ctx: &mut ScanCtx, pb: &ProgressBar) -> Result<SourceSummary> {
    let cfg = &ctx.opts.openalex;
    let ep = cfg.endpoint(ctx.opts.openalex_limits);
    ScanCtx::watch(pb, &ep, "works");
    let mut status = SourceStatus::Ok;
    let mut works = 0;
    let on_page = |n: u64| pb.inc(n);
    let resolved = match resolve_funders(&ctx.http, &ep, cfg, &ctx.dod.registry_numbers()).await {
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
        let (f, t) = (from.clone(), to.clone());
        let missing = ctx
            .db
            .run(move |db| db.works_missing_source(Source::OpenAlex, &f, &t))
            .await?;
        let enricher = Enricher {
            http: &ctx.http,
            ep: &ep,
            cfg,
            sink: &ctx.sink,
            on_batch: &on_page,
        };
        match enricher.enrich(missing).await {
            Ok((n, _)) => works += n,
            Err(e) => ctx.failed(Source::OpenAlex, &e, &mut status).await?,
        }
    }
    ctx.dod = ctx.dod.clone().with_openalex_ids(
        resolved
            .iter()
            .filter_map(|(id, _, r)| Some((id.as_str(), r.as_deref()?))),
    );
    // Discovery and lookups mix in one count, so no "announced" total is shown for OpenAlex.
    Ok(SourceSummary {
        works,
        status,
        ..SourceSummary::from_endpoint(Source::OpenAlex, &ep)
    })
}
