//! Quotes, their cues and speakers; reported speech; attributions to media and documents.
//!
//! 1. Quotation marks are paired within a paragraph by a two-state machine (open / closed),
//!    so unbalanced or deeply nested marks cost one pass. A quote left open at the end of a
//!    paragraph continues when the next paragraph opens with a mark (news style) and is one
//!    quote over those paragraphs; else it is reported in a note.
//! 2. A quote is *direct* when it stands as a statement (sentence start, after a cue, a colon
//!    or a comma), *partial* when it is embedded in the writer's sentence.
//! 3. The cue and speaker come from the words around the marks: `"...," X said`, `"...,"
//!    said X`, `X said: "..."`, `according to X`; a quote with none inherits the speaker of
//!    the statement just before it.
//! 4. Reported speech: a reporting verb with a subject noun phrase and a clause after it
//!    (`X insisted the visit ...`), or a clause before it (`CLAUSE, X reported.`).
//! 5. Pronoun speakers resolve to the latest person mention of the same gender (titles such
//!    as Ms/Mr and the pronouns used around a name decide its gender).

use copydesk_model::layers::{Attribution, Note, Quote, QuoteKind, SourceKind};
use copydesk_model::Span;

use crate::doc::{Doc, WEEKDAYS};
use crate::lexicon::Gender;
use crate::tokens::Kind;
use rustc_hash::FxHashMap;

/// Function words that end a noun phrase when scanning away from a cue.
const STOP: &[&str] = &[
    "and", "or", "but", "nor", "that", "which", "who", "whom", "whose", "when", "where", "while",
    "as", "if", "because", "since", "although", "though", "than", "so", "then", "is", "was", "are",
    "were", "be", "been", "being", "has", "have", "had", "do", "does", "did", "will", "would",
    "can", "could", "should", "may", "might", "must", "shall", "to", "in", "on", "at", "by",
    "with", "from", "about", "into", "over", "after", "before", "under", "against", "between",
    "through", "during", "without", "within", "also", "not", "no", "there", "here", "what", "how",
    "why", "it's", "said", "says", "say", "told", "whether", "even", "just", "only", "still",
    "yet", "however", "now", "this", "these", "those", "such", "very", "more", "most", "all",
    "both", "either", "neither", "like", "once",
];

const DETERMINERS: &[&str] = &[
    "the", "a", "an", "his", "her", "their", "its", "our", "my", "your", "another", "some", "many",
    "several", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "one",
    "other", "most", "few", "any", "each",
];

const PRONOUNS: &[&str] = &["he", "she", "they", "we", "i", "you", "it"];

/// Words between a subject and its reporting verb that do not end the subject.
const ADJUNCTS: &[&str] = &[
    "has",
    "have",
    "had",
    "also",
    "already",
    "later",
    "previously",
    "recently",
    "reportedly",
    "repeatedly",
    "then",
    "once",
    "again",
    "never",
    "often",
    "would",
    "will",
    "could",
    "may",
    "might",
    "did",
    "does",
    "do",
    "has",
    "just",
    "publicly",
    "privately",
    "earlier",
    "first",
    "last",
    "yesterday",
    "today",
    "tonight",
    "now",
    "still",
    "always",
    "even",
    "only",
    "too",
    "flatly",
    "simply",
];

/// Passive or nominal uses that make a cue word not a reporting verb.
const NOT_VERB_BEFORE: &[&str] = &[
    "the", "a", "an", "his", "her", "their", "its", "our", "my", "your", "these", "those", "this",
    "that", "was", "were", "is", "are", "be", "been", "being", "of", "such", "news", "press",
    "police", "media", "new", "latest", "recent", "initial", "some", "many", "no", "any", "other",
    "false", "earlier",
];

/// Cues that take a person object before their clause ("told reporters that ...").
const OBJECT_CUES: &[&str] = &[
    "tell",
    "tells",
    "told",
    "telling",
    "ask",
    "asks",
    "asked",
    "warn",
    "warns",
    "warned",
    "urge",
    "urges",
    "urged",
    "assure",
    "assured",
    "assures",
    "remind",
    "reminded",
    "advised",
    "promised",
    "informed",
    "accuse",
    "accused",
    "accuses",
    "called",
    "describe",
    "described",
    "describes",
];

#[derive(Debug, Clone, Copy)]
struct RawQuote {
    /// Opening mark token.
    open: usize,
    /// Closing mark token, or the last token of the paragraph for a continued quote.
    close: usize,
    closed: bool,
    content: Span,
    double: bool,
}

/// A noun phrase found as a speaker: token range (inclusive) and the name part.
#[derive(Debug, Clone, Copy)]
struct Np {
    a: usize,
    b: usize,
    /// Token range of the proper name inside, if any.
    name: Option<(usize, usize)>,
    /// Head token (last token of the main phrase).
    head: usize,
    /// Head of an apposition ("Le Canard Enchaîné, the French satirical *newspaper*").
    app_head: Option<usize>,
}

#[derive(Debug, Clone)]
struct Found {
    kind: QuoteKind,
    content: Span,
    cue: Option<(usize, usize)>,
    speaker: Option<Np>,
    /// Token range of the content, inclusive.
    ct: (usize, usize),
}

pub struct Output {
    pub quotes: Vec<Quote>,
    pub attributions: Vec<Attribution>,
    pub notes: Vec<Note>,
}

