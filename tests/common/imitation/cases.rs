//! The hard cases: DoD funding named without a registry id, affiliations written the hard
//! ways, and works whose DoD funding is stated only in their acknowledgment.

use super::*;

/// DoD funders as publishers deposit them without a registry id.
pub const NAME_ONLY_DOD: &[(&str, &str)] = &[
    ("Office of Naval Research (ONR)", "N00014-{y}-1-{n}"),
    (
        "DOD | United States Navy | Office of Naval Research",
        "N00014{y}1{n}",
    ),
    ("US Army Research Office", "W911NF-{y}-1-{n}"),
    (
        "Air Force Office of Scientific Research (AFOSR)",
        "FA9550-{y}-1-{n}",
    ),
    ("Defense Threat Reduction Agency", "HDTRA1-{y}-1-{n}"),
    ("DARPA", "HR0011-{y}-2-{n}"),
    (
        "U.S. Army Medical Research and Development Command",
        "W81XWH-{y}-1-{n}",
    ),
];

/// Funder names that look like DoD and are not.
pub const NAME_ONLY_DECOYS: &[&str] = &[
    "Australian Government Department of Defence",
    "Ministry of National Defense of the Republic of Korea",
    "Department of Defense, Republic of Korea",
    "Army Medical University",
    "Muscular Dystrophy Association",
];

/// One author's affiliation as the hard cases write it: the raw string, the OpenAlex
/// institution (name, country code) when OpenAlex matched one, and where the author really is.
pub struct HardAffiliation {
    raw: String,
    openalex_institution: Option<(&'static str, &'static str)>,
    truth: &'static str,
    /// Whether the metadata shows where the author is at all.
    visible: bool,
}

/// The affiliation cases of the hard corpus.
pub fn hard_affiliation(rng: &mut Rng) -> HardAffiliation {
    match rng.below(7) {
        // Raw string only: no institution matched, no country code anywhere.
        0 => {
            let (inst, place) = *rng.pick(&[
                ("Harbin Institute of Technology", "Harbin 150001"),
                ("Sun Yat-sen University", "Guangzhou 510275"),
                ("Zhejiang University", "Hangzhou 310027"),
                (
                    "Nanjing University of Aeronautics and Astronautics",
                    "Nanjing 210016",
                ),
            ]);
            HardAffiliation {
                raw: format!("School of Materials Science, {inst}, {place}"),
                openalex_institution: None,
                truth: "CN",
                visible: true,
            }
        }
        // The US namesake, sometimes matched by OpenAlex to the one in Shenyang.
        1 => HardAffiliation {
            raw: rng
                .pick(&[
                    "Department of Physics, Northeastern University, Boston, MA 02115",
                    "NORTHEASTERN UNIVERSITY, BOSTON MA",
                    "Northeastern University, Boston, Massachusetts",
                ])
                .to_string(),
            openalex_institution: Some((
                "Northeastern University",
                if rng.chance(0.5) { "CN" } else { "US" },
            )),
            truth: "US",
            visible: true,
        },
        // The namesake in Shenyang, with only the city to say so.
        2 => HardAffiliation {
            raw: "School of Metallurgy, Northeastern University, Shenyang 110819".into(),
            openalex_institution: None,
            truth: "CN",
            visible: true,
        },
        // A namesake and nothing else: nobody can tell where it is.
        3 => HardAffiliation {
            raw: "Northeastern University".into(),
            openalex_institution: None,
            truth: "CN",
            visible: false,
        },
        // Southeast University, one in Nanjing and one in Dhaka.
        4 => {
            let (raw, truth) = *rng.pick(&[
                (
                    "School of Cyber Science, Southeast University, Nanjing 211189",
                    "CN",
                ),
                (
                    "Department of CSE, Southeast University, Dhaka 1208, Bangladesh",
                    "BD",
                ),
            ]);
            HardAffiliation {
                raw: raw.into(),
                openalex_institution: None,
                truth,
                visible: true,
            }
        }
        // A defense-linked institution with its code.
        5 => HardAffiliation {
            raw: "School of Astronautics, Beihang University, Beijing 100191, China".into(),
            openalex_institution: Some(("Beihang University", "CN")),
            truth: "CN",
            visible: true,
        },
        _ => HardAffiliation {
            raw: "Department of Chemistry, University of Missouri, Columbia, MO 65211".into(),
            openalex_institution: Some(("University of Missouri", "US")),
            truth: "US",
            visible: true,
        },
    }
}

