//! What happens to youths in a month: the narco door (5), careers (4), prison, the
//! legitimate doors (3), scholarships (6.1) and the end of youth-jobs placements (6.2).
//!
//! A youth's month reads only the start-of-month snapshot for anything that concerns other
//! youths: the aggregates (through `RegionTables`, built once a month per region) and the
//! snapshot's member bitmap (for its own member peers). Each youth changes at most once.
//!
//! Every probability that a youth can face takes one of a few dozen values per region and
//! month (member peers × age band × sex, door × minority × member peers, cartel × rank), so
//! they are precomputed as 32-bit thresholds: the common path of a youth-month is one random
//! draw and a handful of table reads. A youth's member peers are counted only when its draw
//! falls below the contact odds of a youth whose peers are all members, which happens about
//! once in a thousand youth-months.

mod rules;
mod situation;
mod tables;
#[cfg(test)]
mod tests;

pub use rules::sentence;
pub use situation::{SITUATIONS, Situation};
pub use tables::{Census, RegionTables, region_tables};

use super::contact::next_class;
use super::network::Network;
use super::params::{AGE_ADULT, AGE_ENTRY, AGE_EXIT, Params, RANKS};
use super::state::{YouthChunk, add_count_rows, add_counts, flag, status};
use crate::contact::CLASSES;
use crate::rng::Stream;
use rules::{Draw, Month, rare_youth};

/// The snapshot a youth reads to count its member peers.
pub struct PeerInput<'a> {
    pub network: &'a Network,
    /// The region's words of the snapshot's member bitmap (plus its padding word).
    pub bits: &'a [u64],
    pub region_len: usize,
}

/// The flows and end-of-month stocks of one chunk (all in one region).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub recruits: u64,
    pub minor_recruits: u64,
    pub deaths: u64,
    pub arrests: u64,
    pub exits: u64,
    pub ageouts: u64,
    /// End-of-month school, work, idle and prison.
    pub stocks: [u64; 4],
    /// End-of-month members by cartel and rank.
    pub members: Vec<[u32; RANKS]>,
    /// Start-of-month scholarship holders in School where the lever is active (cost 6.1).
    pub scholarship_holders: u64,
    /// Placements still running after this month's ends and recruitments.
    pub placements: u64,
    /// Idle adults marked as youth-jobs candidates, by hiring group (`jobs::group`).
    pub candidates: [u64; 2],
    /// Next month's free youths by contact class (the census's `free`).
    pub free_next: [u64; CLASSES],
}

impl Tally {
    pub fn new(cartels: usize) -> Self {
        Tally { members: vec![[0; RANKS]; cartels], ..Tally::default() }
    }

    /// Adds another tally (chunk reductions). Every field is named, so that a new one
    /// cannot be forgotten here.
    pub fn add(&mut self, o: &Tally) {
        let Tally {
            recruits,
            minor_recruits,
            deaths,
            arrests,
            exits,
            ageouts,
            stocks,
            members,
            scholarship_holders,
            placements,
            candidates,
            free_next,
        } = o;
        self.recruits += recruits;
        self.minor_recruits += minor_recruits;
        self.deaths += deaths;
        self.arrests += arrests;
        self.exits += exits;
        self.ageouts += ageouts;
        add_counts(&mut self.stocks, stocks);
        add_count_rows(&mut self.members, members);
        self.scholarship_holders += scholarship_holders;
        self.placements += placements;
        add_counts(&mut self.candidates, candidates);
        add_counts(&mut self.free_next, free_next);
    }
}

/// Every youth of the chunk lives its month. `next_bits` are the chunk's words of the next
/// snapshot's member bitmap (the chunk starts on a word).
///
/// Most youth-months are a free youth who is not contacted and does not change door. That
/// case is decided by two table reads (`situations` and `contact_max`) and handled by a tight loop
/// over each block of 64 youths (`common_block`), which only marks the others; they then go
/// one by one through the full rules (`rare_youth`). Keeping the rare rules out of the
/// tight loop leaves it few live values, so it runs from registers instead of spilling to
/// the stack. The order in which youths are handled does not matter: each reads only the
/// snapshot, its own state and its own random stream, and the tallies are integer sums.
pub fn update_chunk(
    c: &mut YouthChunk,
    t: &RegionTables,
    peers: &PeerInput,
    key: u64,
    next_bits: &mut [u64],
    tally: &mut Tally,
) {
    let k1 = t.peers as usize + 1;
    let len = c.len();
    // The common path's tallies, kept apart so that they stay in registers or nearby.
    let mut acc = Tally::default();
    for (b, bits) in next_bits.iter_mut().enumerate().take(len.div_ceil(64)) {
        let block = b * 64..(b * 64 + 64).min(len);
        let mut rare = common_block(c, block.clone(), key, t, &mut acc);
        let mut word = 0u64;
        let month = Month { t, peers, key, k1 };
        while rare != 0 {
            let j = rare.trailing_zeros();
            rare &= rare - 1;
            if rare_youth(c, block.start + j as usize, &month, tally) {
                word |= 1 << j;
            }
        }
        *bits = word;
    }
    tally.add(&acc);
}

