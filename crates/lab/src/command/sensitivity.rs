//! `narcodoor sensitivity`: Morris screening or Sobol' indices of one model outcome with
//! respect to parameter ranges, running the model over the designs of
//! [`narcodoor_numerics::sensitivity`].
//!
//! Each design row (a point of the unit cube, scaled onto the ranges and applied with
//! `scenario::set_value_f64`) is run for every replicate; the model's output at a row is
//! the mean over its replicates of the chosen outcome statistic (a metric's total, mean or
//! horizon value). Replicates averaged this way make the output smoother, but the indices
//! describe the mean response, not the replicate-to-replicate noise. Every row uses the same
//! seed (common random numbers), so the differences that elementary effects and Sobol'
//! estimators take between rows are not swamped by noise. Unlike a sweep, every row must be
//! valid: an estimator cannot skip a row, so a range that makes any row invalid is bad input.

use std::path::PathBuf;

use anyhow::Context;

use crate::command::runner::{Experiment, Runner, Settings, details_field};
use crate::error::InputError;
use crate::experiment::effects::Metric;
use crate::experiment::factor::{PointValue, apply_point, check_factors};
use crate::experiment::outcomes::{Reduced, Statistic};
use crate::output::experiment_charts::tornado_chart;
use crate::output::experiment_tables::{
    DesignRow, IndexKind, IndexRow, MethodName, write_design, write_indices,
};
use crate::output::manifest::Scale;
use narcodoor_engine::Job;
use narcodoor_model::metrics::METRICS;
use narcodoor_model::params::Params;
use narcodoor_numerics::design::{Factor, scale_to_ranges};
use narcodoor_numerics::sensitivity::{
    Bootstrap, SaltelliDesign, morris_design, morris_indices, saltelli_design, sobol_indices,
};
use narcodoor_scenario::{Scenario, resolved_json};

/// The analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Morris elementary effects: `samples` trajectories on a grid of `levels` levels.
    Morris { levels: usize },
    /// Sobol' first and total order indices: Saltelli's scheme with base size `samples`.
    Sobol,
}

impl Method {
    /// The method as the output files and the manifest name it.
    pub fn name(self) -> MethodName {
        match self {
            Method::Morris { .. } => MethodName::Morris,
            Method::Sobol => MethodName::Sobol,
        }
    }
}

/// What to analyse and how.
#[derive(Clone, Debug)]
pub struct SensitivitySpec {
    /// The scenario, with the command-line overrides applied.
    pub scenario: Scenario,
    /// Ranges only.
    pub factors: Vec<Factor>,
    pub method: Method,
    /// Trajectories (Morris) or base sample size (Sobol'; taken from the file when there is
    /// one).
    pub samples: usize,
    /// Sobol' only: a Saltelli design made elsewhere (SALib's layout), in parameter units,
    /// used instead of our own; `factors` are then `DesignFile::factors`.
    pub design_file: Option<crate::experiment::design_file::DesignFile>,
    /// Index into `METRICS`.
    pub outcome: usize,
    pub statistic: Statistic,
    /// Bootstrap resamples for the intervals.
    pub resamples: usize,
    pub out_dir: PathBuf,
    pub charts: bool,
    /// Threads, display, cancellation flag and the command line of the manifest.
    pub settings: Settings,
}

/// An analysis ready to run: its design built and every row checked.
#[derive(Debug)]
pub struct SensitivityPlan {
    spec: SensitivitySpec,
    /// Rows in the unit cube, in the order the estimators expect.
    unit: Vec<Vec<f64>>,
    /// The same rows in parameter units.
    scaled: Vec<Vec<f64>>,
    blocks: Vec<String>,
    params: Vec<Params>,
    /// Sobol' design kept for the estimator.
    saltelli: Option<narcodoor_numerics::sensitivity::SaltelliDesign>,
}

/// What a finished analysis reports back.
#[derive(Clone, Debug)]
pub struct SensitivityOutcome {
    pub out_dir: PathBuf,
    pub indices: Vec<IndexRow>,
    pub files: Vec<String>,
    pub warnings: Vec<String>,
    pub seconds: f64,
}

