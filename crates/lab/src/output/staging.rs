//! Output directories, written whole or not at all, and never overwritten silently.
//!
//! One rule for every command that writes a directory (`run`, `compare`, `sweep`,
//! `sensitivity`, `calibrate`, `optimize`; `merge` writes only into a new or empty one):
//!
//! - `--out` missing or empty: the command writes there.
//! - `--out` holds an unfinished or finished directory of the *same* resumable command
//!   (`sweep` with the same `design.json`, `calibrate`/`optimize` with the same
//!   `search.json`): it is resumed in place; that is not an overwrite.
//! - Anything else non-empty is refused with exit code 2, naming `--force` and another
//!   `--out`. With `--force` the new outputs are written into a hidden sibling and the
//!   earlier directory is replaced *whole* when they are complete (no old chart is left
//!   beside new tables). `--force` replaces only a narcodoor output directory (one holding
//!   `manifest.json`, `design.json` or `search.json`), never an arbitrary directory.
//!
//! Staging: [`write_dir`] (`run`, `compare`, `sensitivity`) writes into
//! `.<name>.partial-<pid>` beside the target, on the same file system, and renames it onto
//! the target only when every file is written, so a directory named by `--out` is either a
//! complete output or what was there before: a failing command (full disk, unwritable
//! directory, a crash) never leaves empty or truncated files that look like results, and
//! never destroys an earlier output in the target. A cancelled command (Ctrl-C) keeps its
//! finished work, with `"complete": false` in `manifest.json`, in the target if it did not
//! exist, else in the staging directory, whose name the error gives. [`Workdir`] (`sweep`,
//! `calibrate`, `optimize` with `--force`) stages into `.<name>.partial` (no process id), so
//! that running the same command with `--force` again after an interruption resumes there.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cancel::Cancelled;
use crate::error::InputError;

/// Where `target` is staged: a hidden sibling, unique to this process.
pub fn staging_dir(target: &Path) -> PathBuf {
    let name = target.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    parent.join(format!(".{name}.partial-{}", std::process::id()))
}

/// The files that mark a directory as a narcodoor output (finished or not).
const MARKERS: [&str; 3] = ["manifest.json", "design.json", "search.json"];

fn not_a_directory(target: &Path) -> anyhow::Error {
    InputError::new(format!("--out {}: exists and is not a directory", target.display())).into()
}

/// Whether `dir` is missing or has nothing in it.
pub fn is_empty(dir: &Path) -> anyhow::Result<bool> {
    if !dir.exists() {
        return Ok(true);
    }
    if !dir.is_dir() {
        return Err(not_a_directory(dir));
    }
    Ok(std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?.next().is_none())
}

/// The refusal of a non-empty `--out` without `--force` (exit code 2); `what` says what it
/// holds.
pub fn refuse(target: &Path, what: &str) -> anyhow::Error {
    InputError::new(format!(
        "--out {}: {what}; refusing to overwrite it: add --force to replace it whole, or choose another --out",
        target.display()
    ))
    .into()
}

/// Checks that `--force` may replace `target`: it must be a narcodoor output directory.
fn check_replaceable(target: &Path) -> anyhow::Result<()> {
    if MARKERS.iter().any(|m| target.join(m).exists()) {
        return Ok(());
    }
    Err(InputError::new(format!(
        "--out {}: exists, is not empty and is not a narcodoor output directory (no manifest.json, \
         design.json or search.json); refusing to replace it even with --force: choose another --out",
        target.display()
    ))
    .into())
}

