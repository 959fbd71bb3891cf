//! Chart primitives: plain numbers in, a PNG file out, for the figures that policy students
//! paste into their reports. They know nothing about the model; the report code decides
//! what to plot and these functions decide how it looks.
//!
//! Every chart is 1200 × 750 pixels unless its content needs more height (many panels or
//! bars), on white, in the Okabe–Ito colour-blind-safe palette, with text in the bundled
//! DejaVu Sans font so that a machine with no fonts renders the same bytes as any other.
//! Titles and legends sit above the plot, never on the data. Axis titles should carry
//! units ("homicides per 100k per year"); tick labels use thousands separators, k/M/B
//! suffixes or percent signs as fits the values.
//!
//! The functions never panic on awkward data: empty inputs draw an empty frame saying so,
//! NaN and infinite values are skipped (a line breaks where they are), single points are
//! drawn as dots, and constant or huge values still get a sensible range. Inputs that are
//! inconsistent, such as a series whose length differs from the x values, are reported as
//! [`ChartError::Input`]. The same input always gives the same bytes.

mod bars;
mod canvas;
mod forest;
mod frame;
mod grid;
mod heatmap;
mod scale;
mod scatter;
mod scatter_grid;
mod stacked;

pub use bars::{bars_with_intervals, tornado};
pub use forest::{ForestRow, forest, forest_labelled};
pub use grid::{REFERENCE_COLOR, panels_against_reference, small_multiples, small_multiples_observed};
pub use heatmap::heatmap;
pub use scatter::{ScatterSet, scatter_labeled, scatter_sets};
pub use scatter_grid::{ScatterPanel, scatter_panels};
pub use stacked::{Detail, stacked_areas, stacked_areas_noting, stacked_shares, stacked_shares_with_detail};

use std::path::{Path, PathBuf};

use plotters::style::RGBAColor;

use canvas::{Canvas, HAlign, VAlign, ensure_font, render_png, text_width};
use frame::{
    Frame, FrameStyle, Header, INK, LegendEntry, MARGIN, NOTE_SIZE, Rect, Swatch, palette, stack_labels,
    with_alpha,
};
use scale::{Axis, TickStyle, extent, padded, union};

/// The colour of series `i` in the charts' palette, for callers that colour sets of points.
pub fn series_color(i: usize) -> RGBAColor {
    palette(i)
}

/// Width of every chart, in pixels.
pub const WIDTH: u32 = 1200;
/// Height of a chart whose content fits; taller charts grow from here.
pub const HEIGHT: u32 = 750;

/// The most series or layers one chart accepts; beyond this a legend cannot stay readable.
pub const MAX_SERIES: usize = 30;
/// The most panels [`small_multiples`] accepts (the 32 Mexican states take 7 rows of 5).
pub const MAX_PANELS: usize = 60;
/// The most bars [`bars_with_intervals`] and [`tornado`] accept.
pub const MAX_BARS: usize = 100;
/// The tallest image any chart may grow to; a chart that would need more is an error
/// rather than a huge file nobody can read.
pub const MAX_HEIGHT: u32 = 6000;

/// The legend's explanation of the shaded bands of [`lines_with_bands`] and
/// [`small_multiples`].
pub const BAND_NOTE: &str = "shaded: 95% interval";

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The PNG could not be written (missing directory, no permission, full disk).
    #[error("cannot write chart {}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    /// Plotters failed while drawing.
    #[error("chart drawing failed: {0}")]
    Draw(String),
    /// The bundled font could not be registered.
    #[error("chart font unavailable: {0}")]
    Font(String),
    /// The data handed in are inconsistent (mismatched lengths, too many series).
    #[error("invalid chart input: {0}")]
    Input(String),
}

/// The words on a chart. Axis labels should name the unit, e.g. "month" and "homicides per
/// 100k per year".
///
/// For bar charts ([`bars_with_intervals`], [`tornado`]) `x_label` names the categories and
/// `y_label` the values, whichever way the bars point.
#[derive(Clone, Copy, Debug)]
pub struct ChartText<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
}

/// A series with an optional uncertainty band: `mean`, `lo` and `hi` are aligned with the
/// chart's x values. `lo` and `hi` are both empty (no band) or both as long as `mean`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Band {
    pub label: String,
    pub mean: Vec<f64>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

