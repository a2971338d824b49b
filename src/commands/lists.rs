//! `xrefscan lists [import FILE]`: the entity lists in force, or load a newer one.

use super::{Ctx, ok};
use std::io::Write;
use std::process::ExitCode;
use xrefscan::classify::entities::EntityMatcher;
use xrefscan::cli::{ListsArgs, ListsCommand};
use xrefscan::store::{Access, Db};

pub fn run(args: &ListsArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    match &args.command {
        None => {
            let imported = if ctx.db.exists() {
                Db::open(&ctx.db, Access::Read)?.entity_lists()?
            } else {
                Vec::new()
            };
            let m = EntityMatcher::with_imported(imported);
            write!(
                std::io::stdout().lock(),
                "{}",
                xrefscan::lists::render(m.lists())
            )?;
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
            let mut db = Db::open(
                &ctx.db,
                Access::Write {
                    command: "lists import",
                    wait: ctx.wait,
                    create: false,
                },
            )?;
            for (info, entries) in &lists {
                db.save_entity_list(info, &a.file.display().to_string(), entries)?;
                eprintln!(
                    "imported {} ({} entries) into {}",
                    info.id,
                    entries.len(),
                    ctx.db.display()
                );
            }
            eprintln!("run `xrefscan reclassify` to apply it to the stored works");
        }
    }
    ok()
}
