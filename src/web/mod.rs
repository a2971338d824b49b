//! The review workspace: `xrefscan serve`. Server-rendered pages (minijinja templates, escaped
//! by default; every asset compiled into the binary) over the same library the command line
//! uses — `flagged` for the list, `review` and `overrides` for decisions — so a decision made
//! in either shows in both and in exports.
//!
//! Safe by default: it listens on loopback unless told otherwise and then refuses requests
//! whose `Host` is not a loopback name (a page elsewhere cannot reach it by DNS rebinding);
//! writes only through POST forms carrying the server's token; `--read-only` has no write
//! route at all; every page forbids inline scripts and framing (CSP). Reads share one
//! read-only connection and an in-memory copy of the flagged list, reloaded whenever SQLite's
//! `data_version` says another connection (a scan, a CLI review, this server's own writes)
//! committed. Writes open their own connection for one short transaction beside a running
//! scan ([`Access::Annotate`]): a scan's transaction is waited for briefly, then the page says
//! the database is busy.

mod charts;
mod view;

pub use view::{Row, View};

use crate::awards::MONEY_MEANS;
use crate::error::{Error, Result};
use crate::flagged::{self, Selection};
use crate::model::{ReviewStatus, dollars_grouped};
use crate::overrides::{self, Correction};
use crate::review;
use crate::store::{Access, Db};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use charts::{Bar, bars};
use minijinja::{Environment, context};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use view::{SORTS, facet_counts, href};

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub db: PathBuf,
    pub read_only: bool,
    /// Requests must name a loopback host (true when listening on loopback).
    pub loopback_only: bool,
}

/// What every request shares.
pub struct App {
    opts: ServeOptions,
    csrf: String,
    templates: Environment<'static>,
    reader: Mutex<Db>,
    snapshot: Mutex<Option<Arc<Snapshot>>>,
}

/// The flagged list and the figures around it, as of one `data_version`.
pub struct Snapshot {
    version: i64,
    /// What the list was read at, but for reviews (see [`Db::flags_fingerprint`]).
    fingerprint: String,
    pub rows: Vec<Arc<Row>>,
    /// Flags first raised after this run are "new since the last scan".
    last_crawl: i64,
    candidates: u64,
    /// Found awards the flagged papers cite, and their obligations in cents.
    awards: (u64, i64),
}

fn template_env() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("overview.html", include_str!("templates/overview.html")),
        ("list.html", include_str!("templates/list.html")),
        ("paper.html", include_str!("templates/paper.html")),
        ("error.html", include_str!("templates/error.html")),
    ] {
        env.add_template(name, source)
            .expect("the bundled templates parse");
    }
    env
}

