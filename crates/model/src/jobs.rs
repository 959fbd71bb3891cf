//! Filling youth-jobs placements (section 6.2, with the clarifications of section 11).
//!
//! Candidates are the snapshot's Idle adults who were neither recruited nor hired this
//! month (the youths' pass marks them and counts them per chunk). Free slots are the slots
//! minus the placements still running after this month's ends and recruitments. Poor
//! candidates go first when the programme targets them; within a group the choice is
//! uniformly random. The choice is made on ranks (the k-th candidate of a group in slot
//! order), so that the youths can then be placed chunk by chunk, in parallel, with the same
//! result for any chunking.

use super::policy::YouthJobsNow;
use super::state::{YouthChunk, flag, status};
use crate::rng::Stream;

/// A candidate's hiring group: 0 is hired first.
#[inline(always)]
pub fn group(target_poor: bool, flags: u8) -> usize {
    (target_poor && flags & flag::POOR == 0) as usize
}

/// The candidates hired in a region this month, as sorted ranks within each group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hires {
    pub ranks: [Vec<u64>; 2],
}

impl Hires {
    pub fn count(&self) -> u64 {
        (self.ranks[0].len() + self.ranks[1].len()) as u64
    }
}

/// Chooses the hires of a region with `candidates` per group and `running` placements.
pub fn choose(jobs: &YouthJobsNow, candidates: [u64; 2], running: u64, rng: &mut Stream) -> Hires {
    let free = jobs.slots.saturating_sub(running);
    let first = free.min(candidates[0]);
    let second = (free - first).min(candidates[1]);
    Hires { ranks: [sample(first, candidates[0], rng), sample(second, candidates[1], rng)] }
}

/// `take` distinct values of 0..n, uniformly, sorted (Floyd's algorithm). The chosen
/// values are kept in a bitmap of n bits: a month's hires can be in the thousands, and
/// this runs sequentially between two parallel passes.
pub fn sample(take: u64, n: u64, rng: &mut Stream) -> Vec<u64> {
    if take >= n {
        return (0..n).collect();
    }
    let mut chosen = vec![0u64; n.div_ceil(64) as usize];
    let mut insert = |v: u64| {
        let (w, b) = ((v / 64) as usize, v % 64);
        let was = chosen[w] >> b & 1 == 1;
        chosen[w] |= 1 << b;
        !was
    };
    for j in n - take..n {
        let t = rng.below(j + 1);
        if !insert(t) {
            insert(j);
        }
    }
    let mut out = Vec::with_capacity(take as usize);
    for (w, &word) in chosen.iter().enumerate() {
        let mut x = word;
        while x != 0 {
            out.push(w as u64 * 64 + x.trailing_zeros() as u64);
            x &= x - 1;
        }
    }
    out
}

/// Places the hires that fall in one chunk. `before` counts each group's candidates in the
/// region's earlier chunks, `here` in this chunk. Returns how many youths were hired.
pub fn hire_chunk(
    c: &mut YouthChunk,
    hires: &Hires,
    before: [u64; 2],
    here: [u64; 2],
    target_poor: bool,
    months: u32,
) -> u64 {
    let months = months.clamp(1, 255) as u8;
    let mut next = [0usize; 2];
    let mut wanted = 0;
    for g in 0..2 {
        next[g] = hires.ranks[g].partition_point(|&r| r < before[g]);
        wanted += hires.ranks[g].partition_point(|&r| r < before[g] + here[g]) - next[g];
    }
    let mut seen = before;
    let mut hired = 0;
    // Candidates are a large share of the youths, hires a few, so the scan mostly counts:
    // eight flags at a time, looked at one by one only in the words that hold the next hire
    // of a group. Stop at the last hire of the chunk.
    let len = c.len();
    let mut i = 0;
    while hired < wanted && i < len {
        if i + 8 <= len {
            let x = u64::from_le_bytes(c.flags[i..i + 8].try_into().expect("eight flags"));
            let [in0, in1] = word_candidates(x, target_poor);
            let next_rank = |g: usize| hires.ranks[g].get(next[g]).copied().unwrap_or(u64::MAX);
            if seen[0] + in0 <= next_rank(0) && seen[1] + in1 <= next_rank(1) {
                seen[0] += in0;
                seen[1] += in1;
                i += 8;
                continue;
            }
        }
        for i in i..(i + 8).min(len) {
            let f = c.flags[i];
            if f & flag::CANDIDATE == 0 {
                continue;
            }
            let g = group(target_poor, f);
            if hires.ranks[g].get(next[g]) == Some(&seen[g]) {
                c.status[i] = status::WORK;
                c.flags[i] = (f | flag::PLACEMENT) & !flag::CANDIDATE;
                c.months_left[i] = months;
                next[g] += 1;
                hired += 1;
            }
            seen[g] += 1;
        }
        i += 8;
    }
    hired as u64
}

// `word_candidates` reads the candidate mark as bit 7 and poverty as bit 0 of each byte.
const _: () = assert!(flag::CANDIDATE == 0x80 && flag::POOR == 0x01);