fn input(msg: String) -> anyhow::Error {
    InputError::new(msg).into()
}

/// Builds the design, applies every row, and refuses (exit code 2) factors that are not
/// ranges of parameters and ranges that make any row invalid.
pub fn plan(mut spec: SensitivitySpec) -> anyhow::Result<SensitivityPlan> {
    if let Some(file) = &spec.design_file {
        let rows = file.numeric_rows()?;
        let d = crate::experiment::design_file::saltelli_from_rows(&rows)
            .map_err(|m| input(format!("--design-file {}: {m}", file.file)))?;
        spec.samples = d.n;
        return plan_rows(spec, Some(d));
    }
    plan_rows(spec, None)
}

/// [`plan`] with the Sobol' design given (in parameter units) or built here.
fn plan_rows(spec: SensitivitySpec, given: Option<SaltelliDesign>) -> anyhow::Result<SensitivityPlan> {
    let base = &spec.scenario.params;
    let k = spec.factors.len();
    if k == 0 {
        return Err(input("a sensitivity analysis needs at least one --set path=lo:hi".into()));
    }
    if spec.samples == 0 {
        return Err(input("--samples must be at least 1".into()));
    }
    check_factors(base, &spec.factors)?;
    crate::limits::at_most("--bootstrap", spec.resamples, crate::limits::MAX_RESAMPLES)?;
    let per_sample = match spec.method {
        Method::Morris { .. } => k + 1,
        Method::Sobol => k + 2,
    };
    let rows = (spec.samples as u128).checked_mul(per_sample as u128);
    crate::limits::check_design_rows("--samples", rows, base, k)?;
    let seed = base.run.seed;
    let bad =
        |e: narcodoor_numerics::sensitivity::SensitivityError| input(format!("cannot build the design: {e}"));
    let (unit, blocks, saltelli) = match spec.method {
        Method::Morris { levels } => {
            let unit = morris_design(k, spec.samples, levels, seed).map_err(bad)?;
            let blocks = (0..unit.len()).map(|i| format!("trajectory {}", i / (k + 1))).collect();
            (unit, blocks, None)
        }
        Method::Sobol => {
            let d = match given.clone() {
                Some(d) => d,
                None => saltelli_design(k, spec.samples, seed).map_err(bad)?,
            };
            let unit: Vec<Vec<f64>> = d.rows().map(<[f64]>::to_vec).collect();
            let n = d.n;
            let blocks = (0..unit.len())
                .map(|i| match i / n {
                    0 => "A".to_string(),
                    1 => "B".to_string(),
                    j => format!("AB_{}", j - 2),
                })
                .collect();
            (unit, blocks, Some(d))
        }
    };
    // A given design is already in parameter units.
    let scaled = match given {
        Some(_) => unit.clone(),
        None => scale_to_ranges(&unit, &spec.factors)
            .map_err(|e| input(format!("cannot scale the design: {e}")))?,
    };
    let mut params = Vec::with_capacity(scaled.len());
    for (i, row) in scaled.iter().enumerate() {
        let point: Vec<PointValue> = row.iter().map(|&x| PointValue::Num(x)).collect();
        match apply_point(base, &spec.factors, &point).params {
            Ok(p) => params.push(p),
            Err(message) => {
                return Err(input(format!(
                    "design row {i} is not a valid scenario, so the ranges cannot be analysed as given (narrow them): {message}"
                )));
            }
        }
    }
    Ok(SensitivityPlan { spec, unit, scaled, blocks, params, saltelli })
}

impl SensitivityPlan {
    pub fn rows(&self) -> usize {
        self.unit.len()
    }

    /// Months the analysis will simulate (burn-in included), for a progress bar.
    pub fn months_total(&self) -> u64 {
        let r = &self.spec.scenario.params.run;
        self.params.len() as u64 * u64::from(r.replicates) * u64::from(r.burn_in_months + r.months)
    }

