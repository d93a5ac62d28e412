//! copydesk's analysis stage: who said what, according to whom, and when.
//!
//! [`analyze`] fills an article's [`Layers`]: sentences and tokens, direct / partial /
//! indirect quotes with cue and speaker (pronouns resolved), attributions of claims to media
//! and documents, unattributed contestable claims, time expressions normalised against the
//! publication date, and amounts (money with ISO currency, percentages, counts). Everything is
//! rules over one token stream, each layer finder one linear pass, so that any input (an
//! unclosed quote, 10,000 nested marks, a 50 MB paragraph) costs time in proportion to its
//! length. The word lists are data files under `data/`, compiled in.
//!
//! Architecture invariant: analysis reads only `article.text` and `article.published`, and
//! writes only `article.layers`; it does no I/O.
//!
//! # JSON form of the layers
//!
//! `article.layers` is an object with one key per non-empty layer. Every span is a byte range
//! `[start, end)` into `article.text`, written as a two-element array.
//!
//! ```json
//! "layers": {
//!   "sentences": [[0, 231], ...],
//!   "tokens": [[0, 7], [8, 17], ...],
//!   "quotes": [{"kind": "direct" | "partial" | "indirect", "content": [b, e],
//!               "cue": [b, e], "speaker": [b, e], "speaker_name": "Marine Le Pen",
//!               "resolved_from": [b, e]}],
//!   "attributions": [{"source": [b, e], "source_kind": "media" | "document",
//!                     "source_name": "Russian state-run news agency Tass", "cue": [b, e],
//!                     "claim": [b, e]}],
//!   "unattributed": [{"span": [b, e], "reason": "loan"}],
//!   "times": [{"span": [b, e], "type": "DATE" | "TIME" | "DURATION" | "SET",
//!              "value": "2017-03-24" | null, "mod": "START", "phrase": [b, e],
//!              "interval": {"from": "2011", "to": "2017-03-24"}}],
//!   "amounts": [{"span": [b, e], "kind": "money" | "percent" | "count", "value": 9700000.0,
//!                "currency": "USD", "unit": "people"}],
//!   "notes": [{"layer": "quotes", "span": [b, e], "message": "quotation mark never closes; ..."}],
//!   "extra": {"<layer name>": [{"span": [b, e], "kind": "...", "value": <any JSON>}]}
//! }
//! ```
//!
//! * `quotes.speaker` is the mention next to the cue as written ("she"); `speaker_name` is who
//!   it is (the fullest form of the name in the article, after resolving a pronoun to
//!   `resolved_from`). Optional keys are left out when unknown.
//! * `times.value` is a TIMEX3 value; `null` means the expression needs a publication date the
//!   article does not have (a note says so). `phrase` includes the preposition; `interval`
//!   is set for open intervals ("since 2011").
//! * `extra` holds layers added by later stages without a typed field (the first is
//!   `datelines`).
//!
//! # Choices worth knowing
//!
//! * Quotation marks: `"` `“ ”` `„` `« »`, and single `‘ ’` / `'` outside double quotes within
//!   one sentence. NYT-style typewriter quotes (`''...''`) are not read as marks, which matches
//!   PolNeAR's derived labels (they count such content as reported speech).
//! * A quote continued over paragraphs (no closing mark, the next paragraph reopens) is one
//!   quote; a quote led in by the writer's own clause ("In past campaigns, "we ...," he
//!   said") is mixed speech, kept as one indirect statement with its lead-in; quoted titles
//!   and slogans nobody is said to speak (after a dash, or a capitalised name ending a
//!   sentence) are partial.
//! * `--format quotes` (the scorer's input) leaves partial quotes out: each is inside the
//!   reported speech it belongs to, which is emitted as the indirect quote.
//! * Where a learned model would do better: speaker and content spans of reported speech
//!   (a dependency parse finds subjects and clause ends that these token rules miss, which
//!   caps recall of indirect attributions at about 60% of PolNeAR's content tokens) and
//!   coreference beyond "he"/"she" to a named person. Time expressions and amounts are well
//!   served by rules (HeidelTime, the best TempEval-3 system, is rule-based too).

mod amounts;
mod doc;
mod lexicon;
mod quotes;
mod sentences;
mod timex;
mod tokens;

use chrono::NaiveDate;
use copydesk_model::layers::{Annotation, Claim, Note, QuoteKind};
use copydesk_model::{Article, Layers, Span};

pub use copydesk_model::layers;

/// What to compute. The default computes every layer.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Keep the token layer (large; the other layers do not need it kept).
    pub tokens: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { tokens: true }
    }
}

/// The publication day of an article: the date as written (local to the publisher), from
/// RFC 3339 or `YYYY-MM-DD`.
pub fn publication_day(published: &str) -> Option<NaiveDate> {
    let s = published.trim();
    if let Some(d) = s
        .get(..10)
        .and_then(|p| NaiveDate::parse_from_str(p, "%Y-%m-%d").ok())
    {
        return Some(d);
    }
    copydesk_model::time::parse_instant(s).map(|t| t.date_naive())
}

