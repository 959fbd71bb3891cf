//! The CSV files of a run: their row types, headers and number formatting.
//!
//! Column names and orders here are a contract read by other tools (see the README).
//! Counts are written as integers; real numbers with at most nine decimals, in Rust's
//! shortest round-trip form, so the same run always writes the same bytes.

use crate::experiment::summary::{Interval, Summary};
use crate::spelling::fmt_real;
use std::io::{self, Write};
use std::path::Path;

use crate::output::atomic::AtomicFile;
use narcodoor_engine::{Event, ReplicateResult};
use narcodoor_model::calendar::{self, YearMonth};
use narcodoor_model::metrics::{METRICS, Row, is_real};

/// Formats a metric value: integers for counts, trimmed decimals for reals.
pub fn fmt_metric(i: usize, v: f64) -> String {
    if is_real(i) { fmt_real(v) } else { format!("{}", v.round() as i64) }
}

/// `,YYYY-MM` after the month when the run is dated, nothing otherwise.
pub(crate) fn date_field(start: Option<YearMonth>, month: u32) -> String {
    calendar::label(start, month).map_or(String::new(), |d| format!(",{d}"))
}

/// `,date` after `month` in the headers of a dated run.
pub(crate) fn date_header(start: Option<YearMonth>) -> &'static str {
    if start.is_some() { ",date" } else { "" }
}

fn write_metrics(w: &mut impl Write, row: &Row) -> io::Result<()> {
    for (i, v) in row.iter().enumerate() {
        write!(w, ",{}", fmt_metric(i, *v))?;
    }
    writeln!(w)
}

/// `timeseries.csv`: one row per replicate × month, national metrics.
pub struct TimeseriesWriter {
    w: AtomicFile,
    start: Option<YearMonth>,
}

impl TimeseriesWriter {
    pub fn header() -> String {
        Self::header_dated(None)
    }

    /// With `run.start`, a `date` column follows `month`.
    pub fn header_dated(start: Option<YearMonth>) -> String {
        format!("replicate,month{},{}", date_header(start), METRICS.join(","))
    }

    pub fn create(path: &Path) -> io::Result<Self> {
        Self::create_dated(path, None)
    }

    pub fn create_dated(path: &Path, start: Option<YearMonth>) -> io::Result<Self> {
        let mut w = AtomicFile::create(path)?;
        writeln!(w, "{}", Self::header_dated(start))?;
        Ok(TimeseriesWriter { w, start })
    }

    pub fn write(&mut self, result: &ReplicateResult) -> io::Result<()> {
        for m in &result.months {
            write!(self.w, "{},{}{}", result.replicate, m.month, date_field(self.start, m.month))?;
            write_metrics(&mut self.w, &m.metrics.national)?;
        }
        Ok(())
    }

    /// Writes the file under its name (see [`AtomicFile`]).
    pub fn finish(self) -> io::Result<()> {
        self.w.commit()
    }
}

/// `regions.csv`: one row per replicate × month × region.
pub struct RegionsWriter {
    w: AtomicFile,
    names: Vec<String>,
    start: Option<YearMonth>,
}

impl RegionsWriter {
    pub fn header() -> String {
        Self::header_dated(None)
    }

    pub fn header_dated(start: Option<YearMonth>) -> String {
        format!("replicate,month{},region,{}", date_header(start), METRICS.join(","))
    }

    pub fn create(path: &Path, names: Vec<String>) -> io::Result<Self> {
        Self::create_dated(path, names, None)
    }

    pub fn create_dated(path: &Path, names: Vec<String>, start: Option<YearMonth>) -> io::Result<Self> {
        let mut w = AtomicFile::create(path)?;
        writeln!(w, "{}", Self::header_dated(start))?;
        Ok(RegionsWriter { w, names, start })
    }

    pub fn write(&mut self, result: &ReplicateResult) -> io::Result<()> {
        for m in &result.months {
            let date = date_field(self.start, m.month);
            for (r, row) in m.metrics.regions.iter().enumerate() {
                write!(self.w, "{},{}{},{}", result.replicate, m.month, date, csv_field(&self.names[r]))?;
                write_metrics(&mut self.w, row)?;
            }
        }
        Ok(())
    }

    /// Writes the file under its name (see [`AtomicFile`]).
    pub fn finish(self) -> io::Result<()> {
        self.w.commit()
    }
}

/// `events.csv`: one row per kingpin removal. A dated run has a `date` column after
/// `month`; a run with dated kingpin events ends each row with `skipped` (true for an event
/// that found its cartel gone).
pub struct EventsWriter {
    w: AtomicFile,
    names: Vec<String>,
    start: Option<YearMonth>,
    with_skipped: bool,
}

impl EventsWriter {
    pub const HEADER: &'static str = "replicate,month,cartel,split,new_cartel,regions";

    pub fn create(path: &Path, region_names: Vec<String>) -> io::Result<Self> {
        Self::create_dated(path, region_names, None, false)
    }

    pub fn header_dated(start: Option<YearMonth>, with_skipped: bool) -> String {
        let skipped = if with_skipped { ",skipped" } else { "" };
        format!("replicate,month{},cartel,split,new_cartel,regions{skipped}", date_header(start))
    }

    pub fn create_dated(
        path: &Path,
        region_names: Vec<String>,
        start: Option<YearMonth>,
        with_skipped: bool,
    ) -> io::Result<Self> {
        let mut w = AtomicFile::create(path)?;
        writeln!(w, "{}", Self::header_dated(start, with_skipped))?;
        Ok(EventsWriter { w, names: region_names, start, with_skipped })
    }

