//! Sentence boundaries over tokens, and datelines ("MOSCOW (Reuters) -") kept out of the
//! first sentence.
//!
//! A boundary follows `.` `!` `?` (plus any closing quotation marks and brackets) when the
//! next token opens a sentence: a capital, a digit or an opening mark. Abbreviations carry
//! their period inside the word token, so "Mr. Smith" never splits; the few that may end a
//! sentence ("U.S.", "Inc.") split only before a typical sentence opener. A blank line always
//! ends a sentence.

use crate::tokens::{Kind, Token};

/// Words that typically open a sentence; after "U.S." they mean the abbreviation ended it.
const OPENERS: &[&str] = &[
    "The",
    "A",
    "An",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "You",
    "But",
    "And",
    "In",
    "On",
    "At",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "His",
    "Her",
    "Its",
    "Their",
    "Our",
    "If",
    "When",
    "While",
    "After",
    "Before",
    "As",
    "So",
    "Yet",
    "However",
    "Meanwhile",
    "Still",
    "Now",
    "Some",
    "Many",
    "Most",
    "For",
    "Last",
    "Earlier",
    "Later",
];

#[derive(Debug, Clone, Copy)]
pub struct Sentence {
    /// Token range, end exclusive.
    pub t0: usize,
    pub t1: usize,
    pub start: usize,
    pub end: usize,
}

/// Splits the tokens into sentences. Returns the sentences and, when the first paragraph
/// opens with a dateline, its token range.
pub fn split(text: &str, toks: &[Token]) -> (Vec<Sentence>, Option<(usize, usize)>) {
    let mut out = Vec::with_capacity(toks.len() / 20 + 1);
    let dateline = dateline(text, toks);
    let mut s0 = dateline.map(|d| d.1).unwrap_or(0);
    let mut i = s0;
    while i < toks.len() {
        let t = &toks[i];
        let next_para = toks.get(i + 1).is_some_and(|n| n.para != t.para);
        let mut boundary_after: Option<usize> = None;
        if next_para || i + 1 == toks.len() {
            boundary_after = Some(i);
        } else if matches!(t.kind, Kind::End) || (t.abbrev && t.abbrev_may_end) {
            // Absorb closing marks and brackets.
            let mut j = i;
            while let Some(n) = toks.get(j + 1) {
                if n.para != t.para {
                    break;
                }
                let closing = match n.kind {
                    Kind::Quote(q) => !q.open,
                    Kind::Punct => matches!(n.text(text), ")" | "]"),
                    _ => false,
                };
                if !closing {
                    break;
                }
                j += 1;
            }
            match toks.get(j + 1) {
                None => boundary_after = Some(j),
                Some(n) if n.para != t.para => boundary_after = Some(j),
                Some(n) => {
                    let w = n.text(text);
                    let first = w.chars().next().unwrap_or(' ');
                    let opens = match n.kind {
                        Kind::Quote(q) => q.open,
                        Kind::Num => true,
                        Kind::Word => first.is_uppercase(),
                        Kind::Punct => matches!(w, "(" | "[" | "—" | "–" | "-"),
                        Kind::End => false,
                    };
                    let ok = if t.abbrev {
                        matches!(n.kind, Kind::Word) && OPENERS.contains(&w)
                    } else {
                        opens
                    };
                    if ok {
                        boundary_after = Some(j);
                    }
                }
            }
        }
        if let Some(j) = boundary_after {
            if j >= s0 {
                out.push(Sentence {
                    t0: s0,
                    t1: j + 1,
                    start: toks[s0].start,
                    end: toks[j].end,
                });
            }
            s0 = j + 1;
            i = j + 1;
        } else {
            i += 1;
        }
    }
    (out, dateline)
}

/// "MOSCOW (Reuters) -", "WASHINGTON, D.C. —", "LONDON, March 3 (AP) --": capitalised words
/// at the very start, an optional parenthesised agency, and a dash.
fn dateline(text: &str, toks: &[Token]) -> Option<(usize, usize)> {
    let first = toks.first()?;
    let w = first.text(text);
    if !(first.is_word() && w.chars().count() >= 2 && w.chars().all(|c| !c.is_lowercase())) {
        return None;
    }
    for (i, t) in toks.iter().enumerate().take(14).skip(1) {
        if t.para != first.para {
            return None;
        }
        let s = t.text(text);
        if matches!(t.kind, Kind::Punct) && matches!(s, "-" | "—" | "–" | "--") {
            return Some((0, i + 1));
        }
        let ok = match t.kind {
            Kind::Word | Kind::Num => true,
            Kind::Punct => matches!(s, "," | "(" | ")" | "/"),
            _ => false,
        };
        if !ok {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicon;
    use crate::tokens::tokenize;

    fn sents(s: &str) -> Vec<&str> {
        let t = tokenize(s, Lexicon::get());
        split(s, &t).0.iter().map(|x| &s[x.start..x.end]).collect()
    }

    #[test]
    fn news_sentences() {
        assert_eq!(
            sents("Mr. Smith went to the U.S. Embassy on Feb. 3. He paid $9.7 million. \"Is it?\" he asked. \"Yes.\" She left."),
            ["Mr. Smith went to the U.S. Embassy on Feb. 3.", "He paid $9.7 million.", "\"Is it?\" he asked.", "\"Yes.\"", "She left."]
        );
        assert_eq!(
            sents("It is in the U.S. The end"),
            ["It is in the U.S.", "The end"]
        );
        assert_eq!(
            sents("J. R. R. Tolkien wrote No. 5 well. Then—\n\nnothing"),
            ["J. R. R. Tolkien wrote No. 5 well.", "Then—", "nothing"]
        );
        assert_eq!(
            sents("MOSCOW (Reuters) - Talks began. Fine."),
            ["Talks began.", "Fine."]
        );
    }
}
