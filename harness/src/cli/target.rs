//! `--target` and its companions, shared by `run`, `diff --live` and `cleanup`.

use std::time::Duration;

use crate::Error;
use crate::reference::FaultSet;
use crate::runner::plan::ReusedPool;
use crate::target::{ConnectOptions, ProfileConfig, TargetSpec, is_loopback_url};
use crate::wire::{CaBundle, Network, WireOptions};

use crate::cli::args::TargetArgs;

/// A positive number of seconds, or a usage error naming `flag`.
pub fn seconds(value: f64, flag: &str) -> Result<Duration, Error> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| Error::Usage(format!("{flag} must be a positive number of seconds")))
}

/// Resolves the target flags into what to connect to and how.
pub fn resolve(args: &TargetArgs, faults: FaultSet) -> Result<(TargetSpec, ConnectOptions), Error> {
    let profiles = match &args.config {
        Some(path) => ProfileConfig::load(path).inspect_err(super::select::print_config_diagnostics)?,
        None => ProfileConfig::builtin(),
    };
    let mut spec = TargetSpec::parse(&args.target, faults, &profiles.profiles)?;
    match &mut spec {
        TargetSpec::Aws { region, endpoint } => {
            region.clone_from(&args.region);
            if let Some(url) = &args.endpoint_url {
                if !is_loopback_url(url)? && !args.allow_remote {
                    return Err(Error::Usage(format!("--endpoint-url {url} is not on loopback: add --allow-remote")));
                }
                *endpoint = Some(url.clone());
            }
        }
        _ if args.region.is_some() || args.endpoint_url.is_some() || args.rehearsal.is_some() => {
            return Err(Error::Usage("--region, --endpoint-url and --rehearsal only apply to --target aws".into()));
        }
        _ => {}
    }
    if let Some(addr) = args.rehearsal {
        if args.endpoint_url.is_some() {
            return Err(Error::Usage(
                "--rehearsal sends AWS's own host names to the stand-in: drop --endpoint-url".into(),
            ));
        }
        if !addr.ip().is_loopback() && !args.allow_remote {
            return Err(Error::Usage(format!("--rehearsal {addr} is not on loopback: add --allow-remote")));
        }
    }
    let network =
        Network { ca_bundle: args.ca_bundle.as_deref().map(CaBundle::load).transpose()?, rehearsal: args.rehearsal };
    let spawn = args.spawn.then(|| seconds(args.spawn_timeout, "--spawn-timeout"));
    let options = ConnectOptions {
        allow_remote: args.allow_remote,
        spawn: spawn.transpose()?,
        wire: WireOptions { timeout: seconds(args.timeout, "--timeout")?, network, ..WireOptions::default() },
    };
    Ok((spec, options))
}

/// The pool (and domain) of the user's that `--pool-id` and `--domain` name, if any.
pub fn reused_pool(args: &TargetArgs) -> Option<ReusedPool> {
    args.pool_id.clone().map(|pool_id| ReusedPool { pool_id, domain: args.domain.clone() })
}
