//! The charts of `narcodoor run`, drawn from the run's summaries (the numbers of
//! `summary.csv` and of `regions.csv` summarised across replicates) and its removals.

use std::path::Path;

use super::charts::{self, Band, ChartError, ChartText, Layer, Mark, PanelScale};
use super::tables::Summary;
use crate::calendar::YearMonth;
use crate::engine::Event;
use crate::model::metrics::m;
use crate::model::params::LEVERS;

fn band(summary: &Summary, metric: usize, label: &str) -> Band {
    let (mean, lo, hi) = summary.series(metric);
    Band { label: label.to_string(), mean, lo, hi }
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
    charts::stacked_shares(
        &file("doors.png"),
        &ChartText {
            title: &format!("The doors: youths aged 12–29 by status — {scenario}"),
            x_label: month,
            y_label: "share of youths (%)",
        },
        &x,
        &layers,
    )?;

    // 2. Members and recruits, each with its band.
    let title = format!("Cartel members and monthly recruits (mean and 95% CI over {reps} replicates)");
    charts::small_multiples(
        &file("members_recruits.png"),
        &ChartText { title: &title, x_label: month, y_label: "youths" },
        &x,
        &[
            ("members (end of month)".into(), band(summary, m::MEMBERS, "members")),
            ("recruits per month".into(), band(summary, m::RECRUITS, "recruits")),
        ],
        &marks,
        PanelScale::Free,
    )?;

    // 3. The homicide rate, nationally and by region.
    let title = format!("Homicide rate (mean and 95% CI over {reps} replicates)");
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
                title: "Homicide rate by region (mean and 95% CI)",
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

    // 5. Spending by lever.
    let layers: Vec<Layer> = LEVERS
        .iter()
        .enumerate()
        .map(|(i, l)| Layer { label: l.replace('_', " "), values: summary.series(m::SPENDING_FIRST + i).0 })
        .filter(|l| l.values.iter().any(|&v| v != 0.0))
        .collect();
    charts::stacked_areas(
        &file("spending.png"),
        &ChartText {
            title: "Public spending by lever (mean over replicates)",
            x_label: month,
            y_label: "pesos per month (2010)",
        },
        &x,
        &layers,
    )?;
    Ok(written)
}
