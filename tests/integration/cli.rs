//! The `narcodoor` binary end to end: the files of a run, their headers, charts and
//! manifest; thread counts that do not change a byte; and bad input that gives exit code 2,
//! a message naming file, key and line, and no output directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_narcodoor");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn narcodoor(args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(root()).output().expect("the binary runs")
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

fn first_line(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap().lines().next().unwrap_or("").to_string()
}

const METRICS: &str = "school,work,idle,members,members_rank1,members_rank2,members_rank3,members_rank4,prison,\
recruits,minor_recruits,member_deaths,member_arrests,member_exits,member_ageouts,civilian_homicides,homicides,\
homicide_rate,cartels_active,violence,corruption,collective_efficacy,consumption,car_thefts,kingpins_removed,\
spending_total,spending_scholarships,spending_youth_jobs,spending_public_space,spending_policing,\
spending_police_reform,spending_kingpin,spending_juvenile_law,spending_asset_forfeiture,spending_demand";

#[test]
fn a_run_writes_every_file_with_the_contracted_columns() {
    let dir = tempdir();
    let out = dir.path().join("run");
    let o = narcodoor(&[
        "run",
        "tests/fixtures/tiny_all_levers.toml",
        "--out",
        out.to_str().unwrap(),
        "--replicates",
        "2",
        "--months",
        "24",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(first_line(&out.join("timeseries.csv")), format!("replicate,month,{METRICS}"));
    assert_eq!(first_line(&out.join("regions.csv")), format!("replicate,month,region,{METRICS}"));
    assert_eq!(first_line(&out.join("events.csv")), "replicate,month,cartel,split,new_cartel,regions");
    let summary: Vec<String> = METRICS
        .split(',')
        .flat_map(|m| [format!("{m}_mean"), format!("{m}_lo"), format!("{m}_hi")])
        .collect();
    assert_eq!(first_line(&out.join("summary.csv")), format!("month,{}", summary.join(",")));
    // 2 replicates × 24 months, 3 regions.
    assert_eq!(std::fs::read_to_string(out.join("timeseries.csv")).unwrap().lines().count(), 1 + 48);
    assert_eq!(std::fs::read_to_string(out.join("regions.csv")).unwrap().lines().count(), 1 + 48 * 3);
    assert_eq!(std::fs::read_to_string(out.join("summary.csv")).unwrap().lines().count(), 1 + 24);
    assert_eq!(first_line(&out.join("regions_summary.csv")), format!("month,region,{}", summary.join(",")));
    let regional = std::fs::read_to_string(out.join("regions_summary.csv")).unwrap();
    assert_eq!(regional.lines().count(), 1 + 24 * 3);
    // Counts add up over regions, and so do their means: each month's regional means of
    // members and homicides sum to the national mean in summary.csv.
    let national = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let col = |header: &str, name: &str| header.split(',').position(|c| c == name).unwrap();
    for metric in ["members_mean", "homicides_mean", "spending_total_mean"] {
        let (nc, rc) =
            (col(national.lines().next().unwrap(), metric), col(regional.lines().next().unwrap(), metric));
        for (t, line) in national.lines().skip(1).enumerate() {
            let nat: f64 = line.split(',').nth(nc).unwrap().parse().unwrap();
            let sum: f64 = regional
                .lines()
                .skip(1 + 3 * t)
                .take(3)
                .map(|l| l.split(',').nth(rc).unwrap().parse::<f64>().unwrap())
                .sum();
            assert!((nat - sum).abs() <= 1e-6 * nat.abs().max(1.0), "{metric} month {t}: {nat} vs {sum}");
        }
    }

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["model_version"], "NDM-1");
    assert_eq!(manifest["narcodoor_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["seed"], 7);
    assert_eq!(manifest["replicates"], 2);
    assert!(manifest["threads"].as_u64().unwrap() >= 1);
    assert!(manifest["started_utc"].as_str().unwrap().ends_with('Z'));
    assert!(manifest["run_seconds"].as_f64().unwrap() >= 0.0);
    // The resolved scenario has the defaults filled in.
    assert_eq!(manifest["scenario"]["choice"]["coercion"], 0.05);
    assert_eq!(manifest["scenario"]["run"]["months"], 24);

    let charts = [
        "doors",
        "members_recruits",
        "homicide_rate",
        "homicide_rate_by_region",
        "cartels_active",
        "corruption_efficacy",
        "spending",
    ];
    for c in charts {
        let path = out.join("charts").join(format!("{c}.png"));
        let img = image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgb8();
        assert!(img.width() >= 1000 && img.height() >= 600, "{c} is {}×{}", img.width(), img.height());
        let colours: std::collections::HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
        assert!(colours.len() > 10, "{c} looks blank");
        assert!(manifest["outputs"].as_array().unwrap().iter().any(|f| f == &format!("charts/{c}.png")));
    }
}

#[test]
fn thread_counts_do_not_change_a_byte() {
    let dir = tempdir();
    let mut outs = Vec::new();
    for threads in ["1", "2", "4"] {
        let out = dir.path().join(format!("t{threads}"));
        let o = narcodoor(&[
            "run",
            "tests/fixtures/tiny_all_levers.toml",
            "--out",
            out.to_str().unwrap(),
            "--threads",
            threads,
            "--no-charts",
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(!out.join("charts").exists(), "--no-charts draws nothing");
        outs.push(out);
    }
    for f in ["timeseries.csv", "regions.csv", "events.csv", "summary.csv", "regions_summary.csv"] {
        let a = std::fs::read(outs[0].join(f)).unwrap();
        for o in &outs[1..] {
            assert!(a == std::fs::read(o.join(f)).unwrap(), "{f} differs with {}", o.display());
        }
    }
}

#[test]
fn validate_and_explain() {
    let o = narcodoor(&["validate", "scenarios/baseline.toml", "tests/fixtures/tiny_all_levers.toml"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = narcodoor(&["explain", "scenarios/baseline.toml"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for key in
        ["choice.coercion", "recruit.intensity", "cartels.rank_shares", "region.Sur.poverty", "territory"]
    {
        assert!(text.contains(key), "explain lacks {key}");
    }
}

/// Writes `files` into a fresh directory, runs `narcodoor run` on the first, and checks
/// exit code 2, that stderr mentions every fragment, and that no output was written.
fn assert_bad_input(files: &[(&str, &str)], fragments: &[&str]) {
    let dir = tempdir();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let scenario = dir.path().join(files[0].0);
    let out = dir.path().join("out");
    let o = narcodoor(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "exit code for {fragments:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for f in fragments {
        assert!(err.contains(f), "{f:?} missing from: {err}");
    }
    assert!(!out.exists(), "an output directory was created for bad input");
}

#[test]
fn bad_input_is_refused_with_exit_code_2() {
    // Unknown key with a suggestion.
    assert_bad_input(
        &[("s.toml", "[youth]\nschool_dropuot = 0.1\n")],
        &["s.toml:2", "youth.school_dropuot", "did you mean school_dropout"],
    );
    // Wrong type.
    assert_bad_input(&[("s.toml", "[choice]\ncoercion = \"high\"\n")], &["s.toml:2", "choice.coercion"]);
    // A probability outside [0, 1].
    assert_bad_input(&[("s.toml", "[recruit]\nshield = 1.5\n")], &["s.toml:2", "recruit.shield", "1.5"]);
    // A negative count.
    assert_bad_input(&[("s.toml", "[population]\nyouths = -10\n")], &["s.toml:2", "population.youths"]);
    // Zero youths.
    assert_bad_input(&[("s.toml", "[population]\nyouths = 0\n")], &["s.toml:2", "population.youths"]);
    // Shares that do not add up.
    assert_bad_input(
        &[("s.toml", "[[region]]\nname = \"A\"\nshare = 0.5\n[[region]]\nname = \"B\"\nshare = 0.3\n")],
        &["s.toml", "share"],
    );
    // An unknown region in a cartel's territory.
    assert_bad_input(
        &[("s.toml", "[[region]]\nname = \"North\"\n[[cartel]]\nname = \"K\"\nterritory = { Nrth = 0.5 }\n")],
        &["s.toml:5", "Nrth", "North"],
    );
    // Territory above 1 in a region.
    assert_bad_input(
        &[(
            "s.toml",
            "[[cartel]]\nname = \"K\"\nterritory = { all = 0.7 }\n[[cartel]]\nname = \"L\"\nterritory = { all = 0.6 }\n",
        )],
        &["s.toml", "all"],
    );
    // Odd peers.
    assert_bad_input(&[("s.toml", "[population]\npeers = 7\n")], &["s.toml:2", "population.peers"]);
    // An extends cycle and a missing parent.
    assert_bad_input(
        &[("a.toml", "extends = \"b.toml\"\n"), ("b.toml", "extends = \"a.toml\"\n")],
        &["extends", "cycle"],
    );
    assert_bad_input(&[("s.toml", "extends = \"nowhere.toml\"\n")], &["s.toml:1", "nowhere.toml"]);
    // A population far beyond the machine's memory.
    assert_bad_input(
        &[("s.toml", "[population]\nyouths = 100_000_000_000\n")],
        &["s.toml:2", "population.youths", "too large for this machine"],
    );
    // TOML syntax.
    assert_bad_input(&[("s.toml", "[run\nname = 1\n")], &["s.toml:1"]);
}

#[test]
fn bad_flags_and_missing_files_are_bad_input() {
    let o = narcodoor(&["run", "no/such/file.toml", "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no/such/file.toml"));
    let o = narcodoor(&["run", "scenarios/baseline.toml", "--threads", "0", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    let o = narcodoor(&["run", "scenarios/baseline.toml", "--replicates", "many"]);
    assert_eq!(o.status.code(), Some(2));
    let o = narcodoor(&["run", "scenarios/baseline.toml", "--youths", "3", "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "a region with no more youths than peers");
}
