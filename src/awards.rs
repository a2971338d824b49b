//! The award ledger as the command line reads it: resolving the award numbers DoD-funded papers
//! cite against USAspending (a stage of `scan`, or `xrefscan awards resolve` on its own), and
//! the committee-style summary (`xrefscan awards`).
//!
//! The money figure is the **obligations to date** (USAspending's `total_obligation`) of the
//! distinct awards the flagged papers acknowledge, each award counted once however many papers
//! cite it. It is not money spent on those papers: an award funds other work too, and a paper
//! may acknowledge an award that paid for little of it.

use crate::error::{Error, Result};
use crate::model::{AwardStatus, ErrorKind, Problem, Source, dollars, dollars_grouped};
use crate::sources::http::{Endpoint, HttpClient, Limits};
use crate::sources::usaspending::{Resolver, UsaSpendingConfig};
use crate::store::{AwardFilter, AwardSummary, SharedDb};
use futures::StreamExt;

/// What a resolve needs.
#[derive(Debug, Clone)]
pub struct ResolveOptions {
    pub cfg: UsaSpendingConfig,
    pub limits: Limits,
    /// Most award numbers asked in one run; the rest wait for the next.
    pub budget: usize,
    /// Ask again about numbers already answered.
    pub refresh: bool,
}

impl Default for ResolveOptions {
    /// USAspending at its documented address, modestly paced (it documents no limit).
    fn default() -> Self {
        use crate::defaults as d;
        ResolveOptions {
            cfg: UsaSpendingConfig {
                base_url: d::USASPENDING_URL.into(),
                batch: d::USASPENDING_BATCH,
            },
            limits: Limits {
                requests_per_second: d::USASPENDING_RPS,
                concurrency: d::USASPENDING_CONCURRENCY,
            },
            budget: d::AWARD_BUDGET,
            refresh: false,
        }
    }
}

/// What a resolve did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    pub asked: u64,
    pub found: u64,
    pub not_found: u64,
    pub ambiguous: u64,
    /// Award pages read (for the awards flagged papers cite).
    pub pages: u64,
    /// Numbers still to ask after this run (over the budget, or stopped by a failure).
    pub left: u64,
    /// Why the resolve stopped early, if it did.
    pub failure: Option<String>,
}

impl Resolved {
    pub fn note(&self) -> String {
        let mut s = format!(
            "{} award numbers asked: {} found, {} not found, {} ambiguous; {} award pages read",
            self.asked, self.found, self.not_found, self.ambiguous, self.pages
        );
        if self.left > 0 {
            s.push_str(&format!(
                "; {} left for the next run (--award-budget)",
                self.left
            ));
        }
        s
    }
}

