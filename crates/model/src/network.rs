//! The peer network (section 1, "Peers") and the count of members among a youth's peers.
//!
//! Each youth observes `peers` others of its region: ring offsets ±1..±peers/2 in slot
//! order, each tie independently rewired with probability `rewire` to a uniformly random
//! other youth of the region. Only one bit per tie is stored (rewired or not); a rewired
//! tie's target is recomputed from a hash of (network key, region, youth, tie) whenever it
//! is needed. The network is therefore identical for a given seed and replicate whatever
//! the thread count, costs `peers` bits per youth, and a recycled slot keeps its ties.

use crate::rng::{Stream, key, mix64};

/// The stored part of the network.
#[derive(Clone, Debug)]
pub struct Network {
    pub peers: u32,
    /// Rewired-tie masks: youth i of region r uses bits [i·peers, (i+1)·peers) after the
    /// region's first byte. Eight bytes of padding follow each region for 64-bit loads.
    pub masks: Vec<u8>,
    /// First byte of each region in `masks`.
    pub region_byte: Vec<usize>,
    /// Hash key of each region's rewired targets.
    pub target_key: Vec<u64>,
    /// Each region's rewired ties by target (built once the masks are drawn).
    pub reverse: Vec<Reverse>,
}

impl Network {
    /// A network with no rewired ties yet, sized for regions of `sizes` youths.
    pub fn empty(sizes: &[u64], peers: u32) -> Network {
        let mut region_byte = Vec::with_capacity(sizes.len());
        let mut b = 0usize;
        for &n in sizes {
            region_byte.push(b);
            b += (n as usize * peers as usize).div_ceil(8) + 8;
        }
        Network {
            peers,
            masks: vec![0; b],
            region_byte,
            target_key: vec![0; sizes.len()],
            reverse: vec![Reverse::default(); sizes.len()],
        }
    }

    /// The rewired-tie mask of youth `local` of region `r`.
    #[inline(always)]
    pub fn mask(&self, r: usize, local: usize) -> u64 {
        let k = self.peers as usize;
        let bit = local * k;
        let at = self.region_byte[r] + bit / 8;
        let raw = u64::from_le_bytes(self.masks[at..at + 8].try_into().expect("padded"));
        (raw >> (bit % 8)) & ((1u64 << k) - 1)
    }

    /// The target (local index) of rewired tie `tie` of youth `local` in a region of `n`.
    #[inline(always)]
    pub fn rewired_target(&self, r: usize, local: usize, tie: u32, n: usize) -> usize {
        let h = mix64(
            self.target_key[r].wrapping_add(((local as u64) << 6 | tie as u64).wrapping_mul(GOLDEN_ODD)),
        );
        let j = ((h as u128 * (n as u128 - 1)) >> 64) as usize;
        j + (j >= local) as usize
    }
}

/// The rewired ties of one region indexed by target: for each block of 64 targets (one
/// word of the member bitmap), the sources of the ties that point into it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reverse {
    /// Index of each block's first tie, plus the end.
    pub block_start: Vec<u64>,
    /// The youth (local index) whose tie it is.
    pub source: Vec<u32>,
    /// The target's bit within its block.
    pub target_bit: Vec<u8>,
}

impl Reverse {
    /// Builds the index of region r's rewired ties, sorted by target (a counting sort).
    pub fn build(net: &Network, r: usize, n: usize) -> Reverse {
        let each_tie = |f: &mut dyn FnMut(usize, usize)| {
            for i in 0..n {
                let mut m = net.mask(r, i);
                while m != 0 {
                    let t = m.trailing_zeros();
                    m &= m - 1;
                    f(i, net.rewired_target(r, i, t, n));
                }
            }
        };
        // Ties per target, then each target's first position.
        let mut start = vec![0u64; n + 1];
        each_tie(&mut |_, j| start[j + 1] += 1);
        for j in 0..n {
            start[j + 1] += start[j];
        }
        let total = start[n] as usize;
        let mut source = vec![0u32; total];
        let mut target_bit = vec![0u8; total];
        let block_start = (0..=n.div_ceil(64)).map(|b| start[(b * 64).min(n)]).collect();
        each_tie(&mut |i, j| {
            let at = start[j] as usize;
            start[j] += 1;
            source[at] = i as u32;
            target_bit[at] = (j % 64) as u8;
        });
        Reverse { block_start, source, target_bit }
    }

