//! WARC (ISO 28500, versions 0.18 to 1.1) and ARC (v1/v2) archives, plain or gzipped, read
//! as a stream of records in bounded memory.
//!
//! Each record becomes exactly one item: a page (an HTML payload of a `response` or
//! `resource` record, or of an ARC record), a skip (requests, metadata, revisits, images...)
//! or an error. Damage that belongs to no record (bytes between records that are no record,
//! a broken gzip member between records) becomes an extra error. Items are named by the
//! byte offset of the record header, or in a gzipped file by the compressed offset of the
//! gzip member the record starts in.
//!
//! Hand-written rather than built on a WARC crate: recovery from damage (resynchronising on
//! the next `WARC/` line or gzip member, catching a wrong Content-Length by the missing
//! record boundary) and member offsets for records that share or straddle gzip members
//! need control over the byte stream that the crates do not give.

mod http;
mod input;

use std::collections::VecDeque;
use std::io::BufRead;

use crate::{Item, RawPage, ReadError, ReadOptions, SourceFormat};
use copydesk_model::Origin;
use input::Input;

/// Longest header line read; longer ones are damage.
const MAX_LINE: usize = 64 << 10;
/// Largest record header block.
const MAX_HEADER: usize = 1 << 20;
/// What is read of a payload over the size limit to tell whether it is HTML.
const PROBE: u64 = 64 << 10;
/// How far a record header is looked for past a Content-Length that ends early.
const SHORT_LENGTH_SLACK: usize = 4096;
/// How far past a record's end padding is looked through for the next record.
const MAX_PADDING: usize = 64 << 10;

pub fn items(
    reader: Box<dyn BufRead + Send>,
    gzip: bool,
    path: String,
    opts: &ReadOptions,
) -> Box<dyn Iterator<Item = Item> + Send> {
    Box::new(Records::new(reader, gzip, path, opts.max_document_bytes()))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Warc,
    Arc,
}

/// The iterator over one archive's records.
pub struct Records {
    input: Input,
    path: String,
    max: usize,
    kind: Option<Kind>,
    out: VecDeque<Item>,
    done: bool,
    /// Set after a record error that already says the reader skips ahead: the bytes skipped
    /// to the next record header are not reported again.
    quiet: bool,
}

/// What a record's header said.
#[derive(Default, Debug)]
struct Header {
    warc_type: Option<String>,
    url: Option<String>,
    date: Option<String>,
    content_type: Option<String>,
    length: Option<u64>,
    length_text: Option<String>,
}

/// Why a record could not be read whole.
struct Broken {
    message: String,
    /// Where reading resumes (bytes after it are put back), when known.
    resume_at: Option<u64>,
}

impl Records {
    pub fn new(reader: Box<dyn BufRead + Send>, gzip: bool, path: String, max: usize) -> Records {
        Records {
            input: Input::new(reader, gzip),
            path,
            max,
            kind: None,
            out: VecDeque::new(),
            done: false,
            quiet: false,
        }
    }

    fn origin(&self, offset: u64) -> Origin {
        Origin {
            path: self.path.clone(),
            offset: Some(offset),
            line: None,
        }
    }

    fn error(&mut self, offset: u64, message: String) {
        let origin = self.origin(offset);
        self.out
            .push_back(Item::Error(ReadError::new(origin, message)));
    }

    fn skipped(&mut self, offset: u64, reason: String) {
        let origin = self.origin(offset);
        self.out.push_back(Item::Skipped { origin, reason });
    }

    /// Reports damage found below the record layer up to stream position `upto`.
    fn report_damage(&mut self, upto: u64) {
        while self.input.damage.front().is_some_and(|d| d.at <= upto) {
            if let Some(d) = self.input.damage.pop_front() {
                self.error(d.offset, d.message);
            }
        }
    }

    /// Reads one record (or one run of garbage) and queues its items.
    fn step(&mut self) {
        self.skip_separators();
        let start = self.input.pos();
        self.report_damage(start);
        self.input.forget_before(start);
        if self.input.peek().is_empty() {
            self.report_damage(u64::MAX);
            self.done = true;
            return;
        }
        let n = self.input.ensure(16);
        let head = &self.input.buffered()[..n];
        if self.kind.is_none() {
            self.kind = Some(if head.starts_with(b"filedesc://") {
                Kind::Arc
            } else {
                Kind::Warc
            });
        }
        if head.starts_with(b"WARC/") {
            self.quiet = false;
            self.warc_record(start);
        } else if self.kind == Some(Kind::Arc) && self.arc_header_here() {
            self.quiet = false;
            self.arc_record(start);
        } else {
            self.skip_garbage(start);
        }
    }

