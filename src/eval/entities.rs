//! Entity-list matches on a labelled set of this project's own (`entity_labels.csv`): China-
//! based affiliations that must name a listed entry (with the entries that are that
//! institution on any list) and ones that must name none — legal forms ("Co., Ltd."), listed
//! names inside longer names, namesakes ("Zhejiang University of Technology"), another
//! country's institute of the same name. Labelled by reading each string, before the rules of
//! `classify::entities::names` were written; other sets, unseen, judge the rules too.
//!
//! A string is matched as classification matches it: only when it is placed in China, Hong
//! Kong or Macau. Precision counts every entry named (one naming the wrong institution is a
//! false positive, also on a string that should name another); recall counts the strings
//! that must name an entry and name one of theirs.

use super::{Counts, Miss, TaskReport};
use crate::classify::china::{ChinaClassifier, RegionPolicy};
use crate::classify::entities::EntityMatcher;

const LABELS: &str = include_str!("entity_labels.csv");

/// One labelled string: the entries that are its institution (empty: it must name none).
pub struct Label {
    pub affiliation: String,
    pub entries: Vec<String>,
    pub note: String,
}

pub fn labels() -> Vec<Label> {
    csv::Reader::from_reader(LABELS.as_bytes())
        .records()
        .map(|r| {
            let r = r.expect("entity_labels.csv is well-formed (a unit test reads it)");
            Label {
                affiliation: r[0].to_string(),
                entries: r[1]
                    .split('|')
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                    .map(str::to_string)
                    .collect(),
                note: r[2].to_string(),
            }
        })
        .collect()
}

/// The entries `matcher` names in `affiliation`, as classification would.
pub fn named(china: &ChinaClassifier, matcher: &EntityMatcher, affiliation: &str) -> Vec<String> {
    let verdict = china.classify_text(affiliation);
    if !verdict.is_china(RegionPolicy::default()) {
        return Vec::new();
    }
    let mut out: Vec<String> = matcher
        .find_placed(affiliation, verdict.region.as_str())
        .into_iter()
        .map(|h| h.entry)
        .collect();
    out.sort();
    out.dedup();
    out
}

pub fn task(china: &ChinaClassifier) -> TaskReport {
    let matcher = EntityMatcher::bundled();
    let labels = labels();
    let mut counts = Counts::default();
    let mut misses = Vec::new();
    let (mut must, mut must_not) = (0, 0);
    for l in &labels {
        let got = named(china, &matcher, &l.affiliation);
        let wrong: Vec<&String> = got.iter().filter(|e| !l.entries.contains(e)).collect();
        let right = got.iter().any(|e| l.entries.contains(e));
        counts.fp += wrong.len();
        if l.entries.is_empty() {
            must_not += 1;
            counts.tn += usize::from(wrong.is_empty());
        } else {
            must += 1;
            if right {
                counts.tp += 1;
            } else {
                counts.fn_ += 1;
            }
        }
        if !wrong.is_empty() || (!l.entries.is_empty() && !right) {
            misses.push(Miss {
                kind: super::miss_kind(!wrong.is_empty()),
                input: l.affiliation.clone(),
                gold: if l.entries.is_empty() {
                    "no entry".into()
                } else {
                    l.entries.join(" | ")
                },
                predicted: if got.is_empty() {
                    "no entry".into()
                } else {
                    got.join(" | ")
                },
                why: l.note.clone(),
            });
        }
    }
    TaskReport {
        id: "entities",
        title: "Entity-list matches: the right institution or none",
        data: format!(
            "src/eval/entity_labels.csv: {} China-based and other affiliation strings labelled \
             here, {must} that must name a listed entry and {must_not} that must name none",
            labels.len()
        ),
        gold_rule: "the entries that are the string's institution on any bundled list (several \
                    lists name one body: Beihang University is also §1286's Beijing University \
                    of Aeronautics and Astronautics), or none. Precision counts every entry \
                    named; recall the strings that must name one.",
        counts,
        target: Some((0.98, 0.95)),
        misses,
        notes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_labelled_set_has_fifty_of_each_kind() {
        let l = labels();
        assert!(l.iter().filter(|l| l.entries.is_empty()).count() >= 50);
        assert!(l.iter().filter(|l| !l.entries.is_empty()).count() >= 50);
    }

    /// The three wrong matches found by hand on flagged papers (issue 17).
    #[test]
    fn the_wrong_institutions_staff_found_are_not_named() {
        let (china, m) = (ChinaClassifier::new(), EntityMatcher::bundled());
        for s in [
            "State Grid International Development Co. Ltd., 100031 Beijing, China",
            "Technical Institute of Physics and Chemistry, Chinese Academy of Sciences, Beijing",
            "Key Laboratory of Materials Physics, Institute of Solid State Physics, HFIPS, \
             Chinese Academy of Sciences, Hefei",
        ] {
            assert_eq!(named(&china, &m, s), Vec::<String>::new(), "{s}");
        }
    }

    #[test]
    fn every_labelled_entry_is_an_entry_of_a_bundled_list() {
        let m = EntityMatcher::bundled();
        for l in labels() {
            for e in &l.entries {
                assert!(!m.entries_named(e).is_empty(), "{e} is on no bundled list");
            }
        }
    }
}
