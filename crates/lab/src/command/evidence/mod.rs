//! `narcodoor evidence`: the field studies of the registry (`evidence/<id>.toml`) as
//! measurements the model must face.
//!
//! Each study runs two scenarios, control and treated, aligned and run on common random
//! numbers as `compare` runs them (the same `align`, the one experiment runner). The
//! study's estimator makes the model's effect: `paired` (the default), the per-replicate
//! difference between the scenarios, which measures the lever with little noise; or an
//! area design (`area_spec`, `area_run`: a difference in differences or an event study
//! on the treated scenario's regional series alone, as a field study measured it), with
//! the paired comparison kept beside it as the model's counterfactual. The outcome is
//! reduced over the study's window and regions on the study's scale, averaged over
//! replicates with a Student t interval, and set beside the published interval: a verdict
//! (inside / overlapping / outside) and whether the signs agree. It is a measurement:
//! whatever the verdicts, the command succeeds.

pub mod files;

pub mod area_run;
pub mod area_spec;
pub mod arms;
pub mod posterior_run;
pub mod registry;

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::command::compare::{self, Aligned};
use crate::command::evidence::files::EvidenceRow;
use crate::command::runner::{Experiment, Runner, Settings, details_field};
use crate::experiment::outcomes::is_flow;
use crate::experiment::trial::TrialSeries;
use crate::output::manifest::Scale;
use area_spec::Estimator;
use narcodoor_engine::{Job, ReplicateResult};
use narcodoor_numerics::stats::{MeanCi, mean_ci, paired};
use narcodoor_scenario::Overrides;
use registry::{EffectScale, Outcome, Study};

/// The level of the model's intervals across replicates.
pub const LEVEL: f64 = 0.95;

/// Where a model's effect sits against the published interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The model's mean effect lies inside the published interval.
    Inside,
    /// The mean lies outside, but the two intervals overlap.
    Overlapping,
    /// The intervals are disjoint.
    Outside,
}

impl Verdict {
    pub fn of(model: &MeanCi, lo: f64, hi: f64) -> Verdict {
        if model.mean >= lo && model.mean <= hi {
            Verdict::Inside
        } else if model.hi >= lo && model.lo <= hi {
            Verdict::Overlapping
        } else {
            Verdict::Outside
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Verdict::Inside => "inside",
            Verdict::Overlapping => "overlapping",
            Verdict::Outside => "outside",
        }
    }
}

/// Whether the model's effect has the published sign. A published null (an effect of
/// zero) agrees when the model's interval holds zero too; otherwise the model's mean must
/// be non-zero with the published effect's sign (a band that reaches zero does not make an
/// estimate a null).
pub fn sign_agrees(model: &MeanCi, effect: f64) -> bool {
    if effect == 0.0 {
        model.lo <= 0.0 && model.hi >= 0.0
    } else {
        model.mean != 0.0 && model.mean.signum() == effect.signum()
    }
}

/// A study with its two scenarios aligned for pairing.
pub struct Planned {
    pub study: Study,
    pub aligned: Aligned,
}

/// Applies the command line's sizes to both scenarios of every study and aligns each
/// treated scenario on its control (seed, replicates, months, burn-in), as `compare` does.
pub fn plan(studies: Vec<Study>, overrides: &Overrides) -> anyhow::Result<Vec<Planned>> {
    let mut out = Vec::with_capacity(studies.len());
    for mut study in studies {
        for s in [&mut study.control, &mut study.treated] {
            s.apply(overrides).with_context(|| format!("study {}", study.id))?;
        }
        check_months(&study)?;
        let aligned = compare::align(vec![study.control.clone(), study.treated.clone()])
            .with_context(|| format!("study {}", study.id))?;
        out.push(Planned { study, aligned });
    }
    Ok(out)
}

