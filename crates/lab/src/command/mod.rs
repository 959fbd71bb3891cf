//! The commands: each joins the computations of `experiment` (and the engine) with the
//! writers of `output`. A command module prepares its inputs (every check before anything
//! runs), runs the replicates through the one experiment runner (`runner`), and renders
//! its outcome as files and a terminal summary.
//!
//! Dependencies point one way inside the lab: `command` → `output` → `experiment`;
//! `tests/integration/module_graph.rs` refuses an import circle between them.

pub mod calibrate;
pub mod compare;
pub mod evidence;
pub mod generations;
pub mod observed_fit;
pub mod optimize;
pub mod run;
pub mod runner;
pub mod sensitivity;
pub mod sweep;
pub mod terminal;
