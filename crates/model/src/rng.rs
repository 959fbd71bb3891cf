//! Portable, counter-based random streams.
//!
//! Every random number in a run is a pure function of (seed, replicate, month, purpose,
//! slot or region, draw index). That is what makes results bit-identical for any thread
//! count and any chunking: no generator is shared between youths, so the order in which
//! threads visit them cannot matter.
//!
//! The generator is SplitMix64 (Steele, Lea & Flood 2014): output n of a stream with start
//! s is `mix64(s + n·γ)`. It passes BigCrush, costs a few multiplications per draw and its
//! state is one `u64`, so a youth's stream for a month is created for free from its slot
//! number. Keys for streams are built by hashing the identifying words with the same mix.

use rand::rand_core::{Infallible, TryRng};

/// SplitMix64's increment, the golden-ratio constant.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// Draws reserved per youth per month. A youth never uses more than about ten (one for the
/// common path, a few when it is contacted, arrested or recycled); reserving 64 keeps the
/// streams of neighbouring slots disjoint by construction.
const DRAWS_PER_SLOT: u64 = 64;

/// SplitMix64's finaliser: a bijective 64-bit mix.
#[inline(always)]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes a sequence of words into a stream key. Different sequences give unrelated keys.
pub fn key(words: &[u64]) -> u64 {
    let mut h = 0x243F_6A88_85A3_08D3_u64;
    for &w in words {
        h = mix64(h ^ mix64(w.wrapping_add(GAMMA)));
    }
    h
}

/// What a stream is for: keeps the streams of different rules apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    Init = 1,
    Network = 2,
    Youths = 3,
    Regions = 4,
    Kingpin = 5,
    Split = 6,
    Hiring = 7,
}

/// The keys of one replicate: every stream of the run is derived from these.
#[derive(Clone, Copy, Debug)]
pub struct ReplicateKeys {
    seed: u64,
    replicate: u64,
}

impl ReplicateKeys {
    pub fn new(seed: u64, replicate: u32) -> Self {
        ReplicateKeys { seed, replicate: replicate as u64 }
    }

    /// Key of a purpose in simulated month `step` (0 = first burn-in month).
    pub fn month(&self, purpose: Purpose, step: u64) -> u64 {
        key(&[self.seed, self.replicate, purpose as u64, step])
    }

    /// Key of a purpose that is not tied to a month (initial state, network).
    pub fn once(&self, purpose: Purpose) -> u64 {
        key(&[self.seed, self.replicate, purpose as u64, u64::MAX])
    }
}

/// A SplitMix64 stream.
#[derive(Clone, Debug)]
pub struct Stream {
    state: u64,
}

impl Stream {
    /// The stream of a whole key (for region-level, sequential draws).
    #[inline]
    pub fn new(key: u64) -> Self {
        Stream { state: key }
    }

    /// Youth `slot`'s stream within a month key: a disjoint block of the key's sequence.
    #[inline(always)]
    pub fn for_slot(key: u64, slot: usize) -> Self {
        Stream { state: key.wrapping_add((slot as u64).wrapping_mul(DRAWS_PER_SLOT.wrapping_mul(GAMMA))) }
    }

    /// Moves a fresh slot stream to the next slot's start: `for_slot(key, s)` becomes
    /// `for_slot(key, s + 1)` with an addition instead of a multiplication.
    #[inline(always)]
    pub fn skip_slot(&mut self) {
        self.state = self.state.wrapping_add(DRAWS_PER_SLOT.wrapping_mul(GAMMA));
    }

    /// A sub-stream of `key` for item `i` (a region, a cartel), unrelated to the others.
    #[inline]
    pub fn for_item(key: u64, i: usize) -> Self {
        Stream { state: self::key(&[key, i as u64]) }
    }

    #[inline(always)]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix64(self.state)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    #[inline(always)]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform double in (0, 1], safe for logarithms.
    #[inline(always)]
    pub fn uniform_open0(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p` (clamped to [0, 1]).
    #[inline(always)]
    pub fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// A uniform integer in [0, n) for n ≥ 1 (Lemire's multiply-shift; the bias is at most
    /// n/2^64, far below anything a run could detect).
    #[inline(always)]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
}

/// So that `rand_distr` distributions (Poisson, ...) can draw from a stream.
impl TryRng for Stream {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_u64() >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

/// A probability as a threshold for a 32-bit uniform draw: `draw < threshold` has
/// probability p to within 2^-32. p ≥ 1 gives 2^32, which every draw is below.
#[inline]
pub fn threshold32(p: f64) -> u64 {
    if p.is_nan() || p <= 0.0 {
        0
    } else if p >= 1.0 {
        1 << 32
    } else {
        (p * 4_294_967_296.0).round() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // First outputs of SplitMix64 seeded with 1234567, from the published reference
        // implementation's well-known test vector.
        let mut s = Stream::new(1234567);
        let expect = [6457827717110365317u64, 3203168211198807973, 9817491932198370423];
        for e in expect {
            assert_eq!(s.next_u64(), e);
        }
    }

    #[test]
    fn slot_streams_do_not_overlap() {
        let k = key(&[1, 2, 3]);
        let mut a = Stream::for_slot(k, 5);
        let b = Stream::for_slot(k, 6);
        for _ in 0..DRAWS_PER_SLOT {
            a.next_u64();
        }
        // After its reserved block, slot 5's stream reaches exactly slot 6's start.
        assert_eq!(a.state, b.state);
    }

    #[test]
    fn skip_slot_moves_to_the_next_slot() {
        let k = key(&[9]);
        for slot in [0usize, 1, 1_000_003, usize::MAX / 64] {
            let mut s = Stream::for_slot(k, slot);
            s.skip_slot();
            assert_eq!(s.next_u64(), Stream::for_slot(k, slot + 1).next_u64());
        }
    }

    #[test]
    fn keys_separate_their_inputs() {
        let keys = ReplicateKeys::new(1, 0);
        assert_ne!(keys.month(Purpose::Youths, 0), keys.month(Purpose::Youths, 1));
        assert_ne!(keys.month(Purpose::Youths, 0), keys.month(Purpose::Regions, 0));
        assert_ne!(ReplicateKeys::new(1, 1).month(Purpose::Youths, 0), keys.month(Purpose::Youths, 0));
        assert_ne!(ReplicateKeys::new(2, 0).month(Purpose::Youths, 0), keys.month(Purpose::Youths, 0));
    }

    #[test]
    fn uniform_mean_and_below_range() {
        let mut s = Stream::new(42);
        let n = 200_000;
        let mean = (0..n).map(|_| s.uniform()).sum::<f64>() / n as f64;
        // The mean of n uniforms has sd 1/sqrt(12 n) ≈ 0.00065; 5 sd.
        assert!((mean - 0.5).abs() < 0.0033, "mean {mean}");
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            counts[s.below(7) as usize] += 1;
        }
        // Each count is Binomial(70000, 1/7): sd ≈ 92.6; 5 sd.
        assert!(counts.iter().all(|&c| (c as f64 - 10_000.0).abs() < 463.0), "{counts:?}");
    }

    #[test]
    fn thresholds_cover_the_extremes() {
        assert_eq!(threshold32(0.0), 0);
        assert_eq!(threshold32(-1.0), 0);
        assert_eq!(threshold32(1.0), 1 << 32);
        assert_eq!(threshold32(0.5), 1 << 31);
        assert!((u32::MAX as u64) < threshold32(1.0));
    }
}
