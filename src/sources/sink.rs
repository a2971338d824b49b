//! Where sources put what they fetched. Sources fetch and parse; a [`Sink`] keeps (the store
//! during a scan, a `Vec` in a test). The model is atuin's `Loader`: the producer never knows
//! what is behind the trait, so a source can be tested without a database and the store can
//! change without touching a source.

use crate::error::Result;
use crate::model::{Checkpoint, Document, PageOutcome, Problem, Source, WorkRecord};
use std::future::Future;

/// What a source hands over, each call one unit that is kept whole or not at all.
pub trait Sink: Sync {
    /// Where crawl `key` of `source` stands; with `refresh`, its progress is forgotten first.
    fn checkpoint(
        &self,
        source: Source,
        key: &str,
        refresh: bool,
    ) -> impl Future<Output = Result<Checkpoint>> + Send;

    /// A page of records with the checkpoint that follows it: both are kept, or neither.
    fn page(
        &self,
        source: Source,
        key: &str,
        records: Vec<WorkRecord>,
        checkpoint: Checkpoint,
    ) -> impl Future<Output = Result<PageOutcome>> + Send;

    /// Records looked up for known works, and the works (by id) the source did not have, so
    /// they are not asked for again.
    fn lookups(
        &self,
        source: Source,
        records: Vec<WorkRecord>,
        misses: Vec<i64>,
    ) -> impl Future<Output = Result<PageOutcome>> + Send;

    /// A fetched (or finally unavailable) document, and the authors it named as a record of
    /// `record.0`'s source. Returns whether the document's texts changed.
    fn document(
        &self,
        document: Document,
        record: Option<(Source, WorkRecord)>,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// A problem worth keeping; the crawl goes on.
    fn problem(&self, problem: Problem) -> impl Future<Output = Result<()>> + Send;
}
