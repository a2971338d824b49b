//! Reviewers' corrections of one affiliation string — its region, or an entity-list match on
//! it — validated here and applied by every later classification. The command line and the
//! review page both come through [`correct`].

use crate::classify::china::Region;
use crate::classify::entities::EntityMatcher;
use crate::classify::text::affiliation_key;
use crate::error::{Error, Result};
use crate::model::OverrideKind;
use crate::store::Db;

/// What a reviewer corrects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Correction {
    /// The string is really in this region (CN, HK, MO, TW or OTHER).
    Region(String),
    /// Remove (or, with `add`, add) the match of this list entry.
    Entity { entry: String, add: bool },
}

/// What was kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub kind: OverrideKind,
    /// The value stored: the region code, or the entry's name as its list spells it.
    pub value: String,
    /// Where the entry is listed (entity corrections).
    pub lists: Vec<String>,
}

/// Validate and keep a correction. An entity must be on a list in force (bundled or
/// imported in this database); a region must be one xrefscan knows.
pub fn correct(
    db: &mut Db,
    affiliation: &str,
    correction: &Correction,
    note: &str,
    reviewer: Option<&str>,
) -> Result<Kept> {
    correct_all(
        db,
        affiliation,
        std::slice::from_ref(correction),
        note,
        reviewer,
    )
    .map(|mut kept| kept.remove(0))
}

/// Several corrections of one string (the review page's form): every one is validated before
/// any is kept, so a form with one bad value keeps nothing.
pub fn correct_all(
    db: &mut Db,
    affiliation: &str,
    corrections: &[Correction],
    note: &str,
    reviewer: Option<&str>,
) -> Result<Vec<Kept>> {
    let key = affiliation_key(affiliation);
    let kept = corrections
        .iter()
        .map(|c| validate(db, &key, c))
        .collect::<Result<Vec<Kept>>>()?;
    let reviewer = reviewer.map(str::trim).filter(|r| !r.is_empty());
    for k in &kept {
        db.add_override(k.kind, &key, &k.value, note.trim(), reviewer)?;
    }
    Ok(kept)
}

/// What `correction` of the string with key `key` would keep, or why it cannot be kept.
fn validate(db: &Db, key: &str, correction: &Correction) -> Result<Kept> {
    if key.is_empty() {
        return Err(Error::BadInput(
            "the affiliation string is empty; give it as it appears in the export".into(),
        ));
    }
    let kept = match correction {
        Correction::Region(region) => {
            let code = region.trim().to_ascii_uppercase();
            if Region::parse(&code).is_none() {
                return Err(Error::BadInput(format!(
                    "{region:?} is not a region; use CN, HK, MO, TW or OTHER"
                )));
            }
            Kept {
                kind: OverrideKind::Region,
                value: code,
                lists: Vec::new(),
            }
        }
        Correction::Entity { entry, add } => {
            let matcher = EntityMatcher::with_imported(db.entity_lists()?);
            let found = matcher.entries_named(entry);
            let Some((_, first)) = found.first() else {
                return Err(Error::BadInput(format!(
                    "{entry:?} is on no entity list in force; give an entry's name as `xrefscan \
                     lists` and exports show it, or import a list with it first (`xrefscan lists import`)"
                )));
            };
            Kept {
                kind: if *add {
                    OverrideKind::EntityAdd
                } else {
                    OverrideKind::EntityRemove
                },
                value: first.name.clone(),
                lists: found.iter().fold(Vec::new(), |mut v, (l, _)| {
                    if !v.iter().any(|x: &String| x == l) {
                        v.push(l.to_string());
                    }
                    v
                }),
            }
        }
    };
    Ok(kept)
}
