//! What `optimize` and `calibrate` share: a generational search over parameter points of a
//! scenario. Both evaluate a population of points per generation (`optimize` on the same
//! replicates, common random numbers; `calibrate` each point on its own seed, set in its
//! parameters), in parallel over candidates and replicates, and keep one
//! checkpoint file per finished generation so that a search killed midway resumes at the
//! last generation boundary with the same bytes as an uninterrupted one.
//!
//! - [`Space`]: the parameter paths being searched and how a point becomes `Params`
//!   (with the values that actually ran, integers rounded);
//! - [`evaluate`]: runs every valid candidate's jobs through the experiment runner and reduces each
//!   replicate to numbers as soon as it finishes; a candidate the scenario rules refuse is
//!   returned as its error, not fatal;
//! - [`store`]: the checkpoint directory (`search.json`, `generations/gen-NNNN.json`);
//! - [`overlay`]: a point written as a scenario file that `extends` the searched one.

pub mod overlay;
pub mod store;

use crate::command::runner::Runner;
use crate::error::InputError;
use crate::experiment::factor::{self, PointValue};
use narcodoor_engine::{Job, ReplicateResult};
use narcodoor_model::params::Params;
use narcodoor_numerics::design::Factor;
use narcodoor_scenario::{ErrorKind, get_value_f64, get_value_toml, set_value_f64};

/// The parameter paths of a search, applied in order to a base scenario.
#[derive(Clone, Debug)]
pub struct Space {
    pub base: Params,
    pub paths: Vec<String>,
}

/// A candidate made ready to run: its parameters or why they are invalid, and the values
/// as they ran (a rounded integer, a clamped schedule).
#[derive(Clone, Debug)]
pub struct Prepared {
    pub params: Result<Params, String>,
    pub values: Vec<f64>,
}

impl Space {
    /// Checks that every path is a numeric parameter that a scenario file can hold and
    /// that its range's ends are accepted; `flag` names the option in messages.
    pub fn new(base: Params, ranges: &[(String, f64, f64)], flag: &str) -> anyhow::Result<Space> {
        for (path, lo, hi) in ranges {
            if path.starts_with("run.") {
                return Err(InputError::new(format!(
                    "{flag} {path}: run settings cannot be searched; use --replicates, --months and --seed"
                ))
                .into());
            }
            for x in [*lo, *hi] {
                let mut p = base.clone();
                if let Err(e) = set_value_f64(&mut p, path, x) {
                    let kind = e.kind();
                    let err = anyhow::Error::new(e);
                    return Err(
                        if matches!(
                            kind,
                            ErrorKind::UnknownKey | ErrorKind::WrongType | ErrorKind::UnknownName
                        ) {
                            err.context(format!("{flag} {path}: not a numeric parameter"))
                        } else {
                            err.context(format!(
                                "{flag} {path}={lo}:{hi}: the range's end {x} is not allowed"
                            ))
                        },
                    );
                }
                if get_value_toml(&p, path).is_none() || overlay::toml_location(path).is_none() {
                    return Err(InputError::new(format!(
                        "{flag} {path}: cannot be written to a scenario file"
                    ))
                    .into());
                }
            }
        }
        Ok(Space { base, paths: ranges.iter().map(|r| r.0.clone()).collect() })
    }

    /// The searched paths as the factor module's ranges.
    fn factors(&self) -> Vec<Factor> {
        self.paths
            .iter()
            .map(|p| Factor::Range { path: p.clone(), lo: f64::NEG_INFINITY, hi: f64::INFINITY })
            .collect()
    }

    /// Applies a point to a clone of the base scenario (through the factor module, as
    /// sweeps do), with the values as they ran.
    pub fn prepare(&self, point: &[f64]) -> Prepared {
        let values: Vec<PointValue> = point.iter().map(|&x| PointValue::Num(x)).collect();
        let applied = factor::apply_point(&self.base, &self.factors(), &values);
        let ran = match &applied.params {
            Ok(p) => {
                self.paths.iter().zip(point).map(|(path, &x)| get_value_f64(p, path).unwrap_or(x)).collect()
            }
            Err(_) => point.to_vec(),
        };
        Prepared { params: applied.params, values: ran }
    }
}

/// A reduced replicate: whatever numbers a search reads from one run.
pub type Measure = Vec<f64>;

/// The jobs of one evaluation: each valid candidate's `settings` (variants of its
/// parameters, e.g. robust-mode draws) × replicates, in that order.
pub struct Batch<'a> {
    pub candidates: &'a [Prepared],
    /// Per candidate, the parameter variants to run (usually just the candidate's own).
    pub variants: Vec<Vec<Params>>,
    pub replicates: u32,
}

