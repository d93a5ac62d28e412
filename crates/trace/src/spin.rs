//! Mining each site's systematic substitutions (its spin fingerprint) from the edits of
//! its passages against their nearest copies.
//!
//! A word-level edit can be read in more than one way: an insertion next to a kept word
//! ("China" -> "People's Republic of China" aligns `china` and inserts the rest) is a
//! substitution of that word on its left or on its right; two adjacent substituted words
//! are one two-word substitution or two one-word ones. Every reading is counted once,
//! then each edit keeps its best-supported reading and the counts are made again from
//! those.
//!
//! What a site does systematically is what it does whenever it has the chance, not just
//! what it was seen doing twice: in a big corpus every one-off edit (a changed number
//! word, a dropped "also") recurs somewhere. So each reading's `from` is also counted in
//! the text the site copied (its *opportunities*: the nearer copy's span of every passage,
//! swapped or kept), and a substitution needs a share of its opportunities (its *rate*),
//! as well as a count. Readings are chosen by swaps weighed by rate (count x rate): "last
//! year" -> "the previous year" wins over "last" -> "the previous" when the site leaves
//! "last" alone elsewhere ("last night"), while "said" -> "stated" is not split by the
//! word that follows.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::token;

/// One observed edit with its possible readings; each reading is a list of
/// `(from, to)` substitutions (surface forms). An event without readings records instead
/// what the site copied (`copied`), for counting opportunities.
#[derive(Debug, Clone, Default)]
pub struct SpinEvent {
    pub site: String,
    pub target: u32,
    pub readings: Vec<Vec<(String, String)>>,
    pub copied: Option<Copied>,
    /// Where the edited text lies in its earliest source (document, token): a swap seen
    /// again at the same place is the same evidence (one source sentence copied by several
    /// of the site's articles, or taken from a copy that had the edit already).
    pub at: Option<(u32, u32)>,
}

/// Tokens `[begin, end)` of document `doc` (a passage's nearer copy) that a site copied;
/// `changed`: the token ranges it did not keep as they were (every edit, sorted).
#[derive(Debug, Clone, Default)]
pub struct Copied {
    pub doc: u32,
    pub begin: u32,
    pub end: u32,
    pub changed: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Substitution {
    pub site: String,
    pub from: String,
    pub to: String,
    pub count: u32,
    /// Distinct articles of the site where it was seen.
    pub articles: u32,
    /// Times `from` occurred in the text the site copied: swapped (`count`) or kept.
    pub opportunities: u32,
}

/// What mining keeps.
#[derive(Debug, Clone, Copy)]
pub struct MineParams {
    /// Swaps seen at least this often.
    pub min_count: u32,
    /// Swaps over opportunities at least this.
    pub min_rate: f32,
}

/// Places where a site copied `from` and kept it, keyed by (site, key of `from`).
pub type Opportunities = HashMap<(String, String), u32>;

type K = (String, String, String);

/// How many events hold each (site, from, to) in any of their readings.
fn first_counts(events: &[SpinEvent]) -> HashMap<K, u32> {
    let mut first: HashMap<K, u32> = HashMap::new();
    let mut places: HashSet<(K, (u32, u32))> = HashSet::new();
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
            if let Some(a) = ev.at {
                if !places.insert((k.clone(), a)) {
                    continue;
                }
            }
            *first.entry(k).or_default() += 1;
        }
    }
    first
}

/// The (site, from) pairs whose opportunities mining needs: those of readings seen at
/// least `min_count` times.
pub fn wanted(events: &[SpinEvent], min_count: u32) -> HashSet<(String, String)> {
    first_counts(events)
        .into_iter()
        .filter(|(_, c)| *c >= min_count)
        .map(|((site, f, _), _)| (site, f))
        .collect()
}

