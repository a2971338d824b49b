//! `xrefscan serve`: the review workspace on a local port until Ctrl-C or SIGTERM.

use super::{Ctx, ok};
use crate::cli::ServeArgs;
use anyhow::Context;
use std::process::ExitCode;
use xrefscan::web::{App, ServeOptions};

pub fn run(args: &ServeArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let loopback = args.bind.is_loopback();
    let app = App::new(ServeOptions {
        db: ctx.db.clone(),
        read_only: args.read_only,
        loopback_only: loopback,
    })?;
    if !loopback {
        eprintln!(
            "warning: listening on {} — anyone who can reach this machine can read the flagged papers{}",
            args.bind,
            if args.read_only {
                ""
            } else {
                " and record reviews (add --read-only to serve no write route)"
            }
        );
    }
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind((args.bind, args.port))
            .await
            .with_context(|| {
                format!(
                    "could not listen on {}:{} (in use? choose another with --port)",
                    args.bind, args.port
                )
            })?;
        let addr = listener.local_addr()?;
        let shown = if loopback {
            format!("http://localhost:{}/", addr.port())
        } else {
            format!("http://{addr}/")
        };
        eprintln!(
            "serving {} at {shown}{} — Ctrl-C to stop",
            ctx.db.display(),
            if args.read_only { " (read-only)" } else { "" }
        );
        xrefscan::web::serve(listener, app, shutdown()).await?;
        anyhow::Ok(())
    })?;
    ok()
}

async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
