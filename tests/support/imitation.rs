//! A local imitation of Crossref and OpenAlex serving a generated corpus, with their limits
//! enforced: a sliding one-second request window and an in-flight cap per server; a request over
//! either is answered 429 and counted as a violation. Used by `tests/imitation.rs` and by
//! `cargo run --example imitation` (to try the tool by hand, as a new user would).
//!
//! The corpus is built from real shapes: Crossref items as the funder route returns them
//! (`funder[].DOI/name/award`, `author[].affiliation[].name`), OpenAlex works as the 2026 API
//! returns them (`authorships[].institutions[].country_code`, `countries`, raw strings,
//! `funders[]`). Affiliations are composed from institutions whose country is known, so every
//! work has a ground truth; the traps (China Lake, Taiwan "Republic of China", PLA universities
//! as funders, look-alike acronyms) are in the pools.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A deterministic generator (no dependency needed for test data).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() % 10_000) as f64 / 10_000.0 < p
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// (institution, place, country written, ISO code of where it really is)
const INSTITUTIONS: &[(&str, &str, &str, &str)] = &[
    ("Tsinghua University", "Beijing 100084", "China", "CN"),
    ("Zhejiang University", "Hangzhou 310027", "P.R. China", "CN"),
    (
        "Shanghai Jiao Tong University",
        "Shanghai 200240",
        "People's Republic of China",
        "CN",
    ),
    (
        "Harbin Institute of Technology",
        "Harbin 150001",
        "China",
        "CN",
    ),
    (
        "Northwestern Polytechnical University",
        "Xi'an 710072",
        "PR China",
        "CN",
    ),
    ("Sun Yat-sen University", "Guangzhou 510275", "", "CN"),
    (
        "University of Science and Technology of China",
        "Hefei 230026",
        "China",
        "CN",
    ),
    (
        "Institute of Physics, Chinese Academy of Sciences",
        "Beijing 100190",
        "China",
        "CN",
    ),
    ("Wuhan University", "Wuhan 430072", "China", "CN"),
    (
        "Nanjing University of Aeronautics and Astronautics",
        "Nanjing 210016",
        "China",
        "CN",
    ),
    (
        "Southern University of Science and Technology",
        "Shenzhen 518055",
        "",
        "CN",
    ),
    (
        "Duke Kunshan University",
        "Kunshan, Jiangsu 215316",
        "China",
        "CN",
    ),
    (
        "The Chinese University of Hong Kong, Shenzhen",
        "Shenzhen, Guangdong 518172",
        "China",
        "CN",
    ),
    (
        "Northwest University",
        "Xian, Shaanxi, 710127",
        "China",
        "CN",
    ),
    (
        "The Chinese University of Hong Kong",
        "Shatin, N.T.",
        "Hong Kong",
        "HK",
    ),
    (
        "The Hong Kong Polytechnic University",
        "Hung Hom, Kowloon",
        "Hong Kong SAR, China",
        "HK",
    ),
    ("City University of Hong Kong", "Kowloon", "Hong Kong", "HK"),
    ("University of Macau", "Taipa", "Macau SAR, China", "MO"),
    (
        "National Tsing Hua University",
        "Hsinchu 30013",
        "Taiwan",
        "TW",
    ),
    (
        "National Taiwan University",
        "Taipei 10617",
        "Taiwan, ROC",
        "TW",
    ),
    (
        "National Sun Yat-sen University",
        "Kaohsiung 80424",
        "Taiwan, Republic of China",
        "TW",
    ),
    ("China Medical University", "Taichung 40402", "Taiwan", "TW"),
    ("Academia Sinica", "Taipei 11529", "Taiwan, China", "TW"),
    (
        "Massachusetts Institute of Technology",
        "Cambridge, MA 02139",
        "USA",
        "US",
    ),
    ("University of Missouri", "Columbia, MO 65211", "USA", "US"),
    (
        "Naval Air Warfare Center Weapons Division",
        "China Lake, CA 93555",
        "USA",
        "US",
    ),
    ("Northeastern University", "Boston, MA 02115", "USA", "US"),
    (
        "US-China Institute, University of Southern California",
        "Los Angeles, CA 90089",
        "USA",
        "US",
    ),
    (
        "Sino Biological US Inc.",
        "Wayne, PA 19087",
        "United States",
        "US",
    ),
    ("University of Oxford", "Oxford OX1 3PU", "UK", "GB"),
    ("ETH Zurich", "8092 Zurich", "Switzerland", "CH"),
    ("The University of Tokyo", "Tokyo 113-8656", "Japan", "JP"),
    (
        "Czech Academy of Sciences",
        "Prague",
        "Czech Republic",
        "CZ",
    ),
    (
        "National University of Singapore",
        "117542",
        "Singapore",
        "SG",
    ),
];

const DEPARTMENTS: &[&str] = &[
    "Department of Physics",
    "School of Materials Science and Engineering",
    "State Key Laboratory of Robotics and Systems",
    "Department of Electrical and Computer Engineering",
    "College of Chemistry",
    "Department of Mechanical Engineering",
];

/// (registry number, name as the publisher wrote it, award prefix)
const DOD_FUNDERS: &[(&str, &str, &str)] = &[
    ("100000183", "Army Research Office", "W911NF-{y}-1-{n}"),
    ("100000006", "Office of Naval Research", "N00014-{y}-1-{n}"),
    (
        "100000006",
        "DOD | United States Navy | Office of Naval Research",
        "N00014{y}1{n}",
    ),
    (
        "100000181",
        "Air Force Office of Scientific Research",
        "FA9550-{y}-1-{n}",
    ),
    ("100000181", "USAFOSR", "FA9550-{y}-1-{n}"),
    (
        "100000185",
        "Defense Advanced Research Projects Agency",
        "HR0011-{y}-C-{n}",
    ),
    (
        "100000005",
        "U.S. Department of Defense",
        "W81XWH-{y}-1-{n}",
    ),
    ("100006754", "Army Research Laboratory", "W911NF-{y}-2-{n}"),
];

/// (registry number or "", name) of funders that are not DoD, traps included.
const OTHER_FUNDERS: &[(&str, &str)] = &[
    ("100000001", "National Science Foundation"),
    ("100000002", "National Institutes of Health"),
    (
        "501100001809",
        "National Natural Science Foundation of China",
    ),
    ("100000015", "U.S. Department of Energy"),
    ("501100012397", "Army Medical University"),
    ("501100016312", "Air Force Engineering University"),
    ("100000104", "National Aeronautics and Space Administration"),
    ("", "Australian Government Department of Defence"),
    ("", "Muscular Dystrophy Association"),
];

/// The OpenAlex id the imitation gives a registry number.
pub fn openalex_funder_id(registry: &str) -> String {
    format!("F9{registry}")
}

/// One generated work and its ground truth.
#[derive(Debug, Clone)]
pub struct SynthWork {
    pub doi: String,
    pub date: String,
    pub crossref: Value,
    pub openalex: Option<Value>,
    /// Registry numbers of DoD funders in the Crossref record.
    pub crossref_dod: bool,
    pub openalex_dod: bool,
    pub openalex_countries: Vec<String>,
    /// Ground truth: funded by DoD; has an author really located in CN/HK/MO.
    pub truth_dod: bool,
    pub truth_china: bool,
    pub truth_mainland: bool,
    /// Whether the China-based affiliation is visible to the tool at all (it may be only in an
    /// OpenAlex record that does not exist).
    pub china_visible: bool,
    pub dod_visible: bool,
    /// Acknowledgment text (Europe PMC full text and the publisher page carry it).
    pub ack: Option<String>,
    /// Whether the acknowledgment states DoD funding (ground truth).
    pub ack_dod: bool,
    /// The Europe PMC `core` record, when Europe PMC indexes the work.
    pub epmc: Option<Value>,
    /// Europe PMC has the open-access full text.
    pub open_access: bool,
    /// Raw affiliation strings by author, for pages and full text.
    pub affiliations: Vec<(String, String)>,
    /// The publisher's page shows the acknowledgment (not when it is only in a copy).
    pub page_ack: bool,
    /// The open-access copy OpenAlex points to, if any.
    pub copy: Option<CopyKind>,
}

/// What the open-access host serves for a work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyKind {
    /// A PDF whose last page holds the acknowledgment (hyphenated across lines).
    Pdf,
    /// A PDF whose funding is a first-page footnote, with no heading.
    PdfFootnote,
    /// A repository's HTML page with the acknowledgment.
    Html,
    /// Bytes that claim to be a PDF and are not one.
    BrokenPdf,
}

/// When a work reaches the indexes: registered (and indexed) on `registered`, weeks or months
/// after its publication date; its DoD funding deposited on `funding` (absent from its
/// records until then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Late {
    pub registered: String,
    pub funding: Option<String>,
    /// The day OpenAlex ingests the work (Crossref has it from `registered`).
    pub openalex: Option<String>,
    /// The day Europe PMC has its full text (its record is there from `registered`).
    pub full_text: Option<String>,
}

impl Corpus {
    fn today(&self) -> Option<String> {
        self.clock.lock().unwrap().clone()
    }

    /// Set the imitation's today.
    pub fn set_today(&self, day: &str) {
        *self.clock.lock().unwrap() = Some(day.to_string());
    }

    /// Whether the indexes know the work today.
    pub fn visible(&self, w: &SynthWork) -> bool {
        self.arrived(w, |l| Some(&l.registered))
    }

    /// Whether OpenAlex has the work today.
    pub fn in_openalex(&self, w: &SynthWork) -> bool {
        self.visible(w) && self.arrived(w, |l| l.openalex.as_ref())
    }

    /// Whether Europe PMC has the work's full text today.
    pub fn full_text_ready(&self, w: &SynthWork) -> bool {
        self.visible(w) && self.arrived(w, |l| l.full_text.as_ref())
    }

    /// Whether the day `when` picks out of the work's `Late` (none: it was always there) has
    /// come; without a clock everything has.
    fn arrived(&self, w: &SynthWork, when: impl Fn(&Late) -> Option<&String>) -> bool {
        match (self.today(), self.late.get(&w.doi).and_then(when)) {
            (Some(today), Some(day)) => *day <= today,
            _ => true,
        }
    }

