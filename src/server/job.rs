//! A server run: both arms of a comparison stepped month by month in lockstep, so that
//! every reported month can be streamed with both arms' means and 95% intervals across
//! replicates as soon as it exists.
//!
//! Replicate r of the two arms uses the same random streams (the engine never keys them
//! by scenario), so the run is `narcodoor compare` of the scenario with the changes
//! against the unchanged scenario: the files it writes and the effects it reports are
//! those of `compare` on the same inputs (`tests/server.rs` checks the bytes). The
//! replicates are stepped across the worker threads, each replicate on one thread; the
//! engine's results do not depend on that. When the arms differ in levers only, the
//! burn-in (levers off) is simulated once and the policy arm forked from it.

use std::path::Path;

use anyhow::Context;
use rayon::prelude::*;
use serde_json::{Value as Json, json};

use super::request::Prepared;
use crate::engine::{MonthReport, Replicate, ReplicateResult};
use crate::experiment::compare;
use crate::experiment::outcomes::Reduced;
use crate::experiment::runner::{Experiment, Runner, Settings, details_field};
use crate::experiment::summary::{LEVEL, SummaryBuilder, Welford};
use crate::model::metrics::{METRICS, m};
use crate::model::params::Params;
use crate::output::atomic::write_file;
use crate::output::experiment_tables::{EffectRow, write_effects};
use crate::output::manifest::Scale;
use crate::output::tables::TimeseriesWriter;
use crate::scenario::resolved_json;

/// The series drawn on the page and sent with every month.
pub const HEADLINE: [usize; 4] = [m::MEMBERS, m::RECRUITS, m::HOMICIDE_RATE, m::SPENDING_TOTAL];

/// The files a finished run offers, by the name a client asks for.
pub const FILES: [&str; 7] = [
    "timeseries.csv",
    "summary.csv",
    "effects.csv",
    "scenario.toml",
    "baseline_timeseries.csv",
    "baseline_summary.csv",
    "manifest.json",
];

/// Why a run did not finish.
#[derive(Debug)]
pub enum JobError {
    Cancelled,
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for JobError {
    fn from(e: anyhow::Error) -> Self {
        JobError::Failed(e)
    }
}

/// Both arms' intervals of the headline series at one reported month.
fn month_event(month: u32, labels: &[String; 2], arms: [&[Vec<MonthReport>]; 2]) -> Json {
    let mut out = serde_json::Map::new();
    out.insert("month".into(), json!(month));
    for (key, outs) in ["baseline", "policy"].into_iter().zip(arms) {
        let mut series = serde_json::Map::new();
        for &metric in &HEADLINE {
            let mut w = Welford::default();
            for reports in outs {
                if let Some(r) = reports.last() {
                    w.push(r.metrics.national[metric]);
                }
            }
            let iv = w.interval(LEVEL);
            series.insert(METRICS[metric].into(), json!({"mean": iv.mean, "lo": iv.lo, "hi": iv.hi}));
        }
        out.insert(key.into(), Json::Object(series));
    }
    out.insert("labels".into(), json!(labels));
    Json::Object(out)
}

/// Can the policy arm start from the baseline's state after burn-in? Yes when the two
/// parameter sets differ in levers alone (and the name): levers are off during burn-in, so
/// both arms reach the same state, and simulating it once halves the burn-in's work.
/// `tests/server.rs` checks the results against `compare`, which never forks.
fn shares_burn_in(base: &Params, policy: &Params) -> bool {
    let mut q = policy.clone();
    q.policy = base.policy.clone();
    q.run.name = base.run.name.clone();
    q == *base
}

/// Steps every replicate one month (each on one thread); true if it was a reported month.
fn step_all(pool: &rayon::ThreadPool, reps: &mut [Replicate<'_>], outs: &mut [Vec<MonthReport>]) -> bool {
    pool.install(|| {
        reps.par_iter_mut()
            .zip(outs.par_iter_mut())
            .map(|(rep, out)| rep.step().map(|r| out.push(r)).is_some())
            .reduce(|| false, |a, b| a || b)
    })
}

/// Both arms' replicates, baseline's first, ready for their first reported month. With a
/// shared burn-in, the baseline's replicates simulate it and the policy's are forked.
fn burn_in<'p>(
    prep: &'p Prepared,
    pool: &rayon::ThreadPool,
    stop: &dyn Fn() -> bool,
) -> Result<Vec<Replicate<'p>>, JobError> {
    let (base, policy) = (&prep.base.params, &prep.policy.params);
    let n = base.run.replicates as usize;
    let shared = shares_burn_in(base, policy);
    let first = if shared { n } else { 2 * n };
    let arms = [base, policy];
    let mut reps: Vec<Replicate<'p>> = pool.install(|| {
        (0..first).into_par_iter().map(|i| Replicate::new(arms[i / n], (i % n) as u32, false)).collect()
    });
    let mut none = vec![Vec::new(); first];
    for _ in 0..base.run.burn_in_months {
        if stop() {
            return Err(JobError::Cancelled);
        }
        step_all(pool, &mut reps, &mut none);
    }
    if shared {
        let forks: Vec<Replicate<'p>> = reps.iter().map(|r| r.fork(policy)).collect();
        reps.extend(forks);
    }
    Ok(reps)
}

