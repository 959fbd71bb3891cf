//! `narcodoor sweep` and `narcodoor merge`: a scenario run over a design of parameter
//! values (a full grid or a Latin hypercube), one tidy row per design point × replicate,
//! resumable after a crash and splittable into shards that separate machines run.
//!
//! The design is built by [`super::design`]; every point is applied to a clone of the
//! scenario with `scenario::set_value` (levels, as text) or `set_value_f64` (sampled
//! values), in factor order, each setting checked with the earlier ones in place. A point
//! that the scenario rules refuse is recorded with its error in every replicate's row and
//! the sweep goes on. Every point runs with the scenario's seed, so replicate r of every
//! point shares its random numbers (common random numbers across the design, which makes
//! response surfaces smoother than independent seeds would).
//!
//! Storage is built for interruption. The directory holds `design.json` (what is being
//! swept, written first) and `runs/`, where every finished (point, replicate) is one small
//! file written under a temporary name and renamed, so it is either complete or absent. A
//! run file holds the run's line of `runs.csv` followed by its lines of
//! `runs_timeseries.csv`. The two CSV files are assembled from the run files at the end,
//! in design order (point, then replicate), so their bytes do not depend on the thread
//! count or the order runs finished; `manifest.json` is written last and means the sweep
//! is complete. Running the same command again resumes: runs whose file exists are not
//! redone. Shards (`--shard K/N`) run the points with index ≡ K (mod N) into their own
//! directories, and `merge` assembles the whole design from them with the same code, so a
//! merged sweep is byte for byte the unsharded one apart from its `#` metadata lines.
//!
//! Safety rules for the output directory: a directory that does not exist or is empty is
//! used; one whose `design.json` matches the sweep (same scenario contents, factors,
//! design, samples, seed, replicates, months, burn-in, youths, shard and narcodoor
//! version) is resumed, or with `--no-resume` cleared of its run files and started over;
//! anything else (another sweep, or a directory that is not a sweep) is refused with exit
//! code 2 and never deleted.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::design::{self, Factor};
use super::outcomes::{Reduced, Statistic, column, run_statistic};
use super::runner::{Experiment, Runner, Settings, details_field};
use crate::engine::Job;
use crate::error::InputError;
use crate::model::metrics::m;
use crate::model::params::Params;
use crate::output::experiment_tables::{runs_header, runs_row, runs_timeseries_header, runs_timeseries_rows};
use crate::output::atomic::{AtomicFile, write_in};
use crate::output::manifest::{MODEL_VERSION, Scale, fnv1a};
use crate::scenario::{
    ErrorKind, Scenario, ScenarioError, check_memory, resolved_json, set_value, set_value_f64,
};

/// The version of the directory layout and of `design.json`.
pub const FORMAT: u32 = 1;

/// The headline outcomes of `runs.csv`; each gets a `_horizon` column and a run column
/// (`_total` for flows, `_mean` for stocks and rates).
pub const OUTCOMES: [usize; 10] = [
    m::SCHOOL,
    m::IDLE,
    m::MEMBERS,
    m::PRISON,
    m::RECRUITS,
    m::MINOR_RECRUITS,
    m::HOMICIDES,
    m::HOMICIDE_RATE,
    m::CARTELS_ACTIVE,
    m::SPENDING_TOTAL,
];

/// The outcome columns of `runs.csv`, in order.
pub fn outcome_columns() -> Vec<String> {
    OUTCOMES.iter().flat_map(|&i| [column(i, Statistic::Horizon), column(i, run_statistic(i))]).collect()
}

fn outcome_values(r: &Reduced) -> Vec<f64> {
    OUTCOMES.iter().flat_map(|&i| [r.value(i, Statistic::Horizon), r.value(i, run_statistic(i))]).collect()
}

/// How the points of a sweep are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DesignKind {
    /// Every combination of the factors' levels, first factor slowest.
    Grid,
    /// A Latin hypercube sample of `--samples` points over the factors' ranges.
    Lhs,
    /// The points of a CSV file (`--design-file`, see [`super::design_file`]).
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

// ---------------------------------------------------------------------------------------
// --set
// ---------------------------------------------------------------------------------------

