//! Concurrent requests are safe: one reference serves many sessions driven in parallel, and each
//! revoke kills exactly its own family (spec §3, §8.12, §8.13). Nothing here measures time; every
//! loop is bounded.

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{AppClient, Reply, Session, Target, basic, claims};
use reqwest::StatusCode;
use serde_json::json;
use tokio::sync::Barrier;
use tokio::task::JoinSet;

const DOMAIN: &str = "concurrent";

/// A reference with one pool, its domain, two public and two confidential clients, and users.
struct World {
    target: Target,
    pool: String,
    clients: Vec<AppClient>,
    users: Vec<String>,
}

async fn world(users: usize) -> Arc<World> {
    let target = Target::start().await;
    let pool = target.pool().await;
    target.domain(&pool, DOMAIN).await;
    let mut clients = Vec::new();
    for settings in [json!({}), json!({ "GenerateSecret": true }), json!({}), json!({ "GenerateSecret": true })] {
        clients.push(target.client(&pool, settings).await);
    }
    let users: Vec<String> = (0..users).map(|i| format!("user{i}")).collect();
    for user in &users {
        target.user(&pool, user).await;
    }
    Arc::new(World { target, pool, clients, users })
}

impl World {
    /// `/oauth2/revoke`, authenticated as the client normally is.
    async fn hosted_revoke(&self, client: &AppClient, token: &str) -> Reply {
        match &client.secret {
            None => {
                self.target
                    .hosted_post(DOMAIN, "/oauth2/revoke", &[("token", token), ("client_id", &client.id)], &[])
                    .await
            }
            Some(secret) => {
                let auth = basic(&client.id, secret);
                self.target
                    .hosted_post(DOMAIN, "/oauth2/revoke", &[("token", token)], &[("Authorization", &auth)])
                    .await
            }
        }
    }
}

fn access_token_of(reply: &Reply) -> String {
    reply.ok()["AuthenticationResult"]["AccessToken"].as_str().expect("access token").to_owned()
}