/// Add `n` works with the cases a plain funder-id crawl misses: DoD funders named without a
/// registry id or given only by an award number (and decoys named like DoD), affiliations
/// visible only as raw strings, namesake institutions with and without location words, and
/// acknowledgments that give an award number alone. Each work carries its ground truth.
pub fn add_hard_cases(
    corpus: &mut Corpus,
    n: usize,
    seed: u64,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) {
    let mut rng = Rng(seed | 1);
    let base = corpus.works.len();
    for k in 0..n {
        let i = base + k;
        let doi = format!("10.99999/imitation.{i:05}");
        let d = date_in(&mut rng, from, to);
        let date = d.format("%Y-%m-%d").to_string();
        let yy = d.format("%y").to_string();
        let serial = format!("{:04}", rng.below(10_000));
        // Funding: by name only, by award only, a decoy name, or an award in the
        // acknowledgment alone.
        let kind = rng.below(10);
        let (name, pattern) = *rng.pick(NAME_ONLY_DOD);
        let award = pattern.replace("{y}", &yy).replace("{n}", &serial);
        let mut funders = Vec::new();
        let (mut truth_dod, mut ack) = (false, None);
        match kind {
            0..=3 => {
                funders.push(json!({"name": name, "award": [award]}));
                truth_dod = true;
            }
            4..=5 => {
                funders.push(json!({"award": [award]}));
                truth_dod = true;
            }
            6..=7 => {
                funders.push(json!({"name": rng.pick(NAME_ONLY_DECOYS), "award": ["2021-118"]}));
            }
            _ => {
                ack = Some(format!(
                    "This research was supported by grant {award}. We thank the staff for help."
                ));
                truth_dod = true;
            }
        }
        funders.push(json!({"DOI": "10.13039/501100001809", "name": "National Natural Science Foundation of China", "award": ["12074090"]}));
        // Authors: one of the hard cases, the others in the US or Europe.
        let hard = hard_affiliation(&mut rng);
        let others = [
            "Department of Physics, Massachusetts Institute of Technology, Cambridge, MA 02139, USA",
            "Department of Materials, University of Oxford, Oxford OX1 3PH, UK",
        ];
        let mut affiliations = vec![("Author0 Name".to_string(), hard.raw.clone())];
        for (a, o) in others.iter().enumerate().take(1 + rng.below(2)) {
            affiliations.push((format!("Author{} Name", a + 1), o.to_string()));
        }
        let crossref_affs = rng.chance(0.5);
        let cr_authors: Vec<Value> = affiliations
            .iter()
            .enumerate()
            .map(|(a, (_, raw))| {
                json!({"given": format!("Author{a}"), "family": format!("Hard{i}"),
                       "affiliation": if crossref_affs { json!([{"name": raw}]) } else { json!([]) }})
            })
            .collect();
        let oa_authorships: Vec<Value> = affiliations
            .iter()
            .enumerate()
            .map(|(a, (_, raw))| {
                let (inst, countries) = match (a, hard.openalex_institution) {
                    (0, Some((name, code))) => (
                        json!([{"id": format!("https://openalex.org/I7{}", name.len()), "display_name": name, "ror": null, "country_code": code}]),
                        json!([code]),
                    ),
                    (0, None) => (json!([]), json!([])),
                    _ => (
                        json!([{"id": "https://openalex.org/I63966007", "display_name": "Massachusetts Institute of Technology", "ror": null, "country_code": "US"}]),
                        json!(["US"]),
                    ),
                };
                json!({"author": {"id": format!("https://openalex.org/A8{i}{a}"), "display_name": format!("Author{a} Hard{i}")},
                       "institutions": inst, "countries": countries, "raw_affiliation_strings": [raw]})
            })
            .collect();
        let title = format!("Imitation study {i} of hard cases");
        let crossref = json!({
            "DOI": doi, "title": [title], "container-title": ["Journal of Hard Cases"], "type": "journal-article",
            "issued": {"date-parts": [[d.format("%Y").to_string().parse::<i64>().unwrap(), d.format("%m").to_string().parse::<i64>().unwrap(), d.format("%d").to_string().parse::<i64>().unwrap()]]},
            "author": cr_authors, "funder": funders,
        });
        let openalex = json!({
            "id": format!("https://openalex.org/W8{i:07}"), "doi": format!("https://doi.org/{doi}"),
            "title": title, "display_name": title, "publication_date": date, "type": "article",
            "primary_location": {"source": {"display_name": "Journal of Hard Cases"}},
            "authorships": oa_authorships, "funders": [], "awards": []
        });
        let truth_china = matches!(hard.truth, "CN" | "HK" | "MO");
        let mut w = SynthWork {
            doi,
            date,
            crossref,
            openalex: Some(openalex),
            crossref_dod: false,
            openalex_dod: false,
            openalex_countries: Vec::new(),
            truth_dod,
            truth_china,
            truth_mainland: hard.truth == "CN",
            china_visible: hard.visible,
            dod_visible: truth_dod,
            ack_dod: ack.is_some(),
            ack,
            epmc: None,
            open_access: false,
            affiliations,
            page_ack: true,
            copy: None,
        };
        if w.ack.is_some() {
            // Acknowledgment-only funding: in Europe PMC, open access, its grants list empty.
            w.open_access = true;
            w.epmc = Some(epmc_record(&w, &format!("PMC9{i:06}"), vec![]));
        }
        corpus.works.push(w);
    }
}

