//! The contact census of section 5: the denominator of β_r.
//!
//! β_r = K_r / Σ_j w_j over the snapshot's free youths not ageing out this month, with
//! w_j = (1 + peer_contact × m_j) × age_j × sex_j and m_j the share of j's peers who are
//! members. Splitting the sum,
//!
//! ```text
//! Σ_j w_j = Σ_c a_c s_c × (free_c + peer_contact / peers × ties_c)
//! ```
//!
//! where c runs over the six (age band, sex) classes, `free_c` counts free youths of class
//! c and `ties_c` counts ties from free youths of class c to members. `free_c` is tallied by
//! the previous month's update pass; `ties_c` is counted here from the members' side, which
//! touches about one youth in twenty instead of all of them. Both are integers, so β_r is
//! the same whatever the chunking or thread count.

use super::network::{Network, Reverse, ring_offset};
use super::params::{AGE_ADULT, AGE_EXIT, AGE_UPPER_SECONDARY, Params};
use super::state::{flag, status};

/// Age bands (under 180 months, 180–215, 216 and over) × sex.
pub const CLASSES: usize = 6;

/// The age band of an age (after this month's increment).
#[inline(always)]
pub fn band(age: u16) -> usize {
    (age >= AGE_UPPER_SECONDARY) as usize + (age >= AGE_ADULT) as usize
}

/// The class of a youth of age `age` (after this month's increment).
#[inline(always)]
pub fn class(age: u16, flags: u8) -> usize {
    band(age) * 2 + (flags & flag::FEMALE != 0) as usize
}

/// The class a youth will have in next month's census, if it will be counted there: free
/// now (at the end of this month) and not ageing out next month.
#[inline(always)]
pub fn next_class(st: u8, age: u16, flags: u8) -> Option<usize> {
    (status::is_free(st) && age + 1 < AGE_EXIT).then(|| class(age + 1, flags))
}

/// a_c × s_c for each class: the contact weight without its peer term. The minors' weight
/// uses the region's juvenile sentence ratio (cartels prefer recruits who risk less prison).
pub fn class_weights(params: &Params, juvenile_ratio: f64) -> [f64; CLASSES] {
    let rc = &params.recruit;
    let ages =
        [rc.young_teen_weight.max(0.0), (1.0 + rc.minor_preference * (1.0 - juvenile_ratio)).max(0.0), 1.0];
    std::array::from_fn(|c| ages[c / 2] * if c % 2 == 1 { rc.female_weight.max(0.0) } else { 1.0 })
}

/// Σ_j w_j from the census.
pub fn weight_sum(
    weights: &[f64; CLASSES],
    free: &[u64; CLASSES],
    ties: &[u64; CLASSES],
    params: &Params,
) -> f64 {
    let per_tie = params.recruit.peer_contact / params.population.peers as f64;
    (0..CLASSES).map(|c| weights[c] * (free[c] as f64 + per_tie * ties[c] as f64)).sum()
}

/// Free youths not ageing out, by class, among the given youths (used once, for the
/// initial snapshot; afterwards the update pass tallies them).
pub fn free_classes(status: &[u8], age: &[u16], flags: &[u8]) -> [u64; CLASSES] {
    let mut out = [0; CLASSES];
    for i in 0..status.len() {
        if let Some(c) = next_class(status[i], age[i], flags[i]) {
            out[c] += 1;
        }
    }
    out
}

/// A region's youths, read-only, for the census.
pub struct RegionYouths<'a> {
    pub status: &'a [u8],
    pub age: &'a [u16],
    pub flags: &'a [u8],
}

/// Ties from free youths (not ageing out this month) to the members of blocks `blocks`
/// (64 youths each), by the source's class, in region r of `n` youths. `bits` is the
/// region's member bitmap of the snapshot; ages are those of the snapshot, so a youth's
/// class this month is that of `age + 1`. Summing over blocks that cover the region gives
/// the region's census.
///
/// Members are scattered over the region, so nearly every youth this reads is a cache miss.
/// The members are therefore taken in batches: first their neighbourhoods and the sources
/// of their rewired ties are read with nothing depending on the values, so that the misses
/// overlap, then the ties are counted from the cache.
pub fn member_ties(
    net: &Network,
    rev: &Reverse,
    bits: &[u64],
    r: usize,
    n: usize,
    y: &RegionYouths,
    blocks: std::ops::Range<usize>,
) -> [u64; CLASSES] {
    const BATCH: usize = 32;
    let region = CensusRegion { net, rev, r, n, y };
    let mut ties = [0u64; CLASSES];
    let mut batch = [0usize; BATCH];
    let mut len = 0;
    let mut sources = Vec::new();
    for b in blocks {
        let mut x = bits[b];
        while x != 0 {
            batch[len] = b * 64 + x.trailing_zeros() as usize;
            x &= x - 1;
            len += 1;
            if len == BATCH {
                region.count_batch(&batch[..len], &mut sources, &mut ties);
                len = 0;
            }
        }
    }
    region.count_batch(&batch[..len], &mut sources, &mut ties);
    ties
}

