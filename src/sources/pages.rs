//! Fetching publisher pages: a DOI is resolved through the resolver (`https://doi.org`) and its
//! redirects are followed hop by hop, so that every host gets its own rate limit and in-flight
//! cap and its `robots.txt` is honoured before anything is asked of it. What a page says
//! (authors, acknowledgments) is read with [`crate::sources::html`] and handed to a sink.

mod harvest;

pub use harvest::{COPY_ORIGIN, PAGE_ORIGIN, PageTotals, read_page};

use crate::sources::http::{Endpoint, Limits};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Pages being fetched at once, across hosts.
const IN_THE_AIR: usize = 32;

/// The longest `Retry-After` a page host is waited out for; a longer one ends that page.
const MAX_PAGE_WAIT: Duration = Duration::from_secs(120);

/// Page-fetching settings.
#[derive(Debug, Clone)]
pub struct PagesConfig {
    /// The DOI resolver (`https://doi.org`).
    pub resolver: String,
    /// Limits per publisher host.
    pub per_host: Limits,
    /// Limits of the DOI resolver: a redirector every page starts at, not a publisher, so it
    /// has its own (higher) limit and publisher hosts keep theirs.
    pub resolver_limits: Limits,
    pub user_agent: String,
    pub timeout: Duration,
    /// Pages larger than this are cut here (what was read is still used).
    pub max_bytes: usize,
    /// PDFs larger than this are not read (a PDF cut short cannot be read).
    pub max_pdf_bytes: usize,
    /// How long reading one PDF's text may take.
    pub pdf_timeout: Duration,
    /// Redirect hops followed at most.
    pub max_redirects: usize,
    pub max_attempts: u32,
}

/// A fetched page.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub url: String,
    pub final_url: String,
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    /// The body was longer than `max_bytes` and was cut.
    pub truncated: bool,
    pub redirects: Vec<String>,
}

/// Why a page was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("robots.txt of {host} disallows {url}")]
    Disallowed { host: String, url: String },
    #[error("{url} answered {status}")]
    Status { url: String, status: u16 },
    #[error("{url} sent {content_type}, not HTML")]
    NotHtml { url: String, content_type: String },
    #[error("{url} is a PDF larger than {max} bytes (--max-pdf-bytes); it was not read")]
    TooLarge { url: String, max: usize },
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    #[error("{url}: {message}")]
    Network { url: String, message: String },
}

impl PageError {
    /// A final answer for this page (remember it, do not ask again), as opposed to a
    /// transient failure worth another run.
    pub fn is_final(&self) -> bool {
        !matches!(self, PageError::Network { .. })
            && !matches!(self, PageError::Status { status, .. } if *status == 429 || *status >= 500)
    }
}

/// One client, a limiter per host, and each host's robots.txt read once.
pub struct PageFetcher {
    cfg: PagesConfig,
    client: reqwest::Client,
    hosts: Mutex<HashMap<String, Arc<Endpoint>>>,
    /// Requests to every host, and who is told at each one.
    requests: std::sync::atomic::AtomicU64,
    observer: std::sync::OnceLock<crate::sources::http::Observer>,
    robots: tokio::sync::Mutex<HashMap<String, Option<Arc<texting_robots::Robot>>>>,
    /// PDFs being read at once: reading is CPU work, one per core.
    pdf_slots: tokio::sync::Semaphore,
}

