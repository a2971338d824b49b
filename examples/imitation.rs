//! Try xrefscan by hand against a local imitation of Crossref and OpenAlex (no network needed):
//!
//! ```sh
//! cargo run --example imitation            # prints the two URLs and waits
//! XREFSCAN_CROSSREF_URL=… XREFSCAN_OPENALEX_URL=… XREFSCAN_MAILTO=you@example.org \
//!   cargo run -- scan --from 2023-06-01 --to 2025-06-30
//! ```
//!
//! The servers enforce Crossref's polite-pool limits (3 requests/s, 3 in flight) and 10
//! requests/s for OpenAlex, and print any violation when you stop them with Ctrl-C.

#[path = "../tests/support/imitation.rs"]
mod imitation;

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
    let corpus = Arc::new(imitation::generate(
        n,
        0x5eed,
        d("2023-06-01"),
        d("2025-06-30"),
    ));
    let expected = corpus.works.iter().filter(|w| w.should_flag()).count();
    let openalex = imitation::ServerLimits {
        per_second: 10,
        in_flight: 5,
        latency: Duration::from_millis(20),
    };
    let im = imitation::start(corpus, imitation::CROSSREF_POLITE, openalex).await;
    println!("{n} works published 2023-06-01..2025-06-30; a correct scan flags {expected}.");
    println!("export XREFSCAN_CROSSREF_URL={}", im.crossref_url);
    println!("export XREFSCAN_OPENALEX_URL={}", im.openalex_url);
    println!("export XREFSCAN_MAILTO=you@example.org");
    println!("Ctrl-C to stop.");
    tokio::signal::ctrl_c().await.ok();
    for (name, c) in [("crossref", &im.crossref), ("openalex", &im.openalex)] {
        println!(
            "{name}: {} requests, {} over the rate limit, {} over the in-flight cap",
            c.requests.load(Ordering::SeqCst),
            c.rate_violations.load(Ordering::SeqCst),
            c.concurrency_violations.load(Ordering::SeqCst)
        );
    }
}
