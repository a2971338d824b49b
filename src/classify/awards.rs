//! The awards a DoD-funded paper cites, one canonical form each: what the award ledger looks up
//! and counts. The DFARS PIID grammar ([`DodClassifier::parse_awards`]) decides what is a DoD
//! award number; anything else a DoD funder record lists (another agency's number, a bare
//! office code, a program name with digits) is kept, marked as not looked up.

use super::decision::DodEvidence;
use super::dod::DodClassifier;
use crate::model::CitedAward;

/// Every award `evidence` cites, each canonical number once (the first citation's evidence
/// first, later ones appended), in the order first cited.
pub fn cited_awards(dod: &DodClassifier, evidence: &[DodEvidence]) -> Vec<CitedAward> {
    let mut out: Vec<CitedAward> = Vec::new();
    for e in evidence {
        let said = e.describe();
        for raw in &e.awards {
            for (canonical, office, lookup) in canonical_awards(dod, raw) {
                match out.iter_mut().find(|a| a.canonical == canonical) {
                    Some(a) => {
                        if !a.evidence.contains(&said) {
                            a.evidence.push_str(" | ");
                            a.evidence.push_str(&said);
                        }
                    }
                    None => out.push(CitedAward {
                        canonical,
                        cited_as: raw.trim().to_string(),
                        office,
                        lookup,
                        evidence: said.clone(),
                        component: super::dod::component_label(&e.component, &e.group),
                    }),
                }
            }
        }
    }
    out
}

/// The canonical award numbers in one award string, with the issuing office and whether the
/// number is looked up: `"MURI W911NF-19-1-0283"` → `W911NF1910283` (ARO, looked up);
/// `"grant no. CBET-0756451"` → `CBET0756451` (kept, not looked up).
pub fn canonical_awards(dod: &DodClassifier, raw: &str) -> Vec<(String, Option<String>, bool)> {
    let parsed = dod.parse_awards(raw);
    if !parsed.is_empty() {
        let mut out: Vec<(String, Option<String>, bool)> = Vec::new();
        for a in parsed {
            let piid = a.fiscal_year.is_some() && a.instrument.is_some();
            if !out.iter().any(|(c, _, _)| *c == a.normalized) {
                out.push((a.normalized, Some(a.issuing_office), piid));
            }
        }
        return out;
    }
    raw.split([',', ';', '/', '&'])
        .flat_map(|p| p.split(" and "))
        .filter_map(loose_canonical)
        .map(|c| (c, None, false))
        .fold(Vec::new(), |mut out, a| {
            if !out.contains(&a) {
                out.push(a);
            }
            out
        })
}

/// One number written any way, without its labels: leading words with no digit ("Grant No.",
/// "NSF") go, then every separator. Nothing with fewer than four characters or no digit.
fn loose_canonical(part: &str) -> Option<String> {
    let tokens: Vec<&str> = part.split_whitespace().collect();
    let first = tokens
        .iter()
        .position(|t| t.chars().any(|c| c.is_ascii_digit()))?;
    let canonical: String = tokens[first..]
        .concat()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (canonical.len() >= 4).then_some(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::dod::Via;
    use crate::model::Source;

    fn funder(awards: &[&str]) -> DodEvidence {
        DodEvidence {
            source: Source::Crossref,
            component: "Office of Naval Research".into(),
            group: "Navy".into(),
            via: Via::Name,
            reasons: vec!["funder name: Office of Naval Research".into()],
            funder_name: Some("Office of Naval Research".into()),
            funder_id: None,
            awards: awards.iter().map(|a| a.to_string()).collect(),
            origin: None,
            snippet: None,
        }
    }

    #[test]
    fn one_canonical_form_per_award_however_it_is_written() {
        let dod = DodClassifier::new();
        for raw in [
            "N00014-21-1-2345",
            "n00014 21 1 2345",
            "N000142112345",
            "Grant No. N00014-21-1-2345",
            "MURI N00014-21-1-2345",
            "DOD N00014-21-1-2345.",
        ] {
            let got = canonical_awards(&dod, raw);
            assert_eq!(got.len(), 1, "{raw}: {got:?}");
            assert_eq!(got[0].0, "N000142112345", "{raw}");
            assert!(got[0].2, "{raw} is looked up");
        }
    }

    #[test]
    fn several_numbers_in_one_string_are_split() {
        let dod = DodClassifier::new();
        let got = canonical_awards(
            &dod,
            "W911NF-19-1-0283 and FA9550-22-1-0012; HR0011-20-2-0037",
        );
        let ids: Vec<&str> = got.iter().map(|(c, _, _)| c.as_str()).collect();
        assert_eq!(ids.len(), 3, "{ids:?}");
        assert!(ids.contains(&"W911NF1910283"));
        assert!(ids.contains(&"FA95502210012"));
        assert!(ids.contains(&"HR00112020037"));
        assert!(got.iter().all(|(_, _, lookup)| *lookup));
    }

    #[test]
    fn other_numbers_are_kept_but_not_looked_up() {
        let dod = DodClassifier::new();
        let nsf = canonical_awards(&dod, "Grant No. CBET-0756451");
        assert_eq!(nsf, vec![("CBET0756451".to_string(), None, false)]);
        // An office code alone is not an award number.
        assert!(canonical_awards(&dod, "FA9550").iter().all(|(_, _, l)| !l));
        assert!(canonical_awards(&dod, "MURI").is_empty());
    }

    #[test]
    fn an_award_cited_twice_counts_once_with_both_citations() {
        let dod = DodClassifier::new();
        let mut ack = funder(&["N00014-21-1-2345"]);
        ack.source = Source::EuropePmc;
        ack.origin = Some("full text ack".into());
        ack.snippet = Some("supported by ONR grant N00014-21-1-2345".into());
        let cited = cited_awards(&dod, &[funder(&["N00014-21-1-2345"]), ack]);
        assert_eq!(cited.len(), 1);
        assert_eq!(cited[0].canonical, "N000142112345");
        assert!(cited[0].evidence.contains("crossref funder record"));
        assert!(cited[0].evidence.contains("supported by ONR grant"));
    }
}
