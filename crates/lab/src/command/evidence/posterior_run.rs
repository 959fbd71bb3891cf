//! `evidence --posterior FILE [--draws K]`: every study's replicates run under a
//! posterior's draws, and the study's effect over the draws.
//!
//! Each study draws its own K parameter vectors from the posterior with its own seed (the
//! draws of `run` and `compare` with that seed) and runs replicate r of both its scenarios
//! under draw r mod K, so the pairing of control and treated extends to the parameters. A
//! lever column is applied only where its lever is on (`Draws::apply`), so a study's control
//! keeps its lever off. The effect over the draws is the study's own estimator (paired, an
//! area design or trial arms) computed on each draw's replicates alone; its 5%/95%
//! quantiles over the draws are the interval set beside the published one. The parameters'
//! share of the variance is that of the paired per-replicate effect on the study's scale
//! (the law of total variance, as `uncertainty.csv` splits it), the part of the model's
//! spread the posterior accounts for.

use std::path::Path;

use anyhow::Context;

use crate::command::evidence::files::PosteriorColumns;
use crate::command::evidence::{Planned, StudyRuns, Verdict};
use crate::error::InputError;
use crate::experiment::posterior::{Draws, draw_count, read_posterior};
use narcodoor_model::params::Params;
use narcodoor_numerics::stats::MeanCi;
use narcodoor_numerics::uncertainty::{DRAW_LEVEL, quantile, spread};

/// A study's draws and its two scenarios under each (`arms[arm][draw]`).
pub struct StudyDraws {
    pub draws: Draws,
    pub arms: Vec<Vec<Params>>,
}

impl StudyDraws {
    /// The parameters of `arm`'s replicate `replicate`.
    pub fn params(&self, arm: usize, replicate: u32) -> &Params {
        &self.arms[arm][self.draws.of(replicate)]
    }
}

/// The draws of every planned study, in plan order. Too few replicates for two per draw,
/// an unknown column or a value a study's scenario refuses is bad input naming the study.
pub fn prepare(plans: &[Planned], file: &Path, draws: Option<usize>) -> anyhow::Result<Vec<StudyDraws>> {
    let posterior = read_posterior(file)?;
    let mut out = Vec::with_capacity(plans.len());
    for p in plans {
        let params = &p.aligned.arms[0].scenario.params;
        let id = &p.study.id;
        let k = draw_count(params.run.replicates, draws)
            .map_err(InputError::from)
            .with_context(|| format!("study {id}"))?;
        let d = posterior.clone().draw(k, params.run.seed);
        let arms = p
            .aligned
            .arms
            .iter()
            .zip(["control", "treated"])
            .map(|(arm, name)| d.apply(&arm.scenario.params, &format!("study {id}'s {name} scenario")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        out.push(StudyDraws { draws: d, arms });
    }
    Ok(out)
}

/// The study's effect over the draws: its estimator on each draw's replicates
/// (`by_draw[d]`), the mean and 5%/95% quantiles of those effects, the parameters' share of
/// the paired effect's variance (`whole`: every replicate, in order) and the verdict of
/// that interval against the published one.
pub fn effect(p: &Planned, by_draw: &[StudyRuns], whole: &StudyRuns) -> anyhow::Result<PosteriorColumns> {
    let study = &p.study;
    let effects = by_draw
        .iter()
        .enumerate()
        .map(|(d, runs)| {
            runs.effect(study).map(|e| e.mean).with_context(|| format!("study {}, draw {d}", study.id))
        })
        .collect::<anyhow::Result<Vec<f64>>>()?;
    let tail = (1.0 - DRAW_LEVEL) / 2.0;
    let mean = effects.iter().sum::<f64>() / effects.len() as f64;
    let (lo, hi) = (quantile(&effects, tail), quantile(&effects, 1.0 - tail));
    let paired = whole.paired_values(study.outcome.scale);
    let share = spread(&paired, by_draw.len()).parameter_share();
    let ci = MeanCi { n: effects.len(), mean, sd: f64::NAN, se: f64::NAN, lo, hi };
    let pb = &study.published;
    Ok(PosteriorColumns {
        effect: mean,
        lo,
        hi,
        parameter_share: share,
        verdict: Verdict::of(&ci, pb.lo, pb.hi).name().into(),
    })
}
