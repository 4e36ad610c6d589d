//! `serve`: the embedded reference target as a process, or (`--aws-rehearsal`) the AWS rehearsal.

use std::sync::Arc;
use std::time::Duration;

use crate::reference::seed::{self, Addressing, PoolsFileError, Seed};
use crate::reference::{Fault, FaultSet, ReferenceConfig, Timeouts, serve_until};
use crate::rehearsal::{PROFILE, Rehearsal, RehearsalConfig};
use crate::{Error, Outcome};

use crate::cli::args::ServeArgs;

pub fn serve(args: ServeArgs) -> Result<Outcome, Error> {
    if args.list_faults {
        for fault in Fault::ALL {
            outln!("{:<32} {}", fault.name(), fault.description())?;
        }
        return Ok(Outcome::Done);
    }
    if !args.host.is_loopback() && !args.allow_non_loopback {
        return Err(Error::Usage(format!(
            "refusing to listen on non-loopback address {} (pass --allow-non-loopback to insist)",
            args.host
        )));
    }
    let faults: FaultSet = args.faults.iter().map(|name| name.parse::<Fault>()).collect::<Result<_, _>>()?;
    let seed = args.pools.as_deref().map(|path| load_pools(path, &args.region)).transpose()?;
    if args.aws_rehearsal {
        return rehearse(args, faults, seed);
    }
    let timeouts = Timeouts { header: args.header_timeout, idle: args.idle_timeout, body: args.body_timeout };
    let config = ReferenceConfig {
        host: args.host,
        port: args.port,
        faults,
        region: args.region,
        timeouts,
        seed: seed.clone(),
        ..ReferenceConfig::default()
    };
    let fault_names: Vec<&str> = config.faults.iter().map(Fault::name).collect();
    let config_region = config.region.clone();
    super::runtime()?.block_on(serve_until(
        config,
        |addr| {
            // A reader that went away does not stop the server.
            let _ = outln!("reference target listening on http://{addr}");
            if !fault_names.is_empty() {
                let _ = outln!("faults: {}", fault_names.join(", "));
            }
            if let Some(seed) = &seed {
                for line in seed.summary(&config_region, Addressing::Local(addr)) {
                    let _ = outln!("{line}");
                }
            }
        },
        shutdown_signal(),
    ))?;
    outln!("reference target stopped")?;
    Ok(Outcome::Done)
}

/// The pools file, checked against the served region; its problems printed, located, on stderr
/// (with its secrets masked).
fn load_pools(path: &std::path::Path, region: &str) -> Result<Arc<Seed>, Error> {
    let seed = seed::load(path, region).inspect_err(|error| {
        if let PoolsFileError::Invalid(problems) = error {
            problems.iter().for_each(|problem| super::select::print_report(problem));
        }
    })?;
    Ok(Arc::new(seed))
}

/// The rehearsal's configuration from the options; knobs not given keep their defaults.
fn rehearsal_config(args: &ServeArgs, faults: FaultSet, seed: Option<Arc<Seed>>) -> Result<RehearsalConfig, Error> {
    let defaults = RehearsalConfig::default();
    let domain_delay = match args.domain_delay {
        Some(seconds) => Duration::try_from_secs_f64(seconds)
            .map_err(|_| Error::Usage(format!("--domain-delay must be a number of seconds ≥ 0, not {seconds}")))?,
        None => defaults.domain_delay,
    };
    Ok(RehearsalConfig {
        host: args.host,
        port: args.port,
        region: args.region.clone(),
        faults,
        latency: args.latency.map_or(defaults.latency, Duration::from_millis),
        domain_delay,
        revocation_lag: args.revocation_lag.map_or(defaults.revocation_lag, Duration::from_millis),
        rate_limit: args.rate_limit.map_or(defaults.rate_limit, |n| (n > 0).then_some(n)),
        max_pools: args.max_pools.unwrap_or(defaults.max_pools),
        seed,
        ..defaults
    })
}

/// Serves the AWS rehearsal until Ctrl-C or SIGTERM, after writing its CA and credentials and
/// printing how to run the suite against it. The secret key is written to the credentials file
/// only, never printed.
fn rehearse(args: ServeArgs, faults: FaultSet, seed: Option<Arc<Seed>>) -> Result<Outcome, Error> {
    let config = rehearsal_config(&args, faults, seed)?;
    let dir = args
        .state_dir
        .unwrap_or_else(|| std::env::temp_dir().join(format!("cognito-conformance-rehearsal-{}", std::process::id())));
    let failed = |error: crate::rehearsal::RehearsalError| Error::Io(std::io::Error::other(error));
    super::runtime()?.block_on(async {
        let rehearsal = Rehearsal::start(config.clone()).await.map_err(failed)?;
        let files = rehearsal.write_state(&dir).map_err(failed)?;
        let region = rehearsal.region();
        outln!("AWS rehearsal listening on {}", rehearsal.addr())?;
        outln!(
            "answering https://cognito-idp.{region}.amazonaws.com and https://<prefix>.auth.{region}.amazoncognito.com"
        )?;
        outln!("CA certificate: {}", files.ca.display())?;
        outln!(
            "credentials: {} (profile {PROFILE}, access key {})",
            files.credentials.display(),
            rehearsal.credentials().access_key_id
        )?;
        outln!("{}", describe(&config))?;
        if let Some(seed) = &config.seed {
            for line in seed.summary(region, Addressing::Aws) {
                outln!("{line}")?;
            }
        }
        outln!("run the suite against it with:")?;
        outln!("  {}", rehearsal.run_command(&files))?;
        shutdown_signal().await;
        let (calls, throttled) = (rehearsal.calls(), rehearsal.throttled());
        rehearsal.shutdown().await;
        outln!("calls by operation ({throttled} throttled):")?;
        for (operation, count) in calls {
            outln!("  {operation:<32} {count}")?;
        }
        Ok::<_, Error>(())
    })?;
    outln!("AWS rehearsal stopped")?;
    Ok(Outcome::Done)
}

/// The knobs, on one line.
fn describe(config: &RehearsalConfig) -> String {
    let rate = config.rate_limit.map_or("none".to_owned(), |n| format!("{n}/s"));
    format!(
        "latency {:?}, domain delay {:?}, revocation lag {:?}, rate limit {rate}, max pools {}",
        config.latency, config.domain_delay, config.revocation_lag, config.max_pools
    )
}

/// Resolves on Ctrl-C or SIGTERM: `serve` ends normally on either.
async fn shutdown_signal() {
    super::stop_signal().await;
}
