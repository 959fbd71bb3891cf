//! Property tests of the scenario layer on mutated bundled scenarios.
//!
//! Each case takes a bundled scenario (or the tiny all-levers fixture) and applies a few
//! mutations: byte flips, deleted and duplicated lines (keys and tables), values replaced
//! by other types and by huge, negative, NaN and infinite numbers, long strings, deeply
//! nested arrays, inline tables and table headers, broken `extends` chains (a missing
//! parent, itself, a cycle, a directory, a binary file) and non-UTF-8 bytes. Invariants:
//!
//! - loading never panics;
//! - a refused scenario is bad input (exit code 2), and every problem names the file it
//!   came from, and the key (or, for a file that cannot be read or parsed, the line);
//! - an accepted scenario, capped small (400 youths, 3 + 3 months, 1 replicate), runs
//!   without panicking.
//!
//! `cargo test --release` runs 10,000 cases (FUZZ_CASES sets another number:
//! `tests/fuzz/million.sh` runs a million). A failing case is written to
//! `target/fuzz-failures/`; once fixed it belongs in `tests/fixtures/regressions/`, whose
//! files `regression_files_are_handled` loads on every run.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::common;

use narcodoor::scenario::{self, ErrorKind, Origin, Overrides, ScenarioError};
use proptest::prelude::*;
use proptest::sample::Index;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The texts mutated: every bundled scenario and the tiny fixture.
fn seeds() -> &'static Vec<(String, Vec<u8>)> {
    static SEEDS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        files.push(root().join("tests/fixtures/tiny_all_levers.toml"));
        files
            .into_iter()
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
            .collect()
    })
}

/// A directory holding copies of every bundled scenario (parents for `extends`), a
/// two-file cycle, a binary file, a subdirectory, a FIFO, a symlink loop and a sparse file
/// over the input cap; cases are written into it.
fn workdir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in seeds() {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        // Bundled scenarios may extend files in scenarios/data/ and the like.
        copy_tree(&root().join("scenarios"), dir.path());
        std::fs::write(dir.path().join("cyc_a.toml"), "extends = \"cyc_b.toml\"\n").unwrap();
        std::fs::write(dir.path().join("cyc_b.toml"), "extends = \"cyc_a.toml\"\n").unwrap();
        std::fs::write(dir.path().join("binary.toml"), [0xff, 0xfe, 0x00, b'[', 0x80, b']']).unwrap();
        std::fs::create_dir_all(dir.path().join("subdir.toml")).unwrap();
        // Files that are not regular or too large (issue 28): each must be refused at
        // once, never read (a FIFO would block, /dev/zero never end).
        let fifo =
            std::ffi::CString::new(dir.path().join("fifo.toml").as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        std::os::unix::fs::symlink(dir.path().join("loop_b.toml"), dir.path().join("loop_a.toml")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("loop_a.toml"), dir.path().join("loop_b.toml")).unwrap();
        let big = std::fs::File::create(dir.path().join("big.toml")).unwrap();
        big.set_len(narcodoor::input_file::MAX_INPUT_BYTES + 1).unwrap();
        dir
    })
    .path()
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_tree(&p, &dest);
        } else if !dest.exists() {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    FlipByte(Index, u8),
    DeleteLine(Index),
    DuplicateLine(Index),
    ReplaceValue(Index, String),
    InsertLine(Index, String),
    InsertBytes(Index, Vec<u8>),
    Truncate(Index),
}

fn deep(depth: usize, open: &str, inner: &str, close: &str) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

/// Values of every type and of awkward sizes.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "nan",
            "+nan",
            "-nan",
            "inf",
            "+inf",
            "-inf",
            "1e309",
            "-1e309",
            "1e308",
            "-1",
            "-1.0",
            "0",
            "-0.0",
            "0.0",
            "1",
            "1.0",
            "0.5",
            "2",
            "5e-324",
            "1e-320",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "18446744073709551615",
            "4294967295",
            "4294967296",
            "4000000000",
            "1e15",
            "0x7fffffff",
            "0o777",
            "0b1",
            "1_000_000",
            "\"\"",
            "\"x\"",
            "\"baseline\"",
            "\"all\"",
            "true",
            "false",
            "[]",
            "[1, 2, 3]",
            "[\"a\", 1]",
            "[[1], [2]]",
            "{}",
            "{ a = 1 }",
            "{ all = 1.5 }",
            "1979-05-27",
            "07:32:00",
            "1979-05-27T07:32:00Z",
            "'lit'",
            "\"\"\"multi\nline\"\"\"",
            "\"\\u0000\"",
            "\"a/b\"",
        ])
        .prop_map(String::from),
        any::<f64>().prop_map(|x| if x.is_finite() { format!("{x:e}") } else { "nan".into() }),
        any::<i64>().prop_map(|x| x.to_string()),
        any::<u64>().prop_map(|x| x.to_string()),
        (0usize..200_000).prop_map(|n| format!("\"{}\"", "y".repeat(n))),
        (1usize..3000).prop_map(|d| deep(d, "[", "1", "]")),
        (1usize..3000).prop_map(|d| deep(d, "{ a = ", "1", " }")),
    ]
}

