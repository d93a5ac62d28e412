//! Writing: ingest, tracing against the fingerprint index, catching derived data up.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use copydesk_model::Article;
use copydesk_trace::{group, index, token, PassageRecord};
use rayon::prelude::*;
use rusqlite::{params, Connection, OptionalExtension};

use crate::db::{self, timestamp};
use crate::{IngestOutcome, IngestReport, IngestResult, Result, Store};

/// Articles written per transaction: big enough that commits and index appends are
/// amortised, small enough that an interruption loses little work and memory stays low.
pub const CHUNK: usize = 512;

/// A text longer than this is refused: an article body of 16 MiB is a mistake of the
/// input (a whole dump read as one page), and it would dominate every index.
pub const MAX_TEXT_BYTES: usize = 16 << 20;

/// Targets of passages that name a revised article, re-traced with it: the old offsets
/// point into a text that is no longer current.
const MAX_REFERRERS: usize = 200;

fn where_from(a: &Article) -> String {
    if a.origin.path.is_empty() {
        if a.id.is_empty() {
            "article".into()
        } else {
            format!("article {:?}", a.id)
        }
    } else if a.id.is_empty() {
        a.origin.to_string()
    } else {
        format!("{} (article {:?})", a.origin, a.id)
    }
}

impl Store {
    pub(crate) fn ingest_locked(
        &self,
        conn: &Connection,
        articles: Vec<Article>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(Vec<IngestResult>, IngestReport)> {
        let mut results = Vec::with_capacity(articles.len());
        let mut report = IngestReport::default();
        let mut rest = articles.into_iter().peekable();
        let mut done = 0u64;
        while rest.peek().is_some() {
            let chunk: Vec<Article> = rest.by_ref().take(CHUNK).collect();
            done += chunk.len() as u64;
            self.ingest_chunk(conn, chunk, &mut results, &mut report)?;
            progress(done);
        }
        Ok((results, report))
    }

    fn ingest_chunk(
        &self,
        conn: &Connection,
        chunk: Vec<Article>,
        results: &mut Vec<IngestResult>,
        report: &mut IngestReport,
    ) -> Result<()> {
        // Decide each article's fate against the store and the earlier ones of the chunk.
        let mut seen: HashMap<String, (u32, String)> = HashMap::new();
        let mut store: Vec<(Article, u32)> = Vec::new();
        for mut a in chunk {
            let problem = if a.id.trim().is_empty() {
                Some("no id".to_string())
            } else if a.text.trim().is_empty() {
                Some("empty text".to_string())
            } else if a.text.len() > MAX_TEXT_BYTES {
                Some(format!(
                    "text of {} bytes is over the limit of {} MiB",
                    a.text.len(),
                    MAX_TEXT_BYTES >> 20
                ))
            } else {
                None
            };
            if let Some(p) = problem {
                report.rejected += 1;
                results.push(IngestResult {
                    id: a.id.clone(),
                    outcome: IngestOutcome::Rejected,
                    revision: 0,
                    message: Some(format!("{}: {p}", where_from(&a))),
                });
                continue;
            }
            a.content_hash = copydesk_model::hash_hex(a.text.as_bytes());
            let mut known = seen.get(&a.id).cloned();
            if known.is_none() {
                known = db::current_by_id(conn, &a.id)?.map(|c| (c.revision, c.content_hash));
            }
            if known.is_none() {
                if let Some(url) = a.url.as_deref().filter(|u| !u.is_empty()) {
                    let by_url = seen
                        .iter()
                        .find(|(id, _)| {
                            store
                                .iter()
                                .any(|(s, _)| &s.id == *id && s.url.as_deref() == Some(url))
                        })
                        .map(|(id, v)| (id.clone(), v.clone()));
                    let by_url = match by_url {
                        Some(x) => Some(x),
                        None => db::current_by_url(conn, url)?
                            .map(|c| (c.id, (c.revision, c.content_hash))),
                    };
                    if let Some((id, v)) = by_url {
                        // The same page under another id (an input without ids of its own
                        // read once by URL and once by content): one article.
                        a.id = id;
                        known = Some(v);
                    }
                }
            }
            let (outcome, revision) = match &known {
                None => (IngestOutcome::Added, 1),
                Some((r, h)) if *h == a.content_hash => (IngestOutcome::Unchanged, *r),
                Some((r, _)) => (IngestOutcome::Revised, r + 1),
            };
            match outcome {
                IngestOutcome::Added => report.added += 1,
                IngestOutcome::Unchanged => report.unchanged += 1,
                IngestOutcome::Revised => report.revised += 1,
                IngestOutcome::Rejected => {}
            }
            results.push(IngestResult {
                id: a.id.clone(),
                outcome: outcome.clone(),
                revision,
                message: None,
            });
            if outcome != IngestOutcome::Unchanged {
                seen.insert(a.id.clone(), (revision, a.content_hash.clone()));
                store.push((a, revision));
            }
        }
        if store.is_empty() {
            return Ok(());
        }
        store.par_iter_mut().for_each(|(a, _)| {
            if a.layers.is_empty() {
                copydesk_analyze::analyze(a, &self.analyze);
            }
        });
        // One transaction for the chunk's rows and layers: all of them or none.
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let tx = conn.unchecked_transaction()?;
        let mut ids = Vec::with_capacity(store.len());
        for (a, revision) in &store {
            db::insert_revision(&tx, a, *revision, &now)?;
            ids.push(a.id.clone());
        }
        tx.commit()?;
        drop(store);
        let (retraced, passages) = self.finish(conn, ids)?;
        report.retraced += retraced;
        report.passages += passages;
        Ok(())
    }

    /// Brings the derived data up to what SQLite holds and traces `targets` (and whatever
    /// their arrival changes). Returns (re-traced articles, passages written).
    pub(crate) fn finish(&self, conn: &Connection, targets: Vec<String>) -> Result<(u64, u64)> {
        self.sync_fingerprints(conn)?;
        let out = self.trace_ids(conn, targets)?;
        self.sync_search(conn)?;
        Ok(out)
    }

    /// Adds to the fingerprint index every revision it does not hold yet, in order.
    pub(crate) fn sync_fingerprints(&self, conn: &Connection) -> Result<()> {
        let m = index::manifest(&self.fp_dir)?;
        let meta = |key: &str| -> Result<Option<u64>> {
            Ok(conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get::<_, String>(0))
                .optional()?
                .and_then(|v| v.parse().ok()))
        };
        // The mark (highest seq added, and the index's article count then) is written
        // after the index, so it may lag (a crash in between) but never lead; when the
        // index does not hold what the mark says, everything is offered again and the
        // index skips what it has (by id).
        let from = match (meta("fingerprints_seq")?, meta("fingerprints_articles")?) {
            (Some(seq), Some(n)) if n == m.articles => seq as i64,
            _ => 0,
        };
        let mut stmt = conn.prepare(
            "SELECT seq, site, published, text FROM revisions WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let mut last = from;
        loop {
            let batch: Vec<Article> = stmt
                .query_map(params![last, 2048], |r| {
                    Ok(Article {
                        id: r.get::<_, i64>(0)?.to_string(),
                        site: r.get(1)?,
                        published: r.get(2)?,
                        text: r.get(3)?,
                        ..Default::default()
                    })
                })?
                .collect::<std::result::Result<_, _>>()?;
            let Some(end) = batch.last().and_then(|a| a.id.parse::<i64>().ok()) else {
                break;
            };
            let added = index::add(&self.fp_dir, &batch, &self.cfg)?;
            last = end;
            let tx = conn.unchecked_transaction()?;
            for (k, v) in [("fingerprints_seq", last as u64), ("fingerprints_articles", added.total)] {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![k, v.to_string()],
                )?;
            }
            tx.commit()?;
        }
        Ok(())
    }

