//! `narcodoor sweep` and `narcodoor merge`: a scenario run over a design of parameter
//! values (a full grid or a Latin hypercube), one tidy row per design point × replicate,
//! resumable after a crash and splittable into shards that separate machines run.
//!
//! The design is built by [`crate::experiment::design`]; every point is applied to a clone of the
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

pub mod charts;

mod merge;
pub mod points;
mod store;

pub use merge::{MergeOutcome, merge};
pub use store::{SWEEP_FILES, StoredDesign, StoredFactor, StoredPosterior, run_file_name};
use store::{assemble, prepare_dir, stored_factors};
// The factor module's types, as the sweep's callers have always named them.
pub use crate::experiment::factor::{DesignKind, PointValue, parse_set};

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::command::runner::{Experiment, Runner, Settings, details_field};
use crate::experiment::factor::{Prepared, apply_point, check_factors, design_points, input};
use crate::experiment::outcomes::{Reduced, Statistic, column, run_statistic};
use crate::experiment::posterior::Draws;
use crate::fingerprint::fnv1a;
use crate::output::atomic::write_in;
use crate::output::experiment_tables::{runs_row, runs_timeseries_rows};
use crate::output::manifest::MODEL_VERSION;
use crate::output::staging::Workdir;
use narcodoor_engine::Job;
use narcodoor_model::metrics::m;
use narcodoor_model::params::Params;
use narcodoor_numerics::design::{self, Factor};
use narcodoor_scenario::{Scenario, resolved_json};

/// The version of the directory layout and of `design.json`.
pub const FORMAT: u32 = 1;

/// The headline outcomes of `runs.csv`; each gets a `_horizon` column and a run column
/// (`_total` for flows, `_mean` for stocks and rates), named by [`outcome_stem`].
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

/// The column of an outcome's statistic: the metric's name and the statistic
/// (`recruits_total`), except that the metric `spending_total` (all levers together) is
/// `spending` here, so that its run total reads `spending_total`, not
/// `spending_total_total`.
pub fn outcome_stem(metric: usize, stat: Statistic) -> String {
    if metric == m::SPENDING_TOTAL { format!("spending_{}", stat.name()) } else { column(metric, stat) }
}

/// The outcome columns of `runs.csv`, in order.
pub fn outcome_columns() -> Vec<String> {
    OUTCOMES
        .iter()
        .flat_map(|&i| [outcome_stem(i, Statistic::Horizon), outcome_stem(i, run_statistic(i))])
        .collect()
}

fn outcome_values(r: &Reduced) -> Vec<f64> {
    OUTCOMES.iter().flat_map(|&i| [r.value(i, Statistic::Horizon), r.value(i, run_statistic(i))]).collect()
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
    pub design_file: Option<crate::experiment::design_file::DesignFile>,
    /// `(K, N)`: run only the points with index ≡ K (mod N).
    pub shard: Option<(usize, usize)>,
    pub out_dir: PathBuf,
    pub resume: bool,
    /// Draw the charts of `points.csv` (`charts/`).
    pub charts: bool,
    /// Threads, display, cancellation flag and the command line of the manifest.
    pub settings: Settings,
    /// Under `--posterior`: replicate r of every point runs draw r mod K applied to the
    /// point's parameters.
    pub posterior: Option<Draws>,
}

/// A sweep ready to run: its design built and checked, its directory prepared.
#[derive(Debug)]
pub struct SweepPlan {
    spec: SweepSpec,
    /// Where the sweep writes: `--out`, or its staging directory with `--force`.
    work: Workdir,
    stored: StoredDesign,
    /// This shard's points, in design order.
    point_ids: Vec<usize>,
    prepared: Vec<Prepared>,
    /// Under `--posterior`: each valid point under every draw (empty otherwise).
    drawn: Vec<Vec<Params>>,
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
    /// The per-point summary written to `points.csv`.
    pub summary: points::Points,
    /// The charts drawn (paths under the directory), and why any could not be.
    pub charts: Vec<String>,
    pub warnings: Vec<String>,
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
        scenario_files_hash: files_hash(&spec.scenario.files),
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
        posterior: spec.posterior.as_ref().map(StoredPosterior::of),
    };
    let point_ids = match spec.shard {
        Some((k, n)) => design::shard(points.len(), k, n),
        None => (0..points.len()).collect(),
    };
    let mut prepared: Vec<Prepared> =
        point_ids.iter().map(|&i| apply_point(base, &spec.factors, &points[i])).collect();
    let drawn = under_draws(spec.posterior.as_ref(), &spec.factors, &point_ids, &mut prepared)?;
    let work = Workdir::open(&spec.out_dir, spec.settings.force, "design.json", stored.text()?.as_bytes())?;
    let done = prepare_dir(&work.dir, &stored, spec.resume)?;
    Ok(SweepPlan { spec, work, stored, point_ids, prepared, drawn, done })
}

