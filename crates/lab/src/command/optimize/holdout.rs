//! `optimize`'s front judged out of sample. The search ranks candidates by means over the
//! replicates it selects on, which is the right design for ranking (common random numbers)
//! but gives the winners' values the winner's curse: a point on the front is there partly
//! because its replicates were lucky. So once the search is done, the final front and the
//! reference scenarios are run again on fresh replicates (replicates 0..R of a seed no
//! candidate ran, [`holdout_seed`]), and those values, their intervals and the budget
//! feasibility they give are what `holdout.csv`, `references.csv`, the chart and
//! `front/point-K.toml` report. The search's own progress is recorded as the hypervolume
//! of each generation's front (`hypervolume.csv`, `charts/hypervolume.png`).

use crate::command::generations::Prepared;
use crate::command::optimize::{Generation, Objective, Record, Search, final_front};
use crate::experiment::outcomes;
use crate::spelling::fmt_real;
use narcodoor_charts::{self as charts, Band, ChartText};
use narcodoor_model::rng::key;
use narcodoor_numerics::nsga2;

/// The seed of the fresh replicates: a hash of the search's seed, in 63 bits so that a
/// scenario file (a TOML integer) can hold it.
pub fn holdout_seed(seed: u64) -> u64 {
    key(&[seed, 0x686f_6c64]) >> 1
}

/// Candidates (or scenarios) made ready to run on the fresh replicates.
pub fn on_fresh_seed(prepared: Vec<Prepared>, seed: u64) -> Vec<Prepared> {
    prepared
        .into_iter()
        .map(|mut c| {
            if let Ok(p) = &mut c.params {
                p.run.seed = holdout_seed(seed);
            }
            c
        })
        .collect()
}

/// The front's points re-run on the fresh replicates, in front order.
pub fn reevaluate(
    search: &Search<'_>,
    runner: &mut crate::command::runner::Runner,
    front: &[Record],
) -> anyhow::Result<Vec<Record>> {
    let prepared = front.iter().map(|r| search.prepare(&r.values)).collect();
    search.evaluate(runner, &on_fresh_seed(prepared, search.spec.scenario.params.run.seed))
}

/// For each front point, the names of the reference scenarios that dominate it on the
/// fresh replicates by the search's own rule ([`nsga2::dominates`]: no worse in every
/// objective's mean and better in one, or within the budget where the point is not), and
/// are themselves within the budget (a reference that breaks it, or failed, beats nothing).
/// A front point so beaten is one the search missed, which a reader must be told (issue 27,
/// item 9).
pub fn dominated_by(fresh: &[Record], refs: &[(String, Record)], budget: Option<f64>) -> Vec<Vec<String>> {
    let refs: Vec<(&String, nsga2::Fitness)> =
        refs.iter().map(|(name, r)| (name, r.fitness(budget))).filter(|(_, f)| f.is_feasible()).collect();
    let beaten_by = |p: nsga2::Fitness| -> Vec<String> {
        refs.iter().filter(|(_, r)| nsga2::dominates(r, &p)).map(|(name, _)| name.to_string()).collect()
    };
    fresh.iter().map(|p| beaten_by(p.fitness(budget))).collect()
}

/// The hypervolume of each generation's final front (feasible points only; 0 when none is
/// feasible) against one reference point for the whole search: per objective, the worst
/// feasible mean ever evaluated plus a tenth of the range (so the extreme points count).
pub fn hypervolumes(gens: &[Generation], budget: Option<f64>) -> Vec<(f64, usize)> {
    let ok = |r: &&Record| r.error.is_none() && r.feasible(budget);
    let all: Vec<&Record> = gens.iter().flat_map(|g| &g.evaluated).filter(ok).collect();
    let Some(first) = all.first() else { return vec![(0.0, 0); gens.len()] };
    let reference: Vec<f64> = (0..first.mean.len())
        .map(|k| {
            let (lo, hi) = all.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                (lo.min(r.mean[k]), hi.max(r.mean[k]))
            });
            hi + if hi > lo { 0.1 * (hi - lo) } else { 1.0 }
        })
        .collect();
    gens.iter()
        .map(|g| {
            let front: Vec<Vec<f64>> =
                final_front(&g.population, budget).iter().filter(ok).map(|r| r.mean.clone()).collect();
            (nsga2::hypervolume(&front, &reference), front.len())
        })
        .collect()
}

