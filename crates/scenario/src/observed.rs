//! Observed data a scenario names (`run.observed`): what really happened, read and checked
//! with the scenario so that `run` can draw it over the simulation and report the fit.
//!
//! The file is a CSV with the columns `metric,region,date,value` (any order, by header
//! name; `#` lines are comments). `metric` is a column of `timeseries.csv`; `region` is
//! empty for the national series or a region of the scenario; `date` is a calendar year
//! `YYYY` (the value is the year's mean of the metric's monthly values: for
//! `homicide_rate`, the annual rate), a month `YYYY-MM` (both need `run.start`), or a
//! reported month (an integer, for undated scenarios); `value` is a number ≥ 0. Rows may
//! lie outside the run's months (a file of 1990–2020 beside a 2000–2014 run): the outputs
//! skip them and say how many. The path is relative to the scenario file that names it, as
//! `extends` is, so a scenario and its data move together.

use std::path::{Path, PathBuf};

use super::error::{ErrorKind, Origin, Problem};
use narcodoor_model::calendar::YearMonth;
use narcodoor_model::metrics::{METRICS, index_of};
use narcodoor_model::params::Params;

/// One observed value.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// The line in the file (the header is line 1).
    pub line: usize,
    pub metric: usize,
    /// The region's index, or `None` for the national series.
    pub region: Option<usize>,
    /// The date as written (`2008`, `2008-03`, `17`).
    pub date: String,
    /// The reported months the value covers, inclusive (may lie outside the run).
    pub first: i64,
    pub last: i64,
    pub value: f64,
}

/// The observed data of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// The file read (the scenario's directory joined with `run.observed`).
    pub file: PathBuf,
    pub rows: Vec<Observation>,
}

impl Observed {
    /// The legend's name for the observations: the file's name.
    pub fn label(&self) -> String {
        let name = self
            .file
            .file_name()
            .map_or_else(|| self.file.display().to_string(), |n| n.to_string_lossy().into());
        format!("observed ({name})")
    }
}

const COLUMNS: [&str; 4] = ["metric", "region", "date", "value"];

/// Reads the file `p.run.observed` names, relative to `origin`'s file (the scenario file
/// that wrote the key). A problem is returned with the key's origin and names the data
/// file, its line and field.
pub fn load(p: &Params, origin: &Origin) -> Result<Option<Observed>, Problem> {
    let Some(name) = &p.run.observed else { return Ok(None) };
    let dir = match origin {
        Origin::File { path, .. } => path.parent().map(Path::to_path_buf).unwrap_or_default(),
        _ => PathBuf::new(),
    };
    let file = dir.join(name);
    let problem = |m: String| Problem::new(ErrorKind::Io, origin.clone(), "run.observed", m);
    let text = crate::input_file::read_text(&file).map_err(|e| problem(format!("run.observed: {e}")))?;
    let rows = parse(&text, &file.display().to_string(), p)
        .map_err(|m| Problem::new(ErrorKind::OutOfRange, origin.clone(), "run.observed", m))?;
    Ok(Some(Observed { file, rows }))
}

/// Checks the text of an observed-data file named `file` in messages.
pub fn parse(text: &str, file: &str, p: &Params) -> Result<Vec<Observation>, String> {
    let mut reader =
        csv::ReaderBuilder::new().comment(Some(b'#')).trim(csv::Trim::All).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| format!("{file}: {e}"))?.clone();
    let mut pos = [0usize; 4];
    for (k, c) in COLUMNS.iter().enumerate() {
        pos[k] = header.iter().position(|n| n == *c).ok_or_else(|| {
            format!("{file}:1: field `{c}`: missing from the header (expected {})", COLUMNS.join(","))
        })?;
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{file}: {e}"))?;
        let line = record.position().map_or(0, |q| q.line() as usize);
        let get = |k: usize| record.get(pos[k]).unwrap_or("");
        rows.push(row(file, line, get, p)?);
    }
    if rows.is_empty() {
        return Err(format!("{file}: no observed rows"));
    }
    Ok(rows)
}

