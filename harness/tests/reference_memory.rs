//! Memory per token family is bounded: refreshing never grows the store, deleting a user, client
//! or pool frees its families, and the family cap answers with a typed error.

mod common;

use cognito_conformance::reference::{Limits, ReferenceConfig, ReferenceServer};
use common::{Api, Target};
use serde_json::json;

#[tokio::test]
async fn refreshing_a_family_does_not_grow_the_store() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    let before = target.server.stats();
    assert_eq!(before.families, 1);
    for _ in 0..50 {
        target.refresh(&client, &session).await.ok();
    }
    assert_eq!(target.server.stats(), before);
}

#[tokio::test]
async fn each_sign_in_is_one_family() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    for _ in 0..5 {
        target.sign_in(&client, "alice").await;
    }
    assert_eq!(target.server.stats().families, 5);
}

#[tokio::test]
async fn deleting_a_user_client_or_pool_frees_its_families() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let first = target.client(&pool, json!({})).await;
    let second = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    target.user(&pool, "bob").await;
    target.sign_in(&first, "alice").await;
    target.sign_in(&second, "alice").await;
    target.sign_in(&first, "bob").await;
    assert_eq!(target.server.stats().families, 3);

    target.call("AdminDeleteUser", json!({ "UserPoolId": pool, "Username": "bob" })).await.ok();
    assert_eq!(target.server.stats().families, 2);
    target.call("DeleteUserPoolClient", json!({ "UserPoolId": pool, "ClientId": second.id })).await.ok();
    assert_eq!(target.server.stats().families, 1);
    target.call("DeleteUserPool", json!({ "UserPoolId": pool })).await.ok();
    let stats = target.server.stats();
    assert_eq!((stats.pools, stats.clients, stats.users, stats.families), (0, 0, 0, 0));
}

#[tokio::test]
async fn the_family_cap_is_a_typed_error() {
    let limits = Limits { max_families: 2, ..Limits::default() };
    let server =
        ReferenceServer::start(ReferenceConfig { limits, ..ReferenceConfig::default() }).await.expect("starts");
    let api = Api::at(server.endpoint());
    let target = Target { server, api };
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    target.sign_in(&client, "alice").await;
    target.sign_in(&client, "alice").await;
    let reply = target.try_sign_in(&client, "alice").await;
    reply.expect_error("LimitExceededException");
    assert_eq!(target.server.stats().families, 2);
}
