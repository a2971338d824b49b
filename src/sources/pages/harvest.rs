//! Reading acknowledgments: for each candidate work, its open-access copy and then its
//! publisher's page, each document handed to the sink as it arrives, final refusals kept so
//! they are not asked again, passing failures left for the next run.

use super::{Fetched, IN_THE_AIR, PageError, PageFetcher};
use crate::model::{
    AckCandidate, AffiliationRecord, AuthorRecord, Document, DocumentKind, ErrorKind, Problem,
    Source, WorkRecord,
};
use crate::sources::sink::Sink;

/// How exports name text read on publisher pages.
pub const PAGE_ORIGIN: &str = "acknowledgment (publisher page)";

/// How exports name text read in an open-access copy (a repository's PDF or page).
pub const COPY_ORIGIN: &str = "acknowledgment (open-access copy)";

/// What the reading of one run came to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PageTotals {
    /// Documents read (pages and open-access copies).
    pub fetched: u64,
    /// Of those, PDFs.
    pub pdfs: u64,
    /// Works in which an acknowledgment or funding text was found.
    pub found: u64,
    pub disallowed: u64,
    pub unavailable: u64,
    pub errors: u64,
}

/// One thing learned while reading a work: a document read (with the Highwire authors of a
/// publisher's page, and a note when it was cut), a final refusal to remember, or a transient
/// failure to record (the next run asks again).
enum Step {
    Read(Document, Option<Box<WorkRecord>>, Option<Problem>),
    /// `true` when robots.txt said no (counted apart from unavailable).
    Refused(Document, bool),
    Failed(Problem),
}

impl PageFetcher {
    /// Read the acknowledgment of every work of `todo`, from the cheapest text first: the
    /// open-access copy (a PDF or a repository's page), then, if that said nothing of
    /// funding, the publisher's page by DOI. Each document goes to the sink as it arrives; a
    /// final refusal (robots.txt, 404, not HTML, an unreadable or too large PDF) is kept as a
    /// document that is not asked for again, a transient failure as a problem.
    pub async fn harvest<S: Sink>(
        &self,
        todo: Vec<AckCandidate>,
        sink: &S,
        on_work: &(dyn Fn(u64) + Send + Sync),
    ) -> crate::Result<PageTotals> {
        use futures::StreamExt;
        let mut totals = PageTotals::default();
        let mut results = futures::stream::iter(todo)
            .map(|c| self.read_one(c))
            // Enough works in the air that one slow host does not hold up the others: every
            // host's own cap decides what is really in flight there.
            .buffer_unordered(IN_THE_AIR);
        while let Some(steps) = results.next().await {
            let mut found = false;
            for step in steps {
                match step {
                    Step::Read(document, record, cut) => {
                        totals.fetched += 1;
                        if document
                            .content_type
                            .as_deref()
                            .is_some_and(|t| t.contains("pdf"))
                        {
                            totals.pdfs += 1;
                        }
                        found |= !document.texts.is_empty();
                        if let Some(p) = cut {
                            sink.problem(p).await?;
                        }
                        sink.document(document, record.map(|r| (Source::Publisher, *r)))
                            .await?;
                    }
                    Step::Refused(document, disallowed) => {
                        if disallowed {
                            totals.disallowed += 1;
                        } else {
                            totals.unavailable += 1;
                        }
                        sink.document(document, None).await?;
                    }
                    Step::Failed(p) => {
                        totals.errors += 1;
                        sink.problem(p).await?;
                    }
                }
            }
            totals.found += u64::from(found);
            on_work(1);
        }
        Ok(totals)
    }

    async fn read_one(&self, c: AckCandidate) -> Vec<Step> {
        let mut steps = Vec::new();
        if let Some(url) = c.copy_url.as_deref().filter(|_| !c.page_only()) {
            let step = self.read_copy(c.work_id, url, &c.reason).await;
            // Found, or failed for now (asked again next run, not read elsewhere instead:
            // what is kept must not depend on a passing failure).
            let stop = match &step {
                Step::Read(d, ..) => !d.texts.is_empty(),
                Step::Failed(_) => true,
                Step::Refused(..) => false,
            };
            steps.push(step);
            if stop {
                return steps;
            }
        }
        if let Some(doi) = &c.doi {
            steps.push(match self.fetch_doi(doi).await {
                Ok(page) => {
                    let cut = cut_note(&page);
                    let (document, record) = read_page(c.work_id, doi, page);
                    Step::Read(document, record.map(Box::new), cut)
                }
                Err(e) => refusal(
                    e,
                    c.work_id,
                    DocumentKind::PublisherPage,
                    PAGE_ORIGIN,
                    format!("doi:{doi}"),
                    &c.reason,
                ),
            });
        }
        steps
    }

