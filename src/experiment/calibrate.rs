//! `narcodoor calibrate`: ABC-SMC ([`super::abc`]) of scenario parameters against observed
//! targets ([`super::calibrate_targets`]).
//!
//! A particle is a parameter point; it is run on replicates 0..R (common random numbers:
//! every particle meets the same luck), each target's window mean is averaged over the
//! replicates, and its distance is the root mean square of the targets' relative errors in
//! units of their tolerances. Proposals are evaluated a batch at a time, in parallel over
//! particles and replicates; a particle the scenario rules refuse, or whose run fails, has
//! no distance and is never accepted. Integer parameters run rounded; the posterior keeps
//! the continuous values proposed.
//!
//! Each finished generation is a checkpoint: a killed calibration, run again with the same
//! command, resumes at the last finished generation with the same bytes.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::abc::{self, Particle, Population, Prior};
use super::calibrate_targets::{Target, distance, window_means};
use super::generations::{self, Batch, Prepared, Space, exact, exact_one, store::Store};
use crate::error::InputError;
use crate::experiment::runner::{Experiment, Runner, Settings};
use crate::output::manifest::Scale;
use crate::scenario::{Scenario, resolved_json};

#[path = "calibrate_output.rs"]
pub mod output;

/// The files a calibration writes at its end (removed when it starts or resumes).
pub const OUTPUTS: [&str; 4] = ["posterior.csv", "calibrated.toml", "fit.csv", "manifest.json"];

/// What the command line asks for.
#[derive(Clone, Debug)]
pub struct CalibrateSpec {
    pub scenario: Scenario,
    pub targets_file: PathBuf,
    pub targets: Vec<Target>,
    /// (path, lo, hi, log-uniform)
    pub params: Vec<(String, f64, f64, bool)>,
    pub particles: usize,
    pub generations: u64,
    pub settings: Settings,
    pub out_dir: PathBuf,
    pub charts: bool,
}

impl CalibrateSpec {
    pub fn priors(&self) -> Vec<Prior> {
        self.params
            .iter()
            .map(
                |&(_, lo, hi, log)| {
                    if log { Prior::LogUniform { lo, hi } } else { Prior::Uniform { lo, hi } }
                },
            )
            .collect()
    }

    pub fn abc_settings(&self) -> abc::Settings {
        abc::Settings { particles: self.particles, quantile: 0.5, max_batches: 10 }
    }
}

/// A stored particle: its point, weight, distance and simulated window means.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredParticle {
    #[serde(with = "exact")]
    pub theta: Vec<f64>,
    #[serde(with = "exact_one")]
    pub weight: f64,
    #[serde(with = "exact_one")]
    pub distance: f64,
    /// Each target's window mean, averaged over replicates.
    #[serde(with = "exact")]
    pub simulated: Vec<f64>,
}

/// A finished generation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredGeneration {
    pub generation: u64,
    #[serde(with = "exact_one")]
    pub epsilon: f64,
    pub evaluated: usize,
    pub failed: usize,
    pub reached_tolerance: bool,
    pub particles: Vec<StoredParticle>,
}

impl StoredGeneration {
    pub fn population(&self) -> Population {
        Population {
            generation: self.generation,
            epsilon: self.epsilon,
            evaluated: self.evaluated,
            reached_tolerance: self.reached_tolerance,
            particles: self
                .particles
                .iter()
                .map(|p| Particle { theta: p.theta.clone(), weight: p.weight, distance: p.distance })
                .collect(),
        }
    }
}

/// What a calibration reports back.
#[derive(Clone, Debug)]
pub struct CalibrateOutcome {
    pub out_dir: PathBuf,
    pub generations: usize,
    pub evaluated: usize,
    pub failed: usize,
    pub epsilon: f64,
    /// Per parameter: (path, median, 90% interval lo, hi).
    pub posterior: Vec<(String, f64, f64, f64)>,
    pub resumed_generations: usize,
    pub seconds: f64,
}

impl CalibrateOutcome {
    /// What the command line prints at the end of a calibration: the run, then each
    /// parameter's posterior median and 90% interval.
    pub fn summary_text(&self) -> String {
        let mut out = format!(
            "calibrate: {} generations, {} particles evaluated ({} failed), final tolerance {:.4}; {:.1} s; outputs in {}\n",
            self.generations,
            self.evaluated,
            self.failed,
            self.epsilon,
            self.seconds,
            self.out_dir.display()
        );
        for (path, med, lo, hi) in &self.posterior {
            out.push_str(&format!("  {path}: median {med:.6} (90% interval {lo:.6} to {hi:.6})\n"));
        }
        out
    }
}

fn check_spec(spec: &CalibrateSpec) -> anyhow::Result<()> {
    if spec.params.is_empty() {
        return Err(InputError::new("calibrate needs at least one --param PATH=LO:HI").into());
    }
    if spec.particles < 4 {
        return Err(InputError::new("--particles must be at least 4").into());
    }
    Ok(())
}

/// Everything the checkpoint's bytes depend on.
fn stored_spec(spec: &CalibrateSpec) -> serde_json::Value {
    let p = &spec.scenario.params;
    let targets: Vec<String> = spec
        .targets
        .iter()
        .map(|t| {
            format!("{},{},{},{},{:?},{:?}", t.metric, t.region_name, t.start, t.end, t.value, t.tolerance)
        })
        .collect();
    serde_json::json!({
        "search": "calibrate",
        "format": 1,
        "narcodoor_version": env!("CARGO_PKG_VERSION"),
        "scenario_hash": crate::output::manifest::fnv1a(resolved_json(p).to_string().as_bytes()),
        "targets": targets,
        "params": spec.params.iter().map(|q| (q.0.clone(), format!("{:?}", q.1), format!("{:?}", q.2), q.3)).collect::<Vec<_>>(),
        "particles": spec.particles,
        "settings": format!("{:?}", spec.abc_settings()),
        "seed": p.run.seed,
        "replicates": p.run.replicates,
        "months": p.run.months,
        "burn_in_months": p.run.burn_in_months,
        "youths": p.total_youths(),
    })
}

