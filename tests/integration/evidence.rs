//! `narcodoor evidence` (issue 24, part 2), driven through the binary and the library: the
//! registry holds the studies the issue names and every file loads; the command writes
//! evidence.csv with its documented columns, the forest plot, the report and a complete
//! manifest, prints the count of studies inside their interval, gives the same bytes for
//! one and two threads, and refuses an unknown study with exit code 2. Area designs
//! (issue 24, part 1): a difference in differences and an event study name their
//! estimator and give the paired counterfactual beside it, the event study its response
//! in event time, and a bad estimator field is exit code 2 naming the file and the field.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use narcodoor::command::evidence::files::{EVENT_TIME_HEADER, HEADER};
use narcodoor::command::evidence::{self, registry};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `evidence` with 3 replicates of `youths` youths and `extra` arguments into `out`.
fn evidence(out: &Path, youths: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_narcodoor"))
        .arg("evidence")
        .args(["--youths", youths, "--replicates", "3", "--out", out.to_str().unwrap()])
        .args(extra)
        .current_dir(root())
        .output()
        .unwrap()
}

#[test]
fn the_registry_holds_the_named_studies_and_every_file_loads() {
    let studies = evidence::load_registry(&registry::default_dir(), &[]).expect("the registry loads");
    let ids: Vec<&str> = studies.iter().map(|s| s.id.as_str()).collect();
    for id in [
        "heller2014",
        "modestino2017",
        "attanasio2021",
        "chioda2016",
        "cerda2012",
        "branas2018",
        "calderon2015",
        "lindo2018_own",
        "lindo2018_neighbours",
        "espinosa2015",
        "gavrilova2019",
        "prieto2023_recruitment",
        "prieto2023_incapacitation",
        "sumano2025",
    ] {
        assert!(ids.contains(&id), "no study {id} in the registry: {ids:?}");
    }
    for s in &studies {
        let p = &s.published;
        assert!(p.lo <= p.effect && p.effect <= p.hi, "{}: effect outside its interval", s.id);
        assert!(
            !s.verified.trim().is_empty() && !s.mapping.trim().is_empty(),
            "{}: verified and mapping",
            s.id
        );
    }
}

#[test]
fn evidence_writes_its_files_and_prints_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("e");
    // The baseline's size: a region's homicides over six months are too few below it.
    let o = evidence(&out, "200000", &["--only", "cerda2012,calderon2015", "--threads", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("of 2 studies inside their published interval"), "{stdout}");
    let mut reader = csv::Reader::from_path(out.join("evidence.csv")).unwrap();
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), HEADER);
    let rows: Vec<Vec<String>> =
        reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    // Registry order (sorted ids), whatever the order of --only.
    assert_eq!(rows.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), ["calderon2015", "cerda2012"]);
    for r in &rows {
        assert!(["inside", "overlapping", "outside"].contains(&r[12].as_str()), "{r:?}");
        assert!(["yes", "no"].contains(&r[13].as_str()), "{r:?}");
        let (m, lo, hi): (f64, f64, f64) =
            (r[9].parse().unwrap(), r[10].parse().unwrap(), r[11].parse().unwrap());
        assert!(lo <= m && m <= hi, "model interval {r:?}");
    }
    // A kingpin removal raises the homicides of its region in the model, as in the study.
    assert_eq!(rows[0][13], "yes", "{:?}", rows[0]);
    // The first fourteen columns are the contract; the estimator and the paired
    // counterfactual follow them.
    assert_eq!(
        &HEADER[14..],
        ["estimator", "counterfactual_effect", "counterfactual_lo", "counterfactual_hi"]
    );
    assert_eq!((rows[0][14].as_str(), rows[1][14].as_str()), ("event_study", "difference_in_differences"));
    for r in &rows {
        let (m, lo, hi): (f64, f64, f64) =
            (r[15].parse().unwrap(), r[16].parse().unwrap(), r[17].parse().unwrap());
        assert!(lo <= m && m <= hi, "counterfactual interval {r:?}");
        // The field design is not the paired comparison: the two estimates differ.
        assert_ne!(r[9], r[15], "{r:?}");
    }
    event_time_rows_cover_both_groups(&out.join("event_time.csv"));
    assert!(out.join("charts/forest.png").is_file());
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("studies inside their published interval") && report.contains("Cerda et al. 2012")
    );
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"complete\": true") && manifest.contains("\"experiment\": \"evidence\""),
        "{manifest}"
    );
}

/// calderon2015's event study: own (Sur, the row's group) and neighbours (Bajio) in
/// quarters from 12 months before the removal at month 12 to 11 after; before the event
/// nothing happened, after it Sur's homicides rise against Norte's.
fn event_time_rows_cover_both_groups(path: &Path) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), EVENT_TIME_HEADER);
    let rows: Vec<Vec<String>> =
        reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    for (group, reported) in [("own", "yes"), ("neighbours", "no")] {
        let g: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "calderon2015" && r[1] == group).collect();
        let times: Vec<i32> = g.iter().map(|r| r[3].parse().unwrap()).collect();
        assert_eq!(times, [-12, -9, -6, -3, 0, 3, 6, 9], "{group}");
        for r in g {
            let first = 12 + r[3].parse::<i32>().unwrap();
            assert_eq!((r[2].as_str(), r[4].clone()), (reported, format!("{first}-{}", first + 2)), "{r:?}");
            assert!(
                r[6].parse::<f64>().unwrap().is_finite(),
                "a quarter's counts are never all zero here: {r:?}"
            );
        }
    }
    let own_mean = |ts: std::ops::RangeInclusive<i32>| -> f64 {
        let xs: Vec<f64> = rows
            .iter()
            .filter(|r| r[0] == "calderon2015" && r[1] == "own" && ts.contains(&r[3].parse().unwrap()))
            .map(|r| r[6].parse().unwrap())
            .collect();
        xs.iter().sum::<f64>() / xs.len() as f64
    };
    assert!(own_mean(0..=3) > own_mean(-12..=-1) + 10.0, "{rows:?}");
}

