//! `narcodoor._narcodoor`: the native half of the Python package.
//!
//! Each function loads its scenarios through the library's scenario layer (so Python
//! arguments are checked like the command line's flags and `--set`s), runs the library's
//! own command code (`run_scenario`, `run_compare`, the sweep plan) into a temporary
//! directory, and returns the files' text; the Python half (`narcodoor/__init__.py`) turns
//! them into pandas DataFrames. Going through the same writers is what makes a result from
//! Python identical to the command line's. Bad input raises `ScenarioError` (a
//! `ValueError`) with the message `narcodoor` prints; the GIL is released while the model
//! runs and Ctrl-C stops it (see `interrupt`).

mod interrupt;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use narcodoor::command::compare::{self as compare_cmd, CompareOptions};
use narcodoor::command::run::{RUN_FILES, RunOptions, run_scenario};
use narcodoor::command::sweep::{self as sweep_cmd, DesignKind, PointValue, SweepSpec};
use narcodoor::error::InputError;
use narcodoor::experiment::design_file::DesignFile;
use narcodoor::experiment::posterior::{self, Draws};
use narcodoor::numerics::design::Factor;
use narcodoor::scenario::{self, Overrides, Scenario};
use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

// Declared under the public module `narcodoor` (which re-exports it), so that pickle
// finds the class by `narcodoor.ScenarioError`: process pools send exceptions back
// pickled, and a class only reachable as `_narcodoor.ScenarioError` cannot be unpickled.
create_exception!(
    narcodoor,
    ScenarioError,
    PyValueError,
    "Bad input: a scenario error, a bad parameter path or value, a run that would not fit in memory. \
     The message is the one the narcodoor command prints."
);

/// A parameter value from Python: numbers are set as numbers (integers rounded, as in
/// sweeps), anything else as the text `--set` would take.
#[derive(Clone, Debug, FromPyObject)]
enum SetValue {
    Num(f64),
    Text(String),
}

impl SetValue {
    fn point(&self) -> PointValue {
        match self {
            SetValue::Num(x) => PointValue::Num(*x),
            SetValue::Text(t) => PointValue::Text(t.clone()),
        }
    }
}

/// The error chain as `narcodoor` prints it (without its `error: ` prefix); bad input as
/// `ScenarioError`, anything else as `RuntimeError`.
fn to_py(err: anyhow::Error) -> PyErr {
    let mut message = err.to_string();
    for cause in err.chain().skip(1) {
        message.push_str(&format!("\n  caused by: {cause}"));
    }
    let bad_input = err.chain().any(|e| e.is::<InputError>() || e.is::<scenario::ScenarioError>());
    if bad_input { ScenarioError::new_err(message) } else { PyRuntimeError::new_err(message) }
}

/// A scenario from a file path, or from TOML text (read as if it were `scenario.toml` in
/// the working directory, so `extends` is relative to it). The text's virtual file is not
/// one of the scenario's input files (the manifest fingerprints those it can read: the
/// parents); the manifest's resolved scenario records the text's effect.
fn load(source: &str, is_text: bool) -> anyhow::Result<Scenario> {
    Ok(if is_text {
        let mut s = scenario::load_str(source, Path::new("scenario.toml"))?;
        let virtual_path = s.path.clone();
        s.files.retain(|f| *f != virtual_path);
        s
    } else {
        scenario::load(Path::new(source))?
    })
}

struct Sim {
    overrides: Overrides,
    threads: usize,
}

/// The keyword arguments every simulating function takes, as Python passes them (any
/// integer: the range checks are the scenario layer's, after a sign check here that names
/// the argument).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct SimArgs {
    replicates: Option<i128>,
    youths: Option<i128>,
    months: Option<i128>,
    seed: Option<i128>,
    threads: Option<i128>,
}

/// A Python integer as the unsigned type the scenario layer takes; negative or too large
/// values are refused naming the keyword argument (zero and the upper bounds are the
/// scenario layer's to judge).
fn unsigned<T: TryFrom<i128>>(name: &str, v: Option<i128>) -> anyhow::Result<Option<T>> {
    let Some(v) = v else { return Ok(None) };
    let problem = if v < 0 { "must not be negative" } else { "is too large" };
    T::try_from(v).map(Some).map_err(|_| InputError::new(format!("{name}={v}: {problem}")).into())
}

