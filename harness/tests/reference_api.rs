//! The AWS JSON 1.1 API of the reference target, over real HTTP: the admin operations, sign-in and
//! refresh, revocation keyed on the token family (spec §3, §6.1), every RevokeToken case of spec
//! §1.4 as the reference decides it (see the table in `reference/mod.rs`), SECRET_HASH (spec §5)
//! and the error framing (spec §1.5, §1.6). Token claims are covered by `reference_claims.rs`.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognito_conformance::reference::secret_hash;
use common::{AppClient, PASSWORD, Reply, Session, Target, claims, issuer, verify_offline};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

// ---------------------------------------------------------------------------------------------
// Helpers local to this binary.
// ---------------------------------------------------------------------------------------------

/// The ways to refresh with a refresh token (spec §8.1).
#[derive(Debug, Clone, Copy)]
enum RefreshPath {
    /// InitiateAuth REFRESH_TOKEN_AUTH.
    RefreshTokenAuth,
    /// InitiateAuth REFRESH_TOKEN (the older alias).
    RefreshToken,
    /// AdminInitiateAuth REFRESH_TOKEN_AUTH.
    Admin,
    /// GetTokensFromRefreshToken with the raw client secret.
    GetTokens,
}

const REFRESH_PATHS: [RefreshPath; 4] =
    [RefreshPath::RefreshTokenAuth, RefreshPath::RefreshToken, RefreshPath::Admin, RefreshPath::GetTokens];

/// Refreshes `refresh_token` on `path`; `username` is the Cognito username the hash is built over.
async fn refresh_on(
    target: &Target,
    client: &AppClient,
    username: &str,
    refresh_token: &str,
    path: RefreshPath,
) -> Reply {
    let flow = if matches!(path, RefreshPath::RefreshToken) { "REFRESH_TOKEN" } else { "REFRESH_TOKEN_AUTH" };
    let mut params = json!({ "REFRESH_TOKEN": refresh_token });
    if let Some(secret) = &client.secret {
        params["SECRET_HASH"] = json!(secret_hash(secret, username, &client.id));
    }
    match path {
        RefreshPath::RefreshTokenAuth | RefreshPath::RefreshToken => {
            target
                .call("InitiateAuth", json!({ "ClientId": client.id, "AuthFlow": flow, "AuthParameters": params }))
                .await
        }
        RefreshPath::Admin => {
            let body = json!({ "UserPoolId": client.pool_id, "ClientId": client.id, "AuthFlow": flow,
                "AuthParameters": params });
            target.call("AdminInitiateAuth", body).await
        }
        RefreshPath::GetTokens => {
            let mut body = json!({ "RefreshToken": refresh_token, "ClientId": client.id });
            if let Some(secret) = &client.secret {
                body["ClientSecret"] = json!(secret);
            }
            target.call("GetTokensFromRefreshToken", body).await
        }
    }
}

/// ADMIN_USER_PASSWORD_AUTH sign-in; the raw reply.
async fn admin_sign_in(target: &Target, client: &AppClient, username: &str) -> Reply {
    let mut params = json!({ "USERNAME": username, "PASSWORD": PASSWORD });
    if let Some(secret) = &client.secret {
        params["SECRET_HASH"] = json!(secret_hash(secret, username, &client.id));
    }
    let body = json!({
        "UserPoolId": client.pool_id, "ClientId": client.id,
        "AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "AuthParameters": params,
    });
    target.call("AdminInitiateAuth", body).await
}

/// USER_PASSWORD_AUTH with explicit parameters.
async fn initiate(target: &Target, client_id: &str, flow: &str, params: Value) -> Reply {
    target.call("InitiateAuth", json!({ "ClientId": client_id, "AuthFlow": flow, "AuthParameters": params })).await
}

/// The access token of a successful sign-in or refresh reply.
#[track_caller]
fn access_of(reply: &Reply) -> String {
    reply.ok()["AuthenticationResult"]["AccessToken"].as_str().expect("AccessToken").to_owned()
}

/// Asserts that neither the body nor the `x-amzn-ErrorMessage` header of an error carries any of
/// `values` (tokens, secrets, hashes, passwords; spec §1.5, §8.5).
#[track_caller]
fn assert_no_leak(reply: &Reply, values: &[&str]) {
    let header = reply.headers.get("x-amzn-errormessage").and_then(|v| v.to_str().ok()).unwrap_or_default();
    for value in values {
        assert!(value.len() >= 6, "leak probe too short to be meaningful: {value:?}");
        assert!(!reply.text.contains(value), "error body echoes a sensitive value: {}", reply.text);
        assert!(!header.contains(value), "x-amzn-ErrorMessage echoes a sensitive value: {header}");
    }
}

/// Asserts that a session is alive: GetUser with its access token and a refresh both work.
async fn assert_alive(target: &Target, client: &AppClient, session: &Session) {
    target.get_user(&session.access_token).await.ok();
    target.refresh(client, session).await.ok();
}

/// Asserts that a family is dead: refresh says "Refresh Token has been revoked" and GetUser with
/// each of `access_tokens` says "Access Token has been revoked" (spec §3 E1, E4).
async fn assert_revoked(target: &Target, client: &AppClient, session: &Session, access_tokens: &[&str]) {
    let message = refresh_refused(target, client, session, "NotAuthorizedException").await;
    assert_eq!(message, "Refresh Token has been revoked");
    for token in access_tokens {
        assert_eq!(access_refused(target, token).await, "Access Token has been revoked");
    }
}

/// GetUser refuses `access_token` with NotAuthorizedException without quoting it; the message.
async fn access_refused(target: &Target, access_token: &str) -> String {
    let reply = target.get_user(access_token).await;
    let message = reply.expect_error("NotAuthorizedException");
    assert_no_leak(&reply, &[access_token]);
    message
}

/// REFRESH_TOKEN_AUTH with the session's token fails with `error_type`, quoting neither the token
/// nor the client's secret; the message.
async fn refresh_refused(target: &Target, client: &AppClient, session: &Session, error_type: &str) -> String {
    let reply = target.refresh(client, session).await;
    let message = reply.expect_error(error_type);
    assert_no_leak(&reply, &[&session.refresh_token]);
    if let Some(secret) = &client.secret {
        assert_no_leak(&reply, &[secret, &secret_hash(secret, &session.username, &client.id)]);
    }
    message
}

/// `Base64(HMAC-SHA256(secret, bytes))`, computed independently of the reference's code.
fn hmac_b64(secret: &str, message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(message);
    STANDARD.encode(mac.finalize().into_bytes())
}

fn is_word(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '+')
}

// ---------------------------------------------------------------------------------------------
// User pools, domains.
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// App clients.
// ---------------------------------------------------------------------------------------------

fn sorted_flows(client: &Value) -> Vec<String> {
    let mut flows: Vec<String> = client["ExplicitAuthFlows"]
        .as_array()
        .expect("ExplicitAuthFlows")
        .iter()
        .map(|f| f.as_str().expect("flow").to_owned())
        .collect();
    flows.sort();
    flows
}

const DEFAULT_FLOWS: [&str; 3] = ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"];

#[tokio::test]
async fn create_user_pool_client_defaults_revocation_on_default_flows_and_one_hour_tokens() {
    // Spec §1.7: EnableTokenRevocation defaults to true; ExplicitAuthFlows to refresh, SRP, custom.
    let target = Target::start().await;
    let pool = target.pool().await;
    let reply = target.call("CreateUserPoolClient", json!({ "UserPoolId": pool, "ClientName": "plain" })).await;
    let client = reply.ok()["UserPoolClient"].clone();
    let id = client["ClientId"].as_str().expect("ClientId").to_owned();
    assert!(is_word(&id) && id.len() <= 128, "{id}");
    assert_eq!(client["UserPoolId"], pool.as_str());
    assert_eq!(client["ClientName"], "plain");
    assert!(client.get("ClientSecret").is_none(), "no secret unless asked for");
    assert_eq!(client["EnableTokenRevocation"], true);
    assert_eq!(sorted_flows(&client), DEFAULT_FLOWS);
    assert_eq!(client["AccessTokenValidity"], 1);
    assert_eq!(client["IdTokenValidity"], 1);
    assert_eq!(client["RefreshTokenValidity"], 30);
    assert_eq!(
        client["TokenValidityUnits"],
        json!({ "AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days" })
    );

    let described = target.call("DescribeUserPoolClient", json!({ "UserPoolId": pool, "ClientId": id })).await;
    assert_eq!(described.ok()["UserPoolClient"], client);

    // The default flows do not include password sign-in.
    target.user(&pool, "alice").await;
    let params = json!({ "USERNAME": "alice", "PASSWORD": PASSWORD });
    let message = initiate(&target, &id, "USER_PASSWORD_AUTH", params).await.expect_error("InvalidParameterException");
    assert!(message.contains("not enabled"), "{message}");

    let unknown_pool = json!({ "UserPoolId": "us-east-1_nosuchpool", "ClientName": "x" });
    target.call("CreateUserPoolClient", unknown_pool).await.expect_error("ResourceNotFoundException");
}