/// Runs `prep` on `pool`, calling `emit(event, data)` for the start and every reported
/// month; `stop()` is asked before every month. Writes the files of [`FILES`] into `dir`
/// (`manifest.json` by the experiment runner, marked complete) and returns the final
/// result.
///
/// The months are stepped here rather than in the runner's job loop, which hands over
/// whole replicates: a month can only be streamed once every replicate of both arms has
/// simulated it.
pub fn execute(
    prep: &Prepared,
    pool: &rayon::ThreadPool,
    dir: &Path,
    stop: &dyn Fn() -> bool,
    emit: &mut dyn FnMut(&str, Json),
) -> Result<Json, JobError> {
    let run = &prep.base.params.run;
    let n = run.replicates as usize;
    let experiment = Experiment {
        name: "serve",
        out_dir: dir,
        scale: Scale::of(&prep.base.params),
        inputs: prep.base.files.clone(),
        paired: true,
    };
    let mut settings = Settings::quiet(pool.current_num_threads());
    settings.command = vec!["narcodoor".into(), "serve".into()];
    let runner = Runner::start(experiment, settings)?;
    emit("start", start_event(prep));
    let mut reps = burn_in(prep, pool, stop)?;
    let mut outs: Vec<Vec<MonthReport>> = vec![Vec::with_capacity(run.months as usize); 2 * n];
    for _ in 0..run.months {
        if stop() {
            return Err(JobError::Cancelled);
        }
        if step_all(pool, &mut reps, &mut outs) {
            let month = outs[0].last().map_or(0, |r| r.month);
            emit("month", month_event(month, &prep.labels, [&outs[..n], &outs[n..]]));
        }
    }
    drop(reps);
    let results: Vec<ReplicateResult> = outs
        .into_iter()
        .enumerate()
        .map(|(i, months)| ReplicateResult { replicate: (i % n) as u32, months })
        .collect();
    let effects = write_files(prep, dir, &results[..n], &results[n..])?;
    let shared = shares_burn_in(&prep.base.params, &prep.policy.params);
    let details = json!({
        "scenario": prep.name,
        "labels": prep.labels,
        "changes": changes_json(prep),
        "shared_burn_in": shared,
        "policy": resolved_json(&prep.policy.params),
    });
    let seconds = runner.seconds();
    let files = FILES.iter().filter(|f| **f != "manifest.json").map(|f| f.to_string()).collect();
    runner.finish(files, Vec::new(), details_field(details))?;
    Ok(json!({
        "scenario": prep.name,
        "labels": prep.labels,
        "changes": changes_json(prep),
        "youths": prep.base.params.total_youths(),
        "replicates": n,
        "months": run.months,
        "burn_in_months": run.burn_in_months,
        "seed": run.seed,
        "shared_burn_in": shared,
        "effects": effects.iter().map(effect_json).collect::<Vec<_>>(),
        "files": FILES,
        "seconds": seconds,
    }))
}

