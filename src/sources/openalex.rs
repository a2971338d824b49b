//! OpenAlex: enrichment (authorships with institution country codes, ROR ids and raw strings;
//! funders and awards) and discovery (works with DoD funders and China-based authors).
//!
//! Since 2026 list calls are billed per call and keyless use has a tiny daily budget, so every
//! call counts: DOIs are looked up in batches (`filter=doi:a|b|…`), funder ids of the DoD family
//! are resolved once per run, and a spent budget stops the source with its checkpoint saved and
//! the time it can resume. Works no longer carry `grants`; funding is in `funders[]` and
//! `awards[]` (older records with `grants` are still read).

mod routes;

pub use routes::{Discovery, Sweep};

use crate::error::{Error, Result};
use crate::model::{
    AffiliationRecord, AuthorRecord, ErrorKind, FunderRecord, PageOutcome, Problem, Source,
    WorkRecord, normalize_doi, short_openalex_id, short_ror,
};
use crate::sources::http::{Endpoint, HttpClient, Limits};
use crate::sources::paging::ListPage;
use crate::sources::sink::Sink;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet};

/// Fields asked for (all valid `select` fields as of 2026).
/// `best_oa_location` and `ids` say where an acknowledgment can be read (an open-access
/// copy, HTML or PDF; a PubMed Central id for Europe PMC's full text).
pub const SELECT: &str = "id,doi,display_name,publication_date,type,primary_location,authorships,funders,awards,best_oa_location,ids";

/// Works per sweep page (OpenAlex's largest page).
pub const SWEEP_PAGE: u64 = 200;

/// OpenAlex settings.
#[derive(Debug, Clone)]
pub struct OpenAlexConfig {
    pub base_url: String,
    pub api_key: Option<String>,
    /// DOIs per lookup call (≤ 100; 50 keeps URLs short).
    pub batch: usize,
}

