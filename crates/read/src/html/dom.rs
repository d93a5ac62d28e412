//! A small, fast HTML parser: a tokenizer and a forgiving tree builder into a flat arena.
//!
//! Why not a crate: measured on the 181 scrapinghub pages (31 MB, one core), html5ever via
//! `scraper` parses 390 pages/s, too slow for the 900 pages/s end-to-end target, and `tl`
//! (2,400 pages/s) misparses real pages: `<script>` bodies containing `<`, unclosed `<p>` and
//! `<li>`, and stray end tags swallow the rest of the document. This parser follows the
//! parts of the HTML5 tree-construction rules that matter for text extraction (raw-text
//! elements, implied end tags of `p`/`li`/`dd`/`dt`/table parts, void elements, end tags
//! that close intervening elements, stray end tags ignored) and nothing else.
//!
//! Nodes are stored in document order, so a parent's index is always below its children's:
//! bottom-up aggregates are a reverse loop, top-down ones a forward loop, and nothing here
//! or in the extractor recurses (100k nested `<div>`s are fine).

use std::collections::HashMap;

pub const NONE: u32 = u32::MAX;

/// FNV-1a: tag names are short and trusted-shaped, SipHash's cost showed in profiles.
#[derive(Default, Clone, Copy)]
pub struct Fnv;

pub struct FnvHasher(u64);

