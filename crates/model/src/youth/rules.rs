//! The full rules of a youth-month, for the youths the common path leaves aside (about one
//! in twenty): ageing out, careers (4), prison, and free youths who are contacted (5) or may
//! change door (3, 6.1, 6.2).

use super::tables::{
    DOOR_IDLE, DOOR_PLACEMENT, DOOR_SCHOOL, DOOR_SCHOOL_SCHOLARSHIP, DOOR_WORK, RegionTables,
};
use super::tables::{dropout_odds, holds_scholarship, job_finding_odds, scholarship_draw};
use super::{PeerInput, Tally};
use crate::contact::{CLASSES, class, next_class};
use crate::jobs;
use crate::network::member_peers;
use crate::params::{AGE_ADULT, AGE_ENTRY, AGE_EXIT, AGE_UPPER_SECONDARY, RANKS};
use crate::rng::Stream;
use crate::state::{YouthChunk, flag, status};

/// What the full rules read besides the youth itself: the region's tables, the snapshot of
/// member peers and the month's random key.
pub(super) struct Month<'a> {
    pub t: &'a RegionTables,
    pub peers: &'a PeerInput<'a>,
    pub key: u64,
    /// `peers + 1`: the stride of the join table over member peers.
    pub k1: usize,
}

/// A youth-month's first draw, split in two independent 32-bit halves: `lo` decides contact
/// (and a member's fate), `hi` the legitimate doors.
#[derive(Clone, Copy)]
pub(super) struct Draw {
    pub lo: u64,
    pub hi: u64,
}

impl Draw {
    #[inline(always)]
    pub fn of(r: u64) -> Draw {
        Draw { lo: r & 0xFFFF_FFFF, hi: r >> 32 }
    }
}

/// A free youth at the start of its month, as the full rules see it.
#[derive(Clone, Copy)]
struct FreeYouth {
    /// Position in the chunk.
    i: usize,
    /// Age after this month's increment.
    age: u16,
    st: u8,
    /// Start-of-month flags, the candidate mark cleared.
    fl: u8,
    draw: Draw,
}

/// The full rules for youth `i` of the chunk, already aged by `common_block`: ageing out,
/// careers, prison, and free youths who are contacted or may change door. Returns whether
/// the youth is a member at the end of the month.
#[inline(never)]
pub(super) fn rare_youth(c: &mut YouthChunk, i: usize, month: &Month, tally: &mut Tally) -> bool {
    let t = month.t;
    let mut rng = Stream::for_slot(month.key, c.first_slot + i);
    let draw = Draw::of(rng.next_u64());
    let age = c.age[i];
    let st = c.status[i];
    let fl = c.flags[i] & !flag::CANDIDATE;
    c.flags[i] = fl;

    if age >= AGE_EXIT {
        // a. Ageing out: the slot gets a newcomer; that is the month's change.
        tally.ageouts += status::is_member(st) as u64;
        newcomer(c, i, t, &mut rng);
    } else if status::is_member(st) {
        career(c, i, t, draw.lo, &mut rng, tally);
    } else if st == status::PRISON {
        // c. Serving a sentence.
        let left = c.months_left[i].saturating_sub(1);
        c.months_left[i] = left;
        if left == 0 {
            c.status[i] = status::IDLE;
            c.flags[i] = fl | flag::RECORD;
        }
    } else {
        free_youth(c, month, FreeYouth { i, age, st, fl, draw }, &mut rng, tally);
    }
    end_of_month(c, i, tally)
}

/// b. Careers: one draw `u` split into competing risks (death, arrest, exit, promotion).
#[inline(always)]
fn career(c: &mut YouthChunk, i: usize, t: &RegionTables, u: u64, rng: &mut Stream, tally: &mut Tally) {
    let st = c.status[i];
    let cum = &t.member[c.cartel[i] as usize * RANKS + status::rank(st)];
    if u < cum[0] {
        tally.deaths += 1;
        newcomer(c, i, t, rng);
    } else if u < cum[1] {
        tally.arrests += 1;
        c.status[i] = status::PRISON;
        c.flags[i] |= flag::RECORD;
        c.months_left[i] = sentence(t.sentence[(c.age[i] < AGE_ADULT) as usize], rng);
    } else if u < cum[2] {
        tally.exits += 1;
        c.status[i] = status::IDLE;
    } else if u < cum[3] {
        c.status[i] = st + 1;
    }
}

