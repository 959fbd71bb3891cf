//! `--design-file`: designs made by other tools (SALib, EMA Workbench, R) run through
//! `sweep` and `sensitivity --method sobol`. A file listing a grid's points gives the grid's
//! runs; a Saltelli design in SALib's layout is reordered into ours exactly; bad files and
//! changed files are refused with exit code 2.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_narcodoor");
const TINY: &str = "tests/fixtures/tiny_all_levers.toml";
const SIM: [&str; 5] = ["--months", "6", "--replicates", "2", "--quiet"];

fn narcodoor(args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("the binary runs")
}

fn ok(args: &[&str]) {
    let o = narcodoor(args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A CSV file without its `#` metadata lines.
fn data(p: &Path) -> String {
    let text = fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    text.lines().filter(|l| !l.starts_with('#')).map(|l| format!("{l}\n")).collect()
}

#[test]
fn a_file_listing_a_grids_points_runs_the_grid() {
    let dir = tempfile::tempdir().unwrap();
    let grid = dir.path().join("grid");
    let mut args = vec!["sweep", TINY, "--out", s(&grid)];
    args.extend(["--set", "policy.kingpin.split_probability=0.2,1.5,0.8"]);
    args.extend(["--set", "policy.demand.reduction=0:0.5:3"]);
    args.extend(SIM);
    ok(&args);

    let file = dir.path().join("design.csv");
    let mut text = String::from(
        "# the grid above, point by point\npolicy.kingpin.split_probability,policy.demand.reduction\n",
    );
    for a in ["0.2", "1.5", "0.8"] {
        for b in ["0", "0.25", "0.5"] {
            text.push_str(&format!("{a}, {b}\n"));
        }
    }
    fs::write(&file, &text).unwrap();
    let from_file = dir.path().join("file");
    let mut args = vec!["sweep", TINY, "--out", s(&from_file), "--design-file", s(&file)];
    args.extend(SIM);
    ok(&args);
    for f in ["runs.csv", "runs_timeseries.csv"] {
        assert_eq!(data(&grid.join(f)), data(&from_file.join(f)), "{f}");
    }
    // The invalid point (split probability 1.5) is recorded as in the grid.
    assert!(data(&from_file.join("runs.csv")).contains(",error,"));

    // The same directory with other points in the file is another sweep: refused, untouched.
    fs::write(&file, text.replace("0.8, 0.5", "0.8, 0.4")).unwrap();
    let o =
        narcodoor(&[&["sweep", TINY, "--out", s(&from_file), "--design-file", s(&file)][..], &SIM].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("design file contents"));
}

#[test]
fn bad_design_files_are_refused_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cases = [
        ("policy.demand.reduction\n", "no design points"),
        (",policy.demand.reduction\n0,0.1\n", "index column"),
        ("policy.demand.reducton\n0.1\n", "did you mean"),
        ("run.months\n12\n", "run settings"),
        ("policy.demand.reduction,youth.school_dropout\n0.1\n", "line 2 has 1 values"),
    ];
    for (text, needle) in cases {
        let file = dir.path().join("bad.csv");
        fs::write(&file, text).unwrap();
        let o = narcodoor(&["sweep", TINY, "--out", s(&out), "--design-file", s(&file), "--quiet"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{text:?}: {err}");
        assert!(err.contains(needle), "{text:?}: {err}");
        assert!(!out.exists(), "{text:?}");
    }
    let file = dir.path().join("d.csv");
    fs::write(&file, "policy.demand.reduction\n0.1\n").unwrap();
    let o =
        narcodoor(&["sweep", TINY, "--design-file", s(&file), "--set", "policy.demand.reduction=0.1,0.2"]);
    assert_eq!(o.status.code(), Some(2));
    let args = ["sensitivity", TINY, "--method", "sobol", "--design-file", s(&file), "--out", s(&out)];
    let o = narcodoor(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("calc_second_order=False"));
}

/// design.csv rows (block, values) of a Sobol' analysis.
fn design_rows(p: &Path, k: usize) -> Vec<(String, Vec<String>)> {
    data(p)
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[1].to_string(), cells[2..2 + k].iter().map(|c| c.to_string()).collect())
        })
        .collect()
}

/// Writes our A, B, AB_i blocks in SALib's layout: per base sample A_j, AB_j^1..AB_j^k, B_j.
fn salib_layout(path: &Path, paths: &[&str], rows: &[(String, Vec<String>)], n: usize, k: usize) {
    let mut text = paths.join(",") + "\n";
    for j in 0..n {
        text.push_str(&rows[j].1.join(","));
        text.push('\n');
        for i in 0..k {
            text.push_str(&rows[(2 + i) * n + j].1.join(","));
            text.push('\n');
        }
        text.push_str(&rows[n + j].1.join(","));
        text.push('\n');
    }
    fs::write(path, text).unwrap();
}

#[test]
fn a_saltelli_design_in_salibs_layout_is_read_into_ours_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let paths = ["policy.demand.reduction", "policy.scholarships.coverage"];
    let (n, k) = (6, 2);
    let common = ["--outcome", "members", "--no-charts", "--quiet", "--months", "6", "--replicates", "1"];
    let own = dir.path().join("own");
    let mut args = vec!["sensitivity", TINY, "--method", "sobol", "--samples", "6", "--out", s(&own)];
    args.extend(["--set", "policy.demand.reduction=0:0.6", "--set", "policy.scholarships.coverage=0.1:0.9"]);
    args.extend(common);
    ok(&args);

    // Round trip twice: the first trip rounds the values to design.csv's digits, the second
    // must then reproduce the first's design and indices exactly.
    let mut previous = design_rows(&own.join("design.csv"), k);
    let mut indices = Vec::new();
    for trip in 0..2 {
        let file = dir.path().join(format!("salib{trip}.csv"));
        salib_layout(&file, &paths, &previous, n, k);
        let out = dir.path().join(format!("trip{trip}"));
        let args = ["sensitivity", TINY, "--method", "sobol", "--design-file", s(&file), "--out", s(&out)];
        ok(&[&args[..], &common].concat());
        let rows = design_rows(&out.join("design.csv"), k);
        assert_eq!(rows, previous, "trip {trip}: the file's rows, back in our block order");
        indices.push(data(&out.join("indices.csv")));
        previous = rows;
    }
    assert_eq!(indices[0], indices[1]);
    assert_eq!(indices[0].lines().count(), 1 + 2 * k);
}
