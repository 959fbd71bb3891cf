//! The experiment commands end to end: `compare` pairs its replicates (a scenario compared
//! with itself differs by exactly 0), `sweep` designs have the right points in design
//! order for any thread count, invalid points are recorded and do not stop a sweep, shards
//! merge into the bytes of the whole sweep, interrupted sweeps resume without redoing
//! finished runs, `sensitivity` runs Morris and Sobol' analyses through the binary, and bad
//! input gives exit code 2 without writing anything. Populations are tiny (6,000 youths,
//! 12 + 12 months) so the whole file runs in seconds.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use narcodoor::engine::{self, Job, ReplicateResult};
use narcodoor::scenario::{self, Overrides, set_value_f64};

const BIN: &str = env!("CARGO_BIN_EXE_narcodoor");
const TINY: &str = "tests/fixtures/tiny_all_levers.toml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn narcodoor(args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(root()).output().expect("the binary runs")
}

fn ok(args: &[&str]) -> String {
    let o = narcodoor(args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A file without its `#` metadata lines.
fn data(p: &Path) -> String {
    read(p).lines().filter(|l| !l.starts_with('#')).map(|l| format!("{l}\n")).collect()
}

/// The rows of a CSV file (after `#` lines) as maps from column name to text.
fn rows(p: &Path) -> Vec<BTreeMap<String, String>> {
    let text = data(p);
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            let cells = split_csv(l);
            assert_eq!(cells.len(), header.len(), "{l}");
            header.iter().cloned().zip(cells).collect()
        })
        .collect()
}

/// Splits one CSV line, honouring quotes.
fn split_csv(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out
}

