//! `narcodoor compare`: several scenarios run with common random numbers, and every one
//! after the first compared with the first (the baseline) replicate by replicate.
//!
//! Pairing is what makes the comparison sharp. The engine keys every random stream by
//! (seed, replicate, month, purpose, slot) and never by the scenario, so replicate r of two
//! scenarios run with the same seed, burn-in and months draws the same numbers wherever
//! the two models do the same thing; the difference between them is then mostly the
//! policy's effect and little noise, and a paired t interval on the per-replicate
//! differences is far narrower than comparing two independent means. To make this hold
//! whatever the files say, every scenario is run with the baseline's seed, replicates,
//! months and burn-in (after the command-line overrides), and each change is reported.
//!
//! Outputs: `effects.csv` (differences, intervals, p-values, cost per recruit and per
//! homicide averted with Fieller intervals), `scenarios/<label>/timeseries.csv` and
//! `summary.csv` in the formats of `narcodoor run`, charts, `report.md` and
//! `manifest.json`, written last.

pub mod checks;
pub mod prepare;
pub mod regions;
pub mod report;
pub mod text;

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::command::compare::regions::{ArmRegions, RegionStream, regional_effects};
use crate::command::compare::report::{ReportArm, ReportInput};
use crate::command::observed_fit::{FitBuilder, GroupFit, describe, group_fits, write_fit};
use crate::command::runner::{Experiment, Runner, Settings, details_field};
use crate::error::InputError;
use crate::experiment::effects::{COST_OUTCOMES, EffectRow, KEY_METRICS, Metric, RegionalEffectRow};
use crate::experiment::icer::Incremental;
use crate::experiment::outcomes::{Reduced, Statistic, run_statistic};
use crate::experiment::posterior::{Draws, for_replicate};
use crate::experiment::posterior_answers::{ArmValues, PosteriorAnswers, Target, answers};
use crate::experiment::summary::Summary;
use crate::experiment::summary::{LEVEL, SummaryBuilder};
use crate::output::atomic::write_file;
use crate::output::experiment_tables::{write_effects, write_incremental, write_regional_effects};
use crate::output::manifest::{MODEL_VERSION, Scale};
use crate::output::tables::TimeseriesWriter;
use crate::output::uncertainty_tables::write_answers;
use crate::output::{experiment_charts, run_charts};
use narcodoor_engine::{Job, ReplicateResult, Strategy};
use narcodoor_model::calendar::YearMonth;
use narcodoor_model::metrics::{N_METRICS, m};
use narcodoor_model::params::Params;
use narcodoor_numerics::stats::{cost_per_unit_averted, paired};
use narcodoor_scenario::{Overrides, Scenario, lever_windows, resolved_json, set_value_f64};

pub use crate::command::compare::text::summary_text;

/// A scenario in a comparison, with the label that names it in every output.
#[derive(Clone, Debug)]
pub struct Arm {
    pub label: String,
    pub scenario: Scenario,
}

/// Scenarios ready to be compared: labelled, and run settings aligned on the baseline.
#[derive(Clone, Debug)]
pub struct Aligned {
    pub arms: Vec<Arm>,
    /// What was changed to pair the replicates, and differences a reader should know of.
    pub notes: Vec<String>,
}

/// A scenario name made safe for a directory name: letters, digits, `-`, `_` and `.`.
fn sanitize(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() { "scenario".into() } else { s }
}

/// Labels from the scenarios' names, made unique by suffixes `-2`, `-3`, ... (a scenario
/// compared with itself gets two labels).
pub fn labels(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let base = sanitize(name);
        let mut label = base.clone();
        let mut k = 2;
        while out.contains(&label) {
            label = format!("{base}-{k}");
            k += 1;
        }
        out.push(label);
    }
    out
}

