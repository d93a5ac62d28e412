//! Decide what an input is from its first bytes, with the file extension as a tie-breaker.
//! Content wins over the name: crawls are full of `.html` files that hold JSON and `.txt`
//! files that hold HTML.

use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Warc,
    Arc,
    /// RSS, RDF or Atom (XML), or JSON Feed.
    Feed,
    JsonLines,
    Csv,
    Text,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Html => "html",
            Format::Warc => "warc",
            Format::Arc => "arc",
            Format::Feed => "feed",
            Format::JsonLines => "jsonl",
            Format::Csv => "csv",
            Format::Text => "text",
        })
    }
}

/// Number of leading bytes [`sniff`] wants to see.
pub const SNIFF_LEN: usize = 8192;

pub fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
}

/// The extension hint of a path, looking through a trailing `.gz`.
fn extension_hint(path: Option<&Path>) -> Option<String> {
    let name = path?.file_name()?.to_str()?.to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let name = name.strip_suffix(".bad").unwrap_or(name);
    name.rsplit_once('.').map(|(_, ext)| ext.to_string())
}

/// `head` is the start of the (decompressed) content.
pub fn sniff(head: &[u8], path: Option<&Path>) -> Format {
    let ext = extension_hint(path);
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let trimmed = trim_ascii_start(head);

    if trimmed.starts_with(b"WARC/") {
        return Format::Warc;
    }
    if trimmed.starts_with(b"filedesc://") {
        return Format::Arc;
    }
    if trimmed.first() == Some(&b'<') {
        let lower: Vec<u8> = trimmed.iter().take(2048).map(|b| b.to_ascii_lowercase()).collect();
        let has = |needle: &[u8]| memchr::memmem::find(&lower, needle).is_some();
        let htmlish = has(b"<!doctype html") || has(b"<html") || has(b"<head") || has(b"<body");
        if !htmlish && (has(b"<rss") || has(b"<feed") || has(b"<rdf:rdf") || has(b"<channel")) {
            return Format::Feed;
        }
        if htmlish {
            return Format::Html;
        }
        if matches!(ext.as_deref(), Some("rss" | "atom" | "xml" | "rdf")) {
            return Format::Feed;
        }
        return Format::Html;
    }
    if trimmed.first() == Some(&b'{') {
        let lower: Vec<u8> = trimmed.iter().take(512).map(|b| b.to_ascii_lowercase()).collect();
        if memchr::memmem::find(&lower, b"jsonfeed.org").is_some() {
            return Format::Feed;
        }
        return Format::JsonLines;
    }
    match ext.as_deref() {
        Some("warc") => Format::Warc,
        Some("arc") => Format::Arc,
        Some("html" | "htm" | "xhtml" | "shtml") => Format::Html,
        Some("jsonl" | "ndjson" | "json") => Format::JsonLines,
        Some("csv" | "tsv") => Format::Csv,
        Some("rss" | "atom" | "xml" | "rdf") => Format::Feed,
        _ => Format::Text,
    }
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(head: &str, name: &str) -> Format {
        sniff(head.as_bytes(), Some(Path::new(name)))
    }

    #[test]
    fn content_beats_extension() {
        assert_eq!(s("WARC/1.0\r\n", "x.txt"), Format::Warc);
        assert_eq!(s("filedesc://x.arc 0.0.0.0", "x"), Format::Arc);
        assert_eq!(s("\n<!DOCTYPE html><html>", "page.txt"), Format::Html);
        assert_eq!(s("<?xml version=\"1.0\"?><rss version=\"2.0\">", "f.html"), Format::Feed);
        assert_eq!(s("{\"id\": 1}\n", "x.txt"), Format::JsonLines);
        assert_eq!(s("{\"version\": \"https://jsonfeed.org/version/1\"}", "f.json"), Format::Feed);
    }

    #[test]
    fn extension_decides_plain_content() {
        assert_eq!(s("a,b,c\n1,2,3\n", "t.csv"), Format::Csv);
        assert_eq!(s("a,b,c\n1,2,3\n", "t.csv.gz"), Format::Csv);
        assert_eq!(s("World Media\n\nHeadline", "article.txt"), Format::Text);
        assert_eq!(s("", "empty"), Format::Text);
    }
}
