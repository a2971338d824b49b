use super::*;

#[test]
fn the_2026_work_parses_with_funders_institutions_and_raw_strings() {
    let raw = include_str!("../../../tests/fixtures/openalex/work_W2162348455.json");
    let w = parse_work(raw).unwrap();
    assert_eq!(w.openalex_id.as_deref(), Some("W2162348455"));
    assert_eq!(w.doi.as_deref(), Some("10.1038/35002501"));
    assert_eq!(w.venue.as_deref(), Some("Nature"));
    assert_eq!(w.funders.len(), 2);
    assert_eq!(w.funders[0].ror.as_deref(), Some("00dxczh48"));
    let first = &w.authors[0];
    assert_eq!(first.countries, vec!["GB"]);
    assert!(
        first
            .affiliations
            .iter()
            .all(|a| a.country_code.as_deref() == Some("GB"))
    );
    assert!(
        first
            .affiliations
            .iter()
            .any(|a| a.raw.as_deref().is_some_and(|r| r.contains("Oxford")))
    );
}

#[test]
fn legacy_records_with_grants_still_parse() {
    let body = include_str!("../../../tests/fixtures/openalex/legacy_page_1.json");
    let page = parse_page(body.as_bytes()).unwrap();
    assert!(page.next_cursor.is_some());
    for r in &page.items {
        parse_work(r.get()).unwrap();
    }
    let end = parse_page(include_bytes!(
        "../../../tests/fixtures/openalex/legacy_page_2_end.json"
    ))
    .unwrap();
    assert!(end.items.is_empty() && end.next_cursor.is_none());
}

#[test]
fn a_sparse_work_with_nulls_parses() {
    let raw = include_str!("../../../tests/fixtures/openalex/work_sparse.json");
    let w = parse_work(raw).unwrap();
    assert!(w.title.is_none());
}
