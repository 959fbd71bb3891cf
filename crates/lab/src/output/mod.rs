//! The output layer: what a run leaves behind for people to read. It turns results that
//! the experiment layer has already computed into files (CSV tables, the manifest, charts)
//! and does no modelling of its own.
//!
//! Row types and column names live here, not in the model. Charts only read what the CSV
//! files hold (the summaries in `tables`), so a chart never shows a number the files do
//! not. `charts` holds the model-agnostic chart primitives; `run_charts` assembles the
//! figures of `narcodoor run` from them, `experiment_charts` those of the experiment
//! commands. `experiment_tables` and `compare_report` (with `compare_report_regions`)
//! write the experiments' CSV files and the comparison's Markdown report. Every file is
//! written through `atomic`: whole or not at all.

pub mod atomic;
pub mod experiment_charts;
pub mod experiment_tables;
pub mod manifest;
pub mod run_charts;
pub mod staging;
pub mod tables;
pub mod trial_tables;
pub mod uncertainty_charts;
pub mod uncertainty_tables;
