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

/// Articles traced together (after their rows are committed): the more, the more their
/// candidates overlap and are read and tokenized once.
pub const TRACE_BATCH: usize = 2048;

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
    /// Stores `articles` (committed chunk by chunk) and, when `trace` is set, traces
    /// everything left untraced. Without it the articles wait, untraced, for
    /// [`Store::trace_pending`]: a bulk load stores all of its articles first and then
    /// traces each once against all of them, instead of re-tracing stored copies every
    /// time an earlier source arrives.
    pub(crate) fn ingest_locked(
        &self,
        conn: &Connection,
        articles: Vec<Article>,
        trace: bool,
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
        if trace {
            let (retraced, passages) = self.finish_pending(conn, &mut |_, _| {})?;
            report.retraced += retraced;
            report.passages += passages;
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
        let mut seen_urls: HashMap<String, String> = HashMap::new();
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
                    let by_url = seen_urls
                        .get(url)
                        .and_then(|id| seen.get(id).map(|v| (id.clone(), v.clone())));
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
                if let Some(u) = a.url.as_deref().filter(|u| !u.is_empty()) {
                    seen_urls.insert(u.to_string(), a.id.clone());
                }
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
        for (a, revision) in &store {
            db::insert_revision(&tx, a, *revision, &now)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Brings the derived data up to what SQLite holds and traces every article left
    /// untraced (and whatever their arrival changes). `progress(done, total)` follows the
    /// tracing. Returns (re-traced articles, passages written).
    pub(crate) fn finish_pending(
        &self,
        conn: &Connection,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(u64, u64)> {
        self.sync_fingerprints(conn)?;
        let out = self.trace_untraced(conn, progress)?;
        self.sync_search(conn)?;
        Ok(out)
    }

    /// Traces the untraced articles in publication order, a batch at a time. All of them
    /// are in the fingerprint index already, so each is traced once against every
    /// article that can be its source; only articles traced before (not pending) can need
    /// tracing again. Time order keeps a batch's candidates together (read and tokenized
    /// once per batch).
    fn trace_untraced(&self, conn: &Connection, progress: &mut dyn FnMut(u64, u64)) -> Result<(u64, u64)> {
        let pending: Vec<i64> = conn
            .prepare(
                "SELECT current FROM articles WHERE traced = 0
                 ORDER BY published_ts IS NULL, published_ts, current",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        if pending.is_empty() {
            return Ok((0, 0));
        }
        let set: HashSet<i64> = pending.iter().copied().collect();
        let before = conn.query_row(
            "SELECT COUNT(*), SUM(published_ts IS NULL), MAX(published_ts) FROM articles WHERE traced = 1",
            [],
            |r| {
                Ok(TracedBefore {
                    any: r.get::<_, i64>(0)? > 0,
                    undated: r.get::<_, Option<i64>>(1)?.unwrap_or(0) > 0,
                    latest: r.get(2)?,
                })
            },
        )?;
        let total = pending.len() as u64;
        let (mut retraced, mut passages, mut done) = (0, 0, 0u64);
        // The index does not change during the pass: opened once for it (its cache of
        // common phrases' holders then serves every batch).
        let look = index::Index::open_or_create(&self.fp_dir, &self.cfg)?;
        for batch in pending.chunks(TRACE_BATCH) {
            let (r, p) = self.trace_seqs(conn, &look, batch, &set, &before)?;
            retraced += r;
            passages += p;
            done += batch.len() as u64;
            progress(done, total);
        }
        Ok((retraced, passages))
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
    /// articles; stale revisions and `a` itself are left out. `later`: how many later
    /// ones, or `None` for its possible sources only (earlier, and a few undated ones: a
    /// source with no direction claimed).
    fn candidates_of(&self, look: &index::Index, key: &str, a: &Article, later: Option<usize>) -> Result<Vec<(i64, Option<i64>)>> {
        let probe = Article {
            id: key.to_string(),
            ..a.clone()
        };
        let found = match later {
            Some(n) => look.candidates_with(&probe, &self.cfg, n)?,
            None => look.source_candidates_of(&probe, &self.cfg)?,
        };
        Ok(found
            .into_iter()
            .filter_map(|c| c.id.parse::<i64>().ok().map(|s| (s, c.published)))
            .collect())
    }

    /// Traces `targets` (article ids) against the store, and re-traces the stored articles
    /// whose provenance their arrival may change. Writes the passages in one transaction.
    /// `pending`: articles being traced in this pass (never re-traced by it).
    /// `before`: what was traced before this pass, where re-traces can come from.
    fn trace_seqs(
        &self,
        conn: &Connection,
        look: &index::Index,
        targets: &[i64],
        pending: &HashSet<i64>,
        before: &TracedBefore,
    ) -> Result<(u64, u64)> {
        let mut cache: HashMap<i64, Option<Arc<Article>>> = HashMap::new();
        let mut arts: Vec<(i64, Arc<Article>)> = Vec::with_capacity(targets.len());
        let mut in_targets: HashSet<i64> = HashSet::new();
        for &seq in targets {
            if in_targets.insert(seq) {
                if let Some(a) = load(conn, seq, &mut cache)? {
                    arts.push((seq, a));
                }
            }
        }
        let retrace_cap = self.cfg.max_sources * 8;
        let cands: Vec<Vec<(i64, Option<i64>)>> = arts
            .par_iter()
            .map(|(seq, a)| {
                // Later candidates are looked up only to find what to re-trace: none when
                // nothing traced before this pass can be later (a first bulk load).
                let later = before.may_follow(timestamp(a.published.as_deref())).then_some(retrace_cap);
                self.candidates_of(look, &seq.to_string(), a, later)
            })
            .collect::<Result<_>>()?;
        let traced = self.trace_all(conn, &arts, &cands, &mut cache)?;

        // Stored articles the newcomers may be an earlier source of: later ones holding
        // text a newcomer has from no earlier article, and later ones sharing text with a
        // newcomer that name a source not earlier than it.
        let mut first: HashMap<i64, Option<i64>> = HashMap::new();
        for (k, (_, a)) in arts.iter().enumerate() {
            let t0 = timestamp(a.published.as_deref());
            for &(c, ct) in &cands[k] {
                let later = match (t0, ct) {
                    (Some(t0), Some(ct)) => ct >= t0,
                    (Some(_), None) => true,
                    (None, ct) => ct.is_none(),
                };
                if later && !in_targets.contains(&c) && !pending.contains(&c) {
                    let e = first.entry(c).or_insert(t0);
                    *e = match (*e, t0) {
                        (Some(x), Some(y)) => Some(x.min(y)),
                        _ => None,
                    };
                }
            }
        }
        let mut retrace: Vec<i64> = Vec::new();
        let mut chosen: HashSet<i64> = HashSet::new();
        {
            let mut stmt = conn.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM passages p JOIN articles s ON s.id = p.source
                                WHERE p.target = a.id AND (s.published_ts IS NULL OR ?2 IS NULL OR s.published_ts >= ?2))
                 FROM articles a WHERE a.current = ?1",
            )?;
            let mut keys: Vec<(i64, Option<i64>)> = first.into_iter().collect();
            keys.sort_unstable();
            for (c, t0) in keys {
                let hit: Option<bool> = stmt.query_row(params![c, t0], |r| r.get(0)).optional()?;
                if hit == Some(true) && chosen.insert(c) {
                    retrace.push(c);
                }
            }
        }
        let cfg = &self.cfg;
        let holders: Vec<Vec<i64>> = arts
            .par_iter()
            .zip(traced.par_iter())
            .map(|((_, a), ps)| -> Result<Vec<i64>> {
                let Some(t0) = timestamp(a.published.as_deref()) else { return Ok(Vec::new()) };
                if !before.may_follow(Some(t0)) {
                    return Ok(Vec::new());
                }
                let fps = unsourced_fingerprints(a, ps, cfg);
                Ok(look.holders(&fps, t0, cfg.min_shared, retrace_cap)?
                    .into_iter()
                    .filter_map(|c| c.id.parse::<i64>().ok())
                    .collect())
            })
            .collect::<Result<_>>()?;
        for c in holders.into_iter().flatten() {
            if !in_targets.contains(&c) && !pending.contains(&c) && chosen.insert(c) {
                retrace.push(c);
            }
        }
        {
            // Revised articles: what named their old text is traced again.
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT a.current FROM passages p JOIN articles a ON a.id = p.target WHERE p.source = ?1 OR p.via = ?1 LIMIT ?2",
            )?;
            for (_, a) in &arts {
                let refs: Vec<i64> = stmt
                    .query_map(params![a.id, MAX_REFERRERS as i64], |r| r.get(0))?
                    .collect::<std::result::Result<_, _>>()?;
                for c in refs {
                    if !in_targets.contains(&c) && !pending.contains(&c) && chosen.insert(c) {
                        retrace.push(c);
                    }
                }
            }
        }
        let mut again: Vec<(i64, Arc<Article>)> = Vec::with_capacity(retrace.len());
        for c in retrace {
            if let Some(a) = load(conn, c, &mut cache)? {
                again.push((c, a));
            }
        }
        let again_cands: Vec<Vec<(i64, Option<i64>)>> = again
            .par_iter()
            .map(|(seq, a)| self.candidates_of(look, &seq.to_string(), a, Some(self.cfg.max_sources)))
            .collect::<Result<_>>()?;
        let again_traced = self.trace_all(conn, &again, &again_cands, &mut cache)?;

        let tx = conn.unchecked_transaction()?;
        let mut passages = 0u64;
        for ((_, a), ps) in arts.iter().zip(&traced).chain(again.iter().zip(&again_traced)) {
            db::set_passages(&tx, &a.id, ps, a.text.len())?;
            passages += ps.len() as u64;
        }
        tx.commit()?;
        Ok((again.len() as u64, passages))
    }

    /// Traces each article against its candidates (the ones that can be its sources), in
    /// one run over the articles and all their candidates: each text is tokenized and
    /// fingerprinted once for the batch, and only the articles themselves are aligned.
    fn trace_all(
        &self,
        conn: &Connection,
        arts: &[(i64, Arc<Article>)],
        cands: &[Vec<(i64, Option<i64>)>],
        cache: &mut HashMap<i64, Option<Arc<Article>>>,
    ) -> Result<Vec<Vec<PassageRecord>>> {
        if arts.is_empty() {
            return Ok(Vec::new());
        }
        let mut set: Vec<Article> = Vec::new();
        let mut pos: HashMap<String, usize> = HashMap::new();
        for (_, a) in arts {
            if !pos.contains_key(&a.id) {
                pos.insert(a.id.clone(), set.len());
                set.push((**a).clone());
            }
        }
        let n_targets = set.len();
        // Each target is aligned with its own index candidates only: the index chose them
        // (every part of the target keeps its best sources), and the batch's other
        // articles are no candidates of it.
        let mut chosen: Vec<Vec<u32>> = vec![Vec::new(); n_targets];
        for (k, (_, a)) in arts.iter().enumerate() {
            // A dated article takes text only from earlier (or same-time, or undated)
            // ones: its later candidates would cost their tokens for nothing.
            let t0 = timestamp(a.published.as_deref());
            let me = pos[&a.id];
            for &(c, ct) in &cands[k] {
                if let (Some(t0), Some(ct)) = (t0, ct) {
                    if ct > t0 {
                        continue;
                    }
                }
                if let Some(ca) = load(conn, c, cache)? {
                    let at = match pos.get(&ca.id) {
                        Some(&i) => i,
                        None => {
                            pos.insert(ca.id.clone(), set.len());
                            set.push((*ca).clone());
                            set.len() - 1
                        }
                    };
                    if at != me {
                        chosen[me].push(at as u32);
                    }
                }
            }
        }
        for c in &mut chosen {
            c.sort_unstable();
            c.dedup();
        }
        let mask: Vec<bool> = (0..set.len()).map(|i| i < n_targets).collect();
        let out = if set.len() > n_targets || n_targets > 1 {
            copydesk_trace::trace_chosen(&set, &mask, &chosen, &self.cfg)?.passages
        } else {
            Vec::new()
        };
        let mut by: HashMap<String, Vec<PassageRecord>> = HashMap::new();
        for p in out {
            by.entry(p.target.clone()).or_default().push(p);
        }
        Ok(arts.iter().map(|(_, a)| by.remove(&a.id).unwrap_or_default()).collect())
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
        let look = index::Index::open_or_create(&self.fp_dir, &self.cfg)?;
        let cands = self.candidates_of(&look, "", a, Some(self.cfg.max_sources))?;
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

/// The articles traced before a tracing pass (the only ones it may re-trace).
pub(crate) struct TracedBefore {
    any: bool,
    undated: bool,
    latest: Option<i64>,
}

impl TracedBefore {
    /// Whether one of them may be later than (or undated beside) an article of time `t0`.
    fn may_follow(&self, t0: Option<i64>) -> bool {
        self.any
            && (self.undated
                || match (t0, self.latest) {
                    (Some(t0), Some(l)) => l >= t0,
                    _ => true,
                })
    }
}

/// Fingerprints of the text of `a` outside its passages `ps`: text it has from no
/// earlier article, of which it is then the earliest holder.
fn unsourced_fingerprints(a: &Article, ps: &[PassageRecord], cfg: &copydesk_trace::Config) -> HashSet<u64> {
    let doc = token::tokenize(&a.text);
    let mut raw: Vec<(usize, usize)> = ps.iter().map(|p| (p.begin, p.end)).collect();
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
    let mut out = HashSet::new();
    let mut run: Vec<u32> = Vec::new();
    for i in 0..=doc.len() {
        if i == doc.len() || covered(doc.starts[i] as usize) {
            out.extend(group::fingerprints(&run, cfg.ngram, cfg.sample));
            run.clear();
        } else {
            run.push(doc.toks[i]);
        }
    }
    out
}

fn load(conn: &Connection, seq: i64, cache: &mut HashMap<i64, Option<Arc<Article>>>) -> Result<Option<Arc<Article>>> {
    if let Some(a) = cache.get(&seq) {
        return Ok(a.clone());
    }
    let a = db::trace_article(conn, seq)?.map(Arc::new);
    cache.insert(seq, a.clone());
    Ok(a)
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
