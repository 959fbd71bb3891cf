//! The charts of `narcodoor run`, drawn from the run's summaries (the numbers of
//! `summary.csv` and of `regions.csv` summarised across replicates) and its removals.

use std::path::Path;

use super::charts::{self, Band, ChartError, ChartText, Layer, Mark, PanelScale};
use super::tables::Summary;
use crate::calendar::YearMonth;
use crate::engine::Event;
use crate::model::metrics::m;
use crate::model::params::LEVERS;

/// Every metric a run chart draws is a count, a rate, an index or money: never negative,
/// so bands are clipped at zero.
fn band(summary: &Summary, metric: usize, label: &str) -> Band {
    let (mean, lo, hi) = summary.series(metric);
    Band { label: label.to_string(), mean, lo, hi }.non_negative()
}

/// A metric's mean and interval as a percentage of all youths (the sum of the five
/// statuses' means that month): the cartel and prison doors of the doors chart.
fn share_band(summary: &Summary, metric: usize, label: &str) -> Band {
    let total: Vec<f64> = (0..summary.months.len())
        .map(|t| {
            [m::SCHOOL, m::WORK, m::IDLE, m::MEMBERS, m::PRISON].iter().map(|&i| summary.series(i).0[t]).sum()
        })
        .collect();
    let b = band(summary, metric, label);
    let pct = |v: Vec<f64>| {
        v.iter().zip(&total).map(|(v, t)| if *t > 0.0 { 100.0 * v / t } else { f64::NAN }).collect()
    };
    Band { label: b.label, mean: pct(b.mean), lo: pct(b.lo), hi: pct(b.hi) }
}

/// Running sums of a series from the first month: one-off operations (a kingpin removal)
/// cost a spike in one month, which a monthly chart shows as needles; the cumulative total
/// shows how much each lever has cost so far.
pub fn cumulative(values: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    values
        .iter()
        .map(|v| {
            if v.is_finite() {
                acc += v;
            }
            acc
        })
        .collect()
}

/// Vertical marks at the months of kingpin removals (of replicate 0; the months are the
/// same in every replicate, the targets may differ). Labels would crowd the chart when
/// removals are frequent, so only the first carries one.
pub fn removal_marks(events: &[Event]) -> Vec<Mark> {
    removal_marks_at(events, None)
}

/// The x of reported month t: the month itself, or a fractional calendar year when the
/// run is dated (so the axis reads 2000, 2002, ...).
fn x_of(start: Option<YearMonth>, t: u32) -> f64 {
    start.map_or(t as f64, |s| s.plus(t).as_year())
}

/// `removal_marks` on a dated axis. Skipped events (their cartel was gone) draw no mark.
pub fn removal_marks_at(events: &[Event], start: Option<YearMonth>) -> Vec<Mark> {
    let mut months: Vec<u32> = events.iter().filter(|e| !e.skipped).map(|e| e.month).collect();
    months.dedup();
    months
        .iter()
        .enumerate()
        .map(|(i, &t)| Mark {
            x: x_of(start, t),
            label: if i == 0 { "kingpin removals".into() } else { String::new() },
        })
        .collect()
}

/// Draws every run chart into `dir` and returns the file names written.
pub fn render(
    dir: &Path,
    scenario: &str,
    summary: &Summary,
    regions: &[(String, Summary)],
    removals: &[Event],
    start: Option<YearMonth>,
) -> Result<Vec<String>, ChartError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| ChartError::Io { path: dir.to_path_buf(), message: e.to_string() })?;
    let mut charts = RunCharts {
        dir,
        scenario,
        summary,
        regions,
        x: summary.months.iter().map(|&t| x_of(start, t)).collect(),
        marks: removal_marks_at(removals, start),
        month: if start.is_some() { "year" } else { "month (after burn-in)" },
        written: Vec::new(),
    };
    charts.doors()?;
    charts.members_recruits()?;
    charts.homicide()?;
    charts.cartels_corruption()?;
    charts.spending()?;
    Ok(charts.written)
}

/// What every run chart reads, and the files written so far.
struct RunCharts<'a> {
    dir: &'a Path,
    scenario: &'a str,
    summary: &'a Summary,
    regions: &'a [(String, Summary)],
    /// The x of every reported month (a year with a calendar, else the month).
    x: Vec<f64>,
    marks: Vec<Mark>,
    /// The x axis's label.
    month: &'static str,
    written: Vec<String>,
}

