//! Parsers never panic on arbitrary input: every parser and classifier is fed mutated copies of
//! the real recorded responses (bytes flipped, cut short, spliced, repeated) and random text.
//! Deterministic (a fixed seed) and bounded in time, so it runs in every CI build; raise
//! `XREFSCAN_FUZZ_ITERATIONS` to search longer by hand.

mod common;

use common::fixture_path;
use common::imitation::Rng;
use std::time::{Duration, Instant};
use xrefscan::classify::china::ChinaClassifier;
use xrefscan::classify::dod::DodClassifier;
use xrefscan::classify::entities::EntityMatcher;
use xrefscan::sources::{crossref, europepmc, html, jats, openalex};

/// One mutation of `seed`: flipped bytes, a cut, a splice, a duplicated span, or structural
/// characters sprinkled in.
fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    match rng.below(6) {
        0 => {
            for _ in 0..1 + rng.below(16) {
                let i = rng.below(v.len());
                if let Some(b) = v.get_mut(i) {
                    *b = rng.next() as u8;
                }
            }
        }
        1 => v.truncate(rng.below(v.len() + 1)),
        2 => {
            let (a, b) = (rng.below(v.len()), rng.below(v.len()));
            let (a, b) = (a.min(b), a.max(b));
            let span = v[a..b].to_vec();
            let at = rng.below(v.len());
            v.splice(at..at, span);
        }
        3 => {
            let a = rng.below(v.len());
            v.drain(a..(a + rng.below(200)).min(v.len()));
        }
        4 => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(v.len() + 1);
                let c = b"{}[]\"<>&;/\\:,\x00\xff"[rng.below(15)];
                v.insert(i, c);
            }
        }
        _ => {
            let n = rng.below(300);
            v = (0..n).map(|_| rng.next() as u8).collect();
        }
    }
    v
}

fn seeds(files: &[&str]) -> Vec<Vec<u8>> {
    files
        .iter()
        .map(|f| std::fs::read(fixture_path(f)).unwrap())
        .collect()
}

fn budget() -> (usize, Duration) {
    let n = std::env::var("XREFSCAN_FUZZ_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    (n, Duration::from_secs(8))
}

/// Feed `f` mutations of the recorded `files`. `f` says whether its input parsed: every
/// recorded file must, unmutated — else a parser that refuses everything would pass.
fn run(name: &str, files: &[&str], seed: u64, f: impl Fn(&[u8]) -> bool) {
    let seeds = seeds(files);
    for (file, bytes) in files.iter().zip(&seeds) {
        assert!(f(bytes), "{name}: the recorded {file} does not parse");
    }
    let (n, limit) = budget();
    let mut rng = Rng(seed);
    let started = Instant::now();
    let mut done = 0;
    for i in 0..n {
        if started.elapsed() > limit {
            break;
        }
        let input = mutate(&mut rng, &seeds[i % seeds.len()]);
        f(&input);
        done += 1;
    }
    assert!(done > 0, "{name}: no input tried");
}

#[test]
fn json_parsers_never_panic() {
    run(
        "crossref",
        &[
            "crossref/dod_works_page.json",
            "crossref/work_messy_funders.json",
            "crossref/cursor_page_1.json",
        ],
        1,
        |b| {
            let page = crossref::parse_page(b).map(|p| {
                p.items
                    .iter()
                    .filter(|i| crossref::parse_item(i.get()).is_ok())
                    .count()
            });
            let single = crossref::parse_single(b);
            matches!(page, Ok(n) if n > 0) || single.is_ok_and(|p| !p.items.is_empty())
        },
    );
    run(
        "openalex",
        &[
            "openalex/work_W2162348455.json",
            "openalex/legacy_page_1.json",
        ],
        2,
        |b| {
            let page = openalex::parse_page(b).map(|p| {
                p.items
                    .iter()
                    .filter(|r| openalex::parse_work(r.get()).is_ok())
                    .count()
            });
            let work = openalex::parse_work(&String::from_utf8_lossy(b));
            matches!(page, Ok(n) if n > 0) || work.is_ok()
        },
    );
    run(
        "europepmc",
        &[
            "europepmc/search_cancer_core.json",
            "europepmc/search_dod_ack.synthetic.json",
        ],
        3,
        |b| {
            europepmc::parse_page(b).is_ok_and(|p| {
                p.items
                    .iter()
                    .filter(|r| europepmc::parse_result(r.get()).is_ok())
                    .count()
                    > 0
            })
        },
    );
}

#[test]
fn xml_and_html_parsers_never_panic() {
    run(
        "jats",
        &[
            "jats/elife06003.xml",
            "jats/elife04490.xml",
            "jats/dod_ack.synthetic.xml",
        ],
        4,
        |b| jats::parse(b).is_ok_and(|t| !t.authors.is_empty()),
    );
    run(
        "html",
        &["html/plos_one_article.html", "html/peerj_oa_article.html"],
        5,
        |b| html::extract(&String::from_utf8_lossy(b)).title.is_some(),
    );
}

#[test]
fn classifiers_never_panic_on_any_text() {
    let (china, dod, entities) = (
        ChinaClassifier::new(),
        DodClassifier::new(),
        EntityMatcher::bundled(),
    );
    run(
        "classifiers",
        &["jats/dod_ack.synthetic.xml", "html/plos_one_article.html"],
        6,
        |b| {
            let text = String::from_utf8_lossy(&b[..b.len().min(4000)]);
            let _ = china.classify_text(&text);
            let f = dod.classify_text(&text);
            for m in &f.matches {
                // Spans always point into the text they came from.
                assert_eq!(&text[m.span.start..m.span.end], m.span.text);
            }
            let _ = entities.find(&text);
            // The recorded texts: the DoD acknowledgment is found in the JATS file.
            f.dod || !text.contains("Office of Naval Research")
        },
    );
}