    /// Adds to (or replaces in) the full-text index every article whose current revision
    /// it has not seen.
    pub(crate) fn sync_search(&self, conn: &Connection) -> Result<()> {
        let mut last = self.search.indexed_seq()?;
        let mut stmt = conn.prepare(
            "SELECT current FROM articles WHERE current > ?1 ORDER BY current LIMIT 1024",
        )?;
        loop {
            let seqs: Vec<i64> = stmt
                .query_map([last], |r| r.get(0))?
                .collect::<std::result::Result<_, _>>()?;
            let Some(&end) = seqs.last() else { break };
            let mut arts = Vec::with_capacity(seqs.len());
            for s in &seqs {
                if let Some(a) = db::full_article(conn, *s)? {
                    arts.push(a);
                }
            }
            self.search.put(&arts.iter().collect::<Vec<_>>(), end)?;
            last = end;
        }
        Ok(())
    }

    /// Candidates of `a` in the fingerprint index (keyed `key`), mapped to current
    /// articles; stale revisions and `a` itself are left out.
    fn candidates_of(&self, key: &str, a: &Article) -> Result<Vec<(i64, Option<i64>)>> {
        let probe = Article {
            id: key.to_string(),
            ..a.clone()
        };
        Ok(index::candidates(&self.fp_dir, &probe, &self.cfg)?
            .into_iter()
            .filter_map(|c| c.id.parse::<i64>().ok().map(|s| (s, c.published)))
            .collect())
    }

