//! Entity lists imported at run time (`xrefscan lists import`), with their entries.

use super::{Db, now};
use crate::classify::entities::{Entry, ListInfo};
use crate::error::Result;
use rusqlite::params;

impl Db {
    /// Store an imported entity list, replacing any earlier import with the same id.
    pub fn save_entity_list(
        &mut self,
        info: &ListInfo,
        file: &str,
        entries: &[Entry],
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM entity_entries WHERE list_id = ?1", [&info.id])?;
        tx.execute(
            "INSERT INTO entity_lists (id, title, source, as_of, licence, file, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET title = excluded.title, source = excluded.source,
                as_of = excluded.as_of, licence = excluded.licence, file = excluded.file,
                imported_at = excluded.imported_at",
            params![
                info.id,
                info.title,
                info.source,
                info.as_of,
                info.licence,
                file,
                now()
            ],
        )?;
        {
            let mut st = tx.prepare(
                "INSERT INTO entity_entries (list_id, name, aliases, detail) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for e in entries {
                st.execute(params![info.id, e.name, e.aliases.join("|"), e.detail])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Lists imported into this database, with their entries.
    pub fn entity_lists(&self) -> Result<Vec<(ListInfo, Vec<Entry>)>> {
        let mut st = self.conn.prepare(
            "SELECT id, title, source, as_of, licence, file, imported_at FROM entity_lists ORDER BY id",
        )?;
        let infos: Vec<ListInfo> = st
            .query_map([], |r| {
                Ok(ListInfo {
                    id: r.get("id")?,
                    title: r.get("title")?,
                    source: r.get("source")?,
                    as_of: r.get("as_of")?,
                    licence: r.get("licence")?,
                    entries: 0,
                    origin: format!(
                        "imported {} from {}",
                        r.get::<_, String>("imported_at")?,
                        r.get::<_, String>("file")?
                    ),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::new();
        for mut info in infos {
            let mut st = self.conn.prepare_cached(
                "SELECT name, aliases, detail FROM entity_entries WHERE list_id = ?1 ORDER BY rowid",
            )?;
            let entries: Vec<Entry> = st
                .query_map([&info.id], |r| {
                    let aliases: String = r.get("aliases")?;
                    Ok(Entry {
                        list_id: info.id.clone(),
                        name: r.get("name")?,
                        aliases: aliases
                            .split('|')
                            .filter(|a| !a.is_empty())
                            .map(str::to_string)
                            .collect(),
                        detail: r.get("detail")?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            info.entries = entries.len();
            out.push((info, entries));
        }
        Ok(out)
    }
}
