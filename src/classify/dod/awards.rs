//! DoD award numbers in text, by the DFARS PIID grammar: a six-character issuing-office
//! code, fiscal year, instrument type, serial.

use super::{Award, DodClassifier};

impl DodClassifier {
    /// DoD award numbers in a text (award field or acknowledgment), with their byte offsets.
    ///
    /// Four forms count: a full PIID whose six-character office code is in the prefix table
    /// (`W911NF-20-1-0123`, `W911NF2010123`, `N00014 21 1 2345`); a bare office code from the
    /// table followed by more of a number (`N0001418IP00037`); a full PIID with separators whose
    /// table office code lost its first letter (`911NF-14-1-0437`, canonical `W911NF1410437`);
    /// and a full PIID with separators whose office code has the shape of a DoD activity
    /// address code but is not in the table (`F30602-91-C-0076`, `DABT63-92-C-0012`), reported
    /// with its department.
    pub fn parse_awards(&self, text: &str) -> Vec<Award> {
        let upper = text.to_ascii_uppercase();
        let mut out: Vec<Award> = Vec::new();
        // Spans already taken by an award (they never overlap each other), by start.
        let mut covered: std::collections::BTreeMap<usize, usize> = Default::default();
        let overlaps = |covered: &std::collections::BTreeMap<usize, usize>,
                        m: &regex::Match<'_>| {
            covered
                .range(..m.end())
                .next_back()
                .is_some_and(|(_, &e)| m.start() < e)
        };
        let award = |m: regex::Match<'_>, prefix: &str, office: String, group: String| Award {
            text: text[m.start()..m.end()].to_string(),
            normalized: m.as_str().replace(['-', ' '], ""),
            prefix: prefix.to_string(),
            issuing_office: office,
            group,
            fiscal_year: None,
            instrument: None,
            start: m.start(),
            end: m.end(),
        };
        for c in self.full_award.captures_iter(&upper) {
            let m = c.get(0).expect("match");
            if let Some(p) = self.prefixes.get(&c[1]) {
                let mut a = award(m, &c[1], p.office.clone(), p.group.clone());
                a.fiscal_year = Some(c[2].to_string());
                a.instrument = c[3].chars().next();
                out.push(a);
                covered.insert(m.start(), m.end());
            }
        }
        for c in self.prefix_token.captures_iter(&upper) {
            let m = c.get(0).expect("match");
            if overlaps(&covered, &m) {
                continue;
            }
            if let Some(p) = self.prefixes.get(&c[1]) {
                out.push(award(m, &c[1], p.office.clone(), p.group.clone()));
                covered.insert(m.start(), m.end());
            }
        }
        // A number whose office code lost its first letter in the deposit (`911NF-14-1-0437`
        // for W911NF): the rest of the code must hold a letter and name one office, and the
        // whole PIID must follow with separators, so plain numbers never qualify.
        for c in self.clipped_award.captures_iter(&upper) {
            let m = c.get(0).expect("match");
            if overlaps(&covered, &m) {
                continue;
            }
            let Some((full, p)) = self
                .clipped_prefixes
                .get(&c[1])
                .and_then(|full| self.prefixes.get(full).map(|p| (full, p)))
            else {
                continue;
            };
            let mut a = award(m, full, p.office.clone(), p.group.clone());
            a.normalized = format!("{full}{}{}{}", &c[2], &c[3], &c[4]);
            a.fiscal_year = Some(c[2].to_string());
            a.instrument = c[3].chars().next();
            out.push(a);
            covered.insert(m.start(), m.end());
        }
        for c in self.shaped_award.captures_iter(&upper) {
            let m = c.get(0).expect("match");
            if overlaps(&covered, &m) {
                continue;
            }
            let department = match &c[1][..1] {
                "W" | "D" => "Army",
                "N" => "Navy",
                "F" => "Air Force",
                _ => "Defense agency",
            };
            let office = c[1].replace('-', "");
            let mut a = award(
                m,
                &office,
                format!("{department} contracting office {office} (not in the prefix table)"),
                department.to_string(),
            );
            a.fiscal_year = Some(c[2].to_string());
            a.instrument = c.get(3).and_then(|i| i.as_str().chars().next());
            out.push(a);
        }
        out.sort_by_key(|a| a.start);
        out
    }
}
