//! Parameter sweep designs: full factorial grids, Latin hypercube samples, the mapping of
//! unit-cube designs onto parameter ranges, and the split of a design into shards that
//! separate machines (or CI jobs) can run independently.
//!
//! A design is a list of points; a point gives one value per factor, in the order the
//! factors were given. The layer above turns a point into `--set path=value` overrides of
//! a scenario and runs its replicates; nothing here knows what a path means.
//!
//! Random designs are reproducible: they draw from `Pcg64Mcg` seeded with the caller's
//! seed, and they turn its 64-bit outputs into uniforms and integers with the small
//! functions below rather than with `rand`'s distributions, whose algorithms `rand` does
//! not promise to keep across versions. The same seed gives the same design for as long
//! as `Pcg64Mcg` exists.

use rand::Rng;

/// One dimension of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub enum Factor {
    /// Explicit values (kept as strings because some parameters are booleans, integers or
    /// names), used by [`grid`].
    Levels { path: String, values: Vec<String> },
    /// A continuous interval [lo, hi], used by [`latin_hypercube`] and [`scale_to_ranges`].
    Range { path: String, lo: f64, hi: f64 },
}

impl Factor {
    /// The scenario path the factor sets, such as `policy.scholarships.budget`.
    pub fn path(&self) -> &str {
        match self {
            Factor::Levels { path, .. } | Factor::Range { path, .. } => path,
        }
    }
}

/// A design that cannot be built from the factors given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DesignError {
    /// A grid enumerates values; a continuous range has none to enumerate.
    #[error(
        "factor `{path}` is a range; a grid needs explicit levels (list the values, or use a Latin hypercube for ranges)"
    )]
    RangeInGrid { path: String },
    #[error("factor `{path}` has no levels")]
    NoLevels { path: String },
    /// Latin hypercubes and unit-cube mappings need numeric intervals.
    #[error("factor `{path}` lists levels; this design needs a numeric range lo..hi")]
    LevelsNotRange { path: String },
    #[error("factor `{path}` has the range [{lo}, {hi}]; bounds must be finite with lo <= hi")]
    BadRange { path: String, lo: f64, hi: f64 },
    #[error("factor `{path}` appears more than once in the design")]
    DuplicatePath { path: String },
    #[error("a Latin hypercube needs at least one sample")]
    NoSamples,
    #[error("the grid would have more points than can be counted")]
    TooLarge,
    #[error("point {point} has {got} values but there are {expected} factors")]
    PointWidth { point: usize, got: usize, expected: usize },
    #[error("bad shard `{0}`: expected K/N with whole numbers 0 <= K < N (shards are numbered from 0)")]
    BadShard(String),
}

fn check_unique_paths(factors: &[Factor]) -> Result<(), DesignError> {
    for (i, f) in factors.iter().enumerate() {
        if factors[..i].iter().any(|g| g.path() == f.path()) {
            return Err(DesignError::DuplicatePath { path: f.path().to_string() });
        }
    }
    Ok(())
}

/// The (lo, hi) of every factor, which must all be valid ranges.
fn ranges(factors: &[Factor]) -> Result<Vec<(f64, f64)>, DesignError> {
    check_unique_paths(factors)?;
    factors
        .iter()
        .map(|f| match f {
            Factor::Range { path, lo, hi } => {
                if lo.is_finite() && hi.is_finite() && lo <= hi {
                    Ok((*lo, *hi))
                } else {
                    Err(DesignError::BadRange { path: path.clone(), lo: *lo, hi: *hi })
                }
            }
            Factor::Levels { path, .. } => Err(DesignError::LevelsNotRange { path: path.clone() }),
        })
        .collect()
}