    /// Make every fifth work registered 20–80 days after publication, and every fourth
    /// DoD-funded one get its funding deposited 30–90 days after registration: what the
    /// scheduled-scan test and benchmark replay. Returns how many of each.
    pub fn make_late(&mut self) -> (usize, usize) {
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let (mut late, mut late_funding) = (0, 0);
        for (i, w) in self.works.iter().enumerate() {
            let published = day(&w.date);
            let registered = if i % 5 == 0 {
                published + chrono::Days::new(20 + (i as u64 * 7) % 60)
            } else {
                published
            };
            let funding = ((w.crossref_dod || w.openalex_dod) && i % 4 == 1)
                .then(|| registered + chrono::Days::new(30 + (i as u64 * 13) % 60));
            late += usize::from(registered != published);
            late_funding += usize::from(funding.is_some());
            if registered != published || funding.is_some() {
                self.late.insert(
                    w.doi.clone(),
                    Late {
                        registered: registered.to_string(),
                        funding: funding.map(|d| d.to_string()),
                        openalex: None,
                        full_text: None,
                    },
                );
            }
        }
        (late, late_funding)
    }

    fn funding_missing(&self, w: &SynthWork) -> bool {
        match (self.today(), self.late.get(&w.doi)) {
            (
                Some(today),
                Some(Late {
                    funding: Some(f), ..
                }),
            ) => *f > today,
            _ => false,
        }
    }

    /// The day the work's records were last indexed, as of today (a work that is not late
    /// was indexed on its publication day).
    fn index_date(&self, w: &SynthWork) -> String {
        let Some(l) = self.late.get(&w.doi) else {
            return w.date.clone();
        };
        let today = self.today().unwrap_or_else(|| "9999-12-31".into());
        match &l.funding {
            Some(f) if *f <= today && *f > l.registered => f.clone(),
            _ => l.registered.clone(),
        }
    }

    fn indexed_from(&self, w: &SynthWork, from: Option<&str>) -> bool {
        from.is_none_or(|d| self.index_date(w).as_str() >= d)
    }

    /// The work's Crossref record as of today.
    pub fn crossref_of<'a>(&self, w: &'a SynthWork) -> std::borrow::Cow<'a, Value> {
        if !self.funding_missing(w) {
            return std::borrow::Cow::Borrowed(&w.crossref);
        }
        let mut r = w.crossref.clone();
        if let Some(f) = r["funder"].as_array_mut() {
            f.retain(|f| {
                !DOD_FUNDERS.iter().any(|(reg, _, _)| {
                    f["DOI"].as_str() == Some(format!("10.13039/{reg}").as_str())
                })
            });
        }
        std::borrow::Cow::Owned(r)
    }

    /// The work's OpenAlex record as of today.
    pub fn openalex_of(&self, w: &SynthWork) -> Option<Value> {
        let mut r = w.openalex.clone()?;
        if self.funding_missing(w)
            && let Some(f) = r["funders"].as_array_mut()
        {
            f.retain(|f| {
                !DOD_FUNDERS.iter().any(|(reg, _, _)| {
                    f["id"]
                        .as_str()
                        .is_some_and(|id| id.ends_with(&openalex_funder_id(reg)))
                })
            });
        }
        Some(r)
    }
}

/// The placeholder open-access URLs carry until the open-access host is running.
pub const OA_PLACEHOLDER: &str = "http://oa.placeholder";

impl SynthWork {
    /// What a correct tool flags from Crossref and OpenAlex.
    pub fn should_flag(&self) -> bool {
        self.truth_dod && self.truth_china && self.china_visible && self.dod_visible
    }

    /// What a correct tool flags with all four sources, where `aff_terms` are the words Europe
    /// PMC's affiliation search is given.
    pub fn should_flag_all_sources(&self, aff_terms: &[String]) -> bool {
        if self.ack.is_some() {
            // Found only if Europe PMC's affiliation search can see the China link.
            let searchable = self
                .affiliations
                .iter()
                .any(|(_, a)| aff_terms.iter().any(|t| a.contains(t.as_str())));
            self.ack_dod && self.truth_china && searchable
        } else {
            // Metadata-funded works; a page shows the affiliations metadata lacked.
            self.should_flag()
                || (self.truth_dod && self.truth_china && self.crossref_dod && !self.china_visible)
        }
    }
}

/// The corpus.
pub struct Corpus {
    pub works: Vec<SynthWork>,
    /// The imitation's today (`None`: everything is there, as it is today). With a clock,
    /// works in `late` appear on their day and their DoD funding on its own.
    pub clock: Mutex<Option<String>>,
    /// Works that arrive late, by DOI.
    pub late: HashMap<String, Late>,
    /// The open-access host's base URL, once it runs (OpenAlex answers carry it).
    pub oa_base: std::sync::OnceLock<String>,
}

fn date_in(rng: &mut Rng, from: chrono::NaiveDate, to: chrono::NaiveDate) -> chrono::NaiveDate {
    let span = (to - from).num_days().max(0) as usize;
    from + chrono::Days::new(rng.below(span + 1) as u64)
}

/// Generate `n` works published between `from` and `to`.
pub fn generate(n: usize, seed: u64, from: chrono::NaiveDate, to: chrono::NaiveDate) -> Corpus {
    let mut rng = Rng(seed | 1);
    let china_idx: Vec<usize> = (0..INSTITUTIONS.len())
        .filter(|&i| matches!(INSTITUTIONS[i].3, "CN" | "HK" | "MO"))
        .collect();
    let other_idx: Vec<usize> = (0..INSTITUTIONS.len())
        .filter(|&i| !matches!(INSTITUTIONS[i].3, "CN" | "HK" | "MO"))
        .collect();
    let mut works = Vec::with_capacity(n);
    for i in 0..n {
        let doi = format!("10.99999/imitation.{i:05}");
        let d = date_in(&mut rng, from, to);
        let date = d.format("%Y-%m-%d").to_string();
        let yy = d.format("%y").to_string();
        // Funding.
        let dod_kind = rng.below(100);
        let mut cr_funders = Vec::new();
        let mut oa_funders = Vec::new();
        let (mut crossref_dod, mut openalex_dod) = (false, false);
        if dod_kind < 45 {
            let (reg, name, pattern) = *rng.pick(DOD_FUNDERS);
            let award = pattern
                .replace("{y}", &yy)
                .replace("{n}", &format!("{:04}", rng.below(10_000)));
            cr_funders.push(json!({"DOI": format!("10.13039/{reg}"), "name": name, "doi-asserted-by": "publisher", "award": [award]}));
            oa_funders.push(json!({"id": format!("https://openalex.org/{}", openalex_funder_id(reg)), "display_name": name, "ror": null}));
            crossref_dod = true;
            openalex_dod = true;
        } else if dod_kind < 50 {
            // DoD only in OpenAlex's funder list (the publisher deposited no funding).
            let (reg, name, _) = *rng.pick(DOD_FUNDERS);
            oa_funders.push(json!({"id": format!("https://openalex.org/{}", openalex_funder_id(reg)), "display_name": name, "ror": null}));
            openalex_dod = true;
        }
        if rng.chance(0.6) {
            let (reg, name) = *rng.pick(OTHER_FUNDERS);
            let mut f = json!({"name": name, "doi-asserted-by": "publisher", "award": [format!("{}", 100_000 + rng.below(900_000))]});
            if !reg.is_empty() {
                f["DOI"] = json!(format!("10.13039/{reg}"));
                oa_funders.push(json!({"id": format!("https://openalex.org/F8{reg}"), "display_name": name, "ror": null}));
            }
            cr_funders.push(f);
        }
        // Authors.
        let n_authors = 2 + rng.below(5);
        let has_china = rng.chance(0.35);
        let china_author = if has_china {
            rng.below(n_authors)
        } else {
            usize::MAX
        };
        let crossref_affs = rng.chance(0.6);
        let has_openalex = rng.chance(0.95);
        let (mut cr_authors, mut oa_authorships) = (Vec::new(), Vec::new());
        let mut countries_all = Vec::new();
        let (mut truth_china, mut truth_mainland) = (false, false);
        for a in 0..n_authors {
            let idx = if a == china_author {
                *rng.pick(&china_idx)
            } else {
                *rng.pick(&other_idx)
            };
            let (inst, place, country, code) = INSTITUTIONS[idx];
            truth_china |= matches!(code, "CN" | "HK" | "MO");
            truth_mainland |= code == "CN";
            let dept = rng.pick(DEPARTMENTS);
            let raw = if country.is_empty() {
                format!("{dept}, {inst}, {place}")
            } else {
                format!("{dept}, {inst}, {place}, {country}")
            };
            let (given, family) = (format!("Author{a}"), format!("Name{i}"));
            let affs = if crossref_affs {
                json!([{"name": raw}])
            } else {
                json!([])
            };
            cr_authors.push(json!({"given": given, "family": family, "sequence": if a == 0 {"first"} else {"additional"}, "affiliation": affs}));
            let inst_id = format!("https://openalex.org/I{}", 1000 + idx);
            countries_all.push(code.to_string());
            oa_authorships.push(json!({
                "author_position": if a == 0 {"first"} else if a + 1 == n_authors {"last"} else {"middle"},
                "author": {"id": format!("https://openalex.org/A{i}{a}"), "display_name": format!("{given} {family}"), "orcid": null},
                "institutions": [{"id": inst_id, "display_name": inst, "ror": null, "country_code": code, "type": "education", "lineage": [inst_id]}],
                "countries": [code],
                "is_corresponding": a == 0,
                "raw_author_name": format!("{given} {family}"),
                "raw_affiliation_strings": [raw],
                "affiliations": [{"raw_affiliation_string": raw, "institution_ids": [inst_id]}]
            }));
        }
        let title = format!("Imitation study {i} of defect dynamics");
        let crossref = json!({
            "DOI": doi, "title": [title], "container-title": ["Journal of Imitation"], "type": "journal-article",
            "issued": {"date-parts": [[d.format("%Y").to_string().parse::<i64>().unwrap(), d.format("%m").to_string().parse::<i64>().unwrap(), d.format("%d").to_string().parse::<i64>().unwrap()]]},
            "author": cr_authors, "funder": cr_funders
        });
        let openalex = has_openalex.then(|| {
            json!({
                "id": format!("https://openalex.org/W9{i:07}"), "doi": format!("https://doi.org/{doi}"),
                "title": title, "display_name": title, "publication_date": date, "type": "article",
                "primary_location": {"source": {"display_name": "Journal of Imitation"}},
                "authorships": oa_authorships, "funders": oa_funders, "awards": []
            })
        });
        let dod_visible = crossref_dod || (openalex_dod && has_openalex && truth_china);
        works.push(SynthWork {
            doi,
            date,
            crossref,
            openalex,
            crossref_dod,
            openalex_dod: openalex_dod && has_openalex,
            openalex_countries: if has_openalex {
                countries_all
            } else {
                Vec::new()
            },
            truth_dod: crossref_dod || openalex_dod,
            truth_china,
            truth_mainland,
            china_visible: crossref_affs || has_openalex,
            dod_visible,
            ack: None,
            ack_dod: false,
            epmc: None,
            open_access: false,
            affiliations: cr_authors
                .iter()
                .zip(oa_authorships.iter())
                .map(|(a, o)| {
                    (
                        format!(
                            "{} {}",
                            a["given"].as_str().unwrap(),
                            a["family"].as_str().unwrap()
                        ),
                        o["raw_affiliation_strings"][0]
                            .as_str()
                            .unwrap()
                            .to_string(),
                    )
                })
                .collect(),
            page_ack: true,
            copy: None,
        });
    }
    Corpus {
        works,
        oa_base: Default::default(),
        clock: Mutex::new(None),
        late: HashMap::new(),
    }
}

