use super::*;

const PAGE: &str = include_str!("../../../tests/fixtures/crossref/dod_works_page.json");

#[test]
fn the_recorded_dod_page_parses_into_records() {
    let page = parse_page(PAGE.as_bytes()).unwrap();
    assert_eq!(page.total, Some(183039));
    assert_eq!(page.items.len(), 20);
    let recs: Vec<WorkRecord> = page
        .items
        .iter()
        .map(|r| parse_item(r.get()).unwrap())
        .collect();
    let faraday = recs
        .iter()
        .find(|r| r.doi.as_deref() == Some("10.1039/d2fd00050d"))
        .unwrap();
    assert_eq!(faraday.publication_date.as_deref(), Some("2022"));
    assert_eq!(
        faraday.funders[0].funder_id.as_deref(),
        Some("10.13039/100000183")
    );
    assert_eq!(faraday.funders[0].awards, vec!["MURI W911NF-19-1-0283"]);
    assert!(
        faraday
            .authors
            .iter()
            .flat_map(|a| &a.affiliations)
            .any(|a| a.raw.as_deref().unwrap().contains("Xian"))
    );
    assert!(faraday.raw.starts_with('{'));
}

#[test]
fn a_funder_without_doi_or_name_is_kept_with_its_award() {
    let body = include_str!("../../../tests/fixtures/crossref/work_empty_funder.json");
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    let rec = parse_item(&v["message"].to_string()).unwrap();
    assert!(
        rec.funders
            .iter()
            .any(|f| f.name.is_none() && f.awards == vec!["LM2015047"])
    );
}
