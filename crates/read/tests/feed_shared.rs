//! The feed reader on the 21 real feeds in ../shared/data/feeds (skipped when absent): every
//! file reads without panic, through sniffing, with one article per item of the XML, and the
//! fields hold what the XML says.

use std::path::{Path, PathBuf};

use copydesk_read::{source, Article, Format, Item, ReadError, ReadOptions, SourceFormat};

fn feeds_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/feeds");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}

struct Read {
    format: Format,
    articles: Vec<Article>,
    errors: Vec<ReadError>,
}

fn read(path: &Path) -> Read {
    let p = path.display().to_string();
    let opened = source::open(&p).expect("open");
    let format = opened.format;
    let mut articles = Vec::new();
    let mut errors = Vec::new();
    for item in source::items(opened, &ReadOptions::default()) {
        match item {
            Item::Article(a) => articles.push(*a),
            Item::Error(e) => errors.push(e),
            other => panic!("{p}: unexpected {other:?}"),
        }
    }
    Read {
        format,
        articles,
        errors,
    }
}

/// Items in the document, counted on the raw bytes: `<item>`/`<entry>` start tags, or the
/// JSON Feed's `items` array.
fn items_in(path: &Path) -> usize {
    let bytes = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "json") {
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        return v["items"].as_array().map_or(0, Vec::len);
    }
    let count = |tag: &[u8]| {
        bytes
            .windows(tag.len() + 1)
            .filter(|w| {
                w.starts_with(tag) && matches!(w[tag.len()], b'>' | b' ' | b'\n' | b'\t' | b'\r')
            })
            .count()
    };
    count(b"<item") + count(b"<entry")
}

fn feed_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml" || e == "json"))
        .collect();
    files.sort();
    files
}

fn by_name(dir: &Path, name: &str) -> Read {
    read(&dir.join(name))
}

#[test]
fn every_feed_reads_with_one_article_per_item() {
    let Some(dir) = feeds_dir() else { return };
    let files = feed_files(&dir);
    assert_eq!(files.len(), 21, "{files:?}");
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let r = read(f);
        assert_eq!(r.format, Format::Feed, "{name} not sniffed as a feed");
        assert_eq!(r.articles.len(), items_in(f), "{name}: article count");
        if name.contains("invalid") {
            assert_eq!(r.errors.len(), 1, "{name}: {:?}", r.errors);
        } else {
            assert!(r.errors.is_empty(), "{name}: {:?}", r.errors);
        }
        for (i, a) in r.articles.iter().enumerate() {
            assert_eq!(a.format, SourceFormat::Feed);
            assert_eq!(a.origin.line, Some(i as u64 + 1), "{name}");
            assert_eq!(a.origin.path, f.display().to_string());
            assert!(
                !a.text.contains('\u{fffd}'),
                "{name}: replacement char in {:?}",
                a.text
            );
            assert!(
                !a.text.contains('<') || !a.text.contains("</"),
                "{name}: markup left in {:?}",
                a.text
            );
            for s in &a.paragraphs {
                let p = s.get(&a.text).expect("span on char boundaries");
                assert_eq!(p, p.trim());
                assert!(!p.contains("\n\n"));
            }
            if let Some(d) = &a.published {
                assert!(
                    copydesk_model::time::parse_instant(d).is_some(),
                    "{name}: date {d}"
                );
            }
            if let Some(u) = &a.url {
                assert!(
                    u.starts_with("http://") || u.starts_with("https://"),
                    "{name}: {u}"
                );
            }
        }
    }
}

#[test]
fn news_feeds_have_links_dates_and_authors() {
    let Some(dir) = feeds_dir() else { return };
    let bbc = by_name(&dir, "rss_2.0_bbc.xml");
    for a in &bbc.articles {
        assert!(
            a.url.as_deref().is_some_and(|u| u.contains("bbc.co.uk")),
            "{:?}",
            a.url
        );
        assert_eq!(a.published.as_deref(), Some("2021-02-25T10:15:00Z"));
        assert_eq!(a.title.as_deref(), Some("Marcus Aurelius"));
        assert_eq!(a.language.as_deref(), Some("en"));
    }
    let nbc = by_name(&dir, "rss_2.0_nbcny.xml");
    let a = &nbc.articles[0];
    assert_eq!(a.bylines, ["Gaby Acevedo", "Jessica Cunnington"]);
    assert!(
        a.text.starts_with("A young man was left for dead"),
        "{}",
        a.text
    );
    // "Sat, Dec 16 2023 02:02:33 PM": not RFC 822, still a date.
    assert_eq!(a.published.as_deref(), Some("2023-12-16T14:02:33Z"));
    let giornale = by_name(&dir, "rss_2.0_ilgiornale.xml");
    let a = &giornale.articles[0];
    assert_eq!(a.bylines, ["Angela Leucci"]);
    assert_eq!(a.section.as_deref(), Some("Cronaca nera"));
    assert!(a.text.contains("l'uomo è accusato"), "{}", a.text);
    let messaggero = by_name(&dir, "rss_2.0_ilmessaggero.xml");
    let a = &messaggero.articles[0];
    assert_eq!(a.published.as_deref(), Some("2022-11-16T00:38:15+01:00"));
    assert!(
        a.title
            .as_deref()
            .is_some_and(|t| t.starts_with("Missili Polonia") && t.ends_with("noi")),
        "{:?}",
        a.title
    );
    assert_eq!(a.language.as_deref(), Some("it"));
}

