//! Target profiles: the built-in emulator profiles and a config file for custom ones.
//!
//! ```toml
//! # cognito-conformance.toml
//! [profiles.my-emulator]
//! endpoint = "http://127.0.0.1:7000"
//! hosted = "host-header"      # or "path-prefix"; how /oauth2/* is addressed
//! region = "us-east-1"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::scenario::ScenarioError;
use crate::wire::HostedAddressing;

/// A named target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The name `--target` uses.
    pub name: String,
    /// The API endpoint.
    pub endpoint: String,
    /// How hosted domains are addressed.
    pub hosted: HostedAddressing,
    /// The region in pool ids and hosted domain names.
    pub region: String,
}

/// The emulators of `shared/emulators.md`, on their default loopback ports.
pub fn builtin_profiles() -> Vec<Profile> {
    [("moto", 5000), ("cognito-local", 9229), ("ministack", 4566), ("aws-local-run", 4570), ("fakecloud", 4568)]
        .into_iter()
        .map(|(name, port)| Profile {
            name: name.into(),
            endpoint: format!("http://127.0.0.1:{port}"),
            hosted: HostedAddressing::HostHeader,
            region: "us-east-1".into(),
        })
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profiles: BTreeMap<String, ProfileFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    endpoint: String,
    #[serde(default)]
    hosted: Option<HostedFile>,
    #[serde(default)]
    region: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum HostedFile {
    HostHeader,
    PathPrefix,
}

/// Profiles from a config file, added to (and overriding) the built-in ones.
#[derive(Debug, Clone)]
pub struct ProfileConfig {
    /// Every profile, built-in first.
    pub profiles: Vec<Profile>,
}

/// Why a config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// The file is invalid (located).
    #[error(transparent)]
    Invalid(#[from] Box<ScenarioError>),
}

impl ProfileConfig {
    /// The built-in profiles only.
    pub fn builtin() -> Self {
        Self { profiles: builtin_profiles() }
    }

    /// Built-in profiles plus those of `path`.
    pub fn load(path: &Path) -> Result<Self, TargetConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| TargetConfigError::Io { path: path.to_path_buf(), source })?;
        let file: ConfigFile = toml::from_str(&text).map_err(|error| {
            let span = error.span().unwrap_or(0..0);
            Box::new(ScenarioError::new(path, &text, span, error.message().trim(), "here", None))
        })?;
        let mut profiles = builtin_profiles();
        for (name, profile) in file.profiles {
            let hosted = match profile.hosted {
                Some(HostedFile::PathPrefix) => HostedAddressing::PathPrefix,
                _ => HostedAddressing::HostHeader,
            };
            let region = profile.region.unwrap_or_else(|| "us-east-1".into());
            profiles.retain(|p| p.name != name);
            profiles.push(Profile {
                name,
                endpoint: profile.endpoint.trim_end_matches('/').to_owned(),
                hosted,
                region,
            });
        }
        Ok(Self { profiles })
    }
}
