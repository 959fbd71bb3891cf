//! Helpers shared by the integration tests: load a scenario, run its replicates through
//! the library, and reduce the results to per-replicate numbers for paired comparisons.
#![allow(dead_code)]

pub mod fuzz;

use std::path::{Path, PathBuf};

use narcodoor::engine::{self, ReplicateResult};
use narcodoor::model::metrics::{Row, index_of};
use narcodoor::model::params::Params;
use narcodoor::numerics::stats::{PairedEffect, paired};
use narcodoor::scenario::{self, Overrides};

/// The repository's root (tests run with the package root as working directory, but be
/// explicit so that paths in failure messages are clear).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A bundled scenario by file name, e.g. `scenario("baseline.toml")`.
pub fn scenario_path(name: &str) -> PathBuf {
    root().join("scenarios").join(name)
}

/// Loads a scenario file with overrides (youths, months, replicates, seed).
pub fn load(path: &Path, o: Overrides) -> Params {
    let mut s = scenario::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    s.apply(&o).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    s.params
}

/// Loads a bundled scenario with overrides.
pub fn bundled(name: &str, o: Overrides) -> Params {
    load(&scenario_path(name), o)
}

/// Overrides with only some fields set.
pub fn overrides(youths: Option<u64>, months: Option<u32>, replicates: Option<u32>) -> Overrides {
    Overrides { youths, months, replicates, seed: None }
}

/// Runs every replicate of `params` on `threads` threads and returns them in order.
pub fn run(params: &Params, threads: usize) -> Vec<ReplicateResult> {
    let reps: Vec<u32> = (0..params.run.replicates).collect();
    let mut out = Vec::new();
    engine::run_replicates(params, &reps, threads, &|_, _| {}, |r| {
        out.push(r);
        Ok::<(), std::io::Error>(())
    })
    .expect("the engine runs");
    out
}

/// The national value of `metric` in every month of a replicate.
pub fn series(r: &ReplicateResult, metric: &str) -> Vec<f64> {
    let i = index_of(metric).unwrap_or_else(|| panic!("no metric {metric}"));
    r.months.iter().map(|m| m.metrics.national[i]).collect()
}

/// A national metric summed over months [from, to) of each replicate.
pub fn total(results: &[ReplicateResult], metric: &str, from: usize, to: usize) -> Vec<f64> {
    results.iter().map(|r| series(r, metric)[from..to].iter().sum()).collect()
}

/// A national metric averaged over months [from, to) of each replicate.
pub fn mean_over(results: &[ReplicateResult], metric: &str, from: usize, to: usize) -> Vec<f64> {
    total(results, metric, from, to).into_iter().map(|x| x / (to - from) as f64).collect()
}

/// A regional metric summed over months [from, to) of each replicate.
pub fn region_total(
    results: &[ReplicateResult],
    region: usize,
    metric: &str,
    from: usize,
    to: usize,
) -> Vec<f64> {
    let i = index_of(metric).unwrap_or_else(|| panic!("no metric {metric}"));
    results.iter().map(|r| r.months[from..to].iter().map(|m| m.metrics.regions[region][i]).sum()).collect()
}

/// The national rows of every month of every replicate.
pub fn national_rows(results: &[ReplicateResult]) -> Vec<Vec<Row>> {
    results.iter().map(|r| r.months.iter().map(|m| m.metrics.national).collect()).collect()
}

/// Paired comparison b − a with a 95% interval (replicate r of both runs shares seeds).
pub fn compare(a: &[f64], b: &[f64]) -> PairedEffect {
    paired(a, b, 0.95).expect("equal lengths")
}

/// Index of a region by name.
pub fn region(params: &Params, name: &str) -> usize {
    params.regions.iter().position(|r| r.name == name).unwrap_or_else(|| panic!("no region {name}"))
}

/// A CSV output as its header and rows of named fields (`#` lines, which sweep tables open
/// with, skipped).
pub fn csv_table(path: &Path) -> (Vec<String>, Vec<std::collections::BTreeMap<String, String>>) {
    let mut r = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| header.iter().cloned().zip(rec.unwrap().iter().map(String::from)).collect())
        .collect();
    (header, rows)
}
