//! What an element's `class` and `id` say about it (boilerplate, content, caption, date...),
//! as bit flags computed once per element.
//!
//! Substring patterns are matched with one Aho-Corasick pass per attribute (measured: the
//! naive `contains` loop over ~90 patterns was a tenth of extraction time); short words
//! that are boilerplate only as a whole part of a name (`pager`, not `pagerow`) are matched
//! per part.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::dom::{At, Dom};

/// Names boilerplate outright.
pub const NEG: u32 = 1;
/// Often boilerplate, but also layout wrappers: prunes small elements, lowers big ones.
pub const WEAK: u32 = 1 << 1;
/// Names content.
pub const POS: u32 = 1 << 2;
/// Comment sections: pruned whatever their size.
pub const COMMENTS: u32 = 1 << 3;
pub const CAPTION: u32 = 1 << 4;
pub const CREDIT: u32 = 1 << 5;
/// Bylines and author boxes.
pub const BYLINE: u32 = 1 << 6;
/// Where a date may be written.
pub const DATE: u32 = 1 << 7;
/// Update or modification times, not publication.
pub const UPDATE: u32 = 1 << 8;
/// Author biographies and avatars (not bylines).
pub const BIO: u32 = 1 << 9;
/// A weak part that only lowers the score (never prunes).
pub const WEAK_PART: u32 = 1 << 10;

const PATTERNS: &[(&str, u32)] = &[
    ("comment", NEG | COMMENTS),
    ("disqus", NEG | COMMENTS),
    ("respond", COMMENTS),
    ("share", NEG),
    ("sharing", NEG),
    ("social", NEG),
    ("related", NEG),
    ("recommend", NEG),
    ("newsletter", NEG),
    ("subscri", NEG),
    ("sidebar", NEG),
    ("breadcrumb", NEG),
    ("cookie", NEG),
    ("advert", NEG),
    ("sponsor", NEG),
    ("outbrain", NEG),
    ("taboola", NEG),
    ("footer", NEG),
    ("masthead", NEG),
    ("navbar", NEG),
    ("navigation", NEG),
    ("pagination", NEG),
    ("byline", NEG | BYLINE | DATE),
    ("author", NEG | BYLINE),
    ("dateline", NEG | DATE),
    ("timestamp", NEG | DATE),
    ("toolbar", NEG),
    ("signup", NEG),
    ("sign-up", NEG),
    ("trending", NEG),
    ("most-popular", NEG),
    ("mostpopular", NEG),
    ("more-stories", NEG),
    ("read-more", NEG),
    ("readmore", NEG),
    ("login", NEG),
    ("donate", NEG),
    ("copyright", NEG | CREDIT),
    ("disclaimer", NEG),
    ("also-read", NEG),
    ("see-also", NEG),
    ("more-from", NEG),
    ("recirc", NEG),
    ("tooltip", NEG),
    ("popover", NEG),
    ("hovercard", NEG),
    ("rollover", NEG),
    ("overlay", NEG),
    ("dropdown", NEG),
    ("shoutbox", NEG),
    ("combx", NEG),
    ("rail", WEAK),
    ("widget", WEAK),
    ("banner", WEAK),
    ("header", WEAK),
    ("meta", WEAK | DATE),
    ("tagline", WEAK | DATE),
    ("keywords", WEAK),
    ("topics", WEAK),
    ("rating", WEAK),
    ("follow", WEAK),
    ("breaking", WEAK),
    ("ticker", WEAK),
    ("contact", WEAK),
    ("teaser", WEAK),
    ("carousel", WEAK),
    ("slideshow", WEAK),
    ("slider", WEAK),
    ("gallery", WEAK),
    ("video", WEAK),
    ("playlist", WEAK),
    ("embed", WEAK),
    ("profile", WEAK),
    ("extra", WEAK),
    ("supplement", WEAK),
    ("article", POS),
    ("body", POS),
    ("content", POS),
    ("entry", POS),
    ("main", POS),
    ("post", POS),
    ("posted", DATE),
    ("story", POS),
    ("text", POS),
    ("blog", POS),
    ("h-entry", POS),
    ("hentry", POS),
    ("column", POS),
    ("prose", POS),
    ("caption", CAPTION),
    ("legend", CAPTION),
    ("cutline", CAPTION),
    ("credit", CREDIT),
    ("photographer", CREDIT),
    ("courtesy", CREDIT),
    ("date", DATE),
    ("time", DATE),
    ("publish", DATE),
    ("stamp", DATE),
    ("update", UPDATE),
    ("modif", UPDATE),
    ("edited", UPDATE),
    ("revis", UPDATE),
    ("bio", BIO),
    ("avatar", BIO),
];

