//! `xrefscan env`: every environment variable xrefscan reads, from the flags' own help.

use super::{Ctx, ok};
use crate::cli::Cli;
use clap::CommandFactory;
use std::io::Write;
use std::process::ExitCode;

pub fn run(_ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    for v in crate::cli::variables::variables(&Cli::command()) {
        let default = v
            .default
            .map(|d| format!(" [default: {d}]"))
            .unwrap_or_default();
        // What is set now, as the command would read it; a secret only says that it is set.
        let now = match std::env::var(&v.name) {
            Ok(_) if v.secret => "= (set, hidden)".to_string(),
            Ok(value) => format!("= {value:?}"),
            Err(_) => "(not set)".to_string(),
        };
        writeln!(out, "{:<32} {now}\n{:<32} {}{default}", v.name, "", v.help)?;
    }
    ok()
}
