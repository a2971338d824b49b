//! The plain records that flow one way: sources → store → classify → export.
//!
//! A source parses its JSON into a [`WorkRecord`]; the store keeps one row set per (work, source)
//! so that every derived fact can be traced to the source that said it.

mod awards;
mod crawl;
mod kinds;
mod window;

pub use awards::{AwardStatus, CitedAward, LedgerAward, award_link, dollars, dollars_grouped};
pub use crawl::{AckBacklog, AckCandidate, Checkpoint, Document, PageOutcome, pmcid};
pub use kinds::{DocumentKind, ErrorKind, EvidenceKind, OverrideKind, ReviewStatus, RunStatus};
pub use window::{Window, digest};

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use std::fmt;

/// Where a record came from. The string form is what the database stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    Crossref,
    OpenAlex,
    EuropePmc,
    /// Publisher landing and full-text pages reached through the DOI resolver.
    Publisher,
    /// Authors and affiliations read from open-access full text (JATS).
    FullText,
    /// What the acknowledged awards are worth (USAspending.gov).
    UsaSpending,
}

impl Source {
    pub const ALL: [Source; 6] = [
        Source::Crossref,
        Source::OpenAlex,
        Source::EuropePmc,
        Source::Publisher,
        Source::FullText,
        Source::UsaSpending,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Crossref => "crossref",
            Source::OpenAlex => "openalex",
            Source::EuropePmc => "europepmc",
            Source::Publisher => "pages",
            Source::FullText => "fulltext",
            Source::UsaSpending => "usaspending",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        match s.trim().to_ascii_lowercase().as_str() {
            "crossref" => Some(Source::Crossref),
            "openalex" => Some(Source::OpenAlex),
            "europepmc" | "europe-pmc" | "epmc" => Some(Source::EuropePmc),
            "pages" | "publisher" | "html" => Some(Source::Publisher),
            "fulltext" => Some(Source::FullText),
            "usaspending" | "usa-spending" => Some(Source::UsaSpending),
            _ => None,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ToSql for Source {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(
            self.as_str().as_bytes(),
        )))
    }
}

impl FromSql for Source {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let word = value.as_str()?;
        Source::parse(word)
            .ok_or_else(|| FromSqlError::Other(format!("{word:?} is not a known source").into()))
    }
}

/// One work as one source describes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkRecord {
    /// Normalised DOI (`10.…`, lower case), when the source has one.
    pub doi: Option<String>,
    /// OpenAlex work id (`W…`), when known.
    pub openalex_id: Option<String>,
    pub title: Option<String>,
    /// ISO date with the precision the source gives: `2024`, `2024-05` or `2024-05-17`.
    pub publication_date: Option<String>,
    pub venue: Option<String>,
    pub work_type: Option<String>,
    pub authors: Vec<AuthorRecord>,
    pub funders: Vec<FunderRecord>,
    /// The record's JSON exactly as the source sent it (one item of a page).
    pub raw: String,
}

impl WorkRecord {
    /// The key the store merges on: the DOI, or the OpenAlex id for works without one.
    pub fn key(&self) -> Option<String> {
        self.doi.clone().or_else(|| self.openalex_id.clone())
    }
}

/// An author in source order, with every affiliation the source gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthorRecord {
    pub name: String,
    pub orcid: Option<String>,
    pub openalex_id: Option<String>,
    pub affiliations: Vec<AffiliationRecord>,
    /// Country codes OpenAlex attaches to the authorship (`countries`); sometimes inferred by
    /// OpenAlex from the raw text when no institution matched.
    pub countries: Vec<String>,
}

/// One affiliation: the raw string next to whatever institution a source matched it to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AffiliationRecord {
    pub raw: Option<String>,
    pub institution_name: Option<String>,
    pub institution_id: Option<String>,
    pub ror: Option<String>,
    pub country_code: Option<String>,
}

/// One funder entry with its award numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FunderRecord {
    /// Crossref Funder Registry DOI (`10.13039/…`) or OpenAlex funder id (`F…`).
    pub funder_id: Option<String>,
    pub name: Option<String>,
    pub ror: Option<String>,
    pub awards: Vec<String>,
    /// Crossref `doi-asserted-by` (`publisher` or `crossref`).
    pub asserted_by: Option<String>,
}

