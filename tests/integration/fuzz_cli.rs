//! Property tests of the command line and of `--set` values, and the command lines that
//! once broke narcodoor.
//!
//! - `generated_command_lines_never_panic`: argument vectors built from every subcommand,
//!   its flags and awkward values (zero, negative, huge, non-numbers, missing files,
//!   directories, binary files, malformed `--set`), parsed and run in-process on a tiny
//!   scenario. Invariants: no panic; an error is exit code 1 or 2; bad input (2) leaves no
//!   output directory behind.
//! - `set_values_never_panic`: `set_value` with every settable path of a scenario (and
//!   paths that are not) and values of every type and size. Invariants: no panic; a refusal
//!   is bad input naming the path; an accepted value runs (capped small) without panicking.
//! - `regression_command_lines`: every line of `tests/fixtures/regressions/cli_args.txt`,
//!   run as a process, gives its expected exit code within 30 s and creates no output.
//!
//! FUZZ_CASES multiplies nothing here: the case counts are fixed (2,000 command lines,
//! 10,000 settings); `tests/fuzz/million.sh` runs more.

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common;

use clap::Parser;
use narcodoor::cli::Cli;
use narcodoor::scenario::{self, Overrides};
use proptest::prelude::*;

const BIN: &str = env!("CARGO_BIN_EXE_narcodoor");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Files a command line may name: a tiny scenario, a missing file, a directory, an empty
/// file, a binary file, /dev/null.
fn files() -> &'static (tempfile::TempDir, Vec<String>) {
    static FILES: OnceLock<(tempfile::TempDir, Vec<String>)> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("empty.toml"), "").unwrap();
        std::fs::write(d.join("binary.toml"), [0xff, 0xfe, 0, 0x80]).unwrap();
        std::fs::create_dir(d.join("dir.toml")).unwrap();
        let small = root().join("tests/fixtures/fuzz_small.toml");
        let names = vec![
            small.display().to_string(),
            small.display().to_string(),
            small.display().to_string(),
            d.join("missing.toml").display().to_string(),
            d.join("empty.toml").display().to_string(),
            d.join("binary.toml").display().to_string(),
            d.join("dir.toml").display().to_string(),
            "/dev/null".to_string(),
            String::new(),
        ];
        (dir, names)
    })
}

/// Numbers for count flags: the accepted ones run in well under a second (1,000 youths,
/// months or replicates of the tiny scenario), the large ones are refused on any machine (so
/// that no generated command runs for long or allocates much). 100,000,000 used to be here:
/// as `--youths` it is accepted on a 24 GiB machine and runs for minutes (as does a million
/// `--months`), which is what made 2,000 cases take over ten minutes: slow inputs, not hangs.
fn count() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "0",
        "1",
        "2",
        "3",
        "-1",
        "",
        "abc",
        "1.5",
        "nan",
        "1e3",
        "40000000000",
        "4000000000",
        "4294967296",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999",
        "1000",
    ])
    .prop_map(String::from)
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "0", "1", "0.5", "-1", "1e308", "-1e308", "nan", "inf", "-inf", "", "x", "true", "1e-320",
        ])
        .prop_map(String::from),
        any::<f64>().prop_map(|x| format!("{x}")),
    ]
}

/// A `--set` argument: a path (real or not) and levels, a range or a stepped range.
fn set_arg() -> impl Strategy<Value = String> {
    let path = prop::sample::select(vec![
        "policy.scholarships.coverage",
        "policy.kingpin.removals_per_year",
        "region.*.poverty",
        "region.A.poverty",
        "cartels.death[0]",
        "population.peers",
        "run.months",
        "nope.nope",
        "",
        "policy.youth_jobs.enabled",
        "region.Z.poverty",
        "cartels.death[99]",
    ]);
    let spec = prop_oneof![
        prop::collection::vec(number(), 1..4).prop_map(|v| v.join(",")),
        (number(), number()).prop_map(|(a, b)| format!("{a}:{b}")),
        (number(), number(), count()).prop_map(|(a, b, n)| format!("{a}:{b}:{n}")),
        Just(String::new()),
        Just(":::".to_string()),
        Just(",,".to_string()),
    ];
    prop_oneof![(path, spec).prop_map(|(p, s)| format!("{p}={s}")), Just("no-equals".to_string())]
}

