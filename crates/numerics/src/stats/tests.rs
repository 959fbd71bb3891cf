//! Tests of `stats`: known answers.

use super::*;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

fn assert_rel(got: f64, want: f64, tol: f64) {
    let err = ((got - want) / want).abs();
    assert!(err <= tol, "got {got:e}, want {want:e}, relative error {err:e} > {tol:e}");
}

/// Standard normal draws by the Box–Muller transform, enough for the simulations here.
fn normal(rng: &mut Pcg64Mcg) -> f64 {
    let u1 = 1.0 - (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64; // (0, 1]
    let u2 = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
}

#[test]
fn special_functions_known_values() {
    // ln Γ(n) = ln (n − 1)! and ln Γ(½) = ln √π.
    let mut factorial = 1.0f64;
    for n in 1..30 {
        assert!((ln_gamma(n as f64) - factorial.ln()).abs() <= 1e-14 * factorial.ln().max(1.0));
        factorial *= n as f64;
    }
    // The shifted Stirling sum handles terms near 25 in size, so a few 1e-15 absolute.
    let err = (ln_gamma(0.5) - PI.sqrt().ln()).abs();
    assert!(err < 5e-15, "ln Γ(½) off by {err:e}");
    assert!(ln_gamma(0.0).is_nan() && ln_gamma(-1.0).is_nan());
    // B(a, ½) by its three branches agrees with Γ(a)Γ(½)/Γ(a + ½) across the switch
    // points at 10, and with the asymptotic ln B(a, ½) ≈ ln Γ(½) − ½ ln a for large a.
    for a in [0.5, 3.0, 9.999, 10.0, 10.001, 25.0] {
        let want = ln_gamma(a) + ln_gamma(0.5) - ln_gamma(a + 0.5);
        assert!((ln_beta(a, 0.5) - want).abs() < 1e-13, "a = {a}");
        assert!((ln_beta(0.5, a) - want).abs() < 1e-13);
    }
    for a in [12.0, 40.0] {
        let want = ln_gamma(a) + ln_gamma(a + 1.0) - ln_gamma(2.0 * a + 1.0);
        assert!((ln_beta(a, a + 1.0) - want).abs() < 1e-12, "a = {a}");
    }
    let a = 5e8f64;
    let asymptotic = ln_gamma(0.5) - 0.5 * a.ln() + 1.0 / (8.0 * a);
    assert!((ln_beta(a, 0.5) - asymptotic).abs() < 1e-14);
}

#[test]
fn t_quantile_matches_tables() {
    // Two-sided 95% critical values as printed in standard tables (9 significant digits).
    for (df, want) in
        [(1.0, 12.7062047), (2.0, 4.30265273), (9.0, 2.26215716), (29.0, 2.04522964), (1000.0, 1.96233908)]
    {
        assert_rel(student_t_quantile(0.975, df), want, 1e-8);
        assert_rel(student_t_quantile(0.025, df), -want, 1e-8);
    }
    // Other levels: 99% two-sided at df 5, 90% one-sided at df 3, 99.9% at df 10.
    assert_rel(student_t_quantile(0.995, 5.0), 4.03214298, 1e-8);
    assert_rel(student_t_quantile(0.9, 3.0), 1.63774435, 1e-8);
    assert_rel(student_t_quantile(0.999, 10.0), 4.14370049, 1e-8);
    assert_eq!(student_t_quantile(0.5, 7.0), 0.0);
}

#[test]
fn t_quantile_matches_closed_forms() {
    for p in [1e-300f64, 1e-15, 1e-6, 0.001, 0.025, 0.3, 0.4999, 0.6, 0.9, 0.975, 0.999999] {
        // df = 1 (Cauchy): t = tan(π(p − ½)), written as a cotangent of the tail
        // probability away from the centre, where tan near its pole is ill-conditioned.
        let cauchy = if (p - 0.5).abs() < 0.25 {
            (PI * (p - 0.5)).tan()
        } else if p < 0.5 {
            -1.0 / (PI * p).tan()
        } else {
            1.0 / (PI * (1.0 - p)).tan()
        };
        assert_rel(student_t_quantile(p, 1.0), cauchy, 1e-12);
        // df = 2: t = (2p − 1) / sqrt(2p(1 − p)).
        assert_rel(student_t_quantile(p, 2.0), (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt(), 1e-12);
        // df = 4: t = ±2 sqrt(q − 1), q = cos(arccos(√α)/3)/√α, α = 4p(1 − p).
        // (Ill-conditioned near the centre, which the reference table below covers.)
        if p >= 1e-6 && (p - 0.5).abs() > 0.01 {
            let alpha = 4.0 * p * (1.0 - p);
            let q = ((alpha.sqrt()).acos() / 3.0).cos() / alpha.sqrt();
            let want = (p - 0.5).signum() * 2.0 * (q - 1.0).sqrt();
            assert_rel(student_t_quantile(p, 4.0), want, 1e-9);
        }
    }
}

// The references are quoted with all the digits mpmath printed.
#[allow(clippy::excessive_precision)]
#[test]
fn t_quantile_matches_high_precision_reference() {
    // (p, df, quantile) computed with mpmath at 40 significant digits by bisection on
    // its regularized incomplete beta function; non-integer df included.
    for (p, df, want) in [
        (1e-10, 1.5, -2422663.1011343939),
        (0.4999, 1.5, -0.00029348322856184831),
        (0.995, 1.5, 17.820310514462807),
        (0.4999, 4.0, -0.00026666667061728405),
        (1e-10, 7.3, -48.427203034637972),
        (0.001, 7.3, -4.6888659935383738),
        (0.8, 7.3, 0.89367135718022696),
        (0.001, 12.0, -3.9296332646264919),
        (0.995, 12.0, 3.0545395893929021),
        (1e-10, 50.0, -7.9482437476462225),
        (0.4999, 50.0, -0.00025191919889950941),
        (0.8, 300.0, 0.84282101116139372),
        (1e-10, 10000.0, -6.3679413514828029),
        (0.995, 10000.0, 2.5763210466685289),
    ] {
        assert_rel(student_t_quantile(p, df), want, 1e-11);
    }
}

#[test]
fn t_quantile_for_large_df_approaches_normal() {
    // Cornish–Fisher expansion of the t quantile in 1/df around z = Φ⁻¹(0.975); at
    // df ≥ 1e5 the omitted term is below 1e-15.
    let z: f64 = 1.959_963_984_540_054;
    for df in [1e5, 1e6, 1e9] {
        let want = z
            + (z.powi(3) + z) / (4.0 * df)
            + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * df * df);
        assert_rel(student_t_quantile(0.975, df), want, 1e-12);
    }
}

#[test]
fn t_cdf_matches_closed_forms_including_far_tails() {
    for &t in &[-1e12f64, -1e6, -300.0, -20.0, -3.0, -1.0, -0.01, 0.0, 0.5, 2.0, 40.0] {
        let a = t.abs();
        // Lower tails P(T ≤ −|t|) written without cancellation.
        let tail1 = (1.0 / a).atan() / PI;
        let s = (2.0 + a * a).sqrt();
        let tail2 = 1.0 / (s * (s + a));
        let lower = |tail: f64| if t <= 0.0 { tail } else { 1.0 - tail };
        if t == 0.0 {
            assert_eq!(student_t_cdf(t, 1.0), 0.5);
            continue;
        }
        assert_rel(student_t_cdf(t, 1.0), lower(tail1), 1e-12);
        assert_rel(student_t_cdf(t, 2.0), lower(tail2), 1e-12);
    }
    // df = 3: F(t) = ½ + [t/(√3 (1 + t²/3)) + atan(t/√3)] / π, checked where it is
    // well conditioned.
    for t in [-5.0f64, -1.5, 0.3, 2.0, 8.0] {
        let r3 = 3f64.sqrt();
        let want = 0.5 + (t / (r3 * (1.0 + t * t / 3.0)) + (t / r3).atan()) / PI;
        assert_rel(student_t_cdf(t, 3.0), want, 1e-12);
    }
}

#[test]
fn t_quantile_inverts_cdf() {
    for df in [1.0, 1.5, 3.0, 7.3, 30.0, 250.0, 1e4, 1e6] {
        for p in [1e-100, 1e-12, 1e-4, 0.05, 0.2, 0.5, 0.7, 0.95, 0.99999] {
            let t = student_t_quantile(p, df);
            let back = student_t_cdf(t, df);
            assert_rel(back, p, 1e-10);
        }
    }
}

#[test]
fn t_functions_reject_bad_input() {
    assert!(student_t_quantile(1.2, 5.0).is_nan());
    assert!(student_t_quantile(-0.1, 5.0).is_nan());
    assert!(student_t_quantile(f64::NAN, 5.0).is_nan());
    assert!(student_t_quantile(0.9, 0.0).is_nan());
    assert!(student_t_quantile(0.9, f64::INFINITY).is_nan());
    assert!(student_t_cdf(1.0, -1.0).is_nan());
    assert!(student_t_cdf(f64::NAN, 3.0).is_nan());
    assert_eq!(student_t_quantile(0.0, 3.0), f64::NEG_INFINITY);
    assert_eq!(student_t_quantile(1.0, 3.0), f64::INFINITY);
    assert_eq!(student_t_cdf(f64::INFINITY, 3.0), 1.0);
    assert_eq!(student_t_cdf(f64::NEG_INFINITY, 3.0), 0.0);
    assert_rel(student_t_two_sided_p(2.262_157_162_9, 9.0), 0.05, 1e-9);
}

#[test]
fn mean_ci_known_values() {
    let ci = mean_ci(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95);
    assert_eq!(ci.n, 5);
    assert_rel(ci.mean, 3.0, 1e-15);
    assert_rel(ci.sd, 2.5f64.sqrt(), 1e-15);
    assert_rel(ci.se, 0.5f64.sqrt(), 1e-15);
    // t(0.975, 4) = 2.776445105.
    let half = 2.776_445_105_197_8 * 0.5f64.sqrt();
    assert_rel(ci.lo, 3.0 - half, 1e-10);
    assert_rel(ci.hi, 3.0 + half, 1e-10);
}

#[test]
fn mean_ci_is_stable_for_large_close_values() {
    // A naive Σx² − n x̄² would lose every digit of the variance here.
    let xs: Vec<f64> = [1.0, 2.0, 3.0, 4.0, 5.0].iter().map(|x| 1e9 + x).collect();
    let ci = mean_ci(&xs, 0.95);
    assert_rel(ci.mean, 1e9 + 3.0, 1e-15);
    assert_rel(ci.sd, 2.5f64.sqrt(), 1e-9);
}

#[test]
fn mean_ci_degenerate_cases() {
    let empty = mean_ci(&[], 0.95);
    assert_eq!(empty.n, 0);
    assert!(empty.mean.is_nan() && empty.sd.is_nan() && empty.lo.is_nan() && empty.hi.is_nan());

    let one = mean_ci(&[4.5], 0.95);
    assert_eq!((one.n, one.mean, one.lo, one.hi), (1, 4.5, 4.5, 4.5));
    assert!(one.sd.is_nan() && one.se.is_nan());

    let constant = mean_ci(&[2.0; 6], 0.95);
    assert_eq!((constant.sd, constant.lo, constant.hi), (0.0, 2.0, 2.0));

    let bad_level = mean_ci(&[1.0, 2.0], 1.5);
    assert_eq!(bad_level.mean, 1.5);
    assert!(bad_level.lo.is_nan() && bad_level.hi.is_nan());
    assert!(mean_ci(&[1.0], -0.5).lo.is_nan());

    // The precomputed critical value gives the same interval.
    let xs = [2.0, 7.0, 1.0, 8.0];
    assert_eq!(mean_ci(&xs, 0.9), mean_ci_with_critical(&xs, t_critical(0.9, 4)));
    assert!(t_critical(0.9, 1).is_nan() && t_critical(1.0, 5).is_nan());
}

/// Share of `trials` normal samples of size n whose interval mean ± crit·se covers μ.
fn coverage(n: usize, trials: usize, crit: impl Fn(&MeanCi) -> (f64, f64), seed: u64) -> f64 {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mu = 3.0;
    let mut covered = 0;
    for _ in 0..trials {
        let xs: Vec<f64> = (0..n).map(|_| mu + 2.0 * normal(&mut rng)).collect();
        let (lo, hi) = crit(&mean_ci(&xs, 0.95));
        if lo <= mu && mu <= hi {
            covered += 1;
        }
    }
    covered as f64 / trials as f64
}

#[test]
fn mean_ci_covers_at_the_nominal_rate() {
    // 10 000 intervals: the binomial sd of the coverage is sqrt(.95 × .05 / 1e4) =
    // 0.0022, and a band of ±3.29 sd (99.9%) is ±0.0072. The band is narrow enough to
    // reject the normal-quantile interval (coverage ≈ 0.92 at n = 10, ≈ 0.80 at n = 3),
    // which the second half of the test checks so that this test can fail.
    let trials = 10_000;
    let band = 3.29 * (0.95f64 * 0.05 / trials as f64).sqrt();
    for (n, seed) in [(10, 11), (3, 12)] {
        let t_cov = coverage(n, trials, |ci| (ci.lo, ci.hi), seed);
        assert!((t_cov - 0.95).abs() <= band, "n = {n}: t coverage {t_cov}");
        let z_cov = coverage(n, trials, |ci| (ci.mean - 1.96 * ci.se, ci.mean + 1.96 * ci.se), seed);
        eprintln!("n = {n}: t coverage {t_cov}, z coverage {z_cov} (band ±{band:.4})");
        assert!((z_cov - 0.95).abs() > band, "n = {n}: z coverage {z_cov} not rejected");
    }
}

#[test]
fn paired_identical_inputs_have_no_effect() {
    let a = [3.0, 5.0, 2.5, 8.0];
    let e = paired(&a, &a, 0.95).unwrap();
    assert_eq!((e.n, e.diff, e.lo, e.hi, e.relative), (4, 0.0, 0.0, 0.0, 0.0));
    assert!(!e.significant);
    assert_eq!(e.p_value, 1.0);
    assert_eq!((e.mean_a, e.mean_b), (4.625, 4.625));
}

#[test]
fn paired_p_value_agrees_with_interval() {
    // Differences whose mean sits exactly t(0.975, 5)·se above 0: the interval then
    // touches 0 and the p-value must be 0.05; a bit more or less flips the verdict.
    let noise = [-1.0, 0.5, 2.0, -1.5, 0.25, -0.25];
    let base = mean_ci(&noise, 0.95);
    assert!(base.mean.abs() < 1e-15);
    let shift = student_t_quantile(0.975, 5.0) * base.se;
    let a = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0];
    let b = |s: f64| a.iter().zip(&noise).map(|(x, e)| x + e + s).collect::<Vec<_>>();

    let edge = paired(&a, &b(shift), 0.95).unwrap();
    assert_rel(edge.p_value, 0.05, 1e-9);
    assert!(edge.lo.abs() < 1e-12);
    let above = paired(&a, &b(shift * 1.01), 0.95).unwrap();
    assert!(above.significant && above.p_value < 0.05 && above.lo > 0.0);
    let below = paired(&a, &b(shift * 0.99), 0.95).unwrap();
    assert!(!below.significant && below.p_value > 0.05);
    assert_rel(above.relative, above.diff / 35.0, 1e-12);
}

