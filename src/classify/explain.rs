//! `xrefscan classify`: any single decision, explained — what staff and reviewers need before
//! they quote a flag. The JSON Lines form is stable for scripts.

use super::china::{ChinaClassifier, RegionPolicy, Verdict};
use super::dod::{DodClassifier, TextFunding};
use super::entities::{EntityHit, EntityMatcher};
use serde::Serialize;
use std::fmt::Write as _;

/// One piece of evidence about an affiliation.
#[derive(Debug, Serialize)]
pub struct RegionEvidence {
    pub level: &'static str,
    pub region: &'static str,
    pub matched: String,
    /// Whether this signal is at the level that decided.
    pub deciding: bool,
}

/// The explanation of one affiliation string.
#[derive(Debug, Serialize)]
pub struct AffiliationExplanation {
    pub input: String,
    pub region: &'static str,
    /// Every region named at the deciding level.
    pub regions: Vec<&'static str>,
    pub china_based: bool,
    pub decided_by: Option<&'static str>,
    /// Why nothing decided, when a namesake could have misled.
    pub note: Option<String>,
    pub institution: Option<String>,
    pub evidence: Vec<RegionEvidence>,
    /// Defense-linked list entries named in the string (they make a flag tier 1 only when the
    /// affiliation is China-based).
    pub entities: Vec<EntityHit>,
    /// Reviewers' corrections of this string that were applied.
    pub overrides: Vec<String>,
}

impl AffiliationExplanation {
    pub fn new(input: &str, v: &Verdict, policy: RegionPolicy, entities: Vec<EntityHit>) -> Self {
        AffiliationExplanation {
            input: input.to_string(),
            region: v.region.as_str(),
            regions: v.regions.iter().map(|r| r.as_str()).collect(),
            china_based: v.is_china(policy),
            decided_by: v.decided_by.map(|l| l.as_str()),
            note: v.note.clone(),
            institution: super::work::institution_in(input),
            evidence: v
                .signals
                .iter()
                .map(|s| RegionEvidence {
                    level: s.level.as_str(),
                    region: s.region.as_str(),
                    matched: s.matched.clone(),
                    deciding: Some(s.level) == v.decided_by,
                })
                .collect(),
            entities,
            overrides: Vec::new(),
        }
    }

    /// Apply a database's reviewer corrections of this string, and say so.
    pub fn apply(
        &mut self,
        overrides: &super::work::Overrides,
        policy: RegionPolicy,
        lists: &EntityMatcher,
    ) {
        if let Some((region, who)) = overrides.region(&self.input) {
            self.region = region.as_str();
            self.regions = vec![region.as_str()];
            self.china_based = policy.counts(region);
            self.decided_by = Some("reviewer override");
            self.overrides
                .push(format!("region {}: {who}", region.as_str()));
        }
        for removed in overrides.apply_entities(&self.input, &mut self.entities, lists) {
            self.overrides
                .push(format!("entity match removed: {removed}"));
        }
        for h in self.entities.iter().filter(|h| h.list == "reviewer") {
            self.overrides
                .push(format!("entity match added: {} ({})", h.entry, h.matched));
        }
    }

    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}\n  region: {}{}\n  China-based: {}\n",
            self.input,
            self.region,
            if self.regions.len() > 1 {
                format!(" (also named: {})", self.regions.join(", "))
            } else {
                String::new()
            },
            if self.china_based { "yes" } else { "no" }
        );
        if let Some(i) = &self.institution {
            let _ = writeln!(out, "  institution: {i}");
        }
        match self.decided_by {
            Some(d) => {
                let _ = writeln!(out, "  decided by: {d}");
            }
            None => match &self.note {
                Some(n) => {
                    let _ = writeln!(out, "  decided by: nothing — {n}");
                }
                None => out.push_str("  decided by: nothing (no place, country or code found)\n"),
            },
        }
        for e in &self.evidence {
            let _ = writeln!(
                out,
                "  {} {} {:?} → {}",
                if e.deciding { "*" } else { "-" },
                e.level,
                e.matched,
                e.region
            );
        }
        for h in &self.entities {
            let _ = writeln!(out, "  entity: {} — {}", h.describe(), h.detail);
        }
        for o in &self.overrides {
            let _ = writeln!(out, "  override: {o}");
        }
        out
    }
}

/// A matched span of a funding text.
#[derive(Debug, Serialize)]
pub struct SpanOut {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub via: &'static str,
    pub component: String,
}

/// A parsed award number.
#[derive(Debug, Serialize)]
pub struct AwardOut {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub normalized: String,
    pub prefix: String,
    pub issuing_office: String,
    pub component: String,
    pub fiscal_year: Option<String>,
}

