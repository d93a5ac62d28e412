//! Word tokens with byte offsets, normalised to ids, and the paragraph each lies in.
//!
//! Normalisation: Unicode lowercase, punctuation dropped (a token is a run of alphanumeric
//! characters, so "People's" is `people` + `s`). No stemming: a spin substitution such as
//! "Russia" -> "Russian" must stay visible as an edit, and exact word n-grams are what
//! makes candidates rare.

/// One article's tokens. Parallel vectors keep the hot loops on plain `u32` slices.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// Normalised token ids (32-bit hash of the lowercased word).
    pub toks: Vec<u32>,
    /// Byte range of each token in the text.
    pub starts: Vec<u32>,
    pub ends: Vec<u32>,
    /// Paragraph index of each token (paragraphs are separated by a blank line).
    pub para: Vec<u32>,
    /// Byte range of each paragraph (trimmed), indexed by paragraph number.
    pub paras: Vec<(u32, u32)>,
    /// Whether each token opens a sentence (after `.`, `!` or `?` and a space, or a blank line).
    pub sent: Vec<bool>,
    /// Whether each token is a content word (four letters or more, not a function word):
    /// what reworded sentences keep.
    pub content: Vec<bool>,
}

impl Doc {
    pub fn len(&self) -> usize {
        self.toks.len()
    }
    pub fn is_empty(&self) -> bool {
        self.toks.is_empty()
    }
    /// First token index of paragraph `p` and one past its last.
    pub fn sentence_start(&self, i: usize) -> bool {
        self.sent.get(i).copied().unwrap_or(false)
    }
    pub fn is_para_start(&self, i: usize) -> bool {
        i == 0 || self.para[i - 1] != self.para[i]
    }
    pub fn is_para_end(&self, i: usize) -> bool {
        i + 1 >= self.toks.len() || self.para[i + 1] != self.para[i]
    }
}

/// Function words of four letters or more (English; other languages simply have more
/// content words, which only makes sentence seeds a little less selective).
const STOP: &[&str] = &[
    "that", "with", "this", "have", "from", "they", "were", "been", "their", "which", "would",
    "there", "what", "about", "when", "your", "will", "more", "also", "into", "than", "them",
    "then", "some", "these", "only", "other", "such", "said", "could", "should", "very", "just",
    "like", "over", "after", "before", "most", "many", "much", "each", "where", "while", "those",
    "because", "being", "does", "here", "well", "even",
];

/// The id of a normalised word. 32 bits: a collision only merges two words inside one
/// aligned pair, where the anchors around it decide anyway.
pub fn word_id(lower: &str) -> u32 {
    let h = xxhash_rust::xxh3::xxh3_64(lower.as_bytes());
    (h ^ (h >> 32)) as u32
}

/// Tokenises `text`. Offsets are `u32`: articles over 4 GiB are refused by the caller.
pub fn tokenize(text: &str) -> Doc {
    let mut doc = Doc {
        paras: copydesk_model::paragraph_spans(text)
            .iter()
            .map(|s| (s.start as u32, s.end as u32))
            .collect(),
        ..Doc::default()
    };
    let mut word = String::new();
    let mut start: Option<usize> = None;
    let mut sent_here = true;
    let mut p = 0usize;
    let mut terminal = true;
    let mut spaced = true;
    let mut push = |doc: &mut Doc, word: &mut String, s: usize, e: usize, sent: bool| {
        while p + 1 < doc.paras.len() && s as u32 >= doc.paras[p].1 {
            p += 1;
        }
        doc.content
            .push(word.chars().count() >= 4 && !STOP.contains(&word.as_str()));
        doc.toks.push(word_id(word));
        doc.starts.push(s as u32);
        doc.ends.push(e as u32);
        doc.para.push(p as u32);
        doc.sent
            .push(sent || doc.para.len() < 2 || doc.para[doc.para.len() - 2] != p as u32);
        word.clear();
    };
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(i);
                sent_here = terminal && spaced;
                terminal = false;
                spaced = false;
            }
            if c.is_ascii() {
                word.push(c.to_ascii_lowercase());
            } else {
                word.extend(c.to_lowercase());
            }
        } else {
            if let Some(s) = start.take() {
                push(&mut doc, &mut word, s, i, sent_here);
            }
            if matches!(c, '.' | '!' | '?') {
                terminal = true;
                spaced = false;
            } else if c.is_whitespace() && terminal {
                spaced = true;
            }
        }
    }
    if let Some(s) = start.take() {
        push(&mut doc, &mut word, s, text.len(), sent_here);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_byte_offsets_and_paragraphs() {
        let t = "Héllo, World!\n\n\"Second\" para's end.";
        let d = tokenize(t);
        let words: Vec<&str> = d
            .starts
            .iter()
            .zip(&d.ends)
            .map(|(&s, &e)| &t[s as usize..e as usize])
            .collect();
        assert_eq!(words, ["Héllo", "World", "Second", "para", "s", "end"]);
        assert_eq!(d.para, [0, 0, 1, 1, 1, 1]);
        assert_eq!(d.toks[0], word_id("héllo"));
        assert_eq!(d.paras.len(), 2);
        assert_eq!(
            &t[d.paras[0].0 as usize..d.paras[0].1 as usize],
            "Héllo, World!"
        );
        assert_eq!(
            &t[d.paras[1].0 as usize..d.paras[1].1 as usize],
            "\"Second\" para's end."
        );
    }

    #[test]
    fn empty_and_punctuation_only_texts_have_no_tokens() {
        assert!(tokenize("").is_empty());
        assert!(tokenize(" -- \n\n ...").is_empty());
    }
}