impl Band {
    /// A series without a band.
    pub fn line(label: impl Into<String>, mean: Vec<f64>) -> Band {
        Band { label: label.into(), mean, lo: Vec::new(), hi: Vec::new() }
    }

    /// The same series for a quantity that cannot be negative (a count, a rate, a share,
    /// money): the mean and both ends of the band are clipped at zero, since a symmetric t
    /// interval around a small count reaches below zero where no value can lie. With every
    /// value non-negative the y-axis then starts at zero (see [`line_y_axis`]).
    pub fn non_negative(mut self) -> Band {
        for v in self.mean.iter_mut().chain(self.lo.iter_mut()).chain(self.hi.iter_mut()) {
            if *v < 0.0 {
                *v = 0.0;
            }
        }
        self
    }

    fn has_band(&self) -> bool {
        !self.lo.is_empty()
    }
}

/// One layer of a stacked chart, aligned with the chart's x values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layer {
    pub label: String,
    pub values: Vec<f64>,
}

/// A vertical dashed marker at `x` (a kingpin removal), labelled above the plot; with an
/// `end`, a shaded window from `x` to `end` instead (the months a policy acts), drawn under
/// the data so that a reader sees when a lever was on without counting months.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mark {
    pub x: f64,
    pub label: String,
    pub end: Option<f64>,
}

impl Mark {
    fn is_window(&self) -> bool {
        self.end.is_some()
    }
}

/// Observed values drawn as dots over a chart's simulated series (a statistics office's
/// annual rates, say), named in the legend by `label`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Points {
    pub label: String,
    pub xy: Vec<(f64, f64)>,
}

impl Points {
    /// The range of the finite y values (the y-axis must show every observation).
    fn extent(&self) -> Option<(f64, f64)> {
        extent(self.xy.iter().filter(|(x, y)| x.is_finite() && y.is_finite()).map(|p| p.1))
    }
}

/// One bar with an optional interval. Bars with the same `group` share a panel and a value
/// axis; give groups when the bars measure different things (one group per metric).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BarItem {
    pub label: String,
    pub value: f64,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    pub group: Option<String>,
}

/// One labelled point with optional intervals on either axis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PointItem {
    pub label: String,
    pub x: f64,
    pub y: f64,
    pub x_lo: Option<f64>,
    pub x_hi: Option<f64>,
    pub y_lo: Option<f64>,
    pub y_hi: Option<f64>,
}

/// One row of a tornado chart: a sensitivity index (or effect) and its interval.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TornadoRow {
    pub label: String,
    pub value: f64,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
}

/// Whether the panels of [`small_multiples`] share one y-range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanelScale {
    /// One range for all panels: levels compare across panels.
    Shared,
    /// Each panel fits its own data: shapes show even where levels differ a lot.
    Free,
}

/// Which way the bars of [`bars_with_intervals`] point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Orientation {
    /// Bars grow rightwards from a vertical list of labels; best for long labels.
    Horizontal,
    /// Bars grow upwards from labels along the bottom.
    Vertical,
}

const LINE_WIDTH: f64 = 2.5;
const BAND_ALPHA: f64 = 0.2;
const DOT_RADIUS: f64 = 4.0;
const MARK_COLOR: RGBAColor = RGBAColor(100, 100, 100, 1.0);
/// Policy windows: a light grey wash, light enough that bands and lines read through it.
const WINDOW_COLOR: RGBAColor = RGBAColor(120, 120, 120, 0.13);
/// Observed values: dark dots with a white halo, apart from every series colour.
const OBSERVED_COLOR: RGBAColor = RGBAColor(20, 20, 20, 1.0);
const MARK_ROW: f64 = 21.0;
const MARK_MAX_ROWS: usize = 3;

fn check_aligned(what: &str, label: &str, len: usize, n: usize) -> Result<(), ChartError> {
    if len == n {
        Ok(())
    } else {
        Err(ChartError::Input(format!("{what} '{label}' has {len} values but there are {n} x values")))
    }
}

fn check_band(b: &Band, n: usize) -> Result<(), ChartError> {
    check_aligned("series", &b.label, b.mean.len(), n)?;
    if b.lo.is_empty() && b.hi.is_empty() {
        return Ok(());
    }
    check_aligned("lower bound of series", &b.label, b.lo.len(), n)?;
    check_aligned("upper bound of series", &b.label, b.hi.len(), n)
}

