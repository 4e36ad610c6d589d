//! One module per subcommand; each returns its exit code or an error that maps to one.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod check;
mod cleanup;
mod diff;
mod fuzz;
mod matrix;
mod run;
mod select;
mod serve;
mod target;

use cognito_conformance::Error;

use crate::cli::{Cli, Command};

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Serve(args) => serve::serve(args),
        Command::Run(args) => run::run(args),
        Command::List(args) => check::list(args),
        Command::Check(args) => check::check(args),
        Command::Diff(args) => diff::diff(args),
        Command::Matrix(args) => matrix::matrix(args),
        Command::Cleanup(args) => cleanup::cleanup(args),
        Command::Fuzz(args) => fuzz::fuzz(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            error.exit_code()
        }
    }
}

/// A tokio runtime for a command.
fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}
