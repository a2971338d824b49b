//! The one cursor-paging crawler that Crossref, OpenAlex and Europe PMC share.
//!
//! A [`CursorQuery`] says how one API pages (its URL for a cursor, its page and item shapes,
//! whether its cursor is a server-side scroll); [`Pager::crawl`] does the rest the same way for
//! all of them: keep each page with the checkpoint after it, keep a malformed item with its raw
//! JSON and go on, stop at the end of paging, and say when fewer records came than were
//! announced.
//!
//! Two kinds of cursor, two ways to resume:
//! - **Stateless cursors** (OpenAlex, Europe PMC's `cursorMark`) encode where the next page
//!   starts: a crawl resumes from its checkpoint's cursor, and a failed request is retried.
//! - **Server-side scrolls** (Crossref): the same token comes back on every page and every
//!   request the server *serves* moves the scroll on — also one whose answer was cut, timed
//!   out, or reached a process killed before it stored the page. Repeating that token would
//!   silently receive the page after the lost one. So a scroll is never continued after
//!   anything went wrong with it: a continuation is retried only when the server cannot have
//!   served it (a 429, a connection never made); any other failure, and every resumed run,
//!   restarts that crawl from `*` (the parts of a cut window are about two pages, so a restart
//!   costs little; rows are upserted, never duplicated). A scroll is done only when the
//!   distinct items it returned reach the total the server announced — the smallest total
//!   seen during that scroll, so deposits arriving while it pages are not held against it,
//!   while a skipped page always is. A scroll that ends short is crawled again from `*`, at
//!   most [`MAX_SCROLLS`] times in a run; then it is left *not done* (its checkpoint says so,
//!   a `short-count` problem is recorded, the scan exits 3 and the next run crawls it again).
//!   Crossref's `offset` paging would be stateless too, but it is capped at 10,000 and its
//!   order is not documented to be stable across requests for a filter-only query, so the
//!   restart is the safer rule.
//!
//! The end of paging: an empty page, a page shorter than the page size the server says it
//! used, a missing cursor, or — for APIs whose cursor changes on every page (OpenAlex, Europe
//! PMC) — a cursor seen before; for a scroll, which hands back the same cursor on every page
//! (observed June 2026), a page that brings no new key.

use super::http::{Endpoint, HttpClient, Retry};
use super::sink::Sink;
use crate::error::{Error, Result};
use crate::model::{Checkpoint, ErrorKind, PageOutcome, Problem, Source, Window, WorkRecord};
use serde_json::value::RawValue;
use std::collections::HashSet;
use std::sync::atomic::Ordering;

/// A list page, its items still raw so each is stored exactly as sent.
#[derive(Debug, Default)]
pub struct ListPage {
    pub items: Vec<Box<RawValue>>,
    pub next_cursor: Option<String>,
    /// What the API announced for the whole query.
    pub total: Option<u64>,
    /// The page size the server says it used: a page with fewer items is the last, so no
    /// request is spent on the empty page after it.
    pub page_size: Option<u64>,
}

/// What became of one item.
#[derive(Debug)]
pub enum Item {
    Record(WorkRecord),
    /// Counted, not stored: a Europe PMC record without a DOI (it cannot be merged), or a
    /// work a filtering query does not want. Its key, when it has one, still tells a new page
    /// from a repeated one.
    Skip(Option<String>),
    /// Kept in `scan_errors` with its raw JSON.
    Malformed(String),
}

/// How one paged query of one API works.
pub trait CursorQuery: Sync {
    fn source(&self) -> Source;
    /// The checkpoint key (see `scan::window` for its format).
    fn key(&self) -> &str;
    /// The URL of the page at `cursor` (the first cursor is `*`), without secrets: the
    /// endpoint attaches keys and contact parameters.
    fn url(&self, cursor: &str) -> String;
    fn parse_page(&self, body: &[u8]) -> std::result::Result<ListPage, String>;
    fn parse_item(&self, raw: &str) -> Item;
    /// Whether the cursor is a server-side scroll that hands back the same token on every
    /// page and moves on with every request served (Crossref): see the module doc.
    fn scroll(&self) -> bool {
        false
    }
}

