//! What a scheduled scan costs a night (issue 22): a first scan of a window, then weekly
//! `--since-last` runs while works are registered late and DoD funding is deposited late,
//! against the imitation at Crossref's polite-pool and OpenAlex's limits. Each night's
//! requests are set beside what arrived that night (works registered or given funding) and
//! beside a full re-scan of the window on the last day: a night should cost close to what is
//! new, not a first scan. It checks that the nights end with the full scan's flags.
//!
//! Run with `cargo bench --bench schedule`; it exits non-zero when a night costs more than a
//! quarter of the full re-scan, or when the flags differ.

#[path = "../tests/common/imitation/mod.rs"]
mod imitation;

use imitation::ServerLimits;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

const CROSSREF: ServerLimits = ServerLimits {
    per_second: 3,
    in_flight: 3,
    latency: Duration::from_millis(100),
};
const OPENALEX: ServerLimits = ServerLimits {
    per_second: 100,
    in_flight: 100,
    latency: Duration::from_millis(50),
};

fn scan(db: &std::path::Path, im: &imitation::Imitation, args: &[&str]) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xrefscan"))
        .env_clear()
        .env("XREFSCAN_DB", db)
        .env("XREFSCAN_SOURCES", "crossref,openalex")
        .env("XREFSCAN_CROSSREF_URL", &im.crossref_url)
        .env("XREFSCAN_OPENALEX_URL", &im.openalex_url)
        .env("XREFSCAN_MAILTO", "bench@example.org")
        .env("OPENALEX_API_KEY", "BENCH-KEY")
        .env("XREFSCAN_QUIET", "true")
        // Pages of 50 so that this corpus pages like a real window does (a two-year window of
        // DoD-funded works is ~40 pages of 1,000; here a year is ~80 pages of 50).
        .env("XREFSCAN_CROSSREF_ROWS", "50")
        .arg("scan")
        .args(args)
        .output()
        .expect("xrefscan runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn flagged(db: &std::path::Path) -> std::collections::BTreeSet<String> {
    let c = rusqlite::Connection::open(db).expect("db");
    let mut st = c.prepare("SELECT doi FROM flagged_papers").expect("query");
    st.query_map([], |r| r.get::<_, String>(0))
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let (from, to) = (d("2024-01-01"), d("2024-12-31"));
    let mut corpus = imitation::generate(4000, 0x5c4e, from, to);
    corpus.make_late();
    let corpus = Arc::new(corpus);
    let arrivals = |day: chrono::NaiveDate, since: chrono::NaiveDate| {
        corpus
            .works
            .iter()
            .filter(|w| {
                let l = corpus.late.get(&w.doi);
                let reg = l.map_or(w.date.clone(), |l| l.registered.clone());
                let fund = l.and_then(|l| l.funding.clone());
                let within =
                    |x: &str| x > since.to_string().as_str() && x <= day.to_string().as_str();
                within(&reg) || fund.as_deref().is_some_and(within)
            })
            .count()
    };
    let ok = rt.block_on(async {
        let im = imitation::start(corpus.clone(), CROSSREF, OPENALEX).await;
        let dir = tempfile::tempdir().expect("dir");
        let (db, full) = (dir.path().join("nightly.sqlite"), dir.path().join("full.sqlite"));
        let requests = || {
            im.crossref.requests.load(Ordering::SeqCst) + im.openalex.requests.load(Ordering::SeqCst)
        };
        let first = d("2024-10-01");
        corpus.set_today(&first.to_string());
        let before = requests();
        tokio::task::block_in_place(|| scan(&db, &im, &["--from", "2024-01-01", "--to", "2024-10-01"]));
        println!("first scan to {first}: {} requests", requests() - before);
        let mut day = first;
        let mut worst = 0u64;
        for _ in 0..8 {
            let since = day;
            day = day + chrono::Days::new(7);
            corpus.set_today(&day.to_string());
            let before = requests();
            let ds = day.to_string();
            tokio::task::block_in_place(|| scan(&db, &im, &["--since-last", "--to", &ds]));
            let n = requests() - before;
            worst = worst.max(n);
            println!(
                "night {day}: {n} requests (Crossref and OpenAlex) for {} works registered or given funding that week",
                arrivals(day, since)
            );
        }
        let before = requests();
        let ds = day.to_string();
        tokio::task::block_in_place(|| scan(&full, &im, &["--from", "2024-01-01", "--to", &ds]));
        let rescan = requests() - before;
        let same = flagged(&db) == flagged(&full);
        let ratio = worst as f64 / rescan as f64;
        println!(
            "a full re-scan on {day}: {rescan} requests; the dearest night cost {ratio:.2} of it; flags {}",
            if same { "the same as the full scan's" } else { "DIFFER from the full scan's" }
        );
        same && ratio <= 0.25
    });
    if !ok {
        eprintln!("a night cost more than a quarter of a full re-scan, or its flags differ");
        std::process::exit(1);
    }
}
