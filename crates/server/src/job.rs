//! A server run: both arms of a comparison stepped month by month in lockstep, so that
//! every reported month can be streamed with both arms' means and 95% intervals across
//! replicates as soon as it exists.
//!
//! Replicate r of the two arms uses the same random streams (the engine never keys them
//! by scenario), so the run is `narcodoor compare` of the scenario with the changes
//! against the unchanged scenario: the files it writes and the effects it reports are
//! those of `compare` on the same inputs (`tests/integration/server.rs` checks the bytes). The run goes
//! through the experiment runner like every command, in lockstep
//! (`Runner::run_streaming`): each replicate on one thread, every job a month at a time.
//! When the arms differ in levers only, the engine simulates the burn-in (levers off) once
//! and forks the policy arm from it. Under a posterior replicate r of both arms runs draw
//! r mod K (`uncertain.rs`), as `compare --posterior` does, and the run also reports
//! and writes the effects over draws.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;
use std::sync::Mutex;

use anyhow::Context;
use serde_json::{Value as Json, json};

use super::request::Prepared;
use narcodoor_lab::cancel::Cancel;
use narcodoor_lab::cancel::Cancelled;
use narcodoor_lab::command::compare;
use narcodoor_lab::command::runner::{Experiment, Runner, Settings, details_field};
use narcodoor_lab::engine::{self, Job, MonthReport, ReplicateResult};
use narcodoor_lab::experiment::effects::EffectRow;
use narcodoor_lab::experiment::outcomes::Reduced;
use narcodoor_lab::experiment::summary::{LEVEL, SummaryBuilder, Welford};
use narcodoor_lab::model::metrics::{METRICS, m};
use narcodoor_lab::output::atomic::write_file;
use narcodoor_lab::output::experiment_tables::write_effects;
use narcodoor_lab::output::manifest::Scale;
use narcodoor_lab::output::tables::TimeseriesWriter;
use narcodoor_lab::scenario::resolved_json;

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

/// The headline series of one job at one reported month.
type Headline = [f64; HEADLINE.len()];

/// Both arms' intervals of the headline series at one reported month, from every job's
/// values (the baseline's replicates first).
fn month_event(month: u32, labels: &[String; 2], values: &[Headline]) -> Json {
    let mut out = serde_json::Map::new();
    out.insert("month".into(), json!(month));
    let n = values.len() / 2;
    for (key, arm) in ["baseline", "policy"].into_iter().zip(values.chunks(n.max(1))) {
        let mut series = serde_json::Map::new();
        for (k, &metric) in HEADLINE.iter().enumerate() {
            let mut w = Welford::default();
            for v in arm {
                w.push(v[k]);
            }
            let iv = w.interval(LEVEL);
            series.insert(METRICS[metric].into(), json!({"mean": iv.mean, "lo": iv.lo, "hi": iv.hi}));
        }
        out.insert(key.into(), Json::Object(series));
    }
    out.insert("labels".into(), json!(labels));
    Json::Object(out)
}

/// Gathers the jobs' months from the runner's month hook and emits a month's event once
/// every job has simulated it.
struct MonthStream<'a> {
    labels: &'a [String; 2],
    jobs: usize,
    /// Months not yet complete: every job's headline values so far.
    pending: Mutex<BTreeMap<u32, Vec<Option<Headline>>>>,
    emit: &'a (dyn Fn(&str, Json) + Sync),
}

impl MonthStream<'_> {
    fn add(&self, job: usize, report: &MonthReport) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let slots = pending.entry(report.month).or_insert_with(|| vec![None; self.jobs]);
        slots[job] = Some(HEADLINE.map(|metric| report.metrics.national[metric]));
        if slots.iter().all(Option::is_some) {
            let values: Vec<Headline> = slots.iter().flatten().copied().collect();
            pending.remove(&report.month);
            (self.emit)("month", month_event(report.month, self.labels, &values));
        }
    }
}

