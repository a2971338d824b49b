//! The DoD tasks: funding sentences in acknowledgments (GROBID's labelled corpus), funder
//! names as assertions give them, and whole records.

use super::{Counts, Miss, TaskReport, clip, data, labels, miss_kind};
use crate::classify::dod::DodClassifier;
use crate::error::{Error, Result};
use std::path::Path;

pub(super) fn dod_text_task(dir: &Path, dod: &DodClassifier) -> Result<TaskReport> {
    let corpus = dir.join("grobid_funding_acknowledgement/corpus");
    let labels = labels::SpanLabels::embedded();
    let noise = labels::TextNoise::embedded();
    let mut raw = Counts::default();
    let mut corrected = Vec::new();
    let mut counts = Counts::default();
    let mut misses = Vec::new();
    let mut texts = 0;
    let mut files = Vec::new();
    for file in [
        "all-acknowledgements.tei.xml",
        "all-fundings.tei.xml",
        "all-infrastructures.tei.xml",
    ] {
        let items = data::grobid_funding(&corpus.join(file))?;
        texts += items.len();
        files.push(format!("{file} ({})", items.len()));
        for item in items {
            let annotated = labels.is_dod(&item);
            let gold = match noise.judged(&item.text) {
                Some((judged, reason)) => {
                    corrected.push(format!(
                        "{}: annotation says {}, judged {} ({reason})",
                        clip(&item.text, 160),
                        if annotated { "DoD" } else { "not DoD" },
                        if judged { "DoD" } else { "not DoD" }
                    ));
                    judged
                }
                None => annotated,
            };
            let v = dod.classify_text(&item.text);
            raw.add(annotated, v.dod);
            counts.add(gold, v.dod);
            if gold != v.dod {
                let mut why: Vec<String> = v
                    .matches
                    .iter()
                    .map(|m| {
                        format!(
                            "{} {:?} [{}..{}] → {}",
                            m.via.as_str(),
                            m.span.text,
                            m.span.start,
                            m.span.end,
                            m.component
                        )
                    })
                    .collect();
                why.extend(
                    v.ignored
                        .iter()
                        .map(|i| format!("set aside {:?}: {}", i.span.text, i.reason)),
                );
                misses.push(Miss {
                    kind: miss_kind(v.dod),
                    input: item.text.clone(),
                    gold: if gold {
                        format!("DoD ({})", labels.dod_spans(&item).join("; ")).replace(" ()", "")
                    } else {
                        "not DoD".into()
                    },
                    predicted: if v.dod { "DoD" } else { "not DoD" }.into(),
                    why: if why.is_empty() {
                        "no DoD name or award number found".into()
                    } else {
                        why.join("; ")
                    },
                });
            }
        }
    }
    Ok(TaskReport {
        id: "dod-text",
        title: "DoD funding in acknowledgment and funding text: GROBID corpus",
        data: format!(
            "grobid_funding_acknowledgement/corpus: {texts} texts — {} (evaluation/funding.tei.xml \
             repeats the first 8 fundings and is left out)",
            files.join(", ")
        ),
        gold_rule: "a text is DoD when one of its `<funder>` or `<grantNumber>` spans is labelled DoD \
                    in src/eval/dod_spans.csv (decided once, span by span, before the text \
                    classifier was written).",
        counts,
        target: Some((0.97, 0.95)),
        misses,
        notes: {
            let mut notes = vec![format!(
                "Against the annotation as it is (no corrections): {}.",
                raw.summary()
            )];
            if !corrected.is_empty() {
                notes.push(format!(
                    "{} texts whose annotation leaves out a DoD funder they name were judged by \
                     reading (src/eval/dod_text_noise.csv):",
                    corrected.len()
                ));
                notes.extend(corrected);
            }
            notes
        },
    })
}

