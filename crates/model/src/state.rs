//! The state of one replicate: youths as a structure of arrays, regions, cartels.
//!
//! Youths are stored slot by slot, the regions' slots contiguous, in small integers: a youth
//! is 8 bytes of state plus its share of the peer network and the two member bitmaps (about
//! 9.3 bytes in all with 8 peers). There are no per-youth objects; rules read and write the
//! arrays through chunk views (`YouthChunk`), so a chunk can be handed to any thread.

use super::params::{AGE_ADULT, Params, RANKS};

/// Youth status codes. Members carry their rank in the code (4 + rank − 1), so counting
/// members by rank is one table lookup.
pub mod status {
    pub const SCHOOL: u8 = 0;
    pub const WORK: u8 = 1;
    pub const IDLE: u8 = 2;
    pub const PRISON: u8 = 3;
    pub const MEMBER1: u8 = 4;
    pub const MEMBER4: u8 = 7;

    /// School, Work or Idle: the youths who face the narco door.
    #[inline(always)]
    pub fn is_free(s: u8) -> bool {
        s < PRISON
    }

    #[inline(always)]
    pub fn is_member(s: u8) -> bool {
        s >= MEMBER1
    }

    /// Rank index 0..=3 of a member code.
    #[inline(always)]
    pub fn rank(s: u8) -> usize {
        (s - MEMBER1) as usize
    }
}

/// Bit flags of a youth.
pub mod flag {
    /// ses below the region's poverty line (ses itself is used for nothing else).
    pub const POOR: u8 = 1;
    pub const FEMALE: u8 = 2;
    pub const GRADUATED: u8 = 4;
    /// Has been in prison.
    pub const RECORD: u8 = 8;
    pub const SCHOLARSHIP: u8 = 16;
    /// Has taken part in the scholarship lottery (a youth draws once, the first month it is
    /// poor and in school while the lever is active).
    pub const DRAWN: u8 = 32;
    /// In a youth-jobs placement (status Work, `months_left` counts it down).
    pub const PLACEMENT: u8 = 64;
    /// This month's youth-jobs candidate: Idle adult at the start of the month, still Idle.
    pub const CANDIDATE: u8 = 128;
    /// Flags that belong to a person, not to the slot: cleared when a slot is recycled.
    pub const PERSONAL: u8 = !0;
}

/// Where each region's youths live in the arrays and bitmaps.
#[derive(Clone, Debug)]
pub struct Layout {
    /// First slot of each region, plus a final entry equal to the total.
    pub start: Vec<usize>,
    /// First 64-bit word of each region in a member bitmap; each region starts on a word so
    /// that chunks aligned to 64 youths never share a word.
    pub word: Vec<usize>,
    /// Total words of a member bitmap, including one padding word per region for
    /// unaligned 64-bit window reads.
    pub words: usize,
}

impl Layout {
    pub fn new(sizes: &[u64]) -> Layout {
        let mut start = Vec::with_capacity(sizes.len() + 1);
        let mut word = Vec::with_capacity(sizes.len());
        let (mut s, mut w) = (0usize, 0usize);
        for &n in sizes {
            start.push(s);
            word.push(w);
            s += n as usize;
            w += (n as usize).div_ceil(64) + 1;
        }
        start.push(s);
        Layout { start, word, words: w }
    }

    pub fn regions(&self) -> usize {
        self.word.len()
    }

    pub fn len(&self, r: usize) -> usize {
        self.start[r + 1] - self.start[r]
    }

    pub fn total(&self) -> usize {
        *self.start.last().unwrap_or(&0)
    }

    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }
}

/// The youths' arrays. Index = slot.
#[derive(Clone, Debug, Default)]
pub struct Youths {
    /// Age in months, 144..=359 between months.
    pub age: Vec<u16>,
    pub status: Vec<u8>,
    /// Cartel index while a member.
    pub cartel: Vec<u16>,
    /// Prison months remaining, or placement months remaining. A `u8` suffices: nobody
    /// has more than 215 months left before leaving at 360, so longer draws are capped.
    pub months_left: Vec<u8>,
    pub flags: Vec<u8>,
}

impl Youths {
    pub fn with_len(n: usize) -> Youths {
        Youths {
            age: vec![0; n],
            status: vec![0; n],
            cartel: vec![0; n],
            months_left: vec![0; n],
            flags: vec![0; n],
        }
    }

    pub fn len(&self) -> usize {
        self.age.len()
    }

    pub fn is_empty(&self) -> bool {
        self.age.is_empty()
    }

    /// A view of slots `range` (which lie in region `region`, at local index `local`).
    pub fn chunk_mut(
        &mut self,
        range: std::ops::Range<usize>,
        region: usize,
        local: usize,
    ) -> YouthChunk<'_> {
        YouthChunk {
            region,
            first_slot: range.start,
            first_local: local,
            age: &mut self.age[range.clone()],
            status: &mut self.status[range.clone()],
            cartel: &mut self.cartel[range.clone()],
            months_left: &mut self.months_left[range.clone()],
            flags: &mut self.flags[range],
        }
    }
}