pub fn find(doc: &Doc) -> Output {
    let mut notes = Vec::new();
    let raws = pair_marks(doc, &mut notes);
    let n = doc.toks.len();
    let mut in_quote = vec![false; n];
    let mut quote_of = vec![u32::MAX; n];
    for (qi, r) in raws.iter().enumerate() {
        for k in r.open..=r.close.min(n - 1) {
            in_quote[k] = true;
            quote_of[k] = qi as u32;
        }
    }
    let mut used_cue = vec![false; n];
    let mut found: Vec<Found> = Vec::new();
    let mut direct_raw = vec![false; raws.len()];

    // Direct and partial quotes.
    for (qi, r) in raws.iter().enumerate() {
        if r.content.is_empty() {
            continue;
        }
        let kind = classify(doc, r);
        let mut f = Found {
            kind,
            content: r.content,
            cue: None,
            speaker: None,
            ct: (r.open + 1, r.close.saturating_sub(1)),
        };
        if kind == QuoteKind::Direct {
            if let Some((cue, sp)) = cue_after(doc, r).or_else(|| cue_before(doc, r)) {
                f.cue = Some(cue);
                f.speaker = sp;
                if let Some(t0) = (cue.0 > r.close).then(|| writer_intro(doc, r)).flatten() {
                    // "In past campaigns, "we felt ...," he said": the speaker is credited
                    // with the writer's lead-in too, so the statement is mixed speech.
                    f.kind = QuoteKind::Indirect;
                    f.content = doc.span(t0, r.close);
                    f.ct = (t0, r.close);
                }
            } else if (after_dash(doc, r) || title_sentence_end(doc, r))
                && !cue_earlier_in_sentence(doc, r.open)
            {
                // Nobody speaks it: a slogan or headline after a dash ("FAREWELL—"...",
                // by ...), or a title closing a sentence ("her film, "Trainwreck."").
                f.kind = QuoteKind::Partial;
            }
        }
        let kind = f.kind;
        direct_raw[qi] = kind == QuoteKind::Direct;
        if let Some((a, b)) = f.cue {
            for x in &mut used_cue[a..=b] {
                *x = true;
            }
        }
        found.push(f);
    }

    // Reported speech, sentence by sentence.
    let mut indirect: Vec<Found> = Vec::new();
    // Speakers of the quotes' cues, for a second verb sharing the subject ("She declared
    // "..." and said that ...").
    let mut cue_np: FxHashMap<usize, Np> = FxHashMap::default();
    for f in &found {
        if let (Some((a, _)), Some(np)) = (f.cue, f.speaker) {
            cue_np.insert(a, np);
        }
    }
    for s in &doc.sents {
        let mut cues: Vec<(usize, usize, Np, bool)> = Vec::new(); // (cue a, cue b, speaker, clause_before)
        let mut i = s.t0;
        while i < s.t1 {
            if in_quote[i] || used_cue[i] || !doc.is_word(i) {
                i += 1;
                continue;
            }
            let w = doc.w(i);
            // "according to X"
            if w.eq_ignore_ascii_case("according") && doc.is(i + 1, &["to"]) && i + 2 < s.t1 {
                if let Some(np) = np_fwd(doc, i + 2, s.t1) {
                    cues.push((i, i + 1, np, np.b + 2 >= s.t1 || doc.punct(np.b + 1, ".")));
                    i = np.b + 1;
                    continue;
                }
            }
            let Some(strong) = doc.lex.cue(w) else {
                i += 1;
                continue;
            };
            if i > s.t0 && doc.is(i - 1, NOT_VERB_BEFORE) {
                i += 1;
                continue;
            }
            let next_that = doc.is(i + 1, &["that"]);
            if !strong && !next_that {
                i += 1;
                continue;
            }
            if let Some(np) = subject_before(doc, i, s.t0) {
                let before = np.a > s.t0 + 3
                    && clause_sep(doc, np.a - 1)
                    && !next_that
                    && tail_is_short(doc, i + 1, s.t1);
                cues.push((i, i, np, before));
            } else if let Some(np) = (i > s.t0 && doc.is(i - 1, &["and", "but"]))
                .then(|| {
                    (i.saturating_sub(40).max(s.t0)..i)
                        .rev()
                        .find_map(|k| cue_np.get(&k).copied())
                })
                .flatten()
                .or_else(|| {
                    (i > s.t0 && doc.is(i - 1, &["and", "but"]))
                        .then(|| cues.last().map(|c| c.2))
                        .flatten()
                })
                .filter(|np| !in_quote[np.a])
            {
                // "She declared ... and said that ...": the subject of the first verb.
                cues.push((i, i, np, false));
            } else if i > s.t0 && clause_sep(doc, i - 1) {
                // "CLAUSE, said the official."
                if let Some(np) = np_fwd(doc, i + 1, s.t1) {
                    if tail_is_short(doc, np.b + 1, s.t1) {
                        cues.push((i, i, np, true));
                    }
                }
            }
            i += 1;
        }
        // Content spans.
        let end_tok = sentence_content_end(doc, s.t0, s.t1);
        // Nearest "CLAUSE, X said" cue after each cue, found in one backward pass so that a
        // sentence with thousands of cues stays linear.
        let mut next_before = vec![usize::MAX; cues.len()];
        let mut nb = usize::MAX;
        for k in (0..cues.len()).rev() {
            next_before[k] = nb;
            if cues[k].3 {
                nb = k;
            }
        }
        let mut prev_before: Option<usize> = None;
        for (k, &(ca, cb, np, before)) in cues.iter().enumerate() {
            let prev_b = prev_before;
            if before {
                prev_before = Some(k);
            }
            let (c0, c1) = if before {
                // The clause runs from the sentence start, or from after an earlier
                // "CLAUSE, X said" of the same sentence.
                let start = prev_b
                    .map(|p| cues[p].2.b.max(cues[p].1) + 1)
                    .unwrap_or(s.t0);
                let start = skip_clause_openers(doc, start, np.a);
                let sep = if np.a < ca { np.a - 1 } else { ca - 1 };
                if sep <= start {
                    continue;
                }
                (start, sep - 1)
            } else {
                let mut start = cb + 1;
                if OBJECT_CUES
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(doc.w(ca)))
                {
                    let that =
                        (start..(start + 8).min(end_tok + 1)).find(|&j| doc.is(j, &["that"]));
                    match that {
                        Some(j) => start = j,
                        None => {
                            if let Some(obj) = np_fwd(doc, start, s.t1) {
                                start = obj.b + 1;
                            }
                        }
                    }
                }
                if ca < np.a {
                    // "according to X, CLAUSE"
                    start = np.b + 1;
                }
                while start < s.t1 && (doc.punct(start, ",") || doc.punct(start, ":")) {
                    start += 1;
                }
                // Stop before the next cue's clause separator.
                let mut end = end_tok;
                // A later "..., X reported" ends this clause; a later reporting verb with
                // its subject inside this clause is nested speech and does not.
                if let Some(nx) = cues.get(next_before[k]) {
                    let sep = nx.2.a.min(nx.0).saturating_sub(1);
                    end = end.min(sep.saturating_sub(1));
                }
                while end > start
                    && (doc.punct(end, ",") || doc.punct(end, "—") || doc.punct(end, "-"))
                {
                    end -= 1;
                }
                (start, end)
            };
            if c1 < c0 || c1 >= doc.toks.len() || c1 + 1 - c0 < 3 {
                continue;
            }
            // A clause that is all one direct quote belongs to that quote.
            if quote_of[c0] != u32::MAX
                && quote_of[c0] == quote_of[c1]
                && direct_raw[quote_of[c0] as usize]
            {
                continue;
            }
            if doc.is_open_quote(c0) && in_quote[c1] {
                continue;
            }
            indirect.push(Found {
                kind: QuoteKind::Indirect,
                content: doc.span(c0, c1),
                cue: Some((ca, cb)),
                speaker: Some(np),
                ct: (c0, c1),
            });
        }
    }

    // Partial quotes take the speaker of the reported speech around them, else the nearest
    // cue of their sentence.
    indirect.sort_by_key(|f| f.content.start);
    for f in found.iter_mut().filter(|f| f.kind == QuoteKind::Partial) {
        // Only the few reported clauses starting just before the quote can hold it.
        let upto = indirect.partition_point(|i| i.content.start <= f.content.start);
        let cands = &indirect[upto.saturating_sub(16)..upto];
        if let Some(ind) = cands
            .iter()
            .filter(|i| i.content.contains(&f.content))
            .min_by_key(|i| i.content.len())
        {
            f.cue = ind.cue;
            f.speaker = ind.speaker;
        }
    }

    // Direct quotes without a cue inherit from the statement just before them.
    let mut all: Vec<Found> = found;
    all.extend(indirect);
    all.sort_by_key(|f| (f.content.start, f.content.end));
    let mut last_with_cue: Option<usize> = None;
    for i in 0..all.len() {
        if all[i].kind != QuoteKind::Direct || all[i].cue.is_some() {
            if all[i].cue.is_some() && all[i].kind != QuoteKind::Partial {
                last_with_cue = Some(i);
            }
            continue;
        }
        let here = all[i].ct.0;
        if let Some(j) = last_with_cue {
            let pj = doc.toks[all[j].ct.1.min(n - 1)].para;
            let ph = doc.toks[here.min(n - 1)].para;
            let sj = doc.sent_of[all[j].ct.1.min(n - 1)];
            let sh = doc.sent_of[here.min(n - 1)];
            if ph <= pj + 1 && sh <= sj.saturating_add(3) {
                all[i].cue = all[j].cue;
                all[i].speaker = all[j].speaker;
                last_with_cue = Some(i);
            }
        }
    }

    // Names and pronouns.
    let people = People::collect(doc, &all);
    let mut quotes = Vec::with_capacity(all.len());
    let mut attributions = Vec::new();
    for f in &all {
        let mut q = Quote {
            kind: f.kind,
            content: f.content,
            ..Default::default()
        };
        q.cue = f.cue.map(|(a, b)| doc.span(a, b));
        if let Some(np) = f.speaker {
            q.speaker = Some(doc.span(np.a, np.b));
            if np.a == np.b && doc.is(np.a, PRONOUNS) {
                if let Some((name, at)) = people.resolve(doc, np.a) {
                    q.speaker_name = Some(name);
                    q.resolved_from = Some(at);
                }
            } else {
                q.speaker_name = Some(people.name_of(doc, &np));
            }
            let source_name = q.speaker_name.clone().unwrap_or_else(|| np_text(doc, &np));
            if let Some(kind) = source_kind(doc, &np) {
                let claim = f.content;
                if !attributions.iter().any(|a: &Attribution| a.claim == claim) {
                    attributions.push(Attribution {
                        source: doc.span(np.a, np.b),
                        source_kind: kind,
                        source_name,
                        cue: q.cue,
                        claim,
                    });
                }
            }
        }
        quotes.push(q);
    }
    Output {
        quotes,
        attributions,
        notes,
    }
}