fn check_count(what: &str, n: usize, max: usize) -> Result<(), ChartError> {
    if n <= max {
        Ok(())
    } else {
        Err(ChartError::Input(format!("{n} {what} is more than the {max} a chart can show legibly")))
    }
}

/// Maximal runs of consecutive indices in `0..n` for which `ok` holds.
fn runs(n: usize, ok: impl Fn(usize) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for i in 0..n {
        match (ok(i), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..n);
    }
    out
}

/// The value range covered by bands and means at finite x.
fn bands_extent(x: &[f64], bands: &[&Band]) -> Option<(f64, f64)> {
    let mut ext = None;
    for b in bands {
        let at_finite_x =
            |v: &[f64]| v.iter().zip(x).filter(|(_, x)| x.is_finite()).map(|(v, _)| *v).collect::<Vec<_>>();
        ext = union(ext, extent(at_finite_x(&b.mean)));
        ext = union(ext, extent(at_finite_x(&b.lo)));
        ext = union(ext, extent(at_finite_x(&b.hi)));
    }
    ext
}

/// A y-axis for line data. Non-negative data (counts, rates, shares, money) get an axis
/// from zero, never below it: a truncated axis makes a change of a few percent look like a
/// collapse, and an axis below zero suggests values that cannot exist. Data with negative
/// values (differences) get a padded range around them.
pub(crate) fn line_y_axis(ext: Option<(f64, f64)>, target: usize) -> Axis {
    let non_negative = ext.is_some_and(|(lo, _)| lo >= 0.0);
    let (lo, hi) = padded(ext, 0.03, non_negative);
    Axis::new(lo, hi, target, true, TickStyle::Number)
}

/// The legend of lines with bands: each series' swatch is its line over its band, in its
/// own colour. A single series with a band says what the shading is.
pub(crate) fn band_legend(series: &[Band]) -> Vec<LegendEntry> {
    let any_band = series.iter().any(Band::has_band);
    if series.len() < 2 && !any_band {
        return Vec::new();
    }
    series
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let swatch = if b.has_band() {
                Swatch::LineBand(palette(i), BAND_ALPHA)
            } else {
                Swatch::Line(palette(i))
            };
            let label =
                if series.len() == 1 { format!("{} ({BAND_NOTE})", b.label) } else { b.label.clone() };
            LegendEntry::new(label, swatch)
        })
        .collect()
}

/// An x-axis spanning exactly the finite x values. Values within 1000–9999 are read as
/// calendar years (a dated run) and written without thousands separators.
fn x_axis(x: &[f64], target: usize) -> Axis {
    let (lo, hi) = padded(extent(x.iter().copied()), 0.0, false);
    let style = if lo >= 1000.0 && hi < 10_000.0 { TickStyle::Year } else { TickStyle::Number };
    Axis::new(lo, hi, target, false, style)
}

/// Draw one series' band (translucent) into a frame.
fn draw_band(
    canvas: &mut Canvas,
    f: &Frame,
    x: &[f64],
    b: &Band,
    color: RGBAColor,
) -> Result<(), ChartError> {
    if !b.has_band() {
        return Ok(());
    }
    let fill = with_alpha(color, BAND_ALPHA);
    let ok = |i: usize| x[i].is_finite() && b.lo[i].is_finite() && b.hi[i].is_finite();
    for r in runs(x.len(), ok) {
        if r.len() == 1 {
            let i = r.start;
            let px = f.px(x[i]);
            canvas.rect(px - 3.0, f.py(b.hi[i]), px + 3.0, f.py(b.lo[i]), fill)?;
            continue;
        }
        let mut pts: Vec<(f64, f64)> = r.clone().map(|i| (f.px(x[i]), f.py(b.hi[i]))).collect();
        pts.extend(r.rev().map(|i| (f.px(x[i]), f.py(b.lo[i]))));
        canvas.polygon(&pts, fill)?;
    }
    Ok(())
}

