//! The `narcodoor` binary: parse the command line, call the library, print errors.

use std::process::ExitCode;

use clap::Parser;
use narcodoor::cancel::Cancel;
use narcodoor::cancel::Cancelled;

fn main() -> ExitCode {
    let cli = narcodoor::cli::Cli::parse();
    let cancel = Cancel::new();
    if let Err(e) = narcodoor::signals::stop_on_signals(&cancel) {
        eprintln!("warning: Ctrl-C will not stop the run cleanly: cannot install signal handlers: {e}");
    }
    let hint = narcodoor::signals::resume_hint(&cli.command);
    match narcodoor::cli::run_with(cli, &cancel) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            if let (Some(hint), true) = (hint, err.chain().any(|e| e.is::<Cancelled>())) {
                eprintln!("  {hint}");
            }
            narcodoor::error::exit_code(&err)
        }
    }
}
