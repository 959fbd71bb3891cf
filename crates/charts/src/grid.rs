//! Small multiples: a grid of panels over shared x values.

use std::path::Path;

use plotters::style::RGBAColor;

use super::canvas::{Canvas, HAlign, VAlign, ensure_font, fit_text, render_png, text_height, text_width};
use super::frame::{
    Frame, FrameStyle, Header, INK, LABEL_SIZE, LegendEntry, MARGIN, MUTED, Rect, Swatch, draw_x_title,
    draw_y_title, palette,
};
use super::scale::{Axis, union};
use super::*;

/// Columns for a grid of `n` panels: close to square, at most five across a 1200-pixel page
/// (six past forty panels), so that 32 states come out as 5 × 7.
pub(super) fn grid_columns(n: usize) -> usize {
    match n {
        0..=3 => n.max(1),
        4 => 2,
        5 | 6 | 9 => 3,
        7 | 8 | 10..=16 => 4,
        17..=40 => 5,
        _ => 6,
    }
}

pub(super) const PANEL_TITLE_SIZE: f64 = 18.0;

/// The frame of a small panel: small ticks, axis titles outside (shared by the grid), room
/// for y tick labels as they need. The panels of scatter grids use it too.
pub(super) fn panel_style() -> FrameStyle {
    FrameStyle {
        tick_size: PANEL_TICK_SIZE,
        title_size: PANEL_TITLE_SIZE,
        x_tick_labels: true,
        y_tick_labels: true,
        vertical_grid: true,
        titles: false,
        min_y_label_w: 0.0,
    }
}
pub(super) const PANEL_TICK_SIZE: f64 = 14.0;
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
    small_multiples_observed(path, text, x, panels, marks, scale, (&[], &[]))
}

/// [`small_multiples`] with observed values and marks of each panel's own: `observed[i]`
/// and `panel_marks[i]` belong to `panels[i]` (shorter slices leave the rest without). The
/// legend names the observations after the first non-empty entry's label.
pub fn small_multiples_observed(
    path: &Path,
    text: &ChartText,
    x: &[f64],
    panels: &[(String, Band)],
    marks: &[Mark],
    scale: PanelScale,
    (observed, panel_marks): (&[Points], &[Vec<Mark>]),
) -> Result<(), ChartError> {
    let color = palette(0);
    let mean = panels.first().map_or("mean", |(_, b)| b.label.as_str());
    let mean = if mean.is_empty() { "mean" } else { mean };
    let refs: Vec<&Points> = observed.iter().collect();
    let own: Vec<Mark> = panel_marks.iter().flatten().cloned().collect();
    let overlay = overlay_legend(&own, &refs);
    // The line is named when it has a band to explain or overlays to be told apart from.
    let mut legend = Vec::new();
    if panels.iter().any(|(_, b)| b.has_band()) {
        legend.push(LegendEntry::new(format!("{mean} ({BAND_NOTE})"), Swatch::LineBand(color, BAND_ALPHA)));
    } else if !overlay.is_empty() {
        legend.push(LegendEntry::new(mean, Swatch::Line(color)));
    }
    legend.extend(overlay);
    let grid: Vec<GridPanel> = panels
        .iter()
        .enumerate()
        .map(|(i, (title, b))| GridPanel {
            title,
            series: vec![(b, color)],
            marks: panel_marks.get(i).map_or(&[][..], |m| &m[..]),
            points: observed.get(i),
        })
        .collect();
    draw_grid(path, text, x, &grid, legend, marks, scale)
}

/// The colour of the reference series in [`panels_against_reference`]: a mid grey, so that
/// the series each panel is about stands out against it.
pub const REFERENCE_COLOR: RGBAColor = RGBAColor(120, 120, 120, 1.0);