fn changes_json(prep: &Prepared) -> Json {
    Json::Object(prep.changes.iter().map(|(p, v)| (p.clone(), Json::String(v.clone()))).collect())
}

fn start_event(prep: &Prepared) -> Json {
    let run = &prep.base.params.run;
    json!({
        "scenario": prep.name,
        "labels": prep.labels,
        "changes": changes_json(prep),
        "youths": prep.base.params.total_youths(),
        "replicates": run.replicates,
        "months": run.months,
        "burn_in_months": run.burn_in_months,
        "series": HEADLINE.map(|i| METRICS[i]),
    })
}

/// Writes one arm's `timeseries.csv` and `summary.csv` (as `narcodoor run` does) and
/// returns its replicates reduced for the effects.
fn write_arm(
    dir: &Path,
    prefix: &str,
    results: &[ReplicateResult],
    regions: usize,
) -> anyhow::Result<Vec<Reduced>> {
    let path = dir.join(format!("{prefix}timeseries.csv"));
    let mut ts =
        TimeseriesWriter::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut builder = SummaryBuilder::new(regions);
    for r in results {
        ts.write(r)?;
        builder.add(r);
    }
    ts.finish()?;
    let path = dir.join(format!("{prefix}summary.csv"));
    builder.national().write(&path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(results.iter().map(Reduced::of).collect())
}

fn write_files(
    prep: &Prepared,
    dir: &Path,
    base: &[ReplicateResult],
    policy: &[ReplicateResult],
) -> anyhow::Result<Vec<EffectRow>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let regions = prep.base.params.regions.len();
    let rb = write_arm(dir, "baseline_", base, regions)?;
    let rp = write_arm(dir, "", policy, regions)?;
    let mut rows = compare::effects(&prep.labels[0], &rb, &prep.labels[1], &rp)?;
    // As `compare` writes it: the key rows, then the spending by lever.
    rows.extend(compare::spending_effects(&prep.labels[0], &rb, &prep.labels[1], &rp)?);
    write_effects(&dir.join("effects.csv"), &rows)?;
    write_file(&dir.join("scenario.toml"), scenario_toml(prep)?.as_bytes())?;
    Ok(rows)
}

/// The policy arm as a complete scenario file (every key resolved, no `extends`), headed by
/// the changes it makes, so that `narcodoor run` and `compare` accept it anywhere.
pub fn scenario_toml(prep: &Prepared) -> anyhow::Result<String> {
    let body = toml::to_string(&resolved_json(&prep.policy.params)).context("cannot write scenario.toml")?;
    let mut head = format!("# Written by `narcodoor serve`: scenario {:?}", prep.name);
    if prep.changes.is_empty() {
        head.push_str(" unchanged.\n");
    } else {
        head.push_str(" with\n");
        for (path, value) in &prep.changes {
            head.push_str(&format!("#   {path} = {value}\n"));
        }
    }
    head.push_str("# Every parameter is written out, defaults included.\n\n");
    Ok(head + &body)
}

/// An `effects.csv` row as JSON, with the file's column names (NaN as null).
fn effect_json(r: &EffectRow) -> Json {
    let mut v = json!({
        "scenario": r.scenario, "baseline": r.baseline, "metric": r.metric, "statistic": r.statistic,
        "replicates": r.replicates, "baseline_mean": r.baseline_mean, "scenario_mean": r.scenario_mean,
        "difference": r.difference, "difference_lo": r.lo, "difference_hi": r.hi,
        "relative_change": r.relative, "p_value": r.p_value, "change": r.change,
    });
    if let (Some(c), Some(obj)) = (&r.cost, v.as_object_mut()) {
        let cost = json!({
            "extra_cost": c.extra_cost, "averted": c.averted, "averted_lo": c.averted_lo,
            "averted_hi": c.averted_hi, "cost_per_averted": c.ratio, "cost_per_averted_lo": c.lo,
            "cost_per_averted_hi": c.hi, "cost_status": c.status.name(),
        });
        if let Json::Object(cost) = cost {
            obj.extend(cost);
        }
    }
    v
}