static MATCHER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(PATTERNS.iter().map(|(p, _)| p))
        .ok()
});

fn part_flags(part: &str) -> u32 {
    // Whole class tokens and parts split at `-`/`_`; compared lowercase.
    match part {
        "pager" | "menu" | "tags" | "tag" | "jump" | "skip" | "modal" | "promo" | "ad" | "ads"
        | "nav" | "share" | "sharing" | "social" | "print" | "popup" | "related" | "author"
        | "byline" => NEG,
        "meta" | "date" => NEG | DATE,
        "bio" | "rail" | "aside" | "extra" => WEAK_PART,
        _ => 0,
    }
}

fn token_flags(token: &str) -> u32 {
    match token {
        "hidden" | "hide" | "visually-hidden" | "sr-only" | "screen-reader-text"
        | "screenreader" | "ad" | "ads" | "adv" | "advertisement" | "adsbygoogle"
        | "ad-container" | "ad-slot" | "ad-unit" | "dfp" | "print-only" | "noprint" | "tools"
        | "hide-for-print" | "offscreen" | "invisible" => NEG,
        "date" | "time" | "published" => NEG | DATE,
        "updated" => NEG | UPDATE,
        _ => 0,
    }
}

fn value_flags(v: &str) -> u32 {
    let mut f = 0;
    if let Some(m) = MATCHER.as_ref() {
        for hit in m.find_overlapping_iter(v) {
            f |= PATTERNS[hit.pattern().as_usize()].1;
        }
    }
    let mut lower = [0u8; 48];
    for token in v.split_ascii_whitespace() {
        if token.len() > lower.len() {
            continue;
        }
        let buf = &mut lower[..token.len()];
        buf.copy_from_slice(token.as_bytes());
        buf.make_ascii_lowercase();
        let Ok(t) = std::str::from_utf8(buf) else {
            continue;
        };
        f |= token_flags(t);
        for part in t.split(['-', '_']) {
            f |= part_flags(part);
        }
    }
    f
}

/// Flags of every node (0 for text), computed once per page. Class values repeat a lot
/// within a page, so their flags are cached by value.
pub fn all_flags(dom: &Dom) -> Vec<u32> {
    let mut cache: std::collections::HashMap<&str, u32, super::dom::Fnv> =
        std::collections::HashMap::default();
    let mut out = vec![0u32; dom.nodes.len()];
    for (i, f) in out.iter_mut().enumerate() {
        let id = i as u32;
        if let Some(c) = dom.attr_at(id, At::Class) {
            *f |= *cache.entry(c).or_insert_with(|| value_flags(c));
        }
        if let Some(v) = dom.attr_at(id, At::Id) {
            *f |= value_flags(v);
        }
    }
    out
}

/// Flags of element `id` from its class and id attributes.
pub fn flags(dom: &Dom, id: u32) -> u32 {
    let mut f = 0;
    if let Some(c) = dom.attr_at(id, At::Class) {
        f |= value_flags(c);
    }
    if let Some(i) = dom.attr_at(id, At::Id) {
        f |= value_flags(i);
    }
    f
}

pub fn weight(f: u32) -> i16 {
    let mut w = 0;
    if f & (NEG | WEAK | WEAK_PART) != 0 {
        w -= 25;
    }
    if f & POS != 0 {
        w += 25;
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_substrings() {
        assert_ne!(value_flags("article-comments") & COMMENTS, 0);
        assert_eq!(value_flags("pagebuilder-pagerow") & NEG, 0);
        assert_ne!(value_flags("main-pager") & NEG, 0);
        assert_eq!(value_flags("overflow-hidden") & NEG, 0);
        assert_ne!(value_flags("Hidden") & NEG, 0);
        assert_ne!(value_flags("wp-caption-text") & CAPTION, 0);
        assert_ne!(value_flags("entry-content") & POS, 0);
    }
}
