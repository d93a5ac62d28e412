//! Bad input never panics: deep nesting, junk bytes, truncated markup, empty pages.

use copydesk_read::{html, RawPage};

fn run(bytes: Vec<u8>) -> Result<copydesk_read::Article, String> {
    html::extract(&RawPage {
        bytes,
        ..Default::default()
    })
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let mut page = "<html><body>".to_string();
    page.push_str(&"<div>".repeat(100_000));
    page.push_str(
        "<p>Deep inside a hundred thousand divs, this sentence is still the article text.</p>",
    );
    page.push_str(&"</div>".repeat(100_000));
    // Run on a small stack so that any recursion would fail here, not only in production.
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || run(page.into_bytes()))
        .expect("thread");
    let a = handle.join().expect("no panic").expect("extracts");
    assert!(a.text.contains("a hundred thousand divs"), "{:?}", a.text);

    let unclosed = format!("{}{}", "<span><b>".repeat(50_000), "text");
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || run(unclosed.into_bytes()))
        .expect("thread");
    assert!(handle.join().is_ok());
}

#[test]
fn deep_nesting_of_metadata_elements_stays_linear() {
    // Elements the metadata pass looks into (headings, dated and byline classes, captions),
    // nested deep: any per-element walk over ancestors or subtrees would be quadratic here
    // and make this test crawl (speed itself is measured in the criterion bench).
    for open in [
        "<h2 class=\"byline date\">",
        "<h1>",
        "<figure>",
        "<div class=\"caption\">",
        "<time datetime=\"2020-01-01\">",
        "<a rel=author>",
    ] {
        let mut page = open.repeat(30_000);
        page.push_str("<p>Some article text at the bottom of a very deep pile of elements, with commas, here.</p>");
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || run(page.into_bytes()))
            .expect("thread");
        assert!(handle.join().is_ok(), "{open}");
    }
}

#[test]
fn empty_and_whitespace_pages_are_errors() {
    assert!(run(Vec::new()).is_err());
    assert!(run(b"  \n\t ".to_vec()).is_err());
}

#[test]
fn junk_and_truncated_markup_do_not_panic() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..200 {
        let len = (next() % 4000) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let _ = run(bytes);
    }
    let pieces: [&[u8]; 14] = [
        b"<",
        b"</",
        b"<!--",
        b"<!",
        b"<?",
        b"<script>",
        b"<p class='",
        b"&#x",
        b"&amp",
        b"<div a=b",
        b"</div",
        b"<title>",
        b"<table><tr><td>",
        b"\xff\xfe\x00",
    ];
    for p in pieces {
        let _ = run(p.to_vec());
        let mut with_text = b"<p>Some text before ".to_vec();
        with_text.extend_from_slice(p);
        let _ = run(with_text);
    }
    // markup soup from shuffled fragments
    let frags = [
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<li>",
        "<ul>",
        "</ul>",
        "<table>",
        "<td>",
        "<a href=x>",
        "</a>",
        "text, more text ",
        "<br>",
        "<h1>",
        "</span>",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "&nbsp;",
        "<figure>",
        "<figcaption>",
    ];
    for _ in 0..300 {
        let n = (next() % 200) as usize;
        let s: String = (0..n)
            .map(|_| frags[(next() % frags.len() as u64) as usize])
            .collect();
        let _ = run(s.into_bytes());
    }
}

#[test]
fn huge_attribute_and_text_runs_are_fine() {
    let mut page = String::from("<html><body><div class=\"");
    page.push_str(&"x".repeat(1 << 20));
    page.push_str("\"><p>");
    page.push_str(&"word ".repeat(200_000));
    page.push_str("</p></div></body></html>");
    let a = run(page.into_bytes()).expect("extracts");
    assert!(a.text.len() > 900_000);
}
