//! The parts that every chart shares: colours, the header (title and legend above the
//! plot, so the legend never covers data), and the frame of an x–y plot (grid, axes, tick
//! labels, axis titles).

use plotters::style::{RGBAColor, RGBColor};

use super::ChartError;
use super::canvas::{Canvas, HAlign, VAlign, fit_text, text_height, text_width, wrap_text};
use super::scale::Axis;

/// Font sizes in pixels, chosen to stay readable when a 1200-pixel-wide chart is shrunk to
/// the width of a report page.
pub(crate) const TITLE_SIZE: f64 = 32.0;
pub(crate) const LABEL_SIZE: f64 = 22.0;
pub(crate) const TICK_SIZE: f64 = 18.0;
pub(crate) const LEGEND_SIZE: f64 = 20.0;
pub(crate) const NOTE_SIZE: f64 = 16.0;

/// Outer margin between the chart and the edge of the image.
pub(crate) const MARGIN: f64 = 16.0;

pub(crate) const INK: RGBAColor = RGBAColor(34, 34, 34, 1.0);
pub(crate) const MUTED: RGBAColor = RGBAColor(85, 85, 85, 1.0);
pub(crate) const GRID: RGBAColor = RGBAColor(228, 228, 228, 1.0);
pub(crate) const AXIS: RGBAColor = RGBAColor(90, 90, 90, 1.0);
pub(crate) const WHITE: RGBAColor = RGBAColor(255, 255, 255, 1.0);

/// The Okabe–Ito palette, which stays distinguishable under the common forms of colour
/// blindness, with its yellow (too faint on white for a line, a bar or text) replaced by
/// Paul Tol's wine, which stays apart from vermillion and reddish purple under the common
/// colour-vision deficiencies. Blue and vermillion come first because they contrast best on
/// white.
const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(230, 159, 0),   // orange
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
    RGBColor(136, 34, 85),   // wine (Tol), in place of Okabe–Ito's yellow, faint on white
];

/// The colour of the `i`-th series. Past eight series the palette repeats, lightened and
/// then greyed, so that neighbours in a long legend still differ.
pub(crate) fn palette(i: usize) -> RGBAColor {
    let RGBColor(r, g, b) = OKABE_ITO[i % OKABE_ITO.len()];
    let round = i / OKABE_ITO.len();
    // Towards white, then towards mid grey (which, unlike black, also changes black).
    let (target, amount) = match round % 3 {
        0 => (0.0, 0.0),
        1 => (255.0, 0.45),
        _ => (128.0, 0.5),
    };
    let mix = |c: u8| (c as f64 + (target - c as f64) * amount).round() as u8;
    RGBAColor(mix(r), mix(g), mix(b), 1.0)
}

/// A colour with a new opacity.
pub(crate) fn with_alpha(c: RGBAColor, alpha: f64) -> RGBAColor {
    RGBAColor(c.0, c.1, c.2, alpha)
}

/// An axis-aligned rectangle in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    pub fn new(x0: f64, y0: f64, x1: f64, y1: f64) -> Rect {
        Rect { x0, y0, x1, y1 }
    }

    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }

    /// The area shared with `o`, zero when they do not overlap.
    pub fn overlap_area(&self, o: &Rect) -> f64 {
        let w = (self.x1.min(o.x1) - self.x0.max(o.x0)).max(0.0);
        let h = (self.y1.min(o.y1) - self.y0.max(o.y0)).max(0.0);
        w * h
    }
}

/// What a legend entry shows next to its label.
#[derive(Clone, Debug)]
pub(crate) enum Swatch {
    /// A line in the series colour.
    Line(RGBAColor),
    /// A filled block, for areas and bars.
    Fill(RGBAColor),
    /// A dashed vertical marker.
    Dashed(RGBAColor),
    /// A mean line over its translucent band, both in the series colour (the colour is the
    /// line's; the band takes it at the bands' opacity), so the swatch looks like the data.
    LineBand(RGBAColor, f64),
    /// A dot with a white halo: observed values.
    Dot(RGBAColor),
}

#[derive(Clone, Debug)]
pub(crate) struct LegendEntry {
    pub label: String,
    pub swatch: Swatch,
}

impl LegendEntry {
    pub fn new(label: impl Into<String>, swatch: Swatch) -> LegendEntry {
        LegendEntry { label: label.into(), swatch }
    }
}

const SWATCH_W: f64 = 30.0;
const SWATCH_GAP: f64 = 8.0;
const ENTRY_GAP: f64 = 28.0;
const LEGEND_ROW: f64 = 30.0;
const TITLE_LINE: f64 = TITLE_SIZE * 1.25;