impl SynthWork {
    /// What a correct tool flags with every route, for the hard cases and the rest alike.
    pub fn should_flag_with_every_route(&self, aff_terms: &[String]) -> bool {
        let hard = self.crossref["container-title"][0] == "Journal of Hard Cases";
        match (hard, self.ack.is_some()) {
            (true, true) => self.should_flag_all_sources(aff_terms) && self.china_visible,
            (true, false) => {
                self.truth_dod && self.truth_china && self.dod_visible && self.china_visible
            }
            (false, _) => self.should_flag_all_sources(aff_terms),
        }
    }
}

/// Where an acknowledgment-only work's acknowledgment can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckMedium {
    /// Only on the publisher's page.
    Page,
    /// Only in an open-access PDF (the publisher's page has none).
    Pdf,
    /// Only in a first-page footnote of an open-access PDF.
    PdfFootnote,
    /// Only on a repository's HTML page.
    RepositoryPage,
    /// Only in a Europe PMC full text no search surfaces (its PMCID is in OpenAlex's `ids`).
    EuropePmcUnsurfaced,
    /// In Europe PMC without a full text; the acknowledgment is on the publisher's page.
    EuropePmcNoFullText,
    /// An open-access "PDF" that cannot be read; the publisher's page has the acknowledgment.
    BrokenPdfThenPage,
}

pub const MEDIA: &[AckMedium] = &[
    AckMedium::Page,
    AckMedium::Pdf,
    AckMedium::PdfFootnote,
    AckMedium::RepositoryPage,
    AckMedium::EuropePmcUnsurfaced,
    AckMedium::EuropePmcNoFullText,
    AckMedium::BrokenPdfThenPage,
];

/// Acknowledgments that name DoD bodies without DoD funding.
pub const ACK_DECOYS: &[&str] = &[
    "We thank Dr. J. Smith of the Naval Research Laboratory for helpful discussions. This work was funded by the National Natural Science Foundation of China (12074090).",
    "This work was funded by the National Natural Science Foundation of China (12074090). The views expressed are those of the authors and do not necessarily reflect the official policy of the Department of the Army.",
    "This research on plant defense and host defense responses was supported by the National Key R&D Program of China (2021YFA1200000).",
    "The authors thank the Army Research Laboratory for providing the open data set used in Section 3. Funded by the Shenzhen Science and Technology Program (JCYJ20220530).",
];

