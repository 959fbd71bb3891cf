//! What a posterior's draws say about an outcome or an effect: pure numerics on plain
//! numbers, one value per replicate, replicate r run under draw `r mod K` (see
//! [`super::posterior`]).
//!
//! - [`spread`]: the mean, the 90% interval of the draw means (the effect's uncertainty
//!   given what the data leave unknown, plus the chance left in a mean of a few
//!   replicates), and the law of total variance: the variance over replicates is the
//!   variance of the draw means (the parameters' part) plus the mean variance within a draw
//!   (chance's part). Both parts use the divisor of their group sizes, so they add up to
//!   the total exactly.
//! - [`p_lower`]: the probability that one scenario's outcome is below another's, over
//!   the draws (ties count a half).
//! - [`meets`]: the probability that a relative change meets a target.
//! - [`acceptability`]: the cost-effectiveness acceptability curve: at each willingness to
//!   pay per unit averted, the share of draws in which each option has the largest net
//!   benefit (units averted × willingness to pay − extra cost; the baseline's is zero).

/// The level of the intervals over draws.
pub const DRAW_LEVEL: f64 = 0.90;

/// An outcome or an effect over the draws of a posterior.
#[derive(Clone, Debug, PartialEq)]
pub struct Spread {
    pub draws: usize,
    pub replicates: usize,
    pub mean: f64,
    /// The 5% and 95% quantiles of the draw means.
    pub lo: f64,
    pub hi: f64,
    /// Variance over replicates = `parameter` (of the draw means) + `stochastic` (within draws).
    pub var_total: f64,
    pub var_parameter: f64,
    pub var_stochastic: f64,
}

impl Spread {
    /// The parameters' share of the variance (0 when there is no variance at all).
    pub fn parameter_share(&self) -> f64 {
        if self.var_total > 0.0 { self.var_parameter / self.var_total } else { 0.0 }
    }
}

/// The mean of each draw's replicates, in draw order (`values[r]` is replicate r's).
pub fn draw_means(values: &[f64], k: usize) -> Vec<f64> {
    (0..k)
        .map(|d| {
            let group: Vec<f64> = values.iter().skip(d).step_by(k).copied().collect();
            group.iter().sum::<f64>() / group.len() as f64
        })
        .collect()
}

/// The `q` quantile of `xs` (linear between order statistics, as R's type 7).
pub fn quantile(xs: &[f64], q: f64) -> f64 {
    let mut s = xs.to_vec();
    s.sort_by(f64::total_cmp);
    let h = (s.len() - 1) as f64 * q;
    let (i, f) = (h.floor() as usize, h - h.floor());
    if i + 1 < s.len() { s[i] + f * (s[i + 1] - s[i]) } else { s[i] }
}

/// The spread of one value per replicate over `k` draws. Needs at least one replicate per
/// draw (`values.len() >= k`).
pub fn spread(values: &[f64], k: usize) -> Spread {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let means = draw_means(values, k);
    let (mut between, mut within) = (0.0, 0.0);
    for (d, m) in means.iter().enumerate() {
        let group = values.iter().skip(d).step_by(k);
        let size = group.clone().count() as f64;
        between += size / n * (m - mean).powi(2);
        within += group.map(|x| (x - m).powi(2)).sum::<f64>() / n;
    }
    let var_total = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let tail = (1.0 - DRAW_LEVEL) / 2.0;
    Spread {
        draws: k,
        replicates: values.len(),
        mean,
        lo: quantile(&means, tail),
        hi: quantile(&means, 1.0 - tail),
        var_total,
        var_parameter: between,
        var_stochastic: within,
    }
}

/// The share of draws in which `a` is below `b` (paired by draw; ties count a half).
pub fn p_lower(a: &[f64], b: &[f64]) -> f64 {
    let score: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| match x.partial_cmp(y) {
            Some(std::cmp::Ordering::Less) => 1.0,
            Some(std::cmp::Ordering::Equal) => 0.5,
            _ => 0.0,
        })
        .sum();
    score / a.len() as f64
}

/// The relative change of each draw, `(scenario − baseline) / baseline` of its means (zero
/// when both are zero, infinite when only the baseline is).
pub fn relative_changes(baseline: &[f64], scenario: &[f64]) -> Vec<f64> {
    baseline
        .iter()
        .zip(scenario)
        .map(|(&b, &s)| if b == 0.0 && s == 0.0 { 0.0 } else { (s - b) / b.abs() })
        .collect()
}

/// The share of draws whose relative change meets `target`: at or below it for a cut
/// (negative target), at or above it for a rise.
pub fn meets(changes: &[f64], target: f64) -> f64 {
    let hit = changes.iter().filter(|&&c| if target < 0.0 { c <= target } else { c >= target }).count();
    hit as f64 / changes.len() as f64
}

