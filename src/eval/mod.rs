//! Accuracy measured on labelled data nobody on this project labelled (`../shared/data/eval/`,
//! see its SOURCES.md): precision, recall and F1 per task, with every misclassified example,
//! printed and written to `docs/ACCURACY.md`.
//!
//! Gold labels come from the third parties, turned into this project's terms by rules written
//! down here once (`gold_region_of_country`, `named_country`) and, for DoD funding in free text,
//! by `dod_spans.csv`: per distinct funder or grant span, whether it is a DoD body, decided by
//! reading each span in its text before the text classifier existed.

mod dod;

use dod::{dod_text_task, funder_name_task, record_task};

mod data;
mod entities;
mod labels;

use crate::classify::china::{ChinaClassifier, Region, RegionPolicy};
use crate::classify::dod::DodClassifier;
use crate::error::Result;
use std::fmt::Write as _;
use std::path::Path;

pub use data::{gold_region_of_country, named_country};

/// Counts of a binary decision against gold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    pub tn: usize,
}

impl Counts {
    /// "precision 0.981, recall 0.975 (TP 154, FP 3, FN 4)".
    pub fn summary(&self) -> String {
        format!(
            "precision {:.3}, recall {:.3} (TP {}, FP {}, FN {})",
            self.precision(),
            self.recall(),
            self.tp,
            self.fp,
            self.fn_
        )
    }

    pub fn add(&mut self, gold: bool, predicted: bool) {
        match (gold, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.tp + self.fp + self.fn_ + self.tn
    }

    /// Precision; 1.0 when nothing was predicted positive (no false claim was made).
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// Recall; 1.0 when there is nothing to find.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// What a miss is when the classifier said `predicted` (and the gold said the opposite).
fn miss_kind(predicted: bool) -> &'static str {
    if predicted {
        "false positive"
    } else {
        "false negative"
    }
}

/// A misclassified example.
#[derive(Debug, Clone)]
pub struct Miss {
    /// "false positive" or "false negative" (or "wrong region").
    pub kind: &'static str,
    pub input: String,
    pub gold: String,
    pub predicted: String,
    /// Why the classifier decided as it did.
    pub why: String,
}

/// One measured task.
#[derive(Debug, Clone)]
pub struct TaskReport {
    pub id: &'static str,
    pub title: &'static str,
    pub data: String,
    pub gold_rule: &'static str,
    pub counts: Counts,
    /// (precision, recall) targets from the issue, when it sets them.
    pub target: Option<(f64, f64)>,
    pub misses: Vec<Miss>,
    pub notes: Vec<String>,
}

impl TaskReport {
    pub fn meets_target(&self) -> bool {
        self.target.is_none_or(|(p, r)| {
            self.counts.precision() >= p - 1e-9 && self.counts.recall() >= r - 1e-9
        })
    }
}

/// Every task's result.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The third-party sets were not found: which folder was looked in (only the project's
    /// own labelled sets ran).
    pub third_party_missing: Option<std::path::PathBuf>,
    pub tasks: Vec<TaskReport>,
    /// Taiwan items (gold TW) reported as China, over every affiliation set.
    pub taiwan_as_china: usize,
    pub taiwan_items: usize,
}

impl Report {
    pub fn all_targets_met(&self) -> bool {
        self.taiwan_as_china == 0 && self.tasks.iter().all(TaskReport::meets_target)
    }
}

/// Placed in the United States (the people view's US side and dual appointments), on GROBID's
/// labelled affiliations: the same strings as the China task, the gold their `<country>`.
fn us_task(china: &ChinaClassifier, items: &[data::AffItem]) -> TaskReport {
    let mut counts = Counts::default();
    let mut misses = Vec::new();
    for item in items {
        let placed = china.us_place(crate::classify::china::AffiliationInput {
            raw: Some(&item.text),
            ..Default::default()
        });
        counts.add(item.us, placed.is_some());
        if item.us != placed.is_some() {
            misses.push(Miss {
                kind: miss_kind(placed.is_some()),
                input: item.text.clone(),
                gold: if item.us { "US" } else { item.gold.as_str() }.to_string(),
                predicted: placed.clone().unwrap_or_else(|| "not the US".into()),
                why: placed.unwrap_or_default(),
            });
        }
    }
    TaskReport {
        id: "us-grobid",
        title: "Placed in the United States (people view, dual appointments): GROBID affiliation corpus",
        data: format!(
            "grobid_affiliation_address/corpus: the same {} `<affiliation>` elements with a `<country>`",
            items.len()
        ),
        gold_rule: "any `<country>` element of the affiliation is the United States (`key=\"US\"`, \
            USA / U.S.A. / United States / United States of America, or a US state, which the \
            annotators sometimes mark as the country); an affiliation naming several addresses is \
            US when one of them is. Input: the whole affiliation text.",
        counts,
        target: Some((0.98, 0.9)),
        misses,
        notes: Vec::new(),
    }
}

