//! Every integration test in one binary. Each file below was a test binary of its own;
//! cargo links each such binary with the whole library and its dependencies (thin LTO in
//! the release profile), so 26 binaries spent most of `cargo test --release`'s build in
//! linking, and cargo runs binaries one after another, so a long test held the suite up
//! with a core idle. One binary links once, and its tests share the harness's threads.
//!
//! Run one file's tests with a filter on its module name, e.g.
//! `cargo test --release --test integration fuzz_cli::`.

mod common;

mod citable;
mod cli;
mod cli_help;
mod code_shape;
mod compare_outputs;
mod design_file;
mod determinism;
mod evidence;
mod experiments;
mod friction;
mod fuzz_cli;
mod fuzz_scenarios;
mod golden_outputs;
mod interrupts;
mod memo_outputs;
mod model_statistics;
mod module_graph;
mod observed_data;
mod output_dirs;
mod patterns_doors;
mod patterns_state;
mod posterior;
mod posterior_search;
mod rules_doors;
mod rules_state;
mod scenario_files;
mod search;
mod server;
mod server_posterior;
mod size_invariance;
mod trial;