fn input(msg: String) -> anyhow::Error {
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
                crate::limits::at_most(&format!("--set {text}: the number of levels"), n, crate::limits::MAX_LEVELS)?;
                let values = (0..n)
                    .map(|i| {
                        let x = if n == 1 { lo } else { lo + (hi - lo) * i as f64 / (n - 1) as f64 };
                        crate::output::tables::fmt_real(x)
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

// ---------------------------------------------------------------------------------------
// Points
// ---------------------------------------------------------------------------------------

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
            PointValue::Num(x) => crate::scenario::get_value_f64(&p, f.path()).unwrap_or(*x).to_string(),
        });
    }
    if let Err(e) = check_memory(&p, 1) {
        return Prepared { params: Err(e.to_string()), shown };
    }
    Prepared { params: Ok(p), shown }
}

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
    /// For `--design-file`: FNV-1a (64 bits) of the file's bytes, which hold the points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design_file_hash: Option<String>,
}

impl StoredDesign {
    /// The fields in which `other` describes a different sweep (the shard aside).
    pub fn differences(&self, other: &StoredDesign) -> Vec<&'static str> {
        let mut d = Vec::new();
        let mut check = |same: bool, name: &'static str| {
            if !same {
                d.push(name);
            }
        };
        check(self.format == other.format, "directory format");
        check(self.narcodoor_version == other.narcodoor_version, "narcodoor version");
        check(self.model_version == other.model_version, "model version");
        check(self.scenario_hash == other.scenario_hash, "scenario contents");
        check(self.design == other.design, "design");
        check(self.samples == other.samples, "samples");
        check(self.design_file_hash == other.design_file_hash, "design file contents");
        check(self.factors == other.factors, "factors");
        check(self.points == other.points, "points");
        check(self.seed == other.seed, "seed");
        check(self.replicates == other.replicates, "replicates");
        check(self.months == other.months, "months");
        check(self.burn_in_months == other.burn_in_months, "burn-in");
        check(self.youths == other.youths, "youths");
        d
    }

    fn read(dir: &Path) -> anyhow::Result<Option<StoredDesign>> {
        let path = dir.join("design.json");
        if !path.exists() {
            return Ok(None);
        }
        let text = fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let d = serde_json::from_str(&text).map_err(|e| {
            input(format!(
                "{} is not a narcodoor sweep design ({e}); refusing to use {}",
                path.display(),
                dir.display()
            ))
        })?;
        Ok(Some(d))
    }

    fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self).context("design.json")? + "\n";
        write_in(dir, "design.json", text.as_bytes())
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