pub(super) fn funder_name_task(dir: &Path, dod: &DodClassifier) -> Result<TaskReport> {
    let folder = dir.join("crossref_publisher_funder_assertions");
    let mut pairs = Vec::new();
    for file in [
        "20231017_publisher_funder_assertions_sample_valid.csv",
        "20231017_publisher_funder_assertions_sample_sample_test.csv",
    ] {
        pairs.extend(data::funder_assertions(&folder.join(file))?);
    }
    pairs.sort();
    pairs.dedup();
    let noise = labels::NoiseLabels::embedded();
    let mut raw = Counts::default();
    let mut counts = Counts::default();
    let mut misses = Vec::new();
    let mut corrected = Vec::new();
    for (id, name) in &pairs {
        let registry_gold = dod.is_dod_registry(id);
        let gold = match noise.judged(id, name) {
            Some((judged, reason)) => {
                corrected.push(format!(
                    "{name:?} → 10.13039/{id}: registry says {}, judged {} ({reason})",
                    if registry_gold { "DoD" } else { "not DoD" },
                    if judged { "DoD" } else { "not DoD" }
                ));
                judged
            }
            None => registry_gold,
        };
        let m = dod.classify_name(name, false);
        let predicted = !m.is_empty();
        raw.add(registry_gold, predicted);
        counts.add(gold, predicted);
        if gold != predicted {
            misses.push(Miss {
                kind: miss_kind(predicted),
                input: name.clone(),
                gold: format!("10.13039/{id} ({})", if gold { "DoD" } else { "not DoD" }),
                predicted: if predicted {
                    m.iter()
                        .map(|m| m.component.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                } else {
                    "not DoD".into()
                },
                why: m
                    .iter()
                    .map(|m| format!("{} {:?}", m.via.as_str(), m.matched))
                    .collect::<Vec<_>>()
                    .join("; "),
            });
        }
    }
    let mut notes = vec![format!(
        "Against the registry ids as deposited (no corrections): {}.",
        raw.summary()
    )];
    if !corrected.is_empty() {
        notes.push(format!(
            "{} pairs whose deposited id is plainly wrong were judged by reading \
             (src/eval/funder_assertion_noise.csv):",
            corrected.len()
        ));
        notes.extend(corrected);
    }
    Ok(TaskReport {
        id: "dod-funder-names",
        title: "DoD funder names as publishers write them: Crossref publisher funder assertions",
        data: format!(
            "crossref_publisher_funder_assertions (valid + test halves): {} distinct (id, name) \
             pairs",
            pairs.len()
        ),
        gold_rule: "the Funder Registry id the publisher attached is in the DoD family of \
                    db/reference/dod_funders_compiled.csv; ids judged plainly wrong are \
                    corrected as listed below. Input: the name alone.",
        counts,
        target: Some((0.98, 0.97)),
        misses,
        notes,
    })
}

/// Whole Crossref records: is the work DoD-funded, judged from its funder names and award
/// numbers alone (ids hidden), against the Funder Registry ids the records carry?
pub(super) fn record_task(dir: &Path, dod: &DodClassifier) -> Result<TaskReport> {
    let path = dir.join("crossref_work_records/crossref_work_records.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let mut counts = Counts::default();
    let mut misses = Vec::new();
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| Error::BadInput(format!("{}: {e}", path.display())))?;
        let Ok(record) = crate::sources::crossref::parse_item(&v["work"].to_string()) else {
            continue;
        };
        if record.funders.is_empty() {
            continue;
        }
        n += 1;
        let gold = record.funders.iter().any(|f| {
            f.funder_id
                .as_deref()
                .is_some_and(|id| dod.is_dod_registry(id))
        });
        let mut reasons = Vec::new();
        for f in &record.funders {
            let hidden = crate::model::FunderRecord {
                funder_id: None,
                ror: None,
                ..f.clone()
            };
            for m in dod.classify_funder(&hidden) {
                reasons.push(format!(
                    "{} {:?} → {}",
                    m.via.as_str(),
                    m.matched,
                    m.component
                ));
            }
        }
        let predicted = !reasons.is_empty();
        counts.add(gold, predicted);
        if gold != predicted {
            let funders: Vec<String> = record
                .funders
                .iter()
                .map(|f| {
                    format!(
                        "{} [{}] {}",
                        f.name.as_deref().unwrap_or("?"),
                        f.funder_id.as_deref().unwrap_or("no id"),
                        f.awards.join(", ")
                    )
                })
                .collect();
            misses.push(Miss {
                kind: miss_kind(predicted),
                input: format!("{}: {}", record.doi.unwrap_or_default(), funders.join("; ")),
                gold: if gold { "DoD" } else { "not DoD" }.into(),
                predicted: if predicted { "DoD" } else { "not DoD" }.into(),
                why: reasons.join("; "),
            });
        }
    }
    Ok(TaskReport {
        id: "dod-records",
        title: "DoD-funded works from funder names and award numbers: Crossref records",
        data: format!(
            "crossref_work_records/crossref_work_records.jsonl: {n} records with a funder array"
        ),
        gold_rule: "a funder of the record carries a Funder Registry id in the DoD family; the \
                    classifier sees names and award numbers only (ids hidden). No target is set.",
        counts,
        target: None,
        misses,
        notes: vec![
            "The gold counts registry ids only: a DoD funder deposited without an id, or under \
             another funder's id (\"SRC and DARPA\" under SRC's), shows as a false positive \
             here although the name says DoD; read the examples."
                .to_string(),
        ],
    })
}
