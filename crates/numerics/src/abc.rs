//! Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC; Toni et al. 2009,
//! with the adaptive kernel and importance weights of Beaumont et al. 2009), as pure
//! functions on plain numbers. The tolerance schedule is a weighted-quantile schedule (each
//! tolerance a fixed quantile of the previous generation's distances, as in Drovandi &
//! Pettitt 2011 and pyABC's `QuantileEpsilon`), not the ESS-driven schedule of Del Moral
//! et al. 2012.
//!
//! Parameters live in a working space where every prior is uniform: the value itself for a
//! uniform prior, its logarithm for a log-uniform one. Generation 0 samples the prior and
//! accepts everything. Each later generation has a tolerance ε, the weighted `quantile` of
//! the previous generation's distances, and proposes particles in batches of fixed size:
//! an ancestor drawn by weight, moved by a Gaussian kernel whose covariance is twice the
//! previous population's weighted covariance. A move that leaves the prior's support is
//! discarded with its ancestor and both are drawn again, so the proposal density is the
//! kernel mixture restricted to the support divided by one constant (the mixture's mass
//! inside it); redrawing only the step would divide each ancestor's term by its own chance
//! of staying inside, which the weights below would ignore. A proposal is accepted when its distance is at most ε; the first `particles`
//! accepted, in proposal order, form the generation. Weights are prior density over the
//! kernel mixture density, w_i ∝ π(θ_i) / Σ_j w_j K(θ_i | θ_j); the uniform working-space
//! prior makes the numerator a constant. Generation 0 keeps only the prior draws whose
//! evaluation succeeded, with equal weights.
//!
//! Every random number comes from a stream keyed by (seed, generation, batch, proposal),
//! and a batch is evaluated as a whole by the caller's function, so the result does not
//! depend on how the caller spreads a batch over threads. A generation that runs out of
//! its `max_batches` keeps the `particles` closest proposals instead (and says so in its
//! tolerance), so a search always ends; failed evaluations are never kept, so such a
//! generation may be smaller, and empty if every proposal failed.

use narcodoor_model::rng::{Stream, key};

/// A prior distribution of one parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Prior {
    Uniform {
        lo: f64,
        hi: f64,
    },
    /// Uniform in the logarithm; requires 0 < lo.
    LogUniform {
        lo: f64,
        hi: f64,
    },
}

impl Prior {
    /// The parameter's value in the working space.
    pub fn to_work(&self, x: f64) -> f64 {
        match self {
            Prior::Uniform { .. } => x,
            Prior::LogUniform { .. } => x.ln(),
        }
    }

    pub fn from_work(&self, z: f64) -> f64 {
        match self {
            Prior::Uniform { .. } => z,
            Prior::LogUniform { .. } => z.exp(),
        }
    }

    /// The support's bounds in the working space.
    pub fn work_bounds(&self) -> (f64, f64) {
        match *self {
            Prior::Uniform { lo, hi } => (lo, hi),
            Prior::LogUniform { lo, hi } => (lo.ln(), hi.ln()),
        }
    }

    /// The support's bounds as values.
    pub fn bounds(&self) -> (f64, f64) {
        match *self {
            Prior::Uniform { lo, hi } | Prior::LogUniform { lo, hi } => (lo, hi),
        }
    }
}

/// An accepted parameter point with its normalised weight and distance.
#[derive(Clone, Debug, PartialEq)]
pub struct Particle {
    pub theta: Vec<f64>,
    pub weight: f64,
    pub distance: f64,
}

/// One generation's population and the tolerance it was accepted under.
#[derive(Clone, Debug, PartialEq)]
pub struct Population {
    pub generation: u64,
    pub epsilon: f64,
    pub particles: Vec<Particle>,
    /// Proposals evaluated for this generation.
    pub evaluated: usize,
    /// False when the generation hit `max_batches` and kept its closest proposals.
    pub reached_tolerance: bool,
}

