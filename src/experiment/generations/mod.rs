//! What `optimize` and `calibrate` share: a generational search over parameter points of a
//! scenario. Both evaluate a population of points per generation on the same replicates
//! (common random numbers), in parallel over candidates and replicates, and keep one
//! checkpoint file per finished generation so that a search killed midway resumes at the
//! last generation boundary with the same bytes as an uninterrupted one.
//!
//! - [`Space`]: the parameter paths being searched and how a point becomes `Params`
//!   (with the values that actually ran, integers rounded);
//! - [`evaluate`]: runs every valid candidate's jobs through the engine and reduces each
//!   replicate to numbers as soon as it finishes; a candidate the scenario rules refuse is
//!   returned as its error, not fatal;
//! - [`store`]: the checkpoint directory (`search.json`, `generations/gen-NNNN.json`);
//! - [`overlay`]: a point written as a scenario file that `extends` the searched one.

pub mod overlay;
pub mod store;

use std::io;

use crate::engine::{self, Job, ReplicateResult};
use crate::error::InputError;
use crate::model::params::Params;
use crate::scenario::{ErrorKind, check_memory, get_value_f64, get_value_toml, set_value_f64};

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

    /// Applies a point to a clone of the base scenario.
    pub fn prepare(&self, point: &[f64]) -> Prepared {
        let mut p = self.base.clone();
        let mut values = point.to_vec();
        for (k, (path, &x)) in self.paths.iter().zip(point).enumerate() {
            if let Err(e) = set_value_f64(&mut p, path, x) {
                return Prepared { params: Err(e.to_string()), values };
            }
            values[k] = get_value_f64(&p, path).unwrap_or(x);
        }
        if let Err(e) = check_memory(&p, 1) {
            return Prepared { params: Err(e.to_string()), values };
        }
        Prepared { params: Ok(p), values }
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

/// Runs every job of `batch` on `threads` threads, reducing each finished replicate with
/// `measure(candidate, variant, result)`. Results are placed by index, so they do not
/// depend on the thread count or the order jobs finish. `progress(months)` is called after
/// every simulated month.
pub fn evaluate(
    batch: &Batch<'_>,
    threads: usize,
    measure: &(dyn Fn(usize, usize, &ReplicateResult) -> Measure + Sync),
    progress: &(dyn Fn(u64) + Sync),
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
    let tick = |_job: usize, _months: u64| progress(1);
    engine::run_jobs(&jobs, threads, &tick, |job, result: ReplicateResult| {
        let (c, v) = keys[job];
        let m = measure(c, v, &result);
        if let Ok(slots) = &mut out[c] {
            slots[v][result.replicate as usize] = m;
        }
        Ok::<(), io::Error>(())
    })?;
    Ok(out)
}

/// The months a batch will simulate (burn-in included), for a progress display.
pub fn batch_months(batch: &Batch<'_>) -> u64 {
    batch
        .variants
        .iter()
        .zip(batch.candidates)
        .filter(|(_, c)| c.params.is_ok())
        .flat_map(|(v, _)| v.iter())
        .map(|p| u64::from(p.run.burn_in_months + p.run.months) * u64::from(batch.replicates))
        .sum()
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
