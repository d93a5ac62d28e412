//! Tokens with byte offsets: words (with internal apostrophes, hyphens and abbreviation
//! periods), numbers (with thousands separators and decimals), quotation marks told apart
//! from apostrophes, and single punctuation marks. One left-to-right pass, no backtracking.

use crate::lexicon::Lexicon;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    /// Starts with a digit ("9.7", "1,400", "2014", "3:07", "1990s").
    Num,
    /// A quotation mark.
    Quote(QuoteMark),
    /// `.` `!` `?` `…` ending a sentence candidate.
    End,
    /// Any other punctuation or symbol (`,` `:` `(` `$` `%` dashes).
    Punct,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteMark {
    pub double: bool,
    /// Which side the mark stands on, judged from the characters around it.
    pub open: bool,
    /// A straight mark between spaces (or touching on both sides): its side is decided
    /// by the pairing (it closes an open quote, else opens one).
    pub ambiguous: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    /// Word ending with an abbreviation period ("Mr.", "U.S.", "J.").
    pub abbrev: bool,
    /// The abbreviation may end a sentence ("U.S.", "Inc.").
    pub abbrev_may_end: bool,
    /// Index of the paragraph (blank-line separated block) the token is in.
    pub para: u32,
}

impl Token {
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }
    pub fn is_word(&self) -> bool {
        matches!(self.kind, Kind::Word)
    }
}

fn is_open_context(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => {
            c.is_whitespace()
                || matches!(
                    c,
                    '(' | '[' | '{' | '—' | '–' | '-' | '/' | '“' | '‘' | '«' | '„'
                )
        }
    }
}

fn is_closing_follow(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => {
            c.is_whitespace()
                || (c.is_ascii_punctuation() && c != '$')
                || matches!(c, '”' | '’' | '»' | '—' | '–' | '…')
        }
    }
}

/// Tokenises `text`. Paragraph numbers advance at each blank line.
pub fn tokenize(text: &str, lex: &Lexicon) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(text.len() / 5);
    let mut para: u32 = 0;
    let mut newline_run = 0u32;
    let mut prev_char: Option<char> = None;
    let mut i = 0;
    let n = bytes.len();
    while i < n {
        // Fast path for ASCII whitespace.
        let b = bytes[i];
        if b == b'\n' {
            newline_run += 1;
            if newline_run == 2 {
                para += 1;
            }
            prev_char = Some('\n');
            i += 1;
            continue;
        }
        if b == b' ' || b == b'\t' || b == b'\r' {
            prev_char = Some(b as char);
            i += 1;
            continue;
        }
        let c = match text[i..].chars().next() {
            Some(c) => c,
            None => break,
        };
        let clen = c.len_utf8();
        if c.is_whitespace() {
            prev_char = Some(c);
            i += clen;
            continue;
        }
        if c != '\u{a0}' {
            newline_run = 0;
        }
        if c.is_alphanumeric() {
            let (end, abbrev, may_end) = scan_word(text, i, lex);
            let kind = if c.is_ascii_digit() {
                Kind::Num
            } else {
                Kind::Word
            };
            out.push(Token {
                start: i,
                end,
                kind,
                abbrev,
                abbrev_may_end: may_end,
                para,
            });
            prev_char = text[..end].chars().next_back();
            i = end;
            continue;
        }
        let next = text[i + clen..].chars().next();
        let kind = match c {
            '"' | '“' | '”' | '„' | '«' | '»' => {
                let ambiguous = c == '"' && is_open_context(prev_char) == is_closing_follow(next);
                let open = match c {
                    '«' | '„' => true,
                    '»' => false,
                    _ => {
                        let before_open = is_open_context(prev_char);
                        let after_close = is_closing_follow(next);
                        if before_open && !after_close {
                            true
                        } else if after_close && !before_open {
                            false
                        } else {
                            c == '“' || (c == '"' && before_open)
                        }
                    }
                };
                Kind::Quote(QuoteMark { double: true, open, ambiguous })
            }
            '‘' | '’' | '\'' | '`' => {
                let before_open = is_open_context(prev_char);
                let after_close = is_closing_follow(next);
                let open = if before_open && !after_close {
                    true
                } else if after_close && !before_open {
                    false
                } else {
                    c == '‘' || c == '`'
                };
                Kind::Quote(QuoteMark { double: false, open, ambiguous: false })
            }
            '.' | '!' | '?' | '…' => Kind::End,
            _ => Kind::Punct,
        };
        let mut end = i + clen;
        // Runs of sentence punctuation ("...", "?!") and "--" form one token.
        if matches!(kind, Kind::End) {
            while end < n && matches!(bytes[end], b'.' | b'!' | b'?') {
                end += 1;
            }
        } else if c == '-' && end < n && bytes[end] == b'-' {
            end += 1;
        }
        out.push(Token {
            start: i,
            end,
            kind,
            abbrev: false,
            abbrev_may_end: false,
            para,
        });
        prev_char = text[..end].chars().next_back();
        i = end;
    }
    out
}

