//! Awards: what a paper cites (one canonical form per award), and what USAspending answered for
//! it. Money is whole cents in an `i64`, never a float.

/// An award a DoD-funded paper cites, in its canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitedAward {
    /// Upper case, separators and labels ("grant no.", "MURI") removed: `N000142112345`.
    pub canonical: String,
    /// As the paper's metadata or text wrote it.
    pub cited_as: String,
    /// The issuing office the number's prefix names, for a DoD number.
    pub office: Option<String>,
    /// Whether the number is looked up: a DoD number by the DFARS PIID grammar. Others (a
    /// bare office code, another agency's number) are kept, not looked up.
    pub lookup: bool,
    /// What tied it to the paper (the funder record or the acknowledgment passage).
    pub evidence: String,
    /// The DoD component of the evidence that cites it, as exports and `stats` name
    /// components ("Navy › Office of Naval Research").
    pub component: String,
}

pub use super::kinds::AwardStatus;

/// One award as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerAward {
    pub canonical: String,
    pub status: AwardStatus,
    /// USAspending's `generated_internal_id` (`ASST_NON_W911NF1720196_097`).
    pub usaspending_id: Option<String>,
    /// `grant`, `contract` or `idv`: the group the search found it in.
    pub award_type: Option<String>,
    pub type_description: Option<String>,
    pub total_obligation_cents: Option<i64>,
    pub base_and_all_options_cents: Option<i64>,
    pub awarding_agency: Option<String>,
    pub awarding_sub_agency: Option<String>,
    pub awarding_office: Option<String>,
    pub recipient: Option<String>,
    /// The recipient's USAspending id; its suffix says whether it has a parent (`-C`).
    pub recipient_id: Option<String>,
    pub parent_recipient: Option<String>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub last_modified: Option<String>,
    /// For an ambiguous number: each candidate, "id — recipient — amount".
    pub candidates: Vec<String>,
    /// The award groups searched (`grants`, `contracts`, `idvs`).
    pub searched: Vec<String>,
    /// The award page's JSON, as received.
    pub raw: Option<String>,
}

impl LedgerAward {
    /// An answer with nothing but a status.
    pub fn bare(canonical: &str, status: AwardStatus) -> LedgerAward {
        LedgerAward {
            canonical: canonical.to_string(),
            status,
            usaspending_id: None,
            award_type: None,
            type_description: None,
            total_obligation_cents: None,
            base_and_all_options_cents: None,
            awarding_agency: None,
            awarding_sub_agency: None,
            awarding_office: None,
            recipient: None,
            recipient_id: None,
            parent_recipient: None,
            period_start: None,
            period_end: None,
            last_modified: None,
            candidates: Vec::new(),
            searched: Vec::new(),
            raw: None,
        }
    }
}

/// The public page of an award on USAspending.gov.
pub fn award_link(usaspending_id: &str) -> String {
    format!("https://www.usaspending.gov/award/{usaspending_id}")
}

/// Cents as dollars with two decimals, exactly: `123456` → `"1234.56"`.
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// Cents as dollars with thousands separators, for people: `123456789` → `"$1,234,567.89"`.
pub fn dollars_grouped(cents: i64) -> String {
    let plain = dollars(cents);
    let (sign, rest) = plain
        .strip_prefix('-')
        .map_or(("", plain.as_str()), |r| ("-", r));
    let (whole, frac) = rest.split_once('.').unwrap_or((rest, "00"));
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}${grouped}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_print_as_exact_dollars() {
        assert_eq!(dollars(123456), "1234.56");
        assert_eq!(dollars(5), "0.05");
        assert_eq!(dollars(-250), "-2.50");
        assert_eq!(dollars_grouped(250_000_000_000), "$2,500,000,000.00");
        assert_eq!(dollars_grouped(99), "$0.99");
        assert_eq!(dollars_grouped(-123456789), "-$1,234,567.89");
    }
}
