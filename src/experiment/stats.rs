//! Statistics over replicates: the Student t distribution, confidence intervals of a mean,
//! paired policy comparisons and cost-effectiveness ratios.
//!
//! Everything here works on plain slices of numbers, one number per replicate, so it knows
//! nothing about the model or the engine. Replicates of a policy run and of its baseline
//! share their random streams (same seed and replicate index), which is why comparisons
//! are *paired*: the per-replicate difference removes most of the common noise.
//!
//! Bad input never panics. Functions that return a plain struct document which fields
//! become NaN; functions that can be misused in a way NaN would hide (unequal lengths, a
//! confidence level outside (0, 1)) return a [`StatsError`].

use std::f64::consts::PI;

/// Misuse of a comparison function that a NaN result would hide.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// Paired samples must have one value per replicate on both sides.
    #[error("paired samples differ in length: {left} and {right} values")]
    LengthMismatch { left: usize, right: usize },
    /// A confidence level must lie strictly between 0 and 1 (0.95 for 95%).
    #[error("confidence level {0} is not strictly between 0 and 1")]
    BadLevel(f64),
}

// ---------------------------------------------------------------------------------------
// Special functions
// ---------------------------------------------------------------------------------------

/// The remainder of Stirling's series for ln Γ(z), that is
/// ln Γ(z) − [(z − ½) ln z − z + ½ ln 2π], for z ≥ 10.
///
/// The coefficients are B₂ₖ / (2k (2k − 1)) for the Bernoulli numbers B₂ … B₁₄. At z = 10
/// the first omitted term is below 1e-16, so the remainder is good to rounding error.
fn stirling_remainder(z: f64) -> f64 {
    const COEF: [f64; 7] = [
        1.0 / 12.0,
        -1.0 / 360.0,
        1.0 / 1260.0,
        -1.0 / 1680.0,
        1.0 / 1188.0,
        -691.0 / 360_360.0,
        1.0 / 156.0,
    ];
    let inv = 1.0 / z;
    let inv2 = inv * inv;
    // Horner's scheme in 1/z², innermost (smallest) term first.
    let mut acc = 0.0;
    for c in COEF.iter().rev() {
        acc = acc * inv2 + c;
    }
    acc * inv
}

/// ln Γ(x) for x > 0 (NaN otherwise).
///
/// Small arguments are shifted up to 10 or more with Γ(x) = Γ(x + m) / (x (x+1) … (x+m−1)),
/// where Stirling's series is accurate; this avoids tables of fitted coefficients.
fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let mut z = x;
    let mut product = 1.0;
    while z < 10.0 {
        product *= z;
        z += 1.0;
    }
    (z - 0.5) * z.ln() - z + 0.5 * (2.0 * PI).ln() + stirling_remainder(z) - product.ln()
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b) for a, b > 0.
///
/// For large arguments the three log-gammas are huge and nearly cancel, which would cost
/// many digits (ln Γ(5e5) ≈ 6e6). Instead the leading Stirling terms are combined
/// algebraically and only the small remainders are subtracted numerically.
fn ln_beta(a: f64, b: f64) -> f64 {
    let p = a.min(b);
    let q = a.max(b);
    let s = p + q;
    if p >= 10.0 {
        0.5 * (2.0 * PI).ln() - 0.5 * q.ln() + stirling_remainder(p) + stirling_remainder(q)
            - stirling_remainder(s)
            + (p - 0.5) * (p / s).ln()
            + q * (-p / s).ln_1p()
    } else if q >= 10.0 {
        ln_gamma(p) + stirling_remainder(q) - stirling_remainder(s) + p - p * s.ln()
            + (q - 0.5) * (-p / s).ln_1p()
    } else {
        ln_gamma(p) + ln_gamma(q) - ln_gamma(s)
    }
}

/// A point of the unit interval given with its complement and both logarithms, each
/// computed without cancellation by the caller.
#[derive(Clone, Copy)]
struct UnitPoint {
    x: f64,
    y: f64,
    ln_x: f64,
    ln_y: f64,
}

impl UnitPoint {
    fn swapped(self) -> UnitPoint {
        UnitPoint { x: self.y, y: self.x, ln_x: self.ln_y, ln_y: self.ln_x }
    }
}

