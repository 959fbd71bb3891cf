//! Records the git commit the binary is built from (`NARCODOOR_COMMIT`), so that a report
//! and a manifest name the exact code behind a result; `unknown` when the source is not a
//! git checkout (a crate tarball) or git is missing, and `+changes` when files were edited
//! since that commit.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    // --no-optional-locks: `git status` must not rewrite the index, or the index's change
    // would rerun this script (and rebuild the crate) on every build.
    let dirty = git(&["--no-optional-locks", "status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|s| !s.is_empty());
    let suffix = if dirty && commit != "unknown" { "+changes" } else { "" };
    println!("cargo:rustc-env=NARCODOOR_COMMIT={commit}{suffix}");
    // A new commit moves HEAD or the branch it points to; an edit touches src/ (a commit
    // that follows an edit reruns this through the branch's ref).
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={dir}/HEAD");
        if let Some(head) = git(&["symbolic-ref", "-q", "HEAD"]) {
            let common = git(&["rev-parse", "--git-common-dir"]).unwrap_or(dir.clone());
            // Only files that exist: cargo reruns a script on every build for a missing one.
            for f in [format!("{common}/{head}"), format!("{common}/packed-refs")] {
                if std::path::Path::new(&f).exists() {
                    println!("cargo:rerun-if-changed={f}");
                }
            }
        }
    }
    // Any source file of the workspace: the binary is built from all of them.
    for dir in ["../../src", "../../crates"] {
        println!("cargo:rerun-if-changed={dir}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
