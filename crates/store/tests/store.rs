//! The store on small corpora: ingest, views, search, idempotency and revisions.

use copydesk_model::Article;
use copydesk_store::{IngestOutcome, SearchQuery, Store};

/// Deterministic prose: distinct seeds share no 4-word sequence.
fn words(seed: u64, n: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v: Vec<String> = (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("w{}", x % 9000)
        })
        .collect();
    v.push("end.".into());
    v.join(" ")
}

fn art(id: &str, site: &str, published: Option<&str>, paras: &[String]) -> Article {
    let mut a = Article::from_paragraphs(paras);
    a.id = id.into();
    a.site = Some(site.into());
    a.published = published.map(str::to_string);
    a.title = Some(format!("Title of {id}"));
    a
}

fn no_progress() -> impl FnMut(u64) {
    |_| {}
}

#[test]
fn an_article_is_stored_once_and_a_changed_text_is_a_revision() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let a = art(
        "a1",
        "one.example",
        Some("2024-01-01"),
        &[words(1, 50), words(2, 50)],
    );
    let (r, rep) = store.ingest(vec![a.clone()], &mut no_progress()).unwrap();
    assert_eq!(r[0].outcome, IngestOutcome::Added);
    assert_eq!((rep.added, r[0].revision), (1, 1));
    let (r, rep) = store.ingest(vec![a.clone()], &mut no_progress()).unwrap();
    assert_eq!(r[0].outcome, IngestOutcome::Unchanged);
    assert_eq!((rep.unchanged, rep.added), (1, 0));
    let mut b = a.clone();
    b.set_text(format!("{}\n\n{}", words(1, 50), words(3, 50)));
    let (r, rep) = store.ingest(vec![b.clone()], &mut no_progress()).unwrap();
    assert_eq!(r[0].outcome, IngestOutcome::Revised);
    assert_eq!((rep.revised, r[0].revision), (1, 2));
    let v = store.article("a1").unwrap().unwrap();
    assert_eq!(v.revision, Some(2));
    assert_eq!(v.article.text, b.text);
    assert_eq!(v.revisions.len(), 1);
    assert_eq!(v.revisions[0].revision, 1);
    let old = store.revision("a1", 1).unwrap().unwrap();
    assert_eq!(old.text, a.text);
    assert!(!old.layers.sentences.is_empty());
    let s = store.stats().unwrap();
    assert_eq!((s.articles, s.revisions), (1, 2));
    // The old text is no longer found, the new one is.
    let q = |w: &str| {
        store
            .search(&SearchQuery {
                q: w.into(),
                ..Default::default()
            })
            .unwrap()
            .total
    };
    assert_eq!(q(words(3, 50).split(' ').nth(3).unwrap()), 1);
}