/// Labels the scenarios and runs every one after the first with the first's seed,
/// replicates, months and burn-in, noting each change. Needs at least two scenarios.
pub fn align(scenarios: Vec<Scenario>) -> anyhow::Result<Aligned> {
    if scenarios.len() < 2 {
        return Err(InputError::new(
            "compare needs at least two scenario files: the baseline first, then the scenarios to compare with it",
        )
        .into());
    }
    let names: Vec<String> = scenarios.iter().map(|s| s.params.run.name.clone()).collect();
    let labels = labels(&names);
    let base = scenarios[0].params.run.clone();
    let base_youths = scenarios[0].params.total_youths();
    let mut notes = Vec::new();
    let mut arms = Vec::with_capacity(scenarios.len());
    for (i, (mut s, label)) in scenarios.into_iter().zip(labels).enumerate() {
        if i > 0 {
            let r = &s.params.run;
            let mut changed = Vec::new();
            if r.seed != base.seed {
                changed.push(format!("seed {} → {}", r.seed, base.seed));
            }
            if r.replicates != base.replicates {
                changed.push(format!("replicates {} → {}", r.replicates, base.replicates));
            }
            if r.months != base.months {
                changed.push(format!("months {} → {}", r.months, base.months));
            }
            if r.burn_in_months != base.burn_in_months {
                changed.push(format!("burn-in {} → {} months", r.burn_in_months, base.burn_in_months));
            }
            if !changed.is_empty() {
                let o = Overrides {
                    youths: None,
                    months: Some(base.months),
                    replicates: Some(base.replicates),
                    seed: Some(base.seed),
                };
                s.apply(&o).with_context(|| format!("cannot align {} on the baseline", s.path.display()))?;
                set_value_f64(&mut s.params, "run.burn_in_months", f64::from(base.burn_in_months))
                    .with_context(|| format!("cannot align {} on the baseline", s.path.display()))?;
                notes.push(format!(
                    "{label} ({}): {} (the baseline's settings, so that its replicates pair with the baseline's)",
                    s.path.display(),
                    changed.join(", ")
                ));
            }
            let youths = s.params.total_youths();
            if youths != base_youths {
                notes.push(format!(
                    "{label} has {youths} youths against {base_youths} in the baseline: counts differ in scale as well as by policy"
                ));
            }
        }
        arms.push(Arm { label, scenario: s });
    }
    notes.extend(crate::command::compare::checks::replicate_warning(base.replicates));
    Ok(Aligned { arms, notes })
}

/// How to run a comparison.
#[derive(Clone, Debug)]
pub struct CompareOptions {
    pub out_dir: PathBuf,
    pub charts: bool,
    /// Threads, display, cancellation flag and the command line (manifest and report).
    pub settings: Settings,
    /// Parameter uncertainty: replicate r of every scenario runs draw r mod K.
    pub posterior: Option<Draws>,
    /// Stated changes whose probability `targets.csv` gives (under a posterior only).
    pub targets: Vec<Target>,
}

/// One scenario's results.
#[derive(Clone, Debug)]
pub struct ArmResult {
    pub label: String,
    /// Every replicate reduced to its horizon and totals, in replicate order.
    pub reduced: Vec<Reduced>,
    /// Every replicate reduced region by region.
    pub regions: ArmRegions,
    pub summary: Summary,
    pub strategy: Strategy,
    /// The fit to the scenario's observed data (`run.observed`), if it names any.
    pub fit: Vec<GroupFit>,
}

/// What a finished comparison reports back.
#[derive(Clone, Debug)]
pub struct CompareOutcome {
    pub out_dir: PathBuf,
    pub arms: Vec<ArmResult>,
    pub effects: Vec<EffectRow>,
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
    pub files: Vec<String>,
    pub seconds: f64,
    /// What the comparison answers under a posterior (`--posterior`).
    pub answers: Option<PosteriorAnswers>,
}

/// The row of `effects.csv` (without its cost) comparing `scenario` with `baseline`, one
/// value per replicate each, paired by position.
pub fn effect_row(
    labels: (&str, &str),
    metric: usize,
    stat: Statistic,
    baseline: &[f64],
    scenario: &[f64],
) -> anyhow::Result<EffectRow> {
    let e = paired(baseline, scenario, LEVEL).context("paired comparison")?;
    Ok(EffectRow {
        scenario: labels.1.to_string(),
        baseline: labels.0.to_string(),
        metric: Metric(metric),
        statistic: stat,
        replicates: e.n,
        baseline_mean: e.mean_a,
        scenario_mean: e.mean_b,
        difference: e.diff,
        lo: e.lo,
        hi: e.hi,
        relative: e.relative,
        p_value: e.p_value,
        change: e.change,
        cost: None,
        caveat: crate::experiment::effects::Caveat::None,
    })
}

