//! `cleanup`: deleting what killed runs left behind, and nothing else.
//!
//! A run deletes its pools after each scenario and again on Ctrl-C; only a run killed outright
//! leaves pools behind. They are found by the name prefix every provisioned pool has; on real AWS,
//! where the account also holds the user's own pools, a pool must carry the harness's tag too, so
//! a user pool that merely happens to start with the prefix is never touched.

use serde_json::{Value, json};

use super::provision::{NAME_PREFIX, TAG_KEY, TAG_VALUE, delete_pool};
use crate::wire::{Exchange, Wire, WireError};

/// Why clean-up could not list the pools.
#[derive(Debug, thiserror::Error)]
pub enum CleanupError {
    /// No answer.
    #[error("ListUserPools: {0}")]
    Wire(#[from] WireError),
    /// An answer that is not a pool list.
    #[error("ListUserPools answered HTTP {status}: {body}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The answer, cut.
        body: String,
    },
}

/// What clean-up did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CleanupReport {
    /// Pools deleted, by name.
    pub deleted: Vec<String>,
    /// Pools with the prefix left alone because they lack the tag, by name.
    pub untagged: Vec<String>,
    /// Pools that could not be deleted: name and why.
    pub failed: Vec<(String, String)>,
}

async fn call(wire: &Wire, operation: &str, body: Value) -> Result<Exchange, WireError> {
    wire.send(&wire.api_request(operation, body.to_string().into_bytes())).await
}

/// Every pool whose name starts with the prefix: `(id, name)`.
async fn prefixed_pools(wire: &Wire) -> Result<Vec<(String, String)>, CleanupError> {
    let mut pools = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut body = json!({ "MaxResults": 60 });
        if let Some(token) = &next {
            body["NextToken"] = json!(token);
        }
        let answer = call(wire, "ListUserPools", body).await?;
        let json = answer.json().filter(|_| answer.status == 200).ok_or_else(|| CleanupError::Refused {
            status: answer.status,
            body: String::from_utf8_lossy(&answer.body).chars().take(300).collect(),
        })?;
        for pool in json["UserPools"].as_array().into_iter().flatten() {
            if let (Some(id), Some(name)) = (pool["Id"].as_str(), pool["Name"].as_str())
                && name.starts_with(NAME_PREFIX)
            {
                pools.push((id.to_owned(), name.to_owned()));
            }
        }
        next = json["NextToken"].as_str().filter(|t| !t.is_empty() && next.as_deref() != Some(*t)).map(str::to_owned);
        if next.is_none() {
            return Ok(pools);
        }
    }
}

/// Deletes every pool the harness left on the target behind `wire`. With `require_tag` (real AWS),
/// a pool must also carry the harness's tag.
pub async fn cleanup(wire: &Wire, require_tag: bool) -> Result<CleanupReport, CleanupError> {
    let mut report = CleanupReport::default();
    for (id, name) in prefixed_pools(wire).await? {
        // DescribeUserPool gives the tags and the domain (which must go before the pool). A target
        // without it (the reference) still gets the DeleteUserPool.
        let described = call(wire, "DescribeUserPool", json!({ "UserPoolId": id }))
            .await
            .ok()
            .filter(|a| a.status == 200)
            .and_then(|a| a.json())
            .map(|json| json["UserPool"].clone());
        let tagged = described.as_ref().is_some_and(|pool| pool["UserPoolTags"][TAG_KEY] == TAG_VALUE);
        if require_tag && !tagged {
            report.untagged.push(name);
            continue;
        }
        let domain = described.as_ref().and_then(|pool| pool["Domain"].as_str());
        match delete_pool(wire, &id, domain).await {
            Ok(answer) if answer.status == 200 => report.deleted.push(name),
            Ok(answer) => {
                let why = answer.error_type().unwrap_or_else(|| format!("HTTP {}", answer.status));
                report.failed.push((name, why));
            }
            Err(error) => report.failed.push((name, error.to_string())),
        }
    }
    Ok(report)
}
