//! RSS 0.9x, RSS 1.0 (RDF), RSS 2.0 and Atom, in one event-driven pass over the document.
//!
//! Elements are recognised by namespace and local name (so `a10:link` is Atom's `link`),
//! falling back on the usual prefix when a feed forgets to declare it. The pass is lenient
//! where feeds are sloppy: unclosed HTML inside a `description` is tolerated by matching end
//! tags by name. What cannot be read is reported with its line and column, and the items
//! read before it are kept.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::{Entry, FeedInfo, Markup, Pending};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ns {
    /// No namespace, RSS 1.0 or RSS 0.90: the feed's own vocabulary.
    Plain,
    Atom,
    Content,
    Dc,
    Rdf,
    /// Media RSS: pictures with their captions and credits.
    Media,
    Other,
}

fn classify(r: &ResolveResult) -> Ns {
    match r {
        ResolveResult::Unbound => Ns::Plain,
        ResolveResult::Bound(ns) => {
            let uri = String::from_utf8_lossy(ns.as_ref()).to_ascii_lowercase();
            if uri.contains("purl.org/rss/1.0/modules/content") {
                Ns::Content
            } else if uri.contains("purl.org/dc/elements") || uri.contains("purl.org/dc/terms") {
                Ns::Dc
            } else if uri.contains("w3.org/2005/atom") || uri.contains("purl.org/atom/ns") {
                Ns::Atom
            } else if uri.contains("search.yahoo.com/mrss") {
                Ns::Media
            } else if uri.contains("w3.org/1999/02/22-rdf-syntax-ns") {
                Ns::Rdf
            } else if uri.contains("purl.org/rss/1.0")
                || uri.contains("my.netscape.com/rdf/simple")
                || uri.contains("backend.userland.com/rss")
            {
                Ns::Plain
            } else {
                Ns::Other
            }
        }
        ResolveResult::Unknown(prefix) => match prefix.as_slice() {
            b"dc" | b"dcterms" => Ns::Dc,
            b"content" => Ns::Content,
            b"atom" | b"a10" => Ns::Atom,
            b"rdf" => Ns::Rdf,
            b"media" => Ns::Media,
            _ => Ns::Other,
        },
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Rss,
    Atom,
}

struct Open {
    qname: Vec<u8>,
    local: String,
    ns: Ns,
    base: Option<String>,
    lang: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    Title,
    Link,
    Guid {
        permalink: bool,
    },
    /// A date, with its rank: lower is preferred (publication before update).
    Date(u8),
    Creator,
    RssAuthor,
    AuthorName,
    Category,
    Language,
    Encoded,
    Content,
    Description,
    Summary,
    ChannelLink,
    ChannelLanguage,
    ChannelAuthorName,
    MediaCaption,
    MediaCredit,
}

struct Capture {
    target: Target,
    /// Stack length with the captured element on it.
    depth: usize,
    buf: String,
    html: bool,
    base: Option<String>,
}

/// Reads an RSS or Atom document (already decoded to text).
pub fn parse(text: &str, utf8_offsets: bool) -> (FeedInfo, Vec<Pending>) {
    let mut p = Parser {
        kind: Kind::Rss,
        stack: Vec::new(),
        info: FeedInfo::default(),
        out: Vec::new(),
        item: None,
        item_depth: 0,
        capture: None,
        items_started: 0,
        mismatch_reported: false,
    };
    let mut reader = NsReader::from_str(text);
    {
        let cfg = reader.config_mut();
        // Matched by name in `end`, leniently, because HTML left unescaped inside a
        // description is common and should not cost the whole feed.
        cfg.check_end_names = false;
        cfg.allow_unmatched_ends = true;
    }
    let error_at = |pos: usize, what: String, p: &Parser| -> Pending {
        let pos = pos.min(text.len());
        let line = text.as_bytes()[..pos]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        let col = pos - text[..pos].rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
        let read = p
            .out
            .iter()
            .filter(|x| matches!(x, Pending::Entry(_)))
            .count();
        Pending::Error {
            offset: utf8_offsets.then_some(pos as u64),
            line: None,
            message: format!(
                "malformed feed at line {line}, column {col}: {what} ({read} items read before it)"
            ),
        }
    };
    loop {
        let ev = reader
            .read_resolved_event()
            .map(|(ns, ev)| (classify(&ns), ev));
        let pos = reader.buffer_position() as usize;
        match ev {
            Err(e) => {
                let at = reader.error_position() as usize;
                let err = error_at(at, e.to_string(), &p);
                p.out.push(err);
                break;
            }
            Ok((_, Event::Eof)) => {
                if let Some(top) = p.stack.last() {
                    let what = format!(
                        "the document ends inside <{}>; it is cut off or not closed",
                        top.local
                    );
                    let err = error_at(pos, what, &p);
                    p.out.push(err);
                } else if p.stack.is_empty() && p.items_started == 0 && !p.seen_root() {
                    p.out.push(Pending::Error {
                        offset: None,
                        line: None,
                        message: "no feed element (rss, rdf:RDF or feed) found".into(),
                    });
                }
                break;
            }
            Ok((ns, Event::Start(e))) => {
                if let Err(what) = p.start(ns, &e, false) {
                    let err = error_at(pos, what, &p);
                    p.out.push(err);
                    break;
                }
            }
            Ok((ns, Event::Empty(e))) => {
                if let Err(what) = p.start(ns, &e, true) {
                    let err = error_at(pos, what, &p);
                    p.out.push(err);
                    break;
                }
            }
            Ok((_, Event::End(e))) => {
                if let Some(what) = p.end(e.name().as_ref()) {
                    let err = error_at(pos, what, &p);
                    p.out.push(err);
                }
            }
            Ok((_, Event::Text(t))) => {
                if let Some(c) = p.capture.as_mut() {
                    if p.stack.len() > c.depth {
                        // Inside markup: keep it escaped, the HTML reading decodes it.
                        c.buf.push_str(&String::from_utf8_lossy(t.as_ref()));
                    } else {
                        match t.unescape_with(quick_xml::escape::resolve_html5_entity) {
                            Ok(s) => c.buf.push_str(&s),
                            // An undefined entity: keep the raw text, the HTML reading
                            // decodes what it knows.
                            Err(_) => c.buf.push_str(&String::from_utf8_lossy(t.as_ref())),
                        }
                    }
                }
            }
            Ok((_, Event::CData(t))) => {
                if let Some(c) = p.capture.as_mut() {
                    c.buf.push_str(&String::from_utf8_lossy(t.as_ref()));
                }
            }
            Ok(_) => {}
        }
    }
    (p.info, p.out)
}

struct Parser {
    kind: Kind,
    stack: Vec<Open>,
    info: FeedInfo,
    out: Vec<Pending>,
    item: Option<Entry>,
    /// Stack length with the item element on it.
    item_depth: usize,
    capture: Option<Capture>,
    items_started: u64,
    mismatch_reported: bool,
}

fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(
            |a| match a.unescape_value_with(quick_xml::escape::resolve_html5_entity) {
                Ok(v) => v.into_owned(),
                Err(_) => String::from_utf8_lossy(&a.value).into_owned(),
            },
        )
}

