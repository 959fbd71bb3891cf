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

use clap::Parser;
use narcodoor::cli::Cli;
use narcodoor::scenario::{self, Overrides};
use proptest::prelude::*;

const BIN: &str = env!("CARGO_BIN_EXE_narcodoor");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cases(default: u32) -> u32 {
    std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
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

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(2_000), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_command_lines_never_panic(args in command_line()) {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let args: Vec<String> = args.into_iter().map(|a| if a == "OUT" { out.display().to_string() } else { a }).collect();
        let Ok(cli) = Cli::try_parse_from(std::iter::once("narcodoor".to_string()).chain(args.iter().cloned())) else {
            return Ok(()); // clap refuses it: exit code 2 from clap itself, before any work
        };
        let started = Instant::now();
        let result = std::panic::catch_unwind(|| narcodoor::cli::run(cli));
        prop_assert!(result.is_ok(), "panic on {args:?}");
        prop_assert!(started.elapsed() < Duration::from_secs(60), "{args:?} took {:?}", started.elapsed());
        if let Err(e) = result.unwrap() {
            let code = narcodoor::error::exit_code(&e);
            prop_assert!(code == ExitCode::from(2) || code == ExitCode::from(1), "{args:?}");
            if code == ExitCode::from(2) {
                prop_assert!(!out.exists(), "bad input left {} behind: {args:?}: {e:#}", out.display());
            }
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
    #![proptest_config(ProptestConfig { cases: cases(10_000), failure_persistence: None, ..ProptestConfig::default() })]

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
