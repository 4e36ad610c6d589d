//! Targets: what `--target` names and how the harness reaches it.
//!
//! - `reference` (the default): the embedded reference target, started in process on a random
//!   loopback port, with any `--fault`s;
//! - a URL: any endpoint speaking the Cognito wire protocol; refused unless it is on loopback or
//!   `--allow-remote` is given;
//! - a profile name: the emulators of [`emulator::EMULATORS`] on their default loopback ports, or a
//!   profile from a config file (`[profiles.<name>]`, see [`config`]); with `--spawn`, the
//!   harness starts the emulator itself ([`spawn`]);
//! - `aws`: real Amazon Cognito, only with explicit consent ([`aws`]).

pub mod aws;
pub mod config;
#[cfg(feature = "aws")]
pub mod credentials;
pub mod emulator;
pub mod spawn;

pub use config::{Profile, ProfileConfig, TargetConfigError, builtin_profiles};

use crate::reference::{FaultSet, ReferenceConfig, ReferenceServer, ServeError};
use crate::report::model::TargetInfo;
use crate::runner::TargetState;
use crate::wire::sigv4::Signer;
use crate::wire::{HostedAddressing, Wire, WireError, WireOptions};

/// What `--target` asked for, before connecting.
#[derive(Debug, Clone)]
pub enum TargetSpec {
    /// The embedded reference, with faults.
    Reference(FaultSet),
    /// A named profile.
    Profile(Profile),
    /// A bare URL.
    Url(String),
    /// Real Amazon Cognito.
    Aws {
        /// `--region`, else the SDK configuration's.
        region: Option<String>,
        /// `--endpoint-url`, to send AWS-mode requests elsewhere (an emulator, in tests).
        endpoint: Option<String>,
    },
}

/// How to connect.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// Allow a target that is not on loopback.
    pub allow_remote: bool,
    /// Start the profile's emulator (`run --spawn`), waiting this long for it (installation
    /// included).
    pub spawn: Option<std::time::Duration>,
    /// The client's options.
    pub wire: WireOptions,
}

/// Why a target cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// `--target` names nothing known.
    #[error("unknown target `{0}`: use `reference`, a URL, or a profile ({1})")]
    Unknown(String, String),
    /// A non-loopback address without consent.
    #[error("refusing non-loopback target {0}: pass --allow-remote to reach it")]
    Remote(String),
    /// A URL that does not parse.
    #[error("`{0}` is not an http(s) URL")]
    BadUrl(String),
    /// Faults asked for a target other than the reference.
    #[error("--fault only applies to the reference target")]
    FaultsNeedReference,
    /// `--spawn` for a target that is not a built-in emulator.
    #[error("--spawn needs a built-in emulator profile (moto, cognito-local, ministack, aws-local-run, fakecloud)")]
    NotSpawnable,
    /// The emulator could not be started.
    #[error(transparent)]
    Spawn(#[from] spawn::SpawnError),
    /// AWS could not be reached.
    #[error(transparent)]
    Aws(#[from] aws::AwsError),
    /// The reference did not start.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Wire(#[from] WireError),
}

impl TargetSpec {
    /// Resolves `--target` text against the built-in and configured profiles.
    pub fn parse(text: &str, faults: FaultSet, profiles: &[Profile]) -> Result<Self, TargetError> {
        if text == "reference" {
            return Ok(TargetSpec::Reference(faults));
        }
        if !faults.is_empty() {
            return Err(TargetError::FaultsNeedReference);
        }
        if text == "aws" {
            return Ok(TargetSpec::Aws { region: None, endpoint: None });
        }
        if text.starts_with("http://") || text.starts_with("https://") {
            return Ok(TargetSpec::Url(text.trim_end_matches('/').to_owned()));
        }
        profiles.iter().find(|p| p.name == text).cloned().map(TargetSpec::Profile).ok_or_else(|| {
            let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
            TargetError::Unknown(text.to_owned(), format!("aws, {}", names.join(", ")))
        })
    }

    /// The name snapshots and baselines are kept under (`snapshots/<name>/`).
    pub fn name(&self) -> &str {
        match self {
            TargetSpec::Reference(_) => "reference",
            TargetSpec::Profile(profile) => &profile.name,
            TargetSpec::Url(_) => "url",
            TargetSpec::Aws { .. } => "aws",
        }
    }
}

/// Whether `url`'s host is a loopback address (127.0.0.0/8, ::1, `localhost`).
///
/// The URL is parsed by the same parser the HTTP client uses (the `url` crate, which reqwest
/// re-exports), so the host judged here is the host connected to. A URL with credentials in it
/// (`http://[::1]@0.0.0.0:5000`, whose host is 0.0.0.0) is refused outright: the harness never
/// sends credentials that way, and such a URL only serves to disguise its host.
pub fn is_loopback_url(url: &str) -> Result<bool, TargetError> {
    let bad = || TargetError::BadUrl(url.to_owned());
    let parsed = reqwest::Url::parse(url).map_err(|_| bad())?;
    if !matches!(parsed.scheme(), "http" | "https") || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad());
    }
    match parsed.host().ok_or_else(bad)? {
        url::Host::Domain(name) => Ok(name.eq_ignore_ascii_case("localhost")),
        url::Host::Ipv4(ip) => Ok(ip.is_loopback()),
        url::Host::Ipv6(ip) => Ok(ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())),
    }
}

