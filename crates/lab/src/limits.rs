//! Limits on the sizes that grow with the input, checked before anything is allocated.
//!
//! The scenario layer checks what one run keeps (youths, months, replicates: see
//! `scenario::check_memory`). This module checks what the experiment commands multiply on
//! top of it: the levels of a factor, the rows of a design (grid points, hypercube samples,
//! Morris trajectories, Saltelli rows), each of which holds a full copy of the parameters,
//! and the bootstrap resamples. A size that cannot fit is bad input: an `InputError`
//! (exit code 2) that names the flag, never an aborted allocation.

use crate::error::InputError;
use narcodoor_engine as engine;
use narcodoor_model::params::Params;
use narcodoor_scenario::{ScenarioError, memory_available};

/// Most levels one factor of a grid may have (`path=lo:hi:n`): already far more points than
/// any sweep could run, and a list of levels stays a few megabytes.
pub const MAX_LEVELS: usize = 100_000;

/// Most bootstrap resamples of a sensitivity analysis.
pub const MAX_RESAMPLES: usize = 1_000_000;

/// Memory kept back for everything else when design rows are counted against
/// `MemAvailable`.
const MARGIN_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// Refuses `jobs` replicate jobs of `params` on `threads` threads when the replicates the
/// engine would run at once (its strategy decides how many) would not fit in memory. The
/// one memory check of every command and every front end (command line, server, Python).
pub fn check_memory(params: &Params, jobs: usize, threads: usize) -> Result<(), ScenarioError> {
    let strategy = engine::choose_strategy(params, jobs, threads);
    narcodoor_scenario::check_memory(params, engine::concurrent_replicates(strategy, jobs, threads) as u32)
}

/// Refuses a count above `max`, naming the flag: `what` is shown as given (`--bootstrap`,
/// `--set p=0:1:n`).
pub fn at_most(what: &str, value: usize, max: usize) -> Result<(), InputError> {
    if value > max {
        return Err(InputError::new(format!("{what} = {value}: at most {max}")));
    }
    Ok(())
}

/// Bytes one design row keeps: its own copy of the parameters (estimated from their
/// resolved JSON, which is larger than the structure itself), its values and its results
/// (a row of `runs.csv` per replicate, and the bookkeeping of finished runs).
pub fn bytes_per_row(base: &Params, factors: usize, replicates: u32) -> f64 {
    let params = narcodoor_scenario::resolved_json(base).to_string().len() as f64;
    params + 48.0 * factors as f64 + 256.0 * f64::from(replicates.max(1))
}

/// Refuses a design of `rows` rows (None: more than a `u128` holds) when they cannot all be
/// held in memory at once. `what` names the flags that set the size.
pub fn check_design_rows(
    what: &str,
    rows: Option<u128>,
    base: &Params,
    factors: usize,
) -> Result<(), InputError> {
    let per_row = bytes_per_row(base, factors, base.run.replicates);
    let available = memory_available().map_or(f64::INFINITY, |b| b as f64);
    // Indices into the design are usize; the runs (rows × replicates) must be countable.
    let countable = usize::MAX as u128 / u128::from(base.run.replicates.max(1));
    let too_big = match rows {
        None => true,
        Some(n) => n > countable || n as f64 * per_row + MARGIN_BYTES > available,
    };
    if too_big {
        let shown = rows.map_or_else(|| "more than 10^38".to_string(), |n| n.to_string());
        let fit = ((available - MARGIN_BYTES).max(0.0) / per_row).floor();
        return Err(InputError::new(format!(
            "{what}: the design has {shown} rows, too many for this machine: each row keeps about \
             {per_row:.0} bytes (its parameters and {} replicates' results), and {} rows at most fit in \
             the memory available; use fewer levels or samples",
            base.run.replicates,
            if fit.is_finite() { format!("{fit:.0}") } else { "any number of".into() },
        )));
    }
    Ok(())
}

/// The product of level counts (a grid's points), or None if it overflows.
pub fn product(counts: impl IntoIterator<Item = usize>) -> Option<u128> {
    counts.into_iter().try_fold(1u128, |acc, n| acc.checked_mul(n as u128))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_above_the_limit_name_the_flag() {
        assert!(at_most("--bootstrap", 10, 10).is_ok());
        let e = at_most("--bootstrap", 11, 10).unwrap_err();
        assert_eq!(e.to_string(), "--bootstrap = 11: at most 10");
    }

    #[test]
    fn products_overflow_to_none() {
        assert_eq!(product([3, 4, 5]), Some(60));
        assert_eq!(product([]), Some(1));
        assert_eq!(product([usize::MAX, usize::MAX, usize::MAX]), None);
    }

    #[test]
    fn small_designs_fit_and_huge_ones_do_not() {
        let p = Params::defaults();
        assert!(check_design_rows("--samples 100", Some(100), &p, 3).is_ok());
        let e = check_design_rows("--set", Some(1u128 << 60), &p, 3).unwrap_err();
        assert!(e.to_string().contains("1152921504606846976 rows"), "{e}");
        assert!(check_design_rows("--set", None, &p, 3).is_err());
    }
}
