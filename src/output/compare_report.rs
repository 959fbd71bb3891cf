//! `report.md` of `narcodoor compare`: the design, the statement of common random numbers,
//! the effects and costs per unit averted as Markdown tables, the charts, and how every
//! interval was computed, in a form a student can paste into a report.
//!
//! The report only shows numbers that `effects.csv` holds, rounded for reading.

use super::experiment_tables::{EffectRow, Metric, RegionalEffectRow};
use crate::experiment::compare::is_lever;
use crate::experiment::outcomes::Statistic;
use crate::experiment::stats::{Change, CostEffectStatus};
use crate::model::metrics::m;

/// One scenario of the comparison as the report names it.
#[derive(Clone, Debug)]
pub struct ReportArm {
    pub label: String,
    pub file: String,
    pub youths: u64,
    pub regions: usize,
    /// The scenario's `run.description`.
    pub description: String,
    /// Its settings that differ from the baseline's (`scenario::differences`).
    pub differences: Vec<String>,
}

/// Everything the report shows.
#[derive(Clone, Debug)]
pub struct ReportInput {
    pub narcodoor_version: &'static str,
    pub model_version: &'static str,
    pub command: String,
    pub started_utc: String,
    /// The baseline first.
    pub arms: Vec<ReportArm>,
    pub seed: u64,
    pub replicates: u32,
    pub months: u32,
    pub burn_in_months: u32,
    pub notes: Vec<String>,
    /// The rows of `effects.csv`: key metrics, then spending by lever.
    pub effects: Vec<EffectRow>,
    /// The rows of `regional_effects.csv`.
    pub regional: Vec<RegionalEffectRow>,
    /// Chart file names inside `charts/`.
    pub charts: Vec<String>,
}

/// A number for people: thousands separators for large values, two decimals for moderate
/// ones, three significant digits for small ones, and an em dash for a missing value.
pub fn human(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let a = x.abs();
    // Rounding residue of a difference that is 0 (sums over replicates in another order).
    if a < 1e-9 {
        return "0".into();
    }
    if a >= 1000.0 {
        let digits = format!("{}", a.round() as u128);
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("{}{grouped}", if x < 0.0 { "-" } else { "" })
    } else {
        // Two decimals from 1 up, three significant digits below.
        let decimals = if a >= 1.0 { 2 } else { (2 - a.log10().floor() as i32).clamp(0, 9) as usize };
        let s = format!("{x:.decimals$}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn p_text(p: f64) -> String {
    if p.is_nan() {
        "—".into()
    } else if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("{p:.3}")
    }
}

/// A relative change in percent: one decimal, or two significant digits when that would
/// round a real change to "+0.0%".
pub fn percent(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let pct = x * 100.0;
    if pct != 0.0 && pct.abs() < 0.05 {
        let decimals = (1 - pct.abs().log10().floor() as i32).clamp(2, 9) as usize;
        return format!("{pct:+.decimals$}%");
    }
    format!("{pct:+.1}%")
}

/// The words of `effects.csv`'s `change` column, as they are: one vocabulary everywhere.
pub fn change_text(c: Change) -> &'static str {
    match c {
        Change::Higher => "higher",
        Change::Lower => "lower",
        Change::None => "none",
        Change::NotSignificant => "not significant",
    }
}

/// Whether a metric is money (pesos of 2010): its cells carry the unit.
fn is_money(metric: Metric) -> bool {
    metric.0 >= m::SPENDING_TOTAL
}

/// A value with its unit when it is money.
pub fn cell(metric: Metric, x: f64) -> String {
    if is_money(metric) && x.is_finite() { format!("{} pesos", human(x)) } else { human(x) }
}

fn effects_table(out: &mut String, rows: &[&EffectRow], replicates: u32) {
    out.push_str(
        "| scenario | metric | baseline | scenario | difference [95% CI] | relative | p | change |\n",
    );
    out.push_str("|---|---|---:|---:|---|---:|---:|---|\n");
    for r in rows {
        let metric = r.metric;
        // One replicate has no interval and no test: say so instead of a zero-width interval.
        let (interval, p, change) = if replicates < 2 {
            ("[no interval: 1 replicate]".to_string(), "—".to_string(), "no test: 1 replicate")
        } else {
            (
                format!("[{}, {}]", cell(metric, r.lo), cell(metric, r.hi)),
                p_text(r.p_value),
                change_text(r.change),
            )
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} {interval} | {} | {p} | {change} |\n",
            r.scenario,
            r.metric.name().replace('_', " "),
            cell(metric, r.baseline_mean),
            cell(metric, r.scenario_mean),
            cell(metric, r.difference),
            percent(r.relative),
        ));
    }
    out.push('\n');
}

