//! Issue 12, the review workspace: `xrefscan serve` over a database scanned from the imitated
//! sources. Staff open the list, narrow it with facets and search, open a paper's evidence card
//! and decide — in a real browser (Debian's chromium driven through chromedriver) — and the
//! decision is the same one the command line and exports see. Writes need the page's token,
//! `--read-only` has no write route, a scan's lock makes a write wait and then say so, and a
//! hostile title stays text.

mod common;

use common::{imitation, usaspending};

use common::*;
use imitation::ServerLimits;
use reqwest::StatusCode;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use xrefscan::model::Source;
use xrefscan::scan;
use xrefscan::web::{App, ServeOptions};

const FAST: ServerLimits = ServerLimits {
    per_second: 200,
    in_flight: 5,
    latency: Duration::from_millis(1),
};

/// A title that would run script, break out of an attribute or a table if printed as markup.
const HOSTILE: &str = r#"Hostile <script>document.title="pwned";window.pwned=1</script><img src=x onerror="window.pwned=2"> "quoted' & </td></tr></table> title"#;

/// One scanned database for every test (each copies it): the imitation's flagged papers, one
/// of them with a hostile title.
fn base_db() -> &'static Path {
    static DB: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, db) = DB.get_or_init(|| {
        std::thread::spawn(|| {
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(scan_imitation())
        })
        .join()
        .unwrap()
    });
    db
}

async fn scan_imitation() -> (tempfile::TempDir, PathBuf) {
    let (from, to) = (date("2023-06-01"), date("2025-06-30"));
    let mut corpus = imitation::generate(400, 0x5e7e, from, to);
    let hostile = corpus
        .works
        .iter_mut()
        .find(|w| w.should_flag())
        .expect("the imitation flags some works");
    hostile.crossref["title"] = serde_json::json!([HOSTILE]);
    if let Some(oa) = hostile.openalex.as_mut() {
        oa["title"] = HOSTILE.into();
        oa["display_name"] = HOSTILE.into();
    }
    // USAspending knows most of the award numbers the corpus cites.
    let mut numbers: Vec<String> = corpus
        .works
        .iter()
        .flat_map(|w| usaspending::dod_numbers_in(&w.crossref["funder"].to_string()))
        .collect();
    numbers.sort();
    numbers.dedup();
    let usa = usaspending::start(
        usaspending::ledger_for(&numbers),
        usaspending::Behaviour::default(),
    )
    .await;
    scan_corpus(corpus, Some(usa.url())).await
}

/// Scan `corpus` from the imitated Crossref and OpenAlex (and USAspending at `usaspending`)
/// into a new database.
async fn scan_corpus(
    corpus: imitation::Corpus,
    usaspending: Option<String>,
) -> (tempfile::TempDir, PathBuf) {
    let im = imitation::start(Arc::new(corpus), FAST, FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("base.sqlite");
    let mut sources = vec![Source::Crossref, Source::OpenAlex];
    if usaspending.is_some() {
        sources.push(Source::UsaSpending);
    }
    let mut o = options(&im.crossref_url, &im.openalex_url, &sources);
    o.crossref_limits.requests_per_second = 150.0;
    o.openalex_limits.requests_per_second = 150.0;
    if let Some(url) = usaspending {
        o.awards.cfg.base_url = url;
    }
    let s = scan::run(&db, o).await.unwrap();
    assert!(s.complete(), "{s}");
    (dir, db)
}

/// A private copy of the scanned database.
fn fresh_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("review.sqlite");
    std::fs::copy(base_db(), &db).unwrap();
    (dir, db)
}

