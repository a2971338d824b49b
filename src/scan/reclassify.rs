//! Classification after crawling: every work a source changed (or, for `reclassify`, every
//! work) is decided again with today's rules, lists and reviewers' corrections, and its flag
//! raised, updated or made inactive (never deleted).

use crate::classify::china::RegionPolicy;
use crate::classify::dod::DodClassifier;
use crate::classify::entities::EntityMatcher;
use crate::classify::work::Classifier;
use crate::error::Result;
use crate::model::RunStatus;
use crate::store::{RECLASSIFY_SOURCES, RunTotals, SharedDb};
use indicatif::ProgressBar;
use std::sync::Arc;
use std::time::Instant;

/// What `reclassify` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReclassifySummary {
    pub run_id: i64,
    pub classified: u64,
    pub candidates: u64,
    pub flagged: u64,
    pub new_flags: u64,
    pub tier1: u64,
}

impl std::fmt::Display for ReclassifySummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "reclassified {} works: {} DoD-funded candidates, {} flagged ({} new, {} tier 1)",
            self.classified, self.candidates, self.flagged, self.new_flags, self.tier1
        )
    }
}

/// The DoD classifier with the ids earlier scans learnt (Crossref descendants, OpenAlex ids).
pub async fn stored_dod_classifier(db: &SharedDb) -> Result<DodClassifier> {
    let (crossref, openalex) = db
        .run(|d| Ok((d.dod_ids("crossref")?, d.dod_ids("openalex")?)))
        .await?;
    Ok(DodClassifier::new()
        .with_registry_ids(crossref.iter().map(|(id, n, _)| (id.as_str(), n.as_str())))
        .with_openalex_ids(
            openalex
                .iter()
                .filter_map(|(id, _, r)| Some((id.as_str(), r.as_deref()?))),
        ))
}

/// Classify what changed since the last classification: works an interrupted scan or a
/// migration left to be classified again (`awards resolve` needs their cited awards).
pub async fn classify_pending(db: &SharedDb, policy: RegionPolicy) -> Result<Classified> {
    let c = classifier(db, stored_dod_classifier(db).await?, policy).await?;
    let done = classify_dirty(db, None, c, &ProgressBar::hidden()).await?;
    if done.works() > 0 {
        db.run(|d| d.rebuild_people().map(|_| ())).await?;
    }
    Ok(done)
}

/// The whole classifier for this database: `dod`, the lists in force, the corrections.
pub async fn classifier(
    db: &SharedDb,
    dod: DodClassifier,
    policy: RegionPolicy,
) -> Result<Arc<Classifier>> {
    let (lists, overrides) = db.run(|d| Ok((d.entity_lists()?, d.overrides()?))).await?;
    Ok(Arc::new(
        Classifier::new(dod, policy)
            .with_entities(EntityMatcher::with_imported(lists))
            .with_overrides(overrides),
    ))
}

/// The works classified (each once, however often) and the flags newly raised.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Classified {
    pub ids: std::collections::BTreeSet<i64>,
    pub new_flags: u64,
}

impl Classified {
    /// Distinct works classified.
    pub fn works(&self) -> u64 {
        self.ids.len() as u64
    }
}

impl std::ops::AddAssign for Classified {
    fn add_assign(&mut self, o: Classified) {
        self.ids.extend(o.ids);
        self.new_flags += o.new_flags;
    }
}

/// Classify every work a source changed since it was last classified, 500 per transaction.
pub async fn classify_dirty(
    db: &SharedDb,
    run_id: Option<i64>,
    classifier: Arc<Classifier>,
    pb: &ProgressBar,
) -> Result<Classified> {
    let ids = db.run(|d| d.dirty_work_ids()).await?;
    pb.set_length(ids.len() as u64);
    let mut done = Classified::default();
    for chunk in ids.chunks(500) {
        let chunk = chunk.to_vec();
        let ids = chunk.clone();
        let c = classifier.clone();
        let (n, new) = db
            .run(move |d| {
                let mut decisions = Vec::with_capacity(chunk.len());
                for id in &chunk {
                    let facts = d.work_facts(*id)?;
                    decisions.push((*id, c.decide(&facts)));
                }
                let (_, _, new) = d.apply_decisions(run_id, &decisions)?;
                Ok((decisions.len() as u64, new))
            })
            .await?;
        done += Classified {
            ids: ids.into_iter().collect(),
            new_flags: new,
        };
        pb.inc(n);
    }
    Ok(done)
}

/// Classify every stored work again with today's rules and lists; nothing is fetched. Flags
/// that no longer hold become inactive (never deleted), so their history stays.
pub async fn reclassify(
    db: &SharedDb,
    policy: RegionPolicy,
    progress: bool,
) -> Result<ReclassifySummary> {
    let started = Instant::now();
    // A run of its own (marked as one that crawled nothing), so flags it raises are dated.
    let run_id = db.run(|d| d.begin_run("", "", RECLASSIFY_SOURCES)).await?;
    db.run(|d| d.mark_all_dirty()).await?;
    let dod = stored_dod_classifier(db).await?;
    let classifier = classifier(db, dod, policy).await?;
    let pb = if progress {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    let done = classify_dirty(db, Some(run_id), classifier, &pb).await?;
    pb.finish_and_clear();
    db.run(|d| d.rebuild_people().map(|_| ())).await?;
    let (candidates, flagged, tier1) = db.run(|d| d.flag_counts()).await?;
    let totals = RunTotals {
        status: RunStatus::Ok,
        works_seen: done.works(),
        candidates,
        flagged,
        new_flags: done.new_flags,
        elapsed_ms: started.elapsed().as_millis() as u64,
        message: Some("reclassified without crawling".into()),
        ..Default::default()
    };
    db.run(move |d| d.finish_run(run_id, &totals)).await?;
    Ok(ReclassifySummary {
        run_id,
        classified: done.works(),
        candidates,
        flagged,
        new_flags: done.new_flags,
        tier1,
    })
}
