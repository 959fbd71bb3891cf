//! The monthly outputs of section 8, nationally and per region.
//!
//! Stocks are counted at the end of the month; flows are the month's; `violence`,
//! `corruption` and `collective_efficacy` are the values in force during the month
//! (youth-weighted means nationally). Counts and costs add up over regions exactly: the
//! national row is the sum of the regional rows for every count and every peso.

use rand::RngExt;
use rand_distr::Poisson;

use super::kingpin::Removal;
use super::params::{LEVERS, Params, RANKS, lever};
use super::policy::LeversNow;
use super::region::RegionNow;
use super::state::World;
use super::youth::Tally;
use crate::rng::Stream;

/// Metric names, in the order and spelling of the output files.
pub const METRICS: [&str; 35] = [
    "school",
    "work",
    "idle",
    "members",
    "members_rank1",
    "members_rank2",
    "members_rank3",
    "members_rank4",
    "prison",
    "recruits",
    "minor_recruits",
    "member_deaths",
    "member_arrests",
    "member_exits",
    "member_ageouts",
    "civilian_homicides",
    "homicides",
    "homicide_rate",
    "cartels_active",
    "violence",
    "corruption",
    "collective_efficacy",
    "consumption",
    "car_thefts",
    "kingpins_removed",
    "spending_total",
    "spending_scholarships",
    "spending_youth_jobs",
    "spending_public_space",
    "spending_policing",
    "spending_police_reform",
    "spending_kingpin",
    "spending_juvenile_law",
    "spending_asset_forfeiture",
    "spending_demand",
];

pub const N_METRICS: usize = METRICS.len();

/// Positions in `METRICS`.
pub mod m {
    pub const SCHOOL: usize = 0;
    pub const WORK: usize = 1;
    pub const IDLE: usize = 2;
    pub const MEMBERS: usize = 3;
    pub const RANK1: usize = 4;
    pub const PRISON: usize = 8;
    pub const RECRUITS: usize = 9;
    pub const MINOR_RECRUITS: usize = 10;
    pub const MEMBER_DEATHS: usize = 11;
    pub const MEMBER_ARRESTS: usize = 12;
    pub const MEMBER_EXITS: usize = 13;
    pub const MEMBER_AGEOUTS: usize = 14;
    pub const CIVILIAN_HOMICIDES: usize = 15;
    pub const HOMICIDES: usize = 16;
    pub const HOMICIDE_RATE: usize = 17;
    pub const CARTELS_ACTIVE: usize = 18;
    pub const VIOLENCE: usize = 19;
    pub const CORRUPTION: usize = 20;
    pub const COLLECTIVE_EFFICACY: usize = 21;
    pub const CONSUMPTION: usize = 22;
    pub const CAR_THEFTS: usize = 23;
    pub const KINGPINS_REMOVED: usize = 24;
    pub const SPENDING_TOTAL: usize = 25;
    /// `spending_<lever>` is `SPENDING_FIRST + lever index`.
    pub const SPENDING_FIRST: usize = 26;
}

/// Metrics whose values are not whole numbers (printed with decimals).
pub fn is_real(i: usize) -> bool {
    matches!(
        i,
        m::HOMICIDE_RATE
            | m::VIOLENCE
            | m::CORRUPTION
            | m::COLLECTIVE_EFFICACY
            | m::CONSUMPTION
            | m::CAR_THEFTS
    ) || i >= m::SPENDING_TOTAL
}

/// Position of a metric by name.
pub fn index_of(name: &str) -> Option<usize> {
    METRICS.iter().position(|&n| n == name)
}

pub type Row = [f64; N_METRICS];

/// One month's outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthMetrics {
    pub national: Row,
    pub regions: Vec<Row>,
}

/// Everything a month produced that the metrics need, beside the world itself.
pub struct MonthInputs<'a> {
    pub now: &'a [RegionNow],
    pub levers: &'a LeversNow,
    /// One per region.
    pub tallies: &'a [Tally],
    /// Severance paid by each region (7.4).
    pub severance: &'a [f64],
    pub removals: &'a [Removal],
    /// The kingpin lever's cost per operation, when it is on.
    pub cost_per_operation: f64,
}

