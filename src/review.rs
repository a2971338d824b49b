//! Reviewers' decisions on flagged papers: the one implementation the command line and the
//! review page share, so a decision made in either shows in both and in exports.

use crate::error::{Error, Result};
use crate::model::{ReviewStatus, normalize_doi};
use crate::store::{Db, ReviewRow};

/// A DOI in any form a reviewer pastes (`10.…`, `doi:…`, `https://doi.org/…`), normalised.
pub fn doi(input: &str) -> Result<String> {
    normalize_doi(input).ok_or_else(|| {
        Error::BadInput(format!(
            "{input:?} is not a DOI; give it as 10.xxxx/… (doi: and https://doi.org/ forms work too)"
        ))
    })
}

/// The paper a decision is about: a DOI as a reviewer pastes it (the command line) or a
/// flagged work's id (the review page, which lists works, not DOIs).
#[derive(Debug, Clone, Copy)]
pub enum Paper<'a> {
    Doi(&'a str),
    Work(i64),
}

impl Paper<'_> {
    /// The flagged work and its DOI; a paper never flagged here is [`Error::NotFlagged`].
    fn flagged(self, db: &Db) -> Result<(i64, String)> {
        match self {
            Paper::Doi(input) => {
                let doi = doi(input)?;
                match db.flagged_work(&doi)? {
                    Some(id) => Ok((id, doi)),
                    None => Err(Error::NotFlagged(doi)),
                }
            }
            Paper::Work(id) => match db.flagged_doi(id)? {
                Some(doi) => Ok((id, doi)),
                None => Err(Error::NotFlagged(format!("work {id}"))),
            },
        }
    }
}

/// Record a decision. `shown` is the decision the reviewer saw when deciding (`Some(None)`:
/// none), when known: a different one made since (by a colleague, at the command line) is not
/// replaced unseen ([`Error::Stale`]) — unless it is the same decision. Returns the DOI.
pub fn decide(
    db: &mut Db,
    paper: Paper<'_>,
    status: ReviewStatus,
    note: &str,
    reviewer: Option<&str>,
    shown: Option<Option<ReviewStatus>>,
) -> Result<String> {
    let (work_id, doi) = paper.flagged(db)?;
    if let Some(shown) = shown {
        let now = db.current_review(work_id)?;
        if now != shown && now != Some(status) {
            return Err(Error::Stale {
                now: now.map_or("none", |s| s.as_str()).to_string(),
            });
        }
    }
    let reviewer = reviewer.map(str::trim).filter(|r| !r.is_empty());
    db.add_review(work_id, status, note.trim(), reviewer)?;
    Ok(doi)
}

/// Undo the decision in force on a paper (kept in the history, marked withdrawn; the one
/// before it is in force again). Returns the DOI, what was undone and what is now in force.
pub fn undo(
    db: &mut Db,
    paper: Paper<'_>,
    by: Option<&str>,
) -> Result<(String, ReviewStatus, Option<ReviewStatus>)> {
    let (work_id, doi) = paper.flagged(db)?;
    let by = by.map(str::trim).filter(|r| !r.is_empty());
    match db.withdraw_review(work_id, by)? {
        Some((undone, now)) => Ok((doi, undone, now)),
        None => Err(Error::BadInput(format!("{doi} has no decision to undo"))),
    }
}

/// A paper's reviews, oldest first, with its DOI (none for a DOI never flagged).
pub fn history(db: &Db, paper: Paper<'_>) -> Result<(String, Vec<ReviewRow>)> {
    match paper.flagged(db) {
        Ok((work_id, doi)) => Ok((doi, db.review_history(work_id)?)),
        Err(Error::NotFlagged(_)) if let Paper::Doi(input) = paper => Ok((doi(input)?, Vec::new())),
        Err(e) => Err(e),
    }
}

impl ReviewRow {
    /// One line of history: "2026-11-20T10:00:00Z  dismissed   by J. Staff: US-only funding".
    pub fn line(&self) -> String {
        format!(
            "{}  {:<10}  {}{}{}",
            self.at,
            self.status.as_str(),
            self.reviewer
                .as_deref()
                .map(|b| format!("by {b}: "))
                .unwrap_or_default(),
            self.note,
            match (&self.withdrawn, self.evidence_changed) {
                (Some((at, by)), _) => format!(
                    "  [undone {at}{}]",
                    by.as_deref()
                        .map(|b| format!(" by {b}"))
                        .unwrap_or_default()
                ),
                (None, true) => "  [evidence changed since]".to_string(),
                (None, false) => String::new(),
            }
        )
    }
}