    pub fn write(&mut self, replicate: u32, events: &[Event]) -> io::Result<()> {
        for e in events {
            let regions: Vec<&str> = e.regions.iter().map(|&r| self.names[r].as_str()).collect();
            write!(
                self.w,
                "{},{}{},{},{},{},{}",
                replicate,
                e.month,
                date_field(self.start, e.month),
                csv_field(&e.cartel),
                e.split,
                csv_field(e.new_cartel.as_deref().unwrap_or("")),
                csv_field(&regions.join(";"))
            )?;
            if self.with_skipped {
                write!(self.w, ",{}", e.skipped)?;
            }
            writeln!(self.w)?;
        }
        Ok(())
    }

    /// Writes the file under its name (see [`AtomicFile`]).
    pub fn finish(self) -> io::Result<()> {
        self.w.commit()
    }
}

/// Quotes a text field when it needs it (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// The interval columns of the summary files, each preceded by a comma:
/// `,<metric>_mean,<metric>_lo,<metric>_hi` for every metric.
fn interval_columns() -> String {
    METRICS.iter().map(|name| format!(",{name}_mean,{name}_lo,{name}_hi")).collect()
}

/// Writes one month's intervals (see `interval_columns`) and ends the line.
fn write_intervals(w: &mut impl Write, row: &[Interval]) -> io::Result<()> {
    for iv in row {
        write!(w, ",{},{},{}", fmt_real(iv.mean), fmt_real(iv.lo), fmt_real(iv.hi))?;
    }
    writeln!(w)
}

impl Summary {
    pub fn header() -> String {
        format!("month{}", interval_columns())
    }

    /// One metric's bands over the months.
    pub fn series(&self, metric: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let mean = self.rows.iter().map(|r| r[metric].mean).collect();
        let lo = self.rows.iter().map(|r| r[metric].lo).collect();
        let hi = self.rows.iter().map(|r| r[metric].hi).collect();
        (mean, lo, hi)
    }

    pub fn write(&self, path: &Path) -> io::Result<()> {
        self.write_dated(path, None)
    }

    /// Writes `summary.csv`, with a `date` column after `month` when `start` is given.
    pub fn write_dated(&self, path: &Path, start: Option<YearMonth>) -> io::Result<()> {
        let mut w = AtomicFile::create(path)?;
        writeln!(w, "month{}{}", date_header(start), interval_columns())?;
        for (month, row) in self.months.iter().zip(&self.rows) {
            write!(w, "{month}{}", date_field(start, *month))?;
            write_intervals(&mut w, row)?;
        }
        w.commit()
    }
}

/// `regions_summary.csv`: each region's metrics across replicates, one row per month ×
/// region (in the order of `regions.csv`): `month`, `region`, then the columns of
/// `summary.csv`. `regions` holds one summary per region, in scenario order.
/// With `start`, a `date` column follows `month`.
pub fn write_regions_summary(
    path: &Path,
    names: &[String],
    regions: &[Summary],
    start: Option<YearMonth>,
) -> io::Result<()> {
    let mut w = AtomicFile::create(path)?;
    writeln!(w, "month{},region{}", date_header(start), interval_columns())?;
    let months = regions.first().map_or(&[][..], |s| &s.months[..]);
    for (t, month) in months.iter().enumerate() {
        let date = date_field(start, *month);
        for (name, summary) in names.iter().zip(regions) {
            write!(w, "{month}{date},{}", csv_field(name))?;
            write_intervals(&mut w, &summary.rows[t])?;
        }
    }
    w.commit()
}

/// Writes the annual means of a dated run (`annual.csv`): per calendar year, the national
/// row (empty `region`) then every region's, each metric's mean and 95% interval across
/// replicates; `months` is how many months of the year the run covers. Each summary's
/// `months` hold the calendar years.
pub fn write_annual(
    path: &Path,
    names: &[String],
    national: &Summary,
    regions: &[Summary],
    months_in_year: &[u32],
) -> io::Result<()> {
    let mut w = AtomicFile::create(path)?;
    writeln!(w, "year,months,region{}", interval_columns())?;
    for (i, (year, months)) in national.months.iter().zip(months_in_year).enumerate() {
        write!(w, "{year},{months},")?;
        write_intervals(&mut w, &national.rows[i])?;
        for (name, summary) in names.iter().zip(regions) {
            write!(w, "{year},{months},{}", csv_field(name))?;
            write_intervals(&mut w, &summary.rows[i])?;
        }
    }
    w.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use narcodoor_model::metrics::m;

    #[test]
    fn numbers_are_formatted_stably() {
        assert_eq!(fmt_metric(m::MEMBERS, 463.0), "463");
        assert_eq!(fmt_metric(m::VIOLENCE, 0.1 + 0.2), "0.3");
        assert_eq!(fmt_real(-0.0000000001), "0");
        assert_eq!(fmt_real(1.5e10), "15000000000");
        assert_eq!(fmt_real(f64::NAN), "NaN");
    }

    #[test]
    fn headers_follow_the_contract() {
        let h = TimeseriesWriter::header();
        assert!(h.starts_with("replicate,month,school,work,idle,members,members_rank1,"));
        assert!(h.ends_with("spending_juvenile_law,spending_asset_forfeiture,spending_demand"));
        assert!(Summary::header().starts_with("month,school_mean,school_lo,school_hi,work_mean"));
        let start = YearMonth::parse("2000-01");
        assert!(TimeseriesWriter::header_dated(start).starts_with("replicate,month,date,school,"));
        assert!(RegionsWriter::header_dated(start).starts_with("replicate,month,date,region,school,"));
        assert_eq!(TimeseriesWriter::header_dated(None), TimeseriesWriter::header());
        assert_eq!(EventsWriter::header_dated(None, false), EventsWriter::HEADER);
        assert_eq!(date_field(start, 83), ",2006-12");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}
