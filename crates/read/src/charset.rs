//! Bytes to text: BOM, then what the document or its headers declare, then a guess from
//! the content (chardetng), so that a Latin-1 or Windows-1251 page reads right.

use encoding_rs::Encoding;

/// Decodes an HTML document. `content_type` is the HTTP header, if any.
pub fn decode_html(bytes: &[u8], content_type: Option<&str>) -> (String, &'static Encoding) {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return (
            enc.decode_without_bom_handling(&bytes[bom_len..])
                .0
                .into_owned(),
            enc,
        );
    }
    let declared = content_type
        .and_then(charset_param)
        .or_else(|| meta_charset(&bytes[..bytes.len().min(16384)]));
    let enc = match declared {
        // A page that says UTF-8 but is not valid UTF-8 is usually mislabelled cp1252.
        Some(e) if e == encoding_rs::UTF_8 && std::str::from_utf8(bytes).is_err() => guess(bytes),
        Some(e) => e,
        None => guess(bytes),
    };
    (enc.decode_without_bom_handling(bytes).0.into_owned(), enc)
}

/// Decodes plain text: BOM, valid UTF-8, else a guess.
pub fn decode_text(bytes: &[u8]) -> String {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return enc
            .decode_without_bom_handling(&bytes[bom_len..])
            .0
            .into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => guess(bytes)
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// Decodes an XML document (a feed): BOM, then the XML declaration's `encoding`, then
/// UTF-8 when valid, else a guess. A declaration of UTF-16 in a document without a BOM
/// cannot be true of bytes that were read as ASCII to find it, so it is ignored.
pub fn decode_xml(bytes: &[u8]) -> (String, &'static Encoding) {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return (
            enc.decode_without_bom_handling(&bytes[bom_len..])
                .0
                .into_owned(),
            enc,
        );
    }
    let enc = match xml_declared_encoding(bytes) {
        Some(e) if e == encoding_rs::UTF_8 && std::str::from_utf8(bytes).is_err() => guess(bytes),
        Some(e) if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE => guess(bytes),
        Some(e) => e,
        None => guess(bytes),
    };
    (enc.decode_without_bom_handling(bytes).0.into_owned(), enc)
}

/// The `encoding` of an XML declaration at the start of the document.
pub fn xml_declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let start = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let head = &bytes[start..bytes.len().min(start + 512)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let decl = &head[..memchr::memmem::find(head, b"?>")?];
    let i = memchr::memmem::find(decl, b"encoding")?;
    let rest = &decl[i + 8..];
    let rest = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
    let rest = rest.strip_prefix(b"=")?;
    let rest = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
    let quote = *rest.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let label = &rest[1..];
    let end = memchr::memchr(quote, label)?;
    Encoding::for_label(&label[..end])
}

fn guess(bytes: &[u8]) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return encoding_rs::UTF_8;
    }
    let mut det = chardetng::EncodingDetector::new();
    det.feed(&bytes[..bytes.len().min(1 << 20)], true);
    det.guess(None, true)
}

/// The `charset=` parameter of a Content-Type value.
pub fn charset_param(content_type: &str) -> Option<&'static Encoding> {
    let lower = content_type.to_ascii_lowercase();
    let i = lower.find("charset")?;
    let rest = lower[i + 7..].trim_start().strip_prefix('=')?.trim_start();
    let label: String = rest
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| !matches!(c, '"' | '\'' | ';' | ' ' | '/' | '>'))
        .collect();
    Encoding::for_label(label.as_bytes()).map(|e| {
        if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE {
            encoding_rs::UTF_8
        } else {
            e
        }
    })
}

/// `<meta charset=...>` or `<meta http-equiv="Content-Type" content="...; charset=...">`,
/// or an XML declaration's `encoding=`, in the document's first bytes.
pub fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    let mut pos = 0;
    while let Some(i) = memchr::memmem::find(&lower[pos..], b"<meta") {
        let start = pos + i;
        let end = memchr::memchr(b'>', &lower[start..])
            .map(|e| start + e)
            .unwrap_or(lower.len());
        let tag = std::str::from_utf8(&lower[start..end]).unwrap_or("");
        if let Some(e) = charset_param(tag) {
            return Some(e);
        }
        pos = end.max(start + 5);
    }
    if let Some(i) = memchr::memmem::find(&lower, b"encoding=") {
        let rest = &lower[i + 9..];
        let label: Vec<u8> = rest
            .iter()
            .skip_while(|b| matches!(b, b'"' | b'\''))
            .take_while(|b| !matches!(b, b'"' | b'\'' | b'?' | b' '))
            .copied()
            .collect();
        if memchr::memmem::find(&lower[..i], b"<?xml").is_some() {
            return Encoding::for_label(&label);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_page_with_meta_reads_right() {
        let page = b"<html><head><meta charset=\"iso-8859-1\"></head><body>caf\xe9</body></html>";
        let (s, _) = decode_html(page, None);
        assert!(s.contains("café"));
    }

    #[test]
    fn header_charset_and_http_equiv() {
        let page = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">\xcf\xf0\xe8";
        assert!(decode_html(page, None).0.ends_with("При"));
        assert_eq!(
            charset_param("text/html; charset=UTF-8"),
            Some(encoding_rs::UTF_8)
        );
    }

    #[test]
    fn undeclared_non_utf8_is_guessed() {
        let s = decode_text("Le café est très bon, déjà vu à la fenêtre".as_bytes());
        assert!(s.contains("café"));
        let (s, _) = decode_html(
            b"<p>Gr\xfc\xdfe aus M\xfcnchen, sch\xf6ne Stra\xdfe</p>",
            None,
        );
        assert!(s.contains("Grüße"), "{s}");
    }

    #[test]
    fn xml_declaration_decides_and_lies_are_caught() {
        let (s, e) =
            decode_xml(b"<?xml version=\"1.0\" encoding='ISO-8859-1'?><t>Inova\xe7\xe3o</t>");
        assert_eq!(e, encoding_rs::WINDOWS_1252);
        assert!(s.contains("Inovação"));
        let (s, _) =
            decode_xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>Grüße</t>".as_bytes());
        assert!(s.contains("Grüße"));
        // Says UTF-8, is Latin-1.
        let (s, _) = decode_xml(b"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Gr\xfc\xdfe aus M\xfcnchen, sch\xf6ne Stra\xdfe</t>");
        assert!(s.contains("Grüße"), "{s}");
        assert_eq!(xml_declared_encoding(b"<rss encoding=\"latin1\">"), None);
        assert_eq!(
            xml_declared_encoding(b"<?xml encoding=\"nonsense\"?>"),
            None
        );
    }
}
