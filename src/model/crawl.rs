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

/// A work whose publisher page is worth reading: `(work_id, doi, why it was chosen)`.
pub type PageCandidate = (i64, String, String);

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