/// Full factorial design: every combination of the factors' levels.
///
/// Order: the **first factor varies slowest** and the last fastest, like nested loops
/// with the first factor outermost (NetLogo's BehaviorSpace order). With factors
/// `a = [1, 2]` and `b = [x, y, z]` the points are
/// `[1,x] [1,y] [1,z] [2,x] [2,y] [2,z]`; point i has, for factor j, the digit j of i
/// written in the mixed radix of the level counts.
///
/// A `Range` factor is an error rather than being silently reduced to its two endpoints:
/// a grid over a continuous parameter needs the user to say how many levels are wanted.
/// An empty factor list gives one point with no values (the baseline run alone).
pub fn grid(factors: &[Factor]) -> Result<Vec<Vec<String>>, DesignError> {
    check_unique_paths(factors)?;
    let mut levels: Vec<&[String]> = Vec::with_capacity(factors.len());
    for f in factors {
        match f {
            Factor::Levels { path, values } if values.is_empty() => {
                return Err(DesignError::NoLevels { path: path.clone() });
            }
            Factor::Levels { values, .. } => levels.push(values),
            Factor::Range { path, .. } => {
                return Err(DesignError::RangeInGrid { path: path.clone() });
            }
        }
    }
    let total =
        levels.iter().try_fold(1usize, |acc, l| acc.checked_mul(l.len())).ok_or(DesignError::TooLarge)?;
    let mut points = Vec::with_capacity(total);
    for i in 0..total {
        let mut point = vec![String::new(); levels.len()];
        // Peel digits off the end: the last factor is the least significant digit.
        let mut rest = i;
        for (j, l) in levels.iter().enumerate().rev() {
            point[j] = l[rest % l.len()].clone();
            rest /= l.len();
        }
        points.push(point);
    }
    Ok(points)
}

/// A uniform number in [0, 1) from the top 53 bits of one 64-bit output.
pub(crate) fn unit_f64<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform integer in 0..n for n > 0, by Lemire's multiply-and-reject method, which has
/// no modulo bias and rarely needs a second draw.
pub(crate) fn below<R: Rng + ?Sized>(rng: &mut R, n: usize) -> usize {
    debug_assert!(n > 0);
    let n = n as u64;
    let mut wide = u128::from(rng.next_u64()) * u128::from(n);
    if (wide as u64) < n {
        let threshold = n.wrapping_neg() % n;
        while (wide as u64) < threshold {
            wide = u128::from(rng.next_u64()) * u128::from(n);
        }
    }
    (wide >> 64) as usize
}

/// Fisher–Yates shuffle, from the last position down.
pub(crate) fn shuffle<T, R: Rng + ?Sized>(items: &mut [T], rng: &mut R) {
    for i in (1..items.len()).rev() {
        let j = below(rng, i + 1);
        items.swap(i, j);
    }
}

/// Latin hypercube sample of `samples` points over Range factors.
///
/// Each factor's interval is cut into `samples` equal strata and every stratum holds
/// exactly one point: point i takes, in dimension j, the stratum π_j(i) of an independent
/// random permutation π_j, and a uniform position inside it. The value is
/// lo + (π_j(i) + U)/samples · (hi − lo).
///
/// Reproducible for a seed: the draws are, dimension by dimension in factor order, a
/// Fisher–Yates shuffle of 0..samples followed by `samples` uniforms. Errors for Levels
/// factors, invalid ranges, duplicate paths and zero samples.
pub fn latin_hypercube(factors: &[Factor], samples: usize, seed: u64) -> Result<Vec<Vec<f64>>, DesignError> {
    let ranges = ranges(factors)?;
    if samples == 0 {
        return Err(DesignError::NoSamples);
    }
    let mut rng = <rand_pcg::Pcg64Mcg as rand::SeedableRng>::seed_from_u64(seed);
    let mut points = vec![Vec::with_capacity(ranges.len()); samples];
    let mut strata: Vec<usize> = (0..samples).collect();
    let n = samples as f64;
    for &(lo, hi) in &ranges {
        strata.sort_unstable();
        shuffle(&mut strata, &mut rng);
        for (point, &s) in points.iter_mut().zip(&strata) {
            let s = s as f64;
            // s + U can round up to s + 1 when s is large; keep it inside its stratum.
            let mut pos = s + unit_f64(&mut rng);
            if pos >= s + 1.0 {
                pos = f64::from_bits((s + 1.0).to_bits() - 1);
            }
            point.push(lo + pos / n * (hi - lo));
        }
    }
    Ok(points)
}

/// Map points of the unit hypercube (from [`crate::experiment::sensitivity`] designs)
/// onto the factors' ranges: u ↦ lo + u (hi − lo), factor j taking coordinate j.
///
/// Errors unless every factor is a valid Range and every point has one coordinate per
/// factor.
pub fn scale_to_ranges(unit_points: &[Vec<f64>], factors: &[Factor]) -> Result<Vec<Vec<f64>>, DesignError> {
    let ranges = ranges(factors)?;
    unit_points
        .iter()
        .enumerate()
        .map(|(i, u)| {
            if u.len() != ranges.len() {
                return Err(DesignError::PointWidth { point: i, got: u.len(), expected: ranges.len() });
            }
            Ok(u.iter().zip(&ranges).map(|(x, &(lo, hi))| lo + x * (hi - lo)).collect())
        })
        .collect()
}

