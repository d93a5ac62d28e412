//! Boilerplate removal: from a parsed page down to the article body paragraphs, with the
//! figure captions and photo credits set aside.
//!
//! The approach is the one the good open-source extractors share (readability's node
//! scoring, trafilatura's and jusText's tag/class pruning and paragraph filtering):
//! 1. prune what is never body text: scripts, forms' controls, navigation, asides, footers,
//!    hidden elements, and elements whose class/id names them as comments, share bars,
//!    related links, bylines and so on (unless they hold much of the page's text);
//! 2. set captions and credits aside;
//! 3. score paragraphs by length and commas and credit their ancestors; the best container,
//!    weighted by class/id hints and link density, is the article, or the element marked
//!    `itemprop="articleBody"` when it holds real text; siblings that score well join it;
//! 4. walk the chosen subtrees, dropping link lists and short boilerplate lines, and cut
//!    the text into one paragraph per block element.
//!
//! Every pass is a loop over the node arena (document order), never recursion.

use super::dom::{At, Dom, Kind, Tag, NONE};
use super::hints;
use copydesk_model::{Caption, CaptionKind};

pub struct Body {
    pub paragraphs: Vec<String>,
    pub captions: Vec<Caption>,
}

/// Per-node facts computed once.
struct Facts {
    /// One past the last node of the subtree.
    end: Vec<u32>,
    junk: Vec<bool>,
    /// Visible characters (whitespace excluded) in the subtree, junk excluded.
    chars: Vec<u32>,
    /// Of which inside links.
    link_chars: Vec<u32>,
    /// Class and id hint weight.
    weight: Vec<i16>,
}

/// Caption or credit, from class/id flags.
fn caption_kind(f: u32) -> Option<CaptionKind> {
    if f & hints::CREDIT != 0 {
        Some(CaptionKind::Credit)
    } else if f & hints::CAPTION != 0 {
        Some(CaptionKind::Caption)
    } else {
        None
    }
}

fn is_junk_tag(t: Tag) -> bool {
    use Tag::*;
    matches!(
        t,
        Script
            | Style
            | Noscript
            | Template
            | Svg
            | Math
            | Iframe
            | Object
            | Embed
            | Canvas
            | Video
            | Audio
            | Map
            | Button
            | Select
            | Option
            | Optgroup
            | Input
            | Textarea
            | Nav
            | Aside
            | Footer
            | Menu
            | Dialog
            | Head
            | Title
            | Meta
            | Link
            | Base
            | Frameset
            | Frame
            | Noembed
            | Noframes
            | Applet
            | Label
            | Legend
            | Header
            | Picture
            | Source
            | Track
            | Img
            | Search
            | Rp
    )
}

/// Non-whitespace characters and commas of a text. Bytewise: this runs over every text
/// node, and chars() decoding showed in profiles.
fn visible_chars(s: &str) -> (u32, u32) {
    let b = s.as_bytes();
    let mut n = 0u32;
    let mut commas = 0u32;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            if !c.is_ascii_whitespace() {
                n += 1;
                if c == b',' {
                    commas += 1;
                }
            }
        } else if c & 0xC0 != 0x80 {
            // a character's lead byte; no-break spaces count as whitespace
            match (c, b.get(i + 1).copied(), b.get(i + 2).copied()) {
                (0xC2, Some(0xA0), _) => {}
                (0xEF, Some(0xBC), Some(0x8C))
                | (0xE3, Some(0x80), Some(0x81))
                | (0xD8, Some(0x8C), _) => {
                    n += 1;
                    commas += 1;
                }
                _ => n += 1,
            }
        }
        i += 1;
    }
    (n, commas)
}

fn is_hidden(dom: &Dom, id: u32) -> bool {
    if dom.attr(id, "hidden").is_some() {
        return true;
    }
    if dom.attr(id, "aria-hidden") == Some("true") && dom.tag(id) != Some(Tag::Body) {
        return true;
    }
    if let Some(style) = dom.attr(id, "style") {
        let s: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if s.contains("display:none") || s.contains("visibility:hidden") {
            return true;
        }
    }
    matches!(
        dom.attr(id, "role"),
        Some(
            "navigation"
                | "complementary"
                | "banner"
                | "contentinfo"
                | "menu"
                | "menubar"
                | "dialog"
                | "alert"
                | "search"
                | "toolbar"
                | "tablist"
        )
    )
}