fn write_scenario(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

const SIM: [&str; 6] = ["--months", "12", "--replicates", "3", "--quiet", "--no-charts"];

// ---------------------------------------------------------------------------------------
// compare
// ---------------------------------------------------------------------------------------

#[test]
fn a_scenario_compared_with_itself_differs_by_exactly_zero() {
    let dir = tempdir();
    // The second copy has another seed in its file: compare must run it with the
    // baseline's seed, or its replicates would not pair.
    let tiny = root().join(TINY);
    let copy = write_scenario(
        dir.path(),
        "copy.toml",
        &format!("extends = \"{}\"\n[run]\nname = \"tiny\"\nseed = 99\n", tiny.display()),
    );
    let out = dir.path().join("cmp");
    let mut args = vec!["compare", TINY, s(&copy), "--out", s(&out)];
    args.extend(SIM);
    ok(&args);

    // Both arms ran the same replicates: identical time series, row for row.
    let a = read(&out.join("scenarios/tiny/timeseries.csv"));
    let b = read(&out.join("scenarios/tiny-2/timeseries.csv"));
    assert_eq!(a.lines().count(), 1 + 3 * 12);
    assert_eq!(a, b, "replicate r of both arms must use the same random numbers");

    let effects = rows(&out.join("effects.csv"));
    assert_eq!(effects.len(), 18 + 9, "9 metrics × (horizon, run), then spending by lever (9 levers)");
    for r in &effects {
        for col in ["difference", "difference_lo", "difference_hi"] {
            assert_eq!(r[col], "0", "{} {} {col}", r["metric"], r["statistic"]);
        }
        assert_eq!(r["change"], "none");
        assert_eq!(r["replicates"], "3");
        let costed = (r["metric"] == "recruits" || r["metric"] == "homicides") && r["statistic"] == "total";
        assert_eq!(r["cost_status"], if costed { "not_significant" } else { "" }, "{r:?}");
    }
    let report = read(&out.join("report.md"));
    assert!(report.contains("**Common random numbers.**") && report.contains("same seed (7)"), "{report}");
    assert!(report.contains("seed 99 → 7"), "the seed change is reported");
    let manifest: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    assert_eq!(manifest["experiment"], "compare");
    assert_eq!(manifest["seed"], 7);
    assert!(manifest["common_random_numbers"].as_str().unwrap().contains("same seed"));
    assert_eq!(manifest["details"]["scenarios"].as_array().unwrap().len(), 2);
}

#[test]
fn compare_writes_effects_costs_report_and_charts() {
    let dir = tempdir();
    let tiny = root().join(TINY);
    // A policy that certainly changes things: no scholarships and heavy kingpin removals.
    let policy = write_scenario(
        dir.path(),
        "hard.toml",
        &format!(
            "extends = \"{}\"\n[run]\nname = \"hard line\"\n[policy.scholarships]\nenabled = false\n\
             [policy.kingpin]\nremovals_per_year = 12\n",
            tiny.display()
        ),
    );
    let out = dir.path().join("cmp");
    ok(&["compare", TINY, s(&policy), "--out", s(&out), "--months", "12", "--replicates", "4", "--quiet"]);
    let header = read(&out.join("effects.csv")).lines().next().unwrap().to_string();
    assert_eq!(
        header,
        "scenario,baseline,metric,statistic,replicates,baseline_mean,scenario_mean,difference,difference_lo,\
         difference_hi,relative_change,p_value,change,extra_cost,averted,averted_lo,averted_hi,cost_per_averted,\
         cost_per_averted_lo,cost_per_averted_hi,cost_status,caveats"
    );
    let effects = rows(&out.join("effects.csv"));
    // The key rows first, as they always were; then the spending by lever.
    let order: Vec<String> = effects.iter().map(|r| format!("{}:{}", r["metric"], r["statistic"])).collect();
    assert!(order[18..].iter().all(|o| o.starts_with("spending_") && o.ends_with(":total")), "{order:?}");
    assert_eq!(
        order[..18],
        [
            "members:horizon",
            "members:mean",
            "recruits:horizon",
            "recruits:total",
            "minor_recruits:horizon",
            "minor_recruits:total",
            "homicides:horizon",
            "homicides:total",
            "homicide_rate:horizon",
            "homicide_rate:mean",
            "prison:horizon",
            "prison:mean",
            "school:horizon",
            "school:mean",
            "idle:horizon",
            "idle:mean",
            "spending_total:horizon",
            "spending_total:total",
        ]
    );
    for r in &effects {
        assert_eq!(r["scenario"], "hard_line");
        assert_eq!(r["baseline"], "tiny");
        let d: f64 = r["difference"].parse().unwrap();
        let (lo, hi): (f64, f64) = (r["difference_lo"].parse().unwrap(), r["difference_hi"].parse().unwrap());
        assert!(lo <= d && d <= hi, "{r:?}");
        let means: f64 =
            r["scenario_mean"].parse::<f64>().unwrap() - r["baseline_mean"].parse::<f64>().unwrap();
        assert!((means - d).abs() <= 1e-6 * d.abs().max(1.0), "{r:?}");
        assert!(["higher", "lower", "not_significant", "none"].contains(&r["change"].as_str()));
        if !r["cost_status"].is_empty() {
            assert!(
                ["averted", "no_extra_cost", "not_significant", "worse"].contains(&r["cost_status"].as_str())
            );
            let has_ratio = r["cost_per_averted"] != "NaN";
            assert_eq!(has_ratio, ["averted", "no_extra_cost"].contains(&r["cost_status"].as_str()), "{r:?}");
        }
    }
    for chart in [
        "members",
        "recruits",
        "minor_recruits",
        "homicides",
        "homicide_rate",
        "prison",
        "school",
        "idle",
        "effects_run",
        "effects_horizon",
        "cost_effectiveness",
        "cost_effectiveness_homicides",
    ] {
        let png = out.join("charts").join(format!("{chart}.png"));
        assert!(fs::metadata(&png).map(|m| m.len() > 1000).unwrap_or(false), "{chart}.png");
    }
    let report = read(&out.join("report.md"));
    assert!(report.contains("![effects horizon](charts/effects_horizon.png)"));
    assert!(report.contains("## Cost-effectiveness") && report.contains("Fieller"));
    assert!(read(&out.join("scenarios/hard_line/summary.csv")).starts_with("month,school_mean,"));
}

// ---------------------------------------------------------------------------------------
// sweep: designs, order, failures
// ---------------------------------------------------------------------------------------

const SWEEP_SIM: [&str; 5] = ["--months", "6", "--replicates", "2", "--quiet"];

fn sweep(out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["sweep", TINY, "--out", s(out)];
    args.extend(SWEEP_SIM);
    args.extend(extra);
    ok(&args)
}

const GRID: [&str; 4] =
    ["--set", "policy.kingpin.split_probability=0.2,1.5,0.8", "--set", "policy.demand.reduction=0:0.5:3"];

#[test]
fn a_grid_has_every_combination_first_factor_slowest_and_invalid_points_are_recorded() {
    let dir = tempdir();
    let out = dir.path().join("grid");
    sweep(&out, &GRID);
    let runs = rows(&out.join("runs.csv"));
    assert_eq!(runs.len(), 9 * 2);
    let mut expected = Vec::new();
    for split in ["0.2", "1.5", "0.8"] {
        for reduction in ["0", "0.25", "0.5"] {
            for r in 0..2 {
                expected.push((split, reduction, r.to_string()));
            }
        }
    }
    for (i, (row, (split, reduction, r))) in runs.iter().zip(&expected).enumerate() {
        assert_eq!(row["point"], (i / 2).to_string());
        assert_eq!(&row["policy.kingpin.split_probability"], split);
        assert_eq!(&row["policy.demand.reduction"], reduction);
        assert_eq!(&row["replicate"], r);
        assert_eq!(row["seed"], "7");
        if *split == "1.5" {
            // The invalid level is recorded in every replicate's row, and the sweep goes on.
            assert_eq!(row["status"], "error");
            assert!(row["error"].contains("split_probability = 1.5"), "{}", row["error"]);
            assert_eq!(row["members_horizon"], "");
        } else {
            assert_eq!(row["status"], "ok", "{row:?}");
            assert_eq!(row["error"], "");
            assert!(row["recruits_total"].parse::<f64>().unwrap() >= 0.0);
        }
    }
    // The per-month file: every valid run's months, in design order.
    let ts = rows(&out.join("runs_timeseries.csv"));
    assert_eq!(ts.len(), 6 * 2 * 6);
    let keys: Vec<(String, String, String)> =
        ts.iter().map(|r| (r["point"].clone(), r["replicate"].clone(), r["month"].clone())).collect();
    let mut sorted = keys.clone();
    sorted.sort_by_key(|(p, r, m)| {
        (p.parse::<u32>().unwrap(), r.parse::<u32>().unwrap(), m.parse::<u32>().unwrap())
    });
    assert_eq!(keys, sorted);
    assert!(!keys.iter().any(|(p, _, _)| ["3", "4", "5"].contains(&p.as_str())));
    // Metadata lines come first.
    let text = read(&out.join("runs.csv"));
    assert!(text.starts_with("# narcodoor "));
    assert!(text.contains("# factor policy.demand.reduction: levels 0, 0.25, 0.5\n"));
    assert!(text.contains("# design: grid, 9 points; seed 7; 2 replicates; 6 months after 12 of burn-in"));
    let manifest: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    assert_eq!(manifest["details"]["errors"], 6);
    assert_eq!(manifest["details"]["ok"], 12);
}

#[test]
fn a_latin_hypercube_has_one_point_per_stratum() {
    let dir = tempdir();
    let out = dir.path().join("lhs");
    let samples = 5;
    sweep(
        &out,
        &[
            "--design",
            "lhs",
            "--samples",
            "5",
            "--set",
            "policy.demand.reduction=0.1:0.5",
            "--set",
            "policy.scholarships.coverage=0.2:0.8",
        ],
    );
    let runs = rows(&out.join("runs.csv"));
    assert_eq!(runs.len(), samples * 2);
    for (path, lo, hi) in [("policy.demand.reduction", 0.1, 0.5), ("policy.scholarships.coverage", 0.2, 0.8)]
    {
        let mut strata: Vec<usize> = runs
            .iter()
            .step_by(2)
            .map(|r| {
                let x: f64 = r[path].parse().unwrap();
                assert!((lo..=hi).contains(&x));
                ((x - lo) / (hi - lo) * samples as f64) as usize
            })
            .collect();
        strata.sort_unstable();
        assert_eq!(strata, (0..samples).collect::<Vec<_>>(), "{path}");
    }
    assert!(runs.iter().all(|r| r["status"] == "ok"));
}

#[test]
fn sweep_files_do_not_depend_on_the_thread_count() {
    let dir = tempdir();
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    sweep(&one, &[&GRID[..], &["--threads", "1"]].concat());
    sweep(&two, &[&GRID[..], &["--threads", "2"]].concat());
    for f in ["runs.csv", "runs_timeseries.csv"] {
        assert_eq!(data(&one.join(f)), data(&two.join(f)), "{f}");
    }
}

// ---------------------------------------------------------------------------------------
// shards and merge
// ---------------------------------------------------------------------------------------

#[test]
fn merged_shards_equal_the_whole_sweep_byte_for_byte() {
    let dir = tempdir();
    let whole = dir.path().join("whole");
    sweep(&whole, &GRID);
    let shards: Vec<PathBuf> = (0..4).map(|k| dir.path().join(format!("shard-{k}"))).collect();
    for (k, d) in shards.iter().enumerate() {
        sweep(d, &[&GRID[..], &["--shard", &format!("{k}/4")]].concat());
        // A shard holds only its points: 9 points dealt round-robin over 4 shards.
        let points: Vec<usize> =
            rows(&d.join("runs.csv")).iter().step_by(2).map(|r| r["point"].parse().unwrap()).collect();
        assert_eq!(points, (k..9).step_by(4).collect::<Vec<_>>());
    }
    let merged = dir.path().join("merged");
    // Given in any order.
    ok(&["merge", s(&shards[2]), s(&shards[0]), s(&shards[3]), s(&shards[1]), "--out", s(&merged)]);
    for f in ["runs.csv", "runs_timeseries.csv"] {
        let (a, b) = (read(&whole.join(f)), read(&merged.join(f)));
        assert_ne!(a, b, "the # lines differ (shard line, command)");
        assert_eq!(data(&whole.join(f)), data(&merged.join(f)), "{f}");
    }
    assert!(read(&merged.join("runs.csv")).contains("# merged from 4 shard directories"));

    // Merges that cannot be right are refused.
    let refused = |args: &[&str], fragment: &str| {
        let o = narcodoor(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(fragment), "{err}");
    };
    let out2 = dir.path().join("m2");
    refused(&["merge", s(&shards[0]), s(&shards[1]), s(&shards[2]), "--out", s(&out2)], "shards missing");
    refused(&["merge", s(&shards[0]), s(&shards[0]), "--out", s(&out2)], "both shard 0/4");
    refused(&["merge", s(&shards[0]), s(&whole), "--out", s(&out2)], "same --shard K/N split");
    let other = dir.path().join("other");
    sweep(&other, &["--set", "policy.demand.reduction=0.1,0.2", "--shard", "1/4"]);
    refused(&["merge", s(&shards[0]), s(&other), "--out", s(&out2)], "different sweeps");
    refused(
        &[
            "merge",
            s(&shards[0]),
            s(&shards[1]),
            s(&shards[2]),
            s(&shards[3]),
            "--out",
            s(&whole.join("runs")),
        ],
        "refusing",
    );
    fs::remove_file(shards[3].join("runs/p000003-r0001.csv")).unwrap();
    refused(
        &["merge", s(&shards[0]), s(&shards[1]), s(&shards[2]), s(&shards[3]), "--out", s(&out2)],
        "runs are missing",
    );
    assert!(!out2.exists(), "a refused merge writes nothing");
}

// ---------------------------------------------------------------------------------------
// resume
// ---------------------------------------------------------------------------------------

fn run_files(dir: &Path) -> BTreeMap<String, (SystemTime, String)> {
    fs::read_dir(dir.join("runs"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            (name, (e.metadata().unwrap().modified().unwrap(), read(&e.path())))
        })
        .collect()
}

/// Sets a file's modification time far in the past, so that a rewrite would show.
fn age(path: &Path) {
    let old = SystemTime::now() - Duration::from_secs(86_400);
    fs::File::options().write(true).open(path).unwrap().set_modified(old).unwrap();
}

#[test]
fn a_crashed_sweep_resumes_without_redoing_finished_runs() {
    let dir = tempdir();
    let out = dir.path().join("sweep");
    sweep(&out, &GRID);
    let complete_runs = read(&out.join("runs.csv"));
    let complete_ts = read(&out.join("runs_timeseries.csv"));
    // Simulate a crash: the final files were never written, two runs were not finished, and
    // one was being written when the process died.
    for f in [
        "runs.csv",
        "runs_timeseries.csv",
        "manifest.json",
        "runs/p000002-r0001.csv",
        "runs/p000004-r0000.csv",
    ] {
        fs::remove_file(out.join(f)).unwrap();
    }
    fs::write(out.join("runs/.p000002-r0001.csv.tmp"), "half a ro").unwrap();
    for name in run_files(&out).keys() {
        if !name.starts_with('.') {
            age(&out.join("runs").join(name));
        }
    }
    let before = run_files(&out);
    sweep(&out, &GRID);
    let after = run_files(&out);
    assert!(!after.contains_key(".p000002-r0001.csv.tmp"), "the half-written file is gone");
    for (name, (mtime, text)) in &before {
        if name.starts_with('.') {
            continue;
        }
        assert_eq!(&after[name].0, mtime, "{name} was rewritten");
        assert_eq!(&after[name].1, text);
    }
    assert!(after.contains_key("p000002-r0001.csv") && after.contains_key("p000004-r0000.csv"));
    assert_eq!(after.len(), 18);
    // The resumed sweep's files are those of the uninterrupted one (apart from # lines).
    let strip = |t: &str| t.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
    assert_eq!(strip(&read(&out.join("runs.csv"))), strip(&complete_runs));
    assert_eq!(strip(&read(&out.join("runs_timeseries.csv"))), strip(&complete_ts));
    let manifest: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    assert_eq!(manifest["details"]["resumed"], 16);

    // --no-resume on the same sweep starts over: every run file is written again.
    for name in after.keys() {
        age(&out.join("runs").join(name));
    }
    let aged = run_files(&out);
    sweep(&out, &[&GRID[..], &["--no-resume"]].concat());
    let redone = run_files(&out);
    assert_eq!(redone.len(), 18);
    for (name, (mtime, text)) in &aged {
        assert_ne!(&redone[name].0, mtime, "{name} was not redone");
        assert_eq!(&redone[name].1, text, "{name}: same bytes when redone");
    }
}

#[test]
fn a_killed_sweep_resumes_to_the_same_files() {
    let dir = tempdir();
    let out = dir.path().join("sweep");
    let design =
        ["--set", "policy.demand.reduction=0:0.5:8", "--set", "policy.scholarships.coverage=0.2,0.6,0.9"];
    let mut args = vec![
        "sweep",
        TINY,
        "--out",
        s(&out),
        "--months",
        "24",
        "--replicates",
        "2",
        "--threads",
        "1",
        "--quiet",
    ];
    args.extend(design);
    let mut child = Command::new(BIN).args(&args).current_dir(root()).spawn().unwrap();
    // Wait until a few runs are on disk (or the sweep is over), then kill it.
    let runs = out.join("runs");
    let started = std::time::Instant::now();
    loop {
        let n = fs::read_dir(&runs).map(|d| d.count()).unwrap_or(0);
        if n >= 3 || started.elapsed() > Duration::from_secs(60) || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let finished_alone = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    let _ = child.wait();
    if finished_alone {
        eprintln!("the sweep finished before it could be killed; only the resume path was tested");
    }
    let mut finished = Vec::new();
    for e in fs::read_dir(&runs).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') {
            // Every file present is complete: a runs.csv line and 24 months.
            let text = read(&e.path());
            assert_eq!(text.lines().count(), 1 + 24, "{name} is incomplete");
            age(&e.path());
            finished.push((name, e.path().metadata().unwrap().modified().unwrap()));
        }
    }
    ok(&args);
    for (name, mtime) in &finished {
        assert_eq!(runs.join(name).metadata().unwrap().modified().unwrap(), *mtime, "{name} was redone");
    }
    let fresh = dir.path().join("fresh");
    let mut again = vec!["sweep", TINY, "--out", s(&fresh), "--months", "24", "--replicates", "2", "--quiet"];
    again.extend(design);
    ok(&again);
    for f in ["runs.csv", "runs_timeseries.csv"] {
        assert_eq!(data(&out.join(f)), data(&fresh.join(f)), "{f}");
    }
}

