//! A local imitation of the two USAspending endpoints xrefscan uses, built from the API
//! contracts in `tests/fixtures/usaspending/` (copied from fedspendingtransparency/usaspending-api):
//! `POST /api/v2/search/spending_by_award/` (filters.award_type_codes from one group only —
//! a mix is answered 422 as the real API does; `award_ids` matched exactly when quoted, as text
//! otherwise; `limit` ≤ 100; `page` with `page_metadata.hasNext`) and `GET
//! /api/v2/awards/{generated_internal_id}/`. It can inject 429s (with Retry-After) and 500
//! HTML pages, and answer slowly.

// Benches and the demo include this module by path, each using a part of it.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// One award the imitation knows.
#[derive(Debug, Clone)]
pub struct Award {
    /// As USAspending stores it: hyphens and spaces removed.
    pub number: String,
    /// `grant`, `contract` or `idv`.
    pub kind: &'static str,
    pub generated_id: String,
    pub obligation_cents: i64,
    pub base_and_all_options_cents: Option<i64>,
    pub recipient: String,
    pub parent_recipient: String,
    pub sub_agency: String,
    pub office: Option<String>,
}

impl Award {
    pub fn new(number: &str, kind: &'static str, cents: i64, recipient: &str) -> Award {
        let generated_id = match kind {
            "grant" => format!("ASST_NON_{number}_097"),
            "contract" => format!("CONT_AWD_{number}_9700_-NONE-_-NONE-"),
            _ => format!("CONT_IDV_{number}_9700"),
        };
        Award {
            number: number.to_string(),
            kind,
            generated_id,
            obligation_cents: cents,
            base_and_all_options_cents: (kind != "grant").then_some(cents * 2),
            recipient: recipient.to_string(),
            parent_recipient: format!("{recipient} (parent)"),
            sub_agency: sub_agency(number).to_string(),
            office: office(number).map(str::to_string),
        }
    }
}

/// The sub-tier agency of a DoD number, by its office prefix.
fn sub_agency(number: &str) -> &'static str {
    match &number[..number.len().min(2)] {
        "N0" => "Department of the Navy",
        "W9" | "W8" => "Department of the Army",
        "FA" => "Department of the Air Force",
        "HR" => "Defense Advanced Research Projects Agency",
        _ => "Department of Defense",
    }
}

/// ONR grants carry no office on USAspending grant records (SOURCES.md); others do.
fn office(number: &str) -> Option<&'static str> {
    match &number[..number.len().min(6)] {
        "FA9550" => Some("FA9550 AFRL AFOSR"),
        "W911NF" => Some("W911NF ARMY RSCH OFFICE"),
        "HR0011" => Some("HR0011 DARPA"),
        _ => None,
    }
}

const GRANTS: &[&str] = &["02", "03", "04", "05", "F001", "F002"];
const CONTRACTS: &[&str] = &["A", "B", "C", "D"];
const IDVS: &[&str] = &[
    "IDV_A", "IDV_B", "IDV_B_A", "IDV_B_B", "IDV_B_C", "IDV_C", "IDV_D", "IDV_E",
];
const LOANS: &[&str] = &["07", "08"];

fn group_of(code: &str) -> Option<&'static str> {
    if GRANTS.contains(&code) {
        Some("grant")
    } else if CONTRACTS.contains(&code) {
        Some("contract")
    } else if IDVS.contains(&code) {
        Some("idv")
    } else if LOANS.contains(&code) {
        Some("loan")
    } else {
        None
    }
}

/// What a test reads.
#[derive(Debug, Default)]
pub struct Counters {
    pub searches: AtomicU64,
    pub details: AtomicU64,
    /// Searches refused because they mixed award-type groups (a client bug).
    pub mixed_groups: AtomicU64,
    pub faults: AtomicU64,
    /// Every exact id searched, with its group: `grant:N000142112345`.
    pub asked: Mutex<Vec<String>>,
}

struct Imitation {
    awards: Arc<Vec<Award>>,
    counters: Arc<Counters>,
    /// Every n-th request is a 429 or a 500 (0: none).
    fault_every: u64,
    requests: AtomicU64,
    /// Results per page at most (the real API: `limit`, ≤ 100).
    page_cap: usize,
    delay: Duration,
    /// Refuse every search with this status (a broken server).
    refuse: Option<u16>,
    /// Award pages that are not JSON (as the contract's own assistance example).
    bad_pages: bool,
}

