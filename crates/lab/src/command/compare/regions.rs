//! The regional side of `narcodoor compare`: each scenario's `regions.csv` and
//! `regions_summary.csv` (the files of `narcodoor run`), and `regional_effects.csv`, the
//! paired differences of every key metric in every region.
//!
//! A national total can hide what a policy does to the map: an enforcement surge that
//! pushes members out of the policed regions and into the others (the balloon effect)
//! may leave the national count almost unchanged. Replicate r of every scenario shares its
//! random streams, region by region as nationally, so the regional differences are paired
//! exactly as the national ones are, with the same Student t intervals.

use std::path::Path;

use anyhow::Context;

use crate::command::compare::effect_row;
use crate::experiment::effects::KEY_METRICS;
use crate::experiment::effects::RegionalEffectRow;
use crate::experiment::outcomes::{Reduced, Statistic, run_statistic};
use crate::experiment::summary::Summary;
use crate::output::tables::{RegionsWriter, write_regions_summary};
use narcodoor_engine::ReplicateResult;
use narcodoor_model::calendar::YearMonth;

/// One scenario's regional outputs while the comparison runs.
pub struct RegionStream {
    names: Vec<String>,
    start: Option<YearMonth>,
    writer: RegionsWriter,
    /// Per replicate (in order), each region's metrics reduced.
    reduced: Vec<Vec<Reduced>>,
}

impl RegionStream {
    /// Opens `dir/regions.csv` for a scenario with these regions (dated as `run` dates
    /// it when the scenario has a `run.start`).
    pub fn create(dir: &Path, names: Vec<String>, start: Option<YearMonth>) -> anyhow::Result<Self> {
        let path = dir.join("regions.csv");
        let writer = RegionsWriter::create_dated(&path, names.clone(), start)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(RegionStream { names, start, writer, reduced: Vec::new() })
    }

    pub fn region_count(&self) -> usize {
        self.names.len()
    }

    /// Adds a finished replicate (replicates arrive in order).
    pub fn add(&mut self, result: &ReplicateResult) -> std::io::Result<()> {
        self.writer.write(result)?;
        self.reduced.push((0..self.names.len()).map(|r| Reduced::of_region(result, r)).collect());
        Ok(())
    }

    /// Writes `regions.csv` under its name and `regions_summary.csv` from the regions'
    /// summaries (in region order); returns what the regional effects need.
    pub fn finish(self, dir: &Path, summaries: &[Summary]) -> anyhow::Result<ArmRegions> {
        let path = dir.join("regions.csv");
        self.writer.finish().with_context(|| format!("cannot write {}", path.display()))?;
        let path = dir.join("regions_summary.csv");
        write_regions_summary(&path, &self.names, summaries, self.start)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(ArmRegions { names: self.names, reduced: self.reduced })
    }
}

/// A scenario's regions with every replicate reduced region by region.
#[derive(Clone, Debug)]
pub struct ArmRegions {
    pub names: Vec<String>,
    /// `reduced[replicate][region]`.
    pub reduced: Vec<Vec<Reduced>>,
}

impl ArmRegions {
    /// One value per replicate of a metric's statistic in region `r`.
    fn values(&self, r: usize, metric: usize, stat: Statistic) -> Vec<f64> {
        self.reduced.iter().map(|regions| regions[r].value(metric, stat)).collect()
    }
}

/// The rows of `regional_effects.csv` for one scenario against the baseline: for every
/// region of the baseline that the scenario has too (matched by name, in the baseline's
/// order), every key metric at the horizon and over the run, in the order of
/// `effects.csv`. Regions of only one side have no pair and no row.
pub fn regional_effects(
    labels: (&str, &str),
    baseline: &ArmRegions,
    scenario: &ArmRegions,
) -> anyhow::Result<Vec<RegionalEffectRow>> {
    let mut rows = Vec::new();
    for (rb, name) in baseline.names.iter().enumerate() {
        let Some(rs) = scenario.names.iter().position(|n| n == name) else { continue };
        for &metric in &KEY_METRICS {
            for stat in [Statistic::Horizon, run_statistic(metric)] {
                let a = baseline.values(rb, metric, stat);
                let b = scenario.values(rs, metric, stat);
                let effect = effect_row(labels, metric, stat, &a, &b)
                    .with_context(|| format!("regional effects in {name}"))?;
                rows.push(RegionalEffectRow { region: name.clone(), effect });
            }
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use narcodoor_engine::MonthReport;
    use narcodoor_model::metrics::{MonthMetrics, N_METRICS, m};
    use narcodoor_numerics::stats::Change;

    /// A replicate of two regions whose members are `north` and `south` in every month.
    fn replicate(replicate: u32, north: f64, south: f64) -> ReplicateResult {
        let row = |members: f64| std::array::from_fn(|i| if i == m::MEMBERS { members } else { 1.0 });
        let month = |t: u32| MonthReport {
            month: t,
            metrics: MonthMetrics { national: [0.0; N_METRICS], regions: vec![row(north), row(south)] },
            events: Vec::new(),
            trial: None,
        };
        ReplicateResult { replicate, months: vec![month(0), month(1)] }
    }

    fn arm(names: &[&str], reps: &[(f64, f64)]) -> ArmRegions {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let reduced = reps
            .iter()
            .enumerate()
            .map(|(i, &(n, s))| {
                let res = replicate(i as u32, n, s);
                (0..names.len()).map(|r| Reduced::of_region(&res, r)).collect()
            })
            .collect();
        ArmRegions { names, reduced }
    }

    #[test]
    fn a_scenario_against_itself_changes_nothing_anywhere() {
        let a = arm(&["Norte", "Sur"], &[(10.0, 20.0), (12.0, 19.0), (11.0, 25.0)]);
        let rows = regional_effects(("base", "same"), &a, &a).unwrap();
        assert_eq!(rows.len(), 2 * 2 * KEY_METRICS.len());
        for r in &rows {
            assert_eq!(r.effect.difference, 0.0, "{} {}", r.region, r.effect.metric);
            assert_eq!(r.effect.change, Change::None);
            assert!(r.effect.cost.is_none());
        }
    }

    #[test]
    fn members_pushed_from_one_region_to_another_show_in_both() {
        let base = arm(&["Norte", "Sur"], &[(10.0, 20.0), (12.0, 19.0), (11.0, 25.0)]);
        // The policy moves 5 members (± a little) from Norte to Sur: a balloon.
        let policy = arm(&["Norte", "Sur"], &[(5.0, 25.0), (7.5, 24.0), (5.5, 30.0)]);
        let rows = regional_effects(("base", "surge"), &base, &policy).unwrap();
        let members = |region: &str| {
            rows.iter()
                .find(|r| {
                    r.region == region
                        && r.effect.metric.0 == m::MEMBERS
                        && r.effect.statistic == Statistic::Horizon
                })
                .unwrap()
        };
        assert_eq!(members("Norte").effect.change, Change::Lower);
        assert_eq!(members("Sur").effect.change, Change::Higher);
        assert!((members("Sur").effect.difference - 5.0).abs() < 1e-12);
    }

    #[test]
    fn regions_are_paired_by_name() {
        let base = arm(&["Norte", "Sur"], &[(10.0, 20.0), (12.0, 19.0)]);
        let other = arm(&["Sur", "Este"], &[(20.0, 1.0), (19.0, 1.0)]);
        let rows = regional_effects(("base", "other"), &base, &other).unwrap();
        assert!(rows.iter().all(|r| r.region == "Sur" && r.effect.difference == 0.0));
        assert_eq!(rows.len(), 2 * KEY_METRICS.len());
    }
}