/// A contiguous run of youths of one region, as mutable slices of every array.
pub struct YouthChunk<'a> {
    pub region: usize,
    /// Global slot of element 0 (seeds the youths' random streams).
    pub first_slot: usize,
    /// Index of element 0 within its region (addresses the region's network and bitmap).
    pub first_local: usize,
    pub age: &'a mut [u16],
    pub status: &'a mut [u8],
    pub cartel: &'a mut [u16],
    pub months_left: &'a mut [u8],
    pub flags: &'a mut [u8],
}

impl<'a> YouthChunk<'a> {
    pub fn len(&self) -> usize {
        self.age.len()
    }

    pub fn is_empty(&self) -> bool {
        self.age.is_empty()
    }

    /// Splits off the first `n` youths.
    pub fn split_at(self, n: usize) -> (YouthChunk<'a>, YouthChunk<'a>) {
        let (a0, a1) = self.age.split_at_mut(n);
        let (s0, s1) = self.status.split_at_mut(n);
        let (c0, c1) = self.cartel.split_at_mut(n);
        let (m0, m1) = self.months_left.split_at_mut(n);
        let (f0, f1) = self.flags.split_at_mut(n);
        (
            YouthChunk {
                region: self.region,
                first_slot: self.first_slot,
                first_local: self.first_local,
                age: a0,
                status: s0,
                cartel: c0,
                months_left: m0,
                flags: f0,
            },
            YouthChunk {
                region: self.region,
                first_slot: self.first_slot + n,
                first_local: self.first_local + n,
                age: a1,
                status: s1,
                cartel: c1,
                months_left: m1,
                flags: f1,
            },
        )
    }
}

/// The changing state of a region (section 7).
#[derive(Clone, Debug, PartialEq)]
pub struct RegionState {
    pub corruption: f64,
    pub efficacy: f64,
    pub shock: f64,
}

/// A cartel: the scenario's, or a splinter created by a kingpin removal.
#[derive(Clone, Debug, PartialEq)]
pub struct Cartel {
    pub name: String,
    pub predatory: bool,
    /// Territory share per region.
    pub territory: Vec<f64>,
    /// The leader is present (a removal target) from this reported month on.
    pub leader_back: i64,
}

/// Member counts by cartel, region and rank, counted from the youths.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemberCounts {
    pub regions: usize,
    /// Index `k * regions + r`.
    pub by_cartel_region: Vec<[u32; RANKS]>,
}

impl MemberCounts {
    pub fn new(cartels: usize, regions: usize) -> Self {
        MemberCounts { regions, by_cartel_region: vec![[0; RANKS]; cartels * regions] }
    }

    pub fn cartels(&self) -> usize {
        self.by_cartel_region.len().checked_div(self.regions).unwrap_or(0)
    }

    pub fn get(&self, k: usize, r: usize) -> &[u32; RANKS] {
        &self.by_cartel_region[k * self.regions + r]
    }

    pub fn get_mut(&mut self, k: usize, r: usize) -> &mut [u32; RANKS] {
        &mut self.by_cartel_region[k * self.regions + r]
    }

    /// M[k, r].
    pub fn cartel_region(&self, k: usize, r: usize) -> u64 {
        self.get(k, r).iter().map(|&x| x as u64).sum()
    }

    /// M[k] and M[k, j] nationally.
    pub fn cartel_ranks(&self, k: usize) -> [u64; RANKS] {
        let mut out = [0u64; RANKS];
        for r in 0..self.regions {
            for (j, o) in out.iter_mut().enumerate() {
                *o += self.get(k, r)[j] as u64;
            }
        }
        out
    }

    pub fn cartel_total(&self, k: usize) -> u64 {
        self.cartel_ranks(k).iter().sum()
    }

    /// M_r.
    pub fn region_total(&self, r: usize) -> u64 {
        (0..self.cartels()).map(|k| self.cartel_region(k, r)).sum()
    }

    /// Adds a cartel with no members.
    pub fn add_cartel(&mut self) {
        self.by_cartel_region.extend(std::iter::repeat_n([0; RANKS], self.regions));
    }

    /// Adds another tally (chunk reductions). Every field is named, so that a new one
    /// cannot be forgotten here.
    pub fn add(&mut self, other: &MemberCounts) {
        let MemberCounts { regions: _, by_cartel_region } = other;
        add_count_rows(&mut self.by_cartel_region, by_cartel_region);
    }
}

