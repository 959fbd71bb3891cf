//! The charts of the experiment commands, assembled from the chart primitives of
//! [`narcodoor_charts`]: for `compare`, each key metric over time with one band per scenario,
//! the effects over the run and at the horizon as bars with their paired intervals, and the cost-
//! effectiveness plane; for `sensitivity`, a tornado of the indices.
//!
//! Like the run charts, they only draw numbers that the experiment's CSV files hold
//! (`scenarios/<label>/summary.csv`, `effects.csv`, `indices.csv`).

use std::path::Path;

use crate::experiment::effects::Caveat;
use crate::experiment::effects::{EffectRow, Metric};
use crate::experiment::outcomes::Statistic;
use crate::experiment::summary::Summary;
use crate::output::experiment_tables::{IndexRow, MethodName};
use crate::output::run_charts;
use narcodoor_charts::{
    self as charts, Band, BarItem, ChartError, ChartText, Mark, Orientation, PointItem, TornadoRow,
};
use narcodoor_model::calendar::YearMonth;
use narcodoor_model::metrics::m;

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

/// The unit of a metric in the effects charts' panel titles: flows over the run or over
/// the last 12 months (the horizon), stocks and rates as they are.
fn unit(metric: Metric, horizon: bool) -> &'static str {
    let flow = crate::experiment::outcomes::is_flow(metric.0);
    match (metric.0, flow, horizon) {
        (m::HOMICIDE_RATE, ..) => "per 100,000 per year",
        (m::HOMICIDES, _, true) => "homicides in the last 12 months",
        (m::HOMICIDES, _, false) => "homicides over the run",
        (i, _, true) if i >= m::SPENDING_TOTAL => "pesos in the last 12 months",
        (i, _, false) if i >= m::SPENDING_TOTAL => "pesos over the run",
        (_, true, true) => "youths in the last 12 months",
        (_, true, false) => "youths over the run",
        (_, false, true) => "youths",
        (_, false, false) => "youths, mean over the run",
    }
}

/// A scenario's label with its cost caveat in short words, if it has one
/// ("demand_reduction (exogenous, cost 0 assumed)"): longer labels are cut in the charts.
fn marked(label: &str, effects: &[EffectRow]) -> String {
    let words = match effects.iter().find(|r| r.scenario == label).map(|r| r.caveat) {
        Some(Caveat::Exogenous) => "exogenous",
        Some(Caveat::ZeroCost) => "cost 0 assumed",
        Some(Caveat::Both) => "exogenous, cost 0 assumed",
        _ => return label.to_string(),
    };
    format!("{label} ({words})")
}

fn io_error(dir: &Path, e: std::io::Error) -> ChartError {
    ChartError::Io { path: dir.to_path_buf(), message: e.to_string() }
}

/// The time axis of a comparison's charts: the calendar month of reported month 0, if
/// dated, and each scenario's policy windows (baseline first; see
/// `run_charts::policy_windows`).
pub struct Timeline {
    pub start: Option<YearMonth>,
    pub windows: Vec<Vec<Mark>>,
}

/// Draws the charts of a comparison into `dir` and returns the file names written.
/// `labels[0]` and `summaries[0]` are the baseline's.
pub fn compare_charts(
    dir: &Path,
    labels: &[String],
    summaries: &[&Summary],
    effects: &[EffectRow],
    timeline: &Timeline,
) -> Result<Vec<String>, ChartError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    // Every chart names a scenario with its cost caveat, as effects.csv's row does.
    let labels: Vec<String> = labels.iter().map(|l| marked(l, effects)).collect();
    let effects: Vec<EffectRow> =
        effects.iter().map(|r| EffectRow { scenario: marked(&r.scenario, effects), ..r.clone() }).collect();
    let (labels, effects) = (&labels[..], &effects[..]);
    let mut written = over_time_charts(dir, labels, summaries, timeline)?;
    // Over the run first: the effect a memo quotes; then the end of the run.
    effects_chart(&dir.join("effects_run.png"), &labels[0], effects, false)?;
    written.push("effects_run.png".into());
    effects_chart(&dir.join("effects_horizon.png"), &labels[0], effects, true)?;
    written.push("effects_horizon.png".into());
    cost_effectiveness_chart(&dir.join("cost_effectiveness.png"), &labels[1..], effects, m::RECRUITS)?;
    written.push("cost_effectiveness.png".into());
    let path = dir.join("cost_effectiveness_homicides.png");
    cost_effectiveness_chart(&path, &labels[1..], effects, m::HOMICIDES)?;
    written.push("cost_effectiveness_homicides.png".into());
    Ok(written)
}

