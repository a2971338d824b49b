//! `xrefscan override region|entity`: a reviewer's correction of one affiliation string.

use super::{Ctx, ok};
use crate::cli::OverrideCommand;
use std::process::ExitCode;
use xrefscan::overrides::{self, Correction};
use xrefscan::store::{Access, Db};

pub fn run(cmd: &OverrideCommand, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let (affiliation, correction, note, by) = match cmd {
        OverrideCommand::Region {
            affiliation,
            region,
            note,
            by,
        } => (affiliation, Correction::Region(region.clone()), note, by),
        OverrideCommand::Entity {
            affiliation,
            entry,
            add,
            note,
            by,
        } => (
            affiliation,
            Correction::Entity {
                entry: entry.clone(),
                add: *add,
            },
            note,
            by,
        ),
    };
    let mut db = Db::open(
        &ctx.db,
        Access::Write {
            command: "override",
            wait: ctx.wait,
            create: false,
        },
    )?;
    let kept = overrides::correct(&mut db, affiliation, &correction, note, by.as_deref())?;
    let on = if kept.lists.is_empty() {
        String::new()
    } else {
        format!(" (listed on {})", kept.lists.join(", "))
    };
    eprintln!(
        "override kept: {} {}{on}; run `xrefscan reclassify` to apply it to stored works now",
        kept.kind, kept.value
    );
    ok()
}
