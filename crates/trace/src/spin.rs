//! Mining each site's systematic substitutions (its spin fingerprint) from the edits of
//! its passages against their nearest copies.
//!
//! A word-level edit can be read in more than one way: an insertion next to a kept word
//! ("China" -> "People's Republic of China" aligns `china` and inserts the rest) is a
//! substitution of that word on its left or on its right; two adjacent substituted words
//! are one two-word substitution or two one-word ones. Every reading is counted once,
//! then each edit keeps its best-supported reading and the counts are made again from
//! those. What a site does systematically is what it does at least twice.

use std::collections::HashMap;

/// One observed edit with its possible readings; each reading is a list of
/// `(from, to)` substitutions (surface forms).
#[derive(Debug, Clone)]
pub struct SpinEvent {
    pub site: String,
    pub target: u32,
    pub readings: Vec<Vec<(String, String)>>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Substitution {
    pub site: String,
    pub from: String,
    pub to: String,
    pub count: u32,
    /// Distinct articles of the site where it was seen.
    pub articles: u32,
}

/// Case- and space-insensitive key of a phrase.
pub fn key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether a `(from, to)` pair may be a spin substitution at all: numbers are edits of
/// facts, not wording, and both sides must hold a word.
pub fn plausible(from: &str, to: &str) -> bool {
    let words = |s: &str| {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .count()
    };
    let (wf, wt) = (words(from), words(to));
    wf >= 1
        && wt >= 1
        && wf <= 6
        && wt <= 6
        && !from.chars().any(|c| c.is_ascii_digit())
        && !to.chars().any(|c| c.is_ascii_digit())
        && key(from) != key(to)
}

/// Mines substitutions made at least `min_count` times by a site.
pub fn mine(events: &[SpinEvent], min_count: u32) -> Vec<Substitution> {
    type K = (String, String, String);
    let mut first: HashMap<K, u32> = HashMap::new();
    for ev in events {
        let mut seen: Vec<K> = Vec::new();
        for r in &ev.readings {
            for (f, t) in r {
                let k = (ev.site.clone(), key(f), key(t));
                if !seen.contains(&k) {
                    seen.push(k);
                }
            }
        }
        for k in seen {
            *first.entry(k).or_default() += 1;
        }
    }
    let mut counts: HashMap<K, (u32, Vec<u32>, (String, String))> = HashMap::new();
    for ev in events {
        let score = |r: &Vec<(String, String)>| -> (u32, i64) {
            let m = r
                .iter()
                .map(|(f, t)| {
                    first
                        .get(&(ev.site.clone(), key(f), key(t)))
                        .copied()
                        .unwrap_or(0)
                })
                .min()
                .unwrap_or(0);
            (m, -(r.len() as i64))
        };
        let Some(best) = ev.readings.iter().max_by_key(|r| score(r)) else {
            continue;
        };
        for (f, t) in best {
            let e = counts
                .entry((ev.site.clone(), key(f), key(t)))
                .or_insert_with(|| (0, Vec::new(), (f.clone(), t.clone())));
            e.0 += 1;
            if !e.1.contains(&ev.target) {
                e.1.push(ev.target);
            }
        }
    }
    let mut out: Vec<Substitution> = counts
        .into_iter()
        .filter(|(_, (c, _, _))| *c >= min_count)
        .map(|((site, _, _), (count, arts, (f, t)))| Substitution {
            site,
            from: f,
            to: t,
            count,
            articles: arts.len() as u32,
        })
        .collect();
    out.sort_by(|a, b| {
        a.site
            .cmp(&b.site)
            .then(b.count.cmp(&a.count))
            .then(a.from.cmp(&b.from))
            .then(a.to.cmp(&b.to))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(site: &str, target: u32, readings: &[&[(&str, &str)]]) -> SpinEvent {
        SpinEvent {
            site: site.into(),
            target,
            readings: readings
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|(f, t)| (f.to_string(), t.to_string()))
                        .collect()
                })
                .collect(),
        }
    }

    #[test]
    fn the_consistent_reading_of_an_insertion_wins() {
        let events = vec![
            ev(
                "farm",
                1,
                &[
                    &[("in China", "in People's Republic of China")],
                    &[("China", "People's Republic of China")],
                ],
            ),
            ev(
                "farm",
                2,
                &[
                    &[("to China", "to People's Republic of China")],
                    &[("China", "People's Republic of China")],
                ],
            ),
            ev("farm", 3, &[&[("said", "stated")]]),
        ];
        let subs = mine(&events, 2);
        assert_eq!(subs.len(), 1);
        assert_eq!(
            (subs[0].from.as_str(), subs[0].to.as_str(), subs[0].count),
            ("China", "People's Republic of China", 2)
        );
    }

    #[test]
    fn numbers_are_not_spin() {
        assert!(!plausible("2003", "2002"));
        assert!(plausible("Russia", "Russian Federation"));
        assert!(!plausible("Said", "said"));
    }
}