    /// Traces `targets` (article ids) against the store, and re-traces the stored articles
    /// whose provenance their arrival may change. Writes the passages in one transaction.
    fn trace_ids(&self, conn: &Connection, targets: Vec<String>) -> Result<(u64, u64)> {
        let mut cache: HashMap<i64, Option<Arc<Article>>> = HashMap::new();
        let load = |conn: &Connection,
                    seq: i64,
                    cache: &mut HashMap<i64, Option<Arc<Article>>>|
         -> Result<Option<Arc<Article>>> {
            if let Some(a) = cache.get(&seq) {
                return Ok(a.clone());
            }
            let a = db::trace_article(conn, seq)?.map(Arc::new);
            cache.insert(seq, a.clone());
            Ok(a)
        };
        let mut seq_of: HashMap<String, i64> = HashMap::new();
        let mut order: Vec<(String, i64)> = Vec::new();
        for id in targets {
            if seq_of.contains_key(&id) {
                continue;
            }
            if let Some(c) = db::current_by_id(conn, &id)? {
                seq_of.insert(id.clone(), c.seq);
                order.push((id, c.seq));
            }
        }
        let mut arts: Vec<(i64, Arc<Article>)> = Vec::with_capacity(order.len());
        for (_, seq) in &order {
            if let Some(a) = load(conn, *seq, &mut cache)? {
                arts.push((*seq, a));
            }
        }
        let cands: Vec<Vec<(i64, Option<i64>)>> = arts
            .par_iter()
            .map(|(seq, a)| self.candidates_of(&seq.to_string(), a))
            .collect::<Result<_>>()?;

        // Which stored articles the new ones may be an earlier source of: those on the
        // later side that either name a source not earlier than the newcomer, or have
        // unsourced text sharing fingerprints with it.
        let in_targets: HashSet<i64> = arts.iter().map(|x| x.0).collect();
        let mut check: Vec<(usize, i64)> = Vec::new();
        for (k, (_, a)) in arts.iter().enumerate() {
            let t0 = timestamp(a.published.as_deref());
            for &(c, ct) in &cands[k] {
                let later = match (t0, ct) {
                    (Some(t0), Some(ct)) => ct >= t0,
                    (Some(_), None) => true,
                    (None, ct) => ct.is_none(),
                };
                if later && !in_targets.contains(&c) {
                    check.push((k, c));
                }
            }
        }
        let mut retrace: Vec<i64> = Vec::new();
        let mut retrace_set: HashSet<i64> = HashSet::new();
        {
            let mut by_c: HashMap<i64, Vec<usize>> = HashMap::new();
            for (k, c) in check {
                by_c.entry(c).or_default().push(k);
            }
            let mut probes: Vec<(
                i64,
                Arc<Article>,
                Vec<(usize, usize, Option<i64>)>,
                Vec<usize>,
            )> = Vec::new();
            let mut pstmt = conn.prepare_cached(
                "SELECT p.begin, p.end, s.published_ts FROM passages p JOIN articles s ON s.id = p.source WHERE p.target = ?1",
            )?;
            let mut keys: Vec<i64> = by_c.keys().copied().collect();
            keys.sort_unstable();
            for c in keys {
                let Some(ca) = load(conn, c, &mut cache)? else {
                    continue;
                };
                let ps: Vec<(usize, usize, Option<i64>)> = pstmt
                    .query_map([&ca.id], |r| {
                        Ok((
                            r.get::<_, i64>(0)? as usize,
                            r.get::<_, i64>(1)? as usize,
                            r.get(2)?,
                        ))
                    })?
                    .collect::<std::result::Result<_, _>>()?;
                probes.push((c, ca, ps, by_c.remove(&c).unwrap_or_default()));
            }
            let fps: Vec<HashSet<u64>> = arts
                .par_iter()
                .map(|(_, a)| {
                    group::fingerprints(
                        &token::tokenize(&a.text).toks,
                        self.cfg.ngram,
                        self.cfg.sample,
                    )
                    .into_iter()
                    .collect()
                })
                .collect();
            let cfg = &self.cfg;
            let picked: Vec<bool> = probes
                .par_iter()
                .map(|(_, ca, ps, ks)| {
                    ks.iter().any(|&k| {
                        let t0 = timestamp(arts[k].1.published.as_deref());
                        if ps.iter().any(|&(_, _, st)| match (st, t0) {
                            (Some(st), Some(t0)) => st >= t0,
                            _ => true,
                        }) {
                            return true;
                        }
                        unsourced_shares(ca, ps, &fps[k], cfg)
                    })
                })
                .collect();
            for ((c, _, _, _), p) in probes.iter().zip(picked) {
                if p && retrace_set.insert(*c) {
                    retrace.push(*c);
                }
            }
            // Revised articles: what named their old text is traced again.
            let mut rstmt = conn.prepare_cached(
                "SELECT DISTINCT a.current FROM passages p JOIN articles a ON a.id = p.target WHERE p.source = ?1 OR p.via = ?1 LIMIT ?2",
            )?;
            for (_, a) in &arts {
                let refs: Vec<i64> = rstmt
                    .query_map(params![a.id, MAX_REFERRERS as i64], |r| r.get(0))?
                    .collect::<std::result::Result<_, _>>()?;
                for c in refs {
                    if !in_targets.contains(&c) && retrace_set.insert(c) {
                        retrace.push(c);
                    }
                }
            }
        }
        let retraced = retrace.len() as u64;
        let mut all = arts;
        let mut all_cands = cands;
        let mut extra: Vec<(i64, Arc<Article>)> = Vec::new();
        for c in retrace {
            if let Some(a) = load(conn, c, &mut cache)? {
                extra.push((c, a));
            }
        }
        let extra_cands: Vec<Vec<(i64, Option<i64>)>> = extra
            .par_iter()
            .map(|(seq, a)| self.candidates_of(&seq.to_string(), a))
            .collect::<Result<_>>()?;
        all.extend(extra);
        all_cands.extend(extra_cands);

        // Every candidate's text, read once for the whole batch.
        let mut sets: Vec<Vec<Arc<Article>>> = Vec::with_capacity(all.len());
        for (k, (_, a)) in all.iter().enumerate() {
            let mut v = Vec::with_capacity(all_cands[k].len() + 1);
            let mut ids = HashSet::new();
            for &(c, _) in &all_cands[k] {
                if let Some(ca) = load(conn, c, &mut cache)? {
                    if ca.id != a.id && ids.insert(ca.id.clone()) {
                        v.push(ca);
                    }
                }
            }
            sets.push(v);
        }
        let traced: Vec<Vec<PassageRecord>> = all
            .par_iter()
            .zip(sets.par_iter())
            .map(|((_, a), cands)| trace_one(a, cands, &self.cfg))
            .collect::<std::io::Result<_>>()?;
        let tx = conn.unchecked_transaction()?;
        let mut passages = 0u64;
        for ((_, a), ps) in all.iter().zip(&traced) {
            db::set_passages(&tx, &a.id, ps, a.text.len())?;
            passages += ps.len() as u64;
        }
        tx.commit()?;
        Ok((retraced, passages))
    }

