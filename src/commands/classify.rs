//! `xrefscan classify affiliation|funding [TEXT] | --stdin`: explain how texts are classified.
//! With `--stdin` every input line gets exactly one answer line, so outputs stay aligned with
//! inputs: an empty line gets an empty answer, a line that is not UTF-8 an error answer.

use super::{Ctx, ok, usage};
use crate::cli::{ClassifyArgs, ClassifyCommand, ClassifyFormat};
use std::io::{BufRead, Write};
use std::process::ExitCode;
use xrefscan::classify::china::{ChinaClassifier, RegionPolicy};
use xrefscan::classify::dod::DodClassifier;
use xrefscan::classify::entities::EntityMatcher;
use xrefscan::classify::explain;
use xrefscan::classify::work::Overrides;
use xrefscan::store::{Access, Db};

pub fn run(cmd: &ClassifyCommand, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let args: &ClassifyArgs = match cmd {
        ClassifyCommand::Affiliation(a) => &a.common,
        ClassifyCommand::Funding(a) => a,
    };
    let mut explainer = Explainer::new(cmd, args);
    // Affiliations are explained as a scan of this database would decide them: with its
    // reviewers' corrections and its lists (read-only; no database, no corrections).
    if let (Kind::Affiliation(a), true) = (&mut explainer.kind, ctx.db.exists()) {
        let db = Db::open(&ctx.db, Access::Read)?;
        a.1 = EntityMatcher::with_imported(db.entity_lists()?);
        explainer.overrides = db.overrides()?;
        eprintln!(
            "applying the lists in force and {} reviewer override(s) of {}",
            explainer.overrides.len(),
            ctx.db.display()
        );
    }
    let mut out = std::io::stdout().lock();
    match (&args.text, args.stdin) {
        (Some(t), _) => writeln!(out, "{}", explainer.answer(t))?,
        (None, true) => {
            let stdin = std::io::stdin().lock();
            for (n, line) in stdin.split(b'\n').enumerate() {
                let mut bytes = line?;
                if bytes.last() == Some(&b'\r') {
                    bytes.pop();
                }
                let answer = match std::str::from_utf8(&bytes) {
                    Ok(t) if t.trim().is_empty() => String::new(),
                    Ok(text) => explainer.answer(text),
                    Err(e) => explainer.error(n + 1, &format!("not UTF-8 ({e})")),
                };
                writeln!(out, "{answer}")?;
            }
        }
        (None, false) => {
            return Err(usage(
                "give the text to classify, or --stdin to read one text per line",
            ));
        }
    }
    ok()
}

/// The classifier for one run of the command, and its output format.
struct Explainer {
    kind: Kind,
    format: ClassifyFormat,
    overrides: Overrides,
}

enum Kind {
    Affiliation(Box<(ChinaClassifier, EntityMatcher, RegionPolicy)>),
    Funding(Box<DodClassifier>),
}

impl Explainer {
    fn new(cmd: &ClassifyCommand, args: &ClassifyArgs) -> Explainer {
        let kind = match cmd {
            ClassifyCommand::Affiliation(a) => Kind::Affiliation(Box::new((
                ChinaClassifier::new(),
                EntityMatcher::bundled(),
                RegionPolicy {
                    mainland_only: a.mainland_only,
                },
            ))),
            ClassifyCommand::Funding(_) => Kind::Funding(Box::new(DodClassifier::new())),
        };
        Explainer {
            kind,
            format: args.format,
            overrides: Overrides::default(),
        }
    }

    fn answer(&self, text: &str) -> String {
        let (plain, json) = match &self.kind {
            Kind::Affiliation(a) => {
                let (china, entities, policy) = a.as_ref();
                let mut e = explain::affiliation(china, entities, *policy, text);
                e.apply(&self.overrides, *policy, entities);
                (e.to_text(), serde_json::to_string(&e))
            }
            Kind::Funding(dod) => {
                let e = explain::funding(dod, text);
                (e.to_text(), serde_json::to_string(&e))
            }
        };
        match self.format {
            ClassifyFormat::Text => plain,
            ClassifyFormat::Jsonl => json.unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}")),
        }
    }

    fn error(&self, line: usize, why: &str) -> String {
        match self.format {
            ClassifyFormat::Text => format!("error: line {line}: {why}"),
            ClassifyFormat::Jsonl => serde_json::json!({ "line": line, "error": why }).to_string(),
        }
    }
}
