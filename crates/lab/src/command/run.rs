//! `narcodoor run`: every replicate of one scenario, streamed to the output files.
//!
//! Replicates are written as soon as they and all earlier ones are finished, so a run that
//! is cancelled keeps every finished replicate on disk. The manifest is written last; its
//! `"complete": true` means the directory holds every file it lists.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::command::observed_fit::{FitBuilder, FitRow, GroupFit, describe, group_fits, write_fit};
use crate::command::runner::{Experiment, Runner, Settings};
use crate::experiment::effects::Metric;
use crate::experiment::outcomes::{Reduced, Statistic, run_statistic};
use crate::experiment::posterior::{Draws, for_replicate};
use crate::experiment::summary::Interval;
use crate::experiment::summary::Summary;
use crate::experiment::summary::{AnnualBuilder, SummaryBuilder};
use crate::experiment::trial::{TrialEffect, TrialSeries, effects as trial_effects};
use crate::output::manifest::Scale;
use crate::output::run_charts::{self, ObservedPoints, ObservedValue, RunChartData};
use crate::output::tables::{
    EventsWriter, RegionsWriter, TimeseriesWriter, write_annual, write_regions_summary,
};
use crate::output::trial_tables::{TrialWriter, write_effects};
use crate::output::uncertainty_tables;
use narcodoor_engine::{Event, Job, ReplicateResult, Strategy};
use narcodoor_model::calendar::YearMonth;
use narcodoor_model::metrics::m;
use narcodoor_model::params::Params;
use narcodoor_numerics::uncertainty::{Spread, spread};
use narcodoor_scenario::{Scenario, lever_windows, resolved_json};
use serde_json::Value as Json;

/// How to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub out_dir: PathBuf,
    pub charts: bool,
    /// Threads, display, cancellation flag and the command line of the manifest.
    pub settings: Settings,
    /// Parameter uncertainty: replicate r runs draw r mod K (`uncertainty.csv`).
    pub posterior: Option<Draws>,
}

/// What a finished run reports back.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    pub out_dir: PathBuf,
    pub summary: Summary,
    pub strategy: Strategy,
    pub seconds: f64,
    pub removals: usize,
    pub files: Vec<String>,
    /// Totals over the run of the flows that matter most, across replicates.
    pub totals: Vec<(usize, Interval)>,
    /// Warnings also written to the manifest (too few replicates).
    pub warnings: Vec<String>,
    /// The fit to the scenario's observed data, by kind of observation (empty without).
    pub fit: Vec<GroupFit>,
    /// A trial's effects over the run (empty without `[trial]`).
    pub trial: Vec<TrialEffect>,
    /// Under a posterior: the key metrics over its draws (`uncertainty.csv`).
    pub uncertainty: Vec<(Metric, Statistic, Spread)>,
}

/// The files a run writes, relative to its directory.
pub const RUN_FILES: [&str; 6] =
    ["timeseries.csv", "summary.csv", "regions.csv", "regions_summary.csv", "events.csv", "manifest.json"];

/// The files streamed replicate by replicate; kept, with the manifest marked incomplete,
/// when a run is cancelled.
const STREAMED: [&str; 3] = ["timeseries.csv", "regions.csv", "events.csv"];

/// A trial's streamed file (`[trial]`), and its effects written at the end.
const TRIAL: &str = "trial.csv";
const TRIAL_EFFECTS: &str = "trial_effects.csv";

/// The writers of the streamed files.
struct Streams {
    ts: TimeseriesWriter,
    rg: RegionsWriter,
    ev: EventsWriter,
    /// `trial.csv`, when the scenario sets `[trial]`.
    trial: Option<TrialWriter>,
}

impl Streams {
    fn create(dir: &Path, names: &[String], p: &Params) -> anyhow::Result<Self> {
        let open_err = |f: &str| format!("cannot write {}", dir.join(f).display());
        let start = p.run.start;
        let dated_events = p.policy.kingpin.first().is_some_and(|k| !k.p.events.is_empty());
        Ok(Streams {
            ts: TimeseriesWriter::create_dated(&dir.join(STREAMED[0]), start)
                .with_context(|| open_err(STREAMED[0]))?,
            rg: RegionsWriter::create_dated(&dir.join(STREAMED[1]), names.to_vec(), start)
                .with_context(|| open_err(STREAMED[1]))?,
            ev: EventsWriter::create_dated(&dir.join(STREAMED[2]), names.to_vec(), start, dated_events)
                .with_context(|| open_err(STREAMED[2]))?,
            trial: match p.trial.lever {
                Some(_) => {
                    Some(TrialWriter::create(&dir.join(TRIAL), start).with_context(|| open_err(TRIAL))?)
                }
                None => None,
            },
        })
    }

