//! Europe PMC: discovery of papers whose grants or acknowledgments name a DoD component and
//! whose authors are in China, and the open-access full text (JATS) whose `<ack>` and
//! `<funding-group>` state DoD funding that publisher metadata often leaves out.
//!
//! Only `resultType=core` carries affiliations and `grantsList`. Paging is by `cursorMark`;
//! the last page hands back the cursor it was given, so a repeated cursor ends the query.

use crate::error::Result;
use crate::model::{
    AffiliationRecord, AuthorRecord, Document, DocumentKind, ErrorKind, FunderRecord, Problem,
    Source, WorkRecord, normalize_doi,
};
use crate::sources::http::{Endpoint, HttpClient, Limits};
use crate::sources::paging::{CursorQuery, Item, ListPage};
use crate::sources::sink::Sink;
use serde::Deserialize;
use serde_json::value::RawValue;

/// Europe PMC settings.
#[derive(Debug, Clone)]
pub struct EuropePmcConfig {
    pub base_url: String,
    /// Results per search page (Europe PMC allows up to 1000).
    pub page_size: u32,
    pub email: Option<String>,
}

impl EuropePmcConfig {
    fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base_url.trim_end_matches('/'), path_and_query)
    }

    /// The endpoint for these settings: the contact address goes on every request.
    pub fn endpoint(&self, limits: Limits) -> Endpoint {
        let ep = Endpoint::new("europepmc", limits);
        match &self.email {
            Some(e) => ep.with_param("email", e.clone()),
            None => ep,
        }
    }

    /// The full-text JATS of an open-access record.
    pub fn full_text_url(&self, pmcid: &str) -> String {
        self.url(&format!("/{}/fullTextXML", enc(pmcid)))
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Deserialize)]
struct SearchBody {
    #[serde(rename = "hitCount", default)]
    hit_count: Option<u64>,
    #[serde(rename = "nextCursorMark", default)]
    next_cursor: Option<String>,
    #[serde(rename = "resultList", default)]
    result_list: ResultList,
}

#[derive(Deserialize, Default)]
struct ResultList {
    #[serde(default)]
    result: Vec<Box<RawValue>>,
}