fn local_attr(e: &BytesStart, local: &[u8]) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

impl Parser {
    fn seen_root(&self) -> bool {
        self.info.root_seen
    }

    fn is_atom(&self, ns: Ns) -> bool {
        ns == Ns::Atom || (self.kind == Kind::Atom && ns == Ns::Plain)
    }

    fn is_rss(&self, ns: Ns) -> bool {
        ns == Ns::Plain && self.kind == Kind::Rss
    }

    fn start(&mut self, ns: Ns, e: &BytesStart, empty: bool) -> Result<(), String> {
        let qname = e.name().as_ref().to_vec();
        let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
        let parent_base = self.stack.last().and_then(|o| o.base.clone());
        let base = match attr(e, b"xml:base") {
            Some(b) => Some(super::resolve_url(&b, &[parent_base.as_deref()])),
            None => parent_base,
        };
        let lang = attr(e, b"xml:lang").or_else(|| self.stack.last().and_then(|o| o.lang.clone()));

        if let Some(c) = self.capture.as_mut() {
            // Markup inside a captured element: HTML or XHTML content.
            c.html = true;
            c.buf.push('<');
            c.buf.push_str(&String::from_utf8_lossy(e.as_ref()));
            c.buf.push_str(if empty { "/>" } else { ">" });
            if !empty {
                self.stack.push(Open {
                    qname,
                    local,
                    ns,
                    base,
                    lang,
                });
            }
            return Ok(());
        }

        let depth = self.stack.len();
        if depth == 0 {
            self.kind = match (local.to_ascii_lowercase().as_str(), ns) {
                ("rss" | "channel", _) | ("rdf", _) => Kind::Rss,
                ("feed", Ns::Atom | Ns::Plain) => Kind::Atom,
                (other, _) => {
                    return Err(format!(
                        "<{other}> is not a feed: expected <rss>, <rdf:RDF> or <feed>"
                    ))
                }
            };
            self.info.root_seen = true;
            self.info.lang = lang.clone();
            self.info.base = base.clone();
        }
        let open = Open {
            qname,
            local: local.clone(),
            ns,
            base: base.clone(),
            lang: lang.clone(),
        };
        let name = local.as_str();

        if self.item.is_none() {
            let starts_item = match self.kind {
                Kind::Rss => name == "item" && ns == Ns::Plain,
                Kind::Atom => name == "entry" && self.is_atom(ns),
            };
            if starts_item {
                self.items_started += 1;
                let mut entry = Entry {
                    number: self.items_started,
                    lang: lang.clone(),
                    base: base.clone(),
                    ..Default::default()
                };
                entry.about = local_attr(e, b"about");
                if empty {
                    self.out.push(Pending::Entry(Box::new(entry)));
                } else {
                    self.item = Some(entry);
                    self.stack.push(open);
                    self.item_depth = self.stack.len();
                }
                return Ok(());
            }
            self.channel_element(ns, e, name, depth, base.clone());
        } else {
            self.item_element(ns, e, name, depth, base.clone());
        }
        if !empty {
            self.stack.push(open);
        }
        if empty {
            if let Some(c) = self.capture.take() {
                self.finish_capture(c);
            }
        }
        Ok(())
    }