pub fn extract(dom: &Dom, flags: &[u32], title: Option<&str>) -> Body {
    let n = dom.nodes.len();
    let end: Vec<u32> = dom.ends.clone();
    // Raw text sizes (junk tags only), to protect big containers from hint pruning.
    let mut tag_junk = vec![false; n];
    let mut protect = vec![false; n];
    for i in 1..n {
        let p = dom.nodes[i].parent as usize;
        if tag_junk[p] {
            tag_junk[i] = true;
            continue;
        }
        if let Kind::Element { tag, .. } = dom.nodes[i].kind {
            if is_junk_tag(tag) || is_hidden(dom, i as u32) {
                tag_junk[i] = true;
            }
            // Embedded posts (tweets, Instagram) quoted in an article are part of its text;
            // their wrappers, often named "social-embed", are kept.
            if tag == Tag::Blockquote
                && dom.attr_at(i as u32, At::Class).is_some_and(|c| {
                    let c = c.to_ascii_lowercase();
                    c.contains("tweet") || c.contains("instagram") || c.contains("tiktok")
                })
            {
                let mut a = i as u32;
                for _ in 0..3 {
                    if a == NONE {
                        break;
                    }
                    protect[a as usize] = true;
                    a = dom.nodes[a as usize].parent;
                }
            }
            if dom
                .attr(i as u32, "itemprop")
                .is_some_and(|v| v.eq_ignore_ascii_case("articlebody"))
            {
                // the marked body and its ancestors are never pruned by hints
                let mut a = i as u32;
                while a != NONE {
                    protect[a as usize] = true;
                    a = dom.nodes[a as usize].parent;
                }
            }
        }
    }
    let mut raw_chars = vec![0u32; n];
    let mut text_commas = vec![0u32; n];
    for i in (1..n).rev() {
        if tag_junk[i] {
            continue;
        }
        if let Kind::Text(..) = dom.nodes[i].kind {
            let (c, k) = visible_chars(dom.text(i as u32));
            raw_chars[i] = c;
            text_commas[i] = k;
        }
        let p = dom.nodes[i].parent as usize;
        raw_chars[p] += raw_chars[i];
    }
    let total = raw_chars[0].max(1);

    // Junk marking with hints; captions set aside.
    let mut junk = vec![false; n];
    let mut caption_roots: Vec<(u32, CaptionKind)> = Vec::new();
    let mut weight = vec![0i16; n];
    for i in 1..n {
        let p = dom.nodes[i].parent as usize;
        if junk[p] {
            junk[i] = true;
            continue;
        }
        let Kind::Element { tag, .. } = dom.nodes[i].kind else {
            continue;
        };
        let f = flags[i];
        weight[i] = hints::weight(f);
        if matches!(tag, Tag::Figcaption) {
            caption_roots.push((i as u32, caption_kind(f).unwrap_or(CaptionKind::Caption)));
            junk[i] = true;
            continue;
        }
        if tag == Tag::Figure {
            // Figures hold pictures and their captions; a figure with long prose is a
            // misused wrapper and is kept.
            if raw_chars[i] < 600 {
                collect_figure_captions(dom, i as u32, &end, flags, &mut caption_roots);
                junk[i] = true;
                continue;
            }
        }
        if let Some(k) = caption_kind(f) {
            if raw_chars[i] < 800
                && !protect[i]
                && !matches!(tag, Tag::Body | Tag::Html | Tag::Article | Tag::Main)
            {
                caption_roots.push((i as u32, k));
                junk[i] = true;
                continue;
            }
        }
        if tag_junk[i] {
            junk[i] = true;
            continue;
        }
        // Machine-readable metadata printed in the page (date, author, publisher lines).
        if let Some(ip) = dom.attr_at(i as u32, At::Itemprop) {
            let ip = ip.trim();
            if [
                "datePublished",
                "dateModified",
                "dateCreated",
                "author",
                "publisher",
                "creator",
            ]
            .iter()
            .any(|k| ip.eq_ignore_ascii_case(k))
                && raw_chars[i] < 200
            {
                junk[i] = true;
                continue;
            }
        }
        // Forms are junk unless they wrap the page (ASP.NET puts everything in one).
        if tag == Tag::Form && raw_chars[i] as u64 * 2 < total as u64 {
            junk[i] = true;
            continue;
        }
        if protect[i] || matches!(tag, Tag::Body | Tag::Html | Tag::Main) {
            continue;
        }
        if f & (hints::NEG | hints::WEAK) != 0 {
            let positive = f & hints::POS != 0;
            let big = raw_chars[i] as u64 * 10 > total as u64 * 3;
            let most = raw_chars[i] as u64 * 2 > total as u64;
            if f & hints::NEG != 0 {
                let comments = f & hints::COMMENTS != 0;
                // Names that say both (`entry-content read-more`, `like-post-wrapper`) prune
                // small elements only.
                let mixed_keep = positive && raw_chars[i] >= 300;
                // (an <article> holding much of the page is the post, "commented" or not)
                let comments = comments && !(tag == Tag::Article && big);
                if comments || !((positive || tag == Tag::Article) && big || most || mixed_keep) {
                    junk[i] = true;
                }
            } else if !positive && raw_chars[i] < 300 && f & hints::WEAK_PART == 0 {
                junk[i] = true;
            }
        }
    }

    // Visible text aggregates.
    let mut chars = vec![0u32; n];
    let mut link_chars = vec![0u32; n];
    let mut commas = vec![0u32; n];
    for i in (1..n).rev() {
        if junk[i] {
            continue;
        }
        match dom.nodes[i].kind {
            Kind::Text(..) => {
                chars[i] = raw_chars[i];
                commas[i] = text_commas[i];
            }
            Kind::Element { tag: Tag::A, .. } => link_chars[i] = chars[i],
            _ => {}
        }
        let p = dom.nodes[i].parent as usize;
        chars[p] += chars[i];
        link_chars[p] += link_chars[i];
        commas[p] += commas[i];
    }
    let facts = Facts {
        end,
        junk,
        chars,
        link_chars,
        weight,
    };

    // Paragraph scoring (readability): each paragraph credits its ancestors.
    let mut score = vec![0f32; n];
    let mut scored = vec![false; n];
    for i in 1..n {
        if facts.junk[i] {
            continue;
        }
        let Kind::Element { tag, .. } = dom.nodes[i].kind else {
            continue;
        };
        // A paragraph credits its parent first; text written straight into a container
        // (`<div>text<br>text</div>`) credits the container itself.
        let (len, links, k, first) = match tag {
            Tag::P | Tag::Pre | Tag::Td | Tag::Blockquote => (
                facts.chars[i],
                facts.link_chars[i],
                commas[i],
                dom.nodes[i].parent,
            ),
            Tag::Div
            | Tag::Section
            | Tag::Span
            | Tag::Font
            | Tag::Center
            | Tag::Li
            | Tag::Article
            | Tag::Main
            | Tag::Dd => {
                let (c, l, k) = direct_text(dom, i as u32, &facts, &commas);
                if c == facts.chars[i] && matches!(tag, Tag::Span | Tag::Font) {
                    (c, l, k, dom.nodes[i].parent)
                } else {
                    (c, l, k, i as u32)
                }
            }
            _ => continue,
        };
        if len < 25 {
            continue;
        }
        let ld = links as f32 / len as f32;
        if ld > 0.5 {
            continue;
        }
        let s = 1.0 + k as f32 + (len as f32 / 100.0).min(3.0);
        let mut a = first;
        let mut level = 0;
        while a != NONE && a != 0 && level < 3 {
            if !scored[a as usize] {
                scored[a as usize] = true;
                score[a as usize] += initial_score(dom.tag(a), facts.weight[a as usize]);
            }
            let div = match level {
                0 => 1.0,
                1 => 2.0,
                _ => level as f32 * 3.0,
            };
            score[a as usize] += s / div;
            a = dom.nodes[a as usize].parent;
            level += 1;
        }
    }
    let mut best = NONE;
    let mut best_score = 0f32;
    for i in 1..n {
        if !scored[i] || facts.junk[i] {
            continue;
        }
        let ld = if facts.chars[i] > 0 {
            facts.link_chars[i] as f32 / facts.chars[i] as f32
        } else {
            0.0
        };
        score[i] *= 1.0 - ld;
        if score[i] > best_score {
            best_score = score[i];
            best = i as u32;
        }
    }

    // An element marked as the article body wins when it holds real text.
    let mut marked = NONE;
    for i in 1..n {
        if facts.junk[i] || dom.nodes[i].first_child == NONE {
            continue;
        }
        if dom
            .attr(i as u32, "itemprop")
            .is_some_and(|v| v.eq_ignore_ascii_case("articlebody"))
            && facts.chars[i] >= 250
            && (marked == NONE || facts.chars[i] > facts.chars[marked as usize])
        {
            marked = i as u32;
        }
    }

    // When several of the best candidates sit in one container (an article cut into
    // cards or chunks), that container is the article.
    if best != NONE {
        let mut top: Vec<usize> = (1..n)
            .filter(|&i| {
                scored[i] && !facts.junk[i] && i as u32 != best && score[i] >= best_score * 0.75
            })
            .collect();
        top.sort_by(|a, b| score[*b].total_cmp(&score[*a]));
        top.truncate(5);
        if top.len() >= 3 {
            let mut a = dom.nodes[best as usize].parent;
            while a != NONE && a != 0 && !matches!(dom.tag(a), Some(Tag::Body | Tag::Html)) {
                let inside = top.iter().filter(|&&t| dom.is_within(t as u32, a)).count();
                if inside >= 3 {
                    best = a;
                    best_score = best_score.max(score[a as usize]);
                    break;
                }
                a = dom.nodes[a as usize].parent;
            }
        }
    }

    let mut roots: Vec<u32> = Vec::new();
    if marked != NONE
        && (best == NONE
            || facts.chars[marked as usize] * 2 >= facts.chars[best as usize]
            || dom.is_within(best, marked))
    {
        roots.push(marked);
    } else if best != NONE {
        // Siblings that score well or read like prose join the best candidate.
        let parent = dom.nodes[best as usize].parent;
        let threshold = (best_score * 0.2).max(10.0);
        let best_class = dom
            .attr_at(best, At::Class)
            .filter(|c| !c.trim().is_empty());
        for s in dom.children(parent) {
            if s == best {
                roots.push(s);
                continue;
            }
            let si = s as usize;
            if facts.junk[si] || dom.is_text(s) {
                continue;
            }
            let mut bonus = 0.0;
            if best_class.is_some() && best_class == dom.attr_at(s, At::Class) {
                bonus = best_score * 0.2;
            }
            let ld = if facts.chars[si] > 0 {
                facts.link_chars[si] as f32 / facts.chars[si] as f32
            } else {
                1.0
            };
            let append = if scored[si] && score[si] + bonus >= threshold {
                true
            } else if dom.tag(s) == Some(Tag::P) {
                let len = facts.chars[si];
                (len > 80 && ld < 0.25) || (len > 0 && ld == 0.0 && ends_sentence(&dom.raw_text(s)))
            } else {
                false
            };
            if append {
                roots.push(s);
            }
        }
        // Chunks of one article in separate containers of the same class.
        if let Some(class) = dom.attr(best, "class").filter(|c| !c.trim().is_empty()) {
            let tag = dom.tag(best);
            for i in 1..n {
                let id = i as u32;
                if !scored[i]
                    || facts.junk[i]
                    || dom.tag(id) != tag
                    || dom.attr(id, "class") != Some(class)
                {
                    continue;
                }
                if roots
                    .iter()
                    .any(|&r| dom.is_within(id, r) || dom.is_within(r, id))
                {
                    continue;
                }
                let ld = facts.link_chars[i] as f32 / facts.chars[i].max(1) as f32;
                if score[i] >= best_score * 0.2 && facts.chars[i] >= 100 && ld < 0.3 {
                    roots.push(id);
                }
            }
            roots.sort_unstable();
        }
    }

    // No paragraph long enough to score: the page's visible text, minus the pruned parts.
    if roots.is_empty() {
        roots.push(
            (1..n as u32)
                .find(|&i| dom.tag(i) == Some(Tag::Body))
                .unwrap_or(0),
        );
    }
    let mut paragraphs = Vec::new();
    for &r in &roots {
        collect_paragraphs(dom, r, &facts, title, &mut paragraphs);
    }
    let paragraphs = filter_paragraphs(paragraphs, title);

    // Captions: those inside the article (nearest <article>/<main> around the body, else the
    // body's parent), in document order.
    let mut captions = Vec::new();
    if let Some(&first) = roots.first() {
        let mut scope = dom.nodes[first as usize].parent;
        let mut a = first;
        while a != NONE && a != 0 {
            if matches!(dom.tag(a), Some(Tag::Article | Tag::Main)) {
                scope = a;
                break;
            }
            a = dom.nodes[a as usize].parent;
        }
        if scope == NONE {
            scope = 0;
        }
        caption_roots.sort_by_key(|c| c.0);
        let body_text: String = paragraphs.join("\n");
        for (id, kind) in caption_roots.into_iter().take(300) {
            if !dom.is_within(id, scope) || is_in_pruned_chrome(dom, id, scope, &facts, flags) {
                continue;
            }
            for (text, k) in caption_texts(dom, id, kind, &facts, flags) {
                if text.chars().count() < 3
                    || body_text.contains(&text)
                    || captions.iter().any(|c: &Caption| c.text == text)
                {
                    continue;
                }
                captions.push(Caption { text, kind: k });
            }
        }
    }
    Body {
        paragraphs,
        captions,
    }
}

