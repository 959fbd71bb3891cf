//! Experiments over the model: replicates, parameter sweeps and sensitivity analyses, with
//! the statistics done right. This part holds the pure numerical layer, which knows
//! nothing about the model or the engine and works on plain numbers: `stats` (Student t
//! intervals, paired comparisons, cost-effectiveness ratios), `icer` (incremental
//! cost-effectiveness with dominance), `design` (grids, Latin
//! hypercubes, shards) and `sensitivity` (Morris screening, Sobol' indices). The code that
//! runs the engine over a design and feeds its outputs to these functions sits above it,
//! every command on the one experiment `runner` (job loop, progress, cancellation,
//! manifest): `run` (`narcodoor run`), `compare` (policies against a baseline with common random
//! numbers), `sweep` (grids and Latin hypercubes, resumable and sharded, and `merge`) and
//! `sensitivity_run` (Morris and Sobol' on the model), `design_file` (designs given as CSV
//! files by other tools), with `outcomes` reducing each
//! replicate to the numbers they all report and `summary` accumulating replicates.

pub mod design_file;
pub mod effects;
pub mod factor;
pub mod icer;
pub mod outcomes;
pub mod posterior;
pub mod posterior_answers;
pub mod summary;
pub mod trial;
