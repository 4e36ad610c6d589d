//! The `cognito-conformance` command: argument parsing and output; behaviour lives in the library.

mod cli;
mod commands;

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = match cli::parse_from_env() {
        Ok(cli) => commands::run(cli),
        Err(outcome) => outcome.exit_code(),
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