/// Whether a caption sits in something pruned for another reason than being a caption (a
/// related-stories rail's thumbnails).
fn is_in_pruned_chrome(dom: &Dom, id: u32, scope: u32, facts: &Facts, flags: &[u32]) -> bool {
    let mut a = dom.nodes[id as usize].parent;
    while a != NONE && a != scope {
        let t = dom.tag(a);
        if facts.weight[a as usize] < 0
            && !matches!(t, Some(Tag::Figure))
            && caption_kind(flags[a as usize]).is_none()
        {
            return true;
        }
        if matches!(t, Some(Tag::Nav | Tag::Aside | Tag::Footer)) {
            return true;
        }
        a = dom.nodes[a as usize].parent;
    }
    false
}

fn collect_figure_captions(
    dom: &Dom,
    fig: u32,
    end: &[u32],
    flags: &[u32],
    out: &mut Vec<(u32, CaptionKind)>,
) {
    let mut i = fig + 1;
    let e = end[fig as usize];
    let mut found = false;
    while i < e {
        let ii = i as usize;
        if let Kind::Element { tag, .. } = dom.nodes[ii].kind {
            let k = if tag == Tag::Figcaption {
                Some(caption_kind(flags[ii]).unwrap_or(CaptionKind::Caption))
            } else {
                caption_kind(flags[ii])
            };
            if let Some(k) = k {
                out.push((i, k));
                found = true;
                i = end[ii];
                continue;
            }
            if matches!(
                tag,
                Tag::Script | Tag::Style | Tag::Noscript | Tag::Template
            ) {
                i = end[ii];
                continue;
            }
        }
        i += 1;
    }
    let _ = found;
}

