//! The people view: everyone on the flagged papers with facets (placed in China or the US, a
//! dual appointment, how many flagged papers, institution, entity list), and a person's page —
//! the same library report as `xrefscan people`.

use super::not_found;
use crate::people::{self, PersonPage};
use crate::web::{App, blocking, failed, reader};
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use std::sync::Arc;

/// A person's page URL: the key percent-encoded, so `paper:10.1/x#2` is one path segment.
pub fn href(key: &str) -> String {
    format!(
        "/people/{}",
        url::form_urlencoded::byte_serialize(key.as_bytes()).collect::<String>()
    )
}

/// One person as the list filters and shows them.
struct Row {
    key: String,
    name: String,
    haystack: String,
    papers: i64,
    china: i64,
    us: i64,
    dual: i64,
    institutions: Vec<String>,
    lists: Vec<String>,
    entities: Vec<String>,
    components: Vec<String>,
}

impl Row {
    /// The facet values of this person for `key`.
    fn values(&self, key: &str) -> Vec<String> {
        match key {
            "side" => [("China-based", self.china > 0), ("US-based", self.us > 0)]
                .into_iter()
                .filter(|(_, on)| *on)
                .map(|(v, _)| v.to_string())
                .collect(),
            "dual" => vec![if self.dual > 0 { "yes" } else { "no" }.to_string()],
            "papers" => vec![
                match self.papers {
                    1 => "1",
                    2..=4 => "2–4",
                    _ => "5 or more",
                }
                .to_string(),
            ],
            "institution" => self.institutions.clone(),
            "list" => self.lists.clone(),
            "component" => self.components.clone(),
            _ => Vec::new(),
        }
    }
}

/// Rows shown at most (most flagged papers first); facets and search narrow the rest.
const ROWS: usize = 500;

const FACETS: &[(&str, &str)] = &[
    ("side", "Placed"),
    ("dual", "Dual appointment"),
    ("papers", "Flagged papers"),
    ("list", "Entity list"),
    ("institution", "China-based institution"),
    ("component", "DoD component"),
];

/// The view's filters from the query string: one value per facet, and the search words.
fn parse(q: &str) -> (Vec<(String, String)>, String) {
    let mut filters = Vec::new();
    let mut words = String::new();
    for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
        if k == "q" {
            words = v.into_owned();
        } else if FACETS.iter().any(|(f, _)| *f == k) && !v.is_empty() {
            filters.retain(|(fk, _): &(String, String)| *fk != k);
            filters.push((k.into_owned(), v.into_owned()));
        }
    }
    (filters, words)
}

fn link(filters: &[(String, String)], words: &str) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in filters {
        s.append_pair(k, v);
    }
    if !words.is_empty() {
        s.append_pair("q", words);
    }
    let q = s.finish();
    if q.is_empty() {
        "/people".to_string()
    } else {
        format!("/people?{q}")
    }
}

