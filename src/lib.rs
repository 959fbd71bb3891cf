//! The `narcodoor` command line: argument parsing (`cli`, with clap) and signal handling
//! on top of the lab, plus the web lab's server (`narcodoor serve`).
//!
//! The library part of this package re-exports the lab (`pub use narcodoor_lab::*`), so
//! the integration tests and benchmarks reach every layer as `narcodoor::…`. See
//! ARCHITECTURE.md for the crate graph.

pub use narcodoor_lab::*;
pub use narcodoor_server as server;

pub mod cli;
pub mod signals;
