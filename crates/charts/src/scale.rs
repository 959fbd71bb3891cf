//! Axis ranges, tick positions and tick labels.
//!
//! Everything here is pure arithmetic on `f64`, so the chart code can trust what it gets:
//! ranges are finite and non-empty whatever the data (empty, NaN, one value, all equal,
//! values near `f64::MAX`), tick lists are short, and labels are formatted the way a reader
//! of a policy report expects ("1,500", "2.5M", "40%").

/// Values beyond this magnitude are clamped before any range arithmetic, so that spans and
/// paddings cannot overflow to infinity.
const LIMIT: f64 = 1e300;

/// No axis ever gets more ticks than this, whatever rounding does to the step.
const MAX_TICKS: usize = 40;

/// How tick values are written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum TickStyle {
    /// Plain numbers, with thousands separators or k/M/B suffixes when large.
    Number,
    /// Values already in percent (0–100), written with a `%` sign.
    Percent,
    /// Calendar years (a dated run's x axis): plain digits, no thousands separators.
    Year,
}

/// A linear axis: the value range shown and the ticks to label inside it.
#[derive(Clone, Debug)]
pub(crate) struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
    format: Formatter,
}

impl Axis {
    /// Build an axis over `[lo, hi]` with about `target` ticks. With `snap`, the ends move
    /// outwards to the nearest ticks, so the axis starts and ends on a labelled value.
    pub fn new(lo: f64, hi: f64, target: usize, snap: bool, style: TickStyle) -> Axis {
        let (mut lo, mut hi) = sane_range(lo, hi);
        let step = nice_step(hi - lo, target.max(2));
        if snap {
            let snapped_lo = (lo / step).floor() * step;
            let snapped_hi = (hi / step).ceil() * step;
            if snapped_lo.is_finite() && snapped_hi.is_finite() && snapped_lo < snapped_hi {
                lo = snapped_lo;
                hi = snapped_hi;
            }
        }
        let ticks = ticks_between(lo, hi, step);
        let format = Formatter::for_ticks(&ticks, step, style);
        Axis { lo, hi, ticks, format }
    }

    /// An axis over `[lo, hi]` with no ticks, for positions that are labelled some other
    /// way (bar categories).
    pub fn bare(lo: f64, hi: f64) -> Axis {
        let (lo, hi) = sane_range(lo, hi);
        Axis { lo, hi, ticks: Vec::new(), format: Formatter::for_ticks(&[], 1.0, TickStyle::Number) }
    }

    /// The label for a value on this axis, in the axis' format.
    pub fn label(&self, v: f64) -> String {
        self.format.format(v)
    }

    /// Clamp a value into the axis range (NaN stays NaN for the caller to skip).
    pub fn clamp(&self, v: f64) -> f64 {
        if v.is_nan() { v } else { v.clamp(self.lo, self.hi) }
    }

    /// The position of `v` as a fraction of the axis, 0 at `lo` and 1 at `hi`, clamped.
    pub fn frac(&self, v: f64) -> f64 {
        let t = (self.clamp(v) - self.lo) / (self.hi - self.lo);
        if t.is_finite() { t } else { 0.0 }
    }
}

/// The smallest and largest finite values, clamped to `±LIMIT`; `None` when there are none.
pub(crate) fn extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| v.is_finite()).map(|v| v.clamp(-LIMIT, LIMIT)).fold(
        None,
        |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        },
    )
}

