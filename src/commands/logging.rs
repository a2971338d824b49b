//! Log lines on stderr: text (coloured only on a terminal, and never with `NO_COLOR`) or JSON
//! objects for unattended runs.

use crate::cli::{Cli, LogFormat};
use std::io::IsTerminal;
use xrefscan::env;

/// Whether stderr may carry colour codes.
pub fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn init(cli: &Cli) {
    let default = match (cli.quiet, cli.verbose) {
        (true, _) => "error",
        (_, 0) => "warn",
        (_, 1) => "xrefscan=info,warn",
        _ => "xrefscan=debug,info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env(env::XREFSCAN_LOG)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(colour());
    match cli.log_format {
        LogFormat::Text => fmt.init(),
        LogFormat::Json => fmt.json().init(),
    }
}
