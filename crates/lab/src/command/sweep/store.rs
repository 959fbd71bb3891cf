//! The storage of a sweep: `design.json` (what is swept, compared on resume and merge),
//! one atomic file per finished (point, replicate) under `runs/`, the safety rules of the
//! output directory, and the assembly of `runs.csv` and `runs_timeseries.csv` from the run
//! files in design order (see the parent module for the layout and the rules).

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::command::sweep::outcome_columns;
use crate::experiment::factor::input;
use crate::output::atomic::{AtomicFile, write_in};
use crate::output::experiment_tables::{runs_header, runs_timeseries_header};
use crate::output::manifest::Scale;
use crate::output::staging::refuse;
use narcodoor_numerics::design::Factor;

// ---------------------------------------------------------------------------------------
// design.json
// ---------------------------------------------------------------------------------------

/// A factor as stored: numbers as text in Rust's shortest round-trip form, so that the
/// comparison of two designs is exact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFactor {
    pub path: String,
    /// `levels` or `range`.
    pub kind: String,
    /// The levels, or `[lo, hi]`.
    pub values: Vec<String>,
}

/// What a sweep directory holds: everything that determines its runs' bytes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredDesign {
    pub format: u32,
    pub narcodoor_version: String,
    pub model_version: String,
    /// Informational (not compared: the same scenario may live at another path on another
    /// machine); the hash identifies the contents.
    pub scenario_file: String,
    /// FNV-1a (64 bits) of the resolved scenario's JSON, after the command-line overrides.
    pub scenario_hash: String,
    pub design: String,
    pub samples: Option<usize>,
    pub factors: Vec<StoredFactor>,
    pub points: usize,
    pub seed: u64,
    pub replicates: u32,
    pub months: u32,
    pub burn_in_months: u32,
    pub youths: u64,
    /// `[K, N]`, or none for the whole design (or a merge).
    pub shard: Option<[usize; 2]>,
    /// FNV-1a (64 bits) of the scenario's files (it and the files it extends), as read:
    /// to say whether a different `scenario_hash` comes from the files or from command-line
    /// overrides (informational: not compared on its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_files_hash: Option<String>,
    /// For `--design-file`: FNV-1a (64 bits) of the file's bytes, which hold the points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design_file_hash: Option<String>,
    /// Under `--posterior`: the posterior file and the draws every point ran under (absent
    /// otherwise, so a sweep without one keeps its `design.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior: Option<StoredPosterior>,
}

/// The posterior a sweep ran under: its file (informational), the hash of its bytes and the
/// number of draws; with the seed these fix every draw, so a resume or a merge under
/// another posterior is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPosterior {
    pub file: String,
    pub hash: String,
    pub draws: usize,
}

impl StoredPosterior {
    pub fn of(d: &crate::experiment::posterior::Draws) -> StoredPosterior {
        StoredPosterior { file: d.posterior.file.clone(), hash: d.posterior.hash.clone(), draws: d.count() }
    }

    fn describe(p: &Option<StoredPosterior>) -> String {
        match p {
            Some(p) => format!("{} ({} draws, FNV-1a 64 {})", p.file, p.draws, p.hash),
            None => "none".into(),
        }
    }
}