impl Imitation {
    fn fault(&self) -> Option<ResponseTemplate> {
        let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fault_every == 0 || !n.is_multiple_of(self.fault_every) {
            return None;
        }
        self.counters.faults.fetch_add(1, Ordering::SeqCst);
        Some(if (n / self.fault_every).is_multiple_of(2) {
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_raw(r#"{"detail":"Request was throttled."}"#, "application/json")
        } else {
            ResponseTemplate::new(500).set_body_raw(
                "<html><body><h1>Server Error (500)</h1></body></html>",
                "text/html",
            )
        })
    }

    fn search(&self, body: &Value) -> ResponseTemplate {
        let codes: Vec<&str> = body["filters"]["award_type_codes"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let groups: std::collections::BTreeSet<_> =
            codes.iter().filter_map(|c| group_of(c)).collect();
        if groups.len() != 1 {
            self.counters.mixed_groups.fetch_add(1, Ordering::SeqCst);
            return ResponseTemplate::new(422).set_body_json(json!({
                "detail": "'award_type_codes' must only contain types from one group."
            }));
        }
        let group = *groups.iter().next().unwrap();
        let limit = body["limit"].as_u64().unwrap_or(10);
        if limit > 100 {
            return ResponseTemplate::new(422)
                .set_body_json(json!({"detail": "Field 'limit' value '101' is above max '100'"}));
        }
        let page = body["page"].as_u64().unwrap_or(1).max(1) as usize;
        let ids: Vec<String> = body["filters"]["award_ids"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        {
            let mut asked = self.counters.asked.lock().unwrap();
            for id in &ids {
                asked.push(format!("{group}:{}", id.trim_matches('"')));
            }
        }
        let fields: Vec<&str> = body["fields"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut matching: Vec<&Award> = self
            .awards
            .iter()
            .filter(|a| a.kind == group)
            .filter(|a| {
                ids.iter().any(
                    |id| match id.strip_prefix('"').and_then(|i| i.strip_suffix('"')) {
                        Some(exact) => a.number == exact,
                        // Unquoted: the fuzzier full-text match.
                        None => a.number.contains(id.as_str()),
                    },
                )
            })
            .collect();
        matching.sort_by(|a, b| (&a.number, &a.generated_id).cmp(&(&b.number, &b.generated_id)));
        let per_page = (limit as usize).min(self.page_cap).max(1);
        let start = (page - 1) * per_page;
        let results: Vec<Value> = matching
            .iter()
            .skip(start)
            .take(per_page)
            .enumerate()
            .map(|(i, a)| {
                let mut r = serde_json::Map::new();
                r.insert("internal_id".into(), json!(1000 + start + i));
                for f in &fields {
                    let v = match *f {
                        "Award ID" => json!(a.number),
                        "generated_internal_id" => json!(a.generated_id),
                        "Award Amount" => money(a.obligation_cents),
                        "Recipient Name" => json!(a.recipient),
                        // A child of a parent ends in -C, a recipient without one in -R.
                        "recipient_id" => json!(format!(
                            "{:08x}-{}",
                            a.recipient.len() * 7919 + a.number.len(),
                            if a.parent_recipient == a.recipient {
                                "R"
                            } else {
                                "C"
                            }
                        )),
                        "Awarding Agency" => json!("Department of Defense"),
                        "Awarding Sub Agency" => json!(a.sub_agency),
                        "Start Date" => json!("2021-09-01"),
                        "End Date" => json!("2026-08-31"),
                        "Last Modified Date" => json!("2025-11-02"),
                        _ => Value::Null,
                    };
                    r.insert((*f).to_string(), v);
                }
                Value::Object(r)
            })
            .collect();
        let has_next = start + per_page < matching.len();
        ResponseTemplate::new(200).set_body_json(json!({
            "spending_level": "awards",
            "limit": limit,
            "results": results,
            "page_metadata": {"page": page, "hasNext": has_next},
            "messages": [],
        }))
    }

    fn detail(&self, id: &str) -> ResponseTemplate {
        let Some(a) = self.awards.iter().find(|a| a.generated_id == id) else {
            return ResponseTemplate::new(404).set_body_json(json!({"detail": "No award found"}));
        };
        if self.bad_pages {
            return ResponseTemplate::new(200).set_body_raw(
                r#"{"id": 1, "funding_opportunity": {"number": "NOT APPLICABLE", "goals": : "NOT APPLICABLE"}}"#,
                "application/json",
            );
        }
        let category = match a.kind {
            "grant" => "grant",
            "contract" => "contract",
            _ => "idv",
        };
        ResponseTemplate::new(200).set_body_json(json!({
            "id": 70_000_000,
            "generated_unique_award_id": a.generated_id,
            "category": category,
            "type": if a.kind == "grant" { "04" } else { "D" },
            "type_description": if a.kind == "grant" { "PROJECT GRANT (B)" } else { "DEFINITIVE CONTRACT" },
            "fain": (a.kind == "grant").then(|| a.number.clone()),
            "piid": (a.kind != "grant").then(|| a.number.clone()),
            "total_obligation": money(a.obligation_cents),
            "base_and_all_options": a.base_and_all_options_cents.map(money),
            "awarding_agency": {
                "id": 1219,
                "has_agency_page": true,
                "toptier_agency": {"name": "Department of Defense", "code": "097", "abbreviation": "DOD"},
                "subtier_agency": {"name": a.sub_agency, "code": "9700"},
                "office_agency_name": a.office,
            },
            "recipient": {
                "recipient_name": a.recipient,
                "parent_recipient_name": a.parent_recipient,
            },
            "period_of_performance": {
                "start_date": "2021-09-01",
                "end_date": "2026-08-31",
                "last_modified_date": "2025-11-02 10:00:00",
            },
        }))
    }
}

/// An amount as the API writes it: a JSON number with cents.
fn money(cents: i64) -> Value {
    let text = format!("{}.{:02}", cents / 100, cents % 100);
    serde_json::from_str(&text).unwrap()
}

impl Respond for Imitation {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let resp = if let Some(fault) = self.fault() {
            fault
        } else if r.url.path() == "/api/v2/search/spending_by_award/" {
            self.counters.searches.fetch_add(1, Ordering::SeqCst);
            match (self.refuse, serde_json::from_slice::<Value>(&r.body)) {
                (Some(status), _) => ResponseTemplate::new(status)
                    .set_body_json(json!({"detail": "The request could not be processed."})),
                (None, Ok(body)) => self.search(&body),
                (None, Err(e)) => ResponseTemplate::new(400)
                    .set_body_json(json!({"detail": format!("JSON parse error - {e}")})),
            }
        } else if let Some(id) = r
            .url
            .path()
            .strip_prefix("/api/v2/awards/")
            .map(|p| p.trim_end_matches('/'))
        {
            self.counters.details.fetch_add(1, Ordering::SeqCst);
            self.detail(id)
        } else {
            ResponseTemplate::new(404).set_body_json(json!({"detail": "Not found."}))
        };
        resp.set_delay(self.delay)
    }
}

/// A running imitation.
pub struct UsaSpending {
    pub server: MockServer,
    pub counters: Arc<Counters>,
}

impl UsaSpending {
    pub fn url(&self) -> String {
        self.server.uri()
    }
}

/// How the imitation behaves.
#[derive(Debug, Clone, Copy)]
pub struct Behaviour {
    pub fault_every: u64,
    pub page_cap: usize,
    pub delay: Duration,
    pub refuse: Option<u16>,
    pub bad_pages: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            fault_every: 0,
            page_cap: 100,
            delay: Duration::ZERO,
            refuse: None,
            bad_pages: false,
        }
    }
}

pub async fn start(awards: Vec<Award>, behaviour: Behaviour) -> UsaSpending {
    let server = MockServer::start().await;
    let counters = Arc::new(Counters::default());
    Mock::given(method("POST"))
        .and(path_regex("^/api/v2/search/spending_by_award/$"))
        .respond_with(Imitation {
            awards: Arc::new(awards.clone()),
            counters: counters.clone(),
            fault_every: behaviour.fault_every,
            requests: AtomicU64::new(0),
            page_cap: behaviour.page_cap,
            delay: behaviour.delay,
            refuse: behaviour.refuse,
            bad_pages: behaviour.bad_pages,
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/api/v2/awards/.+"))
        .respond_with(Imitation {
            awards: Arc::new(awards),
            counters: counters.clone(),
            fault_every: behaviour.fault_every,
            requests: AtomicU64::new(1),
            page_cap: behaviour.page_cap,
            delay: behaviour.delay,
            refuse: None,
            bad_pages: behaviour.bad_pages,
        })
        .mount(&server)
        .await;
    UsaSpending { server, counters }
}

/// Award numbers in DoD's PIID grammar with the prefixes the imitated corpus uses.
pub fn dod_numbers_in(text: &str) -> Vec<String> {
    let re = regex::Regex::new(
        r"(?i)\b(N00014|W911NF|FA9550|HR0011|W81XWH)[- ]?(\d{2})[- ]?([0-9A-Z])[- ]?(\d{4})\b",
    )
    .unwrap();
    re.captures_iter(text)
        .map(|c| format!("{}{}{}{}", &c[1], &c[2], &c[3], &c[4]).to_ascii_uppercase())
        .collect()
}

/// What USAspending knows of `numbers`, decided by each number alone: most are grants, some
/// contracts or IDVs, some unknown, some shared by two awards (ambiguous).
pub fn ledger_for(numbers: &[String]) -> Vec<Award> {
    let mut out = Vec::new();
    for n in numbers {
        let h = n.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let cents = 5_000_000 + (h % 300_000_000) as i64 + 37;
        let recipient = [
            "UNIVERSITY OF MARYLAND",
            "MASSACHUSETTS INSTITUTE OF TECHNOLOGY",
            "STANFORD UNIVERSITY",
            "RAYTHEON COMPANY",
        ][(h >> 8) as usize % 4];
        // About half the recipients have no parent: the search says so (`-R`), and their
        // award page is not needed.
        let alone = |mut a: Award| {
            if (h >> 16) % 2 == 0 {
                a.parent_recipient = a.recipient.clone();
            }
            a
        };
        match h % 100 {
            0..=69 => out.push(alone(Award::new(n, "grant", cents, recipient))),
            70..=77 => out.push(alone(Award::new(n, "contract", cents, recipient))),
            78..=82 => out.push(alone(Award::new(n, "idv", cents, recipient))),
            83..=92 => {}
            _ => {
                out.push(Award::new(n, "grant", cents, recipient));
                let mut other =
                    Award::new(n, "grant", cents / 3, "GEORGIA TECH RESEARCH CORPORATION");
                other.generated_id = format!("ASST_NON_{n}_9700");
                out.push(other);
            }
        }
    }
    out
}
