//! What `narcodoor run` prints at its end: the key outcomes over the run, then at the
//! horizon, means with their 95% intervals, numbers written for people (thousands separators;
//! money with its unit, pesos of 2010) by the same formatter as `report.md`.

use std::fmt::Write as _;

use crate::command::compare::report::cell;
use crate::command::observed_fit::describe;
use crate::command::run::RunOutcome;
use crate::experiment::effects::Metric;
use crate::experiment::outcomes::Statistic;
use crate::experiment::summary::Interval;
use crate::experiment::summary::LEVEL;
use crate::experiment::trial::TrialEffect;
use narcodoor_model::metrics::{METRICS, m};
use narcodoor_numerics::uncertainty::Spread;
use narcodoor_scenario::Scenario;

/// A metric's mean and interval: `1,234.5  [1,100, 1,300]`, or with one replicate the mean
/// alone (there is no interval).
fn line(s: &mut String, name: &str, metric: Metric, iv: Interval, replicates: u32) {
    let interval = if replicates < 2 {
        "(no interval: 1 replicate)".to_string()
    } else {
        format!("[{}, {}]", cell(metric, iv.lo), cell(metric, iv.hi))
    };
    let _ = writeln!(s, "  {name:<24} {:>20}  {interval}", cell(metric, iv.mean));
}

/// The end-of-run table of `narcodoor run`.
pub fn run_summary(scenario: &Scenario, o: &RunOutcome) -> String {
    let p = &scenario.params;
    let s = &o.summary;
    let mut out = String::new();
    let Some(last) = s.rows.last() else { return out };
    let _ = writeln!(
        out,
        "{} — {} youths, {} replicates, {} months after {} of burn-in; {:.1} s ({})",
        p.run.name,
        p.total_youths(),
        p.run.replicates,
        p.run.months,
        p.run.burn_in_months,
        o.seconds,
        o.strategy.name()
    );
    let level = LEVEL * 100.0;
    // Over the run first: a flow's last month alone is a handful of events.
    let _ = writeln!(out, "Over the run, per replicate (mean and {level:.0}% CI):");
    for (i, iv) in &o.totals {
        line(&mut out, &format!("total {}", METRICS[*i]), Metric(*i), *iv, p.run.replicates);
    }
    let month = s.months.last().unwrap_or(&0);
    let _ = writeln!(out, "At the horizon (month {month}), mean and {level:.0}% CI over replicates:");
    for i in
        [m::SCHOOL, m::WORK, m::IDLE, m::MEMBERS, m::PRISON, m::RECRUITS, m::HOMICIDE_RATE, m::CARTELS_ACTIVE]
    {
        let name =
            if i == m::RECRUITS { format!("recruits in month {month}") } else { METRICS[i].to_string() };
        line(&mut out, &name, Metric(i), last[i], p.run.replicates);
    }
    if let Some(obs) = &scenario.observed {
        let _ = writeln!(
            out,
            "Against the observed data ({}; every row in observed_fit.csv):",
            obs.file.display()
        );
        for fit in &o.fit {
            let _ = writeln!(out, "  {}", describe(fit));
        }
    }
    if let Some(lever) = &p.trial.lever {
        trial_lines(&mut out, lever, &o.trial);
    }
    uncertainty_lines(&mut out, &o.uncertainty);
    let _ = writeln!(out, "Wrote {} files to {}", o.files.len(), o.out_dir.display());
    out
}

/// The trial's effects over the run, per 100 youths enrolled (trial_effects.csv).
fn trial_lines(out: &mut String, lever: &str, effects: &[TrialEffect]) {
    let Some(first) = effects.first() else {
        let _ =
            writeln!(out, "Trial ({lever}): an arm is empty, no effect measured (trial.csv has the counts)");
        return;
    };
    let _ = writeln!(
        out,
        "Trial ({lever}): {:.0} control and {:.0} treatment youths enrolled, {:.0}% of the treatment arm reached \
         ({:.0}% of controls); per 100 enrolled over the run, treatment − control (95% CI):",
        first.enrolled[0],
        first.enrolled[1],
        100.0 * first.reached[1],
        100.0 * first.reached[0]
    );
    for e in effects {
        let d = &e.difference;
        let _ = writeln!(
            out,
            "  {:<10} {:>8.3} vs {:>8.3}  {:+.3} [{:+.3}, {:+.3}]  {:+.1}%",
            e.outcome, e.rate[1], e.rate[0], d.mean, d.lo, d.hi, e.relative.0
        );
    }
}

/// Under a posterior: the totals over the run with their interval over draws and the
/// parameters' share of the variance (uncertainty.csv).
fn uncertainty_lines(out: &mut String, rows: &[(Metric, Statistic, Spread)]) {
    let Some(first) = rows.first() else { return };
    let _ = writeln!(
        out,
        "With parameter uncertainty ({} posterior draws): mean, 90% interval of the draw means, the parameters' \
         share of the variance:",
        first.2.draws
    );
    for (metric, stat, s) in rows.iter().filter(|(_, st, _)| *st == Statistic::Total) {
        let _ = writeln!(
            out,
            "  {:<30} {:>14}  [{}, {}]  parameters {:.0}%",
            format!("{} {}", stat.name(), metric),
            cell(*metric, s.mean),
            cell(*metric, s.lo),
            cell(*metric, s.hi),
            100.0 * s.parameter_share()
        );
    }
}
