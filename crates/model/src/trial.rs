//! Trial arms (issue 24): a lever's own lottery read as a randomised field trial.
//!
//! Two levers already choose their youths by lottery: scholarships draw each eligible poor
//! student once, at `coverage` odds (6.1), and youth jobs hire uniformly at random within a
//! hiring group when there are more candidates than free slots (6.2). A trial enrols the
//! youths such a lottery reaches during its intake months: the winners are the treatment
//! arm, the losers the control arm. Both arms live in the same regions, months and random
//! streams, so their difference is what an individual trial measures: the effect of the
//! offer on those offered (intention to treat). The model is not changed by a trial; it is
//! only watched.
//!
//! The participants are then followed month by month through the state the step leaves:
//! a youth's slot is followed until a newcomer takes it (a death, or ageing out), and each
//! month's changes of status are the arm's recruitments and arrests. This is a small
//! sequential pass over the participants only, after the parallel passes, so it costs
//! nothing when no trial is set and cannot change any other output.

use super::jobs;
use super::params::{AGE_EXIT, Params};
use super::state::{World, flag, status};

/// The arms, in the order of `TrialMonth` and of `trial.csv`.
pub const ARMS: [&str; 2] = ["control", "treatment"];

/// The levers a trial can randomise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrialLever {
    Scholarships,
    YouthJobs,
}

impl TrialLever {
    /// The lever named in `trial.lever`, if a trial can use it.
    pub fn parse(name: &str) -> Option<TrialLever> {
        match name {
            "scholarships" => Some(TrialLever::Scholarships),
            "youth_jobs" => Some(TrialLever::YouthJobs),
            _ => None,
        }
    }
}

/// One arm's month: its flows over the month and its stocks at the month's end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArmMonth {
    /// Youths enrolled in the arm so far (the denominator of an intention-to-treat rate).
    pub enrolled: u64,
    /// Enrolled youths still in the population (not dead, not aged out).
    pub followed: u64,
    pub recruits: u64,
    pub arrests: u64,
    pub deaths: u64,
    pub ageouts: u64,
    /// End-of-month stocks of the followed youths.
    pub school: u64,
    pub work: u64,
    pub idle: u64,
    pub prison: u64,
    pub members: u64,
    /// Enrolled youths the lever has reached so far (a placement or a scholarship): the
    /// take-up, for effects on the treated.
    pub treated: u64,
}

/// Both arms' month, control first.
pub type TrialMonth = [ArmMonth; 2];

/// A participant, followed through its slot.
#[derive(Clone, Copy, Debug)]
struct Participant {
    slot: u32,
    treatment: bool,
    /// Status and age at the end of the last month followed.
    status: u8,
    age: u16,
    treated: bool,
    followed: bool,
}

/// A replicate's trial: who is enrolled, and how to enrol more.
#[derive(Clone, Debug)]
pub struct Trial {
    lever: TrialLever,
    /// The regions where the lever acts (its lottery is drawn there).
    regions: Vec<bool>,
    /// Intake months, reported, inclusive.
    first: i64,
    last: i64,
    /// Youth jobs: a placement's length as stored in `months_left` when hired.
    placement_months: u8,
    target_poor: bool,
    /// One bit per slot: enrolled once already.
    enrolled: Vec<u64>,
    people: Vec<Participant>,
    /// Scholarships: every youth's flags at the start of an intake month.
    before: Vec<u8>,
}

impl Trial {
    /// The trial `p` asks for, if any. The scenario layer has checked that the lever is on.
    pub fn new(p: &Params, youths: usize) -> Option<Trial> {
        let lever = TrialLever::parse(p.trial.lever.as_deref()?)?;
        let (schedule, placement_months, target_poor) = match lever {
            TrialLever::Scholarships => (&p.policy.scholarships.first()?.schedule, 0, false),
            TrialLever::YouthJobs => {
                let l = p.policy.youth_jobs.first()?;
                (&l.schedule, l.p.months.clamp(1, 255) as u8, l.p.target_poor)
            }
        };
        let first = schedule.start_month as i64;
        let end = schedule.end_month.map_or(i64::MAX, |e| e as i64);
        let last = p.trial.intake_months.map_or(end, |n| first + n as i64).min(end) - 1;
        Some(Trial {
            lever,
            regions: schedule.regions.clone(),
            first,
            last,
            placement_months,
            target_poor,
            enrolled: vec![0; youths.div_ceil(64)],
            people: Vec::new(),
            before: Vec::new(),
        })
    }

    fn intake(&self, t: i64) -> bool {
        t >= self.first && t <= self.last
    }

    /// Before month `t`'s step: a scholarship trial keeps the flags its enrolment compares.
    pub fn before_step(&mut self, t: i64, world: &World) {
        if self.lever == TrialLever::Scholarships && self.intake(t) {
            self.before.clone_from(&world.youths.flags);
        }
    }