    /// Read an open-access copy: a PDF's funding texts (on a blocking thread, one per core at
    /// most, within `pdf_timeout`), or an HTML page's acknowledgment sections.
    async fn read_copy(&self, work_id: i64, url: &str, reason: &str) -> Step {
        let kind = DocumentKind::OpenAccessCopy;
        let page = match self.fetch_as(url, true).await {
            Ok(p) => p,
            Err(e) => return refusal(e, work_id, kind, COPY_ORIGIN, url.to_string(), reason),
        };
        let is_pdf = page.content_type.contains("pdf") || page.body.starts_with(b"%PDF");
        if !is_pdf {
            let cut = cut_note(&page);
            let texts = page_texts(&crate::sources::html::extract(&String::from_utf8_lossy(
                &page.body,
            )));
            return Step::Read(
                document_of(work_id, kind, COPY_ORIGIN, page, texts),
                None,
                cut,
            );
        }
        let _slot = self.pdf_slots.acquire().await;
        let body = page.body.clone();
        let reading = tokio::task::spawn_blocking(move || {
            crate::sources::pdf::pages_of(&body).map(|p| crate::sources::pdf::funding_texts(&p))
        });
        // A reader past its time keeps its thread until it ends; the scan does not wait for it.
        let why = match tokio::time::timeout(self.cfg.pdf_timeout, reading).await {
            Ok(Ok(Ok(texts))) => {
                let mut page = page;
                if !page.content_type.contains("pdf") {
                    page.content_type = "application/pdf".into();
                }
                return Step::Read(
                    document_of(work_id, kind, COPY_ORIGIN, page, texts),
                    None,
                    None,
                );
            }
            Ok(Ok(Err(why))) => why,
            Ok(Err(_)) => "the PDF reader stopped unexpectedly".to_string(),
            Err(_) => format!(
                "reading the PDF took longer than {} s",
                self.cfg.pdf_timeout.as_secs_f64()
            ),
        };
        let mut document = document_of(work_id, kind, COPY_ORIGIN, page, Vec::new());
        document.error = Some(format!("{url}: {why} (chosen because: {reason})"));
        Step::Refused(document, false)
    }
}

/// A final refusal is remembered as a document; a transient one is a problem for the run.
fn refusal(
    e: PageError,
    work_id: i64,
    kind: DocumentKind,
    origin: &'static str,
    at: String,
    reason: &str,
) -> Step {
    if e.is_final() {
        let error = format!("{e} (chosen because: {reason})");
        let disallowed = matches!(e, PageError::Disallowed { .. });
        Step::Refused(
            Document::unavailable(work_id, Source::Publisher, kind, origin, at, error),
            disallowed,
        )
    } else {
        Step::Failed(Problem::new(Source::Publisher, ErrorKind::Page, e.to_string()).at(at))
    }
}

fn cut_note(page: &Fetched) -> Option<Problem> {
    page.truncated.then(|| {
        let note = format!(
            "page cut at {} bytes; the rest was not read",
            page.body.len()
        );
        Problem::new(Source::Publisher, ErrorKind::PageTruncated, note).at(page.final_url.clone())
    })
}

fn page_texts(facts: &crate::sources::html::PageFacts) -> Vec<(String, String)> {
    facts
        .sections
        .iter()
        .map(|s| {
            let label = if s.heading.is_empty() {
                s.rule.clone()
            } else {
                s.heading.clone()
            };
            (label, s.text.clone())
        })
        .collect()
}

fn document_of(
    work_id: i64,
    kind: DocumentKind,
    origin: &'static str,
    page: Fetched,
    texts: Vec<(String, String)>,
) -> Document {
    use sha2::Digest;
    Document {
        work_id,
        source: Source::Publisher,
        kind,
        origin,
        url: page.url,
        final_url: Some(page.final_url),
        status: Some(page.status),
        content_type: Some(page.content_type),
        sha256: Some(format!("{:x}", sha2::Sha256::digest(&page.body))),
        bytes: Some(page.body.len()),
        error: None,
        texts,
    }
}

/// A fetched page as a document with its acknowledgment and funding texts, and its Highwire
/// authors as a record (none when it names none).
pub fn read_page(work_id: i64, doi: &str, page: Fetched) -> (Document, Option<WorkRecord>) {
    let facts = crate::sources::html::extract(&String::from_utf8_lossy(&page.body));
    let record = page_record(doi, &facts);
    let texts = page_texts(&facts);
    (
        document_of(
            work_id,
            DocumentKind::PublisherPage,
            PAGE_ORIGIN,
            page,
            texts,
        ),
        record,
    )
}

/// The page's Highwire authors as a record of the `pages` source (none when it has none).
fn page_record(doi: &str, facts: &crate::sources::html::PageFacts) -> Option<WorkRecord> {
    if facts.authors.is_empty() {
        return None;
    }
    Some(WorkRecord {
        doi: Some(doi.to_string()),
        title: facts.title.clone(),
        publication_date: facts.date.clone(),
        venue: facts.journal.clone(),
        authors: facts
            .authors
            .iter()
            .map(|a| AuthorRecord {
                name: a.name.clone(),
                affiliations: a
                    .institutions
                    .iter()
                    .map(|i| AffiliationRecord {
                        raw: Some(i.clone()),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
            .collect(),
        raw: serde_json::to_string(facts).unwrap_or_default(),
        ..Default::default()
    })
}
