//! A persistent fingerprint index on disk (embedded, no server) for tracing articles one
//! at a time as they arrive, with the same stages as the batch run.
//!
//! Layout of the index directory:
//! - `articles.jsonl`: the indexed articles, one JSON line each, appended;
//! - `offsets.bin`: the byte offset of each article's line (u64 LE);
//! - `times.bin`: each article's publication time (i64 LE seconds; `i64::MAX` undated),
//!   so that a lookup keeps the earliest holders of a text without reading them;
//! - `fingerprints.bin`: `(hash u64 LE, article u32 LE)` records, appended;
//! - `manifest.json`: how many articles, bytes and records are complete. It is replaced
//!   atomically (write then rename) after the data files are synced, so an interrupted
//!   `add` leaves the index readable at the last manifest: readers ignore anything past
//!   it, and the next `add` cuts it off and adds what is missing (by id), nothing twice.
//!
//! Lookup reads the fingerprint file sequentially: simple and crash-safe; a sorted run
//! layout would make it logarithmic and is the next step for large indexes.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

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

/// Adds articles to the index at `dir` (created if missing).
pub fn add(dir: &Path, articles: &[Article], cfg: &Config) -> std::io::Result<AddReport> {
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
    let mut fp_f = open("fingerprints.bin", m.fingerprints * 12)?;
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
            }
            m.fingerprints += fps.len() as u64;
            m.articles += 1;
            report.added += 1;
        }
        aw.flush()?;
        ow.flush()?;
        tw.flush()?;
        fw.flush()?;
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
    let mut shared: HashMap<u32, u32> = HashMap::new();
    let mut r = BufReader::with_capacity(1 << 20, File::open(dir.join("fingerprints.bin"))?);
    let mut rec = [0u8; 12];
    for _ in 0..m.fingerprints {
        r.read_exact(&mut rec)?;
        let h = u64::from_le_bytes(rec[..8].try_into().unwrap_or_default());
        if query.contains(&h) {
            let d = u32::from_le_bytes(rec[8..].try_into().unwrap_or_default());
            *shared.entry(d).or_default() += 1;
        }
    }
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
