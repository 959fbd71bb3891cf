//! A sweep's summary per design point: `points.csv` and the terminal table.
//!
//! Read back from `runs.csv` once it is assembled (so that the table and the charts drawn
//! from it show only what `runs.csv` holds): for every point, the mean of each outcome's
//! run value (`recruits_total`, `members_mean`, …) over the point's finished replicates,
//! with its 95% Student t interval, which is left empty below two replicates (there is no
//! interval then). Points whose runs all failed keep their row, with empty outcomes.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use crate::command::sweep::{OUTCOMES, outcome_stem};
use crate::experiment::outcomes::{Statistic, run_statistic};
use crate::experiment::posterior_answers::PointSpread;
use crate::experiment::summary::Interval;
use crate::experiment::summary::{LEVEL, Welford};
use crate::output::tables::csv_field;
use crate::spelling::fmt_real;
use narcodoor_numerics::uncertainty::spread;

/// The outcomes the terminal table and the charts show (all are in `points.csv`).
pub const HEADLINE: [&str; 4] = ["members_mean", "recruits_total", "homicides_total", "spending_total"];

/// One design point, summarised over its replicates.
#[derive(Clone, Debug, PartialEq)]
pub struct PointRow {
    pub point: usize,
    /// The factor values, as in `runs.csv`.
    pub values: Vec<String>,
    /// Replicates that ran (status `ok`), and that could not (`error`).
    pub ok: usize,
    pub errors: usize,
    /// One interval per [`Points::columns`]; `lo`/`hi` are NaN below two replicates.
    pub outcomes: Vec<Interval>,
    /// Each finished replicate's `(replicate, seed)` and outcome values, for the paired
    /// differences between points.
    pub runs: Vec<((u64, u64), Vec<f64>)>,
}

/// The per-point table of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Points {
    pub factors: Vec<String>,
    /// The outcome columns summarised: each outcome's run value.
    pub columns: Vec<String>,
    pub rows: Vec<PointRow>,
}

/// The run-value column of every outcome, in `runs.csv` order.
pub fn run_columns() -> Vec<String> {
    OUTCOMES.iter().map(|&i| outcome_stem(i, run_statistic(i))).collect()
}

impl Points {
    /// Summarises `runs.csv` (its `#` lines skipped), whose first factor columns follow
    /// `point`.
    pub fn read(runs_csv: &Path, n_factors: usize) -> anyhow::Result<Points> {
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .from_path(runs_csv)
            .with_context(|| format!("cannot read {}", runs_csv.display()))?;
        let header: Vec<String> = reader.headers()?.iter().map(String::from).collect();
        let factors = header[1..=n_factors].to_vec();
        let columns = run_columns();
        let at: Vec<usize> = columns
            .iter()
            .map(|c| header.iter().position(|h| h == c).context("runs.csv lacks an outcome column"))
            .collect::<anyhow::Result<_>>()?;
        let status = header.iter().position(|h| h == "status").context("runs.csv lacks `status`")?;
        let column = |name: &str| {
            header.iter().position(|h| h == name).with_context(|| format!("runs.csv lacks `{name}`"))
        };
        let (replicate, seed) = (column("replicate")?, column("seed")?);
        let mut rows: Vec<(PointRow, Vec<Welford>)> = Vec::new();
        for record in reader.records() {
            let r = record.with_context(|| format!("cannot read {}", runs_csv.display()))?;
            let point: usize = r[0].parse().context("runs.csv: a point that is not a number")?;
            if rows.last().is_none_or(|(p, _)| p.point != point) {
                let values = (1..=n_factors).map(|i| r[i].to_string()).collect();
                let row =
                    PointRow { point, values, ok: 0, errors: 0, outcomes: Vec::new(), runs: Vec::new() };
                rows.push((row, vec![Welford::default(); columns.len()]));
            }
            let (row, acc) = rows.last_mut().expect("pushed above");
            if &r[status] != "ok" {
                row.errors += 1;
                continue;
            }
            row.ok += 1;
            let values: Vec<f64> = at.iter().map(|&i| r[i].parse().unwrap_or(f64::NAN)).collect();
            for (w, &v) in acc.iter_mut().zip(&values) {
                w.push(v);
            }
            let key = (r[replicate].parse().unwrap_or(u64::MAX), r[seed].parse().unwrap_or(u64::MAX));
            row.runs.push((key, values));
        }
        let rows = rows
            .into_iter()
            .map(|(mut row, acc)| {
                row.outcomes = acc.iter().map(interval).collect();
                row
            })
            .collect();
        Ok(Points { factors, columns, rows })
    }

