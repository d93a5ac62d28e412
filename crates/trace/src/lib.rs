//! copydesk's trace stage: where every passage of an article came from.
//!
//! This crate owns fingerprints, candidate pairs, alignment, source picking, reprint
//! families, spin mining and (later) the fingerprint index. The stages, each a pure
//! function over a partition of the data:
//!
//! 1. [`token`]: tokenise each article (word ids with byte offsets, paragraphs, sentences);
//! 2. [`group`]: sampled word n-gram fingerprints per article, grouped by fingerprint
//!    partition by partition (spilling to disk past a memory budget) into candidate pairs;
//! 3. [`align`]: each (target, earlier source) pair aligned at word level into chains;
//! 4. [`source`]: per target, each span goes to the earliest source whose chain covers it;
//! 5. [`spin`]: per site, the substitutions it makes systematically;
//! 6. [`family`]: reprint families (an original and its copies, with lineage).
//!
//! Invariants:
//! - every span is a UTF-8 byte range `[begin, end)` into the article's `text`, on char
//!   boundaries;
//! - trace never reads files itself except its own spill (and index) files: articles come
//!   in as [`Article`]s, results go out as records for the caller to write;
//! - memory and time are near-linear in the corpus: a fingerprint shared by many articles
//!   pairs each with a bounded number of earlier ones (capped groups are counted in the
//!   [`Report`]), and each target aligns with at most `max_sources` candidates;
//! - direction is claimed only when both articles have distinct, parseable dates; otherwise
//!   a passage still names the other article as `source` but says `direction: "unknown"`.

pub mod align;
pub mod family;
pub mod group;
pub mod index;
pub mod provenance;
pub mod source;
pub mod spin;
pub mod token;

use std::collections::{HashMap, HashSet};

use copydesk_model::Article;
use rayon::prelude::*;
use serde::Serialize;

pub use align::AlignParams;
pub use group::GroupParams;
pub use spin::Substitution;

/// Tuning of a run. The defaults are the measured ones (docs/benchmarks.md).
#[derive(Debug, Clone)]
pub struct Config {
    /// Word n-gram length of candidate fingerprints.
    pub ngram: usize,
    /// Keep one fingerprint in `sample` (by hash value, so copies keep the same ones).
    pub sample: u64,
    /// A pair is aligned when it shares at least this many sampled fingerprints.
    pub min_shared: u32,
    pub group: GroupParams,
    pub align: AlignParams,
    /// At most this many candidate sources are aligned per target (most shared first).
    pub max_sources: usize,
    /// Passages shorter than this many tokens are not reported.
    pub min_passage_tokens: u32,
    /// A site substitution is reported when seen at least this many times...
    pub min_substitution_count: u32,
    /// ...and in at least this share of the places where the site copied its `from`.
    pub min_substitution_rate: f32,
    /// Passages shorter than this many tokens need `short_passage_similarity`.
    pub short_passage_tokens: u32,
    pub short_passage_similarity: f32,
    pub family: family::FamilyParams,
    /// Text of a site shared by at least this many of its other articles (and under half
    /// of the articles on one side) is the site's template: `boilerplate`.
    pub boilerplate_articles: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ngram: 4,
            sample: 1,
            min_shared: 2,
            group: GroupParams {
                full_pairs_up_to: 24,
                earliest: 4,
                nearest: 4,
                nearest_up_to: 1000,
                memory_records: 50_000_000,
                spill_dir: None,
            },
            align: AlignParams::default(),
            max_sources: 40,
            min_passage_tokens: 6,
            min_substitution_count: 2,
            min_substitution_rate: 0.25,
            short_passage_tokens: 28,
            short_passage_similarity: 0.8,
            family: family::FamilyParams::default(),
            boilerplate_articles: 3,
        }
    }
}

impl Config {
    /// Overrides settings from `key=value,key=value` (for measurements; see the keys below).
    pub fn tune(&mut self, spec: &str) -> Result<(), String> {
        for kv in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("tuning {kv:?} is not key=value"))?;
            let f: f64 = v
                .parse()
                .map_err(|_| format!("tuning {k}: {v:?} is not a number"))?;
            let u = f as u32;
            match k {
                "ngram" => self.ngram = u as usize,
                "sample" => self.sample = u as u64,
                "min_shared" => self.min_shared = u,
                "max_sources" => self.max_sources = u as usize,
                "min_passage_tokens" => self.min_passage_tokens = u,
                "min_substitution_count" => self.min_substitution_count = u,
                "min_substitution_rate" => self.min_substitution_rate = f as f32,
                "family_min_share" => self.family.min_share = f as f32,
                "family_min_bytes" => self.family.min_bytes = u as usize,
                "boilerplate_articles" => self.boilerplate_articles = u,
                "full_pairs_up_to" => self.group.full_pairs_up_to = u as usize,
                "earliest" => self.group.earliest = u as usize,
                "nearest" => self.group.nearest = u as usize,
                "anchor" => self.align.anchor = u as usize,
                "max_occurrences" => self.align.max_occurrences = u as usize,
                "small_gap" => self.align.small_gap = u,
                "max_deletion" => self.align.max_deletion = u,
                "max_fuzzy_gap" => self.align.max_fuzzy_gap = u,
                "fuzzy_overlap" => self.align.fuzzy_overlap = f as f32,
                "min_matched" => self.align.min_matched = u,
                "short_passage_tokens" => self.short_passage_tokens = u,
                "short_passage_similarity" => self.short_passage_similarity = f as f32,
                "merge_gap" => self.align.merge_gap = u,
                "sentence_dice" => self.align.sentence_dice = f as f32,
                "sentence_min_run_tokens" => self.align.sentence_min_run_tokens = u,
                "sentence_min_exact" => self.align.sentence_min_exact = u,
                "sentence_lone_common" => self.align.sentence_lone_common = u,
                "merge_density" => self.align.merge_density = f as f32,
                "extend" => self.align.extend = u,
                _ => return Err(format!("unknown tuning key {k:?}")),
            }
        }
        Ok(())
    }
}