/// Decode a search response (`format=json`).
pub fn parse_page(body: &[u8]) -> std::result::Result<ListPage, String> {
    let b: SearchBody = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    Ok(ListPage {
        items: b.result_list.result,
        total: b.hit_count,
        next_cursor: b.next_cursor,
        page_size: None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Result_ {
    doi: Option<String>,
    pmid: Option<String>,
    pmcid: Option<String>,
    title: Option<String>,
    #[serde(rename = "firstPublicationDate")]
    first_publication_date: Option<String>,
    #[serde(rename = "pubYear")]
    pub_year: Option<String>,
    #[serde(rename = "journalInfo")]
    journal_info: Option<JournalInfo>,
    #[serde(rename = "authorList")]
    author_list: Option<AuthorList>,
    #[serde(rename = "grantsList")]
    grants_list: Option<GrantsList>,
    #[serde(rename = "pubTypeList")]
    pub_type_list: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JournalInfo {
    journal: Option<Journal>,
    #[serde(rename = "printPublicationDate")]
    print_publication_date: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Journal {
    title: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AuthorList {
    author: Vec<Author>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Author {
    #[serde(rename = "fullName")]
    full_name: Option<String>,
    #[serde(rename = "authorId")]
    author_id: Option<AuthorId>,
    #[serde(rename = "authorAffiliationDetailsList")]
    affiliations: Option<AffiliationList>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AuthorId {
    #[serde(rename = "type")]
    kind: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AffiliationList {
    #[serde(rename = "authorAffiliation")]
    affiliation: Vec<AffiliationEntry>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AffiliationEntry {
    affiliation: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GrantsList {
    grant: Vec<Grant>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Grant {
    #[serde(rename = "grantId")]
    grant_id: Option<String>,
    agency: Option<String>,
    acronym: Option<String>,
}

/// The identifiers a record carries besides its DOI, kept to fetch its full text later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    pub pmid: Option<String>,
    pub pmcid: Option<String>,
}

/// One `core` result as a work record. Records without a DOI cannot be merged with the other
/// sources and are refused (the caller counts them).
pub fn parse_result(raw: &str) -> std::result::Result<(WorkRecord, Ids), String> {
    let r: Result_ = serde_json::from_str(raw).map_err(|e| e.to_string())?;
    let doi = r
        .doi
        .as_deref()
        .and_then(normalize_doi)
        .ok_or_else(|| NO_DOI.to_string())?;
    let authors = r
        .author_list
        .map(|l| l.author)
        .unwrap_or_default()
        .into_iter()
        .map(|a| AuthorRecord {
            name: a.full_name.unwrap_or_default(),
            orcid: a
                .author_id
                .filter(|i| i.kind.as_deref() == Some("ORCID"))
                .and_then(|i| i.value),
            affiliations: a
                .affiliations
                .map(|l| l.affiliation)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|e| e.affiliation)
                .filter(|s| !s.trim().is_empty())
                .map(|raw| AffiliationRecord {
                    raw: Some(raw),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    // Europe PMC lists one grant per row: rows of one agency become one funder with its awards.
    let mut funders: Vec<FunderRecord> = Vec::new();
    for g in r.grants_list.map(|l| l.grant).unwrap_or_default() {
        let name = g.agency.or(g.acronym).filter(|n| !n.trim().is_empty());
        let Some(name) = name else { continue };
        let award = g.grant_id.filter(|a| !a.trim().is_empty());
        match funders
            .iter_mut()
            .find(|f| f.name.as_deref() == Some(name.as_str()))
        {
            Some(f) => f.awards.extend(award),
            None => funders.push(FunderRecord {
                name: Some(name),
                awards: award.into_iter().collect(),
                asserted_by: Some("europepmc".into()),
                ..Default::default()
            }),
        }
    }
    let date = r
        .first_publication_date
        .or(r
            .journal_info
            .as_ref()
            .and_then(|j| j.print_publication_date.clone()))
        .or(r.pub_year);
    let work_type = r.pub_type_list.as_ref().and_then(|v| {
        v.get("pubType")
            .and_then(|p| p.get(0).or(Some(p)))
            .and_then(|p| p.as_str())
            .map(str::to_string)
    });
    Ok((
        WorkRecord {
            doi: Some(doi),
            title: r.title.map(|t| t.trim().trim_end_matches('.').to_string()),
            publication_date: date,
            venue: r.journal_info.and_then(|j| j.journal).and_then(|j| j.title),
            work_type,
            authors,
            funders,
            raw: raw.to_string(),
            ..Default::default()
        },
        Ids {
            pmid: r.pmid,
            pmcid: r.pmcid,
        },
    ))
}

/// Affiliation words that place an author in mainland China, Hong Kong or Macau for Europe
/// PMC's `AFF` search: the country words, and (from the bundled gazetteer) every province and
/// provincial capital and every city of a million people, because many affiliations end with
/// the city ("Sun Yat-sen University, Guangzhou 510275") and never say "China". Names also
/// used for places outside China are left out.
pub fn china_aff_terms() -> Vec<String> {
    use crate::reference::{CITIES_CSV, PROVINCES_CSV, rows};
    let mut out: Vec<String> = ["China", "Hong Kong", "Macau", "Macao"]
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut push = |name: &str| {
        let name = name.trim();
        if name.len() >= 4
            && !name.contains('"')
            && !out.iter().any(|o| o.eq_ignore_ascii_case(name))
        {
            out.push(name.to_string());
        }
    };
    for r in rows(PROVINCES_CSV) {
        if r["jurisdiction"].contains("Taiwan") || r["iso_3166_2"] == "CN-TW" {
            continue;
        }
        push(&r["name_en"]);
        push(&r["capital_en"]);
    }
    for r in rows(CITIES_CSV) {
        let big = r["population"].parse::<u64>().unwrap_or(0) >= 1_000_000;
        if r["country_code"] == "CN" && big && r["latin_names_also_used_outside_CN"].is_empty() {
            push(&r["name"]);
        }
    }
    out
}

/// The six-character issuing-office codes of DoD awards (`N00014`, `W911NF`, `FA9550`, …),
/// which many acknowledgments give without naming the component.
pub fn award_prefixes() -> Vec<String> {
    crate::reference::rows(crate::reference::DOD_PREFIXES_CSV)
        .into_iter()
        .map(|r| r["prefix"].trim().to_ascii_uppercase())
        .filter(|p| p.len() == 6 && p.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect()
}

/// The discovery queries, each with an author affiliated in China, Hong Kong or Macau and a
/// publication date in the window: DoD components named in grant agencies or in the
/// acknowledgment/funding text, and DoD award numbers by their issuing-office prefix in the
/// acknowledgment/funding text or the grant ids (`ACK_FUNDING:N00014*`, so an acknowledgment
/// that gives only "grant N00014-21-1-2345" is found). Split so that each stays well under URL
/// length limits.
pub fn discovery_queries(component_names: &[String], from: &str, to: &str) -> Vec<String> {
    let china = format!(
        "({})",
        china_aff_terms()
            .iter()
            .map(|t| format!("AFF:\"{t}\""))
            .collect::<Vec<_>>()
            .join(" OR ")
    );
    let window = format!("FIRST_PDATE:[{from} TO {to}]");
    let names = component_names.chunks(12).map(|chunk| {
        chunk
            .iter()
            .flat_map(|n| {
                let n = n.replace('"', "");
                [
                    format!("GRANT_AGENCY:\"{n}\""),
                    format!("ACK_FUNDING:\"{n}\""),
                ]
            })
            .collect::<Vec<_>>()
    });
    let prefixes = award_prefixes();
    let awards = prefixes.chunks(15).map(|chunk| {
        chunk
            .iter()
            .flat_map(|p| [format!("ACK_FUNDING:{p}*"), format!("GRANT_ID:{p}*")])
            .collect::<Vec<_>>()
    });
    names
        .chain(awards)
        .map(|terms| format!("({}) AND {china} AND {window}", terms.join(" OR ")))
        .collect()
}

/// One discovery query, paged by `cursorMark`.
pub struct Search<'a> {
    pub cfg: &'a EuropePmcConfig,
    pub query: String,
    pub key: String,
}

/// Why a record was not stored.
pub const NO_DOI: &str = "record has no DOI";

impl CursorQuery for Search<'_> {
    fn source(&self) -> Source {
        Source::EuropePmc
    }

    fn key(&self) -> &str {
        &self.key
    }

    fn url(&self, cursor: &str) -> String {
        self.cfg.url(&format!(
            "/search?query={}&resultType=core&format=json&pageSize={}&cursorMark={}",
            enc(&self.query),
            self.cfg.page_size.clamp(1, 1000),
            enc(cursor)
        ))
    }

    fn parse_page(&self, body: &[u8]) -> std::result::Result<ListPage, String> {
        parse_page(body)
    }

    fn parse_item(&self, raw: &str) -> Item {
        match parse_result(raw) {
            Ok((r, _)) => Item::Record(r),
            Err(m) if m == NO_DOI => Item::Skip(None),
            Err(m) => Item::Malformed(m),
        }
    }
}

/// What the full-text stage did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FullTextTotals {
    pub fetched: u64,
    /// Documents whose funding texts changed (their works are reclassified).
    pub changed: u64,
    /// Records Europe PMC has no full text for (404) or that were not JATS.
    pub unavailable: u64,
    pub errors: u64,
}

/// Fetches the open-access full text of Europe PMC records and keeps their funding texts.
pub struct FullTextFetcher<'a, S: Sink> {
    /// Fetch texts read before again (`--refresh`); unchanged ones change nothing.
    pub refetch: bool,
    pub http: &'a HttpClient,
    pub ep: &'a Endpoint,
    pub cfg: &'a EuropePmcConfig,
    pub sink: &'a S,
    /// Called once per document fetched (or finally unavailable).
    pub on_doc: &'a (dyn Fn(u64) + Send + Sync),
}

/// The full text's authors and affiliations (with the country its `<country>` names) as a
/// record of the `fulltext` source; none when the text names no affiliation.
fn full_text_record(doi: &str, ft: &crate::sources::jats::FullText) -> Option<WorkRecord> {
    if doi.is_empty() || ft.affiliations.is_empty() {
        return None;
    }
    let authors = ft
        .authors_with_affiliations()
        .into_iter()
        .map(|(name, affs)| AuthorRecord {
            name,
            affiliations: affs
                .into_iter()
                .map(|a| AffiliationRecord {
                    raw: Some(a.text.clone()),
                    country_code: a.country.as_deref().and_then(country_code),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    let raw = serde_json::json!({
        "doi": doi,
        "authors": ft.authors.iter().map(|a| &a.name).collect::<Vec<_>>(),
        "affiliations": ft.affiliations.iter().map(|a| serde_json::json!({
            "id": a.id, "text": a.text, "country": a.country
        })).collect::<Vec<_>>(),
    });
    Some(WorkRecord {
        doi: Some(doi.to_string()),
        authors,
        raw: raw.to_string(),
        ..Default::default()
    })
}

/// The ISO code of a country name as JATS `<country>` writes it ("China", "P. R. China",
/// "USA"), from the reference table.
fn country_code(name: &str) -> Option<String> {
    static CODES: std::sync::LazyLock<std::collections::HashMap<String, String>> =
        std::sync::LazyLock::new(|| {
            crate::reference::rows(crate::reference::COUNTRIES_CSV)
                .into_iter()
                .map(|r| {
                    (
                        crate::classify::text::normalize(&r["name"]),
                        r["code"].clone(),
                    )
                })
                .collect()
        });
    let key = crate::classify::text::normalize(name.trim().trim_end_matches('.'));
    CODES.get(&key).cloned()
}

/// How exports name text from this source.
pub const FULL_TEXT_ORIGIN: &str = "acknowledgment (Europe PMC full text)";

impl<S: Sink> FullTextFetcher<'_, S> {
    /// Fetch the full texts of `todo` (`(work_id, pmcid, doi)`), keeping each as it arrives. A
    /// source-level failure (spent budget, server asking to wait too long) stops the stage and
    /// is returned.
    pub async fn fetch(&self, todo: Vec<(i64, String, String)>) -> Result<FullTextTotals> {
        use futures::StreamExt;
        use sha2::Digest;
        let mut totals = FullTextTotals::default();
        let mut results = futures::stream::iter(todo)
            .map(|(work_id, pmcid, doi)| async move {
                let url = self.cfg.full_text_url(&pmcid);
                let r = self
                    .http
                    .get_xml(self.ep, &url, crate::sources::jats::parse)
                    .await;
                (work_id, doi, url, r)
            })
            .buffer_unordered(self.ep.concurrency());
        while let Some((work_id, doi, url, r)) = results.next().await {
            match r {
                Ok((resp, ft)) => {
                    totals.fetched += 1;
                    let content_type = resp
                        .headers
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    let document = Document {
                        work_id,
                        source: Source::EuropePmc,
                        kind: DocumentKind::EuropePmcFullText,
                        origin: FULL_TEXT_ORIGIN,
                        url,
                        final_url: None,
                        status: Some(resp.status),
                        content_type,
                        sha256: Some(format!("{:x}", sha2::Sha256::digest(&resp.body))),
                        bytes: Some(resp.body.len()),
                        error: None,
                        texts: ft
                            .funding_texts()
                            .into_iter()
                            .map(|(sec, t)| (sec.to_string(), t))
                            .collect(),
                    };
                    let record = full_text_record(&doi, &ft).map(|r| (Source::FullText, r));
                    totals.changed += u64::from(self.sink.document(document, record).await?);
                }
                Err(e @ crate::Error::Status { .. }) => {
                    // 404 and other refusals are final for this record: remember, do not ask again.
                    totals.unavailable += 1;
                    let document = Document::unavailable(
                        work_id,
                        Source::EuropePmc,
                        DocumentKind::EuropePmcFullText,
                        FULL_TEXT_ORIGIN,
                        url,
                        e.to_string(),
                    );
                    self.sink.document(document, None).await?;
                }
                Err(
                    e
                    @ (crate::Error::BudgetExhausted { .. } | crate::Error::BackOffTooLong { .. }),
                ) => {
                    return Err(e);
                }
                Err(e) => {
                    // Transient after retries (or a body that never parsed): recorded, and the
                    // next run asks again.
                    totals.errors += 1;
                    let p =
                        Problem::new(Source::EuropePmc, ErrorKind::FullText, e.to_string()).at(url);
                    self.sink.problem(p).await?;
                }
            }
            (self.on_doc)(1);
        }
        Ok(totals)
    }
}

#[cfg(test)]
mod tests;