    /// Skips the blank lines (and NUL padding) that separate records.
    fn skip_separators(&mut self) {
        loop {
            let buf = self.input.peek();
            if buf.is_empty() {
                return;
            }
            let n = buf.iter().take_while(|b| is_padding(**b)).count();
            let all = n == buf.len();
            self.input.consume(n);
            if !all {
                return;
            }
        }
    }

    /// Skips bytes up to the next place a record header can start and reports them.
    fn skip_garbage(&mut self, start: u64) {
        let offset = self.input.offset_of(start);
        let n = self.input.ensure(40);
        let sample = self.input.buffered()[..n.min(40)].to_vec();
        let arc_problem = match self.kind {
            Some(Kind::Arc) => {
                let n = self.input.ensure(MAX_LINE);
                let b = &self.input.buffered()[..n];
                let line = &b[..memchr::memchr(b'\n', b).unwrap_or(n)];
                parse_arc_line(line).err().map(ArcLineError::message)
            }
            _ => None,
        };
        let skipped = self.scan_to_header();
        if !std::mem::replace(&mut self.quiet, false) {
            let message = match arc_problem {
                Some(p) => format!("{p}; {skipped} bytes skipped to the next record"),
                None => format!(
                    "{skipped} bytes that are not a WARC record header skipped (they start with {:?})",
                    String::from_utf8_lossy(&sample)
                ),
            };
            self.error(offset, message);
        }
    }

    /// Moves forward (by at least one byte) to the next line that starts a record header,
    /// or to the end. Returns the number of bytes skipped.
    fn scan_to_header(&mut self) -> u64 {
        let from = self.input.pos();
        self.input.consume(1);
        loop {
            let pos = self.input.pos();
            if self.input.is_cut(pos) && self.header_here() {
                break;
            }
            let len = self.input.peek().len();
            if len == 0 {
                break;
            }
            // Never step over a cut: data after one may start a record mid-line.
            let limit = match self.input.cut_within(pos, pos + len as u64 + 1) {
                Some(c) => (c - pos) as usize,
                None => len,
            };
            match memchr::memchr(b'\n', &self.input.buffered()[..limit]) {
                Some(i) => {
                    self.input.consume(i + 1);
                    if self.header_here() {
                        break;
                    }
                }
                None => self.input.consume(limit),
            }
        }
        self.input.pos() - from
    }

    /// Whether a record header starts at the current position.
    fn header_here(&mut self) -> bool {
        match self.kind {
            Some(Kind::Arc) => self.arc_header_here(),
            _ => {
                let n = self.input.ensure(6);
                let b = &self.input.buffered()[..n];
                b.starts_with(b"WARC/") && b.get(5).is_none_or(u8::is_ascii_digit)
            }
        }
    }

    /// Whether an ARC URL-record line starts at the current position.
    fn arc_header_here(&mut self) -> bool {
        let mut want = 256;
        loop {
            let n = self.input.ensure(want);
            let b = &self.input.buffered()[..n];
            if let Some(i) = memchr::memchr(b'\n', b) {
                return is_arc_line(&b[..i]);
            }
            if n < want || want >= 8192 {
                return false;
            }
            want *= 4;
        }
    }

    /// Reads the header block: lines up to the first empty one. The raw bytes are kept
    /// so that they can be put back.
    fn read_header_lines(&mut self, raw: &mut Vec<u8>) -> Result<Vec<Vec<u8>>, String> {
        let mut lines = Vec::new();
        let mut line = Vec::new();
        loop {
            if !self.input.read_line(&mut line, MAX_LINE) {
                raw.extend_from_slice(&line);
                return Err(if line.len() >= MAX_LINE {
                    format!("record header has a line longer than {} KB", MAX_LINE >> 10)
                } else {
                    "record header is truncated (the input ends inside it)".to_string()
                });
            }
            raw.extend_from_slice(&line);
            let text = http::trim_cr(line.strip_suffix(b"\n").unwrap_or(&line));
            if !line.ends_with(b"\n") {
                return Err("record header is truncated (the input ends inside it)".to_string());
            }
            if text.is_empty() {
                return Ok(lines);
            }
            if raw.len() > MAX_HEADER {
                return Err(format!(
                    "record header is longer than {} KB",
                    MAX_HEADER >> 10
                ));
            }
            if (text[0] == b' ' || text[0] == b'\t') && !lines.is_empty() {
                // A continuation line: folded into the previous field.
                if let Some(last) = lines.last_mut() {
                    let last: &mut Vec<u8> = last;
                    last.push(b' ');
                    last.extend_from_slice(text.trim_ascii());
                }
                continue;
            }
            lines.push(text.to_vec());
        }
    }