/// Assembles the month's metrics; civilian homicides are drawn here from `rng`.
pub fn month_metrics(params: &Params, world: &World, inp: &MonthInputs, rng_key: u64) -> MonthMetrics {
    let nr = params.regions.len();
    let mut regions = vec![[0.0; N_METRICS]; nr];
    for (r, row) in regions.iter_mut().enumerate() {
        let now = &inp.now[r];
        let lv = &inp.levers.regions[r];
        let t = &inp.tallies[r];
        row[m::SCHOOL] = t.stocks[0] as f64;
        row[m::WORK] = t.stocks[1] as f64;
        row[m::IDLE] = t.stocks[2] as f64;
        row[m::PRISON] = t.stocks[3] as f64;
        let mut members = 0u64;
        for k in 0..world.cartels.len() {
            let c = world.counts.get(k, r);
            for j in 0..RANKS {
                row[m::RANK1 + j] += c[j] as f64;
                members += c[j] as u64;
            }
        }
        row[m::MEMBERS] = members as f64;
        row[m::RECRUITS] = t.recruits as f64;
        row[m::MINOR_RECRUITS] = t.minor_recruits as f64;
        row[m::MEMBER_DEATHS] = t.deaths as f64;
        row[m::MEMBER_ARRESTS] = t.arrests as f64;
        row[m::MEMBER_EXITS] = t.exits as f64;
        row[m::MEMBER_AGEOUTS] = t.ageouts as f64;

        // 7.6: civilian homicides from the month's V, CE and predatory share.
        let reg = &params.regions[r];
        let excess = (now.violence - reg.base_violence).max(0.0);
        let lambda = now.population / 1e5 / 12.0
            * (reg.civilian_homicide_rate
                + params.violence.civilian * excess * (1.0 - 0.5 * now.efficacy) * (1.0 + now.predatory));
        let mut rng = Stream::for_item(rng_key, r);
        let civilians = match Poisson::new(lambda) {
            Ok(d) if lambda > 0.0 => rng.sample(d),
            _ => 0.0,
        };
        row[m::CIVILIAN_HOMICIDES] = civilians;
        row[m::HOMICIDES] = civilians + t.deaths as f64;
        row[m::HOMICIDE_RATE] = row[m::HOMICIDES] * 12.0 / now.population * 1e5;
        row[m::CARTELS_ACTIVE] = (0..world.cartels.len())
            .filter(|&k| world.counts.cartel_region(k, r) > 0 || world.cartels[k].territory[r] > 0.0)
            .count() as f64;
        row[m::VIOLENCE] = now.violence;
        row[m::CORRUPTION] = now.corruption;
        row[m::COLLECTIVE_EFFICACY] = now.efficacy;
        if let Some(f) = &lv.forfeiture {
            row[m::CONSUMPTION] = f.product_share * now.members as f64 * f.doses_per_member;
            row[m::CAR_THEFTS] = f.vehicle_seizure * now.members as f64 * 0.05;
        }

        // Spending by lever (pesos per month).
        let mut spend = [0.0; LEVERS.len()];
        if let Some(s) = &lv.scholarships {
            spend[lever::SCHOLARSHIPS] = t.scholarship_holders as f64 * s.cost_per_holder;
        }
        if let Some(l) = &params.policy.youth_jobs {
            spend[lever::YOUTH_JOBS] = t.placements as f64 * l.p.stipend;
        }
        spend[lever::PUBLIC_SPACE] = lv.fixed_costs.public_space;
        spend[lever::POLICING] = lv.fixed_costs.policing;
        spend[lever::POLICE_REFORM] = lv.fixed_costs.police_reform_pay + inp.severance[r];
        spend[lever::DEMAND] = lv.fixed_costs.demand;
        for rem in inp.removals {
            let total: f64 = rem.territory.iter().sum();
            if rem.territory[r] > 0.0 {
                row[m::KINGPINS_REMOVED] += 1.0;
                spend[lever::KINGPIN] += inp.cost_per_operation * rem.territory[r] / total;
            }
        }
        for (i, s) in spend.iter().enumerate() {
            row[m::SPENDING_FIRST + i] = *s;
        }
        row[m::SPENDING_TOTAL] = spend.iter().sum();
    }

    // National: sums, except rates, the means in force and the count of cartels.
    let mut national = [0.0; N_METRICS];
    for row in &regions {
        for (i, v) in row.iter().enumerate() {
            national[i] += v;
        }
    }
    let youths: f64 = params.regions.iter().map(|r| r.youths as f64).sum();
    let population: f64 = inp.now.iter().map(|n| n.population).sum();
    for i in [m::VIOLENCE, m::CORRUPTION, m::COLLECTIVE_EFFICACY] {
        national[i] =
            regions.iter().zip(&params.regions).map(|(row, r)| row[i] * r.youths as f64).sum::<f64>()
                / youths;
    }
    national[m::HOMICIDE_RATE] = national[m::HOMICIDES] * 12.0 / population * 1e5;
    national[m::CARTELS_ACTIVE] = (0..world.cartels.len()).filter(|&k| world.cartel_active(k)).count() as f64;
    // A removal counts once nationally, and its whole cost is booked once.
    national[m::KINGPINS_REMOVED] = inp.removals.len() as f64;
    let kingpin_cost = inp.removals.len() as f64 * inp.cost_per_operation;
    national[m::SPENDING_TOTAL] += kingpin_cost - national[m::SPENDING_FIRST + lever::KINGPIN];
    national[m::SPENDING_FIRST + lever::KINGPIN] = kingpin_cost;
    MonthMetrics { national, regions }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_spending_columns_follow_the_levers() {
        for (i, name) in METRICS.iter().enumerate() {
            assert_eq!(index_of(name), Some(i));
        }
        for (i, l) in LEVERS.iter().enumerate() {
            assert_eq!(METRICS[m::SPENDING_FIRST + i], format!("spending_{l}"));
        }
        assert_eq!(METRICS[m::RANK1 + 3], "members_rank4");
        assert!(is_real(m::HOMICIDE_RATE) && !is_real(m::HOMICIDES) && is_real(m::SPENDING_FIRST + 8));
    }
}
