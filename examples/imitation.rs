//! Try xrefscan by hand against a local imitation of Crossref and OpenAlex (no network needed):
//!
//! ```sh
//! cargo run --example imitation            # prints the two URLs and waits
//! XREFSCAN_CROSSREF_URL=… XREFSCAN_OPENALEX_URL=… XREFSCAN_EUROPEPMC_URL=… \
//!   XREFSCAN_DOI_RESOLVER=… XREFSCAN_USASPENDING_URL=… XREFSCAN_MAILTO=you@example.org \
//!   cargo run -- scan --from 2023-06-01 --to 2025-06-30
//! ```
//!
//! The servers enforce Crossref's polite-pool limits (3 requests/s, 3 in flight), 10
//! requests/s for OpenAlex, 5/s for Europe PMC and 1/s per publisher host, and print any
//! violation when you stop them with Ctrl-C.

#[path = "../tests/support/imitation.rs"]
mod imitation;
#[path = "../tests/support/usaspending.rs"]
mod usaspending;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3000);
    let d = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let mut corpus = imitation::generate(n, 0x5eed, d("2023-06-01"), d("2025-06-30"));
    // Works whose DoD funding only their acknowledgments state (Europe PMC full text or the
    // publisher page), and decoys.
    imitation::add_text_sources(
        &mut corpus,
        n / 10,
        0x7e57,
        d("2023-06-01"),
        d("2025-06-30"),
    );
    let corpus = Arc::new(corpus);
    let expected = corpus
        .works
        .iter()
        .filter(|w| w.should_flag_all_sources(&xrefscan::sources::europepmc::china_aff_terms()))
        .count();
    let openalex = imitation::ServerLimits {
        per_second: 10,
        in_flight: 5,
        latency: Duration::from_millis(20),
    };
    let im = imitation::start(corpus.clone(), imitation::CROSSREF_POLITE, openalex).await;
    println!(
        "{} works published 2023-06-01..2025-06-30; a correct scan with all four sources flags {expected}.",
        corpus.works.len()
    );
    println!("export XREFSCAN_CROSSREF_URL={}", im.crossref_url);
    println!("export XREFSCAN_OPENALEX_URL={}", im.openalex_url);
    let per_host = imitation::ServerLimits {
        per_second: 1,
        in_flight: 1,
        latency: Duration::from_millis(20),
    };
    let epmc = imitation::ServerLimits {
        per_second: 5,
        in_flight: 2,
        latency: Duration::from_millis(20),
    };
    let text = imitation::start_text_sources(corpus.clone(), epmc, per_host).await;
    println!("export XREFSCAN_EUROPEPMC_URL={}", text.europepmc_url);
    println!("export XREFSCAN_DOI_RESOLVER={}", text.resolver_url);
    // USAspending knows most of the DoD award numbers the corpus cites (some are unknown, some
    // shared by two awards).
    let mut numbers: Vec<String> = corpus
        .works
        .iter()
        .flat_map(|w| {
            let mut text = w.crossref["funder"].to_string();
            text.push_str(w.ack.as_deref().unwrap_or(""));
            usaspending::dod_numbers_in(&text)
        })
        .collect();
    numbers.sort();
    numbers.dedup();
    let usa = usaspending::start(
        usaspending::ledger_for(&numbers),
        usaspending::Behaviour::default(),
    )
    .await;
    println!("export XREFSCAN_USASPENDING_URL={}", usa.url());
    println!("export XREFSCAN_MAILTO=you@example.org");
    println!("Ctrl-C to stop.");
    tokio::signal::ctrl_c().await.ok();
    let hosts = [
        ("crossref", &im.crossref),
        ("openalex", &im.openalex),
        ("europepmc", &text.europepmc),
        ("doi resolver", &text.resolver),
        ("publisher 1", &text.publishers[0]),
        ("publisher 2", &text.publishers[1]),
    ];
    for (name, c) in hosts {
        println!(
            "{name}: {} requests, {} over the rate limit, {} over the in-flight cap",
            c.requests.load(Ordering::SeqCst),
            c.rate_violations.load(Ordering::SeqCst),
            c.concurrency_violations.load(Ordering::SeqCst)
        );
    }
}
