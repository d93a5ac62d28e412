use serde::{Deserialize, Serialize};

use crate::{hash_hex, Layers, Span};

/// One clean article. See docs/schema.md for the JSON form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Article {
    /// Stable id: the input's own id when it has one (JSON lines, CSV), else derived from
    /// the URL, else from the content hash. Same input, same id, on every run.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The publishing site, usually the URL's host without `www.`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// RFC 3339 date-time, or a bare `YYYY-MM-DD` when only the day is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bylines: Vec<String>,
    /// BCP 47 primary tag (`en`, `fr`) when declared or detected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The body: paragraphs joined by one blank line (`\n\n`). Captions are not in it.
    #[serde(default)]
    pub text: String,
    /// One span per body paragraph, in order.
    #[serde(default)]
    pub paragraphs: Vec<Span>,
    /// Figure captions and photo credits found with the article, kept out of `text`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub captions: Vec<Caption>,
    /// The kind of input the article was read from.
    #[serde(default)]
    pub format: SourceFormat,
    /// Hash of `text` (128-bit xxh3, hex), to spot identical bodies cheaply.
    #[serde(default)]
    pub content_hash: String,
    /// Where the article was read from.
    #[serde(default)]
    pub origin: Origin,
    /// Analysis layers (sentences, quotes, times...): spans into `text` with their values.
    #[serde(default, skip_serializing_if = "Layers::is_empty")]
    pub layers: Layers,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caption {
    pub text: String,
    #[serde(default)]
    pub kind: CaptionKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CaptionKind {
    /// Describes a picture or video.
    #[default]
    Caption,
    /// Names who made or owns it ("Photo: Getty Images").
    Credit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    Html,
    Warc,
    Arc,
    Feed,
    Jsonl,
    Csv,
    #[default]
    Text,
}

/// Where an article was read from: enough to find the bytes again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Origin {
    /// The input path as given (`-` for standard input).
    pub path: String,
    /// Byte offset of the record inside an archive (WARC/ARC: of the record header; in a
    /// gzipped archive, of the record's gzip member in the compressed file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// 1-based line (JSON lines) or record number (CSV, feeds) inside the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

impl Origin {
    pub fn file(path: impl Into<String>) -> Self {
        Origin { path: path.into(), offset: None, line: None }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(off) = self.offset {
            write!(f, "@{off}")?;
        }
        Ok(())
    }
}

impl Article {
    /// Builds an article from body paragraphs: joins them with blank lines, records their
    /// spans and fills the content hash. Empty paragraphs are dropped and each paragraph's
    /// inner whitespace runs are kept as given (readers normalise before calling this).
    pub fn from_paragraphs<S: AsRef<str>>(paragraphs: impl IntoIterator<Item = S>) -> Article {
        let mut a = Article::default();
        a.set_paragraphs(paragraphs);
        a
    }

    /// Replaces `text` and `paragraphs` with the given paragraphs, and refreshes the hash.
    pub fn set_paragraphs<S: AsRef<str>>(&mut self, paragraphs: impl IntoIterator<Item = S>) {
        let mut text = String::new();
        let mut spans = Vec::new();
        for p in paragraphs {
            let p = p.as_ref().trim();
            if p.is_empty() {
                continue;
            }
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            let start = text.len();
            text.push_str(p);
            spans.push(Span::new(start, text.len()));
        }
        self.text = text;
        self.paragraphs = spans;
        self.content_hash = hash_hex(self.text.as_bytes());
    }

    /// Sets `text` as given and derives paragraph spans from blank-line separators.
    pub fn set_text(&mut self, text: String) {
        self.paragraphs = paragraph_spans(&text);
        self.content_hash = hash_hex(text.as_bytes());
        self.text = text;
    }

    /// Fills `id` when empty: from the URL if there is one, else from the content hash, so
    /// that the same page read twice gets the same id.
    pub fn ensure_id(&mut self) {
        if !self.id.is_empty() {
            return;
        }
        if self.content_hash.is_empty() {
            self.content_hash = hash_hex(self.text.as_bytes());
        }
        self.id = match &self.url {
            Some(u) if !u.is_empty() => format!("u{}", &hash_hex(u.as_bytes())[..16]),
            _ => format!("c{}", &self.content_hash[..16]),
        };
    }

    /// The text of paragraph `i`.
    pub fn paragraph(&self, i: usize) -> Option<&str> {
        self.paragraphs.get(i).and_then(|s| s.get(&self.text))
    }
}

/// Spans of the blocks of `text` separated by blank lines (lines holding only whitespace),
/// each trimmed of surrounding whitespace.
pub fn paragraph_spans(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut block_start: Option<usize> = None;
    let mut block_end = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim().is_empty() {
            if let Some(s) = block_start.take() {
                spans.push(trim_span(text, Span::new(s, block_end)));
            }
        } else {
            if block_start.is_none() {
                block_start = Some(pos);
            }
            block_end = pos + content.len();
        }
        pos += line.len();
    }
    if let Some(s) = block_start {
        spans.push(trim_span(text, Span::new(s, block_end)));
    }
    spans
}

fn trim_span(text: &str, s: Span) -> Span {
    let slice = &text[s.start..s.end];
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    Span::new(s.start + lead, s.end - trail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_join_with_blank_lines_and_spans_point_into_text() {
        let a = Article::from_paragraphs(["First one.", "  ", " Second. "]);
        assert_eq!(a.text, "First one.\n\nSecond.");
        assert_eq!(a.paragraphs.len(), 2);
        assert_eq!(a.paragraph(1), Some("Second."));
        assert_eq!(a.content_hash, hash_hex(a.text.as_bytes()));
    }

    #[test]
    fn set_text_finds_blocks_across_crlf_and_whitespace_lines() {
        let mut a = Article::default();
        a.set_text("One\r\nstill one\r\n \r\n\r\nTwo  \n".to_string());
        let paras: Vec<_> = a.paragraphs.iter().map(|s| s.get(&a.text).unwrap()).collect();
        assert_eq!(paras, ["One\r\nstill one", "Two"]);
    }

    #[test]
    fn ids_are_stable_and_prefer_url() {
        let mut a = Article::from_paragraphs(["Body"]);
        a.ensure_id();
        let by_content = a.id.clone();
        assert!(by_content.starts_with('c'));
        let mut b = Article::from_paragraphs(["Body"]);
        b.url = Some("https://example.com/a".into());
        b.ensure_id();
        assert!(b.id.starts_with('u'));
        let mut c = Article::from_paragraphs(["Body"]);
        c.ensure_id();
        assert_eq!(c.id, by_content);
    }

    #[test]
    fn json_round_trip_keeps_spans_as_pairs() {
        let mut a = Article::from_paragraphs(["A b.", "C d."]);
        a.ensure_id();
        let json = serde_json::to_string(&a).unwrap();
        assert!(json.contains("\"paragraphs\":[[0,4],[6,10]]"), "{json}");
        let back: Article = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
    }
}