#[tokio::test]
async fn generate_secret_gives_a_52_character_secret_and_cannot_be_combined_with_client_secret() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let first = target.client(&pool, json!({ "GenerateSecret": true })).await;
    let second = target.client(&pool, json!({ "GenerateSecret": true })).await;
    let secret = first.secret.clone().expect("secret");
    assert_eq!(secret.len(), 52);
    assert!(is_word(&secret), "a secret fits ClientSecretType [\\w+]+");
    assert_ne!(Some(secret.clone()), second.secret);
    assert_ne!(first.id, second.id);
    let described = target.call("DescribeUserPoolClient", json!({ "UserPoolId": pool, "ClientId": first.id })).await;
    assert_eq!(described.ok()["UserPoolClient"]["ClientSecret"], secret.as_str());

    // A custom secret (24–64 characters) is taken as is and works for SECRET_HASH.
    let custom = "Custom_secret_of_30_chars_long";
    let reply = target
        .call(
            "CreateUserPoolClient",
            json!({ "UserPoolId": pool, "ClientName": "c", "ClientSecret": custom,
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
        )
        .await;
    let created = &reply.ok()["UserPoolClient"];
    assert_eq!(created["ClientSecret"], custom);
    let custom_client = AppClient {
        pool_id: pool.clone(),
        id: created["ClientId"].as_str().expect("id").to_owned(),
        secret: Some(custom.to_owned()),
    };
    target.user(&pool, "alice").await;
    let session = target.sign_in(&custom_client, "alice").await;
    target.refresh(&custom_client, &session).await.ok();

    let both = json!({ "UserPoolId": pool, "ClientName": "c", "GenerateSecret": true, "ClientSecret": custom });
    let reply = target.call("CreateUserPoolClient", both).await;
    reply.expect_error("InvalidParameterException");
    assert_no_leak(&reply, &[custom]);
    let short = "short_secret_123";
    let reply = target
        .call("CreateUserPoolClient", json!({ "UserPoolId": pool, "ClientName": "c", "ClientSecret": short }))
        .await;
    let message = reply.expect_error("InvalidParameterException");
    assert!(message.contains("'clientSecret'") && message.contains("24"), "{message}");
    assert_no_leak(&reply, &[short]);
}

#[tokio::test]
async fn token_validities_and_units_set_expires_in_and_token_lifetimes() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target
        .client(
            &pool,
            json!({
                "AccessTokenValidity": 5, "IdTokenValidity": 10, "RefreshTokenValidity": 2,
                "TokenValidityUnits": { "AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "hours" },
            }),
        )
        .await;
    let described = target.call("DescribeUserPoolClient", json!({ "UserPoolId": pool, "ClientId": client.id })).await;
    let described = &described.ok()["UserPoolClient"];
    assert_eq!(described["AccessTokenValidity"], 5);
    assert_eq!(described["IdTokenValidity"], 10);
    assert_eq!(described["RefreshTokenValidity"], 2);
    assert_eq!(
        described["TokenValidityUnits"],
        json!({ "AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "hours" })
    );

    target.user(&pool, "alice").await;
    let reply = target.try_sign_in(&client, "alice").await;
    assert_eq!(reply.ok()["AuthenticationResult"]["ExpiresIn"], 300);
    let session = Session::from_result(&reply.json["AuthenticationResult"], "alice");
    let (access, id) = (claims(&session.access_token), claims(&session.id_token));
    assert_eq!(access["exp"].as_u64().expect("exp") - access["iat"].as_u64().expect("iat"), 300);
    assert_eq!(id["exp"].as_u64().expect("exp") - id["iat"].as_u64().expect("iat"), 600);
    let refreshed = target.refresh(&client, &session).await;
    assert_eq!(refreshed.ok()["AuthenticationResult"]["ExpiresIn"], 300);

    // Out of range: access tokens live 5 minutes to 1 day.
    let too_short = json!({ "UserPoolId": pool, "ClientName": "c", "AccessTokenValidity": 2,
        "TokenValidityUnits": { "AccessToken": "minutes" } });
    target.call("CreateUserPoolClient", too_short).await.expect_error("InvalidParameterException");
    let bad_unit = json!({ "UserPoolId": pool, "ClientName": "c", "AccessTokenValidity": 2,
        "TokenValidityUnits": { "AccessToken": "weeks" } });
    target.call("CreateUserPoolClient", bad_unit).await.expect_error("InvalidParameterException");
    // RefreshTokenValidity 0 falls back to 30 days (spec §1.7).
    let zero = target.client(&pool, json!({ "RefreshTokenValidity": 0 })).await;
    let described = target.call("DescribeUserPoolClient", json!({ "UserPoolId": pool, "ClientId": zero.id })).await;
    assert_eq!(described.ok()["UserPoolClient"]["RefreshTokenValidity"], 30);
    assert_eq!(described.json["UserPoolClient"]["TokenValidityUnits"]["RefreshToken"], "days");
}

#[tokio::test]
async fn update_user_pool_client_replaces_the_whole_configuration_but_keeps_the_secret() {
    // Spec §1.7 and Q6: members left out of an update return to their defaults.
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true, "EnableTokenRevocation": false })).await;
    let describe = json!({ "UserPoolId": pool, "ClientId": client.id });
    let before = target.call("DescribeUserPoolClient", describe.clone()).await;
    assert_eq!(before.ok()["UserPoolClient"]["EnableTokenRevocation"], false);
    target.user(&pool, "alice").await;
    target.sign_in(&client, "alice").await;

    let update = json!({ "UserPoolId": pool, "ClientId": client.id, "ClientName": "renamed" });
    let updated = target.call("UpdateUserPoolClient", update).await;
    let updated = updated.ok()["UserPoolClient"].clone();
    assert_eq!(updated["EnableTokenRevocation"], true, "an omitted EnableTokenRevocation returns to true");
    assert_eq!(sorted_flows(&updated), DEFAULT_FLOWS, "omitted flows return to the default");
    assert_eq!(updated["ClientName"], "renamed");
    assert_eq!(updated["ClientSecret"], client.secret.as_deref().expect("secret"), "the secret survives");
    let after = target.call("DescribeUserPoolClient", describe).await;
    assert_eq!(after.ok()["UserPoolClient"], updated);
    // The flows really changed: password sign-in is no longer allowed.
    let message = target.try_sign_in(&client, "alice").await.expect_error("InvalidParameterException");
    assert!(message.contains("not enabled"), "{message}");

    // Setting it explicitly sticks; secrets cannot be changed by an update.
    let off = json!({ "UserPoolId": pool, "ClientId": client.id, "EnableTokenRevocation": false,
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] });
    let off = target.call("UpdateUserPoolClient", off).await;
    assert_eq!(off.ok()["UserPoolClient"]["EnableTokenRevocation"], false);
    let session = target.sign_in(&client, "alice").await;
    assert!(claims(&session.access_token).get("origin_jti").is_none(), "revocation really is off");
    let regenerate = json!({ "UserPoolId": pool, "ClientId": client.id, "GenerateSecret": true });
    target.call("UpdateUserPoolClient", regenerate).await.expect_error("SerializationException");
    let unknown = json!({ "UserPoolId": pool, "ClientId": "nosuchclient0000000000000a" });
    target.call("UpdateUserPoolClient", unknown).await.expect_error("ResourceNotFoundException");
}