/// What each policy is: its description and the settings in which it differs from the
/// baseline, as read from the scenario files.
fn policies(out: &mut String, arms: &[ReportArm]) {
    out.push_str("## The scenarios\n\n");
    for (i, a) in arms.iter().enumerate() {
        let description =
            if a.description.is_empty() { "(no run.description)" } else { a.description.as_str() };
        out.push_str(&format!("**{}** (`{}`): {description}\n", a.label, a.file));
        if i > 0 {
            if a.differences.is_empty() {
                out.push_str("\n- No setting differs from the baseline's.\n");
            } else {
                out.push_str("\nSettings that differ from the baseline:\n\n");
                for d in &a.differences {
                    out.push_str(&format!("- `{d}`\n"));
                }
            }
        }
        out.push('\n');
    }
}

/// The title, the version and command, and the design table with how it was run.
fn design(s: &mut String, input: &ReportInput) {
    let base = &input.arms[0].label;
    let others: Vec<&str> = input.arms[1..].iter().map(|a| a.label.as_str()).collect();
    s.push_str(&format!("# Policy comparison: {} against {base}\n\n", others.join(", ")));
    s.push_str(&format!(
        "narcodoor {} (model {}), started {}. Command: `{}`\n\n",
        input.narcodoor_version, input.model_version, input.started_utc, input.command
    ));

    s.push_str("## Design\n\n| label | role | scenario file | youths | regions |\n|---|---|---|---:|---:|\n");
    for (i, a) in input.arms.iter().enumerate() {
        let role = if i == 0 { "baseline" } else { "policy" };
        s.push_str(&format!(
            "| {} | {role} | `{}` | {} | {} |\n",
            a.label,
            a.file,
            human(a.youths as f64),
            a.regions
        ));
    }
    s.push_str(&format!(
        "\nEach scenario was run for {} replicate{} of {} months after a burn-in of {} months, with {} youths \
         in the baseline, seed {}, by narcodoor {} (model {}).\n\n",
        input.replicates,
        if input.replicates == 1 { "" } else { "s" },
        input.months,
        input.burn_in_months,
        human(input.arms[0].youths as f64),
        input.seed,
        input.narcodoor_version,
        input.model_version
    ));
}

/// The statement of common random numbers and the notes on alignment.
fn common_random_numbers(s: &mut String, input: &ReportInput) {
    s.push_str(&format!(
        "**Common random numbers.** Every scenario was run with the same seed ({}), burn-in, months and \
         replicates. The engine draws every random number from streams keyed by (seed, replicate, month, \
         purpose, youth or region), never by the scenario, so replicate r of each scenario uses the same \
         random numbers as replicate r of the baseline. Differences are therefore computed replicate by \
         replicate (paired), which removes most of the noise the scenarios share.\n\n",
        input.seed
    ));
    for note in &input.notes {
        s.push_str(&format!("- Note: {note}\n"));
    }
    if !input.notes.is_empty() {
        s.push('\n');
    }
}

/// The effects at the horizon and over the run (spending by lever has its own section).
fn effects_sections(s: &mut String, input: &ReportInput) {
    let key = || input.effects.iter().filter(|r| !is_lever(r.metric));
    let horizon: Vec<&EffectRow> = key().filter(|r| r.statistic == Statistic::Horizon).collect();
    let run: Vec<&EffectRow> = key().filter(|r| r.statistic != Statistic::Horizon).collect();
    s.push_str(&format!("## Effects at the horizon (month {})\n\n", input.months.saturating_sub(1)));
    s.push_str("Difference = scenario − baseline, mean over paired replicates.\n\n");
    effects_table(s, &horizon, input.replicates);
    s.push_str("## Effects over the run\n\n");
    s.push_str(
        "Flows (recruits, homicides, spending) are totals over the reported months; stocks and rates \
         (members, prison, school, idle, homicide rate) are means over the reported months.\n\n",
    );
    effects_table(s, &run, input.replicates);
}

