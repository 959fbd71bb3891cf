//! Parameter uncertainty (issue 26), driven through the binary: `--posterior FILE` runs
//! replicate r under draw r mod K of a posterior's weighted particles. A known two-point
//! posterior must show its mixture in the intervals over draws, with the variance's two
//! parts adding up; in a comparison the same draw and streams in every scenario must keep
//! the paired interval narrower than an unpaired one; the draws are the same for any
//! thread count; a lever column leaves a scenario where the lever is off untouched; bad
//! posteriors are bad input naming the column.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use crate::common::csv_table;

fn narcodoor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_narcodoor")).args(args).output().unwrap()
}

/// A one-region country of 20,000 youths; `extra` is appended (a lever, a parameter).
fn country(name: &str, extra: &str) -> String {
    format!(
        "[run]\nname = \"{name}\"\nmonths = 48\nburn_in_months = 24\nreplicates = 16\nseed = 5\n\n\
         [population]\nyouths = 20000\n{extra}"
    )
}

/// Recruitment intensity at half and at twice NDM-1's default (0.085), equally likely.
const TWO_POINTS: &str = "recruit.intensity,weight\n0.0425,1\n0.17,1\n";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn ok(out: Output) {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Each replicate's total of `metric` over the run, from a `timeseries.csv`.
fn totals(path: &Path, metric: &str) -> Vec<f64> {
    let (_, rows) = csv_table(path);
    let mut by_rep: BTreeMap<u32, f64> = BTreeMap::new();
    for r in &rows {
        *by_rep.entry(r["replicate"].parse().unwrap()).or_default() += r[metric].parse::<f64>().unwrap();
    }
    by_rep.into_values().collect()
}

fn row<'a>(rows: &'a [BTreeMap<String, String>], keys: &[(&str, &str)]) -> &'a BTreeMap<String, String> {
    rows.iter().find(|r| keys.iter().all(|(k, v)| r[*k] == *v)).unwrap_or_else(|| panic!("no row {keys:?}"))
}

fn num(r: &BTreeMap<String, String>, column: &str) -> f64 {
    r[column].parse().unwrap_or_else(|_| panic!("{column} = {:?}", r[column]))
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

#[test]
fn a_two_point_posterior_shows_its_mixture_and_its_variance_parts_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let posterior = write(d, "two.csv", TWO_POINTS);
    // Each point alone, without a posterior.
    let mut modes = Vec::new();
    for (name, x) in [("low", 0.0425), ("high", 0.17)] {
        let file =
            write(d, &format!("{name}.toml"), &country(name, &format!("\n[recruit]\nintensity = {x}\n")));
        let out = d.join(name);
        ok(narcodoor(&["run", &file, "--out", out.to_str().unwrap(), "--no-charts", "--quiet"]));
        modes.push(totals(&out.join("timeseries.csv"), "recruits"));
    }
    let (low, high) = (mean(&modes[0]), mean(&modes[1]));
    assert!(high > 1.5 * low, "the two points must differ clearly: {low} vs {high}");

    let file = write(d, "mix.toml", &country("mix", ""));
    let out = d.join("mix");
    let args =
        ["run", &file, "--out", out.to_str().unwrap(), "--no-charts", "--quiet", "--posterior", &posterior];
    ok(narcodoor(&[&args[..], &["--draws", "8"]].concat()));
    let (_, draws) = csv_table(&out.join("posterior_draws.csv"));
    assert_eq!(draws.len(), 8);
    let particles: Vec<&str> = draws.iter().map(|r| r["particle"].as_str()).collect();
    assert!(particles.contains(&"0") && particles.contains(&"1"), "both points drawn: {particles:?}");

    let (header, rows) = csv_table(&out.join("uncertainty.csv"));
    assert_eq!(
        header,
        ["metric", "statistic", "draws", "replicates", "mean", "lo", "hi", "var_total", "var_parameter"]
            .iter()
            .chain(&["var_stochastic", "parameter_share"])
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    );
    let r = row(&rows, &[("metric", "recruits"), ("statistic", "total")]);
    let (lo, hi) = (num(r, "lo"), num(r, "hi"));
    // The 90% interval over draws reaches into each mode, while a single point's own
    // replicates are far narrower than the gap between them.
    let gap = high - low;
    assert!(lo < low + 0.25 * gap && hi > high - 0.25 * gap, "[{lo}, {hi}] against modes {low}, {high}");
    // Law of total variance: the parts add up (to the nine significant digits written).
    let (total, param, stoch) = (num(r, "var_total"), num(r, "var_parameter"), num(r, "var_stochastic"));
    assert!((total - param - stoch).abs() <= 1e-7 * total, "{total} != {param} + {stoch}");
    assert!(num(r, "parameter_share") > 0.8, "a gap this large is mostly the parameters': {r:?}");
    // The mean over replicates is the mixture's: the per-replicate totals of this run.
    let own = totals(&out.join("timeseries.csv"), "recruits");
    assert!((num(r, "mean") - mean(&own)).abs() < 1e-6 * mean(&own));
    // Replicate r ran draw r mod 8: with particle 0 (low) or 1 (high) as drawn.
    for (rep, x) in own.iter().enumerate() {
        let near_high = (x - high).abs() < (x - low).abs();
        assert_eq!(near_high, particles[rep % 8] == "1", "replicate {rep}: {x} (modes {low}, {high})");
    }
}

/// Paired (same draw, same streams) and unpaired differences of recruits over the run.
fn paired_and_unpaired(dir: &Path) -> (Vec<f64>, Vec<f64>) {
    let b = totals(&dir.join("scenarios/baseline/timeseries.csv"), "recruits");
    let s = totals(&dir.join("scenarios/jobs/timeseries.csv"), "recruits");
    let n = b.len();
    let paired = (0..n).map(|r| s[r] - b[r]).collect();
    // Replicate r + 1 ran another draw (8 draws) and other streams.
    let unpaired = (0..n).map(|r| s[r] - b[(r + 1) % n]).collect();
    (paired, unpaired)
}