    /// Traces every article an interruption left untraced.
    pub(crate) fn trace_untraced(&self, conn: &Connection) -> Result<()> {
        loop {
            let ids: Vec<String> = conn
                .prepare("SELECT id FROM articles WHERE traced = 0 ORDER BY current LIMIT ?1")?
                .query_map([CHUNK as i64], |r| r.get(0))?
                .collect::<std::result::Result<_, _>>()?;
            if ids.is_empty() {
                return Ok(());
            }
            self.trace_ids(conn, ids)?;
        }
    }

    /// Passages of `a` (not necessarily stored) against the store.
    pub(crate) fn trace_unstored(
        &self,
        conn: &Connection,
        a: &Article,
    ) -> Result<Vec<PassageRecord>> {
        if !self.fp_dir.join("manifest.json").exists() {
            return Ok(Vec::new());
        }
        let cands = self.candidates_of("", a)?;
        let mut v = Vec::new();
        let mut ids = HashSet::new();
        for (c, _) in cands {
            if let Some(ca) = db::trace_article(conn, c)? {
                if ca.id != a.id && ids.insert(ca.id.clone()) {
                    v.push(Arc::new(ca));
                }
            }
        }
        let probe = Article {
            id: a.id.clone(),
            site: a.site.clone(),
            published: a.published.clone(),
            text: a.text.clone(),
            ..Default::default()
        };
        Ok(trace_one(&probe, &v, &self.cfg)?)
    }
}

