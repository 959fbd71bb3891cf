//! Designs read from a CSV file (`sweep --design-file`, `sensitivity --design-file`), so
//! that other tools — SALib, EMA Workbench, R, a spreadsheet — can choose the points.
//!
//! The file's header names parameter paths (as `--set` takes them); every further line is
//! one design point, a value per column. Cells that read as numbers are set as numbers
//! (`scenario::set_value_f64`, integers rounded, as for Latin hypercubes); other cells are
//! set as text (`true`, a region name, `0.5;0.3;0.2`). Blank lines and lines starting with
//! `#` are skipped. Anything else that is not a clean rectangle of values is bad input
//! (exit code 2) naming the file, the line and the column.
//!
//! For `sensitivity --method sobol` the rows must be a Saltelli design in the layout that
//! SALib's `sobol.sample(..., calc_second_order=False)` writes: for each base sample j,
//! the rows A_j, AB_j^1, …, AB_j^k, B_j (k + 2 rows), where AB_j^i is A_j with column i
//! taken from B_j. [`saltelli_from_rows`] checks that layout and reorders it into the
//! blocks our estimators read.

use std::path::Path;

use crate::error::InputError;
use crate::experiment::factor::PointValue;
use crate::fingerprint::fnv1a;
use narcodoor_numerics::design::Factor;
use narcodoor_numerics::sensitivity::SaltelliDesign;

/// A design read from a CSV file.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignFile {
    /// The file, as given (for messages and metadata).
    pub file: String,
    /// The column headers: parameter paths.
    pub paths: Vec<String>,
    /// One point per data line, one value per path.
    pub rows: Vec<Vec<PointValue>>,
    /// FNV-1a (64 bits) of the file's bytes: identifies the design for resuming.
    pub hash: String,
}

fn bad(file: &str, msg: String) -> anyhow::Error {
    InputError::new(format!("--design-file {file}: {msg}")).into()
}

/// Reads a design file (see the module's rules).
pub fn read_design_file(path: &Path) -> anyhow::Result<DesignFile> {
    let file = path.display().to_string();
    let bytes = narcodoor_scenario::input_file::read_bytes(path).map_err(|e| bad(&file, e.reason))?;
    parse_design(&file, &bytes)
}

/// Parses the bytes of a design file; `file` names it in messages.
pub fn parse_design(file: &str, bytes: &[u8]) -> anyhow::Result<DesignFile> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .comment(Some(b'#'))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader.headers().map_err(|e| bad(file, format!("cannot read the header ({e})")))?;
    let paths: Vec<String> = headers.iter().map(str::to_string).collect();
    if paths.is_empty() || paths.iter().all(String::is_empty) {
        return Err(bad(file, "the header names no parameter paths".into()));
    }
    for (i, p) in paths.iter().enumerate() {
        if p.is_empty() {
            return Err(bad(
                file,
                format!(
                    "column {} of the header is empty (an index column? write the CSV without one)",
                    i + 1
                ),
            ));
        }
        if paths[..i].contains(p) {
            return Err(bad(file, format!("column `{p}` appears twice in the header")));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| bad(file, format!("{e}")))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != paths.len() {
            return Err(bad(
                file,
                format!("line {line} has {} values but the header names {} paths", record.len(), paths.len()),
            ));
        }
        let row = record
            .iter()
            .zip(&paths)
            .map(|(cell, path)| {
                cell_value(cell).map_err(|m| bad(file, format!("line {line}, column {path}: {m}")))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(bad(file, "no design points (only a header)".into()));
    }
    Ok(DesignFile { file: file.to_string(), paths, rows, hash: fnv1a(bytes) })
}

fn cell_value(cell: &str) -> Result<PointValue, String> {
    if cell.is_empty() {
        return Err("empty value".into());
    }
    match cell.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(PointValue::Num(x)),
        Ok(_) => Err(format!("`{cell}` is not a finite number")),
        Err(_) => Ok(PointValue::Text(cell.to_string())),
    }
}

impl DesignFile {
    /// One factor per column, for the checks and the metadata that sweeps share: a range
    /// [min, max] for a column of numbers, the distinct values (in order of appearance) for
    /// any other column.
    pub fn factors(&self) -> Vec<Factor> {
        (0..self.paths.len())
            .map(|c| {
                let path = self.paths[c].clone();
                let nums: Option<Vec<f64>> = self
                    .rows
                    .iter()
                    .map(|r| match &r[c] {
                        PointValue::Num(x) => Some(*x),
                        PointValue::Text(_) => None,
                    })
                    .collect();
                match nums {
                    Some(xs) => Factor::Range {
                        path,
                        lo: xs.iter().copied().fold(f64::INFINITY, f64::min),
                        hi: xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    },
                    None => {
                        let mut values: Vec<String> = Vec::new();
                        for r in &self.rows {
                            let v = match &r[c] {
                                PointValue::Text(t) => t.clone(),
                                PointValue::Num(x) => x.to_string(),
                            };
                            if !values.contains(&v) {
                                values.push(v);
                            }
                        }
                        Factor::Levels { path, values }
                    }
                }
            })
            .collect()
    }