impl std::hash::BuildHasher for Fnv {
    type Hasher = FnvHasher;
    fn build_hasher(&self) -> FnvHasher {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

macro_rules! tags {
    ($($v:ident = $s:literal),* $(,)?) => {
        /// Element names the extractor cares about; everything else is `Other`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Tag { $($v,)* Other }
        static TAG_NAMES: std::sync::LazyLock<HashMap<&'static str, Tag, Fnv>> =
            std::sync::LazyLock::new(|| [$(($s, Tag::$v),)*].into_iter().collect());
        impl Tag {
            /// A hash lookup: a `match` over 130 names compiled to a chain of comparisons
            /// that showed in profiles.
            pub fn from_name(name: &str) -> Tag {
                TAG_NAMES.get(name).copied().unwrap_or(Tag::Other)
            }
        }
        const TAG_COUNT: usize = [$(Tag::$v,)*].len() + 1;
    };
}

tags! {
    A = "a", Abbr = "abbr", Address = "address", Article = "article", Aside = "aside",
    Audio = "audio", B = "b", Base = "base", Blockquote = "blockquote", Body = "body",
    Br = "br", Button = "button", Canvas = "canvas", Caption = "caption", Center = "center",
    Code = "code", Col = "col", Colgroup = "colgroup", Dd = "dd", Details = "details",
    Dialog = "dialog", Dir = "dir", Div = "div", Dl = "dl", Dt = "dt", Em = "em", Embed = "embed",
    Fieldset = "fieldset", Figcaption = "figcaption", Figure = "figure", Footer = "footer",
    Form = "form", H1 = "h1", H2 = "h2", H3 = "h3", H4 = "h4", H5 = "h5", H6 = "h6", Head = "head",
    Header = "header", Hgroup = "hgroup", Hr = "hr", Html = "html", I = "i", Iframe = "iframe",
    Img = "img", Input = "input", Label = "label", Legend = "legend", Li = "li", Link = "link",
    Main = "main", Map = "map", Math = "math", Menu = "menu", Meta = "meta", Nav = "nav",
    Noembed = "noembed", Noframes = "noframes", Noscript = "noscript", Object = "object",
    Ol = "ol", Optgroup = "optgroup", Option = "option", P = "p", Param = "param",
    Picture = "picture", Plaintext = "plaintext", Pre = "pre", Q = "q", Rp = "rp", Rt = "rt",
    Ruby = "ruby", S = "s", Script = "script", Section = "section", Select = "select",
    Small = "small", Source = "source", Span = "span", Strong = "strong", Style = "style",
    Sub = "sub", Summary = "summary", Sup = "sup", Svg = "svg", Table = "table", Tbody = "tbody",
    Td = "td", Template = "template", Textarea = "textarea", Tfoot = "tfoot", Th = "th",
    Thead = "thead", Time = "time", Title = "title", Tr = "tr", Track = "track", U = "u",
    Ul = "ul", Video = "video", Wbr = "wbr", Xmp = "xmp", Area = "area", Font = "font",
    Cite = "cite", Mark = "mark", Ins = "ins", Del = "del", Kbd = "kbd", Var = "var",
    Samp = "samp", Tt = "tt", Big = "big", Strike = "strike", Nobr = "nobr", Data = "data",
    Dfn = "dfn", Bdi = "bdi", Bdo = "bdo", Output = "output", Meter = "meter",
    Progress = "progress", Frameset = "frameset", Frame = "frame", Marquee = "marquee",
    Applet = "applet", Keygen = "keygen", Search = "search",
}

impl Tag {
    pub fn is_void(self) -> bool {
        use Tag::*;
        matches!(
            self,
            Area | Base
                | Br
                | Col
                | Embed
                | Hr
                | Img
                | Input
                | Link
                | Meta
                | Param
                | Source
                | Track
                | Wbr
                | Keygen
                | Frame
        )
    }

    /// Elements whose start tag closes an open `<p>`.
    fn closes_p(self) -> bool {
        use Tag::*;
        matches!(
            self,
            Address
                | Article
                | Aside
                | Blockquote
                | Center
                | Details
                | Dialog
                | Dir
                | Div
                | Dl
                | Fieldset
                | Figcaption
                | Figure
                | Footer
                | Form
                | H1
                | H2
                | H3
                | H4
                | H5
                | H6
                | Header
                | Hgroup
                | Hr
                | Main
                | Menu
                | Nav
                | Ol
                | P
                | Pre
                | Section
                | Summary
                | Table
                | Ul
                | Li
                | Dd
                | Dt
                | Plaintext
                | Xmp
                | Search
        )
    }

    pub fn is_heading(self) -> bool {
        matches!(
            self,
            Tag::H1 | Tag::H2 | Tag::H3 | Tag::H4 | Tag::H5 | Tag::H6
        )
    }

    /// Elements that end a run of inline text (a paragraph boundary in extracted text).
    pub fn is_block(self) -> bool {
        use Tag::*;
        self.closes_p()
            || matches!(
                self,
                Tr | Td
                    | Th
                    | Caption
                    | Tbody
                    | Thead
                    | Tfoot
                    | Body
                    | Html
                    | Option
                    | Legend
                    | Br
                    | Li
                    | Noscript
                    | Iframe
                    | Select
                    | Textarea
                    | Button
                    | Video
                    | Audio
            )
    }

    /// Inline (phrasing) elements: closing an `<a>` across them is safe.
    fn is_inline(self) -> bool {
        use Tag::*;
        matches!(
            self,
            A | Abbr
                | B
                | Code
                | Em
                | I
                | Q
                | S
                | Small
                | Span
                | Strong
                | Sub
                | Sup
                | U
                | Font
                | Cite
                | Mark
                | Ins
                | Del
                | Kbd
                | Var
                | Samp
                | Tt
                | Big
                | Strike
                | Nobr
                | Time
                | Data
                | Dfn
                | Bdi
                | Bdo
                | Label
        )
    }

    /// Elements that stop the search for an open `<p>` (the "button scope" boundaries).
    fn is_scope_boundary(self) -> bool {
        use Tag::*;
        matches!(
            self,
            Applet
                | Caption
                | Html
                | Table
                | Td
                | Th
                | Marquee
                | Object
                | Template
                | Button
                | Svg
                | Math
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Document,
    /// `name` and `attrs` are ranges into [`Dom::buf`] and [`Dom::attrs`]; `mask` has bit
    /// `1 << code` set for each coded attribute present, so absent ones cost no scan.
    Element {
        tag: Tag,
        name: (u32, u32),
        attrs: (u32, u32),
        mask: u32,
    },
    /// Decoded text: a range into [`Dom::buf`].
    Text(u32, u32),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub parent: u32,
    pub first_child: u32,
    pub last_child: u32,
    pub next: u32,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy)]
pub struct Attr {
    pub code: At,
    pub name: (u32, u32),
    pub value: (u32, u32),
}

/// Attribute names the extractor reads, coded at parse time so that lookups compare a byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum At {
    Class,
    Id,
    Style,
    Hidden,
    AriaHidden,
    Role,
    Itemprop,
    Content,
    Property,
    Name,
    Rel,
    Href,
    Datetime,
    Lang,
    XmlLang,
    Type,
    Title,
    HttpEquiv,
    Value,
    Other,
}

impl At {
    fn from_name(n: &str) -> At {
        match n {
            "class" => At::Class,
            "id" => At::Id,
            "style" => At::Style,
            "hidden" => At::Hidden,
            "aria-hidden" => At::AriaHidden,
            "role" => At::Role,
            "itemprop" => At::Itemprop,
            "content" => At::Content,
            "property" => At::Property,
            "name" => At::Name,
            "rel" => At::Rel,
            "href" => At::Href,
            "datetime" => At::Datetime,
            "lang" => At::Lang,
            "xml:lang" => At::XmlLang,
            "type" => At::Type,
            "title" => At::Title,
            "http-equiv" => At::HttpEquiv,
            "value" => At::Value,
            _ => At::Other,
        }
    }
}

/// A parsed document. Node 0 is the document.
pub struct Dom {
    pub nodes: Vec<Node>,
    pub attrs: Vec<Attr>,
    /// Lowercased names, decoded attribute values and decoded text.
    pub buf: String,
    /// One past the last node of each node's subtree.
    pub ends: Vec<u32>,
}

impl Dom {
    pub fn parse(html: &str) -> Dom {
        let mut b = Builder::new(html.len());
        b.run(html);
        let mut dom = b.dom;
        // Subtree ends, bottom-up (children come after their parent), so that every later
        // "skip this subtree" is O(1) however deep the nesting.
        let n = dom.nodes.len();
        let mut ends: Vec<u32> = (1..=n as u32).collect();
        for i in (1..n).rev() {
            let p = dom.nodes[i].parent as usize;
            if p < n && ends[i] > ends[p] {
                ends[p] = ends[i];
            }
        }
        dom.ends = ends;
        dom
    }

    pub fn tag(&self, id: u32) -> Option<Tag> {
        match self.nodes[id as usize].kind {
            Kind::Element { tag, .. } => Some(tag),
            _ => None,
        }
    }

    pub fn name(&self, id: u32) -> &str {
        match self.nodes[id as usize].kind {
            Kind::Element { name, .. } => self.slice(name),
            _ => "",
        }
    }

    pub fn is_text(&self, id: u32) -> bool {
        matches!(self.nodes[id as usize].kind, Kind::Text(..))
    }

    pub fn text(&self, id: u32) -> &str {
        match self.nodes[id as usize].kind {
            Kind::Text(s, e) => &self.buf[s as usize..e as usize],
            _ => "",
        }
    }

    fn slice(&self, r: (u32, u32)) -> &str {
        &self.buf[r.0 as usize..r.1 as usize]
    }

    /// The value of attribute `name` (lowercase) of element `id`.
    pub fn attr(&self, id: u32, name: &str) -> Option<&str> {
        let code = At::from_name(name);
        if code != At::Other {
            return self.attr_at(id, code);
        }
        let Kind::Element { attrs, .. } = self.nodes[id as usize].kind else {
            return None;
        };
        self.attrs[attrs.0 as usize..attrs.1 as usize]
            .iter()
            .find(|a| self.slice(a.name) == name)
            .map(|a| self.slice(a.value))
    }

    /// The value of a coded attribute of element `id`.
    pub fn attr_at(&self, id: u32, code: At) -> Option<&str> {
        let Kind::Element { attrs, mask, .. } = self.nodes[id as usize].kind else {
            return None;
        };
        if mask & (1 << code as u32) == 0 {
            return None;
        }
        self.attrs[attrs.0 as usize..attrs.1 as usize]
            .iter()
            .find(|a| a.code == code)
            .map(|a| self.slice(a.value))
    }

    pub fn parent(&self, id: u32) -> u32 {
        self.nodes[id as usize].parent
    }

    pub fn children(&self, id: u32) -> Children<'_> {
        Children {
            dom: self,
            next: self.nodes[id as usize].first_child,
        }
    }

    /// The index one past the last node of `id`'s subtree (subtrees are contiguous).
    pub fn subtree_end(&self, id: u32) -> u32 {
        self.ends
            .get(id as usize)
            .copied()
            .unwrap_or(self.nodes.len() as u32)
    }

    /// Whether `anc` is `id` or one of its ancestors.
    pub fn is_within(&self, id: u32, anc: u32) -> bool {
        anc <= id && id < self.subtree_end(anc)
    }

    /// All text under `id`, concatenated raw (no whitespace handling).
    pub fn raw_text(&self, id: u32) -> String {
        let mut out = String::new();
        let end = self.subtree_end(id);
        for n in id..end {
            if let Kind::Text(s, e) = self.nodes[n as usize].kind {
                out.push_str(&self.buf[s as usize..e as usize]);
            }
        }
        out
    }
}

pub struct Children<'a> {
    dom: &'a Dom,
    next: u32,
}