    /// Each design row's output (the mean over its replicates of the outcome) and its row
    /// of `design.csv`, from `values` held row by row.
    fn row_outputs(&self, values: &[f64]) -> (Vec<f64>, Vec<DesignRow>) {
        let reps = self.spec.scenario.params.run.replicates as usize;
        let mut outputs = Vec::with_capacity(self.rows());
        let mut design_rows = Vec::with_capacity(self.rows());
        for (i, row) in self.scaled.iter().enumerate() {
            let ys = &values[i * reps..(i + 1) * reps];
            let mean = ys.iter().sum::<f64>() / reps as f64;
            let sd = if reps < 2 {
                f64::NAN
            } else {
                (ys.iter().map(|y| (y - mean) * (y - mean)).sum::<f64>() / (reps - 1) as f64).sqrt()
            };
            outputs.push(mean);
            design_rows.push(DesignRow {
                block: self.blocks[i].clone(),
                values: row.clone(),
                output: mean,
                output_sd: sd,
            });
        }

        (outputs, design_rows)
    }

    /// The estimators' indices from the rows' outputs, with bootstrap intervals.
    fn indices(&self, outputs: &[f64]) -> anyhow::Result<Vec<IndexRow>> {
        let spec = &self.spec;
        let base = &spec.scenario.params;
        let boot = Bootstrap { resamples: spec.resamples, level: 0.95, seed: base.run.seed };
        let mut indices = Vec::new();
        let k = spec.factors.len();
        match spec.method {
            Method::Morris { .. } => {
                let est =
                    morris_indices(&self.unit, outputs, k, spec.samples, &boot).context("Morris indices")?;
                for (f, e) in spec.factors.iter().zip(est) {
                    let (lo, hi) = range(f);
                    let row = |index, estimate, ci_lo, ci_hi| IndexRow {
                        factor: f.path().to_string(),
                        lo,
                        hi,
                        index,
                        estimate,
                        ci_lo,
                        ci_hi,
                    };
                    indices.push(row(IndexKind::Mu, e.mu, f64::NAN, f64::NAN));
                    indices.push(row(IndexKind::MuStar, e.mu_star, e.mu_star_ci.0, e.mu_star_ci.1));
                    indices.push(row(IndexKind::Sigma, e.sigma, f64::NAN, f64::NAN));
                }
            }
            Method::Sobol => {
                let design = self.saltelli.as_ref().expect("a Sobol' plan has its design");
                let est = sobol_indices(design, outputs, &boot).context("Sobol' indices")?;
                for (f, e) in spec.factors.iter().zip(est) {
                    let (lo, hi) = range(f);
                    let factor = f.path().to_string();
                    indices.push(IndexRow {
                        factor: factor.clone(),
                        lo,
                        hi,
                        index: IndexKind::First,
                        estimate: e.first,
                        ci_lo: e.first_lo,
                        ci_hi: e.first_hi,
                    });
                    indices.push(IndexRow {
                        factor,
                        lo,
                        hi,
                        index: IndexKind::Total,
                        estimate: e.total,
                        ci_lo: e.total_lo,
                        ci_hi: e.total_hi,
                    });
                }
            }
        }

        Ok(indices)
    }