/// The author a source's affiliations go with when it links none to an author (a full text
/// without author–affiliation links): they are the paper's, not one person's.
pub const UNLINKED_AUTHORS: &str = "(authors not linked to affiliations)";

/// One flagged paper.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq, Default)]
pub struct FlaggedRow {
    pub doi: String,
    pub title: String,
    /// Always a whole date (`2024-05-01`); see `publication_date_precision`.
    pub publication_date: String,
    /// `day`, `month` or `year`: how much of `publication_date` the sources gave.
    pub publication_date_precision: String,
    pub venue: String,
    /// 1 = a China-based coauthor at a defense-linked entity, 2 = at another listed entity,
    /// 3 = other China-based coauthors.
    pub tier: String,
    /// The lists and levels that decided the tier ("ASPI high or very high risk; Seven Sons").
    pub risk: String,
    pub dod_components: String,
    pub award_numbers: String,
    /// Obligations to date (USAspending) of the paper's distinct resolved awards, in dollars
    /// with two decimals; empty when none is resolved.
    pub award_obligation_usd: String,
    /// The USAspending pages of those awards.
    pub award_links: String,
    pub dod_evidence: String,
    pub china_institutions: String,
    pub china_regions: String,
    pub china_evidence: String,
    pub entity_hits: String,
    /// Since when each entry named in `entity_hits` is on its list, and whether that was
    /// before or after publication ("Entry: listed 2025-01-07, after publication").
    pub entity_listed_since: String,
    /// Authors placed both in the US and in China on this paper, with both affiliations
    /// (`author 2 (Wei Zhang): US "…" [state code MA, crossref] + CN "…"`).
    pub dual_appointment: String,
    /// The paper's China-based coauthors who are on other flagged papers too, with how many
    /// ("Li Na (4 flagged papers)"); only authors an ORCID or OpenAlex id follows count.
    pub repeat_collaborator_papers: String,
    pub sources: String,
    pub first_flagged_at: String,
    /// "true" when the work was already stored by an earlier scan than the one that flagged
    /// it: flagged because what the sources say of it changed (funding deposited later, an
    /// acknowledgment read, a late affiliation), not because it was new.
    pub flag_reason_changed: String,
    /// The latest reviewer decision; "… (evidence changed since the review)" when the flag's
    /// evidence is no longer what was reviewed.
    pub review_status: String,
    pub review_note: String,
    /// The work's id in the database (not exported: the review page links by it).
    #[serde(skip)]
    pub work_id: i64,
    /// The scan that first raised the flag (not exported: the review page's facet).
    #[serde(skip)]
    pub first_run_id: Option<i64>,
}

/// A failure worth keeping: what went wrong, where, and the raw payload when there is one
/// (a malformed record is stored with its JSON so nothing a source sent is lost).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub source: Source,
    pub kind: ErrorKind,
    /// Where (a URL without secrets, a DOI, a shard key).
    pub url: Option<String>,
    pub message: String,
    pub raw: Option<String>,
}

impl Problem {
    pub fn new(source: Source, kind: ErrorKind, message: impl Into<String>) -> Problem {
        Problem {
            source,
            kind,
            url: None,
            message: message.into(),
            raw: None,
        }
    }

    pub fn at(mut self, url: impl Into<String>) -> Problem {
        self.url = Some(url.into());
        self
    }

    pub fn with_raw(mut self, raw: impl Into<String>) -> Problem {
        self.raw = Some(raw.into());
        self
    }
}

/// Normalise a DOI to the bare lower-case `10.…` form, accepting URL and `doi:` prefixes.
/// Returns `None` for anything that is not a DOI.
pub fn normalize_doi(input: &str) -> Option<String> {
    let s = input.trim();
    let lower = s.to_lowercase();
    let mut rest: &str = &lower;
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi.org/",
        "doi:",
    ] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r.trim_start();
            break;
        }
    }
    let rest = rest.trim();
    if rest.starts_with("10.") && rest.contains('/') && !rest.contains(char::is_whitespace) {
        Some(rest.to_string())
    } else {
        None
    }
}