/// One panel per series of `others`, each drawn in its own colour over the `reference`
/// series in grey, all on one shared y-range: policies against the baseline, say. Unlike
/// one panel with every series, bands never pile up, however many series there are. The
/// legend names the reference and each series with the colour of its line and band; the
/// panels are titled with the series' labels. `panel_marks[i]`, when given, are drawn in the
/// panel of `others[i]` only (each policy's own windows), after the shared `marks`.
pub fn panels_against_reference(
    path: &Path,
    text: &ChartText,
    x: &[f64],
    reference: &Band,
    others: &[Band],
    marks: &[Mark],
    panel_marks: &[Vec<Mark>],
) -> Result<(), ChartError> {
    let mut legend = vec![LegendEntry::new(&reference.label, Swatch::LineBand(REFERENCE_COLOR, BAND_ALPHA))];
    for (i, b) in others.iter().enumerate() {
        legend.push(LegendEntry::new(&b.label, Swatch::LineBand(palette(i + 1), BAND_ALPHA)));
    }
    let grid: Vec<GridPanel> = others
        .iter()
        .enumerate()
        .map(|(i, b)| GridPanel {
            title: &b.label,
            series: vec![(reference, REFERENCE_COLOR), (b, palette(i + 1))],
            marks: panel_marks.get(i).map_or(&[][..], |m| &m[..]),
            points: None,
        })
        .collect();
    // Each panel's windows are its own policy's: one legend entry says so, instead of one
    // per lever with the same grey swatch.
    if panel_marks.iter().flatten().any(|m| m.end.is_some()) {
        let label = "shaded: the months the panel's policy acts";
        legend.push(LegendEntry::new(label, Swatch::Fill(WINDOW_COLOR)));
    }
    draw_grid(path, text, x, &grid, legend, marks, PanelScale::Shared)
}

/// One panel of a grid: its title and its series with their colours, drawn in order (the
/// last on top).
struct GridPanel<'a> {
    title: &'a str,
    series: Vec<(&'a Band, RGBAColor)>,
    /// This panel's own marks (windows), beside those of every panel.
    marks: &'a [Mark],
    points: Option<&'a Points>,
}

fn draw_grid(
    path: &Path,
    text: &ChartText,
    x: &[f64],
    panels: &[GridPanel],
    mut legend: Vec<LegendEntry>,
    marks: &[Mark],
    scale: PanelScale,
) -> Result<(), ChartError> {
    ensure_font()?;
    check_count("panels", panels.len(), MAX_PANELS)?;
    for p in panels {
        for (b, _) in &p.series {
            check_band(b, x.len())?;
        }
    }
    legend.extend(marks_legend(marks));
    legend.extend(overlay_legend(marks, &[]));
    let header = Header::new(text.title, &legend, WIDTH as f64);
    let g = GridLayout::new(&header, x, panels, scale);
    render_png(path, WIDTH, g.height as u32, |c| {
        header.draw(c)?;
        if panels.is_empty() {
            let f = Frame::layout(g.grid, x_axis(x, 4), line_y_axis(None, 4), &FrameStyle::full());
            f.draw(c, g.grid, "", "", &FrameStyle::full())?;
            f.draw_no_data(c)?;
        }
        for (i, panel) in panels.iter().enumerate() {
            draw_panel(c, &g.frames[i], &g.styles[i], panel, x, marks, g.extents[i].is_none())?;
        }
        let plots = g.frames.iter().map(|f| f.plot).fold(None, |acc: Option<Rect>, p| {
            Some(match acc {
                None => p,
                Some(a) => Rect::new(a.x0.min(p.x0), a.y0.min(p.y0), a.x1.max(p.x1), a.y1.max(p.y1)),
            })
        });
        let span = plots.unwrap_or(g.grid);
        draw_x_title(c, text.x_label, LABEL_SIZE, span.x0, span.x1, g.height - MARGIN)?;
        draw_y_title(c, text.y_label, LABEL_SIZE, MARGIN, span.y0, span.y1)
    })
}

