//! DoD funding in free text (acknowledgments, funding statements): names and award numbers
//! with the spans they came from, and what was set aside and why.

use super::words::{ABBREVIATIONS, TEXT_CONTEXT};
use super::*;
use crate::classify::text::Hit;
use crate::classify::text::Mapped;
use std::collections::HashMap;

/// A piece of the input text and where it is (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// One reason a text acknowledges DoD funding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextMatch {
    pub component: String,
    pub group: String,
    pub via: Via,
    pub span: Span,
}

/// A DoD name or number found in the text and set aside, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    pub span: Span,
    pub reason: &'static str,
}

/// The decision for one funding or acknowledgment text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextFunding {
    pub dod: bool,
    pub matches: Vec<TextMatch>,
    pub awards: Vec<Award>,
    pub ignored: Vec<Ignored>,
}

impl TextFunding {
    /// Distinct components, in order of first mention.
    pub fn components(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for m in &self.matches {
            if !seen.contains(&m.component.as_str()) {
                seen.push(m.component.as_str());
            }
        }
        seen
    }
}

impl DodClassifier {
    /// DoD funding stated in free text (an acknowledgment or funding statement): component
    /// names and acronyms, and award numbers, each with the span of the text it came from.
    ///
    /// A name counts only inside a sentence that speaks of funding (supported, funded, grant,
    /// award, contract, fellowship, …) or that carries a DoD award number: thanking an NRL
    /// colleague for discussions is not funding. Weak acronyms (`ARO`, `MDA`, `NRL`) also need
    /// a US-defense word or a DoD award number near them. The DoD disclaimer ("the views …
    /// should not be interpreted as representing the official policies of the Department of
    /// the Army") is not funding: hits after its opening word are set aside.
    pub fn classify_text(&self, input: &str) -> TextFunding {
        let mapped = Mapped::new(input);
        let text = dehyphen(mapped.text.clone());
        let text = text.as_str();
        let span = |s: usize, e: usize| {
            let (a, b) = mapped.span(s, e, input);
            Span {
                start: a,
                end: b,
                text: input[a..b].to_string(),
            }
        };
        let awards = self.parse_awards(input);
        let sentences = sentences(text);
        let sentence_of = |pos: usize| {
            let k = sentences.partition_point(|&(s, _)| s <= pos);
            match k.checked_sub(1).map(|i| sentences[i]) {
                Some((s, e)) if pos < e.max(s + 1) => (s, e),
                _ => (0, text.len()),
            }
        };
        // Awards are located in the input; map their starts into the normalised text (in
        // order, as the awards are).
        let award_at: Vec<usize> = awards.iter().map(|a| mapped.position_of(a.start)).collect();
        let award_in = |(s, e): (usize, usize)| {
            let k = award_at.partition_point(|&p| p < s);
            award_at.get(k).is_some_and(|&p| p < e)
        };
        // What a sentence says is worked out once, however many names it holds: a page
        // without full stops is one long sentence.
        let facts: std::cell::RefCell<HashMap<Sentence, SentenceFacts>> = Default::default();
        let sentence_facts = |sentence: (usize, usize)| {
            *facts.borrow_mut().entry(sentence).or_insert_with(|| {
                let (s, e) = sentence;
                (
                    self.disclaimer.find(&text[s..e]).map(|m| s + m.start()),
                    self.speaks_of_funding(&text[s..e]),
                )
            })
        };
        let disclaimer_from = |sentence: (usize, usize)| sentence_facts(sentence).0;
        let mut out = TextFunding::default();
        let hits = self.select(text);
        for h in &hits {
            let NameTerm::Alias {
                component,
                strength,
            } = self.name_terms[h.pattern]
            else {
                continue;
            };
            let sentence = sentence_of(h.start);
            let here = span(h.start, h.end);
            if disclaimer_from(sentence).is_some_and(|d| h.start >= d) {
                out.ignored.push(Ignored {
                    span: here,
                    reason: "inside the DoD disclaimer (not funding)",
                });
                continue;
            }
            let award_nearby = award_in(sentence);
            let foreign = self.qualified_by_another_country(text, &hits, h);
            if foreign {
                out.ignored.push(Ignored {
                    span: here,
                    reason: "named with another country (not the US DoD)",
                });
                continue;
            }
            if strength == Strength::Weak {
                let context_near =
                    near(&hits, h.start.saturating_sub(NEAR), h.end + NEAR).any(|o| {
                        o != h
                            && (o.start.abs_diff(h.end) <= 60 || h.start.abs_diff(o.end) <= 60)
                            && o.start >= sentence.0
                            && o.end <= sentence.1
                            && match self.name_terms[o.pattern] {
                                NameTerm::Context => TEXT_CONTEXT.contains(&&text[o.start..o.end]),
                                NameTerm::Alias { strength, .. } => strength == Strength::Strong,
                                _ => false,
                            }
                    });
                if !(award_nearby || context_near) {
                    out.ignored.push(Ignored {
                        span: here,
                        reason: "ambiguous acronym without a US-defense word or DoD award nearby",
                    });
                    continue;
                }
            }
            if !(award_nearby || sentence_facts(sentence).1) {
                out.ignored.push(Ignored {
                    span: here,
                    reason: "named in a sentence that does not speak of funding",
                });
                continue;
            }
            let (name, group) = &self.components[component];
            out.matches.push(TextMatch {
                component: name.clone(),
                group: group.clone(),
                via: Via::Name,
                span: here,
            });
        }
        for (a, &at) in awards.into_iter().zip(&award_at) {
            let sentence = sentence_of(at);
            let here = Span {
                start: a.start,
                end: a.end,
                text: a.text.clone(),
            };
            if disclaimer_from(sentence).is_some_and(|d| at >= d) {
                out.ignored.push(Ignored {
                    span: here,
                    reason: "inside the DoD disclaimer (not funding)",
                });
                continue;
            }
            out.matches.push(TextMatch {
                component: a.group.clone(),
                group: a.group.clone(),
                via: Via::Award,
                span: here,
            });
            out.awards.push(a);
        }
        out.matches.sort_by_key(|m| m.span.start);
        out.dod = !out.matches.is_empty();
        out
    }