fn clause_sep(doc: &Doc, i: usize) -> bool {
    doc.punct(i, ",")
        || doc.punct(i, "—")
        || doc.punct(i, "–")
        || doc.punct(i, "--")
        || doc.punct(i, ";")
        || doc.is_close_quote(i)
}

/// After a cue (and its speaker) only a short adjunct remains before the sentence ends
/// ("in a statement", "on Thursday", "to reporters") or a comma follows.
fn tail_is_short(doc: &Doc, from: usize, t1: usize) -> bool {
    let mut k = from;
    let mut words = 0;
    while k < t1 {
        let t = &doc.toks[k];
        match t.kind {
            Kind::End => return true,
            Kind::Punct if matches!(doc.w(k), "," | ";" | ":" | "—" | "–" | "(" | ")") => {
                return true
            }
            Kind::Quote(_) => return words <= 6,
            _ => {}
        }
        words += 1;
        if words > 6 {
            return false;
        }
        k += 1;
    }
    true
}

/// The last token of a sentence's content: before the final full stop and closing marks.
fn sentence_content_end(doc: &Doc, t0: usize, t1: usize) -> usize {
    let mut e = t1 - 1;
    while e > t0 && (matches!(doc.toks[e].kind, Kind::End) || doc.punct(e, ")")) {
        e -= 1;
    }
    e
}

