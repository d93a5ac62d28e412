//! Pages in legacy encodings read right: declared (meta, HTTP header) or guessed.

use copydesk_read::{html, RawPage};

fn page(body: &[u8], content_type: Option<&str>) -> copydesk_read::Article {
    html::extract(&RawPage {
        bytes: body.to_vec(),
        content_type: content_type.map(str::to_string),
        ..Default::default()
    })
    .expect("extracts")
}

#[test]
fn latin1_page_with_meta_charset() {
    let mut b = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"><title>Caf\xe9</title></head><body><p>".to_vec();
    b.extend_from_slice(b"Le caf\xe9 de la gare a rouvert ses portes apr\xe8s des ann\xe9es de travaux, \xe0 la grande joie des habitants.");
    b.extend_from_slice(b"</p></body></html>");
    let a = page(&b, None);
    assert!(
        a.text.contains(
            "Le café de la gare a rouvert ses portes après des années de travaux, à la grande joie"
        ),
        "{}",
        a.text
    );
    assert_eq!(a.title.as_deref(), Some("Café"));
}

#[test]
fn windows_1251_page_declared_by_header_and_guessed() {
    let text = "Правительство объявило о новых мерах поддержки малого бизнеса, которые вступят в силу с первого числа следующего месяца.";
    let (encoded, _, _) = encoding_rs::WINDOWS_1251.encode(text);
    let mut b = b"<html><body><article><p>".to_vec();
    b.extend_from_slice(&encoded);
    b.extend_from_slice(b"</p></article></body></html>");
    let a = page(&b, Some("text/html; charset=windows-1251"));
    assert!(a.text.contains(text), "{}", a.text);
    // No declaration: the detector must recognise Cyrillic in cp1251.
    let a = page(&b, None);
    assert!(a.text.contains(text), "{}", a.text);
}

#[test]
fn utf8_page_declared_as_utf8_and_bom() {
    let body = "<html><head><meta charset=\"utf-8\"></head><body><p>Ünïcödé text stays as it is, with “quotes” and — dashes — in a long enough sentence.</p></body></html>";
    let a = page(body.as_bytes(), None);
    assert!(a.text.contains("Ünïcödé text"));
    let mut with_bom = vec![0xEF, 0xBB, 0xBF];
    with_bom.extend_from_slice(body.as_bytes());
    assert_eq!(page(&with_bom, None).text, a.text);
}
