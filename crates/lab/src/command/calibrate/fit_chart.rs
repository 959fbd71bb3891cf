//! `charts/fit.png` of `narcodoor calibrate`, drawn from the text of `fit.csv` (so it shows
//! nothing the file does not hold, and an old calibration's chart can be redrawn from its
//! file): one panel per kind of target, the groups of the distance (a metric, national or
//! by region), each on its own scale, observed (x) against the posterior predictive mean
//! and 95% interval (y), with the 1:1 line. Only the worst rows of each panel are labelled,
//! by their error in tolerances (the distance's own terms): on one shared scatter, 77
//! homicide-rate rows near 10 piled up unreadably at the origin beside a members row near
//! 1,300, every one labelled (issue 27, item 10). A study row (`study:<id>`) has a panel of
//! its own: the published effect and interval (x) against the model's effect (y), its
//! label the distance's error in units of the published interval.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use crate::command::calibrate::targets::{OFFSET_SHARE, STUDY_PREFIX, interval_error, log_ratio_error};
use crate::experiment::outcomes::{Statistic, unit};
use narcodoor_charts::{self as charts, ChartText, PointItem, ScatterPanel};
use narcodoor_model::metrics::index_of;

/// Rows labelled in each panel: the worst this many.
pub const LABELLED: usize = 5;

/// The columns of a `fit.csv` row the chart reads.
#[derive(Debug, Deserialize)]
struct FitRow {
    metric: String,
    region: String,
    start: String,
    end: String,
    observed: f64,
    /// Empty in a study row.
    tolerance: Option<f64>,
    predictive_mean: f64,
    predictive_lo: f64,
    predictive_hi: f64,
    /// A study row's published interval (the columns are absent from older files).
    #[serde(default)]
    published_lo: Option<f64>,
    #[serde(default)]
    published_hi: Option<f64>,
}

impl FitRow {
    fn group(&self) -> (&str, bool) {
        (&self.metric, !self.region.is_empty())
    }
}

/// Draws `path` from the text of a `fit.csv`.
pub fn draw(fit_csv: &str, path: &Path) -> anyhow::Result<()> {
    let mut reader = csv::Reader::from_reader(fit_csv.as_bytes());
    let rows: Vec<FitRow> =
        reader.deserialize().collect::<Result<_, _>>().context("fit.csv cannot be read back")?;
    let text = ChartText {
        title: "Targets: observed (x) against the posterior predictive mean and 95% interval (y), one panel per kind; labels: the worst rows, error in tolerances",
        x_label: "observed window mean (the panel's unit)",
        y_label: "simulated window mean (the panel's unit)",
    };
    charts::scatter_panels(path, &text, &panels(&rows), true)?;
    Ok(())
}

/// One panel per group, in order of first appearance.
fn panels(rows: &[FitRow]) -> Vec<ScatterPanel> {
    let mut groups: Vec<(&str, bool)> = Vec::new();
    for r in rows {
        if !groups.contains(&r.group()) {
            groups.push(r.group());
        }
    }
    groups
        .into_iter()
        .map(|g| panel(g, &rows.iter().filter(|r| r.group() == g).collect::<Vec<_>>()))
        .collect()
}

fn panel((metric, regional): (&str, bool), rows: &[&FitRow]) -> ScatterPanel {
    if let Some(id) = metric.strip_prefix(STUDY_PREFIX) {
        return study_panel(id, rows);
    }
    // The group's offset, as the distance sets it from the same observed values.
    let offset = OFFSET_SHARE * rows.iter().map(|r| r.observed.abs()).sum::<f64>() / rows.len() as f64;
    let errors: Vec<f64> = rows
        .iter()
        .map(|r| log_ratio_error(r.predictive_mean, r.observed, offset, r.tolerance.unwrap_or(f64::NAN)))
        .collect();
    let labelled = worst(&errors, LABELLED);
    let points = rows
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let label = if labelled.contains(&k) { label(r, errors[k]) } else { String::new() };
            PointItem {
                label,
                x: r.observed,
                y: r.predictive_mean,
                y_lo: Some(r.predictive_lo).filter(|x| x.is_finite()),
                y_hi: Some(r.predictive_hi).filter(|x| x.is_finite()),
                ..Default::default()
            }
        })
        .collect();
    // The unit, not the number of rows: a longer title is cut in a half-page panel.
    let unit = index_of(metric).map(|m| format!(" ({})", unit(m, Statistic::Mean))).unwrap_or_default();
    let place = if regional { " by region" } else { ", national" };
    ScatterPanel { title: format!("{metric}{place}{unit}"), points }
}

/// A study's panel: the published effect with its interval (x) against the model's effect
/// with its predictive interval (y), labelled with the error in published intervals.
fn study_panel(id: &str, rows: &[&FitRow]) -> ScatterPanel {
    let points = rows
        .iter()
        .map(|r| {
            let (lo, hi) = (r.published_lo.unwrap_or(r.observed), r.published_hi.unwrap_or(r.observed));
            let error = interval_error(r.predictive_mean, r.observed, lo, hi);
            PointItem {
                label: format!("{id}: {error:+.1}"),
                x: r.observed,
                y: r.predictive_mean,
                x_lo: Some(lo),
                x_hi: Some(hi),
                y_lo: Some(r.predictive_lo).filter(|x| x.is_finite()),
                y_hi: Some(r.predictive_hi).filter(|x| x.is_finite()),
            }
        })
        .collect();
    ScatterPanel { title: format!("{id}: effect on the study's scale (published x, model y)"), points }
}

/// "Sinaloa 2010-01–2012-12: +2.3" (the region only in a regional panel; the error in
/// tolerances, signed: + when the simulation is too high).
fn label(r: &FitRow, error: f64) -> String {
    let region = if r.region.is_empty() { String::new() } else { format!("{} ", r.region) };
    format!("{region}{}–{}: {error:+.1}", r.start, r.end)
}