/// Flags shared by the simulating commands, each present or not.
fn sim_flags() -> impl Strategy<Value = Vec<String>> {
    let flag = prop_oneof![
        count().prop_map(|v| vec!["--replicates".to_string(), v]),
        count().prop_map(|v| vec!["--seed".to_string(), v]),
        prop::sample::select(vec!["0", "1", "2", "64", "65", "100000", "-1", "x"])
            .prop_map(|v| vec!["--threads".to_string(), v.to_string()]),
        count().prop_map(|v| vec!["--youths".to_string(), v]),
        count().prop_map(|v| vec!["--months".to_string(), v]),
        Just(vec!["--bogus".to_string()]),
    ];
    prop::collection::vec(flag, 0..4).prop_map(|v| v.concat())
}

fn file() -> impl Strategy<Value = String> {
    (0..files().1.len()).prop_map(|i| files().1[i].clone())
}

/// A whole argument vector (after the program name); `OUT` stands for the output path.
fn command_line() -> impl Strategy<Value = Vec<String>> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    prop_oneof![
        (file(), sim_flags()).prop_map(move |(f, fl)| [
            s(&["run", &f, "--out", "OUT", "--quiet", "--no-charts"]),
            fl
        ]
        .concat()),
        (prop::collection::vec(file(), 1..4), sim_flags()).prop_map(move |(fs, fl)| [
            s(&["compare"]),
            fs,
            s(&["--out", "OUT", "--quiet", "--no-charts"]),
            fl
        ]
        .concat()),
        (
            file(),
            prop::collection::vec(set_arg(), 0..4),
            prop::sample::select(vec!["grid", "lhs", "x"]),
            count(),
            prop::option::of(prop::sample::select(vec![
                "0/2",
                "1/2",
                "2/2",
                "0/0",
                "x",
                "1/18446744073709551615",
                "-1/3"
            ])),
            sim_flags()
        )
            .prop_map(move |(f, sets, design, samples, shard, fl)| {
                let mut v =
                    s(&["sweep", &f, "--design", design, "--samples", &samples, "--out", "OUT", "--quiet"]);
                for x in sets {
                    v.push("--set".into());
                    v.push(x);
                }
                if let Some(k) = shard {
                    v.push("--shard".into());
                    v.push(k.into());
                }
                [v, fl].concat()
            }),
        (
            file(),
            prop::sample::select(vec!["morris", "sobol", "x"]),
            prop::collection::vec(set_arg(), 0..3),
            count(),
            prop::sample::select(vec!["0", "1", "2", "4", "3", "4000000000"]),
            prop::sample::select(vec!["0", "1", "10", "1000001", "18446744073709551615"]),
            prop::sample::select(vec!["recruits", "members", "nope", ""]),
            sim_flags()
        )
            .prop_map(move |(f, method, sets, samples, levels, boot, outcome, fl)| {
                let mut v = s(&[
                    "sensitivity",
                    &f,
                    "--method",
                    method,
                    "--samples",
                    &samples,
                    "--levels",
                    levels,
                    "--bootstrap",
                    boot,
                    "--outcome",
                    outcome,
                    "--out",
                    "OUT",
                    "--quiet",
                    "--no-charts",
                ]);
                for x in sets {
                    v.push("--set".into());
                    v.push(x);
                }
                [v, fl].concat()
            }),
        prop::collection::vec(file(), 1..3).prop_map(move |fs| [s(&["validate"]), fs].concat()),
        file().prop_map(move |f| s(&["explain", &f])),
        prop::collection::vec(file(), 1..3)
            .prop_map(move |fs| [s(&["merge"]), fs, s(&["--out", "OUT"])].concat()),
    ]
}

