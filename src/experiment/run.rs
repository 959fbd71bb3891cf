//! `narcodoor run`: every replicate of one scenario, streamed to the output files.
//!
//! Replicates are written as soon as they and all earlier ones are finished, so a run that
//! is cancelled keeps every finished replicate on disk. The manifest is written last; its
//! `"complete": true` means the directory holds every file it lists.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::runner::{Experiment, Runner, Settings};
use super::summary::SummaryBuilder;
use crate::engine::{Job, Strategy};
use crate::model::metrics::m;
use crate::model::params::Params;
use crate::output::manifest::Scale;
use crate::output::run_charts;
use crate::output::tables::{
    EventsWriter, Interval, RegionsWriter, Summary, TimeseriesWriter, write_regions_summary,
};
use crate::scenario::{Scenario, resolved_json};

/// How to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub out_dir: PathBuf,
    pub charts: bool,
    /// Threads, display, cancellation flag and the command line of the manifest.
    pub settings: Settings,
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
}

/// The files a run writes, relative to its directory.
pub const RUN_FILES: [&str; 6] =
    ["timeseries.csv", "summary.csv", "regions.csv", "regions_summary.csv", "events.csv", "manifest.json"];

/// The files streamed replicate by replicate; kept, with the manifest marked incomplete,
/// when a run is cancelled.
const STREAMED: [&str; 3] = ["timeseries.csv", "regions.csv", "events.csv"];

/// The writers of the streamed files.
struct Streams {
    ts: TimeseriesWriter,
    rg: RegionsWriter,
    ev: EventsWriter,
}

impl Streams {
    fn create(dir: &Path, names: &[String], p: &Params) -> anyhow::Result<Self> {
        let open_err = |f: &str| format!("cannot write {}", dir.join(f).display());
        let start = p.run.start;
        let dated_events = p.policy.kingpin.as_ref().is_some_and(|k| !k.p.events.is_empty());
        Ok(Streams {
            ts: TimeseriesWriter::create_dated(&dir.join(STREAMED[0]), start)
                .with_context(|| open_err(STREAMED[0]))?,
            rg: RegionsWriter::create_dated(&dir.join(STREAMED[1]), names.to_vec(), start)
                .with_context(|| open_err(STREAMED[1]))?,
            ev: EventsWriter::create_dated(&dir.join(STREAMED[2]), names.to_vec(), start, dated_events)
                .with_context(|| open_err(STREAMED[2]))?,
        })
    }

    fn finish(self, dir: &Path) -> anyhow::Result<()> {
        let err = |f: &str| format!("cannot write {}", dir.join(f).display());
        self.ts.finish().with_context(|| err(STREAMED[0]))?;
        self.rg.finish().with_context(|| err(STREAMED[1]))?;
        self.ev.finish().with_context(|| err(STREAMED[2]))
    }
}

/// Runs every replicate of `scenario` and writes the run's files into `opts.out_dir`.
/// Replicates are streamed to the files in order; if the run is cancelled, the replicates
/// finished by then are kept and the manifest says `"complete": false`.
pub fn run_scenario(scenario: &Scenario, opts: &RunOptions) -> anyhow::Result<RunOutcome> {
    let p = &scenario.params;
    let dir = &opts.out_dir;
    let experiment = Experiment {
        name: "run",
        out_dir: dir,
        scale: Scale::of(p),
        inputs: scenario.files.clone(),
        paired: false,
    };
    let mut runner = Runner::start(experiment, opts.settings.clone())?;
    let names: Vec<String> = p.regions.iter().map(|r| r.name.clone()).collect();
    let start = p.run.start;
    let mut streams = Streams::create(dir, &names, p)?;
    let mut builder = SummaryBuilder::new(names.len());
    let mut removals = Vec::new();

    let jobs: Vec<Job> = (0..p.run.replicates).map(|replicate| Job { params: p, replicate }).collect();
    let reps = p.run.replicates;
    let label = format!("{} ({reps} replicates)", p.run.name);
    let job_name = |j: usize| format!("{}: replicate {}/{reps}", p.run.name, j + 1);
    let result = runner.run(&label, &jobs, &job_name, |_, res| {
        streams.ts.write(&res)?;
        streams.rg.write(&res)?;
        for m in &res.months {
            streams.ev.write(res.replicate, &m.events)?;
            if res.replicate == 0 {
                removals.extend(m.events.iter().cloned());
            }
        }
        builder.add(&res);
        Ok(())
    });
    let strategy = match result {
        Ok(s) => s,
        Err(e) => {
            let kept = streams.finish(dir).map(|()| STREAMED.map(String::from).to_vec()).unwrap_or_default();
            return Err(runner.abandon(kept, e.context("the run stopped")));
        }
    };
    streams.finish(dir)?;
    let path = |f: &str| dir.join(f);
    let open_err = |f: &str| format!("cannot write {}", dir.join(f).display());
    let summary = builder.national();
    summary.write_dated(&path("summary.csv"), start).with_context(|| open_err("summary.csv"))?;
    let region_summaries: Vec<Summary> = (0..names.len()).map(|r| builder.region(r)).collect();
    write_regions_summary(&path("regions_summary.csv"), &names, &region_summaries, start)
        .with_context(|| open_err("regions_summary.csv"))?;

    let mut files: Vec<String> = RUN_FILES[..5].iter().map(|s| s.to_string()).collect();
    if opts.charts {
        let regions: Vec<(String, Summary)> = names.iter().cloned().zip(region_summaries).collect();
        let charts =
            run_charts::render(&dir.join("charts"), &p.run.name, &summary, &regions, &removals, start)
                .context("cannot draw the charts")?;
        files.extend(charts.into_iter().map(|c| format!("charts/{c}")));
    }

    let mut fields = serde_json::Map::new();
    fields.insert("scenario_file".into(), scenario.path.display().to_string().into());
    let scenario_files: Vec<String> = scenario.files.iter().map(|f| f.display().to_string()).collect();
    fields.insert("scenario_files".into(), scenario_files.into());
    fields.insert("scenario".into(), resolved_json(p));
    let warnings = Vec::from_iter(super::compare_checks::replicate_warning(p.run.replicates));
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
    })
}
