//! Reprint families: an original text and every article that reuses it, in time order,
//! with who copied from whom. A pure function of the passages.
//!
//! A copy joins a family only when it took a real part of the original: at least
//! `min_share` of its own text and `min_bytes` bytes. Without that, one shared quote (a
//! tweet, a statement both sides printed) chains unrelated articles into one family.
//! Only text outside quotation marks counts towards that: two articles printing the same
//! statement share it without one copying the other. Passages of a site's own template
//! text (`boilerplate`) join nothing.

use std::collections::BTreeMap;

use copydesk_model::Article;
use serde::Serialize;

use crate::PassageRecord;

#[derive(Debug, Clone, Serialize)]
pub struct FamilyRecord {
    /// The earliest article holding the text.
    pub original: Member,
    /// The articles reusing it, earliest first (undated ones last).
    pub copies: Vec<Member>,
    /// Copy edges: `to` took the text from `from` (the original, or a nearer copy).
    pub lineage: Vec<Edge>,
    /// False when some copy or the original has no date: the order is then partly a guess.
    pub dated: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Bytes of this article inside the family's passages (copies only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<&'static str>,
}

/// Who joins a family.
#[derive(Debug, Clone, Copy)]
pub struct FamilyParams {
    /// Share of the copy's text inside the family's passages.
    pub min_share: f32,
    /// Bytes of the copy inside the family's passages.
    pub min_bytes: usize,
}

impl Default for FamilyParams {
    fn default() -> Self {
        FamilyParams {
            min_share: 0.1,
            min_bytes: 200,
        }
    }
}

pub fn families(
    articles: &[Article],
    passages: &[PassageRecord],
    params: &FamilyParams,
) -> Vec<FamilyRecord> {
    let by_id: BTreeMap<&str, &Article> = articles.iter().map(|a| (a.id.as_str(), a)).collect();
    // original -> copy -> (bytes, from, direction unknown)
    let mut fams: BTreeMap<&str, BTreeMap<&str, (usize, &str, bool)>> = BTreeMap::new();
    // (original, copy) -> bytes of the copy outside quotations.
    let mut unquoted: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut quotes: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    for p in passages.iter().filter(|p| !p.boilerplate) {
        let q = quotes.entry(p.target.as_str()).or_insert_with(|| {
            by_id
                .get(p.target.as_str())
                .map(|a| quoted(&a.text))
                .unwrap_or_default()
        });
        let inside: usize = q
            .iter()
            .map(|&(b, e)| e.min(p.end).saturating_sub(b.max(p.begin)))
            .sum();
        *unquoted
            .entry((p.source.as_str(), p.target.as_str()))
            .or_default() += (p.end - p.begin).saturating_sub(inside);
        let e = fams
            .entry(p.source.as_str())
            .or_default()
            .entry(p.target.as_str())
            .or_insert((0, p.source.as_str(), false));
        e.0 += p.end - p.begin;
        if let Some(v) = &p.via {
            e.1 = v.as_str();
        }
        e.2 |= p.direction.is_some();
    }
    let member = |id: &str, bytes: Option<usize>| {
        let a = by_id.get(id);
        Member {
            id: id.to_string(),
            site: a.and_then(|a| a.site.clone()),
            published: a.and_then(|a| a.published.clone()),
            bytes,
        }
    };
    let time = |id: &str| {
        by_id
            .get(id)
            .and_then(|a| a.published.as_deref())
            .and_then(copydesk_model::time::parse_instant)
            .map(|t| t.timestamp())
    };
    let mut out = Vec::new();
    for (orig, copies) in fams {
        let mut cs: Vec<(&str, (usize, &str, bool))> = copies
            .into_iter()
            .filter(|(id, _)| {
                let len = by_id.get(id).map(|a| a.text.len()).unwrap_or(0);
                let own = unquoted.get(&(orig, *id)).copied().unwrap_or(0);
                own >= params.min_bytes && own as f32 >= params.min_share * len as f32
            })
            .collect();
        if cs.is_empty() {
            continue;
        }
        // A copy that took the text from a nearer copy left out takes it from the
        // original as far as the family can tell.
        let members: std::collections::BTreeSet<&str> = cs.iter().map(|c| c.0).collect();
        for c in &mut cs {
            if c.1 .1 != orig && !members.contains(c.1 .1) {
                c.1 .1 = orig;
            }
        }
        cs.sort_by_key(|(id, _)| (time(id).is_none(), time(id), id.to_string()));
        let dated = time(orig).is_some() && cs.iter().all(|(id, _)| time(id).is_some());
        out.push(FamilyRecord {
            original: member(orig, None),
            copies: cs
                .iter()
                .map(|(id, (b, _, _))| member(id, Some(*b)))
                .collect(),
            lineage: cs
                .iter()
                .map(|(id, (_, from, unknown))| Edge {
                    from: from.to_string(),
                    to: id.to_string(),
                    published: by_id.get(id).and_then(|a| a.published.clone()),
                    direction: unknown.then_some("unknown"),
                })
                .collect(),
            dated,
        });
    }
    out
}

/// Byte ranges of `text` inside quotation marks (curly, straight or guillemets), within a
/// paragraph: a quotation left open runs to the paragraph's end, as news prints a quote
/// that goes on in the next paragraph.
pub fn quoted(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    let mut prev_newline = false;
    for (i, c) in text.char_indices() {
        match c {
            '\n' if prev_newline => {
                if let Some(b) = open.take() {
                    out.push((b, i));
                }
            }
            '\u{201C}' | '\u{00AB}' if open.is_none() => open = Some(i),
            '\u{201D}' | '\u{00BB}' => {
                if let Some(b) = open.take() {
                    out.push((b, i + c.len_utf8()));
                }
            }
            '"' => match open.take() {
                Some(b) => out.push((b, i + 1)),
                None => open = Some(i),
            },
            _ => {}
        }
        prev_newline = c == '\n';
    }
    if let Some(b) = open {
        out.push((b, text.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn quotations_run_to_their_mark_or_the_paragraph_end() {
        let t = "He said \u{201C}no deal\u{201D} and left. \"Fine,\" she said.\n\n\u{201C}Open quote\nstill.\n\nAfter.";
        let q: Vec<&str> = quoted(t).iter().map(|&(b, e)| &t[b..e]).collect();
        assert_eq!(
            q,
            [
                "\u{201C}no deal\u{201D}",
                "\"Fine,\"",
                "\u{201C}Open quote\nstill.\n"
            ]
        );
        assert!(quoted("no quotes here").is_empty());
    }
}