/// The acceptability curves: for each willingness to pay in `wtp`, the share of draws in
/// which each option has the largest net benefit; option 0 is the baseline (net benefit
/// zero), option i + 1 is scenario i with `averted[i][d]` units averted and `cost[i][d]`
/// extra cost in draw d. Ties go to the earlier option. Each row sums to 1.
pub fn acceptability(averted: &[Vec<f64>], cost: &[Vec<f64>], wtp: &[f64]) -> Vec<Vec<f64>> {
    let draws = averted.first().map_or(0, Vec::len);
    wtp.iter()
        .map(|&w| {
            let mut wins = vec![0usize; averted.len() + 1];
            for d in 0..draws {
                let (mut best, mut best_nb) = (0, 0.0);
                for i in 0..averted.len() {
                    let nb = w * averted[i][d] - cost[i][d];
                    if nb > best_nb {
                        (best, best_nb) = (i + 1, nb);
                    }
                }
                wins[best] += 1;
            }
            wins.iter().map(|&c| c as f64 / draws as f64).collect()
        })
        .collect()
}

/// The willingness-to-pay grid of the curves: `points` values from 0 to 1.25 times the
/// largest 95% quantile, over the options, of the draws' costs per unit averted (among the
/// draws that avert anything at a cost), so every curve has settled by the grid's end; at
/// least 1, so a grid exists when everything saves money or nothing is averted.
pub fn wtp_grid(averted: &[Vec<f64>], cost: &[Vec<f64>], points: usize) -> Vec<f64> {
    let top = averted
        .iter()
        .zip(cost)
        .filter_map(|(a, c)| {
            let ratios: Vec<f64> =
                a.iter().zip(c).filter(|&(&a, &c)| a > 0.0 && c > 0.0).map(|(a, c)| c / a).collect();
            (!ratios.is_empty()).then(|| quantile(&ratios, 0.95))
        })
        .fold(0.0_f64, f64::max);
    let top = (1.25 * top).max(1.0);
    (0..points).map(|i| top * i as f64 / (points - 1) as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_two_point_mixture_splits_its_variance_exactly() {
        // Two draws (replicates alternate): draw 0 near 10, draw 1 near 20.
        let v = [9.0, 19.0, 11.0, 21.0, 10.0, 20.0];
        let s = spread(&v, 2);
        assert_eq!(draw_means(&v, 2), [10.0, 20.0]);
        assert!((s.mean - 15.0).abs() < 1e-12);
        assert!((s.var_parameter - 25.0).abs() < 1e-12);
        assert!((s.var_stochastic - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.var_total - s.var_parameter - s.var_stochastic).abs() < 1e-12);
        // Type-7 quantiles of {10, 20}: 10.5 and 19.5.
        assert!((s.lo - 10.5).abs() < 1e-12 && (s.hi - 19.5).abs() < 1e-12);
        assert!((s.parameter_share() - 25.0 / (25.0 + 2.0 / 3.0)).abs() < 1e-12);
    }

    #[test]
    fn unequal_groups_still_add_up() {
        let v = [1.0, 5.0, 2.0, 7.0, 4.0, 3.0, 9.0];
        let s = spread(&v, 3);
        assert!((s.var_total - s.var_parameter - s.var_stochastic).abs() < 1e-12);
    }

    #[test]
    fn probabilities() {
        assert_eq!(p_lower(&[1.0, 2.0, 3.0, 4.0], &[2.0, 2.0, 1.0, 5.0]), 0.625);
        let c = relative_changes(&[100.0, 100.0, 0.0], &[70.0, 90.0, 0.0]);
        assert_eq!(c, [-0.3, -0.1, 0.0]);
        assert!((meets(&c, -0.2) - 1.0 / 3.0).abs() < 1e-12);
        assert!((meets(&c, 0.0) - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn acceptability_known_answer() {
        // Option A averts 10 for 100 in both draws (cost per unit 10); option B averts 20 for
        // 400 in draw 0 and 40 for 400 in draw 1 (20 and 10 per unit).
        let averted = vec![vec![10.0, 10.0], vec![20.0, 40.0]];
        let cost = vec![vec![100.0, 100.0], vec![400.0, 400.0]];
        let c = acceptability(&averted, &cost, &[0.0, 15.0, 40.0]);
        // At 0 nothing pays: the baseline. At 15: A (50) in draw 0, B (200) in draw 1.
        // At 40: B in both.
        assert_eq!(c, [vec![1.0, 0.0, 0.0], vec![0.0, 0.5, 0.5], vec![0.0, 0.0, 1.0]]);
        let g = wtp_grid(&averted, &cost, 5);
        // Costs per unit: A 10 and 10, B 20 and 10; the type-7 95% quantile of B's is 19.5,
        // and the grid runs to 1.25 times it.
        assert_eq!(g.len(), 5);
        assert!((g[4] - 1.25 * 19.5).abs() < 1e-9 && g[0] == 0.0, "{g:?}");
    }
}
