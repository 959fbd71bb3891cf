//! Regions and cartels between the youths' moves: demand (7.1), violence (7.3), the
//! month's contact volume and wage (5), and the end-of-month updates of territory (7.2),
//! corruption (7.4) and collective efficacy (7.5).
//!
//! All of it reads counts, not youths, so it is cheap and sequential.

use super::params::Params;
use super::policy::LeversNow;
use super::state::World;

/// The snapshot aggregates of a region for this month (step 2 of section 2).
#[derive(Clone, Debug, PartialEq)]
pub struct RegionNow {
    pub youths: u64,
    /// Total population P_r.
    pub population: f64,
    /// M_r.
    pub members: u64,
    /// presence_r = Σ_k T[k, r].
    pub presence: f64,
    /// pred_r: territory of predatory cartels.
    pub predatory: f64,
    /// D_r after displacement.
    pub demand: f64,
    /// V_r.
    pub violence: f64,
    /// E_r.
    pub enforcement: f64,
    /// C_r and CE_r in force this month.
    pub corruption: f64,
    pub efficacy: f64,
    /// The labour-demand gap, expected contacts K_r and the wage W_r.
    pub gap: f64,
    pub contacts: f64,
    pub wage: f64,
}

/// Computes every region's aggregates from the snapshot and the levers.
pub fn snapshot(world: &World, params: &Params, levers: &LeversNow) -> Vec<RegionNow> {
    let nr = params.regions.len();
    let v = &params.violence;
    // Demand before displacement (7.1).
    let mut demand: Vec<f64> = (0..nr)
        .map(|r| {
            let reg = &params.regions[r];
            let pred: f64 = predatory(world, r);
            reg.demand
                * reg.youths as f64
                * levers.regions[r].demand_factor
                * (1.0 + v.extortion_labour * pred)
        })
        .collect();
    displace(&mut demand, params, levers);
    (0..nr)
        .map(|r| {
            let reg = &params.regions[r];
            let rs = &world.regions[r];
            let lv = &levers.regions[r];
            let members = world.counts.region_total(r);
            let n = reg.youths as f64;
            let hhi = if members == 0 {
                1.0
            } else {
                (0..world.cartels.len())
                    .map(|k| {
                        let s = world.counts.cartel_region(k, r) as f64 / members as f64;
                        s * s
                    })
                    .sum()
            };
            let violence = reg.base_violence
                + v.conflict * (1.0 - hhi) * (members as f64 / n) / v.reference_density
                + rs.shock
                + lv.army_violence;
            let d = demand[r];
            let gap = if d > 0.0 { (1.0 - members as f64 / d).max(0.0) } else { 0.0 };
            let shield = (1.0 - params.recruit.shield * rs.efficacy).max(0.0);
            RegionNow {
                youths: reg.youths,
                population: reg.population(),
                members,
                presence: world.presence(r),
                predatory: predatory(world, r),
                demand: d,
                violence,
                enforcement: lv.enforcement,
                corruption: rs.corruption,
                efficacy: rs.efficacy,
                gap,
                contacts: params.recruit.intensity
                    * recruiters(members, n, world.presence(r), params)
                    * gap
                    * shield,
                wage: (reg.narco_wage * (1.0 + params.cartels.wage_response * gap)).max(1.0),
            }
        })
        .collect()
}

/// The recruiters behind K_r: the region's members M_r, or, with `recruit.presence_floor`
/// (note 40), at least presence_floor × N_r × presence_r. Without the floor a region whose
/// last members leave never recruits again (K_r ∝ M_r), an absorbing state that a small
/// population (few members per region) reaches by chance: rates then fall with the
/// population's size. The floor stands for the cells a cartel keeps in the territory it
/// holds; below it, recruitment no longer depends on how many members happen to be left.
fn recruiters(members: u64, youths: f64, presence: f64, params: &Params) -> f64 {
    match params.recruit.presence_floor {
        Some(floor) => (members as f64).max(floor * youths * presence),
        None => members as f64,
    }
}

/// pred_r = Σ of predatory cartels' T[k, r].
fn predatory(world: &World, r: usize) -> f64 {
    world.cartels.iter().filter(|c| c.predatory).map(|c| c.territory[r]).sum()
}

/// The balloon effect (7.1): a region whose enforcement rose more than its neighbours'
/// loses a share of its demand, split evenly among them. Shares are computed from the
/// pre-displacement demand, so the order of regions does not matter.
pub fn displace(demand: &mut [f64], params: &Params, levers: &LeversNow) {
    let rel: Vec<f64> = params
        .regions
        .iter()
        .zip(&levers.regions)
        .map(|(reg, lv)| if reg.enforcement > 0.0 { lv.enforcement / reg.enforcement } else { 1.0 })
        .collect();
    let before = demand.to_vec();
    for (n, reg) in params.regions.iter().enumerate() {
        let nb = &reg.neighbours;
        if nb.is_empty() {
            continue;
        }
        let mean_nb = nb.iter().map(|&m| rel[m]).sum::<f64>() / nb.len() as f64;
        let share = (params.violence.displacement * (rel[n] - mean_nb).max(0.0)).min(0.5);
        if share > 0.0 {
            let out = share * before[n];
            demand[n] -= out;
            for &m in nb {
                demand[m] += out / nb.len() as f64;
            }
        }
    }
}

