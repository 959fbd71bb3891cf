//! Factors of an experiment, in one place for every command that varies parameters
//! (`sweep`, `sensitivity`, and the searches built on them): the `--set` syntax, the
//! points of a design, and a point applied to a scenario's `Params`.
//!
//! A factor is a parameter path with levels (grids) or a range (Latin hypercubes,
//! sensitivity analyses); [`narcodoor_numerics::design`] turns factors into points. A point is applied
//! to a clone of the scenario with `scenario::set_value` (levels, as text) or
//! `set_value_f64` (sampled values), in factor order, each setting checked with the
//! earlier ones in place; a point the scenario rules refuse is an error value, not a panic.

use crate::error::InputError;
use narcodoor_model::params::Params;
use narcodoor_numerics::design::{self, Factor};
use narcodoor_scenario::{ErrorKind, ScenarioError, check_memory, set_value, set_value_f64};

/// How the points of a sweep are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DesignKind {
    /// Every combination of the factors' levels, first factor slowest.
    Grid,
    /// A Latin hypercube sample of `--samples` points over the factors' ranges.
    Lhs,
    /// The points of a CSV file (`--design-file`, see [`crate::experiment::design_file`]).
    File,
}

impl DesignKind {
    pub fn name(self) -> &'static str {
        match self {
            DesignKind::Grid => "grid",
            DesignKind::Lhs => "lhs",
            DesignKind::File => "file",
        }
    }
}

/// Bad input (exit code 2) with a message.
pub(crate) fn input(msg: String) -> anyhow::Error {
    InputError::new(msg).into()
}

fn parse_number(text: &str, what: &str, set: &str) -> anyhow::Result<f64> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(input(format!("--set {set}: {what} `{text}` is not a finite number"))),
    }
}

/// Parses one `--set` of a sweep or a sensitivity analysis:
///
/// - `path=v1,v2,...` — levels (numbers, `true`/`false`, names, `a;b` lists), for grids;
/// - `path=lo:hi` — a continuous range, for Latin hypercubes and sensitivity analyses;
/// - `path=lo:hi:n` — n evenly spaced levels from lo to hi, for grids.
///
/// Errors (exit code 2) for a missing `=`, an empty path or value, a bad number, and a
/// form the design cannot use (a range in a grid, levels in a hypercube).
pub fn parse_set(text: &str, kind: DesignKind) -> anyhow::Result<Factor> {
    let Some((path, spec)) = text.split_once('=') else {
        return Err(input(format!(
            "--set {text}: expected path=v1,v2,... or path=lo:hi (for example policy.scholarships.coverage=0.2,0.4)"
        )));
    };
    let path = path.trim();
    if path.is_empty() || spec.trim().is_empty() {
        return Err(input(format!("--set {text}: the parameter path and its values must not be empty")));
    }
    if spec.contains(':') {
        let parts: Vec<&str> = spec.split(':').collect();
        let lo = parse_number(parts[0], "lower bound", text)?;
        let hi = parse_number(parts.get(1).copied().unwrap_or(""), "upper bound", text)?;
        if lo > hi {
            return Err(input(format!("--set {text}: the lower bound {lo} is above the upper bound {hi}")));
        }
        match (parts.len(), kind) {
            (2, DesignKind::Lhs) => Ok(Factor::Range { path: path.into(), lo, hi }),
            (2, DesignKind::Grid) => Err(input(format!(
                "--set {text}: a grid needs levels; list them (v1,v2,...), give a number of steps (lo:hi:n) or use --design lhs"
            ))),
            (3, DesignKind::Grid) => {
                let n: usize =
                    parts[2].trim().parse().ok().filter(|&n| n >= 2 || (n == 1 && lo == hi)).ok_or_else(
                        || input(format!("--set {text}: the number of levels must be a whole number ≥ 2")),
                    )?;
                crate::limits::at_most(
                    &format!("--set {text}: the number of levels"),
                    n,
                    crate::limits::MAX_LEVELS,
                )?;
                let values = (0..n)
                    .map(|i| {
                        let x = if n == 1 { lo } else { lo + (hi - lo) * i as f64 / (n - 1) as f64 };
                        crate::spelling::fmt_real(x)
                    })
                    .collect();
                Ok(Factor::Levels { path: path.into(), values })
            }
            (3, DesignKind::Lhs) => Err(input(format!(
                "--set {text}: a Latin hypercube samples ranges lo:hi; the number of points is --samples"
            ))),
            _ => Err(input(format!("--set {text}: expected lo:hi or lo:hi:n"))),
        }
    } else {
        let values: Vec<String> = spec.split(',').map(|v| v.trim().to_string()).collect();
        if values.iter().any(String::is_empty) {
            return Err(input(format!("--set {text}: empty value in the list")));
        }
        match kind {
            DesignKind::Grid => Ok(Factor::Levels { path: path.into(), values }),
            DesignKind::Lhs => Err(input(format!(
                "--set {text}: a Latin hypercube needs a range path=lo:hi, not a list of levels"
            ))),
            DesignKind::File => Err(input(format!("--set {text}: a design file gives the points itself"))),
        }
    }
}

