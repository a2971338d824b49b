//! The one cursor-paging crawler that Crossref, OpenAlex and Europe PMC share.
//!
//! A [`CursorQuery`] says how one API pages (its URL for a cursor, its page and item shapes,
//! whether it repeats its cursor); [`Pager::crawl`] does the rest the same way for all of
//! them: resume from the checkpoint, keep each page with the checkpoint after it, keep a
//! malformed item with its raw JSON and go on, restart on an expired cursor, stop at the end
//! of paging, and say when fewer records came than were announced.
//!
//! The end of paging: an empty page, a page shorter than the page size the server says it
//! used, a missing cursor, or — for APIs whose cursor changes on
//! every page (OpenAlex, Europe PMC) — a cursor seen before; for Crossref, which hands back
//! the same cursor on every page (observed June 2026), a page that brings no new key.

use super::http::{Endpoint, HttpClient};
use super::sink::Sink;
use crate::error::{Error, Result};
use crate::model::{Checkpoint, ErrorKind, PageOutcome, Problem, Source, Window, WorkRecord};
use serde_json::value::RawValue;
use std::collections::HashSet;

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
    /// Whether the API hands back the same cursor on every page (Crossref).
    fn cursor_repeats(&self) -> bool {
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
            return Ok(Step::Done(out));
        }
        let mut cursor = cp.cursor.unwrap_or_else(|| "*".into());
        let mut may_split = split_above.filter(|_| cursor == "*");
        let mut seen_keys: HashSet<String> = HashSet::new();
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
                    seen_keys.clear();
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
            let mut fresh = 0;
            for raw in &page.items {
                match q.parse_item(raw.get()) {
                    Item::Record(rec) => {
                        if rec.key().is_some_and(|k| seen_keys.insert(k)) {
                            fresh += 1;
                        }
                        records.push(rec);
                    }
                    Item::Skip(key) => {
                        out.skipped += 1;
                        if key.is_some_and(|k| seen_keys.insert(k)) {
                            fresh += 1;
                        }
                    }
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
                    Some(_) if q.cursor_repeats() => fresh == 0,
                    Some(n) => seen_cursors.contains(n),
                };
            if let (Some(limit), Some(total)) = (may_split.take(), page.total)
                && total > limit
                && !done
            {
                let checkpoint = Checkpoint {
                    cursor: None,
                    done: false,
                    items: 0,
                    announced: Some(total),
                };
                self.sink.page(source, key, records, checkpoint).await?;
                (self.on_page)(count);
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
            self.sink
                .problem(Problem::new(source, ErrorKind::ShortCount, msg))
                .await?;
        }
        Ok(Step::Done(out))
    }
}