/// Spending broken down by lever over the run: the levers either side spends on, then the
/// total they add up to.
fn spending_section(s: &mut String, input: &ReportInput) {
    let spent = |r: &&EffectRow| is_lever(r.metric) && (r.baseline_mean != 0.0 || r.scenario_mean != 0.0);
    let mut rows: Vec<&EffectRow> = input.effects.iter().filter(spent).collect();
    s.push_str(
        "## Spending by lever

",
    );
    s.push_str(
        "Each lever's spending over the run (pesos of 2010, total per replicate); the lever rows of a \
         scenario add up to its total spending. Levers that neither side spends on are left out \
         (`effects.csv` has a row for every lever).\n\n",
    );
    if rows.is_empty() {
        s.push_str("No scenario spends on any lever.\n\n");
        return;
    }
    let total = |r: &&EffectRow| r.metric.0 == m::SPENDING_TOTAL && r.statistic == Statistic::Total;
    rows.extend(input.effects.iter().filter(total));
    // Scenario by scenario, levers first and the total last, in the order of `effects.csv`.
    let position = |label: &str| input.arms.iter().position(|a| a.label == label);
    rows.sort_by_key(|r| (position(&r.scenario), !is_lever(r.metric)));
    effects_table(s, &rows, input.replicates);
}

/// The cost per recruit and per homicide averted.
fn cost_table(s: &mut String, effects: &[EffectRow]) {
    s.push_str("## Cost-effectiveness\n\n");
    s.push_str(
        "Extra cost = the scenario's spending minus the baseline's over the run (pesos of 2010, mean per \
         replicate). Averted = the baseline's total minus the scenario's. The cost per unit averted is \
         the ratio of the two means, with a Fieller 95% interval; it is reported only when the outcome \
         fell significantly.\n\n",
    );
    s.push_str(
        "| scenario | outcome | extra cost (pesos) | averted [95% CI] | cost per unit averted (pesos) [95% CI] | status |\n",
    );
    s.push_str("|---|---|---:|---|---|---|\n");
    for r in effects {
        let Some(c) = &r.cost else { continue };
        let (ratio, status) = match c.status {
            CostEffectStatus::Averted => {
                (format!("{} [{}, {}]", human(c.ratio), human(c.lo), human(c.hi)), "averted")
            }
            CostEffectStatus::NoExtraCost => (
                format!("{} [{}, {}]", human(c.ratio), human(c.lo), human(c.hi)),
                "averted at no extra cost (dominates)",
            ),
            CostEffectStatus::Worse => ("—".into(), "outcome got significantly worse: nothing averted"),
            CostEffectStatus::NotSignificant => ("—".into(), "change not significant: no ratio"),
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} [{}, {}] | {ratio} | {status} |\n",
            r.scenario,
            r.metric.name().replace('_', " "),
            human(c.extra_cost),
            human(c.averted),
            human(c.averted_lo),
            human(c.averted_hi)
        ));
    }
    s.push('\n');
}

/// The charts, as images.
fn charts_section(s: &mut String, charts: &[String]) {
    if charts.is_empty() {
        return;
    }
    s.push_str("## Charts\n\n");
    for c in charts {
        let alt = c.trim_end_matches(".png").replace('_', " ");
        s.push_str(&format!("![{alt}](charts/{c})\n\n"));
    }
}

/// How every number of the report was computed.
const METHODS: &str = "## Methods\n\n\
- Differences: for each replicate r, d_r = scenario_r − baseline_r. The table gives the mean of \
d_r and its 95% Student t interval with n − 1 degrees of freedom (a paired t interval), and \
the two-sided p-value of the paired t-test of a zero mean difference. \"Not significant\" means \
the interval contains 0; \"none\" (as in `effects.csv`) means every d_r is exactly 0. With \
a single replicate there is no interval and no test.\n\
- Relative change: mean difference / baseline mean.\n\
- Cost per unit averted: Σ extra cost / Σ units averted over replicates (a ratio of means, not a \
mean of ratios). Its interval is Fieller's: the ratios ρ for which mean(cost − ρ·averted) is \
not significantly different from 0 (t test with n − 1 degrees of freedom, using the covariance \
of cost and averted units). It is bounded only when the units averted differ significantly \
from 0, which is why no ratio is given otherwise.\n\
- Charts: lines are means over replicates, bands 95% Student t intervals of the mean at each \
month, scenario by scenario. Those bands ignore the pairing, so overlapping bands do not mean \
that scenarios do not differ: the paired intervals of the tables and of the effects chart \
(mean paired differences with their 95% intervals) are the comparison.\n\
- Per-scenario files: `scenarios/<label>/timeseries.csv` (every replicate and month) and \
`summary.csv` (mean and 95% interval per month), as written by `narcodoor run`.\n";

