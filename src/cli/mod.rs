//! The command line: argument types (clap) and the dispatch to the library.
//!
//! Every subcommand returns `anyhow::Result<ExitCode>`; `main` prints errors with their
//! whole chain and maps bad input to exit code 2 (`error::exit_code`).

pub mod evidence;
pub mod posterior;
pub mod search;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::cancel::Cancel;
use crate::command::run::{RunOptions, run_scenario};
use crate::command::runner::Settings;
use crate::command::{compare, sensitivity, sweep};
use crate::error::InputError;
use crate::experiment::{design_file, factor, outcomes};
use crate::model::metrics::{METRICS, index_of};
use crate::output::staging::write_dir;
use crate::scenario::{self, Overrides, Scenario};

#[derive(Debug, Parser)]
#[command(
    name = "narcodoor",
    version,
    about = "Agent-based simulation of youth recruitment into drug cartels (model NDM-1)",
    long_about = "Agent-based simulation of youth recruitment into drug cartels (model NDM-1).\n\n\
        Run a scenario file, compare policies over replicates with common random numbers, sweep \
        parameters and run sensitivity analyses. Exit codes: 0 success, 1 failure, 2 bad input."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every replicate of a scenario; write CSVs, a manifest and charts.
    Run(RunArgs),
    /// Check scenario files without running them: exit 0, or 2 with every error of every file.
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Treat plausibility warnings (values far outside the documented ranges, levers
        /// that never act) as errors: exit 2 [default: warnings only, exit 0].
        #[arg(long)]
        strict: bool,
    },
    /// Print every parameter of a scenario with its value, default, unit and meaning.
    Explain {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Wrap to this many columns [default: $COLUMNS when set, else 100].
        #[arg(long, value_name = "N", conflicts_with = "wide")]
        width: Option<usize>,
        /// One line per parameter, however long (for grep and wide windows).
        #[arg(long)]
        wide: bool,
    },
    /// Compare scenarios with the first (the baseline), replicate by replicate with common
    /// random numbers: effects.csv, report.md, charts.
    Compare(CompareArgs),
    /// Run a scenario over a grid or a Latin hypercube of parameter values: runs.csv and
    /// runs_timeseries.csv, one row per point × replicate; resumable and shardable.
    Sweep(SweepArgs),
    /// Combine the shard directories of a sweep into the outputs of the whole sweep.
    Merge(MergeArgs),
    /// Morris screening or Sobol' indices of an outcome over parameter ranges.
    Sensitivity(SensitivityArgs),
    /// NSGA-II search for the Pareto front of policy levers against objectives, on common
    /// random numbers: pareto.csv, evaluated.csv, front/point-K.toml; resumable.
    Optimize(crate::cli::search::OptimizeArgs),
    /// ABC-SMC calibration of scenario parameters against observed targets: posterior.csv,
    /// calibrated.toml, fit.csv, charts; resumable.
    Calibrate(crate::cli::search::CalibrateArgs),
    /// Run the registry of field studies (evidence/<id>.toml) in the model and set each
    /// model effect beside the published one: evidence.csv, charts/forest.png, report.md.
    Evidence(crate::cli::evidence::EvidenceArgs),
    /// Serve the policy lab: a local web page and a JSON API that run a scenario with
    /// changes against the unchanged scenario, as `compare` does (see docs/server.md).
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; the default serves this machine only.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0: any free port, printed at start).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Directory of scenario files on offer [default: the bundled scenarios/].
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    /// Most youths a run may ask for.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub max_youths: u64,
    /// Worker threads for the simulations [default: all cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Seconds after which a run nobody listens to is cancelled.
    #[arg(long, value_name = "S", default_value_t = 60)]
    pub idle_seconds: u64,
    /// Runs that may wait in the queue; more get 429 Too Many Requests.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub max_queued: usize,
}