fn sd(xs: &[f64]) -> f64 {
    let m = mean(xs);
    (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

fn compare_under_posterior(d: &Path, threads: &str, name: &str) -> std::path::PathBuf {
    let posterior = write(d, "two.csv", TWO_POINTS);
    let base = write(d, "baseline.toml", &country("baseline", ""));
    let jobs = "\n[policy.youth_jobs]\nslots_per_1000 = 40\n";
    let policy = write(d, "jobs.toml", &country("jobs", jobs));
    let out = d.join(name);
    ok(narcodoor(&[
        "compare",
        &base,
        &policy,
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--threads",
        threads,
        "--posterior",
        &posterior,
        "--draws",
        "8",
        "--target",
        "recruits=-10%@2",
    ]));
    out
}

#[test]
fn pairing_extends_to_the_parameters_and_keeps_paired_intervals_narrower() {
    let dir = tempfile::tempdir().unwrap();
    let out = compare_under_posterior(dir.path(), "2", "c");
    let (paired, unpaired) = paired_and_unpaired(&out);
    assert!(
        sd(&paired) < 0.5 * sd(&unpaired),
        "paired sd {} against unpaired {}",
        sd(&paired),
        sd(&unpaired)
    );
    // uncertainty.csv is computed from the paired differences.
    let (_, rows) = csv_table(&out.join("uncertainty.csv"));
    let r = row(&rows, &[("scenario", "jobs"), ("metric", "recruits"), ("statistic", "total")]);
    assert!((num(r, "mean") - mean(&paired)).abs() < 1e-6 * mean(&paired).abs().max(1.0));
    let (t, param, stoch) = (num(r, "var_total"), num(r, "var_parameter"), num(r, "var_stochastic"));
    assert!((t - param - stoch).abs() <= 1e-7 * t.max(1e-12));
    let p = num(r, "p_lower");
    assert!((0.0..=1.0).contains(&p));
    // The decision files exist with their columns; each acceptability row set sums to 1.
    let (h, pairs) = csv_table(&out.join("probabilities.csv"));
    assert_eq!(h, ["scenario_a", "scenario_b", "metric", "statistic", "draws", "p_a_lower"]);
    assert_eq!(pairs.len(), 9);
    let (_, targets) = csv_table(&out.join("targets.csv"));
    assert_eq!(targets[0]["window"], "year 2 (months 13-24)");
    let (_, curves) = csv_table(&out.join("acceptability.csv"));
    let mut sums: BTreeMap<(String, String), f64> = BTreeMap::new();
    for c in &curves {
        *sums.entry((c["outcome"].clone(), c["willingness_to_pay"].clone())).or_default() +=
            num(c, "probability");
    }
    assert_eq!(sums.len(), 2 * 41);
    assert!(sums.values().all(|s| (s - 1.0).abs() < 1e-9), "{sums:?}");
    for chart in ["posterior_effects.png", "acceptability_recruits.png", "acceptability_homicides.png"] {
        assert!(out.join("charts").join(chart).is_file(), "{chart}");
    }
}

#[test]
fn posterior_outputs_are_the_same_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let one = compare_under_posterior(dir.path(), "1", "one");
    let two = compare_under_posterior(dir.path(), "2", "two");
    for f in
        ["uncertainty.csv", "probabilities.csv", "targets.csv", "acceptability.csv", "posterior_draws.csv"]
    {
        assert_eq!(std::fs::read(one.join(f)).unwrap(), std::fs::read(two.join(f)).unwrap(), "{f}");
    }
}

#[test]
fn a_lever_column_leaves_a_scenario_without_the_lever_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let posterior = write(d, "shock.csv", "policy.kingpin.shock\n0.1\n0.9\n");
    let file = write(d, "quiet.toml", &country("quiet", ""));
    let (a, b) = (d.join("a"), d.join("b"));
    ok(narcodoor(&["run", &file, "--out", a.to_str().unwrap(), "--no-charts", "--quiet"]));
    let with =
        ["run", &file, "--out", b.to_str().unwrap(), "--no-charts", "--quiet", "--posterior", &posterior];
    ok(narcodoor(&with));
    assert_eq!(
        std::fs::read(a.join("timeseries.csv")).unwrap(),
        std::fs::read(b.join("timeseries.csv")).unwrap()
    );
}

#[test]
fn bad_posteriors_are_bad_input_naming_the_culprit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = write(d, "c.toml", &country("c", ""));
    let cases = [
        ("unknown.csv", "youth.nope\n1\n", vec![], "youth.nope"),
        ("range.csv", "recruit.intensity\n-1\n", vec![], "recruit.intensity"),
        ("empty.csv", "weight\n1\n", vec![], "no parameter paths"),
        ("two.csv", TWO_POINTS, vec!["--draws", "9"], "replicates per draw"),
        ("two.csv", TWO_POINTS, vec!["--replicates", "3"], "at least 2 draws"),
    ];
    for (name, text, extra, needle) in cases {
        let posterior = write(d, name, text);
        let out = d.join("out");
        let mut args = vec!["run", &file, "--out", out.to_str().unwrap(), "--posterior", &posterior];
        args.extend(extra);
        let o = narcodoor(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(needle), "{name}: {err}");
        assert!(!out.exists(), "{name}: no output directory for bad input");
    }
    let o = narcodoor(&["run", &file, "--draws", "4"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--draws needs --posterior"));
    let o = narcodoor(&["compare", &file, &file, "--target", "recruits=-20%"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--target needs --posterior"));
}