/// Runs `work` on a staging directory and puts it in place of `target` when it succeeds.
/// A non-empty `target` is refused unless `force` (see the module's rule).
pub fn write_dir<T>(
    target: &Path,
    force: bool,
    work: impl FnOnce(&Path) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    if !is_empty(target)? {
        if !force {
            return Err(refuse(target, "exists and is not empty"));
        }
        check_replaceable(target)?;
    }
    create_parent(target)?;
    let staging = staging_dir(target);
    let result = work(&staging);
    match result {
        Ok(value) => {
            replace(&staging, target)?;
            Ok(value)
        }
        Err(e) if e.chain().any(|c| c.is::<Cancelled>()) && staging.exists() => {
            if is_empty(target).unwrap_or(false) && put_in_place(&staging, target).is_ok() {
                Err(e.context(format!("the finished work is in {}", target.display())))
            } else {
                Err(e.context(format!(
                    "the finished work is in {} ({} was left as it was)",
                    staging.display(),
                    target.display()
                )))
            }
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            if target.exists() {
                Err(e.context(format!("{} was left as it was", target.display())))
            } else {
                Err(e)
            }
        }
    }
}

fn create_parent(target: &Path) -> anyhow::Result<()> {
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the output directory {}", parent.display()))?;
    }
    Ok(())
}

/// Renames `staging` onto a missing or empty `target`.
fn put_in_place(staging: &Path, target: &Path) -> std::io::Result<()> {
    if target.exists() {
        std::fs::remove_dir(target)?;
    }
    std::fs::rename(staging, target)
}

/// Where a resumable command (`sweep`, `calibrate`, `optimize`) works: the target itself,
/// or with `--force` and a non-empty target, a staging directory put in place of the
/// target by [`Workdir::publish`].
#[derive(Clone, Debug)]
pub struct Workdir {
    /// The directory to write into.
    pub dir: PathBuf,
    /// The `--out` the user named.
    pub target: PathBuf,
}

impl Workdir {
    /// Chooses the directory. Without `force` it is `target` (the command's own checks
    /// then resume or refuse it). With `force` and a non-empty `target`, it is
    /// `.<name>.partial` beside it; a staging directory left by an interrupted `--force`
    /// run is kept when its `marker` file holds exactly `expected` (the same command, to
    /// resume) and cleared otherwise.
    pub fn open(target: &Path, force: bool, marker: &str, expected: &[u8]) -> anyhow::Result<Workdir> {
        let same = |dir: PathBuf| Workdir { dir, target: target.to_path_buf() };
        if !force || is_empty(target)? {
            return Ok(same(target.to_path_buf()));
        }
        check_replaceable(target)?;
        create_parent(target)?;
        let name = target.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        let staging = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join(format!(".{name}.partial"));
        if staging.exists()
            && narcodoor_scenario::input_file::read_bytes(&staging.join(marker)).ok().as_deref()
                != Some(expected)
        {
            std::fs::remove_dir_all(&staging)
                .with_context(|| format!("cannot clear the staging directory {}", staging.display()))?;
        }
        Ok(same(staging))
    }

    pub fn is_staged(&self) -> bool {
        self.dir != self.target
    }

    /// Puts a finished staging directory in place of the target (nothing to do when the
    /// command wrote into its target).
    pub fn publish(&self) -> anyhow::Result<()> {
        if self.is_staged() { replace(&self.dir, &self.target) } else { Ok(()) }
    }

    /// The note a stopped command adds to its error: where its finished work is, that the
    /// target was not touched, and how to resume.
    pub fn stopped_note(&self) -> Option<String> {
        self.is_staged().then(|| {
            format!(
                "the finished work is in {}; {} was left as it was until the new outputs are complete: \
                 run the same command with --force again to resume",
                self.dir.display(),
                self.target.display()
            )
        })
    }
}