/// A paged query over a publication window that can be cut into shorter windows, so a long
/// crawl runs as several cursors at once and a short one costs a single request.
pub trait DatedQuery: CursorQuery + Send {
    fn window(&self) -> Window;
    /// The same query over `w` (a part of its window), with its own checkpoint key.
    fn narrowed(&self, w: Window) -> Box<dyn DatedQuery>;
    /// Records asked for per page.
    fn rows(&self) -> u64;
}

/// How a crawl that may be cut ended.
#[derive(Debug)]
pub enum Step {
    Done(Crawled),
    /// The first page announced more records than one cursor should fetch: that page was kept,
    /// and the query is better cut into shorter windows.
    Split {
        announced: u64,
    },
}

/// What one crawl did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Crawled {
    /// Items returned for this key in all (this run and earlier runs of the same key).
    pub items: u64,
    /// Items returned in this run.
    pub fetched: u64,
    pub announced: Option<u64>,
    /// Items counted but not stored.
    pub skipped: u64,
    pub outcome: PageOutcome,
    /// The key was finished by an earlier run; nothing was asked.
    pub already_done: bool,
    /// The crawl reached its end with nothing missing. A scroll that still ended short after
    /// [`MAX_SCROLLS`] crawls is not complete: its key is left not done.
    pub complete: bool,
}

/// Everything a crawl needs besides the query.
pub struct Pager<'a, S: Sink> {
    pub http: &'a HttpClient,
    pub ep: &'a Endpoint,
    pub sink: &'a S,
    /// Forget checkpoints and fetch again.
    pub refresh: bool,
    /// Called with the number of items of each page.
    pub on_page: &'a (dyn Fn(u64) + Send + Sync),
}

/// How often an expired cursor may restart one crawl.
const MAX_RESTARTS: u32 = 3;

/// How many times one scroll is crawled from `*` in one run before it is left not done.
pub const MAX_SCROLLS: u32 = 4;

/// How one scroll from `*` ended.
enum Scrolled {
    Split(u64),
    /// Reached the end with every announced item (the checkpoint says done).
    Complete(Crawled),
    /// Something went wrong, or the end came short: `why`, and what was crawled.
    Broken(String, Crawled),
}

