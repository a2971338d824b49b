//! The list: facets, search, sort and pages over the flagged papers, all in the URL.

use super::super::view::{self, SORTS, facet_counts, href};
use super::{decision_word, flash_of, query_suffix};
use crate::error::Result;
use crate::model::dollars_grouped;
use crate::web::{App, View, blocking, failed};
use axum::extract::{RawQuery, State};
use axum::response::Response;
use minijinja::context;
use std::collections::BTreeMap;
use std::sync::Arc;

pub async fn page(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
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
            search_action => "/papers",
            search_placeholder => "Search title, DOI, institution, evidence",
            search_label => "Search",
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

/// The rows of a view, as export writes them.
pub(super) async fn view_rows(
    app: &Arc<App>,
    q: Option<String>,
) -> Result<Vec<crate::model::FlaggedRow>> {
    let view = View::parse(q.as_deref().unwrap_or(""));
    let a = app.clone();
    let snap = blocking(move || a.snapshot()).await?;
    Ok(view
        .apply(&snap.rows)
        .into_iter()
        .map(|r| r.row.clone())
        .collect())
}