/// One legend entry naming the labelled marks (dashed lines), if there are any.
fn marks_legend(marks: &[Mark]) -> Option<LegendEntry> {
    let mut mark_labels: Vec<&str> = Vec::new();
    for m in marks.iter().filter(|m| m.x.is_finite() && !m.label.is_empty() && !m.is_window()) {
        if !mark_labels.contains(&m.label.as_str()) {
            mark_labels.push(&m.label);
        }
    }
    (!mark_labels.is_empty()).then(|| LegendEntry::new(mark_labels.join(", "), Swatch::Dashed(MARK_COLOR)))
}

/// Where a grid's panels go: the page's height, the grid's box, each panel's frame and
/// drawing style, and each panel's data extent (`None`: no data).
struct GridLayout {
    height: f64,
    grid: Rect,
    frames: Vec<Frame>,
    styles: Vec<FrameStyle>,
    extents: Vec<Option<(f64, f64)>>,
}

impl GridLayout {
    fn new(header: &Header, x: &[f64], panels: &[GridPanel], scale: PanelScale) -> GridLayout {
        let w = WIDTH as f64;
        let n = panels.len();
        let cols = grid_columns(n);
        let rows = n.div_ceil(cols).max(1);
        let y_title_w = text_height(LABEL_SIZE) + 14.0;
        let x_title_h = text_height(LABEL_SIZE) + 12.0;
        let avail = HEIGHT as f64 - header.height - MARGIN - x_title_h;
        let cell_h = (avail / rows as f64).max(PANEL_MIN_HEIGHT);
        let height = (header.height + rows as f64 * cell_h + x_title_h + MARGIN).ceil();
        let grid =
            Rect::new(MARGIN + y_title_w, header.height, w - MARGIN, header.height + rows as f64 * cell_h);

        let refs: Vec<Vec<&Band>> =
            panels.iter().map(|p| p.series.iter().map(|(b, _)| *b).collect()).collect();
        let extents: Vec<Option<(f64, f64)>> = refs
            .iter()
            .zip(panels)
            .map(|(b, p)| union(bands_extent(x, b), p.points.and_then(Points::extent)))
            .collect();
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
        let style = FrameStyle { min_y_label_w: label_w, ..panel_style() };
        // With a shared scale only the left column carries y tick labels, so only it gets
        // room for them; the other columns are narrower cells with plots of the same width.
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
        // Only the bottom panel of each column labels the x ticks.
        let styles =
            (0..n).map(|i| FrameStyle { x_tick_labels: i + cols >= n, ..style_at(i % cols) }).collect();
        GridLayout { height, grid, frames, styles, extents }
    }
}

/// One panel of a grid: its frame, title, bands, marks and means.
fn draw_panel(
    c: &mut Canvas,
    f: &Frame,
    style: &FrameStyle,
    panel: &GridPanel,
    x: &[f64],
    marks: &[Mark],
    no_data: bool,
) -> Result<(), ChartError> {
    let cell = Rect::new(f.plot.x0, f.plot.y0, f.plot.x1, f.plot.y1);
    f.draw(c, cell, "", "", style)?;
    let title = fit_text(panel.title, PANEL_TITLE_SIZE, f.plot.width());
    let title_y = f.plot.y0 - text_height(PANEL_TICK_SIZE) / 2.0 - 8.0;
    c.text(&title, PANEL_TITLE_SIZE, INK, (f.plot.x0, title_y), HAlign::Left, VAlign::Bottom)?;
    draw_windows(c, f, marks)?;
    draw_windows(c, f, panel.marks)?;
    for (band, color) in &panel.series {
        draw_band(c, f, x, band, *color)?;
    }
    draw_mark_lines(c, f, marks, 1.2)?;
    for (band, color) in &panel.series {
        draw_mean(c, f, x, &band.mean, *color, 2.0)?;
    }
    if let Some(points) = panel.points {
        draw_points(c, f, points, DOT_RADIUS)?;
    }
    if no_data {
        let at = ((f.plot.x0 + f.plot.x1) / 2.0, (f.plot.y0 + f.plot.y1) / 2.0);
        c.text("no data", PANEL_TICK_SIZE, MUTED, at, HAlign::Center, VAlign::Middle)?;
    }
    Ok(())
}
