//! NSGA-II (Deb, Pratap, Agarwal & Meyarivan 2002) as pure functions on plain numbers:
//! fast non-dominated sorting with Deb's constrained domination, crowding distance,
//! binary tournaments, simulated binary crossover (SBX), polynomial mutation and the
//! elitist (μ + λ) survivor selection, plus exact hypervolume for judging fronts.
//!
//! Nothing here knows about the model: `narcodoor optimize` evaluates the candidates these
//! functions propose (through the experiment runner) and hands the numbers back. All
//! randomness comes from counter-based streams keyed by (seed, generation), so a
//! generation's offspring are a pure function of its parents, which is what makes a search
//! resumable at generation boundaries and identical for any thread count.

use narcodoor_model::rng::{Stream, key};

/// A candidate's evaluation: objectives (all minimised) and its constraint violation
/// (0 when feasible; `f64::INFINITY` for a candidate whose evaluation failed).
#[derive(Clone, Debug, PartialEq)]
pub struct Fitness {
    pub objectives: Vec<f64>,
    pub violation: f64,
}

impl Fitness {
    pub fn feasible(objectives: Vec<f64>) -> Fitness {
        Fitness { objectives, violation: 0.0 }
    }

    /// A failed evaluation: ranked behind every other candidate.
    pub fn failed(n_objectives: usize) -> Fitness {
        Fitness { objectives: vec![f64::INFINITY; n_objectives], violation: f64::INFINITY }
    }

    pub fn is_feasible(&self) -> bool {
        self.violation <= 0.0
    }
}

/// Deb's constrained domination: a feasible point beats an infeasible one, the smaller
/// violation wins between infeasible points, and feasible points compare by Pareto
/// dominance (no worse in every objective, better in one).
pub fn dominates(a: &Fitness, b: &Fitness) -> bool {
    match (a.is_feasible(), b.is_feasible()) {
        (true, false) => true,
        (false, true) => false,
        (false, false) => a.violation < b.violation,
        (true, true) => {
            let mut better = false;
            for (x, y) in a.objectives.iter().zip(&b.objectives) {
                if x > y {
                    return false;
                }
                better |= x < y;
            }
            better
        }
    }
}

/// Fast non-dominated sorting: the fronts, best first, each a list of indices in
/// increasing order.
pub fn non_dominated_sort(pop: &[Fitness]) -> Vec<Vec<usize>> {
    let n = pop.len();
    let mut dominated_by: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut count = vec![0usize; n];
    for i in 0..n {
        for j in (i + 1)..n {
            if dominates(&pop[i], &pop[j]) {
                dominated_by[i].push(j);
                count[j] += 1;
            } else if dominates(&pop[j], &pop[i]) {
                dominated_by[j].push(i);
                count[i] += 1;
            }
        }
    }
    let mut fronts = Vec::new();
    let mut current: Vec<usize> = (0..n).filter(|&i| count[i] == 0).collect();
    while !current.is_empty() {
        let mut next = Vec::new();
        for &i in &current {
            for &j in &dominated_by[i] {
                count[j] -= 1;
                if count[j] == 0 {
                    next.push(j);
                }
            }
        }
        next.sort_unstable();
        fronts.push(current);
        current = next;
    }
    fronts
}

/// Crowding distance of each member of `front` (in the front's order): the sum over
/// objectives of the normalised gap between its neighbours; the extremes get infinity.
pub fn crowding_distance(pop: &[Fitness], front: &[usize]) -> Vec<f64> {
    let n = front.len();
    let mut d = vec![0.0; n];
    if n <= 2 {
        return vec![f64::INFINITY; n];
    }
    let m = pop[front[0]].objectives.len();
    for k in 0..m {
        let mut order: Vec<usize> = (0..n).collect();
        // Ties broken by position, so the result does not depend on the sort's stability.
        order.sort_by(|&a, &b| {
            pop[front[a]].objectives[k].total_cmp(&pop[front[b]].objectives[k]).then(a.cmp(&b))
        });
        let lo = pop[front[order[0]]].objectives[k];
        let hi = pop[front[order[n - 1]]].objectives[k];
        d[order[0]] = f64::INFINITY;
        d[order[n - 1]] = f64::INFINITY;
        let span = hi - lo;
        if !(span > 0.0 && span.is_finite()) {
            continue;
        }
        for w in 1..n - 1 {
            let gap = pop[front[order[w + 1]]].objectives[k] - pop[front[order[w - 1]]].objectives[k];
            d[order[w]] += gap / span;
        }
    }
    d
}

