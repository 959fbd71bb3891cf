//! `narcodoor calibrate`: ABC-SMC ([`narcodoor_numerics::abc`]) of scenario parameters against observed
//! targets ([`crate::command::calibrate::targets`]).
//!
//! A particle is a parameter point; it is run on R replicates of its own random numbers
//! (the seed of its runs is a hash of the base seed and the point, so the result is the
//! same for any thread count and after a resume), each target's window mean is averaged
//! over the replicates, and its distance is [`distance`]. Independent draws make ABC
//! average over the model's noise, as the posterior requires; with `common_random_numbers`
//! every particle meets the same luck (replicates 0..R of the base seed), which ranks
//! points more sharply but conditions on one draw of the noise, so its intervals are a
//! screening device, not posterior intervals. Proposals are evaluated a batch at a time,
//! in parallel over particles and replicates; a particle the scenario rules refuse, or
//! whose run fails, has no distance and is never accepted. Integer parameters run
//! rounded; the posterior keeps the continuous values proposed.
//!
//! The search stops after `generations` generations, or earlier by [`Stopping`]: once the
//! tolerance reaches a floor, once the acceptance rate falls below a floor, or once the
//! tolerance stalls.
//!
//! Target rows that name a registry study ([`studies`]) are run for every particle too:
//! the study's two arms with the particle's parameters and its own random numbers.
//!
//! Each finished generation is a checkpoint: a killed calibration, run again with the same
//! command, resumes at the last finished generation with the same bytes.

pub mod targets;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::command::calibrate::targets::{Target, distance, window_means};
use crate::command::generations::{self, Batch, Prepared, Space, exact, exact_one, store::Store};
use crate::command::runner::{Experiment, Runner, Settings};
use crate::error::InputError;
use crate::output::manifest::Scale;
use narcodoor_model::params::Params;
use narcodoor_model::rng::key;
use narcodoor_numerics::abc::{self, Particle, Population, Prior};
use narcodoor_scenario::{Scenario, resolved_json};

pub mod check;
pub mod fit_chart;
pub mod output;
pub mod studies;

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
    /// Every particle on the same replicates (a screening device; see the module doc).
    pub common_random_numbers: bool,
    pub stopping: Stopping,
    /// Youths of the study targets' arms (`--study-youths`; see [`studies`]).
    pub study_youths: Option<u64>,
    /// The study targets made ready to run: filled by [`calibrate`] from the targets.
    pub studies: Vec<studies::StudyArms>,
}

/// When a calibration stops before its last generation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stopping {
    /// Stop once a generation's tolerance is at most this.
    pub min_tolerance: f64,
    /// Stop once a generation accepts fewer than this share of its proposals.
    pub min_acceptance: f64,
    /// Stop once the tolerance falls by less than this share from one generation to the next.
    pub min_tolerance_drop: f64,
}

impl Default for Stopping {
    fn default() -> Self {
        Stopping { min_tolerance: 0.0, min_acceptance: 0.02, min_tolerance_drop: 0.01 }
    }
}

impl Stopping {
    /// Why the search stops after the last of `gens`, if a rule says so (generation 0,
    /// a sample of the prior, never stops it).
    pub fn reason(&self, gens: &[StoredGeneration]) -> Option<&'static str> {
        let [.., prev, last] = gens else { return None };
        let acceptance = last.particles.len() as f64 / last.evaluated.max(1) as f64;
        if last.epsilon <= self.min_tolerance {
            Some("min_tolerance")
        } else if acceptance < self.min_acceptance {
            Some("min_acceptance")
        } else if prev.epsilon.is_finite() && last.epsilon > prev.epsilon * (1.0 - self.min_tolerance_drop) {
            Some("tolerance_stalled")
        } else {
            None
        }
    }
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
    /// The last generation's effective sample size.
    pub effective_sample_size: f64,
    /// The distance of the calibrated point (marginal medians) run on fresh seeds.
    pub median_distance: f64,
    /// Why the search stopped: "generations" or a [`Stopping`] rule.
    pub stopped: &'static str,
    pub warnings: Vec<String>,
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
        out.push_str(&format!(
            "  stopped by {}; effective sample size {:.1}; the calibrated point (marginal medians) run on fresh seeds: distance {:.4}\n",
            self.stopped, self.effective_sample_size, self.median_distance
        ));
        for w in &self.warnings {
            out.push_str(&format!("  warning: {w}\n"));
        }
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
    if spec.study_youths == Some(0) {
        return Err(InputError::new("--study-youths must be at least 1").into());
    }
    if spec.particles < 4 {
        return Err(InputError::new("--particles must be at least 4").into());
    }
    let st = &spec.stopping;
    for (flag, x) in [
        ("--min-tolerance", st.min_tolerance),
        ("--min-acceptance", st.min_acceptance),
        ("--min-tolerance-drop", st.min_tolerance_drop),
    ] {
        if !(x.is_finite() && x >= 0.0) || (flag != "--min-tolerance" && x >= 1.0) {
            return Err(InputError::new(format!("{flag} {x}: must be a share in [0, 1)")).into());
        }
    }
    Ok(())
}

