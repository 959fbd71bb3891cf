//! Running the model off the Python thread, with Ctrl-C.
//!
//! The model runs on a worker thread while the calling thread releases the GIL and wakes
//! every [`POLL`] to let Python handle its signals (`PyErr_CheckSignals` only runs handlers
//! on the main thread, which is why the caller, not the workers, checks). On
//! `KeyboardInterrupt` (or any exception a signal handler raises) it sets the cancellation
//! flag and returns the exception at once. The engine's progress callback, called after
//! every simulated month, sees the flag and unwinds with a [`Cancelled`] payload, which is
//! never printed; the worker then ends on its own (replicates not yet started still build
//! their world before their first month, which for large populations takes a few seconds
//! of background work, so the caller does not wait for it). Nothing half-written is left
//! to look finished: runs write into a temporary directory that the worker deletes.
//!
//! Interim: the engine has no cancellation flag of its own yet; once the experiment
//! runner's flag is on main, the progress callback should set that flag instead of
//! unwinding, and the worker would stop before building further worlds.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Once};
use std::time::Duration;

use pyo3::prelude::*;

/// How often the calling thread checks for signals while the model runs.
const POLL: Duration = Duration::from_millis(50);

/// The name of the worker threads, so that the panic hook knows them.
const WORKER: &str = "narcodoor-python-run";

/// The panic payload that stops a cancelled run.
struct Cancelled;

/// Keeps cancellations quiet: the [`Cancelled`] panics themselves, and the "a scoped thread
/// panicked" that the engine's thread scope raises on a worker in turn. Other panics are
/// reported by the previous hook as usual.
fn quiet_cancellation_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let scoped =
                info.payload().downcast_ref::<&str>().is_some_and(|m| m.contains("scoped thread panicked"))
                    && std::thread::current().name() == Some(WORKER);
            if info.payload().is::<Cancelled>() || scoped {
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
/// and is returned at once.
pub fn run<T, F>(py: Python<'_>, work: F) -> PyResult<anyhow::Result<T>>
where
    T: Send + 'static,
    F: FnOnce(&Cancel) -> anyhow::Result<T> + Send + 'static,
{
    quiet_cancellation_panics();
    let cancel = Arc::new(Cancel(AtomicBool::new(false)));
    let (tx, rx) = mpsc::channel();
    let flag = Arc::clone(&cancel);
    std::thread::Builder::new()
        .name(WORKER.into())
        .spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| work(&flag)));
            // The caller may have gone (interrupted): nobody to tell then.
            let _ = tx.send(result);
        })
        .map_err(|e| {
            pyo3::exceptions::PyRuntimeError::new_err(format!("cannot start a worker thread: {e}"))
        })?;
    py.detach(move || {
        loop {
            match rx.recv_timeout(POLL) {
                Ok(Ok(result)) => return Ok(result),
                // A real panic (a bug): re-raise it where Python called.
                Ok(Err(payload)) => std::panic::resume_unwind(payload),
                Err(RecvTimeoutError::Disconnected) => {
                    return Ok(Err(anyhow::anyhow!("the worker thread ended without a result")));
                }
                Err(RecvTimeoutError::Timeout) => {
                    if let Err(e) = Python::attach(|py| py.check_signals()) {
                        cancel.0.store(true, Ordering::Relaxed);
                        return Err(e);
                    }
                }
            }
        }
    })
}
