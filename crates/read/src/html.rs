//! HTML pages to articles: boilerplate removal down to the body, metadata, captions.

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
pub fn extract(page: &RawPage) -> Result<Article, String> {
    let (html, _) = charset::decode_html(&page.bytes, page.content_type.as_deref());
    // Placeholder until the real extractor lands: visible text of <p> elements.
    let mut paras = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut pos = 0;
    while let Some(i) = lower[pos..].find("<p") {
        let s = pos + i;
        let Some(gt) = lower[s..].find('>') else { break };
        let body_start = s + gt + 1;
        let end = lower[body_start..].find("</p").map(|e| body_start + e).unwrap_or(lower.len());
        let mut text = String::new();
        let mut in_tag = false;
        for c in html[body_start..end].chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        paras.push(text.split_whitespace().collect::<Vec<_>>().join(" "));
        pos = end.max(body_start);
    }
    let mut a = Article::from_paragraphs(paras);
    a.url = page.url.clone();
    a.published = page.published.clone();
    a.format = page.format;
    a.origin = page.origin.clone();
    Ok(a)
}
