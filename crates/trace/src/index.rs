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

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
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

/// Reads indexed article `i`.
fn read_article(dir: &Path, m: &Manifest, i: u64) -> std::io::Result<Article> {
    let mut off = File::open(dir.join("offsets.bin"))?;
    off.seek(SeekFrom::Start(i * 8))?;
    let mut b = [0u8; 8];
    off.read_exact(&mut b)?;
    let start = u64::from_le_bytes(b);
    if start >= m.article_bytes {
        return Err(io_err(format!(
            "{}: offset of article {i} past the manifest",
            dir.display()
        )));
    }
    let mut f = File::open(dir.join("articles.jsonl"))?;
    f.seek(SeekFrom::Start(start))?;
    let mut line = String::new();
    BufReader::new(f).read_line(&mut line)?;
    serde_json::from_str(&line).map_err(|e| {
        io_err(format!(
            "{}: article {i} at byte {start}: {e}",
            dir.display()
        ))
    })
}

/// How many of `query`'s fingerprints each indexed article holds: a binary search per
/// fingerprint in each run, and a scan of the unsorted tail.
fn lookup(dir: &Path, m: &Manifest, query: &HashSet<u64>) -> std::io::Result<HashMap<u32, u32>> {
    // A count per article rather than a hash map: common n-grams have long posting
    // lists, and hashing every posting was a tenth of the lookup time at 100k articles.
    let mut shared = vec![0u32; m.articles as usize];
    let mut count = |d: u32| {
        if let Some(c) = shared.get_mut(d as usize) {
            *c += 1;
        }
    };
    let sorted = m.sorted();
    if sorted > m.fingerprints {
        return Err(io_err(format!(
            "{}: the manifest's runs cover {sorted} records of {}",
            dir.display(),
            m.fingerprints
        )));
    }
    let mut q: Vec<u64> = query.iter().copied().collect();
    q.sort_unstable();
    for r in &m.runs {
        let map = map_run(dir, r)?;
        let n = r.records as usize;
        // The query is sorted, so each search starts where the previous one ended.
        let mut lo = 0usize;
        for &h in &q {
            lo += partition(n - lo, |i| rec_at(&map, lo + i).0 < h);
            let mut i = lo;
            while i < n {
                let (rh, d) = rec_at(&map, i);
                if rh != h {
                    break;
                }
                count(d);
                i += 1;
            }
            lo = i;
        }
    }
    let f = File::open(dir.join("fingerprints.bin"))?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    r.seek(SeekFrom::Start(sorted * REC as u64))?;
    let mut rec = [0u8; REC];
    for _ in sorted..m.fingerprints {
        r.read_exact(&mut rec)?;
        let (h, d) = rec_at(&rec, 0);
        if query.contains(&h) {
            count(d);
        }
    }
    Ok(shared
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c > 0)
        .map(|(d, &c)| (d as u32, c))
        .collect())
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

/// Traces one article against the index: its passages, each naming the earliest indexed
/// article holding the text (the same stages as [`crate::trace`], on the candidates).
pub fn sources(dir: &Path, article: &Article, cfg: &Config) -> std::io::Result<Vec<PassageRecord>> {
    let m = manifest(dir)?;
    if m.version == 0 {
        return Err(io_err(format!(
            "{}: no index here (run `copydesk index add` first)",
            dir.display()
        )));
    }
    let query: HashSet<u64> =
        group::fingerprints(&token::tokenize(&article.text).toks, m.ngram, m.sample)
            .into_iter()
            .collect();
    let shared = lookup(dir, &m, &query)?;
    let mut cands: Vec<(u32, u32)> = shared
        .into_iter()
        .filter(|&(_, c)| c >= cfg.min_shared)
        .collect();
    cands.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if cands.len() > cfg.max_sources {
        // In a big family every copy shares as much as the original: keep the earliest
        // of the well-sharing ones, then the most shared.
        let mut tf = File::open(dir.join("times.bin"))?;
        let mut time = |d: u32| -> i64 {
            let mut b = [0u8; 8];
            match tf
                .seek(SeekFrom::Start(d as u64 * 8))
                .and_then(|_| tf.read_exact(&mut b))
            {
                Ok(()) => i64::from_le_bytes(b),
                Err(_) => i64::MAX,
            }
        };
        let top = cands[0].1;
        let mut early: Vec<(i64, u32, u32)> = cands
            .iter()
            .filter(|c| c.1 * 2 >= top)
            .map(|&(d, c)| (time(d), d, c))
            .collect();
        early.sort_unstable();
        let mut keep: Vec<(u32, u32)> = early
            .iter()
            .take(cfg.max_sources / 2)
            .map(|&(_, d, c)| (d, c))
            .collect();
        for c in &cands {
            if keep.len() >= cfg.max_sources {
                break;
            }
            if !keep.iter().any(|k| k.0 == c.0) {
                keep.push(*c);
            }
        }
        cands = keep;
    }
    let mut arts = Vec::with_capacity(cands.len() + 1);
    for (d, _) in &cands {
        let a = read_article(dir, &m, *d as u64)?;
        if a.id != article.id {
            arts.push(a);
        }
    }
    arts.push(article.clone());
    tracing::debug!(candidates = ?arts.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), "index lookup");
    let out = crate::trace(&arts, cfg)?;
    Ok(out
        .passages
        .into_iter()
        .filter(|p| p.target == article.id)
        .collect())
}

