//! People across papers: authors followed by ORCID and OpenAlex author ids as the sources
//! give them (an ORCID only in Crossref on some papers, an OpenAlex id that split one person
//! and one that merged two), namesakes without ids that must never be merged, a US-based
//! investigator who publishes again and again with the same defense-linked laboratory, and
//! dual appointments written several ways — with decoys that are not.

use super::*;

/// Who the people cases are, as a correct tool must see them.
#[derive(Debug, Clone, Default)]
pub struct PeopleTruth {
    /// China-based coauthors on two or more flagged papers: (person key, name, papers).
    pub repeat_china: Vec<(String, String, usize)>,
    /// US-based authors on two or more flagged papers: (key, name, papers, China-based
    /// collaborator named with how many papers, an award number they acknowledge).
    pub repeat_us: Vec<(String, String, usize, String, String)>,
    /// DOIs of papers with a dual appointment, and whose (author name).
    pub dual: Vec<(String, String)>,
    /// Papers with no dual appointment although they look like one.
    pub not_dual: Vec<String>,
    /// The namesakes without ids: (name, the DOIs they are on, each a person of its own).
    pub namesakes: Vec<(String, Vec<String>)>,
    /// Every people-case DOI (all flagged).
    pub dois: Vec<String>,
}

/// An author as the case writes them: name, Crossref ORCID, OpenAlex id, Crossref
/// affiliations, OpenAlex raw strings, OpenAlex institutions (name, country code).
#[derive(Clone, Default)]
struct Who {
    name: &'static str,
    orcid: Option<&'static str>,
    openalex: Option<&'static str>,
    crossref: Vec<&'static str>,
    raw: Vec<&'static str>,
    institutions: Vec<(&'static str, &'static str)>,
}

fn who(
    name: &'static str,
    orcid: Option<&'static str>,
    oa: Option<&'static str>,
    aff: &'static str,
) -> Who {
    Who {
        name,
        orcid,
        openalex: oa,
        crossref: vec![aff],
        raw: vec![aff],
        institutions: Vec::new(),
    }
}

const NUDT: &str =
    "College of Computer, National University of Defense Technology, Changsha 410073, China";
const HEU: &str = "College of Underwater Acoustic Engineering, Harbin Engineering University, Harbin 150001, China";
const UMICH: &str =
    "Department of Electrical Engineering, University of Michigan, Ann Arbor, MI 48109, USA";
const LI_NA: &str = "0000-0001-5555-0001";
const ZHANG_WEI: &str = "0000-0001-5555-0002";
const SMITH: &str = "0000-0001-5555-0003";
const JONES: &str = "0000-0001-5555-0004";
const BOSTON: &str =
    "Department of Mechanical Engineering, Boston University, Boston, MA 02215, USA";