fn sim(a: &SimArgs) -> anyhow::Result<Sim> {
    let overrides = Overrides {
        youths: unsigned("youths", a.youths)?,
        months: unsigned("months", a.months)?,
        replicates: unsigned("replicates", a.replicates)?,
        seed: unsigned("seed", a.seed)?,
    };
    let threads = match unsigned::<usize>("threads", a.threads)? {
        Some(0) => return Err(InputError::new("threads=0: must be at least 1").into()),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    Ok(Sim { overrides, threads })
}

/// Each setting as a one-value factor, for the sweep's checks of paths and values.
fn factors(sets: &[(String, SetValue)]) -> Vec<Factor> {
    sets.iter()
        .map(|(path, v)| match v {
            SetValue::Num(x) => Factor::Range { path: path.clone(), lo: *x, hi: *x },
            SetValue::Text(t) => Factor::Levels { path: path.clone(), values: vec![t.clone()] },
        })
        .collect()
}

/// Loads a scenario, applies the overrides, then the settings in order (checked like a
/// sweep's `--set`: `run.*` and unknown paths are refused).
fn prepare(source: &str, is_text: bool, sim: &Sim, sets: &[(String, SetValue)]) -> anyhow::Result<Scenario> {
    let mut s = load(source, is_text)?;
    s.apply(&sim.overrides)?;
    narcodoor::experiment::factor::check_factors(&s.params, &factors(sets))?;
    for (path, v) in sets {
        match v {
            SetValue::Num(x) => scenario::set_value_f64(&mut s.params, path, *x)?,
            SetValue::Text(t) => scenario::set_value(&mut s.params, path, t)?,
        }
    }
    Ok(s)
}

/// Reads the named files of `dir` into a map from file name to text.
fn read_files(dir: &Path, names: &[&str]) -> anyhow::Result<HashMap<String, String>> {
    names
        .iter()
        .map(|n| {
            let text = std::fs::read_to_string(dir.join(n))
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.join(n).display()))?;
            Ok((n.to_string(), text))
        })
        .collect()
}

fn temp_dir() -> anyhow::Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix("narcodoor-python-")
        .tempdir()
        .map_err(|e| anyhow::anyhow!("cannot create a temporary directory: {e}"))
}

fn command(what: &str, source: &str, is_text: bool) -> Vec<String> {
    let shown = if is_text { "<TOML text>".to_string() } else { source.to_string() };
    vec![format!("python: narcodoor.{what}"), shown]
}

/// A scenario to load: its path or TOML text, the label it has in a comparison (its
/// `run.name`), and settings applied after the overrides.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct Source {
    scenario: String,
    is_text: bool,
    label: Option<String>,
    sets: Vec<(String, SetValue)>,
}

impl Source {
    fn prepare(&self, sim: &Sim) -> anyhow::Result<Scenario> {
        let mut s = prepare(&self.scenario, self.is_text, sim, &self.sets)?;
        if let Some(label) = &self.label {
            scenario::set_value(&mut s.params, "run.name", label)?;
        }
        Ok(s)
    }

    fn command(&self, what: &str) -> Vec<String> {
        command(what, &self.scenario, self.is_text)
    }
}

/// Parameter uncertainty as Python asks for it: `posterior=` a path (`file`) or `True`
/// (`shipped`: the baseline scenario's own, `data/<stem>_posterior.csv` beside it), and
/// `draws=`.
#[derive(Default, FromPyObject)]
#[pyo3(from_item_all)]
struct PosteriorSpec {
    file: Option<String>,
    shipped: bool,
    draws: Option<i128>,
}

impl PosteriorSpec {
    /// The posterior file (a path, or the scenario's shipped one for `posterior=True`)
    /// and the number of draws; the checks are the library's (`posterior::prepare_for`).
    fn file_and_draws(&self, base: &Source) -> anyhow::Result<(Option<PathBuf>, Option<usize>)> {
        let file = match (&self.file, self.shipped) {
            (Some(f), _) => Some(PathBuf::from(f)),
            (None, true) if base.is_text => {
                return Err(InputError::new(
                    "posterior=True: a scenario given as TOML text ships no posterior; give posterior= a path",
                )
                .into());
            }
            (None, true) => Some(posterior::shipped(Path::new(&base.scenario)).ok_or_else(|| {
                InputError::new(format!(
                    "posterior=True: {} ships no posterior (no data/<name>_posterior.csv beside it); give posterior= a path",
                    base.scenario
                ))
            })?),
            (None, false) => None,
        };
        Ok((file, unsigned("draws", self.draws)?))
    }

    /// The draws, checked against every scenario (`named`); `None` without a posterior.
    fn load(
        &self,
        base: &Source,
        named: &[(&str, &narcodoor::model::params::Params)],
    ) -> anyhow::Result<Option<Draws>> {
        let (file, draws) = self.file_and_draws(base)?;
        posterior::prepare_for(file.as_deref(), draws, named)
    }
}