/// What one session did, for checking after every task has finished.
struct Outcome {
    client: usize,
    session: Session,
    refreshed_access: String,
    revoked: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_sessions_each_revoke_only_their_own_family() {
    const SESSIONS: usize = 64;
    let world = world(8).await;
    let start = Arc::new(Barrier::new(SESSIONS));
    let mut tasks = JoinSet::new();
    for i in 0..SESSIONS {
        let (world, start) = (Arc::clone(&world), Arc::clone(&start));
        tasks.spawn(async move {
            let client_index = i % world.clients.len();
            let client = &world.clients[client_index];
            let user = &world.users[i % world.users.len()];
            start.wait().await;
            let session = world.target.sign_in(client, user).await;
            let refreshed_access = access_token_of(&world.target.refresh(client, &session).await);
            assert_eq!(world.target.get_user(&refreshed_access).await.ok()["Username"], user.as_str());
            // Every third session keeps its tokens; the others revoke, half through the API and
            // half through the hosted endpoint.
            let revoked = i % 3 != 0;
            if revoked {
                if i % 2 == 0 {
                    let reply = world.target.revoke(client, &session.refresh_token).await;
                    assert_eq!(reply.ok(), &json!({}));
                } else {
                    let reply = world.hosted_revoke(client, &session.refresh_token).await;
                    assert_eq!(reply.status, StatusCode::OK, "hosted revoke: {}", reply.text);
                }
                // Revocation is immediate for this session (spec §8.11).
                let message = world.target.get_user(&refreshed_access).await.expect_error("NotAuthorizedException");
                assert_eq!(message, "Access Token has been revoked");
            }
            Outcome { client: client_index, session, refreshed_access, revoked }
        });
    }
    let outcomes: Vec<Outcome> = tasks.join_all().await;
    assert_eq!(outcomes.len(), SESSIONS);
    // Every sign-in started its own family.
    let origins: HashSet<String> = outcomes
        .iter()
        .map(|o| claims(&o.session.access_token)["origin_jti"].as_str().expect("origin_jti").to_owned())
        .collect();
    assert_eq!(origins.len(), SESSIONS);
    // Now that all revokes are done: each family is dead or alive exactly as its own session
    // decided, whatever the others did.
    for outcome in &outcomes {
        let client = &world.clients[outcome.client];
        let refresh = world.target.refresh(client, &outcome.session).await;
        if outcome.revoked {
            assert_eq!(refresh.expect_error("NotAuthorizedException"), "Refresh Token has been revoked");
            for token in [&outcome.session.access_token, &outcome.refreshed_access] {
                let message = world.target.get_user(token).await.expect_error("NotAuthorizedException");
                assert_eq!(message, "Access Token has been revoked");
            }
        } else {
            let fresh = access_token_of(&refresh);
            for token in [&outcome.session.access_token, &outcome.refreshed_access, &fresh] {
                world.target.get_user(token).await.ok();
            }
        }
    }
    let alive = outcomes.iter().filter(|o| !o.revoked).count();
    assert_eq!(alive, SESSIONS.div_ceil(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_revokes_of_one_token_all_succeed_and_leave_the_family_dead() {
    const REVOKES: usize = 32;
    let world = world(2).await;
    for client in world.clients.clone() {
        let session = world.target.sign_in(&client, &world.users[0]).await;
        let sibling = world.target.sign_in(&client, &world.users[0]).await;
        let refreshed = access_token_of(&world.target.refresh(&client, &session).await);
        let start = Arc::new(Barrier::new(REVOKES));
        let mut tasks = JoinSet::new();
        for i in 0..REVOKES {
            let (world, start, client, token) =
                (Arc::clone(&world), Arc::clone(&start), client.clone(), session.refresh_token.clone());
            tasks.spawn(async move {
                start.wait().await;
                if i % 2 == 0 {
                    let reply = world.target.revoke(&client, &token).await;
                    assert_eq!(reply.ok(), &json!({}), "API revoke {i}");
                } else {
                    let reply = world.hosted_revoke(&client, &token).await;
                    assert_eq!(reply.status, StatusCode::OK, "hosted revoke {i}: {}", reply.text);
                    assert!(reply.text.is_empty());
                }
            });
        }
        tasks.join_all().await;
        let message = world.target.refresh(&client, &session).await.expect_error("NotAuthorizedException");
        assert_eq!(message, "Refresh Token has been revoked");
        for token in [&session.access_token, &refreshed] {
            let message = world.target.get_user(token).await.expect_error("NotAuthorizedException");
            assert_eq!(message, "Access Token has been revoked");
        }
        // The same user's other sign-in on the same client is untouched (spec §3 E6).
        world.target.refresh(&client, &sibling).await.ok();
        world.target.get_user(&sibling.access_token).await.ok();
    }
}

/// What a racing refresher saw.
#[derive(Default)]
struct Minted {
    /// Access tokens from successful refreshes.
    tokens: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn revoke_racing_refresh_never_leaves_a_usable_access_token() {
    const ROUNDS: usize = 6;
    const REFRESHERS: usize = 8;
    const MAX_REFRESHES: usize = 20;
    let world = world(ROUNDS).await;
    for round in 0..ROUNDS {
        let client = world.clients[round % world.clients.len()].clone();
        let user = world.users[round].clone();
        let session = world.target.sign_in(&client, &user).await;
        let before = access_token_of(&world.target.refresh(&client, &session).await);
        let revoked = Arc::new(AtomicBool::new(false));
        let start = Arc::new(Barrier::new(REFRESHERS + 1));
        let mut refreshers = JoinSet::new();
        for _ in 0..REFRESHERS {
            let (world, start, revoked, client, session) =
                (Arc::clone(&world), Arc::clone(&start), Arc::clone(&revoked), client.clone(), session.clone());
            refreshers.spawn(async move {
                let mut minted = Minted::default();
                start.wait().await;
                for _ in 0..MAX_REFRESHES {
                    // Read before sending: if the revoke had completed by now, this refresh must fail.
                    let after_revoke = revoked.load(Ordering::SeqCst);
                    let reply = world.target.refresh(&client, &session).await;
                    if reply.status != StatusCode::OK {
                        assert_eq!(reply.expect_error("NotAuthorizedException"), "Refresh Token has been revoked");
                        break;
                    }
                    assert!(!after_revoke, "a refresh sent after the revoke completed succeeded");
                    let token = access_token_of(&reply);
                    let after_revoke = revoked.load(Ordering::SeqCst);
                    let user = world.target.get_user(&token).await;
                    if after_revoke {
                        let message = user.expect_error("NotAuthorizedException");
                        assert_eq!(message, "Access Token has been revoked", "usable after the revoke completed");
                    } else if user.status != StatusCode::OK {
                        // The revoke may land between the refresh and this check.
                        assert_eq!(user.expect_error("NotAuthorizedException"), "Access Token has been revoked");
                    }
                    minted.tokens.push(token);
                }
                minted
            });
        }
        let revoker = {
            let (world, start, revoked, client, token) = (
                Arc::clone(&world),
                Arc::clone(&start),
                Arc::clone(&revoked),
                client.clone(),
                session.refresh_token.clone(),
            );
            tokio::spawn(async move {
                start.wait().await;
                let reply = if round % 2 == 0 {
                    world.target.revoke(&client, &token).await
                } else {
                    world.hosted_revoke(&client, &token).await
                };
                assert_eq!(reply.status, StatusCode::OK, "revoke: {}", reply.text);
                revoked.store(true, Ordering::SeqCst);
            })
        };
        revoker.await.expect("the revoker finishes");
        let minted: Vec<String> = refreshers.join_all().await.into_iter().flat_map(|m| m.tokens).collect();
        // Whatever was minted, before or during the race, is dead now.
        for token in minted.iter().chain([&before, &session.access_token]) {
            let message = world.target.get_user(token).await.expect_error("NotAuthorizedException");
            assert_eq!(message, "Access Token has been revoked");
            let request = world
                .target
                .http
                .get(format!("{}/_domain/{DOMAIN}/oauth2/userInfo", world.target.endpoint))
                .header("Authorization", format!("Bearer {token}"));
            assert_eq!(world.target.send(request).await.status, StatusCode::UNAUTHORIZED);
        }
        let message = world.target.refresh(&client, &session).await.expect_error("NotAuthorizedException");
        assert_eq!(message, "Refresh Token has been revoked");
        // Every minted token carries the family's origin_jti: none escaped into a new family.
        let origin = claims(&session.access_token)["origin_jti"].clone();
        assert!(minted.iter().all(|token| claims(token)["origin_jti"] == origin));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_create_user_pool_calls_give_distinct_ids() {
    const POOLS: usize = 64;
    let target = Arc::new(Target::start().await);
    let mut tasks = JoinSet::new();
    for i in 0..POOLS {
        let target = Arc::clone(&target);
        tasks.spawn(async move {
            let reply = target.call("CreateUserPool", json!({ "PoolName": format!("pool-{i}") })).await;
            let pool = &reply.ok()["UserPool"];
            (pool["Id"].as_str().expect("id").to_owned(), pool["Name"].as_str().expect("name").to_owned())
        });
    }
    let created: Vec<(String, String)> = tasks.join_all().await;
    let ids: HashSet<&str> = created.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), POOLS, "pool ids collide");
    // Every pool is really there, under the name it was created with.
    let mut listed: Vec<(String, String)> = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..POOLS {
        let mut body = json!({ "MaxResults": 10 });
        if let Some(token) = &next {
            body["NextToken"] = json!(token);
        }
        let reply = target.call("ListUserPools", body).await;
        let page = reply.ok();
        for pool in page["UserPools"].as_array().expect("pools") {
            listed.push((pool["Id"].as_str().expect("id").to_owned(), pool["Name"].as_str().expect("name").to_owned()));
        }
        next = page["NextToken"].as_str().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    assert!(next.is_none(), "pagination did not end");
    let mut created = created;
    created.sort();
    listed.sort();
    assert_eq!(listed, created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_creates_keep_ids_distinct_and_names_unique() {
    const CALLS: usize = 32;
    let world = world(0).await;
    // Clients: all distinct, all describable.
    let mut tasks = JoinSet::new();
    for _ in 0..CALLS {
        let world = Arc::clone(&world);
        tasks.spawn(async move { world.target.client(&world.pool, json!({ "GenerateSecret": true })).await });
    }
    let clients: Vec<AppClient> = tasks.join_all().await;
    let ids: HashSet<&str> = clients.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), CALLS);
    let secrets: HashSet<&str> = clients.iter().filter_map(|c| c.secret.as_deref()).collect();
    assert_eq!(secrets.len(), CALLS);
    for client in &clients {
        let reply = world
            .target
            .call("DescribeUserPoolClient", json!({ "UserPoolId": world.pool, "ClientId": client.id }))
            .await;
        assert_eq!(reply.ok()["UserPoolClient"]["ClientSecret"].as_str(), client.secret.as_deref());
    }
    // The same username created in parallel: exactly one wins.
    let mut tasks = JoinSet::new();
    for _ in 0..CALLS {
        let world = Arc::clone(&world);
        tasks.spawn(async move {
            let body = json!({ "UserPoolId": world.pool, "Username": "racer", "MessageAction": "SUPPRESS" });
            world.target.call("AdminCreateUser", body).await
        });
    }
    let replies: Vec<Reply> = tasks.join_all().await;
    let winners = replies.iter().filter(|r| r.status == StatusCode::OK).count();
    assert_eq!(winners, 1);
    for reply in replies.iter().filter(|r| r.status != StatusCode::OK) {
        reply.expect_error("UsernameExistsException");
    }
    // The same domain prefix claimed by many pools in parallel: exactly one wins.
    let mut pools = Vec::new();
    for _ in 0..8 {
        pools.push(world.target.pool().await);
    }
    let mut tasks = JoinSet::new();
    for pool in pools {
        let world = Arc::clone(&world);
        tasks.spawn(async move {
            world.target.call("CreateUserPoolDomain", json!({ "UserPoolId": pool, "Domain": "contested" })).await
        });
    }
    let replies: Vec<Reply> = tasks.join_all().await;
    assert_eq!(replies.iter().filter(|r| r.status == StatusCode::OK).count(), 1);
    for reply in replies.iter().filter(|r| r.status != StatusCode::OK) {
        reply.expect_error("InvalidParameterException");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn global_sign_out_racing_sign_ins_spares_no_earlier_session_and_no_other_user() {
    const SIGN_INS: usize = 16;
    let world = world(2).await;
    let (victim, bystander) = (world.users[0].clone(), world.users[1].clone());
    let client = world.clients[0].clone();
    let earlier: Vec<Session> = {
        let mut sessions = Vec::new();
        for _ in 0..4 {
            sessions.push(world.target.sign_in(&client, &victim).await);
        }
        sessions
    };
    let bystander_session = world.target.sign_in(&client, &bystander).await;
    let start = Arc::new(Barrier::new(SIGN_INS + 1));
    let mut tasks = JoinSet::new();
    for i in 0..SIGN_INS {
        let (world, start, client) = (Arc::clone(&world), Arc::clone(&start), client.clone());
        let user = if i % 2 == 0 { victim.clone() } else { bystander.clone() };
        tasks.spawn(async move {
            start.wait().await;
            world.target.sign_in(&client, &user).await
        });
    }
    start.wait().await;
    let reply =
        world.target.call("AdminUserGlobalSignOut", json!({ "UserPoolId": world.pool, "Username": victim })).await;
    assert_eq!(reply.ok(), &json!({}));
    let racing: Vec<Session> = tasks.join_all().await;
    // Sessions that existed before the sign-out are all dead.
    for session in &earlier {
        let message = world.target.refresh(&client, session).await.expect_error("NotAuthorizedException");
        assert_eq!(message, "Refresh Token has been revoked");
    }
    // The other user's sessions, earlier or racing, all live.
    world.target.refresh(&client, &bystander_session).await.ok();
    for session in racing.iter().filter(|s| s.username == bystander) {
        world.target.refresh(&client, session).await.ok();
        world.target.get_user(&session.access_token).await.ok();
    }
    // The victim's racing sessions are either dead or fully alive, never half (refresh works but
    // the access token is refused, or the other way round).
    for session in racing.iter().filter(|s| s.username == victim) {
        let refresh_ok = world.target.refresh(&client, session).await.status == StatusCode::OK;
        let access_ok = world.target.get_user(&session.access_token).await.status == StatusCode::OK;
        assert_eq!(refresh_ok, access_ok, "a half-revoked family");
    }
}
