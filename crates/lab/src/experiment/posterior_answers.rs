//! What a comparison under a posterior answers (`compare --posterior`): the results of
//! every scenario's replicates, replicate r run under draw `r mod K` in every scenario,
//! turned into what a decision needs. The numerics are [`narcodoor_numerics::uncertainty`]'s; the files
//! are written by `output::uncertainty_tables` and drawn by `output::uncertainty_charts`.
//!
//! - `uncertainty.csv`: each scenario's effect on each key metric (paired by replicate, so
//!   by draw and by random streams) with its 90% interval over draws, the law of total
//!   variance's two parts and the probability that the scenario is below the baseline;
//! - `probabilities.csv`: for every pair of scenarios, the probability that the first is
//!   below the second on each key metric over the run;
//! - `targets.csv` (`--target`): the probability that each scenario meets a stated change;
//! - `acceptability.csv`: the cost-effectiveness acceptability curves per recruit and per
//!   homicide averted.

use crate::error::InputError;
use crate::experiment::effects::Metric;
use crate::experiment::effects::{COST_OUTCOMES, KEY_METRICS};
use crate::experiment::outcomes::{Reduced, Statistic, is_flow, run_statistic};
use crate::experiment::posterior::Draws;
use narcodoor_engine::ReplicateResult;
use narcodoor_model::calendar::YearMonth;
use narcodoor_model::metrics::{index_of, m};
use narcodoor_model::params::Run;
use narcodoor_numerics::uncertainty::{
    Spread, acceptability, draw_means, meets, p_lower, quantile, relative_changes, spread, wtp_grid,
};

/// Points of the willingness-to-pay grid of the acceptability curves.
pub const WTP_POINTS: usize = 41;

/// A stated change to meet: `metric=-20%` over the run, `metric=-20%@5` in year 5 of the
/// run (its months 49 to 60), or, in a dated run, `metric=-20%@2018` in calendar year 2018.
/// Flows are summed over the window, stocks averaged.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub text: String,
    pub metric: usize,
    /// The relative change to meet (−0.2 for −20%).
    pub change: f64,
    /// `@YEAR`: a year of the run (1, 2, …) or, for a dated run, a calendar year (≥ 1000).
    pub year: Option<u32>,
    /// The reported months of the window, first and end (exclusive); set by [`Target::resolve`].
    pub months: Option<(u32, u32)>,
}

/// Parses `--target METRIC=CHANGE%[@YEAR]` (exit code 2 naming the culprit).
pub fn parse_target(text: &str) -> anyhow::Result<Target> {
    let bad = |why: &str| -> anyhow::Error {
        InputError::new(format!(
            "--target {text}: {why} (expected METRIC=CHANGE% or METRIC=CHANGE%@YEAR, e.g. recruits=-20%@5)"
        ))
        .into()
    };
    let (name, rest) = text.split_once('=').ok_or_else(|| bad("no `=`"))?;
    let metric = index_of(name.trim()).ok_or_else(|| bad(&format!("unknown metric `{}`", name.trim())))?;
    let (change, year) = match rest.split_once('@') {
        Some((c, y)) => (
            c,
            Some(
                y.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|&y| y >= 1)
                    .ok_or_else(|| bad("the year must be a whole number ≥ 1"))?,
            ),
        ),
        None => (rest, None),
    };
    let change = change.trim().strip_suffix('%').ok_or_else(|| bad("the change must end with %"))?;
    let change = change.trim().parse::<f64>().ok().filter(|c| c.is_finite() && *c != 0.0 && *c >= -100.0);
    let change = change.ok_or_else(|| bad("the change must be a non-zero percentage of at least -100%"))?;
    Ok(Target { text: text.to_string(), metric, change: change / 100.0, year, months: None })
}

impl Target {
    /// Places the window in a run of `months` reported months starting at `start` (a
    /// calendar year needs a dated run); a window outside the run is bad input.
    pub fn resolve(&mut self, start: Option<YearMonth>, months: u32) -> anyhow::Result<()> {
        let bad = |why: String| -> anyhow::Error {
            InputError::new(format!("--target {}: {why}", self.text)).into()
        };
        let Some(y) = self.year else { return Ok(()) };
        let first = match (y >= 1000, start) {
            (false, _) => (y as i64 - 1) * 12,
            (true, Some(s)) => YearMonth::parse(&format!("{y}-01")).map_or(-1, |jan| jan.since(s)),
            (true, None) => {
                return Err(bad(format!("year {y} is a calendar year, but the scenario has no run.start")));
            }
        };
        if first < 0 || first + 12 > months as i64 {
            return Err(bad(format!("year {y} is not a whole year inside the run's {months} months")));
        }
        self.months = Some((first as u32, first as u32 + 12));
        Ok(())
    }