/// Refuses factors that cannot be swept: `run.*` settings (they have their own flags and
/// would break the tidy layout), and paths or values that are not parameters at all
/// (unknown paths, wrong types, unknown names) — typos, not design points. Values that
/// are merely out of range are left to the points, which record them as errors.
pub fn check_factors(base: &Params, factors: &[Factor]) -> anyhow::Result<()> {
    for f in factors {
        let path = f.path();
        if path.starts_with("run.") {
            return Err(input(format!(
                "--set {path}: run settings cannot be swept; use --replicates, --months and --seed"
            )));
        }
        let probes: Vec<Result<(), ScenarioError>> = match f {
            Factor::Levels { values, .. } => {
                values.iter().map(|v| set_value(&mut base.clone(), path, v)).collect()
            }
            Factor::Range { lo, hi, .. } => {
                [*lo, *hi].iter().map(|&x| set_value_f64(&mut base.clone(), path, x)).collect()
            }
        };
        for e in probes.into_iter().filter_map(Result::err) {
            if matches!(e.kind(), ErrorKind::UnknownKey | ErrorKind::WrongType | ErrorKind::UnknownName) {
                return Err(anyhow::Error::new(e).context(format!("--set {path}: not a parameter value")));
            }
        }
    }
    Ok(())
}

/// A factor's value at a design point.
#[derive(Clone, Debug, PartialEq)]
pub enum PointValue {
    Text(String),
    Num(f64),
}

impl PointValue {
    fn show(&self) -> String {
        match self {
            PointValue::Text(t) => t.clone(),
            PointValue::Num(x) => format!("{x}"),
        }
    }
}

/// The points of a design, each with one value per factor.
pub fn design_points(
    factors: &[Factor],
    kind: DesignKind,
    samples: usize,
    seed: u64,
) -> anyhow::Result<Vec<Vec<PointValue>>> {
    let bad = |e: design::DesignError| input(format!("cannot build the design: {e}"));
    Ok(match kind {
        DesignKind::Grid => design::grid(factors)
            .map_err(bad)?
            .into_iter()
            .map(|p| p.into_iter().map(PointValue::Text).collect())
            .collect(),
        DesignKind::Lhs => design::latin_hypercube(factors, samples, seed)
            .map_err(bad)?
            .into_iter()
            .map(|p| p.into_iter().map(PointValue::Num).collect())
            .collect(),
        DesignKind::File => return Err(input("the points of a file design come from the file".into())),
    })
}

/// A design point applied to the scenario: its parameters, or why it is invalid, with the
/// values as `runs.csv` shows them (sampled integers as rounded, since that is what ran).
#[derive(Clone, Debug)]
pub struct Prepared {
    pub params: Result<Params, String>,
    pub shown: Vec<String>,
}

/// Applies a point's values, in factor order, to a clone of `base`; also checks that one
/// replicate of the result fits in memory.
pub fn apply_point(base: &Params, factors: &[Factor], point: &[PointValue]) -> Prepared {
    let mut p = base.clone();
    let mut shown = Vec::with_capacity(point.len());
    for (f, v) in factors.iter().zip(point) {
        let r = match v {
            PointValue::Text(t) => set_value(&mut p, f.path(), t),
            PointValue::Num(x) => set_value_f64(&mut p, f.path(), *x),
        };
        if let Err(e) = r {
            return Prepared {
                params: Err(e.to_string()),
                shown: point.iter().map(PointValue::show).collect(),
            };
        }
        shown.push(match v {
            PointValue::Text(t) => t.clone(),
            PointValue::Num(x) => narcodoor_scenario::get_value_f64(&p, f.path()).unwrap_or(*x).to_string(),
        });
    }
    if let Err(e) = check_memory(&p, 1) {
        return Prepared { params: Err(e.to_string()), shown };
    }
    Prepared { params: Ok(p), shown }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_syntax() {
        assert_eq!(
            parse_set("a.b=1,2, 3", DesignKind::Grid).unwrap(),
            Factor::Levels { path: "a.b".into(), values: vec!["1".into(), "2".into(), "3".into()] }
        );
        assert_eq!(
            parse_set("a=0:1:5", DesignKind::Grid).unwrap(),
            Factor::Levels {
                path: "a".into(),
                values: ["0", "0.25", "0.5", "0.75", "1"].map(String::from).to_vec()
            }
        );
        assert_eq!(
            parse_set("a=0.1:0.3", DesignKind::Lhs).unwrap(),
            Factor::Range { path: "a".into(), lo: 0.1, hi: 0.3 }
        );
        for (bad, kind) in [
            ("a", DesignKind::Grid),
            ("=1,2", DesignKind::Grid),
            ("a=", DesignKind::Grid),
            ("a=1,,2", DesignKind::Grid),
            ("a=0:1", DesignKind::Grid),
            ("a=1,2", DesignKind::Lhs),
            ("a=x:1", DesignKind::Lhs),
            ("a=2:1", DesignKind::Lhs),
            ("a=0:1:1", DesignKind::Grid),
            ("a=0:1:4", DesignKind::Lhs),
        ] {
            let e = parse_set(bad, kind).unwrap_err();
            assert!(e.is::<InputError>(), "{bad}: {e}");
        }
    }
}
