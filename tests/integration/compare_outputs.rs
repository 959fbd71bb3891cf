//! `narcodoor compare`'s regional outputs and spending by lever (issue 17 items 1 and 2),
//! driven through the binary: the files exist with their documented columns, a scenario
//! against itself changes nothing in any region, the levers add up to the total, and the
//! report mentions both.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs a small comparison of `files` into a new directory and returns it.
fn compare(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("narcodoor-compare-outputs-").tempdir().unwrap();
    let out = dir.path().join("c");
    let mut args: Vec<String> = files.iter().map(|f| format!("scenarios/{f}.toml")).collect();
    args.extend(
        ["--replicates", "3", "--youths", "20000", "--no-charts", "--quiet", "--out", out.to_str().unwrap()]
            .map(String::from),
    );
    let o = Command::new(env!("CARGO_BIN_EXE_narcodoor"))
        .arg("compare")
        .args(&args)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir
}

#[test]
fn compare_writes_regional_files_and_effects_with_documented_columns() {
    let dir = compare(&["baseline", "enforcement_surge"]);
    let out = dir.path().join("c");
    for label in ["baseline", "enforcement_surge"] {
        for f in ["timeseries.csv", "summary.csv", "regions.csv", "regions_summary.csv"] {
            assert!(out.join("scenarios").join(label).join(f).is_file(), "{label}/{f}");
        }
        let (header, rows) = crate::common::csv_table(&out.join("scenarios").join(label).join("regions.csv"));
        assert_eq!(&header[..3], ["replicate", "month", "region"]);
        assert!(!rows.is_empty());
    }
    let (header, rows) = crate::common::csv_table(&out.join("regional_effects.csv"));
    assert_eq!(
        header.join(","),
        "scenario,baseline,region,metric,statistic,replicates,baseline_mean,scenario_mean,difference,\
         difference_lo,difference_hi,relative_change,p_value,change"
    );
    // 4 regions × 9 key metrics × 2 statistics.
    assert_eq!(rows.len(), 4 * 9 * 2);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Effects by region") && report.contains("regional_effects.csv"), "{report}");
    assert!(report.contains("## Spending by lever") && report.contains("spending policing"), "{report}");
}

#[test]
fn a_scenario_against_itself_is_none_in_every_region() {
    let dir = compare(&["kingpin", "kingpin"]);
    let (_, rows) = crate::common::csv_table(&dir.path().join("c/regional_effects.csv"));
    assert!(!rows.is_empty());
    for r in &rows {
        assert_eq!(r["difference"], "0", "{r:?}");
        assert_eq!(r["change"], "none", "{r:?}");
    }
}

#[test]
fn spending_by_lever_adds_up_to_the_total() {
    let dir = compare(&["baseline", "holistic", "kingpin"]);
    let (_, rows) = crate::common::csv_table(&dir.path().join("c/effects.csv"));
    // The key rows come first, as before: the first row is members at the horizon.
    assert_eq!((rows[0]["metric"].as_str(), rows[0]["statistic"].as_str()), ("members", "horizon"));
    let first_lever =
        rows.iter().position(|r| r["metric"].starts_with("spending_") && r["metric"] != "spending_total");
    let first_lever = first_lever.expect("lever rows");
    assert!(
        rows[first_lever..].iter().all(|r| r["metric"] != "spending_total"),
        "levers after every key row"
    );
    for scenario in ["holistic", "kingpin"] {
        let of = |r: &&BTreeMap<String, String>| r["scenario"] == scenario;
        let total: f64 = rows
            .iter()
            .filter(of)
            .find(|r| r["metric"] == "spending_total" && r["statistic"] == "total")
            .map(|r| r["difference"].parse().unwrap())
            .unwrap();
        let levers: Vec<&BTreeMap<String, String>> = rows
            .iter()
            .filter(of)
            .filter(|r| r["metric"].starts_with("spending_") && r["metric"] != "spending_total")
            .collect();
        assert_eq!(levers.len(), 9, "{scenario}: one row per lever");
        assert!(levers.iter().all(|r| r["statistic"] == "total" && r["extra_cost"].is_empty()));
        let sum: f64 = levers.iter().map(|r| r["difference"].parse::<f64>().unwrap()).sum();
        assert!(total != 0.0, "{scenario} spends something");
        // Nine-decimal rounding of each row and float sums: a relative tolerance of 1e-9.
        assert!((sum - total).abs() <= 1e-9 * total.abs() + 1e-6, "{scenario}: {sum} against {total}");
    }
}