    /// The window's words in `targets.csv`.
    pub fn window(&self) -> String {
        match (self.year, self.months) {
            (Some(y), Some((a, b))) if y >= 1000 => format!("{y} (months {}-{b})", a + 1),
            (Some(y), Some((a, b))) => format!("year {y} (months {}-{b})", a + 1),
            _ => "run".into(),
        }
    }

    /// One replicate's value of the target's metric over its window.
    pub fn value(&self, res: &ReplicateResult) -> f64 {
        let rows = match self.months {
            Some((a, b)) => &res.months[a as usize..b as usize],
            None => &res.months[..],
        };
        let sum: f64 = rows.iter().map(|mo| mo.metrics.national[self.metric]).sum();
        if is_flow(self.metric) { sum } else { sum / rows.len() as f64 }
    }
}

/// A scenario's effect under parameter uncertainty (a row of `uncertainty.csv`).
#[derive(Clone, Debug)]
pub struct UncertainEffect {
    pub scenario: String,
    pub baseline: String,
    pub metric: Metric,
    pub statistic: Statistic,
    /// The paired difference scenario − baseline over draws.
    pub spread: Spread,
    /// The probability that the scenario's draw mean is below the baseline's.
    pub p_lower: f64,
}

/// A row of `probabilities.csv`.
#[derive(Clone, Debug)]
pub struct PairProbability {
    pub a: String,
    pub b: String,
    pub metric: Metric,
    pub statistic: Statistic,
    pub draws: usize,
    pub p_a_lower: f64,
}

/// A row of `targets.csv`.
#[derive(Clone, Debug)]
pub struct TargetResult {
    pub scenario: String,
    pub baseline: String,
    pub target: Target,
    pub draws: usize,
    /// The relative change's mean over draws and its 90% interval.
    pub mean_change: f64,
    pub lo: f64,
    pub hi: f64,
    pub p_meets: f64,
}

/// The acceptability curves of one outcome: per willingness to pay, per option (baseline
/// first), the probability of the largest net benefit.
#[derive(Clone, Debug)]
pub struct Acceptability {
    pub outcome: Metric,
    pub options: Vec<String>,
    pub wtp: Vec<f64>,
    pub probability: Vec<Vec<f64>>,
}

/// Everything a comparison under a posterior answers.
#[derive(Clone, Debug)]
pub struct PosteriorAnswers {
    pub draws: usize,
    pub effects: Vec<UncertainEffect>,
    pub pairs: Vec<PairProbability>,
    pub targets: Vec<TargetResult>,
    pub acceptability: Vec<Acceptability>,
}

fn minus(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}

/// One scenario of a comparison as the answers need it: its label and its replicates
/// reduced, in replicate order (so replicate r ran draw r mod K). `compare` and the
/// server's runs both give theirs this way.
pub struct ArmValues<'a> {
    pub label: &'a str,
    pub reduced: &'a [Reduced],
}

