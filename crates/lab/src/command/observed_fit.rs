//! How far a run is from what really happened: each observed value of the scenario's
//! `run.observed` file beside the simulated value of the same metric, region and months
//! (`observed_fit.csv`), and the fit of each kind of observation (metric, national or by
//! region) for the terminal and the manifest.
//!
//! The simulated value of a row is, in each replicate, the mean of the metric's monthly
//! values over the row's months (a year's twelve for an annual rate), then summarised
//! across replicates: the mean with its 95% interval, and the lowest and highest replicate.
//! The real world is one draw of the process, not a mean of many, so a fair check of a
//! single observation is whether it lies within the replicates' range, not within the
//! (far narrower) interval of their mean. The log error uses the calibration's offset (a
//! tenth of the group's mean observed value, `calibrate_targets`), so observed zeros count.

use std::io::Write;
use std::path::Path;

use crate::experiment::summary::{LEVEL, Welford};
use crate::output::atomic::AtomicFile;
use crate::output::tables::csv_field;
use crate::spelling::fmt_real;
use narcodoor_engine::ReplicateResult;
use narcodoor_model::metrics::METRICS;
use narcodoor_scenario::Observed;

/// One observed value and the simulation of its months.
#[derive(Clone, Debug, PartialEq)]
pub struct FitRow {
    pub metric: usize,
    pub region: Option<usize>,
    pub region_name: String,
    pub date: String,
    /// The reported months covered, inclusive.
    pub first: u32,
    pub last: u32,
    pub observed: f64,
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
    pub min: f64,
    pub max: f64,
    /// ln((mean + c) / (observed + c)), c a tenth of the group's mean observed value.
    pub log_error: f64,
}

impl FitRow {
    /// Whether the observation lies within the replicates' range.
    pub fn within_replicates(&self) -> bool {
        self.min <= self.observed && self.observed <= self.max
    }
}

/// The fit of one kind of observation (a metric, national or by region).
#[derive(Clone, Debug, PartialEq)]
pub struct GroupFit {
    pub metric: usize,
    pub regional: bool,
    pub rows: usize,
    /// Mean |log error|: 0.1 is about 10% off on average.
    pub mean_abs_log_error: f64,
    /// Pearson's r of simulated means against observed values (NaN below 3 rows or when
    /// either side is constant).
    pub correlation: f64,
    /// Rows whose observation lies within the replicates' range.
    pub within_replicates: usize,
}

/// Accumulates each observation's window means as replicates arrive.
pub struct FitBuilder {
    /// The observations inside the run, with their accumulators and replicate range.
    rows: Vec<(FitRow, Welford)>,
    /// Observations outside the run's reported months, left out.
    pub skipped: usize,
}

impl FitBuilder {
    pub fn new(observed: &Observed, months: u32, region_names: &[String]) -> FitBuilder {
        let inside = |first: i64, last: i64| first >= 0 && last < i64::from(months);
        let rows: Vec<(FitRow, Welford)> = observed
            .rows
            .iter()
            .filter(|o| inside(o.first, o.last))
            .map(|o| {
                let row = FitRow {
                    metric: o.metric,
                    region: o.region,
                    region_name: o.region.map_or_else(String::new, |r| region_names[r].clone()),
                    date: o.date.clone(),
                    first: o.first as u32,
                    last: o.last as u32,
                    observed: o.value,
                    mean: f64::NAN,
                    lo: f64::NAN,
                    hi: f64::NAN,
                    min: f64::INFINITY,
                    max: f64::NEG_INFINITY,
                    log_error: f64::NAN,
                };
                (row, Welford::default())
            })
            .collect();
        FitBuilder { skipped: observed.rows.len() - rows.len(), rows }
    }

