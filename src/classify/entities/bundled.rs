//! The lists bundled in `db/reference/`: their entries from the compiled name index (every
//! row of an entry — one per report year or tranche — folded into one entry with all its
//! names, the earliest listing date and the country its list states), their severities, and
//! the ASPI tracker's risk ratings.

use super::names;
use super::{Entry, ListInfo, Severity};
use crate::reference;
use std::collections::HashMap;

/// How defense-linked the entries of a bundled list (other than the ASPI tracker, which rates
/// each) are, and the name exports give that.
pub(super) fn bundled_severity(list_id: &str) -> (Severity, String) {
    let (severity, risk) = match list_id {
        "seven-sons" => (Severity::DefenseLinked, "Seven Sons"),
        "dod-1260h" => (Severity::DefenseLinked, "DoD 1260H"),
        "ndaa-1286" => (Severity::DefenseLinked, "NDAA §1286"),
        "bis-meu" => (Severity::DefenseLinked, "BIS military end user"),
        "cset-pla-ai" => (Severity::DefenseLinked, "PLA AI vendor (CSET)"),
        "ndaa-889" => (Severity::Listed, "NDAA §889"),
        "ndaa-5949" => (Severity::Listed, "NDAA §5949"),
        "ndaa-154" => (Severity::Listed, "NDAA §154"),
        _ => (Severity::Listed, "listed"),
    };
    (severity, risk.to_string())
}

/// How defense-linked an imported list is when the importer does not say: the BIS Entity List
/// and military end-user list are (as the committee counts them), anything else is "listed".
pub fn imported_severity(list_id: &str) -> Severity {
    let id = list_id.to_ascii_lowercase();
    if id.contains("entity-list") || id.contains("meu") || id.contains("military") {
        Severity::DefenseLinked
    } else {
        bundled_severity(&id).0
    }
}

/// The bundled lists, from the compiled name index and the list table.
pub(super) fn bundled_lists() -> Vec<(ListInfo, Vec<Entry>)> {
    let meta = reference::rows(reference::ENTITY_LISTS_CSV);
    let id_of: HashMap<String, String> = meta
        .iter()
        .map(|r| (r["list"].clone(), r["id"].clone()))
        .collect();
    // ASPI risk levels and supervising agencies, by English name, and how defense-linked each
    // entry is: a PLA or Seven Sons institution, or one ASPI rates high or very high (the
    // bundled ratings collapse ASPI's four levels to HIGH and MEDIUM).
    let aspi: HashMap<String, (String, Severity, String)> =
        reference::rows(reference::ASPI_TRACKER_CSV)
            .into_iter()
            .map(|r| {
                let rating = r["risk_collapsed_cnfigs"].as_str();
                let category = r["aspi_category"].as_str();
                let (severity, risk) = match (category, rating) {
                    ("Military", _) => (Severity::DefenseLinked, "ASPI PLA institution"),
                    ("Seven sons of national defence", _) => (
                        Severity::DefenseLinked,
                        "ASPI high or very high risk; Seven Sons",
                    ),
                    (_, "HIGH") => (Severity::DefenseLinked, "ASPI high or very high risk"),
                    (_, "MEDIUM") => (Severity::Listed, "ASPI medium or low risk"),
                    _ => (Severity::Listed, "ASPI, risk not rated"),
                };
                let rating = match rating {
                    "" | "None" => "not rated",
                    x => x,
                };
                (
                    r["name_en"].clone(),
                    (
                        format!(
                            "risk {rating}; category {category}; supervised by {}; SASTIND {}",
                            r["supervising_agencies"], r["sastind_supervised"]
                        ),
                        severity,
                        risk.to_string(),
                    ),
                )
            })
            .collect();
    let mut by_list: HashMap<String, Vec<Entry>> = HashMap::new();
    let mut positions: HashMap<(String, String), usize> = HashMap::new();
    for r in reference::rows(reference::ENTITY_INDEX_CSV) {
        let Some(id) = id_of.get(&r["list"]) else {
            continue;
        };
        let entries = by_list.entry(id.clone()).or_default();
        let key = (id.clone(), r["canonical_name"].clone());
        let since = names::listed_since(&r["list_detail"]);
        let stated = names::stated_country(&r["list_detail"]);
        let at = *positions.entry(key).or_insert_with(|| {
            let rated = aspi
                .get(&r["canonical_name"])
                .filter(|_| id == "aspi-unitracker" || id == "seven-sons");
            let detail = rated
                .map(|(d, _, _)| d.clone())
                .unwrap_or_else(|| r["list_detail"].clone());
            let (severity, risk) = match (id.as_str(), rated) {
                ("aspi-unitracker", Some((_, s, r))) => (*s, r.clone()),
                ("aspi-unitracker", None) => (Severity::Listed, "ASPI, risk not rated".into()),
                (other, _) => bundled_severity(other),
            };
            entries.push(Entry {
                list_id: id.clone(),
                name: r["canonical_name"].clone(),
                aliases: Vec::new(),
                detail,
                severity,
                risk,
                ..Default::default()
            });
            entries.len() - 1
        });
        // One row per report year or tranche: the earliest listing, the country stated.
        let e = &mut entries[at];
        e.listed_since = match (e.listed_since.take(), since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if e.country.is_none() {
            e.country = stated;
        }
        let alias = r["name_or_alias"].clone();
        if alias != entries[at].name && !entries[at].aliases.contains(&alias) {
            entries[at].aliases.push(alias);
        }
    }
    let cset: Vec<Entry> = reference::rows(reference::CSET_VENDORS_CSV)
        .into_iter()
        .map(|r| Entry {
            list_id: "cset-pla-ai".into(),
            name: r["name"].clone(),
            aliases: Vec::new(),
            detail: format!("{}: {}", r["type_per_coverage"], r["detail_per_coverage"]),
            severity: Severity::DefenseLinked,
            risk: bundled_severity("cset-pla-ai").1,
            ..Default::default()
        })
        .collect();
    by_list.insert("cset-pla-ai".into(), cset);
    // The country of entries whose list does not state one, compiled from the list's own
    // sections (SOURCES-entities.md).
    for r in reference::rows(reference::ENTITY_COUNTRIES_CSV) {
        if let Some(e) = by_list
            .get_mut(&r["list_id"])
            .and_then(|l| l.iter_mut().find(|e| e.name == r["canonical_name"]))
            && e.country.is_none()
        {
            e.country = Some(r["country"].clone());
        }
    }
    meta.iter()
        .filter_map(|r| {
            let mut entries = by_list.remove(&r["id"])?;
            // Lists without a date per entry were all listed when the list was made.
            let default = Some(r["listed_since"].clone()).filter(|d| !d.is_empty());
            for e in &mut entries {
                if e.listed_since.is_none() {
                    e.listed_since = default.clone();
                }
            }
            Some((
                ListInfo {
                    id: r["id"].clone(),
                    title: r["title"].clone(),
                    source: r["source"].clone(),
                    as_of: r["as_of"].clone(),
                    licence: r["licence"].clone(),
                    entries: entries.len(),
                    origin: "bundled".into(),
                },
                entries,
            ))
        })
        .collect()
}
