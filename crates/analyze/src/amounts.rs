//! Amounts: money with its currency ("$9.7 million", "£1,400", "€2bn", "1.2 trillion
//! roubles"), percentages and counts with their unit. Numbers are whole tokens, so nothing
//! matches inside a word.

use copydesk_model::layers::{Amount, AmountKind};
use copydesk_model::Span;

use crate::doc::Doc;
use crate::tokens::Kind;

fn scale(w: &str) -> Option<f64> {
    Some(match w.to_ascii_lowercase().as_str() {
        "thousand" | "k" => 1e3,
        "million" | "m" | "mn" | "mln" => 1e6,
        "billion" | "bn" | "b" | "bln" => 1e9,
        "trillion" | "tn" | "trn" => 1e12,
        _ => return None,
    })
}

/// Parses "1,400", "9.7", "600m", "2bn": (value, suffix scale).
fn number(w: &str) -> Option<(f64, Option<f64>)> {
    let digits_end = w
        .find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.'))
        .unwrap_or(w.len());
    let (num, suffix) = w.split_at(digits_end);
    if num.is_empty() || num.contains(':') {
        return None;
    }
    let v: f64 = num.replace(',', "").parse().ok()?;
    if suffix.is_empty() {
        return Some((v, None));
    }
    Some((v, Some(scale(suffix)?)))
}

fn word_number(w: &str) -> Option<f64> {
    Some(match w.to_ascii_lowercase().as_str() {
        "two" => 2.0,
        "three" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "dozens" | "hundreds" | "thousands" | "millions" => return None,
        _ => return None,
    })
}

const NOT_UNITS: &[&str] = &[
    "and", "or", "of", "to", "in", "on", "at", "by", "for", "with", "from", "the", "a", "an", "is",
    "was", "are", "were", "has", "had", "have", "will", "would", "that", "than", "as", "per",
    "percent", "p.m.", "a.m.", "pm", "am", "years", "year", "months", "month", "days", "day",
    "weeks", "week", "hours", "hour", "minutes", "minute", "decades", "seconds", "but", "who",
    "which", "when", "after", "before", "times", "out",
];

/// Finds amounts, skipping tokens already taken by time expressions (`taken`).
pub fn find(doc: &Doc, taken: &[Span]) -> Vec<Amount> {
    let n = doc.toks.len();
    let mut out = Vec::new();
    // `taken` is in text order: a binary search keeps this linear-logarithmic.
    let is_taken = |i: usize| {
        let t = &doc.toks[i];
        let k = taken.partition_point(|s| s.end <= t.start);
        taken
            .get(k)
            .is_some_and(|s| s.start <= t.start && t.end <= s.end)
    };
    let currency_sym = |i: usize| -> Option<(&'static str, usize)> {
        // "US$" is a word then "$"; "C$", "A$" likewise.
        if i + 1 < n
            && doc.is_word(i)
            && doc.w(i + 1) == "$"
            && doc.toks[i].end == doc.toks[i + 1].start
        {
            let code = format!("{}$", doc.w(i));
            if let Some(c) = doc.lex.currencies.get(code.as_str()) {
                return Some((c, i + 1));
            }
        }
        let w = doc.w(i);
        if matches!(doc.toks[i].kind, Kind::Punct)
            || w.len() == 3 && w.bytes().all(|b| b.is_ascii_uppercase())
        {
            return doc.lex.currencies.get(w).map(|c| (*c, i));
        }
        None
    };
    let mut i = 0;
    while i < n {
        // Currency before the number.
        if let Some((code, k)) = currency_sym(i) {
            if k + 1 < n && matches!(doc.toks[k + 1].kind, Kind::Num) && !is_taken(k + 1) {
                if let Some((v, suf)) = number(doc.w(k + 1)) {
                    let mut b = k + 1;
                    let mut value = v * suf.unwrap_or(1.0);
                    if suf.is_none() {
                        if let Some(s) = doc.get(b + 1).and_then(|_| scale(doc.w(b + 1))) {
                            if doc.is_word(b + 1)
                                && (doc.w(b + 1).len() > 1
                                    || doc.toks[b].end == doc.toks[b + 1].start)
                            {
                                value *= s;
                                b += 1;
                            }
                        }
                    }
                    out.push(Amount {
                        span: doc.span(i, b),
                        kind: AmountKind::Money,
                        value,
                        currency: Some(code.to_string()),
                        unit: None,
                    });
                    i = b + 1;
                    continue;
                }
            }
        }
        if !matches!(doc.toks[i].kind, Kind::Num) && word_number(doc.w(i)).is_none() || is_taken(i)
        {
            i += 1;
            continue;
        }
        let wordnum = !matches!(doc.toks[i].kind, Kind::Num);
        let (v, suf) = match if wordnum {
            word_number(doc.w(i)).map(|v| (v, None))
        } else {
            number(doc.w(i))
        } {
            Some(x) => x,
            None => {
                i += 1;
                continue;
            }
        };
        let mut b = i;
        let mut value = v * suf.unwrap_or(1.0);
        if suf.is_none() && !wordnum {
            if let Some(s) = doc.get(b + 1).and_then(|_| {
                if doc.is_word(b + 1) && doc.w(b + 1).len() > 1 {
                    scale(doc.w(b + 1))
                } else {
                    None
                }
            }) {
                value *= s;
                b += 1;
            }
        }
        // Percent.
        if b + 1 < n && !wordnum {
            if doc.w(b + 1) == "%" || doc.is(b + 1, &["percent", "pct"]) {
                out.push(Amount {
                    span: doc.span(i, b + 1),
                    kind: AmountKind::Percent,
                    value,
                    currency: None,
                    unit: None,
                });
                i = b + 2;
                continue;
            }
            if doc.is(b + 1, &["per"]) && doc.is(b + 2, &["cent"]) {
                out.push(Amount {
                    span: doc.span(i, b + 2),
                    kind: AmountKind::Percent,
                    value,
                    currency: None,
                    unit: None,
                });
                i = b + 3;
                continue;
            }
        }
        // Currency after the number: "1.2 trillion roubles", "500 EUR".
        if b + 1 < n && doc.is_word(b + 1) {
            let cw = doc.w(b + 1);
            let code = doc
                .lex
                .currencies
                .get(cw)
                .or_else(|| doc.lex.currencies.get(cw.to_ascii_lowercase().as_str()));
            if let Some(code) = code {
                // "won" and "real" are words too: only after a scale or a plain figure.
                let ambiguous = doc.is(b + 1, &["won", "real", "pound", "rand"]);
                if !ambiguous || b > i {
                    out.push(Amount {
                        span: doc.span(i, b + 1),
                        kind: AmountKind::Money,
                        value,
                        currency: Some(code.to_string()),
                        unit: None,
                    });
                    i = b + 2;
                    continue;
                }
            }
        }
        // Counts: a number and the plural noun after it.
        if b + 1 < n && doc.is_lower_word(b + 1) && !doc.is(b + 1, NOT_UNITS) {
            let uw = doc.w(b + 1);
            let plausible = uw.ends_with('s') || b > i || (!wordnum && v != 1.0 && uw.len() > 2);
            let ordinal =
                !wordnum && doc.w(i).ends_with(|c: char| c.is_ascii_alphabetic()) && suf.is_none();
            if plausible && !ordinal && !uw.ends_with("ly") {
                out.push(Amount {
                    span: doc.span(i, b + 1),
                    kind: AmountKind::Count,
                    value,
                    currency: None,
                    unit: Some(uw.to_string()),
                });
                i = b + 2;
                continue;
            }
        }
        i = b + 1;
    }
    out
}
