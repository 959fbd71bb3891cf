//! The drawing surface under every chart: a supersampled bitmap with a few primitives in
//! logical pixels, text placed by its visible extent, and the PNG writer.
//!
//! Charts draw at twice the output resolution and are averaged down when saved. Plotters'
//! bitmap backend does not anti-alias lines or polygon edges, and the supersampling is
//! what keeps diagonal lines and band edges smooth at report size.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ChartError;

/// The bundled font, so that charts render the same on a machine with no fonts installed.
static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// The family name the bundled font is registered under in plotters' font table.
const FAMILY: &str = "sans-serif";

/// Drawing happens at this multiple of the output size.
const SS: u32 = 2;

/// Vertical metrics of DejaVu Sans as fractions of the font size, used to place text by
/// what is visible rather than by the layout box that plotters' glyph renderer assumes.
const CAP_HEIGHT: f64 = 0.729;
const DESCENT: f64 = 0.236;
/// Plotters' `ab_glyph` renderer puts the baseline half a font size below the anchor point
/// of top-anchored text.
const BASELINE_BELOW_TOP_ANCHOR: f64 = 0.5;

/// Register the bundled font with plotters once per process. Registration replaces the
/// family in a process-wide table, so it is done under a `OnceLock`, which also remembers a
/// failure for every later call.
pub(crate) fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(FAMILY, FontStyle::Normal, FONT_BYTES)
                .map_err(|_| String::from("the bundled DejaVu Sans font could not be parsed"))
        })
        .clone()
        .map_err(ChartError::Font)
}

fn draw_err(e: impl std::fmt::Display) -> ChartError {
    ChartError::Draw(e.to_string())
}

/// Horizontal placement of text relative to its anchor point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum HAlign {
    Left,
    Center,
    Right,
}

/// Vertical placement of text relative to its anchor point, by visible extent: `Top` puts
/// the top of the capitals at the anchor, `Middle` centres the capitals on it, `Bottom`
/// puts the bottom of the descenders on it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum VAlign {
    Top,
    Middle,
    Bottom,
}

/// The visible height of one line of text, from the top of the capitals to the bottom of
/// the descenders.
pub(crate) fn text_height(size: f64) -> f64 {
    size * (CAP_HEIGHT + DESCENT)
}

/// A drawing surface in logical pixels (the output PNG's pixels).
pub(crate) struct Canvas<'a> {
    backend: BitMapBackend<'a>,
}

