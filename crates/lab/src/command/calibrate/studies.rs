//! The study targets of `narcodoor calibrate`: rows of TARGETS.csv that name a study of the
//! evidence registry ([`crate::command::calibrate::targets`]), run for every particle so
//! that one calibration fits a country's series and the field studies together.
//!
//! A particle's effect of a study is measured as `narcodoor evidence` measures it, through
//! the evidence module itself: the study's control and treated scenarios sized and aligned
//! by `evidence::plan`, each replicate's pair of runs gathered by `evidence::StudyRuns`,
//! whose effect (by the study's own estimator: trial arms, an area design or the paired
//! comparison) has the row's simulated value as its mean. What differs:
//!
//! - the particle's parameter values are set in both arms, as in the calibrated scenario.
//!   Nothing else of the calibrated scenario is carried over: each arm stays the study's
//!   own mapped setting (extending baseline.toml). A parameter the particle sets must exist
//!   there, and must not be the study's lever (a key where its arms differ, which setting
//!   it in both would erase): either is an input error naming the key, before anything runs;
//! - the arms run the particle's replicate count on the particle's own random numbers:
//!   seed `key(particle seed, STUDY, target index)`, so independent across particles by
//!   default, common under `--common-random-numbers`, and never the noise of the series'
//!   runs or of another study;
//! - their size is `--study-youths` (default: the calibrated scenario's youths, at most the
//!   registry's own). The registry sizes its arms at 200,000 youths × 20 replicates so
//!   that one measurement has a tight interval; a particle needs only an unbiased draw of
//!   the effect, since ABC averages over the model's noise. This assumes the effect on the
//!   study's scale (a relative change, percentage points) does not depend on the
//!   population's size, only its noise does (the model's rates are per capita; levels are
//!   checked size-invariant in tests/integration/size_invariance.rs). Smaller arms make
//!   each particle's effect noisier, which widens the posterior rather than biasing it;
//!   arms so small that the control's outcome is 0 in the window leave a relative effect
//!   undefined, and such a particle fails (it is never accepted).
//!
//! The predictive check runs the same way on its fresh seeds: a study row's sample is one
//! draw's effect over its replicates (the same value in each replicate's row, so the
//! check's quantiles over replicates are quantiles over draws).

use anyhow::Context;

use crate::command::calibrate::CalibrateSpec;
use crate::command::evidence::{self, StudyRuns, registry::Study};
use crate::command::generations::Space;
use crate::command::runner::Runner;
use crate::error::InputError;
use narcodoor_engine::Job;
use narcodoor_model::params::Params;
use narcodoor_model::rng::key;
use narcodoor_scenario::{Overrides, get_value_toml};

/// Mixed into a study's seed.
const STUDY: u64 = 0x7374_7564;

/// A study target made ready to run: the study with its arms sized and aligned, and each
/// arm as the base of the calibration's parameter space.
#[derive(Clone, Debug)]
pub struct StudyArms {
    /// The row's index in the calibration's targets.
    pub target: usize,
    pub study: Study,
    pub control: Space,
    pub treated: Space,
    /// The arms' total youths.
    pub youths: u64,
}

/// Sizes and checks every study row of `spec` against the calibrated parameters.
pub fn prepare(spec: &CalibrateSpec) -> anyhow::Result<Vec<StudyArms>> {
    let ranges: Vec<(String, f64, f64)> = spec.params.iter().map(|q| (q.0.clone(), q.1, q.2)).collect();
    let file = spec.targets_file.display();
    let mut out = Vec::new();
    for (target, t) in spec.targets.iter().enumerate() {
        let Some(study) = &t.study else { continue };
        let at = format!("{file}:{}: study {}", t.line, study.id);
        let own = study.control.params.total_youths();
        let youths = spec.study_youths.unwrap_or_else(|| spec.scenario.params.total_youths().min(own));
        let sizes = Overrides {
            youths: Some(youths),
            months: None,
            replicates: Some(spec.scenario.params.run.replicates),
            seed: None,
        };
        let planned = evidence::plan(vec![(**study).clone()], &sizes).with_context(|| at.clone())?.remove(0);
        let [control, treated] = [0, 1].map(|k| planned.aligned.arms[k].scenario.params.clone());
        for (path, ..) in &ranges {
            let (c, d) = (get_value_toml(&control, path), get_value_toml(&treated, path));
            if c != d {
                let show = |v: Option<String>| v.unwrap_or_else(|| "unset".to_string());
                return Err(InputError::new(format!(
                    "--param {path}: {at}: it is the study's lever (control {}, treated {}); setting it in both arms would erase the effect measured",
                    show(c),
                    show(d)
                ))
                .into());
            }
        }
        let space = |params: Params, arm: &str| {
            Space::new(params, &ranges, "--param").with_context(|| format!("{at}, its {arm} scenario"))
        };
        let (control, treated) = (space(control, "control")?, space(treated, "treated")?);
        out.push(StudyArms { target, study: planned.study, control, treated, youths });
    }
    Ok(out)
}

