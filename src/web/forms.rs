//! What a POSTed form brings: its token checked before anything else (a form that did not come
//! from this server's pages is refused), its fields, the list view it was shown in, and where
//! a saved form leads. Every write route takes a [`Posted`]; none parses a body itself.

use super::App;
use crate::error::Result;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// A form posted from one of this server's pages, its token checked.
pub(super) struct Posted {
    fields: Vec<(String, String)>,
    /// The list view the form was shown in (kept in every link back).
    pub view: String,
}

impl FromRequest<Arc<App>> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, app: &Arc<App>) -> Result<Self, Response> {
        let body = Bytes::from_request(req, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let fields: Vec<(String, String)> =
            url::form_urlencoded::parse(&body).into_owned().collect();
        let posted = Posted {
            view: String::new(),
            fields,
        };
        if !token_ok(app, posted.field("csrf")) {
            return Err(app.problem(
                StatusCode::FORBIDDEN,
                "Refused",
                "This form did not come from this page (its token is missing or out of date): reload the page and try again.",
            ));
        }
        Ok(Posted {
            view: posted.field("view").to_string(),
            ..posted
        })
    }
}

impl Posted {
    /// The field's value, "" when absent (the first when it repeats).
    pub fn field(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// The field's value, `None` when the form has no such field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every non-empty value of a repeated field.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.fields
            .iter()
            .filter(move |(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// The note and the reviewer's name every write form carries.
    pub fn note_and_reviewer(&self) -> (String, String) {
        (
            self.field("note").to_string(),
            self.field("reviewer").to_string(),
        )
    }

    /// Where a form saved about paper `id` leads, saying `flag`: back to the list at the same
    /// page with that row selected when it was decided from the list (keys c/d/n on a row),
    /// else its card; the view kept either way.
    pub fn next(&self, id: i64, flag: &str) -> String {
        if self.field("return") == "list" {
            with_view("/papers", &self.view, &format!("{flag}&focus={id}"))
        } else {
            with_view(&format!("/papers/{id}"), &self.view, flag)
        }
    }
}

/// The token must come back with every write, compared in constant time.
fn token_ok(app: &App, got: &str) -> bool {
    let (got, want) = (got.as_bytes(), app.csrf.as_bytes());
    got.len() == want.len() && got.iter().zip(want).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// `path?view&extra`: where a saved form leads, the list's view kept.
fn with_view(path: &str, view: &str, extra: &str) -> String {
    let sep = if view.is_empty() { "" } else { "&" };
    format!("{path}?{view}{sep}{extra}")
}