/// The search's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub particles: usize,
    /// The quantile of the last distances that becomes the next tolerance.
    pub quantile: f64,
    /// Batches (of `particles` proposals each) a generation may spend.
    pub max_batches: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { particles: 100, quantile: 0.5, max_batches: 20 }
    }
}

/// The quantile `q` of values under normalised weights (the smallest value whose
/// cumulative weight reaches q). Non-finite values sort last.
pub fn weighted_quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    for &i in &order {
        acc += weights[i] / total;
        if acc >= q - 1e-12 {
            return values[i];
        }
    }
    order.last().map_or(f64::NAN, |&i| values[i])
}

/// The effective sample size 1 / Σ w² of normalised weights.
pub fn effective_sample_size(weights: &[f64]) -> f64 {
    let total: f64 = weights.iter().sum();
    1.0 / weights.iter().map(|w| (w / total).powi(2)).sum::<f64>()
}

/// A Gaussian perturbation kernel in the working space: its covariance's Cholesky factor
/// and the precision matrix for its density.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    chol: Vec<Vec<f64>>,
    precision: Vec<Vec<f64>>,
}

fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                if !(s > 0.0) {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    Some(l)
}

/// The inverse of A = L Lᵀ from its Cholesky factor.
fn inverse_from_cholesky(l: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = l.len();
    let mut inv = vec![vec![0.0; n]; n];
    for col in 0..n {
        // Solve L y = e_col, then Lᵀ x = y.
        let mut y = vec![0.0; n];
        for i in 0..n {
            let e = if i == col { 1.0 } else { 0.0 };
            y[i] = (e - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
        }
        for i in (0..n).rev() {
            let x = (y[i] - ((i + 1)..n).map(|k| l[k][i] * inv[k][col]).sum::<f64>()) / l[i][i];
            inv[i][col] = x;
        }
    }
    inv
}

/// The kernel fitted to a population: twice its weighted covariance in the working space
/// (Beaumont et al. 2009). A degenerate covariance (all particles equal in some direction)
/// falls back to the diagonal, floored at 10⁻⁶ of the prior's width.
pub fn fit_kernel(pop: &[Particle], priors: &[Prior]) -> Kernel {
    let d = priors.len();
    let z: Vec<Vec<f64>> =
        pop.iter().map(|p| p.theta.iter().zip(priors).map(|(&x, pr)| pr.to_work(x)).collect()).collect();
    let total: f64 = pop.iter().map(|p| p.weight).sum();
    let mean: Vec<f64> =
        (0..d).map(|k| pop.iter().zip(&z).map(|(p, z)| p.weight * z[k]).sum::<f64>() / total).collect();
    let mut cov = vec![vec![0.0; d]; d];
    for (p, z) in pop.iter().zip(&z) {
        for i in 0..d {
            for j in 0..d {
                cov[i][j] += 2.0 * p.weight / total * (z[i] - mean[i]) * (z[j] - mean[j]);
            }
        }
    }
    let chol = cholesky(&cov).unwrap_or_else(|| {
        let diag: Vec<Vec<f64>> = (0..d)
            .map(|i| {
                let (lo, hi) = priors[i].work_bounds();
                let floor = (1e-6 * (hi - lo)).powi(2);
                (0..d).map(|j| if i == j { cov[i][i].max(floor) } else { 0.0 }).collect()
            })
            .collect();
        cholesky(&diag).expect("a positive diagonal")
    });
    let precision = inverse_from_cholesky(&chol);
    Kernel { chol, precision }
}

impl Kernel {
    /// The kernel's density at a step, up to a constant factor common to all steps.
    pub fn density(&self, step: &[f64]) -> f64 {
        let d = step.len();
        let mut q = 0.0;
        for i in 0..d {
            for j in 0..d {
                q += step[i] * self.precision[i][j] * step[j];
            }
        }
        (-0.5 * q).exp()
    }

    fn draw(&self, s: &mut Stream) -> Vec<f64> {
        let d = self.chol.len();
        let normals: Vec<f64> = (0..d).map(|_| standard_normal(s)).collect();
        (0..d).map(|i| (0..=i).map(|k| self.chol[i][k] * normals[k]).sum()).collect()
    }
}

/// A standard normal variate (Box–Muller, one of the pair).
fn standard_normal(s: &mut Stream) -> f64 {
    let u = s.uniform_open0();
    let v = s.uniform();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn inside(priors: &[Prior], z: &[f64]) -> bool {
    priors.iter().zip(z).all(|(p, &z)| {
        let (lo, hi) = p.work_bounds();
        z >= lo && z <= hi
    })
}

/// `n` draws from the prior (generation 0).
pub fn sample_prior(priors: &[Prior], n: usize, seed: u64) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| {
            let mut s = Stream::new(key(&[seed, 0, 0, i as u64, 0x6162_63]));
            priors
                .iter()
                .map(|p| {
                    let (lo, hi) = p.work_bounds();
                    p.from_work(lo + (hi - lo) * s.uniform())
                })
                .collect()
        })
        .collect()
}

