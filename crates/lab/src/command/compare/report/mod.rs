//! `report.md` of `narcodoor compare`: the design, the statement of common random numbers,
//! the effects and costs per unit averted as Markdown tables, the charts, and how every
//! interval was computed, in a form a student can paste into a report.
//!
//! The report only shows numbers that `effects.csv` holds, rounded for reading.

pub mod posterior;
pub mod regions;

use crate::experiment::effects::Caveat;
use crate::experiment::effects::caveat_words;
use crate::experiment::effects::is_lever;
use crate::experiment::effects::{EffectRow, Metric, RegionalEffectRow};
use crate::experiment::outcomes::{Statistic, TRAILING_MONTHS};
use crate::experiment::posterior_answers::PosteriorAnswers;
use narcodoor_model::metrics::m;
use narcodoor_numerics::stats::{Change, CostEffectStatus};

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
    /// Its levers outside the government's hands, then those free by assumption.
    pub caveats: (Vec<&'static str>, Vec<&'static str>),
    /// Its fit to the observed data it names (`run.observed`), one line per kind.
    pub fit: Vec<String>,
}

/// Everything the report shows.
#[derive(Clone, Debug)]
pub struct ReportInput {
    pub narcodoor_version: &'static str,
    pub model_version: &'static str,
    pub command: String,
    /// The git commit the binary was built from (`unknown` outside a repository).
    pub commit: &'static str,
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
    /// Under a posterior: what the comparison answers, and the posterior's file.
    pub posterior: Option<(PosteriorAnswers, String)>,
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
        "| scenario | metric | baseline | scenario | difference [95% CI] | relative change (%) | p | change |\n",
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
        let (exogenous, free) = &a.caveats;
        if !exogenous.is_empty() {
            out.push_str(&format!(
                "\n**Outside the government's hands:** `{}` (a cut in consumer-country demand is not a \
                 policy Mexico can buy; its effect is a reference, not an option).\n",
                exogenous.join("`, `")
            ));
        }
        if !free.is_empty() {
            out.push_str(&format!(
                "\n**Cost assumed zero:** `{}` (no cost is modelled, so its spending and its cost per unit \
                 averted are understated, and it is never said to dominate).\n",
                free.join("`, `")
            ));
        }
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
}

/// What the terminal and the manifest warned of, before any number.
/// How far each scenario that names observed data is from it (every row in
/// `scenarios/<label>/observed_fit.csv`).
fn fit_section(s: &mut String, arms: &[ReportArm]) {
    if arms.iter().all(|a| a.fit.is_empty()) {
        return;
    }
    s.push_str("## Fit to observed data\n\n");
    s.push_str("Every observation beside the simulated mean of its months is in ");
    s.push_str(
        "`scenarios/<label>/observed_fit.csv`; the log error is ln((simulated + c) / (observed + c)), ",
    );
    s.push_str("c a tenth of the kind's mean observed value.\n\n");
    for a in arms.iter().filter(|a| !a.fit.is_empty()) {
        for line in &a.fit {
            s.push_str(&format!("- {}: {line}\n", a.label));
        }
    }
    s.push('\n');
}

fn warnings_section(s: &mut String, notes: &[String]) {
    if notes.is_empty() {
        return;
    }
    s.push_str("## Warnings\n\n");
    for note in notes {
        s.push_str(&format!("- **Warning:** {note}\n"));
    }
    s.push('\n');
}

/// What to paste to cite the result: the command, the version and commit, the reference.
fn citation_section(s: &mut String, input: &ReportInput) {
    s.push_str("## How to cite this result\n\n");
    s.push_str(
        "Paste the command, the version and the reference with any number quoted from this report:\n\n",
    );
    s.push_str(&format!(
        "narcodoor {} (model {}, commit {}). Command: `{}`\n\n",
        input.narcodoor_version, input.model_version, input.commit, input.command
    ));
    s.push_str(&format!("> {}\n\n", citation_reference(input.narcodoor_version)));
}