    fn finish(self, dir: &Path) -> anyhow::Result<()> {
        let err = |f: &str| format!("cannot write {}", dir.join(f).display());
        self.ts.finish().with_context(|| err(STREAMED[0]))?;
        self.rg.finish().with_context(|| err(STREAMED[1]))?;
        self.ev.finish().with_context(|| err(STREAMED[2]))?;
        self.trial.map(|t| t.finish().with_context(|| err(TRIAL))).transpose()?;
        Ok(())
    }

    /// Appends a finished replicate to every streamed file.
    fn write(&mut self, res: &ReplicateResult) -> std::io::Result<()> {
        self.ts.write(res)?;
        self.rg.write(res)?;
        for m in &res.months {
            self.ev.write(res.replicate, &m.events)?;
        }
        self.trial.as_mut().map_or(Ok(()), |t| t.write(res))
    }

    /// The names of the streamed files this run writes.
    fn names(&self) -> Vec<String> {
        let trial = self.trial.as_ref().map(|_| TRIAL);
        STREAMED.iter().copied().chain(trial).map(String::from).collect()
    }
}

/// A run ready to go: nothing in it can be refused any more.
pub struct RunPlan {
    pub scenario: Scenario,
    pub posterior: Option<Draws>,
    /// Too few replicates for an interval: a warning to show before the run starts (it is
    /// also in the manifest).
    pub warning: Option<String>,
}

/// Every check of `run` before it starts, shared by every front end (the command line and
/// Python): the posterior (`file`, `draws`) against the scenario and the memory of the
/// replicates that run at once on `threads` threads.
pub fn prepare(
    scenario: Scenario,
    (file, draws): (Option<&Path>, Option<usize>),
    threads: usize,
) -> anyhow::Result<RunPlan> {
    let p = &scenario.params;
    let posterior = crate::experiment::posterior::prepare_for(file, draws, &[(p.run.name.as_str(), p)])?;
    crate::limits::check_memory(p, p.run.replicates as usize, threads)?;
    let warning = crate::command::compare::checks::replicate_warning(p.run.replicates);
    Ok(RunPlan { scenario, posterior, warning })
}

/// Runs every replicate of `scenario` and writes the run's files into `opts.out_dir`.
/// Replicates are streamed to the files in order; if the run is cancelled, the replicates
/// finished by then are kept and the manifest says `"complete": false`.
pub fn run_scenario(scenario: &Scenario, opts: &RunOptions) -> anyhow::Result<RunOutcome> {
    let p = &scenario.params;
    let dir = &opts.out_dir;
    let drawn = opts.posterior.as_ref().map(|d| d.apply(p, &p.run.name)).transpose()?.unwrap_or_default();
    let mut inputs = scenario.files.clone();
    inputs.extend(opts.posterior.as_ref().map(|d| PathBuf::from(&d.posterior.file)));
    let experiment = Experiment { name: "run", out_dir: dir, scale: Scale::of(p), inputs, paired: false };
    let mut runner = Runner::start(experiment, opts.settings.clone())?;
    let names: Vec<String> = p.regions.iter().map(|r| r.name.clone()).collect();
    let start = p.run.start;
    let mut streams = Streams::create(dir, &names, p)?;
    let mut acc = Accumulated::new(scenario, &names);

    let jobs: Vec<Job> = (0..p.run.replicates)
        .map(|replicate| Job { params: for_replicate(&drawn, p, replicate), replicate })
        .collect();
    let reps = p.run.replicates;
    let label = format!("{} ({reps} replicates)", p.run.name);
    let job_name = |j: usize| format!("{}: replicate {}/{reps}", p.run.name, j + 1);
    let result = runner.run(&label, &jobs, &job_name, |_, res| {
        streams.write(&res)?;
        acc.add(&res);
        Ok(())
    });
    let strategy = match result {
        Ok(s) => s,
        Err(e) => {
            let names = streams.names();
            let kept = streams.finish(dir).map(|()| names).unwrap_or_default();
            return Err(runner.abandon(kept, e.context("the run stopped")));
        }
    };
    let trial_file = streams.trial.is_some();
    streams.finish(dir)?;
    let Accumulated { builder, annual, fit, removals, trial, reduced } = acc;
    let (summary, region_summaries) = write_summaries(dir, &names, &builder, start)?;
    let mut files: Vec<String> = RUN_FILES[..5].iter().map(|s| s.to_string()).collect();
    let mut warnings = Vec::from_iter(crate::command::compare::checks::replicate_warning(p.run.replicates));
    let annual_regions = annual.map(|(_, a)| write_annual_file(dir, &names, &a, &mut files)).transpose()?;
    let fit_rows =
        fit.map(|f| write_fit_file(dir, &f, &mut files, &mut warnings)).transpose()?.unwrap_or_default();
    let trial =
        if trial_file { write_trial_files(dir, &trial, &mut files, &mut warnings)? } else { Vec::new() };
    let uncertainty = match &opts.posterior {
        Some(d) => write_uncertainty(dir, d, &reduced, &mut files)?,
        None => Vec::new(),
    };
    if opts.charts {
        let charts = RunCharts { scenario, summary: &summary, region_summaries, removals: &removals };
        files.extend(charts.draw(dir, annual_regions.as_deref(), &fit_rows)?);
    }

    let fits = group_fits(&fit_rows);
    let mut fields = manifest_fields(scenario, &fit_rows, &fits);
    if let Some(d) = &opts.posterior {
        fields.insert("posterior".into(), d.manifest());
    }
    let manifest = runner.finish(files, warnings.clone(), fields)?;
    let totals = [m::RECRUITS, m::MINOR_RECRUITS, m::MEMBER_DEATHS, m::HOMICIDES, m::SPENDING_TOTAL]
        .iter()
        .map(|&i| (i, builder.total_interval(i)))
        .collect();
    Ok(RunOutcome {
        out_dir: dir.to_path_buf(),
        summary,
        strategy,
        seconds: manifest.run_seconds,
        removals: removals.len(),
        files: manifest.outputs,
        totals,
        warnings,
        fit: fits,
        trial,
        uncertainty,
    })
}