    fn begin(&mut self, target: Target, html: bool, base: Option<String>, depth: usize) {
        self.capture = Some(Capture {
            target,
            depth: depth + 1,
            buf: String::new(),
            html,
            base,
        });
    }

    fn text_type_is_html(e: &BytesStart) -> bool {
        attr(e, b"type").is_some_and(|t| t.to_ascii_lowercase().contains("html"))
    }

    fn item_element(
        &mut self,
        ns: Ns,
        e: &BytesStart,
        name: &str,
        depth: usize,
        base: Option<String>,
    ) {
        let rel = depth + 1 - self.item_depth;
        if rel == 1 {
            let atom = self.is_atom(ns);
            let rss = self.is_rss(ns);
            let target = match (ns, name) {
                (_, "title") if rss => Some((Target::Title, true)),
                (_, "title") if atom => Some((Target::Title, Self::text_type_is_html(e))),
                (_, "link") if rss => Some((Target::Link, false)),
                (_, "link") if atom => {
                    if let (Some(entry), Some(href)) = (self.item.as_mut(), attr(e, b"href")) {
                        entry.links.push(super::Link {
                            href,
                            rel: attr(e, b"rel"),
                            mime: attr(e, b"type"),
                            base: base.clone(),
                        });
                    }
                    None
                }
                (_, "guid") if rss => {
                    let permalink = attr(e, b"isPermaLink")
                        .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"));
                    Some((Target::Guid { permalink }, false))
                }
                // An Atom id is often the entry's URL; used when there is no link.
                (_, "id") if atom => Some((Target::Guid { permalink: true }, false)),
                (_, "pubDate") if rss => Some((Target::Date(1), false)),
                (Ns::Dc, "date") => Some((Target::Date(2), false)),
                (_, "published") if atom => Some((Target::Date(0), false)),
                (_, "issued" | "created") if atom => Some((Target::Date(3), false)),
                (_, "updated" | "modified") if atom => Some((Target::Date(5), false)),
                (Ns::Dc, "modified") => Some((Target::Date(6), false)),
                (Ns::Dc, "creator") => Some((Target::Creator, false)),
                (_, "author") if rss => Some((Target::RssAuthor, false)),
                (_, "category") if rss => Some((Target::Category, false)),
                (_, "category") if atom => {
                    let label = attr(e, b"label")
                        .filter(|l| !l.trim().is_empty())
                        .or_else(|| attr(e, b"term"));
                    if let (Some(entry), Some(l)) = (self.item.as_mut(), label) {
                        entry.categories.push(l);
                    }
                    None
                }
                (Ns::Dc, "subject") => Some((Target::Category, false)),
                (Ns::Dc, "language") => Some((Target::Language, false)),
                (Ns::Content, "encoded") => Some((Target::Encoded, true)),
                (_, "description") if rss => Some((Target::Description, true)),
                (_, "content") if atom => Some((Target::Content, Self::text_type_is_html(e))),
                (_, "summary") if atom => Some((Target::Summary, Self::text_type_is_html(e))),
                _ => None,
            };
            if let Some((t, html)) = target {
                self.begin(t, html, base, depth);
            }
        } else if ns == Ns::Media && matches!(name, "description" | "credit") {
            // Inside media:content or media:group: a picture's caption or credit.
            let target = if name == "credit" {
                Target::MediaCredit
            } else {
                Target::MediaCaption
            };
            self.begin(target, Self::text_type_is_html(e), base, depth);
        } else if rel == 2 && name == "name" {
            let parent = &self.stack[depth - 1];
            if parent.local == "author" && self.is_atom(parent.ns) && self.is_atom(ns) {
                self.begin(Target::AuthorName, false, base, depth);
            }
        }
    }

