//! Experiments over the model: replicates, parameter sweeps and sensitivity analyses, with
//! the statistics done right. This part holds the pure numerical layer, which knows
//! nothing about the model or the engine and works on plain numbers: `stats` (Student t
//! intervals, paired comparisons, cost-effectiveness ratios), `design` (grids, Latin
//! hypercubes, shards) and `sensitivity` (Morris screening, Sobol' indices). The code that
//! runs the engine over a design and feeds its outputs to these functions sits above it.

pub mod design;
pub mod run;
pub mod sensitivity;
pub mod stats;
pub mod summary;