/// Under a posterior: `posterior_draws.csv` and `uncertainty.csv` (each key metric at the
/// horizon and over the run, over the draws, with its variance's two parts).
fn write_uncertainty(
    dir: &Path,
    draws: &Draws,
    reduced: &[Reduced],
    files: &mut Vec<String>,
) -> anyhow::Result<Vec<(Metric, Statistic, Spread)>> {
    let path = dir.join("posterior_draws.csv");
    uncertainty_tables::write_draws(&path, draws)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let mut rows = Vec::new();
    for &metric in &crate::experiment::effects::KEY_METRICS {
        for stat in [Statistic::Horizon, run_statistic(metric)] {
            rows.push((Metric(metric), stat, spread(&Reduced::values(reduced, metric, stat), draws.count())));
        }
    }
    let path = dir.join("uncertainty.csv");
    uncertainty_tables::write_run_uncertainty(&path, &rows)
        .with_context(|| format!("cannot write {}", path.display()))?;
    files.extend(["posterior_draws.csv".to_string(), "uncertainty.csv".to_string()]);
    Ok(rows)
}

/// What a run's charts read: results already written to its files.
struct RunCharts<'a> {
    scenario: &'a Scenario,
    summary: &'a Summary,
    region_summaries: Vec<Summary>,
    removals: &'a [Event],
}

impl RunCharts<'_> {
    /// Draws the charts into `dir/charts`; returns their paths relative to `dir`.
    fn draw(
        self,
        dir: &Path,
        annual_regions: Option<&[Summary]>,
        fit_rows: &[FitRow],
    ) -> anyhow::Result<Vec<String>> {
        let p = &self.scenario.params;
        let names = p.regions.iter().map(|r| r.name.clone());
        let regions: Vec<(String, Summary)> = names.zip(self.region_summaries).collect();
        let data = RunChartData {
            scenario: &p.run.name,
            summary: self.summary,
            regions: &regions,
            removals: self.removals,
            start: p.run.start,
            levers: lever_windows(p),
            annual_regions,
            observed: self.scenario.observed.as_ref().map(|o| observed_points(o.label(), fit_rows)),
        };
        let charts = run_charts::render(&dir.join("charts"), &data).context("cannot draw the charts")?;
        Ok(charts.into_iter().map(|c| format!("charts/{c}")).collect())
    }
}

/// What a run accumulates as replicates arrive, beside the streamed files: the summaries,
/// a dated run's annual means, the fit to observed data, and replicate 0's removals.
struct Accumulated {
    builder: SummaryBuilder,
    annual: Option<(YearMonth, AnnualBuilder)>,
    fit: Option<FitBuilder>,
    removals: Vec<Event>,
    trial: TrialSeries,
    /// Every replicate reduced, in replicate order (for `uncertainty.csv`).
    reduced: Vec<Reduced>,
}

impl Accumulated {
    fn new(scenario: &Scenario, names: &[String]) -> Accumulated {
        let p = &scenario.params;
        Accumulated {
            builder: SummaryBuilder::new(names.len()),
            annual: p.run.start.map(|s| (s, AnnualBuilder::new(names.len()))),
            fit: scenario.observed.as_ref().map(|o| FitBuilder::new(o, p.run.months, names)),
            removals: Vec::new(),
            trial: TrialSeries::default(),
            reduced: Vec::new(),
        }
    }

