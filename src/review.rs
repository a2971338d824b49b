//! Reviewers' decisions on flagged papers: the one implementation the command line and the
//! review page share, so a decision made in either shows in both and in exports.

use crate::error::{Error, Result};
use crate::model::{ReviewStatus, normalize_doi};
use crate::store::{Db, ReviewRow};

/// A DOI in any form a reviewer pastes (`10.…`, `doi:…`, `https://doi.org/…`), normalised.
pub fn doi(input: &str) -> Result<String> {
    normalize_doi(input).ok_or_else(|| {
        Error::Invalid(format!(
            "{input:?} is not a DOI; give it as 10.xxxx/… (doi: and https://doi.org/ forms work too)"
        ))
    })
}

/// Record a decision. Returns the normalised DOI.
pub fn decide(
    db: &mut Db,
    doi_input: &str,
    status: ReviewStatus,
    note: &str,
    reviewer: Option<&str>,
) -> Result<String> {
    let doi = doi(doi_input)?;
    let reviewer = reviewer.map(str::trim).filter(|r| !r.is_empty());
    db.add_review(&doi, status, note.trim(), reviewer)?;
    Ok(doi)
}

/// Undo the decision in force on a paper (kept in the history, marked withdrawn; the one
/// before it is in force again). Returns the normalised DOI, what was undone and what is now
/// in force.
pub fn undo(
    db: &mut Db,
    doi_input: &str,
    by: Option<&str>,
) -> Result<(String, ReviewStatus, Option<ReviewStatus>)> {
    let doi = doi(doi_input)?;
    let by = by.map(str::trim).filter(|r| !r.is_empty());
    match db.withdraw_review(&doi, by)? {
        Some((undone, now)) => Ok((doi, undone, now)),
        None => Err(Error::Invalid(format!("{doi} has no decision to undo"))),
    }
}

/// A paper's reviews, oldest first, with its normalised DOI.
pub fn history(db: &Db, doi_input: &str) -> Result<(String, Vec<ReviewRow>)> {
    let doi = doi(doi_input)?;
    let rows = db.review_history(&doi)?;
    Ok((doi, rows))
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
