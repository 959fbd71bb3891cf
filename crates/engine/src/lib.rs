//! The month loop, chunks and threads: the only parallel code in the crate.
//!
//! A replicate's youths are cut into chunks of at most `chunks::CHUNK` youths, each inside
//! one region and starting on a multiple of 64 within it (so chunks never share a word of
//! a member bitmap or a byte of the network masks). Each month runs the model's passes over
//! the chunks, with rayon when `parallel` is set, and reduces the chunks' integer tallies
//! in chunk order. Random numbers come from per-youth streams keyed by (seed, replicate,
//! month, slot), so the bytes of every output are the same for any thread count, any
//! chunk size and either parallel strategy (across replicates or within one).

pub mod chunks;
mod lockstep;
pub mod replicate;

pub use replicate::{Event, MonthReport, Replicate};

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use narcodoor_model::params::Params;

/// A finished replicate: its reported months in order.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicateResult {
    pub replicate: u32,
    pub months: Vec<MonthReport>,
}

/// How the threads share the work. Either way the results are the same bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Each thread simulates whole replicates (small populations, several replicates).
    AcrossReplicates,
    /// Replicates one after another, each month's youths split among the threads.
    WithinReplicate,
    /// Every job advanced one month at a time, each on one thread, all in memory at once:
    /// for callers that stream months ([`run_jobs_with`]).
    Lockstep,
}

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::AcrossReplicates => "across-replicates",
            Strategy::WithinReplicate => "within-replicate",
            Strategy::Lockstep => "lockstep",
        }
    }
}

/// Populations up to this size run whole replicates per thread when there are enough
/// replicates: a replicate of 250,000 youths is about 2.5 MB, so several fit in cache-sized
/// pieces and no month needs a barrier between threads.
pub const ACROSS_REPLICATES_MAX_YOUTHS: u64 = 250_000;

/// The strategy for `replicates` replicates of `params` on `threads` threads.
pub fn choose_strategy(params: &Params, replicates: usize, threads: usize) -> Strategy {
    strategy_for(params.total_youths(), replicates, threads)
}

/// The strategy for `jobs` jobs whose largest population is `max_youths`.
fn strategy_for(max_youths: u64, jobs: usize, threads: usize) -> Strategy {
    if threads > 1 && jobs >= threads && max_youths <= ACROSS_REPLICATES_MAX_YOUTHS {
        Strategy::AcrossReplicates
    } else {
        Strategy::WithinReplicate
    }
}

/// Replicates that live in memory at once under a strategy (for the memory check).
pub fn concurrent_replicates(strategy: Strategy, replicates: usize, threads: usize) -> usize {
    match strategy {
        Strategy::AcrossReplicates => replicates.min(threads).max(1),
        Strategy::WithinReplicate => 1,
        Strategy::Lockstep => replicates,
    }
}

/// The engine could not start (the thread pool), the consumer of results failed, or the
/// caller's cancellation flag was raised.
#[derive(Debug, thiserror::Error)]
pub enum EngineError<E: std::error::Error + 'static> {
    #[error("could not start {threads} worker threads")]
    Pool {
        threads: usize,
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
    #[error(transparent)]
    Sink(E),
    /// The cancellation flag was raised; every job finished before that was delivered.
    #[error("cancelled")]
    Cancelled,
}

fn thread_pool<E: std::error::Error + 'static>(threads: usize) -> Result<rayon::ThreadPool, EngineError<E>> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| EngineError::Pool { threads, source })
}

/// When the workers stop early: the caller cancelled, or the sink failed.
struct Stop<'a> {
    cancel: &'a AtomicBool,
    sink_failed: AtomicBool,
}

impl Stop<'_> {
    fn now(&self) -> bool {
        self.cancel.load(Ordering::Relaxed) || self.sink_failed.load(Ordering::Relaxed)
    }
}

/// Whether two parameter sets simulate the same burn-in: equal in everything but the
/// policies (every lever's schedule is off before reported month 0, `Schedule::active_at`,
/// and dated kingpin events are in reported months) and the keys that only name or size
/// the reported period (run name, description, months, replicates). The random streams do
/// not depend on the scenario, so replicate r of both is then the same state at month 0.
pub fn same_burn_in(a: &Params, b: &Params) -> bool {
    if a.run.burn_in_months != b.run.burn_in_months || a.run.seed != b.run.seed {
        return false;
    }
    let mut b2 = b.clone();
    b2.policy = a.policy.clone();
    b2.run.name = a.run.name.clone();
    b2.run.description = a.run.description.clone();
    b2.run.months = a.run.months;
    b2.run.replicates = a.run.replicates;
    *a == b2
}

