//! The situation table: what the common path needs to know of a free youth, decided once a
//! month per region for every (status, age band, stored flags) triple, so that a youth who
//! is not contacted and stays at its door costs one table read.

use super::tables::RegionTables;
use crate::contact::{self, class};
use crate::jobs;
use crate::params::{AGE_ADULT, AGE_ENTRY, AGE_UPPER_SECONDARY};
use crate::state::{flag, status};

/// Entries of the situation table: 4 status codes (the three free ones used) × 4 age-band
/// codes (three used) × 256 flag patterns, so that any such triple indexes it in bounds.
pub const SITUATIONS: usize = 4 * 4 * 256;

/// Index of a free youth's situation (status, age band after this month's increment, stored
/// flags) in `RegionTables::situations`.
#[inline(always)]
pub(super) fn index(st: u8, age: u16, stored: u8) -> usize {
    ((st as usize & 3) << 10) | contact::band(age) << 8 | stored as usize
}

/// One entry of the situation table, packed in a word so that the table (32 KiB) stays in
/// the first-level cache:
/// bits 0–32 the odds of leaving the current door by the legitimate doors (a 32-bit
/// threshold; 2^32 = always), bits 33–35 the contact class, bit 36 the candidate mark,
/// bit 37 the holder count, bit 38 the hiring group, bits 40–47 the flags a youth who stays
/// keeps.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Situation(u64);

impl Situation {
    const LEAVE_BITS: u64 = (1 << 33) - 1;
    const CLASS_SHIFT: u32 = 33;
    const CANDIDATE_SHIFT: u32 = 36;
    const HOLDER_SHIFT: u32 = 37;
    const GROUP_SHIFT: u32 = 38;
    const FLAGS_SHIFT: u32 = 40;

    /// Packs an entry; `leave` is at most 2^32, `class` below 8, `group` 0 or 1.
    fn new(leave: u64, class: usize, candidate: bool, holder: bool, group: usize, keep: u8) -> Situation {
        debug_assert!(leave <= 1 << 32 && class < 8 && group < 2);
        Situation(
            leave
                | (class as u64) << Self::CLASS_SHIFT
                | (candidate as u64) << Self::CANDIDATE_SHIFT
                | (holder as u64) << Self::HOLDER_SHIFT
                | (group as u64) << Self::GROUP_SHIFT
                | (keep as u64) << Self::FLAGS_SHIFT,
        )
    }

    /// The odds of leaving the door by the legitimate doors: a draw below them needs the
    /// full rules.
    #[inline(always)]
    pub fn leave_odds(self) -> u64 {
        self.0 & Self::LEAVE_BITS
    }

    /// The contact class (age band × sex), below 8.
    #[inline(always)]
    pub fn class(self) -> usize {
        (self.0 >> Self::CLASS_SHIFT) as usize & 7
    }

    /// 1 if an Idle adult who stays Idle becomes a youth-jobs candidate, else 0.
    #[inline(always)]
    pub fn candidate(self) -> u64 {
        self.0 >> Self::CANDIDATE_SHIFT & 1
    }

    /// 1 for a scholarship holder in School (counted for the lever's cost), else 0.
    #[inline(always)]
    pub fn holder(self) -> u64 {
        self.0 >> Self::HOLDER_SHIFT & 1
    }

    /// The candidate's hiring group (`jobs::group`), 0 or 1.
    #[inline(always)]
    pub fn group(self) -> usize {
        (self.0 >> Self::GROUP_SHIFT & 1) as usize
    }

    /// The flags of a youth who stays (the candidate mark set or cleared).
    #[inline(always)]
    pub fn kept_flags(self) -> u8 {
        (self.0 >> Self::FLAGS_SHIFT) as u8
    }
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