/// The regularized incomplete beta function I_x(a, b), as needed by the t distribution,
/// where one of the parameters is ½.
///
/// It evaluates the classical continued fraction of I_x(a, b), or of I_{1−x}(b, a) by the
/// symmetry I_x(a, b) = 1 − I_{1−x}(b, a), choosing the side where the fraction converges
/// fast, which is usually below the mean, x ≤ (a + 1)/(a + b + 2). Near that switch point
/// with a large parameter (a t distribution with many degrees of freedom), the first
/// denominator of the mirrored fraction, 1 − (a + b)(1 − x)/(b + 1), is a small difference
/// of numbers close to 1 and would lose up to log10(df) digits; the direct fraction is then
/// kept a little beyond the switch point, where it still converges in tens of terms.
fn inc_beta(a: f64, b: f64, p: UnitPoint) -> f64 {
    if p.ln_x == f64::NEG_INFINITY {
        return 0.0;
    }
    if p.ln_y == f64::NEG_INFINITY {
        return 1.0;
    }
    let mirrored_first = 1.0 - (a + b) * p.y / (b + 1.0);
    if p.x <= (a + 1.0) / (a + b + 2.0) || mirrored_first < 0.5 {
        inc_beta_direct(a, b, p)
    } else {
        1.0 - inc_beta_direct(b, a, p.swapped())
    }
}

fn inc_beta_direct(a: f64, b: f64, p: UnitPoint) -> f64 {
    let front = (a * p.ln_x + b * p.ln_y - ln_beta(a, b)).exp() / a;
    if front == 0.0 {
        return 0.0;
    }
    front / beta_continued_fraction(a, b, p.x, p.y)
}

/// Coefficient d_n of the continued fraction
/// I_x(a, b) = x^a (1−x)^b / (a B(a, b)) · 1/(1 + d₁/(1 + d₂/(1 + …))).
fn beta_cf_coefficient(n: usize, a: f64, b: f64, x: f64) -> f64 {
    let m = (n / 2) as f64;
    if n % 2 == 0 {
        m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m))
    } else {
        -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0))
    }
}

/// The denominator u = 1 + d₁/(1 + d₂/(1 + …)) of the incomplete beta fraction, through
/// its odd part, u = (1 + d₁) − d₁d₂/((1 + d₂ + d₃) − d₃d₄/((1 + d₄ + d₅) − …)), which
/// needs half the terms. When x is close to 1 the odd coefficients are close to −1, so the
/// sums 1 + d₂ₘ + d₂ₘ₊₁ are then computed from closed forms in y = 1 − x (derived by
/// substituting x = 1 − y and collecting terms) instead of as differences.
/// The fraction is evaluated forward by the modified Lentz method.
fn beta_continued_fraction(a: f64, b: f64, x: f64, y: f64) -> f64 {
    // Lentz's method needs a stand-in for zero denominators.
    const TINY: f64 = 1e-300;
    // A factor within a few ulps of 1 no longer changes the result.
    const TOL: f64 = 2.0 * f64::EPSILON;
    // A hundred terms suffice for the t distribution up to df = 1e10; the cap only
    // guards against an endless loop on pathological input.
    let max_terms = 1000 + (20.0 * a.max(b).sqrt()) as usize;
    let d = |n: usize| beta_cf_coefficient(n, a, b, x);
    let near_one = x > 0.5;
    let clamp = |v: f64| if v.abs() < TINY { TINY } else { v };

    let first = if near_one { ((1.0 - b) + (a + b) * y) / (a + 1.0) } else { 1.0 + d(1) };
    let mut f = clamp(first);
    let mut c = f;
    let mut dd = 0.0;
    for m in 1..=max_terms {
        let mf = m as f64;
        let numerator = -d(2 * m - 1) * d(2 * m);
        let denominator = if near_one {
            let constant = 2.0 * a * mf + a + 2.0 * mf * mf - 1.0 + b * (1.0 - a);
            let slope = a * a + a * b + 2.0 * a * mf - a - b + 2.0 * mf * mf;
            (constant + y * slope) / ((a + 2.0 * mf - 1.0) * (a + 2.0 * mf + 1.0))
        } else {
            1.0 + d(2 * m) + d(2 * m + 1)
        };
        dd = 1.0 / clamp(denominator + numerator * dd);
        c = clamp(denominator + numerator / c);
        let delta = c * dd;
        f *= delta;
        if (delta - 1.0).abs() <= TOL {
            break;
        }
    }
    f
}

// ---------------------------------------------------------------------------------------
// Student t distribution
// ---------------------------------------------------------------------------------------

