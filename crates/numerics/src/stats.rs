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
    /// What the comparison says, in the words of the output files.
    pub change: Change,
}

crate::named_enum! {
    /// The verdict of a paired comparison, as written in the `change` column of
    /// `effects.csv` and `regional_effects.csv`.
    pub enum Change {
        /// Every paired difference is exactly 0: the scenarios did the same thing.
        None => "none",
        /// The interval contains 0 (or there are fewer than two pairs).
        NotSignificant => "not_significant",
        Higher => "higher",
        Lower => "lower",
    }
}

impl Change {
    /// The verdict from the paired differences and whether their interval excludes 0.
    fn of(diffs: &[f64], significant: bool, mean_diff: f64) -> Change {
        if diffs.iter().all(|&d| d == 0.0) {
            Change::None
        } else if !significant {
            Change::NotSignificant
        } else if mean_diff > 0.0 {
            Change::Higher
        } else {
            Change::Lower
        }
    }
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
        change: Change::of(&diffs, significant, ci.mean),
    })
}

// ---------------------------------------------------------------------------------------
// Cost-effectiveness
// ---------------------------------------------------------------------------------------

crate::named_enum! {
    /// What a cost-effectiveness ratio may be read as; written in `effects.csv`'s
    /// `cost_status` and the web API.
    pub enum CostEffectStatus {
        /// The outcome improved significantly and the policy costs extra: the ratio is a
        /// price per unit averted, with a bounded Fieller interval.
        Averted => "averted",
        /// The outcome improved significantly and the policy costs nothing extra on
        /// average (mean extra cost ≤ 0): the ratio is ≤ 0, not a price, and the policy
        /// dominates.
        NoExtraCost => "no_extra_cost",
        /// The improvement is not significant at the level (or there are fewer than two
        /// replicates): no ratio is reported, because its interval would be unbounded.
        NotSignificant => "not_significant",
        /// The outcome got significantly worse: nothing was averted.
        Worse => "worse",
    }
}

/// Cost per unit of an outcome averted (for instance pesos per recruit averted).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostEffect {
    pub n: usize,
    /// Mean extra cost of the policy per replicate (pesos over the run in `effects.csv`).
    pub extra_cost: f64,
    /// Mean units averted per replicate (baseline minus policy; positive is good).
    pub averted: f64,
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
        extra_cost: cost.mean,
        averted: averted.mean,
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
mod tests;