/// One reused passage, as written to `passages.jsonl`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PassageRecord {
    pub target: String,
    pub begin: usize,
    pub end: usize,
    /// The earliest article holding this text.
    pub source: String,
    pub source_begin: usize,
    pub source_end: usize,
    /// The nearer copy it was most likely taken from, when that is another article.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_begin: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_end: Option<usize>,
    /// Matched words over the longer side's words, 0..1.
    pub similarity: f32,
    /// `verbatim`, `edited` or `spun` (every edit is one of the site's systematic substitutions).
    pub kind: &'static str,
    pub edits: Vec<EditRecord>,
    /// `"unknown"` when a date is missing or equal on both sides: `source` then only says
    /// the two share the text, not who copied whom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<&'static str>,
    /// The text is the site's own template (a disclaimer, a "read more" line): repeated
    /// across many of its articles, shared with an earlier one of them. True text
    /// sharing, but not reuse of a story: it joins no family.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub boilerplate: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EditRecord {
    pub from: String,
    pub to: String,
}

/// Per-article coverage, as written to `articles.jsonl`.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleRecord {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    pub length: usize,
    /// Share of the text's bytes inside reused passages.
    pub reused_share: f32,
    pub sourced: Vec<SourcedSpan>,
    pub unsourced: Vec<[usize; 2]>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourcedSpan {
    pub begin: usize,
    pub end: usize,
    pub source: String,
    pub source_begin: usize,
    pub source_end: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// What a run did, for the user and the benchmarks.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub articles: usize,
    pub empty_texts: usize,
    pub undated: usize,
    pub tokens: u64,
    pub grouping: group::GroupStats,
    pub candidate_pairs: u64,
    pub aligned_pairs: u64,
    /// Targets whose candidate list was cut at `max_sources`.
    pub targets_capped: u64,
    pub passages: usize,
    pub passages_direction_unknown: usize,
    pub substitutions: usize,
    pub families: usize,
}

/// Everything a run produces.
#[derive(Debug, Clone, Default)]
pub struct TraceOutput {
    pub passages: Vec<PassageRecord>,
    pub articles: Vec<ArticleRecord>,
    pub substitutions: Vec<Substitution>,
    pub families: Vec<family::FamilyRecord>,
    pub report: Report,
}

/// Drops articles whose id was already seen: the FIRST occurrence wins (input order), so
/// a corpus re-read with a corrected copy appended keeps the original. Returns the
/// dropped ids, one per duplicate.
pub fn dedup_ids(articles: Vec<Article>) -> (Vec<Article>, Vec<String>) {
    let mut seen = HashSet::new();
    let mut kept = Vec::with_capacity(articles.len());
    let mut dropped = Vec::new();
    for a in articles {
        if seen.insert(a.id.clone()) {
            kept.push(a);
        } else {
            dropped.push(a.id);
        }
    }
    (kept, dropped)
}

/// Internal passage, before it becomes a record.
#[derive(Debug, Clone)]
struct Found {
    target: u32,
    begin: usize,
    end: usize,
    source: u32,
    source_begin: usize,
    source_end: usize,
    via: Option<(u32, usize, usize)>,
    similarity: f32,
    edits: Vec<(String, String)>,
    direction_known: bool,
    spin: Vec<spin::SpinEvent>,
}

/// Traces reuse across `articles` (ids must be unique: see [`dedup_ids`]).
pub fn trace(articles: &[Article], cfg: &Config) -> std::io::Result<TraceOutput> {
    trace_some(articles, None, None, cfg)
}

/// [`trace`], reporting only the passages of the articles with `targets[i]` set: the
/// others are candidates for sources. Tracing one article against its candidates this
/// way aligns it with each of them once instead of aligning every pair among them.
pub fn trace_targets(
    articles: &[Article],
    targets: &[bool],
    cfg: &Config,
) -> std::io::Result<TraceOutput> {
    trace_some(articles, Some(targets), None, cfg)
}

/// [`trace_targets`] where each target's candidates were chosen already (an index lookup
/// gives them): `candidates[t]` (sorted) lists the articles `t` may be aligned with, and
/// no other cap applies to it. Articles past `candidates.len()` keep the usual rule.
pub fn trace_chosen(
    articles: &[Article],
    targets: &[bool],
    candidates: &[Vec<u32>],
    cfg: &Config,
) -> std::io::Result<TraceOutput> {
    trace_some(articles, Some(targets), Some(candidates), cfg)
}

