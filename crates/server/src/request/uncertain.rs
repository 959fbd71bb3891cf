//! A server run under parameter uncertainty (`"posterior": true`): the scenario's shipped
//! posterior (`data/<name>_posterior.csv`, found by the catalog at start; a request never
//! names a file) resampled K times, replicate r of both arms run under draw r mod K, and
//! the effects over draws reported beside the paired effects.
//!
//! Everything here is the library's, as `narcodoor compare --posterior` uses it: the draw
//! rule (`posterior::draw_count`), the resampling and the checks of every column against
//! each arm (`Draws::apply`), the numerics and the files (`posterior_answers`). So a run's
//! `uncertainty.csv` is the one `compare --posterior` writes on the same inputs.

use std::path::Path;

use serde_json::{Value as Json, json};

use crate::catalog::Entry;
use crate::request::Rejection;
use narcodoor_lab::experiment::effects::EffectRow;
use narcodoor_lab::experiment::outcomes::Reduced;
use narcodoor_lab::experiment::posterior::{self, Draws};
use narcodoor_lab::experiment::posterior_answers::{ArmValues, PosteriorAnswers, UncertainEffect, answers};
use narcodoor_lab::model::params::Params;
use narcodoor_lab::output::uncertainty_tables::write_answers;
use narcodoor_lab::scenario::Scenario;

/// The files a run under a posterior writes beside [`crate::job::FILES`].
pub const FILES: [&str; 4] =
    ["uncertainty.csv", "probabilities.csv", "acceptability.csv", "posterior_draws.csv"];

/// The draws a run runs under, and each arm's parameters under every draw.
#[derive(Clone, Debug)]
pub struct Uncertain {
    pub draws: Draws,
    /// The baseline's then the policy's parameters, one per draw.
    pub drawn: [Vec<Params>; 2],
    /// The posterior file as the page shows it (relative to the scenarios directory).
    pub shown: String,
}

fn bad(message: String) -> Rejection {
    Rejection::Bad(message)
}

/// The draws of a request (`posterior`, `draws`) for `entry`, checked against both arms;
/// `None` when the request does not ask for uncertainty. Every refusal names the field.
pub fn prepare(
    (asked, draws): (bool, Option<u32>),
    entry: &Entry,
    arms: [&Scenario; 2],
    known: &[&str],
) -> Result<Option<Uncertain>, Rejection> {
    if !asked {
        return match draws {
            Some(k) => Err(bad(format!(
                "draws = {k}: draws are taken from the scenario's posterior; give \"posterior\": true too"
            ))),
            None => Ok(None),
        };
    }
    let Some(file) = &entry.posterior else {
        return Err(bad(format!(
            "posterior: scenario {:?} ships no posterior (data/{}_posterior.csv); the scenarios that do: {}",
            entry.name,
            entry.name,
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        )));
    };
    let run = &arms[0].params.run;
    let k = posterior::draw_count(run.replicates, draws.map(|d| d as usize)).map_err(|e| {
        bad(format!(
            "replicates = {}, draws = {}: parameter uncertainty needs at least 2 draws and 2 replicates \
             per draw (replicate r runs draw r mod draws); give at least {} \"replicates\", or \"draws\" \
             between 2 and half the replicates",
            e.replicates, e.draws, e.needed
        ))
    })?;
    let shown = format!("data/{}_posterior.csv", entry.name);
    let message = |e: anyhow::Error| bad(format!("posterior ({shown}): {e:#}"));
    let d = posterior::read_posterior(file).map_err(message)?.draw(k, run.seed);
    let [base, policy] = arms.map(|a| d.apply(&a.params, &a.params.run.name));
    Ok(Some(Uncertain { drawn: [base.map_err(message)?, policy.map_err(message)?], draws: d, shown }))
}

impl Uncertain {
    /// The parameters replicate `replicate` of arm `arm` (0 baseline, 1 policy) runs with.
    pub fn params(&self, arm: usize, replicate: u32) -> &Params {
        &self.drawn[arm][self.draws.of(replicate)]
    }

    /// The answers over draws of both arms' reduced replicates, written into `dir` as
    /// `compare --posterior --no-charts` writes them (listed in `files`), and returned as
    /// the result's `uncertainty` field.
    pub fn finish(
        &self,
        dir: &Path,
        labels: &[String; 2],
        reduced: [&[Reduced]; 2],
        effects: &[EffectRow],
        files: &mut Vec<String>,
    ) -> anyhow::Result<Json> {
        let arms = [0, 1].map(|a| ArmValues { label: &labels[a], reduced: reduced[a] });
        let a: PosteriorAnswers = answers(&arms, self.draws.count(), &[], &[]);
        let mut warnings = Vec::new();
        write_answers(dir, &self.draws, &a, (false, effects), (files, &mut warnings))?;
        Ok(json!({
            "file": self.shown,
            "draws": self.draws.count(),
            "particles": self.draws.posterior.values.len(),
            "paths": self.draws.posterior.paths,
            "effects": a.effects.iter().map(effect_json).collect::<Vec<_>>(),
        }))
    }
}

/// A row of `uncertainty.csv` as JSON, with the file's column names (NaN as null).
fn effect_json(r: &UncertainEffect) -> Json {
    let s = &r.spread;
    json!({
        "scenario": r.scenario, "baseline": r.baseline, "metric": r.metric.name(),
        "statistic": r.statistic.name(), "draws": s.draws, "replicates": s.replicates,
        "mean": s.mean, "lo": s.lo, "hi": s.hi, "var_total": s.var_total,
        "var_parameter": s.var_parameter, "var_stochastic": s.var_stochastic,
        "parameter_share": s.parameter_share(), "p_lower": r.p_lower,
    })
}
