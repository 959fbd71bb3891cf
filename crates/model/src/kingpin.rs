//! Kingpin removals and splits (section 6.6): when removals happen, whom they hit, the
//! succession shock with its spillover, and the split into a predatory splinter.
//!
//! This module decides; moving the members of a split cartel is a pass over the youths
//! (`youth::split_chunk`), which the engine runs and reports back through `apply_moves`.

use super::params::{Kingpin, Lever, Params};
use super::state::{Cartel, World};
use crate::rng::Stream;

/// One removal decided this month.
#[derive(Clone, Debug, PartialEq)]
pub struct Removal {
    /// The cartel whose leader was removed.
    pub cartel: usize,
    /// Set when the cartel split: the splinter's index and the share u_r of each region
    /// (0 where the cartel had no territory).
    pub split: Option<Split>,
    /// Shock added to each region's S_r (direct and spillover).
    pub shock: Vec<f64>,
    /// The target's territory share by region at the removal, for attributing the cost.
    pub territory: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    pub splinter: usize,
    pub share: Vec<f64>,
}

/// Removals due this month by the cumulative, ramped rate. The count uses
/// ⌊rate × Σf / 12⌋ with Σf the sum of this and earlier months' ramp factors, which is
/// exactly ⌊rate × (t + 1)/12⌋ without a ramp; a 1e-9 guard absorbs rounding at exact
/// multiples.
pub fn removals_due(world: &mut World, lever: &Lever<Kingpin>, f: f64) -> u64 {
    if f <= 0.0 {
        return 0;
    }
    world.kingpin_cumulative += f;
    let reached = (lever.p.removals_per_year * world.kingpin_cumulative / 12.0 + 1e-9).floor() as u64;
    let due = reached.saturating_sub(world.kingpin_done);
    world.kingpin_done = reached.max(world.kingpin_done);
    due
}

/// The target: among active cartels with a leader and territory in the lever's regions,
/// the one with the most members (ties: the lowest index).
pub fn target(world: &World, lever: &Lever<Kingpin>, t: i64) -> Option<usize> {
    let mut best: Option<(usize, u64)> = None;
    for (k, c) in world.cartels.iter().enumerate() {
        let eligible = t >= c.leader_back
            && world.cartel_active(k)
            && c.territory.iter().zip(&lever.schedule.regions).any(|(&tr, &inside)| inside && tr > 0.0);
        if eligible {
            let m = world.counts.cartel_total(k);
            if best.is_none_or(|(_, bm)| m > bm) {
                best = Some((k, m));
            }
        }
    }
    best.map(|(k, _)| k)
}

/// One removal to carry out: whose leader, when, at what ramp factor, where, and how
/// likely the cartel is to split.
#[derive(Clone, Copy, Debug)]
pub struct Strike<'a> {
    pub cartel: usize,
    pub month: i64,
    pub f: f64,
    /// Limits the shock and the split to these regions (a dated event's `regions`);
    /// `None` is everywhere the cartel holds territory, as in 6.6.
    pub regions: Option<&'a [bool]>,
    pub split_probability: f64,
}

impl Strike<'_> {
    /// A removal by the lever's schedule: everywhere, with the lever's split probability.
    pub fn scheduled(p: &Kingpin, cartel: usize, month: i64, f: f64) -> Strike<'static> {
        Strike { cartel, month, f, regions: None, split_probability: p.split_probability }
    }
}

