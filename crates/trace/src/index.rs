//! A persistent fingerprint index on disk (embedded, no server) for tracing articles one
//! at a time as they arrive, with the same stages as the batch run.
//!
//! Layout of the index directory:
//! - `articles.jsonl`: the indexed articles, one JSON line each, appended;
//! - `offsets.bin`: the byte offset of each article's line (u64 LE);
//! - `times.bin`: each article's publication time (i64 LE seconds; `i64::MAX` undated),
//!   so that a lookup keeps the earliest holders of a text without reading them;
//! - `fingerprints.bin`: `(hash u64 LE, article u32 LE)` records, appended (the log);
//! - `run-<start>-<end>.bin`: the log records `start..end` sorted by (hash, article), same
//!   record format. The manifest lists the runs; they cover a prefix of the log, one after
//!   the other, and the rest of the log (the unsorted tail, kept small) is scanned;
//! - `manifest.json`: how many articles, bytes and records are complete, and the runs. It
//!   is replaced atomically (write then rename) after the data files are synced, so an
//!   interrupted `add` leaves the index readable at the last manifest: readers ignore
//!   anything past it and any run it does not list, and the next `add` cuts the log off,
//!   removes unlisted runs and adds what is missing (by id), nothing twice.
//!
//! Lookup binary-searches each run through a memory map and scans the tail, so its cost
//! grows with the number of runs (logarithmic in the index size: adjacent runs of similar
//! size are merged), not with the index size.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use copydesk_model::Article;
use serde::{Deserialize, Serialize};

use crate::{group, token, Config, PassageRecord};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub version: u32,
    pub articles: u64,
    pub article_bytes: u64,
    pub fingerprints: u64,
    pub ngram: usize,
    pub sample: u64,
    /// Sorted runs, in log order: run `i` covers the log records right after run `i - 1`.
    /// Absent in indexes written before runs existed (then the whole log is the tail).
    #[serde(default)]
    pub runs: Vec<Run>,
}

/// A file of log records `start..start + records`, sorted by (hash, article).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Run {
    pub file: String,
    pub start: u64,
    pub records: u64,
}

impl Manifest {
    /// Log records covered by runs; the rest of the log is the unsorted tail.
    pub fn sorted(&self) -> u64 {
        self.runs.iter().map(|r| r.records).sum()
    }
}

const REC: usize = 12;

/// Run sizes for [`add_with`]; [`add`] uses the defaults.
#[derive(Debug, Clone, Copy)]
pub struct RunSizes {
    /// Records sorted in memory at once (the default, 4 Mi, is 64 MB as `(u64, u32)`).
    pub chunk: usize,
    /// A tail at least this long becomes a run at the end of `add`; shorter ones stay in
    /// the log and are scanned (the default, 64 Ki records, is 768 KB: well under a
    /// millisecond from the page cache).
    pub tail_max: usize,
}

