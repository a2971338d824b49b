//! Who is who across papers. An author is the same person on two papers only when an ORCID
//! or an OpenAlex author id says so; without an id, never — common names collide ("Wei
//! Zhang" is thousands of people), so an author without an id is a person of one paper.
//! Within one paper the sources' rows for the same position are one authorship (names spelled
//! differently, "Wen-Chi Lin" and "Lin WC", are one).
//!
//! ORCID decides over OpenAlex: an OpenAlex author id seen with exactly one ORCID stands for
//! that ORCID's person (OpenAlex gave the id without the ORCID on another paper); one seen
//! with two ORCIDs is OpenAlex merging two people, and its id-only authorships stay a person of
//! their own rather than being given to either. Reviewers correct what the ids get wrong: a
//! `merge` makes two keys one person, a `split` takes one authorship out of the person its ids
//! name.

use std::collections::{BTreeMap, HashMap};

/// One authorship on a flagged paper, with every name and id the sources wrote for it, and
/// where the paper places the author.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Authorship {
    pub work_id: i64,
    pub doi: Option<String>,
    pub position: i64,
    pub names: Vec<String>,
    pub orcids: Vec<String>,
    pub openalex_ids: Vec<String>,
    pub china: bool,
    pub us: bool,
    pub dual: bool,
}

impl Authorship {
    /// The key of this authorship alone: `paper:DOI#N` for the paper's Nth author (or
    /// `work:ID#N` for a work without a DOI) — the person of an author without an id, and
    /// what a split names. N counts from 1, as readers count authors.
    pub fn paper_key(&self) -> String {
        let n = self.position + 1;
        match &self.doi {
            Some(doi) if !doi.is_empty() => format!("paper:{doi}#{n}"),
            _ => format!("work:{}#{n}", self.work_id),
        }
    }
}

/// A reviewer's correction of identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Correction {
    /// These two person keys are one person.
    Merge(String, String),
    /// This authorship (its paper key) is not the person its ids name.
    Split(String),
}

/// An ORCID as `0000-0002-1825-0097`, from any form a source writes (`https://orcid.org/…`).
pub fn orcid(raw: &str) -> Option<String> {
    let digits: String = raw
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()?
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'X' || *c == 'x')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (digits.len() == 16).then(|| {
        format!(
            "{}-{}-{}-{}",
            &digits[..4],
            &digits[4..8],
            &digits[8..12],
            &digits[12..]
        )
    })
}

/// An OpenAlex author id as `A5023888391`, from any form (`https://openalex.org/A…`).
pub fn openalex_author(raw: &str) -> Option<String> {
    let id = raw.trim().trim_end_matches('/').rsplit('/').next()?;
    let id = id.to_ascii_uppercase();
    (id.len() > 1 && id.starts_with('A') && id[1..].chars().all(|c| c.is_ascii_digit()))
        .then_some(id)
}

/// The person key of each authorship, in order.
pub fn identify(authorships: &[Authorship], corrections: &[Correction]) -> Vec<String> {
    let split: Vec<&str> = corrections
        .iter()
        .filter_map(|c| match c {
            Correction::Split(k) => Some(k.as_str()),
            Correction::Merge(..) => None,
        })
        .collect();
    let ids = |a: &Authorship| -> (Option<String>, Option<String>) {
        if split.contains(&a.paper_key().as_str()) {
            return (None, None);
        }
        (
            a.orcids.iter().find_map(|o| orcid(o)),
            a.openalex_ids.iter().find_map(|o| openalex_author(o)),
        )
    };
    // Which ORCIDs each OpenAlex author id was seen with.
    let mut orcids_of: HashMap<String, Vec<String>> = HashMap::new();
    for a in authorships {
        if let (Some(o), Some(oa)) = ids(a) {
            let seen = orcids_of.entry(oa).or_default();
            if !seen.contains(&o) {
                seen.push(o);
            }
        }
    }
    let keys: Vec<String> = authorships
        .iter()
        .map(|a| match ids(a) {
            (Some(o), _) => format!("orcid:{o}"),
            (None, Some(oa)) => match orcids_of.get(&oa).map(Vec::as_slice) {
                Some([only]) => format!("orcid:{only}"),
                _ => format!("openalex:{oa}"),
            },
            (None, None) => a.paper_key(),
        })
        .collect();
    // Reviewers' merges, over every key they name (a merge may name an OpenAlex id that
    // stands for an ORCID's person: it joins that person).
    let alias = |k: &str| -> String {
        match k.strip_prefix("openalex:").and_then(openalex_author) {
            Some(oa) => match orcids_of.get(&oa).map(Vec::as_slice) {
                Some([only]) => format!("orcid:{only}"),
                _ => format!("openalex:{oa}"),
            },
            None => k.to_string(),
        }
    };
    let mut parent: BTreeMap<String, String> = BTreeMap::new();
    fn find(parent: &mut BTreeMap<String, String>, k: &str) -> String {
        let mut k = k.to_string();
        while let Some(p) = parent.get(&k).filter(|p| **p != k).cloned() {
            k = p;
        }
        k
    }
    for c in corrections {
        if let Correction::Merge(a, b) = c {
            let (ra, rb) = (find(&mut parent, &alias(a)), find(&mut parent, &alias(b)));
            if ra != rb {
                // The representative: an ORCID key first, then an OpenAlex one, then the least.
                let rank = |k: &str| {
                    (
                        !k.starts_with("orcid:"),
                        !k.starts_with("openalex:"),
                        k.to_string(),
                    )
                };
                let (keep, go) = if rank(&ra) <= rank(&rb) {
                    (ra, rb)
                } else {
                    (rb, ra)
                };
                parent.insert(go, keep);
            }
        }
    }
    keys.iter().map(|k| find(&mut parent, k)).collect()
}