impl StoredDesign {
    /// What makes `other` (this command's sweep) a different sweep from `self` (the one in
    /// the directory), the shard aside: only what differs, each as "X was A, now B".
    pub fn differences(&self, other: &StoredDesign) -> Vec<String> {
        let mut d = Vec::new();
        let mut check = |name: &str, was: String, now: String| {
            if was != now {
                d.push(format!("{name} was {was}, now {now}"));
            }
        };
        check("the directory format", self.format.to_string(), other.format.to_string());
        check("the narcodoor version", self.narcodoor_version.clone(), other.narcodoor_version.clone());
        check("the model version", self.model_version.clone(), other.model_version.clone());
        check("--design", self.design.clone(), other.design.clone());
        let samples = |s: Option<usize>| s.map_or("none".into(), |n| n.to_string());
        check("--samples", samples(self.samples), samples(other.samples));
        check("--seed", self.seed.to_string(), other.seed.to_string());
        check("--replicates", self.replicates.to_string(), other.replicates.to_string());
        check("--months", self.months.to_string(), other.months.to_string());
        check("run.burn_in_months", self.burn_in_months.to_string(), other.burn_in_months.to_string());
        check("--youths", self.youths.to_string(), other.youths.to_string());
        let sizes_differ = !d.is_empty();
        if self.design_file_hash != other.design_file_hash {
            d.push("the design file contents differ".into());
        }
        let posterior = |p: &Option<StoredPosterior>| p.as_ref().map(|p| (p.hash.clone(), p.draws));
        if posterior(&self.posterior) != posterior(&other.posterior) {
            d.push(format!(
                "--posterior was {}, now {}",
                StoredPosterior::describe(&self.posterior),
                StoredPosterior::describe(&other.posterior)
            ));
        }
        d.extend(factor_differences(&self.factors, &other.factors));
        if d.is_empty() && self.points != other.points {
            d.push(format!("the design had {} points, now {}", self.points, other.points));
        }
        if self.scenario_hash != other.scenario_hash {
            // The resolved scenario's hash covers the command-line overrides too: blame the
            // scenario file only when its own bytes changed, or nothing else explains it.
            let files_differ =
                self.scenario_files_hash.is_none() || self.scenario_files_hash != other.scenario_files_hash;
            if files_differ || !sizes_differ {
                d.push("the scenario file contents differ (or a file they extend)".into());
            }
        }
        d
    }

    pub(super) fn read(dir: &Path) -> anyhow::Result<Option<StoredDesign>> {
        let path = dir.join("design.json");
        if !path.exists() {
            return Ok(None);
        }
        let text = narcodoor_scenario::input_file::read_text(&path)?;
        let d = serde_json::from_str(&text).map_err(|e| {
            input(format!(
                "{} is not a narcodoor sweep design ({e}); refusing to use {}",
                path.display(),
                dir.display()
            ))
        })?;
        Ok(Some(d))
    }

    /// The text of `design.json`.
    pub(super) fn text(&self) -> anyhow::Result<String> {
        Ok(serde_json::to_string_pretty(self).context("design.json")? + "\n")
    }

    pub(super) fn write(&self, dir: &Path) -> anyhow::Result<()> {
        write_in(dir, "design.json", self.text()?.as_bytes())
    }

    /// The sweep's scale, for the manifest.
    pub fn scale(&self) -> Scale {
        Scale {
            seed: self.seed,
            replicates: self.replicates,
            youths: self.youths,
            burn_in_months: self.burn_in_months,
            months: self.months,
        }
    }

    /// The `#` lines that open `runs.csv` and `runs_timeseries.csv`.
    pub fn metadata(&self, shard_line: &str, command: &[String]) -> Vec<String> {
        let mut lines = vec![
            format!("# narcodoor {} sweep, model {}", self.narcodoor_version, self.model_version),
            format!(
                "# scenario: {} (resolved parameters, FNV-1a 64: {})",
                self.scenario_file, self.scenario_hash
            ),
            format!(
                "# design: {}, {} points; seed {}; {} replicates; {} months after {} of burn-in; {} youths",
                self.design,
                self.points,
                self.seed,
                self.replicates,
                self.months,
                self.burn_in_months,
                self.youths
            ),
        ];
        if let Some(hash) = &self.design_file_hash {
            lines.push(format!("# design file: the points as given (FNV-1a 64 of its bytes: {hash})"));
        }
        if let Some(p) = &self.posterior {
            lines.push(format!(
                "# posterior: {} (FNV-1a 64: {}); replicate r of every point runs draw r mod {}",
                p.file, p.hash, p.draws
            ));
        }
        for f in &self.factors {
            let spec = if f.kind == "range" {
                format!("range [{}, {}]", f.values[0], f.values[1])
            } else {
                format!("levels {}", f.values.join(", "))
            };
            lines.push(format!("# factor {}: {spec}", f.path));
        }
        lines.push(format!("# {shard_line}"));
        lines.push(format!(
            "# common random numbers: replicate r of every point uses the same random streams (seed {})",
            self.seed
        ));
        lines.push(format!("# command: {}", command.join(" ")));
        lines
    }
}

