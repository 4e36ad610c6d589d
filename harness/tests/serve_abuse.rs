//! `serve` under abuse, as a real process on a loopback port: slowloris and idle connections (also
//! under a file-descriptor limit), oversized and stalled bodies, deeply nested JSON, duplicate and
//! missing `Host` headers, attribute limits, concurrent revoke-versus-refresh on one token, and the
//! memory a deleted pool gives back. Every wait is bounded by the server's own timeout plus a
//! margin; nothing else is timed. The README's `serve` reliability rows are written from the very
//! case lists run here (`common::reliability`).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cognito_conformance::reference::{Limits, ReferenceConfig, ReferenceServer};
use common::RefreshPath;
use common::reliability::{Row, check_section};
use common::serve::raw::{self, End};
use common::serve::{Api, ServeProcess};
use serde_json::{Value, json};
use tokio::task::JoinSet;

/// The timeouts the suite starts `serve` with: short, so that the bounds below stay short.
const HEADER: Duration = Duration::from_secs(1);
const IDLE: Duration = Duration::from_secs(3);
const BODY: Duration = Duration::from_secs(1);
/// How much later than its timeout the server may act.
const MARGIN: Duration = Duration::from_secs(5);

fn timeouts() -> Vec<String> {
    let secs = |d: Duration| format!("{}s", d.as_secs());
    vec![
        "--header-timeout".into(),
        secs(HEADER),
        "--idle-timeout".into(),
        secs(IDLE),
        "--body-timeout".into(),
        secs(BODY),
    ]
}

fn start(extra: &[&str], fd_limit: Option<u32>) -> ServeProcess {
    let mut args: Vec<String> = timeouts();
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ServeProcess::start(&args, fd_limit)
}

/// Slowloris: request heads that trickle in a byte every 200 ms are cut off by the header timeout.
async fn slowloris(serve: &ServeProcess) -> Row {
    let heads =
        ["POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", "GET /oauth2/token HTTP/1.1\r\n", "P", "\r\n\r\n\r\n"];
    let mut tasks = JoinSet::new();
    for head in heads {
        let addr = serve.addr.clone();
        tasks.spawn(async move {
            let mut stream = raw::connect(&addr).await;
            let since = Instant::now();
            raw::write(&mut stream, head.as_bytes()).await;
            loop {
                if !raw::write(&mut stream, b"a").await {
                    return (head, since.elapsed());
                }
                if let End::Closed(after, _) =
                    raw::wait_closed(&mut stream, since, since.elapsed() + Duration::from_millis(200)).await
                {
                    return (head, after);
                }
                assert!(since.elapsed() < HEADER + MARGIN, "{head:?}: still open after {:?}", since.elapsed());
            }
        });
    }
    while let Some(result) = tasks.join_next().await {
        let (head, after) = result.expect("no panic");
        assert!(after <= HEADER + MARGIN, "{head:?}: closed after {after:?}");
    }
    Row::new(
        "slowloris: a request head trickling in a byte every 200 ms",
        heads.len(),
        "closed within the header timeout (+5 s)",
    )
}

/// Idle connections, fresh and after a keep-alive exchange, are closed by the idle timeout (not
/// sooner: idle is not slow).
async fn idle(serve: &ServeProcess) -> Row {
    let mut tasks = JoinSet::new();
    for used in [false, false, true, true] {
        let addr = serve.addr.clone();
        tasks.spawn(async move {
            // Taken before the server's clock can start (before connecting, before the request), so
            // that "not before the idle timeout" holds however late this task runs.
            let since = Instant::now();
            let mut stream = raw::connect(&addr).await;
            if used {
                let (status, _) =
                    raw::exchange(&mut stream, &raw::api_request("ListUserPools", "{\"MaxResults\":1}")).await;
                assert_eq!(status, 200);
            }
            (used, raw::wait_closed(&mut stream, since, IDLE + MARGIN).await)
        });
    }
    let mut tried = 0;
    while let Some(result) = tasks.join_next().await {
        let (used, end) = result.expect("no panic");
        match end {
            End::Closed(after, _) => {
                assert!(after >= IDLE, "used={used}: closed after {after:?}, before the idle timeout")
            }
            End::Open => panic!("used={used}: an idle connection still open after {:?}", IDLE + MARGIN),
        }
        tried += 1;
    }
    Row::new(
        "idle connections (fresh, and after a keep-alive request)",
        tried,
        "closed within the idle timeout (+5 s), not before",
    )
}