#[tokio::test]
async fn delete_user_pool_client_removes_it_and_ends_its_sessions_only() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let (doomed, kept) = (target.client(&pool, json!({})).await, target.client(&pool, json!({})).await);
    target.user(&pool, "alice").await;
    let doomed_session = target.sign_in(&doomed, "alice").await;
    let kept_session = target.sign_in(&kept, "alice").await;

    let reference = json!({ "UserPoolId": pool, "ClientId": doomed.id });
    target.call("DeleteUserPoolClient", reference.clone()).await.ok();
    target.call("DescribeUserPoolClient", reference.clone()).await.expect_error("ResourceNotFoundException");
    target.call("DeleteUserPoolClient", reference).await.expect_error("ResourceNotFoundException");
    target.try_sign_in(&doomed, "alice").await.expect_error("ResourceNotFoundException");
    refresh_refused(&target, &doomed, &doomed_session, "ResourceNotFoundException").await;
    access_refused(&target, &doomed_session.access_token).await;
    assert_alive(&target, &kept, &kept_session).await;
    // A client is found only in its own pool.
    let other_pool = target.pool().await;
    let wrong_pool = json!({ "UserPoolId": other_pool, "ClientId": kept.id });
    target.call("DescribeUserPoolClient", wrong_pool).await.expect_error("ResourceNotFoundException");
}

// ---------------------------------------------------------------------------------------------
// Users.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn admin_create_user_and_admin_get_user_report_the_same_user() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let create = json!({ "UserPoolId": pool, "Username": "alice", "MessageAction": "SUPPRESS",
        "UserAttributes": [{ "Name": "email", "Value": "alice@example.com" }] });
    let created = target.call("AdminCreateUser", create.clone()).await;
    let user = created.ok()["User"].clone();
    assert_eq!(user["Username"], "alice");
    assert_eq!(user["Enabled"], true);
    assert_eq!(user["UserStatus"], "FORCE_CHANGE_PASSWORD");
    let attribute = |attributes: &Value, name: &str| {
        attributes.as_array().expect("attributes").iter().find(|a| a["Name"] == name).map(|a| a["Value"].clone())
    };
    let sub = attribute(&user["Attributes"], "sub").expect("sub");
    assert!(uuid::Uuid::parse_str(sub.as_str().expect("sub")).is_ok(), "{sub}");
    assert_eq!(attribute(&user["Attributes"], "email"), Some(json!("alice@example.com")));

    let exists = target.call("AdminCreateUser", create).await;
    exists.expect_error("UsernameExistsException");

    let got = target.call("AdminGetUser", json!({ "UserPoolId": pool, "Username": "alice" })).await;
    let got = got.ok();
    assert_eq!(got["Username"], "alice");
    assert_eq!(attribute(&got["UserAttributes"], "sub"), Some(sub));
    assert_eq!(attribute(&got["UserAttributes"], "email"), Some(json!("alice@example.com")));
    assert_eq!(got["Enabled"], true);

    let unknown = json!({ "UserPoolId": pool, "Username": "bob" });
    target.call("AdminGetUser", unknown).await.expect_error("UserNotFoundException");
    let no_pool = json!({ "UserPoolId": "us-east-1_nosuchpool", "Username": "alice" });
    target.call("AdminGetUser", no_pool).await.expect_error("ResourceNotFoundException");
    let sub_attribute = json!({ "UserPoolId": pool, "Username": "carol",
        "UserAttributes": [{ "Name": "sub", "Value": "forged" }] });
    target.call("AdminCreateUser", sub_attribute).await.expect_error("InvalidParameterException");
}

#[tokio::test]
async fn admin_set_user_password_enforces_policy_and_permanent_false_forces_a_new_password() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.call("AdminCreateUser", json!({ "UserPoolId": pool, "Username": "alice" })).await.ok();
    // Without any password the user cannot sign in.
    target.try_sign_in(&client, "alice").await.expect_error("NotAuthorizedException");

    for weak in ["weakpassword", "Sh0rt!", "NoDigitsHere!"] {
        let body = json!({ "UserPoolId": pool, "Username": "alice", "Password": weak, "Permanent": true });
        let reply = target.call("AdminSetUserPassword", body).await;
        reply.expect_error("InvalidPasswordException");
        assert_no_leak(&reply, &[weak]);
    }

    let temporary = json!({ "UserPoolId": pool, "Username": "alice", "Password": PASSWORD, "Permanent": false });
    target.call("AdminSetUserPassword", temporary).await.ok();
    let status = target.call("AdminGetUser", json!({ "UserPoolId": pool, "Username": "alice" })).await;
    assert_eq!(status.ok()["UserStatus"], "FORCE_CHANGE_PASSWORD");
    let challenge = target.try_sign_in(&client, "alice").await;
    assert_eq!(challenge.ok()["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    assert!(challenge.json.get("AuthenticationResult").is_none(), "no tokens before the password is changed");
    assert!(challenge.json["Session"].as_str().is_some_and(|s| !s.is_empty()));

    let permanent = json!({ "UserPoolId": pool, "Username": "alice", "Password": PASSWORD, "Permanent": true });
    target.call("AdminSetUserPassword", permanent).await.ok();
    let status = target.call("AdminGetUser", json!({ "UserPoolId": pool, "Username": "alice" })).await;
    assert_eq!(status.ok()["UserStatus"], "CONFIRMED");
    target.sign_in(&client, "alice").await;

    let unknown = json!({ "UserPoolId": pool, "Username": "bob", "Password": PASSWORD, "Permanent": true });
    target.call("AdminSetUserPassword", unknown).await.expect_error("UserNotFoundException");
}

#[tokio::test]
async fn admin_delete_user_removes_the_user_and_ends_their_sessions() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    target.user(&pool, "bob").await;
    let alice = target.sign_in(&client, "alice").await;
    let bob = target.sign_in(&client, "bob").await;

    target.call("AdminDeleteUser", json!({ "UserPoolId": pool, "Username": "alice" })).await.ok();
    let get = json!({ "UserPoolId": pool, "Username": "alice" });
    target.call("AdminGetUser", get.clone()).await.expect_error("UserNotFoundException");
    target.call("AdminDeleteUser", get).await.expect_error("UserNotFoundException");
    target.try_sign_in(&client, "alice").await.expect_error("UserNotFoundException");
    let gone = target.get_user(&alice.access_token).await;
    assert_eq!(gone.expect_error("UserNotFoundException"), "User does not exist.");
    refresh_refused(&target, &client, &alice, "NotAuthorizedException").await;
    // A new user of the same name does not inherit the old sessions.
    target.user(&pool, "alice").await;
    assert_eq!(access_refused(&target, &alice.access_token).await, "Invalid Access Token");
    refresh_refused(&target, &client, &alice, "NotAuthorizedException").await;
    target.sign_in(&client, "alice").await;
    assert_alive(&target, &client, &bob).await;
}

#[tokio::test]
async fn admin_disable_user_blocks_sign_in_until_admin_enable_user() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    let user = json!({ "UserPoolId": pool, "Username": "alice" });

    target.call("AdminDisableUser", user.clone()).await.ok();
    assert_eq!(target.call("AdminGetUser", user.clone()).await.ok()["Enabled"], false);
    let message = target.try_sign_in(&client, "alice").await.expect_error("NotAuthorizedException");
    assert_eq!(message, "User is disabled.");
    admin_sign_in(&target, &client, "alice").await.expect_error("NotAuthorizedException");

    target.call("AdminEnableUser", user.clone()).await.ok();
    assert_eq!(target.call("AdminGetUser", user).await.ok()["Enabled"], true);
    let session = target.sign_in(&client, "alice").await;
    assert_alive(&target, &client, &session).await;
    let unknown = json!({ "UserPoolId": pool, "Username": "nobody" });
    target.call("AdminDisableUser", unknown.clone()).await.expect_error("UserNotFoundException");
    target.call("AdminEnableUser", unknown).await.expect_error("UserNotFoundException");
}