/// An index drawn with probability proportional to `weights` (`total` is their sum).
pub fn draw_index(weights: impl ExactSizeIterator<Item = f64>, total: f64, s: &mut Stream) -> usize {
    let last = weights.len() - 1;
    let u = s.uniform() * total;
    let mut acc = 0.0;
    weights
        .enumerate()
        .find(|&(_, w)| {
            acc += w;
            acc > u
        })
        .map_or(last, |(i, _)| i)
}

/// One ancestor drawn from `prev` by weight (`total` is the sum of the weights).
fn pick<'a>(prev: &'a [Particle], total: f64, s: &mut Stream) -> &'a Particle {
    &prev[draw_index(prev.iter().map(|p| p.weight), total, s)]
}

/// A batch of proposals for `generation`: an ancestor drawn by weight from `prev`, moved by
/// `kernel`; a move outside the prior's support is discarded with its ancestor (at most
/// 1000 tries, then the last ancestor itself).
pub fn propose(
    prev: &[Particle],
    kernel: &Kernel,
    priors: &[Prior],
    n: usize,
    seed: u64,
    generation: u64,
    batch: u64,
) -> Vec<Vec<f64>> {
    let total: f64 = prev.iter().map(|p| p.weight).sum();
    (0..n)
        .map(|i| {
            let mut s = Stream::new(key(&[seed, generation, batch, i as u64, 0x6162_63]));
            let mut ancestor = pick(prev, total, &mut s);
            for _ in 0..1000 {
                let z0 = ancestor.theta.iter().zip(priors).map(|(&x, p)| p.to_work(x));
                let z: Vec<f64> = z0.zip(kernel.draw(&mut s)).map(|(a, b)| a + b).collect();
                if inside(priors, &z) {
                    return z.iter().zip(priors).map(|(&z, p)| p.from_work(z)).collect();
                }
                ancestor = pick(prev, total, &mut s);
            }
            ancestor.theta.clone()
        })
        .collect()
}

/// Normalised importance weights of new particles `thetas` given the previous population
/// and its kernel.
pub fn importance_weights(
    thetas: &[Vec<f64>],
    prev: &[Particle],
    kernel: &Kernel,
    priors: &[Prior],
) -> Vec<f64> {
    let work = |t: &[f64]| -> Vec<f64> { t.iter().zip(priors).map(|(&x, p)| p.to_work(x)).collect() };
    let prev_z: Vec<Vec<f64>> = prev.iter().map(|p| work(&p.theta)).collect();
    let raw: Vec<f64> = thetas
        .iter()
        .map(|t| {
            let z = work(t);
            let mix: f64 = prev
                .iter()
                .zip(&prev_z)
                .map(|(p, pz)| {
                    let step: Vec<f64> = z.iter().zip(pz).map(|(a, b)| a - b).collect();
                    p.weight * kernel.density(&step)
                })
                .sum();
            if mix > 0.0 { 1.0 / mix } else { 0.0 }
        })
        .collect();
    let total: f64 = raw.iter().sum();
    raw.iter().map(|w| w / total).collect()
}

