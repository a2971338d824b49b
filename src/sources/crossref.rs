//! Crossref: discovery of DoD-funded works.
//!
//! `/funders/10.13039/100000005/works` returns works funded by DoD and all its registry
//! descendants; components in the reference table that the registry does not place under DoD
//! are queried on their own. The window is cut into date shards so the allowed concurrency is
//! used, each shard paged with `cursor` and `rows` up to 1000.
//!
//! Observed in the recorded responses (June 2026): Crossref returns the *same* `next-cursor`
//! value on every page of a scroll, so a repeated cursor is not an end marker here (it is for
//! OpenAlex). A shard ends on an empty page, a missing cursor, or a page that brings no DOI
//! not already seen in the shard (the loop guard). An expired cursor (404 `cursor-invalid`)
//! restarts its shard from `*`; records are keyed by DOI, so nothing is duplicated.

mod routes;

pub use routes::{
    FUNDER_SELECT, FundedWorks, FunderWorks, Funders, full_records_url, parse_single,
    single_record_url,
};

use crate::error::Result;
use crate::model::{
    AffiliationRecord, AuthorRecord, FunderRecord, WorkRecord, normalize_doi, registry_number,
};
use crate::sources::http::{Endpoint, HttpClient};
use crate::sources::paging::ListPage;
use serde::Deserialize;
use serde_json::value::RawValue;

/// Fields asked for: what the pipeline uses, not the references (which are most of a record).
pub const SELECT: &str = "DOI,title,container-title,issued,published,published-print,published-online,type,author,funder";

/// Crossref settings.
#[derive(Debug, Clone)]
pub struct CrossrefConfig {
    pub base_url: String,
    pub mailto: Option<String>,
    pub rows: u32,
    /// Days per date shard; 0 sizes shards from the announced counts (`scan::shards`).
    pub shard_days: u32,
    /// Also page through every work with funder metadata in the window, to find DoD funding
    /// named without a registry id (`--funder-names`).
    pub funder_names: bool,
}

impl CrossrefConfig {
    /// The endpoint for these settings: `mailto` (the polite pool) goes on every request.
    pub fn endpoint(&self, limits: crate::sources::http::Limits) -> Endpoint {
        let ep = Endpoint::new("crossref", limits);
        match &self.mailto {
            Some(m) => ep.with_param("mailto", m.clone()),
            None => ep,
        }
    }

    fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

#[derive(Deserialize)]
struct Envelope {
    message: ListMessage,
}

#[derive(Deserialize)]
struct ListMessage {
    #[serde(default)]
    items: Vec<Box<RawValue>>,
    #[serde(rename = "next-cursor", default)]
    next_cursor: Option<String>,
    #[serde(rename = "total-results", default)]
    total_results: Option<u64>,
    #[serde(rename = "items-per-page", default)]
    items_per_page: Option<u64>,
}

/// Decode a list response; an error here means the body is not a Crossref list (or was cut).
pub fn parse_page(body: &[u8]) -> std::result::Result<ListPage, String> {
    let e: Envelope = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    Ok(ListPage {
        items: e.message.items,
        next_cursor: e.message.next_cursor,
        total: e.message.total_results,
        page_size: e.message.items_per_page.filter(|&n| n > 0),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CrossrefItem {
    #[serde(rename = "DOI")]
    doi: Option<String>,
    title: Vec<String>,
    #[serde(rename = "container-title")]
    container_title: Vec<String>,
    issued: Option<DateParts>,
    published: Option<DateParts>,
    #[serde(rename = "published-print")]
    published_print: Option<DateParts>,
    #[serde(rename = "published-online")]
    published_online: Option<DateParts>,
    #[serde(rename = "type")]
    work_type: Option<String>,
    author: Vec<Author>,
    funder: Vec<Funder>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DateParts {
    #[serde(rename = "date-parts")]
    date_parts: Vec<Vec<DatePart>>,
}

/// A date part: a number, a numeric string, or null (`[[null]]` occurs).
#[derive(Default, Clone, Copy)]
struct DatePart(Option<i64>);

impl<'de> Deserialize<'de> for DatePart {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = DatePart;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a date part")
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<DatePart, E> {
                Ok(DatePart(Some(v)))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<DatePart, E> {
                Ok(DatePart(i64::try_from(v).ok()))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<DatePart, E> {
                Ok(DatePart(Some(v as i64)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<DatePart, E> {
                Ok(DatePart(v.trim().parse().ok()))
            }
            fn visit_unit<E>(self) -> std::result::Result<DatePart, E> {
                Ok(DatePart(None))
            }
            fn visit_none<E>(self) -> std::result::Result<DatePart, E> {
                Ok(DatePart(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl DateParts {
    fn iso(&self) -> Option<String> {
        let parts = self.date_parts.first()?;
        let num = |i: usize| -> Option<i64> { parts.get(i)?.0 };
        let y = num(0)?;
        Some(match (num(1), num(2)) {
            (Some(m), Some(d)) => format!("{y:04}-{m:02}-{d:02}"),
            (Some(m), None) => format!("{y:04}-{m:02}"),
            _ => format!("{y:04}"),
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Author {
    given: Option<String>,
    family: Option<String>,
    name: Option<String>,
    #[serde(rename = "ORCID")]
    orcid: Option<String>,
    affiliation: Vec<Affiliation>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Affiliation {
    name: Option<String>,
    id: Vec<TypedId>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TypedId {
    id: Option<String>,
    #[serde(rename = "id-type")]
    id_type: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Funder {
    #[serde(rename = "DOI")]
    doi: Option<String>,
    name: Option<String>,
    award: Vec<String>,
    #[serde(rename = "doi-asserted-by")]
    asserted_by: Option<String>,
    id: Vec<TypedId>,
}

/// One Crossref work item → a record. Unknown fields are ignored; a field of the wrong type
/// makes the item malformed (the caller keeps its raw JSON in `scan_errors`).
pub fn parse_item(raw: &str) -> std::result::Result<WorkRecord, String> {
    let item: CrossrefItem = serde_json::from_str(raw).map_err(|e| e.to_string())?;
    let doi = item.doi.as_deref().and_then(normalize_doi);
    if doi.is_none() {
        return Err("item has no DOI".into());
    }
    let date = [
        &item.issued,
        &item.published,
        &item.published_print,
        &item.published_online,
    ]
    .into_iter()
    .flatten()
    .find_map(DateParts::iso);
    let authors = item
        .author
        .into_iter()
        .map(|a| {
            let name = match (&a.given, &a.family, &a.name) {
                (Some(g), Some(f), _) => format!("{g} {f}"),
                (None, Some(f), _) => f.clone(),
                (_, _, Some(n)) => n.clone(),
                (Some(g), None, None) => g.clone(),
                _ => String::new(),
            };
            AuthorRecord {
                name,
                orcid: a.orcid,
                affiliations: a
                    .affiliation
                    .into_iter()
                    .filter(|af| {
                        af.name.as_deref().is_some_and(|n| !n.trim().is_empty())
                            || !af.id.is_empty()
                    })
                    .map(|af| {
                        let ror = af
                            .id
                            .iter()
                            .find(|i| i.id_type.as_deref() == Some("ROR"))
                            .and_then(|i| i.id.clone());
                        AffiliationRecord {
                            raw: af.name,
                            ror,
                            ..Default::default()
                        }
                    })
                    .collect(),
                ..Default::default()
            }
        })
        .collect();
    let funders = item
        .funder
        .into_iter()
        .map(|f| {
            let id = f
                .doi
                .clone()
                .or_else(|| {
                    f.id.iter()
                        .find(|i| i.id_type.as_deref() == Some("DOI"))
                        .and_then(|i| i.id.clone())
                })
                .and_then(|d| registry_number(&d))
                .map(|n| format!("10.13039/{n}"));
            FunderRecord {
                funder_id: id,
                name: f.name,
                ror: None,
                awards: f
                    .award
                    .into_iter()
                    .filter(|a| !a.trim().is_empty())
                    .collect(),
                asserted_by: f.asserted_by,
            }
        })
        .collect();
    Ok(WorkRecord {
        doi,
        openalex_id: None,
        title: item.title.into_iter().next().map(tidy),
        publication_date: date,
        venue: item.container_title.into_iter().next(),
        work_type: item.work_type,
        authors,
        funders,
        raw: raw.to_string(),
    })
}

/// Titles with line breaks or runs of spaces get single spaces; clean ones are kept as they are.
fn tidy(t: String) -> String {
    if t.contains(['\n', '\t', '\r']) || t.contains("  ") || t.starts_with(' ') || t.ends_with(' ')
    {
        t.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        t
    }
}

/// The DoD funder record's descendants, with names: `(registry id, name)`.
pub async fn fetch_descendants(
    http: &HttpClient,
    ep: &Endpoint,
    cfg: &CrossrefConfig,
    root: &str,
) -> Result<Vec<(String, String)>> {
    let url = format!("{}/funders/10.13039/{root}", cfg.base());
    let (_, v) = http
        .get_json(ep, &url, |b| {
            serde_json::from_slice::<serde_json::Value>(b).map_err(|e| e.to_string())
        })
        .await?;
    let msg = &v["message"];
    let names = &msg["hierarchy-names"];
    let mut out = Vec::new();
    if let Some(list) = msg["descendants"].as_array() {
        for d in list.iter().filter_map(|d| d.as_str()) {
            let name = names[d].as_str().unwrap_or("").to_string();
            out.push((d.to_string(), name));
        }
    }
    Ok(out)
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests;
