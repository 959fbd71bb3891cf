//! Tests of NSGA-II's parts, and of the whole on the ZDT problems with known fronts.

use super::*;

fn fit(o: &[f64]) -> Fitness {
    Fitness::feasible(o.to_vec())
}

#[test]
fn constrained_domination() {
    assert!(dominates(&fit(&[1.0, 2.0]), &fit(&[1.0, 3.0])));
    assert!(!dominates(&fit(&[1.0, 2.0]), &fit(&[1.0, 2.0])));
    assert!(!dominates(&fit(&[1.0, 3.0]), &fit(&[2.0, 2.0])));
    let infeasible = |v: f64| Fitness { objectives: vec![0.0, 0.0], violation: v };
    assert!(dominates(&fit(&[9.0, 9.0]), &infeasible(0.1)));
    assert!(dominates(&infeasible(0.1), &infeasible(0.2)));
    assert!(dominates(&infeasible(5.0), &Fitness::failed(2)));
    assert!(!dominates(&Fitness::failed(2), &Fitness::failed(2)));
}

#[test]
fn sorting_into_fronts_and_crowding() {
    let pop: Vec<Fitness> = [[1.0, 5.0], [2.0, 3.0], [3.0, 1.0], [2.0, 4.0], [4.0, 4.0], [5.0, 5.0]]
        .iter()
        .map(|o| fit(o))
        .collect();
    assert_eq!(non_dominated_sort(&pop), vec![vec![0, 1, 2], vec![3], vec![4], vec![5]]);
    let d = crowding_distance(&pop, &[0, 1, 2]);
    assert!(d[0].is_infinite() && d[2].is_infinite());
    // (3-1)/(3-1) + (5-1)/(5-1) = 2 for the middle point.
    assert!((d[1] - 2.0).abs() < 1e-12);
    // Survivors: the whole first front, then one of the next.
    assert_eq!(select_survivors(&pop, 4), vec![0, 1, 2, 3]);
    let (rank, _) = rank_and_crowding(&pop);
    assert_eq!(rank, vec![0, 0, 0, 1, 2, 3]);
}

#[test]
fn crowding_keeps_the_extremes_when_a_front_is_cut() {
    let pop: Vec<Fitness> =
        [[0.0, 4.0], [1.0, 3.0], [1.1, 2.9], [3.0, 1.0], [4.0, 0.0]].iter().map(|o| fit(o)).collect();
    let kept = select_survivors(&pop, 3);
    assert!(kept.contains(&0) && kept.contains(&4), "{kept:?}");
}

#[test]
fn operators_stay_within_bounds_and_are_deterministic() {
    let bounds = vec![(0.0, 1.0), (-5.0, 5.0), (2.0, 2.0)];
    let mut s = Stream::new(7);
    for _ in 0..2000 {
        let a = vec![s.uniform(), -5.0 + 10.0 * s.uniform(), 2.0];
        let b = vec![s.uniform(), -5.0 + 10.0 * s.uniform(), 2.0];
        let (mut c1, c2) = sbx(&a, &b, &bounds, 15.0, &mut s);
        polynomial_mutation(&mut c1, &bounds, 1.0, 20.0, &mut s);
        for c in [&c1, &c2] {
            for (x, (lo, hi)) in c.iter().zip(&bounds) {
                assert!(x >= lo && x <= hi, "{x} outside [{lo}, {hi}]");
            }
        }
    }
    let parents = initial_population(&bounds, 10, 3);
    let f: Vec<Fitness> = parents.iter().map(|p| fit(&[p[0], p[1]])).collect();
    let ops = Operators::default();
    assert_eq!(
        offspring(&parents, &f, &bounds, &ops, 9, 3, 1),
        offspring(&parents, &f, &bounds, &ops, 9, 3, 1)
    );
    assert_ne!(
        offspring(&parents, &f, &bounds, &ops, 9, 3, 1),
        offspring(&parents, &f, &bounds, &ops, 9, 3, 2)
    );
}

#[test]
fn sbx_crosses_half_the_variables_and_contracts_half_the_time() {
    // Within wide bounds SBX is symmetric about the parents' midpoint.
    let bounds = vec![(-1e6, 1e6)];
    let mut s = Stream::new(11);
    let (mut crossed, mut contracting, n) = (0, 0, 20_000);
    for _ in 0..n {
        let (c1, c2) = sbx(&[1.0], &[3.0], &bounds, 2.0, &mut s);
        assert!((c1[0] + c2[0] - 4.0).abs() < 1e-9);
        if c1[0] != 1.0 && c1[0] != 3.0 {
            crossed += 1;
            // The spread factor β = |c2 − c1| / |b − a| is below 1 with probability ½.
            contracting += usize::from((c2[0] - c1[0]).abs() < 2.0);
        }
    }
    assert!((crossed as f64 / n as f64 - 0.5).abs() < 0.02, "{crossed}");
    assert!((contracting as f64 / crossed as f64 - 0.5).abs() < 0.02, "{contracting} of {crossed}");
}

