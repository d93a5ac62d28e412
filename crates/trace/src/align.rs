//! Word-level local alignment of one (target, source) pair.
//!
//! Anchors are exact runs of at least `anchor` equal tokens (maximal, found through a hash
//! of the source's n-grams). Runs are chained left to right in the target; a gap between
//! two runs is bridged when it looks like an edit (a substitution, a dropped sentence,
//! local rewording that still shares most words) and not like new text (an inserted
//! sentence or paragraph, a skipped source paragraph, a jump backwards = a swapped
//! paragraph, which starts a new chain). Inside a bridged gap the words are aligned by
//! an exact LCS, which gives the edits (`Russia` -> `Russian Federation`). This is the
//! banded alignment around the anchor chain: the dynamic programme only ever runs inside
//! a gap, so the cost is linear in the pair's length.
//!
//! Pure functions of two tokenised documents.

use crate::group::ngram_hash;
use crate::token::Doc;

#[derive(Debug, Clone)]
pub struct AlignParams {
    /// Minimum length of an exact anchor run, in tokens.
    pub anchor: usize,
    /// An n-gram occurring more often than this in the source is no anchor (repeats).
    pub max_occurrences: usize,
    /// Gaps up to this many tokens on both sides are bridged as substitutions.
    pub small_gap: u32,
    /// A target-side gap this small with a source gap up to `max_deletion` is a deletion.
    pub max_deletion: u32,
    /// Larger gaps (up to `max_fuzzy_gap`) are bridged when they share enough words.
    pub max_fuzzy_gap: u32,
    pub fuzzy_overlap: f32,
    /// A chain needs this many matched tokens to count as a passage.
    pub min_matched: u32,
    /// Heavily reworded text (words shuffled, replaced) breaks into short chains close to
    /// each other in both documents, in any order: chains within this many tokens in both
    /// are merged into one passage, unless both are long clean copies (swapped paragraphs
    /// stay two passages). 0 turns merging off.
    pub merge_gap: u32,
    /// Merged passages must keep at least this share of matched tokens.
    pub merge_density: f32,
    /// Heavily reworded passages are also sought sentence by sentence: sentence pairs
    /// sharing this share of their content words (Dice) seed a passage; 0 turns it off.
    pub sentence_dice: f32,
    /// The sentence step runs only for pairs whose exact runs add up to this many tokens:
    /// most candidate pairs share a few chance phrases and nothing more, and seeking
    /// sentences in all of them costs more than the rest of the alignment.
    pub sentence_min_run_tokens: u32,
    /// A sentence passage must absorb exact runs adding up to this many tokens: shared
    /// words alone are topic evidence, a copy also keeps some exact phrases.
    pub sentence_min_exact: u32,
    /// A lone seed sentence pair (no neighbour seeds) needs this many shared content words.
    pub sentence_lone_common: u32,
    /// A reworded passage (not a clean copy) grows at each edge by up to this many tokens
    /// of its paragraph while the words there mostly occur on the other side: its
    /// first and last words were replaced or moved, so exact runs stop short. 0: off.
    pub extend: u32,
}

impl Default for AlignParams {
    fn default() -> Self {
        AlignParams {
            anchor: 3,
            max_occurrences: 4,
            small_gap: 8,
            max_deletion: 80,
            max_fuzzy_gap: 60,
            fuzzy_overlap: 0.35,
            min_matched: 14,
            merge_gap: 100,
            merge_density: 0.15,
            sentence_dice: 0.5,
            sentence_min_run_tokens: 12,
            sentence_min_exact: 6,
            sentence_lone_common: 12,
            extend: 50,
        }
    }
}

/// Exact run: `len` equal tokens at target `t` and source `s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub t: u32,
    pub s: u32,
    pub len: u32,
}

impl Run {
    fn t_end(&self) -> u32 {
        self.t + self.len
    }
    fn s_end(&self) -> u32 {
        self.s + self.len
    }
}

/// One aligned passage of a pair, in token coordinates (half-open).
#[derive(Debug, Clone)]
pub struct Chain {
    pub runs: Vec<Run>,
    pub tb: u32,
    pub te: u32,
    pub sb: u32,
    pub se: u32,
    pub matched: u32,
    /// Made by merging out-of-order pieces: runs are not monotone in the source, and the
    /// chain has no word-level edits.
    pub fuzzy: bool,
}

impl Chain {
    fn clean(&self) -> bool {
        !self.fuzzy && self.te - self.tb >= 15 && self.similarity() >= 0.8
    }

    pub fn similarity(&self) -> f32 {
        let span = (self.te - self.tb).max(self.se - self.sb).max(1);
        self.matched as f32 / span as f32
    }

    /// Matched tokens inside target tokens `[a, b)`.
    pub fn matched_in(&self, a: u32, b: u32) -> u32 {
        self.runs
            .iter()
            .map(|r| r.t_end().min(b).saturating_sub(r.t.max(a)))
            .sum()
    }

