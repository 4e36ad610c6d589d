//! Targets: what `--target` names and how the harness reaches it.
//!
//! - `reference` (the default): the embedded reference target, started in process on a random
//!   loopback port, with any `--fault`s;
//! - a URL: any endpoint speaking the Cognito wire protocol; refused unless it is on loopback or
//!   `--allow-remote` is given;
//! - a profile name: the emulators of `shared/emulators.md` on their default loopback ports, or a
//!   profile from a config file (`[profiles.<name>]`, see [`config`]).

pub mod config;

use std::net::IpAddr;

pub use config::{Profile, ProfileConfig, TargetConfigError, builtin_profiles};

use crate::reference::{FaultSet, ReferenceConfig, ReferenceServer, ServeError};
use crate::report::model::TargetInfo;
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
        if text.starts_with("http://") || text.starts_with("https://") {
            return Ok(TargetSpec::Url(text.trim_end_matches('/').to_owned()));
        }
        profiles.iter().find(|p| p.name == text).cloned().map(TargetSpec::Profile).ok_or_else(|| {
            let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
            TargetError::Unknown(text.to_owned(), names.join(", "))
        })
    }
}

/// Whether `url`'s host is a loopback address (127.0.0.0/8, ::1, `localhost`).
pub fn is_loopback_url(url: &str) -> Result<bool, TargetError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| TargetError::BadUrl(url.to_owned()))?;
    let authority = rest.split('/').next().unwrap_or_default();
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or_default()
    } else {
        authority.rsplit_once(':').map_or(authority, |(host, _)| host)
    };
    if host.is_empty() {
        return Err(TargetError::BadUrl(url.to_owned()));
    }
    Ok(host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()))
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
}

impl Connected {
    /// Connects to `spec`: starts the reference, or checks a remote address is allowed.
    pub async fn open(spec: &TargetSpec, allow_remote: bool, options: WireOptions) -> Result<Self, TargetError> {
        match spec {
            TargetSpec::Reference(faults) => {
                let config = ReferenceConfig { faults: faults.clone(), ..ReferenceConfig::default() };
                let server = ReferenceServer::start(config).await?;
                let endpoint = server.endpoint();
                let wire = Wire::new(&endpoint, "us-east-1", HostedAddressing::HostHeader, options)?
                    .with_signer(Signer::dummy("us-east-1"));
                let info = TargetInfo {
                    name: "reference".into(),
                    endpoint,
                    faults: faults.iter().map(|f| f.name().to_owned()).collect(),
                };
                Ok(Self { wire, info, reference: Some(server) })
            }
            TargetSpec::Profile(profile) => Self::remote(
                &profile.name,
                &profile.endpoint,
                &profile.region,
                profile.hosted.clone(),
                allow_remote,
                options,
            ),
            TargetSpec::Url(url) => {
                Self::remote("url", url, "us-east-1", HostedAddressing::HostHeader, allow_remote, options)
            }
        }
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
        Ok(Self {
            wire,
            info: TargetInfo { name: name.into(), endpoint: endpoint.into(), faults: Vec::new() },
            reference: None,
        })
    }

    /// Stops the in-process reference, if any.
    pub async fn close(self) {
        if let Some(server) = self.reference {
            let _ = server.shutdown().await;
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
        for url in ["http://10.0.0.1:5000", "https://cognito-idp.us-east-1.amazonaws.com", "http://example.com"] {
            assert!(!is_loopback_url(url).unwrap(), "{url}");
        }
        assert!(is_loopback_url("ftp://x").is_err());
        assert!(is_loopback_url("http://").is_err());
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
