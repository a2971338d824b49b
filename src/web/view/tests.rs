use super::*;

fn row(doi: &str, tier: &str, comps: &str, regions: &str, title: &str) -> Row {
    Row::new(FlaggedRow {
        doi: doi.into(),
        title: title.into(),
        tier: tier.into(),
        dod_components: comps.into(),
        china_regions: regions.into(),
        publication_date: "2024-05-01".into(),
        ..Default::default()
    })
}

fn rows() -> Vec<Row> {
    vec![
        row(
            "10.1/a",
            "1",
            "Navy › Office of Naval Research",
            "CN",
            "Graphene",
        ),
        row(
            "10.1/b",
            "2",
            "Army › Army Research Office; Navy › Office of Naval Research",
            "HK",
            "Lasers",
        ),
        row(
            "10.1/c",
            "3",
            "Army › Army Research Office",
            "CN; HK",
            "Graphene lasers",
        ),
    ]
}

#[test]
fn a_view_round_trips_through_its_query_string() {
    let q = "component=Navy+%E2%80%BA+Office+of+Naval+Research&region=CN&region=HK&q=graphene&sort=date&dir=desc&page=3";
    let v = View::parse(q);
    assert_eq!(v.filters.len(), 3);
    assert_eq!(v.q, "graphene");
    assert_eq!((v.sort.as_deref(), v.desc, v.page), (Some("date"), true, 3));
    assert_eq!(View::parse(&v.query()), v);
    // Unknown keys and sorts are ignored, not errors.
    let odd = View::parse("sort=evil&x=1&tier=");
    assert_eq!(odd, View::parse(""));
}

#[test]
fn values_of_one_facet_are_alternatives_and_facets_narrow_each_other() {
    let rows = rows();
    let dois =
        |v: &View| -> Vec<String> { v.apply(&rows).iter().map(|r| r.row.doi.clone()).collect() };
    let both = View::parse("region=CN&region=HK");
    assert_eq!(dois(&both).len(), 3);
    let narrowed = both.toggled("component", "Army › Army Research Office");
    assert_eq!(dois(&narrowed), ["10.1/b", "10.1/c"]);
    let searched = View {
        q: "GRAPHENE".into(),
        ..narrowed.clone()
    };
    assert_eq!(dois(&searched), ["10.1/c"]);
    // Toggling a chosen value drops it.
    assert_eq!(
        narrowed.toggled("component", "Army › Army Research Office"),
        both
    );
}

#[test]
fn facet_counts_are_over_the_views_rows_and_chosen_values_stay_visible() {
    let rows = rows();
    let v = View::parse("tier=1");
    let shown = v.apply(&rows);
    let facets = facet_counts(&v, &shown, 10, "/papers");
    let tier = facets.iter().find(|f| f.key == "tier").unwrap();
    assert_eq!(tier.values.len(), 1);
    assert!(tier.values[0].chosen);
    assert_eq!(tier.values[0].href, "/papers");
    let comp = facets.iter().find(|f| f.key == "component").unwrap();
    assert_eq!(comp.values[0].value, "Navy › Office of Naval Research");
    assert_eq!(comp.values[0].count, 1);
}

#[test]
fn the_default_order_is_the_exports_and_a_column_sorts_both_ways() {
    let rows = rows();
    let v = View::parse("");
    let first: Vec<&str> = v.apply(&rows).iter().map(|r| r.row.tier.as_str()).collect();
    assert_eq!(first, ["1", "2", "3"]);
    let by_title = v.sorted_by("title");
    let t: Vec<&str> = by_title
        .apply(&rows)
        .iter()
        .map(|r| r.row.title.as_str())
        .collect();
    assert_eq!(t, ["Graphene", "Graphene lasers", "Lasers"]);
    let back: Vec<&str> = by_title
        .sorted_by("title")
        .apply(&rows)
        .iter()
        .map(|r| r.row.title.as_str())
        .collect();
    assert_eq!(back, ["Lasers", "Graphene lasers", "Graphene"]);
}
