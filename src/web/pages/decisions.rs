//! The write routes: a decision on a paper, its undoing, a correction of one affiliation
//! string. Each is one short `Access::Annotate` transaction beside a running scan, through the
//! same library functions as `xrefscan review` and `xrefscan override`.

use crate::error::Result;
use crate::model::ReviewStatus;
use crate::overrides::{self, Correction};
use crate::review::{self, Paper};
use crate::store::{Access, Db};
use crate::web::forms::Posted;
use crate::web::{App, blocking};
use axum::extract::{Path, State};
use axum::response::Response;
use std::sync::Arc;

/// Record a decision (confirm, dismiss, needs info).
pub async fn review(State(app): State<Arc<App>>, Path(id): Path<i64>, form: Posted) -> Response {
    let Some(status) = ReviewStatus::parse(form.field("status")) else {
        return form
            .wrong(&app, id, "Choose confirm, dismiss or needs info.")
            .await;
    };
    // The decision the form was shown with ("" for none), when it says: one made since is not
    // replaced unseen.
    let shown = form.get("replaces").map(ReviewStatus::parse);
    let (note, reviewer) = (
        form.field("note").to_string(),
        form.field("reviewer").to_string(),
    );
    let db = app.opts.db.clone();
    let saved = blocking(move || {
        let mut db = Db::open(&db, Access::Annotate)?;
        review::decide(
            &mut db,
            Paper::Work(id),
            status,
            &note,
            Some(&reviewer),
            shown,
        )
    })
    .await
    .map(|_| form.next(id, &format!("saved={}", status.as_str())));
    form.after(&app, id, saved).await
}

/// Undo the decision in force on a paper: kept in its history, marked undone.
pub async fn undo(State(app): State<Arc<App>>, Path(id): Path<i64>, form: Posted) -> Response {
    let reviewer = form.field("reviewer").to_string();
    let db = app.opts.db.clone();
    let undone: Result<String> = blocking(move || {
        let mut db = Db::open(&db, Access::Annotate)?;
        let (_, undone, now) = review::undo(&mut db, Paper::Work(id), Some(&reviewer))?;
        Ok(format!(
            "undone={}:{}",
            undone.as_str(),
            now.map(|s| s.as_str()).unwrap_or("")
        ))
    })
    .await;
    let to = undone.map(|flag| form.next(id, &flag));
    form.after(&app, id, to).await
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
        return form
            .wrong(
                &app,
                id,
                "Choose a region, an entity match to remove or an entry to add.",
            )
            .await;
    }
    let affiliation = form.field("affiliation").to_string();
    let (note, reviewer) = (
        form.field("note").to_string(),
        form.field("reviewer").to_string(),
    );
    let db = app.opts.db.clone();
    let saved = blocking(move || {
        let mut db = Db::open(&db, Access::Annotate)?;
        overrides::correct_all(&mut db, &affiliation, &corrections, &note, Some(&reviewer))
    })
    .await
    .map(|_| form.next(id, "corrected=1"));
    form.after(&app, id, saved).await
}
