//! How a PDF font's codes become text: glyph widths (for word gaps), the font's encoding or
//! ToUnicode map, and the glyph names of the standard encodings.

use super::{Decoder, Widths, num};
use lopdf::{Document, Encoding, Object};
use std::collections::HashMap;

/// A font's glyph widths, where it gives them.
pub(super) fn widths(doc: &Document, font: &lopdf::Dictionary) -> Option<Widths> {
    let number = |o: &Object| match o {
        Object::Reference(id) => doc.get_object(*id).ok().and_then(num),
        other => num(other),
    };
    let array = |d: &lopdf::Dictionary, key: &[u8]| -> Option<Vec<Object>> {
        d.get_deref(key, doc).ok()?.as_array().ok().cloned()
    };
    if font.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type0") {
        // Two-byte identity codes are CIDs; other CMaps would need mapping first.
        let enc = font.get(b"Encoding").and_then(Object::as_name).ok()?;
        if enc != b"Identity-H" && enc != b"Identity-V" {
            return None;
        }
        let descendant = array(font, b"DescendantFonts")?.into_iter().next()?;
        let cid = match descendant {
            Object::Reference(id) => doc.get_dictionary(id).ok()?,
            Object::Dictionary(ref d) => d,
            _ => return None,
        };
        let default = cid
            .get_deref(b"DW", doc)
            .ok()
            .and_then(number)
            .unwrap_or(1000.0);
        let mut map = HashMap::new();
        let w = array(cid, b"W").unwrap_or_default();
        let mut i = 0;
        while i < w.len() {
            let Some(start) = number(&w[i]) else { break };
            match w.get(i + 1) {
                Some(Object::Array(list)) => {
                    for (k, v) in list.iter().enumerate() {
                        if let Some(v) = number(v) {
                            map.insert(start as u32 + k as u32, v);
                        }
                    }
                    i += 2;
                }
                Some(end) => {
                    let (Some(end), Some(v)) = (number(end), w.get(i + 2).and_then(number)) else {
                        break;
                    };
                    // A range of tens of thousands of CIDs is a font's own business; cap it.
                    for c in (start as u32)..=(end as u32).min(start as u32 + 65_535) {
                        map.insert(c, v);
                    }
                    i += 3;
                }
                None => break,
            }
        }
        return Some(Widths::Cid {
            widths: map,
            default,
        });
    }
    let list: Vec<f64> = array(font, b"Widths")?
        .iter()
        .map(|o| number(o).unwrap_or(0.0))
        .collect();
    let first = font
        .get_deref(b"FirstChar", doc)
        .ok()
        .and_then(number)
        .unwrap_or(0.0) as usize;
    let missing = font
        .get_deref(b"FontDescriptor", doc)
        .ok()
        .and_then(|d| d.as_dict().ok())
        .and_then(|d| d.get(b"MissingWidth").ok())
        .and_then(number)
        .unwrap_or(0.0);
    Some(Widths::Simple {
        first,
        widths: list,
        missing,
    })
}

