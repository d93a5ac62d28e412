//! The byte stream under the record parser: plain bytes, or gzip members decompressed one
//! after another with the compressed offset of each member remembered, so that a record
//! can be named by the offset of the member it starts in.
//!
//! Damage in the gzip layer (a truncated or corrupt member, bytes that are not gzip between
//! members) never stops the stream: the error is queued with the stream position where the
//! readable data was cut (a "cut"), and decompression resumes at the next gzip member. The
//! record parser asks for the cuts inside a record to tell a damaged record from a sound one.

use std::collections::VecDeque;
use std::io::{BufRead, Read};

use flate2::bufread::GzDecoder;

/// Bytes requested from the inner reader per fill.
const CHUNK: usize = 64 << 10;

/// Compressed bytes of the current member kept for a resync after damage, at most.
const MAX_RECORDING: usize = 16 << 20;

/// A reader that counts what is consumed from it: the position in the compressed file.
/// `front` holds bytes served before `inner`'s: bytes taken ahead of time to look at a
/// gzip magic across `inner`'s buffer boundary, or bytes of a damaged member put back to
/// look for the next member inside them. `recording` keeps the raw bytes of the current
/// member for that.
pub(crate) struct Counting {
    inner: Box<dyn BufRead + Send>,
    pos: u64,
    front: Vec<u8>,
    front_at: usize,
    recording: Option<Vec<u8>>,
    overflowed: bool,
}

impl Counting {
    fn new(inner: Box<dyn BufRead + Send>) -> Counting {
        Counting {
            inner,
            pos: 0,
            front: Vec::new(),
            front_at: 0,
            recording: None,
            overflowed: false,
        }
    }

    fn inner_fill(&mut self) -> std::io::Result<&[u8]> {
        loop {
            match self.inner.fill_buf() {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
                Ok(_) => break,
            }
        }
        self.inner.fill_buf()
    }

    /// Like `fill_buf`, but with at least `n` bytes whenever the input has them.
    fn peek_n(&mut self, n: usize) -> std::io::Result<&[u8]> {
        let have = self.fill_buf()?.len();
        if have < n && have > 0 {
            if self.front_at >= self.front.len() {
                self.front.clear();
                self.front_at = 0;
                let b = self.inner_fill()?.to_vec();
                self.inner.consume(b.len());
                self.front.extend_from_slice(&b);
            }
            while self.front.len() - self.front_at < n {
                let b = self.inner_fill()?;
                if b.is_empty() {
                    break;
                }
                let k = b.len().min(n);
                let taken = b[..k].to_vec();
                self.inner.consume(k);
                self.front.extend_from_slice(&taken);
            }
        }
        self.fill_buf()
    }

    fn start_recording(&mut self) {
        let mut v = self.recording.take().unwrap_or_default();
        v.clear();
        self.recording = Some(v);
        self.overflowed = false;
    }

    fn stop_recording(&mut self) -> Option<Vec<u8>> {
        let rec = self.recording.take();
        if self.overflowed {
            None
        } else {
            rec
        }
    }

    /// Serves `bytes` (which were consumed last) again before anything else.
    fn put_back(&mut self, bytes: &[u8]) {
        let mut v = Vec::with_capacity(bytes.len() + self.front.len() - self.front_at);
        v.extend_from_slice(bytes);
        v.extend_from_slice(&self.front[self.front_at..]);
        self.front = v;
        self.front_at = 0;
        self.pos -= bytes.len() as u64;
    }
}