/// The title and legend laid out across the top of the image.
pub(crate) struct Header {
    title_lines: Vec<String>,
    /// Each row: the entries in it with their labels as fitted, and the row's width.
    rows: Vec<(Vec<LegendEntry>, f64)>,
    width: f64,
    pub height: f64,
}

impl Header {
    /// Lay out `title` (wrapped to two lines at most) and the legend entries (in rows,
    /// centred) across an image `width` pixels wide.
    pub fn new(title: &str, entries: &[LegendEntry], width: f64) -> Header {
        let usable = width - 2.0 * MARGIN;
        let title_lines = wrap_text(title, TITLE_SIZE, usable, 2);
        let mut rows: Vec<(Vec<LegendEntry>, f64)> = Vec::new();
        let mut row: Vec<LegendEntry> = Vec::new();
        let mut row_w = 0.0;
        for e in entries {
            let label = fit_text(&e.label, LEGEND_SIZE, usable - SWATCH_W - SWATCH_GAP);
            let w = SWATCH_W + SWATCH_GAP + text_width(&label, LEGEND_SIZE);
            let needed = if row.is_empty() { w } else { row_w + ENTRY_GAP + w };
            if needed > usable && !row.is_empty() {
                rows.push((std::mem::take(&mut row), row_w));
                row_w = w;
            } else {
                row_w = needed;
            }
            row.push(LegendEntry { label, swatch: e.swatch.clone() });
        }
        if !row.is_empty() {
            rows.push((row, row_w));
        }
        let mut height = MARGIN + title_lines.len() as f64 * TITLE_LINE;
        if !rows.is_empty() {
            height += 6.0 + rows.len() as f64 * LEGEND_ROW;
        }
        height += 14.0;
        Header { title_lines, rows, width, height }
    }

    pub fn draw(&self, canvas: &mut Canvas) -> Result<(), ChartError> {
        let mut y = MARGIN;
        for line in &self.title_lines {
            canvas.text(
                line,
                TITLE_SIZE,
                INK,
                (self.width / 2.0, y + (TITLE_LINE - text_height(TITLE_SIZE)) / 2.0),
                HAlign::Center,
                VAlign::Top,
            )?;
            y += TITLE_LINE;
        }
        y += 6.0;
        for (entries, row_w) in &self.rows {
            let mut x = (self.width - row_w) / 2.0;
            let mid = y + LEGEND_ROW / 2.0;
            for e in entries {
                draw_swatch(canvas, &e.swatch, x, mid)?;
                let tx = x + SWATCH_W + SWATCH_GAP;
                canvas.text(&e.label, LEGEND_SIZE, INK, (tx, mid), HAlign::Left, VAlign::Middle)?;
                x = tx + text_width(&e.label, LEGEND_SIZE) + ENTRY_GAP;
            }
            y += LEGEND_ROW;
        }
        Ok(())
    }
}

fn draw_swatch(canvas: &mut Canvas, s: &Swatch, x: f64, mid: f64) -> Result<(), ChartError> {
    match s {
        Swatch::Line(c) => canvas.hline(x, x + SWATCH_W, mid, 3.5, *c),
        Swatch::Fill(c) => canvas.rect(x, mid - 9.0, x + SWATCH_W, mid + 9.0, *c),
        Swatch::LineBand(c, alpha) => {
            canvas.rect(x, mid - 9.0, x + SWATCH_W, mid + 9.0, with_alpha(*c, *alpha))?;
            canvas.hline(x, x + SWATCH_W, mid, 3.5, *c)
        }
        Swatch::Dashed(c) => {
            canvas.dashed_vline(x + SWATCH_W / 2.0, mid - 11.0, mid + 11.0, 2.0, (5.0, 3.0), *c)
        }
        Swatch::Dot(c) => {
            canvas.disc((x + SWATCH_W / 2.0, mid), 5.0, *c, Some((2.5, RGBAColor(255, 255, 255, 1.0))))
        }
    }
}

/// How an x–y frame is drawn.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FrameStyle {
    pub tick_size: f64,
    pub title_size: f64,
    pub x_tick_labels: bool,
    pub y_tick_labels: bool,
    pub vertical_grid: bool,
    /// Whether room is kept for the axis titles (small multiples put them outside).
    pub titles: bool,
    /// Room kept for y tick labels at least, so that frames side by side line up.
    pub min_y_label_w: f64,
}

