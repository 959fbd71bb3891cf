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

use super::contact::{self, CLASSES, class, class_weights, next_class, weight_sum};
use super::jobs;
use super::network::{Network, member_peers};
use super::params::{AGE_ADULT, AGE_ENTRY, AGE_EXIT, AGE_UPPER_SECONDARY, Params, RANKS};
use super::policy::{RegionLevers, round_half_up};
use super::region::RegionNow;
use super::state::{MemberCounts, YouthChunk, flag, status};
use crate::rng::{Stream, threshold32};

/// The snapshot a youth reads to count its member peers.
pub struct PeerInput<'a> {
    pub network: &'a Network,
    /// The region's words of the snapshot's member bitmap (plus its padding word).
    pub bits: &'a [u64],
    pub region_len: usize,
}

/// Door classes of a free youth for the value of its current door, v_i.
const DOOR_SCHOOL: usize = 0;
const DOOR_SCHOOL_SCHOLARSHIP: usize = 1;
const DOOR_WORK: usize = 2;
const DOOR_PLACEMENT: usize = 3;
const DOOR_IDLE: usize = 4;
const DOORS: usize = 5;

/// Everything a youth of one region can face this month, as thresholds for a 32-bit draw.
#[derive(Clone, Debug)]
pub struct RegionTables {
    pub peers: u32,
    /// P(contact) by `m × CLASSES + class`.
    pub contact: Vec<u64>,
    /// The highest P(contact) of each class (over m): below it, m must be counted. Padded
    /// with zeros to eight entries, so that the 3-bit class of a situation indexes it
    /// without a bounds check.
    pub contact_max: [u64; 8],
    /// P(join) by `(door × 2 + minor) × (peers + 1) + m`.
    pub join: Vec<u64>,
    /// Contacting cartel: cumulative probabilities over `cartel_ids`.
    pub cartel_ids: Vec<u16>,
    pub cartel_cum: Vec<f64>,
    /// Members' competing risks, cumulative (death, arrest, exit, promotion), by
    /// `cartel × RANKS + rank`.
    pub member: Vec<[u64; 4]>,
    /// Mean sentence for adults and minors (months, at least 1).
    pub sentence: [f64; 2],
    /// Dropout by `poor × 4 + upper_secondary × 2 + scholarship_effect`.
    pub dropout: [u64; 8],
    pub reentry: u64,
    /// Job finding by `graduated × 2 + record`.
    pub job_finding: [u64; 4],
    pub job_loss: u64,
    /// Scholarship lottery odds when the lever is active here.
    pub scholarship_lottery: Option<u64>,
    /// While a ramp raises coverage: the odds that an earlier loser wins now (D2).
    pub scholarship_redraw: Option<u64>,
    /// Youth-jobs retention at the end of a placement (the lever's, even once it ended).
    pub retention: u64,
    /// Mark Idle adults who stay Idle as placement candidates.
    pub hiring: bool,
    /// Poor candidates are hired first (group 0), the others after them (group 1);
    /// without targeting every candidate is in group 0.
    pub target_poor: bool,
    /// Newcomers: poor, female and out-of-school odds.
    pub newcomer: [u64; 3],
    /// Everything the common path needs to know of a free youth's situation, by
    /// `situation` (see `situation_table`).
    pub situations: Box<[u64; SITUATIONS]>,
    /// β_r, for reporting and tests.
    pub beta: f64,
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The contact census of a region: free youths by class and their ties to members.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Census {
    pub free: [u64; CLASSES],
    pub member_ties: [u64; CLASSES],
}

/// Builds region r's tables from its aggregates, its levers and its contact census.
pub fn region_tables(
    params: &Params,
    r: usize,
    now: &RegionNow,
    levers: &RegionLevers,
    census: &Census,
    counts: &MemberCounts,
    territory: &[Vec<f64>],
) -> RegionTables {
    let reg = &params.regions[r];
    let y = &params.youth;
    let ch = &params.choice;
    let ca = &params.cartels;
    let k = params.population.peers as usize;

    // Contact (5): β_r = K_r / Σ w_j over the free youths, P = 1 − exp(−β w).
    let weights = class_weights(params, levers.juvenile_ratio);
    let sum_w = weight_sum(&weights, &census.free, &census.member_ties, params);
    let no_cartel_here = now.presence <= 0.0;
    let beta = if sum_w > 0.0 && !no_cartel_here { now.contacts / sum_w } else { 0.0 };
    let mut contact = vec![0; (k + 1) * CLASSES];
    let mut contact_max = [0; 8];
    for m in 0..=k {
        for c in 0..CLASSES {
            let w = (1.0 + params.recruit.peer_contact * m as f64 / k as f64) * weights[c];
            let thr = threshold32(1.0 - (-beta * w).exp());
            contact[m * CLASSES + c] = thr;
            contact_max[c] = contact_max[c].max(thr);
        }
    }

    // Choice (5): the value of each door, the yearly risk of the career.
    let danger = 1.0 + params.violence.kappa * now.violence;
    let arrest1 = ca.arrest[0] * now.enforcement * (1.0 - now.corruption);
    let sentence_of = |minor: bool| {
        let s = params.justice.sentence_months * if minor { levers.juvenile_ratio } else { 1.0 };
        s.max(1.0)
    };
    let risk = |minor: bool| {
        12.0 * (arrest1 * sentence_of(minor) / 12.0 * ch.prison_weight
            + ca.death[0] * danger * ch.death_weight)
    };
    let lw = reg.legit_wage;
    let mut values = [0.0; DOORS];
    values[DOOR_SCHOOL] = lw * ch.school_value;
    values[DOOR_SCHOOL_SCHOLARSHIP] =
        values[DOOR_SCHOOL] + levers.scholarships.as_ref().map_or(0.0, |s| s.amount);
    values[DOOR_WORK] = lw;
    values[DOOR_PLACEMENT] = params.policy.youth_jobs.as_ref().map_or(lw, |l| l.p.stipend);
    values[DOOR_IDLE] = lw * ch.idle_value;
    let mut join = vec![0; DOORS * 2 * (k + 1)];
    for (door, v) in values.iter().enumerate() {
        for minor in [false, true] {
            let base = ch.intercept + (now.wage.max(1.0) / v.max(1.0)).ln()
                - (1.0 - ch.myopia) * risk(minor)
                - ch.stigma * now.efficacy;
            for m in 0..=k {
                let x = base + ch.peer_weight * m as f64 / k as f64;
                let p = ch.coercion + (1.0 - ch.coercion) * logistic(x);
                join[(door * 2 + minor as usize) * (k + 1) + m] = threshold32(p);
            }
        }
    }

    // The contacting cartel: proportional to room, else uniform over those present.
    let nk = territory.len();
    let mut cartel_ids = Vec::new();
    let mut weights_k = Vec::new();
    if now.presence > 0.0 {
        for (kk, t) in territory.iter().enumerate() {
            if t[r] > 0.0 {
                let room = (now.demand * t[r] / now.presence - counts.cartel_region(kk, r) as f64).max(0.0);
                cartel_ids.push(kk as u16);
                weights_k.push(room);
            }
        }
        if weights_k.iter().all(|&w| w <= 0.0) {
            weights_k.iter_mut().for_each(|w| *w = 1.0);
        }
    }
    let total: f64 = weights_k.iter().sum();
    let mut acc = 0.0;
    let cartel_cum = weights_k
        .iter()
        .map(|w| {
            acc += w / total;
            acc
        })
        .collect();

    // Careers (4): competing risks with national rank vacancies for promotion.
    let mut member = Vec::with_capacity(nk * RANKS);
    for kk in 0..nk {
        let ranks = counts.cartel_ranks(kk);
        let total_k: u64 = ranks.iter().sum();
        for j in 0..RANKS {
            let death = ca.death[j] * danger;
            let arrest = ca.arrest[j] * now.enforcement * (1.0 - now.corruption);
            let exit = ca.exit;
            let promo = if j + 1 < RANKS {
                let target = round_half_up(ca.rank_shares[j + 1] * total_k as f64);
                let vac = target.saturating_sub(ranks[j + 1]);
                ca.promotion * (vac as f64 / ranks[j].max(1) as f64).min(1.0)
            } else {
                0.0
            };
            let mut h = [death.max(0.0), arrest.max(0.0), exit, promo];
            let sum: f64 = h.iter().sum();
            if sum > 1.0 {
                h.iter_mut().for_each(|x| *x /= sum);
            }
            let mut cum = [0u64; 4];
            let mut acc = 0.0;
            for (c, x) in cum.iter_mut().zip(h) {
                acc += x;
                *c = threshold32(acc);
            }
            member.push(cum);
        }
    }

    // Legitimate doors (3).
    let sch_factor = levers.scholarships.as_ref().map_or(1.0, |s| s.dropout_factor);
    let mut dropout = [0; 8];
    for poor in 0..2 {
        for upper in 0..2 {
            for sch in 0..2 {
                let p = y.school_dropout
                    * if poor == 1 { y.poverty_dropout_multiplier } else { 1.0 }
                    * if upper == 1 { y.upper_secondary_multiplier } else { 1.0 }
                    * if sch == 1 { sch_factor } else { 1.0 };
                dropout[poor * 4 + upper * 2 + sch] = threshold32(p);
            }
        }
    }
    let mut job_finding = [0; 4];
    for grad in 0..2 {
        for rec in 0..2 {
            let p = y.job_finding
                * reg.job_finding_multiplier
                * if grad == 1 { y.graduate_job_bonus } else { 1.0 }
                * if rec == 1 { y.record_job_penalty } else { 1.0 };
            job_finding[grad * 2 + rec] = threshold32(p);
        }
    }

    let mut tables = RegionTables {
        peers: params.population.peers,
        contact,
        contact_max,
        join,
        cartel_ids,
        cartel_cum,
        member,
        sentence: [sentence_of(false), sentence_of(true)],
        dropout,
        reentry: threshold32(y.school_reentry),
        job_finding,
        job_loss: threshold32(y.job_loss),
        scholarship_lottery: levers.scholarships.as_ref().map(|s| threshold32(s.coverage)),
        scholarship_redraw: levers
            .scholarships
            .as_ref()
            .filter(|s| s.redraw > 0.0)
            .map(|s| threshold32(s.redraw)),
        retention: params.policy.youth_jobs.as_ref().map_or(0, |l| threshold32(l.p.retention)),
        hiring: levers.youth_jobs.is_some(),
        target_poor: levers.youth_jobs.as_ref().is_some_and(|j| j.target_poor),
        newcomer: [
            threshold32(reg.poverty),
            threshold32(y.female_share),
            threshold32(y.initial_out_of_school),
        ],
        situations: Box::new([0; SITUATIONS]),
        beta,
    };
    tables.situations = situation_table(&tables);
    tables
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

    pub fn add(&mut self, o: &Tally) {
        self.recruits += o.recruits;
        self.minor_recruits += o.minor_recruits;
        self.deaths += o.deaths;
        self.arrests += o.arrests;
        self.exits += o.exits;
        self.ageouts += o.ageouts;
        for j in 0..4 {
            self.stocks[j] += o.stocks[j];
        }
        if self.members.len() < o.members.len() {
            self.members.resize(o.members.len(), [0; RANKS]);
        }
        for (a, b) in self.members.iter_mut().zip(&o.members) {
            for j in 0..RANKS {
                a[j] += b[j];
            }
        }
        self.scholarship_holders += o.scholarship_holders;
        self.placements += o.placements;
        self.candidates[0] += o.candidates[0];
        self.candidates[1] += o.candidates[1];
        for c in 0..CLASSES {
            self.free_next[c] += o.free_next[c];
        }
    }
}

/// Puts a newcomer aged 144 months in slot `i` of the chunk: new ses and sex, in School
/// (Idle with probability initial_out_of_school), every personal flag cleared.
#[inline]
fn newcomer(c: &mut YouthChunk, i: usize, t: &RegionTables, rng: &mut Stream) {
    let u = rng.next_u64();
    let (a, b) = (u & 0xFFFF_FFFF, u >> 32);
    let v = rng.next_u64() & 0xFFFF_FFFF;
    let mut f = 0;
    if a < t.newcomer[0] {
        f |= flag::POOR;
    }
    if b < t.newcomer[1] {
        f |= flag::FEMALE;
    }
    c.flags[i] = f;
    c.age[i] = AGE_ENTRY;
    c.status[i] = if v < t.newcomer[2] { status::IDLE } else { status::SCHOOL };
    c.cartel[i] = 0;
    c.months_left[i] = 0;
}

/// A prison term: Geometric on {1, 2, …} with mean `mean`, capped at 255 months (a youth
/// leaves the model within 216 months, so the cap never shortens a served sentence).
#[inline]
pub fn sentence(mean: f64, rng: &mut Stream) -> u8 {
    if mean <= 1.0 {
        return 1;
    }
    let q = (1.0 - 1.0 / mean).ln();
    let k = 1.0 + (rng.uniform_open0().ln() / q).floor();
    k.min(255.0) as u8
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
        while rare != 0 {
            let j = rare.trailing_zeros();
            rare &= rare - 1;
            if rare_youth(c, block.start + j as usize, t, peers, key, k1, tally) {
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
        let r0 = stream.clone().next_u64();
        stream.skip_slot();
        let u_lo = r0 & 0xFFFF_FFFF;
        let u_hi = r0 >> 32;
        let a = age[j] + 1;
        age[j] = a;
        let st = status[j];
        let stored = flags[j];
        if !status::is_free(st) || a >= AGE_EXIT {
            rare |= 1 << j;
            continue;
        }
        let e = t.situations[situation(st, a, stored)];
        if u_lo < t.contact_max[(e >> sit::CLASS_SHIFT) as usize & 7] || u_hi < e & sit::STAY {
            rare |= 1 << j;
            continue;
        }
        if stored & flag::PLACEMENT != 0 {
            // A Work youth in a placement (the situation table sends any other status with
            // the mark to the full rules); its `stay` odds are 0, as it cannot lose the job.
            let left = months_left[j];
            if left <= 1 {
                rare |= 1 << j;
                continue;
            }
            months_left[j] = left - 1;
            acc.placements += 1;
        }
        acc.scholarship_holders += e >> sit::HOLDER_SHIFT & 1;
        acc.candidates[(e >> sit::GROUP_SHIFT & 1) as usize] += e >> sit::CANDIDATE_SHIFT & 1;
        // Most youths' flags do not change; not writing them back keeps their cache lines
        // clean, which saves memory bandwidth when two threads stream through a large
        // population (docs/performance.md).
        let new_flags = (e >> sit::FLAGS_SHIFT) as u8;
        if new_flags != stored {
            flags[j] = new_flags;
        }
        acc.stocks[st as usize] += 1;
        if let Some(cls) = next_class(st, a, stored) {
            acc.free_next[cls] += 1;
        }
    }
    rare
}

/// The full rules for youth `i` of the chunk, already aged by `common_block`: ageing out,
/// careers, prison, and free youths who are contacted or may change door. Returns whether
/// the youth is a member at the end of the month.
#[inline(never)]
fn rare_youth(
    c: &mut YouthChunk,
    i: usize,
    t: &RegionTables,
    peers: &PeerInput,
    key: u64,
    k1: usize,
    tally: &mut Tally,
) -> bool {
    let mut rng = Stream::for_slot(key, c.first_slot + i);
    let r0 = rng.next_u64();
    let u_lo = r0 & 0xFFFF_FFFF;
    let u_hi = r0 >> 32;
    let age = c.age[i];
    let st = c.status[i];
    let fl = c.flags[i] & !flag::CANDIDATE;
    c.flags[i] = fl;

    if age >= AGE_EXIT {
        // a. Ageing out: the slot gets a newcomer; that is the month's change.
        tally.ageouts += status::is_member(st) as u64;
        newcomer(c, i, t, &mut rng);
    } else if status::is_member(st) {
        // b. Careers: one draw split into competing risks.
        let j = status::rank(st);
        let cum = &t.member[c.cartel[i] as usize * RANKS + j];
        if u_lo < cum[0] {
            tally.deaths += 1;
            newcomer(c, i, t, &mut rng);
        } else if u_lo < cum[1] {
            tally.arrests += 1;
            c.status[i] = status::PRISON;
            c.flags[i] = fl | flag::RECORD;
            c.months_left[i] = sentence(t.sentence[(age < AGE_ADULT) as usize], &mut rng);
        } else if u_lo < cum[2] {
            tally.exits += 1;
            c.status[i] = status::IDLE;
        } else if u_lo < cum[3] {
            c.status[i] = st + 1;
        }
    } else if st == status::PRISON {
        // c. Serving a sentence.
        let left = c.months_left[i].saturating_sub(1);
        c.months_left[i] = left;
        if left == 0 {
            c.status[i] = status::IDLE;
            c.flags[i] = fl | flag::RECORD;
        }
    } else {
        free_youth(c, i, t, peers, k1, age, st, fl, u_lo, u_hi, &mut rng, tally);
    }

    // End-of-month stocks, next month's census class and the member bit.
    let s = c.status[i];
    if status::is_member(s) {
        tally.members[c.cartel[i] as usize][status::rank(s)] += 1;
        true
    } else {
        tally.stocks[s as usize] += 1;
        if s == status::WORK && c.flags[i] & flag::PLACEMENT != 0 {
            tally.placements += 1;
        }
        if let Some(cls) = next_class(s, c.age[i], c.flags[i]) {
            tally.free_next[cls] += 1;
        }
        false
    }
}

/// Entries of the situation table: 4 status codes (the three free ones used) × 4 age-band
/// codes (three used) × 256 flag patterns, so that any such triple indexes it in bounds.
pub const SITUATIONS: usize = 4 * 4 * 256;

/// Index of a free youth's situation (status, age band after this month's increment, stored
/// flags) in `RegionTables::situations`.
#[inline(always)]
fn situation(st: u8, age: u16, stored: u8) -> usize {
    ((st as usize & 3) << 10) | contact::band(age) << 8 | stored as usize
}

/// The fields of a situation table entry.
mod sit {
    /// Bits 0–32: the odds of leaving the current door by the legitimate doors (a 32-bit
    /// threshold; 2^32 = always).
    pub const STAY: u64 = (1 << 33) - 1;
    /// Bits 33–35: the contact class (age band × sex).
    pub const CLASS_SHIFT: u32 = 33;
    /// Bit 36: an Idle adult who stays Idle becomes a youth-jobs candidate.
    pub const CANDIDATE_SHIFT: u32 = 36;
    /// Bit 37: a scholarship holder in School (counted for the lever's cost).
    pub const HOLDER_SHIFT: u32 = 37;
    /// Bit 38: the candidate's hiring group.
    pub const GROUP_SHIFT: u32 = 38;
    /// Bits 40–47: the flags a youth who stays keeps (the candidate mark set or cleared).
    pub const FLAGS_SHIFT: u32 = 40;
}

/// What the common path needs of each free situation, decided once a month per region:
/// the odds of leaving the door (situations that need the full rules whatever the draw,
/// graduation at 216 and a scholarship lottery to draw, get odds 1; a running placement
/// gets odds 0, since the common path counts it down and sends its last month to the full
/// rules), the contact class, and the candidate mark, holder count and flags of a youth who
/// stays.
fn situation_table(t: &RegionTables) -> Box<[u64; SITUATIONS]> {
    let always = 1u64 << 32;
    let mut table = Box::new([0; SITUATIONS]);
    for st in [status::SCHOOL, status::WORK, status::IDLE] {
        for band in 0..3u16 {
            // An age in the band, for `situation`.
            let age = [AGE_ENTRY, AGE_UPPER_SECONDARY, AGE_ADULT][band as usize];
            for stored in 0..=255u8 {
                let fl = stored & !flag::CANDIDATE;
                let poor = fl & flag::POOR != 0;
                let holder = holds_scholarship(t, st, fl);
                let stay = match st {
                    // Only Work youths hold a placement; any other status with the mark
                    // (which the rules never produce) is left to the full rules.
                    _ if st != status::WORK && fl & flag::PLACEMENT != 0 => always,
                    status::SCHOOL if band == 2 => always,
                    status::SCHOOL if poor && scholarship_draw(t, fl).is_some() => always,
                    status::SCHOOL => dropout_odds(t, fl, band == 1, holder),
                    status::WORK if fl & flag::PLACEMENT != 0 => 0,
                    status::WORK => t.job_loss,
                    _ if band < 2 => t.reentry,
                    _ => job_finding_odds(t, fl),
                };
                let candidate = t.hiring && st == status::IDLE && band == 2;
                let new_flags = fl | if candidate { flag::CANDIDATE } else { 0 };
                table[situation(st, age, stored)] = stay
                    | (class(age, fl) as u64) << sit::CLASS_SHIFT
                    | (candidate as u64) << sit::CANDIDATE_SHIFT
                    | (holder as u64) << sit::HOLDER_SHIFT
                    | (jobs::group(t.target_poor, fl) as u64) << sit::GROUP_SHIFT
                    | (new_flags as u64) << sit::FLAGS_SHIFT;
            }
        }
    }
    table
}

/// Whether a youth's scholarship counts this month (6.1): a holder in School where the
/// lever is active (start-of-month state, for its effect on dropout and its cost).
#[inline(always)]
fn holds_scholarship(t: &RegionTables, st: u8, fl: u8) -> bool {
    st == status::SCHOOL && fl & flag::SCHOLARSHIP != 0 && t.scholarship_lottery.is_some()
}

/// A student's dropout odds, by poverty, level (upper secondary or not) and scholarship.
#[inline(always)]
fn dropout_odds(t: &RegionTables, fl: u8, upper_secondary: bool, holder: bool) -> u64 {
    t.dropout[(fl & flag::POOR != 0) as usize * 4 + upper_secondary as usize * 2 + holder as usize]
}

/// An Idle adult's odds of finding a job, by diploma and record.
#[inline(always)]
fn job_finding_odds(t: &RegionTables, fl: u8) -> u64 {
    t.job_finding[(fl & flag::GRADUATED != 0) as usize * 2 + (fl & flag::RECORD != 0) as usize]
}

/// The odds of a poor student's scholarship draw this month, if it draws: the first month
/// in School while the lever is active, and again while a ramp raises coverage if it lost.
#[inline]
fn scholarship_draw(t: &RegionTables, fl: u8) -> Option<u64> {
    if fl & flag::DRAWN == 0 {
        t.scholarship_lottery
    } else if fl & flag::SCHOLARSHIP == 0 {
        t.scholarship_redraw
    } else {
        None
    }
}

/// d. A youth in School, Work or Idle: the narco door first, then the legitimate doors.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn free_youth(
    c: &mut YouthChunk,
    i: usize,
    t: &RegionTables,
    peers: &PeerInput,
    k1: usize,
    age: u16,
    st: u8,
    fl: u8,
    u_lo: u64,
    u_hi: u64,
    rng: &mut Stream,
    tally: &mut Tally,
) {
    let minor = age < AGE_ADULT;
    let poor = fl & flag::POOR != 0;
    // 6.1: the scholarship's effect and cost use the start-of-month holders in School.
    let holder = holds_scholarship(t, st, fl);
    if holder {
        tally.scholarship_holders += 1;
    }
    if st == status::SCHOOL
        && poor
        && let Some(odds) = scholarship_draw(t, fl)
    {
        let won = (rng.next_u64() & 0xFFFF_FFFF) < odds;
        c.flags[i] |= flag::DRAWN | if won { flag::SCHOLARSHIP } else { 0 };
    }

    // The narco door (5). Member peers are counted only when contact is possible at all.
    let cls = class(age, fl);
    let m = if u_lo < t.contact_max[cls] {
        member_peers(peers.network, peers.bits, c.region, c.first_local + i, peers.region_len) as usize
    } else {
        usize::MAX
    };
    if m != usize::MAX && u_lo < t.contact[m * CLASSES + cls] {
        let door = match st {
            status::SCHOOL if holder => DOOR_SCHOOL_SCHOLARSHIP,
            status::SCHOOL => DOOR_SCHOOL,
            status::WORK if fl & flag::PLACEMENT != 0 => DOOR_PLACEMENT,
            status::WORK => DOOR_WORK,
            _ => DOOR_IDLE,
        };
        let u = rng.uniform();
        let pick = t.cartel_cum.iter().position(|&x| u < x).unwrap_or(t.cartel_ids.len() - 1);
        if (rng.next_u64() & 0xFFFF_FFFF) < t.join[(door * 2 + minor as usize) * k1 + m] {
            tally.recruits += 1;
            tally.minor_recruits += minor as u64;
            c.status[i] = status::MEMBER1;
            c.cartel[i] = t.cartel_ids[pick];
            c.flags[i] &= !flag::PLACEMENT;
            c.months_left[i] = 0;
            return;
        }
    }

    // The legitimate doors (3).
    match st {
        status::SCHOOL => {
            if age >= AGE_ADULT {
                c.status[i] = status::IDLE;
                c.flags[i] |= flag::GRADUATED;
            } else {
                if u_hi < dropout_odds(t, fl, age >= AGE_UPPER_SECONDARY, holder) {
                    c.status[i] = status::IDLE;
                }
            }
        }
        status::IDLE => {
            if age < AGE_ADULT {
                if u_hi < t.reentry {
                    c.status[i] = status::SCHOOL;
                }
            } else {
                if u_hi < job_finding_odds(t, fl) {
                    c.status[i] = status::WORK;
                } else if t.hiring {
                    c.flags[i] |= flag::CANDIDATE;
                    tally.candidates[jobs::group(t.target_poor, fl)] += 1;
                }
            }
        }
        _ => {
            // Work: a placement runs out its months, then the youth stays with probability
            // `retention`; an ordinary job is lost with probability job_loss.
            if fl & flag::PLACEMENT != 0 {
                let left = c.months_left[i].saturating_sub(1);
                c.months_left[i] = left;
                if left == 0 {
                    c.flags[i] &= !flag::PLACEMENT;
                    if u_hi >= t.retention {
                        c.status[i] = status::IDLE;
                    }
                }
            } else if u_hi < t.job_loss {
                c.status[i] = status::IDLE;
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::params::Params;
    use crate::model::policy::LeversNow;
    use crate::model::region::snapshot;
    use crate::model::state::{World, Youths};

    fn tables_for(p: &Params, w: &World, census: &Census) -> RegionTables {
        let lv = LeversNow::at(p, 0);
        let now = snapshot(w, p, &lv);
        let terr: Vec<Vec<f64>> = w.cartels.iter().map(|c| c.territory.clone()).collect();
        region_tables(p, 0, &now[0], &lv.regions[0], census, &w.counts, &terr)
    }

    fn some_free() -> Census {
        Census { free: [1; CLASSES], member_ties: [0; CLASSES] }
    }

    /// Runs one youth's month with an empty snapshot.
    fn live(y: &mut Youths, t: &RegionTables, p: &Params, key: u64, bits: &mut [u64; 1], tally: &mut Tally) {
        let w = World::empty(p);
        let input = PeerInput { network: &w.network, bits: &[0, 0], region_len: w.layout.len(0) };
        update_chunk(&mut one(y), t, &input, key, bits, tally);
    }

    /// A one-youth chunk for rule tests.
    fn one(y: &mut Youths) -> YouthChunk<'_> {
        y.chunk_mut(0..1, 0, 0)
    }

    /// The common path is a shortcut, not a rule of its own: a chunk run by `update_chunk`
    /// ends exactly as if every youth had gone through the full rules, with every lever's
    /// marks (candidates, holders, lotteries, placements) in play and contact both rare and
    /// frequent.
    #[test]
    fn common_path_agrees_with_the_full_rules() {
        let p = Params::defaults();
        let mut w = World::empty(&p);
        w.counts.get_mut(0, 0)[0] = 450;
        let n = 4096;
        for free in [2000u64, 5] {
            let mut t = tables_for(&p, &w, &Census { free: [free; CLASSES], member_ties: [0; CLASSES] });
            t.hiring = true;
            t.target_poor = true;
            t.scholarship_lottery = Some(threshold32(0.5));
            t.scholarship_redraw = Some(threshold32(0.1));
            t.retention = threshold32(0.4);
            t.situations = situation_table(&t);
            let mut rng = Stream::new(free);
            let mut y = Youths::with_len(n);
            let mut bits = vec![0u64; n / 64 + 1];
            for i in 0..n {
                let r = rng.next_u64();
                y.age[i] = AGE_ENTRY + (r % (AGE_EXIT - AGE_ENTRY) as u64) as u16;
                y.status[i] = [0, 0, 0, 1, 1, 2, 2, 2, 3, 4, 5, 6, 7][(r >> 16) as usize % 13];
                y.flags[i] = (r >> 24) as u8 & !flag::PLACEMENT;
                if y.status[i] == status::WORK && r >> 40 & 1 == 1 {
                    y.flags[i] |= flag::PLACEMENT;
                    y.months_left[i] = 1 + (r >> 48) as u8 % 12;
                } else if y.status[i] == status::PRISON {
                    y.months_left[i] = 1 + (r >> 48) as u8 % 30;
                }
                if status::is_member(y.status[i]) {
                    bits[i / 64] |= 1 << (i % 64);
                }
            }
            let input = PeerInput { network: &w.network, bits: &bits, region_len: w.layout.len(0) };
            let key = 77;

            let mut shortcut = y.clone();
            let mut tally_a = Tally::new(1);
            let mut next_a = vec![0u64; n / 64];
            update_chunk(&mut shortcut.chunk_mut(0..n, 0, 0), &t, &input, key, &mut next_a, &mut tally_a);

            let mut full = y.clone();
            let mut tally_b = Tally::new(1);
            let mut next_b = vec![0u64; n / 64];
            let mut c = full.chunk_mut(0..n, 0, 0);
            for i in 0..n {
                c.age[i] += 1;
                if rare_youth(&mut c, i, &t, &input, key, t.peers as usize + 1, &mut tally_b) {
                    next_b[i / 64] |= 1 << (i % 64);
                }
            }
            let state =
                |y: &Youths| (y.age.clone(), y.status.clone(), y.flags.clone(), y.months_left.clone());
            assert_eq!(state(&shortcut), state(&full), "free = {free}");
            assert_eq!(tally_a, tally_b, "free = {free}");
            assert_eq!(next_a, next_b, "free = {free}");
            // Both paths were taken.
            let changed = (0..n).filter(|&i| shortcut.status[i] != y.status[i]).count();
            assert!(changed > 50 && changed < n - 50, "{changed} of {n} changed");
        }
    }

    #[test]
    fn join_probability_follows_the_logit() {
        let p = Params::defaults();
        let mut w = World::empty(&p);
        w.counts.get_mut(0, 0)[0] = 450;
        let t = tables_for(&p, &w, &some_free());
        let now = snapshot(&w, &p, &LeversNow::at(&p, 0));
        // An Idle adult with no member peers.
        let ch = &p.choice;
        let arrest1 = 0.006 * 1.0 * (1.0 - 0.4);
        let risk = 12.0 * (arrest1 * 36.0 / 12.0 + 0.0015 * (1.0 + now[0].violence) * 20.0);
        let x = ch.intercept + (now[0].wage / 1000.0).ln() - 0.4 * risk - 1.5 * 0.3;
        let p_join = 0.05 + 0.95 / (1.0 + (-x).exp());
        let got = t.join[(DOOR_IDLE * 2) * 9] as f64 / 4_294_967_296.0;
        assert!((got - p_join).abs() < 1e-9, "{got} vs {p_join}");
        // More member peers raise it; a better door lowers it.
        assert!(t.join[(DOOR_IDLE * 2) * 9 + 8] > t.join[(DOOR_IDLE * 2) * 9]);
        assert!(t.join[(DOOR_WORK * 2) * 9] < t.join[(DOOR_IDLE * 2) * 9]);
        assert!(t.join[(DOOR_SCHOOL * 2) * 9] < t.join[(DOOR_WORK * 2) * 9]);
    }

    #[test]
    fn contact_beta_spends_the_expected_contacts() {
        let p = Params::defaults();
        let mut w = World::empty(&p);
        w.counts.get_mut(0, 0)[0] = 450;
        // 1000 adult men with no member peers; 500 female minors (180–215) with 4 of 8.
        let mut census = Census::default();
        census.free[4] = 1000;
        census.free[3] = 500;
        census.member_ties[3] = 500 * 4;
        let t = tables_for(&p, &w, &census);
        let now = snapshot(&w, &p, &LeversNow::at(&p, 0));
        let w_adult = 1.0;
        let w_minor = (1.0 + 3.0 * 0.5) * (1.0 + 0.5 * 0.75) * 0.15;
        let beta = now[0].contacts / (1000.0 * w_adult + 500.0 * w_minor);
        assert!((t.beta - beta).abs() < 1e-15);
        let p_minor = t.contact[4 * CLASSES + 3] as f64 / 4_294_967_296.0;
        assert_eq!(t.contact_max[3], t.contact[8 * CLASSES + 3]);
        assert!((p_minor - (1.0 - (-beta * w_minor).exp())).abs() < 1e-9);
    }

    #[test]
    fn promotion_uses_national_vacancies() {
        let p = Params::defaults();
        let mut w = World::empty(&p);
        // 100 members all at rank 1: rank-2 target round(0.25 × 100) = 25, vacancies 25.
        w.counts.get_mut(0, 0)[0] = 100;
        let t = tables_for(&p, &w, &some_free());
        let cum = t.member[0];
        let promo = (cum[3] - cum[2]) as f64 / 4_294_967_296.0;
        assert!((promo - 0.05 * 0.25).abs() < 1e-9, "{promo}");
        // Rank 4 never promotes.
        assert_eq!(t.member[3][3], t.member[3][2]);
    }

    #[test]
    fn prisoner_is_released_with_record() {
        let p = Params::defaults();
        let w = World::empty(&p);
        let t = tables_for(&p, &w, &Census::default());
        let mut y = Youths::with_len(1);
        y.age[0] = 250;
        y.status[0] = status::PRISON;
        y.months_left[0] = 2;
        let mut bits = [0u64; 1];
        let mut tally = Tally::new(1);
        live(&mut y, &t, &p, 7, &mut bits, &mut tally);
        assert_eq!((y.status[0], y.months_left[0]), (status::PRISON, 1));
        live(&mut y, &t, &p, 8, &mut bits, &mut tally);
        assert_eq!(y.status[0], status::IDLE);
        assert!(y.flags[0] & flag::RECORD != 0);
        assert_eq!(y.age[0], 252);
    }

    #[test]
    fn ageing_out_recycles_the_slot_and_counts_members() {
        let p = Params::defaults();
        let mut w = World::empty(&p);
        w.counts.get_mut(0, 0)[2] = 1;
        let t = tables_for(&p, &w, &Census::default());
        let mut y = Youths::with_len(1);
        y.age[0] = 359;
        y.status[0] = status::MEMBER1 + 2;
        y.flags[0] = flag::RECORD | flag::GRADUATED;
        let mut bits = [u64::MAX; 1];
        let mut tally = Tally::new(1);
        live(&mut y, &t, &p, 1, &mut bits, &mut tally);
        assert_eq!(tally.ageouts, 1);
        assert_eq!(y.age[0], AGE_ENTRY);
        assert!(y.status[0] == status::SCHOOL || y.status[0] == status::IDLE);
        assert_eq!(y.flags[0] & (flag::RECORD | flag::GRADUATED), 0);
        assert_eq!(bits[0], 0, "the member bit is cleared");
    }

    #[test]
    fn school_ends_at_216_with_graduation() {
        let p = Params::defaults();
        let w = World::empty(&p);
        let t = tables_for(&p, &w, &Census::default());
        let mut y = Youths::with_len(1);
        y.age[0] = 215;
        y.status[0] = status::SCHOOL;
        let mut bits = [0u64; 1];
        live(&mut y, &t, &p, 3, &mut bits, &mut Tally::new(1));
        assert_eq!(y.status[0], status::IDLE);
        assert!(y.flags[0] & flag::GRADUATED != 0);
    }

    #[test]
    fn sentences_have_the_right_mean() {
        let mut rng = Stream::new(5);
        let n = 100_000;
        let mean = (0..n).map(|_| sentence(36.0, &mut rng) as f64).sum::<f64>() / n as f64;
        // Geometric with mean 36: sd ≈ 35.5, se ≈ 0.112; the cap at 255 removes ≈ 0.03.
        assert!((mean - 36.0).abs() < 0.6, "{mean}");
        assert_eq!(sentence(0.5, &mut rng), 1);
    }

    #[test]
    fn split_moves_members_of_one_cartel_only() {
        let mut y = Youths::with_len(1000);
        for i in 0..1000 {
            y.status[i] = if i % 2 == 0 { status::MEMBER1 } else { status::WORK };
            y.cartel[i] = (i % 4 == 0) as u16;
        }
        let moved = split_chunk(&mut y.chunk_mut(0..1000, 0, 0), 1, 2, 0.5, 11);
        let now_in_2 = y.cartel.iter().filter(|&&k| k == 2).count() as u32;
        assert_eq!(moved[0], now_in_2);
        assert!(y.cartel.iter().enumerate().all(|(i, &k)| k != 2 || i % 4 == 0));
        // Binomial(250, 0.5): sd ≈ 7.9; 5 sd.
        assert!((now_in_2 as f64 - 125.0).abs() < 40.0);
    }
}
