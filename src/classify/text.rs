//! Text normalisation and whole-word phrase matching shared by the classifiers.
//!
//! Everything is matched on a normalised copy (NFKC, lower case, typographic quotes folded,
//! white space collapsed) so that full-width punctuation and Chinese-script input behave like
//! their ASCII forms. One Aho-Corasick automaton per lexicon keeps matching linear in the input.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use unicode_normalization::UnicodeNormalization;

/// NFKC, lower case, folded quotes and dashes, single spaces.
pub fn normalize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut last_space = true;
    let mut push = |c: char, out: &mut String| {
        let c = fold(c);
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        } else {
            for l in c.to_lowercase() {
                out.push(l);
            }
            last_space = false;
        }
    };
    if input.is_ascii() {
        for c in input.chars() {
            push(c, &mut out);
        }
    } else {
        for c in input.nfkc() {
            push(c, &mut out);
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The key reviewers' corrections are matched on: the normalised words of an affiliation
/// string without its punctuation, so "…Boston, MA" and "…Boston, MA." are one string.
pub fn affiliation_key(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in normalize(input).chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// A normalised copy of a text that remembers where each of its bytes came from, so a match in
/// the copy can be reported as a span of what the author wrote.
pub struct Mapped {
    pub text: String,
    /// `origin[i]` = byte offset in the input of the character that produced byte `i`.
    origin: Vec<usize>,
    input_len: usize,
}

impl Mapped {
    /// Normalise like [`normalize`], character by character (NFKC per character: full-width
    /// forms fold, combining sequences stay as written).
    pub fn new(input: &str) -> Mapped {
        let mut text = String::with_capacity(input.len());
        let mut origin = Vec::with_capacity(input.len());
        let mut last_space = true;
        let mut push = |at: usize, c: char| {
            let c = fold(c);
            if c.is_whitespace() {
                if !last_space {
                    text.push(' ');
                    origin.push(at);
                    last_space = true;
                }
                return;
            }
            for l in c.to_lowercase() {
                let before = text.len();
                text.push(l);
                origin.extend(std::iter::repeat_n(at, text.len() - before));
            }
            last_space = false;
        };
        for (at, ch) in input.char_indices() {
            if ch.is_ascii() {
                push(at, ch);
            } else {
                let mut buf = [0u8; 4];
                for c in ch.encode_utf8(&mut buf).nfkc() {
                    push(at, c);
                }
            }
        }
        while text.ends_with(' ') {
            text.pop();
            origin.pop();
        }
        Mapped {
            text,
            origin,
            input_len: input.len(),
        }
    }

    /// The first normalised byte produced at or after input offset `at`.
    pub fn position_of(&self, at: usize) -> usize {
        self.origin.partition_point(|&o| o < at)
    }

    /// The input span `[start, end)` that produced normalised bytes `[start, end)`.
    pub fn span(&self, start: usize, end: usize, input: &str) -> (usize, usize) {
        let s = self.origin.get(start).copied().unwrap_or(self.input_len);
        let e = if end == 0 {
            s
        } else {
            let last = self.origin.get(end - 1).copied().unwrap_or(self.input_len);
            last + input[last..].chars().next().map_or(0, char::len_utf8)
        };
        (s, e.max(s))
    }
}

fn fold(c: char) -> char {
    match c {
        // `¿` and U+FFFD stand where a mis-decoded apostrophe was ("People¿s Republic").
        '\u{2018}' | '\u{2019}' | '\u{201b}' | '`' | '\u{b4}' | '\u{2032}' | '\u{bf}'
        | '\u{fffd}' => '\'',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
        c => c,
    }
}

/// A match of one lexicon entry inside a normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub pattern: usize,
    pub start: usize,
    pub end: usize,
}

/// A set of phrases matched as whole words, longest first.
pub struct Lexicon {
    automaton: AhoCorasick,
    /// Built for overlapping search: [`Lexicon::find_all`] instead of [`Lexicon::find`].
    overlapping: bool,
    /// Whether pattern `i` needs word boundaries (false for Chinese script, which has no spaces).
    bounded: Vec<bool>,
}

impl Lexicon {
    /// Build from already-normalised phrases.
    pub fn new<I, S>(phrases: I) -> Lexicon
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self::build(phrases, false)
    }

    /// A lexicon that reports every whole-word match, overlapping ones included, for callers
    /// that choose among them (`U.S. Army` and `Army Research Office` in one phrase).
    pub fn overlapping<I, S>(phrases: I) -> Lexicon
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self::build(phrases, true)
    }

    fn build<I, S>(phrases: I, overlapping: bool) -> Lexicon
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let phrases: Vec<String> = phrases
            .into_iter()
            .map(|p| p.as_ref().to_string())
            .collect();
        let bounded = phrases
            .iter()
            .map(|p| p.chars().next().is_some_and(|c| c.is_ascii()))
            .collect();
        let kind = if overlapping {
            MatchKind::Standard
        } else {
            MatchKind::LeftmostLongest
        };
        let automaton = AhoCorasickBuilder::new()
            .match_kind(kind)
            .build(&phrases)
            .expect("lexicon phrases build an automaton");
        Lexicon {
            automaton,
            overlapping,
            bounded,
        }
    }

    fn whole_word(&self, bytes: &[u8], m: &aho_corasick::Match) -> bool {
        !self.bounded[m.pattern().as_usize()]
            || (is_boundary_before(bytes, m.start()) && is_boundary_after(bytes, m.end()))
    }

    /// Non-overlapping whole-word hits, left to right, the longest at each position.
    pub fn find(&self, text: &str) -> Vec<Hit> {
        assert!(!self.overlapping, "use find_all on an overlapping lexicon");
        let bytes = text.as_bytes();
        self.automaton
            .find_iter(text)
            .filter(|m| self.whole_word(bytes, m))
            .map(hit)
            .collect()
    }

    /// Every whole-word hit, overlapping ones included, ordered by start then longest first.
    pub fn find_all(&self, text: &str) -> Vec<Hit> {
        assert!(self.overlapping, "find_all needs Lexicon::overlapping");
        let bytes = text.as_bytes();
        let mut hits: Vec<Hit> = self
            .automaton
            .find_overlapping_iter(text)
            .filter(|m| self.whole_word(bytes, m))
            .map(hit)
            .collect();
        hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
        hits
    }
}