impl FrameStyle {
    /// The style of a full-size chart.
    pub fn full() -> FrameStyle {
        FrameStyle {
            tick_size: TICK_SIZE,
            title_size: LABEL_SIZE,
            x_tick_labels: true,
            y_tick_labels: true,
            vertical_grid: true,
            titles: true,
            min_y_label_w: 0.0,
        }
    }
}

const TICK_LEN: f64 = 6.0;
const TICK_GAP: f64 = 6.0;

/// An x–y plot: the rectangle the data occupy and the axes that map values into it.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    pub plot: Rect,
    pub x: Axis,
    pub y: Axis,
}

impl Frame {
    /// Fit a plot into `area`, leaving room for the tick labels and axis titles that
    /// `style` asks for. Titles are laid out even when empty, so that frames side by side
    /// line up.
    pub fn layout(area: Rect, x: Axis, y: Axis, style: &FrameStyle) -> Frame {
        let y_label_w = if style.y_tick_labels {
            y.ticks
                .iter()
                .map(|&t| text_width(&y.label(t), style.tick_size))
                .fold(style.min_y_label_w, f64::max)
        } else {
            0.0
        };
        let title_room = if style.titles { text_height(style.title_size) + 12.0 } else { 0.0 };
        let left = area.x0 + title_room + y_label_w + TICK_GAP + TICK_LEN;
        let bottom = area.y1
            - if style.titles { text_height(style.title_size) + 10.0 } else { 0.0 }
            - if style.x_tick_labels { text_height(style.tick_size) + TICK_GAP } else { 0.0 }
            - TICK_LEN;
        // The last x tick label is centred on its tick and may hang past the plot's edge.
        let last_x_label = x
            .ticks
            .last()
            .map(|&t| {
                let w = text_width(&x.label(t), style.tick_size);
                let room_after = (x.hi - t) / (x.hi - x.lo) * (area.x1 - left);
                (w / 2.0 - room_after).max(0.0)
            })
            .unwrap_or(0.0);
        let right = area.x1 - (12.0f64).max(last_x_label + 4.0);
        // Half a tick label above the top tick, so that its label is not cut.
        let top = area.y0 + text_height(style.tick_size) / 2.0 + 4.0;
        Frame { plot: Rect::new(left, top, right.max(left + 10.0), bottom.max(top + 10.0)), x, y }
    }

    pub fn px(&self, x: f64) -> f64 {
        self.plot.x0 + self.x.frac(x) * self.plot.width()
    }

    pub fn py(&self, y: f64) -> f64 {
        self.plot.y1 - self.y.frac(y) * self.plot.height()
    }

    /// Draw the grid, the axes, the tick labels and the axis titles. `area` must be the
    /// rectangle the frame was laid out in.
    pub fn draw(
        &self,
        canvas: &mut Canvas,
        area: Rect,
        x_title: &str,
        y_title: &str,
        style: &FrameStyle,
    ) -> Result<(), ChartError> {
        let p = self.plot;
        for &t in &self.y.ticks {
            canvas.hline(p.x0, p.x1, self.py(t), 1.0, GRID)?;
        }
        if style.vertical_grid {
            for &t in &self.x.ticks {
                canvas.vline(self.px(t), p.y0, p.y1, 1.0, GRID)?;
            }
        }
        canvas.vline(p.x0, p.y0, p.y1 + 0.6, 1.2, AXIS)?;
        canvas.hline(p.x0 - 0.6, p.x1, p.y1, 1.2, AXIS)?;
        for &t in &self.y.ticks {
            let y = self.py(t);
            canvas.hline(p.x0 - TICK_LEN, p.x0, y, 1.2, AXIS)?;
            if style.y_tick_labels {
                let at = (p.x0 - TICK_LEN - TICK_GAP, y);
                canvas.text(&self.y.label(t), style.tick_size, MUTED, at, HAlign::Right, VAlign::Middle)?;
            }
        }
        // X tick labels are skipped rather than allowed to collide when the axis is short.
        let mut last_right = f64::NEG_INFINITY;
        for &t in &self.x.ticks {
            let x = self.px(t);
            canvas.vline(x, p.y1, p.y1 + TICK_LEN, 1.2, AXIS)?;
            if style.x_tick_labels {
                let label = self.x.label(t);
                let w = text_width(&label, style.tick_size);
                if x - w / 2.0 > last_right + 10.0 {
                    let at = (x, p.y1 + TICK_LEN + TICK_GAP);
                    canvas.text(&label, style.tick_size, MUTED, at, HAlign::Center, VAlign::Top)?;
                    last_right = x + w / 2.0;
                }
            }
        }
        if style.titles {
            draw_x_title(canvas, x_title, style.title_size, p.x0, p.x1, area.y1)?;
            draw_y_title(canvas, y_title, style.title_size, area.x0, p.y0, p.y1)?;
        }
        Ok(())
    }

