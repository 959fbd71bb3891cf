//! Tests of ABC-SMC's parts and known-answer tests of the whole.

use super::*;

#[test]
fn weighted_quantiles_and_effective_size() {
    let v = [3.0, 1.0, 2.0, 4.0];
    let w = [0.25; 4];
    assert_eq!(weighted_quantile(&v, &w, 0.5), 2.0);
    assert_eq!(weighted_quantile(&v, &w, 0.51), 3.0);
    assert_eq!(weighted_quantile(&v, &w, 1.0), 4.0);
    assert_eq!(weighted_quantile(&v, &[0.0, 0.0, 0.0, 1.0], 0.1), 4.0);
    assert_eq!(weighted_quantile(&[1.0, f64::INFINITY], &[0.5, 0.5], 0.9), f64::INFINITY);
    assert!((effective_sample_size(&w) - 4.0).abs() < 1e-12);
    assert!((effective_sample_size(&[1.0, 0.0]) - 1.0).abs() < 1e-12);
}

#[test]
fn cholesky_and_inverse() {
    let a = vec![vec![4.0, 2.0, 0.4], vec![2.0, 3.0, 0.5], vec![0.4, 0.5, 1.0]];
    let l = cholesky(&a).unwrap();
    let inv = inverse_from_cholesky(&l);
    for i in 0..3 {
        for j in 0..3 {
            let llt: f64 = (0..3).map(|k| l[i][k] * l[j][k]).sum();
            assert!((llt - a[i][j]).abs() < 1e-12);
            let id: f64 = (0..3).map(|k| a[i][k] * inv[k][j]).sum();
            assert!((id - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
        }
    }
    assert!(cholesky(&[vec![1.0, 1.0], vec![1.0, 1.0]]).is_none());
}

#[test]
fn kernel_is_twice_the_weighted_covariance_and_falls_back_when_degenerate() {
    let priors = [Prior::Uniform { lo: -10.0, hi: 10.0 }, Prior::Uniform { lo: -10.0, hi: 10.0 }];
    let pop: Vec<Particle> = [(0.0, 0.0), (2.0, 1.0), (0.0, 1.0), (2.0, 0.0)]
        .iter()
        .map(|&(a, b)| Particle { theta: vec![a, b], weight: 0.25, distance: 0.0 })
        .collect();
    let k = fit_kernel(&pop, &priors);
    // Variances 1 and 0.25, no covariance: doubled, 2 and 0.5.
    assert!((k.chol[0][0] - 2f64.sqrt()).abs() < 1e-12);
    assert!((k.chol[1][1] - 0.5f64.sqrt()).abs() < 1e-12);
    assert!(k.chol[1][0].abs() < 1e-12);
    assert!((k.density(&[0.0, 0.0]) - 1.0).abs() < 1e-12);
    assert!((k.density(&[2f64.sqrt(), 0.0]) - (-0.5f64).exp()).abs() < 1e-12);
    let same: Vec<Particle> =
        (0..3).map(|_| Particle { theta: vec![1.0, 1.0], weight: 1.0, distance: 0.0 }).collect();
    let k = fit_kernel(&same, &priors);
    assert!(k.chol[0][0] > 0.0 && k.chol[0][0] < 1e-4);
}

#[test]
fn proposals_stay_in_the_support_and_log_priors_sample_log_uniformly() {
    let priors = [Prior::Uniform { lo: 0.0, hi: 1.0 }, Prior::LogUniform { lo: 1.0, hi: 1000.0 }];
    let draws = sample_prior(&priors, 3000, 5);
    let below_10 = draws.iter().filter(|t| t[1] < 10.0).count() as f64 / 3000.0;
    assert!((below_10 - 1.0 / 3.0).abs() < 0.03, "{below_10}");
    let pop: Vec<Particle> = draws[..50]
        .iter()
        .map(|t| Particle { theta: t.clone(), weight: 1.0 / 50.0, distance: 0.0 })
        .collect();
    let k = fit_kernel(&pop, &priors);
    let props = propose(&pop, &k, &priors, 500, 5, 1, 0);
    assert!(props.iter().all(|t| (0.0..=1.0).contains(&t[0]) && (1.0..=1000.0).contains(&t[1])));
    assert_eq!(props, propose(&pop, &k, &priors, 500, 5, 1, 0));
    let w = importance_weights(&props, &pop, &k, &priors);
    assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9 && w.iter().all(|&w| w > 0.0));
}

/// A toy simulator: y = (a, ln b) plus Gaussian noise of sd `noise`, from a stream keyed
/// by the point (so the same point gives the same answer, as common random numbers do).
fn toy_distance(theta: &[f64], observed: &[f64], noise: f64) -> f64 {
    let mut s = Stream::new(key(&[theta[0].to_bits(), theta[1].to_bits()]));
    let y = [theta[0] + noise * standard_normal(&mut s), theta[1].ln() + noise * standard_normal(&mut s)];
    let sq: f64 = y.iter().zip(observed).map(|(y, o)| ((y - o) / 0.1).powi(2)).sum();
    (sq / 2.0).sqrt()
}

fn run(
    priors: &[Prior],
    settings: &Settings,
    generations: u64,
    seed: u64,
    observed: &[f64],
    noise: f64,
) -> Vec<Population> {
    let mut pops: Vec<Population> = Vec::new();
    for _ in 0..=generations {
        let next = generation(pops.last(), priors, settings, seed, |batch| {
            batch.iter().map(|t| toy_distance(t, observed, noise)).collect()
        });
        pops.push(next);
    }
    pops
}

#[test]
fn known_answer_toy_posterior_covers_the_truth_and_narrows() {
    let priors = [Prior::Uniform { lo: 0.0, hi: 1.0 }, Prior::LogUniform { lo: 1.0, hi: 100.0 }];
    let truth = [0.3, 10.0];
    let observed = [0.3, 10f64.ln()];
    let settings = Settings { particles: 200, quantile: 0.5, max_batches: 20 };
    let pops = run(&priors, &settings, 6, 42, &observed, 0.02);
    let eps: Vec<f64> = pops.iter().map(|p| p.epsilon).collect();
    assert!(eps.windows(2).all(|w| w[1] <= w[0]), "tolerances must not grow: {eps:?}");
    let last = &pops.last().unwrap().particles;
    assert_eq!(last.len(), 200);
    for (k, p) in priors.iter().enumerate() {
        let (lo, _, hi) = marginal(last, k, 0.9);
        let (plo, phi) = p.work_bounds();
        let width = (p.to_work(hi) - p.to_work(lo)) / (phi - plo);
        assert!(lo <= truth[k] && truth[k] <= hi, "parameter {k}: [{lo}, {hi}] misses {}", truth[k]);
        assert!(width <= 0.5, "parameter {k}: 90% interval is {width} of the prior");
    }
}

#[test]
fn posterior_matches_the_analytic_one_for_a_gaussian_mean() {
    // y = a + N(0, σ²) with a flat prior: the posterior of a is N(y, σ²) (away from the
    // bounds). ABC-SMC's posterior sd tends to σ as ε shrinks.
    let priors = [Prior::Uniform { lo: -2.0, hi: 2.0 }];
    let sigma = 0.1;
    let settings = Settings { particles: 400, quantile: 0.5, max_batches: 30 };
    let mut pops: Vec<Population> = Vec::new();
    for _ in 0..8 {
        let next = generation(pops.last(), &priors, &settings, 9, |batch| {
            batch
                .iter()
                .map(|t| {
                    let mut s = Stream::new(key(&[t[0].to_bits(), 77]));
                    (t[0] + sigma * standard_normal(&mut s) - 0.5).abs()
                })
                .collect()
        });
        pops.push(next);
    }
    let last = &pops.last().unwrap().particles;
    let mean: f64 = last.iter().map(|p| p.weight * p.theta[0]).sum();
    let sd = last.iter().map(|p| p.weight * (p.theta[0] - mean).powi(2)).sum::<f64>().sqrt();
    assert!((mean - 0.5).abs() < 0.03, "posterior mean {mean}");
    assert!((sd / sigma - 1.0).abs() < 0.2, "posterior sd {sd}, analytic {sigma}");
}

#[test]
fn failed_evaluations_are_never_accepted_and_an_exhausted_generation_keeps_the_closest() {
    let priors = [Prior::Uniform { lo: 0.0, hi: 1.0 }];
    let settings = Settings { particles: 20, quantile: 0.5, max_batches: 2 };
    let g0 = generation(None, &priors, &settings, 1, |b| b.iter().map(|t| t[0]).collect());
    // Every later proposal fails except those below 0.1.
    let g1 = generation(Some(&g0), &priors, &settings, 1, |b| {
        b.iter().map(|t| if t[0] < 0.1 { t[0] } else { f64::NAN }).collect()
    });
    // About a tenth of the 40 proposals succeed: the generation keeps those only.
    assert!(!g1.reached_tolerance);
    assert_eq!(g1.evaluated, 40);
    assert!(!g1.particles.is_empty() && g1.particles.len() < 20);
    assert!(g1.particles.iter().all(|p| p.distance < 0.1));
    assert!((g1.particles.iter().map(|p| p.weight).sum::<f64>() - 1.0).abs() < 1e-9);
}
