//! The shortest end-to-end path through the reference: sign in, refresh, revoke, and see the
//! family die. The thorough tests live beside this file, one binary per area.

mod common;

use common::{Target, claims};

#[tokio::test]
async fn sign_in_refresh_revoke_kills_the_family() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, serde_json::json!({})).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    let refreshed = target.refresh(&client, &session).await;
    let refreshed_access = refreshed.ok()["AuthenticationResult"]["AccessToken"].as_str().unwrap().to_owned();
    assert_eq!(claims(&refreshed_access)["origin_jti"], claims(&session.access_token)["origin_jti"]);
    target.get_user(&refreshed_access).await.ok();
    target.revoke(&client, &session.refresh_token).await.ok();
    for token in [&session.access_token, &refreshed_access] {
        let message = target.get_user(token).await.expect_error("NotAuthorizedException");
        assert_eq!(message, "Access Token has been revoked");
    }
    let message = target.refresh(&client, &session).await.expect_error("NotAuthorizedException");
    assert_eq!(message, "Refresh Token has been revoked");
}
