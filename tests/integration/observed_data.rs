//! Dated scenarios show what happened (issue 27, item 4), driven through the binary: a
//! scenario's `run.observed` data are fitted row by row in `observed_fit.csv`, summarised
//! on the terminal and in the manifest, drawn over the simulation; a run shorter than the
//! data says what it left out; bad data files are bad input naming file, line and field.

use std::collections::BTreeMap;

use crate::common::csv_table as rows;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn narcodoor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_narcodoor")).args(args).current_dir(root()).output().unwrap()
}

fn num(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column].parse().unwrap_or_else(|_| panic!("{column} = {:?}", row[column]))
}

fn mexico(out: &Path, months: &str, charts: bool) -> Output {
    let mut args = vec![
        "run",
        "scenarios/mexico_2000.toml",
        "--youths",
        "60000",
        "--replicates",
        "3",
        "--months",
        months,
        "--out",
        out.to_str().unwrap(),
    ];
    if !charts {
        args.push("--no-charts");
    }
    narcodoor(&args)
}

#[test]
fn a_dated_run_fits_and_draws_what_happened() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mx");
    let o = mexico(&out, "156", true);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("homicide_rate (national, 13 rows): mean |log error| "), "{stdout}");
    assert!(stdout.contains("homicide_rate (by region, 416 rows)"), "{stdout}");

    // Every observed row of 2000-2012 is in the fit, with the file's value.
    let (_, observed) = rows(&root().join("data/mexico/observed_2000_2012.csv"));
    let (header, fit) = rows(&out.join("observed_fit.csv"));
    assert_eq!(
        header.join(","),
        "metric,region,date,observed,simulated_mean,simulated_lo,simulated_hi,\
         replicate_min,replicate_max,log_error,within_replicates"
    );
    assert_eq!((observed.len(), fit.len()), (13 + 32 * 13, 13 + 32 * 13));
    for (o, f) in observed.iter().zip(&fit) {
        assert_eq!((&o["region"], &o["date"]), (&f["region"], &f["date"]));
        assert_eq!(num(o, "value"), num(f, "observed"));
        let (mean, min, max) = (num(f, "simulated_mean"), num(f, "replicate_min"), num(f, "replicate_max"));
        assert!(min <= mean && mean <= max && num(f, "simulated_lo") <= mean, "{f:?}");
        assert_eq!(f["within_replicates"] == "true", min <= num(f, "observed") && num(f, "observed") <= max);
    }
    // The fit's simulated annual rate is the annual mean annual.csv reports, by another path.
    let (_, annual) = rows(&out.join("annual.csv"));
    let chihuahua = |year: &str| {
        let a = annual.iter().find(|r| r["year"] == year && r["region"] == "Chihuahua").unwrap();
        let f = fit.iter().find(|r| r["date"] == year && r["region"] == "Chihuahua").unwrap();
        (num(a, "homicide_rate_mean"), num(f, "simulated_mean"))
    };
    for year in ["2000", "2008", "2012"] {
        let (a, f) = chihuahua(year);
        assert!((a - f).abs() <= 1e-6 * a.abs().max(1.0), "{year}: annual {a}, fit {f}");
    }
    assert_eq!(annual.len(), 13 * 33, "13 years, the nation and 32 states each");

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["observed_fit"]["rows"], 429);
    assert_eq!(manifest["observed_fit"]["fit"].as_array().unwrap().len(), 2);
    let outputs: Vec<&str> =
        manifest["outputs"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    for f in
        ["observed_fit.csv", "annual.csv", "charts/homicide_rate.png", "charts/homicide_rate_by_region.png"]
    {
        assert!(outputs.contains(&f) && out.join(f).is_file(), "{f} in {outputs:?}");
    }
}

#[test]
fn a_run_shorter_than_the_data_says_what_it_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mx");
    let o = mexico(&out, "120", false);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (_, fit) = rows(&out.join("observed_fit.csv"));
    assert_eq!(fit.len(), 10 * 33, "2000-2009 only");
    let warning = "99 observed values lie outside the run's reported months";
    assert!(String::from_utf8_lossy(&o.stderr).contains(warning));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains(warning), "{manifest}");
}

#[test]
fn bad_observed_data_is_bad_input_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    let text = "[run]\nmonths = 24\nstart = \"2000-01\"\nobserved = \"data/obs.csv\"\n[population]\nyouths = 2000\n\
                [[region]]\nname = \"North\"\n[[region]]\nname = \"South\"\n";
    std::fs::write(&scenario, text).unwrap();
    let run = || narcodoor(&["validate", scenario.to_str().unwrap()]);
    let o = run();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("run.observed") && stderr.contains("obs.csv"), "{stderr}");

    std::fs::create_dir(dir.path().join("data")).unwrap();
    let csv = dir.path().join("data/obs.csv");
    std::fs::write(&csv, "metric,region,date,value\nhomicide_rate,,2000,9\nhomicide_rate,West,2000,9\n")
        .unwrap();
    let o = run();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("obs.csv:3: field `region`: `West` is not a region"), "{stderr}");

    // Relative to the scenario file, not to the working directory.
    std::fs::write(&csv, "metric,region,date,value\nhomicide_rate,,2000,9\nhomicide_rate,South,2001-06,9\n")
        .unwrap();
    let o = run();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_comparison_reports_each_scenarios_fit_to_its_observed_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let o = narcodoor(&[
        "compare",
        "scenarios/mexico_2000.toml",
        "scenarios/mexico_2000.toml",
        "--youths",
        "40000",
        "--replicates",
        "2",
        "--months",
        "36",
        "--no-charts",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Fit to observed data"), "{report}");
    assert!(
        report.contains("- mexico_2000: homicide_rate (national, 3 rows): mean |log error| "),
        "{report}"
    );
    assert!(report.contains("- mexico_2000-2: homicide_rate (by region, 96 rows)"), "{report}");
    let (_, fit) = rows(&out.join("scenarios/mexico_2000/observed_fit.csv"));
    assert_eq!(fit.len(), 3 * 33);
}