/// An area design needs every month of its windows in the run, which `--months` may
/// have shortened after the registry was checked.
fn check_months(study: &Study) -> anyhow::Result<()> {
    let o = &study.outcome;
    let last = match &o.area {
        None => return Ok(()),
        Some(area_spec::AreaDesign::EventStudy { design, .. }) => o.last.max(design.month_at(design.last)),
        Some(area_spec::AreaDesign::DifferenceInDifferences { .. }) => o.last,
    };
    let months = study.control.params.run.months;
    if months <= last {
        return Err(crate::error::InputError::new(format!(
            "study {} ({}) needs month {last} but runs {months} months (--months)",
            study.id,
            study.path.display()
        ))
        .into());
    }
    Ok(())
}

/// How to run the registry.
pub struct EvidenceOptions {
    pub out_dir: PathBuf,
    pub charts: bool,
    pub settings: Settings,
    /// Under `--posterior`: each study's draws, in plan order (empty otherwise).
    pub posterior: Vec<posterior_run::StudyDraws>,
}

/// What a finished measurement reports back.
pub struct EvidenceOutcome {
    pub rows: Vec<EvidenceRow>,
    pub inside: usize,
    pub seconds: f64,
}

/// The jobs: study by study, replicate by replicate, control then treated, so that the
/// two arms of a replicate run side by side (and share their burn-in).
/// Under a posterior, replicate r of both arms runs the study's draw r mod K.
fn jobs<'a>(plans: &'a [Planned], posterior: &'a [posterior_run::StudyDraws]) -> Vec<Job<'a>> {
    let mut jobs = Vec::new();
    for (i, p) in plans.iter().enumerate() {
        let reps = p.aligned.arms[0].scenario.params.run.replicates;
        for replicate in 0..reps {
            for (a, arm) in p.aligned.arms.iter().enumerate() {
                let params = match posterior.get(i) {
                    Some(d) => d.params(a, replicate),
                    None => &arm.scenario.params,
                };
                jobs.push(Job { params, replicate });
            }
        }
    }
    jobs
}

/// An outcome's metric in one month: national, or summed over the outcome's regions.
fn month_value(res: &ReplicateResult, k: usize, o: &Outcome, metric: usize) -> f64 {
    let m = &res.months[k].metrics;
    if o.regions.is_empty() {
        m.national[metric]
    } else {
        o.regions.iter().map(|&r| m.regions[r][metric]).sum()
    }
}

/// A metric over the outcome's window: the total of a flow, the mean of a stock or rate.
pub fn window_value(res: &ReplicateResult, o: &Outcome, metric: usize) -> f64 {
    let ks: Vec<usize> =
        (0..res.months.len()).filter(|&k| (o.first..=o.last).contains(&res.months[k].month)).collect();
    let total: f64 = ks.iter().map(|&k| month_value(res, k, o, metric)).sum();
    if is_flow(metric) { total } else { total / ks.len().max(1) as f64 }
}

/// One replicate of a study reduced to what its effect needs: the outcome over the
/// window in the control and the treated scenario, and the control's denominator (the
/// `per` stocks) for percentage points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    pub control: f64,
    pub treated: f64,
    pub per: f64,
}

impl Pair {
    pub fn of(o: &Outcome, control: &ReplicateResult, treated: &ReplicateResult) -> Pair {
        Pair {
            control: window_value(control, o, o.metric),
            treated: window_value(treated, o, o.metric),
            per: o.per.iter().map(|&m| window_value(control, o, m)).sum(),
        }
    }
}

