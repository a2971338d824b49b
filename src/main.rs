//! The binary: parse the command line, set up logging, run the command, map the outcome to an
//! exit code. Each command lives in `commands/`; the work is done by the library.

mod cli;
mod commands;

use clap::Parser;
use cli::{Cli, exit};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    commands::logging::init(&cli);
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => exit_code_for(&e),
    }
}

/// A bad command line exits 2 with clap's message — but a bad value that came from an
/// environment variable is named by the variable, which is what the user has to fix.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::CommandFactory;
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if matches!(
        e.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        let arg = match e.get(ContextKind::InvalidArg) {
            Some(ContextValue::String(s)) => s.clone(),
            _ => String::new(),
        };
        let value = match e.get(ContextKind::InvalidValue) {
            Some(ContextValue::String(s)) => s.clone(),
            _ => String::new(),
        };
        let long = arg.split_whitespace().next().unwrap_or("").to_string();
        let given_on_line =
            std::env::args().any(|a| a == long || a.starts_with(&format!("{long}=")));
        if let Some(var) = env_of(&Cli::command(), &long).filter(|_| !given_on_line)
            && std::env::var_os(&var).is_some()
        {
            // clap's own reason: what follows "for '--flag <VALUE>': " on its first line, and
            // the values it would take.
            let detail = e.render().to_string();
            let first = detail.lines().next().unwrap_or("");
            let mut why: Vec<&str> = first
                .split_once("': ")
                .map(|(_, r)| r)
                .into_iter()
                .collect();
            why.extend(
                detail
                    .lines()
                    .skip(1)
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with("For more information")),
            );
            let why = why.join("; ");
            eprintln!(
                "error: invalid value '{value}' in the environment variable {var} (read as {long}){}",
                if why.is_empty() {
                    String::new()
                } else {
                    format!("; {why}")
                }
            );
            return ExitCode::from(exit::USAGE);
        }
    }
    let code = if e.use_stderr() {
        exit::USAGE
    } else {
        exit::OK
    };
    let _ = e.print();
    ExitCode::from(code)
}

/// The environment variable behind the flag `--long`, in any subcommand.
fn env_of(cmd: &clap::Command, long: &str) -> Option<String> {
    let name = long.trim_start_matches('-');
    cmd.get_arguments()
        .find(|a| a.get_long() == Some(name))
        .and_then(|a| a.get_env())
        .map(|v| v.to_string_lossy().into_owned())
        .or_else(|| cmd.get_subcommands().find_map(|s| env_of(s, long)))
}

/// A closed pipe (`xrefscan … | head`) ends quietly; a bad command line is 2; anything else is
/// reported once, with its causes, and is 1.
fn exit_code_for(e: &anyhow::Error) -> ExitCode {
    let broken_pipe = e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<xrefscan::Error>().is_some_and(|x| {
                matches!(x, xrefscan::Error::Io { error, .. }
                    if error.kind() == std::io::ErrorKind::BrokenPipe)
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