/// Run every task on the data in `dir` (the layout of `../shared/data/eval/`).
pub fn run(dir: &Path, china: &ChinaClassifier, dod: &DodClassifier) -> Result<Report> {
    if !dir.is_dir() {
        // The repository's own labelled sets always run; the third-party ones are not
        // redistributed (two declare no licence): say where to get them.
        let mut report = Report {
            third_party_missing: Some(dir.to_path_buf()),
            ..Default::default()
        };
        traps_task(china, &mut report);
        report.tasks.push(entities::task(china));
        return Ok(report);
    }
    let policy = RegionPolicy::default();
    let mut report = Report::default();

    let affiliation_task =
        |id, title, data: String, gold_rule, items: Vec<data::AffItem>, report: &mut Report| {
            let mut counts = Counts::default();
            let mut misses = Vec::new();
            let mut wrong_region = 0;
            for item in &items {
                let v = china.classify_text(&item.text);
                let predicted = v.is_china(policy);
                let gold = policy.counts(item.gold);
                counts.add(gold, predicted);
                if item.gold == Region::TW {
                    report.taiwan_items += 1;
                    report.taiwan_as_china += usize::from(predicted);
                }
                // GROBID marks "Hong Kong, China" with the country China: a China region other
                // than the gold one is right for CN∪HK∪MO and only counted.
                let region_wrong = gold && predicted && !v.regions.contains(&item.gold);
                wrong_region += usize::from(region_wrong);
                if gold != predicted {
                    misses.push(Miss {
                        kind: match (gold, predicted) {
                            (false, true) => "false positive",
                            (true, false) => "false negative",
                            _ => "wrong region",
                        },
                        input: item.text.clone(),
                        gold: item.gold.as_str().to_string(),
                        predicted: v.region.as_str().to_string(),
                        why: explain_region(&v),
                    });
                }
            }
            let mut notes = Vec::new();
            if wrong_region > 0 {
                notes.push(format!(
                    "{wrong_region} China-based items were given another China region than the \
                     gold one (HK for an address ending \"Hong Kong, China\" whose gold country \
                     is China); they are correct for CN∪HK∪MO."
                ));
            }
            report.tasks.push(TaskReport {
                id,
                title,
                data,
                gold_rule,
                counts,
                target: Some((0.99, 0.98)),
                misses,
                notes,
            });
        };

    let grobid = data::grobid_affiliations(&dir.join("grobid_affiliation_address/corpus"))?;
    let grobid_for_us = grobid.clone();
    affiliation_task(
        "china-grobid",
        "China-based affiliation (CN∪HK∪MO): GROBID affiliation corpus",
        format!(
            "grobid_affiliation_address/corpus: {} `<affiliation>` elements with a `<country>`",
            grobid.len()
        ),
        "the `<country>` element (its `key=` code when present; China / PRC / P. R. China / \
         People's Republic of China → CN; Taiwan / Republic of China / ROC → TW; Hong Kong → \
         HK; Macau → MO; any other country → OTHER). Input: the whole affiliation text.",
        grobid,
        &mut report,
    );

    report.tasks.push(us_task(china, &grobid_for_us));

    let (s2aff, skipped) = data::s2aff(&dir.join("s2aff_gold/gold_affiliation_annotations.csv"))?;
    let n = s2aff.len();
    affiliation_task(
        "china-s2aff",
        "China-based affiliation (CN∪HK∪MO): S2AFF strings that name a country",
        format!(
            "s2aff_gold/gold_affiliation_annotations.csv: {n} strings whose last part names a \
             country ({skipped} others have no country in their text and no offline ROR country, \
             so no gold)"
        ),
        "the country named by the last comma/semicolon-separated part of the string, with \
         `Taiwan, China` → TW, `Hong Kong, China` → HK, `Macau, China` → MO.",
        s2aff,
        &mut report,
    );

    let (hard, skipped) =
        data::s2aff_without_country(&dir.join("s2aff_gold/gold_affiliation_annotations.csv"))?;
    let n = hard.len();
    affiliation_task(
        "china-s2aff-hard",
        "China-based affiliation (CN∪HK∪MO): S2AFF strings that name no country",
        format!(
            "s2aff_gold/gold_affiliation_annotations.csv: {n} strings with no country in their \
             text whose ROR ids have a known country ({skipped} others left out)"
        ),
        "the ROR ids assigned by hand: an id's country is the one named (by majority) in the \
         other S2AFF strings labelled with that id alone; China-based when any id is in \
         CN/HK/MO. Harder than the other sets: only places, institution names and e-mail \
         domains can decide. No target is set for it.",
        hard,
        &mut report,
    );
    if let Some(t) = report.tasks.last_mut() {
        t.target = None;
    }

    traps_task(china, &mut report);

    report.tasks.push(entities::task(china));
    report.tasks.push(dod_text_task(dir, dod)?);
    report.tasks.push(funder_name_task(dir, dod)?);
    report.tasks.push(record_task(dir, dod)?);
    Ok(report)
}

