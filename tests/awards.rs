//! Issue 11, what the grants are worth: against a local imitation of USAspending built from its
//! API contracts, every resolvable award number DoD-funded papers cite is resolved once, every
//! answer is kept (found, not found, ambiguous), re-runs ask nothing, a killed resolve resumes,
//! and `xrefscan awards` totals are the sum of the distinct resolved awards.

mod common;

use common::{imitation, usaspending};

use common::*;
use imitation::ServerLimits;
use predicates::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use usaspending::{Award, Behaviour};
use xrefscan::model::Source;
use xrefscan::scan;

const FAST: ServerLimits = ServerLimits {
    per_second: 100,
    in_flight: 5,
    latency: Duration::from_millis(2),
};

/// A database scanned from the imitated Crossref and OpenAlex: DoD-funded papers citing award
/// numbers, some of them flagged.
async fn scanned_corpus(dir: &Path) -> (std::path::PathBuf, imitation::Imitation) {
    let (from, to) = (date("2023-06-01"), date("2025-06-30"));
    let corpus = Arc::new(imitation::generate(500, 0xa3a2d, from, to));
    let im = imitation::start(corpus, FAST, FAST).await;
    let db = dir.join("awards.sqlite");
    let mut o = options(
        &im.crossref_url,
        &im.openalex_url,
        &[Source::Crossref, Source::OpenAlex],
    );
    o.crossref_limits.requests_per_second = 80.0;
    let s = scan::run(&db, o).await.unwrap();
    assert!(s.complete(), "{s}");
    (db, im)
}

fn flagged_numbers(db: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare(
            "SELECT DISTINCT a.canonical FROM work_awards a JOIN flags f ON f.work_id = a.work_id
             WHERE f.active = 1 AND a.lookup = 1 ORDER BY a.canonical",
        )
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

fn cited_numbers(db: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare("SELECT DISTINCT canonical FROM work_awards WHERE lookup = 1 ORDER BY canonical")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

/// `(status, award_type, usaspending_id, total_obligation_cents, searched, candidates)` per number.
type Row = (
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    String,
    String,
);

fn ledger(db: &Path) -> BTreeMap<String, Row> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare(
            "SELECT canonical, status, award_type, usaspending_id, total_obligation_cents, searched, candidates
             FROM award_ledger",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            (
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ),
        ))
    })
    .unwrap()
    .map(|r| r.unwrap())
    .collect()
}