/// Draw one series' mean line into a frame, breaking it at missing values and drawing
/// isolated values as dots.
fn draw_mean(
    canvas: &mut Canvas,
    f: &Frame,
    x: &[f64],
    values: &[f64],
    color: RGBAColor,
    width: f64,
) -> Result<(), ChartError> {
    let ok = |i: usize| x[i].is_finite() && values[i].is_finite();
    for r in runs(x.len(), ok) {
        let pts: Vec<(f64, f64)> = r.map(|i| (f.px(x[i]), f.py(values[i]))).collect();
        if pts.len() == 1 {
            canvas.disc(pts[0], DOT_RADIUS.max(width), color, None)?;
        } else {
            canvas.polyline(&pts, width, color)?;
        }
    }
    Ok(())
}

/// Shaded windows for the marks with an end, clipped to the frame's x-range.
fn draw_windows(canvas: &mut Canvas, f: &Frame, marks: &[Mark]) -> Result<(), ChartError> {
    for m in marks.iter().filter(|m| m.x.is_finite()) {
        let Some(end) = m.end.filter(|e| e.is_finite()) else { continue };
        let (x0, x1) = (m.x.max(f.x.lo), end.min(f.x.hi));
        if x1 > x0 {
            canvas.rect(f.px(x0), f.plot.y0, f.px(x1), f.plot.y1, WINDOW_COLOR)?;
        }
    }
    Ok(())
}

/// Observed values as dots with a white halo, over everything else.
fn draw_points(canvas: &mut Canvas, f: &Frame, points: &Points, r: f64) -> Result<(), ChartError> {
    for &(x, y) in points.xy.iter().filter(|(x, y)| x.is_finite() && y.is_finite()) {
        if x >= f.x.lo && x <= f.x.hi {
            canvas.disc((f.px(x), f.py(y)), r, OBSERVED_COLOR, Some((2.5, RGBAColor(255, 255, 255, 1.0))))?;
        }
    }
    Ok(())
}

/// The legend entries of shaded windows (their labels, once each) and of observed points.
fn overlay_legend(marks: &[Mark], points: &[&Points]) -> Vec<LegendEntry> {
    let mut labels: Vec<&str> = Vec::new();
    for m in marks.iter().filter(|m| m.is_window() && !m.label.is_empty()) {
        if !labels.contains(&m.label.as_str()) {
            labels.push(&m.label);
        }
    }
    let mut out: Vec<LegendEntry> =
        labels.iter().map(|l| LegendEntry::new(format!("shaded: {l}"), Swatch::Fill(WINDOW_COLOR))).collect();
    if let Some(p) = points.iter().find(|p| !p.xy.is_empty()) {
        out.push(LegendEntry::new(&p.label, Swatch::Dot(OBSERVED_COLOR)));
    }
    out
}

/// Dashed verticals for the marks (not windows) inside the frame's x-range.
fn draw_mark_lines(canvas: &mut Canvas, f: &Frame, marks: &[Mark], width: f64) -> Result<(), ChartError> {
    let lines = marks.iter().filter(|m| !m.is_window());
    for m in lines.filter(|m| m.x.is_finite() && m.x >= f.x.lo && m.x <= f.x.hi) {
        canvas.dashed_vline(f.px(m.x), f.plot.y0, f.plot.y1, width, (7.0, 5.0), MARK_COLOR)?;
    }
    Ok(())
}

/// Where the labels of marks go in a strip above the plot: each label's row and left edge,
/// and the number of rows.
fn layout_mark_labels(f: &Frame, marks: &[Mark]) -> (Vec<Option<(usize, f64)>>, usize) {
    let items: Vec<(f64, f64)> = marks
        .iter()
        .map(|m| {
            let inside = m.x.is_finite() && m.x >= f.x.lo && m.x <= f.x.hi && !m.is_window();
            let w = if inside && !m.label.is_empty() { text_width(&m.label, NOTE_SIZE) } else { 0.0 };
            (f.px(m.x), w)
        })
        .collect();
    let (mut placed, rows) = stack_labels(&items, f.plot.x0, f.plot.x1, MARK_MAX_ROWS);
    for (p, (_, w)) in placed.iter_mut().zip(&items) {
        if *w == 0.0 {
            *p = None;
        }
    }
    let rows = if placed.iter().any(|p| p.is_some()) { rows } else { 0 };
    (placed, rows)
}