    /// Under a posterior of `k` draws (replicate r ran draw r mod k), each point's spread
    /// of every outcome's run value over its replicates. A point with a replicate that
    /// could not run has none: its draws would not all be there.
    pub fn spreads(&self, k: usize) -> Vec<PointSpread> {
        let mut out = Vec::new();
        for row in &self.rows {
            let in_order = row.runs.iter().enumerate().all(|(r, ((rep, _), _))| *rep == r as u64);
            if row.errors > 0 || row.runs.len() < k || !in_order {
                continue;
            }
            for (j, &metric) in OUTCOMES.iter().enumerate() {
                let values: Vec<f64> = row.runs.iter().map(|(_, v)| v[j]).collect();
                out.push(PointSpread {
                    point: row.point,
                    values: row.values.clone(),
                    metric,
                    statistic: run_statistic(metric),
                    spread: spread(&values, k),
                });
            }
        }
        out
    }

    /// The text of `points.csv`.
    pub fn csv(&self) -> String {
        let mut head = vec!["point".to_string()];
        head.extend(self.factors.iter().map(|f| csv_field(f)));
        head.extend(["replicates_ok", "replicates_error"].map(String::from));
        for c in &self.columns {
            head.extend([c.clone(), format!("{c}_lo"), format!("{c}_hi")]);
        }
        let mut s = head.join(",") + "\n";
        for row in &self.rows {
            let mut cols = vec![row.point.to_string()];
            cols.extend(row.values.iter().map(|v| csv_field(v)));
            cols.extend([row.ok.to_string(), row.errors.to_string()]);
            for iv in &row.outcomes {
                cols.extend(
                    [iv.mean, iv.lo, iv.hi].map(|v| if v.is_nan() { String::new() } else { fmt_real(v) }),
                );
            }
            s += &(cols.join(",") + "\n");
        }
        s
    }

    /// Each point's paired difference from point 0 in every outcome column: the mean over
    /// the replicates both ran with the same seed (a sweep's points share their random
    /// numbers replicate by replicate) with its 95% Student t interval, and how many pairs
    /// there were. Pairing removes the noise the points share, so a difference is far
    /// sharper than the gap between two points' own intervals.
    pub fn differences(&self) -> Vec<(usize, Vec<Interval>)> {
        let Some(first) = self.rows.first() else { return Vec::new() };
        self.rows
            .iter()
            .map(|row| {
                let mut acc = vec![Welford::default(); self.columns.len()];
                let mut pairs = 0;
                for (key, values) in &row.runs {
                    let Some((_, base)) = first.runs.iter().find(|(k, _)| k == key) else { continue };
                    pairs += 1;
                    for ((w, v), b) in acc.iter_mut().zip(values).zip(base) {
                        w.push(v - b);
                    }
                }
                (pairs, acc.iter().map(|w| difference_interval(w)).collect())
            })
            .collect()
    }

    /// The text of `differences.csv`: per point, the paired differences from point 0.
    pub fn differences_csv(&self) -> String {
        let mut head = vec!["point".to_string()];
        head.extend(self.factors.iter().map(|f| csv_field(f)));
        head.push("replicates_paired".into());
        for c in &self.columns {
            head.extend([format!("{c}_diff"), format!("{c}_diff_lo"), format!("{c}_diff_hi")]);
        }
        let mut s = head.join(",") + "\n";
        for (row, (pairs, diffs)) in self.rows.iter().zip(self.differences()) {
            let mut cols = vec![row.point.to_string()];
            cols.extend(row.values.iter().map(|v| csv_field(v)));
            cols.push(pairs.to_string());
            for iv in &diffs {
                cols.extend(
                    [iv.mean, iv.lo, iv.hi].map(|v| if v.is_nan() { String::new() } else { fmt_real(v) }),
                );
            }
            s += &(cols.join(",") + "\n");
        }
        s
    }

