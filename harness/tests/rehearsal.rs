//! The AWS rehearsal through the harness's own client, as `run --target aws --rehearsal` uses it:
//! real host names resolved to loopback, TLS checked against the rehearsal's CA, SigV4 from
//! `wire::sigv4::Signer`, hosted domains at `https://<prefix>.auth.<region>.amazoncognito.com`.
//!
//! Each test switches on the one knob it checks ([`RehearsalConfig::quiet`] has all of them off).

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use cognito_conformance::rehearsal::{Rehearsal, RehearsalConfig, RehearsalCredentials};
use cognito_conformance::wire::sigv4::{SERVICE, Signer};
use cognito_conformance::wire::{CaBundle, Exchange, HostedAddressing, Network, Wire, WireError, WireOptions};
use serde_json::{Value, json};

const REGION: &str = "us-east-1";
const ENDPOINT: &str = "https://cognito-idp.us-east-1.amazonaws.com";
const PASSWORD: &str = "Passw0rd!";

/// How long a test polls for something that happens after a delay before it gives up.
const PATIENCE: Duration = Duration::from_secs(20);

async fn start(config: RehearsalConfig) -> Rehearsal {
    Rehearsal::start(config).await.expect("the rehearsal starts")
}

fn network(rehearsal: &Rehearsal, trust_ca: bool) -> Network {
    let ca_bundle = trust_ca.then(|| {
        CaBundle::from_pem(Path::new("rehearsal-ca.pem"), rehearsal.ca_pem().as_bytes().to_vec()).expect("a PEM CA")
    });
    Network { ca_bundle, rehearsal: Some(rehearsal.addr()) }
}

/// The harness's client for the rehearsal, without throttling retries unless asked.
fn wire_with(rehearsal: &Rehearsal, trust_ca: bool, throttle_retries: u32) -> Wire {
    let options = WireOptions {
        network: network(rehearsal, trust_ca),
        throttle_retries,
        timeout: Duration::from_secs(10),
        ..WireOptions::default()
    };
    Wire::new(ENDPOINT, REGION, HostedAddressing::Real, options).expect("a client")
}

fn signer_for(credentials: &RehearsalCredentials) -> Signer {
    Signer::new(
        &credentials.access_key_id,
        credentials.secret_access_key(),
        credentials.session_token().map(str::to_owned),
        REGION,
        SERVICE,
    )
}

/// The client a rehearsed run uses: trusts the CA, signs with the rehearsal's credentials.
fn client(rehearsal: &Rehearsal) -> Wire {
    wire_with(rehearsal, true, 0).with_signer(signer_for(rehearsal.credentials()))
}

async fn call(wire: &Wire, operation: &str, body: Value) -> Exchange {
    let request = wire.api_request(operation, body.to_string().into_bytes());
    wire.send(&request).await.unwrap_or_else(|error| panic!("{operation}: no answer: {error}"))
}

#[track_caller]
fn ok(exchange: &Exchange) -> Value {
    assert_eq!(exchange.status, 200, "{}", String::from_utf8_lossy(&exchange.body));
    exchange.json().expect("a JSON answer")
}

#[track_caller]
fn assert_error(exchange: &Exchange, error_type: &str) -> String {
    assert_eq!(exchange.status, 400, "{}", String::from_utf8_lossy(&exchange.body));
    assert_eq!(exchange.error_type().as_deref(), Some(error_type));
    assert_eq!(exchange.header("x-amzn-errortype"), Some(format!("{error_type}:").as_str()));
    exchange.json().and_then(|body| body["message"].as_str().map(str::to_owned)).expect("a message")
}

async fn create_pool(wire: &Wire) -> String {
    let created = ok(&call(wire, "CreateUserPool", json!({ "PoolName": "rehearsal" })).await);
    created["UserPool"]["Id"].as_str().expect("a pool id").to_owned()
}

