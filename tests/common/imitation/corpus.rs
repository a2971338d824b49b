//! The generated corpus: institutions whose country is known, DoD and other funders, and
//! works composed from them, so every work has a ground truth.

use super::*;

/// (institution, place, country written, ISO code of where it really is)
pub const INSTITUTIONS: &[(&str, &str, &str, &str)] = &[
    ("Tsinghua University", "Beijing 100084", "China", "CN"),
    ("Zhejiang University", "Hangzhou 310027", "P.R. China", "CN"),
    (
        "Shanghai Jiao Tong University",
        "Shanghai 200240",
        "People's Republic of China",
        "CN",
    ),
    (
        "Harbin Institute of Technology",
        "Harbin 150001",
        "China",
        "CN",
    ),
    (
        "Northwestern Polytechnical University",
        "Xi'an 710072",
        "PR China",
        "CN",
    ),
    ("Sun Yat-sen University", "Guangzhou 510275", "", "CN"),
    (
        "University of Science and Technology of China",
        "Hefei 230026",
        "China",
        "CN",
    ),
    (
        "Institute of Physics, Chinese Academy of Sciences",
        "Beijing 100190",
        "China",
        "CN",
    ),
    ("Wuhan University", "Wuhan 430072", "China", "CN"),
    (
        "Nanjing University of Aeronautics and Astronautics",
        "Nanjing 210016",
        "China",
        "CN",
    ),
    (
        "Southern University of Science and Technology",
        "Shenzhen 518055",
        "",
        "CN",
    ),
    (
        "Duke Kunshan University",
        "Kunshan, Jiangsu 215316",
        "China",
        "CN",
    ),
    (
        "The Chinese University of Hong Kong, Shenzhen",
        "Shenzhen, Guangdong 518172",
        "China",
        "CN",
    ),
    (
        "Northwest University",
        "Xian, Shaanxi, 710127",
        "China",
        "CN",
    ),
    (
        "The Chinese University of Hong Kong",
        "Shatin, N.T.",
        "Hong Kong",
        "HK",
    ),
    (
        "The Hong Kong Polytechnic University",
        "Hung Hom, Kowloon",
        "Hong Kong SAR, China",
        "HK",
    ),
    ("City University of Hong Kong", "Kowloon", "Hong Kong", "HK"),
    ("University of Macau", "Taipa", "Macau SAR, China", "MO"),
    (
        "National Tsing Hua University",
        "Hsinchu 30013",
        "Taiwan",
        "TW",
    ),
    (
        "National Taiwan University",
        "Taipei 10617",
        "Taiwan, ROC",
        "TW",
    ),
    (
        "National Sun Yat-sen University",
        "Kaohsiung 80424",
        "Taiwan, Republic of China",
        "TW",
    ),
    ("China Medical University", "Taichung 40402", "Taiwan", "TW"),
    ("Academia Sinica", "Taipei 11529", "Taiwan, China", "TW"),
    (
        "Massachusetts Institute of Technology",
        "Cambridge, MA 02139",
        "USA",
        "US",
    ),
    ("University of Missouri", "Columbia, MO 65211", "USA", "US"),
    (
        "Naval Air Warfare Center Weapons Division",
        "China Lake, CA 93555",
        "USA",
        "US",
    ),
    ("Northeastern University", "Boston, MA 02115", "USA", "US"),
    (
        "US-China Institute, University of Southern California",
        "Los Angeles, CA 90089",
        "USA",
        "US",
    ),
    (
        "Sino Biological US Inc.",
        "Wayne, PA 19087",
        "United States",
        "US",
    ),
    ("University of Oxford", "Oxford OX1 3PU", "UK", "GB"),
    ("ETH Zurich", "8092 Zurich", "Switzerland", "CH"),
    ("The University of Tokyo", "Tokyo 113-8656", "Japan", "JP"),
    (
        "Czech Academy of Sciences",
        "Prague",
        "Czech Republic",
        "CZ",
    ),
    (
        "National University of Singapore",
        "117542",
        "Singapore",
        "SG",
    ),
];

pub const DEPARTMENTS: &[&str] = &[
    "Department of Physics",
    "School of Materials Science and Engineering",
    "State Key Laboratory of Robotics and Systems",
    "Department of Electrical and Computer Engineering",
    "College of Chemistry",
    "Department of Mechanical Engineering",
];