/// The most a generated command may simulate: youth-months (youths × (months + burn-in)
/// summed over every run) and runs (each has a fixed cost of its own). At the engine's
/// speed on one busy core this is about a second, whatever scenario the command names.
const MAX_YOUTH_MONTHS: f64 = 5e7;
const MAX_RUNS: f64 = 2_500.0;

/// Counts refused on any machine with less than a terabyte of memory: youths from this
/// number on need about 2 TB (48 bytes each), and a design of as many rows as this many
/// samples needs terabytes. Values a flag cannot even parse are refused by clap.
const REFUSED_YOUTHS: u64 = 40_000_000_000;
const REFUSED_SAMPLES: usize = 1_000_000_000;

/// The most work a command line can do, worked out from its arguments and the scenarios
/// it names, before it runs. `refused`: it holds a count that must be refused.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Work {
    youth_months: f64,
    runs: f64,
    refused: bool,
}

impl Work {
    fn within_bound(&self) -> bool {
        self.refused || (self.youth_months <= MAX_YOUTH_MONTHS && self.runs <= MAX_RUNS)
    }
}

/// A scenario file's own sizes: youths, months + burn-in, replicates (None: not loadable).
fn file_sizes(path: &str) -> Option<(f64, f64, f64, f64)> {
    static SIZES: OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, Option<(f64, f64, f64, f64)>>>,
    > = OnceLock::new();
    let mut map = SIZES.get_or_init(Default::default).lock().unwrap();
    *map.entry(path.to_string()).or_insert_with(|| {
        let p = scenario::load(std::path::Path::new(path)).ok()?.params;
        Some((
            p.population.youths as f64,
            f64::from(p.run.months),
            f64::from(p.run.burn_in_months),
            f64::from(p.run.replicates),
        ))
    })
}

/// The value after `flag`, each time it occurs.
fn values<'a>(args: &'a [String], flag: &str) -> Vec<&'a str> {
    args.windows(2).filter(|w| w[0] == flag).map(|w| w[1].as_str()).collect()
}

/// A count flag's largest value (a flag given twice is taken at its larger value, to be
/// safe); Err(()) when a value is refused; Ok(None) when the flag is absent.
fn count_flag<T: std::str::FromStr + PartialOrd + Copy>(
    args: &[String],
    flag: &str,
    refused_from: Option<T>,
) -> Result<Option<T>, ()> {
    let mut largest = None;
    for v in values(args, flag) {
        let n: T = v.parse().map_err(|_| ())?;
        if refused_from.is_some_and(|r| n >= r) {
            return Err(());
        }
        if largest.is_none_or(|l| n > l) {
            largest = Some(n);
        }
    }
    Ok(largest)
}

/// Design points per scenario, or Err(()) for a count the command must refuse.
fn points(args: &[String]) -> Result<f64, ()> {
    let sets = values(args, "--set");
    let samples = count_flag::<usize>(args, "--samples", Some(REFUSED_SAMPLES))?;
    let k = sets.len() as f64;
    Ok(
        match (
            args[0].as_str(),
            values(args, "--design").first().copied(),
            values(args, "--method").first().copied(),
        ) {
            ("sweep", Some("lhs"), _) => samples.unwrap_or(1) as f64,
            ("sweep", _, _) => sets.iter().map(|s| levels(s)).product::<Result<f64, ()>>()?,
            ("sensitivity", _, Some("sobol")) => samples.unwrap_or(64) as f64 * (k + 2.0),
            ("sensitivity", _, _) => samples.unwrap_or(10) as f64 * (k + 1.0),
            _ => 1.0,
        },
    )
}