/// A pool with a public client and a user who can sign in: (pool id, client id).
async fn pool_with_user(wire: &Wire) -> (String, String) {
    let pool = create_pool(wire).await;
    let body = json!({
        "UserPoolId": pool, "ClientName": "rehearsal",
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    });
    let client = ok(&call(wire, "CreateUserPoolClient", body).await)["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("a client id")
        .to_owned();
    ok(&call(wire, "AdminCreateUser", json!({ "UserPoolId": pool, "Username": "alice", "MessageAction": "SUPPRESS" }))
        .await);
    let password = json!({ "UserPoolId": pool, "Username": "alice", "Password": PASSWORD, "Permanent": true });
    ok(&call(wire, "AdminSetUserPassword", password).await);
    (pool, client)
}

async fn sign_in(wire: &Wire, client: &str) -> String {
    let body = json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": { "USERNAME": "alice", "PASSWORD": PASSWORD } });
    ok(&call(wire, "InitiateAuth", body).await)["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .expect("a refresh token")
        .to_owned()
}

async fn refresh(wire: &Wire, client: &str, refresh_token: &str) -> Exchange {
    let body = json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": { "REFRESH_TOKEN": refresh_token } });
    call(wire, "InitiateAuth", body).await
}

/// `POST /oauth2/revoke` on the domain `prefix`, at its real host name.
async fn hosted_revoke(wire: &Wire, prefix: &str, form: &str) -> Result<Exchange, WireError> {
    let mut request = wire.hosted_request(prefix, reqwest::Method::POST, "/oauth2/revoke");
    request.headers.push(("content-type".into(), "application/x-www-form-urlencoded".into()));
    request.body = form.as_bytes().to_vec();
    wire.send(&request).await
}

#[tokio::test]
async fn a_signed_admin_call_is_answered_and_counted() {
    let rehearsal = start(RehearsalConfig::quiet()).await;
    let wire = client(&rehearsal);
    ok(&call(&wire, "ListUserPools", json!({ "MaxResults": 10 })).await);
    let pool = create_pool(&wire).await;
    let listed = ok(&call(&wire, "ListUserPools", json!({ "MaxResults": 10 })).await);
    assert_eq!(listed["UserPools"][0]["Id"], json!(pool));
    // Keys are served on the API host, as on AWS.
    let jwks = wire.send(&wire.plain_request(reqwest::Method::GET, &format!("/{pool}/.well-known/jwks.json"))).await;
    assert_eq!(jwks.expect("an answer").status, 200);
    let calls = rehearsal.calls();
    assert_eq!(calls.get("ListUserPools"), Some(&2));
    assert_eq!(calls.get("CreateUserPool"), Some(&1));
    assert_eq!(calls.get("jwks.json"), Some(&1));
    rehearsal.shutdown().await;
}

#[tokio::test]
async fn an_unsigned_admin_call_is_missing_its_token_and_public_calls_need_none() {
    let rehearsal = start(RehearsalConfig::quiet()).await;
    let unsigned = wire_with(&rehearsal, true, 0);
    let message = assert_error(
        &call(&unsigned, "CreateUserPool", json!({ "PoolName": "x" })).await,
        "MissingAuthenticationTokenException",
    );
    assert_eq!(message, "Missing Authentication Token");
    // InitiateAuth is unsigned on AWS: it reaches the service (and fails there, for want of a client).
    let public = call(
        &unsigned,
        "InitiateAuth",
        json!({ "ClientId": "nope", "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": { "USERNAME": "a", "PASSWORD": "b" } }),
    )
    .await;
    assert_eq!(public.error_type().as_deref(), Some("ResourceNotFoundException"));
    assert_eq!(rehearsal.stats().pools, 0);
    rehearsal.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_is_an_invalid_signature() {
    let rehearsal = start(RehearsalConfig::quiet()).await;
    let credentials = rehearsal.credentials();
    let wrong = Signer::new(&credentials.access_key_id, "not-the-secret", None, REGION, SERVICE);
    let wire = wire_with(&rehearsal, true, 0).with_signer(wrong);
    let message =
        assert_error(&call(&wire, "ListUserPools", json!({ "MaxResults": 1 })).await, "InvalidSignatureException");
    assert!(message.starts_with("The request signature we calculated does not match the signature you provided."));
    // A body changed after signing is caught the same way.
    let mut request = client(&rehearsal).api_request("ListUserPools", br#"{"MaxResults":1}"#.to_vec());
    request.body = br#"{"MaxResults":2}"#.to_vec();
    assert_error(&wire.send(&request).await.expect("an answer"), "InvalidSignatureException");
    rehearsal.shutdown().await;
}

#[tokio::test]
async fn an_unknown_access_key_is_unrecognized() {
    let rehearsal = start(RehearsalConfig::quiet()).await;
    let stranger =
        Signer::new("AKIAIOSFODNN7EXAMPLE", rehearsal.credentials().secret_access_key(), None, REGION, SERVICE);
    let wire = wire_with(&rehearsal, true, 0).with_signer(stranger);
    let message =
        assert_error(&call(&wire, "ListUserPools", json!({ "MaxResults": 1 })).await, "UnrecognizedClientException");
    assert_eq!(message, "The security token included in the request is invalid.");
    rehearsal.shutdown().await;
}

#[tokio::test]
async fn a_configured_session_token_is_required_and_accepted() {
    let credentials =
        RehearsalCredentials::new("ASIAREHEARSALEXAMPLE", "temporary-secret", Some("session-token".into()));
    let rehearsal = start(RehearsalConfig { credentials: Some(credentials.clone()), ..RehearsalConfig::quiet() }).await;
    let with_token = wire_with(&rehearsal, true, 0).with_signer(signer_for(&credentials));
    ok(&call(&with_token, "ListUserPools", json!({ "MaxResults": 1 })).await);
    let without = Signer::new(&credentials.access_key_id, credentials.secret_access_key(), None, REGION, SERVICE);
    let without = wire_with(&rehearsal, true, 0).with_signer(without);
    assert_error(&call(&without, "ListUserPools", json!({ "MaxResults": 1 })).await, "UnrecognizedClientException");
    rehearsal.shutdown().await;
}

#[tokio::test]
async fn a_skewed_clock_gets_the_signature_expired_error() {
    let rehearsal = start(RehearsalConfig::quiet()).await;
    let wire = wire_with(&rehearsal, true, 0);
    let signer = signer_for(rehearsal.credentials());
    for (offset_past, expected) in [(true, "Signature expired: "), (false, "Signature not yet current: ")] {
        let mut request = wire.api_request("ListUserPools", br#"{"MaxResults":1}"#.to_vec());
        let ten_minutes = Duration::from_secs(600);
        let time = if offset_past { SystemTime::now() - ten_minutes } else { SystemTime::now() + ten_minutes };
        signer.sign(&mut request, time).expect("signed");
        let message = assert_error(&wire.send(&request).await.expect("an answer"), "InvalidSignatureException");
        assert!(message.starts_with(expected), "{message}");
        assert!(message.ends_with(if offset_past { " - 5 min.)" } else { " + 5 min.)" }), "{message}");
    }
    rehearsal.shutdown().await;
}

#[tokio::test]
async fn requests_past_the_rate_limit_are_throttled_and_the_harness_retries_them() {
    let rehearsal = start(RehearsalConfig { rate_limit: Some(1), ..RehearsalConfig::quiet() }).await;
    let impatient = client(&rehearsal);
    let mut throttled = 0;
    for _ in 0..5 {
        let answer = call(&impatient, "ListUserPools", json!({ "MaxResults": 1 })).await;
        if answer.status != 200 {
            assert_eq!(assert_error(&answer, "TooManyRequestsException"), "Rate exceeded");
            throttled += 1;
        }
    }
    assert!(throttled > 0, "five calls in a row at one a second: none throttled");
    // With retries and backoff, as the harness runs against AWS, every call gets through.
    let options = WireOptions { backoff: Duration::from_millis(300), ..WireOptions::default() };
    let patient = Wire::new(
        ENDPOINT,
        REGION,
        HostedAddressing::Real,
        WireOptions { network: network(&rehearsal, true), ..options },
    )
    .expect("a client")
    .with_signer(signer_for(rehearsal.credentials()));
    for _ in 0..3 {
        ok(&call(&patient, "ListUserPools", json!({ "MaxResults": 1 })).await);
    }
    assert!(rehearsal.throttled() >= throttled);
    assert_eq!(rehearsal.calls()["ListUserPools"], 8 + rehearsal.throttled() - throttled);
    rehearsal.shutdown().await;
}

#[tokio::test]
async fn a_new_domain_refuses_connections_during_its_delay_then_answers() {
    let delay = Duration::from_secs(3);
    let rehearsal = start(RehearsalConfig { domain_delay: delay, ..RehearsalConfig::quiet() }).await;
    let wire = client(&rehearsal);
    // A domain nobody created never answers.
    assert!(hosted_revoke(&wire, "never-created", "token=x").await.is_err());
    let (pool, client_id) = pool_with_user(&wire).await;
    ok(&call(&wire, "CreateUserPoolDomain", json!({ "UserPoolId": pool, "Domain": "rehearsal-domain" })).await);
    let created = Instant::now();
    let early = hosted_revoke(&wire, "rehearsal-domain", "token=x").await;
    assert!(created.elapsed() < delay, "the machine is too slow for this test's delay");
    assert!(early.is_err(), "a domain younger than its delay answered: {early:?}");
    // It answers once the delay is over: the revoke of a live token works there.
    let refresh_token = sign_in(&wire, &client_id).await;
    let form = format!("token={refresh_token}&client_id={client_id}");
    let answer = loop {
        match hosted_revoke(&wire, "rehearsal-domain", &form).await {
            Ok(answer) => break answer,
            Err(_) if created.elapsed() < PATIENCE => tokio::time::sleep(Duration::from_millis(200)).await,
            Err(error) => panic!("the domain never answered: {error}"),
        }
    };
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    assert_error(&refresh(&wire, &client_id, &refresh_token).await, "NotAuthorizedException");
    assert_eq!(rehearsal.calls().get("oauth2/revoke"), Some(&1), "refused handshakes are not requests");
    rehearsal.shutdown().await;
}

#[tokio::test]
async fn a_revocation_answers_at_once_and_takes_effect_after_the_lag() {
    let lag = Duration::from_secs(2);
    let rehearsal = start(RehearsalConfig { revocation_lag: lag, ..RehearsalConfig::quiet() }).await;
    let wire = client(&rehearsal);
    let (_, client_id) = pool_with_user(&wire).await;
    let refresh_token = sign_in(&wire, &client_id).await;
    ok(&call(&wire, "RevokeToken", json!({ "Token": refresh_token, "ClientId": client_id })).await);
    let revoked = Instant::now();
    let right_after = refresh(&wire, &client_id, &refresh_token).await;
    assert!(revoked.elapsed() < lag, "the machine is too slow for this test's lag");
    ok(&right_after);
    loop {
        let answer = refresh(&wire, &client_id, &refresh_token).await;
        if answer.status != 200 {
            assert_error(&answer, "NotAuthorizedException");
            break;
        }
        assert!(revoked.elapsed() < PATIENCE, "the revocation never took effect");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    rehearsal.shutdown().await;
}

#[tokio::test]
async fn pools_beyond_the_quota_are_refused() {
    let rehearsal = start(RehearsalConfig { max_pools: 2, ..RehearsalConfig::quiet() }).await;
    let wire = client(&rehearsal);
    create_pool(&wire).await;
    let second = create_pool(&wire).await;
    assert_error(&call(&wire, "CreateUserPool", json!({ "PoolName": "third" })).await, "LimitExceededException");
    ok(&call(&wire, "DeleteUserPool", json!({ "UserPoolId": second })).await);
    create_pool(&wire).await;
    rehearsal.shutdown().await;
}

#[tokio::test]
async fn a_pool_with_a_domain_is_deleted_only_after_its_domain() {
    let rehearsal = start(RehearsalConfig::quiet()).await;
    let wire = client(&rehearsal);
    let pool = create_pool(&wire).await;
    ok(&call(&wire, "CreateUserPoolDomain", json!({ "UserPoolId": pool, "Domain": "rehearsal-first" })).await);
    let message =
        assert_error(&call(&wire, "DeleteUserPool", json!({ "UserPoolId": pool })).await, "InvalidParameterException");
    assert!(message.contains("domain configured"), "{message}");
    ok(&call(&wire, "DeleteUserPoolDomain", json!({ "UserPoolId": pool, "Domain": "rehearsal-first" })).await);
    ok(&call(&wire, "DeleteUserPool", json!({ "UserPoolId": pool })).await);
    assert_eq!(rehearsal.stats().pools, 0);
    rehearsal.shutdown().await;
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_fails_verification() {
    let rehearsal = start(RehearsalConfig::quiet()).await;
    let untrusting = wire_with(&rehearsal, false, 0).with_signer(signer_for(rehearsal.credentials()));
    let request = untrusting.api_request("ListUserPools", br#"{"MaxResults":1}"#.to_vec());
    let error = untrusting.send(&request).await.expect_err("an untrusted certificate was accepted");
    assert!(matches!(error, WireError::Connect(_) | WireError::Other(_)), "{error:?}");
    assert!(rehearsal.calls().is_empty(), "a request got through: {:?}", rehearsal.calls());
    rehearsal.shutdown().await;
}

/// `serve --aws-rehearsal` as a process: it writes the CA and a private credentials file that
/// work together (a call signed with them is answered), prints the address and the command but
/// never the secret, and stops on SIGTERM.
#[test]
fn serve_aws_rehearsal_writes_its_state_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().expect("a temp dir");
    let state = dir.path().join("state");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-conformance"))
        .args(["serve", "--aws-rehearsal", "--port", "0", "--state-dir"])
        .arg(&state)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut printed = String::new();
    while !printed.contains("--create-aws-resources") {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("a line") == 0 {
            let mut stderr = String::new();
            let _ = child.stderr.take().map(|mut e| e.read_to_string(&mut stderr));
            panic!("stdout ended early: {printed}\nstderr: {stderr}");
        }
        printed.push_str(&line);
    }
    let addr: std::net::SocketAddr = printed
        .lines()
        .find_map(|line| line.strip_prefix("AWS rehearsal listening on "))
        .expect("the address line")
        .parse()
        .expect("an address");
    assert!(addr.ip().is_loopback());
    let ca_path = state.join("ca.pem");
    let credentials_path = state.join("credentials");
    let command = format!(
        "AWS_SHARED_CREDENTIALS_FILE={} AWS_PROFILE=rehearsal AWS_EC2_METADATA_DISABLED=true cognito-conformance run \
         --target aws --region us-east-1 --ca-bundle {} --rehearsal {addr} --create-aws-resources",
        credentials_path.display(),
        ca_path.display()
    );
    assert!(printed.contains(&command), "{printed}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&credentials_path).expect("credentials written").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let file = std::fs::read_to_string(&credentials_path).expect("credentials readable");
    let value =
        |key: &str| file.lines().find_map(|line| line.strip_prefix(key)?.trim_start().strip_prefix('=')).map(str::trim);
    let (key, secret) = (value("aws_access_key_id").expect("a key"), value("aws_secret_access_key").expect("a secret"));
    assert!(file.starts_with("[rehearsal]\n") && secret.len() >= 40, "{}", file.lines().next().unwrap_or_default());
    assert!(!printed.contains(secret), "the secret key was printed");

    let ca = CaBundle::load(&ca_path).expect("a CA bundle");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let status = runtime.block_on(async {
        let options =
            WireOptions { network: Network { ca_bundle: Some(ca), rehearsal: Some(addr) }, ..WireOptions::default() };
        let wire = Wire::new(ENDPOINT, REGION, HostedAddressing::Real, options)
            .expect("a client")
            .with_signer(Signer::new(key, secret, None, REGION, SERVICE));
        call(&wire, "ListUserPools", json!({ "MaxResults": 1 })).await.status
    });
    assert_eq!(status, 200);

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(killed.success());
    let exit = child.wait().expect("exits");
    assert_eq!(exit.code(), Some(0));
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("the rest of stdout");
    assert!(rest.contains("AWS rehearsal stopped"), "{rest}");
    assert!(rest.lines().any(|line| line.split_whitespace().eq(["ListUserPools", "1"])), "{rest}");
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("stderr");
    assert!(!rest.contains(secret) && !stderr.contains(secret), "the secret key was printed");
}
