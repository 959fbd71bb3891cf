//! Stacked charts: shares of a whole, or absolute amounts, over time.

use std::path::Path;

use plotters::style::RGBAColor;

use super::canvas::{Canvas, HAlign, VAlign, ensure_font, render_png};
use super::frame::{
    self, Frame, FrameStyle, Header, INK, LABEL_SIZE, LegendEntry, MARGIN, Rect, Swatch, WHITE, palette,
};
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

/// A second panel under a stacked chart: small layers (members, prison) as lines with bands
/// on their own scale, so that a layer too thin to see in the stack can still be read.
#[derive(Clone, Copy, Debug)]
pub struct Detail<'a> {
    pub title: &'a str,
    pub y_label: &'a str,
    /// Series named like layers of the stack are drawn in those layers' colours.
    pub series: &'a [Band],
}

/// How a stack is drawn: as shares or amounts, what an empty chart says, and an optional
/// detail panel.
struct StackSpec<'a> {
    shares: bool,
    empty_note: &'a str,
    detail: Option<Detail<'a>>,
}

/// The height of the detail panel under a stack, added to the chart's height.
const DETAIL_HEIGHT: f64 = 330.0;

fn stacked(
    path: &Path,
    text: &ChartText,
    x: &[f64],
    layers: &[Layer],
    spec: StackSpec,
) -> Result<(), ChartError> {
    ensure_font()?;
    check_stack(x, layers, spec.detail.as_ref())?;
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
    let tops = stack(x, &kept, spec.shares);
    // Shares of a single layer are 100% throughout and need no key; amounts always name
    // what they are (a lone lever's spending, say).
    let legend: Vec<LegendEntry> = if kept.len() > 1 || (!spec.shares && !kept.is_empty()) {
        kept.iter().zip(&colors).map(|(l, c)| LegendEntry::new(&l.label, Swatch::Fill(*c))).collect()
    } else {
        Vec::new()
    };
    let w = WIDTH as f64;
    let h = HEIGHT as f64 + if spec.detail.is_some() { DETAIL_HEIGHT } else { 0.0 };
    let header = Header::new(text.title, &legend, w);
    let has_data = tops.iter().any(|t| t.is_some());
    let y = if spec.shares {
        Axis::new(0.0, 100.0, 5, true, TickStyle::Percent)
    } else {
        let top = extent(tops.iter().flatten().filter_map(|t| t.last().copied()));
        let (lo, hi) = padded(top, 0.03, true);
        Axis::new(lo, hi, 6, true, TickStyle::Number)
    };
    let style = FrameStyle::full();
    let split = if spec.detail.is_some() { h - MARGIN - DETAIL_HEIGHT } else { h - MARGIN };
    let area = Rect::new(MARGIN, header.height, w - MARGIN, split);
    let f = Frame::layout(area, x_axis(x, 8), y, &style);
    let detail_area = Rect::new(MARGIN, split + 34.0, w - MARGIN, h - MARGIN);
    let detail = spec.detail.map(|d| {
        let refs: Vec<&Band> = d.series.iter().collect();
        let axis = line_y_axis(bands_extent(x, &refs), 4);
        let color = |i: usize, b: &Band| {
            shown.iter().position(|(_, l)| l.label == b.label).map_or(palette(i), |k| colors[k])
        };
        let colors: Vec<RGBAColor> = d.series.iter().enumerate().map(|(i, b)| color(i, b)).collect();
        (d, Frame::layout(detail_area, f.x.clone(), axis, &style), colors)
    });
    render_png(path, WIDTH, h as u32, |c| {
        header.draw(c)?;
        let x_label = if detail.is_some() { "" } else { text.x_label };
        f.draw(c, area, x_label, text.y_label, &style)?;
        draw_stack(c, &f, x, &tops, &colors)?;
        // The axes go on top again, since the areas cover the bottom axis line.
        c.hline(f.plot.x0, f.plot.x1, f.plot.y1, 1.2, frame::AXIS)?;
        if !has_data {
            f.draw_note(c, spec.empty_note)?;
        }
        if let Some((d, df, colors)) = &detail {
            df.draw(c, detail_area, text.x_label, d.y_label, &style)?;
            draw_detail(c, d, df, x, colors)?;
        }
        Ok(())
    })
}

/// The layers and the detail panel's bands fit `x` and the limits on series.
fn check_stack(x: &[f64], layers: &[Layer], detail: Option<&Detail>) -> Result<(), ChartError> {
    check_count("layers", layers.len(), MAX_SERIES)?;
    for l in layers {
        check_aligned("layer", &l.label, l.values.len(), x.len())?;
    }
    if let Some(d) = detail {
        check_count("series", d.series.len(), MAX_SERIES)?;
        for b in d.series {
            check_band(b, x.len())?;
        }
    }
    Ok(())
}

/// The detail panel's title, bands and means, in its frame `df` (drawn already).
fn draw_detail(
    c: &mut Canvas,
    d: &Detail,
    df: &Frame,
    x: &[f64],
    colors: &[RGBAColor],
) -> Result<(), ChartError> {
    let at = (df.plot.x0, df.plot.y0 - 10.0);
    c.text(d.title, LABEL_SIZE, INK, at, HAlign::Left, VAlign::Bottom)?;
    for (b, color) in d.series.iter().zip(colors) {
        draw_band(c, df, x, b, *color)?;
    }
    for (b, color) in d.series.iter().zip(colors) {
        draw_mean(c, df, x, &b.mean, *color, LINE_WIDTH)?;
    }
    Ok(())
}

/// Stacked areas of each layer's share of the total at every x, from 0 to 100%: the
/// composition of a whole over time (members by rank, say).
///
/// Negative values count as zero; where a layer's value is missing, or the total is zero,
/// the stack has a gap. Layers with no positive value are left out, and the legend (above
/// the plot, in layer order from the bottom of the stack up) lists the rest when there are
/// two or more.
pub fn stacked_shares(path: &Path, text: &ChartText, x: &[f64], layers: &[Layer]) -> Result<(), ChartError> {
    stacked(path, text, x, layers, StackSpec { shares: true, empty_note: "no data to show", detail: None })
}

/// [`stacked_shares`] with a second panel under the stack, on its own scale: the shares of
/// the thin layers as lines with bands (the cartel and prison doors, which hold well under
/// 1% of youths and are invisible in the stack). The image is taller by the panel.
pub fn stacked_shares_with_detail(
    path: &Path,
    text: &ChartText,
    x: &[f64],
    layers: &[Layer],
    detail: Detail,
) -> Result<(), ChartError> {
    let spec = StackSpec { shares: true, empty_note: "no data to show", detail: Some(detail) };
    stacked(path, text, x, layers, spec)
}

/// Stacked areas of absolute values (spending by lever in pesos per month, say): the top of
/// the stack is the total.
///
/// Layers that are zero throughout are left out. Negative values count as zero; where a
/// layer's value is missing the stack has a gap. The legend names every layer shown, even
/// a single one; an empty chart says "no data to show".
pub fn stacked_areas(path: &Path, text: &ChartText, x: &[f64], layers: &[Layer]) -> Result<(), ChartError> {
    stacked_areas_noting(path, text, x, layers, "no data to show")
}

/// [`stacked_areas`] whose empty chart says `empty_note` ("no spending", say) instead.
pub fn stacked_areas_noting(
    path: &Path,
    text: &ChartText,
    x: &[f64],
    layers: &[Layer],
    empty_note: &str,
) -> Result<(), ChartError> {
    stacked(path, text, x, layers, StackSpec { shares: false, empty_note, detail: None })
}