/// A target the harness can talk to.
#[derive(Debug)]
pub struct Connected {
    /// The client.
    pub wire: Wire,
    /// What reports say about it.
    pub info: TargetInfo,
    /// The in-process reference, kept alive for the run.
    pub reference: Option<ReferenceServer>,
    /// What runs learn and hold about the target.
    pub state: TargetState,
    /// The emulator the harness started, stopped by [`Connected::close`].
    pub spawned: Option<spawn::Spawned>,
}

impl Connected {
    /// Connects to `spec`: starts the reference or the emulator, or checks a remote address is
    /// allowed.
    pub async fn open(spec: &TargetSpec, options: &ConnectOptions) -> Result<Self, TargetError> {
        let wire_options = options.wire.clone();
        match spec {
            TargetSpec::Reference(faults) => {
                let config = ReferenceConfig { faults: faults.clone(), ..ReferenceConfig::default() };
                let server = ReferenceServer::start(config).await?;
                let endpoint = server.endpoint();
                let wire = Wire::new(&endpoint, "us-east-1", HostedAddressing::HostHeader, wire_options)?
                    .with_signer(Signer::dummy("us-east-1"));
                let info = TargetInfo {
                    name: "reference".into(),
                    endpoint,
                    faults: faults.iter().map(|f| f.name().to_owned()).collect(),
                };
                Ok(Self::assemble(wire, info, Some(server)))
            }
            TargetSpec::Profile(profile) => {
                let wire_options = WireOptions {
                    max_in_flight: wire_options.max_in_flight.min(profile.max_in_flight.unwrap_or(usize::MAX)),
                    ..wire_options
                };
                match &options.spawn {
                    Some(wait) => {
                        if !builtin_profiles().iter().any(|p| p.name == profile.name) {
                            return Err(TargetError::NotSpawnable);
                        }
                        let region = profile.region.clone();
                        let make = |endpoint: &str| {
                            Wire::new(endpoint, &region, profile.hosted.clone(), wire_options.clone())
                                .ok()
                                .map(|w| w.with_signer(Signer::dummy(&region)))
                        };
                        let (spawned, endpoint) = spawn::Spawned::start(&profile.name, *wait, make).await?;
                        let mut target = Self::remote(
                            &profile.name,
                            &endpoint,
                            &profile.region,
                            profile.hosted.clone(),
                            false,
                            wire_options,
                        )?;
                        target.spawned = Some(spawned);
                        Ok(target)
                    }
                    None => Self::remote(
                        &profile.name,
                        &profile.endpoint,
                        &profile.region,
                        profile.hosted.clone(),
                        options.allow_remote,
                        wire_options,
                    ),
                }
            }
            TargetSpec::Url(url) => {
                if options.spawn.is_some() {
                    return Err(TargetError::NotSpawnable);
                }
                Self::remote("url", url, "us-east-1", HostedAddressing::HostHeader, options.allow_remote, wire_options)
            }
            TargetSpec::Aws { region, endpoint } => {
                if options.spawn.is_some() {
                    return Err(TargetError::NotSpawnable);
                }
                let (signer, region) = aws::signer(region.as_deref(), &wire_options.network).await?;
                let (endpoint, hosted) = match endpoint {
                    Some(url) => (url.trim_end_matches('/').to_owned(), HostedAddressing::HostHeader),
                    None => (aws::endpoint(&region), HostedAddressing::Real),
                };
                let wire_options = WireOptions {
                    max_in_flight: wire_options.max_in_flight.min(aws::AWS_MAX_IN_FLIGHT),
                    throttle_retries: wire_options.throttle_retries.max(aws::AWS_THROTTLE_RETRIES),
                    backoff: wire_options.backoff.max(aws::AWS_BACKOFF),
                    ..wire_options
                };
                let wire = Wire::new(&endpoint, &region, hosted, wire_options)?.with_signer(signer);
                let info = TargetInfo { name: "aws".into(), endpoint, faults: Vec::new() };
                let mut target = Self::assemble(wire, info, None);
                target.state.settle = Some(aws::SETTLE_WINDOW);
                Ok(target)
            }
        }
    }

