//! Users over the AWS JSON 1.1 API, over real HTTP: AdminCreateUser / AdminGetUser,
//! AdminSetUserPassword (policy, temporary passwords), AdminDeleteUser and AdminDisableUser /
//! AdminEnableUser as they affect sign-in and live sessions, and pools whose usernames are e-mail
//! addresses (the Cognito username is then the sub, which SECRET_HASH is built over; spec §4.2, §5).
//!
//! Deleting or disabling a user must end their sessions; what disabling does to token families in
//! detail is covered by `reference_family.rs`.

mod common;

use cognito_conformance::reference::secret_hash;
use common::assertions::{access_refused, assert_alive, assert_no_leak, refresh_refused};
use common::{PASSWORD, RefreshPath, Target, claims};
use serde_json::{Value, json};

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
    target.try_admin_sign_in(&client, "alice").await.expect_error("NotAuthorizedException");

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
        let with_email = target.refresh_on(&client, email, &session.refresh_token, path).await;
        let message = with_email.expect_error("NotAuthorizedException");
        assert_eq!(message, format!("Unable to verify secret hash for client {}", client.id));
        assert_no_leak(&with_email, &[secret, &session.refresh_token, &secret_hash(secret, email, &client.id)]);
        target.refresh_on(&client, &sub, &session.refresh_token, path).await.ok();
    }
    // Admin operations take the alias too: signing out by e-mail ends the session.
    target.call("AdminUserGlobalSignOut", json!({ "UserPoolId": pool, "Username": email })).await.ok();
    let message = access_refused(&target, &session.access_token).await;
    assert_eq!(message, "Access Token has been revoked");
    let reply = target.refresh_on(&client, &sub, &session.refresh_token, RefreshPath::RefreshTokenAuth).await;
    assert_eq!(reply.expect_error("NotAuthorizedException"), "Refresh Token has been revoked");
}
