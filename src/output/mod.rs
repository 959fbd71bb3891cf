//! The output layer: CSV files, the manifest and the charts of a run or an experiment.
//!
//! Row types and column names live here, not in the model. Charts only read what the CSV
//! files hold (the summaries below), so a chart never shows a number the files do not.

pub mod manifest;
pub mod run_charts;
pub mod tables;