/// The answers of a comparison whose replicates ran under `k` draws; `target_values[a][t]`
/// holds arm a's value of target t per replicate.
pub fn answers(
    arms: &[ArmValues<'_>],
    k: usize,
    targets: &[Target],
    target_values: &[Vec<Vec<f64>>],
) -> PosteriorAnswers {
    let base = &arms[0];
    let mut effects = Vec::new();
    for arm in &arms[1..] {
        for &metric in &KEY_METRICS {
            for stat in [Statistic::Horizon, run_statistic(metric)] {
                let (b, s) =
                    (Reduced::values(base.reduced, metric, stat), Reduced::values(arm.reduced, metric, stat));
                effects.push(UncertainEffect {
                    scenario: arm.label.to_string(),
                    baseline: base.label.to_string(),
                    metric: Metric(metric),
                    statistic: stat,
                    spread: spread(&minus(&s, &b), k),
                    p_lower: p_lower(&draw_means(&s, k), &draw_means(&b, k)),
                });
            }
        }
    }
    let mut pairs = Vec::new();
    for (i, a) in arms.iter().enumerate() {
        for b in &arms[i + 1..] {
            for &metric in &KEY_METRICS {
                let stat = run_statistic(metric);
                let (x, y) =
                    (Reduced::values(a.reduced, metric, stat), Reduced::values(b.reduced, metric, stat));
                let p_a_lower = p_lower(&draw_means(&x, k), &draw_means(&y, k));
                pairs.push(PairProbability {
                    a: a.label.to_string(),
                    b: b.label.to_string(),
                    metric: Metric(metric),
                    statistic: stat,
                    draws: k,
                    p_a_lower,
                });
            }
        }
    }
    let mut met = Vec::new();
    for (a, arm) in arms.iter().enumerate().skip(1) {
        for (t, target) in targets.iter().enumerate() {
            let (b, s) = (draw_means(&target_values[0][t], k), draw_means(&target_values[a][t], k));
            let changes = relative_changes(&b, &s);
            let finite: Vec<f64> = changes.iter().copied().filter(|c| c.is_finite()).collect();
            let (mean, lo, hi) = if finite.len() == changes.len() {
                (finite.iter().sum::<f64>() / k as f64, quantile(&finite, 0.05), quantile(&finite, 0.95))
            } else {
                (f64::NAN, f64::NAN, f64::NAN)
            };
            met.push(TargetResult {
                scenario: arm.label.to_string(),
                baseline: base.label.to_string(),
                target: target.clone(),
                draws: k,
                mean_change: mean,
                lo,
                hi,
                p_meets: meets(&changes, target.change),
            });
        }
    }
    PosteriorAnswers { draws: k, effects, pairs, targets: met, acceptability: curves(arms, k) }
}

/// The acceptability curves per recruit and per homicide averted over the run.
fn curves(arms: &[ArmValues<'_>], k: usize) -> Vec<Acceptability> {
    let base = arms[0].reduced;
    let spend = |rs: &[Reduced]| Reduced::values(rs, m::SPENDING_TOTAL, Statistic::Total);
    let cost: Vec<Vec<f64>> =
        arms[1..].iter().map(|a| draw_means(&minus(&spend(a.reduced), &spend(base)), k)).collect();
    COST_OUTCOMES
        .iter()
        .map(|&o| {
            let of = |rs: &[Reduced]| Reduced::values(rs, o, Statistic::Total);
            let averted: Vec<Vec<f64>> =
                arms[1..].iter().map(|a| draw_means(&minus(&of(base), &of(a.reduced)), k)).collect();
            let wtp = wtp_grid(&averted, &cost, WTP_POINTS);
            Acceptability {
                outcome: Metric(o),
                options: arms.iter().map(|a| a.label.to_string()).collect(),
                probability: acceptability(&averted, &cost, &wtp),
                wtp,
            }
        })
        .collect()
}

/// `compare`'s targets from their texts (`METRIC=CHANGE%[@YEAR]`), resolved against the
/// run's calendar; targets need a posterior.
pub fn targets(texts: &[String], draws: &Option<Draws>, run: &Run) -> anyhow::Result<Vec<Target>> {
    if !texts.is_empty() && draws.is_none() {
        return Err(InputError::new(
            "--target needs --posterior FILE (its probability is over the posterior's draws)",
        )
        .into());
    }
    let mut targets = texts.iter().map(|t| parse_target(t)).collect::<anyhow::Result<Vec<_>>>()?;
    for t in &mut targets {
        t.resolve(run.start, run.months)?;
    }
    Ok(targets)
}

/// A point's outcome over a posterior's draws (`points_uncertainty.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct PointSpread {
    pub point: usize,
    pub values: Vec<String>,
    pub metric: usize,
    pub statistic: Statistic,
    pub spread: Spread,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        let mut t = parse_target("recruits=-20%@5").unwrap();
        assert_eq!((t.metric, t.change, t.year), (m::RECRUITS, -0.2, Some(5)));
        assert!(t.clone().resolve(None, 59).is_err());
        t.resolve(None, 60).unwrap();
        assert_eq!(t.window(), "year 5 (months 49-60)");
        let mut c = parse_target("homicides=-10%@2018").unwrap();
        assert!(c.clone().resolve(None, 300).is_err(), "a calendar year needs a date");
        let start = YearMonth::parse("2000-01");
        assert!(c.clone().resolve(start, 216).is_err(), "2018 ends after month 216");
        c.resolve(start, 228).unwrap();
        assert_eq!((c.months, c.window()), (Some((216, 228)), "2018 (months 217-228)".to_string()));
        assert_eq!(parse_target("homicides=10%").unwrap().year, None);
        for bad in
            ["recruits", "nope=-20%", "recruits=-20", "recruits=0%", "recruits=-20%@0", "recruits=-120%"]
        {
            let e = parse_target(bad).unwrap_err();
            assert!(e.is::<InputError>(), "{bad}");
        }
    }
}