/// Territory below this share is abandoned (section 1).
pub const TERRITORY_FLOOR: f64 = 0.005;

/// 7.2: stronger cartels take ground, then the floor. Reads end-of-month membership.
pub fn update_territory(world: &mut World, params: &Params) {
    let gamma = params.territory.gamma;
    let rate = params.territory.rate;
    for r in 0..world.layout.regions() {
        let strength: Vec<f64> =
            (0..world.cartels.len()).map(|k| (world.counts.cartel_region(k, r) as f64).powf(gamma)).collect();
        let total: f64 = strength.iter().sum();
        if total > 0.0 {
            let presence = world.presence(r);
            for (k, c) in world.cartels.iter_mut().enumerate() {
                c.territory[r] += rate * (presence * strength[k] / total - c.territory[r]);
            }
        }
        for c in world.cartels.iter_mut() {
            if c.territory[r] < TERRITORY_FLOOR {
                c.territory[r] = 0.0;
            }
        }
    }
}

/// 7.4: corruption relaxes to its target, then purges remove a share; without a registry
/// part of the removed corruption is rehired by the neighbours. Returns the severance paid
/// by each region this month.
pub fn update_corruption(world: &mut World, params: &Params, levers: &LeversNow) -> Vec<f64> {
    let nr = world.regions.len();
    let mut severance = vec![0.0; nr];
    let mut rehired = vec![0.0; nr];
    for r in 0..nr {
        let c0 = params.regions[r].corruption;
        let reform = levers.regions[r].reform.as_ref();
        let target = c0 / (1.0 + 2.0 * reform.map_or(0.0, |f| f.pay_raise));
        let c = &mut world.regions[r].corruption;
        *c += 0.05 * (target - *c);
        if let Some(f) = reform {
            let removed = f.purge_monthly * *c;
            severance[r] = f.severance * f.officers * f.purge_monthly * *c;
            *c -= removed;
            let nb = &params.regions[r].neighbours;
            if !f.registry && !nb.is_empty() {
                for &m in nb {
                    rehired[m] += f.rehire_share * removed / nb.len() as f64;
                }
            }
        }
    }
    for (rs, add) in world.regions.iter_mut().zip(rehired) {
        rs.corruption = (rs.corruption + add).clamp(0.0, 1.0);
    }
    severance
}

