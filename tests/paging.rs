//! Issue 17 (1): a Crossref scroll never skips a page. Crossref's cursor is a server-side
//! scroll that moves on with every request the server serves — also one whose answer was cut,
//! timed out, or reached a process killed before it stored the page. These tests replay exactly
//! those moments against a scroll server with a fault plan (no randomness), and hold the pager
//! to the rule: every announced record arrives, or the crawl is left not done and says so.

mod common;

use common::date;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use xrefscan::error::{Error, Result};
use xrefscan::model::{Checkpoint, Document, PageOutcome, Problem, Source, Window, WorkRecord};
use xrefscan::sources::crossref::{CrossrefConfig, FunderWorks, Funders};
use xrefscan::sources::http::{ClientConfig, Endpoint, HttpClient, Limits};
use xrefscan::sources::paging::{Crawled, MAX_SCROLLS, Pager};
use xrefscan::sources::sink::Sink;

/// What the server does with one request (by its number, from 0).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    /// Serve the page (the scroll moves on), announce the whole body, send half, hang up.
    CutAfterServing,
    /// Serve the page, then answer only after the client has given up.
    StallAfterServing,
    /// Refuse with 429 before serving anything.
    TooMany,
    /// Serve the page but skip the one after it as well: a scroll that loses records for
    /// reasons of its own, every time.
    SkipAPage,
}

struct Scroll {
    total: usize,
    plan: Mutex<HashMap<u64, Fault>>,
    /// Continuations after this position always lose a page (a server that can never be
    /// crawled whole).
    always_skip_after: Option<usize>,
    sessions: Mutex<HashMap<String, usize>>,
    next_token: AtomicU64,
    requests: AtomicU64,
    log: Mutex<Vec<String>>,
}

impl Scroll {
    fn new(total: usize) -> Scroll {
        Scroll {
            total,
            plan: Mutex::new(HashMap::new()),
            always_skip_after: None,
            sessions: Mutex::new(HashMap::new()),
            next_token: AtomicU64::new(1),
            requests: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
        }
    }

    fn with(self, n: u64, f: Fault) -> Scroll {
        self.plan.lock().unwrap().insert(n, f);
        self
    }