/// Options shared by the commands that simulate.
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Replicates per scenario (overrides run.replicates) [default: the scenario's
    /// run.replicates, 10 when it sets none]. Intervals need at least 2; 5 or more is advised.
    #[arg(long, value_name = "N")]
    pub replicates: Option<u32>,
    /// Base random seed (overrides run.seed) [default: the scenario's run.seed, 1 when it
    /// sets none].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]. Results are identical for any value.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Total youths; region sizes are rescaled proportionally (overrides population.youths)
    /// [default: the scenario's population.youths].
    #[arg(long, value_name = "N")]
    pub youths: Option<u64>,
    /// Reported months after burn-in (overrides run.months) [default: the scenario's
    /// run.months, 240 when it sets none].
    #[arg(long, value_name = "N")]
    pub months: Option<u32>,
    /// No progress display and no summary table.
    #[arg(long)]
    pub quiet: bool,
    /// Replace a non-empty --out whole once the new outputs are complete (a narcodoor
    /// output directory only) [default: refuse it with exit code 2; a sweep, calibrate or
    /// optimize directory of the same command is resumed].
    #[arg(long)]
    pub force: bool,
}

impl SimArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides { youths: self.youths, months: self.months, replicates: self.replicates, seed: self.seed }
    }

    /// The runner's settings: threads, display, the command's cancellation flag and the
    /// command line.
    pub fn settings(&self, cancel: &Cancel) -> anyhow::Result<Settings> {
        Ok(Settings {
            threads: self.threads()?,
            quiet: self.quiet,
            cancel: cancel.clone(),
            command: std::env::args().collect(),
            force: self.force,
            progress: Default::default(),
        })
    }

    pub fn threads(&self) -> anyhow::Result<usize> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        match self.threads {
            Some(0) => Err(InputError::new("--threads must be at least 1").into()),
            Some(n) if n > max_threads(cores) => Err(InputError::new(format!(
                "--threads {n}: at most {} on this machine ({cores} cores; results are the same for any \
                 thread count, and far more threads than cores only slow the run down)",
                max_threads(cores)
            ))
            .into()),
            Some(n) => Ok(n),
            None => Ok(cores),
        }
    }
}

/// Where a command writes and whether it draws: flattened into every command that writes
/// an output directory, each of which names its own default directory and charts in its
/// `--help` (`mut_arg` on the command's struct).
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output directory [default: results/<command>-<run.name>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Do not draw PNG charts.
    #[arg(long)]
    pub no_charts: bool,
}

impl OutputArgs {
    /// `--out`, or `results/<default_name>` without it.
    pub fn dir_or(&self, default_name: impl FnOnce() -> String) -> PathBuf {
        self.out.clone().unwrap_or_else(|| PathBuf::from("results").join(default_name()))
    }

    pub fn charts(&self) -> bool {
        !self.no_charts
    }
}

/// The largest `--threads` accepted on a machine with `cores` cores: 4 per core, and at
/// least 64. A thread pool is started before any work, and tens of thousands of threads on
/// a few cores take minutes to start and stop (measured: 1024 threads on 2 cores, 14 s for
/// a run that takes 0.2 s with 256).
pub fn max_threads(cores: usize) -> usize {
    (4 * cores).max(64)
}

#[derive(Debug, Args)]
#[command(mut_arg("out", |a| a.help("Output directory [default: results/<run.name>]")))]
pub struct RunArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub posterior: crate::cli::posterior::PosteriorArgs,
}

#[derive(Debug, Args)]
#[command(mut_arg("out", |a| {
    a.help("Output directory [default: results/compare-NAME, NAME the baseline's run.name]")
}))]
pub struct CompareArgs {
    /// Scenario files (TOML); the first is the baseline.
    #[arg(required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    /// Compare scenarios whose regions or cartels differ from the baseline's (refused
    /// otherwise, with exit code 2: their paired differences compare different countries).
    #[arg(long)]
    pub allow_mismatch: bool,
    /// Under --posterior: a change whose probability to report in targets.csv, as
    /// METRIC=CHANGE% over the run or METRIC=CHANGE%@YEAR in one year (e.g.
    /// recruits=-20%@5); repeat for several.
    #[arg(long = "target", value_name = "TARGET")]
    pub targets: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub posterior: crate::cli::posterior::PosteriorArgs,
}