impl<S: Sink> Pager<'_, S> {
    /// Crawl `q` to its end, resuming from its checkpoint.
    pub async fn crawl(&self, q: &(impl CursorQuery + ?Sized)) -> Result<Crawled> {
        match self.crawl_or_split(q, None).await? {
            Step::Done(c) => Ok(c),
            Step::Split { .. } => unreachable!("no split was asked for"),
        }
    }

    /// Crawl `q` to its end, resuming from its checkpoint; or, when a fresh crawl's first page
    /// announces more than `split_above` records, keep that page and stop. The key's
    /// checkpoint then holds no cursor: a resumed scan asks the first page again and cuts the
    /// same way.
    pub async fn crawl_or_split(
        &self,
        q: &(impl CursorQuery + ?Sized),
        split_above: Option<u64>,
    ) -> Result<Step> {
        let (source, key) = (q.source(), q.key());
        let cp = self.sink.checkpoint(source, key, self.refresh).await?;
        let mut out = Crawled {
            items: cp.items,
            announced: cp.announced,
            already_done: cp.done,
            ..Default::default()
        };
        if cp.done {
            out.complete = true;
            return Ok(Step::Done(out));
        }
        if q.scroll() {
            return self.crawl_scroll(q, split_above).await;
        }
        let mut cursor = cp.cursor.unwrap_or_else(|| "*".into());
        let mut may_split = split_above.filter(|_| cursor == "*");
        let mut seen_cursors: HashSet<String> = HashSet::new();
        let mut restarts = 0;
        loop {
            let url = q.url(&cursor);
            let page = match self.http.get_json(self.ep, &url, |b| q.parse_page(b)).await {
                Ok((_, page)) => page,
                Err(Error::CursorExpired { .. }) if restarts < MAX_RESTARTS => {
                    restarts += 1;
                    tracing::warn!(
                        key,
                        "{source} cursor expired; restarting from the first page"
                    );
                    cursor = "*".into();
                    out.items = 0;
                    out.fetched = 0;
                    seen_cursors.clear();
                    continue;
                }
                Err(e) => return Err(e),
            };
            // The total can move while paging (and an end page may say 0): keep the largest.
            out.announced = match (out.announced, page.total) {
                (Some(a), Some(t)) => Some(a.max(t)),
                (a, t) => a.or(t),
            };
            let count = page.items.len() as u64;
            let mut records = Vec::with_capacity(page.items.len());
            for raw in &page.items {
                match q.parse_item(raw.get()) {
                    Item::Record(rec) => records.push(rec),
                    Item::Skip(_) => out.skipped += 1,
                    Item::Malformed(message) => {
                        let p = Problem::new(source, ErrorKind::MalformedRecord, message)
                            .at(url.clone())
                            .with_raw(raw.get());
                        self.sink.problem(p).await?;
                    }
                }
            }
            seen_cursors.insert(cursor.clone());
            let next = page.next_cursor.filter(|c| !c.is_empty());
            let done = count == 0
                || page.page_size.is_some_and(|ps| count < ps)
                || match &next {
                    None => true,
                    Some(n) => seen_cursors.contains(n),
                };
            if let (Some(limit), Some(total)) = (may_split.take(), page.total)
                && total > limit
                && !done
            {
                self.keep_and_split(source, key, records, count, total)
                    .await?;
                return Ok(Step::Split { announced: total });
            }
            out.items += count;
            out.fetched += count;
            let checkpoint = Checkpoint {
                cursor: if done { None } else { next.clone() },
                done,
                items: out.items,
                announced: out.announced,
            };
            out.outcome += self.sink.page(source, key, records, checkpoint).await?;
            (self.on_page)(count);
            match next {
                Some(n) if !done => cursor = n,
                _ => break,
            }
        }
        if let Some(total) = out.announced
            && out.items < total
        {
            let msg = format!(
                "{key}: {source} announced {total} records but returned {}",
                out.items
            );
            tracing::warn!("{msg}");
            let p = Problem::new(source, ErrorKind::ShortCount, msg).at(key);
            self.sink.problem(p).await?;
        }
        out.complete = true;
        Ok(Step::Done(out))
    }

    /// The window announces more than one crawl may take: keep what this first page brought,
    /// with a checkpoint that says so (no cursor, the total announced), so the caller cuts the
    /// window and its parts are crawled instead.
    async fn keep_and_split(
        &self,
        source: Source,
        key: &str,
        records: Vec<WorkRecord>,
        count: u64,
        total: u64,
    ) -> Result<()> {
        let checkpoint = Checkpoint {
            cursor: None,
            done: false,
            items: 0,
            announced: Some(total),
        };
        self.sink.page(source, key, records, checkpoint).await?;
        (self.on_page)(count);
        Ok(())
    }

    /// A server-side scroll (see the module doc): always from `*`, again from `*` after
    /// anything went wrong, done only when nothing is missing.
    async fn crawl_scroll(
        &self,
        q: &(impl CursorQuery + ?Sized),
        split_above: Option<u64>,
    ) -> Result<Step> {
        let (source, key) = (q.source(), q.key());
        let mut scrolls = 0;
        loop {
            scrolls += 1;
            match self.scroll_once(q, split_above).await? {
                Scrolled::Split(announced) => return Ok(Step::Split { announced }),
                Scrolled::Complete(c) => return Ok(Step::Done(c)),
                Scrolled::Broken(why, c) if scrolls >= MAX_SCROLLS => {
                    let msg = format!(
                        "{key}: {source} left not done after {scrolls} crawls ({why}); \
                         the next scan crawls it again"
                    );
                    tracing::warn!("{msg}");
                    let p = Problem::new(source, ErrorKind::ShortCount, msg).at(key);
                    self.sink.problem(p).await?;
                    return Ok(Step::Done(Crawled {
                        complete: false,
                        ..c
                    }));
                }
                Scrolled::Broken(why, _) => {
                    self.ep.stats.retries.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        key,
                        "{source}: {why}; crawling it again from the first page"
                    );
                    let pause = self.http.config().min_backoff * (1 << scrolls.min(6));
                    tokio::time::sleep(pause).await;
                }
            }
        }
    }

    /// One scroll from `*` to its end.
    async fn scroll_once(
        &self,
        q: &(impl CursorQuery + ?Sized),
        split_above: Option<u64>,
    ) -> Result<Scrolled> {
        let (source, key) = (q.source(), q.key());
        let mut out = Crawled::default();
        let mut cursor = "*".to_string();
        let mut may_split = split_above;
        let mut seen_keys: HashSet<String> = HashSet::new();
        let mut keyless = 0u64;
        // The smallest total announced during this scroll: what it must reach.
        let mut must_reach: Option<u64> = None;
        loop {
            let url = q.url(&cursor);
            // The first request opens a new scroll, so repeating it is safe; a continuation
            // is repeated only when the server cannot have served it.
            let retry = if cursor == "*" {
                Retry::Any
            } else {
                Retry::Unserved
            };
            let page = match self
                .http
                .get_json_with(self.ep, &url, retry, |b| q.parse_page(b))
                .await
            {
                Ok((_, page)) => page,
                Err(e) if cursor != "*" && scroll_broken(&e) => {
                    // Answered here by crawling again; not an error of the run.
                    self.ep.stats.handled();
                    return Ok(Scrolled::Broken(e.to_string(), out));
                }
                Err(e) => return Err(e),
            };
            if let Some(t) = page.total {
                must_reach = Some(must_reach.map_or(t, |m| m.min(t)));
                out.announced = Some(out.announced.map_or(t, |a| a.max(t)));
            }
            let count = page.items.len() as u64;
            let mut records = Vec::with_capacity(page.items.len());
            let mut fresh = 0;
            for raw in &page.items {
                let key = match q.parse_item(raw.get()) {
                    Item::Record(rec) => {
                        let k = rec.key();
                        records.push(rec);
                        k
                    }
                    Item::Skip(k) => {
                        out.skipped += 1;
                        k
                    }
                    Item::Malformed(message) => {
                        let p = Problem::new(source, ErrorKind::MalformedRecord, message)
                            .at(url.clone())
                            .with_raw(raw.get());
                        self.sink.problem(p).await?;
                        None
                    }
                };
                match key {
                    Some(k) => fresh += u64::from(seen_keys.insert(k)),
                    None => keyless += 1,
                }
            }
            let next = page.next_cursor.filter(|c| !c.is_empty());
            let end = count == 0
                || page.page_size.is_some_and(|ps| count < ps)
                || next.is_none()
                || fresh == 0;
            if let (Some(limit), Some(total)) = (may_split.take(), page.total)
                && total > limit
                && !end
            {
                self.keep_and_split(source, key, records, count, total)
                    .await?;
                return Ok(Scrolled::Split(total));
            }
            let distinct = seen_keys.len() as u64 + keyless;
            out.fetched += count;
            out.items = distinct;
            let complete = end && must_reach.is_none_or(|t| distinct >= t);
            // A scroll never resumes from a stored cursor: the checkpoint holds none.
            let checkpoint = Checkpoint {
                cursor: None,
                done: complete,
                items: distinct,
                announced: out.announced,
            };
            out.outcome += self.sink.page(source, key, records, checkpoint).await?;
            (self.on_page)(count);
            if complete {
                out.complete = true;
                return Ok(Scrolled::Complete(out));
            }
            if end {
                let why = format!(
                    "the scroll ended with {distinct} distinct records of {} announced",
                    must_reach.unwrap_or_default()
                );
                return Ok(Scrolled::Broken(why, out));
            }
            cursor = next.expect("a page that is not the end has a cursor");
        }
    }
}

/// A failure after which a scroll's position is unknown (it may have moved on): the request
/// failed in transit, the body was cut or unreadable, the server failed, or the cursor
/// expired. A refusal (4xx), a spent budget or a long back-off is the caller's to handle.
fn scroll_broken(e: &Error) -> bool {
    match e {
        Error::Http { .. }
        | Error::Decode { .. }
        | Error::NotJson { .. }
        | Error::CursorExpired { .. } => true,
        Error::Status { status, .. } => *status >= 500 || *status == 408,
        _ => false,
    }
}
