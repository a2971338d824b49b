//! PDFs as typesetters make them (lines broken with hyphens, footnotes), for the
//! open-access copies.

use super::*;

/// Lines of at most `width` characters; a word that does not fit is broken with a hyphen, as
/// typesetters do (an award number after one of its own hyphens, a word between letters).
pub fn typeset(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let room = width.saturating_sub(cur.len() + usize::from(!cur.is_empty()));
        if word.len() <= room {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
            continue;
        }
        let letters = word.chars().all(|c| c.is_ascii_alphabetic());
        let cut = if word.contains('-') && word.chars().any(|c| c.is_ascii_digit()) {
            word[..room.min(word.len())].rfind('-').map(|h| (h + 1, ""))
        } else if letters && word.len() >= 7 && room >= 4 {
            Some((room.saturating_sub(1).min(word.len() - 3).max(3), "-"))
        } else {
            None
        };
        match cut {
            Some((at, mark)) if at > 0 => {
                if !cur.is_empty() {
                    cur.push(' ');
                }
                cur.push_str(&word[..at]);
                cur.push_str(mark);
                lines.push(std::mem::take(&mut cur));
                cur.push_str(&word[at..]);
            }
            _ => {
                if !cur.is_empty() {
                    lines.push(std::mem::take(&mut cur));
                }
                cur.push_str(word);
            }
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// A PDF of `pages` (lines of text each), set in Helvetica as a simple producer writes it.
pub fn pdf_of(pages: &[Vec<String>]) -> Vec<u8> {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let mut kids: Vec<Object> = Vec::new();
    for lines in pages {
        let mut content = String::from("BT /F1 10 Tf 14 TL 72 740 Td\n");
        for l in lines {
            let escaped = l
                .replace('\\', "\\\\")
                .replace('(', "\\(")
                .replace(')', "\\)");
            content.push_str(&format!("({escaped}) Tj T*\n"));
        }
        content.push_str("ET\n");
        let cid = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let pid = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => cid,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        });
        kids.push(pid.into());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// The open-access copy of a work as its host serves it: `(content type, body)`.
pub fn copy_of(w: &SynthWork) -> Option<(&'static str, Vec<u8>)> {
    let ack = w.ack.as_deref().unwrap_or("");
    let title = w.crossref["title"][0].as_str().unwrap_or("").to_string();
    let mut first = vec![title.clone(), String::new()];
    for (name, aff) in &w.affiliations {
        first.extend(typeset(&format!("{name}, {aff}"), 80));
    }
    first.push(String::new());
    first.push("Abstract".into());
    first.extend(typeset(
        "We report measurements of defect dynamics in layered materials and compare them with a model of their transport at interfaces.",
        80,
    ));
    let body = typeset(
        "Results. The measured dynamics agree with the model within the stated uncertainty for every sample we prepared.",
        80,
    );
    match w.copy? {
        CopyKind::Pdf => {
            let mut last = body.clone();
            last.push(String::new());
            last.push("Acknowledgments".into());
            last.extend(typeset(ack, 62));
            last.push(String::new());
            last.push("References".into());
            last.push("[1] A. Author, Journal of Imitation 1, 1 (2020).".into());
            Some(("application/pdf", pdf_of(&[first, last])))
        }
        CopyKind::PdfFootnote => {
            first.push(String::new());
            first.extend(typeset(ack, 90));
            Some(("application/pdf", pdf_of(&[first, body])))
        }
        CopyKind::Html => Some((
            "text/html; charset=utf-8",
            format!(
                "<!DOCTYPE html><html><head><title>{t}</title></head><body><h1>{t}</h1><div class=\"abstract\"><p>Defect dynamics.</p></div><h2>Acknowledgements</h2><p>{}</p><h2>References</h2><p>[1] A. Author.</p></body></html>",
                esc(ack),
                t = esc(&title)
            )
            .into_bytes(),
        )),
        CopyKind::BrokenPdf => Some((
            "application/pdf",
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage that ends here".to_vec(),
        )),
    }
}
