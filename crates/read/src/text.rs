//! Plain text articles: blocks separated by blank lines, with the layout that copied news
//! usually has when pasted as text: an optional section label, a headline, captions left
//! over from pictures, and body paragraphs.
//!
//! The heuristic, block by block (a block is text between blank lines):
//! 1. A body paragraph is prose: it ends with sentence punctuation (. ! ? : … or a closing
//!    quote after one). Blocks that do not are labels, headlines or captions.
//! 2. Section: the first block, when it is a short label (at most 4 words, no sentence
//!    punctuation) and a headline-like block follows it.
//! 3. Headline: the first remaining block, when it has no sentence punctuation at its end
//!    (or ends with ? or !), is at most 30 words, and more blocks follow.
//! 4. Captions: after the headline, a block without sentence punctuation at its end that is
//!    at most 30 words long is a caption left from a picture (body paragraphs always end
//!    with punctuation). A short sentence (at most 8 words) that names people rather than
//!    says something is one too ("Le Pen with Putin."): no pronoun, auxiliary or reporting
//!    verb from a small closed list, no -ed verb, and at least half of the words after the
//!    first capitalised. A real one-line paragraph ("He denied it.", "The team won 2-1 on
//!    Sunday.") fails one of these.
//!    Credits ("Photo: Getty Images", "Image copyright AFP") are captions of kind credit.
//!
//! The rules look only at shape, never at particular words of a story, so they hold for any
//! article laid out this way; a text without such blocks comes out as body paragraphs only.

use crate::{charset, Article, Item, ReadOptions, SourceFormat};
use copydesk_model::{paragraph_spans, Caption, CaptionKind, Origin};

pub fn items(bytes: Vec<u8>, path: String, _opts: &ReadOptions) -> Vec<Item> {
    let text = charset::decode_text(&bytes);
    let mut a = layout(&text);
    a.format = SourceFormat::Text;
    a.origin = Origin::file(path);
    vec![Item::Article(Box::new(a))]
}

/// Lays out a plain-text article.
pub fn layout(text: &str) -> Article {
    let text = text.replace("\r\n", "\n");
    let blocks: Vec<String> = paragraph_spans(&text)
        .iter()
        .map(|s| s.get(&text).unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|b| !b.is_empty())
        .collect();
    let mut i = 0;
    let mut section = None;
    let mut title = None;
    if blocks.len() >= 3 && is_label(&blocks[0]) && is_headline(&blocks[1]) {
        section = Some(blocks[0].clone());
        i = 1;
    }
    if blocks.len() >= i + 2 && is_headline(&blocks[i]) {
        title = Some(blocks[i].clone());
        i += 1;
    }
    let mut body = Vec::new();
    let mut captions = Vec::new();
    for b in &blocks[i..] {
        if let Some(kind) = caption_kind(b, title.is_some()) {
            captions.push(Caption { text: b.clone(), kind });
        } else {
            body.push(b.clone());
        }
    }
    let mut a = Article::from_paragraphs(body);
    a.section = section;
    a.title = title;
    a.captions = captions;
    a
}

fn words(b: &str) -> usize {
    b.split_whitespace().count()
}

fn ends_as_sentence(b: &str) -> bool {
    let t = b.trim_end_matches(['"', '\'', '”', '’', '»', ')', ']', ' ']);
    t.ends_with(['.', '!', '?', ':', '…', ';'])
}

fn is_label(b: &str) -> bool {
    words(b) <= 4 && !ends_as_sentence(b) && !b.contains(['"', '“'])
}

fn is_headline(b: &str) -> bool {
    let w = words(b);
    w >= 2 && w <= 30 && (!ends_as_sentence(b) || b.trim_end().ends_with(['?', '!']))
}

fn is_credit(b: &str) -> bool {
    let l = b.to_lowercase();
    let starts = ["photo:", "photo by", "photograph:", "image:", "image copyright", "picture:", "credit:", "source:", "video:", "©"];
    words(b) <= 12 && (starts.iter().any(|s| l.starts_with(s)) || l.ends_with("getty images") || l.ends_with("/ reuters") || l.ends_with("/ ap"))
}

/// Words that make a short sentence a clause rather than a caption's noun phrase.
const CLAUSE_WORDS: &[&str] = &[
    "i", "he", "she", "it", "we", "they", "you", "this", "that", "there", "is", "are", "was", "were",
    "be", "been", "has", "have", "had", "do", "does", "did", "said", "says", "will", "would", "can",
    "could", "should", "may", "might", "must", "not", "no", "yes",
];

fn caption_kind(b: &str, after_headline: bool) -> Option<CaptionKind> {
    if is_credit(b) {
        return Some(CaptionKind::Credit);
    }
    let w = words(b);
    if after_headline && !ends_as_sentence(b) && w <= 30 && !b.contains(['"', '“', '”']) {
        return Some(CaptionKind::Caption);
    }
    if w <= 8 && b.trim_end().ends_with('.') && !b.contains(['"', '“', '”']) {
        let tokens: Vec<&str> = b.split(|c: char| !c.is_alphanumeric() && c != '\'').filter(|t| !t.is_empty()).collect();
        let clause = tokens.iter().any(|t| {
            let t = t.to_lowercase();
            CLAUSE_WORDS.contains(&t.as_str()) || (t.len() > 4 && t.ends_with("ed"))
        });
        let rest = &tokens[tokens.len().min(1)..];
        let capitalised = rest.iter().filter(|t| t.chars().next().is_some_and(char::is_uppercase)).count();
        if !clause && !rest.is_empty() && capitalised * 2 >= rest.len() {
            return Some(CaptionKind::Caption);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_headline_captions_and_body() {
        let t = "Sport\n\nLocal Team Wins The Cup\n\nFans celebrate outside the stadium\n\nThe team won 2-1 on Sunday.\n\nAnn Smith with the Cup.\n\nHe denied it.\n\nPhoto: Getty Images\n";
        let a = layout(t);
        assert_eq!(a.section.as_deref(), Some("Sport"));
        assert_eq!(a.title.as_deref(), Some("Local Team Wins The Cup"));
        let caps: Vec<_> = a.captions.iter().map(|c| (c.text.as_str(), c.kind)).collect();
        assert_eq!(
            caps,
            [
                ("Fans celebrate outside the stadium", CaptionKind::Caption),
                ("Ann Smith with the Cup.", CaptionKind::Caption),
                ("Photo: Getty Images", CaptionKind::Credit)
            ]
        );
        assert_eq!(a.text, "The team won 2-1 on Sunday.\n\nHe denied it.");
    }

    #[test]
    fn plain_paragraphs_stay_body() {
        let a = layout("One sentence here.\n\nAnother one there.\n\nThe team won 2-1 on Sunday.\n");
        assert_eq!(a.title, None);
        assert_eq!(a.section, None);
        assert_eq!(a.paragraphs.len(), 3);
    }
}