/// The caption's own text, and nested credits apart.
fn caption_texts(
    dom: &Dom,
    root: u32,
    kind: CaptionKind,
    facts: &Facts,
    flags: &[u32],
) -> Vec<(String, CaptionKind)> {
    let mut main = String::new();
    let mut credits = Vec::new();
    let e = facts.end[root as usize];
    let mut i = root + 1;
    while i < e {
        let ii = i as usize;
        match dom.nodes[ii].kind {
            Kind::Element { tag, .. } => {
                if matches!(
                    tag,
                    Tag::Script
                        | Tag::Style
                        | Tag::Noscript
                        | Tag::Template
                        | Tag::Button
                        | Tag::Svg
                ) {
                    i = facts.end[ii];
                    continue;
                }
                if let Some(CaptionKind::Credit) = caption_kind(flags[ii]) {
                    if kind == CaptionKind::Caption {
                        let t = normalize_ws(&dom.raw_text(i));
                        if !t.is_empty() {
                            credits.push(t);
                        }
                        i = facts.end[ii];
                        continue;
                    }
                }
                if tag.is_block() {
                    main.push(' ');
                }
            }
            Kind::Text(..) => main.push_str(dom.text(i)),
            _ => {}
        }
        i += 1;
    }
    let main = normalize_ws(&main);
    let mut out = Vec::new();
    if !main.is_empty() {
        let k = if kind == CaptionKind::Caption && looks_like_credit(&main) {
            CaptionKind::Credit
        } else {
            kind
        };
        out.push((main, k));
    }
    for c in credits {
        out.push((c, CaptionKind::Credit));
    }
    out
}