#[test]
fn paired_edge_cases() {
    assert_eq!(paired(&[1.0, 2.0], &[1.0], 0.95), Err(StatsError::LengthMismatch { left: 2, right: 1 }));
    assert_eq!(paired(&[1.0], &[1.0], 0.0), Err(StatsError::BadLevel(0.0)));
    let zero_base = paired(&[0.0, 0.0, 0.0], &[1.0, 2.0, 3.0], 0.95).unwrap();
    assert!(zero_base.relative.is_nan());
    // Every replicate moves by exactly 2: certain, so significant with p = 0.
    let constant = paired(&[1.0, 4.0, 9.0], &[3.0, 6.0, 11.0], 0.95).unwrap();
    assert!(constant.significant);
    assert_eq!((constant.lo, constant.hi, constant.p_value), (2.0, 2.0, 0.0));
    let single = paired(&[1.0], &[5.0], 0.95).unwrap();
    assert_eq!(single.diff, 4.0);
    assert!(!single.significant && single.p_value.is_nan());
    let empty = paired(&[], &[], 0.95).unwrap();
    assert!(empty.diff.is_nan() && !empty.significant);
}

#[test]
fn cost_ratio_is_ratio_of_means_with_fieller_bounds() {
    let cost = [120.0, 80.0, 100.0, 130.0, 95.0, 110.0];
    let averted = [6.0, 3.5, 5.0, 7.0, 4.0, 5.5];
    let ce = cost_per_unit_averted(&cost, &averted, 0.95).unwrap();
    assert_eq!(ce.status, CostEffectStatus::Averted);
    assert_rel(ce.ratio, cost.iter().sum::<f64>() / averted.iter().sum::<f64>(), 1e-14);
    assert!(ce.lo < ce.ratio && ce.ratio < ce.hi);
    // Both bounds solve Fieller's equation (c̄ − ρē)² = t² Var(c̄ − ρē).
    let n = cost.len() as f64;
    let (c, e) = (ce.extra_cost, ce.averted);
    let d = |rho: f64| cost.iter().zip(&averted).map(|(x, y)| x - rho * y).collect::<Vec<_>>();
    let t = student_t_quantile(0.975, n - 1.0);
    for rho in [ce.lo, ce.hi] {
        let se = mean_ci(&d(rho), 0.95).se;
        assert_rel((c - rho * e).abs(), t * se, 1e-8);
    }
}

