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

use crate::error::Result;
use crate::model::{
    AffiliationRecord, AuthorRecord, FunderRecord, Source, Window, WorkRecord, digest,
    normalize_doi, registry_number,
};
use crate::sources::http::{Endpoint, HttpClient};
use crate::sources::paging::{CursorQuery, DatedQuery, Item, ListPage};
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

/// Fields of the light pages that look for DoD funding named without a registry id.
pub const FUNDER_SELECT: &str = "DOI,funder,issued";

/// Every work of a date window that carries any funder entry (`has-funder:true`), in light
/// pages (`select=DOI,funder,issued`). Each item's funders are classified on the spot: only
/// works whose funding is DoD by name or award number — and not by a registry id, which the
/// funder route already finds — are kept, as light records whose full record is looked up
/// afterwards ([`full_records_url`]).
pub struct FundedWorks {
    pub base_url: String,
    pub rows: u32,
    pub window: Window,
    /// Only works indexed on or after this day (`from-index-date`).
    pub indexed_since: Option<chrono::NaiveDate>,
    pub key: String,
    pub dod: std::sync::Arc<crate::classify::dod::DodClassifier>,
}

impl FundedWorks {
    pub fn new(
        cfg: &CrossrefConfig,
        window: Window,
        dod: std::sync::Arc<crate::classify::dod::DodClassifier>,
    ) -> Self {
        FundedWorks {
            base_url: cfg.base().to_string(),
            rows: cfg.rows.clamp(1, 1000),
            key: window.key("has-funder", "dod-names"),
            window,
            indexed_since: None,
            dod,
        }
    }

    /// The same query for works indexed on or after `day` only, with its own checkpoint key.
    pub fn indexed_since(mut self, day: chrono::NaiveDate) -> Self {
        self.key = self
            .window
            .key("has-funder", &format!("dod-names+indexed-{day}"));
        self.indexed_since = Some(day);
        self
    }

    /// Whether a work's funder entries say DoD without a DoD registry id.
    pub fn dod_without_id(&self, rec: &WorkRecord) -> bool {
        use crate::classify::dod::Via;
        let matches: Vec<_> = rec
            .funders
            .iter()
            .flat_map(|f| self.dod.classify_funder(f))
            .collect();
        !matches.is_empty() && !matches.iter().any(|m| m.via == Via::RegistryId)
    }
}

impl CursorQuery for FundedWorks {
    fn source(&self) -> Source {
        Source::Crossref
    }

    fn key(&self) -> &str {
        &self.key
    }

    fn url(&self, cursor: &str) -> String {
        format!(
            "{}/works?filter=has-funder:true,from-pub-date:{},until-pub-date:{}{}&rows={}&select={}&cursor={}",
            self.base_url,
            self.window.from,
            self.window.to,
            indexed_filter(self.indexed_since),
            self.rows,
            urlencode(FUNDER_SELECT),
            urlencode(cursor)
        )
    }

    fn parse_page(&self, body: &[u8]) -> std::result::Result<ListPage, String> {
        parse_page(body)
    }

    fn parse_item(&self, raw: &str) -> Item {
        match parse_item(raw) {
            Ok(r) if self.dod_without_id(&r) => Item::Record(r),
            Ok(r) => Item::Skip(r.doi),
            Err(m) => Item::Malformed(m),
        }
    }

    fn scroll(&self) -> bool {
        true
    }
}

impl DatedQuery for FundedWorks {
    fn window(&self) -> Window {
        self.window
    }

    fn narrowed(&self, w: Window) -> Box<dyn DatedQuery> {
        let q = FundedWorks {
            base_url: self.base_url.clone(),
            rows: self.rows,
            key: w.key("has-funder", "dod-names"),
            window: w,
            indexed_since: None,
            dod: self.dod.clone(),
        };
        Box::new(match self.indexed_since {
            Some(d) => q.indexed_since(d),
            None => q,
        })
    }

    fn rows(&self) -> u64 {
        u64::from(self.rows)
    }
}

/// A DOI's own record (`/works/{doi}`), for a DOI that cannot go into a filter (a comma).
pub fn single_record_url(cfg: &CrossrefConfig, doi: &str) -> String {
    format!("{}/works/{}", cfg.base(), urlencode(doi))
}

/// Decode a single-record response as a page of one item.
pub fn parse_single(body: &[u8]) -> std::result::Result<ListPage, String> {
    #[derive(Deserialize)]
    struct One {
        message: Box<RawValue>,
    }
    let one: One = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    Ok(ListPage {
        items: vec![one.message],
        next_cursor: None,
        total: Some(1),
        page_size: None,
    })
}