/// A person as the people view shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Person {
    pub key: String,
    /// The name most often written (the longest spelling among equals).
    pub name: String,
    /// Other spellings.
    pub also: Vec<String>,
    pub orcid: Option<String>,
    pub openalex_author_id: Option<String>,
    /// Flagged papers they are an author of.
    pub papers: usize,
    /// Of those, papers that place them in China, in the US, and both.
    pub china_papers: usize,
    pub us_papers: usize,
    pub dual_papers: usize,
}

/// The people of identified authorships (`keys` from [`identify`], in the same order).
pub fn people(authorships: &[Authorship], keys: &[String]) -> Vec<Person> {
    let mut by_key: BTreeMap<&str, Vec<&Authorship>> = BTreeMap::new();
    for (a, k) in authorships.iter().zip(keys) {
        by_key.entry(k).or_default().push(a);
    }
    by_key
        .into_iter()
        .map(|(key, list)| {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for n in list
                .iter()
                .flat_map(|a| &a.names)
                .filter(|n| !n.trim().is_empty())
            {
                *counts.entry(n.trim()).or_default() += 1;
            }
            let mut names: Vec<(&str, usize)> = counts.into_iter().collect();
            names.sort_by(|a, b| {
                b.1.cmp(&a.1)
                    .then(b.0.len().cmp(&a.0.len()))
                    .then(a.0.cmp(b.0))
            });
            let papers = |f: fn(&Authorship) -> bool| {
                let mut works: Vec<i64> = list.iter().filter(|a| f(a)).map(|a| a.work_id).collect();
                works.sort_unstable();
                works.dedup();
                works.len()
            };
            Person {
                key: key.to_string(),
                name: names.first().map(|n| n.0.to_string()).unwrap_or_default(),
                also: names.iter().skip(1).map(|n| n.0.to_string()).collect(),
                orcid: key
                    .strip_prefix("orcid:")
                    .map(str::to_string)
                    .or_else(|| list.iter().flat_map(|a| &a.orcids).find_map(|o| orcid(o))),
                openalex_author_id: list
                    .iter()
                    .flat_map(|a| &a.openalex_ids)
                    .find_map(|o| openalex_author(o)),
                papers: papers(|_| true),
                china_papers: papers(|a| a.china),
                us_papers: papers(|a| a.us),
                dual_papers: papers(|a| a.dual),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(work_id: i64, name: &str, orcid: &str, oa: &str) -> Authorship {
        Authorship {
            work_id,
            doi: Some(format!("10.1/{work_id}")),
            position: 1,
            names: vec![name.into()],
            orcids: [orcid]
                .into_iter()
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            openalex_ids: [oa]
                .into_iter()
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            china: true,
            ..Default::default()
        }
    }

    #[test]
    fn ids_are_read_in_any_form() {
        assert_eq!(
            orcid("https://orcid.org/0000-0002-1825-009x").as_deref(),
            Some("0000-0002-1825-009X")
        );
        assert_eq!(orcid("not an orcid"), None);
        assert_eq!(
            openalex_author("https://openalex.org/A5023888391").as_deref(),
            Some("A5023888391")
        );
        assert_eq!(openalex_author("W123"), None);
    }

    #[test]
    fn namesakes_without_ids_are_never_one_person() {
        let list = [a(1, "Wei Zhang", "", ""), a(2, "Wei Zhang", "", "")];
        let keys = identify(&list, &[]);
        assert_ne!(keys[0], keys[1]);
        assert_eq!(keys[0], "paper:10.1/1#2");
    }

    #[test]
    fn an_orcid_or_an_openalex_id_makes_one_person_and_orcid_decides() {
        let list = [
            a(1, "Li Na", "0000-0001-0000-0001", "A1"),
            a(2, "Na Li", "", "A1"),
            a(3, "Li N.", "https://orcid.org/0000-0001-0000-0001", ""),
            // OpenAlex gave A9 to two different ORCIDs: its id-only authorship is nobody's.
            a(4, "Chen Yu", "0000-0002-0000-0002", "A9"),
            a(5, "Chen Yu", "0000-0003-0000-0003", "A9"),
            a(6, "Chen Yu", "", "A9"),
        ];
        let keys = identify(&list, &[]);
        assert_eq!(keys[0], "orcid:0000-0001-0000-0001");
        assert_eq!(keys[1], keys[0]);
        assert_eq!(keys[2], keys[0]);
        assert_ne!(keys[3], keys[4]);
        assert_eq!(keys[5], "openalex:A9");
        let people = people(&list, &keys);
        let li = people.iter().find(|p| p.key == keys[0]).unwrap();
        assert_eq!(li.china_papers, 3);
        assert_eq!(li.also.len(), 2);
    }

    #[test]
    fn reviewers_merge_and_split() {
        let list = [
            a(1, "Wei Zhang", "", ""),
            a(2, "Wei Zhang", "", "A7"),
            a(3, "Wei Zhang", "", "A7"),
        ];
        let merged = identify(
            &list,
            &[Correction::Merge(
                "paper:10.1/1#2".into(),
                "openalex:A7".into(),
            )],
        );
        assert!(merged.iter().all(|k| k == "openalex:A7"), "{merged:?}");
        let split = identify(&list, &[Correction::Split("paper:10.1/3#2".into())]);
        assert_eq!(split[1], "openalex:A7");
        assert_eq!(split[2], "paper:10.1/3#2");
    }
}
