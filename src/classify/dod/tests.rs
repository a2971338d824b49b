//! The DoD classifier on ids, names, award numbers and free text, traps included.

use super::*;
use std::sync::LazyLock;

static D: LazyLock<DodClassifier> = LazyLock::new(DodClassifier::new);

fn funder(id: Option<&str>, name: &str, awards: &[&str]) -> FunderRecord {
    FunderRecord {
        funder_id: id.map(str::to_string),
        name: Some(name.to_string()),
        awards: awards.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn is_dod(name: &str) -> bool {
    !D.classify_name(name, false).is_empty()
}

#[test]
fn registry_ids_of_the_family_are_dod() {
    let m = D.classify_funder(&funder(
        Some("10.13039/100000183"),
        "Army Research Office",
        &[],
    ));
    assert!(
        m.iter()
            .any(|m| m.via == Via::RegistryId && m.component == "Army Research Office")
    );
    assert!(
        D.classify_funder(&funder(
            Some("10.13039/501100001809"),
            "National Natural Science Foundation of China",
            &["22073073"]
        ))
        .is_empty()
    );
}

#[test]
fn publisher_spellings_of_components_are_dod() {
    assert!(is_dod(
        "DOD | United States Navy | Office of Naval Research"
    ));
    assert!(is_dod("USAFOSR"));
    assert!(is_dod("EOARD-AFOSR"));
    assert!(is_dod(
        "U.S. Department of Defense : U.S. Air Force : Air Force Materiel Command : Air Force Office of Scientific Research"
    ));
    assert!(is_dod("Department of Navy award"));
    assert!(is_dod("ONR"));
    assert!(is_dod("Defense Advanced Research Projects Agency"));
    let m = D.classify_name("DOD | United States Navy | Office of Naval Research", false);
    assert!(
        m.iter()
            .all(|m| m.component != "U.S. Department of Defense")
    );
}

#[test]
fn look_alikes_are_not_dod() {
    assert!(!is_dod("Army Medical University"));
    assert!(!is_dod("Air Force Engineering University"));
    assert!(!is_dod("Chinese People's Liberation Army"));
    assert!(!is_dod("Australian Government Department of Defence"));
    assert!(!is_dod("Ministry of National Defense, Taiwan"));
    assert!(!is_dod("U.S. Department of Veterans Affairs"));
    assert!(!is_dod("U.S. Department of Energy"));
    assert!(!is_dod("ARPA-E"));
    assert!(!is_dod("IARPA"));
    assert!(!is_dod("Muscular Dystrophy Association"));
    assert!(!is_dod("MDA"));
    assert!(!is_dod("Czech Ministry of Defence"));
}

#[test]
fn weak_acronyms_need_context() {
    assert!(!is_dod("ARO"));
    assert!(is_dod("US Army ARO"));
    assert!(
        !D.classify_funder(&funder(None, "ARO", &["W911NF-17-1-0105"]))
            .is_empty()
    );
    assert!(is_dod("Missile Defense Agency"));
}

#[test]
fn award_numbers_follow_the_piid_grammar() {
    for (text, prefix) in [
        ("MURI W911NF-19-1-0283", "W911NF"),
        ("W911NF2010123", "W911NF"),
        ("N00014 21 1 2345", "N00014"),
        ("DOD W81XWH1010862", "W81XWH"),
        ("HR00112590083", "HR0011"),
        ("FA9550-20-1-0425", "FA9550"),
        ("N0001418IP00037", "N00014"),
        ("W911NF-5-1-0647", "W911NF"),
    ] {
        let a = D.parse_awards(text);
        assert_eq!(a.len(), 1, "{text}: {a:?}");
        assert_eq!(a[0].prefix, prefix);
    }
    assert!(
        D.parse_awards("CNS-1526269 and 22073073 and DE-SC0010042")
            .is_empty()
    );
    // An office code that lost its first letter, when the rest still names one office.
    let a = D.parse_awards("ARO 911NF-14-1-0437");
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(
        (a[0].prefix.as_str(), a[0].normalized.as_str()),
        ("W911NF", "W911NF1410437")
    );
    assert_eq!(a[0].text, "911NF-14-1-0437");
    for plain in [
        "00014-21-1-2345",
        "12345-20-1-0123",
        "911NF1410437",
        "X911NF-14-1-0437",
    ] {
        assert!(D.parse_awards(plain).is_empty(), "{plain}");
    }
    let a = &D.parse_awards("grant W911NF-20-1-0123")[0];
    assert_eq!(a.fiscal_year.as_deref(), Some("20"));
    assert_eq!(a.instrument, Some('1'));
}

#[test]
fn run_time_openalex_ids_map_to_components() {
    let d = D
        .clone()
        .with_openalex_ids([("https://openalex.org/F4320338279", "10.13039/100000006")]);
    let f = FunderRecord {
        funder_id: Some("F4320338279".into()),
        name: Some("Office of Naval Research".into()),
        ..Default::default()
    };
    assert!(
        d.classify_funder(&f)
            .iter()
            .any(|m| m.via == Via::OpenAlexId && m.component == "Office of Naval Research")
    );
}

fn text_dod(text: &str) -> bool {
    D.classify_text(text).dod
}

#[test]
fn funding_sentences_naming_a_component_are_dod_with_their_spans() {
    let text = "This research was supported by the U.S. Army Research Office (ARO) under \
                grant W911NF2010123 and by NSFC.";
    let f = D.classify_text(text);
    assert!(f.dod);
    assert_eq!(f.components()[0], "Army Research Office");
    for m in &f.matches {
        assert_eq!(&text[m.span.start..m.span.end], m.span.text);
    }
    assert_eq!(f.awards[0].text, "W911NF2010123");
    assert_eq!(f.awards[0].prefix, "W911NF");
    assert!(text_dod(
        "We thank the Office of Naval Research for financial support."
    ));
    assert!(text_dod("Funding: ONR N00014 21 1 2345."));
}

#[test]
fn the_dod_disclaimer_is_not_funding() {
    let text = "This work was supported by NSF grant 1234567. The views and conclusions \
                contained herein are those of the authors and should not be interpreted as \
                representing the official policies of the Department of the Army or the \
                U.S. Government.";
    let f = D.classify_text(text);
    assert!(!f.dod, "{f:?}");
    assert!(f.ignored.iter().any(|i| i.reason.contains("disclaimer")));
    // Funding before the disclaimer in the same sentence still counts.
    assert!(text_dod(
        "Supported by AFOSR award FA9550-20-1-0425; the views expressed are those of the \
         authors and do not necessarily reflect the position of the Air Force."
    ));
}

#[test]
fn ambiguous_acronyms_and_defense_words_need_context() {
    assert!(!text_dod(
        "This work was supported by ARO grant 2019-12 (Israel)."
    ));
    assert!(text_dod(
        "This work was supported by ARO grant W911NF-17-1-0105."
    ));
    assert!(!text_dod(
        "Supported by the Muscular Dystrophy Association (MDA) and the NIH."
    ));
    assert!(!text_dod(
        "Funded by the National Science Foundation for studies of plant defense and host \
         defense responses."
    ));
    assert!(!text_dod(
        "We thank Dr. Smith of the Naval Research Laboratory for discussions."
    ));
    // A sentence that ends in a number ends there: the next one's "Funded" is not about
    // the laboratory thanked for its data.
    assert!(!text_dod(
        "The authors thank the Army Research Laboratory for providing the open data set used \
         in Section 3. Funded by the Shenzhen Science and Technology Program (JCYJ20220530)."
    ));
    assert!(!text_dod(
        "We acknowledge managerial support from J. Doe (U.S. Army Edgewood Chemical \
         Biological Center)."
    ));
}

#[test]
fn foreign_defence_bodies_and_other_agencies_are_not_dod_in_text() {
    assert!(!text_dod(
        "This work was funded by the Korean Ministry of National Defense and ARPA-E."
    ));
    assert!(!text_dod(
        "Supported by the Advanced Research Projects Agency-Energy (ARPA-E), U.S. \
         Department of Energy, under award DE-AR0000149."
    ));
    assert!(!text_dod(
        "Supported by the Army Medical University and the Air Force Engineering University."
    ));
}

#[test]
fn award_numbers_with_unlisted_dod_offices_are_recognised_by_shape() {
    let a = D.parse_awards("ESD contract F-19628-92-C-0089 and DASG60-92-0055");
    assert_eq!(a.len(), 2, "{a:?}");
    assert_eq!(a[0].prefix, "F19628");
    assert_eq!(a[0].group, "Air Force");
    assert!(
        D.parse_awards("NIH F31-AA019866, DA026594, F31 AI092891, N43/DBS/000068")
            .is_empty()
    );
}

#[test]
fn offices_and_programmes_of_the_dod_named_by_their_titles_are_dod() {
    for text in [
        "Supported by the Office of the Under Secretary of Defense for Research and Engineering.",
        "Funded by the Defense Established Program to Stimulate Competitive Research (DEPSCoR).",
        "J.D. was supported by the SMART Scholarship-for-Service Program.",
        "This work was funded by the Chemical and Biological Defense Program.",
        "Supported by the National Reconnaissance Office.",
        "Supported by the Naval Undersea Warfare Center, Newport.",
    ] {
        assert!(D.classify_text(text).dod, "{text}");
    }
    // Another country's programme of the same name is not the DoD's.
    assert!(
        !D.classify_text("Funded by the Korean Chemical and Biological Defense Program.")
            .dod
    );
}
