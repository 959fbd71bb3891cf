//! The one experiment runner: what every command that simulates (`run`, `compare`,
//! `sweep`, `sensitivity`, and the commands and servers built on them) does around the
//! engine, written once.
//!
//! A command builds its list of [`Job`]s (parameters and replicate), then
//!
//! 1. [`Runner::start`] records the start time, the command line and the input files with
//!    their fingerprints, and creates the output directory;
//! 2. [`Runner::run`] runs the jobs through the engine's one job loop, drives one progress
//!    display (ETA, youth-months per second; hidden when quiet or not on a terminal), and
//!    hands every finished job to the caller's callback **in job order**; a raised
//!    [`Cancel`] flag stops the workers within a month of simulation and the run returns
//!    the distinct error [`Cancelled`] after delivering every job that had finished;
//! 3. the command writes its files (through [`crate::output::atomic`], the one atomic
//!    writer) and calls [`Runner::finish`], which writes `manifest.json` with
//!    `"complete": true`, or [`Runner::abandon`] after an error, which writes it with
//!    `"complete": false` and returns the error.
//!
//! Adding a command: build the jobs, `start`, `run` with a callback that streams or
//! collects results, write the outputs, `finish` with the list of files written and the
//! command's own manifest fields. No command has a job loop, a progress bar or a manifest
//! writer of its own.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::cancel::Cancel;
use crate::output::manifest::{
    COMMIT, CRN_DESCRIPTION, INTERVAL_DESCRIPTION, Input, MODEL_VERSION, Manifest, RNG_DESCRIPTION, Scale,
    utc_timestamp,
};
use narcodoor_engine::{self as engine, EngineError, Job, MonthHook, ReplicateResult, Strategy};

/// The count of simulated months an experiment has to do and has done, shared with a
/// caller that shows its own progress from another thread (the Python package's progress
/// bar). Cheap to clone; every clone reads the same counts. The runner adds each run's
/// months to `total` when it starts and counts every simulated month in `done`.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    total: Arc<AtomicU64>,
    done: Arc<AtomicU64>,
}

impl Progress {
    pub fn new() -> Self {
        Self::default()
    }

    /// (months done, months to do) so far.
    pub fn get(&self) -> (u64, u64) {
        (self.done.load(Ordering::Relaxed), self.total.load(Ordering::Relaxed))
    }
}

/// How to run, from the command line or a caller.
#[derive(Clone, Debug)]
pub struct Settings {
    pub threads: usize,
    /// No progress display.
    pub quiet: bool,
    pub cancel: Cancel,
    /// The command line, program name first, recorded in the manifest.
    pub command: Vec<String>,
    /// `--force`: replace a non-empty output directory whole (see `output::staging`).
    pub force: bool,
    /// The months' count, for callers that draw progress themselves.
    pub progress: Progress,
}

impl Settings {
    /// Settings for a library caller: no display, a fresh flag, no command line.
    pub fn quiet(threads: usize) -> Self {
        Settings {
            threads,
            quiet: true,
            cancel: Cancel::new(),
            command: Vec::new(),
            force: false,
            progress: Progress::new(),
        }
    }
}

/// What is being run, for the manifest.
pub struct Experiment<'a> {
    /// `run`, `compare`, `sweep`, `merge`, `sensitivity`, ...
    pub name: &'static str,
    pub out_dir: &'a Path,
    /// The run's scale (seed, replicates, months, burn-in, youths): `Scale::of(&params)`.
    pub scale: Scale,
    /// The input files (scenarios and the files they extend), fingerprinted in the manifest.
    pub inputs: Vec<PathBuf>,
    /// Whether several scenarios are paired by common random numbers (all but `run`).
    pub paired: bool,
}

/// An experiment in progress; see the module's documentation.
pub struct Runner {
    settings: Settings,
    out_dir: PathBuf,
    manifest: Manifest,
    clock: Instant,
}

/// A sink error carried through the engine with its whole chain.
#[derive(Debug, thiserror::Error)]
#[error("{0:#}")]
struct SinkFailed(anyhow::Error);

impl Runner {
    /// Creates the output directory and records the start, the command and the inputs.
    pub fn start(e: Experiment<'_>, settings: Settings) -> anyhow::Result<Runner> {
        let started = SystemTime::now();
        std::fs::create_dir_all(e.out_dir)
            .with_context(|| format!("cannot create the output directory {}", e.out_dir.display()))?;
        let mut inputs = Vec::with_capacity(e.inputs.len());
        for path in &e.inputs {
            inputs.push(Input::of(path)?);
        }
        let manifest = Manifest {
            experiment: e.name,
            complete: false,
            model_version: MODEL_VERSION,
            narcodoor_version: env!("CARGO_PKG_VERSION"),
            commit: COMMIT,
            command: settings.command.clone(),
            inputs,
            scale: e.scale,
            threads: settings.threads,
            strategy: None,
            rng: RNG_DESCRIPTION,
            common_random_numbers: e.paired.then_some(CRN_DESCRIPTION),
            intervals: INTERVAL_DESCRIPTION,
            started_utc: utc_timestamp(started),
            finished_utc: String::new(),
            run_seconds: 0.0,
            outputs: Vec::new(),
            warnings: Vec::new(),
            fields: serde_json::Map::new(),
        };
        Ok(Runner { settings, out_dir: e.out_dir.to_path_buf(), manifest, clock: Instant::now() })
    }