/// Strip the `https://openalex.org/` prefix from an OpenAlex id.
pub fn short_openalex_id(id: &str) -> String {
    id.trim()
        .trim_start_matches("https://openalex.org/")
        .trim_start_matches("http://openalex.org/")
        .to_string()
}

/// Strip the `https://ror.org/` prefix from a ROR id.
pub fn short_ror(id: &str) -> String {
    id.trim()
        .trim_start_matches("https://ror.org/")
        .trim_start_matches("http://ror.org/")
        .to_string()
}

/// A funder registry id in its bare numeric form (`100000183`), from a DOI or a URL.
pub fn registry_number(id: &str) -> Option<String> {
    let s = id.trim().to_lowercase();
    let s = s
        .trim_start_matches("https://doi.org/")
        .trim_start_matches("http://dx.doi.org/")
        .trim_start_matches("http://doi.org/");
    let n = s.strip_prefix("10.13039/").unwrap_or(s);
    if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) {
        Some(n.to_string())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dois_are_bare_and_lower_case() {
        assert_eq!(
            normalize_doi("https://doi.org/10.1039/D2FD00050D").as_deref(),
            Some("10.1039/d2fd00050d")
        );
        assert_eq!(
            normalize_doi(" doi:10.1118/1.4704640 ").as_deref(),
            Some("10.1118/1.4704640")
        );
        assert_eq!(normalize_doi("not a doi"), None);
        assert_eq!(normalize_doi("10.1234"), None);
    }

    #[test]
    fn registry_numbers_come_from_dois_and_urls() {
        assert_eq!(
            registry_number("10.13039/100000183").as_deref(),
            Some("100000183")
        );
        assert_eq!(
            registry_number("http://dx.doi.org/10.13039/100000183").as_deref(),
            Some("100000183")
        );
        assert_eq!(registry_number("F4320306142"), None);
    }
}

/// "listed 2025-01-07, after publication": when an entry was listed (`since`, a date, a month
/// or a year) against when the paper was published (`published`, as precise as known),
/// compared at the precision both have.
pub fn listed_relation(since: &str, published: &str) -> String {
    let n = since.len().min(published.len());
    if since.is_empty() || n < 4 {
        return if since.is_empty() {
            "listing date unknown".into()
        } else {
            format!("listed {since}")
        };
    }
    let when = match published[..n].cmp(&since[..n]) {
        std::cmp::Ordering::Less => "after publication",
        std::cmp::Ordering::Greater => "before publication",
        std::cmp::Ordering::Equal if n == 4 => "the year of publication",
        std::cmp::Ordering::Equal if n == 7 => "the month of publication",
        std::cmp::Ordering::Equal => "the day of publication",
    };
    format!("listed {since}, {when}")
}

/// The stored "Entry: since" lines with their relation to the publication date, one per
/// entry, joined as exports join lines.
pub fn entity_listed_since(stored: &str, published: &str) -> String {
    stored
        .split(" | ")
        .filter(|l| !l.is_empty())
        .map(|l| match l.rsplit_once(": ") {
            Some((entry, since)) => {
                let since = if since == "unknown" { "" } else { since };
                format!("{entry}: {}", listed_relation(since, published))
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

#[cfg(test)]
mod listed_tests {
    use super::*;

    #[test]
    fn a_listing_is_compared_with_publication_at_the_precision_both_have() {
        assert_eq!(
            listed_relation("2025-01-07", "2024-05-01"),
            "listed 2025-01-07, after publication"
        );
        assert_eq!(
            listed_relation("2021-06-03", "2024-05-01"),
            "listed 2021-06-03, before publication"
        );
        assert_eq!(
            listed_relation("2024", "2024-05-01"),
            "listed 2024, the year of publication"
        );
        assert_eq!(listed_relation("", "2024-05-01"), "listing date unknown");
        assert_eq!(
            entity_listed_since(
                "AVIC [DoD 1260H]: 2025-01-07 | X [§1286]: unknown",
                "2024-03-02"
            ),
            "AVIC [DoD 1260H]: listed 2025-01-07, after publication | X [§1286]: listing date unknown"
        );
    }
}