    pub fn add(&mut self, result: &ReplicateResult) {
        for (row, acc) in &mut self.rows {
            let months = &result.months[row.first as usize..=row.last as usize];
            let sum: f64 = months
                .iter()
                .map(|m| match row.region {
                    None => m.metrics.national[row.metric],
                    Some(r) => m.metrics.regions[r][row.metric],
                })
                .sum();
            let v = sum / months.len() as f64;
            acc.push(v);
            row.min = row.min.min(v);
            row.max = row.max.max(v);
        }
    }

    /// The rows in the file's order, summarised.
    pub fn finish(&self) -> Vec<FitRow> {
        let mut rows: Vec<FitRow> = self
            .rows
            .iter()
            .map(|(row, acc)| {
                let iv = acc.interval(LEVEL);
                FitRow { mean: iv.mean, lo: iv.lo, hi: iv.hi, ..row.clone() }
            })
            .collect();
        for g in groups(&rows) {
            let members: Vec<usize> = (0..rows.len()).filter(|&i| key(&rows[i]) == g).collect();
            let c = 0.1 * members.iter().map(|&i| rows[i].observed).sum::<f64>() / members.len() as f64;
            for i in members {
                let r = &mut rows[i];
                r.log_error = if c > 0.0 { ((r.mean + c) / (r.observed + c)).ln() } else { f64::NAN };
            }
        }
        rows
    }
}

fn key(r: &FitRow) -> (usize, bool) {
    (r.metric, r.region.is_some())
}

fn groups(rows: &[FitRow]) -> Vec<(usize, bool)> {
    let mut g: Vec<(usize, bool)> = rows.iter().map(key).collect();
    g.sort_unstable();
    g.dedup();
    g
}

/// The fit of each kind of observation, national before regional within a metric.
pub fn group_fits(rows: &[FitRow]) -> Vec<GroupFit> {
    groups(rows)
        .into_iter()
        .map(|g| {
            let members: Vec<&FitRow> = rows.iter().filter(|r| key(r) == g).collect();
            let n = members.len();
            let errors = members.iter().map(|r| r.log_error.abs()).filter(|e| e.is_finite());
            let (sum, count) = errors.fold((0.0, 0usize), |(s, c), e| (s + e, c + 1));
            let pairs: Vec<(f64, f64)> = members.iter().map(|r| (r.observed, r.mean)).collect();
            GroupFit {
                metric: g.0,
                regional: g.1,
                rows: n,
                mean_abs_log_error: if count > 0 { sum / count as f64 } else { f64::NAN },
                correlation: pearson(&pairs),
                within_replicates: members.iter().filter(|r| r.within_replicates()).count(),
            }
        })
        .collect()
}

/// Pearson's correlation; NaN below three pairs or without variation.
fn pearson(pairs: &[(f64, f64)]) -> f64 {
    let n = pairs.len() as f64;
    if pairs.len() < 3 {
        return f64::NAN;
    }
    let (mx, my) = (pairs.iter().map(|p| p.0).sum::<f64>() / n, pairs.iter().map(|p| p.1).sum::<f64>() / n);
    let sxy: f64 = pairs.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = pairs.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let syy: f64 = pairs.iter().map(|(_, y)| (y - my).powi(2)).sum();
    if sxx > 0.0 && syy > 0.0 { sxy / (sxx * syy).sqrt() } else { f64::NAN }
}

/// The columns of `observed_fit.csv`.
pub const FIT_COLUMNS: [&str; 11] = [
    "metric",
    "region",
    "date",
    "observed",
    "simulated_mean",
    "simulated_lo",
    "simulated_hi",
    "replicate_min",
    "replicate_max",
    "log_error",
    "within_replicates",
];

/// Writes `observed_fit.csv`.
pub fn write_fit(path: &Path, rows: &[FitRow]) -> std::io::Result<()> {
    let mut w = AtomicFile::create(path)?;
    writeln!(w, "{}", FIT_COLUMNS.join(","))?;
    for r in rows {
        let nums = [r.observed, r.mean, r.lo, r.hi, r.min, r.max, r.log_error].map(fmt_real).join(",");
        let (region, date) = (csv_field(&r.region_name), csv_field(&r.date));
        writeln!(w, "{},{region},{date},{nums},{}", METRICS[r.metric], r.within_replicates())?;
    }
    w.commit()
}