#[test]
fn copies_trace_to_their_original_whatever_the_order_of_arrival() {
    let (p1, p2, p3) = (words(11, 80), words(12, 80), words(13, 80));
    let orig = art(
        "orig",
        "wire.example",
        Some("2024-02-01T08:00:00Z"),
        &[p1.clone(), p2.clone(), p3.clone()],
    );
    let c1 = art(
        "copy1",
        "daily.example",
        Some("2024-02-02T08:00:00Z"),
        &[p1.clone(), p2.clone(), words(14, 60)],
    );
    let c2 = art(
        "copy2",
        "weekly.example",
        Some("2024-02-03T08:00:00Z"),
        &[words(15, 60), p2.clone(), p3.clone()],
    );
    let other = art(
        "other",
        "wire.example",
        Some("2024-02-01T09:00:00Z"),
        &[words(16, 120)],
    );
    let sources = |store: &Store, id: &str| -> Vec<String> {
        let mut v: Vec<String> = store
            .article(id)
            .unwrap()
            .unwrap()
            .passages
            .iter()
            .map(|p| p.source.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    for order in [vec![&orig, &c1, &c2, &other], vec![&c2, &c1, &other, &orig]] {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        // One at a time: each arrival is its own batch.
        let mut retraced = 0;
        for a in &order {
            let (_, rep) = store
                .ingest(vec![(*a).clone()], &mut no_progress())
                .unwrap();
            retraced += rep.retraced;
        }
        assert_eq!(sources(&store, "copy1"), ["orig"]);
        assert_eq!(sources(&store, "copy2"), ["orig"]);
        assert!(sources(&store, "orig").is_empty());
        assert!(sources(&store, "other").is_empty());
        if order[0].id == "copy2" {
            assert!(
                retraced >= 2,
                "the late original re-traces its copies ({retraced})"
            );
        }
        let v = store.article("copy2").unwrap().unwrap();
        assert!(v.reused_share > 0.5, "{}", v.reused_share);
        assert_eq!(v.sources.len(), 1);
        assert!(!v.unsourced.is_empty());
        let p = &v.passages[0];
        assert_eq!(&v.article.text[p.begin..p.end], p.source_text);
        let o = store.article("orig").unwrap().unwrap();
        let by: Vec<&str> = o.reused_by.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(by, ["copy1", "copy2"]);
        assert_eq!(o.families, ["orig"]);
        let f = store.family("orig").unwrap().unwrap();
        assert_eq!(
            f.copies
                .iter()
                .map(|c| c.article.id.as_str())
                .collect::<Vec<_>>(),
            ["copy1", "copy2"]
        );
        assert!(f.dated);
        assert!(store.family("copy1").unwrap().is_none());
        let s = store.site("daily.example").unwrap().unwrap();
        assert_eq!((s.articles, s.reusing_articles), (1, 1));
        assert_eq!(s.sources[0].site, "wire.example");
        let w = store.site("wire.example").unwrap().unwrap();
        assert_eq!(w.articles, 2);
        assert_eq!(w.reused_by.len(), 2);
        assert!(store.site("nowhere.example").unwrap().is_none());
    }
}

#[test]
fn a_bulk_load_traces_each_article_once_as_if_they_came_one_by_one() {
    // Copies before their original, in separate batches: traced one batch at a time, the
    // late original re-traces its copies; stored first and traced once, nothing is
    // traced twice and the provenance is the same.
    let (p1, p2, p3) = (words(21, 80), words(22, 80), words(23, 80));
    let arts = vec![
        art("copy2", "weekly.example", Some("2024-02-03T08:00:00Z"), &[words(25, 60), p2.clone(), p3.clone()]),
        art("copy1", "daily.example", Some("2024-02-02T08:00:00Z"), &[p1.clone(), p2.clone(), words(24, 60)]),
        art("other", "wire.example", None, &[words(26, 120)]),
        art("orig", "wire.example", Some("2024-02-01T08:00:00Z"), &[p1, p2, p3]),
    ];
    let passages = |store: &Store, id: &str| -> Vec<(usize, usize, String, usize, usize)> {
        let mut v: Vec<_> = store
            .article(id)
            .unwrap()
            .unwrap()
            .passages
            .iter()
            .map(|p| (p.begin, p.end, p.source.clone(), p.source_begin, p.source_end))
            .collect();
        v.sort();
        v
    };
    let one = tempfile::tempdir().unwrap();
    let one = Store::open(one.path()).unwrap();
    let mut retraced = 0;
    for a in &arts {
        retraced += one.ingest(vec![a.clone()], &mut no_progress()).unwrap().1.retraced;
    }
    assert!(retraced >= 2, "{retraced}");

    let bulk_dir = tempfile::tempdir().unwrap();
    let bulk = Store::open(bulk_dir.path()).unwrap();
    for a in &arts {
        let (r, rep) = bulk.add(vec![a.clone()], &mut no_progress()).unwrap();
        assert_eq!((r[0].outcome.clone(), rep.passages), (IngestOutcome::Added, 0));
    }
    // Stored, not yet traced.
    assert!(bulk.article("copy1").unwrap().unwrap().passages.is_empty());
    let mut seen = Vec::new();
    let rep = bulk.trace_pending(&mut |done, n| seen.push((done, n))).unwrap();
    assert_eq!(rep.retraced, 0);
    assert_eq!(seen.last(), Some(&(4, 4)));
    for id in ["copy1", "copy2", "orig", "other"] {
        assert_eq!(passages(&bulk, id), passages(&one, id), "{id}");
    }
    assert!(passages(&bulk, "copy2").iter().all(|p| p.2 == "orig"));
    assert!(!passages(&bulk, "copy1").is_empty());
    // Nothing is left to trace, and a store opened afresh finds nothing pending.
    assert_eq!(bulk.trace_pending(&mut |_, _| {}).unwrap().passages, 0);
    drop(bulk);
    let again = Store::open(bulk_dir.path()).unwrap();
    assert_eq!(passages(&again, "copy1"), passages(&one, "copy1"));
}

#[test]
fn stored_but_untraced_articles_are_traced_when_the_store_is_next_opened() {
    let (p1, p2) = (words(31, 80), words(32, 80));
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store
            .add(
                vec![
                    art("o", "wire.example", Some("2024-03-01"), &[p1.clone(), p2.clone()]),
                    art("c", "farm.example", Some("2024-03-02"), &[p1, words(33, 70)]),
                ],
                &mut no_progress(),
            )
            .unwrap();
        // Interrupted here: never traced.
    }
    let store = Store::open(dir.path()).unwrap();
    let v = store.article("c").unwrap().unwrap();
    assert_eq!(v.passages.len(), 1);
    assert_eq!(v.passages[0].source, "o");
    let hits = store
        .search(&SearchQuery {
            q: words(33, 70).split(' ').nth(2).unwrap().into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(hits.total, 1);
}

#[test]
fn search_filters_by_site_date_and_entity() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut a = art(
        "s1",
        "one.example",
        Some("2024-03-01"),
        &[
            "The minister said the budget would rise.".to_string(),
            words(21, 40),
        ],
    );
    a.set_text(format!(
        "\"We will raise the budget,\" said Jane Smith, the finance minister.\n\n{}",
        words(21, 40)
    ));
    let b = art(
        "s2",
        "two.example",
        Some("2024-04-10"),
        &[format!("The budget debate went on. {}", words(22, 40))],
    );
    let c = art(
        "s3",
        "two.example",
        None,
        &[format!("Nothing about money here. {}", words(23, 40))],
    );
    store.ingest(vec![a, b, c], &mut no_progress()).unwrap();
    let run = |q: SearchQuery| store.search(&q).unwrap();
    let r = run(SearchQuery {
        q: "budget".into(),
        ..Default::default()
    });
    assert_eq!(r.total, 2);
    assert!(
        r.hits.iter().all(|h| h.snippet.contains("<b>budget</b>")),
        "{:?}",
        r.hits
    );
    let r = run(SearchQuery {
        q: "budget".into(),
        site: Some("two.example".into()),
        ..Default::default()
    });
    assert_eq!(
        r.hits
            .iter()
            .map(|h| h.article.id.as_str())
            .collect::<Vec<_>>(),
        ["s2"]
    );
    let r = run(SearchQuery {
        q: "budget".into(),
        from: Some("2024-03-02".into()),
        ..Default::default()
    });
    assert_eq!(
        r.hits
            .iter()
            .map(|h| h.article.id.as_str())
            .collect::<Vec<_>>(),
        ["s2"]
    );
    let r = run(SearchQuery {
        q: "budget".into(),
        to: Some("2024-03-01".into()),
        ..Default::default()
    });
    assert_eq!(
        r.hits
            .iter()
            .map(|h| h.article.id.as_str())
            .collect::<Vec<_>>(),
        ["s1"]
    );
    let r = run(SearchQuery {
        entity: Some("Jane Smith".into()),
        ..Default::default()
    });
    assert_eq!(
        r.hits
            .iter()
            .map(|h| h.article.id.as_str())
            .collect::<Vec<_>>(),
        ["s1"]
    );
    let r = run(SearchQuery {
        site: Some("two.example".into()),
        ..Default::default()
    });
    assert_eq!(r.total, 2);
    assert!(store
        .search(&SearchQuery {
            q: "budget AND (".into(),
            ..Default::default()
        })
        .is_err());
    assert!(store
        .search(&SearchQuery {
            from: Some("yesterday".into()),
            ..Default::default()
        })
        .is_err());
}

#[test]
fn the_same_url_under_another_id_is_the_same_article() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut a = art("x1", "e.example", Some("2024-01-01"), &[words(31, 40)]);
    a.url = Some("https://e.example/p".into());
    assert_eq!(store.ingest(vec![a.clone()], &mut no_progress()).unwrap().0[0].outcome, IngestOutcome::Added);
    let mut b = a.clone();
    b.id = "x2".into();
    let r = store.ingest(vec![b.clone()], &mut no_progress()).unwrap().0;
    assert_eq!((r[0].outcome.clone(), r[0].id.as_str()), (IngestOutcome::Unchanged, "x1"));
    b.set_text(words(32, 40));
    let r = store.ingest(vec![b], &mut no_progress()).unwrap().0;
    assert_eq!((r[0].outcome.clone(), r[0].id.as_str(), r[0].revision), (IngestOutcome::Revised, "x1", 2));
    // Within one batch too.
    let mut c = art("y1", "e.example", None, &[words(33, 40)]);
    c.url = Some("https://e.example/q".into());
    let mut d = art("y2", "e.example", None, &[words(34, 40)]);
    d.url = c.url.clone();
    let r = store.ingest(vec![c, d], &mut no_progress()).unwrap().0;
    assert_eq!((r[1].outcome.clone(), r[1].id.as_str(), r[1].revision), (IngestOutcome::Revised, "y1", 2));
    assert!(store.article("x2").unwrap().is_none());
    assert_eq!(store.stats().unwrap().articles, 2);
}

#[test]
fn a_site_view_reports_the_swaps_a_site_makes_whenever_it_can_not_its_one_offs() {
    // A farm copies six wire stories, always with "said" -> "stated"; twice it also writes
    // "too" for "also", but it keeps "also" in ten other places: a one-off, seen twice.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut arts = Vec::new();
    for k in 0..6u64 {
        let w = |j: u64| words(100 + k * 10 + j, 18);
        let para = format!("{} said {} also {} also {}", w(1), w(2), w(3), w(4));
        let day = format!("2024-04-{:02}", 1 + k * 2);
        arts.push(art(&format!("wire{k}"), "wire.example", Some(&day), &[para.clone(), w(5)]));
        let mut copy = para.replacen(" said ", " stated ", 1);
        if k < 2 {
            copy = copy.replacen(" also ", " too ", 1);
        }
        let later = format!("2024-04-{:02}", 2 + k * 2);
        arts.push(art(&format!("farm{k}"), "farm.example", Some(&later), &[copy, w(6)]));
    }
    store.ingest(arts, &mut no_progress()).unwrap();
    let v = store.site("farm.example").unwrap().unwrap();
    let subs: Vec<(&str, &str, u32)> = v
        .substitutions
        .iter()
        .map(|s| (s.from.as_str(), s.to.as_str(), s.count))
        .collect();
    assert!(subs.contains(&("said", "stated", 6)), "{subs:?}");
    assert!(!subs.iter().any(|s| s.0 == "also"), "{subs:?}");
    assert_eq!(v.reusing_articles, 6);
}
