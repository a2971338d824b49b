//! The list's view as a download: the export's CSV, XLSX and JSON of exactly the rows shown.

use super::list::view_rows;
use crate::export::{Format, to_bytes};
use crate::web::{App, failed};
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

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

pub async fn csv(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    match view_rows(&app, q)
        .await
        .and_then(|rows| to_bytes(&rows, Format::Csv))
    {
        Ok(b) => attachment("text/csv; charset=utf-8", "flagged-view.csv", b),
        Err(e) => failed(&app, &e),
    }
}

pub async fn xlsx(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    match view_rows(&app, q)
        .await
        .and_then(|rows| to_bytes(&rows, Format::Xlsx))
    {
        Ok(b) => attachment(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "flagged-view.xlsx",
            b,
        ),
        Err(e) => failed(&app, &e),
    }
}

pub async fn json(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    match view_rows(&app, q)
        .await
        .and_then(|rows| to_bytes(&rows, Format::Json))
    {
        Ok(b) => ([(header::CONTENT_TYPE, "application/json")], b).into_response(),
        Err(e) => failed(&app, &e),
    }
}
