//! The command line: argument types (clap) and the dispatch to the library.
//!
//! Every subcommand returns `anyhow::Result<ExitCode>`; `main` prints errors with their
//! whole chain and maps bad input to exit code 2 (`error::exit_code`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::error::InputError;
use crate::experiment::run::{RunOptions, default_out_dir, run_scenario};
use crate::experiment::runner::{Cancel, Settings};
use crate::experiment::summary::LEVEL;
use crate::experiment::{compare, design_file, outcomes, sensitivity_run, sweep};
use crate::model::metrics::{METRICS, index_of, m};
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
    /// Check scenario files without running them (exit 0, or 2 with the first error).
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print every parameter of a scenario with its value, default, unit and meaning.
    Explain {
        /// Scenario file (TOML).
        file: PathBuf,
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
}

/// Options shared by the commands that simulate.
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Replicates per scenario (overrides run.replicates).
    #[arg(long, value_name = "N")]
    pub replicates: Option<u32>,
    /// Base random seed (overrides run.seed).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]. Results are identical for any value.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Total youths; region sizes are rescaled proportionally (overrides population.youths).
    #[arg(long, value_name = "N")]
    pub youths: Option<u64>,
    /// Reported months after burn-in (overrides run.months).
    #[arg(long, value_name = "N")]
    pub months: Option<u32>,
    /// No progress display and no summary table.
    #[arg(long)]
    pub quiet: bool,
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

/// The largest `--threads` accepted on a machine with `cores` cores: 4 per core, and at
/// least 64. A thread pool is started before any work, and tens of thousands of threads on
/// a few cores take minutes to start and stop (measured: 1024 threads on 2 cores, 14 s for
/// a run that takes 0.2 s with 256).
pub fn max_threads(cores: usize) -> usize {
    (4 * cores).max(64)
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// Output directory [default: results/<run.name>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Do not draw PNG charts.
    #[arg(long)]
    pub no_charts: bool,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario files (TOML); the first is the baseline.
    #[arg(required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    /// Output directory [default: results/compare-NAME, NAME the baseline's run.name].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Do not draw PNG charts.
    #[arg(long)]
    pub no_charts: bool,
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
pub struct SweepArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// A factor: path=v1,v2,... (levels), path=lo:hi:n (n levels, grid) or path=lo:hi
    /// (range, lhs). Repeat for several factors.
    #[arg(long = "set", value_name = "PATH=VALUES", required_unless_present = "design_file")]
    pub sets: Vec<String>,
    /// Run the points of a CSV file instead: a header of parameter paths, one point per
    /// line (as SALib, EMA Workbench or R write them).
    #[arg(long, value_name = "CSV", conflicts_with_all = ["sets", "design", "samples"])]
    pub design_file: Option<PathBuf>,
    /// Design of the sweep.
    #[arg(long, value_enum, default_value_t = DesignArg::Grid)]
    pub design: DesignArg,
    /// Points of a Latin hypercube.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub samples: usize,
    /// Run only shard K of N (0 ≤ K < N): the points whose index modulo N is K.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Output directory [default: results/sweep-<run.name>, with -shard-K-of-N when sharded].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Keep the finished runs of a matching output directory (the default).
    #[arg(long, overrides_with = "no_resume")]
    pub resume: bool,
    /// Start over: delete the run files of a matching output directory first.
    #[arg(long, overrides_with = "resume")]
    pub no_resume: bool,
    #[command(flatten)]
    pub sim: SimArgs,
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
pub struct SensitivityArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    #[arg(long, value_enum)]
    pub method: MethodArg,
    /// A factor's range: path=lo:hi. Repeat for several factors.
    #[arg(long = "set", value_name = "PATH=LO:HI", required_unless_present = "design_file")]
    pub sets: Vec<String>,
    /// Sobol' only: analyse the Saltelli design of a CSV file (header of parameter paths)
    /// in the layout of SALib's sobol.sample(..., calc_second_order=False), instead of
    /// our own; --samples is then the file's.
    #[arg(long, value_name = "CSV", conflicts_with_all = ["sets", "samples"])]
    pub design_file: Option<PathBuf>,
    /// Morris trajectories, or the Sobol' base sample size (the model runs
    /// samples × (factors + 1) or samples × (factors + 2) design rows).
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
    /// Output directory [default: results/sensitivity-<run.name>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Do not draw the tornado chart.
    #[arg(long)]
    pub no_charts: bool,
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    run_with(cli, &Cancel::new())
}

