//! A region's month as thresholds for a 32-bit draw: every probability a youth can face,
//! built once a month per region from the region's aggregates, its levers and its contact
//! census. `region_tables` assembles the parts, one function each: contact (5), the join
//! logit (5), the contacting cartel, the members' competing risks (4) and the legitimate
//! doors (3); then the situation table the common path reads.

use super::situation::{SITUATIONS, Situation, index};
use crate::contact::{CLASSES, class, class_weights, weight_sum};
use crate::jobs;
use crate::params::{AGE_ADULT, AGE_ENTRY, AGE_UPPER_SECONDARY, Cartels, Params, RANKS};
use crate::policy::{RegionLevers, round_half_up};
use crate::region::RegionNow;
use crate::rng::threshold32;
use crate::state::{MemberCounts, flag, status};

/// Door classes of a free youth for the value of its current door, v_i.
pub(super) const DOOR_SCHOOL: usize = 0;
pub(super) const DOOR_SCHOOL_SCHOLARSHIP: usize = 1;
pub(super) const DOOR_WORK: usize = 2;
pub(super) const DOOR_PLACEMENT: usize = 3;
pub(super) const DOOR_IDLE: usize = 4;
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
    /// `situation::index` (see `situation_table`).
    pub situations: Box<[Situation; SITUATIONS]>,
    /// β_r, for reporting and tests.
    pub beta: f64,
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
    let y = &params.youth;
    let reg = &params.regions[r];
    let contact = contact_tables(params, now, levers, census);
    let (cartel_ids, cartel_cum) = cartel_choice(r, now, counts, territory);
    let scholarships = levers.scholarships.as_ref();
    let youth_jobs = levers.youth_jobs.as_ref();
    let mut tables = RegionTables {
        peers: params.population.peers,
        contact: contact.by_peers,
        contact_max: contact.max,
        join: join_table(params, r, now, levers),
        cartel_ids,
        cartel_cum,
        member: member_risks(params, now, counts, territory.len()),
        sentence: [mean_sentence(params, levers, false), mean_sentence(params, levers, true)],
        dropout: dropout_table(params, levers),
        reentry: threshold32(y.school_reentry),
        job_finding: job_finding_table(params, r),
        job_loss: threshold32(y.job_loss),
        scholarship_lottery: scholarships.map(|s| threshold32(s.coverage)),
        scholarship_redraw: scholarships.filter(|s| s.redraw > 0.0).map(|s| threshold32(s.redraw)),
        retention: params.policy.youth_jobs.first().map_or(0, |l| threshold32(l.p.retention)),
        hiring: youth_jobs.is_some(),
        target_poor: youth_jobs.is_some_and(|j| j.target_poor),
        newcomer: [
            threshold32(reg.poverty),
            threshold32(y.female_share),
            threshold32(y.initial_out_of_school),
        ],
        situations: Box::new([Situation::default(); SITUATIONS]),
        beta: contact.beta,
    };
    tables.situations = situation_table(&tables);
    tables
}

/// The contact odds of a region's month.
struct ContactTables {
    /// P(contact) by `m × CLASSES + class`.
    by_peers: Vec<u64>,
    /// The highest of each class, padded to eight entries.
    max: [u64; 8],
    beta: f64,
}

