//! The text of a PDF page, in reading order of its content stream, with the words apart.
//!
//! lopdf reads the objects, the content streams and the font encodings; this lays the text out:
//! a line break when a text position moves to another line (`Tm`, `Td`, `T*`, `'`), a space
//! for the kerning gaps that typesetters use instead of space characters (a `TJ` offset below
//! −150/1000 em, integer or real — lopdf's own `extract_text` counts only integers, and runs
//! the words of such papers together), and each simple font's bytes decoded through its
//! `ToUnicode` map, else its `Differences` glyph names (ligatures `ff`, `fi`, `fl`, `ffi`, `ffl`
//! included — lopdf drops the glyphs it has no name for), else its base encoding.
//!
//! Chosen after comparing on real open-access papers (a two-column BMC article, an MDPI
//! article, an arXiv LaTeX preprint; see `tests/fixtures/pdf/SOURCES.md`): `pdf-extract` 0.9
//! spaces words well but decoded the BMC article's digits as other glyphs (`BMBF aãSVÁé©±` for
//! `BMBF 16SV5824` — award numbers are what matter here); lopdf's `extract_text` kept the digits
//! but ran words together and dropped ligatures; `pdf_oxide` 0.3 read all three correctly but
//! brings ~160 crates (≈ 4 minutes of a cold build on two cores, past the test suite's budget).
//! This layer gets all three right on lopdf alone.

mod fonts;

use fonts::{decoder, widths};

use lopdf::content::Content;
use lopdf::{Document, Encoding, Object};
use std::collections::HashMap;

/// A kerning gap (thousandths of an em) wide enough to be a space between words.
const WORD_GAP: f64 = -150.0;

/// The text of every page of `bytes`.
pub fn pages(bytes: &[u8]) -> Result<Vec<String>, String> {
    let doc = Document::load_mem(bytes).map_err(|e| format!("not a readable PDF: {e}"))?;
    let mut out = Vec::new();
    for (_, page_id) in doc.get_pages() {
        out.push(page_text(&doc, page_id).unwrap_or_default());
    }
    Ok(out)
}

/// How one font's string bytes become text.
enum Decoder<'a> {
    /// A simple font: one byte, one entry (empty when nothing is known of the code).
    Simple(Vec<String>),
    /// A composite font (two-byte codes through its `ToUnicode` map).
    Composite(Encoding<'a>),
}

impl Decoder<'_> {
    fn decode(&self, bytes: &[u8]) -> String {
        match self {
            Decoder::Simple(table) => bytes.iter().map(|b| table[*b as usize].as_str()).collect(),
            Decoder::Composite(enc) => enc.bytes_to_string(bytes).unwrap_or_default(),
        }
    }
}

/// How far a font's glyphs advance (thousandths of an em), so that the gap before the next
/// piece of text on a line can be measured: a word space, or the kerning inside a word.
enum Widths {
    /// A simple font's `FirstChar` and `Widths`.
    Simple {
        first: usize,
        widths: Vec<f64>,
        missing: f64,
    },
    /// A composite font with two-byte identity codes: its `W` array and `DW`.
    Cid {
        widths: HashMap<u32, f64>,
        default: f64,
    },
}

impl Widths {
    /// The advance of `bytes` in em (before size and scale), and how many of them are spaces.
    fn advance(&self, bytes: &[u8]) -> (f64, usize) {
        match self {
            Widths::Simple {
                first,
                widths,
                missing,
            } => {
                let w = bytes
                    .iter()
                    .map(|b| {
                        (*b as usize)
                            .checked_sub(*first)
                            .and_then(|i| widths.get(i))
                            .copied()
                            .unwrap_or(*missing)
                    })
                    .sum::<f64>();
                (w / 1000.0, bytes.iter().filter(|b| **b == b' ').count())
            }
            Widths::Cid { widths, default } => {
                let w = bytes
                    .chunks(2)
                    .map(|c| {
                        let code = c.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
                        widths.get(&code).copied().unwrap_or(*default)
                    })
                    .sum::<f64>();
                (w / 1000.0, 0)
            }
        }
    }
}

struct Font<'a> {
    decoder: Decoder<'a>,
    /// None where the font does not say (then a move along the line is taken as a space).
    widths: Option<Widths>,
}

/// Where the text is on the page, as far as spacing needs it (user space, `cm` ignored).
struct Pen {
    size: f64,
    char_spacing: f64,
    word_spacing: f64,
    horizontal: f64,
    /// The text matrix's scale (a `Tm` of `[9 0 0 9 x y]` with a font size of 1 is 9-point).
    scale: f64,
    line_x: f64,
    line_y: f64,
    /// Where the last glyph drawn ended, when that is known.
    x: Option<f64>,
}

impl Pen {
    fn em(&self) -> f64 {
        (self.size * self.scale).abs().max(0.1)
    }