/// The files of `names` that `dir` holds (those a posterior adds), read as [`read_files`].
fn read_present(dir: &Path, names: &[&str]) -> anyhow::Result<HashMap<String, String>> {
    let present: Vec<&str> = names.iter().copied().filter(|n| dir.join(n).is_file()).collect();
    read_files(dir, &present)
}

/// What a command writes under a posterior beside its own files.
const POSTERIOR_FILES: [&str; 5] =
    ["posterior_draws.csv", "uncertainty.csv", "probabilities.csv", "targets.csv", "acceptability.csv"];

/// Runs every replicate of a scenario; returns the text of `narcodoor run`'s files.
#[pyfunction]
#[pyo3(signature = (source, sim, progress=None, posterior=None))]
fn run(
    py: Python<'_>,
    source: Source,
    sim: SimArgs,
    progress: Option<Py<PyAny>>,
    posterior: Option<PosteriorSpec>,
) -> PyResult<HashMap<String, String>> {
    let posterior = posterior.unwrap_or_default();
    let sim = self::sim(&sim).map_err(to_py)?;
    let s = source.prepare(&sim).map_err(to_py)?;
    let (file, draws) = posterior.file_and_draws(&source).map_err(to_py)?;
    let plan = narcodoor::command::run::prepare(s, (file.as_deref(), draws), sim.threads).map_err(to_py)?;
    let (s, draws) = (plan.scenario, plan.posterior);
    let cmd = source.command("run");
    interrupt::run(py, progress, |cancel| {
        let dir = temp_dir()?;
        let opts = RunOptions {
            out_dir: dir.path().to_path_buf(),
            charts: false,
            settings: cancel.settings(sim.threads, cmd),
            posterior: draws,
        };
        run_scenario(&s, &opts)?;
        let mut files = read_files(dir.path(), &RUN_FILES)?;
        files.extend(read_present(dir.path(), &POSTERIOR_FILES)?);
        Ok(files)
    })?
    .map_err(to_py)
}

/// How a comparison is checked and what it answers beyond the effects: refuse scenarios
/// of different countries unless `allow_mismatch` (as `--allow-mismatch`), and the
/// `targets` (`--target`) under a posterior.
#[derive(Default, FromPyObject)]
#[pyo3(from_item_all)]
struct CompareSpec {
    allow_mismatch: bool,
    targets: Vec<String>,
}

/// Compares scenarios with the first, with common random numbers; returns the text of
/// `effects.csv` and `report.md` (and under a posterior its files).
#[pyfunction]
#[pyo3(signature = (sources, sim, progress=None, posterior=None, spec=None))]
fn compare(
    py: Python<'_>,
    sources: Vec<Source>,
    sim: SimArgs,
    progress: Option<Py<PyAny>>,
    posterior: Option<PosteriorSpec>,
    spec: Option<CompareSpec>,
) -> PyResult<HashMap<String, String>> {
    let (posterior, spec) = (posterior.unwrap_or_default(), spec.unwrap_or_default());
    let sim = self::sim(&sim).map_err(to_py)?;
    let loaded =
        sources.iter().map(|s| s.prepare(&sim)).collect::<anyhow::Result<Vec<_>>>().map_err(to_py)?;
    let (file, draws) = posterior.file_and_draws(&sources[0]).map_err(to_py)?;
    let inputs = compare_cmd::prepare::CompareInputs {
        scenarios: loaded,
        allow_mismatch: (spec.allow_mismatch, "allow_mismatch=True"),
        resized_to: sim.overrides.youths,
        posterior: (file.as_deref(), draws),
        targets: &spec.targets,
        threads: sim.threads,
    };
    let compare_cmd::prepare::ComparePlan { aligned, posterior: draws, targets } =
        compare_cmd::prepare::prepare(inputs).map_err(to_py)?;
    let cmd = sources[0].command("compare");
    interrupt::run(py, progress, |cancel| {
        let dir = temp_dir()?;
        let opts = CompareOptions {
            out_dir: dir.path().to_path_buf(),
            charts: false,
            settings: cancel.settings(sim.threads, cmd),
            posterior: draws,
            targets,
        };
        compare_cmd::run_compare(&aligned, &opts)?;
        let mut files = read_files(dir.path(), &["effects.csv", "report.md", "manifest.json"])?;
        files.extend(read_present(dir.path(), &POSTERIOR_FILES)?);
        Ok(files)
    })?
    .map_err(to_py)
}

