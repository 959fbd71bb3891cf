//! The command-line arguments and dispatch of `optimize` and `calibrate` (kept beside
//! `cli.rs`, which declares them as subcommands).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::cancel::Cancel;
use crate::cli::{OutputArgs, SimArgs, load_scenario};
use crate::command::generations::parse_range;
use crate::command::optimize::{self, OptimizeSpec, parse_objective, parse_robust};
use crate::error::InputError;
use crate::experiment::posterior::read_posterior;

// The help of `--out` and `--no-charts` (the shared [`OutputArgs`]) with each command's
// own default directory and charts.
const OPTIMIZE_OUT: &str = "Output directory [default: results/optimize-<run.name>]. Running the same \
                            command again resumes a search that was stopped.";
const OPTIMIZE_NO_CHARTS: &str = "Do not draw charts/pareto.png (nor run the bundled reference scenarios)";
const CALIBRATE_OUT: &str = "Output directory [default: results/calibrate-<run.name>]. Running the same \
                             command again resumes a calibration that was stopped.";
const CALIBRATE_NO_CHARTS: &str = "Do not draw charts/fit.png and charts/posterior.png";

#[derive(Debug, Args)]
#[command(mut_arg("out", |a| a.help(OPTIMIZE_OUT)), mut_arg("no_charts", |a| a.help(OPTIMIZE_NO_CHARTS)))]
pub struct OptimizeArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// A decision variable: a numeric scenario key and its range, PATH=LO:HI (repeat).
    /// A lever named by a path is switched on for the search.
    #[arg(long = "lever", value_name = "PATH=LO:HI", required = true)]
    pub levers: Vec<String>,
    /// An objective to minimise: METRIC[:STAT], STAT horizon, total or mean [default:
    /// total for flows, mean for stocks and rates] (repeat).
    #[arg(long = "objective", value_name = "METRIC[:STAT]", required = true)]
    pub objectives: Vec<String>,
    /// Constraint on mean monthly spending (pesos per month); points above it rank behind
    /// feasible ones by their excess.
    #[arg(long, value_name = "PESOS_PER_MONTH")]
    pub budget: Option<f64>,
    /// Candidates per generation (even).
    #[arg(long, value_name = "N", default_value_t = 40)]
    pub population: usize,
    /// Generations after the first (a Latin hypercube).
    #[arg(long, value_name = "G", default_value_t = 10)]
    pub generations: u64,
    /// Robust mode: an uncertain model parameter and its range, PATH=LO:HI (repeat).
    #[arg(long = "uncertain", value_name = "PATH=LO:HI")]
    pub uncertain: Vec<String>,
    /// Robust mode from a calibration's posterior.csv instead of --uncertain: each candidate
    /// runs K draws resampled from its last generation (the same for every candidate).
    #[arg(long, value_name = "FILE", conflicts_with = "uncertain")]
    pub posterior: Option<PathBuf>,
    /// Robust mode: Latin-hypercube draws of the uncertain parameters, or draws from the
    /// posterior (the same for every candidate).
    #[arg(long, value_name = "K", default_value_t = 5)]
    pub draws: usize,
    /// Robust mode: minimise the mean over the draws, a percentile such as p90, or with
    /// below:V1,V2,... (a threshold per objective) the share of draws above each threshold
    /// (maximising the probability of meeting it).
    #[arg(long, value_name = "mean|pNN|below:V,...", default_value = "mean")]
    pub robust: String,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub sim: SimArgs,
}