    /// The rows as numbers (for Sobol' designs), or which cell is not one.
    pub fn numeric_rows(&self) -> anyhow::Result<Vec<Vec<f64>>> {
        self.rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                r.iter()
                    .zip(&self.paths)
                    .map(|(v, path)| match v {
                        PointValue::Num(x) => Ok(*x),
                        PointValue::Text(t) => Err(bad(
                            &self.file,
                            format!(
                                "point {i}, column {path}: `{t}` is not a number (a Sobol' design is numeric)"
                            ),
                        )),
                    })
                    .collect()
            })
            .collect()
    }
}

/// Reads a Saltelli design in SALib's layout (`calc_second_order=False`: per base sample
/// A_j, AB_j^1..AB_j^k, B_j) and returns it in our layout (blocks A, B, AB_0..AB_{k−1}),
/// or a message saying where the layout breaks.
pub fn saltelli_from_rows(rows: &[Vec<f64>]) -> Result<SaltelliDesign, String> {
    let k = rows.first().map_or(0, Vec::len);
    if k == 0 {
        return Err("the design has no columns".into());
    }
    let width = k + 2;
    if rows.len() % width != 0 {
        return Err(format!(
            "{} rows is not a multiple of k + 2 = {width}; expected SALib's sobol.sample(..., calc_second_order=False) layout \
             (A, AB_1..AB_k, B for each base sample)",
            rows.len()
        ));
    }
    let n = rows.len() / width;
    let (mut a, mut b, mut ab) =
        (Vec::with_capacity(n), Vec::with_capacity(n), vec![Vec::with_capacity(n); k]);
    for j in 0..n {
        let block = &rows[j * width..(j + 1) * width];
        let (ra, rb) = (&block[0], &block[k + 1]);
        for (i, rab) in block[1..=k].iter().enumerate() {
            let ok = (0..k).all(|c| rab[c] == if c == i { rb[c] } else { ra[c] });
            if !ok {
                return Err(format!(
                    "row {} should be A with column {} from B (row {}, AB_{} of base sample {j}); the file is not a Saltelli \
                     design in SALib's layout (calc_second_order=False)",
                    j * width + 1 + i,
                    i + 1,
                    j * width + k + 1,
                    i + 1
                ));
            }
            ab[i].push(rab.clone());
        }
        a.push(ra.clone());
        b.push(rb.clone());
    }
    Ok(SaltelliDesign { k, n, a, b, ab })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_text_comments_and_blank_lines() {
        let d = parse_design("d.csv", b"# made by hand\na.b, c\n0.5, true\n\n2,x;y\n").unwrap();
        assert_eq!(d.paths, ["a.b", "c"]);
        assert_eq!(d.rows.len(), 2);
        assert_eq!(d.rows[0], [PointValue::Num(0.5), PointValue::Text("true".into())]);
        assert_eq!(d.rows[1], [PointValue::Num(2.0), PointValue::Text("x;y".into())]);
        assert_eq!(
            d.factors(),
            [
                Factor::Range { path: "a.b".into(), lo: 0.5, hi: 2.0 },
                Factor::Levels { path: "c".into(), values: vec!["true".into(), "x;y".into()] }
            ]
        );
    }

    #[test]
    fn bad_files_name_the_problem() {
        for (text, needle) in [
            ("", "header"),
            (",a\n0,1\n", "index column"),
            ("a,a\n1,2\n", "twice"),
            ("a,b\n1\n", "line 2 has 1 values"),
            ("a,b\n1,\n", "line 2, column b: empty"),
            ("a\nNaN\n", "finite"),
            ("a,b\n", "no design points"),
        ] {
            let e = parse_design("d.csv", text.as_bytes()).unwrap_err().to_string();
            assert!(e.starts_with("--design-file d.csv: ") && e.contains(needle), "{text:?}: {e}");
        }
    }

    #[test]
    fn salib_layout_is_reordered_and_checked() {
        // k = 2, n = 2: A, AB1, AB2, B per base sample.
        let rows = vec![
            vec![0.1, 0.2],
            vec![0.7, 0.2],
            vec![0.1, 0.8],
            vec![0.7, 0.8],
            vec![0.3, 0.4],
            vec![0.5, 0.4],
            vec![0.3, 0.6],
            vec![0.5, 0.6],
        ];
        let d = saltelli_from_rows(&rows).unwrap();
        assert_eq!((d.k, d.n), (2, 2));
        assert_eq!(d.a, [vec![0.1, 0.2], vec![0.3, 0.4]]);
        assert_eq!(d.b, [vec![0.7, 0.8], vec![0.5, 0.6]]);
        assert_eq!(d.ab[1], [vec![0.1, 0.8], vec![0.3, 0.6]]);
        let mut broken = rows.clone();
        broken[5][1] = 0.9;
        assert!(saltelli_from_rows(&broken).unwrap_err().contains("row 5"));
        assert!(saltelli_from_rows(&rows[..7]).unwrap_err().contains("multiple"));
    }
}
