use super::*;
use std::sync::LazyLock;

static M: LazyLock<EntityMatcher> = LazyLock::new(EntityMatcher::bundled);

fn entries(s: &str) -> Vec<String> {
    M.find(s).into_iter().map(|h| h.entry).collect()
}

#[test]
fn every_bundled_list_is_loaded_with_entries() {
    let ids: Vec<&str> = M.lists().iter().map(|l| l.id.as_str()).collect();
    for id in [
        "seven-sons",
        "aspi-unitracker",
        "dod-1260h",
        "ndaa-1286",
        "bis-meu",
        "cset-pla-ai",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert!(
        M.lists()
            .iter()
            .all(|l| l.entries > 0 && !l.licence.is_empty())
    );
}

#[test]
fn the_longest_name_wins() {
    let hits = M.find(
        "College of Astronautics, Nanjing University of Aeronautics and Astronautics, Nanjing 210016, China",
    );
    assert!(
        hits.iter().all(|h| h.entry != "Nanjing University"),
        "{hits:?}"
    );
    assert!(
        hits.iter()
            .any(|h| h.entry.contains("Aeronautics and Astronautics"))
    );
    assert!(
        entries("School of Physics, Nanjing University, Nanjing 210093, China")
            .iter()
            .any(|e| e == "Nanjing University")
    );
}

#[test]
fn chinese_names_and_upper_case_acronyms_match() {
    assert!(!M.find("北京航空航天大学 仪器科学与光电工程学院").is_empty());
    assert!(
        !M.find("School of Instrumentation, BUAA, Beijing, China")
            .is_empty()
    );
    // A lower-case word that happens to spell an acronym is not a match.
    assert!(
        M.find("a bit of work at Beijing, China")
            .iter()
            .all(|h| h.matched != "bit")
    );
}

#[test]
fn a_laboratory_entry_does_not_flag_its_whole_university() {
    let m = EntityMatcher::with_imported(ListsInForce {
        removed: vec![],
        imported: vec![(
            ListInfo {
                id: "test".into(),
                title: "test".into(),
                source: "test".into(),
                as_of: "2026".into(),
                licence: "none".into(),
                entries: 1,
                origin: "test".into(),
            },
            vec![Entry {
                list_id: "test".into(),
                name: "Defense S&T Key Laboratory of Widget Physics at Foo University".into(),
                ..Default::default()
            }],
        )],
    });
    assert!(
        m.find("Department of Chemistry, Foo University, Xi'an, China")
            .is_empty()
    );
    let hits = m.find("Key Laboratory of Widget Physics, Foo University, Xi'an, China");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].list, "test");
}