    pub fn out_dir(&self) -> &Path {
        &self.out_dir
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// When the experiment started, as the manifest records it.
    pub fn started_utc(&self) -> &str {
        &self.manifest.started_utc
    }

    /// Seconds since the start.
    pub fn seconds(&self) -> f64 {
        self.clock.elapsed().as_secs_f64()
    }

    /// Runs `jobs` and hands each finished one to `sink(job index, result)` in job order.
    /// The progress display shows `label`, then `job_name(job)` of the job that last
    /// advanced. On cancellation, returns [`Cancelled`] after delivering every job that had
    /// finished (in ascending order, possibly with gaps); if `sink` fails, its error.
    pub fn run<F>(
        &mut self,
        label: &str,
        jobs: &[Job<'_>],
        job_name: &(dyn Fn(usize) -> String + Sync),
        sink: F,
    ) -> anyhow::Result<Strategy>
    where
        F: FnMut(usize, ReplicateResult) -> anyhow::Result<()>,
    {
        self.run_engine(label, jobs, job_name, None, sink)
    }

    /// As [`Runner::run`], with the jobs in lockstep and `on_month(job index, report)`
    /// called for every reported month of every job as soon as all jobs have simulated it
    /// (`engine::run_jobs_with`): for callers that show months while they run (the
    /// web server). Every job is in memory at once.
    pub fn run_streaming<F>(
        &mut self,
        label: &str,
        jobs: &[Job<'_>],
        job_name: &(dyn Fn(usize) -> String + Sync),
        on_month: MonthHook<'_>,
        sink: F,
    ) -> anyhow::Result<Strategy>
    where
        F: FnMut(usize, ReplicateResult) -> anyhow::Result<()>,
    {
        self.run_engine(label, jobs, job_name, Some(on_month), sink)
    }

    fn run_engine<F>(
        &mut self,
        label: &str,
        jobs: &[Job<'_>],
        job_name: &(dyn Fn(usize) -> String + Sync),
        on_month: Option<MonthHook<'_>>,
        mut sink: F,
    ) -> anyhow::Result<Strategy>
    where
        F: FnMut(usize, ReplicateResult) -> anyhow::Result<()>,
    {
        let months = engine::months_to_simulate(jobs, self.settings.threads);
        let youths = jobs.first().map_or(0, |j| j.params.total_youths());
        let bar = progress_bar(self.settings.quiet, months, youths, label);
        let progress = &self.settings.progress;
        progress.total.fetch_add(months, Ordering::Relaxed);
        let tick = |job: usize, _done: u64| {
            progress.done.fetch_add(1, Ordering::Relaxed);
            bar.inc(1);
            bar.set_message(job_name(job));
        };
        let flag = self.settings.cancel.flag();
        let threads = self.settings.threads;
        let result = engine::run_jobs_with(jobs, threads, &flag, &tick, on_month, |i, r| {
            sink(i, r).map_err(SinkFailed)
        });
        bar.finish_and_clear();
        match result {
            Ok(strategy) => {
                self.manifest.strategy = Some(strategy.name());
                Ok(strategy)
            }
            Err(EngineError::Cancelled) => Err(self.settings.cancel.error().into()),
            Err(EngineError::Sink(SinkFailed(e))) => Err(e),
            Err(e @ EngineError::Pool { .. }) => Err(e.into()),
        }
    }

    /// Writes `manifest.json` marked complete, listing `outputs` (relative to the output
    /// directory; `manifest.json` is appended), with the command's own top-level `fields`.
    /// Returns the manifest written.
    pub fn finish(
        mut self,
        outputs: Vec<String>,
        warnings: Vec<String>,
        fields: serde_json::Map<String, serde_json::Value>,
    ) -> anyhow::Result<Manifest> {
        self.manifest.complete = true;
        self.manifest.warnings = warnings;
        self.manifest.fields = fields;
        self.write_manifest(outputs)
    }

    /// After a cancellation or a failure: writes `manifest.json` marked incomplete, listing
    /// the `outputs` that were kept, and returns `error` (or the manifest's own error).
    pub fn abandon(self, outputs: Vec<String>, error: anyhow::Error) -> anyhow::Error {
        match self.write_manifest(outputs) {
            Ok(_) => error,
            Err(e) => error.context(format!("{e:#}")),
        }
    }

    fn write_manifest(mut self, mut outputs: Vec<String>) -> anyhow::Result<Manifest> {
        outputs.push("manifest.json".into());
        self.manifest.outputs = outputs;
        self.manifest.finished_utc = utc_timestamp(SystemTime::now());
        self.manifest.run_seconds = self.seconds();
        let path = self.out_dir.join("manifest.json");
        self.manifest.write(&path).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(self.manifest)
    }
}

/// The experiments' own manifest fields: one `details` object.
pub fn details_field(details: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    let mut fields = serde_json::Map::new();
    fields.insert("details".into(), details);
    fields
}

/// A progress bar on stderr with ETA and youth-months per second over `months` simulated
/// months of `youths` youths (hidden when quiet or when stderr is not a terminal).
pub fn progress_bar(quiet: bool, months: u64, youths: u64, label: &str) -> ProgressBar {
    let bar = ProgressBar::new(months);
    if quiet || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template(
        "{msg} [{bar:30}] {percent}% | {elapsed_precise} elapsed, ETA {eta_precise} | {rate}",
    )
    .expect("a valid template")
    .with_key("rate", move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{:.1} M youth-months/s", s.per_sec() * youths as f64 / 1e6);
    })
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(label.to_string());
    bar
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cancel::Cancelled;
    use narcodoor_model::params::Params;
    use narcodoor_scenario as scenario;

    fn tiny() -> Params {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("tests/fixtures/tiny_all_levers.toml");
        let mut s = scenario::load(&path).unwrap();
        s.apply(&scenario::Overrides { youths: Some(600), months: Some(3), replicates: Some(4), seed: None })
            .unwrap();
        s.params
    }

    fn experiment<'a>(dir: &'a Path, p: &Params, paired: bool) -> Experiment<'a> {
        Experiment { name: "test", out_dir: dir, scale: Scale::of(p), inputs: vec![], paired }
    }

    #[test]
    fn results_arrive_in_job_order_and_the_manifest_is_marked_complete() {
        let p = tiny();
        let dir = tempfile::tempdir().unwrap();
        let e = experiment(dir.path(), &p, false);
        let settings = Settings::quiet(2);
        let progress = settings.progress.clone();
        let mut runner = Runner::start(e, settings).unwrap();
        let jobs: Vec<Job> = (0..4).map(|r| Job { params: &p, replicate: 3 - r }).collect();
        let mut seen = Vec::new();
        runner
            .run("test", &jobs, &|j| format!("job {j}"), |i, r| {
                seen.push((i, r.replicate));
                Ok(())
            })
            .unwrap();
        assert_eq!(seen, [(0, 3), (1, 2), (2, 1), (3, 0)]);
        // Every simulated month of every replicate, burn-in included, was counted.
        let months = 4 * u64::from(p.run.burn_in_months + p.run.months);
        assert_eq!(progress.get(), (months, months));
        let m = runner.finish(vec!["a.csv".into()], vec![], serde_json::Map::new()).unwrap();
        assert!(m.complete);
        let text = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["complete"], true);
        assert_eq!(json["outputs"], serde_json::json!(["a.csv", "manifest.json"]));
    }