fn skip_clause_openers(doc: &Doc, mut start: usize, limit: usize) -> usize {
    while start < limit && (doc.is(start, &["and", "but", "or", "so"]) || doc.punct(start, ",")) {
        start += 1;
    }
    start
}

/// Pairs quotation marks paragraph by paragraph.
fn pair_marks(doc: &Doc, notes: &mut Vec<Note>) -> Vec<RawQuote> {
    let toks = &doc.toks;
    let mut out = Vec::new();
    let mut open_d: Option<usize> = None;
    let mut open_s: Option<usize> = None;
    let mut unbalanced = 0usize;
    let mut first_unbalanced: Option<Span> = None;
    let mut skip_open: Option<usize> = None;
    for i in 0..toks.len() {
        let t = toks[i];
        let last_of_para = toks.get(i + 1).is_none_or(|n| n.para != t.para);
        if let Kind::Quote(q) = t.kind {
            if skip_open == Some(i) {
                skip_open = None;
            } else if q.double {
                let open = if q.ambiguous {
                    open_d.is_none()
                } else {
                    q.open
                };
                match (open, open_d) {
                    (true, Some(o)) => {
                        unbalanced += 1;
                        first_unbalanced.get_or_insert(Span::new(toks[o].start, toks[o].end));
                        open_d = Some(i);
                        open_s = None;
                    }
                    (true, None) => {
                        open_d = Some(i);
                        open_s = None;
                    }
                    (false, Some(o)) => {
                        if i > o + 1 {
                            out.push(RawQuote {
                                open: o,
                                close: i,
                                closed: true,
                                content: Span::new(toks[o].end, t.start),
                                double: true,
                            });
                        }
                        open_d = None;
                    }
                    (false, None) => {
                        unbalanced += 1;
                        first_unbalanced.get_or_insert(Span::new(t.start, t.end));
                    }
                }
            } else if open_d.is_none() {
                // Single marks count only outside double quotes and within one sentence.
                match (q.open, open_s) {
                    (true, _) => open_s = Some(i),
                    (false, Some(o)) => {
                        if i > o + 1 && doc.sent_of[o] == doc.sent_of[i] && i - o <= 40 {
                            out.push(RawQuote {
                                open: o,
                                close: i,
                                closed: true,
                                content: Span::new(toks[o].end, t.start),
                                double: false,
                            });
                        }
                        open_s = None;
                    }
                    (false, None) => {}
                }
            }
        }
        if last_of_para {
            if let Some(o) = open_d.take() {
                let next_opens = toks
                    .get(i + 1)
                    .is_some_and(|n| matches!(n.kind, Kind::Quote(q) if q.double && q.open));
                if next_opens && i > o {
                    // News style continues a quote into the next paragraph by reopening
                    // it without closing: one statement, so one quote across the
                    // paragraphs (the reopening mark is skipped).
                    open_d = Some(o);
                    skip_open = Some(i + 1);
                } else if toks[o].para != t.para {
                    out.push(RawQuote {
                        open: o,
                        close: i,
                        closed: false,
                        content: Span::new(toks[o].end, t.end),
                        double: true,
                    });
                } else {
                    notes.push(Note {
                        layer: "quotes".into(),
                        span: Some(Span::new(toks[o].start, t.end)),
                        message: "quotation mark never closes; not taken as a quote".into(),
                    });
                }
            }
            open_s = None;
        }
    }
    if unbalanced > 0 {
        notes.push(Note {
            layer: "quotes".into(),
            span: first_unbalanced,
            message: format!("{unbalanced} unbalanced quotation mark(s) ignored"),
        });
    }
    out
}

fn classify(doc: &Doc, r: &RawQuote) -> QuoteKind {
    let words = (r.open + 1..r.close)
        .filter(|&k| doc.is_word(k) || matches!(doc.toks[k].kind, Kind::Num))
        .count();
    let sent_start = doc.sentence_of(r.open).map(|s| s.t0).unwrap_or(r.open);
    let para_start = r.open == 0 || doc.toks[r.open - 1].para != doc.toks[r.open].para;
    // Quoted words that open in lower case continue the writer's sentence.
    let lower_start = r.open + 1 < r.close && doc.is_lower_word(r.open + 1);
    let before_ok = para_start
        || r.open == sent_start
        || (r.open > 0
            && (matches!(doc.w(r.open - 1), ":" | "," | "—" | "–" | "(" | "--")
                || (doc.toks[r.open - 1].abbrev && !lower_start)
                || (doc.lex.cue(doc.w(r.open - 1)).is_some() && !lower_start)
                || doc.is_close_quote(r.open - 1)));
    // A quote that stands apart and either is a few words long or ends in its own
    // punctuation ("Safety," said Grimm) is a statement; anything else quotes a phrase.
    let own_punct =
        r.close > r.open + 1 && matches!(doc.w(r.close - 1), "," | "." | "?" | "!" | "…" | "...");
    // The writer's sentence going on after the marks ("..." until the Iowa caucuses) makes
    // the quote a phrase inside it, unless what follows is the speaker and cue.
    let k = r.close + 1;
    let same_sentence = doc
        .sent_of
        .get(k)
        .is_some_and(|&sk| sk == doc.sent_of[r.close]);
    let continues = r.closed
        && !own_punct
        && same_sentence
        && doc.is_lower_word(k)
        && !doc.is(k, PRONOUNS)
        && !doc.is(k, DETERMINERS)
        && doc.lex.cue(doc.w(k)).is_none();
    // A short run of capitalised words is a title or a name ("Bloodline," "Trumpcare"),
    // unless a speaker and cue follow it.
    let title_like = words <= 6
        && (r.open + 1..r.close).all(|j| {
            !doc.is_word(j)
                || doc.is_cap(j)
                || doc.is(j, &["of", "the", "and", "a", "in", "for", "to", "on"])
        })
        && !matches!(doc.w(r.close - 1), "." | "?" | "!");
    let after = if doc.punct(k, ",") { k + 1 } else { k };
    let cue_follows = doc.is(after, PRONOUNS) || doc.lex.cue(doc.w(after)).is_some();
    if title_like && !cue_follows {
        return QuoteKind::Partial;
    }
    if before_ok && !continues && (words >= 3 || own_punct) && (r.double || words >= 3) {
        QuoteKind::Direct
    } else {
        QuoteKind::Partial
    }
}