#[test]
fn cost_ratio_with_exact_denominator_reduces_to_t_interval() {
    // With no uncertainty in the units averted, Fieller's interval is the t interval
    // of the mean cost divided by the (exact) units averted.
    let cost = [10.0, 14.0, 9.0, 12.0, 15.0];
    let ce = cost_per_unit_averted(&cost, &[2.0; 5], 0.9).unwrap();
    let ci = mean_ci(&cost, 0.9);
    assert_rel(ce.lo, ci.lo / 2.0, 1e-12);
    assert_rel(ce.hi, ci.hi / 2.0, 1e-12);
}

#[test]
fn cost_ratio_statuses() {
    let cost = [5.0, 6.0, 7.0, 5.5];
    let ce = |averted: &[f64], cost: &[f64]| cost_per_unit_averted(cost, averted, 0.95).unwrap();

    let noise = ce(&[1.0, -1.5, 0.5, 0.2], &cost);
    assert_eq!(noise.status, CostEffectStatus::NotSignificant);
    assert!(noise.ratio.is_nan() && noise.lo.is_nan());

    // Nothing averted at all: no division by zero, no ratio.
    let nothing = ce(&[0.0; 4], &cost);
    assert_eq!(nothing.status, CostEffectStatus::NotSignificant);
    assert!(nothing.ratio.is_nan());

    let worse = ce(&[-3.0, -2.5, -3.5, -2.8], &cost);
    assert_eq!(worse.status, CostEffectStatus::Worse);
    assert!(worse.ratio.is_nan());

    let saving = ce(&[3.0, 2.5, 3.5, 2.8], &[-1.0, -2.0, -1.5, 0.5]);
    assert_eq!(saving.status, CostEffectStatus::NoExtraCost);
    assert!(saving.ratio < 0.0 && saving.lo < saving.ratio && saving.ratio < saving.hi);

    let single = ce(&[3.0], &[1.0]);
    assert_eq!(single.status, CostEffectStatus::NotSignificant);
    assert!(cost_per_unit_averted(&cost, &[1.0], 0.95).is_err());
    assert!(cost_per_unit_averted(&cost, &cost, f64::NAN).is_err());
}

