//! `xrefscan env`: every environment variable xrefscan reads, from the flags' own help.

use super::{Ctx, ok};
use clap::CommandFactory;
use std::io::Write;
use std::process::ExitCode;
use xrefscan::cli::Cli;

pub fn run(_ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    for v in xrefscan::env::variables(&Cli::command()) {
        let default = v
            .default
            .map(|d| format!(" [default: {d}]"))
            .unwrap_or_default();
        writeln!(out, "{:<32} {}{default}", v.name, v.help)?;
    }
    ok()
}
