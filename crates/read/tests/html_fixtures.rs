//! Hand-written pages in fixtures/html/ with their expected articles: every `<name>.html`
//! has a `<name>.expect.json` naming the fields to check (absent fields are not checked).

use std::path::Path;

use copydesk_read::{html, Origin, RawPage, SourceFormat};
use serde_json::Value;

fn extract(bytes: Vec<u8>) -> copydesk_read::Article {
    let page = RawPage {
        bytes,
        format: SourceFormat::Html,
        origin: Origin::file("fixture.html"),
        ..Default::default()
    };
    html::extract(&page).expect("fixture extracts")
}

#[test]
fn fixtures_match_their_expectations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/html");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    names.sort();
    assert!(names.len() >= 4);
    let mut failures = Vec::new();
    for path in names {
        let expect_path = path.with_extension("expect.json");
        let expect: Value =
            serde_json::from_str(&std::fs::read_to_string(&expect_path).expect("expect file"))
                .expect("expect json");
        let a = extract(std::fs::read(&path).expect("fixture"));
        let got = serde_json::to_value(&a).expect("article json");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        for (field, want) in expect.as_object().expect("object") {
            let have = match field.as_str() {
                "paragraphs" => Value::from(
                    (0..a.paragraphs.len())
                        .filter_map(|i| a.paragraph(i))
                        .map(str::to_string)
                        .collect::<Vec<_>>(),
                ),
                "captions" => got.get("captions").cloned().unwrap_or(Value::Array(vec![])),
                "bylines" => got.get("bylines").cloned().unwrap_or(Value::Array(vec![])),
                f => got.get(f).cloned().unwrap_or(Value::Null),
            };
            if &have != want {
                failures.push(format!("{name}: {field}\n  want {want}\n  have {have}"));
            }
        }
        // Captions never leak into the body.
        for c in &a.captions {
            if a.text.contains(&c.text) {
                failures.push(format!("{name}: caption {:?} is in the body", c.text));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn container_metadata_wins_and_format_origin_are_kept() {
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/html/news_article.html"),
    )
    .expect("fixture");
    let page = RawPage {
        bytes,
        url: Some("https://example.org/given".into()),
        published: Some("2020-01-01".into()),
        crawl_date: Some("2024-05-05T00:00:00Z".into()),
        format: SourceFormat::Warc,
        origin: Origin {
            path: "x.warc.gz".into(),
            offset: Some(42),
            line: None,
        },
        ..Default::default()
    };
    let a = html::extract(&page).expect("extracts");
    assert_eq!(a.url.as_deref(), Some("https://example.org/given"));
    assert_eq!(a.published.as_deref(), Some("2020-01-01"));
    assert_eq!(a.format, SourceFormat::Warc);
    assert_eq!(a.origin.offset, Some(42));
}

#[test]
fn crawl_date_is_never_the_publication_date() {
    let page = RawPage {
        bytes: b"<html><body><p>Some text that has no date in it at all, written plainly.</p></body></html>".to_vec(),
        crawl_date: Some("2024-05-05T00:00:00Z".into()),
        ..Default::default()
    };
    let a = html::extract(&page).expect("extracts");
    assert_eq!(a.published, None);
}