pub fn looks_like_credit(t: &str) -> bool {
    let l = t.to_lowercase();
    let starts = [
        "photo:",
        "photo by",
        "photos:",
        "photograph:",
        "photograph by",
        "credit:",
        "image:",
        "image by",
        "picture:",
        "pictures:",
        "foto:",
        "fotos:",
        "bild:",
        "(photo",
        "(image",
        "(credit",
        "image copyright",
        "image source",
        "copyright",
        "©",
        "getty images",
        "courtesy",
    ];
    starts.iter().any(|s| l.starts_with(s))
        || (l.len() < 60
            && (l.ends_with("getty images")
                || l.ends_with("/reuters")
                || l.ends_with("/ap")
                || l.ends_with("/afp")))
}

fn initial_score(tag: Option<Tag>, weight: i16) -> f32 {
    use Tag::*;
    let base = match tag {
        Some(Div | Article | Main) => 5.0,
        Some(Pre | Td | Blockquote) => 3.0,
        Some(Address | Ol | Ul | Dl | Dd | Dt | Li | Form) => -3.0,
        Some(H1 | H2 | H3 | H4 | H5 | H6 | Th) => -5.0,
        _ => 0.0,
    };
    base + weight as f32
}

/// Characters, link characters and commas of the text directly inside `id` (text nodes and
/// inline elements, not block children).
fn direct_text(dom: &Dom, id: u32, facts: &Facts, commas: &[u32]) -> (u32, u32, u32) {
    let (mut c, mut l, mut k) = (0, 0, 0);
    for ch in dom.children(id) {
        let ci = ch as usize;
        match dom.nodes[ci].kind {
            Kind::Text(..) => {}
            Kind::Element { tag, .. } if !tag.is_block() || tag == Tag::Br => {}
            _ => continue,
        }
        c += facts.chars[ci];
        l += facts.link_chars[ci];
        k += commas[ci];
    }
    (c, l, k)
}