#[tokio::test]
async fn email_username_pools_name_users_by_sub_and_sign_in_by_email() {
    // Spec §4.2 and §5: with UsernameAttributes ["email"] the Cognito username is the sub.
    let target = Target::start().await;
    let reply = target.call("CreateUserPool", json!({ "PoolName": "by-email", "UsernameAttributes": ["email"] })).await;
    let pool = reply.ok()["UserPool"]["Id"].as_str().expect("id").to_owned();
    assert_eq!(reply.json["UserPool"]["UsernameAttributes"], json!(["email"]));
    let email = "ann@example.com";
    let created = target.call("AdminCreateUser", json!({ "UserPoolId": pool, "Username": email })).await;
    let user = created.ok()["User"].clone();
    let username = user["Username"].as_str().expect("username").to_owned();
    let attributes = user["Attributes"].as_array().expect("attributes");
    let sub = attributes.iter().find(|a| a["Name"] == "sub").expect("sub")["Value"].as_str().expect("sub").to_owned();
    assert_eq!(username, sub, "the username is the sub");
    assert!(attributes.iter().any(|a| a["Name"] == "email" && a["Value"] == email));

    let by_email = target.call("AdminGetUser", json!({ "UserPoolId": pool, "Username": email })).await;
    assert_eq!(by_email.ok()["Username"], sub.as_str());
    target.call("AdminGetUser", json!({ "UserPoolId": pool, "Username": sub })).await.ok();
    let duplicate = target.call("AdminCreateUser", json!({ "UserPoolId": pool, "Username": email })).await;
    duplicate.expect_error("UsernameExistsException");
    let not_email = target.call("AdminCreateUser", json!({ "UserPoolId": pool, "Username": "plainname" })).await;
    not_email.expect_error("InvalidParameterException");

    let password = json!({ "UserPoolId": pool, "Username": email, "Password": PASSWORD, "Permanent": true });
    target.call("AdminSetUserPassword", password).await.ok();
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    let session = target.sign_in(&client, email).await; // hash over the e-mail the user typed
    let (access, id) = (claims(&session.access_token), claims(&session.id_token));
    assert_eq!(access["username"], sub.as_str());
    assert_eq!(access["sub"], sub.as_str());
    assert_eq!(id["cognito:username"], sub.as_str());
    assert_eq!(id["email"], email);
    let got = target.get_user(&session.access_token).await;
    assert_eq!(got.ok()["Username"], sub.as_str());

    // A refresh's SECRET_HASH is built over the Cognito username (the sub), not the e-mail (spec §5).
    let secret = client.secret.as_deref().expect("secret");
    for path in [RefreshPath::RefreshTokenAuth, RefreshPath::Admin] {
        let with_email = refresh_on(&target, &client, email, &session.refresh_token, path).await;
        let message = with_email.expect_error("NotAuthorizedException");
        assert_eq!(message, format!("Unable to verify secret hash for client {}", client.id));
        assert_no_leak(&with_email, &[secret, &session.refresh_token, &secret_hash(secret, email, &client.id)]);
        refresh_on(&target, &client, &sub, &session.refresh_token, path).await.ok();
    }
    // Admin operations take the alias too: signing out by e-mail ends the session.
    target.call("AdminUserGlobalSignOut", json!({ "UserPoolId": pool, "Username": email })).await.ok();
    let message = access_refused(&target, &session.access_token).await;
    assert_eq!(message, "Access Token has been revoked");
    let reply = refresh_on(&target, &client, &sub, &session.refresh_token, RefreshPath::RefreshTokenAuth).await;
    assert_eq!(reply.expect_error("NotAuthorizedException"), "Refresh Token has been revoked");
}

// ---------------------------------------------------------------------------------------------
// Sign-in and refresh.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn user_password_auth_returns_access_id_and_refresh_tokens() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    let reply = target.try_sign_in(&client, "alice").await;
    assert_eq!(reply.headers["content-type"], "application/x-amz-json-1.1");
    let result = &reply.ok()["AuthenticationResult"];
    for member in ["AccessToken", "IdToken", "RefreshToken"] {
        assert!(result[member].as_str().is_some_and(|t| !t.is_empty()), "{member} in {result}");
    }
    assert_eq!(result["ExpiresIn"], 3600);
    assert_eq!(result["TokenType"], "Bearer");
    assert!(reply.json.get("ChallengeName").is_none());
    let session = Session::from_result(result, "alice");
    let got = target.get_user(&session.access_token).await;
    assert_eq!(got.ok()["Username"], "alice");
    assert_eq!(got.json["UserAttributes"][0]["Name"], "sub");
    assert_eq!(got.json["UserAttributes"][0]["Value"], claims(&session.access_token)["sub"]);
}

#[tokio::test]
async fn every_refresh_path_mints_new_tokens_and_no_refresh_token() {
    // Spec §4.5: without rotation, refresh replies leave RefreshToken out.
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    for path in REFRESH_PATHS {
        let reply = refresh_on(&target, &client, "alice", &session.refresh_token, path).await;
        let result = &reply.ok()["AuthenticationResult"];
        assert!(result.get("RefreshToken").is_none(), "{path:?} returned a refresh token");
        assert_eq!(result["ExpiresIn"], 3600, "{path:?}");
        assert_eq!(result["TokenType"], "Bearer", "{path:?}");
        let access = result["AccessToken"].as_str().expect("access");
        assert_ne!(access, session.access_token, "{path:?}");
        assert_eq!(claims(access)["origin_jti"], claims(&session.access_token)["origin_jti"], "{path:?}");
        assert_eq!(claims(result["IdToken"].as_str().expect("id"))["token_use"], "id", "{path:?}");
        target.get_user(access).await.ok();
    }
}

#[tokio::test]
async fn admin_initiate_auth_signs_in_with_admin_user_password_auth_only_in_its_pool() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    target.user(&pool, "alice").await;
    let reply = admin_sign_in(&target, &client, "alice").await;
    let session = Session::from_result(&reply.ok()["AuthenticationResult"], "alice");
    assert!(!session.refresh_token.is_empty());
    refresh_on(&target, &client, "alice", &session.refresh_token, RefreshPath::Admin).await.ok();

    let other_pool = target.pool().await;
    let body = json!({ "UserPoolId": other_pool, "ClientId": client.id, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": { "USERNAME": "alice", "PASSWORD": PASSWORD } });
    target.call("AdminInitiateAuth", body).await.expect_error("ResourceNotFoundException");
    let user_flow = json!({ "UserPoolId": pool, "ClientId": client.id, "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": { "USERNAME": "alice", "PASSWORD": PASSWORD } });
    target.call("AdminInitiateAuth", user_flow).await.expect_error("InvalidParameterException");
    let admin_flow = json!({ "USERNAME": "alice", "PASSWORD": PASSWORD });
    initiate(&target, &client.id, "ADMIN_USER_PASSWORD_AUTH", admin_flow)
        .await
        .expect_error("InvalidParameterException");
    // The admin flow must be allowed on the client.
    let no_admin = target.client(&pool, json!({ "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"] })).await;
    let message = admin_sign_in(&target, &no_admin, "alice").await.expect_error("InvalidParameterException");
    assert!(message.contains("not enabled"), "{message}");
}

#[tokio::test]
async fn get_tokens_from_refresh_token_takes_the_raw_client_secret() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    let secret = client.secret.clone().expect("secret");
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    let body = |secret: Option<&str>| {
        let mut body = json!({ "RefreshToken": session.refresh_token, "ClientId": client.id });
        if let Some(secret) = secret {
            body["ClientSecret"] = json!(secret);
        }
        body
    };
    let missing = target.call("GetTokensFromRefreshToken", body(None)).await;
    missing.expect_error("NotAuthorizedException");
    assert_no_leak(&missing, &[&secret, &session.refresh_token]);
    let wrong_secret = "W".repeat(52);
    let wrong = target.call("GetTokensFromRefreshToken", body(Some(&wrong_secret))).await;
    wrong.expect_error("NotAuthorizedException");
    assert_no_leak(&wrong, &[&secret, &wrong_secret, &session.refresh_token]);
    let hash = secret_hash(&secret, "alice", &client.id);
    let hashed = target.call("GetTokensFromRefreshToken", body(Some(&hash))).await;
    hashed.expect_error("InvalidParameterException"); // a hash is not a [\w+]+ secret
    assert_no_leak(&hashed, &[&hash, &secret, &session.refresh_token]);

    let ok = target.call("GetTokensFromRefreshToken", body(Some(&secret))).await;
    let result = &ok.ok()["AuthenticationResult"];
    assert!(result.get("RefreshToken").is_none());
    target.get_user(result["AccessToken"].as_str().expect("access")).await.ok();

    let unknown = json!({ "RefreshToken": session.refresh_token, "ClientId": "nosuchclient0000000000000a" });
    target.call("GetTokensFromRefreshToken", unknown).await.expect_error("ResourceNotFoundException");
    let missing_members = target.call("GetTokensFromRefreshToken", json!({})).await;
    let message = missing_members.expect_error("InvalidParameterException");
    assert!(message.starts_with("2 validation errors detected: "), "{message}");
}

