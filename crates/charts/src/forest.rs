//! The forest plot: one row per study, grouped under titles, with two intervals side by
//! side on one value axis (a published estimate and a model's), and a line at no effect.

use std::path::Path;

use super::bars::whisker;
use super::canvas::{HAlign, VAlign, ensure_font, fit_text, render_png, text_height, text_width};
use super::frame::{
    Frame, FrameStyle, Header, INK, LABEL_SIZE, LegendEntry, MARGIN, Rect, Swatch, TICK_SIZE, draw_x_title,
    palette,
};
use super::scale::{Axis, TickStyle, extent, padded};
use super::*;

/// One row of a forest plot: (point, lo, hi) published and modelled.
#[derive(Clone, Debug, PartialEq)]
pub struct ForestRow {
    pub label: String,
    pub group: String,
    pub published: (f64, f64, f64),
    pub model: (f64, f64, f64),
}

const ROW_H: f64 = 46.0;
const GROUP_H: f64 = 34.0;
const LABEL_SIZE_ROW: f64 = 17.0;

/// The rows in groups, each group's rows in their order, groups in order of first
/// appearance.
fn grouped(rows: &[ForestRow]) -> Vec<(&str, Vec<&ForestRow>)> {
    let mut out: Vec<(&str, Vec<&ForestRow>)> = Vec::new();
    for r in rows {
        match out.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, v)) => v.push(r),
            None => out.push((&r.group, vec![r])),
        }
    }
    out
}

/// One interval as a whisker with its point: `k` 0 (published) sits above the row's
/// middle, 1 (model) below.
fn draw_interval(
    c: &mut canvas::Canvas,
    f: &Frame,
    (v, lo, hi): (f64, f64, f64),
    y: f64,
    k: usize,
) -> Result<(), ChartError> {
    let color = palette(k);
    if lo.is_finite() && hi.is_finite() {
        whisker(c, f.px(lo), f.px(hi), y, 5.0, true, color)?;
    }
    c.disc((f.px(v), y), 6.0, color, Some((1.5, INK)))
}

/// A forest plot of `rows` into `path`; `text.y_label` names the value axis.
pub fn forest(path: &Path, text: &ChartText, rows: &[ForestRow]) -> Result<(), ChartError> {
    forest_labelled(
        path,
        text,
        rows,
        ["published (interval or band)", "model (95% interval across replicates)"],
    )
}

/// [`forest`] with the legend's names of the two intervals (`published` first, `model`
/// second).
pub fn forest_labelled(
    path: &Path,
    text: &ChartText,
    rows: &[ForestRow],
    names: [&str; 2],
) -> Result<(), ChartError> {
    ensure_font()?;
    check_count("rows", rows.len(), MAX_BARS)?;
    let groups = grouped(rows);
    let w = WIDTH as f64;
    let legend = [
        LegendEntry::new(names[0], Swatch::Line(palette(0))),
        LegendEntry::new(names[1], Swatch::Line(palette(1))),
    ];
    let header = Header::new(text.title, &legend, w);
    let values = rows
        .iter()
        .flat_map(|r| [r.published.0, r.published.1, r.published.2, r.model.0, r.model.1, r.model.2, 0.0]);
    let (lo, hi) = padded(extent(values.filter(|v| v.is_finite())), 0.05, false);
    let axis = Axis::new(lo, hi, 8, true, TickStyle::Number);
    let label_col =
        rows.iter().map(|r| text_width(&r.label, LABEL_SIZE_ROW)).fold(0.0, f64::max).min(0.34 * w);
    let plot_x0 = MARGIN + label_col + 16.0;
    let body = groups.len() as f64 * GROUP_H + rows.len().max(1) as f64 * ROW_H;
    let axis_h = text_height(TICK_SIZE) + 2.0 * text_height(LABEL_SIZE) + 30.0;
    let h = (header.height + body + axis_h + MARGIN).max(HEIGHT as f64).ceil();
    let plot = Rect::new(plot_x0, header.height, w - MARGIN - 20.0, header.height + body);
    let f = Frame { plot, x: axis, y: Axis::bare(0.0, 1.0) };
    let style = FrameStyle { y_tick_labels: false, titles: false, ..FrameStyle::full() };
    render_png(path, WIDTH, h as u32, |c| {
        header.draw(c)?;
        f.draw(c, f.plot, "", "", &style)?;
        c.dashed_vline(f.px(0.0), f.plot.y0, f.plot.y1, 2.0, (8.0, 6.0), INK)?;
        let mut y = f.plot.y0;
        for (g, items) in &groups {
            let title = fit_text(g, LABEL_SIZE, w - 2.0 * MARGIN);
            c.text(&title, LABEL_SIZE, INK, (MARGIN, y + GROUP_H - 8.0), HAlign::Left, VAlign::Bottom)?;
            y += GROUP_H;
            for r in items {
                let mid = y + ROW_H / 2.0;
                let label = fit_text(&r.label, LABEL_SIZE_ROW, label_col);
                c.text(&label, LABEL_SIZE_ROW, INK, (plot_x0 - 10.0, mid), HAlign::Right, VAlign::Middle)?;
                draw_interval(c, &f, r.published, mid - 9.0, 0)?;
                draw_interval(c, &f, r.model, mid + 9.0, 1)?;
                y += ROW_H;
            }
        }
        draw_x_title(c, text.y_label, LABEL_SIZE, f.plot.x0, f.plot.x1, h - MARGIN)
    })
}
