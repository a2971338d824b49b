//! The routes, the two assets and serving: one place lists every URL the workspace answers.

use super::App;
use super::guard::guard;
use super::pages::{card, decisions, downloads, list, not_found, overview, people};
use crate::error::{Error, Result};
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::sync::Arc;

/// Every route. Write routes exist only when the server is not read-only.
pub fn router(app: Arc<App>) -> Router {
    let mut r = Router::new()
        .route("/", get(overview::page))
        .route("/papers", get(list::page))
        .route("/papers.csv", get(downloads::csv))
        .route("/papers.xlsx", get(downloads::xlsx))
        .route("/papers.json", get(downloads::json))
        .route("/papers/{id}", get(card::page))
        .route("/people", get(people::list))
        .route("/people/{key}", get(people::page))
        .route("/assets/app.css", get(css))
        .route("/assets/app.js", get(js));
    if !app.opts.read_only {
        r = r
            .route("/papers/{id}/review", post(decisions::review))
            .route("/papers/{id}/undo", post(decisions::undo))
            .route("/papers/{id}/override", post(decisions::correct));
    }
    r.fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
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
    .map_err(|e| Error::Internal(format!("the server stopped: {e}")))
}
