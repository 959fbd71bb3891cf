//! The CSV files of the experiment commands: `effects.csv` and `regional_effects.csv`
//! (compare), the rows of `runs.csv` and `runs_timeseries.csv` (sweep) and `indices.csv`
//! and `design.csv` (sensitivity).
//!
//! Rows are serde records written by the `csv` crate; enums (`change`, `statistic`,
//! `cost_status`, `method`, `index`) stay enums until they are written. As for a run's
//! files, column names and orders are a contract (documented in
//! `docs/experiments.md` and checked by `tests/integration/experiments.rs`), numbers are written in
//! the stable formats of [`crate::output::tables`], and the same inputs always give the same bytes.
//! Every line of the sweep files is one record on one line: text fields are quoted when
//! they need it and line breaks inside them are replaced, so a sweep's files can be cut and
//! joined line by line (which is how shards are merged).

/// Declares a unit enum together with the one spelling its values have in the output
/// files, the web API and the terminal: `name()`, `Display` and `Serialize` all read it.
#[macro_export]
macro_rules! written_enum {
    ($(#[$m:meta])* $vis:vis enum $name:ident { $($(#[$vm:meta])* $var:ident => $text:literal,)* }) => {
        narcodoor_numerics::named_enum! {
            $(#[$m])* $vis enum $name { $($(#[$vm])* $var => $text,)* }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }
    };
}

use std::io::{self, Write};
use std::path::Path;

use serde::{Serialize, Serializer};

use crate::output::atomic::AtomicFile;

use crate::experiment::effects::{EffectRow, Metric, RegionalEffectRow};
use crate::experiment::icer::Incremental;
use crate::experiment::outcomes::Statistic;
use crate::output::tables::fmt_metric;
use crate::spelling::fmt_real;
use narcodoor_engine::ReplicateResult;
use narcodoor_model::metrics::METRICS;
use narcodoor_numerics::stats::CostEffect;

/// A p-value: the stable real format, except that p-values too small for nine decimals
/// keep their order of magnitude instead of printing as 0.
pub fn fmt_p(p: f64) -> String {
    if p > 0.0 && p < 1e-6 { format!("{p:.3e}") } else { fmt_real(p) }
}

/// A text field on one line: line breaks turned into "; " (the csv writer quotes it).
fn flat(s: &str) -> String {
    s.lines().map(str::trim_end).collect::<Vec<_>>().join("; ")
}

/// A real number of an output table, written in the stable format of [`fmt_real`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Real(pub f64);

impl Serialize for Real {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&fmt_real(self.0))
    }
}

/// The writer of every experiment table: RFC 4180 quoting where needed, `\n` line ends,
/// and no header taken from the rows (headers are written as records, since some tables
/// have a column per factor).
fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().has_headers(false).from_writer(w)
}

/// One record as a line of text, without its line break: for the sweep files, written a
/// line at a time by their own writers.
fn record_line<R: Serialize>(record: R) -> String {
    let mut w = csv_writer(Vec::new());
    // Records of strings, numbers and unit enums always serialize, and into memory nothing
    // can fail to write.
    w.serialize(record).expect("an output record serializes");
    let mut bytes = w.into_inner().expect("writing to memory does not fail");
    bytes.pop();
    String::from_utf8(bytes).expect("a record of UTF-8 fields is UTF-8")
}