/// `hypervolume.csv`: generation, hypervolume, front size.
pub fn hypervolume_csv(series: &[(f64, usize)]) -> String {
    let mut out = String::from("generation,hypervolume,front_size\n");
    for (g, (hv, n)) in series.iter().enumerate() {
        out.push_str(&format!("{g},{},{n}\n", fmt_real(*hv)));
    }
    out
}

/// `charts/hypervolume.png`: the convergence of the search. The hypervolume is the room
/// (an area for two objectives) the front dominates below the reference point, so its unit
/// is the product of the objectives' units.
pub fn hypervolume_chart(
    path: &std::path::Path,
    series: &[(f64, usize)],
    objectives: &[Objective],
) -> anyhow::Result<()> {
    let x: Vec<f64> = (0..series.len()).map(|g| g as f64).collect();
    let band = Band::line("hypervolume of the front", series.iter().map(|s| s.0).collect());
    let units: Vec<String> = objectives.iter().map(|o| outcomes::unit(o.metric, o.stat)).collect();
    let y_label = format!("hypervolume dominated by the front ({})", units.join(" × "));
    let text = ChartText {
        title: "Hypervolume of each generation's front (in-sample means; one reference point)",
        x_label: "generation (0: the Latin hypercube)",
        y_label: &y_label,
    };
    charts::lines_with_bands(path, &text, &x, &[band], &[])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(values: f64, mean: [f64; 2]) -> Record {
        Record {
            values: vec![values],
            mean: mean.to_vec(),
            lo: mean.to_vec(),
            hi: mean.to_vec(),
            spending: vec![0.0],
            error: None,
            draw_lo: Vec::new(),
            draw_hi: Vec::new(),
        }
    }

    #[test]
    fn hypervolume_grows_as_the_front_improves() {
        let g0 = vec![rec(0.0, [4.0, 4.0]), rec(1.0, [2.0, 6.0])];
        let g1 = vec![rec(2.0, [2.0, 2.0]), rec(0.0, [4.0, 4.0])];
        let gens = vec![
            Generation { evaluated: g0.clone(), population: g0, skipped: 0 },
            Generation { evaluated: g1.clone(), population: g1, skipped: 0 },
        ];
        let hv = hypervolumes(&gens, None);
        // Reference: worst 4 and 6, plus a tenth of the ranges 2 and 4: (4.2, 6.4).
        assert!((hv[0].0 - (0.2 * 2.0 + 2.2 * 0.4)).abs() < 1e-12, "{hv:?}");
        assert!((hv[1].0 - 2.2 * 4.4).abs() < 1e-12, "{hv:?}");
        assert_eq!((hv[0].1, hv[1].1), (2, 1));
        assert!(hypervolume_csv(&hv).starts_with("generation,hypervolume,front_size\n0,"));
    }

    #[test]
    fn a_reference_that_is_no_worse_everywhere_and_better_somewhere_dominates() {
        let front = vec![rec(0.0, [4.0, 4.0]), rec(1.0, [2.0, 6.0]), rec(2.0, [1.0, 1.0])];
        let refs = vec![
            ("cheap".to_string(), rec(f64::NAN, [3.0, 4.0])),
            ("equal".to_string(), rec(f64::NAN, [2.0, 6.0])),
            ("failed".to_string(), Record { error: Some("x".into()), ..rec(f64::NAN, [0.0, 0.0]) }),
        ];
        let by = dominated_by(&front, &refs, None);
        assert_eq!(by, vec![vec!["cheap".to_string()], vec![], vec![]]);
        // A reference over the budget (spending 0 here; a budget below it) beats nothing.
        let over = vec![("cheap".to_string(), Record { spending: vec![10.0], ..rec(f64::NAN, [3.0, 4.0]) })];
        assert_eq!(dominated_by(&front, &over, Some(5.0)), vec![Vec::<String>::new(); 3]);
        // A front point that breaks the budget on the fresh replicates is beaten by any
        // reference within it, whatever their means (the search's constrained domination).
        let spends = vec![Record { spending: vec![10.0], ..rec(0.0, [1.0, 1.0]) }];
        let within = vec![("dear".to_string(), rec(f64::NAN, [9.0, 9.0]))];
        assert_eq!(dominated_by(&spends, &within, Some(5.0)), vec![vec!["dear".to_string()]]);
    }

    #[test]
    fn the_fresh_seed_is_none_the_search_ran() {
        assert_ne!(holdout_seed(1), 1);
        assert_ne!(holdout_seed(1), holdout_seed(2));
        assert!(holdout_seed(1) <= i64::MAX as u64);
    }
}
