//! JSON lines and CSV: one article per record, with a field mapping so that corpora with
//! their own column names load without a conversion script.

use std::io::BufRead;

use serde_json::Value;

use crate::{Article, Item, ReadError, ReadOptions, SourceFormat};
use copydesk_model::Origin;

/// Which input field feeds which article field. `--map text=body,title=headline`.
/// Unmapped article fields are looked up under their own name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMap {
    pairs: Vec<(String, String)>,
}

/// Article fields a record can fill.
pub const FIELDS: &[&str] = &["id", "url", "site", "published", "title", "section", "bylines", "language", "text"];

impl FieldMap {
    /// Parses `article_field=input_field,...`.
    pub fn parse(spec: &str) -> Result<FieldMap, String> {
        let mut pairs = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("--map entry `{part}` is not field=column"))?;
            let k = k.trim();
            if !FIELDS.contains(&k) {
                return Err(format!("--map: unknown article field `{k}` (known: {})", FIELDS.join(", ")));
            }
            pairs.push((k.to_string(), v.trim().to_string()));
        }
        Ok(FieldMap { pairs })
    }

    /// The input field name for an article field.
    pub fn source<'a>(&'a self, field: &'a str) -> &'a str {
        self.pairs.iter().find(|(k, _)| k == field).map(|(_, v)| v.as_str()).unwrap_or(field)
    }

    fn is_mapped(&self, field: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == field)
    }
}

/// Fallback names tried for an unmapped field, common in public corpora.
fn aliases(field: &str) -> &'static [&'static str] {
    match field {
        "text" => &["body", "content", "articleBody", "article", "maintext"],
        "title" => &["headline"],
        "published" => &["date", "date_publish", "published_at", "publish_date", "datePublished", "dct"],
        "bylines" => &["authors", "author", "byline"],
        "site" => &["domain", "source_domain", "source"],
        "language" => &["lang"],
        _ => &[],
    }
}

fn value_string(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(value_string).collect();
            (!parts.is_empty()).then(|| parts.join("\n\n"))
        }
        Value::Object(o) => o.get("name").and_then(value_string),
    }
}

/// Builds an article from a record, with `get` looking a column up by name.
fn build(get: &dyn Fn(&str) -> Option<Value>, map: &FieldMap) -> Result<Article, String> {
    let lookup = |field: &str| -> Option<Value> {
        let name = map.source(field);
        if let Some(v) = get(name).filter(|v| !v.is_null()) {
            return Some(v);
        }
        if map.is_mapped(field) {
            return None;
        }
        aliases(field).iter().find_map(|a| get(a).filter(|v| !v.is_null()))
    };
    let text_val = lookup("text").ok_or_else(|| format!("no `{}` field with the article text", map.source("text")))?;
    let text = value_string(&text_val).unwrap_or_default();
    let mut a = Article::default();
    a.set_text(normalise_newlines(&text));
    a.id = lookup("id").and_then(|v| value_string(&v)).unwrap_or_default();
    a.url = lookup("url").and_then(|v| value_string(&v)).filter(|s| !s.is_empty());
    a.site = lookup("site").and_then(|v| value_string(&v)).filter(|s| !s.is_empty());
    a.published = lookup("published").and_then(|v| value_string(&v)).filter(|s| !s.trim().is_empty()).map(normalise_published);
    a.title = lookup("title").and_then(|v| value_string(&v)).filter(|s| !s.is_empty());
    a.section = lookup("section").and_then(|v| value_string(&v)).filter(|s| !s.is_empty());
    a.language = lookup("language").and_then(|v| value_string(&v)).filter(|s| !s.is_empty());
    a.bylines = match lookup("bylines") {
        Some(Value::Array(items)) => items.iter().filter_map(value_string).collect(),
        Some(v) => value_string(&v).map(|s| vec![s]).unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(a)
}

/// Dates to RFC 3339 as the model wants (RFC 822, near-ISO forms and Unix times are common
/// in exports); a date that cannot be read is kept as given rather than lost.
fn normalise_published(s: String) -> String {
    let t = s.trim();
    if (9..=13).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
        // Unix time, in seconds or (13 digits) milliseconds.
        let n: i64 = t.parse().unwrap_or(0);
        let secs = if t.len() == 13 { n / 1000 } else { n };
        if let Some(dt) = chrono::DateTime::from_timestamp(secs, 0) {
            return dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        }
    }
    crate::feed::normalise_date(t).unwrap_or(s)
}

