//! Incremental cost-effectiveness, the health-economics convention: options ranked by
//! cost, each compared with the next cheaper option that is not dominated; an option that
//! costs more and averts less than another is *dominated*, one whose incremental cost per
//! unit averted is higher than that of the next dearer option is *extendedly dominated*
//! (a mix of its neighbours would do better), and neither gets an incremental ratio.
//!
//! `compare` applies it to every scenario against the baseline (the option of cost 0 and
//! nothing averted), for recruits and for homicides averted over the run. Its inputs are
//! means over paired replicates; the ratios have no interval (the paired intervals of each
//! scenario against the baseline are in `effects.csv`).

use crate::experiment::effects::Caveat;
use crate::experiment::effects::{EffectRow, Metric};
use crate::experiment::outcomes::Statistic;
use narcodoor_model::metrics::m;

/// One option: its extra cost over the baseline and the units it averts (means).
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub label: String,
    pub cost: f64,
    pub averted: f64,
}

crate::written_enum! {
    /// Where an option stands.
    pub enum Standing {
        /// The reference: the baseline (no extra cost, nothing averted).
        Reference => "reference",
        /// On the frontier: its ratio is against the next cheaper frontier option.
        Frontier => "frontier",
        /// Another option costs no more and averts at least as much (one strictly).
        Dominated => "dominated",
        /// A mix of the frontier options either side averts more for the same cost.
        ExtendedlyDominated => "extendedly_dominated",
    }
}

/// An option's standing and, on the frontier, its increments over the next cheaper
/// frontier option (`against`).
#[derive(Clone, Debug, PartialEq)]
pub struct Incremental {
    pub label: String,
    pub cost: f64,
    pub averted: f64,
    pub standing: Standing,
    pub against: Option<String>,
    pub extra_cost: f64,
    pub extra_averted: f64,
    /// extra_cost / extra_averted (NaN off the frontier).
    pub ratio: f64,
}

/// Ranks `options` (the reference first, at cost 0 and nothing averted) by cost and gives
/// each its standing and incremental ratio. The result is the reference, then the options
/// in order of cost (ties: more averted first, then input order); an option that saves
/// money (negative cost) and averts more has a negative ratio against the reference.
pub fn incremental(reference: &str, options: &[Choice]) -> Vec<Incremental> {
    let mut all = vec![Choice { label: reference.into(), cost: 0.0, averted: 0.0 }];
    all.extend(options.iter().cloned());
    // The reference anchors the ranking: the others follow it by cost.
    let mut order: Vec<usize> = (1..all.len()).collect();
    order.sort_by(|&a, &b| {
        all[a].cost.total_cmp(&all[b].cost).then(all[b].averted.total_cmp(&all[a].averted)).then(a.cmp(&b))
    });
    order.insert(0, 0);
    let mut standing = vec![Standing::Frontier; all.len()];
    standing[0] = Standing::Reference;
    for &i in &order {
        let beaten = |j: usize| {
            let (o, p) = (&all[i], &all[j]);
            j != i && p.cost <= o.cost && p.averted >= o.averted && (p.cost < o.cost || p.averted > o.averted)
        };
        if i != 0 && (0..all.len()).any(beaten) {
            standing[i] = Standing::Dominated;
        }
    }
    extended_dominance(&all, &order, &mut standing);
    let mut out = Vec::with_capacity(all.len());
    let mut previous: Option<usize> = None;
    for &i in &order {
        let o = &all[i];
        let mut row = Incremental {
            label: o.label.clone(),
            cost: o.cost,
            averted: o.averted,
            standing: standing[i],
            against: None,
            extra_cost: f64::NAN,
            extra_averted: f64::NAN,
            ratio: f64::NAN,
        };
        if matches!(standing[i], Standing::Frontier | Standing::Reference) {
            if let (Some(p), Standing::Frontier) = (previous, standing[i]) {
                row.against = Some(all[p].label.clone());
                row.extra_cost = o.cost - all[p].cost;
                row.extra_averted = o.averted - all[p].averted;
                row.ratio = row.extra_cost / row.extra_averted;
            }
            previous = Some(i);
        }
        out.push(row);
    }
    out
}

