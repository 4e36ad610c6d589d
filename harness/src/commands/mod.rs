//! One module per subcommand; each returns its exit code or an error that maps to one.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod check;
mod cleanup;
mod diff;
mod emulator;
mod fuzz;
mod matrix;
mod run;
mod scenarios;
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
        Command::Scenarios(command) => scenarios::scenarios(command),
        Command::Emulator(command) => emulator::emulator(command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            error.exit_code()
        }
    }
}

/// Which signal asked a command to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// SIGINT: Ctrl-C.
    Interrupt,
    /// SIGTERM: what CI cancellation and container stops send.
    Terminate,
}

impl Stop {
    /// What a run stopped this way exits with.
    fn exit_code(self) -> i32 {
        match self {
            Stop::Interrupt => cognito_conformance::exit_codes::INTERRUPTED,
            Stop::Terminate => cognito_conformance::exit_codes::TERMINATED,
        }
    }
}

/// Completes when SIGINT (Ctrl-C) or SIGTERM arrives, saying which.
async fn stop_signal() -> Stop {
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => Stop::Interrupt,
        () = terminate => Stop::Terminate,
    }
}

/// A tokio runtime for a command.
fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}