/// A font's decoder: composite fonts through lopdf's encoding; simple fonts through a table
/// built from the base encoding, then the `Differences`, then the `ToUnicode` map.
pub(super) fn decoder<'a>(doc: &'a Document, font: &'a lopdf::Dictionary) -> Decoder<'a> {
    if font.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type0") {
        return match font.get_font_encoding(doc) {
            Ok(enc) => Decoder::Composite(enc),
            Err(_) => Decoder::Simple(vec![String::new(); 256]),
        };
    }
    let encoding = font.get_deref(b"Encoding", doc).ok();
    let base = match encoding {
        Some(Object::Name(n)) => Some(n.clone()),
        Some(Object::Dictionary(d)) => d
            .get(b"BaseEncoding")
            .and_then(Object::as_name)
            .map(<[u8]>::to_vec)
            .ok(),
        _ => None,
    };
    // No base encoding named: the font program's own (TeX's fonts put ligatures and dashes
    // at codes of their own), else WinAnsi.
    let mut table = match base {
        Some(name) => one_byte_table(doc, &name),
        None => {
            let mut table = one_byte_table(doc, b"WinAnsiEncoding");
            for (code, name) in builtin_encoding(doc, font) {
                if let Some(s) = glyph(&name) {
                    table[code] = s;
                }
            }
            table
        }
    };
    if let Some(Object::Dictionary(d)) = encoding
        && let Ok(diffs) = d.get(b"Differences").and_then(Object::as_array)
    {
        let mut code = 0usize;
        for item in diffs {
            match item {
                Object::Integer(i) => code = (*i).clamp(0, 255) as usize,
                Object::Name(name) => {
                    if code < 256
                        && let Some(s) = glyph(&String::from_utf8_lossy(name))
                    {
                        table[code] = s;
                    }
                    code += 1;
                }
                _ => {}
            }
        }
    }
    // The ToUnicode map, where the font has one, says best what each code means.
    if let Ok(to_unicode) = font.get(b"ToUnicode") {
        let mut only_map = lopdf::Dictionary::new();
        only_map.set("Type", Object::Name(b"Font".to_vec()));
        only_map.set("ToUnicode", to_unicode.clone());
        if let Ok(enc @ Encoding::UnicodeMapEncoding(_)) = only_map.get_font_encoding(doc) {
            for (code, entry) in table.iter_mut().enumerate() {
                if let Ok(s) = enc.bytes_to_string(&[code as u8])
                    && !s.is_empty()
                    && !s.contains('\u{fffd}')
                {
                    *entry = s;
                }
            }
        }
    }
    Decoder::Simple(table)
}

/// The built-in encoding of an embedded Type 1 font program: the `dup <code> /<name> put`
/// entries of its clear-text part.
pub(super) fn builtin_encoding(doc: &Document, font: &lopdf::Dictionary) -> Vec<(usize, String)> {
    let Some(program) = font
        .get_deref(b"FontDescriptor", doc)
        .ok()
        .and_then(|d| d.as_dict().ok())
        .and_then(|d| d.get_deref(b"FontFile", doc).ok())
        .and_then(|o| o.as_stream().ok())
    else {
        return Vec::new();
    };
    let bytes = program
        .decompressed_content()
        .unwrap_or_else(|_| program.content.clone());
    // The clear-text part ends where the encrypted part begins.
    let clear = program
        .dict
        .get(b"Length1")
        .ok()
        .and_then(num)
        .map_or(bytes.len(), |n| (n as usize).min(bytes.len()));
    let text = String::from_utf8_lossy(&bytes[..clear]);
    let Some(start) = text.find("/Encoding") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut words = text[start..].split_whitespace();
    while let Some(w) = words.next() {
        if w == "readonly" || w == "def" && !out.is_empty() {
            break;
        }
        if w == "dup"
            && let (Some(code), Some(name)) = (words.next(), words.next())
            && let (Ok(code), Some(name)) = (code.parse::<usize>(), name.strip_prefix('/'))
            && code < 256
        {
            out.push((code, name.to_string()));
        }
    }
    out
}

/// The 256 entries of a named one-byte encoding (WinAnsi for anything lopdf does not know).
pub(super) fn one_byte_table(doc: &Document, name: &[u8]) -> Vec<String> {
    let mut named = lopdf::Dictionary::new();
    named.set("Type", Object::Name(b"Font".to_vec()));
    let known = matches!(
        name,
        b"StandardEncoding" | b"MacRomanEncoding" | b"WinAnsiEncoding" | b"MacExpertEncoding"
    );
    named.set(
        "Encoding",
        Object::Name(if known {
            name.to_vec()
        } else {
            b"WinAnsiEncoding".to_vec()
        }),
    );
    match named.get_font_encoding(doc) {
        Ok(enc) => (0..=255u8)
            .map(|b| enc.bytes_to_string(&[b]).unwrap_or_default())
            .collect(),
        Err(_) => (0..=255u8).map(|b| char::from(b).to_string()).collect(),
    }
}

