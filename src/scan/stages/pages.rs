//! Acknowledgments: the budgeted reading of works whose acknowledgment may say what their
//! metadata does not — flagged papers first (staff quote it, its award numbers go to the
//! ledger), then DoD-funded works without affiliations, then China-linked works that no index
//! marks DoD-funded (found by the discovery routes or the China-linked sweep). Each is read
//! from the cheapest text that can be reached: Europe PMC's full text by PMCID, the
//! open-access copy (PDF or HTML), the publisher's page. The choice reads the decisions, so
//! what the other stages found is classified first.

use super::{ScanCtx, duration_words};
use crate::error::Result;
use crate::model::{AckBacklog, AckCandidate, Source};
use crate::progress::Progress;
use crate::scan::summary::SourceSummary;
use crate::sources::europepmc::FullTextFetcher;
use crate::sources::pages::{PageFetcher, PageTotals};
use std::collections::HashMap;

pub(super) async fn run(ctx: &ScanCtx, pb: &Progress) -> Result<SourceSummary> {
    let classify = ctx.bar("classify");
    ctx.classify_now(&classify).await?;
    classify.finish_and_clear();
    let fetcher = PageFetcher::new(ctx.opts.pages.clone())?;
    let (from, to) = (ctx.kept.from.to_string(), ctx.kept.to.to_string());
    let (budget, refetch) = (ctx.opts.ack_budget, ctx.opts.refresh);
    let (todo, backlog) = ctx
        .db
        .run(move |db| db.ack_candidates(&from, &to, budget, refetch))
        .await?;
    let epmc = ctx.opts.sources.contains(&Source::EuropePmc);
    let (by_pmc, rest): (Vec<AckCandidate>, Vec<AckCandidate>) = todo
        .into_iter()
        .partition(|c| epmc && c.pmcid.is_some() && !c.page_only());
    if backlog.total() > 0 {
        ctx.say(&plan(ctx, &backlog, &by_pmc, &rest));
    }
    pb.phase(
        "acknowledgments read",
        Some((by_pmc.len() + rest.len()) as u64),
    );
    let skipped = backlog
        .total()
        .saturating_sub((by_pmc.len() + rest.len()) as u64);
    let bar = pb.clone();
    fetcher.observe(move |n| bar.requests(n));
    let on_work = |n: u64| pb.inc(n);
    let ep = ctx.opts.europepmc.endpoint(ctx.opts.europepmc_limits);
    // Europe PMC's full texts and the pages of the other works at the same time, on their
    // own hosts; a work whose full text said nothing of funding then goes to its pages.
    let full_texts = async {
        if by_pmc.is_empty() {
            return Ok::<_, crate::Error>((0, 0, PageTotals::default(), None));
        }
        let asked = by_pmc.len() as u64;
        let texts = FullTextFetcher {
            refetch,
            http: &ctx.http,
            ep: &ep,
            cfg: &ctx.opts.europepmc,
            sink: &ctx.sink,
            on_doc: &|_| {},
        };
        let todo = by_pmc
            .iter()
            .map(|c| {
                let pmcid = c.pmcid.clone().unwrap_or_default();
                (c.work_id, pmcid, c.doi.clone().unwrap_or_default())
            })
            .collect();
        let failure = texts.fetch(todo).await.err();
        let ids: Vec<i64> = by_pmc.iter().map(|c| c.work_id).collect();
        let answered = ctx.db.run(move |db| db.full_text_outcomes(&ids)).await?;
        // A full text that gave no acknowledgment sends its work on to its pages; one that
        // failed for now is asked again next run (reading the page instead would make what is
        // kept depend on a passing failure).
        let found = answered.values().filter(|&&f| f).count() as u64;
        let left: Vec<AckCandidate> = by_pmc
            .into_iter()
            .filter(|c| answered.get(&c.work_id) == Some(&false))
            .collect();
        on_work(asked - left.len() as u64);
        let pages = fetcher.harvest(left, &ctx.sink, &on_work).await?;
        Ok((asked, found, pages, failure))
    };
    let pages = fetcher.harvest(rest, &ctx.sink, &on_work);
    let (full, pages) = tokio::join!(full_texts, pages);
    let (asked_epmc, found_epmc, after_epmc, epmc_failure) = full?;
    let mut t = pages?;
    for (a, b) in [
        (&mut t.fetched, after_epmc.fetched),
        (&mut t.pdfs, after_epmc.pdfs),
        (&mut t.found, after_epmc.found),
        (&mut t.disallowed, after_epmc.disallowed),
        (&mut t.unavailable, after_epmc.unavailable),
        (&mut t.errors, after_epmc.errors),
    ] {
        *a += b;
    }
    if let Some(e) = &epmc_failure {
        ctx.keep(Source::EuropePmc, e).await?;
    }
    let mut notes = vec![format!(
        "acknowledgment found for {} works ({found_epmc} of {asked_epmc} Europe PMC full texts, \
         {} in {} pages and open-access copies, {} of them PDFs)",
        found_epmc + t.found,
        t.found,
        t.fetched,
        t.pdfs
    )];
    if skipped > 0 {
        notes.push(format!(
            "{skipped} candidate{} left for later runs (--ack-budget {budget})",
            if skipped == 1 { "" } else { "s" }
        ));
    }
    if t.disallowed > 0 {
        notes.push(format!("{} disallowed by robots.txt", t.disallowed));
    }
    if t.unavailable > 0 {
        notes.push(format!("{} unavailable", t.unavailable));
    }
    let requests = fetcher.requests() + ep.stats.snapshot().0;
    Ok(SourceSummary {
        source: Source::Publisher,
        works: t.fetched,
        announced: None,
        looked_up: 0,
        requests,
        retries: 0,
        errors: t.errors,
        status: crate::scan::summary::SourceStatus::Ok,
        note: Some(notes.join("; ")),
        slowed: fetcher.slowed_hosts(),
        busy: fetcher
            .busiest()
            .into_iter()
            .chain(ep.busy("europepmc full texts"))
            .max_by(|a, b| a.bound_seconds.total_cmp(&b.bound_seconds)),
    })
}