pub async fn list(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let (filters, words) = parse(q.as_deref().unwrap_or(""));
    let a = app.clone();
    let report = match blocking(move || people::report(&reader(&a), 1)).await {
        Ok(r) => r,
        Err(e) => return failed(&app, &e),
    };
    // Everyone once (a person on both sides is one row).
    let mut rows: Vec<Row> = Vec::new();
    for c in &report.china {
        rows.push(Row {
            key: c.person.key.clone(),
            name: c.person.name.clone(),
            haystack: String::new(),
            papers: c.person.papers,
            china: c.person.china_papers,
            us: c.person.us_papers,
            dual: c.person.dual_papers,
            institutions: c.institutions.clone(),
            lists: c.entity_lists.clone(),
            entities: c.entities.clone(),
            components: c.dod_components.clone(),
        });
    }
    for u in &report.us {
        match rows.iter_mut().find(|r| r.key == u.person.key) {
            Some(r) => {
                for c in &u.dod_components {
                    if !r.components.contains(c) {
                        r.components.push(c.clone());
                    }
                }
            }
            None => rows.push(Row {
                key: u.person.key.clone(),
                name: u.person.name.clone(),
                haystack: String::new(),
                papers: u.person.papers,
                china: u.person.china_papers,
                us: u.person.us_papers,
                dual: u.person.dual_papers,
                institutions: Vec::new(),
                lists: Vec::new(),
                entities: Vec::new(),
                components: u.dod_components.clone(),
            }),
        }
    }
    for r in &mut rows {
        r.lists.sort();
        r.lists.dedup();
        r.haystack = [
            &r.name,
            &r.key,
            &r.institutions.join(" "),
            &r.entities.join(" "),
        ]
        .iter()
        .map(|s| s.to_lowercase())
        .collect::<Vec<_>>()
        .join("\n");
    }
    rows.sort_by(|a, b| b.papers.cmp(&a.papers).then(a.name.cmp(&b.name)));
    let all = rows.len();
    let needles: Vec<String> = words.split_whitespace().map(str::to_lowercase).collect();
    let shown: Vec<&Row> = rows
        .iter()
        .filter(|r| needles.iter().all(|w| r.haystack.contains(w)))
        .filter(|r| filters.iter().all(|(k, v)| r.values(k).contains(v)))
        .collect();
    let facets: Vec<_> = FACETS
        .iter()
        .map(|(key, label)| {
            let mut counts: Vec<(String, usize)> = Vec::new();
            for r in &shown {
                for v in r.values(key) {
                    match counts.iter_mut().find(|(c, _)| *c == v) {
                        Some(c) => c.1 += 1,
                        None => counts.push((v, 1)),
                    }
                }
            }
            counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let values: Vec<_> = counts
                .into_iter()
                .take(10)
                .map(|(value, count)| {
                    let chosen = filters.iter().any(|(k, v)| k == key && *v == value);
                    let mut f: Vec<(String, String)> =
                        filters.iter().filter(|(k, _)| k != key).cloned().collect();
                    if !chosen {
                        f.push((key.to_string(), value.clone()));
                    }
                    context! { value => value, count => count, chosen => chosen, href => link(&f, &words) }
                })
                .collect();
            context! { key => key, label => label, values => values }
        })
        .collect();
    let chosen: Vec<_> = filters
        .iter()
        .map(|(k, v)| {
            let label = FACETS
                .iter()
                .find(|(f, _)| f == k)
                .map(|(_, l)| *l)
                .unwrap_or("");
            let rest: Vec<(String, String)> =
                filters.iter().filter(|(fk, _)| fk != k).cloned().collect();
            context! { label => label, value => v, href => link(&rest, &words) }
        })
        .collect();
    let list = |v: &[String]| v.iter().take(4).cloned().collect::<Vec<_>>().join("; ");
    let table: Vec<_> = shown
        .iter()
        .take(ROWS)
        .map(|r| {
            context! {
                key => r.key.clone(), name => r.name.clone(), href => href(&r.key),
                papers => r.papers, china_papers => r.china, us_papers => r.us, dual_papers => r.dual,
                institutions => list(&r.institutions), entities => list(&r.entities),
                components => list(&r.components),
            }
        })
        .collect();
    app.render(
        "people.html",
        context! {
            rows => table, total => shown.len(), all => all, q => words.clone(),
            cut => (shown.len() > ROWS).then_some(ROWS),
            search_action => "/people", search_placeholder => "Search name, ORCID, institution",
            search_label => "Search people",
            facets => facets, chosen => chosen, hidden => filters.clone(),
            flash => "", flash_kind => "",
        },
    )
}

pub async fn page(State(app): State<Arc<App>>, Path(key): Path<String>) -> Response {
    let (key, json) = match key.strip_suffix(".json") {
        Some(k) => (k.to_string(), true),
        None => (key, false),
    };
    let a = app.clone();
    let k = key.clone();
    let found: Option<PersonPage> = match blocking(move || people::page(&reader(&a), &k)).await {
        Ok(p) => p,
        Err(e) => return failed(&app, &e),
    };
    let Some(p) = found else {
        return if json {
            (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "application/json")],
                format!("{{\"error\": \"no person {key:?} on a flagged paper\"}}"),
            )
                .into_response()
        } else {
            not_found(State(app)).await
        };
    };
    if json {
        return (
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_vec_pretty(&p).unwrap_or_default(),
        )
            .into_response();
    }
    let papers: Vec<_> = p
        .papers
        .iter()
        .map(|x| {
            let coauthors: Vec<_> = x
                .coauthors
                .iter()
                .map(|(name, key)| context! { name => name, href => href(key) })
                .collect();
            context! {
                date => x.paper.publication_date.clone(), work_id => x.paper.work_id,
                title => x.paper.title.clone(), doi => x.paper.doi.clone(), tier => x.paper.tier.clone(),
                dual => x.paper.dual, affiliations => x.affiliations.clone(),
                entities => x.entities.clone(), coauthors => coauthors,
            }
        })
        .collect();
    app.render(
        "person.html",
        context! {
            p => p.person.clone(), papers => papers,
            dod_components => p.dod_components.join("; "), awards => p.awards.join("; "),
            china_collaborators => p.china_collaborators.join("; "),
            us_collaborators => p.us_collaborators.join("; "),
            flash => "", flash_kind => "",
        },
    )
}
