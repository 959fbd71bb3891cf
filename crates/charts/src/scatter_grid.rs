//! Scatter panels: one small scatter per kind of point, each on its own scale, with an
//! optional 1:1 line. A calibration's targets mix quantities of very different sizes (a
//! homicide rate near 10, members near 1,300): on one shared scatter the small ones pile up
//! at the origin; in panels of their own each kind reads.

use std::path::Path;

use super::canvas::{Canvas, HAlign, VAlign, ensure_font, fit_text, render_png, text_height};
use super::frame::{
    AXIS, Frame, Header, INK, LABEL_SIZE, LegendEntry, MARGIN, Rect, Swatch, WHITE, draw_x_title,
    draw_y_title, palette,
};
use super::grid::{PANEL_TICK_SIZE, PANEL_TITLE_SIZE, grid_columns, panel_style};
use super::scale::{Axis, TickStyle, extent, union};
use super::scatter::{POINT_RADIUS, axis_range, draw_labels, draw_whiskers};
use super::*;

const PANEL_LABEL_SIZE: f64 = 14.0;
/// Scatter panels need height to separate points: a grid grows past 750 pixels instead.
const PANEL_MIN_HEIGHT: f64 = 340.0;
/// The colour of the 1:1 line: the grey of reference marks.
const IDENTITY_COLOR: plotters::style::RGBAColor = REFERENCE_COLOR;

/// One panel of [`scatter_panels`]: its title and points. A point with an empty label is
/// drawn unlabelled, so that the caller labels only the points worth reading.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScatterPanel {
    pub title: String,
    pub points: Vec<PointItem>,
}

/// Columns for `n` scatter panels: at most two up to four panels (scatters want width as
/// much as height), then as [`small_multiples`] does.
fn columns(n: usize) -> usize {
    if n <= 4 { n.clamp(1, 2) } else { grid_columns(n) }
}

/// One small scatter per panel, each on its own scale, with whiskers and the labels the
/// points carry. With `identity`, x and y share one range within each panel and a grey
/// 1:1 line (y = x) is drawn and named in the legend: observed against simulated, say.
pub fn scatter_panels(
    path: &Path,
    text: &ChartText,
    panels: &[ScatterPanel],
    identity: bool,
) -> Result<(), ChartError> {
    ensure_font()?;
    check_count("panels", panels.len(), MAX_PANELS)?;
    let legend: Vec<LegendEntry> = if identity {
        vec![LegendEntry::new("1:1 line (y = x)", Swatch::Line(IDENTITY_COLOR))]
    } else {
        Vec::new()
    };
    let header = Header::new(text.title, &legend, WIDTH as f64);
    let cols = columns(panels.len());
    let rows = panels.len().div_ceil(cols).max(1);
    let x_title_h = text_height(LABEL_SIZE) + 12.0;
    let avail = HEIGHT as f64 - header.height - MARGIN - x_title_h;
    let cell_h = (avail / rows as f64).max(PANEL_MIN_HEIGHT);
    let height = (header.height + rows as f64 * cell_h + x_title_h + MARGIN).ceil();
    let y_title_w = text_height(LABEL_SIZE) + 14.0;
    let grid =
        Rect::new(MARGIN + y_title_w, header.height, WIDTH as f64 - MARGIN, height - x_title_h - MARGIN);
    let cell_w = grid.width() / cols as f64;
    let frames: Vec<Frame> = panels
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (r, c) = (i / cols, i % cols);
            let cell = Rect::new(
                grid.x0 + c as f64 * cell_w,
                grid.y0 + r as f64 * cell_h + PANEL_TITLE_SIZE * 1.6,
                grid.x0 + (c + 1) as f64 * cell_w - 16.0,
                grid.y0 + (r + 1) as f64 * cell_h - 8.0,
            );
            let (x, y) = panel_axes(&p.points, identity);
            Frame::layout(cell, x, y, &panel_style())
        })
        .collect();
    render_png(path, WIDTH, height as u32, |c| {
        header.draw(c)?;
        for (p, f) in panels.iter().zip(&frames) {
            draw_panel(c, f, p, identity)?;
        }
        draw_x_title(c, text.x_label, LABEL_SIZE, grid.x0, grid.x1, height - MARGIN)?;
        draw_y_title(c, text.y_label, LABEL_SIZE, MARGIN, grid.y0, grid.y1)
    })
}

