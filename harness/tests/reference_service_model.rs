//! The JSON API accepts every input member of a pinned, current service model for each
//! operation it implements, so that an SDK built from that model is never refused for sending a
//! member the reference does not know.
//!
//! The model is botocore's cognito-idp `service-2.json`, trimmed to its input shapes by
//! `scripts/trim-service-model.py` into `harness/tests/data/cognito-idp-inputs.json` (which
//! records the botocore version). For each implemented operation and each member of its input,
//! the test sends a request holding only that member, with a value built from the model's shape
//! (every nested member filled in too), and fails on any `SerializationException`: a member
//! refused as unknown, or typed differently from the model. Other errors (a missing required
//! member, a value the reference's validation refuses) are what the reference should answer.

mod common;

use std::collections::BTreeSet;

use cognito_conformance::reference::OPERATIONS;
use common::Target;
use serde_json::{Map, Value, json};

fn model() -> Value {
    let text = include_str!("data/cognito-idp-inputs.json");
    serde_json::from_str(text).expect("the trimmed model is JSON")
}

/// A value of shape `name`, every member of every structure filled in; `path` holds the
/// structures being built, so a recursive shape stops instead of looping.
fn value_of(shapes: &Value, name: &str, path: &mut Vec<String>) -> Option<Value> {
    let shape = &shapes[name];
    let number = |key: &str| shape.get(key).and_then(Value::as_i64);
    Some(match shape["type"].as_str().expect("a shape has a type") {
        "string" => match shape.get("enum").and_then(|e| e[0].as_str()) {
            Some(first) => json!(first),
            None => json!("a".repeat(number("min").unwrap_or(1).max(1) as usize)),
        },
        "boolean" => json!(true),
        "integer" | "long" => json!(number("min").unwrap_or(1)),
        "double" | "float" => json!(1.0),
        "timestamp" => json!(0),
        "blob" => json!("AA=="),
        "list" => json!([value_of(shapes, shape["member"].as_str()?, path)?]),
        "map" => {
            let key = value_of(shapes, shape["key"].as_str()?, path)?;
            let value = value_of(shapes, shape["value"].as_str()?, path)?;
            json!({ key.as_str().unwrap_or("k"): value })
        }
        "structure" => {
            if path.iter().any(|seen| seen == name) {
                return None;
            }
            path.push(name.to_owned());
            let mut out = Map::new();
            for (member, member_shape) in shape["members"].as_object().expect("a structure has members") {
                if let Some(value) = value_of(shapes, member_shape.as_str().expect("a shape name"), path) {
                    out.insert(member.clone(), value);
                }
            }
            path.pop();
            Value::Object(out)
        }
        other => panic!("shape {name} has an unexpected type {other}"),
    })
}

#[test]
fn the_model_is_pinned_and_names_every_implemented_operation() {
    let model = model();
    assert_eq!(model["source"]["package"], "botocore");
    assert!(model["source"]["version"].as_str().is_some_and(|v| !v.is_empty()));
    let operations = model["operations"].as_object().unwrap();
    let missing: Vec<_> = OPERATIONS.iter().filter(|op| !operations.contains_key(**op)).collect();
    assert!(missing.is_empty(), "operations the reference implements but the model lacks: {missing:?}");
}

#[tokio::test]
async fn every_input_member_of_every_implemented_operation_is_accepted() {
    let model = model();
    let shapes = &model["shapes"];
    let target = Target::start().await;
    let mut refused = Vec::new();
    let mut sent = 0;
    for operation in OPERATIONS {
        let input = model["operations"][operation].as_str().expect("the operation is in the model");
        for (member, shape) in shapes[input]["members"].as_object().unwrap() {
            let value = value_of(shapes, shape.as_str().unwrap(), &mut vec![input.to_owned()])
                .unwrap_or_else(|| panic!("{operation}.{member}: no value could be built"));
            let reply = target.call(operation, json!({ member: value })).await;
            sent += 1;
            if reply.error_type() == Some("SerializationException") {
                refused.push(format!("{operation}.{member}: {}", reply.message().unwrap_or_default()));
            }
        }
    }
    assert!(sent > 100, "only {sent} members were sent");
    assert!(refused.is_empty(), "{} members refused:\n{}", refused.len(), refused.join("\n"));
}

#[tokio::test]
async fn a_member_outside_the_model_is_still_refused() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let reply =
        target.call("CreateUserPoolClient", json!({ "UserPoolId": pool, "ClientName": "c", "NoSuchMember": 1 })).await;
    assert_eq!(reply.expect_error("SerializationException"), "Unknown member 'NoSuchMember' in request.");
}

#[tokio::test]
async fn members_the_reference_types_keep_their_type_check() {
    let target = Target::start().await;
    let pool = target.pool().await;
    for (member, wrong) in [
        ("PublishSecretsInAWSSecretsManager", json!("yes")),
        ("EnableTokenRevocation", json!("no")),
        ("RefreshTokenRotation", json!({ "Feature": "ENABLED", "Unknown": 1 })),
    ] {
        let body = json!({ "UserPoolId": pool, "ClientName": "c", member: wrong });
        let reply = target.call("CreateUserPoolClient", body).await;
        reply.expect_error("SerializationException");
    }
    let reply =
        target.call("RevokeToken", json!({ "Token": "x", "ClientId": "c", "RevokeAssociatedSessions": 1 })).await;
    reply.expect_error("SerializationException");
}

/// Every member sent was one of the model's: the walk covers the model, not a list kept here.
#[test]
fn the_walk_covers_every_member_of_the_model_inputs() {
    let model = model();
    let shapes = &model["shapes"];
    let mut members = BTreeSet::new();
    for operation in OPERATIONS {
        let input = model["operations"][operation].as_str().unwrap();
        members.extend(shapes[input]["members"].as_object().unwrap().keys().map(|m| format!("{operation}.{m}")));
    }
    for expected in [
        "CreateUserPoolClient.PublishSecretsInAWSSecretsManager",
        "UpdateUserPoolClient.PublishSecretsInAWSSecretsManager",
        "RevokeToken.RevokeAssociatedSessions",
    ] {
        assert!(members.contains(expected), "{expected} is not in the pinned model");
    }
}
