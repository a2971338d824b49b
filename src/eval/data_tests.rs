//! Readers of the third-party labelled data.

use super::*;
use crate::eval::labels::SpanLabels;

#[test]
fn gold_country_words_map_to_regions() {
    for (text, region) in [
        ("China", Region::CN),
        ("P. R. China", Region::CN),
        ("People's Republic of China", Region::CN),
        ("PRC", Region::CN),
        ("Taiwan", Region::TW),
        ("Taiwan, ROC", Region::TW),
        ("Republic of China", Region::TW),
        ("R.O.C.", Region::TW),
        ("Hong Kong", Region::HK),
        ("Macao", Region::MO),
        ("USA", Region::Other),
    ] {
        assert_eq!(gold_region_of_country(text, None), region, "{text}");
    }
    assert_eq!(gold_region_of_country("Chine", Some("CN")), Region::CN);
}

#[test]
fn the_last_part_of_an_address_names_its_country() {
    assert_eq!(
        named_country("Dept of Physics, Tsinghua University, Beijing 100084, P.R. China."),
        Some(Region::CN)
    );
    assert_eq!(
        named_country("Academia Sinica, Taipei, Taiwan, China"),
        Some(Region::TW)
    );
    assert_eq!(
        named_country("MIT, Cambridge, MA 02139, USA"),
        Some(Region::Other)
    );
    assert_eq!(named_country("Chinese Academy of Sciences (CAS)"), None);
}

#[test]
fn grobid_funding_texts_keep_their_spans() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.xml");
    std::fs::write(
        &path,
        "<fundings><funding>Supported by the <funder>Office of Naval Research</funder> \
         (<grantNumber>N00014-21-1-2345</grantNumber>) &amp; NSF.</funding>\
         <funding>Nothing here.</funding></fundings>",
    )
    .unwrap();
    let items = grobid_funding(&path).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0].text,
        "Supported by the Office of Naval Research (N00014-21-1-2345) & NSF."
    );
    assert_eq!(items[0].funders, ["Office of Naval Research"]);
    assert_eq!(items[0].grants, ["N00014-21-1-2345"]);
    assert!(SpanLabels::embedded().is_dod(&items[0]));
    assert!(!SpanLabels::embedded().is_dod(&items[1]));
}

#[test]
fn grobid_affiliations_take_gold_from_the_country_element() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.tei.xml"),
        "<tei><affiliation><orgName>National Tsing Hua University</orgName>, \
         <address><settlement>Hsinchu</settlement>, <country>Taiwan, ROC</country></address>\
         </affiliation><affiliation><orgName>MIT</orgName></affiliation>\
         <affiliation><orgName>Fudan University</orgName>, <country key=\"CN\">Chine</country>\
         </affiliation></tei>",
    )
    .unwrap();
    let items = grobid_affiliations(dir.path()).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0].text,
        "National Tsing Hua University, Hsinchu, Taiwan, ROC"
    );
    assert_eq!(items[0].gold, Region::TW);
    assert_eq!(items[1].gold, Region::CN);
}

#[test]
fn every_trap_in_the_list_is_decided_right() {
    let china = crate::classify::china::ChinaClassifier::new();
    let wrong: Vec<String> = traps()
        .into_iter()
        .filter_map(|t| {
            let v = china.classify_text(&t.text);
            let right = match t.gold {
                Region::Other => {
                    !matches!(v.region, Region::CN | Region::HK | Region::MO | Region::TW)
                }
                g => v.region == g,
            };
            (!right).then(|| {
                format!(
                    "{} → {} (want {})",
                    t.text,
                    v.region.as_str(),
                    t.gold.as_str()
                )
            })
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}
