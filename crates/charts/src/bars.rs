//! Bar charts with interval whiskers, and the tornado chart built on them.

use std::path::Path;

use plotters::style::RGBAColor;

use super::canvas::{
    Canvas, HAlign, VAlign, ensure_font, fit_text, render_png, text_height, text_width, wrap_text,
};
use super::frame::{
    Frame, FrameStyle, Header, INK, LABEL_SIZE, MARGIN, MUTED, NOTE_SIZE, Rect, TICK_SIZE, WHITE,
    draw_x_title, draw_y_title, palette,
};
use super::scale::{Axis, TickStyle, extent, padded};
use super::*;

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
pub(super) fn whisker(
    canvas: &mut Canvas,
    a: f64,
    b: f64,
    at: f64,
    cap: f64,
    horizontal: bool,
    color: RGBAColor,
) -> Result<(), ChartError> {
    // A white halo under the whisker keeps it visible across a dark bar (black, say).
    for (width, color) in [(4.5, WHITE), (2.0, color)] {
        if horizontal {
            canvas.hline(a.min(b), a.max(b), at, width, color)?;
            canvas.vline(a, at - cap, at + cap, width, color)?;
            canvas.vline(b, at - cap, at + cap, width, color)?;
        } else {
            canvas.vline(at, a.min(b), a.max(b), width, color)?;
            canvas.hline(at - cap, at + cap, a, width, color)?;
            canvas.hline(at - cap, at + cap, b, width, color)?;
        }
    }
    Ok(())
}

/// The ends of a bar's whisker in value units, if it has one: a missing side runs to the
/// bar's end, so a one-sided interval still shows.
pub(super) fn interval(value: f64, lo: Option<f64>, hi: Option<f64>) -> Option<(f64, f64)> {
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
            horizontal_panel(c, f, p, slot, label_col)?;
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
            vertical_panel(c, f, p, slot, label_size, label_lines)?;
        }
        let (left, right) = match (frames.first(), frames.last()) {
            (Some(a), Some(b)) => (a.plot.x0, b.plot.x1),
            _ => (x0, w - MARGIN),
        };
        draw_x_title(c, text.x_label, LABEL_SIZE, left, right, h - MARGIN)?;
        draw_y_title(c, text.y_label, LABEL_SIZE, MARGIN, top, bottom)
    })
}

/// The bars of one horizontal panel, `slot` pixels apart, labelled in a column of
/// `label_col` pixels left of the plot.
fn horizontal_panel(
    c: &mut Canvas,
    f: &Frame,
    p: &BarPanel,
    slot: f64,
    label_col: f64,
) -> Result<(), ChartError> {
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
    Ok(())
}

/// The bars of one vertical panel, `slot` pixels apart, labelled below the plot in at most
/// `label_lines` lines of `label_size`.
fn vertical_panel(
    c: &mut Canvas,
    f: &Frame,
    p: &BarPanel,
    slot: f64,
    label_size: f64,
    label_lines: usize,
) -> Result<(), ChartError> {
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
    Ok(())
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