/// A grid factor's levels: a list's length, or n of `lo:hi:n` (refused above MAX_LEVELS).
fn levels(set: &str) -> Result<f64, ()> {
    let spec = set.split_once('=').map_or("", |(_, s)| s);
    match spec.split(':').collect::<Vec<_>>()[..] {
        [_, _, n] => match n.parse::<usize>() {
            Ok(n) if n <= narcodoor::limits::MAX_LEVELS => Ok(n as f64),
            _ => Err(()),
        },
        _ => Ok(spec.split(',').count() as f64),
    }
}

/// The most work `args` can do (see [`Work`]).
fn work(args: &[String]) -> Work {
    let refused = Work { youth_months: 0.0, runs: 0.0, refused: true };
    if !matches!(args[0].as_str(), "run" | "compare" | "sweep" | "sensitivity") {
        return Work { youth_months: 0.0, runs: 0.0, refused: false };
    }
    let (Ok(youths), Ok(months), Ok(replicates), Ok(points)) = (
        count_flag::<u64>(args, "--youths", Some(REFUSED_YOUTHS)),
        count_flag::<u32>(args, "--months", None),
        count_flag::<u32>(args, "--replicates", None),
        points(args),
    ) else {
        return refused;
    };
    let files = args[1..].iter().take_while(|a| !a.starts_with("--"));
    let mut total = Work { youth_months: 0.0, runs: 0.0, refused: false };
    for (y, m, burn_in, r) in files.filter_map(|f| file_sizes(f)) {
        let y = youths.map_or(y, |v| v as f64);
        let m = months.map_or(m, f64::from);
        let runs = points * replicates.map_or(r, f64::from);
        total.runs += runs;
        total.youth_months += runs * y * (m + burn_in);
    }
    total
}

/// Makes a generated command line bounded by construction: while it may do more than the
/// bound, its largest accepted count becomes a count that must be refused (so the command
/// still tests refusal); a command with no count to shrink, on a scenario whose own size
/// is too large, is given a small `--youths`. Commands within the bound are left as drawn.
fn bound(mut args: Vec<String>) -> Vec<String> {
    while !work(&args).within_bound() {
        match knobs(&args).into_iter().max_by(|a, b| a.0.total_cmp(&b.0)) {
            Some((_, i, refused)) => args[i] = refused,
            None => {
                assert!(values(&args, "--youths").is_empty(), "{args:?}: no count to shrink");
                args.extend(["--youths".into(), "1000".into()]);
            }
        }
    }
    args
}

/// The accepted counts that multiply a command's work: (value, index in `args`, a value
/// of the same argument that must be refused).
fn knobs(args: &[String]) -> Vec<(f64, usize, String)> {
    let grid = args[0] == "sweep" && values(args, "--design").first() != Some(&"lhs");
    let mut knobs = Vec::new();
    for (i, w) in args.windows(2).enumerate() {
        let (flag, value) = (w[0].as_str(), w[1].as_str());
        let refused = match flag {
            "--youths" => REFUSED_YOUTHS.to_string(),
            "--months" | "--replicates" => (u64::from(u32::MAX) + 1).to_string(),
            "--samples" if !grid => format!("{}0", usize::MAX),
            "--set" if grid && value.split(':').count() == 3 => {
                let (range, _) = value.rsplit_once(':').unwrap();
                if let Ok(n) = levels(value) {
                    knobs.push((n, i + 1, format!("{range}:{}", narcodoor::limits::MAX_LEVELS + 1)));
                }
                continue;
            }
            _ => continue,
        };
        if let Ok(n) = value.parse::<u64>() {
            knobs.push((n as f64, i + 1, refused));
        }
    }
    knobs
}

fn bounded_command_line() -> impl Strategy<Value = Vec<String>> {
    command_line().prop_map(bound)
}