/// A record with only the fields of a Crossref `select` (all of them when there is none).
fn project(record: &Value, select: &str) -> Value {
    if select.is_empty() {
        return record.clone();
    }
    let mut out = serde_json::Map::new();
    for field in select.split(',') {
        if let Some(v) = record.get(field) {
            out.insert(field.to_string(), v.clone());
        }
    }
    Value::Object(out)
}

/// Limits a server enforces.
#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    pub per_second: usize,
    pub in_flight: usize,
    /// Artificial latency per response, so concurrency is real.
    pub latency: Duration,
}

/// Counters a test reads.
#[derive(Debug, Default)]
pub struct Counters {
    /// Per mille of admitted requests answered with a fault (429 with Retry-After, 503 HTML
    /// page, 500, a body cut mid-way, a stall past the client's timeout). 0: none.
    pub fault_per_mille: AtomicU64,
    pub faults_injected: AtomicU64,
    pub requests: AtomicU64,
    pub rate_violations: AtomicU64,
    pub concurrency_violations: AtomicU64,
    /// Requests that arrived while a `Retry-After` this server had sent was still running.
    pub inside_retry_after: AtomicU64,
    pub max_in_flight: AtomicUsize,
    /// Every request's path and query, in the order they came.
    pub log: Mutex<Vec<String>>,
}

impl Counters {
    /// The logged requests whose path and query contain `part`.
    pub fn requests_with(&self, part: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.contains(part))
            .cloned()
            .collect()
    }
}

struct Limiter {
    limits: ServerLimits,
    window: Mutex<std::collections::VecDeque<Instant>>,
    /// Until when the latest `Retry-After` asks clients to wait.
    retry_until: Mutex<Option<Instant>>,
    in_flight: AtomicUsize,
    counters: Arc<Counters>,
}

impl Limiter {
    /// Admit a request or say why not.
    fn admit(&self) -> Result<(), &'static str> {
        self.counters.requests.fetch_add(1, Ordering::SeqCst);
        if self
            .retry_until
            .lock()
            .unwrap()
            .is_some_and(|t| Instant::now() < t)
        {
            self.counters
                .inside_retry_after
                .fetch_add(1, Ordering::SeqCst);
        }
        let now_in = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.counters
            .max_in_flight
            .fetch_max(now_in, Ordering::SeqCst);
        if now_in > self.limits.in_flight {
            self.counters
                .concurrency_violations
                .fetch_add(1, Ordering::SeqCst);
            self.asked_to_wait();
            return Err("too many requests in flight");
        }
        let now = Instant::now();
        let mut w = self.window.lock().unwrap();
        while w
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            w.pop_front();
        }
        if w.len() >= self.limits.per_second {
            self.counters.rate_violations.fetch_add(1, Ordering::SeqCst);
            self.asked_to_wait();
            return Err("rate limit exceeded");
        }
        w.push_back(now);
        Ok(())
    }
    fn done(&self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
    /// A `Retry-After: 1` was sent.
    fn asked_to_wait(&self) {
        *self.retry_until.lock().unwrap() = Some(Instant::now() + Duration::from_secs(1));
    }
}

/// Serve `handler` on 127.0.0.1 with `limits` enforced (429 with `Retry-After: 1` beyond
/// them): a host of a test's own.
pub async fn serve_host(
    limits: ServerLimits,
    handler: impl Fn(&str, &HashMap<String, String>) -> (u16, Vec<(String, String)>, String)
    + Send
    + Sync
    + 'static,
) -> (String, Arc<Counters>) {
    serve(limits, Arc::new(handler)).await
}

type Handler = Arc<
    dyn Fn(&str, &HashMap<String, String>) -> (u16, Vec<(String, String)>, String) + Send + Sync,
>;

async fn serve(limits: ServerLimits, handler: Handler) -> (String, Arc<Counters>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counters = Arc::new(Counters::default());
    let limiter = Arc::new(Limiter {
        limits,
        window: Mutex::new(Default::default()),
        retry_until: Mutex::new(None),
        in_flight: AtomicUsize::new(0),
        counters: counters.clone(),
    });
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                break;
            };
            let (limiter, handler) = (limiter.clone(), handler.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let url = url::Url::parse(&format!("http://x{target}")).unwrap();
                limiter.counters.log.lock().unwrap().push(format!(
                    "{}?{}",
                    url.path(),
                    url.query().unwrap_or("")
                ));
                let query: HashMap<String, String> = url
                    .query_pairs()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                let mut cut = false;
                let (status, headers, body) = match limiter.admit() {
                    Err(why) => (
                        429,
                        vec![("Retry-After".into(), "1".into())],
                        format!("{{\"error\":\"{why}\"}}"),
                    ),
                    Ok(()) => {
                        tokio::time::sleep(limiter.limits.latency).await;
                        let c = &limiter.counters;
                        let n = c.requests.load(Ordering::SeqCst);
                        let roll = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54; // 0..1023
                        let p = c.fault_per_mille.load(Ordering::SeqCst);
                        if p > 0 && roll * 1000 / 1024 < p {
                            c.faults_injected.fetch_add(1, Ordering::SeqCst);
                            match n % 5 {
                                0 => (
                                    {
                                        limiter.asked_to_wait();
                                        429
                                    },
                                    vec![("Retry-After".into(), "1".into())],
                                    "{\"status\":\"error\",\"message\":\"slow down\"}".into(),
                                ),
                                1 => (
                                    503,
                                    vec![("Content-Type".into(), "text/html".into())],
                                    "<html><body><h1>503 Service Unavailable</h1></body></html>"
                                        .into(),
                                ),
                                2 => (
                                    500,
                                    vec![("Content-Type".into(), "text/plain".into())],
                                    "Internal Server Error".into(),
                                ),
                                3 => {
                                    cut = true;
                                    handler(url.path(), &query)
                                }
                                _ => {
                                    tokio::time::sleep(Duration::from_millis(2500)).await;
                                    handler(url.path(), &query)
                                }
                            }
                        } else {
                            handler(url.path(), &query)
                        }
                    }
                };
                let reason = match status {
                    200 => "OK",
                    404 => "Not Found",
                    429 => "Too Many Requests",
                    _ => "Error",
                };
                let content_type = headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| "application/json".into());
                let reason = if (300..400).contains(&status) {
                    "Found"
                } else {
                    reason
                };
                // A PDF's bytes were handed over as Latin-1 text: sent back as those bytes.
                let bytes: Vec<u8> = if content_type.contains("pdf") {
                    body.chars().map(|c| c as u32 as u8).collect()
                } else {
                    body.clone().into_bytes()
                };
                let mut resp = format!(
                    "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
                    bytes.len()
                );
                for (k, v) in headers {
                    if !k.eq_ignore_ascii_case("content-type") {
                        resp.push_str(&format!("{k}: {v}\r\n"));
                    }
                }
                resp.push_str("\r\n");
                let mut resp = resp.into_bytes();
                if cut {
                    // Announce the whole body, send half of it, hang up.
                    resp.extend_from_slice(&bytes[..bytes.len() / 2]);
                } else {
                    resp.extend_from_slice(&bytes);
                }
                let _ = sock.write_all(&resp).await;
                let _ = sock.shutdown().await;
                limiter.done();
            });
        }
    });
    (format!("http://{addr}"), counters)
}

/// The running imitation.
pub struct Imitation {
    pub crossref_url: String,
    pub openalex_url: String,
    pub crossref: Arc<Counters>,
    pub openalex: Arc<Counters>,
    /// OpenAlex list calls left before the daily budget is spent (u64::MAX: unlimited).
    pub openalex_budget_calls: Arc<AtomicU64>,
}

/// Crossref's limits for the polite pool (Dec 2025): 3 requests/s, 3 in flight.
pub const CROSSREF_POLITE: ServerLimits = ServerLimits {
    per_second: 3,
    in_flight: 3,
    latency: Duration::from_millis(600),
};

