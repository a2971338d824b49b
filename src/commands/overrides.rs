//! `xrefscan override region|entity|person`: a reviewer's correction of one affiliation
//! string, or of who is who.

use super::{Ctx, ok};
use crate::cli::{OverrideCommand, PersonAction};
use std::io::Write;
use std::process::ExitCode;
use xrefscan::overrides::{self, Correction};
use xrefscan::store::{Access, Db};

pub fn run(cmd: &OverrideCommand, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let (affiliation, correction, note, by) = match cmd {
        OverrideCommand::Person(action) => return person(action, ctx),
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

fn person(action: &PersonAction, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    use xrefscan::people::{IdentityCorrection, correct_identity};
    if let PersonAction::List = action {
        let db = Db::open(&ctx.db, Access::Read)?;
        let mut out = std::io::stdout().lock();
        let rows = db.person_overrides()?;
        if rows.is_empty() {
            std::io::Write::write_all(&mut out, b"no identity corrections in force\n")?;
        }
        for o in rows {
            writeln!(
                out,
                "#{:<4} {:<6} {}{}  {}{}",
                o.id,
                o.kind,
                o.a,
                if o.b.is_empty() {
                    String::new()
                } else {
                    format!(" = {}", o.b)
                },
                o.at,
                if o.note.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", o.note)
                }
            )?;
        }
        return ok();
    }
    let mut db = Db::open(
        &ctx.db,
        Access::Write {
            command: "override person",
            wait: ctx.wait,
            create: false,
        },
    )?;
    let correction = match action {
        PersonAction::Merge {
            key,
            other,
            note,
            by,
        } => IdentityCorrection::Merge {
            key: key.clone(),
            other: other.clone(),
            note: note.clone(),
            by: by.clone().unwrap_or_default(),
        },
        PersonAction::Split {
            doi,
            position,
            note,
            by,
        } => IdentityCorrection::Split {
            doi: doi.clone(),
            position: *position,
            note: note.clone(),
            by: by.clone().unwrap_or_default(),
        },
        PersonAction::Withdraw { id } => IdentityCorrection::Withdraw(*id),
        PersonAction::List => unreachable!("listed above"),
    };
    let said = correct_identity(&mut db, &correction)?;
    eprintln!("{said}");
    ok()
}