/// Merge two optional extents.
pub(crate) fn union(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> Option<(f64, f64)> {
    match (a, b) {
        (Some((a0, a1)), Some((b0, b1))) => Some((a0.min(b0), a1.max(b1))),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Turn a data extent into the range to show: add `pad` (a fraction of the span) on each
/// side, include zero when asked, and never return an empty or non-finite range.
///
/// When zero is included and the data touch it, no padding goes past zero: bars and stacked
/// areas must sit on the axis, not float above it.
pub(crate) fn padded(extent: Option<(f64, f64)>, pad: f64, include_zero: bool) -> (f64, f64) {
    // With no data there is nothing to pad around: a plain unit range.
    let Some((mut lo, mut hi)) = extent else {
        return (0.0, 1.0);
    };
    if include_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    let (lo, hi) = sane_range(lo, hi);
    let span = hi - lo;
    let lo = if include_zero && lo == 0.0 { 0.0 } else { lo - pad * span };
    let hi = if include_zero && hi == 0.0 { 0.0 } else { hi + pad * span };
    sane_range(lo, hi)
}

/// A finite range with `lo < hi`: equal ends are widened (by 10% of the value, or by 1
/// around zero), reversed ends are swapped and non-finite ends replaced.
fn sane_range(lo: f64, hi: f64) -> (f64, f64) {
    let lo = if lo.is_finite() { lo.clamp(-LIMIT, LIMIT) } else { 0.0 };
    let hi = if hi.is_finite() { hi.clamp(-LIMIT, LIMIT) } else { 1.0 };
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    // A span that is tiny relative to the values cannot be divided into distinct ticks, so
    // it is treated like a single value.
    let scale = lo.abs().max(hi.abs());
    if hi - lo > scale * 1e-9 && hi - lo > f64::MIN_POSITIVE * 1e6 {
        return (lo, hi);
    }
    let mid = lo / 2.0 + hi / 2.0;
    let half = if mid == 0.0 || mid.abs() < 1e-200 { 1.0 } else { mid.abs() * 0.1 };
    (mid - half, mid + half)
}

/// A "nice" step (1, 2, 2.5 or 5 times a power of ten) giving about `target` intervals.
fn nice_step(span: f64, target: usize) -> f64 {
    let raw = span / target as f64;
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let norm = raw / magnitude;
    let factor = [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().find(|&f| f >= norm * (1.0 - 1e-9)).unwrap_or(10.0);
    let step = factor * magnitude;
    if step.is_finite() && step > 0.0 { step } else { raw }
}

/// Multiples of `step` inside `[lo, hi]`, at most `MAX_TICKS` of them.
fn ticks_between(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step - 1e-9).ceil();
    let last = (hi / step + 1e-9).floor();
    if !(first.is_finite() && last.is_finite()) || last < first || last - first > MAX_TICKS as f64 {
        return vec![lo, hi];
    }
    let count = (last - first) as usize + 1;
    (0..count)
        .map(|i| {
            let t = (first + i as f64) * step;
            // Rounding can leave -0.0 or 1e-17 where zero is meant.
            if t.abs() < step * 1e-9 { 0.0 } else { t }
        })
        .collect()
}

/// How all the ticks of one axis are written, chosen once so that they look alike.
#[derive(Clone, Debug)]
struct Formatter {
    style: TickStyle,
    /// Values are divided by this before printing (1, 1e3, 1e6, ...).
    divisor: f64,
    suffix: &'static str,
    decimals: usize,
    thousands: bool,
    scientific: bool,
}

impl Formatter {
    fn for_ticks(ticks: &[f64], step: f64, style: TickStyle) -> Formatter {
        let max_abs = ticks.iter().fold(0.0f64, |m, t| m.max(t.abs()));
        let mut f = Formatter {
            style,
            divisor: 1.0,
            suffix: "",
            decimals: decimals_for(step),
            thousands: false,
            scientific: false,
        };
        if matches!(style, TickStyle::Percent | TickStyle::Year) {
            return f;
        }
        if max_abs >= 1e15 || (max_abs > 0.0 && max_abs < 1e-4) || f.decimals > 6 {
            f.scientific = true;
            // Enough significant digits to tell neighbouring ticks apart.
            let digits = (max_abs.log10() - step.log10()).ceil().clamp(0.0, 6.0);
            f.decimals = digits as usize;
        } else if max_abs >= 1e4 {
            let (divisor, suffix) = if max_abs >= 1e12 {
                (1e12, "T")
            } else if max_abs >= 1e9 {
                (1e9, "B")
            } else if max_abs >= 1e6 {
                (1e6, "M")
            } else {
                (1e3, "k")
            };
            f.divisor = divisor;
            f.suffix = suffix;
            f.decimals = decimals_for(step / divisor);
        } else if max_abs >= 1e3 {
            f.thousands = true;
        }
        f
    }

    fn format(&self, v: f64) -> String {
        if !v.is_finite() {
            return String::from("n/a");
        }
        // Zero is written bare: "0" reads better than "0.0M" or "0.00e0".
        if v == 0.0 {
            return String::from(if self.style == TickStyle::Percent { "0%" } else { "0" });
        }
        if self.scientific {
            let s = format!("{:.*e}", self.decimals, v);
            return minus_sign(&s);
        }
        let scaled = v / self.divisor;
        let mut s = format!("{:.*}", self.decimals, scaled);
        // "-0" and "-0.0" are rounding artefacts, not negative values.
        if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
            s.remove(0);
        }
        if self.thousands {
            s = group_thousands(&s);
        }
        s.push_str(self.suffix);
        if self.style == TickStyle::Percent {
            s.push('%');
        }
        minus_sign(&s)
    }
}

/// The fewest decimals that write every multiple of `step` exactly (up to 10).
fn decimals_for(step: f64) -> usize {
    if !(step.is_finite() && step > 0.0) {
        return 0;
    }
    for d in 0..=10 {
        let s = step * 10f64.powi(d as i32);
        if (s - s.round()).abs() <= 1e-6 * s.abs().max(1.0) {
            return d;
        }
    }
    10
}

/// Insert thousands separators in the integer part of a formatted number.
fn group_thousands(s: &str) -> String {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let (int, frac) = match rest.find('.') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}{frac}")
}

/// Typeset hyphens as true minus signs, which read better next to digits (a formatted
/// number has no other use for a hyphen).
fn minus_sign(s: &str) -> String {
    s.replace('-', "\u{2212}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(axis: &Axis) -> Vec<String> {
        axis.ticks.iter().map(|&t| axis.label(t)).collect()
    }

    #[test]
    fn ticks_are_nice_and_inside_the_range() {
        let a = Axis::new(0.0, 239.0, 6, false, TickStyle::Number);
        assert_eq!(a.ticks, vec![0.0, 50.0, 100.0, 150.0, 200.0]);
        assert_eq!((a.lo, a.hi), (0.0, 239.0));
        let b = Axis::new(0.3, 9.7, 5, true, TickStyle::Number);
        assert_eq!((b.lo, b.hi), (0.0, 10.0));
        assert_eq!(labels(&b), ["0", "2", "4", "6", "8", "10"]);
    }

    #[test]
    fn large_values_get_suffixes_or_separators() {
        let a = Axis::new(0.0, 2_500_000.0, 5, true, TickStyle::Number);
        assert_eq!(labels(&a), ["0", "0.5M", "1.0M", "1.5M", "2.0M", "2.5M"]);
        let b = Axis::new(0.0, 8000.0, 4, true, TickStyle::Number);
        assert_eq!(labels(&b), ["0", "2,000", "4,000", "6,000", "8,000"]);
        let c = Axis::new(0.0, 40_000.0, 4, true, TickStyle::Number);
        assert_eq!(labels(&c), ["0", "10k", "20k", "30k", "40k"]);
    }

    #[test]
    fn small_and_negative_values_read_well() {
        let a = Axis::new(-0.5, 0.5, 4, true, TickStyle::Number);
        assert_eq!(labels(&a), ["\u{2212}0.50", "\u{2212}0.25", "0", "0.25", "0.50"]);
        let b = Axis::new(0.0, 3e-6, 3, true, TickStyle::Number);
        assert_eq!(labels(&b), ["0", "1.0e\u{2212}6", "2.0e\u{2212}6", "3.0e\u{2212}6"]);
    }

    #[test]
    fn percent_axis() {
        let a = Axis::new(0.0, 100.0, 5, true, TickStyle::Percent);
        assert_eq!(labels(&a), ["0%", "20%", "40%", "60%", "80%", "100%"]);
    }

    #[test]
    fn degenerate_ranges_become_usable() {
        for (lo, hi) in [
            (5.0, 5.0),
            (0.0, 0.0),
            (f64::NAN, 1.0),
            (f64::NEG_INFINITY, f64::INFINITY),
            (-f64::MAX, f64::MAX),
            (3.0, 1.0),
            (1e-320, 1e-320),
        ] {
            let a = Axis::new(lo, hi, 5, true, TickStyle::Number);
            assert!(a.lo.is_finite() && a.hi.is_finite() && a.lo < a.hi, "{lo} {hi}");
            assert!(!a.ticks.is_empty() && a.ticks.len() <= MAX_TICKS + 1);
            assert!(a.ticks.iter().all(|t| t.is_finite()));
        }
    }

    #[test]
    fn padding_respects_zero() {
        assert_eq!(padded(Some((0.0, 10.0)), 0.05, true), (0.0, 10.5));
        assert_eq!(padded(Some((-10.0, 0.0)), 0.05, true), (-10.5, 0.0));
        assert_eq!(padded(None, 0.0, false), (0.0, 1.0));
        let (lo, hi) = padded(Some((7.0, 7.0)), 0.0, false);
        assert!(lo < 7.0 && hi > 7.0);
        assert_eq!(extent([f64::NAN, 2.0, -1.0, f64::INFINITY]), Some((-1.0, 2.0)));
        assert_eq!(extent([f64::NAN]), None);
    }
}