/// Contact (5): β_r = K_r / Σ w_j over the free youths, P = 1 − exp(−β w), with w raised by
/// the share m / peers of a youth's peers who are members.
fn contact_tables(params: &Params, now: &RegionNow, levers: &RegionLevers, census: &Census) -> ContactTables {
    let k = params.population.peers as usize;
    let weights = class_weights(params, levers.juvenile_ratio);
    let sum_w = weight_sum(&weights, &census.free, &census.member_ties, params);
    let no_cartel_here = now.presence <= 0.0;
    let beta = if sum_w > 0.0 && !no_cartel_here { now.contacts / sum_w } else { 0.0 };
    let mut by_peers = vec![0; (k + 1) * CLASSES];
    let mut max = [0; 8];
    for m in 0..=k {
        for c in 0..CLASSES {
            let w = (1.0 + params.recruit.peer_contact * m as f64 / k as f64) * weights[c];
            let thr = threshold32(1.0 - (-beta * w).exp());
            by_peers[m * CLASSES + c] = thr;
            max[c] = max[c].max(thr);
        }
    }
    ContactTables { by_peers, max, beta }
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// A member's monthly odds of arrest at rank `rank` (index 0 = rank 1) in this region.
fn arrest_hazard(ca: &Cartels, now: &RegionNow, rank: usize) -> f64 {
    ca.arrest[rank] * now.enforcement * (1.0 - now.corruption)
}

/// A member's monthly odds of death at rank `rank`, raised by the region's violence.
fn death_hazard(ca: &Cartels, danger: f64, rank: usize) -> f64 {
    ca.death[rank] * danger
}

/// How much violence multiplies the members' death hazards.
fn danger(params: &Params, now: &RegionNow) -> f64 {
    1.0 + params.violence.kappa * now.violence
}

/// The mean prison sentence (months, at least 1) of an adult or, with the juvenile law's
/// ratio, of a minor.
fn mean_sentence(params: &Params, levers: &RegionLevers, minor: bool) -> f64 {
    let s = params.justice.sentence_months * if minor { levers.juvenile_ratio } else { 1.0 };
    s.max(1.0)
}

/// The value of each door (v_i): school, school with a scholarship, work, a youth-jobs
/// placement, idleness.
fn door_values(params: &Params, r: usize, levers: &RegionLevers) -> [f64; DOORS] {
    let ch = &params.choice;
    let lw = params.regions[r].legit_wage;
    let mut values = [0.0; DOORS];
    values[DOOR_SCHOOL] = lw * ch.school_value;
    values[DOOR_SCHOOL_SCHOLARSHIP] =
        values[DOOR_SCHOOL] + levers.scholarships.as_ref().map_or(0.0, |s| s.amount);
    values[DOOR_WORK] = lw;
    values[DOOR_PLACEMENT] = params.policy.youth_jobs.first().map_or(lw, |l| l.p.stipend);
    values[DOOR_IDLE] = lw * ch.idle_value;
    values
}

/// Choice (5): P(join) = coercion + (1 − coercion) × logistic(intercept + ln(wage / v_i)
/// − (1 − myopia) × yearly risk − stigma × efficacy + peer_weight × m / peers), by door,
/// minority and member peers m. The yearly risk weighs a rank-1 member's prison months
/// and death.
fn join_table(params: &Params, r: usize, now: &RegionNow, levers: &RegionLevers) -> Vec<u64> {
    let ch = &params.choice;
    let ca = &params.cartels;
    let k = params.population.peers as usize;
    let danger = danger(params, now);
    let arrest1 = arrest_hazard(ca, now, 0);
    let risk = |minor: bool| {
        12.0 * (arrest1 * mean_sentence(params, levers, minor) / 12.0 * ch.prison_weight
            + death_hazard(ca, danger, 0) * ch.death_weight)
    };
    let mut join = vec![0; DOORS * 2 * (k + 1)];
    for (door, v) in door_values(params, r, levers).iter().enumerate() {
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
    join
}

/// The contacting cartel: proportional to its room in the region (its share of demand
/// minus its members there), else uniform over those present. Returns the cartels present
/// and their cumulative probabilities.
fn cartel_choice(
    r: usize,
    now: &RegionNow,
    counts: &MemberCounts,
    territory: &[Vec<f64>],
) -> (Vec<u16>, Vec<f64>) {
    let mut cartel_ids = Vec::new();
    let mut weights = Vec::new();
    if now.presence > 0.0 {
        for (kk, t) in territory.iter().enumerate() {
            if t[r] > 0.0 {
                let room = (now.demand * t[r] / now.presence - counts.cartel_region(kk, r) as f64).max(0.0);
                cartel_ids.push(kk as u16);
                weights.push(room);
            }
        }
        if weights.iter().all(|&w| w <= 0.0) {
            weights.iter_mut().for_each(|w| *w = 1.0);
        }
    }
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    let cartel_cum = weights
        .iter()
        .map(|w| {
            acc += w / total;
            acc
        })
        .collect();
    (cartel_ids, cartel_cum)
}

/// Careers (4): each member's competing risks (death, arrest, exit, promotion) as
/// cumulative thresholds, by cartel and rank. Promotion fills national rank vacancies.
fn member_risks(params: &Params, now: &RegionNow, counts: &MemberCounts, cartels: usize) -> Vec<[u64; 4]> {
    let ca = &params.cartels;
    let danger = danger(params, now);
    let mut member = Vec::with_capacity(cartels * RANKS);
    for kk in 0..cartels {
        let ranks = counts.cartel_ranks(kk);
        let total: u64 = ranks.iter().sum();
        for j in 0..RANKS {
            let death = death_hazard(ca, danger, j);
            let arrest = arrest_hazard(ca, now, j);
            member.push(cumulative([
                death.max(0.0),
                arrest.max(0.0),
                ca.exit,
                promotion(ca, &ranks, total, j),
            ]));
        }
    }
    member
}

/// The promotion odds of a member of rank `rank` given its cartel's national ranks.
fn promotion(ca: &Cartels, ranks: &[u64; RANKS], total: u64, rank: usize) -> f64 {
    if rank + 1 < RANKS {
        let target = round_half_up(ca.rank_shares[rank + 1] * total as f64);
        let vac = target.saturating_sub(ranks[rank + 1]);
        ca.promotion * (vac as f64 / ranks[rank].max(1) as f64).min(1.0)
    } else {
        0.0
    }
}

/// Competing hazards (scaled down to a sum of 1 if they exceed it) as cumulative
/// thresholds.
fn cumulative(hazards: [f64; 4]) -> [u64; 4] {
    let mut h = hazards;
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
    cum
}

/// Legitimate doors (3): a student's dropout odds by poverty, level (upper secondary) and
/// scholarship effect.
fn dropout_table(params: &Params, levers: &RegionLevers) -> [u64; 8] {
    let y = &params.youth;
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
    dropout
}

/// Legitimate doors (3): an Idle adult's odds of finding a job by diploma and record.
fn job_finding_table(params: &Params, r: usize) -> [u64; 4] {
    let y = &params.youth;
    let mut job_finding = [0; 4];
    for grad in 0..2 {
        for rec in 0..2 {
            let p = y.job_finding
                * params.regions[r].job_finding_multiplier
                * if grad == 1 { y.graduate_job_bonus } else { 1.0 }
                * if rec == 1 { y.record_job_penalty } else { 1.0 };
            job_finding[grad * 2 + rec] = threshold32(p);
        }
    }
    job_finding
}

/// What the common path needs of each free situation, decided once a month per region:
/// the odds of leaving the door (situations that need the full rules whatever the draw,
/// graduation at 216 and a scholarship lottery to draw, get odds 1; a running placement
/// gets odds 0, since the common path counts it down and sends its last month to the full
/// rules), the contact class, and the candidate mark, holder count and flags of a youth who
/// stays.
pub(super) fn situation_table(t: &RegionTables) -> Box<[Situation; SITUATIONS]> {
    let mut table = Box::new([Situation::default(); SITUATIONS]);
    for st in [status::SCHOOL, status::WORK, status::IDLE] {
        for band in 0..3u16 {
            // An age in the band, for `index`.
            let age = [AGE_ENTRY, AGE_UPPER_SECONDARY, AGE_ADULT][band as usize];
            for stored in 0..=255u8 {
                let fl = stored & !flag::CANDIDATE;
                let holder = holds_scholarship(t, st, fl);
                let candidate = t.hiring && st == status::IDLE && band == 2;
                let keep = fl | if candidate { flag::CANDIDATE } else { 0 };
                let group = jobs::group(t.target_poor, fl);
                let leave = leave_odds(t, st, band, fl, holder);
                table[index(st, age, stored)] =
                    Situation::new(leave, class(age, fl), candidate, holder, group, keep);
            }
        }
    }
    table
}

/// The odds that a free youth of status `st`, age band `band` and flags `fl` leaves its
/// door this month, or may: 2^32 where the full rules are needed whatever the draw.
fn leave_odds(t: &RegionTables, st: u8, band: u16, fl: u8, holder: bool) -> u64 {
    let always = 1u64 << 32;
    let poor = fl & flag::POOR != 0;
    match st {
        // Only Work youths hold a placement; any other status with the mark (which the
        // rules never produce) is left to the full rules.
        _ if st != status::WORK && fl & flag::PLACEMENT != 0 => always,
        status::SCHOOL if band == 2 => always,
        status::SCHOOL if poor && scholarship_draw(t, fl).is_some() => always,
        status::SCHOOL => dropout_odds(t, fl, band == 1, holder),
        status::WORK if fl & flag::PLACEMENT != 0 => 0,
        status::WORK => t.job_loss,
        _ if band < 2 => t.reentry,
        _ => job_finding_odds(t, fl),
    }
}

/// Whether a youth's scholarship counts this month (6.1): a holder in School where the
/// lever is active (start-of-month state, for its effect on dropout and its cost).
#[inline(always)]
pub(super) fn holds_scholarship(t: &RegionTables, st: u8, fl: u8) -> bool {
    st == status::SCHOOL && fl & flag::SCHOLARSHIP != 0 && t.scholarship_lottery.is_some()
}

/// A student's dropout odds, by poverty, level (upper secondary or not) and scholarship.
#[inline(always)]
pub(super) fn dropout_odds(t: &RegionTables, fl: u8, upper_secondary: bool, holder: bool) -> u64 {
    t.dropout[(fl & flag::POOR != 0) as usize * 4 + upper_secondary as usize * 2 + holder as usize]
}

/// An Idle adult's odds of finding a job, by diploma and record.
#[inline(always)]
pub(super) fn job_finding_odds(t: &RegionTables, fl: u8) -> u64 {
    t.job_finding[(fl & flag::GRADUATED != 0) as usize * 2 + (fl & flag::RECORD != 0) as usize]
}

/// The odds of a poor student's scholarship draw this month, if it draws: the first month
/// in School while the lever is active, and again while a ramp raises coverage if it lost.
#[inline]
pub(super) fn scholarship_draw(t: &RegionTables, fl: u8) -> Option<u64> {
    if fl & flag::DRAWN == 0 {
        t.scholarship_lottery
    } else if fl & flag::SCHOLARSHIP == 0 {
        t.scholarship_redraw
    } else {
        None
    }
}
