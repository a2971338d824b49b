//! The store as the sources' sink during a scan: every hand-over is one transaction on a
//! blocking thread, tagged with the run that made it.

use super::{Page, SharedDb};
use crate::error::Result;
use crate::model::{Checkpoint, Document, PageOutcome, Problem, Source, WorkRecord};
use crate::sources::sink::Sink;

/// The database behind a scan run.
#[derive(Clone)]
pub struct RunSink {
    pub db: SharedDb,
    pub run_id: i64,
}

impl Sink for RunSink {
    async fn checkpoint(&self, source: Source, key: &str, refresh: bool) -> Result<Checkpoint> {
        let key = key.to_string();
        self.db
            .run(move |db| {
                if refresh {
                    db.reset_checkpoint(source, &key)?;
                }
                Ok(db.checkpoint(source, &key)?.unwrap_or_default())
            })
            .await
    }

    async fn page(
        &self,
        source: Source,
        key: &str,
        records: Vec<WorkRecord>,
        checkpoint: Checkpoint,
    ) -> Result<PageOutcome> {
        let (key, run_id) = (key.to_string(), self.run_id);
        self.db
            .run(move |db| {
                db.save_page(&Page {
                    run_id,
                    source,
                    shard: &key,
                    checkpoint,
                    records: &records,
                })
            })
            .await
    }

    async fn lookups(
        &self,
        source: Source,
        records: Vec<WorkRecord>,
        misses: Vec<i64>,
    ) -> Result<PageOutcome> {
        let run_id = self.run_id;
        self.db
            .run(move |db| db.save_enrichment(run_id, source, &records, &misses))
            .await
    }

    async fn document(
        &self,
        document: Document,
        record: Option<(Source, WorkRecord)>,
    ) -> Result<bool> {
        let run_id = self.run_id;
        self.db
            .run(move |db| {
                if let Some((source, r)) = &record {
                    db.save_enrichment(run_id, *source, std::slice::from_ref(r), &[])?;
                }
                db.save_document(&document)
            })
            .await
    }

    async fn problem(&self, problem: Problem) -> Result<()> {
        let run_id = self.run_id;
        self.db
            .run(move |db| db.record_problem(Some(run_id), &problem))
            .await
    }
}
