//! The files of a command run under a posterior (`--posterior`): `posterior_draws.csv`
//! (what each draw ran with), `uncertainty.csv` (outcomes or effects over draws with the
//! two parts of their variance), and for `compare` also `probabilities.csv`, `targets.csv`
//! and `acceptability.csv`. Columns are a contract (docs/experiments.md).

use crate::experiment::effects::EffectRow;
use crate::experiment::posterior_answers::PosteriorAnswers;
use crate::output::uncertainty_charts;
use anyhow::Context;
use std::io;
use std::path::Path;

use serde::Serialize;

use crate::experiment::effects::Metric;
use crate::experiment::outcomes::Statistic;
use crate::experiment::posterior::Draws;
use crate::experiment::posterior_answers::PointSpread;
use crate::experiment::posterior_answers::{Acceptability, PairProbability, TargetResult, UncertainEffect};
use crate::output::experiment_tables::{Real, write_table};
use narcodoor_numerics::uncertainty::Spread;

/// The columns of a spread, in their order in both `uncertainty.csv` layouts.
const SPREAD_COLUMNS: [&str; 9] = [
    "draws",
    "replicates",
    "mean",
    "lo",
    "hi",
    "var_total",
    "var_parameter",
    "var_stochastic",
    "parameter_share",
];

#[derive(Serialize)]
struct SpreadRecord(usize, usize, Real, Real, Real, Real, Real, Real, Real);

impl SpreadRecord {
    fn of(s: &Spread) -> SpreadRecord {
        SpreadRecord(
            s.draws,
            s.replicates,
            Real(s.mean),
            Real(s.lo),
            Real(s.hi),
            Real(s.var_total),
            Real(s.var_parameter),
            Real(s.var_stochastic),
            Real(s.parameter_share()),
        )
    }
}

/// `posterior_draws.csv`: `draw,particle,<path>...`; replicate r ran draw r mod draws.
pub fn write_draws(path: &Path, draws: &Draws) -> io::Result<()> {
    let mut header = vec!["draw", "particle"];
    header.extend(draws.posterior.paths.iter().map(String::as_str));
    let rows = (0..draws.count()).map(|d| {
        let mut row = vec![d.to_string(), draws.posterior.ids[draws.particle[d]].to_string()];
        row.extend(draws.values(d).iter().map(|&x| crate::spelling::fmt_real(x)));
        row
    });
    write_table(path, &header, rows)
}

/// `run`'s `uncertainty.csv`: `metric,statistic` then the spread of the scenario's value.
pub fn write_run_uncertainty(path: &Path, rows: &[(Metric, Statistic, Spread)]) -> io::Result<()> {
    let mut header = vec!["metric", "statistic"];
    header.extend(SPREAD_COLUMNS);
    write_table(path, &header, rows.iter().map(|(m, st, s)| (m, st.name(), SpreadRecord::of(s))))
}

/// A sweep's `points_uncertainty.csv`: `point`, the factor values, `metric,statistic`, then
/// the spread of the point's value over the draws.
pub fn write_points(path: &Path, factors: &[String], rows: &[PointSpread]) -> io::Result<()> {
    let mut header = vec!["point"];
    header.extend(factors.iter().map(String::as_str));
    header.extend(["metric", "statistic"]);
    header.extend(SPREAD_COLUMNS);
    let rows = rows.iter().map(|r| {
        let (m, st) = (Metric(r.metric), r.statistic.name());
        (r.point, &r.values, m, st, SpreadRecord::of(&r.spread))
    });
    write_table(path, &header, rows)
}

/// `compare`'s `uncertainty.csv`: `scenario,baseline,metric,statistic`, the spread of the
/// paired difference scenario − baseline, then `p_lower`.
pub fn write_effects(path: &Path, rows: &[UncertainEffect]) -> io::Result<()> {
    let mut header = vec!["scenario", "baseline", "metric", "statistic"];
    header.extend(SPREAD_COLUMNS);
    header.push("p_lower");
    write_table(
        path,
        &header,
        rows.iter().map(|r| {
            (
                &r.scenario,
                &r.baseline,
                r.metric,
                r.statistic.name(),
                SpreadRecord::of(&r.spread),
                Real(r.p_lower),
            )
        }),
    )
}

