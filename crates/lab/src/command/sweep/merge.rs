//! `narcodoor merge`: the shard directories of a sweep assembled into the whole sweep,
//! with the same code as an unsharded sweep's end, so the files are byte for byte the same.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::command::runner::{Experiment, Runner, Settings, details_field};
use crate::command::sweep::store::{StoredDesign, assemble, is_empty_dir, run_file_name};
use crate::command::sweep::sweep_outputs;
use crate::experiment::factor::input;

// ---------------------------------------------------------------------------------------
// merge
// ---------------------------------------------------------------------------------------

/// What a merge reports back.
#[derive(Clone, Debug)]
pub struct MergeOutcome {
    pub out_dir: PathBuf,
    pub shards: usize,
    pub runs: usize,
    pub ok: usize,
    pub errors: usize,
}

/// Combines the directories of a sharded sweep into `out`: `runs.csv` and
/// `runs_timeseries.csv` with every run in design order (the bytes an unsharded sweep
/// writes, apart from `#` lines), `design.json` without a shard, and `manifest.json`.
///
/// Refused (exit code 2): directories without a design, designs that differ, a mix of
/// shard counts, a shard given twice or missing, a run missing from its shard (the shard
/// has not finished: run it again and it resumes), and an `out` that holds something else
/// (it must be missing, empty, or a merge or unsharded sweep of the same design).
pub fn merge(dirs: &[PathBuf], out: &Path, command: &[String]) -> anyhow::Result<MergeOutcome> {
    if dirs.is_empty() {
        return Err(input("merge needs the shard directories to combine".into()));
    }
    let mut designs = Vec::with_capacity(dirs.len());
    for d in dirs {
        let Some(s) = StoredDesign::read(d)? else {
            return Err(input(format!("{} is not a sweep directory (no design.json)", d.display())));
        };
        designs.push(s);
    }
    let first = &designs[0];
    for (d, s) in dirs.iter().zip(&designs).skip(1) {
        let diff = first.differences(s);
        if !diff.is_empty() {
            return Err(input(format!(
                "{} and {} belong to different sweeps (they differ: {})",
                dirs[0].display(),
                d.display(),
                diff.join("; ")
            )));
        }
    }
    let (n, sources) = shard_sources(dirs, &designs)?;
    let mut absent = Vec::new();
    for point in 0..first.points {
        for r in 0..first.replicates {
            let path = sources[point % n].join(run_file_name(point, r));
            if !path.exists() {
                absent.push(path);
            }
        }
    }
    if let Some(example) = absent.first() {
        return Err(input(format!(
            "{} runs are missing, e.g. {}: that shard has not finished; run its command again (it resumes) before merging",
            absent.len(),
            example.display()
        )));
    }

    let mut merged = first.clone();
    merged.shard = None;
    if is_empty_dir(out)? {
        fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    } else {
        match StoredDesign::read(out)? {
            Some(existing) if existing.differences(&merged).is_empty() && existing.shard.is_none() => {}
            _ => {
                return Err(input(format!(
                    "{} exists and holds something other than this sweep; refusing to write into it: choose another --out",
                    out.display()
                )));
            }
        }
    }
    let experiment =
        Experiment { name: "merge", out_dir: out, scale: merged.scale(), inputs: Vec::new(), paired: true };
    let settings = Settings { command: command.to_vec(), ..Settings::quiet(1) };
    let runner = Runner::start(experiment, settings)?;
    merged.write(out)?;
    let points: Vec<usize> = (0..first.points).collect();
    let metadata = merged.metadata(&format!("merged from {n} shard directories"), command);
    let (ok, errors) = assemble(out, &merged, &metadata, &points, &|p| sources[p % n].clone())?;
    if merged.posterior.is_some() {
        copy_draws(&dirs[0], out)?;
    }
    let (_, charts, warnings) = crate::command::sweep::summarise(out, &merged, true)?;
    let details = serde_json::json!({
        "design": merged,
        "shards": dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
        "runs": points.len() * first.replicates as usize,
        "ok": ok,
        "errors": errors,
    });
    let mut outputs = sweep_outputs(&merged);
    outputs.extend(charts);
    runner.finish(outputs, warnings, details_field(details))?;
    Ok(MergeOutcome { out_dir: out.to_path_buf(), shards: n, runs: ok + errors, ok, errors })
}

/// Copies a shard's `posterior_draws.csv`: every shard drew the same draws (the same
/// posterior, draws and seed, checked with the design).
fn copy_draws(shard: &Path, out: &Path) -> anyhow::Result<()> {
    let draws = narcodoor_scenario::input_file::read_bytes(&shard.join("posterior_draws.csv"))
        .map_err(|e| input(format!("{}: {}", shard.display(), e.reason)))?;
    crate::output::atomic::write_in(out, "posterior_draws.csv", &draws)
}

/// The number of shards and, for each residue class of points, the `runs/` directory that
/// holds it; refuses a mix of shard counts, a shard given twice and a missing shard.
fn shard_sources(dirs: &[PathBuf], designs: &[StoredDesign]) -> anyhow::Result<(usize, Vec<PathBuf>)> {
    let first = &designs[0];
    // Which directory holds which residue class of points.
    let n = match first.shard {
        Some([_, n]) => n,
        None => 1,
    };
    let mut by_shard: Vec<Option<&PathBuf>> = vec![None; n];
    for (d, s) in dirs.iter().zip(designs) {
        let (k, nn) = match s.shard {
            Some([k, nn]) => (k, nn),
            None => (0, 1),
        };
        if nn != n {
            return Err(input(format!(
                "{} is shard {k} of {nn} but {} is of {n}: all shards must come from the same --shard K/N split",
                d.display(),
                dirs[0].display()
            )));
        }
        if let Some(other) = by_shard[k] {
            return Err(input(format!("{} and {} are both shard {k}/{n}", other.display(), d.display())));
        }
        by_shard[k] = Some(d);
    }
    let missing: Vec<String> =
        by_shard.iter().enumerate().filter(|(_, d)| d.is_none()).map(|(k, _)| k.to_string()).collect();
    if !missing.is_empty() {
        return Err(input(format!("shards missing from the merge: {} (of {n})", missing.join(", "))));
    }
    Ok((n, by_shard.into_iter().map(|d| d.expect("checked").join("runs")).collect()))
}