impl Read for Counting {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Counting {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.front_at < self.front.len() {
            return Ok(&self.front[self.front_at..]);
        }
        self.inner_fill()
    }
    fn consume(&mut self, amt: usize) {
        if self.front_at < self.front.len() {
            let k = amt.min(self.front.len() - self.front_at);
            if let Some(rec) = self.recording.as_mut() {
                if rec.len() + k <= MAX_RECORDING {
                    rec.extend_from_slice(&self.front[self.front_at..self.front_at + k]);
                } else {
                    self.overflowed = true;
                }
            }
            self.front_at += k;
            if self.front_at == self.front.len() {
                self.front.clear();
                self.front_at = 0;
            }
        } else {
            if let Some(rec) = self.recording.as_mut() {
                if rec.len() + amt <= MAX_RECORDING {
                    // The same bytes `fill_buf` returned: BufRead does not refill before consume.
                    if let Ok(b) = self.inner.fill_buf() {
                        rec.extend_from_slice(&b[..amt.min(b.len())]);
                    }
                } else {
                    self.overflowed = true;
                }
            }
            self.inner.consume(amt);
        }
        self.pos += amt as u64;
    }
}

enum Gz {
    /// Between members, at the raw position of the counter.
    Between(Counting),
    /// Inside the member that starts at the given compressed offset.
    In(GzDecoder<Counting>, u64),
    /// Transient, while moving between states.
    Gone,
}

enum Src {
    Plain(Box<dyn BufRead + Send>),
    // Boxed: the decoder state is large and there is one per input.
    Gz(Box<Gz>),
}

/// A problem found below the record layer, at a stream position.
pub(crate) struct Damage {
    /// Stream position where readable data stops (or where the skipped bytes were).
    pub at: u64,
    /// Offset in the file to name in the error.
    pub offset: u64,
    pub message: String,
}

pub(crate) struct Input {
    buf: Vec<u8>,
    start: usize,
    /// Stream position of `buf[start]`.
    pos: u64,
    src: Src,
    eof: bool,
    /// Gzip only: (stream position where a member's data begins, member's compressed offset).
    marks: VecDeque<(u64, u64)>,
    /// Stream positions where data was cut by damage; pruned once read past.
    cuts: VecDeque<u64>,
    /// Damage not yet reported.
    pub damage: VecDeque<Damage>,
    /// Set after damage inside a member: bytes skipped before the next member belong to that
    /// damage and are not reported again.
    resyncing: bool,
}

impl Input {
    pub fn new(reader: Box<dyn BufRead + Send>, gzip: bool) -> Input {
        let src = if gzip {
            Src::Gz(Box::new(Gz::Between(Counting::new(reader))))
        } else {
            Src::Plain(reader)
        };
        Input {
            buf: Vec::with_capacity(CHUNK * 2),
            start: 0,
            pos: 0,
            src,
            eof: false,
            marks: VecDeque::new(),
            cuts: VecDeque::new(),
            damage: VecDeque::new(),
            resyncing: false,
        }
    }

    pub fn is_gzip(&self) -> bool {
        matches!(self.src, Src::Gz(_))
    }

    /// Stream position of the next unread byte.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// Unread bytes held in memory.
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// The file offset that names a record starting at stream position `at` (which must
    /// not be behind the oldest kept mark): the position itself in a plain file, the
    /// offset of the gzip member holding it in a gzipped one.
    pub fn offset_of(&self, at: u64) -> u64 {
        if !self.is_gzip() {
            return at;
        }
        let mut off = 0;
        for &(p, o) in &self.marks {
            if p <= at {
                off = o;
            } else {
                break;
            }
        }
        off
    }

    /// Whether there is a cut at stream position `at`.
    pub fn is_cut(&self, at: u64) -> bool {
        self.cuts.contains(&at)
    }

    /// The first cut strictly inside `(from, to)`.
    pub fn cut_within(&self, from: u64, to: u64) -> Option<u64> {
        self.cuts.iter().copied().find(|&c| c > from && c < to)
    }

    /// Takes the queued damage reported at exactly `at`.
    pub fn take_damage_at(&mut self, at: u64) -> Option<Damage> {
        let i = self.damage.iter().position(|d| d.at == at)?;
        self.damage.remove(i)
    }

