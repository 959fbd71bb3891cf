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
pub mod replicate;

pub use replicate::{Event, MonthReport, Replicate};

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::model::params::Params;

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
}

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::AcrossReplicates => "across-replicates",
            Strategy::WithinReplicate => "within-replicate",
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

/// One whole replicate, month by month, calling `progress(months_done)` after each month
/// (burn-in included); `None` if the workers were stopped before it finished.
fn simulate_one(
    params: &Params,
    replicate: u32,
    parallel: bool,
    stop: &Stop<'_>,
    progress: &dyn Fn(u64),
) -> Option<ReplicateResult> {
    let mut rep = Replicate::new(params, replicate, parallel);
    let total = rep.total_steps();
    let mut months = Vec::with_capacity(params.run.months as usize);
    for done in 1..=total {
        if stop.now() {
            return None;
        }
        if let Some(report) = rep.step() {
            months.push(report);
        }
        progress(done);
    }
    Some(ReplicateResult { replicate, months })
}

/// One replicate of one parameter set: the unit of work of the engine.
#[derive(Clone, Copy, Debug)]
pub struct Job<'p> {
    pub params: &'p Params,
    pub replicate: u32,
}

/// Simulates `replicates` of `params` on `threads` threads and hands each finished
/// replicate to `sink` in the order of `replicates`: [`run_jobs`] with one parameter set.
pub fn run_replicates<E, F>(
    params: &Params,
    replicates: &[u32],
    threads: usize,
    progress: &(dyn Fn(u32, u64) + Sync),
    mut sink: F,
) -> Result<Strategy, EngineError<E>>
where
    E: std::error::Error + Send + 'static,
    F: FnMut(ReplicateResult) -> Result<(), E>,
{
    let jobs: Vec<Job> = replicates.iter().map(|&replicate| Job { params, replicate }).collect();
    run_jobs(&jobs, threads, &|j, done| progress(replicates[j], done), |_, r| sink(r))
}

/// [`run_jobs_until`] without a cancellation flag.
pub fn run_jobs<E, F>(
    jobs: &[Job<'_>],
    threads: usize,
    progress: &(dyn Fn(usize, u64) + Sync),
    sink: F,
) -> Result<Strategy, EngineError<E>>
where
    E: std::error::Error + Send + 'static,
    F: FnMut(usize, ReplicateResult) -> Result<(), E>,
{
    run_jobs_until(jobs, threads, &AtomicBool::new(false), progress, sink)
}

/// Simulates a list of jobs, each a replicate of its own parameters, and hands each one to
/// `sink(job index, result)` in list order: the engine's one job loop, under every
/// command.
///
/// Jobs run whole on one thread each when there are enough of them and every population is
/// small (the rule of [`choose_strategy`]), so that many small design points keep every
/// thread busy; otherwise one after another, each month split among the threads. A job's
/// result is the same either way. Workers take jobs in list order from a shared counter.
/// `progress(job index, months_done)` is called after every simulated month, from worker
/// threads.
///
/// If `sink` fails, the workers stop at the next month and its error is returned. If
/// `cancel` is raised, the workers stop at the next month, every job finished by then that
/// was not yet delivered is handed to `sink` (still in ascending order, possibly with gaps)
/// and [`EngineError::Cancelled`] is returned: nothing finished is lost.
pub fn run_jobs_until<E, F>(
    jobs: &[Job<'_>],
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(usize, u64) + Sync),
    mut sink: F,
) -> Result<Strategy, EngineError<E>>
where
    E: std::error::Error + Send + 'static,
    F: FnMut(usize, ReplicateResult) -> Result<(), E>,
{
    let threads = threads.max(1);
    let pool = thread_pool(threads)?;
    let max_youths = jobs.iter().map(|j| j.params.total_youths()).max().unwrap_or(0);
    let strategy = strategy_for(max_youths, jobs.len(), threads);
    let stop = Stop { cancel, sink_failed: AtomicBool::new(false) };
    let next_job = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, ReplicateResult)>();
    let simulate = |index: usize, parallel: bool, tx: &mpsc::Sender<(usize, ReplicateResult)>| {
        let job = &jobs[index];
        if let Some(result) =
            simulate_one(job.params, job.replicate, parallel, &stop, &|done| progress(index, done))
        {
            // The receiver only hangs up after a failure, so a failed send loses nothing.
            let _ = tx.send((index, result));
        }
    };
    std::thread::scope(|s| {
        s.spawn(|| {
            match strategy {
                Strategy::AcrossReplicates => {
                    pool.broadcast(|_| {
                        let tx = tx.clone();
                        loop {
                            let i = next_job.fetch_add(1, Ordering::Relaxed);
                            if i >= jobs.len() || stop.now() {
                                break;
                            }
                            simulate(i, false, &tx);
                        }
                    });
                }
                Strategy::WithinReplicate => pool.install(|| {
                    for i in 0..jobs.len() {
                        if stop.now() {
                            break;
                        }
                        simulate(i, true, &tx);
                    }
                }),
            }
            drop(tx);
        });
        deliver_in_order(rx, jobs.len(), &stop, &mut sink)
    })?;
    Ok(strategy)
}

/// Hands the results arriving on `rx` to `sink` in job order (the rest of the ordered
/// delivery of [`run_jobs_until`]).
fn deliver_in_order<E, F>(
    rx: mpsc::Receiver<(usize, ReplicateResult)>,
    jobs: usize,
    stop: &Stop<'_>,
    sink: &mut F,
) -> Result<(), EngineError<E>>
where
    E: std::error::Error + Send + 'static,
    F: FnMut(usize, ReplicateResult) -> Result<(), E>,
{
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
