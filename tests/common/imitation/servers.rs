//! Crossref and OpenAlex as local servers over the corpus, with their limits enforced: a
//! sliding one-second window and an in-flight cap, a request over either answered 429 and
//! counted as a violation.

use super::*;

/// A record with only the fields of a Crossref `select` (all of them when there is none).
pub fn project(record: &Value, select: &str) -> Value {
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

impl ServerLimits {
    /// The shortest time `n` requests can take on a host with these limits: its rate, or its
    /// in-flight cap times the latency, whichever binds.
    pub fn bound(self, n: u64) -> Duration {
        if n == 0 {
            return Duration::ZERO;
        }
        let by_rate =
            Duration::from_secs_f64((n - 1) as f64 / self.per_second as f64) + self.latency;
        let by_cap = self
            .latency
            .mul_f64((n as f64 / self.in_flight as f64).ceil());
        by_rate.max(by_cap)
    }
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

pub struct Limiter {
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

pub type Handler = Arc<
    dyn Fn(&str, &HashMap<String, String>) -> (u16, Vec<(String, String)>, String) + Send + Sync,
>;

pub async fn serve(limits: ServerLimits, handler: Handler) -> (String, Arc<Counters>) {
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

/// OpenAlex as benchmarks meet it: 100 requests/s for every user (2026), no in-flight cap
/// documented, the latency of a list call.
pub const OPENALEX_REAL: ServerLimits = ServerLimits {
    per_second: 100,
    in_flight: 100,
    latency: Duration::from_millis(300),
};

/// Europe PMC as benchmarks meet it: no documented limit, so the tool's defaults (5/s, 2 in
/// flight) are enforced.
pub const EUROPEPMC_REAL: ServerLimits = ServerLimits {
    per_second: 5,
    in_flight: 2,
    latency: Duration::from_millis(400),
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
