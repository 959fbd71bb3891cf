//! The command line: argument types (clap) and the dispatch to the library.
//!
//! Every subcommand returns `anyhow::Result<ExitCode>`; `main` prints errors with their
//! whole chain and maps bad input to exit code 2 (`error::exit_code`).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::error::InputError;
use crate::experiment::run::{RunOptions, default_out_dir, run_scenario};
use crate::experiment::summary::LEVEL;
use crate::model::metrics::{METRICS, m};
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
    /// Do not draw PNG charts.
    #[arg(long)]
    pub no_charts: bool,
    /// No progress display and no summary table.
    #[arg(long)]
    pub quiet: bool,
}

impl SimArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides { youths: self.youths, months: self.months, replicates: self.replicates, seed: self.seed }
    }

    pub fn threads(&self) -> anyhow::Result<usize> {
        match self.threads {
            Some(0) => Err(InputError::new("--threads must be at least 1").into()),
            Some(n) => Ok(n),
            None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
        }
    }
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
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => cmd_run(args),
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

fn cmd_run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let scenario = load_scenario(&args.file, &args.sim)?;
    let threads = args.sim.threads()?;
    let p = &scenario.params;
    let strategy = crate::engine::choose_strategy(p, p.run.replicates as usize, threads);
    scenario::check_memory(
        p,
        crate::engine::concurrent_replicates(strategy, p.run.replicates as usize, threads) as u32,
    )?;
    let out = args.out.clone().unwrap_or_else(|| default_out_dir(&scenario));
    let opts = RunOptions {
        out_dir: out,
        threads,
        charts: !args.sim.no_charts,
        command: std::env::args().collect(),
    };
    let bar = progress_bar(
        args.sim.quiet,
        p.run.replicates as u64 * (p.run.burn_in_months + p.run.months) as u64,
        p.total_youths(),
        &format!("{} ({} replicates)", p.run.name, p.run.replicates),
    );
    let tick = {
        let bar = bar.clone();
        let (name, reps, burn_in) = (p.run.name.clone(), p.run.replicates, p.run.burn_in_months as i64);
        move |replicate: u32, done: u64| {
            bar.inc(1);
            let month = done as i64 - burn_in - 1;
            let phase = if month < 0 { format!("burn-in {}", done) } else { format!("month {month}") };
            bar.set_message(format!("{name}: replicate {}/{reps}, {phase}", replicate + 1));
        }
    };
    let outcome = run_scenario(&scenario, &opts, &tick)?;
    bar.finish_and_clear();
    if !args.sim.quiet {
        print_summary(&scenario, &outcome);
    }
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on stderr with ETA and youth-months per second (hidden when quiet or
/// when stderr is not a terminal).
pub fn progress_bar(quiet: bool, months: u64, youths: u64, label: &str) -> Arc<ProgressBar> {
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
    Arc::new(bar)
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
