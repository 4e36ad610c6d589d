//! The AWS credential chain for `--target aws` and `cleanup --target aws`, resolved as the AWS
//! SDKs and CLI resolve it, with aws-config's own providers.
//!
//! The providers are tried in the order of the SDKs' default chain ([`Source::ALL`]): the
//! environment, the shared config and credentials files (the profile of `AWS_PROFILE`, with static
//! keys, `credential_process`, IAM Identity Center, assume-role and web identity inside it), web
//! identity from the environment, container credentials, instance metadata. A provider that finds
//! nothing to work with hands over to the next; a provider that is configured but fails stops the
//! chain with its own error, so a broken profile is never papered over by some other identity.
//!
//! The providers that call a service (STS, IAM Identity Center, the container and instance
//! endpoints) use the client of [`Network::credentials_http_client`], so the `--ca-bundle` CA and a
//! rehearsal's resolver apply to them as to the harness's own requests. Service endpoints follow
//! the SDKs' configuration: `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL`, or
//! `endpoint_url` / `services` sections in the profile.
//!
//! Messages name the provider and the profile, and carry the SDK's reason; they never carry a
//! key, a token or a session token (the SDK's errors and `Credentials`' `Debug` leave them out).

use std::error::Error as _;
use std::time::{Duration, SystemTime};

use aws_config::provider_config::ProviderConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError as SdkError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};

use crate::wire::Network;
use crate::wire::sigv4::CredentialsSlot;

/// How long one provider may take before the chain gives up on it (a `credential_process` that
/// waits for input, an endpoint that never answers).
pub const PROVIDER_TIMEOUT: Duration = Duration::from_secs(60);

/// Temporary credentials are refreshed this long before they expire, as the SDKs do.
pub const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);

/// The least time between two refresh attempts, so a failing or short-lived provider is not asked
/// in a loop.
pub const REFRESH_RETRY: Duration = Duration::from_secs(30);

/// The longest single wait of the refresher: the expiry is measured against the wall clock again
/// after it (which a suspended laptop moves on), and timers stay within tokio's range.
pub const REFRESH_CHECK: Duration = Duration::from_secs(60 * 60);

/// A provider of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
    Environment,
    /// The shared config and credentials files: static keys, `credential_process`, IAM Identity
    /// Center (`sso_session` or the legacy `sso_start_url`), assume-role (`role_arn` with
    /// `source_profile` or `credential_source`), `web_identity_token_file`.
    Profile,
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN` (GitHub Actions, EKS IRSA).
    WebIdentity,
    /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `_FULL_URI` (ECS, EKS Pod Identity), with
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]`.
    Container,
    /// IMDSv2 (EC2 instance profile).
    InstanceMetadata,
}

impl Source {
    /// The providers in the order the chain tries them.
    pub const ALL: [Source; 5] =
        [Source::Environment, Source::Profile, Source::WebIdentity, Source::Container, Source::InstanceMetadata];

    /// How messages name the provider.
    pub fn describe(self, profile: &str) -> String {
        match self {
            Source::Environment => "environment variables (AWS_ACCESS_KEY_ID)".into(),
            Source::Profile => format!("profile `{profile}` of the shared config and credentials files"),
            Source::WebIdentity => "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)".into(),
            Source::Container => "container credentials (AWS_CONTAINER_CREDENTIALS_*_URI)".into(),
            Source::InstanceMetadata => "EC2 instance metadata (IMDSv2)".into(),
        }
    }
}

/// Why no credentials could be had.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CredentialsError {
    /// No provider of the chain was configured.
    #[error("no AWS credentials found; tried, in order: {tried}")]
    NotFound {
        /// Each provider and why it had nothing.
        tried: String,
    },
    /// A configured provider failed.
    #[error("AWS credentials from the {provider} failed: {reason}")]
    Failed {
        /// The provider, as [`Source::describe`] names it.
        provider: String,
        /// The SDK's reason, with its causes.
        reason: String,
    },
}

/// The chain, ready to resolve.
#[derive(Debug, Clone)]
pub struct Chain {
    providers: Vec<(Source, SharedCredentialsProvider)>,
    profile: String,
}

/// Credentials as one provider of the chain gave them.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Who gave them.
    pub source: Source,
    /// The credentials (their `Debug` hides the secret key and session token).
    pub credentials: Credentials,
    /// The provider, to refresh them.
    provider: SharedCredentialsProvider,
}

/// The settings every provider shares: the process's environment and files, `region` for STS and
/// IAM Identity Center, and the HTTPS client of `network`.
pub fn provider_config(network: &Network, region: Option<&str>) -> ProviderConfig {
    ProviderConfig::default()
        .with_http_client(network.credentials_http_client())
        .with_region(region.map(|r| aws_config::Region::new(r.to_owned())))
}