/// Adds counts element by element.
#[inline]
pub fn add_counts<T: Copy + std::ops::AddAssign, const N: usize>(a: &mut [T; N], b: &[T; N]) {
    for (x, &y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// Adds rows of counts element by element, first growing `a` to `b`'s length.
pub fn add_count_rows<const N: usize>(a: &mut Vec<[u32; N]>, b: &[[u32; N]]) {
    if a.len() < b.len() {
        a.resize(b.len(), [0; N]);
    }
    for (x, y) in a.iter_mut().zip(b) {
        add_counts(x, y);
    }
}

/// Everything that changes during a replicate.
#[derive(Clone, Debug)]
pub struct World {
    pub layout: Layout,
    pub youths: Youths,
    /// Member bitmap of the current snapshot (start of the month).
    pub members_now: Vec<u64>,
    /// Member bitmap being written for the next month.
    pub members_next: Vec<u64>,
    /// Rewired-tie masks, `peers` bits per youth, each region starting on a byte.
    pub network: super::network::Network,
    pub regions: Vec<RegionState>,
    pub cartels: Vec<Cartel>,
    /// Member counts of the snapshot (end of the previous month).
    pub counts: MemberCounts,
    /// Kingpin removals decided so far by the cumulative rate (section 6.6).
    pub kingpin_done: u64,
    /// The cumulative, ramped removal rate up to the current month.
    pub kingpin_cumulative: f64,
}

impl World {
    /// Bytes of state per youth for `peers` peers rewired with probability `rewire`: the
    /// arrays, the mask bits, the two member bitmaps and the reverse index of rewired ties
    /// (5 bytes per tie, 8 per 64 youths). This is what the memory check multiplies.
    pub fn bytes_per_youth(peers: u32, rewire: f64) -> f64 {
        let arrays = 2 + 1 + 2 + 1 + 1;
        arrays as f64 + peers as f64 / 8.0 + 2.0 / 8.0 + 5.0 * peers as f64 * rewire + 8.0 / 64.0
    }

    /// Is `age` (after this month's increment) that of a minor for the juvenile law?
    #[inline(always)]
    pub fn is_minor(age: u16) -> bool {
        age < AGE_ADULT
    }

    /// Builds the empty shell of a replicate's world from validated parameters.
    pub fn empty(params: &Params) -> World {
        let sizes: Vec<u64> = params.regions.iter().map(|r| r.youths).collect();
        let layout = Layout::new(&sizes);
        let n = layout.total();
        let network = super::network::Network::empty(&sizes, params.population.peers);
        let regions = params
            .regions
            .iter()
            .map(|r| RegionState { corruption: r.corruption, efficacy: r.collective_efficacy, shock: 0.0 })
            .collect();
        let cartels = params
            .cartel_list
            .iter()
            .map(|c| Cartel {
                name: c.name.clone(),
                predatory: c.predatory,
                territory: c.territory.clone(),
                leader_back: i64::MIN,
            })
            .collect();
        World {
            youths: Youths::with_len(n),
            members_now: vec![0; layout.words],
            members_next: vec![0; layout.words],
            network,
            regions,
            cartels,
            counts: MemberCounts::new(params.cartel_list.len(), params.regions.len()),
            kingpin_done: 0,
            kingpin_cumulative: 0.0,
            layout,
        }
    }

    /// presence_r = Σ_k T[k, r].
    pub fn presence(&self, r: usize) -> f64 {
        self.cartels.iter().map(|c| c.territory[r]).sum()
    }

    /// A cartel is active while it has members or territory anywhere.
    pub fn cartel_active(&self, k: usize) -> bool {
        self.counts.cartel_total(k) > 0 || self.cartels[k].territory.iter().any(|&t| t > 0.0)
    }

    /// Rebuilds `counts` and the current member bitmap from the youths (after
    /// initialisation; the month loop keeps them up to date itself).
    pub fn recount(&mut self) {
        let mut counts = MemberCounts::new(self.cartels.len(), self.layout.regions());
        self.members_now.iter_mut().for_each(|w| *w = 0);
        for r in 0..self.layout.regions() {
            let (s, e) = (self.layout.start[r], self.layout.start[r + 1]);
            for i in s..e {
                let st = self.youths.status[i];
                if status::is_member(st) {
                    counts.get_mut(self.youths.cartel[i] as usize, r)[status::rank(st)] += 1;
                    let local = i - s;
                    self.members_now[self.layout.word[r] + local / 64] |= 1 << (local % 64);
                }
            }
        }
        self.counts = counts;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_aligns_regions_to_words_with_padding() {
        let l = Layout::new(&[10, 64, 65]);
        assert_eq!(l.start, vec![0, 10, 74, 139]);
        assert_eq!(l.word, vec![0, 2, 4]);
        assert_eq!(l.words, 4 + 2 + 1);
        assert_eq!(l.len(2), 65);
    }

    #[test]
    fn chunk_split_keeps_positions() {
        let mut y = Youths::with_len(10);
        let c = y.chunk_mut(2..9, 1, 0);
        let (a, b) = c.split_at(3);
        assert_eq!((a.first_slot, a.first_local, a.len()), (2, 0, 3));
        assert_eq!((b.first_slot, b.first_local, b.len()), (5, 3, 4));
    }

    #[test]
    fn counts_add_and_total() {
        let mut a = MemberCounts::new(2, 2);
        a.get_mut(1, 0)[2] = 3;
        let mut b = MemberCounts::new(2, 2);
        b.get_mut(1, 1)[0] = 4;
        a.add(&b);
        assert_eq!(a.cartel_total(1), 7);
        assert_eq!(a.region_total(0), 3);
        assert_eq!(a.cartel_ranks(1), [4, 0, 3, 0]);
        a.add_cartel();
        assert_eq!(a.cartels(), 3);
    }
}
