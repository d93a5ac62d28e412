//! The article model that every copydesk stage shares.
//!
//! An [`Article`] is one clean news article: metadata plus its body as one string, `text`.
//! Everything found about an article later (paragraphs, captions' positions, sentences,
//! quotes, reused passages) is a [`Span`]: a byte range into `text`. Keeping one string and
//! byte spans means every stage can add a layer without copying or re-tokenising, and any
//! finding can be shown in place.
//!
//! Architecture invariant: this crate does no I/O and pulls in no parser. It is the
//! vocabulary; readers, analysers and tracers live in their own crates.

mod article;
pub mod layers;
mod span;
pub mod time;

pub use article::{paragraph_spans, Article, Caption, CaptionKind, Origin, SourceFormat};
pub use layers::Layers;
pub use span::Span;

/// Hex digest used for content hashes and ids: 128-bit xxh3. Not cryptographic; ids only
/// need to be stable and collision-free at corpus scale (2^64 birthday bound).
pub fn hash_hex(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}