    fn add(&mut self, res: &ReplicateResult) {
        if res.replicate == 0 {
            self.removals.extend(res.months.iter().flat_map(|m| m.events.iter().cloned()));
        }
        self.builder.add(res);
        if let Some((s, a)) = &mut self.annual {
            a.add(res, *s);
        }
        if let Some(f) = &mut self.fit {
            f.add(res);
        }
        self.trial.add(res);
        self.reduced.push(Reduced::of(res));
    }
}

/// The run's own fields of the manifest: the scenario, its files, and the fit to its
/// observed data.
fn manifest_fields(
    scenario: &Scenario,
    fit_rows: &[FitRow],
    fits: &[GroupFit],
) -> serde_json::Map<String, Json> {
    let mut fields = serde_json::Map::new();
    fields.insert("scenario_file".into(), scenario.path.display().to_string().into());
    let scenario_files: Vec<String> = scenario.files.iter().map(|f| f.display().to_string()).collect();
    fields.insert("scenario_files".into(), scenario_files.into());
    fields.insert("scenario".into(), resolved_json(&scenario.params));
    if let Some(o) = &scenario.observed {
        let lines: Vec<String> = fits.iter().map(describe).collect();
        let fit =
            serde_json::json!({ "file": o.file.display().to_string(), "rows": fit_rows.len(), "fit": lines });
        fields.insert("observed_fit".into(), fit);
    }
    fields
}

/// Writes `summary.csv` and `regions_summary.csv`; returns the national summary and each
/// region's.
fn write_summaries(
    dir: &Path,
    names: &[String],
    builder: &SummaryBuilder,
    start: Option<YearMonth>,
) -> anyhow::Result<(Summary, Vec<Summary>)> {
    let open_err = |f: &str| format!("cannot write {}", dir.join(f).display());
    let summary = builder.national();
    summary.write_dated(&dir.join("summary.csv"), start).with_context(|| open_err("summary.csv"))?;
    let regions: Vec<Summary> = (0..names.len()).map(|r| builder.region(r)).collect();
    write_regions_summary(&dir.join("regions_summary.csv"), names, &regions, start)
        .with_context(|| open_err("regions_summary.csv"))?;
    Ok((summary, regions))
}

/// Writes `annual.csv` and returns each region's annual means for the charts.
fn write_annual_file(
    dir: &Path,
    names: &[String],
    annual: &AnnualBuilder,
    files: &mut Vec<String>,
) -> anyhow::Result<Vec<Summary>> {
    let regions: Vec<Summary> = (0..names.len()).map(|r| annual.region(r)).collect();
    let path = dir.join("annual.csv");
    write_annual(&path, names, &annual.national(), &regions, annual.months_in_year())
        .with_context(|| format!("cannot write {}", path.display()))?;
    files.push("annual.csv".into());
    Ok(regions)
}

/// Writes `observed_fit.csv` and returns its rows; observations outside the run's months
/// are a warning, since a reader expects every row of the file to be checked.
fn write_fit_file(
    dir: &Path,
    fit: &FitBuilder,
    files: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Vec<FitRow>> {
    let rows = fit.finish();
    let path = dir.join("observed_fit.csv");
    write_fit(&path, &rows).with_context(|| format!("cannot write {}", path.display()))?;
    files.push("observed_fit.csv".into());
    if fit.skipped > 0 {
        warnings.push(format!(
            "{} observed values lie outside the run's reported months and are not in observed_fit.csv",
            fit.skipped
        ));
    }
    Ok(rows)
}

fn observed_points(label: String, rows: &[FitRow]) -> ObservedPoints {
    let rows = rows
        .iter()
        .map(|r| ObservedValue {
            metric: r.metric,
            region: r.region,
            first: r.first,
            last: r.last,
            value: r.observed,
        })
        .collect();
    ObservedPoints { label, rows }
}

/// Lists `trial.csv` and writes `trial_effects.csv` (the effects over the whole run);
/// warns when an arm stayed empty, so that no effect could be measured.
fn write_trial_files(
    dir: &Path,
    series: &TrialSeries,
    files: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Vec<TrialEffect>> {
    files.push(TRIAL.into());
    let effects = trial_effects(series);
    if effects.is_empty() {
        warnings.push(
            "the trial enrolled nobody in one of its arms (no lottery in its intake months: every candidate \
             hired, or none): trial.csv has the counts, trial_effects.csv is not written"
                .into(),
        );
        return Ok(effects);
    }
    let (first, last) = (series.months[0], *series.months.last().expect("a trial month"));
    let path = dir.join(TRIAL_EFFECTS);
    write_effects(&path, &effects, first, last)
        .with_context(|| format!("cannot write {}", path.display()))?;
    files.push(TRIAL_EFFECTS.into());
    Ok(effects)
}
