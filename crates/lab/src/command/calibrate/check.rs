//! The posterior predictive check of `narcodoor calibrate`, run once the last generation is
//! done. The accepted particles' own simulations passed the tolerance by construction, so
//! their spread says nothing about how well the posterior predicts the data; instead,
//! particles are drawn from the last generation by weight and each is run again on fresh
//! seeds (none used by the search). Every replicate of every draw is one realisation of
//! the targets' window means, as the observed series is one; their quantiles are the
//! posterior predictive intervals of `fit.csv`. The point `calibrated.toml` writes (the
//! vector of marginal medians, which no particle need be) is run on fresh seeds too, and
//! its distance is reported beside the last tolerance.

use crate::command::calibrate::targets::distance;
use crate::command::calibrate::{CalibrateSpec, StoredGeneration, replicate_mean, run_points};
use crate::command::generations::Space;
use crate::command::runner::Runner;
use narcodoor_model::rng::{Stream, key};
use narcodoor_numerics::abc::{self, weighted_quantile};

/// The check's results.
#[derive(Clone, Debug, PartialEq)]
pub struct Predictive {
    /// Particles drawn by weight and run again.
    pub draws: usize,
    /// Draws whose run failed (their samples are left out).
    pub failed: usize,
    /// The seed of the first draw's runs (draw i uses `key(seed, PREDICTIVE, i)`).
    pub first_seed: u64,
    /// Per target: (mean, 2.5% quantile, 97.5% quantile) over every draw and replicate.
    pub intervals: Vec<(f64, f64, f64)>,
    /// The marginal medians' window means (over replicates on a fresh seed) and distance.
    pub median_point: Vec<f64>,
    pub median_distance: f64,
    pub median_seed: u64,
}

const PREDICTIVE: u64 = 0x7072_6564;
const MEDIAN: u64 = 0x6d65_6469;

/// Draws `n` particle indices by weight (multinomial, from a stream of the base seed).
pub fn draw_by_weight(weights: &[f64], n: usize, seed: u64) -> Vec<usize> {
    let total: f64 = weights.iter().sum();
    let mut s = Stream::new(key(&[seed, PREDICTIVE, 0x6472_6177]));
    (0..n).map(|_| abc::draw_index(weights.iter().copied(), total, &mut s)).collect()
}

/// The seeds of the check's `n` draws: draw i runs on `key(seed, PREDICTIVE, i)`, a seed
/// no particle of the search ran on (those hash the point, or are the base seed itself
/// under common random numbers), so a drawn particle meets fresh noise, never the luck
/// that got it accepted.
pub fn predictive_seeds(seed: u64, n: usize) -> Vec<u64> {
    (0..n).map(|i| key(&[seed, PREDICTIVE, i as u64])).collect()
}

/// Runs the check: `spec.particles` draws from `last`, and the point `medians`.
pub fn run(
    spec: &CalibrateSpec,
    space: &Space,
    runner: &mut Runner,
    last: &StoredGeneration,
    medians: &[f64],
) -> anyhow::Result<Predictive> {
    let seed = spec.scenario.params.run.seed;
    let weights: Vec<f64> = last.particles.iter().map(|p| p.weight).collect();
    let picks = draw_by_weight(&weights, spec.particles, seed);
    let mut thetas: Vec<Vec<f64>> = picks.iter().map(|&i| last.particles[i].theta.clone()).collect();
    let mut seeds = predictive_seeds(seed, picks.len());
    thetas.push(medians.to_vec());
    seeds.push(key(&[seed, MEDIAN]));
    let mut runs = run_points(spec, space, runner, &thetas, &seeds)?;
    let median_runs = runs.pop().flatten();
    let n = spec.targets.len();
    let failed = runs.iter().filter(|r| r.is_none()).count();
    let samples: Vec<&Vec<f64>> = runs.iter().flatten().flatten().collect();
    let intervals = (0..n).map(|k| interval(&samples.iter().map(|m| m[k]).collect::<Vec<_>>())).collect();
    let median_point = replicate_mean(median_runs.as_ref(), n);
    Ok(Predictive {
        draws: picks.len(),
        failed,
        first_seed: seeds[0],
        intervals,
        median_distance: distance(&spec.targets, &median_point),
        median_point,
        median_seed: key(&[seed, MEDIAN]),
    })
}

/// The mean and 95% interval of equally weighted samples.
fn interval(v: &[f64]) -> (f64, f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let w = vec![1.0; v.len()];
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (mean, weighted_quantile(v, &w, 0.025), weighted_quantile(v, &w, 0.975))
}

/// The effective sample size of a generation's weights.
pub fn effective_sample_size(g: &StoredGeneration) -> f64 {
    abc::effective_sample_size(&g.particles.iter().map(|p| p.weight).collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_follow_the_weights() {
        let picks = draw_by_weight(&[0.7, 0.0, 0.3], 4000, 5);
        assert!(!picks.contains(&1));
        let share = picks.iter().filter(|&&i| i == 0).count() as f64 / 4000.0;
        assert!((share - 0.7).abs() < 0.025, "{share}");
        assert_eq!(picks, draw_by_weight(&[0.7, 0.0, 0.3], 4000, 5));
    }

    /// Issue 29, item 3: the predictive check re-simulates on fresh seeds. Re-running a
    /// particle on the seed the search gave it (with or without common random numbers)
    /// would reproduce the simulations that passed the tolerance, not predict the data.
    #[test]
    fn the_predictive_draws_run_on_seeds_the_search_never_used() {
        use crate::command::calibrate::search_seed;
        let thetas: Vec<Vec<f64>> =
            (0..200).map(|i| vec![f64::from(i) * 0.01, 1.0 - f64::from(i) * 0.003]).collect();
        for seed in [1u64, 42, 0xdead_beef] {
            let fresh = predictive_seeds(seed, thetas.len());
            let used: std::collections::HashSet<u64> = thetas
                .iter()
                .flat_map(|t| [search_seed(seed, false, t), search_seed(seed, true, t)])
                .collect();
            assert!(
                fresh.iter().all(|s| !used.contains(s)),
                "seed {seed}: a predictive draw reuses a search seed"
            );
            let distinct: std::collections::HashSet<&u64> = fresh.iter().collect();
            assert_eq!(distinct.len(), fresh.len(), "seed {seed}: two draws share their noise");
        }
    }

    #[test]
    fn intervals_are_quantiles_of_the_samples() {
        let v: Vec<f64> = (1..=200).map(f64::from).collect();
        let (m, lo, hi) = interval(&v);
        assert_eq!((m, lo, hi), (100.5, 5.0, 195.0));
        assert!(interval(&[]).0.is_nan());
    }
}