/// The seed of a study's arms for a particle that runs on `seed`.
pub fn study_seed(seed: u64, target: usize) -> u64 {
    key(&[seed, STUDY, target as u64])
}

/// Both arms of a study with a point's values and seed, or why the scenario rules refuse them.
fn arms_for(s: &StudyArms, theta: &[f64], seed: u64) -> Result<[Params; 2], String> {
    let mut arms = [s.control.prepare(theta).params?, s.treated.prepare(theta).params?];
    for a in &mut arms {
        a.run.seed = study_seed(seed, s.target);
    }
    Ok(arms)
}

/// Runs every study for every point `wanted` (the others, and points whose arms the rules
/// refuse, are `None`): per point, each study's effect in the order of `studies` (NaN where
/// it is undefined). Jobs go point by point, study by study, replicate by replicate,
/// control then treated, so the two arms of a replicate run side by side and share their
/// burn-in, as in `evidence`.
pub fn effects(
    studies: &[StudyArms],
    runner: &mut Runner,
    thetas: &[Vec<f64>],
    seeds: &[u64],
    wanted: &[bool],
) -> anyhow::Result<Vec<Option<Vec<f64>>>> {
    let mut units: Vec<(usize, usize, [Params; 2])> = Vec::new();
    let mut out: Vec<Option<Vec<f64>>> = Vec::with_capacity(thetas.len());
    for (i, theta) in thetas.iter().enumerate() {
        let arms: Option<Vec<[Params; 2]>> = wanted[i]
            .then(|| studies.iter().map(|s| arms_for(s, theta, seeds[i])).collect::<Result<_, _>>().ok())
            .flatten();
        out.push(arms.as_ref().map(|_| vec![f64::NAN; studies.len()]));
        units.extend(arms.into_iter().flatten().enumerate().map(|(k, a)| (i, k, a)));
    }
    let reps = studies.first().map_or(0, |s| s.control.base.run.replicates);
    let mut jobs = Vec::new();
    let mut owner = Vec::new();
    for (u, (_, _, arms)) in units.iter().enumerate() {
        for replicate in 0..reps {
            for params in arms {
                jobs.push(Job { params, replicate });
                owner.push(u);
            }
        }
    }
    let name = |j: usize| {
        let (i, k, _) = &units[owner[j]];
        format!("calibrate: study {} of candidate {}", studies[*k].study.id, i + 1)
    };
    let mut runs: Vec<StudyRuns> = vec![StudyRuns::default(); units.len()];
    let mut pending = None;
    runner.run("calibrate: studies", &jobs, &name, |j, res| {
        // Jobs arrive in order, so a treated run (odd) pairs with the control just before it.
        match (j % 2, pending.take()) {
            (0, _) => pending = Some(res),
            (_, Some(control)) => {
                let u = owner[j];
                runs[u].add(&studies[units[u].1].study.outcome, &control, &res);
            }
            (_, None) => anyhow::bail!("study run {j} arrived without its control"),
        }
        Ok(())
    })?;
    for ((i, k, _), r) in units.iter().zip(&runs) {
        let effect = r.effect(&studies[*k].study).map_or(f64::NAN, |m| m.mean);
        if let Some(v) = &mut out[*i] {
            v[*k] = effect;
        }
    }
    Ok(out)
}

/// Writes each point's study effects into every replicate's row of its targets (a point
/// without its effects fails as a whole).
pub fn merge(
    studies: &[StudyArms],
    runs: Vec<Option<Vec<Vec<f64>>>>,
    effects: Vec<Option<Vec<f64>>>,
) -> Vec<Option<Vec<Vec<f64>>>> {
    runs.into_iter()
        .zip(effects)
        .map(|(run, effect)| {
            let (mut reps, effect) = (run?, effect?);
            for rep in &mut reps {
                for (s, &e) in studies.iter().zip(&effect) {
                    rep[s.target] = e;
                }
            }
            Some(reps)
        })
        .collect()
}
