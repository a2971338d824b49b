//! Entity lists imported at run time (`xrefscan lists import`), kept as versions: a newer
//! import, or a removal, is a new version in force, and the versions before it stay so that
//! `lists restore` can bring them back. Bundled lists live in the binary; an import with the
//! same id replaces one for as long as the import is in force.

use super::{Db, now};
use crate::classify::entities::{Entry, ListInfo, ListsInForce, Severity};
use crate::error::{Error, Result};
use rusqlite::params;

/// One version of a list in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListVersion {
    pub id: String,
    pub version: i64,
    pub active: bool,
    /// A removal: while in force, the list is not used at all.
    pub removed: bool,
    pub title: String,
    pub file: String,
    pub imported_at: String,
    pub entries: usize,
}

impl ListVersion {
    /// "version 2 (imported 2026-11-30T… from watch.csv, 12 entries)".
    pub fn describe(&self) -> String {
        if self.removed {
            format!("version {} (a removal, {})", self.version, self.imported_at)
        } else {
            format!(
                "version {} (imported {} from {}, {} entries)",
                self.version, self.imported_at, self.file, self.entries
            )
        }
    }
}

impl Db {
    /// Import a list as the version in force. Returns the new version and the one it
    /// replaces in the database, if any (a bundled list of the same id is replaced too, but
    /// lives in the binary).
    pub fn import_entity_list(
        &mut self,
        info: &ListInfo,
        file: &str,
        entries: &[Entry],
    ) -> Result<(i64, Option<ListVersion>)> {
        let replaced = self.list_version_in_force(&info.id)?;
        let tx = self.conn.transaction()?;
        let version: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 AS v FROM entity_list_versions WHERE id = ?1",
            [&info.id],
            |r| r.get("v"),
        )?;
        tx.execute(
            "UPDATE entity_list_versions SET active = 0 WHERE id = ?1",
            [&info.id],
        )?;
        tx.execute(
            "INSERT INTO entity_list_versions (id, version, active, removed, title, source, as_of,
                licence, file, imported_at, severity)
             VALUES (?1, ?2, 1, 0, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                info.id,
                version,
                info.title,
                info.source,
                info.as_of,
                info.licence,
                file,
                now(),
                entries
                    .first()
                    .map_or(Severity::Listed, |e| e.severity)
                    .as_str()
            ],
        )?;
        {
            let mut st = tx.prepare(
                "INSERT INTO entity_version_entries (list_id, version, name, aliases, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for e in entries {
                st.execute(params![
                    info.id,
                    version,
                    e.name,
                    e.aliases.join("|"),
                    e.detail
                ])?;
            }
        }
        tx.commit()?;
        Ok((version, replaced))
    }

    /// Take list `id` out of use (bundled or imported) with a removal version; `restore` undoes
    /// it. Returns the new version.
    pub fn remove_entity_list(&mut self, id: &str, title: &str) -> Result<i64> {
        let tx = self.conn.transaction()?;
        let version: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 AS v FROM entity_list_versions WHERE id = ?1",
            [id],
            |r| r.get("v"),
        )?;
        tx.execute(
            "UPDATE entity_list_versions SET active = 0 WHERE id = ?1",
            [id],
        )?;
        tx.execute(
            "INSERT INTO entity_list_versions (id, version, active, removed, title, source, as_of,
                licence, file, imported_at)
             VALUES (?1, ?2, 1, 1, ?3, '', '', '', '', ?4)",
            params![id, version, title, now()],
        )?;
        tx.commit()?;
        Ok(version)
    }

    /// Put the version before the one in force back in force (dropping nothing: the undone
    /// version stays, inactive). Returns the version now in force, or `None` when no version
    /// is left in force (a bundled list of that id is then used again).
    pub fn restore_entity_list(&mut self, id: &str) -> Result<Option<ListVersion>> {
        let Some(current) = self.list_version_in_force(id)? else {
            return Err(Error::BadInput(format!(
                "list {id:?} has no import or removal in force in this database; nothing to restore (see `xrefscan lists history {id}`)"
            )));
        };
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE entity_list_versions SET active = 0 WHERE id = ?1",
            [id],
        )?;
        // The most recent version made before the current one comes back.
        tx.execute(
            "UPDATE entity_list_versions SET active = 1
             WHERE id = ?1 AND version = (SELECT MAX(version) FROM entity_list_versions
                                          WHERE id = ?1 AND version < ?2)",
            params![id, current.version],
        )?;
        tx.commit()?;
        self.list_version_in_force(id)
    }

    /// The version of list `id` in force in this database, if any.
    pub fn list_version_in_force(&self, id: &str) -> Result<Option<ListVersion>> {
        Ok(self.list_versions(Some(id))?.into_iter().find(|v| v.active))
    }

    /// Every version of every list (or of `id`), oldest first.
    pub fn list_versions(&self, id: Option<&str>) -> Result<Vec<ListVersion>> {
        let mut st = self.conn.prepare(
            "SELECT v.id, v.version, v.active, v.removed, v.title, v.file, v.imported_at,
                    (SELECT COUNT(*) FROM entity_version_entries e
                     WHERE e.list_id = v.id AND e.version = v.version) AS entries
             FROM entity_list_versions v WHERE ?1 IS NULL OR v.id = ?1 ORDER BY v.id, v.version",
        )?;
        let rows = st.query_map([id], |r| {
            Ok(ListVersion {
                id: r.get("id")?,
                version: r.get("version")?,
                active: r.get("active")?,
                removed: r.get("removed")?,
                title: r.get("title")?,
                file: r.get("file")?,
                imported_at: r.get("imported_at")?,
                entries: r.get::<_, i64>("entries")? as usize,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The imported lists in force, with their entries, and the ids removed from use.
    pub fn entity_lists(&self) -> Result<ListsInForce> {
        let mut st = self.conn.prepare(
            "SELECT id, version, removed, title, source, as_of, licence, file, imported_at, severity
             FROM entity_list_versions WHERE active = 1 ORDER BY id",
        )?;
        let rows: Vec<(ListInfo, i64, bool, Severity)> = st
            .query_map([], |r| {
                Ok((
                    ListInfo {
                        id: r.get("id")?,
                        title: r.get("title")?,
                        source: r.get("source")?,
                        as_of: r.get("as_of")?,
                        licence: r.get("licence")?,
                        entries: 0,
                        origin: format!(
                            "imported {} from {} (version {})",
                            r.get::<_, String>("imported_at")?,
                            r.get::<_, String>("file")?,
                            r.get::<_, i64>("version")?
                        ),
                    },
                    r.get("version")?,
                    r.get("removed")?,
                    Severity::parse(&r.get::<_, String>("severity")?).unwrap_or_default(),
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = ListsInForce::default();
        for (mut info, version, removed, severity) in rows {
            if removed {
                out.removed.push(info.id);
                continue;
            }
            let mut st = self.conn.prepare_cached(
                "SELECT name, aliases, detail FROM entity_version_entries
                 WHERE list_id = ?1 AND version = ?2 ORDER BY rowid",
            )?;
            let entries: Vec<Entry> = st
                .query_map(params![info.id, version], |r| {
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
                        severity,
                        risk: info.title.clone(),
                        ..Default::default()
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            info.entries = entries.len();
            out.imported.push((info, entries));
        }
        Ok(out)
    }
}
