//! The command line: options (`args`), and one module per subcommand; each returns its
//! [`Outcome`], which alone decides the exit code. It lives in the library, behind the `cli`
//! feature, so the binary is one call and the rest of the crate can stay `pub(crate)`.

#[macro_use]
mod output;

mod args;
mod audit;
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

use std::process::ExitCode;

use crate::outcome::Stop;
use crate::{Error, Outcome};

use args::{Cli, Command};

/// The `cognito-conformance` command: parses the process's arguments, runs the command, and
/// returns its documented exit code.
pub fn main() -> ExitCode {
    let code = match args::parse_from_env() {
        Ok(cli) => run(cli),
        Err(outcome) => outcome.exit_code(),
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Runs a parsed command line and returns the process exit code.
fn run(cli: Cli) -> i32 {
    let outcome = Outcome::from(match cli.command {
        Command::Serve(args) => serve::serve(args),
        Command::Run(args) => run::run(args),
        Command::List(args) => check::list(args),
        Command::Check(args) => check::check(args),
        Command::Diff(args) => diff::diff(args),
        Command::Matrix(args) => matrix::matrix(args),
        Command::Cleanup(args) => cleanup::cleanup(args),
        Command::Fuzz(args) => fuzz::fuzz(args),
        Command::AuditApi(args) => audit::audit_api(args),
        Command::Scenarios(command) => scenarios::scenarios(command),
        Command::Emulator(command) => emulator::emulator(command),
    });
    if let Outcome::Failed(error) = &outcome {
        errln!("error: {error}");
    }
    outcome.exit_code()
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