impl OpenAlexConfig {
    fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base_url.trim_end_matches('/'), path_and_query)
    }

    /// The endpoint for these settings: the API key goes on every request.
    pub fn endpoint(&self, limits: Limits) -> Endpoint {
        let ep = Endpoint::new("openalex", limits).with_refusal_hint("check OPENALEX_API_KEY");
        match &self.api_key {
            Some(k) => ep.with_param("api_key", k.clone()),
            None => ep,
        }
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Deserialize)]
struct ListBody {
    #[serde(default)]
    meta: Meta,
    #[serde(default)]
    results: Vec<Box<RawValue>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Meta {
    count: Option<u64>,
    next_cursor: Option<String>,
    per_page: Option<u64>,
}

pub fn parse_page(body: &[u8]) -> std::result::Result<ListPage, String> {
    let b: ListBody = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    Ok(ListPage {
        items: b.results,
        total: b.meta.count,
        next_cursor: b.meta.next_cursor,
        page_size: b.meta.per_page.filter(|&n| n > 0),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Work {
    id: Option<String>,
    doi: Option<String>,
    title: Option<String>,
    display_name: Option<String>,
    publication_date: Option<String>,
    #[serde(rename = "type")]
    work_type: Option<String>,
    primary_location: Option<Location>,
    authorships: Vec<Authorship>,
    funders: Vec<Funder>,
    awards: Vec<Award>,
    grants: Vec<Grant>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Location {
    source: Option<SourceRef>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SourceRef {
    display_name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Authorship {
    author: Option<Author>,
    raw_author_name: Option<String>,
    institutions: Vec<Institution>,
    countries: Vec<String>,
    raw_affiliation_strings: Vec<String>,
    affiliations: Vec<Affiliation>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Author {
    id: Option<String>,
    display_name: Option<String>,
    orcid: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Institution {
    id: Option<String>,
    display_name: Option<String>,
    ror: Option<String>,
    country_code: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Affiliation {
    raw_affiliation_string: Option<String>,
    institution_ids: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Funder {
    id: Option<String>,
    display_name: Option<String>,
    ror: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Award {
    funder_award_id: Option<String>,
    funder_id: Option<String>,
    funder_display_name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Grant {
    funder: Option<String>,
    funder_display_name: Option<String>,
    award_id: Option<String>,
}

fn institution_record(i: &Institution, raw: Option<String>) -> AffiliationRecord {
    AffiliationRecord {
        raw,
        institution_name: i.display_name.clone(),
        institution_id: i.id.as_deref().map(short_openalex_id),
        ror: i.ror.as_deref().map(short_ror),
        country_code: i.country_code.clone(),
    }
}

/// One OpenAlex work → a record.
pub fn parse_work(raw: &str) -> std::result::Result<WorkRecord, String> {
    let w: Work = serde_json::from_str(raw).map_err(|e| e.to_string())?;
    let openalex_id =
        w.id.as_deref()
            .map(short_openalex_id)
            .filter(|s| !s.is_empty());
    if openalex_id.is_none() {
        return Err("work has no id".into());
    }
    let authors = w
        .authorships
        .into_iter()
        .map(|a| {
            let by_id: HashMap<String, &Institution> = a
                .institutions
                .iter()
                .filter_map(|i| Some((short_openalex_id(i.id.as_deref()?), i)))
                .collect();
            let mut affs = Vec::new();
            let mut used: HashSet<String> = HashSet::new();
            if !a.affiliations.is_empty() {
                for af in &a.affiliations {
                    let raw = af
                        .raw_affiliation_string
                        .clone()
                        .filter(|s| !s.trim().is_empty());
                    let insts: Vec<&Institution> = af
                        .institution_ids
                        .iter()
                        .filter_map(|id| by_id.get(&short_openalex_id(id)).copied())
                        .collect();
                    if insts.is_empty() {
                        affs.push(AffiliationRecord {
                            raw: raw.clone(),
                            ..Default::default()
                        });
                    }
                    for i in insts {
                        used.insert(short_openalex_id(i.id.as_deref().unwrap_or_default()));
                        affs.push(institution_record(i, raw.clone()));
                    }
                }
            } else {
                let raws: Vec<&String> = a
                    .raw_affiliation_strings
                    .iter()
                    .filter(|s| !s.trim().is_empty())
                    .collect();
                if let [raw] = raws.as_slice() {
                    // Records without `affiliations[]` do not link strings to institutions; with
                    // one string they belong together, so the words the author wrote ("Boston,
                    // MA") are read next to the institution OpenAlex matched (which may be a
                    // namesake elsewhere).
                    for i in &a.institutions {
                        used.insert(short_openalex_id(i.id.as_deref().unwrap_or_default()));
                        affs.push(institution_record(i, Some((*raw).clone())));
                    }
                    if a.institutions.is_empty() {
                        affs.push(AffiliationRecord {
                            raw: Some((*raw).clone()),
                            ..Default::default()
                        });
                    }
                } else {
                    for r in raws {
                        affs.push(AffiliationRecord {
                            raw: Some(r.clone()),
                            ..Default::default()
                        });
                    }
                }
            }
            for i in &a.institutions {
                if !used.contains(&short_openalex_id(i.id.as_deref().unwrap_or_default())) {
                    affs.push(institution_record(i, None));
                }
            }
            let author = a.author.unwrap_or_default();
            AuthorRecord {
                name: author
                    .display_name
                    .or(a.raw_author_name)
                    .unwrap_or_default(),
                orcid: author.orcid,
                openalex_id: author.id.as_deref().map(short_openalex_id),
                affiliations: affs,
                countries: a.countries,
            }
        })
        .collect();
    let mut funders: Vec<FunderRecord> = w
        .funders
        .into_iter()
        .map(|f| FunderRecord {
            funder_id: f.id.as_deref().map(short_openalex_id),
            name: f.display_name,
            ror: f.ror.as_deref().map(short_ror),
            awards: Vec::new(),
            asserted_by: None,
        })
        .collect();
    for a in w.awards {
        let fid = a.funder_id.as_deref().map(short_openalex_id);
        let Some(number) = a.funder_award_id.filter(|n| !n.trim().is_empty()) else {
            continue;
        };
        match funders
            .iter_mut()
            .find(|f| f.funder_id.is_some() && f.funder_id == fid)
        {
            Some(f) => f.awards.push(number),
            None => funders.push(FunderRecord {
                funder_id: fid,
                name: a.funder_display_name,
                awards: vec![number],
                ..Default::default()
            }),
        }
    }
    for g in w.grants {
        let fid = g.funder.as_deref().map(short_openalex_id);
        let award = g.award_id.filter(|n| !n.trim().is_empty());
        match funders
            .iter_mut()
            .find(|f| f.funder_id.is_some() && f.funder_id == fid)
        {
            Some(f) => f.awards.extend(award),
            None => funders.push(FunderRecord {
                funder_id: fid,
                name: g.funder_display_name,
                awards: award.into_iter().collect(),
                ..Default::default()
            }),
        }
    }
    Ok(WorkRecord {
        doi: w.doi.as_deref().and_then(normalize_doi),
        openalex_id,
        title: w.title.or(w.display_name),
        publication_date: w.publication_date,
        venue: w
            .primary_location
            .and_then(|l| l.source)
            .and_then(|s| s.display_name),
        work_type: w.work_type,
        authors,
        funders,
        raw: raw.to_string(),
    })
}

/// Resolve OpenAlex funder ids for Funder Registry numbers: `(openalex id, name, registry)`.
pub async fn resolve_funders(
    http: &HttpClient,
    ep: &Endpoint,
    cfg: &OpenAlexConfig,
    registry_numbers: &[String],
) -> Result<Vec<(String, String, Option<String>)>> {
    let mut out = Vec::new();
    for chunk in registry_numbers.chunks(50) {
        let url = cfg.url(&format!(
            "/funders?filter=ids.crossref:{}&per_page=100",
            enc(&chunk.join("|"))
        ));
        let (_, v) = http
            .get_json(ep, &url, |b| {
                serde_json::from_slice::<serde_json::Value>(b).map_err(|e| e.to_string())
            })
            .await?;
        for r in v["results"].as_array().into_iter().flatten() {
            let Some(id) = r["id"].as_str() else { continue };
            let registry = r["ids"]["crossref"]
                .as_str()
                .map(str::to_string)
                .or_else(|| r["ids"]["crossref"].as_i64().map(|n| n.to_string()));
            out.push((
                short_openalex_id(id),
                r["display_name"].as_str().unwrap_or("").to_string(),
                registry,
            ));
        }
    }
    Ok(out)
}

/// One lookup call: the works it asks for, its URL, and whether it is a single-DOI lookup.
type Call = (Vec<(i64, String)>, String, bool);

/// Looks stored works up by DOI in batches (`filter=doi:a|b|…`); what OpenAlex does not have
/// is remembered so it is not asked again.
pub struct Enricher<'a, S: Sink> {
    pub http: &'a HttpClient,
    pub ep: &'a Endpoint,
    pub cfg: &'a OpenAlexConfig,
    pub sink: &'a S,
    /// Called with the number of works each call asked about.
    pub on_batch: &'a (dyn Fn(u64) + Send + Sync),
}

impl<S: Sink> Enricher<'_, S> {
    /// Look `works` up. Returns how many records came back, and what they changed.
    pub async fn enrich(&self, works: Vec<(i64, String)>) -> Result<(u64, PageOutcome)> {
        use futures::StreamExt;
        let batch = self.cfg.batch.clamp(1, 100);
        // A DOI with '|' or ',' cannot go into an OR filter; those are looked up one by one.
        let (plain, odd): (Vec<_>, Vec<_>) = works
            .into_iter()
            .partition(|(_, d)| !d.contains(['|', ',']));
        let mut calls: Vec<Call> = plain
            .chunks(batch)
            .map(|c| {
                let filter = c
                    .iter()
                    .map(|(_, d)| d.as_str())
                    .collect::<Vec<_>>()
                    .join("|");
                let url = self.cfg.url(&format!(
                    "/works?filter=doi:{}&per_page=100&select={}",
                    enc(&filter),
                    SELECT
                ));
                (c.to_vec(), url, false)
            })
            .collect();
        calls.extend(odd.into_iter().map(|w| {
            let url = self
                .cfg
                .url(&format!("/works/doi:{}?select={}", enc(&w.1), SELECT));
            (vec![w], url, true)
        }));
        // Calls run concurrently (the endpoint caps what is in flight); each batch is kept as
        // it arrives, so a stop loses at most the batches still in the air.
        let mut responses = futures::stream::iter(calls)
            .map(|(chunk, url, single)| async move {
                let r = if single {
                    self.http
                        .get_json(self.ep, &url, |b| {
                            serde_json::from_slice::<Box<RawValue>>(b)
                                .map(|v| ListPage {
                                    items: vec![v],
                                    total: Some(1),
                                    next_cursor: None,
                                    page_size: None,
                                })
                                .map_err(|e| e.to_string())
                        })
                        .await
                } else {
                    self.http.get_json(self.ep, &url, parse_page).await
                };
                (chunk, url, r.map(|(_, p)| p))
            })
            .buffer_unordered(8);
        let mut found = 0;
        let mut total = PageOutcome::default();
        while let Some((chunk, url, page)) = responses.next().await {
            match page {
                Ok(page) => {
                    let (n, o) = self.keep(chunk, &url, page).await?;
                    found += n;
                    total += o;
                }
                Err(Error::Status { status: 404, .. }) => {
                    let misses: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
                    self.sink
                        .lookups(Source::OpenAlex, Vec::new(), misses)
                        .await?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok((found, total))
    }

    async fn keep(
        &self,
        chunk: Vec<(i64, String)>,
        url: &str,
        page: ListPage,
    ) -> Result<(u64, PageOutcome)> {
        let mut records = Vec::new();
        for raw in &page.items {
            match parse_work(raw.get()) {
                Ok(r) => records.push(r),
                Err(message) => {
                    let p = Problem::new(Source::OpenAlex, ErrorKind::MalformedRecord, message)
                        .at(url)
                        .with_raw(raw.get());
                    self.sink.problem(p).await?;
                }
            }
        }
        let got: HashSet<String> = records.iter().filter_map(|r| r.doi.clone()).collect();
        let misses: Vec<i64> = chunk
            .iter()
            .filter(|(_, d)| !got.contains(d))
            .map(|(id, _)| *id)
            .collect();
        let n = records.len() as u64;
        let outcome = self.sink.lookups(Source::OpenAlex, records, misses).await?;
        (self.on_batch)(chunk.len() as u64);
        Ok((n, outcome))
    }
}

#[cfg(test)]
mod tests;
