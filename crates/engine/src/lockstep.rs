//! Lockstep: every job advanced one month at a time, for callers that stream months (the
//! web server shows a month as soon as every replicate of both arms has simulated it).
//!
//! Each job's replicate runs on one thread and the jobs of a month are spread over the
//! pool. A unit's burn-in is simulated once and forked, as under the other strategies, so
//! the results are the same bytes. Every job is in memory at once: a caller checks memory
//! for all of them (the server does, in `server::request`).

use std::sync::mpsc;

use rayon::prelude::*;

use super::{Job, MonthHook, MonthReport, Replicate, ReplicateResult, Stop};

/// A replicate being simulated for job `job`, and what it has reported so far.
struct Lane<'p> {
    job: usize,
    rep: Replicate<'p>,
    /// Months simulated, burn-in included.
    done: u64,
    /// Whether the last round stepped this lane, and whether that was a reported month.
    stepped: bool,
    reported: bool,
    months: Vec<MonthReport>,
}

impl<'p> Lane<'p> {
    fn new(job: usize, rep: Replicate<'p>, done: u64) -> Self {
        let months = Vec::with_capacity(rep.total_steps().saturating_sub(done) as usize);
        Lane { job, rep, done, stepped: false, reported: false, months }
    }
}

/// What watches the lanes: the stop flag, the progress display and the month hook.
struct Watchers<'a, 'b> {
    stop: &'a Stop<'b>,
    progress: &'a (dyn Fn(usize, u64) + Sync),
    on_month: Option<MonthHook<'a>>,
}

/// Steps every lane once per round until each has simulated `target(lane)` months.
/// After each round, in job order, reports progress and hands every new month to the hook.
/// Returns false if stopped first.
fn advance(
    pool: &rayon::ThreadPool,
    lanes: &mut [Lane<'_>],
    target: &(dyn Fn(&Lane<'_>) -> u64 + Sync),
    w: &Watchers<'_, '_>,
) -> bool {
    loop {
        if w.stop.now() {
            return false;
        }
        let stepped = pool.install(|| {
            lanes
                .par_iter_mut()
                .map(|l| {
                    l.stepped = l.done < target(l);
                    l.reported = false;
                    if l.stepped {
                        l.done += 1;
                        if let Some(report) = l.rep.step() {
                            l.months.push(report);
                            l.reported = true;
                        }
                    }
                    l.stepped
                })
                .reduce(|| false, |a, b| a || b)
        });
        if !stepped {
            return true;
        }
        for l in lanes.iter().filter(|l| l.stepped) {
            (w.progress)(l.job, l.done);
            if let (Some(hook), true, Some(report)) = (w.on_month, l.reported, l.months.last()) {
                hook(l.job, report);
            }
        }
    }
}

/// Simulates `units` of `jobs` in lockstep on `pool` (see the module's documentation) and
/// sends every job's result, in job order, once all have finished.
pub(super) fn simulate(
    jobs: &[Job<'_>],
    units: &[Vec<usize>],
    pool: &rayon::ThreadPool,
    stop: &Stop<'_>,
    progress: &(dyn Fn(usize, u64) + Sync),
    on_month: Option<MonthHook<'_>>,
    tx: &mpsc::Sender<(usize, ReplicateResult)>,
) {
    let w = Watchers { stop, progress, on_month };
    let mut shared: Vec<Lane> = pool.install(|| {
        units
            .par_iter()
            .map(|u| Lane::new(u[0], Replicate::new(jobs[u[0]].params, jobs[u[0]].replicate, false), 0))
            .collect()
    });
    if !advance(pool, &mut shared, &|l| u64::from(jobs[l.job].params.run.burn_in_months), &w) {
        return;
    }
    let mut lanes = Vec::with_capacity(jobs.len());
    for (unit, base) in units.iter().zip(shared) {
        let done = base.done;
        let mut base = Some(base.rep);
        for (k, &index) in unit.iter().enumerate() {
            let params = jobs[index].params;
            let rep = if k + 1 == unit.len() {
                base.take().expect("forked once").into_fork(params)
            } else {
                base.as_ref().expect("not yet forked").fork(params)
            };
            lanes.push(Lane::new(index, rep, done));
        }
    }
    lanes.sort_by_key(|l| l.job);
    if !advance(pool, &mut lanes, &|l| l.rep.total_steps(), &w) {
        return;
    }
    for l in lanes {
        // The receiver only hangs up after a failure, so a failed send loses nothing.
        let _ = tx.send((l.job, ReplicateResult { replicate: jobs[l.job].replicate, months: l.months }));
    }
}
