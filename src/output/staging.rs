//! A run's output directory, written whole or not at all.
//!
//! `narcodoor run` writes into a fresh hidden directory beside its target
//! (`.<name>.partial-<pid>`, on the same file system) and renames it onto the target only
//! when every file is written, so a directory named by `--out` is either a complete run or
//! what was there before: a failing run (full disk, unwritable directory, a crash) never
//! leaves empty or truncated files that look like results, and never destroys an earlier
//! run in the target. The one exception is a cancelled run (Ctrl-C): its finished
//! replicates are kept, with `"complete": false` in `manifest.json`, in the target if it
//! did not exist, else in the staging directory, whose name the error gives.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::experiment::runner::Cancelled;

/// Where `target` is staged: a hidden sibling, unique to this process.
pub fn staging_dir(target: &Path) -> PathBuf {
    let name = target.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    parent.join(format!(".{name}.partial-{}", std::process::id()))
}

/// Runs `work` on a staging directory and puts it in place of `target` when it succeeds.
pub fn write_dir<T>(target: &Path, work: impl FnOnce(&Path) -> anyhow::Result<T>) -> anyhow::Result<T> {
    if target.exists() && !target.is_dir() {
        return Err(crate::error::InputError::new(format!(
            "--out {}: exists and is not a directory",
            target.display()
        ))
        .into());
    }
    if target.is_dir()
        && !target.join("manifest.json").exists()
        && std::fs::read_dir(target)?.next().is_some()
    {
        return Err(crate::error::InputError::new(format!(
            "--out {}: exists, is not empty and is not the output of an earlier run (no manifest.json); \
             refusing to replace it: choose another --out",
            target.display()
        ))
        .into());
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the output directory {}", parent.display()))?;
    }
    let staging = staging_dir(target);
    let result = work(&staging);
    match result {
        Ok(value) => {
            replace(&staging, target)?;
            Ok(value)
        }
        Err(e) if e.chain().any(|c| c.is::<Cancelled>()) && staging.exists() => {
            if !target.exists() && std::fs::rename(&staging, target).is_ok() {
                Err(e.context(format!("the finished replicates are in {}", target.display())))
            } else {
                Err(e.context(format!(
                    "the finished replicates are in {} ({} was left as it was)",
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

/// Moves the finished `staging` onto `target`: an earlier directory there is moved aside
/// first and removed only once the new one is in place.
fn replace(staging: &Path, target: &Path) -> anyhow::Result<()> {
    let moved = |e: std::io::Error| {
        anyhow::Error::new(e).context(format!(
            "cannot move the finished run from {} to {}",
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
        .with_context(|| format!("cannot remove the earlier run in {}", old.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_that_is_not_a_run_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let r = write_dir(dir.path(), |_| Ok(()));
        assert!(r.unwrap_err().is::<crate::error::InputError>());
        assert!(dir.path().join("notes.txt").exists());
    }

    #[test]
    fn a_failing_run_leaves_the_target_as_it_was_and_no_staging() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("manifest.json"), "{}").unwrap();
        std::fs::write(target.join("summary.csv"), "old").unwrap();
        let r: anyhow::Result<()> = write_dir(&target, |d| {
            std::fs::create_dir_all(d)?;
            std::fs::write(d.join("summary.csv"), "")?;
            anyhow::bail!("disk full")
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_to_string(target.join("summary.csv")).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "staging left behind");
    }

    #[test]
    fn a_finished_run_replaces_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("manifest.json"), "{}").unwrap();
        std::fs::write(target.join("stale.csv"), "old").unwrap();
        write_dir(&target, |d| {
            std::fs::create_dir_all(d)?;
            std::fs::write(d.join("summary.csv"), "new")?;
            Ok(())
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(target.join("summary.csv")).unwrap(), "new");
        assert!(!target.join("stale.csv").exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
