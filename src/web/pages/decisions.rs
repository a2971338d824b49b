//! The write routes: a decision on a paper, its undoing, a correction of one affiliation
//! string. Each is one short `Access::Annotate` transaction beside a running scan, through the
//! same library functions as `xrefscan review` and `xrefscan override`.

use super::card::render_card;
use crate::error::{Error, Result};
use crate::model::ReviewStatus;
use crate::overrides::{self, Correction};
use crate::review::{self, Paper};
use crate::store::{Access, Db};
use crate::web::forms::Posted;
use crate::web::{App, blocking};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

/// Record a decision (confirm, dismiss, needs info).
pub async fn review(State(app): State<Arc<App>>, Path(id): Path<i64>, form: Posted) -> Response {
    let Some(status) = ReviewStatus::parse(form.field("status")) else {
        return wrong(&form, &app, id, "Choose confirm, dismiss or needs info.").await;
    };
    // The decision the form was shown with ("" for none), when it says: one made since is not
    // replaced unseen.
    let shown = form.get("replaces").map(ReviewStatus::parse);
    let (note, reviewer) = form.note_and_reviewer();
    let saved = annotate(&app, move |db| {
        review::decide(db, Paper::Work(id), status, &note, Some(&reviewer), shown)
    })
    .await
    .map(|_| form.next(id, &format!("saved={}", status.as_str())));
    after(&form, &app, id, saved).await
}

/// Undo the decision in force on a paper: kept in its history, marked undone.
pub async fn undo(State(app): State<Arc<App>>, Path(id): Path<i64>, form: Posted) -> Response {
    let (_, reviewer) = form.note_and_reviewer();
    let undone: Result<String> = annotate(&app, move |db| {
        let (_, undone, now) = review::undo(db, Paper::Work(id), Some(&reviewer))?;
        Ok(format!(
            "undone={}:{}",
            undone.as_str(),
            now.map(|s| s.as_str()).unwrap_or("")
        ))
    })
    .await;
    let to = undone.map(|flag| form.next(id, &flag));
    after(&form, &app, id, to).await
}

/// Correct one affiliation string: its region, an entity match removed or added.
pub async fn correct(State(app): State<Arc<App>>, Path(id): Path<i64>, form: Posted) -> Response {
    let region = form.field("region").trim().to_string();
    let corrections: Vec<Correction> = (!region.is_empty())
        .then_some(Correction::Region(region))
        .into_iter()
        .chain(form.all("remove_entity").map(|v| Correction::Entity {
            entry: v.to_string(),
            add: false,
        }))
        .chain(
            Some(form.field("add_entity").trim())
                .filter(|v| !v.is_empty())
                .map(|v| Correction::Entity {
                    entry: v.to_string(),
                    add: true,
                }),
        )
        .collect();
    if corrections.is_empty() {
        return wrong(
            &form,
            &app,
            id,
            "Choose a region, an entity match to remove or an entry to add.",
        )
        .await;
    }
    let affiliation = form.field("affiliation").to_string();
    let (note, reviewer) = form.note_and_reviewer();
    let saved = annotate(&app, move |db| {
        overrides::correct_all(db, &affiliation, &corrections, &note, Some(&reviewer))
    })
    .await
    .map(|_| form.next(id, "corrected=1"));
    after(&form, &app, id, saved).await
}

/// Run `write` in one short `Access::Annotate` transaction beside any scan, off the async
/// threads.
async fn annotate<T: Send + 'static>(
    app: &App,
    write: impl FnOnce(&mut Db) -> Result<T> + Send + 'static,
) -> Result<T> {
    let path = app.opts.db.clone();
    blocking(move || write(&mut Db::open(&path, Access::Annotate)?)).await
}

/// The card again saying what was wrong with the form; nothing was saved.
async fn wrong(form: &Posted, app: &Arc<App>, id: i64, message: &str) -> Response {
    render_card(
        app,
        id,
        &form.view,
        Some((message.to_string(), "error")),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// After a write: on to `to`, or the card saying why nothing was saved.
async fn after(form: &Posted, app: &Arc<App>, id: i64, saved: Result<String>) -> Response {
    match saved {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e) => {
            let (message, status) = write_problem(&e);
            render_card(app, id, &form.view, Some((message, "error")), status).await
        }
    }
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
