//! Reprint families: an original text and every article that reuses it, in time order,
//! with who copied from whom. A pure function of the passages.

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

pub fn families(articles: &[Article], passages: &[PassageRecord]) -> Vec<FamilyRecord> {
    let by_id: BTreeMap<&str, &Article> = articles.iter().map(|a| (a.id.as_str(), a)).collect();
    // original -> copy -> (bytes, from, direction unknown)
    let mut fams: BTreeMap<&str, BTreeMap<&str, (usize, &str, bool)>> = BTreeMap::new();
    for p in passages {
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
        let mut cs: Vec<(&str, (usize, &str, bool))> = copies.into_iter().collect();
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
