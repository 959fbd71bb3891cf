//! A heat map of a value over two categorical axes (the levels of a two-factor grid).
//!
//! Colours come from a sequential, colour-blind-safe ramp (viridis, dark purple to
//! yellow), and every cell also prints its value, so the map reads without judging shades.

use std::path::Path;

use plotters::style::RGBAColor;

use super::canvas::{HAlign, VAlign, ensure_font, render_png};
use super::frame::{Frame, FrameStyle, Header, INK, LegendEntry, MARGIN, Rect, Swatch, TICK_SIZE, WHITE};
use super::scale::{Axis, TickStyle};
use super::{ChartError, ChartText, HEIGHT, MAX_BARS, WIDTH};

/// Five stops of viridis; the ramp interpolates between them.
const RAMP: [(f64, f64, f64); 5] =
    [(68.0, 1.0, 84.0), (59.0, 82.0, 139.0), (33.0, 145.0, 140.0), (94.0, 201.0, 98.0), (253.0, 231.0, 37.0)];

fn ramp(t: f64) -> RGBAColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let pos = t * (RAMP.len() - 1) as f64;
    let i = (pos.floor() as usize).min(RAMP.len() - 2);
    let f = pos - i as f64;
    let mix = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
    let (a, b) = (RAMP[i], RAMP[i + 1]);
    RGBAColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2), 1.0)
}

/// A heat map: `values[j][i]` is the cell of `x_levels[i]` and `y_levels[j]` (NaN: no
/// value, drawn grey). The legend gives the colours of the lowest and highest values.
pub fn heatmap(
    path: &Path,
    text: &ChartText,
    x_levels: &[String],
    y_levels: &[String],
    values: &[Vec<f64>],
) -> Result<(), ChartError> {
    ensure_font()?;
    let (nx, ny) = (x_levels.len(), y_levels.len());
    if nx == 0 || ny == 0 || nx * ny > MAX_BARS * 4 {
        return Err(ChartError::Input(format!("a heat map of {nx} × {ny} cells")));
    }
    if values.len() != ny || values.iter().any(|r| r.len() != nx) {
        return Err(ChartError::Input("heat map values do not match its levels".into()));
    }
    let finite: Vec<f64> = values.iter().flatten().copied().filter(|v| v.is_finite()).collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let label_axis = Axis::new(lo.min(hi), hi.max(lo), 5, false, TickStyle::Number);
    let legend = [
        LegendEntry::new(format!("lowest: {}", label_axis.label(lo)), Swatch::Fill(ramp(0.0))),
        LegendEntry::new(format!("highest: {}", label_axis.label(hi)), Swatch::Fill(ramp(1.0))),
    ];
    let (w, h) = (WIDTH as f64, HEIGHT as f64);
    let header = Header::new(text.title, if finite.is_empty() { &[] } else { &legend }, w);
    let style = FrameStyle { vertical_grid: false, ..FrameStyle::full() };
    let area = Rect::new(MARGIN, header.height, w - MARGIN, h - MARGIN);
    // Bare axes over cell indices; the levels are written under and beside the cells.
    let f = Frame::layout(area, Axis::bare(0.0, nx as f64), Axis::bare(0.0, ny as f64), &style);
    let longest = y_levels.iter().map(|l| l.len()).max().unwrap_or(0) as f64;
    let plot = Rect::new(f.plot.x0 + 10.0 * longest.min(12.0), f.plot.y0, f.plot.x1, f.plot.y1 - TICK_SIZE);
    let f = Frame { plot, ..f };
    render_png(path, WIDTH, HEIGHT, |c| {
        header.draw(c)?;
        f.draw(c, area, text.x_label, text.y_label, &style)?;
        let (cw, ch) = (plot.width() / nx as f64, plot.height() / ny as f64);
        for (j, row) in values.iter().enumerate() {
            for (i, &v) in row.iter().enumerate() {
                let (x0, y1) = (plot.x0 + i as f64 * cw, plot.y1 - j as f64 * ch);
                let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                let fill = if v.is_finite() { ramp(t) } else { RGBAColor(200, 200, 200, 1.0) };
                c.rect(x0 + 1.0, y1 - ch + 1.0, x0 + cw - 1.0, y1 - 1.0, fill)?;
                let ink = if v.is_finite() && t > 0.55 { INK } else { WHITE };
                let label = if v.is_finite() { label_axis.label(v) } else { "—".into() };
                let at = (x0 + cw / 2.0, y1 - ch / 2.0);
                c.text(&label, TICK_SIZE, ink, at, HAlign::Center, VAlign::Middle)?;
            }
        }
        for (i, l) in x_levels.iter().enumerate() {
            let at = (plot.x0 + (i as f64 + 0.5) * cw, plot.y1 + 8.0);
            c.text(l, TICK_SIZE, INK, at, HAlign::Center, VAlign::Top)?;
        }
        for (j, l) in y_levels.iter().enumerate() {
            let at = (plot.x0 - 8.0, plot.y1 - (j as f64 + 0.5) * ch);
            c.text(l, TICK_SIZE, INK, at, HAlign::Right, VAlign::Middle)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ramp_runs_dark_to_light_and_survives_nan() {
        let lum = |c: RGBAColor| 0.3 * f64::from(c.0) + 0.59 * f64::from(c.1) + 0.11 * f64::from(c.2);
        assert!(lum(ramp(0.0)) < lum(ramp(0.5)) && lum(ramp(0.5)) < lum(ramp(1.0)));
        assert_eq!(ramp(f64::NAN), ramp(0.0));
    }

    #[test]
    fn a_heat_map_is_drawn_and_bad_shapes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.png");
        let text = ChartText { title: "t", x_label: "x", y_label: "y" };
        let levels = |n: usize| (0..n).map(|i| format!("{i}")).collect::<Vec<_>>();
        let values = vec![vec![1.0, 2.0, f64::NAN], vec![4.0, 5.0, 6.0]];
        heatmap(&path, &text, &levels(3), &levels(2), &values).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
        assert!(heatmap(&path, &text, &levels(2), &levels(2), &values).is_err());
    }
}