pub fn cmd_optimize(args: OptimizeArgs, cancel: &Cancel) -> anyhow::Result<ExitCode> {
    let scenario = load_scenario(&args.file, &args.sim)?;
    let levers = args
        .levers
        .iter()
        .map(|l| parse_range(l, "--lever", false).map(|r| (r.0, r.1, r.2)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let uncertain = args
        .uncertain
        .iter()
        .map(|l| parse_range(l, "--uncertain", false).map(|r| (r.0, r.1, r.2)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let objectives =
        args.objectives.iter().map(|o| parse_objective(o)).collect::<anyhow::Result<Vec<_>>>()?;
    let out_dir = args.output.dir_or(|| format!("optimize-{}", scenario.params.run.name));
    let robust = !uncertain.is_empty() || args.posterior.is_some();
    let draws = if robust { args.draws } else { 1 };
    let posterior = match &args.posterior {
        Some(file) if args.draws < 2 => {
            return Err(InputError::new(format!(
                "--posterior {}: --draws must be at least 2",
                file.display()
            ))
            .into());
        }
        Some(file) => Some(read_posterior(file)?.draw(args.draws, scenario.params.run.seed)),
        None => None,
    };
    let spec = OptimizeSpec {
        overrides: args.sim.overrides(),
        scenario,
        levers,
        objectives,
        budget: args.budget,
        population: args.population,
        generations: args.generations,
        uncertain,
        draws,
        robust: parse_robust(&args.robust)?,
        posterior,
        settings: args.sim.settings(cancel)?,
        out_dir,
        charts: args.output.charts(),
    };
    let o = optimize::optimize(&spec)?;
    if !args.sim.quiet {
        print!("{}", o.summary_text());
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
#[command(mut_arg("out", |a| a.help(CALIBRATE_OUT)), mut_arg("no_charts", |a| a.help(CALIBRATE_NO_CHARTS)))]
pub struct CalibrateArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// Observed targets: CSV with columns metric,region,start,end,value,tolerance (a row
    /// whose metric is study:<id> fits a study of the evidence registry).
    #[arg(long, value_name = "TARGETS.csv")]
    pub targets: PathBuf,
    /// A free parameter and its uniform prior, PATH=LO:HI, or PATH=LO:HI:log for a
    /// log-uniform prior (repeat).
    #[arg(long = "param", value_name = "PATH=LO:HI[:log]", required = true)]
    pub params: Vec<String>,
    /// Particles per generation (200: the 5% and 95% limits then rest on several
    /// effective particles even when weights are uneven).
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub particles: usize,
    /// Generations after the first (a sample of the prior), at most.
    #[arg(long, value_name = "G", default_value_t = 5)]
    pub generations: u64,
    /// Run every particle on the same replicates (common random numbers): a screening
    /// device that ranks points sharply; its intervals are not posterior intervals.
    #[arg(long)]
    pub common_random_numbers: bool,
    /// Stop once a generation's tolerance is at most E.
    #[arg(long, value_name = "E", default_value_t = 0.0)]
    pub min_tolerance: f64,
    /// Stop once a generation accepts less than this share of its proposals.
    #[arg(long, value_name = "A", default_value_t = 0.02)]
    pub min_acceptance: f64,
    /// Stop once the tolerance falls by less than this share in a generation.
    #[arg(long, value_name = "F", default_value_t = 0.01)]
    pub min_tolerance_drop: f64,
    /// Youths of the runs of the targets that name a registry study (study:<id> rows), each
    /// run with the calibration's replicates [default: the calibrated scenario's youths, at
    /// most the study's own 200,000].
    #[arg(long, value_name = "N")]
    pub study_youths: Option<u64>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub sim: SimArgs,
}

pub fn cmd_calibrate(args: CalibrateArgs, cancel: &Cancel) -> anyhow::Result<ExitCode> {
    use crate::command::calibrate::{self, CalibrateSpec};
    let scenario = load_scenario(&args.file, &args.sim)?;
    let targets = crate::command::calibrate::targets::read_targets(&args.targets, &scenario.params)?;
    let params =
        args.params.iter().map(|l| parse_range(l, "--param", true)).collect::<anyhow::Result<Vec<_>>>()?;
    let out_dir = args.output.dir_or(|| format!("calibrate-{}", scenario.params.run.name));
    let spec = CalibrateSpec {
        scenario,
        targets_file: args.targets.clone(),
        targets,
        params,
        particles: args.particles,
        generations: args.generations,
        settings: args.sim.settings(cancel)?,
        out_dir,
        charts: args.output.charts(),
        common_random_numbers: args.common_random_numbers,
        stopping: calibrate::Stopping {
            min_tolerance: args.min_tolerance,
            min_acceptance: args.min_acceptance,
            min_tolerance_drop: args.min_tolerance_drop,
        },
        study_youths: args.study_youths,
        studies: Vec::new(),
    };
    let o = calibrate::calibrate(&spec)?;
    if !args.sim.quiet {
        print!("{}", o.summary_text());
    }
    Ok(ExitCode::SUCCESS)
}
