//! A flagged paper's card: its evidence as the library groups it ([`crate::card::Card`]), the
//! acknowledgment as read, the awards, the decision forms — and the same as JSON at
//! `/papers/ID.json`.

use super::{decision_word, flash_of, marked, not_found, query_suffix};
use crate::card::{Card, listed_since};
use crate::error::{Error, Result};
use crate::export::{Format, to_bytes};
use crate::model::dollars_grouped;
use crate::review::{self, Paper};
use crate::store::CardFacts;
use crate::web::snapshot::Snapshot;
use crate::web::view::href;
use crate::web::{App, Row, View, blocking, failed, reader};
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use std::sync::Arc;

pub async fn page(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    if let Some(id) = id.strip_suffix(".json").and_then(|i| i.parse().ok()) {
        return json(&app, id).await;
    }
    let Ok(id) = id.parse::<i64>() else {
        return not_found(State(app)).await;
    };
    let q = q.unwrap_or_default();
    let flash = flash_of(&q).map(|f| (f, "ok"));
    render_card(&app, id, &q, flash, StatusCode::OK).await
}

/// What a flagged work's card is read from: its row in the list, the store's facts, its
/// review history. `None` when the work is not flagged (or no longer is).
struct Loaded {
    snap: Arc<Snapshot>,
    row: Arc<Row>,
    facts: CardFacts,
    history: Vec<String>,
}

async fn load(app: &Arc<App>, id: i64) -> Result<Option<Loaded>> {
    let a = app.clone();
    blocking(move || {
        let snap = a.snapshot()?;
        let Some(row) = snap.rows.iter().find(|r| r.row.work_id == id).cloned() else {
            return Ok(None);
        };
        let db = reader(&a);
        let facts = db.card_facts(id)?.unwrap_or_default();
        let history = review::history(&db, Paper::Work(id))
            .map(|(_, h)| h.iter().map(|r| r.line()).collect())
            .unwrap_or_default();
        Ok(Some(Loaded {
            snap,
            row,
            facts,
            history,
        }))
    })
    .await
}

/// What a card shows, as JSON (like every list view has its `.json`): the export's row, every
/// evidence row, the coauthors, the awards with the ledger's answers, the acknowledgments as
/// read, the review history.
async fn json(app: &Arc<App>, id: i64) -> Response {
    let body = load(app, id).await.and_then(|loaded| {
        let Some(l) = loaded else { return Ok(None) };
        let paper = to_bytes(std::slice::from_ref(&l.row.row), Format::Json)?;
        let paper: serde_json::Value = serde_json::from_slice(&paper)
            .map_err(|e| Error::Internal(format!("the export's JSON: {e}")))?;
        let card = Card::new(&l.facts);
        Ok(Some(serde_json::json!({
            "paper": paper.get(0),
            "evidence": l.facts.evidence,
            "coauthors": card.coauthors,
            "dual_appointments": card.dual,
            "us_authors": card.us,
            "awards": card.awards,
            "sources": l.facts.sources,
            "acknowledgments": card.acknowledgments,
            "review_history": l.history,
        })))
    });
    match body {
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

/// The card page, with a flash line (saved, or why nothing was saved) and its status.
pub(in crate::web) async fn render_card(
    app: &Arc<App>,
    id: i64,
    query: &str,
    flash: Option<(String, &'static str)>,
    status: StatusCode,
) -> Response {
    let view = View::parse(query).unpaged();
    let l = match load(app, id).await {
        Ok(Some(l)) => l,
        Ok(None) => {
            return app.problem(
                StatusCode::NOT_FOUND,
                "Not a flagged paper",
                &format!("Work {id} is not flagged (or no longer is)."),
            );
        }
        Err(e) => return failed(app, &e),
    };
    let row = &l.row.row;
    // Its neighbours in the view it was opened from.
    let shown = view.apply(&l.snap.rows);
    let at = shown.iter().position(|r| r.row.work_id == id);
    let neighbour = |i: Option<usize>| {
        i.and_then(|i| shown.get(i))
            .map(|r| format!("/papers/{}{}", r.row.work_id, query_suffix(&view)))
    };
    let prev_href = at
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| neighbour(Some(i)));
    let next_href = neighbour(at.map(|i| i + 1));
    let card = Card::new(&l.facts);
    let dod: Vec<_> = card
        .dod
        .iter()
        .map(|d| {
            context! {
                source => d.source.clone(),
                component => d.component.clone(),
                via => d.via.clone(),
                marked => marked(&d.summary, &words(&d.marks)),
            }
        })
        .collect();
    let china: Vec<_> = card
        .coauthors
        .iter()
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
                            let listed = h
                                .institution
                                .as_deref()
                                .and_then(|e| listed_since(&row.entity_listed_since, e));
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
                href => person.person.as_deref().map(super::people::href),
                author_name => if person.name.is_empty() { "(unnamed author)".to_string() } else { person.name.clone() },
                also => person.also.join(", "),
                position => person.position,
                affiliations => affiliations,
            }
        })
        .collect();
    let dual: Vec<_> = card
        .dual
        .iter()
        .map(|d| {
            context! {
                name => d.name.clone(), position => d.position,
                href => d.person.as_deref().map(super::people::href),
                us_affiliation => d.us_affiliation.clone(), us_matched => d.us_matched.clone(),
                china_affiliation => d.china_affiliation.clone(),
                china_region => d.china_region.clone(), source => d.source.clone(),
            }
        })
        .collect();
    let us: Vec<_> = card
        .us
        .iter()
        .map(|u| {
            context! {
                name => u.name.clone(), position => u.position,
                href => u.person.as_deref().map(super::people::href),
                affiliations => u.affiliations.clone(),
            }
        })
        .collect();
    let awards: Vec<_> = card
        .awards
        .iter()
        .map(|a| {
            context! {
                cited_as => a.award.cited_as.clone(),
                office => a.award.office.clone(),
                status => a.answer.clone(),
                link => a.award.link.clone(),
                money => a.award.obligation_cents.map(dollars_grouped),
                recipient => a.award.recipient.clone(),
            }
        })
        .collect();
    // Each text as read, the words that decide DoD funding marked as the classifier finds them.
    let acknowledgments: Vec<_> = card
        .acknowledgments
        .iter()
        .map(|a| {
            context! {
                origin => a.text.origin.clone(),
                section => a.text.section.clone(),
                url => a.text.url.clone().filter(|u| u.starts_with("http")),
                dod => a.dod,
                marked => marked(&a.text.text, &words(&a.marks)),
            }
        })
        .collect();
    let openalex_href = match &l.facts.openalex_id {
        Some(id) if id.starts_with("http") => id.clone(),
        Some(id) => format!("https://openalex.org/{id}"),
        None => format!("https://api.openalex.org/works/doi:{}", row.doi),
    };
    let (flash, flash_kind) = flash.unwrap_or_default();
    let mut r = app.render(
        "paper.html",
        context! {
            p => row.clone(),
            work_id => id,
            dod => dod,
            china => china,
            dual => dual,
            us => us,
            awards => awards,
            acknowledgments => acknowledgments,
            history => l.history,
            sources => l.facts.sources.join(", "),
            openalex_href => openalex_href,
            view => view.query(),
            back_href => href("/papers", &view),
            prev_href => prev_href,
            next_href => next_href,
            current => decision_word(&row.review_status),
            flash => flash,
            flash_kind => flash_kind,
        },
    );
    *r.status_mut() = status;
    r
}

/// Marks as the `marked` renderer takes them.
fn words(marks: &[String]) -> Vec<&str> {
    marks.iter().map(String::as_str).collect()
}
