//! `xrefscan lists [import FILE | remove ID | restore ID | history [ID]]`: the entity lists in
//! force, and their versions in this database.

use super::{Ctx, ok};
use crate::cli::{ListsArgs, ListsCommand};
use std::io::Write;
use std::process::ExitCode;
use xrefscan::classify::entities::{EntityMatcher, ListsInForce};
use xrefscan::store::{Access, Db};

fn writer(ctx: &Ctx, command: &'static str) -> anyhow::Result<Db> {
    Ok(Db::open(
        &ctx.db,
        Access::Write {
            command,
            wait: ctx.wait,
            create: false,
        },
    )?)
}

pub fn run(args: &ListsArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    match &args.command {
        None => {
            let in_force = if ctx.db.exists() {
                Db::open(&ctx.db, Access::Read)?.entity_lists()?
            } else {
                ListsInForce::default()
            };
            let removed = in_force.removed.clone();
            let m = EntityMatcher::with_imported(in_force);
            let mut out = std::io::stdout().lock();
            write!(out, "{}", xrefscan::lists::render(m.lists()))?;
            for id in removed {
                writeln!(
                    out,
                    "{id}: removed from use in this database (`xrefscan lists restore {id}` brings it back)"
                )?;
            }
        }
        Some(ListsCommand::Import(a)) => {
            let opts = xrefscan::lists::ImportOptions {
                id: a.id.clone(),
                title: a.title.clone(),
                licence: a.licence.clone(),
                as_of: a.as_of.clone(),
                source: a.source.clone(),
                only_source: a.only_source.clone(),
                severity: a.severity,
            };
            let mut db = writer(ctx, "lists import")?;
            for i in xrefscan::lists::import(&mut db, &a.file, &opts)? {
                eprintln!(
                    "imported {} ({} entries) as version {} into {}",
                    i.info.id,
                    i.entries,
                    i.version,
                    ctx.db.display()
                );
                match (&i.replaced, &i.bundled) {
                    (Some(old), _) => eprintln!(
                        "  it replaces {}; `xrefscan lists restore {}` brings that back",
                        old.describe(),
                        i.info.id
                    ),
                    (None, Some(b)) => eprintln!(
                        "  it replaces the bundled list {:?} ({}, {} entries); `xrefscan lists restore {}` brings that back",
                        b.title, b.as_of, b.entries, i.info.id
                    ),
                    (None, None) => {}
                }
                if !i.weak.is_empty() {
                    eprintln!(
                        "  warning: {} alias(es) left out because they name nothing on their own:",
                        i.weak.len()
                    );
                    for (entry, alias, why) in i.weak.iter().take(20) {
                        eprintln!("    {alias:?} of {entry:?} ({why})");
                    }
                    if i.weak.len() > 20 {
                        eprintln!("    … and {} more", i.weak.len() - 20);
                    }
                }
            }
            eprintln!("run `xrefscan reclassify` to apply it to the stored works");
        }
        Some(ListsCommand::Remove { id }) => {
            let mut db = writer(ctx, "lists remove")?;
            let (title, version) = xrefscan::lists::remove(&mut db, id)?;
            eprintln!(
                "{id} ({title}) is out of use from version {version}; `xrefscan lists restore {id}` brings it back; run `xrefscan reclassify` to apply"
            );
        }
        Some(ListsCommand::Restore { id }) => {
            let mut db = writer(ctx, "lists restore")?;
            match db.restore_entity_list(id)? {
                Some(v) if v.removed => eprintln!("{id}: {} is in force again", v.describe()),
                Some(v) => eprintln!("{id}: {} is in force again", v.describe()),
                None if EntityMatcher::bundled_infos().iter().any(|b| &b.id == id) => {
                    eprintln!("{id}: the bundled list is in force again")
                }
                None => eprintln!("{id}: no version is in force; the list is not used"),
            }
            eprintln!("run `xrefscan reclassify` to apply it to the stored works");
        }
        Some(ListsCommand::History { id }) => {
            let db = Db::open(&ctx.db, Access::Read)?;
            let mut out = std::io::stdout().lock();
            let versions = db.list_versions(id.as_deref())?;
            if versions.is_empty() {
                writeln!(
                    out,
                    "no imports or removals in this database; the bundled lists are in force"
                )?;
            }
            for v in versions {
                writeln!(
                    out,
                    "{:<24} {}{}",
                    v.id,
                    v.describe(),
                    if v.active { "  [in force]" } else { "" }
                )?;
            }
        }
    }
    ok()
}