/// An indexed article sharing fingerprints with a query article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    /// Sampled fingerprints it shares with the query.
    pub shared: u32,
    /// Publication time (Unix seconds), `None` when undated.
    pub published: Option<i64>,
}

/// Indexed articles sharing at least `cfg.min_shared` fingerprints with `article` (itself,
/// by id, left out), in both time directions: the earlier ones it may have copied and the
/// later or undated ones that may have copied it. Bounded, so that a family of thousands
/// of copies costs no more than a small one: on each side at most `cfg.max_sources`. The
/// earlier side keeps the earliest of the well-sharing ones first (as [`sources`] does);
/// the later side the most shared.
pub fn candidates(dir: &Path, article: &Article, cfg: &Config) -> std::io::Result<Vec<Candidate>> {
    candidates_with(dir, article, cfg, cfg.max_sources)
}

/// [`candidates`] with at most `later` on the later side (re-tracing a big family when
/// its original arrives late needs more of its copies than tracing needs sources).
pub fn candidates_with(
    dir: &Path,
    article: &Article,
    cfg: &Config,
    later: usize,
) -> std::io::Result<Vec<Candidate>> {
    let m = manifest(dir)?;
    if m.version == 0 {
        return Ok(Vec::new());
    }
    let query: HashSet<u64> =
        group::fingerprints(&token::tokenize(&article.text).toks, m.ngram, m.sample)
            .into_iter()
            .collect();
    // SAFETY: times.bin is only appended to (and cut back to the manifest by `add`);
    // entries past the manifest's count are never read.
    let times_f = File::open(dir.join("times.bin"))?;
    let times = unsafe { memmap2::Mmap::map(&times_f)? };
    let n_times = (times.len() / 8).min(m.articles as usize);
    let time = |d: u32| -> i64 {
        let i = d as usize * 8;
        if d as usize >= n_times {
            return i64::MAX;
        }
        times
            .get(i..i + 8)
            .map(|b| i64::from_le_bytes(b.try_into().unwrap_or([0xff; 8])))
            .unwrap_or(i64::MAX)
    };
    let t0 = article
        .published
        .as_deref()
        .and_then(copydesk_model::time::parse_instant)
        .map(|t| t.timestamp())
        .unwrap_or(i64::MAX);
    let shared = lookup_capped(dir, &m, &query, &time, t0, &cfg.group)?;
    let (mut earlier, mut later_v): (Vec<(i64, u32, u32)>, Vec<(i64, u32, u32)>) = shared
        .into_iter()
        .filter(|&(_, c)| c >= cfg.min_shared)
        .map(|(d, c)| (time(d), d, c))
        .partition(|&(t, _, _)| t < t0 && t != i64::MAX);
    let cap = cfg.max_sources.max(1);
    if earlier.len() > cap {
        let top = earlier.iter().map(|x| x.2).max().unwrap_or(0);
        let mut early: Vec<(i64, u32, u32)> =
            earlier.iter().filter(|x| x.2 * 2 >= top).copied().collect();
        early.sort_unstable();
        early.truncate(cap / 2);
        earlier.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
        for c in earlier {
            if early.len() >= cap {
                break;
            }
            if !early.iter().any(|k| k.1 == c.1) {
                early.push(c);
            }
        }
        earlier = early;
    }
    later_v.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let n_earlier = earlier.len();
    let mut ids = IdReader::open(dir, &m)?;
    let mut out = Vec::with_capacity(n_earlier + later.min(64));
    for (k, (t, d, c)) in earlier.into_iter().chain(later_v).enumerate() {
        if k >= n_earlier && out.len() >= n_earlier + later {
            break;
        }
        // The query itself, when indexed, shares everything: it is read and skipped here
        // rather than taking a place on the later side.
        let id = ids.id(d)?;
        if id != article.id {
            out.push(Candidate {
                id,
                shared: c,
                published: (t != i64::MAX).then_some(t),
            });
        }
    }
    Ok(out)
}