/// The common path over one block of at most 64 youths of the chunk:
/// ages every youth, settles those who are free, not contacted and stay at their door, and
/// returns the mask of the others, which `rare_youth` must handle. A running youth-jobs
/// placement counts down here too, unless this is its last month (its end is a change of
/// door, with a draw against `retention`, left to the full rules).
#[inline(always)]
fn common_block(
    c: &mut YouthChunk,
    block: std::ops::Range<usize>,
    key: u64,
    t: &RegionTables,
    acc: &mut Tally,
) -> u64 {
    let slot = c.first_slot + block.start;
    let age = &mut c.age[block.clone()];
    let n = age.len();
    let status = &c.status[block.clone()][..n];
    let flags = &mut c.flags[block.clone()][..n];
    let months_left = &mut c.months_left[block][..n];
    let mut rare = 0u64;
    let mut stream = Stream::for_slot(key, slot);
    for j in 0..n {
        let draw = Draw::of(stream.clone().next_u64());
        stream.skip_slot();
        let a = age[j] + 1;
        age[j] = a;
        let st = status[j];
        let stored = flags[j];
        if !status::is_free(st) || a >= AGE_EXIT {
            rare |= 1 << j;
            continue;
        }
        let e = t.situations[situation::index(st, a, stored)];
        if draw.lo < t.contact_max[e.class()] || draw.hi < e.leave_odds() {
            rare |= 1 << j;
            continue;
        }
        if stored & flag::PLACEMENT != 0 {
            // A Work youth in a placement (the situation table sends any other status with
            // the mark to the full rules); its leave odds are 0, as it cannot lose the job.
            let left = months_left[j];
            if left <= 1 {
                rare |= 1 << j;
                continue;
            }
            months_left[j] = left - 1;
            acc.placements += 1;
        }
        acc.scholarship_holders += e.holder();
        acc.candidates[e.group()] += e.candidate();
        // Most youths' flags do not change; not writing them back keeps their cache lines
        // clean, which saves memory bandwidth when two threads stream through a large
        // population (docs/performance.md).
        let kept = e.kept_flags();
        if kept != stored {
            flags[j] = kept;
        }
        acc.stocks[st as usize] += 1;
        if let Some(cls) = next_class(st, a, stored) {
            acc.free_next[cls] += 1;
        }
    }
    rare
}

/// Initial state of one chunk (section 1), except initial members, which need a draw
/// without replacement over the region and are placed by `init::initial_members`.
pub fn init_chunk(c: &mut YouthChunk, params: &Params, key: u64) {
    let reg = &params.regions[c.region];
    let y = &params.youth;
    for i in 0..c.len() {
        let mut rng = Stream::for_slot(key, c.first_slot + i);
        let age = AGE_ENTRY + rng.below((AGE_EXIT - AGE_ENTRY) as u64) as u16;
        let poor = rng.uniform() < reg.poverty;
        let female = rng.uniform() < y.female_share;
        let mut f = if poor { flag::POOR } else { 0 } | if female { flag::FEMALE } else { 0 };
        let st = if age < AGE_ADULT {
            if rng.uniform() < y.initial_out_of_school { status::IDLE } else { status::SCHOOL }
        } else {
            let g = if poor { y.initial_graduation_poor } else { y.initial_graduation };
            if rng.uniform() < g {
                f |= flag::GRADUATED;
            }
            if rng.uniform() < y.initial_employment { status::WORK } else { status::IDLE }
        };
        c.age[i] = age;
        c.status[i] = st;
        c.flags[i] = f;
        c.cartel[i] = 0;
        c.months_left[i] = 0;
    }
}

/// Moves members of cartel `from` in this chunk to cartel `to` with probability `u`
/// (a kingpin split, 6.6). Returns the moved members by rank.
pub fn split_chunk(c: &mut YouthChunk, from: u16, to: u16, u: f64, key: u64) -> [u32; RANKS] {
    let mut moved = [0; RANKS];
    for i in 0..c.len() {
        let s = c.status[i];
        if status::is_member(s) && c.cartel[i] == from {
            let mut rng = Stream::for_slot(key, c.first_slot + i);
            if rng.uniform() < u {
                c.cartel[i] = to;
                moved[status::rank(s)] += 1;
            }
        }
    }
    moved
}