/// A token for the forms of this server's life: 32 random bytes, hex.
fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Invalid(format!("no randomness for the form token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl App {
    /// Open the database for reading (it must exist and be at this build's schema).
    pub fn new(opts: ServeOptions) -> Result<Arc<App>> {
        let reader = Db::open(&opts.db, Access::Read)?;
        Ok(Arc::new(App {
            csrf: new_token()?,
            templates: template_env(),
            reader: Mutex::new(reader),
            snapshot: Mutex::new(None),
            opts,
        }))
    }

    /// The form token (tests post with and without it).
    pub fn token(&self) -> &str {
        &self.csrf
    }

    /// The current snapshot. When another connection committed, the list is read again —
    /// unless only reviews changed (a decision here or at the command line): then only the
    /// latest decisions are read and the rows they changed replaced, so a decision costs
    /// milliseconds, not a re-read of 10,000 papers.
    pub fn snapshot(&self) -> Result<Arc<Snapshot>> {
        let db = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        let version = db.data_version()?;
        let mut cached = self.snapshot.lock().unwrap_or_else(|e| e.into_inner());
        let old = match cached.as_ref() {
            Some(s) if s.version == version => return Ok(s.clone()),
            other => other.cloned(),
        };
        let fingerprint = db.flags_fingerprint()?;
        let s = match old.filter(|o| o.fingerprint == fingerprint) {
            Some(old) => {
                let latest: HashMap<i64, (String, String)> = db
                    .latest_reviews()?
                    .into_iter()
                    .map(|(id, status, note)| (id, (status, note)))
                    .collect();
                let rows = old
                    .rows
                    .iter()
                    .map(|r| {
                        let (status, note) = latest
                            .get(&r.row.work_id)
                            .map(|(s, n)| (s.as_str(), n.as_str()))
                            .unwrap_or(("", ""));
                        if r.row.review_status == status && r.row.review_note == note {
                            r.clone()
                        } else {
                            Arc::new(r.with_review(status, note))
                        }
                    })
                    .collect();
                Snapshot {
                    version,
                    rows,
                    fingerprint,
                    last_crawl: old.last_crawl,
                    candidates: old.candidates,
                    awards: old.awards,
                }
            }
            None => {
                let rows = flagged::load(&db, &Selection::default())?
                    .into_iter()
                    .map(|r| Arc::new(Row::new(r)))
                    .collect();
                let (candidates, _, _) = db.flag_counts()?;
                Snapshot {
                    version,
                    fingerprint,
                    rows,
                    last_crawl: db.run_before_last_crawl()?,
                    candidates,
                    awards: db.flagged_award_totals()?,
                }
            }
        };
        let s = Arc::new(s);
        *cached = Some(s.clone());
        Ok(s)
    }

    fn render(&self, name: &str, ctx: minijinja::Value) -> Response {
        let base = context! {
            db_path => self.opts.db.display().to_string(),
            db_name => self.opts.db.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            read_only => self.opts.read_only,
            csrf => self.csrf.clone(),
        };
        let merged = context! { ..ctx, ..base };
        match self
            .templates
            .get_template(name)
            .and_then(|t| t.render(merged))
        {
            Ok(html) => html_response(StatusCode::OK, html),
            Err(e) => {
                tracing::error!("rendering {name}: {e:#}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("could not render {name}: {e}"),
                )
                    .into_response()
            }
        }
    }

    fn problem(&self, status: StatusCode, title: &str, message: &str) -> Response {
        let mut r = self.render(
            "error.html",
            context! { title => title, message => message, flash => "", flash_kind => "" },
        );
        *r.status_mut() = status;
        r
    }
}

fn html_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

/// Every route. Write routes exist only when the server is not read-only.
pub fn router(app: Arc<App>) -> Router {
    let mut r = Router::new()
        .route("/", get(overview))
        .route("/papers", get(list))
        .route("/papers.csv", get(download_csv))
        .route("/papers.xlsx", get(download_xlsx))
        .route("/papers.json", get(download_json))
        .route("/papers/{id}", get(card))
        .route("/assets/app.css", get(css))
        .route("/assets/app.js", get(js));
    if !app.opts.read_only {
        r = r
            .route("/papers/{id}/review", post(post_review))
            .route("/papers/{id}/undo", post(post_undo))
            .route("/papers/{id}/override", post(post_override));
    }
    r.fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Refuse foreign hosts; add the headers every page carries.
async fn guard(
    State(app): State<Arc<App>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if app.opts.loopback_only {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let name = host
            .rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(host, |(h, _)| h);
        if !matches!(name, "localhost" | "127.0.0.1" | "[::1]" | "::1") {
            return (
                StatusCode::FORBIDDEN,
                "this server answers only requests addressed to localhost (start it with --bind to serve others)",
            )
                .into_response();
        }
    }
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("assets/app.css"),
    )
}

async fn js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("assets/app.js"),
    )
}

async fn not_found(State(app): State<Arc<App>>) -> Response {
    app.problem(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no such page here.",
    )
}

/// Run blocking database work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Invalid(format!("a worker failed: {e}")))?
}

fn failed(app: &App, e: &Error) -> Response {
    tracing::error!("{e}");
    app.problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        &e.to_string(),
    )
}