    fn warc_record(&mut self, start: u64) {
        let offset = self.input.offset_of(start);
        let mut raw = Vec::new();
        let lines = match self.read_header_lines(&mut raw) {
            Ok(l) => l,
            Err(mut message) => {
                let end = self.input.pos();
                if let Some(d) = self.input.take_damage_at(end) {
                    message = format!("{message} ({})", d.message);
                }
                let broken = self.cut_in_record(start, &raw, &[]).unwrap_or(Broken {
                    message,
                    resume_at: None,
                });
                return self.broken(offset, start, &raw, &[], broken);
            }
        };
        let mut h = Header::default();
        for line in lines.iter().skip(1) {
            let Some(colon) = memchr::memchr(b':', line) else {
                continue;
            };
            let name = String::from_utf8_lossy(&line[..colon])
                .trim()
                .to_ascii_lowercase();
            let value = String::from_utf8_lossy(&line[colon + 1..])
                .trim()
                .to_string();
            match name.as_str() {
                "warc-type" => h.warc_type = Some(value.to_ascii_lowercase()),
                "warc-target-uri" => h.url = Some(clean_uri(&value)),
                "warc-date" => h.date = Some(value),
                "content-type" => h.content_type = Some(value),
                "content-length" => {
                    h.length = value.parse().ok();
                    h.length_text = Some(value);
                }
                _ => {}
            }
        }
        let Some(len) = h.length else {
            let message = match &h.length_text {
                Some(t) => format!(
                    "WARC record has a bad Content-Length {t:?}; skipping to the next record"
                ),
                None => {
                    "WARC record has no Content-Length; skipping to the next record".to_string()
                }
            };
            let broken = self.cut_in_record(start, &raw, &[]).unwrap_or(Broken {
                message,
                resume_at: None,
            });
            return self.broken(offset, start, &raw, &[], broken);
        };
        self.record_body(Kind::Warc, offset, start, raw, h, len);
    }

    /// Reads a record's block of `len` bytes and queues the record's item.
    fn record_body(
        &mut self,
        kind: Kind,
        offset: u64,
        start: u64,
        raw: Vec<u8>,
        h: Header,
        len: u64,
    ) {
        let wanted = wants_payload(kind, &h);
        if len > self.max as u64 {
            return self.oversized(kind, offset, start, raw, h, len, wanted);
        }
        let mut block = Vec::with_capacity((len as usize).min(1 << 20));
        let got = self.input.read_into(&mut block, len);
        if let Some(b) = self.cut_in_record(start, &raw, &block) {
            return self.broken(offset, start, &raw, &block, b);
        }
        if got < len {
            let mut message = format!(
                "record is truncated: its Content-Length is {len} but the input ends after {got} bytes of it"
            );
            let end = self.input.pos();
            if let Some(d) = self.input.take_damage_at(end) {
                message = format!("{message} ({})", d.message);
            }
            return self.broken(
                offset,
                start,
                &raw,
                &block,
                Broken {
                    message,
                    resume_at: None,
                },
            );
        }
        if !self.at_record_end(kind) && !self.terminated(kind) {
            // A Content-Length a little short of the record's end (some writers miscount):
            // the next header follows shortly.
            if let Some(gap) = self.next_header_within(kind, SHORT_LENGTH_SLACK) {
                self.input.consume(gap);
                match wanted {
                    Wanted::Skip(reason) => {
                        self.skipped(offset, format!("{reason} (its Content-Length is {gap} bytes short)"))
                    }
                    Wanted::Payload => self.error(
                        offset,
                        format!("record's Content-Length {len} is {gap} bytes short of the next record header"),
                    ),
                }
                return;
            }
            let found = match kind {
                Kind::Warc => find_warc_line(&block),
                Kind::Arc => None,
            };
            let message = match found {
                Some(i) => format!(
                    "Content-Length {len} runs past the end of the record (the next record header starts {i} bytes into it)"
                ),
                None => format!(
                    "no record boundary after the {len} bytes of Content-Length (a wrong length?); skipping to the next record"
                ),
            };
            let resume_at = found.map(|i| start + (raw.len() + i) as u64);
            return self.broken(offset, start, &raw, &block, Broken { message, resume_at });
        }
        match wanted {
            Wanted::Skip(reason) => self.skipped(offset, reason),
            Wanted::Payload => self.payload(kind, offset, h, block),
        }
    }