#[tokio::test]
async fn sign_in_errors_wrong_password_unknown_user_flow_not_enabled_missing_parameters_unknown_client() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;

    let wrong_password = "Wr0ngPassw0rd!";
    let reply =
        initiate(&target, &client.id, "USER_PASSWORD_AUTH", json!({ "USERNAME": "alice", "PASSWORD": wrong_password }))
            .await;
    assert_eq!(reply.expect_error("NotAuthorizedException"), "Incorrect username or password.");
    assert_no_leak(&reply, &[wrong_password]);

    let unknown =
        initiate(&target, &client.id, "USER_PASSWORD_AUTH", json!({ "USERNAME": "bob", "PASSWORD": PASSWORD })).await;
    unknown.expect_error("UserNotFoundException");

    for params in [json!({ "USERNAME": "alice" }), json!({ "PASSWORD": PASSWORD }), json!({})] {
        let reply = initiate(&target, &client.id, "USER_PASSWORD_AUTH", params).await;
        let message = reply.expect_error("InvalidParameterException");
        assert!(message.contains("Missing required parameter"), "{message}");
        assert_no_leak(&reply, &[PASSWORD]);
    }
    let no_flow = target.call("InitiateAuth", json!({ "AuthParameters": {} })).await;
    let message = no_flow.expect_error("InvalidParameterException");
    assert!(message.starts_with("2 validation errors detected: ") && message.contains("'authFlow'"), "{message}");
    let bad_flow = initiate(&target, &client.id, "PASSWORD_PLEASE", json!({})).await;
    assert!(bad_flow.expect_error("InvalidParameterException").contains("enum value set"));

    let srp_only = target.client(&pool, json!({ "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"] })).await;
    let message = target.try_sign_in(&srp_only, "alice").await.expect_error("InvalidParameterException");
    assert_eq!(message, "USER_PASSWORD_AUTH flow not enabled for this client");

    let ghost = AppClient { pool_id: pool.clone(), id: "nosuchclient0000000000000a".into(), secret: None };
    let message = target.try_sign_in(&ghost, "alice").await.expect_error("ResourceNotFoundException");
    assert!(message.contains("nosuchclient0000000000000a"), "{message}");
}

#[tokio::test]
async fn refresh_errors_other_client_garbage_tampered_missing_and_flow_not_enabled() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let (client, sibling) = (target.client(&pool, json!({})).await, target.client(&pool, json!({})).await);
    let foreign_pool = target.pool().await;
    let foreign = target.client(&foreign_pool, json!({})).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    let token = session.refresh_token.as_str();

    // Spec §3: a token presented by another client, of the same pool or of another one.
    for other in [&sibling, &foreign] {
        for path in REFRESH_PATHS {
            let reply = refresh_on(&target, other, "alice", token, path).await;
            assert_eq!(reply.expect_error("NotAuthorizedException"), "Refresh Token has different Client", "{path:?}");
            assert_no_leak(&reply, &[token]);
        }
    }

    // Garbage, a token with one character changed, and a token of another instance.
    let mut tampered = token.to_owned().into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    let elsewhere = {
        let other = Target::start().await;
        let pool = other.pool().await;
        let client = other.client(&pool, json!({})).await;
        other.user(&pool, "alice").await;
        other.sign_in(&client, "alice").await.refresh_token
    };
    for bad in ["garbage-refresh-token", "a.b.c.d.e", tampered.as_str(), elsewhere.as_str()] {
        for path in REFRESH_PATHS {
            let reply = refresh_on(&target, &client, "alice", bad, path).await;
            assert_eq!(reply.expect_error("NotAuthorizedException"), "Invalid Refresh Token.", "{path:?}");
            assert_no_leak(&reply, &[bad]);
        }
    }

    let missing = initiate(&target, &client.id, "REFRESH_TOKEN_AUTH", json!({})).await;
    assert!(missing.expect_error("InvalidParameterException").contains("REFRESH_TOKEN"));
    let no_refresh = target.client(&pool, json!({ "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"] })).await;
    let other_session = target.sign_in(&no_refresh, "alice").await;
    let reply = target.refresh(&no_refresh, &other_session).await;
    assert!(reply.expect_error("InvalidParameterException").contains("not enabled"));
    assert_no_leak(&reply, &[&other_session.refresh_token]);
    let ghost = AppClient { pool_id: pool.clone(), id: "nosuchclient0000000000000a".into(), secret: None };
    refresh_refused(&target, &ghost, &session, "ResourceNotFoundException").await;
    // None of this hurt the session.
    assert_alive(&target, &client, &session).await;
}

// ---------------------------------------------------------------------------------------------
// Revocation keyed on the family (spec §3, §6.1).
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn revoke_token_kills_the_refresh_token_on_every_refresh_path() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    target.revoke(&client, &session.refresh_token).await.ok();
    for path in REFRESH_PATHS {
        let reply = refresh_on(&target, &client, "alice", &session.refresh_token, path).await;
        assert_eq!(reply.expect_error("NotAuthorizedException"), "Refresh Token has been revoked", "{path:?}");
        assert_no_leak(&reply, &[&session.refresh_token, client.secret.as_deref().expect("secret")]);
    }
}

#[tokio::test]
async fn revoke_token_kills_every_access_token_of_the_family_including_the_first() {
    // Spec §8.2: the key is origin_jti, so tokens minted by later refreshes die too.
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    let mut family = vec![session.access_token.clone()];
    for path in REFRESH_PATHS {
        family.push(access_of(&refresh_on(&target, &client, "alice", &session.refresh_token, path).await));
    }
    for token in &family {
        target.get_user(token).await.ok();
    }
    target.revoke(&client, &session.refresh_token).await.ok();
    for token in &family {
        assert_eq!(access_refused(&target, token).await, "Access Token has been revoked");
        let sign_out = target.call("GlobalSignOut", json!({ "AccessToken": token })).await;
        assert_eq!(sign_out.expect_error("NotAuthorizedException"), "Access Token has been revoked");
        assert_no_leak(&sign_out, &[token]);
    }
}

#[tokio::test]
async fn revoke_token_leaves_other_sessions_of_the_same_user_and_other_users_alone() {
    // Spec §3 E6.
    let target = Target::start().await;
    let pool = target.pool().await;
    let (client, other_client) = (target.client(&pool, json!({})).await, target.client(&pool, json!({})).await);
    target.user(&pool, "alice").await;
    target.user(&pool, "bob").await;
    let revoked = target.sign_in(&client, "alice").await;
    let second_sign_in = target.sign_in(&client, "alice").await;
    let other_client_session = target.sign_in(&other_client, "alice").await;
    let bob = target.sign_in(&client, "bob").await;

    target.revoke(&client, &revoked.refresh_token).await.ok();
    assert_revoked(&target, &client, &revoked, &[&revoked.access_token]).await;
    assert_alive(&target, &client, &second_sign_in).await;
    assert_alive(&target, &other_client, &other_client_session).await;
    assert_alive(&target, &client, &bob).await;
    // A GlobalSignOut attempt with the dead token does not reach the live sessions either.
    target
        .call("GlobalSignOut", json!({ "AccessToken": revoked.access_token }))
        .await
        .expect_error("NotAuthorizedException");
    assert_alive(&target, &client, &second_sign_in).await;
}

#[tokio::test]
async fn revoked_tokens_still_verify_offline_against_an_unchanged_jwks() {
    // Spec §3 E7, §8.3: revocation does not rotate keys.
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    let other = target.sign_in(&client, "alice").await;
    let before = target.jwks(&pool).await.ok().clone();
    target.revoke(&client, &session.refresh_token).await.ok();
    let after = target.jwks(&pool).await.ok().clone();
    assert_eq!(before, after);
    for token in [&session.access_token, &session.id_token, &other.access_token, &other.id_token] {
        let verified = verify_offline(token, &after, &issuer(&pool)).expect("verifies offline");
        assert_eq!(verified, claims(token));
    }
    access_refused(&target, &session.access_token).await;
}

