//! The CSV files of the experiment commands: `effects.csv` (compare), the rows of
//! `runs.csv` and `runs_timeseries.csv` (sweep) and `indices.csv` and `design.csv`
//! (sensitivity).
//!
//! As for a run's files, column names and orders are a contract (documented in
//! `docs/experiments.md` and checked by `tests/experiments.rs`), numbers are written in
//! the stable formats of [`super::tables`], and the same inputs always give the same bytes.
//! Every line of the sweep files is one record on one line: text fields are quoted when
//! they need it and line breaks inside them are replaced, so a sweep's files can be cut and
//! joined line by line (which is how shards are merged).

use std::io::{self, Write};
use std::path::Path;

use crate::output::atomic::AtomicFile;

use super::tables::{csv_field, fmt_metric, fmt_real};
use crate::engine::ReplicateResult;
use crate::experiment::stats::CostEffectStatus;
use crate::model::metrics::METRICS;

/// A p-value: the stable real format, except that p-values too small for nine decimals
/// keep their order of magnitude instead of printing as 0.
pub fn fmt_p(p: f64) -> String {
    if p > 0.0 && p < 1e-6 { format!("{p:.3e}") } else { fmt_real(p) }
}

/// A text field on one line: quoted when needed, line breaks turned into "; ".
pub fn one_line_field(s: &str) -> String {
    let flat: String = s.lines().map(str::trim_end).collect::<Vec<_>>().join("; ");
    csv_field(&flat)
}

// ---------------------------------------------------------------------------------------
// compare: effects.csv
// ---------------------------------------------------------------------------------------

/// The cost-effectiveness part of an effect row (recruits and homicides over the run).
#[derive(Clone, Debug, PartialEq)]
pub struct CostRow {
    /// Mean extra spending of the scenario over the run, per replicate (pesos).
    pub extra_cost: f64,
    /// Mean units averted per replicate (baseline minus scenario) and its t interval.
    pub averted: f64,
    pub averted_lo: f64,
    pub averted_hi: f64,
    /// Pesos per unit averted (ratio of means) and its Fieller interval; NaN unless the
    /// status is `averted` or `no_extra_cost`.
    pub ratio: f64,
    pub lo: f64,
    pub hi: f64,
    /// `averted`, `no_extra_cost`, `not_significant` or `worse`.
    pub status: CostEffectStatus,
}

/// One row of `effects.csv`: a scenario against the baseline on one metric's statistic.
#[derive(Clone, Debug, PartialEq)]
pub struct EffectRow {
    pub scenario: String,
    pub baseline: String,
    pub metric: String,
    /// `horizon`, `total` or `mean`.
    pub statistic: &'static str,
    pub replicates: usize,
    pub baseline_mean: f64,
    pub scenario_mean: f64,
    /// Mean paired difference scenario − baseline and its Student t interval.
    pub difference: f64,
    pub lo: f64,
    pub hi: f64,
    /// difference / baseline mean (NaN when the baseline mean is 0).
    pub relative: f64,
    pub p_value: f64,
    /// `higher`, `lower`, `not_significant` or `none` (every paired difference is 0).
    pub change: &'static str,
    pub cost: Option<CostRow>,
}

pub const EFFECTS_HEADER: &str = "scenario,baseline,metric,statistic,replicates,baseline_mean,scenario_mean,\
difference,difference_lo,difference_hi,relative_change,p_value,change,\
extra_cost,averted,averted_lo,averted_hi,cost_per_averted,cost_per_averted_lo,cost_per_averted_hi,cost_status";

/// Writes `effects.csv`.
pub fn write_effects(path: &Path, rows: &[EffectRow]) -> io::Result<()> {
    let mut w = AtomicFile::create(path)?;
    writeln!(w, "{EFFECTS_HEADER}")?;
    for r in rows {
        write!(
            w,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(&r.scenario),
            csv_field(&r.baseline),
            r.metric,
            r.statistic,
            r.replicates,
            fmt_real(r.baseline_mean),
            fmt_real(r.scenario_mean),
            fmt_real(r.difference),
            fmt_real(r.lo),
            fmt_real(r.hi),
            fmt_real(r.relative),
            fmt_p(r.p_value),
            r.change
        )?;
        match &r.cost {
            Some(c) => writeln!(
                w,
                ",{},{},{},{},{},{},{},{}",
                fmt_real(c.extra_cost),
                fmt_real(c.averted),
                fmt_real(c.averted_lo),
                fmt_real(c.averted_hi),
                fmt_real(c.ratio),
                fmt_real(c.lo),
                fmt_real(c.hi),
                c.status.name()
            )?,
            None => writeln!(w, ",,,,,,,,")?,
        }
    }
    w.commit()
}

// ---------------------------------------------------------------------------------------
// sweep: runs.csv and runs_timeseries.csv
// ---------------------------------------------------------------------------------------

/// The header of `runs.csv`: `point`, one column per factor (named by its path),
/// `replicate,seed,status,error`, then the outcome columns.
pub fn runs_header(factors: &[String], outcomes: &[String]) -> String {
    let mut cols = vec!["point".to_string()];
    cols.extend(factors.iter().map(|f| csv_field(f)));
    cols.extend(["replicate", "seed", "status", "error"].map(String::from));
    cols.extend(outcomes.iter().cloned());
    cols.join(",")
}