/// The Markdown text of the report.
pub fn render(input: &ReportInput) -> String {
    let mut s = String::new();
    design(&mut s, input);
    policies(&mut s, &input.arms);
    common_random_numbers(&mut s, input);
    effects_sections(&mut s, input);
    spending_section(&mut s, input);
    cost_table(&mut s, &input.effects);
    super::compare_report_regions::regional_section(&mut s, &input.regional, input.replicates);
    charts_section(&mut s, &input.charts);
    s.push_str(METHODS);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(human(1234567.4), "1,234,567");
        assert_eq!(human(-2500.0), "-2,500");
        assert_eq!(human(12.345), "12.35");
        assert_eq!(human(3.0), "3");
        assert_eq!(human(0.0), "0");
        assert_eq!(human(0.01234), "0.0123");
        assert_eq!(human(-0.075), "-0.075");
        assert_eq!(human(3e-15), "0");
        assert_eq!(human(f64::NAN), "—");
        assert_eq!(p_text(0.0001), "< 0.001");
    }

    fn arm(label: &str, differences: &[&str]) -> ReportArm {
        ReportArm {
            label: label.into(),
            file: format!("scenarios/{label}.toml"),
            youths: 200_000,
            regions: 4,
            description: format!("the {label} policy"),
            differences: differences.iter().map(|d| d.to_string()).collect(),
        }
    }

    fn input(replicates: u32, rows: Vec<EffectRow>) -> ReportInput {
        ReportInput {
            narcodoor_version: "0.1.0",
            model_version: "NDM-1",
            command: "narcodoor compare".into(),
            started_utc: "2026-01-01T00:00:00Z".into(),
            arms: vec![arm("baseline", &[]), arm("kingpin", &["policy.kingpin on (off in the baseline)"])],
            seed: 7,
            replicates,
            months: 240,
            burn_in_months: 120,
            notes: Vec::new(),
            effects: rows,
            regional: Vec::new(),
            charts: Vec::new(),
        }
    }

    fn row(metric: usize, difference: f64, relative: f64, change: Change) -> EffectRow {
        EffectRow {
            scenario: "kingpin".into(),
            baseline: "baseline".into(),
            metric: Metric(metric),
            statistic: Statistic::Horizon,
            replicates: 1,
            baseline_mean: 1_234_567.0,
            scenario_mean: 1_234_567.0 + difference,
            difference,
            lo: difference,
            hi: difference,
            relative,
            p_value: f64::NAN,
            change,
            cost: None,
        }
    }

    #[test]
    fn the_report_says_what_was_run_and_what_each_policy_is() {
        let text = render(&input(10, vec![row(m::MEMBERS, -6.0, -0.1, Change::Lower)]));
        assert!(!text.contains("baseline (baseline)"), "{text}");
        assert!(text.contains("| baseline | baseline |"), "{text}");
        assert!(
            text.contains("the kingpin policy") && text.contains("`policy.kingpin on (off in the baseline)`")
        );
        assert!(text.contains("seed 7") && text.contains("10 replicates") && text.contains("200,000 youths"));
        assert!(text.contains("narcodoor 0.1.0 (model NDM-1)"));
    }

    #[test]
    fn one_replicate_has_no_interval() {
        let text = render(&input(1, vec![row(m::MEMBERS, -6.0, -0.1, Change::NotSignificant)]));
        assert!(!text.contains("[-6, -6]"), "{text}");
        assert!(
            text.contains("[no interval: 1 replicate]") && text.contains("no test: 1 replicate"),
            "{text}"
        );
    }

    #[test]
    fn wording_and_units_agree() {
        // A significant change of 0.046% does not print as +0.0%.
        assert_eq!(percent(0.00046), "+0.046%");
        assert_eq!(percent(-0.0000123), "-0.0012%");
        assert_eq!(percent(0.097), "+9.7%");
        assert_eq!(percent(0.0), "+0.0%");
        // effects.csv's "none" is the report's "none".
        assert_eq!(change_text(Change::None), Change::None.name());
        // Money carries its unit and thousands separators.
        let text = render(&input(10, vec![row(m::SPENDING_TOTAL, 884_909.0, f64::NAN, Change::Higher)]));
        assert!(text.contains("884,909 pesos"), "{text}");
    }
}
