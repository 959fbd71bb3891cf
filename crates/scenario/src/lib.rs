//! Scenario files: TOML text → a validated `model::params::Params`.
//!
//! This is where a user's input is checked, so that the model never has to: a `Params`
//! that leaves this module satisfies every rule of `MODEL.md` sections 10 and 11. Loading
//! goes in four steps: `raw` parses each file of the `extends` chain into a tree that
//! remembers the file and line of every value and merges the chain; `build` walks that
//! tree with the `schema` table (one line per key: path, kind, unit, meaning, getter,
//! setter) and writes `Params`; `validate` checks the rules that tie keys together; and the
//! memory check compares the population's footprint with what the machine has. `set`
//! changes single parameters by path for sweeps and `--set`, and `explain` shows a scenario
//! to people (`explain`) and to the manifest (`resolved_json`).
//!
//! Errors name the file, the full key path and the line, and say what is allowed, e.g.
//! `scenarios/x.toml:12: policy.kingpin.shock = -1: must be a number ≥ 0 (violence shock
//! in the target's regions per removal)`.
//!
//! Every problem found in one pass is reported (up to 30 lines), ordered by file (the
//! loaded file first, then its parents) and line.
//!
//! Decisions beyond `MODEL.md`:
//! - A lever table may say `enabled = false`, so that a child file can switch off a lever
//!   its parent switched on.
//! - `run.name` is not inherited through `extends`: a child is named after its own file
//!   unless it names itself. Everything else, `run.description` included, is inherited.
//! - Inline tables merge key by key like any table, so a child's `[[cartel]]` entry with
//!   `territory = { C = 0.2 }` keeps the parent's shares in other regions.
//! - Regions that give neither `youths` nor `share` (all of them) split `population.youths`
//!   equally.
//! - Integer keys refuse floats, even `12.0`, so that a typo never rounds silently.
//! - Limits chosen from the equations: wages, `stipend`, `half_amount`, `enforcement`
//!   (later enforcement is divided by it), `reference_density` and `territory.gamma` must
//!   be positive; `youth_share` is in (0, 1]; `justice.sentence_months` ≥ 1 (the mean of a
//!   geometric on 1, 2, ...); `policing.increase` ≥ −1; `choice.intercept` and
//!   `recruit.minor_preference` are any real (age weights floor at 0); `police_reform.purge`
//!   is a share per year in [0, 1]; every other multiplier, rate and cost is ≥ 0.
//! - A region where no cartel holds territory is allowed: it starts without members (the
//!   initial draw has no cartel to give them) and nobody there is contacted.
//! - `run.seed` is at most 2^63 − 1, the largest integer TOML can write.
//! - The memory check needs `youths × bytes_per_youth(peers, rewire) × replicates × 1.2 + 64 MiB`
//!   below `MemAvailable`; `load` checks one replicate at a time.

mod build;
mod error;
pub mod explain;
pub mod input_file;
mod keys;
mod observed;
mod plausible;
mod raw;
mod schema;
mod set;
mod validate;

use std::path::{Path, PathBuf};

use narcodoor_model::params::Params;

pub use error::{ErrorKind, Origin, Problem, ScenarioError, levenshtein};
pub use explain::{
    ExplainRow, differences, explain, explain_rows, explain_rows_all_levers, explain_with_width,
    resolved_json,
};
pub use observed::{Observation, Observed};
pub use set::{get_value_f64, get_value_toml, set_value, set_value_f64};
pub use validate::{MEMORY_BASE_BYTES, MEMORY_FACTOR, memory_available, memory_needed};

use schema::{Kind, Schema, Value};

/// A loaded scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub params: Params,
    /// The file that was loaded (for `load_str`, the virtual path).
    pub path: PathBuf,
    /// The `extends` chain, root first: the most basic parent first, `path` last.
    pub files: Vec<PathBuf>,
    /// Plausibility warnings of the files as loaded (before command-line overrides): values
    /// far outside the documented ranges, levers that never act.
    pub warnings: Vec<Problem>,
    /// The observed data `run.observed` names, read and checked with the scenario.
    pub observed: Option<Observed>,
}

/// Command-line overrides applied after loading.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    pub youths: Option<u64>,
    pub months: Option<u32>,
    pub replicates: Option<u32>,
    pub seed: Option<u64>,
}

/// Loads a scenario file and its `extends` chain, and checks it (memory included, for one
/// replicate at a time; see `check_memory` for more).
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    load_impl(path, None)
}

/// Loads a scenario from text, as if it were the file `virtual_path`: its `extends` are
/// read from disk relative to `virtual_path`'s directory, and messages name `virtual_path`.
pub fn load_str(text: &str, virtual_path: &Path) -> Result<Scenario, ScenarioError> {
    load_impl(virtual_path, Some(text))
}

