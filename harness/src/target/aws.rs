//! Real Amazon Cognito (`--target aws`): credentials from the standard chain, limits that keep a
//! run under Cognito's request quotas, and the consent guard.
//!
//! A run creates real, billable resources in the user's account, so nothing is sent without
//! `--create-aws-resources`; without it, [`plan`] says what would be created and the command
//! exits. Every pool carries the name prefix and the tag of [`crate::runner::provision`], and
//! `cleanup --target aws` deletes only pools that have both.

use std::time::Duration;

use crate::wire::sigv4::Signer;

/// Scenarios in flight at once against AWS. Each scenario makes a few admin calls a second;
/// Cognito's per-account quotas for user-pool creation and admin user calls are low (single digits
/// to tens of requests per second), so a run stays well under them and throttling is rare.
pub const AWS_JOBS: usize = 2;

/// Requests in flight at once against AWS.
pub const AWS_MAX_IN_FLIGHT: usize = 4;

/// Throttled requests are retried this many times, with exponential backoff and jitter.
pub const AWS_THROTTLE_RETRIES: u32 = 8;

/// The first backoff after a `TooManyRequestsException`.
pub const AWS_BACKOFF: Duration = Duration::from_millis(250);

/// How long a new hosted domain may take to answer (CloudFront and DNS) before its scenario errors.
pub const DOMAIN_WAIT: Duration = Duration::from_secs(180);

/// How long a check after a revocation is asked again before it fails against AWS (spec §8 item
/// 11: revocation is immediate, only the LINKED-session cascade is eventually consistent; "let the
/// harness retry for a few seconds before failing against AWS").
pub const SETTLE_WINDOW: Duration = Duration::from_secs(5);

/// Why AWS cannot be reached.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// No region from `--region`, the environment or the shared config.
    #[error("no AWS region: pass --region, or set AWS_REGION or a region in the shared config")]
    NoRegion,
    /// The credential chain gave nothing usable.
    #[cfg(feature = "aws")]
    #[error(transparent)]
    Credentials(#[from] super::credentials::CredentialsError),
    /// This build has no credential chain (the `aws` feature is off).
    #[cfg(not(feature = "aws"))]
    #[error("this build of cognito-conformance has no AWS credential chain: build it with the `aws` feature")]
    NotBuiltIn,
}

/// The public API endpoint of Cognito user pools in `region`.
pub fn endpoint(region: &str) -> String {
    format!("https://cognito-idp.{region}.amazonaws.com")
}

/// Resolves the region and credentials the way the AWS SDKs and CLI do (see
/// [`super::credentials`]), through `network` (its CA bundle, a rehearsal's resolver), and returns
/// a signer for Cognito in that region. Temporary credentials are refreshed in the background
/// before they expire, for as long as the signer (or a clone) lives.
#[cfg(feature = "aws")]
pub async fn signer(region: Option<&str>, network: &crate::wire::Network) -> Result<(Signer, String), AwsError> {
    let region = super::credentials::region(network, region).await.ok_or(AwsError::NoRegion)?;
    let resolved = super::credentials::resolve(network, &region).await?;
    let signer = Signer::from_credentials(resolved.credentials.clone(), &region, crate::wire::sigv4::SERVICE);
    resolved.keep_fresh(signer.credentials_slot());
    Ok((signer, region))
}

/// Without the `aws` feature there is no credential chain to resolve.
#[cfg(not(feature = "aws"))]
pub async fn signer(_region: Option<&str>, _network: &crate::wire::Network) -> Result<(Signer, String), AwsError> {
    Err(AwsError::NotBuiltIn)
}

/// What a run following `plan` would create, for people deciding whether to consent.
pub fn plan(plan: &crate::runner::plan::RunPlan, region: Option<&str>) -> String {
    use crate::runner::provision::{NAME_PREFIX, TAG_KEY, TAG_VALUE};
    let region = region.unwrap_or("the region of your AWS configuration");
    let reused: Vec<String> = plan
        .pools
        .iter()
        .filter_map(|p| p.reused.as_ref())
        .map(|r| match &r.domain {
            Some(domain) => {
                format!("\n  - your pool {} and its domain {domain}, for the default pool configuration", r.pool_id)
            }
            None => format!("\n  - your pool {}, for the default pool configuration", r.pool_id),
        })
        .collect();
    let reused =
        if reused.is_empty() { String::new() } else { format!("\nIt uses, and does not delete:{}", reused.concat()) };
    format!(
        "Running {count} scenario(s) against real Amazon Cognito in {region} would create ({AWS_JOBS} scenarios \
         in parallel):\n\
         \x20 - {pools} user pool(s) named `{NAME_PREFIX}…`, tagged {TAG_KEY}={TAG_VALUE}, created at the start \
         and deleted at the end of the run\n\
         \x20 - {domains} hosted-UI domain(s) named `{NAME_PREFIX}…` on those pools, deleted before them\n\
         \x20 - {clients} app client(s) named `{NAME_PREFIX}…` and {users} user(s) named `{NAME_PREFIX}…`, each \
         scenario's own, deleted as it ends{reused}\n\
         Requests go to {endpoint} signed with your default AWS credentials. Cognito may charge for active users.\n\
         If a run is killed, `cognito-conformance cleanup --target aws --region …` deletes what is left \
         (pools with both the prefix and the tag; nothing else), and `cleanup --pool-id ID` the prefixed \
         clients and users left in a pool of yours.\n\
         To go ahead, add --create-aws-resources.",
        count = plan.scenarios,
        pools = plan.pools_created(),
        domains = plan.domains_created(),
        clients = plan.clients,
        users = plan.users,
        endpoint = endpoint(region),
    )
}