/// 7.5: violence erodes collective efficacy, investment rebuilds it, and it recovers slowly
/// on its own. `violence` is this month's V_r.
pub fn update_efficacy(world: &mut World, params: &Params, levers: &LeversNow, violence: &[f64]) {
    for (r, rs) in world.regions.iter_mut().enumerate() {
        let reg = &params.regions[r];
        let inv = levers.regions[r].public_space;
        let ce = rs.efficacy;
        let invest = if inv > 0.0 { inv / (inv + 50.0) } else { 0.0 };
        let next = ce + 0.02 * (reg.collective_efficacy - ce) + 0.02 * invest * (0.9 - ce)
            - 0.01 * (violence[r] - reg.base_violence).max(0.0) * ce;
        rs.efficacy = next.clamp(0.0, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{Lever, PoliceReform, Policing, Schedule};

    fn two_regions() -> Params {
        let mut p = Params::two_neighbouring_regions();
        p.cartel_list[0].territory = vec![1.0, 1.0];
        p
    }

    /// A lever's schedule: from month 0, in region A only.
    fn region_a_only() -> Schedule {
        let mut sched = Schedule::always(2);
        sched.regions = vec![true, false];
        sched
    }

    /// Two regions, two cartels sharing region A (`share` each; the first also holds all of
    /// B), with `members` rank-1 members in A.
    fn two_cartels(share: f64, members: [u32; 2]) -> (Params, World) {
        let mut p = two_regions();
        p.cartel_list[0].territory = vec![share, 1.0];
        p.cartel_list.push(crate::params::CartelSpec {
            name: "b".into(),
            predatory: false,
            territory: vec![share, 0.0],
        });
        let mut w = World::empty(&p);
        w.counts.get_mut(0, 0)[0] = members[0];
        w.counts.get_mut(1, 0)[0] = members[1];
        (p, w)
    }

    #[test]
    fn displacement_moves_demand_to_neighbours() {
        let mut p = two_regions();
        let sched = region_a_only();
        p.policy.policing =
            vec![Lever { schedule: sched, p: Policing { increase: 0.5, ..Policing::default() } }];
        let lv = LeversNow::at(&p, 0);
        let mut d = vec![15.0, 15.0];
        displace(&mut d, &p, &lv);
        // rel = 1.5 vs 1.0: share = min(0.5, 0.5 × 0.5) = 0.25 of 15 moves to B.
        assert!((d[0] - 11.25).abs() < 1e-12 && (d[1] - 18.75).abs() < 1e-12, "{d:?}");
    }

    #[test]
    fn the_presence_floor_keeps_recruiters_where_members_are_few() {
        // Region A: two cartels of territory 0.3 each (presence 0.6), 1,000 youths.
        let (mut p, w) = two_cartels(0.3, [0, 1]);
        let shield = |now: &RegionNow| (1.0 - p.recruit.shield * now.efficacy).max(0.0);
        let now = snapshot(&w, &p, &LeversNow::at(&p, 0));
        let k1 = p.recruit.intensity * 1.0 * now[0].gap * shield(&now[0]);
        assert!((now[0].contacts - k1).abs() < 1e-12, "unset: K counts the one member");
        p.recruit.presence_floor = Some(0.01);
        let now = snapshot(&w, &p, &LeversNow::at(&p, 0));
        // max(1, 0.01 × 1000 × 0.6) = 6 recruiters; the gap still uses the 1 member.
        let k6 = p.recruit.intensity * 6.0 * now[0].gap * shield(&now[0]);
        assert!((now[0].contacts - k6).abs() < 1e-12, "{} vs {k6}", now[0].contacts);
        assert_eq!(now[0].members, 1);
        // Above the floor the members count as before.
        let (mut p, w) = two_cartels(0.3, [10, 0]);
        p.recruit.presence_floor = Some(0.001);
        let now = snapshot(&w, &p, &LeversNow::at(&p, 0));
        let k10 = p.recruit.intensity * 10.0 * now[0].gap * shield(&now[0]);
        assert!((now[0].contacts - k10).abs() < 1e-12);
    }

    #[test]
    fn violence_has_no_conflict_with_one_cartel() {
        let p = two_regions();
        let mut w = World::empty(&p);
        w.counts.get_mut(0, 0)[0] = 5;
        let now = snapshot(&w, &p, &LeversNow::at(&p, 0));
        assert_eq!(now[0].violence, 0.2);
        assert_eq!(now[0].members, 5);
        // D = 0.015 × 1000 = 15; gap = 1 − 5/15.
        assert!((now[0].gap - 2.0 / 3.0).abs() < 1e-12);
        assert!((now[0].wage - 10000.0 * (1.0 + 2.0 / 3.0)).abs() < 1e-9);
        let k = 0.085 * 5.0 * (2.0 / 3.0) * (1.0 - 0.8 * 0.3);
        assert!((now[0].contacts - k).abs() < 1e-12);
    }

    #[test]
    fn conflict_grows_with_fragmentation() {
        let (p, w) = two_cartels(0.5, [5, 5]);
        let now = snapshot(&w, &p, &LeversNow::at(&p, 0));
        // HHI = 0.5; density 10/1000 = 0.01 = 2 × reference.
        assert!((now[0].violence - (0.2 + 2.0 * 0.5 * 2.0)).abs() < 1e-12);
    }

    #[test]
    fn territory_moves_toward_strength_and_keeps_presence() {
        let (p, mut w) = two_cartels(0.4, [30, 10]);
        update_territory(&mut w, &p);
        let (t0, t1) = (w.cartels[0].territory[0], w.cartels[1].territory[0]);
        assert!(t0 > 0.4 && t1 < 0.4);
        assert!((t0 + t1 - 0.8).abs() < 1e-12);
        // Region B has no members: unchanged.
        assert_eq!(w.cartels[0].territory[1], 1.0);
    }

    #[test]
    fn purge_without_registry_spills_to_neighbours() {
        let mut p = two_regions();
        let sched = region_a_only();
        p.policy.police_reform =
            vec![Lever { schedule: sched, p: PoliceReform { purge: 1.2, ..PoliceReform::default() } }];
        let lv = LeversNow::at(&p, 0);
        let mut w = World::empty(&p);
        let sev = update_corruption(&mut w, &p, &lv);
        // C stays 0.4 after relaxing; 0.1 × 0.4 = 0.04 removed; 70% goes to B.
        assert!((w.regions[0].corruption - 0.36).abs() < 1e-12);
        assert!((w.regions[1].corruption - (0.4 + 0.028)).abs() < 1e-12);
        let officers = 380.0 * (1000.0 / 0.33) / 1e5;
        assert!((sev[0] - 100_000.0 * officers * 0.1 * 0.4).abs() < 1e-6);
    }

    #[test]
    fn efficacy_falls_with_violence_and_rises_with_investment() {
        let p = two_regions();
        let lv = LeversNow::at(&p, 0);
        let mut w = World::empty(&p);
        update_efficacy(&mut w, &p, &lv, &[1.2, 0.2]);
        assert!((w.regions[0].efficacy - (0.3 - 0.01 * 1.0 * 0.3)).abs() < 1e-12);
        assert_eq!(w.regions[1].efficacy, 0.3);
    }
}