/// Like [`lookup`], but counting a fingerprint held by many articles the way the batch
/// grouping pairs it (see [`group::GroupParams`]): for all holders when they are few, else
/// only for the earliest holders and the nearest ones before and after the query's time.
/// A phrase common to a big family then does not crowd out a source that shares a
/// paragraph nobody else has.
fn lookup_capped(
    dir: &Path,
    m: &Manifest,
    query: &HashSet<u64>,
    time: &dyn Fn(u32) -> i64,
    t0: i64,
    g: &group::GroupParams,
) -> std::io::Result<HashMap<u32, u32>> {
    let sorted = m.sorted();
    if sorted > m.fingerprints {
        return Err(io_err(format!(
            "{}: the manifest's runs cover {sorted} records of {}",
            dir.display(),
            m.fingerprints
        )));
    }
    // The unsorted tail's records for the query, by hash (the tail is kept small).
    let mut tail: HashMap<u64, Vec<u32>> = HashMap::new();
    {
        let f = File::open(dir.join("fingerprints.bin"))?;
        let mut r = BufReader::with_capacity(1 << 20, f);
        r.seek(SeekFrom::Start(sorted * REC as u64))?;
        let mut rec = [0u8; REC];
        for _ in sorted..m.fingerprints {
            r.read_exact(&mut rec)?;
            let (h, d) = rec_at(&rec, 0);
            if query.contains(&h) {
                tail.entry(h).or_default().push(d);
            }
        }
    }
    let maps = m
        .runs
        .iter()
        .map(|r| map_run(dir, r))
        .collect::<std::io::Result<Vec<_>>>()?;
    let mut q: Vec<u64> = query.iter().copied().collect();
    q.sort_unstable();
    // The query is sorted, so each run's search starts where the previous one ended.
    let mut cursors = vec![0usize; maps.len()];
    let mut shared = vec![0u32; m.articles as usize];
    let mut holders: Vec<u32> = Vec::new();
    let mut timed: Vec<(i64, u32)> = Vec::new();
    for &h in &q {
        holders.clear();
        for (k, map) in maps.iter().enumerate() {
            let n = m.runs[k].records as usize;
            let lo = &mut cursors[k];
            *lo += partition(n - *lo, |i| rec_at(map, *lo + i).0 < h);
            while *lo < n {
                let (rh, d) = rec_at(map, *lo);
                if rh != h {
                    break;
                }
                holders.push(d);
                *lo += 1;
            }
        }
        if let Some(t) = tail.get(&h) {
            holders.extend_from_slice(t);
        }
        let mut count = |d: u32| {
            if let Some(c) = shared.get_mut(d as usize) {
                *c += 1;
            }
        };
        if holders.len() <= g.full_pairs_up_to {
            holders.iter().for_each(|&d| count(d));
            continue;
        }
        timed.clear();
        timed.extend(holders.iter().map(|&d| (time(d), d)));
        // Linear selections, not a sort: common phrases have long holder lists.
        let mut picked: Vec<u32> = Vec::with_capacity(g.earliest + 2 * g.nearest);
        let take_least = |v: &mut [(i64, u32)], k: usize, out: &mut Vec<u32>| {
            if k == 0 || v.is_empty() {
                return;
            }
            if v.len() > k {
                v.select_nth_unstable(k - 1);
            }
            out.extend(v[..k.min(v.len())].iter().map(|x| x.1));
        };
        let take_most = |v: &mut [(i64, u32)], k: usize, out: &mut Vec<u32>| {
            if k == 0 || v.is_empty() {
                return;
            }
            let n = v.len();
            if n > k {
                v.select_nth_unstable(n - k);
            }
            out.extend(v[n.saturating_sub(k)..].iter().map(|x| x.1));
        };
        let near = timed.len() <= g.nearest_up_to;
        let split = partition_in_place(&mut timed, |x| x.0 < t0);
        let (before, after) = timed.split_at_mut(split);
        if near {
            take_most(before, g.nearest, &mut picked);
            take_least(after, g.nearest, &mut picked);
        }
        take_least(before, g.earliest, &mut picked);
        if before.len() < g.earliest {
            take_least(after, g.earliest - before.len(), &mut picked);
        }
        picked.sort_unstable();
        picked.dedup();
        picked.into_iter().for_each(&mut count);
    }
    Ok(shared
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c > 0)
        .map(|(d, &c)| (d as u32, c))
        .collect())
}