/// Start both servers over `corpus`.
pub async fn start(
    corpus: Arc<Corpus>,
    crossref_limits: ServerLimits,
    openalex_limits: ServerLimits,
) -> Imitation {
    let dod_record = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/crossref/funder_dod.synthetic.json"),
    )
    .unwrap();
    let dod_desc: Vec<String> = {
        let v: Value = serde_json::from_str(&dod_record).unwrap();
        v["message"]["descendants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap().to_string())
            .collect()
    };
    // Crossref scroll sessions: token → (position, last used). The same token comes back on
    // every page, as the real API does.
    let sessions: Arc<Mutex<HashMap<String, (usize, Instant)>>> = Default::default();
    let next_token = Arc::new(AtomicU64::new(1));
    let c = corpus.clone();
    let crossref: Handler = Arc::new(move |path, q| {
        if path == "/funders/10.13039/100000005" {
            return (200, vec![], dod_record.clone());
        }
        let filter = q.get("filter").cloned().unwrap_or_default();
        let get = |k: &str| {
            filter
                .split(',')
                .find_map(|p| p.strip_prefix(&format!("{k}:")).map(str::to_string))
        };
        let (from, until) = (
            get("from-pub-date").unwrap_or_default(),
            get("until-pub-date").unwrap_or("9999".into()),
        );
        let indexed = get("from-index-date");
        let matching: Vec<Value> = if path == "/works" {
            let dois: Vec<&str> = filter
                .split(',')
                .filter_map(|p| p.strip_prefix("doi:"))
                .collect();
            if !dois.is_empty() {
                // Full records by DOI.
                c.works
                    .iter()
                    .filter(|w| c.visible(w))
                    .filter(|w| dois.contains(&w.doi.as_str()))
                    .map(|w| c.crossref_of(w).into_owned())
                    .collect()
            } else if filter.contains("funder:10.13039/") {
                // Works naming any of the funders itself (the same filter given twice is an OR).
                let ids: Vec<&str> = filter
                    .split(',')
                    .filter_map(|p| p.strip_prefix("funder:"))
                    .collect();
                c.works
                    .iter()
                    .filter(|w| w.date >= from && w.date <= until)
                    .filter(|w| c.visible(w) && c.indexed_from(w, indexed.as_deref()))
                    .filter(|w| {
                        c.crossref_of(w)["funder"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|f| f["DOI"].as_str().is_some_and(|d| ids.contains(&d)))
                    })
                    .map(|w| c.crossref_of(w).into_owned())
                    .collect()
            } else if get("has-funder").as_deref() == Some("true") {
                // Every work with funder metadata, only the fields asked for.
                let select = q.get("select").cloned().unwrap_or_default();
                c.works
                    .iter()
                    .filter(|w| w.date >= from && w.date <= until)
                    .filter(|w| c.visible(w) && c.indexed_from(w, indexed.as_deref()))
                    .filter(|w| {
                        c.crossref_of(w)["funder"]
                            .as_array()
                            .is_some_and(|f| !f.is_empty())
                    })
                    .map(|w| project(&c.crossref_of(w), &select))
                    .collect()
            } else {
                return (400, vec![], r#"{"status":"failed","message-type":"validation-failure","message":[{"type":"filter-not-available","value":"","message":"This imitation answers funder, has-funder and doi filters only"}]}"#.into());
            }
        } else if let Some(funder) = path
            .strip_prefix("/funders/10.13039/")
            .and_then(|p| p.strip_suffix("/works"))
        {
            let family: Vec<String> = if funder == "100000005" {
                let mut f = dod_desc.clone();
                f.push("100000005".into());
                f
            } else {
                vec![funder.to_string()]
            };
            c.works
                .iter()
                .filter(|w| w.date >= from && w.date <= until)
                .filter(|w| c.visible(w) && c.indexed_from(w, indexed.as_deref()))
                .filter(|w| {
                    c.crossref_of(w)["funder"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|f| {
                            f["DOI"].as_str().is_some_and(|d| {
                                family.iter().any(|x| d == format!("10.13039/{x}"))
                            })
                        })
                })
                .map(|w| c.crossref_of(w).into_owned())
                .collect()
        } else {
            return (404, vec![], "Resource not found.".into());
        };
        let rows: usize = q.get("rows").and_then(|r| r.parse().ok()).unwrap_or(20);
        if rows > 1000 {
            return (400, vec![], r#"{"status":"failed","message-type":"validation-failure","message":[{"type":"integer-not-valid","value":"rows","message":"Integer specified as rows but must be a positive integer less than or equal to 1000. "}]}"#.into());
        }
        let cursor = q.get("cursor").cloned();
        let mut sess = sessions.lock().unwrap();
        let (token, start) = match cursor.as_deref() {
            Some("*") => {
                let t = format!("DnF1ZXJ5{}", next_token.fetch_add(1, Ordering::SeqCst));
                (Some(t), 0)
            }
            Some(t) => match sess.get(t) {
                Some((pos, used)) if used.elapsed() < Duration::from_secs(300) => {
                    (Some(t.to_string()), *pos)
                }
                _ => {
                    return (
                        404,
                        vec![],
                        format!(
                            r#"{{"status":"failed","message-type":"resource-failure","message":[{{"type":"cursor-invalid","value":"{t}","message":"Cursor specified but it is invalid"}}]}}"#
                        ),
                    );
                }
            },
            None => (None, 0),
        };
        let items: Vec<&Value> = matching.iter().skip(start).take(rows).collect();
        if let Some(t) = &token {
            sess.insert(t.clone(), (start + items.len(), Instant::now()));
        }
        let mut message = json!({"facets": {}, "total-results": matching.len(), "items": items, "items-per-page": rows, "query": {"start-index": 0, "search-terms": null}});
        if let Some(t) = token {
            message["next-cursor"] = json!(t);
        }
        let headers = vec![
            ("x-api-pool".into(), "polite".into()),
            ("x-rate-limit-limit".into(), "10".into()),
            ("x-rate-limit-interval".into(), "1s".into()),
            ("x-concurrency-limit".into(), "3".into()),
        ];
        (200, headers, json!({"status": "ok", "message-type": "work-list", "message-version": "1.0.0", "message": message}).to_string())
    });
    let (crossref_url, crossref_counters) = serve(crossref_limits, crossref).await;

    let budget = Arc::new(AtomicU64::new(u64::MAX));
    let b = budget.clone();
    let c = corpus.clone();
    let by_doi: Arc<HashMap<String, usize>> = Arc::new(
        c.works
            .iter()
            .enumerate()
            .map(|(i, w)| (w.doi.clone(), i))
            .collect(),
    );
    let openalex: Handler = Arc::new(move |path, q| {
        let left = b.load(Ordering::SeqCst);
        if left == 0 {
            return (
                429,
                vec![
                    ("x-ratelimit-remaining-usd".into(), "0".into()),
                    ("x-ratelimit-reset".into(), "3600".into()),
                ],
                r#"{"error":"Rate limit exceeded","message":"daily budget spent"}"#.into(),
            );
        }
        if left != u64::MAX {
            b.fetch_sub(1, Ordering::SeqCst);
        }
        let budget_headers = vec![
            ("x-ratelimit-limit-usd".into(), "1".into()),
            (
                "x-ratelimit-remaining-usd".into(),
                if left == u64::MAX {
                    "0.9".into()
                } else {
                    format!("{:.4}", (left - 1) as f64 * 0.0001)
                },
            ),
            ("x-ratelimit-cost-usd".into(), "0.0001".into()),
        ];
        let filter = q.get("filter").cloned().unwrap_or_default();
        if path == "/funders" {
            let ids = filter.strip_prefix("ids.crossref:").unwrap_or("");
            let results: Vec<Value> = ids
                .split('|')
                .filter(|s| !s.is_empty())
                .map(|r| json!({"id": format!("https://openalex.org/{}", openalex_funder_id(r)), "display_name": format!("Funder {r}"), "ids": {"crossref": r}}))
                .collect();
            return (
                200,
                budget_headers,
                json!({"meta": {"count": results.len()}, "results": results}).to_string(),
            );
        }
        if path != "/works" {
            return (404, vec![], r#"{"error":"Not found"}"#.into());
        }
        let per_page: usize = q
            .get("per_page")
            .and_then(|r| r.parse().ok())
            .unwrap_or(25)
            .min(200);
        if let Some(dois) = filter.strip_prefix("doi:") {
            let results: Vec<Value> = dois
                .split('|')
                .filter_map(|d| by_doi.get(d))
                .map(|&i| &c.works[i])
                .filter(|w| c.in_openalex(w))
                .filter_map(|w| c.openalex_of(w))
                .collect();
            let body = json!({"meta": {"count": results.len(), "per_page": per_page, "next_cursor": null}, "results": results}).to_string();
            return (200, budget_headers, with_oa_base(&c, body));
        }
        let parts: HashMap<&str, &str> = filter
            .split(',')
            .filter_map(|p| p.split_once(':'))
            .collect();
        let funders: Vec<&str> = parts
            .get("funders.id")
            .map(|s| s.split('|').collect())
            .unwrap_or_default();
        let countries: Vec<&str> = parts
            .get("authorships.countries")
            .map(|s| s.split('|').collect())
            .unwrap_or_default();
        let (from, to) = (
            parts.get("from_publication_date").copied().unwrap_or(""),
            parts.get("to_publication_date").copied().unwrap_or("9999"),
        );
        let matching: Vec<Value> = c
            .works
            .iter()
            .filter(|w| w.date.as_str() >= from && w.date.as_str() <= to)
            .filter(|w| c.in_openalex(w))
            .filter_map(|w| c.openalex_of(w).map(|o| (w, o)))
            .filter(|(_, o)| {
                funders.is_empty()
                    || o["funders"].as_array().unwrap().iter().any(|f| {
                        funders
                            .iter()
                            .any(|id| f["id"].as_str().unwrap().ends_with(id))
                    })
            })
            .filter(|(w, _)| {
                w.openalex_countries
                    .iter()
                    .any(|c| countries.contains(&c.as_str()))
            })
            .map(|(_, o)| o)
            .collect();
        let start = match q.get("cursor").map(String::as_str) {
            Some("*") | None => 0,
            Some(c) => c.trim_start_matches("oa").parse().unwrap_or(0),
        };
        let results: Vec<&Value> = matching.iter().skip(start).take(per_page).collect();
        let next = if results.is_empty() {
            Value::Null
        } else {
            json!(format!("oa{}", start + results.len()))
        };
        let body = json!({"meta": {"count": matching.len(), "per_page": per_page, "next_cursor": next}, "results": results}).to_string();
        (200, budget_headers, with_oa_base(&c, body))
    });
    let (openalex_url, openalex_counters) = serve(openalex_limits, openalex).await;
    Imitation {
        crossref_url,
        openalex_url,
        crossref: crossref_counters,
        openalex: openalex_counters,
        openalex_budget_calls: budget,
    }
}

/// OpenAlex answers name the open-access host by its real address once it runs.
fn with_oa_base(corpus: &Corpus, body: String) -> String {
    match corpus.oa_base.get() {
        Some(base) => body.replace(OA_PLACEHOLDER, base),
        None => body,
    }
}

/// A Europe PMC `core` record for a work.
fn epmc_record(w: &SynthWork, pmcid: &str, grants: Vec<Value>) -> Value {
    json!({
        "id": pmcid, "source": "PMC", "pmcid": pmcid, "doi": w.doi,
        "title": w.crossref["title"][0], "firstPublicationDate": w.date,
        "journalInfo": {"journal": {"title": "Journal of Imitation"}},
        "authorList": {"author": w.affiliations.iter().map(|(name, aff)| json!({
            "fullName": name,
            "authorAffiliationDetailsList": {"authorAffiliation": [{"affiliation": aff}]}
        })).collect::<Vec<_>>()},
        "grantsList": {"grant": grants},
        "isOpenAccess": if w.open_access {"Y"} else {"N"},
        "inEPMC": if w.open_access {"Y"} else {"N"}
    })
}

/// Add what only acknowledgments show: works whose DoD funding is stated only in their
/// acknowledgment (open access, so in Europe PMC full text, or only on the publisher page),
/// decoys whose acknowledgments name DoD bodies without funding (a thanked NRL colleague, the
/// disclaimer alone, plant defense), and Europe PMC records for some metadata-funded works.
pub fn add_text_sources(
    corpus: &mut Corpus,
    extra: usize,
    seed: u64,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) {
    let mut rng = Rng(seed | 1);
    let base = corpus.works.len();
    // Europe PMC indexes a fifth of the works funded in their metadata.
    for (i, w) in corpus.works.iter_mut().enumerate() {
        if w.crossref_dod && rng.chance(0.2) {
            w.open_access = rng.chance(0.5);
            let grants: Vec<Value> = w.crossref["funder"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| json!({"agency": f["name"], "grantId": f["award"][0]}))
                .collect();
            w.epmc = Some(epmc_record(w, &format!("PMC7{i:06}"), grants));
        }
    }
    let china_idx: Vec<usize> = (0..INSTITUTIONS.len())
        .filter(|&i| matches!(INSTITUTIONS[i].3, "CN" | "HK" | "MO"))
        .collect();
    let other_idx: Vec<usize> = (0..INSTITUTIONS.len())
        .filter(|&i| !matches!(INSTITUTIONS[i].3, "CN" | "HK" | "MO"))
        .collect();
    for k in 0..extra {
        let i = base + k;
        let doi = format!("10.99999/imitation.{i:05}");
        let d = date_in(&mut rng, from, to);
        let date = d.format("%Y-%m-%d").to_string();
        let yy = d.format("%y").to_string();
        let decoy = rng.chance(0.35);
        let (_, name, pattern) = *rng.pick(DOD_FUNDERS);
        let award = pattern
            .replace("{y}", &yy)
            .replace("{n}", &format!("{:04}", rng.below(10_000)));
        let ack = if decoy {
            match rng.below(3) {
                0 => "We thank Dr. J. Smith of the Naval Research Laboratory for helpful discussions. This work was funded by the National Natural Science Foundation of China (12074090).".to_string(),
                1 => "This work was funded by the National Natural Science Foundation of China (12074090). The views expressed are those of the authors and do not necessarily reflect the official policy of the Department of the Army.".to_string(),
                _ => "This work on plant defense and host defense was funded by the National Natural Science Foundation of China (31970000) and the Office of Naval Research Global workshop travel fund was not used.".replace(" and the Office of Naval Research Global workshop travel fund was not used", "").to_string(),
            }
        } else {
            let disclaimer = if rng.chance(0.3) {
                " The views expressed are those of the authors and not of the Department of Defense."
            } else {
                ""
            };
            format!(
                "This work was supported by the {name} under grant {award} and by the National Natural Science Foundation of China (12074090).{disclaimer}"
            )
        };
        let n_authors = 2 + rng.below(3);
        let has_china = rng.chance(0.7);
        let mut affiliations = Vec::new();
        let (mut truth_china, mut truth_mainland) = (false, false);
        for a in 0..n_authors {
            let idx = if has_china && a == 0 {
                *rng.pick(&china_idx)
            } else {
                *rng.pick(&other_idx)
            };
            let (inst, place, country, code) = INSTITUTIONS[idx];
            truth_china |= matches!(code, "CN" | "HK" | "MO");
            truth_mainland |= code == "CN";
            let raw = if country.is_empty() {
                format!("Department of Physics, {inst}, {place}")
            } else {
                format!("Department of Physics, {inst}, {place}, {country}")
            };
            affiliations.push((format!("Author{a} Name{i}"), raw));
        }
        let title = format!("Imitation study {i} of acknowledged funding");
        let crossref = json!({
            "DOI": doi, "title": [title], "container-title": ["Journal of Imitation"], "type": "journal-article",
            "issued": {"date-parts": [[d.format("%Y").to_string().parse::<i64>().unwrap(), d.format("%m").to_string().parse::<i64>().unwrap(), d.format("%d").to_string().parse::<i64>().unwrap()]]},
            "author": [], "funder": [{"DOI": "10.13039/501100001809", "name": "National Natural Science Foundation of China", "award": ["12074090"]}]
        });
        let mut w = SynthWork {
            doi,
            date,
            crossref,
            openalex: None,
            crossref_dod: false,
            openalex_dod: false,
            openalex_countries: Vec::new(),
            truth_dod: !decoy,
            truth_china,
            truth_mainland,
            china_visible: true,
            dod_visible: true,
            ack: Some(ack),
            ack_dod: !decoy,
            epmc: None,
            open_access: rng.chance(0.5),
            affiliations,
            page_ack: true,
            copy: None,
        };
        w.epmc = Some(epmc_record(
            &w,
            &format!("PMC8{i:06}"),
            vec![
                json!({"agency": "National Natural Science Foundation of China", "grantId": "12074090"}),
            ],
        ));
        corpus.works.push(w);
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The JATS full text Europe PMC serves for a work.
fn jats(w: &SynthWork) -> String {
    let mut contribs = String::new();
    let mut affs = String::new();
    for (i, (name, aff)) in w.affiliations.iter().enumerate() {
        let (given, surname) = name.split_once(' ').unwrap_or((name, ""));
        contribs.push_str(&format!("<contrib contrib-type=\"author\"><name><surname>{}</surname><given-names>{}</given-names></name><xref ref-type=\"aff\" rid=\"aff{i}\">{i}</xref></contrib>", esc(surname), esc(given)));
        let (text, country) = match aff.rsplit_once(", ") {
            Some((t, c)) if !c.chars().any(|ch| ch.is_ascii_digit()) => {
                (t.to_string(), Some(c.to_string()))
            }
            _ => (aff.clone(), None),
        };
        affs.push_str(&format!(
            "<aff id=\"aff{i}\"><label>{i}</label>{}{}</aff>",
            esc(&text),
            country
                .map(|c| format!(", <country>{}</country>", esc(&c)))
                .unwrap_or_default()
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><article><front><article-meta><article-id pub-id-type=\"doi\">{}</article-id><contrib-group>{contribs}{affs}</contrib-group></article-meta></front><body><sec><title>Methods</title><p>We measured things.</p></sec></body><back><ack><title>Acknowledgments</title><p>{}</p></ack></back></article>",
        esc(&w.doi),
        esc(w.ack.as_deref().unwrap_or(""))
    )
}

/// The publisher page of a work: Highwire tags and an acknowledgments section.
fn page(w: &SynthWork) -> String {
    let mut meta = format!(
        "<meta name=\"citation_doi\" content=\"{}\"><meta name=\"citation_title\" content=\"{}\">",
        esc(&w.doi),
        esc(w.crossref["title"][0].as_str().unwrap_or(""))
    );
    for (name, aff) in &w.affiliations {
        meta.push_str(&format!("<meta name=\"citation_author\" content=\"{}\"><meta name=\"citation_author_institution\" content=\"{}\">", esc(name), esc(aff)));
    }
    let ack = w
        .ack
        .as_deref()
        .filter(|_| w.page_ack)
        .map(|a| {
            format!(
                "<section class=\"ack\"><h2>Acknowledgments</h2><p>{}</p></section>",
                esc(a)
            )
        })
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html><html><head>{meta}</head><body><article><h1>Article</h1><p>Body.</p>{ack}</article></body></html>"
    )
}

/// The running Europe PMC, DOI resolver and publisher imitations.
pub struct TextImitation {
    pub europepmc_url: String,
    pub resolver_url: String,
    pub europepmc: Arc<Counters>,
    pub resolver: Arc<Counters>,
    pub publishers: Vec<Arc<Counters>>,
    /// The open-access host.
    pub open_access: Arc<Counters>,
}

/// Start Europe PMC (search with cursorMark, full text), a DOI resolver and two publisher hosts.
pub async fn start_text_sources(
    corpus: Arc<Corpus>,
    europepmc: ServerLimits,
    per_host: ServerLimits,
) -> TextImitation {
    start_text_sources_with_resolver(corpus, europepmc, per_host, per_host).await
}

/// The same, with the DOI resolver's own limits.
pub async fn start_text_sources_with_resolver(
    corpus: Arc<Corpus>,
    europepmc: ServerLimits,
    per_host: ServerLimits,
    resolver_limits: ServerLimits,
) -> TextImitation {
    let c = corpus.clone();
    let term = regex::Regex::new(r#"(?:GRANT_AGENCY|ACK_FUNDING|GRANT_ID):(?:"([^"]+)"|(\w+)\*)"#)
        .unwrap();
    let window = regex::Regex::new(r"FIRST_PDATE:\[(\S+) TO (\S+)\]").unwrap();
    let first_indexed = regex::Regex::new(r"FIRST_IDATE:\[(\S+) TO ([^\]\s]+)\]").unwrap();
    let aff_term = regex::Regex::new(r#"AFF:"([^"]+)""#).unwrap();
    let epmc: Handler = Arc::new(move |path, q| {
        if let Some(pmcid) = path
            .strip_prefix("/")
            .and_then(|p| p.strip_suffix("/fullTextXML"))
        {
            return match c.works.iter().find(|w| {
                w.open_access
                    && c.full_text_ready(w)
                    && (w.epmc.as_ref().is_some_and(|e| e["pmcid"] == pmcid)
                        || w.openalex.as_ref().is_some_and(|o| {
                            o["ids"]["pmcid"]
                                .as_str()
                                .is_some_and(|p| p.ends_with(&format!("/{pmcid}")))
                        }))
            }) {
                Some(w) => (
                    200,
                    vec![("Content-Type".into(), "application/xml".into())],
                    jats(w),
                ),
                None => (
                    404,
                    vec![("Content-Type".into(), "text/plain".into())],
                    "Not found".into(),
                ),
            };
        }
        if path != "/search" {
            return (404, vec![], "{}".into());
        }
        let query = q.get("query").cloned().unwrap_or_default();
        // A quoted phrase, or a prefix (`N00014*`) matched as the start of a word.
        let terms: Vec<String> = term
            .captures_iter(&query)
            .map(|m| {
                m.get(1)
                    .or(m.get(2))
                    .map_or(String::new(), |t| t.as_str().to_lowercase())
            })
            .collect();
        let places: Vec<String> = aff_term
            .captures_iter(&query)
            .map(|m| m[1].to_string())
            .collect();
        let (from, to) = window
            .captures(&query)
            .map(|m| (m[1].to_string(), m[2].to_string()))
            .unwrap_or_default();
        let indexed = first_indexed
            .captures(&query)
            .map(|m| (m[1].to_string(), m[2].to_string()));
        let matching: Vec<&Value> = c
            .works
            .iter()
            .filter(|w| w.date >= from && w.date <= to)
            .filter(|w| c.visible(w))
            .filter(|w| {
                indexed.as_ref().is_none_or(|(a, b)| {
                    let d = c.index_date(w);
                    d >= *a && d <= *b
                })
            })
            .filter_map(|w| w.epmc.as_ref().map(|e| (w, e)))
            .filter(|(w, e)| {
                let text = format!("{} {}", w.ack.as_deref().unwrap_or(""), e["grantsList"])
                    .to_lowercase();
                let china = w
                    .affiliations
                    .iter()
                    .any(|(_, a)| places.iter().any(|p| a.contains(p.as_str())));
                china && terms.iter().any(|t| text.contains(t.as_str()))
            })
            .map(|(_, e)| e)
            .collect();
        let size: usize = q
            .get("pageSize")
            .and_then(|s| s.parse().ok())
            .unwrap_or(25)
            .min(1000);
        let cursor = q.get("cursorMark").cloned().unwrap_or_else(|| "*".into());
        let offset: usize = cursor
            .strip_prefix("c")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let page: Vec<&Value> = matching.iter().skip(offset).take(size).copied().collect();
        let next = if offset + page.len() >= matching.len() {
            cursor.clone()
        } else {
            format!("c{}", offset + page.len())
        };
        (200, vec![], json!({"version": "6.9", "hitCount": matching.len(), "nextCursorMark": next, "resultList": {"result": page}}).to_string())
    });
    let (europepmc_url, europepmc_counters) = serve(europepmc, epmc).await;
    let mut publisher_urls = Vec::new();
    let mut publishers = Vec::new();
    for _ in 0..2 {
        let c = corpus.clone();
        let handler: Handler = Arc::new(move |path, _| {
            if path == "/robots.txt" {
                return (
                    200,
                    vec![("Content-Type".into(), "text/plain".into())],
                    "User-agent: *\nDisallow: /private/\n".into(),
                );
            }
            let suffix = path.strip_prefix("/article/").unwrap_or("");
            match c
                .works
                .iter()
                .find(|w| w.doi.ends_with(suffix) && !suffix.is_empty())
            {
                Some(w) => (
                    200,
                    vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
                    page(w),
                ),
                None => (
                    404,
                    vec![("Content-Type".into(), "text/html".into())],
                    "<html>Not found</html>".into(),
                ),
            }
        });
        let (url, counters) = serve(per_host, handler).await;
        publisher_urls.push(url);
        publishers.push(counters);
    }
    // The open-access host: repositories' PDFs and pages (OpenAlex's `best_oa_location`).
    let c = corpus.clone();
    let oa: Handler = Arc::new(move |path, _| {
        if path == "/robots.txt" {
            return (
                200,
                vec![("Content-Type".into(), "text/plain".into())],
                "User-agent: *\nAllow: /\n".into(),
            );
        }
        let suffix = path
            .strip_prefix("/pdf/")
            .and_then(|p| p.strip_suffix(".pdf"))
            .or_else(|| path.strip_prefix("/record/"))
            .unwrap_or("");
        let found = c
            .works
            .iter()
            .find(|w| !suffix.is_empty() && w.doi.ends_with(&format!("/{suffix}")))
            .and_then(copy_of);
        match found {
            // The handler answers text; a PDF's bytes go through as Latin-1 and are sent back
            // as the same bytes (see `serve`).
            Some((ct, body)) => (
                200,
                vec![("Content-Type".into(), ct.into())],
                body.iter().map(|&b| b as char).collect(),
            ),
            None => (
                404,
                vec![("Content-Type".into(), "text/html".into())],
                "<html>Not found</html>".into(),
            ),
        }
    });
    let (oa_url, oa_counters) = serve(per_host, oa).await;
    let _ = corpus.oa_base.set(oa_url);
    let resolver: Handler = Arc::new(move |path, _| {
        if path == "/robots.txt" {
            return (
                404,
                vec![("Content-Type".into(), "text/plain".into())],
                String::new(),
            );
        }
        let doi = path.trim_start_matches('/');
        let n: usize = doi
            .rsplit('.')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let host = &publisher_urls[n % publisher_urls.len()];
        (
            302,
            vec![
                (
                    "Location".into(),
                    format!("{host}/article/{}", doi.rsplit('/').next().unwrap_or("")),
                ),
                ("Content-Type".into(), "text/html".into()),
            ],
            String::new(),
        )
    });
    let (resolver_url, resolver_counters) = serve(resolver_limits, resolver).await;
    TextImitation {
        europepmc_url,
        resolver_url,
        europepmc: europepmc_counters,
        resolver: resolver_counters,
        publishers,
        open_access: oa_counters,
    }
}

/// DoD funders as publishers deposit them without a registry id.
const NAME_ONLY_DOD: &[(&str, &str)] = &[
    ("Office of Naval Research (ONR)", "N00014-{y}-1-{n}"),
    (
        "DOD | United States Navy | Office of Naval Research",
        "N00014{y}1{n}",
    ),
    ("US Army Research Office", "W911NF-{y}-1-{n}"),
    (
        "Air Force Office of Scientific Research (AFOSR)",
        "FA9550-{y}-1-{n}",
    ),
    ("Defense Threat Reduction Agency", "HDTRA1-{y}-1-{n}"),
    ("DARPA", "HR0011-{y}-2-{n}"),
    (
        "U.S. Army Medical Research and Development Command",
        "W81XWH-{y}-1-{n}",
    ),
];

/// Funder names that look like DoD and are not.
const NAME_ONLY_DECOYS: &[&str] = &[
    "Australian Government Department of Defence",
    "Ministry of National Defense of the Republic of Korea",
    "Department of Defense, Republic of Korea",
    "Army Medical University",
    "Muscular Dystrophy Association",
];

/// One author's affiliation as the hard cases write it: the raw string, the OpenAlex
/// institution (name, country code) when OpenAlex matched one, and where the author really is.
struct HardAffiliation {
    raw: String,
    openalex_institution: Option<(&'static str, &'static str)>,
    truth: &'static str,
    /// Whether the metadata shows where the author is at all.
    visible: bool,
}

/// The affiliation cases of the hard corpus.
fn hard_affiliation(rng: &mut Rng) -> HardAffiliation {
    match rng.below(7) {
        // Raw string only: no institution matched, no country code anywhere.
        0 => {
            let (inst, place) = *rng.pick(&[
                ("Harbin Institute of Technology", "Harbin 150001"),
                ("Sun Yat-sen University", "Guangzhou 510275"),
                ("Zhejiang University", "Hangzhou 310027"),
                (
                    "Nanjing University of Aeronautics and Astronautics",
                    "Nanjing 210016",
                ),
            ]);
            HardAffiliation {
                raw: format!("School of Materials Science, {inst}, {place}"),
                openalex_institution: None,
                truth: "CN",
                visible: true,
            }
        }
        // The US namesake, sometimes matched by OpenAlex to the one in Shenyang.
        1 => HardAffiliation {
            raw: rng
                .pick(&[
                    "Department of Physics, Northeastern University, Boston, MA 02115",
                    "NORTHEASTERN UNIVERSITY, BOSTON MA",
                    "Northeastern University, Boston, Massachusetts",
                ])
                .to_string(),
            openalex_institution: Some((
                "Northeastern University",
                if rng.chance(0.5) { "CN" } else { "US" },
            )),
            truth: "US",
            visible: true,
        },
        // The namesake in Shenyang, with only the city to say so.
        2 => HardAffiliation {
            raw: "School of Metallurgy, Northeastern University, Shenyang 110819".into(),
            openalex_institution: None,
            truth: "CN",
            visible: true,
        },
        // A namesake and nothing else: nobody can tell where it is.
        3 => HardAffiliation {
            raw: "Northeastern University".into(),
            openalex_institution: None,
            truth: "CN",
            visible: false,
        },
        // Southeast University, one in Nanjing and one in Dhaka.
        4 => {
            let (raw, truth) = *rng.pick(&[
                (
                    "School of Cyber Science, Southeast University, Nanjing 211189",
                    "CN",
                ),
                (
                    "Department of CSE, Southeast University, Dhaka 1208, Bangladesh",
                    "BD",
                ),
            ]);
            HardAffiliation {
                raw: raw.into(),
                openalex_institution: None,
                truth,
                visible: true,
            }
        }
        // A defense-linked institution with its code.
        5 => HardAffiliation {
            raw: "School of Astronautics, Beihang University, Beijing 100191, China".into(),
            openalex_institution: Some(("Beihang University", "CN")),
            truth: "CN",
            visible: true,
        },
        _ => HardAffiliation {
            raw: "Department of Chemistry, University of Missouri, Columbia, MO 65211".into(),
            openalex_institution: Some(("University of Missouri", "US")),
            truth: "US",
            visible: true,
        },
    }
}

/// Add `n` works with the cases a plain funder-id crawl misses: DoD funders named without a
/// registry id or given only by an award number (and decoys named like DoD), affiliations
/// visible only as raw strings, namesake institutions with and without location words, and
/// acknowledgments that give an award number alone. Each work carries its ground truth.
pub fn add_hard_cases(
    corpus: &mut Corpus,
    n: usize,
    seed: u64,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) {
    let mut rng = Rng(seed | 1);
    let base = corpus.works.len();
    for k in 0..n {
        let i = base + k;
        let doi = format!("10.99999/imitation.{i:05}");
        let d = date_in(&mut rng, from, to);
        let date = d.format("%Y-%m-%d").to_string();
        let yy = d.format("%y").to_string();
        let serial = format!("{:04}", rng.below(10_000));
        // Funding: by name only, by award only, a decoy name, or an award in the
        // acknowledgment alone.
        let kind = rng.below(10);
        let (name, pattern) = *rng.pick(NAME_ONLY_DOD);
        let award = pattern.replace("{y}", &yy).replace("{n}", &serial);
        let mut funders = Vec::new();
        let (mut truth_dod, mut ack) = (false, None);
        match kind {
            0..=3 => {
                funders.push(json!({"name": name, "award": [award]}));
                truth_dod = true;
            }
            4..=5 => {
                funders.push(json!({"award": [award]}));
                truth_dod = true;
            }
            6..=7 => {
                funders.push(json!({"name": rng.pick(NAME_ONLY_DECOYS), "award": ["2021-118"]}));
            }
            _ => {
                ack = Some(format!(
                    "This research was supported by grant {award}. We thank the staff for help."
                ));
                truth_dod = true;
            }
        }
        funders.push(json!({"DOI": "10.13039/501100001809", "name": "National Natural Science Foundation of China", "award": ["12074090"]}));
        // Authors: one of the hard cases, the others in the US or Europe.
        let hard = hard_affiliation(&mut rng);
        let others = [
            "Department of Physics, Massachusetts Institute of Technology, Cambridge, MA 02139, USA",
            "Department of Materials, University of Oxford, Oxford OX1 3PH, UK",
        ];
        let mut affiliations = vec![("Author0 Name".to_string(), hard.raw.clone())];
        for (a, o) in others.iter().enumerate().take(1 + rng.below(2)) {
            affiliations.push((format!("Author{} Name", a + 1), o.to_string()));
        }
        let crossref_affs = rng.chance(0.5);
        let cr_authors: Vec<Value> = affiliations
            .iter()
            .enumerate()
            .map(|(a, (_, raw))| {
                json!({"given": format!("Author{a}"), "family": format!("Hard{i}"),
                       "affiliation": if crossref_affs { json!([{"name": raw}]) } else { json!([]) }})
            })
            .collect();
        let oa_authorships: Vec<Value> = affiliations
            .iter()
            .enumerate()
            .map(|(a, (_, raw))| {
                let (inst, countries) = match (a, hard.openalex_institution) {
                    (0, Some((name, code))) => (
                        json!([{"id": format!("https://openalex.org/I7{}", name.len()), "display_name": name, "ror": null, "country_code": code}]),
                        json!([code]),
                    ),
                    (0, None) => (json!([]), json!([])),
                    _ => (
                        json!([{"id": "https://openalex.org/I63966007", "display_name": "Massachusetts Institute of Technology", "ror": null, "country_code": "US"}]),
                        json!(["US"]),
                    ),
                };
                json!({"author": {"id": format!("https://openalex.org/A8{i}{a}"), "display_name": format!("Author{a} Hard{i}")},
                       "institutions": inst, "countries": countries, "raw_affiliation_strings": [raw]})
            })
            .collect();
        let title = format!("Imitation study {i} of hard cases");
        let crossref = json!({
            "DOI": doi, "title": [title], "container-title": ["Journal of Hard Cases"], "type": "journal-article",
            "issued": {"date-parts": [[d.format("%Y").to_string().parse::<i64>().unwrap(), d.format("%m").to_string().parse::<i64>().unwrap(), d.format("%d").to_string().parse::<i64>().unwrap()]]},
            "author": cr_authors, "funder": funders,
        });
        let openalex = json!({
            "id": format!("https://openalex.org/W8{i:07}"), "doi": format!("https://doi.org/{doi}"),
            "title": title, "display_name": title, "publication_date": date, "type": "article",
            "primary_location": {"source": {"display_name": "Journal of Hard Cases"}},
            "authorships": oa_authorships, "funders": [], "awards": []
        });
        let truth_china = matches!(hard.truth, "CN" | "HK" | "MO");
        let mut w = SynthWork {
            doi,
            date,
            crossref,
            openalex: Some(openalex),
            crossref_dod: false,
            openalex_dod: false,
            openalex_countries: Vec::new(),
            truth_dod,
            truth_china,
            truth_mainland: hard.truth == "CN",
            china_visible: hard.visible,
            dod_visible: truth_dod,
            ack_dod: ack.is_some(),
            ack,
            epmc: None,
            open_access: false,
            affiliations,
            page_ack: true,
            copy: None,
        };
        if w.ack.is_some() {
            // Acknowledgment-only funding: in Europe PMC, open access, its grants list empty.
            w.open_access = true;
            w.epmc = Some(epmc_record(&w, &format!("PMC9{i:06}"), vec![]));
        }
        corpus.works.push(w);
    }
}

impl SynthWork {
    /// What a correct tool flags with every route, for the hard cases and the rest alike.
    pub fn should_flag_with_every_route(&self, aff_terms: &[String]) -> bool {
        let hard = self.crossref["container-title"][0] == "Journal of Hard Cases";
        match (hard, self.ack.is_some()) {
            (true, true) => self.should_flag_all_sources(aff_terms) && self.china_visible,
            (true, false) => {
                self.truth_dod && self.truth_china && self.dod_visible && self.china_visible
            }
            (false, _) => self.should_flag_all_sources(aff_terms),
        }
    }
}

/// Where an acknowledgment-only work's acknowledgment can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckMedium {
    /// Only on the publisher's page.
    Page,
    /// Only in an open-access PDF (the publisher's page has none).
    Pdf,
    /// Only in a first-page footnote of an open-access PDF.
    PdfFootnote,
    /// Only on a repository's HTML page.
    RepositoryPage,
    /// Only in a Europe PMC full text no search surfaces (its PMCID is in OpenAlex's `ids`).
    EuropePmcUnsurfaced,
    /// In Europe PMC without a full text; the acknowledgment is on the publisher's page.
    EuropePmcNoFullText,
    /// An open-access "PDF" that cannot be read; the publisher's page has the acknowledgment.
    BrokenPdfThenPage,
}

const MEDIA: &[AckMedium] = &[
    AckMedium::Page,
    AckMedium::Pdf,
    AckMedium::PdfFootnote,
    AckMedium::RepositoryPage,
    AckMedium::EuropePmcUnsurfaced,
    AckMedium::EuropePmcNoFullText,
    AckMedium::BrokenPdfThenPage,
];

/// Acknowledgments that name DoD bodies without DoD funding.
const ACK_DECOYS: &[&str] = &[
    "We thank Dr. J. Smith of the Naval Research Laboratory for helpful discussions. This work was funded by the National Natural Science Foundation of China (12074090).",
    "This work was funded by the National Natural Science Foundation of China (12074090). The views expressed are those of the authors and do not necessarily reflect the official policy of the Department of the Army.",
    "This research on plant defense and host defense responses was supported by the National Key R&D Program of China (2021YFA1200000).",
    "The authors thank the Army Research Laboratory for providing the open data set used in Section 3. Funded by the Shenzhen Science and Technology Program (JCYJ20220530).",
];

/// Acknowledgments that name no DoD body at all.
const ACK_PLAIN: &[&str] = &[
    "This work was supported by the National Natural Science Foundation of China (62071234) and the Fundamental Research Funds for the Central Universities.",
    "We acknowledge support from the Research Grants Council of Hong Kong (17200021) and thank the reviewers for their comments.",
    "The authors are grateful to the Beijing Natural Science Foundation (Z210001) for financial support.",
];

/// Add China-linked works whose DoD funding is written only in their acknowledgment, in
/// every place one can be read, no index marking them DoD-funded; decoys that name DoD bodies
/// without funding; and China-linked works with plain acknowledgments, the sweep's bulk. Half
/// have a US-based coauthor. Every one has an OpenAlex record with its countries (the sweep
/// finds it) and a Crossref record naming only a Chinese funder.
pub fn add_ack_only_cases(
    corpus: &mut Corpus,
    n: usize,
    seed: u64,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) {
    let mut rng = Rng(seed | 1);
    let base = corpus.works.len();
    let china_idx: Vec<usize> = (0..INSTITUTIONS.len())
        .filter(|&i| matches!(INSTITUTIONS[i].3, "CN" | "HK" | "MO"))
        .collect();
    let us_idx: Vec<usize> = (0..INSTITUTIONS.len())
        .filter(|&i| INSTITUTIONS[i].3 == "US")
        .collect();
    let other_idx: Vec<usize> = (0..INSTITUTIONS.len())
        .filter(|&i| !matches!(INSTITUTIONS[i].3, "CN" | "HK" | "MO" | "US" | "TW"))
        .collect();
    for k in 0..n {
        let i = base + k;
        let doi = format!("10.99999/imitation.{i:05}");
        let d = date_in(&mut rng, from, to);
        let date = d.format("%Y-%m-%d").to_string();
        let yy = d.format("%y").to_string();
        let medium = MEDIA[k % MEDIA.len()];
        let roll = rng.below(100);
        let (ack, ack_dod) = if roll < 40 {
            let (_, name, pattern) = *rng.pick(DOD_FUNDERS);
            let award = pattern
                .replace("{y}", &yy)
                .replace("{n}", &format!("{:04}", rng.below(10_000)));
            let text = match rng.below(3) {
                0 => format!(
                    "This work was supported by the {name} under grant {award} and by the National Natural Science Foundation of China (12074090)."
                ),
                1 => format!(
                    "The authors gratefully acknowledge financial support from the National Natural Science Foundation of China (61975123) and the {name} (award {award})."
                ),
                _ => format!(
                    "Research was sponsored by the {name} and was accomplished under Grant Number {award}. The views and conclusions contained in this document are those of the authors."
                ),
            };
            (text, true)
        } else if roll < 55 {
            (rng.pick(ACK_DECOYS).to_string(), false)
        } else {
            (rng.pick(ACK_PLAIN).to_string(), false)
        };
        let us = rng.chance(0.5);
        let n_authors = 2 + rng.below(3);
        let mut affiliations = Vec::new();
        let (mut oa_authorships, mut countries_all) = (Vec::new(), Vec::new());
        let mut truth_mainland = false;
        for a in 0..n_authors {
            let idx = match a {
                0 => *rng.pick(&china_idx),
                1 if us => *rng.pick(&us_idx),
                _ => *rng.pick(&other_idx),
            };
            let (inst, place, country, code) = INSTITUTIONS[idx];
            truth_mainland |= code == "CN";
            let raw = if country.is_empty() {
                format!("School of Materials, {inst}, {place}")
            } else {
                format!("School of Materials, {inst}, {place}, {country}")
            };
            let name = format!("Author{a} Ack{i}");
            let inst_id = format!("https://openalex.org/I{}", 1000 + idx);
            countries_all.push(code.to_string());
            oa_authorships.push(json!({
                "author_position": if a == 0 {"first"} else {"middle"},
                "author": {"id": format!("https://openalex.org/A7{i}{a}"), "display_name": name, "orcid": null},
                "institutions": [{"id": inst_id, "display_name": inst, "ror": null, "country_code": code, "type": "education", "lineage": [inst_id]}],
                "countries": [code],
                "raw_author_name": name,
                "raw_affiliation_strings": [raw],
                "affiliations": [{"raw_affiliation_string": raw, "institution_ids": [inst_id]}]
            }));
            affiliations.push((name, raw));
        }
        let suffix = doi.rsplit('/').next().unwrap().to_string();
        let pmcid = format!("PMC6{i:06}");
        let (copy, page_ack, best_oa, ids) = match medium {
            AckMedium::Page => (None, true, Value::Null, json!({})),
            AckMedium::Pdf | AckMedium::PdfFootnote => (
                Some(if medium == AckMedium::Pdf {
                    CopyKind::Pdf
                } else {
                    CopyKind::PdfFootnote
                }),
                false,
                json!({"is_oa": true, "pdf_url": format!("{OA_PLACEHOLDER}/pdf/{suffix}.pdf"),
                       "landing_page_url": format!("https://doi.org/{doi}")}),
                json!({}),
            ),
            AckMedium::RepositoryPage => (
                Some(CopyKind::Html),
                false,
                json!({"is_oa": true, "pdf_url": null,
                       "landing_page_url": format!("{OA_PLACEHOLDER}/record/{suffix}")}),
                json!({}),
            ),
            AckMedium::EuropePmcUnsurfaced => (
                None,
                false,
                Value::Null,
                json!({"pmcid": format!("https://www.ncbi.nlm.nih.gov/pmc/articles/{pmcid}")}),
            ),
            AckMedium::EuropePmcNoFullText => (None, true, Value::Null, json!({})),
            AckMedium::BrokenPdfThenPage => (
                Some(CopyKind::BrokenPdf),
                true,
                json!({"is_oa": true, "pdf_url": format!("{OA_PLACEHOLDER}/pdf/{suffix}.pdf"),
                       "landing_page_url": null}),
                json!({}),
            ),
        };
        let title = format!("Imitation study {i} of acknowledgments");
        let crossref = json!({
            "DOI": doi, "title": [title], "container-title": ["Journal of Acknowledgments"], "type": "journal-article",
            "issued": {"date-parts": [[d.format("%Y").to_string().parse::<i64>().unwrap(), d.format("%m").to_string().parse::<i64>().unwrap(), d.format("%d").to_string().parse::<i64>().unwrap()]]},
            "author": [], "funder": [{"DOI": "10.13039/501100001809", "name": "National Natural Science Foundation of China", "award": ["12074090"]}]
        });
        let openalex = json!({
            "id": format!("https://openalex.org/W7{i:07}"), "doi": format!("https://doi.org/{doi}"),
            "title": title, "display_name": title, "publication_date": date, "type": "article",
            "primary_location": {"source": {"display_name": "Journal of Acknowledgments"}},
            "authorships": oa_authorships,
            "funders": [{"id": "https://openalex.org/F8501100001809", "display_name": "National Natural Science Foundation of China", "ror": null}],
            "awards": [], "best_oa_location": best_oa, "ids": ids
        });
        let mut w = SynthWork {
            doi,
            date,
            crossref,
            openalex: Some(openalex),
            crossref_dod: false,
            openalex_dod: false,
            openalex_countries: countries_all,
            truth_dod: ack_dod,
            truth_china: true,
            truth_mainland,
            china_visible: true,
            dod_visible: ack_dod,
            ack: Some(ack),
            ack_dod,
            epmc: None,
            open_access: medium == AckMedium::EuropePmcUnsurfaced,
            affiliations,
            page_ack,
            copy,
        };
        if medium == AckMedium::EuropePmcNoFullText {
            w.epmc = Some(epmc_record(
                &w,
                &pmcid,
                vec![
                    json!({"agency": "National Natural Science Foundation of China", "grantId": "12074090"}),
                ],
            ));
        }
        corpus.works.push(w);
    }
}

impl SynthWork {
    /// Whether this is one of [`add_ack_only_cases`]'s works.
    pub fn is_ack_only_case(&self) -> bool {
        self.crossref["container-title"][0] == "Journal of Acknowledgments"
    }
}

/// Lines of at most `width` characters; a word that does not fit is broken with a hyphen, as
/// typesetters do (an award number after one of its own hyphens, a word between letters).
pub fn typeset(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let room = width.saturating_sub(cur.len() + usize::from(!cur.is_empty()));
        if word.len() <= room {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
            continue;
        }
        let letters = word.chars().all(|c| c.is_ascii_alphabetic());
        let cut = if word.contains('-') && word.chars().any(|c| c.is_ascii_digit()) {
            word[..room.min(word.len())].rfind('-').map(|h| (h + 1, ""))
        } else if letters && word.len() >= 7 && room >= 4 {
            Some((room.saturating_sub(1).min(word.len() - 3).max(3), "-"))
        } else {
            None
        };
        match cut {
            Some((at, mark)) if at > 0 => {
                if !cur.is_empty() {
                    cur.push(' ');
                }
                cur.push_str(&word[..at]);
                cur.push_str(mark);
                lines.push(std::mem::take(&mut cur));
                cur.push_str(&word[at..]);
            }
            _ => {
                if !cur.is_empty() {
                    lines.push(std::mem::take(&mut cur));
                }
                cur.push_str(word);
            }
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// A PDF of `pages` (lines of text each), set in Helvetica as a simple producer writes it.
pub fn pdf_of(pages: &[Vec<String>]) -> Vec<u8> {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let mut kids: Vec<Object> = Vec::new();
    for lines in pages {
        let mut content = String::from("BT /F1 10 Tf 14 TL 72 740 Td\n");
        for l in lines {
            let escaped = l
                .replace('\\', "\\\\")
                .replace('(', "\\(")
                .replace(')', "\\)");
            content.push_str(&format!("({escaped}) Tj T*\n"));
        }
        content.push_str("ET\n");
        let cid = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let pid = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => cid,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        });
        kids.push(pid.into());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// The open-access copy of a work as its host serves it: `(content type, body)`.
pub fn copy_of(w: &SynthWork) -> Option<(&'static str, Vec<u8>)> {
    let ack = w.ack.as_deref().unwrap_or("");
    let title = w.crossref["title"][0].as_str().unwrap_or("").to_string();
    let mut first = vec![title.clone(), String::new()];
    for (name, aff) in &w.affiliations {
        first.extend(typeset(&format!("{name}, {aff}"), 80));
    }
    first.push(String::new());
    first.push("Abstract".into());
    first.extend(typeset(
        "We report measurements of defect dynamics in layered materials and compare them with a model of their transport at interfaces.",
        80,
    ));
    let body = typeset(
        "Results. The measured dynamics agree with the model within the stated uncertainty for every sample we prepared.",
        80,
    );
    match w.copy? {
        CopyKind::Pdf => {
            let mut last = body.clone();
            last.push(String::new());
            last.push("Acknowledgments".into());
            last.extend(typeset(ack, 62));
            last.push(String::new());
            last.push("References".into());
            last.push("[1] A. Author, Journal of Imitation 1, 1 (2020).".into());
            Some(("application/pdf", pdf_of(&[first, last])))
        }
        CopyKind::PdfFootnote => {
            first.push(String::new());
            first.extend(typeset(ack, 90));
            Some(("application/pdf", pdf_of(&[first, body])))
        }
        CopyKind::Html => Some((
            "text/html; charset=utf-8",
            format!(
                "<!DOCTYPE html><html><head><title>{t}</title></head><body><h1>{t}</h1><div class=\"abstract\"><p>Defect dynamics.</p></div><h2>Acknowledgements</h2><p>{}</p><h2>References</h2><p>[1] A. Author.</p></body></html>",
                esc(ack),
                t = esc(&title)
            )
            .into_bytes(),
        )),
        CopyKind::BrokenPdf => Some((
            "application/pdf",
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage that ends here".to_vec(),
        )),
    }
}