fn trace_some(
    articles: &[Article],
    targets: Option<&[bool]>,
    chosen: Option<&[Vec<u32>]>,
    cfg: &Config,
) -> std::io::Result<TraceOutput> {
    let n = articles.len();
    let mut report = Report {
        articles: n,
        ..Report::default()
    };
    let times: Vec<Option<i64>> = articles
        .iter()
        .map(|a| {
            a.published
                .as_deref()
                .and_then(copydesk_model::time::parse_instant)
                .map(|t| t.timestamp())
        })
        .collect();
    report.undated = times.iter().filter(|t| t.is_none()).count();
    // Stage 1: tokens. Articles over 4 GiB cannot be addressed by u32 offsets: left out.
    let docs: Vec<token::Doc> = articles
        .par_iter()
        .map(|a| {
            if a.text.len() >= u32::MAX as usize {
                token::Doc::default()
            } else {
                token::tokenize(&a.text)
            }
        })
        .collect();
    report.empty_texts = docs.iter().filter(|d| d.is_empty()).count();
    report.tokens = docs.iter().map(|d| d.len() as u64).sum();

    // Stage 2: fingerprints grouped into candidate pairs. Rank: dated articles by time,
    // then undated ones; ties by id so that runs are reproducible.
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by(|&a, &b| {
        let (ta, tb) = (times[a as usize], times[b as usize]);
        (ta.is_none(), ta, &articles[a as usize].id).cmp(&(
            tb.is_none(),
            tb,
            &articles[b as usize].id,
        ))
    });
    let mut rank = vec![0u32; n];
    for (r, &d) in order.iter().enumerate() {
        rank[d as usize] = r as u32;
    }
    let mut grouper = group::Grouper::new(cfg.group.clone());
    for chunk_start in (0..n).step_by(4096) {
        let chunk_end = (chunk_start + 4096).min(n);
        let fps: Vec<Vec<u64>> = (chunk_start..chunk_end)
            .into_par_iter()
            .map(|d| group::fingerprints(&docs[d].toks, cfg.ngram, cfg.sample))
            .collect();
        for (k, f) in fps.iter().enumerate() {
            grouper.add((chunk_start + k) as u32, f)?;
        }
    }
    let (pairs, gstats) = grouper.pairs(&rank)?;
    report.grouping = gstats;
    let pairs: Vec<(u32, u32, u32)> = pairs
        .into_iter()
        .filter(|p| p.2 >= cfg.min_shared)
        .collect();
    report.candidate_pairs = pairs.len() as u64;

    // Orientation. Dated pairs: later copies earlier. A pair with an undated side is
    // oriented by the sites' roles seen in dated pairs (a site that mostly copies is the
    // copier), and claims no direction.
    let sites: Vec<&str> = articles
        .iter()
        .map(|a| a.site.as_deref().unwrap_or(""))
        .collect();
    // A site's role: the share of its dated articles (among those sharing text with
    // others) that have an earlier dated partner. Original outlets are near 0 (their
    // text is new), copying sites near 1. Counting articles rather than pairs keeps big
    // families of sibling copies from making every copier look half original.
    let mut has_earlier = vec![false; n];
    let mut in_pair = vec![false; n];
    for &(a, b, _) in &pairs {
        in_pair[a as usize] = true;
        in_pair[b as usize] = true;
        if let (Some(ta), Some(tb)) = (times[a as usize], times[b as usize]) {
            if ta > tb {
                has_earlier[a as usize] = true;
            } else if tb > ta {
                has_earlier[b as usize] = true;
            }
        }
    }
    let mut role: HashMap<&str, (u32, u32)> = HashMap::new();
    for d in 0..n {
        if in_pair[d] && times[d].is_some() {
            let e = role.entry(sites[d]).or_default();
            if has_earlier[d] {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }
    let copier = |d: u32| -> f32 {
        let (c, o) = role.get(sites[d as usize]).copied().unwrap_or((0, 0));
        (c as f32 + 0.5) / ((c + o) as f32 + 1.0)
    };
    let mut by_target: Vec<Vec<(u32, u32, bool)>> = vec![Vec::new(); n];
    for &(a, b, shared) in &pairs {
        let (t, s, known) = match (times[a as usize], times[b as usize]) {
            (Some(ta), Some(tb)) if ta != tb => {
                if ta > tb {
                    (a, b, true)
                } else {
                    (b, a, true)
                }
            }
            (Some(_), Some(_)) => (a, b, false),
            _ => {
                let (ca, cb) = (copier(a), copier(b));
                if ca > cb || (ca == cb && rank[a as usize] > rank[b as usize]) {
                    (a, b, false)
                } else {
                    (b, a, false)
                }
            }
        };
        if let Some(c) = chosen.and_then(|ch| ch.get(t as usize)) {
            if c.binary_search(&s).is_err() {
                continue;
            }
        }
        by_target[t as usize].push((s, shared, known));
    }
    for (t, list) in by_target.iter_mut().enumerate() {
        if list.len() > cfg.max_sources && chosen.is_none_or(|ch| t >= ch.len()) {
            report.targets_capped += 1;
            // Keep the most shared, and among equals the earliest: in a big family every
            // copy shares as much as the original, and the original must stay.
            list.sort_by(|x, y| {
                y.1.cmp(&x.1)
                    .then(rank[x.0 as usize].cmp(&rank[y.0 as usize]))
            });
            let top = list[0].1;
            let mut keep: Vec<(u32, u32, bool)> = list[..cfg.max_sources].to_vec();
            let mut early: Vec<(u32, u32, bool)> = list[cfg.max_sources..]
                .iter()
                .filter(|x| x.1 * 2 >= top)
                .copied()
                .collect();
            early.sort_by_key(|x| rank[x.0 as usize]);
            keep.extend(early.into_iter().take(8));
            *list = keep;
        }
    }
    report.aligned_pairs = by_target.iter().map(|l| l.len() as u64).sum();

    // Stages 3-4: per target, align with every candidate and pick sources. Gram indexes
    // are built once for the documents that take part in a pair.
    let mut used = vec![false; n];
    for (t, list) in by_target.iter().enumerate() {
        if !list.is_empty() {
            used[t] = true;
            for &(s, _, _) in list {
                used[s as usize] = true;
            }
        }
    }
    let grams: Vec<Vec<(u64, u32)>> = (0..n)
        .into_par_iter()
        .map(|d| {
            if used[d] {
                align::gram_index(&docs[d], cfg.align.anchor)
            } else {
                Vec::new()
            }
        })
        .collect();
    // Sort key standing for time when comparing sources. An undated article is late when
    // a good part of its own text traces back to others (it copies), early otherwise (an
    // original). That needs its own passages first: a first pass over undated targets.
    let provisional: Vec<i64> = (0..n).map(|d| times[d].unwrap_or(i64::MAX / 2)).collect();
    let copies: Vec<bool> = (0..n)
        .into_par_iter()
        .map(|d| {
            if times[d].is_some() || by_target[d].is_empty() {
                return false;
            }
            let f = trace_target(
                d as u32,
                &by_target[d],
                articles,
                &docs,
                &grams,
                &provisional,
                &sites,
                cfg,
            );
            let mut spans: Vec<(usize, usize)> = f.iter().map(|x| (x.begin, x.end)).collect();
            spans.sort_unstable();
            let (mut covered, mut pos) = (0, 0);
            for (b, e) in spans {
                covered += e.saturating_sub(b.max(pos));
                pos = pos.max(e);
            }
            covered * 10 >= articles[d].text.len()
        })
        .collect();
    let order_key: Vec<i64> = (0..n)
        .map(|d| match times[d] {
            Some(t) => t,
            None if copies[d] => i64::MAX / 2,
            None => i64::MIN / 2,
        })
        .collect();
    let found: Vec<Vec<Found>> = by_target
        .par_iter()
        .enumerate()
        .map(|(t, list)| {
            if targets.is_some_and(|m| !m.get(t).copied().unwrap_or(false)) {
                return Vec::new();
            }
            trace_target(
                t as u32, list, articles, &docs, &grams, &order_key, &sites, cfg,
            )
        })
        .collect();
    let found: Vec<Found> = found.into_iter().flatten().collect();

    // Stage 5: spin fingerprints.
    let substitutions = mine_spin(&found, &docs, cfg);
    let mut systematic: HashSet<(String, String, String)> = HashSet::new();
    for s in &substitutions {
        systematic.insert((s.site.clone(), spin::key(&s.from), spin::key(&s.to)));
    }

    let template = boilerplate(&found, articles, &sites, cfg.boilerplate_articles);
    let passages: Vec<PassageRecord> = found
        .iter()
        .zip(template)
        .map(|(f, b)| PassageRecord {
            boilerplate: b,
            ..record(f, articles, &sites, &systematic)
        })
        .collect();
    report.passages = passages.len();
    report.passages_direction_unknown = passages.iter().filter(|p| p.direction.is_some()).count();
    report.substitutions = substitutions.len();

    let articles_out = coverage(articles, &passages);
    let families = family::families(articles, &passages, &cfg.family);
    report.families = families.len();
    Ok(TraceOutput {
        passages,
        articles: articles_out,
        substitutions,
        families,
        report,
    })
}

/// Passages of `articles[target]` alone, taken from the other articles (its candidates,
/// as an index lookup gives them): only target-vs-candidate pairs are aligned, so the
/// cost is linear in the candidates. A candidate dated after the target is not a
/// source; with a date missing on either side (or equal) the passage says
/// `direction: "unknown"`. Undated candidates rank after dated ones as sources, and
/// only the target's own edits count as evidence of its site's spin.
pub fn trace_one(articles: &[Article], target: usize, cfg: &Config) -> Vec<PassageRecord> {
    let n = articles.len();
    if target >= n || articles[target].text.len() >= u32::MAX as usize {
        return Vec::new();
    }
    let times: Vec<Option<i64>> = articles
        .iter()
        .map(|a| {
            a.published
                .as_deref()
                .and_then(copydesk_model::time::parse_instant)
                .map(|t| t.timestamp())
        })
        .collect();
    let tt = times[target];
    let list: Vec<(u32, u32, bool)> = (0..n)
        .filter(|&s| s != target && articles[s].text.len() < u32::MAX as usize)
        .filter_map(|s| match (times[s], tt) {
            (Some(ts), Some(t)) if ts < t => Some((s as u32, 0, true)),
            (Some(ts), Some(t)) if ts > t => None,
            _ => Some((s as u32, 0, false)),
        })
        .collect();
    if list.is_empty() {
        return Vec::new();
    }
    let mut used = vec![false; n];
    used[target] = true;
    for &(s, _, _) in &list {
        used[s as usize] = true;
    }
    let docs: Vec<token::Doc> = articles
        .par_iter()
        .enumerate()
        .map(|(d, a)| {
            if used[d] {
                token::tokenize(&a.text)
            } else {
                token::Doc::default()
            }
        })
        .collect();
    let grams: Vec<Vec<(u64, u32)>> = docs
        .par_iter()
        .enumerate()
        .map(|(d, doc)| {
            if used[d] {
                align::gram_index(doc, cfg.align.anchor)
            } else {
                Vec::new()
            }
        })
        .collect();
    let order_key: Vec<i64> = times.iter().map(|t| t.unwrap_or(i64::MAX / 2)).collect();
    let sites: Vec<&str> = articles
        .iter()
        .map(|a| a.site.as_deref().unwrap_or(""))
        .collect();
    let found = trace_target(
        target as u32,
        &list,
        articles,
        &docs,
        &grams,
        &order_key,
        &sites,
        cfg,
    );
    let systematic: HashSet<(String, String, String)> = mine_spin(&found, &docs, cfg)
        .into_iter()
        .map(|s| (s.site, spin::key(&s.from), spin::key(&s.to)))
        .collect();
    found
        .iter()
        .map(|f| record(f, articles, &sites, &systematic))
        .collect()
}

/// Each site's systematic substitutions, from the edits of its passages and the text it
/// copied (each passage's nearer copy).
fn mine_spin(found: &[Found], docs: &[token::Doc], cfg: &Config) -> Vec<Substitution> {
    let events: Vec<spin::SpinEvent> = found.iter().flat_map(|f| f.spin.iter().cloned()).collect();
    let wanted = spin::wanted(&events, cfg.min_substitution_count);
    let opp = spin::opportunities(&wanted, &events, docs);
    spin::mine_with(
        &events,
        spin::MineParams {
            min_count: cfg.min_substitution_count,
            min_rate: cfg.min_substitution_rate,
        },
        Some(&opp),
    )
}

/// The record of a found passage; `kind` says `spun` when every edit is one of the
/// target site's systematic substitutions.
fn record(
    f: &Found,
    articles: &[Article],
    sites: &[&str],
    systematic: &HashSet<(String, String, String)>,
) -> PassageRecord {
    let site = sites[f.target as usize];
    let kind = if f.edits.is_empty() {
        "verbatim"
    } else if f
        .edits
        .iter()
        .all(|(a, b)| systematic.contains(&(site.to_string(), spin::key(a), spin::key(b))))
    {
        "spun"
    } else {
        "edited"
    };
    PassageRecord {
        target: articles[f.target as usize].id.clone(),
        begin: f.begin,
        end: f.end,
        source: articles[f.source as usize].id.clone(),
        source_begin: f.source_begin,
        source_end: f.source_end,
        via: f.via.map(|v| articles[v.0 as usize].id.clone()),
        via_begin: f.via.map(|v| v.1),
        via_end: f.via.map(|v| v.2),
        similarity: (f.similarity * 1000.0).round() / 1000.0,
        kind,
        edits: f
            .edits
            .iter()
            .map(|(a, b)| EditRecord {
                from: a.clone(),
                to: b.clone(),
            })
            .collect(),
        direction: if f.direction_known {
            None
        } else {
            Some("unknown")
        },
        boilerplate: false,
    }
}

/// Which passages are a site's template text: a passage between two articles of one
/// site, whose source text that site repeats in at least `min_articles` other articles,
/// and that is under half of its target or of its source (a site re-running its own
/// story whole is not template).
fn boilerplate(
    found: &[Found],
    articles: &[Article],
    sites: &[&str],
    min_articles: u32,
) -> Vec<bool> {
    let mut out = vec![false; found.len()];
    if min_articles == 0 {
        return out;
    }
    let same = |f: &Found| {
        let s = sites[f.target as usize];
        !s.is_empty() && s == sites[f.source as usize]
    };
    // Per source article: the same-site passages taken from it, merged per target.
    let mut by_source: HashMap<u32, Vec<(u32, usize, usize)>> = HashMap::new();
    for f in found.iter().filter(|f| same(f)) {
        by_source
            .entry(f.source)
            .or_default()
            .push((f.target, f.source_begin, f.source_end));
    }
    let mut template: HashMap<u32, Vec<(usize, usize)>> = HashMap::new();
    for (src, mut v) in by_source {
        v.sort_unstable();
        let mut ivs: Vec<(usize, usize)> = Vec::new();
        let mut last: Option<(u32, usize, usize)> = None;
        for (t, b, e) in v {
            match &mut last {
                Some((lt, _, le)) if *lt == t && b <= *le => *le = (*le).max(e),
                _ => {
                    if let Some((_, lb, le)) = last {
                        ivs.push((lb, le));
                    }
                    last = Some((t, b, e));
                }
            }
        }
        if let Some((_, lb, le)) = last {
            ivs.push((lb, le));
        }
        if ivs.len() < min_articles as usize {
            continue;
        }
        // Sweep: stretches of the source held by `min_articles` targets or more.
        let mut ev: Vec<(usize, i32)> = ivs.iter().flat_map(|&(b, e)| [(b, 1), (e, -1)]).collect();
        ev.sort_unstable();
        let (mut depth, mut open) = (0i32, None);
        let mut regions = Vec::new();
        for (x, d) in ev {
            depth += d;
            if depth >= min_articles as i32 {
                open.get_or_insert(x);
            } else if let Some(b) = open.take() {
                if x > b {
                    regions.push((b, x));
                }
            }
        }
        if !regions.is_empty() {
            template.insert(src, regions);
        }
    }
    for (i, f) in found.iter().enumerate() {
        let Some(regions) = template.get(&f.source) else {
            continue;
        };
        if !same(f) {
            continue;
        }
        let inside: usize = regions
            .iter()
            .map(|&(b, e)| e.min(f.source_end).saturating_sub(b.max(f.source_begin)))
            .sum();
        let len = f.source_end.saturating_sub(f.source_begin);
        let target_len = articles[f.target as usize].text.len();
        let source_len = articles[f.source as usize].text.len();
        out[i] = inside * 2 >= len && ((f.end - f.begin) * 2 < target_len || len * 2 < source_len);
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn trace_target(
    t: u32,
    list: &[(u32, u32, bool)],
    articles: &[Article],
    docs: &[token::Doc],
    grams: &[Vec<(u64, u32)>],
    order_key: &[i64],
    sites: &[&str],
    cfg: &Config,
) -> Vec<Found> {
    let td = &docs[t as usize];
    if td.is_empty() || list.is_empty() {
        return Vec::new();
    }
    let mut cands: Vec<source::Candidate> = Vec::new();
    let mut known: HashMap<u32, bool> = HashMap::new();
    for &(s, _, k) in list {
        known.insert(s, k);
        for chain in align::align_indexed(
            td,
            &grams[t as usize],
            &docs[s as usize],
            &grams[s as usize],
            &cfg.align,
        ) {
            cands.push(source::Candidate {
                source: s,
                order: order_key[s as usize],
                chain,
            });
        }
    }
    let picks = source::pick_sources(&cands, cfg.min_passage_tokens);
    let mut out = Vec::with_capacity(picks.len());
    for p in picks {
        for (k, &ci) in std::iter::once(&p.source).chain(p.ties.iter()).enumerate() {
            let via = if k == 0 { p.via } else { None };
            if let Some(f) = found_for(t, &p, ci, via, &cands, articles, docs, &known, sites, cfg) {
                out.push(f);
            }
        }
    }
    merge_adjacent(out, &articles[t as usize].text)
}

/// Joins passages of one target that continue each other in both texts with the same
/// source (a tie on one piece and the sole source on the next): one passage, not two.
fn merge_adjacent(mut v: Vec<Found>, text: &str) -> Vec<Found> {
    if v.len() < 2 {
        return v;
    }
    v.sort_by_key(|f| (f.source, f.begin));
    let mut out: Vec<Found> = Vec::with_capacity(v.len());
    for f in v {
        if let Some(last) = out.last_mut() {
            let between = text.get(last.end..f.begin).unwrap_or("x");
            if last.source == f.source
                && f.begin >= last.end
                && between.trim().is_empty()
                && f.source_begin >= last.source_end
                && f.source_begin - last.source_end <= 3
            {
                last.end = f.end;
                last.source_end = f.source_end;
                last.similarity = last.similarity.min(f.similarity);
                last.edits.extend(f.edits);
                last.spin.extend(f.spin);
                if last.via.is_none() {
                    last.via = f.via;
                }
                continue;
            }
        }
        out.push(f);
    }
    out.sort_by_key(|f| (f.begin, f.source));
    out
}

#[allow(clippy::too_many_arguments)]
fn found_for(
    t: u32,
    p: &source::Pick,
    ci: usize,
    via_idx: Option<usize>,
    cands: &[source::Candidate],
    articles: &[Article],
    docs: &[token::Doc],
    known: &HashMap<u32, bool>,
    sites: &[&str],
    cfg: &Config,
) -> Option<Found> {
    let td = &docs[t as usize];
    let ttext = &articles[t as usize].text;
    let c = &cands[ci];
    let sd = &docs[c.source as usize];
    let stext = &articles[c.source as usize].text;
    let (sa, sb) = c.chain.map_to_source(p.tb, p.te);
    if sa >= sb {
        return None;
    }
    // A short passage that is much reworded is more often two articles telling the
    // same fact alike than a copy.
    let similarity =
        c.chain.matched_in(p.tb, p.te) as f32 / (p.te - p.tb).max(sb - sa).max(1) as f32;
    if p.te - p.tb < cfg.short_passage_tokens && similarity < cfg.short_passage_similarity {
        return None;
    }
    let (begin, end) = byte_span(td, ttext, p.tb, p.te);
    let (source_begin, source_end) = byte_span(sd, stext, sa, sb);
    let edits: Vec<(String, String)> = align::edits(td, sd, &c.chain, p.tb, p.te)
        .into_iter()
        .map(|e| {
            (
                tok_text(sd, stext, e.s.0, e.s.1).to_string(),
                tok_text(td, ttext, e.t.0, e.t.1).to_string(),
            )
        })
        .collect();
    let via = via_idx.and_then(|v| {
        let vc = &cands[v];
        let (va, vb) = vc.chain.map_to_source(p.tb, p.te);
        let vd = &docs[vc.source as usize];
        (va < vb).then(|| {
            let (x, y) = byte_span(vd, &articles[vc.source as usize].text, va, vb);
            (vc.source, x, y)
        })
    });
    // Substitutions are learnt against the nearest copy: a verbatim copy of a spun
    // article makes no substitutions of its own.
    let near = via_idx.map(|v| &cands[v]).unwrap_or(c);
    let spin = if ci == p.source {
        spin_events(
            td,
            ttext,
            &docs[near.source as usize],
            &articles[near.source as usize].text,
            near,
            (via_idx.is_some()).then(|| (&docs[c.source as usize], c)),
            p.tb,
            p.te,
            sites[t as usize],
            t,
        )
    } else {
        Vec::new()
    };
    let direction_known = known.get(&c.source).copied().unwrap_or(false);
    Some(Found {
        target: t,
        begin,
        end,
        source: c.source,
        source_begin,
        source_end,
        via,
        similarity: similarity.min(1.0),
        edits,
        direction_known,
        spin,
    })
}

#[allow(clippy::too_many_arguments)]
fn spin_events(
    td: &token::Doc,
    ttext: &str,
    sd: &token::Doc,
    stext: &str,
    c: &source::Candidate,
    root: Option<(&token::Doc, &source::Candidate)>,
    a: u32,
    b: u32,
    site: &str,
    target: u32,
) -> Vec<spin::SpinEvent> {
    // Target tokens that differ from the earliest source (and the gaps where it lost or
    // gained words). Against a nearer copy, a target word that is the earliest source's
    // word is not the site's substitution: the nearer copy changed it, the site kept the
    // original (a sibling copy taken for the nearer one). Each site's substitutions then
    // stay its own, and the nearer copy's are not mined back-to-front.
    let differs: Option<Vec<bool>> = root.and_then(|(rd, rc)| {
        if rc.chain.fuzzy {
            return None;
        }
        let mut d = vec![false; (b - a) as usize + 1];
        for e in align::edits(td, rd, &rc.chain, a, b) {
            let lo = e.t.0.saturating_sub(1).max(a);
            for i in lo..=e.t.1.min(b) {
                d[(i - a) as usize] = true;
            }
        }
        Some(d)
    });
    let mut out = Vec::new();
    let (sa, sb) = c.chain.map_to_source(a, b);
    let mut changed = Vec::new();
    for e in align::edits(td, sd, &c.chain, a, b) {
        // A pure insertion or deletion changes the words on either side too ("China" in
        // "in China" -> "in People's Republic of China").
        changed.push(if e.s.0 < e.s.1 && e.t.0 < e.t.1 {
            e.s
        } else {
            (e.s.0.saturating_sub(1), e.s.1 + 1)
        });
        if let Some(d) = &differs {
            let own = if e.t.0 < e.t.1 {
                (e.t.0..e.t.1).any(|i| d[(i - a) as usize])
            } else {
                d[(e.t.0 - a) as usize]
            };
            if !own {
                continue;
            }
        }
        let from = tok_text(sd, stext, e.s.0, e.s.1);
        let to = tok_text(td, ttext, e.t.0, e.t.1);
        let mut readings: Vec<Vec<(String, String)>> = Vec::new();
        if e.s.0 < e.s.1 && e.t.0 < e.t.1 {
            readings.push(vec![(from.to_string(), to.to_string())]);
            let (ls, lt) = (e.s.1 - e.s.0, e.t.1 - e.t.0);
            if ls == lt && ls > 1 {
                readings.push(
                    (0..ls)
                        .filter(|&k| sd.toks[(e.s.0 + k) as usize] != td.toks[(e.t.0 + k) as usize])
                        .map(|k| {
                            (
                                tok_text(sd, stext, e.s.0 + k, e.s.0 + k + 1).to_string(),
                                tok_text(td, ttext, e.t.0 + k, e.t.0 + k + 1).to_string(),
                            )
                        })
                        .collect(),
                );
            }
            // Two neighbouring substitutions ("campaign, so" -> "season, therefore") come
            // out of the alignment as one edit: read it as each split in two as well.
            if (2..=8).contains(&ls) && (2..=8).contains(&lt) {
                for i in 1..ls {
                    for j in 1..lt {
                        readings.push(vec![
                            (
                                tok_text(sd, stext, e.s.0, e.s.0 + i).to_string(),
                                tok_text(td, ttext, e.t.0, e.t.0 + j).to_string(),
                            ),
                            (
                                tok_text(sd, stext, e.s.0 + i, e.s.1).to_string(),
                                tok_text(td, ttext, e.t.0 + j, e.t.1).to_string(),
                            ),
                        ]);
                    }
                }
            }
        } else {
            // A pure insertion or deletion: read it with the kept word on either side.
            if e.s.0 > 0 && e.t.0 > 0 {
                readings.push(vec![(
                    tok_text(sd, stext, e.s.0 - 1, e.s.1).to_string(),
                    tok_text(td, ttext, e.t.0 - 1, e.t.1).to_string(),
                )]);
            }
            if (e.s.1 as usize) < sd.len() && (e.t.1 as usize) < td.len() {
                readings.push(vec![(
                    tok_text(sd, stext, e.s.0, e.s.1 + 1).to_string(),
                    tok_text(td, ttext, e.t.0, e.t.1 + 1).to_string(),
                )]);
            }
        }
        readings.retain(|r| !r.is_empty() && r.iter().all(|(f, t)| spin::plausible(f, t)));
        if !readings.is_empty() {
            let at = match root {
                Some((_, rc)) => (
                    rc.source,
                    rc.chain.map_to_source(e.t.0, e.t.1.max(e.t.0 + 1)).0,
                ),
                None => (c.source, e.s.0),
            };
            out.push(spin::SpinEvent {
                site: site.to_string(),
                target,
                readings,
                copied: None,
                at: Some(at),
            });
        }
    }
    changed.sort_unstable();
    out.push(spin::SpinEvent {
        site: site.to_string(),
        target,
        readings: Vec::new(),
        copied: Some(spin::Copied {
            doc: c.source,
            begin: sa,
            end: sb,
            changed,
        }),
        at: None,
    });
    out
}

/// Text of tokens `[a, b)` (from the first's start to the last's end).
fn tok_text<'a>(d: &token::Doc, text: &'a str, a: u32, b: u32) -> &'a str {
    if a >= b || b as usize > d.len() {
        return "";
    }
    text.get(d.starts[a as usize] as usize..d.ends[b as usize - 1] as usize)
        .unwrap_or("")
}

/// Byte span of tokens `[a, b)`, widened to the paragraph's edges when the span starts or
/// ends a paragraph (so quotes and final punctuation belong to the passage).
fn byte_span(d: &token::Doc, text: &str, a: u32, b: u32) -> (usize, usize) {
    let (a, b) = (a as usize, b as usize);
    let mut begin = d.starts[a] as usize;
    let mut end = d.ends[b - 1] as usize;
    if d.is_para_start(a) {
        if let Some(p) = d.paras.get(d.para[a] as usize) {
            begin = begin.min(p.0 as usize);
        }
    }
    if d.is_para_end(b - 1) {
        if let Some(p) = d.paras.get(d.para[b - 1] as usize) {
            end = end.max(p.1 as usize);
        }
    } else {
        // Punctuation closing the last word ("deal." / "said,") stays with it.
        let rest = &text.as_bytes()[end..];
        let extra = rest
            .iter()
            .take_while(|&&c| matches!(c, b'.' | b'!' | b'?' | b'"' | b'\'' | b')'))
            .count();
        end += extra;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
    }
    (begin, end)
}

/// Per-article coverage from the passages.
fn coverage(articles: &[Article], passages: &[PassageRecord]) -> Vec<ArticleRecord> {
    let mut by: HashMap<&str, Vec<&PassageRecord>> = HashMap::new();
    for p in passages {
        by.entry(p.target.as_str()).or_default().push(p);
    }
    articles
        .iter()
        .map(|a| {
            let mut ps = by.remove(a.id.as_str()).unwrap_or_default();
            ps.sort_by_key(|p| (p.begin, p.end));
            let mut unsourced = Vec::new();
            let mut pos = 0usize;
            let mut reused = 0usize;
            let push_gap = |from: usize, to: usize, out: &mut Vec<[usize; 2]>| {
                if from < to {
                    let s = &a.text[from..to];
                    let lead = s.len() - s.trim_start().len();
                    let trail = s.len() - s.trim_end().len();
                    if from + lead < to - trail {
                        out.push([from + lead, to - trail]);
                    }
                }
            };
            for p in &ps {
                push_gap(pos, p.begin.max(pos), &mut unsourced);
                reused += p.end.saturating_sub(p.begin.max(pos));
                pos = pos.max(p.end);
            }
            push_gap(pos, a.text.len(), &mut unsourced);
            ArticleRecord {
                id: a.id.clone(),
                site: a.site.clone(),
                published: a.published.clone(),
                length: a.text.len(),
                reused_share: if a.text.is_empty() {
                    0.0
                } else {
                    ((reused as f32 / a.text.len() as f32) * 1000.0).round() / 1000.0
                },
                sourced: ps
                    .iter()
                    .map(|p| SourcedSpan {
                        begin: p.begin,
                        end: p.end,
                        source: p.source.clone(),
                        source_begin: p.source_begin,
                        source_end: p.source_end,
                        via: p.via.clone(),
                    })
                    .collect(),
                unsourced,
            }
        })
        .collect()
}