fn row<'a>(
    file: &str,
    line: usize,
    get: impl Fn(usize) -> &'a str,
    p: &Params,
) -> Result<Observation, String> {
    let err = |field: &str, msg: String| format!("{file}:{line}: field `{field}`: {msg}");
    let metric = index_of(get(0)).ok_or_else(|| {
        err("metric", format!("`{}` is not a metric; choose one of {}", get(0), METRICS.join(", ")))
    })?;
    let name = get(1);
    let region = if name.is_empty() {
        None
    } else {
        let names: Vec<&str> = p.regions.iter().map(|r| r.name.as_str()).collect();
        let i = names.iter().position(|n| *n == name);
        Some(i.ok_or_else(|| {
            err("region", format!("`{name}` is not a region of the scenario ({})", names.join(", ")))
        })?)
    };
    let date = get(2);
    let (first, last) = months_of(date, p.run.start).map_err(|m| err("date", m))?;
    let value = get(3).parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0);
    let value = value.ok_or_else(|| err("value", format!("`{}` is not a number ≥ 0", get(3))))?;
    Ok(Observation { line, metric, region, date: date.to_string(), first, last, value })
}

/// The reported months a date covers: a year's twelve, a month, or a reported month.
fn months_of(date: &str, start: Option<YearMonth>) -> Result<(i64, i64), String> {
    let need_start = || format!("`{date}` is a date but the scenario has no run.start");
    if date.len() == 4 && date.bytes().all(|b| b.is_ascii_digit()) {
        let start = start.ok_or_else(need_start)?;
        let january =
            YearMonth::parse(&format!("{date}-01")).ok_or_else(|| format!("`{date}` is not a year"))?;
        let first = january.since(start);
        return Ok((first, first + 11));
    }
    if let Some(m) = YearMonth::parse(date) {
        let t = m.since(start.ok_or_else(need_start)?);
        return Ok((t, t));
    }
    match (date.parse::<u32>(), start) {
        (Ok(t), None) => Ok((i64::from(t), i64::from(t))),
        (Ok(_), Some(_)) => {
            Err(format!("`{date}` is a reported month but the scenario is dated: write YYYY or YYYY-MM"))
        }
        _ => Err(format!("`{date}` is not a year YYYY, a month YYYY-MM or a reported month")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(start: Option<&str>) -> Params {
        let text = "[run]\nmonths = 36\n[population]\npeers = 4\n\
                    [[region]]\nname = \"North\"\nyouths = 500\n[[region]]\nname = \"South\"\nyouths = 300\n";
        let mut p = crate::load_str(text, Path::new("t.toml")).unwrap().params;
        p.run.start = start.and_then(YearMonth::parse);
        p
    }

    #[test]
    fn years_months_and_reported_months() {
        let p = params(Some("2000-01"));
        let text =
            "# INEGI\nvalue,metric,date,region\n10.5,homicide_rate,2001,\n3,homicide_rate,2002-03,South\n";
        let rows = parse(text, "O.csv", &p).unwrap();
        assert_eq!((rows[0].first, rows[0].last, rows[0].region, rows[0].line), (12, 23, None, 3));
        assert_eq!((rows[1].first, rows[1].last, rows[1].region, rows[1].value), (26, 26, Some(1), 3.0));
        // Before the start and after the end are kept: the outputs skip them.
        let rows =
            parse("metric,region,date,value\nhomicides,,1999,4\nhomicides,,2030,4\n", "O.csv", &p).unwrap();
        assert_eq!((rows[0].first, rows[1].first), (-12, 360));
        let undated = params(None);
        let rows = parse("metric,region,date,value\nmembers,North,7,40\n", "O.csv", &undated).unwrap();
        assert_eq!((rows[0].first, rows[0].last), (7, 7));
    }

    #[test]
    fn bad_rows_name_file_line_and_field() {
        let dated = params(Some("2000-01"));
        let head = "metric,region,date,value\n";
        for (row, expect) in [
            ("homicide_ratio,,2001,3", "O.csv:2: field `metric`"),
            ("homicides,West,2001,3", "O.csv:2: field `region`"),
            ("homicides,,01/2001,3", "O.csv:2: field `date`"),
            ("homicides,,2001-13,3", "O.csv:2: field `date`"),
            ("homicides,,12,3", "O.csv:2: field `date`"),
            ("homicides,,2001,-3", "O.csv:2: field `value`"),
            ("homicides,,2001,NaN", "O.csv:2: field `value`"),
        ] {
            let e = parse(&format!("{head}{row}\n"), "O.csv", &dated).unwrap_err();
            assert!(e.starts_with(expect), "{row}: {e}");
        }
        let e = parse("metric,region,date,value\nhomicides,,2001,3\n", "O.csv", &params(None)).unwrap_err();
        assert!(e.contains("field `date`") && e.contains("no run.start"), "{e}");
        let e = parse("metric,date,value\n", "O.csv", &dated).unwrap_err();
        assert!(e.contains("field `region`"), "{e}");
        assert!(parse(head, "O.csv", &dated).unwrap_err().contains("no observed rows"));
    }
}
