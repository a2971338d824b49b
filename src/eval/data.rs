//! Readers for the third-party evaluation files, and the rules that turn their labels into
//! this project's terms. The rules are fixed here once; they never look at what the
//! classifiers say.

use crate::classify::china::Region;
use crate::classify::text::normalize;
use crate::error::{Error, Result};
use crate::reference;
use quick_xml::events::Event;
use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

/// An affiliation string with its gold region.
#[derive(Debug, Clone)]
pub struct AffItem {
    pub text: String,
    pub gold: Region,
    /// The labelled country is the United States (GROBID's `<country>` only; false where the
    /// set does not say).
    pub us: bool,
}

/// A funding or acknowledgment text with its annotated spans.
#[derive(Debug, Clone, Default)]
pub struct FundingItem {
    pub text: String,
    pub funders: Vec<String>,
    pub grants: Vec<String>,
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::io(path, source)
}

fn xml_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::BadInput(format!("{}: not well-formed XML: {e}", path.display()))
}

/// The text of an entity or character reference (`&amp;`, `&#x4E2D;`).
fn entity(r: &quick_xml::events::BytesRef<'_>) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    match &**r {
        b"amp" => "&",
        b"lt" => "<",
        b"gt" => ">",
        b"quot" => "\"",
        b"apos" => "'",
        _ => " ",
    }
    .to_string()
}

fn squash(s: &str) -> String {
    // S2AFF marks tabs of its source files as a literal "#TAB#".
    s.replace("#TAB#", " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The gold region of a `<country>` mention: the ISO code when GROBID gives one, else the
/// words. "Republic of China" and "ROC" are Taiwan; "People's Republic of China" is not.
/// Whether a labelled country (its text, or its `key=` ISO code) is the United States.
/// GROBID's annotators sometimes mark a US state as the `<country>` ("Farmington,
/// <country>Connecticut</country> 06030"): a state is the US too.
pub fn is_us_country(text: &str, key: Option<&str>) -> bool {
    if let Some(k) = key.map(str::trim).filter(|k| k.len() == 2) {
        return k.eq_ignore_ascii_case("US");
    }
    let t: String = normalize(text)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let t = squash(&t);
    matches!(
        t.as_str(),
        "usa" | "us" | "u s a" | "u s" | "united states" | "united states of america" | "america"
    ) || reference::rows(reference::US_STATES_CSV)
        .iter()
        .any(|r| r["name"].to_lowercase() == t && t != "georgia")
}

pub fn gold_region_of_country(text: &str, key: Option<&str>) -> Region {
    if let Some(k) = key.map(str::trim).filter(|k| k.len() == 2) {
        return Region::from_country_code(k);
    }
    let t: String = normalize(text)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let t = squash(&t);
    let words: Vec<&str> = t.split(' ').collect();
    let has = |w: &str| words.contains(&w);
    if t.contains("taiwan") || (!t.contains("people") && t.contains("republic of china")) {
        return Region::TW;
    }
    if matches!(t.as_str(), "roc" | "r o c") || (has("roc") && !has("prc")) {
        return Region::TW;
    }
    if t.contains("hong kong") || has("hk") || has("hksar") {
        return Region::HK;
    }
    if t.contains("macau") || t.contains("macao") {
        return Region::MO;
    }
    if t.contains("china") || has("prc") || t == "p r c" || t == "中国" {
        return Region::CN;
    }
    if t.is_empty() {
        Region::Unknown
    } else {
        Region::Other
    }
}

/// Country names (any country) as the last part of an address may write them.
static COUNTRY_NAMES: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let mut names: HashSet<String> = reference::rows(reference::COUNTRIES_CSV)
        .iter()
        .map(|r| simple(&r["name"]))
        .collect();
    for n in [
        "usa",
        "u s a",
        "us",
        "u s",
        "united states",
        "united states of america",
        "uk",
        "u k",
        "united kingdom",
        "england",
        "scotland",
        "wales",
        "korea",
        "south korea",
        "republic of korea",
        "russia",
        "iran",
        "the netherlands",
        "czech republic",
        "china",
        "pr china",
        "p r china",
        "prc",
        "people s republic of china",
        "peoples republic of china",
        "the people s republic of china",
        "taiwan",
        "roc",
        "r o c",
        "republic of china",
        "taiwan roc",
        "taiwan r o c",
        "taiwan republic of china",
        "hong kong",
        "hong kong sar",
        "macau",
        "macao",
        "macau sar",
        "macao sar",
    ] {
        names.insert(n.to_string());
    }
    names
});

fn simple(s: &str) -> String {
    let t: String = normalize(s)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    squash(&t)
}