    fn channel_element(
        &mut self,
        ns: Ns,
        e: &BytesStart,
        name: &str,
        depth: usize,
        base: Option<String>,
    ) {
        let Some(parent) = self.stack.last() else {
            return;
        };
        let in_channel = match self.kind {
            Kind::Rss => parent.local == "channel",
            Kind::Atom => depth == 1,
        };
        if in_channel {
            let target = match (ns, name) {
                (_, "link") if self.is_rss(ns) => Some(Target::ChannelLink),
                (_, "link") if self.is_atom(ns) => {
                    let rel = attr(e, b"rel");
                    if rel.as_deref().is_none_or(|r| r == "alternate") {
                        if let Some(href) = attr(e, b"href") {
                            let href = super::resolve_url(&href, &[base.as_deref()]);
                            self.info.link.get_or_insert(href);
                        }
                    }
                    None
                }
                (_, "language") if self.is_rss(ns) => Some(Target::ChannelLanguage),
                (Ns::Dc, "language") => Some(Target::ChannelLanguage),
                _ => None,
            };
            if let Some(t) = target {
                self.begin(t, false, base, depth);
            }
        } else if name == "name"
            && self.kind == Kind::Atom
            && depth == 2
            && parent.local == "author"
            && self.is_atom(parent.ns)
        {
            self.begin(Target::ChannelAuthorName, false, base, depth);
        }
    }