/// Whether text of `c` outside its passages `ps` shares at least `min_shared`
/// fingerprints with `fps` (a newcomer's): then the newcomer may be its source.
fn unsourced_shares(
    c: &Article,
    ps: &[(usize, usize, Option<i64>)],
    fps: &HashSet<u64>,
    cfg: &copydesk_trace::Config,
) -> bool {
    let doc = token::tokenize(&c.text);
    let mut raw: Vec<(usize, usize)> = ps.iter().map(|p| (p.0, p.1)).collect();
    raw.sort_unstable();
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(raw.len());
    for (b, e) in raw {
        match spans.last_mut() {
            Some(last) if b <= last.1 => last.1 = last.1.max(e),
            _ => spans.push((b, e)),
        }
    }
    let covered = |b: usize| {
        let i = spans.partition_point(|s| s.0 <= b);
        i > 0 && b < spans[i - 1].1
    };
    let mut shared = 0u32;
    let mut run: Vec<u32> = Vec::new();
    let flush = |run: &mut Vec<u32>, shared: &mut u32| {
        for h in group::fingerprints(run, cfg.ngram, cfg.sample) {
            if fps.contains(&h) {
                *shared += 1;
            }
        }
        run.clear();
    };
    for i in 0..doc.len() {
        if covered(doc.starts[i] as usize) {
            flush(&mut run, &mut shared);
        } else {
            run.push(doc.toks[i]);
        }
        if shared >= cfg.min_shared {
            return true;
        }
    }
    flush(&mut run, &mut shared);
    shared >= cfg.min_shared
}

/// Passages of `a` against `cands`: `a` is the only target.
fn trace_one(
    a: &Article,
    cands: &[Arc<Article>],
    cfg: &copydesk_trace::Config,
) -> std::io::Result<Vec<PassageRecord>> {
    if cands.is_empty() {
        return Ok(Vec::new());
    }
    let mut set: Vec<Article> = cands.iter().map(|c| (**c).clone()).collect();
    set.push(a.clone());
    let mut mask = vec![false; set.len()];
    mask[set.len() - 1] = true;
    let out = copydesk_trace::trace_targets(&set, &mask, cfg)?;
    Ok(out
        .passages
        .into_iter()
        .filter(|p| p.target == a.id)
        .collect())
}
