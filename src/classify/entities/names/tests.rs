use super::*;

#[test]
fn legal_forms_places_and_generic_words_are_not_aliases() {
    for weak in [
        "Ltd.",
        "Limited",
        "Inc.",
        "Co., Ltd.",
        "Beijing",
        "Inner Mongolia",
        "Institute of Technology",
        "Beijing Institute",
    ] {
        assert!(weak_alias(weak).is_some(), "{weak}");
    }
    for name in [
        "Hesai",
        "AVIC Jonhon",
        "Beihang University",
        "Qihoo 360",
        "Institute of Solid State Physics",
        "Academy of Military Sciences",
        "北京航空航天大学",
    ] {
        assert_eq!(weak_alias(name), None, "{name}");
    }
}

#[test]
fn a_company_is_named_without_its_legal_form_only_before_a_legal_form() {
    assert_eq!(
        without_legal_form("Contemporary Amperex Technology Co., Ltd.").as_deref(),
        Some("Contemporary Amperex Technology")
    );
    assert_eq!(
        without_legal_form("Inspur Group Co., Ltd.").as_deref(),
        Some("Inspur")
    );
    assert_eq!(without_legal_form("AVIC Airborne Systems"), None);
    // What is left would name nothing on its own.
    assert_eq!(
        without_legal_form("China Electronics Technology Group Corporation"),
        None
    );
    assert_eq!(own_words("Tencent"), 1);
    assert_eq!(own_words("China Three Gorges"), 2);
    let t = normalize("China Three Gorges University, Yichang");
    assert!(!legal_form_follows(&t, "china three gorges".len()));
    let t = normalize("Contemporary Amperex Technology Co., Limited, Ningde");
    assert!(legal_form_follows(
        &t,
        "contemporary amperex technology".len()
    ));
}

#[test]
fn a_name_counts_only_as_the_whole_institution_of_its_part() {
    let at = |text: &str, name: &str| {
        let t = normalize(text);
        let s = t.find(&normalize(name)).unwrap();
        whole_name(&t, s, s + normalize(name).len())
    };
    assert!(at(
        "School of Physics, Nanjing University, Nanjing",
        "Nanjing University"
    ));
    assert!(at(
        "Department of Physics Tsinghua University Beijing",
        "Tsinghua University"
    ));
    assert!(at(
        "Zhongnan Hospital of Wuhan University, Wuhan",
        "Wuhan University"
    ));
    assert!(at(
        "PLA Academy of Military Science, Beijing",
        "Academy of Military Science"
    ));
    assert!(at(
        "Army Engineering University of PLA, Nanjing",
        "Army Engineering University"
    ));
    assert!(!at(
        "Technical Institute of Physics and Chemistry, CAS",
        "Institute of Physics"
    ));
    assert!(!at(
        "Zhejiang University of Technology, Hangzhou",
        "Zhejiang University"
    ));
    assert!(!at("Shanghai Jiao Tong University", "Jiao Tong University"));
}

#[test]
fn an_entry_belongs_to_the_country_its_list_or_its_name_says() {
    assert_eq!(country_of(Some("Russia"), &[]).as_deref(), Some("RU"));
    assert_eq!(
        country_of(
            None,
            &["Institute of Solid State Physics of the Russian Academy of Sciences"]
        )
        .as_deref(),
        Some("RU")
    );
    assert_eq!(country_of(None, &["Beihang University"]), None);
    assert_eq!(country_of(None, &["China-Russia Institute"]), None);
    assert!(!country_allows(Some("RU"), "CN"));
    assert!(country_allows(Some("CN"), "HK"));
    assert!(country_allows(None, "CN"));
}

#[test]
fn listing_dates_come_from_tranches_years_and_dates() {
    assert_eq!(
        listed_since("tranche=2025-01-07; end=; parent=").as_deref(),
        Some("2025-01-07")
    );
    assert_eq!(
        listed_since("report_year=FY22 (2022); country=; end=").as_deref(),
        Some("2022")
    );
    assert_eq!(
        listed_since("city Beijing; listed 2024-05-01; FR 89 FR 1").as_deref(),
        Some("2024-05-01")
    );
    assert_eq!(listed_since("category=Military"), None);
}
