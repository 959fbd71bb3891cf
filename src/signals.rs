//! Ctrl-C and SIGTERM: stop the running command through the runner's cancellation flag.
//!
//! The first SIGINT (SIGTERM) raises the flag with exit code 130 (143); the runner stops
//! within about a second (it polls the flag every simulated month), keeps what was
//! finished, marks the manifest incomplete, and `main` exits with that code. A second
//! signal while stopping ends the process at once with the same code.

use crate::cancel::Cancel;
use crate::cli::Command;

/// Installs the handlers for SIGINT and SIGTERM on `cancel`.
pub fn stop_on_signals(cancel: &Cancel) -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    for (signal, code) in [(SIGINT, 130u8), (SIGTERM, 143u8)] {
        let cancel = cancel.clone();
        // SAFETY: the handler does only what is async-signal-safe: atomic loads and stores
        // (`Cancel` is two `Arc`ed atomics, cloned above, outside the handler) and `_exit`.
        unsafe {
            signal_hook::low_level::register(signal, move || {
                if cancel.is_cancelled() {
                    signal_hook::low_level::exit(i32::from(code));
                }
                cancel.cancel_with_code(code);
            })?;
        }
    }
    Ok(())
}

/// What a user can do after stopping `command`: where the finished work is and how to go
/// on from it. (A sweep's own message says it, with the count of runs saved; a `--force`
/// run names its staging directory.)
pub fn resume_hint(command: &Command) -> Option<&'static str> {
    Some(match command {
        Command::Optimize(_) | Command::Calibrate(_) => {
            "every finished generation is saved in generations/: run the same command again to resume after the \
             last one"
        }
        Command::Run(_) => {
            "the finished replicates are saved with \"complete\": false in manifest.json; a run does not resume: \
             run the command again with --force to redo it"
        }
        Command::Compare(_) | Command::Sensitivity(_) => {
            "the finished runs are saved with \"complete\": false in manifest.json; there is no resuming: run the \
             command again with --force to redo it"
        }
        _ => return None,
    })
}
