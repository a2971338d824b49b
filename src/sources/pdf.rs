//! Acknowledgments and funding statements in PDF papers (open-access copies: arXiv,
//! repositories, publishers' PDFs).
//!
//! Text comes out of a PDF page by page ([`pages_of`]); what follows makes it readable as prose:
//! ligatures (ﬁ, ﬂ, ﬃ) unfolded, words hyphenated across a line end joined ("fund-\ning" →
//! "funding"), page numbers and running headers between two pages of one paragraph dropped,
//! so an acknowledgment split across pages reads as one. Then the funding texts are found
//! ([`funding_texts`]): the sections headed "Acknowledg(e)ments", "Funding", "Funding
//! information", "Financial support" (until the next heading), and funding sentences of the
//! first page ("This work was supported by …" in a footnote). They are classified like any
//! other acknowledgment.
//!
//! A PDF that cannot be read is an error for the caller to record, never a panic: the text
//! extractor runs on a blocking thread with a size cap before and a time limit around it.

use unicode_normalization::UnicodeNormalization;

/// The text of each page of a PDF, or why there is none. Runs the extractor (CPU-bound,
/// synchronous) as it is; callers put it on a blocking thread with a time limit.
pub fn pages_of(bytes: &[u8]) -> Result<Vec<String>, String> {
    if !bytes.starts_with(b"%PDF") {
        return Err("not a PDF (no %PDF header)".into());
    }
    // The extractor is third-party code fed untrusted bytes: a panic is a bad document.
    let owned = bytes.to_vec();
    let pages = std::panic::catch_unwind(move || extract_pages(owned))
        .map_err(|_| "the PDF could not be read (the extractor gave up on it)".to_string())??;
    if pages.iter().all(|p| p.trim().is_empty()) {
        return Err("the PDF holds no text (scanned images?)".into());
    }
    Ok(pages)
}

fn extract_pages(bytes: Vec<u8>) -> Result<Vec<String>, String> {
    super::pdf_text::pages(&bytes)
}

/// Heading words that open a funding text.
const FUNDING_HEADINGS: &[&str] = &[
    "acknowledgements",
    "acknowledgments",
    "acknowledgement",
    "acknowledgment",
    "funding",
    "funding information",
    "funding sources",
    "funding statement",
    "financial support",
    "financial disclosure",
    "grant support",
    "acknowledgements and funding",
    "funding and acknowledgements",
];

/// Heading words that end one (the sections that follow an acknowledgment).
const NEXT_HEADINGS: &[&str] = &[
    "references",
    "bibliography",
    "literature cited",
    "conflicts of interest",
    "conflict of interest",
    "competing interests",
    "declaration of competing interest",
    "author contributions",
    "authors' contributions",
    "author details",
    "data availability",
    "data availability statement",
    "availability of data and materials",
    "ethics declarations",
    "ethics approval and consent to participate",
    "consent for publication",
    "abbreviations",
    "appendix",
    "supplementary material",
    "supplementary information",
    "additional information",
    "notes",
    "footnotes",
    "declarations",
    "institutional review board statement",
    "informed consent statement",
    "publisher's note",
    "open access",
    "tables",
    "figures",
];

/// Funding texts a sentence of the first page may be (a footnote, a first-page note).
const FUNDING_SENTENCE: &[&str] = &[
    "supported by",
    "funded by",
    "funding from",
    "financial support",
    "sponsored by",
    "grant no",
    "grant number",
    "under grant",
    "under contract",
    "under award",
];

/// The funding texts of a paper's pages: `(section, text)` pairs, as the other document kinds
/// give them.
pub fn funding_texts(pages: &[String]) -> Vec<(String, String)> {
    let lines = reading_lines(pages);
    let mut out: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(heading) = funding_heading(&lines[i]) else {
            i += 1;
            continue;
        };
        // The heading may carry the text on its own line ("Funding: This work was …").
        let mut body: Vec<&str> = Vec::new();
        if let Some(rest) = heading.1 {
            body.push(rest);
        }
        let mut j = i + 1;
        while j < lines.len() && !is_next_heading(&lines[j]) && funding_heading(&lines[j]).is_none()
        {
            body.push(&lines[j]);
            j += 1;
        }
        let text = prose(&body);
        if !text.is_empty() && !out.iter().any(|(_, t)| *t == text) {
            out.push((heading.0, cap(text)));
        }
        i = j.max(i + 1);
    }
    // Funding statements of the first page (a footnote) that no section holds.
    if let Some(first) = pages.first() {
        let first_lines = reading_lines(std::slice::from_ref(first));
        for para in paragraphs(&first_lines) {
            let lower = para.to_lowercase();
            if FUNDING_SENTENCE.iter().any(|s| lower.contains(s))
                && !out
                    .iter()
                    .any(|(_, t)| t.contains(&para) || para.contains(t.as_str()))
            {
                out.push(("first-page note".into(), cap(para)));
            }
        }
    }
    out
}