/// The rows of `effects.csv` for one scenario against the baseline: every key metric at
/// the horizon and over the run, in [`KEY_METRICS`] order, with the cost per unit averted
/// on the run rows of [`COST_OUTCOMES`]. Both slices hold one reduced replicate per
/// replicate index, paired by position.
pub fn effects(
    baseline_label: &str,
    baseline: &[Reduced],
    label: &str,
    scenario: &[Reduced],
) -> anyhow::Result<Vec<EffectRow>> {
    let mut rows = Vec::new();
    let spend_b = Reduced::values(baseline, m::SPENDING_TOTAL, Statistic::Total);
    let spend_s = Reduced::values(scenario, m::SPENDING_TOTAL, Statistic::Total);
    let extra_cost: Vec<f64> = spend_s.iter().zip(&spend_b).map(|(s, b)| s - b).collect();
    for &metric in &KEY_METRICS {
        for stat in [Statistic::Horizon, run_statistic(metric)] {
            let a = Reduced::values(baseline, metric, stat);
            let b = Reduced::values(scenario, metric, stat);
            let mut row = effect_row((baseline_label, label), metric, stat, &a, &b)?;
            if stat == Statistic::Total && COST_OUTCOMES.contains(&metric) {
                let averted: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
                row.cost = Some(
                    cost_per_unit_averted(&extra_cost, &averted, LEVEL).context("cost per unit averted")?,
                );
            }
            rows.push(row);
        }
    }
    Ok(rows)
}

/// The rows of `effects.csv` that break one scenario's spending down by lever: each
/// lever's spending over the run (`spending_<lever>`, statistic `total`), in the order of
/// the levers. Their differences add up to the `spending_total` difference over the run.
pub fn spending_effects(
    baseline_label: &str,
    baseline: &[Reduced],
    label: &str,
    scenario: &[Reduced],
) -> anyhow::Result<Vec<EffectRow>> {
    (m::SPENDING_FIRST..N_METRICS)
        .map(|metric| {
            let a = Reduced::values(baseline, metric, Statistic::Total);
            let b = Reduced::values(scenario, metric, Statistic::Total);
            effect_row((baseline_label, label), metric, Statistic::Total, &a, &b)
        })
        .collect()
}

/// The jobs of a comparison, replicate by replicate: job `j` is replicate `j / arms` of
/// arm `j % arms`, so the scenarios of one replicate run side by side. Under a posterior
/// (`drawn[a]`: arm a under every draw) replicate r of every arm runs draw r mod K.
fn compare_jobs<'a>(aligned: &'a Aligned, drawn: &'a [Vec<Params>]) -> Vec<Job<'a>> {
    let reps = aligned.arms[0].scenario.params.run.replicates;
    let params = move |a: usize, r: u32| {
        for_replicate(drawn.get(a).map_or(&[], Vec::as_slice), &aligned.arms[a].scenario.params, r)
    };
    (0..reps)
        .flat_map(|replicate| {
            (0..aligned.arms.len()).map(move |a| Job { params: params(a, replicate), replicate })
        })
        .collect()
}

/// One arm's streamed outputs while the comparison runs, in `scenarios/<label>/`.
struct ArmStream {
    dir: PathBuf,
    label: String,
    start: Option<YearMonth>,
    ts: TimeseriesWriter,
    regions: RegionStream,
    builder: SummaryBuilder,
    reduced: Vec<Reduced>,
    fit: Option<FitBuilder>,
}

impl ArmStream {
    /// Opens the streamed files of an arm, dated as `run` dates them.
    fn create(out_dir: &Path, arm: &Arm) -> anyhow::Result<Self> {
        let dir = out_dir.join("scenarios").join(&arm.label);
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let p = &arm.scenario.params;
        let start = p.run.start;
        let path = dir.join("timeseries.csv");
        let ts = TimeseriesWriter::create_dated(&path, start)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let names: Vec<String> = p.regions.iter().map(|r| r.name.clone()).collect();
        let builder = SummaryBuilder::new(p.regions.len());
        let fit = arm.scenario.observed.as_ref().map(|o| FitBuilder::new(o, p.run.months, &names));
        let regions = RegionStream::create(&dir, names, start)?;
        Ok(ArmStream { dir, label: arm.label.clone(), start, ts, regions, builder, reduced: Vec::new(), fit })
    }

