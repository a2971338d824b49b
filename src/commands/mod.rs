//! One file per command, each `run(args, &Ctx) -> Result<ExitCode>`. A command opens the
//! database the way it needs (`Access::Read` or `Access::Write`), calls the library, and
//! prints; nothing here runs SQL or decides anything the library could.

mod awards;
mod classify;
mod doctor;
mod env;
mod eval;
mod export;
mod lists;
pub mod logging;
mod overrides;
mod people;
mod query;
mod reclassify;
mod review;
mod scan;
mod serve;
mod stats;

use crate::cli::{Cli, Command, exit};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// What every command may need from the global options.
pub struct Ctx {
    pub db: PathBuf,
    /// Draw progress bars (not quiet, and stderr is a terminal).
    pub progress: bool,
    /// Queue behind another writer instead of failing.
    pub wait: bool,
    pub log_format: crate::cli::LogFormat,
}

/// A mistake on the command line (exit 2), found after clap's own checks.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Usage(message.into()).into()
}

pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}

pub fn ok() -> anyhow::Result<ExitCode> {
    Ok(code(exit::OK))
}

/// Run the command the user asked for.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Ctx {
        db: cli.db.clone(),
        progress: !cli.quiet && std::io::stderr().is_terminal(),
        wait: cli.wait,
        log_format: cli.log_format,
    };
    match &cli.command {
        Command::Scan(a) => scan::run(a, &ctx),
        Command::Export(a) => export::run(a, &ctx),
        Command::Query(a) => query::run(a, &ctx),
        Command::Stats => stats::run(&ctx),
        Command::Env => env::run(&ctx),
        Command::Classify(a) => classify::run(a, &ctx),
        Command::Eval(a) => eval::run(a, &ctx),
        Command::Lists(a) => lists::run(a, &ctx),
        Command::Reclassify(a) => reclassify::run(a, &ctx),
        Command::Review(a) => review::run(a, &ctx),
        Command::Doctor => doctor::run(&ctx),
        Command::Override(a) => overrides::run(a, &ctx),
        Command::Awards(a) => awards::run(a, &ctx),
        Command::Serve(a) => serve::run(a, &ctx),
        Command::People(a) => people::run(a, &ctx),
    }
}
