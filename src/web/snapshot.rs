//! The flagged list in memory, read again only when another connection committed — and then,
//! when only reviews changed, just the latest decisions.

use super::{App, Row};
use crate::error::Result;
use crate::flagged::{self, Selection};
use crate::store::LatestReview;
use std::collections::HashMap;
use std::sync::Arc;

/// The flagged list and the figures around it, as of one `data_version`.
pub struct Snapshot {
    pub(super) version: i64,
    /// What the list was read at, but for reviews (see [`Db::flags_fingerprint`]).
    pub(super) fingerprint: String,
    pub rows: Vec<Arc<Row>>,
    /// Flags first raised after this run are "new since the last scan".
    pub(super) last_crawl: i64,
    pub(super) candidates: u64,
    /// Found awards the flagged papers cite, and their obligations in cents.
    pub(super) awards: (u64, i64),
}

impl App {
    /// The current snapshot. When another connection committed, the list is read again —
    /// unless only reviews changed (a decision here or at the command line): then only the
    /// latest decisions are read and the rows they changed replaced, so a decision costs
    /// milliseconds, not a re-read of 10,000 papers.
    pub fn snapshot(&self) -> Result<Arc<Snapshot>> {
        let db = super::reader(self);
        let version = db.data_version()?;
        let mut cached = self.snapshot.lock().unwrap_or_else(|e| e.into_inner());
        let old = match cached.as_ref() {
            Some(s) if s.version == version => return Ok(s.clone()),
            other => other.cloned(),
        };
        let fingerprint = db.flags_fingerprint()?;
        let s = match old.filter(|o| o.fingerprint == fingerprint) {
            Some(old) => {
                let latest: HashMap<i64, LatestReview> = db
                    .latest_reviews()?
                    .into_iter()
                    .map(|r| (r.work_id, r))
                    .collect();
                let rows = old
                    .rows
                    .iter()
                    .map(|r| {
                        let (status, note) = latest
                            .get(&r.row.work_id)
                            .map(|r| (r.status.as_str(), r.note.as_str()))
                            .unwrap_or(("", ""));
                        if r.row.review_status == status && r.row.review_note == note {
                            r.clone()
                        } else {
                            Arc::new(r.with_review(status, note))
                        }
                    })
                    .collect();
                Snapshot {
                    version,
                    rows,
                    fingerprint,
                    last_crawl: old.last_crawl,
                    candidates: old.candidates,
                    awards: old.awards,
                }
            }
            None => {
                let rows = flagged::load(&db, &Selection::default())?
                    .into_iter()
                    .map(|r| Arc::new(Row::new(r)))
                    .collect();
                let (candidates, _, _) = db.flag_counts()?;
                Snapshot {
                    version,
                    fingerprint,
                    rows,
                    last_crawl: db.run_before_last_crawl()?,
                    candidates,
                    awards: db.flagged_award_totals()?,
                }
            }
        };
        let s = Arc::new(s);
        *cached = Some(s.clone());
        Ok(s)
    }
}
