//! `report.md`'s "With parameter uncertainty" section, for a comparison run under a
//! posterior: per scenario and key outcome over the run, the effect with its 90% interval
//! over draws, the probability that it is lower than the baseline and the parameters'
//! share of the variance; then the targets, and where the acceptability curves are. It
//! reads the rows of `uncertainty.csv` and `targets.csv`.

use crate::command::compare::report::{cell, human};
use crate::experiment::outcomes::Statistic;
use crate::experiment::posterior_answers::PosteriorAnswers;

/// Appends the section (nothing without a posterior).
pub fn section(s: &mut String, answers: Option<&PosteriorAnswers>, posterior_file: &str) {
    let Some(a) = answers else { return };
    s.push_str(&format!(
        "## With parameter uncertainty\n\nReplicate r of every scenario ran draw r mod {} of the posterior \
         `{posterior_file}` (resampled by weight; `posterior_draws.csv`), with the same random streams in every \
         scenario, so the pairs share their parameters too. The interval is the 90% interval of the draw means \
         of the paired difference (what the parameters leave unknown, plus the chance left in a mean of a few \
         replicates); P(lower) is the share of draws in which the scenario's mean is below the baseline's; the \
         parameters' share is the variance of the draw means over the total variance (law of total variance; \
         `uncertainty.csv`).\n\n",
        a.draws
    ));
    s.push_str("| scenario | outcome over the run | mean difference | 90% interval over draws | P(lower) | parameters' share |\n");
    s.push_str("|---|---|---:|---|---:|---:|\n");
    for u in a.effects.iter().filter(|u| u.statistic != Statistic::Horizon) {
        s.push_str(&format!(
            "| {} | {} ({}) | {} | [{}, {}] | {:.2} | {:.0}% |\n",
            u.scenario,
            u.metric,
            u.statistic.name(),
            cell(u.metric, u.spread.mean),
            cell(u.metric, u.spread.lo),
            cell(u.metric, u.spread.hi),
            u.p_lower,
            100.0 * u.spread.parameter_share()
        ));
    }
    if !a.targets.is_empty() {
        s.push_str(
            "\n| scenario | target | window | mean change | 90% interval | probability of meeting it |\n",
        );
        s.push_str("|---|---|---|---:|---|---:|\n");
        for t in &a.targets {
            s.push_str(&format!(
                "| {} | {} | {} | {}% | [{}%, {}%] | {:.2} |\n",
                t.scenario,
                t.target.text,
                t.target.window(),
                human(100.0 * t.mean_change),
                human(100.0 * t.lo),
                human(100.0 * t.hi),
                t.p_meets
            ));
        }
    }
    s.push_str(
        "\nThe cost-effectiveness acceptability curves (the probability that each option has the largest net \
         benefit at each willingness to pay per recruit or homicide averted) are in `acceptability.csv` and \
         `charts/acceptability_*.png`; every pair of scenarios' P(lower) in `probabilities.csv`.\n\n",
    );
}
