//! The command-line options of parameter uncertainty (`--posterior FILE`, `--draws K`,
//! and `compare`'s `--target`), shared by the commands that take them.

use std::path::PathBuf;

use clap::Args;

use crate::error::InputError;
use crate::experiment::posterior::{self, Draws};
use crate::experiment::posterior_answers::{Target, parse_target};
use crate::model::params::{Params, Run};

#[derive(Debug, Clone, Args)]
pub struct PosteriorArgs {
    /// Include parameter uncertainty: a calibration's posterior.csv (its last generation's
    /// weighted particles; or any CSV of parameter columns with an optional weight column).
    /// Replicate r runs draw r mod K, the same draw in every scenario.
    #[arg(long, value_name = "FILE")]
    pub posterior: Option<PathBuf>,
    /// Parameter vectors resampled from the posterior [default: half the replicates, two
    /// replicates per draw]. At least 2, with at least 2 replicates each.
    #[arg(long, value_name = "K")]
    pub draws: Option<usize>,
}

impl PosteriorArgs {
    /// The draws, checked against every scenario the command runs (`named`: label and
    /// parameters); `None` without `--posterior`.
    pub fn load(&self, named: &[(&str, &Params)]) -> anyhow::Result<Option<Draws>> {
        let Some(&(_, base)) = named.first() else { return Ok(None) };
        let draws =
            posterior::prepare(self.posterior.as_deref(), self.draws, base.run.replicates, base.run.seed)?;
        if let Some(d) = &draws {
            for (label, p) in named {
                d.apply(p, label)?;
            }
        }
        Ok(draws)
    }
}

/// `compare`'s targets, which need a posterior.
pub fn targets(texts: &[String], draws: &Option<Draws>, run: &Run) -> anyhow::Result<Vec<Target>> {
    if !texts.is_empty() && draws.is_none() {
        return Err(InputError::new(
            "--target needs --posterior FILE (its probability is over the posterior's draws)",
        )
        .into());
    }
    let mut targets = texts.iter().map(|t| parse_target(t)).collect::<anyhow::Result<Vec<_>>>()?;
    for t in &mut targets {
        t.resolve(run.start, run.months)?;
    }
    Ok(targets)
}
