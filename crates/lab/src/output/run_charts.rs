//! The charts of `narcodoor run`, drawn from the run's summaries (the numbers of
//! `summary.csv` and of `regions.csv` summarised across replicates) and its removals.

use std::path::Path;

use crate::experiment::summary::Summary;
use narcodoor_charts::{self as charts, Band, ChartError, ChartText, Layer, Mark, PanelScale, Points};
use narcodoor_engine::Event;
use narcodoor_model::calendar::YearMonth;
use narcodoor_model::metrics::m;
use narcodoor_model::params::LEVERS;
use narcodoor_scenario::LeverWindow;

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

/// The x of reported month t: a fractional calendar year when the run is dated (so the
/// axis reads 2000, 2002, ...), else years since the first reported month: a reader of a
/// 20-year run should not have to divide 180 by 12.
pub fn x_of(start: Option<YearMonth>, t: u32) -> f64 {
    start.map_or(f64::from(t) / 12.0, |s| s.plus(t).as_year())
}

/// The label of the x-axis [`x_of`] gives.
pub fn x_label(start: Option<YearMonth>) -> &'static str {
    if start.is_some() { "year" } else { "years since the first reported month (after burn-in)" }
}

/// Vertical marks at the months of kingpin removals (of replicate 0; the months are the
/// same in every replicate, the targets may differ). Labels would crowd the chart when
/// removals are frequent, so only the first carries one. Skipped events (their cartel was
/// gone) draw no mark.
pub fn removal_marks_at(events: &[Event], start: Option<YearMonth>) -> Vec<Mark> {
    let mut months: Vec<u32> = events.iter().filter(|e| !e.skipped).map(|e| e.month).collect();
    months.dedup();
    months
        .iter()
        .enumerate()
        .map(|(i, &t)| Mark {
            x: x_of(start, t),
            label: if i == 0 { "kingpin removals".into() } else { String::new() },
            end: None,
        })
        .collect()
}

/// Shaded windows for the months the levers act (see `scenario::lever_windows`), on the
/// axis of [`x_of`]: nationally (`region` `None`: wherever a lever acts) or in one region.
/// A lever's instances are joined where they overlap or touch (forty joint operations
/// shade as one campaign, not forty layers of grey); a lever on over the whole run is not
/// shaded (a window over everything says nothing); levers sharing a window share one
/// shading and one label.
pub fn policy_windows(
    levers: &[LeverWindow],
    months: u32,
    start: Option<YearMonth>,
    region: Option<usize>,
) -> Vec<Mark> {
    let mut by_lever: Vec<(&str, Vec<(u32, u32)>)> = Vec::new();
    let here = |w: &LeverWindow| region.is_none_or(|r| w.regions.get(r).copied().unwrap_or(false));
    for w in levers.iter().filter(|w| here(w)) {
        let span = (w.start, w.end.unwrap_or(months).min(months));
        if span.0 >= span.1 {
            continue;
        }
        match by_lever.iter_mut().find(|(l, _)| *l == w.lever) {
            Some((_, spans)) => spans.push(span),
            None => by_lever.push((w.lever, vec![span])),
        }
    }
    let mut shaded: Vec<((u32, u32), Vec<String>)> = Vec::new();
    for (lever, spans) in by_lever {
        for span in union_of(spans).into_iter().filter(|&(a, b)| !(a == 0 && b >= months)) {
            let name = lever.replace('_', " ");
            match shaded.iter_mut().find(|(s, _)| *s == span) {
                Some((_, names)) => names.push(name),
                None => shaded.push((span, vec![name])),
            }
        }
    }
    shaded
        .into_iter()
        .map(|((first, end), names)| Mark {
            x: x_of(start, first),
            label: format!("{} on", names.join(", ")),
            end: Some(x_of(start, end)),
        })
        .collect()
}

/// The union of half-open month spans, as sorted disjoint spans (touching spans join).
fn union_of(mut spans: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    spans.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::new();
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// What the run charts draw: the run's summaries (`summary.csv`, `regions_summary.csv`),
/// the removals (`events.csv`), the policy windows (the manifest's scenario), and for a
/// dated run its annual means by region (`annual.csv`) and the observed values with their
/// simulated counterparts (`observed_fit.csv`).
pub struct RunChartData<'a> {
    pub scenario: &'a str,
    pub summary: &'a Summary,
    pub regions: &'a [(String, Summary)],
    pub removals: &'a [Event],
    pub start: Option<YearMonth>,
    /// Every lever instance's window (`scenario::lever_windows`).
    pub levers: Vec<LeverWindow>,
    /// Each region's annual means (`Summary::months` hold years), for a dated run.
    pub annual_regions: Option<&'a [Summary]>,
    pub observed: Option<ObservedPoints>,
}

