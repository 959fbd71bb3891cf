//! Filling youth-jobs placements (section 6.2, with the clarifications of section 11).
//!
//! Candidates are the snapshot's Idle adults who were neither recruited nor hired this
//! month (the update pass marks them). Free slots are the slots minus the placements still
//! running after this month's ends and recruitments. Poor candidates go first when the
//! programme targets them; within a group the choice is uniformly random.

use super::policy::YouthJobsNow;
use super::state::{World, flag, status};
use super::youth::Tally;
use crate::rng::Stream;

/// Fills region r's free placements and books them in its tally.
pub fn hire(world: &mut World, r: usize, jobs: &YouthJobsNow, tally: &mut Tally, key: u64) {
    let free = jobs.slots.saturating_sub(tally.placements) as usize;
    if free == 0 || tally.candidates == [0, 0] {
        return;
    }
    let (s, e) = (world.layout.start[r], world.layout.start[r + 1]);
    let y = &mut world.youths;
    let mut first = Vec::new();
    let mut second = Vec::new();
    for i in s..e {
        if y.flags[i] & flag::CANDIDATE != 0 {
            if jobs.target_poor && y.flags[i] & flag::POOR != 0 { first.push(i) } else { second.push(i) }
        }
    }
    let mut rng = Stream::for_item(key, r);
    let rest = free.saturating_sub(first.len());
    let mut chosen = pick(&mut first, free, &mut rng).to_vec();
    chosen.extend_from_slice(pick(&mut second, rest, &mut rng));
    let months = jobs.months.clamp(1, 255) as u8;
    for i in chosen {
        y.status[i] = status::WORK;
        y.flags[i] = (y.flags[i] | flag::PLACEMENT) & !flag::CANDIDATE;
        y.months_left[i] = months;
        tally.stocks[status::IDLE as usize] -= 1;
        tally.stocks[status::WORK as usize] += 1;
        tally.placements += 1;
    }
}

/// A uniform sample of `n` of `items` (all of them if there are fewer), as a prefix.
fn pick<'a>(items: &'a mut [usize], n: usize, rng: &mut Stream) -> &'a [usize] {
    let n = n.min(items.len());
    for i in 0..n {
        let j = i + rng.below((items.len() - i) as u64) as usize;
        items.swap(i, j);
    }
    &items[..n]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::params::Params;

    fn world_with_candidates(poor: usize, other: usize) -> World {
        let mut p = Params::defaults();
        p.regions[0].youths = (poor + other) as u64;
        let mut w = World::empty(&p);
        for i in 0..poor + other {
            w.youths.status[i] = status::IDLE;
            w.youths.age[i] = 250;
            w.youths.flags[i] = flag::CANDIDATE | if i < poor { flag::POOR } else { 0 };
        }
        w
    }

    fn jobs(slots: u64, target_poor: bool) -> YouthJobsNow {
        YouthJobsNow { slots, stipend: 3600.0, months: 12, retention: 0.4, target_poor }
    }

    #[test]
    fn poor_candidates_go_first() {
        let mut w = world_with_candidates(5, 20);
        let mut tally = Tally { stocks: [0, 0, 25, 0], candidates: [5, 20], placements: 2, ..Tally::new(1) };
        hire(&mut w, 0, &jobs(10, true), &mut tally, 1);
        // 10 slots, 2 running: 8 hired, all 5 poor and 3 others.
        assert_eq!(tally.placements, 10);
        assert_eq!(tally.stocks, [0, 8, 17, 0]);
        assert!((0..5).all(|i| w.youths.status[i] == status::WORK && w.youths.months_left[i] == 12));
        assert_eq!((5..25).filter(|&i| w.youths.status[i] == status::WORK).count(), 3);
        assert!(
            (0..25).all(|i| w.youths.status[i] != status::WORK || w.youths.flags[i] & flag::PLACEMENT != 0)
        );
    }

    #[test]
    fn no_free_slots_no_hires() {
        let mut w = world_with_candidates(5, 5);
        let mut tally = Tally { stocks: [0, 0, 10, 0], candidates: [5, 5], placements: 10, ..Tally::new(1) };
        hire(&mut w, 0, &jobs(10, true), &mut tally, 1);
        assert_eq!(tally.stocks, [0, 0, 10, 0]);
    }

    #[test]
    fn untargeted_hiring_is_uniform() {
        let mut hired_poor = 0;
        for seed in 0..400 {
            let mut w = world_with_candidates(10, 10);
            let mut tally = Tally { stocks: [0, 0, 20, 0], candidates: [10, 10], ..Tally::new(1) };
            hire(&mut w, 0, &jobs(5, false), &mut tally, seed);
            hired_poor += (0..10).filter(|&i| w.youths.status[i] == status::WORK).count();
        }
        // 2000 hires, half expected poor: hypergeometric sd < sqrt(2000/4) ≈ 22.4; 5 sd.
        assert!((hired_poor as f64 - 1000.0).abs() < 112.0, "{hired_poor}");
    }
}