/// End-of-month stocks, next month's census class and the member bit (returned).
#[inline(always)]
fn end_of_month(c: &YouthChunk, i: usize, tally: &mut Tally) -> bool {
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

/// d. A youth in School, Work or Idle: the scholarship lottery, the narco door first, then
/// the legitimate doors.
#[inline(always)]
fn free_youth(c: &mut YouthChunk, month: &Month, y: FreeYouth, rng: &mut Stream, tally: &mut Tally) {
    let t = month.t;
    // 6.1: the scholarship's effect and cost use the start-of-month holders in School.
    let holder = holds_scholarship(t, y.st, y.fl);
    if holder {
        tally.scholarship_holders += 1;
    }
    if y.st == status::SCHOOL
        && y.fl & flag::POOR != 0
        && let Some(odds) = scholarship_draw(t, y.fl)
    {
        let won = (rng.next_u64() & 0xFFFF_FFFF) < odds;
        c.flags[y.i] |= flag::DRAWN | if won { flag::SCHOLARSHIP } else { 0 };
    }
    if !narco_door(c, month, &y, holder, rng, tally) {
        legitimate_doors(c, t, &y, holder, tally);
    }
}

/// The narco door (5): contact, then the choice to join. Member peers are counted only when
/// contact is possible at all. Returns whether the youth joined.
#[inline(always)]
fn narco_door(
    c: &mut YouthChunk,
    month: &Month,
    y: &FreeYouth,
    holder: bool,
    rng: &mut Stream,
    tally: &mut Tally,
) -> bool {
    let (t, peers, i) = (month.t, month.peers, y.i);
    let u = y.draw.lo;
    let cls = class(y.age, y.fl);
    if u >= t.contact_max[cls] {
        return false;
    }
    let m = member_peers(peers.network, peers.bits, c.region, c.first_local + i, peers.region_len) as usize;
    if u >= t.contact[m * CLASSES + cls] {
        return false;
    }
    let door = match y.st {
        status::SCHOOL if holder => DOOR_SCHOOL_SCHOLARSHIP,
        status::SCHOOL => DOOR_SCHOOL,
        status::WORK if y.fl & flag::PLACEMENT != 0 => DOOR_PLACEMENT,
        status::WORK => DOOR_WORK,
        _ => DOOR_IDLE,
    };
    let minor = y.age < AGE_ADULT;
    let pick = rng.uniform();
    let cartel = t.cartel_cum.iter().position(|&x| pick < x).unwrap_or(t.cartel_ids.len() - 1);
    if (rng.next_u64() & 0xFFFF_FFFF) >= t.join[(door * 2 + minor as usize) * month.k1 + m] {
        return false;
    }
    tally.recruits += 1;
    tally.minor_recruits += minor as u64;
    c.status[i] = status::MEMBER1;
    c.cartel[i] = t.cartel_ids[cartel];
    c.flags[i] &= !flag::PLACEMENT;
    c.months_left[i] = 0;
    true
}

/// The legitimate doors (3): school ends or is dropped, Idle minors return to school, Idle
/// adults find jobs (or become youth-jobs candidates), jobs and placements end.
#[inline(always)]
fn legitimate_doors(c: &mut YouthChunk, t: &RegionTables, y: &FreeYouth, holder: bool, tally: &mut Tally) {
    let (i, fl, u) = (y.i, y.fl, y.draw.hi);
    match y.st {
        status::SCHOOL if y.age >= AGE_ADULT => {
            c.status[i] = status::IDLE;
            c.flags[i] |= flag::GRADUATED;
        }
        status::SCHOOL => {
            if u < dropout_odds(t, fl, y.age >= AGE_UPPER_SECONDARY, holder) {
                c.status[i] = status::IDLE;
            }
        }
        status::IDLE if y.age < AGE_ADULT => {
            if u < t.reentry {
                c.status[i] = status::SCHOOL;
            }
        }
        status::IDLE => {
            if u < job_finding_odds(t, fl) {
                c.status[i] = status::WORK;
            } else if t.hiring {
                c.flags[i] |= flag::CANDIDATE;
                tally.candidates[jobs::group(t.target_poor, fl)] += 1;
            }
        }
        // Work: a placement runs out its months, then the youth stays with probability
        // `retention`; an ordinary job is lost with probability job_loss.
        _ if fl & flag::PLACEMENT != 0 => {
            let left = c.months_left[i].saturating_sub(1);
            c.months_left[i] = left;
            if left == 0 {
                c.flags[i] &= !flag::PLACEMENT;
                if u >= t.retention {
                    c.status[i] = status::IDLE;
                }
            }
        }
        _ => {
            if u < t.job_loss {
                c.status[i] = status::IDLE;
            }
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