/// Each metric of [`OVER_TIME`] over time: one panel per scenario against the baseline
/// (grey), since bands of many scenarios in one plot pile up into mud. Every metric here
/// is a count or a rate, so bands stop at zero. Each policy's panel shades its own windows.
fn over_time_charts(
    dir: &Path,
    labels: &[String],
    summaries: &[&Summary],
    timeline: &Timeline,
) -> Result<Vec<String>, ChartError> {
    let mut written = Vec::new();
    let x: Vec<f64> = summaries[0].months.iter().map(|&t| run_charts::x_of(timeline.start, t)).collect();
    let x_label = run_charts::x_label(timeline.start);
    let panel_marks = timeline.windows.get(1..).unwrap_or_default();
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
            &ChartText { title: &title, x_label, y_label },
            &x,
            &bands[0],
            &bands[1..],
            &[],
            panel_marks,
        )?;
        written.push(name);
    }
    Ok(written)
}

/// Effects over the run or at the horizon (stocks in the last month, flows over the last
/// 12): one panel per metric (each in its own unit), one bar per scenario with its paired
/// interval.
fn effects_chart(
    path: &Path,
    baseline: &str,
    effects: &[EffectRow],
    horizon: bool,
) -> Result<(), ChartError> {
    let bars: Vec<BarItem> = effects
        .iter()
        .filter(|r| !crate::experiment::effects::is_lever(r.metric))
        .filter(|r| (r.statistic == Statistic::Horizon) == horizon)
        .map(|r| BarItem {
            label: r.scenario.clone(),
            value: r.difference,
            lo: Some(r.lo),
            hi: Some(r.hi),
            group: Some(format!("{} ({})", r.metric.name().replace('_', " "), unit(r.metric, horizon))),
        })
        .collect();
    let when = if horizon { "at the end of the run (flows: last 12 months)" } else { "over the run" };
    let title = format!("Effects {when} against {baseline}: mean paired difference and 95% CI");
    charts::bars_with_intervals(
        path,
        &ChartText { title: &title, x_label: "scenario", y_label: "scenario − baseline" },
        &bars,
        Orientation::Horizontal,
    )
}

/// The cost-effectiveness plane: recruits (or homicides) averted against extra spending,
/// over the run, one point per scenario (`labels` are the scenarios after the baseline).
fn cost_effectiveness_chart(
    path: &Path,
    labels: &[String],
    effects: &[EffectRow],
    outcome: usize,
) -> Result<(), ChartError> {
    let points: Vec<PointItem> = labels
        .iter()
        .filter_map(|label| {
            let of = |metric: usize| {
                effects.iter().find(|r| {
                    &r.scenario == label && r.metric == Metric(metric) && r.statistic == Statistic::Total
                })
            };
            let cost = of(outcome)?.cost.as_ref()?;
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
    let what = Metric(outcome).name();
    charts::scatter_labeled(
        path,
        &ChartText {
            title: &format!("Cost-effectiveness over the run: {what} averted and extra spending (95% CIs)"),
            x_label: &format!("{what} averted per replicate (baseline − scenario)"),
            y_label: "extra spending over the run (pesos of 2010)",
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