/// The design of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DesignArg {
    /// Every combination of the levels (first --set varies slowest).
    Grid,
    /// Latin hypercube sample of --samples points over lo:hi ranges.
    Lhs,
}

#[derive(Debug, Args)]
#[command(
    mut_arg("out", |a| a.help("Output directory [default: results/sweep-<run.name>, with -shard-K-of-N when sharded]")),
    mut_arg("no_charts", |a| a.help("Do not draw PNG charts of points.csv"))
)]
pub struct SweepArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// A factor: path=v1,v2,... (levels), path=lo:hi:n (n levels, grid) or path=lo:hi
    /// (range, lhs). Repeat for several factors [default: none; required unless
    /// --design-file].
    #[arg(long = "set", value_name = "PATH=VALUES", required_unless_present = "design_file")]
    pub sets: Vec<String>,
    /// Run the points of a CSV file instead: a header of parameter paths, one point per
    /// line (as SALib, EMA Workbench or R write them) [default: none; the points come from
    /// --set].
    #[arg(long, value_name = "CSV", conflicts_with_all = ["sets", "design", "samples"])]
    pub design_file: Option<PathBuf>,
    /// Design of the sweep.
    #[arg(long, value_enum, default_value_t = DesignArg::Grid)]
    pub design: DesignArg,
    /// Points of a Latin hypercube.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub samples: usize,
    /// Run only shard K of N (0 ≤ K < N): the points whose index modulo N is K [default: the
    /// whole sweep, no sharding].
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Keep the finished runs of a matching output directory (the default).
    #[arg(long, overrides_with = "no_resume")]
    pub resume: bool,
    /// Start over: delete the run files of a matching output directory first.
    #[arg(long, overrides_with = "resume")]
    pub no_resume: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub posterior: crate::cli::posterior::PosteriorArgs,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard directories (every shard of one sweep).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// The directory for the merged outputs.
    #[arg(long, value_name = "DIR", required = true)]
    pub out: PathBuf,
}

/// The method of a sensitivity analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MethodArg {
    /// Morris elementary effects (μ*, σ): cheap screening of many parameters.
    Morris,
    /// Sobol' first and total order indices with Saltelli sampling.
    Sobol,
}

#[derive(Debug, Args)]
#[command(
    mut_arg("out", |a| a.help("Output directory [default: results/sensitivity-<run.name>]")),
    mut_arg("no_charts", |a| a.help("Do not draw the tornado chart"))
)]
pub struct SensitivityArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    #[arg(long, value_enum)]
    pub method: MethodArg,
    /// A factor's range: path=lo:hi. Repeat for several factors [default: none; required
    /// unless --design-file].
    #[arg(long = "set", value_name = "PATH=LO:HI", required_unless_present = "design_file")]
    pub sets: Vec<String>,
    /// Sobol' only: analyse the Saltelli design of a CSV file (header of parameter paths)
    /// in the layout of SALib's sobol.sample(..., calc_second_order=False), instead of
    /// our own; --samples is then the file's [default: none; our own design from --set].
    #[arg(long, value_name = "CSV", conflicts_with_all = ["sets", "samples"])]
    pub design_file: Option<PathBuf>,
    /// Morris trajectories, or the Sobol' base sample size (the model runs
    /// samples × (factors + 1) or samples × (factors + 2) design rows) [default: 10 for
    /// Morris, 64 for Sobol'; with --design-file, the file's].
    #[arg(long, value_name = "N")]
    pub samples: Option<usize>,
    /// Morris grid levels (even).
    #[arg(long, value_name = "P", default_value_t = 4)]
    pub levels: usize,
    /// The outcome: any metric name of timeseries.csv.
    #[arg(long, value_name = "METRIC", default_value = "recruits")]
    pub outcome: String,
    /// How the outcome's months are reduced: total, mean or horizon [default: total for
    /// flows such as recruits, mean for stocks and rates such as members].
    #[arg(long, value_name = "STAT")]
    pub statistic: Option<String>,
    /// Bootstrap resamples for the intervals.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub bootstrap: usize,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    run_with(cli, &Cancel::new())
}

