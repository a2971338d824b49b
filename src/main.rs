//! The binary: parse the command line, set up logging, run, map the outcome to an exit code.

use anyhow::Context;
use clap::Parser;
use std::io::IsTerminal;
use xrefscan::classify::china::{ChinaClassifier, RegionPolicy};
use xrefscan::classify::dod::DodClassifier;
use xrefscan::classify::explain;
use xrefscan::cli::{
    ClassifyArgs, ClassifyCommand, ClassifyFormat, Cli, Command, ListsArgs, ListsCommand, exit,
};
use xrefscan::store::Store;
use xrefscan::{env, eval, export, query, scan, stats};

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
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    match cli.log_format {
        xrefscan::cli::LogFormat::Text => fmt.init(),
        xrefscan::cli::LogFormat::Json => fmt.json().init(),
    }
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    match &cli.command {
        Command::Scan(args) => {
            let progress = !cli.quiet && std::io::stderr().is_terminal();
            let opts = if args.since_last {
                let until = args.to.unwrap_or_else(|| chrono::Utc::now().date_naive());
                let (from, to) =
                    scan::since_last_window(&cli.db, &args.sources, args.overlap_days, until)?;
                eprintln!("--since-last: scanning publications from {from} to {to}");
                args.options_for(from, to, progress)
            } else {
                args.options(progress)
            }
            .map_err(anyhow::Error::msg)?;
            let strict = args.strict;
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            let outcome = rt.block_on(async {
                tokio::select! {
                    r = scan::run(&cli.db, opts) => r.map(Some),
                    _ = tokio::signal::ctrl_c() => Ok(None),
                }
            });
            // Dropping the runtime waits for the store's current transaction to finish.
            drop(rt);
            let Some(summary) =
                outcome.with_context(|| format!("scan into {}", cli.db.display()))?
            else {
                scan::mark_interrupted(&cli.db, "interrupted (Ctrl-C)")?;
                eprintln!(
                    "interrupted: everything up to the last committed page is kept; run the same command again to resume"
                );
                return Ok(exit::INTERRUPTED);
            };
            println!("{summary}");
            Ok(
                if !summary.complete() || (strict && summary.short_counts > 0) {
                    exit::INCOMPLETE
                } else {
                    exit::OK
                },
            )
        }
        Command::Export(args) => {
            let conn = Store::open_read_only(&cli.db)?;
            let since_run = match (args.new_since_last_scan, args.since_scan) {
                (true, _) => Some(export::before_last_run(&conn)?),
                (false, n) => n,
            };
            let n = export::export(
                &conn,
                &args.out,
                &export::ExportOptions {
                    format: args.format,
                    bom: args.bom,
                    mainland_only: args.mainland_only,
                    since_run,
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
        Command::Classify(cmd) => classify(cmd),
        Command::Eval(args) => {
            let report = eval::run(&args.data, &ChinaClassifier::new(), &DodClassifier::new())?;
            print!("{}", eval::render_text(&report, args.examples));
            if let Some(path) = &args.write {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("creating {}", dir.display()))?;
                }
                std::fs::write(path, eval::render_markdown(&report))
                    .with_context(|| format!("writing {}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
            Ok(if args.check && !report.all_targets_met() {
                exit::FAILURE
            } else {
                exit::OK
            })
        }
        Command::Lists(args) => lists(&cli, args),
        Command::Override(cmd) => {
            let mut store = Store::open(&cli.db)?;
            let (kind, aff, value, note, by) = match cmd {
                xrefscan::cli::OverrideCommand::Region {
                    affiliation,
                    region,
                    note,
                    by,
                } => {
                    let r = region.trim().to_ascii_uppercase();
                    if xrefscan::classify::china::Region::parse(&r).is_none() {
                        anyhow::bail!("{region:?} is not a region; use CN, HK, MO, TW or OTHER");
                    }
                    ("region", affiliation, r, note, by)
                }
                xrefscan::cli::OverrideCommand::Entity {
                    affiliation,
                    entry,
                    add,
                    note,
                    by,
                } => (
                    if *add { "entity-add" } else { "entity-remove" },
                    affiliation,
                    entry.clone(),
                    note,
                    by,
                ),
            };
            store.add_override(kind, aff, &value, note, by.as_deref())?;
            eprintln!("override kept; run `xrefscan reclassify` to apply it to stored works now");
            Ok(exit::OK)
        }
        Command::Doctor => {
            let conn = Store::open_read_only(&cli.db)?;
            let health = xrefscan::doctor::check(&conn)?;
            print!("{}", health.report());
            Ok(if health.ok() { exit::OK } else { exit::FAILURE })
        }
        Command::Review(args) => {
            let doi = xrefscan::model::normalize_doi(&args.doi)
                .with_context(|| format!("{:?} is not a DOI", args.doi))?;
            let mut store = Store::open(&cli.db)?;
            if let Some(status) = args.status {
                store.add_review(&doi, status.as_str(), &args.note, args.by.as_deref())?;
                eprintln!("{doi}: {}", status.as_str());
            }
            let history = store.review_history(&doi)?;
            if history.is_empty() {
                println!("{doi}: no review yet");
            }
            for r in history {
                println!(
                    "{}  {:<10}  {}{}{}",
                    r.at,
                    r.status,
                    r.reviewer.map(|b| format!("by {b}: ")).unwrap_or_default(),
                    r.note,
                    if r.evidence_changed {
                        "  [evidence changed since]"
                    } else {
                        ""
                    }
                );
            }
            Ok(exit::OK)
        }
        Command::Reclassify(args) => {
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            let progress = !cli.quiet && std::io::stderr().is_terminal();
            let policy = RegionPolicy {
                mainland_only: args.mainland_only,
            };
            let summary = rt
                .block_on(scan::reclassify(&cli.db, policy, progress))
                .with_context(|| format!("reclassifying {}", cli.db.display()))?;
            println!("{summary}");
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

fn classify(cmd: &ClassifyCommand) -> anyhow::Result<i32> {
    let args: &ClassifyArgs = match cmd {
        ClassifyCommand::Affiliation(a) | ClassifyCommand::Funding(a) => a,
    };
    let input = match (&args.text, args.stdin) {
        (Some(t), _) => t.clone(),
        (None, true) => std::io::read_to_string(std::io::stdin()).context("reading stdin")?,
        (None, false) => anyhow::bail!("give the text to classify, or --stdin to read lines"),
    };
    let lines: Vec<&str> = if args.stdin {
        input.lines().collect()
    } else {
        vec![input.as_str()]
    };
    let mut out = std::io::stdout().lock();
    let mut emit = |text: String, json: String| -> std::io::Result<()> {
        use std::io::Write;
        match args.format {
            ClassifyFormat::Text => writeln!(out, "{text}"),
            ClassifyFormat::Jsonl => writeln!(out, "{json}"),
        }
    };
    match cmd {
        ClassifyCommand::Affiliation(_) => {
            let policy = RegionPolicy {
                mainland_only: args.mainland_only,
            };
            let entities = xrefscan::classify::entities::EntityMatcher::bundled();
            for e in explain::affiliations(&ChinaClassifier::new(), &entities, policy, lines) {
                emit(e.to_text(), serde_json::to_string(&e)?)?;
            }
        }
        ClassifyCommand::Funding(_) => {
            for e in explain::fundings(&DodClassifier::new(), lines) {
                emit(e.to_text(), serde_json::to_string(&e)?)?;
            }
        }
    }
    Ok(exit::OK)
}

fn lists(cli: &Cli, args: &ListsArgs) -> anyhow::Result<i32> {
    use xrefscan::classify::entities::EntityMatcher;
    match &args.command {
        None => {
            let imported = if cli.db.exists() {
                let conn = Store::open_read_only(&cli.db)?;
                xrefscan::store::load_entity_lists(&conn).unwrap_or_default()
            } else {
                Vec::new()
            };
            let m = EntityMatcher::with_imported(imported);
            print!("{}", xrefscan::lists::render(m.lists()));
        }
        Some(ListsCommand::Import(a)) => {
            let opts = xrefscan::lists::ImportOptions {
                id: a.id.clone(),
                title: a.title.clone(),
                licence: a.licence.clone(),
                as_of: a.as_of.clone(),
                source: a.source.clone(),
                only_source: a.only_source.clone(),
            };
            let lists = xrefscan::lists::read(&a.file, &opts)?;
            let _lock = xrefscan::store::WriteLock::acquire(&cli.db, "lists import", true)?;
            let mut store = Store::open(&cli.db)?;
            for (info, entries) in &lists {
                store.save_entity_list(info, &a.file.display().to_string(), entries)?;
                eprintln!(
                    "imported {} ({} entries) into {}",
                    info.id,
                    entries.len(),
                    cli.db.display()
                );
            }
            eprintln!("run `xrefscan reclassify` to apply it to the stored works");
        }
    }
    Ok(exit::OK)
}
