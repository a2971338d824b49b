//! USAspending.gov: what an award number is worth and who received it. An award number is
//! searched exactly (`"N000142112345"` in double quotes) with `POST
//! /api/v2/search/spending_by_award/`, one award-type group per request as the API demands
//! (grants, then contracts, then IDVs, each asked only for the numbers the previous groups did
//! not find), many numbers per request and every page of the answer; a number found once is
//! read in full from its award page (`GET /api/v2/awards/{generated_internal_id}/`).
//!
//! Every answer is kept: found (with its amounts), not found (with the groups searched), or
//! ambiguous (with its candidates) — so nothing is asked twice. Amounts are read from the
//! JSON text into whole cents, never through a float.

use crate::error::{Error, Result};
use crate::model::{AwardStatus, ErrorKind, LedgerAward, Problem, Source, dollars_grouped};
use crate::sources::http::{Endpoint, HttpClient, Limits};
use futures::StreamExt;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;
use std::collections::HashMap;

/// Settings of the USAspending source.
#[derive(Debug, Clone)]
pub struct UsaSpendingConfig {
    pub base_url: String,
    /// Award numbers per search request.
    pub batch: usize,
}

impl UsaSpendingConfig {
    pub fn endpoint(&self, limits: Limits) -> Endpoint {
        Endpoint::new("usaspending", limits)
    }

    fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

/// An award-type group: one search request never mixes them (the API answers 422).
pub struct Group {
    /// What the ledger calls an award of this group.
    pub kind: &'static str,
    /// What a reader calls the group (`searched` lists these).
    pub name: &'static str,
    pub codes: &'static [&'static str],
    pub fields: &'static [&'static str],
}

/// The columns asked of grants and contracts (IDVs have no end date to ask for).
const FIELDS: &[&str] = &[
    "Award ID",
    "Recipient Name",
    "Award Amount",
    "Awarding Agency",
    "Awarding Sub Agency",
    "Start Date",
    "End Date",
    "Last Modified Date",
    "generated_internal_id",
    "recipient_id",
];

/// The groups an award number is searched in, in order: DoD research is mostly grants and
/// cooperative agreements, then contracts, then indefinite-delivery vehicles.
pub const GROUPS: [Group; 3] = [
    Group {
        kind: "grant",
        name: "grants",
        codes: &["02", "03", "04", "05", "F001", "F002"],
        fields: FIELDS,
    },
    Group {
        kind: "contract",
        name: "contracts",
        codes: &["A", "B", "C", "D"],
        fields: FIELDS,
    },
    Group {
        kind: "idv",
        name: "IDVs",
        codes: &[
            "IDV_A", "IDV_B", "IDV_B_A", "IDV_B_B", "IDV_B_C", "IDV_C", "IDV_D", "IDV_E",
        ],
        fields: &[
            "Award ID",
            "Recipient Name",
            "Award Amount",
            "Awarding Agency",
            "Awarding Sub Agency",
            "Start Date",
            "Last Modified Date",
            "generated_internal_id",
            "recipient_id",
        ],
    },
];

/// Results per search page (the API's cap).
const LIMIT: u64 = 100;

/// One search result.
#[derive(Debug, Clone, Deserialize)]
pub struct Hit {
    #[serde(rename = "Award ID")]
    pub award_id: Option<String>,
    pub generated_internal_id: Option<String>,
    #[serde(rename = "Recipient Name")]
    pub recipient: Option<String>,
    pub recipient_id: Option<String>,
    #[serde(rename = "Award Amount")]
    pub amount: Option<Box<RawValue>>,
    #[serde(rename = "Awarding Agency")]
    pub awarding_agency: Option<String>,
    #[serde(rename = "Awarding Sub Agency")]
    pub awarding_sub_agency: Option<String>,
    #[serde(rename = "Start Date")]
    pub start: Option<String>,
    #[serde(rename = "End Date")]
    pub end: Option<String>,
    #[serde(rename = "Last Modified Date")]
    pub last_modified: Option<String>,
}

#[derive(Deserialize)]
struct SearchPage {
    results: Vec<Hit>,
    page_metadata: Option<PageMetadata>,
}

#[derive(Deserialize)]
struct PageMetadata {
    #[serde(rename = "hasNext")]
    has_next: Option<bool>,
}