/// Runs the parsed command line; raising `cancel` (from a signal handler, say) stops a
/// simulating command within about a second with [`Cancelled`](crate::experiment::runner::Cancelled).
pub fn run_with(cli: Cli, cancel: &Cancel) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => cmd_run(args, cancel),
        Command::Compare(args) => cmd_compare(args, cancel),
        Command::Sweep(args) => cmd_sweep(args, cancel),
        Command::Merge(args) => cmd_merge(args),
        Command::Sensitivity(args) => cmd_sensitivity(args, cancel),
        Command::Validate { files } => {
            for f in &files {
                let s = scenario::load(f)?;
                scenario::check_memory(&s.params, 1)?;
                println!(
                    "{}: ok ({} regions, {} youths)",
                    f.display(),
                    s.params.regions.len(),
                    s.params.total_youths()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { file } => {
            let s = scenario::load(&file)?;
            print!("{}", scenario::explain(&s));
            Ok(ExitCode::SUCCESS)
        }
    }
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
    let p = &scenario.params;
    let threads = settings.threads;
    let strategy = crate::engine::choose_strategy(p, p.run.replicates as usize, threads);
    scenario::check_memory(
        p,
        crate::engine::concurrent_replicates(strategy, p.run.replicates as usize, threads) as u32,
    )?;
    let out = args.out.clone().unwrap_or_else(|| default_out_dir(&scenario));
    let outcome = crate::output::staging::write_dir(&out, |staging| {
        let opts = RunOptions { out_dir: staging.to_path_buf(), charts: !args.no_charts, settings };
        run_scenario(&scenario, &opts)
    })
    .map(|o| crate::experiment::run::RunOutcome { out_dir: out.clone(), ..o })?;
    if !args.sim.quiet {
        print_summary(&scenario, &outcome);
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_compare(args: CompareArgs, cancel: &Cancel) -> anyhow::Result<ExitCode> {
    let scenarios =
        args.files.iter().map(|f| load_scenario(f, &args.sim)).collect::<anyhow::Result<Vec<_>>>()?;
    let aligned = compare::align(scenarios)?;
    let settings = args.sim.settings(cancel)?;
    let base = &aligned.arms[0].scenario.params;
    // Every arm's replicates are jobs of one list.
    let jobs = aligned.arms.len() * base.run.replicates as usize;
    for arm in &aligned.arms {
        let p = &arm.scenario.params;
        let strategy = crate::engine::choose_strategy(p, jobs, settings.threads);
        scenario::check_memory(
            p,
            crate::engine::concurrent_replicates(strategy, jobs, settings.threads) as u32,
        )?;
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("compare-{}", aligned.arms[0].label)));
    let opts = compare::CompareOptions { out_dir: out, charts: !args.no_charts, settings };
    let outcome = compare::run_compare(&aligned, &opts)?;
    if !args.sim.quiet {
        print!("{}", compare::summary_text(&outcome, base.run.seed));
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_sweep(args: SweepArgs, cancel: &Cancel) -> anyhow::Result<ExitCode> {
    let scenario = load_scenario(&args.file, &args.sim)?;
    let design_file = args.design_file.as_deref().map(design_file::read_design_file).transpose()?;
    let kind = match (args.design, &design_file) {
        (_, Some(_)) => sweep::DesignKind::File,
        (DesignArg::Grid, None) => sweep::DesignKind::Grid,
        (DesignArg::Lhs, None) => sweep::DesignKind::Lhs,
    };
    let factors = match &design_file {
        Some(file) => file.factors(),
        None => args.sets.iter().map(|s| sweep::parse_set(s, kind)).collect::<anyhow::Result<Vec<_>>>()?,
    };
    let shard = match &args.shard {
        Some(text) => Some(
            crate::experiment::design::parse_shard(text)
                .map_err(|e| InputError::new(format!("--shard: {e}")))?,
        ),
        None => None,
    };
    let out = args.out.clone().unwrap_or_else(|| {
        let name = match shard {
            Some((k, n)) => format!("sweep-{}-shard-{k}-of-{n}", scenario.params.run.name),
            None => format!("sweep-{}", scenario.params.run.name),
        };
        PathBuf::from("results").join(name)
    });
    let spec = sweep::SweepSpec {
        scenario,
        factors,
        kind,
        samples: args.samples,
        design_file,
        shard,
        out_dir: out,
        resume: !args.no_resume,
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
        println!("Wrote runs.csv and runs_timeseries.csv to {}", o.out_dir.display());
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
        MethodArg::Morris => sensitivity_run::Method::Morris { levels: args.levels },
        MethodArg::Sobol => sensitivity_run::Method::Sobol,
    };
    let design_file = args.design_file.as_deref().map(design_file::read_design_file).transpose()?;
    if design_file.is_some() && method != sensitivity_run::Method::Sobol {
        return Err(InputError::new("--design-file: only --method sobol takes a design file").into());
    }
    let factors = match &design_file {
        Some(file) => file.factors(),
        None => args
            .sets
            .iter()
            .map(|s| sweep::parse_set(s, sweep::DesignKind::Lhs))
            .collect::<anyhow::Result<Vec<_>>>()?,
    };
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!("sensitivity-{}", scenario.params.run.name))
    });
    let spec = sensitivity_run::SensitivitySpec {
        scenario,
        factors,
        method,
        samples: args.samples.unwrap_or(match method {
            sensitivity_run::Method::Morris { .. } => 10,
            sensitivity_run::Method::Sobol => 64,
        }),
        design_file,
        outcome,
        statistic,
        resamples: args.bootstrap,
        out_dir: out,
        charts: !args.no_charts,
        settings: args.sim.settings(cancel)?,
    };
    let o = sensitivity_run::plan(spec)?.run()?;
    if !args.sim.quiet {
        print!("{}", sensitivity_run::summary_text(&o, method.name()));
    }
    Ok(ExitCode::SUCCESS)
}

/// The end-of-run table: key outcomes at the horizon and over the whole run.
fn print_summary(scenario: &Scenario, o: &crate::experiment::run::RunOutcome) {
    let p = &scenario.params;
    let s = &o.summary;
    let Some(last) = s.rows.last() else { return };
    println!(
        "{} — {} youths, {} replicates, {} months after {} of burn-in; {:.1} s ({})",
        p.run.name,
        p.total_youths(),
        p.run.replicates,
        p.run.months,
        p.run.burn_in_months,
        o.seconds,
        o.strategy.name()
    );
    println!(
        "At the horizon (month {}), mean and {:.0}% CI over replicates:",
        s.months.last().unwrap_or(&0),
        LEVEL * 100.0
    );
    for i in
        [m::SCHOOL, m::WORK, m::IDLE, m::MEMBERS, m::PRISON, m::RECRUITS, m::HOMICIDE_RATE, m::CARTELS_ACTIVE]
    {
        let iv = last[i];
        println!("  {:<22} {:>14.2}  [{:.2}, {:.2}]", METRICS[i], iv.mean, iv.lo, iv.hi);
    }
    println!("Over the run, per replicate (mean and {:.0}% CI):", LEVEL * 100.0);
    for (i, iv) in &o.totals {
        println!(
            "  {:<22} {:>14.1}  [{:.1}, {:.1}]",
            format!("total {}", METRICS[*i]),
            iv.mean,
            iv.lo,
            iv.hi
        );
    }
    println!("Wrote {} files to {}", o.files.len(), o.out_dir.display());
}