impl Chain {
    /// The SDKs' default chain, over `config`.
    pub fn new(config: &ProviderConfig) -> Self {
        let providers = Source::ALL
            .into_iter()
            .map(|source| {
                let provider = match source {
                    Source::Environment => SharedCredentialsProvider::new(
                        aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
                    ),
                    Source::Profile => SharedCredentialsProvider::new(
                        aws_config::profile::ProfileFileCredentialsProvider::builder().configure(config).build(),
                    ),
                    Source::WebIdentity => SharedCredentialsProvider::new(
                        aws_config::web_identity_token::WebIdentityTokenCredentialsProvider::builder()
                            .configure(config)
                            .build(),
                    ),
                    Source::Container => SharedCredentialsProvider::new(
                        aws_config::ecs::EcsCredentialsProvider::builder().configure(config).build(),
                    ),
                    Source::InstanceMetadata => SharedCredentialsProvider::new(
                        aws_config::imds::credentials::ImdsCredentialsProvider::builder().configure(config).build(),
                    ),
                };
                (source, provider)
            })
            .collect();
        let profile = std::env::var("AWS_PROFILE")
            .ok()
            .or_else(|| std::env::var("AWS_DEFAULT_PROFILE").ok())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "default".into());
        Self { providers, profile }
    }

    /// The first credentials a provider gives, trying them in order.
    pub async fn resolve(&self) -> Result<Resolved, CredentialsError> {
        let mut tried = Vec::new();
        for (source, provider) in &self.providers {
            let name = source.describe(&self.profile);
            match ask(provider).await {
                Ok(credentials) => return Ok(Resolved { source: *source, credentials, provider: provider.clone() }),
                Err(error @ SdkError::CredentialsNotLoaded(_)) => {
                    let reason = error.source().map(causes).unwrap_or_else(|| "not configured".into());
                    tried.push(format!("{name}: {reason}"));
                }
                Err(error) => return Err(CredentialsError::Failed { provider: name, reason: causes(&error) }),
            }
        }
        Err(CredentialsError::NotFound { tried: tried.join("; ") })
    }
}

impl Resolved {
    /// Refreshes the credentials in `slot` in the background, [`REFRESH_BEFORE`] they expire,
    /// from the provider that gave them, for as long as a signer uses the slot. Credentials
    /// without an expiry (static keys) are left as they are. A failed refresh is tried again
    /// after [`REFRESH_RETRY`]; past the expiry, AWS answers `ExpiredTokenException` and the
    /// scenarios report it.
    pub fn keep_fresh(&self, slot: CredentialsSlot) {
        let Some(mut expiry) = self.credentials.expiry() else { return };
        let provider = self.provider.clone();
        tokio::spawn(async move {
            loop {
                let due = expiry.duration_since(SystemTime::now()).unwrap_or_default().saturating_sub(REFRESH_BEFORE);
                if due > REFRESH_CHECK {
                    tokio::time::sleep(REFRESH_CHECK).await;
                    if !slot.in_use() {
                        return;
                    }
                    continue;
                }
                tokio::time::sleep(due.max(REFRESH_RETRY)).await;
                match ask(&provider).await {
                    Ok(fresh) => {
                        let next = fresh.expiry();
                        if !slot.replace(fresh) {
                            return;
                        }
                        match next {
                            Some(next) => expiry = next,
                            None => return,
                        }
                    }
                    // Still in use? Try again later; the old credentials may still be valid.
                    Err(_) if slot.in_use() => {}
                    Err(_) => return,
                }
            }
        });
    }
}

/// One provider, within [`PROVIDER_TIMEOUT`].
async fn ask(provider: &SharedCredentialsProvider) -> Result<Credentials, SdkError> {
    match tokio::time::timeout(PROVIDER_TIMEOUT, provider.provide_credentials()).await {
        Ok(result) => result,
        Err(_) => Err(SdkError::provider_timed_out(PROVIDER_TIMEOUT)),
    }
}

/// An error and its causes, one after the other, without repeats (SDK errors often wrap an error
/// whose message is the same).
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(error) = next {
        let text = error.to_string();
        if !parts.iter().any(|seen| seen.contains(&text)) {
            parts.push(text);
        }
        next = error.source();
    }
    parts.join(": ")
}

/// The region: `given` (`--region`), else the SDKs' region chain (`AWS_REGION`,
/// `AWS_DEFAULT_REGION`, the profile's `region`, instance metadata).
pub async fn region(network: &Network, given: Option<&str>) -> Option<String> {
    if let Some(region) = given {
        return Some(region.to_owned());
    }
    let config = provider_config(network, None);
    aws_config::meta::region::RegionProviderChain::first_try(
        aws_config::environment::region::EnvironmentVariableRegionProvider::new(),
    )
    .or_else(aws_config::profile::region::ProfileFileRegionProvider::builder().configure(&config).build())
    .or_else(aws_config::imds::region::ImdsRegionProvider::builder().configure(&config).build())
    .region()
    .await
    .map(|r| r.as_ref().to_owned())
}