/// The text of a glyph name: the Adobe names of the letters, digits, punctuation and
/// ligatures papers use, `uniXXXX` names, and accented letters by their parts.
pub(super) fn glyph(name: &str) -> Option<String> {
    let name = name.split('.').next().unwrap_or(name);
    if name.chars().count() == 1 && name.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(name.to_string());
    }
    if let Some(hex) = name.strip_prefix("uni")
        && hex.len() >= 4
    {
        return hex
            .as_bytes()
            .chunks(4)
            .map(|c| {
                u32::from_str_radix(std::str::from_utf8(c).ok()?, 16)
                    .ok()
                    .and_then(char::from_u32)
            })
            .collect();
    }
    let known = match name {
        "space" | "nbspace" => " ",
        "zero" => "0",
        "one" => "1",
        "two" => "2",
        "three" => "3",
        "four" => "4",
        "five" => "5",
        "six" => "6",
        "seven" => "7",
        "eight" => "8",
        "nine" => "9",
        "ff" => "ff",
        "fi" => "fi",
        "fl" => "fl",
        "ffi" => "ffi",
        "ffl" => "ffl",
        "period" => ".",
        "comma" => ",",
        "colon" => ":",
        "semicolon" => ";",
        "hyphen" | "minus" | "sfthyphen" => "-",
        "endash" => "–",
        "emdash" => "—",
        "parenleft" => "(",
        "parenright" => ")",
        "bracketleft" => "[",
        "bracketright" => "]",
        "braceleft" => "{",
        "braceright" => "}",
        "slash" => "/",
        "backslash" => "\\",
        "quoteright" | "quotesingle" => "'",
        "quoteleft" => "‘",
        "quotedbl" => "\"",
        "quotedblleft" => "“",
        "quotedblright" => "”",
        "exclam" => "!",
        "question" => "?",
        "ampersand" => "&",
        "at" => "@",
        "numbersign" => "#",
        "dollar" => "$",
        "percent" => "%",
        "asterisk" => "*",
        "plus" => "+",
        "equal" => "=",
        "less" => "<",
        "greater" => ">",
        "underscore" => "_",
        "bar" => "|",
        "asciitilde" => "~",
        "asciicircum" => "^",
        "grave" => "`",
        "bullet" => "•",
        "periodcentered" => "·",
        "section" => "§",
        "paragraph" => "¶",
        "degree" => "°",
        "multiply" => "×",
        "copyright" => "©",
        "registered" => "®",
        "dagger" => "†",
        "daggerdbl" => "‡",
        "ellipsis" => "…",
        "germandbls" => "ß",
        "dotlessi" => "ı",
        _ => return accented(name),
    };
    Some(known.to_string())
}

/// "eacute" → "é": a letter and the name of its accent.
pub(super) fn accented(name: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    const MARKS: &[(&str, char)] = &[
        ("acute", '\u{301}'),
        ("grave", '\u{300}'),
        ("circumflex", '\u{302}'),
        ("dieresis", '\u{308}'),
        ("tilde", '\u{303}'),
        ("cedilla", '\u{327}'),
        ("ring", '\u{30a}'),
        ("caron", '\u{30c}'),
        ("macron", '\u{304}'),
        ("breve", '\u{306}'),
        ("dotaccent", '\u{307}'),
        ("ogonek", '\u{328}'),
        ("hungarumlaut", '\u{30b}'),
    ];
    let mut chars = name.chars();
    let letter = chars.next().filter(char::is_ascii_alphabetic)?;
    let rest = chars.as_str();
    let mark = MARKS.iter().find(|(n, _)| *n == rest)?.1;
    Some([letter, mark].iter().collect::<String>().nfc().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyph_names_become_text() {
        assert_eq!(glyph("ffi").as_deref(), Some("ffi"));
        assert_eq!(glyph("seven").as_deref(), Some("7"));
        assert_eq!(glyph("uni00E9").as_deref(), Some("é"));
        assert_eq!(glyph("eacute").as_deref(), Some("é"));
        assert_eq!(glyph("Q").as_deref(), Some("Q"));
        assert_eq!(glyph("a.sc").as_deref(), Some("a"));
        assert_eq!(glyph("unknownname"), None);
    }
}
