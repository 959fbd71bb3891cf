//! The NDM-1 model itself: parameters, state and the rules of each section of `MODEL.md`.
//!
//! Everything here is sequential and deterministic given its random streams. The engine
//! decides how youths are split into chunks and which threads run them; the model only
//! says what happens to one chunk of youths, one region or one cartel in one month.
//! `model` does no IO and knows nothing of rayon, serde or plotters: this crate depends
//! on `rand` and `rand_distr` only, so Cargo enforces it. It also holds the two
//! foundations every layer above shares: the random streams (`rng`) and the calendar of a
//! dated run (`calendar`).

pub mod calendar;
pub mod contact;
pub mod init;
pub mod jobs;
pub mod kingpin;
pub mod levers;
pub mod metrics;
pub mod network;
pub mod params;
pub mod policy;
pub mod region;
pub mod rng;
pub mod state;
pub mod trial;
pub mod youth;

/// Bytes of simulation state per youth, peer network included, for `peers` peers rewired
/// with probability `rewire`. The scenario layer uses it to refuse populations that would
/// not fit in memory.
pub fn bytes_per_youth(peers: u32, rewire: f64) -> f64 {
    state::World::bytes_per_youth(peers, rewire)
}
