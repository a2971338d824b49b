//! Decisions become flags: one row per flagged work with the denormalised columns exports show,
//! and one evidence row per reason. Flags are never deleted: one that stops holding becomes
//! inactive, keeping its reviews.

use super::{Db, now};
use crate::classify::work::{WorkDecision, canonical_institution};
use crate::error::Result;
use crate::model::{EvidenceKind, FlaggedRow};
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeSet;

/// Which flagged papers to read.
#[derive(Debug, Clone, Default)]
pub struct FlagFilter {
    /// Only flags first raised by a run after this one.
    pub since_run: Option<i64>,
}

impl Db {
    /// Store decisions for a batch of works in one transaction. Returns `(candidates, flagged,
    /// new flags)` among the batch.
    pub fn apply_decisions(
        &mut self,
        run_id: Option<i64>,
        decisions: &[(i64, WorkDecision)],
    ) -> Result<(u64, u64, u64)> {
        let tx = self.conn.transaction()?;
        let stamp = now();
        let (mut candidates, mut flagged, mut new_flags) = (0, 0, 0);
        for (work_id, d) in decisions {
            candidates += !d.dod.is_empty() as u64;
            tx.prepare_cached(
                "INSERT INTO classifications (work_id, dod, china, classified_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (work_id) DO UPDATE SET dod = excluded.dod, china = excluded.china,
                    classified_at = excluded.classified_at",
            )?
            .execute(params![work_id, !d.dod.is_empty(), !d.china.is_empty(), stamp])?;
            // The awards it cites, as today's rules read them.
            tx.prepare_cached("DELETE FROM work_awards WHERE work_id = ?1")?
                .execute([work_id])?;
            for a in d.awards.iter().filter(|_| !d.dod.is_empty()) {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO work_awards (work_id, canonical, cited_as, office, lookup, evidence, component)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![work_id, a.canonical, a.cited_as, a.office, a.lookup, a.evidence, a.component])?;
            }
            let existing: Option<i64> = tx
                .prepare_cached("SELECT active FROM flags WHERE work_id = ?1")?
                .query_row([work_id], |r| r.get("active"))
                .optional()?;
            if d.flagged() {
                flagged += 1;
                let cols = FlagColumns::from(d);
                new_flags += existing.is_none() as u64;
                // A flag raised again keeps when it was first raised.
                tx.prepare_cached(
                    "INSERT INTO flags (work_id, active, first_flagged_at, first_run_id, last_run_id, updated_at,
                        dod_components, award_numbers, dod_evidence, china_institutions, china_regions,
                        china_evidence, tier, risk, entity_hits, entity_listed_since, dual_appointment,
                        evidence_hash)
                     VALUES (:work_id, 1, :stamp, :run_id, :run_id, :stamp, :dod_components, :award_numbers,
                        :dod_evidence, :china_institutions, :china_regions, :china_evidence, :tier,
                        :risk, :entity_hits, :entity_listed_since, :dual_appointment, :evidence_hash)
                     ON CONFLICT (work_id) DO UPDATE SET active = 1, last_run_id = excluded.last_run_id,
                        updated_at = excluded.updated_at, dod_components = excluded.dod_components,
                        award_numbers = excluded.award_numbers, dod_evidence = excluded.dod_evidence,
                        china_institutions = excluded.china_institutions,
                        china_regions = excluded.china_regions, china_evidence = excluded.china_evidence,
                        tier = excluded.tier, risk = excluded.risk, entity_hits = excluded.entity_hits,
                        entity_listed_since = excluded.entity_listed_since,
                        dual_appointment = excluded.dual_appointment,
                        evidence_hash = excluded.evidence_hash",
                )?
                .execute(rusqlite::named_params! {
                    ":work_id": work_id,
                    ":stamp": stamp,
                    ":run_id": run_id,
                    ":dod_components": cols.dod_components,
                    ":award_numbers": cols.award_numbers,
                    ":dod_evidence": cols.dod_evidence,
                    ":china_institutions": cols.china_institutions,
                    ":china_regions": cols.china_regions,
                    ":china_evidence": cols.china_evidence,
                    ":tier": cols.tier,
                    ":risk": d.risk(),
                    ":entity_hits": cols.entity_hits,
                    ":entity_listed_since": cols.entity_listed_since,
                    ":dual_appointment": d.dual.iter().map(|x| x.describe()).collect::<Vec<_>>().join(" | "),
                    ":evidence_hash": cols.evidence_hash(),
                })?;
                tx.prepare_cached("DELETE FROM flag_evidence WHERE work_id = ?1")?
                    .execute([work_id])?;
                for e in &d.dod {
                    tx.prepare_cached(
                        "INSERT INTO flag_evidence (work_id, kind, source, summary, component, via, matched, funder_name, funder_id, awards)
                         VALUES (?1, ?10, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    )?
                    .execute(params![
                        work_id,
                        e.source,
                        e.describe(),
                        crate::classify::dod::component_label(&e.component, &e.group),
                        e.via.as_str(),
                        e.matched(),
                        e.funder_name,
                        e.funder_id,
                        e.awards.join("; "),
                        EvidenceKind::Dod
                    ])?;
                }
                for e in &d.china {
                    tx.prepare_cached(
                        "INSERT INTO flag_evidence (work_id, kind, source, summary, via, matched, author_position, author_name,
                            affiliation, institution, country_code, region, ror, personal)
                         VALUES (?1, ?12, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?13, ?14)",
                    )?
                    .execute(params![
                        work_id,
                        e.source,
                        e.describe(),
                        e.level,
                        e.matched,
                        e.author_position,
                        e.author_name,
                        e.affiliation,
                        e.institution.as_deref().map(canonical_institution),
                        e.country_code,
                        e.region.as_str(),
                        EvidenceKind::China,
                        e.ror,
                        e.personal
                    ])?;
                    for h in &e.entities {
                        tx.prepare_cached(
                            "INSERT INTO flag_evidence (work_id, kind, source, summary, component, via, matched,
                                author_position, author_name, affiliation, institution, region, personal)
                             VALUES (?1, ?11, ?2, ?3, ?4, 'entity list', ?5, ?6, ?7, ?8, ?9, ?10, ?12)",
                        )?
                        .execute(params![
                            work_id,
                            e.source,
                            format!("{} — {}", h.describe(), h.detail),
                            h.list,
                            h.matched,
                            e.author_position,
                            e.author_name,
                            e.affiliation,
                            h.entry,
                            e.region.as_str(),
                            EvidenceKind::Entity,
                            e.personal
                        ])?;
                    }
                }
                // Where the paper places its other authors (the people view's US side) and who
                // is placed on both sides.
                for e in &d.us {
                    tx.prepare_cached(
                        "INSERT INTO flag_evidence (work_id, kind, source, summary, via, matched,
                            author_position, author_name, affiliation, region)
                         VALUES (?1, ?2, ?3, ?4, 'US affiliation', ?5, ?6, ?7, ?8, 'US')",
                    )?
                    .execute(params![
                        work_id,
                        EvidenceKind::Us,
                        e.source,
                        format!(
                            "{} author {} ({}): \"{}\" [{}]",
                            e.source, e.author_position, e.author_name, e.affiliation, e.matched
                        ),
                        e.matched,
                        e.author_position,
                        e.author_name,
                        e.affiliation
                    ])?;
                }
                for x in &d.dual {
                    tx.prepare_cached(
                        "INSERT INTO flag_evidence (work_id, kind, source, summary, via, matched,
                            author_position, author_name, affiliation, institution, region)
                         VALUES (?1, ?2, ?3, ?4, 'dual appointment', ?5, ?6, ?7, ?8, ?9, ?10)",
                    )?
                    .execute(params![
                        work_id,
                        EvidenceKind::Dual,
                        x.us.source,
                        x.describe(),
                        x.us.affiliation,
                        x.author_position,
                        x.author_name,
                        x.china_affiliation,
                        x.china_institution.as_deref().map(canonical_institution),
                        x.china_region.as_str()
                    ])?;
                }
            } else if existing == Some(1) {
                tx.prepare_cached("UPDATE flags SET active = 0, last_run_id = ?2, updated_at = ?3 WHERE work_id = ?1")?
                    .execute(params![work_id, run_id, stamp])?;
            }
            tx.prepare_cached("UPDATE works SET dirty = 0 WHERE id = ?1")?
                .execute([work_id])?;
        }
        tx.commit()?;
        Ok((candidates, flagged, new_flags))
    }

    /// The active flags with their latest review, tier 1 first, newest first within a tier.
    pub fn flagged_rows(&self, filter: &FlagFilter) -> Result<Vec<FlaggedRow>> {
        let mut st = self.conn.prepare(
            "SELECT COALESCE(doi, openalex_id, '') AS doi, COALESCE(title, '') AS title,
                    COALESCE(publication_date, '') AS publication_date, COALESCE(venue, '') AS venue,
                    dod_components, award_numbers, award_obligation_cents,
                    COALESCE(award_links, '') AS award_links, dod_evidence, china_institutions,
                    china_regions, china_evidence, COALESCE(sources, '') AS sources, first_flagged_at,
                    COALESCE(CAST(tier AS TEXT), '') AS tier, risk, entity_hits, entity_listed_since,
                    dual_appointment, COALESCE(repeat_collaborator_papers, '') AS repeat_collaborator_papers,
                    CASE WHEN evidence_changed_since_review = 1
                         THEN review_status || ' (evidence changed since the review)'
                         ELSE COALESCE(review_status, '') END AS review_status,
                    COALESCE(review_note, '') AS review_note, work_id, first_run_id,
                    EXISTS (SELECT 1 FROM discovered_by d JOIN scan_runs s ON s.id = d.first_run_id
                            WHERE d.work_id = flagged_papers.work_id
                              AND d.first_run_id < flagged_papers.first_run_id
                              AND s.status <> 'interrupted') AS changed
             FROM flagged_papers WHERE ?1 IS NULL OR COALESCE(first_run_id, 0) > ?1
             ORDER BY COALESCE(tier, 9), publication_date DESC, doi",
        )?;
        let rows = st.query_map([filter.since_run], |r| {
            let published: String = r.get("publication_date")?;
            Ok(FlaggedRow {
                entity_listed_since: crate::model::entity_listed_since(
                    &r.get::<_, String>("entity_listed_since")?,
                    &published,
                ),
                doi: r.get("doi")?,
                title: r.get("title")?,
                publication_date: r.get("publication_date")?,
                publication_date_precision: String::new(),
                venue: r.get("venue")?,
                tier: r.get("tier")?,
                risk: r.get("risk")?,
                dod_components: r.get("dod_components")?,
                award_numbers: r.get("award_numbers")?,
                award_obligation_usd: r
                    .get::<_, Option<i64>>("award_obligation_cents")?
                    .map(crate::model::dollars)
                    .unwrap_or_default(),
                award_links: r.get("award_links")?,
                dod_evidence: r.get("dod_evidence")?,
                china_institutions: r.get("china_institutions")?,
                china_regions: r.get("china_regions")?,
                china_evidence: r.get("china_evidence")?,
                entity_hits: r.get("entity_hits")?,
                dual_appointment: r.get("dual_appointment")?,
                repeat_collaborator_papers: r.get("repeat_collaborator_papers")?,
                sources: r.get("sources")?,
                first_flagged_at: r.get("first_flagged_at")?,
                flag_reason_changed: r.get::<_, bool>("changed")?.to_string(),
                review_status: r.get("review_status")?,
                review_note: r.get("review_note")?,
                work_id: r.get("work_id")?,
                first_run_id: r.get("first_run_id")?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Works classified as DoD-funded, flagged (active) and flagged at tier 1.
    pub fn flag_counts(&self) -> Result<(u64, u64, u64)> {
        Ok(self.conn.query_row(
            "SELECT (SELECT COUNT(*) FROM classifications WHERE dod = 1) AS candidates,
                    (SELECT COUNT(*) FROM flags WHERE active = 1) AS flagged,
                    (SELECT COUNT(*) FROM flags WHERE active = 1 AND tier = 1) AS tier1",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>("candidates")? as u64,
                    r.get::<_, i64>("flagged")? as u64,
                    r.get::<_, i64>("tier1")? as u64,
                ))
            },
        )?)
    }

    /// Works stored.
    pub fn work_count(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) AS n FROM works", [], |r| {
                r.get::<_, i64>("n")
            })? as u64)
    }
}