/// Credentials from the chain, with STS and IAM Identity Center called in `region` through
/// `network`.
pub async fn resolve(network: &Network, region: &str) -> Result<Resolved, CredentialsError> {
    Chain::new(&provider_config(network, Some(region))).resolve().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use aws_credential_types::provider::future;

    use crate::wire::Request;
    use crate::wire::sigv4::{SERVICE, Signer};

    /// Gives `AKIDFIRST` expiring in ten minutes, then `AKIDSECOND` without expiry.
    #[derive(Debug, Default)]
    struct Rotating(AtomicUsize);

    impl ProvideCredentials for Rotating {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            let call = self.0.fetch_add(1, Ordering::SeqCst);
            future::ProvideCredentials::ready(Ok(if call == 0 {
                let expiry = SystemTime::now() + Duration::from_secs(600);
                Credentials::new("AKIDFIRST", "first-secret", Some("first-token".into()), Some(expiry), "test")
            } else {
                Credentials::new("AKIDSECOND", "second-secret", Some("second-token".into()), None, "test")
            }))
        }
    }

    fn signed_key(signer: &Signer) -> String {
        let mut request = Request {
            method: reqwest::Method::POST,
            url: "https://cognito-idp.us-east-1.amazonaws.com/".into(),
            headers: Vec::new(),
            body: b"{}".to_vec(),
        };
        signer.sign(&mut request, SystemTime::now()).unwrap();
        let (_, authorization) = request.headers.iter().find(|(n, _)| n == "authorization").unwrap();
        authorization.split("Credential=").nth(1).unwrap().split('/').next().unwrap().to_owned()
    }

    #[tokio::test(start_paused = true)]
    async fn temporary_credentials_are_replaced_before_they_expire() {
        let provider = SharedCredentialsProvider::new(Rotating::default());
        let chain = Chain { providers: vec![(Source::Container, provider)], profile: "default".into() };
        let resolved = chain.resolve().await.unwrap();
        assert_eq!(resolved.source, Source::Container);
        let signer = Signer::from_credentials(resolved.credentials.clone(), "us-east-1", SERVICE);
        resolved.keep_fresh(signer.credentials_slot());
        assert_eq!(signed_key(&signer), "AKIDFIRST");
        // Virtual time: the refresh is due five minutes before the ten-minute expiry.
        let mut waited = 0;
        while signed_key(&signer) == "AKIDFIRST" && waited < 600 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            waited += 1;
        }
        assert_eq!(signed_key(&signer), "AKIDSECOND");
        assert!(waited >= 240, "refreshed after {waited} s, long before the expiry");
    }

    /// Has nothing (`Err(None)`) or fails (`Err(Some(reason))`).
    #[derive(Debug)]
    struct Unable(Option<&'static str>, &'static str);

    impl ProvideCredentials for Unable {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            future::ProvideCredentials::ready(Err(match self.0 {
                None => SdkError::not_loaded(self.1),
                Some(reason) => SdkError::provider_error(reason),
            }))
        }
    }

    fn chain(providers: Vec<(Source, Unable)>) -> Chain {
        let providers = providers.into_iter().map(|(s, p)| (s, SharedCredentialsProvider::new(p))).collect();
        Chain { providers, profile: "dev".into() }
    }

    #[tokio::test]
    async fn a_provider_with_nothing_hands_over_and_the_message_names_each() {
        let error = chain(vec![
            (Source::Environment, Unable(None, "AWS_ACCESS_KEY_ID is not set")),
            (Source::Profile, Unable(None, "no config file")),
        ])
        .resolve()
        .await
        .unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, CredentialsError::NotFound { .. }), "{message}");
        assert!(
            message.contains("environment variables (AWS_ACCESS_KEY_ID): AWS_ACCESS_KEY_ID is not set"),
            "{message}"
        );
        assert!(
            message.contains("profile `dev` of the shared config and credentials files: no config file"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn a_configured_provider_that_fails_stops_the_chain() {
        let error = chain(vec![
            (Source::Profile, Unable(Some("the role cannot be assumed"), "")),
            (Source::Container, Unable(None, "never asked")),
        ])
        .resolve()
        .await
        .unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, CredentialsError::Failed { .. }), "{message}");
        assert!(message.contains("profile `dev`") && message.contains("the role cannot be assumed"), "{message}");
        assert!(!message.contains("never asked"), "{message}");
    }
}
