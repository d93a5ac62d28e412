//! HTML pages to articles: boilerplate removal down to the body, metadata, captions.
//!
//! [`dom`] parses (its own fast, forgiving parser), [`body`] finds the article body and its
//! captions, [`meta`] reads title, bylines, section, language and canonical URL, [`dates`]
//! the publication date.

pub mod body;
pub mod dates;
pub mod dom;
pub mod hints;
pub mod meta;

use crate::{charset, Article, Item, RawPage, ReadOptions, SourceFormat};
use copydesk_model::Origin;
use std::borrow::Cow;

/// Items of a standalone HTML file.
pub fn page_items(bytes: Vec<u8>, path: String, _opts: &ReadOptions) -> Vec<Item> {
    vec![Item::Page(Box::new(RawPage {
        bytes,
        format: SourceFormat::Html,
        origin: Origin::file(path),
        ..Default::default()
    }))]
}

/// The page as text. Valid UTF-8 that declares UTF-8 or nothing is borrowed as is (what
/// `decode_html` would give, without its validation and copy); anything else goes through
/// [`charset::decode_html`].
fn decode(page: &RawPage) -> Cow<'_, str> {
    if encoding_rs::Encoding::for_bom(&page.bytes).is_none() {
        if let Ok(s) = std::str::from_utf8(&page.bytes) {
            let declared = page
                .content_type
                .as_deref()
                .and_then(charset::charset_param)
                .or_else(|| charset::meta_charset(&page.bytes[..page.bytes.len().min(16384)]));
            if declared.is_none() || declared == Some(encoding_rs::UTF_8) {
                return Cow::Borrowed(s);
            }
        }
    }
    Cow::Owned(charset::decode_html(&page.bytes, page.content_type.as_deref()).0)
}

/// Extracts the article from one page. Errors are messages; the caller adds the origin.
///
/// A page with no body text still gives an article (with its metadata); only input that
/// is not a document at all is an error.
pub fn extract(page: &RawPage) -> Result<Article, String> {
    if page.bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err("empty HTML document".to_string());
    }
    let dom = dom::Dom::parse(&decode(page));
    let flags = hints::all_flags(&dom);
    let meta = meta::collect(&dom, &flags);
    let title = meta.title();
    let body = body::extract(&dom, &flags, title.as_deref());

    let mut a = Article::from_paragraphs(&body.paragraphs);
    // Pages that render their text with scripts still carry it in JSON-LD.
    if let Some(ld_body) = meta.ld.body.as_deref() {
        let ld_len = ld_body.len();
        if ld_len >= 200 && a.text.len() * 2 < ld_len {
            a.set_paragraphs(body::plain_paragraphs(ld_body));
        }
    }
    a.captions = body.captions;
    a.title = title;
    a.bylines = meta.bylines();
    a.section = meta.section();
    a.language = meta.language();
    a.url = page.url.clone().or_else(|| meta.canonical_url());
    a.published = page
        .published
        .clone()
        .or_else(|| dates::find(&meta, a.url.as_deref().or(meta.canonical_url().as_deref())));
    a.format = page.format;
    a.origin = page.origin.clone();
    Ok(a)
}