/// A DoD name or number found and set aside.
#[derive(Debug, Serialize)]
pub struct SetAside {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub reason: &'static str,
}

/// The explanation of one funding or acknowledgment text.
#[derive(Debug, Serialize)]
pub struct FundingExplanation {
    pub input: String,
    pub dod: bool,
    pub components: Vec<String>,
    pub awards: Vec<AwardOut>,
    pub spans: Vec<SpanOut>,
    pub set_aside: Vec<SetAside>,
}

impl FundingExplanation {
    pub fn new(input: &str, f: &TextFunding) -> Self {
        FundingExplanation {
            input: input.to_string(),
            dod: f.dod,
            components: f.components().into_iter().map(str::to_string).collect(),
            awards: f
                .awards
                .iter()
                .map(|a| AwardOut {
                    text: a.text.clone(),
                    start: a.start,
                    end: a.end,
                    normalized: a.normalized.clone(),
                    prefix: a.prefix.clone(),
                    issuing_office: a.issuing_office.clone(),
                    component: a.group.clone(),
                    fiscal_year: a.fiscal_year.clone(),
                })
                .collect(),
            spans: f
                .matches
                .iter()
                .map(|m| SpanOut {
                    start: m.span.start,
                    end: m.span.end,
                    text: m.span.text.clone(),
                    via: m.via.as_str(),
                    component: m.component.clone(),
                })
                .collect(),
            set_aside: f
                .ignored
                .iter()
                .map(|i| SetAside {
                    start: i.span.start,
                    end: i.span.end,
                    text: i.span.text.clone(),
                    reason: i.reason,
                })
                .collect(),
        }
    }

    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}\n  DoD funding: {}\n",
            self.input,
            if self.dod { "yes" } else { "no" }
        );
        if !self.components.is_empty() {
            let _ = writeln!(out, "  components: {}", self.components.join("; "));
        }
        for a in &self.awards {
            let _ = writeln!(
                out,
                "  award {} [{}..{}] → {} ({})",
                a.text, a.start, a.end, a.issuing_office, a.component
            );
        }
        for s in &self.spans {
            let _ = writeln!(
                out,
                "  * {} {:?} [{}..{}] → {}",
                s.via, s.text, s.start, s.end, s.component
            );
        }
        for s in &self.set_aside {
            let _ = writeln!(
                out,
                "  - set aside {:?} [{}..{}]: {}",
                s.text, s.start, s.end, s.reason
            );
        }
        out
    }
}

/// Explain one affiliation string.
pub fn affiliation(
    china: &ChinaClassifier,
    entities: &EntityMatcher,
    policy: RegionPolicy,
    text: &str,
) -> AffiliationExplanation {
    let verdict = china.classify_text(text);
    // A string placed in China is matched as classification matches it; any other only
    // against entries that are not Chinese.
    let region = if verdict.is_china(RegionPolicy::default()) {
        "CN"
    } else {
        verdict.region.as_str()
    };
    let hits = entities.find_placed(text, region);
    AffiliationExplanation::new(text, &verdict, policy, hits)
}

/// Explain one funding text.
pub fn funding(dod: &DodClassifier, text: &str) -> FundingExplanation {
    FundingExplanation::new(text, &dod.classify_text(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_funding_explanation_names_spans_awards_and_offices() {
        let dod = DodClassifier::new();
        let text = "This work was supported by the Office of Naval Research under grant \
                    N00014-21-1-2345 and by NSFC (22073073).";
        let e = &funding(&dod, text);
        assert!(e.dod);
        assert_eq!(e.components[0], "Office of Naval Research");
        let a = &e.awards[0];
        assert_eq!(&text[a.start..a.end], "N00014-21-1-2345");
        assert_eq!(a.prefix, "N00014");
        let s = &e.spans[0];
        assert_eq!(&text[s.start..s.end], "Office of Naval Research");
        let json = serde_json::to_string(e).unwrap();
        assert!(json.contains("\"dod\":true"));
    }

    #[test]
    fn an_affiliation_explanation_shows_the_deciding_evidence() {
        let china = ChinaClassifier::new();
        let e = &affiliation(
            &china,
            &EntityMatcher::bundled(),
            RegionPolicy::default(),
            "Dept. of Physics, National Tsing Hua University, Hsinchu, Taiwan, R.O.C.",
        );
        assert_eq!(e.region, "TW");
        assert!(!e.china_based);
        assert!(e.evidence.iter().any(|x| x.deciding && x.region == "TW"));
    }
}
