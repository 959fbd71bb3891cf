//! A scatter of labelled points with interval whiskers, in one or several coloured sets
//! (an optimiser's front against reference scenarios, say).

use std::path::Path;

use plotters::style::RGBAColor;

use super::bars::{interval, whisker};
use super::canvas::{Canvas, HAlign, VAlign, ensure_font, fit_text, render_png, text_height, text_width};
use super::frame::{self, Frame, FrameStyle, Header, INK, LegendEntry, MARGIN, Rect, Swatch, WHITE, palette};
use super::scale::{Axis, TickStyle, extent, padded};
use super::*;

pub(super) const POINT_RADIUS: f64 = 7.0;
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

/// One set of points on a scatter: its colour, whether its points are joined by a line (in
/// order of x: an optimiser's front reads as a frontier), and its name in the legend.
pub struct ScatterSet<'a> {
    pub points: &'a [PointItem],
    pub color: RGBAColor,
    pub joined: bool,
    pub legend: Option<&'a str>,
}

/// A scatter of labelled points with optional interval whiskers on either axis: policies by
/// cost (x) and effect (y), say. Labels are placed next to their points, avoiding other
/// points and labels where there is room. Zero lines are drawn when zero is inside a range,
/// since the sign of a cost or an effect matters to the reader.
pub fn scatter_labeled(path: &Path, text: &ChartText, points: &[PointItem]) -> Result<(), ChartError> {
    let set = ScatterSet { points, color: palette(0), joined: false, legend: None };
    scatter_sets(path, text, &[set])
}

/// An axis range around `ext`, padded, that does not go below zero when no value does:
/// counts, rates and money never get a negative axis (a reader would look for values there).
pub(super) fn axis_range(ext: Option<(f64, f64)>) -> (f64, f64) {
    let (lo, hi) = padded(ext, 0.08, false);
    match ext {
        Some((min, _)) if min >= 0.0 => (lo.max(0.0), hi),
        _ => (lo, hi),
    }
}