/// Runs `evidence --only bad` in `dir`, whose registry holds heller2014 (the registry's
/// probe) and `bad.toml`: cerda2012 with its `[outcome]` edited by `edit`.
fn bad_study(dir: &Path, edit: impl Fn(String) -> String) -> Output {
    let registry = dir.join("evidence");
    std::fs::create_dir_all(&registry).unwrap();
    std::fs::copy(root().join("evidence/heller2014.toml"), registry.join("heller2014.toml")).unwrap();
    let cerda = std::fs::read_to_string(root().join("evidence/cerda2012.toml")).unwrap();
    std::fs::write(registry.join("bad.toml"), edit(cerda)).unwrap();
    Command::new(env!("CARGO_BIN_EXE_narcodoor"))
        .args(["evidence", "--only", "bad", "--youths", "20000", "--replicates", "2", "--out"])
        .arg(dir.join("out"))
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn a_bad_area_field_is_bad_input_naming_it() {
    let cases: [(&str, &str, &str); 3] = [
        (
            "control_regions = [\"Norte\", \"Bajio\", \"Capital\"]",
            "control_regions = [\"Norte\", \"Sur\"]",
            "outcome.control_regions: \"Sur\" is also a treated region",
        ),
        ("pre = [0, 11]", "pre = [0, 12]", "outcome.pre [0, 12] must end before outcome.window"),
        (
            "control_regions = [\"Norte\", \"Bajio\", \"Capital\"]",
            "control_regions = [\"Oaxaca\"]",
            "outcome.control_regions: no region \"Oaxaca\"",
        ),
    ];
    for (from, to, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let o = bad_study(dir.path(), |t| {
            assert!(t.contains(from), "cerda2012.toml holds {from}");
            t.replace(from, to)
        });
        assert_eq!(o.status.code(), Some(2), "{to}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains("bad.toml") && stderr.contains(message), "{stderr}");
        assert!(!dir.path().join("out").exists(), "no output directory for bad input");
    }
}

#[test]
fn evidence_is_the_same_bytes_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let csv = |threads: &str| {
        let out = dir.path().join(format!("t{threads}"));
        let o = evidence(
            &out,
            "20000",
            &["--only", "lindo2018_neighbours", "--threads", threads, "--no-charts", "--quiet"],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(out.join("evidence.csv")).unwrap()
    };
    assert_eq!(csv("1"), csv("2"));
}

#[test]
fn an_unknown_study_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("e");
    let o = evidence(&out, "20000", &["--only", "heller2014,nosuch"]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("nosuch") && stderr.contains("heller2014"), "{stderr}");
    assert!(!out.exists(), "no output directory for bad input");
}

#[test]
fn an_individual_trial_is_measured_on_its_arms() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("e");
    let o = evidence(&out, "40000", &["--only", "heller2014", "--no-charts"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut reader = csv::Reader::from_path(out.join("evidence.csv")).unwrap();
    let row: Vec<String> = reader.records().next().unwrap().unwrap().iter().map(str::to_string).collect();
    assert_eq!((row[0].as_str(), row[14].as_str()), ("heller2014", "arms"), "{row:?}");
    // The report says what the arms are and how many youths and events they hold.
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("trial arms in the treated scenario"), "{report}");
    assert!(report.contains("heller2014: the trial enrolled "), "{report}");
}

#[test]
fn the_arms_estimator_needs_a_trial_and_a_flow_it_follows() {
    // Registry files whose [outcome] asks for trial arms, edited from heller2014.
    let cases: [(&str, &str, &str); 2] = [
        ("[trial]\nlever = \"youth_jobs\"\nintake_months = 1\n", "", "the treated scenario sets no [trial]"),
        (
            "metric = \"member_arrests\"",
            "metric = \"homicides\"",
            "the arms estimator reads recruits, member_arrests or member_deaths",
        ),
    ];
    for (from, to, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let registry = dir.path().join("evidence");
        std::fs::create_dir_all(&registry).unwrap();
        let heller = std::fs::read_to_string(root().join("evidence/heller2014.toml")).unwrap();
        assert!(heller.contains(from), "heller2014.toml holds {from}");
        std::fs::write(registry.join("bad.toml"), heller.replace(from, to)).unwrap();
        std::fs::write(registry.join("heller2014.toml"), &heller).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_narcodoor"))
            .args(["evidence", "--only", "bad", "--youths", "20000", "--replicates", "2", "--out"])
            .arg(dir.path().join("out"))
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{to}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains("bad.toml") && stderr.contains(message), "{stderr}");
    }
}