/// Each member's rank (0 = first front) and crowding distance.
pub fn rank_and_crowding(pop: &[Fitness]) -> (Vec<usize>, Vec<f64>) {
    let mut rank = vec![0; pop.len()];
    let mut crowd = vec![0.0; pop.len()];
    for (r, front) in non_dominated_sort(pop).iter().enumerate() {
        for (&i, c) in front.iter().zip(crowding_distance(pop, front)) {
            rank[i] = r;
            crowd[i] = c;
        }
    }
    (rank, crowd)
}

/// Elitist survivor selection: the `n` best of `pop` by front, then by crowding distance
/// (larger first) within the front that does not fit whole; returned in increasing order
/// of index.
pub fn select_survivors(pop: &[Fitness], n: usize) -> Vec<usize> {
    let mut chosen = Vec::with_capacity(n);
    for front in non_dominated_sort(pop) {
        if chosen.len() + front.len() <= n {
            chosen.extend_from_slice(&front);
        } else {
            let d = crowding_distance(pop, &front);
            let mut order: Vec<usize> = (0..front.len()).collect();
            order.sort_by(|&a, &b| d[b].total_cmp(&d[a]).then(a.cmp(&b)));
            chosen.extend(order.iter().take(n - chosen.len()).map(|&k| front[k]));
        }
        if chosen.len() >= n {
            break;
        }
    }
    chosen.sort_unstable();
    chosen
}

/// The variation operators' settings (Deb's usual values by default).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Operators {
    /// Probability that a pair of parents is crossed.
    pub crossover_probability: f64,
    /// SBX distribution index η_c (larger: children nearer their parents).
    pub crossover_eta: f64,
    /// Probability of mutating each variable; `None` means 1 / (number of variables).
    pub mutation_probability: Option<f64>,
    /// Polynomial mutation distribution index η_m.
    pub mutation_eta: f64,
}

impl Default for Operators {
    fn default() -> Self {
        Operators {
            crossover_probability: 0.9,
            crossover_eta: 15.0,
            mutation_probability: None,
            mutation_eta: 20.0,
        }
    }
}

/// Simulated binary crossover of two parents within `bounds` (Deb & Agrawal 1995, in the
/// bounded form of Deb's reference code); each variable is crossed with probability ½.
pub fn sbx(a: &[f64], b: &[f64], bounds: &[(f64, f64)], eta: f64, s: &mut Stream) -> (Vec<f64>, Vec<f64>) {
    let mut c1 = a.to_vec();
    let mut c2 = b.to_vec();
    for (i, &(lo, hi)) in bounds.iter().enumerate() {
        let u_cross = s.uniform();
        let u = s.uniform();
        let swap = s.uniform() < 0.5;
        if u_cross > 0.5 || (a[i] - b[i]).abs() <= 1e-14 || hi <= lo {
            continue;
        }
        let (y1, y2) = if a[i] < b[i] { (a[i], b[i]) } else { (b[i], a[i]) };
        let child = |spread_to_bound: f64| {
            let beta = 1.0 + 2.0 * spread_to_bound / (y2 - y1);
            let alpha = 2.0 - beta.powf(-(eta + 1.0));
            if u <= 1.0 / alpha {
                (u * alpha).powf(1.0 / (eta + 1.0))
            } else {
                (1.0 / (2.0 - u * alpha)).powf(1.0 / (eta + 1.0))
            }
        };
        let low = 0.5 * ((y1 + y2) - child(y1 - lo) * (y2 - y1));
        let high = 0.5 * ((y1 + y2) + child(hi - y2) * (y2 - y1));
        let (low, high) = (low.clamp(lo, hi), high.clamp(lo, hi));
        if swap {
            c1[i] = high;
            c2[i] = low;
        } else {
            c1[i] = low;
            c2[i] = high;
        }
    }
    (c1, c2)
}

/// Polynomial mutation (Deb & Goyal 1996, bounded form): each variable with probability
/// `p` moves by a perturbation whose spread shrinks as η grows, staying within bounds.
pub fn polynomial_mutation(x: &mut [f64], bounds: &[(f64, f64)], p: f64, eta: f64, s: &mut Stream) {
    for (xi, &(lo, hi)) in x.iter_mut().zip(bounds) {
        let go = s.uniform() < p;
        let u = s.uniform();
        if !go || hi <= lo {
            continue;
        }
        let d1 = (*xi - lo) / (hi - lo);
        let d2 = (hi - *xi) / (hi - lo);
        let power = 1.0 / (eta + 1.0);
        let dq = if u < 0.5 {
            let v = 2.0 * u + (1.0 - 2.0 * u) * (1.0 - d1).powf(eta + 1.0);
            v.powf(power) - 1.0
        } else {
            let v = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * (1.0 - d2).powf(eta + 1.0);
            1.0 - v.powf(power)
        };
        *xi = (*xi + dq * (hi - lo)).clamp(lo, hi);
    }
}

