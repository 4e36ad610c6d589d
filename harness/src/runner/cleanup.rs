//! `cleanup`: deleting what killed runs left behind, and nothing else.
//!
//! A run deletes what it created at its end, on Ctrl-C and on SIGTERM; only a run killed outright
//! leaves pools behind. They are found by the name prefix every provisioned pool has; on real AWS,
//! where the account also holds the user's own pools, a pool must carry the harness's tag too, so
//! a user pool that merely happens to start with the prefix is never touched. Pools are listed
//! page by page (ListUserPools gives at most 60 at a time) and a pool's domain goes before it.
//!
//! In a pool of the user's (`run --pool-id`), a killed run leaves clients and users instead:
//! [`cleanup_pool`] deletes those whose names carry the prefix, and a hosted domain of the
//! harness's on that pool.

use serde_json::{Value, json};

use super::ledger::{Fixture, delete_domain, delete_fixture, delete_pool};
use super::provision::{NAME_PREFIX, TAG_KEY, TAG_VALUE};
use crate::wire::{Exchange, Wire, WireError};

/// Why clean-up could not list the pools.
#[derive(Debug, thiserror::Error)]
pub enum CleanupError {
    /// No answer.
    #[error("listing what to delete: {0}")]
    Wire(#[from] WireError),
    /// An answer that is not a pool list.
    #[error("listing what to delete: HTTP {status}: {body}")]
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
    /// Pools (or, in a pool of the user's, clients, users and a domain) deleted, by name.
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
    let pools = list_all(wire, "ListUserPools", json!({ "MaxResults": 60 }), "UserPools", "NextToken").await?;
    Ok(pools
        .iter()
        .filter_map(|pool| Some((pool["Id"].as_str()?.to_owned(), pool["Name"].as_str()?.to_owned())))
        .filter(|(_, name)| name.starts_with(NAME_PREFIX))
        .collect())
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

/// Lists every page of `operation`'s `items` member, paging with `token_key` (`NextToken` or
/// `PaginationToken`).
async fn list_all(
    wire: &Wire,
    operation: &str,
    body: Value,
    items: &str,
    token_key: &str,
) -> Result<Vec<Value>, CleanupError> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut body = body.clone();
        if let Some(token) = &next {
            body[token_key] = json!(token);
        }
        let answer = call(wire, operation, body).await?;
        let json = answer.json().filter(|_| answer.status == 200).ok_or_else(|| CleanupError::Refused {
            status: answer.status,
            body: String::from_utf8_lossy(&answer.body).chars().take(300).collect(),
        })?;
        out.extend(json[items].as_array().into_iter().flatten().cloned());
        next = json[token_key].as_str().filter(|t| !t.is_empty() && next.as_deref() != Some(*t)).map(str::to_owned);
        if next.is_none() {
            return Ok(out);
        }
    }
}

/// Deletes what runs left in `pool_id`, a pool of the user's: clients and users whose names (or
/// e-mail, in an e-mail pool) carry the prefix, and a hosted domain that does. The pool stays.
pub async fn cleanup_pool(wire: &Wire, pool_id: &str) -> Result<CleanupReport, CleanupError> {
    let mut report = CleanupReport::default();
    let mut doomed: Vec<(String, Fixture)> = Vec::new();
    let clients = list_all(
        wire,
        "ListUserPoolClients",
        json!({ "UserPoolId": pool_id, "MaxResults": 60 }),
        "UserPoolClients",
        "NextToken",
    )
    .await?;
    for client in clients {
        if let (Some(id), Some(name)) = (client["ClientId"].as_str(), client["ClientName"].as_str())
            && name.starts_with(NAME_PREFIX)
        {
            doomed.push((format!("client {name}"), Fixture::Client { pool: pool_id.into(), id: id.into() }));
        }
    }
    let users =
        list_all(wire, "ListUsers", json!({ "UserPoolId": pool_id, "Limit": 60 }), "Users", "PaginationToken").await?;
    for user in users {
        let Some(username) = user["Username"].as_str() else { continue };
        let email = user["Attributes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["Name"] == "email")
            .and_then(|a| a["Value"].as_str());
        if username.starts_with(NAME_PREFIX) || email.is_some_and(|e| e.starts_with(NAME_PREFIX)) {
            let shown = email.filter(|_| !username.starts_with(NAME_PREFIX)).unwrap_or(username);
            doomed.push((format!("user {shown}"), Fixture::User { pool: pool_id.into(), username: username.into() }));
        }
    }
    for (name, fixture) in doomed {
        match delete_fixture(wire, &fixture).await {
            Ok(answer) if answer.status == 200 => report.deleted.push(name),
            Ok(answer) => {
                report.failed.push((name, answer.error_type().unwrap_or_else(|| format!("HTTP {}", answer.status))))
            }
            Err(error) => report.failed.push((name, error.to_string())),
        }
    }
    let described = call(wire, "DescribeUserPool", json!({ "UserPoolId": pool_id }))
        .await
        .ok()
        .filter(|a| a.status == 200)
        .and_then(|a| a.json());
    if let Some(domain) = described.as_ref().and_then(|d| d["UserPool"]["Domain"].as_str())
        && domain.starts_with(NAME_PREFIX)
    {
        let name = format!("domain {domain}");
        match delete_domain(wire, pool_id, domain).await {
            Ok(answer) if answer.status == 200 => report.deleted.push(name),
            Ok(answer) => report.failed.push((name, format!("HTTP {}", answer.status))),
            Err(error) => report.failed.push((name, error.to_string())),
        }
    }
    Ok(report)
}