impl Canvas<'_> {
    fn px(v: f64) -> i32 {
        // `as` saturates, so coordinates far off the canvas cannot wrap around.
        (v * SS as f64).round() as i32
    }

    fn pt(p: (f64, f64)) -> (i32, i32) {
        (Self::px(p.0), Self::px(p.1))
    }

    /// A filled axis-aligned rectangle between two corners.
    pub fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, c: RGBAColor) -> Result<(), ChartError> {
        if ![x0, y0, x1, y1].iter().all(|v| v.is_finite()) {
            return Ok(());
        }
        let (a, b) = (Self::pt((x0.min(x1), y0.min(y1))), Self::pt((x0.max(x1), y0.max(y1))));
        // The backend's rectangle includes its far corner, so one pixel comes off to keep
        // adjacent rectangles from overlapping.
        let b = ((b.0 - 1).max(a.0), (b.1 - 1).max(a.1));
        self.backend.draw_rect(a, b, &c, true).map_err(draw_err)
    }

    /// A horizontal line of width `w` centred near `y`. The line's edge is snapped to a
    /// whole output pixel, so that thin grid lines come out crisp instead of as two rows
    /// of half-tone grey.
    pub fn hline(&mut self, x0: f64, x1: f64, y: f64, w: f64, c: RGBAColor) -> Result<(), ChartError> {
        let top = (y - w / 2.0).round();
        self.rect(x0, top, x1, top + w, c)
    }

    /// A vertical line of width `w` centred near `x`, snapped like [`Canvas::hline`].
    pub fn vline(&mut self, x: f64, y0: f64, y1: f64, w: f64, c: RGBAColor) -> Result<(), ChartError> {
        let left = (x - w / 2.0).round();
        self.rect(left, y0, left + w, y1, c)
    }

    /// A vertical dashed line, dashes of `dash` with gaps of `gap` from `y0` to `y1`.
    pub fn dashed_vline(
        &mut self,
        x: f64,
        y0: f64,
        y1: f64,
        w: f64,
        (dash, gap): (f64, f64),
        c: RGBAColor,
    ) -> Result<(), ChartError> {
        let (top, bottom) = (y0.min(y1), y0.max(y1));
        let mut y = top;
        while y < bottom {
            self.vline(x, y, (y + dash).min(bottom), w, c)?;
            y += dash + gap;
        }
        Ok(())
    }

    /// A polyline of width `w` with round joins. Each segment is drawn as its own quad with
    /// a disc at each joint: plotters' own wide paths use mitre joins, which spike at the
    /// sharp turns of noisy simulation output. Colours should be opaque, since the pieces
    /// overlap.
    pub fn polyline(&mut self, pts: &[(f64, f64)], w: f64, c: RGBAColor) -> Result<(), ChartError> {
        let color = c;
        let half = w * SS as f64 / 2.0;
        let pts: Vec<(f64, f64)> = pts
            .iter()
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .map(|p| (p.0 * SS as f64, p.1 * SS as f64))
            .collect();
        for seg in pts.windows(2) {
            let ((ax, ay), (bx, by)) = (seg[0], seg[1]);
            let len = ((bx - ax).powi(2) + (by - ay).powi(2)).sqrt();
            if len < 1e-9 {
                continue;
            }
            let (nx, ny) = (-(by - ay) / len * half, (bx - ax) / len * half);
            let quad = [(ax + nx, ay + ny), (bx + nx, by + ny), (bx - nx, by - ny), (ax - nx, ay - ny)]
                .map(|(x, y)| (x.round() as i32, y.round() as i32));
            self.backend.fill_polygon(quad, &color).map_err(draw_err)?;
        }
        if pts.len() > 1 && half >= 1.5 {
            for &(x, y) in &pts {
                self.backend
                    .draw_circle((x.round() as i32, y.round() as i32), half as u32, &color, true)
                    .map_err(draw_err)?;
            }
        }
        Ok(())
    }

    /// A filled polygon; translucent colours blend once per pixel.
    pub fn polygon(&mut self, pts: &[(f64, f64)], c: RGBAColor) -> Result<(), ChartError> {
        let pts: Vec<(i32, i32)> =
            pts.iter().filter(|p| p.0.is_finite() && p.1.is_finite()).map(|&p| Self::pt(p)).collect();
        if pts.len() < 3 {
            return Ok(());
        }
        self.backend.fill_polygon(pts, &c).map_err(draw_err)
    }

    /// A disc of radius `r`, with an optional outline of `outline.0` pixels.
    pub fn disc(
        &mut self,
        (x, y): (f64, f64),
        r: f64,
        fill: RGBAColor,
        outline: Option<(f64, RGBAColor)>,
    ) -> Result<(), ChartError> {
        if !(x.is_finite() && y.is_finite()) {
            return Ok(());
        }
        let centre = Self::pt((x, y));
        if let Some((w, c)) = outline {
            let outer = ((r + w / 2.0) * SS as f64).round() as u32;
            self.backend.draw_circle(centre, outer, &c, true).map_err(draw_err)?;
            let inner = ((r - w / 2.0).max(0.0) * SS as f64).round() as u32;
            self.backend.draw_circle(centre, inner, &fill, true).map_err(draw_err)
        } else {
            let radius = (r * SS as f64).round() as u32;
            self.backend.draw_circle(centre, radius, &fill, true).map_err(draw_err)
        }
    }

    /// Draw one line of text at `(x, y)`, aligned as asked.
    pub fn text(
        &mut self,
        s: &str,
        size: f64,
        c: RGBAColor,
        (x, y): (f64, f64),
        h: HAlign,
        v: VAlign,
    ) -> Result<(), ChartError> {
        if s.is_empty() || !(x.is_finite() && y.is_finite()) {
            return Ok(());
        }
        let baseline = match v {
            VAlign::Top => y + CAP_HEIGHT * size,
            VAlign::Middle => y + CAP_HEIGHT * size / 2.0,
            VAlign::Bottom => y - DESCENT * size,
        };
        let hpos = match h {
            HAlign::Left => HPos::Left,
            HAlign::Center => HPos::Center,
            HAlign::Right => HPos::Right,
        };
        let style = TextStyle::from(font(size)).color(&c).pos(Pos::new(hpos, VPos::Top));
        let anchor = (x, baseline - BASELINE_BELOW_TOP_ANCHOR * size);
        self.backend.draw_text(s, &style, Self::pt(anchor)).map_err(draw_err)
    }

    /// Draw one line of text rotated to read upwards, centred vertically on `y`, with the
    /// top of its capitals at `x_left`.
    pub fn text_up(
        &mut self,
        s: &str,
        size: f64,
        c: RGBAColor,
        x_left: f64,
        y: f64,
    ) -> Result<(), ChartError> {
        if s.is_empty() || !(x_left.is_finite() && y.is_finite()) {
            return Ok(());
        }
        // Rotated a quarter turn anticlockwise, the text's downward direction points right,
        // so the baseline lies one cap height to the right of the capitals' top.
        let baseline_x = x_left + CAP_HEIGHT * size;
        let style = TextStyle::from(font(size))
            .color(&c)
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Top));
        let anchor = (baseline_x - BASELINE_BELOW_TOP_ANCHOR * size, y);
        self.backend.draw_text(s, &style, Self::pt(anchor)).map_err(draw_err)
    }
}

fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FAMILY), size * SS as f64, FontStyle::Normal)
}

/// The advance width of `s` at font size `size`, in logical pixels. Call `ensure_font`
/// first; without the font every width is zero.
pub(crate) fn text_width(s: &str, size: f64) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    // A failed measurement can only mean the font is missing, which `ensure_font` reports
    // before any chart is laid out; a zero width would then merely risk an overlap.
    font(size).box_size(s).map(|(w, _)| w as f64 / SS as f64).unwrap_or(0.0)
}

/// Cut `s` to fit `max_w` logical pixels at `size`, ending with an ellipsis when cut.
pub(crate) fn fit_text(s: &str, size: f64, max_w: f64) -> String {
    if text_width(s, size) <= max_w {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    // Binary search on the number of characters kept, since widths grow monotonically.
    let (mut lo, mut hi) = (0usize, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let candidate: String = chars[..mid].iter().collect::<String>() + "…";
        if text_width(&candidate, size) <= max_w {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    if lo == 0 {
        String::new()
    } else {
        chars[..lo].iter().collect::<String>().trim_end().to_string() + "…"
    }
}

/// Break `s` into at most `max_lines` lines of at most `max_w` pixels, at spaces where
/// possible; the last line is cut with an ellipsis when the text does not fit.
pub(crate) fn wrap_text(s: &str, size: f64, max_w: f64, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut words = s.split_whitespace().peekable();
    while let Some(word) = words.next() {
        let candidate = if current.is_empty() { word.to_string() } else { format!("{current} {word}") };
        if text_width(&candidate, size) <= max_w || current.is_empty() {
            current = candidate;
        } else {
            lines.push(std::mem::take(&mut current));
            current = word.to_string();
        }
        if lines.len() + 1 == max_lines.max(1) && words.peek().is_some() {
            // Last allowed line: put everything left on it and let `fit_text` cut it.
            let rest: Vec<&str> = words.by_ref().collect();
            current = format!("{current} {}", rest.join(" "));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines.into_iter().map(|l| fit_text(&l, size, max_w)).collect()
}

#[cfg(test)]
thread_local! {
    /// When set, charts are drawn but neither scaled down nor saved. Tests that feed
    /// hundreds of awkward inputs through the chart functions set it: what they check
    /// happens while drawing, and unoptimised PNG encoding would make them take minutes.
    pub(crate) static DRY_RUN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Draw a chart of `width` × `height` pixels with `draw` and save it as a PNG at `path`.
///
/// Nothing is written unless drawing succeeds, and the file appears whole: it is written
/// under a temporary name in the same directory and renamed into place.
pub(crate) fn render_png(
    path: &Path,
    width: u32,
    height: u32,
    draw: impl FnOnce(&mut Canvas) -> Result<(), ChartError>,
) -> Result<(), ChartError> {
    let is_png = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if !is_png {
        return Err(ChartError::Input(format!("chart path {} must end in .png", path.display())));
    }
    if height > super::MAX_HEIGHT {
        return Err(ChartError::Input(format!(
            "the chart would be {height} pixels tall, more than the {} allowed; split it",
            super::MAX_HEIGHT
        )));
    }
    ensure_font()?;
    let (big_w, big_h) = (width * SS, height * SS);
    // A white page: every byte 255.
    let mut big = vec![255u8; big_w as usize * big_h as usize * 3];
    {
        let backend = BitMapBackend::with_buffer(&mut big, (big_w, big_h));
        let mut canvas = Canvas { backend };
        draw(&mut canvas)?;
        canvas.backend.present().map_err(draw_err)?;
    }
    #[cfg(test)]
    if DRY_RUN.with(|d| d.get()) {
        return Ok(());
    }
    let small = downsample(&big, width as usize, height as usize);
    write_png(path, width, height, &small)
}

/// Average each `SS` × `SS` block of RGB pixels into one. Written over row slices rather
/// than with per-pixel index arithmetic, since it touches every byte of a large buffer and
/// test builds are unoptimised.
fn downsample(big: &[u8], width: usize, height: usize) -> Vec<u8> {
    let ss = SS as usize;
    let big_row = width * ss * 3;
    let n = (ss * ss) as u32;
    let mut out = vec![0u8; width * height * 3];
    let mut sums = vec![0u32; width * 3];
    for (y, out_row) in out.chunks_exact_mut(width * 3).enumerate() {
        sums.fill(0);
        for row in big[y * ss * big_row..(y + 1) * ss * big_row].chunks_exact(big_row) {
            for (sum, block) in sums.chunks_exact_mut(3).zip(row.chunks_exact(3 * ss)) {
                for px in block.chunks_exact(3) {
                    sum[0] += px[0] as u32;
                    sum[1] += px[1] as u32;
                    sum[2] += px[2] as u32;
                }
            }
        }
        for (o, s) in out_row.iter_mut().zip(&sums) {
            *o = ((s + n / 2) / n) as u8;
        }
    }
    out
}

fn write_png(path: &Path, width: u32, height: u32, rgb: &[u8]) -> Result<(), ChartError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let io_err = |message: String| ChartError::Io { path: path.to_path_buf(), message };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| String::from("chart.png"));
    // The temporary name keeps the .png extension, which the encoder uses to pick the format.
    let tmp: PathBuf = path.with_file_name(format!(
        ".{name}.{}.{}.tmp.png",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut backend = BitMapBackend::new(&tmp, (width, height));
        backend.blit_bitmap((0, 0), (width, height), rgb).map_err(|e| io_err(e.to_string()))?;
        backend.present().map_err(|e| io_err(e.to_string()))?;
        drop(backend);
        std::fs::rename(&tmp, path).map_err(|e| io_err(e.to_string()))
    })();
    if result.is_err() {
        // Best effort: the temporary file may not even exist.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