/// Lines for the means of `series` over `x`, each with a translucent band from `lo` to `hi`
/// (a 95% interval across replicates, say), and dashed vertical `marks` labelled above the
/// plot (marks with an end are shaded windows, named in the legend).
///
/// The legend lists the series when there is more than one, and explains the shading when
/// any series has a band. The y-axis starts at zero when the data come close to it anyway.
pub fn lines_with_bands(
    path: &Path,
    text: &ChartText,
    x: &[f64],
    series: &[Band],
    marks: &[Mark],
) -> Result<(), ChartError> {
    lines_with_bands_observed(path, text, x, series, marks, &Points::default())
}

/// [`lines_with_bands`] with observed values drawn as dots over the series.
pub fn lines_with_bands_observed(
    path: &Path,
    text: &ChartText,
    x: &[f64],
    series: &[Band],
    marks: &[Mark],
    observed: &Points,
) -> Result<(), ChartError> {
    lines_chart(path, text, x, (series, marks, observed), None)
}

/// Lines of probabilities over `x` (cost-effectiveness acceptability curves, say): as
/// [`lines_with_bands`], with the y-axis from exactly 0 to 1 whatever the data, since a
/// probability above 1 does not exist.
pub fn probability_lines(
    path: &Path,
    text: &ChartText,
    x: &[f64],
    series: &[Band],
) -> Result<(), ChartError> {
    let y = Axis::new(0.0, 1.0, 6, true, TickStyle::Number);
    lines_chart(path, text, x, (series, &[], &Points::default()), Some(y))
}

/// The one drawing of lines with bands, marks and observed dots; the y-axis is `y_axis`
/// when given, else fitted to the data.
fn lines_chart(
    path: &Path,
    text: &ChartText,
    x: &[f64],
    (series, marks, observed): (&[Band], &[Mark], &Points),
    y_axis: Option<Axis>,
) -> Result<(), ChartError> {
    ensure_font()?;
    check_count("series", series.len(), MAX_SERIES)?;
    for b in series {
        check_band(b, x.len())?;
    }
    let (w, h) = (WIDTH as f64, HEIGHT as f64);
    let mut legend = band_legend(series);
    let overlay = overlay_legend(marks, &[observed]);
    if legend.is_empty() && !overlay.is_empty() {
        legend = series
            .iter()
            .enumerate()
            .map(|(i, b)| LegendEntry::new(&b.label, Swatch::Line(palette(i))))
            .collect();
    }
    legend.extend(overlay);
    let header = Header::new(text.title, &legend, w);
    let refs: Vec<&Band> = series.iter().collect();
    let y_ext = union(bands_extent(x, &refs), observed.extent());
    let style = FrameStyle::full();
    let mut area = Rect::new(MARGIN, header.height, w - MARGIN, h - MARGIN);
    let y = y_axis.unwrap_or_else(|| line_y_axis(y_ext, 6));
    let first = Frame::layout(area, x_axis(x, 8), y, &style);
    let (mark_pos, mark_rows) = layout_mark_labels(&first, marks);
    area.y0 += mark_rows as f64 * MARK_ROW;
    let f = Frame::layout(area, first.x, first.y, &style);
    render_png(path, WIDTH, HEIGHT, |c| {
        header.draw(c)?;
        f.draw(c, area, text.x_label, text.y_label, &style)?;
        draw_windows(c, &f, marks)?;
        for (i, b) in series.iter().enumerate() {
            draw_band(c, &f, x, b, palette(i))?;
        }
        draw_mark_lines(c, &f, marks, 1.5)?;
        for (i, b) in series.iter().enumerate() {
            draw_mean(c, &f, x, &b.mean, palette(i), LINE_WIDTH)?;
        }
        draw_points(c, &f, observed, DOT_RADIUS + 1.0)?;
        // Row 0 sits just above the plot, later rows above it.
        for (m, pos) in marks.iter().zip(&mark_pos) {
            if let Some((row, left)) = pos {
                let bottom = f.plot.y0 - 4.0 - *row as f64 * MARK_ROW;
                c.text(&m.label, NOTE_SIZE, INK, (*left, bottom), HAlign::Left, VAlign::Bottom)?;
            }
        }
        if y_ext.is_none() {
            f.draw_no_data(c)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod overlay_tests;
#[cfg(test)]
mod tests;
