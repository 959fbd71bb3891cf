//! The situation table: what the common path needs to know of a free youth, decided once a
//! month per region for every (status, age band, stored flags) triple, so that a youth who
//! is not contacted and stays at its door costs one table read. This file is the packed
//! entry and its index; `tables.rs` fills the table from the region's other tables.

use crate::contact;

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
    pub(super) fn new(
        leave: u64,
        class: usize,
        candidate: bool,
        holder: bool,
        group: usize,
        keep: u8,
    ) -> Situation {
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