/// P(T > t) for t ≥ 0 and T ~ Student t with `df` degrees of freedom.
///
/// P(|T| > t) = I_x(df/2, 1/2) with x = df / (df + t²); x and 1 − x are formed from the
/// ratio r = t²/df (or its inverse) so that neither is computed as a difference from 1.
fn t_upper_tail(t: f64, df: f64) -> f64 {
    if t == 0.0 {
        return 0.5;
    }
    if t.is_infinite() {
        return 0.0;
    }
    let sqrt_df = df.sqrt();
    let point = if t <= sqrt_df {
        let r = (t / sqrt_df) * (t / sqrt_df);
        let l = r.ln_1p();
        UnitPoint { x: 1.0 / (1.0 + r), y: r / (1.0 + r), ln_x: -l, ln_y: r.ln() - l }
    } else {
        let s = (sqrt_df / t) * (sqrt_df / t);
        let l = s.ln_1p();
        // For astronomically large t, s underflows; its logarithm is still finite.
        let ln_s = 2.0 * (sqrt_df.ln() - t.ln());
        UnitPoint { x: s / (1.0 + s), y: 1.0 / (1.0 + s), ln_x: ln_s - l, ln_y: -l }
    };
    0.5 * inc_beta(0.5 * df, 0.5, point)
}

/// Density of the Student t distribution, 1 / (√df B(df/2, 1/2)) (1 + t²/df)^(−(df+1)/2).
fn t_density(t: f64, df: f64) -> f64 {
    let r = (t / df.sqrt()).powi(2);
    (-ln_beta(0.5 * df, 0.5) - 0.5 * df.ln() - 0.5 * (df + 1.0) * r.ln_1p()).exp()
}

fn valid_df(df: f64) -> bool {
    df.is_finite() && df > 0.0
}

/// Cumulative distribution function P(T ≤ t) of the Student t distribution with `df`
/// degrees of freedom (any finite df > 0, not only integers).
///
/// Relative accuracy is about 1e-13 in both tails. Returns NaN when `t` is NaN or `df` is
/// not finite and positive.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    if t.is_nan() || !valid_df(df) {
        return f64::NAN;
    }
    if t < 0.0 { t_upper_tail(-t, df) } else { 1.0 - t_upper_tail(t, df) }
}

/// Two-sided p-value P(|T| ≥ |t|) of a t statistic with `df` degrees of freedom.
///
/// Computed from the tail directly, so very small p-values keep their relative accuracy.
/// NaN for NaN `t` or invalid `df`.
pub fn student_t_two_sided_p(t: f64, df: f64) -> f64 {
    if t.is_nan() || !valid_df(df) {
        return f64::NAN;
    }
    (2.0 * t_upper_tail(t.abs(), df)).min(1.0)
}

/// Quantile (inverse CDF) of the Student t distribution: the t with P(T ≤ t) = p.
///
/// Works for any finite df > 0 with a relative accuracy near 1e-13 (the tests demand
/// 1e-11 against 40-digit references, and 1e-8 against 9-digit printed tables). p = 0 and p = 1 give −∞ and +∞; p outside [0, 1], NaN
/// p, or an invalid df give NaN.
///
/// The tail probability q = min(p, 1 − p) is taken without rounding (1 − p is exact for
/// p ≥ ½), and t solves P(T > t) = q by Newton's method on ln P(T > t), which is close to
/// linear in the far tails of both light and heavy distributions. Every step is kept
/// inside a bracket that always contains the root, falling back to bisection, so the
/// iteration cannot diverge.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) || !valid_df(df) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if p == 0.5 {
        return 0.0;
    }
    if p > 0.5 { solve_upper_tail(1.0 - p, df) } else { -solve_upper_tail(p, df) }
}

/// The t ≥ 0 with P(T > t) = q, for 0 < q < ½.
fn solve_upper_tail(q: f64, df: f64) -> f64 {
    // Bracket the root: sf(lo) > q ≥ sf(hi). Doubling reaches even the Cauchy quantile
    // for q = 1e-300 in about a thousand steps.
    let mut lo = 0.0;
    let mut hi = 1.0;
    let mut sf_hi = t_upper_tail(hi, df);
    while sf_hi > q && hi.is_finite() {
        lo = hi;
        hi *= 2.0;
        sf_hi = t_upper_tail(hi, df);
    }
    if !hi.is_finite() {
        return f64::INFINITY;
    }
    let ln_q = q.ln();
    let mut t = hi;
    let mut sf = sf_hi;
    for _ in 0..200 {
        if sf > q {
            lo = t;
        } else {
            hi = t;
        }
        // d/dt ln sf(t) = −density / sf, so Newton's step on ln sf is:
        let density = t_density(t, df);
        let mut next = t + (sf.ln() - ln_q) * sf / density;
        if !(next > lo && next < hi && next.is_finite()) {
            next = 0.5 * (lo + hi);
        }
        let done = (next - t).abs() <= 2.0 * f64::EPSILON * next || hi - lo <= 2.0 * f64::EPSILON * hi;
        t = next;
        if done {
            break;
        }
        sf = t_upper_tail(t, df);
    }
    t
}

