//! App clients over the AWS JSON 1.1 API, over real HTTP: CreateUserPoolClient's defaults
//! (revocation on, the default flows, one-hour tokens; spec §1.7), generated and custom secrets,
//! token validities and their units, UpdateUserPoolClient replacing the whole configuration but
//! keeping the secret, and DeleteUserPoolClient ending that client's sessions only.
//!
//! A client's settings decide whether revocation is possible at all (EnableTokenRevocation) and how
//! it authenticates (its secret), so they are pinned down here before the revocation binaries rely
//! on them.

mod common;

use common::assertions::{access_refused, assert_alive, assert_no_leak, refresh_refused};
use common::{AppClient, PASSWORD, Session, Target, claims};
use serde_json::{Value, json};

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

fn is_word(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '+')
}

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
    let message = target.initiate(&id, "USER_PASSWORD_AUTH", params).await.expect_error("InvalidParameterException");
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
    // Spec §1.7: members left out of an update return to their defaults, except
    // EnableTokenRevocation, which is kept (Q6, the reference's choice).
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
    assert_eq!(updated["EnableTokenRevocation"], false, "an omitted EnableTokenRevocation is kept");
    assert_eq!(sorted_flows(&updated), DEFAULT_FLOWS, "omitted flows return to the default");
    assert_eq!(updated["ClientName"], "renamed");
    assert_eq!(updated["ClientSecret"], client.secret.as_deref().expect("secret"), "the secret survives");
    let after = target.call("DescribeUserPoolClient", describe).await;
    assert_eq!(after.ok()["UserPoolClient"], updated);
    // The flows really changed: password sign-in is no longer allowed.
    let message = target.try_sign_in(&client, "alice").await.expect_error("InvalidParameterException");
    assert!(message.contains("not enabled"), "{message}");

    // Kept means kept: revocation really is still off.
    let flows = json!({ "UserPoolId": pool, "ClientId": client.id,
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] });
    let flows = target.call("UpdateUserPoolClient", flows).await;
    assert_eq!(flows.ok()["UserPoolClient"]["EnableTokenRevocation"], false);
    let session = target.sign_in(&client, "alice").await;
    assert!(claims(&session.access_token).get("origin_jti").is_none(), "revocation really is off");
    // Setting it explicitly sticks; secrets cannot be changed by an update.
    let on = json!({ "UserPoolId": pool, "ClientId": client.id, "EnableTokenRevocation": true,
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] });
    assert_eq!(target.call("UpdateUserPoolClient", on).await.ok()["UserPoolClient"]["EnableTokenRevocation"], true);
    let session = target.sign_in(&client, "alice").await;
    assert!(claims(&session.access_token).get("origin_jti").is_some(), "revocation really is on");
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
