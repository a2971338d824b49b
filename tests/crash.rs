//! Issue 5's done-ness: a scan against servers that inject faults (429 with Retry-After, 503
//! HTML pages, 500s, bodies cut mid-way, stalls past the timeout), killed with SIGKILL at
//! random moments and restarted until it finishes, ends with the same flags, evidence and
//! reviews as a clean run — no duplicates, no rate-limit violation, no review lost.

mod common;

use common::imitation;

use common::*;
use imitation::ServerLimits;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The four imitated sources.
struct Servers {
    im: imitation::Imitation,
    text: imitation::TextImitation,
}

fn scan_cmd(db: &std::path::Path, srv: &Servers) -> std::process::Command {
    let im = &srv.im;
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("xrefscan"));
    c.env_clear()
        .env("XREFSCAN_DB", db)
        .env("XREFSCAN_SOURCES", "crossref,openalex,europepmc,pages")
        .env("XREFSCAN_EUROPEPMC_URL", &srv.text.europepmc_url)
        .env("XREFSCAN_EUROPEPMC_RPS", "15")
        .env("XREFSCAN_EUROPEPMC_CONCURRENCY", "2")
        .env("XREFSCAN_DOI_RESOLVER", &srv.text.resolver_url)
        .env("XREFSCAN_PAGE_RPS", "20")
        .env("XREFSCAN_PAGE_CONCURRENCY", "2")
        .env("XREFSCAN_RESOLVER_RPS", "20")
        .env("XREFSCAN_RESOLVER_CONCURRENCY", "2")
        .env("XREFSCAN_ACK_BUDGET", "10000")
        .env("XREFSCAN_FULLTEXT_BUDGET", "10000")
        .env("XREFSCAN_CROSSREF_URL", &im.crossref_url)
        .env("XREFSCAN_OPENALEX_URL", &im.openalex_url)
        .env("XREFSCAN_MAILTO", "staff@example.org")
        .env("XREFSCAN_CROSSREF_RPS", "8")
        .env("XREFSCAN_CROSSREF_CONCURRENCY", "3")
        .env("XREFSCAN_CROSSREF_ROWS", "40")
        .env("XREFSCAN_OPENALEX_RPS", "20")
        // Windows cut by their announced counts (pages of 40 make the cuts happen), so a kill
        // can land between a cut and its parts.
        .env("XREFSCAN_SHARD_DAYS", "0")
        .env("XREFSCAN_WAIT", "true")
        .env("XREFSCAN_TIMEOUT", "1")
        .env("XREFSCAN_MAX_RETRIES", "8")
        .args(["scan", "--from", "2023-06-01", "--to", "2025-06-30"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

/// What staff see, without the times of flagging.
fn state(db: &std::path::Path) -> Vec<(String, String, String, String, String)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare(
            "SELECT doi, dod_components || award_numbers, dod_evidence, china_evidence,
                    COALESCE(CAST(tier AS TEXT), '') || entity_hits
             FROM flagged_papers ORDER BY doi",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .map(|r| r.unwrap())
    .collect()
}

/// Start the scan, SIGKILL it after growing delays, then let one run finish. Returns how many
/// times it was killed while still running.
async fn kill_and_finish(db: &std::path::Path, im: &Servers, extra: &[&str]) -> usize {
    let mut kills = 0;
    for delay_ms in [300u64, 800, 1500, 2500, 600, 3500, 5000] {
        let mut c = scan_cmd(db, im);
        c.args(extra);
        let mut child = c.spawn().unwrap();
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        let _ = child.wait();
    }
    let status = tokio::task::spawn_blocking({
        let mut c = scan_cmd(db, im);
        c.args(extra);
        move || c.status().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(0), "the last run finishes");
    kills
}

fn count(db: &std::path::Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_moments_and_restarted_it_ends_like_a_clean_run() {
    let (from, to) = (date("2023-06-01"), date("2025-06-30"));
    let mut corpus = imitation::generate(600, 0xdead, from, to);
    imitation::add_text_sources(&mut corpus, 100, 0xbeef, from, to);
    let corpus = Arc::new(corpus);
    let limits = ServerLimits {
        per_second: 50,
        in_flight: 5,
        latency: Duration::from_millis(15),
    };
    // Text servers allow a few more in flight than the client uses (a stalled request the
    // client gave up on is still being answered) and twice its rate.
    let text_limits = ServerLimits {
        per_second: 40,
        in_flight: 5,
        latency: Duration::from_millis(5),
    };
    let im = Servers {
        im: imitation::start(corpus.clone(), limits, limits).await,
        text: imitation::start_text_sources(corpus.clone(), text_limits, text_limits).await,
    };
    let dir = tempfile::tempdir().unwrap();

    let clean = dir.path().join("clean.sqlite");
    let status = tokio::task::spawn_blocking({
        let mut c = scan_cmd(&clean, &im);
        move || c.status().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(0));
    let expected = state(&clean);
    assert!(expected.len() > 40, "{}", expected.len());

    // From here on the servers misbehave on purpose.
    for c in [
        &im.im.crossref,
        &im.im.openalex,
        &im.text.europepmc,
        &im.text.resolver,
    ]
    .into_iter()
    .chain(im.text.publishers.iter())
    {
        c.fault_per_mille.store(60, Ordering::SeqCst);
    }
    let killed = dir.path().join("killed.sqlite");
    let kills = kill_and_finish(&killed, &im, &[]).await;
    assert!(kills >= 3, "the scan was killed mid-way {kills} times");
    let got = state(&killed);
    if got != expected {
        // Say which papers differ and what the database holds of them.
        let c = rusqlite::Connection::open(&killed).unwrap();
        for (g, e) in got.iter().zip(&expected).filter(|(g, e)| g != e) {
            let held: String = c
                .query_row(
                    "SELECT group_concat(s.source || '@run' || COALESCE(s.run_id, 0) || ' ' || s.fetched_at, ', ')
                         || ' | dirty=' || w.dirty || ' updated ' || w.updated_at
                     FROM works w LEFT JOIN source_records s ON s.work_id = w.id WHERE w.doi = ?1",
                    [&e.0],
                    |r| r.get(0),
                )
                .unwrap_or_default();
            eprintln!(
                "differs: {}\n  got evidence: {}\n  want: {}\n  held: {held}",
                e.0, g.2, e.2
            );
        }
        let runs: Vec<String> = c
            .prepare(
                "SELECT id || ' ' || status || ' ' || COALESCE(finished_at, '') FROM scan_runs",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        eprintln!("runs: {runs:?}");
    }
    assert_eq!(got, expected);

    // A reviewer's decision survives re-scans that are themselves killed mid-way.
    let doi = expected[0].0.clone();
    for db in [&clean, &killed] {
        let mut s = xrefscan::store::Db::open(
            db,
            xrefscan::store::Access::Write {
                command: "test",
                wait: false,
                create: true,
            },
        )
        .unwrap();
        xrefscan::review::decide(
            &mut s,
            xrefscan::review::Paper::Doi(&doi),
            xrefscan::model::ReviewStatus::Dismissed,
            "US-only funding",
            Some("J. Staff"),
            None,
        )
        .unwrap();
    }
    let refresh_kills = kill_and_finish(&killed, &im, &["--refresh"]).await;
    assert!(refresh_kills >= 1, "the refresh was killed mid-way");
    assert_eq!(state(&killed), expected);
    let review = |db: &std::path::Path| -> (String, String, i64) {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row(
                "SELECT review_status, review_note, evidence_changed_since_review
                 FROM flagged_papers WHERE doi = ?1",
                [&doi],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    };
    assert_eq!(
        review(&killed),
        ("dismissed".into(), "US-only funding".into(), 0)
    );
    assert_eq!(review(&killed), review(&clean));
    assert!(
        im.im.crossref.faults_injected.load(Ordering::SeqCst) > 5,
        "faults were injected"
    );
    assert!(im.text.europepmc.faults_injected.load(Ordering::SeqCst) > 0);
    for c in [
        &im.im.crossref,
        &im.im.openalex,
        &im.text.europepmc,
        &im.text.resolver,
    ]
    .into_iter()
    .chain(im.text.publishers.iter())
    {
        assert_eq!(c.rate_violations.load(Ordering::SeqCst), 0);
    }
    // Acknowledgment-only flags are part of what was compared.
    assert!(expected.iter().any(|r| r.2.contains("acknowledgment (")));
    for sql in [
        "SELECT COUNT(*) FROM works",
        "SELECT COUNT(*) FROM source_records",
        "SELECT COUNT(*) FROM affiliations",
        "SELECT COUNT(*) FROM funders",
        "SELECT COUNT(*) FROM flag_evidence",
    ] {
        assert_eq!(count(&killed, sql), count(&clean, sql), "{sql}");
    }
    assert_eq!(
        count(
            &killed,
            "SELECT COUNT(*) FROM (SELECT doi FROM works GROUP BY doi HAVING COUNT(*) > 1)"
        ),
        0
    );
}
