//! Throughput of the parts a scan must never wait on: parsing recorded Crossref items and
//! storing them (target: ≥ 20,000 works/s on one core), classifying stored works, rebuilding
//! who is who on the flagged ones (target: ≤ a quarter of the classification's time), and
//! classifying affiliation strings (target: ≥ 200,000 strings/s on one core).
//! Run with `cargo bench`; it prints the figures and exits non-zero when a target is missed.

use std::time::Instant;
use xrefscan::classify::china::ChinaClassifier;
use xrefscan::classify::china::RegionPolicy;
use xrefscan::classify::dod::DodClassifier;
use xrefscan::classify::work::Classifier;
use xrefscan::model::Source;
use xrefscan::sources::crossref::{parse_item, parse_page};
use xrefscan::store::{Access, Checkpoint, Db, Page};

const PAGE: &str = include_str!("../tests/fixtures/crossref/dod_works_page.json");
const N: usize = 40_000;

fn main() {
    let page = parse_page(PAGE.as_bytes()).expect("recorded page parses");
    // The 20 recorded items, made into N distinct works by renaming their DOIs.
    let raws: Vec<String> = (0..N)
        .map(|i| {
            let item = page.items[i % page.items.len()].get();
            let v: serde_json::Value = serde_json::from_str(item).unwrap();
            let doi = v["DOI"].as_str().unwrap();
            let new = format!("10.5555/bench.{i}");
            // Crossref escapes slashes in its JSON (`10.1118\/1.4704640`).
            item.replace(&doi.replace('/', "\\/"), &new.replace('/', "\\/"))
                .replace(doi, &new)
        })
        .collect();
    // What a scan receives: Crossref answers `select=` with only those fields.
    let fields: Vec<&str> = xrefscan::sources::crossref::SELECT.split(',').collect();
    let selected: Vec<String> = raws
        .iter()
        .map(|r| {
            let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(r).unwrap();
            let kept: serde_json::Map<_, _> = v
                .into_iter()
                .filter(|(k, _)| fields.contains(&k.as_str()))
                .collect();
            serde_json::to_string(&kept).unwrap()
        })
        .collect();
    let t = Instant::now();
    let parsed: Vec<_> = selected.iter().map(|r| parse_item(r).unwrap()).collect();
    println!(
        "parse alone: {:.0} works/s",
        N as f64 / t.elapsed().as_secs_f64()
    );
    drop(parsed);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Db::open(
        &dir.path().join("bench.sqlite"),
        Access::Write {
            command: "bench",
            wait: false,
            create: true,
        },
    )
    .unwrap();

    let t = Instant::now();
    let mut stored = 0;
    let mut in_store = std::time::Duration::ZERO;
    for (p, chunk) in selected.chunks(1000).enumerate() {
        let records: Vec<_> = chunk.iter().map(|r| parse_item(r).unwrap()).collect();
        let ts = Instant::now();
        let shard = format!("bench:{p}");
        store
            .save_page(&Page {
                run_id: 1,
                source: Source::Crossref,
                shard: &shard,
                checkpoint: Checkpoint {
                    cursor: Some("c".into()),
                    done: false,
                    items: 0,
                    announced: None,
                },
                records: &records,
            })
            .unwrap();
        stored += records.len();
        in_store += ts.elapsed();
    }
    println!(
        "store alone: {:.0} works/s",
        stored as f64 / in_store.as_secs_f64()
    );
    let store_rate = stored as f64 / t.elapsed().as_secs_f64();
    println!(
        "parse + store (select= fields, as scans fetch them): {stored} works in {:.2}s = {store_rate:.0} works/s (target 20000)",
        t.elapsed().as_secs_f64()
    );

    let full_dir = tempfile::tempdir().unwrap();
    let mut full = Db::open(
        &full_dir.path().join("full.sqlite"),
        Access::Write {
            command: "bench",
            wait: false,
            create: true,
        },
    )
    .unwrap();
    let t = Instant::now();
    for (p, chunk) in raws.chunks(1000).enumerate() {
        let records: Vec<_> = chunk.iter().map(|r| parse_item(r).unwrap()).collect();
        let shard = format!("bench:{p}");
        full.save_page(&Page {
            run_id: 1,
            source: Source::Crossref,
            shard: &shard,
            checkpoint: Checkpoint {
                cursor: None,
                done: false,
                items: 0,
                announced: None,
            },
            records: &records,
        })
        .unwrap();
    }
    println!(
        "parse + store (whole recorded items with abstracts and references): {:.0} works/s",
        N as f64 / t.elapsed().as_secs_f64()
    );
    drop(full);

    let t = Instant::now();
    let ids = store.dirty_work_ids().unwrap();
    assert_eq!(
        store.work_count().unwrap() as usize,
        N,
        "every work is distinct"
    );
    let classifier = Classifier::new(DodClassifier::new(), RegionPolicy::default());
    for chunk in ids.chunks(1000) {
        let decisions: Vec<_> = chunk
            .iter()
            .map(|id| (*id, classifier.decide(&store.work_facts(*id).unwrap())))
            .collect();
        store.apply_decisions(None, &decisions).unwrap();
    }
    let classify_secs = t.elapsed().as_secs_f64();
    let classify_rate = ids.len() as f64 / classify_secs;
    println!(
        "classify stored works: {} in {classify_secs:.2}s = {classify_rate:.0} works/s",
        ids.len(),
    );
    // Who is who, rebuilt once at the end of every run: measured against classifying the same
    // works in this run.
    let t = Instant::now();
    let people = store.rebuild_people().unwrap();
    let rebuild_secs = t.elapsed().as_secs_f64();
    let (_, flagged, _) = store.flag_counts().unwrap();
    let rebuild_ratio = rebuild_secs / classify_secs;
    println!(
        "rebuild the people of {flagged} flagged works: {people} people in {rebuild_secs:.2}s = {rebuild_ratio:.3} of classifying the stored works (target ≤ 0.25)"
    );

    let china = ChinaClassifier::new();
    let samples = [
        "Institute of Modern Physics, Shaanxi Key Laboratory for Theoretical Physics Frontiers, Northwest University, Xian, Shaanxi, 710127, China",
        "Department of Chemistry, University of Missouri, Columbia, MO, 65211, USA",
        "Department of Physics, National Tsing Hua University, Hsinchu 30013, Taiwan, Republic of China",
        "Naval Air Warfare Center Weapons Division, China Lake, CA 93555, USA",
        "The Chinese University of Hong Kong, Shenzhen, Guangdong 518172, China",
        "Green College, Oxford University, Upper Meadow, Old Road, Headington, Oxford,  OX3 8SZ, UK",
        "中国科学院物理研究所，北京 100190",
        "Memorial Sloan Kettering Cancer Center, New York, NY;",
        "School of Astronautics, Beihang University, Beijing 100191, China",
    ];
    let n = 400_000;
    let t = Instant::now();
    let mut china_count = 0;
    for i in 0..n {
        if china
            .classify_text(samples[i % samples.len()])
            .is_china(RegionPolicy::default())
        {
            china_count += 1;
        }
    }
    let aff_rate = n as f64 / t.elapsed().as_secs_f64();
    println!(
        "classify affiliation strings: {n} in {:.2}s = {aff_rate:.0} strings/s (target 200000; {china_count} China-based)",
        t.elapsed().as_secs_f64()
    );

    // Region and, for China-based strings, the defense-linked entity lists: the whole per-
    // affiliation decision a scan makes.
    let entities = xrefscan::classify::entities::EntityMatcher::bundled();
    let t = Instant::now();
    let mut hits = 0;
    for i in 0..n {
        let s = samples[i % samples.len()];
        if china.classify_text(s).is_china(RegionPolicy::default()) {
            hits += entities.find(s).len();
        }
    }
    let full_rate = n as f64 / t.elapsed().as_secs_f64();
    println!(
        "classify affiliation strings with entity lists: {n} in {:.2}s = {full_rate:.0} strings/s (target 200000; {hits} entity hits)",
        t.elapsed().as_secs_f64()
    );

    let dod = xrefscan::classify::dod::DodClassifier::new();
    let texts = [
        "This work was supported by the Office of Naval Research under grant N00014-21-1-2345 and by the National Natural Science Foundation of China (22073073).",
        "Funding: NIH R01 CA123456. The views expressed are those of the authors and do not necessarily reflect the official policy of the Department of the Army.",
        "We thank Dr. Smith of the Naval Research Laboratory for discussions.",
    ];
    let m = 100_000;
    let t = Instant::now();
    let mut dod_count = 0;
    for i in 0..m {
        dod_count += usize::from(dod.classify_text(texts[i % texts.len()]).dod);
    }
    println!(
        "classify funding texts: {m} in {:.2}s = {:.0} texts/s ({dod_count} DoD)",
        t.elapsed().as_secs_f64(),
        m as f64 / t.elapsed().as_secs_f64()
    );

    // One long text (a publisher page can be 8 MiB, a full text without full stops one
    // sentence): the time must grow with the length, not its square. Measured as the ratio of
    // the 8 MiB time to eight times the 1 MiB time, in the same run.
    let sentence = "This work was supported by the Office of Naval Research under grant N00014-21-1-2345 and the Army Research Office (W911NF-20-1-0123), we thank the NRL staff and the DoD for help, ";
    let long = |bytes: usize| sentence.repeat(bytes / sentence.len());
    let time = |text: &str| {
        let t = Instant::now();
        let found = dod.classify_text(text).matches.len();
        (t.elapsed().as_secs_f64(), found)
    };
    let (small, _) = time(&long(1 << 20));
    let (big, found) = time(&long(8 << 20));
    let growth = big / (8.0 * small);
    println!(
        "classify one long funding text: 1 MiB {small:.3}s, 8 MiB {big:.3}s ({found} matches, {:.0} MB/s); 8 MiB / (8 × 1 MiB) = {growth:.2} (target ≤ 2: linear)",
        8.0 * 1.048_576 / big
    );

    let mut missed = Vec::new();
    if growth > 2.0 {
        missed.push("funding text classification linear in length (ratio ≤ 2)");
    }
    if rebuild_ratio > 0.25 {
        missed.push("people rebuilt in a quarter of the classification's time");
    }
    if store_rate < 20_000.0 {
        missed.push("parse + store (20,000 works/s)");
    }
    if aff_rate < 200_000.0 || full_rate < 200_000.0 {
        missed.push("affiliation classification (200,000 strings/s)");
    }
    if !missed.is_empty() {
        eprintln!("below target: {}", missed.join(", "));
        std::process::exit(1);
    }
}
