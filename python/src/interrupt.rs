//! Running the model off the Python thread, with Ctrl-C.
//!
//! The model runs on a worker thread while the calling thread releases the GIL and wakes
//! every [`POLL`] to let Python handle its signals (`PyErr_CheckSignals` only runs handlers
//! on the main thread, which is why the caller, not the workers, checks). On
//! `KeyboardInterrupt` (or any exception a signal handler raises) it raises the experiment
//! runner's cancellation flag; the runner stops within a simulated month and returns its
//! `Cancelled` error. The exception then propagates to Python with nothing half-written:
//! runs write into a temporary directory that is deleted.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pyo3::prelude::*;

/// How often the calling thread checks for signals while the model runs.
const POLL: Duration = Duration::from_millis(50);

/// Cancellations being unwound right now: their panics (and the "a scoped thread
/// panicked" that the engine's thread scope adds) are not reported.
static UNWINDING: AtomicUsize = AtomicUsize::new(0);

fn quiet_cancellation_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if UNWINDING.load(Ordering::SeqCst) > 0 {
                return;
            }
            previous(info)
        }));
    });
}

/// The runner's cancellation flag, raised when Python asks the run to stop.
pub struct Cancel(narcodoor::experiment::runner::Cancel);

impl Cancel {
    /// The runner's settings for a run that this flag can stop (quiet: no progress bar).
    pub fn settings(&self, threads: usize, command: Vec<String>) -> narcodoor::experiment::runner::Settings {
        narcodoor::experiment::runner::Settings { threads, quiet: true, cancel: self.0.clone(), command }
    }
}

/// Runs `work` on a worker thread with the GIL released, checking Python's signals every
/// [`POLL`]; a signal handler's exception (Ctrl-C's `KeyboardInterrupt`) cancels the work
/// and is returned.
pub fn run<T, F>(py: Python<'_>, work: F) -> PyResult<anyhow::Result<T>>
where
    T: Send,
    F: FnOnce(&Cancel) -> anyhow::Result<T> + Send,
{
    quiet_cancellation_panics();
    let cancel = Cancel(narcodoor::experiment::runner::Cancel::new());
    py.detach(|| {
        std::thread::scope(|s| {
            let worker = s.spawn(|| catch_unwind(AssertUnwindSafe(|| work(&cancel))));
            while !worker.is_finished() {
                std::thread::sleep(POLL);
                if let Err(e) = Python::attach(|py| py.check_signals()) {
                    UNWINDING.fetch_add(1, Ordering::SeqCst);
                    cancel.0.cancel();
                    let _ = worker.join();
                    UNWINDING.fetch_sub(1, Ordering::SeqCst);
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