fn ends_sentence(s: &str) -> bool {
    let t = s.trim_end();
    t.ends_with(['.', '!', '?', '"', '”', '。', '…'])
}

pub fn normalize_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

struct Para {
    text: String,
    chars: u32,
    link_chars: u32,
    tag: Option<Tag>,
}

fn is_drop_container(dom: &Dom, id: u32, facts: &Facts) -> bool {
    let i = id as usize;
    let Some(tag) = dom.tag(id) else { return false };
    let chars = facts.chars[i];
    if chars == 0 {
        return false;
    }
    let ld = facts.link_chars[i] as f32 / chars as f32;
    match tag {
        Tag::Ul | Tag::Ol => {
            if ld <= if facts.weight[i] > 0 { 0.65 } else { 0.5 } {
                return false;
            }
            // A list of linked headlines each followed by its own sentence is content; a
            // list of bare links is navigation.
            let (mut items, mut described) = (0, 0);
            for c in dom.children(id) {
                let ci = c as usize;
                if dom.tag(c) == Some(Tag::Li) && facts.chars[ci] > 0 {
                    items += 1;
                    if facts.chars[ci] - facts.link_chars[ci].min(facts.chars[ci]) >= 40 {
                        described += 1;
                    }
                }
            }
            !(items > 0 && described * 2 >= items && ld < 0.8)
        }
        Tag::Li => {
            let own = chars - facts.link_chars[i].min(chars);
            ld > 0.8 || (ld > if facts.weight[i] > 0 { 0.65 } else { 0.5 } && own < 40)
        }
        Tag::Dl | Tag::Table => ld > if facts.weight[i] > 0 { 0.65 } else { 0.5 },
        Tag::Div | Tag::Section | Tag::Article | Tag::Span | Tag::Header => {
            if facts.weight[i] > 0 {
                ld > 0.65
            } else {
                ld > 0.5 || (ld > 0.33 && chars < 200)
            }
        }
        Tag::P | Tag::Blockquote | Tag::Td | Tag::Dd => ld > 0.75,
        _ => false,
    }
}

