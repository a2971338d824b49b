//! One file per page; what several pages share (marking evidence, the flash line after a
//! redirect, the decision in force as a word) is here.

pub mod card;
pub mod decisions;
pub mod downloads;
pub mod list;
pub mod overview;
pub mod people;

use super::charts;
use super::{App, View};
use crate::model::ReviewStatus;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use std::sync::Arc;

/// Any URL the workspace does not answer.
pub async fn not_found(State(app): State<Arc<App>>) -> Response {
    app.problem(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no such page here.",
    )
}

fn query_suffix(view: &View) -> String {
    let q = view.query();
    if q.is_empty() { q } else { format!("?{q}") }
}

/// `text` escaped, with every occurrence of each of `marks` in `<mark>`, found without regard
/// to (ASCII) case. Occurrences are found in the raw text and each piece escaped on its own, so
/// a matched word can never cut an escape like `&amp;` in two.
fn marked(text: &str, marks: &[&str]) -> String {
    let lower = text.to_ascii_lowercase();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for m in marks {
        let m = m.trim();
        if m.len() < 2 {
            continue;
        }
        let needle = m.to_ascii_lowercase();
        spans.extend(
            lower
                .match_indices(&needle)
                .map(|(i, _)| (i, i + needle.len())),
        );
    }
    spans.sort();
    // Overlapping or touching occurrences are one mark.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let mut out = String::with_capacity(text.len() + 16 * merged.len());
    let mut at = 0;
    for (start, end) in merged {
        out.push_str(&charts::escape(&text[at..start]));
        out.push_str("<mark>");
        out.push_str(&charts::escape(&text[start..end]));
        out.push_str("</mark>");
        at = end;
    }
    out.push_str(&charts::escape(&text[at..]));
    out
}

/// The decision in force as its word (`dismissed`), or "" when there is none.
fn decision_word(review_status: &str) -> String {
    review_status
        .split_whitespace()
        .next()
        .filter(|w| ReviewStatus::parse(w).is_some())
        .unwrap_or("")
        .to_string()
}

/// What a card's flash line says after a redirect (`?saved=…`, `?corrected=1`).
fn flash_of(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes()).find_map(|(k, v)| match k.as_ref() {
        "saved" => ReviewStatus::parse(&v)
            .map(|s| format!("Saved: {}. The list and exports show it.", s.as_str())),
        "corrected" => Some(
            "Correction saved; it applies at the next scan or `xrefscan reclassify`.".to_string(),
        ),
        "undone" => Some(match v.split_once(':') {
            Some((undone, "")) => format!("Undone: {undone}. No decision is in force."),
            Some((undone, now)) => format!("Undone: {undone}. {now} is in force again."),
            None => format!("Undone: {v}."),
        }),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_escaped_and_the_words_that_decided_are_marked_whatever_their_case() {
        let text = "Supported by the Office of Naval Research <b>grant</b> N00014-21-1-2345 & ONR.";
        assert_eq!(
            marked(
                text,
                &[
                    "office of naval research",
                    "N00014-21-1-2345",
                    "amp",
                    "ONR",
                    ""
                ],
            ),
            "Supported by the <mark>Office of Naval Research</mark> &lt;b&gt;grant&lt;/b&gt; \
             <mark>N00014-21-1-2345</mark> &amp; <mark>ONR</mark>."
        );
        // Overlapping matches are one mark; hostile text stays text.
        assert_eq!(
            marked(
                "<script>Army Research Office</script>",
                &["Army Research", "Research Office"]
            ),
            "&lt;script&gt;<mark>Army Research Office</mark>&lt;/script&gt;"
        );
    }
}
