//! Filling youth-jobs placements (section 6.2, with the clarifications of section 11).
//!
//! Candidates are the snapshot's Idle adults who were neither recruited nor hired this
//! month (the youths' pass marks them and counts them per chunk). Free slots are the slots
//! minus the placements still running after this month's ends and recruitments. Poor
//! candidates go first when the programme targets them; within a group the choice is
//! uniformly random. The choice is made on ranks (the k-th candidate of a group in slot
//! order), so that the youths can then be placed chunk by chunk, in parallel, with the same
//! result for any chunking.

use std::collections::BTreeSet;

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

/// `take` distinct values of 0..n, uniformly, sorted (Floyd's algorithm).
pub fn sample(take: u64, n: u64, rng: &mut Stream) -> Vec<u64> {
    if take >= n {
        return (0..n).collect();
    }
    let mut chosen = BTreeSet::new();
    for j in n - take..n {
        let t = rng.below(j + 1);
        if !chosen.insert(t) {
            chosen.insert(j);
        }
    }
    chosen.into_iter().collect()
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
    // Stop at the last hire of the chunk: most chunks hold only a few.
    for i in 0..c.len() {
        if hired == wanted {
            break;
        }
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
    hired as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::state::Youths;

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
