//! Publication dates: which page signal to trust (structured data first, then `<meta>`,
//! `<time>`, the URL, then visible date text), and turning what pages write into RFC 3339
//! or a bare `YYYY-MM-DD`. Modified and crawl dates are not publication dates.

use super::meta::Meta;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime};

const MIN_YEAR: i32 = 1995;
const MAX_YEAR: i32 = 2035;

const META_KEYS: &[&str] = &[
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "og:published_time",
    "published_time",
    "datepublished",
    "article.published",
    "published-date",
    "published_date",
    "publish-date",
    "publish_date",
    "publishdate",
    "pubdate",
    "sailthru.date",
    "parsely-pub-date",
    "dc.date.issued",
    "dc.date.created",
    "dcterms.issued",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "citation_publication_date",
    "citation_date",
    "date",
    "original-publish-date",
    "article_date_original",
    "cxenseparse:recs:publishtime",
    "bt:pubdate",
    "displaydate",
    "release_date",
    "created",
    "creation_date",
    "datecreated",
    "date_published",
    "og:pubdate",
    "live_date",
    "publication_date",
    "prism.publicationdate",
    "timestamp",
    "article:post_date",
    "post_date",
    "vr:published_time",
    "og:regdate",
    "analyticsattributes.articledate",
];

/// The page's publication date, normalised, or None.
pub fn find(meta: &Meta, url: Option<&str>) -> Option<String> {
    let from_page = find_in_page(meta);
    let in_url = url.and_then(from_url);
    match (from_page, in_url) {
        // A URL date is the publisher's local day; a structured date a day off is usually
        // the same moment written in UTC.
        (Some(p), Some(u)) => {
            let days =
                |s: &str| NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok();
            match (days(&p), days(&u)) {
                (Some(a), Some(b)) if (a - b).num_days().abs() == 1 => Some(u),
                _ => Some(p),
            }
        }
        (Some(p), None) => Some(p),
        (None, Some(u)) => Some(u),
        (None, None) => meta
            .date_texts
            .iter()
            .find_map(|t| find_in_text(t))
            // the lead picture is usually filed under the day it was published
            .or_else(|| meta.get("og:image").and_then(from_url))
            .or_else(|| find_in_text(&meta.after_h1)),
    }
}

fn find_in_page(meta: &Meta) -> Option<String> {
    let structured = [
        meta.ld.date_published.as_deref(),
        meta.itemprop_date.as_deref(),
    ];
    for s in structured.into_iter().flatten() {
        if let Some(d) = normalize(s) {
            return Some(d);
        }
    }
    for k in META_KEYS {
        if let Some(v) = meta.get(k) {
            if let Some(d) = normalize(v) {
                return Some(d);
            }
        }
    }
    // Any other meta that names a publication date, in document order; JSON in parsely-page.
    for (k, v) in &meta.meta_list {
        let publishing = k.contains("publish")
            || k.contains("pubdate")
            || k.contains("pub_date")
            || k.contains("issued");
        if publishing && !k.contains("modif") && !k.contains("update") {
            if let Some(d) = normalize(v) {
                return Some(d);
            }
        }
        if k == "parsely-page" {
            if let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(v) {
                if let Some(d) = o
                    .get("pub_date")
                    .and_then(|d| d.as_str())
                    .and_then(normalize)
                {
                    return Some(d);
                }
            }
        }
    }
    if let Some(d) = meta.ld.date_created.as_deref().and_then(normalize) {
        return Some(d);
    }
    meta.times
        .iter()
        .filter(|(_, upd)| !upd)
        .find_map(|(t, _)| normalize(t))
}

