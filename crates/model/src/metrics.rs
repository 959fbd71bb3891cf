//! The monthly outputs of section 8, nationally and per region.
//!
//! Stocks are counted at the end of the month; flows are the month's; `violence`,
//! `corruption` and `collective_efficacy` are the values in force during the month
//! (youth-weighted means nationally). Counts and costs add up over regions exactly: the
//! national row is the sum of the regional rows for every count and every peso.

use rand::RngExt;
use rand_distr::Poisson;

use super::kingpin::Removal;
use super::params::{LEVERS, N_LEVERS, Params, RANKS, SPENDING_COLUMNS, lever};
use super::policy::LeversNow;
use super::region::RegionNow;
use super::state::World;
use super::youth::Tally;
use crate::rng::Stream;

/// Declares the metrics once, in the order and spelling of the output files: each line
/// gives the position's constant in [`m`], the name and whether the value is a `count`
/// (printed as a whole number) or `real` (printed with decimals). The `spending_<lever>`
/// columns follow, one per lever of `params::LEVERS` in its order (real).
macro_rules! metrics {
    ($($id:ident $name:literal $kind:ident,)*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[repr(usize)]
        enum Position {
            $($id,)*
            SPENDING_FIRST,
        }

        /// Positions in `METRICS`.
        pub mod m {
            $(pub const $id: usize = super::Position::$id as usize;)*
            /// `spending_<lever>` is `SPENDING_FIRST + lever index` (`params::lever`).
            pub const SPENDING_FIRST: usize = super::Position::SPENDING_FIRST as usize;
        }

        /// Metric names, in the order and spelling of the output files.
        pub const METRICS: [&str; N_METRICS] = {
            let mut names = [""; N_METRICS];
            let declared = [$($name,)*];
            let mut i = 0;
            while i < N_METRICS {
                names[i] = if i < m::SPENDING_FIRST { declared[i] } else { SPENDING_COLUMNS[i - m::SPENDING_FIRST] };
                i += 1;
            }
            names
        };

        pub const N_METRICS: usize = m::SPENDING_FIRST + N_LEVERS;

        /// Whether each metric's values are not whole numbers.
        const REAL: [bool; N_METRICS] = {
            let mut real = [true; N_METRICS];
            let declared = [$(metrics!(@real $kind),)*];
            let mut i = 0;
            while i < m::SPENDING_FIRST {
                real[i] = declared[i];
                i += 1;
            }
            real
        };
    };
    (@real real) => {
        true
    };
    (@real count) => {
        false
    };
}

metrics! {
    SCHOOL "school" count,
    WORK "work" count,
    IDLE "idle" count,
    MEMBERS "members" count,
    RANK1 "members_rank1" count,
    RANK2 "members_rank2" count,
    RANK3 "members_rank3" count,
    RANK4 "members_rank4" count,
    PRISON "prison" count,
    RECRUITS "recruits" count,
    MINOR_RECRUITS "minor_recruits" count,
    MEMBER_DEATHS "member_deaths" count,
    MEMBER_ARRESTS "member_arrests" count,
    MEMBER_EXITS "member_exits" count,
    MEMBER_AGEOUTS "member_ageouts" count,
    CIVILIAN_HOMICIDES "civilian_homicides" count,
    HOMICIDES "homicides" count,
    HOMICIDE_RATE "homicide_rate" real,
    CARTELS_ACTIVE "cartels_active" count,
    VIOLENCE "violence" real,
    CORRUPTION "corruption" real,
    COLLECTIVE_EFFICACY "collective_efficacy" real,
    CONSUMPTION "consumption" real,
    CAR_THEFTS "car_thefts" real,
    KINGPINS_REMOVED "kingpins_removed" count,
    SPENDING_TOTAL "spending_total" real,
}

