//! Readers while a writer ingests: every read sees one consistent snapshot.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use copydesk_model::Article;
use copydesk_store::Store;

fn words(seed: u64, n: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("w{}", x % 20000)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Families of three: an original and two copies of its paragraphs, copies first in
/// the batch order so that originals arrive late and copies are re-traced.
fn batch(b: u64) -> Vec<Article> {
    let mut v = Vec::new();
    for f in 0..20u64 {
        let fam = b * 100 + f;
        let p = |j: u64| words(fam * 10 + j, 30) + ".";
        for k in [2u64, 1, 0] {
            let text = if k == 0 { format!("{}\n\n{}", p(1), p(2)) } else { format!("{}\n\n{}", p(k), words(900_000 + fam * 3 + k, 20)) };
            let mut a = Article::default();
            a.set_text(text);
            a.id = format!("f{fam}-{k}");
            a.site = Some(format!("s{k}.example"));
            a.published = Some(format!("2024-05-{:02}T0{k}:00:00Z", 1 + fam % 28));
            v.push(a);
        }
    }
    v
}

#[test]
fn readers_see_consistent_data_while_a_writer_ingests() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, done) = (store.clone(), done.clone());
        std::thread::spawn(move || {
            for b in 0..6 {
                store.ingest(batch(b), &mut |_| {}).unwrap();
            }
            done.store(true, Ordering::SeqCst);
        })
    };
    let readers: Vec<_> = (0..3)
        .map(|r| {
            let (store, done) = (store.clone(), done.clone());
            std::thread::spawn(move || {
                let (mut last, mut reads, mut checked) = (Default::default(), 0u64, 0u64);
                let mut i = r as u64;
                loop {
                    let finished = done.load(Ordering::SeqCst);
                    let s = store.stats().unwrap();
                    let now = (s.articles, s.revisions, s.passages.min(u64::MAX));
                    let prev: (u64, u64, u64) = last;
                    assert!(now.0 >= prev.0 && now.1 >= prev.1, "counts went back: {prev:?} -> {now:?}");
                    assert!(s.revisions >= s.articles);
                    last = now;
                    // A stored article's passages point at stored articles, inside their texts.
                    let id = format!("f{}-{}", i % 600, i % 3);
                    if let Some(v) = store.article(&id).unwrap() {
                        for p in &v.passages {
                            let src = store.article(&p.source).unwrap().expect("a passage's source is stored");
                            assert!(p.source_end <= src.article.text.len());
                            assert!(p.end <= v.article.text.len());
                            assert_eq!(p.source_ref.id, p.source);
                            checked += 1;
                        }
                    }
                    let hits = store.search(&copydesk_store::SearchQuery { q: words((i % 600) * 10 + 1, 3), ..Default::default() }).unwrap();
                    for h in hits.hits {
                        assert!(store.article(&h.article.id).unwrap().is_some());
                    }
                    reads += 1;
                    i += 7;
                    if finished {
                        return (reads, checked);
                    }
                }
            })
        })
        .collect();
    writer.join().unwrap();
    let mut total_checked = 0;
    for r in readers {
        let (reads, checked) = r.join().unwrap();
        assert!(reads > 3, "the reader ran ({reads} reads)");
        total_checked += checked;
    }
    assert!(total_checked > 0, "some passages were read while writing");
    let s = store.stats().unwrap();
    assert_eq!(s.articles, 6 * 60);
    // Every copy traced to its original in the end, although the originals came last.
    for fam in [0u64, 219, 519] {
        for k in [1, 2] {
            let v = store.article(&format!("f{fam}-{k}")).unwrap().unwrap();
            let srcs: Vec<&str> = v.passages.iter().map(|p| p.source.as_str()).collect();
            assert_eq!(srcs, [format!("f{fam}-0")], "f{fam}-{k}");
        }
    }
}
