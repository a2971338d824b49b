//! The one HTTP client every source shares, and the politeness around it.
//!
//! Each source has an [`Endpoint`]: its [`Pace`] (a rate limiter spaced evenly so that no
//! one-second window ever holds more than the allowed number of requests, a pause shared by all
//! its tasks so that a `Retry-After` from one response holds back every request to that host,
//! and a rate that 429s lower), and an in-flight cap (a semaphore held until the body is read). Retries (backon) cover what the stock
//! middleware misses: errors while reading a body, bodies cut short, JSON that ends early, and
//! HTML error pages with a 5xx status. Status and content type are checked before decoding.

mod endpoint;

use crate::error::Error;
use backon::{ExponentialBuilder, Retryable};
pub use endpoint::{Busy, Endpoint, Limits, Observer, Stats};
use reqwest::header::HeaderMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The `User-Agent` every request carries: the tool, its version and purpose, and the contact
/// address when there is one (Crossref's polite pool reads it there too).
pub fn user_agent(mailto: Option<&str>) -> String {
    let mut ua = format!(
        "xrefscan/{} (research-security scanner",
        env!("CARGO_PKG_VERSION")
    );
    if let Some(m) = mailto {
        ua.push_str(&format!("; mailto:{m}"));
    }
    ua.push(')');
    ua
}

/// A successful response: status 2xx and a JSON content type.
/// What a request expects back: the `Accept` header and the content types that count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Json,
    Xml,
}

impl Expect {
    fn accept(self) -> &'static str {
        match self {
            Expect::Json => "application/json",
            Expect::Xml => "application/xml, text/xml;q=0.9",
        }
    }
}

#[derive(Debug)]
pub struct JsonResponse {
    pub url: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Settings shared by every request.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub user_agent: String,
    pub timeout: Duration,
    pub max_attempts: u32,
    pub max_retry_after: Duration,
    /// First back-off delay; tests shorten it.
    pub min_backoff: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        use crate::defaults as d;
        ClientConfig {
            user_agent: user_agent(None),
            timeout: Duration::from_secs(d::TIMEOUT_SECS),
            max_attempts: d::MAX_RETRIES,
            max_retry_after: Duration::from_secs(d::MAX_RETRY_AFTER_SECS),
            min_backoff: Duration::from_millis(d::MIN_BACKOFF_MILLIS),
        }
    }
}

impl ClientConfig {
    /// The defaults with a contact address in the User-Agent, a request timeout and a number
    /// of attempts.
    pub fn new(mailto: Option<&str>, timeout: Duration, max_attempts: u32) -> ClientConfig {
        ClientConfig {
            user_agent: user_agent(mailto),
            timeout: timeout.max(Duration::from_secs(1)),
            max_attempts: max_attempts.max(1),
            ..ClientConfig::default()
        }
    }
}

/// The shared client.
pub struct HttpClient {
    client: reqwest::Client,
    config: ClientConfig,
}

/// What went wrong in one attempt, and whether another attempt may help.
#[derive(Debug)]
struct Attempt {
    error: Error,
    retryable: bool,
    retry_after: Option<Duration>,
    /// The server may have acted on the request (answered it, even if the answer was lost):
    /// false only for a 429 (refused before any work) and a connection never made.
    served: bool,
}

/// Which failed attempts are tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Every transient failure (the request is idempotent).
    Any,
    /// Only a request the server cannot have acted on: a 429 or a connection never made. A
    /// continued Crossref scroll moves on with every request the server serves, also one whose
    /// answer was lost, so repeating it would silently skip a page; its caller restarts the
    /// scroll instead.
    Unserved,
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// `Retry-After` in seconds or as an HTTP date.
pub(crate) fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = header_str(h, "retry-after")?.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return Some(Duration::from_secs_f64(secs.max(0.0)));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (when.timestamp() - chrono::Utc::now().timestamp()).max(0);
    Some(Duration::from_secs(secs as u64))
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(300)]);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The most useful message in an error body: Crossref's `message[].message`, OpenAlex's
/// `message`/`error`, or the text itself.
fn error_message(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(list) = v.get("message").and_then(|m| m.as_array()) {
            let parts: Vec<String> = list
                .iter()
                .filter_map(|m| {
                    m.get("message")
                        .and_then(|s| s.as_str())
                        .map(str::to_string)
                })
                .collect();
            if !parts.is_empty() {
                return parts.join("; ");
            }
        }
        for key in ["message", "error", "detail"] {
            if let Some(s) = v.get(key).and_then(|m| m.as_str()) {
                let s: String = s.chars().take(300).collect();
                return s;
            }
        }
    }
    snippet(body)
}