fn collect_paragraphs(
    dom: &Dom,
    root: u32,
    facts: &Facts,
    title: Option<&str>,
    out: &mut Vec<Para>,
) {
    let end = facts.end[root as usize];
    // open elements: (end, tag)
    let mut open: Vec<(u32, Tag)> = Vec::new();
    let mut cur = Para {
        text: String::new(),
        chars: 0,
        link_chars: 0,
        tag: None,
    };
    let mut block_tags: Vec<Tag> = Vec::new();
    let mut link_depth = 0u32;
    let mut i = root;
    let mut last_br = false;
    let flush = |cur: &mut Para, out: &mut Vec<Para>, tag: Option<Tag>| {
        let t = normalize_ws(&cur.text);
        if !t.is_empty() {
            out.push(Para {
                text: t,
                chars: cur.chars,
                link_chars: cur.link_chars,
                tag: cur.tag,
            });
        }
        cur.text.clear();
        cur.chars = 0;
        cur.link_chars = 0;
        cur.tag = tag;
    };
    while i < end {
        while let Some(&(e, t)) = open.last() {
            if e > i {
                break;
            }
            open.pop();
            if t == Tag::A {
                link_depth = link_depth.saturating_sub(1);
            }
            if t.is_block() {
                block_tags.pop();
                flush(&mut cur, out, block_tags.last().copied());
            }
        }
        let ii = i as usize;
        if facts.junk[ii] {
            i = facts.end[ii];
            continue;
        }
        match dom.nodes[ii].kind {
            Kind::Element { tag, .. } => {
                if i != root && is_drop_container(dom, i, facts) {
                    i = facts.end[ii];
                    continue;
                }
                if tag == Tag::H1 {
                    i = facts.end[ii];
                    continue;
                }
                if tag == Tag::Br {
                    if last_br {
                        flush(&mut cur, out, block_tags.last().copied());
                    } else {
                        cur.text.push(' ');
                    }
                    last_br = true;
                    i += 1;
                    continue;
                }
                if tag.is_block() {
                    flush(&mut cur, out, Some(tag));
                    block_tags.push(tag);
                } else if tag == Tag::Td || tag == Tag::Th {
                    cur.text.push(' ');
                }
                if tag == Tag::A {
                    link_depth += 1;
                }
                open.push((facts.end[ii], tag));
            }
            Kind::Text(..) => {
                let t = dom.text(i);
                if !t.trim().is_empty() {
                    last_br = false;
                }
                cur.text.push_str(t);
                let c = facts.chars[ii];
                cur.chars += c;
                if link_depth > 0 {
                    cur.link_chars += c;
                }
            }
            Kind::Document => {}
        }
        i += 1;
    }
    flush(&mut cur, out, None);
    if let Some(title) = title {
        let tn = normalize_ws(title).to_lowercase();
        out.retain(|p| !(p.tag.is_some_and(|t| t.is_heading()) && p.text.to_lowercase() == tn));
    }
}

/// A dateline of the "05/10/2018 - Posted by X - Tags: ..." kind: short, with a date and a
/// publishing word.
fn is_meta_line(t: &str) -> bool {
    if t.len() > 200 {
        return false;
    }
    let l = t.to_lowercase();
    const WORDS: &[&str] = &[
        "posted",
        "published",
        "publicado",
        "publié",
        "veröffentlicht",
        "pubblicato",
        "tags:",
        "categor",
        "updated:",
        "last updated",
        "atualizado",
        "actualizado",
    ];
    WORDS.iter().any(|w| l.contains(w)) && super::dates::find_in_text(t).is_some()
}

fn is_boilerplate_line(t: &str) -> bool {
    if t.len() > 200 {
        return false;
    }
    let l = t.to_lowercase();
    let l = l.trim_matches(|c: char| !c.is_alphanumeric());
    if l.is_empty() {
        return true;
    }
    const EXACT: &[&str] = &[
        "advertisement",
        "advertising",
        "sponsored",
        "share",
        "share this",
        "share this article",
        "share this story",
        "tweet",
        "email",
        "print",
        "comments",
        "comment",
        "related",
        "related articles",
        "related stories",
        "related content",
        "read more",
        "more",
        "see also",
        "continue reading",
        "click here",
        "loading",
        "skip to content",
        "subscribe",
        "sign up",
        "follow us",
        "you may also like",
        "recommended",
        "most read",
        "most popular",
        "trending",
        "story continues below advertisement",
        "article continues below advertisement",
        "ad",
        "story continues below",
        "scroll to continue with content",
        "top",
        "back to top",
        "next",
        "previous",
        "close",
        "menu",
        "search",
        "advert",
        "this slideshow requires javascript",
        "tell us what you think",
    ];
    if EXACT.contains(&l) {
        return true;
    }
    if t.len() < 140 {
        const PREFIX: &[&str] = &[
            "read more:",
            "read more at",
            "related:",
            "see also:",
            "also read:",
            "read also:",
            "click here to",
            "sign up for",
            "subscribe to",
            "follow us on",
            "share on",
            "copyright ©",
            "© copyright",
            "all rights reserved",
            "this article was originally published",
            "image copyright",
            "image caption",
            "media caption",
            "getty images",
            "related coverage",
            "more:",
            "watch:",
            "listen:",
            "recommended:",
            "don't miss:",
            "filed under",
            "tempo de leitura",
            "reading time",
            "min read",
            "updated at",
            "updated on",
            "last updated",
            "text size",
            "related post:",
        ];
        if PREFIX
            .iter()
            .any(|p| l.starts_with(p.trim_end_matches(':')))
            && PREFIX.iter().any(|p| t.to_lowercase().starts_with(p))
        {
            return true;
        }
        if l.contains("all rights reserved")
            || l.starts_with("©")
            || t.trim_start().starts_with('©')
        {
            return true;
        }
    }
    false
}