/// One candidate's results: per variant, per replicate, its measure; or its error.
pub type Outcome = Result<Vec<Vec<Measure>>, String>;

/// Runs every job of `batch` through the experiment runner (its one job loop, progress
/// display and cancellation flag), reducing each finished replicate with
/// `measure(candidate, variant, result)`. Results are placed by index, so they do not
/// depend on the thread count.
pub fn evaluate(
    runner: &mut Runner,
    label: &str,
    batch: &Batch<'_>,
    measure: &(dyn Fn(usize, usize, &ReplicateResult) -> Measure + Sync),
) -> anyhow::Result<Vec<Outcome>> {
    let reps = batch.replicates as usize;
    let mut jobs = Vec::new();
    let mut keys = Vec::new();
    let mut out: Vec<Outcome> = Vec::with_capacity(batch.candidates.len());
    for (c, prep) in batch.candidates.iter().enumerate() {
        match &prep.params {
            Err(e) => out.push(Err(e.clone())),
            Ok(_) => {
                let variants = &batch.variants[c];
                out.push(Ok(vec![vec![Vec::new(); reps]; variants.len()]));
                for (v, params) in variants.iter().enumerate() {
                    for r in 0..batch.replicates {
                        jobs.push(Job { params, replicate: r });
                        keys.push((c, v));
                    }
                }
            }
        }
    }
    let name = |job: usize| format!("{label}: candidate {}", keys[job].0 + 1);
    runner.run(label, &jobs, &name, |job, result: ReplicateResult| {
        let (c, v) = keys[job];
        let m = measure(c, v, &result);
        if let Ok(slots) = &mut out[c] {
            slots[v][result.replicate as usize] = m;
        }
        Ok(())
    })?;
    Ok(out)
}

/// Floats that survive a JSON round trip exactly, infinities and NaN included: stored as
/// text in Rust's shortest round-trip form.
pub mod exact {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| format!("{x:?}")))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let text: Vec<String> = Vec::deserialize(d)?;
        text.iter().map(|t| t.parse::<f64>().map_err(serde::de::Error::custom)).collect()
    }
}

/// A `PATH=LO:HI` (or, where `allow_log`, `PATH=LO:HI:log`) option: the path, the bounds
/// and whether the range is logarithmic. Errors (exit code 2) name the option.
pub fn parse_range(text: &str, flag: &str, allow_log: bool) -> anyhow::Result<(String, f64, f64, bool)> {
    let bad = |why: &str| -> anyhow::Error {
        let form = if allow_log { "PATH=LO:HI or PATH=LO:HI:log" } else { "PATH=LO:HI" };
        InputError::new(format!("{flag} {text}: {why} (expected {form})")).into()
    };
    let Some((path, spec)) = text.split_once('=') else { return Err(bad("no `=`")) };
    let path = path.trim();
    if path.is_empty() {
        return Err(bad("empty path"));
    }
    let parts: Vec<&str> = spec.split(':').map(str::trim).collect();
    let log = match parts.as_slice() {
        [_, _] => false,
        [_, _, "log"] if allow_log => true,
        _ => return Err(bad("not a range")),
    };
    let num = |s: &str, what: &str| match s.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(bad(&format!("the {what} `{s}` is not a finite number"))),
    };
    let (lo, hi) = (num(parts[0], "lower bound")?, num(parts[1], "upper bound")?);
    if lo >= hi {
        return Err(bad(&format!("the lower bound {lo} must be below the upper bound {hi}")));
    }
    if log && lo <= 0.0 {
        return Err(bad("a log range needs a positive lower bound"));
    }
    Ok((path.to_string(), lo, hi, log))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("a.b=0:1", "--lever", false).unwrap(), ("a.b".into(), 0.0, 1.0, false));
        assert_eq!(parse_range("a= 0.1 : 10 :log", "--param", true).unwrap(), ("a".into(), 0.1, 10.0, true));
        for bad in ["a", "=0:1", "a=1", "a=1:0", "a=x:1", "a=0:1:log", "a=0:1:2"] {
            assert!(parse_range(bad, "--lever", false).unwrap_err().is::<InputError>(), "{bad}");
        }
        assert!(parse_range("a=0:1:log", "--param", true).is_err());
    }
}

/// One float that survives a JSON round trip exactly (see [`exact`]).
pub mod exact_one {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{v:?}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        String::deserialize(d)?.parse::<f64>().map_err(serde::de::Error::custom)
    }
}