    /// A grey note in the middle of an empty plot, so that a chart with nothing to show
    /// says so instead of looking broken.
    pub fn draw_no_data(&self, canvas: &mut Canvas) -> Result<(), ChartError> {
        self.draw_note(canvas, "no data to show")
    }

    /// A grey note in the middle of the plot ("no spending", say).
    pub fn draw_note(&self, canvas: &mut Canvas, note: &str) -> Result<(), ChartError> {
        let p = self.plot;
        let at = ((p.x0 + p.x1) / 2.0, (p.y0 + p.y1) / 2.0);
        canvas.text(note, LABEL_SIZE, MUTED, at, HAlign::Center, VAlign::Middle)
    }
}

/// An axis title centred under `[x0, x1]` with its descenders on `bottom`, shrunk and then
/// cut to fit.
pub(crate) fn draw_x_title(
    canvas: &mut Canvas,
    title: &str,
    size: f64,
    x0: f64,
    x1: f64,
    bottom: f64,
) -> Result<(), ChartError> {
    let (s, size) = fit_shrinking(title, size, x1 - x0);
    let at = ((x0 + x1) / 2.0, bottom);
    canvas.text(&s, size, INK, at, HAlign::Center, VAlign::Bottom)
}

/// An axis title reading upwards at `left`, centred on `[y0, y1]`, shrunk and then cut to
/// fit.
pub(crate) fn draw_y_title(
    canvas: &mut Canvas,
    title: &str,
    size: f64,
    left: f64,
    y0: f64,
    y1: f64,
) -> Result<(), ChartError> {
    let (s, size) = fit_shrinking(title, size, y1 - y0);
    canvas.text_up(&s, size, INK, left, (y0 + y1) / 2.0)
}

/// Shrink text down to 80% of `size` to fit `max_w`, then cut it with an ellipsis if it
/// still does not fit. Axis titles carry units, which are worth a smaller font.
fn fit_shrinking(s: &str, size: f64, max_w: f64) -> (String, f64) {
    let w = text_width(s, size);
    if w <= max_w {
        return (s.to_string(), size);
    }
    let smaller = (size * max_w / w).max(size * 0.8).floor();
    (fit_text(s, smaller, max_w), smaller)
}

/// Place labels of the given widths, centred at the given x positions inside `[x0, x1]`,
/// in as few rows as possible without overlaps (at most `max_rows`; labels that do not fit
/// get `None`). Returns each label's row and left edge, and the number of rows used.
pub(crate) fn stack_labels(
    items: &[(f64, f64)],
    x0: f64,
    x1: f64,
    max_rows: usize,
) -> (Vec<Option<(usize, f64)>>, usize) {
    let mut row_ends: Vec<f64> = Vec::new();
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| items[a].0.total_cmp(&items[b].0));
    let mut placed = vec![None; items.len()];
    for i in order {
        let (centre, w) = items[i];
        let left = (centre - w / 2.0).clamp(x0, (x1 - w).max(x0));
        let row = row_ends.iter().position(|&end| left >= end + 8.0);
        let row = match row {
            Some(r) => Some(r),
            None if row_ends.len() < max_rows => {
                row_ends.push(f64::NEG_INFINITY);
                Some(row_ends.len() - 1)
            }
            None => None,
        };
        if let Some(r) = row {
            row_ends[r] = left + w;
            placed[i] = Some((r, left));
        }
    }
    (placed, row_ends.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_repeats_with_variation() {
        assert_eq!(palette(0), RGBAColor(0, 114, 178, 1.0));
        assert_ne!(palette(0), palette(8));
        assert_ne!(palette(8), palette(16));
        // Distinct for as many series as a legend is likely to hold.
        let colours: std::collections::BTreeSet<_> =
            (0..24).map(|i| (palette(i).0, palette(i).1, palette(i).2)).collect();
        assert_eq!(colours.len(), 24);
    }

    #[test]
    fn labels_stack_without_overlap() {
        let items = [(100.0, 80.0), (120.0, 80.0), (400.0, 50.0), (110.0, 80.0)];
        let (placed, rows) = stack_labels(&items, 0.0, 500.0, 2);
        assert_eq!(rows, 2);
        assert_eq!(placed.iter().filter(|p| p.is_none()).count(), 1);
        assert_eq!(placed[2].unwrap().0, 0);
    }
}