#[tokio::test]
async fn global_sign_out_revokes_every_family_of_the_user_even_with_revocation_disabled() {
    // Spec §6.1: sign-out predates EnableTokenRevocation and works regardless.
    let target = Target::start().await;
    let pool = target.pool().await;
    let enabled = target.client(&pool, json!({})).await;
    let disabled = target.client(&pool, json!({ "EnableTokenRevocation": false })).await;
    target.user(&pool, "alice").await;
    target.user(&pool, "bob").await;
    let first = target.sign_in(&enabled, "alice").await;
    let second = target.sign_in(&enabled, "alice").await;
    let legacy = target.sign_in(&disabled, "alice").await;
    let legacy_refreshed = access_of(&target.refresh(&disabled, &legacy).await);
    let bob = target.sign_in(&enabled, "bob").await;

    let reply = target.call("GlobalSignOut", json!({ "AccessToken": second.access_token })).await;
    assert_eq!(reply.ok(), &json!({}));
    assert_revoked(&target, &enabled, &first, &[&first.access_token]).await;
    assert_revoked(&target, &enabled, &second, &[&second.access_token]).await;
    assert_revoked(&target, &disabled, &legacy, &[&legacy.access_token, &legacy_refreshed]).await;
    assert_alive(&target, &enabled, &bob).await;

    // Spec §6.1: a second GlobalSignOut with the now-revoked token fails.
    let again = target.call("GlobalSignOut", json!({ "AccessToken": second.access_token })).await;
    assert_eq!(again.expect_error("NotAuthorizedException"), "Access Token has been revoked");
    // A fresh sign-in starts a live family.
    let fresh = target.sign_in(&enabled, "alice").await;
    assert_alive(&target, &enabled, &fresh).await;
    let invalid = target.call("GlobalSignOut", json!({ "AccessToken": "not.a.token" })).await;
    invalid.expect_error("NotAuthorizedException");
}

#[tokio::test]
async fn admin_user_global_sign_out_revokes_every_family_of_the_user_even_with_revocation_disabled() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let enabled = target.client(&pool, json!({ "GenerateSecret": true })).await;
    let disabled = target.client(&pool, json!({ "EnableTokenRevocation": false })).await;
    target.user(&pool, "alice").await;
    target.user(&pool, "bob").await;
    let modern = target.sign_in(&enabled, "alice").await;
    let legacy = target.sign_in(&disabled, "alice").await;
    let bob = target.sign_in(&disabled, "bob").await;

    let user = json!({ "UserPoolId": pool, "Username": "alice" });
    assert_eq!(target.call("AdminUserGlobalSignOut", user.clone()).await.ok(), &json!({}));
    assert_revoked(&target, &enabled, &modern, &[&modern.access_token]).await;
    assert_revoked(&target, &disabled, &legacy, &[&legacy.access_token]).await;
    for path in REFRESH_PATHS {
        let reply = refresh_on(&target, &enabled, "alice", &modern.refresh_token, path).await;
        assert_eq!(reply.expect_error("NotAuthorizedException"), "Refresh Token has been revoked", "{path:?}");
    }
    assert_alive(&target, &disabled, &bob).await;
    target.call("AdminUserGlobalSignOut", user).await.ok(); // harmless when repeated
    let unknown = json!({ "UserPoolId": pool, "Username": "nobody" });
    target.call("AdminUserGlobalSignOut", unknown).await.expect_error("UserNotFoundException");
    let no_pool = json!({ "UserPoolId": "us-east-1_nosuchpool", "Username": "alice" });
    target.call("AdminUserGlobalSignOut", no_pool).await.expect_error("ResourceNotFoundException");
}

#[tokio::test]
async fn admin_disable_user_revokes_every_family_and_admin_enable_user_does_not_restore_them() {
    // Spec §6.1, §3 E9.
    let target = Target::start().await;
    let pool = target.pool().await;
    let enabled = target.client(&pool, json!({})).await;
    let disabled = target.client(&pool, json!({ "EnableTokenRevocation": false })).await;
    target.user(&pool, "alice").await;
    target.user(&pool, "bob").await;
    let modern = target.sign_in(&enabled, "alice").await;
    let legacy = target.sign_in(&disabled, "alice").await;
    let bob = target.sign_in(&enabled, "bob").await;
    let user = json!({ "UserPoolId": pool, "Username": "alice" });

    target.call("AdminDisableUser", user.clone()).await.ok();
    for (client, session) in [(&enabled, &modern), (&disabled, &legacy)] {
        refresh_refused(&target, client, session, "NotAuthorizedException").await;
        access_refused(&target, &session.access_token).await;
    }
    assert_alive(&target, &enabled, &bob).await;

    target.call("AdminEnableUser", user).await.ok();
    assert_revoked(&target, &enabled, &modern, &[&modern.access_token]).await;
    assert_revoked(&target, &disabled, &legacy, &[&legacy.access_token]).await;
    let fresh = target.sign_in(&enabled, "alice").await;
    assert_alive(&target, &enabled, &fresh).await;
}

#[tokio::test]
async fn revoked_stays_revoked_after_enable_token_revocation_is_switched_off() {
    // Spec §1.4 R12, §3 E9.
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    let revoked = target.sign_in(&client, "alice").await;
    let refreshed = access_of(&target.refresh(&client, &revoked).await);
    target.revoke(&client, &revoked.refresh_token).await.ok();

    let off = json!({ "UserPoolId": pool, "ClientId": client.id, "EnableTokenRevocation": false,
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH"] });
    assert_eq!(target.call("UpdateUserPoolClient", off).await.ok()["UserPoolClient"]["EnableTokenRevocation"], false);
    assert_revoked(&target, &client, &revoked, &[&revoked.access_token, &refreshed]).await;
    // Switching it back on resurrects nothing either.
    let on = json!({ "UserPoolId": pool, "ClientId": client.id,
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] });
    target.call("UpdateUserPoolClient", on).await.ok();
    assert_revoked(&target, &client, &revoked, &[&revoked.access_token, &refreshed]).await;
}

// ---------------------------------------------------------------------------------------------
// RevokeToken, case by case (spec §1.4; the reference's choices are tabled in reference/mod.rs).
// ---------------------------------------------------------------------------------------------

/// A pool with a public client and a signed-in user.
async fn revoke_fixture(settings: Value) -> (Target, AppClient, Session) {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, settings).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    (target, client, session)
}

#[tokio::test]
async fn r1_revoke_token_answers_200_with_an_empty_json_object() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    let reply = target.revoke(&client, &session.refresh_token).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text, "{}");
    assert_eq!(reply.headers["content-type"], "application/x-amz-json-1.1");
    assert_revoked(&target, &client, &session, &[&session.access_token]).await;
}

#[tokio::test]
async fn r2_revoking_twice_answers_200_both_times() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    target.revoke(&client, &session.refresh_token).await.ok();
    let again = target.revoke(&client, &session.refresh_token).await;
    assert_eq!(again.ok(), &json!({}));
    assert_revoked(&target, &client, &session, &[&session.access_token]).await;
    // A token already dead by sign-out is also "revoked" without complaint.
    let signed_out = target.sign_in(&client, "alice").await;
    target.call("GlobalSignOut", json!({ "AccessToken": signed_out.access_token })).await.ok();
    target.revoke(&client, &signed_out.refresh_token).await.ok();
}

#[tokio::test]
async fn r3_unknown_but_well_formed_tokens_answer_200_and_revoke_nothing() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    let elsewhere = {
        let other = Target::start().await;
        let pool = other.pool().await;
        let client = other.client(&pool, json!({})).await;
        other.user(&pool, "alice").await;
        other.sign_in(&client, "alice").await.refresh_token
    };
    let mut tampered = session.refresh_token.clone().into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    for token in ["garbage", "a.b.c.d.e", "====", elsewhere.as_str(), tampered.as_str()] {
        let reply = target.revoke(&client, token).await;
        assert_eq!(reply.ok(), &json!({}), "{token}");
    }
    assert_alive(&target, &client, &session).await;
}

