//! Behaviour of the whole trace stage on small corpora written here: reprints, spin,
//! stitching with swapped paragraphs, chains, undated pairs, big families, bad input.

use copydesk_model::Article;
use copydesk_trace::{dedup_ids, trace, Config, PassageRecord};

/// Deterministic prose: sentences of pseudo-random words from a fixed vocabulary, so
/// that different seeds share no long n-gram (as distinct news stories would).
fn prose(seed: u64, paragraphs: usize) -> Vec<String> {
    const WORDS: &[&str] = &[
        "council",
        "river",
        "market",
        "station",
        "winter",
        "report",
        "minister",
        "village",
        "budget",
        "harbour",
        "engine",
        "forest",
        "teacher",
        "bridge",
        "garden",
        "museum",
        "airport",
        "factory",
        "doctor",
        "island",
        "concert",
        "library",
        "stadium",
        "voter",
        "tunnel",
        "festival",
        "prison",
        "orchard",
        "glacier",
        "senate",
        "copper",
        "violin",
        "satellite",
        "farmer",
        "lantern",
        "canal",
        "meadow",
        "pilot",
        "quarry",
        "ferry",
        "marble",
        "tenant",
        "courier",
        "summit",
        "harvest",
        "cabinet",
        "ledger",
        "pension",
        "vaccine",
        "turbine",
        "walked",
        "opened",
        "closed",
        "signed",
        "raised",
        "cut",
        "built",
        "moved",
        "found",
        "lost",
        "quickly",
        "quietly",
        "early",
        "late",
        "again",
        "nearly",
        "almost",
        "rarely",
        "often",
        "finally",
    ];
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..paragraphs)
        .map(|_| {
            (0..3)
                .map(|_| {
                    let n = 9 + (next() % 6) as usize;
                    let mut words: Vec<String> = (0..n)
                        .map(|_| WORDS[(next() % WORDS.len() as u64) as usize].to_string())
                        .collect();
                    let first = &mut words[0];
                    *first = first[..1].to_uppercase() + &first[1..];
                    words.join(" ") + "."
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn article(id: &str, site: &str, published: Option<&str>, paragraphs: &[String]) -> Article {
    let mut a = Article::from_paragraphs(paragraphs);
    a.id = id.into();
    a.site = Some(site.into());
    a.published = published.map(Into::into);
    a
}

fn passages_of<'a>(out: &'a [PassageRecord], target: &str) -> Vec<&'a PassageRecord> {
    let mut v: Vec<_> = out.iter().filter(|p| p.target == target).collect();
    v.sort_by_key(|p| p.begin);
    v
}

fn spin(p: &[String], rules: &[(&str, &str)]) -> Vec<String> {
    p.iter()
        .map(|s| {
            let mut s = format!(" {s} ");
            for (f, t) in rules {
                s = s.replace(&format!(" {f} "), &format!(" {t} "));
            }
            s.trim().to_string()
        })
        .collect()
}

#[test]
fn reprints_and_spun_copies_point_to_the_original() {
    let orig = prose(1, 4);
    let spun = spin(
        &orig,
        &[
            ("council", "municipal authority"),
            ("report", "account"),
            ("river", "waterway"),
        ],
    );
    let arts = vec![
        article("orig", "wire", Some("2024-01-01T10:00:00Z"), &orig),
        article("reprint", "blog", Some("2024-01-01T12:00:00Z"), &orig),
        article("spun", "farm", Some("2024-01-02T08:00:00Z"), &spun),
        article("other", "wire", Some("2024-01-01T09:00:00Z"), &prose(2, 4)),
    ];
    let out = trace(&arts, &Config::default()).unwrap();
    let r = passages_of(&out.passages, "reprint");
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(
        (r[0].source.as_str(), r[0].begin, r[0].end, r[0].kind),
        ("orig", 0, arts[1].text.len(), "verbatim")
    );
    let s = passages_of(&out.passages, "spun");
    assert_eq!(s.len(), 1, "a spun copy is one passage: {s:?}");
    assert_eq!(s[0].source, "orig");
    assert_eq!((s[0].begin, s[0].end), (0, arts[2].text.len()));
    assert!(
        s[0].edits
            .iter()
            .any(|e| e.from == "council" && e.to == "municipal authority"),
        "{:?}",
        s[0].edits
    );
    assert!(s[0].edits.iter().all(|e| e.from != e.to));
    // Originals have no source, and every passage's spans are valid byte ranges.
    assert!(passages_of(&out.passages, "orig").is_empty());
    assert!(passages_of(&out.passages, "other").is_empty());
    for p in &out.passages {
        assert!(p.direction.is_none());
        let t = arts.iter().find(|a| a.id == p.target).unwrap();
        let so = arts.iter().find(|a| a.id == p.source).unwrap();
        assert!(
            t.text.get(p.begin..p.end).is_some()
                && so.text.get(p.source_begin..p.source_end).is_some()
        );
    }
    let cov = out.articles.iter().find(|a| a.id == "reprint").unwrap();
    assert!(cov.unsourced.is_empty() && cov.reused_share > 0.99);
    let orig_cov = out.articles.iter().find(|a| a.id == "orig").unwrap();
    assert_eq!(orig_cov.unsourced, vec![[0, arts[0].text.len()]]);
}

#[test]
fn stitched_article_with_swapped_paragraphs_names_both_sources() {
    let a = prose(11, 4);
    let b = prose(12, 4);
    let own = prose(13, 1);
    // a0 a1 swapped, then own text, then b2 b3.
    let stitched = vec![
        a[1].clone(),
        a[0].clone(),
        own[0].clone(),
        b[2].clone(),
        b[3].clone(),
    ];
    let arts = vec![
        article("a", "wire", Some("2024-02-01T10:00:00Z"), &a),
        article("b", "paper", Some("2024-02-01T11:00:00Z"), &b),
        article("st", "stitcher", Some("2024-02-02T10:00:00Z"), &stitched),
    ];
    let out = trace(&arts, &Config::default()).unwrap();
    let ps = passages_of(&out.passages, "st");
    let srcs: Vec<&str> = ps.iter().map(|p| p.source.as_str()).collect();
    assert_eq!(srcs, ["a", "a", "b"], "{ps:?}");
    // The swapped paragraphs are two passages, each mapped to its own source paragraph.
    let st = &arts[2].text;
    assert_eq!(&st[ps[0].begin..ps[0].end], a[1]);
    assert_eq!(&arts[0].text[ps[0].source_begin..ps[0].source_end], a[1]);
    assert_eq!(&st[ps[1].begin..ps[1].end], a[0]);
    // The own paragraph stays unsourced.
    let cov = out.articles.iter().find(|x| x.id == "st").unwrap();
    assert_eq!(cov.unsourced.len(), 1);
    assert_eq!(&st[cov.unsourced[0][0]..cov.unsourced[0][1]], own[0]);
}

#[test]
fn chains_name_the_earliest_source_via_the_nearer_copy() {
    let a = prose(21, 3);
    let own_b = prose(22, 1);
    // B spins A and adds a paragraph; C reprints B. C is then strictly closer to B
    // than to A, so B is the `via` (with identical copies the path could not be told).
    let mut b = spin(
        &a,
        &[
            ("council", "municipal authority"),
            ("river", "waterway"),
            ("market", "bazaar"),
        ],
    );
    b.push(own_b[0].clone());
    let c = b.clone();
    let arts = vec![
        article("A", "wire", Some("2024-03-01T10:00:00Z"), &a),
        article("B", "blog", Some("2024-03-01T12:00:00Z"), &b),
        article("C", "aggregator", Some("2024-03-02T12:00:00Z"), &c),
    ];
    let out = trace(&arts, &Config::default()).unwrap();
    let ps = passages_of(&out.passages, "C");
    assert_eq!(ps.len(), 2, "{ps:?}");
    assert_eq!(
        (ps[0].source.as_str(), ps[0].via.as_deref()),
        ("A", Some("B"))
    );
    assert_eq!((ps[1].source.as_str(), ps[1].via.as_deref()), ("B", None));
    assert_eq!(&arts[2].text[ps[1].begin..ps[1].end], own_b[0]);
    // The family of A lists B then C, C having taken the text from B.
    let fam = out.families.iter().find(|f| f.original.id == "A").unwrap();
    let copies: Vec<&str> = fam.copies.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(copies, ["B", "C"]);
    assert!(fam.lineage.iter().any(|e| e.from == "B" && e.to == "C"));
}

#[test]
fn undated_pairs_claim_no_direction_but_name_the_other_article() {
    let a = prose(31, 3);
    let arts = vec![
        article("dated", "wire", Some("2024-04-01T10:00:00Z"), &a),
        article("undated", "blog", None, &a),
        article("bad-date", "blog2", Some("next tuesday"), &a),
    ];
    let out = trace(&arts, &Config::default()).unwrap();
    assert!(!out.passages.is_empty());
    for p in &out.passages {
        assert_eq!(p.direction, Some("unknown"), "{p:?}");
    }
    assert_eq!(out.report.undated, 2);
}

#[test]
fn two_hundred_identical_copies_stay_linear() {
    let text = prose(41, 3);
    let arts: Vec<Article> = (0..200)
        .map(|i| {
            article(
                &format!("c{i:03}"),
                &format!("site{}", i % 9),
                Some(&format!("2024-05-01T{:02}:{:02}:00Z", i / 60, i % 60)),
                &text,
            )
        })
        .collect();
    let out = trace(&arts, &Config::default()).unwrap();
    assert!(
        out.report.grouping.groups_capped > 0,
        "big groups are capped and reported"
    );
    assert!(
        out.report.aligned_pairs < 200 * 20,
        "pairs grow linearly: {}",
        out.report.aligned_pairs
    );
    assert_eq!(out.passages.len(), 199);
    assert!(
        out.passages.iter().all(|p| p.source == "c000"),
        "every copy goes back to the first"
    );
    assert_eq!(out.families.len(), 1);
    assert_eq!(out.families[0].copies.len(), 199);
}

#[test]
fn empty_texts_and_duplicate_ids() {
    let a = prose(51, 2);
    let mut arts = vec![
        article("x", "s", Some("2024-06-01T00:00:00Z"), &a),
        article("empty", "s", Some("2024-06-01T01:00:00Z"), &[]),
        article(
            "punct",
            "s",
            Some("2024-06-01T01:00:00Z"),
            &["-- ... --".to_string()],
        ),
    ];
    let mut dup = article("x", "other", Some("2024-06-02T00:00:00Z"), &prose(52, 2));
    dup.title = Some("second".into());
    arts.push(dup);
    let (arts, dropped) = dedup_ids(arts);
    assert_eq!(dropped, ["x"]);
    assert_eq!(arts.len(), 3);
    assert_eq!(
        arts[0].site.as_deref(),
        Some("s"),
        "the first article with an id wins"
    );
    let out = trace(&arts, &Config::default()).unwrap();
    assert!(out.passages.is_empty());
    assert_eq!(out.report.empty_texts, 2);
    assert_eq!(out.articles.len(), 3);
    assert!(trace(&[], &Config::default()).unwrap().passages.is_empty());
}

#[test]
fn a_stray_caption_between_copied_paragraphs_is_not_claimed() {
    let a = prose(61, 3);
    let caption = "Photo: Getty Images".to_string();
    let copy = vec![a[0].clone(), caption.clone(), a[1].clone(), a[2].clone()];
    let arts = vec![
        article("a", "wire", Some("2024-07-01T00:00:00Z"), &a),
        article("copy", "blog", Some("2024-07-01T05:00:00Z"), &copy),
    ];
    let out = trace(&arts, &Config::default()).unwrap();
    let t = &arts[1].text;
    let cap = t.find(&caption).unwrap();
    for p in passages_of(&out.passages, "copy") {
        assert!(
            p.end <= cap || p.begin >= cap + caption.len(),
            "caption claimed by {p:?}"
        );
    }
    assert_eq!(passages_of(&out.passages, "copy").len(), 2);
}

#[test]
fn a_farm_spin_fingerprint_is_mined_from_its_copies() {
    let rules = [
        ("council", "municipal authority"),
        ("minister", "secretary"),
        ("harbour", "port"),
    ];
    let mut arts = Vec::new();
    for k in 0..4u64 {
        let orig = prose(70 + k, 3);
        arts.push(article(
            &format!("o{k}"),
            "wire",
            Some(&format!("2024-08-0{}T00:00:00Z", k + 1)),
            &orig,
        ));
        arts.push(article(
            &format!("f{k}"),
            "farm",
            Some(&format!("2024-08-0{}T06:00:00Z", k + 1)),
            &spin(&orig, &rules),
        ));
        // A verbatim copy of the farm's text makes no substitutions of its own.
        arts.push(article(
            &format!("r{k}"),
            "reposter",
            Some(&format!("2024-08-0{}T09:00:00Z", k + 1)),
            &spin(&orig, &rules),
        ));
    }
    let out = trace(&arts, &Config::default()).unwrap();
    let farm: Vec<(&str, &str)> = out
        .substitutions
        .iter()
        .filter(|s| s.site == "farm" && s.count >= 2)
        .map(|s| (s.from.as_str(), s.to.as_str()))
        .collect();
    for r in rules {
        assert!(farm.contains(&r), "{r:?} not in {farm:?}");
    }
    assert!(
        out.substitutions.iter().all(|s| s.site == "farm"),
        "{:?}",
        out.substitutions
    );
    let spun = passages_of(&out.passages, "f0");
    assert_eq!(spun[0].kind, "spun");
}

#[test]
fn index_add_is_resumable_and_sources_match_the_batch_run() {
    let dir = tempfile::tempdir().unwrap();
    let orig = prose(81, 3);
    let arts = vec![
        article("o", "wire", Some("2024-09-01T00:00:00Z"), &orig),
        article("x", "wire", Some("2024-09-01T01:00:00Z"), &prose(82, 3)),
    ];
    let cfg = Config::default();
    let r = copydesk_trace::index::add(dir.path(), &arts, &cfg).unwrap();
    assert_eq!((r.added, r.total), (2, 2));
    // An interrupted run leaves junk past the manifest: the next add cuts it and adds
    // only what is missing.
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("fingerprints.bin"))
        .unwrap();
    f.write_all(&[1, 2, 3, 4, 5]).unwrap();
    let r = copydesk_trace::index::add(dir.path(), &arts, &cfg).unwrap();
    assert_eq!((r.added, r.already_indexed, r.total), (0, 2, 2));
    let copy = article("copy", "blog", Some("2024-09-02T00:00:00Z"), &orig);
    let ps = copydesk_trace::index::sources(dir.path(), &copy, &cfg).unwrap();
    assert_eq!(ps.len(), 1);
    assert_eq!(
        (ps[0].source.as_str(), ps[0].begin, ps[0].end),
        ("o", 0, copy.text.len())
    );
    let none =
        copydesk_trace::index::sources(dir.path(), &article("new", "s", None, &prose(83, 2)), &cfg)
            .unwrap();
    assert!(none.is_empty());
}