/// The denormalised text columns of a flag, as exports show them.
struct FlagColumns {
    dod_components: String,
    award_numbers: String,
    dod_evidence: String,
    china_institutions: String,
    china_regions: String,
    china_evidence: String,
    tier: Option<u8>,
    entity_hits: String,
    /// "Entry [risk]: since" per entry named (not part of the evidence reviewed).
    entity_listed_since: String,
}

impl FlagColumns {
    /// What a reviewer decided on: the evidence, not when it was stored.
    fn evidence_hash(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for part in [
            &self.dod_evidence,
            &self.china_evidence,
            &self.entity_hits,
            &self.award_numbers,
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        format!("{:x}", h.finalize())
    }
}

impl From<&WorkDecision> for FlagColumns {
    fn from(d: &WorkDecision) -> Self {
        let mut awards = Vec::new();
        for e in &d.dod {
            for a in &e.awards {
                push_unique(&mut awards, a.trim());
            }
        }
        let mut regions = BTreeSet::new();
        let (mut hits, mut since) = (Vec::new(), Vec::new());
        for e in &d.china {
            for h in &e.entities {
                push_unique(&mut hits, &h.describe());
                let risk = if h.risk.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", h.risk)
                };
                let when = h.listed_since.as_deref().unwrap_or("unknown");
                push_unique(&mut since, &format!("{}{risk}: {when}", h.entry));
            }
            regions.insert(e.region.as_str());
        }
        FlagColumns {
            dod_components: d.component_labels().join("; "),
            award_numbers: awards.join("; "),
            dod_evidence: d
                .dod
                .iter()
                .map(|e| e.describe())
                .collect::<Vec<_>>()
                .join(" | "),
            china_institutions: d.institutions().join("; "),
            china_regions: regions.into_iter().collect::<Vec<_>>().join("; "),
            china_evidence: d
                .china
                .iter()
                .map(|e| e.describe())
                .collect::<Vec<_>>()
                .join(" | "),
            tier: d.tier(),
            entity_hits: hits.join(" | "),
            entity_listed_since: since.join(" | "),
        }
    }
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !s.is_empty() && !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}