/// The start of the writer's words that lead into a quote in the same sentence and end in
/// a comma just before it, when they hold no reporting verb, quotation or colon.
fn writer_intro(doc: &Doc, r: &RawQuote) -> Option<usize> {
    let lo = doc.sentence_of(r.open).map(|s| s.t0)?;
    if r.open < lo + 3 || !doc.punct(r.open - 1, ",") || doc.toks[lo].para != doc.toks[r.open].para
    {
        return None;
    }
    let clean = (lo..r.open - 1).all(|j| {
        !matches!(doc.toks[j].kind, Kind::Quote(_))
            && !doc.punct(j, ":")
            && !(doc.is_word(j)
                && (doc.lex.cue(doc.w(j)).is_some() || doc.w(j).eq_ignore_ascii_case("according")))
    });
    clean.then_some(lo)
}

/// The quote opens right after a dash ("record — "...").
fn after_dash(doc: &Doc, r: &RawQuote) -> bool {
    r.open > 0
        && doc.toks[r.open - 1].para == doc.toks[r.open].para
        && matches!(doc.w(r.open - 1), "—" | "–" | "--" | "-")
}

/// A few capitalised words quoted after a comma, ending the sentence: a title or a name
/// ("her film, "Trainwreck."").
fn title_sentence_end(doc: &Doc, r: &RawQuote) -> bool {
    if r.open == 0 || !doc.punct(r.open - 1, ",") || r.close < r.open + 2 {
        return false;
    }
    if !doc.punct(r.close - 1, ".") {
        return false;
    }
    let mut words = 0;
    for j in r.open + 1..r.close - 1 {
        if doc.is_word(j) {
            words += 1;
            if !doc.is_cap(j) && !doc.is(j, &["of", "the", "and", "a", "in", "for", "to", "on"]) {
                return false;
            }
        } else if !doc.punct(j, ",") && !doc.punct(j, "'") && !doc.punct(j, "’") {
            return false;
        }
    }
    (1..=6).contains(&words)
}

/// A reporting verb (or "according to") before the quote in its sentence.
fn cue_earlier_in_sentence(doc: &Doc, open: usize) -> bool {
    let lo = doc.sentence_of(open).map(|s| s.t0).unwrap_or(open);
    (lo..open).any(|j| {
        doc.is_word(j)
            && (doc.lex.cue(doc.w(j)).is_some() || doc.w(j).eq_ignore_ascii_case("according"))
    })
}

/// `"...," X said` / `"...," said X` / `"...", she added`.
fn cue_after(doc: &Doc, r: &RawQuote) -> Option<((usize, usize), Option<Np>)> {
    if !r.closed {
        return None;
    }
    let para = doc.toks[r.close].para;
    let inside_end = r.close.checked_sub(1)?;
    let ended_with_comma = matches!(
        doc.w(inside_end),
        "," | "?" | "!" | "—" | "–" | "-" | "--" | "…" | "..."
    );
    let mut k = r.close + 1;
    let mut comma_after = false;
    if k < doc.toks.len() && matches!(doc.w(k), "," | "—" | "–" | "--") {
        comma_after = true;
        k += 1;
    }
    if doc.get(k).is_none_or(|t| t.para != para) {
        return None;
    }
    let loose = ended_with_comma || comma_after;
    // said X
    if doc.is_word(k) && doc.lex.cue(doc.w(k)).is_some_and(|strong| strong || loose) {
        if let Some(np) = np_fwd(doc, k + 1, doc.toks.len()) {
            if loose || doc.is_lower_word(k) {
                return Some(((k, k), Some(np)));
            }
        }
    }
    // X said / X, the minister of ..., said / X (D-Minn.) said
    let end = (k + 30).min(doc.toks.len());
    let mut j = k;
    while j < end && doc.toks[j].para == para {
        if matches!(doc.toks[j].kind, Kind::Quote(_))
            || (matches!(doc.toks[j].kind, Kind::End) && !doc.punct(j + 1, ")"))
        {
            break;
        }
        if doc.is_word(j) && j > k && doc.lex.cue(doc.w(j)).is_some_and(|strong| strong || loose) {
            if let Some(np) = subject_before(doc, j, k) {
                if np.a == k && (loose || doc.is_lower_word(k)) {
                    return Some(((j, j), Some(np)));
                }
            }
            break;
        }
        j += 1;
    }
    None
}

/// `X said: "..."` / `X said, "..."` / `according to X, "..."`.
fn cue_before(doc: &Doc, r: &RawQuote) -> Option<((usize, usize), Option<Np>)> {
    let mut k = r.open.checked_sub(1)?;
    let para = doc.toks[r.open].para;
    if doc.toks[k].para != para {
        // A colon ending the previous paragraph: "Smith said:" then the quote.
        if doc.punct(k, ":") {
            k = k.checked_sub(1)?;
            let lo = doc.sentence_of(k).map(|s| s.t0).unwrap_or(k);
            let c = (lo..=k)
                .rev()
                .take(12)
                .find(|&j| doc.is_word(j) && doc.lex.cue(doc.w(j)).is_some());
            return match c.and_then(|c| subject_before(doc, c, lo).map(|np| (c, np))) {
                Some((c, np)) => Some(((c, c), Some(np))),
                None => colon_subject(doc, k + 1),
            };
        }
        return None;
    }
    if doc.punct(k, ":") {
        if let Some(found) = cue_before_at(doc, r, k - usize::from(k > 0)) {
            return Some(found);
        }
        return colon_subject(doc, k);
    }
    if doc.punct(k, ",") {
        k = k.checked_sub(1)?;
    }
    cue_before_at(doc, r, k)
}