/// (registry number, name as the publisher wrote it, award prefix)
pub const DOD_FUNDERS: &[(&str, &str, &str)] = &[
    ("100000183", "Army Research Office", "W911NF-{y}-1-{n}"),
    ("100000006", "Office of Naval Research", "N00014-{y}-1-{n}"),
    (
        "100000006",
        "DOD | United States Navy | Office of Naval Research",
        "N00014{y}1{n}",
    ),
    (
        "100000181",
        "Air Force Office of Scientific Research",
        "FA9550-{y}-1-{n}",
    ),
    ("100000181", "USAFOSR", "FA9550-{y}-1-{n}"),
    (
        "100000185",
        "Defense Advanced Research Projects Agency",
        "HR0011-{y}-C-{n}",
    ),
    (
        "100000005",
        "U.S. Department of Defense",
        "W81XWH-{y}-1-{n}",
    ),
    ("100006754", "Army Research Laboratory", "W911NF-{y}-2-{n}"),
];

/// (registry number or "", name) of funders that are not DoD, traps included.
pub const OTHER_FUNDERS: &[(&str, &str)] = &[
    ("100000001", "National Science Foundation"),
    ("100000002", "National Institutes of Health"),
    (
        "501100001809",
        "National Natural Science Foundation of China",
    ),
    ("100000015", "U.S. Department of Energy"),
    ("501100012397", "Army Medical University"),
    ("501100016312", "Air Force Engineering University"),
    ("100000104", "National Aeronautics and Space Administration"),
    ("", "Australian Government Department of Defence"),
    ("", "Muscular Dystrophy Association"),
];

/// The OpenAlex id the imitation gives a registry number.
pub fn openalex_funder_id(registry: &str) -> String {
    format!("F9{registry}")
}

/// One generated work and its ground truth.
#[derive(Debug, Clone)]
pub struct SynthWork {
    pub doi: String,
    pub date: String,
    pub crossref: Value,
    pub openalex: Option<Value>,
    /// Registry numbers of DoD funders in the Crossref record.
    pub crossref_dod: bool,
    pub openalex_dod: bool,
    pub openalex_countries: Vec<String>,
    /// Ground truth: funded by DoD; has an author really located in CN/HK/MO.
    pub truth_dod: bool,
    pub truth_china: bool,
    pub truth_mainland: bool,
    /// Whether the China-based affiliation is visible to the tool at all (it may be only in an
    /// OpenAlex record that does not exist).
    pub china_visible: bool,
    pub dod_visible: bool,
    /// Acknowledgment text (Europe PMC full text and the publisher page carry it).
    pub ack: Option<String>,
    /// Whether the acknowledgment states DoD funding (ground truth).
    pub ack_dod: bool,
    /// The Europe PMC `core` record, when Europe PMC indexes the work.
    pub epmc: Option<Value>,
    /// Europe PMC has the open-access full text.
    pub open_access: bool,
    /// Raw affiliation strings by author, for pages and full text.
    pub affiliations: Vec<(String, String)>,
    /// The publisher's page shows the acknowledgment (not when it is only in a copy).
    pub page_ack: bool,
    /// The open-access copy OpenAlex points to, if any.
    pub copy: Option<CopyKind>,
}

/// What the open-access host serves for a work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyKind {
    /// A PDF whose last page holds the acknowledgment (hyphenated across lines).
    Pdf,
    /// A PDF whose funding is a first-page footnote, with no heading.
    PdfFootnote,
    /// A repository's HTML page with the acknowledgment.
    Html,
    /// Bytes that claim to be a PDF and are not one.
    BrokenPdf,
}

/// When a work reaches the indexes: registered (and indexed) on `registered`, weeks or months
/// after its publication date; its DoD funding deposited on `funding` (absent from its
/// records until then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Late {
    pub registered: String,
    pub funding: Option<String>,
    /// The day OpenAlex ingests the work (Crossref has it from `registered`).
    pub openalex: Option<String>,
    /// The day Europe PMC has its full text (its record is there from `registered`).
    pub full_text: Option<String>,
}

/// The placeholder open-access URLs carry until the open-access host is running.
pub const OA_PLACEHOLDER: &str = "http://oa.placeholder";

