//! User pools and hosted domains over the AWS JSON 1.1 API, over real HTTP: CreateUserPool (a
//! region-prefixed id and two RS256 signing keys), DeleteUserPool (which takes the pool's clients,
//! users and keys with it and so ends every session in it), ListUserPools paging, and
//! CreateUserPoolDomain / DeleteUserPoolDomain (unique, one per pool, free again after deletion).
//!
//! Everything else lives in a pool, and deleting one is a revocation path of its own. App clients
//! are covered by `reference_admin_clients.rs`, users by `reference_admin_users.rs`.

mod common;

use common::Target;
use common::assertions::{access_refused, assert_alive, refresh_refused};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn create_user_pool_mints_a_region_prefixed_id_and_publishes_two_rs256_keys() {
    let target = Target::start().await;
    let reply = target.call("CreateUserPool", json!({ "PoolName": "my pool" })).await;
    let pool = &reply.ok()["UserPool"];
    let id = pool["Id"].as_str().expect("id");
    let suffix = id.strip_prefix("us-east-1_").expect("region prefix");
    assert!(!suffix.is_empty() && suffix.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
    assert_eq!(pool["Name"], "my pool");
    assert!(pool["Arn"].as_str().expect("arn").ends_with(&format!(":userpool/{id}")));
    let other = target.pool().await;
    assert_ne!(other, id, "pool ids are unique");
    let jwks = target.jwks(id).await;
    let keys = jwks.ok()["keys"].as_array().expect("keys").clone();
    assert_eq!(keys.len(), 2, "one key for access tokens, one for ID tokens (spec §4.4)");
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);
    for key in &keys {
        assert_eq!(key["kty"], "RSA");
        assert_eq!(key["alg"], "RS256");
    }
    let missing = target.call("CreateUserPool", json!({})).await.expect_error("InvalidParameterException");
    assert!(missing.contains("'poolName'"), "{missing}");
}

#[tokio::test]
async fn delete_user_pool_removes_its_clients_users_jwks_and_kills_its_tokens() {
    let target = Target::start().await;
    let (doomed, kept) = (target.pool().await, target.pool().await);
    let doomed_client = target.client(&doomed, json!({})).await;
    let kept_client = target.client(&kept, json!({})).await;
    target.user(&doomed, "alice").await;
    target.user(&kept, "alice").await;
    let doomed_session = target.sign_in(&doomed_client, "alice").await;
    let kept_session = target.sign_in(&kept_client, "alice").await;

    target.call("DeleteUserPool", json!({ "UserPoolId": doomed })).await.ok();

    assert_eq!(target.jwks(&doomed).await.status, StatusCode::NOT_FOUND);
    access_refused(&target, &doomed_session.access_token).await;
    refresh_refused(&target, &doomed_client, &doomed_session, "ResourceNotFoundException").await;
    let describe = json!({ "UserPoolId": doomed, "ClientId": doomed_client.id });
    target.call("DescribeUserPoolClient", describe).await.expect_error("ResourceNotFoundException");
    let get = json!({ "UserPoolId": doomed, "Username": "alice" });
    target.call("AdminGetUser", get).await.expect_error("ResourceNotFoundException");
    let again = target.call("DeleteUserPool", json!({ "UserPoolId": doomed })).await;
    again.expect_error("ResourceNotFoundException");
    // The other pool is untouched.
    target.jwks(&kept).await.ok();
    assert_alive(&target, &kept_client, &kept_session).await;
}

#[tokio::test]
async fn list_user_pools_pages_with_max_results_and_next_token() {
    let target = Target::start().await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(target.pool().await);
    }
    created.sort();

    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut body = json!({ "MaxResults": 2 });
        if let Some(token) = &next {
            body["NextToken"] = json!(token);
        }
        let reply = target.call("ListUserPools", body).await;
        let page = reply.ok()["UserPools"].as_array().expect("UserPools").clone();
        assert!(!page.is_empty() && page.len() <= 2, "page of {}", page.len());
        for pool in &page {
            assert_eq!(pool["Name"], "test-pool");
            seen.push(pool["Id"].as_str().expect("id").to_owned());
        }
        pages += 1;
        next = reply.json.get("NextToken").and_then(Value::as_str).map(str::to_owned);
        if next.is_none() {
            break;
        }
        assert!(pages < 10, "paging does not terminate");
    }
    assert_eq!(pages, 3);
    seen.sort();
    assert_eq!(seen, created, "every pool exactly once across pages");

    let all = target.call("ListUserPools", json!({ "MaxResults": 60 })).await;
    assert_eq!(all.ok()["UserPools"].as_array().expect("pools").len(), 5);
    assert!(all.json.get("NextToken").is_none());

    target.call("DeleteUserPool", json!({ "UserPoolId": created[0] })).await.ok();
    let after = target.call("ListUserPools", json!({ "MaxResults": 60 })).await;
    let ids: Vec<&str> =
        after.ok()["UserPools"].as_array().expect("pools").iter().filter_map(|p| p["Id"].as_str()).collect();
    assert_eq!(ids.len(), 4);
    assert!(!ids.contains(&created[0].as_str()));

    // MaxResults is required and bounded to 1..=60.
    let missing = target.call("ListUserPools", json!({})).await.expect_error("InvalidParameterException");
    assert!(missing.contains("'maxResults'"), "{missing}");
    for bad in [0, 61] {
        target.call("ListUserPools", json!({ "MaxResults": bad })).await.expect_error("InvalidParameterException");
    }
    let bad_token = json!({ "MaxResults": 2, "NextToken": "not-a-token" });
    target.call("ListUserPools", bad_token).await.expect_error("InvalidParameterException");
}

#[tokio::test]
async fn user_pool_domains_are_unique_one_per_pool_and_free_after_deletion() {
    let target = Target::start().await;
    let (first, second) = (target.pool().await, target.pool().await);
    let domain = "my-login-prefix";
    assert_eq!(target.hosted_post(domain, "/oauth2/revoke", &[], &[]).await.status, StatusCode::NOT_FOUND);
    target.call("CreateUserPoolDomain", json!({ "UserPoolId": first, "Domain": domain })).await.ok();
    assert_ne!(target.hosted_post(domain, "/oauth2/revoke", &[], &[]).await.status, StatusCode::NOT_FOUND);

    let taken = json!({ "UserPoolId": second, "Domain": domain });
    target.call("CreateUserPoolDomain", taken.clone()).await.expect_error("InvalidParameterException");
    let second_domain = json!({ "UserPoolId": first, "Domain": "another-prefix" });
    target.call("CreateUserPoolDomain", second_domain).await.expect_error("InvalidParameterException");
    let wrong_pool = json!({ "UserPoolId": second, "Domain": domain });
    target.call("DeleteUserPoolDomain", wrong_pool).await.expect_error("InvalidParameterException");
    let bad_name = json!({ "UserPoolId": second, "Domain": "Bad_Name" });
    target.call("CreateUserPoolDomain", bad_name).await.expect_error("InvalidParameterException");

    target.call("DeleteUserPoolDomain", json!({ "UserPoolId": first, "Domain": domain })).await.ok();
    assert_eq!(target.hosted_post(domain, "/oauth2/revoke", &[], &[]).await.status, StatusCode::NOT_FOUND);
    target.call("CreateUserPoolDomain", taken).await.ok();
}