#[tokio::test]
async fn r4_tokens_outside_the_pattern_are_invalid_parameters_and_never_echoed() {
    // Spec §1.5: the model pattern is [A-Za-z0-9-_=.]+ and the member is sensitive.
    let (target, client, session) = revoke_fixture(json!({})).await;
    let with_space = format!("{} ", session.refresh_token);
    let with_newline = format!("{}\n", session.refresh_token);
    let with_plus = session.refresh_token.replacen('.', "+", 1);
    for token in [with_space.as_str(), with_newline.as_str(), with_plus.as_str(), "secret token", "t\u{f6}ken/value"] {
        let reply = target.revoke(&client, token).await;
        let message = reply.expect_error("InvalidParameterException");
        assert!(message.contains("'token'") && message.contains("regular expression pattern"), "{message}");
        assert_no_leak(&reply, &[token.trim(), &session.refresh_token]);
    }
    let empty = target.revoke(&client, "").await;
    assert!(empty.expect_error("InvalidParameterException").contains("'token'"));
    assert_alive(&target, &client, &session).await;
}

#[tokio::test]
async fn r5_access_and_id_tokens_are_unsupported_token_types_and_the_family_survives() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    for token in [&session.access_token, &session.id_token] {
        let reply = target.revoke(&client, token).await;
        reply.expect_error("UnsupportedTokenTypeException");
        assert_no_leak(&reply, &[token]);
    }
    assert_alive(&target, &client, &session).await;
}

#[tokio::test]
async fn r6_revocation_disabled_is_an_unsupported_operation_and_revokes_nothing() {
    let (target, client, session) = revoke_fixture(json!({ "EnableTokenRevocation": false })).await;
    let reply = target.revoke(&client, &session.refresh_token).await;
    reply.expect_error("UnsupportedOperationException");
    assert_no_leak(&reply, &[&session.refresh_token]);
    assert_alive(&target, &client, &session).await;
}

#[tokio::test]
async fn r7_a_client_of_the_same_pool_is_unauthorized_and_the_token_still_works() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    let sibling = target.client(&client.pool_id, json!({})).await;
    let reply = target.revoke(&sibling, &session.refresh_token).await;
    reply.expect_error("UnauthorizedException");
    assert_no_leak(&reply, &[&session.refresh_token]);
    assert_alive(&target, &client, &session).await;
    // The issuing client still can.
    target.revoke(&client, &session.refresh_token).await.ok();
    assert_revoked(&target, &client, &session, &[&session.access_token]).await;
}

#[tokio::test]
async fn r8_a_client_of_another_pool_is_unauthorized_and_the_token_still_works() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    let other_pool = target.pool().await;
    let foreign = target.client(&other_pool, json!({})).await;
    let reply = target.revoke(&foreign, &session.refresh_token).await;
    reply.expect_error("UnauthorizedException");
    assert_no_leak(&reply, &[&session.refresh_token]);
    assert_alive(&target, &client, &session).await;
}

#[tokio::test]
async fn r9_an_unknown_client_id_is_unauthorized() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    let body = json!({ "Token": session.refresh_token, "ClientId": "nosuchclient0000000000000a" });
    let reply = target.call("RevokeToken", body).await;
    reply.expect_error("UnauthorizedException");
    assert_no_leak(&reply, &[&session.refresh_token]);
    assert_alive(&target, &client, &session).await;
}

#[tokio::test]
async fn r10_a_secret_client_needs_its_secret_and_short_secrets_are_invalid_parameters() {
    let (target, client, session) = revoke_fixture(json!({ "GenerateSecret": true })).await;
    let secret = client.secret.clone().expect("secret");
    let revoke = |secret: Option<&str>| {
        let mut body = json!({ "Token": session.refresh_token, "ClientId": client.id });
        if let Some(secret) = secret {
            body["ClientSecret"] = json!(secret);
        }
        body
    };
    let wrong = format!("{}x", &secret[..51]);
    assert_ne!(wrong, secret);
    let hash = secret_hash(&secret, "alice", &client.id);
    let other = "A".repeat(64);
    for (attempt, label) in [(None, "missing"), (Some(wrong.as_str()), "wrong"), (Some(other.as_str()), "other")] {
        let reply = target.call("RevokeToken", revoke(attempt)).await;
        assert!(!reply.expect_error("UnauthorizedException").is_empty(), "{label}");
        assert_no_leak(&reply, &[&secret, &wrong, &session.refresh_token]);
        assert_alive(&target, &client, &session).await;
    }
    // Shorter than ClientSecretType's 24 characters, or not [\w+]+ (a hash has '/' and '='):
    // validation errors that do not quote the value.
    for invalid in ["tooShortSecret", hash.as_str()] {
        let reply = target.call("RevokeToken", revoke(Some(invalid))).await;
        let message = reply.expect_error("InvalidParameterException");
        assert!(message.contains("'clientSecret'"), "{message}");
        assert_no_leak(&reply, &[invalid, &secret, &session.refresh_token]);
    }
    assert_alive(&target, &client, &session).await;
    assert_eq!(target.call("RevokeToken", revoke(Some(&secret))).await.ok(), &json!({}));
    assert_revoked(&target, &client, &session, &[&session.access_token]).await;
}

#[tokio::test]
async fn r11_a_secret_sent_for_a_public_client_is_ignored() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    let body = json!({ "Token": session.refresh_token, "ClientId": client.id, "ClientSecret": "S".repeat(40) });
    assert_eq!(target.call("RevokeToken", body).await.ok(), &json!({}));
    assert_revoked(&target, &client, &session, &[&session.access_token]).await;
}

#[tokio::test]
async fn revoke_associated_sessions_accepts_none_and_linked_only() {
    // Spec §6.3: LINKED behaves as NONE without session tracking.
    let (target, client, session) = revoke_fixture(json!({})).await;
    let body =
        |value: &str, token: &str| json!({ "Token": token, "ClientId": client.id, "RevokeAssociatedSessions": value });
    for bad in ["ALL", "linked", ""] {
        let reply = target.call("RevokeToken", body(bad, &session.refresh_token)).await;
        assert!(reply.expect_error("InvalidParameterException").contains("'revokeAssociatedSessions'"));
    }
    assert_alive(&target, &client, &session).await;
    let other = target.sign_in(&client, "alice").await;
    target.call("RevokeToken", body("NONE", &session.refresh_token)).await.ok();
    assert_revoked(&target, &client, &session, &[&session.access_token]).await;
    assert_alive(&target, &client, &other).await;
    target.call("RevokeToken", body("LINKED", &other.refresh_token)).await.ok();
    assert_revoked(&target, &client, &other, &[&other.access_token]).await;
}

#[tokio::test]
async fn revoke_token_counts_every_validation_error() {
    let (target, _client, _session) = revoke_fixture(json!({})).await;
    let reply = target.call("RevokeToken", json!({})).await;
    let message = reply.expect_error("InvalidParameterException");
    assert!(message.starts_with("2 validation errors detected: "), "{message}");
    assert!(message.contains("Value null at 'token'") && message.contains("Value null at 'clientId'"), "{message}");
    let three = json!({ "Token": "bad token", "ClientId": "bad id", "ClientSecret": "short" });
    let reply = target.call("RevokeToken", three).await;
    let message = reply.expect_error("InvalidParameterException");
    assert!(message.starts_with("3 validation errors detected: "), "{message}");
    assert_no_leak(&reply, &["bad token"]);
}

// ---------------------------------------------------------------------------------------------
// SECRET_HASH (spec §5).
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn secret_hash_is_hmac_sha256_over_utf8_and_works_for_non_ascii_usernames() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    let secret = client.secret.clone().expect("secret");
    for username in ["zoë", "渡辺", "plain"] {
        target.user(&pool, username).await;
        let utf8 = hmac_b64(&secret, format!("{username}{}", client.id).as_bytes());
        assert_eq!(utf8, secret_hash(&secret, username, &client.id), "common's hash is UTF-8 HMAC-SHA256");
        assert_eq!(utf8.len(), 44);
        let session = target.sign_in(&client, username).await;
        assert_eq!(claims(&session.access_token)["username"], username);
        for path in REFRESH_PATHS {
            refresh_on(&target, &client, username, &session.refresh_token, path).await.ok();
        }
        // The Latin-1 encoding moto uses (spec §7.1) differs for these names and must be refused.
        let latin1: Vec<u8> =
            format!("{username}{}", client.id).chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect();
        let latin1 = hmac_b64(&secret, &latin1);
        if latin1 != utf8 {
            let params = json!({ "USERNAME": username, "PASSWORD": PASSWORD, "SECRET_HASH": latin1 });
            let reply = initiate(&target, &client.id, "USER_PASSWORD_AUTH", params).await;
            reply.expect_error("NotAuthorizedException");
            assert_no_leak(&reply, &[&latin1, &secret]);
        }
    }
}