    fn add(&mut self, res: &ReplicateResult) -> std::io::Result<()> {
        self.ts.write(res)?;
        self.regions.add(res)?;
        self.builder.add(res);
        self.reduced.push(Reduced::of(res));
        if let Some(f) = &mut self.fit {
            f.add(res);
        }
        Ok(())
    }

    /// Writes the arm's files under their names, listing them in `files`.
    fn finish(self, strategy: Strategy, files: &mut Vec<String>) -> anyhow::Result<ArmResult> {
        let path = self.dir.join("timeseries.csv");
        self.ts.finish().with_context(|| format!("cannot write {}", path.display()))?;
        let summary = self.builder.national();
        let path = self.dir.join("summary.csv");
        summary.write_dated(&path, self.start).with_context(|| format!("cannot write {}", path.display()))?;
        let summaries: Vec<Summary> =
            (0..self.regions.region_count()).map(|r| self.builder.region(r)).collect();
        let regions = self.regions.finish(&self.dir, &summaries)?;
        for f in ARM_FILES {
            files.push(format!("scenarios/{}/{f}", self.label));
        }
        // As `run` does: the fit to the scenario's observed data, for the report.
        let fit = match &self.fit {
            Some(f) => {
                let (rows, path) = (f.finish(), self.dir.join("observed_fit.csv"));
                write_fit(&path, &rows).with_context(|| format!("cannot write {}", path.display()))?;
                files.push(format!("scenarios/{}/observed_fit.csv", self.label));
                group_fits(&rows)
            }
            None => Vec::new(),
        };
        Ok(ArmResult { label: self.label, reduced: self.reduced, regions, summary, strategy, fit })
    }
}

/// The files of each scenario in `scenarios/<label>/`, in the formats of `narcodoor run`.
pub const ARM_FILES: [&str; 4] = ["timeseries.csv", "summary.csv", "regions.csv", "regions_summary.csv"];

/// Runs every arm's replicates (all on one job list, with all threads), streaming each
/// arm's `scenarios/<label>/timeseries.csv` and `regions.csv`, and writes the
/// comparison's files into `opts.out_dir`.
pub fn run_compare(aligned: &Aligned, opts: &CompareOptions) -> anyhow::Result<CompareOutcome> {
    let dir = &opts.out_dir;
    let base = &aligned.arms[0].scenario.params;
    let drawn = match &opts.posterior {
        Some(d) => aligned
            .arms
            .iter()
            .map(|a| d.apply(&a.scenario.params, &a.label))
            .collect::<anyhow::Result<_>>()?,
        None => Vec::new(),
    };
    let mut inputs: Vec<PathBuf> =
        aligned.arms.iter().flat_map(|a| a.scenario.files.iter().cloned()).collect();
    inputs.extend(opts.posterior.as_ref().map(|d| PathBuf::from(&d.posterior.file)));
    let experiment =
        Experiment { name: "compare", out_dir: dir, scale: Scale::of(base), inputs, paired: true };
    let mut runner = Runner::start(experiment, opts.settings.clone())?;
    let mut streams = Vec::with_capacity(aligned.arms.len());
    for arm in &aligned.arms {
        streams.push(ArmStream::create(dir, arm)?);
    }
    let n = aligned.arms.len();
    let reps = base.run.replicates;
    let jobs = compare_jobs(aligned, &drawn);
    let mut target_values = vec![vec![Vec::new(); opts.targets.len()]; n];
    let job_name = |j: usize| {
        format!("{} ({}/{n}): replicate {}/{reps}", aligned.arms[j % n].label, j % n + 1, j / n + 1)
    };
    let result = runner.run(&format!("compare ({n} scenarios)"), &jobs, &job_name, |j, res| {
        streams[j % n].add(&res)?;
        for (t, target) in opts.targets.iter().enumerate() {
            target_values[j % n][t].push(target.value(&res));
        }
        Ok(())
    });
    let strategy = match result {
        Ok(strategy) => strategy,
        Err(e) => return Err(runner.abandon(Vec::new(), e.context("the comparison stopped"))),
    };
    let mut files = Vec::new();
    let mut arms = Vec::with_capacity(n);
    for s in streams {
        arms.push(s.finish(strategy, &mut files)?);
    }
    write_results(aligned, opts, runner, arms, (files, &target_values))
}