#[test]
fn sweep_directories_are_never_taken_over() {
    let dir = tempdir();
    let out = dir.path().join("sweep");
    sweep(&out, &GRID);
    let before = data(&out.join("runs.csv"));
    // Another sweep into the same directory: refused, with or without --no-resume.
    for extra in [&[][..], &["--no-resume"][..]] {
        let mut args = vec!["sweep", TINY, "--out", s(&out), "--set", "policy.demand.reduction=0.1,0.2"];
        args.extend(SWEEP_SIM);
        args.extend(extra);
        let o = narcodoor(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("holds another sweep") && err.contains("factors"), "{err}");
    }
    // Other settings count too: the seed.
    let mut args = vec!["sweep", TINY, "--out", s(&out), "--seed", "8"];
    args.extend(GRID);
    args.extend(SWEEP_SIM);
    let o = narcodoor(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("seed"));
    assert_eq!(data(&out.join("runs.csv")), before, "left untouched");
    // A directory that is not a sweep.
    let other = dir.path().join("notes");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("thesis.tex"), "precious").unwrap();
    let mut args = vec!["sweep", TINY, "--out", s(&other), "--no-resume"];
    args.extend(GRID);
    args.extend(SWEEP_SIM);
    let o = narcodoor(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a sweep directory"));
    assert_eq!(read(&other.join("thesis.tex")), "precious");
}