/// Candidates among eight youths' flags packed in a word (one byte each), by hiring group.
#[inline(always)]
fn word_candidates(x: u64, target_poor: bool) -> [u64; 2] {
    const LOW: u64 = 0x0101_0101_0101_0101;
    let candidate = (x >> 7) & LOW;
    let all = candidate.count_ones() as u64;
    let second = if target_poor { (candidate & !x).count_ones() as u64 } else { 0 };
    [all - second, second]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Youths;

    fn jobs(slots: u64, target_poor: bool) -> YouthJobsNow {
        YouthJobsNow { slots, stipend: 3600.0, months: 12, retention: 0.4, target_poor }
    }

    fn candidates(poor: usize, other: usize) -> Youths {
        let mut y = Youths::with_len(poor + other);
        for i in 0..poor + other {
            y.status[i] = status::IDLE;
            y.age[i] = 250;
            y.flags[i] = flag::CANDIDATE | if i >= other { flag::POOR } else { 0 };
        }
        y
    }

    #[test]
    fn poor_candidates_go_first() {
        // 10 slots, 2 running: 8 hired, all 5 poor and 3 others.
        let h = choose(&jobs(10, true), [5, 20], 2, &mut Stream::new(1));
        assert_eq!(h.ranks[0], vec![0, 1, 2, 3, 4]);
        assert_eq!(h.ranks[1].len(), 3);
        let mut y = candidates(5, 20);
        // Two chunks: the hires land in the right places whatever the split.
        let (a, b) = y.chunk_mut(0..25, 0, 0).split_at(9);
        let (mut a, mut b) = (a, b);
        // Chunk a holds 9 non-poor candidates; chunk b the other 11 and the 5 poor ones.
        let n = hire_chunk(&mut a, &h, [0, 0], [0, 9], true, 12)
            + hire_chunk(&mut b, &h, [0, 9], [5, 11], true, 12);
        assert_eq!(n, 8);
        assert!((20..25).all(|i| y.status[i] == status::WORK && y.months_left[i] == 12));
        assert_eq!((0..20).filter(|&i| y.status[i] == status::WORK).count(), 3);
        assert!((0..25).all(|i| y.status[i] != status::WORK || y.flags[i] & flag::PLACEMENT != 0));
    }

    /// The word-at-a-time scan places the same youths as looking at every youth in turn,
    /// for chunks that split a region anywhere and hires that fall anywhere.
    #[test]
    fn word_scan_matches_a_youth_by_youth_scan() {
        let mut rng = Stream::new(11);
        for case in 0..200 {
            let n = 1 + rng.below(300) as usize;
            let target_poor = case % 2 == 0;
            let mut y = Youths::with_len(n);
            for i in 0..n {
                y.status[i] = status::IDLE;
                let r = rng.next_u64();
                y.flags[i] =
                    if r & 3 != 0 { flag::CANDIDATE } else { 0 } | if r & 4 != 0 { flag::POOR } else { 0 };
            }
            let by_group = |flags: &[u8]| {
                let mut count = [0u64; 2];
                for &f in flags.iter().filter(|&&f| f & flag::CANDIDATE != 0) {
                    count[group(target_poor, f)] += 1;
                }
                count
            };
            let count = by_group(&y.flags);
            let h = choose(&jobs(rng.below(40), target_poor), count, 0, &mut rng);
            // Reference: the k-th candidate of group g is hired when k is in ranks[g].
            let mut expect = y.clone();
            let mut seen = [0u64; 2];
            for i in 0..n {
                let f = expect.flags[i];
                if f & flag::CANDIDATE != 0 {
                    let g = group(target_poor, f);
                    if h.ranks[g].contains(&seen[g]) {
                        expect.status[i] = status::WORK;
                        expect.flags[i] = (f | flag::PLACEMENT) & !flag::CANDIDATE;
                        expect.months_left[i] = 6;
                    }
                    seen[g] += 1;
                }
            }
            // Two chunks, split at a random point.
            let cut = rng.below(n as u64 + 1) as usize;
            let here = by_group(&y.flags[..cut]);
            let rest = [count[0] - here[0], count[1] - here[1]];
            let (a, b) = y.chunk_mut(0..n, 0, 0).split_at(cut);
            let (mut a, mut b) = (a, b);
            let hired = hire_chunk(&mut a, &h, [0, 0], here, target_poor, 6)
                + hire_chunk(&mut b, &h, here, rest, target_poor, 6);
            assert_eq!(hired, h.count(), "case {case}");
            assert_eq!(
                (&y.status, &y.flags, &y.months_left),
                (&expect.status, &expect.flags, &expect.months_left)
            );
        }
    }

    #[test]
    fn no_free_slots_no_hires() {
        assert_eq!(choose(&jobs(10, true), [5, 5], 10, &mut Stream::new(1)).count(), 0);
    }

    #[test]
    fn samples_are_uniform_and_distinct() {
        let mut rng = Stream::new(3);
        let mut hits = [0u32; 10];
        for _ in 0..5000 {
            let s = sample(3, 10, &mut rng);
            assert!(s.windows(2).all(|w| w[0] < w[1]) && s.len() == 3);
            s.iter().for_each(|&v| hits[v as usize] += 1);
        }
        // Each value is taken with probability 0.3: 1500 expected, sd ≈ 32; 5 sd.
        assert!(hits.iter().all(|&h| (h as f64 - 1500.0).abs() < 162.0), "{hits:?}");
    }
}