#[test]
fn german_and_declared_latin1_text_decodes_right() {
    let Some(dir) = feeds_dir() else { return };
    let spiegel = by_name(&dir, "rss_2.0_spiegel.xml");
    let a = &spiegel.articles[0];
    assert!(
        a.title
            .as_deref()
            .is_some_and(|t| t.contains("Lockdown-Verlängerung")),
        "{:?}",
        a.title
    );
    assert_eq!(a.language.as_deref(), Some("de"));
    // content:encoded splits at <br><br> and <p>.
    assert_eq!(a.paragraphs.len(), 2, "{}", a.text);
    let golem = by_name(&dir, "rss_1.0_iso8859.xml");
    let a = &golem.articles[0];
    assert_eq!(
        a.title.as_deref(),
        Some("Digitalministerium: Neue Glasfaserförderung mit Schnellkasse")
    );
    assert!(
        a.text.contains("Ab April soll es wieder Förderung"),
        "{}",
        a.text
    );
    assert_eq!(a.bylines, ["Achim Sawall"]);
    assert_eq!(a.published.as_deref(), Some("2023-01-25T19:03:02+01:00"));
    let inovacao = by_name(&dir, "rss_2.0_encoding_1.xml");
    assert!(inovacao.articles[0]
        .title
        .as_deref()
        .is_some_and(|t| t.starts_with("Revolução nas telas")));
    assert!(inovacao.articles[0].text.contains("três cores primárias"));
    let tjrs = by_name(&dir, "rss_0.91_encoding_2.xml");
    assert!(
        tjrs.articles[0]
            .text
            .starts_with("Comitê completa 150 dias de atuação"),
        "{}",
        tjrs.articles[0].text
    );
    assert_eq!(tjrs.articles[0].language.as_deref(), Some("pt"));
    let dicas = by_name(&dir, "rss_0.91_encoding_1.xml");
    assert_eq!(
        dicas.articles[0].title.as_deref(),
        Some("bash - Expansão de Parâmetros")
    );
}

#[test]
fn links_are_absolute_and_bases_honoured() {
    let Some(dir) = feeds_dir() else { return };
    let rel = by_name(&dir, "rss_2.0_relurl_1.xml");
    assert_eq!(rel.articles.len(), 2);
    for a in &rel.articles {
        assert!(
            a.url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://insanity.industries/post/")),
            "{:?}",
            a.url
        );
        assert_eq!(a.bylines, ["Jonas Große Sundrup"]);
    }
    // The first item's content:encoded is a placeholder ("..."): the description is the body.
    assert!(
        rel.articles[0]
            .text
            .starts_with("Everyone wants good compression."),
        "{}",
        rel.articles[0].text
    );
    let base = by_name(&dir, "atom_xml_base.xml");
    assert_eq!(
        base.articles[0].url.as_deref(),
        Some("https://numi.st/post/2022/travel-uke")
    );
    assert_eq!(base.articles[0].bylines, ["Not Blank"]);
    let spec = by_name(&dir, "atom_spec_1.xml");
    let a = &spec.articles[0];
    assert_eq!(
        a.url.as_deref(),
        Some("http://example.org/2003/12/13/atom03")
    );
    assert_eq!(a.bylines, ["John Doe"], "feed-level author is inherited");
    assert_eq!(a.text, "Some text.");
    let rdf = by_name(&dir, "rss_1.0_spec_1.xml");
    assert_eq!(
        rdf.articles[1].url.as_deref(),
        Some("http://xml.com/pub/2000/08/09/rdfdb/index.html")
    );
    assert!(rdf.articles[1].text.starts_with("Tool and API support"));
}

#[test]
fn atom_and_json_feed_content() {
    let Some(dir) = feeds_dir() else { return };
    let reddit = by_name(&dir, "atom_example_reddit.xml");
    let a = &reddit.articles[0];
    assert_eq!(a.bylines, ["/u/llogiq"]);
    assert_eq!(a.section.as_deref(), Some("r/rust"));
    assert!(a.paragraphs.len() > 3, "{}", a.text);
    assert!(
        a.text.contains("haven't been written yet"),
        "entities decoded twice over: {}",
        a.text
    );
    let json = by_name(&dir, "jsonfeed_spec_1.json");
    let a = &json.articles[0];
    assert_eq!(a.title.as_deref(), Some("Announcing JSON Feed"));
    assert_eq!(a.published.as_deref(), Some("2017-05-17T08:02:12-07:00"));
    assert_eq!(a.bylines, ["Brent Simmons", "Manton Reece"]);
    assert!(
        a.paragraphs.len() >= 2 && a.text.starts_with("We — Manton Reece"),
        "{}",
        a.text
    );
}

#[test]
fn malformed_feed_error_names_file_and_place() {
    let Some(dir) = feeds_dir() else { return };
    let path = dir.join("rss_2.0_invalid_1.xml");
    let r = read(&path);
    assert!(r.articles.is_empty());
    let e = &r.errors[0];
    assert_eq!(e.origin.path, path.display().to_string());
    let shown = e.to_string();
    assert!(
        shown.contains("rss_2.0_invalid_1.xml") && shown.contains("line "),
        "{shown}"
    );
    assert!(e.origin.offset.is_some(), "{shown}");
}