// ---------------------------------------------------------------------------------------
// sensitivity
// ---------------------------------------------------------------------------------------

#[test]
fn morris_and_sobol_run_end_to_end() {
    let dir = tempdir();
    let factors = [
        "--set",
        "policy.demand.reduction=0:0.6",
        "--set",
        "policy.scholarships.coverage=0.1:0.9",
        "--set",
        "recruit.minor_preference=-1:1",
    ];
    let morris = dir.path().join("morris");
    let mut args = vec!["sensitivity", TINY, "--method", "morris", "--samples", "4", "--out", s(&morris)];
    args.extend(factors);
    args.extend(["--months", "12", "--replicates", "2", "--bootstrap", "200"]);
    let stdout = ok(&args);
    assert!(stdout.contains("mu_star"), "{stdout}");
    let idx = rows(&morris.join("indices.csv"));
    assert_eq!(idx.len(), 3 * 3);
    for r in &idx {
        assert_eq!(r["method"], "morris");
        assert_eq!(r["outcome"], "recruits");
        assert_eq!(r["statistic"], "total");
        let e: f64 = r["estimate"].parse().unwrap();
        assert!(e.is_finite());
        if r["index"] == "mu_star" {
            let (lo, hi): (f64, f64) = (r["ci_lo"].parse().unwrap(), r["ci_hi"].parse().unwrap());
            assert!(e >= 0.0 && lo <= e && e <= hi, "{r:?}");
        }
    }
    let design = rows(&morris.join("design.csv"));
    assert_eq!(design.len(), 4 * (3 + 1));
    assert!(design.iter().all(|r| r["replicates"] == "2" && r["output"].parse::<f64>().is_ok()));
    assert!(fs::metadata(morris.join("tornado.png")).unwrap().len() > 1000);

    let sobol = dir.path().join("sobol");
    let mut args = vec!["sensitivity", TINY, "--method", "sobol", "--samples", "8", "--outcome", "members"];
    args.extend(["--out", s(&sobol), "--no-charts", "--quiet", "--months", "12", "--replicates", "1"]);
    args.extend(factors);
    ok(&args);
    let idx = rows(&sobol.join("indices.csv"));
    let kinds: Vec<(String, String)> =
        idx.iter().map(|r| (r["factor"].clone(), r["index"].clone())).collect();
    assert_eq!(kinds.len(), 6);
    assert_eq!(kinds[0], ("policy.demand.reduction".into(), "first".into()));
    assert_eq!(kinds[1], ("policy.demand.reduction".into(), "total".into()));
    assert!(idx.iter().all(|r| r["statistic"] == "mean" && r["outcome"] == "members"));
    let design = rows(&sobol.join("design.csv"));
    assert_eq!(design.len(), 8 * (3 + 2));
    assert_eq!(design[0]["block"], "A");
    assert_eq!(design[8]["block"], "B");
    assert_eq!(design[39]["block"], "AB_2");
    assert!(!sobol.join("tornado.png").exists());
    let manifest: serde_json::Value = serde_json::from_str(&read(&sobol.join("manifest.json"))).unwrap();
    assert_eq!(manifest["details"]["rows"], 40);
}

