//! Byte-identity of the outputs: every bundled scenario run small, and `compare`, `sweep`
//! and `sensitivity` on bundled scenarios, against files in `tests/golden/` written by an
//! earlier build. Optimisations that must not change a single output byte (the burn-in
//! simulated once and forked per scenario, the one experiment runner) are checked here.
//!
//! Only the lines that name the moment or the command line are left out of the
//! comparison (`# command:` lines of sweep tables, the `started ... Command:` line of
//! `report.md`); manifests hold timings and are not compared. `NARCODOOR_BLESS=1`
//! rewrites the golden files (do that only for a change meant to alter outputs, and say
//! so in the commit).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The size every case runs at: small enough to be quick, large enough that policies act.
const SIZE: [&str; 8] = ["--youths", "6000", "--months", "24", "--replicates", "3", "--threads", "2"];

fn narcodoor(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_narcodoor"))
        .current_dir(root())
        .args(args)
        .args(SIZE)
        .arg("--quiet")
        .output()
        .expect("the binary runs");
    assert!(out.status.success(), "narcodoor {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// A file's text without the lines that record when and how it was made.
fn normalized(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.starts_with("# command:") && !(l.starts_with("narcodoor ") && l.contains("Command:")))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Compares (or with `NARCODOOR_BLESS=1` writes) the files `files` of `out` against
/// `tests/golden/<case>/`; fails naming the first file that differs.
fn check(case: &str, out: &Path, files: &[String]) {
    let wrong = differences(case, out, files);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The files of `out` that differ from (or lack) their golden file, described.
fn differences(case: &str, out: &Path, files: &[String]) -> Vec<String> {
    let mut wrong = Vec::new();
    let golden = root().join("tests/golden").join(case);
    let bless = std::env::var_os("NARCODOOR_BLESS").is_some();
    for f in files {
        let got = normalized(&out.join(f));
        let want_path = golden.join(f);
        if bless {
            std::fs::create_dir_all(want_path.parent().unwrap()).unwrap();
            std::fs::write(&want_path, &got).unwrap();
            continue;
        }
        match std::fs::read_to_string(&want_path) {
            Err(e) => wrong.push(format!("{}: {e} (NARCODOOR_BLESS=1 creates it)", want_path.display())),
            Ok(want) if got != want => {
                let line = got.lines().zip(want.lines()).position(|(a, b)| a != b);
                wrong.push(format!(
                    "{case}/{f} differs from its golden file (first differing line: {line:?})"
                ));
            }
            Ok(_) => {}
        }
    }
    wrong
}

fn tmp(case: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(&format!("narcodoor-golden-{case}-")).tempdir().unwrap()
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn every_bundled_scenario_runs_to_its_golden_files() {
    let mut names: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "the bundled scenarios: {names:?}");
    let mut wrong = Vec::new();
    for name in names {
        let dir = tmp("run");
        let out = dir.path().to_str().unwrap();
        narcodoor(&["run", &format!("scenarios/{name}"), "--no-charts", "--out", out]);
        let files = ["timeseries.csv", "summary.csv", "regions.csv", "regions_summary.csv", "events.csv"];
        wrong.extend(differences(
            &format!("run/{}", name.trim_end_matches(".toml")),
            dir.path(),
            &strings(&files),
        ));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The policies of the compare case (and of the burn-in timing in docs/performance.md).
pub const POLICIES: [&str; 4] = ["scholarships", "youth_jobs", "kingpin", "enforcement_surge"];

#[test]
fn compare_of_four_policies_matches_its_golden_files() {
    let dir = tmp("compare");
    let out = dir.path().to_str().unwrap();
    let mut args = vec!["compare".to_string(), "scenarios/baseline.toml".into()];
    args.extend(POLICIES.iter().map(|p| format!("scenarios/{p}.toml")));
    args.extend(["--no-charts", "--out", out].map(String::from));
    narcodoor(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let mut files = strings(&["effects.csv", "regional_effects.csv", "report.md"]);
    for label in ["baseline"].iter().chain(POLICIES.iter()) {
        for f in ["timeseries.csv", "summary.csv", "regions.csv", "regions_summary.csv"] {
            files.push(format!("scenarios/{label}/{f}"));
        }
    }
    check("compare", dir.path(), &files);
}

#[test]
fn sweeps_match_their_golden_files() {
    let files = strings(&["runs.csv", "runs_timeseries.csv", "points.csv"]);
    let dir = tmp("sweep-grid");
    narcodoor(&[
        "sweep",
        "scenarios/baseline.toml",
        "--out",
        dir.path().to_str().unwrap(),
        "--set",
        "policy.scholarships.coverage=0,0.5",
        "--set",
        "policy.demand.reduction=0:0.4:3",
    ]);
    check("sweep-grid", dir.path(), &files);
    let dir = tmp("sweep-lhs");
    narcodoor(&[
        "sweep",
        "scenarios/kingpin.toml",
        "--out",
        dir.path().to_str().unwrap(),
        "--design",
        "lhs",
        "--samples",
        "4",
        "--set",
        "policy.kingpin.split_probability=0.1:0.9",
    ]);
    check("sweep-lhs", dir.path(), &files);
}

#[test]
fn sensitivity_analyses_match_their_golden_files() {
    let files = strings(&["indices.csv", "design.csv"]);
    let sets = ["--set", "policy.scholarships.coverage=0:0.6", "--set", "policy.demand.reduction=0:0.4"];
    for (method, samples) in [("morris", "3"), ("sobol", "4")] {
        let dir = tmp(method);
        let mut args = vec!["sensitivity", "scenarios/baseline.toml", "--no-charts", "--method", method];
        args.extend(["--samples", samples, "--bootstrap", "50", "--out", dir.path().to_str().unwrap()]);
        args.extend(sets);
        narcodoor(&args);
        check(&format!("sensitivity-{method}"), dir.path(), &files);
    }
}