/// The units of work of a job list: jobs of the same replicate whose parameters share
/// their burn-in ([`same_burn_in`]) are simulated together, the burn-in once and then one
/// fork per job. Units are in the order of their first job; a unit holds at most `max`
/// jobs, so that there are enough units to keep every thread busy.
fn units(jobs: &[Job<'_>], max: usize) -> Vec<Vec<usize>> {
    let mut units: Vec<Vec<usize>> = Vec::new();
    // Open units (not yet full) by replicate, as indices into `units`.
    let mut open: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, job) in jobs.iter().enumerate() {
        let candidates = open.entry(job.replicate).or_default();
        let found = candidates.iter().position(|&u| {
            job.params.run.burn_in_months > 0 && same_burn_in(jobs[units[u][0]].params, job.params)
        });
        match found {
            Some(k) => {
                let u = candidates[k];
                units[u].push(i);
                if units[u].len() >= max {
                    candidates.swap_remove(k);
                }
            }
            None => {
                units.push(vec![i]);
                if max > 1 {
                    candidates.push(units.len() - 1);
                }
            }
        }
    }
    units
}

/// The strategy and the units of work for `jobs` on `threads` threads (in lockstep when
/// `lockstep`). Across replicates, a unit holds at most a quarter of a thread's share of
/// the jobs, so that every thread stays busy; otherwise units are unbounded.
fn plan(jobs: &[Job<'_>], threads: usize, lockstep: bool) -> (Strategy, Vec<Vec<usize>>) {
    let max_youths = jobs.iter().map(|j| j.params.total_youths()).max().unwrap_or(0);
    let strategy = if lockstep { Strategy::Lockstep } else { strategy_for(max_youths, jobs.len(), threads) };
    let max = match strategy {
        Strategy::AcrossReplicates => jobs.len().div_ceil(4 * threads).max(1),
        Strategy::WithinReplicate | Strategy::Lockstep => usize::MAX,
    };
    (strategy, units(jobs, max))
}

/// Months the engine will simulate for `jobs` on `threads` threads (burn-ins shared by
/// several jobs counted once), for a progress display.
pub fn months_to_simulate(jobs: &[Job<'_>], threads: usize) -> u64 {
    plan(jobs, threads.max(1), false)
        .1
        .iter()
        .map(|u| {
            let burn_in = u64::from(jobs[u[0]].params.run.burn_in_months);
            burn_in + u.iter().map(|&i| u64::from(jobs[i].params.run.months)).sum::<u64>()
        })
        .sum()
}

/// Simulates a unit of jobs: the burn-in of its first job's parameters once, then each
/// job's reported months from a fork of that state, sending each finished job. Calls
/// `progress(job, months_done)` after every month (burn-in months count for the first job).
/// Returns early if the workers are stopped.
fn simulate_unit(
    jobs: &[Job<'_>],
    unit: &[usize],
    parallel: bool,
    stop: &Stop<'_>,
    progress: &(dyn Fn(usize, u64) + Sync),
    tx: &mpsc::Sender<(usize, ReplicateResult)>,
) {
    let first = &jobs[unit[0]];
    let mut shared = Some(Replicate::new(first.params, first.replicate, parallel));
    let burn_in = u64::from(first.params.run.burn_in_months);
    for done in 1..=burn_in {
        if stop.now() {
            return;
        }
        shared.as_mut().expect("not yet forked").step();
        progress(unit[0], done);
    }
    for (k, &index) in unit.iter().enumerate() {
        let job = &jobs[index];
        let mut rep = if k + 1 == unit.len() {
            shared.take().expect("forked once").into_fork(job.params)
        } else {
            shared.as_ref().expect("not yet forked").fork(job.params)
        };
        let mut months = Vec::with_capacity(job.params.run.months as usize);
        for done in burn_in + 1..=rep.total_steps() {
            if stop.now() {
                return;
            }
            if let Some(report) = rep.step() {
                months.push(report);
            }
            progress(index, done);
        }
        // The receiver only hangs up after a failure, so a failed send loses nothing.
        let _ = tx.send((index, ReplicateResult { replicate: job.replicate, months }));
    }
}

/// One replicate of one parameter set: the unit of work of the engine.
#[derive(Clone, Copy, Debug)]
pub struct Job<'p> {
    pub params: &'p Params,
    pub replicate: u32,
}

/// The error a result sink may fail with; it travels back from the job loop's threads.
pub trait SinkError: std::error::Error + Send + 'static {}
impl<E: std::error::Error + Send + 'static> SinkError for E {}

/// Where the job loop hands each finished job: `sink(job index, result)`, in job order.
pub trait JobSink<E>: FnMut(usize, ReplicateResult) -> Result<(), E> {}
impl<E, F: FnMut(usize, ReplicateResult) -> Result<(), E>> JobSink<E> for F {}

/// Simulates `replicates` of `params` on `threads` threads and hands each finished
/// replicate to `sink` in the order of `replicates`: [`run_jobs`] with one parameter set.
pub fn run_replicates<E: SinkError, F: FnMut(ReplicateResult) -> Result<(), E>>(
    params: &Params,
    replicates: &[u32],
    threads: usize,
    progress: &(dyn Fn(u32, u64) + Sync),
    mut sink: F,
) -> Result<Strategy, EngineError<E>> {
    let jobs: Vec<Job> = replicates.iter().map(|&replicate| Job { params, replicate }).collect();
    run_jobs(&jobs, threads, &|j, done| progress(replicates[j], done), |_, r| sink(r))
}

/// [`run_jobs_until`] without a cancellation flag.
pub fn run_jobs<E: SinkError, F: JobSink<E>>(
    jobs: &[Job<'_>],
    threads: usize,
    progress: &(dyn Fn(usize, u64) + Sync),
    sink: F,
) -> Result<Strategy, EngineError<E>> {
    run_jobs_until(jobs, threads, &AtomicBool::new(false), progress, sink)
}

/// Simulates a list of jobs, each a replicate of its own parameters, and hands each one to
/// `sink(job index, result)` in list order: the engine's one job loop, under every
/// command.
///
/// Jobs run whole on one thread each when there are enough of them and every population is
/// small (the rule of [`choose_strategy`]), so that many small design points keep every
/// thread busy; otherwise one after another, each month split among the threads. A job's
/// result is the same either way. Jobs of one replicate whose parameters differ only in
/// what cannot act before month 0 share one simulated burn-in, forked per job (see
/// [`same_burn_in`]); the bytes are the same as simulating each job whole. Workers take
/// units of jobs in list order from a shared counter.
/// `progress(job index, months_done)` is called after every simulated month, from worker
/// threads.
///
/// If `sink` fails, the workers stop at the next month and its error is returned. If
/// `cancel` is raised, the workers stop at the next month, every job finished by then that
/// was not yet delivered is handed to `sink` (still in ascending order, possibly with gaps)
/// and [`EngineError::Cancelled`] is returned: nothing finished is lost.
pub fn run_jobs_until<E: SinkError, F: JobSink<E>>(
    jobs: &[Job<'_>],
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(usize, u64) + Sync),
    sink: F,
) -> Result<Strategy, EngineError<E>> {
    run_jobs_with(jobs, threads, cancel, progress, None, sink)
}

/// Called with (job index, report) for every reported month of every job, as soon as it
/// is simulated: the engine's per-month hook ([`run_jobs_with`]).
pub type MonthHook<'a> = &'a (dyn Fn(usize, &MonthReport) + Sync);

/// [`run_jobs_until`], in lockstep ([`Strategy::Lockstep`]) when `on_month` is given:
/// every job advances one month at a time, and `on_month(job index, report)` is called,
/// in job order, for every job's reported month as soon as every job has simulated it.
/// The results, their order and the cancellation rule are those of [`run_jobs_until`];
/// in lockstep every job is in memory at once. Without a hook, the strategy follows
/// [`choose_strategy`]'s rule and no hook is ever asked for, so the common path costs
/// nothing for it.
pub fn run_jobs_with<E: SinkError, F: JobSink<E>>(
    jobs: &[Job<'_>],
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(usize, u64) + Sync),
    on_month: Option<MonthHook<'_>>,
    mut sink: F,
) -> Result<Strategy, EngineError<E>> {
    let threads = threads.max(1);
    let pool = thread_pool(threads)?;
    let (strategy, units) = plan(jobs, threads, on_month.is_some());
    let stop = Stop { cancel, sink_failed: AtomicBool::new(false) };
    let next_unit = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, ReplicateResult)>();
    let simulate = |u: usize, parallel: bool, tx: &mpsc::Sender<(usize, ReplicateResult)>| {
        simulate_unit(jobs, &units[u], parallel, &stop, progress, tx)
    };
    std::thread::scope(|s| {
        s.spawn(|| {
            match strategy {
                Strategy::AcrossReplicates => {
                    pool.broadcast(|_| {
                        let tx = tx.clone();
                        loop {
                            let u = next_unit.fetch_add(1, Ordering::Relaxed);
                            if u >= units.len() || stop.now() {
                                break;
                            }
                            simulate(u, false, &tx);
                        }
                    });
                }
                Strategy::WithinReplicate => pool.install(|| {
                    for u in 0..units.len() {
                        if stop.now() {
                            break;
                        }
                        simulate(u, true, &tx);
                    }
                }),
                Strategy::Lockstep => lockstep::simulate(jobs, &units, &pool, &stop, progress, on_month, &tx),
            }
            drop(tx);
        });
        deliver_in_order(rx, jobs.len(), &stop, &mut sink)
    })?;
    Ok(strategy)
}

/// Hands the results arriving on `rx` to `sink` in job order (the rest of the ordered
/// delivery of [`run_jobs_until`]).
fn deliver_in_order<E: SinkError, F: JobSink<E>>(
    rx: mpsc::Receiver<(usize, ReplicateResult)>,
    jobs: usize,
    stop: &Stop<'_>,
    sink: &mut F,
) -> Result<(), EngineError<E>> {
    let mut pending = BTreeMap::new();
    let mut next = 0;
    let mut fail = |e: E| {
        stop.sink_failed.store(true, Ordering::Relaxed);
        EngineError::Sink(e)
    };
    for (i, result) in rx {
        pending.insert(i, result);
        while let Some(result) = pending.remove(&next) {
            sink(next, result).map_err(&mut fail)?;
            next += 1;
        }
    }
    // Workers stop early only when cancelled (a failed sink returned above).
    if next < jobs {
        for (i, result) in pending {
            sink(i, result).map_err(&mut fail)?;
        }
        return Err(EngineError::Cancelled);
    }
    Ok(())
}