    /// Answer one request: (status, body, fault).
    fn answer(&self, query: &HashMap<String, String>) -> (u16, String, Option<Fault>) {
        let n = self.requests.fetch_add(1, Ordering::SeqCst);
        let fault = self.plan.lock().unwrap().get(&n).copied();
        let cursor = query.get("cursor").cloned().unwrap_or_default();
        self.log.lock().unwrap().push(cursor.clone());
        if fault == Some(Fault::TooMany) {
            return (429, r#"{"status":"error"}"#.into(), fault);
        }
        let rows: usize = query.get("rows").and_then(|r| r.parse().ok()).unwrap_or(20);
        let mut sessions = self.sessions.lock().unwrap();
        let (token, start) = if cursor == "*" {
            let t = format!("scroll{}", self.next_token.fetch_add(1, Ordering::SeqCst));
            (t, 0)
        } else {
            match sessions.get(&cursor) {
                Some(p) => (cursor.clone(), *p),
                None => return (404, r#"{"status":"failed","message-type":"resource-failure","message":[{"type":"cursor-invalid","value":"x","message":"Cursor specified but it is invalid"}]}"#.into(), None),
            }
        };
        let items: Vec<serde_json::Value> = (start..(start + rows).min(self.total))
            .map(|i| serde_json::json!({"DOI": format!("10.5555/item{i}"), "title": [format!("Item {i}")]}))
            .collect();
        let mut moved = start + items.len();
        if fault == Some(Fault::SkipAPage)
            || self
                .always_skip_after
                .is_some_and(|a| start >= a && cursor != "*")
        {
            moved += rows;
        }
        sessions.insert(token.clone(), moved);
        let body = serde_json::json!({"status": "ok", "message-type": "work-list", "message": {
            "total-results": self.total, "items": items, "items-per-page": rows, "next-cursor": token}});
        (200, body.to_string(), fault)
    }
}

/// Serve `scroll` on 127.0.0.1 (one request per connection, as the fault plan needs).
async fn serve(scroll: Arc<Scroll>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let scroll = scroll.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let url = url::Url::parse(&format!("http://x{target}")).unwrap();
                let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
                let (status, body, fault) = scroll.answer(&query);
                let mut resp = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nRetry-After: 0\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                match fault {
                    Some(Fault::CutAfterServing) => resp.push_str(&body[..body.len() / 2]),
                    Some(Fault::StallAfterServing) => {
                        tokio::time::sleep(Duration::from_millis(1500)).await;
                        resp.push_str(&body);
                    }
                    _ => resp.push_str(&body),
                }
                let _ = sock.write_all(resp.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

/// Pages and checkpoints kept in memory; `die_at` makes the n-th page hand-over fail, as a
/// process killed after the server served a page and before it was stored.
#[derive(Default)]
struct MemSink {
    checkpoints: Mutex<HashMap<String, Checkpoint>>,
    dois: Mutex<Vec<String>>,
    problems: Mutex<Vec<Problem>>,
    pages: AtomicU64,
    die_at: Option<u64>,
}

impl Sink for MemSink {
    async fn checkpoint(&self, _: Source, key: &str, _: bool) -> Result<Checkpoint> {
        Ok(self
            .checkpoints
            .lock()
            .unwrap()
            .get(key)
            .cloned()
            .unwrap_or_default())
    }

    async fn page(
        &self,
        _: Source,
        key: &str,
        records: Vec<WorkRecord>,
        checkpoint: Checkpoint,
    ) -> Result<PageOutcome> {
        let n = self.pages.fetch_add(1, Ordering::SeqCst);
        if self.die_at == Some(n) {
            return Err(Error::Internal("killed before the page was stored".into()));
        }
        self.dois
            .lock()
            .unwrap()
            .extend(records.into_iter().filter_map(|r| r.doi));
        self.checkpoints
            .lock()
            .unwrap()
            .insert(key.to_string(), checkpoint);
        Ok(PageOutcome::default())
    }

    async fn lookups(&self, _: Source, _: Vec<WorkRecord>, _: Vec<i64>) -> Result<PageOutcome> {
        Ok(PageOutcome::default())
    }

    async fn document(&self, _: Document, _: Option<(Source, WorkRecord)>) -> Result<bool> {
        Ok(false)
    }

    async fn problem(&self, p: Problem) -> Result<()> {
        self.problems.lock().unwrap().push(p);
        Ok(())
    }
}

impl MemSink {
    fn distinct(&self) -> usize {
        let mut d = self.dois.lock().unwrap().clone();
        d.sort();
        d.dedup();
        d.len()
    }
}

fn query(base: &str) -> FunderWorks {
    let cfg = CrossrefConfig {
        base_url: base.to_string(),
        mailto: None,
        rows: 50,
        shard_days: 0,
        funder_names: false,
    };
    let w = Window::new(date("2024-01-01"), date("2024-01-31")).unwrap();
    FunderWorks::new(&cfg, Funders::Family("100000005".into()), w)
}

fn client() -> HttpClient {
    HttpClient::new(ClientConfig {
        user_agent: "xrefscan-test".into(),
        timeout: Duration::from_millis(500),
        max_attempts: 4,
        max_retry_after: Duration::from_secs(5),
        min_backoff: Duration::from_millis(10),
    })
    .unwrap()
}

async fn crawl(
    http: &HttpClient,
    ep: &Endpoint,
    sink: &MemSink,
    q: &FunderWorks,
) -> Result<Crawled> {
    let on_page = |_: u64| {};
    let pager = Pager {
        http,
        ep,
        sink,
        refresh: false,
        on_page: &on_page,
    };
    pager.crawl(q).await
}

fn endpoint() -> Endpoint {
    Endpoint::new(
        "crossref",
        Limits {
            requests_per_second: 200.0,
            concurrency: 1,
        },
    )
}

/// 230 records in pages of 50: five pages.
const TOTAL: usize = 230;

#[tokio::test]
async fn a_page_whose_answer_was_cut_after_the_scroll_moved_on_is_not_skipped() {
    // Request 2 continues the scroll: the server serves page 3 and the body is cut.
    let scroll = Arc::new(Scroll::new(TOTAL).with(2, Fault::CutAfterServing));
    let base = serve(scroll.clone()).await;
    let (http, ep, sink) = (client(), endpoint(), MemSink::default());
    let c = crawl(&http, &ep, &sink, &query(&base)).await.unwrap();
    assert!(c.complete, "{c:?}");
    assert_eq!(sink.distinct(), TOTAL, "every announced record arrived");
    let cp = sink
        .checkpoints
        .lock()
        .unwrap()
        .values()
        .next()
        .cloned()
        .unwrap();
    assert!(
        cp.done && cp.items == TOTAL as u64 && cp.cursor.is_none(),
        "{cp:?}"
    );
    // After the cut the scroll was opened again from the first page, never continued.
    let log = scroll.log.lock().unwrap().clone();
    assert_eq!(log.iter().filter(|c| *c == "*").count(), 2, "{log:?}");
}

#[tokio::test]
async fn a_page_whose_answer_timed_out_after_the_scroll_moved_on_is_not_skipped() {
    let scroll = Arc::new(Scroll::new(TOTAL).with(3, Fault::StallAfterServing));
    let base = serve(scroll.clone()).await;
    let (http, ep, sink) = (client(), endpoint(), MemSink::default());
    let c = crawl(&http, &ep, &sink, &query(&base)).await.unwrap();
    assert!(c.complete);
    assert_eq!(sink.distinct(), TOTAL);
    assert_eq!(
        ep.stats.snapshot().2,
        0,
        "a restarted scroll is not an error of the run"
    );
}

#[tokio::test]
async fn a_429_is_retried_with_the_same_token_because_nothing_was_served() {
    let scroll = Arc::new(Scroll::new(TOTAL).with(2, Fault::TooMany));
    let base = serve(scroll.clone()).await;
    let (http, ep, sink) = (client(), endpoint(), MemSink::default());
    let c = crawl(&http, &ep, &sink, &query(&base)).await.unwrap();
    assert!(c.complete);
    assert_eq!(sink.distinct(), TOTAL);
    let log = scroll.log.lock().unwrap().clone();
    assert_eq!(log.iter().filter(|c| *c == "*").count(), 1, "{log:?}");
}

#[tokio::test]
async fn a_process_killed_between_served_and_stored_resumes_without_a_gap() {
    // The third page is served, then the process dies before storing it.
    let scroll = Arc::new(Scroll::new(TOTAL));
    let base = serve(scroll.clone()).await;
    let (http, ep) = (client(), endpoint());
    let dying = MemSink {
        die_at: Some(2),
        ..Default::default()
    };
    assert!(crawl(&http, &ep, &dying, &query(&base)).await.is_err());
    let stored = dying.checkpoints.lock().unwrap().clone();
    assert!(
        stored.values().all(|cp| !cp.done && cp.cursor.is_none()),
        "{stored:?}"
    );
    // The next run starts from what was stored.
    let resumed = MemSink {
        checkpoints: Mutex::new(stored),
        dois: Mutex::new(dying.dois.lock().unwrap().clone()),
        ..Default::default()
    };
    let c = crawl(&http, &ep, &resumed, &query(&base)).await.unwrap();
    assert!(c.complete);
    assert_eq!(resumed.distinct(), TOTAL);
}

#[tokio::test]
async fn a_scroll_that_loses_a_page_once_is_crawled_again_and_ends_whole() {
    let scroll = Arc::new(Scroll::new(TOTAL).with(1, Fault::SkipAPage));
    let base = serve(scroll.clone()).await;
    let (http, ep, sink) = (client(), endpoint(), MemSink::default());
    let c = crawl(&http, &ep, &sink, &query(&base)).await.unwrap();
    assert!(c.complete);
    assert_eq!(c.items, TOTAL as u64);
    assert_eq!(sink.distinct(), TOTAL);
    assert!(sink.problems.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_scroll_that_always_loses_a_page_is_left_not_done_and_says_so() {
    let mut s = Scroll::new(TOTAL);
    s.always_skip_after = Some(100);
    let scroll = Arc::new(s);
    let base = serve(scroll.clone()).await;
    let (http, ep, sink) = (client(), endpoint(), MemSink::default());
    let c = crawl(&http, &ep, &sink, &query(&base)).await.unwrap();
    assert!(!c.complete, "{c:?}");
    let cp = sink
        .checkpoints
        .lock()
        .unwrap()
        .values()
        .next()
        .cloned()
        .unwrap();
    assert!(!cp.done, "a short scroll is never marked done: {cp:?}");
    assert_eq!(cp.announced, Some(TOTAL as u64));
    let problems = sink.problems.lock().unwrap();
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].message.contains("left not done"),
        "{:?}",
        problems[0]
    );
    let opened = scroll
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|c| *c == "*")
        .count();
    assert_eq!(
        opened as u32, MAX_SCROLLS,
        "crawled a bounded number of times"
    );
}
