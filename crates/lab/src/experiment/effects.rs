//! The rows of a comparison's effects, as the computations produce them and every writer
//! (CSV, JSON, report, web API) reads them: a metric by its position, one paired effect
//! per scenario, metric and statistic, the caveats of a scenario's costs, and which
//! metrics a comparison reports.

use serde::{Serialize, Serializer};

use crate::experiment::outcomes::Statistic;
use crate::written_enum;
use narcodoor_model::metrics::{METRICS, m};
use narcodoor_model::params::Params;
use narcodoor_numerics::stats::{Change, CostEffect};

/// The metrics of `effects.csv`, in their order there; each is compared at the horizon and
/// over the run (total of a flow, mean of a stock or rate).
pub const KEY_METRICS: [usize; 9] = [
    m::MEMBERS,
    m::RECRUITS,
    m::MINOR_RECRUITS,
    m::HOMICIDES,
    m::HOMICIDE_RATE,
    m::PRISON,
    m::SCHOOL,
    m::IDLE,
    m::SPENDING_TOTAL,
];

/// The outcomes whose cost per unit averted is reported (over the run).
pub const COST_OUTCOMES: [usize; 2] = [m::RECRUITS, m::HOMICIDES];

/// Whether an effect row is one lever's spending (the breakdown of `spending_total`).
pub fn is_lever(metric: Metric) -> bool {
    metric.0 >= m::SPENDING_FIRST
}

/// A metric named by its position in `METRICS`: compared as a position, written (CSV,
/// JSON) as its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metric(pub usize);

impl Metric {
    pub fn name(self) -> &'static str {
        METRICS[self.0]
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Metric {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One row of `effects.csv`: a scenario against the baseline on one metric's statistic.
#[derive(Clone, Debug, PartialEq)]
pub struct EffectRow {
    pub scenario: String,
    pub baseline: String,
    pub metric: Metric,
    pub statistic: Statistic,
    pub replicates: usize,
    pub baseline_mean: f64,
    pub scenario_mean: f64,
    /// Mean paired difference scenario − baseline and its Student t interval.
    pub difference: f64,
    pub lo: f64,
    pub hi: f64,
    /// difference / baseline mean (NaN when the baseline mean is 0).
    pub relative: f64,
    pub p_value: f64,
    pub change: Change,
    /// The cost per unit averted (recruits and homicides over the run only): the mean extra
    /// spending, the units averted, the ratio with its Fieller interval (NaN unless the
    /// status is `averted` or `no_extra_cost`) and the status.
    pub cost: Option<CostEffect>,
    /// Whether the scenario's costs rest on a lever outside the government's hands or on a
    /// cost that is zero by assumption (`effects.csv`'s `caveats`).
    pub caveat: Caveat,
}

/// One row of `regional_effects.csv`: a scenario against the baseline in one region (its
/// `cost` is `None`).
#[derive(Clone, Debug, PartialEq)]
pub struct RegionalEffectRow {
    pub region: String,
    pub effect: EffectRow,
}

written_enum! {
    /// What `effects.csv`'s `caveats` column says of a scenario's costs.
    pub enum Caveat {
        /// Every lever on is in the government's hands and has a modelled cost.
        None => "",
        /// A lever on is outside the government's hands (`demand`: consumer countries).
        Exogenous => "exogenous",
        /// A lever on costs nothing by assumption (no cost in the model, or a cost key at 0).
        ZeroCost => "zero_cost_assumed",
        /// Both.
        Both => "exogenous;zero_cost_assumed",
    }
}

/// The levers of a scenario that are outside the government's hands, and those whose cost
/// is zero by assumption: `demand` (a cut in consumer-country demand) is exogenous and
/// costs its `cost_per_capita`, 0 by default; `juvenile_law` and `asset_forfeiture` have no
/// cost in the model (docs/model.md, sections 6.7 and 6.8).
pub fn cost_caveats(p: &Params) -> (Vec<&'static str>, Vec<&'static str>) {
    let pol = &p.policy;
    let mut demand = pol.demand.iter().peekable();
    let demand_on = demand.peek().is_some();
    let demand_free = demand.any(|l| l.p.cost_per_capita == 0.0);
    let exogenous = if demand_on { vec!["demand"] } else { Vec::new() };
    let mut zero = Vec::new();
    if !pol.juvenile_law.is_empty() {
        zero.push("juvenile_law");
    }
    if !pol.asset_forfeiture.is_empty() {
        zero.push("asset_forfeiture");
    }
    if demand_free {
        zero.push("demand");
    }
    (exogenous, zero)
}

/// The caveat of a scenario's costs, from [`cost_caveats`].
pub fn caveat(p: &Params) -> Caveat {
    match cost_caveats(p) {
        (e, z) if e.is_empty() && z.is_empty() => Caveat::None,
        (e, _) if e.is_empty() => Caveat::ZeroCost,
        (_, z) if z.is_empty() => Caveat::Exogenous,
        _ => Caveat::Both,
    }
}

/// The caveat in words for a report or a chart label (empty for none).
pub fn caveat_words(c: Caveat) -> &'static str {
    match c {
        Caveat::None => "",
        Caveat::Exogenous => "outside the government's hands",
        Caveat::ZeroCost => "cost assumed zero",
        Caveat::Both => "outside the government's hands, cost assumed zero",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demand_is_exogenous_and_free_levers_are_marked() {
        let mut p = Params::defaults();
        assert_eq!(caveat(&p), Caveat::None);
        narcodoor_scenario::set_value_f64(&mut p, "policy.demand.reduction", 0.3).unwrap();
        assert_eq!(cost_caveats(&p), (vec!["demand"], vec!["demand"]));
        assert_eq!(caveat(&p), Caveat::Both);
        narcodoor_scenario::set_value_f64(&mut p, "policy.demand.cost_per_capita", 2.0).unwrap();
        assert_eq!(caveat(&p), Caveat::Exogenous);
        let mut p = Params::defaults();
        narcodoor_scenario::set_value_f64(&mut p, "policy.juvenile_law.juvenile_sentence_ratio", 1.0)
            .unwrap();
        assert_eq!(caveat(&p), Caveat::ZeroCost);
        assert_eq!(Caveat::Both.name(), "exogenous;zero_cost_assumed");
    }
}