    /// Whether the name `h` is qualified by a country other than the US, before it
    /// ("Australian Department of Defence", "the Korean Ministry of …") or right after it
    /// ("Department of Defense of Australia", "Department of Defense, Republic of Korea",
    /// "Department of Defense (Taiwan)"): then it is not the US DoD.
    fn qualified_by_another_country(&self, text: &str, hits: &[Hit], h: &Hit) -> bool {
        let is_foreign = |o: &&Hit| matches!(self.name_terms[o.pattern], NameTerm::Foreign);
        let before = near(hits, h.start.saturating_sub(NEAR), h.start)
            .filter(is_foreign)
            .any(|o| {
                o.end <= h.start && {
                    let gap = &text[o.end..h.start];
                    gap.len() <= 30
                        && gap.split_whitespace().count() <= 2
                        && !gap.contains([',', ';', '(', ')'])
                        && !gap.contains(" and ")
                }
            });
        if before {
            return true;
        }
        // Right after: "of (the) X", ", X", "(X)", " - X", where X ends the phrase.
        let after = &text[h.end..];
        let lead = ["'s ", " of the ", " of ", ", ", " (", " - ", " – ", "/"]
            .iter()
            .find(|l| after.starts_with(**l))
            .map(|l| h.end + l.len());
        let Some(at) = lead else { return false };
        near(hits, at, at + 1).filter(is_foreign).any(|o| {
            o.start == at && {
                let rest = text[o.end..].trim_start();
                rest.is_empty()
                    || rest.starts_with([')', '.', ',', ';', ':', ']'])
                    || rest.starts_with("and ")
                    || rest.starts_with("under ")
                    || rest.starts_with("grant")
                    || rest.starts_with("for ")
            }
        })
    }

    /// Whether a sentence speaks of funding once help that is not money ("technical support
    /// from", "managerial support") is set aside.
    fn speaks_of_funding(&self, sentence: &str) -> bool {
        let money = self.non_funding_support.replace_all(sentence, " ");
        self.funding_cue.is_match(&money)
    }
}

/// A sentence of the normalised text, as a byte range.
type Sentence = (usize, usize);

/// Where a sentence's DoD disclaimer starts, if it has one, and whether it speaks of funding.
type SentenceFacts = (Option<usize>, bool);

/// How far around a name its qualifiers and context words are looked for, in bytes of the
/// normalised text (the longest qualifier and a gap of 60).
const NEAR: usize = 160;

/// The hits (sorted by start) that start in `[from, to)`.
fn near(hits: &[Hit], from: usize, to: usize) -> impl Iterator<Item = &Hit> {
    let a = hits.partition_point(|o| o.start < from);
    let b = hits.partition_point(|o| o.start < to);
    hits[a..b.max(a)].iter()
}

/// Sentence ranges of a normalised text: split after `.`, `!` or `?` followed by a space,
/// unless the word before the full stop is an abbreviation or an initial.
fn sentences(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !matches!(b, b'.' | b'!' | b'?') || bytes.get(i + 1) != Some(&b' ') {
            continue;
        }
        if b == b'.' {
            let word_start = text[..i]
                .rfind(|c: char| c.is_whitespace() || c == '(' || c == ',')
                .map_or(0, |p| p + 1);
            let word = &text[word_start..i];
            // An initial ("J. Smith") is one capital letter; a number ends a sentence ("used
            // in Section 3. Funded by …").
            let initial = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
            if word.is_empty() || initial || ABBREVIATIONS.contains(&word) {
                continue;
            }
        }
        out.push((start, i + 1));
        start = i + 2;
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}