/// Observed values to draw: the legend's label and the rows of `observed_fit.csv`.
pub struct ObservedPoints {
    pub label: String,
    pub rows: Vec<ObservedValue>,
}

/// One observed value: its metric, region (`None`: national), the reported months it
/// covers (inclusive) and the value.
pub struct ObservedValue {
    pub metric: usize,
    pub region: Option<usize>,
    pub first: u32,
    pub last: u32,
    pub value: f64,
}

/// Draws every run chart into `dir` and returns the file names written.
pub fn render(dir: &Path, data: &RunChartData) -> Result<Vec<String>, ChartError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| ChartError::Io { path: dir.to_path_buf(), message: e.to_string() })?;
    let mut marks = removal_marks_at(data.removals, data.start);
    let months = data.summary.months.len() as u32;
    marks.extend(policy_windows(&data.levers, months, data.start, None));
    let mut charts = RunCharts {
        dir,
        data,
        x: data.summary.months.iter().map(|&t| x_of(data.start, t)).collect(),
        marks,
        month: x_label(data.start),
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
    data: &'a RunChartData<'a>,
    /// The x of every reported month (a year with a calendar, else years since month 0).
    x: Vec<f64>,
    /// Removals (dashed) and policy windows (shaded).
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
            .map(|&(i, label)| Layer { label: label.into(), values: self.data.summary.series(i).0 })
            .collect();
        // The narco door holds well under 1% of youths: invisible in the stack, so a second
        // panel shows the cartel and prison shares on their own scale.
        let narco = [
            share_band(self.data.summary, m::MEMBERS, "cartel"),
            share_band(self.data.summary, m::PRISON, "prison"),
        ];
        charts::stacked_shares_with_detail(
            &self.file("doors.png"),
            &ChartText {
                title: &format!("The doors: youths aged 12–29 by status — {}", self.data.scenario),
                x_label: self.month,
                y_label: "share of youths (%)",
            },
            &self.x,
            &layers,
            charts::Detail {
                title: &format!(
                    "The narco door on its own scale: cartel members and prison (mean and 95% CI over {} replicates)",
                    self.data.summary.replicates
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
            self.data.summary.replicates
        );
        let observed = [self.observed(m::MEMBERS, None), self.observed(m::RECRUITS, None)];
        charts::small_multiples_observed(
            &self.file("members_recruits.png"),
            &ChartText { title: &title, x_label: self.month, y_label: "youths" },
            &self.x,
            &[
                ("members (end of month)".into(), band(self.data.summary, m::MEMBERS, "mean")),
                ("recruits per month".into(), band(self.data.summary, m::RECRUITS, "mean")),
            ],
            &self.marks,
            PanelScale::Free,
            (&observed, &[]),
        )?;
        Ok(())
    }

    /// The observed values of `metric` (nationally, or in region `region`), each at the
    /// middle of the months it covers.
    fn observed(&self, metric: usize, region: Option<usize>) -> Points {
        let Some(obs) = &self.data.observed else { return Points::default() };
        let start = self.data.start;
        let xy = (obs.rows.iter())
            .filter(|r| r.metric == metric && r.region == region)
            .map(|r| ((x_of(start, r.first) + x_of(start, r.last + 1)) / 2.0, r.value))
            .collect();
        Points { label: obs.label.clone(), xy }
    }

    /// The homicide rate, nationally and by region.
    fn homicide(&mut self) -> Result<(), ChartError> {
        let s = self.data.summary;
        let title = format!("Homicide rate: mean and 95% CI over {} replicates", s.replicates);
        charts::lines_with_bands_observed(
            &self.file("homicide_rate.png"),
            &ChartText { title: &title, x_label: self.month, y_label: "homicides per 100,000 per year" },
            &self.x,
            &[band(s, m::HOMICIDE_RATE, "homicide rate")],
            &self.marks,
            &self.observed(m::HOMICIDE_RATE, None),
        )?;
        if self.data.regions.len() > 1 {
            self.homicide_by_region()?;
        }
        Ok(())
    }

    /// One panel per region, each on its own y-axis (a quiet state's line is not flattened
    /// by the most violent one's). A dated run draws annual rates, as statistics offices
    /// publish them, with the observed values over them; an undated one its months.
    fn homicide_by_region(&mut self) -> Result<(), ChartError> {
        let (x, summaries, when): (Vec<f64>, Vec<&Summary>, &str) = match self.data.annual_regions {
            Some(annual) => {
                let years = annual.first().map_or(&[][..], |s| &s.months[..]);
                (years.iter().map(|&y| f64::from(y) + 0.5).collect(), annual.iter().collect(), "annual rate")
            }
            None => (self.x.clone(), self.data.regions.iter().map(|(_, s)| s).collect(), "monthly"),
        };
        let panels: Vec<(String, Band)> = (self.data.regions.iter().zip(&summaries))
            .map(|((name, _), s)| (name.clone(), band(s, m::HOMICIDE_RATE, "homicide rate")))
            .collect();
        let observed: Vec<Points> =
            (0..panels.len()).map(|r| self.observed(m::HOMICIDE_RATE, Some(r))).collect();
        // Each panel shades the levers acting in its region only, beside the removals.
        let months = self.data.summary.months.len() as u32;
        let windows: Vec<Vec<Mark>> = (0..panels.len())
            .map(|r| policy_windows(&self.data.levers, months, self.data.start, Some(r)))
            .collect();
        let removals: Vec<Mark> = self.marks.iter().filter(|m| m.end.is_none()).cloned().collect();
        let title = format!(
            "Homicide rate by region ({when}, each panel on its own scale): mean and 95% CI over {} replicates",
            self.data.summary.replicates
        );
        charts::small_multiples_observed(
            &self.file("homicide_rate_by_region.png"),
            &ChartText { title: &title, x_label: self.month, y_label: "homicides per 100,000 per year" },
            &x,
            &panels,
            &removals,
            PanelScale::Free,
            (&observed, &windows),
        )?;
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
            &[band(self.data.summary, m::CARTELS_ACTIVE, "active cartels")],
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
                band(self.data.summary, m::CORRUPTION, "police corruption"),
                band(self.data.summary, m::COLLECTIVE_EFFICACY, "collective efficacy"),
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
                values: cumulative(&self.data.summary.series(m::SPENDING_FIRST + i).0),
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

    fn window(lever: &'static str, start: u32, end: Option<u32>, regions: [bool; 2]) -> LeverWindow {
        LeverWindow { lever, start, end, regions: regions.to_vec() }
    }

    #[test]
    fn policy_windows_join_instances_skip_whole_runs_and_follow_regions() {
        let levers = [
            window("policing", 24, Some(36), [true, false]),
            window("policing", 30, Some(48), [false, true]),
            window("policing", 48, Some(60), [true, false]),
            window("youth_jobs", 24, Some(60), [true, true]),
            window("scholarships", 0, None, [true, true]),
            window("kingpin", 100, None, [true, true]),
        ];
        let marks = policy_windows(&levers, 120, None, None);
        // Policing's three operations touch or overlap: one window, shared with youth jobs;
        // scholarships act over the whole run and are not shaded; the x axis counts years.
        let spans: Vec<(f64, Option<f64>, &str)> =
            marks.iter().map(|m| (m.x, m.end, m.label.as_str())).collect();
        assert_eq!(
            spans,
            vec![(2.0, Some(5.0), "policing, youth jobs on"), (100.0 / 12.0, Some(10.0), "kingpin on")]
        );
        // Region 1 sees only its own operation (months 30-48), so policing no longer
        // shares youth jobs' window.
        let marks = policy_windows(&levers, 120, None, Some(1));
        let labels: Vec<&str> = marks.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(labels, vec!["policing on", "youth jobs on", "kingpin on"]);
        assert_eq!((marks[0].x, marks[0].end), (2.5, Some(4.0)));
        // Dated: calendar years; a window past the run's end is cut at the end.
        let dated = policy_windows(&levers[5..], 110, YearMonth::parse("2000-01"), None);
        assert_eq!((dated[0].x, dated[0].end), (2000.0 + 100.0 / 12.0, Some(2000.0 + 110.0 / 12.0)));
    }

    #[test]
    fn cumulative_spending_sums_spikes_and_skips_gaps() {
        assert_eq!(cumulative(&[0.0, 5.0, 0.0, f64::NAN, 2.5]), vec![0.0, 5.0, 5.0, 5.0, 7.5]);
        assert!(cumulative(&[]).is_empty());
    }
}