/// Counts each wanted `from` (as normalised tokens) where its site copied it and kept
/// it. Linear in the copied tokens; one pass per site, the sites in parallel.
pub fn opportunities(
    wanted: &HashSet<(String, String)>,
    events: &[SpinEvent],
    docs: &[token::Doc],
) -> Opportunities {
    let mut by_site: HashMap<&str, Vec<&str>> = HashMap::new();
    for (site, f) in wanted {
        by_site.entry(site.as_str()).or_default().push(f.as_str());
    }
    let mut copied: HashMap<&str, Vec<&Copied>> = HashMap::new();
    for e in events {
        if let Some(c) = &e.copied {
            if by_site.contains_key(e.site.as_str()) {
                copied.entry(e.site.as_str()).or_default().push(c);
            }
        }
    }
    let sites: Vec<(&str, Vec<&str>)> = by_site.into_iter().collect();
    sites
        .par_iter()
        .flat_map_iter(|(site, froms)| {
            let seqs: Vec<Vec<u32>> = froms.iter().map(|f| token::tokenize(f).toks).collect();
            let mut first: HashMap<u32, Vec<usize>> = HashMap::new();
            for (i, q) in seqs.iter().enumerate() {
                if let Some(&t) = q.first() {
                    first.entry(t).or_default().push(i);
                }
            }
            let mut n = vec![0u32; seqs.len()];
            for c in copied.get(site).map(|v| v.as_slice()).unwrap_or(&[]) {
                let Some(d) = docs.get(c.doc as usize) else {
                    continue;
                };
                let end = (c.end as usize).min(d.toks.len());
                let begin = (c.begin as usize).min(end);
                let toks = &d.toks[..end];
                for i in begin..end {
                    let Some(list) = first.get(&toks[i]) else {
                        continue;
                    };
                    for &q in list {
                        let len = seqs[q].len();
                        if toks[i..].starts_with(&seqs[q]) && !touches(&c.changed, i, i + len) {
                            n[q] += 1;
                        }
                    }
                }
            }
            froms
                .iter()
                .zip(n)
                .map(|(f, c)| ((site.to_string(), f.to_string()), c))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Whether `[a, b)` overlaps any of the sorted ranges.
fn touches(ranges: &[(u32, u32)], a: usize, b: usize) -> bool {
    let i = ranges.partition_point(|r| (r.1 as usize) <= a);
    ranges.get(i).is_some_and(|r| (r.0 as usize) < b)
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

/// Mines substitutions made at least `min_count` times by a site, whatever its
/// opportunities (for callers that have no copied text to count them in).
pub fn mine(events: &[SpinEvent], min_count: u32) -> Vec<Substitution> {
    mine_with(
        events,
        MineParams {
            min_count,
            min_rate: 0.0,
        },
        None,
    )
}

/// Mines substitutions made at least `p.min_count` times by a site and at a rate of at
/// least `p.min_rate` of their opportunities (`opp`; without it every rate is 1).
pub fn mine_with(
    events: &[SpinEvent],
    p: MineParams,
    opp: Option<&Opportunities>,
) -> Vec<Substitution> {
    let first = first_counts(events);
    let opps = |site: &str, f: &str, count: u32| -> u32 {
        opp.and_then(|o| o.get(&(site.to_string(), f.to_string())).copied())
            .unwrap_or(0)
            + count
    };
    // Evidence of a reading: its swaps weighed by their rate (count^2 / opportunities).
    // A reading whose opportunities were not counted was seen too rarely to be kept.
    let weight = |k: &K, c: u32| -> f64 {
        if let Some(o) = opp {
            if !o.contains_key(&(k.0.clone(), k.1.clone())) {
                return 0.0;
            }
        }
        let o = opps(&k.0, &k.1, c).max(1) as f64;
        c as f64 * c as f64 / o
    };
    let mut counts: HashMap<K, (u32, Vec<u32>, (String, String))> = HashMap::new();
    let mut places: HashSet<(K, (u32, u32))> = HashSet::new();
    for ev in events {
        let score = |r: &Vec<(String, String)>| -> (f64, i64) {
            let m = r
                .iter()
                .map(|(f, t)| {
                    let k = (ev.site.clone(), key(f), key(t));
                    let c = first.get(&k).copied().unwrap_or(0);
                    weight(&k, c)
                })
                .fold(f64::INFINITY, f64::min);
            (if m.is_finite() { m } else { 0.0 }, -(r.len() as i64))
        };
        let Some(best) = ev.readings.iter().max_by(|a, b| {
            score(a)
                .partial_cmp(&score(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        }) else {
            continue;
        };
        for (f, t) in best {
            let k = (ev.site.clone(), key(f), key(t));
            let again = ev.at.is_some_and(|a| !places.insert((k.clone(), a)));
            let e = counts
                .entry(k)
                .or_insert_with(|| (0, Vec::new(), (f.clone(), t.clone())));
            if !again {
                e.0 += 1;
            }
            if !e.1.contains(&ev.target) {
                e.1.push(ev.target);
            }
        }
    }
    let mut out: Vec<Substitution> = counts
        .into_iter()
        .filter_map(|((site, fk, _), (count, arts, (f, t)))| {
            let o = opps(&site, &fk, count);
            (count >= p.min_count && count as f32 >= p.min_rate * o as f32).then(|| Substitution {
                site,
                from: f,
                to: t,
                count,
                articles: arts.len() as u32,
                opportunities: o,
            })
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
            copied: None,
            at: None,
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

    fn copied(site: &str, target: u32, doc: u32, len: u32, changed: &[(u32, u32)]) -> SpinEvent {
        SpinEvent {
            site: site.into(),
            target,
            readings: Vec::new(),
            copied: Some(Copied {
                doc,
                begin: 0,
                end: len,
                changed: changed.to_vec(),
            }),
            at: None,
        }
    }

    #[test]
    fn a_swap_made_at_few_of_its_chances_is_not_systematic() {
        // Source text: "second" five times; the site changes it once in each of three
        // copies (an edited fact, not a habit) and always turns "said" into "stated".
        let src = "the second said the second said the second said the second said the second";
        let docs = vec![token::tokenize(src)];
        let mut events = Vec::new();
        for t in 0..3u32 {
            events.push(ev("site", t, &[&[("second", "third")]]));
            for _ in 0..4 {
                events.push(ev("site", t, &[&[("said", "stated")]]));
            }
            // Token 1 is the changed "second"; tokens 2, 5, 8, 11 the changed "said".
            events.push(copied(
                "site",
                t,
                0,
                14,
                &[(1, 2), (2, 3), (5, 6), (8, 9), (11, 12)],
            ));
        }
        let w = wanted(&events, 2);
        assert!(w.contains(&("site".to_string(), "second".to_string())));
        let opp = opportunities(&w, &events, &docs);
        // Four kept "second" per copy; no kept "said".
        assert_eq!(opp[&("site".to_string(), "second".to_string())], 12);
        assert_eq!(opp[&("site".to_string(), "said".to_string())], 0);
        let p = MineParams {
            min_count: 2,
            min_rate: 0.25,
        };
        let subs = mine_with(&events, p, Some(&opp));
        let got: Vec<(&str, &str, u32, u32)> = subs
            .iter()
            .map(|s| (s.from.as_str(), s.to.as_str(), s.count, s.opportunities))
            .collect();
        assert_eq!(got, [("said", "stated", 12, 12)]);
        // Without counting opportunities both are kept.
        assert_eq!(mine(&events, 2).len(), 2);
    }

    #[test]
    fn a_swap_seen_again_at_the_same_source_place_counts_once() {
        // Three articles of one site copy one source sentence that another copy had
        // already edited: one place, one piece of evidence.
        let mut events: Vec<SpinEvent> = (0..3)
            .map(|t| SpinEvent {
                at: Some((7, 40)),
                ..ev("blog", t, &[&[("already agreed", "agreed")]])
            })
            .collect();
        assert!(mine(&events, 2).is_empty());
        // Two places are two.
        events.push(SpinEvent {
            at: Some((9, 3)),
            ..ev("blog", 5, &[&[("already agreed", "agreed")]])
        });
        let subs = mine(&events, 2);
        assert_eq!((subs.len(), subs[0].count, subs[0].articles), (1, 2, 4));
    }
}
