//! The charts of the experiment commands, assembled from the chart primitives of
//! [`super::charts`]: for `compare`, each key metric over time with one band per scenario,
//! the effects at the horizon as bars with their paired intervals, and the cost-
//! effectiveness plane; for `sensitivity`, a tornado of the indices.
//!
//! Like the run charts, they only draw numbers that the experiment's CSV files hold
//! (`scenarios/<label>/summary.csv`, `effects.csv`, `indices.csv`).

use std::path::Path;

use super::charts::{self, Band, BarItem, ChartError, ChartText, Orientation, PointItem, TornadoRow};
use super::experiment_tables::{EffectRow, IndexRow, MethodName, Metric};
use super::tables::Summary;
use crate::experiment::outcomes::Statistic;
use crate::model::metrics::m;

/// The metrics drawn over time by `compare`, with a title and a y-axis label each.
const OVER_TIME: [(usize, &str, &str); 8] = [
    (m::MEMBERS, "Cartel members at the end of the month", "youths"),
    (m::RECRUITS, "Recruits per month", "youths per month"),
    (m::MINOR_RECRUITS, "Recruits under 18 per month", "youths per month"),
    (m::HOMICIDES, "Homicides per month", "homicides per month"),
    (m::HOMICIDE_RATE, "Homicide rate", "homicides per 100,000 per year"),
    (m::PRISON, "Youths in prison", "youths"),
    (m::SCHOOL, "Youths in school", "youths"),
    (m::IDLE, "Idle youths (neither in school nor working)", "youths"),
];

/// The unit of a metric in the effects chart's panel titles.
fn unit(metric: Metric) -> &'static str {
    match metric.0 {
        m::HOMICIDE_RATE => "per 100,000 per year",
        m::HOMICIDES => "homicides per month",
        m::RECRUITS | m::MINOR_RECRUITS => "youths per month",
        i if i >= m::SPENDING_TOTAL => "pesos per month",
        _ => "youths",
    }
}

fn io_error(dir: &Path, e: std::io::Error) -> ChartError {
    ChartError::Io { path: dir.to_path_buf(), message: e.to_string() }
}

/// Draws the charts of a comparison into `dir` and returns the file names written.
/// `labels[0]` and `summaries[0]` are the baseline's.
pub fn compare_charts(
    dir: &Path,
    labels: &[String],
    summaries: &[&Summary],
    effects: &[EffectRow],
) -> Result<Vec<String>, ChartError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let mut written = over_time_charts(dir, labels, summaries)?;
    effects_chart(&dir.join("effects_horizon.png"), &labels[0], effects)?;
    written.push("effects_horizon.png".into());
    cost_effectiveness_chart(&dir.join("cost_effectiveness.png"), &labels[1..], effects)?;
    written.push("cost_effectiveness.png".into());
    Ok(written)
}

/// Each metric of [`OVER_TIME`] over time: one panel per scenario against the baseline
/// (grey), since bands of many scenarios in one plot pile up into mud. Every metric here
/// is a count or a rate, so bands stop at zero.
fn over_time_charts(
    dir: &Path,
    labels: &[String],
    summaries: &[&Summary],
) -> Result<Vec<String>, ChartError> {
    let mut written = Vec::new();
    let x: Vec<f64> = summaries[0].months.iter().map(|&t| t as f64).collect();
    let reps = summaries[0].replicates;
    for (metric, title, y_label) in OVER_TIME {
        let bands: Vec<Band> = labels
            .iter()
            .zip(summaries)
            .map(|(label, s)| {
                let (mean, lo, hi) = s.series(metric);
                Band { label: label.clone(), mean, lo, hi }.non_negative()
            })
            .collect();
        let name = format!("{}.png", Metric(metric));
        let title =
            format!("{title}, each scenario against {}: mean and 95% CI over {reps} replicates", labels[0]);
        charts::panels_against_reference(
            &dir.join(&name),
            &ChartText { title: &title, x_label: "month (after burn-in)", y_label },
            &x,
            &bands[0],
            &bands[1..],
            &[],
        )?;
        written.push(name);
    }
    Ok(written)
}

/// Effects at the horizon: one panel per metric (each in its own unit), one bar per
/// scenario with its paired interval.
fn effects_chart(path: &Path, baseline: &str, effects: &[EffectRow]) -> Result<(), ChartError> {
    let bars: Vec<BarItem> = effects
        .iter()
        .filter(|r| r.statistic == Statistic::Horizon)
        .map(|r| BarItem {
            label: r.scenario.clone(),
            value: r.difference,
            lo: Some(r.lo),
            hi: Some(r.hi),
            group: Some(format!("{} ({})", r.metric.name().replace('_', " "), unit(r.metric))),
        })
        .collect();
    let title = format!("Effects at the horizon against {baseline}: mean paired difference and 95% CI");
    charts::bars_with_intervals(
        path,
        &ChartText { title: &title, x_label: "scenario", y_label: "scenario − baseline" },
        &bars,
        Orientation::Horizontal,
    )
}

/// The cost-effectiveness plane: recruits averted against extra spending, over the run,
/// one point per scenario (`labels` are the scenarios after the baseline).
fn cost_effectiveness_chart(path: &Path, labels: &[String], effects: &[EffectRow]) -> Result<(), ChartError> {
    let points: Vec<PointItem> = labels
        .iter()
        .filter_map(|label| {
            let of = |metric: usize| {
                effects.iter().find(|r| {
                    &r.scenario == label && r.metric == Metric(metric) && r.statistic == Statistic::Total
                })
            };
            let recruits = of(m::RECRUITS)?;
            let cost = recruits.cost.as_ref()?;
            let spending = of(m::SPENDING_TOTAL)?;
            Some(PointItem {
                label: label.clone(),
                x: cost.averted,
                y: spending.difference,
                x_lo: Some(cost.averted_lo),
                x_hi: Some(cost.averted_hi),
                y_lo: Some(spending.lo),
                y_hi: Some(spending.hi),
            })
        })
        .collect();
    charts::scatter_labeled(
        path,
        &ChartText {
            title: "Cost-effectiveness over the run: recruits averted and extra spending (95% CIs)",
            x_label: "recruits averted per replicate (baseline − scenario)",
            y_label: "extra spending (pesos of 2010)",
        },
        &points,
    )
}

/// Draws the tornado chart of a sensitivity analysis (μ* for Morris, the total-order
/// index for Sobol') into `path`.
pub fn tornado_chart(
    path: &Path,
    method: MethodName,
    outcome: &str,
    rows: &[IndexRow],
) -> Result<(), ChartError> {
    let index = method.key_index();
    let bars: Vec<TornadoRow> = rows
        .iter()
        .filter(|r| r.index == index)
        .map(|r| TornadoRow {
            label: r.factor.clone(),
            value: r.estimate,
            lo: r.ci_lo.is_finite().then_some(r.ci_lo),
            hi: r.ci_hi.is_finite().then_some(r.ci_hi),
        })
        .collect();
    let (title, y_label) = if method == MethodName::Morris {
        (
            format!("Morris screening of {outcome}: mean absolute elementary effect μ* (95% bootstrap CI)"),
            format!("μ*: change in {outcome} across the factor's range"),
        )
    } else {
        (
            format!("Sobol' total-order indices of {outcome} (95% bootstrap CI)"),
            "share of the output variance (total order)".to_string(),
        )
    };
    charts::tornado(path, &ChartText { title: &title, x_label: "parameter", y_label: &y_label }, &bars)
}