/// Whole lines to insert: table headers (deep ones too), `extends` chains that break,
/// unknown and duplicated keys.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "extends = \"missing.toml\"",
            "extends = \"SELF\"",
            "extends = \"cyc_a.toml\"",
            "extends = \"binary.toml\"",
            "extends = \"subdir.toml\"",
            "extends = \".\"",
            "extends = \"fifo.toml\"",
            "extends = \"loop_a.toml\"",
            "extends = \"big.toml\"",
            "extends = \"/dev/zero\"",
            "extends = \"/dev/urandom\"",
            "extends = \"/proc/self/mem\"",
            "extends = \"/proc/self/status\"",
            "extends = \"\"",
            "extends = \"baseline.toml\"",
            "extends = \"scholarships.toml\"",
            "extends = 3",
            "extends = [\"baseline.toml\"]",
            "[run]",
            "[population]",
            "[[region]]",
            "[[cartel]]",
            "[policy]",
            "[policy.kingpin]",
            "[policy.scholarships]",
            "[cartels]",
            "name = \"A\"",
            "share = 1",
            "youths = 100",
            "zzz = 1",
            "[zzz]",
            "[[run]]",
            "run = 1",
            "[run.months]",
            "months = 2",
            "replicates = 4000000000",
            "burn_in_months = 4294967295",
            "\"quoted key\" = 1",
            "a.b.c = 1",
            "= 1",
        ])
        .prop_map(String::from),
        (1usize..2000).prop_map(|d| format!("[{}]", vec!["t"; d].join("."))),
        (1usize..2000).prop_map(|d| format!("[[{}]]", vec!["t"; d].join("."))),
        ("[a-z_]{1,12}", value()).prop_map(|(k, v)| format!("{k} = {v}")),
        (0usize..100_000).prop_map(|n| format!("{} = 1", "k".repeat(n.max(1)))),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 1u8..).prop_map(|(i, x)| Mutation::FlipByte(i, x)),
        2 => any::<Index>().prop_map(Mutation::DeleteLine),
        2 => any::<Index>().prop_map(Mutation::DuplicateLine),
        4 => (any::<Index>(), value()).prop_map(|(i, v)| Mutation::ReplaceValue(i, v)),
        3 => (any::<Index>(), line()).prop_map(|(i, l)| Mutation::InsertLine(i, l)),
        2 => (any::<Index>(), prop::collection::vec(prop_oneof![Just(0x80u8), Just(0xff), Just(0xc3), Just(0), any::<u8>()], 1..8))
            .prop_map(|(i, b)| Mutation::InsertBytes(i, b)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn split_lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation, self_name: &str) {
    let mut lines = split_lines(bytes);
    match m {
        Mutation::FlipByte(i, x) if !bytes.is_empty() => {
            let at = i.index(bytes.len());
            bytes[at] ^= x;
            return;
        }
        Mutation::InsertBytes(i, b) => {
            let at = i.index(bytes.len() + 1);
            bytes.splice(at..at, b.iter().copied());
            return;
        }
        Mutation::Truncate(i) => {
            bytes.truncate(i.index(bytes.len() + 1));
            return;
        }
        Mutation::DeleteLine(i) => {
            lines.remove(i.index(lines.len()));
        }
        Mutation::DuplicateLine(i) => {
            let at = i.index(lines.len());
            let copy = lines[at].clone();
            lines.insert(at, copy);
        }
        Mutation::ReplaceValue(i, v) => {
            // The i-th `key = value` line (cycling), its value replaced.
            let keyed: Vec<usize> = (0..lines.len()).filter(|&k| lines[k].contains(&b'=')).collect();
            if let Some(&k) = keyed.get(i.index(keyed.len().max(1))) {
                let eq = lines[k].iter().position(|&b| b == b'=').unwrap();
                lines[k].truncate(eq + 1);
                lines[k].push(b' ');
                lines[k].extend_from_slice(v.as_bytes());
            }
        }
        Mutation::InsertLine(i, l) => {
            let at = i.index(lines.len() + 1);
            lines.insert(at, l.replace("SELF", self_name).into_bytes());
        }
        Mutation::FlipByte(..) => return,
    }
    *bytes = lines.join(&b'\n');
}

/// The case being checked and when it started, for the watchdog.
static CURRENT: Mutex<Option<(Instant, Vec<u8>)>> = Mutex::new(None);