/// Writes a table atomically: its header, then one record per row.
pub(crate) fn write_table<R: Serialize>(
    path: &Path,
    header: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> io::Result<()> {
    let mut w = csv_writer(AtomicFile::create(path)?);
    w.write_record(header)?;
    for row in rows {
        w.serialize(row)?;
    }
    w.into_inner().map_err(|e| e.into_error())?.commit()
}

// ---------------------------------------------------------------------------------------
// compare: effects.csv and regional_effects.csv
// ---------------------------------------------------------------------------------------

/// The columns of a paired comparison in `effects.csv` and `regional_effects.csv`.
#[derive(Serialize)]
struct PairedRecord {
    replicates: usize,
    baseline_mean: Real,
    scenario_mean: Real,
    difference: Real,
    difference_lo: Real,
    difference_hi: Real,
    relative_change: Real,
    p_value: String,
    /// `Change` is the numerics crate's, which carries no serde: written by its name.
    change: &'static str,
}

impl PairedRecord {
    fn of(r: &EffectRow) -> PairedRecord {
        PairedRecord {
            replicates: r.replicates,
            baseline_mean: Real(r.baseline_mean),
            scenario_mean: Real(r.scenario_mean),
            difference: Real(r.difference),
            difference_lo: Real(r.lo),
            difference_hi: Real(r.hi),
            relative_change: Real(r.relative),
            p_value: fmt_p(r.p_value),
            change: r.change.name(),
        }
    }
}

/// The cost columns of `effects.csv`, all empty on rows without a cost.
#[derive(Serialize)]
struct CostRecord {
    extra_cost: Option<Real>,
    averted: Option<Real>,
    averted_lo: Option<Real>,
    averted_hi: Option<Real>,
    cost_per_averted: Option<Real>,
    cost_per_averted_lo: Option<Real>,
    cost_per_averted_hi: Option<Real>,
    cost_status: Option<&'static str>,
}

impl CostRecord {
    fn of(c: Option<&CostEffect>) -> CostRecord {
        let real = |f: fn(&CostEffect) -> f64| c.map(|c| Real(f(c)));
        CostRecord {
            extra_cost: real(|c| c.extra_cost),
            averted: real(|c| c.averted),
            averted_lo: real(|c| c.averted_lo),
            averted_hi: real(|c| c.averted_hi),
            cost_per_averted: real(|c| c.ratio),
            cost_per_averted_lo: real(|c| c.lo),
            cost_per_averted_hi: real(|c| c.hi),
            cost_status: c.map(|c| c.status.name()),
        }
    }
}

/// The paired columns, in their order in both comparison tables.
const PAIRED_COLUMNS: [&str; 9] = [
    "replicates",
    "baseline_mean",
    "scenario_mean",
    "difference",
    "difference_lo",
    "difference_hi",
    "relative_change",
    "p_value",
    "change",
];

/// The cost columns of `effects.csv`, after the paired ones.
const COST_COLUMNS: [&str; 8] = [
    "extra_cost",
    "averted",
    "averted_lo",
    "averted_hi",
    "cost_per_averted",
    "cost_per_averted_lo",
    "cost_per_averted_hi",
    "cost_status",
];

/// The columns of `effects.csv`.
pub fn effects_header() -> Vec<&'static str> {
    let mut cols = vec!["scenario", "baseline", "metric", "statistic"];
    cols.extend(PAIRED_COLUMNS);
    cols.extend(COST_COLUMNS);
    cols.push("caveats");
    cols
}

/// Writes `effects.csv`.
pub fn write_effects(path: &Path, rows: &[EffectRow]) -> io::Result<()> {
    let records = rows.iter().map(|r| {
        (
            &r.scenario,
            &r.baseline,
            r.metric,
            r.statistic,
            PairedRecord::of(r),
            CostRecord::of(r.cost.as_ref()),
            r.caveat,
        )
    });
    write_table(path, &effects_header(), records)
}

/// The columns of `incremental.csv`.
pub const INCREMENTAL_COLUMNS: [&str; 9] = [
    "outcome",
    "scenario",
    "extra_cost",
    "averted",
    "standing",
    "compared_with",
    "incremental_cost",
    "incremental_averted",
    "incremental_cost_per_averted",
];

/// Writes `incremental.csv`: for each outcome, the scenarios ranked by cost with their
/// standing and incremental ratio against the next cheaper frontier scenario.
pub fn write_incremental(path: &Path, tables: &[(Metric, Vec<Incremental>)]) -> io::Result<()> {
    let records = tables.iter().flat_map(|(metric, rows)| {
        rows.iter().map(move |r| {
            (
                *metric,
                &r.label,
                Real(r.cost),
                Real(r.averted),
                r.standing,
                r.against.clone().unwrap_or_default(),
                Real(r.extra_cost),
                Real(r.extra_averted),
                Real(r.ratio),
            )
        })
    });
    write_table(path, &INCREMENTAL_COLUMNS, records)
}

/// The columns of `regional_effects.csv`: those of `effects.csv` with `region` after
/// `baseline`, without the cost columns.
pub fn regional_effects_header() -> Vec<&'static str> {
    let mut cols = vec!["scenario", "baseline", "region", "metric", "statistic"];
    cols.extend(PAIRED_COLUMNS);
    cols
}

/// Writes `regional_effects.csv`.
pub fn write_regional_effects(path: &Path, rows: &[RegionalEffectRow]) -> io::Result<()> {
    let records = rows.iter().map(|r| {
        let e = &r.effect;
        (&e.scenario, &e.baseline, &r.region, e.metric, e.statistic, PairedRecord::of(e))
    });
    write_table(path, &regional_effects_header(), records)
}

// ---------------------------------------------------------------------------------------
// sweep: runs.csv and runs_timeseries.csv
// ---------------------------------------------------------------------------------------

/// The header of `runs.csv`: `point`, one column per factor (named by its path),
/// `replicate,seed,status,error`, then the outcome columns.
pub fn runs_header(factors: &[String], outcomes: &[String]) -> String {
    record_line((["point"], factors, ["replicate", "seed", "status", "error"], outcomes))
}

crate::written_enum! {
    /// Whether a sweep run finished, as written in `runs.csv`'s `status` column.
    enum RunStatus {
        Ok => "ok",
        Error => "error",
    }
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
    let values: Vec<String> = values.iter().map(|v| flat(v)).collect();
    let (status, error, outcomes): (_, _, Vec<Option<Real>>) = match outcomes {
        Ok(values) => (RunStatus::Ok, String::new(), values.iter().map(|&v| Some(Real(v))).collect()),
        Err(message) => (RunStatus::Error, flat(message), vec![None; n_outcomes]),
    };
    record_line((point, values, replicate, seed, status, error, outcomes))
}

