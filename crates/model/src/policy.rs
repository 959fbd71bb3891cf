//! The levers in force in one month (section 6 and the ramp rule of section 11).
//!
//! A lever acts in region r in reported month t when its schedule is active then and lists
//! r. Its magnitude keys are multiplied by the ramp factor f; cost terms without a magnitude
//! are paid in full. This module turns the scenario's levers into per-region numbers that
//! the rules read, so no rule needs to know about schedules.

use super::levers::active;
use super::params::{N_LEVERS, Params};

/// What the levers mean for one region this month. Every field is the "no policy" value
/// when the lever is off or inactive.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionLevers {
    /// E_r (7.4): base enforcement × (1 + increase) (+ army_enforcement).
    pub enforcement: f64,
    /// Army's addition to V_r.
    pub army_violence: f64,
    /// 1 − demand reduction.
    pub demand_factor: f64,
    /// The juvenile sentence ratio for this region's youths.
    pub juvenile_ratio: f64,
    pub scholarships: Option<ScholarshipsNow>,
    pub youth_jobs: Option<YouthJobsNow>,
    /// Public-space investment per capita (7.5), 0 when off.
    pub public_space: f64,
    pub reform: Option<ReformNow>,
    /// Share of wages paid in product (0.6 × cash_seizure) and vehicle seizure, with doses.
    pub forfeiture: Option<ForfeitureNow>,
    /// Monthly costs that do not depend on the youths: per-capita terms (pesos).
    pub fixed_costs: FixedCosts,
    /// The reported month (negative during burn-in) and the region, for the rules of
    /// levers that read their instances themselves (`levers::active`).
    pub month: i64,
    pub region: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScholarshipsNow {
    pub coverage: f64,
    /// While a ramp raises coverage from c' to c, the odds that a poor student who drew and
    /// lost earlier draws again and wins: (c − c')/(1 − c'), so that every student ends up
    /// a holder with probability c (docs/model.md, changed rule D2).
    pub redraw: f64,
    pub amount: f64,
    /// `1 − max_dropout_cut × amount/(amount + half_amount)`.
    pub dropout_factor: f64,
    /// Cost per holder in School: amount × (1 + overhead).
    pub cost_per_holder: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct YouthJobsNow {
    pub slots: u64,
    pub stipend: f64,
    pub months: u32,
    pub retention: f64,
    pub target_poor: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReformNow {
    pub pay_raise: f64,
    /// Share of the corrupt removed per month (purge / 12).
    pub purge_monthly: f64,
    pub registry: bool,
    pub rehire_share: f64,
    pub officers: f64,
    pub salary: f64,
    pub severance: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ForfeitureNow {
    pub product_share: f64,
    pub vehicle_seizure: f64,
    pub doses_per_member: f64,
}

/// Costs fixed by population and lever sizes, by lever (pesos per month).
#[derive(Clone, Debug, PartialEq)]
pub struct FixedCosts {
    pub public_space: f64,
    pub policing: f64,
    pub police_reform_pay: f64,
    pub demand: f64,
    /// The costs levers declare with their keys (`LeverParams::monthly_cost`), by lever.
    pub declared: [f64; N_LEVERS],
}

impl Default for FixedCosts {
    fn default() -> Self {
        FixedCosts {
            public_space: 0.0,
            policing: 0.0,
            police_reform_pay: 0.0,
            demand: 0.0,
            declared: [0.0; N_LEVERS],
        }
    }
}

/// The levers of one month, per region, plus the national kingpin intensity.
#[derive(Clone, Debug, PartialEq)]
pub struct LeversNow {
    pub regions: Vec<RegionLevers>,
    /// The kingpin lever's ramp factor this month (0 when inactive).
    pub kingpin: f64,
}

impl LeversNow {
    /// The levers in force in reported month `t` (negative during burn-in: all off).
    ///
    /// Instances of one lever combine so that a single instance means what it always
    /// meant: policing increases, army additions, public-space investment and costs add
    /// up; demand factors multiply; for the other levers the last active instance in the
    /// file that covers the region decides (docs/model.md, "Several instances of a lever").
    pub fn at(params: &Params, t: i64) -> LeversNow {
        let regions = (0..params.regions.len()).map(|r| Self::region(params, t, r)).collect();
        let kingpin = params.policy.kingpin.first().map_or(0.0, |l| l.schedule.intensity_at(t));
        LeversNow { regions, kingpin }
    }

    fn region(params: &Params, t: i64, r: usize) -> RegionLevers {
        let pol = &params.policy;
        let reg = &params.regions[r];
        let pop = reg.population();
        let mut costs = FixedCosts::default();
        let (enforcement, army_violence) = Self::policing(params, t, r, &mut costs);
        let mut demand_factor = 1.0;
        for (f, p, _) in active(&pol.demand, t, r) {
            demand_factor *= 1.0 - p.reduction * f;
            costs.demand += p.cost_per_capita * pop;
        }
        let base_ratio = params.justice.juvenile_sentence_ratio;
        let juvenile_ratio = match active(&pol.juvenile_law, t, r).last() {
            Some((f, p, _)) => base_ratio + (p.juvenile_sentence_ratio - base_ratio) * f,
            None => base_ratio,
        };
        let youth_jobs = active(&pol.youth_jobs, t, r).last().map(|(f, p, _)| YouthJobsNow {
            slots: round_half_up(p.slots_per_1000 * f * reg.youths as f64 / 1000.0),
            stipend: p.stipend,
            months: p.months,
            retention: p.retention,
            target_poor: p.target_poor,
        });
        let mut public_space = 0.0;
        for (f, p, _) in active(&pol.public_space, t, r) {
            costs.public_space += p.per_capita * f * pop;
            public_space += p.per_capita * f;
        }
        let forfeiture = active(&pol.asset_forfeiture, t, r).last().map(|(f, p, _)| ForfeitureNow {
            product_share: 0.6 * p.cash_seizure * f,
            vehicle_seizure: p.vehicle_seizure * f,
            doses_per_member: p.doses_per_member,
        });
        for (c, l) in costs.declared.iter_mut().zip(pol.all()) {
            *c = l.monthly_cost(t, r, pop);
        }
        RegionLevers {
            enforcement,
            army_violence,
            demand_factor,
            juvenile_ratio,
            scholarships: Self::scholarships(params, t, r),
            youth_jobs,
            public_space,
            reform: Self::reform(params, t, r, &mut costs),
            forfeiture,
            fixed_costs: costs,
            month: t,
            region: r,
        }
    }

    /// Policing and army levers: the region's enforcement and the army's added violence;
    /// their cost goes to `costs.policing`.
    fn policing(params: &Params, t: i64, r: usize, costs: &mut FixedCosts) -> (f64, f64) {
        let pol = &params.policy;
        let reg = &params.regions[r];
        let pop = reg.population();
        let mut increase = 0.0;
        let mut army_enforcement = 0.0;
        let mut army_violence = 0.0;
        for (f, p, _) in active(&pol.policing, t, r) {
            increase += p.increase * f;
            costs.policing += p.cost_per_capita * p.increase * f * pop;
            if p.army {
                army_enforcement += p.army_enforcement * f;
                army_violence += p.army_violence * f;
                costs.policing += p.army_cost_per_capita * pop;
            }
        }
        let mut enforcement = reg.enforcement;
        if increase != 0.0 || army_enforcement != 0.0 {
            enforcement = reg.enforcement * (1.0 + increase) + army_enforcement;
        }
        (enforcement, army_violence)
    }

    /// The last active scholarship lever, with the share to redraw when coverage grew.
    fn scholarships(params: &Params, t: i64, r: usize) -> Option<ScholarshipsNow> {
        let pol = &params.policy;
        active(&pol.scholarships, t, r).last().map(|(f, p, l)| {
            let amount = p.amount * f;
            let (now, before) = (p.coverage * f, p.coverage * l.acting(t - 1, r).map_or(0.0, |x| x.0));
            ScholarshipsNow {
                coverage: now,
                redraw: if now > before && before > 0.0 { (now - before) / (1.0 - before) } else { 0.0 },
                amount,
                dropout_factor: 1.0 - p.max_dropout_cut * amount / (amount + p.half_amount).max(1e-300),
                cost_per_holder: amount * (1.0 + p.admin_overhead),
            }
        })
    }

    /// The last active police reform lever; its pay rise goes to `costs.police_reform_pay`.
    fn reform(params: &Params, t: i64, r: usize, costs: &mut FixedCosts) -> Option<ReformNow> {
        let pol = &params.policy;
        let pop = params.regions[r].population();
        active(&pol.police_reform, t, r).last().map(|(f, p, _)| {
            let officers = p.officers_per_100k * pop / 1e5;
            costs.police_reform_pay = p.pay_raise * f * p.salary * officers;
            ReformNow {
                pay_raise: p.pay_raise * f,
                purge_monthly: p.purge * f / 12.0,
                registry: p.registry,
                rehire_share: p.rehire_share,
                officers,
                salary: p.salary,
                severance: p.severance,
            }
        })
    }
}

/// round() with halves going up, as section 4 and section 11 ask.
pub fn round_half_up(x: f64) -> u64 {
    if x <= 0.0 { 0 } else { (x + 0.5).floor() as u64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{Lever, Policing, Schedule, Scholarships};

    #[test]
    fn no_levers_is_the_base_state() {
        let p = Params::defaults();
        let l = LeversNow::at(&p, 5);
        let r = &l.regions[0];
        assert_eq!(r.enforcement, 1.0);
        assert_eq!(r.demand_factor, 1.0);
        assert_eq!(r.juvenile_ratio, 0.25);
        assert!(r.scholarships.is_none() && r.youth_jobs.is_none() && r.reform.is_none());
        assert_eq!(l.kingpin, 0.0);
    }

    #[test]
    fn policing_costs_and_army() {
        let mut p = Params::defaults();
        p.policy.policing =
            vec![Lever { schedule: Schedule::always(1), p: Policing { army: true, ..Policing::default() } }];
        let r = &LeversNow::at(&p, 0).regions[0];
        assert!((r.enforcement - (1.5 + 0.5)).abs() < 1e-12);
        assert_eq!(r.army_violence, 0.3);
        let pop = 100_000.0 / 0.33;
        assert!((r.fixed_costs.policing - (38.0 * 0.5 * pop + 10.0 * pop)).abs() < 1e-6);
        // Burn-in: nothing.
        assert_eq!(LeversNow::at(&p, -1).regions[0].enforcement, 1.0);
    }

    #[test]
    fn scholarships_ramp_scales_amount_and_coverage() {
        let mut p = Params::defaults();
        p.policy.scholarships = vec![Lever {
            schedule: Schedule { start_month: 0, end_month: None, regions: vec![true], ramp_months: 2 },
            p: Scholarships::default(),
        }];
        let s = LeversNow::at(&p, 0).regions[0].scholarships.clone().unwrap();
        assert_eq!(s.amount, 400.0);
        assert_eq!(s.coverage, 0.25);
        // Nobody has drawn before the first month: no redraws.
        assert_eq!(s.redraw, 0.0);
        // Month 1: coverage 0.25 → 0.5; losers redraw with (0.5 − 0.25)/(1 − 0.25) = 1/3.
        let s1 = LeversNow::at(&p, 1).regions[0].scholarships.clone().unwrap();
        assert!((s1.redraw - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(LeversNow::at(&p, 5).regions[0].scholarships.clone().unwrap().redraw, 0.0);
        assert!((s.dropout_factor - (1.0 - 0.9 * 400.0 / 1000.0)).abs() < 1e-12);
        assert!((s.cost_per_holder - 432.0).abs() < 1e-9);
    }

    #[test]
    fn rounding_goes_half_up() {
        assert_eq!(round_half_up(2.5), 3);
        assert_eq!(round_half_up(2.4999), 2);
        assert_eq!(round_half_up(-1.0), 0);
    }
}