fn stored_factors(factors: &[Factor]) -> Vec<StoredFactor> {
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

fn parse_run_file_name(name: &str) -> Option<(usize, u32)> {
    let rest = name.strip_prefix('p')?.strip_suffix(".csv")?;
    let (p, r) = rest.split_once("-r")?;
    Some((p.parse().ok()?, r.parse().ok()?))
}

/// The finished runs in `dir/runs`, and the removal of temporary files a crash left.
fn scan_runs(runs: &Path) -> anyhow::Result<HashSet<(usize, u32)>> {
    let mut done = HashSet::new();
    if !runs.exists() {
        return Ok(done);
    }
    for entry in fs::read_dir(runs).with_context(|| format!("cannot list {}", runs.display()))? {
        let entry = entry.with_context(|| format!("cannot list {}", runs.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".tmp") {
            // Half-written by a run that was stopped: it will be redone.
            let _ = fs::remove_file(entry.path());
        } else if let Some(key) = parse_run_file_name(&name) {
            done.insert(key);
        }
    }
    Ok(done)
}

/// The files a sweep writes beside `runs/` (removed when a sweep restarts or resumes, and
/// rewritten at its end).
pub const SWEEP_FILES: [&str; 3] = ["runs.csv", "runs_timeseries.csv", "manifest.json"];

/// Whether a directory is missing or has nothing in it.
fn is_empty_dir(dir: &Path) -> anyhow::Result<bool> {
    if !dir.exists() {
        return Ok(true);
    }
    if !dir.is_dir() {
        return Err(input(format!("{} exists and is not a directory", dir.display())));
    }
    Ok(fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?.next().is_none())
}

/// Makes `dir` ready for the sweep `stored` and returns the runs already finished there.
fn prepare_dir(dir: &Path, stored: &StoredDesign, resume: bool) -> anyhow::Result<HashSet<(usize, u32)>> {
    let runs = dir.join("runs");
    if is_empty_dir(dir)? {
        fs::create_dir_all(&runs).with_context(|| format!("cannot create {}", runs.display()))?;
        stored.write(dir)?;
        return Ok(HashSet::new());
    }
    let Some(existing) = StoredDesign::read(dir)? else {
        return Err(input(format!(
            "{} exists, is not empty and is not a sweep directory (no design.json); refusing to write into it: \
             choose another --out",
            dir.display()
        )));
    };
    let mut diff = existing.differences(stored);
    if existing.shard != stored.shard {
        diff.push("shard");
    }
    if !diff.is_empty() {
        return Err(input(format!(
            "{} holds another sweep (it differs in: {}); it is left untouched: choose another --out, or delete it to start over",
            dir.display(),
            diff.join(", ")
        )));
    }
    for f in SWEEP_FILES {
        let path = dir.join(f);
        if path.exists() {
            fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        }
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
fn assemble(
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
                let text =
                    fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
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

// ---------------------------------------------------------------------------------------
// The sweep
// ---------------------------------------------------------------------------------------

/// What to sweep and how.
#[derive(Clone, Debug)]
pub struct SweepSpec {
    /// The scenario, with the command-line overrides applied.
    pub scenario: Scenario,
    pub factors: Vec<Factor>,
    pub kind: DesignKind,
    /// Points of a Latin hypercube (ignored by grids).
    pub samples: usize,
    /// The points of `DesignKind::File` (its `factors` are then `DesignFile::factors`).
    pub design_file: Option<super::design_file::DesignFile>,
    /// `(K, N)`: run only the points with index ≡ K (mod N).
    pub shard: Option<(usize, usize)>,
    pub out_dir: PathBuf,
    pub resume: bool,
    /// Threads, display, cancellation flag and the command line of the manifest.
    pub settings: Settings,
}

/// A sweep ready to run: its design built and checked, its directory prepared.
#[derive(Debug)]
pub struct SweepPlan {
    spec: SweepSpec,
    stored: StoredDesign,
    /// This shard's points, in design order.
    point_ids: Vec<usize>,
    prepared: Vec<Prepared>,
    done: HashSet<(usize, u32)>,
}

/// What a finished sweep reports back.
#[derive(Clone, Debug)]
pub struct SweepOutcome {
    pub out_dir: PathBuf,
    pub points: usize,
    pub runs: usize,
    pub ok: usize,
    pub errors: usize,
    /// Runs found finished in the directory and not redone.
    pub resumed: usize,
    /// The first error message of each invalid point (up to a few).
    pub error_examples: Vec<String>,
    pub seconds: f64,
}

/// Builds the design, checks the factors and prepares the output directory (see the
/// module's rules). Bad input is an `InputError` or a `ScenarioError` (exit code 2), and
/// nothing is written then.
pub fn plan(spec: SweepSpec) -> anyhow::Result<SweepPlan> {
    let base = &spec.scenario.params;
    if spec.factors.is_empty() {
        return Err(input("a sweep needs at least one --set path=values".into()));
    }
    // Sizes first: checking the factors probes every level.
    let rows = match spec.kind {
        DesignKind::Grid => crate::limits::product(spec.factors.iter().map(|f| match f {
            Factor::Levels { values, .. } => values.len(),
            Factor::Range { .. } => 1,
        })),
        DesignKind::Lhs => Some(spec.samples as u128),
        DesignKind::File => Some(spec.design_file.as_ref().map_or(0, |f| f.rows.len()) as u128),
    };
    crate::limits::check_design_rows("--set/--samples", rows, base, spec.factors.len())?;
    check_factors(base, &spec.factors)?;
    if spec.kind == DesignKind::Lhs && spec.samples == 0 {
        return Err(input("--samples must be at least 1".into()));
    }
    let points = match (&spec.design_file, spec.kind) {
        (Some(file), DesignKind::File) => file.rows.clone(),
        (None, DesignKind::File) => return Err(input("a file design needs --design-file".into())),
        _ => design_points(&spec.factors, spec.kind, spec.samples, base.run.seed)?,
    };
    let stored = StoredDesign {
        format: FORMAT,
        narcodoor_version: env!("CARGO_PKG_VERSION").into(),
        model_version: MODEL_VERSION.into(),
        scenario_file: spec.scenario.path.display().to_string(),
        scenario_hash: fnv1a(resolved_json(base).to_string().as_bytes()),
        design: spec.kind.name().into(),
        samples: (spec.kind == DesignKind::Lhs).then_some(spec.samples),
        factors: stored_factors(&spec.factors),
        points: points.len(),
        seed: base.run.seed,
        replicates: base.run.replicates,
        months: base.run.months,
        burn_in_months: base.run.burn_in_months,
        youths: base.total_youths(),
        shard: spec.shard.map(|(k, n)| [k, n]),
        design_file_hash: spec.design_file.as_ref().map(|f| f.hash.clone()),
    };
    let point_ids = match spec.shard {
        Some((k, n)) => design::shard(points.len(), k, n),
        None => (0..points.len()).collect(),
    };
    let prepared = point_ids.iter().map(|&i| apply_point(base, &spec.factors, &points[i])).collect();
    let done = prepare_dir(&spec.out_dir, &stored, spec.resume)?;
    Ok(SweepPlan { spec, stored, point_ids, prepared, done })
}

impl SweepPlan {
    /// Runs in this shard (points × replicates).
    pub fn runs_total(&self) -> usize {
        self.point_ids.len() * self.stored.replicates as usize
    }

    /// Runs already finished in the directory.
    pub fn runs_done(&self) -> usize {
        self.point_ids
            .iter()
            .flat_map(|&p| (0..self.stored.replicates).map(move |r| (p, r)))
            .filter(|k| self.done.contains(k))
            .count()
    }

    /// Months the remaining valid runs will simulate (burn-in included), for a progress bar.
    pub fn months_to_do(&self) -> u64 {
        let per_run = u64::from(self.stored.burn_in_months + self.stored.months);
        let runs: usize = self
            .point_ids
            .iter()
            .zip(&self.prepared)
            .filter(|(_, p)| p.params.is_ok())
            .map(|(&i, _)| (0..self.stored.replicates).filter(|&r| !self.done.contains(&(i, r))).count())
            .sum();
        runs as u64 * per_run
    }

    pub fn points_total(&self) -> usize {
        self.stored.points
    }

    fn shard_line(&self) -> String {
        match self.spec.shard {
            Some((k, n)) => format!("shard {k}/{n}: the points whose index modulo {n} is {k}"),
            None => "shard: the whole design".into(),
        }
    }

    /// Runs every unfinished (point, replicate) of the shard, writes each as it finishes,
    /// then assembles `runs.csv` and `runs_timeseries.csv` and writes `manifest.json`. If
    /// the sweep is cancelled, every run finished by then is on disk and the next run of
    /// the same command resumes from there.
    pub fn run(self) -> anyhow::Result<SweepOutcome> {
        let dir = &self.spec.out_dir;
        let experiment = Experiment {
            name: "sweep",
            out_dir: dir,
            scale: self.stored.scale(),
            inputs: self.spec.scenario.files.clone(),
            paired: true,
        };
        let mut runner = Runner::start(experiment, self.spec.settings.clone())?;
        let runs_dir = dir.join("runs");
        let seed = self.stored.seed;
        let n_out = outcome_columns().len();
        let resumed = self.runs_done();

        // Invalid points first: their rows need no simulation.
        let mut error_examples = Vec::new();
        let mut jobs = Vec::new();
        let mut keys = Vec::new();
        for (&point, prep) in self.point_ids.iter().zip(&self.prepared) {
            let todo = (0..self.stored.replicates).filter(|&r| !self.done.contains(&(point, r)));
            match &prep.params {
                Err(message) => {
                    if error_examples.len() < 5 {
                        error_examples.push(format!("point {point}: {message}"));
                    }
                    for r in todo {
                        let row = runs_row(point, &prep.shown, r, seed, Err(message), n_out);
                        write_run_file(&runs_dir, point, r, format!("{row}\n"))?;
                    }
                }
                Ok(params) => {
                    for r in todo {
                        jobs.push(Job { params, replicate: r });
                        keys.push((point, prep));
                    }
                }
            }
        }

        let points = self.points_total();
        let label = format!(
            "sweep ({points} points, {} runs in this shard, {resumed} already done)",
            self.runs_total()
        );
        let job_name =
            |j: usize| format!("sweep: point {}/{points}, replicate {}", keys[j].0 + 1, jobs[j].replicate + 1);
        let result = runner.run(&label, &jobs, &job_name, |job, result| {
            let (point, prep) = keys[job];
            let values = outcome_values(&Reduced::of(&result));
            let mut text = runs_row(point, &prep.shown, result.replicate, seed, Ok(&values), n_out);
            text.push('\n');
            text.push_str(&runs_timeseries_rows(point, &result));
            write_run_file(&runs_dir, point, result.replicate, text)
        });
        if let Err(e) = result {
            return Err(runner.abandon(Vec::new(), e.context("the sweep stopped")));
        }

        let metadata = self.stored.metadata(&self.shard_line(), &self.spec.settings.command);
        let (ok, errors) = assemble(dir, &self.stored, &metadata, &self.point_ids, &|_| runs_dir.clone())?;
        let details = serde_json::json!({
            "design": self.stored,
            "runs": self.runs_total(),
            "ok": ok,
            "errors": errors,
            "resumed": resumed,
        });
        let manifest = runner.finish(sweep_outputs(), Vec::new(), details_field(details))?;
        Ok(SweepOutcome {
            out_dir: dir.clone(),
            points: self.point_ids.len(),
            runs: self.runs_total(),
            ok,
            errors,
            resumed,
            error_examples,
            seconds: manifest.run_seconds,
        })
    }
}

/// The files a sweep or a merge lists in its manifest (which is appended).
fn sweep_outputs() -> Vec<String> {
    ["design.json", "runs.csv", "runs_timeseries.csv"].map(String::from).to_vec()
}

/// Writes the run file of (point, replicate) atomically.
fn write_run_file(runs_dir: &Path, point: usize, replicate: u32, text: String) -> anyhow::Result<()> {
    write_in(runs_dir, &run_file_name(point, replicate), text.as_bytes())
}

// ---------------------------------------------------------------------------------------
// merge
// ---------------------------------------------------------------------------------------

/// What a merge reports back.
#[derive(Clone, Debug)]
pub struct MergeOutcome {
    pub out_dir: PathBuf,
    pub shards: usize,
    pub runs: usize,
    pub ok: usize,
    pub errors: usize,
}

/// Combines the directories of a sharded sweep into `out`: `runs.csv` and
/// `runs_timeseries.csv` with every run in design order (the bytes an unsharded sweep
/// writes, apart from `#` lines), `design.json` without a shard, and `manifest.json`.
///
/// Refused (exit code 2): directories without a design, designs that differ, a mix of
/// shard counts, a shard given twice or missing, a run missing from its shard (the shard
/// has not finished: run it again and it resumes), and an `out` that holds something else
/// (it must be missing, empty, or a merge or unsharded sweep of the same design).
pub fn merge(dirs: &[PathBuf], out: &Path, command: &[String]) -> anyhow::Result<MergeOutcome> {
    if dirs.is_empty() {
        return Err(input("merge needs the shard directories to combine".into()));
    }
    let mut designs = Vec::with_capacity(dirs.len());
    for d in dirs {
        let Some(s) = StoredDesign::read(d)? else {
            return Err(input(format!("{} is not a sweep directory (no design.json)", d.display())));
        };
        designs.push(s);
    }
    let first = &designs[0];
    for (d, s) in dirs.iter().zip(&designs).skip(1) {
        let diff = first.differences(s);
        if !diff.is_empty() {
            return Err(input(format!(
                "{} and {} belong to different sweeps (they differ in: {})",
                dirs[0].display(),
                d.display(),
                diff.join(", ")
            )));
        }
    }
    // Which directory holds which residue class of points.
    let n = match first.shard {
        Some([_, n]) => n,
        None => 1,
    };
    let mut by_shard: Vec<Option<&PathBuf>> = vec![None; n];
    for (d, s) in dirs.iter().zip(&designs) {
        let (k, nn) = match s.shard {
            Some([k, nn]) => (k, nn),
            None => (0, 1),
        };
        if nn != n {
            return Err(input(format!(
                "{} is shard {k} of {nn} but {} is of {n}: all shards must come from the same --shard K/N split",
                d.display(),
                dirs[0].display()
            )));
        }
        if let Some(other) = by_shard[k] {
            return Err(input(format!("{} and {} are both shard {k}/{n}", other.display(), d.display())));
        }
        by_shard[k] = Some(d);
    }
    let missing: Vec<String> =
        by_shard.iter().enumerate().filter(|(_, d)| d.is_none()).map(|(k, _)| k.to_string()).collect();
    if !missing.is_empty() {
        return Err(input(format!("shards missing from the merge: {} (of {n})", missing.join(", "))));
    }
    let sources: Vec<PathBuf> = by_shard.into_iter().map(|d| d.expect("checked").join("runs")).collect();
    let mut absent = Vec::new();
    for point in 0..first.points {
        for r in 0..first.replicates {
            let path = sources[point % n].join(run_file_name(point, r));
            if !path.exists() {
                absent.push(path);
            }
        }
    }
    if let Some(example) = absent.first() {
        return Err(input(format!(
            "{} runs are missing, e.g. {}: that shard has not finished; run its command again (it resumes) before merging",
            absent.len(),
            example.display()
        )));
    }

    let mut merged = first.clone();
    merged.shard = None;
    if is_empty_dir(out)? {
        fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    } else {
        match StoredDesign::read(out)? {
            Some(existing) if existing.differences(&merged).is_empty() && existing.shard.is_none() => {}
            _ => {
                return Err(input(format!(
                    "{} exists and holds something other than this sweep; refusing to write into it: choose another --out",
                    out.display()
                )));
            }
        }
    }
    let experiment = Experiment { name: "merge", out_dir: out, scale: merged.scale(), inputs: Vec::new(), paired: true };
    let settings = Settings { command: command.to_vec(), ..Settings::quiet(1) };
    let runner = Runner::start(experiment, settings)?;
    merged.write(out)?;
    let points: Vec<usize> = (0..first.points).collect();
    let metadata = merged.metadata(&format!("merged from {n} shard directories"), command);
    let (ok, errors) = assemble(out, &merged, &metadata, &points, &|p| sources[p % n].clone())?;
    let details = serde_json::json!({
        "design": merged,
        "shards": dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
        "runs": points.len() * first.replicates as usize,
        "ok": ok,
        "errors": errors,
    });
    runner.finish(sweep_outputs(), Vec::new(), details_field(details))?;
    Ok(MergeOutcome { out_dir: out.to_path_buf(), shards: n, runs: ok + errors, ok, errors })
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

    #[test]
    fn run_file_names_round_trip() {
        assert_eq!(run_file_name(12, 3), "p000012-r0003.csv");
        assert_eq!(parse_run_file_name("p000012-r0003.csv"), Some((12, 3)));
        assert_eq!(parse_run_file_name(&run_file_name(12_345_678, 70_000)), Some((12_345_678, 70_000)));
        assert_eq!(parse_run_file_name(".p000012-r0003.csv.tmp"), None);
    }

    #[test]
    fn outcome_columns_pair_horizon_and_run_values() {
        let cols = outcome_columns();
        assert_eq!(cols.len(), 2 * OUTCOMES.len());
        assert_eq!(&cols[..4], ["school_horizon", "school_mean", "idle_horizon", "idle_mean"]);
        assert!(cols.contains(&"recruits_total".to_string()));
        assert!(cols.contains(&"homicide_rate_mean".to_string()));
        assert_eq!(cols.last().unwrap(), "spending_total_total");
    }
}
