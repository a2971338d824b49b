//! The overview: headline figures and the charts, each bar a link to the list it counts.

use super::super::charts::{Bar, bars};
use super::super::view::{NOT_REVIEWED, href};
use crate::awards::MONEY_MEANS;
use crate::model::dollars_grouped;
use crate::web::{App, View, blocking, failed};
use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use std::collections::BTreeMap;
use std::sync::Arc;

pub async fn page(State(app): State<Arc<App>>) -> Response {
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
    let reviewed = rows.iter().filter(|r| r.review != NOT_REVIEWED).count();
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