/// Under a posterior, every valid point under every draw. A swept path that is also a
/// column of the posterior is bad input (which value would the point run?); a point whose
/// values the scenario rules refuse with a draw's becomes an invalid point, as one refused
/// on its own does.
fn under_draws(
    draws: Option<&Draws>,
    factors: &[Factor],
    point_ids: &[usize],
    prepared: &mut [Prepared],
) -> anyhow::Result<Vec<Vec<Params>>> {
    let Some(draws) = draws else { return Ok(Vec::new()) };
    if let Some(f) = factors.iter().find(|f| draws.posterior.paths.iter().any(|p| p == f.path())) {
        return Err(input(format!(
            "--set {}: the path is also a column of --posterior {}; a swept parameter cannot also be uncertain",
            f.path(),
            draws.posterior.file
        )));
    }
    let mut drawn = Vec::with_capacity(prepared.len());
    for (&point, prep) in point_ids.iter().zip(prepared.iter_mut()) {
        let under = match &prep.params {
            Ok(p) => draws.apply(p, &format!("point {point}")),
            Err(_) => Ok(Vec::new()),
        };
        match under {
            Ok(v) => drawn.push(v),
            Err(e) => {
                prep.params = Err(format!("{e:#}"));
                drawn.push(Vec::new());
            }
        }
    }
    Ok(drawn)
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

    /// What a stopped sweep says: how many runs are saved where, and how to resume.
    fn stopped_note(&self, runs_dir: &Path) -> String {
        let saved = store::scan_runs(runs_dir).map_or(0, |d| d.len());
        let how = match self.work.is_staged() {
            true => format!(
                "run the same command (with --force) again to resume; {} was left as it was",
                self.work.target.display()
            ),
            false => "run the same command again to resume".into(),
        };
        format!(
            "the sweep stopped: {saved} of {} runs are saved in {}: {how}",
            self.runs_total(),
            runs_dir.display()
        )
    }

    fn shard_line(&self) -> String {
        match self.spec.shard {
            Some((k, n)) => format!("shard {k}/{n}: the points whose index modulo {n} is {k}"),
            None => "shard: the whole design".into(),
        }
    }

    /// The jobs still to run with their (point, prepared point), replicate by replicate,
    /// after writing the rows of invalid points (which need no simulation); and the first
    /// error message of a few invalid points.
    #[allow(clippy::type_complexity)]
    fn jobs(&self, runs_dir: &Path) -> anyhow::Result<(Vec<Job<'_>>, Vec<(usize, &Prepared)>, Vec<String>)> {
        let seed = self.stored.seed;
        let n_out = outcome_columns().len();
        let mut error_examples = Vec::new();
        let mut jobs = Vec::new();
        let mut keys = Vec::new();
        for (i, (&point, prep)) in self.point_ids.iter().zip(&self.prepared).enumerate() {
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
                        let under = self.drawn.get(i).map_or(&[][..], Vec::as_slice);
                        let params = crate::experiment::posterior::for_replicate(under, params, r);
                        jobs.push(Job { params, replicate: r });
                        keys.push((point, prep));
                    }
                }
            }
        }

        // Replicate by replicate, so that the points of one replicate share their burn-in.
        let mut order: Vec<usize> = (0..jobs.len()).collect();
        order.sort_by_key(|&j| jobs[j].replicate);
        let jobs: Vec<Job> = order.iter().map(|&j| jobs[j]).collect();
        let keys: Vec<(usize, &Prepared)> = order.iter().map(|&j| keys[j]).collect();
        Ok((jobs, keys, error_examples))
    }

    /// Runs every unfinished (point, replicate) of the shard, writes each as it finishes,
    /// then assembles `runs.csv` and `runs_timeseries.csv` and writes `manifest.json`. If
    /// the sweep is cancelled, every run finished by then is on disk and the next run of
    /// the same command resumes from there.
    pub fn run(self) -> anyhow::Result<SweepOutcome> {
        let dir = &self.work.dir;
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
        if let Some(draws) = &self.spec.posterior {
            // First, so that a shard that has finished its runs has it for the merge.
            crate::output::uncertainty_tables::write_draws(&dir.join("posterior_draws.csv"), draws)?;
        }

        let (jobs, keys, error_examples) = self.jobs(&runs_dir)?;
        let points = self.points_total();
        let label = format!(
            "sweep ({points} points, {} runs in this shard, {resumed} already done)",
            self.runs_total()
        );
        let job_name = |j: usize| {
            format!("sweep: point {}/{points}, replicate {}", keys[j].0 + 1, jobs[j].replicate + 1)
        };
        let result = runner.run(&label, &jobs, &job_name, |job, result| {
            let (point, prep) = keys[job];
            let values = outcome_values(&Reduced::of(&result));
            let mut text = runs_row(point, &prep.shown, result.replicate, seed, Ok(&values), n_out);
            text.push('\n');
            text.push_str(&runs_timeseries_rows(point, &result));
            write_run_file(&runs_dir, point, result.replicate, text)
        });
        if let Err(e) = result {
            let e = e.context(self.stopped_note(&runs_dir));
            return Err(runner.abandon(Vec::new(), e));
        }

        let metadata = self.stored.metadata(&self.shard_line(), &self.spec.settings.command);
        let (ok, errors) = assemble(dir, &self.stored, &metadata, &self.point_ids, &|_| runs_dir.clone())?;
        let (summary, charts, warnings) = summarise(dir, &self.stored, self.spec.charts)?;
        let details = serde_json::json!({
            "design": self.stored,
            "runs": self.runs_total(),
            "ok": ok,
            "errors": errors,
            "resumed": resumed,
        });
        let mut outputs = sweep_outputs(&self.stored);
        outputs.extend(charts.iter().cloned());
        let manifest = runner.finish(outputs, warnings.clone(), details_field(details))?;
        self.work.publish()?;
        Ok(SweepOutcome {
            out_dir: self.work.target.clone(),
            points: self.point_ids.len(),
            runs: self.runs_total(),
            ok,
            errors,
            resumed,
            error_examples,
            summary,
            charts,
            warnings,
            seconds: manifest.run_seconds,
        })
    }
}

