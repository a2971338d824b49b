//! `xrefscan eval`: precision and recall of the classifiers on third-party labelled data.

use super::{Ctx, code};
use crate::cli::{EvalArgs, exit};
use anyhow::Context;
use std::io::Write;
use std::process::ExitCode;
use xrefscan::classify::china::ChinaClassifier;
use xrefscan::classify::dod::DodClassifier;
use xrefscan::eval;

pub fn run(args: &EvalArgs, _ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let report = eval::run(&args.data, &ChinaClassifier::new(), &DodClassifier::new())?;
    if report.third_party_missing.is_some() && (args.write.is_some() || args.check) {
        // A partial report must not replace the full one, nor pass a check it did not make.
        anyhow::bail!(
            "--write and --check need the third-party labelled sets, not found at {}; {}",
            args.data.display(),
            eval::WHERE_TO_GET
        );
    }
    write!(
        std::io::stdout().lock(),
        "{}",
        eval::render_text(&report, args.examples)
    )?;
    if let Some(path) = &args.write {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(path, eval::render_markdown(&report))
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(code(if args.check && !report.all_targets_met() {
        exit::FAILURE
    } else {
        exit::OK
    }))
}
