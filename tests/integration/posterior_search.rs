//! `sweep`, `optimize` and `evidence` under a posterior (`--posterior FILE`): replicate r
//! runs draw r mod K applied to each point, candidate or study; the files are the same for
//! any thread count and after a resume; a posterior that conflicts with what is swept,
//! searched or resumed is refused with exit code 2. Populations are tiny so the file runs
//! in seconds.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_narcodoor");
const TINY: &str = "tests/fixtures/tiny_all_levers.toml";
/// Two equally likely values of one parameter: the draws are these two, in some order.
const TWO: &str = "recruit.intensity,weight\n0.04,1\n0.12,1\n";

fn narcodoor(args: &[&str]) -> Output {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Command::new(BIN).args(args).current_dir(root).output().expect("the binary runs")
}

fn ok(args: &[&str]) {
    let o = narcodoor(args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

fn refused(args: &[&str], needle: &str) {
    let o = narcodoor(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {err}");
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A file's lines without its `#` metadata (which name the output directory and command).
fn data(p: &Path) -> String {
    let text = fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    text.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n")
}

fn rows(p: &Path) -> Vec<BTreeMap<String, String>> {
    super::common::csv_table(p).1
}

fn posterior(dir: &Path) -> PathBuf {
    let path = dir.join("two.csv");
    fs::write(&path, TWO).unwrap();
    path
}

// ---------------------------------------------------------------------------------------
// sweep
// ---------------------------------------------------------------------------------------

const SWEEP: [&str; 8] = [
    "--months",
    "12",
    "--replicates",
    "4",
    "--quiet",
    "--no-charts",
    "--set",
    "policy.demand.reduction=0.1,0.3",
];

fn sweep(out: &Path, post: &Path, extra: &[&str]) {
    let mut args = vec!["sweep", TINY, "--out", s(out), "--posterior", s(post)];
    args.extend(SWEEP);
    args.extend(extra);
    ok(&args);
}

#[test]
fn a_sweep_under_a_posterior_runs_each_replicate_under_its_draw() {
    let dir = tempfile::tempdir().unwrap();
    let post = posterior(dir.path());
    let out = dir.path().join("post");
    sweep(&out, &post, &[]);
    let draws = rows(&out.join("posterior_draws.csv"));
    assert_eq!(draws.len(), 2);
    // The same point with the uncertain parameter fixed at each draw's value, no posterior:
    // replicate r under the posterior must be replicate r at draw r mod 2's value.
    let fixed = dir.path().join("fixed");
    let levels =
        format!("recruit.intensity={},{}", draws[0]["recruit.intensity"], draws[1]["recruit.intensity"]);
    let mut args =
        vec!["sweep", TINY, "--out", s(&fixed), "--set", "policy.demand.reduction=0.1", "--set", &levels];
    args.extend(&SWEEP[..6]);
    ok(&args);
    let (under, at) = (rows(&out.join("runs.csv")), rows(&fixed.join("runs.csv")));
    for r in 0..4 {
        let (u, f) = (&under[r], &at[(r % 2) * 4 + r]);
        assert_eq!((&u["point"], &u["replicate"]), (&"0".to_string(), &r.to_string()));
        assert_eq!(u["recruits_total"], f["recruits_total"], "replicate {r}");
        assert_eq!(u["members_mean"], f["members_mean"], "replicate {r}");
    }
    assert_ne!(at[0]["members_mean"], at[4]["members_mean"], "the draws must differ for this test to bite");
    // One row per point and outcome, with the two parts of the variance adding up.
    let spreads = rows(&out.join("points_uncertainty.csv"));
    assert_eq!(spreads.len(), 2 * 10);
    for row in &spreads {
        let x = |c: &str| row[c].parse::<f64>().unwrap();
        assert_eq!((row["draws"].as_str(), row["replicates"].as_str()), ("2", "4"));
        assert!(
            (x("var_parameter") + x("var_stochastic") - x("var_total")).abs()
                <= 1e-6 * x("var_total").max(1.0)
        );
        assert!(x("lo") <= x("mean") && x("mean") <= x("hi"), "{row:?}");
    }
    let design: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("design.json")).unwrap()).unwrap();
    assert_eq!(design["posterior"]["draws"], 2);
}

#[test]
fn a_sweep_under_a_posterior_is_the_same_on_any_thread_count_and_after_a_resume() {
    let dir = tempfile::tempdir().unwrap();
    let post = posterior(dir.path());
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    sweep(&one, &post, &["--threads", "1"]);
    sweep(&two, &post, &["--threads", "2"]);
    const FILES: [&str; 4] = ["runs.csv", "points.csv", "points_uncertainty.csv", "posterior_draws.csv"];
    for f in FILES {
        assert_eq!(data(&one.join(f)), data(&two.join(f)), "{f}");
    }
    // A crash: the final files never written and two runs lost; the resumed sweep redoes
    // only those, under the same draws.
    for f in [
        "runs.csv",
        "points_uncertainty.csv",
        "manifest.json",
        "runs/p000001-r0003.csv",
        "runs/p000000-r0002.csv",
    ] {
        fs::remove_file(two.join(f)).unwrap();
    }
    sweep(&two, &post, &["--threads", "2"]);
    for f in FILES {
        assert_eq!(data(&one.join(f)), data(&two.join(f)), "{f}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(two.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["details"]["resumed"], 6);

    // Shards under the posterior merge into the whole sweep's files.
    let shards: Vec<PathBuf> = (0..2).map(|k| dir.path().join(format!("shard{k}"))).collect();
    for (k, d) in shards.iter().enumerate() {
        sweep(d, &post, &["--shard", &format!("{k}/2")]);
    }
    let merged = dir.path().join("merged");
    ok(&["merge", s(&shards[0]), s(&shards[1]), "--out", s(&merged)]);
    for f in FILES {
        assert_eq!(data(&one.join(f)), data(&merged.join(f)), "{f}");
    }
}

#[test]
fn a_sweep_refuses_a_posterior_that_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let post = posterior(dir.path());
    let out = dir.path().join("out");
    let o = s(&out);
    let p = s(&post);
    // A swept path that is also uncertain.
    refused(
        &[
            "sweep",
            TINY,
            "--out",
            o,
            "--posterior",
            p,
            "--replicates",
            "4",
            "--set",
            "recruit.intensity=0.1,0.2",
        ],
        "--set recruit.intensity: the path is also a column of --posterior",
    );
    assert!(!out.exists());
    // Resuming under another posterior, or none.
    sweep(&out, &post, &[]);
    let other = dir.path().join("other.csv");
    fs::write(&other, "recruit.intensity\n0.05\n0.12\n").unwrap();
    refused(
        &[
            "sweep",
            TINY,
            "--out",
            o,
            "--posterior",
            s(&other),
            "--months",
            "12",
            "--replicates",
            "4",
            "--set",
            "policy.demand.reduction=0.1,0.3",
        ],
        "--posterior was",
    );
    refused(
        &[
            "sweep",
            TINY,
            "--out",
            o,
            "--months",
            "12",
            "--replicates",
            "4",
            "--set",
            "policy.demand.reduction=0.1,0.3",
        ],
        "now none",
    );
    // Merging shards run under different posteriors.
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    sweep(&a, &post, &["--shard", "0/2"]);
    sweep(&b, &other, &["--shard", "1/2"]);
    refused(&["merge", s(&a), s(&b), "--out", s(&dir.path().join("m"))], "--posterior was");
    // Too few replicates per draw.
    refused(
        &[
            "sweep",
            TINY,
            "--out",
            s(&dir.path().join("few")),
            "--posterior",
            p,
            "--replicates",
            "3",
            "--set",
            "policy.demand.reduction=0.1",
        ],
        "2 replicates per draw",
    );
}

// ---------------------------------------------------------------------------------------
// evidence
// ---------------------------------------------------------------------------------------

/// A paired study on percentage points (attanasio2021) and a difference in differences
/// (espinosa2015): both give numbers at this size.
fn evidence(out: &Path, post: &Path, replicates: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "evidence",
        "--only",
        "attanasio2021,espinosa2015",
        "--youths",
        "40000",
        "--replicates",
        replicates,
    ];
    args.extend(["--no-charts", "--quiet", "--out", s(out), "--posterior", s(post)]);
    args.extend(extra);
    narcodoor(&args)
}

#[test]
fn evidence_under_a_posterior_gives_each_study_its_effect_over_the_draws() {
    let dir = tempfile::tempdir().unwrap();
    let post = posterior(dir.path());
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    for (out, threads) in [(&one, "1"), (&two, "2")] {
        let o = evidence(out, &post, "4", &["--threads", threads]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(fs::read(one.join("evidence.csv")).unwrap(), fs::read(two.join("evidence.csv")).unwrap());
    let (header, table) = super::common::csv_table(&one.join("evidence.csv"));
    let mut expected: Vec<&str> = narcodoor::command::evidence::files::HEADER.to_vec();
    expected.extend(narcodoor::command::evidence::files::POSTERIOR_HEADER);
    assert_eq!(header, expected);
    for row in &table {
        let x = |c: &str| row[c].parse::<f64>().unwrap();
        assert!(
            x("posterior_lo") <= x("posterior_effect") && x("posterior_effect") <= x("posterior_hi"),
            "{row:?}"
        );
        assert!((0.0..=1.0).contains(&x("parameter_share")), "{row:?}");
        assert!(["inside", "overlapping", "outside"].contains(&row["posterior_verdict"].as_str()));
    }
    // On percentage points a paired study's effect is the mean of its replicates' effects,
    // and the draws hold equally many replicates: the mean over draws is the model's mean.
    let paired = &table[0];
    assert_eq!((paired["study"].as_str(), paired["scale"].as_str()), ("attanasio2021", "percentage_points"));
    let (m, p) =
        (paired["model_effect"].parse::<f64>().unwrap(), paired["posterior_effect"].parse::<f64>().unwrap());
    assert!((m - p).abs() <= 1e-9 * m.abs().max(1e-9), "{m} {p}");
    assert_ne!(paired["posterior_lo"], paired["posterior_hi"], "the draws must differ for this test to bite");
    let report = fs::read_to_string(one.join("report.md")).unwrap();
    assert!(report.contains("## Under parameter uncertainty"), "{report}");
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(one.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["details"]["posterior"]["espinosa2015"]["draws"], 2);
}

#[test]
fn evidence_refuses_a_posterior_with_too_few_replicates_per_draw() {
    let dir = tempfile::tempdir().unwrap();
    let post = posterior(dir.path());
    let out = dir.path().join("e");
    let o = evidence(&out, &post, "3", &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("study attanasio2021") && err.contains("2 replicates per draw"), "{err}");
    assert!(!out.exists());
    refused(
        &["evidence", "--only", "attanasio2021", "--draws", "2", "--out", s(&out)],
        "--draws needs --posterior",
    );
}

// ---------------------------------------------------------------------------------------
// optimize
// ---------------------------------------------------------------------------------------

fn optimize(out: &Path, post: &Path, threads: &str, extra: &[&str]) -> Output {
    let mut args = vec!["optimize", TINY, "--out", s(out), "--posterior", s(post), "--draws", "2"];
    args.extend(["--lever", "policy.demand.reduction=0:0.5", "--objective", "recruits", "--objective"]);
    args.extend(["spending_total", "--population", "4", "--generations", "2", "--months", "12"]);
    args.extend(["--replicates", "2", "--no-charts", "--quiet", "--threads", threads]);
    args.extend(extra);
    narcodoor(&args)
}

fn succeeded(o: Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn optimize_under_a_posterior_is_the_same_on_any_thread_count_and_after_a_resume() {
    let dir = tempfile::tempdir().unwrap();
    let post = posterior(dir.path());
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let below = ["--robust", "below:6,1e12"];
    succeeded(optimize(&a, &post, "1", &below));
    succeeded(optimize(&b, &post, "2", &below));
    const FILES: [&str; 3] = ["pareto.csv", "holdout.csv", "evaluated.csv"];
    for f in FILES {
        assert_eq!(fs::read(a.join(f)).unwrap(), fs::read(b.join(f)).unwrap(), "{f}");
    }
    fs::remove_file(b.join("generations/gen-0002.json")).unwrap();
    fs::remove_file(b.join("manifest.json")).unwrap();
    succeeded(optimize(&b, &post, "2", &below));
    for f in FILES {
        assert_eq!(fs::read(a.join(f)).unwrap(), fs::read(b.join(f)).unwrap(), "{f} after resume");
    }
    // The objectives are shares of draws above a threshold; each objective's quantiles over
    // the draws close the row.
    let (header, front) = super::common::csv_table(&a.join("pareto.csv"));
    assert_eq!(
        header[header.len() - 4..],
        ["recruits_total_p05", "recruits_total_p95", "spending_total_total_p05", "spending_total_total_p95"]
    );
    for row in &front {
        let x = |c: &str| row[c].parse::<f64>().unwrap();
        assert!((0.0..=1.0).contains(&x("recruits_total")), "{row:?}");
        assert!(x("recruits_total_p05") <= x("recruits_total_p95"), "{row:?}");
    }
    let (holdout, _) = super::common::csv_table(&a.join("holdout.csv"));
    assert_eq!(holdout.last().unwrap(), "spending_total_total_p95");
    // Resuming under another posterior is another search.
    let other = dir.path().join("other.csv");
    fs::write(&other, "recruit.intensity\n0.05\n0.12\n").unwrap();
    let o = optimize(&b, &other, "2", &below);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn optimize_refuses_a_posterior_that_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let post = posterior(dir.path());
    let out = dir.path().join("o");
    for (extra, needle) in [
        (vec!["--uncertain", "recruit.shield=0.1:0.2"], "--uncertain"),
        (
            vec!["--lever", "recruit.intensity=0.05:0.1"],
            "--lever recruit.intensity: the path is also a column of --posterior",
        ),
        (vec!["--robust", "below:6"], "1 thresholds for 2 objectives"),
    ] {
        let o = optimize(&out, &post, "1", &extra);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(needle), "{extra:?}: {err}");
        assert!(!out.join("pareto.csv").exists());
    }
}
