//! `xrefscan doctor`: is the database sound? SQLite's integrity and foreign-key checks, row
//! counts, rows whose work is gone, and runs left running by a process that died.

use crate::error::Result;
use rusqlite::Connection;
use std::fmt::Write as _;

/// What the checks found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Health {
    pub integrity: Vec<String>,
    pub foreign_keys: u64,
    pub counts: Vec<(String, u64)>,
    pub orphans: Vec<(String, u64)>,
    pub running: u64,
}

impl Health {
    pub fn ok(&self) -> bool {
        self.integrity == ["ok"]
            && self.foreign_keys == 0
            && self.orphans.iter().all(|(_, n)| *n == 0)
    }

    pub fn report(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "integrity check: {}", self.integrity.join("; "));
        let _ = writeln!(out, "foreign-key violations: {}", self.foreign_keys);
        out.push_str("rows:\n");
        for (t, n) in &self.counts {
            let _ = writeln!(out, "  {t:<18} {n}");
        }
        out.push_str("rows whose work is missing:\n");
        for (t, n) in &self.orphans {
            let _ = writeln!(out, "  {t:<18} {n}");
        }
        let _ = writeln!(
            out,
            "runs marked running: {}{}",
            self.running,
            if self.running > 0 {
                " (a scan is going on, or one died; the next scan marks dead ones interrupted)"
            } else {
                ""
            }
        );
        let _ = writeln!(
            out,
            "{}",
            if self.ok() {
                "healthy"
            } else {
                "PROBLEMS FOUND: keep a copy of the file before anything else; the backups/ folder beside it holds copies taken before migrations"
            }
        );
        out
    }
}

const WORK_TABLES: &[&str] = &[
    "source_records",
    "authorships",
    "affiliations",
    "funders",
    "awards",
    "classifications",
    "flags",
    "flag_evidence",
    "reviews",
    "documents",
    "acknowledgments",
];

/// Run every check (read-only).
pub fn check(conn: &Connection) -> Result<Health> {
    let mut h = Health::default();
    let mut st = conn.prepare("PRAGMA integrity_check")?;
    h.integrity = st
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut st = conn.prepare("PRAGMA foreign_key_check")?;
    h.foreign_keys = st.query_map([], |_| Ok(()))?.count() as u64;
    let count =
        |sql: &str| -> Result<u64> { Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64) };
    h.counts
        .push(("works".into(), count("SELECT COUNT(*) FROM works")?));
    for t in WORK_TABLES {
        h.counts
            .push(((*t).into(), count(&format!("SELECT COUNT(*) FROM {t}"))?));
        h.orphans.push((
            (*t).into(),
            count(&format!(
                "SELECT COUNT(*) FROM {t} x WHERE NOT EXISTS (SELECT 1 FROM works w WHERE w.id = x.work_id)"
            ))?,
        ));
    }
    h.counts
        .push(("scan_runs".into(), count("SELECT COUNT(*) FROM scan_runs")?));
    h.running = count("SELECT COUNT(*) FROM scan_runs WHERE status = 'running'")?;
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_database_is_healthy_and_an_orphan_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.sqlite");
        let store = crate::store::Store::open(&path).unwrap();
        let h = check(store.conn()).unwrap();
        assert!(h.ok(), "{}", h.report());
        // A row whose work is gone (foreign keys off, as a broken copy might be).
        store
            .conn()
            .pragma_update(None, "foreign_keys", "OFF")
            .unwrap();
        store
            .conn()
            .execute(
                "INSERT INTO reviews (work_id, status, note, at, evidence_hash) VALUES (99, 'dismissed', '', 'now', '')",
                [],
            )
            .unwrap();
        let h = check(store.conn()).unwrap();
        assert!(!h.ok());
        assert!(h.orphans.contains(&("reviews".to_string(), 1)));
        assert!(h.report().contains("PROBLEMS FOUND"));
    }
}
