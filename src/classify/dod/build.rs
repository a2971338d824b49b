//! Building the DoD classifier from the reference tables: components and their aliases, the
//! masks of foreign and non-DoD bodies, award-number prefixes, and the regular expressions of
//! the PIID grammar and of funding sentences.

use super::words::{CONTEXT, FOREIGN, GENERIC, MASKS};
use super::{
    DOD_REGISTRY, DOD_ROR, DodClassifier, NameTerm, Prefix, Strength, dehyphen, without_small_words,
};
use crate::classify::countries;
use crate::classify::text::Lexicon;
use crate::classify::text::normalize;
use crate::model::registry_number;
use crate::reference;
use regex::Regex;
use std::collections::{HashMap, HashSet};

impl DodClassifier {
    /// Build from the embedded reference tables.
    pub fn new() -> DodClassifier {
        let mut components: Vec<(String, String)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut component =
            |name: &str, group: &str, components: &mut Vec<(String, String)>| -> usize {
                *index.entry(name.to_string()).or_insert_with(|| {
                    components.push((name.to_string(), group.to_string()));
                    components.len() - 1
                })
            };
        let mut registry = HashMap::new();
        let mut groups: HashMap<String, String> = HashMap::new();
        for row in reference::rows(reference::DOD_FUNDERS_CSV) {
            let group = row["component_group"].clone();
            groups.insert(row["name"].clone(), group.clone());
            let c = component(&row["name"], &group, &mut components);
            if let Some(n) = registry_number(&row["funder_id"]) {
                registry.insert(n, c);
            }
        }
        let mut rors = HashMap::new();
        rors.insert(DOD_ROR.to_string(), registry[DOD_REGISTRY]);

        let mut phrases: Vec<String> = Vec::new();
        let mut name_terms = Vec::new();
        let mut seen = HashSet::new();
        let mut add =
            |p: &str, t: NameTerm, phrases: &mut Vec<String>, terms: &mut Vec<NameTerm>| {
                let p = dehyphen(normalize(p));
                if seen.insert(p.clone()) {
                    phrases.push(p);
                    terms.push(t);
                }
            };
        for m in MASKS {
            add(m, NameTerm::Mask, &mut phrases, &mut name_terms);
        }
        for row in reference::rows(reference::DOD_ALIASES_CSV) {
            let name = &row["component"];
            let group = groups
                .get(name)
                .cloned()
                .unwrap_or_else(|| match name.as_str() {
                    n if n.contains("Naval") => "Navy".to_string(),
                    _ => "Defense agency".to_string(),
                });
            let c = component(name, &group, &mut components);
            let strength = if row["strength"] == "weak" {
                Strength::Weak
            } else {
                Strength::Strong
            };
            let term = NameTerm::Alias {
                component: c,
                strength,
            };
            let alias = row["alias"].as_str();
            add(alias, term, &mut phrases, &mut name_terms);
            // Typeset and OCR'd texts write "U. S. Army" and "US Army" as often as "U.S. Army".
            if let Some(rest) = alias.strip_prefix("u.s. ") {
                add(
                    &format!("u. s. {rest}"),
                    term,
                    &mut phrases,
                    &mut name_terms,
                );
                add(&format!("u.s.{rest}"), term, &mut phrases, &mut name_terms);
            }
        }
        for w in CONTEXT {
            add(w, NameTerm::Context, &mut phrases, &mut name_terms);
        }
        for w in FOREIGN {
            add(w, NameTerm::Foreign, &mut phrases, &mut name_terms);
        }
        for w in countries::foreign_qualifiers() {
            add(&w, NameTerm::Foreign, &mut phrases, &mut name_terms);
        }

        let mut prefixes = HashMap::new();
        for row in reference::rows(reference::DOD_PREFIXES_CSV) {
            prefixes.insert(
                row["prefix"].to_ascii_uppercase(),
                Prefix {
                    office: row["issuing_office"].clone(),
                    group: row["component"].clone(),
                },
            );
        }
        let mut clipped: HashMap<String, Vec<String>> = HashMap::new();
        for prefix in prefixes.keys().filter(|p| p.len() == 6) {
            let tail = &prefix[1..];
            if tail.chars().any(|c| c.is_ascii_alphabetic()) {
                clipped
                    .entry(tail.to_string())
                    .or_default()
                    .push(prefix.clone());
            }
        }
        let clipped_prefixes: HashMap<String, String> = clipped
            .into_iter()
            .filter(|(_, full)| full.len() == 1)
            .map(|(tail, mut full)| (tail, full.remove(0)))
            .collect();
        let mut loose_phrases: Vec<String> = Vec::new();
        let mut loose_terms: Vec<usize> = Vec::new();
        for (phrase, term) in phrases.iter().zip(&name_terms) {
            if let NameTerm::Alias {
                component,
                strength: Strength::Strong,
            } = term
            {
                let squeezed = without_small_words(phrase);
                if squeezed.split(' ').count() >= 3 && !loose_phrases.contains(&squeezed) {
                    loose_phrases.push(squeezed);
                    loose_terms.push(*component);
                }
            }
        }
        let generic = GENERIC
            .iter()
            .filter_map(|g| components.iter().position(|(n, _)| n == g))
            .collect();
        DodClassifier {
            components,
            registry,
            rors,
            openalex: HashMap::new(),
            generic,
            names: std::sync::Arc::new(Lexicon::overlapping(&phrases)),
            name_terms,
            prefixes,
            full_award: Regex::new(
                r"\b([A-Z][A-Z0-9]{5})[- ]?(\d{2})[- ]?([A-Z0-9])[- ]?([A-Z0-9]{4,6})\b",
            )
            .expect("award regex"),
            prefix_token: Regex::new(r"\b([A-Z][A-Z0-9]{5})(?:[- ]?[A-Z0-9]+)*")
                .expect("prefix regex"),
            // DoD activity address codes: Army W…/DA…, Navy N + 5 digits, Air Force F…,
            // defense agencies H…, MDA…, SP… (DLA).
            shaped_award: Regex::new(
                r"\b(W-?[0-9][A-Z0-9]{4}|N-?[0-9]{5}|F-?[A-Z0-9][0-9]{4}|H[A-Z0-9]{5}|DA[A-Z]{2}[0-9]{2}|MDA[0-9]{3}|SP[0-9]{4})-(\d{2})-(?:([A-Z0-9])-)?([A-Z0-9]{4,6})\b",
            )
            .expect("shaped award regex"),
            clipped_award: Regex::new(
                r"\b([A-Z0-9]{5})[- ](\d{2})[- ]([A-Z0-9])[- ]([A-Z0-9]{4,6})\b",
            )
            .expect("clipped award regex"),
            clipped_prefixes,
            disclaimer: Regex::new(
                r"\b(?:views|opinions|findings|conclusions|recommendations|content|contents|statements)\b[^.]*?\b(?:are those of|is solely the responsibility|do not necessarily|does not necessarily|not necessarily|should not be (?:interpreted|construed)|no official endorsement|not be construed)|\b(?:approved for public release|distribution statement [a-f]\b|distribution (?:is )?unlimited)",
            )
            .expect("disclaimer regex"),
            funding_cue: Regex::new(
                r"\b(?:support|supported|supporting|fund|funds|funded|funding|grant|grants|granted|award|awards|awarded|contract|contracts|subcontract|sponsor|sponsored|sponsorship|fellowship|fellowships|financ\w*|scholarship|agreement|under|acknowledge the|acknowledges the|gratefully acknowledge|arpa order|order no)\b",
            )
            .expect("funding cue regex"),
            non_funding_support: Regex::new(
                r"\b(?:technical|managerial|logistical|logistic|administrative|editorial|moral|clerical|statistical|field|computing|computational|engineering|laboratory|lab|programming|ship|sea|diving|animal|veterinary|mentoring|in kind|in-kind) (?:and \w+ )?support\b",
            )
            .expect("non-funding support regex"),
            loose: std::sync::Arc::new(Lexicon::new(&loose_phrases)),
            loose_phrases: std::sync::Arc::new(loose_phrases),
            loose_terms,
        }
    }
}
