//! Page metadata: title, bylines, section, language, canonical URL and the raw material
//! for the publication date, from `<meta>`, JSON-LD, microdata and the visible page.

use super::body::normalize_ws;
use super::dom::{At, Dom, Kind, Tag, NONE};
use super::hints;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Meta {
    /// `<meta>` values by lowercased `property`/`name`/`itemprop`/`http-equiv`; first wins.
    pub metas: HashMap<String, String>,
    /// The same, in document order (for scans that must not depend on hash order).
    pub meta_list: Vec<(String, String)>,
    pub html_lang: Option<String>,
    pub title_tag: Option<String>,
    pub h1: Vec<String>,
    /// Texts of the first `<h2>`/`<h3>`s, to recognise a title's own part in `<title>`.
    pub subheads: Vec<String>,
    pub canonical: Option<String>,
    pub ld: LdFacts,
    pub itemprop_author: Vec<String>,
    pub itemprop_date: Option<String>,
    pub itemprop_headline: Option<String>,
    pub rel_author: Vec<String>,
    pub byline_texts: Vec<String>,
    /// `<time datetime>` values, with whether the element looks like an update time.
    pub times: Vec<(String, bool)>,
    /// Short texts of elements whose class/id names a date, in document order.
    pub date_texts: Vec<String>,
    /// Visible text right after the first `<h1>`, where pages print their date line.
    pub after_h1: String,
}

#[derive(Debug, Default)]
pub struct LdFacts {
    pub headline: Option<String>,
    pub authors: Vec<String>,
    pub date_published: Option<String>,
    pub date_created: Option<String>,
    pub section: Option<String>,
    pub language: Option<String>,
    pub url: Option<String>,
    pub body: Option<String>,
    pub publisher: Option<String>,
}

const ARTICLE_TYPES: &[&str] = &[
    "article",
    "newsarticle",
    "blogposting",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "scholarlyarticle",
    "techarticle",
    "liveblogposting",
    "socialmediaposting",
    "report",
    "posting",
    "webpage",
    "creativework",
    "medicalwebpage",
    "videoobject",
    "advertisercontentarticle",
    "satiricalarticle",
];

fn type_rank(v: &Value) -> Option<u8> {
    let t = v.get("@type")?;
    let names: Vec<String> = match t {
        Value::String(s) => vec![s.to_ascii_lowercase()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str())
            .map(|s| s.to_ascii_lowercase())
            .collect(),
        _ => return None,
    };
    names
        .iter()
        .filter_map(|n| ARTICLE_TYPES.iter().position(|t| t == n))
        .map(|p| if p < 14 { 0 } else { 1 })
        .min()
}

fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => {
            let s = normalize_ws(s);
            (!s.is_empty()).then_some(s)
        }
        Value::Array(a) => a.iter().find_map(str_of),
        Value::Object(o) => o.get("name").or_else(|| o.get("@value")).and_then(str_of),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn names_of(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            let s = normalize_ws(s);
            if !s.is_empty() {
                out.push(s);
            }
        }
        Value::Array(a) => {
            for x in a.iter().take(20) {
                names_of(x, out);
            }
        }
        Value::Object(o) => {
            if let Some(n) = o.get("name") {
                if let Some(s) = str_of(n) {
                    out.push(s);
                }
            }
        }
        _ => {}
    }
}

impl LdFacts {
    fn take(&mut self, v: &Value) {
        let get = |k: &str| v.get(k);
        if self.headline.is_none() {
            self.headline = get("headline").and_then(str_of);
        }
        if self.authors.is_empty() {
            if let Some(a) = get("author").or_else(|| get("creator")) {
                names_of(a, &mut self.authors);
            }
        }
        if self.date_published.is_none() {
            self.date_published = get("datePublished").and_then(str_of);
        }
        if self.date_created.is_none() {
            self.date_created = get("dateCreated").and_then(str_of);
        }
        if self.section.is_none() {
            self.section = get("articleSection").and_then(str_of);
        }
        if self.language.is_none() {
            self.language = get("inLanguage").and_then(str_of);
        }
        if self.url.is_none() {
            self.url = get("url").and_then(|u| u.as_str()).map(str::to_string);
        }
        if self.body.is_none() {
            self.body = get("articleBody")
                .and_then(|b| b.as_str())
                .map(str::to_string);
        }
        if self.publisher.is_none() {
            self.publisher = get("publisher").and_then(str_of);
        }
    }
}