/// Reads indexed articles' ids, the files opened once.
struct IdReader {
    offsets: File,
    articles: File,
    n: u64,
    bytes: u64,
    path: PathBuf,
}

impl IdReader {
    fn open(dir: &Path, m: &Manifest) -> std::io::Result<IdReader> {
        Ok(IdReader {
            offsets: File::open(dir.join("offsets.bin"))?,
            articles: File::open(dir.join("articles.jsonl"))?,
            n: m.articles,
            bytes: m.article_bytes,
            path: dir.to_path_buf(),
        })
    }

    fn offset(&self, d: u64) -> std::io::Result<u64> {
        if d >= self.n {
            return Ok(self.bytes);
        }
        let mut b = [0u8; 8];
        self.offsets.read_exact_at(&mut b, d * 8)?;
        Ok(u64::from_le_bytes(b))
    }

    fn id(&mut self, d: u32) -> std::io::Result<String> {
        let (start, end) = (self.offset(d as u64)?, self.offset(d as u64 + 1)?);
        if start >= end || end > self.bytes {
            return Err(io_err(format!("{}: bad offsets for article {d}", self.path.display())));
        }
        let mut line = vec![0u8; (end - start) as usize];
        self.articles.read_exact_at(&mut line, start)?;
        serde_json::from_slice::<IdOnly>(&line)
            .map(|x| x.id)
            .map_err(|e| io_err(format!("{}: article {d} at byte {start}: {e}", self.path.display())))
    }
}

/// Indexed articles published at or after `after` (or undated), each sharing at least
/// `min_shared` of `fingerprints`, most shared first, at most `cap`. Every holder counts:
/// this finds the copies of a text, however many, up to the cap.
pub fn holders(
    dir: &Path,
    fingerprints: &HashSet<u64>,
    after: i64,
    min_shared: u32,
    cap: usize,
) -> std::io::Result<Vec<Candidate>> {
    let m = manifest(dir)?;
    if m.version == 0 || fingerprints.is_empty() {
        return Ok(Vec::new());
    }
    let times_f = File::open(dir.join("times.bin"))?;
    // SAFETY: as in `candidates_with`.
    let times = unsafe { memmap2::Mmap::map(&times_f)? };
    let time = |d: u32| -> i64 {
        let i = d as usize * 8;
        if d as u64 >= m.articles {
            return i64::MAX;
        }
        times
            .get(i..i + 8)
            .map(|b| i64::from_le_bytes(b.try_into().unwrap_or([0xff; 8])))
            .unwrap_or(i64::MAX)
    };
    let mut v: Vec<(u32, i64, u32)> = lookup(dir, &m, fingerprints)?
        .into_iter()
        .filter(|&(_, c)| c >= min_shared)
        .map(|(d, c)| (c, time(d), d))
        .filter(|&(_, t, _)| t >= after)
        .collect();
    v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    v.truncate(cap);
    let mut ids = IdReader::open(dir, &m)?;
    v.into_iter()
        .map(|(c, t, d)| {
            Ok(Candidate {
                id: ids.id(d)?,
                shared: c,
                published: (t != i64::MAX).then_some(t),
            })
        })
        .collect()
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