/// FNV-1a of the scenario's files, in order (none if one cannot be read: then a changed
/// scenario hash is blamed on the files).
fn files_hash(files: &[PathBuf]) -> Option<String> {
    let mut bytes = Vec::new();
    for f in files {
        bytes.extend(narcodoor_scenario::input_file::read_bytes(f).ok()?);
        bytes.push(0);
    }
    Some(fnv1a(&bytes))
}

/// The files a sweep or a merge lists in its manifest (which is appended).
pub(super) fn sweep_outputs(stored: &StoredDesign) -> Vec<String> {
    let mut files: Vec<String> =
        ["design.json", "runs.csv", "runs_timeseries.csv", "points.csv", "differences.csv"]
            .map(String::from)
            .to_vec();
    if stored.posterior.is_some() {
        files.extend(["posterior_draws.csv", "points_uncertainty.csv"].map(String::from));
    }
    files
}

/// Writes `points.csv` and `differences.csv` from the assembled `runs.csv` and, if asked,
/// draws its charts (from those two);
/// returns the summary, the charts drawn and the warnings of charts that failed.
pub(super) fn summarise(
    dir: &Path,
    stored: &StoredDesign,
    charts: bool,
) -> anyhow::Result<(points::Points, Vec<String>, Vec<String>)> {
    let summary = points::Points::read(&dir.join("runs.csv"), stored.factors.len())?;
    write_in(dir, "points.csv", summary.csv().as_bytes())?;
    write_in(dir, "differences.csv", summary.differences_csv().as_bytes())?;
    if let Some(p) = &stored.posterior {
        let rows = summary.spreads(p.draws);
        let path = dir.join("points_uncertainty.csv");
        crate::output::uncertainty_tables::write_points(&path, &summary.factors, &rows)?;
    }
    if !charts {
        return Ok((summary, Vec::new(), Vec::new()));
    }
    let (drawn, warnings) = crate::command::sweep::charts::draw(dir, &summary, stored);
    Ok((summary, drawn, warnings))
}

/// Writes the run file of (point, replicate) atomically.
fn write_run_file(runs_dir: &Path, point: usize, replicate: u32, text: String) -> anyhow::Result<()> {
    write_in(runs_dir, &run_file_name(point, replicate), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_columns_pair_horizon_and_run_values() {
        let cols = outcome_columns();
        assert_eq!(cols.len(), 2 * OUTCOMES.len());
        assert_eq!(&cols[..4], ["school_horizon", "school_mean", "idle_horizon", "idle_mean"]);
        assert!(cols.contains(&"recruits_total".to_string()));
        assert!(cols.contains(&"homicide_rate_mean".to_string()));
        assert_eq!(cols.last().unwrap(), "spending_total");
        assert!(cols.contains(&"spending_horizon".to_string()));
    }
}
