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

use crate::error::{Error, Result};
use crate::model::{
    AffiliationRecord, AuthorRecord, FunderRecord, Source, WorkRecord, normalize_doi,
    registry_number,
};
use crate::sources::http::{Endpoint, HttpClient};
use crate::store::{Checkpoint, Page, PageOutcome, SharedStore};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::HashSet;

/// Fields asked for: what the pipeline uses, not the references (which are most of a record).
pub const SELECT: &str = "DOI,title,container-title,issued,published,published-print,published-online,type,author,funder";

/// Crossref settings.
#[derive(Debug, Clone)]
pub struct CrossrefConfig {
    pub base_url: String,
    pub mailto: Option<String>,
    pub rows: u32,
    pub shard_days: u32,
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
}

/// A parsed list page: the items still raw so each is stored exactly as sent.
pub struct ListPage {
    pub items: Vec<Box<RawValue>>,
    pub next_cursor: Option<String>,
    pub total: Option<u64>,
}

/// Decode a list response; an error here means the body is not a Crossref list (or was cut).
pub fn parse_page(body: &[u8]) -> std::result::Result<ListPage, String> {
    let e: Envelope = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    Ok(ListPage {
        items: e.message.items,
        next_cursor: e.message.next_cursor,
        total: e.message.total_results,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Item {
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
    let item: Item = serde_json::from_str(raw).map_err(|e| e.to_string())?;
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
    let url = with_mailto(
        format!(
            "{}/funders/10.13039/{root}",
            cfg.base_url.trim_end_matches('/')
        ),
        cfg,
    );
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

fn with_mailto(mut url: String, cfg: &CrossrefConfig) -> String {
    if let Some(m) = &cfg.mailto {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str("mailto=");
        url.push_str(&urlencode(m));
    }
    url
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Date shards of at most `days` days covering `[from, to]`.
pub fn shards(from: NaiveDate, to: NaiveDate, days: u32) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = from;
    let step = chrono::Days::new(days.max(1) as u64);
    while start <= to {
        let end = (start + step).pred_opt().unwrap_or(start).min(to);
        out.push((start, end));
        start = end.succ_opt().unwrap_or(end);
        if end == to {
            break;
        }
    }
    out
}

/// What one shard crawl did.
#[derive(Debug, Default, Clone, Copy)]
pub struct ShardResult {
    pub items: u64,
    pub announced: Option<u64>,
    pub outcome: PageOutcome,
    pub skipped: bool,
}

/// Everything a shard crawl needs.
pub struct Crawler<'a> {
    pub http: &'a HttpClient,
    pub ep: &'a Endpoint,
    pub cfg: &'a CrossrefConfig,
    pub store: &'a SharedStore,
    pub run_id: i64,
    pub refresh: bool,
    pub on_page: &'a (dyn Fn(u64) + Send + Sync),
}

impl Crawler<'_> {
    /// Crawl one (funder, date shard), resuming from its checkpoint.
    pub async fn crawl_shard(
        &self,
        funder: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ShardResult> {
        let key = format!("funder:{funder}:{from}:{to}");
        let k = key.clone();
        let refresh = self.refresh;
        let cp = self
            .store
            .run(move |s| {
                if refresh {
                    s.reset_checkpoint(Source::Crossref, &k)?;
                }
                s.checkpoint(Source::Crossref, &k)
            })
            .await?
            .unwrap_or_default();
        if cp.done {
            return Ok(ShardResult {
                items: cp.items,
                announced: cp.announced,
                skipped: true,
                ..Default::default()
            });
        }
        let mut cursor = cp.cursor.clone().unwrap_or_else(|| "*".into());
        let mut items = cp.items;
        let mut announced = cp.announced;
        let mut seen: HashSet<String> = HashSet::new();
        let mut restarts = 0;
        let mut result = ShardResult::default();
        let base = format!(
            "{}/funders/10.13039/{funder}/works?filter=from-pub-date:{from},until-pub-date:{to}&rows={}&select={}",
            self.cfg.base_url.trim_end_matches('/'),
            self.cfg.rows.clamp(1, 1000),
            urlencode(SELECT)
        );
        loop {
            let url = with_mailto(format!("{base}&cursor={}", urlencode(&cursor)), self.cfg);
            let page = match self.http.get_json(self.ep, &url, parse_page).await {
                Ok((_, page)) => page,
                Err(Error::CursorExpired { .. }) if restarts < 3 => {
                    restarts += 1;
                    tracing::warn!(shard = %key, "Crossref cursor expired; restarting the shard from the first page");
                    cursor = "*".into();
                    items = 0;
                    seen.clear();
                    continue;
                }
                Err(e) => return Err(e),
            };
            // The total can move while paging (and an end page may say 0): keep the largest.
            announced = match (announced, page.total) {
                (Some(a), Some(t)) => Some(a.max(t)),
                (a, t) => a.or(t),
            };
            let count = page.items.len() as u64;
            let mut records = Vec::with_capacity(page.items.len());
            let mut fresh = 0;
            for raw in &page.items {
                match parse_item(raw.get()) {
                    Ok(rec) => {
                        if seen.insert(rec.doi.clone().unwrap_or_default()) {
                            fresh += 1;
                        }
                        records.push(rec);
                    }
                    Err(message) => {
                        let raw = raw.get().to_string();
                        let u = crate::sources::http::redact(&url);
                        let run = self.run_id;
                        self.store
                            .run(move |s| {
                                s.record_error(
                                    Some(run),
                                    Source::Crossref,
                                    Some(&u),
                                    "malformed-record",
                                    &message,
                                    Some(&raw),
                                )
                            })
                            .await?;
                    }
                }
            }
            let done = count == 0 || page.next_cursor.is_none() || fresh == 0;
            items += count;
            let next = page.next_cursor.clone();
            let checkpoint = Checkpoint {
                cursor: if done { None } else { next.clone() },
                done,
                items,
                announced,
            };
            let (k, run) = (key.clone(), self.run_id);
            let outcome = self
                .store
                .run(move |s| {
                    s.save_page(&Page {
                        run_id: run,
                        source: Source::Crossref,
                        shard: &k,
                        checkpoint,
                        records: &records,
                    })
                })
                .await?;
            result.outcome.new_works += outcome.new_works;
            result.outcome.changed += outcome.changed;
            (self.on_page)(count);
            if done {
                break;
            }
            cursor = next.unwrap_or_default();
        }
        result.items = items;
        result.announced = announced;
        if let Some(total) = announced
            && items < total
        {
            let msg = format!("shard {key}: Crossref announced {total} works but returned {items}");
            tracing::warn!("{msg}");
            let run = self.run_id;
            self.store
                .run(move |s| {
                    s.record_error(Some(run), Source::Crossref, None, "short-count", &msg, None)
                })
                .await?;
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = include_str!("../../tests/fixtures/crossref/dod_works_page.json");

    #[test]
    fn the_recorded_dod_page_parses_into_records() {
        let page = parse_page(PAGE.as_bytes()).unwrap();
        assert_eq!(page.total, Some(183039));
        assert_eq!(page.items.len(), 20);
        let recs: Vec<WorkRecord> = page
            .items
            .iter()
            .map(|r| parse_item(r.get()).unwrap())
            .collect();
        let faraday = recs
            .iter()
            .find(|r| r.doi.as_deref() == Some("10.1039/d2fd00050d"))
            .unwrap();
        assert_eq!(faraday.publication_date.as_deref(), Some("2022"));
        assert_eq!(
            faraday.funders[0].funder_id.as_deref(),
            Some("10.13039/100000183")
        );
        assert_eq!(faraday.funders[0].awards, vec!["MURI W911NF-19-1-0283"]);
        assert!(
            faraday
                .authors
                .iter()
                .flat_map(|a| &a.affiliations)
                .any(|a| a.raw.as_deref().unwrap().contains("Xian"))
        );
        assert!(faraday.raw.starts_with('{'));
    }

    #[test]
    fn a_funder_without_doi_or_name_is_kept_with_its_award() {
        let body = include_str!("../../tests/fixtures/crossref/work_empty_funder.json");
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        let rec = parse_item(&v["message"].to_string()).unwrap();
        assert!(
            rec.funders
                .iter()
                .any(|f| f.name.is_none() && f.awards == vec!["LM2015047"])
        );
    }

    #[test]
    fn shards_cover_the_window_without_overlap() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let s = shards(d("2023-06-01"), d("2023-08-15"), 31);
        assert_eq!(s.first().unwrap().0, d("2023-06-01"));
        assert_eq!(s.last().unwrap().1, d("2023-08-15"));
        for w in s.windows(2) {
            assert_eq!(w[0].1.succ_opt().unwrap(), w[1].0);
        }
        assert_eq!(shards(d("2024-01-01"), d("2024-01-01"), 31).len(), 1);
    }
}