    /// The source token range that target tokens `[a, b)` of this chain align to.
    pub fn map_to_source(&self, a: u32, b: u32) -> (u32, u32) {
        if self.fuzzy {
            return (self.sb, self.se);
        }
        let a = a.max(self.tb);
        let b = b.min(self.te).max(a);
        let start = if a <= self.tb {
            self.sb
        } else {
            let mut s = self.sb;
            for r in &self.runs {
                if a >= r.t_end() {
                    s = r.s_end();
                } else if a >= r.t {
                    s = r.s + (a - r.t);
                    break;
                } else {
                    break;
                }
            }
            s
        };
        let end = if b >= self.te {
            self.se
        } else {
            let mut e = self.se;
            for r in self.runs.iter().rev() {
                if b <= r.t {
                    e = r.s;
                } else if b <= r.t_end() {
                    e = r.s + (b - r.t);
                    break;
                } else {
                    break;
                }
            }
            e
        };
        (start, end.max(start))
    }
}

/// A word-level difference inside a chain, in token coordinates. `t`/`s` are half-open
/// token ranges; one side is empty for a pure insertion or deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edit {
    pub s: (u32, u32),
    pub t: (u32, u32),
}

/// Aligns `target` against `source` and returns its passages (chains), best first.
pub fn align(target: &Doc, source: &Doc, p: &AlignParams) -> Vec<Chain> {
    align_indexed(
        target,
        &gram_index(target, p.anchor),
        source,
        &gram_index(source, p.anchor),
        p,
    )
}

/// [`align`] with prebuilt gram indexes (see [`gram_index`]).
pub fn align_indexed(
    target: &Doc,
    ti: &[(u64, u32)],
    source: &Doc,
    si: &[(u64, u32)],
    p: &AlignParams,
) -> Vec<Chain> {
    let runs = anchor_runs(target, ti, source, si, p);
    if runs.is_empty() {
        return Vec::new();
    }
    let run_tokens: u32 = runs.iter().map(|r| r.len).sum();
    let mut chains = chain_runs(target, source, runs, p);
    for c in &mut chains {
        trim_weak_ends(c, p.anchor as u32);
    }
    if p.merge_gap > 0 {
        chains = merge_fuzzy(target, source, chains, p);
    }
    if p.sentence_dice > 0.0 && run_tokens >= p.sentence_min_run_tokens {
        chains = with_sentence_passages(target, source, chains, p);
    }
    let mut out: Vec<Chain> = chains
        .into_iter()
        .filter(|c| c.matched >= p.min_matched)
        .map(|c| snap(target, source, c))
        .map(|c| extend_edges(target, source, c, p.extend))
        .collect();
    out.sort_by(|a, b| b.matched.cmp(&a.matched).then(a.tb.cmp(&b.tb)));
    // A chain mostly inside a better one of the same pair is the same text matched twice
    // (repeated phrases); keep the better.
    let mut kept: Vec<Chain> = Vec::new();
    for c in out {
        let len = c.te - c.tb;
        let covered: u32 = kept
            .iter()
            .map(|k| c.te.min(k.te).saturating_sub(c.tb.max(k.tb)))
            .sum();
        if covered * 2 < len {
            kept.push(c);
        }
    }
    kept
}

/// A document's anchor n-grams sorted by hash: `(hash, position)`. Built once per
/// document and shared by all the pairs it is in.
pub fn gram_index(d: &Doc, n: usize) -> Vec<(u64, u32)> {
    let n = n.max(1);
    if d.len() < n {
        return Vec::new();
    }
    let mut index: Vec<(u64, u32)> = d
        .toks
        .windows(n)
        .enumerate()
        .map(|(j, w)| (ngram_hash(w), j as u32))
        .collect();
    index.sort_unstable();
    index
}

/// Maximal exact runs of at least `anchor` tokens, from two documents' gram indexes
/// (a merge join: linear in the two lengths).
pub fn anchor_runs(
    target: &Doc,
    ti: &[(u64, u32)],
    source: &Doc,
    si: &[(u64, u32)],
    p: &AlignParams,
) -> Vec<Run> {
    let n = p.anchor.max(1);
    let mut hits: Vec<(u32, u32)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < ti.len() && j < si.len() {
        let (a, b) = (ti[i].0, si[j].0);
        if a < b {
            i += 1;
        } else if b < a {
            j += 1;
        } else {
            let i2 = i + ti[i..].partition_point(|x| x.0 == a);
            let j2 = j + si[j..].partition_point(|x| x.0 == a);
            if j2 - j <= p.max_occurrences && i2 - i <= p.max_occurrences * 4 {
                for x in &ti[i..i2] {
                    for y in &si[j..j2] {
                        let (ti_, sj) = (x.1 as usize, y.1 as usize);
                        if target.toks[ti_..ti_ + n] == source.toks[sj..sj + n] {
                            hits.push((x.1, y.1));
                        }
                    }
                }
            }
            i = i2;
            j = j2;
        }
    }
    hits.sort_unstable();
    // Runs grow along diagonals: a hit extends the run whose last hit is one step back.
    let mut runs: Vec<Run> = Vec::new();
    let mut open: std::collections::HashMap<i64, (u32, usize)> = std::collections::HashMap::new();
    for (i, j) in hits {
        let d = j as i64 - i as i64;
        match open.get_mut(&d) {
            Some((last, r)) if *last + 1 == i => {
                runs[*r].len += 1;
                *last = i;
            }
            _ => {
                runs.push(Run { t: i, s: j, len: 1 });
                open.insert(d, (i, runs.len() - 1));
            }
        }
    }
    for r in &mut runs {
        r.len += n as u32 - 1;
    }
    runs
}

