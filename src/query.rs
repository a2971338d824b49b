//! Read-only SQL on the local database: canned questions from `queries/` or the user's own,
//! and how their rows are printed. The statements run through [`crate::store::Db::read_query`]
//! on a read-only connection, so a write fails with a clear message and changes nothing.

use crate::error::{Error, Result};
use crate::store::QueryResult;
use std::io::Write;
use std::path::Path;

/// Canned queries shipped with the binary; a `queries/NAME.sql` in the working directory
/// (or `--queries-dir`) takes precedence, so staff can add their own.
pub const CANNED: &[(&str, &str)] = &[
    (
        "flagged_papers",
        include_str!("../queries/flagged_papers.sql"),
    ),
    (
        "flagged_by_component",
        include_str!("../queries/flagged_by_component.sql"),
    ),
    (
        "flagged_by_entity_list",
        include_str!("../queries/flagged_by_entity_list.sql"),
    ),
    (
        "top_china_institutions",
        include_str!("../queries/top_china_institutions.sql"),
    ),
    ("scan_history", include_str!("../queries/scan_history.sql")),
    (
        "repeat_collaborators",
        include_str!("../queries/repeat_collaborators.sql"),
    ),
    (
        "dual_appointments",
        include_str!("../queries/dual_appointments.sql"),
    ),
];

/// Output formats for `query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryFormat {
    Table,
    Csv,
    Json,
}

impl QueryFormat {
    pub const ALL: &'static [QueryFormat] =
        &[QueryFormat::Table, QueryFormat::Csv, QueryFormat::Json];

    /// Its name, as `--format` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            QueryFormat::Table => "table",
            QueryFormat::Csv => "csv",
            QueryFormat::Json => "json",
        }
    }
}

/// The SQL of a canned query shipped with the binary (panics on an unknown name: callers name
/// queries of [`CANNED`]).
pub fn canned_sql(name: &str) -> &'static str {
    CANNED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, sql)| *sql)
        .unwrap_or_else(|| panic!("no canned query {name}"))
}

/// The folder of the user's own queries: the one given (which must exist), else `./queries`
/// when it exists.
pub fn queries_dir(given: Option<&Path>) -> Result<Option<std::path::PathBuf>> {
    match given {
        Some(d) if d.is_dir() => Ok(Some(d.to_path_buf())),
        Some(d) => Err(Error::BadInput(format!(
            "the queries folder {} does not exist; create it or give another --queries-dir",
            d.display()
        ))),
        None => Ok(Some(Path::new("queries").to_path_buf()).filter(|d| d.is_dir())),
    }
}

/// One query `query --list` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    /// Its opening comment, every line of it joined (a sentence may run over lines).
    pub about: String,
    /// "bundled", or the file it is read from.
    pub origin: String,
}

fn about(sql: &str) -> String {
    sql.lines()
        .map(str::trim)
        .take_while(|l| l.starts_with("--"))
        .map(|l| l.trim_start_matches("--").trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every query by name: the bundled ones, and the `.sql` files of `dir` (a file with a
/// bundled name replaces it).
pub fn list(dir: Option<&Path>) -> Result<Vec<Listed>> {
    let mut out: Vec<Listed> = CANNED
        .iter()
        .map(|(name, sql)| Listed {
            name: name.to_string(),
            about: about(sql),
            origin: "bundled".into(),
        })
        .collect();
    if let Some(dir) = dir {
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut files: Vec<std::path::PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        files.sort();
        for p in files {
            let Some(name) = p.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let sql = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
            let item = Listed {
                name: name.to_string(),
                about: about(&sql),
                origin: p.display().to_string(),
            };
            match out.iter_mut().find(|l| l.name == item.name) {
                Some(l) => *l = item,
                None => out.push(item),
            }
        }
    }
    Ok(out)
}

/// The SQL of query `name`: the user's file in `dir`, else the bundled one.
pub fn canned(name: &str, dir: Option<&Path>) -> Result<String> {
    if let Some(dir) = dir {
        let file = dir.join(format!("{name}.sql"));
        if file.is_file() {
            return std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e));
        }
    }
    if let Some((_, sql)) = CANNED.iter().find(|(n, _)| *n == name) {
        return Ok(sql.to_string());
    }
    let mut names: Vec<String> = list(dir)?.into_iter().map(|l| l.name).collect();
    names.sort();
    Err(Error::UnknownQuery {
        name: name.to_string(),
        available: names.join(", "),
    })
}

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Print a query's rows. Returns the row count.
pub fn render(result: &QueryResult, format: QueryFormat, out: &mut dyn Write) -> Result<usize> {
    let (names, rows) = (&result.columns, &result.rows);
    let io = |e: std::io::Error| Error::io("<stdout>", e);
    match format {
        QueryFormat::Json => {
            let objs: Vec<serde_json::Map<String, serde_json::Value>> = rows
                .iter()
                .map(|r| names.iter().cloned().zip(r.iter().cloned()).collect())
                .collect();
            serde_json::to_writer_pretty(&mut *out, &objs)
                .map_err(|e| Error::Export(e.to_string()))?;
            writeln!(out).map_err(io)?;
        }
        QueryFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record(names)
                .map_err(|e| Error::Export(e.to_string()))?;
            for r in rows {
                let cells: Vec<String> = r.iter().map(text).collect();
                w.write_record(
                    cells
                        .iter()
                        .map(|c| crate::export::neutralize(c).into_owned()),
                )
                .map_err(|e| Error::Export(e.to_string()))?;
            }
            w.flush().map_err(io)?;
        }
        QueryFormat::Table => {
            const MAX: usize = 60;
            let cut = |s: String| -> String {
                let s = s.replace(['\n', '\r', '\t'], " ");
                if s.chars().count() > MAX {
                    format!("{}…", s.chars().take(MAX - 1).collect::<String>())
                } else {
                    s
                }
            };
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| r.iter().map(|v| cut(text(v))).collect())
                .collect();
            let widths: Vec<usize> = (0..names.len())
                .map(|i| {
                    cells
                        .iter()
                        .map(|r| r[i].chars().count())
                        .chain([names[i].chars().count()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |vals: Vec<&str>| -> String {
                vals.iter()
                    .zip(&widths)
                    .map(|(v, w)| format!("{v:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            writeln!(out, "{}", line(names.iter().map(String::as_str).collect())).map_err(io)?;
            writeln!(
                out,
                "{}",
                line(
                    widths
                        .iter()
                        .map(|w| "-".repeat(*w))
                        .collect::<Vec<_>>()
                        .iter()
                        .map(String::as_str)
                        .collect()
                )
            )
            .map_err(io)?;
            for r in &cells {
                writeln!(out, "{}", line(r.iter().map(String::as_str).collect())).map_err(io)?;
            }
            writeln!(
                out,
                "({} row{})",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            )
            .map_err(io)?;
        }
    }
    Ok(rows.len())
}