/// The trap list, in the repository: China Lake, Taiwan's Republic of China, namesakes.
fn traps_task(china: &ChinaClassifier, report: &mut Report) {
    let policy = RegionPolicy::default();
    let items = data::traps();
    let mut counts = Counts::default();
    let mut misses = Vec::new();
    for item in &items {
        let v = china.classify_text(&item.text);
        let predicted = v.is_china(policy);
        let gold = policy.counts(item.gold);
        counts.add(gold, predicted);
        if item.gold == Region::TW {
            report.taiwan_items += 1;
            report.taiwan_as_china += usize::from(predicted);
        }
        if gold != predicted {
            misses.push(Miss {
                kind: miss_kind(predicted),
                input: item.text.clone(),
                gold: item.gold.as_str().to_string(),
                predicted: v.region.as_str().to_string(),
                why: explain_region(&v),
            });
        }
    }
    report.tasks.push(TaskReport {
        id: "china-traps",
        title: "China-based affiliation: the trap list",
        data: format!(
            "db/reference/affiliation_country_test_cases_compiled.csv: {} cases",
            items.len()
        ),
        gold_rule: "expected_country of each case (China Lake, Taiwan's Republic of China, \
                    National Tsing Hua, NUST Islamabad, CAS Prague, …).",
        counts,
        target: Some((1.0, 1.0)),
        misses,
        notes: Vec::new(),
    });
}

/// Where the third-party sets come from (the layout `--data` expects).
pub const WHERE_TO_GET: &str = "docs/EVAL-DATA.md lists each set with its upstream repository \
and commit: grobid_affiliation_address/ and grobid_funding_acknowledgement/ (kermitt2/grobid, \
Apache-2.0), s2aff_gold/ (allenai/S2AFF, Apache-2.0), crossref_publisher_funder_assertions/ \
(adambuttrick/funder-matching-experimental, no licence) and crossref_work_records/ (Crossref \
records from rcrossref's and habanero's test recordings); put them in one folder and pass \
--data (or XREFSCAN_EVAL_DATA)";

fn explain_region(v: &crate::classify::china::Verdict) -> String {
    let mut why = match v.decided_by {
        Some(level) => format!("decided by {}", level.as_str()),
        None => "no signal".to_string(),
    };
    let signals: Vec<String> = v
        .signals
        .iter()
        .map(|s| format!("{} {:?}→{}", s.level.as_str(), s.matched, s.region.as_str()))
        .collect();
    if !signals.is_empty() {
        let _ = write!(why, "; signals: {}", signals.join(", "));
    }
    why
}

mod render;

use render::clip;
pub use render::{render_markdown, render_text};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_follow_their_definitions() {
        let mut c = Counts::default();
        for (g, p) in [
            (true, true),
            (true, true),
            (true, false),
            (false, true),
            (false, false),
        ] {
            c.add(g, p);
        }
        assert_eq!((c.tp, c.fp, c.fn_, c.tn), (2, 1, 1, 1));
        assert!((c.precision() - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.recall() - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.f1() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(Counts::default().precision(), 1.0);
    }
}
