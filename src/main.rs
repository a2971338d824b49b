//! The binary: parse the command line, set up logging, run, map the outcome to an exit code.

use anyhow::Context;
use clap::Parser;
use std::io::IsTerminal;
use xrefscan::cli::{Cli, Command, exit};
use xrefscan::store::Store;
use xrefscan::{env, export, query, scan, stats};

fn main() {
    let cli = Cli::parse();
    init_logging(&cli);
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            exit::FAILURE
        }
    };
    std::process::exit(code);
}

fn init_logging(cli: &Cli) {
    let default = match (cli.quiet, cli.verbose) {
        (true, _) => "error",
        (_, 0) => "warn",
        (_, 1) => "xrefscan=info,warn",
        _ => "xrefscan=debug,info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env(env::XREFSCAN_LOG)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    match &cli.command {
        Command::Scan(args) => {
            let progress = !cli.quiet && std::io::stderr().is_terminal();
            let opts = args.options(progress).map_err(anyhow::Error::msg)?;
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            let summary = rt
                .block_on(scan::run(&cli.db, opts))
                .with_context(|| format!("scan into {}", cli.db.display()))?;
            println!("{summary}");
            Ok(if summary.complete() {
                exit::OK
            } else {
                exit::INCOMPLETE
            })
        }
        Command::Export(args) => {
            let conn = Store::open_read_only(&cli.db)?;
            let n = export::export(
                &conn,
                &args.out,
                &export::ExportOptions {
                    format: args.format,
                    bom: args.bom,
                    mainland_only: args.mainland_only,
                },
            )
            .with_context(|| format!("exporting to {}", args.out.display()))?;
            eprintln!(
                "wrote {n} flagged paper{} to {}",
                if n == 1 { "" } else { "s" },
                args.out.display()
            );
            Ok(exit::OK)
        }
        Command::Query(args) => {
            if args.list {
                for (name, sql) in query::CANNED {
                    let about = sql
                        .lines()
                        .next()
                        .unwrap_or("")
                        .trim_start_matches("--")
                        .trim();
                    println!("{name:<24} {about}");
                }
                return Ok(exit::OK);
            }
            let sql = match (&args.sql, &args.name) {
                (Some(sql), _) => sql.clone(),
                (None, Some(name)) => query::canned(name, &args.queries_dir)?,
                (None, None) => anyhow::bail!("give a query NAME or --sql"),
            };
            let conn = Store::open_read_only(&cli.db)?;
            let mut out = std::io::stdout().lock();
            query::run(&conn, &sql, args.format, &mut out)?;
            Ok(exit::OK)
        }
        Command::Stats => {
            let conn = Store::open_read_only(&cli.db)?;
            stats::print(&conn, &mut std::io::stdout().lock())?;
            Ok(exit::OK)
        }
        Command::Env => {
            for (name, meaning) in env::ALL {
                println!("{name:<32} {meaning}");
            }
            Ok(exit::OK)
        }
    }
}