// ---------------------------------------------------------------------------------------
// Means and intervals
// ---------------------------------------------------------------------------------------

/// Arithmetic mean by two passes: the naive mean, then the mean of the residuals as a
/// correction, which recovers the digits the first sum lost (NaN for an empty slice).
fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let n = xs.len() as f64;
    let rough = xs.iter().sum::<f64>() / n;
    rough + xs.iter().map(|x| x - rough).sum::<f64>() / n
}

/// Mean of a sample with its Student t confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanCi {
    /// Number of values (replicates).
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (denominator n − 1).
    pub sd: f64,
    /// Standard error of the mean, sd / √n.
    pub se: f64,
    /// Lower bound of the interval.
    pub lo: f64,
    /// Upper bound of the interval.
    pub hi: f64,
}

/// Mean of `xs` and its two-sided Student t confidence interval at `level` (0.95 for 95%):
/// mean ± t((1 + level)/2, n − 1) · sd/√n, the interval MODEL.md §8 asks for.
///
/// The variance uses a two-pass algorithm (mean first, then squared deviations from it),
/// which stays accurate when the values are large and close together, as monthly counts
/// of a big population are.
///
/// Degenerate cases, chosen so that nothing panics and nothing pretends:
/// - n = 0: every field except `n` is NaN.
/// - n = 1: `mean` is the value, `lo = hi = mean` (so the series can still be drawn), and
///   `sd = se = NaN`: one replicate says nothing about spread, and NaN, unlike 0, cannot
///   be mistaken for a certain result.
/// - `level` not strictly between 0 and 1: `lo` and `hi` are NaN, the rest is computed.
/// - a NaN or infinite value propagates into the affected fields.
pub fn mean_ci(xs: &[f64], level: f64) -> MeanCi {
    let level_ok = level > 0.0 && level < 1.0;
    let mut ci = mean_ci_with_critical(xs, t_critical(level, xs.len()));
    if !level_ok {
        ci.lo = f64::NAN;
        ci.hi = f64::NAN;
    }
    ci
}

/// The two-sided Student t critical value for the mean of `n` values at `level`:
/// t((1 + level)/2, n − 1). NaN when n < 2 or the level is not strictly between 0 and 1.
pub fn t_critical(level: f64, n: usize) -> f64 {
    if n < 2 || !(level > 0.0 && level < 1.0) {
        return f64::NAN;
    }
    student_t_quantile(0.5 + 0.5 * level, (n - 1) as f64)
}

/// [`mean_ci`] with the critical value given, usually from [`t_critical`]: for callers
/// that build many intervals over the same number of replicates (every month of every
/// series), so that the t quantile, which costs a root search, is computed once.
///
/// The interval is mean ± `t_crit` · se. Degenerate cases are those of [`mean_ci`]; with
/// one value `lo = hi = mean` whatever `t_crit` is.
pub fn mean_ci_with_critical(xs: &[f64], t_crit: f64) -> MeanCi {
    let n = xs.len();
    let nan = f64::NAN;
    if n == 0 {
        return MeanCi { n, mean: nan, sd: nan, se: nan, lo: nan, hi: nan };
    }
    let m = mean(xs);
    if n == 1 {
        return MeanCi { n, mean: m, sd: nan, se: nan, lo: m, hi: m };
    }
    let ss: f64 = xs.iter().map(|x| (x - m) * (x - m)).sum();
    let sd = (ss / (n - 1) as f64).sqrt();
    let se = sd / (n as f64).sqrt();
    let half = t_crit * se;
    MeanCi { n, mean: m, sd, se, lo: m - half, hi: m + half }
}

// ---------------------------------------------------------------------------------------
// Paired comparisons
// ---------------------------------------------------------------------------------------