/// `probabilities.csv`: `scenario_a,scenario_b,metric,statistic,draws,p_a_lower`.
pub fn write_pairs(path: &Path, rows: &[PairProbability]) -> io::Result<()> {
    let header = ["scenario_a", "scenario_b", "metric", "statistic", "draws", "p_a_lower"];
    write_table(
        path,
        &header,
        rows.iter().map(|r| (&r.a, &r.b, r.metric, r.statistic.name(), r.draws, Real(r.p_a_lower))),
    )
}

/// `targets.csv`: `scenario,baseline,target,metric,window,change,draws,mean_change,lo,hi,p_meets`.
pub fn write_targets(path: &Path, rows: &[TargetResult]) -> io::Result<()> {
    let header = [
        "scenario",
        "baseline",
        "target",
        "metric",
        "window",
        "change",
        "draws",
        "mean_change",
        "lo",
        "hi",
        "p_meets",
    ];
    write_table(
        path,
        &header,
        rows.iter().map(|r| {
            (
                &r.scenario,
                &r.baseline,
                &r.target.text,
                Metric(r.target.metric),
                r.target.window(),
                Real(r.target.change),
                r.draws,
                Real(r.mean_change),
                Real(r.lo),
                Real(r.hi),
                Real(r.p_meets),
            )
        }),
    )
}

/// `acceptability.csv`: `outcome,willingness_to_pay,scenario,probability`, a row per
/// outcome × willingness to pay × option (the baseline first).
pub fn write_acceptability(path: &Path, curves: &[Acceptability]) -> io::Result<()> {
    let header = ["outcome", "willingness_to_pay", "scenario", "probability"];
    let rows = curves.iter().flat_map(|c| {
        c.wtp.iter().zip(&c.probability).flat_map(move |(&w, ps)| {
            c.options.iter().zip(ps).map(move |(o, &p)| (c.outcome, Real(w), o, Real(p)))
        })
    });
    write_table(path, &header, rows)
}

/// Writes the answers' files into `dir` (and their charts into `dir/charts` when `charts`),
/// listing them in `files`; returns the charts' names. A chart that fails is a warning, as
/// every command's charts are.
pub fn write_answers(
    dir: &Path,
    draws: &Draws,
    a: &PosteriorAnswers,
    (charts, effects): (bool, &[EffectRow]),
    (files, warnings): (&mut Vec<String>, &mut Vec<String>),
) -> anyhow::Result<Vec<String>> {
    let mut put = |name: &str, r: std::io::Result<()>| -> anyhow::Result<()> {
        r.with_context(|| format!("cannot write {}", dir.join(name).display()))?;
        files.push(name.to_string());
        Ok(())
    };
    put("posterior_draws.csv", write_draws(&dir.join("posterior_draws.csv"), draws))?;
    put("uncertainty.csv", write_effects(&dir.join("uncertainty.csv"), &a.effects))?;
    put("probabilities.csv", write_pairs(&dir.join("probabilities.csv"), &a.pairs))?;
    if !a.targets.is_empty() {
        put("targets.csv", write_targets(&dir.join("targets.csv"), &a.targets))?;
    }
    put("acceptability.csv", write_acceptability(&dir.join("acceptability.csv"), &a.acceptability))?;
    if !charts {
        return Ok(Vec::new());
    }
    match uncertainty_charts::draw(&dir.join("charts"), effects, &a.effects, &a.acceptability) {
        Ok(written) => {
            files.extend(written.iter().map(|c| format!("charts/{c}")));
            Ok(written)
        }
        Err(e) => {
            warnings.push(format!("charts: {e}"));
            Ok(Vec::new())
        }
    }
}