async fn overview(State(app): State<Arc<App>>) -> Response {
    let a = app.clone();
    let snap = match blocking(move || a.snapshot()).await {
        Ok(s) => s,
        Err(e) => return failed(&app, &e),
    };
    let rows = &snap.rows;
    let count_by = |key: &str| -> Vec<(String, usize)> {
        let mut m: BTreeMap<String, usize> = BTreeMap::new();
        for r in rows {
            for v in r.values(key) {
                *m.entry(v.to_string()).or_default() += 1;
            }
        }
        let mut v: Vec<(String, usize)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    };
    let to_bars = |key: &str, values: Vec<(String, usize)>| -> Vec<Bar> {
        values
            .into_iter()
            .map(|(label, value)| Bar {
                href: href("/papers", &View::default().toggled(key, &label)),
                label,
                value,
            })
            .collect()
    };
    let mut months = count_by("month");
    months.sort();
    let months: Vec<(String, usize)> = months.into_iter().rev().take(24).rev().collect();
    let charts = [
        (
            "Flagged papers by month of publication",
            to_bars("month", months),
        ),
        (
            "By DoD component",
            to_bars(
                "component",
                count_by("component").into_iter().take(10).collect(),
            ),
        ),
        (
            "Top China-based institutions",
            to_bars(
                "institution",
                count_by("institution").into_iter().take(10).collect(),
            ),
        ),
        (
            "Entity lists hit",
            to_bars("list", count_by("list").into_iter().take(12).collect()),
        ),
    ]
    .into_iter()
    .map(|(title, b)| context! { title => title, svg => bars(title, &b) })
    .collect::<Vec<_>>();
    let reviewed = rows.iter().filter(|r| r.review != "not reviewed").count();
    let new = rows
        .iter()
        .filter(|r| r.row.first_run_id.is_some_and(|id| id > snap.last_crawl))
        .count();
    let mut new_view = View::default();
    if let Some(last) = rows
        .iter()
        .filter_map(|r| r.row.first_run_id)
        .filter(|id| *id > snap.last_crawl)
        .max()
    {
        new_view = new_view.toggled("scan", &last.to_string());
    }
    let awards = (snap.awards.0 > 0).then(|| {
        context! {
            obligation => dollars_grouped(snap.awards.1),
            found => snap.awards.0,
            means => MONEY_MEANS,
        }
    });
    app.render(
        "overview.html",
        context! {
            flagged => rows.len(),
            tier1 => rows.iter().filter(|r| r.row.tier == "1").count(),
            new => new,
            new_href => href("/papers", &new_view),
            reviewed => reviewed,
            open => rows.len() - reviewed,
            candidates => snap.candidates,
            awards => awards,
            charts => charts,
            flash => "",
            flash_kind => "",
        },
    )
}

async fn list(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let q = q.unwrap_or_default();
    let view = View::parse(&q);
    let flash = flash_of(&q);
    let focus: Option<i64> = url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "focus")
        .and_then(|(_, v)| v.parse().ok());
    let a = app.clone();
    let snap = match blocking(move || a.snapshot()).await {
        Ok(s) => s,
        Err(e) => return failed(&app, &e),
    };
    let shown = view.apply(&snap.rows);
    let total = shown.len();
    let pages = total.div_ceil(view.per).max(1);
    let page = view.page.min(pages);
    let at = view.at_page(page);
    let rows: Vec<_> = shown
        .iter()
        .skip((page - 1) * view.per)
        .take(view.per)
        .map(|r| {
            context! {
                id => r.row.work_id,
                href => format!("/papers/{}{}", r.row.work_id, query_suffix(&view.unpaged())),
                tier => r.row.tier.clone(),
                date => r.row.publication_date.clone(),
                title => r.row.title.clone(),
                doi => r.row.doi.clone(),
                review => r.review.clone(),
                review_status => r.row.review_status.clone(),
                current => decision_word(&r.row.review_status),
                money => r.cents.map(dollars_grouped).unwrap_or_default(),
                flagged => r.row.first_flagged_at.get(..10).unwrap_or("").to_string(),
                components => r.row.dod_components.clone(),
                institutions => r.row.china_institutions.clone(),
                regions => r.row.china_regions.clone(),
                risk => r.row.risk.clone(),
            }
        })
        .collect();
    let facets = facet_counts(&view, &shown, 8, "/papers");
    let chosen: Vec<_> = view
        .filters
        .iter()
        .map(|(k, v)| {
            let label = view::FACETS
                .iter()
                .find(|f| f.key == k)
                .map(|f| f.label)
                .unwrap_or(k.as_str());
            context! { label => label, value => v, href => href("/papers", &view.toggled(k, v)) }
        })
        .collect();
    // Each column header: its label (with an arrow when the list is sorted by it) and the link
    // that sorts by it, or reverses it.
    let sorts: BTreeMap<&str, _> = SORTS
        .iter()
        .map(|(key, label)| {
            let arrow = match (view.sort.as_deref() == Some(*key), view.desc) {
                (false, _) => "",
                (true, true) => " ▼",
                (true, false) => " ▲",
            };
            (
                *key,
                context! {
                    label => format!("{label}{arrow}"),
                    href => href("/papers", &view.sorted_by(key)),
                },
            )
        })
        .collect();
    // The search form keeps every other part of the view.
    let hidden: Vec<(String, String)> = View {
        q: String::new(),
        page: 1,
        ..view.clone()
    }
    .query()
    .split('&')
    .filter(|p| !p.is_empty())
    .flat_map(|p| url::form_urlencoded::parse(p.as_bytes()).into_owned())
    .collect();
    let download = |ext: &str| href(&format!("/papers.{ext}"), &view.unpaged());
    let per_page: Vec<_> = [50usize, 100, 200, 500]
        .into_iter()
        .map(|n| {
            let v = View {
                per: n,
                page: 1,
                ..view.clone()
            };
            context! { n => n, href => href("/papers", &v), current => n == view.per }
        })
        .collect();
    app.render(
        "list.html",
        context! {
            rows => rows,
            total => total,
            all => snap.rows.len(),
            q => view.q.clone(),
            facets => facets,
            chosen => chosen,
            sorts => sorts,
            hidden => hidden,
            page => page,
            pages => pages,
            prev_href => (page > 1).then(|| href("/papers", &at.at_page(page - 1))),
            next_href => (page < pages).then(|| href("/papers", &at.at_page(page + 1))),
            csv_href => download("csv"),
            xlsx_href => download("xlsx"),
            json_href => download("json"),
            per_page => per_page,
            view => view.query(),
            focus => focus,
            // A decision just made from the list can be undone from its flash line.
            undo_id => focus.filter(|_| q.contains("saved=")),
            flash => flash.clone().unwrap_or_default(),
            flash_kind => if flash.is_some() { "ok" } else { "" },
        },
    )
}