/// Walks a JSON-LD value for article-like objects (top level, arrays, `@graph`,
/// `mainEntity`), best-typed first. Iterative, so deep JSON cannot overflow the stack.
fn collect_ld(root: &Value, found: &mut Vec<(u8, Value)>) {
    let mut stack: Vec<(&Value, u32)> = vec![(root, 0)];
    while let Some((v, depth)) = stack.pop() {
        if depth > 6 {
            continue;
        }
        match v {
            Value::Array(a) => {
                for x in a.iter().rev() {
                    stack.push((x, depth + 1));
                }
            }
            Value::Object(o) => {
                if let Some(rank) = type_rank(v) {
                    found.push((rank, v.clone()));
                }
                for k in [
                    "@graph",
                    "mainEntity",
                    "mainEntityOfPage",
                    "itemListElement",
                ] {
                    if let Some(x) = o.get(k) {
                        if x.is_object() || x.is_array() {
                            stack.push((x, depth + 1));
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn parse_ld(text: &str) -> Option<Value> {
    let t = text
        .trim()
        .trim_start_matches("<!--")
        .trim_end_matches("-->")
        .trim();
    let t = t
        .trim_start_matches("//<![CDATA[")
        .trim_end_matches("//]]>")
        .trim();
    if let Some(v) = leading_json(t) {
        return Some(v);
    }
    // Raw newlines and tabs inside strings are common and invalid JSON.
    let cleaned: String = t
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    leading_json(&cleaned)
}

/// The JSON values at the start of `t`, as an array when there are several; trailing junk
/// (a stray brace, a second unterminated object) is ignored.
fn leading_json(t: &str) -> Option<Value> {
    let mut values = Vec::new();
    for v in serde_json::Deserializer::from_str(t).into_iter::<Value>() {
        match v {
            Ok(v) => values.push(v),
            Err(_) => break,
        }
    }
    match values.len() {
        0 => None,
        1 => values.pop(),
        _ => Some(Value::Array(values)),
    }
}

pub fn collect(dom: &Dom, flags: &[u32]) -> Meta {
    let mut m = Meta::default();
    let mut ld_found: Vec<(u8, Value)> = Vec::new();
    let n = dom.nodes.len() as u32;
    let mut i = 1u32;
    while i < n {
        let Kind::Element { tag, .. } = dom.nodes[i as usize].kind else {
            i += 1;
            continue;
        };
        match tag {
            Tag::Html => {
                if m.html_lang.is_none() {
                    m.html_lang = dom
                        .attr(i, "lang")
                        .or_else(|| dom.attr(i, "xml:lang"))
                        .map(str::to_string);
                }
            }
            Tag::Meta => {
                let content = dom.attr(i, "content").or_else(|| dom.attr(i, "value"));
                if let Some(content) = content {
                    for key in ["property", "name", "itemprop", "http-equiv"] {
                        if let Some(k) = dom.attr(i, key) {
                            let k = k.trim().to_ascii_lowercase();
                            if !k.is_empty() && !content.trim().is_empty() {
                                if m.meta_list.len() < 500 {
                                    m.meta_list.push((k.clone(), content.trim().to_string()));
                                }
                                m.metas
                                    .entry(k.clone())
                                    .or_insert_with(|| content.trim().to_string());
                            }
                            if key == "itemprop"
                                && k == "datepublished"
                                && m.itemprop_date.is_none()
                            {
                                m.itemprop_date = Some(content.trim().to_string());
                            }
                        }
                    }
                }
            }
            Tag::Title => {
                if m.title_tag.is_none() && !in_svg(dom, i) {
                    let t = normalize_ws(&dom.raw_text(i));
                    if !t.is_empty() {
                        m.title_tag = Some(t);
                    }
                }
            }
            Tag::H2 | Tag::H3 => {
                if m.subheads.len() < 5 && dom.subtree_end(i) - i < 20 {
                    let t = normalize_ws(&dom.raw_text(i));
                    if !t.is_empty() {
                        m.subheads.push(t);
                    }
                }
            }
            Tag::H1 if m.h1.len() < 5 => {
                let t = normalize_ws(&dom.raw_text(i));
                if !t.is_empty() {
                    m.h1.push(t);
                }
            }
            Tag::Link => {
                let rel = dom.attr(i, "rel").unwrap_or("").to_ascii_lowercase();
                if rel.split_ascii_whitespace().any(|r| r == "canonical") && m.canonical.is_none() {
                    m.canonical = dom
                        .attr(i, "href")
                        .map(|h| h.trim().to_string())
                        .filter(|h| !h.is_empty());
                }
            }
            Tag::Script => {
                let t = dom.raw_text(i);
                if !t.is_empty() {
                    if let Some(v) = parse_ld(&t) {
                        collect_ld(&v, &mut ld_found);
                    }
                }
            }
            Tag::Time => {
                if let Some(dt) = dom.attr_at(i, At::Datetime) {
                    let p = dom.parent(i);
                    let update = flags[i as usize] & hints::UPDATE != 0
                        || (p != NONE && flags[p as usize] & hints::UPDATE != 0)
                        || dom
                            .attr_at(i, At::Itemprop)
                            .is_some_and(|v| v.to_ascii_lowercase().contains("modif"));
                    if m.times.len() < 20 {
                        m.times.push((dt.trim().to_string(), update));
                    }
                }
            }
            _ => {}
        }
        if tag == Tag::A || tag == Tag::Link {
            let rel = dom.attr(i, "rel").unwrap_or("");
            if tag == Tag::A
                && rel
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("author"))
            {
                let t = normalize_ws(&dom.raw_text(i));
                if !t.is_empty() && t.len() < 80 && m.rel_author.len() < 10 {
                    m.rel_author.push(t);
                }
            }
        }
        if let Some(ip) = dom.attr(i, "itemprop") {
            let ip = ip.to_ascii_lowercase();
            if ip
                .split_ascii_whitespace()
                .any(|p| p == "author" || p == "creator")
                && m.itemprop_author.len() < 10
            {
                // the name is in a nested itemprop=name, else the element's text
                let e = dom.subtree_end(i);
                let mut name = None;
                if let Some(c) = dom.attr(i, "content") {
                    name = Some(normalize_ws(c));
                }
                for j in i + 1..e.min(i + 200) {
                    if name.is_some() {
                        break;
                    }
                    if dom
                        .attr(j, "itemprop")
                        .is_some_and(|v| v.eq_ignore_ascii_case("name"))
                    {
                        name = Some(normalize_ws(
                            dom.attr(j, "content")
                                .map(str::to_string)
                                .unwrap_or_else(|| dom.raw_text(j))
                                .as_str(),
                        ));
                    }
                }
                let name = name.unwrap_or_else(|| normalize_ws(&dom.raw_text(i)));
                if !name.is_empty() && name.len() < 100 {
                    m.itemprop_author.push(name);
                }
            } else if ip == "datepublished" && m.itemprop_date.is_none() {
                m.itemprop_date = dom
                    .attr(i, "datetime")
                    .or_else(|| dom.attr(i, "content"))
                    .map(str::to_string)
                    .or_else(|| Some(normalize_ws(&dom.raw_text(i))));
            } else if ip == "headline" && m.itemprop_headline.is_none() && tag != Tag::Meta {
                let t = normalize_ws(&dom.raw_text(i));
                if !t.is_empty() {
                    m.itemprop_headline = Some(t);
                }
            }
        }
        let f = flags[i as usize];
        if f & (hints::BYLINE | hints::DATE) != 0 && dom.subtree_end(i) - i < 60 {
            let t = normalize_ws(&dom.raw_text(i));
            if f & hints::BYLINE != 0
                && f & hints::BIO == 0
                && m.byline_texts.len() < 10
                && !t.is_empty()
                && t.len() < 200
            {
                m.byline_texts.push(t.clone());
            }
            if f & hints::DATE != 0 && f & hints::UPDATE == 0 && m.date_texts.len() < 30 {
                if !t.is_empty() && t.len() < 200 {
                    m.date_texts.push(t);
                }
                if let Some(t) = dom
                    .attr_at(i, At::Title)
                    .or_else(|| dom.attr_at(i, At::Datetime))
                    .or_else(|| dom.attr(i, "data-timestamp"))
                {
                    m.date_texts.push(t.to_string());
                }
            }
        }
        i += 1;
    }
    if let Some(h1) = (1..n).find(|&j| dom.tag(j) == Some(Tag::H1)) {
        let mut j = h1;
        while j < n && m.after_h1.len() < 1500 {
            match dom.nodes[j as usize].kind {
                Kind::Element {
                    tag:
                        Tag::Script
                        | Tag::Style
                        | Tag::Noscript
                        | Tag::Template
                        | Tag::Figure
                        | Tag::Figcaption,
                    ..
                } => {
                    j = dom.subtree_end(j);
                    continue;
                }
                // captions date their pictures, not the article
                Kind::Element { .. }
                    if flags[j as usize] & (hints::CAPTION | hints::CREDIT) != 0 =>
                {
                    j = dom.subtree_end(j);
                    continue;
                }
                Kind::Text(..) => {
                    m.after_h1.push_str(dom.text(j));
                    m.after_h1.push(' ');
                }
                _ => {}
            }
            j += 1;
        }
    }
    ld_found.sort_by_key(|(r, _)| *r);
    for (_, v) in &ld_found {
        m.ld.take(v);
    }
    m
}

fn in_svg(dom: &Dom, id: u32) -> bool {
    let mut a = dom.parent(id);
    while a != NONE {
        if matches!(dom.tag(a), Some(Tag::Svg | Tag::Math)) {
            return true;
        }
        a = dom.parent(a);
    }
    false
}

impl Meta {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.metas.get(key).map(String::as_str)
    }

    pub fn site_name(&self) -> Option<&str> {
        self.get("og:site_name")
            .or_else(|| self.get("application-name"))
            .or(self.ld.publisher.as_deref())
    }

    pub fn title(&self) -> Option<String> {
        let candidates = [
            self.get("og:title").map(str::to_string),
            self.ld.headline.clone(),
            self.get("twitter:title").map(str::to_string),
            self.itemprop_headline.clone(),
            self.h1.first().cloned(),
        ];
        let raw = candidates
            .into_iter()
            .flatten()
            .map(|t| normalize_ws(&t))
            .find(|t| !t.is_empty());
        let raw = match raw {
            Some(t) => t,
            None => self.title_tag.clone()?,
        };
        let mut heads: Vec<&str> = self
            .h1
            .iter()
            .chain(self.subheads.iter())
            .map(String::as_str)
            .collect();
        if let Some(t) = self.get("og:title") {
            heads.push(t);
        }
        let host = self.canonical_url().and_then(|u| crate::site_of(&u));
        Some(strip_site_suffix(
            &raw,
            self.site_name(),
            &heads,
            host.as_deref(),
        ))
    }

    pub fn bylines(&self) -> Vec<String> {
        let mut raw: Vec<String> = Vec::new();
        if !self.ld.authors.is_empty() {
            raw = self.ld.authors.clone();
        } else if let Some(a) = self
            .get("author")
            .or_else(|| self.get("article:author"))
            .or_else(|| self.get("dc.creator"))
            .or_else(|| self.get("sailthru.author"))
            .or_else(|| self.get("parsely-author"))
        {
            if !a.starts_with("http") {
                raw.push(a.to_string());
            }
        }
        if raw.is_empty() && !self.itemprop_author.is_empty() {
            raw = self.itemprop_author.clone();
        }
        if raw.is_empty() && !self.rel_author.is_empty() {
            raw = self.rel_author.clone();
        }
        if raw.is_empty() {
            if let Some(b) = self.byline_texts.iter().find(|t| t.len() < 100) {
                raw.push(b.clone());
            }
        }
        // The publisher named as an author is not a byline.
        let host_label = self
            .canonical_url()
            .and_then(|u| crate::site_of(&u))
            .map(|h| h.split('.').next().unwrap_or("").to_string());
        let not_names: Vec<String> = [
            self.site_name().map(str::to_string),
            self.ld.publisher.clone(),
            host_label,
        ]
        .into_iter()
        .flatten()
        .map(|s| s.to_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
        let mut out: Vec<String> = Vec::new();
        for r in raw {
            for name in split_names(&r) {
                if not_names.iter().any(|n| *n == name.to_lowercase()) {
                    continue;
                }
                if !out.iter().any(|o| o.eq_ignore_ascii_case(&name)) {
                    out.push(name);
                }
            }
        }
        out.truncate(10);
        out
    }

    pub fn section(&self) -> Option<String> {
        self.get("article:section")
            .map(str::to_string)
            .or_else(|| self.ld.section.clone())
            .or_else(|| self.get("section").map(str::to_string))
            .map(|s| normalize_ws(&s))
            .filter(|s| !s.is_empty() && s.len() < 100)
    }

    pub fn language(&self) -> Option<String> {
        let cands = [
            self.html_lang.as_deref(),
            self.get("og:locale"),
            self.get("content-language"),
            self.get("language"),
            self.get("dc.language"),
            self.ld.language.as_deref(),
        ];
        cands.into_iter().flatten().find_map(primary_tag)
    }

    pub fn canonical_url(&self) -> Option<String> {
        let c = self
            .canonical
            .clone()
            .or_else(|| self.get("og:url").map(str::to_string))
            .or_else(|| self.ld.url.clone())?;
        (c.starts_with("http://") || c.starts_with("https://")).then_some(c)
    }
}

fn primary_tag(s: &str) -> Option<String> {
    let p = s
        .trim()
        .split(['-', '_', ',', ';', ' '])
        .next()?
        .to_ascii_lowercase();
    (p.len() >= 2 && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_alphabetic())).then_some(p)
}

/// Drops a trailing " | Site" / " - Site" part when it names the site, when the rest is a
/// heading of the page, or when it is clearly shorter than the rest.
fn strip_site_suffix(
    title: &str,
    site: Option<&str>,
    heads: &[&str],
    host: Option<&str>,
) -> String {
    for h in heads {
        if h.split_whitespace().count() >= 2 && title.len() > h.len() && title.starts_with(h) {
            let rest = title[h.len()..].trim_start();
            if rest.starts_with(['|', '-', '–', '—', ':', '·', '»']) {
                return h.to_string();
            }
        }
    }
    if let Some(site) = site {
        for sep in [" | ", " - ", " – ", " — ", " :: ", " · ", " » ", ": "] {
            if let Some(rest) = title.strip_prefix(site).and_then(|r| r.strip_prefix(sep)) {
                if rest.split_whitespace().count() >= 2 {
                    return rest.trim().to_string();
                }
            }
        }
    }
    for sep in [" | ", " - ", " – ", " — ", " :: ", " · ", " » "] {
        if let Some(pos) = title.rfind(sep) {
            let (head, tail) = (&title[..pos], &title[pos + sep.len()..]);
            let t = tail.to_lowercase();
            let tail_is_site = site.is_some_and(|s| {
                let s = s.to_lowercase();
                t.contains(&s) || s.contains(&t)
            }) || host.is_some_and(|h| {
                let label = h.split('.').next().unwrap_or(h);
                label.len() >= 3 && t.replace([' ', '\'', '-'], "").contains(label)
            });
            let short_tail =
                tail.split_whitespace().count() <= 3 && head.split_whitespace().count() >= 4;
            if tail_is_site || (short_tail && sep != " - ") {
                return head.trim().to_string();
            }
        }
    }
    title.to_string()
}

/// Splits a byline into names: drops "By", roles, dates and e-mail addresses.
pub fn split_names(s: &str) -> Vec<String> {
    let s = normalize_ws(s);
    let mut out = Vec::new();
    let lowered = s.to_lowercase();
    let mut start = 0;
    for p in [
        "by ",
        "von ",
        "par ",
        "por ",
        "door ",
        "af ",
        "written by ",
        "words by ",
        "author: ",
        "authors: ",
    ] {
        if lowered.starts_with(p) {
            start = p.len();
            break;
        }
    }
    let s = &s[start..];
    let parts = s
        .split([',', ';', '|', '&', '\n'])
        .flat_map(|p| p.split(" and "))
        .flat_map(|p| p.split(" und "))
        .flat_map(|p| p.split(" et "));
    for p in parts {
        let mut p = p
            .trim()
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '.' && c != '\'' && c != '"')
            .trim()
            .to_string();
        let pl = p.to_lowercase();
        for pre in ["by ", "von ", "par ", "por "] {
            if pl.starts_with(pre) {
                p = p[pre.len()..].trim().to_string();
                break;
            }
        }
        if p.is_empty()
            || p.contains('@')
            || p.starts_with("http")
            || p.len() > 60
            || p.chars().any(|c| c.is_ascii_digit())
        {
            continue;
        }
        if p.split_whitespace().count() > 5 {
            continue;
        }
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bylines_are_cleaned_and_split() {
        assert_eq!(
            split_names("By Jane Doe and John Smith"),
            ["Jane Doe", "John Smith"]
        );
        assert_eq!(split_names("BY JANE DOE, jane@example.com"), ["JANE DOE"]);
        assert_eq!(
            split_names("Von Anna Müller | Updated 2019"),
            ["Anna Müller"]
        );
        assert!(split_names("http://example.com/author/x").is_empty());
    }

    #[test]
    fn site_suffixes_and_prefixes_go() {
        let heads: [&str; 0] = [];
        assert_eq!(
            strip_site_suffix(
                "Big news today | The Daily",
                Some("The Daily"),
                &heads,
                None
            ),
            "Big news today"
        );
        assert_eq!(
            strip_site_suffix(
                "Big news about the thing - dailynews.com",
                None,
                &heads,
                Some("dailynews.com")
            ),
            "Big news about the thing"
        );
        assert_eq!(
            strip_site_suffix(
                "The Daily | Big news today",
                Some("The Daily"),
                &heads,
                None
            ),
            "Big news today"
        );
        // a dash inside a headline stays when nothing says it is a site name
        assert_eq!(
            strip_site_suffix("Obama - the early years", None, &heads, None),
            "Obama - the early years"
        );
        assert_eq!(
            strip_site_suffix(
                "Walk in winter - Alice's Notebook",
                None,
                &["Walk in winter"],
                None
            ),
            "Walk in winter"
        );
    }

    #[test]
    fn language_is_the_primary_tag() {
        assert_eq!(primary_tag("en-GB").as_deref(), Some("en"));
        assert_eq!(primary_tag("fr_FR").as_deref(), Some("fr"));
        assert_eq!(primary_tag("english"), None);
    }
}
