//! The feed reader on hand-made edge cases and on damaged copies of a feed: never a panic,
//! items before a fault kept, the fault named.

use copydesk_read::{feed, Item, ReadOptions};

const FEED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>T</title><link>https://site.example/news/</link><language>en</language>
<item><title>One</title><link>one.html</link><pubDate>Wed, 03 Jan 2024 08:00:00 GMT</pubDate>
<description>&lt;p&gt;First &amp;amp; foremost.&lt;/p&gt;&lt;p&gt;Second.&lt;/p&gt;</description></item>
<item><title>Two</title><link>https://site.example/two</link><dc:creator>Kim Park</dc:creator>
<description><![CDATA[Plain <b>bold</b> text.]]></description></item>
<item><title>Three &#8211; dash</title><description>Nothing &nbsp; here.</description></item>
</channel></rss>"#;

fn run(bytes: Vec<u8>) -> Vec<Item> {
    feed::items(bytes, "f.xml".into(), &ReadOptions::default())
}

#[test]
fn a_clean_feed_gives_three_articles() {
    let out = run(FEED.as_bytes().to_vec());
    let arts: Vec<_> = out
        .iter()
        .filter_map(|i| {
            if let Item::Article(a) = i {
                Some(a)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(arts.len(), 3, "{out:?}");
    assert_eq!(
        arts[0].url.as_deref(),
        Some("https://site.example/news/one.html")
    );
    assert_eq!(arts[0].text, "First & foremost.\n\nSecond.");
    assert_eq!(arts[0].published.as_deref(), Some("2024-01-03T08:00:00Z"));
    assert_eq!(arts[1].text, "Plain bold text.");
    assert_eq!(arts[1].bylines, ["Kim Park"]);
    // &nbsp; is not an XML entity; read as HTML it is a space.
    assert_eq!(arts[2].title.as_deref(), Some("Three – dash"));
    assert_eq!(arts[2].text, "Nothing here.");
}

#[test]
fn every_truncation_reads_without_panic_and_keeps_finished_items() {
    let bytes = FEED.as_bytes();
    let second_item_end = FEED.find("</item>\n<item><title>Three").unwrap() + "</item>".len();
    for cut in 0..bytes.len() {
        let out = run(bytes[..cut].to_vec());
        let articles = out.iter().filter(|i| matches!(i, Item::Article(_))).count();
        if cut >= second_item_end && cut < bytes.len() - 20 {
            assert!(articles >= 2, "cut at {cut}: {out:?}");
        }
        if cut < bytes.len() - "</rss>".len() {
            assert!(
                out.iter()
                    .any(|i| matches!(i, Item::Error(e) if e.origin.path == "f.xml")),
                "cut at {cut}: no error"
            );
        }
    }
}

#[test]
fn byte_flips_never_panic() {
    let bytes = FEED.as_bytes();
    // A cheap deterministic generator: the test must not depend on a seed source.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..3000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut b = bytes.to_vec();
        for k in 0..3 {
            let i = ((state >> (k * 16)) as usize) % b.len();
            b[i] = (state >> (k * 8 + 3)) as u8;
        }
        let _ = run(b);
    }
}

#[test]
fn undeclared_latin1_is_guessed_and_bom_is_honoured() {
    let mut latin = b"<rss><channel><item><title>Caf\xe9 cr\xe8me br\xfbl\xe9e, d\xe9j\xe0 vu</title></item></channel></rss>".to_vec();
    let out = run(std::mem::take(&mut latin));
    let Item::Article(a) = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(a.title.as_deref(), Some("Café crème brûlée, déjà vu"));
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>Ärger</title></entry></feed>"
            .as_bytes(),
    );
    let out = run(bom);
    let Item::Article(a) = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(a.title.as_deref(), Some("Ärger"));
}

#[test]
fn json_feed_edge_cases() {
    let src = r#"{"version":"https://jsonfeed.org/version/1.1","home_page_url":"https://j.example/","language":"nl-NL",
      "authors":[{"name":"Redactie"}],
      "items":[{"id":"1","url":"/a","content_text":"Een.\n\nTwee.","tags":["Binnenland"],"date_modified":"2024-05-01T10:00:00+02:00"},
               7,
               {"id":"3","content_html":"<p>Drie</p>","authors":[{"name":"Els"}]}]}"#;
    let out = feed::items(
        src.as_bytes().to_vec(),
        "j.json".into(),
        &ReadOptions::default(),
    );
    assert_eq!(out.len(), 3);
    let Item::Article(a) = &out[0] else { panic!() };
    assert_eq!(a.url.as_deref(), Some("https://j.example/a"));
    assert_eq!(a.paragraphs.len(), 2);
    assert_eq!(a.section.as_deref(), Some("Binnenland"));
    assert_eq!(a.language.as_deref(), Some("nl"));
    assert_eq!(a.bylines, ["Redactie"]);
    assert_eq!(a.published.as_deref(), Some("2024-05-01T10:00:00+02:00"));
    assert!(matches!(&out[1], Item::Error(e) if e.origin.line == Some(2)));
    let Item::Article(c) = &out[2] else { panic!() };
    assert_eq!(
        (c.text.as_str(), c.bylines.as_slice()),
        ("Drie", &["Els".to_string()][..])
    );
    let bad = feed::items(
        b"{\"version\": \"https://jsonfeed.org/version/1\", \"items\": [".to_vec(),
        "b.json".into(),
        &ReadOptions::default(),
    );
    assert!(
        matches!(&bad[..], [Item::Error(e)] if e.message.contains("line 1")),
        "{bad:?}"
    );
}