/// Ask USAspending about every cited DoD award number not yet answered (flagged papers'
/// first), a batch per search, batches up to the endpoint's in-flight cap. Each batch's answers
/// are kept as they arrive, so a killed resolve loses only the batches in the air. A failure
/// (after the client's retries) is recorded and stops the resolve; what was answered stays.
pub async fn resolve(
    db: &SharedDb,
    http: &HttpClient,
    ep: &Endpoint,
    opts: &ResolveOptions,
    run_id: Option<i64>,
    progress: &crate::progress::Progress,
) -> Result<Resolved> {
    let (budget, refresh) = (opts.budget, opts.refresh);
    let (todo, total) = db
        .run(move |d| d.awards_to_resolve(budget, refresh))
        .await?;
    progress.phase("award numbers searched", Some(todo.len() as u64));
    let resolver = Resolver {
        http,
        ep,
        cfg: &opts.cfg,
    };
    let resolver = &resolver;
    let keep_problems = |problems: Vec<Problem>| async move {
        if !problems.is_empty() {
            db.run(move |d| {
                problems
                    .iter()
                    .try_for_each(|p| d.record_problem(run_id, p))
            })
            .await?;
        }
        Ok::<_, Error>(())
    };
    // First the searches, a batch of numbers each, batches up to the in-flight cap.
    let batches: Vec<_> = todo
        .chunks(opts.cfg.batch.clamp(1, 100))
        .map(|chunk| async move { (chunk.len(), resolver.resolve(chunk).await) })
        .collect();
    let mut answers = futures::stream::iter(batches).buffer_unordered(ep.concurrency());
    let mut out = Resolved::default();
    while let Some((asked, r)) = answers.next().await {
        match r {
            Ok(batch) => {
                for a in &batch {
                    match a.status {
                        AwardStatus::Found => out.found += 1,
                        AwardStatus::NotFound => out.not_found += 1,
                        AwardStatus::Ambiguous => out.ambiguous += 1,
                    }
                }
                out.asked += asked as u64;
                db.run(move |d| d.save_awards(&batch)).await?;
                progress.inc(asked as u64);
            }
            Err(e) => {
                keep_problems(vec![problem(&e)]).await?;
                out.failure = Some(e.to_string());
                break;
            }
        }
    }
    drop(answers);
    // Then the award pages of the awards flagged papers cite whose recipient has a parent (or
    // whose search answer gave no recipient id): only the page names the parent.
    if out.failure.is_none() {
        let budget = opts.budget;
        let mut todo = db.run(move |d| d.awards_needing_pages(budget)).await?;
        progress.phase("award pages read", Some(todo.len() as u64));
        for chunk in todo.chunks_mut(20) {
            match resolver.read_pages(chunk).await {
                Ok(problems) => {
                    keep_problems(problems).await?;
                    let pages = chunk.to_vec();
                    db.run(move |d| d.save_awards(&pages)).await?;
                    out.pages += chunk.len() as u64;
                    progress.inc(chunk.len() as u64);
                }
                Err(e) => {
                    keep_problems(vec![problem(&e)]).await?;
                    out.failure = Some(e.to_string());
                    break;
                }
            }
        }
    }
    out.left = total.saturating_sub(out.asked);
    Ok(out)
}

fn problem(e: &Error) -> Problem {
    let p = Problem::new(Source::UsaSpending, problem_kind(e), e.to_string());
    match e.url() {
        Some(url) => p.at(url),
        None => p,
    }
}

fn problem_kind(e: &Error) -> ErrorKind {
    match e {
        Error::Status { .. } => ErrorKind::HttpStatus,
        Error::NotJson { .. } => ErrorKind::NotJson,
        Error::Decode { .. } => ErrorKind::Decode,
        Error::Http { .. } => ErrorKind::Http,
        Error::BackOffTooLong { .. } => ErrorKind::BackoffTooLong,
        _ => ErrorKind::Other,
    }
}

/// The summary of the awards the flagged papers in `filter` acknowledge.
pub fn summary(db: &crate::store::Db, filter: &AwardFilter) -> Result<AwardSummary> {
    db.award_summary(filter)
}

/// What the money figure is, said wherever it is shown.
pub const MONEY_MEANS: &str = "obligations to date (USAspending total_obligation) of the distinct awards the flagged papers acknowledge, each award counted once however many papers cite it; not money spent on those papers";

