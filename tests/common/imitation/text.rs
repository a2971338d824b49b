//! Europe PMC, the DOI resolver, publishers' pages and an open-access host over the corpus:
//! where acknowledgments are read.

use super::*;

/// OpenAlex answers name the open-access host by its real address once it runs.
pub fn with_oa_base(corpus: &Corpus, body: String) -> String {
    match corpus.oa_base.get() {
        Some(base) => body.replace(OA_PLACEHOLDER, base),
        None => body,
    }
}

/// A Europe PMC `core` record for a work.
pub fn epmc_record(w: &SynthWork, pmcid: &str, grants: Vec<Value>) -> Value {
    json!({
        "id": pmcid, "source": "PMC", "pmcid": pmcid, "doi": w.doi,
        "title": w.crossref["title"][0], "firstPublicationDate": w.date,
        "journalInfo": {"journal": {"title": "Journal of Imitation"}},
        "authorList": {"author": w.affiliations.iter().map(|(name, aff)| json!({
            "fullName": name,
            "authorAffiliationDetailsList": {"authorAffiliation": [{"affiliation": aff}]}
        })).collect::<Vec<_>>()},
        "grantsList": {"grant": grants},
        "isOpenAccess": if w.open_access {"Y"} else {"N"},
        "inEPMC": if w.open_access {"Y"} else {"N"}
    })
}

