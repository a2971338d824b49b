//! Try xrefscan without the network, in one command: a local imitation of all five sources
//! (Crossref, OpenAlex, Europe PMC, publisher pages through a DOI resolver, USAspending) serving
//! generated works, and a full scan of it into `db/demo.sqlite`:
//!
//! ```sh
//! cargo run --release --example imitation              # build, scan, print what to look at
//! cargo run --release --example imitation -- 1000      # a smaller imitation
//! cargo run --release --example imitation -- --serve   # only start the imitation, print its
//!                                                       # URLs and wait (scan it yourself)
//! ```
//!
//! The servers enforce Crossref's polite-pool limits (3 requests/s, 3 in flight), 10
//! requests/s for OpenAlex and the DOI resolver, 5/s for Europe PMC and 1/s per publisher host,
//! and say at the end whether any was exceeded (a 429 answered is counted there too).

#[path = "../tests/common/imitation/mod.rs"]
mod imitation;
#[path = "../tests/common/usaspending.rs"]
mod usaspending;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let serve_only = args.iter().any(|a| a == "--serve");
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(3000);
    let started = std::time::Instant::now();
    let step = |what: &str| eprintln!("[{:>5.1}s] {what}", started.elapsed().as_secs_f64());
    step(&format!(
        "building an imitation of five sources with {n} generated works (a debug build takes \
         a minute; --release a few seconds)…"
    ));
    let d = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let mut corpus = imitation::generate(n, 0x5eed, d("2023-06-01"), d("2025-06-30"));
    step("metadata of the works generated; adding acknowledgment-only works…");
    // Works whose DoD funding only their acknowledgments state (Europe PMC full text or the
    // publisher page), and decoys.
    imitation::add_text_sources(
        &mut corpus,
        n / 10,
        0x7e57,
        d("2023-06-01"),
        d("2025-06-30"),
    );
    // China-linked works whose DoD funding is written only in an acknowledgment no index
    // marks: on the publisher's page, in an open-access PDF or repository page, in a Europe
    // PMC full text no search surfaces. The China-linked sweep finds them.
    imitation::add_ack_only_cases(&mut corpus, n / 10, 0xac4, d("2023-06-01"), d("2025-06-30"));
    // People: repeat collaborators followed by ORCID and OpenAlex ids, namesakes without ids,
    // dual appointments written several ways (see `xrefscan people`).
    let people = imitation::add_people_cases(&mut corpus, d("2023-06-01"));
    let corpus = Arc::new(corpus);
    let terms = xrefscan::sources::europepmc::china_aff_terms();
    let expected = corpus
        .works
        .iter()
        .filter(|w| !people.dois.contains(&w.doi))
        .filter(|w| {
            if w.is_ack_only_case() {
                w.ack_dod
            } else {
                w.should_flag_all_sources(&terms)
            }
        })
        .count()
        + people.dois.len();
    let openalex = imitation::ServerLimits {
        per_second: 10,
        in_flight: 5,
        latency: Duration::from_millis(20),
    };
    let im = imitation::start(corpus.clone(), imitation::CROSSREF_POLITE, openalex).await;
    step(&format!(
        "{} works published 2023-06-01..2025-06-30; a correct scan with every source flags {expected}",
        corpus.works.len()
    ));
    // Publisher and repository hosts allow 4 requests/s here (the scan is told so with
    // --page-rps): the real world spreads pages over hundreds of hosts at 1/s each, this
    // imitation over three.
    let per_host = imitation::ServerLimits {
        per_second: 4,
        in_flight: 2,
        latency: Duration::from_millis(20),
    };
    let epmc = imitation::ServerLimits {
        per_second: 5,
        in_flight: 2,
        latency: Duration::from_millis(20),
    };
    // The DOI resolver is a redirector with a higher limit than a publisher's host.
    let resolver = imitation::ServerLimits {
        per_second: 10,
        in_flight: 5,
        latency: Duration::from_millis(20),
    };
    let text =
        imitation::start_text_sources_with_resolver(corpus.clone(), epmc, per_host, resolver).await;
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
    let urls = [
        ("XREFSCAN_CROSSREF_URL", im.crossref_url.clone()),
        ("XREFSCAN_OPENALEX_URL", im.openalex_url.clone()),
        ("XREFSCAN_EUROPEPMC_URL", text.europepmc_url.clone()),
        ("XREFSCAN_DOI_RESOLVER", text.resolver_url.clone()),
        ("XREFSCAN_USASPENDING_URL", usa.url()),
        ("XREFSCAN_MAILTO", "you@example.org".to_string()),
    ];
    step("the five sources are answering on 127.0.0.1");
    if serve_only {
        for (k, v) in &urls {
            println!("export {k}={v}");
        }
        println!("then: cargo run --release -- scan --from 2023-06-01 --to 2025-06-30");
        println!("Ctrl-C to stop.");
        tokio::signal::ctrl_c().await.ok();
    } else {
        // The scan, as `xrefscan scan` runs it (its progress lines on this terminal).
        let db = std::path::PathBuf::from("db/demo.sqlite");
        for suffix in ["", "-wal", "-shm", ".lock"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        // `xrefscan scan --from 2023-06-01 --to 2025-06-30 --ack-budget 10000 --page-rps 4
        // --page-concurrency 2` with the URLs above: the library's defaults, as the command
        // line's.
        let mut opts = xrefscan::scan::ScanOptions::default();
        for (k, v) in &urls {
            match *k {
                "XREFSCAN_CROSSREF_URL" => opts.crossref.base_url = v.clone(),
                "XREFSCAN_OPENALEX_URL" => opts.openalex.base_url = v.clone(),
                "XREFSCAN_EUROPEPMC_URL" => opts.europepmc.base_url = v.clone(),
                "XREFSCAN_DOI_RESOLVER" => opts.pages.resolver = v.clone(),
                "XREFSCAN_USASPENDING_URL" => opts.awards.cfg.base_url = v.clone(),
                _ => opts = opts.with_mailto(v),
            }
        }
        opts.ack_budget = 10_000;
        opts.pages.per_host = xrefscan::sources::http::Limits {
            requests_per_second: 4.0,
            concurrency: 2,
        };
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            opts.progress = xrefscan::scan::ProgressTo::Stderr;
        }
        let opts = opts.checked().expect("valid options");
        step(&format!("scanning into {} …", db.display()));
        let summary = xrefscan::scan::run(&db, opts)
            .await
            .expect("the scan of the imitation");
        println!("{summary}");
        println!(
            "\nThe imitation holds {expected} papers a correct scan flags; this scan flagged {}.",
            summary.flagged
        );
        println!("Look at them:");
        println!(
            "  cargo run --release -- --db {} serve                 # http://localhost:8640/",
            db.display()
        );
        println!(
            "  cargo run --release -- --db {} export --out flagged.xlsx",
            db.display()
        );
        println!("  cargo run --release -- --db {} awards", db.display());
        println!("  cargo run --release -- --db {} stats", db.display());
        println!(
            "  cargo run --release -- --db {} people          # repeat collaborators (Li Na, 5 papers), {} dual appointments",
            db.display(),
            people.dual.len()
        );
    }
    let hosts = [
        ("crossref", &im.crossref),
        ("openalex", &im.openalex),
        ("europepmc", &text.europepmc),
        ("doi resolver", &text.resolver),
        ("publisher 1", &text.publishers[0]),
        ("publisher 2", &text.publishers[1]),
        ("open-access host", &text.open_access),
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