/// The summary for a person: the headline, then the breakdowns, in one screen.
pub fn render_table(s: &AwardSummary, top: usize) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{} flagged papers; {} cite DoD award numbers ({} with at least one award found)\n",
        s.papers, s.papers_citing_awards, s.papers_with_resolved_awards
    ));
    out.push_str(&format!(
        "{} distinct awards: {} found, {} not found, {} ambiguous, {} not asked yet\n",
        s.awards, s.found, s.not_found, s.ambiguous, s.pending
    ));
    out.push_str(&format!(
        "total obligations: {}\n  ({MONEY_MEANS})\n",
        dollars_grouped(s.obligation_cents)
    ));
    if s.other_numbers > 0 {
        out.push_str(&format!(
            "{} other numbers cited (not DoD award numbers by the PIID grammar): kept, not looked up\n",
            s.other_numbers
        ));
    }
    for (title, groups) in [
        ("by DoD component", &s.by_component),
        ("by recipient", &s.by_recipient),
    ] {
        if groups.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{title}:\n"));
        let width = groups
            .iter()
            .take(top)
            .map(|g| g.name.chars().count())
            .max()
            .unwrap_or(0)
            .min(56);
        for g in groups.iter().take(top) {
            let name: String = g.name.chars().take(56).collect();
            out.push_str(&format!(
                "  {name:<width$}  {:>18}  {:>4} awards  {:>4} papers\n",
                dollars_grouped(g.obligation_cents),
                g.awards,
                g.papers
            ));
        }
        if groups.len() > top {
            out.push_str(&format!(
                "  … {} more (--format csv or json lists all)\n",
                groups.len() - top
            ));
        }
    }
    if !s.not_found_numbers.is_empty() {
        let shown: Vec<&str> = s
            .not_found_numbers
            .iter()
            .take(top)
            .map(String::as_str)
            .collect();
        out.push_str(&format!(
            "\nnot found in USAspending: {}{}\n",
            shown.join(", "),
            if s.not_found_numbers.len() > top {
                " …"
            } else {
                ""
            }
        ));
    }
    if !s.ambiguous_numbers.is_empty() {
        out.push_str("\nambiguous (several awards have the number):\n");
        for a in s.ambiguous_numbers.iter().take(top) {
            out.push_str(&format!("  {a}\n"));
        }
    }
    out
}

/// The summary as CSV rows: `section,name,awards,papers,obligation_usd`.
pub fn render_csv(s: &AwardSummary) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::Export(format!("could not write CSV: {e}"));
    w.write_record(["section", "name", "awards", "papers", "obligation_usd"])
        .map_err(io)?;
    // The same figures as the table: every distinct award, then each answer; an amount only
    // where USAspending found the award (a number not found is not $0).
    let obligation = dollars(s.obligation_cents);
    for (section, name, awards, papers, usd) in [
        (
            "total",
            "awards the flagged papers cite",
            s.awards,
            s.papers_citing_awards.to_string(),
            obligation.as_str(),
        ),
        (
            "status",
            "found",
            s.found,
            s.papers_with_resolved_awards.to_string(),
            obligation.as_str(),
        ),
        ("status", "not found", s.not_found, String::new(), ""),
        ("status", "ambiguous", s.ambiguous, String::new(), ""),
        ("status", "not asked yet", s.pending, String::new(), ""),
    ] {
        w.write_record([section, name, &awards.to_string(), &papers, usd])
            .map_err(io)?;
    }
    for (section, groups) in [
        ("component", &s.by_component),
        ("recipient", &s.by_recipient),
    ] {
        for g in groups.iter() {
            w.write_record([
                section,
                &g.name,
                &g.awards.to_string(),
                &g.papers.to_string(),
                &dollars(g.obligation_cents),
            ])
            .map_err(io)?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Export(format!("could not write CSV: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The summary as JSON, amounts as exact decimal strings and as numbers.
pub fn render_json(s: &AwardSummary) -> serde_json::Value {
    let group = |g: &crate::store::AwardGroup| {
        serde_json::json!({
            "name": g.name,
            "awards": g.awards,
            "papers": g.papers,
            "obligation_usd": dollars(g.obligation_cents),
        })
    };
    serde_json::json!({
        "money_means": MONEY_MEANS,
        "papers": s.papers,
        "papers_citing_awards": s.papers_citing_awards,
        "papers_with_resolved_awards": s.papers_with_resolved_awards,
        "awards": s.awards,
        "found": s.found,
        "not_found": s.not_found,
        "ambiguous": s.ambiguous,
        "not_asked_yet": s.pending,
        "other_numbers": s.other_numbers,
        "obligation_usd": dollars(s.obligation_cents),
        "by_component": s.by_component.iter().map(group).collect::<Vec<_>>(),
        "by_recipient": s.by_recipient.iter().map(group).collect::<Vec<_>>(),
        "not_found_numbers": s.not_found_numbers,
        "ambiguous_numbers": s.ambiguous_numbers,
    })
}