/// Moves the finished `staging` onto `target`: an earlier directory there is moved aside
/// first and removed only once the new one is in place.
fn replace(staging: &Path, target: &Path) -> anyhow::Result<()> {
    let moved = |e: std::io::Error| {
        anyhow::Error::new(e).context(format!(
            "cannot move the finished outputs from {} to {}",
            staging.display(),
            target.display()
        ))
    };
    if !target.exists() {
        return std::fs::rename(staging, target).map_err(moved);
    }
    let old = staging.with_file_name(format!(
        "{}.old",
        staging.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    ));
    std::fs::rename(target, &old).map_err(moved)?;
    if let Err(e) = std::fs::rename(staging, target) {
        let _ = std::fs::rename(&old, target);
        return Err(moved(e));
    }
    std::fs::remove_dir_all(&old)
        .with_context(|| format!("cannot remove the earlier outputs in {}", old.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn earlier_output(dir: &Path) -> PathBuf {
        let target = dir.join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("manifest.json"), "{}").unwrap();
        std::fs::write(target.join("summary.csv"), "old").unwrap();
        std::fs::create_dir(target.join("charts")).unwrap();
        std::fs::write(target.join("charts/stale.png"), "old").unwrap();
        target
    }

    fn write_new(d: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(d)?;
        std::fs::write(d.join("summary.csv"), "new")?;
        Ok(())
    }

    #[test]
    fn a_directory_that_is_not_an_output_is_never_replaced_even_with_force() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        for force in [false, true] {
            let r = write_dir(dir.path(), force, write_new);
            let e = r.unwrap_err();
            assert!(e.is::<InputError>());
            assert!(e.to_string().contains("choose another --out"), "{e}");
            assert!(dir.path().join("notes.txt").exists());
            assert!(Workdir::open(dir.path(), force, "design.json", b"x").is_ok() != force);
        }
    }

    #[test]
    fn an_earlier_output_is_refused_without_force_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = earlier_output(dir.path());
        let e = write_dir(&target, false, write_new).unwrap_err();
        assert!(e.is::<InputError>());
        assert!(e.to_string().contains("--force") && e.to_string().contains("another --out"), "{e}");
        assert_eq!(std::fs::read_to_string(target.join("summary.csv")).unwrap(), "old");
    }

    #[test]
    fn a_failing_run_leaves_the_target_as_it_was_and_no_staging() {
        let dir = tempfile::tempdir().unwrap();
        let target = earlier_output(dir.path());
        let r: anyhow::Result<()> = write_dir(&target, true, |d| {
            write_new(d)?;
            anyhow::bail!("disk full")
        });
        assert!(r.unwrap_err().to_string().contains("left as it was"));
        assert_eq!(std::fs::read_to_string(target.join("summary.csv")).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "staging left behind");
    }

    #[test]
    fn force_replaces_the_target_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = earlier_output(dir.path());
        write_dir(&target, true, write_new).unwrap();
        assert_eq!(std::fs::read_to_string(target.join("summary.csv")).unwrap(), "new");
        assert!(!target.join("charts").exists() && !target.join("manifest.json").exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_empty_target_is_written_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        std::fs::create_dir(&target).unwrap();
        write_dir(&target, false, write_new).unwrap();
        assert_eq!(std::fs::read_to_string(target.join("summary.csv")).unwrap(), "new");
    }

    #[test]
    fn a_forced_resumable_command_stages_keeps_its_own_staging_and_publishes() {
        let dir = tempfile::tempdir().unwrap();
        let target = earlier_output(dir.path());
        let unforced = Workdir::open(&target, false, "design.json", b"A").unwrap();
        assert!(!unforced.is_staged() && unforced.stopped_note().is_none());
        let w = Workdir::open(&target, true, "design.json", b"A").unwrap();
        assert!(w.is_staged());
        write_new(&w.dir).unwrap();
        std::fs::write(w.dir.join("design.json"), "A").unwrap();
        // Interrupted: the same command with --force again keeps the staging directory...
        let again = Workdir::open(&target, true, "design.json", b"A").unwrap();
        assert!(again.dir.join("summary.csv").exists());
        assert!(again.stopped_note().unwrap().contains("--force again to resume"));
        // ...another one clears it.
        let other = Workdir::open(&target, true, "design.json", b"B").unwrap();
        assert!(!other.dir.exists());
        write_new(&other.dir).unwrap();
        other.publish().unwrap();
        assert_eq!(std::fs::read_to_string(target.join("summary.csv")).unwrap(), "new");
        assert!(!target.join("charts").exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