#[tokio::test]
async fn missing_secret_hash_is_refused_with_cognitos_message() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    let expected = format!("Client {} is configured with secret but SECRET_HASH was not received", client.id);

    let sign_in = json!({ "USERNAME": "alice", "PASSWORD": PASSWORD });
    let reply = initiate(&target, &client.id, "USER_PASSWORD_AUTH", sign_in.clone()).await;
    assert_eq!(reply.expect_error("NotAuthorizedException"), expected);
    let admin = json!({ "UserPoolId": pool, "ClientId": client.id, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": sign_in });
    assert_eq!(target.call("AdminInitiateAuth", admin).await.expect_error("NotAuthorizedException"), expected);
    for flow in ["REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"] {
        let reply = initiate(&target, &client.id, flow, json!({ "REFRESH_TOKEN": session.refresh_token })).await;
        assert_eq!(reply.expect_error("NotAuthorizedException"), expected);
        assert_no_leak(&reply, &[&session.refresh_token, client.secret.as_deref().expect("secret")]);
    }
    // The missing hash revoked nothing.
    assert_alive(&target, &client, &session).await;
}

#[tokio::test]
async fn wrong_secret_hash_is_refused_without_echoing_hash_secret_or_token() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    let secret = client.secret.clone().expect("secret");
    target.user(&pool, "alice").await;
    target.user(&pool, "bob").await;
    let session = target.sign_in(&client, "alice").await;
    let expected = format!("Unable to verify secret hash for client {}", client.id);

    let other_secret = "x".repeat(52);
    let wrong_hashes = [
        secret_hash(&other_secret, "alice", &client.id),  // wrong key
        secret_hash(&secret, "bob", &client.id),          // another user's
        secret_hash(&secret, "alice", "someotherclient"), // another client's
        "not-even-base64".to_owned(),
    ];
    for wrong in &wrong_hashes {
        let params = json!({ "USERNAME": "alice", "PASSWORD": PASSWORD, "SECRET_HASH": wrong });
        let reply = initiate(&target, &client.id, "USER_PASSWORD_AUTH", params).await;
        assert_eq!(reply.expect_error("NotAuthorizedException"), expected);
        assert_no_leak(&reply, &[wrong, &secret, PASSWORD]);
        let params = json!({ "REFRESH_TOKEN": session.refresh_token, "SECRET_HASH": wrong });
        let reply = initiate(&target, &client.id, "REFRESH_TOKEN_AUTH", params).await;
        assert_eq!(reply.expect_error("NotAuthorizedException"), expected);
        assert_no_leak(&reply, &[wrong, &secret, &session.refresh_token]);
    }
    // The refresh hash is over the token owner's username: bob's hash cannot refresh alice's token.
    let bobs =
        json!({ "REFRESH_TOKEN": session.refresh_token, "SECRET_HASH": secret_hash(&secret, "bob", &client.id) });
    initiate(&target, &client.id, "REFRESH_TOKEN_AUTH", bobs).await.expect_error("NotAuthorizedException");
    assert_alive(&target, &client, &session).await;
}

// ---------------------------------------------------------------------------------------------
// Error framing (spec §1.5, §1.6).
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn errors_carry_the_type_with_a_trailing_colon_and_the_amz_json_content_type() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    target.revoke(&client, &session.refresh_token).await.ok();
    let replies = [
        (target.refresh(&client, &session).await, "NotAuthorizedException"),
        (target.revoke(&client, &session.access_token).await, "UnsupportedTokenTypeException"),
        (target.call("RevokeToken", json!({})).await, "InvalidParameterException"),
        (target.call("AdminGetUser", json!({ "UserPoolId": pool, "Username": "x" })).await, "UserNotFoundException"),
        (
            target.call("DescribeUserPoolClient", json!({ "UserPoolId": pool, "ClientId": "abc" })).await,
            "ResourceNotFoundException",
        ),
        (target.call("NoSuchOperation", json!({})).await, "UnknownOperationException"),
        (target.call_raw("RevokeToken", b"not json".to_vec()).await, "SerializationException"),
    ];
    for (reply, error_type) in &replies {
        let message = reply.expect_error(error_type);
        assert_eq!(reply.headers["x-amzn-errortype"], format!("{error_type}:").as_str());
        assert_eq!(reply.headers["content-type"], "application/x-amz-json-1.1");
        assert_eq!(reply.headers["x-amzn-errormessage"], message.as_str());
        assert_eq!(reply.json.as_object().expect("object").len(), 2, "only __type and message: {}", reply.text);
    }
}

#[tokio::test]
async fn unknown_operations_are_unknown_operation_exceptions() {
    let target = Target::start().await;
    for operation in ["RevokeTokens", "DescribeUserPool", "revoketoken"] {
        target.call(operation, json!({})).await.expect_error("UnknownOperationException");
    }
    let other_service = target
        .send(
            target
                .http
                .post(format!("{}/", target.endpoint))
                .header("X-Amz-Target", "AmazonCognitoIdentity.RevokeToken")
                .header("Content-Type", "application/x-amz-json-1.1")
                .body("{}"),
        )
        .await;
    other_service.expect_error("UnknownOperationException");
}

#[tokio::test]
async fn bodies_that_are_not_the_operations_json_are_serialization_exceptions() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    let token = session.refresh_token.clone();

    for raw in [b"not json".to_vec(), b"{\"Token\":".to_vec(), Vec::new(), b"[]".to_vec()] {
        let reply = target.call_raw("RevokeToken", raw).await;
        reply.expect_error("SerializationException");
    }
    // Unknown members are refused and named; their values are not quoted.
    let unknown = target.call("RevokeToken", json!({ "Token": token, "ClientId": client.id, "Tokn": "x" })).await;
    assert!(unknown.expect_error("SerializationException").contains("Tokn"));
    assert_no_leak(&unknown, &[&token]);
    let unknown =
        target.call("CreateUserPoolClient", json!({ "UserPoolId": pool, "ClientName": "c", "Flavour": 1 })).await;
    assert!(unknown.expect_error("SerializationException").contains("Flavour"));
    let unknown = target.call("GetUser", json!({ "AccessToken": session.access_token, "Extra": true })).await;
    unknown.expect_error("SerializationException");
    // Wrong JSON types.
    let wrong_types = [
        ("RevokeToken", json!({ "Token": [token], "ClientId": client.id })),
        ("RevokeToken", json!({ "Token": 12345, "ClientId": client.id })),
        ("InitiateAuth", json!({ "ClientId": client.id, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": [token] })),
        ("CreateUserPoolClient", json!({ "UserPoolId": pool, "ClientName": "c", "EnableTokenRevocation": "false" })),
        ("ListUserPools", json!({ "MaxResults": "10" })),
    ];
    for (operation, body) in wrong_types {
        let reply = target.call(operation, body).await;
        reply.expect_error("SerializationException");
        assert_no_leak(&reply, &[&token]);
    }
    // None of these requests did anything.
    assert_alive(&target, &client, &session).await;
}

#[tokio::test]
async fn validation_errors_are_counted_and_list_every_violation() {
    // Spec §1.5: "N validation error(s) detected: Value … at '<field>' failed to satisfy constraint: …".
    let target = Target::start().await;
    let one = target.call("InitiateAuth", json!({ "ClientId": "abc" })).await;
    let message = one.expect_error("InvalidParameterException");
    assert!(message.starts_with("1 validation error detected: Value null at 'authFlow'"), "{message}");
    let two = target.call("CreateUserPoolClient", json!({ "UserPoolId": "no-underscore", "ClientName": "" })).await;
    let message = two.expect_error("InvalidParameterException");
    assert!(message.starts_with("2 validation errors detected: "), "{message}");
    assert!(message.contains("'userPoolId'") && message.contains("'clientName'"), "{message}");
    assert_eq!(message.matches("failed to satisfy constraint").count(), 2, "{message}");
    let admin = target.call("AdminInitiateAuth", json!({})).await;
    let message = admin.expect_error("InvalidParameterException");
    assert!(message.starts_with("3 validation errors detected: "), "{message}");
}