/// Acknowledgments that name no DoD body at all.
pub const ACK_PLAIN: &[&str] = &[
    "This work was supported by the National Natural Science Foundation of China (62071234) and the Fundamental Research Funds for the Central Universities.",
    "We acknowledge support from the Research Grants Council of Hong Kong (17200021) and thank the reviewers for their comments.",
    "The authors are grateful to the Beijing Natural Science Foundation (Z210001) for financial support.",
];

/// Add China-linked works whose DoD funding is written only in their acknowledgment, in
/// every place one can be read, no index marking them DoD-funded; decoys that name DoD bodies
/// without funding; and China-linked works with plain acknowledgments, the sweep's bulk. Half
/// have a US-based coauthor. Every one has an OpenAlex record with its countries (the sweep
/// finds it) and a Crossref record naming only a Chinese funder.
pub fn add_ack_only_cases(
    corpus: &mut Corpus,
    n: usize,
    seed: u64,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) {
    let mut rng = Rng(seed | 1);
    let base = corpus.works.len();
    let china_idx: Vec<usize> = (0..INSTITUTIONS.len())
        .filter(|&i| matches!(INSTITUTIONS[i].3, "CN" | "HK" | "MO"))
        .collect();
    let us_idx: Vec<usize> = (0..INSTITUTIONS.len())
        .filter(|&i| INSTITUTIONS[i].3 == "US")
        .collect();
    let other_idx: Vec<usize> = (0..INSTITUTIONS.len())
        .filter(|&i| !matches!(INSTITUTIONS[i].3, "CN" | "HK" | "MO" | "US" | "TW"))
        .collect();
    for k in 0..n {
        let i = base + k;
        let doi = format!("10.99999/imitation.{i:05}");
        let d = date_in(&mut rng, from, to);
        let date = d.format("%Y-%m-%d").to_string();
        let yy = d.format("%y").to_string();
        let medium = MEDIA[k % MEDIA.len()];
        let roll = rng.below(100);
        let (ack, ack_dod) = if roll < 40 {
            let (_, name, pattern) = *rng.pick(DOD_FUNDERS);
            let award = pattern
                .replace("{y}", &yy)
                .replace("{n}", &format!("{:04}", rng.below(10_000)));
            let text = match rng.below(3) {
                0 => format!(
                    "This work was supported by the {name} under grant {award} and by the National Natural Science Foundation of China (12074090)."
                ),
                1 => format!(
                    "The authors gratefully acknowledge financial support from the National Natural Science Foundation of China (61975123) and the {name} (award {award})."
                ),
                _ => format!(
                    "Research was sponsored by the {name} and was accomplished under Grant Number {award}. The views and conclusions contained in this document are those of the authors."
                ),
            };
            (text, true)
        } else if roll < 55 {
            (rng.pick(ACK_DECOYS).to_string(), false)
        } else {
            (rng.pick(ACK_PLAIN).to_string(), false)
        };
        let us = rng.chance(0.5);
        let n_authors = 2 + rng.below(3);
        let mut affiliations = Vec::new();
        let (mut oa_authorships, mut countries_all) = (Vec::new(), Vec::new());
        let mut truth_mainland = false;
        for a in 0..n_authors {
            let idx = match a {
                0 => *rng.pick(&china_idx),
                1 if us => *rng.pick(&us_idx),
                _ => *rng.pick(&other_idx),
            };
            let (inst, place, country, code) = INSTITUTIONS[idx];
            truth_mainland |= code == "CN";
            let raw = if country.is_empty() {
                format!("School of Materials, {inst}, {place}")
            } else {
                format!("School of Materials, {inst}, {place}, {country}")
            };
            let name = format!("Author{a} Ack{i}");
            let inst_id = format!("https://openalex.org/I{}", 1000 + idx);
            countries_all.push(code.to_string());
            oa_authorships.push(json!({
                "author_position": if a == 0 {"first"} else {"middle"},
                "author": {"id": format!("https://openalex.org/A7{i}{a}"), "display_name": name, "orcid": null},
                "institutions": [{"id": inst_id, "display_name": inst, "ror": null, "country_code": code, "type": "education", "lineage": [inst_id]}],
                "countries": [code],
                "raw_author_name": name,
                "raw_affiliation_strings": [raw],
                "affiliations": [{"raw_affiliation_string": raw, "institution_ids": [inst_id]}]
            }));
            affiliations.push((name, raw));
        }
        let suffix = doi.rsplit('/').next().unwrap().to_string();
        let pmcid = format!("PMC6{i:06}");
        let (copy, page_ack, best_oa, ids) = match medium {
            AckMedium::Page => (None, true, Value::Null, json!({})),
            AckMedium::Pdf | AckMedium::PdfFootnote => (
                Some(if medium == AckMedium::Pdf {
                    CopyKind::Pdf
                } else {
                    CopyKind::PdfFootnote
                }),
                false,
                json!({"is_oa": true, "pdf_url": format!("{OA_PLACEHOLDER}/pdf/{suffix}.pdf"),
                       "landing_page_url": format!("https://doi.org/{doi}")}),
                json!({}),
            ),
            AckMedium::RepositoryPage => (
                Some(CopyKind::Html),
                false,
                json!({"is_oa": true, "pdf_url": null,
                       "landing_page_url": format!("{OA_PLACEHOLDER}/record/{suffix}")}),
                json!({}),
            ),
            AckMedium::EuropePmcUnsurfaced => (
                None,
                false,
                Value::Null,
                json!({"pmcid": format!("https://www.ncbi.nlm.nih.gov/pmc/articles/{pmcid}")}),
            ),
            AckMedium::EuropePmcNoFullText => (None, true, Value::Null, json!({})),
            AckMedium::BrokenPdfThenPage => (
                Some(CopyKind::BrokenPdf),
                true,
                json!({"is_oa": true, "pdf_url": format!("{OA_PLACEHOLDER}/pdf/{suffix}.pdf"),
                       "landing_page_url": null}),
                json!({}),
            ),
        };
        let title = format!("Imitation study {i} of acknowledgments");
        let crossref = json!({
            "DOI": doi, "title": [title], "container-title": ["Journal of Acknowledgments"], "type": "journal-article",
            "issued": {"date-parts": [[d.format("%Y").to_string().parse::<i64>().unwrap(), d.format("%m").to_string().parse::<i64>().unwrap(), d.format("%d").to_string().parse::<i64>().unwrap()]]},
            "author": [], "funder": [{"DOI": "10.13039/501100001809", "name": "National Natural Science Foundation of China", "award": ["12074090"]}]
        });
        let openalex = json!({
            "id": format!("https://openalex.org/W7{i:07}"), "doi": format!("https://doi.org/{doi}"),
            "title": title, "display_name": title, "publication_date": date, "type": "article",
            "primary_location": {"source": {"display_name": "Journal of Acknowledgments"}},
            "authorships": oa_authorships,
            "funders": [{"id": "https://openalex.org/F8501100001809", "display_name": "National Natural Science Foundation of China", "ror": null}],
            "awards": [], "best_oa_location": best_oa, "ids": ids
        });
        let mut w = SynthWork {
            doi,
            date,
            crossref,
            openalex: Some(openalex),
            crossref_dod: false,
            openalex_dod: false,
            openalex_countries: countries_all,
            truth_dod: ack_dod,
            truth_china: true,
            truth_mainland,
            china_visible: true,
            dod_visible: ack_dod,
            ack: Some(ack),
            ack_dod,
            epmc: None,
            open_access: medium == AckMedium::EuropePmcUnsurfaced,
            affiliations,
            page_ack,
            copy,
        };
        if medium == AckMedium::EuropePmcNoFullText {
            w.epmc = Some(epmc_record(
                &w,
                &pmcid,
                vec![
                    json!({"agency": "National Natural Science Foundation of China", "grantId": "12074090"}),
                ],
            ));
        }
        corpus.works.push(w);
    }
}

impl SynthWork {
    /// Whether this is one of [`add_ack_only_cases`]'s works.
    pub fn is_ack_only_case(&self) -> bool {
        self.crossref["container-title"][0] == "Journal of Acknowledgments"
    }
}
