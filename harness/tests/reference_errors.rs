//! The error framing of the AWS JSON 1.1 API (spec §1.5, §1.6): the `__type` with its trailing
//! colon in `x-amzn-ErrorType`, the message in `x-amzn-ErrorMessage`, the amz-json content type,
//! UnknownOperationException for unknown operations, SerializationException for bodies that are not
//! the operation's JSON, and counted validation errors that list every violation.
//!
//! SDKs parse errors by these exact shapes, so a target that gets them wrong breaks clients even when
//! its revocation logic is right. Hostile framing (size limits, odd targets and content types) is
//! covered by `reference_hostile_framing.rs`.

mod common;

use common::Target;
use common::assertions::{assert_alive, assert_no_leak};
use serde_json::json;

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
    for operation in ["RevokeTokens", "DescribeRiskConfiguration", "revoketoken"] {
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