/// Metrics whose values are not whole numbers (printed with decimals).
pub fn is_real(i: usize) -> bool {
    REAL[i]
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

/// Assembles the month's metrics; civilian homicides are drawn here from `rng_key`.
pub fn month_metrics(params: &Params, world: &World, inp: &MonthInputs, rng_key: u64) -> MonthMetrics {
    let regions: Vec<Row> =
        (0..params.regions.len()).map(|r| region_row(params, world, inp, r, rng_key)).collect();
    let national = national_row(params, world, inp, &regions);
    MonthMetrics { national, regions }
}

/// Region r's row.
fn region_row(params: &Params, world: &World, inp: &MonthInputs, r: usize, rng_key: u64) -> Row {
    let mut row = [0.0; N_METRICS];
    let now = &inp.now[r];
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

    let civilians = civilian_homicides(params, now, r, rng_key);
    row[m::CIVILIAN_HOMICIDES] = civilians;
    row[m::HOMICIDES] = civilians + t.deaths as f64;
    row[m::HOMICIDE_RATE] = row[m::HOMICIDES] * 12.0 / now.population * 1e5;
    row[m::CARTELS_ACTIVE] = (0..world.cartels.len())
        .filter(|&k| world.counts.cartel_region(k, r) > 0 || world.cartels[k].territory[r] > 0.0)
        .count() as f64;
    row[m::VIOLENCE] = now.violence;
    row[m::CORRUPTION] = now.corruption;
    row[m::COLLECTIVE_EFFICACY] = now.efficacy;
    if let Some(f) = &inp.levers.regions[r].forfeiture {
        row[m::CONSUMPTION] = f.product_share * now.members as f64 * f.doses_per_member;
        row[m::CAR_THEFTS] = f.vehicle_seizure * now.members as f64 * 0.05;
    }
    spending(params, inp, r, &mut row);
    row
}

/// 7.6: region r's civilian homicides, drawn from the month's V, CE and predatory share.
fn civilian_homicides(params: &Params, now: &RegionNow, r: usize, rng_key: u64) -> f64 {
    let reg = &params.regions[r];
    let excess = (now.violence - reg.base_violence).max(0.0);
    let lambda = now.population / 1e5 / 12.0
        * (reg.civilian_homicide_rate
            + params.violence.civilian * excess * (1.0 - 0.5 * now.efficacy) * (1.0 + now.predatory));
    let mut rng = Stream::for_item(rng_key, r);
    match Poisson::new(lambda) {
        Ok(d) if lambda > 0.0 => rng.sample(d),
        _ => 0.0,
    }
}

/// Region r's spending by lever (pesos per month), its total, and its kingpin removals
/// (each booked in proportion to the region's share of the removed cartel's territory).
fn spending(params: &Params, inp: &MonthInputs, r: usize, row: &mut Row) {
    let lv = &inp.levers.regions[r];
    let t = &inp.tallies[r];
    let mut spend = [0.0; LEVERS.len()];
    if let Some(s) = &lv.scholarships {
        spend[lever::SCHOLARSHIPS] = t.scholarship_holders as f64 * s.cost_per_holder;
    }
    if let Some(l) = params.policy.youth_jobs.first() {
        spend[lever::YOUTH_JOBS] = t.placements as f64 * l.p.stipend;
    }
    spend[lever::PUBLIC_SPACE] = lv.fixed_costs.public_space;
    spend[lever::POLICING] = lv.fixed_costs.policing;
    spend[lever::POLICE_REFORM] = lv.fixed_costs.police_reform_pay + inp.severance[r];
    spend[lever::DEMAND] = lv.fixed_costs.demand;
    for (s, c) in spend.iter_mut().zip(lv.fixed_costs.declared) {
        if c != 0.0 {
            *s += c;
        }
    }
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

/// The national row: sums, except rates, the means in force (weighted by youths) and the
/// count of cartels; a removal counts once nationally, and its whole cost is booked once.
fn national_row(params: &Params, world: &World, inp: &MonthInputs, regions: &[Row]) -> Row {
    let mut national = [0.0; N_METRICS];
    for row in regions {
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
    national[m::KINGPINS_REMOVED] = inp.removals.len() as f64;
    let kingpin_cost = inp.removals.len() as f64 * inp.cost_per_operation;
    national[m::SPENDING_TOTAL] += kingpin_cost - national[m::SPENDING_FIRST + lever::KINGPIN];
    national[m::SPENDING_FIRST + lever::KINGPIN] = kingpin_cost;
    national
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
        assert!((m::SPENDING_TOTAL..N_METRICS).all(is_real));
        assert_eq!(m::SPENDING_FIRST + LEVERS.len(), N_METRICS);
    }
}