    /// The sources of the rewired ties pointing at bit `q` of block `b`.
    #[inline]
    pub fn sources(&self, b: usize, q: u32) -> &[u32] {
        let (s, e) = (self.block_start[b] as usize, self.block_start[b + 1] as usize);
        let bits = &self.target_bit[s..e];
        let lo = bits.partition_point(|&v| (v as u32) < q);
        let hi = lo + bits[lo..].partition_point(|&v| v as u32 == q);
        &self.source[s + lo..s + hi]
    }
}

/// The ring offset of tie `t` for `half` = peers/2: ties 0..half are −half..−1, the rest
/// 1..half.
#[inline(always)]
pub fn ring_offset(t: usize, half: usize) -> isize {
    if t < half { t as isize - half as isize } else { (t - half + 1) as isize }
}

/// An odd multiplier that spreads (youth, tie) counters over the hash input.
const GOLDEN_ODD: u64 = 0x9E37_79B9_7F4A_7C15;

/// Derives the per-region target keys from the replicate's network key.
pub fn set_keys(net: &mut Network, network_key: u64) {
    for (r, k) in net.target_key.iter_mut().enumerate() {
        *k = key(&[network_key, r as u64, 1]);
    }
}

/// Draws the rewired-tie masks of youths `locals` of region `r` into `bytes`, the slice of
/// `masks` that starts at youth `locals.start` (which must be a multiple of 8, so that the
/// slice starts on a byte). Each tie is rewired with probability `rewire`.
pub fn draw_masks(
    bytes: &mut [u8],
    r: usize,
    locals: std::ops::Range<usize>,
    peers: u32,
    rewire: f64,
    network_key: u64,
) {
    debug_assert_eq!(locals.start % 8, 0);
    let rk = key(&[network_key, r as u64, 0]);
    let k = peers as usize;
    for local in locals.clone() {
        let mut s = Stream::for_slot(rk, local);
        let base = (local - locals.start) * k;
        for t in 0..k {
            if s.bernoulli(rewire) {
                let bit = base + t;
                bytes[bit / 8] |= 1 << (bit % 8);
            }
        }
    }
}

/// Counts members among the peers of youth `local` in region `r` of `n` youths, reading
/// the region's member bitmap `bits` (whose first word is the region's first, and which has
/// one padding word at the end).
#[inline(always)]
pub fn member_peers(net: &Network, bits: &[u64], r: usize, local: usize, n: usize) -> u32 {
    let k = net.peers as usize;
    let h = k / 2;
    let mask = net.mask(r, local);
    let mut count;
    if local >= h && local + h < n {
        // The ring ties are the bits [local−h, local+h] minus the centre: one window read.
        let start = local - h;
        let (w, s) = (start / 64, start % 64);
        let window = if s == 0 { bits[w] } else { (bits[w] >> s) | (bits[w + 1] << (64 - s)) };
        let ring = !mask & ((1u64 << k) - 1);
        let low = ring & ((1u64 << h) - 1);
        let sel = low | ((ring >> h) << (h + 1));
        count = (window & sel).count_ones();
    } else {
        // Near the ends of the region the ring wraps around: take the ties one by one.
        count = 0;
        for t in 0..k {
            if mask >> t & 1 == 0 {
                let j = (local as isize + ring_offset(t, h)).rem_euclid(n as isize) as usize;
                count += (bits[j / 64] >> (j % 64)) as u32 & 1;
            }
        }
    }
    // Rewired ties: about peers × rewire of them, each a hash and one bitmap read.
    let mut m = mask;
    while m != 0 {
        let t = m.trailing_zeros();
        m &= m - 1;
        let j = net.rewired_target(r, local, t, n);
        count += (bits[j / 64] >> (j % 64)) as u32 & 1;
    }
    count
}

