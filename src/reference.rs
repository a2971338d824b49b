//! Reference data compiled into the binary from `db/reference/`, so the tool runs from the repo
//! (or a copied binary) alone. Provenance of every file is in `db/reference/SOURCES-*.md`.

use std::collections::HashMap;

pub const DOD_FUNDERS_CSV: &str = include_str!("../db/reference/dod_funders_compiled.csv");
pub const DOD_PREFIXES_CSV: &str = include_str!("../db/reference/dod_award_prefixes_compiled.csv");
pub const DOD_ALIASES_CSV: &str =
    include_str!("../db/reference/dod_component_aliases_compiled.csv");
pub const CITIES_CSV: &str = include_str!("../db/reference/geonames_cities15000_cn_hk_mo_tw.csv");
pub const PROVINCES_CSV: &str =
    include_str!("../db/reference/china_provincial_divisions_compiled.csv");
pub const PLACES_EXTRA_CSV: &str = include_str!("../db/reference/places_extra_compiled.csv");
pub const INSTITUTIONS_CSV: &str = include_str!("../db/reference/institutions_compiled.csv");
pub const COUNTRIES_CSV: &str = include_str!("../db/reference/countries_compiled.csv");
pub const US_STATES_CSV: &str = include_str!("../db/reference/us_states_compiled.csv");
pub const WORLD_COUNTRIES_CSV: &str = include_str!("../db/reference/world_countries_compiled.csv");
pub const ENTITY_LISTS_CSV: &str = include_str!("../db/reference/entity_lists_compiled.csv");
pub const ENTITY_INDEX_CSV: &str =
    include_str!("../db/reference/china_risk_entity_name_index_compiled.csv");
/// Countries of bundled entries whose list does not state one (§1286 before FY25).
pub const ENTITY_COUNTRIES_CSV: &str =
    include_str!("../db/reference/entity_countries_compiled.csv");
pub const ASPI_TRACKER_CSV: &str = include_str!("../db/reference/aspi_tracker_flat_compiled.csv");
pub const SEVEN_SONS_CSV: &str = include_str!("../db/reference/seven_sons_compiled.csv");
pub const CSET_VENDORS_CSV: &str =
    include_str!("../db/reference/cset_pla_ai_vendors_named_compiled.csv");
pub const AFFILIATION_TEST_CASES_CSV: &str =
    include_str!("../db/reference/affiliation_country_test_cases_compiled.csv");

/// Parse an embedded CSV into header-keyed rows. Embedded files are checked by tests, so a
/// malformed one is a build defect, not a user error.
pub fn rows(csv_text: &str) -> Vec<HashMap<String, String>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .expect("embedded reference CSV has a header")
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("embedded reference CSV is well formed");
            headers
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_table_parses_and_has_rows() {
        for (name, text) in [
            ("funders", DOD_FUNDERS_CSV),
            ("prefixes", DOD_PREFIXES_CSV),
            ("world countries", WORLD_COUNTRIES_CSV),
            ("us states", US_STATES_CSV),
            ("aliases", DOD_ALIASES_CSV),
            ("cities", CITIES_CSV),
            ("provinces", PROVINCES_CSV),
            ("places", PLACES_EXTRA_CSV),
            ("institutions", INSTITUTIONS_CSV),
            ("countries", COUNTRIES_CSV),
            ("affiliation test cases", AFFILIATION_TEST_CASES_CSV),
            ("entity lists", ENTITY_LISTS_CSV),
            ("entity index", ENTITY_INDEX_CSV),
            ("aspi tracker", ASPI_TRACKER_CSV),
        ] {
            assert!(rows(text).len() > 5, "{name} has rows");
        }
    }
}