#[test]
fn fieller_interval_covers_true_ratio() {
    // 4000 experiments of 20 paired replicates: cost ~ N(100, 30²), averted ~ N(5, 2²),
    // correlation 0.5, true ratio of means 20. Band ±3.29 binomial sd (99.9%) = ±0.011.
    let trials = 4000;
    let band = 3.29 * (0.95f64 * 0.05 / trials as f64).sqrt();
    let mut rng = Pcg64Mcg::seed_from_u64(21);
    let mut covered = 0;
    for _ in 0..trials {
        let mut cost = Vec::with_capacity(20);
        let mut averted = Vec::with_capacity(20);
        for _ in 0..20 {
            let (z1, z2) = (normal(&mut rng), normal(&mut rng));
            cost.push(100.0 + 30.0 * z1);
            averted.push(5.0 + 2.0 * (0.5 * z1 + 0.75f64.sqrt() * z2));
        }
        let ce = cost_per_unit_averted(&cost, &averted, 0.95).unwrap();
        if ce.lo <= 20.0 && 20.0 <= ce.hi {
            covered += 1;
        }
    }
    let cov = covered as f64 / trials as f64;
    eprintln!("Fieller coverage {cov} (band ±{band:.4})");
    assert!((cov - 0.95).abs() <= band, "Fieller coverage {cov}");
}

#[test]
fn percentile_helpers() {
    let sorted = [1.0, 2.0, 3.0, 4.0, 5.0];
    assert_eq!(quantile_sorted(&sorted, 0.0), 1.0);
    assert_eq!(quantile_sorted(&sorted, 1.0), 5.0);
    assert_eq!(quantile_sorted(&sorted, 0.375), 2.5);
    assert!(quantile_sorted(&[], 0.5).is_nan());
    let mut values: Vec<f64> = (0..=100).rev().map(f64::from).collect();
    let (lo, hi) = percentile_interval(&mut values, 0.9);
    assert!((lo - 5.0).abs() < 1e-12 && (hi - 95.0).abs() < 1e-12, "({lo}, {hi})");
    assert!(percentile_interval(&mut [1.0, f64::NAN], 0.9).0.is_nan());
}
