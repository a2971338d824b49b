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
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201b}' | '`' | '\u{b4}' | '\u{2032}' => '\'',
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
            c => c,
        };
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
        let phrases: Vec<String> = phrases
            .into_iter()
            .map(|p| p.as_ref().to_string())
            .collect();
        let bounded = phrases
            .iter()
            .map(|p| p.chars().next().is_some_and(|c| c.is_ascii()))
            .collect();
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&phrases)
            .expect("lexicon phrases build an automaton");
        Lexicon { automaton, bounded }
    }

    /// Non-overlapping whole-word hits, left to right.
    pub fn find(&self, text: &str) -> Vec<Hit> {
        let bytes = text.as_bytes();
        self.automaton
            .find_iter(text)
            .filter(|m| {
                !self.bounded[m.pattern().as_usize()]
                    || (is_boundary_before(bytes, m.start()) && is_boundary_after(bytes, m.end()))
            })
            .map(|m| Hit {
                pattern: m.pattern().as_usize(),
                start: m.start(),
                end: m.end(),
            })
            .collect()
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
}