/// Under `ulimit -n 64`, 100 idle connections cannot keep a new client out for longer than the
/// idle timeout.
async fn descriptor_limit() -> Row {
    let serve = start(&[], Some(64));
    let mut held = Vec::new();
    for _ in 0..100 {
        held.push(raw::connect(&serve.addr).await);
    }
    let http = reqwest::Client::builder().timeout(IDLE + MARGIN).build().expect("client");
    let api = Api { http, endpoint: format!("http://{}", serve.addr) };
    let request = api
        .http
        .post(format!("{}/", api.endpoint))
        .header("X-Amz-Target", "AWSCognitoIdentityProviderService.ListUserPools")
        .header("Content-Type", "application/x-amz-json-1.1")
        .body("{\"MaxResults\":1}");
    let reply = request.send().await.expect("answered within the idle timeout (+5 s)");
    assert_eq!(reply.status(), 200);
    drop(held);
    Row::new(
        "100 idle connections against `ulimit -n 64`",
        100,
        "a new client is answered within the idle timeout (+5 s)",
    )
}

/// Bodies over 256 KiB, however framed, get a typed 413 and are not read to the end.
async fn oversized(serve: &ServeProcess) -> Row {
    let big = format!("{{\"PoolName\":\"{}\"}}", "a".repeat(300 * 1024));
    let requests: Vec<Vec<u8>> = vec![
        raw::api_request("CreateUserPool", &big),
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSCognitoIdentityProviderService.CreateUserPool\r\n\
          Content-Type: application/x-amz-json-1.1\r\nContent-Length: 1000000000\r\n\r\n{"
            .to_vec(),
        {
            let chunk = "a".repeat(64 * 1024);
            let mut request = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSCognitoIdentityProviderService.CreateUserPool\r\n\
                Content-Type: application/x-amz-json-1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                .to_vec();
            for _ in 0..5 {
                request.extend_from_slice(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
            }
            request
        },
    ];
    for request in &requests {
        let mut stream = raw::connect(&serve.addr).await;
        let since = Instant::now();
        let _ = raw::write(&mut stream, request).await;
        let answer = tokio::time::timeout(BODY + MARGIN - since.elapsed(), raw::read_response(&mut stream)).await;
        let (status, body) = answer.expect("answered in time").expect("a response");
        assert_eq!(status, 413, "{}", short(&body));
        assert!(body.contains("RequestEntityTooLargeException"), "{}", short(&body));
    }
    Row::new("oversized bodies (Content-Length, a lying Content-Length, chunked)", requests.len(), "typed 413")
}

/// Bodies that stop arriving get a typed 408 (RFC 9110 §15.5.9) within the body timeout.
async fn stalled(serve: &ServeProcess) -> Row {
    let api = serve.api();
    let pool = api.pool().await;
    api.call("CreateUserPoolDomain", json!({ "UserPoolId": pool, "Domain": "stall" })).await.ok();
    let cases: [(&str, &str); 3] = [
        (
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 1000\r\n\r\n{\"Max",
            "RequestTimeoutException",
        ),
        (
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools\r\nContent-Type: application/x-amz-json-1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"Max\r\n",
            "RequestTimeoutException",
        ),
        (
            "POST /_domain/stall/oauth2/revoke HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ntoken=",
            "invalid_request",
        ),
    ];
    for (request, error) in cases {
        let mut stream = raw::connect(&serve.addr).await;
        let since = Instant::now();
        raw::write(&mut stream, request.as_bytes()).await;
        let answer = tokio::time::timeout(BODY + MARGIN, raw::read_response(&mut stream)).await;
        let (status, body) = answer.expect("answered within the body timeout (+5 s)").expect("a response");
        assert_eq!(status, 408, "{}", short(&body));
        assert!(body.contains(error), "{}", short(&body));
        assert!(since.elapsed() >= BODY, "answered before the body timeout");
    }
    Row::new(
        "stalled bodies (Content-Length, chunked, hosted endpoint)",
        cases.len(),
        "typed 408 within the body timeout (+5 s)",
    )
}

/// Deeply nested JSON is a typed 400, never a stack overflow or a 500.
async fn deep_json(serve: &ServeProcess) -> Row {
    let api = serve.api();
    // 100,000 levels of arrays; objects take 5 bytes a level, so 40,000 keep under the body limit.
    let (n, m) = (100_000, 40_000);
    let bodies = [
        ("CreateUserPool", format!("{}{}", "[".repeat(n), "]".repeat(n))),
        ("CreateUserPool", "[".repeat(n)),
        ("CreateUserPool", format!("{{\"PoolName\":{}", "[".repeat(n))),
        ("CreateUserPool", format!("{{\"Schema\":{}1{}}}", "{\"a\":".repeat(m), "}".repeat(m))),
        ("AdminCreateUser", format!("{{\"ClientMetadata\":{}{}}}", "[".repeat(n), "]".repeat(n))),
        ("RevokeToken", format!("{{\"Token\":{}{}}}", "{\"t\":".repeat(m), "}".repeat(m))),
    ];
    for (operation, body) in &bodies {
        let reply = api.call_raw(operation, body.clone().into_bytes()).await;
        assert_eq!(reply.status, 400, "{operation}: {}", short(&reply.text));
        // Nesting inside a member the reference ignores is valid JSON, judged on the rest.
        let expected = if body.contains("Schema") || body.contains("ClientMetadata") {
            "InvalidParameterException"
        } else {
            "SerializationException"
        };
        assert_eq!(reply.error_type(), Some(expected), "{operation}: {}", short(&reply.text));
    }
    Row::new(
        "JSON nested 40,000–100,000 deep (top level, in a member, in an ignored member)",
        bodies.len(),
        "typed 400 (`SerializationException`; `InvalidParameterException` when the nesting is in an ignored member)",
    )
}

/// Two `Host` headers, or none, in an HTTP/1.1 request: 400 (RFC 9112 §3.2).
async fn host_headers(serve: &ServeProcess) -> Row {
    let target = "X-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n";
    let requests = [
        format!("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: 127.0.0.1\r\n{target}\r\n{{}}"),
        format!("POST / HTTP/1.1\r\nHost: a.auth.us-east-1.amazoncognito.com\r\nHost: 127.0.0.1\r\n{target}\r\n{{}}"),
        "POST /oauth2/revoke HTTP/1.1\r\nHost: x.auth.us-east-1.amazoncognito.com\r\nHost: y.auth.us-east-1.amazoncognito.com\r\nContent-Length: 2\r\n\r\n{}".to_owned(),
        format!("POST / HTTP/1.1\r\n{target}\r\n{{}}"),
    ];
    for request in &requests {
        let mut stream = raw::connect(&serve.addr).await;
        let (status, body) = raw::exchange(&mut stream, request.as_bytes()).await;
        assert_eq!(status, 400, "{}: {}", short(request), short(&body));
    }
    Row::new("duplicate or missing `Host` headers", requests.len(), "400")
}

/// At most 200 characters of `text`, for assertion messages about huge answers.
fn short(text: &str) -> String {
    text.chars().take(200).collect()
}

fn attributes(names: impl Iterator<Item = String>, value: &str) -> Value {
    Value::Array(names.map(|name| json!({ "Name": name, "Value": value })).collect())
}

/// AdminCreateUser keeps to the model's attribute limits: values of at most 2,048 characters,
/// names of 1–32, at most 50 custom attributes, and only attributes a pool can have.
async fn attribute_limits(serve: &ServeProcess) -> Row {
    let api = serve.api();
    let pool = api.pool().await;
    let refused = [
        attributes(std::iter::once("email".into()), &"a".repeat(200_000)),
        attributes(std::iter::once("custom:tier".into()), &"é".repeat(2049)),
        attributes((0..51).map(|i| format!("custom:a{i}")), "v"),
        attributes((0..1000).map(|i| format!("custom:a{i}")), "v"),
        attributes(std::iter::once(format!("custom:{}", "n".repeat(26))), "v"),
        attributes(std::iter::once("favourite_colour".into()), "v"),
    ];
    for (i, list) in refused.iter().enumerate() {
        let body = json!({ "UserPoolId": pool, "Username": format!("refused{i}"), "UserAttributes": list });
        let reply = api.call("AdminCreateUser", body).await;
        assert_eq!(
            (reply.status.as_u16(), reply.error_type()),
            (400, Some("InvalidParameterException")),
            "case {i}: {}",
            short(&reply.text)
        );
        let message = reply.message().unwrap_or_default();
        assert!(message.len() < 1024, "a {} byte message", message.len());
    }
    let accepted = [
        attributes(std::iter::once("email".into()), &"a".repeat(2048)),
        attributes(std::iter::once("custom:tier".into()), &"é".repeat(2048)),
        attributes((0..50).map(|i| format!("custom:a{i}")), "v"),
        attributes(["name", "email_verified", "dev:legacy"].into_iter().map(String::from), "true"),
    ];
    for (i, list) in accepted.iter().enumerate() {
        let body = json!({ "UserPoolId": pool, "Username": format!("accepted{i}"), "UserAttributes": list });
        let reply = api.call("AdminCreateUser", body).await;
        assert_eq!(reply.status, 200, "case {i}: {}", short(&reply.text));
    }
    let listed = api.call("AdminGetUser", json!({ "UserPoolId": pool, "Username": "refused0" })).await;
    listed.expect_error("UserNotFoundException");
    Row::new(
        "AdminCreateUser attributes: 200 KB or 2,049-character values, 51 and 1,000 custom attributes, a 33-character name, an unknown name",
        refused.len(),
        "`InvalidParameterException`; the limits themselves are accepted",
    )
}

/// The store's byte budget: users whose attributes would take the instance past `max_bytes`
/// answer `LimitExceededException`, and deleting them gives the room back.
async fn store_budget() -> Row {
    let limits = Limits { max_bytes: 1024 * 1024, ..Limits::default() };
    let server =
        ReferenceServer::start(ReferenceConfig { limits, ..ReferenceConfig::default() }).await.expect("starts");
    let api = Api { http: reqwest::Client::new(), endpoint: server.endpoint() };
    let pool = api.pool().await;
    let list = attributes((0..50).map(|i| format!("custom:a{i}")), &"v".repeat(2048));
    let mut created = 0;
    let last = loop {
        let body = json!({ "UserPoolId": pool, "Username": format!("u{created}"), "UserAttributes": list });
        let reply = api.call("AdminCreateUser", body).await;
        if reply.status != 200 || created > 64 {
            break reply;
        }
        created += 1;
    };
    assert_eq!(last.error_type(), Some("LimitExceededException"), "after {created} users: {}", short(&last.text));
    assert!((1..=10).contains(&created), "{created} users of ~100 KB fit in 1 MiB");
    api.call("AdminDeleteUser", json!({ "UserPoolId": pool, "Username": "u0" })).await.ok();
    let body = json!({ "UserPoolId": pool, "Username": "again", "UserAttributes": list });
    api.call("AdminCreateUser", body).await.ok();
    Row::new("users past the store's byte budget", created + 1, "`LimitExceededException`; room given back on deletion")
}

/// Concurrent revoke and refreshes of one token: no refresh sent after the revoke's 200 arrived
/// succeeds.
async fn revoke_versus_refresh(serve: &ServeProcess) -> Row {
    let api = serve.api();
    let pool = api.pool().await;
    let client = api.client(&pool, json!({})).await;
    api.user(&pool, "racer").await;
    let (pairs, refreshes) = (40, 6);
    let mut after = 0;
    for _ in 0..pairs {
        let session = api.sign_in(&client, "racer").await;
        let token: Arc<str> = session.refresh_token.into();
        let mut tasks = JoinSet::new();
        for k in 0..refreshes {
            let (api, client, token) = (api.clone(), client.clone(), token.clone());
            tasks.spawn(async move {
                tokio::time::sleep(Duration::from_millis(k * 3)).await;
                let sent = Instant::now();
                let status = api.refresh_on(&client, "racer", &token, RefreshPath::RefreshTokenAuth).await.status;
                (sent, status)
            });
        }
        tokio::time::sleep(Duration::from_millis(4)).await;
        let revoke = api.revoke(&client, &token).await;
        assert_eq!(revoke.status, 200, "{}", revoke.text);
        let answered = Instant::now();
        while let Some(result) = tasks.join_next().await {
            let (sent, status) = result.expect("no panic");
            if sent > answered {
                after += 1;
                assert_ne!(status, 200, "a refresh sent after the revoke answered 200 succeeded");
            }
        }
        let late = api.refresh_on(&client, "racer", &token, RefreshPath::RefreshTokenAuth).await;
        late.expect_error("NotAuthorizedException");
        after += 1;
    }
    // How many refreshes started after the revoke answered varies from run to run; at least the
    // late one of each round did.
    assert!(after >= pairs, "{after} refreshes sent after a revoke's 200");
    Row::new(
        format!("refreshes racing a revoke of the same token ({pairs} rounds of {refreshes}, and a late one)"),
        pairs * (refreshes as usize + 1),
        "none sent after the revoke's 200 succeeds",
    )
}

/// Memory comes back after DeleteUserPool: 1,000 users with 24 attributes of 2,000 characters.
async fn memory_after_deletion() -> Row {
    let serve = start(&[], None);
    let api = serve.api();
    let pool = api.pool().await;
    let baseline = serve.rss();
    let list = attributes((0..24).map(|i| format!("custom:a{i}")), &"m".repeat(2000));
    let users = 1000;
    for i in 0..users {
        let body = json!({ "UserPoolId": pool, "Username": format!("m{i}"), "UserAttributes": list });
        api.call("AdminCreateUser", body).await.ok();
    }
    let peak = serve.rss();
    api.call("DeleteUserPool", json!({ "UserPoolId": pool })).await.ok();
    let after = serve.rss();
    let mb = |b: u64| b as f64 / 1e6;
    eprintln!(
        "RSS: baseline {:.1} MB, with {users} users {:.1} MB, after DeleteUserPool {:.1} MB",
        mb(baseline),
        mb(peak),
        mb(after)
    );
    let grown = peak.saturating_sub(baseline);
    assert!(grown > 40_000_000, "the users took {:.1} MB", mb(grown));
    assert!(
        after.saturating_sub(baseline) <= grown / 4,
        "{:.1} of {:.1} MB kept",
        mb(after.saturating_sub(baseline)),
        mb(grown)
    );
    Row::new(
        "1,000 users of 48 KB of attributes, then DeleteUserPool",
        users,
        "at most a quarter of the memory they took stays resident",
    )
}

/// Runs one class on its own task, so that a failing class does not hide the others.
fn class<F>(tasks: &mut Vec<(&'static str, tokio::task::JoinHandle<Row>)>, name: &'static str, future: F)
where
    F: std::future::Future<Output = Row> + Send + 'static,
{
    tasks.push((name, tokio::spawn(future)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serve_survives_abuse() {
    let serve = Arc::new(start(&[], None));
    let mut tasks = Vec::new();
    let s = || serve.clone();
    let one = s();
    class(&mut tasks, "slowloris", async move { slowloris(&one).await });
    let one = s();
    class(&mut tasks, "idle", async move { idle(&one).await });
    class(&mut tasks, "descriptor limit", descriptor_limit());
    let one = s();
    class(&mut tasks, "oversized", async move { oversized(&one).await });
    let one = s();
    class(&mut tasks, "stalled", async move { stalled(&one).await });
    let one = s();
    class(&mut tasks, "deep json", async move { deep_json(&one).await });
    let one = s();
    class(&mut tasks, "host headers", async move { host_headers(&one).await });
    let one = s();
    class(&mut tasks, "attribute limits", async move { attribute_limits(&one).await });
    class(&mut tasks, "store budget", store_budget());
    let one = s();
    class(&mut tasks, "revoke versus refresh", async move { revoke_versus_refresh(&one).await });
    class(&mut tasks, "memory after deletion", memory_after_deletion());
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for (name, task) in tasks {
        match task.await {
            Ok(row) => rows.push(row),
            Err(_) => failed.push(name),
        }
    }
    assert!(failed.is_empty(), "classes that failed (their panics are above): {failed:?}");
    check_section("serve", &rows);
}
