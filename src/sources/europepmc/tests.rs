use super::*;

#[test]
fn core_results_parse_with_affiliations_and_grants() {
    let body = include_bytes!("../../../tests/fixtures/europepmc/search_cancer_core.json");
    let page = parse_page(body).unwrap();
    assert_eq!(page.items.len(), 25);
    assert_eq!(
        page.next_cursor.as_deref(),
        Some("AoIIP4ZawSg1MzEyODI1MA==")
    );
    let parsed: Vec<_> = page
        .items
        .iter()
        .filter_map(|r| parse_result(r.get()).ok())
        .collect();
    assert!(!parsed.is_empty());
    let with_grants = parsed.iter().filter(|(w, _)| !w.funders.is_empty()).count();
    assert!(with_grants > 0);
    let china = parsed
        .iter()
        .flat_map(|(w, _)| &w.authors)
        .flat_map(|a| &a.affiliations)
        .filter(|a| a.raw.as_deref().is_some_and(|r| r.contains("China")))
        .count();
    assert!(china > 0, "the recorded page has China affiliations");
    for (w, _) in &parsed {
        assert!(w.doi.as_deref().is_some_and(|d| d.starts_with("10.")));
    }
}

#[test]
fn queries_name_components_in_grants_and_acknowledgments_within_the_window() {
    let q = discovery_queries(
        &[
            "Office of Naval Research".into(),
            "Army Research Office".into(),
        ],
        "2023-06-01",
        "2025-06-30",
    );
    assert!(q[0].contains("GRANT_AGENCY:\"Office of Naval Research\""));
    assert!(q[0].contains("ACK_FUNDING:\"Army Research Office\""));
    assert!(q[0].contains("AFF:\"China\""));
    assert!(q[0].contains("AFF:\"Guangzhou\"") && q[0].contains("AFF:\"Shenyang\""));
    assert!(!q[0].contains("AFF:\"Taipei\""), "Taiwan is not searched");
    assert!(q[0].ends_with("FIRST_PDATE:[2023-06-01 TO 2025-06-30]"));
    // Award numbers alone, by their issuing office.
    let awards: Vec<&String> = q
        .iter()
        .filter(|q| q.contains("ACK_FUNDING:N00014*"))
        .collect();
    assert_eq!(awards.len(), 1);
    assert!(
        awards[0].contains("GRANT_ID:W911NF*") || q.iter().any(|q| q.contains("GRANT_ID:W911NF*"))
    );
    assert!(q.iter().all(|q| q.len() < 6000), "URLs stay short");
}