/// Analyses one article in place, replacing its analysis layers (other layers in `extra`
/// are kept).
pub fn analyze(article: &mut Article, opts: &Options) {
    let dct = article.published.as_deref().and_then(publication_day);
    // A rule bug must cost one article's layers, not a whole corpus run (the rules are
    // fuzzed; this is the last line of defence).
    let text = &article.text;
    let mut layers = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        analyze_text(text, dct, opts)
    })) {
        Ok(l) => l,
        Err(_) => Layers {
            notes: vec![Note {
                layer: "all".into(),
                span: None,
                message: "analysis failed on this article (internal error); no layers".into(),
            }],
            ..Default::default()
        },
    };
    if article.published.is_some() && dct.is_none() {
        layers.notes.push(Note {
            layer: "times".into(),
            span: None,
            message: format!(
                "publication date {:?} not understood; relative times unresolved",
                article.published
            ),
        });
    }
    let old = std::mem::take(&mut article.layers.extra);
    for (k, v) in old {
        layers.extra.entry(k).or_insert(v);
    }
    article.layers = layers;
}

/// Analyses many articles, in parallel over articles.
pub fn analyze_all(articles: &mut [Article], opts: &Options) {
    use rayon::prelude::*;
    articles.par_iter_mut().for_each(|a| analyze(a, opts));
}

/// All layers for `text`, with relative times resolved against `dct` when given.
pub fn analyze_text(text: &str, dct: Option<NaiveDate>, opts: &Options) -> Layers {
    let d = doc::Doc::new(text);
    let mut layers = Layers::default();
    layers.sentences = d.sents.iter().map(|s| Span::new(s.start, s.end)).collect();
    if opts.tokens {
        layers.tokens = d.toks.iter().map(|t| Span::new(t.start, t.end)).collect();
    }
    if let Some(first) = d.sents.first() {
        if first.t0 > 0 {
            layers.layer_mut("datelines").push(Annotation {
                span: Span::new(d.toks[0].start, d.toks[first.t0 - 1].end),
                kind: "dateline".into(),
                value: serde_json::Value::Null,
            });
        }
    }
    let q = quotes::find(&d);
    layers.quotes = q.quotes;
    layers.attributions = q.attributions;
    layers.notes = q.notes;
    layers.times = timex::find(&d, dct, &mut layers.notes);
    let mut taken: Vec<Span> = layers.times.iter().map(|t| t.span).collect();
    taken.sort();
    layers.amounts = amounts::find(&d, &taken);
    layers.unattributed = unattributed(&d, &layers);
    if !text.is_empty() && d.sents.len() <= 1 && text.len() > 20_000 {
        layers.notes.push(Note {
            layer: "sentences".into(),
            span: None,
            message:
                "no sentence boundaries found in a long text; quotes and attributions are limited to it as one sentence"
                    .into(),
        });
    }
    layers
}

/// Sentences that state a contestable fact and are covered by no quote or attribution.
fn unattributed(d: &doc::Doc, layers: &Layers) -> Vec<Claim> {
    let mut out = Vec::new();
    let mut covered: Vec<Span> = layers
        .quotes
        .iter()
        .flat_map(|q| {
            let mut v = vec![q.content];
            if q.kind != QuoteKind::Partial {
                v.extend(q.cue);
            }
            v
        })
        .collect();
    // Mark the sentences each covered span touches (binary search: sentences are in order).
    let mut is_covered = vec![false; d.sents.len()];
    covered.sort();
    for c in &covered {
        let mut k = d.sents.partition_point(|s| s.end <= c.start);
        while k < d.sents.len() && d.sents[k].start < c.end {
            is_covered[k] = true;
            k += 1;
        }
    }
    let mut amounts = layers
        .amounts
        .iter()
        .filter(|a| a.kind != layers::AmountKind::Count)
        .peekable();
    for (si, s) in d.sents.iter().enumerate() {
        let span = Span::new(s.start, s.end);
        while amounts.peek().is_some_and(|a| a.span.end <= s.start) {
            amounts.next();
        }
        if s.t1 - s.t0 < 6 || d.w(s.t1 - 1) == "?" || is_covered[si] {
            continue;
        }
        let mut reason = None;
        for k in s.t0..s.t1 {
            if d.is_word(k) {
                let w = d.w(k);
                let hit = if w.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
                    d.lex.is_contested(w)
                } else {
                    d.lex.is_contested(&w.to_lowercase())
                };
                if hit {
                    reason = Some(w.to_lowercase());
                    break;
                }
            }
        }
        if reason.is_none() {
            if let Some(a) = amounts.peek().filter(|a| span.contains(&a.span)) {
                reason = span_text(d.text, a.span).map(str::to_string);
            }
        }
        if let Some(r) = reason {
            out.push(Claim { span, reason: r });
        }
    }
    out
}

fn span_text(text: &str, s: Span) -> Option<&str> {
    s.get(text)
}