/// Text keeps its bytes except that CRLF becomes LF, so spans agree across platforms.
fn normalise_newlines(s: &str) -> String {
    if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_string()
    }
}

/// JSON lines, one article per non-blank line; bad lines are errors naming the line.
pub fn jsonl_items(reader: Box<dyn BufRead + Send>, path: String, opts: &ReadOptions) -> Box<dyn Iterator<Item = Item> + Send> {
    let map = opts.map.clone();
    let max = opts.max_document_bytes();
    let mut reader = reader;
    let mut line_no = 0u64;
    let mut buf = Vec::new();
    // A read error (a truncated gzip stream) ends the input: reading on would fail again.
    let mut failed = false;
    Box::new(std::iter::from_fn(move || loop {
        if failed {
            return None;
        }
        buf.clear();
        line_no += 1;
        let origin = Origin { path: path.clone(), offset: None, line: Some(line_no) };
        match read_line_limited(&mut reader, &mut buf, max) {
            Ok(None) => return None,
            Ok(Some(false)) => return Some(Item::Error(ReadError::new(origin, format!("line longer than {} MB; skipped", max >> 20)))),
            Ok(Some(true)) => {}
            Err(e) => {
                failed = true;
                return Some(Item::Error(ReadError::new(origin, format!("read error: {e}; the rest of the input is lost"))));
            }
        }
        let line = buf.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&buf);
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let parsed = match std::str::from_utf8(line) {
            Ok(text) => serde_json::from_str(text),
            // JSON must be UTF-8, but exports from old tools are often Latin-1 or cp1252.
            Err(_) => serde_json::from_str(&crate::charset::decode_text(line)),
        };
        let value: Value = match parsed {
            Ok(v) => v,
            Err(e) => return Some(Item::Error(ReadError::new(origin, format!("invalid JSON: {e}")))),
        };
        let Value::Object(obj) = value else {
            return Some(Item::Error(ReadError::new(origin, "a JSON line must be an object")));
        };
        let get = |k: &str| obj.get(k).cloned();
        return Some(match build(&get, &map) {
            Ok(mut a) => {
                a.format = SourceFormat::Jsonl;
                a.origin = origin;
                Item::Article(Box::new(a))
            }
            Err(m) => Item::Error(ReadError::new(origin, m)),
        });
    }))
}

/// Reads one line into `buf` (without the newline). `Ok(None)` at end of input,
/// `Ok(Some(false))` when the line was longer than `max` (the rest of it is consumed).
fn read_line_limited(r: &mut dyn BufRead, buf: &mut Vec<u8>, max: usize) -> std::io::Result<Option<bool>> {
    let mut any = false;
    let mut fits = true;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok(if any { Some(fits) } else { None });
        }
        any = true;
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let content = &chunk[..if done { take - 1 } else { take }];
        if fits && buf.len() + content.len() <= max {
            buf.extend_from_slice(content);
        } else {
            fits = false;
            buf.clear();
        }
        r.consume(take);
        if done {
            return Ok(Some(fits));
        }
    }
}

/// CSV (or TSV, sniffed from the header line) with a header row.
pub fn csv_items(reader: Box<dyn BufRead + Send>, path: String, opts: &ReadOptions) -> Box<dyn Iterator<Item = Item> + Send> {
    let map = opts.map.clone();
    let mut reader = reader;
    let delimiter = match reader.fill_buf() {
        Ok(head) => {
            let first = &head[..memchr::memchr(b'\n', head).unwrap_or(head.len())];
            if memchr::memchr(b'\t', first).is_some() && memchr::memchr(b',', first).is_none() {
                b'\t'
            } else {
                b','
            }
        }
        Err(_) => b',',
    };
    let mut rdr = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(reader);
    // Byte records, decoded here: CSV exports are often in a legacy encoding, which the
    // first record that is not UTF-8 shows, and which then holds for the whole file.
    let mut legacy: Option<&'static encoding_rs::Encoding> = None;
    let headers: Vec<String> = match rdr.byte_headers() {
        Ok(h) => decode_record(h, &mut legacy),
        Err(e) => {
            return Box::new(std::iter::once(Item::Error(ReadError::new(Origin::file(path), format!("cannot read CSV header: {e}")))));
        }
    };
    let mut records = rdr.into_byte_records();
    let mut n = 0u64;
    let mut failed = false;
    Box::new(std::iter::from_fn(move || {
        if failed {
            return None;
        }
        let rec = records.next()?;
        n += 1;
        // An I/O error (a truncated gzip stream) ends the input: reading on would fail again.
        if let Err(e) = &rec {
            if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                failed = true;
            }
        }
        let line = match &rec {
            Ok(r) => r.position().map(|p| p.line()).unwrap_or(n + 1),
            Err(e) => e.position().map(|p| p.line()).unwrap_or(n + 1),
        };
        let origin = Origin { path: path.clone(), offset: None, line: Some(line) };
        Some(match rec {
            Err(e) => Item::Error(ReadError::new(origin, format!("invalid CSV record: {e}"))),
            Ok(r) => {
                let fields = decode_record(&r, &mut legacy);
                let get = |k: &str| -> Option<Value> {
                    let i = headers.iter().position(|h| h == k)?;
                    fields.get(i).map(|s| Value::String(s.clone()))
                };
                match build(&get, &map) {
                    Ok(mut a) => {
                        a.format = SourceFormat::Csv;
                        a.origin = origin;
                        Item::Article(Box::new(a))
                    }
                    Err(m) => Item::Error(ReadError::new(origin, m)),
                }
            }
        })
    }))
}