/// Everything the checkpoint's bytes depend on.
fn stored_spec(spec: &CalibrateSpec) -> serde_json::Value {
    let p = &spec.scenario.params;
    let targets: Vec<String> = spec
        .targets
        .iter()
        .map(|t| match t.published_interval() {
            Some((lo, hi)) => format!("{},{:?},{lo:?},{hi:?}", t.metric_text(), t.value),
            None => {
                format!(
                    "{},{},{},{},{:?},{:?}",
                    t.metric, t.region_name, t.start, t.end, t.value, t.tolerance
                )
            }
        })
        .collect();
    let mut stored = serde_json::json!({
        "search": "calibrate",
        "format": 1,
        "narcodoor_version": env!("CARGO_PKG_VERSION"),
        "scenario_hash": crate::fingerprint::fnv1a(resolved_json(p).to_string().as_bytes()),
        "targets": targets,
        "params": spec.params.iter().map(|q| (q.0.clone(), format!("{:?}", q.1), format!("{:?}", q.2), q.3)).collect::<Vec<_>>(),
        "particles": spec.particles,
        "settings": format!("{:?}", spec.abc_settings()),
        "seed": p.run.seed,
        "common_random_numbers": spec.common_random_numbers,
        "stopping": format!("{:?}", spec.stopping),
        "replicates": p.run.replicates,
        "months": p.run.months,
        "burn_in_months": p.run.burn_in_months,
        "youths": p.total_youths(),
    });
    // Only with study rows, so that an older calibration's checkpoint stays resumable.
    if !spec.studies.is_empty() {
        let hash = |q: &Params| crate::fingerprint::fnv1a(resolved_json(q).to_string().as_bytes());
        let studies: Vec<serde_json::Value> = spec
            .studies
            .iter()
            .map(|s| serde_json::json!({"id": s.study.id, "youths": s.youths, "control_hash": hash(&s.control.base), "treated_hash": hash(&s.treated.base)}))
            .collect();
        stored["studies"] = serde_json::Value::Array(studies);
    }
    stored
}

/// Runs each point with its seed (replicates 0..R of it): per point, each replicate's
/// window means, or `None` for a point that failed.
pub fn run_points(
    spec: &CalibrateSpec,
    space: &Space,
    runner: &mut Runner,
    thetas: &[Vec<f64>],
    seeds: &[u64],
) -> anyhow::Result<Vec<Option<Vec<Vec<f64>>>>> {
    let prepared: Vec<Prepared> = thetas.iter().map(|t| space.prepare(t)).collect();
    let variants = prepared
        .iter()
        .zip(seeds)
        .map(|(c, &seed)| {
            let with_seed = |p: &Params| {
                let mut p = p.clone();
                p.run.seed = seed;
                vec![p]
            };
            c.params.as_ref().map(with_seed).unwrap_or_default()
        })
        .collect();
    let batch = Batch { candidates: &prepared, variants, replicates: spec.scenario.params.run.replicates };
    let measure =
        |_c: usize, _v: usize, r: &narcodoor_engine::ReplicateResult| window_means(&spec.targets, r);
    let outcomes = generations::evaluate(runner, "calibrate", &batch, &measure)?;
    let runs: Vec<_> = outcomes.into_iter().map(|o| o.ok().map(|mut runs| runs.swap_remove(0))).collect();
    if spec.studies.is_empty() {
        return Ok(runs);
    }
    let wanted: Vec<bool> = runs.iter().map(Option::is_some).collect();
    let effects = studies::effects(&spec.studies, runner, thetas, seeds, &wanted)?;
    Ok(studies::merge(&spec.studies, runs, effects))
}

/// Each target's mean over replicates (NaN for a failed point).
pub fn replicate_mean(reps: Option<&Vec<Vec<f64>>>, targets: usize) -> Vec<f64> {
    match reps {
        None => vec![f64::NAN; targets],
        Some(reps) => {
            (0..targets).map(|k| reps.iter().map(|m| m[k]).sum::<f64>() / reps.len() as f64).collect()
        }
    }
}

