//! The word lists the rules use, compiled into the binary from `data/*.txt` and parsed once.

use std::sync::OnceLock;

use copydesk_model::layers::SourceKind;
use rustc_hash::{FxHashMap, FxHashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Male,
    Female,
    Unknown,
}

pub struct Lexicon {
    /// Abbreviation (without its final period) -> may it end a sentence.
    pub abbreviations: FxHashMap<&'static str, bool>,
    /// Lowercase cue form -> strong (counts with any subject) or weak.
    pub cues: FxHashMap<&'static str, bool>,
    pub titles: FxHashMap<&'static str, Gender>,
    pub media: FxHashMap<&'static str, SourceKind>,
    pub currencies: FxHashMap<&'static str, &'static str>,
    pub contested: FxHashSet<&'static str>,
    /// Prefixes grouped by first byte, so a word is compared with a handful at most.
    pub contested_prefixes: FxHashMap<u8, Vec<&'static str>>,
}

fn lines(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

impl Lexicon {
    pub fn get() -> &'static Lexicon {
        static LEX: OnceLock<Lexicon> = OnceLock::new();
        LEX.get_or_init(Lexicon::build)
    }

    fn build() -> Lexicon {
        let abbreviations = lines(include_str!("../data/abbreviations.txt"))
            .map(|l| match l.strip_suffix(" +") {
                Some(w) => (w.trim(), true),
                None => (l, false),
            })
            .collect();
        let cues = lines(include_str!("../data/cue_verbs.txt"))
            .map(|l| match l.strip_suffix(" *") {
                Some(w) => (w.trim(), false),
                None => (l, true),
            })
            .collect();
        let titles = lines(include_str!("../data/titles.txt"))
            .filter_map(|l| {
                let (w, g) = l.split_once('\t')?;
                let g = match g.trim() {
                    "m" => Gender::Male,
                    "f" => Gender::Female,
                    _ => Gender::Unknown,
                };
                Some((w.trim(), g))
            })
            .collect();
        let media = lines(include_str!("../data/media.txt"))
            .filter_map(|l| {
                let (w, k) = l.split_once('\t')?;
                let k = if k.trim() == "document" {
                    SourceKind::Document
                } else {
                    SourceKind::Media
                };
                Some((w.trim(), k))
            })
            .collect();
        let currencies = lines(include_str!("../data/currencies.txt"))
            .filter_map(|l| {
                let (w, c) = l.split_once('\t')?;
                Some((w.trim(), c.trim()))
            })
            .collect();
        let mut contested = FxHashSet::default();
        let mut contested_prefixes: FxHashMap<u8, Vec<&'static str>> = FxHashMap::default();
        for l in lines(include_str!("../data/contested.txt")) {
            match l.strip_suffix('*') {
                Some(p) => contested_prefixes.entry(p.as_bytes().first().copied().unwrap_or(0)).or_default().push(p),
                None => {
                    contested.insert(l);
                }
            }
        }
        Lexicon {
            abbreviations,
            cues,
            titles,
            media,
            currencies,
            contested,
            contested_prefixes,
        }
    }

    /// Is `word` (any case) a reporting verb form; `Some(strong)`.
    pub fn cue(&self, word: &str) -> Option<bool> {
        // A capitalised form is a name or a headline word ("States", "Post"), not a verb.
        if word.chars().next().is_some_and(char::is_uppercase) {
            return None;
        }
        if word.bytes().all(|b| b.is_ascii_lowercase()) {
            self.cues.get(word).copied()
        } else {
            self.cues.get(word.to_lowercase().as_str()).copied()
        }
    }

    pub fn is_contested(&self, lower: &str) -> bool {
        self.contested.contains(lower)
            || lower
                .as_bytes()
                .first()
                .and_then(|b| self.contested_prefixes.get(b))
                .is_some_and(|ps| ps.iter().any(|p| lower.starts_with(p)))
    }
}
