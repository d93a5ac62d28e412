//! HTML pages to articles: boilerplate removal down to the body, metadata, captions.
//!
//! [`dom`] parses (its own fast, forgiving parser), [`body`] finds the article body and its
//! captions, [`meta`] reads title, bylines, section, language and canonical URL, [`dates`]
//! the publication date.

pub mod body;
pub mod dates;
pub mod dom;
pub mod meta;

use crate::{charset, Article, Item, RawPage, ReadOptions, SourceFormat};
use copydesk_model::Origin;

/// Items of a standalone HTML file.
pub fn page_items(bytes: Vec<u8>, path: String, _opts: &ReadOptions) -> Vec<Item> {
    vec![Item::Page(Box::new(RawPage {
        bytes,
        format: SourceFormat::Html,
        origin: Origin::file(path),
        ..Default::default()
    }))]
}

/// Extracts the article from one page. Errors are messages; the caller adds the origin.
///
/// A page with no body text still gives an article (with its metadata); only input that
/// is not a document at all is an error.
pub fn extract(page: &RawPage) -> Result<Article, String> {
    if page.bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err("empty HTML document".to_string());
    }
    let (html, _) = charset::decode_html(&page.bytes, page.content_type.as_deref());
    let dom = dom::Dom::parse(&html);
    drop(html);
    let meta = meta::collect(&dom);
    let title = meta.title();
    let body = body::extract(&dom, title.as_deref());

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
    a.published = page.published.clone().or_else(|| dates::find(&meta, a.url.as_deref().or(meta.canonical_url().as_deref())));
    a.format = page.format;
    a.origin = page.origin.clone();
    Ok(a)
}