fn chain_runs(target: &Doc, source: &Doc, mut runs: Vec<Run>, p: &AlignParams) -> Vec<Chain> {
    runs.sort_unstable_by_key(|r| (r.t, r.s));
    let mut chains: Vec<Chain> = Vec::new();
    let mut active: Vec<usize> = Vec::new();
    let horizon = p.max_fuzzy_gap.max(p.small_gap) + 1;
    for run in runs {
        active.retain(|&c| {
            let last = chains[c].runs.last().copied().unwrap_or(run);
            last.t_end() + horizon >= run.t
        });
        let mut best: Option<(u32, usize, Run)> = None;
        for &c in &active {
            let Some(last) = chains[c].runs.last().copied() else {
                continue;
            };
            // Trim an overlap with the chain's last run (same text matched on a nearby
            // diagonal) from the start of the new run.
            if run.t_end() <= last.t_end() || run.s_end() <= last.s_end() {
                continue;
            }
            let cut = last
                .t_end()
                .saturating_sub(run.t)
                .max(last.s_end().saturating_sub(run.s));
            let trimmed = Run {
                t: run.t + cut,
                s: run.s + cut,
                len: run.len - cut,
            };
            if !bridgeable(target, source, last, trimmed, p) {
                continue;
            }
            let cost = (trimmed.t - last.t_end()) + (trimmed.s - last.s_end());
            if best.is_none_or(|(b, _, _)| cost < b) {
                best = Some((cost, c, trimmed));
            }
        }
        match best {
            Some((_, c, trimmed)) => {
                let ch = &mut chains[c];
                ch.runs.push(trimmed);
                ch.te = trimmed.t_end();
                ch.se = trimmed.s_end();
                ch.matched += trimmed.len;
            }
            None => {
                chains.push(Chain {
                    runs: vec![run],
                    tb: run.t,
                    te: run.t_end(),
                    sb: run.s,
                    se: run.s_end(),
                    matched: run.len,
                    fuzzy: false,
                });
                active.push(chains.len() - 1);
            }
        }
    }
    chains
}

/// Whether the gap between `a` and the following run `b` is an edit rather than new text.
fn bridgeable(target: &Doc, source: &Doc, a: Run, b: Run, p: &AlignParams) -> bool {
    let gt = b.t - a.t_end();
    let gs = b.s - a.s_end();
    // Paragraph structure must agree: an inserted paragraph (a caption, an own paragraph)
    // or a skipped source paragraph separates passages.
    let pt = target.para[b.t as usize] - target.para[(a.t_end() - 1) as usize];
    let ps = source.para[b.s as usize] - source.para[(a.s_end() - 1) as usize];
    if pt != ps {
        return false;
    }
    // An inserted own sentence: the target gap holds more sentence starts than the source's.
    let inserted =
        sentence_starts(target, a.t_end(), b.t) > sentence_starts(source, a.s_end(), b.s);
    if pt > 0 && (gt > 4 || gs > 4) {
        // Across a paragraph break both sides must pick up again at once.
        return false;
    }
    if gt <= p.small_gap && gs <= p.small_gap {
        return !inserted;
    }
    if gt <= p.small_gap.min(2) && gs <= p.max_deletion {
        return true;
    }
    if gt <= p.max_fuzzy_gap && gs <= p.max_deletion {
        let common = common_tokens(
            &target.toks[a.t_end() as usize..b.t as usize],
            &source.toks[a.s_end() as usize..b.s as usize],
        );
        let small = gt.min(gs).max(1) as f32;
        let large = gt.max(gs) as f32;
        let c = common as f32;
        return c >= p.fuzzy_overlap * small && c >= 0.25 * large && (!inserted || gs > 0);
    }
    false
}

/// Sentence starts strictly inside tokens `[a, b)` (not at `a`).
fn inner_starts(d: &Doc, a: u32, b: u32) -> usize {
    ((a + 1)..b)
        .filter(|&i| d.sentence_start(i as usize))
        .count()
}

/// Sentence starts among tokens `a..=b` (the gap and the token after it).
fn sentence_starts(d: &Doc, a: u32, b: u32) -> usize {
    (a..=b.min(d.len().saturating_sub(1) as u32))
        .filter(|&i| d.sentence_start(i as usize))
        .count()
}

fn common_tokens(a: &[u32], b: &[u32]) -> u32 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let mut x = a.to_vec();
    let mut y = b.to_vec();
    x.sort_unstable();
    y.sort_unstable();
    let (mut i, mut j, mut c) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                c += 1;
                i += 1;
                j += 1;
            }
        }
    }
    c
}

/// Drops minimum-length runs hanging off a chain's ends after a gap wider than a
/// substitution: a chance match of
/// a common phrase next to a copied passage (a caption, an own sentence) is no evidence.
fn trim_weak_ends(c: &mut Chain, anchor: u32) {
    while c.runs.len() > 1 {
        let (last, prev) = (c.runs[c.runs.len() - 1], c.runs[c.runs.len() - 2]);
        if last.len > anchor || (last.t - prev.t_end() <= 6 && last.s - prev.s_end() <= 6) {
            break;
        }
        c.runs.pop();
        c.matched -= last.len;
    }
    while c.runs.len() > 1 {
        let (first, next) = (c.runs[0], c.runs[1]);
        if first.len > anchor || (next.t - first.t_end() <= 6 && next.s - first.s_end() <= 6) {
            break;
        }
        c.runs.remove(0);
        c.matched -= first.len;
    }
    if let (Some(f), Some(l)) = (c.runs.first(), c.runs.last()) {
        c.tb = f.t;
        c.sb = f.s;
        c.te = l.t_end();
        c.se = l.s_end();
    }
}