/// Runs the parsed command line; raising `cancel` (from a signal handler, say) stops a
/// simulating command within about a second with [`Cancelled`](crate::cancel::Cancelled).
pub fn run_with(cli: Cli, cancel: &Cancel) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => cmd_run(args, cancel),
        Command::Compare(args) => cmd_compare(args, cancel),
        Command::Sweep(args) => cmd_sweep(args, cancel),
        Command::Merge(args) => cmd_merge(args),
        Command::Sensitivity(args) => cmd_sensitivity(args, cancel),
        Command::Optimize(args) => crate::cli::search::cmd_optimize(args, cancel),
        Command::Calibrate(args) => crate::cli::search::cmd_calibrate(args, cancel),
        Command::Evidence(args) => crate::cli::evidence::cmd_evidence(args, cancel),
        Command::Serve(args) => cmd_serve(args),
        Command::Validate { files, strict } => validate_files(&files, strict),
        Command::Explain { file, width, wide } => {
            let s = scenario::load(&file)?;
            let columns =
                || std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).filter(|&c: &usize| c >= 40);
            let width = if wide {
                None
            } else {
                Some(width.or_else(columns).unwrap_or(scenario::explain::DEFAULT_WIDTH))
            };
            print!("{}", scenario::explain_with_width(&s, width));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn cmd_serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    use crate::server::{Limits, ServeOptions, serve};
    let threads = match args.threads {
        Some(0) => return Err(InputError::new("--threads must be at least 1").into()),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let limits = Limits {
        max_youths: args.max_youths,
        max_queued: args.max_queued,
        idle: std::time::Duration::from_secs(args.idle_seconds),
        ..Limits::default()
    };
    let scenarios = args.scenarios.unwrap_or_else(crate::server::catalog::default_dir);
    serve(ServeOptions { host: args.host, port: args.port, scenarios, threads, limits })?;
    Ok(ExitCode::SUCCESS)
}

/// Checks every file, printing `ok` for the good ones, and reports the problems of every bad
/// one together (each names its file and line), so that one round fixes them all.
fn validate_files(files: &[PathBuf], strict: bool) -> anyhow::Result<ExitCode> {
    let mut problems = Vec::new();
    let mut bad = 0;
    for f in files {
        let checked = scenario::load(f).and_then(|s| scenario::check_memory(&s.params, 1).map(|()| s));
        match checked {
            Ok(s) if strict && !s.warnings.is_empty() => {
                bad += 1;
                problems.extend(s.warnings);
            }
            Ok(s) => {
                for w in &s.warnings {
                    eprintln!("warning: {w}");
                }
                println!(
                    "{}: ok ({} regions, {} youths{})",
                    f.display(),
                    s.params.regions.len(),
                    s.params.total_youths(),
                    match s.warnings.len() {
                        0 => String::new(),
                        n => format!(", {n} warning{}", if n == 1 { "" } else { "s" }),
                    }
                )
            }
            Err(e) => {
                bad += 1;
                problems.extend(e.problems().iter().cloned());
            }
        }
    }
    if bad == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    let err = anyhow::Error::new(scenario::ScenarioError::from_problems(problems));
    // One file's errors read as they do for every other command; many get a count on top.
    if files.len() == 1 {
        return Err(err);
    }
    Err(err.context(format!("{bad} of {} scenario files have errors", files.len())))
}

/// Loads a scenario and applies the command-line overrides.
pub fn load_scenario(file: &std::path::Path, sim: &SimArgs) -> anyhow::Result<Scenario> {
    let mut s = scenario::load(file)?;
    s.apply(&sim.overrides())?;
    Ok(s)
}