/// The model's effect on the outcome's scale with its interval across replicates.
///
/// A relative change is the paired mean difference over the control's mean, its interval
/// the paired t interval of the difference over the same mean (the control mean taken as
/// known): a ratio per replicate would be unstable where a region's counts are small. A
/// percentage-point change is the per-replicate difference over that replicate's youths.
pub fn model_effect(scale: EffectScale, pairs: &[Pair]) -> anyhow::Result<MeanCi> {
    if scale == EffectScale::PercentagePoints {
        let xs: Vec<f64> = pairs.iter().map(|p| 100.0 * (p.treated - p.control) / p.per).collect();
        return Ok(mean_ci(&xs, LEVEL));
    }
    let c: Vec<f64> = pairs.iter().map(|p| p.control).collect();
    let t: Vec<f64> = pairs.iter().map(|p| p.treated).collect();
    let e = paired(&c, &t, LEVEL).context("paired comparison of the study's arms")?;
    let k = if scale == EffectScale::Relative { 100.0 / e.mean_a } else { 1.0 };
    Ok(MeanCi { n: e.n, mean: k * e.diff, sd: f64::NAN, se: f64::NAN, lo: k * e.lo, hi: k * e.hi })
}

/// What a study's replicates leave for its effect, as they arrive: the paired values of
/// each replicate (the counterfactual, and the effect of a `paired` study), an area
/// design's measurements of the treated run, and the treated run's trial arms. One
/// accumulator for every caller that runs a study (`evidence`, and `calibrate`'s study
/// targets with a particle's parameters), so that all measure a study alike.
#[derive(Clone, Debug, Default)]
pub struct StudyRuns {
    pairs: Vec<Pair>,
    areas: Vec<area_run::AreaReplicate>,
    trial: TrialSeries,
}

impl StudyRuns {
    /// Adds one replicate's control and treated runs.
    pub fn add(&mut self, o: &Outcome, control: &ReplicateResult, treated: &ReplicateResult) {
        self.pairs.push(Pair::of(o, control, treated));
        self.areas.extend(area_run::measure(o, treated));
        self.trial.add(treated);
    }

    /// Each replicate's paired effect on `scale`, in replicate order: the difference, the
    /// difference in percentage points of that replicate's youths, or the difference as a
    /// percentage of the control's mean over the replicates (as [`model_effect`] makes it).
    pub fn paired_values(&self, scale: EffectScale) -> Vec<f64> {
        let control = self.pairs.iter().map(|p| p.control).sum::<f64>() / self.pairs.len().max(1) as f64;
        let of = |p: &Pair| match scale {
            EffectScale::PercentagePoints => 100.0 * (p.treated - p.control) / p.per,
            EffectScale::Relative => 100.0 * (p.treated - p.control) / control,
            EffectScale::Difference => p.treated - p.control,
        };
        self.pairs.iter().map(of).collect()
    }

    /// The paired comparison of the two scenarios (the model's counterfactual).
    pub fn counterfactual(&self, study: &Study) -> anyhow::Result<MeanCi> {
        model_effect(study.outcome.scale, &self.pairs)
    }

    /// The model's effect by the study's estimator: trial arms, an area design, or the
    /// paired comparison.
    pub fn effect(&self, study: &Study) -> anyhow::Result<MeanCi> {
        let o = &study.outcome;
        if o.estimator == Estimator::Arms {
            arms::arms_effect(&self.trial, o.metric, o.scale, (o.first, o.last))
                .with_context(|| format!("study {}", study.id))
        } else if o.area.is_some() {
            Ok(area_run::effect(&self.areas))
        } else {
            self.counterfactual(study)
        }
    }
}

/// The row of `evidence.csv` for a study from its replicates: the paired comparison is
/// the counterfactual, and the model's effect by the study's estimator.
fn row(study: &Study, runs: &StudyRuns) -> anyhow::Result<EvidenceRow> {
    let counterfactual = runs.counterfactual(study)?;
    let model = runs.effect(study)?;
    let p = &study.published;
    let o = &study.outcome;
    Ok(EvidenceRow {
        study: study.id.clone(),
        lever: study.lever.clone(),
        design: study.design.name().into(),
        outcome: o.description.clone(),
        window: format!("{}-{}", o.first, o.last),
        scale: o.scale.name().into(),
        published_effect: p.effect,
        published_lo: p.lo,
        published_hi: p.hi,
        model_effect: model.mean,
        model_lo: model.lo,
        model_hi: model.hi,
        verdict: Verdict::of(&model, p.lo, p.hi).name().into(),
        sign_agreement: if sign_agrees(&model, p.effect) { "yes" } else { "no" }.into(),
        estimator: o.estimator.name().into(),
        counterfactual_effect: counterfactual.mean,
        counterfactual_lo: counterfactual.lo,
        counterfactual_hi: counterfactual.hi,
        posterior: None,
    })
}

