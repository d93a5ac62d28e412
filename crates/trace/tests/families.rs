//! Reprint families on corpora written here: who joins a family, and a site's template
//! text (a disclaimer under every article) makes none.

use copydesk_model::Article;
use copydesk_trace::{trace, Config};

/// Distinct seeds share no long n-gram: "w<number>" words from a xorshift stream.
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
        + "."
}

fn article(id: &str, site: &str, day: u32, paragraphs: &[String]) -> Article {
    let mut a = Article::from_paragraphs(paragraphs);
    a.id = id.into();
    a.site = Some(site.into());
    a.published = Some(format!("2024-05-{day:02}T00:00:00Z"));
    a
}

#[test]
fn a_copy_joins_a_family_only_with_a_real_share_of_the_original() {
    let story: Vec<String> = (0..4).map(|k| words(100 + k, 60)).collect();
    let mut arts = vec![article("orig", "wire", 1, &story)];
    // A reprint of the whole story, and an excerpt of one paragraph framed by own text.
    arts.push(article("reprint", "paper", 2, &story));
    arts.push(article(
        "excerpt",
        "blog",
        3,
        &[words(200, 60), story[1].clone(), words(201, 60)],
    ));
    // A long article of its own that shares one sentence-long stretch of the story.
    let quote: String = story[2].split(' ').take(14).collect::<Vec<_>>().join(" ");
    let mut long: Vec<String> = (0..12).map(|k| words(300 + k, 60)).collect();
    long[5] = format!("{} {}", quote, long[5]);
    arts.push(article("quoting", "daily", 4, &long));
    let out = trace(&arts, &Config::default()).unwrap();
    // The shared stretch is still a passage...
    assert!(
        out.passages
            .iter()
            .any(|p| p.target == "quoting" && p.source == "orig"),
        "{:?}",
        out.passages
    );
    // ...but not enough of the article to make it a member.
    assert_eq!(out.families.len(), 1, "{:?}", out.families);
    let members: Vec<&str> = out.families[0]
        .copies
        .iter()
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(out.families[0].original.id, "orig");
    assert_eq!(members, ["reprint", "excerpt"]);
}

#[test]
fn a_sites_template_text_is_boilerplate_and_makes_no_family() {
    let disclaimer = words(999, 30);
    let mut arts = Vec::new();
    for k in 0..6u64 {
        arts.push(article(
            &format!("e{k}"),
            "opinion-site",
            1 + k as u32,
            &[words(500 + k, 60), words(600 + k, 60), disclaimer.clone()],
        ));
    }
    // Another site reprinting one of those articles whole is a family as usual.
    arts.push(article(
        "re",
        "aggregator",
        20,
        &[words(503, 60), words(603, 60), disclaimer.clone()],
    ));
    let out = trace(&arts, &Config::default()).unwrap();
    let same_site: Vec<_> = out
        .passages
        .iter()
        .filter(|p| p.target.starts_with('e'))
        .collect();
    assert_eq!(same_site.len(), 5, "{same_site:?}");
    assert!(same_site.iter().all(|p| p.boilerplate), "{same_site:?}");
    assert!(
        out.passages
            .iter()
            .any(|p| p.target == "re" && p.source == "e3" && !p.boilerplate),
        "{:?}",
        out.passages
    );
    assert_eq!(out.families.len(), 1, "{:?}", out.families);
    assert_eq!(out.families[0].original.id, "e3");
    // With both filters off, the disclaimer chains the site's articles into a family.
    let mut cfg = Config::default();
    cfg.tune("boilerplate_articles=0,family_min_share=0,family_min_bytes=0")
        .unwrap();
    let out = trace(&arts, &cfg).unwrap();
    assert!(out.passages.iter().all(|p| !p.boilerplate));
    assert!(
        out.families
            .iter()
            .any(|f| f.original.id == "e0" && f.copies.len() >= 5),
        "{:?}",
        out.families
    );
}