/// "Trump issued the following statement: "..."": the named subject of the sentence that
/// the colon ends speaks, with the colon as the cue.
fn colon_subject(doc: &Doc, colon: usize) -> Option<((usize, usize), Option<Np>)> {
    let lo = doc.sentence_of(colon).map(|s| s.t0)?;
    let np = np_fwd(doc, lo, colon)?;
    np.name?;
    if np.b >= colon {
        return None;
    }
    Some(((colon, colon), Some(np)))
}

fn cue_before_at(doc: &Doc, r: &RawQuote, k: usize) -> Option<((usize, usize), Option<Np>)> {
    let lo = doc.sentence_of(k).map(|s| s.t0).unwrap_or(0);
    let punct_before = k + 1 < r.open;
    if doc.is_word(k)
        && doc
            .lex
            .cue(doc.w(k))
            .is_some_and(|strong| strong || punct_before)
    {
        let np = subject_before(doc, k, lo);
        // "by saying "Too many."": the cue stands without a subject of its own.
        if np.is_none() && !doc.w(k).ends_with("ing") && !doc.is(k.wrapping_sub(1), &["to"]) {
            return None;
        }
        return Some(((k, k), np));
    }
    // "Rep. Trey Gowdy (R-S.C.): "..."": a named speaker and a colon.
    if doc.punct(k + 1, ":") && k + 2 == r.open {
        if let Some(np) = subject_before(doc, k + 1, lo) {
            if np.name.is_some() && np.a == lo {
                return Some(((k + 1, k + 1), Some(np)));
            }
        }
    }
    // "said Smith:" / "according to X,"
    let mut j = k;
    let stop = k.saturating_sub(10).max(lo);
    while j > stop {
        j -= 1;
        if doc.is(j, &["according"]) && doc.is(j + 1, &["to"]) {
            let np = np_fwd(doc, j + 2, k + 1)?;
            return Some(((j, j + 1), Some(np)));
        }
        if doc.is_word(j) && doc.lex.cue(doc.w(j)) == Some(true) {
            if let Some(np) = np_fwd(doc, j + 1, k + 1) {
                if np.b == k {
                    return Some(((j, j), Some(np)));
                }
            }
            if let Some(np) = subject_before(doc, j, lo) {
                return Some(((j, j), Some(np)));
            }
            return None;
        }
        if matches!(doc.toks[j].kind, Kind::End | Kind::Quote(_)) {
            return None;
        }
    }
    None
}

fn is_time_word(w: &str) -> bool {
    let lw = w.to_ascii_lowercase();
    WEEKDAYS.contains(&lw.as_str())
        || matches!(
            lw.as_str(),
            "week"
                | "month"
                | "year"
                | "morning"
                | "afternoon"
                | "evening"
                | "night"
                | "weekend"
                | "yesterday"
                | "today"
                | "tonight"
        )
}

/// The subject noun phrase ending just before cue `c`, not before token `lo`.
fn subject_before(doc: &Doc, c: usize, lo: usize) -> Option<Np> {
    if c <= lo {
        return None;
    }
    let mut j = c - 1;
    // A parenthesis before the verb: "Sen. Amy Klobuchar (D-Minn.) said".
    if doc.punct(j, ")") {
        let open = (j.saturating_sub(8).max(lo)..j)
            .rev()
            .find(|&k| doc.punct(k, "("))?;
        if open <= lo {
            return None;
        }
        j = open - 1;
    }
    // Skip auxiliaries, adverbs and short time adjuncts ("on Thursday", "in a statement").
    loop {
        let w = doc.w(j);
        let lw_is = |xs: &[&str]| doc.is(j, xs);
        let skip = if doc.is_word(j)
            && (lw_is(ADJUNCTS) || (doc.is_lower_word(j) && w.ends_with("ly") && w.len() > 4))
        {
            1
        } else if doc.is_word(j) && is_time_word(w) {
            if j > lo
                && doc.is(
                    j - 1,
                    &["on", "last", "this", "earlier", "late", "early", "that"],
                )
            {
                2
            } else {
                1
            }
        } else if doc.is(
            j,
            &[
                "statement",
                "interview",
                "tweet",
                "letter",
                "email",
                "speech",
                "post",
            ],
        ) && j >= lo + 2
            && doc.is(j - 1, &["a", "an", "the", "his", "her", "their", "its"])
            && doc.is(j - 2, &["in"])
        {
            3
        } else {
            0
        };
        if skip == 0 || j < lo + skip {
            break;
        }
        j -= skip;
        if j < lo {
            return None;
        }
    }
    // Apposition: "X, the minister, said".
    if doc.punct(j, ",") && j > lo {
        let inner_end = j - 1;
        let prev_comma = (lo..inner_end).rev().take(25).find(|&k| doc.punct(k, ","));
        if let Some(pc) = prev_comma {
            if pc > lo {
                if let Some(main) = np_back(doc, pc - 1, lo) {
                    let app = np_back(doc, inner_end, pc + 1);
                    let name = if doc.is_cap(main.head) {
                        main.name
                    } else {
                        app.and_then(|a| a.name).or(main.name)
                    };
                    return Some(Np {
                        a: main.a,
                        b: inner_end,
                        name,
                        head: main.head,
                        app_head: app.map(|a| a.head),
                    });
                }
            }
        }
        return None;
    }
    np_back(doc, j, lo)
}

fn is_np_word(doc: &Doc, k: usize) -> bool {
    match doc.toks[k].kind {
        Kind::Word => {
            let w = doc.w(k);
            if doc.is_cap(k) {
                return true;
            }
            !doc.is(k, STOP) && doc.lex.cue(w) != Some(true)
        }
        Kind::Num => true,
        Kind::Punct => matches!(doc.w(k), "&"),
        _ => false,
    }
}