    /// A record over the size limit: skipped without holding it, an error if it was HTML.
    #[allow(clippy::too_many_arguments)]
    fn oversized(
        &mut self,
        kind: Kind,
        offset: u64,
        start: u64,
        raw: Vec<u8>,
        h: Header,
        len: u64,
        wanted: Wanted,
    ) {
        let mut probe = Vec::new();
        let mut got = self.input.read_into(&mut probe, PROBE.min(len));
        if let Some(b) = self.cut_in_record(start, &raw, &probe) {
            return self.broken(offset, start, &raw, &probe, b);
        }
        let html = matches!(wanted, Wanted::Payload) && probe_is_html(kind, &h, &probe);
        got += self.input.skip(len - got);
        if got < len {
            let message = format!("record is truncated: its Content-Length is {len} but the input ends after {got} bytes of it");
            return self.error(offset, message);
        }
        match wanted {
            Wanted::Skip(reason) => self.skipped(offset, reason),
            Wanted::Payload if html => self.error(
                offset,
                format!(
                    "HTML payload of {len} bytes is larger than the {} MB limit; skipped",
                    self.max >> 20
                ),
            ),
            Wanted::Payload => self.skipped(offset, format!("payload of {len} bytes is not HTML")),
        }
    }

    /// The first damage cut inside the record read so far, as a breakage.
    fn cut_in_record(&mut self, start: u64, _raw: &[u8], _block: &[u8]) -> Option<Broken> {
        let c = self.input.cut_within(start, self.input.pos())?;
        let why = match self.input.take_damage_at(c) {
            Some(d) => d.message,
            None => "the data is cut".to_string(),
        };
        Some(Broken {
            message: format!("record is damaged: {why}"),
            resume_at: Some(c),
        })
    }

    /// Reports a broken record and puts back what follows the point where reading resumes.
    fn broken(&mut self, offset: u64, start: u64, raw: &[u8], block: &[u8], b: Broken) {
        if let Some(at) = b.resume_at {
            let read = raw.len() + block.len();
            let back = (start + read as u64).saturating_sub(at) as usize;
            if at > start && back > 0 && back <= read {
                let keep_raw = back.saturating_sub(block.len());
                let tail_block = &block[block.len() - back.min(block.len())..];
                let mut bytes = Vec::with_capacity(back);
                bytes.extend_from_slice(&raw[raw.len() - keep_raw..]);
                bytes.extend_from_slice(tail_block);
                self.input.unread(&bytes);
            }
        }
        self.quiet = b.resume_at.is_none();
        self.error(offset, b.message);
    }

    /// Whether the block is followed by the record terminator (CRLF CRLF in WARC, LF in
    /// ARC): then the record is sound, and whatever follows is another matter.
    fn terminated(&mut self, kind: Kind) -> bool {
        let n = self.input.ensure(4);
        let b = &self.input.buffered()[..n];
        match kind {
            Kind::Warc => b.starts_with(b"\r\n\r\n") || b.starts_with(b"\n\n"),
            Kind::Arc => b.starts_with(b"\n"),
        }
    }

    /// Distance to the next record header at a line start within `within` bytes.
    fn next_header_within(&mut self, kind: Kind, within: usize) -> Option<usize> {
        if kind != Kind::Warc {
            return None;
        }
        let n = self.input.ensure(within + 6);
        let b = &self.input.buffered()[..n];
        find_warc_line(b)
    }

