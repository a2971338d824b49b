//! `xrefscan lists`: which defense-linked entity lists are in force, and importing a newer one
//! (the Consolidated Screening List JSON, which carries the BIS Entity List and is not bundled,
//! or a plain CSV) into the database without a rebuild.

use crate::classify::entities::{
    EntityMatcher, Entry, ListInfo, ListsInForce, Severity, imported_severity,
};
use crate::error::{Error, Result};
use crate::store::{Db, ListVersion};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// What the user says about a list on the command line (CSV imports need an id).
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub id: Option<String>,
    pub title: Option<String>,
    pub licence: Option<String>,
    pub as_of: Option<String>,
    pub source: Option<String>,
    /// For the Consolidated Screening List: keep only sources whose name contains this.
    pub only_source: Option<String>,
    /// How defense-linked the entries are (default: the BIS Entity List and military end-user
    /// list are defense-linked, other lists "listed").
    pub severity: Option<Severity>,
}

/// One list a file brought into the database, and what it replaced.
#[derive(Debug, Clone)]
pub struct Imported {
    pub info: ListInfo,
    pub entries: usize,
    pub version: i64,
    /// The imported version it replaced, if any …
    pub replaced: Option<ListVersion>,
    /// … else the bundled list of the same id it replaced, if any.
    pub bundled: Option<ListInfo>,
    /// Aliases left out because they name nothing on their own: (entry, alias, why).
    pub weak: Vec<(String, String, &'static str)>,
}

/// Read `path` and import every list in it, each as a new version in force.
pub fn import(db: &mut Db, path: &Path, opts: &ImportOptions) -> Result<Vec<Imported>> {
    let lists = read(path, opts)?;
    let bundled = EntityMatcher::bundled_infos();
    let mut out = Vec::new();
    for (info, entries) in lists {
        let (version, replaced) =
            db.import_entity_list(&info, &path.display().to_string(), &entries)?;
        let m = EntityMatcher::with_imported(ListsInForce {
            imported: vec![(info.clone(), entries.clone())],
            removed: Vec::new(),
        });
        let weak = m
            .weak_aliases()
            .iter()
            .filter(|(list, ..)| *list == info.id)
            .map(|(_, entry, alias, why)| (entry.clone(), alias.clone(), *why))
            .collect();
        out.push(Imported {
            bundled: bundled
                .iter()
                .find(|b| b.id == info.id && replaced.is_none())
                .cloned(),
            entries: entries.len(),
            info,
            version,
            replaced,
            weak,
        });
    }
    Ok(out)
}

/// Every list id this database knows: the bundled lists and those imported here.
pub fn known_ids(db: &Db) -> Result<Vec<String>> {
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

/// Take list `id` out of use (a new version that is a removal). Returns its title and the
/// version.
pub fn remove(db: &mut Db, id: &str) -> Result<(String, i64)> {
    let known = known_ids(db)?;
    if !known.iter().any(|k| k == id) {
        return Err(Error::BadInput(format!(
            "no list {id:?}; the ids are: {}",
            known.join(", ")
        )));
    }
    let title = EntityMatcher::with_imported(db.entity_lists()?)
        .lists()
        .iter()
        .find(|l| l.id == id)
        .map(|l| l.title.clone())
        .unwrap_or_else(|| id.to_string());
    let version = db.remove_entity_list(id, &title)?;
    Ok((title, version))
}

/// Read a list file: Consolidated Screening List JSON (one list per CSL source, China, Hong
/// Kong and Macau entries only) or CSV with a `name` column and optional `aliases`, `detail`.
pub fn read(path: &Path, opts: &ImportOptions) -> Result<Vec<(ListInfo, Vec<Entry>)>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.trim_start_matches('\u{feff}');
    let mut lists = if text.trim_start().starts_with(['{', '[']) {
        read_csl(text, path, opts)?
    } else {
        vec![read_csv(text, path, opts)?]
    };
    for (info, entries) in &mut lists {
        let severity = opts.severity.unwrap_or_else(|| imported_severity(&info.id));
        for e in entries.iter_mut() {
            e.severity = severity;
            e.risk = info.title.clone();
        }
    }
    if lists.iter().all(|(_, e)| e.is_empty()) {
        return Err(Error::BadInput(format!(
            "{}: no entries found{}; a CSV needs a `name` column, a Consolidated Screening List \
             JSON needs `results` with China, Hong Kong or Macau addresses",
            path.display(),
            if opts.only_source.is_some() {
                " for --only-source"
            } else {
                ""
            }
        )));
    }
    Ok(lists)
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CslFile {
    Wrapped { results: Vec<CslEntry> },
    Bare(Vec<CslEntry>),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CslEntry {
    name: Option<String>,
    alt_names: Option<serde_json::Value>,
    source: Option<String>,
    addresses: Option<Vec<CslAddress>>,
    start_date: Option<String>,
    federal_register_notice: Option<String>,
    programs: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CslAddress {
    country: Option<String>,
    city: Option<String>,
}

fn strings(v: &Option<serde_json::Value>) -> Vec<String> {
    match v {
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        Some(serde_json::Value::String(s)) => s
            .split(';')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

fn china_address(a: &CslAddress) -> bool {
    let c = a
        .country
        .as_deref()
        .unwrap_or("")
        .trim()
        .to_ascii_uppercase();
    matches!(
        c.as_str(),
        "CN" | "HK" | "MO" | "CHINA" | "HONG KONG" | "MACAU" | "MACAO"
    )
}

/// The id and title of a CSL source ("Entity List (EL) - Bureau of Industry and Security").
fn csl_list_id(source: &str) -> (String, String) {
    let known = [
        ("Entity List", "bis-entity-list", "BIS Entity List"),
        ("Military End User", "bis-meu", "BIS Military End User list"),
        ("Unverified List", "bis-uvl", "BIS Unverified List"),
        ("Denied Persons", "bis-dpl", "BIS Denied Persons List"),
        (
            "Specially Designated Nationals",
            "ofac-sdn",
            "OFAC SDN list",
        ),
        (
            "Non-SDN Chinese Military-Industrial Complex",
            "ofac-ns-cmic",
            "OFAC Non-SDN Chinese Military-Industrial Complex list",
        ),
    ];
    for (needle, id, title) in known {
        if source.contains(needle) {
            return (id.to_string(), format!("{title} (China entries)"));
        }
    }
    let slug: String = source
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let slug = slug
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    (slug, format!("{source} (China entries)"))
}

fn read_csl(text: &str, path: &Path, opts: &ImportOptions) -> Result<Vec<(ListInfo, Vec<Entry>)>> {
    let file: CslFile = serde_json::from_str(text).map_err(|e| {
        Error::BadInput(format!(
            "{}: not a Consolidated Screening List JSON ({e})",
            path.display()
        ))
    })?;
    let entries = match file {
        CslFile::Wrapped { results } => results,
        CslFile::Bare(v) => v,
    };
    let mut by_source: BTreeMap<String, (Vec<Entry>, String)> = BTreeMap::new();
    for e in entries {
        let Some(name) = e.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
            continue;
        };
        let source = e.source.clone().unwrap_or_else(|| "unknown source".into());
        if opts
            .only_source
            .as_deref()
            .is_some_and(|f| !source.to_lowercase().contains(&f.to_lowercase()))
        {
            continue;
        }
        let addresses = e.addresses.unwrap_or_default();
        let Some(addr) = addresses.iter().find(|a| china_address(a)) else {
            continue;
        };
        let (id, _) = csl_list_id(&source);
        let mut detail = Vec::new();
        if let Some(c) = &addr.city {
            detail.push(format!("city {c}"));
        }
        if let Some(d) = &e.start_date {
            detail.push(format!("listed {d}"));
        }
        if let Some(f) = &e.federal_register_notice {
            detail.push(format!("FR {f}"));
        }
        let programs = strings(&e.programs);
        if !programs.is_empty() {
            detail.push(programs.join(", "));
        }
        let slot = by_source
            .entry(source.clone())
            .or_insert_with(|| (Vec::new(), String::new()));
        if let Some(d) = &e.start_date
            && *d > slot.1
        {
            slot.1 = d.clone();
        }
        slot.0.push(Entry {
            list_id: id,
            name: name.to_string(),
            aliases: strings(&e.alt_names),
            detail: detail.join("; "),
            ..Default::default()
        });
    }
    Ok(by_source
        .into_iter()
        .map(|(source, (entries, latest))| {
            let (id, title) = csl_list_id(&source);
            let id = opts.id.clone().unwrap_or(id);
            let entries: Vec<Entry> = entries
                .into_iter()
                .map(|mut e| {
                    e.list_id = id.clone();
                    e
                })
                .collect();
            (
                ListInfo {
                    id,
                    title: opts.title.clone().unwrap_or(title),
                    source: opts
                        .source
                        .clone()
                        .unwrap_or_else(|| format!("Consolidated Screening List: {source}")),
                    as_of: opts.as_of.clone().unwrap_or(if latest.is_empty() {
                        "unknown".into()
                    } else {
                        format!("latest listing {latest}")
                    }),
                    licence: opts.licence.clone().unwrap_or_else(|| {
                        "US government work (public domain), via trade.gov".into()
                    }),
                    entries: entries.len(),
                    origin: path.display().to_string(),
                },
                entries,
            )
        })
        .collect())
}

fn read_csv(text: &str, path: &Path, opts: &ImportOptions) -> Result<(ListInfo, Vec<Entry>)> {
    let id = opts.id.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| {
                s.to_string_lossy()
                    .to_lowercase()
                    .replace([' ', '_', '.'], "-")
            })
            .unwrap_or_else(|| "imported".into())
    });
    let bad = |e: csv::Error| {
        let at = e
            .position()
            .map(|p| format!("line {}: ", p.line()))
            .unwrap_or_default();
        Error::BadInput(format!("{}: {at}{e}; nothing was imported", path.display()))
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(bad)?.clone();
    let col = |n: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(n))
    };
    let name_col = col("name").ok_or_else(|| {
        Error::BadInput(format!(
            "{}: a CSV list needs a `name` column (optional: `aliases` separated by ; or |, `detail`, `listed` (YYYY-MM-DD), `country`)",
            path.display()
        ))
    })?;
    let (alias_col, detail_col) = (col("aliases"), col("detail"));
    // Optional: since when an entry is listed, and the country the list gives it.
    let (listed_col, country_col) = (col("listed"), col("country"));
    let mut entries = Vec::new();
    for row in reader.records() {
        let row = row.map_err(bad)?;
        // The csv reader ends an unclosed quote at the end of the file: a name that runs over
        // a line end is that, not a name.
        if row.iter().any(|f| f.contains(['\n', '\r'])) {
            let line = row.position().map_or(0, |p| p.line());
            return Err(Error::BadInput(format!(
                "{}: line {line}: a field runs over the end of its line (an unclosed quote?); \
                 nothing was imported",
                path.display()
            )));
        }
        let name = row.get(name_col).unwrap_or("").trim();
        if name.is_empty() {
            continue;
        }
        entries.push(Entry {
            list_id: id.clone(),
            name: name.to_string(),
            aliases: alias_col
                .and_then(|c| row.get(c))
                .unwrap_or("")
                .split([';', '|'])
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect(),
            detail: {
                let mut parts: Vec<String> = Vec::new();
                let cell = |c: Option<usize>| c.and_then(|c| row.get(c)).unwrap_or("").trim();
                if !cell(detail_col).is_empty() {
                    parts.push(cell(detail_col).to_string());
                }
                if !cell(listed_col).is_empty() {
                    parts.push(format!("listed={}", cell(listed_col)));
                }
                if !cell(country_col).is_empty() {
                    parts.push(format!("country={}", cell(country_col)));
                }
                parts.join("; ")
            },
            ..Default::default()
        });
    }
    Ok((
        ListInfo {
            id: id.clone(),
            title: opts.title.clone().unwrap_or_else(|| id.clone()),
            source: opts
                .source
                .clone()
                .unwrap_or_else(|| path.display().to_string()),
            as_of: opts.as_of.clone().unwrap_or_else(|| "unknown".into()),
            licence: opts
                .licence
                .clone()
                .unwrap_or_else(|| "not stated (see the file's source)".into()),
            entries: entries.len(),
            origin: path.display().to_string(),
        },
        entries,
    ))
}

/// The `xrefscan lists` table.
pub fn render(lists: &[ListInfo]) -> String {
    let mut rows = vec![[
        "id".to_string(),
        "entries".into(),
        "as of".into(),
        "licence".into(),
        "origin".into(),
        "title / source".into(),
    ]];
    for l in lists {
        rows.push([
            l.id.clone(),
            l.entries.to_string(),
            l.as_of.clone(),
            l.licence.clone(),
            l.origin.clone(),
            format!("{} — {}", l.title, l.source),
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in rows {
        for (c, w) in widths.iter().enumerate() {
            out.push_str(&format!("{:<w$}  ", r[c], w = w));
        }
        out.push_str(&r[5]);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_screening_list_keeps_china_entries_per_source() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("consolidated.json");
        std::fs::write(
            &path,
            r#"{"results": [
              {"name": "Beihang University", "alt_names": ["BUAA", "Beijing University of Aeronautics and Astronautics"],
               "source": "Entity List (EL) - Bureau of Industry and Security",
               "addresses": [{"city": "Beijing", "country": "CN"}], "start_date": "2020-06-05",
               "federal_register_notice": "85 FR 34495"},
              {"name": "Some Company", "source": "Entity List (EL) - Bureau of Industry and Security",
               "addresses": [{"country": "RU"}]},
              {"name": "HK Trading Ltd", "alt_names": "HKT; HK Trading",
               "source": "Entity List (EL) - Bureau of Industry and Security",
               "addresses": [{"country": "HK"}], "start_date": "2023-01-01"},
              {"name": "Blocked Person", "source": "Specially Designated Nationals (SDN) - Treasury Department",
               "addresses": [{"country": "CN"}]}
            ]}"#,
        )
        .unwrap();
        let lists = read(&path, &ImportOptions::default()).unwrap();
        assert_eq!(lists.len(), 2);
        let (el, entries) = lists
            .iter()
            .find(|(l, _)| l.id == "bis-entity-list")
            .unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(el.as_of, "latest listing 2023-01-01");
        assert!(entries[0].aliases.contains(&"BUAA".to_string()));
        assert_eq!(entries[1].aliases, ["HKT", "HK Trading"]);
        let only = read(
            &path,
            &ImportOptions {
                only_source: Some("entity list".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(only.len(), 1);
    }

    #[test]
    fn a_csv_list_needs_a_name_column() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("my list.csv");
        std::fs::write(
            &good,
            "name,aliases,detail\nFoo Institute,FI;Foo Inst,added 2026\n",
        )
        .unwrap();
        let (info, entries) = read(&good, &ImportOptions::default()).unwrap().remove(0);
        assert_eq!(info.id, "my-list");
        assert_eq!(entries[0].aliases, ["FI", "Foo Inst"]);
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "title\nFoo\n").unwrap();
        let err = read(&bad, &ImportOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("`name` column"), "{err}");
    }
}