/// Evaluates a batch of points: each one's window means averaged over replicates (NaN for
/// a failed point).
fn simulate(
    spec: &CalibrateSpec,
    space: &Space,
    runner: &mut Runner,
    thetas: &[Vec<f64>],
) -> anyhow::Result<Vec<Vec<f64>>> {
    let seeds: Vec<u64> = thetas.iter().map(|t| particle_seed(spec, t)).collect();
    let runs = run_points(spec, space, runner, thetas, &seeds)?;
    Ok(runs.iter().map(|r| replicate_mean(r.as_ref(), spec.targets.len())).collect())
}

/// The seed of a particle's runs: the base seed with common random numbers; otherwise a
/// hash of the base seed and the point, so that it does not depend on where the point
/// falls in a batch or on the thread count.
pub fn particle_seed(spec: &CalibrateSpec, theta: &[f64]) -> u64 {
    search_seed(spec.scenario.params.run.seed, spec.common_random_numbers, theta)
}

/// [`particle_seed`] from the base seed and the design alone.
pub fn search_seed(seed: u64, common_random_numbers: bool, theta: &[f64]) -> u64 {
    if common_random_numbers {
        return seed;
    }
    let mut words = vec![seed, 0x7061_7274];
    words.extend(theta.iter().map(|x| x.to_bits()));
    key(&words)
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
    let spec = &CalibrateSpec { studies: studies::prepare(spec)?, ..spec.clone() };
    let store = Store::open(&spec.out_dir, spec.settings.force, &stored_spec(spec), &OUTPUTS)?;
    // With --force over an earlier directory, the calibration writes into its staging directory.
    let staged = CalibrateSpec { out_dir: store.dir.clone(), ..spec.clone() };
    store.finish(calibrate_in(&staged, &space, &store), |o| &mut o.out_dir)
}

fn calibrate_in(spec: &CalibrateSpec, space: &Space, store: &Store) -> anyhow::Result<CalibrateOutcome> {
    let mut inputs = spec.scenario.files.clone();
    inputs.push(spec.targets_file.clone());
    for s in &spec.studies {
        inputs.push(s.study.path.clone());
        for f in [&s.study.control, &s.study.treated]
            .into_iter()
            .flat_map(crate::command::evidence::extended_files)
        {
            if !inputs.contains(&f) {
                inputs.push(f);
            }
        }
    }
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
    while (gens.len() as u64) <= spec.generations && spec.stopping.reason(&gens).is_none() {
        let next = next_generation(spec, space, &mut runner, gens.last())
            .and_then(|g| store.save(g.generation, &g).map(|_| g));
        match next {
            Ok(g) => gens.push(g),
            Err(e) => return Err(runner.abandon(vec!["search.json".into(), "generations/".into()], e)),
        }
    }
    let Some(last) = gens.last() else {
        return Err(runner.abandon(vec![], anyhow::anyhow!("no generation")));
    };
    let medians: Vec<f64> = output::summary(spec, last).iter().map(|p| p.1).collect();
    match check::run(spec, space, &mut runner, last, &medians) {
        Ok(check) => output::write_all(spec, space, &gens, &check, resumed, runner),
        Err(e) => Err(runner.abandon(vec!["search.json".into(), "generations/".into()], e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(epsilon: f64, accepted: usize, evaluated: usize) -> StoredGeneration {
        let p = StoredParticle { theta: vec![0.0], weight: 1.0, distance: 0.0, simulated: vec![] };
        StoredGeneration {
            generation: 0,
            epsilon,
            evaluated,
            failed: 0,
            reached_tolerance: true,
            particles: vec![p; accepted],
        }
    }

    #[test]
    fn stopping_rules() {
        let s = Stopping { min_tolerance: 0.5, min_acceptance: 0.1, min_tolerance_drop: 0.05 };
        let prior = stored(f64::INFINITY, 10, 10);
        assert_eq!(s.reason(&[prior.clone()]), None, "the prior sample never stops the search");
        assert_eq!(s.reason(&[prior.clone(), stored(2.0, 10, 20)]), None);
        assert_eq!(s.reason(&[prior.clone(), stored(0.5, 10, 20)]), Some("min_tolerance"));
        assert_eq!(s.reason(&[prior.clone(), stored(2.0, 10, 200)]), Some("min_acceptance"));
        assert_eq!(s.reason(&[stored(2.0, 10, 20), stored(1.95, 10, 20)]), Some("tolerance_stalled"));
        assert_eq!(s.reason(&[stored(2.0, 10, 20), stored(1.8, 10, 20)]), None);
    }
}