/// Removes a cartel's leader: leaderless months, the shock (direct in every region of the
/// strike where the cartel has territory, `spillover ×` that in their neighbours), and
/// perhaps a split. Shocks are added to S_r here and enter next month's V_r. The
/// splinter's territory is taken from the cartel; its members are moved by the caller.
pub fn remove(world: &mut World, params: &Params, p: &Kingpin, s: &Strike<'_>, rng: &mut Stream) -> Removal {
    let (k, f) = (s.cartel, s.f);
    let nr = world.regions.len();
    world.cartels[k].leader_back = s.month + p.succession_months as i64;
    let mut territory = world.cartels[k].territory.clone();
    if let Some(only) = s.regions {
        for (tr, &inside) in territory.iter_mut().zip(only) {
            if !inside {
                *tr = 0.0;
            }
        }
    }
    let mut shock = vec![0.0; nr];
    for r in 0..nr {
        let presence = world.presence(r);
        if territory[r] > 0.0 && presence > 0.0 {
            let sh = p.shock * f * territory[r] / presence;
            shock[r] += sh;
            for &m in &params.regions[r].neighbours {
                shock[m] += p.spillover * sh;
            }
        }
    }
    for (rs, sh) in world.regions.iter_mut().zip(&shock) {
        rs.shock += sh;
    }
    let split = if rng.uniform() < s.split_probability && world.cartels.len() < u16::MAX as usize {
        let splinter = world.cartels.len();
        let mut share = vec![0.0; nr];
        let mut new_territory = vec![0.0; nr];
        for r in 0..nr {
            if territory[r] > 0.0 {
                let u = 0.3 + 0.4 * rng.uniform();
                share[r] = u;
                new_territory[r] = u * territory[r];
                world.cartels[k].territory[r] = (1.0 - u) * territory[r];
            }
        }
        let name = splinter_name(&world.cartels, k);
        world.cartels.push(Cartel { name, predatory: true, territory: new_territory, leader_back: i64::MIN });
        world.counts.add_cartel();
        Some(Split { splinter, share })
    } else {
        None
    };
    Removal { cartel: k, split, shock, territory }
}

/// The cartel a dated event names, if it is still there: active and holding territory in
/// the event's regions. `None` means the removal is skipped (and reported).
pub fn event_target(world: &World, name: &str, regions: &[bool]) -> Option<usize> {
    let k = world.cartels.iter().position(|c| c.name == name)?;
    let holds = world.cartels[k].territory.iter().zip(regions).any(|(&tr, &inside)| inside && tr > 0.0);
    (world.cartel_active(k) && holds).then_some(k)
}

/// A splinter's name: its root cartel's name and a number, "Golfo splinter 3" (splinters
/// of splinters count under the same root, so names stay short and unique).
fn splinter_name(cartels: &[Cartel], parent: usize) -> String {
    let name = &cartels[parent].name;
    let root = match name.rfind(" splinter ") {
        Some(at) if name[at + 10..].chars().all(|c| c.is_ascii_digit()) => &name[..at],
        _ => name.as_str(),
    };
    let prefix = format!("{root} splinter ");
    let n = cartels.iter().filter(|c| c.name.starts_with(&prefix)).count();
    format!("{prefix}{}", n + 1)
}