fn usaspending_options(db: &Path, url: &str) -> (std::path::PathBuf, scan::ScanOptions) {
    let mut o = options(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        &[Source::UsaSpending],
    );
    o.awards.cfg.base_url = url.to_string();
    o.awards.cfg.batch = 20;
    (db.to_path_buf(), o)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cited_award_is_answered_once_by_group_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _im) = scanned_corpus(dir.path()).await;
    let numbers = cited_numbers(&db);
    assert!(numbers.len() > 60, "{} numbers", numbers.len());
    // The first few numbers get each outcome on purpose; the rest as the imitation decides.
    let mut awards = vec![
        Award::new(&numbers[0], "grant", 123_456_789, "UNIVERSITY OF MARYLAND"),
        Award::new(&numbers[1], "contract", 500_000_001, "RAYTHEON COMPANY"),
        Award::new(&numbers[2], "idv", 7_700, "LEIDOS INC"),
        // numbers[3]: unknown to USAspending.
        Award::new(&numbers[4], "grant", 1_000_000, "STANFORD UNIVERSITY"),
        {
            let mut twin = Award::new(&numbers[4], "grant", 2_000_000, "UNIVERSITY OF UTAH");
            twin.generated_id = format!("ASST_NON_{}_9700", numbers[4]);
            twin
        },
    ];
    awards.extend(usaspending::ledger_for(&numbers[5..]));
    let expected: HashMap<String, Vec<&Award>> = numbers
        .iter()
        .map(|n| {
            (
                n.clone(),
                awards.iter().filter(|a| &a.number == n).collect(),
            )
        })
        .collect();
    // Pages of seven results (the search must page), a 429 or a 500 every eleventh request.
    let usa = usaspending::start(
        awards.clone(),
        Behaviour {
            fault_every: 11,
            page_cap: 7,
            ..Default::default()
        },
    )
    .await;
    let (db, o) = usaspending_options(&db, &usa.url());
    let s = scan::run(&db, o.clone()).await.unwrap();
    assert!(s.complete(), "{s}");
    assert!(usa.counters.faults.load(Ordering::SeqCst) > 0);
    assert_eq!(
        usa.counters.mixed_groups.load(Ordering::SeqCst),
        0,
        "no search mixes award-type groups"
    );
    let got = ledger(&db);
    assert_eq!(got.len(), numbers.len(), "one answer per number");
    let (status, kind, id, cents, searched, _) = &got[&numbers[0]];
    assert_eq!(
        (status.as_str(), kind.as_deref(), *cents),
        ("found", Some("grant"), Some(123_456_789))
    );
    assert_eq!(
        id.as_deref(),
        Some(format!("ASST_NON_{}_097", numbers[0]).as_str())
    );
    assert_eq!(searched, "grants");
    assert_eq!(got[&numbers[1]].1.as_deref(), Some("contract"));
    assert_eq!(got[&numbers[1]].4, "grants, contracts");
    assert_eq!(got[&numbers[2]].1.as_deref(), Some("idv"));
    let (status, _, _, cents, searched, _) = &got[&numbers[3]];
    assert_eq!(status, "not-found");
    assert_eq!(*cents, None, "not found is never $0");
    assert_eq!(searched, "grants, contracts, IDVs");
    let (status, _, _, cents, _, candidates) = &got[&numbers[4]];
    assert_eq!(status, "ambiguous");
    assert_eq!(*cents, None);
    assert_eq!(candidates.lines().count(), 2, "{candidates}");
    assert!(candidates.contains("UNIVERSITY OF UTAH") && candidates.contains("$20,000.00"));
    for n in &numbers {
        let want = match expected[n].len() {
            0 => "not-found",
            1 => "found",
            _ => "ambiguous",
        };
        assert_eq!(got[n].0, want, "{n}");
        if let [a] = expected[n].as_slice() {
            assert_eq!(got[n].3, Some(a.obligation_cents), "{n}: exact cents");
            assert_eq!(got[n].1.as_deref(), Some(a.kind), "{n}");
        }
    }
    // Each number asked once in each group it was searched in; a later group only for numbers
    // the earlier ones did not find.
    let asked = usa.counters.asked.lock().unwrap().clone();
    for n in &numbers {
        let times = asked
            .iter()
            .filter(|a| a.ends_with(&format!(":{n}")))
            .count();
        let groups = got[n].4.split(", ").count();
        // A page beyond the first repeats the question.
        assert!(times >= groups, "{n}: {times} < {groups}");
    }
    let grant_questions: usize = numbers
        .iter()
        .map(|n| asked.iter().filter(|a| **a == format!("grant:{n}")).count())
        .max()
        .unwrap();
    assert!(
        grant_questions <= 3,
        "a number is asked again only by the pages of its batch"
    );

    // Award pages are read for the found awards flagged papers cite whose recipient has a
    // parent (the search says `-C`; only the page names the parent), and only for those.
    let flagged = flagged_numbers(&db);
    let with_pages: Vec<&String> = flagged
        .iter()
        .filter(|n| expected[*n].len() == 1)
        .filter(|n| expected[*n][0].parent_recipient != expected[*n][0].recipient)
        .collect();
    let without_pages =
        flagged.iter().filter(|n| expected[*n].len() == 1).count() - with_pages.len();
    assert!(
        !with_pages.is_empty() && without_pages > 0,
        "both kinds of recipient are cited"
    );
    assert_eq!(
        usa.counters.details.load(Ordering::SeqCst),
        with_pages.len() as u64
    );
    let c = rusqlite::Connection::open(&db).unwrap();
    let parent: Option<String> = c
        .query_row(
            "SELECT parent_recipient FROM award_ledger WHERE canonical = ?1",
            [with_pages[0]],
            |r| r.get(0),
        )
        .unwrap();
    assert!(parent.unwrap().ends_with("(parent)"));
    drop(c);
    // A second run asks nothing.
    let (searches, details) = (
        usa.counters.searches.load(Ordering::SeqCst),
        usa.counters.details.load(Ordering::SeqCst),
    );
    let again = scan::run(&db, o).await.unwrap();
    assert!(again.complete());
    assert_eq!(usa.counters.searches.load(Ordering::SeqCst), searches);
    assert_eq!(usa.counters.details.load(Ordering::SeqCst), details);
    assert_eq!(ledger(&db), got);

    // The summary: the sum of the distinct resolved awards the flagged papers cite, each once.
    let c = rusqlite::Connection::open(&db).unwrap();
    let mut st = c
        .prepare(
            "SELECT DISTINCT a.canonical FROM work_awards a JOIN flags f ON f.work_id = a.work_id
             WHERE f.active = 1 AND a.lookup = 1",
        )
        .unwrap();
    let flagged_awards: Vec<String> = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let want: i64 = flagged_awards
        .iter()
        .filter_map(|n| match expected[n].as_slice() {
            [a] => Some(a.obligation_cents),
            _ => None,
        })
        .sum();
    assert!(want > 0);
    let out = xrefscan(&db)
        .args(["awards", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["obligation_usd"], xrefscan::model::dollars(want));
    assert_eq!(v["awards"], flagged_awards.len());
    let by_recipient: i64 = v["by_recipient"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let d: f64 = g["obligation_usd"].as_str().unwrap().parse().unwrap();
            (d * 100.0).round() as i64
        })
        .sum();
    assert_eq!(by_recipient, want, "the breakdown adds up to the total");
    assert!(
        v["money_means"]
            .as_str()
            .unwrap()
            .contains("not money spent")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paper_citing_an_award_twice_counts_it_once_and_exports_show_the_money() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _im) = scanned_corpus(dir.path()).await;
    let numbers = cited_numbers(&db);
    let awards = usaspending::ledger_for(&numbers);
    let usa = usaspending::start(awards.clone(), Behaviour::default()).await;
    let (db, o) = usaspending_options(&db, &usa.url());
    scan::run(&db, o).await.unwrap();
    let out = dir.path().join("flagged.json");
    xrefscan(&db)
        .args(["export", "--out", out.to_str().unwrap()])
        .assert()
        .success();
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let c = rusqlite::Connection::open(&db).unwrap();
    let mut checked = 0;
    for row in &rows {
        let doi = row["doi"].as_str().unwrap();
        let cited: Vec<String> = c
            .prepare(
                "SELECT a.canonical FROM work_awards a JOIN works w ON w.id = a.work_id
                 WHERE w.doi = ?1 AND a.lookup = 1",
            )
            .unwrap()
            .query_map([doi], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let found: Vec<&Award> = cited
            .iter()
            .filter_map(|n| {
                let same: Vec<&Award> = awards.iter().filter(|a| &a.number == n).collect();
                (same.len() == 1).then(|| same[0])
            })
            .collect();
        if found.is_empty() {
            assert!(row["award_obligation_usd"].is_null(), "{row}");
            continue;
        }
        let cents: i64 = found.iter().map(|a| a.obligation_cents).sum();
        let got = row["award_obligation_usd"].as_f64().unwrap();
        assert_eq!((got * 100.0).round() as i64, cents, "{doi}");
        let links = row["award_links"].as_array().unwrap();
        assert_eq!(links.len(), found.len());
        assert!(
            links[0]
                .as_str()
                .unwrap()
                .starts_with("https://www.usaspending.gov/award/")
        );
        checked += 1;
    }
    assert!(checked > 5, "{checked} papers with money");
    // The same award cited by the funder record and the acknowledgment is one row per paper.
    let dupes: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM (SELECT work_id, canonical FROM work_awards GROUP BY 1, 2 HAVING COUNT(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(dupes, 0);
    // The canned queries.
    for q in ["award_totals", "awards_by_recipient"] {
        xrefscan(&db)
            .args(["query", q])
            .assert()
            .success()
            .stdout(predicate::str::contains("obligation"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_search_is_recorded_never_read_as_data_and_the_next_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _im) = scanned_corpus(dir.path()).await;
    let numbers = cited_numbers(&db);
    let broken = usaspending::start(
        usaspending::ledger_for(&numbers),
        Behaviour {
            refuse: Some(422),
            ..Default::default()
        },
    )
    .await;
    let (db, o) = usaspending_options(&db, &broken.url());
    let s = scan::run(&db, o.clone()).await.unwrap();
    assert!(!s.complete(), "{s}");
    assert!(ledger(&db).is_empty(), "an error page is never an answer");
    assert!(
        count(
            &db,
            "SELECT COUNT(*) FROM scan_errors WHERE source = 'usaspending' AND message LIKE '%could not be processed%'"
        ) >= 1
    );
    // The command says so and exits 3; a working server later answers everything.
    xrefscan(&db)
        .args(["awards", "resolve"])
        .env("XREFSCAN_USASPENDING_URL", broken.url())
        .env("XREFSCAN_MAX_RETRIES", "1")
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "the next `xrefscan awards resolve` goes on",
        ));
    let good = usaspending::start(usaspending::ledger_for(&numbers), Behaviour::default()).await;
    xrefscan(&db)
        .args(["awards", "resolve"])
        .env("XREFSCAN_USASPENDING_URL", good.url())
        .env("XREFSCAN_USASPENDING_RPS", "50")
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "{} award numbers asked",
            numbers.len()
        )));
    assert_eq!(ledger(&db).len(), numbers.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_award_page_keeps_what_the_search_said_and_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _im) = scanned_corpus(dir.path()).await;
    // Award pages are read for what flagged papers cite.
    let numbers = flagged_numbers(&db);
    let awards = vec![Award::new(
        &numbers[0],
        "grant",
        4_200_000,
        "UNIVERSITY OF MARYLAND",
    )];
    let usa = usaspending::start(
        awards,
        Behaviour {
            bad_pages: true,
            ..Default::default()
        },
    )
    .await;
    let (db, mut o) = usaspending_options(&db, &usa.url());
    o.client.max_attempts = 2;
    let s = scan::run(&db, o).await.unwrap();
    assert!(s.complete(), "one bad page does not stop the ledger: {s}");
    let got = ledger(&db);
    let (status, kind, _, cents, _, _) = &got[&numbers[0]];
    assert_eq!((status.as_str(), kind.as_deref()), ("found", Some("grant")));
    assert_eq!(*cents, Some(4_200_000), "the search's amount");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM scan_errors WHERE source = 'usaspending' AND kind = 'decode'"
        ),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_resolve_resumes_and_ends_like_a_clean_one() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _im) = scanned_corpus(dir.path()).await;
    let clean = dir.path().join("clean.sqlite");
    std::fs::copy(&db, &clean).unwrap();
    let numbers = cited_numbers(&db);
    let awards = usaspending::ledger_for(&numbers);
    let slow = usaspending::start(
        awards.clone(),
        Behaviour {
            delay: Duration::from_millis(60),
            ..Default::default()
        },
    )
    .await;
    let resolve = |db: &Path| {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("xrefscan"));
        c.env_clear()
            .env("XREFSCAN_DB", db)
            .env("XREFSCAN_USASPENDING_URL", slow.url())
            .env("XREFSCAN_USASPENDING_RPS", "50")
            .env("XREFSCAN_USASPENDING_CONCURRENCY", "1")
            .env("XREFSCAN_USASPENDING_BATCH", "4")
            .args(["awards", "resolve"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    let status = resolve(&clean).status().unwrap();
    assert!(status.success());
    let mut child = resolve(&db).spawn().unwrap();
    // Kill it once some answers are kept and many are not.
    let started = std::time::Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let kept = rusqlite::Connection::open(&db)
            .ok()
            .and_then(|c| {
                c.query_row("SELECT COUNT(*) FROM award_ledger", [], |r| {
                    r.get::<_, i64>(0)
                })
                .ok()
            })
            .unwrap_or(0);
        if kept >= 8 || started.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = ledger(&db).len();
    assert!(
        partial > 0 && partial < numbers.len(),
        "{partial} of {}",
        numbers.len()
    );
    let searches_before = slow.counters.searches.load(Ordering::SeqCst);
    assert!(resolve(&db).status().unwrap().success());
    // The resumed run asked only about what the killed one had not kept.
    let resumed_searches = slow.counters.searches.load(Ordering::SeqCst) - searches_before;
    let clean_searches = searches_before; // the clean run and the killed one share the server
    assert!(
        resumed_searches < clean_searches,
        "{resumed_searches} vs {clean_searches}"
    );
    let strip = |l: BTreeMap<String, Row>| l;
    assert_eq!(strip(ledger(&db)), strip(ledger(&clean)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awards_after_a_scan_prints_the_headline_in_one_screen() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _im) = scanned_corpus(dir.path()).await;
    let numbers = cited_numbers(&db);
    let usa = usaspending::start(usaspending::ledger_for(&numbers), Behaviour::default()).await;
    let (db, o) = usaspending_options(&db, &usa.url());
    scan::run(&db, o).await.unwrap();
    let out = xrefscan(&db).arg("awards").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    println!("{text}");
    assert!(text.lines().count() <= 45, "one screen:\n{text}");
    let first = text.lines().next().unwrap();
    assert!(first.contains("flagged papers"), "{text}");
    assert!(text.contains("total obligations: $"), "{text}");
    assert!(text.contains("obligations to date"), "{text}");
    assert!(
        text.contains("by DoD component:") && text.contains("by recipient:"),
        "{text}"
    );
    // Tier and mainland filters narrow the set.
    for args in [
        vec!["awards", "--tier", "1"],
        vec!["awards", "--mainland-only"],
    ] {
        xrefscan(&db).args(&args).assert().success();
    }
    xrefscan(&db)
        .args(["awards", "--tier", "4"])
        .assert()
        .code(2);
    let csv = xrefscan(&db)
        .args(["awards", "--format", "csv"])
        .output()
        .unwrap();
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(
        csv.starts_with("section,name,awards,papers,obligation_usd"),
        "{csv}"
    );
}

/// Issue 21 (6): one definition per figure — the overview, `stats`, `awards` (table, CSV and
/// JSON) say the same awards and the same money; a number not found is never $0; components are
/// named as everywhere else; dismissed papers can be left out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue21_6_every_award_figure_has_one_definition() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _im) = scanned_corpus(dir.path()).await;
    let numbers = cited_numbers(&db);
    let usa = usaspending::start(usaspending::ledger_for(&numbers), Behaviour::default()).await;
    let (db, o) = usaspending_options(&db, &usa.url());
    scan::run(&db, o).await.unwrap();
    let json: serde_json::Value = serde_json::from_slice(
        &xrefscan(&db)
            .args(["awards", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let (awards, found, usd) = (
        json["awards"].as_u64().unwrap(),
        json["found"].as_u64().unwrap(),
        json["obligation_usd"].as_str().unwrap().to_string(),
    );
    assert!(
        json["not_found"].as_u64().unwrap() > 0,
        "the imitation does not know some numbers"
    );
    // The CSV.
    let csv = String::from_utf8(
        xrefscan(&db)
            .args(["awards", "--format", "csv"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let row = |section: &str, name: &str| {
        rows.iter()
            .find(|r| r[0] == section && r[1] == name)
            .unwrap_or_else(|| panic!("{section},{name} in {csv}"))
            .clone()
    };
    assert_eq!(
        row("total", "awards the flagged papers cite")[2],
        awards.to_string()
    );
    assert_eq!(row("status", "found")[2], found.to_string());
    assert_eq!(row("status", "found")[4], usd);
    assert_eq!(
        row("status", "not found")[4],
        "",
        "a number not found has no amount, not $0"
    );
    // The table.
    let table = String::from_utf8(xrefscan(&db).arg("awards").output().unwrap().stdout).unwrap();
    assert!(
        table.contains(&format!("{awards} distinct awards: {found} found")),
        "{table}"
    );
    // stats, and the overview's query.
    let stats = String::from_utf8(xrefscan(&db).arg("stats").output().unwrap().stdout).unwrap();
    let section = stats
        .split("Awards the flagged papers cite")
        .nth(1)
        .expect("stats has the flagged awards")
        .to_string();
    let found_line = section
        .lines()
        .find(|l| l.trim_start().starts_with("found"))
        .unwrap();
    assert!(found_line.contains(&usd), "{found_line} / {usd}");
    let not_found = section
        .lines()
        .find(|l| l.trim_start().starts_with("not found"))
        .unwrap();
    assert!(!not_found.contains("0.00"), "{not_found}");
    let reader = xrefscan::store::Db::open(&db, xrefscan::store::Access::Read).unwrap();
    let (n, cents) = reader.flagged_award_totals().unwrap();
    assert_eq!((n, xrefscan::model::dollars(cents)), (found, usd.clone()));
    // Components are named as the flags name them.
    let labels: std::collections::HashSet<String> = {
        let c = rusqlite::Connection::open(&db).unwrap();
        let mut st = c
            .prepare("SELECT DISTINCT component FROM flag_evidence WHERE kind = 'dod'")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    for g in json["by_component"].as_array().unwrap() {
        let name = g["name"].as_str().unwrap();
        assert!(
            labels.contains(name),
            "{name} is not a component label: {labels:?}"
        );
    }
    // Dismissed papers can be left out.
    let cited_by_flag: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT w.doi FROM works w JOIN flags f ON f.work_id = w.id JOIN work_awards a ON a.work_id = w.id
             WHERE f.active = 1 AND a.lookup = 1 LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    xrefscan(&db)
        .args([
            "review",
            &cited_by_flag,
            "--status",
            "dismissed",
            "--by",
            "test",
        ])
        .assert()
        .success();
    let without: serde_json::Value = serde_json::from_slice(
        &xrefscan(&db)
            .args(["awards", "--format", "json", "--exclude-dismissed"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(
        without["papers"].as_u64().unwrap() + 1,
        json["papers"].as_u64().unwrap()
    );
}