impl SynthWork {
    /// What a correct tool flags from Crossref and OpenAlex.
    pub fn should_flag(&self) -> bool {
        self.truth_dod && self.truth_china && self.china_visible && self.dod_visible
    }

    /// What a correct tool flags with all four sources, where `aff_terms` are the words Europe
    /// PMC's affiliation search is given.
    pub fn should_flag_all_sources(&self, aff_terms: &[String]) -> bool {
        if self.ack.is_some() {
            // Found only if Europe PMC's affiliation search can see the China link.
            let searchable = self
                .affiliations
                .iter()
                .any(|(_, a)| aff_terms.iter().any(|t| a.contains(t.as_str())));
            self.ack_dod && self.truth_china && searchable
        } else {
            // Metadata-funded works; a page shows the affiliations metadata lacked.
            self.should_flag()
                || (self.truth_dod && self.truth_china && self.crossref_dod && !self.china_visible)
        }
    }
}

/// The corpus.
pub struct Corpus {
    pub works: Vec<SynthWork>,
    /// The imitation's today (`None`: everything is there, as it is today). With a clock,
    /// works in `late` appear on their day and their DoD funding on its own.
    pub clock: Mutex<Option<String>>,
    /// Works that arrive late, by DOI.
    pub late: HashMap<String, Late>,
    /// The open-access host's base URL, once it runs (OpenAlex answers carry it).
    pub oa_base: std::sync::OnceLock<String>,
}

pub fn date_in(rng: &mut Rng, from: chrono::NaiveDate, to: chrono::NaiveDate) -> chrono::NaiveDate {
    let span = (to - from).num_days().max(0) as usize;
    from + chrono::Days::new(rng.below(span + 1) as u64)
}

