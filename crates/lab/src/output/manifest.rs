//! `manifest.json`: what was run, with what, by which version, when and for how long, so
//! that a result can be cited and reproduced; whether it finished (`complete`).

use crate::fingerprint::fnv1a;
use std::io;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// The git commit the binary was built from (`build.rs`): `unknown` outside a git checkout,
/// with `+changes` when files had been edited since the commit.
pub const COMMIT: &str = env!("NARCODOOR_COMMIT");

/// The model version the engine implements.
pub const MODEL_VERSION: &str = "NDM-1";

/// How random numbers are made, stated in every manifest.
pub const RNG_DESCRIPTION: &str = "SplitMix64 counter-based streams keyed by (seed, replicate, month, purpose, youth \
     slot or region); identical bytes for any thread count";

/// How the intervals of summary files are computed.
pub const INTERVAL_DESCRIPTION: &str = "95% confidence interval of the mean across replicates, Student t with n-1 degrees of freedom, \
     truncated at 0 below (no metric can be negative)";

/// An input file of a run and the fingerprint of its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Input {
    pub path: String,
    /// FNV-1a (64 bits) of the file's bytes, in hex (see [`fnv1a`]).
    pub fnv1a_64: String,
}

impl Input {
    /// Reads `path` and fingerprints it.
    pub fn of(path: &Path) -> Result<Input, narcodoor_scenario::input_file::FileError> {
        let bytes = narcodoor_scenario::input_file::read_bytes(path)?;
        Ok(Input { path: path.display().to_string(), fnv1a_64: fnv1a(&bytes) })
    }
}

/// How the scenarios of an experiment share their random numbers, stated in every
/// experiment manifest and report.
pub const CRN_DESCRIPTION: &str = "common random numbers: every scenario or design point is run with the same seed, so \
     replicate r of each uses the same random streams and differences between them are paired";

/// `manifest.json`, the same for every command (`run`, `compare`, `sweep`, `merge`,
/// `sensitivity`, ...): the fields every run shares, then the fields particular to the
/// command (`run`: `scenario_file`, `scenario_files`, `scenario`; the experiments:
/// `details`). Written by [`crate::command::runner`], last, with `complete` false when
/// the run was cancelled or failed: a directory whose manifest says `"complete": true`
/// holds every output it lists.
#[derive(Clone, Debug, Serialize)]
pub struct Manifest {
    /// `run`, `compare`, `sweep`, `merge`, `sensitivity`, ...
    pub experiment: &'static str,
    /// Whether every output listed was written in full.
    pub complete: bool,
    pub model_version: &'static str,
    pub narcodoor_version: &'static str,
    /// The git commit of the build ([`COMMIT`]).
    pub commit: &'static str,
    /// The command line, program name first.
    pub command: Vec<String>,
    /// The scenario files read (with the files they extend), fingerprinted.
    pub inputs: Vec<Input>,
    #[serde(flatten)]
    pub scale: Scale,
    pub threads: usize,
    /// How the threads shared the work (absent when nothing was simulated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<&'static str>,
    pub rng: &'static str,
    /// The statement of common random numbers, for commands that run several scenarios.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_random_numbers: Option<&'static str>,
    pub intervals: &'static str,
    pub started_utc: String,
    pub finished_utc: String,
    pub run_seconds: f64,
    pub outputs: Vec<String>,
    /// Problems that did not stop the run (a chart that could not be drawn).
    pub warnings: Vec<String>,
    /// The command's own fields, written at the top level.
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl Manifest {
    /// Writes the manifest atomically.
    pub fn write(&self, path: &Path) -> io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
        crate::output::atomic::write_file(path, (text + "\n").as_bytes())
    }
}

/// What sets the size and the random numbers of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Scale {
    pub seed: u64,
    pub replicates: u32,
    pub youths: u64,
    pub burn_in_months: u32,
    pub months: u32,
}

impl Scale {
    pub fn of(p: &narcodoor_model::params::Params) -> Scale {
        Scale {
            seed: p.run.seed,
            replicates: p.run.replicates,
            youths: p.total_youths(),
            burn_in_months: p.run.burn_in_months,
            months: p.run.months,
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a system time (UTC, proleptic Gregorian calendar).
pub fn utc_timestamp(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Days since 1970-01-01 to (year, month, day), by the era arithmetic of the Gregorian
/// calendar's 400-year cycle.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + (m <= 2) as i64;
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_dates() {
        assert_eq!(utc_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        // 2026-11-28 13:48:25 UTC.
        assert_eq!(utc_timestamp(UNIX_EPOCH + Duration::from_secs(1_795_873_705)), "2026-11-28T13:48:25Z");
        // A leap day.
        assert_eq!(utc_timestamp(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00Z");
    }
}
