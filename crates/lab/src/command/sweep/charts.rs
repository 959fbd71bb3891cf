//! The charts of a sweep, drawn from its per-point table (`points.csv`) only.
//!
//! For each headline outcome (`points::HEADLINE`) and each factor: on a grid, the
//! outcome's paired difference from point 0 against the factor's levels, a line with its
//! 95% band and a dot at each design point per combination of the other factors' levels
//! (`charts/<outcome>_by_<factor>.png`); on a Latin hypercube or a design file, a scatter
//! of every point's difference with its interval. Differences, not levels: the points share
//! their random numbers, so the pairs cancel the noise that made five overlapping bands of
//! levels a smear. A two-factor grid also gets a heat map of each outcome's mean
//! (`charts/<outcome>_heatmap.png`). Factors whose levels are not numbers get no line chart
//! (only the heat map). Everything drawn is in `points.csv` and `differences.csv`. A chart
//! that cannot be drawn is a warning, never a failed sweep.

use std::path::Path;

use crate::command::sweep::StoredDesign;
use crate::command::sweep::points::{HEADLINE, PointRow, Points};
use crate::experiment::summary::Interval;
use narcodoor_charts::{self as charts, Band, ChartText, MAX_SERIES, PointItem, Points as Dots};

/// Lines on one chart beyond which a grid's chart is not drawn (a legend of more cannot be
/// read): the heat map and `points.csv` still show every point.
const MAX_LINES: usize = 12;

/// Draws the charts into `dir/charts/`; returns their paths relative to `dir` and the
/// warnings of those that could not be drawn.
pub fn draw(dir: &Path, points: &Points, design: &StoredDesign) -> (Vec<String>, Vec<String>) {
    let mut drawn = Vec::new();
    let mut warnings = Vec::new();
    if let Err(e) = std::fs::create_dir_all(dir.join("charts")) {
        return (drawn, vec![format!("no sweep charts: cannot create {}/charts: {e}", dir.display())]);
    }
    let grid = design.design == "grid";
    let diffs: Vec<Vec<Interval>> = points.differences().into_iter().map(|(_, d)| d).collect();
    let reference = reference_label(points);
    let charts = Diffs { points, diffs: &diffs, reference: &reference };
    for outcome in HEADLINE {
        let Some(col) = points.column(outcome) else { continue };
        for (f, path) in points.factors.iter().enumerate() {
            let file = format!("charts/{outcome}_by_{}.png", file_stem(path));
            let result = if grid {
                charts.by_factor_lines(&dir.join(&file), col, f)
            } else {
                charts.by_factor_scatter(&dir.join(&file), col, f).map(|()| true)
            };
            match result {
                Ok(true) => drawn.push(file),
                Ok(false) => {}
                Err(e) => warnings.push(format!("{file} not drawn: {e}")),
            }
        }
        if grid && points.factors.len() == 2 {
            let file = format!("charts/{outcome}_heatmap.png");
            match heat(&dir.join(&file), points, col) {
                Ok(()) => drawn.push(file),
                Err(e) => warnings.push(format!("{file} not drawn: {e}")),
            }
        }
    }
    (drawn, warnings)
}

/// A factor path as a file name: letters, digits and `_`.
fn file_stem(path: &str) -> String {
    path.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect()
}

/// `recruits_total` → "recruits over the run (youths)": what the number is and its unit.
fn outcome_label(column: &str) -> String {
    let unit = |metric: &str| match metric {
        "spending" => "pesos of 2010, all levers",
        "homicides" | "civilian_homicides" => "homicides",
        "homicide_rate" => "per 100,000 per year",
        "cartels_active" => "cartels",
        "violence" | "corruption" | "collective_efficacy" => "index 0–1",
        _ => "youths",
    };
    match column.rsplit_once('_') {
        Some((m, "total")) => format!("{} over the run ({})", m.replace('_', " "), unit(m)),
        Some((m, "mean")) => format!("{}, mean over the run ({})", m.replace('_', " "), unit(m)),
        _ => column.replace('_', " "),
    }
}

/// The reference of the differences: point 0 and its factor values.
fn reference_label(points: &Points) -> String {
    let Some(first) = points.rows.first() else { return "point 0".into() };
    let values: Vec<String> =
        points.factors.iter().zip(&first.values).map(|(f, v)| format!("{f} = {v}")).collect();
    format!("point 0 ({})", values.join(", "))
}

/// The distinct values of factor `f`, in the order of the points.
fn levels(points: &Points, f: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in &points.rows {
        if !out.contains(&r.values[f]) {
            out.push(r.values[f].clone());
        }
    }
    out
}

fn mean_lo_hi(r: &PointRow, col: usize) -> (f64, f64, f64) {
    if r.ok == 0 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let iv = r.outcomes[col];
    (iv.mean, iv.lo, iv.hi)
}

/// What the difference charts read: the points, each point's differences from point 0
/// (aligned with `points.rows`), and how point 0 is named.
struct Diffs<'a> {
    points: &'a Points,
    diffs: &'a [Vec<Interval>],
    reference: &'a str,
}

