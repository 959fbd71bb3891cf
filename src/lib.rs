//! narcodoor: an agent-based model of youth recruitment into drug cartels (NDM-1).
//!
//! The crate is layered so that dependencies point one way:
//! `cli` → `experiment` → `engine` → `model`, with `scenario` (input) and `output`
//! (CSV, manifest, charts) at the edges. `model` is pure: no IO, no threads, no serde.
//! See `ARCHITECTURE.md` for the map.

pub mod calendar;
pub mod cli;
pub mod cli_evidence;
pub mod cli_posterior;
pub mod cli_search;
pub mod engine;
pub mod error;
pub mod experiment;
pub mod input_file;
pub mod limits;
pub mod model;
pub mod output;
pub mod rng;
pub mod scenario;
pub mod server;
pub mod signals;
