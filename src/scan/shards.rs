//! Date shards sized from what the API announces. Every query starts as one cursor over its
//! whole window: when the first page holds everything (a `--since-last` run, a quiet route), that
//! is the only request. When the first page announces more than a few pages, the window is cut
//! into parts of about [`PAGES_PER_SHARD`] pages each, crawled as separate cursors up to the
//! in-flight cap, and cut again if a part is still long; no request is spent on a shard nobody
//! asked the size of. A window whose parts all finished is marked done, so the next identical
//! scan asks nothing.
//!
//! A cursor holds its slot until its chain ends: a cursor left waiting behind others would
//! expire (Crossref's after about five idle minutes).

use crate::error::Result;
use crate::model::Checkpoint;
use crate::sources::paging::{Crawled, DatedQuery, Pager, Step};
use crate::sources::sink::Sink;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use std::collections::VecDeque;

/// A first page announcing more than this many pages cuts its window.
pub const SPLIT_ABOVE_PAGES: u64 = 3;
/// Pages a part of a cut window is meant to hold.
pub const PAGES_PER_SHARD: u64 = 2;

/// How windows are cut.
#[derive(Debug, Clone, Copy)]
pub enum Sharding {
    /// By the announced counts (the default).
    Auto,
    /// The caller already cut the windows (`--shard-days N`): no further cuts.
    Fixed,
}

/// One query of the plan: its parent (the window it is part of) and how many of its parts are
/// still running.
struct Node {
    key: String,
    parent: Option<usize>,
    pending: usize,
    failed: bool,
    announced: u64,
}

/// What became of one crawled window (the windows that were cut are not listed; their parts
/// are).
pub type Outcome = (Box<dyn DatedQuery>, Result<Crawled>);

/// Crawl every query, cutting long windows, at most `concurrency` cursors at once.
pub async fn crawl_all<S: Sink>(
    pager: &Pager<'_, S>,
    queries: Vec<Box<dyn DatedQuery>>,
    concurrency: usize,
    sharding: Sharding,
) -> Result<Vec<Outcome>> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut queue: VecDeque<(usize, Box<dyn DatedQuery>)> = VecDeque::new();
    for q in queries {
        nodes.push(Node {
            key: q.key().to_string(),
            parent: None,
            pending: 0,
            failed: false,
            announced: 0,
        });
        queue.push_back((nodes.len() - 1, q));
    }
    let mut running = FuturesUnordered::new();
    let mut out = Vec::new();
    loop {
        while running.len() < concurrency.max(1)
            && let Some((i, q)) = queue.pop_front()
        {
            let split_above = match sharding {
                Sharding::Auto if q.window().days() > 1 => Some(q.rows() * SPLIT_ABOVE_PAGES),
                _ => None,
            };
            running.push(async move {
                let r = pager.crawl_or_split(q.as_ref(), split_above).await;
                (i, q, r)
            });
        }
        let Some((i, q, r)) = running.next().await else {
            break;
        };
        match r {
            Ok(Step::Split { announced }) => {
                let pages = announced.div_ceil(q.rows().max(1));
                let parts = q.window().split(pages.div_ceil(PAGES_PER_SHARD).max(2));
                tracing::debug!(key = q.key(), announced, parts = parts.len(), "cut");
                nodes[i].pending = parts.len();
                nodes[i].announced = announced;
                // Parts go first, so a cut window finishes before new windows start.
                for w in parts.into_iter().rev() {
                    let part = q.narrowed(w);
                    nodes.push(Node {
                        key: part.key().to_string(),
                        parent: Some(i),
                        pending: 0,
                        failed: false,
                        announced: 0,
                    });
                    queue.push_front((nodes.len() - 1, part));
                }
            }
            Ok(Step::Done(c)) => {
                // A part left not done keeps its window not done: the next run asks again.
                finished(pager, q.as_ref(), &mut nodes, i, c.complete).await?;
                out.push((q, Ok(c)));
            }
            Err(e) => {
                finished(pager, q.as_ref(), &mut nodes, i, false).await?;
                out.push((q, Err(e)));
            }
        }
    }
    Ok(out)
}

/// Tell the windows `i` is part of that it ended; a window all of whose parts succeeded is
/// done.
async fn finished<S: Sink>(
    pager: &Pager<'_, S>,
    q: &dyn DatedQuery,
    nodes: &mut [Node],
    i: usize,
    ok: bool,
) -> Result<()> {
    let mut child = i;
    while let Some(p) = nodes[child].parent {
        nodes[p].pending -= 1;
        nodes[p].failed |= !ok;
        if nodes[p].pending > 0 || nodes[p].failed {
            break;
        }
        let done = Checkpoint {
            cursor: None,
            done: true,
            items: nodes[p].announced,
            announced: Some(nodes[p].announced),
        };
        pager
            .sink
            .page(q.source(), &nodes[p].key, Vec::new(), done)
            .await?;
        child = p;
    }
    Ok(())
}
