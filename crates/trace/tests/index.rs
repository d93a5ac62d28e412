//! The on-disk index with sorted runs: lookups across many runs and the unsorted tail
//! give what a tail-only (fully scanned) index gives, and interrupted adds recover.

use std::path::Path;

use copydesk_model::Article;
use copydesk_trace::index::{self, RunSizes};
use copydesk_trace::{Config, PassageRecord};

/// Deterministic prose from a seed: distinct seeds share no long n-gram.
fn prose(seed: u64, paragraphs: usize) -> Vec<String> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..paragraphs)
        .map(|_| {
            let words: Vec<String> = (0..40).map(|_| format!("w{}", next() % 5000)).collect();
            words.join(" ") + "."
        })
        .collect()
}

fn article(id: &str, published: &str, paragraphs: &[String]) -> Article {
    let mut a = Article::from_paragraphs(paragraphs);
    a.id = id.into();
    a.site = Some(format!("site-{id}"));
    a.published = Some(published.into());
    a
}

/// 30 originals, then copies of some of them (each copy repeats an original's first two
/// paragraphs and adds one of its own), all dated after their originals.
fn corpus() -> Vec<Article> {
    let mut v = Vec::new();
    for i in 0..30u64 {
        v.push(article(
            &format!("o{i}"),
            &format!("2024-01-{:02}T00:00:00Z", 1 + i % 28),
            &prose(1000 + i, 3),
        ));
    }
    for i in 0..12u64 {
        let mut p = prose(1000 + i * 2, 3)[..2].to_vec();
        p.extend(prose(5000 + i, 1));
        v.push(article(&format!("c{i}"), "2024-03-01T00:00:00Z", &p));
    }
    v
}

fn queries() -> Vec<Article> {
    let mut v = Vec::new();
    for i in 0..30u64 {
        let mut p = prose(1000 + i, 3)[1..].to_vec();
        p.extend(prose(9000 + i, 1));
        v.push(article(&format!("q{i}"), "2024-06-01T00:00:00Z", &p));
    }
    v.push(article("fresh", "2024-06-01T00:00:00Z", &prose(7777, 3)));
    v
}

fn all_sources(dir: &Path, cfg: &Config) -> Vec<Vec<PassageRecord>> {
    queries()
        .iter()
        .map(|q| index::sources(dir, q, cfg).unwrap())
        .collect()
}

fn key(ps: &[Vec<PassageRecord>]) -> String {
    serde_json::to_string(ps).unwrap()
}

/// Everything in the log, scanned: the reference the sorted runs must agree with.
fn reference(cfg: &Config) -> String {
    let dir = tempfile::tempdir().unwrap();
    let sizes = RunSizes {
        chunk: usize::MAX,
        tail_max: usize::MAX,
    };
    index::add_with(dir.path(), &corpus(), cfg, sizes).unwrap();
    assert!(index::manifest(dir.path()).unwrap().runs.is_empty());
    let out = all_sources(dir.path(), cfg);
    assert!(
        out.iter().filter(|p| !p.is_empty()).count() >= 30,
        "{out:?}"
    );
    assert!(out[30].is_empty(), "{:?}", out[30]);
    key(&out)
}

#[test]
fn lookups_across_several_runs_and_a_tail_match_a_full_scan() {
    let cfg = Config::default();
    let want = reference(&cfg);
    let dir = tempfile::tempdir().unwrap();
    let arts = corpus();
    // Several adds with tiny runs: many runs get written and merged, some records stay
    // in the tail.
    let sizes = RunSizes {
        chunk: 300,
        tail_max: 1000,
    };
    for part in arts[..40].chunks(5) {
        index::add_with(dir.path(), part, &cfg, sizes).unwrap();
    }
    let keep_tail = RunSizes {
        chunk: usize::MAX,
        tail_max: usize::MAX,
    };
    index::add_with(dir.path(), &arts[40..], &cfg, keep_tail).unwrap();
    let m = index::manifest(dir.path()).unwrap();
    assert!(m.runs.len() >= 2, "{:?}", m.runs);
    assert!(m.sorted() < m.fingerprints, "no tail left: {m:?}");
    let mut next = 0;
    for r in &m.runs {
        assert_eq!(r.start, next, "{:?}", m.runs);
        next += r.records;
        assert!(dir.path().join(&r.file).exists());
    }
    // Merged-away runs are gone.
    let files = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            let e = e.as_ref().unwrap();
            e.file_name().to_string_lossy().starts_with("run-")
        })
        .count();
    assert_eq!(files, m.runs.len());
    assert_eq!(key(&all_sources(dir.path(), &cfg)), want);
}