// ---------------------------------------------------------------------------------------
// bad input
// ---------------------------------------------------------------------------------------

#[test]
fn bad_experiment_input_is_refused_with_exit_code_2_and_writes_nothing() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let o = s(&out);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["compare", TINY, "--out", o], "required"),
        (vec!["sweep", TINY, "--out", o, "--set", "policy.demand.reduction"], "expected path="),
        (vec!["sweep", TINY, "--out", o, "--set", "policy.demand.reducton=0.1,0.2"], "did you mean"),
        (vec!["sweep", TINY, "--out", o, "--set", "run.months=1,2"], "run settings"),
        (vec!["sweep", TINY, "--out", o, "--set", "policy.demand.reduction=0:1"], "a grid needs levels"),
        (
            vec!["sweep", TINY, "--out", o, "--design", "lhs", "--set", "policy.demand.reduction=0.1,0.2"],
            "range",
        ),
        (
            vec!["sweep", TINY, "--out", o, "--set", "policy.demand.reduction=0.1", "--shard", "2/2"],
            "bad shard",
        ),
        (vec!["sweep", TINY, "--out", o, "--set", "policy.demand.reduction=x,0.2"], "wrong type"),
        (
            vec![
                "sweep",
                TINY,
                "--out",
                o,
                "--set",
                "policy.demand.reduction=0.1",
                "--set",
                "policy.demand.reduction=0.2",
            ],
            "more than once",
        ),
        (vec!["merge", s(dir.path()), "--out", o], "not a sweep directory"),
        (
            vec![
                "sensitivity",
                TINY,
                "--method",
                "morris",
                "--set",
                "policy.demand.reduction=0:1",
                "--outcome",
                "joy",
                "--out",
                o,
            ],
            "not a metric",
        ),
        (
            vec![
                "sensitivity",
                TINY,
                "--method",
                "sobol",
                "--set",
                "policy.demand.reduction=0:3",
                "--out",
                o,
            ],
            "not a valid scenario",
        ),
        (
            vec![
                "sensitivity",
                TINY,
                "--method",
                "morris",
                "--levels",
                "3",
                "--set",
                "policy.demand.reduction=0:1",
                "--out",
                o,
            ],
            "even number of levels",
        ),
    ];
    for (args, fragment) in cases {
        let r = narcodoor(&args);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(fragment), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
}