    /// Moves the line start to `(x, y)`: a new line when the baseline moves by more than half
    /// an em (a superscript is not a new line), a space when the gap from the last glyph is
    /// wider than a sixth of an em.
    fn move_to(&mut self, x: f64, y: f64, known_widths: bool, text: &mut String) {
        if (y - self.line_y).abs() > 0.5 * self.em() {
            newline(text);
        } else {
            match self.x {
                Some(end) if known_widths => {
                    let gap = x - end;
                    if gap > self.em() / 6.0 || gap < -2.0 * self.em() {
                        space(text);
                    }
                }
                _ if x > self.line_x => space(text),
                _ => {}
            }
        }
        self.line_x = x;
        self.line_y = y;
        self.x = Some(x);
    }

    fn draw(&mut self, font: &Font, bytes: &[u8]) {
        if let (Some(w), Some(x)) = (&font.widths, self.x) {
            let (ems, spaces) = w.advance(bytes);
            let glyphs = match font.decoder {
                Decoder::Simple(_) => bytes.len(),
                Decoder::Composite(_) => bytes.len() / 2,
            } as f64;
            let advance =
                (ems * self.size + glyphs * self.char_spacing + spaces as f64 * self.word_spacing)
                    * self.horizontal
                    * self.scale;
            self.x = Some(x + advance);
        }
    }

    /// A `TJ` adjustment (thousandths of an em, positive moves left).
    fn shift(&mut self, thousandths: f64) {
        if let Some(x) = self.x {
            self.x = Some(x - thousandths / 1000.0 * self.size * self.horizontal * self.scale);
        }
    }
}

fn newline(text: &mut String) {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
}

fn space(text: &mut String) {
    if !text.is_empty() && !text.ends_with([' ', '\n']) {
        text.push(' ');
    }
}

fn num(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

fn page_text(doc: &Document, page_id: lopdf::ObjectId) -> Result<String, lopdf::Error> {
    let fonts = doc.get_page_fonts(page_id)?;
    let fonts: HashMap<Vec<u8>, Font> = fonts
        .iter()
        .map(|(name, font)| {
            let f = Font {
                decoder: decoder(doc, font),
                widths: widths(doc, font),
            };
            (name.clone(), f)
        })
        .collect();
    let content = Content::decode(&doc.get_page_content(page_id)?)?;
    let mut text = String::new();
    let mut font: Option<&Font> = None;
    let mut pen = Pen {
        size: 1.0,
        char_spacing: 0.0,
        word_spacing: 0.0,
        horizontal: 1.0,
        scale: 1.0,
        line_x: 0.0,
        line_y: 0.0,
        x: None,
    };
    let arg = |args: &[Object], i: usize| args.get(i).and_then(num);
    for op in &content.operations {
        let args = &op.operands;
        let known = font.is_some_and(|f| f.widths.is_some());
        match op.operator.as_str() {
            "BT" => {
                pen.scale = 1.0;
                pen.line_x = 0.0;
                pen.x = None;
            }
            "Tf" => {
                font = args
                    .first()
                    .and_then(|o| o.as_name().ok())
                    .and_then(|n| fonts.get(n));
                pen.size = arg(args, 1).unwrap_or(pen.size);
            }
            "Tc" => pen.char_spacing = arg(args, 0).unwrap_or(0.0),
            "Tw" => pen.word_spacing = arg(args, 0).unwrap_or(0.0),
            "Tz" => pen.horizontal = arg(args, 0).unwrap_or(100.0) / 100.0,
            "Tm" => {
                let (a, b) = (arg(args, 0).unwrap_or(1.0), arg(args, 1).unwrap_or(0.0));
                let (x, y) = (arg(args, 4).unwrap_or(0.0), arg(args, 5).unwrap_or(0.0));
                let first = pen.x.is_none() && text.is_empty();
                pen.scale = a.hypot(b).max(1e-6);
                if first {
                    (pen.line_x, pen.line_y, pen.x) = (x, y, Some(x));
                } else {
                    pen.move_to(x, y, known, &mut text);
                }
            }
            "Td" | "TD" => {
                let (dx, dy) = (arg(args, 0).unwrap_or(0.0), arg(args, 1).unwrap_or(0.0));
                let (x, y) = (pen.line_x + dx * pen.scale, pen.line_y + dy * pen.scale);
                pen.move_to(x, y, known, &mut text);
            }
            "T*" => {
                newline(&mut text);
                pen.x = Some(pen.line_x);
            }
            "Tj" | "'" | "\"" => {
                if op.operator != "Tj" {
                    newline(&mut text);
                    pen.x = Some(pen.line_x);
                }
                if op.operator == "\"" {
                    pen.word_spacing = arg(args, 0).unwrap_or(pen.word_spacing);
                    pen.char_spacing = arg(args, 1).unwrap_or(pen.char_spacing);
                }
                if let (Some(f), Some(Object::String(bytes, _))) = (font, args.last()) {
                    text.push_str(&f.decoder.decode(bytes));
                    pen.draw(f, bytes);
                }
            }
            "TJ" => {
                let Some(f) = font else { continue };
                for item in args
                    .first()
                    .and_then(|a| a.as_array().ok())
                    .into_iter()
                    .flatten()
                {
                    match item {
                        Object::String(bytes, _) => {
                            text.push_str(&f.decoder.decode(bytes));
                            pen.draw(f, bytes);
                        }
                        other => {
                            if let Some(n) = num(other) {
                                if n < WORD_GAP {
                                    space(&mut text);
                                }
                                pen.shift(n);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(text)
}
