//! `xrefscan scan`: resolve the window once, hold the writer lock for the whole run, stop
//! cleanly on Ctrl-C or SIGTERM (after the current transaction, the run marked interrupted
//! under the same lock), print the summary.

use super::{Ctx, code, usage};
use crate::cli::{LogFormat, ScanArgs, exit};
use anyhow::Context;
use std::io::Write;
use std::process::ExitCode;
use xrefscan::scan::{self, Schedule};
use xrefscan::store::{Access, Db};

pub fn run(args: &ScanArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    // A bad window or option is refused before any file is touched.
    let window = args.window().map_err(usage)?;
    if window.is_none() && !ctx.db.exists() {
        return Err(xrefscan::Error::NoDatabase {
            path: ctx.db.clone(),
            hint: "run `xrefscan scan` first with --from and --to (--since-last continues from an earlier scan)".into(),
        }
        .into());
    }
    let settings = args.settings(window, ctx.progress).map_err(usage)?;
    let db = Db::open(
        &ctx.db,
        Access::Write {
            command: "scan",
            wait: ctx.wait,
            create: true,
        },
    )?;
    let mut opts = match window {
        Some(_) => settings,
        None => {
            let until = args.to.unwrap_or_else(|| chrono::Utc::now().date_naive());
            let plan = Schedule::since_last(
                &db,
                &args.sources,
                args.overlap_days,
                until,
                args.window_from,
            )?;
            let o = settings.scheduled(&plan, !args.no_update_routes);
            eprintln!("{}", o.schedule_line());
            o
        }
    };
    opts.wait = ctx.wait;
    if let Some(doubt) = opts.window.doubt(chrono::Utc::now().date_naive()) {
        tracing::warn!("{doubt}");
    }
    let db = db.shared();
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let outcome = rt.block_on(async {
        tokio::select! {
            r = scan::run_on(db.clone(), opts) => r.map(Ok),
            signal = stop_signal() => Ok(Err(signal)),
        }
    });
    // Dropping the runtime waits for the store's current transaction to finish.
    drop(rt);
    let summary = match outcome.with_context(|| format!("scan into {}", ctx.db.display()))? {
        Ok(summary) => summary,
        Err(signal) => {
            db.blocking(|d| d.mark_running_interrupted(&format!("interrupted ({signal})")))?;
            eprintln!(
                "interrupted ({signal}): everything up to the last committed page is kept; run the same command again to resume"
            );
            return Ok(code(if signal == "SIGTERM" {
                exit::TERMINATED
            } else {
                exit::INTERRUPTED
            }));
        }
    };
    let mut out = std::io::stdout().lock();
    match ctx.log_format {
        LogFormat::Text => writeln!(out, "{summary}")?,
        // Unattended runs: the summary is one JSON object, like every log line.
        LogFormat::Json => writeln!(out, "{}", serde_json::to_string(&summary.to_json())?)?,
    }
    if summary.all_failed() {
        tracing::error!(
            "every source failed: nothing was fetched; check the network and the base URLs (`xrefscan env` shows them)"
        );
        return Ok(code(exit::FAILURE));
    }
    Ok(code(
        if !summary.complete() || (args.strict && summary.short_counts > 0) {
            exit::INCOMPLETE
        } else {
            exit::OK
        },
    ))
}

/// Resolves when the user presses Ctrl-C or the service manager sends SIGTERM.
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "Ctrl-C",
                _ = term.recv() => "SIGTERM",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "Ctrl-C"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