/// A thread that aborts the test, saving the input, when a case runs for over 30 s (a hang
/// in the scenario layer or the model: the invariant is that capped runs are quick).
fn watchdog() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        std::thread::spawn(|| {
            loop {
                std::thread::sleep(Duration::from_secs(1));
                let guard = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((t, bytes)) = guard.as_ref() {
                    if t.elapsed() > Duration::from_secs(30) {
                        let saved = save_failure(bytes, "hang: over 30 s");
                        eprintln!("a case has run for over 30 s; input saved to {}", saved.display());
                        std::process::abort();
                    }
                }
            }
        });
    });
}

/// Checks the invariants on one input; `Err` describes a violation.
fn check(name: &str, bytes: &[u8]) -> Result<(), String> {
    watchdog();
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), bytes.to_vec()));
    let result = check_inner(name, bytes);
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = None;
    result
}

fn check_inner(name: &str, bytes: &[u8]) -> Result<(), String> {
    let path = workdir().join(name);
    std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
    let loaded =
        std::panic::catch_unwind(|| scenario::load(&path)).map_err(|_| "load panicked".to_string())?;
    match loaded {
        Err(e) => check_error(&e, &path),
        Ok(s) => run_small(s),
    }
}

fn check_error(e: &ScenarioError, path: &Path) -> Result<(), String> {
    let any = anyhow::Error::new(ScenarioError::from_problems(e.problems().to_vec()));
    if narcodoor::error::exit_code(&any) != std::process::ExitCode::from(2) {
        return Err(format!("exit code is not 2 for: {e}"));
    }
    let dir = path.parent().unwrap();
    for p in e.problems() {
        let Origin::File { path: file, line, .. } = &p.origin else {
            return Err(format!("a problem without its file: {p}"));
        };
        if !file.starts_with(dir) && file.parent() != Some(Path::new("")) && !file.is_relative() {
            return Err(format!("a problem names a file outside the scenario's directory: {p}"));
        }
        let shown = p.to_string();
        let file_name = file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        if !shown.contains(&file_name) {
            return Err(format!("the message does not name the file {file_name}: {shown}"));
        }
        let whole_file = matches!(p.kind, ErrorKind::Io | ErrorKind::Syntax | ErrorKind::Extends);
        if p.key.is_empty() && !(whole_file && (line.is_some() || p.kind != ErrorKind::Syntax)) {
            return Err(format!("a problem names no key (and no line for a whole-file problem): {shown}"));
        }
        if !p.key.is_empty() && !shown.contains(p.key.split('.').next_back().unwrap_or(&p.key)) {
            return Err(format!("the message does not name the key {}: {shown}", p.key));
        }
    }
    Ok(())
}

/// An accepted scenario, capped small, must run.
fn run_small(mut s: scenario::Scenario) -> Result<(), String> {
    let capped = s.apply(&Overrides { youths: Some(400), months: Some(3), replicates: Some(1), seed: None });
    if capped.is_err() {
        return Ok(()); // too many regions for 400 youths, for example: refused, not a panic
    }
    let mut p = s.params;
    let burn_in = p.run.burn_in_months.min(3).to_string();
    if scenario::set_value(&mut p, "run.burn_in_months", &burn_in).is_err() {
        return Ok(());
    }
    let r = std::panic::catch_unwind(|| {
        narcodoor::engine::run_replicates(&p, &[0], 1, &|_, _| {}, |_| Ok::<(), std::io::Error>(()))
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    match r {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("an accepted scenario did not run: {e}")),
        Err(_) => Err("the model panicked on an accepted scenario".into()),
    }
}

fn save_failure(bytes: &[u8], why: &str) -> PathBuf {
    let dir = root().join("target/fuzz-failures");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("scenario-{:016x}.toml", fnv(bytes)));
    std::fs::write(&path, bytes).unwrap();
    std::fs::write(path.with_extension("why.txt"), why).unwrap();
    path
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3))
}

proptest! {
    #![proptest_config(ProptestConfig {
        max_shrink_iters: 2000,
        ..common::fuzz::config("tests/fixtures/regressions/proptest/fuzz_scenarios.txt", 10_000)
    })]

    #[test]
    fn mutated_scenarios_are_refused_cleanly_or_run(
        seed in any::<Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let (name, original) = &seeds()[seed.index(seeds().len())];
        let case = format!("case-{}", name);
        let mut bytes = original.clone();
        for m in &mutations {
            apply(&mut bytes, m, &case);
        }
        if let Err(why) = check(&case, &bytes) {
            let saved = save_failure(&bytes, &why);
            prop_assert!(false, "{why}\n(input saved to {})", saved.display());
        }
    }
}

/// Every input that once broke the scenario layer or the model, kept as a file.
#[test]
fn regression_files_are_handled() {
    let dir = root().join("tests/fixtures/regressions");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|e| e == "toml") {
            let bytes = std::fs::read(&p).unwrap();
            let name = format!("regression-{}", p.file_name().unwrap().to_string_lossy());
            if let Err(why) = check(&name, &bytes) {
                panic!("{}: {why}", p.display());
            }
            n += 1;
        }
    }
    assert!(n > 0 || !dir.exists(), "no regression files read");
}