    /// After a record's block: only padding, then the next record header, the end, or a cut.
    fn at_record_end(&mut self, kind: Kind) -> bool {
        let mut i = 0;
        loop {
            let n = self.input.ensure(i + 1);
            if n <= i {
                return true;
            }
            if self.input.is_cut(self.input.pos() + i as u64) {
                return true;
            }
            let b = self.input.buffered()[i];
            if !is_padding(b) {
                break;
            }
            i += 1;
            if i > MAX_PADDING {
                return true;
            }
        }
        match kind {
            Kind::Warc => {
                let n = self.input.ensure(i + 5);
                self.input.buffered()[i..n].starts_with(b"WARC/")
            }
            Kind::Arc => {
                let n = self.input.ensure(i + 8192);
                let b = &self.input.buffered()[i..n];
                match memchr::memchr(b'\n', b) {
                    Some(j) => is_arc_line(&b[..j]),
                    None => is_arc_line(b),
                }
            }
        }
    }

    fn arc_record(&mut self, start: u64) {
        let offset = self.input.offset_of(start);
        let mut line = Vec::new();
        self.input.read_line(&mut line, MAX_LINE);
        let raw = line.clone();
        let arc = match parse_arc_line(http::trim_cr(line.strip_suffix(b"\n").unwrap_or(&line))) {
            Ok(a) => a,
            Err(e) => {
                self.error(offset, e.message());
                self.input.unread(&raw);
                self.scan_to_header();
                return;
            }
        };
        let warc_type = if arc.url.starts_with("filedesc:") {
            "arc-header"
        } else {
            "response"
        };
        let h = Header {
            warc_type: Some(warc_type.to_string()),
            url: Some(clean_uri(&arc.url)),
            date: Some(arc.date),
            content_type: Some(arc.content_type),
            length: Some(arc.length),
            length_text: None,
        };
        self.record_body(Kind::Arc, offset, start, raw, h, arc.length);
    }

    /// Turns a sound record's block into a page, a skip or an error.
    fn payload(&mut self, kind: Kind, offset: u64, h: Header, block: Vec<u8>) {
        match page_from_block(kind, &h, block, self.max) {
            Ok(Ok((bytes, content_type))) => {
                let page = RawPage {
                    bytes,
                    url: h.url,
                    published: None,
                    crawl_date: h.date,
                    content_type,
                    format: if kind == Kind::Arc {
                        SourceFormat::Arc
                    } else {
                        SourceFormat::Warc
                    },
                    origin: self.origin(offset),
                };
                self.out.push_back(Item::Page(Box::new(page)));
            }
            Ok(Err(reason)) => self.skipped(offset, reason),
            Err(message) => self.error(offset, message),
        }
    }
}

impl Iterator for Records {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(it) = self.out.pop_front() {
                return Some(it);
            }
            if self.done {
                return None;
            }
            self.step();
        }
    }
}

fn is_padding(b: u8) -> bool {
    matches!(b, b'\r' | b'\n' | b' ' | b'\t' | 0)
}

enum Wanted {
    Payload,
    Skip(String),
}

/// Whether a record can hold an article, from its header alone.
fn wants_payload(kind: Kind, h: &Header) -> Wanted {
    match h.warc_type.as_deref() {
        Some("response" | "resource") => Wanted::Payload,
        Some("arc-header") => Wanted::Skip("ARC file header".to_string()),
        Some("revisit") => Wanted::Skip("revisit record (no payload)".to_string()),
        Some(t) => Wanted::Skip(format!("{t} record")),
        None if kind == Kind::Warc => Wanted::Skip("record without WARC-Type".to_string()),
        None => Wanted::Payload,
    }
}

/// The first bytes of an oversized payload: HTML or not.
fn probe_is_html(kind: Kind, h: &Header, probe: &[u8]) -> bool {
    if let Some((head, at)) = http_head(kind, h, probe) {
        return match head.get("content-type") {
            Some(ct) => http::is_html_type(ct),
            None => http::looks_like_html(&probe[at..]),
        };
    }
    match &h.content_type {
        Some(ct) => http::is_html_type(ct),
        None => http::looks_like_html(probe),
    }
}

/// The HTTP head of a block, when the record holds an HTTP message.
fn http_head(kind: Kind, h: &Header, block: &[u8]) -> Option<(http::Head, usize)> {
    let declared_http = match kind {
        Kind::Warc => match &h.content_type {
            Some(ct) => ct.to_ascii_lowercase().starts_with("application/http"),
            None => h.warc_type.as_deref() == Some("response"),
        },
        Kind::Arc => true,
    };
    if declared_http || h.warc_type.as_deref() == Some("response") {
        http::parse_head(block)
    } else {
        None
    }
}