    /// Reads more data; false at the end of the input.
    fn fill_more(&mut self) -> bool {
        if self.eof {
            return false;
        }
        if self.start > 0
            && (self.start >= self.buf.len() / 2 || self.buf.len() + CHUNK > self.buf.capacity())
        {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let got = match &mut self.src {
            Src::Plain(r) => loop {
                match r.fill_buf() {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        let at = self.pos + (self.buf.len() - self.start) as u64;
                        self.damage.push_back(Damage {
                            at,
                            offset: at,
                            message: format!("cannot read: {e}"),
                        });
                        break false;
                    }
                    Ok(b) => {
                        let n = b.len();
                        self.buf.extend_from_slice(b);
                        r.consume(n);
                        break n > 0;
                    }
                }
            },
            Src::Gz(_) => self.fill_gz(),
        };
        if !got {
            self.eof = true;
        }
        got
    }

    fn fill_gz(&mut self) -> bool {
        loop {
            let end_pos = self.pos + (self.buf.len() - self.start) as u64;
            let Src::Gz(state) = &mut self.src else {
                return false;
            };
            match std::mem::replace(&mut **state, Gz::Gone) {
                Gz::Gone => return false,
                Gz::Between(mut r) => {
                    let head = match r.peek_n(3) {
                        Ok(h) => h,
                        Err(e) => {
                            let offset = r.pos;
                            self.damage.push_back(Damage {
                                at: end_pos,
                                offset,
                                message: format!("cannot read: {e}"),
                            });
                            self.cuts.push_back(end_pos);
                            return false;
                        }
                    };
                    if head.is_empty() {
                        return false;
                    }
                    if head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b {
                        self.resyncing = false;
                        let off = r.pos;
                        r.start_recording();
                        self.marks.push_back((end_pos, off));
                        **state = Gz::In(GzDecoder::new(r), off);
                        continue;
                    }
                    // Not a gzip member here: skip to the next gzip magic.
                    let from = r.pos;
                    let (skipped, all_padding) = skip_to_magic(&mut r);
                    let resyncing = std::mem::replace(&mut self.resyncing, false);
                    if !resyncing && !all_padding {
                        self.damage.push_back(Damage {
                            at: end_pos,
                            offset: from,
                            message: format!("{skipped} bytes that are not a gzip member skipped"),
                        });
                        self.cuts.push_back(end_pos);
                    }
                    **state = Gz::Between(r);
                }
                Gz::In(mut dec, off) => {
                    let len = self.buf.len();
                    self.buf.resize(len + CHUNK, 0);
                    let res = loop {
                        match dec.read(&mut self.buf[len..]) {
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                            r => break r,
                        }
                    };
                    match res {
                        Ok(0) => {
                            self.buf.truncate(len);
                            let mut r = dec.into_inner();
                            r.stop_recording();
                            **state = Gz::Between(r);
                        }
                        Ok(n) => {
                            self.buf.truncate(len + n);
                            **state = Gz::In(dec, off);
                            return true;
                        }
                        Err(e) => {
                            self.buf.truncate(len);
                            let mut r = dec.into_inner();
                            // The decoder may have read past the damage into the next
                            // members: look for the next member right after this one's start.
                            if let Some(rec) = r.stop_recording() {
                                if rec.len() > 1 {
                                    r.put_back(&rec[1..]);
                                }
                            }
                            if r.pos <= off {
                                // Guarantees progress whatever the decoder consumed.
                                let k = r.fill_buf().map(|b| b.len().min(1)).unwrap_or(0);
                                r.consume(k);
                            }
                            let what = if e.kind() == std::io::ErrorKind::UnexpectedEof {
                                "is truncated".to_string()
                            } else {
                                format!("is damaged ({e})")
                            };
                            self.damage.push_back(Damage {
                                at: end_pos,
                                offset: off,
                                message: format!("gzip member at offset {off} {what}"),
                            });
                            self.cuts.push_back(end_pos);
                            self.resyncing = true;
                            **state = Gz::Between(r);
                        }
                    }
                }
            }
        }
    }

    /// Makes at least `n` bytes available if the input has them; returns how many are.
    pub fn ensure(&mut self, n: usize) -> usize {
        while self.buf.len() - self.start < n {
            if !self.fill_more() {
                break;
            }
        }
        self.buf.len() - self.start
    }

