//! `compare`'s end-of-run text for the terminal: each scenario's effects over the run
//! and at its end, the costs per unit averted, and, under a posterior, what survives the
//! parameters' uncertainty.

use crate::command::compare::CompareOutcome;
use crate::experiment::effects::EffectRow;
use crate::experiment::effects::is_lever;
use crate::experiment::outcomes::Statistic;
use crate::experiment::posterior_answers::{PosteriorAnswers, UncertainEffect};
use crate::experiment::summary::LEVEL;
use narcodoor_model::metrics::m;
use narcodoor_numerics::stats::{Change, CostEffectStatus};

/// One effect in the terminal: metric and statistic, difference, interval, change.
fn effect_line(r: &EffectRow) -> String {
    use crate::command::compare::report::cell;
    let name = format!("{} ({})", r.metric, r.statistic.name());
    format!(
        "    {:<31} {:>16}  [{}, {}]  {}\n",
        name,
        cell(r.metric, r.difference),
        cell(r.metric, r.lo),
        cell(r.metric, r.hi),
        r.change.name().replace('_', " ")
    )
}

/// The end-of-comparison text: the run and horizon effects of each scenario, the costs per
/// unit averted, and the statement of common random numbers.
pub fn summary_text(o: &CompareOutcome, seed: u64) -> String {
    use crate::command::compare::report::human;
    let mut s = String::new();
    let base = &o.arms[0].label;
    let n = o.arms[0].reduced.len();
    s.push_str(&format!(
        "Compared with {base}: {} scenario(s), {n} paired replicates each (common random numbers: seed {seed} for all).\n",
        o.arms.len() - 1
    ));
    for note in &o.notes {
        s.push_str(&format!("  note: {note}\n"));
    }
    for arm in &o.arms[1..] {
        s.push_str(&format!(
            "{} − {base}, mean difference and paired {:.0}% CI:\n",
            arm.label,
            LEVEL * 100.0
        ));
        // Over the run first (spending always), then the last 12 months; levers that
        // neither side spends on say nothing.
        let shown =
            |r: &&EffectRow| r.scenario == arm.label && !(is_lever(r.metric) && r.change == Change::None);
        let heads = ["over the run", "at the end of the run (stocks: last month; flows: last 12 months)"];
        for (head, at_end) in heads.into_iter().zip([false, true]) {
            s.push_str(&format!("  {head}:\n"));
            let part = |r: &&EffectRow| (r.statistic == Statistic::Horizon) == at_end;
            for r in o.effects.iter().filter(shown).filter(part) {
                s.push_str(&effect_line(r));
            }
        }
        for r in o.effects.iter().filter(|r| r.scenario == arm.label) {
            if let Some(c) = &r.cost {
                let what = format!("cost per {} averted", r.metric.name().trim_end_matches('s'));
                let text = match c.status {
                    CostEffectStatus::Averted | CostEffectStatus::NoExtraCost => {
                        format!(
                            "{} pesos  [{}, {}]  ({})",
                            human(c.ratio),
                            human(c.lo),
                            human(c.hi),
                            crate::command::compare::report::cost_status_words(c.status, r.caveat)
                        )
                    }
                    CostEffectStatus::Worse => format!("none: {} got significantly worse", r.metric),
                    _ if r.change == Change::None => format!("not reported: no difference in {}", r.metric),
                    _ => format!("not reported: the change in {} is not significant", r.metric),
                };
                s.push_str(&format!("  {what:<33} {text}\n"));
            }
        }
    }
    if let Some(a) = &o.answers {
        s.push_str(&uncertainty_text(a, base));
    }
    for w in &o.warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    s.push_str(&format!("Wrote {} files to {}\n", o.files.len(), o.out_dir.display()));
    s
}

/// Under a posterior: each scenario's effect on recruits and homicides over the run with
/// its interval over draws, the probability it is below the baseline, and the parameters'
/// share of the variance; then the targets.
fn uncertainty_text(a: &PosteriorAnswers, base: &str) -> String {
    use crate::command::compare::report::cell;
    let mut s = format!(
        "With parameter uncertainty ({} posterior draws; 90% interval of the draw means, P(below {base}), \
         the parameters' share of the variance):\n",
        a.draws
    );
    let shown = |u: &&UncertainEffect| {
        u.statistic == Statistic::Total && (u.metric.0 == m::RECRUITS || u.metric.0 == m::HOMICIDES)
    };
    for u in a.effects.iter().filter(shown) {
        let name = format!("{} − {base}: {}", u.scenario, u.metric);
        s.push_str(&format!(
            "    {:<40} {:>12}  [{}, {}]  P(lower) {:.2}  parameters {:.0}%\n",
            name,
            cell(u.metric, u.spread.mean),
            cell(u.metric, u.spread.lo),
            cell(u.metric, u.spread.hi),
            u.p_lower,
            100.0 * u.spread.parameter_share()
        ));
    }
    for t in &a.targets {
        s.push_str(&format!(
            "    {} meets {} ({}): probability {:.2}\n",
            t.scenario,
            t.target.text,
            t.target.window(),
            t.p_meets
        ));
    }
    s
}