/// The fields of a CSV record as text; `legacy` is the encoding found for the file once
/// a record is not valid UTF-8.
fn decode_record(r: &csv::ByteRecord, legacy: &mut Option<&'static encoding_rs::Encoding>) -> Vec<String> {
    if r.iter().all(|f| std::str::from_utf8(f).is_ok()) {
        return r.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
    }
    let enc = *legacy.get_or_insert_with(|| crate::charset::detect(r.as_slice()));
    r.iter().map(|f| enc.decode_without_bom_handling(f).0.into_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn articles(items: impl Iterator<Item = Item>) -> Vec<Result<Article, ReadError>> {
        items
            .map(|i| match i {
                Item::Article(a) => Ok(*a),
                Item::Error(e) => Err(e),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn jsonl_reads_fields_and_reports_bad_lines_by_number() {
        let data = "{\"id\":\"a\",\"site\":\"x.com\",\"published\":null,\"title\":\"T\",\"text\":\"P one.\\n\\nP two.\"}\n\nnot json\n[1]\n{\"title\":\"no text\"}\n";
        let out = articles(jsonl_items(Box::new(data.as_bytes()), "c.jsonl".into(), &ReadOptions::default()));
        assert_eq!(out.len(), 4);
        let a = out[0].as_ref().unwrap();
        assert_eq!((a.id.as_str(), a.site.as_deref(), a.published.as_deref()), ("a", Some("x.com"), None));
        assert_eq!(a.paragraphs.len(), 2);
        assert_eq!(a.origin.line, Some(1));
        let e = out[1].as_ref().unwrap_err();
        assert_eq!(e.origin.line, Some(3));
        assert!(e.message.contains("invalid JSON"));
        assert!(out[2].as_ref().unwrap_err().message.contains("object"));
        assert!(out[3].as_ref().unwrap_err().message.contains("text"));
    }

    #[test]
    fn mapping_renames_fields() {
        let opts = ReadOptions { map: FieldMap::parse("text=body,title=headline,published=date,site=domain").unwrap(), ..Default::default() };
        let data = "{\"body\":\"B\",\"headline\":\"H\",\"date\":\"2020-01-02\",\"domain\":\"d.org\",\"text\":\"wrong\"}\n";
        let out = articles(jsonl_items(Box::new(data.as_bytes()), "m.jsonl".into(), &opts));
        let a = out[0].as_ref().unwrap();
        assert_eq!((a.text.as_str(), a.title.as_deref(), a.published.as_deref(), a.site.as_deref()), ("B", Some("H"), Some("2020-01-02"), Some("d.org")));
        assert!(FieldMap::parse("nonsense=x").is_err());
        assert!(FieldMap::parse("text").is_err());
    }

    #[test]
    fn csv_with_quoted_multiline_text() {
        let data = "id,headline,body\n1,\"A, b\",\"Para one.\n\nPara two.\"\n2,C,\n";
        let opts = ReadOptions { map: FieldMap::parse("title=headline,text=body").unwrap(), ..Default::default() };
        let out = articles(csv_items(Box::new(data.as_bytes()), "t.csv".into(), &opts));
        let a = out[0].as_ref().unwrap();
        assert_eq!(a.title.as_deref(), Some("A, b"));
        assert_eq!(a.paragraphs.len(), 2);
        assert_eq!(a.origin.line, Some(2));
        assert_eq!(out[1].as_ref().unwrap().text, "");
    }

    /// Yields `data`, then fails on every read, as a truncated gzip stream does.
    struct FailingAfter(std::io::Cursor<Vec<u8>>);

    impl std::io::Read for FailingAfter {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "incomplete deflate stream")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn a_read_error_ends_the_input_once() {
        let data = b"{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"text\":\"cut".to_vec();
        let r = std::io::BufReader::new(FailingAfter(std::io::Cursor::new(data.clone())));
        let out: Vec<Item> = jsonl_items(Box::new(r), "t.jsonl.gz".into(), &ReadOptions::default()).take(10).collect();
        assert_eq!(out.len(), 3, "{out:?}");
        assert!(matches!(&out[2], Item::Error(e) if e.origin.line == Some(3)));
        let csv_data = b"text\na\nb\n\"cut".to_vec();
        let r = std::io::BufReader::new(FailingAfter(std::io::Cursor::new(csv_data)));
        let out: Vec<Item> = csv_items(Box::new(r), "t.csv.gz".into(), &ReadOptions::default()).take(10).collect();
        assert!(out.len() <= 4 && matches!(out.last(), Some(Item::Error(_))), "{out:?}");
    }

    #[test]
    fn latin1_csv_and_jsonl_are_decoded() {
        let data = b"title,text\nCaf\xe9,Cr\xe8me br\xfbl\xe9e \xe0 la fran\xe7aise pour le d\xe9jeuner.\nPlain,Ascii only.\n";
        let out = articles(csv_items(Box::new(&data[..]), "l.csv".into(), &ReadOptions::default()));
        let a = out[0].as_ref().unwrap();
        assert_eq!(a.title.as_deref(), Some("Café"));
        assert!(a.text.starts_with("Crème brûlée à la française"), "{}", a.text);
        assert_eq!(out[1].as_ref().unwrap().text, "Ascii only.");
        let line = b"{\"text\":\"Gr\xfc\xdfe aus M\xfcnchen und sch\xf6ne Stra\xdfen\"}\n";
        let out = articles(jsonl_items(Box::new(&line[..]), "l.jsonl".into(), &ReadOptions::default()));
        assert_eq!(out[0].as_ref().unwrap().text, "Grüße aus München und schöne Straßen");
    }

    #[test]
    fn published_dates_are_normalised_when_readable() {
        let data = "{\"text\":\"a\",\"published\":\"Tue, 02 Mar 2021 23:39:15 +0100\"}\n\
                    {\"text\":\"b\",\"published\":1614724755}\n\
                    {\"text\":\"c\",\"published\":\"2017-03-24\"}\n\
                    {\"text\":\"d\",\"published\":\"last spring\"}\n";
        let out = articles(jsonl_items(Box::new(data.as_bytes()), "d.jsonl".into(), &ReadOptions::default()));
        let dates: Vec<Option<String>> = out.iter().map(|a| a.as_ref().unwrap().published.clone()).collect();
        assert_eq!(
            dates,
            [Some("2021-03-02T23:39:15+01:00".into()), Some("2021-03-02T22:39:15Z".into()), Some("2017-03-24".into()), Some("last spring".into())]
        );
    }

    #[test]
    fn csv_bom_and_tsv() {
        let out = articles(csv_items(Box::new(&b"\xef\xbb\xbftitle,text\nT,Body.\n"[..]), "b.csv".into(), &ReadOptions::default()));
        assert_eq!(out[0].as_ref().ok().and_then(|a| a.title.as_deref()), Some("T"), "{out:?}");
        let out = articles(csv_items(Box::new(&b"title\ttext\nT\tBody, with comma.\n"[..]), "b.tsv".into(), &ReadOptions::default()));
        assert_eq!(out[0].as_ref().ok().map(|a| a.text.as_str()), Some("Body, with comma."), "{out:?}");
    }

    #[test]
    fn overlong_line_is_an_error_and_reading_goes_on() {
        let data = format!("{{\"text\":\"{}\"}}\n{{\"text\":\"ok\"}}\n", "x".repeat(100));
        let opts = ReadOptions { max_document_bytes: Some(50), ..Default::default() };
        let out = articles(jsonl_items(Box::new(std::io::Cursor::new(data.into_bytes())), "l.jsonl".into(), &opts));
        assert!(out[0].is_err());
        assert_eq!(out[1].as_ref().unwrap().text, "ok");
    }
}