/// The factors of two designs, compared: paths, kinds and levels, each named.
fn factor_differences(was: &[StoredFactor], now: &[StoredFactor]) -> Vec<String> {
    let paths = |f: &[StoredFactor]| f.iter().map(|f| f.path.as_str()).collect::<Vec<_>>().join(", ");
    if was.len() != now.len() || was.iter().zip(now).any(|(a, b)| a.path != b.path) {
        return vec![format!("the factors were {}, now {}", paths(was), paths(now))];
    }
    let values = |f: &StoredFactor| match f.kind.as_str() {
        "range" => format!("range {}:{}", f.values[0], f.values[1]),
        _ => format!("levels {}", f.values.join(",")),
    };
    was.iter()
        .zip(now)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| {
            let what = if a.kind == "range" && b.kind == "range" { "range" } else { "levels" };
            format!("factor {}'s {what} differ (was {}, now {})", a.path, values(a), values(b))
        })
        .collect()
}

pub(super) fn stored_factors(factors: &[Factor]) -> Vec<StoredFactor> {
    factors
        .iter()
        .map(|f| match f {
            Factor::Levels { path, values } => {
                StoredFactor { path: path.clone(), kind: "levels".into(), values: values.clone() }
            }
            Factor::Range { path, lo, hi } => StoredFactor {
                path: path.clone(),
                kind: "range".into(),
                values: vec![lo.to_string(), hi.to_string()],
            },
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------

/// The file name of a finished run.
pub fn run_file_name(point: usize, replicate: u32) -> String {
    format!("p{point:06}-r{replicate:04}.csv")
}

pub(super) fn parse_run_file_name(name: &str) -> Option<(usize, u32)> {
    let rest = name.strip_prefix('p')?.strip_suffix(".csv")?;
    let (p, r) = rest.split_once("-r")?;
    Some((p.parse().ok()?, r.parse().ok()?))
}

/// The finished runs in `dir/runs`, and the removal of temporary files a crash left.
pub(super) fn scan_runs(runs: &Path) -> anyhow::Result<HashSet<(usize, u32)>> {
    let mut done = HashSet::new();
    if !runs.exists() {
        return Ok(done);
    }
    for entry in fs::read_dir(runs).with_context(|| format!("cannot list {}", runs.display()))? {
        let entry = entry.with_context(|| format!("cannot list {}", runs.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if crate::output::atomic::is_leftover(&name) {
            // Half-written by a run that was stopped: it will be redone.
            let _ = fs::remove_file(entry.path());
        } else if let Some(key) = parse_run_file_name(&name) {
            done.insert(key);
        }
    }
    Ok(done)
}

/// The files a sweep writes beside `runs/` (removed when a sweep restarts or resumes, and
/// rewritten at its end), and its directory of charts (removed too).
pub const SWEEP_FILES: [&str; 6] = [
    "runs.csv",
    "runs_timeseries.csv",
    "points.csv",
    "manifest.json",
    "points_uncertainty.csv",
    "posterior_draws.csv",
];
const CHARTS: &str = "charts";

pub(super) use crate::output::staging::is_empty as is_empty_dir;

/// Makes `dir` ready for the sweep `stored` and returns the runs already finished there.
pub(super) fn prepare_dir(
    dir: &Path,
    stored: &StoredDesign,
    resume: bool,
) -> anyhow::Result<HashSet<(usize, u32)>> {
    let runs = dir.join("runs");
    if is_empty_dir(dir)? {
        fs::create_dir_all(&runs).with_context(|| format!("cannot create {}", runs.display()))?;
        stored.write(dir)?;
        return Ok(HashSet::new());
    }
    let Some(existing) = StoredDesign::read(dir)? else {
        return Err(refuse(dir, "exists, is not empty and is not a sweep directory (no design.json)"));
    };
    let mut diff = existing.differences(stored);
    if existing.shard != stored.shard {
        let shard = |s: Option<[usize; 2]>| s.map_or("none".into(), |[k, n]| format!("{k}/{n}"));
        diff.push(format!("--shard was {}, now {}", shard(existing.shard), shard(stored.shard)));
    }
    if !diff.is_empty() {
        return Err(refuse(dir, &format!("holds another sweep: {}", diff.join("; "))));
    }
    crate::output::atomic::remove_leftovers(dir)
        .with_context(|| format!("cannot clean {}", dir.display()))?;
    for f in SWEEP_FILES {
        let path = dir.join(f);
        if path.exists() {
            fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    if dir.join(CHARTS).is_dir() {
        let charts = dir.join(CHARTS);
        fs::remove_dir_all(&charts).with_context(|| format!("cannot remove {}", charts.display()))?;
    }
    fs::create_dir_all(&runs).with_context(|| format!("cannot create {}", runs.display()))?;
    let done = scan_runs(&runs)?;
    if resume {
        return Ok(done);
    }
    // --no-resume on the same sweep: remove only the run files this sweep wrote.
    for (p, r) in &done {
        let path = runs.join(run_file_name(*p, *r));
        fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    }
    Ok(HashSet::new())
}

/// Writes `runs.csv` and `runs_timeseries.csv` into `out` from the run files of `points`
/// (in this order, every replicate of each), looking each point's file up in the
/// directory `source(point)`. Returns the counts of ok and error rows.
pub(super) fn assemble(
    out: &Path,
    stored: &StoredDesign,
    metadata: &[String],
    points: &[usize],
    source: &dyn Fn(usize) -> PathBuf,
) -> anyhow::Result<(usize, usize)> {
    let runs_path = out.join("runs.csv");
    let ts_path = out.join("runs_timeseries.csv");
    let open = |p: &Path| -> anyhow::Result<AtomicFile> {
        AtomicFile::create(p).with_context(|| format!("cannot write {}", p.display()))
    };
    let mut runs = open(&runs_path)?;
    let mut ts = open(&ts_path)?;
    let factors: Vec<String> = stored.factors.iter().map(|f| f.path.clone()).collect();
    let (mut ok, mut errors) = (0, 0);
    let result = (|| -> anyhow::Result<()> {
        for line in metadata {
            writeln!(runs, "{line}")?;
            writeln!(ts, "{line}")?;
        }
        writeln!(runs, "{}", runs_header(&factors, &outcome_columns()))?;
        writeln!(ts, "{}", runs_timeseries_header())?;
        for &point in points {
            for r in 0..stored.replicates {
                let path = source(point).join(run_file_name(point, r));
                let text = narcodoor_scenario::input_file::read_text(&path)?;
                let (row, rest) = text.split_once('\n').unwrap_or((&text, ""));
                writeln!(runs, "{row}")?;
                ts.write_all(rest.as_bytes())?;
                // A run that ran has months; a point that could not run has only its row.
                if rest.is_empty() {
                    errors += 1;
                } else {
                    ok += 1;
                }
            }
        }
        Ok(())
    })();
    result.with_context(|| format!("cannot assemble the sweep's files in {}", out.display()))?;
    runs.commit().with_context(|| format!("cannot write {}", runs_path.display()))?;
    ts.commit().with_context(|| format!("cannot write {}", ts_path.display()))?;
    Ok((ok, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_file_names_round_trip() {
        assert_eq!(run_file_name(12, 3), "p000012-r0003.csv");
        assert_eq!(parse_run_file_name("p000012-r0003.csv"), Some((12, 3)));
        assert_eq!(parse_run_file_name(&run_file_name(12_345_678, 70_000)), Some((12_345_678, 70_000)));
        assert_eq!(parse_run_file_name(".p000012-r0003.csv.tmp"), None);
    }
}
