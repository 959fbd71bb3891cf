//! `narcodoor run`: every replicate of one scenario, streamed to the output files.
//!
//! Replicates are written as soon as they and all earlier ones are finished, so a run that
//! is stopped keeps every finished replicate on disk. The manifest is written last: its
//! presence means the directory is complete.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use anyhow::Context;

use super::summary::SummaryBuilder;
use crate::engine::{self, ReplicateResult, Strategy};
use crate::model::metrics::m;
use crate::output::manifest::{
    INTERVAL_DESCRIPTION, MODEL_VERSION, Manifest, RNG_DESCRIPTION, utc_timestamp,
};
use crate::output::run_charts;
use crate::output::tables::{
    EventsWriter, Interval, RegionsWriter, Summary, TimeseriesWriter, write_regions_summary,
};
use crate::scenario::{Scenario, resolved_json};

/// How to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub out_dir: PathBuf,
    pub threads: usize,
    pub charts: bool,
    /// The command line, recorded in the manifest.
    pub command: Vec<String>,
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
}

/// The files a run writes, relative to its directory.
pub const RUN_FILES: [&str; 6] =
    ["timeseries.csv", "summary.csv", "regions.csv", "regions_summary.csv", "events.csv", "manifest.json"];

/// Runs every replicate of `scenario` and writes the run's files into `opts.out_dir`.
/// `progress(replicate, months_done)` is called after each simulated month.
pub fn run_scenario(
    scenario: &Scenario,
    opts: &RunOptions,
    progress: &(dyn Fn(u32, u64) + Sync),
) -> anyhow::Result<RunOutcome> {
    let p = &scenario.params;
    let started = SystemTime::now();
    let clock = Instant::now();
    let dir = &opts.out_dir;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    let names: Vec<String> = p.regions.iter().map(|r| r.name.clone()).collect();
    let start = p.run.start;
    let path = |f: &str| dir.join(f);
    let open_err = |f: &str| format!("cannot write {}", dir.join(f).display());
    let mut ts =
        TimeseriesWriter::create_dated(&path("timeseries.csv"), start).with_context(|| open_err("timeseries.csv"))?;
    let mut rg = RegionsWriter::create_dated(&path("regions.csv"), names.clone(), start)
        .with_context(|| open_err("regions.csv"))?;
    let dated_events = p.policy.kingpin.as_ref().is_some_and(|k| !k.p.events.is_empty());
    let mut ev = EventsWriter::create_dated(&path("events.csv"), names.clone(), start, dated_events)
        .with_context(|| open_err("events.csv"))?;
    let mut builder = SummaryBuilder::new(names.len());
    let mut removals = Vec::new();

    let replicates: Vec<u32> = (0..p.run.replicates).collect();
    let strategy = engine::run_replicates(p, &replicates, opts.threads, progress, |res: ReplicateResult| {
        ts.write(&res)?;
        rg.write(&res)?;
        for m in &res.months {
            ev.write(res.replicate, &m.events)?;
            if res.replicate == 0 {
                removals.extend(m.events.iter().cloned());
            }
        }
        builder.add(&res);
        Ok::<(), std::io::Error>(())
    })
    .context("the run stopped")?;
    ts.finish().with_context(|| open_err("timeseries.csv"))?;
    rg.finish().with_context(|| open_err("regions.csv"))?;
    ev.finish().with_context(|| open_err("events.csv"))?;
    let summary = builder.national();
    summary.write_dated(&path("summary.csv"), start).with_context(|| open_err("summary.csv"))?;
    let region_summaries: Vec<Summary> = (0..names.len()).map(|r| builder.region(r)).collect();
    write_regions_summary(&path("regions_summary.csv"), &names, &region_summaries, start)
        .with_context(|| open_err("regions_summary.csv"))?;

    let mut files: Vec<String> = RUN_FILES.iter().map(|s| s.to_string()).collect();
    if opts.charts {
        let regions: Vec<(String, Summary)> = names.iter().cloned().zip(region_summaries).collect();
        let charts = run_charts::render(&dir.join("charts"), &p.run.name, &summary, &regions, &removals, start)
            .context("cannot draw the charts")?;
        files.extend(charts.into_iter().map(|c| format!("charts/{c}")));
    }

    let seconds = clock.elapsed().as_secs_f64();
    let manifest = Manifest {
        model_version: MODEL_VERSION,
        narcodoor_version: env!("CARGO_PKG_VERSION"),
        command: opts.command.clone(),
        scenario_file: scenario.path.display().to_string(),
        scenario_files: scenario.files.iter().map(|f| f.display().to_string()).collect(),
        seed: p.run.seed,
        replicates: p.run.replicates,
        threads: opts.threads,
        strategy: strategy.name().into(),
        rng: RNG_DESCRIPTION,
        intervals: INTERVAL_DESCRIPTION,
        started_utc: utc_timestamp(started),
        run_seconds: seconds,
        youths: p.total_youths(),
        burn_in_months: p.run.burn_in_months,
        months: p.run.months,
        outputs: files.clone(),
        scenario: resolved_json(p),
    };
    manifest.write(&path("manifest.json")).with_context(|| open_err("manifest.json"))?;
    let totals = [m::RECRUITS, m::MINOR_RECRUITS, m::MEMBER_DEATHS, m::HOMICIDES, m::SPENDING_TOTAL]
        .iter()
        .map(|&i| (i, builder.total_interval(i)))
        .collect();
    Ok(RunOutcome {
        out_dir: dir.to_path_buf(),
        summary,
        strategy,
        seconds,
        removals: removals.len(),
        files,
        totals,
    })
}

/// The default output directory of a scenario: `results/<run.name>`.
pub fn default_out_dir(scenario: &Scenario) -> PathBuf {
    Path::new("results").join(&scenario.params.run.name)
}