    fn assemble(wire: Wire, info: TargetInfo, reference: Option<ReferenceServer>) -> Self {
        Self { wire, info, reference, state: TargetState::default(), spawned: None }
    }

    fn remote(
        name: &str,
        endpoint: &str,
        region: &str,
        hosted: HostedAddressing,
        allow_remote: bool,
        options: WireOptions,
    ) -> Result<Self, TargetError> {
        if !is_loopback_url(endpoint)? && !allow_remote {
            return Err(TargetError::Remote(endpoint.to_owned()));
        }
        let wire = Wire::new(endpoint, region, hosted, options)?.with_signer(Signer::dummy(region));
        let info = TargetInfo { name: name.into(), endpoint: endpoint.into(), faults: Vec::new() };
        Ok(Self::assemble(wire, info, None))
    }

    /// Stops the in-process reference or the spawned emulator, if any.
    pub async fn close(self) {
        if let Some(server) = self.reference {
            let _ = server.shutdown().await;
        }
        if let Some(mut spawned) = self.spawned {
            spawned.stop().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_detection() {
        for url in ["http://127.0.0.1:5000", "http://localhost", "http://[::1]:9229/x", "http://127.9.9.9"] {
            assert!(is_loopback_url(url).unwrap(), "{url}");
        }
        for url in [
            "http://10.0.0.1:5000",
            "https://cognito-idp.us-east-1.amazonaws.com",
            "http://example.com",
            "http://0.0.0.0:5000",
            "http://127.0.0.1.example.com",
            "http://[::ffff:10.0.0.1]:5000",
        ] {
            assert!(!is_loopback_url(url).unwrap(), "{url}");
        }
        for url in [
            "ftp://x",
            "http://",
            "http://[::1]@0.0.0.0:5000",
            "http://127.0.0.1:5000@10.0.0.1",
            "http://user:pass@127.0.0.1:5000",
            "http://[::1",
        ] {
            assert!(is_loopback_url(url).is_err(), "{url}");
        }
    }

    #[test]
    fn targets_resolve_by_name_url_or_profile() {
        let profiles = builtin_profiles();
        assert!(matches!(TargetSpec::parse("reference", FaultSet::none(), &profiles), Ok(TargetSpec::Reference(_))));
        assert!(
            matches!(TargetSpec::parse("moto", FaultSet::none(), &profiles), Ok(TargetSpec::Profile(p)) if p.endpoint == "http://127.0.0.1:5000")
        );
        assert!(
            matches!(TargetSpec::parse("http://127.0.0.1:1/", FaultSet::none(), &profiles), Ok(TargetSpec::Url(u)) if u == "http://127.0.0.1:1")
        );
        assert!(matches!(TargetSpec::parse("nonesuch", FaultSet::none(), &profiles), Err(TargetError::Unknown(..))));
        let faults: FaultSet = [crate::reference::Fault::RevokeByJti].into_iter().collect();
        assert!(matches!(TargetSpec::parse("moto", faults, &profiles), Err(TargetError::FaultsNeedReference)));
    }
}
