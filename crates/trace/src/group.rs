//! Fingerprints and the group-by-fingerprint stage that turns them into candidate pairs.
//!
//! Each article yields a sample of its hashed word n-grams (the same n-grams in every
//! article, chosen by hash value, so two copies keep the same ones). Records are routed
//! to [`PARTITIONS`] partitions by hash; a partition is grouped on its own (sort, then one
//! pass), which is what a distributed engine would do per shuffle partition. When the
//! records held exceed the memory budget, partitions are appended to spill files and
//! grouped from disk one at a time.
//!
//! A group of articles sharing an n-gram pairs each article with earlier ones only: all
//! of them while the group is small, else the earliest few and the nearest few before it
//! (so a family of 10,000 identical copies costs 10,000 x k pairs, not 10,000^2 / 2).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};

use rayon::prelude::*;

pub const PARTITIONS: usize = 64;

/// Mixes an n-gram's token ids into a 64-bit fingerprint.
#[inline]
pub fn ngram_hash(toks: &[u32]) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
    for &t in toks {
        h = (h ^ t as u64).wrapping_mul(0x0000_0100_0000_01b3);
        h ^= h >> 29;
    }
    mix(h)
}

/// splitmix64 finaliser: spreads the bits so `h % sample` and `h >> 58` are uniform.
#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The sampled fingerprints of one article, deduplicated.
pub fn fingerprints(toks: &[u32], n: usize, sample: u64) -> Vec<u64> {
    if toks.len() < n || n == 0 {
        return Vec::new();
    }
    let mut out: Vec<u64> = toks
        .windows(n)
        .map(ngram_hash)
        .filter(|h| sample <= 1 || h % sample == 0)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[derive(Debug, Clone)]
pub struct GroupParams {
    /// Groups up to this size pair every member with every earlier one.
    pub full_pairs_up_to: usize,
    /// Larger groups: each member pairs with this many earliest members...
    pub earliest: usize,
    /// ...and this many members just before it.
    pub nearest: usize,
    /// Groups larger than this pair with the earliest members only.
    pub nearest_up_to: usize,
    /// Records held in memory before partitions spill to disk.
    pub memory_records: usize,
    pub spill_dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct GroupStats {
    pub records: u64,
    pub groups_shared: u64,
    /// Groups too large to pair fully (boilerplate, wire credits, big reprint families).
    pub groups_capped: u64,
    pub largest_group: u64,
    pub spilled_records: u64,
    pub spill_files: u64,
    pub pair_emissions: u64,
}

/// Groups records by fingerprint, partition by partition, spilling to disk past the budget.
pub struct Grouper {
    params: GroupParams,
    parts: Vec<Vec<(u64, u32)>>,
    held: usize,
    spill: Option<(tempfile::TempDir, Vec<BufWriter<File>>)>,
    pub stats: GroupStats,
}

impl Grouper {
    pub fn new(params: GroupParams) -> Self {
        Grouper {
            params,
            parts: vec![Vec::new(); PARTITIONS],
            held: 0,
            spill: None,
            stats: GroupStats::default(),
        }
    }

    /// Adds one article's fingerprints.
    pub fn add(&mut self, doc: u32, fps: &[u64]) -> std::io::Result<()> {
        for &h in fps {
            self.parts[(h >> 58) as usize].push((h, doc));
        }
        self.held += fps.len();
        self.stats.records += fps.len() as u64;
        if self.held > self.params.memory_records {
            self.spill_all()?;
        }
        Ok(())
    }

    fn spill_all(&mut self) -> std::io::Result<()> {
        if self.spill.is_none() {
            let dir = match &self.params.spill_dir {
                Some(d) => tempfile::Builder::new()
                    .prefix("copydesk-trace-spill")
                    .tempdir_in(d)?,
                None => tempfile::Builder::new()
                    .prefix("copydesk-trace-spill")
                    .tempdir()?,
            };
            let mut files = Vec::with_capacity(PARTITIONS);
            for p in 0..PARTITIONS {
                files.push(BufWriter::new(File::create(
                    dir.path().join(format!("part-{p:02}.bin")),
                )?));
            }
            self.stats.spill_files = PARTITIONS as u64;
            tracing::info!("fingerprint grouping spills to {}", dir.path().display());
            self.spill = Some((dir, files));
        }
        let Some((_, files)) = self.spill.as_mut() else {
            return Ok(());
        };
        for (p, recs) in self.parts.iter_mut().enumerate() {
            let w = &mut files[p];
            for &(h, d) in recs.iter() {
                w.write_all(&h.to_le_bytes())?;
                w.write_all(&d.to_le_bytes())?;
            }
            self.stats.spilled_records += recs.len() as u64;
            recs.clear();
            recs.shrink_to_fit();
        }
        self.held = 0;
        Ok(())
    }

    /// Groups every partition and returns candidate pairs `(later, earlier, shared)`, where
    /// "later"/"earlier" follow `rank` (lower rank = earlier), sorted by pair.
    pub fn pairs(mut self, rank: &[u32]) -> std::io::Result<(Vec<(u32, u32, u32)>, GroupStats)> {
        let mut spilled: Vec<Option<std::path::PathBuf>> = vec![None; PARTITIONS];
        if let Some((dir, files)) = self.spill.take() {
            for (p, mut w) in files.into_iter().enumerate() {
                w.flush()?;
                spilled[p] = Some(dir.path().join(format!("part-{p:02}.bin")));
            }
            // Keep the directory alive until the partitions are read.
            let parts = std::mem::take(&mut self.parts);
            let out = group_partitions(parts, spilled, rank, &self.params, &mut self.stats);
            drop(dir);
            return out.map(|p| (p, self.stats));
        }
        let parts = std::mem::take(&mut self.parts);
        let out = group_partitions(parts, spilled, rank, &self.params, &mut self.stats)?;
        Ok((out, self.stats))
    }
}

fn group_partitions(
    parts: Vec<Vec<(u64, u32)>>,
    spilled: Vec<Option<std::path::PathBuf>>,
    rank: &[u32],
    params: &GroupParams,
    stats: &mut GroupStats,
) -> std::io::Result<Vec<(u32, u32, u32)>> {
    // Partitions are independent: group each to pair keys, then count pairs globally.
    let results: Vec<std::io::Result<(Vec<u64>, GroupStats)>> = parts
        .into_par_iter()
        .zip(spilled.into_par_iter())
        .map(|(mut recs, file)| {
            if let Some(path) = file {
                let mut r = BufReader::new(File::open(&path)?);
                let mut buf = [0u8; 12];
                loop {
                    match r.read_exact(&mut buf) {
                        Ok(()) => {
                            let h = u64::from_le_bytes(buf[..8].try_into().unwrap_or_default());
                            let d = u32::from_le_bytes(buf[8..].try_into().unwrap_or_default());
                            recs.push((h, d));
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                        Err(e) => return Err(e),
                    }
                }
            }
            Ok(group_one(recs, rank, params))
        })
        .collect();
    let mut keys = Vec::new();
    for r in results {
        let (k, s) = r?;
        stats.groups_shared += s.groups_shared;
        stats.groups_capped += s.groups_capped;
        stats.largest_group = stats.largest_group.max(s.largest_group);
        stats.pair_emissions += k.len() as u64;
        if keys.is_empty() {
            keys = k;
        } else {
            keys.extend_from_slice(&k);
        }
    }
    keys.par_sort_unstable();
    let mut out = Vec::new();
    let mut i = 0;
    while i < keys.len() {
        let k = keys[i];
        let mut j = i + 1;
        while j < keys.len() && keys[j] == k {
            j += 1;
        }
        out.push(((k >> 32) as u32, k as u32, (j - i) as u32));
        i = j;
    }
    Ok(out)
}

/// Groups one partition: a pure function from records to pair keys `later << 32 | earlier`.
pub fn group_one(
    mut recs: Vec<(u64, u32)>,
    rank: &[u32],
    params: &GroupParams,
) -> (Vec<u64>, GroupStats) {
    let mut stats = GroupStats::default();
    recs.sort_unstable_by_key(|&(h, d)| (h, rank.get(d as usize).copied().unwrap_or(u32::MAX), d));
    recs.dedup();
    let mut keys = Vec::new();
    let mut i = 0;
    while i < recs.len() {
        let h = recs[i].0;
        let mut j = i + 1;
        while j < recs.len() && recs[j].0 == h {
            j += 1;
        }
        let m = j - i;
        if m >= 2 {
            stats.groups_shared += 1;
            stats.largest_group = stats.largest_group.max(m as u64);
            let g = &recs[i..j];
            if m <= params.full_pairs_up_to {
                for a in 1..m {
                    for b in 0..a {
                        keys.push(((g[a].1 as u64) << 32) | g[b].1 as u64);
                    }
                }
            } else {
                stats.groups_capped += 1;
                let near = if m <= params.nearest_up_to {
                    params.nearest
                } else {
                    0
                };
                for a in 1..m {
                    for b in 0..a.min(params.earliest) {
                        keys.push(((g[a].1 as u64) << 32) | g[b].1 as u64);
                    }
                    for b in a.saturating_sub(near).max(params.earliest)..a {
                        keys.push(((g[a].1 as u64) << 32) | g[b].1 as u64);
                    }
                }
            }
        }
        i = j;
    }
    (keys, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(memory_records: usize) -> GroupParams {
        GroupParams {
            full_pairs_up_to: 4,
            earliest: 2,
            nearest: 1,
            nearest_up_to: 100,
            memory_records,
            spill_dir: None,
        }
    }

    #[test]
    fn shared_fingerprints_make_counted_pairs_later_to_earlier() {
        let rank = [2, 0, 1];
        let mut g = Grouper::new(params(1000));
        g.add(0, &[1, 2, 3]).unwrap();
        g.add(1, &[1, 2, 9]).unwrap();
        g.add(2, &[3, 7]).unwrap();
        let (pairs, stats) = g.pairs(&rank).unwrap();
        assert_eq!(pairs, vec![(0, 1, 2), (0, 2, 1)]);
        assert_eq!(stats.groups_shared, 3);
    }

    #[test]
    fn spilled_grouping_gives_the_same_pairs() {
        let rank: Vec<u32> = (0..50).collect();
        let mut a = Grouper::new(params(1_000_000));
        let mut b = Grouper::new(params(5));
        for d in 0..50u32 {
            let fps: Vec<u64> = (0..8).map(|k| mix((d as u64 % 7) * 100 + k)).collect();
            a.add(d, &fps).unwrap();
            b.add(d, &fps).unwrap();
        }
        let (pa, _) = a.pairs(&rank).unwrap();
        let (pb, sb) = b.pairs(&rank).unwrap();
        assert!(sb.spilled_records > 0);
        assert_eq!(pa, pb);
    }

    #[test]
    fn large_groups_are_capped_linearly() {
        let n = 1000u32;
        let rank: Vec<u32> = (0..n).collect();
        let mut g = Grouper::new(params(1_000_000));
        for d in 0..n {
            g.add(d, &[42]).unwrap();
        }
        let (pairs, stats) = g.pairs(&rank).unwrap();
        assert_eq!(stats.groups_capped, 1);
        assert!(pairs.len() < 3 * n as usize, "{}", pairs.len());
        assert!(pairs
            .iter()
            .all(|&(a, b, _)| rank[a as usize] > rank[b as usize]));
    }
}
