//! Interrupted and failing commands, through the binary: SIGINT and SIGTERM stop a run or
//! a sweep quickly with exit 130/143 and keep finished work (a sweep resumes); a full disk
//! or an unwritable directory gives exit 1 with a clear message, leaves nothing that looks
//! complete, and does not destroy an earlier run in the target.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_narcodoor");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn spawn(args: &[&str]) -> Child {
    Command::new(BIN)
        .args(args)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs")
}

/// Sends `signal`, then waits; returns the exit code, the seconds it took to stop and stderr.
fn stop(mut child: Child, signal: i32) -> (i32, f64, String) {
    let sent = Instant::now();
    // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    let status = child.wait().unwrap();
    let seconds = sent.elapsed().as_secs_f64();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    (status.code().unwrap_or(-1), seconds, err)
}

/// How long a stop may take. The command checks for a signal every simulated month and
/// stops in about 0.1-0.2 s (docs/experiments.md); the limit is far above that, because
/// these tests share two cores with other test threads and a starved process is not a
/// failure of the command. It catches a stop that never comes (a signal ignored).
const STOP: Duration = Duration::from_secs(15);

/// How long to wait for progress that comes within seconds on an idle machine: a bound
/// against hangs only, never a measure of speed.
const HANG: Duration = Duration::from_secs(300);

/// The command has started work: it has written something (its staging directory) beside
/// its output. Signal handlers are installed before any work, so a signal after this point
/// is always handled; a fixed sleep instead raced with a slow start on a loaded machine.
fn started(parent: &Path) -> bool {
    std::fs::read_dir(parent).is_ok_and(|mut d| d.next().is_some())
}

fn wait_for(what: impl Fn() -> bool, limit: Duration) {
    let start = Instant::now();
    while !what() {
        assert!(start.elapsed() < limit, "timed out waiting");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn manifest_complete(dir: &Path) -> Option<bool> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["complete"].as_bool()
}

#[test]
fn sigint_stops_a_run_with_130_and_an_incomplete_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let child = spawn(&[
        "run",
        "scenarios/baseline.toml",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--no-charts",
        "--threads",
        "1",
    ]);
    wait_for(|| started(dir.path()), HANG);
    let (code, seconds, err) = stop(child, libc::SIGINT);
    assert_eq!(code, 130, "{err}");
    assert!(seconds < STOP.as_secs_f64(), "took {seconds:.2} s to stop");
    assert!(err.contains("complete\": false") && err.contains("run the command again"), "{err}");
    assert_eq!(manifest_complete(&out), Some(false), "{err}");
    // Nothing half-written is left beside it.
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

#[test]
fn sigterm_stops_a_sweep_with_143_and_it_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let args = [
        "sweep",
        "tests/fixtures/tiny_all_levers.toml",
        "--set",
        "policy.scholarships.coverage=0:1:8",
        "--replicates",
        "4",
        "--months",
        "120",
        "--threads",
        "1",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ];
    let child = spawn(&args);
    let runs = out.join("runs");
    let count = || {
        std::fs::read_dir(&runs).map_or(0, |d| {
            d.filter(|e| {
                e.as_ref().is_ok_and(|e| {
                    e.file_name().to_string_lossy().ends_with(".csv")
                        && !e.file_name().to_string_lossy().starts_with('.')
                })
            })
            .count()
        })
    };
    wait_for(|| count() >= 2, HANG);
    let (code, seconds, err) = stop(child, libc::SIGTERM);
    assert_eq!(code, 143, "{err}");
    assert!(seconds < STOP.as_secs_f64(), "took {seconds:.2} s to stop");
    let kept = count();
    let saved = format!("{kept} of 32 runs are saved");
    assert!(err.contains(&saved) && err.contains("run the same command again to resume"), "{err}");
    assert!(kept >= 2 && kept < 32, "{kept} runs kept");
    assert!(!out.join("runs.csv").exists() || manifest_complete(&out) != Some(true));
    let o = Command::new(BIN).args(args).current_dir(root()).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(count(), 32);
    assert_eq!(manifest_complete(&out), Some(true));
}