/// Longer texts are cut here (an acknowledgment is a paragraph or two).
const MAX_TEXT: usize = 4000;

fn cap(mut s: String) -> String {
    if s.len() > MAX_TEXT {
        let mut at = MAX_TEXT;
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        s.truncate(at);
    }
    s
}

/// The pages as lines a reader would read: ligatures unfolded (NFKC), page-number lines and
/// lines repeated on most pages (running headers, arXiv stamps) dropped.
fn reading_lines(pages: &[String]) -> Vec<String> {
    let pages: Vec<Vec<String>> = pages
        .iter()
        .map(|p| {
            p.nfkc()
                .collect::<String>()
                .lines()
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect()
        })
        .collect();
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for p in &pages {
        let mut on_page: Vec<&str> = p
            .iter()
            .map(String::as_str)
            .filter(|l| !l.is_empty())
            .collect();
        on_page.sort();
        on_page.dedup();
        for l in on_page {
            *seen.entry(l).or_default() += 1;
        }
    }
    let repeated =
        |l: &str| pages.len() >= 3 && seen.get(l).copied().unwrap_or(0) * 2 > pages.len();
    pages
        .iter()
        .flatten()
        .filter(|l| {
            let t = l.trim();
            !t.chars().all(|c| c.is_ascii_digit()) || t.is_empty()
        })
        .filter(|l| !repeated(l))
        .cloned()
        .collect()
}

/// A line that is a funding heading: its name, and any text after it on the same line.
fn funding_heading(line: &str) -> Option<(String, Option<&str>)> {
    let (head, rest) = split_heading(line);
    let key = heading_key(head);
    FUNDING_HEADINGS
        .contains(&key.as_str())
        .then(|| (head.trim().to_string(), rest))
}

fn is_next_heading(line: &str) -> bool {
    let (head, _) = split_heading(line);
    NEXT_HEADINGS.contains(&heading_key(head).as_str())
}

/// "Funding: This work …" → ("Funding", Some("This work …")); a whole line is all heading.
fn split_heading(line: &str) -> (&str, Option<&str>) {
    // A section number first ("5.", "VI.", "5.1") is part of the heading, not its end.
    let number_len = line
        .split_whitespace()
        .next()
        .filter(|w| {
            let w = w.trim_end_matches('.');
            !w.is_empty()
                && (w.chars().all(|c| c.is_ascii_digit() || c == '.') || roman(&w.to_lowercase()))
        })
        .map_or(0, |w| line.find(w).unwrap_or(0) + w.len());
    let after_number = &line[number_len..];
    match after_number.split_once([':', '.']) {
        Some((h, rest)) if h.split_whitespace().count() <= 4 && !rest.trim().is_empty() => {
            (&line[..number_len + h.len()], Some(rest.trim()))
        }
        _ => (line, None),
    }
}

/// A heading as a key: lower case, a section number ("5.", "VI") and punctuation gone.
fn heading_key(head: &str) -> String {
    let words: Vec<String> = head
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let skip = words
        .first()
        .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()) || roman(w));
    words[usize::from(skip)..].join(" ")
}

fn roman(w: &str) -> bool {
    !w.is_empty() && w.len() <= 4 && w.chars().all(|c| matches!(c, 'i' | 'v' | 'x'))
}

/// Lines joined into running prose: a word hyphenated at a line end is one word again
/// ("fund-" + "ing"), other lines join with a space.
fn prose(lines: &[&str]) -> String {
    let mut out = String::new();
    for l in lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        let hyphenated = out.ends_with('-')
            && out[..out.len() - 1]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_lowercase())
            && l.chars().next().is_some_and(|c| c.is_lowercase());
        // An award number broken at its hyphen ("DE-" + "SC0019212") keeps it and no space.
        let code_break = out.ends_with('-')
            && out[..out.len() - 1]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && l.chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if hyphenated {
            out.pop();
        } else if !out.is_empty() && !code_break {
            out.push(' ');
        }
        out.push_str(l);
    }
    out
}