proptest! {
    #![proptest_config(common::fuzz::config("tests/fixtures/regressions/proptest/fuzz_cli_commands.txt", 2_000))]

    #[test]
    fn generated_command_lines_never_panic(args in bounded_command_line()) {
        let work = work(&args);
        prop_assert!(work.within_bound(), "{args:?} may do {work:?}, more than the bound");
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let args: Vec<String> = args.into_iter().map(|a| if a == "OUT" { out.display().to_string() } else { a }).collect();
        let Ok(cli) = Cli::try_parse_from(std::iter::once("narcodoor".to_string()).chain(args.iter().cloned())) else {
            return Ok(()); // clap refuses it: exit code 2 from clap itself, before any work
        };
        let result = std::panic::catch_unwind(|| narcodoor::cli::run(cli));
        prop_assert!(result.is_ok(), "panic on {args:?}");
        match result.unwrap() {
            Err(e) => {
                let code = narcodoor::error::exit_code(&e);
                prop_assert!(code == ExitCode::from(2) || code == ExitCode::from(1), "{args:?}");
                if code == ExitCode::from(2) {
                    prop_assert!(!out.exists(), "bad input left {} behind: {args:?}: {e:#}", out.display());
                }
            }
            Ok(code) => prop_assert!(
                code != ExitCode::SUCCESS || !work.refused,
                "{args:?} ran, but it holds a count that must be refused"
            ),
        }
    }
}

/// The settable paths of the tiny scenario, and some that are not.
fn set_paths() -> &'static Vec<String> {
    static PATHS: OnceLock<Vec<String>> = OnceLock::new();
    PATHS.get_or_init(|| {
        let s = scenario::load(&root().join("tests/fixtures/tiny_all_levers.toml")).unwrap();
        let mut paths = scenario::numeric_paths(&s.params);
        paths.extend(
            [
                "region.*.name",
                "region.A",
                "nope",
                "",
                ".",
                "policy.",
                "cartels.death[4]",
                "cartels.death[-1]",
                "region.\u{0}.poverty",
                "policy.kingpin.regions",
                "policy.youth_jobs.target_poor",
                "run.name",
            ]
            .map(String::from),
        );
        paths
    })
}

fn set_value_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => number(),
        1 => count(),
        1 => prop::sample::select(vec!["true", "false", "A", "A;B", "all", "[1]", "\"x\"", ";", "\u{ff}"]).prop_map(String::from),
        1 => (0usize..100_000).prop_map(|n| "9".repeat(n)),
    ]
}

proptest! {
    #![proptest_config(common::fuzz::config("tests/fixtures/regressions/proptest/fuzz_cli_settings.txt", 10_000))]

    #[test]
    fn set_values_never_panic(
        settings in prop::collection::vec(((0..set_paths().len()), set_value_text()), 1..4),
    ) {
        static BASE: OnceLock<scenario::Scenario> = OnceLock::new();
        let base = BASE.get_or_init(|| scenario::load(&root().join("tests/fixtures/tiny_all_levers.toml")).unwrap());
        let mut s = base.clone();
        for (i, value) in &settings {
            let path = &set_paths()[*i];
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scenario::set_value(&mut s.params, path, value)));
            prop_assert!(r.is_ok(), "set_value panicked on {path}={value}");
            if let Err(e) = r.unwrap() {
                let any = anyhow::Error::new(e);
                prop_assert!(narcodoor::error::exit_code(&any) == ExitCode::from(2));
                let shown = any.to_string();
                let tail = path.rsplit('.').next().unwrap_or(path);
                prop_assert!(path.is_empty() || shown.contains(tail) || shown.contains(path.as_str()),
                    "the error does not name {path}: {shown}");
            }
        }
        if s.apply(&Overrides { youths: Some(300), months: Some(3), replicates: Some(1), seed: None }).is_err() {
            return Ok(());
        }
        let mut p = s.params;
        let burn_in = p.run.burn_in_months.min(2).to_string();
        if scenario::set_value(&mut p, "run.burn_in_months", &burn_in).is_err() {
            return Ok(());
        }
        let r = std::panic::catch_unwind(|| {
            narcodoor::engine::run_replicates(&p, &[0], 1, &|_, _| {}, |_| Ok::<(), std::io::Error>(())).is_ok()
        });
        prop_assert!(matches!(r, Ok(true)), "the model failed on an accepted setting: {settings:?}");
    }
}

