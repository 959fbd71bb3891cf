//! The charts of a comparison under a posterior, drawn only from what `effects.csv`,
//! `uncertainty.csv` and `acceptability.csv` hold:
//!
//! - `posterior_effects.png`: one row per scenario and key outcome over the run, its
//!   relative effect with two intervals: the 95% interval of the mean over all replicates,
//!   and the 90% interval over the posterior's draws (what the parameters leave unknown);
//! - `acceptability_recruits.png`, `acceptability_homicides.png`: the cost-effectiveness
//!   acceptability curves, a line per option.

use std::path::Path;

use crate::experiment::effects::{EffectRow, Metric};
use crate::experiment::posterior_answers::{Acceptability, UncertainEffect};
use narcodoor_charts::{Band, ChartError, ChartText, ForestRow, forest_labelled, probability_lines};
use narcodoor_model::metrics::m;

/// The outcomes of `posterior_effects.png`, each over the run.
const SHOWN: [usize; 3] = [m::RECRUITS, m::HOMICIDES, m::MEMBERS];

fn group(metric: Metric) -> String {
    match metric.0 {
        m::MEMBERS => "members (mean over the run)".into(),
        _ => format!("{} (total over the run)", metric.name().replace('_', " ")),
    }
}

/// Draws the charts into `dir`; returns the files written.
pub fn draw(
    dir: &Path,
    effects: &[EffectRow],
    uncertain: &[UncertainEffect],
    curves: &[Acceptability],
) -> Result<Vec<String>, ChartError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| ChartError::Io { path: dir.to_path_buf(), message: e.to_string() })?;
    let mut rows = Vec::new();
    for &metric in &SHOWN {
        for u in uncertain.iter().filter(|u| {
            u.metric == Metric(metric) && u.statistic != crate::experiment::outcomes::Statistic::Horizon
        }) {
            let Some(e) = effects
                .iter()
                .find(|e| e.scenario == u.scenario && e.metric == u.metric && e.statistic == u.statistic)
            else {
                continue;
            };
            let pct = |x: f64| 100.0 * x / e.baseline_mean;
            rows.push(ForestRow {
                label: u.scenario.clone(),
                group: group(u.metric),
                published: (pct(e.difference), pct(e.lo), pct(e.hi)),
                model: (pct(u.spread.mean), pct(u.spread.lo), pct(u.spread.hi)),
            });
        }
    }
    let text = ChartText {
        title: "Effects against the baseline, with and without parameter uncertainty",
        x_label: "",
        y_label: "change against the baseline (%)",
    };
    forest_labelled(
        &dir.join("posterior_effects.png"),
        &text,
        &rows,
        ["mean effect, 95% interval over all replicates", "90% interval over the posterior's draws"],
    )?;
    let mut written = vec!["posterior_effects.png".to_string()];
    for c in curves {
        let name = format!("acceptability_{}.png", c.outcome.name());
        let title = format!(
            "Cost-effectiveness acceptability: per {} averted",
            c.outcome.name().trim_end_matches('s')
        );
        let x_label =
            format!("willingness to pay per {} averted (pesos)", c.outcome.name().trim_end_matches('s'));
        let text =
            ChartText { title: &title, x_label: &x_label, y_label: "probability of the largest net benefit" };
        let series: Vec<Band> = (0..c.options.len())
            .map(|o| Band::line(c.options[o].clone(), c.probability.iter().map(|p| p[o]).collect()))
            .collect();
        probability_lines(&dir.join(&name), &text, &c.wtp, &series)?;
        written.push(name);
    }
    Ok(written)
}
