//! The `narcodoor` binary: parse the command line, call the library, print errors.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = narcodoor::cli::Cli::parse();
    match narcodoor::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            narcodoor::error::exit_code(&err)
        }
    }
}
