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
mod forms;
mod guard;
mod pages;
mod router;
mod snapshot;
mod view;

pub use router::{router, serve};
pub use snapshot::Snapshot;
pub use view::{Row, View};

use crate::error::{Error, Result};
use crate::store::{Access, Db};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::{Environment, context};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

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

fn template_env() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("overview.html", include_str!("templates/overview.html")),
        ("list.html", include_str!("templates/list.html")),
        ("paper.html", include_str!("templates/paper.html")),
        ("error.html", include_str!("templates/error.html")),
        ("facets.html", include_str!("templates/facets.html")),
        ("people.html", include_str!("templates/people.html")),
        ("person.html", include_str!("templates/person.html")),
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
        .map_err(|e| Error::Internal(format!("no randomness for the form token: {e}")))?;
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

/// Run blocking database work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("a worker failed: {e}")))?
}

fn failed(app: &App, e: &Error) -> Response {
    tracing::error!("{e}");
    app.problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        &e.to_string(),
    )
}

/// The reading connection, for one blocking task.
fn reader(app: &App) -> std::sync::MutexGuard<'_, Db> {
    app.reader.lock().unwrap_or_else(|e| e.into_inner())
}