impl Diffs<'_> {
    fn diff(&self, row: usize, col: usize) -> (f64, f64, f64) {
        let iv = self.diffs[row][col];
        (iv.mean, iv.lo, iv.hi)
    }

    fn text_for(&self, col: usize, f: usize) -> (String, String) {
        let y = format!("change in {}", outcome_label(&self.points.columns[col]));
        let title = format!("{y} by {}, paired against {}", self.points.factors[f], self.reference);
        (title, y)
    }

    /// A grid's lines: `Ok(false)` when the factor's levels are not numbers or there would
    /// be too many lines to read.
    fn by_factor_lines(&self, path: &Path, col: usize, f: usize) -> anyhow::Result<bool> {
        let points = self.points;
        let x_levels = levels(points, f);
        let Ok(x) = x_levels.iter().map(|v| v.parse::<f64>()).collect::<Result<Vec<f64>, _>>() else {
            return Ok(false);
        };
        // One line per combination of the other factors' levels.
        let others = |r: &PointRow| -> Vec<String> {
            (points.factors.iter().zip(&r.values).enumerate())
                .filter(|&(i, _)| i != f)
                .map(|(_, (p, v))| format!("{p} = {v}"))
                .collect()
        };
        let mut groups: Vec<(Vec<String>, Band)> = Vec::new();
        for (k, r) in points.rows.iter().enumerate() {
            let key = others(r);
            let i = match groups.iter().position(|(g, _)| *g == key) {
                Some(i) => i,
                None => {
                    let nan = vec![f64::NAN; x.len()];
                    let band = Band { label: key.join(", "), mean: nan.clone(), lo: nan.clone(), hi: nan };
                    groups.push((key, band));
                    groups.len() - 1
                }
            };
            let at = x_levels.iter().position(|l| *l == r.values[f]).expect("a level of the factor");
            let band = &mut groups[i].1;
            (band.mean[at], band.lo[at], band.hi[at]) = self.diff(k, col);
        }
        if groups.len() > MAX_LINES.min(MAX_SERIES) {
            return Ok(false);
        }
        let series: Vec<Band> = groups
            .into_iter()
            .map(|(_, mut b)| {
                // Without any interval (one replicate), a plain line rather than a band of gaps.
                if b.lo.iter().all(|v| v.is_nan()) {
                    b = Band::line(b.label, b.mean);
                }
                if b.label.is_empty() {
                    b.label = "paired difference (mean over replicates)".into();
                }
                b
            })
            .collect();
        // A dot at every design point, so the reader sees where the sweep looked and that
        // the line between is only drawn.
        let xy = series.iter().flat_map(|b| x.iter().copied().zip(b.mean.iter().copied())).collect();
        let dots = Dots { label: "design points".into(), xy };
        let (title, y) = self.text_for(col, f);
        let text = ChartText { title: &title, x_label: &points.factors[f], y_label: &y };
        charts::lines_with_bands_observed(path, &text, &x, &series, &[], &dots)?;
        Ok(true)
    }

    /// A sampled design's scatter: every point's difference with its interval.
    fn by_factor_scatter(&self, path: &Path, col: usize, f: usize) -> anyhow::Result<()> {
        let items: Vec<PointItem> = (self.points.rows.iter().enumerate())
            .filter_map(|(k, r)| {
                let x = r.values[f].parse::<f64>().ok()?;
                let (mean, lo, hi) = self.diff(k, col);
                let some = |v: f64| (!v.is_nan()).then_some(v);
                Some(PointItem {
                    label: String::new(),
                    x,
                    y: mean,
                    y_lo: some(lo),
                    y_hi: some(hi),
                    ..Default::default()
                })
            })
            .filter(|p| p.y.is_finite())
            .collect();
        let (title, y) = self.text_for(col, f);
        let text = ChartText { title: &title, x_label: &self.points.factors[f], y_label: &y };
        charts::scatter_labeled(path, &text, &items)?;
        Ok(())
    }
}

/// A two-factor grid's heat map of an outcome's mean.
fn heat(path: &Path, points: &Points, col: usize) -> anyhow::Result<()> {
    let (xs, ys) = (levels(points, 0), levels(points, 1));
    let mut values = vec![vec![f64::NAN; xs.len()]; ys.len()];
    for r in &points.rows {
        let i = xs.iter().position(|l| *l == r.values[0]).expect("a level");
        let j = ys.iter().position(|l| *l == r.values[1]).expect("a level");
        values[j][i] = mean_lo_hi(r, col).0;
    }
    let y = outcome_label(&points.columns[col]);
    let title = format!("{y}: mean over replicates");
    let text = ChartText { title: &title, x_label: &points.factors[0], y_label: &points.factors[1] };
    charts::heatmap(path, &text, &xs, &ys, &values)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_well() {
        assert_eq!(file_stem("region.*.poverty"), "region___poverty");
        assert_eq!(outcome_label("recruits_total"), "recruits over the run (youths)");
        assert_eq!(outcome_label("members_mean"), "members, mean over the run (youths)");
        assert_eq!(outcome_label("homicides_total"), "homicides over the run (homicides)");
        assert!(outcome_label("spending_total").contains("pesos"));
    }
}
