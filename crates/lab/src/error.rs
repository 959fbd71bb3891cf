//! Error kinds shared by the library, and the mapping from errors to exit codes.
//!
//! Typed errors live beside the code that raises them (`scenario::ScenarioError`, ...).
//! Only `main` prints them. Exit code 2 means the user's input was bad; 130 (143) a run
//! cancelled by an interrupt (SIGTERM); 1 is anything else.

use std::process::ExitCode;

/// Bad input that is not a scenario file: a malformed flag value, a `--set` path that does
/// not exist, output directories that do not match, and so on.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

impl InputError {
    pub fn new(msg: impl Into<String>) -> Self {
        InputError(msg.into())
    }
}

/// Exit code 2 when any error in the chain is the user's fault; a cancelled run's own code
/// (130 for an interrupt, 143 for SIGTERM); else 1.
pub fn exit_code(err: &anyhow::Error) -> ExitCode {
    if let Some(c) = err.chain().find_map(|e| e.downcast_ref::<crate::cancel::Cancelled>()) {
        return ExitCode::from(c.exit_code);
    }
    let bad_input = err.chain().any(|e| {
        e.is::<InputError>()
            || e.is::<narcodoor_scenario::ScenarioError>()
            || e.is::<narcodoor_scenario::input_file::FileError>()
    });
    if bad_input { ExitCode::from(2) } else { ExitCode::from(1) }
}