/// What the reading will cost, said before it starts: the backlog by priority, what this run
/// reads from where, the requests and the time at the configured limits (the busiest host
/// bounds it), and how many runs the rest takes at this budget.
fn plan(
    ctx: &ScanCtx,
    backlog: &AckBacklog,
    by_pmc: &[AckCandidate],
    rest: &[AckCandidate],
) -> String {
    let [flagged, no_aff, with_us, other] = backlog.by_priority;
    let copies = rest
        .iter()
        .filter(|c| c.copy_url.is_some() && !c.page_only())
        .count();
    let pages = rest.len();
    let mut per_copy_host: HashMap<String, usize> = HashMap::new();
    for c in rest.iter().filter(|c| !c.page_only()) {
        if let Some(h) = c
            .copy_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_string))
        {
            *per_copy_host.entry(h).or_default() += 1;
        }
    }
    let p = &ctx.opts.pages;
    let busiest_copy = per_copy_host.values().copied().max().unwrap_or(0);
    let bound = [
        by_pmc.len() as f64 / ctx.opts.europepmc_limits.requests_per_second.max(0.01),
        // Every page starts at the resolver (robots.txt and redirects aside).
        pages as f64 / p.resolver_limits.requests_per_second.max(0.01),
        busiest_copy as f64 / p.per_host.requests_per_second.max(0.01),
    ]
    .into_iter()
    .fold(0.0, f64::max);
    let reading = (by_pmc.len() + rest.len()) as u64;
    let left = backlog.total().saturating_sub(reading);
    let runs = if left == 0 {
        String::new()
    } else {
        format!(
            "; {left} wait, about {} more runs at this budget",
            left.div_ceil(ctx.opts.ack_budget.max(1) as u64)
        )
    };
    format!(
        "Acknowledgments: {} candidates ({flagged} flagged without one, {no_aff} DoD-funded \
         without affiliations, {with_us} China-linked with a US-based coauthor, {other} other \
         China-linked); this run reads {reading} (--ack-budget {}): {} Europe PMC full texts, \
         {copies} open-access copies on {} hosts, up to {pages} publisher pages through the \
         resolver; ≈ {} at the configured limits{runs}",
        backlog.total(),
        ctx.opts.ack_budget,
        by_pmc.len(),
        per_copy_host.len(),
        duration_words(bound),
    )
}
