//! Target profiles: the built-in emulator profiles and a config file for custom ones.
//!
//! ```toml
//! # cognito-conformance.toml
//! [profiles.my-emulator]
//! endpoint = "http://127.0.0.1:7000"
//! hosted = "host-header"      # or "path-prefix"; how /oauth2/* is addressed
//! region = "us-east-1"
//! max_in_flight = 1           # optional: requests at once, for an emulator that races
//! ```

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

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
    /// At most this many requests at once, for an emulator that is not safe under concurrency;
    /// `None`: the wire's default.
    pub max_in_flight: Option<usize>,
}

/// The emulators of [`super::emulator::EMULATORS`], on their default loopback ports.
pub fn builtin_profiles() -> Vec<Profile> {
    super::emulator::EMULATORS
        .iter()
        .map(|emulator| Profile {
            name: emulator.name.into(),
            endpoint: format!("http://127.0.0.1:{}", emulator.port),
            hosted: HostedAddressing::HostHeader,
            region: "us-east-1".into(),
            // moto 5.2.5's server answers requests on threads and looks a client up by walking
            // its pools dict unguarded (`_find_backend_for_clientid`), so a sign-in that meets a
            // CreateUserPool or DeleteUserPool can fail with HTTP 500 ("dictionary changed size
            // during iteration"). A run creates its pools one at a time before any scenario starts
            // and deletes them one at a time after the last ends (`runner::pools`,
            // `runner::ledger`), so no lookup meets a pool change and no cap is needed.
            max_in_flight: None,
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
    endpoint: Spanned<String>,
    #[serde(default)]
    hosted: Option<HostedFile>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    max_in_flight: Option<NonZeroUsize>,
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
    /// The file is unreadable or invalid: every problem found, located.
    #[error("{} invalid configuration file problem(s)", .0.len())]
    Invalid(Vec<ScenarioError>),
}

impl ProfileConfig {
    /// The built-in profiles only.
    pub fn builtin() -> Self {
        Self { profiles: builtin_profiles() }
    }

    /// Built-in profiles plus those of `path`, read as every input file is
    /// ([`crate::input::read_input`]). A path that does not exist is the command line's mistake
    /// ([`TargetConfigError::Io`]); anything wrong with what is there is located.
    pub fn load(path: &Path) -> Result<Self, TargetConfigError> {
        std::fs::symlink_metadata(path).map_err(|source| TargetConfigError::Io { path: path.to_path_buf(), source })?;
        let text = crate::input::read_input(path).map_err(|problem| TargetConfigError::Invalid(vec![*problem]))?;
        let file: ConfigFile = toml::from_str(&text).map_err(|error| {
            let span = error.span().unwrap_or(0..0);
            TargetConfigError::Invalid(vec![ScenarioError::new(path, &text, span, error.message().trim(), "here", None)])
        })?;
        let mut profiles = builtin_profiles();
        let mut problems = Vec::new();
        for (name, profile) in file.profiles {
            if let Err(why) = check_endpoint(profile.endpoint.get_ref()) {
                let help = Some("an http:// or https:// URL with a host, e.g. `http://127.0.0.1:7000`".to_owned());
                problems.push(ScenarioError::new(path, &text, profile.endpoint.span(), why, "this endpoint", help));
            }
            let hosted = match profile.hosted {
                Some(HostedFile::PathPrefix) => HostedAddressing::PathPrefix,
                _ => HostedAddressing::HostHeader,
            };
            let region = profile.region.unwrap_or_else(|| "us-east-1".into());
            profiles.retain(|p| p.name != name);
            profiles.push(Profile {
                name,
                endpoint: profile.endpoint.into_inner().trim_end_matches('/').to_owned(),
                hosted,
                region,
                max_in_flight: profile.max_in_flight.map(NonZeroUsize::get),
            });
        }
        if problems.is_empty() { Ok(Self { profiles }) } else { Err(TargetConfigError::Invalid(problems)) }
    }
}

/// Why `endpoint` cannot be a target's endpoint, if it cannot: what `--target` would refuse later,
/// said at its place in the file.
fn check_endpoint(endpoint: &str) -> Result<(), String> {
    let url = url::Url::parse(endpoint).map_err(|e| format!("`endpoint` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`endpoint` is not an http or https URL (`{}`)", url.scheme()));
    }
    if url.host().is_none() {
        return Err("`endpoint` has no host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("`endpoint` carries credentials: give them through the AWS SDK's configuration instead".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<ProfileConfig, TargetConfigError> {
        let file = tempfile::NamedTempFile::new().expect("a temporary file");
        std::fs::write(file.path(), text).expect("written");
        ProfileConfig::load(file.path())
    }

    #[test]
    fn no_builtin_profile_caps_requests() {
        // The run plan changes pools only before the first scenario and after the last, which is
        // all moto needed a cap for.
        let limited: Vec<_> = builtin_profiles().into_iter().filter(|p| p.max_in_flight.is_some()).collect();
        assert!(limited.is_empty(), "{limited:?}");
    }

    #[test]
    fn a_profile_file_sets_and_overrides() {
        let config = load(
            "[profiles.moto]\nendpoint = \"http://127.0.0.1:7000/\"\n\n\
             [profiles.mine]\nendpoint = \"http://127.0.0.1:7001\"\nhosted = \"path-prefix\"\nmax_in_flight = 4\n",
        )
        .expect("valid");
        let get = |name: &str| config.profiles.iter().find(|p| p.name == name).expect("present").clone();
        let moto = get("moto");
        assert_eq!((moto.endpoint.as_str(), moto.max_in_flight), ("http://127.0.0.1:7000", None));
        let mine = get("mine");
        assert_eq!((mine.hosted, mine.max_in_flight), (HostedAddressing::PathPrefix, Some(4)));
    }

    #[test]
    fn every_endpoint_that_is_not_a_url_is_refused_at_its_value() {
        let error = load(
            "[profiles.a]\nendpoint = \"not a url\"\n[profiles.b]\nendpoint = \"ftp://h\"\n\
             [profiles.c]\nendpoint = \"http://127.0.0.1:1\"\n[profiles.d]\nendpoint = \"http://u:p@h\"\n",
        )
        .expect_err("refused");
        let TargetConfigError::Invalid(errors) = error else { panic!("not located: {error}") };
        let at: Vec<_> = errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(at, [(2, 12), (4, 12), (8, 12)], "{errors:?}");
    }

    #[test]
    fn zero_requests_at_once_is_refused_with_its_location() {
        let error = load("[profiles.x]\nendpoint = \"http://127.0.0.1:1\"\nmax_in_flight = 0\n").expect_err("refused");
        let TargetConfigError::Invalid(errors) = error else { panic!("not located: {error}") };
        assert_eq!((errors[0].line, errors[0].column), (3, 17), "{}", errors[0]);
    }
}
