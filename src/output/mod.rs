//! The output layer: what a run leaves behind for people to read. It turns results that
//! the experiment layer has already computed into files (tables, the run manifest, charts)
//! and does no modelling of its own. `charts` holds the model-agnostic chart primitives
//! that draw the PNG figures policy students put in their reports.

pub mod charts;