/// Runs the binary with a deadline; `None` if it had to be killed.
fn run_with_deadline(args: &[String], deadline: Duration) -> Option<(i32, String)> {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return Some((status.code().unwrap_or(-1), err));
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn regression_command_lines() {
    let text = std::fs::read_to_string(root().join("tests/fixtures/regressions/cli_args.txt")).unwrap();
    let tiny = root().join("tests/fixtures/tiny_all_levers.toml");
    let mut n = 0;
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let mut fields = line.split('\t');
        let code: i32 = fields.next().unwrap().parse().expect("an exit code first");
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let special = special_files(dir.path());
        let mut named = Vec::new();
        let args: Vec<String> = fields
            .map(|a| {
                let mut a = a.replace("{tiny}", &tiny.display().to_string());
                a = a.replace("{out}", &out.display().to_string());
                for (key, path, culprit) in &special {
                    if a.contains(key) {
                        a = a.replace(key, &path.display().to_string());
                        named.push(culprit.clone());
                    }
                }
                a
            })
            .collect();
        let Some((got, err)) = run_with_deadline(&args, Duration::from_secs(30)) else {
            panic!("still running after 30 s: {line}");
        };
        assert_eq!(got, code, "{line}\n{err}");
        assert!(!err.contains("panicked"), "{line}\n{err}");
        // A file that cannot be read is named in the message, with the reason.
        for culprit in named.iter().flatten() {
            assert!(err.contains(culprit.as_str()), "{line}: {culprit:?} not in the message\n{err}");
        }
        assert!(!out.exists(), "{line} left {}", out.display());
        n += 1;
    }
    assert!(n >= 10, "only {n} regression command lines");
}

/// The bound holds for far more generated command lines than the property test runs (none
/// of them is run here: drawing and estimating is cheap).
#[test]
fn generated_command_lines_stay_within_the_bound() {
    use proptest::strategy::ValueTree;
    let config = common::fuzz::config("tests/fixtures/regressions/proptest/fuzz_cli_bound.txt", 50_000);
    let mut runner = proptest::test_runner::TestRunner::new(config.clone());
    let mut shrunk = 0;
    for _ in 0..config.cases {
        let drawn = command_line().new_tree(&mut runner).unwrap().current();
        let args = bound(drawn.clone());
        let w = work(&args);
        assert!(w.within_bound(), "{args:?} may do {w:?}");
        shrunk += usize::from(args != drawn);
    }
    // The bound must change few of the commands drawn (at most one in ten; most of those
    // are runs of a scenario of defaults given `--youths 1000`), or the fuzzing would turn
    // into refusals.
    eprintln!("{shrunk} of {} drawn command lines were shrunk to the bound", config.cases);
    assert!(shrunk * 10 < config.cases as usize, "{shrunk} of {} command lines shrunk", config.cases);
}

