//! The command-line options of parameter uncertainty (`--posterior FILE`, `--draws K`,
//! and `compare`'s `--target`), shared by the commands that take them.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::experiment::posterior::{self, Draws};
use crate::model::params::Params;

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
    /// The posterior file and the number of draws, as a command's preparation takes them.
    pub fn source(&self) -> (Option<&Path>, Option<usize>) {
        (self.posterior.as_deref(), self.draws)
    }

    /// The draws, checked against every scenario the command runs (`named`: label and
    /// parameters); `None` without `--posterior`.
    pub fn load(&self, named: &[(&str, &Params)]) -> anyhow::Result<Option<Draws>> {
        let (file, draws) = self.source();
        posterior::prepare_for(file, draws, named)
    }
}
