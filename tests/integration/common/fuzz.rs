//! The configuration every property test of the suite shares: a fixed seed, so that
//! `cargo test --release` draws the same inputs on every run and machine, and a failure file
//! in the repository, so that a failing input is replayed first on every later run.
//!
//! Proptest would otherwise draw a fresh seed each run: whether a run of the suite met a
//! rare slow or failing input was chance, and the input was lost. The wider random search
//! is `tests/fuzz/million.sh`, which sets `PROPTEST_RNG_SEED` per chunk and prints it.

use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};

/// The seed of `cargo test`: any fixed number would do; this one is kept so that the
/// inputs the suite draws stay the ones it has always drawn since the seed was fixed.
pub const DEFAULT_SEED: u64 = 20_261_207;

/// The seed to use: `PROPTEST_RNG_SEED` if set (the long fuzz script's chunks), otherwise
/// [`DEFAULT_SEED`]. An unreadable value is an error, not a silent default.
pub fn seed() -> u64 {
    match std::env::var("PROPTEST_RNG_SEED") {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("PROPTEST_RNG_SEED={v:?} is not a whole number")),
        Err(_) => DEFAULT_SEED,
    }
}

/// How many cases: `FUZZ_CASES` if set (the long fuzz script), otherwise `default`.
pub fn cases(default: u32) -> u32 {
    match std::env::var("FUZZ_CASES") {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("FUZZ_CASES={v:?} is not a whole number")),
        Err(_) => default,
    }
}

/// A property test's configuration: `cases` cases drawn from the printed seed; failures
/// persisted to (and replayed first from) `tests/fixtures/regressions/proptest/<test>.txt`.
/// `persistence` is that path, relative to the package root (the tests' working directory).
pub fn config(persistence: &'static str, default_cases: u32) -> Config {
    let seed = seed();
    let cases = cases(default_cases);
    eprintln!("property test: {cases} cases from seed {seed} (PROPTEST_RNG_SEED={seed} repeats them)");
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(persistence))),
        ..Config::default()
    }
}