/// The region of the country an affiliation string names in its last part
/// (`…, Beijing 100084, P.R. China.`), or `None` when the last part is not a country.
/// `Taiwan, China`, `Hong Kong, China` and `Macau, China` are the smaller region.
pub fn named_country(s: &str) -> Option<Region> {
    let parts: Vec<String> = s
        .split([',', ';'])
        .map(|p| {
            let p = simple(p);
            // Postcodes before or after the country ("100084 China", "China 100084").
            p.split(' ')
                .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect();
    let last = parts.last()?;
    if !COUNTRY_NAMES.contains(last.as_str()) {
        return None;
    }
    let region = gold_region_of_country(last, None);
    if region == Region::CN && parts.len() >= 2 {
        let before = gold_region_of_country(&parts[parts.len() - 2], None);
        if COUNTRY_NAMES.contains(parts[parts.len() - 2].as_str())
            && matches!(before, Region::TW | Region::HK | Region::MO)
        {
            return Some(before);
        }
    }
    Some(region)
}

/// Every `<affiliation>` with a `<country>` in the GROBID affiliation corpus.
pub fn grobid_affiliations(dir: &Path) -> Result<Vec<AffItem>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let xml = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut depth_in_aff = 0usize;
        let mut in_country = 0usize;
        let mut text = String::new();
        let mut country = String::new();
        let mut key: Option<String> = None;
        // Where the current `<country>`'s text starts, and whether any of the affiliation's
        // countries is the US.
        let (mut country_at, mut us) = (0usize, false);
        loop {
            match reader.read_event().map_err(|e| xml_error(&path, e))? {
                Event::Start(e) => {
                    let name = e.local_name();
                    if name.as_ref() == b"affiliation" {
                        depth_in_aff += 1;
                        if depth_in_aff == 1 {
                            text.clear();
                            country.clear();
                            key = None;
                            us = false;
                        }
                    } else if depth_in_aff > 0 && name.as_ref() == b"country" {
                        in_country += 1;
                        country_at = country.len();
                        key = e
                            .attributes()
                            .flatten()
                            .find(|a| a.key.local_name().as_ref() == b"key")
                            .and_then(|a| a.unescape_value().ok().map(|v| v.to_string()));
                    }
                }
                Event::End(e) => {
                    let name = e.local_name();
                    if name.as_ref() == b"country" && in_country > 0 {
                        in_country -= 1;
                        us |= is_us_country(
                            &country[country_at.min(country.len())..],
                            key.as_deref(),
                        );
                    } else if name.as_ref() == b"affiliation" && depth_in_aff > 0 {
                        depth_in_aff -= 1;
                        if depth_in_aff == 0 && !country.trim().is_empty() {
                            let gold = gold_region_of_country(&country, key.as_deref());
                            let t = squash(&text);
                            if gold != Region::Unknown && !t.is_empty() {
                                out.push(AffItem { text: t, gold, us });
                            }
                        }
                    }
                }
                Event::Text(t) if depth_in_aff > 0 => {
                    let s = t.decode().map_err(|e| xml_error(&path, e))?;
                    text.push_str(&s);
                    if in_country > 0 {
                        country.push_str(&s);
                    }
                }
                Event::GeneralRef(r) if depth_in_aff > 0 => {
                    let s = entity(&r);
                    text.push_str(&s);
                    if in_country > 0 {
                        country.push_str(&s);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
    }
    Ok(out)
}

/// S2AFF strings whose last part names a country, and how many others were left out.
pub fn s2aff(path: &Path) -> Result<(Vec<AffItem>, usize)> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| csv_error(path, e))?;
    let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    let col = headers
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == "original_affiliation")
        .ok_or_else(|| {
            Error::BadInput(format!(
                "{}: no original_affiliation column",
                path.display()
            ))
        })?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut skipped = 0;
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(path, e))?;
        let text = squash(row.get(col).unwrap_or(""));
        if text.is_empty() || !seen.insert(text.clone()) {
            continue;
        }
        match named_country(&text) {
            Some(gold) => out.push(AffItem {
                text,
                gold,
                us: false,
            }),
            None => skipped += 1,
        }
    }
    Ok((out, skipped))
}

