//! Index candidates in both time directions, and tracing chosen targets only.

use copydesk_model::Article;
use copydesk_trace::{index, trace, trace_targets, Config};

fn words(seed: u64, n: usize) -> String {
    let mut x = seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("v{}", x % 7000)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn art(id: &str, published: Option<&str>, paras: &[String]) -> Article {
    let mut a = Article::from_paragraphs(paras);
    a.id = id.into();
    a.site = Some(format!("{id}.example"));
    a.published = published.map(str::to_string);
    a
}

/// An original `o` (March), an earlier copy source `e` (January) sharing its first
/// paragraph, two later copies `l1`, `l2`, an undated copy `u` and an unrelated `x`.
fn corpus() -> Vec<Article> {
    let (p1, p2, p3) = (words(1, 60), words(2, 60), words(3, 60));
    vec![
        art("e", Some("2024-01-01"), &[p1.clone(), words(10, 50)]),
        art(
            "o",
            Some("2024-03-01"),
            &[p1.clone(), p2.clone(), p3.clone()],
        ),
        art("l1", Some("2024-04-01"), &[p2.clone(), words(11, 40)]),
        art("l2", Some("2024-05-01"), &[p2.clone(), p3.clone()]),
        art("u", None, &[p3.clone(), words(12, 40)]),
        art("x", Some("2024-02-01"), &[words(13, 120)]),
    ]
}

#[test]
fn candidates_are_found_earlier_and_later_and_exclude_the_query() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::default();
    let all = corpus();
    index::add(dir.path(), &all, &cfg).unwrap();
    let c = index::candidates(dir.path(), &all[1], &cfg).unwrap();
    let mut ids: Vec<&str> = c.iter().map(|c| c.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["e", "l1", "l2", "u"]);
    let e = c.iter().find(|c| c.id == "e").unwrap();
    assert!(e.published.is_some() && e.shared >= cfg.min_shared);
    assert!(c.iter().find(|c| c.id == "u").unwrap().published.is_none());
    // The cap holds on each side.
    let tight = Config {
        max_sources: 1,
        ..Config::default()
    };
    let c = index::candidates(dir.path(), &all[1], &tight).unwrap();
    assert_eq!(c.len(), 2, "{c:?}");
    assert_eq!(c[0].id, "e");
    // An empty index has no candidates rather than an error.
    let empty = tempfile::tempdir().unwrap();
    assert!(index::candidates(empty.path(), &all[1], &cfg)
        .unwrap()
        .is_empty());
}

#[test]
fn tracing_chosen_targets_gives_their_passages_of_a_full_trace() {
    let cfg = Config::default();
    let all = corpus();
    let full = trace(&all, &cfg).unwrap();
    let mask: Vec<bool> = all.iter().map(|a| a.id == "l2" || a.id == "o").collect();
    let some = trace_targets(&all, &mask, &cfg).unwrap();
    let pick = |v: &[copydesk_trace::PassageRecord]| {
        let mut v: Vec<_> = v
            .iter()
            .filter(|p| p.target == "l2" || p.target == "o")
            .cloned()
            .collect();
        v.sort_by(|a, b| (&a.target, a.begin).cmp(&(&b.target, b.begin)));
        v
    };
    assert!(!pick(&full.passages).is_empty());
    assert_eq!(pick(&some.passages), pick(&full.passages));
    assert!(some
        .passages
        .iter()
        .all(|p| p.target == "l2" || p.target == "o"));
}

/// A paragraph only one earlier article holds must stay a candidate next to a big family
/// sharing another, longer paragraph.
#[test]
fn a_big_family_does_not_crowd_out_a_lone_source() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::default();
    let (fam, lone) = (words(50, 80), words(51, 30));
    let mut all: Vec<Article> = (0..60)
        .map(|i| {
            art(
                &format!("f{i:02}"),
                Some(&format!("2024-01-{:02}T{:02}:00:00Z", 1 + i / 24, i % 24)),
                &[fam.clone(), words(100 + i as u64, 40)],
            )
        })
        .collect();
    all.push(art("lone", Some("2024-02-01"), &[lone.clone(), words(99, 40)]));
    let q = art("q", Some("2024-03-01"), &[fam.clone(), lone.clone()]);
    index::add(dir.path(), &all, &cfg).unwrap();
    let c = index::candidates(dir.path(), &q, &cfg).unwrap();
    assert!(c.iter().any(|c| c.id == "lone"), "{:?}", c.iter().map(|c| &c.id).collect::<Vec<_>>());
    assert!(c.iter().any(|c| c.id == "f00"), "the family's earliest stays");
    assert!(c.len() <= cfg.max_sources);
    // Every later holder of the family's text, past the candidates' cap.
    let fps: std::collections::HashSet<u64> = copydesk_trace::group::fingerprints(
        &copydesk_trace::token::tokenize(&fam).toks,
        cfg.ngram,
        cfg.sample,
    )
    .into_iter()
    .collect();
    let h = index::holders(dir.path(), &fps, 0, cfg.min_shared, 1000).unwrap();
    assert_eq!(h.len(), 60);
    let after = copydesk_model::time::parse_instant("2024-01-02T00:00:00Z").unwrap().timestamp();
    let h = index::holders(dir.path(), &fps, after, cfg.min_shared, 1000).unwrap();
    assert_eq!(h.len(), 36, "holders from the second day on");
    assert_eq!(index::holders(dir.path(), &fps, 0, cfg.min_shared, 5).unwrap().len(), 5);
}
