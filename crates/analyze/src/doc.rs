//! The analysed document shared by the layer finders: text, tokens, sentences, and small
//! word tests used everywhere.

use crate::lexicon::Lexicon;
use crate::sentences::Sentence;
use crate::tokens::{Kind, Token};

pub struct Doc<'a> {
    pub text: &'a str,
    pub toks: Vec<Token>,
    pub sents: Vec<Sentence>,
    /// Sentence index of each token (`u32::MAX` for a dateline token).
    pub sent_of: Vec<u32>,
    pub lex: &'static Lexicon,
}

impl<'a> Doc<'a> {
    pub fn new(text: &'a str) -> Doc<'a> {
        let lex = Lexicon::get();
        let toks = crate::tokens::tokenize(text, lex);
        let (sents, _dateline) = crate::sentences::split(text, &toks);
        let mut sent_of = vec![u32::MAX; toks.len()];
        for (i, s) in sents.iter().enumerate() {
            for x in &mut sent_of[s.t0..s.t1] {
                *x = i as u32;
            }
        }
        Doc {
            text,
            toks,
            sents,
            sent_of,
            lex,
        }
    }

    #[inline]
    pub fn w(&self, i: usize) -> &'a str {
        // Out of range reads as an empty word, so rules can look ahead without checks.
        match self.toks.get(i) {
            Some(t) => &self.text[t.start..t.end],
            None => "",
        }
    }

    /// Token `i` if it exists.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&Token> {
        self.toks.get(i)
    }

    pub fn is(&self, i: usize, words: &[&str]) -> bool {
        i < self.toks.len() && {
            let w = self.w(i);
            words.iter().any(|x| x.eq_ignore_ascii_case(w))
        }
    }

    pub fn punct(&self, i: usize, p: &str) -> bool {
        i < self.toks.len()
            && matches!(self.toks[i].kind, Kind::Punct | Kind::End)
            && self.w(i) == p
    }

    pub fn is_word(&self, i: usize) -> bool {
        i < self.toks.len() && matches!(self.toks[i].kind, Kind::Word)
    }

    pub fn is_cap(&self, i: usize) -> bool {
        self.is_word(i) && self.w(i).chars().next().is_some_and(|c| c.is_uppercase())
    }

    pub fn is_lower_word(&self, i: usize) -> bool {
        self.is_word(i) && self.w(i).chars().next().is_some_and(|c| c.is_lowercase())
    }

    pub fn is_open_quote(&self, i: usize) -> bool {
        i < self.toks.len() && matches!(self.toks[i].kind, Kind::Quote(q) if q.open)
    }

    pub fn is_close_quote(&self, i: usize) -> bool {
        i < self.toks.len() && matches!(self.toks[i].kind, Kind::Quote(q) if !q.open)
    }

    pub fn sentence_of(&self, i: usize) -> Option<&Sentence> {
        self.sent_of
            .get(i)
            .and_then(|&s| self.sents.get(s as usize))
    }

    /// Byte span of tokens `a..=b`.
    pub fn span(&self, a: usize, b: usize) -> copydesk_model::Span {
        copydesk_model::Span::new(self.toks[a].start, self.toks[b].end)
    }
}

pub const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

pub const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Month number (1-12) for a full or abbreviated month name ("Feb.", "Sept").
pub fn month_of(w: &str) -> Option<u32> {
    let w = strip_possessive(w).trim_end_matches('.');
    if w.len() < 3 || !w.chars().next().is_some_and(|c| c.is_uppercase()) {
        return None;
    }
    let lw = w.to_ascii_lowercase();
    for (i, m) in MONTHS.iter().enumerate() {
        if *m == lw
            || (lw.len() >= 3
                && lw.len() <= 4
                && m.starts_with(lw.as_str())
                && (lw.len() == 3 || lw == "sept"))
        {
            return Some(i as u32 + 1);
        }
    }
    None
}

pub fn weekday_of(w: &str) -> Option<u32> {
    let w = strip_possessive(w);
    let lw = w.trim_end_matches('.').to_ascii_lowercase();
    WEEKDAYS
        .iter()
        .position(|d| {
            *d == lw
                || (lw.len() >= 3 && lw.len() < d.len() && d.starts_with(&lw) && w.ends_with('.'))
        })
        .map(|p| p as u32)
}

/// "Friday's" -> "Friday".
pub fn strip_possessive(w: &str) -> &str {
    w.strip_suffix("'s")
        .or_else(|| w.strip_suffix("’s"))
        .unwrap_or(w)
}