/// Generate `n` works published between `from` and `to`.
pub fn generate(n: usize, seed: u64, from: chrono::NaiveDate, to: chrono::NaiveDate) -> Corpus {
    let mut rng = Rng(seed | 1);
    let china_idx: Vec<usize> = (0..INSTITUTIONS.len())
        .filter(|&i| matches!(INSTITUTIONS[i].3, "CN" | "HK" | "MO"))
        .collect();
    let other_idx: Vec<usize> = (0..INSTITUTIONS.len())
        .filter(|&i| !matches!(INSTITUTIONS[i].3, "CN" | "HK" | "MO"))
        .collect();
    let mut works = Vec::with_capacity(n);
    for i in 0..n {
        let doi = format!("10.99999/imitation.{i:05}");
        let d = date_in(&mut rng, from, to);
        let date = d.format("%Y-%m-%d").to_string();
        let yy = d.format("%y").to_string();
        // Funding.
        let dod_kind = rng.below(100);
        let mut cr_funders = Vec::new();
        let mut oa_funders = Vec::new();
        let (mut crossref_dod, mut openalex_dod) = (false, false);
        if dod_kind < 45 {
            let (reg, name, pattern) = *rng.pick(DOD_FUNDERS);
            let award = pattern
                .replace("{y}", &yy)
                .replace("{n}", &format!("{:04}", rng.below(10_000)));
            cr_funders.push(json!({"DOI": format!("10.13039/{reg}"), "name": name, "doi-asserted-by": "publisher", "award": [award]}));
            oa_funders.push(json!({"id": format!("https://openalex.org/{}", openalex_funder_id(reg)), "display_name": name, "ror": null}));
            crossref_dod = true;
            openalex_dod = true;
        } else if dod_kind < 50 {
            // DoD only in OpenAlex's funder list (the publisher deposited no funding).
            let (reg, name, _) = *rng.pick(DOD_FUNDERS);
            oa_funders.push(json!({"id": format!("https://openalex.org/{}", openalex_funder_id(reg)), "display_name": name, "ror": null}));
            openalex_dod = true;
        }
        if rng.chance(0.6) {
            let (reg, name) = *rng.pick(OTHER_FUNDERS);
            let mut f = json!({"name": name, "doi-asserted-by": "publisher", "award": [format!("{}", 100_000 + rng.below(900_000))]});
            if !reg.is_empty() {
                f["DOI"] = json!(format!("10.13039/{reg}"));
                oa_funders.push(json!({"id": format!("https://openalex.org/F8{reg}"), "display_name": name, "ror": null}));
            }
            cr_funders.push(f);
        }
        // Authors.
        let n_authors = 2 + rng.below(5);
        let has_china = rng.chance(0.35);
        let china_author = if has_china {
            rng.below(n_authors)
        } else {
            usize::MAX
        };
        let crossref_affs = rng.chance(0.6);
        let has_openalex = rng.chance(0.95);
        let (mut cr_authors, mut oa_authorships) = (Vec::new(), Vec::new());
        let mut countries_all = Vec::new();
        let (mut truth_china, mut truth_mainland) = (false, false);
        for a in 0..n_authors {
            let idx = if a == china_author {
                *rng.pick(&china_idx)
            } else {
                *rng.pick(&other_idx)
            };
            let (inst, place, country, code) = INSTITUTIONS[idx];
            truth_china |= matches!(code, "CN" | "HK" | "MO");
            truth_mainland |= code == "CN";
            let dept = rng.pick(DEPARTMENTS);
            let raw = if country.is_empty() {
                format!("{dept}, {inst}, {place}")
            } else {
                format!("{dept}, {inst}, {place}, {country}")
            };
            let (given, family) = (format!("Author{a}"), format!("Name{i}"));
            let affs = if crossref_affs {
                json!([{"name": raw}])
            } else {
                json!([])
            };
            cr_authors.push(json!({"given": given, "family": family, "sequence": if a == 0 {"first"} else {"additional"}, "affiliation": affs}));
            let inst_id = format!("https://openalex.org/I{}", 1000 + idx);
            countries_all.push(code.to_string());
            oa_authorships.push(json!({
                "author_position": if a == 0 {"first"} else if a + 1 == n_authors {"last"} else {"middle"},
                "author": {"id": format!("https://openalex.org/A{i}{a}"), "display_name": format!("{given} {family}"), "orcid": null},
                "institutions": [{"id": inst_id, "display_name": inst, "ror": null, "country_code": code, "type": "education", "lineage": [inst_id]}],
                "countries": [code],
                "is_corresponding": a == 0,
                "raw_author_name": format!("{given} {family}"),
                "raw_affiliation_strings": [raw],
                "affiliations": [{"raw_affiliation_string": raw, "institution_ids": [inst_id]}]
            }));
        }
        let title = format!("Imitation study {i} of defect dynamics");
        let crossref = json!({
            "DOI": doi, "title": [title], "container-title": ["Journal of Imitation"], "type": "journal-article",
            "issued": {"date-parts": [[d.format("%Y").to_string().parse::<i64>().unwrap(), d.format("%m").to_string().parse::<i64>().unwrap(), d.format("%d").to_string().parse::<i64>().unwrap()]]},
            "author": cr_authors, "funder": cr_funders
        });
        let openalex = has_openalex.then(|| {
            json!({
                "id": format!("https://openalex.org/W9{i:07}"), "doi": format!("https://doi.org/{doi}"),
                "title": title, "display_name": title, "publication_date": date, "type": "article",
                "primary_location": {"source": {"display_name": "Journal of Imitation"}},
                "authorships": oa_authorships, "funders": oa_funders, "awards": []
            })
        });
        let dod_visible = crossref_dod || (openalex_dod && has_openalex && truth_china);
        works.push(SynthWork {
            doi,
            date,
            crossref,
            openalex,
            crossref_dod,
            openalex_dod: openalex_dod && has_openalex,
            openalex_countries: if has_openalex {
                countries_all
            } else {
                Vec::new()
            },
            truth_dod: crossref_dod || openalex_dod,
            truth_china,
            truth_mainland,
            china_visible: crossref_affs || has_openalex,
            dod_visible,
            ack: None,
            ack_dod: false,
            epmc: None,
            open_access: false,
            affiliations: cr_authors
                .iter()
                .zip(oa_authorships.iter())
                .map(|(a, o)| {
                    (
                        format!(
                            "{} {}",
                            a["given"].as_str().unwrap(),
                            a["family"].as_str().unwrap()
                        ),
                        o["raw_affiliation_strings"][0]
                            .as_str()
                            .unwrap()
                            .to_string(),
                    )
                })
                .collect(),
            page_ack: true,
            copy: None,
        });
    }
    Corpus {
        works,
        oa_base: Default::default(),
        clock: Mutex::new(None),
        late: HashMap::new(),
    }
}
