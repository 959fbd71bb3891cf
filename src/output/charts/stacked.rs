//! Stacked charts: shares of a whole, or absolute amounts, over time.

use std::path::Path;

use plotters::style::RGBAColor;

use super::canvas::{ensure_font, render_png};
use super::frame::{self, Frame, FrameStyle, Header, LegendEntry, MARGIN, Rect, Swatch, WHITE, palette};
use super::scale::{Axis, TickStyle, extent, padded};
use super::*;

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