fn query_suffix(view: &View) -> String {
    let q = view.query();
    if q.is_empty() { q } else { format!("?{q}") }
}

/// The rows of a view, as export writes them.
async fn view_rows(app: &Arc<App>, q: Option<String>) -> Result<Vec<crate::model::FlaggedRow>> {
    let view = View::parse(q.as_deref().unwrap_or(""));
    let a = app.clone();
    let snap = blocking(move || a.snapshot()).await?;
    Ok(view
        .apply(&snap.rows)
        .into_iter()
        .map(|r| r.row.clone())
        .collect())
}

fn attachment(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

async fn download_csv(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    match view_rows(&app, q)
        .await
        .and_then(|rows| crate::export::to_bytes(&rows, crate::export::Format::Csv))
    {
        Ok(b) => attachment("text/csv; charset=utf-8", "flagged-view.csv", b),
        Err(e) => failed(&app, &e),
    }
}

async fn download_xlsx(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    match view_rows(&app, q)
        .await
        .and_then(|rows| crate::export::to_bytes(&rows, crate::export::Format::Xlsx))
    {
        Ok(b) => attachment(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "flagged-view.xlsx",
            b,
        ),
        Err(e) => failed(&app, &e),
    }
}

async fn download_json(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    match view_rows(&app, q)
        .await
        .and_then(|rows| crate::export::to_bytes(&rows, crate::export::Format::Json))
    {
        Ok(b) => ([(header::CONTENT_TYPE, "application/json")], b).into_response(),
        Err(e) => failed(&app, &e),
    }
}

/// `text` escaped, with every occurrence of each of `marks` in `<mark>`, found without regard
/// to (ASCII) case. Occurrences are found in the raw text and each piece escaped on its own, so
/// a matched word can never cut an escape like `&amp;` in two. A span suffix the classifier
/// adds to what it matched (`Office of Naval Research [31..55]`) is not part of the words.
fn marked(text: &str, marks: &[&str]) -> String {
    let lower = text.to_ascii_lowercase();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for m in marks {
        let m = m.trim();
        let m = match m.rsplit_once(" [") {
            Some((words, span))
                if span.ends_with(']')
                    && span[..span.len() - 1]
                        .split_once("..")
                        .is_some_and(|(a, b)| {
                            a.parse::<usize>().is_ok() && b.parse::<usize>().is_ok()
                        }) =>
            {
                words.trim()
            }
            _ => m,
        };
        if m.len() < 2 {
            continue;
        }
        let needle = m.to_ascii_lowercase();
        spans.extend(
            lower
                .match_indices(&needle)
                .map(|(i, _)| (i, i + needle.len())),
        );
    }
    spans.sort();
    // Overlapping or touching occurrences are one mark.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let mut out = String::with_capacity(text.len() + 16 * merged.len());
    let mut at = 0;
    for (start, end) in merged {
        out.push_str(&charts::escape(&text[at..start]));
        out.push_str("<mark>");
        out.push_str(&charts::escape(&text[start..end]));
        out.push_str("</mark>");
        at = end;
    }
    out.push_str(&charts::escape(&text[at..]));
    out
}

/// The decision in force as its word (`dismissed`), or "" when there is none.
fn decision_word(review_status: &str) -> String {
    review_status
        .split_whitespace()
        .next()
        .filter(|w| ReviewStatus::parse(w).is_some())
        .unwrap_or("")
        .to_string()
}

/// What a card's flash line says after a redirect (`?saved=…`, `?corrected=1`).
fn flash_of(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes()).find_map(|(k, v)| match k.as_ref() {
        "saved" => ReviewStatus::parse(&v)
            .map(|s| format!("Saved: {}. The list and exports show it.", s.as_str())),
        "corrected" => Some(
            "Correction saved; it applies at the next scan or `xrefscan reclassify`.".to_string(),
        ),
        "undone" => Some(match v.split_once(':') {
            Some((undone, "")) => format!("Undone: {undone}. No decision is in force."),
            Some((undone, now)) => format!("Undone: {undone}. {now} is in force again."),
            None => format!("Undone: {v}."),
        }),
        _ => None,
    })
}