    /// Makes some bytes available; empty at the end.
    pub fn peek(&mut self) -> &[u8] {
        if self.start == self.buf.len() {
            self.fill_more();
        }
        &self.buf[self.start..]
    }

    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.buf.len() - self.start);
        self.start += n;
        self.pos += n as u64;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }

    /// Drops what is kept about stream positions before `at` (called at a record start, as
    /// nothing before it will be read again).
    pub fn forget_before(&mut self, at: u64) {
        while self.marks.len() >= 2 && self.marks[1].0 <= at {
            self.marks.pop_front();
        }
        while self.cuts.front().is_some_and(|&c| c < at) {
            self.cuts.pop_front();
        }
    }

    /// Puts back the last consumed bytes (`bytes` must be exactly them), so that they are
    /// read again from their original stream position.
    pub fn unread(&mut self, bytes: &[u8]) {
        let n = bytes.len().min(self.pos as usize);
        let bytes = &bytes[bytes.len() - n..];
        if self.start >= n {
            self.start -= n;
            self.buf[self.start..self.start + n].copy_from_slice(bytes);
        } else {
            let mut v = Vec::with_capacity(n + self.buf.len() - self.start);
            v.extend_from_slice(bytes);
            v.extend_from_slice(&self.buf[self.start..]);
            self.buf = v;
            self.start = 0;
        }
        self.pos -= n as u64;
    }

    /// Reads one line (through `\n`, or to the end) of at most `max` bytes into `out`,
    /// newline included. Returns false when the line is longer (then `out` holds the
    /// first `max` bytes, which are consumed) or when nothing is left.
    pub fn read_line(&mut self, out: &mut Vec<u8>, max: usize) -> bool {
        out.clear();
        loop {
            let avail = self.peek();
            if avail.is_empty() {
                return !out.is_empty();
            }
            let room = max - out.len();
            let look = &avail[..avail.len().min(room)];
            if let Some(i) = memchr::memchr(b'\n', look) {
                out.extend_from_slice(&look[..=i]);
                self.consume(i + 1);
                return true;
            }
            let n = look.len();
            out.extend_from_slice(look);
            self.consume(n);
            if out.len() >= max {
                return false;
            }
        }
    }

    /// Reads up to `n` bytes into `out` (appending); returns how many were read.
    pub fn read_into(&mut self, out: &mut Vec<u8>, n: u64) -> u64 {
        let mut left = n;
        while left > 0 {
            let avail = self.peek();
            if avail.is_empty() {
                break;
            }
            let k = (avail.len() as u64).min(left) as usize;
            out.extend_from_slice(&avail[..k]);
            self.consume(k);
            left -= k as u64;
        }
        n - left
    }

    /// Skips up to `n` bytes; returns how many were skipped.
    pub fn skip(&mut self, n: u64) -> u64 {
        let mut left = n;
        while left > 0 {
            let avail = self.peek().len();
            if avail == 0 {
                break;
            }
            let k = (avail as u64).min(left) as usize;
            self.consume(k);
            left -= k as u64;
        }
        n - left
    }
}

/// Skips raw bytes up to the next gzip member header (1f 8b 08). Returns the count skipped
/// and whether they were all padding (NUL or whitespace), which some writers leave
/// between members.
fn skip_to_magic(r: &mut Counting) -> (u64, bool) {
    let mut skipped = 0u64;
    let mut padding = true;
    loop {
        let buf = match r.peek_n(3) {
            Ok(b) if !b.is_empty() => b,
            _ => return (skipped, padding),
        };
        if buf.starts_with(&[0x1f, 0x8b, 0x08]) {
            return (skipped, padding);
        }
        // Position 0 is not a member start: the next candidate is the next 1f after it.
        let n = memchr::memchr(0x1f, &buf[1..])
            .map(|i| i + 1)
            .unwrap_or(buf.len());
        padding &= buf[..n].iter().all(|b| *b == 0 || b.is_ascii_whitespace());
        r.consume(n);
        skipped += n as u64;
    }
}
