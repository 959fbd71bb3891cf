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

mod canvas;
mod frame;
mod scale;

use std::path::{Path, PathBuf};

use plotters::style::RGBAColor;

use canvas::{Canvas, HAlign, VAlign, ensure_font, fit_text, render_png, text_height, text_width, wrap_text};
use frame::{
    Frame, FrameStyle, Header, INK, LABEL_SIZE, LegendEntry, MARGIN, MUTED, NOTE_SIZE, Rect, Swatch,
    TICK_SIZE, WHITE, draw_x_title, draw_y_title, palette, stack_labels, with_alpha,
};
use scale::{Axis, TickStyle, extent, near_zero, padded, union};

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

/// A vertical dashed marker at `x` (a kingpin removal, a policy start), labelled above the
/// plot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mark {
    pub x: f64,
    pub label: String,
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

/// A y-axis for line data: zero is included when the data come close to it anyway.
fn line_y_axis(ext: Option<(f64, f64)>, target: usize) -> Axis {
    let (lo, hi) = padded(ext, 0.03, near_zero(ext));
    Axis::new(lo, hi, target, true, TickStyle::Number)
}

/// An x-axis spanning exactly the finite x values.
fn x_axis(x: &[f64], target: usize) -> Axis {
    let (lo, hi) = padded(extent(x.iter().copied()), 0.0, false);
    Axis::new(lo, hi, target, false, TickStyle::Number)
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

/// Dashed verticals for the marks inside the frame's x-range.
fn draw_mark_lines(canvas: &mut Canvas, f: &Frame, marks: &[Mark], width: f64) -> Result<(), ChartError> {
    for m in marks.iter().filter(|m| m.x.is_finite() && m.x >= f.x.lo && m.x <= f.x.hi) {
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
            let inside = m.x.is_finite() && m.x >= f.x.lo && m.x <= f.x.hi;
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
/// plot.
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
    ensure_font()?;
    check_count("series", series.len(), MAX_SERIES)?;
    for b in series {
        check_band(b, x.len())?;
    }
    let (w, h) = (WIDTH as f64, HEIGHT as f64);
    let any_band = series.iter().any(Band::has_band);
    let mut legend = Vec::new();
    if series.len() > 1 || any_band {
        for (i, b) in series.iter().enumerate() {
            legend.push(LegendEntry::new(&b.label, Swatch::Line(palette(i))));
        }
    }
    if any_band {
        legend.push(LegendEntry::new(BAND_NOTE, Swatch::Band(RGBAColor(120, 120, 120, 0.3))));
    }
    let header = Header::new(text.title, &legend, w);
    let refs: Vec<&Band> = series.iter().collect();
    let y_ext = bands_extent(x, &refs);
    let style = FrameStyle::full();
    let mut area = Rect::new(MARGIN, header.height, w - MARGIN, h - MARGIN);
    let first = Frame::layout(area, x_axis(x, 8), line_y_axis(y_ext, 6), &style);
    let (mark_pos, mark_rows) = layout_mark_labels(&first, marks);
    area.y0 += mark_rows as f64 * MARK_ROW;
    let f = Frame::layout(area, first.x, first.y, &style);
    render_png(path, WIDTH, HEIGHT, |c| {
        header.draw(c)?;
        f.draw(c, area, text.x_label, text.y_label, &style)?;
        for (i, b) in series.iter().enumerate() {
            draw_band(c, &f, x, b, palette(i))?;
        }
        draw_mark_lines(c, &f, marks, 1.5)?;
        for (i, b) in series.iter().enumerate() {
            draw_mean(c, &f, x, &b.mean, palette(i), LINE_WIDTH)?;
        }
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

/// Cumulative tops of `layers` at each x: `None` where the stack cannot be drawn (x is not
/// finite, a layer value is missing, or, for shares, nothing is there to share). Negative
/// values count as zero. With `shares`, tops are percentages of the total at that x.
fn stack(x: &[f64], layers: &[&Layer], shares: bool) -> Vec<Option<Vec<f64>>> {
    (0..x.len())
        .map(|i| {
            if !x[i].is_finite() || layers.iter().any(|l| !l.values[i].is_finite()) {
                return None;
            }
            let vals: Vec<f64> = layers.iter().map(|l| l.values[i].clamp(0.0, 1e300)).collect();
            let total: f64 = vals.iter().sum();
            let factor = if shares {
                if !(total > 0.0 && total.is_finite()) {
                    return None;
                }
                100.0 / total
            } else {
                1.0
            };
            let mut acc = 0.0;
            Some(
                vals.iter()
                    .map(|v| {
                        acc += v * factor;
                        acc.min(f64::MAX)
                    })
                    .collect(),
            )
        })
        .collect()
}

/// Draw stacked layers as areas between consecutive cumulative tops, with a thin white
/// line along each top so that neighbouring layers stay apart.
fn draw_stack(
    canvas: &mut Canvas,
    f: &Frame,
    x: &[f64],
    tops: &[Option<Vec<f64>>],
    colors: &[RGBAColor],
) -> Result<(), ChartError> {
    let segments = runs(x.len(), |i| tops[i].is_some());
    for (k, &color) in colors.iter().enumerate() {
        let upper = |i: usize| tops[i].as_ref().map_or(0.0, |t| t[k]);
        let lower = |i: usize| {
            if k == 0 { 0.0 } else { tops[i].as_ref().map_or(0.0, |t| t[k - 1]) }
        };
        for r in &segments {
            if r.len() == 1 {
                // A lone x has no width to fill; a narrow bar keeps it visible.
                let i = r.start;
                let px = f.px(x[i]);
                canvas.rect(px - 4.0, f.py(upper(i)), px + 4.0, f.py(lower(i)), color)?;
                continue;
            }
            let mut pts: Vec<(f64, f64)> = r.clone().map(|i| (f.px(x[i]), f.py(upper(i)))).collect();
            pts.extend(r.clone().rev().map(|i| (f.px(x[i]), f.py(lower(i)))));
            canvas.polygon(&pts, color)?;
        }
    }
    for k in 0..colors.len() {
        for r in &segments {
            if r.len() > 1 {
                let pts: Vec<(f64, f64)> =
                    r.clone().map(|i| (f.px(x[i]), f.py(tops[i].as_ref().map_or(0.0, |t| t[k])))).collect();
                canvas.polyline(&pts, 1.0, WHITE)?;
            }
        }
    }
    Ok(())
}

fn stacked(
    path: &Path,
    text: &ChartText,
    x: &[f64],
    layers: &[Layer],
    shares: bool,
) -> Result<(), ChartError> {
    ensure_font()?;
    check_count("layers", layers.len(), MAX_SERIES)?;
    for l in layers {
        check_aligned("layer", &l.label, l.values.len(), x.len())?;
    }
    // A layer with nothing in it would only add a legend entry with no visible area.
    let shown: Vec<(usize, &Layer)> = layers
        .iter()
        .enumerate()
        .filter(|(_, l)| l.values.iter().any(|v| v.is_finite() && *v > 0.0))
        .collect();
    let kept: Vec<&Layer> = shown.iter().map(|(_, l)| *l).collect();
    // Colours follow the caller's layer order, so that the same layer keeps its colour in
    // charts where other layers happen to be empty.
    let colors: Vec<RGBAColor> = shown.iter().map(|(i, _)| palette(*i)).collect();
    let tops = stack(x, &kept, shares);
    let legend: Vec<LegendEntry> = if kept.len() > 1 {
        kept.iter().zip(&colors).map(|(l, c)| LegendEntry::new(&l.label, Swatch::Fill(*c))).collect()
    } else {
        Vec::new()
    };
    let (w, h) = (WIDTH as f64, HEIGHT as f64);
    let header = Header::new(text.title, &legend, w);
    let has_data = tops.iter().any(|t| t.is_some());
    let y = if shares {
        Axis::new(0.0, 100.0, 5, true, TickStyle::Percent)
    } else {
        let top = extent(tops.iter().flatten().filter_map(|t| t.last().copied()));
        let (lo, hi) = padded(top, 0.03, true);
        Axis::new(lo, hi, 6, true, TickStyle::Number)
    };
    let style = FrameStyle::full();
    let area = Rect::new(MARGIN, header.height, w - MARGIN, h - MARGIN);
    let f = Frame::layout(area, x_axis(x, 8), y, &style);
    render_png(path, WIDTH, HEIGHT, |c| {
        header.draw(c)?;
        f.draw(c, area, text.x_label, text.y_label, &style)?;
        draw_stack(c, &f, x, &tops, &colors)?;
        // The axes go on top again, since the areas cover the bottom axis line.
        c.hline(f.plot.x0, f.plot.x1, f.plot.y1, 1.2, frame::AXIS)?;
        if !has_data {
            f.draw_no_data(c)?;
        }
        Ok(())
    })
}

/// Stacked areas of each layer's share of the total at every x, from 0 to 100%: the
/// composition of a whole over time (members by rank, say).
///
/// Negative values count as zero; where a layer's value is missing, or the total is zero,
/// the stack has a gap. Layers with no positive value are left out, and the legend (above
/// the plot, in layer order from the bottom of the stack up) lists the rest when there are
/// two or more.
pub fn stacked_shares(path: &Path, text: &ChartText, x: &[f64], layers: &[Layer]) -> Result<(), ChartError> {
    stacked(path, text, x, layers, true)
}

/// Stacked areas of absolute values (spending by lever in pesos per month, say): the top of
/// the stack is the total.
///
/// Layers that are zero throughout are left out. Negative values count as zero; where a
/// layer's value is missing the stack has a gap. The legend is as for [`stacked_shares`].
pub fn stacked_areas(path: &Path, text: &ChartText, x: &[f64], layers: &[Layer]) -> Result<(), ChartError> {
    stacked(path, text, x, layers, false)
}

/// Columns for a grid of `n` panels: close to square, at most five across a 1200-pixel page
/// (six past forty panels), so that 32 states come out as 5 × 7.
fn grid_columns(n: usize) -> usize {
    match n {
        0..=3 => n.max(1),
        4 => 2,
        5 | 6 | 9 => 3,
        7 | 8 | 10..=16 => 4,
        17..=40 => 5,
        _ => 6,
    }
}

const PANEL_TITLE_SIZE: f64 = 18.0;
const PANEL_TICK_SIZE: f64 = 14.0;
const PANEL_MIN_HEIGHT: f64 = 210.0;

/// A grid of small panels, one per `(title, series)`, over shared x values: the homicide
/// rate of each region, say. Each panel shows the mean line and its band; `marks` are drawn
/// as dashed verticals in every panel and explained in the legend. The legend names the
/// line after the first panel's `Band::label` ("mean" when that is empty), since the
/// panels' own names are their titles.
///
/// With [`PanelScale::Shared`] every panel has the same y-range and only the left column
/// repeats the y tick labels; with [`PanelScale::Free`] each panel fits its data. The grid
/// has up to five columns; the image grows taller than 750 pixels when the rows need it.
/// The x tick labels are shown under the lowest panel of each column.
pub fn small_multiples(
    path: &Path,
    text: &ChartText,
    x: &[f64],
    panels: &[(String, Band)],
    marks: &[Mark],
    scale: PanelScale,
) -> Result<(), ChartError> {
    ensure_font()?;
    check_count("panels", panels.len(), MAX_PANELS)?;
    for (_, b) in panels {
        check_band(b, x.len())?;
    }
    let color = palette(0);
    let mut legend = Vec::new();
    if panels.iter().any(|(_, b)| b.has_band()) {
        let mean = panels.first().map_or("mean", |(_, b)| b.label.as_str());
        legend.push(LegendEntry::new(if mean.is_empty() { "mean" } else { mean }, Swatch::Line(color)));
        legend.push(LegendEntry::new(BAND_NOTE, Swatch::Band(with_alpha(color, BAND_ALPHA))));
    }
    let mut mark_labels: Vec<&str> = Vec::new();
    for m in marks.iter().filter(|m| m.x.is_finite() && !m.label.is_empty()) {
        if !mark_labels.contains(&m.label.as_str()) {
            mark_labels.push(&m.label);
        }
    }
    if !mark_labels.is_empty() {
        legend.push(LegendEntry::new(mark_labels.join(", "), Swatch::Dashed(MARK_COLOR)));
    }
    let w = WIDTH as f64;
    let header = Header::new(text.title, &legend, w);

    let n = panels.len();
    let cols = grid_columns(n);
    let rows = n.div_ceil(cols).max(1);
    let y_title_w = text_height(LABEL_SIZE) + 14.0;
    let x_title_h = text_height(LABEL_SIZE) + 12.0;
    let avail = HEIGHT as f64 - header.height - MARGIN - x_title_h;
    let cell_h = (avail / rows as f64).max(PANEL_MIN_HEIGHT);
    let h = (header.height + rows as f64 * cell_h + x_title_h + MARGIN).ceil();
    let grid = Rect::new(MARGIN + y_title_w, header.height, w - MARGIN, header.height + rows as f64 * cell_h);

    let refs: Vec<Vec<&Band>> = panels.iter().map(|(_, b)| vec![b]).collect();
    let extents: Vec<Option<(f64, f64)>> = refs.iter().map(|b| bands_extent(x, b)).collect();
    let shared = extents.iter().fold(None, |acc, e| union(acc, *e));
    let y_axes: Vec<Axis> = extents
        .iter()
        .map(|e| line_y_axis(if scale == PanelScale::Shared { shared } else { *e }, 4))
        .collect();
    let xa = x_axis(x, 4);
    let label_w = y_axes
        .iter()
        .flat_map(|a| a.ticks.iter().map(move |&t| text_width(&a.label(t), PANEL_TICK_SIZE)))
        .fold(0.0, f64::max);
    let style = FrameStyle {
        tick_size: PANEL_TICK_SIZE,
        title_size: PANEL_TITLE_SIZE,
        x_tick_labels: true,
        y_tick_labels: true,
        vertical_grid: true,
        titles: false,
        min_y_label_w: label_w,
    };
    // With a shared scale only the left column carries y tick labels, so only it gets room
    // for them; the other columns are narrower cells with plots of the same width.
    let shared_scale = scale == PanelScale::Shared;
    let label_room = if shared_scale { label_w } else { 0.0 };
    let cell_w = (grid.width() - label_room) / cols as f64;
    let style_at = |c: usize| {
        if shared_scale && c > 0 {
            FrameStyle { y_tick_labels: false, min_y_label_w: 0.0, ..style }
        } else {
            style
        }
    };
    let title_h = PANEL_TITLE_SIZE * 1.6;
    let frames: Vec<Frame> = (0..n)
        .map(|i| {
            let (r, c) = (i / cols, i % cols);
            let cell = Rect::new(
                grid.x0 + c as f64 * cell_w + if c > 0 { label_room } else { 0.0 },
                grid.y0 + r as f64 * cell_h + title_h,
                grid.x0 + (c + 1) as f64 * cell_w + label_room - 12.0,
                grid.y0 + (r + 1) as f64 * cell_h - 8.0,
            );
            Frame::layout(cell, xa.clone(), y_axes[i].clone(), &style_at(c))
        })
        .collect();

    render_png(path, WIDTH, h as u32, |c| {
        header.draw(c)?;
        if n == 0 {
            let f = Frame::layout(grid, xa.clone(), line_y_axis(None, 4), &FrameStyle::full());
            f.draw(c, grid, "", "", &FrameStyle::full())?;
            f.draw_no_data(c)?;
        }
        for (i, ((title, band), f)) in panels.iter().zip(&frames).enumerate() {
            let panel_style = FrameStyle { x_tick_labels: i + cols >= n, ..style_at(i % cols) };
            let cell = Rect::new(f.plot.x0, f.plot.y0, f.plot.x1, f.plot.y1);
            f.draw(c, cell, "", "", &panel_style)?;
            let title = fit_text(title, PANEL_TITLE_SIZE, f.plot.width());
            let title_y = f.plot.y0 - text_height(PANEL_TICK_SIZE) / 2.0 - 8.0;
            c.text(&title, PANEL_TITLE_SIZE, INK, (f.plot.x0, title_y), HAlign::Left, VAlign::Bottom)?;
            draw_band(c, f, x, band, color)?;
            draw_mark_lines(c, f, marks, 1.2)?;
            draw_mean(c, f, x, &band.mean, color, 2.0)?;
            if extents[i].is_none() {
                let at = ((f.plot.x0 + f.plot.x1) / 2.0, (f.plot.y0 + f.plot.y1) / 2.0);
                c.text("no data", PANEL_TICK_SIZE, MUTED, at, HAlign::Center, VAlign::Middle)?;
            }
        }
        let plots = frames.iter().map(|f| f.plot).fold(None, |acc: Option<Rect>, p| {
            Some(match acc {
                None => p,
                Some(a) => Rect::new(a.x0.min(p.x0), a.y0.min(p.y0), a.x1.max(p.x1), a.y1.max(p.y1)),
            })
        });
        let span = plots.unwrap_or(grid);
        draw_x_title(c, text.x_label, LABEL_SIZE, span.x0, span.x1, h - MARGIN)?;
        draw_y_title(c, text.y_label, LABEL_SIZE, MARGIN, span.y0, span.y1)
    })
}

/// Bars of one panel: one group of [`BarItem`]s or the rows of a tornado.
struct BarPanel<'a> {
    title: Option<&'a str>,
    items: Vec<&'a BarItem>,
    color: RGBAColor,
}

/// Group bars by their `group`, in order of first appearance.
fn group_bars(bars: &[BarItem]) -> Vec<BarPanel<'_>> {
    let mut panels: Vec<BarPanel> = Vec::new();
    for b in bars {
        let title = b.group.as_deref();
        match panels.iter_mut().find(|p| p.title == title) {
            Some(p) => p.items.push(b),
            None => panels.push(BarPanel { title, items: vec![b], color: palette(0) }),
        }
    }
    if panels.len() > 1 {
        for (i, p) in panels.iter_mut().enumerate() {
            p.color = palette(i);
        }
    }
    panels
}

/// The value axis of one panel of bars: zero, the bars and their intervals.
fn bar_axis(items: &[&BarItem], target: usize) -> Axis {
    let ext = extent(items.iter().flat_map(|b| [Some(b.value), b.lo, b.hi]).flatten());
    let (lo, hi) = padded(ext, 0.05, true);
    Axis::new(lo, hi, target, true, TickStyle::Number)
}

/// An interval whisker along one axis, from `a` to `b` at cross-position `at`, with caps.
/// `horizontal` means the whisker runs along x.
fn whisker(
    canvas: &mut Canvas,
    a: f64,
    b: f64,
    at: f64,
    cap: f64,
    horizontal: bool,
    color: RGBAColor,
) -> Result<(), ChartError> {
    if horizontal {
        canvas.hline(a.min(b), a.max(b), at, 2.0, color)?;
        canvas.vline(a, at - cap, at + cap, 2.0, color)?;
        canvas.vline(b, at - cap, at + cap, 2.0, color)
    } else {
        canvas.vline(at, a.min(b), a.max(b), 2.0, color)?;
        canvas.hline(at - cap, at + cap, a, 2.0, color)?;
        canvas.hline(at - cap, at + cap, b, 2.0, color)
    }
}

/// The ends of a bar's whisker in value units, if it has one: a missing side runs to the
/// bar's end, so a one-sided interval still shows.
fn interval(value: f64, lo: Option<f64>, hi: Option<f64>) -> Option<(f64, f64)> {
    let lo = lo.filter(|v| v.is_finite());
    let hi = hi.filter(|v| v.is_finite());
    if lo.is_none() && hi.is_none() {
        return None;
    }
    let anchor = if value.is_finite() { value } else { lo.or(hi)? };
    Some((lo.unwrap_or(anchor), hi.unwrap_or(anchor)))
}

const BAR_LABEL_SIZE: f64 = 18.0;
const GROUP_TITLE_SIZE: f64 = 20.0;

fn horizontal_bars(path: &Path, text: &ChartText, panels: &[BarPanel]) -> Result<(), ChartError> {
    let w = WIDTH as f64;
    let header = Header::new(text.title, &[], w);
    let cat_title_w = if text.x_label.is_empty() { 0.0 } else { text_height(LABEL_SIZE) + 14.0 };
    let label_col = panels
        .iter()
        .flat_map(|p| &p.items)
        .map(|b| text_width(&b.label, BAR_LABEL_SIZE))
        .fold(0.0, f64::max)
        .min(0.36 * w);
    let plot_x0 = MARGIN + cat_title_w + label_col + 14.0;
    let axes: Vec<Axis> = panels.iter().map(|p| bar_axis(&p.items, 6)).collect();
    // The last tick label hangs half its width past the plot.
    let right_pad = axes
        .iter()
        .filter_map(|a| a.ticks.last().map(|&t| text_width(&a.label(t), TICK_SIZE) / 2.0))
        .fold(12.0, f64::max);
    let plot_x1 = w - MARGIN - right_pad;

    let title_h = |p: &BarPanel| if p.title.is_some() { 36.0 } else { 0.0 };
    let axis_h = 6.0 + 6.0 + text_height(TICK_SIZE) + 14.0;
    let value_title_h = text_height(LABEL_SIZE) + 6.0;
    let fixed: f64 = panels.iter().map(|p| title_h(p) + axis_h).sum::<f64>() + value_title_h;
    let n_bars: usize = panels.iter().map(|p| p.items.len()).sum();
    let avail = HEIGHT as f64 - header.height - MARGIN - fixed;
    // Bars share the height of a standard chart, and the figure only grows when a slot
    // would be thinner than two lines of label.
    let slot = (avail / n_bars.max(1) as f64).max(40.0);
    let h = (header.height + fixed + slot * n_bars.max(1) as f64 + MARGIN).max(HEIGHT as f64).ceil();

    let mut frames = Vec::new();
    let mut y = header.height;
    for (p, axis) in panels.iter().zip(&axes) {
        let top = y + title_h(p);
        let bottom = top + slot * p.items.len().max(1) as f64;
        frames.push(Frame {
            plot: Rect::new(plot_x0, top, plot_x1, bottom),
            x: axis.clone(),
            y: Axis::bare(0.0, p.items.len().max(1) as f64),
        });
        y = bottom + axis_h;
    }
    let style = FrameStyle { y_tick_labels: false, titles: false, ..FrameStyle::full() };
    render_png(path, WIDTH, h as u32, |c| {
        header.draw(c)?;
        for (p, f) in panels.iter().zip(&frames) {
            f.draw(c, f.plot, "", "", &style)?;
            if let Some(t) = p.title {
                let t = fit_text(t, GROUP_TITLE_SIZE, w - 2.0 * MARGIN - cat_title_w);
                let at = (MARGIN + cat_title_w, f.plot.y0 - 12.0);
                c.text(&t, GROUP_TITLE_SIZE, INK, at, HAlign::Left, VAlign::Bottom)?;
            }
            let zero = f.px(0.0);
            for (j, b) in p.items.iter().enumerate() {
                let mid = f.plot.y0 + (j as f64 + 0.5) * slot;
                let half = (slot * 0.31).min(22.0);
                if b.value.is_finite() {
                    c.rect(zero, mid - half, f.px(b.value), mid + half, p.color)?;
                } else {
                    c.text("n/a", NOTE_SIZE, MUTED, (zero + 6.0, mid), HAlign::Left, VAlign::Middle)?;
                }
                if let Some((lo, hi)) = interval(b.value, b.lo, b.hi) {
                    whisker(c, f.px(lo), f.px(hi), mid, half * 0.6, true, INK)?;
                }
                let lines = wrap_text(&b.label, BAR_LABEL_SIZE, label_col, if slot >= 44.0 { 2 } else { 1 });
                let line_h = BAR_LABEL_SIZE * 1.15;
                let first = mid - (lines.len() as f64 - 1.0) * line_h / 2.0;
                for (k, line) in lines.iter().enumerate() {
                    let at = (f.plot.x0 - 10.0, first + k as f64 * line_h);
                    c.text(line, BAR_LABEL_SIZE, INK, at, HAlign::Right, VAlign::Middle)?;
                }
            }
            c.vline(zero, f.plot.y0, f.plot.y1, 1.5, INK)?;
            if p.items.is_empty() {
                f.draw_no_data(c)?;
            }
        }
        if let Some(last) = frames.last() {
            draw_x_title(c, text.y_label, LABEL_SIZE, last.plot.x0, last.plot.x1, h - MARGIN)?;
        }
        let (top, bottom) = match (frames.first(), frames.last()) {
            (Some(a), Some(b)) => (a.plot.y0, b.plot.y1),
            _ => (header.height, h),
        };
        draw_y_title(c, text.x_label, LABEL_SIZE, MARGIN, top, bottom)
    })
}

fn vertical_bars(path: &Path, text: &ChartText, panels: &[BarPanel]) -> Result<(), ChartError> {
    let (w, h) = (WIDTH as f64, HEIGHT as f64);
    let header = Header::new(text.title, &[], w);
    let value_title_w = text_height(LABEL_SIZE) + 14.0;
    let cat_title_h = if text.x_label.is_empty() { 0.0 } else { text_height(LABEL_SIZE) + 10.0 };
    let label_size = NOTE_SIZE;
    let label_lines = 3usize;
    let labels_h = label_lines as f64 * label_size * 1.2 + 10.0;
    let titled = panels.iter().any(|p| p.title.is_some());
    let title_h = if titled { 34.0 } else { 0.0 };
    let axes: Vec<Axis> = panels.iter().map(|p| bar_axis(&p.items, 6)).collect();
    let tick_ws: Vec<f64> = axes
        .iter()
        .map(|a| a.ticks.iter().map(|&t| text_width(&a.label(t), TICK_SIZE)).fold(0.0, f64::max) + 18.0)
        .collect();
    let x0 = MARGIN + value_title_w;
    let gap = 24.0;
    let free = w - MARGIN - x0 - tick_ws.iter().sum::<f64>() - gap * (panels.len().max(1) - 1) as f64;
    let n_bars: usize = panels.iter().map(|p| p.items.len().max(1)).sum();
    let slot = free / n_bars.max(1) as f64;
    if slot < 12.0 {
        return Err(ChartError::Input(format!(
            "{n_bars} bars in {} groups do not fit side by side; use Orientation::Horizontal",
            panels.len()
        )));
    }
    let top = header.height + title_h + text_height(TICK_SIZE) / 2.0 + 4.0;
    let bottom = h - MARGIN - cat_title_h - labels_h;
    let mut frames = Vec::new();
    let mut x = x0;
    for (i, p) in panels.iter().enumerate() {
        let left = x + tick_ws[i];
        let right = left + slot * p.items.len().max(1) as f64;
        frames.push(Frame {
            plot: Rect::new(left, top, right, bottom),
            x: Axis::bare(0.0, p.items.len().max(1) as f64),
            y: axes[i].clone(),
        });
        x = right + gap;
    }
    let style =
        FrameStyle { x_tick_labels: false, vertical_grid: false, titles: false, ..FrameStyle::full() };
    render_png(path, WIDTH, HEIGHT, |c| {
        header.draw(c)?;
        for (p, f) in panels.iter().zip(&frames) {
            f.draw(c, f.plot, "", "", &style)?;
            if let Some(t) = p.title {
                let t = fit_text(t, GROUP_TITLE_SIZE, f.plot.width() + 20.0);
                let at = ((f.plot.x0 + f.plot.x1) / 2.0, f.plot.y0 - text_height(TICK_SIZE) / 2.0 - 10.0);
                c.text(&t, GROUP_TITLE_SIZE, INK, at, HAlign::Center, VAlign::Bottom)?;
            }
            let zero = f.py(0.0);
            for (j, b) in p.items.iter().enumerate() {
                let mid = f.plot.x0 + (j as f64 + 0.5) * slot;
                let half = (slot * 0.31).min(45.0);
                if b.value.is_finite() {
                    c.rect(mid - half, f.py(b.value), mid + half, zero, p.color)?;
                } else {
                    c.text("n/a", NOTE_SIZE, MUTED, (mid, zero - 6.0), HAlign::Center, VAlign::Bottom)?;
                }
                if let Some((lo, hi)) = interval(b.value, b.lo, b.hi) {
                    whisker(c, f.py(lo), f.py(hi), mid, half * 0.6, false, INK)?;
                }
                let lines = wrap_text(&b.label, label_size, slot - 6.0, label_lines);
                for (k, line) in lines.iter().enumerate() {
                    let at = (mid, f.plot.y1 + 10.0 + k as f64 * label_size * 1.2);
                    c.text(line, label_size, INK, at, HAlign::Center, VAlign::Top)?;
                }
            }
            c.hline(f.plot.x0, f.plot.x1, zero, 1.5, INK)?;
            if p.items.is_empty() {
                f.draw_no_data(c)?;
            }
        }
        let (left, right) = match (frames.first(), frames.last()) {
            (Some(a), Some(b)) => (a.plot.x0, b.plot.x1),
            _ => (x0, w - MARGIN),
        };
        draw_x_title(c, text.x_label, LABEL_SIZE, left, right, h - MARGIN)?;
        draw_y_title(c, text.y_label, LABEL_SIZE, MARGIN, top, bottom)
    })
}

fn draw_bars(
    path: &Path,
    text: &ChartText,
    mut panels: Vec<BarPanel>,
    orientation: Orientation,
) -> Result<(), ChartError> {
    if panels.is_empty() {
        // An empty chart still gets a frame, so that it reads as "nothing to show".
        panels.push(BarPanel { title: None, items: Vec::new(), color: palette(0) });
    }
    match orientation {
        Orientation::Horizontal => horizontal_bars(path, text, &panels),
        Orientation::Vertical => vertical_bars(path, text, &panels),
    }
}

/// Bars with interval whiskers and a zero line: effects of policies against the baseline,
/// say. Bars with the same `group` share a panel with its own value axis, so that metrics
/// in different units can sit in one figure; panels follow the order in which groups first
/// appear, and bars keep their order within a panel.
///
/// `text.x_label` names the categories and `text.y_label` the values (with units),
/// whichever the orientation. Horizontal bars suit long labels (wrapped onto two lines);
/// the image grows taller when there are many bars.
pub fn bars_with_intervals(
    path: &Path,
    text: &ChartText,
    bars: &[BarItem],
    orientation: Orientation,
) -> Result<(), ChartError> {
    ensure_font()?;
    check_count("bars", bars.len(), MAX_BARS)?;
    draw_bars(path, text, group_bars(bars), orientation)
}

/// A tornado chart: horizontal bars of sensitivity indices with their intervals, largest
/// magnitude at the top (rows with a missing value go last, in their given order).
///
/// `text.x_label` names the rows (e.g. "parameter") and `text.y_label` the index.
pub fn tornado(path: &Path, text: &ChartText, rows: &[TornadoRow]) -> Result<(), ChartError> {
    ensure_font()?;
    check_count("rows", rows.len(), MAX_BARS)?;
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let key = |i: usize| {
        let v = rows[i].value;
        if v.is_finite() { v.abs() } else { f64::NEG_INFINITY }
    };
    // A stable sort keeps ties in the caller's order, so the output is deterministic.
    order.sort_by(|&a, &b| key(b).total_cmp(&key(a)));
    let items: Vec<BarItem> = order
        .iter()
        .map(|&i| BarItem {
            label: rows[i].label.clone(),
            value: rows[i].value,
            lo: rows[i].lo,
            hi: rows[i].hi,
            group: None,
        })
        .collect();
    draw_bars(path, text, group_bars(&items), Orientation::Horizontal)
}

const POINT_RADIUS: f64 = 7.0;
const POINT_LABEL_SIZE: f64 = 17.0;

/// Where a point's label goes: the first of sixteen positions around the point that stays
/// in the plot and clear of everything in `taken` (points, whiskers, labels placed so far),
/// or failing that the one overlapping least.
fn place_label(label_w: f64, label_h: f64, at: (f64, f64), plot: &Rect, taken: &[Rect]) -> Rect {
    let (x, y) = at;
    // Eight positions close to the point, then the same eight further out.
    let candidates = [1.0, 2.2].into_iter().flat_map(|ring| {
        let gap = (POINT_RADIUS + 5.0) * ring;
        [
            (x + gap, y - label_h / 2.0),
            (x - gap - label_w, y - label_h / 2.0),
            (x - label_w / 2.0, y - gap - label_h),
            (x - label_w / 2.0, y + gap),
            (x + gap * 0.7, y - gap * 0.7 - label_h),
            (x + gap * 0.7, y + gap * 0.7),
            (x - gap * 0.7 - label_w, y - gap * 0.7 - label_h),
            (x - gap * 0.7 - label_w, y + gap * 0.7),
        ]
    });
    let mut best = None;
    let mut best_cost = f64::INFINITY;
    for (x0, y0) in candidates {
        let r = Rect::new(x0, y0, x0 + label_w, y0 + label_h);
        let outside = label_w * label_h - r.overlap_area(plot);
        let cost: f64 = taken.iter().map(|t| r.overlap_area(t)).sum::<f64>() + 4.0 * outside;
        if cost < best_cost {
            best_cost = cost;
            best = Some(r);
            if cost <= 0.0 {
                break;
            }
        }
    }
    best.unwrap_or(Rect::new(x, y, x + label_w, y + label_h))
}

/// A scatter of labelled points with optional interval whiskers on either axis: policies by
/// cost (x) and effect (y), say. Labels are placed next to their points, avoiding other
/// points and labels where there is room. Zero lines are drawn when zero is inside a range,
/// since the sign of a cost or an effect matters to the reader.
pub fn scatter_labeled(path: &Path, text: &ChartText, points: &[PointItem]) -> Result<(), ChartError> {
    ensure_font()?;
    let shown: Vec<&PointItem> = points.iter().filter(|p| p.x.is_finite() && p.y.is_finite()).collect();
    let x_ext = extent(shown.iter().flat_map(|p| [Some(p.x), p.x_lo, p.x_hi]).flatten());
    let y_ext = extent(shown.iter().flat_map(|p| [Some(p.y), p.y_lo, p.y_hi]).flatten());
    let (w, h) = (WIDTH as f64, HEIGHT as f64);
    let header = Header::new(text.title, &[], w);
    let (xlo, xhi) = padded(x_ext, 0.08, false);
    let (ylo, yhi) = padded(y_ext, 0.08, false);
    let style = FrameStyle::full();
    let area = Rect::new(MARGIN, header.height, w - MARGIN, h - MARGIN);
    let f = Frame::layout(
        area,
        Axis::new(xlo, xhi, 8, true, TickStyle::Number),
        Axis::new(ylo, yhi, 6, true, TickStyle::Number),
        &style,
    );
    let color = palette(0);
    let whisker_color = RGBAColor(90, 90, 90, 1.0);
    render_png(path, WIDTH, HEIGHT, |c| {
        header.draw(c)?;
        f.draw(c, area, text.x_label, text.y_label, &style)?;
        if f.x.lo < 0.0 && f.x.hi > 0.0 {
            c.vline(f.px(0.0), f.plot.y0, f.plot.y1, 1.2, frame::AXIS)?;
        }
        if f.y.lo < 0.0 && f.y.hi > 0.0 {
            c.hline(f.plot.x0, f.plot.x1, f.py(0.0), 1.2, frame::AXIS)?;
        }
        for p in &shown {
            let (px, py) = (f.px(p.x), f.py(p.y));
            if let Some((lo, hi)) = interval(p.x, p.x_lo, p.x_hi) {
                whisker(c, f.px(lo), f.px(hi), py, 5.0, true, whisker_color)?;
            }
            if let Some((lo, hi)) = interval(p.y, p.y_lo, p.y_hi) {
                whisker(c, f.py(lo), f.py(hi), px, 5.0, false, whisker_color)?;
            }
        }
        // Labels keep clear of the points and of the whiskers, then of each other.
        let mut taken: Vec<Rect> = Vec::new();
        for p in &shown {
            let (px, py) = (f.px(p.x), f.py(p.y));
            taken.push(Rect::new(px - POINT_RADIUS, py - POINT_RADIUS, px + POINT_RADIUS, py + POINT_RADIUS));
            if let Some((lo, hi)) = interval(p.x, p.x_lo, p.x_hi) {
                let (a, b) = (f.px(lo), f.px(hi));
                taken.push(Rect::new(a.min(b), py - 5.0, a.max(b), py + 5.0));
            }
            if let Some((lo, hi)) = interval(p.y, p.y_lo, p.y_hi) {
                let (a, b) = (f.py(lo), f.py(hi));
                taken.push(Rect::new(px - 5.0, a.min(b), px + 5.0, a.max(b)));
            }
        }
        for p in &shown {
            c.disc((f.px(p.x), f.py(p.y)), POINT_RADIUS, color, Some((2.0, WHITE)))?;
        }
        let label_h = text_height(POINT_LABEL_SIZE);
        for p in &shown {
            let label = fit_text(&p.label, POINT_LABEL_SIZE, f.plot.width() / 3.0);
            if label.is_empty() {
                continue;
            }
            let lw = text_width(&label, POINT_LABEL_SIZE);
            let r = place_label(lw, label_h, (f.px(p.x), f.py(p.y)), &f.plot, &taken);
            c.text(&label, POINT_LABEL_SIZE, INK, (r.x0, r.y0), HAlign::Left, VAlign::Top)?;
            taken.push(r);
        }
        if shown.is_empty() {
            f.draw_no_data(c)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests;