impl HttpClient {
    pub fn new(config: ClientConfig) -> crate::Result<HttpClient> {
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(30)))
            .gzip(true)
            .build()
            .map_err(|e| Error::Internal(format!("could not build the HTTP client: {e}")))?;
        Ok(HttpClient { client, config })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// GET a JSON document, politely, with retries. `validate` runs on the body inside the
    /// retry loop so that a body cut short (invalid JSON) is fetched again.
    pub async fn get_json<T, F>(
        &self,
        ep: &Endpoint,
        url: &str,
        validate: F,
    ) -> crate::Result<(JsonResponse, T)>
    where
        F: Fn(&[u8]) -> Result<T, String>,
    {
        self.fetch_as(ep, url, None, Expect::Json, Retry::Any, validate)
            .await
    }

    /// GET a JSON document, retrying only what `retry` allows (see [`Retry::Unserved`]).
    pub async fn get_json_with<T, F>(
        &self,
        ep: &Endpoint,
        url: &str,
        retry: Retry,
        validate: F,
    ) -> crate::Result<(JsonResponse, T)>
    where
        F: Fn(&[u8]) -> Result<T, String>,
    {
        self.fetch_as(ep, url, None, Expect::Json, retry, validate)
            .await
    }

    /// POST a JSON body and read a JSON answer, with the same politeness and retries (a search
    /// API that takes its query as a body: USAspending).
    pub async fn post_json<T, F>(
        &self,
        ep: &Endpoint,
        url: &str,
        body: &serde_json::Value,
        validate: F,
    ) -> crate::Result<(JsonResponse, T)>
    where
        F: Fn(&[u8]) -> Result<T, String>,
    {
        self.fetch_as(ep, url, Some(body), Expect::Json, Retry::Any, validate)
            .await
    }

    /// GET an XML document (JATS full text) with the same politeness and retries.
    pub async fn get_xml<T, F>(
        &self,
        ep: &Endpoint,
        url: &str,
        validate: F,
    ) -> crate::Result<(JsonResponse, T)>
    where
        F: Fn(&[u8]) -> Result<T, String>,
    {
        self.fetch_as(ep, url, None, Expect::Xml, Retry::Any, validate)
            .await
    }

    async fn fetch_as<T, F>(
        &self,
        ep: &Endpoint,
        url: &str,
        body: Option<&serde_json::Value>,
        expect: Expect,
        retry: Retry,
        validate: F,
    ) -> crate::Result<(JsonResponse, T)>
    where
        F: Fn(&[u8]) -> Result<T, String>,
    {
        let attempts = std::sync::atomic::AtomicU32::new(0);
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.config.min_backoff)
            .with_max_delay(Duration::from_secs(120))
            .with_max_times(self.config.max_attempts.saturating_sub(1) as usize)
            .with_jitter();
        let max_retry_after = self.config.max_retry_after;
        let result = (|| async {
            attempts.fetch_add(1, Ordering::Relaxed);
            self.attempt(ep, url, body, expect, &validate).await
        })
        .retry(backoff)
        .when(|a: &Attempt| a.retryable && (retry == Retry::Any || !a.served))
        .adjust(|a: &Attempt, d: Option<Duration>| {
            // Never sooner than the server asked; the pause is shared by the endpoint.
            let d = d?;
            Some(match a.retry_after {
                Some(ra) if ra > max_retry_after => return None,
                Some(ra) => ra.max(d.min(Duration::from_secs(1))),
                None => d,
            })
        })
        .notify(|a: &Attempt, d: Duration| {
            ep.stats.retries.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                source = ep.name,
                delay_ms = d.as_millis() as u64,
                "retrying: {}",
                a.error
            );
        })
        .await;
        match result {
            Ok(ok) => Ok(ok),
            Err(a) => {
                // A 404 is an answer ("there is no such record"), which callers remember; it
                // is not counted as an error.
                if !matches!(a.error, Error::Status { status: 404, .. }) {
                    ep.stats.errors.fetch_add(1, Ordering::Relaxed);
                }
                let n = attempts.load(Ordering::Relaxed);
                Err(match a.error {
                    Error::Http {
                        source_name,
                        url,
                        message,
                        ..
                    } => Error::Http {
                        source_name,
                        url,
                        attempts: n,
                        message,
                    },
                    _ if a.retry_after.is_some_and(|ra| ra > max_retry_after) => {
                        Error::BackOffTooLong {
                            source_name: ep.name,
                            seconds: a.retry_after.map(|d| d.as_secs()).unwrap_or_default(),
                        }
                    }
                    e => e,
                })
            }
        }
    }

    async fn attempt<T, F>(
        &self,
        ep: &Endpoint,
        url: &str,
        body: Option<&serde_json::Value>,
        expect: Expect,
        validate: &F,
    ) -> Result<(JsonResponse, T), Attempt>
    where
        F: Fn(&[u8]) -> Result<T, String>,
    {
        let shown = url.to_string();
        let http_err = |message: String, served: bool| Attempt {
            error: Error::Http {
                source_name: ep.name,
                url: shown.clone(),
                attempts: 1,
                message,
            },
            retryable: true,
            retry_after: None,
            served,
        };
        // Permit first, then the rate slot: a request never waits for a permit after its slot,
        // so requests leave exactly as the limiter spaced them.
        let _permit = ep.inflight.acquire().await.expect("semaphore open");
        ep.wait_turn().await;
        let sent = Instant::now();
        ep.count_request();
        tracing::debug!(
            source = ep.name,
            url = %shown,
            "{}",
            if body.is_some() { "POST" } else { "GET" }
        );
        let request = match body {
            Some(b) => self.client.post(url).json(b),
            None => self.client.get(url),
        };
        let resp = request
            .query(&ep.params)
            .header(reqwest::header::ACCEPT, expect.accept())
            .send()
            .await
            .map_err(|e| http_err(without_url(&e), !e.is_connect()))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .bytes()
            .await
            .map_err(|e| http_err(format!("reading the body: {}", without_url(&e)), true))?
            .to_vec();
        drop(_permit);
        self.note_budget(ep, &headers);

        let content_type = header_str(&headers, "content-type")
            .unwrap_or("")
            .to_ascii_lowercase();
        let is_json = content_type.contains("json");
        let expected = match expect {
            Expect::Json => is_json,
            Expect::Xml => content_type.contains("xml"),
        };
        let ra = retry_after(&headers);
        // A spent daily budget is not about pace: the host is not slowed for it.
        let spent = (status == 429)
            .then(|| budget_spent(&headers, &body))
            .flatten();
        if spent.is_none() {
            ep.answered(sent, status, ra, self.config.max_retry_after);
        }
        if status == 429 {
            if let Some(reset) = spent {
                return Err(Attempt {
                    error: Error::BudgetExhausted {
                        source_name: ep.name,
                        resume_at: reset,
                    },
                    retryable: false,
                    retry_after: None,
                    served: true,
                });
            }
            let wait = ra.unwrap_or(Duration::from_secs(1));
            return Err(Attempt {
                error: Error::Http {
                    source_name: ep.name,
                    url: shown.clone(),
                    attempts: 1,
                    message: format!(
                        "429 Too Many Requests (Retry-After {}s)",
                        wait.as_secs_f64()
                    ),
                },
                retryable: true,
                retry_after: Some(wait),
                served: false,
            });
        }
        if status >= 500 || status == 408 {
            if let Some(wait) = ra
                && status != 503
            {
                ep.pause(wait.min(self.config.max_retry_after));
            }
            return Err(Attempt {
                error: Error::Http {
                    source_name: ep.name,
                    url: shown.clone(),
                    attempts: 1,
                    message: format!(
                        "{status}: {}",
                        if is_json {
                            error_message(&body)
                        } else {
                            snippet(&body)
                        }
                    ),
                },
                retryable: true,
                retry_after: ra,
                served: true,
            });
        }
        if status == 404 && is_json && body_has(&body, "cursor-invalid") {
            return Err(Attempt {
                error: Error::CursorExpired {
                    source_name: ep.name,
                },
                retryable: false,
                retry_after: None,
                served: true,
            });
        }
        if status >= 400 {
            let mut message = if is_json {
                error_message(&body)
            } else {
                snippet(&body)
            };
            if status == 401 || status == 403 {
                message = format!(
                    "{message} — {} refused the request; {}",
                    ep.name, ep.refusal_hint
                );
            }
            return Err(Attempt {
                error: Error::Status {
                    source_name: ep.name,
                    url: shown.clone(),
                    status,
                    message,
                },
                retryable: false,
                retry_after: None,
                served: true,
            });
        }
        if !expected {
            // A 200 with an HTML body is a proxy or maintenance page: worth another try.
            return Err(Attempt {
                error: Error::NotJson {
                    source_name: ep.name,
                    expected: match expect {
                        Expect::Json => "JSON",
                        Expect::Xml => "XML",
                    },
                    url: shown.clone(),
                    status,
                    content_type: if content_type.is_empty() {
                        "no content type".into()
                    } else {
                        content_type
                    },
                    snippet: snippet(&body),
                },
                retryable: true,
                retry_after: None,
                served: true,
            });
        }
        match validate(&body) {
            Ok(v) => Ok((
                JsonResponse {
                    url: shown,
                    status,
                    headers,
                    body,
                },
                v,
            )),
            // JSON that does not parse is most often a body cut short: fetch again.
            Err(message) => Err(Attempt {
                error: Error::Decode {
                    source_name: ep.name,
                    url: shown,
                    message,
                },
                retryable: true,
                retry_after: None,
                served: true,
            }),
        }
    }

    fn note_budget(&self, ep: &Endpoint, headers: &HeaderMap) {
        if let Some(v) = header_str(headers, "x-ratelimit-remaining-usd")
            .and_then(|v| v.trim().parse::<f64>().ok())
        {
            ep.budget_remaining_micro_usd
                .store((v.max(0.0) * 1e6) as u64, Ordering::Relaxed);
        }
    }
}

