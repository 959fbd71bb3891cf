//! `compare`'s one preparation, shared by every front end (the command line and Python
//! call it; the web lab's two arms make the same checks through `request`): the
//! scenarios aligned, every check made before anything runs (scenarios of another
//! country, a resized comparison with kingpin removals, the posterior against every
//! scenario, the targets, the memory of all arms' replicates), and what the run needs.

use std::path::Path;

use crate::command::compare::{Aligned, align, checks};
use crate::experiment::posterior::{self, Draws};
use crate::experiment::posterior_answers::{self, Target};
use narcodoor_scenario::Scenario;

/// What a front end gives `compare` once it has loaded the scenarios.
pub struct CompareInputs<'a> {
    pub scenarios: Vec<Scenario>,
    /// Compare scenarios of different countries anyway, and how the front end spells
    /// that switch (for the refusal's message: `--allow-mismatch`, `allow_mismatch=True`).
    pub allow_mismatch: (bool, &'a str),
    /// The population every scenario was resized to (`--youths`), if any.
    pub resized_to: Option<u64>,
    /// A posterior file and the number of draws (`--posterior`, `--draws`).
    pub posterior: (Option<&'a Path>, Option<usize>),
    /// `--target` texts (they need a posterior).
    pub targets: &'a [String],
    /// Threads the run will use (for the memory check).
    pub threads: usize,
}

/// A comparison ready to run: nothing in it can be refused any more.
pub struct ComparePlan {
    pub aligned: Aligned,
    pub posterior: Option<Draws>,
    pub targets: Vec<Target>,
}

/// Aligns the scenarios and makes every check of a comparison, in the order a reader
/// meets them: the country, the kingpin warning (a note), the posterior, the targets,
/// the memory. Warnings are in `aligned.notes` for the front end to show.
pub fn prepare(inputs: CompareInputs<'_>) -> anyhow::Result<ComparePlan> {
    let mut aligned = align(inputs.scenarios)?;
    let (allow, switch) = inputs.allow_mismatch;
    checks::refuse_mismatches(&mut aligned, allow, switch)?;
    aligned.notes.extend(checks::resized_kingpin_warning(inputs.resized_to, &aligned));
    let named: Vec<_> = aligned.arms.iter().map(|a| (a.label.as_str(), &a.scenario.params)).collect();
    let (file, draws) = inputs.posterior;
    let posterior = posterior::prepare_for(file, draws, &named)?;
    let targets =
        posterior_answers::targets(inputs.targets, &posterior, &aligned.arms[0].scenario.params.run)?;
    checks::check_memory(&aligned, inputs.threads)?;
    Ok(ComparePlan { aligned, posterior, targets })
}