    /// Handles an end tag; returns a problem to report, if any.
    fn end(&mut self, qname: &[u8]) -> Option<String> {
        let floor = self.capture.as_ref().map(|c| c.depth - 1).unwrap_or(0);
        let found = self.stack[floor..]
            .iter()
            .rposition(|o| o.qname == qname)
            .map(|i| i + floor);
        let Some(idx) = found else {
            if let Some(c) = self.capture.as_mut() {
                c.buf.push_str("</");
                c.buf.push_str(&String::from_utf8_lossy(qname));
                c.buf.push('>');
                return None;
            }
            return self.report_mismatch(format!(
                "</{}> closes nothing that is open",
                String::from_utf8_lossy(qname)
            ));
        };
        let mut problem = None;
        if idx + 1 < self.stack.len() && self.capture.as_ref().is_none_or(|c| idx + 1 < c.depth) {
            let inner = &self.stack[self.stack.len() - 1].local;
            problem = self.report_mismatch(format!(
                "</{}> closes <{}> too",
                String::from_utf8_lossy(qname),
                inner
            ));
        }
        while self.stack.len() > idx {
            let len = self.stack.len();
            let inside_capture = self.capture.as_ref().is_some_and(|c| len > c.depth);
            if inside_capture {
                if let Some(c) = self.capture.as_mut() {
                    c.buf.push_str("</");
                    c.buf
                        .push_str(&String::from_utf8_lossy(&self.stack[len - 1].qname));
                    c.buf.push('>');
                }
            } else if self.capture.as_ref().is_some_and(|c| len == c.depth) {
                if let Some(c) = self.capture.take() {
                    self.finish_capture(c);
                }
            }
            if self.item.is_some() && len == self.item_depth {
                if let Some(entry) = self.item.take() {
                    self.out.push(Pending::Entry(Box::new(entry)));
                }
            }
            self.stack.pop();
        }
        problem
    }

    fn report_mismatch(&mut self, what: String) -> Option<String> {
        if self.mismatch_reported {
            return None;
        }
        self.mismatch_reported = true;
        Some(what)
    }

    fn finish_capture(&mut self, c: Capture) {
        let raw = c.buf;
        let markup = |html: bool| {
            if html {
                Markup::Html(raw.clone())
            } else {
                Markup::Plain(raw.clone())
            }
        };
        if let Some(entry) = self.item.as_mut() {
            match c.target {
                Target::Title => entry.title = Some(markup(c.html)),
                Target::Link => {
                    let href = raw.trim();
                    if !href.is_empty() && entry.link.is_none() {
                        entry.link = Some((href.to_string(), c.base));
                    }
                }
                Target::Guid { permalink } => {
                    entry.guid = Some((raw.trim().to_string(), permalink))
                }
                Target::Date(rank) => entry.dates.push((rank, raw.trim().to_string())),
                Target::Creator => entry.creators.push(raw),
                Target::RssAuthor => entry.rss_authors.push(raw),
                Target::AuthorName => entry.creators.push(raw),
                Target::Category => entry.categories.push(raw),
                Target::Language => entry.language = Some(raw),
                Target::Encoded => entry.full = entry.full.take().or(Some(Markup::Html(raw))),
                Target::Content => entry.full = Some(markup(c.html)),
                Target::Description | Target::Summary => entry.short = Some(markup(c.html)),
                Target::MediaCaption => entry.media_captions.push(markup(c.html)),
                Target::MediaCredit => entry.media_credits.push(raw),
                _ => {}
            }
            return;
        }
        match c.target {
            Target::ChannelLink => {
                let href = raw.trim();
                if !href.is_empty() {
                    let href = super::resolve_url(href, &[c.base.as_deref()]);
                    self.info.link.get_or_insert(href);
                }
            }
            Target::ChannelLanguage => self.info.language = Some(raw),
            Target::ChannelAuthorName => self.info.authors.push(raw),
            _ => {}
        }
    }
}