/// S2AFF strings that name no country, with gold taken from their hand-assigned ROR ids: the
/// country of a ROR id is the one that the other strings labelled with it (and only it) name
/// in their text, by majority. Strings whose ids have no such country are left out. Returns
/// the items and how many were left out.
pub fn s2aff_without_country(path: &Path) -> Result<(Vec<AffItem>, usize)> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| csv_error(path, e))?;
    let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    let col = |n: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == n)
            .ok_or_else(|| Error::BadInput(format!("{}: no {n} column", path.display())))
    };
    let (text_col, labels_col) = (col("original_affiliation")?, col("labels")?);
    let ror = regex::Regex::new(r"ror\.org/([0-9a-z]{9})").expect("ror regex");
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut seen = HashSet::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(path, e))?;
        let text = squash(row.get(text_col).unwrap_or(""));
        if text.is_empty() || !seen.insert(text.clone()) {
            continue;
        }
        let ids: Vec<String> = ror
            .captures_iter(row.get(labels_col).unwrap_or(""))
            .map(|c| c[1].to_string())
            .collect();
        rows.push((text, ids));
    }
    let mut votes: std::collections::HashMap<String, std::collections::HashMap<Region, usize>> =
        Default::default();
    for (text, ids) in &rows {
        if let (Some(region), [id]) = (named_country(text), ids.as_slice()) {
            *votes
                .entry(id.clone())
                .or_default()
                .entry(region)
                .or_default() += 1;
        }
    }
    let country_of = |id: &str| -> Option<Region> {
        let v = votes.get(id)?;
        let total: usize = v.values().sum();
        let (region, n) = v.iter().max_by_key(|(_, n)| **n)?;
        (*n * 2 > total).then_some(*region)
    };
    let mut out = Vec::new();
    let mut skipped = 0;
    for (text, ids) in rows {
        if named_country(&text).is_some() || ids.is_empty() {
            continue;
        }
        let regions: Option<Vec<Region>> = ids.iter().map(|id| country_of(id)).collect();
        match regions {
            Some(regions) => {
                let china = regions
                    .iter()
                    .find(|r| matches!(r, Region::CN | Region::HK | Region::MO));
                let gold = china.copied().unwrap_or_else(|| {
                    if regions.contains(&Region::TW) {
                        Region::TW
                    } else {
                        Region::Other
                    }
                });
                out.push(AffItem {
                    text,
                    gold,
                    us: false,
                });
            }
            None => skipped += 1,
        }
    }
    Ok((out, skipped))
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    Error::BadInput(format!("{}: {e}", path.display()))
}

/// The trap list shipped in `db/reference/`.
pub fn traps() -> Vec<AffItem> {
    reference::rows(reference::AFFILIATION_TEST_CASES_CSV)
        .into_iter()
        .map(|r| AffItem {
            text: r["affiliation"].clone(),
            gold: Region::from_country_code(&r["expected_country"]),
            us: r["expected_country"] == "US",
        })
        .collect()
}

/// The texts of one GROBID funding/acknowledgement file, with their funder and grant spans.
pub fn grobid_funding(path: &Path) -> Result<Vec<FundingItem>> {
    let xml = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut item = FundingItem::default();
    // The open <funder>/<grantNumber> span, with where its text starts in `item.text`.
    let mut open: Option<(&'static str, usize)> = None;
    loop {
        match reader.read_event().map_err(|e| xml_error(path, e))? {
            Event::Start(e) => {
                depth += 1;
                // depth 1 = the root, depth 2 = one text, deeper = inline spans.
                if depth == 2 {
                    item = FundingItem::default();
                } else if depth > 2 {
                    match e.local_name().as_ref() {
                        b"funder" => open = Some(("funder", item.text.len())),
                        b"grantNumber" => open = Some(("grant", item.text.len())),
                        _ => {}
                    }
                }
            }
            Event::End(e) => {
                if depth > 2 {
                    let kind = match e.local_name().as_ref() {
                        b"funder" => Some("funder"),
                        b"grantNumber" => Some("grant"),
                        _ => None,
                    };
                    if let (Some(kind), Some((open_kind, start))) = (kind, open)
                        && kind == open_kind
                    {
                        let span = squash(&item.text[start..]);
                        if kind == "funder" {
                            item.funders.push(span);
                        } else {
                            item.grants.push(span);
                        }
                        open = None;
                    }
                }
                if depth == 2 {
                    item.text = squash(&item.text);
                    if !item.text.is_empty() {
                        out.push(std::mem::take(&mut item));
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) if depth >= 2 => {
                let s = t.decode().map_err(|e| xml_error(path, e))?;
                item.text.push_str(&s);
            }
            Event::GeneralRef(r) if depth >= 2 => item.text.push_str(&entity(&r)),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// `(registry number, name)` pairs from a publisher funder assertions file.
pub fn funder_assertions(path: &Path) -> Result<Vec<(String, String)>> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| csv_error(path, e))?;
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(path, e))?;
        let id = row.get(0).unwrap_or("").trim();
        let name = squash(row.get(1).unwrap_or(""));
        let id = id.rsplit('/').next().unwrap_or(id).to_string();
        if !id.is_empty() && !name.is_empty() {
            out.push((id, name));
        }
    }
    Ok(out)
}

#[cfg(test)]
#[path = "data_tests.rs"]
mod tests;