/// Binary tournament on (rank, crowding): the lower rank wins, then the larger crowding
/// distance, then the lower index.
fn tournament(rank: &[usize], crowd: &[f64], s: &mut Stream) -> usize {
    let n = rank.len() as u64;
    let a = s.below(n) as usize;
    let b = s.below(n) as usize;
    let better = |i: usize, j: usize| rank[i] < rank[j] || (rank[i] == rank[j] && crowd[i] > crowd[j]);
    if better(a, b) || (!better(b, a) && a <= b) { a } else { b }
}

/// The offspring of a parent population: `n` children by tournament, SBX and polynomial
/// mutation, from the stream of (seed, generation).
pub fn offspring(
    parents: &[Vec<f64>],
    fitness: &[Fitness],
    bounds: &[(f64, f64)],
    ops: &Operators,
    n: usize,
    seed: u64,
    generation: u64,
) -> Vec<Vec<f64>> {
    let mut s = Stream::new(key(&[seed, generation, 0x6e73_6761]));
    let (rank, crowd) = rank_and_crowding(fitness);
    let pm = ops.mutation_probability.unwrap_or(1.0 / bounds.len().max(1) as f64);
    let mut children = Vec::with_capacity(n + 1);
    while children.len() < n {
        let a = &parents[tournament(&rank, &crowd, &mut s)];
        let b = &parents[tournament(&rank, &crowd, &mut s)];
        let crossed = s.uniform() < ops.crossover_probability;
        let (mut c1, mut c2) =
            if crossed { sbx(a, b, bounds, ops.crossover_eta, &mut s) } else { (a.clone(), b.clone()) };
        polynomial_mutation(&mut c1, bounds, pm, ops.mutation_eta, &mut s);
        polynomial_mutation(&mut c2, bounds, pm, ops.mutation_eta, &mut s);
        children.push(c1);
        children.push(c2);
    }
    children.truncate(n);
    children
}

/// A Latin hypercube of `n` points within `bounds` (the first generation).
pub fn initial_population(bounds: &[(f64, f64)], n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut s = Stream::new(key(&[seed, 0x696e_6974]));
    let mut cols: Vec<Vec<f64>> = Vec::with_capacity(bounds.len());
    for &(lo, hi) in bounds {
        let mut strata: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            strata.swap(i, s.below(i as u64 + 1) as usize);
        }
        cols.push(strata.iter().map(|&k| lo + (hi - lo) * (k as f64 + s.uniform()) / n as f64).collect());
    }
    (0..n).map(|i| cols.iter().map(|c| c[i]).collect()).collect()
}

/// The hypervolume dominated by `points` (minimised objectives) and bounded by
/// `reference`; points not strictly better than the reference in every objective add
/// nothing. Exact: a sweep in two objectives, slicing along the last objective above.
pub fn hypervolume(points: &[Vec<f64>], reference: &[f64]) -> f64 {
    let inside: Vec<Vec<f64>> = points
        .iter()
        .filter(|p| p.iter().zip(reference).all(|(x, r)| x < r && x.is_finite()))
        .cloned()
        .collect();
    hv_rec(inside, reference)
}

fn hv_rec(mut pts: Vec<Vec<f64>>, reference: &[f64]) -> f64 {
    let m = reference.len();
    if pts.is_empty() {
        return 0.0;
    }
    if m == 1 {
        return reference[0] - pts.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
    }
    if m == 2 {
        pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
        let (mut area, mut best_y) = (0.0, reference[1]);
        for p in &pts {
            if p[1] < best_y {
                area += (reference[0] - p[0]) * (best_y - p[1]);
                best_y = p[1];
            }
        }
        return area;
    }
    // Slices between consecutive values of the last objective.
    pts.sort_by(|a, b| a[m - 1].total_cmp(&b[m - 1]));
    let mut volume = 0.0;
    for i in 0..pts.len() {
        let top = if i + 1 < pts.len() { pts[i + 1][m - 1] } else { reference[m - 1] };
        let depth = top - pts[i][m - 1];
        if depth > 0.0 {
            let slice: Vec<Vec<f64>> = pts[..=i].iter().map(|p| p[..m - 1].to_vec()).collect();
            volume += depth * hv_rec(slice, &reference[..m - 1]);
        }
    }
    volume
}

#[cfg(test)]
mod tests;