/// Add what only acknowledgments show: works whose DoD funding is stated only in their
/// acknowledgment (open access, so in Europe PMC full text, or only on the publisher page),
/// decoys whose acknowledgments name DoD bodies without funding (a thanked NRL colleague, the
/// disclaimer alone, plant defense), and Europe PMC records for some metadata-funded works.
pub fn add_text_sources(
    corpus: &mut Corpus,
    extra: usize,
    seed: u64,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) {
    let mut rng = Rng(seed | 1);
    let base = corpus.works.len();
    // Europe PMC indexes a fifth of the works funded in their metadata.
    for (i, w) in corpus.works.iter_mut().enumerate() {
        if w.crossref_dod && rng.chance(0.2) {
            w.open_access = rng.chance(0.5);
            let grants: Vec<Value> = w.crossref["funder"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| json!({"agency": f["name"], "grantId": f["award"][0]}))
                .collect();
            w.epmc = Some(epmc_record(w, &format!("PMC7{i:06}"), grants));
        }
    }
    let china_idx: Vec<usize> = (0..INSTITUTIONS.len())
        .filter(|&i| matches!(INSTITUTIONS[i].3, "CN" | "HK" | "MO"))
        .collect();
    let other_idx: Vec<usize> = (0..INSTITUTIONS.len())
        .filter(|&i| !matches!(INSTITUTIONS[i].3, "CN" | "HK" | "MO"))
        .collect();
    for k in 0..extra {
        let i = base + k;
        let doi = format!("10.99999/imitation.{i:05}");
        let d = date_in(&mut rng, from, to);
        let date = d.format("%Y-%m-%d").to_string();
        let yy = d.format("%y").to_string();
        let decoy = rng.chance(0.35);
        let (_, name, pattern) = *rng.pick(DOD_FUNDERS);
        let award = pattern
            .replace("{y}", &yy)
            .replace("{n}", &format!("{:04}", rng.below(10_000)));
        let ack = if decoy {
            match rng.below(3) {
                0 => "We thank Dr. J. Smith of the Naval Research Laboratory for helpful discussions. This work was funded by the National Natural Science Foundation of China (12074090).".to_string(),
                1 => "This work was funded by the National Natural Science Foundation of China (12074090). The views expressed are those of the authors and do not necessarily reflect the official policy of the Department of the Army.".to_string(),
                _ => "This work on plant defense and host defense was funded by the National Natural Science Foundation of China (31970000) and the Office of Naval Research Global workshop travel fund was not used.".replace(" and the Office of Naval Research Global workshop travel fund was not used", "").to_string(),
            }
        } else {
            let disclaimer = if rng.chance(0.3) {
                " The views expressed are those of the authors and not of the Department of Defense."
            } else {
                ""
            };
            format!(
                "This work was supported by the {name} under grant {award} and by the National Natural Science Foundation of China (12074090).{disclaimer}"
            )
        };
        let n_authors = 2 + rng.below(3);
        let has_china = rng.chance(0.7);
        let mut affiliations = Vec::new();
        let (mut truth_china, mut truth_mainland) = (false, false);
        for a in 0..n_authors {
            let idx = if has_china && a == 0 {
                *rng.pick(&china_idx)
            } else {
                *rng.pick(&other_idx)
            };
            let (inst, place, country, code) = INSTITUTIONS[idx];
            truth_china |= matches!(code, "CN" | "HK" | "MO");
            truth_mainland |= code == "CN";
            let raw = if country.is_empty() {
                format!("Department of Physics, {inst}, {place}")
            } else {
                format!("Department of Physics, {inst}, {place}, {country}")
            };
            affiliations.push((format!("Author{a} Name{i}"), raw));
        }
        let title = format!("Imitation study {i} of acknowledged funding");
        let crossref = json!({
            "DOI": doi, "title": [title], "container-title": ["Journal of Imitation"], "type": "journal-article",
            "issued": {"date-parts": [[d.format("%Y").to_string().parse::<i64>().unwrap(), d.format("%m").to_string().parse::<i64>().unwrap(), d.format("%d").to_string().parse::<i64>().unwrap()]]},
            "author": [], "funder": [{"DOI": "10.13039/501100001809", "name": "National Natural Science Foundation of China", "award": ["12074090"]}]
        });
        let mut w = SynthWork {
            doi,
            date,
            crossref,
            openalex: None,
            crossref_dod: false,
            openalex_dod: false,
            openalex_countries: Vec::new(),
            truth_dod: !decoy,
            truth_china,
            truth_mainland,
            china_visible: true,
            dod_visible: true,
            ack: Some(ack),
            ack_dod: !decoy,
            epmc: None,
            open_access: rng.chance(0.5),
            affiliations,
            page_ack: true,
            copy: None,
        };
        w.epmc = Some(epmc_record(
            &w,
            &format!("PMC8{i:06}"),
            vec![
                json!({"agency": "National Natural Science Foundation of China", "grantId": "12074090"}),
            ],
        ));
        corpus.works.push(w);
    }
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The JATS full text Europe PMC serves for a work.
pub fn jats(w: &SynthWork) -> String {
    let mut contribs = String::new();
    let mut affs = String::new();
    for (i, (name, aff)) in w.affiliations.iter().enumerate() {
        let (given, surname) = name.split_once(' ').unwrap_or((name, ""));
        contribs.push_str(&format!("<contrib contrib-type=\"author\"><name><surname>{}</surname><given-names>{}</given-names></name><xref ref-type=\"aff\" rid=\"aff{i}\">{i}</xref></contrib>", esc(surname), esc(given)));
        let (text, country) = match aff.rsplit_once(", ") {
            Some((t, c)) if !c.chars().any(|ch| ch.is_ascii_digit()) => {
                (t.to_string(), Some(c.to_string()))
            }
            _ => (aff.clone(), None),
        };
        affs.push_str(&format!(
            "<aff id=\"aff{i}\"><label>{i}</label>{}{}</aff>",
            esc(&text),
            country
                .map(|c| format!(", <country>{}</country>", esc(&c)))
                .unwrap_or_default()
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><article><front><article-meta><article-id pub-id-type=\"doi\">{}</article-id><contrib-group>{contribs}{affs}</contrib-group></article-meta></front><body><sec><title>Methods</title><p>We measured things.</p></sec></body><back><ack><title>Acknowledgments</title><p>{}</p></ack></back></article>",
        esc(&w.doi),
        esc(w.ack.as_deref().unwrap_or(""))
    )
}

/// The publisher page of a work: Highwire tags and an acknowledgments section.
pub fn page(w: &SynthWork) -> String {
    let mut meta = format!(
        "<meta name=\"citation_doi\" content=\"{}\"><meta name=\"citation_title\" content=\"{}\">",
        esc(&w.doi),
        esc(w.crossref["title"][0].as_str().unwrap_or(""))
    );
    for (name, aff) in &w.affiliations {
        meta.push_str(&format!("<meta name=\"citation_author\" content=\"{}\"><meta name=\"citation_author_institution\" content=\"{}\">", esc(name), esc(aff)));
    }
    let ack = w
        .ack
        .as_deref()
        .filter(|_| w.page_ack)
        .map(|a| {
            format!(
                "<section class=\"ack\"><h2>Acknowledgments</h2><p>{}</p></section>",
                esc(a)
            )
        })
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html><html><head>{meta}</head><body><article><h1>Article</h1><p>Body.</p>{ack}</article></body></html>"
    )
}

/// The running Europe PMC, DOI resolver and publisher imitations.
pub struct TextImitation {
    pub europepmc_url: String,
    pub resolver_url: String,
    pub europepmc: Arc<Counters>,
    pub resolver: Arc<Counters>,
    pub publishers: Vec<Arc<Counters>>,
    /// The open-access host.
    pub open_access: Arc<Counters>,
}

/// Start Europe PMC (search with cursorMark, full text), a DOI resolver and two publisher hosts.
pub async fn start_text_sources(
    corpus: Arc<Corpus>,
    europepmc: ServerLimits,
    per_host: ServerLimits,
) -> TextImitation {
    start_text_sources_with_resolver(corpus, europepmc, per_host, per_host).await
}

/// The same, with the DOI resolver's own limits.
pub async fn start_text_sources_with_resolver(
    corpus: Arc<Corpus>,
    europepmc: ServerLimits,
    per_host: ServerLimits,
    resolver_limits: ServerLimits,
) -> TextImitation {
    let c = corpus.clone();
    let term = regex::Regex::new(r#"(?:GRANT_AGENCY|ACK_FUNDING|GRANT_ID):(?:"([^"]+)"|(\w+)\*)"#)
        .unwrap();
    let window = regex::Regex::new(r"FIRST_PDATE:\[(\S+) TO (\S+)\]").unwrap();
    let first_indexed = regex::Regex::new(r"FIRST_IDATE:\[(\S+) TO ([^\]\s]+)\]").unwrap();
    let aff_term = regex::Regex::new(r#"AFF:"([^"]+)""#).unwrap();
    let epmc: Handler = Arc::new(move |path, q| {
        if let Some(pmcid) = path
            .strip_prefix("/")
            .and_then(|p| p.strip_suffix("/fullTextXML"))
        {
            return match c.works.iter().find(|w| {
                w.open_access
                    && c.full_text_ready(w)
                    && (w.epmc.as_ref().is_some_and(|e| e["pmcid"] == pmcid)
                        || w.openalex.as_ref().is_some_and(|o| {
                            o["ids"]["pmcid"]
                                .as_str()
                                .is_some_and(|p| p.ends_with(&format!("/{pmcid}")))
                        }))
            }) {
                Some(w) => (
                    200,
                    vec![("Content-Type".into(), "application/xml".into())],
                    jats(w),
                ),
                None => (
                    404,
                    vec![("Content-Type".into(), "text/plain".into())],
                    "Not found".into(),
                ),
            };
        }
        if path != "/search" {
            return (404, vec![], "{}".into());
        }
        let query = q.get("query").cloned().unwrap_or_default();
        // A quoted phrase, or a prefix (`N00014*`) matched as the start of a word.
        let terms: Vec<String> = term
            .captures_iter(&query)
            .map(|m| {
                m.get(1)
                    .or(m.get(2))
                    .map_or(String::new(), |t| t.as_str().to_lowercase())
            })
            .collect();
        let places: Vec<String> = aff_term
            .captures_iter(&query)
            .map(|m| m[1].to_string())
            .collect();
        let (from, to) = window
            .captures(&query)
            .map(|m| (m[1].to_string(), m[2].to_string()))
            .unwrap_or_default();
        let indexed = first_indexed
            .captures(&query)
            .map(|m| (m[1].to_string(), m[2].to_string()));
        let matching: Vec<&Value> = c
            .works
            .iter()
            .filter(|w| w.date >= from && w.date <= to)
            .filter(|w| c.visible(w))
            .filter(|w| {
                indexed.as_ref().is_none_or(|(a, b)| {
                    let d = c.index_date(w);
                    d >= *a && d <= *b
                })
            })
            .filter_map(|w| w.epmc.as_ref().map(|e| (w, e)))
            .filter(|(w, e)| {
                let text = format!("{} {}", w.ack.as_deref().unwrap_or(""), e["grantsList"])
                    .to_lowercase();
                let china = w
                    .affiliations
                    .iter()
                    .any(|(_, a)| places.iter().any(|p| a.contains(p.as_str())));
                china && terms.iter().any(|t| text.contains(t.as_str()))
            })
            .map(|(_, e)| e)
            .collect();
        let size: usize = q
            .get("pageSize")
            .and_then(|s| s.parse().ok())
            .unwrap_or(25)
            .min(1000);
        let cursor = q.get("cursorMark").cloned().unwrap_or_else(|| "*".into());
        let offset: usize = cursor
            .strip_prefix("c")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let page: Vec<&Value> = matching.iter().skip(offset).take(size).copied().collect();
        let next = if offset + page.len() >= matching.len() {
            cursor.clone()
        } else {
            format!("c{}", offset + page.len())
        };
        (200, vec![], json!({"version": "6.9", "hitCount": matching.len(), "nextCursorMark": next, "resultList": {"result": page}}).to_string())
    });
    let (europepmc_url, europepmc_counters) = serve(europepmc, epmc).await;
    let mut publisher_urls = Vec::new();
    let mut publishers = Vec::new();
    for _ in 0..2 {
        let c = corpus.clone();
        let handler: Handler = Arc::new(move |path, _| {
            if path == "/robots.txt" {
                return (
                    200,
                    vec![("Content-Type".into(), "text/plain".into())],
                    "User-agent: *\nDisallow: /private/\n".into(),
                );
            }
            let suffix = path.strip_prefix("/article/").unwrap_or("");
            match c
                .works
                .iter()
                .find(|w| w.doi.ends_with(suffix) && !suffix.is_empty())
            {
                Some(w) => (
                    200,
                    vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
                    page(w),
                ),
                None => (
                    404,
                    vec![("Content-Type".into(), "text/html".into())],
                    "<html>Not found</html>".into(),
                ),
            }
        });
        let (url, counters) = serve(per_host, handler).await;
        publisher_urls.push(url);
        publishers.push(counters);
    }
    // The open-access host: repositories' PDFs and pages (OpenAlex's `best_oa_location`).
    let c = corpus.clone();
    let oa: Handler = Arc::new(move |path, _| {
        if path == "/robots.txt" {
            return (
                200,
                vec![("Content-Type".into(), "text/plain".into())],
                "User-agent: *\nAllow: /\n".into(),
            );
        }
        let suffix = path
            .strip_prefix("/pdf/")
            .and_then(|p| p.strip_suffix(".pdf"))
            .or_else(|| path.strip_prefix("/record/"))
            .unwrap_or("");
        let found = c
            .works
            .iter()
            .find(|w| !suffix.is_empty() && w.doi.ends_with(&format!("/{suffix}")))
            .and_then(copy_of);
        match found {
            // The handler answers text; a PDF's bytes go through as Latin-1 and are sent back
            // as the same bytes (see `serve`).
            Some((ct, body)) => (
                200,
                vec![("Content-Type".into(), ct.into())],
                body.iter().map(|&b| b as char).collect(),
            ),
            None => (
                404,
                vec![("Content-Type".into(), "text/html".into())],
                "<html>Not found</html>".into(),
            ),
        }
    });
    let (oa_url, oa_counters) = serve(per_host, oa).await;
    let _ = corpus.oa_base.set(oa_url);
    let resolver: Handler = Arc::new(move |path, _| {
        if path == "/robots.txt" {
            return (
                404,
                vec![("Content-Type".into(), "text/plain".into())],
                String::new(),
            );
        }
        let doi = path.trim_start_matches('/');
        let n: usize = doi
            .rsplit('.')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let host = &publisher_urls[n % publisher_urls.len()];
        (
            302,
            vec![
                (
                    "Location".into(),
                    format!("{host}/article/{}", doi.rsplit('/').next().unwrap_or("")),
                ),
                ("Content-Type".into(), "text/html".into()),
            ],
            String::new(),
        )
    });
    let (resolver_url, resolver_counters) = serve(resolver_limits, resolver).await;
    TextImitation {
        europepmc_url,
        resolver_url,
        europepmc: europepmc_counters,
        resolver: resolver_counters,
        publishers,
        open_access: oa_counters,
    }
}