impl Default for RunSizes {
    fn default() -> Self {
        RunSizes {
            chunk: 1 << 22,
            tail_max: 1 << 16,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AddReport {
    pub added: u64,
    /// Articles whose id the index already holds (a re-run after an interruption).
    pub already_indexed: u64,
    pub total: u64,
}

fn io_err(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg)
}

/// Reads the manifest (an empty index when there is none).
pub fn manifest(dir: &Path) -> std::io::Result<Manifest> {
    match std::fs::read(dir.join("manifest.json")) {
        Ok(b) => serde_json::from_slice(&b)
            .map_err(|e| io_err(format!("{}: bad manifest: {e}", dir.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

fn run_name(start: u64, end: u64) -> String {
    format!("run-{start:012}-{end:012}.bin")
}

fn rec_at(b: &[u8], i: usize) -> (u64, u32) {
    let r = &b[i * REC..(i + 1) * REC];
    let mut h = [0u8; 8];
    h.copy_from_slice(&r[..8]);
    let mut d = [0u8; 4];
    d.copy_from_slice(&r[8..]);
    (u64::from_le_bytes(h), u32::from_le_bytes(d))
}

/// Writes sorted records to `dir/name` durably (temporary file, sync, rename).
fn write_run<I: Iterator<Item = (u64, u32)>>(
    dir: &Path,
    name: &str,
    recs: I,
) -> std::io::Result<()> {
    let tmp = dir.join(format!("{name}.tmp"));
    let f = File::create(&tmp)?;
    {
        let mut w = BufWriter::with_capacity(1 << 20, &f);
        for (h, d) in recs {
            w.write_all(&h.to_le_bytes())?;
            w.write_all(&d.to_le_bytes())?;
        }
        w.flush()?;
    }
    f.sync_all()?;
    std::fs::rename(&tmp, dir.join(name))
}

/// A run's records, memory-mapped after checking its length against the manifest.
fn map_run(dir: &Path, r: &Run) -> std::io::Result<memmap2::Mmap> {
    let path = dir.join(&r.file);
    let f = File::open(&path)?;
    let len = f.metadata()?.len();
    if len != r.records * REC as u64 {
        return Err(io_err(format!(
            "{}: {len} bytes, the manifest says {} records",
            path.display(),
            r.records
        )));
    }
    // SAFETY: run files are written once (temporary file, then rename) and never modified
    // in place; a reader only maps the runs its manifest lists.
    unsafe { memmap2::Mmap::map(&f) }
}

/// Sorts `buf` (log records from `start`) into a new run, then merges the last runs
/// while the newest is more than half the size of the one before (much like a binary
/// counter): each run is then over twice the next, so there are O(log n) runs, and each
/// record is rewritten O(log n) times.
fn push_run(
    dir: &Path,
    m: &mut Manifest,
    buf: &mut Vec<(u64, u32)>,
    written: &mut Vec<String>,
) -> std::io::Result<()> {
    if buf.is_empty() {
        return Ok(());
    }
    let start = m.sorted();
    let end = start + buf.len() as u64;
    buf.sort_unstable();
    let name = run_name(start, end);
    write_run(dir, &name, buf.drain(..))?;
    written.push(name.clone());
    m.runs.push(Run {
        file: name,
        start,
        records: end - start,
    });
    while m.runs.len() >= 2 {
        let n = m.runs.len();
        if m.runs[n - 1].records * 2 <= m.runs[n - 2].records {
            break;
        }
        let (a, b) = (m.runs[n - 2].clone(), m.runs[n - 1].clone());
        let (ma, mb) = (map_run(dir, &a)?, map_run(dir, &b)?);
        let (na, nb) = (a.records as usize, b.records as usize);
        let (mut i, mut j) = (0usize, 0usize);
        let merged = std::iter::from_fn(|| {
            let x = (i < na).then(|| rec_at(&ma, i));
            let y = (j < nb).then(|| rec_at(&mb, j));
            match (x, y) {
                (Some(x), Some(y)) if x <= y => {
                    i += 1;
                    Some(x)
                }
                (_, Some(y)) => {
                    j += 1;
                    Some(y)
                }
                (Some(x), None) => {
                    i += 1;
                    Some(x)
                }
                (None, None) => None,
            }
        });
        let name = run_name(a.start, b.start + b.records);
        write_run(dir, &name, merged)?;
        written.push(name.clone());
        m.runs.truncate(n - 2);
        m.runs.push(Run {
            file: name,
            start: a.start,
            records: a.records + b.records,
        });
    }
    Ok(())
}

/// Removes run files (and their temporary files) that `m` does not list: leftovers of an
/// interrupted `add`, or runs merged away.
fn remove_unlisted_runs(dir: &Path, m: &Manifest) -> std::io::Result<()> {
    let listed: HashSet<&str> = m.runs.iter().map(|r| r.file.as_str()).collect();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with("run-") && !listed.contains(name) {
            std::fs::remove_file(e.path())?;
        }
    }
    Ok(())
}

/// Reads log records `from..to` of `fingerprints.bin`.
fn read_log(path: &PathBuf, from: u64, to: u64) -> std::io::Result<Vec<(u64, u32)>> {
    let f = File::open(path)?;
    let mut bytes = vec![0u8; ((to - from) as usize) * REC];
    f.read_exact_at(&mut bytes, from * REC as u64)
        .map_err(|e| io_err(format!("{}: records {from}..{to}: {e}", path.display())))?;
    Ok((0..(to - from) as usize)
        .map(|i| rec_at(&bytes, i))
        .collect())
}

/// Adds articles to the index at `dir` (created if missing).
pub fn add(dir: &Path, articles: &[Article], cfg: &Config) -> std::io::Result<AddReport> {
    add_with(dir, articles, cfg, RunSizes::default())
}

/// [`add`] with chosen run sizes (small ones exercise many runs on a small corpus).
pub fn add_with(
    dir: &Path,
    articles: &[Article],
    cfg: &Config,
    sizes: RunSizes,
) -> std::io::Result<AddReport> {
    std::fs::create_dir_all(dir)?;
    let mut m = manifest(dir)?;
    if m.version == 0 {
        m = Manifest {
            version: 1,
            ngram: cfg.ngram,
            sample: cfg.sample,
            ..Manifest::default()
        };
    } else if m.ngram != cfg.ngram || m.sample != cfg.sample {
        return Err(io_err(format!(
            "{}: index built with ngram {} sample {}, not {} {}",
            dir.display(),
            m.ngram,
            m.sample,
            cfg.ngram,
            cfg.sample
        )));
    }
    if m.sorted() > m.fingerprints {
        return Err(io_err(format!(
            "{}: the manifest's runs cover {} records of {}",
            dir.display(),
            m.sorted(),
            m.fingerprints
        )));
    }
    let old_runs = m.runs.clone();
    remove_unlisted_runs(dir, &m)?;
    let open = |name: &str, len: u64| -> std::io::Result<File> {
        let f = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(false)
            .open(dir.join(name))?;
        // Cut off whatever an interrupted run wrote past the manifest.
        f.set_len(len)?;
        Ok(f)
    };
    let mut art_f = open("articles.jsonl", m.article_bytes)?;
    let mut off_f = open("offsets.bin", m.articles * 8)?;
    let mut time_f = open("times.bin", m.articles * 8)?;
    let mut fp_f = open("fingerprints.bin", m.fingerprints * REC as u64)?;
    // The unsorted tail so far: it goes into the next run together with the new records.
    let mut buf = read_log(&dir.join("fingerprints.bin"), m.sorted(), m.fingerprints)?;
    let mut written = Vec::new();
    let mut ids = HashSet::new();
    art_f.seek(SeekFrom::Start(0))?;
    for line in BufReader::new(&art_f).lines() {
        let line = line?;
        if let Ok(x) = serde_json::from_str::<IdOnly>(&line) {
            ids.insert(x.id);
        }
    }
    art_f.seek(SeekFrom::End(0))?;
    off_f.seek(SeekFrom::End(0))?;
    time_f.seek(SeekFrom::End(0))?;
    fp_f.seek(SeekFrom::End(0))?;
    let mut report = AddReport::default();
    {
        let mut aw = BufWriter::new(&art_f);
        let mut ow = BufWriter::new(&off_f);
        let mut tw = BufWriter::new(&time_f);
        let mut fw = BufWriter::new(&fp_f);
        for a in articles {
            if !ids.insert(a.id.clone()) {
                report.already_indexed += 1;
                continue;
            }
            let line = serde_json::to_string(a).map_err(|e| io_err(e.to_string()))?;
            ow.write_all(&m.article_bytes.to_le_bytes())?;
            let t = a
                .published
                .as_deref()
                .and_then(copydesk_model::time::parse_instant)
                .map(|t| t.timestamp())
                .unwrap_or(i64::MAX);
            tw.write_all(&t.to_le_bytes())?;
            aw.write_all(line.as_bytes())?;
            aw.write_all(b"\n")?;
            m.article_bytes += line.len() as u64 + 1;
            let doc = m.articles as u32;
            let fps = group::fingerprints(&token::tokenize(&a.text).toks, m.ngram, m.sample);
            for h in &fps {
                fw.write_all(&h.to_le_bytes())?;
                fw.write_all(&doc.to_le_bytes())?;
                buf.push((*h, doc));
            }
            m.fingerprints += fps.len() as u64;
            m.articles += 1;
            report.added += 1;
            if buf.len() >= sizes.chunk.max(1) {
                push_run(dir, &mut m, &mut buf, &mut written)?;
            }
        }
        aw.flush()?;
        ow.flush()?;
        tw.flush()?;
        fw.flush()?;
    }
    if buf.len() >= sizes.tail_max {
        push_run(dir, &mut m, &mut buf, &mut written)?;
    }
    art_f.sync_all()?;
    off_f.sync_all()?;
    time_f.sync_all()?;
    fp_f.sync_all()?;
    let tmp = dir.join("manifest.json.tmp");
    std::fs::write(
        &tmp,
        serde_json::to_vec_pretty(&m).map_err(|e| io_err(e.to_string()))?,
    )?;
    std::fs::rename(&tmp, dir.join("manifest.json"))?;
    // Only now may runs the old manifest listed go: a reader of it may still need them.
    if m.runs != old_runs || !written.is_empty() {
        remove_unlisted_runs(dir, &m)?;
    }
    report.total = m.articles;
    Ok(report)
}

/// An article the index holds that shares fingerprints with a query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub id: String,
    /// Sampled fingerprints it shares with the query (counted as the batch grouping pairs
    /// them: see [`Index::candidates_with`]).
    pub shared: u32,
    /// Publication time (Unix seconds), `None` when undated.
    pub published: Option<i64>,
}

/// An open index: the manifest read once, the runs mapped once, the unsorted tail sorted
/// in memory, article offsets and times loaded. Lookups through it re-open nothing.
///
/// A handle sees the index as it was when opened (or last refreshed): articles another
/// process adds later are seen after [`Index::refresh`].
pub struct Index {
    dir: PathBuf,
    manifest: Manifest,
    runs: Vec<memmap2::Mmap>,
    /// The log records past the runs, sorted by (hash, article).
    tail: Vec<(u64, u32)>,
    /// Byte offset of each article's line, then the end of the last one.
    offsets: Vec<u64>,
    times: Vec<i64>,
    articles: File,
    /// The earliest holders of very common hashes, filled by lookups.
    common: std::sync::RwLock<std::collections::HashMap<u64, std::sync::Arc<[u32]>>>,
}

/// Where the holders of one hash lie: `(run, begin, end)` record ranges and a tail range.
#[derive(Default)]
struct Holders {
    runs: Vec<(usize, usize, usize)>,
    tail: (usize, usize),
    total: usize,
}

/// Query regions: stretches of this many tokens (about a paragraph).
const REGION_TOKENS: usize = 64;

/// The most sharing earlier candidates of each region kept beyond `max_sources`.
const REGION_TOP: usize = 2;

/// The `k` articles counted most often in each region of `seen` (`(region, article)`
/// counts), ties to the earliest; `time` gives an article's time when it may be chosen.
fn region_tops(seen: &mut [(u32, u32)], k: usize, time: impl Fn(u32) -> Option<i64>) -> Vec<(u32, u32)> {
    seen.sort_unstable();
    let mut out = Vec::new();
    let mut best: Vec<(u32, i64, u32)> = Vec::new();
    let mut i = 0;
    while i < seen.len() {
        let region = seen[i].0;
        best.clear();
        while i < seen.len() && seen[i].0 == region {
            let d = seen[i].1;
            let mut j = i + 1;
            while j < seen.len() && seen[j] == seen[i] {
                j += 1;
            }
            if let Some(t) = time(d) {
                best.push(((j - i) as u32, t, d));
            }
            i = j;
        }
        best.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        out.extend(best.iter().take(k).map(|x| (region, x.2)));
    }
    out
}

/// Earliest well-sharing candidates kept beyond `max_sources` (as the batch run keeps).
const EARLY_EXTRA: usize = 8;

/// [`Index::holders`] leaves out hashes held by more articles than this (or its cap).
const COMMON_HOLDERS: usize = 1000;

fn read_u64s(path: &Path, n: u64) -> std::io::Result<Vec<u64>> {
    let f = File::open(path)?;
    let mut b = vec![0u8; n as usize * 8];
    f.read_exact_at(&mut b, 0)
        .map_err(|e| io_err(format!("{}: {n} entries: {e}", path.display())))?;
    Ok(b.chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect())
}

impl Index {
    /// Opens the index at `dir`; an error when there is none.
    pub fn open(dir: &Path) -> std::io::Result<Index> {
        let m = manifest(dir)?;
        if m.version == 0 {
            return Err(io_err(format!(
                "{}: no index here (run `copydesk index add` first)",
                dir.display()
            )));
        }
        let sorted = m.sorted();
        if sorted > m.fingerprints {
            return Err(io_err(format!(
                "{}: the manifest's runs cover {sorted} records of {}",
                dir.display(),
                m.fingerprints
            )));
        }
        let runs = m
            .runs
            .iter()
            .map(|r| map_run(dir, r))
            .collect::<std::io::Result<Vec<_>>>()?;
        let mut tail = read_log(&dir.join("fingerprints.bin"), sorted, m.fingerprints)?;
        tail.sort_unstable();
        let mut offsets = read_u64s(&dir.join("offsets.bin"), m.articles)?;
        if let Some(&o) = offsets.iter().find(|&&o| o >= m.article_bytes) {
            return Err(io_err(format!(
                "{}: an article offset ({o}) past the manifest's {} bytes",
                dir.display(),
                m.article_bytes
            )));
        }
        if offsets.windows(2).any(|w| w[0] >= w[1]) {
            return Err(io_err(format!(
                "{}: article offsets out of order",
                dir.display()
            )));
        }
        offsets.push(m.article_bytes);
        let times = read_u64s(&dir.join("times.bin"), m.articles)?
            .into_iter()
            .map(|t| t as i64)
            .collect();
        let articles = File::open(dir.join("articles.jsonl"))?;
        Ok(Index {
            dir: dir.to_path_buf(),
            manifest: m,
            runs,
            tail,
            offsets,
            times,
            articles,
            common: Default::default(),
        })
    }

    /// Opens the index at `dir`, creating an empty one (for `cfg`'s fingerprints) if
    /// there is none.
    pub fn open_or_create(dir: &Path, cfg: &Config) -> std::io::Result<Index> {
        if manifest(dir)?.version == 0 {
            add(dir, &[], cfg)?;
        }
        Index::open(dir)
    }

    /// Re-reads the index when its manifest changed since this handle was opened.
    pub fn refresh(&mut self) -> std::io::Result<()> {
        if manifest(&self.dir)? != self.manifest {
            *self = Index::open(&self.dir)?;
        }
        Ok(())
    }

    /// Adds articles (as [`add`]) and refreshes the handle.
    pub fn add(&mut self, articles: &[Article], cfg: &Config) -> std::io::Result<AddReport> {
        let r = add(&self.dir, articles, cfg)?;
        self.refresh()?;
        Ok(r)
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Indexed articles.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    fn line(&self, i: u32) -> std::io::Result<Vec<u8>> {
        let (a, b) = (self.offsets[i as usize], self.offsets[i as usize + 1]);
        let mut buf = vec![0u8; (b - a) as usize];
        self.articles.read_exact_at(&mut buf, a).map_err(|e| {
            io_err(format!(
                "{}: article {i} at byte {a}: {e}",
                self.dir.display()
            ))
        })?;
        Ok(buf)
    }

    fn parse<'de, T: Deserialize<'de>>(&self, i: u32, line: &'de [u8]) -> std::io::Result<T> {
        serde_json::from_slice(line).map_err(|e| {
            io_err(format!(
                "{}: article {i} at byte {}: {e}",
                self.dir.display(),
                self.offsets[i as usize]
            ))
        })
    }

    /// Reads indexed article `i`.
    fn article(&self, i: u32) -> std::io::Result<Article> {
        let line = self.line(i)?;
        self.parse(i, &line)
    }

    /// Publication time of article `d` (`i64::MAX` when undated).
    fn time(&self, d: u32) -> i64 {
        self.times.get(d as usize).copied().unwrap_or(i64::MAX)
    }

    /// The query's fingerprints, sorted and distinct, each with the region of the text
    /// (a stretch of [`REGION_TOKENS`] tokens) where it first occurs.
    fn fingerprints(&self, article: &Article) -> (Vec<u64>, Vec<u32>) {
        let toks = token::tokenize(&article.text).toks;
        let (n, sample) = (self.manifest.ngram, self.manifest.sample);
        if n == 0 || toks.len() < n {
            return (Vec::new(), Vec::new());
        }
        let mut v: Vec<(u64, u32)> = toks
            .windows(n)
            .enumerate()
            .map(|(i, w)| (group::ngram_hash(w), (i / REGION_TOKENS) as u32))
            .filter(|(h, _)| sample <= 1 || h % sample == 0)
            .collect();
        v.sort_unstable();
        v.dedup_by_key(|x| x.0);
        v.into_iter().unzip()
    }

    /// The id of indexed article `d`, read by its line's exact byte range.
    fn id(&self, d: u32) -> std::io::Result<String> {
        let line = self.line(d)?;
        let x: IdOnly = self.parse(d, &line)?;
        Ok(x.id)
    }

    /// Calls `f(i, holders)` for each hash `q[i]` (sorted, distinct) held anywhere, as
    /// ranges: a binary search per hash in each run (each search starting where the last
    /// ended) and in the sorted tail. Counting a hash's holders costs no more than finding
    /// it, so a very common n-gram need not be read holder by holder.
    fn each_holders(&self, q: &[u64], mut f: impl FnMut(usize, &Holders)) {
        let mut cursors = vec![0usize; self.runs.len()];
        let mut tail_lo = 0usize;
        let mut r = Holders::default();
        for (i, &h) in q.iter().enumerate() {
            r.runs.clear();
            r.total = 0;
            for (k, map) in self.runs.iter().enumerate() {
                let n = map.len() / REC;
                let lo = &mut cursors[k];
                *lo += partition(n - *lo, |i| rec_at(map, *lo + i).0 < h);
                let hi = *lo + partition(n - *lo, |i| rec_at(map, *lo + i).0 <= h);
                if hi > *lo {
                    r.runs.push((k, *lo, hi));
                    r.total += hi - *lo;
                }
                *lo = hi;
            }
            tail_lo += self.tail[tail_lo..].partition_point(|x| x.0 < h);
            let tail_hi = tail_lo + self.tail[tail_lo..].partition_point(|x| x.0 <= h);
            r.tail = (tail_lo, tail_hi);
            r.total += tail_hi - tail_lo;
            tail_lo = tail_hi;
            if r.total > 0 {
                f(i, &r);
            }
        }
    }

    /// Appends every holder in `r` to `out`.
    fn holders_in(&self, r: &Holders, out: &mut Vec<u32>) {
        for &(k, lo, hi) in &r.runs {
            out.extend((lo..hi).map(|i| rec_at(&self.runs[k], i).1));
        }
        out.extend(self.tail[r.tail.0..r.tail.1].iter().map(|x| x.1));
    }

    /// The `k` earliest holders of hash `h` (by time, then article), read once per handle:
    /// a phrase held by thousands of articles is met by most lookups.
    fn earliest_holders(&self, h: u64, r: &Holders, k: usize) -> std::sync::Arc<[u32]> {
        if let Some(v) = self.common.read().unwrap_or_else(|p| p.into_inner()).get(&h) {
            return v.clone();
        }
        let mut all = Vec::with_capacity(r.total);
        self.holders_in(r, &mut all);
        let mut timed: Vec<(i64, u32)> = all.iter().map(|&d| (self.time(d), d)).collect();
        let mut out = Vec::with_capacity(k);
        take_least(&mut timed, k, &mut out);
        out.sort_unstable();
        let v: std::sync::Arc<[u32]> = out.into();
        self.common
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(h, v.clone());
        v
    }

    /// Indexed articles sharing at least `cfg.min_shared` fingerprints with `article`, as
    /// `(time, article, shared)`: first the earlier ones (the `cfg.max_sources` most
    /// shared, then a few of the earliest well-sharing rest and the best of each region of
    /// the query), then
    /// the later ones (dated later, or undated: `later_dated` false keeps only undated
    /// ones), most shared first, at most `later` plus one (the query itself may be among
    /// them).
    fn pick(&self, article: &Article, cfg: &Config, later: usize, later_dated: bool) -> (Vec<(i64, u32, u32)>, usize) {
        if self.is_empty() {
            return (Vec::new(), 0);
        }
        let t0 = article
            .published
            .as_deref()
            .and_then(copydesk_model::time::parse_instant)
            .map(|t| t.timestamp())
            .unwrap_or(i64::MAX);
        let g = &cfg.group;
        // A fingerprint held by many articles counts the way the batch grouping pairs it:
        // for every holder when they are few, else for the earliest holders and the
        // nearest ones before and after the query's time. A phrase common to a big family
        // then does not crowd out a source that shares a paragraph nobody else has.
        // A count per article rather than a hash map: common n-grams have long holder
        // lists, and hashing every one was a tenth of the lookup time at 100k articles.
        let mut shared = vec![0u32; self.len()];
        let mut timed: Vec<(i64, u32)> = Vec::new();
        let mut picked: Vec<u32> = Vec::new();
        let mut holders: Vec<u32> = Vec::new();
        let (q, regions) = self.fingerprints(article);
        // (region, article) of the counts that point at a region's source: every holder of
        // a rare n-gram, the earliest holders of a commoner one (its nearest holders in time
        // are siblings, and a phrase in over a thousand articles marks no source).
        let mut seen: Vec<(u32, u32)> = Vec::new();
        let mut early: Vec<u32> = Vec::new();
        self.each_holders(&q, |i, r| {
            let region = regions[i];
            let mut count = |d: u32, evidence: bool| {
                if let Some(c) = shared.get_mut(d as usize) {
                    *c += 1;
                    if evidence {
                        seen.push((region, d));
                    }
                }
            };
            if r.total > g.nearest_up_to {
                // Held by so many that only the earliest holders count (whatever the
                // query's time: they come before the rest), as in the batch grouping.
                self.earliest_holders(q[i], r, g.earliest).iter().for_each(|&d| count(d, false));
                return;
            }
            holders.clear();
            self.holders_in(r, &mut holders);
            if holders.len() <= g.full_pairs_up_to {
                holders.iter().for_each(|&d| count(d, true));
                return;
            }
            timed.clear();
            timed.extend(holders.iter().map(|&d| (self.time(d), d)));
            picked.clear();
            early.clear();
            // Linear selections, not a sort.
            let split = partition_in_place(&mut timed, |x| x.0 < t0);
            let (before, after) = timed.split_at_mut(split);
            let nb = before.len();
            take_least(before, g.earliest, &mut early);
            if nb < g.earliest {
                take_least(after, g.earliest - nb, &mut early);
            }
            take_most(before, g.nearest, &mut picked);
            take_least(after, g.nearest, &mut picked);
            early.sort_unstable();
            picked.sort_unstable();
            picked.dedup();
            early.iter().for_each(|&d| count(d, true));
            picked
                .iter()
                .filter(|d| early.binary_search(d).is_err())
                .for_each(|&d| count(d, false));
        });
        let (mut earlier, mut later_v): (Vec<(i64, u32, u32)>, Vec<(i64, u32, u32)>) = shared
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c >= cfg.min_shared)
            .map(|(d, &c)| (self.time(d as u32), d as u32, c))
            .filter(|&(t, _, _)| later_dated || t < t0 || t == i64::MAX)
            .partition(|&(t, _, _)| t < t0 && t != i64::MAX);
        let most_shared = |a: &(i64, u32, u32), b: &(i64, u32, u32)| {
            b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1))
        };
        let cap = cfg.max_sources.max(1);
        earlier.sort_by(most_shared);
        if earlier.len() > cap {
            // The batch run's rule: the most shared, and (in a big family every copy
            // shares as much as the original) the earliest few of the well-sharing rest.
            // All the most-shared places matter: an article stitched from several stories
            // has a source for each, and a lone source of one paragraph shares less than
            // the copies of a long one.
            let top = earlier[0].2;
            let mut early: Vec<(i64, u32, u32)> =
                earlier[cap..].iter().filter(|x| x.2 * 2 >= top).copied().collect();
            early.sort_unstable();
            earlier.truncate(cap);
            earlier.extend(early.into_iter().take(EARLY_EXTRA));
            // Every part of the query keeps its own best sources: the copies of a long
            // story share more than the lone source of one paragraph stitched beside it.
            let mut kept: std::collections::HashSet<u32> = earlier.iter().map(|x| x.1).collect();
            for (_, d) in region_tops(&mut seen, REGION_TOP, |d| {
                let t = self.time(d);
                (t < t0 && t != i64::MAX && shared[d as usize] >= cfg.min_shared).then_some(t)
            }) {
                if kept.insert(d) {
                    earlier.push((self.time(d), d, shared[d as usize]));
                }
            }
        }
        later_v.sort_by(most_shared);
        later_v.truncate(later.saturating_add(1));
        let n = earlier.len();
        earlier.extend(later_v);
        (earlier, n)
    }

    /// Indexed articles sharing fingerprints with `article` (itself, by id, left out), in
    /// both time directions: the earlier ones it may have copied and the later or undated
    /// ones that may have copied it. Bounded, so that a family of thousands of copies costs
    /// no more than a small one: at most `cfg.max_sources` earlier ones and `later` later
    /// ones. Each side most shared first (a big family's earliest holders kept).
    pub fn candidates_with(&self, article: &Article, cfg: &Config, later: usize) -> std::io::Result<Vec<Candidate>> {
        self.candidates_picked(article, cfg, later, true)
    }

    /// The candidates that can be sources of `article`: the earlier ones, and up to
    /// `cfg.max_sources / 4` undated ones (a source with no direction claimed).
    pub fn source_candidates_of(&self, article: &Article, cfg: &Config) -> std::io::Result<Vec<Candidate>> {
        self.candidates_picked(article, cfg, cfg.max_sources / 4, false)
    }

    fn candidates_picked(&self, article: &Article, cfg: &Config, later: usize, later_dated: bool) -> std::io::Result<Vec<Candidate>> {
        let (v, n_earlier) = self.pick(article, cfg, later, later_dated);
        let mut out = Vec::with_capacity(v.len());
        for (k, (t, d, c)) in v.into_iter().enumerate() {
            if k >= n_earlier && out.len() >= n_earlier + later {
                break;
            }
            // The query itself, when indexed, shares everything: read and skipped here
            // rather than taking a place.
            let id = self.id(d)?;
            if id != article.id {
                out.push(Candidate { id, shared: c, published: (t != i64::MAX).then_some(t) });
            }
        }
        Ok(out)
    }

    /// [`Index::candidates_with`] with `cfg.max_sources` on each side.
    pub fn candidates(&self, article: &Article, cfg: &Config) -> std::io::Result<Vec<Candidate>> {
        self.candidates_with(article, cfg, cfg.max_sources)
    }

    /// Indexed articles published at or after `after` (or undated), each holding at least
    /// `min_shared` of `fingerprints`, most shared first, at most `cap`. Every holder
    /// counts: this finds the copies of a text, however many, up to the cap.
    pub fn holders(
        &self,
        fingerprints: &HashSet<u64>,
        after: i64,
        min_shared: u32,
        cap: usize,
    ) -> std::io::Result<Vec<Candidate>> {
        if self.is_empty() || fingerprints.is_empty() {
            return Ok(Vec::new());
        }
        let mut q: Vec<u64> = fingerprints.iter().copied().collect();
        q.sort_unstable();
        let mut shared = vec![0u32; self.len()];
        let mut holders: Vec<u32> = Vec::new();
        self.each_holders(&q, |_, r| {
            // A phrase in more articles than the cap is no mark of one text's copies
            // (and would make every look-up read thousands of holders).
            if r.total > cap.max(COMMON_HOLDERS) {
                return;
            }
            holders.clear();
            self.holders_in(r, &mut holders);
            for &d in &holders {
                if let Some(c) = shared.get_mut(d as usize) {
                    *c += 1;
                }
            }
        });
        let mut v: Vec<(u32, i64, u32)> = shared
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c >= min_shared)
            .map(|(d, &c)| (c, self.time(d as u32), d as u32))
            .filter(|&(_, t, _)| t >= after)
            .collect();
        v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        v.truncate(cap);
        v.into_iter()
            .map(|(c, t, d)| {
                Ok(Candidate { id: self.id(d)?, shared: c, published: (t != i64::MAX).then_some(t) })
            })
            .collect()
    }

    /// The candidates [`Index::sources`] aligns: the earlier ones and some undated ones
    /// (whose direction is unknown); later dated articles cannot be its sources.
    fn source_candidates(&self, article: &Article, cfg: &Config) -> Vec<u32> {
        let (v, _) = self.pick(article, cfg, cfg.max_sources / 4, false);
        v.into_iter().map(|x| x.1).collect()
    }

    /// Traces one article against the index: its passages, each naming the earliest
    /// indexed article holding the text (the stages of [`crate::trace`] on the article
    /// and its candidates, aligning only the article with each: [`crate::trace_one`]).
    pub fn sources(&self, article: &Article, cfg: &Config) -> std::io::Result<Vec<PassageRecord>> {
        let mut arts = Vec::new();
        for d in self.source_candidates(article, cfg) {
            let a = self.article(d)?;
            if a.id != article.id {
                arts.push(a);
            }
        }
        arts.push(article.clone());
        tracing::debug!(candidates = ?arts.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), "index lookup");
        Ok(crate::trace_one(&arts, arts.len() - 1, cfg))
    }
}

/// The first index in `0..n` where `before` is false (it must be true, then false).
fn partition(n: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The index at `dir`, or `None` when there is none yet.
fn open_existing(dir: &Path) -> std::io::Result<Option<Index>> {
    if manifest(dir)?.version == 0 {
        return Ok(None);
    }
    Index::open(dir).map(Some)
}

/// Traces one article against the index at `dir` (opens it for this one call: hold an
/// [`Index`] for many).
pub fn sources(dir: &Path, article: &Article, cfg: &Config) -> std::io::Result<Vec<PassageRecord>> {
    Index::open(dir)?.sources(article, cfg)
}

/// See [`Index::candidates`]; a directory without an index has no candidates.
pub fn candidates(dir: &Path, article: &Article, cfg: &Config) -> std::io::Result<Vec<Candidate>> {
    candidates_with(dir, article, cfg, cfg.max_sources)
}

/// See [`Index::candidates_with`] (re-tracing a big family when its original arrives late
/// needs more of its copies than tracing needs sources).
pub fn candidates_with(
    dir: &Path,
    article: &Article,
    cfg: &Config,
    later: usize,
) -> std::io::Result<Vec<Candidate>> {
    match open_existing(dir)? {
        Some(i) => i.candidates_with(article, cfg, later),
        None => Ok(Vec::new()),
    }
}

/// See [`Index::holders`].
pub fn holders(
    dir: &Path,
    fingerprints: &HashSet<u64>,
    after: i64,
    min_shared: u32,
    cap: usize,
) -> std::io::Result<Vec<Candidate>> {
    match open_existing(dir)? {
        Some(i) => i.holders(fingerprints, after, min_shared, cap),
        None => Ok(Vec::new()),
    }
}

/// Appends the ids of the `k` least `(time, id)` entries of `v` to `out` (reorders `v`).
fn take_least(v: &mut [(i64, u32)], k: usize, out: &mut Vec<u32>) {
    if k == 0 || v.is_empty() {
        return;
    }
    if v.len() > k {
        v.select_nth_unstable(k - 1);
    }
    out.extend(v[..k.min(v.len())].iter().map(|x| x.1));
}

/// Appends the ids of the `k` greatest entries of `v` to `out` (reorders `v`).
fn take_most(v: &mut [(i64, u32)], k: usize, out: &mut Vec<u32>) {
    if k == 0 || v.is_empty() {
        return;
    }
    let n = v.len();
    if n > k {
        v.select_nth_unstable(n - k);
    }
    out.extend(v[n.saturating_sub(k)..].iter().map(|x| x.1));
}

/// Moves the elements for which `pred` holds to the front; returns how many there are.
fn partition_in_place<T>(v: &mut [T], pred: impl Fn(&T) -> bool) -> usize {
    let mut i = 0;
    for j in 0..v.len() {
        if pred(&v[j]) {
            v.swap(i, j);
            i += 1;
        }
    }
    i
}
