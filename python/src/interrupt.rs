//! Running the model off the Python thread, with Ctrl-C.
//!
//! The model runs on a worker thread while the calling thread releases the GIL and wakes
//! every [`POLL`] to let Python handle its signals (`PyErr_CheckSignals` only runs handlers
//! on the main thread, which is why the caller, not the workers, checks). On
//! `KeyboardInterrupt` (or any exception a signal handler raises) it raises the experiment
//! runner's cancellation flag; the runner stops within a simulated month and returns its
//! `Cancelled` error, and the exception propagates to Python. Nothing half-written is left
//! to look finished: runs write into a temporary directory that is deleted.
//!
//! The same polling reports progress: given a Python callable, the calling thread hands it
//! the runner's count of simulated months, `(done, total)`, at every wake-up where the
//! count moved (the Python half draws a progress bar with it).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use narcodoor::command::runner;
use pyo3::prelude::*;

/// How often the calling thread checks for signals while the model runs.
const POLL: Duration = Duration::from_millis(50);

/// The runner's cancellation flag, raised when Python asks the run to stop, and its
/// count of simulated months, read for the progress callback.
pub struct Cancel(narcodoor::cancel::Cancel, runner::Progress);

impl Cancel {
    /// The runner's settings for a run that this flag can stop (quiet: the runner draws no
    /// progress bar; the Python half draws its own from the count).
    pub fn settings(&self, threads: usize, command: Vec<String>) -> runner::Settings {
        runner::Settings {
            cancel: self.0.clone(),
            command,
            progress: self.1.clone(),
            ..runner::Settings::quiet(threads)
        }
    }
}

/// Hands `(done, total)` to the callback when the count has moved since `last`.
fn report(
    py: Python<'_>,
    callback: Option<&Py<PyAny>>,
    count: &runner::Progress,
    last: &mut (u64, u64),
) -> PyResult<()> {
    let Some(callback) = callback else { return Ok(()) };
    let now = count.get();
    if now != *last {
        *last = now;
        callback.call1(py, now)?;
    }
    Ok(())
}

/// Runs `work` on a worker thread with the GIL released, checking Python's signals every
/// [`POLL`] and reporting progress to `progress` if given; a signal handler's exception
/// (Ctrl-C's `KeyboardInterrupt`), or one the callback raises, cancels the work, which
/// stops within a simulated month, and is returned.
pub fn run<T, F>(py: Python<'_>, progress: Option<Py<PyAny>>, work: F) -> PyResult<anyhow::Result<T>>
where
    T: Send,
    F: FnOnce(&Cancel) -> anyhow::Result<T> + Send,
{
    let cancel = Cancel(narcodoor::cancel::Cancel::new(), runner::Progress::new());
    let mut last = (0, 0);
    py.detach(|| {
        std::thread::scope(|s| {
            let worker = s.spawn(|| catch_unwind(AssertUnwindSafe(|| work(&cancel))));
            while !worker.is_finished() {
                std::thread::sleep(POLL);
                let polled = Python::attach(|py| {
                    py.check_signals()?;
                    report(py, progress.as_ref(), &cancel.1, &mut last)
                });
                if let Err(e) = polled {
                    cancel.0.cancel();
                    // The runner returns its Cancelled error within a month; only the
                    // Python exception matters now.
                    let _ = worker.join();
                    return Err(e);
                }
            }
            // The last months counted, so that a finished bar shows the whole count.
            Python::attach(|py| report(py, progress.as_ref(), &cancel.1, &mut last))?;
            match worker.join() {
                Ok(Ok(result)) => Ok(result),
                // A real panic (a bug): re-raise it where Python called.
                Ok(Err(payload)) | Err(payload) => std::panic::resume_unwind(payload),
            }
        })
    })
}
