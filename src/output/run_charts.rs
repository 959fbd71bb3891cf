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
    let x: Vec<f64> = summary.months.iter().map(|&t| x_of(start, t)).collect();
    let marks = removal_marks_at(removals, start);
    let month = if start.is_some() { "year" } else { "month (after burn-in)" };
    let reps = summary.replicates;
    let mut written = Vec::new();
    let mut file = |name: &str| {
        written.push(name.to_string());
        dir.join(name)
    };

    // 1. The doors: where youths are, as shares.
    let doors = [
        (m::SCHOOL, "school"),
        (m::WORK, "work"),
        (m::IDLE, "idle (nini)"),
        (m::MEMBERS, "cartel"),
        (m::PRISON, "prison"),
    ];
    let layers: Vec<Layer> =
        doors.iter().map(|&(i, label)| Layer { label: label.into(), values: summary.series(i).0 }).collect();
    // The narco door holds well under 1% of youths: invisible in the stack, so a second
    // panel shows the cartel and prison shares on their own scale.
    let narco = [share_band(summary, m::MEMBERS, "cartel"), share_band(summary, m::PRISON, "prison")];
    charts::stacked_shares_with_detail(
        &file("doors.png"),
        &ChartText {
            title: &format!("The doors: youths aged 12–29 by status — {scenario}"),
            x_label: month,
            y_label: "share of youths (%)",
        },
        &x,
        &layers,
        charts::Detail {
            title: &format!(
                "The narco door on its own scale: cartel members and prison (mean and 95% CI over {reps} replicates)"
            ),
            y_label: "% of youths",
            series: &narco,
        },
    )?;

    // 2. Members and recruits, each with its band.
    let title = format!("Cartel members and monthly recruits: mean and 95% CI over {reps} replicates");
    charts::small_multiples(
        &file("members_recruits.png"),
        &ChartText { title: &title, x_label: month, y_label: "youths" },
        &x,
        &[
            ("members (end of month)".into(), band(summary, m::MEMBERS, "mean")),
            ("recruits per month".into(), band(summary, m::RECRUITS, "mean")),
        ],
        &marks,
        PanelScale::Free,
    )?;

    // 3. The homicide rate, nationally and by region.
    let title = format!("Homicide rate: mean and 95% CI over {reps} replicates");
    charts::lines_with_bands(
        &file("homicide_rate.png"),
        &ChartText { title: &title, x_label: month, y_label: "homicides per 100,000 per year" },
        &x,
        &[band(summary, m::HOMICIDE_RATE, "homicide rate")],
        &marks,
    )?;
    if regions.len() > 1 {
        let panels: Vec<(String, Band)> = regions
            .iter()
            .map(|(name, s)| (name.clone(), band(s, m::HOMICIDE_RATE, "homicide rate")))
            .collect();
        charts::small_multiples(
            &file("homicide_rate_by_region.png"),
            &ChartText {
                title: &format!("Homicide rate by region: mean and 95% CI over {reps} replicates"),
                x_label: month,
                y_label: "per 100,000 per year",
            },
            &x,
            &panels,
            &marks,
            PanelScale::Shared,
        )?;
    }

    // 4. Cartels, corruption and collective efficacy.
    charts::lines_with_bands(
        &file("cartels_active.png"),
        &ChartText {
            title: "Active cartels (dashed lines: kingpin removals)",
            x_label: month,
            y_label: "cartels",
        },
        &x,
        &[band(summary, m::CARTELS_ACTIVE, "active cartels")],
        &marks,
    )?;
    charts::lines_with_bands(
        &file("corruption_efficacy.png"),
        &ChartText {
            title: "Police corruption and collective efficacy (youth-weighted)",
            x_label: month,
            y_label: "index (0–1)",
        },
        &x,
        &[
            band(summary, m::CORRUPTION, "police corruption"),
            band(summary, m::COLLECTIVE_EFFICACY, "collective efficacy"),
        ],
        &marks,
    )?;

    // 5. Spending by lever, cumulative: one-off operations are spikes a monthly chart
    // turns into needles. Each lever keeps its colour whichever others are on.
    let layers: Vec<Layer> = LEVERS
        .iter()
        .enumerate()
        .map(|(i, l)| Layer {
            label: l.replace('_', " "),
            values: cumulative(&summary.series(m::SPENDING_FIRST + i).0),
        })
        .collect();
    charts::stacked_areas_noting(
        &file("spending.png"),
        &ChartText {
            title: "Cumulative public spending by lever since month 0 (mean over replicates)",
            x_label: month,
            y_label: "pesos of 2010, cumulative",
        },
        &x,
        &layers,
        "no spending: no lever with a cost is on in this scenario",
    )?;
    Ok(written)
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
