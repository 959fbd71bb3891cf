//! Checks that a comparison means what it says, made before anything runs: enough
//! replicates for an interval, scenarios of the same country (the same regions and
//! cartels), without which a "paired" difference compares two different worlds, and the
//! caveats of a scenario's costs (levers outside the government's hands, costs that are
//! zero by assumption), without which a free lever reads as one that "dominates".

use crate::command::compare::Aligned;
use narcodoor_model::params::Params;

/// Below this many replicates `compare` warns: a t interval from 2–4 paired differences is
/// very wide (t = 12.7 at 1 degree of freedom, 2.78 at 4), and a test has little power.
pub const MIN_REPLICATES: u32 = 5;

/// The warning of a comparison run at another size than its files' (`--youths`) when a
/// scenario removes kingpins: the operations' cost was scaled with the population, but the
/// removals per year, the cartels and their violence shocks are national and were not, so
/// kingpin effects per youth may differ from those at the files' own size.
pub fn resized_kingpin_warning(youths: Option<u64>, aligned: &Aligned) -> Option<String> {
    let y = youths?;
    let kingpin = aligned.arms.iter().filter(|a| !a.scenario.params.policy.kingpin.is_empty());
    let labels: Vec<&str> = kingpin.map(|a| a.label.as_str()).collect();
    (!labels.is_empty()).then(|| {
        format!(
            "--youths {y}: the cost of each kingpin operation was scaled with the population ({}), but \
             removals per year, the cartels and their violence shocks do not scale; check kingpin \
             effects at the scenarios' own size before quoting them",
            labels.join(", ")
        )
    })
}

/// The warning for `n` replicates, if any: none from [`MIN_REPLICATES`] up.
pub fn replicate_warning(n: u32) -> Option<String> {
    if n < 2 {
        Some(format!(
            "{n} replicate: no interval and no test can be computed (they need at least 2); \
             the differences are single draws. Use --replicates {MIN_REPLICATES} or more"
        ))
    } else if n < MIN_REPLICATES {
        Some(format!(
            "only {n} replicates: intervals are very wide and tests weak below {MIN_REPLICATES}; \
             use --replicates {MIN_REPLICATES} or more for results to report"
        ))
    } else {
        None
    }
}

fn names<'a>(items: impl Iterator<Item = &'a String>) -> Vec<&'a str> {
    items.map(String::as_str).collect()
}

/// How `other` differs from `base` in its regions or cartels (names, in order), if it does.
pub fn structure_mismatch(base: &Params, other: &Params) -> Option<String> {
    let mut diffs = Vec::new();
    let (br, or) =
        (names(base.regions.iter().map(|r| &r.name)), names(other.regions.iter().map(|r| &r.name)));
    if br != or {
        diffs.push(format!("regions {or:?} against the baseline's {br:?}"));
    }
    let (bc, oc) =
        (names(base.cartel_list.iter().map(|c| &c.name)), names(other.cartel_list.iter().map(|c| &c.name)));
    if bc != oc {
        diffs.push(format!("cartels {oc:?} against the baseline's {bc:?}"));
    }
    (!diffs.is_empty()).then(|| diffs.join("; "))
}

/// Every scenario of a comparison that does not share the baseline's regions and cartels,
/// as one line each.
pub fn structure_mismatches(aligned: &Aligned) -> Vec<String> {
    let base = &aligned.arms[0].scenario.params;
    aligned.arms[1..]
        .iter()
        .filter_map(|a| structure_mismatch(base, &a.scenario.params).map(|d| format!("{}: {d}", a.label)))
        .collect()
}

/// Refuses a comparison whose scenarios do not share the baseline's regions and cartels
/// unless `allow` (the front end's switch, named by `switch` in the message: the command
/// line's `--allow-mismatch`, Python's `allow_mismatch=True`); allowed, each mismatch
/// becomes a note. One rule for every front end, so they refuse the same inputs.
pub fn refuse_mismatches(aligned: &mut Aligned, allow: bool, switch: &str) -> anyhow::Result<()> {
    let mismatches = structure_mismatches(aligned);
    if !mismatches.is_empty() && !allow {
        return Err(crate::error::InputError::new(format!(
            "the scenarios do not share the baseline's regions and cartels, so paired differences \
             would compare different countries:\n  {}\n(use {switch} to compare them anyway)",
            mismatches.join("\n  ")
        ))
        .into());
    }
    aligned
        .notes
        .extend(mismatches.into_iter().map(|m| format!("not the baseline's country ({switch}): {m}")));
    Ok(())
}

/// The memory check of a comparison on `threads` threads: every arm's replicates are jobs
/// of one list, so each arm is checked against all of them (`limits::check_memory`).
pub fn check_memory(aligned: &Aligned, threads: usize) -> Result<(), narcodoor_scenario::ScenarioError> {
    let jobs =
        aligned.arms.len() * aligned.arms.first().map_or(0, |a| a.scenario.params.run.replicates as usize);
    aligned.arms.iter().try_for_each(|a| crate::limits::check_memory(&a.scenario.params, jobs, threads))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicate_warnings_follow_the_documented_minimum() {
        assert!(replicate_warning(1).unwrap().contains("no interval"));
        assert!(replicate_warning(3).unwrap().contains("only 3 replicates"));
        assert_eq!(replicate_warning(MIN_REPLICATES), None);
    }

    #[test]
    fn different_regions_or_cartels_are_a_mismatch() {
        let base = Params::defaults();
        assert_eq!(structure_mismatch(&base, &base.clone()), None);
        let mut other = base.clone();
        other.regions[0].name = "Elsewhere".into();
        assert!(structure_mismatch(&base, &other).unwrap().contains("regions"));
        let mut other = base.clone();
        other.cartel_list[0].name = "Other".into();
        assert!(structure_mismatch(&base, &other).unwrap().contains("cartels"));
    }
}