/// The peers of youth `local` (for tests and for documentation): ring ties in tie order
/// with rewired ones replaced.
pub fn peers_of(net: &Network, r: usize, local: usize, n: usize) -> Vec<usize> {
    let k = net.peers as usize;
    let h = k / 2;
    let mask = net.mask(r, local);
    (0..k)
        .map(|t| {
            if mask >> t & 1 == 1 {
                net.rewired_target(r, local, t as u32, n)
            } else {
                (local as isize + ring_offset(t, h)).rem_euclid(n as isize) as usize
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(sizes: &[u64], peers: u32, rewire: f64) -> Network {
        let mut net = Network::empty(sizes, peers);
        set_keys(&mut net, 99);
        for (r, &n) in sizes.iter().enumerate() {
            let start = net.region_byte[r];
            let len = (n as usize * peers as usize).div_ceil(8);
            draw_masks(&mut net.masks[start..start + len], r, 0..n as usize, peers, rewire, 99);
        }
        net
    }

    fn bitmap(n: usize, members: &[usize]) -> Vec<u64> {
        let mut b = vec![0u64; n.div_ceil(64) + 1];
        for &j in members {
            b[j / 64] |= 1 << (j % 64);
        }
        b
    }

    #[test]
    fn unrewired_ring_has_symmetric_offsets() {
        let net = build(&[20], 6, 0.0);
        assert_eq!(peers_of(&net, 0, 5, 20), vec![2, 3, 4, 6, 7, 8]);
        assert_eq!(peers_of(&net, 0, 0, 20), vec![17, 18, 19, 1, 2, 3]);
    }

    #[test]
    fn fast_and_slow_counts_agree_with_the_peer_list() {
        for &(n, k, rw) in &[(300usize, 8u32, 0.1), (130, 56, 0.3), (9, 8, 0.5), (1000, 2, 0.0)] {
            let net = build(&[n as u64], k, rw);
            let members: Vec<usize> = (0..n).filter(|j| (j * 7919) % 5 == 0).collect();
            let bits = bitmap(n, &members);
            for i in 0..n {
                let expect = peers_of(&net, 0, i, n).iter().filter(|j| members.contains(j)).count() as u32;
                assert_eq!(member_peers(&net, &bits, 0, i, n), expect, "n={n} k={k} i={i}");
            }
        }
    }

    #[test]
    fn rewiring_share_and_targets() {
        let n = 20_000;
        let net = build(&[n as u64], 8, 0.1);
        let mut rewired = 0u64;
        for i in 0..n {
            let m = net.mask(0, i);
            rewired += m.count_ones() as u64;
            for t in 0..8 {
                if m >> t & 1 == 1 {
                    let j = net.rewired_target(0, i, t, n);
                    assert!(j < n && j != i, "self tie or out of range");
                }
            }
        }
        // Binomial(160000, 0.1): sd = 120; 5 sd.
        assert!((rewired as f64 - 16_000.0).abs() < 600.0, "{rewired}");
    }

    #[test]
    fn reverse_index_lists_every_rewired_tie_by_target() {
        let n = 700;
        let net = build(&[n as u64], 8, 0.2);
        let rev = Reverse::build(&net, 0, n);
        let mut from_index: Vec<(usize, usize)> = Vec::new();
        for j in 0..n {
            from_index.extend(rev.sources(j / 64, (j % 64) as u32).iter().map(|&i| (j, i as usize)));
        }
        let mut direct: Vec<(usize, usize)> = Vec::new();
        for i in 0..n {
            for t in 0..8 {
                if net.mask(0, i) >> t & 1 == 1 {
                    direct.push((net.rewired_target(0, i, t, n), i));
                }
            }
        }
        from_index.sort();
        direct.sort();
        assert_eq!(from_index, direct);
    }

    #[test]
    fn regions_have_separate_masks() {
        let net = build(&[10, 11], 8, 1.0);
        for i in 0..11 {
            assert_eq!(net.mask(1, i), 0xFF);
            for t in 0..8 {
                assert!(net.rewired_target(1, i, t, 11) < 11);
            }
        }
    }
}
