//! No silent overwrite (issue 17 item 3, issue 16): every command that writes an output
//! directory refuses a non-empty `--out` with exit code 2 naming `--force` and another
//! `--out`, or with `--force` replaces it whole (no stale chart beside new tables); a
//! sweep, calibrate or optimize directory of the same command is resumed, not refused.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn narcodoor(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_narcodoor")).args(args).current_dir(root()).output().unwrap()
}

fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

const SMALL: [&str; 7] = ["--youths", "2000", "--months", "6", "--replicates", "2", "--quiet"];

/// The arguments of each command, up to `--out`, at a tiny size.
fn commands(targets: &Path) -> Vec<(&'static str, Vec<String>)> {
    let t = targets.to_string_lossy().into_owned();
    let base = "scenarios/baseline.toml";
    let mut list = vec![
        ("run", strings(&["run", base])),
        ("compare", strings(&["compare", base, "scenarios/scholarships.toml"])),
        ("sweep", strings(&["sweep", base, "--set", "policy.scholarships.coverage=0,0.5"])),
        (
            "sensitivity",
            strings(&[
                "sensitivity",
                base,
                "--method",
                "morris",
                "--set",
                "policy.scholarships.coverage=0:0.5",
                "--samples",
                "2",
                "--bootstrap",
                "10",
            ]),
        ),
        (
            "optimize",
            strings(&[
                "optimize",
                base,
                "--lever",
                "policy.scholarships.coverage=0:0.9",
                "--objective",
                "recruits",
                "--population",
                "4",
                "--generations",
                "0",
            ]),
        ),
        (
            "calibrate",
            strings(&[
                "calibrate",
                base,
                "--targets",
                &t,
                "--param",
                "choice.intercept=-4:0",
                "--particles",
                "4",
                "--generations",
                "0",
            ]),
        ),
    ];
    for (_, args) in &mut list {
        args.extend(strings(&SMALL));
    }
    list
}

fn with_out(args: &[String], out: &Path, extra: &[&str]) -> Vec<String> {
    let mut a = args.to_vec();
    a.push("--out".into());
    a.push(out.to_string_lossy().into_owned());
    a.extend(strings(extra));
    a
}

/// An earlier output: a manifest, a table and a chart the new outputs do not have.
fn earlier_output(dir: &Path) {
    fs::create_dir_all(dir.join("charts")).unwrap();
    fs::write(dir.join("manifest.json"), "{\"complete\": true}\n").unwrap();
    fs::write(dir.join("charts/stale_chart.png"), "old").unwrap();
    fs::write(dir.join("stale.csv"), "old").unwrap();
}

fn left_beside(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[test]
fn every_command_refuses_an_earlier_output_and_replaces_it_whole_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let targets = tmp.path().join("T.csv");
    fs::write(&targets, "metric,region,start,end,value,tolerance\nmembers,,0,5,10,0.5\n").unwrap();
    for (name, args) in commands(&targets) {
        let out = tmp.path().join(name);
        earlier_output(&out);
        let o = narcodoor(&with_out(&args, &out, &[]));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains("--force") && err.contains("another --out"), "{name}: {err}");
        assert!(out.join("charts/stale_chart.png").exists(), "{name}: the earlier output was touched");

        let o = narcodoor(&with_out(&args, &out, &["--force"]));
        assert!(o.status.success(), "{name} --force: {}", String::from_utf8_lossy(&o.stderr));
        assert!(!out.join("charts/stale_chart.png").exists(), "{name}: a stale chart was left");
        assert!(!out.join("stale.csv").exists(), "{name}: a stale table was left");
        let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
        assert!(manifest.contains("\"complete\": true") && manifest.contains(name), "{name}: {manifest}");
        assert!(left_beside(tmp.path()).is_empty(), "{name}: {:?}", left_beside(tmp.path()));
    }
}

#[test]
fn a_directory_that_is_not_an_output_is_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("mine");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("thesis.tex"), "mine").unwrap();
    let args = strings(&["run", "scenarios/baseline.toml"]);
    for extra in [&[][..], &["--force"][..]] {
        let o = narcodoor(&with_out(&[args.clone(), strings(&SMALL)].concat(), &out, extra));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("choose another --out"), "{err}");
        assert_eq!(fs::read_to_string(out.join("thesis.tex")).unwrap(), "mine");
    }
}

#[test]
fn a_sweep_resumes_its_own_directory_and_force_replaces_another_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    let sweep = |levels: &str, extra: &[&str]| {
        let mut a = strings(&["sweep", "scenarios/baseline.toml", "--set"]);
        a.push(format!("policy.scholarships.coverage={levels}"));
        a.extend(strings(&SMALL));
        narcodoor(&with_out(&a, &out, extra))
    };
    assert!(sweep("0,0.5", &[]).status.success());
    let runs = fs::read(out.join("runs.csv")).unwrap();
    // The same sweep again: resumed (every run found), not refused.
    let o = sweep("0,0.5", &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"resumed\": 4"), "{manifest}");
    assert_eq!(fs::read(out.join("runs.csv")).unwrap(), runs);
    // Another sweep: refused, naming what differs and --force.
    let o = sweep("0,0.25,0.5", &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert!(
        err.contains(
            "factor policy.scholarships.coverage's levels differ (was levels 0,0.5, now levels 0,0.25,0.5)"
        ),
        "{err}"
    );
    assert!(!err.contains("scenario") && !err.contains("replicates"), "only what differs: {err}");
    // With --force: replaced whole, its runs all new.
    let o = sweep("0,0.25,0.5", &["--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"resumed\": 0") && manifest.contains("\"runs\": 6"), "{manifest}");
    assert_eq!(fs::read_dir(out.join("runs")).unwrap().count(), 6);
    assert!(left_beside(tmp.path()).is_empty(), "{:?}", left_beside(tmp.path()));
}

#[test]
fn a_refused_sweep_names_only_what_differs() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("s.toml");
    let base = root().join("scenarios/baseline.toml");
    fs::write(&scenario, format!("extends = {:?}\n", base.to_string_lossy())).unwrap();
    let out = tmp.path().join("sweep");
    let sweep = |replicates: &str| {
        let mut a =
            strings(&["sweep", scenario.to_str().unwrap(), "--set", "policy.scholarships.coverage=0,0.5"]);
        a.extend(strings(&["--youths", "2000", "--months", "6", "--quiet", "--replicates", replicates]));
        narcodoor(&with_out(&a, &out, &[]))
    };
    assert!(sweep("2").status.success());
    let o = sweep("3");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--replicates was 2, now 3"), "{err}");
    assert!(!err.contains("scenario") && !err.contains("factor"), "only what differs: {err}");
    // The scenario file itself changed: said so, and nothing else.
    fs::write(&scenario, format!("extends = {:?}\n[run]\nname = \"other\"\n", base.to_string_lossy()))
        .unwrap();
    let o = sweep("2");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("the scenario file contents differ") && !err.contains("--replicates"), "{err}");
}
