//! Stopping a run: the flag every front end sets (a signal handler, a web request, a
//! test) and the runner polls every simulated month, and the error a stopped run ends
//! with. A leaf: the error mapping (`error`), the writers (`output::staging`) and the
//! commands all read it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

/// A cancellation flag: cheap to clone, shared by whoever may stop a run (a signal
/// handler, a web request, a test) and the runner, which polls it every simulated month.
#[derive(Clone, Debug, Default)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    /// The exit code a cancelled command should end with (130 unless a signal says other).
    code: Arc<AtomicU8>,
}

impl Cancel {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop (exit code 130, as for an interrupt).
    pub fn cancel(&self) {
        self.cancel_with_code(130);
    }

    /// Asks the run to stop, ending the command with `code` (128 + the signal's number for
    /// a signal: 130 for SIGINT, 143 for SIGTERM). Only atomic stores: safe in a signal
    /// handler.
    pub fn cancel_with_code(&self, code: u8) {
        self.code.store(code, Ordering::SeqCst);
        self.flag.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    /// The flag itself, for APIs that set an `Arc<AtomicBool>` (`signal_hook::flag`).
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.flag)
    }

    pub(crate) fn error(&self) -> Cancelled {
        let code = self.code.load(Ordering::SeqCst);
        Cancelled { exit_code: if code == 0 { 130 } else { code } }
    }
}

/// The error of a cancelled run: distinct from failures, so that callers can tell them
/// apart (`err.is::<Cancelled>()`); the binary exits with `exit_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancelled: the jobs finished before the stop were kept and the manifest is marked incomplete")]
pub struct Cancelled {
    pub exit_code: u8,
}