async fn card(
    State(app): State<Arc<App>>,
    UrlPath(id): UrlPath<String>,
    RawQuery(q): RawQuery,
) -> Response {
    if let Some(id) = id.strip_suffix(".json").and_then(|i| i.parse().ok()) {
        return card_json(&app, id).await;
    }
    let Ok(id) = id.parse::<i64>() else {
        return not_found(State(app)).await;
    };
    let q = q.unwrap_or_default();
    let flash = flash_of(&q).map(|f| (f, "ok"));
    render_card(&app, id, &q, flash, StatusCode::OK).await
}

/// What a card shows, as JSON (like every list view has its `.json`): the export's row, every
/// evidence row, the awards with the ledger's answers, the review history.
async fn card_json(app: &Arc<App>, id: i64) -> Response {
    let a = app.clone();
    let loaded = blocking(move || {
        let snap = a.snapshot()?;
        let Some(row) = snap.rows.iter().find(|r| r.row.work_id == id) else {
            return Ok(None);
        };
        let db = a.reader.lock().unwrap_or_else(|e| e.into_inner());
        let facts = db.card_facts(id)?.unwrap_or_default();
        let history: Vec<String> = review::history(&db, &row.row.doi)
            .map(|(_, h)| h.iter().map(|r| r.line()).collect())
            .unwrap_or_default();
        let paper =
            crate::export::to_bytes(std::slice::from_ref(&row.row), crate::export::Format::Json)?;
        let paper: serde_json::Value = serde_json::from_slice(&paper)
            .map_err(|e| Error::Invalid(format!("the export's JSON: {e}")))?;
        Ok(Some(serde_json::json!({
            "paper": paper.get(0),
            "evidence": facts.evidence,
            "coauthors": crate::card::coauthors(&facts.evidence),
            "awards": facts.awards,
            "sources": facts.sources,
            "acknowledgments": facts.acknowledgments,
            "review_history": history,
        })))
    })
    .await;
    match loaded {
        Ok(Some(v)) => (
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_vec_pretty(&v).unwrap_or_default(),
        )
            .into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "application/json")],
            format!("{{\"error\": \"work {id} is not a flagged paper\"}}"),
        )
            .into_response(),
        Err(e) => failed(app, &e),
    }
}