/// One line per kind of observation, for the terminal and the manifest.
pub fn describe(fit: &GroupFit) -> String {
    let scope = if fit.regional { "by region" } else { "national" };
    let r = if fit.correlation.is_finite() { format!(", r {:.2}", fit.correlation) } else { String::new() };
    format!(
        "{} ({scope}, {} rows): mean |log error| {:.2}{r}; {} of {} observations within the replicates' range",
        METRICS[fit.metric], fit.rows, fit.mean_abs_log_error, fit.within_replicates, fit.rows
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use narcodoor_engine::MonthReport;
    use narcodoor_model::metrics::{MonthMetrics, N_METRICS, m};
    use narcodoor_scenario::Observation;

    fn replicate(level: f64) -> ReplicateResult {
        let months = (0..24)
            .map(|t| {
                let mut national = [0.0; N_METRICS];
                national[m::HOMICIDE_RATE] = level + f64::from(t / 12);
                MonthReport {
                    month: t,
                    metrics: MonthMetrics { national, regions: vec![national] },
                    events: Vec::new(),
                    trial: None,
                }
            })
            .collect();
        ReplicateResult { replicate: 0, months }
    }

    fn obs(first: i64, value: f64, region: Option<usize>) -> Observation {
        let metric = m::HOMICIDE_RATE;
        Observation { line: 2, metric, region, date: format!("{first}"), first, last: first + 11, value }
    }

    #[test]
    fn window_means_ranges_and_errors() {
        let rows = vec![obs(0, 10.0, None), obs(12, 30.0, None), obs(24, 5.0, None), obs(0, 9.0, Some(0))];
        let observed = Observed { file: "o.csv".into(), rows };
        let mut b = FitBuilder::new(&observed, 24, &["North".into()]);
        assert_eq!(b.skipped, 1, "the row after the run's end is left out");
        for level in [9.0, 11.0] {
            b.add(&replicate(level));
        }
        let rows = b.finish();
        // Year 0: replicates 9 and 11, mean 10; year 1: 10 and 12.
        assert_eq!((rows[0].mean, rows[0].min, rows[0].max), (10.0, 9.0, 11.0));
        assert!(rows[0].within_replicates() && !rows[1].within_replicates());
        // Offset: a tenth of the national group's mean observed value (10 + 30) / 2.
        assert!((rows[1].log_error - (13.0f64 / 32.0).ln()).abs() < 1e-12, "{}", rows[1].log_error);
        assert_eq!(rows[2].region_name, "North");
        let fits = group_fits(&rows);
        assert_eq!(fits.len(), 2);
        assert_eq!((fits[0].regional, fits[0].rows, fits[0].within_replicates), (false, 2, 1));
        assert!(fits[0].correlation.is_nan(), "two rows give no correlation");
        assert!(describe(&fits[0]).starts_with("homicide_rate (national, 2 rows): mean |log error| "));
    }

    #[test]
    fn pearson_known_answers() {
        assert!((pearson(&[(1.0, 2.0), (2.0, 4.0), (3.0, 6.0)]) - 1.0).abs() < 1e-12);
        assert!((pearson(&[(1.0, 3.0), (2.0, 2.0), (3.0, 1.0)]) + 1.0).abs() < 1e-12);
        // x = 1, 2, 3 and y = 1, 3, 2: r = 0.5.
        assert!((pearson(&[(1.0, 1.0), (2.0, 3.0), (3.0, 2.0)]) - 0.5).abs() < 1e-12);
        assert!(pearson(&[(1.0, 1.0), (1.0, 3.0), (1.0, 2.0)]).is_nan());
    }
}
