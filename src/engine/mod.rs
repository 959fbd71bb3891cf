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

use rayon::prelude::*;

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
    if threads > 1 && replicates >= threads && params.total_youths() <= ACROSS_REPLICATES_MAX_YOUTHS {
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

/// The engine could not start (the thread pool) or the consumer of results failed.
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
}

fn thread_pool<E: std::error::Error + 'static>(threads: usize) -> Result<rayon::ThreadPool, EngineError<E>> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| EngineError::Pool { threads, source })
}

/// One whole replicate, month by month, calling `progress(months_done)` after each month
/// (burn-in included); `None` if `abort` was raised before it finished.
fn simulate_one(
    params: &Params,
    replicate: u32,
    parallel: bool,
    abort: &AtomicBool,
    progress: &dyn Fn(u64),
) -> Option<ReplicateResult> {
    let mut rep = Replicate::new(params, replicate, parallel);
    let total = rep.total_steps();
    let mut months = Vec::with_capacity(params.run.months as usize);
    for done in 1..=total {
        if abort.load(Ordering::Relaxed) {
            return None;
        }
        if let Some(report) = rep.step() {
            months.push(report);
        }
        progress(done);
    }
    Some(ReplicateResult { replicate, months })
}

/// Simulates `replicates` of `params` on `threads` threads and hands each finished
/// replicate to `sink` in the order of `replicates`, whatever order they finish in.
/// `progress(replicate, months_done)` is called after every simulated month (burn-in
/// included), from worker threads. If `sink` fails, the workers stop at the next month and
/// the error is returned; replicates already handed over are kept by the sink.
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
    let threads = threads.max(1);
    let pool = thread_pool(threads)?;
    let strategy = choose_strategy(params, replicates.len(), threads);
    let abort = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(usize, ReplicateResult)>();
    let simulate =
        |index: usize, replicate: u32, parallel: bool, tx: &mpsc::Sender<(usize, ReplicateResult)>| {
            if let Some(result) =
                simulate_one(params, replicate, parallel, &abort, &|done| progress(replicate, done))
            {
                // The receiver only hangs up after an abort, so a failed send loses nothing.
                let _ = tx.send((index, result));
            }
        };
    std::thread::scope(|s| {
        s.spawn(|| {
            pool.install(|| match strategy {
                Strategy::AcrossReplicates => replicates
                    .par_iter()
                    .enumerate()
                    .for_each_with(tx.clone(), |tx, (i, &r)| simulate(i, r, false, tx)),
                Strategy::WithinReplicate => {
                    for (i, &r) in replicates.iter().enumerate() {
                        simulate(i, r, true, &tx);
                    }
                }
            });
            drop(tx);
        });
        let mut pending = BTreeMap::new();
        let mut next = 0;
        for (i, result) in rx {
            pending.insert(i, result);
            while let Some(result) = pending.remove(&next) {
                if let Err(e) = sink(result) {
                    abort.store(true, Ordering::Relaxed);
                    return Err(EngineError::Sink(e));
                }
                next += 1;
            }
        }
        Ok(strategy)
    })
}

/// One replicate of one parameter set, for [`run_jobs`].
#[derive(Clone, Copy, Debug)]
pub struct Job<'p> {
    pub params: &'p Params,
    pub replicate: u32,
}

/// Simulates a list of jobs, each a replicate of its own parameters, and hands each one to
/// `sink(job index, result)` as soon as it is finished.
///
/// This is [`run_replicates`] for experiments whose parameters change from job to job
/// (sweeps, sensitivity designs), so that many small design points keep every thread busy
/// instead of waiting for the slowest replicate of each point. Jobs run whole on one thread
/// each when there are enough of them and every population is small (the rule of
/// [`choose_strategy`]); otherwise one after another, each month split among the threads.
/// A job's result is the same either way.
///
/// Workers take jobs in list order from a shared counter, so jobs start in order; they are
/// delivered in the order they finish, not in list order, so that an experiment stopped
/// midway has received every finished job (callers that need list order sort by index).
/// `progress(job index, months_done)` is called after every simulated month, from worker
/// threads. If `sink` fails, the workers stop at the next month and the error is returned.
pub fn run_jobs<E, F>(
    jobs: &[Job<'_>],
    threads: usize,
    progress: &(dyn Fn(usize, u64) + Sync),
    mut sink: F,
) -> Result<Strategy, EngineError<E>>
where
    E: std::error::Error + Send + 'static,
    F: FnMut(usize, ReplicateResult) -> Result<(), E>,
{
    let threads = threads.max(1);
    let pool = thread_pool(threads)?;
    let small = jobs.iter().all(|j| j.params.total_youths() <= ACROSS_REPLICATES_MAX_YOUTHS);
    let strategy = if threads > 1 && jobs.len() >= threads && small {
        Strategy::AcrossReplicates
    } else {
        Strategy::WithinReplicate
    };
    let abort = AtomicBool::new(false);
    let next_job = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, ReplicateResult)>();
    let simulate = |index: usize, parallel: bool, tx: &mpsc::Sender<(usize, ReplicateResult)>| {
        let job = &jobs[index];
        if let Some(result) =
            simulate_one(job.params, job.replicate, parallel, &abort, &|done| progress(index, done))
        {
            // The receiver only hangs up after an abort, so a failed send loses nothing.
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
                            if i >= jobs.len() || abort.load(Ordering::Relaxed) {
                                break;
                            }
                            simulate(i, false, &tx);
                        }
                    });
                }
                Strategy::WithinReplicate => pool.install(|| {
                    for i in 0..jobs.len() {
                        simulate(i, true, &tx);
                    }
                }),
            }
            drop(tx);
        });
        for (i, result) in rx {
            if let Err(e) = sink(i, result) {
                abort.store(true, Ordering::Relaxed);
                return Err(EngineError::Sink(e));
            }
        }
        Ok(strategy)
    })
}