fn valid(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Normalises a machine-readable date (ISO 8601 and its variants, RFC 2822, compact
/// `YYYYMMDD`, Unix seconds) or, failing that, a human one ("March 24, 2017").
pub fn normalize(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 200 {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        valid(dt.year(), dt.month(), dt.day())?;
        return Some(dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    // ISO variants: offset without colon, space separator, fractional seconds, no offset.
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S %z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            valid(dt.year(), dt.month(), dt.day())?;
            return Some(dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
    ] {
        if let Ok(ndt) = NaiveDateTime::parse_from_str(s, fmt) {
            let d = ndt.date();
            valid(d.year(), d.month(), d.day())?;
            return Some(d.format("%Y-%m-%d").to_string());
        }
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        valid(dt.year(), dt.month(), dt.day())?;
        return Some(dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        let y = s[..4].parse().ok()?;
        let m = s[4..6].parse().ok()?;
        let d = s[6..].parse().ok()?;
        return valid(y, m, d).map(|d| d.format("%Y-%m-%d").to_string());
    }
    if (s.len() == 10 || s.len() == 13) && s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = s.parse().ok()?;
        let secs = if s.len() == 13 { secs / 1000 } else { secs };
        let dt = DateTime::from_timestamp(secs, 0)?;
        valid(dt.year(), dt.month(), dt.day())?;
        return Some(dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    find_in_text(s)
}

/// A date in a URL path: /2017/03/24/, /2017-03-24, /20170324, or /2017/03/ (day unknown:
/// not used, a month is not a day).
pub fn from_url(url: &str) -> Option<String> {
    let path = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let path = &path[path.find('/').unwrap_or(path.len())..];
    let b = path.as_bytes();
    let digits = |i: usize, n: usize| -> Option<u32> {
        let s = path.get(i..i + n)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    for i in 0..b.len() {
        if i > 0 && b[i - 1].is_ascii_digit() {
            continue;
        }
        let Some(y) = digits(i, 4) else { continue };
        let y = y as i32;
        if !(MIN_YEAR..=MAX_YEAR).contains(&y) {
            continue;
        }
        let sep = b.get(i + 4).copied();
        match sep {
            Some(b'/' | b'-' | b'_' | b'.') => {
                let mlen = if b.get(i + 6).is_some_and(|c| c.is_ascii_digit()) {
                    2
                } else {
                    1
                };
                let Some(m) = digits(i + 5, mlen) else {
                    continue;
                };
                let j = i + 5 + mlen;
                if b.get(j) != Some(&sep.unwrap_or(b'/')) {
                    continue;
                }
                let dlen = if b.get(j + 2).is_some_and(|c| c.is_ascii_digit()) {
                    2
                } else {
                    1
                };
                let Some(d) = digits(j + 1, dlen) else {
                    continue;
                };
                if b.get(j + 1 + dlen).is_some_and(|c| c.is_ascii_digit()) {
                    continue;
                }
                if let Some(date) = valid(y, m, d) {
                    return Some(date.format("%Y-%m-%d").to_string());
                }
            }
            Some(c) if c.is_ascii_digit() => {
                let (Some(m), Some(d)) = (digits(i + 4, 2), digits(i + 6, 2)) else {
                    continue;
                };
                if b.get(i + 8).is_some_and(|c| c.is_ascii_digit()) {
                    continue;
                }
                if let Some(date) = valid(y, m, d) {
                    return Some(date.format("%Y-%m-%d").to_string());
                }
            }
            _ => {}
        }
    }
    None
}

fn month_of(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_lowercase();
    const MONTHS: &[(&str, u32)] = &[
        ("january", 1),
        ("february", 2),
        ("march", 3),
        ("april", 4),
        ("may", 5),
        ("june", 6),
        ("july", 7),
        ("august", 8),
        ("september", 9),
        ("october", 10),
        ("november", 11),
        ("december", 12),
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("sept", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
        // French, German, Spanish, Portuguese, Italian, Dutch, Danish/Norwegian
        ("janvier", 1),
        ("février", 2),
        ("fevrier", 2),
        ("mars", 3),
        ("avril", 4),
        ("mai", 5),
        ("juin", 6),
        ("juillet", 7),
        ("août", 8),
        ("aout", 8),
        ("septembre", 9),
        ("octobre", 10),
        ("novembre", 11),
        ("décembre", 12),
        ("januar", 1),
        ("februar", 2),
        ("märz", 3),
        ("juni", 6),
        ("juli", 7),
        ("oktober", 10),
        ("dezember", 12),
        ("enero", 1),
        ("febrero", 2),
        ("marzo", 3),
        ("abril", 4),
        ("mayo", 5),
        ("junio", 6),
        ("julio", 7),
        ("agosto", 8),
        ("septiembre", 9),
        ("setiembre", 9),
        ("octubre", 10),
        ("noviembre", 11),
        ("diciembre", 12),
        ("janeiro", 1),
        ("fevereiro", 2),
        ("março", 3),
        ("maio", 5),
        ("junho", 6),
        ("julho", 7),
        ("setembro", 9),
        ("outubro", 10),
        ("novembro", 11),
        ("dezembro", 12),
        ("gennaio", 1),
        ("febbraio", 2),
        ("aprile", 4),
        ("maggio", 5),
        ("giugno", 6),
        ("luglio", 7),
        ("settembre", 9),
        ("ottobre", 10),
        ("dicembre", 12),
        ("januari", 1),
        ("februari", 2),
        ("maart", 3),
        ("mei", 5),
        ("augustus", 8),
        ("december", 12),
        ("marts", 3),
        ("desember", 12),
    ];
    MONTHS.iter().find(|(n, _)| *n == w).map(|(_, m)| *m)
}

/// The first date written in free text: ISO, "24 March 2017", "March 24, 2017",
/// "24.03.2017", "2017年3月24日", "03/24/2017" (month first when ambiguous).
pub fn find_in_text(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split(|c: char| {
            c.is_whitespace() || c == ',' || c == '|' || c == '·' || c == '(' || c == ')'
        })
        .filter(|w| !w.is_empty())
        .collect();
    let num = |w: &str| -> Option<u32> {
        let w = w
            .trim_end_matches(['.', ','])
            .trim_end_matches("st")
            .trim_end_matches("nd")
            .trim_end_matches("rd")
            .trim_end_matches("th");
        if !w.is_empty() && w.len() <= 4 && w.bytes().all(|b| b.is_ascii_digit()) {
            w.parse().ok()
        } else {
            None
        }
    };
    let fmt = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    for (i, w) in words.iter().enumerate() {
        // numeric forms inside one word
        if let Some(d) = numeric_date(w) {
            return Some(fmt(d));
        }
        if let Some(m) = month_of(w) {
            // Month D, YYYY (also "Nov 23 16:00:00 EDT 2014")
            if let Some(d) = words.get(i + 1).and_then(|x| num(x)) {
                let mut j = i + 2;
                while j < words.len() && j < i + 5 && is_time_or_zone(words[j]) {
                    j += 1;
                }
                if let Some(y) = words.get(j).and_then(|x| num(x)) {
                    if let Some(date) = valid(y as i32, m, d) {
                        return Some(fmt(date));
                    }
                }
            }
            // D Month YYYY (also "24. März 2017", "24 de marzo de 2017")
            let prev = if i >= 1 && words[i - 1] == "de" {
                i.checked_sub(2)
            } else {
                i.checked_sub(1)
            };
            let next = if words.get(i + 1) == Some(&"de") {
                i + 2
            } else {
                i + 1
            };
            if let (Some(d), Some(y)) = (
                prev.and_then(|p| num(words[p])),
                words.get(next).and_then(|x| num(x)),
            ) {
                if let Some(date) = valid(y as i32, m, d) {
                    return Some(fmt(date));
                }
            }
        }
    }
    cjk_date(text).map(fmt)
}

fn is_time_or_zone(w: &str) -> bool {
    (w.contains(':') && w.bytes().all(|b| b.is_ascii_digit() || b == b':'))
        || (w.len() <= 4 && w.len() >= 2 && w.bytes().all(|b| b.is_ascii_uppercase()))
}

fn numeric_date(w: &str) -> Option<NaiveDate> {
    let w = w.trim_matches(|c: char| !c.is_ascii_digit());
    if w.len() < 8 || w.len() > 19 {
        return None;
    }
    let head = w.get(..10).unwrap_or(w);
    for sep in ['-', '/', '.'] {
        let parts: Vec<&str> = head.split(sep).collect();
        if parts.len() != 3
            || !parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            continue;
        }
        let a: u32 = parts[0].parse().ok()?;
        let b: u32 = parts[1].parse().ok()?;
        let c: u32 = parts[2].get(..4.min(parts[2].len()))?.parse().ok()?;
        if parts[0].len() == 4 {
            return valid(a as i32, b, c);
        }
        if parts[2].len() == 4 {
            // slashes are month first (US) unless the first number cannot be a month
            return if sep == '/' && a <= 12 {
                valid(c as i32, a, b)
            } else {
                valid(c as i32, b, a)
            };
        }
    }
    None
}

fn cjk_date(text: &str) -> Option<NaiveDate> {
    let i = text.find('年')?;
    let y: i32 = text[..i]
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect::<String>()
        .chars()
        .rev()
        .collect::<String>()
        .parse()
        .ok()?;
    let rest = &text[i + '年'.len_utf8()..];
    let j = rest.find('月')?;
    let m: u32 = rest[..j].trim().parse().ok()?;
    let rest = &rest[j + '月'.len_utf8()..];
    let k = rest.find('日')?;
    let d: u32 = rest[..k].trim().parse().ok()?;
    valid(y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_common_forms() {
        assert_eq!(
            normalize("2017-03-24T10:00:00+01:00").as_deref(),
            Some("2017-03-24T10:00:00+01:00")
        );
        assert_eq!(
            normalize("2017-03-24T10:00:00.000Z").as_deref(),
            Some("2017-03-24T10:00:00Z")
        );
        assert_eq!(
            normalize("2017-03-24T10:00:00+0100").as_deref(),
            Some("2017-03-24T10:00:00+01:00")
        );
        assert_eq!(
            normalize("2017-03-24 10:00:00").as_deref(),
            Some("2017-03-24")
        );
        assert_eq!(normalize("2017-03-24").as_deref(), Some("2017-03-24"));
        assert_eq!(
            normalize("Fri, 24 Mar 2017 10:00:00 GMT").as_deref(),
            Some("2017-03-24T10:00:00Z")
        );
        assert_eq!(normalize("March 24, 2017").as_deref(), Some("2017-03-24"));
        assert_eq!(
            normalize("Published 24 March 2017, 10:00").as_deref(),
            Some("2017-03-24")
        );
        assert_eq!(normalize("24.03.2017").as_deref(), Some("2017-03-24"));
        assert_eq!(normalize("2017年3月24日").as_deref(), Some("2017-03-24"));
        assert_eq!(normalize("20170324").as_deref(), Some("2017-03-24"));
        assert_eq!(
            normalize("Sun Nov 23 16:00:00 EDT 2014").as_deref(),
            Some("2014-11-23")
        );
        assert_eq!(normalize("yesterday"), None);
        assert_eq!(normalize("1890-01-01"), None);
    }

    #[test]
    fn url_dates() {
        assert_eq!(
            from_url("https://x.com/2017/03/24/story").as_deref(),
            Some("2017-03-24")
        );
        assert_eq!(
            from_url("https://x.com/news/2017-3-4-story").as_deref(),
            Some("2017-03-04")
        );
        assert_eq!(
            from_url("https://x.com/a/20170324/b").as_deref(),
            Some("2017-03-24")
        );
        assert_eq!(from_url("https://x.com/2017/03/story"), None);
        assert_eq!(from_url("https://x.com/id/123456789"), None);
    }
}