fn body_has(body: &[u8], needle: &str) -> bool {
    String::from_utf8_lossy(body).contains(needle)
}

/// reqwest errors print the URL with the parameters the endpoint added (an API key): keep
/// only the cause.
fn without_url(e: &reqwest::Error) -> String {
    let mut msg = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else if e.is_body() || e.is_decode() {
        "the body was cut short".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    msg
}

/// OpenAlex answers 429 both for "too fast" and "daily budget spent"; the remaining-USD header
/// tells them apart. Returns when the budget resets (UTC) if it is spent.
fn budget_spent(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    let remaining =
        header_str(headers, "x-ratelimit-remaining-usd").and_then(|v| v.trim().parse::<f64>().ok());
    let spent = match remaining {
        Some(r) => r <= 0.0,
        None => {
            let text = String::from_utf8_lossy(body).to_ascii_lowercase();
            text.contains("budget") || text.contains("daily limit")
        }
    };
    if !spent {
        return None;
    }
    let reset_secs = header_str(headers, "x-ratelimit-reset")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let at = chrono::Utc::now() + chrono::Duration::seconds(reset_secs.max(0));
    Some(at.format("%Y-%m-%d %H:%M UTC").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossref_error_messages_are_read_from_their_list() {
        let body = br#"{"status":"failed","message-type":"validation-failure","message":[{"type":"integer-not-valid","value":"things","message":"Integer specified as things but must be a positive integer less than or equal to 1000. "}]}"#;
        assert!(error_message(body).contains("less than or equal to 1000"));
    }
}
