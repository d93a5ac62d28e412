//! HTML fragments from feed items (`content:encoded`, Atom `content`, JSON Feed
//! `content_html`, RSS `description`) to paragraphs.
//!
//! Why not the page extractor: a feed fragment is already the article, with no navigation
//! or sidebars to remove, and a boilerplate remover judges short fragments to be boilerplate
//! and throws them away. A fragment only needs its block structure kept and its markup
//! dropped, which a small tolerant scanner does for any tag soup: block elements end
//! paragraphs, two `<br>` in a row end one too, script-like elements are dropped,
//! `<figcaption>` goes to captions, entities (all of HTML5's) are decoded.

use quick_xml::escape::resolve_html5_entity;

/// Paragraphs and captions of a fragment, whitespace collapsed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fragment {
    pub paragraphs: Vec<String>,
    pub captions: Vec<String>,
}

/// Elements that end a paragraph where they start or end.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "pre"
            | "section"
            | "article"
            | "aside"
            | "header"
            | "footer"
            | "figure"
            | "table"
            | "thead"
            | "tbody"
            | "tr"
            | "td"
            | "th"
            | "caption"
            | "hr"
            | "address"
            | "main"
            | "nav"
            | "center"
            | "details"
            | "summary"
            | "form"
            | "fieldset"
            | "hgroup"
    )
}

/// Elements whose content is never article text.
fn is_dropped(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "iframe"
            | "svg"
            | "math"
            | "object"
            | "select"
            | "textarea"
            | "button"
            | "audio"
            | "video"
            | "canvas"
            | "head"
            | "title"
    )
}

/// Converts an HTML fragment. Text with no block markup at all is split at blank lines, as
/// feeds often put plain text with blank lines in fields that are meant to hold HTML.
pub fn html(src: &str) -> Fragment {
    let mut out = Fragment::default();
    let mut cur = String::new();
    let mut caption = String::new();
    let mut caption_depth = 0usize;
    let mut dropping: Option<String> = None;
    let mut br_run = 0usize;
    let mut saw_block = false;
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let next = memchr::memchr(b'<', &bytes[i..])
            .map(|j| i + j)
            .unwrap_or(bytes.len());
        if next > i && dropping.is_none() {
            let text = &src[i..next];
            if !text.trim().is_empty() {
                br_run = 0;
            }
            decode_entities(
                text,
                if caption_depth > 0 {
                    &mut caption
                } else {
                    &mut cur
                },
            );
        }
        if next >= bytes.len() {
            break;
        }
        let Some(tag) = scan_tag(src, next) else {
            // A lone `<` (as in "a < b"): text.
            if dropping.is_none() {
                if caption_depth > 0 {
                    &mut caption
                } else {
                    &mut cur
                }
                .push('<');
            }
            i = next + 1;
            continue;
        };
        i = tag.end;
        let Some(name) = tag.name else { continue };
        if let Some(d) = &dropping {
            if tag.closing && &name == d {
                dropping = None;
            }
            continue;
        }
        if is_dropped(&name) {
            if !tag.closing && !tag.self_closing {
                dropping = Some(name);
            }
            continue;
        }
        if name == "figcaption" {
            if tag.closing {
                caption_depth = caption_depth.saturating_sub(1);
                if caption_depth == 0 {
                    push_collapsed(&mut out.captions, &caption);
                    caption.clear();
                }
            } else if !tag.self_closing {
                caption_depth += 1;
            }
            continue;
        }
        if name == "br" {
            br_run += 1;
            if br_run >= 2 {
                saw_block = true;
                push_collapsed(&mut out.paragraphs, &cur);
                cur.clear();
            } else {
                cur.push(' ');
            }
            continue;
        }
        if is_block(&name) {
            saw_block = true;
            br_run = 0;
            if caption_depth == 0 {
                push_collapsed(&mut out.paragraphs, &cur);
                cur.clear();
            } else {
                caption.push(' ');
            }
        }
    }
    if caption_depth > 0 {
        push_collapsed(&mut out.captions, &caption);
    }
    if saw_block {
        push_collapsed(&mut out.paragraphs, &cur);
    } else {
        out.paragraphs.extend(plain_paragraphs(&cur));
    }
    out
}

/// Plain text to paragraphs: blocks separated by blank lines, whitespace collapsed.
pub fn plain(src: &str) -> Fragment {
    Fragment {
        paragraphs: plain_paragraphs(src),
        captions: Vec::new(),
    }
}

/// One line of text from a fragment (titles, names): tags dropped, entities decoded.
pub fn inline(src: &str) -> String {
    let f = html(src);
    collapse(&f.paragraphs.join(" "))
}

fn plain_paragraphs(src: &str) -> Vec<String> {
    let normalised = src.replace("\r\n", "\n");
    let mut out = Vec::new();
    for span in copydesk_model::paragraph_spans(&normalised) {
        push_collapsed(&mut out, span.get(&normalised).unwrap_or(""));
    }
    out
}

pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn push_collapsed(out: &mut Vec<String>, s: &str) {
    let c = collapse(s);
    if !c.is_empty() {
        out.push(c);
    }
}

struct Tag {
    /// Lowercased element name; `None` for comments, doctypes and processing instructions.
    name: Option<String>,
    closing: bool,
    self_closing: bool,
    /// Byte index just past the tag.
    end: usize,
}

/// Reads the tag starting at `at` (which holds `<`), or `None` when the `<` does not start
/// one.
fn scan_tag(src: &str, at: usize) -> Option<Tag> {
    let rest = &src[at..];
    let b = rest.as_bytes();
    if rest.starts_with("<!--") {
        let end = rest[4..]
            .find("-->")
            .map(|e| at + 4 + e + 3)
            .unwrap_or(src.len());
        return Some(Tag {
            name: None,
            closing: false,
            self_closing: false,
            end,
        });
    }
    if rest.starts_with("<!") || rest.starts_with("<?") {
        let end = memchr::memchr(b'>', b)
            .map(|e| at + e + 1)
            .unwrap_or(src.len());
        return Some(Tag {
            name: None,
            closing: false,
            self_closing: false,
            end,
        });
    }
    let closing = b.get(1) == Some(&b'/');
    let name_start = if closing { 2 } else { 1 };
    if !b.get(name_start).is_some_and(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let name_len = b[name_start..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b':' | b'_'))
        .count();
    let name = rest[name_start..name_start + name_len].to_ascii_lowercase();
    // Past the attributes, honouring quotes, to the closing `>`.
    let mut quote: Option<u8> = None;
    let mut j = name_start + name_len;
    while j < b.len() {
        match (quote, b[j]) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b[j]),
            (None, b'>') => break,
            _ => {}
        }
        j += 1;
    }
    let self_closing = j > 0 && b.get(j - 1) == Some(&b'/');
    // Some feeds put the element name after a namespace prefix (xhtml:p).
    let local = name.rsplit(':').next().unwrap_or(&name).to_string();
    Some(Tag {
        name: Some(local),
        closing,
        self_closing,
        end: (at + j + 1).min(src.len()),
    })
}

/// Appends `text` with HTML character references decoded. Unknown or malformed references
/// stay as written.
pub fn decode_entities(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let semi = rest.as_bytes().iter().take(40).position(|&c| c == b';');
        let decoded = semi.and_then(|s| {
            let name = &rest[1..s];
            resolve_reference(name).map(|r| (r, s + 1))
        });
        match decoded {
            Some((r, len)) => {
                out.push_str(&r);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

fn resolve_reference(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        // As browsers do: C1 controls in references mean Windows-1252, which is what the
        // author's editor had.
        if (0x80..0xa0).contains(&code) {
            let byte = [code as u8];
            return Some(
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(&byte)
                    .0
                    .into_owned(),
            );
        }
        return Some(
            char::from_u32(code)
                .filter(|&c| c != '\0')
                .unwrap_or('\u{fffd}')
                .to_string(),
        );
    }
    resolve_html5_entity(name).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_become_paragraphs_and_markup_goes() {
        let f = html(
            "<p>First <b>bold</b> para&shy;graph &amp; more.</p>\n<div>Second&nbsp;one\n spans lines.</div>\
             <script>var x = '<p>no</p>';</script><ul><li>Item</li></ul>Tail",
        );
        assert_eq!(
            f.paragraphs,
            [
                "First bold para\u{ad}graph & more.",
                "Second one spans lines.",
                "Item",
                "Tail"
            ]
        );
    }

    #[test]
    fn figcaptions_are_captions() {
        let f = html(
            "<figure><img src=x><figcaption>A man <i>waves</i>.</figcaption></figure><p>Body.</p>",
        );
        assert_eq!(f.paragraphs, ["Body."]);
        assert_eq!(f.captions, ["A man waves."]);
    }

    #[test]
    fn double_br_splits_and_plain_text_splits_on_blank_lines() {
        assert_eq!(
            html("One<br>still one<br/><br />Two").paragraphs,
            ["One still one", "Two"]
        );
        assert_eq!(
            html("Plain one.\n\n  Plain two &lt; three.").paragraphs,
            ["Plain one.", "Plain two < three."]
        );
        assert_eq!(html("a < b and c > d").paragraphs, ["a < b and c > d"]);
    }

    #[test]
    fn references_numeric_named_and_broken() {
        let mut s = String::new();
        decode_entities("&auml;&#252;&#x2014;&#150;&bogus; &amp &#0;", &mut s);
        assert_eq!(s, "äü—–&bogus; &amp \u{fffd}");
    }

    #[test]
    fn unterminated_markup_does_not_panic() {
        for src in [
            "<p",
            "<!-- x",
            "<a href=\"x>",
            "<",
            "&",
            "&#x110000;",
            "<p>é<",
            "<script>never closed",
        ] {
            let _ = html(src);
        }
        assert_eq!(inline("<b>Big</b>   news"), "Big news");
    }
}