/// Paragraphs of a page: runs of lines between blank lines, as prose.
fn paragraphs(lines: &[String]) -> Vec<String> {
    lines
        .split(|l| l.trim().is_empty())
        .map(|p| prose(&p.iter().map(String::as_str).collect::<Vec<_>>()))
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(s: &str) -> String {
        s.to_string()
    }

    #[test]
    fn an_acknowledgment_runs_to_the_next_heading_with_hyphens_joined() {
        let pages = vec![page(
            "Results\nWe found things.\n\nAcknowledgements\nThis work was sup-\nported by the Office of Naval Research under grant N00014-21-1-2345.\nWe thank J. Doe.\n\nReferences\n1. A. Author",
        )];
        let t = funding_texts(&pages);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].0, "Acknowledgements");
        assert_eq!(
            t[0].1,
            "This work was supported by the Office of Naval Research under grant N00014-21-1-2345. We thank J. Doe."
        );
    }

    #[test]
    fn an_acknowledgment_split_across_pages_reads_as_one_and_ligatures_unfold() {
        let pages = vec![
            page(
                "arXiv:2201.09329v1\nBody text.\n\n5. Acknowledgments\nThe authors thank the sta\u{fb00} and Timothy\n\n17",
            ),
            page(
                "arXiv:2201.09329v1\nVollmer for help. Funded by the Army Research O\u{fb03}ce.\n\nReferences\n[1] X",
            ),
            page("arXiv:2201.09329v1\nMore."),
        ];
        let t = funding_texts(&pages);
        assert_eq!(
            t[0].1,
            "The authors thank the staff and Timothy Vollmer for help. Funded by the Army Research Office."
        );
    }

    #[test]
    fn a_heading_with_its_text_on_the_line_and_a_first_page_footnote_are_found() {
        let pages = vec![
            page(
                "A Title\nAuthors\n\nThis work was supported by DARPA under contract HR0011-20-C-0001.\n\nIntroduction\nText.",
            ),
            page(
                "Funding: Air Force Office of Scientific Research FA9550-19-1-0001.\nConflicts of Interest\nNone.",
            ),
        ];
        let t = funding_texts(&pages);
        assert!(
            t.iter()
                .any(|(s, x)| s == "Funding" && x.starts_with("Air Force Office")),
            "{t:?}"
        );
        assert!(
            t.iter()
                .any(|(s, x)| s == "first-page note" && x.contains("DARPA")),
            "{t:?}"
        );
    }

    #[test]
    fn what_is_not_a_pdf_is_an_error_not_a_panic() {
        assert!(pages_of(b"<html>not a pdf</html>").is_err());
        assert!(pages_of(b"%PDF-1.4\n garbage").is_err());
    }
}

/// Real PDFs from open-licensed test corpora (tests/fixtures/pdf/SOURCES.md): the funding
/// text comes out of each with its award numbers, spaces and ligatures intact.
#[cfg(test)]
mod real_pdfs {
    use super::*;

    fn texts(name: &str) -> Vec<(String, String)> {
        let path = format!("{}/tests/fixtures/pdf/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap();
        funding_texts(&pages_of(&bytes).unwrap())
    }

    #[test]
    fn a_two_column_article_keeps_its_award_numbers_and_spaces() {
        let t = texts("bmc-two-column.pdf");
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(t[0].0, "Acknowledgements");
        assert!(t[0].1.starts_with(
            "This study was supported by the German Federal Ministry for Education and Research [BMBF 16SV5824]."
        ), "{t:?}");
        assert!(t[0].1.contains("[BFNT 01GQ0761, BMBF 0316064B]"), "{t:?}");
        // The next section ends it.
        assert!(
            t[0].1.ends_with("There is no conflict of interests."),
            "{t:?}"
        );
    }

    #[test]
    fn a_kerned_publisher_pdf_reads_as_words() {
        let t = texts("mdpi.pdf");
        assert_eq!(
            t,
            vec![(
                "Acknowledgments".to_string(),
                "This work was supported by the Spanish Ministry of Economy and Competitiveness TEC2010-17805 Research Project.".to_string()
            )]
        );
    }

    #[test]
    fn a_latex_preprint_with_the_acknowledgment_across_two_pages_reads_as_one() {
        let t = texts("arxiv-ack-across-pages.pdf");
        assert_eq!(t.len(), 1, "{t:?}");
        let ack = &t[0].1;
        // TeX fonts carry their own encoding: the "ffi" ligature is a glyph of its own.
        assert!(ack.contains("Scholarly Communication Officer"), "{ack}");
        assert!(ack.contains("Office of Science"), "{ack}");
        // The page turn (page number, arXiv stamp) falls inside it and leaves no trace.
        assert!(
            ack.contains("Grant No. DMR-1922372, by the U.S. Department of Energy"),
            "{ack}"
        );
        assert!(ack.contains("(DE-SC0019212)"), "{ack}");
        assert!(ack.ends_with("Contract No. DE-AC02-05CH11231."), "{ack}");
    }

    #[test]
    fn a_truncated_or_damaged_pdf_is_an_answer_never_a_panic() {
        let path = format!("{}/tests/fixtures/pdf/mdpi.pdf", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(path).unwrap();
        for cut in [100, bytes.len() / 3, bytes.len() - 200] {
            let _ = pages_of(&bytes[..cut]);
        }
        let mut damaged = bytes.clone();
        for i in (2_000..damaged.len()).step_by(997) {
            damaged[i] ^= 0x5a;
        }
        let _ = pages_of(&damaged);
    }
}