impl PageFetcher {
    pub fn new(cfg: PagesConfig) -> crate::Result<PageFetcher> {
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .timeout(cfg.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .gzip(true)
            .build()
            .map_err(|e| crate::Error::Internal(format!("could not build the HTTP client: {e}")))?;
        Ok(PageFetcher {
            cfg,
            client,
            hosts: Mutex::new(HashMap::new()),
            requests: std::sync::atomic::AtomicU64::new(0),
            observer: std::sync::OnceLock::new(),
            robots: tokio::sync::Mutex::new(HashMap::new()),
            pdf_slots: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, |n| n.get()),
            ),
        })
    }

    /// Call `f` with the running count at every request to any host.
    pub fn observe(&self, f: impl Fn(u64) + Send + Sync + 'static) {
        let _ = self.observer.set(Box::new(f));
    }

    /// Requests made so far, to every host.
    pub fn requests(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The hosts that 429s slowed, and to what.
    pub fn slowed_hosts(&self) -> Vec<(String, crate::sources::pace::Slowed)> {
        let hosts = self.hosts.lock().expect("hosts lock");
        let mut v: Vec<_> = hosts
            .iter()
            .filter_map(|(h, e)| e.slowed().map(|s| (h.clone(), s)))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// The host whose limit bounds the reading (the longest its limit needs for what it was
    /// sent), with how long it was busy.
    pub fn busiest(&self) -> Option<crate::sources::http::Busy> {
        let hosts = self.hosts.lock().expect("hosts lock");
        hosts
            .iter()
            .filter_map(|(h, e)| e.busy(h))
            .max_by(|a, b| a.bound_seconds.total_cmp(&b.bound_seconds))
    }

    /// Requests made so far, per host: `(host, requests)`.
    pub fn requests_per_host(&self) -> Vec<(String, u64)> {
        let hosts = self.hosts.lock().expect("hosts lock");
        let mut v: Vec<(String, u64)> = hosts
            .iter()
            .map(|(h, e)| (h.clone(), e.stats.snapshot().0))
            .collect();
        v.sort();
        v
    }

    fn endpoint(&self, host: &str) -> Arc<Endpoint> {
        let resolver = url::Url::parse(&self.cfg.resolver)
            .map(|u| host_key(&u))
            .unwrap_or_default();
        let limits = if host == resolver {
            self.cfg.resolver_limits
        } else {
            self.cfg.per_host
        };
        let mut hosts = self.hosts.lock().expect("hosts lock");
        hosts
            .entry(host.to_string())
            .or_insert_with(|| Arc::new(Endpoint::new("pages", limits)))
            .clone()
    }

    /// The landing page of a DOI.
    pub async fn fetch_doi(&self, doi: &str) -> Result<Fetched, PageError> {
        let url = format!("{}/{}", self.cfg.resolver.trim_end_matches('/'), doi);
        self.fetch(&url).await
    }

    /// GET `start`, following redirects hop by hop: an HTML page.
    pub async fn fetch(&self, start: &str) -> Result<Fetched, PageError> {
        self.fetch_as(start, false).await
    }

    /// GET `start` as [`PageFetcher::fetch`] does, also taking a PDF (up to `max_pdf_bytes`:
    /// a PDF cut short cannot be read, so a longer one is refused).
    pub async fn fetch_as(&self, start: &str, pdf_too: bool) -> Result<Fetched, PageError> {
        let mut url = url::Url::parse(start).map_err(|e| PageError::Network {
            url: start.into(),
            message: e.to_string(),
        })?;
        let mut redirects = Vec::new();
        let mut body_failures = 0;
        loop {
            if redirects.len() > self.cfg.max_redirects {
                return Err(PageError::TooManyRedirects(self.cfg.max_redirects));
            }
            let host = host_key(&url);
            if !self.allowed(&url).await {
                return Err(PageError::Disallowed {
                    host,
                    url: url.to_string(),
                });
            }
            let resp = self.get(&url).await?;
            let status = resp.status().as_u16();
            if (300..400).contains(&status) {
                let next = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| url.join(l).ok());
                match next {
                    Some(n) => {
                        redirects.push(url.to_string());
                        url = n;
                        continue;
                    }
                    None => {
                        return Err(PageError::Status {
                            url: url.to_string(),
                            status,
                        });
                    }
                }
            }
            if status >= 400 {
                return Err(PageError::Status {
                    url: url.to_string(),
                    status,
                });
            }
            let content_type = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase();
            let pdf = pdf_too
                && (content_type.contains("pdf")
                    || content_type.is_empty()
                    || content_type.contains("octet-stream"));
            if !(pdf || content_type.contains("html") || content_type.contains("xhtml")) {
                return Err(PageError::NotHtml {
                    url: url.to_string(),
                    content_type: if content_type.is_empty() {
                        "no content type".into()
                    } else {
                        content_type
                    },
                });
            }
            let cap = if pdf {
                self.cfg.max_pdf_bytes
            } else {
                self.cfg.max_bytes
            };
            // A body cut short is asked for again, like any other transient failure.
            let (body, truncated) = match read_capped(resp, cap, &url).await {
                Ok(b) => b,
                Err(e) if body_failures + 1 < self.cfg.max_attempts.max(1) => {
                    body_failures += 1;
                    tracing::warn!("retrying {url}: {e}");
                    tokio::time::sleep(Duration::from_millis(200 << body_failures.min(6))).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            if pdf && truncated {
                return Err(PageError::TooLarge {
                    url: url.to_string(),
                    max: cap,
                });
            }
            if pdf && !content_type.contains("pdf") && !body.starts_with(b"%PDF") {
                return Err(PageError::NotHtml {
                    url: url.to_string(),
                    content_type: if content_type.is_empty() {
                        "no content type".into()
                    } else {
                        content_type
                    },
                });
            }
            return Ok(Fetched {
                url: start.to_string(),
                final_url: url.to_string(),
                status,
                content_type,
                body,
                truncated,
                redirects,
            });
        }
    }

    /// One politely spaced GET, retried on 429/5xx/network errors with `Retry-After`. A 429
    /// pauses and slows the whole host (see [`crate::sources::pace`]).
    async fn get(&self, url: &url::Url) -> Result<reqwest::Response, PageError> {
        let ep = self.endpoint(&host_key(url));
        let mut last = None;
        for attempt in 0..self.cfg.max_attempts.max(1) {
            let (sent, resp) = {
                let _permit = ep.acquire().await;
                let sent = std::time::Instant::now();
                ep.count_request();
                let n = self
                    .requests
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                    + 1;
                if let Some(f) = self.observer.get() {
                    f(n);
                }
                (sent, self.client.get(url.as_str()).send().await)
            };
            match resp {
                Ok(r) if r.status().as_u16() == 429 || r.status().is_server_error() => {
                    let status = r.status().as_u16();
                    let asked = crate::sources::http::retry_after(r.headers());
                    let wait = asked.unwrap_or(Duration::from_millis(500 << attempt.min(6)));
                    if wait > MAX_PAGE_WAIT {
                        return Ok(r);
                    }
                    ep.stats
                        .retries
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    ep.answered(sent, status, Some(wait), MAX_PAGE_WAIT);
                    if status != 429 && status != 503 {
                        ep.pause(wait);
                    }
                    last = Some(Ok(r));
                }
                Ok(r) => {
                    ep.answered(sent, r.status().as_u16(), None, MAX_PAGE_WAIT);
                    return Ok(r);
                }
                Err(e) => {
                    ep.stats
                        .retries
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(200 << attempt.min(6))).await;
                    last = Some(Err(e));
                }
            }
        }
        match last {
            Some(Ok(r)) => Ok(r),
            Some(Err(e)) => Err(PageError::Network {
                url: url.to_string(),
                message: e.without_url().to_string(),
            }),
            None => Err(PageError::Network {
                url: url.to_string(),
                message: "no attempt made".into(),
            }),
        }
    }

    /// Whether robots.txt lets this tool fetch `url`. A missing robots.txt (4xx) allows
    /// everything; one that cannot be read (5xx, network) allows nothing this run.
    async fn allowed(&self, url: &url::Url) -> bool {
        let host = host_key(url);
        let mut cache = self.robots.lock().await;
        if !cache.contains_key(&host) {
            let robots_url = match url.join("/robots.txt") {
                Ok(u) => u,
                Err(_) => return false,
            };
            let robot = match self.get(&robots_url).await {
                Ok(r) if r.status().is_success() => {
                    let body = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
                    texting_robots::Robot::new(&self.cfg.user_agent, &body)
                        .ok()
                        .map(Arc::new)
                }
                Ok(r) if r.status().is_client_error() => {
                    texting_robots::Robot::new(&self.cfg.user_agent, b"")
                        .ok()
                        .map(Arc::new)
                }
                _ => None,
            };
            cache.insert(host.clone(), robot);
        }
        match cache.get(&host).cloned().flatten() {
            Some(robot) => robot.allowed(url.as_str()),
            None => false,
        }
    }
}

fn host_key(url: &url::Url) -> String {
    match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or("")),
        None => url.host_str().unwrap_or("").to_string(),
    }
}

async fn read_capped(
    mut resp: reqwest::Response,
    max: usize,
    url: &url::Url,
) -> Result<(Vec<u8>, bool), PageError> {
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                let room = max.saturating_sub(body.len());
                if c.len() > room {
                    body.extend_from_slice(&c[..room]);
                    return Ok((body, true));
                }
                body.extend_from_slice(&c);
            }
            Ok(None) => return Ok((body, false)),
            Err(e) => {
                return Err(PageError::Network {
                    url: url.to_string(),
                    message: format!("reading the body: {}", e.without_url()),
                });
            }
        }
    }
}