// ---------------------------------------------------------------------------------------
// the engine's job runner
// ---------------------------------------------------------------------------------------

#[test]
fn jobs_give_the_replicates_of_their_own_parameters_on_any_thread_count() {
    let mut p = scenario::load(&root().join(TINY)).unwrap();
    p.apply(&Overrides { months: Some(6), replicates: Some(2), ..Overrides::default() }).unwrap();
    let p = p.params;
    let mut q = p.clone();
    set_value_f64(&mut q, "run.seed", 8.0).unwrap();
    let direct = |params, reps: &[u32]| {
        let mut out = Vec::new();
        engine::run_replicates(params, reps, 1, &|_, _| {}, |r| {
            out.push(r);
            Ok::<(), std::io::Error>(())
        })
        .unwrap();
        out
    };
    let mut expected = direct(&p, &[0, 1]);
    expected.extend(direct(&q, &[0]));
    expected.extend(direct(&p, &[1]));
    let jobs = [
        Job { params: &p, replicate: 0 },
        Job { params: &p, replicate: 1 },
        Job { params: &q, replicate: 0 },
        Job { params: &p, replicate: 1 },
    ];
    for threads in [1, 2, 3] {
        let mut got: Vec<Option<ReplicateResult>> = vec![None; jobs.len()];
        engine::run_jobs(&jobs, threads, &|_, _| {}, |i, r| {
            assert!(got[i].replace(r).is_none(), "job {i} delivered twice");
            Ok::<(), std::io::Error>(())
        })
        .unwrap();
        let got: Vec<ReplicateResult> = got.into_iter().map(|r| r.expect("every job delivered")).collect();
        assert_eq!(got, expected, "{threads} threads");
    }
    assert_ne!(expected[0], expected[2], "the parameters of each job are used");
}