/// Runs every planned study and writes `evidence.csv`, `report.md`, `charts/forest.png`
/// and the manifest into `opts.out_dir`.
pub fn run_evidence(plans: &[Planned], opts: &EvidenceOptions) -> anyhow::Result<EvidenceOutcome> {
    let first = &plans.first().context("no study to run")?.aligned.arms[0].scenario.params;
    let inputs = plans
        .iter()
        .flat_map(|p| {
            std::iter::once(p.study.path.clone())
                .chain(p.aligned.arms.iter().flat_map(|a| extended_files(&a.scenario)))
        })
        .collect();
    let experiment = Experiment {
        name: "evidence",
        out_dir: &opts.out_dir,
        scale: Scale::of(first),
        inputs,
        paired: true,
    };
    let mut runner = Runner::start(experiment, opts.settings.clone())?;
    let jobs = jobs(plans, &opts.posterior);
    let owner = job_owners(plans);
    let name = |j: usize| format!("{} ({}/{})", plans[owner[j]].study.id, owner[j] + 1, plans.len());
    let mut runs: Vec<StudyRuns> = vec![StudyRuns::default(); plans.len()];
    // Under a posterior, each study's replicates also gathered draw by draw.
    let mut by_draw: Vec<Vec<StudyRuns>> =
        opts.posterior.iter().map(|d| vec![StudyRuns::default(); d.draws.count()]).collect();
    let mut pending: Option<ReplicateResult> = None;
    let result = runner.run(&format!("evidence ({} studies)", plans.len()), &jobs, &name, |j, res| {
        // Jobs come in order, control before treated, so a treated result pairs with the
        // control just before it.
        match pending.take() {
            None => pending = Some(res),
            Some(control) => {
                let (i, o) = (owner[j], &plans[owner[j]].study.outcome);
                if let Some(draws) = by_draw.get_mut(i) {
                    let d = opts.posterior[i].draws.of(res.replicate);
                    draws[d].add(o, &control, &res);
                }
                runs[i].add(o, &control, &res);
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        return Err(runner.abandon(Vec::new(), e.context("the measurement stopped")));
    }
    let mut rows = Vec::with_capacity(plans.len());
    let (mut event_rows, mut area_warnings) = (Vec::new(), Vec::new());
    for (i, (p, r)) in plans.iter().zip(&runs).enumerate() {
        let mut row = row(&p.study, r)?;
        if let Some(draws) = by_draw.get(i) {
            row.posterior = Some(posterior_run::effect(p, draws, r)?);
        }
        rows.push(row);
        event_rows.extend(area_run::event_time_rows(&p.study, &r.areas));
        area_warnings.extend(area_run::warnings(&p.study, &r.areas));
        let o = &p.study.outcome;
        if o.estimator == Estimator::Arms {
            area_warnings.extend(arms::note(&p.study.id, &r.trial, o.metric, (o.first, o.last)));
        }
    }
    let studies: Vec<&Study> = plans.iter().map(|p| &p.study).collect();
    let (files, mut warnings) =
        files::write_all(&opts.out_dir, &studies, &rows, &event_rows, &area_warnings, opts.charts)?;
    warnings.extend(area_warnings);
    let inside = rows.iter().filter(|r| r.verdict == Verdict::Inside.name()).count();
    let seconds = runner.seconds();
    let mut details = serde_json::json!({ "studies": rows.len(), "inside": inside, "level": LEVEL });
    if !opts.posterior.is_empty() {
        let per_study: serde_json::Map<String, serde_json::Value> = plans
            .iter()
            .zip(&opts.posterior)
            .map(|(p, d)| (p.study.id.clone(), d.draws.manifest()))
            .collect();
        details["posterior"] = per_study.into();
    }
    runner.finish(files, warnings, details_field(details))?;
    Ok(EvidenceOutcome { rows, inside, seconds })
}

/// The files a registry scenario extends: its own text is in the registry file, so its
/// virtual path is left out.
pub fn extended_files(s: &narcodoor_scenario::Scenario) -> Vec<PathBuf> {
    s.files.iter().filter(|f| **f != s.path).cloned().collect()
}

/// The study each job belongs to.
fn job_owners(plans: &[Planned]) -> Vec<usize> {
    plans
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            let n = p.aligned.arms.len() * p.aligned.arms[0].scenario.params.run.replicates as usize;
            std::iter::repeat_n(i, n)
        })
        .collect()
}

/// The line `evidence` prints at the end.
pub fn summary_line(o: &EvidenceOutcome) -> String {
    format!("{} of {} studies inside their published interval", o.inside, o.rows.len())
}

/// Reads the studies `only` names (all when empty) from the bundled registry.
pub fn load_registry(dir: &Path, only: &[String]) -> anyhow::Result<Vec<Study>> {
    let scenarios = registry::bundled_dir("scenarios", "baseline.toml");
    registry::select(dir, only)?.iter().map(|id| registry::load(dir, id, &scenarios)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ci(mean: f64, lo: f64, hi: f64) -> MeanCi {
        MeanCi { n: 5, mean, sd: f64::NAN, se: f64::NAN, lo, hi }
    }

    #[test]
    fn verdicts_follow_the_mean_then_the_intervals() {
        assert_eq!(Verdict::of(&ci(-10.0, -12.0, -8.0), -20.0, -5.0), Verdict::Inside);
        assert_eq!(Verdict::of(&ci(-3.0, -6.0, 0.0), -20.0, -5.0), Verdict::Overlapping);
        assert_eq!(Verdict::of(&ci(-3.0, -4.0, -2.0), -20.0, -5.0), Verdict::Outside);
        assert_eq!(Verdict::of(&ci(30.0, 25.0, 35.0), -20.0, -5.0), Verdict::Outside);
        // The interval's ends belong to it.
        assert_eq!(Verdict::of(&ci(-5.0, -5.0, -5.0), -20.0, -5.0), Verdict::Inside);
    }

    #[test]
    fn a_relative_effect_is_the_mean_difference_over_the_control_mean() {
        let pairs: Vec<Pair> = [(10.0, 12.0), (20.0, 23.0), (30.0, 34.0)]
            .iter()
            .map(|&(control, treated)| Pair { control, treated, per: 100.0 })
            .collect();
        let e = model_effect(EffectScale::Relative, &pairs).unwrap();
        // Differences 2, 3, 4: mean 3 over the control mean 20.
        assert!((e.mean - 15.0).abs() < 1e-12, "{e:?}");
        assert!(e.lo < e.mean && e.mean < e.hi);
        let d = model_effect(EffectScale::Difference, &pairs).unwrap();
        assert!((d.mean - 3.0).abs() < 1e-12);
        let pp = model_effect(EffectScale::PercentagePoints, &pairs).unwrap();
        assert!((pp.mean - 3.0).abs() < 1e-12, "{pp:?}");
    }

    #[test]
    fn signs_agree_on_the_mean_or_on_a_null() {
        assert!(sign_agrees(&ci(-2.0, -3.0, -1.0), -10.0));
        assert!(!sign_agrees(&ci(2.0, 1.0, 3.0), -10.0));
        // No effect at all is not the sign of a published effect.
        assert!(!sign_agrees(&ci(0.0, 0.0, 0.0), -10.0));
        // A published null: the model agrees when its interval holds zero.
        assert!(sign_agrees(&ci(1.0, -1.0, 3.0), 0.0));
        assert!(!sign_agrees(&ci(-8.0, -10.0, -6.0), 0.0));
    }
}
