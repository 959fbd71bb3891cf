//! The NDM-1 model itself: parameters, state and the rules of each section of `MODEL.md`.
//!
//! Everything here is sequential and deterministic given its random streams. The engine
//! decides how youths are split into chunks and which threads run them; the model only
//! says what happens to one chunk of youths, one region or one cartel in one month.

pub mod params;

/// Bytes of simulation state per youth, peer network included, for `peers` peers.
/// The scenario layer uses it to refuse populations that would not fit in memory.
/// (Placeholder until the state layout lands; the figure is an upper bound.)
pub fn bytes_per_youth(peers: u32) -> u64 {
    16 + (peers as u64).div_ceil(8)
}
