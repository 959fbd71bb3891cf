//! Running the model off the Python thread, with Ctrl-C.
//!
//! The model runs on a worker thread while the calling thread releases the GIL and wakes
//! every [`POLL`] to let Python handle its signals (`PyErr_CheckSignals` only runs handlers
//! on the main thread, which is why the caller, not the workers, checks). On
//! `KeyboardInterrupt` (or any exception a signal handler raises) it sets the cancellation
//! flag; the engine's progress callback, called after every simulated month, sees it and
//! unwinds with a [`Cancelled`] payload, which is caught here and never printed. The
//! exception then propagates to Python with nothing half-written: runs write into a
//! temporary directory that is deleted.
//!
//! Interim: the engine has no cancellation flag of its own yet; once the experiment
//! runner's flag is on main, the progress callback should set that flag instead of
//! unwinding.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use pyo3::prelude::*;

/// How often the calling thread checks for signals while the model runs.
const POLL: Duration = Duration::from_millis(50);

/// The panic payload that stops a cancelled run.
struct Cancelled;

/// Cancellations being unwound right now: their panics (and the "a scoped thread
/// panicked" that the engine's thread scope adds) are not reported.
static UNWINDING: AtomicUsize = AtomicUsize::new(0);

fn quiet_cancellation_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().is::<Cancelled>() || UNWINDING.load(Ordering::SeqCst) > 0 {
                return;
            }
            previous(info)
        }));
    });
}

/// A flag the progress callback checks after every simulated month.
pub struct Cancel(AtomicBool);

impl Cancel {
    /// Stops the run (by unwinding out of the engine) if Python asked it to.
    pub fn check(&self) {
        if self.0.load(Ordering::Relaxed) {
            std::panic::panic_any(Cancelled);
        }
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
    let cancel = Cancel(AtomicBool::new(false));
    py.detach(|| {
        std::thread::scope(|s| {
            let worker = s.spawn(|| catch_unwind(AssertUnwindSafe(|| work(&cancel))));
            while !worker.is_finished() {
                std::thread::sleep(POLL);
                if let Err(e) = Python::attach(|py| py.check_signals()) {
                    UNWINDING.fetch_add(1, Ordering::SeqCst);
                    cancel.0.store(true, Ordering::Relaxed);
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
