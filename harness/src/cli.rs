//! Command-line options (clap derive) and their mapping onto library calls.
//!
//! This is the edge: it prints, it owns the runtime, and it turns every error into a documented
//! exit code (`exit_codes`), including clap's own usage errors (clap would exit 2, which we keep
//! for invalid scenario files).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::IpAddr;

use clap::{Args, Parser, Subcommand};
use cognito_conformance::Error;
use cognito_conformance::exit_codes;
use cognito_conformance::reference::{Fault, FaultSet, ReferenceConfig, serve_until};

/// Conformance harness and fuzzer for Amazon Cognito refresh-token revocation.
#[derive(Debug, Parser)]
#[command(name = "cognito-conformance", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the embedded reference target until Ctrl-C.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on (0 picks a free port).
    #[arg(long, default_value_t = 9329)]
    port: u16,
    /// Switch on a bug class (repeatable); see --list-faults.
    #[arg(long = "fault", value_name = "NAME")]
    faults: Vec<String>,
    /// Describe every fault and exit.
    #[arg(long)]
    list_faults: bool,
    /// Region used in pool ids and token issuers.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Allow listening on an address other than loopback.
    #[arg(long)]
    allow_non_loopback: bool,
}

/// Parses `args`; on a usage error prints clap's message and returns the exit code.
pub fn parse_from_env() -> Result<Cli, i32> {
    Cli::try_parse().map_err(|error| {
        let code = if error.use_stderr() { exit_codes::USAGE } else { exit_codes::OK };
        let _ = error.print();
        code
    })
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Serve(args) => serve(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            error.exit_code()
        }
    }
}

fn serve(args: ServeArgs) -> Result<i32, Error> {
    if args.list_faults {
        for fault in Fault::ALL {
            println!("{:<32} {}", fault.name(), fault.description());
        }
        return Ok(exit_codes::OK);
    }
    if !args.host.is_loopback() && !args.allow_non_loopback {
        return Err(Error::Usage(format!(
            "refusing to listen on non-loopback address {} (pass --allow-non-loopback to insist)",
            args.host
        )));
    }
    let faults: FaultSet = args.faults.iter().map(|name| name.parse::<Fault>()).collect::<Result<_, _>>()?;
    let config =
        ReferenceConfig { host: args.host, port: args.port, faults, region: args.region, ..ReferenceConfig::default() };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let fault_names: Vec<&str> = config.faults.iter().map(Fault::name).collect();
    runtime.block_on(serve_until(
        config,
        |addr| {
            println!("reference target listening on http://{addr}");
            if !fault_names.is_empty() {
                println!("faults: {}", fault_names.join(", "));
            }
        },
        shutdown_signal(),
    ))?;
    println!("reference target stopped");
    Ok(exit_codes::OK)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
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
        () = interrupt => {}
        () = terminate => {}
    }
}