/// Evaluates a batch of points: each one's window means averaged over replicates (NaN for
/// a failed point).
fn simulate(
    spec: &CalibrateSpec,
    space: &Space,
    runner: &mut Runner,
    thetas: &[Vec<f64>],
) -> anyhow::Result<Vec<Vec<f64>>> {
    let prepared: Vec<Prepared> = thetas.iter().map(|t| space.prepare(t)).collect();
    let variants =
        prepared.iter().map(|c| c.params.as_ref().map(|p| vec![p.clone()]).unwrap_or_default()).collect();
    let batch = Batch { candidates: &prepared, variants, replicates: spec.scenario.params.run.replicates };
    let measure = |_c: usize, _v: usize, r: &crate::engine::ReplicateResult| window_means(&spec.targets, r);
    let outcomes = generations::evaluate(runner, "calibrate", &batch, &measure)?;
    let n = spec.targets.len();
    Ok(outcomes
        .into_iter()
        .map(|o| match o {
            Err(_) => vec![f64::NAN; n],
            Ok(runs) => {
                let reps = &runs[0];
                (0..n).map(|k| reps.iter().map(|m| m[k]).sum::<f64>() / reps.len() as f64).collect()
            }
        })
        .collect())
}

/// One ABC-SMC generation, with the simulated window means of its particles.
fn next_generation(
    spec: &CalibrateSpec,
    space: &Space,
    runner: &mut Runner,
    prev: Option<&StoredGeneration>,
) -> anyhow::Result<StoredGeneration> {
    let priors = spec.priors();
    let prev_pop = prev.map(StoredGeneration::population);
    let mut seen: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
    let mut failure: Option<anyhow::Error> = None;
    let pop = abc::generation(
        prev_pop.as_ref(),
        &priors,
        &spec.abc_settings(),
        spec.scenario.params.run.seed,
        |thetas| {
            if failure.is_some() {
                return vec![f64::NAN; thetas.len()];
            }
            match simulate(spec, space, runner, thetas) {
                Ok(sims) => {
                    let d = sims.iter().map(|s| distance(&spec.targets, s)).collect();
                    seen.extend(thetas.iter().cloned().zip(sims));
                    d
                }
                Err(e) => {
                    failure = Some(e);
                    vec![f64::NAN; thetas.len()]
                }
            }
        },
    );
    if let Some(e) = failure {
        return Err(e);
    }
    if pop.particles.is_empty() {
        return Err(anyhow::anyhow!(
            "generation {}: every proposal failed to run; see the parameter ranges",
            pop.generation
        ));
    }
    let failed = seen.iter().filter(|(_, s)| s.iter().any(|x| !x.is_finite())).count();
    let particles = pop
        .particles
        .iter()
        .map(|p| {
            let simulated =
                seen.iter().find(|(t, _)| *t == p.theta).map(|(_, s)| s.clone()).unwrap_or_default();
            StoredParticle { theta: p.theta.clone(), weight: p.weight, distance: p.distance, simulated }
        })
        .collect();
    Ok(StoredGeneration {
        generation: pop.generation,
        epsilon: pop.epsilon,
        evaluated: pop.evaluated,
        failed,
        reached_tolerance: pop.reached_tolerance,
        particles,
    })
}

/// Runs (or resumes) the calibration and writes its outputs.
pub fn calibrate(spec: &CalibrateSpec) -> anyhow::Result<CalibrateOutcome> {
    check_spec(spec)?;
    let ranges: Vec<(String, f64, f64)> = spec.params.iter().map(|q| (q.0.clone(), q.1, q.2)).collect();
    let space = Space::new(spec.scenario.params.clone(), &ranges, "--param")?;
    let store = Store::open(&spec.out_dir, spec.settings.force, &stored_spec(spec), &OUTPUTS)?;
    // With --force over an earlier directory, the calibration writes into its staging directory.
    let staged = CalibrateSpec { out_dir: store.dir.clone(), ..spec.clone() };
    store.finish(calibrate_in(&staged, &space, &store), |o| &mut o.out_dir)
}

fn calibrate_in(spec: &CalibrateSpec, space: &Space, store: &Store) -> anyhow::Result<CalibrateOutcome> {
    let mut inputs = spec.scenario.files.clone();
    inputs.push(spec.targets_file.clone());
    let experiment = Experiment {
        name: "calibrate",
        out_dir: &spec.out_dir,
        scale: Scale::of(&spec.scenario.params),
        inputs,
        paired: true,
    };
    let mut runner = Runner::start(experiment, spec.settings.clone())?;
    let mut gens: Vec<StoredGeneration> = match store.load() {
        Ok(g) => g,
        Err(e) => return Err(runner.abandon(vec![], e)),
    };
    let resumed = gens.len();
    while (gens.len() as u64) <= spec.generations {
        let next = next_generation(spec, space, &mut runner, gens.last())
            .and_then(|g| store.save(g.generation, &g).map(|_| g));
        match next {
            Ok(g) => gens.push(g),
            Err(e) => return Err(runner.abandon(vec!["search.json".into(), "generations/".into()], e)),
        }
    }
    output::write_all(spec, space, &gens, resumed, runner)
}