    /// The position of an outcome column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The terminal table: the factor values and the headline outcomes of each point, means
    /// with their 95% intervals, at most `max_rows` points (the rest are in `points.csv`).
    pub fn table(&self, max_rows: usize) -> String {
        let shown: Vec<usize> = HEADLINE.iter().filter_map(|c| self.column(c)).collect();
        let mut s = format!(
            "Per design point: mean over replicates [{:.0}% interval] (all outcomes in points.csv)\n",
            LEVEL * 100.0
        );
        let mut head: Vec<String> = vec!["point".into()];
        head.extend(self.factors.iter().cloned());
        head.extend(shown.iter().map(|&i| heading(&self.columns[i])));
        let mut lines = vec![head];
        for row in self.rows.iter().take(max_rows) {
            let mut cols = vec![row.point.to_string()];
            cols.extend(row.values.iter().cloned());
            cols.extend(shown.iter().map(|&i| cell(&self.columns[i], row.outcomes[i], row.ok)));
            lines.push(cols);
        }
        let widths: Vec<usize> = (0..lines[0].len())
            .map(|c| lines.iter().map(|l| l[c].chars().count()).max().unwrap_or(0))
            .collect();
        for l in &lines {
            let cells: Vec<String> = l.iter().zip(&widths).map(|(v, w)| format!("{v:>w$}")).collect();
            let _ = writeln!(s, "  {}", cells.join("  "));
        }
        if self.rows.len() > max_rows {
            let _ = writeln!(s, "  … {} more points in points.csv", self.rows.len() - max_rows);
        }
        s
    }
}

/// A difference's t interval, not cut at 0 (a difference may be negative); NaN ends below
/// two pairs, and a NaN mean without any.
fn difference_interval(w: &Welford) -> Interval {
    let mean = w.mean();
    if w.n() < 2 {
        return Interval { mean, lo: f64::NAN, hi: f64::NAN };
    }
    let half = narcodoor_numerics::stats::t_critical(LEVEL, w.n() as usize) * w.sd() / (w.n() as f64).sqrt();
    Interval { mean, lo: mean - half, hi: mean + half }
}

fn interval(w: &Welford) -> Interval {
    let iv = w.interval(LEVEL);
    if w.n() < 2 { Interval { lo: f64::NAN, hi: f64::NAN, ..iv } } else { iv }
}

/// A column heading for people: `recruits_total` → `recruits (total)`; money with its unit.
fn heading(column: &str) -> String {
    match column.rsplit_once('_') {
        Some(("spending", "total")) => "spending (total, pesos)".into(),
        Some((m, s)) => format!("{} ({s})", m.replace('_', " ")),
        None => column.into(),
    }
}

fn cell(column: &str, iv: Interval, ok: usize) -> String {
    use crate::command::compare::report::human;
    if ok == 0 {
        return "no run".into();
    }
    let _ = column;
    if iv.lo.is_nan() {
        return format!("{} [no interval: 1 replicate]", human(iv.mean));
    }
    format!("{} [{}, {}]", human(iv.mean), human(iv.lo), human(iv.hi))
}