/// Marks the effect rows of scenario `label` with the caveat of its costs (`params`: the
/// scenario's own), as `effects.csv`'s `caveats` column says them; the server's compare
/// calls it too, so both write the same bytes.
pub fn mark_caveats(rows: &mut [EffectRow], label: &str, params: &narcodoor_model::params::Params) {
    let c = crate::experiment::effects::caveat(params);
    rows.iter_mut().filter(|r| r.scenario == label).for_each(|r| r.caveat = c);
}

/// Computes and writes `effects.csv` (every scenario's key rows, then every scenario's
/// spending by lever, so that readers of the key rows find them where they always were)
/// and `regional_effects.csv`.
fn write_effect_tables(
    dir: &Path,
    aligned: &Aligned,
    arms: &[ArmResult],
    files: &mut Vec<String>,
) -> anyhow::Result<(Vec<EffectRow>, Vec<RegionalEffectRow>)> {
    let base = &arms[0];
    let mut rows = Vec::new();
    for arm in &arms[1..] {
        rows.extend(effects(&base.label, &base.reduced, &arm.label, &arm.reduced)?);
    }
    for arm in &arms[1..] {
        rows.extend(spending_effects(&base.label, &base.reduced, &arm.label, &arm.reduced)?);
    }
    for (arm, result) in aligned.arms.iter().zip(arms).skip(1) {
        mark_caveats(&mut rows, &result.label, &arm.scenario.params);
    }
    let path = dir.join("effects.csv");
    write_effects(&path, &rows).with_context(|| format!("cannot write {}", path.display()))?;
    files.push("effects.csv".into());
    let tables = incremental_tables(&base.label, &rows);
    let path = dir.join("incremental.csv");
    write_incremental(&path, &tables).with_context(|| format!("cannot write {}", path.display()))?;
    files.push("incremental.csv".into());
    let mut regional = Vec::new();
    for arm in &arms[1..] {
        regional.extend(regional_effects((&base.label, &arm.label), &base.regions, &arm.regions)?);
    }
    let path = dir.join("regional_effects.csv");
    write_regional_effects(&path, &regional).with_context(|| format!("cannot write {}", path.display()))?;
    files.push("regional_effects.csv".into());
    Ok((rows, regional))
}

/// The incremental cost-effectiveness of every scenario, per outcome of [`COST_OUTCOMES`].
pub fn incremental_tables(baseline: &str, rows: &[EffectRow]) -> Vec<(Metric, Vec<Incremental>)> {
    COST_OUTCOMES
        .iter()
        .map(|&o| (Metric(o), crate::experiment::icer::of_effects(baseline, rows, o)))
        .collect()
}

/// Under a posterior, what the comparison answers, written with its files, and the names of
/// its charts; `None` (and no charts) without.
fn posterior_answers(
    opts: &CompareOptions,
    arms: &[ArmResult],
    (effects, target_values): (&[EffectRow], &[Vec<Vec<f64>>]),
    (files, warnings): (&mut Vec<String>, &mut Vec<String>),
) -> anyhow::Result<(Option<PosteriorAnswers>, Vec<String>)> {
    let Some(d) = &opts.posterior else { return Ok((None, Vec::new())) };
    let values: Vec<ArmValues> =
        arms.iter().map(|a| ArmValues { label: &a.label, reduced: &a.reduced }).collect();
    let a = answers(&values, d.count(), &opts.targets, target_values);
    let charts = write_answers(&opts.out_dir, d, &a, (opts.charts, effects), (files, warnings))?;
    Ok((Some(a), charts))
}