fn filter_paragraphs(paras: Vec<Para>, title: Option<&str>) -> Vec<String> {
    let mut out = Vec::with_capacity(paras.len());
    let title = title.map(|t| normalize_ws(t).to_lowercase());
    for (i, p) in paras.into_iter().enumerate() {
        if is_boilerplate_line(&p.text) || is_meta_line(&p.text) {
            continue;
        }
        // The headline repeated at the top of the body, whatever its markup.
        if i < 3
            && title
                .as_ref()
                .is_some_and(|t| p.text.len() == t.len() && p.text.to_lowercase() == *t)
        {
            continue;
        }
        if p.chars > 0 && p.link_chars * 10 > p.chars * 9 && p.chars < 200 {
            // a lone link: "Next story", a related headline
            continue;
        }
        if p.text.len() < 120 && (looks_like_credit(&p.text) || p.text.contains('©')) {
            continue;
        }
        out.push(p.text);
    }
    // Trailing calls to action: "Subscribe to our newsletter", "X can be reached at ...".
    while out.len() > 1 {
        let Some(last) = out.last() else { break };
        if !is_call_to_action(last) {
            break;
        }
        out.pop();
    }
    out
}

fn is_call_to_action(t: &str) -> bool {
    if t.len() > 250 {
        return false;
    }
    let l = t.to_lowercase();
    const WORDS: &[&str] = &[
        "newsletter",
        "subscribe",
        "sign up for",
        "follow us",
        "follow him on",
        "follow her on",
        "follow them on",
        "may be reached at",
        "can be reached at",
        "contact us",
        "have a tip",
        "send us a tip",
        "tips@",
        "email us",
        "e-mail us",
        "like us on facebook",
        "download our app",
        "click here",
        "reporting by",
        "contributed reporting",
        "contributed to this report",
        "contributed to this story",
        "editing by",
        "edited by",
        "writers contributed",
        "additional reporting",
        "share it with",
        "join our",
        "listen to",
        "on instagram",
        "on twitter",
        "on facebook",
    ];
    WORDS.iter().any(|w| l.contains(w))
}

/// Paragraphs of a text that may hold markup (a JSON-LD `articleBody`): tags are dropped,
/// blocks and line breaks separate paragraphs.
pub fn plain_paragraphs(text: &str) -> Vec<String> {
    if !(text.contains('<') && text.contains('>')) {
        return text
            .split('\n')
            .map(normalize_ws)
            .filter(|p| !p.is_empty())
            .collect();
    }
    let dom = Dom::parse(text);
    let mut out = Vec::new();
    let mut cur = String::new();
    let n = dom.nodes.len() as u32;
    let mut i = 1;
    while i < n {
        match dom.nodes[i as usize].kind {
            Kind::Element { tag, .. } => {
                if is_junk_tag(tag) && tag != Tag::Img {
                    i = dom.subtree_end(i);
                    continue;
                }
                if tag.is_block() {
                    out.push(normalize_ws(&cur));
                    cur.clear();
                }
            }
            Kind::Text(..) => {
                for (j, line) in dom.text(i).split('\n').enumerate() {
                    if j > 0 {
                        out.push(normalize_ws(&cur));
                        cur.clear();
                    }
                    cur.push_str(line);
                    cur.push(' ');
                }
            }
            Kind::Document => {}
        }
        i += 1;
    }
    out.push(normalize_ws(&cur));
    out.retain(|p| !p.is_empty());
    out
}
