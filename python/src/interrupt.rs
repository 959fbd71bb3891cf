//! Running the model off the Python thread, with Ctrl-C.
//!
//! The model runs on a worker thread while the calling thread releases the GIL and wakes
//! every [`POLL`] to let Python handle its signals (`PyErr_CheckSignals` only runs handlers
//! on the main thread, which is why the caller, not the workers, checks). On
//! `KeyboardInterrupt` (or any exception a signal handler raises) it raises the experiment
//! runner's cancellation flag; the runner stops within a simulated month and returns its
//! `Cancelled` error, and the exception propagates to Python. Nothing half-written is left
//! to look finished: runs write into a temporary directory that is deleted.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use narcodoor::experiment::runner;
use pyo3::prelude::*;

/// How often the calling thread checks for signals while the model runs.
const POLL: Duration = Duration::from_millis(50);

/// The runner's cancellation flag, raised when Python asks the run to stop.
pub struct Cancel(runner::Cancel);

impl Cancel {
    /// The runner's settings for a run that this flag can stop (quiet: no progress bar).
    pub fn settings(&self, threads: usize, command: Vec<String>) -> runner::Settings {
        runner::Settings { threads, quiet: true, cancel: self.0.clone(), command, force: false }
    }
}

/// Runs `work` on a worker thread with the GIL released, checking Python's signals every
/// [`POLL`]; a signal handler's exception (Ctrl-C's `KeyboardInterrupt`) cancels the work,
/// which stops within a simulated month, and is returned.
pub fn run<T, F>(py: Python<'_>, work: F) -> PyResult<anyhow::Result<T>>
where
    T: Send,
    F: FnOnce(&Cancel) -> anyhow::Result<T> + Send,
{
    let cancel = Cancel(runner::Cancel::new());
    py.detach(|| {
        std::thread::scope(|s| {
            let worker = s.spawn(|| catch_unwind(AssertUnwindSafe(|| work(&cancel))));
            while !worker.is_finished() {
                std::thread::sleep(POLL);
                if let Err(e) = Python::attach(|py| py.check_signals()) {
                    cancel.0.cancel();
                    // The runner returns its Cancelled error within a month; only the
                    // Python exception matters now.
                    let _ = worker.join();
                    return Err(e);
                }
            }
            match worker.join() {
                Ok(Ok(result)) => Ok(result),
                // A real panic (a bug): re-raise it where Python called.
                Ok(Err(payload)) | Err(payload) => std::panic::resume_unwind(payload),
            }
        })
    })
}