/// The indices of the points that shard `k` of `n` runs (shards numbered 0..n).
///
/// The split is round-robin, `i % n == k`, rather than contiguous blocks: neighbouring
/// points of a grid tend to have similar run times (the slowest factor changes rarely),
/// so dealing them out like cards balances long and short runs across shards. The union
/// of the n shards is the whole design, they are disjoint, and the split depends only on
/// (n_points, k, n). An invalid shard (n = 0 or k ≥ n) gets no points; validate user
/// input with [`parse_shard`].
pub fn shard(n_points: usize, k: usize, n: usize) -> Vec<usize> {
    if n == 0 || k >= n {
        return Vec::new();
    }
    (k..n_points).step_by(n).collect()
}

/// Parse and validate a shard given as `K/N` (for example `0/4` … `3/4`), returning
/// (k, n). Spaces around the numbers are allowed.
pub fn parse_shard(text: &str) -> Result<(usize, usize), DesignError> {
    let bad = || DesignError::BadShard(text.to_string());
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let k: usize = k.trim().parse().map_err(|_| bad())?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || k >= n {
        return Err(bad());
    }
    Ok((k, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    fn levels(path: &str, values: &[&str]) -> Factor {
        Factor::Levels { path: path.into(), values: values.iter().map(|v| v.to_string()).collect() }
    }

    fn range(path: &str, lo: f64, hi: f64) -> Factor {
        Factor::Range { path: path.into(), lo, hi }
    }

    #[test]
    fn grid_has_every_combination_first_factor_slowest() {
        let factors =
            [levels("a", &["1", "2"]), levels("b", &["x", "y", "z"]), levels("c", &["true", "false"])];
        let points = grid(&factors).unwrap();
        assert_eq!(points.len(), 12);
        let flat: Vec<String> = points.iter().map(|p| p.join(",")).collect();
        assert_eq!(&flat[..4], ["1,x,true", "1,x,false", "1,y,true", "1,y,false"]);
        assert_eq!(flat[6], "2,x,true");
        assert_eq!(flat[11], "2,z,false");
        // All distinct, so every combination appears exactly once.
        let mut unique = flat.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 12);
    }

    #[test]
    fn grid_edge_cases_and_errors() {
        assert_eq!(grid(&[]).unwrap(), vec![Vec::<String>::new()]);
        assert_eq!(grid(&[levels("a", &["only"])]).unwrap(), vec![vec!["only".to_string()]]);
        assert_eq!(
            grid(&[levels("a", &["1"]), range("b", 0.0, 1.0)]),
            Err(DesignError::RangeInGrid { path: "b".into() })
        );
        assert_eq!(grid(&[levels("a", &[])]), Err(DesignError::NoLevels { path: "a".into() }));
        assert_eq!(
            grid(&[levels("a", &["1"]), levels("a", &["2"])]),
            Err(DesignError::DuplicatePath { path: "a".into() })
        );
        // 2^64 points cannot be counted.
        let huge: Vec<Factor> = (0..64).map(|i| levels(&format!("f{i}"), &["0", "1"])).collect();
        assert_eq!(grid(&huge), Err(DesignError::TooLarge));
    }

    /// The stratum (0..n) of every point in dimension j.
    fn strata(points: &[Vec<f64>], j: usize, lo: f64, hi: f64) -> Vec<usize> {
        let n = points.len();
        let mut s: Vec<usize> =
            points.iter().map(|p| ((p[j] - lo) / (hi - lo) * n as f64) as usize).collect();
        s.sort_unstable();
        s
    }

    #[test]
    fn latin_hypercube_has_one_point_per_stratum() {
        let factors = [range("u", 0.0, 1.0), range("rate", -2.0, 6.0), range("k", 100.0, 101.0)];
        for samples in [1, 7, 50, 1000] {
            let points = latin_hypercube(&factors, samples, 42).unwrap();
            assert_eq!(points.len(), samples);
            for (j, f) in factors.iter().enumerate() {
                let Factor::Range { lo, hi, .. } = *f else { unreachable!() };
                assert!(points.iter().all(|p| p.len() == 3 && p[j] >= lo && p[j] <= hi));
                assert_eq!(strata(&points, j, lo, hi), (0..samples).collect::<Vec<_>>(), "dim {j}");
            }
        }
    }

    #[test]
    fn latin_hypercube_is_reproducible_and_seed_dependent() {
        let factors = [range("a", 0.0, 1.0), range("b", 0.0, 10.0)];
        let one = latin_hypercube(&factors, 20, 7).unwrap();
        assert_eq!(one, latin_hypercube(&factors, 20, 7).unwrap());
        assert_ne!(one, latin_hypercube(&factors, 20, 8).unwrap());
        // The dimensions use independent permutations, not the same one.
        let order = |j: usize| {
            let mut idx: Vec<usize> = (0..20).collect();
            idx.sort_by(|&x, &y| one[x][j].total_cmp(&one[y][j]));
            idx
        };
        assert_ne!(order(0), order(1));
    }

    #[test]
    fn latin_hypercube_errors() {
        assert_eq!(
            latin_hypercube(&[levels("a", &["1"])], 5, 1),
            Err(DesignError::LevelsNotRange { path: "a".into() })
        );
        assert!(matches!(latin_hypercube(&[range("a", 2.0, 1.0)], 5, 1), Err(DesignError::BadRange { .. })));
        assert!(matches!(
            latin_hypercube(&[range("a", 0.0, f64::NAN)], 5, 1),
            Err(DesignError::BadRange { .. })
        ));
        assert_eq!(latin_hypercube(&[range("a", 0.0, 1.0)], 0, 1), Err(DesignError::NoSamples));
        // A degenerate range is allowed: the parameter is fixed.
        assert_eq!(latin_hypercube(&[range("a", 3.0, 3.0)], 4, 1).unwrap(), vec![vec![3.0]; 4]);
    }

    #[test]
    fn scale_to_ranges_maps_the_unit_cube() {
        let factors = [range("a", -1.0, 1.0), range("b", 10.0, 20.0)];
        let scaled = scale_to_ranges(&[vec![0.0, 0.5], vec![1.0, 0.25]], &factors).unwrap();
        assert_eq!(scaled, vec![vec![-1.0, 15.0], vec![1.0, 12.5]]);
        assert_eq!(
            scale_to_ranges(&[vec![0.0]], &factors),
            Err(DesignError::PointWidth { point: 0, got: 1, expected: 2 })
        );
    }

    #[test]
    fn shards_partition_the_design() {
        for n_points in [0, 1, 5, 12, 97] {
            for n in [1, 2, 3, 7, 150] {
                let mut seen = vec![0u32; n_points];
                for k in 0..n {
                    let s = shard(n_points, k, n);
                    assert_eq!(s, shard(n_points, k, n), "deterministic");
                    assert!(s.windows(2).all(|w| w[0] < w[1]), "ascending");
                    // Round-robin: shard sizes differ by at most one.
                    assert!(s.len() == n_points / n || s.len() == n_points / n + 1);
                    for i in s {
                        assert_eq!(i % n, k);
                        seen[i] += 1;
                    }
                }
                assert!(seen.iter().all(|&c| c == 1), "each point in exactly one shard");
            }
        }
        assert_eq!(shard(10, 1, 4), vec![1, 5, 9]);
        assert!(shard(10, 4, 4).is_empty() && shard(10, 0, 0).is_empty());
    }

    #[test]
    fn shard_strings_are_validated() {
        assert_eq!(parse_shard("0/4"), Ok((0, 4)));
        assert_eq!(parse_shard(" 3 / 4 "), Ok((3, 4)));
        for bad in ["4/4", "1/0", "-1/4", "1", "a/b", "1/2/3", "", "1.5/4"] {
            assert!(matches!(parse_shard(bad), Err(DesignError::BadShard(_))), "{bad:?}");
        }
    }

    #[test]
    fn integer_draws_are_in_range_and_unbiased() {
        let mut rng = Pcg64Mcg::seed_from_u64(3);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[below(&mut rng, 3)] += 1;
        }
        // Pearson chi-square with 2 degrees of freedom; 13.8 is its 99.9% point.
        let chi2: f64 = counts.iter().map(|&c| (c as f64 - 10_000.0).powi(2) / 10_000.0).sum();
        assert!(chi2 < 13.8, "{counts:?}");
        let mut items: Vec<usize> = (0..50).collect();
        shuffle(&mut items, &mut rng);
        assert_ne!(items, (0..50).collect::<Vec<_>>());
        items.sort_unstable();
        assert_eq!(items, (0..50).collect::<Vec<_>>());
        assert!((0..1000).all(|_| (0.0..1.0).contains(&unit_f64(&mut rng))));
    }
}
