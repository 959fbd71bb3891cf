//! Outputs a policy memo can quote without being misled (issue 27), driven through the
//! binary: warnings reach the terminal, the manifest and the report alike; effects over
//! the run come first; every value of a lever that is on is listed; exogenous and free
//! levers are marked and never dominate; the incremental analysis ranks by cost; intervals
//! of counts stay at or above 0; the report ends with what to paste; `validate` warns of
//! implausible values and `--strict` refuses them.

use std::collections::BTreeMap;

use crate::common::csv_table;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn narcodoor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_narcodoor")).args(args).current_dir(root()).output().unwrap()
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A CSV output's rows of named fields.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    csv_table(path).1
}

fn field<'a>(row: &'a BTreeMap<String, String>, column: &str) -> &'a str {
    row.get(column).unwrap_or_else(|| panic!("no column {column}")).as_str()
}

/// One small comparison whose every file the tests below read.
fn small_compare(dir: &Path) -> Output {
    let out = dir.join("c");
    narcodoor(&[
        "compare",
        "scenarios/baseline.toml",
        "scenarios/scholarships.toml",
        "scenarios/demand_reduction.toml",
        "scenarios/kingpin.toml",
        "--replicates",
        "3",
        "--youths",
        "6000",
        "--months",
        "36",
        "--no-charts",
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn a_comparison_is_fit_for_a_memo() {
    let dir = tempfile::tempdir().unwrap();
    let o = small_compare(dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("c");
    let stderr = String::from_utf8_lossy(&o.stderr);
    let stdout = String::from_utf8_lossy(&o.stdout);

    // Item 3: the few-replicates warning in terminal, manifest and report alike.
    assert!(stderr.contains("warning: only 3 replicates"), "{stderr}");
    let manifest: serde_json::Value = serde_json::from_str(&text(&out.join("manifest.json"))).unwrap();
    let warnings = manifest["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w.as_str().unwrap().starts_with("only 3 replicates")), "{warnings:?}");
    // Item 2: a resized comparison with kingpin removals is flagged.
    assert!(
        warnings.iter().any(|w| w.as_str().unwrap().contains("kingpin operation was scaled")),
        "{warnings:?}"
    );
    let report = text(&out.join("report.md"));
    let warned = report.find("- **Warning:** only 3 replicates").expect("the warning in report.md");

    // Item 1: over the run first, in the report and on the terminal; the end of the run
    // sums flows over 12 months.
    let run = report.find("## Effects over the run (36 months)").unwrap();
    assert!(warned < run && run < report.find("## Effects at the end of the run (months 24–35)").unwrap());
    let term_run = stdout.find("  over the run:").expect("the terminal's run effects");
    assert!(term_run < stdout.find("  at the end of the run").unwrap(), "{stdout}");

    // Item 7: every value of a lever that is on.
    for key in [
        "policy.scholarships.coverage = ",
        "policy.scholarships.amount = ",
        "policy.scholarships.start_month = ",
    ] {
        assert!(report.contains(key), "{key} missing from the report");
    }

    // Item 5: demand is exogenous and free by assumption, marked and never dominating.
    let effects = rows(&out.join("effects.csv"));
    let caveat = |label: &str| {
        let r = effects.iter().find(|r| field(r, "scenario") == label).unwrap();
        field(r, "caveats").to_string()
    };
    assert_eq!(caveat("demand_reduction"), "exogenous;zero_cost_assumed");
    assert_eq!(caveat("scholarships"), "");
    assert!(report.contains("**Outside the government's hands:** `demand`"));
    for line in report.lines().filter(|l| l.contains("| demand_reduction |")) {
        assert!(!line.contains("dominates"), "{line}");
    }

    // Item 6: the incremental table ranks the paid scenarios, the baseline first.
    let inc = rows(&out.join("incremental.csv"));
    let recruits: Vec<_> = inc.iter().filter(|r| field(r, "outcome") == "recruits").collect();
    assert_eq!(field(recruits[0], "scenario"), "baseline");
    assert_eq!(field(recruits[0], "standing"), "reference");
    let labels: Vec<&str> = recruits.iter().map(|r| field(r, "scenario")).collect();
    assert!(!labels.contains(&"demand_reduction"), "a caveated scenario is not ranked: {labels:?}");
    let costs: Vec<f64> = recruits[1..].iter().map(|r| field(r, "extra_cost").parse().unwrap()).collect();
    assert!(costs.windows(2).all(|w| w[0] <= w[1]), "ranked by cost: {costs:?}");
    assert!(
        report.contains("## Incremental cost-effectiveness")
            && report.contains("Not ranked (cost caveat): demand_reduction")
    );

    // Item 11: relative change labelled in both places.
    assert!(report.contains("relative change (%)") && report.contains("as a fraction"));

    // Item 12: what to paste, last.
    let cite = &report[report.find("## How to cite this result").unwrap()..];
    let commit = manifest["commit"].as_str().unwrap();
    assert!(!commit.is_empty());
    assert!(cite.contains(&format!("commit {commit}). Command: `")), "{cite}");
    assert!(cite.contains("CITATION.cff") && cite.contains(env!("CARGO_PKG_VERSION")));

    // Item 3: no interval of a count, stock, rate or spending below zero.
    for r in rows(&out.join("scenarios/kingpin/summary.csv")) {
        for (k, v) in r.iter().filter(|(k, _)| k.ends_with("_lo")) {
            assert!(v.parse::<f64>().unwrap() >= 0.0, "{k} = {v}");
        }
    }
}

#[test]
fn run_warns_below_five_replicates_in_terminal_and_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = narcodoor(&[
        "run",
        "scenarios/baseline.toml",
        "--replicates",
        "2",
        "--youths",
        "3000",
        "--months",
        "12",
        "--no-charts",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning: only 2 replicates"));
    let manifest: serde_json::Value = serde_json::from_str(&text(&out.join("manifest.json"))).unwrap();
    assert!(manifest["warnings"][0].as_str().unwrap().starts_with("only 2 replicates"), "{manifest}");
}

fn scenario_file(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("student.toml");
    let base = root().join("scenarios/baseline.toml");
    std::fs::write(&path, format!("extends = {:?}\n{body}", base.display().to_string())).unwrap();
    path
}

#[test]
fn validate_warns_of_implausible_values_and_strict_refuses_them() {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario_file(
        dir.path(),
        "[policy.policing]\nincrease = 50\n\n[policy.scholarships]\nstart_month = 300\n",
    );
    let f = f.to_str().unwrap();
    let o = narcodoor(&["validate", f]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("ok (")
            && String::from_utf8_lossy(&o.stdout).contains("2 warnings")
    );
    // File, line and key.
    assert!(
        stderr.contains("student.toml:3") && stderr.contains("policy.policing.increase = 50"),
        "{stderr}"
    );
    assert!(stderr.contains("Did you mean 0.5?"), "{stderr}");
    assert!(
        stderr.contains("student.toml:6") && stderr.contains("policy.scholarships.start_month = 300"),
        "{stderr}"
    );
    assert!(stderr.contains("never acts"), "{stderr}");
    let o = narcodoor(&["validate", "--strict", f]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("policy.policing.increase"));
    // A plausible file has no warning.
    let good = scenario_file(dir.path(), "[policy.policing]\nincrease = 0.5\n");
    let o = narcodoor(&["validate", "--strict", good.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stderr.is_empty());
}

/// Mérida's cost per recruit averted over the run at `youths`: the ratio and its Fieller
/// 95% interval from `effects.csv`.
fn merida_cost_per_recruit(dir: &Path, youths: u32) -> (f64, f64, f64) {
    let out = dir.join(format!("m{youths}"));
    let y = youths.to_string();
    let o = narcodoor(&[
        "compare",
        "scenarios/baseline.toml",
        "scenarios/merida_2008.toml",
        "--youths",
        &y,
        "--no-charts",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let effects = rows(&out.join("effects.csv"));
    let r = effects
        .iter()
        .find(|r| field(r, "metric") == "recruits" && field(r, "statistic") == "total")
        .unwrap();
    assert_eq!(field(r, "cost_status"), "averted", "{r:?}");
    let num = |c: &str| field(r, c).parse::<f64>().unwrap();
    (num("cost_per_averted"), num("cost_per_averted_lo"), num("cost_per_averted_hi"))
}

/// Item 2: the cost of a kingpin operation scales with `--youths`, so a comparison's cost
/// per recruit averted does not depend on the size it is run at. Before, Mérida's was 20.7
/// M pesos at 200,000 youths and 90.6 M at 20,000 (fixed removal costs against a tenth of
/// the recruits). Sizes agree when their Fieller 95% intervals overlap. About 30 s.
#[test]
fn costs_per_recruit_averted_do_not_depend_on_the_size_run() {
    let dir = tempfile::tempdir().unwrap();
    let (small, large) =
        (merida_cost_per_recruit(dir.path(), 20_000), merida_cost_per_recruit(dir.path(), 100_000));
    println!("Mérida cost per recruit averted: 20,000 youths {small:?}; 100,000 youths {large:?}");
    assert!(small.1 <= large.2 && large.1 <= small.2, "the intervals do not overlap: {small:?} vs {large:?}");
    // Not vacuous: both intervals are bounded and well inside an order of magnitude.
    assert!(small.2 < 3.0 * large.0 && large.2 < 3.0 * small.0, "{small:?} vs {large:?}");
}

/// A sweep's charts show paired differences against point 0, from `differences.csv`
/// (issue 27, item 10): point 0 differs from itself by exactly 0, every other point's
/// difference is its replicates' mean paired difference, and the charts are drawn.
#[test]
fn a_sweep_writes_and_draws_paired_differences_against_its_first_point() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let o = narcodoor(&[
        "sweep",
        "scenarios/baseline.toml",
        "--set",
        "policy.scholarships.coverage=0:0.8:3",
        "--youths",
        "3000",
        "--months",
        "24",
        "--replicates",
        "3",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let diffs = rows(&out.join("differences.csv"));
    let runs = rows(&out.join("runs.csv"));
    assert_eq!(diffs.len(), 3);
    assert_eq!((field(&diffs[0], "replicates_paired"), field(&diffs[0], "recruits_total_diff")), ("3", "0"));
    // Point 2's difference is the mean over replicates of its run value minus point 0's.
    let value = |point: &str, rep: &str| -> f64 {
        let r = runs.iter().find(|r| field(r, "point") == point && field(r, "replicate") == rep).unwrap();
        field(r, "recruits_total").parse().unwrap()
    };
    let want: f64 = ["0", "1", "2"].iter().map(|r| value("2", r) - value("0", r)).sum::<f64>() / 3.0;
    let got: f64 = field(&diffs[2], "recruits_total_diff").parse().unwrap();
    assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    let manifest = text(&out.join("manifest.json"));
    assert!(manifest.contains("\"differences.csv\""), "{manifest}");
    assert!(out.join("charts/recruits_total_by_policy_scholarships_coverage.png").is_file());
}