/// The noun phrase ending at token `j` (inclusive), scanning left no further than `lo`.
fn np_back(doc: &Doc, j: usize, lo: usize) -> Option<Np> {
    if j < lo || j >= doc.toks.len() || !doc.is_word(j) && !matches!(doc.toks[j].kind, Kind::Num) {
        return None;
    }
    if doc.is(j, PRONOUNS) {
        return Some(Np {
            a: j,
            b: j,
            name: None,
            head: j,
            app_head: None,
        });
    }
    if !is_np_word(doc, j) || doc.is(j, DETERMINERS) {
        return None;
    }
    let w = doc.w(j);
    if doc.is_lower_word(j) && (w.ends_with("ly") || w.ends_with("ing")) {
        return None;
    }
    let mut a = j;
    while a > lo && a + 9 > j {
        let k = a - 1;
        if doc.is(k, DETERMINERS) {
            a = k;
            break;
        }
        if doc.is(k, &["of", "for"])
            && k > lo
            && is_np_word(doc, k - 1)
            && !doc.is(k - 1, DETERMINERS)
        {
            a = k;
            continue;
        }
        if !is_np_word(doc, k) || doc.is(k, PRONOUNS) {
            break;
        }
        a = k;
    }
    // A phrase may not start with "of"/"for".
    while a < j && doc.is(a, &["of", "for"]) {
        a += 1;
    }
    // A sentence-initial capital that is a function word is not part of the phrase.
    Some(Np {
        a,
        b: j,
        name: proper_run(doc, a, j),
        head: j,
        app_head: None,
    })
}

/// The noun phrase starting at token `k`: "Smith", "the senator", "Mr. Smith", "he".
fn np_fwd(doc: &Doc, k: usize, hi: usize) -> Option<Np> {
    if k >= hi || k >= doc.toks.len() {
        return None;
    }
    if doc.is(k, PRONOUNS) {
        return Some(Np {
            a: k,
            b: k,
            name: None,
            head: k,
            app_head: None,
        });
    }
    if doc.is(k, &["of", "for"]) {
        return None;
    }
    let mut b = k;
    if doc.is(k, DETERMINERS) {
        b += 1;
    }
    if b >= hi || !is_np_word(doc, b) {
        return None;
    }
    let para = doc.toks[k].para;
    while b + 1 < hi && b + 1 - k < 8 && doc.toks[b + 1].para == para {
        let n = b + 1;
        if doc.is(n, &["of"]) && n + 1 < hi && doc.is_cap(n + 1) {
            b = n;
            continue;
        }
        if !is_np_word(doc, n) || doc.is(n, PRONOUNS) || doc.is(n, DETERMINERS) {
            break;
        }
        b = n;
    }
    if doc.is(b, &["of", "for"]) && b > k {
        b -= 1;
    }
    if doc.is(b, DETERMINERS) {
        return None;
    }
    Some(Np {
        a: k,
        b,
        name: proper_run(doc, k, b),
        head: b,
        app_head: None,
    })
}

/// The last run of capitalised words in `a..=b` (with name particles such as "de", "al"),
/// without leading titles and roles.
fn proper_run(doc: &Doc, a: usize, b: usize) -> Option<(usize, usize)> {
    let particle = |k: usize| {
        doc.is(
            k,
            &[
                "de", "da", "di", "du", "van", "von", "der", "den", "la", "le", "al", "bin", "ben",
                "el", "del", "of",
            ],
        )
    };
    let mut e = b;
    loop {
        if doc.is_cap(e) {
            break;
        }
        if e == a {
            return None;
        }
        e -= 1;
    }
    let mut s = e;
    while s > a && (doc.is_cap(s - 1) || (particle(s - 1) && s - 1 > a && doc.is_cap(s - 2))) {
        s -= 1;
    }
    while s < e
        && (doc.lex.titles.contains_key(doc.w(s)) || doc.is(s, DETERMINERS) || doc.is(s, &["The"]))
    {
        s += 1;
    }
    Some((s, e))
}

fn strip_possessive(w: &str) -> &str {
    w.strip_suffix("'s")
        .or_else(|| w.strip_suffix("’s"))
        .unwrap_or(w)
}