/// The indices of the `n` largest |errors| (a non-finite error counts as the largest).
fn worst(errors: &[f64], n: usize) -> Vec<usize> {
    let size = |e: f64| if e.is_finite() { e.abs() } else { f64::INFINITY };
    let mut order: Vec<usize> = (0..errors.len()).collect();
    order.sort_by(|&a, &b| size(errors[b]).total_cmp(&size(errors[a])).then(a.cmp(&b)));
    order.truncate(n);
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails if: a panel mixes kinds of targets, or labels other rows than its worst
    /// `LABELLED` by the distance's error (so a 64-row panel labels every row).
    #[test]
    fn one_panel_per_kind_labelled_only_on_its_worst_rows() {
        let mut text = String::from(
            "line,metric,region,start,end,observed,tolerance,predictive_mean,predictive_lo,predictive_hi,accepted_mean,accepted_lo,accepted_hi,median_point\n",
        );
        // Regional homicide rates: row k is simulated k% too high, so rows 19..15 are worst.
        for k in 0..20 {
            let sim = 10.0 * (1.0 + k as f64 / 100.0);
            text.push_str(&format!("{k},homicide_rate,R{k},2000-01,2000-12,10,0.05,{sim},1,20,0,0,0,0\n"));
        }
        text.push_str("30,members,,2012-01,2012-12,1260,0.1,1320,480,2770,0,0,0,0\n");
        text.push_str("31,homicide_rate,,2001-01,2001-12,10.1,0.05,9.3,6.2,12.1,0,0,0,0\n");
        let rows: Vec<FitRow> =
            csv::Reader::from_reader(text.as_bytes()).deserialize().map(Result::unwrap).collect();
        let p = panels(&rows);
        let titles: Vec<&str> = p.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "homicide_rate by region (homicides per 100,000 per year)",
                "members, national (youths)",
                "homicide_rate, national (homicides per 100,000 per year)"
            ]
        );
        let labelled: Vec<&str> =
            p[0].points.iter().map(|q| q.label.as_str()).filter(|l| !l.is_empty()).collect();
        assert_eq!(labelled.len(), LABELLED);
        assert!(
            labelled
                .iter()
                .all(|l| ["R19 ", "R18 ", "R17 ", "R16 ", "R15 "].iter().any(|r| l.starts_with(r))),
            "{labelled:?}"
        );
        // Error in tolerances: ln((11.9 + 1) / (10 + 1)) / ln(1.05), offset a tenth of 10.
        let e = (12.9f64 / 11.0).ln() / 1.05f64.ln();
        assert!(labelled.contains(&format!("R19 2000-01–2000-12: {e:+.1}").as_str()), "{labelled:?}");
        assert_eq!(p[1].points[0].label, "2012-01–2012-12: +0.4");
        let dir = tempfile::tempdir().unwrap();
        draw(&text, &dir.path().join("fit.png")).unwrap();
    }

    /// Fails if: a study row shares a panel with a series, or its label is not its error in
    /// published intervals (model -13.75 against -6.5 in [-21, 0]: half a unit below).
    #[test]
    fn a_study_row_has_its_own_panel_with_the_published_interval() {
        let text = "line,metric,region,start,end,observed,tolerance,predictive_mean,predictive_lo,predictive_hi,accepted_mean,accepted_lo,accepted_hi,median_point,published_lo,published_hi\n\
                    2,members,,0,23,40,0.1,22,13,26,22,20,28,16,,\n\
                    3,study:chioda2016,,,,-6.5,,-13.75,-30,2,-10,-20,0,-12,-21,0\n";
        let rows: Vec<FitRow> =
            csv::Reader::from_reader(text.as_bytes()).deserialize().map(Result::unwrap).collect();
        let p = panels(&rows);
        assert_eq!(p.len(), 2);
        let q = &p[1].points[0];
        assert!(p[1].title.starts_with("chioda2016"), "{}", p[1].title);
        assert_eq!(
            (q.label.as_str(), q.x, q.x_lo, q.x_hi),
            ("chioda2016: -0.5", -6.5, Some(-21.0), Some(0.0))
        );
        let dir = tempfile::tempdir().unwrap();
        draw(text, &dir.path().join("fit.png")).unwrap();
    }

    /// The fit.csv of the committed Mexico calibration (docs/mexico.md 3d) reads back and
    /// draws. Its chart in the docs was redrawn this way, without the 35-minute calibration:
    /// `NARCODOOR_REDRAW_DOCS=1 cargo test --release --lib committed_mexico_fit` writes it
    /// beside its fit.csv.
    #[test]
    fn committed_mexico_fit_csv_draws_in_three_panels() {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("docs/mexico_calibration_independent");
        let text = std::fs::read_to_string(dir.join("fit.csv")).unwrap();
        let rows: Vec<FitRow> =
            csv::Reader::from_reader(text.as_bytes()).deserialize().map(Result::unwrap).collect();
        let p = panels(&rows);
        let sizes: Vec<usize> = p.iter().map(|p| p.points.len()).collect();
        assert_eq!(sizes, [13, 64, 1]);
        let labels = |p: &ScatterPanel| p.points.iter().filter(|q| !q.label.is_empty()).count();
        assert_eq!(p.iter().map(labels).collect::<Vec<_>>(), [LABELLED, LABELLED, 1]);
        let tmp = tempfile::tempdir().unwrap();
        let out = match std::env::var_os("NARCODOOR_REDRAW_DOCS") {
            Some(_) => dir.join("charts/fit.png"),
            None => tmp.path().join("fit.png"),
        };
        draw(&text, &out).unwrap();
    }
}