#[test]
fn an_unwritable_output_gives_exit_1_and_a_clear_message() {
    let o = run_tiny_forced(Path::new("/dev/full/run"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("/dev/full") && !err.contains("panicked"), "{err}");
}

/// `run` of the tiny scenario into `out`, replacing what is there (`--force`).
fn run_tiny_forced(out: &Path) -> std::process::Output {
    Command::new(BIN)
        .arg("run")
        .arg("tests/fixtures/tiny_all_levers.toml")
        .arg("--out")
        .arg(out)
        .args(["--quiet", "--no-charts", "--force"])
        .current_dir(root())
        .output()
        .unwrap()
}

/// A 160 KiB tmpfs (needs root to mount; the test says so and passes vacuously without).
struct SmallDisk(PathBuf, #[allow(dead_code)] tempfile::TempDir);

impl SmallDisk {
    fn mount() -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=160k", "tmpfs", dir.path().to_str().unwrap()])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("SKIPPED: cannot mount a small tmpfs (not root?)");
            return None;
        }
        Some(SmallDisk(dir.path().to_path_buf(), dir))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_gives_exit_1_and_keeps_the_earlier_run() {
    let Some(disk) = SmallDisk::mount() else { return };
    let out = disk.0.join("run");
    // An earlier, small, complete run in the target.
    let small = [
        "run",
        "tests/fixtures/tiny_all_levers.toml",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--no-charts",
        "--months",
        "2",
        "--replicates",
        "2",
    ];
    let o = Command::new(BIN).args(small).current_dir(root()).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let before = std::fs::read(out.join("timeseries.csv")).unwrap();
    // A bigger run does not fit.
    let o = run_tiny_forced(&out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("No space left on device") && !err.contains("panicked"), "{err}");
    assert!(err.contains("left as it was"), "{err}");
    assert_eq!(std::fs::read(out.join("timeseries.csv")).unwrap(), before, "the earlier run was changed");
    assert_eq!(manifest_complete(&out), Some(true));
    let left: Vec<_> = std::fs::read_dir(&disk.0).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 1, "staging left behind: {left:?}");
}

#[test]
fn a_stopped_compare_and_optimize_say_what_was_saved_and_how_to_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let cmp = dir.path().join("cmp");
    let child = spawn(&[
        "compare",
        "scenarios/baseline.toml",
        "scenarios/scholarships.toml",
        "--out",
        cmp.to_str().unwrap(),
        "--quiet",
        "--no-charts",
        "--threads",
        "1",
    ]);
    wait_for(|| started(dir.path()), HANG);
    let (code, _, err) = stop(child, libc::SIGINT);
    assert_eq!(code, 130, "{err}");
    assert!(err.contains("complete\": false") && err.contains("again with --force to redo it"), "{err}");
    assert_eq!(manifest_complete(&cmp), Some(false), "{err}");

    let opt = dir.path().join("opt");
    let args = [
        "optimize",
        "scenarios/baseline.toml",
        "--lever",
        "policy.scholarships.coverage=0:0.9",
        "--objective",
        "recruits",
        "--population",
        "4",
        "--generations",
        "40",
        "--youths",
        "3000",
        "--months",
        "24",
        "--replicates",
        "2",
        "--threads",
        "1",
        "--quiet",
        "--no-charts",
        "--out",
        opt.to_str().unwrap(),
    ];
    let child = spawn(&args);
    wait_for(|| opt.join("generations/gen-0001.json").exists(), HANG);
    let (code, _, err) = stop(child, libc::SIGTERM);
    assert_eq!(code, 143, "{err}");
    assert!(
        err.contains("every finished generation is saved") && err.contains("run the same command again"),
        "{err}"
    );
}