/// Scans one word or number from `start`; returns its end and whether it is an abbreviation.
fn scan_word(text: &str, start: usize, lex: &Lexicon) -> (usize, bool, bool) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = start;
    let mut seg_start = start;
    let mut has_inner_period = false;
    loop {
        // Consume alphanumerics.
        while i < n {
            let b = bytes[i];
            if b.is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            if b < 0x80 {
                break;
            }
            match text[i..].chars().next() {
                Some(ch) if ch.is_alphanumeric() || is_combining(ch) => i += ch.len_utf8(),
                _ => break,
            }
        }
        if i >= n {
            break;
        }
        let c = match text[i..].chars().next() {
            Some(c) => c,
            None => break,
        };
        let after = &text[i + c.len_utf8()..];
        let nn = after.chars().next();
        let prev_is_digit = bytes[i - 1].is_ascii_digit();
        let cont = match c {
            '\'' | '’' => nn.is_some_and(|x| x.is_alphabetic()) && !prev_is_digit,
            '-' | '‑' => nn.is_some_and(|x| x.is_alphanumeric()),
            '&' => nn.is_some_and(|x| x.is_ascii_uppercase()) && bytes[i - 1].is_ascii_uppercase(),
            ':' | '/' => prev_is_digit && nn.is_some_and(|x| x.is_ascii_digit()),
            ',' => {
                prev_is_digit
                    && bytes[start].is_ascii_digit()
                    && after.len() >= 3
                    && after.as_bytes()[..3].iter().all(|b| b.is_ascii_digit())
                    && !after.as_bytes().get(3).is_some_and(|b| b.is_ascii_digit())
            }
            '.' => {
                if prev_is_digit && bytes[start].is_ascii_digit() {
                    nn.is_some_and(|x| x.is_ascii_digit())
                } else {
                    // "U.S", "e.g", "a.m": single-letter segments joined by periods.
                    let seg_len = text[seg_start..i].chars().count();
                    let one_letter_next = nn.is_some_and(|x| x.is_alphabetic())
                        && !after.chars().nth(1).is_some_and(|x| x.is_alphabetic());
                    seg_len == 1 && one_letter_next
                }
            }
            _ => false,
        };
        if !cont {
            break;
        }
        if c == '.' && !bytes[start].is_ascii_digit() {
            has_inner_period = true;
        }
        i += c.len_utf8();
        seg_start = i;
    }
    // An abbreviation takes its final period.
    if i < n && bytes[i] == b'.' {
        let word = &text[start..i];
        let initial = word.chars().count() == 1 && word.chars().all(|c| c.is_uppercase());
        if has_inner_period || initial {
            return (i + 1, true, has_inner_period);
        }
        if let Some(&may_end) = lex.abbreviations.get(word) {
            return (i + 1, true, may_end);
        }
    }
    (i, false, false)
}

fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<&str> {
        let lex = Lexicon::get();
        tokenize(s, lex).iter().map(|t| t.text(s)).collect()
    }

    #[test]
    fn words_numbers_abbreviations() {
        assert_eq!(
            toks("Mr. Smith's U.S. far-right $9.7 million (1,400) e.g. J. Doe Feb. 3:07 end."),
            [
                "Mr.",
                "Smith's",
                "U.S.",
                "far-right",
                "$",
                "9.7",
                "million",
                "(",
                "1,400",
                ")",
                "e.g.",
                "J.",
                "Doe",
                "Feb.",
                "3:07",
                "end",
                "."
            ]
        );
        assert_eq!(
            toks("1,2 and 10,0000"),
            ["1", ",", "2", "and", "10", ",", "0000"]
        );
    }

    #[test]
    fn quotes_are_told_from_apostrophes() {
        let s = "\"I've won,\" she said of the 'plan' and ‘it’.";
        let lex = Lexicon::get();
        let t = tokenize(s, lex);
        let marks: Vec<(&str, bool)> = t
            .iter()
            .filter_map(|t| match t.kind {
                Kind::Quote(q) => Some((t.text(s), q.open)),
                _ => None,
            })
            .collect();
        assert_eq!(
            marks,
            [
                ("\"", true),
                ("\"", false),
                ("'", true),
                ("'", false),
                ("‘", true),
                ("’", false)
            ]
        );
        assert!(t.iter().any(|x| x.text(s) == "I've"));
    }
}