#[test]
fn jobs_in_lockstep_give_the_same_results_and_stream_every_month_in_order() {
    let mut p = scenario::load(&root().join(TINY)).unwrap();
    p.apply(&Overrides { months: Some(5), replicates: Some(2), ..Overrides::default() }).unwrap();
    let p = p.params;
    assert!(p.run.burn_in_months > 0, "the fixture has a burn-in to share");
    let mut lever = p.clone();
    set_value_f64(&mut lever, "policy.scholarships.coverage", 0.5).unwrap();
    let mut seed = p.clone();
    set_value_f64(&mut seed, "run.seed", 8.0).unwrap();
    let jobs = [
        Job { params: &p, replicate: 0 },
        Job { params: &lever, replicate: 0 },
        Job { params: &seed, replicate: 1 },
        Job { params: &p, replicate: 1 },
        Job { params: &lever, replicate: 1 },
    ];
    let collect = |streaming: bool, threads: usize| {
        let seen = std::sync::Mutex::new(Vec::new());
        let hook = |j: usize, r: &engine::MonthReport| seen.lock().unwrap().push((r.month, j, r.clone()));
        let mut out = Vec::new();
        let sink = |i: usize, r: ReplicateResult| {
            out.push((i, r));
            Ok::<(), std::io::Error>(())
        };
        let never = std::sync::atomic::AtomicBool::new(false);
        let strategy = if streaming {
            engine::run_jobs_with(&jobs, threads, &never, &|_, _| {}, Some(&hook), sink).unwrap()
        } else {
            engine::run_jobs(&jobs, threads, &|_, _| {}, sink).unwrap()
        };
        (strategy, out, seen.into_inner().unwrap())
    };
    let (_, expected, none) = collect(false, 2);
    assert!(none.is_empty(), "no hook, no calls");
    for threads in [1, 2] {
        let (strategy, got, seen) = collect(true, threads);
        assert_eq!(strategy, engine::Strategy::Lockstep);
        assert_eq!(got, expected, "{threads} threads");
        // Month by month, each month in job order, every report the one delivered at the end.
        let order: Vec<(u32, usize)> = seen.iter().map(|(m, j, _)| (*m, *j)).collect();
        let want: Vec<(u32, usize)> = (0..5).flat_map(|m| (0..jobs.len()).map(move |j| (m, j))).collect();
        assert_eq!(order, want);
        for (m, j, report) in &seen {
            assert_eq!(report, &expected[*j].1.months[*m as usize]);
        }
    }
}
