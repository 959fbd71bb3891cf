//! The command line's friction points (issue 17, items 7, 19, 20): `validate` of many files
//! reports every error, `explain` fits a terminal and prints paths `--set` accepts, and a
//! wrong `--set` key suggests the right one.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_narcodoor"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn narcodoor(args: &[&str]) -> Output {
    Command::new(bin()).args(args).current_dir(root()).output().expect("narcodoor runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn validate_checks_every_file_and_reports_all_errors() {
    let dir = tempfile::tempdir().unwrap();
    let base = root().join("scenarios/baseline.toml").to_string_lossy().into_owned();
    let a = write(dir.path(), "a.toml", &format!("extends = {base:?}\n[youth]\nschool_dropuot = 0.01\n"));
    let b = write(dir.path(), "b.toml", &format!("extends = {base:?}\n[policy.kingpin]\nshock = -1\n"));
    let out = narcodoor(&["validate", &a, "scenarios/baseline.toml", &b]);
    assert_eq!(out.status.code(), Some(2));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stdout.contains("scenarios/baseline.toml: ok"), "{stdout}");
    assert!(stderr.contains("2 of 3 scenario files have errors"), "{stderr}");
    assert!(stderr.contains("a.toml:3") && stderr.contains("school_dropout"), "{stderr}");
    assert!(stderr.contains("b.toml:3") && stderr.contains("policy.kingpin.shock"), "{stderr}");
    let ok = narcodoor(&["validate", "scenarios/baseline.toml", "scenarios/kingpin.toml"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
}

#[test]
fn a_wrong_set_key_suggests_the_right_one() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("sweep").to_string_lossy().into_owned();
    let out = narcodoor(&[
        "sweep",
        "scenarios/baseline.toml",
        "--set",
        "scholarships.coverage=0.1,0.2",
        "--out",
        &out_dir,
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean policy.scholarships.coverage?"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn explain_fits_a_terminal_and_prints_paths_set_accepts() {
    let out = narcodoor(&["explain", "scenarios/holistic.toml"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    let widest = stdout.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(widest <= 100, "explain is {widest} columns wide");
    assert!(stdout.contains("region.Norte.poverty"), "paths as --set takes them");
    assert!(!stdout.contains("region \"Norte\"."), "no quoted region paths");
    let narrow = text(&narcodoor(&["explain", "--width", "72", "scenarios/baseline.toml"]).stdout);
    assert!(narrow.lines().all(|l| l.chars().count() <= 72), "{narrow}");
    let wide = text(&narcodoor(&["explain", "--wide", "scenarios/holistic.toml"]).stdout);
    assert!(wide.lines().map(|l| l.chars().count()).max().unwrap() > 100, "--wide does not wrap");
    // The printed path is one `--set` accepts.
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("s").to_string_lossy().into_owned();
    let out = narcodoor(&[
        "sweep",
        "scenarios/baseline.toml",
        "--set",
        "region.Norte.poverty=0.3",
        "--youths",
        "2000",
        "--months",
        "2",
        "--replicates",
        "1",
        "--out",
        &out_dir,
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn compare_refuses_different_countries_and_warns_on_few_replicates() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("c").to_string_lossy().into_owned();
    let out = narcodoor(&[
        "compare",
        "scenarios/baseline.toml",
        "scenarios/mexico_scale.toml",
        "--out",
        &out_dir,
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--allow-mismatch"), "{}", text(&out.stderr));
    assert!(!Path::new(&out_dir).exists(), "nothing is written for a refused comparison");
    let out = narcodoor(&[
        "compare",
        "scenarios/baseline.toml",
        "scenarios/kingpin.toml",
        "--youths",
        "2000",
        "--months",
        "3",
        "--replicates",
        "1",
        "--out",
        &out_dir,
        "--quiet",
        "--no-charts",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("warning: 1 replicate: no interval"), "{}", text(&out.stderr));
    let manifest = std::fs::read_to_string(Path::new(&out_dir).join("manifest.json")).unwrap();
    assert!(manifest.contains("no interval and no test"), "{manifest}");
    let report = std::fs::read_to_string(Path::new(&out_dir).join("report.md")).unwrap();
    assert!(
        report.contains("[no interval: 1 replicate]") && report.contains("Use --replicates 5"),
        "{report}"
    );
}

#[test]
fn money_on_the_terminal_has_thousands_separators_and_its_unit() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("run").to_string_lossy().into_owned();
    let args =
        ["run", "tests/fixtures/tiny_all_levers.toml", "--out", &out_dir, "--no-charts", "--months", "12"];
    let out = narcodoor(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let line = stdout.lines().find(|l| l.contains("total spending_total")).expect("a spending line");
    assert!(line.contains(" pesos") && line.contains(','), "{line}");
    assert_eq!(line.matches("pesos").count(), 3, "mean and both ends carry the unit: {line}");
    // Counts read as numbers, with separators from a thousand up and no unit.
    let school = stdout.lines().find(|l| l.trim_start().starts_with("school")).unwrap();
    assert!(!school.contains("pesos"), "{school}");
    // One replicate: no interval, said so.
    let one = narcodoor(&[&args[..], &["--replicates", "1", "--force"]].concat());
    assert!(text(&one.stdout).contains("no interval: 1 replicate"), "{}", text(&one.stdout));
}