fn np_text(doc: &Doc, np: &Np) -> String {
    let mut a = np.a;
    while a < np.b && doc.is(a, &["the", "a", "an"]) {
        a += 1;
    }
    let s = &doc.text[doc.toks[a].start..doc.toks[np.b].end];
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Is the speaker a medium or a document (judged by the head noun or the name's words)?
fn source_kind(doc: &Doc, np: &Np) -> Option<SourceKind> {
    head_kind(doc, np.head)
        .or_else(|| np.app_head.and_then(|h| head_kind(doc, h)))
        .or_else(|| name_kind(doc, np))
}

fn head_kind(doc: &Doc, h: usize) -> Option<SourceKind> {
    let head = doc.w(h);
    if let Some(k) = doc.lex.media.get(strip_possessive(head)) {
        return Some(*k);
    }
    if let Some(k) = doc.lex.media.get(head.to_lowercase().as_str()) {
        if doc.is_lower_word(h) {
            return Some(*k);
        }
    }
    None
}

fn name_kind(doc: &Doc, np: &Np) -> Option<SourceKind> {
    // "news agency Tass": a media noun right before the name.
    if let Some((s, _)) = np.name {
        if s > np.a {
            let w = doc.w(s - 1);
            if doc.is_lower_word(s - 1) {
                if let Some(k) = doc.lex.media.get(w) {
                    return Some(*k);
                }
            }
        }
    }
    None
}

/// Person mentions with a gender, for resolving pronoun speakers.
struct People {
    /// (token position, key, gender) in text order.
    mentions: Vec<(usize, String, Gender)>,
    /// key (the name's last word) -> fullest name seen.
    names: FxHashMap<String, String>,
}

/// How far back a pronoun looks for its person, in mentions.
const MAX_MENTIONS_BACK: usize = 200;

impl People {
    fn key_of(doc: &Doc, name: (usize, usize)) -> String {
        strip_possessive(doc.w(name.1)).to_string()
    }

    fn add_name(doc: &Doc, (s, e): (usize, usize), names: &mut FxHashMap<String, String>) {
        let key = Self::key_of(doc, (s, e));
        let full = strip_possessive(&doc.text[doc.toks[s].start..doc.toks[e].end])
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let slot = names.entry(key).or_default();
        if slot.len() < full.len() {
            *slot = full;
        }
    }

    fn collect(doc: &Doc, found: &[Found]) -> People {
        let mut names: FxHashMap<String, String> = FxHashMap::default();
        // key -> male minus female votes
        let mut genders: FxHashMap<String, i32> = FxHashMap::default();
        for f in found {
            if let Some(Np { name: Some(nm), .. }) = f.speaker {
                Self::add_name(doc, nm, &mut names);
            }
        }
        // Titled names anywhere: "Ms Le Pen", "President Vladimir Putin", "candidate Marine Le Pen".
        let n = doc.toks.len();
        let mut i = 0;
        while i < n {
            let is_title = doc.is_word(i)
                && (doc.lex.titles.contains_key(doc.w(i))
                    || doc.is(
                        i,
                        &[
                            "candidate",
                            "nominee",
                            "leader",
                            "president",
                            "minister",
                            "spokesman",
                            "spokeswoman",
                            "senator",
                            "treasurer",
                            "chairman",
                            "secretary",
                            "governor",
                            "mayor",
                            "chancellor",
                        ],
                    ));
            if is_title && doc.is_cap(i + 1) && !doc.lex.titles.contains_key(doc.w(i + 1)) {
                let s = i + 1;
                let mut e = s;
                while e + 1 < n
                    && e < s + 6
                    && (doc.is_cap(e + 1)
                        || (doc.is(e + 1, &["de", "van", "von", "le", "la", "al", "bin"])
                            && doc.is_cap(e + 2)))
                {
                    e += 1;
                }
                Self::add_name(doc, (s, e), &mut names);
                let v = match doc
                    .lex
                    .titles
                    .get(doc.w(i))
                    .copied()
                    .unwrap_or(Gender::Unknown)
                {
                    Gender::Male => 5,
                    Gender::Female => -5,
                    Gender::Unknown => 0,
                };
                *genders.entry(Self::key_of(doc, (s, e))).or_default() += v;
                i = e + 1;
                continue;
            }
            i += 1;
        }
        // Mentions: every occurrence of a known key as a capitalised word; pronouns vote
        // for the gender of the latest mention in their sentence.
        let mut mentions = Vec::new();
        let mut last: Option<(u32, String)> = None;
        for i in 0..n {
            if !doc.is_cap(i) {
                if doc.is_word(i) {
                    let v = if doc.is(i, &["he", "his", "him", "himself"]) {
                        1
                    } else if doc.is(i, &["she", "her", "hers", "herself"]) {
                        -1
                    } else {
                        0
                    };
                    if let Some((s, key)) = &last {
                        if v != 0 && *s == doc.sent_of[i] {
                            *genders.entry(key.clone()).or_default() += v;
                        }
                    }
                }
                continue;
            }
            let w = strip_possessive(doc.w(i));
            if names.contains_key(w) && !doc.is_cap(i + 1) {
                mentions.push((i, w.to_string(), Gender::Unknown));
                last = Some((doc.sent_of[i], w.to_string()));
            }
        }
        for m in &mut mentions {
            if let Some(v) = genders.get(&m.1) {
                m.2 = match v.cmp(&0) {
                    std::cmp::Ordering::Greater => Gender::Male,
                    std::cmp::Ordering::Less => Gender::Female,
                    std::cmp::Ordering::Equal => Gender::Unknown,
                };
            }
        }
        People { mentions, names }
    }

    fn full(&self, key: &str) -> Option<&str> {
        self.names.get(key).map(String::as_str)
    }

    fn name_of(&self, doc: &Doc, np: &Np) -> String {
        match np.name {
            // "a BBC correspondent": the name only qualifies a common noun.
            Some(nm) if nm.1 < np.head && np.app_head.is_none() && doc.is_lower_word(np.head) => {
                np_text(doc, np)
            }
            Some(nm) => {
                let key = Self::key_of(doc, nm);
                match self.full(&key) {
                    Some(f) => f.to_string(),
                    None => key,
                }
            }
            None => np_text(doc, np),
        }
    }

    /// The person a pronoun at token `p` refers to: the latest earlier mention of the same
    /// gender, else the latest of unknown gender.
    fn resolve(&self, doc: &Doc, p: usize) -> Option<(String, Span)> {
        let want = if doc.is(p, &["he"]) {
            Gender::Male
        } else if doc.is(p, &["she"]) {
            Gender::Female
        } else {
            return None;
        };
        let upto = self.mentions.partition_point(|m| m.0 < p);
        let window = &self.mentions[upto.saturating_sub(MAX_MENTIONS_BACK)..upto];
        let pick = window
            .iter()
            .rev()
            .find(|m| m.2 == want)
            .or_else(|| window.iter().rev().find(|m| m.2 == Gender::Unknown))?;
        let name = self.full(&pick.1).unwrap_or(&pick.1).to_string();
        // The mention's span takes in the capitalised words and particles before the key.
        let mut s = pick.0;
        while s > 0
            && pick.0 - s < 4
            && (doc.is_cap(s - 1) || doc.is(s - 1, &["de", "van", "von", "le", "la", "al", "bin"]))
            && !doc.lex.titles.contains_key(doc.w(s - 1))
        {
            s -= 1;
        }
        Some((name, doc.span(s, pick.0)))
    }
}