impl Iterator for Children<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        if self.next == NONE {
            return None;
        }
        let n = self.next;
        self.next = self.dom.nodes[n as usize].next;
        Some(n)
    }
}

struct Builder {
    dom: Dom,
    stack: Vec<u32>,
    open_known: [u32; TAG_COUNT],
    open_other: HashMap<String, u32, Fnv>,
    seen_html: bool,
    seen_body: bool,
    seen_head: bool,
}

fn find_ci(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    // needle is lowercase ASCII and starts with "</"
    let mut pos = from;
    while let Some(i) = memchr::memmem::find(&hay[pos..], b"</") {
        let at = pos + i;
        let end = at + needle.len();
        if end <= hay.len() && hay[at..end].eq_ignore_ascii_case(needle) {
            let after = hay.get(end).copied();
            if matches!(
                after,
                None | Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
            ) {
                return Some(at);
            }
        }
        pos = at + 2;
    }
    None
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

impl Builder {
    fn new(len: usize) -> Builder {
        let doc = Node {
            parent: NONE,
            first_child: NONE,
            last_child: NONE,
            next: NONE,
            kind: Kind::Document,
        };
        let mut nodes = Vec::with_capacity(len / 40 + 16);
        nodes.push(doc);
        Builder {
            dom: Dom {
                nodes,
                attrs: Vec::with_capacity(len / 80 + 16),
                buf: String::with_capacity(len / 2 + 16),
                ends: Vec::new(),
            },
            stack: vec![0],
            open_known: [0; TAG_COUNT],
            open_other: HashMap::default(),
            seen_html: false,
            seen_body: false,
            seen_head: false,
        }
    }

    fn current(&self) -> u32 {
        *self.stack.last().unwrap_or(&0)
    }

    fn append(&mut self, kind: Kind) -> u32 {
        let parent = self.current();
        let id = self.dom.nodes.len() as u32;
        self.dom.nodes.push(Node {
            parent,
            first_child: NONE,
            last_child: NONE,
            next: NONE,
            kind,
        });
        let p = &mut self.dom.nodes[parent as usize];
        let prev = p.last_child;
        p.last_child = id;
        if prev == NONE {
            p.first_child = id;
        } else {
            self.dom.nodes[prev as usize].next = id;
        }
        id
    }

    fn text(&mut self, raw: &str, decode: bool) {
        if raw.is_empty() {
            return;
        }
        let start = self.dom.buf.len() as u32;
        if decode && memchr::memchr(b'&', raw.as_bytes()).is_some() {
            self.dom.buf.push_str(&htmlize::unescape(raw));
        } else {
            self.dom.buf.push_str(raw);
        }
        let end = self.dom.buf.len() as u32;
        let cur = self.current();
        let last = self.dom.nodes[cur as usize].last_child;
        if last != NONE {
            if let Kind::Text(s, e) = self.dom.nodes[last as usize].kind {
                if e == start {
                    self.dom.nodes[last as usize].kind = Kind::Text(s, end);
                    return;
                }
            }
        }
        self.append(Kind::Text(start, end));
    }

    fn open_count(&self, tag: Tag, name: &str) -> u32 {
        if tag == Tag::Other {
            self.open_other.get(name).copied().unwrap_or(0)
        } else {
            self.open_known[tag as usize]
        }
    }

    fn pop(&mut self) {
        if self.stack.len() <= 1 {
            return;
        }
        let Some(id) = self.stack.pop() else { return };
        if let Kind::Element { tag, name, .. } = self.dom.nodes[id as usize].kind {
            if tag == Tag::Other {
                let n = &self.dom.buf[name.0 as usize..name.1 as usize];
                if let Some(c) = self.open_other.get_mut(n) {
                    *c = c.saturating_sub(1);
                }
            } else {
                let c = &mut self.open_known[tag as usize];
                *c = c.saturating_sub(1);
            }
        }
    }

    /// Pops up to and including the nearest open element satisfying `is_target`, unless an
    /// element satisfying `stop` comes first.
    fn close_until(&mut self, is_target: impl Fn(Tag) -> bool, stop: impl Fn(Tag) -> bool) -> bool {
        let mut found = None;
        for (i, &id) in self.stack.iter().enumerate().rev() {
            let Some(t) = self.dom.tag(id) else { break };
            if is_target(t) {
                found = Some(i);
                break;
            }
            if stop(t) {
                break;
            }
        }
        match found {
            Some(i) => {
                while self.stack.len() > i {
                    self.pop();
                }
                true
            }
            None => false,
        }
    }

    fn close_p(&mut self) {
        if self.open_known[Tag::P as usize] > 0 {
            self.close_until(|t| t == Tag::P, |t| t.is_scope_boundary());
        }
    }

    /// Applies the implied end tags of a start tag. Returns false when the tag is to be
    /// ignored (a second `<html>` or `<body>`).
    fn before_start(&mut self, tag: Tag) -> bool {
        use Tag::*;
        match tag {
            Html if self.seen_html => return false,
            Body if self.seen_body => return false,
            Head if self.seen_head || self.seen_body => return false,
            Html => self.seen_html = true,
            Body => {
                self.seen_body = true;
                if self.open_known[Head as usize] > 0 {
                    self.close_until(|t| t == Head, |_| false);
                }
            }
            Head => self.seen_head = true,
            _ => {}
        }
        if tag.closes_p() {
            self.close_p();
        }
        match tag {
            Li => {
                if self.open_known[Li as usize] > 0 {
                    self.close_until(
                        |t| t == Li,
                        |t| matches!(t, Ul | Ol | Menu | Dir) || t.is_scope_boundary(),
                    );
                }
            }
            Dd | Dt => {
                self.close_until(
                    |t| matches!(t, Dd | Dt),
                    |t| t == Dl || t.is_scope_boundary(),
                );
            }
            Tr => {
                self.close_until(|t| t == Tr, |t| matches!(t, Table | Tbody | Thead | Tfoot));
            }
            Td | Th => {
                self.close_until(|t| matches!(t, Td | Th), |t| matches!(t, Tr | Table));
            }
            Tbody | Thead | Tfoot => {
                self.close_until(|t| matches!(t, Tbody | Thead | Tfoot), |t| t == Table);
            }
            Option | Optgroup => {
                if self.dom.tag(self.current()) == Some(Option) {
                    self.pop();
                }
            }
            H1 | H2 | H3 | H4 | H5 | H6 => {
                if self.dom.tag(self.current()).is_some_and(|t| t.is_heading()) {
                    self.pop();
                }
            }
            A => {
                if self.open_known[A as usize] > 0 {
                    self.close_until(|t| t == A, |t| !t.is_inline());
                }
            }
            _ => {}
        }
        true
    }

    /// Inserts an element whose name and attributes are already in `buf`/`attrs`.
    fn insert(&mut self, tag: Tag, name: (u32, u32), attrs: (u32, u32), self_closing: bool) -> u32 {
        let mask = self.dom.attrs[attrs.0 as usize..attrs.1 as usize]
            .iter()
            .fold(0u32, |m, a| m | (1 << a.code as u32));
        let id = self.append(Kind::Element {
            tag,
            name,
            attrs,
            mask,
        });
        let closes_now = tag.is_void() || (self_closing && tag == Tag::Other);
        if !closes_now {
            self.stack.push(id);
            if tag == Tag::Other {
                let n = self.dom.buf[name.0 as usize..name.1 as usize].to_string();
                *self.open_other.entry(n).or_insert(0) += 1;
            } else {
                self.open_known[tag as usize] += 1;
            }
        }
        id
    }

    fn end_tag(&mut self, tag: Tag, name: &str) {
        use Tag::*;
        match tag {
            Br => {
                if self.before_start(Br) {
                    let at = self.dom.buf.len() as u32;
                    self.dom.buf.push_str("br");
                    let a = self.dom.attrs.len() as u32;
                    self.insert(Br, (at, at + 2), (a, a), false);
                }
            }
            Html | Body => {}
            _ => {
                if self.open_count(tag, name) == 0 {
                    return;
                }
                let mut found = None;
                for (i, &id) in self.stack.iter().enumerate().rev() {
                    let hit = match tag {
                        Other => self.dom.tag(id) == Some(Other) && self.dom.name(id) == name,
                        _ => self.dom.tag(id) == Some(tag),
                    };
                    if hit {
                        found = Some(i);
                        break;
                    }
                }
                if let Some(i) = found {
                    while self.stack.len() > i {
                        self.pop();
                    }
                }
            }
        }
    }

    fn run(&mut self, s: &str) {
        let b = s.as_bytes();
        let n = b.len();
        let mut i = 0;
        while i < n {
            let Some(off) = memchr::memchr(b'<', &b[i..]) else {
                self.text(&s[i..], true);
                break;
            };
            let lt = i + off;
            if lt > i {
                self.text(&s[i..lt], true);
            }
            i = lt;
            match b.get(i + 1).copied() {
                Some(b'!') => {
                    if b[i..].starts_with(b"<!--") {
                        i = memchr::memmem::find(&b[i + 4..], b"-->")
                            .map(|e| i + 4 + e + 3)
                            .unwrap_or(n);
                    } else {
                        i = memchr::memchr(b'>', &b[i..])
                            .map(|e| i + e + 1)
                            .unwrap_or(n);
                    }
                }
                Some(b'?') => {
                    i = memchr::memchr(b'>', &b[i..])
                        .map(|e| i + e + 1)
                        .unwrap_or(n)
                }
                Some(b'/') => {
                    if b.get(i + 2).is_some_and(|c| c.is_ascii_alphabetic()) {
                        let ns = i + 2;
                        let mut j = ns;
                        while j < n && !is_ws(b[j]) && b[j] != b'/' && b[j] != b'>' {
                            j += 1;
                        }
                        let name = s[ns..j].to_ascii_lowercase();
                        i = memchr::memchr(b'>', &b[j..])
                            .map(|e| j + e + 1)
                            .unwrap_or(n);
                        self.end_tag(Tag::from_name(&name), &name);
                    } else {
                        i = memchr::memchr(b'>', &b[i..])
                            .map(|e| i + e + 1)
                            .unwrap_or(n);
                    }
                }
                Some(c) if c.is_ascii_alphabetic() => i = self.parse_start(s, i),
                _ => {
                    self.text("<", false);
                    i += 1;
                }
            }
        }
    }

    /// Parses the start tag at `lt` and, for raw-text elements, their content. Returns the
    /// position after it.
    fn parse_start(&mut self, s: &str, lt: usize) -> usize {
        let b = s.as_bytes();
        let n = b.len();
        let mut i = lt + 1;
        while i < n && !is_ws(b[i]) && b[i] != b'/' && b[i] != b'>' {
            i += 1;
        }
        let nstart = self.dom.buf.len();
        self.dom.buf.push_str(&s[lt + 1..i]);
        self.dom.buf[nstart..].make_ascii_lowercase();
        let nend = self.dom.buf.len();
        let tag = Tag::from_name(&self.dom.buf[nstart..nend]);
        let keep = self.before_start(tag);
        let astart = self.dom.attrs.len();
        let mut self_closing = false;
        loop {
            while i < n && is_ws(b[i]) {
                i += 1;
            }
            if i >= n {
                break;
            }
            match b[i] {
                b'>' => {
                    i += 1;
                    break;
                }
                b'/' => {
                    self_closing = b.get(i + 1) == Some(&b'>');
                    i += 1;
                    continue;
                }
                _ => {}
            }
            let ks = i;
            i += 1;
            while i < n && !is_ws(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
                i += 1;
            }
            let key = &s[ks..i];
            while i < n && is_ws(b[i]) {
                i += 1;
            }
            let mut value = "";
            if i < n && b[i] == b'=' {
                i += 1;
                while i < n && is_ws(b[i]) {
                    i += 1;
                }
                if i < n && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    let vs = i + 1;
                    let ve = memchr::memchr(q, &b[vs..]).map(|e| vs + e).unwrap_or(n);
                    value = &s[vs..ve];
                    i = (ve + 1).min(n);
                } else {
                    let vs = i;
                    while i < n && !is_ws(b[i]) && b[i] != b'>' {
                        i += 1;
                    }
                    value = &s[vs..i];
                }
            }
            if !keep {
                continue;
            }
            let ks = self.dom.buf.len();
            self.dom.buf.push_str(key);
            self.dom.buf[ks..].make_ascii_lowercase();
            let ke = self.dom.buf.len();
            let k = &self.dom.buf[ks..ke];
            let dup = self.dom.attrs[astart..]
                .iter()
                .any(|a| &self.dom.buf[a.name.0 as usize..a.name.1 as usize] == k);
            if dup {
                self.dom.buf.truncate(ks);
                continue;
            }
            let code = At::from_name(k);
            if value.contains('&') {
                let v = htmlize::unescape_attribute(value);
                self.dom.buf.push_str(&v);
            } else {
                self.dom.buf.push_str(value);
            }
            let ve = self.dom.buf.len();
            self.dom.attrs.push(Attr {
                code,
                name: (ks as u32, ke as u32),
                value: (ke as u32, ve as u32),
            });
        }
        let id = if keep {
            let aend = self.dom.attrs.len() as u32;
            self.insert(
                tag,
                (nstart as u32, nend as u32),
                (astart as u32, aend),
                self_closing,
            )
        } else {
            self.dom.buf.truncate(nstart);
            NONE
        };
        let raw = matches!(
            tag,
            Tag::Script
                | Tag::Style
                | Tag::Xmp
                | Tag::Iframe
                | Tag::Noembed
                | Tag::Noframes
                | Tag::Textarea
                | Tag::Title
        );
        if tag == Tag::Plaintext {
            self.text(&s[i..], false);
            return n;
        }
        if !raw || (self_closing && tag == Tag::Script) {
            return i;
        }
        let is_ld = id != NONE
            && tag == Tag::Script
            && self
                .dom
                .attr_at(id, At::Type)
                .is_some_and(|v| v.to_ascii_lowercase().contains("ld+json"));
        let name: &'static str = match tag {
            Tag::Script => "</script",
            Tag::Style => "</style",
            Tag::Xmp => "</xmp",
            Tag::Iframe => "</iframe",
            Tag::Noembed => "</noembed",
            Tag::Noframes => "</noframes",
            Tag::Textarea => "</textarea",
            _ => "</title",
        };
        let end = find_ci(b, i, name.as_bytes()).unwrap_or(n);
        let content = &s[i..end];
        if id != NONE {
            match tag {
                Tag::Title | Tag::Textarea => self.text(content, true),
                Tag::Script if is_ld => self.text(content, false),
                _ => {}
            }
        }
        let after = memchr::memchr(b'>', &b[end..])
            .map(|e| end + e + 1)
            .unwrap_or(n);
        if id != NONE {
            self.end_tag(tag, &name[2..]);
        }
        after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outline(d: &Dom) -> String {
        let mut out = String::new();
        for (i, node) in d.nodes.iter().enumerate() {
            let mut depth = 0;
            let mut p = node.parent;
            while p != NONE {
                depth += 1;
                p = d.nodes[p as usize].parent;
            }
            match node.kind {
                Kind::Document => {}
                Kind::Element { .. } => {
                    out.push_str(&format!("{}{}\n", " ".repeat(depth - 1), d.name(i as u32)))
                }
                Kind::Text(..) => out.push_str(&format!(
                    "{}{:?}\n",
                    " ".repeat(depth - 1),
                    d.text(i as u32)
                )),
            }
        }
        out
    }

    #[test]
    fn implied_end_tags_and_stray_end_tags() {
        let d = Dom::parse("<div><p>a<p>b</div><p>c</span>d<ul><li>x<li>y</ul>");
        assert_eq!(
            outline(&d),
            "div\n p\n  \"a\"\n p\n  \"b\"\np\n \"cd\"\nul\n li\n  \"x\"\n li\n  \"y\"\n"
        );
    }

    #[test]
    fn raw_text_and_entities() {
        let d = Dom::parse("<script>if(a<b){x='</div>'}</script><p class=x title='a&amp;b'>x&amp;y &eacute;&#x41;</p>");
        assert_eq!(outline(&d), "script\np\n \"x&y éA\"\n");
        let p = 2;
        assert_eq!(d.attr(p, "class"), Some("x"));
        assert_eq!(d.attr(p, "title"), Some("a&b"));
    }

    #[test]
    fn deep_nesting_and_truncation() {
        let d = Dom::parse(&"<div>".repeat(100_000));
        assert_eq!(d.nodes.len(), 100_001);
        for s in [
            "<",
            "<a",
            "<a b",
            "<a b=",
            "<a b='",
            "</",
            "</a",
            "<!--",
            "<!",
            "<script>",
            "<p \u{e9}>\u{e9}",
        ] {
            let _ = Dom::parse(s);
        }
    }
}