/// Runs `prep` through the experiment runner on `threads` threads, calling
/// `emit(event, data)` for the start and every reported month; raising `cancel` stops it
/// within a month. Writes the files of [`FILES`] into `dir` (`manifest.json` by the
/// runner, marked complete) and returns the final result.
///
/// The jobs are the baseline's replicates then the policy's, run in lockstep
/// (`Runner::run_streaming`), so that a month can be streamed as soon as every replicate
/// of both arms has simulated it.
pub fn execute(
    prep: &Prepared,
    threads: usize,
    cancel: Cancel,
    dir: &Path,
    emit: &(dyn Fn(&str, Json) + Sync),
) -> Result<Json, JobError> {
    let run = &prep.base.params.run;
    let n = run.replicates as usize;
    // The posterior file is an input too (the manifest fingerprints it).
    let posterior = prep.uncertain.as_ref().map(|u| PathBuf::from(&u.draws.posterior.file));
    let experiment = Experiment {
        name: "serve",
        out_dir: dir,
        scale: Scale::of(&prep.base.params),
        inputs: prep.base.files.iter().cloned().chain(posterior).collect(),
        paired: true,
    };
    let mut settings = Settings::quiet(threads);
    settings.command = vec!["narcodoor".into(), "serve".into()];
    settings.cancel = cancel;
    let mut runner = Runner::start(experiment, settings)?;
    emit("start", start_event(prep));
    let arms = [&prep.base.params, &prep.policy.params];
    let params = |arm: usize, r: u32| match &prep.uncertain {
        Some(u) => u.params(arm, r),
        None => arms[arm],
    };
    let jobs: Vec<Job> = (0..2 * n)
        .map(|i| Job { params: params(i / n, (i % n) as u32), replicate: (i % n) as u32 })
        .collect();
    let stream = MonthStream { labels: &prep.labels, jobs: jobs.len(), pending: Mutex::default(), emit };
    let mut results = Vec::with_capacity(jobs.len());
    let ran = runner.run_streaming("serve", &jobs, &|_| String::new(), &|j, r| stream.add(j, r), |_, r| {
        results.push(r);
        Ok(())
    });
    match ran {
        Err(e) if e.is::<Cancelled>() => return Err(JobError::Cancelled),
        other => other?,
    };
    Ok(conclude(prep, dir, runner, &results)?)
}

/// After the runs: the files (and, under a posterior, the effects over draws), the
/// manifest, and the result of the `done` event.
fn conclude(
    prep: &Prepared,
    dir: &Path,
    runner: Runner,
    results: &[ReplicateResult],
) -> anyhow::Result<Json> {
    let run = &prep.base.params.run;
    let n = run.replicates as usize;
    let (effects, reduced) = write_files(prep, dir, &results[..n], &results[n..])?;
    let shared = engine::same_burn_in(&prep.base.params, &prep.policy.params);
    let mut details = json!({
        "scenario": prep.name,
        "labels": prep.labels,
        "changes": changes_json(prep),
        "shared_burn_in": shared,
        "policy": resolved_json(&prep.policy.params),
    });
    let mut files: Vec<String> =
        FILES.iter().filter(|f| **f != "manifest.json").map(|f| f.to_string()).collect();
    let uncertainty = match &prep.uncertain {
        Some(u) => {
            details["posterior"] = u.draws.manifest();
            let [b, p] = &reduced;
            Some(u.finish(dir, &prep.labels, [b, p], &effects, &mut files)?)
        }
        None => None,
    };
    let seconds = runner.seconds();
    runner.finish(files.clone(), Vec::new(), details_field(details))?;
    files.push("manifest.json".into());
    let mut result = json!({
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
        "files": files,
        "seconds": seconds,
    });
    if let Some(u) = uncertainty {
        result["uncertainty"] = u;
    }
    Ok(result)
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
        "draws": prep.uncertain.as_ref().map(|u| u.draws.count()),
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
) -> anyhow::Result<(Vec<EffectRow>, [Vec<Reduced>; 2])> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let regions = prep.base.params.regions.len();
    let rb = write_arm(dir, "baseline_", base, regions)?;
    let rp = write_arm(dir, "", policy, regions)?;
    let mut rows = compare::effects(&prep.labels[0], &rb, &prep.labels[1], &rp)?;
    // As `compare` writes it: the key rows, then the spending by lever.
    rows.extend(compare::spending_effects(&prep.labels[0], &rb, &prep.labels[1], &rp)?);
    compare::mark_caveats(&mut rows, &prep.labels[1], &prep.policy.params);
    write_effects(&dir.join("effects.csv"), &rows)?;
    write_file(&dir.join("scenario.toml"), scenario_toml(prep)?.as_bytes())?;
    Ok((rows, [rb, rp]))
}

/// The policy arm as a complete scenario file (every key resolved, no `extends`), headed by
/// the changes it makes, so that `narcodoor run` and `compare` accept it anywhere.
pub fn scenario_toml(prep: &Prepared) -> anyhow::Result<String> {
    // `run.observed` is relative to the file that named it, which is not where the
    // download goes: written as the file read, so the scenario loads from anywhere.
    let mut params = prep.policy.params.clone();
    if let Some(o) = &prep.policy.observed {
        params.run.observed =
            Some(std::fs::canonicalize(&o.file).unwrap_or(o.file.clone()).display().to_string());
    }
    let body = toml::to_string(&resolved_json(&params)).context("cannot write scenario.toml")?;
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
        "relative_change": r.relative, "p_value": r.p_value, "change": r.change.name(),
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