/// Several sets of labelled points on one scatter, each in its own colour (named in the
/// legend when it has a name); later sets are drawn over earlier ones.
pub fn scatter_sets(path: &Path, text: &ChartText, sets: &[ScatterSet<'_>]) -> Result<(), ChartError> {
    ensure_font()?;
    let shown: Vec<(&PointItem, &ScatterSet)> = sets
        .iter()
        .flat_map(|s| s.points.iter().map(move |p| (p, s)))
        .filter(|(p, _)| p.x.is_finite() && p.y.is_finite())
        .collect();
    let x_ext = extent(shown.iter().flat_map(|(p, _)| [Some(p.x), p.x_lo, p.x_hi]).flatten());
    let y_ext = extent(shown.iter().flat_map(|(p, _)| [Some(p.y), p.y_lo, p.y_hi]).flatten());
    let (w, h) = (WIDTH as f64, HEIGHT as f64);
    let legend: Vec<LegendEntry> = sets
        .iter()
        .filter_map(|s| s.legend.map(|name| LegendEntry::new(name, Swatch::Fill(s.color))))
        .collect();
    let header = Header::new(text.title, &legend, w);
    let (xlo, xhi) = axis_range(x_ext);
    let (ylo, yhi) = axis_range(y_ext);
    let style = FrameStyle::full();
    let area = Rect::new(MARGIN, header.height, w - MARGIN, h - MARGIN);
    let f = Frame::layout(
        area,
        Axis::new(xlo, xhi, 8, true, TickStyle::Number),
        Axis::new(ylo, yhi, 6, true, TickStyle::Number),
        &style,
    );
    render_png(path, WIDTH, HEIGHT, |c| {
        header.draw(c)?;
        f.draw(c, area, text.x_label, text.y_label, &style)?;
        if f.x.lo < 0.0 && f.x.hi > 0.0 {
            c.vline(f.px(0.0), f.plot.y0, f.plot.y1, 1.2, frame::AXIS)?;
        }
        if f.y.lo < 0.0 && f.y.hi > 0.0 {
            c.hline(f.plot.x0, f.plot.x1, f.py(0.0), 1.2, frame::AXIS)?;
        }
        let points: Vec<&PointItem> = shown.iter().map(|(p, _)| *p).collect();
        draw_whiskers(c, &f, &points)?;
        for s in sets.iter().filter(|s| s.joined) {
            let mut line: Vec<(f64, f64)> =
                s.points.iter().filter(|p| p.x.is_finite() && p.y.is_finite()).map(|p| (p.x, p.y)).collect();
            line.sort_by(|a, b| a.0.total_cmp(&b.0));
            let px: Vec<(f64, f64)> = line.iter().map(|&(x, y)| (f.px(x), f.py(y))).collect();
            c.polyline(&px, 2.0, s.color)?;
        }
        for (p, s) in &shown {
            c.disc((f.px(p.x), f.py(p.y)), POINT_RADIUS, s.color, Some((2.0, WHITE)))?;
        }
        draw_labels(c, &f, &points, POINT_LABEL_SIZE, f.plot.width() / 3.0)?;
        if shown.is_empty() {
            f.draw_no_data(c)?;
        }
        Ok(())
    })
}

pub(super) fn draw_whiskers(c: &mut Canvas<'_>, f: &Frame, shown: &[&PointItem]) -> Result<(), ChartError> {
    let whisker_color = RGBAColor(90, 90, 90, 1.0);
    for p in shown {
        let (px, py) = (f.px(p.x), f.py(p.y));
        if let Some((lo, hi)) = interval(p.x, p.x_lo, p.x_hi) {
            whisker(c, f.px(lo), f.px(hi), py, 5.0, true, whisker_color)?;
        }
        if let Some((lo, hi)) = interval(p.y, p.y_lo, p.y_hi) {
            whisker(c, f.py(lo), f.py(hi), px, 5.0, false, whisker_color)?;
        }
    }
    Ok(())
}

/// Labels (`size` pixels, cut to `max_w`) keep clear of the points and
/// of the whiskers, then of each other; a point with an empty label gets none.
pub(super) fn draw_labels(
    c: &mut Canvas<'_>,
    f: &Frame,
    shown: &[&PointItem],
    size: f64,
    max_w: f64,
) -> Result<(), ChartError> {
    let mut taken: Vec<Rect> = Vec::new();
    for p in shown {
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
    let label_h = text_height(size);
    for p in shown {
        let label = fit_text(&p.label, size, max_w);
        if label.is_empty() {
            continue;
        }
        let lw = text_width(&label, size);
        let r = place_label(lw, label_h, (f.px(p.x), f.py(p.y)), &f.plot, &taken);
        // A light backing keeps a label legible where it must lie over a dense cluster.
        c.rect(r.x0 - 2.0, r.y0, r.x1 + 2.0, r.y1, frame::with_alpha(WHITE, 0.75))?;
        c.text(&label, size, INK, (r.x0, r.y0), HAlign::Left, VAlign::Top)?;
        taken.push(r);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::axis_range;

    /// Fails if: a scatter of non-negative values (money, counts) gets an axis below zero,
    /// as the optimiser's chart once did (spending from −2M), or a signed one loses its sign.
    #[test]
    fn non_negative_values_never_get_a_negative_axis() {
        let (lo, hi) = axis_range(Some((0.0, 9.2e6)));
        assert_eq!(lo, 0.0);
        assert!(hi >= 9.2e6);
        let (lo, _) = axis_range(Some((21.0, 45.0)));
        assert!(lo > 0.0 && lo <= 21.0, "{lo}");
        let (lo, hi) = axis_range(Some((-3.0, 5.0)));
        assert!(lo < -3.0 && hi > 5.0);
    }
}