    #[test]
    fn a_cancelled_run_stops_with_its_own_error_and_an_incomplete_manifest() {
        let p = tiny();
        let dir = tempfile::tempdir().unwrap();
        let e = experiment(dir.path(), &p, true);
        let settings = Settings::quiet(1);
        let cancel = settings.cancel.clone();
        let mut runner = Runner::start(e, settings).unwrap();
        let jobs: Vec<Job> = (0..50).map(|r| Job { params: &p, replicate: r }).collect();
        let mut delivered = 0;
        let err = runner
            .run("test", &jobs, &|_| String::new(), |_, _| {
                delivered += 1;
                if delivered == 2 {
                    cancel.cancel_with_code(143);
                }
                Ok(())
            })
            .unwrap_err();
        assert_eq!(err.downcast_ref::<Cancelled>(), Some(&Cancelled { exit_code: 143 }));
        assert!((2..50).contains(&delivered), "{delivered}");
        let err = runner.abandon(vec![], err);
        assert!(err.is::<Cancelled>());
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(json["complete"], false);
    }

    #[test]
    fn a_failing_sink_stops_the_run_with_its_error() {
        let p = tiny();
        let dir = tempfile::tempdir().unwrap();
        let e = experiment(dir.path(), &p, false);
        let mut runner = Runner::start(e, Settings::quiet(2)).unwrap();
        let jobs: Vec<Job> = (0..8).map(|r| Job { params: &p, replicate: r }).collect();
        let err =
            runner.run("test", &jobs, &|_| String::new(), |_, _| anyhow::bail!("disk full")).unwrap_err();
        assert_eq!(format!("{err}"), "disk full");
        assert!(!err.is::<Cancelled>());
    }
}