    /// Runs every row's replicates, estimates the indices and writes `indices.csv`,
    /// `design.csv`, the tornado chart and `manifest.json`.
    pub fn run(self) -> anyhow::Result<SensitivityOutcome> {
        let spec = &self.spec;
        let base = &spec.scenario.params;
        let replicates = base.run.replicates;
        let dir = &spec.out_dir;
        let experiment = Experiment {
            name: "sensitivity",
            out_dir: dir,
            scale: Scale::of(base),
            inputs: spec.scenario.files.clone(),
            paired: true,
        };
        let mut runner = Runner::start(experiment, spec.settings.clone())?;

        // Replicate by replicate, so that the rows of one replicate share their burn-in.
        let jobs: Vec<Job> = (0..replicates)
            .flat_map(|replicate| self.params.iter().map(move |params| Job { params, replicate }))
            .collect();
        let mut values = vec![f64::NAN; jobs.len()];
        let reps = replicates as usize;
        let rows = self.rows();
        let label = format!("sensitivity ({rows} design rows)");
        let job_name =
            |j: usize| format!("sensitivity: row {}/{rows}, replicate {}", j % rows + 1, j / rows + 1);
        let result = runner.run(&label, &jobs, &job_name, |j, res| {
            // `values` is row by row.
            values[(j % rows) * reps + j / rows] = Reduced::of(&res).value(spec.outcome, spec.statistic);
            Ok(())
        });
        if let Err(e) = result {
            return Err(runner.abandon(Vec::new(), e.context("the analysis stopped")));
        }

        let (outputs, design_rows) = self.row_outputs(&values);
        let indices = self.indices(&outputs)?;

        let method = spec.method.name();
        let outcome = METRICS[spec.outcome];
        let mut files = Vec::new();
        let path = dir.join("indices.csv");
        write_indices(&path, method, Metric(spec.outcome), spec.statistic, &indices)
            .with_context(|| format!("cannot write {}", path.display()))?;
        files.push("indices.csv".to_string());
        let names: Vec<String> = spec.factors.iter().map(|f| f.path().to_string()).collect();
        let path = dir.join("design.csv");
        write_design(&path, &names, replicates, &design_rows)
            .with_context(|| format!("cannot write {}", path.display()))?;
        files.push("design.csv".to_string());
        let mut warnings = Vec::new();
        if spec.charts {
            let label = format!("{outcome} ({})", spec.statistic.describe());
            match tornado_chart(&dir.join("tornado.png"), method, &label, &indices) {
                Ok(()) => files.push("tornado.png".to_string()),
                Err(e) => warnings.push(format!("tornado chart: {e}")),
            }
        }
        let details = serde_json::json!({
            "method": method,
            "levels": match spec.method { Method::Morris { levels } => Some(levels), Method::Sobol => None },
            "samples": spec.samples,
            "rows": self.rows(),
            "outcome": outcome,
            "statistic": spec.statistic.name(),
            "output_per_row": "mean over the replicates of the outcome statistic",
            "bootstrap": { "resamples": spec.resamples, "level": 0.95, "seed": base.run.seed },
            "factors": spec.factors.iter().map(|f| { let (lo, hi) = range(f); serde_json::json!({"path": f.path(), "lo": lo, "hi": hi}) }).collect::<Vec<_>>(),
            "scenario_file": spec.scenario.path.display().to_string(),
            "scenario": resolved_json(base),
        });
        let manifest = runner.finish(files, warnings.clone(), details_field(details))?;
        Ok(SensitivityOutcome {
            out_dir: dir.clone(),
            indices,
            files: manifest.outputs,
            warnings,
            seconds: manifest.run_seconds,
        })
    }
}

/// A factor's range (NaN for levels, which an analysis refuses).
fn range(f: &Factor) -> (f64, f64) {
    match f {
        Factor::Range { lo, hi, .. } => (*lo, *hi),
        Factor::Levels { .. } => (f64::NAN, f64::NAN),
    }
}

/// The end-of-analysis table: every factor's indices, most influential first.
pub fn summary_text(o: &SensitivityOutcome, method: MethodName) -> String {
    let key = method.key_index();
    let mut main: Vec<&IndexRow> = o.indices.iter().filter(|r| r.index == key).collect();
    main.sort_by(|a, b| b.estimate.abs().total_cmp(&a.estimate.abs()));
    let mut s = String::new();
    if method == MethodName::Morris {
        s.push_str("Morris screening (μ*: mean |elementary effect| across each factor's range, 95% bootstrap CI; σ: spread):\n");
    } else {
        s.push_str("Sobol' indices (first and total order, 95% bootstrap CI):\n");
    }
    for r in main {
        let others: Vec<String> = o
            .indices
            .iter()
            .filter(|x| x.factor == r.factor && x.index != key && x.index != IndexKind::Mu)
            .map(|x| format!("{} {:.4}", x.index, x.estimate))
            .collect();
        s.push_str(&format!(
            "  {:<40} {} {:>12.4} [{:.4}, {:.4}]  {}\n",
            r.factor,
            key,
            r.estimate,
            r.ci_lo,
            r.ci_hi,
            others.join("  ")
        ));
    }
    for w in &o.warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    s.push_str(&format!("Wrote {} files to {}\n", o.files.len(), o.out_dir.display()));
    s
}
