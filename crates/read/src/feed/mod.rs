//! RSS 0.9x/1.0/2.0, Atom and JSON Feed: one article per item.
//!
//! Each item becomes a finished [`Article`] (format `feed`, origin line = the item's 1-based
//! number in the feed): title, link (made absolute against `xml:base` or the channel's link),
//! date (normalised to RFC 3339), bylines, first category as section, language, and a body
//! from the fullest content the item has (`content:encoded`, Atom `content`, JSON Feed
//! `content_html`/`content_text`, else `description`/`summary`). HTML content is turned into
//! paragraphs here ([`fragment`]) rather than sent to the page extractor, which is made to
//! find an article inside a page and would discard short fragments as boilerplate.
//!
//! The bytes are decoded first as the XML declaration says ([`crate::charset::decode_xml`]).
//! A malformed feed gives an error naming the file, line and column, after the items read
//! before the fault.

mod date;
pub mod fragment;
mod json;
mod xml;

use copydesk_model::{Caption, CaptionKind, Origin};

use crate::{charset, Article, Item, ReadError, ReadOptions, SourceFormat};

pub use date::normalise as normalise_date;

/// Reads one feed document.
pub fn items(bytes: Vec<u8>, path: String, _opts: &ReadOptions) -> Vec<Item> {
    let (info, pending) = if looks_like_json(&bytes) {
        let text = charset::decode_text(&bytes);
        json::parse(&text)
    } else {
        let (text, enc) = charset::decode_xml(&bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        // Offsets into the decoded text are byte offsets of the file only for UTF-8.
        let utf8 = enc == encoding_rs::UTF_8 && text.len() == bytes.len();
        xml::parse(text, utf8)
    };
    pending
        .into_iter()
        .map(|p| match p {
            Pending::Entry(e) => Item::Article(Box::new(article(*e, &info, &path))),
            Pending::Error {
                offset,
                line,
                message,
            } => Item::Error(ReadError::new(
                Origin {
                    path: path.clone(),
                    offset,
                    line,
                },
                message,
            )),
        })
        .collect()
}

fn looks_like_json(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{')
}

/// What the feed says about all its items.
#[derive(Debug, Default)]
struct FeedInfo {
    root_seen: bool,
    /// The site's own page (RSS channel link, Atom alternate link, JSON Feed home page).
    link: Option<String>,
    /// `xml:base` of the root.
    base: Option<String>,
    /// `xml:lang` of the root.
    lang: Option<String>,
    /// Declared language (`<language>`, `dc:language`, JSON Feed `language`).
    language: Option<String>,
    /// Feed-level authors, inherited by items that name none (Atom, JSON Feed).
    authors: Vec<String>,
}

/// Text as the feed gave it: HTML to be read as such, or plain text.
#[derive(Debug, Clone)]
enum Markup {
    Html(String),
    Plain(String),
}

impl Markup {
    fn fragment(&self) -> fragment::Fragment {
        match self {
            Markup::Html(s) => fragment::html(s),
            Markup::Plain(s) => fragment::plain(s),
        }
    }

    fn line(&self) -> String {
        match self {
            Markup::Html(s) => fragment::inline(s),
            Markup::Plain(s) => fragment::collapse(s),
        }
    }
}

#[derive(Debug)]
struct Link {
    href: String,
    rel: Option<String>,
    mime: Option<String>,
    base: Option<String>,
}

/// One item as read, before it is made an article.
#[derive(Debug, Default)]
struct Entry {
    number: u64,
    title: Option<Markup>,
    /// RSS `<link>` text and the `xml:base` in force there.
    link: Option<(String, Option<String>)>,
    /// Atom links.
    links: Vec<Link>,
    /// RSS 1.0 `rdf:about`.
    about: Option<String>,
    /// RSS `guid` and whether it is a permalink.
    guid: Option<(String, bool)>,
    /// Dates with their rank (lower wins).
    dates: Vec<(u8, String)>,
    /// Names as given (`dc:creator`, Atom author name, JSON Feed author name).
    creators: Vec<String>,
    /// RSS `<author>`: an e-mail address with the name in parentheses.
    rss_authors: Vec<String>,
    categories: Vec<String>,
    language: Option<String>,
    /// `xml:lang` in force on the item.
    lang: Option<String>,
    /// `xml:base` in force on the item.
    base: Option<String>,
    /// Full content (`content:encoded`, Atom content, JSON Feed content).
    full: Option<Markup>,
    /// Summary (`description`, Atom summary, JSON Feed summary).
    short: Option<Markup>,
}

/// A parser's output, in document order.
#[derive(Debug)]
enum Pending {
    Entry(Box<Entry>),
    Error {
        offset: Option<u64>,
        line: Option<u64>,
        message: String,
    },
}

fn article(e: Entry, info: &FeedInfo, path: &str) -> Article {
    let full = e.full.as_ref().map(Markup::fragment);
    let short = e.short.as_ref().map(Markup::fragment);
    let len = |f: &Option<fragment::Fragment>| {
        f.as_ref()
            .map_or(0, |f| f.paragraphs.iter().map(String::len).sum::<usize>())
    };
    // A feed may put a placeholder ("...") in content:encoded and the text in description.
    // Full content wins unless the summary is much longer; markup changes lengths a little.
    let body = if full.is_some() && len(&full) * 2 >= len(&short) {
        full
    } else {
        short
    }
    .unwrap_or_default();
    let mut a = Article::from_paragraphs(&body.paragraphs);
    a.captions = body
        .captions
        .into_iter()
        .map(|text| Caption {
            text,
            kind: CaptionKind::Caption,
        })
        .collect();
    a.title = e.title.as_ref().map(Markup::line).filter(|t| !t.is_empty());
    a.url = item_url(&e, info);
    let mut dates = e.dates.clone();
    dates.sort_by_key(|(rank, _)| *rank);
    a.published = dates.iter().find_map(|(_, d)| date::normalise(d));
    a.bylines = bylines(&e, info);
    a.section = e
        .categories
        .iter()
        .map(|c| fragment::inline(c))
        .find(|c| !c.is_empty());
    a.language = e
        .language
        .as_deref()
        .and_then(primary_language)
        .or_else(|| info.language.as_deref().and_then(primary_language))
        .or_else(|| e.lang.as_deref().and_then(primary_language))
        .or_else(|| info.lang.as_deref().and_then(primary_language));
    a.format = SourceFormat::Feed;
    a.origin = Origin {
        path: path.to_string(),
        offset: None,
        line: Some(e.number),
    };
    a
}

fn is_web_url(s: &str) -> bool {
    let l = s.trim_start().to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

fn item_url(e: &Entry, info: &FeedInfo) -> Option<String> {
    let channel = info.link.as_deref();
    if let Some((href, base)) = &e.link {
        return Some(resolve_url(href, &[base.as_deref(), channel]));
    }
    let alternate = e
        .links
        .iter()
        .filter(|l| l.rel.as_deref().map_or(true, |r| r == "alternate"))
        .max_by_key(|l| {
            l.mime
                .as_deref()
                .map_or(1, |m| if m.contains("html") { 2 } else { 0 })
        });
    if let Some(l) = alternate {
        return Some(resolve_url(
            &l.href,
            &[
                l.base.as_deref(),
                e.base.as_deref(),
                info.base.as_deref(),
                channel,
            ],
        ));
    }
    if let Some(about) = e.about.as_deref().filter(|a| is_web_url(a)) {
        return Some(about.trim().to_string());
    }
    match &e.guid {
        Some((g, true)) if is_web_url(g) => Some(g.clone()),
        _ => None,
    }
}

/// Makes `href` absolute against the first base that is an absolute URL; left as given when
/// there is none.
pub(crate) fn resolve_url(href: &str, bases: &[Option<&str>]) -> String {
    let href = href.trim();
    if url::Url::parse(href).is_ok() {
        return href.to_string();
    }
    for base in bases.iter().flatten() {
        if let Ok(b) = url::Url::parse(base.trim()) {
            if let Ok(u) = b.join(href) {
                return u.to_string();
            }
        }
    }
    href.to_string()
}

/// `en-US`, `IT-it`, `pt_br` to `en`, `it`, `pt`.
fn primary_language(tag: &str) -> Option<String> {
    let p = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    ((2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic())).then_some(p)
}

fn bylines(e: &Entry, info: &FeedInfo) -> Vec<String> {
    let mut names = Vec::new();
    for c in &e.creators {
        names.extend(split_names(&fragment::inline(c)));
    }
    for a in &e.rss_authors {
        if let Some(n) = rss_author_name(&fragment::inline(a)) {
            names.extend(split_names(&n));
        }
    }
    if names.is_empty() {
        for a in &info.authors {
            names.extend(split_names(&fragment::inline(a)));
        }
    }
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.to_lowercase()));
    names
}

/// `jo@example.com (Jo Bloggs)` or `Jo Bloggs <jo@example.com>` to `Jo Bloggs`; a bare
/// address names no one.
fn rss_author_name(s: &str) -> Option<String> {
    let s = s.trim();
    if let (Some(open), true) = (s.find('('), s.ends_with(')')) {
        let inner = s[open + 1..s.len() - 1].trim();
        if !inner.is_empty() {
            return Some(inner.to_string());
        }
    }
    if let Some(lt) = s.find('<') {
        let name = s[..lt].trim();
        if !name.is_empty() {
            return Some(name.to_string());
        }
    }
    (!s.contains('@') && !s.is_empty()).then(|| s.to_string())
}

/// "Ann Lee and Bob Ray", "Ann Lee, Bob Ray" to two names; "Lee, Ann" stays one.
fn split_names(s: &str) -> Vec<String> {
    let s = s.trim();
    let s = s
        .strip_prefix("By ")
        .or_else(|| s.strip_prefix("by "))
        .unwrap_or(s);
    let mut out = Vec::new();
    for part in s
        .split(" and ")
        .flat_map(|p| p.split(" & "))
        .flat_map(|p| p.split(';'))
    {
        let commas: Vec<&str> = part
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if commas.len() > 1 && commas.iter().all(|c| c.split_whitespace().count() >= 2) {
            out.extend(commas.into_iter().map(str::to_string));
        } else {
            let p = part.trim();
            if !p.is_empty() {
                out.push(p.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(src: &str) -> Vec<Item> {
        items(
            src.as_bytes().to_vec(),
            "t.xml".into(),
            &ReadOptions::default(),
        )
    }

    fn articles(items: Vec<Item>) -> Vec<Article> {
        items
            .into_iter()
            .filter_map(|i| {
                if let Item::Article(a) = i {
                    Some(*a)
                } else {
                    None
                }
            })
            .collect()
    }

    #[test]
    fn names_and_languages() {
        assert_eq!(
            split_names("Gaby Acevedo and Jessica Cunnington"),
            ["Gaby Acevedo", "Jessica Cunnington"]
        );
        assert_eq!(split_names("Lee, Ann"), ["Lee, Ann"]);
        assert_eq!(split_names("By Ann Lee, Bob Ray"), ["Ann Lee", "Bob Ray"]);
        assert_eq!(
            rss_author_name("jo@x.org (Jo Große)").as_deref(),
            Some("Jo Große")
        );
        assert_eq!(rss_author_name("jo@x.org"), None);
        assert_eq!(primary_language("IT-it").as_deref(), Some("it"));
        assert_eq!(primary_language("en_US").as_deref(), Some("en"));
        assert_eq!(primary_language("english please"), None);
    }

    #[test]
    fn rss_item_with_everything() {
        let src = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><link>https://news.example/</link><language>en-GB</language>
<item><title>Storm &amp; flood</title><link>/2024/storm</link>
<pubDate>Mon, 01 Jan 2024 09:30:00 +0000</pubDate><dc:creator>Ann Lee</dc:creator>
<category>Weather</category><category>UK</category>
<description>Short.</description>
<content:encoded><![CDATA[<p>Rain fell.</p><figure><figcaption>A flooded road.</figcaption></figure><p>Rivers rose &mdash; fast.</p>]]></content:encoded>
</item></channel></rss>"#;
        let a = articles(read(src));
        assert_eq!(a.len(), 1);
        let a = &a[0];
        assert_eq!(a.title.as_deref(), Some("Storm & flood"));
        assert_eq!(a.url.as_deref(), Some("https://news.example/2024/storm"));
        assert_eq!(a.published.as_deref(), Some("2024-01-01T09:30:00Z"));
        assert_eq!(a.bylines, ["Ann Lee"]);
        assert_eq!(a.section.as_deref(), Some("Weather"));
        assert_eq!(a.language.as_deref(), Some("en"));
        assert_eq!(a.text, "Rain fell.\n\nRivers rose — fast.");
        assert_eq!(a.captions.len(), 1);
        assert_eq!(a.origin.line, Some(1));
        assert_eq!(a.format, SourceFormat::Feed);
    }

    #[test]
    fn atom_xhtml_content_base_and_inherited_author() {
        let src = r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr" xml:base="https://ex.org/blog/">
<author><name>Zoé</name></author><link href="https://ex.org/"/>
<entry><title type="html">Un &lt;em&gt;titre&lt;/em&gt;</title><link rel="alternate" href="posts/1"/>
<updated>2024-02-02T10:00:00+01:00</updated><category term="politique"/>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Premier &amp; seul.</p><p>Deux</p></div></content>
</entry></feed>"#;
        let a = articles(read(src));
        let a = &a[0];
        assert_eq!(a.title.as_deref(), Some("Un titre"));
        assert_eq!(a.url.as_deref(), Some("https://ex.org/blog/posts/1"));
        assert_eq!(a.bylines, ["Zoé"]);
        assert_eq!(a.language.as_deref(), Some("fr"));
        assert_eq!(a.section.as_deref(), Some("politique"));
        assert_eq!(a.text, "Premier & seul.\n\nDeux");
        assert_eq!(a.published.as_deref(), Some("2024-02-02T10:00:00+01:00"));
    }

    #[test]
    fn unclosed_html_in_description_does_not_break_the_feed() {
        let src = "<rss><channel><item><title>A</title><description><p>One<br>two</p></description></item>\
                   <item><title>B</title></item></channel></rss>";
        let out = read(src);
        assert!(out.iter().all(|i| matches!(i, Item::Article(_))), "{out:?}");
        let a = articles(out);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].text, "One two");
        assert_eq!(a[1].origin.line, Some(2));
    }

    #[test]
    fn truncated_feed_keeps_items_and_names_the_place() {
        let src = "<rss><channel><item><title>A</title></item>\n<item><title>B</ti";
        let out = read(src);
        assert!(matches!(&out[0], Item::Article(a) if a.title.as_deref() == Some("A")));
        let Item::Error(e) = &out[1] else {
            panic!("{out:?}")
        };
        assert_eq!(e.origin.path, "t.xml");
        assert!(e.message.contains("line 2"), "{}", e.message);
        assert!(e.message.contains("1 items read"), "{}", e.message);
    }

    #[test]
    fn not_a_feed_and_garbage() {
        let out = read("<html><body>x</body></html>");
        assert!(
            matches!(&out[..], [Item::Error(e)] if e.message.contains("not a feed")),
            "{out:?}"
        );
        for junk in [
            "",
            "<",
            "<rss",
            "<rss><channel><item>",
            "<?xml?>",
            "\u{0}\u{1}<a",
            "{",
            "{\"items\": 3}",
        ] {
            let _ = read(junk);
        }
    }
}