/// Parse a search answer; anything that is not one is an error (retried as a cut body).
pub fn parse_search(body: &[u8]) -> std::result::Result<(Vec<Hit>, bool), String> {
    let p: SearchPage = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let more = p.page_metadata.and_then(|m| m.has_next).unwrap_or(false);
    Ok((p.results, more))
}

/// An amount as the JSON wrote it, in whole cents (`61241.34` → 6124134); `None` for null or
/// anything that is not a number.
pub fn cents(raw: &RawValue) -> Option<i64> {
    let text = raw.get().trim();
    if text == "null" {
        return None;
    }
    let d = rust_decimal::Decimal::from_str_exact(text)
        .or_else(|_| rust_decimal::Decimal::from_scientific(text))
        .ok()?;
    (d * rust_decimal::Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
}

/// An award number as USAspending shows it, in the ledger's canonical form.
pub fn canonical(award_id: &str) -> String {
    award_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[derive(Deserialize)]
struct Agency {
    toptier_agency: Option<Named>,
    subtier_agency: Option<Named>,
    office_agency_name: Option<String>,
}

#[derive(Deserialize)]
struct Named {
    name: Option<String>,
}

#[derive(Deserialize)]
struct Recipient {
    recipient_name: Option<String>,
    parent_recipient_name: Option<String>,
}

#[derive(Deserialize)]
struct Period {
    start_date: Option<String>,
    end_date: Option<String>,
    last_modified_date: Option<String>,
}

#[derive(Deserialize)]
struct AwardPage {
    generated_unique_award_id: Option<String>,
    type_description: Option<String>,
    total_obligation: Option<Box<RawValue>>,
    base_and_all_options: Option<Box<RawValue>>,
    awarding_agency: Option<Agency>,
    recipient: Option<Recipient>,
    period_of_performance: Option<Period>,
}

/// Fill a found award from its award page (the search result gave the rest).
pub fn read_award_page(award: &mut LedgerAward, body: &[u8]) -> std::result::Result<(), String> {
    let p: AwardPage = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if let Some(id) = p.generated_unique_award_id {
        award.usaspending_id = Some(id);
    }
    award.type_description = p.type_description.or(award.type_description.take());
    if let Some(c) = p.total_obligation.as_deref().and_then(cents) {
        award.total_obligation_cents = Some(c);
    }
    award.base_and_all_options_cents = p.base_and_all_options.as_deref().and_then(cents);
    if let Some(a) = p.awarding_agency {
        award.awarding_agency = a
            .toptier_agency
            .and_then(|t| t.name)
            .or(award.awarding_agency.take());
        award.awarding_sub_agency = a
            .subtier_agency
            .and_then(|t| t.name)
            .or(award.awarding_sub_agency.take());
        award.awarding_office = a.office_agency_name;
    }
    if let Some(r) = p.recipient {
        award.recipient = r.recipient_name.or(award.recipient.take());
        award.parent_recipient = r.parent_recipient_name;
    }
    if let Some(pp) = p.period_of_performance {
        award.period_start = pp.start_date.or(award.period_start.take());
        award.period_end = pp.end_date.or(award.period_end.take());
        award.last_modified = pp.last_modified_date.or(award.last_modified.take());
    }
    award.raw = Some(String::from_utf8_lossy(body).into_owned());
    Ok(())
}

/// The resolver: the HTTP client and this source's endpoint.
pub struct Resolver<'a> {
    pub http: &'a HttpClient,
    pub ep: &'a Endpoint,
    pub cfg: &'a UsaSpendingConfig,
}

impl Resolver<'_> {
    /// Every result of one group's exact search for `ids`, all pages.
    pub async fn search(&self, group: &Group, ids: &[String]) -> Result<Vec<Hit>> {
        let url = format!("{}/api/v2/search/spending_by_award/", self.cfg.base());
        let quoted: Vec<String> = ids.iter().map(|i| format!("\"{i}\"")).collect();
        let mut out = Vec::new();
        for page in 1.. {
            let body = json!({
                "subawards": false,
                "limit": LIMIT,
                "page": page,
                "sort": "Award ID",
                "order": "asc",
                "filters": {
                    "award_type_codes": group.codes,
                    "award_ids": quoted,
                },
                "fields": group.fields,
            });
            let (_, (hits, more)) = self
                .http
                .post_json(self.ep, &url, &body, parse_search)
                .await?;
            let n = hits.len();
            out.extend(hits);
            if !more || n == 0 {
                break;
            }
        }
        Ok(out)
    }

    /// Search for `ids` (canonical numbers): one answer for each, with what the search
    /// results say (amount, recipient, agency, dates). [`Resolver::read_pages`] adds the rest.
    pub async fn resolve(&self, ids: &[String]) -> Result<Vec<LedgerAward>> {
        let mut hits: HashMap<&str, Vec<(&'static Group, Hit)>> = HashMap::new();
        let mut searched: HashMap<&str, Vec<String>> = HashMap::new();
        let mut left: Vec<String> = ids.to_vec();
        for group in &GROUPS {
            if left.is_empty() {
                break;
            }
            for id in &left {
                if let Some(k) = ids.iter().find(|i| *i == id) {
                    searched.entry(k).or_default().push(group.name.to_string());
                }
            }
            for hit in self.search(group, &left).await? {
                let Some(id) = hit.award_id.as_deref().map(canonical) else {
                    continue;
                };
                // An exact search can still answer with a number written differently.
                if let Some(k) = ids.iter().find(|i| **i == id) {
                    hits.entry(k.as_str()).or_default().push((group, hit));
                }
            }
            left.retain(|i| !hits.contains_key(i.as_str()));
        }
        let mut answers = Vec::with_capacity(ids.len());
        for id in ids {
            let mut found: Vec<(&Group, Hit)> = hits.remove(id.as_str()).unwrap_or_default();
            found.sort_by(|a, b| a.1.generated_internal_id.cmp(&b.1.generated_internal_id));
            found.dedup_by(|a, b| a.1.generated_internal_id == b.1.generated_internal_id);
            let mut a = LedgerAward::bare(id, AwardStatus::NotFound);
            a.searched = searched.remove(id.as_str()).unwrap_or_default();
            match found.len() {
                0 => {}
                1 => {
                    let (group, hit) = found.remove(0);
                    a.status = AwardStatus::Found;
                    a.award_type = Some(group.kind.to_string());
                    a.usaspending_id = hit.generated_internal_id.clone();
                    a.total_obligation_cents = hit.amount.as_deref().and_then(cents);
                    a.awarding_agency = hit.awarding_agency;
                    a.awarding_sub_agency = hit.awarding_sub_agency;
                    a.recipient = hit.recipient;
                    a.recipient_id = hit.recipient_id;
                    a.period_start = hit.start;
                    a.period_end = hit.end;
                    a.last_modified = hit.last_modified;
                }
                _ => {
                    a.status = AwardStatus::Ambiguous;
                    a.candidates = found
                        .iter()
                        .map(|(g, h)| {
                            format!(
                                "{} ({}) — {} — {}",
                                h.generated_internal_id.as_deref().unwrap_or("?"),
                                g.kind,
                                h.recipient.as_deref().unwrap_or("unknown recipient"),
                                h.amount
                                    .as_deref()
                                    .and_then(cents)
                                    .map(dollars_grouped)
                                    .unwrap_or_else(|| "no amount".into())
                            )
                        })
                        .collect();
                }
            }
            answers.push(a);
        }
        Ok(answers)
    }

    /// Read the award pages of found awards (up to the in-flight cap): base and all options,
    /// office, parent recipient, the period as the page gives it. A page that is gone or
    /// unreadable leaves what the search said, marks the page as read (`raw` empty) so it is
    /// not asked again, and comes back as a problem.
    pub async fn read_pages(&self, awards: &mut [LedgerAward]) -> Result<Vec<Problem>> {
        let fetches: Vec<_> = awards
            .iter()
            .enumerate()
            .filter_map(|(i, a)| Some((i, a.usaspending_id.clone()?)))
            .map(|(i, id)| {
                let url = format!("{}/api/v2/awards/{id}/", self.cfg.base());
                async move {
                    let r = self
                        .http
                        // Parsed inside the retry loop: a body cut short is asked again.
                        .get_json(self.ep, &url, |b| {
                            serde_json::from_slice::<serde_json::Value>(b)
                                .map(|_| b.to_vec())
                                .map_err(|e| e.to_string())
                        })
                        .await;
                    (i, url, r)
                }
            })
            .collect();
        let mut fetched = futures::stream::iter(fetches).buffer_unordered(self.ep.concurrency());
        let mut problems = Vec::new();
        while let Some((i, url, r)) = fetched.next().await {
            let why = match r.map(|(_, body)| read_award_page(&mut awards[i], &body)) {
                Ok(Ok(())) => continue,
                Ok(Err(message)) => message,
                Err(
                    e @ (Error::Status { status: 404, .. }
                    | Error::NotJson { .. }
                    | Error::Decode { .. }),
                ) => e.to_string(),
                Err(e) => return Err(e),
            };
            awards[i].raw = Some(String::new());
            problems.push(Problem::new(Source::UsaSpending, ErrorKind::Decode, why).at(url));
        }
        Ok(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_string()).unwrap()
    }

    #[test]
    fn amounts_are_exact_cents() {
        assert_eq!(cents(&raw("61241.34")), Some(6124134));
        assert_eq!(cents(&raw("479.0")), Some(47900));
        assert_eq!(cents(&raw("2500000000")), Some(250000000000));
        assert_eq!(cents(&raw("0.1")), Some(10));
        assert_eq!(cents(&raw("-1234.5")), Some(-123450));
        assert_eq!(cents(&raw("1.5e3")), Some(150000));
        assert_eq!(cents(&raw("0.005")), Some(1));
        assert_eq!(cents(&raw("null")), None);
        assert_eq!(cents(&raw("\"12\"")), None);
    }

    #[test]
    fn usaspending_award_ids_compare_in_canonical_form() {
        assert_eq!(canonical("W911NF-17-2-0196"), "W911NF1720196");
        assert_eq!(canonical("hr00111320004"), "HR00111320004");
    }

    /// The response bodies of the API contract (`+ Body` blocks), in order.
    fn contract_examples() -> Vec<String> {
        let md = include_str!("../../tests/fixtures/usaspending/awards_award_id.md");
        let mut out = Vec::new();
        let mut lines = md.lines().peekable();
        while let Some(line) = lines.next() {
            if line.trim() != "+ Body" {
                continue;
            }
            let mut body = String::new();
            let mut depth = 0i32;
            for l in lines.by_ref() {
                if body.is_empty() && l.trim().is_empty() {
                    continue;
                }
                depth += l.matches('{').count() as i32 - l.matches('}').count() as i32;
                body.push_str(l);
                body.push('\n');
                if depth == 0 {
                    break;
                }
            }
            out.push(body);
        }
        out
    }

    #[test]
    fn the_contracts_own_award_pages_fill_an_award() {
        let examples = contract_examples();
        assert_eq!(examples.len(), 3, "contract, assistance, IDV");
        let mut contract = LedgerAward::bare("H907", AwardStatus::Found);
        read_award_page(&mut contract, examples[0].as_bytes()).unwrap();
        assert_eq!(contract.total_obligation_cents, Some(6124134));
        assert_eq!(contract.base_and_all_options_cents, Some(6124134));
        assert_eq!(
            contract.usaspending_id.as_deref(),
            Some("CONT_AWD_H907_9700_SPE2DX16D1500_9700")
        );
        assert_eq!(
            contract.awarding_sub_agency.as_deref(),
            Some("Defense Logistics Agency")
        );
        assert_eq!(
            contract.awarding_office.as_deref(),
            Some("DLA TROOP SUPPORT")
        );
        assert_eq!(
            contract.parent_recipient.as_deref(),
            Some("MCKESSON CORPORATION")
        );
        assert_eq!(contract.period_end.as_deref(), Some("2016-06-27"));
        // The contract's own assistance example is not JSON (`"goals": : "NOT APPLICABLE"`,
        // May 2026): a page like it is an error, never half-read.
        let mut grant = LedgerAward::bare("12FA00PY54661041", AwardStatus::Found);
        assert!(read_award_page(&mut grant, examples[1].as_bytes()).is_err());
        assert_eq!(grant.total_obligation_cents, None);
        let fixed = examples[1].replace("\"goals\": :", "\"goals\":");
        read_award_page(&mut grant, fixed.as_bytes()).unwrap();
        assert_eq!(grant.total_obligation_cents, Some(47900));
        assert_eq!(
            grant.base_and_all_options_cents, None,
            "null is no amount, not $0"
        );
        assert_eq!(grant.parent_recipient, None);
        assert_eq!(grant.recipient.as_deref(), Some("REDACTED DUE TO PII"));
        let mut idv = LedgerAward::bare("IDV", AwardStatus::Found);
        read_award_page(&mut idv, examples[2].as_bytes()).unwrap();
        assert_eq!(idv.total_obligation_cents, Some(0));
        assert!(idv.raw.is_some());
    }
}