/// Runs a scenario at the points of a design (columns `paths`, one row per point), as
/// `narcodoor sweep --design-file` does; returns the text of `runs.csv` and
/// `runs_timeseries.csv`.
#[pyfunction]
#[pyo3(signature = (source, paths, rows, sim, progress=None, posterior=None))]
fn sweep(
    py: Python<'_>,
    source: Source,
    paths: Vec<String>,
    rows: Vec<Vec<SetValue>>,
    sim: SimArgs,
    progress: Option<Py<PyAny>>,
    posterior: Option<PosteriorSpec>,
) -> PyResult<HashMap<String, String>> {
    let sim = self::sim(&sim).map_err(to_py)?;
    let s = source.prepare(&sim).map_err(to_py)?;
    let draws = posterior
        .unwrap_or_default()
        .load(&source, &[(s.params.run.name.as_str(), &s.params)])
        .map_err(to_py)?;
    if rows.is_empty() || rows.iter().any(|r| r.len() != paths.len()) {
        return Err(ScenarioError::new_err(format!(
            "design=: the design needs at least one point and one value per column ({} columns)",
            paths.len()
        )));
    }
    let rows: Vec<Vec<PointValue>> = rows.iter().map(|r| r.iter().map(SetValue::point).collect()).collect();
    let hash = narcodoor::fingerprint::fnv1a(format!("{paths:?}{rows:?}").as_bytes());
    let design = DesignFile { file: "<design from Python>".into(), paths, rows, hash };
    let cmd = source.command("sweep");
    interrupt::run(py, progress, |cancel| {
        let dir = temp_dir()?;
        let spec = SweepSpec {
            scenario: s,
            factors: design.factors(),
            kind: DesignKind::File,
            samples: 0,
            design_file: Some(design),
            shard: None,
            out_dir: dir.path().join("sweep"),
            resume: false,
            charts: false,
            settings: cancel.settings(sim.threads, cmd),
            posterior: draws,
        };
        sweep_cmd::plan(spec)?.run()?;
        let out = dir.path().join("sweep");
        let mut files = read_files(&out, &["runs.csv", "runs_timeseries.csv", "manifest.json"])?;
        files.extend(read_present(&out, &["posterior_draws.csv", "points_uncertainty.csv"])?);
        Ok(files)
    })?
    .map_err(to_py)
}

/// Checks parameter paths and values against a scenario without running it, as a sweep
/// checks its factors: unknown paths, `run.*` settings and values of the wrong type are
/// refused (values merely out of range are left to the points).
#[pyfunction]
fn check(source: Source, values: Vec<(String, SetValue)>) -> PyResult<()> {
    let s = load(&source.scenario, source.is_text).map_err(to_py)?;
    narcodoor::experiment::factor::check_factors(&s.params, &factors(&values)).map_err(to_py)
}

/// The outcome columns of `runs.csv` (and of EMA models): (column, metric, statistic).
#[pyfunction]
fn outcomes() -> Vec<(String, String, String)> {
    sweep_cmd::outcome_columns()
        .into_iter()
        .map(|c| {
            let (metric, stat) = c.rsplit_once('_').unwrap_or((c.as_str(), ""));
            let (metric, stat) = (metric.to_string(), stat.to_string());
            (c, metric, stat)
        })
        .collect()
}

/// One row of `parameters`: group, path, value, default, unit, meaning, kind, min, max,
/// enabled (levers only).
type ParameterRow =
    (String, String, String, String, String, String, String, Option<f64>, Option<f64>, Option<bool>);

/// Every parameter of a scenario as `narcodoor explain` lists it, with its kind and the
/// bounds of its allowed range; levers that are off too, at their defaults.
#[pyfunction]
fn parameters(source: Source) -> PyResult<Vec<ParameterRow>> {
    let s = load(&source.scenario, source.is_text).map_err(to_py)?;
    Ok(scenario::explain_rows_all_levers(&s)
        .into_iter()
        .map(|r| {
            let (unit, meaning, kind) = (r.unit.to_string(), r.meaning.to_string(), r.kind.to_string());
            (r.group, r.path, r.value, r.default, unit, meaning, kind, r.min, r.max, r.enabled)
        })
        .collect())
}

/// Checks a scenario as `narcodoor validate` does; returns its name, regions and youths.
#[pyfunction]
fn validate(source: Source) -> PyResult<(String, usize, u64, Vec<PathBuf>)> {
    let s = load(&source.scenario, source.is_text).map_err(to_py)?;
    scenario::check_memory(&s.params, 1).map_err(|e| to_py(e.into()))?;
    Ok((s.params.run.name.clone(), s.params.regions.len(), s.params.total_youths(), s.files))
}

#[pymodule]
fn _narcodoor(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(outcomes, m)?)?;
    m.add_function(wrap_pyfunction!(parameters, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    Ok(())
}
