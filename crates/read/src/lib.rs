//! copydesk's read stage: everything between bytes on disk and clean [`Article`]s.
//!
//! Inputs are sniffed ([`sniff`]), decompressed when gzipped, and split into [`Item`]s by a
//! format reader (one record of an archive, one line of JSON lines, one feed item...). HTML
//! payloads are turned into articles by [`html::extract`], in parallel batches so that an
//! archive streams through in bounded memory ([`pipeline`]).
//!
//! Architecture invariant: reading never fails as a whole. A bad record becomes an
//! [`Item::Error`] naming the input and the place (byte offset or line), and the rest of the
//! input is still read. Nothing here panics on any input: the readers are fuzzed.
//!
//! Architecture invariant: this crate knows nothing of analysis, tracing or storage.

pub mod charset;
pub mod error;
pub mod feed;
pub mod html;
pub mod pipeline;
pub mod sniff;
pub mod source;
pub mod table;
pub mod text;
pub mod warc;

pub use copydesk_model::{Article, Origin, SourceFormat};
pub use error::ReadError;
pub use pipeline::{read_inputs, Event, Stats};
pub use sniff::Format;
pub use table::FieldMap;

/// An HTML document waiting for extraction, with what its container said about it.
#[derive(Debug, Clone, Default)]
pub struct RawPage {
    pub bytes: Vec<u8>,
    /// The page's URL (WARC-Target-URI, feed item link, `--url`).
    pub url: Option<String>,
    /// A date the container gives (feed item date; a WARC-Date is a fallback only, as
    /// it is the crawl time, not the publication time).
    pub published: Option<String>,
    pub crawl_date: Option<String>,
    /// `Content-Type` from HTTP headers, for its charset parameter.
    pub content_type: Option<String>,
    pub format: SourceFormat,
    pub origin: Origin,
}

/// One unit of output from a format reader.
#[derive(Debug)]
pub enum Item {
    /// A finished article (JSON lines, CSV, text, a feed item with full content).
    Article(Box<Article>),
    /// An HTML payload still to extract.
    Page(Box<RawPage>),
    /// A record that could not be read; reading goes on.
    Error(ReadError),
    /// A record deliberately passed over (a WARC request record, an image), with why.
    Skipped { origin: Origin, reason: String },
}

/// Options that apply to every input of a run.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Field names for JSON lines and CSV.
    pub map: FieldMap,
    /// Metadata set by the user for a single input; it overrides what the input says.
    pub url: Option<String>,
    pub published: Option<String>,
    pub site: Option<String>,
    /// Largest single document read (a page, a text file, a record payload). Larger ones
    /// are rejected with an error rather than exhausting memory.
    pub max_document_bytes: Option<usize>,
}

impl ReadOptions {
    pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 64 << 20;

    pub fn max_document_bytes(&self) -> usize {
        self.max_document_bytes.unwrap_or(Self::DEFAULT_MAX_DOCUMENT_BYTES)
    }
}

/// The site of a URL: its host, lowercased, without a leading `www.`.
pub fn site_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map(|(_, r)| r)?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map(|(_, h)| h).unwrap_or(host);
    let host = host.split(':').next()?.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    Some(host.strip_prefix("www.").unwrap_or(&host).to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn site_is_the_host_without_www() {
        assert_eq!(super::site_of("https://www.BBC.co.uk/news/1").as_deref(), Some("bbc.co.uk"));
        assert_eq!(super::site_of("http://user@example.com:8080?x").as_deref(), Some("example.com"));
        assert_eq!(super::site_of("not a url"), None);
    }
}