async fn render_card(
    app: &Arc<App>,
    id: i64,
    query: &str,
    flash: Option<(String, &'static str)>,
    status: StatusCode,
) -> Response {
    let view = View::parse(query).unpaged();
    let a = app.clone();
    let loaded = blocking(move || {
        let snap = a.snapshot()?;
        let db = a.reader.lock().unwrap_or_else(|e| e.into_inner());
        let facts = db.card_facts(id)?;
        let doi = snap
            .rows
            .iter()
            .find(|r| r.row.work_id == id)
            .map(|r| r.row.doi.clone());
        let history = match doi.as_deref() {
            Some(d) if !d.is_empty() => review::history(&db, d)
                .map(|(_, h)| h.iter().map(|r| r.line()).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        Ok((snap, facts, history))
    })
    .await;
    let (snap, facts, history): (Arc<Snapshot>, _, Vec<String>) = match loaded {
        Ok(x) => x,
        Err(e) => return failed(app, &e),
    };
    let Some(row) = snap.rows.iter().find(|r| r.row.work_id == id) else {
        return app.problem(
            StatusCode::NOT_FOUND,
            "Not a flagged paper",
            &format!("Work {id} is not flagged (or no longer is)."),
        );
    };
    let facts = facts.unwrap_or_default();
    // Its neighbours in the view it was opened from.
    let shown = view.apply(&snap.rows);
    let at = shown.iter().position(|r| r.row.work_id == id);
    let neighbour = |i: Option<usize>| {
        i.and_then(|i| shown.get(i))
            .map(|r| format!("/papers/{}{}", r.row.work_id, query_suffix(&view)))
    };
    let prev_href = at
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| neighbour(Some(i)));
    let next_href = neighbour(at.map(|i| i + 1));
    let dod: Vec<_> = facts
        .evidence
        .iter()
        .filter(|e| e.kind == "dod")
        .map(|e| {
            let mut marks: Vec<&str> = vec![e.matched.as_deref().unwrap_or("")];
            if let Some(a) = &e.awards {
                marks.extend(a.split("; "));
            }
            context! {
                source => e.source.clone(),
                component => e.component.clone().unwrap_or_default(),
                via => e.via.clone().unwrap_or_default(),
                marked => marked(&e.summary, &marks),
            }
        })
        .collect();
    // One person per authorship, each affiliation once with its sources (crate::card).
    let china: Vec<_> = crate::card::coauthors(&facts.evidence)
        .into_iter()
        .map(|person| {
            let affiliations: Vec<_> = person
                .affiliations
                .iter()
                .map(|a| {
                    let entities: Vec<_> = a
                        .entities
                        .iter()
                        .map(|h| {
                            // Since when the entry is listed, against the paper's publication.
                            let listed = row
                                .row
                                .entity_listed_since
                                .split(" | ")
                                .find(|l| {
                                    h.institution.as_deref().is_some_and(|e| {
                                        l.starts_with(&format!("{e} ["))
                                            || l.starts_with(&format!("{e}: "))
                                    })
                                })
                                .and_then(|l| l.rsplit_once(": "))
                                .map(|(_, when)| when.to_string());
                            context! { summary => h.summary.clone(), entry => h.institution.clone(), listed => listed }
                        })
                        .collect();
                    let mut entries: Vec<String> =
                        a.entities.iter().filter_map(|h| h.institution.clone()).collect();
                    entries.sort();
                    entries.dedup();
                    // The words that placed it, and those an entity list matched.
                    let marks: Vec<&str> = std::iter::once(a.matched.as_deref())
                        .chain(a.entities.iter().map(|h| h.matched.as_deref()))
                        .flatten()
                        .collect();
                    context! {
                        entries => entries,
                        region => a.region.clone(),
                        country_code => a.country_code.clone(),
                        source => a.sources.join(", "),
                        affiliation => a.affiliation.clone(),
                        marked => marked(&a.affiliation, &marks),
                        institution => a.institution.clone(),
                        via => a.via.clone().unwrap_or_default(),
                        matched => a.matched.clone().unwrap_or_default(),
                        entities => entities,
                    }
                })
                .collect();
            context! {
                author_name => if person.name.is_empty() { "(unnamed author)".to_string() } else { person.name.clone() },
                also => person.also.join(", "),
                position => person.position,
                affiliations => affiliations,
            }
        })
        .collect();
    let awards: Vec<_> = facts
        .awards
        .iter()
        .map(|a| {
            let status = match (a.lookup, a.status.as_deref()) {
                (false, _) => "not a DoD award number (not looked up)".to_string(),
                (true, None) => "not asked yet".to_string(),
                (true, Some("ambiguous")) => format!(
                    "ambiguous: {}",
                    a.candidates.clone().unwrap_or_default().replace('\n', "; ")
                ),
                (true, Some(s)) => s.to_string(),
            };
            context! {
                cited_as => a.cited_as.clone(),
                office => a.office.clone(),
                status => status,
                link => a.link.clone(),
                money => a.obligation_cents.map(dollars_grouped),
                recipient => a.recipient.clone(),
            }
        })
        .collect();
    // Each text as read, the words that decide DoD funding marked (names in a funding
    // sentence, award numbers), as the classifier finds them.
    let acknowledgments: Vec<_> = facts
        .acknowledgments
        .iter()
        .map(|a| {
            let found = dod_text_classifier().classify_text(&a.text);
            let marks: Vec<&str> = found.matches.iter().map(|m| m.span.text.as_str()).collect();
            context! {
                origin => a.origin.clone(),
                section => a.section.clone(),
                url => a.url.clone().filter(|u| u.starts_with("http")),
                dod => found.dod,
                marked => marked(&a.text, &marks),
            }
        })
        .collect();
    let openalex_href = match &facts.openalex_id {
        Some(id) if id.starts_with("http") => id.clone(),
        Some(id) => format!("https://openalex.org/{id}"),
        None => format!("https://api.openalex.org/works/doi:{}", row.row.doi),
    };
    let (flash, flash_kind) = flash.unwrap_or_default();
    let mut r = app.render(
        "paper.html",
        context! {
            p => row.row.clone(),
            work_id => id,
            dod => dod,
            china => china,
            awards => awards,
            acknowledgments => acknowledgments,
            history => history,
            sources => facts.sources.join(", "),
            openalex_href => openalex_href,
            view => view.query(),
            back_href => href("/papers", &view),
            prev_href => prev_href,
            next_href => next_href,
            current => decision_word(&row.row.review_status),
            flash => flash,
            flash_kind => flash_kind,
        },
    );
    *r.status_mut() = status;
    r
}

/// The DoD text classifier the card marks acknowledgments with (built once).
fn dod_text_classifier() -> &'static crate::classify::dod::DodClassifier {
    static DOD: std::sync::LazyLock<crate::classify::dod::DodClassifier> =
        std::sync::LazyLock::new(crate::classify::dod::DodClassifier::new);
    &DOD
}

/// A POSTed form's fields (a field may repeat).
fn form(body: &Bytes) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(f: &'a [(String, String)], name: &str) -> &'a str {
    f.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// The token must come back with every write, or the write is refused.
fn token_ok(app: &App, f: &[(String, String)]) -> bool {
    let got = field(f, "csrf").as_bytes();
    let want = app.csrf.as_bytes();
    // Compared in constant time.
    got.len() == want.len() && got.iter().zip(want).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

fn refused(app: &App) -> Response {
    app.problem(
        StatusCode::FORBIDDEN,
        "Refused",
        "This form did not come from this page (its token is missing or out of date): reload the page and try again.",
    )
}

/// What a write's failure tells the reviewer.
fn write_problem(e: &Error) -> (String, StatusCode) {
    if matches!(e, Error::Busy(_)) {
        (
            format!(
                "The database is busy (a scan is writing) and stayed busy for {} s: nothing was saved. Submit again in a moment.",
                crate::store::ANNOTATE_BUSY.as_secs()
            ),
            StatusCode::SERVICE_UNAVAILABLE,
        )
    } else {
        (
            format!("Nothing was saved: {e}"),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    }
}

/// `path?view&extra`: where a saved form leads, the list's view kept.
fn with_view(path: &str, view: &str, extra: &str) -> String {
    let sep = if view.is_empty() { "" } else { "&" };
    format!("{path}?{view}{sep}{extra}")
}

/// The card again with what was wrong with the form or the write; nothing was saved.
async fn card_with_error(
    app: &Arc<App>,
    id: i64,
    view: &str,
    message: String,
    status: StatusCode,
) -> Response {
    render_card(app, id, view, Some((message, "error")), status).await
}

/// After a write: on to `to`, or the card saying why nothing was saved.
async fn after_write(
    app: &Arc<App>,
    id: i64,
    view: &str,
    saved: Result<()>,
    to: String,
) -> Response {
    match saved {
        Ok(()) => Redirect::to(&to).into_response(),
        Err(e) => {
            let (message, status) = write_problem(&e);
            card_with_error(app, id, view, message, status).await
        }
    }
}

/// The note and reviewer name every form carries.
fn note_and_reviewer(f: &[(String, String)]) -> (String, String) {
    (
        field(f, "note").to_string(),
        field(f, "reviewer").to_string(),
    )
}

async fn post_review(
    State(app): State<Arc<App>>,
    UrlPath(id): UrlPath<i64>,
    body: Bytes,
) -> Response {
    let f = form(&body);
    if !token_ok(&app, &f) {
        return refused(&app);
    }
    let view = field(&f, "view").to_string();
    let Some(status) = ReviewStatus::parse(field(&f, "status")) else {
        let message = "Choose confirm, dismiss or needs info.".to_string();
        return card_with_error(&app, id, &view, message, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let a = app.clone();
    let (note, reviewer) = note_and_reviewer(&f);
    // The decision the form was shown with: one made since (on the card, at the command line,
    // by a colleague) is not replaced unseen.
    let replaces = f
        .iter()
        .find(|(k, _)| k == "replaces")
        .map(|(_, v)| v.clone());
    let saved = blocking(move || {
        let doi = doi_of(&a, id)?;
        let mut db = Db::open(&a.opts.db, Access::Annotate)?;
        if let Some(shown) = replaces {
            let now = db.current_review(&doi)?;
            let now_word = now.map(|s| s.as_str()).unwrap_or("");
            if now_word != shown && now != Some(status) {
                return Err(Error::Invalid(format!(
                    "the decision on this paper changed since the page was shown (now: {}); \
                     look at it again and decide",
                    if now_word.is_empty() {
                        "none"
                    } else {
                        now_word
                    }
                )));
            }
        }
        review::decide(&mut db, &doi, status, &note, Some(&reviewer)).map(|_| ())
    })
    .await;
    let saved_as = format!("saved={}", status.as_str());
    // Decided from the list (keys c/d/n on a row): back to the same page of the list, that row
    // still selected.
    let to = if field(&f, "return") == "list" {
        with_view("/papers", &view, &format!("{saved_as}&focus={id}"))
    } else {
        with_view(&format!("/papers/{id}"), &view, &saved_as)
    };
    after_write(&app, id, &view, saved, to).await
}

/// The DOI of flagged work `id`, from the list in memory.
fn doi_of(app: &App, id: i64) -> Result<String> {
    app.snapshot()?
        .rows
        .iter()
        .find(|r| r.row.work_id == id)
        .map(|r| r.row.doi.clone())
        .ok_or_else(|| Error::Invalid(format!("work {id} is not a flagged paper")))
}

/// Undo the decision in force on a paper: kept in its history, marked undone.
async fn post_undo(
    State(app): State<Arc<App>>,
    UrlPath(id): UrlPath<i64>,
    body: Bytes,
) -> Response {
    let f = form(&body);
    if !token_ok(&app, &f) {
        return refused(&app);
    }
    let view = field(&f, "view").to_string();
    let reviewer = field(&f, "reviewer").to_string();
    let a = app.clone();
    let undone = blocking(move || {
        let doi = doi_of(&a, id)?;
        let mut db = Db::open(&a.opts.db, Access::Annotate)?;
        let (_, undone, now) = review::undo(&mut db, &doi, Some(&reviewer))?;
        Ok(format!(
            "undone={}:{}",
            undone.as_str(),
            now.map(|s| s.as_str()).unwrap_or("")
        ))
    })
    .await;
    match undone {
        Ok(flag) => {
            let to = if field(&f, "return") == "list" {
                with_view("/papers", &view, &format!("{flag}&focus={id}"))
            } else {
                with_view(&format!("/papers/{id}"), &view, &flag)
            };
            Redirect::to(&to).into_response()
        }
        Err(e) => after_write(&app, id, &view, Err(e), String::new()).await,
    }
}

async fn post_override(
    State(app): State<Arc<App>>,
    UrlPath(id): UrlPath<i64>,
    body: Bytes,
) -> Response {
    let f = form(&body);
    if !token_ok(&app, &f) {
        return refused(&app);
    }
    let view = field(&f, "view").to_string();
    let affiliation = field(&f, "affiliation").to_string();
    let region = field(&f, "region").trim().to_string();
    let corrections: Vec<Correction> = (!region.is_empty())
        .then_some(Correction::Region(region))
        .into_iter()
        .chain(
            f.iter()
                .filter(|(k, v)| k == "remove_entity" && !v.is_empty())
                .map(|(_, v)| Correction::Entity {
                    entry: v.clone(),
                    add: false,
                }),
        )
        .chain(
            Some(field(&f, "add_entity").trim())
                .filter(|v| !v.is_empty())
                .map(|v| Correction::Entity {
                    entry: v.to_string(),
                    add: true,
                }),
        )
        .collect();
    if corrections.is_empty() {
        let message = "Choose a region, an entity match to remove or an entry to add.".to_string();
        return card_with_error(&app, id, &view, message, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let a = app.clone();
    let (note, reviewer) = note_and_reviewer(&f);
    let saved = blocking(move || {
        let mut db = Db::open(&a.opts.db, Access::Annotate)?;
        overrides::correct_all(&mut db, &affiliation, &corrections, &note, Some(&reviewer))
            .map(|_| ())
    })
    .await;
    let to = with_view(&format!("/papers/{id}"), &view, "corrected=1");
    after_write(&app, id, &view, saved, to).await
}

/// Serve until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(|e| Error::Invalid(format!("the server stopped: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_escaped_and_the_words_that_decided_are_marked_whatever_their_case() {
        let text = "Supported by the Office of Naval Research <b>grant</b> N00014-21-1-2345 & ONR.";
        assert_eq!(
            marked(
                text,
                &[
                    "office of naval research",
                    "N00014-21-1-2345 [60..76]",
                    "amp",
                    "ONR",
                    ""
                ],
            ),
            "Supported by the <mark>Office of Naval Research</mark> &lt;b&gt;grant&lt;/b&gt; \
             <mark>N00014-21-1-2345</mark> &amp; <mark>ONR</mark>."
        );
        // Overlapping matches are one mark; hostile text stays text.
        assert_eq!(
            marked(
                "<script>Army Research Office</script>",
                &["Army Research", "Research Office"]
            ),
            "&lt;script&gt;<mark>Army Research Office</mark>&lt;/script&gt;"
        );
    }
}