    /// After month `t`'s step: enrols the month's lottery, then follows every participant.
    pub fn after_step(&mut self, t: i64, world: &World) -> TrialMonth {
        if self.intake(t) {
            match self.lever {
                TrialLever::Scholarships => self.enrol_scholarships(world),
                TrialLever::YouthJobs => self.enrol_jobs(world),
            }
        }
        self.follow(world)
    }

    fn slots(&self, world: &World) -> Vec<std::ops::Range<usize>> {
        let starts = &world.layout.start;
        (0..self.regions.len()).filter(|&r| self.regions[r]).map(|r| starts[r]..starts[r + 1]).collect()
    }

    /// A student drew this month if its DRAWN mark is new; it won if it holds the
    /// scholarship. The draw needs a poor student in School at the start of the month.
    fn enrol_scholarships(&mut self, world: &World) {
        let y = &world.youths;
        for range in self.slots(world) {
            for i in range {
                let drew = self.before[i] & flag::DRAWN == 0 && y.flags[i] & flag::DRAWN != 0;
                if drew {
                    let won = y.flags[i] & flag::SCHOLARSHIP != 0;
                    self.enrol(i, won, status::SCHOOL, y.age[i]);
                }
            }
        }
    }

    /// This month's hires and the candidates left unhired, in each region's hiring groups
    /// that were rationed (some hired, some not): within such a group the hires were drawn
    /// uniformly, so the two are comparable arms. A group hired in full, or not at all, has
    /// no lottery and enrols nobody. Both were Idle adults at the start of the month.
    fn enrol_jobs(&mut self, world: &World) {
        let y = &world.youths;
        for range in self.slots(world) {
            let mut hired = [0u64; 2];
            let mut unhired = [0u64; 2];
            for i in range.clone() {
                let f = y.flags[i];
                let g = jobs::group(self.target_poor, f);
                hired[g] += self.hired_now(world, i) as u64;
                unhired[g] += (f & flag::CANDIDATE != 0) as u64;
            }
            let rationed = [0, 1].map(|g| hired[g] > 0 && unhired[g] > 0);
            for i in range {
                let f = y.flags[i];
                if !rationed[jobs::group(self.target_poor, f)] {
                    continue;
                }
                if self.hired_now(world, i) {
                    self.enrol(i, true, status::IDLE, y.age[i]);
                } else if f & flag::CANDIDATE != 0 {
                    self.enrol(i, false, status::IDLE, y.age[i]);
                }
            }
        }
    }

    /// Hired this month: a placement with its full length still to run (a running one has
    /// counted down at least a month).
    fn hired_now(&self, world: &World, i: usize) -> bool {
        let y = &world.youths;
        y.flags[i] & flag::PLACEMENT != 0 && y.months_left[i] == self.placement_months
    }

    /// Enrols slot `i` once, with its state at the start of the month (so that this
    /// month's change, a recruitment after the draw, say, is counted).
    fn enrol(&mut self, i: usize, treatment: bool, start_status: u8, age_now: u16) {
        let (w, b) = (i / 64, i % 64);
        if self.enrolled[w] >> b & 1 == 1 {
            return;
        }
        self.enrolled[w] |= 1 << b;
        let p = Participant {
            slot: i as u32,
            treatment,
            status: start_status,
            age: age_now - 1,
            treated: false,
            followed: true,
        };
        self.people.push(p);
    }

    /// Counts each arm's month from the state the step left.
    fn follow(&mut self, world: &World) -> TrialMonth {
        let y = &world.youths;
        let lever = self.lever;
        let mut out = TrialMonth::default();
        for p in &mut self.people {
            let arm = &mut out[p.treatment as usize];
            arm.enrolled += 1;
            if !p.followed {
                arm.treated += p.treated as u64;
                continue;
            }
            let i = p.slot as usize;
            let (st, age) = (y.status[i], y.age[i]);
            if age != p.age + 1 {
                // A newcomer holds the slot: the participant aged out or died.
                if p.age + 1 >= AGE_EXIT {
                    arm.ageouts += 1;
                } else {
                    arm.deaths += 1;
                }
                p.followed = false;
                arm.treated += p.treated as u64;
                continue;
            }
            arm.recruits += (!status::is_member(p.status) && status::is_member(st)) as u64;
            arm.arrests += (status::is_member(p.status) && st == status::PRISON) as u64;
            p.treated |= reached(lever, y.flags[i]);
            tally_stock(arm, st);
            arm.followed += 1;
            arm.treated += p.treated as u64;
            (p.status, p.age) = (st, age);
        }
        out
    }
}

/// Whether the lever reaches a youth with these flags now.
fn reached(lever: TrialLever, f: u8) -> bool {
    match lever {
        TrialLever::Scholarships => f & flag::SCHOLARSHIP != 0,
        TrialLever::YouthJobs => f & flag::PLACEMENT != 0,
    }
}

fn tally_stock(arm: &mut ArmMonth, st: u8) {
    match st {
        status::SCHOOL => arm.school += 1,
        status::WORK => arm.work += 1,
        status::IDLE => arm.idle += 1,
        status::PRISON => arm.prison += 1,
        _ => arm.members += 1,
    }
}