#[test]
fn latin_hypercube_has_one_point_per_stratum() {
    let pts = initial_population(&[(0.0, 10.0), (1.0, 2.0)], 5, 1);
    for k in 0..2 {
        let mut strata: Vec<usize> = pts
            .iter()
            .map(|p| if k == 0 { (p[0] / 2.0) as usize } else { ((p[1] - 1.0) * 5.0) as usize })
            .collect();
        strata.sort_unstable();
        assert_eq!(strata, vec![0, 1, 2, 3, 4]);
    }
}

#[test]
fn hypervolume_known_answers() {
    let r = [4.0, 4.0];
    assert_eq!(hypervolume(&[vec![1.0, 1.0]], &r), 9.0);
    // Two boxes 3×1 and 1×3 overlapping in 1×1.
    assert_eq!(hypervolume(&[vec![1.0, 3.0], vec![3.0, 1.0]], &r), 5.0);
    // Dominated and outside points add nothing.
    assert_eq!(hypervolume(&[vec![1.0, 3.0], vec![3.0, 1.0], vec![3.5, 3.5], vec![5.0, 0.0]], &r), 5.0);
    // Three objectives: a unit cube corner and an overlapping box.
    let r3 = [2.0, 2.0, 2.0];
    assert!((hypervolume(&[vec![1.0, 1.0, 1.0]], &r3) - 1.0).abs() < 1e-12);
    let v = hypervolume(&[vec![1.0, 1.0, 1.0], vec![0.0, 1.5, 1.5]], &r3);
    // 1 + 2·0.5·0.5 − overlap (1·0.5·0.5) = 1.25
    assert!((v - 1.25).abs() < 1e-12, "{v}");
}

/// NSGA-II on a test function: returns the final population's objectives.
fn minimise(
    f: impl Fn(&[f64]) -> Vec<f64>,
    vars: usize,
    n: usize,
    generations: u64,
    seed: u64,
) -> Vec<Vec<f64>> {
    let bounds = vec![(0.0, 1.0); vars];
    let ops = Operators::default();
    let mut x = initial_population(&bounds, n, seed);
    let mut fx: Vec<Fitness> = x.iter().map(|p| Fitness::feasible(f(p))).collect();
    for g in 1..=generations {
        let children = offspring(&x, &fx, &bounds, &ops, n, seed, g);
        x.extend(children.iter().cloned());
        fx.extend(children.iter().map(|c| Fitness::feasible(f(c))));
        let keep = select_survivors(&fx, n);
        x = keep.iter().map(|&i| x[i].clone()).collect();
        fx = keep.iter().map(|&i| fx[i].clone()).collect();
    }
    fx.into_iter().map(|f| f.objectives).collect()
}

fn zdt_g(x: &[f64]) -> f64 {
    1.0 + 9.0 * x[1..].iter().sum::<f64>() / (x.len() - 1) as f64
}

fn zdt1(x: &[f64]) -> Vec<f64> {
    let g = zdt_g(x);
    vec![x[0], g * (1.0 - (x[0] / g).sqrt())]
}

fn zdt2(x: &[f64]) -> Vec<f64> {
    let g = zdt_g(x);
    vec![x[0], g * (1.0 - (x[0] / g).powi(2))]
}

const GENERATIONS: u64 = 200;

/// The stated budget: 30 variables, population 100, 200 generations after the first,
/// i.e. 20,100 evaluations; reference point (1.1, 1.1). The true fronts' hypervolumes are
/// 1.21 − 1/3 (ZDT1, f2 = 1 − √f1) and 1.21 − 2/3 (ZDT2, f2 = 1 − f1²).
#[test]
fn zdt1_and_zdt2_fronts_within_two_percent_of_the_true_hypervolume() {
    let reference = [1.1, 1.1];
    let mut ratios = Vec::new();
    for (name, f, truth) in [
        ("ZDT1", zdt1 as fn(&[f64]) -> Vec<f64>, 1.21 - 1.0 / 3.0),
        ("ZDT2", zdt2 as fn(&[f64]) -> Vec<f64>, 1.21 - 2.0 / 3.0),
    ] {
        for seed in [1, 2] {
            let front = minimise(f, 30, 100, GENERATIONS, seed);
            let hv = hypervolume(&front, &reference);
            let ratio = hv / truth;
            eprintln!("{name} seed {seed}: hypervolume {hv:.5} of {truth:.5} ({:.2}%)", 100.0 * ratio);
            ratios.push((name, seed, ratio));
        }
    }
    for (name, seed, ratio) in ratios {
        assert!((0.98..=1.0 + 1e-9).contains(&ratio), "{name} seed {seed}: {ratio}");
    }
}