/// The statistic of a run column (for chart axis labels).
pub fn statistic_of(column: &str) -> Option<Statistic> {
    column.rsplit_once('_').and_then(|(_, s)| Statistic::parse(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line of runs.csv with the given outcome values (the others empty).
    fn line(lead: &str, values: &[(&str, f64)]) -> String {
        let cols: Vec<String> = run_columns()
            .iter()
            .map(|c| values.iter().find(|(k, _)| k == c).map_or(String::new(), |(_, v)| v.to_string()))
            .collect();
        format!("{lead},{}", cols.join(","))
    }

    #[test]
    fn points_summarise_runs_with_intervals_only_from_two_replicates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.csv");
        let runs = [
            format!("# a sweep\npoint,x,replicate,seed,status,error,{}", run_columns().join(",")),
            line("0,0.5,0,1,ok,", &[("recruits_total", 100.0), ("spending_total", 1000.0)]),
            line("0,0.5,1,1,ok,", &[("recruits_total", 120.0), ("spending_total", 1000.0)]),
            line("1,\"a,b\",0,1,error,bad", &[]),
            line("2,1,0,1,ok,", &[("recruits_total", 50.0), ("spending_total", 0.0)]),
        ];
        std::fs::write(&path, runs.join("\n") + "\n").unwrap();
        let p = Points::read(&path, 1).unwrap();
        assert_eq!(p.factors, ["x"]);
        assert_eq!(p.rows.len(), 3);
        let r = p.column("recruits_total").unwrap();
        assert_eq!((p.rows[0].ok, p.rows[0].errors), (2, 0));
        assert_eq!(p.rows[0].outcomes[r].mean, 110.0);
        assert!(p.rows[0].outcomes[r].lo < 110.0 && p.rows[0].outcomes[r].hi > 110.0);
        assert_eq!((p.rows[1].ok, p.rows[1].errors), (0, 1));
        assert_eq!(p.rows[1].values, ["a,b"]);
        assert!(p.rows[2].outcomes[r].lo.is_nan(), "one replicate has no interval");
        let csv = p.csv();
        assert!(
            csv.starts_with("point,x,replicates_ok,replicates_error,school_mean,school_mean_lo,"),
            "{csv}"
        );
        assert!(csv.contains("\n1,\"a,b\",0,1,,,"), "{csv}");
        let table = p.table(2);
        assert!(table.contains("spending (total, pesos)") && table.contains("1,000"), "{table}");
        assert!(table.contains("1 more points in points.csv"), "{table}");
        assert!(p.table(5).contains("no interval: 1 replicate") && p.table(5).contains("no run"));
        // Point 2 pairs with point 0's replicate 0 only (same replicate and seed): 50 − 100.
        let d = p.differences();
        assert_eq!((d[0].0, d[1].0, d[2].0), (2, 0, 1));
        assert_eq!((d[0].1[r].mean, d[2].1[r].mean), (0.0, -50.0));
        assert!(d[2].1[r].lo.is_nan() && d[1].1[r].mean.is_nan());
        let csv = p.differences_csv();
        assert!(csv.starts_with("point,x,replicates_paired,school_mean_diff,school_mean_diff_lo,"), "{csv}");
    }

    #[test]
    fn paired_differences_cancel_the_noise_points_share() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.csv");
        // Replicate noise of ±30 shared by both points; point 1 is 10 above point 0 in each.
        let mut runs = vec![format!("point,x,replicate,seed,status,error,{}", run_columns().join(","))];
        for (k, noise) in [-30.0, 0.0, 30.0, 10.0].iter().enumerate() {
            runs.push(line(&format!("0,0,{k},1,ok,"), &[("recruits_total", 100.0 + noise)]));
        }
        for (k, noise) in [-30.0, 0.0, 30.0, 10.0].iter().enumerate() {
            let extra = if k % 2 == 0 { 9.0 } else { 11.0 };
            runs.push(line(&format!("1,1,{k},1,ok,"), &[("recruits_total", 100.0 + noise + extra)]));
        }
        std::fs::write(&path, runs.join("\n") + "\n").unwrap();
        let p = Points::read(&path, 1).unwrap();
        let r = p.column("recruits_total").unwrap();
        let (pairs, d) = &p.differences()[1];
        assert_eq!(*pairs, 4);
        // Differences 9, 11, 9, 11: mean 10, sd 1.1547, t(0.975, 3) = 3.182446.
        let half = 3.182446305 * (4.0f64 / 3.0).sqrt() / 2.0;
        assert!((d[r].mean - 10.0).abs() < 1e-12 && (d[r].hi - 10.0 - half).abs() < 1e-6, "{:?}", d[r]);
        // Unpaired, the points' own intervals overlap widely.
        assert!(p.rows[1].outcomes[r].lo < p.rows[0].outcomes[r].hi);
    }
}