/// Ok(Ok((html bytes, content type))) for an HTML payload, Ok(Err(reason)) for a record
/// that is fine but not an article, Err(message) for one that cannot be read.
#[allow(clippy::type_complexity)]
fn page_from_block(
    kind: Kind,
    h: &Header,
    block: Vec<u8>,
    max: usize,
) -> Result<Result<(Vec<u8>, Option<String>), String>, String> {
    let Some((head, body_at)) = http_head(kind, h, &block) else {
        // No HTTP message: the block is the payload and the record's type is its type.
        if h.warc_type.as_deref() == Some("response") && kind == Kind::Warc {
            let scheme = h
                .url
                .as_deref()
                .and_then(|u| u.split(':').next())
                .unwrap_or("")
                .to_ascii_lowercase();
            if scheme.starts_with("http") {
                let first = &block[..memchr::memchr(b'\n', &block).unwrap_or(block.len()).min(60)];
                return Err(format!(
                    "response record of an HTTP URL does not start with an HTTP status line: {:?}",
                    String::from_utf8_lossy(http::trim_cr(first))
                ));
            }
            return Ok(Err(format!("{scheme} response record (not HTTP)")));
        }
        return Ok(match &h.content_type {
            Some(ct) if http::is_html_type(ct) => Ok((block, Some(ct.clone()))),
            Some(ct) if !is_generic_type(ct) => Err(format!("not HTML ({ct})")),
            _ if http::looks_like_html(&block) => Ok((block, h.content_type.clone())),
            _ => Err("payload is not HTML".to_string()),
        });
    };
    if let Some(s) = head.status {
        if !(200..300).contains(&s) {
            return Ok(Err(format!("HTTP status {s}")));
        }
    }
    let content_type = head.get("content-type").map(str::to_string);
    if let Some(ct) = &content_type {
        if !http::is_html_type(ct) && !is_generic_type(ct) {
            return Ok(Err(format!("not HTML ({ct})")));
        }
    }
    let declared_html = content_type.as_deref().is_some_and(http::is_html_type);
    let mut body = block;
    body.drain(..body_at);
    if body.is_empty() {
        return Ok(Err("empty HTTP body".to_string()));
    }
    if head
        .get("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"))
    {
        match http::dechunk(&body, max) {
            Ok(b) => body = b,
            // Crawlers often store the body de-chunked but keep the header.
            Err(_) if http::looks_like_html(&body) => {}
            Err(e) if declared_html => return Err(e),
            Err(_) => return Ok(Err("payload is not HTML".to_string())),
        }
    }
    if let Some(enc) = head.get("content-encoding") {
        // Stacked encodings ("gzip, br") are undone last first.
        for e in enc.rsplit(',') {
            match http::decode_content(e, &body, max) {
                Ok(Some(b)) => body = b,
                Ok(None) => {}
                // Some crawlers store the decoded body and keep the header.
                Err(_) if http::looks_like_html(&body) => break,
                Err(e) if declared_html => return Err(e),
                Err(_) => return Ok(Err("payload is not HTML".to_string())),
            }
        }
    }
    let is_html = match &content_type {
        Some(ct) if http::is_html_type(ct) => true,
        _ => http::looks_like_html(&body),
    };
    if !is_html {
        return Ok(Err(match &content_type {
            Some(ct) => format!("not HTML ({ct})"),
            None => "no Content-Type and the body is not HTML".to_string(),
        }));
    }
    Ok(Ok((body, content_type)))
}

/// Types that say nothing about the payload: the content is sniffed.
fn is_generic_type(ct: &str) -> bool {
    let ct = ct.to_ascii_lowercase();
    let ct = ct.split(';').next().unwrap_or("").trim();
    matches!(
        ct,
        "" | "application/octet-stream" | "unk" | "unknown" | "no-type" | "alexa/dat"
    )
}

/// A WARC-Target-URI without the angle brackets and spaces some writers put around it.
/// Spaces inside are percent-encoded: some crawlers write them unescaped, and a URL with a
/// space is no URL.
fn clean_uri(v: &str) -> String {
    let v = v.trim();
    let v = v
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(v);
    v.trim().replace(' ', "%20")
}