/// The reference of CITATION.cff (its title, authors and version), as one line.
pub fn citation_reference(version: &str) -> String {
    format!(
        "The narcodoor developers. narcodoor: an agent-based simulation of youth recruitment into drug \
         cartels (the NDM-1 narco door model), version {version}. Software, MIT OR Apache-2.0. See \
         CITATION.cff."
    )
}

/// The effects over the run first (what a memo should quote), then at the horizon: stocks
/// and rates in the last month, flows over the last 12 months (spending by lever has its
/// own section).
fn effects_sections(s: &mut String, input: &ReportInput) {
    let key = || input.effects.iter().filter(|r| !is_lever(r.metric));
    let horizon: Vec<&EffectRow> = key().filter(|r| r.statistic == Statistic::Horizon).collect();
    let run: Vec<&EffectRow> = key().filter(|r| r.statistic != Statistic::Horizon).collect();
    s.push_str(&format!("## Effects over the run ({} months)\n\n", input.months));
    s.push_str(
        "Difference = scenario − baseline, mean over paired replicates. Flows (recruits, homicides, \
         spending) are totals over the reported months; stocks and rates (members, prison, school, idle, \
         homicide rate) are means over the reported months.\n\n",
    );
    effects_table(s, &run, input.replicates);
    let last = input.months.saturating_sub(1);
    let first = input.months.saturating_sub(TRAILING_MONTHS as u32);
    s.push_str(&format!("## Effects at the end of the run (months {first}–{last})\n\n"));
    s.push_str(&format!(
        "Stocks and rates in the last month (month {last}); flows (recruits, homicides, spending) summed \
         over the last {} reported months, so that a policy whose spending or recruits come in bursts \
         is not judged on one month.\n\n",
        last + 1 - first
    ));
    effects_table(s, &horizon, input.replicates);
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

/// A cost-effectiveness status in words. A scenario whose lever is outside the government's
/// hands or free by assumption never "dominates": its zero cost is an assumption, not a
/// finding.
pub fn cost_status_words(status: CostEffectStatus, caveat: Caveat) -> String {
    let words = match status {
        CostEffectStatus::Averted => "averted",
        CostEffectStatus::NoExtraCost if caveat != Caveat::None => "averted at no modelled cost",
        CostEffectStatus::NoExtraCost => "averted at no extra cost (dominates)",
        CostEffectStatus::Worse => "outcome got significantly worse: nothing averted",
        CostEffectStatus::NotSignificant => "change not significant: no ratio",
    };
    if caveat == Caveat::None { words.into() } else { format!("{words}; {}", caveat_words(caveat)) }
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
        let status = cost_status_words(c.status, r.caveat);
        let ratio = match c.status {
            CostEffectStatus::Averted | CostEffectStatus::NoExtraCost => {
                format!("{} [{}, {}]", human(c.ratio), human(c.lo), human(c.hi))
            }
            CostEffectStatus::Worse | CostEffectStatus::NotSignificant => "—".into(),
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

/// Incremental cost-effectiveness: scenarios ranked by cost, each against the next cheaper
/// one that is not dominated (`incremental.csv`).
fn incremental_section(s: &mut String, input: &ReportInput) {
    s.push_str("## Incremental cost-effectiveness\n\n");
    s.push_str(
        "Scenarios ranked by extra cost over the baseline; each scenario on the frontier is compared \
         with the next cheaper scenario on it (the health-economics convention): incremental cost per \
         unit averted = (its cost − that one's) / (its units averted − that one's). *Dominated*: \
         another scenario costs no more and averts at least as much. *Extendedly dominated*: its \
         incremental ratio is higher than the next dearer scenario's, so a mix of its neighbours does \
         better. Means over paired replicates, without intervals (`effects.csv` has each scenario's \
         intervals against the baseline). Scenarios with a cost caveat are not ranked.\n\n",
    );
    let excluded: Vec<&str> = input.arms[1..]
        .iter()
        .filter(|a| !a.caveats.0.is_empty() || !a.caveats.1.is_empty())
        .map(|a| a.label.as_str())
        .collect();
    for (metric, rows) in crate::command::compare::incremental_tables(&input.arms[0].label, &input.effects) {
        let unit = metric.name().trim_end_matches('s');
        s.push_str(&format!("**Per {} averted**\n\n", unit.replace('_', " ")));
        s.push_str("| rank | scenario | extra cost (pesos) | averted | standing | compared with | incremental cost per unit averted (pesos) |\n");
        s.push_str("|---:|---|---:|---:|---|---|---:|\n");
        for (i, r) in rows.iter().enumerate() {
            s.push_str(&format!(
                "| {i} | {} | {} | {} | {} | {} | {} |\n",
                r.label,
                human(r.cost),
                human(r.averted),
                r.standing.name().replace('_', " "),
                r.against.as_deref().unwrap_or("—"),
                human(r.ratio)
            ));
        }
        s.push('\n');
    }
    if !excluded.is_empty() {
        s.push_str(&format!("Not ranked (cost caveat): {}.\n\n", excluded.join(", ")));
    }
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
- Relative change: mean difference / baseline mean, in percent here; `effects.csv`'s \
`relative_change` is the same number as a fraction (−0.27 there is −27.0% here).\n\
- Intervals of a level (a mean over replicates, as in `summary.csv` and the charts' bands) \
are Student t intervals cut at 0 below: no count, stock, rate or spending can be negative, so \
the cut keeps at least 95% coverage. Differences may be negative and are never cut.\n\
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
    warnings_section(&mut s, &input.notes);
    fit_section(&mut s, &input.arms);
    common_random_numbers(&mut s, input);
    effects_sections(&mut s, input);
    spending_section(&mut s, input);
    cost_table(&mut s, &input.effects);
    incremental_section(&mut s, input);
    let posterior = input.posterior.as_ref();
    crate::command::compare::report::posterior::section(
        &mut s,
        posterior.map(|p| &p.0),
        posterior.map_or("", |p| &p.1),
    );
    crate::command::compare::report::regions::regional_section(&mut s, &input.regional, input.replicates);
    charts_section(&mut s, &input.charts);
    s.push_str(METHODS);
    s.push('\n');
    citation_section(&mut s, input);
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
            fit: Vec::new(),
            label: label.into(),
            file: format!("scenarios/{label}.toml"),
            youths: 200_000,
            regions: 4,
            description: format!("the {label} policy"),
            differences: differences.iter().map(|d| d.to_string()).collect(),
            caveats: (Vec::new(), Vec::new()),
        }
    }

    fn input(replicates: u32, rows: Vec<EffectRow>) -> ReportInput {
        ReportInput {
            posterior: None,
            narcodoor_version: "0.1.0",
            model_version: "NDM-1",
            command: "narcodoor compare".into(),
            commit: "0123abcd",
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
            caveat: crate::experiment::effects::Caveat::None,
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
        // The report ends with what to paste: command, version, commit, reference.
        let cite = &text[text.find("## How to cite this result").expect("a citation section")..];
        assert!(
            cite.contains("narcodoor 0.1.0 (model NDM-1, commit 0123abcd). Command: `narcodoor compare`")
        );
        assert!(cite.contains("version 0.1.0") && cite.contains("CITATION.cff"), "{cite}");
        // Over the run comes before the end of the run.
        assert!(text.find("## Effects over the run").unwrap() < text.find("## Effects at the end").unwrap());
        assert!(
            text.contains("relative change (%)")
                && text.contains("`relative_change` is the same number as a fraction")
        );
    }

    #[test]
    fn warnings_come_before_the_numbers() {
        let mut i = input(3, vec![row(m::MEMBERS, -6.0, -0.1, Change::Lower)]);
        i.notes.push("only 3 replicates: intervals are very wide".into());
        let text = render(&i);
        let w = text.find("- **Warning:** only 3 replicates").expect("the warning is in the report");
        assert!(w < text.find("## Effects over the run").unwrap());
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