fn sentences(d: &Doc) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut start = 0u32;
    for i in 1..d.len() {
        if d.sentence_start(i) {
            out.push((start, i as u32));
            start = i as u32;
        }
    }
    if !d.is_empty() {
        out.push((start, d.len() as u32));
    }
    out
}

/// Sentence-seeded passages for reworded text (words shuffled, replaced, dropped): pairs
/// of sentences sharing enough content words are seeds; seeds close in both documents
/// form a passage. A passage replaces the weak exact chains inside it and is dropped
/// where a good exact chain already covers it (edits stay word-aligned there).
fn with_sentence_passages(
    target: &Doc,
    source: &Doc,
    chains: Vec<Chain>,
    p: &AlignParams,
) -> Vec<Chain> {
    let ts = sentences(target);
    let ss = sentences(source);
    let content = |d: &Doc, (a, b): (u32, u32)| -> Vec<u32> {
        let mut v: Vec<u32> = (a..b)
            .filter(|&i| d.content[i as usize])
            .map(|i| d.toks[i as usize])
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    // (word, sentence) of the source's content words, sorted and deduplicated: the
    // inverted index and each sentence's set size without one allocation per sentence
    // (this step runs for every candidate pair).
    let mut s_words: Vec<(u32, u32)> = Vec::with_capacity(source.len());
    for (j, &(a, b)) in ss.iter().enumerate() {
        for i in a..b {
            if source.content[i as usize] {
                s_words.push((source.toks[i as usize], j as u32));
            }
        }
    }
    s_words.sort_unstable();
    s_words.dedup();
    let mut s_size = vec![0u32; ss.len()];
    for &(_, j) in &s_words {
        s_size[j as usize] += 1;
    }
    let mut t_words: Vec<(u32, u32)> = Vec::with_capacity(target.len());
    for (i, &(a, b)) in ts.iter().enumerate() {
        for k in a..b {
            if target.content[k as usize] {
                t_words.push((target.toks[k as usize], i as u32));
            }
        }
    }
    t_words.sort_unstable();
    t_words.dedup();
    let mut t_size = vec![0u32; ts.len()];
    for &(_, i) in &t_words {
        t_size[i as usize] += 1;
    }
    // Sentence pairs sharing a word, by a merge join of the two sorted lists (linear;
    // a word in more than 8 source sentences is too common to be evidence).
    let mut hits: Vec<(u32, u32)> = Vec::new();
    let (mut x, mut y) = (0, 0);
    while x < t_words.len() && y < s_words.len() {
        let w = t_words[x].0;
        match w.cmp(&s_words[y].0) {
            std::cmp::Ordering::Less => x += 1,
            std::cmp::Ordering::Greater => y += 1,
            std::cmp::Ordering::Equal => {
                let x2 = x + t_words[x..].partition_point(|e| e.0 == w);
                let y2 = y + s_words[y..].partition_point(|e| e.0 == w);
                if y2 - y <= 8 {
                    for &(_, i) in &t_words[x..x2] {
                        if t_size[i as usize] >= 3 {
                            for &(_, j) in &s_words[y..y2] {
                                hits.push((i, j));
                            }
                        }
                    }
                }
                x = x2;
                y = y2;
            }
        }
    }
    hits.sort_unstable();
    let mut seeds: Vec<(u32, u32, u32)> = Vec::new();
    for g in hits.chunk_by(|a, b| a == b) {
        let (i, j) = g[0];
        let c = g.len() as u32;
        let dice = 2.0 * c as f32 / (t_size[i as usize] + s_size[j as usize]) as f32;
        if c >= 3 && dice >= p.sentence_dice {
            seeds.push((i, j, c));
        }
    }
    if seeds.is_empty() {
        return chains;
    }
    seeds.sort_unstable();
    // Cluster: next target sentence within 2, source sentence within 3 of the cluster's.
    let mut clusters: Vec<(u32, u32, u32, u32, u32, u32)> = Vec::new(); // ti0, ti1, sj0, sj1, common, seeds
    for (i, j, c) in seeds {
        match clusters.last_mut() {
            Some(cl) if i <= cl.1 + 2 && j + 2 >= cl.2 && j <= cl.3 + 2 => {
                cl.1 = cl.1.max(i);
                cl.2 = cl.2.min(j);
                cl.3 = cl.3.max(j);
                cl.4 += c;
                cl.5 += 1;
            }
            _ => clusters.push((i, i, j, j, c, 1)),
        }
    }
    let mut out: Vec<Chain> = Vec::new();
    let mut fuzzy: Vec<Chain> = Vec::new();
    for (i0, i1, j0, j1, common, n) in clusters {
        if n < 2 && common < p.sentence_lone_common {
            continue;
        }
        let (tb, te) = (ts[i0 as usize].0, ts[i1 as usize].1);
        let (sb, se) = (ss[j0 as usize].0, ss[j1 as usize].1);
        // A cluster much longer on one side is two texts on one topic, not a copy.
        let (lt, ls) = (te - tb, se - sb);
        if lt > 2 * ls + 10 || ls > 2 * lt + 10 {
            continue;
        }
        // Trim both sides to the first and last content word the other side also holds.
        let tset = content(target, (tb, te));
        let sset = content(source, (sb, se));
        let shared_in = |d: &Doc, a: u32, b: u32, other: &[u32]| -> Option<(u32, u32)> {
            let hit = |i: &u32| {
                d.content[*i as usize] && other.binary_search(&d.toks[*i as usize]).is_ok()
            };
            let first = (a..b).find(hit)?;
            let last = (a..b).rev().find(hit)?;
            Some((first, last + 1))
        };
        let (Some((tb, te)), Some((sb, se))) = (
            shared_in(target, tb, te, &sset),
            shared_in(source, sb, se, &tset),
        ) else {
            continue;
        };
        fuzzy.push(Chain {
            runs: Vec::new(),
            tb,
            te,
            sb,
            se,
            matched: common * 2,
            fuzzy: true,
        });
    }
    let good = |c: &Chain| c.matched >= p.min_matched && c.similarity() >= 0.6;
    for f in &mut fuzzy {
        let inside: Vec<&Chain> = chains
            .iter()
            .filter(|c| c.tb < f.te && f.tb < c.te)
            .collect();
        if inside.iter().any(|c| good(c)) {
            f.matched = 0;
            continue;
        }
        // Absorb the weak exact chains it overlaps that align near it in the source too;
        // one elsewhere in the source is a chance phrase and is dropped below.
        let near = p.merge_gap.max(p.small_gap);
        let (fsb, fse) = (f.sb, f.se);
        for c in inside {
            if c.sb + near < fsb || c.se > fse + near {
                continue;
            }
            f.tb = f.tb.min(c.tb);
            f.te = f.te.max(c.te);
            f.sb = f.sb.min(c.sb);
            f.se = f.se.max(c.se);
            f.runs.extend(c.runs.iter().copied());
        }
        f.runs.sort_by_key(|r| (r.t, r.s));
    }
    let min_exact = p.sentence_min_exact;
    fuzzy.retain(|f| f.matched > 0 && f.runs.iter().map(|r| r.len).sum::<u32>() >= min_exact);
    for c in chains {
        if good(&c) || !fuzzy.iter().any(|f| c.tb < f.te && f.tb < c.te) {
            out.push(c);
        }
    }
    out.extend(fuzzy);
    out
}

/// Merges chains close in both documents (any order) into fuzzy passages. A chain may join
/// any passage still open within `merge_gap` target tokens, the nearest first: chance
/// matches of a common phrase lie between the pieces of a reworded passage and must not
/// keep them apart.
fn merge_fuzzy(target: &Doc, source: &Doc, mut chains: Vec<Chain>, p: &AlignParams) -> Vec<Chain> {
    chains.sort_by_key(|c| (c.tb, c.sb));
    let mut out: Vec<Chain> = Vec::new();
    let mut active: Vec<usize> = Vec::new();
    for c in chains {
        active.retain(|&k| out[k].te + p.merge_gap >= c.tb);
        let mut near: Vec<(u32, usize)> = active
            .iter()
            .filter_map(|&k| {
                let a = &out[k];
                let gt = c.tb.saturating_sub(a.te).max(a.tb.saturating_sub(c.te));
                let gs = c.sb.saturating_sub(a.se).max(a.sb.saturating_sub(c.se));
                (gt <= p.merge_gap && gs <= p.merge_gap).then_some((gt + gs, k))
            })
            .collect();
        near.sort_unstable();
        let mut merged = false;
        for (_, k) in near {
            if let Some(m) = merge_pair(target, source, &out[k], &c, p) {
                out[k] = m;
                merged = true;
                break;
            }
        }
        if !merged {
            out.push(c);
            active.push(out.len() - 1);
        }
    }
    out
}

/// `a` and `b` (`b` starting no earlier in the target) as one passage, when the text
/// between them looks reworded rather than new.
fn merge_pair(target: &Doc, source: &Doc, a: &Chain, c: &Chain, p: &AlignParams) -> Option<Chain> {
    if a.clean() && c.clean() {
        return None;
    }
    // Text a clean copy already explains, matched again elsewhere: a repeated phrase.
    if (a.clean() || c.clean()) && c.tb < a.te && a.tb < c.te {
        return None;
    }
    let tb = a.tb.min(c.tb);
    let te = a.te.max(c.te);
    let sb = a.sb.min(c.sb);
    let se = a.se.max(c.se);
    let matched = a.matched + c.matched;
    let span = (te - tb).max(se - sb).max(1);
    if (matched as f32) < p.merge_density * span as f32 {
        return None;
    }
    // The target words between the pieces must come from the source region
    // too: reworded text, not a copy ending next to a chance match.
    let (ga, gb) = (a.te.min(c.tb), c.tb.max(a.te));
    let (sa, sbb) = if c.sb >= a.se {
        (a.se, c.sb)
    } else if a.sb >= c.se {
        (c.se, a.sb)
    } else {
        (0, 0)
    };
    let from_other = |gap: &[u32], other: &[u32]| {
        gap.len() < 3 || common_tokens(gap, other) * 2 >= gap.len() as u32
    };
    let t_win = &target.toks[tb.saturating_sub(10) as usize..(te as usize + 10).min(target.len())];
    let s_win = &source.toks[sb.saturating_sub(10) as usize..(se as usize + 10).min(source.len())];
    let tiny = |x: &Chain| x.matched < 6;
    // Paragraph structure must agree, as for bridging: never across a caption.
    let pt = target.para[c.tb.max(a.te - 1) as usize] - target.para[(a.te - 1).min(c.tb) as usize];
    let ps = if c.sb >= a.se {
        source.para[c.sb as usize] - source.para[(a.se - 1) as usize]
    } else {
        u32::MAX
    };
    let paras_ok = pt == 0 || pt == ps;
    let gap_ok = paras_ok
        && from_other(&target.toks[ga as usize..gb as usize], s_win)
        && from_other(&source.toks[sa as usize..sbb as usize], t_win)
        && !(a.clean() && tiny(c))
        && !(c.clean() && tiny(a));
    if !gap_ok {
        return None;
    }
    let mut runs = a.runs.clone();
    runs.extend(c.runs.iter().copied());
    runs.sort_by_key(|r| (r.t, r.s));
    // Pieces still in order on both sides are an ordinary chain, whose
    // gaps give word-level edits; out of order, it is fuzzy.
    let monotone = !a.fuzzy
        && !c.fuzzy
        && runs
            .windows(2)
            .all(|w| w[1].t >= w[0].t_end() && w[1].s >= w[0].s_end());
    Some(Chain {
        runs,
        tb,
        te,
        sb,
        se,
        matched,
        fuzzy: !monotone,
    })
}

/// Extends a chain to paragraph boundaries when it stops within a few tokens of them on
/// both sides (a substituted first or last word, a changed final number).
fn snap(target: &Doc, source: &Doc, mut c: Chain) -> Chain {
    // Up to a short clause from the edge on both sides, with the same sentence layout
    // and about as many words: an edited first or last clause, not an inserted sentence.
    const NEAR: u32 = 8;
    if c.fuzzy {
        return c;
    }
    let alike = |ta: u32, tb: u32, sa: u32, sb: u32| -> bool {
        let (gt, gs) = (tb - ta, sb - sa);
        gt.max(gs) <= 3
            || (gt.abs_diff(gs) <= 3
                && inner_starts(target, ta, tb) == inner_starts(source, sa, sb))
    };
    let back = |d: &Doc, i: u32| -> Option<u32> {
        let mut k = i;
        while k > 0 && d.para[k as usize - 1] == d.para[i as usize] {
            k -= 1;
            if i - k > NEAR {
                return None;
            }
        }
        Some(k)
    };
    let fwd = |d: &Doc, e: u32| -> Option<u32> {
        let last = e - 1;
        let mut k = e;
        while (k as usize) < d.len() && d.para[k as usize] == d.para[last as usize] {
            k += 1;
            if k - e > NEAR {
                return None;
            }
        }
        Some(k)
    };
    let head = match (back(target, c.tb), back(source, c.sb)) {
        (Some(t), Some(s)) if alike(t, c.tb, s, c.sb) => Some((t, s)),
        _ => None,
    };
    if let Some((t, s)) = head {
        // Equal leading tokens are matches, not edits.
        let (mut t0, mut s0) = (c.tb, c.sb);
        while t0 > t && s0 > s && target.toks[t0 as usize - 1] == source.toks[s0 as usize - 1] {
            t0 -= 1;
            s0 -= 1;
        }
        if t0 < c.tb {
            let first = &mut c.runs[0];
            c.matched += first.t - t0;
            first.len += first.t - t0;
            first.t = t0;
            first.s = s0;
        }
        c.tb = t;
        c.sb = s;
    }
    let tail = match (fwd(target, c.te), fwd(source, c.se)) {
        (Some(t), Some(s)) if alike(c.te, t, c.se, s) => Some((t, s)),
        _ => None,
    };
    if let Some((t, s)) = tail {
        let (mut t1, mut s1) = (c.te, c.se);
        while t1 < t && s1 < s && target.toks[t1 as usize] == source.toks[s1 as usize] {
            t1 += 1;
            s1 += 1;
        }
        if t1 > c.te {
            if let Some(last) = c.runs.last_mut() {
                last.len += t1 - c.te;
                c.matched += t1 - c.te;
            }
        }
        c.te = t;
        c.se = s;
    }
    c
}

/// Grows a reworded chain's four edges over neighbouring words of the same paragraph that
/// the other side's passage (widened by `max` tokens) also holds. Each edge takes the best
/// scoring stretch: +1 for a content word found on the other side, -1.5 for one not found
/// (function words count nothing), so an extension is mostly shared words and ends on one.
fn extend_edges(target: &Doc, source: &Doc, mut c: Chain, max: u32) -> Chain {
    if max == 0 || c.clean() {
        return c;
    }
    let bag = |d: &Doc, a: u32, b: u32| -> Vec<u32> {
        let a = a.saturating_sub(max) as usize;
        let b = (b.saturating_add(max) as usize).min(d.len());
        let mut v: Vec<u32> = (a..b)
            .filter(|&i| d.content[i])
            .map(|i| d.toks[i])
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    // Best stretch from `from` stepping by `dir`, within the paragraph: its far end.
    let grow = |d: &Doc, from: u32, dir: i64, other: &[u32]| -> u32 {
        let para = d.para[from as usize];
        let (mut score, mut best, mut best_at) = (0.0f32, 0.0f32, from);
        let mut i = from as i64;
        for _ in 0..max {
            i += dir;
            if i < 0 || i as usize >= d.len() || d.para[i as usize] != para {
                break;
            }
            let k = i as usize;
            if d.content[k] {
                if other.binary_search(&d.toks[k]).is_ok() {
                    score += 1.0;
                } else {
                    score -= 1.5;
                }
                if score > best {
                    best = score;
                    best_at = k as u32;
                }
            }
        }
        if best >= 2.0 {
            best_at
        } else {
            from
        }
    };
    let sbag = bag(source, c.sb, c.se);
    let tbag = bag(target, c.tb, c.te);
    let tb = grow(target, c.tb, -1, &sbag);
    let te = grow(target, c.te - 1, 1, &sbag) + 1;
    let sb = grow(source, c.sb, -1, &tbag);
    let se = grow(source, c.se - 1, 1, &tbag) + 1;
    c.tb = tb;
    c.te = te;
    c.sb = sb;
    c.se = se;
    c
}

/// The word-level edits of a chain inside target tokens `[a, b)`.
pub fn edits(target: &Doc, source: &Doc, c: &Chain, a: u32, b: u32) -> Vec<Edit> {
    let mut out = Vec::new();
    if c.fuzzy {
        // Pieces out of order: only the gaps between runs that follow each other closely
        // on both sides are edits (a merged, reworded chain keeps the substitutions of
        // its in-order pieces).
        const NEAR: u32 = 8;
        for w in c.runs.windows(2) {
            let (x, y) = (w[0], w[1]);
            if y.t < x.t_end() || y.s < x.s_end() || x.t_end() < a || y.t > b {
                continue;
            }
            let (gt, gs) = (y.t - x.t_end(), y.s - x.s_end());
            if gt.max(gs) <= NEAR && gt + gs > 0 {
                diff_gap(
                    &target.toks[x.t_end() as usize..y.t as usize],
                    &source.toks[x.s_end() as usize..y.s as usize],
                    x.t_end(),
                    x.s_end(),
                    &mut out,
                );
            }
        }
        return out;
    }
    // Gaps: before the first run (snapped edge), between runs, after the last run.
    let mut prev_t = c.tb;
    let mut prev_s = c.sb;
    let mut gaps = Vec::with_capacity(c.runs.len() + 1);
    for r in &c.runs {
        gaps.push((prev_t, r.t, prev_s, r.s));
        prev_t = r.t_end();
        prev_s = r.s_end();
    }
    gaps.push((prev_t, c.te, prev_s, c.se));
    let edge = |k: usize| k == 0 || k == c.runs.len();
    for (k, (t0, t1, s0, s1)) in gaps.into_iter().enumerate() {
        // An edge grown by shared words (see `extend_edges`), not one aligned word by word.
        if edge(k) && (t1 - t0).max(s1 - s0) > 8 {
            continue;
        }
        if t1 <= a || t0 >= b || (t0 == t1 && s0 == s1) {
            continue;
        }
        if t0 < a || t1 > b {
            // A gap cut by the passage edge: the part inside is not a whole edit.
            continue;
        }
        diff_gap(
            &target.toks[t0 as usize..t1 as usize],
            &source.toks[s0 as usize..s1 as usize],
            t0,
            s0,
            &mut out,
        );
    }
    out
}

/// LCS of a gap's tokens; the unmatched stretches between matches are the edits.
fn diff_gap(t: &[u32], s: &[u32], t_off: u32, s_off: u32, out: &mut Vec<Edit>) {
    const MAX: usize = 120;
    if t.len() > MAX || s.len() > MAX || t.is_empty() || s.is_empty() {
        out.push(Edit {
            s: (s_off, s_off + s.len() as u32),
            t: (t_off, t_off + t.len() as u32),
        });
        return;
    }
    let (n, m) = (t.len(), s.len());
    let mut dp = vec![0u16; (n + 1) * (m + 1)];
    let w = m + 1;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            dp[i * w + j] = if t[i] == s[j] {
                dp[(i + 1) * w + j + 1] + 1
            } else {
                dp[(i + 1) * w + j].max(dp[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let (mut ei, mut ej) = (0, 0);
    let flush = |i: usize, j: usize, ei: usize, ej: usize, out: &mut Vec<Edit>| {
        if i > ei || j > ej {
            out.push(Edit {
                s: (s_off + ej as u32, s_off + j as u32),
                t: (t_off + ei as u32, t_off + i as u32),
            });
        }
    };
    while i < n && j < m {
        if t[i] == s[j] && dp[i * w + j] == dp[(i + 1) * w + j + 1] + 1 {
            flush(i, j, ei, ej, out);
            i += 1;
            j += 1;
            ei = i;
            ej = j;
        } else if dp[(i + 1) * w + j] >= dp[i * w + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    flush(n, m, ei, ej, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::tokenize;

    fn words(d: &Doc, text: &str, a: u32, b: u32) -> String {
        if a >= b {
            return String::new();
        }
        text[d.starts[a as usize] as usize..d.ends[b as usize - 1] as usize].to_string()
    }

    #[test]
    fn substitutions_stay_inside_one_chain_and_become_edits() {
        let s = "The talks with Russia ended on Monday after the main negotiators said the deal was off and both sides left the city.";
        let t = "The talks with Russian Federation ended on Monday after the principal negotiators stated the agreement was off and both sides left the city.";
        let (ds, dt) = (tokenize(s), tokenize(t));
        let chains = align(&dt, &ds, &AlignParams::default());
        assert_eq!(chains.len(), 1, "{chains:?}");
        let c = &chains[0];
        assert_eq!((c.tb, c.te), (0, dt.len() as u32));
        let e: Vec<(String, String)> = edits(&dt, &ds, c, c.tb, c.te)
            .iter()
            .map(|e| (words(&ds, s, e.s.0, e.s.1), words(&dt, t, e.t.0, e.t.1)))
            .collect();
        assert_eq!(
            e,
            [
                ("Russia".to_string(), "Russian Federation".to_string()),
                ("main".into(), "principal".into()),
                ("said".into(), "stated".into()),
                ("deal".into(), "agreement".into())
            ]
        );
    }

    #[test]
    fn swapped_paragraphs_are_two_chains() {
        let p1 = "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho.";
        let p2 = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen.";
        let s = format!("{p1}\n\n{p2}");
        let t = format!("{p2}\n\n{p1}");
        let chains = align(&tokenize(&t), &tokenize(&s), &AlignParams::default());
        assert_eq!(chains.len(), 2);
    }

    #[test]
    fn an_inserted_paragraph_splits_the_passage() {
        let p1 = "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho.";
        let p2 = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen.";
        let s = format!("{p1}\n\n{p2}");
        let t = format!("{p1}\n\nPhoto: Getty Images\n\n{p2}");
        let chains = align(&tokenize(&t), &tokenize(&s), &AlignParams::default());
        assert_eq!(chains.len(), 2);
    }

    #[test]
    fn map_to_source_follows_runs() {
        let c = Chain {
            runs: vec![
                Run {
                    t: 0,
                    s: 10,
                    len: 5,
                },
                Run {
                    t: 7,
                    s: 16,
                    len: 5,
                },
            ],
            tb: 0,
            te: 12,
            sb: 10,
            se: 21,
            matched: 10,
            fuzzy: false,
        };
        assert_eq!(c.map_to_source(0, 12), (10, 21));
        assert_eq!(c.map_to_source(2, 9), (12, 18));
        assert_eq!(c.map_to_source(5, 7), (15, 16));
    }

    fn chain(t: (u32, u32), s: (u32, u32)) -> Chain {
        Chain {
            runs: vec![Run {
                t: t.0,
                s: s.0,
                len: t.1 - t.0,
            }],
            tb: t.0,
            te: t.1,
            sb: s.0,
            se: s.1,
            matched: t.1 - t.0,
            fuzzy: false,
        }
    }

    #[test]
    fn a_repeated_phrase_matched_elsewhere_does_not_keep_pieces_apart() {
        let words: Vec<String> = (0..300).map(|i| format!("w{i}")).collect();
        let source = tokenize(&words.join(" "));
        let mut t: Vec<String> = words[..10].to_vec();
        t.extend_from_slice(&words[12..22]);
        let target = tokenize(&t.join(" "));
        // Two short pieces continuing each other, and between them (by target start) the
        // second piece's phrase matched again far away in the source.
        let chains = vec![
            chain((0, 10), (0, 10)),
            chain((5, 8), (200, 203)),
            chain((10, 20), (12, 22)),
        ];
        let out = merge_fuzzy(&target, &source, chains, &AlignParams::default());
        let spans: Vec<(u32, u32, u32, u32)> =
            out.iter().map(|c| (c.tb, c.te, c.sb, c.se)).collect();
        assert_eq!(spans, [(0, 20, 0, 22), (5, 8, 200, 203)]);
        assert!(!out[0].fuzzy, "pieces in order stay an ordinary chain");
    }

    #[test]
    fn a_reworded_passage_grows_over_its_replaced_edge_words() {
        let s = "Unrelated opening words about gardening and tomatoes. Officials in the northern province reported heavy flooding across several valleys on Tuesday morning, and rescue teams evacuated hundreds of families from villages near the river while engineers inspected damaged bridges.";
        let t = "Cooking pasta needs salted water. Authorities of that northern province described heavy flooding over several valleys Tuesday morning, and rescue squads moved hundreds of families out of villages near the river while engineers checked bridges.";
        let (ds, dt) = (tokenize(s), tokenize(t));
        let mut p = AlignParams {
            min_matched: 8,
            ..AlignParams::default()
        };
        let grown = align(&dt, &ds, &p);
        p.extend = 0;
        let plain = align(&dt, &ds, &p);
        assert_eq!((grown.len(), plain.len()), (1, 1), "{grown:?} {plain:?}");
        let (g, c) = (&grown[0], &plain[0]);
        assert!(g.tb < c.tb && g.sb < c.sb, "grown {g:?} plain {c:?}");
        // It stops where the shared words stop: the unrelated first sentences stay out.
        let t_first = dt
            .starts
            .iter()
            .position(|&b| t[b as usize..].starts_with("Authorities"))
            .unwrap();
        let s_first = ds
            .starts
            .iter()
            .position(|&b| s[b as usize..].starts_with("Officials"))
            .unwrap();
        assert!(
            g.tb as usize >= t_first && g.sb as usize >= s_first,
            "{g:?}"
        );
        assert_eq!((g.te as usize, g.se as usize), (dt.len(), ds.len()));
    }
}