/// Position of the first `WARC/<digit>` at the start of a line inside `block` (not at 0).
fn find_warc_line(block: &[u8]) -> Option<usize> {
    memchr::memmem::find_iter(block, b"\nWARC/")
        .map(|i| i + 1)
        .find(|&i| block.get(i + 5).is_some_and(u8::is_ascii_digit))
}

#[derive(Debug)]
enum ArcLineError {
    /// The line is no URL-record line.
    NotHeader(String),
    /// It is one, but its length cannot be used.
    BadLength(String),
}

impl ArcLineError {
    fn message(self) -> String {
        match self {
            ArcLineError::NotHeader(m) | ArcLineError::BadLength(m) => m,
        }
    }
}

/// Whether a line is an ARC URL-record line (possibly with an unusable length).
fn is_arc_line(line: &[u8]) -> bool {
    !matches!(parse_arc_line(line), Err(ArcLineError::NotHeader(_)))
}

struct ArcLine {
    url: String,
    date: String,
    content_type: String,
    length: u64,
}

/// Parses an ARC URL-record line: `url ip date content-type length` (v1) or the v2 form
/// `url ip date content-type result-code checksum location offset filename length`.
/// URLs with spaces in them are tolerated: the IP and 14-digit date after the URL anchor
/// the fields.
fn parse_arc_line(line: &[u8]) -> Result<ArcLine, ArcLineError> {
    let text = String::from_utf8_lossy(http::trim_cr(line));
    let bad = || {
        ArcLineError::NotHeader(format!(
            "not an ARC record header (url ip date type length): {:?}",
            cut(&text, 80)
        ))
    };
    let tokens: Vec<&str> = text.split(' ').filter(|t| !t.is_empty()).collect();
    if tokens.len() < 5 {
        return Err(bad());
    }
    let date_at = (2..tokens.len() - 2)
        .find(|&i| is_arc_date(tokens[i]) && is_ip_like(tokens[i - 1]))
        .ok_or_else(bad)?;
    let url = tokens[..date_at - 1].join(" ");
    if !url.contains(':') {
        return Err(bad());
    }
    let length_text = tokens[tokens.len() - 1];
    let length = length_text.parse::<u64>().map_err(|_| {
        ArcLineError::BadLength(format!(
            "ARC record header has a bad length {length_text:?}; skipping to the next record"
        ))
    })?;
    Ok(ArcLine {
        url,
        date: arc_date(tokens[date_at]),
        content_type: tokens[date_at + 1].to_string(),
        length,
    })
}

fn is_arc_date(t: &str) -> bool {
    t.len() >= 8 && t.bytes().all(|b| b.is_ascii_digit())
}

fn is_ip_like(t: &str) -> bool {
    !t.is_empty()
        && t.bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':' || b == b'-')
}

/// `20140216050221` to `2014-02-16T05:02:21Z`; other forms are kept as they are.
fn arc_date(t: &str) -> String {
    if t.len() == 14 {
        format!(
            "{}-{}-{}T{}:{}:{}Z",
            &t[0..4],
            &t[4..6],
            &t[6..8],
            &t[8..10],
            &t[10..12],
            &t[12..14]
        )
    } else {
        t.to_string()
    }
}

fn cut(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arc_lines() {
        let a =
            parse_arc_line(b"http://example.com/a b 93.184.216.119 20140216050221 text/html 1591")
                .unwrap();
        assert_eq!(a.url, "http://example.com/a b");
        assert_eq!(a.date, "2014-02-16T05:02:21Z");
        assert_eq!(a.content_type, "text/html");
        assert_eq!(a.length, 1591);
        assert!(parse_arc_line(
            b"http://example.com/ 93.184.216.119 201404010000000000 text/html abc"
        )
        .is_err());
        assert!(
            parse_arc_line(b"URL IP-address Archive-date Content-type Archive-length").is_err()
        );
        let v2 =
            parse_arc_line(b"http://x.org/ 1.2.3.4 20010101000000 text/html 200 abc - 0 f.arc 12")
                .unwrap();
        assert_eq!(v2.length, 12);
    }

    #[test]
    fn uri_cleaning() {
        assert_eq!(clean_uri(" <http://a/b> "), "http://a/b");
        assert_eq!(clean_uri("http://a/b c"), "http://a/b%20c");
    }
}