/// The header of `runs_timeseries.csv`: `point,replicate,month`, then every metric.
pub fn runs_timeseries_header() -> String {
    record_line((["point", "replicate", "month"], METRICS.as_slice()))
}

/// The lines of `runs_timeseries.csv` for one run, each ending with a newline.
pub fn runs_timeseries_rows(point: usize, result: &ReplicateResult) -> String {
    let mut s = String::new();
    for m in &result.months {
        let values: Vec<String> =
            m.metrics.national.iter().enumerate().map(|(i, &v)| fmt_metric(i, v)).collect();
        s.push_str(&record_line((point, result.replicate, m.month, values)));
        s.push('\n');
    }
    s
}

// ---------------------------------------------------------------------------------------
// sensitivity: indices.csv and design.csv
// ---------------------------------------------------------------------------------------

crate::written_enum! {
    /// A sensitivity index, as written in `indices.csv`'s `index` column: Morris's mean
    /// elementary effect, mean absolute elementary effect and their spread; Sobol'
    /// first-order and total-order indices.
    pub enum IndexKind {
        Mu => "mu",
        MuStar => "mu_star",
        Sigma => "sigma",
        First => "first",
        Total => "total",
    }
}

crate::written_enum! {
    /// A sensitivity method, as written in `indices.csv`'s `method` column.
    pub enum MethodName {
        Morris => "morris",
        Sobol => "sobol",
    }
}

impl MethodName {
    /// The index that ranks the factors (the tornado chart, the terminal table): μ* for
    /// Morris, the total-order index for Sobol'.
    pub fn key_index(self) -> IndexKind {
        match self {
            MethodName::Morris => IndexKind::MuStar,
            MethodName::Sobol => IndexKind::Total,
        }
    }
}

/// One row of `indices.csv`: one index of one factor.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexRow {
    pub factor: String,
    pub lo: f64,
    pub hi: f64,
    pub index: IndexKind,
    pub estimate: f64,
    /// Bootstrap interval (NaN where none is computed).
    pub ci_lo: f64,
    pub ci_hi: f64,
}

pub const INDICES_HEADER: [&str; 10] =
    ["method", "outcome", "statistic", "factor", "lo", "hi", "index", "estimate", "ci_lo", "ci_hi"];

/// Writes `indices.csv`.
pub fn write_indices(
    path: &Path,
    method: MethodName,
    outcome: Metric,
    statistic: Statistic,
    rows: &[IndexRow],
) -> io::Result<()> {
    let records = rows.iter().map(|r| {
        let reals = [r.lo, r.hi].map(Real);
        (method, outcome, statistic, &r.factor, reals, r.index, [r.estimate, r.ci_lo, r.ci_hi].map(Real))
    });
    write_table(path, &INDICES_HEADER, records)
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
    let mut header = vec!["row", "block"];
    header.extend(factors.iter().map(String::as_str));
    header.extend(["replicates", "output", "output_sd"]);
    let records = rows.iter().enumerate().map(|(i, r)| {
        let values: Vec<Real> = r.values.iter().map(|&v| Real(v)).collect();
        (i, &r.block, values, replicates, Real(r.output), Real(r.output_sd))
    });
    write_table(path, &header, records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::effects::Caveat;
    use narcodoor_numerics::stats::Change;

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

    /// The serde rows name their columns as the headers do (the headers are written as
    /// records because some tables have a column per factor).
    #[test]
    fn headers_are_the_rows_field_names() {
        let header_of = |record: &dyn Fn(&mut csv::Writer<Vec<u8>>) -> csv::Result<()>| {
            let mut w = csv::WriterBuilder::new().has_headers(true).from_writer(Vec::new());
            record(&mut w).unwrap();
            let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
            text.lines().next().unwrap().to_string()
        };
        let row = EffectRow {
            scenario: "s".into(),
            baseline: "b".into(),
            metric: Metric(0),
            statistic: Statistic::Total,
            replicates: 2,
            baseline_mean: 1.0,
            scenario_mean: 2.0,
            difference: 1.0,
            lo: 0.5,
            hi: 1.5,
            relative: 1.0,
            p_value: 0.01,
            change: Change::Higher,
            cost: None,
            caveat: Caveat::None,
        };
        let paired = header_of(&|w| w.serialize(PairedRecord::of(&row)));
        assert_eq!(paired, PAIRED_COLUMNS.join(","));
        let cost = header_of(&|w| w.serialize(CostRecord::of(None)));
        assert_eq!(cost, COST_COLUMNS.join(","));
        assert_eq!(
            effects_header().join(","),
            "scenario,baseline,metric,statistic,replicates,baseline_mean,scenario_mean,\
difference,difference_lo,difference_hi,relative_change,p_value,change,\
extra_cost,averted,averted_lo,averted_hi,cost_per_averted,cost_per_averted_lo,cost_per_averted_hi,cost_status,caveats"
        );
    }
}
