//! The binary: parse the command line, set up logging, run the command, map the outcome to an
//! exit code. Each command lives in `commands/`; the work is done by the library.

mod commands;

use clap::Parser;
use std::process::ExitCode;
use xrefscan::cli::{Cli, exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
    commands::logging::init(&cli);
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => exit_code_for(&e),
    }
}

/// A closed pipe (`xrefscan … | head`) ends quietly; a bad command line is 2; anything else is
/// reported once, with its causes, and is 1.
fn exit_code_for(e: &anyhow::Error) -> ExitCode {
    let broken_pipe = e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<xrefscan::Error>().is_some_and(|x| {
                matches!(x, xrefscan::Error::Io { source, .. }
                    if source.kind() == std::io::ErrorKind::BrokenPipe)
            })
    });
    if broken_pipe {
        return ExitCode::from(exit::OK);
    }
    eprintln!("error: {e:#}");
    if e.downcast_ref::<commands::Usage>().is_some() {
        ExitCode::from(exit::USAGE)
    } else {
        ExitCode::from(exit::FAILURE)
    }
}
