//! Where affiliations are: country codes, strings, traps and namesakes.

use super::*;
use std::sync::LazyLock;

static C: LazyLock<ChinaClassifier> = LazyLock::new(ChinaClassifier::new);

fn region(s: &str) -> Region {
    C.classify_text(s).region
}

#[test]
fn a_country_at_the_end_of_the_address_decides() {
    assert_eq!(
        region("Department of Physics, Tsinghua University, Beijing 100084, China"),
        Region::CN
    );
    assert_eq!(
        region("Institute of Modern Physics, Northwest University, Xian, Shaanxi, 710127, China"),
        Region::CN
    );
    assert_eq!(
        region("Dept. of Chemistry, University of Missouri, Columbia, MO, 65211, USA"),
        Region::Other
    );
    assert_eq!(
        region("School of Physics, Peking University, Beijing, P.R. China"),
        Region::CN
    );
}

#[test]
fn taiwan_is_never_china() {
    assert_eq!(
        region(
            "Department of Physics, National Tsing Hua University, Hsinchu 30013, Taiwan, Republic of China"
        ),
        Region::TW
    );
    assert_eq!(region("Academia Sinica, Taipei, Taiwan, China"), Region::TW);
    assert_eq!(
        region("National Sun Yat-sen University, Kaohsiung 804, Taiwan, R.O.C."),
        Region::TW
    );
    assert_eq!(region("China Medical University, Taichung"), Region::TW);
    assert!(
        !C.classify_text("Taipei, Taiwan, People's Republic of China")
            .is_china(RegionPolicy::default())
    );
}

#[test]
fn hong_kong_and_macau_are_their_own_regions() {
    assert_eq!(
        region("The Chinese University of Hong Kong, Shatin, N.T., Hong Kong"),
        Region::HK
    );
    assert_eq!(
        region("The Chinese University of Hong Kong, Shenzhen, Guangdong 518172, China"),
        Region::CN
    );
    assert_eq!(
        region("City University of Hong Kong, Hong Kong SAR, China"),
        Region::HK
    );
    assert_eq!(
        region("University of Macau, Taipa, Macao SAR, China"),
        Region::MO
    );
    let hk = C.classify_text("Hong Kong Polytechnic University, Hung Hom, Kowloon, Hong Kong");
    assert!(hk.is_china(RegionPolicy::default()));
    assert!(!hk.is_china(RegionPolicy {
        mainland_only: true
    }));
}

#[test]
fn china_as_a_us_place_name_is_not_china() {
    assert_eq!(
        region("Naval Air Warfare Center Weapons Division, China Lake, CA 93555, USA"),
        Region::Other
    );
    assert_eq!(
        region("China Village, Kennebec County, Maine, USA"),
        Region::Other
    );
    assert_eq!(
        region("US-China Institute, University of Southern California, Los Angeles, USA"),
        Region::Other
    );
}

#[test]
fn places_decide_when_no_country_is_named() {
    assert_eq!(region("Sun Yat-sen University, Guangzhou"), Region::CN);
    assert_eq!(
        region("Harbin Institute of Technology, Shenzhen"),
        Region::CN
    );
    assert_eq!(region("Northeastern University, Shenyang"), Region::CN);
    assert_eq!(
        region("Northeastern University, Boston, MA, USA"),
        Region::Other
    );
    assert_eq!(region("中国科学院物理研究所，北京"), Region::CN);
}

#[test]
fn the_string_outranks_a_wrong_institution_match() {
    let v = C.classify(AffiliationInput {
        raw: Some("Southern University of Science and Technology, Shenzhen"),
        country_code: Some("US"),
        ..Default::default()
    });
    assert_eq!(v.region, Region::CN);
    assert!(
        v.signals
            .iter()
            .any(|s| s.level == Level::InstitutionCode && s.region == Region::Other)
    );
}

#[test]
fn structured_codes_decide_when_the_string_is_silent() {
    let v = C.classify(AffiliationInput {
        raw: Some("Department of Physics"),
        country_code: Some("CN"),
        ..Default::default()
    });
    assert_eq!(v.region, Region::CN);
    assert_eq!(v.decided_by, Some(Level::InstitutionCode));
    assert_eq!(region("Department of Physics"), Region::Unknown);
    assert_eq!(region("Lab of X, contact: wang@zju.edu.cn"), Region::CN);
}

#[test]
fn a_namesake_never_decides_alone_and_location_evidence_does() {
    let c = ChinaClassifier::new();
    for (raw, region) in [
        ("Northeastern University, Boston, MA", Region::Other),
        ("NORTHEASTERN UNIVERSITY, BOSTON MA", Region::Other),
        (
            "Northeastern University, Boston, Massachusetts 02115",
            Region::Other,
        ),
        ("Northeastern University, Shenyang 110819", Region::CN),
        (
            "Northeastern University, Shenyang, Liaoning, China",
            Region::CN,
        ),
        ("Southeast University, Dhaka, Bangladesh", Region::Other),
        ("Southeast University, Nanjing 210096", Region::CN),
        (
            "Dept. of Chemistry, University of Missouri, Columbia, MO 65211",
            Region::Other,
        ),
        ("University of Macau, Taipa, MO", Region::MO),
    ] {
        assert_eq!(c.classify_text(raw).region, region, "{raw}");
    }
    for raw in [
        "Northeastern University",
        "Southeast University",
        "China Medical University",
    ] {
        let v = c.classify_text(raw);
        assert_eq!(v.region, Region::Unknown, "{raw}");
        assert!(
            v.note
                .as_deref()
                .is_some_and(|n| n.contains("China and elsewhere")),
            "{raw}"
        );
    }
    // A source's institution country code still decides a namesake.
    let v = c.classify(AffiliationInput {
        raw: Some("Northeastern University"),
        country_code: Some("CN"),
        ..Default::default()
    });
    assert_eq!(v.region, Region::CN);
}

#[test]
fn namesakes_are_found_by_their_words_not_listed() {
    assert!(super::generic_name("Northeastern University"));
    assert!(super::generic_name("Central South University"));
    assert!(super::generic_name(
        "Southwest University of Science and Technology"
    ));
    assert!(!super::generic_name("Southwest Jiaotong University"));
    assert!(!super::generic_name("North University of China"));
    assert!(!super::generic_name("Tsinghua University"));
}

#[test]
fn chinese_universities_and_hospitals_named_without_a_place_are_placed() {
    // Names that carry no place or country word: the institutions table places them.
    for s in [
        "College of Water Conservancy, Hohai University",
        "Northwest A&F University",
        "Xiangya Hospital",
        "Capital Medical University",
        "School of Statistics, Central University of Finance and Economics",
        "Chang'an University",
        "Department of Neurology, Xijing Hospital",
        // Their bibliographic abbreviations and the acronyms no other institution of note uses.
        "Hohai Univ.",
        "Dept. of Physics, USTC",
        "College of Computer, NUDT",
    ] {
        assert_eq!(region(s), Region::CN, "{s}");
    }
    // Taiwan's National Sun Yat-sen University keeps its own acronym and abbreviation.
    assert_eq!(region("NSYSU, Kaohsiung"), Region::TW);
    assert_eq!(region("National Sun Yat-sen Univ."), Region::TW);
    // A name of compass and generic words only still needs its location.
    assert_eq!(region("Southwest University"), Region::Unknown);
    assert_eq!(region("Southwest University, Chongqing 400715"), Region::CN);
}