/// Add the people cases (all DoD-funded through ONR, all with a China-based author) and say
/// who is who.
pub fn add_people_cases(corpus: &mut Corpus, from: chrono::NaiveDate) -> PeopleTruth {
    let mut truth = PeopleTruth::default();
    let mut papers: Vec<(Vec<Who>, &'static str)> = Vec::new();
    // Li Na at NUDT (a Seven Sons university) with John Smith of Michigan: ORCID and OpenAlex
    // id together, OpenAlex id alone, ORCID alone under another OpenAlex id.
    let li = |orcid: bool, oa: &'static str| who("Li Na", orcid.then_some(LI_NA), Some(oa), NUDT);
    let smith = || who("John Smith", Some(SMITH), Some("A900010"), UMICH);
    papers.push((vec![smith(), li(true, "A900001")], "repeat"));
    papers.push((vec![li(true, "A900001"), smith()], "repeat"));
    papers.push((vec![smith(), li(false, "A900001")], "repeat"));
    papers.push((vec![li(false, "A900001"), smith()], "repeat"));
    papers.push((
        vec![
            li(true, "A900099"),
            who(
                "Ana Silva",
                None,
                None,
                "Universidade de Lisboa, Lisbon, Portugal",
            ),
        ],
        "repeat",
    ));
    // Zhang Wei at Harbin Engineering University: ORCID in Crossref on two, OpenAlex id on all.
    for orcid in [true, true, false] {
        papers.push((
            vec![
                who(
                    "Zhang Wei",
                    orcid.then_some(ZHANG_WEI),
                    Some("A900003"),
                    HEU,
                ),
                who(
                    "Maria Rossi",
                    None,
                    None,
                    "Politecnico di Milano, Milan, Italy",
                ),
            ],
            "repeat",
        ));
    }
    // OpenAlex merged two people named Chen Yu under one id; its id-only paper is nobody's.
    for (orcid, aff) in [
        (
            Some("0000-0002-6666-0001"),
            "School of Astronautics, Harbin Institute of Technology, Harbin 150001, China",
        ),
        (
            Some("0000-0002-6666-0002"),
            "College of Chemistry, Zhejiang University, Hangzhou 310027, China",
        ),
        (
            None,
            "Department of Physics, Fudan University, Shanghai 200433, China",
        ),
    ] {
        papers.push((vec![who("Chen Yu", orcid, Some("A900002"), aff)], "chen"));
    }
    // Wei Zhang without any id, at four institutions: four people.
    for aff in [
        "School of Physics, Peking University, Beijing 100871, China",
        "Department of Chemistry, Fudan University, Shanghai 200433, China",
        "School of Electronic Information, Wuhan University, Wuhan 430072, China",
        "Department of Engineering Physics, Tsinghua University, Beijing 100084, China",
    ] {
        papers.push((
            vec![
                who("Wei Zhang", None, None, aff),
                who(
                    "Robert Brown",
                    None,
                    None,
                    "Imperial College London, London SW7 2AZ, UK",
                ),
            ],
            "namesake",
        ));
    }
    // Dual appointments, written several ways.
    let dual = |name: &'static str, orcid: &'static str, w: Who| Who {
        name,
        orcid: Some(orcid),
        ..w
    };
    papers.push((
        vec![dual("Liu Yang", "0000-0003-7777-0001", Who {
            crossref: vec![
                "Department of Electrical Engineering, Stanford University, Stanford, CA 94305, USA",
                "School of Electronic Information, Shanghai Jiao Tong University, Shanghai 200240, China",
            ],
            raw: vec![
                "Department of Electrical Engineering, Stanford University, Stanford, CA 94305, USA",
                "School of Electronic Information, Shanghai Jiao Tong University, Shanghai 200240, China",
            ],
            ..Default::default()
        })],
        "dual",
    ));
    let one_string = "Department of Chemistry, Harvard University, Cambridge, MA 02138, USA; College of Chemistry, Peking University, Beijing 100871, China";
    papers.push((
        vec![dual(
            "Wang Fang",
            "0000-0003-7777-0002",
            Who {
                crossref: vec![one_string],
                raw: vec![one_string],
                ..Default::default()
            },
        )],
        "dual",
    ));
    papers.push((
        vec![dual("Zhao Lei", "0000-0003-7777-0003", Who {
            crossref: vec!["School of Aerospace Engineering, Georgia Institute of Technology, Atlanta, GA 30332, USA"],
            raw: vec!["College of Control Science, Zhejiang University, Hangzhou 310027, China"],
            institutions: vec![("Zhejiang University", "CN")],
            ..Default::default()
        })],
        "dual",
    ));
    papers.push((
        vec![dual(
            "Sun Hao",
            "0000-0003-7777-0004",
            Who {
                institutions: vec![("Purdue University", "US"), ("Tsinghua University", "CN")],
                ..Default::default()
            },
        )],
        "dual",
    ));
    papers.push((
        vec![dual(
            "Ho Ka Wai",
            "0000-0003-7777-0005",
            Who {
                crossref: vec![
                    "Department of Physics, University of Texas at Austin, Austin, Texas 78712",
                    "Department of Physics, The Chinese University of Hong Kong, Shatin, Hong Kong",
                ],
                raw: vec![
                    "Department of Physics, University of Texas at Austin, Austin, Texas 78712",
                    "Department of Physics, The Chinese University of Hong Kong, Shatin, Hong Kong",
                ],
                ..Default::default()
            },
        )],
        "dual",
    ));
    // Not dual: a China-based author beside a US-based one; Taiwan with the US; a wrong US
    // country code on a Hong Kong affiliation.
    papers.push((
        vec![
            who(
                "Guo Jing",
                Some("0000-0004-8888-0001"),
                None,
                "School of Physics, Nanjing University, Nanjing 210093, China",
            ),
            who(
                "Emily Clark",
                Some("0000-0004-8888-0002"),
                None,
                "Department of Physics, Cornell University, Ithaca, NY 14853, USA",
            ),
        ],
        "not dual",
    ));
    papers.push((
        vec![
            Who {
                name: "Lin Chih-Wei",
                orcid: Some("0000-0004-8888-0003"),
                crossref: vec![
                    "Department of Physics, National Tsing Hua University, Hsinchu 30013, Taiwan",
                    "Department of Physics, University of Maryland, College Park, MD 20742, USA",
                ],
                raw: vec![
                    "Department of Physics, National Tsing Hua University, Hsinchu 30013, Taiwan",
                    "Department of Physics, University of Maryland, College Park, MD 20742, USA",
                ],
                ..Default::default()
            },
            who(
                "Xu Ming",
                Some("0000-0004-8888-0004"),
                None,
                "School of Physics, Sun Yat-sen University, Guangzhou 510275, China",
            ),
        ],
        "not dual",
    ));
    papers.push((
        vec![Who {
            name: "Chan Tai Man",
            orcid: Some("0000-0004-8888-0005"),
            crossref: vec![
                "Department of Mathematics, The Chinese University of Hong Kong, Shatin, Hong Kong",
            ],
            raw: vec![
                "Department of Mathematics, The Chinese University of Hong Kong, Shatin, Hong Kong",
            ],
            institutions: vec![("Chinese University of Hong Kong", "US")],
            ..Default::default()
        }],
        "not dual",
    ));

    // The paper's list given to the first author (as older PubMed records and some deposits
    // do): Crossref puts both affiliations on Mary Jones and none on Zhou Bin; OpenAlex gives
    // each their own. She is a US-based author of two papers, never China-based, never dual.
    for k in 0..2 {
        let zhou = [
            "State Key Laboratory of Robotics, Shenyang Institute of Automation, Shenyang 110016, China",
            "School of Mechanical Engineering, Xi'an Jiaotong University, Xi'an 710049, China",
        ][k];
        papers.push((
            vec![
                Who {
                    name: "Mary Jones",
                    orcid: Some(JONES),
                    openalex: Some("A900011"),
                    crossref: vec![BOSTON, zhou],
                    raw: vec![BOSTON],
                    institutions: Vec::new(),
                },
                Who {
                    name: "Zhou Bin",
                    crossref: Vec::new(),
                    raw: vec![zhou],
                    ..Default::default()
                },
            ],
            "not dual",
        ));
    }

    let base = corpus.works.len();
    for (k, (authors, kind)) in papers.iter().enumerate() {
        let i = base + k;
        let doi = format!("10.99999/people.{k:03}");
        let d = from + chrono::Days::new(20 + 9 * k as u64);
        let date = d.format("%Y-%m-%d").to_string();
        let award = format!("N00014-{}-1-{:04}", d.format("%y"), 7000 + k);
        let cr_authors: Vec<Value> = authors
            .iter()
            .map(|a| {
                let (given, family) = a.name.rsplit_once(' ').unwrap_or(("", a.name));
                json!({"given": given, "family": family,
                       "ORCID": a.orcid.map(|o| format!("https://orcid.org/{o}")),
                       "affiliation": a.crossref.iter().map(|n| json!({"name": n})).collect::<Vec<_>>()})
            })
            .collect();
        let oa_authorships: Vec<Value> = authors
            .iter()
            .enumerate()
            .map(|(p, a)| {
                let id = a
                    .openalex
                    .map(|x| format!("https://openalex.org/{x}"))
                    .unwrap_or_else(|| format!("https://openalex.org/A95{i:04}{p}"));
                // OpenAlex has an author's ORCID only when Crossref does on this paper.
                json!({"author": {"id": id, "display_name": a.name,
                                  "orcid": a.orcid.map(|o| format!("https://orcid.org/{o}"))},
                       "institutions": a.institutions.iter().enumerate().map(|(n, (name, code))| json!({
                           "id": format!("https://openalex.org/I95{i:04}{p}{n}"), "display_name": name,
                           "ror": null, "country_code": code})).collect::<Vec<_>>(),
                       "countries": a.institutions.iter().map(|(_, c)| *c).collect::<Vec<_>>(),
                       "raw_affiliation_strings": a.raw})
            })
            .collect();
        let title = format!("People study {k}: {kind}");
        let crossref = json!({
            "DOI": doi, "title": [title], "container-title": ["Journal of People"], "type": "journal-article",
            "issued": {"date-parts": [[d.format("%Y").to_string().parse::<i64>().unwrap(), d.format("%m").to_string().parse::<i64>().unwrap(), d.format("%d").to_string().parse::<i64>().unwrap()]]},
            "author": cr_authors,
            "funder": [{"DOI": "10.13039/100000006", "name": "Office of Naval Research", "award": [award.clone()]}],
        });
        let openalex = json!({
            "id": format!("https://openalex.org/W95{i:05}"), "doi": format!("https://doi.org/{doi}"),
            "title": title, "display_name": title, "publication_date": date, "type": "article",
            "primary_location": {"source": {"display_name": "Journal of People"}},
            "authorships": oa_authorships, "funders": [], "awards": []
        });
        corpus.works.push(SynthWork {
            doi: doi.clone(),
            date,
            crossref,
            openalex: Some(openalex),
            crossref_dod: true,
            openalex_dod: false,
            openalex_countries: Vec::new(),
            truth_dod: true,
            truth_china: true,
            truth_mainland: true,
            china_visible: true,
            dod_visible: true,
            ack: None,
            ack_dod: false,
            epmc: None,
            open_access: false,
            affiliations: authors
                .iter()
                .map(|a| (a.name.to_string(), a.raw.join("; ")))
                .collect(),
            page_ack: false,
            copy: None,
        });
        truth.dois.push(doi.clone());
        match *kind {
            "dual" => truth.dual.push((doi.clone(), authors[0].name.to_string())),
            "not dual" => truth.not_dual.push(doi.clone()),
            "namesake" => match truth.namesakes.first_mut() {
                Some((_, dois)) => dois.push(doi.clone()),
                None => truth
                    .namesakes
                    .push(("Wei Zhang".into(), vec![doi.clone()])),
            },
            _ => {}
        }
        if k == 0 {
            truth.repeat_us.push((
                format!("orcid:{SMITH}"),
                "John Smith".into(),
                4,
                "Li Na (4 papers)".into(),
                award.clone(),
            ));
        }
        if authors[0].name == "Mary Jones" && !truth.repeat_us.iter().any(|u| u.1 == "Mary Jones") {
            truth.repeat_us.push((
                format!("orcid:{JONES}"),
                "Mary Jones".into(),
                2,
                "Zhou Bin (1 paper)".into(),
                award,
            ));
        }
    }
    truth.repeat_china = vec![
        (format!("orcid:{LI_NA}"), "Li Na".into(), 5),
        (format!("orcid:{ZHANG_WEI}"), "Zhang Wei".into(), 3),
    ];
    truth
}
