//! Picking the source of every reused span of one target: a pure function of the target
//! and its aligned chains.
//!
//! All chains of all candidate sources are laid over the target. Each elementary piece of
//! the target (between chain boundaries) goes to the EARLIEST source whose chain covers it
//! (ties: similarity, then id), and consecutive pieces taken from the same chain form one
//! passage. `via` is the most similar covering chain of another, later source (the copy
//! most likely taken from); on a tie the latest one.

use crate::align::Chain;

/// A chain of one candidate source, with what the sweep needs to compare sources.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub source: u32,
    /// Lower = earlier. Undated sources get a key from their site's role (see lib).
    pub order: i64,
    pub chain: Chain,
}

/// A passage chosen by the sweep, in target token coordinates.
#[derive(Debug, Clone)]
pub struct Pick {
    pub tb: u32,
    pub te: u32,
    /// Index into the candidates: the earliest source's chain.
    pub source: usize,
    /// Index of the nearer copy's chain, when another source is as or more similar.
    pub via: Option<usize>,
    /// Chains of other sources exactly as early (same dated time) and as similar: equally
    /// the earliest holders, reported as passages of their own.
    pub ties: Vec<usize>,
}

/// Runs the sweep. `min_tokens`: pieces shorter than this (slivers left between two
/// sources' chain ends) are dropped rather than credited to a sibling copy.
pub fn pick_sources(cands: &[Candidate], min_tokens: u32) -> Vec<Pick> {
    if cands.is_empty() {
        return Vec::new();
    }
    let mut bounds: Vec<u32> = cands
        .iter()
        .flat_map(|c| [c.chain.tb, c.chain.te])
        .collect();
    bounds.sort_unstable();
    bounds.dedup();
    let better = |a: usize, b: usize| -> bool {
        let (x, y) = (&cands[a], &cands[b]);
        (x.order, -(x.chain.similarity() * 1e6) as i64, x.source)
            < (y.order, -(y.chain.similarity() * 1e6) as i64, y.source)
    };
    let mut pieces: Vec<Pick> = Vec::new();
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        let mut best: Option<usize> = None;
        for (i, c) in cands.iter().enumerate() {
            if c.chain.tb <= a && c.chain.te >= b && best.is_none_or(|k| better(i, k)) {
                best = Some(i);
            }
        }
        let Some(best) = best else { continue };
        match pieces.last_mut() {
            Some(last) if last.source == best && last.te == a => last.te = b,
            _ => pieces.push(Pick {
                tb: a,
                te: b,
                source: best,
                via: None,
                ties: Vec::new(),
            }),
        }
    }
    pieces.retain(|p| {
        p.te - p.tb >= min_tokens
            && cands[p.source].chain.matched_in(p.tb, p.te) * 2 >= (p.te - p.tb).min(6)
    });
    for p in &mut pieces {
        let own = &cands[p.source];
        let mut via: Option<(f32, i64, usize)> = None;
        for (i, c) in cands.iter().enumerate() {
            if c.source == own.source {
                continue;
            }
            let ov = c.chain.te.min(p.te).saturating_sub(c.chain.tb.max(p.tb));
            if ov * 2 < p.te - p.tb {
                continue;
            }
            let sim = c.chain.matched_in(p.tb, p.te) as f32 / (p.te - p.tb) as f32;
            if via.is_none_or(|(s, o, _)| (sim, c.order) > (s, o)) {
                via = Some((sim, c.order, i));
            }
        }
        let own_sim = own.chain.matched_in(p.tb, p.te) as f32 / (p.te - p.tb) as f32;
        if own.order > i64::MIN / 2 && own.order < i64::MAX / 2 {
            let mut seen = vec![own.source];
            for (i, c) in cands.iter().enumerate() {
                if c.order != own.order || seen.contains(&c.source) {
                    continue;
                }
                let ov = c.chain.te.min(p.te).saturating_sub(c.chain.tb.max(p.tb));
                let sim = c.chain.matched_in(p.tb, p.te) as f32 / (p.te - p.tb) as f32;
                if ov * 10 >= (p.te - p.tb) * 9 && sim + 0.02 >= own_sim {
                    seen.push(c.source);
                    p.ties.push(i);
                }
            }
        }
        if let Some((sim, _, i)) = via {
            // Only a strictly closer copy is a `via`: when the earliest source explains the
            // text as well, a sibling with the same wording is no evidence of the path.
            if sim > own_sim + 1e-3 {
                p.via = Some(i);
            }
        }
    }
    pieces
}