/// Runs one generation. `evaluate` receives a batch of parameter points and returns their
/// distances (non-finite for a failed evaluation, which is never accepted).
pub fn generation<F>(
    prev: Option<&Population>,
    priors: &[Prior],
    settings: &Settings,
    seed: u64,
    mut evaluate: F,
) -> Population
where
    F: FnMut(&[Vec<f64>]) -> Vec<f64>,
{
    let n = settings.particles;
    let Some(prev) = prev else {
        let thetas = sample_prior(priors, n, seed);
        let d = evaluate(&thetas);
        let kept: Vec<(Vec<f64>, f64)> = thetas.into_iter().zip(d).filter(|(_, d)| d.is_finite()).collect();
        let w = 1.0 / kept.len() as f64;
        let particles =
            kept.into_iter().map(|(theta, distance)| Particle { theta, weight: w, distance }).collect();
        return Population {
            generation: 0,
            epsilon: f64::INFINITY,
            particles,
            evaluated: n,
            reached_tolerance: true,
        };
    };
    let g = prev.generation + 1;
    let weights: Vec<f64> = prev.particles.iter().map(|p| p.weight).collect();
    let distances: Vec<f64> = prev.particles.iter().map(|p| p.distance).collect();
    let epsilon = weighted_quantile(&distances, &weights, settings.quantile);
    let kernel = fit_kernel(&prev.particles, priors);
    let mut accepted: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n);
    let mut all: Vec<(Vec<f64>, f64)> = Vec::new();
    let mut batch = 0;
    while accepted.len() < n && batch < settings.max_batches.max(1) {
        let thetas = propose(&prev.particles, &kernel, priors, n, seed, g, batch as u64);
        let d = evaluate(&thetas);
        for (t, d) in thetas.into_iter().zip(d) {
            if d <= epsilon && accepted.len() < n {
                accepted.push((t.clone(), d));
            }
            all.push((t, d));
        }
        batch += 1;
    }
    let reached = accepted.len() == n;
    let (chosen, eps) = if reached {
        (accepted, epsilon)
    } else {
        // Out of budget: keep the closest proposals, in proposal order among equals.
        let mut order: Vec<usize> = (0..all.len()).filter(|&i| all[i].1.is_finite()).collect();
        order.sort_by(|&a, &b| all[a].1.total_cmp(&all[b].1).then(a.cmp(&b)));
        order.truncate(n);
        order.sort_unstable();
        let eps = order.iter().map(|&i| all[i].1).fold(f64::NEG_INFINITY, f64::max);
        (order.into_iter().map(|i| all[i].clone()).collect(), eps)
    };
    let thetas: Vec<Vec<f64>> = chosen.iter().map(|c| c.0.clone()).collect();
    let w = importance_weights(&thetas, &prev.particles, &kernel, priors);
    let particles = chosen
        .into_iter()
        .zip(w)
        .map(|((theta, distance), weight)| Particle { theta, weight, distance })
        .collect();
    Population { generation: g, epsilon: eps, particles, evaluated: all.len(), reached_tolerance: reached }
}

/// A weighted marginal interval of parameter `k`: its `(1 − level)/2` and `(1 + level)/2`
/// quantiles, and the median.
pub fn marginal(pop: &[Particle], k: usize, level: f64) -> (f64, f64, f64) {
    let v: Vec<f64> = pop.iter().map(|p| p.theta[k]).collect();
    let w: Vec<f64> = pop.iter().map(|p| p.weight).collect();
    let q = |p: f64| weighted_quantile(&v, &w, p);
    (q((1.0 - level) / 2.0), q(0.5), q((1.0 + level) / 2.0))
}

#[cfg(test)]
mod tests;