/// Serve `db` on a free loopback port; the base URL and the app (for its token).
async fn serve(db: &Path, read_only: bool) -> (String, Arc<App>) {
    let app = App::new(ServeOptions {
        db: db.to_path_buf(),
        read_only,
        loopback_only: true,
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(xrefscan::web::serve(
        listener,
        app.clone(),
        std::future::pending(),
    ));
    (url, app)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(url: &str) -> (StatusCode, String) {
    let r = http().get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The export's rows as JSON objects, through the binary.
fn exported(db: &Path) -> Vec<serde_json::Value> {
    let out = db.with_extension("export.json");
    xrefscan(db)
        .args(["export", "--out"])
        .arg(&out)
        .assert()
        .success();
    serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
}

fn work_id(db: &Path, doi: &str) -> i64 {
    count(
        db,
        &format!(
            "SELECT id FROM works WHERE doi = '{}'",
            doi.replace('\'', "''")
        ),
    )
}

fn hostile_doi(db: &Path) -> String {
    exported(db)
        .into_iter()
        .find(|r| r["title"] == HOSTILE)
        .expect("the hostile title is flagged")["doi"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_without_the_pages_token_is_refused_and_saves_nothing() {
    let (_dir, db) = fresh_db();
    let (url, app) = serve(&db, false).await;
    let id = work_id(&db, &hostile_doi(&db));
    let post = |body: String| {
        let url = format!("{url}/papers/{id}/review");
        async move {
            http()
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    for body in [
        "status=dismissed&note=forged".to_string(),
        "status=dismissed&note=forged&csrf=".to_string(),
        format!("status=dismissed&note=forged&csrf={}0", &app.token()[1..]),
    ] {
        let r = post(body).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(r.text().await.unwrap().contains("reload the page"));
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM reviews"), 0);
    // The page's own token is accepted.
    let r = post(format!(
        "status=dismissed&note=ok&reviewer=J.+Staff&csrf={}",
        app.token()
    ))
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM reviews"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_serves_no_write_route_and_no_form() {
    let (_dir, db) = fresh_db();
    let (url, app) = serve(&db, true).await;
    let id = work_id(&db, &hostile_doi(&db));
    let (status, card) = get(&format!("{url}/papers/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!card.contains("<form method=\"post\""), "{card}");
    assert!(card.contains("read-only"));
    let r = http()
        .post(format!("{url}/papers/{id}/review"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("status=dismissed&csrf={}", app.token()))
        .send()
        .await
        .unwrap();
    assert!(
        matches!(
            r.status(),
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
        ),
        "{}",
        r.status()
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM reviews"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_addressed_to_another_host_are_refused() {
    let (_dir, db) = fresh_db();
    let (url, _) = serve(&db, false).await;
    // A page on another site that resolves its own name to 127.0.0.1 (DNS rebinding).
    let r = http()
        .get(format!("{url}/papers"))
        .header("host", "attacker.example:8640")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = http()
        .get(format!("{url}/papers"))
        .header("host", "localhost:8640")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_title_is_text_in_every_page_and_download() {
    let (_dir, db) = fresh_db();
    let (url, _) = serve(&db, false).await;
    let id = work_id(&db, &hostile_doi(&db));
    for page in [
        format!("{url}/papers?q=hostile"),
        format!("{url}/papers/{id}"),
    ] {
        let (status, html) = get(&page).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Hostile &lt;script&gt;"), "{page}");
        assert!(!html.contains("<script>document"), "{page}");
        assert!(!html.contains("<img src=x"), "{page}");
    }
    let (_, json) = get(&format!("{url}/papers.json?q=hostile")).await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["title"], HOSTILE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_this_view_gives_the_exports_columns_and_only_the_views_rows() {
    let (_dir, db) = fresh_db();
    let (url, _) = serve(&db, false).await;
    let all = exported(&db);
    let in_view: Vec<&serde_json::Value> = all
        .iter()
        .filter(|r| r["tier"] == 1)
        .filter(|r| {
            r["china_regions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v == "CN")
        })
        .collect();
    assert!(!in_view.is_empty() && in_view.len() < all.len());
    let resp = http()
        .get(format!("{url}/papers.csv?tier=1&region=CN&sort=title"))
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let csv = resp.text().await.unwrap();
    let out = db.with_extension("export.csv");
    xrefscan(&db)
        .args(["export", "--out"])
        .arg(&out)
        .assert()
        .success();
    let whole = std::fs::read_to_string(&out).unwrap();
    assert_eq!(csv.lines().next(), whole.lines().next(), "the same columns");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut dois: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[reader_index(&csv, "doi")].to_string())
        .collect();
    let mut want: Vec<String> = in_view
        .iter()
        .map(|r| r["doi"].as_str().unwrap().to_string())
        .collect();
    dois.sort();
    want.sort();
    assert_eq!(dois, want);
    // The XLSX of the same view is a workbook.
    let xlsx = http()
        .get(format!("{url}/papers.xlsx?tier=1&region=CN"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&xlsx[..2], b"PK");
}

fn reader_index(csv: &str, column: &str) -> usize {
    csv.lines()
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .split(',')
        .position(|c| c == column)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_shows_the_same_figures_as_stats_and_its_bars_lead_to_the_list() {
    let (_dir, db) = fresh_db();
    let (url, _) = serve(&db, false).await;
    let (status, html) = get(&format!("{url}/")).await;
    assert_eq!(status, StatusCode::OK);
    let flagged = exported(&db).len();
    assert!(
        html.contains(&format!("<strong>{flagged}</strong> flagged papers")),
        "{html}"
    );
    let stats = xrefscan(&db).arg("stats").assert().success();
    let stats = String::from_utf8(stats.get_output().stdout.clone()).unwrap();
    // Every component line of `stats` is a bar with the same count.
    let section = stats
        .split("Flagged by DoD component")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap();
    let mut bars = 0;
    for line in section.lines().skip(3) {
        let Some((name, n)) = line.rsplit_once(char::is_whitespace) else {
            continue;
        };
        let (name, n) = (name.trim(), n.trim());
        if n.parse::<usize>().is_err() || name.ends_with('…') {
            continue;
        }
        let escaped = name.replace('&', "&amp;");
        assert!(
            html.contains(&format!("<title>{escaped}: {n}</title>")),
            "{name}: {n} is not a bar of the overview"
        );
        bars += 1;
    }
    assert!(bars > 0, "{section}");
    // The award headline is `xrefscan awards`'s.
    let awards = xrefscan(&db)
        .args(["awards", "--format", "json"])
        .assert()
        .success();
    let awards: serde_json::Value = serde_json::from_slice(&awards.get_output().stdout).unwrap();
    let found = awards["found"].as_u64().unwrap();
    assert!(found > 0);
    let usd: f64 = awards["obligation_usd"].as_str().unwrap().parse().unwrap();
    let shown = xrefscan::model::dollars_grouped((usd * 100.0).round() as i64);
    assert!(
        html.contains(&format!(
            "<strong>{shown}</strong> obligations of {found} acknowledged awards"
        )),
        "{shown} of {found} awards is not the overview's headline"
    );
    // A bar is a link to the list narrowed to it.
    let (_, list) = get(&format!(
        "{url}/papers?component=Navy+%E2%80%BA+Office+of+Naval+Research"
    ))
    .await;
    let navy = exported(&db)
        .iter()
        .filter(|r| {
            r["dod_components"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == "Navy › Office of Naval Research")
        })
        .count();
    assert!(navy > 0);
    assert!(
        list.contains(&format!("<strong id=\"total\">{navy}</strong>")),
        "{list}"
    );
    assert!(html.contains("href=\"/papers?component=Navy+%E2%80%BA+Office+of+Naval+Research\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_made_at_the_command_line_shows_in_the_open_workspace() {
    let (_dir, db) = fresh_db();
    let (url, _) = serve(&db, false).await;
    let doi = hostile_doi(&db);
    let id = work_id(&db, &doi);
    let (_, before) = get(&format!("{url}/papers/{id}")).await;
    assert!(before.contains("No decision yet."));
    let d = db.clone();
    let doi2 = doi.clone();
    tokio::task::spawn_blocking(move || {
        xrefscan(&d)
            .args([
                "review",
                &doi2,
                "--status",
                "confirmed",
                "--note",
                "PLA lab",
                "--by",
                "A. Analyst",
            ])
            .assert()
            .success();
    })
    .await
    .unwrap();
    let (_, after) = get(&format!("{url}/papers/{id}")).await;
    assert!(after.contains("by A. Analyst: PLA lab"), "{after}");
    let (_, list) = get(&format!("{url}/papers?review=confirmed")).await;
    assert!(list.contains("<strong id=\"total\">1</strong>"), "{list}");
    let (_, json) = get(&format!("{url}/papers/{id}.json")).await;
    let card: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(card["paper"]["review_status"], "confirmed");
    assert!(card["evidence"].as_array().unwrap().len() >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_meeting_a_scans_lock_waits_then_says_so_while_reading_goes_on() {
    let (_dir, db) = fresh_db();
    let (url, app) = serve(&db, false).await;
    let id = work_id(&db, &hostile_doi(&db));
    // A scan in the middle of a write transaction.
    let scan = rusqlite::Connection::open(&db).unwrap();
    scan.execute_batch("BEGIN IMMEDIATE; UPDATE works SET title = title WHERE id = 1;")
        .unwrap();
    let (status, _) = get(&format!("{url}/papers")).await;
    assert_eq!(status, StatusCode::OK, "reading goes on during a scan");
    let form = format!(
        "status=needs-info&note=check+the+lab&reviewer=J.+Staff&csrf={}",
        app.token()
    );
    let r = http()
        .post(format!("{url}/papers/{id}/review"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("busy") && page.contains("nothing was saved"),
        "{page}"
    );
    // The note the reviewer typed is not lost from view: the card is shown again.
    assert!(page.contains("id=\"review-form\""));
    scan.execute_batch("COMMIT").unwrap();
    let r = http()
        .post(format!("{url}/papers/{id}/review"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM reviews"), 1);
}

// ---------------------------------------------------------------------------------------------
// In a real browser.

mod browser {
    use super::*;
    use fantoccini::{Client, ClientBuilder, Locator};
    use std::process::{Child, Command, Stdio};

    /// chromedriver on a free port, killed when dropped.
    pub struct Driver {
        child: Child,
        pub url: String,
        _profile: tempfile::TempDir,
    }

    impl Drop for Driver {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn found(var: &str, default: &str) -> PathBuf {
        let p = PathBuf::from(std::env::var(var).unwrap_or_else(|_| default.to_string()));
        assert!(
            p.exists(),
            "{} not found: the browser tests need Debian's chromium and chromium-driver \
             (`sudo apt-get install chromium chromium-driver`; .ci/run installs them), or set {var}",
            p.display()
        );
        p
    }

    pub async fn start() -> (Driver, Client) {
        let driver = found("CHROMEDRIVER", "/usr/bin/chromedriver");
        let chromium = found("CHROMIUM", "/usr/bin/chromium");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver");
        let profile = tempfile::tempdir().unwrap();
        let d = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _profile: profile,
        };
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1400,1000",
                    format!("--user-data-dir={}", d._profile.path().display()),
                ],
            }),
        );
        let mut last = None;
        for _ in 0..100 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&d.url)
                .await
            {
                Ok(c) => return (d, c),
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start a session: {last:?}");
    }

    /// Wait (up to 10 s) until the page's URL satisfies `ok`.
    pub async fn until_url(c: &Client, what: &str, ok: impl Fn(&str) -> bool) -> String {
        for _ in 0..100 {
            let u = c.current_url().await.unwrap().to_string();
            if ok(&u) {
                return u;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{what}: still at {}", c.current_url().await.unwrap());
    }

    pub async fn click(c: &Client, css: &str) {
        c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    pub async fn type_into(c: &Client, css: &str, keys: &str) {
        c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .send_keys(keys)
            .await
            .unwrap();
    }

    pub async fn text(c: &Client, css: &str) -> String {
        c.find(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn js(c: &Client, script: &str) -> serde_json::Value {
        c.execute(script, vec![]).await.unwrap()
    }

    /// The facet count shown beside value `value` of facet `facet`.
    pub async fn facet_count(c: &Client, facet: &str, value: &str) -> usize {
        js(
            c,
            &format!(
                "return document.querySelector('section[data-facet=\"{facet}\"] a[data-value=\"{value}\"]').parentElement.querySelector('.count').textContent"
            ),
        )
        .await
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
    }

    pub async fn screenshot(c: &Client, name: &str) {
        if let Ok(dir) = std::env::var("XREFSCAN_SCREENSHOTS") {
            std::fs::create_dir_all(&dir).unwrap();
            let png = c.screenshot().await.unwrap();
            std::fs::write(Path::new(&dir).join(name), png).unwrap();
        }
    }
}

/// Issue 12's done-ness, in chromium: open the list, apply two facets, search, open a card,
/// dismiss the paper with a note, see the list show it and `xrefscan export` carry it; decide
/// another from the list with the keyboard, and another on its card; a hostile title stays text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_triage_a_paper_in_the_browser_and_the_export_carries_the_decision() {
    use browser::*;
    use fantoccini::Locator;
    let (_dir, db) = fresh_db();
    let (url, _) = serve(&db, false).await;
    let (_driver, c) = start().await;
    let all = exported(&db).len();

    // The list: every flagged paper.
    c.goto(&format!("{url}/papers")).await.unwrap();
    assert_eq!(text(&c, "#total").await, all.to_string());
    screenshot(&c, "list.png").await;

    // Two facets: the count beside each is what the list then holds.
    let cn = facet_count(&c, "region", "CN").await;
    c.find(Locator::Css(
        "section[data-facet=\"region\"] a[data-value=\"CN\"]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    until_url(&c, "region facet", |u| u.contains("region=CN")).await;
    assert_eq!(text(&c, "#total").await, cn.to_string());
    let tier1 = facet_count(&c, "tier", "1").await;
    c.find(Locator::Css(
        "section[data-facet=\"tier\"] a[data-value=\"1\"]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let narrowed = until_url(&c, "tier facet", |u| u.contains("tier=1")).await;
    assert!(
        narrowed.contains("region=CN"),
        "the first facet is kept: {narrowed}"
    );
    assert_eq!(text(&c, "#total").await, tier1.to_string());
    assert!(tier1 > 1 && tier1 < all);
    for tier in c
        .find_all(Locator::Css("tr.paper-row td.tier"))
        .await
        .unwrap()
    {
        assert_eq!(tier.text().await.unwrap(), "1");
    }

    // Search within the view for the second row's DOI.
    let doi = c.find_all(Locator::Css("tr.paper-row .doi")).await.unwrap()[1]
        .text()
        .await
        .unwrap();
    let search = c.find(Locator::Css("input[name=q]")).await.unwrap();
    search.send_keys(&doi).await.unwrap();
    click(&c, "form.search button").await;
    let searched = until_url(&c, "search", |u| u.contains("q=")).await;
    assert!(
        searched.contains("region=CN") && searched.contains("tier=1"),
        "{searched}"
    );
    assert_eq!(text(&c, "#total").await, "1");

    // Its card: the evidence, the DOI, the form.
    click(&c, "tr.paper-row td.title a").await;
    until_url(&c, "card", |u| {
        u.contains("/papers/") && !u.contains("/papers?")
    })
    .await;
    assert!(
        !c.find_all(Locator::Css(".evidence.dod li"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !c.find_all(Locator::Css(".evidence.china li"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !c.find_all(Locator::Css(".evidence mark"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(text(&c, ".links").await.contains(&doi));
    screenshot(&c, "card.png").await;

    // Dismiss it with a note.
    type_into(
        &c,
        "#note",
        "US coauthor holds the grant; the Chinese coauthor is a visiting student",
    )
    .await;
    type_into(&c, "#reviewer", "J. Staff").await;
    click(&c, "button[value=dismissed]").await;
    until_url(&c, "saved", |u| u.contains("saved=dismissed")).await;
    assert!(text(&c, ".flash").await.contains("Saved: dismissed"));
    assert_eq!(text(&c, "#review-status").await, "dismissed");
    assert!(
        text(&c, ".history")
            .await
            .contains("by J. Staff: US coauthor holds the grant")
    );

    // Back in the list (the same view), the paper shows the decision.
    click(&c, ".neighbours a").await;
    until_url(&c, "back", |u| u.contains("/papers?") && u.contains("q=")).await;
    assert_eq!(text(&c, "tr.paper-row td.review").await, "dismissed");

    // The export carries it.
    let d = db.clone();
    let rows = tokio::task::spawn_blocking(move || exported(&d))
        .await
        .unwrap();
    let row = rows.iter().find(|r| r["doi"] == doi.as_str()).unwrap();
    assert_eq!(row["review_status"], "dismissed");
    assert!(
        row["review_note"]
            .as_str()
            .unwrap()
            .starts_with("US coauthor holds the grant")
    );

    // From the list, with the keyboard: j selects the first row, n marks it needs-info, and
    // the list comes back with that row still selected; the reviewer's name was remembered.
    c.goto(&format!("{url}/papers?tier=1&sort=title"))
        .await
        .unwrap();
    let first = c
        .find(Locator::Css("tr.paper-row .doi"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let body = c.find(Locator::Css("body")).await.unwrap();
    body.send_keys("j").await.unwrap();
    assert!(
        js(
            &c,
            "return document.querySelector('tr.paper-row').classList.contains('current')"
        )
        .await
        .as_bool()
        .unwrap()
    );
    body.send_keys("n").await.unwrap();
    until_url(&c, "decided from the list", |u| {
        u.contains("saved=needs-info")
    })
    .await;
    assert_eq!(text(&c, "tr.paper-row.current .doi").await, first);
    assert_eq!(
        text(&c, "tr.paper-row.current td.review").await,
        "needs-info"
    );
    let d = db.clone();
    let rows = tokio::task::spawn_blocking(move || exported(&d))
        .await
        .unwrap();
    let row = rows.iter().find(|r| r["doi"] == first.as_str()).unwrap();
    assert_eq!(row["review_status"], "needs-info");
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM reviews r JOIN works w ON w.id = r.work_id
                 WHERE r.reviewer = 'J. Staff' AND w.doi = '{first}'"
            )
        ),
        1,
        "the remembered reviewer name went with the keyboard decision"
    );

    // On a card, j opens the next paper of the view and c confirms it.
    click(&c, "tr.paper-row.current td.title a").await;
    until_url(&c, "card from the list", |u| u.contains("/papers/")).await;
    let first_card = c.current_url().await.unwrap().to_string();
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("j")
        .await
        .unwrap();
    until_url(&c, "next card", |u| {
        u != first_card && u.contains("/papers/")
    })
    .await;
    let second_doi = text(&c, ".links a").await.replace("doi.org/", "");
    assert_ne!(second_doi, first);
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("c")
        .await
        .unwrap();
    until_url(&c, "confirmed by key", |u| u.contains("saved=confirmed")).await;
    assert_eq!(text(&c, "#review-status").await, "confirmed");

    // The hostile title is text: shown as typed, and nothing in it ran.
    c.goto(&format!("{url}/papers?q=hostile")).await.unwrap();
    assert!(text(&c, "tr.paper-row td.title").await.contains("<script>"));
    click(&c, "tr.paper-row td.title a").await;
    until_url(&c, "hostile card", |u| u.contains("/papers/")).await;
    assert_eq!(text(&c, "#paper-title").await, HOSTILE);
    assert_eq!(js(&c, "return window.pwned === undefined").await, true);
    assert!(c.title().await.unwrap().starts_with("Hostile <script>"));

    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_from_the_card_is_the_same_override_the_command_line_makes() {
    let (_dir, db) = fresh_db();
    let (url, app) = serve(&db, false).await;
    let paper = exported(&db)
        .into_iter()
        .find(|r| r["tier"] == 1 && r["title"] != HOSTILE)
        .unwrap();
    let id = work_id(&db, paper["doi"].as_str().unwrap());
    let (_, card) = get(&format!("{url}/papers/{id}")).await;
    // What the card's correction form carries: the affiliation string and its entity matches.
    let (affiliation, entry) = {
        let html = scraper::Html::parse_document(&card);
        let form = html
            .select(&scraper::Selector::parse("form[action$='/override']").unwrap())
            .next()
            .expect("a correction form under the coauthor");
        let value = |css: &str| {
            form.select(&scraper::Selector::parse(css).unwrap())
                .next()
                .unwrap()
                .value()
                .attr("value")
                .unwrap()
                .to_string()
        };
        (
            value("input[name=affiliation]"),
            value("input[name=remove_entity]"),
        )
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let url = format!("{url}/papers/{id}/override");
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        async move {
            http()
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    // A region that is not one is refused with the reason, and nothing of the form is kept.
    let r = post(vec![
        ("csrf", app.token().to_string()),
        ("affiliation", affiliation.clone()),
        ("remove_entity", entry.clone()),
        ("region", "XX".into()),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("is not a region"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM overrides"), 0);

    let r = post(vec![
        ("csrf", app.token().to_string()),
        ("affiliation", affiliation.clone()),
        ("remove_entity", entry.clone()),
        ("note", "only a lab of it is listed".into()),
        ("reviewer", "J. Staff".into()),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM overrides WHERE kind = 'entity-remove' AND value = '{}'
                 AND reviewer = 'J. Staff' AND active = 1",
                entry.replace('\'', "''")
            )
        ),
        1
    );
    // An entry to add must be on a list in force; the message says how to find one.
    let r = post(vec![
        ("csrf", app.token().to_string()),
        ("affiliation", affiliation.clone()),
        ("add_entity", "Institute of Nowhere".into()),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("is on no entity list in force")
    );
    let added = if entry == "Beihang University" {
        "Tsinghua University"
    } else {
        "Beihang University"
    };
    let r = post(vec![
        ("csrf", app.token().to_string()),
        ("affiliation", affiliation.clone()),
        ("add_entity", added.to_lowercase()),
        ("reviewer", "J. Staff".into()),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM overrides WHERE kind = 'entity-add' AND value = '{added}'"
            )
        ),
        1
    );
    // Applied by the next classification, and named in the evidence.
    xrefscan(&db).arg("reclassify").assert().success();
    let after = exported(&db)
        .into_iter()
        .find(|r| r["doi"] == paper["doi"])
        .unwrap();
    let evidence = after["china_evidence"].to_string();
    assert!(
        evidence.contains(&format!("entity match removed: {entry}")),
        "{evidence}"
    );
    assert!(
        after["entity_hits"].to_string().contains(added),
        "{}",
        after["entity_hits"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_a_view_keep_the_view_and_hold_the_rows_asked_for() {
    let (_dir, db) = fresh_db();
    let (url, _) = serve(&db, false).await;
    let tier1 = exported(&db).iter().filter(|r| r["tier"] == 1).count();
    assert!(tier1 > 10);
    let (_, first) = get(&format!("{url}/papers?tier=1&per=10")).await;
    assert_eq!(first.matches("class=\"paper-row\"").count(), 10);
    assert!(first.contains(&format!("page 1 of {}", tier1.div_ceil(10))));
    // The next page's link keeps the facet and the page size (minijinja escapes `/` and `&`).
    assert!(
        first.contains("href=\"&#x2f;papers?tier=1&amp;per=10&amp;page=2\""),
        "{first}"
    );
    let (_, last) = get(&format!("{url}/papers?tier=1&per=10&page=999")).await;
    assert_eq!(
        last.matches("class=\"paper-row\"").count(),
        tier1 - (tier1.div_ceil(10) - 1) * 10,
        "a page past the end shows the last"
    );
}

/// Issue 17 (4): the card and the list say since when each entity is listed, and whether that
/// was before or after the paper was published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue17_the_card_and_the_list_say_when_each_entity_was_listed() {
    let (_dir, db) = fresh_db();
    let rows = exported(&db);
    let row = rows
        .iter()
        .find(|r| {
            r["entity_listed_since"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
        })
        .expect("a flagged paper names a listed entity");
    let line = row["entity_listed_since"][0].as_str().unwrap().to_string();
    assert!(
        line.contains(": listed ") || line.contains("listing date unknown"),
        "{line}"
    );
    let id = work_id(&db, row["doi"].as_str().unwrap());
    let (url, _app) = serve(&db, true).await;
    let (status, card) = get(&format!("{url}/papers/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let when = line.rsplit_once(": ").unwrap().1;
    assert!(
        card.contains(&format!("({when})")),
        "the card shows {when:?}"
    );
    let (_, list) = get(&format!("{url}/papers")).await;
    assert!(list.contains("Entity listed"), "the list has the facet");
    let value = if when.ends_with("after publication") {
        "after publication"
    } else if when.ends_with("before publication") {
        "before publication"
    } else if when.contains(" of publication") {
        "around publication"
    } else {
        "date unknown"
    };
    let (status, narrowed) = get(&format!("{url}/papers?listed={}", value.replace(' ', "+"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        narrowed.contains(&format!("/papers/{id}")),
        "the facet keeps the paper"
    );
}

/// Issue 21 (13), in chromium: the Risk column is on screen at 1,400 px, tiers are listed 1,
/// 2, 3, each coauthor shows once with every source, a decision that replaces another asks
/// first and can be undone, and a long unbroken venue stays inside the card.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue21_13_the_workspace_asks_before_replacing_a_decision_and_can_undo_it() {
    use browser::*;
    use fantoccini::Locator;
    let (_dir, db) = fresh_db();
    let paper = exported(&db)
        .into_iter()
        .find(|r| r["title"] != HOSTILE)
        .unwrap();
    let doi = paper["doi"].as_str().unwrap().to_string();
    let id = work_id(&db, &doi);
    let venue = "Proceedings".to_string() + &"X".repeat(400);
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE works SET venue = ?1 WHERE id = ?2",
            rusqlite::params![venue, id],
        )
        .unwrap();
    let (url, _) = serve(&db, false).await;
    let (_driver, c) = start().await;

    // The list at 1,400 px: the Risk column is on screen; tiers in their order.
    c.goto(&format!("{url}/papers")).await.unwrap();
    let right = js(
        &c,
        "var th = Array.from(document.querySelectorAll('table.papers th')).find(t => t.textContent.trim() === 'Risk'); return th.getBoundingClientRect().right <= window.innerWidth;",
    )
    .await;
    assert_eq!(right, true, "the Risk column is on screen");
    let tiers = js(
        &c,
        "return Array.from(document.querySelectorAll('section[data-facet=\"tier\"] a')).map(a => a.dataset.value).join(',');",
    )
    .await;
    let tiers = tiers.as_str().unwrap().to_string();
    let mut sorted: Vec<&str> = tiers.split(',').collect();
    sorted.sort();
    assert_eq!(tiers, sorted.join(","), "tiers in order");

    // The card: one entry per coauthor; the long venue stays inside.
    c.goto(&format!("{url}/papers/{id}")).await.unwrap();
    let positions = count(
        &db,
        &format!(
            "SELECT COUNT(DISTINCT author_position) FROM flag_evidence WHERE work_id = {id} AND kind = 'china'"
        ),
    );
    assert_eq!(
        c.find_all(Locator::Css("li.coauthor")).await.unwrap().len() as i64,
        positions
    );
    assert_eq!(
        js(
            &c,
            "return document.documentElement.scrollWidth <= window.innerWidth;"
        )
        .await,
        true,
        "the long venue wraps"
    );

    // Dismiss it on its card.
    type_into(&c, "#reviewer", "J. Staff").await;
    click(&c, "button[value=dismissed]").await;
    until_url(&c, "saved", |u| u.contains("saved=dismissed")).await;

    // From the list, c on that row asks before replacing the dismissal; no replaces nothing.
    let reviews = || {
        count(
            &db,
            &format!("SELECT COUNT(*) FROM reviews WHERE work_id = {id}"),
        )
    };
    assert_eq!(reviews(), 1);
    c.goto(&format!("{url}/papers?q={doi}")).await.unwrap();
    let body = c.find(Locator::Css("body")).await.unwrap();
    body.send_keys("j").await.unwrap();
    body.send_keys("c").await.unwrap();
    let asked = c.get_alert_text().await.unwrap();
    assert!(
        asked.contains("dismissed") && asked.contains("confirmed"),
        "{asked}"
    );
    c.dismiss_alert().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(reviews(), 1, "nothing was replaced");
    assert_eq!(text(&c, "tr.paper-row td.review").await, "dismissed");
    // Yes replaces it, and the flash offers to undo.
    body.send_keys("c").await.unwrap();
    c.accept_alert().await.unwrap();
    until_url(&c, "confirmed", |u| u.contains("saved=confirmed")).await;
    assert_eq!(text(&c, "tr.paper-row td.review").await, "confirmed");
    click(&c, ".flash #undo").await;
    until_url(&c, "undone", |u| u.contains("undone=")).await;
    assert!(
        text(&c, ".flash")
            .await
            .contains("dismissed is in force again")
    );
    assert_eq!(text(&c, "tr.paper-row td.review").await, "dismissed");
    assert_eq!(reviews(), 2, "the undone decision stays in the history");
    let d = db.clone();
    let rows = tokio::task::spawn_blocking(move || exported(&d))
        .await
        .unwrap();
    let row = rows.iter().find(|r| r["doi"] == doi.as_str()).unwrap();
    assert_eq!(row["review_status"], "dismissed");
    c.close().await.unwrap();
}

/// A decision posted from a page that showed another decision than the one now in force (a
/// colleague decided meanwhile) is refused, and nothing is saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue21_13_a_decision_made_from_a_stale_page_is_refused() {
    let (_dir, db) = fresh_db();
    let (url, app) = serve(&db, false).await;
    let paper = exported(&db).into_iter().next().unwrap();
    let doi = paper["doi"].as_str().unwrap().to_string();
    let id = work_id(&db, &doi);
    xrefscan(&db)
        .args(["review", &doi, "--status", "dismissed", "--by", "colleague"])
        .assert()
        .success();
    let r = http()
        .post(format!("{url}/papers/{id}/review"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "status=confirmed&replaces=&note=&reviewer=me&csrf={}",
            app.token()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("changed since the page was shown")
    );
    assert_eq!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM reviews WHERE work_id = {id}")
        ),
        1
    );
    // The CLI can undo, too.
    xrefscan(&db)
        .args(["review", &doi, "--undo", "--by", "colleague"])
        .assert()
        .success()
        .stderr(predicates::str::contains("dismissed undone"));
    xrefscan(&db)
        .args(["review", &doi])
        .assert()
        .success()
        .stdout(predicates::str::contains("[undone"));
}

/// Issue 18: every flagged paper's acknowledgment is kept and the card shows it as read,
/// where it was read, with the words that decide DoD funding marked (a name in a funding
/// sentence, an award number) and a laboratory thanked for discussions left unmarked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue18_the_card_shows_the_acknowledgment_with_its_deciding_words_marked() {
    use browser::*;
    use fantoccini::Locator;
    let (_dir, db) = fresh_db();
    let paper = exported(&db)
        .into_iter()
        .find(|r| r["title"] != HOSTILE)
        .unwrap();
    let id = work_id(&db, paper["doi"].as_str().unwrap());
    let text = "We thank Dr. J. Smith of the Naval Research Laboratory for discussions. This work \
                was supported by the Office of Naval Research under grant N00014-21-1-2345.";
    {
        let mut store = xrefscan::store::Db::open(
            &db,
            xrefscan::store::Access::Write {
                command: "test",
                wait: false,
                create: false,
            },
        )
        .unwrap();
        store
            .save_document(&xrefscan::model::Document {
                work_id: id,
                source: Source::Publisher,
                kind: xrefscan::model::DocumentKind::OpenAccessCopy,
                origin: "acknowledgment (open-access copy)",
                url: "https://repository.example.org/paper.pdf".into(),
                final_url: None,
                status: Some(200),
                content_type: Some("application/pdf".into()),
                sha256: Some("00".into()),
                bytes: Some(1),
                error: None,
                texts: vec![("Acknowledgments".into(), text.into())],
            })
            .unwrap();
    }
    let (url, _) = serve(&db, true).await;
    let (_, json) = get(&format!("{url}/papers/{id}.json")).await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["acknowledgments"][0]["text"], text);
    assert_eq!(
        json["acknowledgments"][0]["origin"],
        "acknowledgment (open-access copy)"
    );

    let (_driver, c) = start().await;
    c.goto(&format!("{url}/papers/{id}")).await.unwrap();
    let section = c
        .find(Locator::Css("section.acknowledgment"))
        .await
        .unwrap();
    let shown = section.text().await.unwrap();
    assert!(
        shown.contains("acknowledgment (open-access copy)"),
        "{shown}"
    );
    assert!(
        shown.contains("Naval Research Laboratory for discussions"),
        "{shown}"
    );
    let mut marked = Vec::new();
    for m in c
        .find_all(Locator::Css("section.acknowledgment mark"))
        .await
        .unwrap()
    {
        marked.push(m.text().await.unwrap());
    }
    assert_eq!(
        marked,
        vec!["Office of Naval Research", "N00014-21-1-2345"],
        "the deciding words, and only those"
    );
    let href = c
        .find(Locator::Css("section.acknowledgment a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap();
    assert_eq!(
        href.as_deref(),
        Some("https://repository.example.org/paper.pdf")
    );
}

// ---------------------------------------------------------------------------------------------
// Issue 20, people: who is behind the flagged papers. The people cases (`imitation::people`)
// are scanned beside ordinary imitation works; the people view, the CLI, the export and the
// canned queries must name exactly the right people.

/// One scanned database of the people cases (each test copies it), and who is who.
fn people_db() -> &'static (tempfile::TempDir, PathBuf, imitation::PeopleTruth) {
    static DB: OnceLock<(tempfile::TempDir, PathBuf, imitation::PeopleTruth)> = OnceLock::new();
    DB.get_or_init(|| {
        std::thread::spawn(|| {
            tokio::runtime::Runtime::new().unwrap().block_on(async {
                let (from, to) = (date("2023-06-01"), date("2025-06-30"));
                let mut corpus = imitation::generate(150, 0x9e0, from, to);
                let truth = imitation::add_people_cases(&mut corpus, from);
                let (dir, db) = scan_corpus(corpus, None).await;
                (dir, db, truth)
            })
        })
        .join()
        .unwrap()
    })
}

fn people_json(db: &Path, min: u32) -> serde_json::Value {
    let out = xrefscan(db)
        .args([
            "people",
            "--format",
            "json",
            "--min-papers",
            &min.to_string(),
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

fn keys_of(side: &serde_json::Value) -> Vec<(String, i64)> {
    side.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["key"].as_str().unwrap().to_string(),
                p["china_papers"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn issue20_repeat_collaborators_and_dual_appointments_name_exactly_the_right_people() {
    let (_, base, truth) = people_db();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("people.sqlite");
    std::fs::copy(base, &db).unwrap();

    // China-based coauthors on two or more flagged papers: exactly Li Na (her ORCID, her
    // OpenAlex id alone, her ORCID under a second OpenAlex id) and Zhang Wei.
    let r = people_json(&db, 2);
    let want: Vec<(String, i64)> = truth
        .repeat_china
        .iter()
        .map(|(k, _, n)| (k.clone(), *n as i64))
        .collect();
    assert_eq!(keys_of(&r["china"]), want, "{:#}", r["china"]);
    assert_eq!(r["china"][0]["name"], "Li Na");
    assert!(
        r["china"][0]["entities"]
            .to_string()
            .contains("National University of Defense Technology"),
        "{}",
        r["china"][0]["entities"]
    );
    assert!(
        r["china"][0]["dod_components"]
            .to_string()
            .contains("Office of Naval Research")
    );
    assert!(
        r["china"][0]["us_collaborators"]
            .to_string()
            .contains("John Smith (4 papers)")
    );
    // The US side: John Smith, with Li Na and the awards his papers acknowledge.
    let us = r["us"].as_array().unwrap();
    assert_eq!(us.len(), truth.repeat_us.len(), "{:#}", r["us"]);
    for (key, name, papers, collaborator, award) in &truth.repeat_us {
        let u = us.iter().find(|u| u["key"] == key.as_str()).expect(name);
        assert_eq!(u["us_papers"], *papers as i64);
        assert!(
            u["china_collaborators"]
                .to_string()
                .contains(collaborator.as_str()),
            "{u}"
        );
        assert!(u["awards"].to_string().contains(award.as_str()), "{u}");
    }

    // Namesakes without ids stay apart: four people called Wei Zhang, one paper each; the
    // two ORCIDs OpenAlex merged stay two, and its id-only paper is a third person.
    let all = people_json(&db, 1);
    let named = |n: &str| -> Vec<(String, i64)> {
        all["china"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["name"] == n)
            .map(|p| {
                (
                    p["key"].as_str().unwrap().to_string(),
                    p["china_papers"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let wei = named("Wei Zhang");
    assert_eq!(wei.len(), truth.namesakes[0].1.len(), "{wei:?}");
    // Each its own OpenAlex author id, none an ORCID: never joined by the name they share.
    let distinct: std::collections::HashSet<&String> = wei.iter().map(|(k, _)| k).collect();
    assert_eq!(distinct.len(), wei.len(), "{wei:?}");
    assert!(wei.iter().all(|(_, n)| *n == 1), "{wei:?}");
    let chen = named("Chen Yu");
    assert_eq!(chen.len(), 3, "{chen:?}");
    assert!(
        chen.iter().any(|(k, _)| k == "openalex:A900002"),
        "{chen:?}"
    );

    // The export: dual appointments exactly on the dual cases, naming the author; repeat
    // collaborators exactly on Li Na's and Zhang Wei's papers.
    let rows = exported(&db);
    let mut dual: Vec<(String, String)> = rows
        .iter()
        .filter(|r| {
            r["dual_appointment"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
        })
        .map(|r| {
            let doi = r["doi"].as_str().unwrap().to_string();
            let who = truth
                .dual
                .iter()
                .find(|(d, _)| *d == doi)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            assert!(
                r["dual_appointment"].to_string().contains(&who),
                "{doi}: {}",
                r["dual_appointment"]
            );
            (doi, who)
        })
        .collect();
    dual.sort();
    let mut want_dual = truth.dual.clone();
    want_dual.sort();
    assert_eq!(dual, want_dual);
    for d in &truth.not_dual {
        let row = rows
            .iter()
            .find(|r| r["doi"] == d.as_str())
            .expect("flagged");
        assert_eq!(row["dual_appointment"], serde_json::json!([]), "{d}");
    }
    let repeat: Vec<&str> = rows
        .iter()
        .filter(|r| {
            r["repeat_collaborator_papers"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
        })
        .map(|r| r["doi"].as_str().unwrap())
        .collect();
    assert_eq!(repeat.len(), 8, "{repeat:?}");
    let li_row = rows
        .iter()
        .find(|r| r["doi"] == "10.99999/people.000")
        .unwrap();
    assert_eq!(
        li_row["repeat_collaborator_papers"],
        serde_json::json!(["Li Na (5 flagged papers)"])
    );

    // The canned queries say the same.
    let query = |name: &str| -> Vec<serde_json::Value> {
        let out = xrefscan(&db)
            .args(["query", name, "--format", "json"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&out).unwrap()
    };
    let mut q: Vec<String> = query("dual_appointments")
        .iter()
        .map(|r| r["doi"].as_str().unwrap().to_string())
        .collect();
    q.sort();
    assert_eq!(
        q,
        want_dual.iter().map(|(d, _)| d.clone()).collect::<Vec<_>>()
    );
    let names: Vec<String> = query("repeat_collaborators")
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["Li Na", "Zhang Wei"]);

    // Reviewers correct who is who, at once, and can take it back.
    xrefscan(&db)
        .args([
            "override",
            "person",
            "split",
            "10.99999/people.004",
            "1",
            "--note",
            "another Li Na",
        ])
        .assert()
        .success();
    assert_eq!(keys_of(&people_json(&db, 2)["china"])[0].1, 4);
    xrefscan(&db)
        .args([
            "override",
            "person",
            "merge",
            "orcid:0000-0002-6666-0001",
            "openalex:A900002",
        ])
        .assert()
        .success();
    let merged = keys_of(&people_json(&db, 2)["china"]);
    assert!(
        merged.contains(&("orcid:0000-0002-6666-0001".to_string(), 2)),
        "{merged:?}"
    );
    let listed = xrefscan(&db)
        .args(["override", "person", "list"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let listed = String::from_utf8(listed).unwrap();
    assert!(
        listed.contains("#1") && listed.contains("split"),
        "{listed}"
    );
    xrefscan(&db)
        .args(["override", "person", "withdraw", "1"])
        .assert()
        .success();
    assert_eq!(keys_of(&people_json(&db, 2)["china"])[0].1, 5);
    // A key that is not a person key is refused, with what to give.
    xrefscan(&db)
        .args(["override", "person", "merge", "Li Na", "Zhang Wei"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("is not a person key"));
    // The table names them too.
    xrefscan(&db)
        .args(["people"])
        .assert()
        .success()
        .stdout(predicates::str::contains("Li Na"))
        .stdout(predicates::str::contains("John Smith"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue20_the_people_view_in_a_browser_narrows_by_facet_and_links_cards_to_people() {
    let (_, base, truth) = people_db();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("people.sqlite");
    std::fs::copy(base, &db).unwrap();
    let (url, _app) = serve(&db, true).await;
    let (_driver, c) = browser::start().await;
    c.goto(&format!("{url}/people")).await.unwrap();
    assert_eq!(
        browser::facet_count(&c, "dual", "yes").await,
        truth.dual.len()
    );
    browser::click(&c, "section[data-facet=\"dual\"] a[data-value=\"yes\"]").await;
    browser::until_url(&c, "the dual facet", |u| u.contains("dual=yes")).await;
    let shown = browser::js(
        &c,
        "return document.querySelectorAll('tr.person-row').length",
    )
    .await;
    assert_eq!(shown.as_u64().unwrap() as usize, truth.dual.len());
    browser::screenshot(&c, "people-dual.png").await;
    // Li Na's page: her five papers, the NUDT affiliation over time.
    c.goto(&format!("{url}/people?q=li+na")).await.unwrap();
    browser::click(&c, "tr.person-row td.name a").await;
    browser::until_url(&c, "Li Na's page", |u| u.contains("/people/orcid")).await;
    assert_eq!(browser::text(&c, "#person-name").await, "Li Na");
    assert_eq!(browser::text(&c, "#papers").await, "5");
    assert!(
        browser::text(&c, "table.person-papers")
            .await
            .contains("National University of Defense Technology")
    );
    browser::screenshot(&c, "person.png").await;
    // A dual appointment's card shows it, and the author's name leads to their page.
    let (doi, name) = &truth.dual[1];
    let id = work_id(&db, doi);
    c.goto(&format!("{url}/papers/{id}")).await.unwrap();
    let section = browser::text(&c, "section.dual").await;
    assert!(
        section.contains(name.as_str()) && section.contains("US:"),
        "{section}"
    );
    browser::click(&c, "section.dual li a").await;
    browser::until_url(&c, "the author's page", |u| u.contains("/people/")).await;
    assert_eq!(browser::text(&c, "#person-name").await, *name);
    assert_eq!(browser::text(&c, "#dual").await, "1");
    let (status, body) = get(&format!("{url}/papers/{id}.json")).await;
    assert_eq!(status, StatusCode::OK);
    let card: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(card["dual_appointments"][0]["name"], name.as_str());
    // What placed the US side is said (e.g. "state code MA").
    assert!(
        !card["dual_appointments"][0]["us_matched"]
            .as_str()
            .unwrap()
            .is_empty(),
        "{}",
        card["dual_appointments"]
    );
    // A US-based coauthor on Li Na's paper leads to his page: John Smith, four papers.
    let li = work_id(&db, "10.99999/people.000");
    c.goto(&format!("{url}/papers/{li}")).await.unwrap();
    assert!(
        browser::text(&c, "section.us")
            .await
            .contains("University of Michigan")
    );
    browser::click(&c, "section.us li a").await;
    browser::until_url(&c, "John Smith's page", |u| u.contains("/people/orcid")).await;
    assert_eq!(browser::text(&c, "#person-name").await, "John Smith");
    assert_eq!(browser::text(&c, "#papers").await, "4");
    c.close().await.unwrap();
}