fn cmd_run(args: RunArgs, cancel: &Cancel) -> anyhow::Result<ExitCode> {
    let scenario = load_scenario(&args.file, &args.sim)?;
    let settings = args.sim.settings(cancel)?;
    let posterior = args.posterior.source();
    let crate::command::run::RunPlan { scenario, posterior, warning: early } =
        crate::command::run::prepare(scenario, posterior, settings.threads)?;
    // Warnings show even with --quiet, which silences progress and tables only.
    if let Some(w) = &early {
        eprintln!("warning: {w}");
    }
    let out = args.output.dir_or(|| scenario.params.run.name.clone());
    let outcome = write_dir(&out, settings.force, |staging| {
        let opts =
            RunOptions { out_dir: staging.to_path_buf(), charts: args.output.charts(), settings, posterior };
        run_scenario(&scenario, &opts)
    })
    .map(|o| crate::command::run::RunOutcome { out_dir: out.clone(), ..o })?;
    for w in outcome.warnings.iter().filter(|w| Some(*w) != early.as_ref()) {
        eprintln!("warning: {w}");
    }
    if !args.sim.quiet {
        print_summary(&scenario, &outcome);
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_compare(args: CompareArgs, cancel: &Cancel) -> anyhow::Result<ExitCode> {
    let scenarios =
        args.files.iter().map(|f| load_scenario(f, &args.sim)).collect::<anyhow::Result<Vec<_>>>()?;
    let settings = args.sim.settings(cancel)?;
    let inputs = compare::prepare::CompareInputs {
        scenarios,
        allow_mismatch: (args.allow_mismatch, "--allow-mismatch"),
        resized_to: args.sim.youths,
        posterior: args.posterior.source(),
        targets: &args.targets,
        threads: settings.threads,
    };
    let compare::prepare::ComparePlan { aligned, posterior, targets } = compare::prepare::prepare(inputs)?;
    // Warnings show even with --quiet, which silences progress and tables only.
    for note in &aligned.notes {
        eprintln!("warning: {note}");
    }
    let base = &aligned.arms[0].scenario.params;
    let out = args.output.dir_or(|| format!("compare-{}", aligned.arms[0].label));
    let outcome = write_dir(&out, settings.force, |staging| {
        let opts = compare::CompareOptions {
            out_dir: staging.to_path_buf(),
            charts: args.output.charts(),
            settings,
            posterior,
            targets,
        };
        compare::run_compare(&aligned, &opts)
    })
    .map(|o| compare::CompareOutcome { out_dir: out.clone(), ..o })?;
    if !args.sim.quiet {
        print!("{}", compare::summary_text(&outcome, base.run.seed));
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_sweep(args: SweepArgs, cancel: &Cancel) -> anyhow::Result<ExitCode> {
    let scenario = load_scenario(&args.file, &args.sim)?;
    let design_file = args.design_file.as_deref().map(design_file::read_design_file).transpose()?;
    let kind = match (args.design, &design_file) {
        (_, Some(_)) => factor::DesignKind::File,
        (DesignArg::Grid, None) => factor::DesignKind::Grid,
        (DesignArg::Lhs, None) => factor::DesignKind::Lhs,
    };
    let factors = match &design_file {
        Some(file) => file.factors(),
        None => args.sets.iter().map(|s| factor::parse_set(s, kind)).collect::<anyhow::Result<Vec<_>>>()?,
    };
    let shard = match &args.shard {
        Some(text) => Some(
            crate::numerics::design::parse_shard(text)
                .map_err(|e| InputError::new(format!("--shard: {e}")))?,
        ),
        None => None,
    };
    let out = args.output.dir_or(|| match shard {
        Some((k, n)) => format!("sweep-{}-shard-{k}-of-{n}", scenario.params.run.name),
        None => format!("sweep-{}", scenario.params.run.name),
    });
    let posterior = args.posterior.load(&[(scenario.params.run.name.as_str(), &scenario.params)])?;
    let spec = sweep::SweepSpec {
        posterior,
        scenario,
        factors,
        kind,
        samples: args.samples,
        design_file,
        shard,
        out_dir: out,
        resume: !args.no_resume,
        charts: args.output.charts(),
        settings: args.sim.settings(cancel)?,
    };
    let o = sweep::plan(spec)?.run()?;
    if !args.sim.quiet {
        println!(
            "{} points, {} runs: {} ok, {} invalid (recorded with their error), {} resumed from an earlier run; {:.1} s",
            o.points, o.runs, o.ok, o.errors, o.resumed, o.seconds
        );
        for e in &o.error_examples {
            println!("  invalid {e}");
        }
        print!("{}", o.summary.table(30));
        for w in &o.warnings {
            println!("warning: {w}");
        }
        println!(
            "Wrote runs.csv, runs_timeseries.csv, points.csv and {} charts to {}",
            o.charts.len(),
            o.out_dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let o = sweep::merge(&args.dirs, &args.out, &std::env::args().collect::<Vec<_>>())?;
    println!(
        "Merged {} shards: {} runs ({} ok, {} invalid) into {}",
        o.shards,
        o.runs,
        o.ok,
        o.errors,
        o.out_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn cmd_sensitivity(args: SensitivityArgs, cancel: &Cancel) -> anyhow::Result<ExitCode> {
    let scenario = load_scenario(&args.file, &args.sim)?;
    let outcome = index_of(&args.outcome).ok_or_else(|| {
        InputError::new(format!(
            "--outcome {}: not a metric; choose one of {}",
            args.outcome,
            METRICS.join(", ")
        ))
    })?;
    let statistic = match &args.statistic {
        None => outcomes::run_statistic(outcome),
        Some(s) => outcomes::Statistic::parse(s)
            .ok_or_else(|| InputError::new(format!("--statistic {s}: expected total, mean or horizon")))?,
    };
    let method = match args.method {
        MethodArg::Morris => sensitivity::Method::Morris { levels: args.levels },
        MethodArg::Sobol => sensitivity::Method::Sobol,
    };
    let design_file = args.design_file.as_deref().map(design_file::read_design_file).transpose()?;
    if design_file.is_some() && method != sensitivity::Method::Sobol {
        return Err(InputError::new("--design-file: only --method sobol takes a design file").into());
    }
    let factors = match &design_file {
        Some(file) => file.factors(),
        None => args
            .sets
            .iter()
            .map(|s| factor::parse_set(s, factor::DesignKind::Lhs))
            .collect::<anyhow::Result<Vec<_>>>()?,
    };
    let out = args.output.dir_or(|| format!("sensitivity-{}", scenario.params.run.name));
    let spec = sensitivity::SensitivitySpec {
        scenario,
        factors,
        method,
        samples: args.samples.unwrap_or(match method {
            sensitivity::Method::Morris { .. } => 10,
            sensitivity::Method::Sobol => 64,
        }),
        design_file,
        outcome,
        statistic,
        resamples: args.bootstrap,
        out_dir: out.clone(),
        charts: args.output.charts(),
        settings: args.sim.settings(cancel)?,
    };
    let o = write_dir(&out, spec.settings.force, |staging| {
        sensitivity::plan(sensitivity::SensitivitySpec { out_dir: staging.to_path_buf(), ..spec })?.run()
    })
    .map(|o| sensitivity::SensitivityOutcome { out_dir: out.clone(), ..o })?;
    if !args.sim.quiet {
        print!("{}", sensitivity::summary_text(&o, method.name()));
    }
    Ok(ExitCode::SUCCESS)
}

/// The end-of-run table: key outcomes at the horizon and over the whole run.
fn print_summary(scenario: &Scenario, o: &crate::command::run::RunOutcome) {
    print!("{}", crate::command::terminal::run_summary(scenario, o));
}
