//! The command-line arguments and dispatch of `evidence` (kept beside `cli.rs`, which
//! declares it as a subcommand): parse, load the registry, run, print the verdict count.

use std::process::ExitCode;

use clap::Args;

use crate::cancel::Cancel;
use crate::cli::{OutputArgs, SimArgs};
use crate::command::evidence::{self, EvidenceOptions};
use crate::output::staging::write_dir;

const EVIDENCE_OUT: &str = "Output directory [default: results/evidence]";
const EVIDENCE_NO_CHARTS: &str = "Do not draw charts/forest.png";

#[derive(Debug, Args)]
#[command(mut_arg("out", |a| a.help(EVIDENCE_OUT)), mut_arg("no_charts", |a| a.help(EVIDENCE_NO_CHARTS)))]
pub struct EvidenceArgs {
    /// Run only these studies of the registry (their ids, the file stems of evidence/)
    /// [default: every study].
    #[arg(long, value_name = "ID[,ID...]", value_delimiter = ',')]
    pub only: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub posterior: crate::cli::posterior::PosteriorArgs,
}

pub fn cmd_evidence(args: EvidenceArgs, cancel: &Cancel) -> anyhow::Result<ExitCode> {
    let studies = evidence::load_registry(&evidence::registry::default_dir(), &args.only)?;
    let plans = evidence::plan(studies, &args.sim.overrides())?;
    let settings = args.sim.settings(cancel)?;
    let posterior = match &args.posterior.posterior {
        Some(file) => evidence::posterior_run::prepare(&plans, file, args.posterior.draws)?,
        None if args.posterior.draws.is_some() => {
            return Err(crate::error::InputError::new("--draws needs --posterior FILE").into());
        }
        None => Vec::new(),
    };
    let jobs: usize =
        plans.iter().map(|p| 2 * p.aligned.arms[0].scenario.params.run.replicates as usize).sum();
    for p in &plans {
        for arm in &p.aligned.arms {
            crate::limits::check_memory(&arm.scenario.params, jobs, settings.threads)?;
        }
    }
    let out = args.output.dir_or(|| "evidence".into());
    let charts = args.output.charts();
    let outcome = write_dir(&out, settings.force, |staging| {
        let opts = EvidenceOptions { out_dir: staging.to_path_buf(), charts, settings, posterior };
        evidence::run_evidence(&plans, &opts)
    })?;
    println!("{}", evidence::summary_line(&outcome));
    if !args.sim.quiet {
        println!("written to {} in {:.1} s", out.display(), outcome.seconds);
    }
    Ok(ExitCode::SUCCESS)
}