/// Books the members moved by a split into the counts: `moved[r]` by rank.
pub fn apply_moves(world: &mut World, from: usize, to: usize, moved: &[[u32; 4]]) {
    for (r, m) in moved.iter().enumerate() {
        for j in 0..4 {
            world.counts.get_mut(from, r)[j] -= m[j];
            world.counts.get_mut(to, r)[j] += m[j];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{CartelSpec, Schedule};

    fn world_and_lever(rate: f64) -> (Params, World, Lever<Kingpin>) {
        let mut p = Params::two_neighbouring_regions();
        p.cartel_list = vec![
            CartelSpec { name: "big".into(), predatory: false, territory: vec![0.6, 0.0] },
            CartelSpec { name: "small".into(), predatory: false, territory: vec![0.4, 1.0] },
        ];
        let mut w = World::empty(&p);
        w.counts.get_mut(0, 0)[0] = 30;
        w.counts.get_mut(1, 0)[0] = 20;
        let lever = Lever {
            schedule: Schedule::always(2),
            p: Kingpin { removals_per_year: rate, ..Kingpin::default() },
        };
        (p, w, lever)
    }

    #[test]
    fn removals_happen_in_the_months_the_rule_says() {
        let (_, mut w, lever) = world_and_lever(2.0);
        let months: Vec<i64> = (0..36).filter(|_| removals_due(&mut w, &lever, 1.0) > 0).collect();
        // ⌊2(t+1)/12⌋ reaches n at t = 6n − 1.
        assert_eq!(months, vec![5, 11, 17, 23, 29, 35]);
        let (_, mut w, lever) = world_and_lever(30.0);
        let counts: Vec<u64> = (0..4).map(|_| removals_due(&mut w, &lever, 1.0)).collect();
        assert_eq!(counts, vec![2, 3, 2, 3]); // ⌊2.5⌋, ⌊5⌋, ⌊7.5⌋, ⌊10⌋
    }

    #[test]
    fn target_is_the_largest_with_a_leader() {
        let (p, mut w, lever) = world_and_lever(2.0);
        assert_eq!(target(&w, &lever, 0), Some(0));
        let mut rng = Stream::new(1);
        let no_split = Kingpin { split_probability: 0.0, ..lever.p.clone() };
        remove(&mut w, &p, &no_split, &Strike::scheduled(&no_split, 0, 0, 1.0), &mut rng);
        // The big one is leaderless for 6 months.
        assert_eq!(target(&w, &lever, 5), Some(1));
        assert_eq!(target(&w, &lever, 6), Some(0));
        // Restricting the lever to region B leaves only the cartel with territory there.
        let mut only_b = lever.clone();
        only_b.schedule.regions = vec![false, true];
        assert_eq!(target(&w, &only_b, 10), Some(1));
    }

    #[test]
    fn shock_spills_to_neighbours() {
        let (p, mut w, lever) = world_and_lever(2.0);
        let no_split = Kingpin { split_probability: 0.0, shock: 1.0, ..lever.p.clone() };
        let r = remove(&mut w, &p, &no_split, &Strike::scheduled(&no_split, 0, 0, 1.0), &mut Stream::new(3));
        // Direct in A: 1.0 × 0.6 / 1.0; spillover to B: 0.3 × 0.6.
        assert!((r.shock[0] - 0.6).abs() < 1e-12 && (r.shock[1] - 0.18).abs() < 1e-12);
        assert_eq!(w.regions[1].shock, r.shock[1]);
        assert!(r.split.is_none());
    }

    #[test]
    fn split_conserves_territory_and_members() {
        let (p, mut w, lever) = world_and_lever(2.0);
        let always = Kingpin { split_probability: 1.0, ..lever.p.clone() };
        let before: Vec<f64> = (0..2).map(|r| w.presence(r)).collect();
        let r = remove(&mut w, &p, &always, &Strike::scheduled(&always, 0, 0, 1.0), &mut Stream::new(4));
        let s = r.split.unwrap();
        assert_eq!(s.splinter, 2);
        assert!(w.cartels[2].predatory);
        assert!(s.share[0] >= 0.3 && s.share[0] <= 0.7 && s.share[1] == 0.0);
        for r in 0..2 {
            assert!((w.presence(r) - before[r]).abs() < 1e-12);
        }
        apply_moves(&mut w, 0, 2, &[[12, 0, 0, 0], [0; 4]]);
        assert_eq!(w.cartels[2].name, "big splinter 1");
        assert_eq!(splinter_name(&w.cartels, 2), "big splinter 2");
        assert_eq!(w.counts.cartel_total(0) + w.counts.cartel_total(2), 30);
    }

    #[test]
    fn an_event_strikes_only_its_regions_and_skips_a_cartel_that_is_gone() {
        let (p, mut w, lever) = world_and_lever(0.0);
        // "small" holds A and B; an event in B alone shocks B (and spills to A) and splits there only.
        let only_b = [false, true];
        let k = event_target(&w, "small", &only_b).unwrap();
        let s = Strike { cartel: k, month: 3, f: 1.0, regions: Some(&only_b), split_probability: 1.0 };
        let kp = Kingpin { shock: 1.0, ..lever.p.clone() };
        let r = remove(&mut w, &p, &kp, &s, &mut Stream::new(5));
        assert!((r.shock[1] - 1.0 / 1.0).abs() < 1e-12 && (r.shock[0] - 0.3).abs() < 1e-12);
        let split = r.split.unwrap();
        assert_eq!(split.share[0], 0.0);
        assert_eq!(w.cartels[1].territory[0], 0.4);
        assert_eq!(w.cartels[1].leader_back, 3 + 6);
        // "big" has no territory in B: an event there finds nothing; unknown names likewise.
        assert_eq!(event_target(&w, "big", &only_b), None);
        assert_eq!(event_target(&w, "nobody", &[true, true]), None);
    }
}