/// The comparison's files after the runs: `effects.csv`, charts, `report.md`, manifest.
fn write_results(
    aligned: &Aligned,
    opts: &CompareOptions,
    runner: Runner,
    arms: Vec<ArmResult>,
    (mut files, target_values): (Vec<String>, &[Vec<Vec<f64>>]),
) -> anyhow::Result<CompareOutcome> {
    let dir = &opts.out_dir;
    let (effects_rows, regional) = write_effect_tables(dir, aligned, &arms, &mut files)?;

    // What the terminal printed as warnings before the run is in the manifest too.
    let mut warnings = aligned.notes.clone();
    let (answers, posterior_charts) =
        posterior_answers(opts, &arms, (&effects_rows, target_values), (&mut files, &mut warnings))?;
    let mut charts = Vec::new();
    if opts.charts {
        match draw_charts(dir, aligned, &arms, &effects_rows) {
            Ok(written) => charts = written,
            Err(e) => warnings.push(format!("charts: {e}")),
        }
        files.extend(charts.iter().map(|c| format!("charts/{c}")));
        charts.extend(posterior_charts);
    }

    let mut report = report_input(aligned, opts, &runner, (&effects_rows, &regional), &charts);
    report.posterior = answers.clone().zip(opts.posterior.as_ref().map(|d| d.posterior.file.clone()));
    for (arm, result) in report.arms.iter_mut().zip(&arms) {
        arm.fit = result.fit.iter().map(describe).collect();
    }
    let path = dir.join("report.md");
    write_file(&path, report::render(&report).as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    files.push("report.md".into());

    let mut details = serde_json::json!({
        "baseline": aligned.arms[0].label,
        "notes": aligned.notes,
        "scenarios": aligned.arms.iter().zip(&arms).map(|(a, r)| serde_json::json!({
            "label": a.label,
            "file": a.scenario.path.display().to_string(),
            "files": a.scenario.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
            "youths": a.scenario.params.total_youths(),
            "strategy": r.strategy.name(),
            "scenario": resolved_json(&a.scenario.params),
        })).collect::<Vec<_>>(),
        "effects": "effects.csv: paired Student t 95% intervals of the mean difference scenario - baseline; \
    cost per unit averted = mean extra spending / mean units averted, Fieller 95% interval; \
    spending_<lever> rows: each lever's spending over the run, adding up to spending_total",
        "regional_effects": "regional_effects.csv: the same paired intervals region by region",
    });
    if let Some(d) = &opts.posterior {
        details["posterior"] = d.manifest();
    }
    let manifest = runner.finish(files, warnings.clone(), details_field(details))?;
    Ok(CompareOutcome {
        out_dir: dir.clone(),
        arms,
        effects: effects_rows,
        notes: aligned.notes.clone(),
        warnings,
        files: manifest.outputs,
        seconds: manifest.run_seconds,
        answers,
    })
}

/// The comparison's charts in `dir/charts`, from its arms' summaries and `effects.csv`'s rows.
fn draw_charts(
    dir: &Path,
    aligned: &Aligned,
    arms: &[ArmResult],
    effects_rows: &[EffectRow],
) -> Result<Vec<String>, narcodoor_charts::ChartError> {
    let labels: Vec<String> = arms.iter().map(|a| a.label.clone()).collect();
    let summaries: Vec<&Summary> = arms.iter().map(|a| &a.summary).collect();
    let run = &aligned.arms[0].scenario.params.run;
    let windows: Vec<Vec<_>> = (aligned.arms.iter())
        .map(|a| run_charts::policy_windows(&lever_windows(&a.scenario.params), run.months, run.start, None))
        .collect();
    let timeline = experiment_charts::Timeline { start: run.start, windows };
    experiment_charts::compare_charts(&dir.join("charts"), &labels, &summaries, effects_rows, &timeline)
}

/// What `report.md` shows.
fn report_input(
    aligned: &Aligned,
    opts: &CompareOptions,
    runner: &Runner,
    (effects, regional): (&[EffectRow], &[RegionalEffectRow]),
    charts: &[String],
) -> ReportInput {
    let base = &aligned.arms[0].scenario.params;
    ReportInput {
        narcodoor_version: env!("CARGO_PKG_VERSION"),
        commit: crate::output::manifest::COMMIT,
        model_version: MODEL_VERSION,
        command: opts.settings.command.join(" "),
        started_utc: runner.started_utc().to_string(),
        arms: aligned
            .arms
            .iter()
            .map(|a| ReportArm {
                label: a.label.clone(),
                file: a.scenario.path.display().to_string(),
                youths: a.scenario.params.total_youths(),
                regions: a.scenario.params.regions.len(),
                description: a.scenario.params.run.description.clone(),
                differences: narcodoor_scenario::differences(&aligned.arms[0].scenario, &a.scenario),
                caveats: crate::experiment::effects::cost_caveats(&a.scenario.params),
                fit: Vec::new(),
            })
            .collect(),
        seed: base.run.seed,
        replicates: base.run.replicates,
        months: base.run.months,
        burn_in_months: base.run.burn_in_months,
        notes: aligned.notes.clone(),
        effects: effects.to_vec(),
        regional: regional.to_vec(),
        charts: charts.to_vec(),
        posterior: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use narcodoor_model::metrics::N_METRICS;
    use narcodoor_numerics::stats::{Change, CostEffectStatus};

    fn reduced(members: f64, recruits: f64, spending: f64) -> Reduced {
        let mut total = [0.0; N_METRICS];
        total[m::MEMBERS] = members * 10.0;
        total[m::RECRUITS] = recruits;
        total[m::SPENDING_TOTAL] = spending;
        let mut horizon = [0.0; N_METRICS];
        horizon[m::MEMBERS] = members;
        Reduced { horizon, total, months: 10 }
    }

    #[test]
    fn labels_are_unique_and_safe() {
        let names = ["base".to_string(), "base".into(), "a b/c".into(), "".into()];
        assert_eq!(labels(&names), ["base", "base-2", "a_b_c", "scenario"]);
    }

    #[test]
    fn identical_arms_have_no_difference_and_no_cost_ratio() {
        let arm: Vec<Reduced> = (0..4).map(|i| reduced(100.0 + i as f64, 50.0 + i as f64, 0.0)).collect();
        let rows = effects("a", &arm, "b", &arm).unwrap();
        assert_eq!(rows.len(), 2 * KEY_METRICS.len());
        for r in &rows {
            assert_eq!(r.difference, 0.0, "{}", r.metric);
            assert_eq!(r.change, Change::None);
        }
        let recruits =
            rows.iter().find(|r| r.metric == Metric(m::RECRUITS) && r.statistic == Statistic::Total).unwrap();
        assert_eq!(recruits.cost.as_ref().unwrap().status, CostEffectStatus::NotSignificant);
        assert!(recruits.cost.as_ref().unwrap().ratio.is_nan());
    }

    #[test]
    fn a_policy_that_averts_recruits_gets_a_price() {
        let base: Vec<Reduced> = (0..5).map(|i| reduced(100.0, 50.0 + i as f64, 0.0)).collect();
        let policy: Vec<Reduced> =
            (0..5).map(|i| reduced(90.0, 40.0 + i as f64 + 0.1 * (i % 2) as f64, 1000.0)).collect();
        let rows = effects("a", &base, "b", &policy).unwrap();
        let r =
            rows.iter().find(|r| r.metric == Metric(m::RECRUITS) && r.statistic == Statistic::Total).unwrap();
        assert_eq!(r.change, Change::Lower);
        let c = r.cost.as_ref().unwrap();
        assert_eq!(c.status, CostEffectStatus::Averted);
        assert!((c.ratio - 1000.0 / 9.96).abs() < 1e-9, "{}", c.ratio);
        assert!(c.lo <= c.ratio && c.ratio <= c.hi);
        let members =
            rows.iter().find(|r| r.metric == Metric(m::MEMBERS) && r.statistic == Statistic::Mean).unwrap();
        assert_eq!(members.difference, -10.0);
        // Worse: the policy adds recruits.
        let rows = effects("b", &policy, "a", &base).unwrap();
        let r =
            rows.iter().find(|r| r.metric == Metric(m::RECRUITS) && r.statistic == Statistic::Total).unwrap();
        assert_eq!(r.cost.as_ref().unwrap().status, CostEffectStatus::Worse);
    }
}
