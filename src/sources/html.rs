//! Publisher landing and full-text pages: Highwire `citation_*` tags (authors with their
//! institutions, DOI, title, date) and the acknowledgment/funding text, found with the
//! selectors in `ack_selectors.csv`.
//!
//! Labels must be the whole heading ("Acknowledgements", "Funding", "Financial support"), so a
//! news page that merely uses the word "acknowledge" in prose yields nothing.

use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use serde::Serialize;
use std::sync::LazyLock;

/// An author as the page's `citation_author` tags give it; each
/// `citation_author_institution` belongs to the author tag before it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PageAuthor {
    pub name: String,
    pub institutions: Vec<String>,
}

/// Acknowledgment or funding text found on a page, with the rule that found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageSection {
    pub rule: String,
    pub heading: String,
    pub text: String,
}

/// What a page says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PageFacts {
    pub doi: Option<String>,
    pub title: Option<String>,
    pub date: Option<String>,
    pub journal: Option<String>,
    pub authors: Vec<PageAuthor>,
    pub sections: Vec<PageSection>,
}

struct Rule {
    name: String,
    kind: String,
    selector: Selector,
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(include_str!("ack_selectors.csv").as_bytes());
    reader
        .deserialize::<(String, String, String, String)>()
        .map(|r| {
            let (name, kind, selector, _) = r.expect("ack_selectors.csv is well formed");
            Rule {
                selector: Selector::parse(&selector)
                    .unwrap_or_else(|e| panic!("selector {name}: {e:?}")),
                name,
                kind,
            }
        })
        .collect()
});

/// Heading and label texts that introduce acknowledgment or funding text.
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:\d+(?:\.\d+)*\.?\s*)?(?:acknowledge?ments?|funding(?: information| statement| sources?| details)?|financial (?:support|disclosure)|grant support|sources? of funding|role of the funding source)\s*:?\s*$",
    )
    .expect("label regex")
});

static HEADING: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("h1, h2, h3, h4, h5, h6").expect("heading selector"));
static META: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("meta[name]").expect("meta selector"));