/// One line of `runs.csv`. `values` are the factor values as they will be printed;
/// `outcomes` is `Ok` with one value per outcome column (formatted as reals), or `Err` with
/// the error message, in which case the outcome columns are empty.
pub fn runs_row(
    point: usize,
    values: &[String],
    replicate: u32,
    seed: u64,
    outcomes: Result<&[f64], &str>,
    n_outcomes: usize,
) -> String {
    let mut cols = vec![point.to_string()];
    cols.extend(values.iter().map(|v| one_line_field(v)));
    cols.push(replicate.to_string());
    cols.push(seed.to_string());
    match outcomes {
        Ok(values) => {
            cols.push("ok".into());
            cols.push(String::new());
            cols.extend(values.iter().map(|&v| fmt_real(v)));
        }
        Err(message) => {
            cols.push("error".into());
            cols.push(one_line_field(message));
            cols.extend(std::iter::repeat_n(String::new(), n_outcomes));
        }
    }
    cols.join(",")
}

/// The header of `runs_timeseries.csv`: `point,replicate,month`, then every metric.
pub fn runs_timeseries_header() -> String {
    format!("point,replicate,month,{}", METRICS.join(","))
}

/// The lines of `runs_timeseries.csv` for one run, each ending with a newline.
pub fn runs_timeseries_rows(point: usize, result: &ReplicateResult) -> String {
    let mut s = String::new();
    for m in &result.months {
        s.push_str(&format!("{point},{},{}", result.replicate, m.month));
        for (i, v) in m.metrics.national.iter().enumerate() {
            s.push(',');
            s.push_str(&fmt_metric(i, *v));
        }
        s.push('\n');
    }
    s
}

// ---------------------------------------------------------------------------------------
// sensitivity: indices.csv and design.csv
// ---------------------------------------------------------------------------------------

/// One row of `indices.csv`: one index of one factor.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexRow {
    pub factor: String,
    pub lo: f64,
    pub hi: f64,
    /// `mu`, `mu_star`, `sigma` (Morris) or `first`, `total` (Sobol').
    pub index: &'static str,
    pub estimate: f64,
    /// Bootstrap interval (NaN where none is computed).
    pub ci_lo: f64,
    pub ci_hi: f64,
}

pub const INDICES_HEADER: &str = "method,outcome,statistic,factor,lo,hi,index,estimate,ci_lo,ci_hi";

/// Writes `indices.csv`.
pub fn write_indices(
    path: &Path,
    method: &str,
    outcome: &str,
    statistic: &str,
    rows: &[IndexRow],
) -> io::Result<()> {
    let mut w = AtomicFile::create(path)?;
    writeln!(w, "{INDICES_HEADER}")?;
    for r in rows {
        writeln!(
            w,
            "{method},{outcome},{statistic},{},{},{},{},{},{},{}",
            csv_field(&r.factor),
            fmt_real(r.lo),
            fmt_real(r.hi),
            r.index,
            fmt_real(r.estimate),
            fmt_real(r.ci_lo),
            fmt_real(r.ci_hi)
        )?;
    }
    w.commit()
}

/// One row of a sensitivity design with the model's output there.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignRow {
    /// Where the row belongs: `trajectory <t>` (Morris), `A`, `B` or `AB_<i>` (Sobol').
    pub block: String,
    pub values: Vec<f64>,
    /// Mean of the outcome over the replicates, and their standard deviation.
    pub output: f64,
    pub output_sd: f64,
}

/// Writes `design.csv`: `row,block`, one column per factor, `replicates,output,output_sd`.
pub fn write_design(path: &Path, factors: &[String], replicates: u32, rows: &[DesignRow]) -> io::Result<()> {
    let mut w = AtomicFile::create(path)?;
    let cols: Vec<String> = factors.iter().map(|f| csv_field(f)).collect();
    writeln!(w, "row,block,{},replicates,output,output_sd", cols.join(","))?;
    for (i, r) in rows.iter().enumerate() {
        let values: Vec<String> = r.values.iter().map(|&v| fmt_real(v)).collect();
        writeln!(
            w,
            "{i},{},{},{replicates},{},{}",
            csv_field(&r.block),
            values.join(","),
            fmt_real(r.output),
            fmt_real(r.output_sd)
        )?;
    }
    w.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_rows_keep_one_record_per_line() {
        let header = runs_header(&["a.b".into(), "c".into()], &["members_horizon".into()]);
        assert_eq!(header, "point,a.b,c,replicate,seed,status,error,members_horizon");
        let ok = runs_row(3, &["0.5".into(), "x,y".into()], 1, 7, Ok(&[12.0]), 1);
        assert_eq!(ok, "3,0.5,\"x,y\",1,7,ok,,12");
        let err = runs_row(4, &["2".into(), "z".into()], 0, 7, Err("line one\nline \"two\""), 1);
        assert_eq!(err, "4,2,z,0,7,error,\"line one; line \"\"two\"\"\",");
        assert_eq!(fmt_p(0.0), "0");
        assert_eq!(fmt_p(0.25), "0.25");
        assert_eq!(fmt_p(1.5e-12), "1.500e-12");
    }
}
