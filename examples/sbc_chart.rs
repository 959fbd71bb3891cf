//! Draws the figures of the simulation-based calibration (tests/validation/sbc.sh) from its
//! table alone, so that the figure shows nothing the CSV does not hold:
//!
//!     cargo run --release --example sbc_chart -- OUT/sbc.csv OUT/sbc.png [OUT/sbc_intervals.png]
//!
//! `sbc.png` has two panels over [0, 1]. The rank histogram: the truths in each fifth of
//! the rank (the posterior CDF at the truth), against what uniform ranks give, N/5 with the
//! 2.5–97.5% range of a Binomial(N, 1/5) count. The coverage of central intervals: the share
//! of truths inside the central interval of each level (|rank − ½| ≤ level/2), against the
//! level with the Binomial(N, level) range. A calibrated posterior stays inside both bands;
//! too-wide posteriors pile ranks in the middle and cover more than their level, too-narrow
//! ones pile them at the ends and cover less. `sbc_intervals.png`, when named, sets each
//! truth's 90% interval and posterior median against the truth, with the 1:1 line.

use std::error::Error;
use std::path::Path;

use narcodoor::charts::{
    self, Band, ChartText, PanelScale, PointItem, Points, ScatterPanel, small_multiples_observed,
};

/// One truth of sbc.csv: the truth, its rank, and its 90% interval and median.
struct Row {
    truth: f64,
    rank: f64,
    lo: f64,
    median: f64,
    hi: f64,
}

fn read(path: &Path) -> Result<Vec<Row>, Box<dyn Error>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let col = |name: &str| {
        header.iter().position(|h| *h == name).ok_or_else(|| format!("{}: no column {name}", path.display()))
    };
    let cols = [col("sentence_months")?, col("rank")?, col("lo90")?, col("median")?, col("hi90")?];
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let v = |k: usize| -> Result<f64, String> {
            let s = fields.get(cols[k]).copied().unwrap_or_default();
            s.parse().map_err(|_| format!("{} line {}: not a number: {s:?}", path.display(), i + 2))
        };
        rows.push(Row { truth: v(0)?, rank: v(1)?, lo: v(2)?, median: v(3)?, hi: v(4)? });
    }
    Ok(rows)
}

/// The 2.5% and 97.5% quantiles of a Binomial(n, p) count.
fn binomial_range(n: usize, p: f64) -> (f64, f64) {
    if p <= 0.0 || p >= 1.0 {
        let k = if p <= 0.0 { 0.0 } else { n as f64 };
        return (k, k);
    }
    let mut pmf = (1.0 - p).powi(n as i32);
    let (mut cdf, mut lo) = (0.0, None);
    for k in 0..=n {
        cdf += pmf;
        if lo.is_none() && cdf >= 0.025 {
            lo = Some(k as f64);
        }
        if cdf >= 0.975 {
            return (lo.unwrap_or(k as f64), k as f64);
        }
        pmf *= (n - k) as f64 / (k + 1) as f64 * p / (1.0 - p);
    }
    (lo.unwrap_or(n as f64), n as f64)
}

fn ranks_chart(rows: &[Row], path: &Path) -> Result<(), Box<dyn Error>> {
    let n = rows.len();
    let x: Vec<f64> = (0..=100).map(|i| i as f64 / 100.0).collect();
    let (lo, hi) = binomial_range(n, 0.2);
    let expected = n as f64 / 5.0;
    let flat = |v: f64| vec![v; x.len()];
    let histogram =
        Band { label: "uniform ranks: expected".into(), mean: flat(expected), lo: flat(lo), hi: flat(hi) };
    let mut bins = [0usize; 5];
    for r in rows {
        bins[((r.rank * 5.0) as usize).min(4)] += 1;
    }
    let counts = Points {
        label: format!("measured ({n} truths)"),
        xy: bins.iter().enumerate().map(|(b, &c)| (0.1 + 0.2 * b as f64, c as f64)).collect(),
    };
    let share =
        |level: f64| rows.iter().filter(|r| (r.rank - 0.5).abs() <= level / 2.0).count() as f64 / n as f64;
    let range: Vec<(f64, f64)> = x.iter().map(|&a| binomial_range(n, a)).collect();
    let coverage = Band {
        label: "uniform ranks: expected".into(),
        mean: x.clone(),
        lo: range.iter().map(|r| r.0 / n as f64).collect(),
        hi: range.iter().map(|r| r.1 / n as f64).collect(),
    };
    let levels = Points {
        label: counts.label.clone(),
        xy: (1..=9).map(|k| (k as f64 / 10.0, share(k as f64 / 10.0))).collect(),
    };
    let panels = [
        ("Truths per fifth of the rank (count)".to_string(), histogram),
        ("Share of truths inside the central interval of each level".to_string(), coverage),
    ];
    let text = ChartText {
        title: "Simulation-based calibration of calibrate: justice.sentence_months, prior U(12, 120)",
        x_label: "rank of the truth in its posterior (left); level of the central interval (right)",
        y_label: "truths (left); share of truths (right)",
    };
    small_multiples_observed(path, &text, &x, &panels, &[], PanelScale::Free, (&[counts, levels], &[]))?;
    Ok(())
}

fn intervals_chart(rows: &[Row], path: &Path) -> Result<(), Box<dyn Error>> {
    let points = rows
        .iter()
        .map(|r| PointItem {
            label: if r.lo <= r.truth && r.truth <= r.hi { String::new() } else { "missed".into() },
            x: r.truth,
            y: r.median,
            y_lo: Some(r.lo),
            y_hi: Some(r.hi),
            ..PointItem::default()
        })
        .collect();
    let panel = ScatterPanel { title: "posterior median and 90% interval of each truth".into(), points };
    let text = ChartText {
        title: "Simulation-based calibration: each truth's 90% posterior interval",
        x_label: "truth: justice.sentence_months (months)",
        y_label: "posterior (months)",
    };
    charts::scatter_panels(path, &text, &[panel], true)?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        return Err("usage: sbc_chart OUT/sbc.csv OUT/sbc.png [OUT/sbc_intervals.png]".into());
    }
    let rows = read(Path::new(&args[1]))?;
    if rows.is_empty() {
        return Err(format!("{}: no truths", args[1]).into());
    }
    ranks_chart(&rows, Path::new(&args[2]))?;
    if let Some(p) = args.get(3) {
        intervals_chart(&rows, Path::new(p))?;
    }
    Ok(())
}