/// The full records of up to 100 DOIs in one request (`filter=doi:a,doi:b,…`).
pub fn full_records_url(cfg: &CrossrefConfig, dois: &[String]) -> String {
    let filter = dois
        .iter()
        .map(|d| format!("doi:{d}"))
        .collect::<Vec<_>>()
        .join(",");
    format!(
        "{}/works?filter={}&rows={}&select={}",
        cfg.base(),
        urlencode(&filter),
        dois.len().clamp(1, 1000),
        urlencode(SELECT)
    )
}

/// Which funder ids a works query asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Funders {
    /// One id and every descendant the registry places under it (`/funders/{id}/works`).
    Family(String),
    /// Works naming any of these ids itself (`/works?filter=funder:a,funder:b,…`, the same
    /// filter given twice is an OR): the components the registry does not place under DoD,
    /// asked together in one query instead of one query each.
    AnyOf(Vec<String>),
}

impl Funders {
    /// The route and detail of checkpoint keys (a query of what was indexed since a day has
    /// its own).
    fn key(&self, w: &Window, indexed_since: Option<chrono::NaiveDate>) -> String {
        let since = indexed_since
            .map(|d| format!("+indexed-{d}"))
            .unwrap_or_default();
        match self {
            Funders::Family(id) => w.key("funder", &format!("{id}{since}")),
            Funders::AnyOf(ids) => w.key("funders", &format!("{}{since}", digest(&ids.join("|")))),
        }
    }
}

/// The `from-index-date` filter part, or nothing.
fn indexed_filter(day: Option<chrono::NaiveDate>) -> String {
    day.map(|d| format!(",from-index-date:{d}"))
        .unwrap_or_default()
}

/// The works of some funders published in one date window.
pub struct FunderWorks {
    pub base_url: String,
    pub rows: u32,
    pub funders: Funders,
    pub window: Window,
    /// Only works indexed on or after this day (`from-index-date`).
    pub indexed_since: Option<chrono::NaiveDate>,
    /// Checkpoint key, named by the window.
    pub key: String,
}

impl FunderWorks {
    pub fn new(cfg: &CrossrefConfig, funders: Funders, window: Window) -> Self {
        FunderWorks {
            base_url: cfg.base().to_string(),
            rows: cfg.rows.clamp(1, 1000),
            key: funders.key(&window, None),
            funders,
            window,
            indexed_since: None,
        }
    }

    /// The same query for works indexed on or after `day` only, with its own checkpoint key.
    pub fn indexed_since(mut self, day: chrono::NaiveDate) -> Self {
        self.key = self.funders.key(&self.window, Some(day));
        self.indexed_since = Some(day);
        self
    }
}

impl CursorQuery for FunderWorks {
    fn source(&self) -> Source {
        Source::Crossref
    }

    fn key(&self) -> &str {
        &self.key
    }

    fn url(&self, cursor: &str) -> String {
        let dates = format!(
            "from-pub-date:{},until-pub-date:{}{}",
            self.window.from,
            self.window.to,
            indexed_filter(self.indexed_since)
        );
        let (path, filter) = match &self.funders {
            Funders::Family(id) => (format!("/funders/10.13039/{id}/works"), dates),
            Funders::AnyOf(ids) => {
                let any: Vec<String> = ids.iter().map(|i| format!("funder:10.13039/{i}")).collect();
                ("/works".to_string(), format!("{},{dates}", any.join(",")))
            }
        };
        format!(
            "{}{path}?filter={filter}&rows={}&select={}&cursor={}",
            self.base_url,
            self.rows,
            urlencode(SELECT),
            urlencode(cursor)
        )
    }

    fn parse_page(&self, body: &[u8]) -> std::result::Result<ListPage, String> {
        parse_page(body)
    }

    fn parse_item(&self, raw: &str) -> Item {
        match parse_item(raw) {
            Ok(r) => Item::Record(r),
            Err(m) => Item::Malformed(m),
        }
    }

    fn scroll(&self) -> bool {
        true
    }
}

impl DatedQuery for FunderWorks {
    fn window(&self) -> Window {
        self.window
    }

    fn narrowed(&self, w: Window) -> Box<dyn DatedQuery> {
        Box::new(FunderWorks::new_at(self, w))
    }

    fn rows(&self) -> u64 {
        u64::from(self.rows)
    }
}

impl FunderWorks {
    fn new_at(&self, w: Window) -> FunderWorks {
        FunderWorks {
            base_url: self.base_url.clone(),
            rows: self.rows,
            key: self.funders.key(&w, self.indexed_since),
            funders: self.funders.clone(),
            window: w,
            indexed_since: self.indexed_since,
        }
    }
}

#[cfg(test)]
mod tests;
