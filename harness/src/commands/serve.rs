//! `serve`: the embedded reference target as a process.

use cognito_conformance::Error;
use cognito_conformance::exit_codes;
use cognito_conformance::reference::{Fault, FaultSet, ReferenceConfig, serve_until};

use crate::cli::ServeArgs;

pub fn serve(args: ServeArgs) -> Result<i32, Error> {
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
    let fault_names: Vec<&str> = config.faults.iter().map(Fault::name).collect();
    super::runtime()?.block_on(serve_until(
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