#[test]
fn an_interrupted_add_is_resumed_and_lookups_stay_right() {
    let cfg = Config::default();
    let want = reference(&cfg);
    let dir = tempfile::tempdir().unwrap();
    let arts = corpus();
    let sizes = RunSizes {
        chunk: 400,
        tail_max: 100,
    };
    index::add_with(dir.path(), &arts[..20], &cfg, sizes).unwrap();
    let before = index::manifest(dir.path()).unwrap();
    // What a crash mid-add leaves: records past the manifest, a finished run the manifest
    // does not list, a half-written temporary run.
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("fingerprints.bin"))
        .unwrap();
    f.write_all(&[7u8; 12 * 50]).unwrap();
    std::fs::write(
        dir.path().join("run-000000000000-999999999999.bin"),
        [9u8; 12 * 5],
    )
    .unwrap();
    std::fs::write(
        dir.path().join("run-000000000001-000000000002.bin.tmp"),
        [1u8; 7],
    )
    .unwrap();
    // Readers go by the manifest meanwhile.
    assert_eq!(index::manifest(dir.path()).unwrap(), before);
    let copy = &queries()[0];
    let ps = index::sources(dir.path(), copy, &cfg).unwrap();
    assert!(ps.iter().any(|p| p.source == "o0"), "{ps:?}");
    // The re-run adds only what is missing, and cleans up.
    let r = index::add_with(dir.path(), &arts, &cfg, sizes).unwrap();
    assert_eq!((r.added, r.already_indexed), (arts.len() as u64 - 20, 20));
    assert!(!dir
        .path()
        .join("run-000000000000-999999999999.bin")
        .exists());
    assert!(!dir
        .path()
        .join("run-000000000001-000000000002.bin.tmp")
        .exists());
    assert_eq!(key(&all_sources(dir.path(), &cfg)), want);
    // A run that does not match its manifest entry is an error naming the file, not a
    // wrong answer.
    let m = index::manifest(dir.path()).unwrap();
    let run = dir.path().join(&m.runs[0].file);
    let len = std::fs::metadata(&run).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&run)
        .unwrap()
        .set_len(len - 12)
        .unwrap();
    let e = index::sources(dir.path(), copy, &cfg).unwrap_err();
    assert!(e.to_string().contains(&m.runs[0].file), "{e}");
}