/// What `member_ties` reads of region r (of `n` youths).
struct CensusRegion<'a> {
    net: &'a Network,
    rev: &'a Reverse,
    r: usize,
    n: usize,
    y: &'a RegionYouths<'a>,
}

impl CensusRegion<'_> {
    /// Adds to `ties` the ties pointing at the members `members` (see `member_ties`);
    /// `sources` is scratch space.
    fn count_batch(&self, members: &[usize], sources: &mut Vec<u32>, ties: &mut [u64; CLASSES]) {
        let CensusRegion { net, rev, r, n, y } = *self;
        let k = net.peers as usize;
        let h = k / 2;
        let mut count = |i: usize| {
            let (st, age) = (y.status[i], y.age[i]);
            if status::is_free(st) && age + 1 < AGE_EXIT {
                ties[class(age + 1, y.flags[i])] += 1;
            }
        };
        // Warm the caches: independent reads whose values only feed `black_box`.
        let mut touch = 0u64;
        for &j in members {
            touch ^= y.status[j] as u64 ^ y.age[j] as u64 ^ y.flags[j] as u64 ^ net.mask(r, j);
            let first = rev.block_start[j / 64] as usize;
            touch ^= rev.target_bit.get(first).map_or(0, |&v| v as u64);
            touch ^= rev.source.get(first).map_or(0, |&v| v as u64);
        }
        std::hint::black_box(touch);
        sources.clear();
        for &j in members {
            // Ring ties: youth i's tie t points at i + offset(t), so member j is the target
            // of tie t of youth j − offset(t), unless that tie was rewired.
            for t in 0..k {
                let off = ring_offset(t, h);
                let i = if j >= h && j + h < n {
                    (j as isize - off) as usize
                } else {
                    (j as isize - off).rem_euclid(n as isize) as usize
                };
                if net.mask(r, i) >> t & 1 == 0 {
                    count(i);
                }
            }
            // Rewired ties pointing at j, counted below.
            sources.extend_from_slice(rev.sources(j / 64, (j % 64) as u32));
        }
        let mut touch = 0u64;
        for &i in sources.iter() {
            let i = i as usize;
            touch ^= y.status[i] as u64 ^ y.age[i] as u64 ^ y.flags[i] as u64;
        }
        std::hint::black_box(touch);
        for &i in sources.iter() {
            count(i as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Network, draw_masks, member_peers, set_keys};

    #[test]
    fn census_matches_the_sum_of_member_peers() {
        for &(n, k, rw) in &[(500usize, 8u32, 0.1), (97, 4, 0.5), (300, 56, 0.2)] {
            let mut net = Network::empty(&[n as u64], k);
            set_keys(&mut net, 5);
            let len = (n * k as usize).div_ceil(8);
            draw_masks(&mut net.masks[..len], 0, 0..n, k, rw, 5);
            let rev = Reverse::build(&net, 0, n);
            let mut bits = vec![0u64; n.div_ceil(64) + 1];
            let mut status_v = vec![status::WORK; n];
            let mut age = vec![200u16; n];
            let mut flags = vec![0u8; n];
            for i in 0..n {
                if i % 13 == 0 {
                    status_v[i] = status::MEMBER1;
                    bits[i / 64] |= 1 << (i % 64);
                }
                if i % 7 == 0 {
                    status_v[i] = status::PRISON;
                }
                age[i] = 144 + (i as u16 * 37) % 216;
                flags[i] = if i % 3 == 0 { flag::FEMALE } else { 0 };
            }
            let y = RegionYouths { status: &status_v, age: &age, flags: &flags };
            let ties = member_ties(&net, &rev, &bits, 0, n, &y, 0..n.div_ceil(32) / 2)
                .iter()
                .zip(member_ties(&net, &rev, &bits, 0, n, &y, n.div_ceil(32) / 2..n.div_ceil(64)))
                .map(|(a, b)| a + b)
                .collect::<Vec<_>>();
            let mut expect = [0u64; CLASSES];
            for i in 0..n {
                if let Some(c) = next_class(status_v[i], age[i], flags[i]) {
                    expect[c] += member_peers(&net, &bits, 0, i, n) as u64;
                }
            }
            assert_eq!(ties, expect.to_vec(), "n={n} k={k}");
        }
    }

    #[test]
    fn classes_and_weights() {
        let p = Params::defaults();
        let w = class_weights(&p, 0.25);
        assert_eq!(w[0], 0.2);
        assert!((w[3] - 1.375 * 0.15).abs() < 1e-12);
        assert_eq!(w[4], 1.0);
        assert_eq!(class(215, flag::FEMALE), 3);
        assert_eq!(next_class(status::SCHOOL, 359, 0), None);
        assert_eq!(next_class(status::PRISON, 200, 0), None);
        assert_eq!(next_class(status::IDLE, 215, 0), Some(4));
    }
}