fn load_impl(path: &Path, text: Option<&str>) -> Result<Scenario, ScenarioError> {
    let (root, files) = raw::load_chain(path, text)?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let chain: Vec<PathBuf> = files.paths.iter().rev().cloned().collect();
    let (params, sources) = build::build(&root, files, &stem)?;
    if let Some(problem) =
        validate::memory_problem(&params, 1, memory_available(), &|key| sources.origin(key))
    {
        return Err(ScenarioError::single(problem));
    }
    let observed = observed::load(&params, &sources.origin("run.observed")).map_err(ScenarioError::single)?;
    let mut s = Scenario { params, path: path.to_path_buf(), files: chain, warnings: Vec::new(), observed };
    s.warnings = plausible::warnings(&s.params, &explain::explain_rows(&s), &|key| sources.origin(key));
    Ok(s)
}

impl Scenario {
    /// Applies command-line overrides. `youths` rescales the regions' youths in proportion
    /// (largest remainder, ties to the earlier region); everything is checked again, and on
    /// any problem the scenario is left unchanged.
    pub fn apply(&mut self, o: &Overrides) -> Result<(), ScenarioError> {
        let schema = Schema::new();
        let mut p = self.params.clone();
        let mut problems = Vec::new();
        let mut flags = Vec::new();
        let mut int = |name: &str, key: &str, v: Option<u64>, p: &mut Params| {
            let Some(v) = v else { return };
            let flag = format!("--{name} {v}");
            flags.push(flag.clone());
            let Some(def) = schema.global.iter().find(|k| k.path() == key) else {
                return;
            };
            let value = Value::Int(v);
            if def.kind.check(&value) {
                (def.set)(p, &value);
            } else {
                let message = format!("{key} = {v}: must be {} ({})", def.kind.allowed(), def.meaning);
                problems.push(Problem::new(ErrorKind::OutOfRange, Origin::Override(flag), key, message));
            }
        };
        int("months", "run.months", o.months.map(u64::from), &mut p);
        int("replicates", "run.replicates", o.replicates.map(u64::from), &mut p);
        int("seed", "run.seed", o.seed, &mut p);
        if let Some(y) = o.youths {
            let flag = format!("--youths {y}");
            flags.push(flag.clone());
            if (Kind::Count { min: 1, max: schema::TOML_INT_MAX }).check(&Value::Int(y)) {
                set::rescale_youths(&mut p, y);
            } else {
                let message = format!("population.youths = {y}: must be an integer ≥ 1");
                problems.push(Problem::new(
                    ErrorKind::OutOfRange,
                    Origin::Override(flag),
                    "population.youths",
                    message,
                ));
            }
        }
        if problems.is_empty() {
            let origin = Origin::Override(flags.join(" "));
            problems = validate::check(&p, &schema, &validate::Fixed(origin.clone()));
            if problems.is_empty() && (o.youths.is_some() || o.months.is_some() || o.replicates.is_some()) {
                problems.extend(validate::memory_problem(&p, 1, memory_available(), &|_| origin.clone()));
            }
        }
        if !problems.is_empty() {
            return Err(ScenarioError::from_problems(problems));
        }
        self.params = p;
        Ok(())
    }
}

/// Every numeric parameter path `set_value_f64` accepts for `p`: global keys, per-rank
/// array entries (`cartels.death[0]`), every region's keys by name, every cartel's
/// territory by region, and every lever's keys (setting one switches the lever on).
/// `region.*.<key>` also works for all regions at once.
pub fn numeric_paths(p: &Params) -> Vec<String> {
    set::settable_paths(p, &Schema::new(), true)
}

/// When and where each lever that is on acts, one entry per instance of the lever, in the
/// order of `LEVERS`. Charts shade these windows.
pub fn lever_windows(p: &Params) -> Vec<LeverWindow> {
    let schema = Schema::new();
    let mut out = Vec::new();
    for lever in &schema.levers {
        let first = lever.schedule(p).into_iter();
        for s in first.chain(lever.more_schedules(p)) {
            let regions = s.regions.clone();
            out.push(LeverWindow { lever: lever.name, start: s.start_month, end: s.end_month, regions });
        }
    }
    out
}

/// Whether the lever a `policy.<lever>.<key>` path names is on in `p`; `None` for a path
/// that names no lever. (Setting such a path switches an off lever on with its defaults.)
pub fn lever_is_on(p: &Params, path: &str) -> Option<bool> {
    let name = path.trim().strip_prefix("policy.")?.split('.').next()?;
    let schema = Schema::new();
    let lever = schema.lever(name)?;
    Some(lever.schedule(p).is_some())
}

/// One instance of a lever: its first reported month, its end (exclusive; `None`: to the
/// end of the run) and a flag per region where it acts.
#[derive(Clone, Debug, PartialEq)]
pub struct LeverWindow {
    pub lever: &'static str,
    pub start: u32,
    pub end: Option<u32>,
    pub regions: Vec<bool>,
}

/// Refuses a population that would not fit in memory when `concurrent_replicates` run at
/// once: `youths × bytes_per_youth(peers) × replicates × 1.2 + 64 MiB` against `MemAvailable`
/// in `/proc/meminfo` (skipped where that cannot be read).
pub fn check_memory(p: &Params, concurrent_replicates: u32) -> Result<(), ScenarioError> {
    match validate::memory_problem(p, concurrent_replicates, memory_available(), &|_| Origin::Unknown) {
        Some(problem) => Err(ScenarioError::single(problem)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