fn text_of(e: ElementRef<'_>) -> String {
    e.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_heading(e: &ElementRef<'_>) -> bool {
    matches!(e.value().name(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// The text after a heading: its following siblings up to the next heading, climbing out of
/// wrappers (`<header><h3>Funding</h3></header><div>…</div>`) when the heading stands alone.
fn after_heading(h: ElementRef<'_>) -> String {
    let mut node = h;
    for _ in 0..3 {
        let mut parts = Vec::new();
        for sib in node.next_siblings() {
            let Some(el) = ElementRef::wrap(sib) else {
                if let Some(t) = sib.value().as_text() {
                    parts.push(t.to_string());
                }
                continue;
            };
            if is_heading(&el)
                || el.select(&HEADING).next().is_some_and(|inner| {
                    LABEL.is_match(&text_of(inner)) || inner.value().name() <= h.value().name()
                }) && !parts.is_empty()
            {
                break;
            }
            parts.push(text_of(el));
        }
        let text = parts
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !text.is_empty() {
            return text;
        }
        match node.parent().and_then(ElementRef::wrap) {
            Some(p) => node = p,
            None => break,
        }
    }
    String::new()
}

/// Read a page.
pub fn extract(html: &str) -> PageFacts {
    let doc = Html::parse_document(html);
    let mut facts = PageFacts::default();
    for m in doc.select(&META) {
        let (Some(name), Some(content)) = (m.value().attr("name"), m.value().attr("content"))
        else {
            continue;
        };
        let content = content.split_whitespace().collect::<Vec<_>>().join(" ");
        if content.is_empty() {
            continue;
        }
        match name.to_ascii_lowercase().as_str() {
            "citation_author" => facts.authors.push(PageAuthor {
                name: content,
                institutions: Vec::new(),
            }),
            "citation_author_institution" => {
                if let Some(a) = facts.authors.last_mut() {
                    a.institutions.push(content);
                }
            }
            "citation_doi" => {
                facts.doi.get_or_insert(content);
            }
            "citation_title" => {
                facts.title.get_or_insert(content);
            }
            "citation_publication_date" | "citation_date" | "citation_online_date" => {
                facts.date.get_or_insert(content);
            }
            "citation_journal_title" => {
                facts.journal.get_or_insert(content);
            }
            _ => {}
        }
    }
    let push = |rule: &str, heading: String, text: String, facts: &mut PageFacts| {
        let text = text.trim().to_string();
        if text.chars().count() < 15 {
            return;
        }
        // The same passage is often reached by two rules (a section and its heading).
        if facts
            .sections
            .iter()
            .any(|s| s.text.contains(&text) || text.contains(&s.text))
        {
            if let Some(s) = facts
                .sections
                .iter_mut()
                .find(|s| text.contains(&s.text) && text.len() > s.text.len())
            {
                s.text = text;
            }
            return;
        }
        facts.sections.push(PageSection {
            rule: rule.to_string(),
            heading,
            text,
        });
    };
    for rule in RULES.iter() {
        for el in doc.select(&rule.selector) {
            match rule.kind.as_str() {
                "section" => {
                    let heading = el.select(&HEADING).next().map(text_of).unwrap_or_default();
                    let mut text = text_of(el);
                    if !heading.is_empty() {
                        text = text.trim_start_matches(heading.as_str()).to_string();
                    }
                    push(&rule.name, heading, text, &mut facts);
                }
                "heading" => {
                    let label = text_of(el);
                    if LABEL.is_match(&label) {
                        push(&rule.name, label, after_heading(el), &mut facts);
                    }
                }
                "label" => {
                    let label = text_of(el);
                    if LABEL.is_match(&label)
                        && let Some(p) = el.parent().and_then(ElementRef::wrap)
                    {
                        let all = text_of(p);
                        let rest = all.strip_prefix(label.as_str()).unwrap_or(&all);
                        push(
                            &rule.name,
                            label.trim_end_matches(':').into(),
                            rest.into(),
                            &mut facts,
                        );
                    }
                }
                _ => {}
            }
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(name: &str) -> PageFacts {
        let path = format!("{}/tests/fixtures/html/{name}", env!("CARGO_MANIFEST_DIR"));
        extract(&std::fs::read_to_string(path).unwrap())
    }

    #[test]
    fn plos_highwire_authors_keep_their_institutions_and_funding_is_found() {
        let p = page("plos_one_article.html");
        assert_eq!(p.doi.as_deref(), Some("10.1371/journal.pone.0213978"));
        assert_eq!(p.authors.len(), 11);
        assert!(p.authors.iter().all(|a| !a.institutions.is_empty()));
        assert!(p.authors[0].institutions[0].contains("China"));
        // "Funding:" and the Acknowledgments section say the same here: kept once.
        let funding: Vec<_> = p
            .sections
            .iter()
            .filter(|s| s.text.contains("National Quality Infrastructure of China"))
            .collect();
        assert_eq!(funding.len(), 1, "{:?}", p.sections);
        assert!(
            extract("<p><strong>Funding: </strong>Supported by ONR grant N00014-21-1-2345.</p>")
                .sections[0]
                .text
                .starts_with("Supported by ONR")
        );
    }

    #[test]
    fn peerj_acknowledgements_section_and_funding_heading_are_found() {
        let p = page("peerj_oa_article.html");
        assert!(!p.authors.is_empty());
        let ack = p
            .sections
            .iter()
            .find(|s| s.heading == "Acknowledgements")
            .unwrap();
        assert!(
            ack.text
                .starts_with("The authors would like to thank Dorothea Salo")
        );
        let funding = p.sections.iter().find(|s| s.heading == "Funding").unwrap();
        assert_eq!(
            funding.text,
            "The authors received no funding for this work."
        );
    }

    #[test]
    fn elife_sections_under_a_header_wrapper_are_found() {
        let p = page("elife_article.html");
        assert!(p.authors.is_empty(), "eLife pages carry dc.* tags only");
        let ack = p
            .sections
            .iter()
            .find(|s| s.heading == "Acknowledgements")
            .unwrap();
        assert!(ack.text.contains("NSF MRI grant 1625770"), "{}", ack.text);
        assert!(p.sections.iter().any(|s| s.heading == "Funding"));
        // "Funding acquisition" in author contributions is not a funding section.
        assert!(
            p.sections
                .iter()
                .all(|s| !s.text.starts_with("Conceptualization"))
        );
    }

    #[test]
    fn a_news_page_that_says_acknowledge_in_prose_yields_no_section() {
        let p = page("nature_article.html");
        assert!(p.sections.is_empty(), "{:?}", p.sections);
    }

    #[test]
    fn ojs_landing_pages_give_authors_and_institutions() {
        let p = page("first_monday_ojs3_landingpage.html");
        assert!(p.authors.iter().any(|a| !a.institutions.is_empty()));
        assert!(p.doi.is_some());
    }

    #[test]
    fn latexml_and_jats_derived_markup_are_read() {
        let arxiv = extract(
            r#"<html><body><div class="ltx_acknowledgements"><h6>Acknowledgements.</h6>
               This work was supported by AFOSR grant FA9550-20-1-0425.</div></body></html>"#,
        );
        assert!(arxiv.sections[0].text.contains("FA9550-20-1-0425"));
        let jats = extract(
            r#"<html><body><section data-sec-type="funding"><h2>Funding</h2>
               <p>Army Research Office award W911NF-19-1-0283.</p></section></body></html>"#,
        );
        assert_eq!(jats.sections.len(), 1);
        assert!(jats.sections[0].text.contains("W911NF-19-1-0283"));
    }

    #[test]
    fn arbitrary_markup_never_panics() {
        for s in [
            "",
            "<",
            "<<<>>>",
            "<meta name=citation_author_institution content=x>",
            "<h2>Funding</h2>",
        ] {
            let _ = extract(s);
        }
        let f = extract("<h2>Funding</h2>");
        assert!(f.sections.is_empty());
    }
}