fn hit(m: aho_corasick::Match) -> Hit {
    Hit {
        pattern: m.pattern().as_usize(),
        start: m.start(),
        end: m.end(),
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

fn is_boundary_before(bytes: &[u8], start: usize) -> bool {
    start == 0 || !is_word_byte(bytes[start - 1]) || !is_word_byte(bytes[start])
}

fn is_boundary_after(bytes: &[u8], end: usize) -> bool {
    end >= bytes.len() || !is_word_byte(bytes[end]) || !is_word_byte(bytes[end - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_folds_width_case_and_quotes() {
        assert_eq!(normalize("Xi’an，ＣＨＩＮＡ"), "xi'an,china");
        assert_eq!(normalize("  Beijing \t 100084  "), "beijing 100084");
    }

    #[test]
    fn lexicon_matches_whole_words_only() {
        let lex = Lexicon::new(["china", "china lake", "中国"]);
        let hits = lex.find("chinatown, china lake, china");
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].pattern, 1);
        assert_eq!(hits[1].pattern, 0);
        assert_eq!(lex.find("北京中国").len(), 1);
    }

    #[test]
    fn mapped_spans_point_back_into_the_input() {
        let input = "Supported by the  Office of Naval Research（ＯＮＲ） under N00014";
        let m = Mapped::new(input);
        assert_eq!(m.text, normalize(input));
        let at = m.text.find("onr").unwrap();
        let (s, e) = m.span(at, at + 3, input);
        assert_eq!(&input[s..e], "ＯＮＲ");
        let at = m.text.find("office").unwrap();
        let (s, e) = m.span(at, at + "office of naval research".len(), input);
        assert_eq!(&input[s..e], "Office of Naval Research");
    }
}