#[test]
fn an_index_without_runs_in_its_manifest_is_still_read() {
    // Indexes written before runs existed have no `runs` in the manifest.
    let cfg = Config::default();
    let want = reference(&cfg);
    let dir = tempfile::tempdir().unwrap();
    index::add(dir.path(), &corpus(), &cfg).unwrap();
    let path = dir.path().join("manifest.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("runs");
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    assert_eq!(key(&all_sources(dir.path(), &cfg)), want);
    // Adding to it sorts the old log into runs.
    index::add_with(
        dir.path(),
        &[article("late", "2025-01-01T00:00:00Z", &prose(4242, 2))],
        &cfg,
        RunSizes {
            chunk: 1 << 20,
            tail_max: 1,
        },
    )
    .unwrap();
    let m = index::manifest(dir.path()).unwrap();
    assert_eq!(m.sorted(), m.fingerprints);
    assert_eq!(key(&all_sources(dir.path(), &cfg)), want);
}

#[test]
fn an_open_handle_answers_as_the_free_functions_and_sees_later_adds_after_refresh() {
    let cfg = Config::default();
    let want = reference(&cfg);
    let dir = tempfile::tempdir().unwrap();
    let arts = corpus();
    let sizes = RunSizes {
        chunk: 500,
        tail_max: 2000,
    };
    index::add_with(dir.path(), &arts[..35], &cfg, sizes).unwrap();
    let mut idx = index::Index::open(dir.path()).unwrap();
    let stale = idx.len();
    index::add_with(dir.path(), &arts[35..], &cfg, sizes).unwrap();
    assert_eq!(idx.len(), stale, "a handle keeps its snapshot");
    idx.refresh().unwrap();
    assert_eq!(idx.len(), arts.len());
    let got: Vec<Vec<PassageRecord>> = queries()
        .iter()
        .map(|q| idx.sources(q, &cfg).unwrap())
        .collect();
    assert_eq!(key(&got), want);
}

#[test]
fn candidates_are_found_in_both_time_directions() {
    let cfg = Config::default();
    let dir = tempfile::tempdir().unwrap();
    let arts = corpus();
    let mut idx = index::Index::open_or_create(dir.path(), &cfg).unwrap();
    assert!(idx.is_empty());
    idx.add(&arts, &cfg).unwrap();
    // o0's first two paragraphs are in c0 (later); q0 (not indexed) holds o0's last two.
    let o0 = arts.iter().find(|a| a.id == "o0").unwrap();
    let c = idx.candidates(o0, &cfg).unwrap();
    let ids: Vec<&str> = c.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c0"], "{c:?}");
    assert_eq!(c[0].published, Some(1_709_251_200), "2024-03-01T00:00:00Z");
    assert!(c[0].shared >= 60, "{c:?}");
    let q0 = &queries()[0];
    let c = index::candidates(dir.path(), q0, &cfg).unwrap();
    let ids: Vec<&str> = c.iter().map(|c| c.id.as_str()).collect();
    // o0 shares two paragraphs with q0, c0 one: most shared first.
    assert_eq!(ids, ["o0", "c0"], "{c:?}");
    assert!(c[0].shared > c[1].shared);
    let fresh = queries().pop().unwrap();
    assert!(idx.candidates(&fresh, &cfg).unwrap().is_empty());
    // An empty index has no candidates; a missing one is an error naming it.
    let empty = tempfile::tempdir().unwrap();
    let e = index::Index::open(empty.path()).err().unwrap();
    assert!(e.to_string().contains("no index here"), "{e}");
    let idx = index::Index::open_or_create(empty.path(), &cfg).unwrap();
    assert!(idx.candidates(q0, &cfg).unwrap().is_empty());
}

#[test]
fn sources_name_only_earlier_holders_and_say_when_direction_is_unknown() {
    let cfg = Config::default();
    let dir = tempfile::tempdir().unwrap();
    let text = prose(31337, 3);
    let arts = vec![
        article("early", "2024-01-01T00:00:00Z", &text),
        article("late", "2024-12-01T00:00:00Z", &text),
    ];
    let idx = {
        let mut i = index::Index::open_or_create(dir.path(), &cfg).unwrap();
        i.add(&arts, &cfg).unwrap();
        i
    };
    let mid = article("mid", "2024-06-01T00:00:00Z", &text);
    let ps = idx.sources(&mid, &cfg).unwrap();
    assert!(!ps.is_empty());
    assert!(
        ps.iter()
            .all(|p| p.source == "early" && p.direction.is_none()),
        "{ps:?}"
    );
    // Before both: nothing in the index is its source, though both are candidates.
    let first = article("first", "2023-06-01T00:00:00Z", &text);
    assert!(idx.sources(&first, &cfg).unwrap().is_empty());
    assert_eq!(idx.candidates(&first, &cfg).unwrap().len(), 2);
    // Undated: the text is shared, but who copied whom is not claimed.
    let mut undated = article("undated", "", &text);
    undated.published = None;
    let ps = idx.sources(&undated, &cfg).unwrap();
    assert!(!ps.is_empty());
    assert!(ps.iter().all(|p| p.direction == Some("unknown")), "{ps:?}");
}

#[test]
fn a_lone_source_of_one_paragraph_is_kept_beside_the_many_copies_of_a_long_story() {
    // The query stitches a long story, reprinted a dozen times before it, and one
    // paragraph that only one earlier article holds. With room for four candidates, the
    // story's copies all share more than the lone source, yet it must stay a candidate.
    let mut cfg = Config::default();
    cfg.max_sources = 4;
    let story = prose(500, 3);
    let lone = prose(501, 1);
    let mut arts = vec![article("story", "2024-05-01T00:00:00Z", &story)];
    for k in 0..12u64 {
        let mut p = story.clone();
        p.extend(prose(600 + k, 1));
        arts.push(article(&format!("copy{k}"), &format!("2024-05-{:02}T00:00:00Z", 2 + k), &p));
    }
    arts.push(article("lone", "2024-05-05T12:00:00Z", &[lone[0].clone(), prose(700, 1)[0].clone()]));
    let dir = tempfile::tempdir().unwrap();
    let mut idx = index::Index::open_or_create(dir.path(), &cfg).unwrap();
    idx.add(&arts, &cfg).unwrap();
    let mut q = story.clone();
    q.push(lone[0].clone());
    let query = article("query", "2024-05-20T00:00:00Z", &q);
    let c = idx.candidates_with(&query, &cfg, 0).unwrap();
    let ids: Vec<&str> = c.iter().map(|c| c.id.as_str()).collect();
    assert!(ids.contains(&"lone"), "{ids:?}");
    assert!(ids.contains(&"story"), "{ids:?}");
    let lone_shared = c.iter().find(|c| c.id == "lone").unwrap().shared;
    assert!(c.iter().filter(|c| c.shared > lone_shared).count() >= cfg.max_sources, "{c:?}");
    // Bounded: the cap, the few earliest extra, two per region of the query.
    assert!(c.len() <= cfg.max_sources + 8 + 2 * 3, "{ids:?}");
}