impl RunCharts<'_> {
    /// The path of chart `name`, recorded as written.
    fn file(&mut self, name: &str) -> std::path::PathBuf {
        self.written.push(name.to_string());
        self.dir.join(name)
    }

    /// The doors: where youths are, as shares; the narco door on its own scale.
    fn doors(&mut self) -> Result<(), ChartError> {
        let doors = [
            (m::SCHOOL, "school"),
            (m::WORK, "work"),
            (m::IDLE, "idle (nini)"),
            (m::MEMBERS, "cartel"),
            (m::PRISON, "prison"),
        ];
        let layers: Vec<Layer> = doors
            .iter()
            .map(|&(i, label)| Layer { label: label.into(), values: self.summary.series(i).0 })
            .collect();
        // The narco door holds well under 1% of youths: invisible in the stack, so a second
        // panel shows the cartel and prison shares on their own scale.
        let narco =
            [share_band(self.summary, m::MEMBERS, "cartel"), share_band(self.summary, m::PRISON, "prison")];
        charts::stacked_shares_with_detail(
            &self.file("doors.png"),
            &ChartText {
                title: &format!("The doors: youths aged 12–29 by status — {}", self.scenario),
                x_label: self.month,
                y_label: "share of youths (%)",
            },
            &self.x,
            &layers,
            charts::Detail {
                title: &format!(
                    "The narco door on its own scale: cartel members and prison (mean and 95% CI over {} replicates)",
                    self.summary.replicates
                ),
                y_label: "% of youths",
                series: &narco,
            },
        )?;
        Ok(())
    }

    /// Members and recruits, each with its band.
    fn members_recruits(&mut self) -> Result<(), ChartError> {
        let title = format!(
            "Cartel members and monthly recruits: mean and 95% CI over {} replicates",
            self.summary.replicates
        );
        charts::small_multiples(
            &self.file("members_recruits.png"),
            &ChartText { title: &title, x_label: self.month, y_label: "youths" },
            &self.x,
            &[
                ("members (end of month)".into(), band(self.summary, m::MEMBERS, "mean")),
                ("recruits per month".into(), band(self.summary, m::RECRUITS, "mean")),
            ],
            &self.marks,
            PanelScale::Free,
        )?;
        Ok(())
    }

    /// The homicide rate, nationally and by region.
    fn homicide(&mut self) -> Result<(), ChartError> {
        let title = format!("Homicide rate: mean and 95% CI over {} replicates", self.summary.replicates);
        charts::lines_with_bands(
            &self.file("homicide_rate.png"),
            &ChartText { title: &title, x_label: self.month, y_label: "homicides per 100,000 per year" },
            &self.x,
            &[band(self.summary, m::HOMICIDE_RATE, "homicide rate")],
            &self.marks,
        )?;
        if self.regions.len() > 1 {
            let panels: Vec<(String, Band)> = self
                .regions
                .iter()
                .map(|(name, s)| (name.clone(), band(s, m::HOMICIDE_RATE, "homicide rate")))
                .collect();
            charts::small_multiples(
                &self.file("homicide_rate_by_region.png"),
                &ChartText {
                    title: &format!(
                        "Homicide rate by region: mean and 95% CI over {} replicates",
                        self.summary.replicates
                    ),
                    x_label: self.month,
                    y_label: "per 100,000 per year",
                },
                &self.x,
                &panels,
                &self.marks,
                PanelScale::Shared,
            )?;
        }
        Ok(())
    }

    /// Cartels, corruption and collective efficacy.
    fn cartels_corruption(&mut self) -> Result<(), ChartError> {
        charts::lines_with_bands(
            &self.file("cartels_active.png"),
            &ChartText {
                title: "Active cartels (dashed lines: kingpin removals)",
                x_label: self.month,
                y_label: "cartels",
            },
            &self.x,
            &[band(self.summary, m::CARTELS_ACTIVE, "active cartels")],
            &self.marks,
        )?;
        charts::lines_with_bands(
            &self.file("corruption_efficacy.png"),
            &ChartText {
                title: "Police corruption and collective efficacy (youth-weighted)",
                x_label: self.month,
                y_label: "index (0–1)",
            },
            &self.x,
            &[
                band(self.summary, m::CORRUPTION, "police corruption"),
                band(self.summary, m::COLLECTIVE_EFFICACY, "collective efficacy"),
            ],
            &self.marks,
        )?;
        Ok(())
    }

    /// Spending by lever, cumulative: one-off operations are spikes a monthly chart turns
    /// into needles. Each lever keeps its colour whichever others are on.
    fn spending(&mut self) -> Result<(), ChartError> {
        let layers: Vec<Layer> = LEVERS
            .iter()
            .enumerate()
            .map(|(i, l)| Layer {
                label: l.replace('_', " "),
                values: cumulative(&self.summary.series(m::SPENDING_FIRST + i).0),
            })
            .collect();
        charts::stacked_areas_noting(
            &self.file("spending.png"),
            &ChartText {
                title: "Cumulative public spending by lever since month 0 (mean over replicates)",
                x_label: self.month,
                y_label: "pesos of 2010, cumulative",
            },
            &self.x,
            &layers,
            "no spending: no lever with a cost is on in this scenario",
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cumulative_spending_sums_spikes_and_skips_gaps() {
        assert_eq!(cumulative(&[0.0, 5.0, 0.0, f64::NAN, 2.5]), vec![0.0, 5.0, 5.0, 5.0, 7.5]);
        assert!(cumulative(&[]).is_empty());
    }
}