/// A panel's axes around its finite points and whiskers; with `identity`, one range for
/// both, so that y = x is the diagonal.
fn panel_axes(points: &[PointItem], identity: bool) -> (Axis, Axis) {
    let finite = points.iter().filter(|p| p.x.is_finite() && p.y.is_finite());
    let xs = extent(finite.clone().flat_map(|p| [Some(p.x), p.x_lo, p.x_hi]).flatten());
    let ys = extent(finite.flat_map(|p| [Some(p.y), p.y_lo, p.y_hi]).flatten());
    let (xs, ys) = if identity { (union(xs, ys), union(xs, ys)) } else { (xs, ys) };
    let axis = |e| {
        let (lo, hi) = axis_range(e);
        Axis::new(lo, hi, 4, true, TickStyle::Number)
    };
    (axis(xs), axis(ys))
}

fn draw_panel(c: &mut Canvas<'_>, f: &Frame, panel: &ScatterPanel, identity: bool) -> Result<(), ChartError> {
    f.draw(c, f.plot, "", "", &panel_style())?;
    let title = fit_text(&panel.title, PANEL_TITLE_SIZE, f.plot.width());
    let title_y = f.plot.y0 - text_height(PANEL_TICK_SIZE) / 2.0 - 8.0;
    c.text(&title, PANEL_TITLE_SIZE, INK, (f.plot.x0, title_y), HAlign::Left, VAlign::Bottom)?;
    if identity {
        let (lo, hi) = (f.x.lo.max(f.y.lo), f.x.hi.min(f.y.hi));
        c.polyline(&[(f.px(lo), f.py(lo)), (f.px(hi), f.py(hi))], 1.5, IDENTITY_COLOR)?;
    } else if f.y.lo < 0.0 && f.y.hi > 0.0 {
        c.hline(f.plot.x0, f.plot.x1, f.py(0.0), 1.2, AXIS)?;
    }
    let shown: Vec<&PointItem> = panel.points.iter().filter(|p| p.x.is_finite() && p.y.is_finite()).collect();
    draw_whiskers(c, f, &shown)?;
    for p in &shown {
        c.disc((f.px(p.x), f.py(p.y)), POINT_RADIUS * 0.75, palette(0), Some((1.5, WHITE)))?;
    }
    draw_labels(c, f, &shown, PANEL_LABEL_SIZE, f.plot.width() * 0.7)?;
    if shown.is_empty() {
        f.draw_no_data(c)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails if: a panel of small values shares the scale of a panel of large ones (the
    /// calibration's 77 rate rows piled up at the origin beside its members row, issue 27
    /// item 10), or a panel lacks its 1:1 line.
    #[test]
    fn scatter_panels_give_each_kind_its_own_scale_and_a_1_to_1_line() {
        let point = |label: &str, x: f64, y: f64| PointItem {
            label: label.into(),
            x,
            y,
            y_lo: Some(y * 0.8),
            y_hi: Some(y * 1.2),
            ..Default::default()
        };
        let rates: Vec<PointItem> =
            (0..40).map(|k| point("", 5.0 + k as f64 * 0.3, 6.0 + k as f64 * 0.25)).collect();
        let members: Vec<PointItem> = (0..6)
            .map(|k| point(if k == 0 { "worst" } else { "" }, 600.0 + 180.0 * k as f64, 1300.0))
            .collect();
        let panels = [
            ScatterPanel { title: "homicide_rate by region".into(), points: rates },
            ScatterPanel { title: "members, national".into(), points: members },
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("panels.png");
        let text = ChartText { title: "targets", x_label: "observed", y_label: "simulated" };
        scatter_panels(&path, &text, &panels, true).unwrap();
        let img = image::open(&path).unwrap().to_rgb8();
        assert_eq!(img.width(), WIDTH);
        let (w, h) = img.dimensions();
        let blue = [palette(0).0, palette(0).1, palette(0).2];
        let grey = [REFERENCE_COLOR.0, REFERENCE_COLOR.1, REFERENCE_COLOR.2];
        for half in [0..w / 2, w / 2..w] {
            let pixels = |c: [u8; 3]| -> Vec<u32> {
                (h / 5..h)
                    .flat_map(|y| half.clone().map(move |x| (x, y)))
                    .filter(|&(x, y)| img.get_pixel(x, y).0 == c)
                    .map(|(x, _)| x)
                    .collect()
            };
            let xs = pixels(blue);
            let spread = xs.iter().max().unwrap() - xs.iter().min().unwrap();
            assert!(spread > w / 5, "points of a panel bunched into {spread} pixels");
            assert!(pixels(grey).len() > 200, "1:1 line missing from a panel");
        }
    }
}