/// Marks frontier options whose ratio exceeds the next frontier option's, until none does.
fn extended_dominance(all: &[Choice], order: &[usize], standing: &mut [Standing]) {
    loop {
        let frontier: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| matches!(standing[i], Standing::Frontier | Standing::Reference))
            .collect();
        let ratio = |a: usize, b: usize| (all[b].cost - all[a].cost) / (all[b].averted - all[a].averted);
        let found = frontier.windows(3).find(|w| ratio(w[0], w[1]) > ratio(w[1], w[2]));
        match found {
            Some(w) => standing[w[1]] = Standing::ExtendedlyDominated,
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(label: &str, cost: f64, averted: f64) -> Choice {
        Choice { label: label.into(), cost, averted }
    }

    fn find<'a>(rows: &'a [Incremental], label: &str) -> &'a Incremental {
        rows.iter().find(|r| r.label == label).unwrap()
    }

    /// One option of each standing, worked by hand.
    #[test]
    fn dominated_and_extendedly_dominated_options_get_no_ratio() {
        let options = [
            opt("cheap", 100.0, 10.0),
            opt("dominated", 300.0, 5.0),
            opt("middle", 500.0, 20.0),
            opt("dear", 600.0, 40.0),
        ];
        let rows = incremental("base", &options);
        let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["base", "cheap", "dominated", "middle", "dear"], "ranked by cost");
        assert_eq!(find(&rows, "base").standing, Standing::Reference);
        assert_eq!(find(&rows, "dominated").standing, Standing::Dominated);
        // middle: (500−100)/(20−10) = 40 per unit; dear after it: 100/20 = 5: middle is
        // extendedly dominated, and dear is compared with cheap: 500/30.
        assert_eq!(find(&rows, "middle").standing, Standing::ExtendedlyDominated);
        assert!(find(&rows, "middle").ratio.is_nan());
        let cheap = find(&rows, "cheap");
        assert_eq!(
            (cheap.standing, cheap.against.as_deref(), cheap.ratio),
            (Standing::Frontier, Some("base"), 10.0)
        );
        let dear = find(&rows, "dear");
        assert_eq!(dear.against.as_deref(), Some("cheap"));
        assert!((dear.ratio - 500.0 / 30.0).abs() < 1e-12);
    }

    #[test]
    fn an_option_worse_than_the_baseline_is_dominated_by_it() {
        let rows = incremental("base", &[opt("worse", 50.0, -3.0), opt("free", 0.0, 2.0)]);
        assert_eq!(find(&rows, "worse").standing, Standing::Dominated);
        // Averting more at no extra cost dominates the baseline itself; its ratio is 0.
        assert_eq!(find(&rows, "free").standing, Standing::Frontier);
        assert_eq!(find(&rows, "free").ratio, 0.0);
    }
}

/// The incremental analysis of a comparison for one outcome (recruits or homicides, over
/// the run): each scenario's mean extra spending and mean units averted, from the rows of
/// `effects.csv`. Scenarios with a cost caveat (a lever outside the government's hands, a
/// cost zero by assumption) are left out: their zero cost is an assumption and would
/// dominate every option that is paid for.
pub fn of_effects(baseline: &str, effects: &[EffectRow], outcome: usize) -> Vec<Incremental> {
    let total = |r: &&EffectRow, metric: usize| r.metric == Metric(metric) && r.statistic == Statistic::Total;
    let options: Vec<Choice> = effects
        .iter()
        .filter(|r| total(r, outcome) && r.caveat == Caveat::None)
        .filter_map(|r| {
            let spending =
                effects.iter().find(|s| s.scenario == r.scenario && total(s, m::SPENDING_TOTAL))?;
            Some(Choice { label: r.scenario.clone(), cost: spending.difference, averted: -r.difference })
        })
        .collect();
    incremental(baseline, &options)
}