/// Known answers of the work estimate: the tiny scenario's own sizes, flags that override
/// them, designs that multiply them, counts that must be refused, and a scenario of
/// defaults (100,000 youths, 240 + 120 months, 10 replicates) that `bound` shrinks.
#[test]
fn the_work_estimate_counts_what_a_command_runs() {
    let tiny = root().join("tests/fixtures/fuzz_small.toml").display().to_string();
    let empty = files().1[4].clone();
    let w = |v: &[&str]| work(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let runs = |w: Work| (w.youth_months, w.runs, w.refused);
    assert_eq!(runs(w(&["run", &tiny, "--out", "OUT"])), (500.0 * 5.0 * 2.0, 2.0, false));
    assert_eq!(
        runs(w(&["run", &tiny, "--out", "OUT", "--youths", "10", "--months", "8"])),
        (10.0 * 10.0 * 2.0, 2.0, false)
    );
    assert_eq!(
        runs(w(&["compare", &tiny, &tiny, "--out", "OUT", "--replicates", "3"])),
        (2.0 * 3.0 * 2500.0, 6.0, false)
    );
    let sweep =
        ["sweep", &tiny, "--design", "grid", "--set", "a=0:1:7", "--set", "b=1,2", "--replicates", "1"];
    assert_eq!(runs(w(&sweep)), (14.0 * 2500.0, 14.0, false));
    assert_eq!(
        runs(w(&["sweep", &tiny, "--design", "lhs", "--samples", "9", "--set", "a=0:1"])),
        (9.0 * 2.0 * 2500.0, 18.0, false)
    );
    assert_eq!(
        runs(w(&["sensitivity", &tiny, "--method", "sobol", "--samples", "4", "--set", "a=0:1"])),
        (24.0 * 2500.0, 24.0, false)
    );
    assert_eq!(
        runs(w(&["sensitivity", &tiny, "--method", "morris", "--set", "a=0:1", "--set", "b=0:1"])),
        (60.0 * 2500.0, 60.0, false)
    );
    assert!(w(&["run", &tiny, "--youths", "40000000000"]).refused);
    assert!(w(&["run", &tiny, "--months", "4294967296"]).refused);
    assert!(w(&["sweep", &tiny, "--design", "grid", "--set", "a=0:1:100001"]).refused);
    assert!(!w(&["run", &empty, "--out", "OUT"]).within_bound());
    let shrunk = bound(["run", &empty, "--out", "OUT"].map(String::from).to_vec());
    assert_eq!(&shrunk[4..], ["--youths", "1000"]);
    let shrunk = bound(["run", &tiny, "--replicates", "3000", "--youths", "1000"].map(String::from).to_vec());
    assert_eq!(
        shrunk[3], "4294967296",
        "3,000 runs are over the bound: the larger count is refused: {shrunk:?}"
    );
    assert_eq!(shrunk[5], "1000");
}

/// The file kinds of `cli_args.txt`'s placeholders, made in `dir` at test time (a FIFO and
/// a symlink loop cannot be committed): (placeholder, path given, text the error must
/// name: the file and the reason). Every one must be refused at once with exit code 2, never read.
fn special_files(dir: &std::path::Path) -> Vec<(&'static str, PathBuf, [String; 2])> {
    let fifo = dir.join("pipe.toml");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    let (a, b) = (dir.join("loop_a.toml"), dir.join("loop_b.toml"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let folder = dir.join("folder.toml");
    std::fs::create_dir(&folder).unwrap();
    // Sparse: one byte over the cap costs no disk.
    let big = dir.join("big.toml");
    std::fs::File::create(&big).unwrap().set_len(narcodoor::input_file::MAX_INPUT_BYTES + 1).unwrap();
    let extends = |name: &str, parent: &std::path::Path| {
        let p = dir.join(name);
        std::fs::write(&p, format!("extends = {:?}\n", parent.display().to_string())).unwrap();
        p
    };
    let zero_child = extends("zero_child.toml", std::path::Path::new("/dev/zero"));
    let fifo_child = extends("fifo_child.toml", &fifo);
    let shown = |p: &std::path::Path| p.display().to_string();
    vec![
        ("{fifo}", fifo.clone(), [shown(&fifo), "a FIFO".into()]),
        ("{loop}", a.clone(), [shown(&a), "a symlink loop".into()]),
        ("{dir}", folder.clone(), [shown(&folder), "a directory".into()]),
        ("{big}", big.clone(), [shown(&big), "larger than".into()]),
        ("{extends_zero}", zero_child, ["/dev/zero".into(), "a character device".into()]),
        ("{extends_fifo}", fifo_child, [shown(&fifo), "a FIFO".into()]),
    ]
}