/// Effect of going from condition `a` (usually the baseline) to `b` (the policy), measured
/// on replicates that share their random streams.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedEffect {
    /// Number of pairs.
    pub n: usize,
    pub mean_a: f64,
    pub mean_b: f64,
    /// Mean of the per-replicate differences b − a (equal to mean_b − mean_a up to
    /// rounding).
    pub diff: f64,
    /// Student t interval of the mean difference.
    pub lo: f64,
    pub hi: f64,
    /// diff / mean_a; NaN when mean_a is 0, where a relative change has no meaning.
    pub relative: f64,
    /// True when the interval excludes 0 (equivalently `p_value < 1 − level`); never true
    /// with fewer than two pairs.
    pub significant: bool,
    /// Two-sided p-value of the paired t-test of "mean difference = 0".
    pub p_value: f64,
}

/// Paired comparison of `a` and `b` (one value per replicate each, same order): the mean
/// difference b − a with its Student t interval at `level` and the paired t-test.
///
/// Errors when the lengths differ or `level` is not strictly between 0 and 1. With n = 0
/// the numbers are NaN; with n = 1 `lo = hi = diff`, `p_value` is NaN and `significant`
/// is false (see [`mean_ci`]). When every difference is the same, the standard error is 0
/// and the limits are taken: p = 1 if that difference is 0, else p = 0 and significant.
pub fn paired(a: &[f64], b: &[f64], level: f64) -> Result<PairedEffect, StatsError> {
    if a.len() != b.len() {
        return Err(StatsError::LengthMismatch { left: a.len(), right: b.len() });
    }
    if !(level > 0.0 && level < 1.0) {
        return Err(StatsError::BadLevel(level));
    }
    let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
    let ci = mean_ci(&diffs, level);
    let mean_a = mean(a);
    let mean_b = mean(b);
    let relative = if mean_a == 0.0 { f64::NAN } else { ci.mean / mean_a };
    let n = ci.n;
    let p_value = if n < 2 {
        f64::NAN
    } else if ci.se > 0.0 {
        student_t_two_sided_p(ci.mean / ci.se, (n - 1) as f64)
    } else if ci.se == 0.0 {
        if ci.mean == 0.0 { 1.0 } else { 0.0 }
    } else {
        f64::NAN
    };
    let significant = n >= 2 && (ci.lo > 0.0 || ci.hi < 0.0);
    Ok(PairedEffect {
        n,
        mean_a,
        mean_b,
        diff: ci.mean,
        lo: ci.lo,
        hi: ci.hi,
        relative,
        significant,
        p_value,
    })
}

// ---------------------------------------------------------------------------------------
// Cost-effectiveness
// ---------------------------------------------------------------------------------------

/// What a cost-effectiveness ratio may be read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostEffectStatus {
    /// The outcome improved significantly and the policy costs extra: the ratio is a price
    /// per unit averted, with a bounded Fieller interval.
    Averted,
    /// The outcome improved significantly and the policy costs nothing extra on average
    /// (mean extra cost ≤ 0): the ratio is ≤ 0, not a price, and the policy dominates.
    NoExtraCost,
    /// The improvement is not significant at the level (or there are fewer than two
    /// replicates): no ratio is reported, because its interval would be unbounded.
    NotSignificant,
    /// The outcome got significantly worse: nothing was averted.
    Worse,
}

/// Cost per unit of an outcome averted (for instance pesos per recruit averted).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostEffect {
    pub n: usize,
    /// Mean extra cost of the policy per replicate.
    pub mean_cost: f64,
    /// Mean units averted per replicate (baseline minus policy; positive is good).
    pub mean_averted: f64,
    /// Student t interval of the mean units averted.
    pub averted_lo: f64,
    pub averted_hi: f64,
    /// Σ cost / Σ averted (ratio of means), reported only for `Averted` and
    /// `NoExtraCost`; NaN otherwise.
    pub ratio: f64,
    /// Fieller interval of the ratio (NaN when `ratio` is NaN).
    pub lo: f64,
    pub hi: f64,
    pub status: CostEffectStatus,
}

