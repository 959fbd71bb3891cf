//! The `arms` estimator of an individual trial (Heller 2014, Modestino 2017): the study's
//! treated scenario sets `[trial]`, so the lever's lottery makes a treatment and a control
//! arm inside each replicate, and the effect is the arms' difference in the outcome per
//! 100 youths enrolled over the window (`experiment::trial`): the effect on those offered
//! the programme, as the study measured it, rather than on the whole region.

use anyhow::Context;

use crate::command::evidence::registry::EffectScale;
use crate::experiment::trial::{self, TrialSeries};
use narcodoor_numerics::stats::MeanCi;

/// What a reader needs beside an arms row: how many youths each arm enrolled and how many
/// events the control arm had, since a relative effect on a handful of events is noise
/// whatever its sign.
pub fn note(id: &str, series: &TrialSeries, metric: usize, window: (u32, u32)) -> Option<String> {
    let e = trial::effect(series, trial::trial_outcome(metric)?, window.0, window.1)?;
    let events = e.rate[0] * e.enrolled[0] / 100.0;
    Some(format!(
        "{id}: the trial enrolled {:.0} control and {:.0} treatment youths per replicate; the control arm had \
         {:.3} {} per 100 enrolled over months {}-{} (about {events:.2} per replicate), the treatment arm {:.3}",
        e.enrolled[0], e.enrolled[1], e.rate[0], e.outcome, window.0, window.1, e.rate[1]
    ))
}

/// The model's effect on the study's scale: relative (per cent of the control arm's rate)
/// or a difference per 100 enrolled (which, for events a youth has at most once or
/// rarely twice, is a difference in percentage points of the enrolled).
pub fn arms_effect(
    series: &TrialSeries,
    metric: usize,
    scale: EffectScale,
    window: (u32, u32),
) -> anyhow::Result<MeanCi> {
    let outcome = trial::trial_outcome(metric)
        .context("the arms estimator reads recruits, member_arrests or member_deaths")?;
    let e = trial::effect(series, outcome, window.0, window.1)
        .context("the trial enrolled nobody in one of its arms during the window (no lottery: every candidate hired, or none)")?;
    let d = e.difference;
    Ok(match scale {
        EffectScale::Relative => {
            let k = 100.0 / e.rate[0];
            MeanCi { n: d.n, mean: k * d.mean, sd: f64::NAN, se: f64::NAN, lo: k * d.lo, hi: k * d.hi }
        }
        EffectScale::Difference | EffectScale::PercentagePoints => d,
    })
}
