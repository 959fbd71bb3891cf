//! The charts of a sweep, drawn from its per-point table (`points.csv`) only.
//!
//! For each headline outcome (`points::HEADLINE`) and each factor: on a grid, the outcome's
//! mean against the factor's levels, a line with its 95% band per combination of the other
//! factors' levels (`charts/<outcome>_by_<factor>.png`); on a Latin hypercube or a design
//! file, a scatter of every point's mean with its interval. A two-factor grid also gets a
//! heat map of each outcome's mean (`charts/<outcome>_heatmap.png`). Factors whose levels
//! are not numbers get no line chart (only the heat map). A chart that cannot be drawn is
//! a warning, never a failed sweep.

use std::path::Path;

use crate::experiment::sweep::StoredDesign;
use crate::experiment::sweep::points::{HEADLINE, PointRow, Points};
use crate::output::charts::{self, Band, ChartText, MAX_SERIES, PointItem};

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
    for outcome in HEADLINE {
        let Some(col) = points.column(outcome) else { continue };
        for (f, path) in points.factors.iter().enumerate() {
            let file = format!("charts/{outcome}_by_{}.png", file_stem(path));
            let result = if grid {
                by_factor_lines(&dir.join(&file), points, col, f)
            } else {
                by_factor_scatter(&dir.join(&file), points, col, f).map(|()| true)
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

/// `recruits_total` → "recruits over the run (total)"; money with its unit.
fn outcome_label(column: &str) -> String {
    match column {
        "spending_total" => "spending over the run (pesos, all levers)".into(),
        _ => match column.rsplit_once('_') {
            Some((m, "total")) => format!("{} over the run (total)", m.replace('_', " ")),
            Some((m, "mean")) => format!("{} (mean over the run)", m.replace('_', " ")),
            _ => column.replace('_', " "),
        },
    }
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

/// A grid's lines: `Ok(false)` when the factor's levels are not numbers or there would be
/// too many lines to read.
fn by_factor_lines(path: &Path, points: &Points, col: usize, f: usize) -> anyhow::Result<bool> {
    let x_levels = levels(points, f);
    let Ok(x) = x_levels.iter().map(|v| v.parse::<f64>()).collect::<Result<Vec<f64>, _>>() else {
        return Ok(false);
    };
    // One line per combination of the other factors' levels.
    let others = |r: &PointRow| -> Vec<String> {
        points
            .factors
            .iter()
            .zip(&r.values)
            .enumerate()
            .filter(|&(i, _)| i != f)
            .map(|(_, (p, v))| format!("{p} = {v}"))
            .collect()
    };
    let mut groups: Vec<(Vec<String>, Band)> = Vec::new();
    for r in &points.rows {
        let key = others(r);
        let i = match groups.iter().position(|(k, _)| *k == key) {
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
        (band.mean[at], band.lo[at], band.hi[at]) = mean_lo_hi(r, col);
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
                b.label = "mean over replicates".into();
            }
            b.non_negative()
        })
        .collect();
    let y = outcome_label(&points.columns[col]);
    let title = format!("{y} by {}", points.factors[f]);
    let text = ChartText { title: &title, x_label: &points.factors[f], y_label: &y };
    charts::lines_with_bands(path, &text, &x, &series, &[])?;
    Ok(true)
}

/// A sampled design's scatter: every point's mean with its interval.
fn by_factor_scatter(path: &Path, points: &Points, col: usize, f: usize) -> anyhow::Result<()> {
    let items: Vec<PointItem> = points
        .rows
        .iter()
        .filter_map(|r| {
            let x = r.values[f].parse::<f64>().ok()?;
            let (mean, lo, hi) = mean_lo_hi(r, col);
            let some = |v: f64| (!v.is_nan()).then_some(v.max(0.0));
            Some(PointItem {
                label: String::new(),
                x,
                y: mean.max(0.0),
                y_lo: some(lo),
                y_hi: some(hi),
                ..Default::default()
            })
        })
        .collect();
    let y = outcome_label(&points.columns[col]);
    let title = format!("{y} by {}", points.factors[f]);
    let text = ChartText { title: &title, x_label: &points.factors[f], y_label: &y };
    charts::scatter_labeled(path, &text, &items)?;
    Ok(())
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
        assert_eq!(outcome_label("recruits_total"), "recruits over the run (total)");
        assert_eq!(outcome_label("members_mean"), "members (mean over the run)");
        assert!(outcome_label("spending_total").contains("pesos"));
    }
}
