//! `xrefscan lists [import FILE | remove ID | restore ID | history [ID]]`: the entity lists in
//! force, and their versions in this database.

use super::{Ctx, ok};
use std::io::Write;
use std::process::ExitCode;
use xrefscan::classify::entities::{EntityMatcher, ListsInForce};
use xrefscan::cli::{ListsArgs, ListsCommand};
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

/// The lists bundled with this xrefscan and those in force in the database: what an id names.
fn known_ids(db: &Db) -> anyhow::Result<Vec<String>> {
    let mut ids: Vec<String> = EntityMatcher::bundled_infos()
        .into_iter()
        .map(|l| l.id)
        .collect();
    for v in db.list_versions(None)? {
        if !ids.contains(&v.id) {
            ids.push(v.id);
        }
    }
    Ok(ids)
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
            let lists = xrefscan::lists::read(&a.file, &opts)?;
            let mut db = writer(ctx, "lists import")?;
            let bundled = EntityMatcher::bundled_infos();
            for (info, entries) in &lists {
                let (version, replaced) =
                    db.import_entity_list(info, &a.file.display().to_string(), entries)?;
                eprintln!(
                    "imported {} ({} entries) as version {version} into {}",
                    info.id,
                    entries.len(),
                    ctx.db.display()
                );
                match (replaced, bundled.iter().find(|b| b.id == info.id)) {
                    (Some(old), _) => eprintln!(
                        "  it replaces {}; `xrefscan lists restore {}` brings that back",
                        old.describe(),
                        info.id
                    ),
                    (None, Some(b)) => eprintln!(
                        "  it replaces the bundled list {:?} ({}, {} entries); `xrefscan lists restore {}` brings that back",
                        b.title, b.as_of, b.entries, info.id
                    ),
                    (None, None) => {}
                }
                // Aliases that name nothing on their own are left out, and said so.
                let m = EntityMatcher::with_imported(xrefscan::classify::entities::ListsInForce {
                    imported: vec![(info.clone(), entries.clone())],
                    removed: Vec::new(),
                });
                let weak: Vec<_> = m
                    .weak_aliases()
                    .iter()
                    .filter(|(list, ..)| *list == info.id)
                    .collect();
                if !weak.is_empty() {
                    eprintln!(
                        "  warning: {} alias(es) left out because they name nothing on their own:",
                        weak.len()
                    );
                    for (_, entry, alias, why) in weak.iter().take(20) {
                        eprintln!("    {alias:?} of {entry:?} ({why})");
                    }
                    if weak.len() > 20 {
                        eprintln!("    … and {} more", weak.len() - 20);
                    }
                }
            }
            eprintln!("run `xrefscan reclassify` to apply it to the stored works");
        }
        Some(ListsCommand::Remove { id }) => {
            let mut db = writer(ctx, "lists remove")?;
            if !known_ids(&db)?.contains(id) {
                anyhow::bail!(
                    "no list {id:?}; the ids are: {}",
                    known_ids(&db)?.join(", ")
                );
            }
            let title = EntityMatcher::with_imported(db.entity_lists()?)
                .lists()
                .iter()
                .find(|l| &l.id == id)
                .map(|l| l.title.clone())
                .unwrap_or_else(|| id.clone());
            let version = db.remove_entity_list(id, &title)?;
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
