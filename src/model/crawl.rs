//! What a crawl hands over besides records: where paging stands, what a page changed, the
//! documents fetched, and the problems met. Plain data, so sources need not know the store.

use super::{DocumentKind, Source};

/// Paging state of one crawl key (a shard, a query).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkpoint {
    pub cursor: Option<String>,
    pub done: bool,
    pub items: u64,
    pub announced: Option<u64>,
}

/// A work whose acknowledgment is worth reading, with every text it can be read from. The
/// reader tries the cheapest first: Europe PMC's full text, the open-access copy, the
/// publisher's page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AckCandidate {
    pub work_id: i64,
    pub doi: Option<String>,
    /// Why it was chosen (said when a page cannot be read).
    pub reason: String,
    /// 0 flagged without an acknowledgment, 1 DoD-funded without affiliations (its page's
    /// author tags are wanted), 2 China-linked with a US-based coauthor, 3 other China-linked.
    pub priority: u8,
    /// A PubMed Central id whose Europe PMC full text has not been asked for.
    pub pmcid: Option<String>,
    /// The open-access copy: a PDF, else a landing page that is not the DOI's.
    pub copy_url: Option<String>,
}

impl AckCandidate {
    /// Only the publisher's page will do: what is wanted is its author tags.
    pub fn page_only(&self) -> bool {
        self.priority == 1
    }
}

/// A PubMed Central id in any of the forms OpenAlex and Europe PMC write it (a PMC URL,
/// "PMC123", a bare number), as Europe PMC's full-text URL wants it: "PMC123".
pub fn pmcid(raw: &str) -> Option<String> {
    let tail = raw.trim().trim_end_matches('/').rsplit('/').next()?;
    let digits = tail
        .strip_prefix("PMC")
        .or_else(|| tail.strip_prefix("pmc"))
        .unwrap_or(tail);
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("PMC{digits}"))
}

/// How many candidates wait, by priority (`AckCandidate::priority`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AckBacklog {
    pub by_priority: [u64; 4],
}

impl AckBacklog {
    pub fn total(&self) -> u64 {
        self.by_priority.iter().sum()
    }
}

/// What a page changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PageOutcome {
    pub new_works: u64,
    pub changed: u64,
}

impl std::ops::AddAssign for PageOutcome {
    fn add_assign(&mut self, o: PageOutcome) {
        self.new_works += o.new_works;
        self.changed += o.changed;
    }
}

/// A fetched document (full text or landing page) and the funding texts found in it.
#[derive(Debug, Clone)]
pub struct Document {
    pub work_id: i64,
    pub source: Source,
    pub kind: DocumentKind,
    /// How exports name where the text came from: "acknowledgment (Europe PMC full text)".
    pub origin: &'static str,
    pub url: String,
    pub final_url: Option<String>,
    pub status: Option<u16>,
    pub content_type: Option<String>,
    pub sha256: Option<String>,
    pub bytes: Option<usize>,
    /// Why nothing was read (404, not XML, robots.txt); the document is not fetched again.
    pub error: Option<String>,
    /// `(section, text)` pairs.
    pub texts: Vec<(String, String)>,
}

impl Document {
    /// A document that could not be read, remembered so it is not asked for again.
    pub fn unavailable(
        work_id: i64,
        source: Source,
        kind: DocumentKind,
        origin: &'static str,
        url: String,
        error: String,
    ) -> Document {
        Document {
            work_id,
            source,
            kind,
            origin,
            url,
            final_url: None,
            status: None,
            content_type: None,
            sha256: None,
            bytes: None,
            error: Some(error),
            texts: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pmcid_is_read_in_every_form_the_sources_write_it() {
        for raw in [
            "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC7112233",
            "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC7112233/",
            "PMC7112233",
            "pmc7112233",
            "7112233",
        ] {
            assert_eq!(pmcid(raw).as_deref(), Some("PMC7112233"), "{raw}");
        }
        assert_eq!(pmcid(""), None);
        assert_eq!(pmcid("https://example.org/article/abc"), None);
    }

    #[test]
    fn only_the_page_will_do_for_a_dod_funded_work_without_affiliations() {
        let c = |priority| AckCandidate {
            priority,
            ..Default::default()
        };
        assert!(c(1).page_only());
        assert!(!c(0).page_only() && !c(2).page_only() && !c(3).page_only());
    }
}
