//! Trial arms (issue 24, part 1), driven through the binary: a lever's lottery makes a
//! treatment and a control arm inside one run; `trial.csv` follows every participant, the
//! effects are in `trial_effects.csv` and on the terminal; a trial only watches (every other
//! output is the same bytes without it, for any thread count); bad `[trial]` keys are bad
//! input naming the key.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use crate::common::csv_table as rows;

fn narcodoor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_narcodoor")).args(args).output().unwrap()
}

/// A one-region country of 20,000 youths where a youth-jobs lever hires once, at month 6,
/// for two months; `trial` is the `[trial]` table (empty: none).
const JOBS: &str = r#"
[run]
name = "jobs"
months = 30
burn_in_months = 24
replicates = 4

[population]
youths = 20000

[policy.youth_jobs]
start_month = 6
end_month = 8
slots_per_1000 = 20
months = 2
retention = 0.0
"#;

const JOBS_TRIAL: &str = "\n[trial]\nlever = \"youth_jobs\"\nintake_months = 1\n";

fn run(dir: &Path, name: &str, text: &str, threads: &str) -> Output {
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, text).unwrap();
    let out = dir.join(name);
    narcodoor(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--threads",
        threads,
        "--no-charts",
    ])
}

fn num(row: &BTreeMap<String, String>, column: &str) -> u64 {
    row[column].parse().unwrap_or_else(|_| panic!("{column} = {:?}", row[column]))
}

#[test]
fn a_jobs_lottery_makes_two_arms_followed_month_by_month() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), "trial", &format!("{JOBS}{JOBS_TRIAL}"), "2");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("Trial (youth_jobs): "), "{stdout}");
    let (header, table) = rows(&dir.path().join("trial/trial.csv"));
    assert_eq!(
        header.join(","),
        "replicate,month,arm,enrolled,followed,recruits,arrests,deaths,ageouts,school,work,idle,prison,members,treated"
    );
    assert_eq!(table.len(), 4 * 30 * 2);
    // Nobody is enrolled before the lever's first month; everybody at it, once.
    let mut cumulative: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for r in &table {
        let month: u32 = r["month"].parse().unwrap();
        let (enrolled, followed) = (num(r, "enrolled"), num(r, "followed"));
        if month < 6 {
            assert_eq!(enrolled, 0, "{r:?}");
            continue;
        }
        assert!(enrolled > 0, "an empty arm: {r:?}");
        let stocks: u64 = ["school", "work", "idle", "prison", "members"].iter().map(|c| num(r, c)).sum();
        assert_eq!(stocks, followed, "{r:?}");
        // Every participant is followed until a death or ageing out takes its slot.
        let gone = cumulative.entry((r["replicate"].clone(), r["arm"].clone())).or_default();
        gone.0 += num(r, "deaths") + num(r, "ageouts");
        assert_eq!(followed + gone.0, enrolled, "{r:?}");
        if gone.1 == 0 {
            gone.1 = enrolled;
        }
        assert_eq!(enrolled, gone.1, "one intake month: the arms do not grow");
        if r["arm"] == "treatment" {
            // Every winner was placed: full take-up.
            assert_eq!(num(r, "treated"), enrolled, "{r:?}");
        }
        if month == 6 && r["arm"] == "treatment" {
            assert_eq!(num(r, "work"), followed, "winners are in their placement: {r:?}");
        }
    }
    let (header, effects) = rows(&dir.path().join("trial/trial_effects.csv"));
    assert_eq!(header[..4].join(","), "outcome,first_month,last_month,enrolled_control");
    let outcomes: Vec<&str> = effects.iter().map(|r| r["outcome"].as_str()).collect();
    assert_eq!(outcomes, ["recruits", "arrests", "deaths"]);
    assert_eq!(effects[0]["reached_treatment"], "1.000000");
}

#[test]
fn a_trial_only_watches_and_is_the_same_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{JOBS}{JOBS_TRIAL}");
    for (name, text, threads) in
        [("one", text.as_str(), "1"), ("two", text.as_str(), "2"), ("none", JOBS, "2")]
    {
        let o = run(dir.path(), name, text, threads);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let read = |run: &str, file: &str| std::fs::read(dir.path().join(run).join(file)).unwrap();
    assert_eq!(read("one", "trial.csv"), read("two", "trial.csv"));
    for file in ["timeseries.csv", "regions.csv", "events.csv"] {
        assert_eq!(read("two", file), read("none", file), "{file} changed by watching a trial");
    }
    assert!(!dir.path().join("none/trial.csv").exists());
}

#[test]
fn scholarship_winners_stay_in_school_longer_than_losers() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
[run]
months = 48
burn_in_months = 24
replicates = 4
[population]
youths = 20000
[policy.scholarships]
start_month = 0
coverage = 0.5
[trial]
lever = "scholarships"
intake_months = 12
"#;
    let o = run(dir.path(), "sch", text, "2");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (_, table) = rows(&dir.path().join("sch/trial.csv"));
    for rep in ["0", "1", "2", "3"] {
        let at = |arm: &str| {
            let r = table
                .iter()
                .find(|r| r["replicate"] == rep && r["month"] == "47" && r["arm"] == arm)
                .unwrap();
            (num(r, "enrolled"), num(r, "school") as f64 / num(r, "followed") as f64)
        };
        let ((n_control, school_control), (n_treatment, school_treatment)) = (at("control"), at("treatment"));
        // A fair lottery at coverage 0.5: arms within 5 standard deviations of each other.
        let n = (n_control + n_treatment) as f64;
        assert!(
            (n_treatment as f64 - n / 2.0).abs() < 5.0 * (n / 4.0).sqrt(),
            "{n_control} against {n_treatment}"
        );
        // The scholarship cuts dropout (6.1): more winners are still students three years on.
        assert!(school_treatment > school_control, "replicate {rep}: {school_treatment} <= {school_control}");
    }
}

#[test]
fn bad_trial_keys_are_bad_input_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (format!("{JOBS}\n[trial]\nlever = \"kingpin\"\n"), "must be scholarships or youth_jobs"),
        (format!("{JOBS}\n[trial]\nlever = \"scholarships\"\n"), "[policy.scholarships] is off"),
        (
            format!("{JOBS}\n[policy.scholarships]\ncoverage = 1.0\n[trial]\nlever = \"scholarships\"\n"),
            "no control arm",
        ),
        (
            format!("{JOBS}{JOBS_TRIAL}").replace("intake_months = 1", "intake_months = 0"),
            "trial.intake_months",
        ),
        (format!("{JOBS}\n[trial]\nlevers = \"youth_jobs\"\n"), "levers"),
    ];
    for (i, (text, needle)) in cases.iter().enumerate() {
        let o = run(dir.path(), &format!("bad{i}"), text, "1");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "case {i}: {stderr}");
        assert!(stderr.contains(needle), "case {i}: {stderr}");
        assert!(stderr.contains("trial"), "case {i}: {stderr}");
    }
}
