//! narcodoor-lab: the library every front end calls (the command line, the web lab and the
//! Python package).
//!
//! `experiment` runs the model and computes results (replicates, comparisons, sweeps,
//! sensitivity, search, calibration, evidence); `output` writes them (CSV, JSON, reports,
//! charts, the terminal's summaries). The crates below are re-exported under their short
//! names so a front end depends on this crate alone: `model` (with `rng` and `calendar`),
//! `engine`, `scenario` (with `input_file`), `numerics` and `charts`. See ARCHITECTURE.md
//! for the crate graph and which of its edges Cargo enforces.

pub use narcodoor_charts as charts;
pub use narcodoor_engine as engine;
pub use narcodoor_model as model;
pub use narcodoor_model::{calendar, rng};
pub use narcodoor_numerics as numerics;
pub use narcodoor_scenario as scenario;
pub use narcodoor_scenario::input_file;

pub mod cancel;
pub mod command;
pub mod error;
pub mod experiment;
pub mod fingerprint;
pub mod limits;
pub mod output;
pub mod spelling;