/// Cost per unit averted from paired replicates: `cost_diff[i]` is the policy's extra
/// cost in replicate i and `outcome_diff_averted[i]` the units of the outcome it averted
/// there (baseline minus policy).
///
/// The point estimate is the ratio of means Σcost / Σaverted, not the mean of
/// per-replicate ratios, which explodes whenever one replicate averts almost nothing.
///
/// The interval is Fieller's: the set of ratios ρ for which c̄ − ρ·ā is not significantly
/// different from 0, i.e. the solutions of (c̄ − ρā)² ≤ t² Var(c̄ − ρā), using the sample
/// variances and the covariance of the paired means. It is preferred to the delta method
/// because it accounts for the uncertainty of the denominator: it is asymmetric when
/// ā is imprecise, and it is bounded exactly when ā is significantly different from 0,
/// which is what the status reports. The delta method would give a finite, symmetric
/// and misleading interval even when the policy may have averted nothing.
///
/// The ratio is never formed unless the units averted are significantly positive, so no
/// division by zero can happen silently. Errors when the lengths differ or the level is
/// not strictly between 0 and 1.
pub fn cost_per_unit_averted(
    cost_diff: &[f64],
    outcome_diff_averted: &[f64],
    level: f64,
) -> Result<CostEffect, StatsError> {
    if cost_diff.len() != outcome_diff_averted.len() {
        return Err(StatsError::LengthMismatch { left: cost_diff.len(), right: outcome_diff_averted.len() });
    }
    if !(level > 0.0 && level < 1.0) {
        return Err(StatsError::BadLevel(level));
    }
    let n = cost_diff.len();
    let cost = mean_ci(cost_diff, level);
    let averted = mean_ci(outcome_diff_averted, level);
    let nan = f64::NAN;
    let mut out = CostEffect {
        n,
        mean_cost: cost.mean,
        mean_averted: averted.mean,
        averted_lo: averted.lo,
        averted_hi: averted.hi,
        ratio: nan,
        lo: nan,
        hi: nan,
        status: CostEffectStatus::NotSignificant,
    };
    if n < 2 {
        return Ok(out);
    }
    let (c, e) = (cost.mean, averted.mean);
    let nf = n as f64;
    // Variances and covariance of the two means.
    let v_cc = cost.se * cost.se;
    let v_ee = averted.se * averted.se;
    let v_ce = cost_diff.iter().zip(outcome_diff_averted).map(|(x, y)| (x - c) * (y - e)).sum::<f64>()
        / ((nf - 1.0) * nf);
    let t = student_t_quantile(0.5 + 0.5 * level, nf - 1.0);
    let t2 = t * t;
    // Fieller's quadratic qa ρ² − 2 qb ρ + qc ≤ 0. Its leading coefficient is positive
    // exactly when |ā| / se(ā) > t, i.e. when the units averted differ significantly
    // from 0; only then is the set of ρ a bounded interval.
    let qa = e * e - t2 * v_ee;
    let qb = c * e - t2 * v_ce;
    let qc = c * c - t2 * v_cc;
    if qa.is_nan() || qa <= 0.0 {
        // Not significant (or NaN input): leave ratio and interval NaN.
        return Ok(out);
    }
    if e < 0.0 {
        out.status = CostEffectStatus::Worse;
        return Ok(out);
    }
    // The discriminant is ≥ 0 in exact arithmetic when qa > 0 (the covariance matrix is
    // positive semi-definite); clamp the rounding error.
    let root = (qb * qb - qa * qc).max(0.0).sqrt();
    out.ratio = c / e;
    out.lo = (qb - root) / qa;
    out.hi = (qb + root) / qa;
    out.status = if c > 0.0 { CostEffectStatus::Averted } else { CostEffectStatus::NoExtraCost };
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Bootstrap helpers
// ---------------------------------------------------------------------------------------

/// Quantile of already sorted data by linear interpolation between order statistics
/// (Hyndman and Fan's type 7, the default of R and NumPy). NaN for empty data or p outside
/// [0, 1].
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    let h = p * (sorted.len() - 1) as f64;
    let below = h.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    sorted[below] + (h - below as f64) * (sorted[above] - sorted[below])
}

/// Two-sided percentile interval at `level` of bootstrap replicates of a statistic.
/// The slice is sorted in place. NaN bounds if it is empty or holds a NaN: a statistic
/// that is undefined in some resamples has no honest percentile interval.
pub fn percentile_interval(values: &mut [f64], level: f64) -> (f64, f64) {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) || !(level > 0.0 && level < 1.0) {
        return (f64::NAN, f64::NAN);
    }
    values.sort_by(f64::total_cmp);
    let tail = 0.5 * (1.0 - level);
    (quantile_sorted(values, tail), quantile_sorted(values, 1.0 - tail))
}

#[cfg(test)]
mod tests {
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
        for (df, want) in [
            (1.0, 12.7062047),
            (2.0, 4.30265273),
            (9.0, 2.26215716),
            (29.0, 2.04522964),
            (1000.0, 1.96233908),
        ] {
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
        let (c, e) = (ce.mean_cost, ce.mean_averted);
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
}
