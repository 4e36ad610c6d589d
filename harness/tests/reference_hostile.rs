//! Hostile input never gets a 5xx, a panic or a hang from the reference target: property tests
//! over the bodies of every JSON API operation and over the hosted endpoints' forms and
//! `Authorization` headers, plus plain tests of framing (size limit, target, content type, paths)
//! and of secrecy (no error ever quotes a submitted token or secret, spec §8.5, §8.14).

mod common;

use std::sync::LazyLock;
use std::time::Duration;

use cognito_conformance::reference::secret_hash;
use common::{AppClient, Reply, Session, Target, basic};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use serde_json::{Map, Value, json};

/// The reference's default body limit.
const BODY_LIMIT: usize = 256 * 1024;

/// The hosted domain of the shared fixture.
const DOMAIN: &str = "hostile";

/// Every operation the reference answers, and the members of its input shape.
const OPERATIONS: &[(&str, &[&str])] = &[
    ("CreateUserPool", &["PoolName", "Policies", "DeletionProtection", "UsernameAttributes", "AliasAttributes"]),
    ("DeleteUserPool", &["UserPoolId"]),
    ("ListUserPools", &["MaxResults", "NextToken"]),
    ("CreateUserPoolDomain", &["Domain", "UserPoolId", "CustomDomainConfig"]),
    ("DeleteUserPoolDomain", &["Domain", "UserPoolId"]),
    (
        "CreateUserPoolClient",
        &[
            "UserPoolId",
            "ClientName",
            "GenerateSecret",
            "ClientSecret",
            "RefreshTokenValidity",
            "AccessTokenValidity",
            "IdTokenValidity",
            "TokenValidityUnits",
            "ExplicitAuthFlows",
            "EnableTokenRevocation",
            "RefreshTokenRotation",
            "ReadAttributes",
            "CallbackURLs",
        ],
    ),
    (
        "UpdateUserPoolClient",
        &[
            "UserPoolId",
            "ClientId",
            "ClientName",
            "RefreshTokenValidity",
            "AccessTokenValidity",
            "TokenValidityUnits",
            "ExplicitAuthFlows",
            "EnableTokenRevocation",
            "RefreshTokenRotation",
        ],
    ),
    ("DescribeUserPoolClient", &["UserPoolId", "ClientId"]),
    ("DeleteUserPoolClient", &["UserPoolId", "ClientId"]),
    ("AdminCreateUser", &["UserPoolId", "Username", "UserAttributes", "TemporaryPassword", "MessageAction"]),
    ("AdminGetUser", &["UserPoolId", "Username"]),
    ("AdminSetUserPassword", &["UserPoolId", "Username", "Password", "Permanent"]),
    ("AdminDeleteUser", &["UserPoolId", "Username"]),
    ("AdminDisableUser", &["UserPoolId", "Username"]),
    ("AdminEnableUser", &["UserPoolId", "Username"]),
    ("AdminUserGlobalSignOut", &["UserPoolId", "Username"]),
    ("InitiateAuth", &["ClientId", "AuthFlow", "AuthParameters", "ClientMetadata"]),
    ("AdminInitiateAuth", &["UserPoolId", "ClientId", "AuthFlow", "AuthParameters"]),
    ("GetTokensFromRefreshToken", &["RefreshToken", "ClientId", "ClientSecret", "DeviceKey"]),
    ("RevokeToken", &["Token", "ClientId", "ClientSecret", "RevokeAssociatedSessions"]),
    ("GetUser", &["AccessToken"]),
    ("GlobalSignOut", &["AccessToken"]),
    ("NoSuchOperation", &["Anything"]),
];

/// One reference shared by every property test, on a runtime that outlives each case.
struct Shared {
    runtime: tokio::runtime::Runtime,
    fixture: Fixture,
}

/// The reference and two provisioned pools: the JSON API generators draw realistic values from
/// `api` (and may delete it), the hosted-endpoint generators from `hosted`, which owns the domain.
struct Fixture {
    target: Target,
    http: reqwest::Client,
    api: Provisioned,
    hosted: Provisioned,
}

/// A pool with a public and a confidential client and a session on each.
struct Provisioned {
    pool: String,
    public: AppClient,
    confidential: AppClient,
    session: Session,
    confidential_session: Session,
}

async fn provision(target: &Target, domain: Option<&str>) -> Provisioned {
    let pool = target.pool().await;
    if let Some(domain) = domain {
        target.domain(&pool, domain).await;
    }
    let public = target.client(&pool, json!({})).await;
    let confidential = target.client(&pool, json!({ "GenerateSecret": true })).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&public, "alice").await;
    let confidential_session = target.sign_in(&confidential, "alice").await;
    Provisioned { pool, public, confidential, session, confidential_session }
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let fixture = runtime.block_on(async {
        let target = Target::start().await;
        let api = provision(&target, None).await;
        let hosted = provision(&target, Some(DOMAIN)).await;
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("http client");
        Fixture { target, http, api, hosted }
    });
    Shared { runtime, fixture }
});

/// SECRET_HASH of `username` for a confidential client.
fn secret_hash_of(client: &AppClient, username: &str) -> String {
    secret_hash(client.secret.as_deref().expect("a confidential client"), username, &client.id)
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a complete body");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply { status, headers, text, json }
}

/// Sends a request with the shared client's timeout; a hang or a dropped connection fails.
async fn send(request: reqwest::RequestBuilder) -> Result<Reply, String> {
    match request.send().await {
        Ok(response) => Ok(reply(response).await),
        Err(error) => Err(format!("no answer (panic, hang or reset?): {error}")),
    }
}

/// A JSON API answer is a 200 with a JSON body, or a 4xx with a well-formed typed error.
fn check_api_reply(reply: &Reply) -> Result<(), String> {
    let status = reply.status;
    if status == StatusCode::OK {
        return if reply.json.is_object() { Ok(()) } else { Err(format!("200 without a JSON object: {}", reply.text)) };
    }
    if !status.is_client_error() {
        return Err(format!("status {status}: {}", reply.text));
    }
    let body = reply.json.as_object().ok_or_else(|| format!("{status} error body is not JSON: {}", reply.text))?;
    let well_formed = body.len() == 2
        && body.get("__type").and_then(Value::as_str).is_some_and(|t| !t.is_empty())
        && body.get("message").and_then(Value::as_str).is_some();
    if !well_formed {
        return Err(format!("{status} error body is not {{\"__type\",\"message\"}}: {}", reply.text));
    }
    let content_type = reply.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if content_type != "application/x-amz-json-1.1" {
        return Err(format!("{status} error with content type {content_type:?}"));
    }
    Ok(())
}

/// A hosted-endpoint answer is a 200, or a 4xx with a JSON `{"error": …}` body.
fn check_hosted_reply(reply: &Reply) -> Result<(), String> {
    let status = reply.status;
    if status == StatusCode::OK {
        return Ok(());
    }
    if !status.is_client_error() {
        return Err(format!("status {status}: {}", reply.text));
    }
    let error = reply.json.get("error").and_then(Value::as_str);
    if error.is_none_or(str::is_empty) {
        return Err(format!("{status} without a JSON error: {}", reply.text));
    }
    Ok(())
}

async fn call_api(operation: &str, body: Vec<u8>) -> Result<Reply, String> {
    let f = &SHARED.fixture;
    let request = f
        .http
        .post(format!("{}/", f.target.endpoint))
        .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{operation}"))
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body);
    send(request).await
}

fn run_api(operation: &str, body: Vec<u8>) -> Result<(), TestCaseError> {
    let reply = SHARED.runtime.block_on(call_api(operation, body)).map_err(TestCaseError::fail)?;
    check_api_reply(&reply).map_err(|why| TestCaseError::fail(format!("{operation}: {why}")))
}

// ----- Generators -------------------------------------------------------------------------------

/// Any JSON value, nested a few levels.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter_map("finite", |x| serde_json::Number::from_f64(x).map(Value::Number)),
        ".{0,24}".prop_map(Value::String),
        "[A-Za-z0-9_+=.-]{0,80}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,10}", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Values drawn from the fixture, so that generated requests get past validation.
fn realistic_value() -> impl Strategy<Value = Value> {
    let f = &SHARED.fixture.api;
    let strings = vec![
        f.pool.clone(),
        format!("{}x", f.pool),
        "us-east-1_000000000".to_owned(),
        f.public.id.clone(),
        f.confidential.id.clone(),
        f.confidential.secret.clone().unwrap_or_default(),
        f.session.refresh_token.clone(),
        f.session.access_token.clone(),
        f.session.id_token.clone(),
        f.confidential_session.refresh_token.clone(),
        "alice".to_owned(),
        common::PASSWORD.to_owned(),
        "REFRESH_TOKEN_AUTH".to_owned(),
        "USER_PASSWORD_AUTH".to_owned(),
        "ADMIN_USER_PASSWORD_AUTH".to_owned(),
        "LINKED".to_owned(),
        "days".to_owned(),
        String::new(),
        " ".to_owned(),
        "\u{0}".to_owned(),
    ];
    prop_oneof![
        prop::sample::select(strings).prop_map(Value::String),
        prop::sample::select(vec![-1i64, 0, 1, 5, 60, 3600, 86_400, 315_360_000, i64::MAX, i64::MIN])
            .prop_map(|n| json!(n)),
        Just(json!(["ALLOW_REFRESH_TOKEN_AUTH", "USER_PASSWORD_AUTH"])),
        Just(json!({ "AccessToken": "seconds", "IdToken": "weeks", "RefreshToken": 7 })),
        Just(json!({ "Feature": "ENABLED", "RetryGracePeriodSeconds": 61 })),
        Just(json!([{ "Name": "email", "Value": "a@b.c" }, { "Name": "sub", "Value": "x" }])),
        Just(json!({ "PasswordPolicy": { "MinimumLength": 1_000_000 } })),
        auth_parameters(),
    ]
}

/// An `AuthParameters` map mixing real and junk credentials.
fn auth_parameters() -> impl Strategy<Value = Value> {
    let f = &SHARED.fixture.api;
    let keys = vec!["USERNAME", "PASSWORD", "REFRESH_TOKEN", "SECRET_HASH", "DEVICE_KEY", "SRP_A"];
    let values = vec![
        json!("alice"),
        json!(common::PASSWORD),
        json!(f.session.refresh_token),
        json!(f.confidential_session.refresh_token),
        json!(secret_hash_of(&f.confidential, "alice")),
        json!("junk"),
        json!(""),
    ];
    let value = prop_oneof![8 => prop::sample::select(values), 1 => arb_json()];
    prop::collection::btree_map(prop::sample::select(keys), value, 0..5)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
}

/// An object with the operation's own member names (plus, sometimes, a stray one), each holding
/// a value of any type.
fn shaped_body(members: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let value = prop_oneof![3 => arb_json(), 4 => realistic_value()];
    let member = prop_oneof![8 => prop::sample::select(members).prop_map(str::to_owned), 1 => ".{0,12}"];
    prop::collection::vec((member, value), 0..8).prop_map(|pairs| {
        let object: Map<String, Value> = pairs.into_iter().collect();
        Value::Object(object).to_string().into_bytes()
    })
}

/// A hostile string: realistic, pattern-breaking, unicode, control characters, long.
fn hostile_string() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => realistic_value().prop_filter("a string", Value::is_string),
        1 => ".{0,40}".prop_map(Value::String),
        1 => "[A-Za-z0-9_+=.-]{0,200}".prop_map(Value::String),
        1 => "[\\x00-\\x1f'\"%{} ]{0,20}".prop_map(Value::String),
        1 => (1usize..20_000).prop_map(|n| Value::String("\u{1F600}".repeat(n))),
    ]
}

/// A value of the member's model type with hostile content, so that bodies get past
/// deserialization into validation and the operations themselves.
fn typed_value(member: &'static str) -> BoxedStrategy<Value> {
    match member {
        "GenerateSecret" | "EnableTokenRevocation" | "Permanent" => any::<bool>().prop_map(Value::Bool).boxed(),
        "MaxResults" | "RefreshTokenValidity" | "AccessTokenValidity" | "IdTokenValidity" => prop_oneof![
            any::<i64>().prop_map(|n| json!(n)),
            (-2i64..100_000).prop_map(|n| json!(n)),
            Just(json!(u64::MAX)),
        ]
        .boxed(),
        "UsernameAttributes" | "AliasAttributes" | "ExplicitAuthFlows" | "ReadAttributes" | "CallbackURLs" => {
            let item = prop_oneof![
                prop::sample::select(vec![
                    "email",
                    "phone_number",
                    "ALLOW_REFRESH_TOKEN_AUTH",
                    "ALLOW_USER_PASSWORD_AUTH",
                    "USER_PASSWORD_AUTH",
                    "ADMIN_NO_SRP_AUTH",
                ])
                .prop_map(|s| json!(s)),
                hostile_string(),
            ];
            prop::collection::vec(item, 0..6).prop_map(Value::Array).boxed()
        }
        "UserAttributes" => {
            let attribute = (
                prop::sample::select(vec!["email", "phone_number", "sub", "custom:x", "", "name"]),
                prop::option::of(hostile_string()),
            )
                .prop_map(|(name, value)| match value {
                    Some(value) => json!({ "Name": name, "Value": value }),
                    None => json!({ "Name": name }),
                });
            prop::collection::vec(attribute, 0..5).prop_map(Value::Array).boxed()
        }
        "AuthParameters" | "ClientMetadata" => auth_parameters().boxed(),
        "Policies" | "TokenValidityUnits" | "RefreshTokenRotation" | "CustomDomainConfig" => {
            prop_oneof![realistic_value().prop_filter("an object", Value::is_object), arb_json()].boxed()
        }
        _ => match member_choices(member) {
            Some(choices) => {
                prop_oneof![4 => prop::sample::select(choices).prop_map(Value::String), 1 => hostile_string()].boxed()
            }
            None => hostile_string().boxed(),
        },
    }
}

/// Plausible values of a string member, drawn from the fixture.
fn member_choices(member: &str) -> Option<Vec<String>> {
    let f = &SHARED.fixture.api;
    let strings = |values: &[&str]| Some(values.iter().map(|v| (*v).to_owned()).collect());
    match member {
        "UserPoolId" => strings(&[&f.pool, &f.pool, "us-east-1_AAAAAAAAA", "us-east-1_"]),
        "ClientId" => strings(&[&f.public.id, &f.confidential.id, "aaaaaaaaaaaaaaaaaaaaaaaaaa"]),
        "ClientSecret" => strings(&[f.confidential.secret.as_deref().unwrap_or_default(), "x".repeat(30).as_str()]),
        "Token" | "RefreshToken" => strings(&[
            &f.session.refresh_token,
            &f.confidential_session.refresh_token,
            &f.session.access_token,
            &f.session.id_token,
        ]),
        "AccessToken" => strings(&[&f.session.access_token, &f.confidential_session.access_token, &f.session.id_token]),
        "Username" => strings(&["alice", "bob", "alice@example.com"]),
        "Password" | "TemporaryPassword" => strings(&[common::PASSWORD, "short"]),
        "AuthFlow" => {
            strings(&["REFRESH_TOKEN_AUTH", "USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "USER_SRP_AUTH"])
        }
        "PoolName" | "ClientName" => strings(&["pool", "a name", ""]),
        "Domain" => strings(&["some-domain", "-bad-", DOMAIN]),
        "RevokeAssociatedSessions" => strings(&["NONE", "LINKED", "ALL"]),
        "MessageAction" => strings(&["SUPPRESS", "RESEND", "NOPE"]),
        "DeletionProtection" => strings(&["ACTIVE", "INACTIVE"]),
        _ => None,
    }
}

/// An object of the operation's members, each (or most) with a value of the right type.
fn typed_body(members: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let entries: Vec<_> = members.iter().map(|member| prop::option::weighted(0.7, typed_value(member))).collect();
    entries.prop_map(move |values| {
        let object: Map<String, Value> = members
            .iter()
            .zip(values)
            .filter_map(|(member, value)| value.map(|value| ((*member).to_owned(), value)))
            .collect();
        Value::Object(object).to_string().into_bytes()
    })
}

/// A member holding a huge string, sometimes over the body limit.
fn huge_body(members: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    (prop::sample::select(members), prop_oneof![1usize..4096, 200_000usize..300_000], any::<u8>()).prop_map(
        |(member, len, byte)| {
            let c = char::from(b'A' + byte % 26);
            json!({ member: c.to_string().repeat(len) }).to_string().into_bytes()
        },
    )
}

/// A JSON object whose string member holds bytes that are not UTF-8.
fn invalid_utf8_body(members: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    (prop::sample::select(members), prop::collection::vec(0x80u8..=0xff, 1..32)).prop_map(|(member, junk)| {
        let mut body = format!("{{\"{member}\":\"").into_bytes();
        body.extend(junk);
        body.extend_from_slice(b"\"}");
        body
    })
}

/// Any of the hostile body kinds for one operation.
fn api_case() -> impl Strategy<Value = (&'static str, Vec<u8>)> {
    prop::sample::select(OPERATIONS).prop_flat_map(|(operation, members)| {
        let body = prop_oneof![
            2 => prop::collection::vec(any::<u8>(), 0..512),
            2 => arb_json().prop_map(|v| v.to_string().into_bytes()),
            4 => shaped_body(members),
            8 => typed_body(members),
            1 => huge_body(members),
            1 => invalid_utf8_body(members),
        ];
        (Just(operation), body)
    })
}

/// A form body for a hosted endpoint: raw bytes, or the endpoint's parameters (each present or
/// not) with realistic or hostile values, sometimes repeated or joined by strangers.
fn form_body(path: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let f = &SHARED.fixture.hosted;
    let tokens = vec![
        f.session.refresh_token.clone(),
        f.session.access_token.clone(),
        f.session.id_token.clone(),
        f.confidential_session.refresh_token.clone(),
        format!("{}x", f.session.refresh_token),
        "garbage".to_owned(),
        String::new(),
    ];
    let ids = vec![f.public.id.clone(), f.confidential.id.clone(), "nosuchclient".to_owned(), String::new()];
    let secrets = vec![f.confidential.secret.clone().unwrap_or_default(), "wrong".to_owned(), String::new()];
    let grants = vec!["refresh_token", "refresh_token", "refresh_token", "authorization_code", ""];
    let hostile = || prop_oneof![".{0,40}", (1usize..100_000).prop_map(|n| "z".repeat(n))];
    let param = move |weight: f64, known: Vec<String>| {
        prop::option::weighted(weight, prop_oneof![6 => prop::sample::select(known), 1 => hostile()])
    };
    let revoke = path == "/oauth2/revoke";
    let params = (
        param(if revoke { 0.9 } else { 0.1 }, tokens.clone()),
        param(0.7, ids),
        param(0.3, secrets),
        param(if revoke { 0.1 } else { 0.9 }, grants.into_iter().map(str::to_owned).collect()),
        param(if revoke { 0.1 } else { 0.9 }, tokens),
        prop::option::of(prop::sample::select(vec!["refresh_token", "access_token", "junk"])),
        prop::collection::vec((".{0,8}", ".{0,16}"), 0..2),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(token, client_id, secret, grant, refresh, hint, strangers, repeat)| {
            let mut pairs: Vec<(String, String)> = Vec::new();
            let named = [
                ("token", token),
                ("client_id", client_id),
                ("client_secret", secret),
                ("grant_type", grant),
                ("refresh_token", refresh),
                ("token_type_hint", hint.map(str::to_owned)),
            ];
            for (name, value) in named {
                if let Some(value) = value {
                    pairs.push((name.to_owned(), value));
                }
            }
            if repeat && let Some(first) = pairs.first().cloned() {
                pairs.push(first);
            }
            pairs.extend(strangers);
            form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish().into_bytes()
        });
    prop_oneof![
        8 => params,
        1 => prop::collection::vec(any::<u8>(), 0..256),
        1 => "[%&=+a-z0-9]{0,64}".prop_map(String::into_bytes),
    ]
}

/// An `Authorization` header, or none.
fn authorization() -> impl Strategy<Value = Option<Vec<u8>>> {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    let f = &SHARED.fixture.hosted;
    let (id, secret) = (f.confidential.id.clone(), f.confidential.secret.clone().unwrap_or_default());
    let bearer = f.session.access_token.clone();
    let id_token = f.session.id_token.clone();
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(basic(&id, &secret).into_bytes())),
        1 => ".{0,40}".prop_map(move |s| Some(basic(&id, &s).into_bytes())),
        1 => prop::collection::vec(any::<u8>(), 0..48).prop_map(|raw| Some(format!("Basic {}", STANDARD.encode(raw)).into_bytes())),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(|mut raw| {
            // Header values may not hold control characters other than tab.
            raw.retain(|b| (*b >= 0x20 && *b != 0x7f) || *b == b'\t');
            Some(raw)
        }),
        2 => Just(Some(format!("Bearer {bearer}").into_bytes())),
        1 => Just(Some(format!("bearer  {id_token}").into_bytes())),
        1 => "(Basic|Bearer|basic|Digest) [ -~]{0,40}".prop_map(|s| Some(s.into_bytes())),
    ]
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        8 => Just(Some("application/x-www-form-urlencoded")),
        1 => Just(Some("application/x-www-form-urlencoded; charset=UTF-8")),
        1 => Just(Some("APPLICATION/X-WWW-FORM-URLENCODED")),
        1 => prop::sample::select(vec![Some("application/json"), Some("text/plain"), Some(";;;"), None]),
    ]
}

fn hosted_case() -> impl Strategy<Value = (&'static str, Option<&'static str>, Option<Vec<u8>>, Vec<u8>, bool)> {
    prop::sample::select(vec!["/oauth2/revoke", "/oauth2/token", "/oauth2/userInfo"])
        .prop_flat_map(|path| (Just(path), content_type(), authorization(), form_body(path), any::<bool>()))
}

fn run_hosted(
    path: &str,
    content_type: Option<&str>,
    authorization: Option<Vec<u8>>,
    body: Vec<u8>,
    by_host: bool,
) -> Result<(), TestCaseError> {
    let f = &SHARED.fixture;
    let mut request = if by_host {
        f.http
            .post(format!("{}{path}", f.target.endpoint))
            .header("Host", format!("{DOMAIN}.auth.us-east-1.amazoncognito.com"))
    } else {
        f.http.post(format!("{}/_domain/{DOMAIN}{path}", f.target.endpoint))
    };
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    if let Some(value) = authorization.and_then(|raw| HeaderValue::from_bytes(&raw).ok()) {
        request = request.header("Authorization", value);
    }
    let reply = SHARED.runtime.block_on(send(request.body(body))).map_err(TestCaseError::fail)?;
    check_hosted_reply(&reply).map_err(|why| TestCaseError::fail(format!("{path}: {why}")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn api_bodies_never_get_a_5xx((operation, body) in api_case()) {
        run_api(operation, body)?;
    }

    #[test]
    fn hosted_forms_never_get_a_5xx((path, content_type, authorization, body, by_host) in hosted_case()) {
        run_hosted(path, content_type, authorization, body, by_host)?;
    }
}

#[test]
fn well_formed_traffic_keeps_working_beside_the_hostile_cases() {
    // Test threads run side by side, so this usually overlaps the properties above: whatever
    // they send, the shared reference keeps serving ordinary sessions correctly.
    let f = &SHARED.fixture;
    let (target, client) = (&f.target, &f.hosted.public);
    SHARED.runtime.block_on(async {
        for i in 0..8 {
            let username = format!("survivor{i}");
            target.user(&f.hosted.pool, &username).await;
            let session = target.sign_in(client, &username).await;
            let form = [
                ("grant_type", "refresh_token"),
                ("client_id", client.id.as_str()),
                ("refresh_token", &session.refresh_token),
            ];
            let reply = target.hosted_post(DOMAIN, "/oauth2/token", &form, &[]).await;
            assert_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
            let access = reply.json["access_token"].as_str().expect("access token").to_owned();
            target.get_user(&access).await.ok();
            let form = [("token", session.refresh_token.as_str()), ("client_id", &client.id)];
            let reply = target.hosted_post(DOMAIN, "/oauth2/revoke", &form, &[]).await;
            assert_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
            for token in [&access, &session.access_token] {
                let message = target.get_user(token).await.expect_error("NotAuthorizedException");
                assert_eq!(message, "Access Token has been revoked");
            }
        }
    });
}

// ----- Framing ----------------------------------------------------------------------------------

#[tokio::test]
async fn a_body_over_the_limit_is_a_typed_413() {
    let target = Target::start().await;
    let body = format!("{{\"PoolName\":\"{}\"}}", "a".repeat(BODY_LIMIT)).into_bytes();
    assert!(body.len() > BODY_LIMIT);
    let reply = target.call_raw("CreateUserPool", body).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "body: {}", reply.text);
    assert_eq!(reply.error_type(), Some("RequestEntityTooLargeException"));
    check_api_reply(&reply).expect("well formed");
    // Just under the limit is read and judged on its content.
    let filler = "a".repeat(BODY_LIMIT - 64);
    let reply = target.call_raw("CreateUserPool", json!({ "PoolName": filler }).to_string().into_bytes()).await;
    assert_eq!(reply.error_type(), Some("InvalidParameterException"), "body: {}", reply.text);
    // The hosted endpoints have the same limit.
    let pool = target.pool().await;
    target.domain(&pool, "big").await;
    let form = [("token", "a".repeat(BODY_LIMIT))];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = target.hosted_post("big", "/oauth2/revoke", &form, &[]).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "body: {}", reply.text);
    assert_eq!(reply.oauth_error(), Some("invalid_request"));
}

#[tokio::test]
async fn huge_echoed_values_still_give_a_readable_answer() {
    // Validation messages quote non-sensitive values (spec §1.5); a huge one must not turn into a
    // response header no HTTP client accepts (hyper refuses ~400 KiB of headers).
    let target = Target::start().await;
    let cases = [
        ("DeleteUserPoolDomain", json!({ "Domain": "R".repeat(250_000), "UserPoolId": "us-east-1_AAAAAAAAA" })),
        ("DeleteUserPool", json!({ "UserPoolId": "-".repeat(250_000) })),
        ("CreateUserPool", json!({ "PoolName": "\u{e9}".repeat(120_000) })),
        ("CreateUserPool", json!({ "PoolName": "p", "DeletionProtection": "\u{20ac}".repeat(80_000) })),
    ];
    for (operation, body) in cases {
        let body = body.to_string().into_bytes();
        assert!(body.len() < BODY_LIMIT);
        let request = target
            .http
            .post(format!("{}/", target.endpoint))
            .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{operation}"))
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body);
        let reply = send(request).await.unwrap_or_else(|error| panic!("{operation}: {error}"));
        assert_eq!(reply.error_type(), Some("InvalidParameterException"), "{operation}");
        check_api_reply(&reply).expect("well formed");
        let header = reply.headers.get("x-amzn-errormessage").expect("the message header");
        assert!(header.len() <= 8 * 1024, "{operation}: a {} byte header", header.len());
        let header = std::str::from_utf8(header.as_bytes()).expect("cut at a character boundary");
        assert!(reply.message().expect("message").starts_with(header), "{operation}: the header is a prefix");
    }
}

#[tokio::test]
async fn a_missing_or_foreign_target_is_unknown_operation() {
    let target = Target::start().await;
    let url = format!("{}/", target.endpoint);
    let body = json!({ "PoolName": "p" }).to_string();
    let missing = target.http.post(&url).header("Content-Type", "application/x-amz-json-1.1").body(body.clone());
    let reply = target.send(missing).await;
    assert_eq!(reply.error_type(), Some("UnknownOperationException"), "body: {}", reply.text);
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    check_api_reply(&reply).expect("well formed");
    for target_header in [
        "AWSCognitoIdentityProviderServiceX.CreateUserPool",
        "awscognitoidentityproviderservice.CreateUserPool",
        "DynamoDB_20120810.CreateUserPool",
        "CreateUserPool",
        "AWSCognitoIdentityProviderService.",
        "AWSCognitoIdentityProviderService.Create UserPool",
        "AWSCognitoIdentityProviderService.CreateUserPool.Extra",
        "AWSCognitoIdentityProviderService.NoSuchOperation",
        "",
    ] {
        let request = target
            .http
            .post(&url)
            .header("X-Amz-Target", target_header)
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body.clone());
        let reply = target.send(request).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{target_header:?}: {}", reply.text);
        assert_eq!(reply.error_type(), Some("UnknownOperationException"), "{target_header:?}");
        check_api_reply(&reply).expect("well formed");
    }
    let huge = format!("AWSCognitoIdentityProviderService.{}", "A".repeat(4000));
    let request = target
        .http
        .post(&url)
        .header("X-Amz-Target", huge)
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body.clone());
    assert_eq!(target.send(request).await.error_type(), Some("UnknownOperationException"));
    let request = target
        .http
        .post(&url)
        .header("X-Amz-Target", HeaderValue::from_bytes(b"AWSCognitoIdentityProviderService.\xff").expect("obs-text"))
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body);
    assert_eq!(target.send(request).await.error_type(), Some("UnknownOperationException"));
    // Nothing was created along the way.
    let reply = target.call("ListUserPools", json!({ "MaxResults": 60 })).await;
    assert_eq!(reply.ok()["UserPools"], json!([]));
}

#[tokio::test]
async fn a_missing_or_odd_content_type_is_a_serialization_error() {
    let target = Target::start().await;
    let url = format!("{}/", target.endpoint);
    let body = json!({ "PoolName": "p" }).to_string();
    let mut requests =
        vec![target.http.post(&url).header("X-Amz-Target", "AWSCognitoIdentityProviderService.CreateUserPool")];
    for content_type in
        ["text/plain", "application/xml", "application/x-amz-json-1.1x", "application/x-www-form-urlencoded", ";", ""]
    {
        requests.push(
            target
                .http
                .post(&url)
                .header("X-Amz-Target", "AWSCognitoIdentityProviderService.CreateUserPool")
                .header("Content-Type", content_type),
        );
    }
    for request in requests {
        let reply = target.send(request.body(body.clone())).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "body: {}", reply.text);
        assert_eq!(reply.error_type(), Some("SerializationException"), "body: {}", reply.text);
        check_api_reply(&reply).expect("well formed");
    }
    // The accepted forms work (with parameters, in any case).
    for content_type in ["application/x-amz-json-1.1", "application/x-amz-json-1.1; charset=utf-8", "Application/JSON"]
    {
        let request = target
            .http
            .post(&url)
            .header("X-Amz-Target", "AWSCognitoIdentityProviderService.CreateUserPool")
            .header("Content-Type", content_type)
            .body(body.clone());
        assert_eq!(target.send(request).await.status, StatusCode::OK, "{content_type}");
    }
}

#[tokio::test]
async fn malformed_json_is_a_serialization_error() {
    let target = Target::start().await;
    let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    let bodies: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"{".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"PoolName\"".to_vec(),
        b"{\"PoolName\": \"a\",}".to_vec(),
        b"{\"PoolName\": \"a\", \"PoolName\": \"b\"}".to_vec(),
        b"{\"PoolName\": 1e999}".to_vec(),
        b"{\"PoolName\": \"\\ud800\"}".to_vec(),
        b"\xef\xbb\xbf{\"PoolName\": \"a\"}".to_vec(),
        deep.into_bytes(),
    ];
    for body in bodies {
        let reply = target.call_raw("CreateUserPool", body).await;
        assert!(reply.status.is_client_error(), "status {}: {}", reply.status, reply.text);
        check_api_reply(&reply).expect("well formed");
        assert_eq!(reply.error_type(), Some("SerializationException"), "body: {}", reply.text);
    }
    // Deep nesting inside a member the reference ignores is valid JSON: judged on the rest.
    let deep_ignored = format!("{{\"Schema\":{}1{}}}", "{\"a\":".repeat(20_000), "}".repeat(20_000));
    let reply = target.call_raw("CreateUserPool", deep_ignored.into_bytes()).await;
    assert!(reply.status.is_client_error(), "status {}: {}", reply.status, reply.text);
    check_api_reply(&reply).expect("well formed");
}

#[tokio::test]
async fn get_and_unknown_paths_are_client_errors() {
    let target = Target::start().await;
    for method in [reqwest::Method::GET, reqwest::Method::PUT, reqwest::Method::DELETE, reqwest::Method::HEAD] {
        let request = target
            .http
            .request(method.clone(), format!("{}/", target.endpoint))
            .header("X-Amz-Target", "AWSCognitoIdentityProviderService.ListUserPools");
        let reply = target.send(request).await;
        assert!(reply.status.is_client_error(), "{method} /: {}", reply.status);
        if method != reqwest::Method::HEAD {
            check_api_reply(&reply).expect("well formed");
        }
    }
    for path in
        ["/nope", "/oauth2/token", "/.well-known/jwks.json", "/us-east-1_nonexistent/.well-known/jwks.json", "//"]
    {
        let reply = target.send(target.http.get(format!("{}{path}", target.endpoint))).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}: {}", reply.text);
        assert!(reply.json.is_object(), "{path}: {}", reply.text);
    }
    let long = format!("{}/{}", target.endpoint, "x".repeat(8000));
    let reply = target.send(target.http.post(long).body("{}")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.text.len() < 1024, "the 404 quotes the whole path: {} bytes", reply.text.len());
}

// ----- Secrecy ----------------------------------------------------------------------------------

/// The strings no answer may contain: each secret, and every long piece of each token.
fn forbidden(secrets: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for secret in secrets {
        out.push((*secret).to_owned());
        out.extend(secret.split('.').filter(|part| part.len() >= 16).map(str::to_owned));
    }
    out
}

#[track_caller]
fn assert_no_leak(what: &str, reply: &Reply, forbidden: &[String]) {
    assert!(reply.status.is_client_error(), "{what}: expected an error, got {} {}", reply.status, reply.text);
    for needle in forbidden {
        assert!(!reply.text.contains(needle.as_str()), "{what}: body quotes a secret: {}", reply.text);
        for (name, value) in &reply.headers {
            let value = String::from_utf8_lossy(value.as_bytes());
            assert!(!value.contains(needle.as_str()), "{what}: header {name} quotes a secret: {value}");
        }
    }
}

#[tokio::test]
async fn no_error_quotes_a_submitted_token_or_secret() {
    let target = Target::start().await;
    let pool = target.pool().await;
    target.domain(&pool, "leaks").await;
    let public = target.client(&pool, json!({})).await;
    let confidential = target.client(&pool, json!({ "GenerateSecret": true })).await;
    let other = target.client(&pool, json!({ "GenerateSecret": true })).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&public, "alice").await;
    let conf_session = target.sign_in(&confidential, "alice").await;
    let secret = confidential.secret.clone().expect("secret");
    let wrong_secret = format!("{}{}", &secret[1..], "q");
    let long_secret = format!("{secret}{secret}");
    let wrong_password = "Wr0ng-Passw0rd!Zz";
    let wrong_hash = secret_hash_of(&other, "alice");
    let all = forbidden(&[
        &session.refresh_token,
        &session.access_token,
        &session.id_token,
        &conf_session.refresh_token,
        &conf_session.access_token,
        &secret,
        &wrong_secret,
        &long_secret,
        wrong_password,
        &wrong_hash,
        other.secret.as_deref().expect("secret"),
    ]);

    let mut replies: Vec<(&str, Reply)> = Vec::new();
    let api = |operation: &'static str, body: Value| {
        let target = &target;
        async move { target.call(operation, body).await }
    };
    // RevokeToken: wrong client, bad pattern, wrong and over-long secrets, access token.
    replies.push((
        "revoke, other client",
        api(
            "RevokeToken",
            json!({ "Token": session.refresh_token, "ClientId": confidential.id, "ClientSecret": secret }),
        )
        .await,
    ));
    replies.push((
        "revoke, bad pattern",
        api("RevokeToken", json!({ "Token": format!("{} ", session.refresh_token), "ClientId": public.id })).await,
    ));
    replies.push((
        "revoke, wrong secret",
        api(
            "RevokeToken",
            json!({ "Token": conf_session.refresh_token, "ClientId": confidential.id, "ClientSecret": wrong_secret }),
        )
        .await,
    ));
    replies.push((
        "revoke, long secret",
        api(
            "RevokeToken",
            json!({ "Token": conf_session.refresh_token, "ClientId": confidential.id, "ClientSecret": long_secret }),
        )
        .await,
    ));
    replies.push((
        "revoke, secret of another client",
        api(
            "RevokeToken",
            json!({ "Token": conf_session.refresh_token, "ClientId": other.id, "ClientSecret": secret }),
        )
        .await,
    ));
    replies.push((
        "revoke, access token",
        api("RevokeToken", json!({ "Token": session.access_token, "ClientId": public.id })).await,
    ));
    replies.push((
        "revoke, unknown member",
        api("RevokeToken", json!({ "Token": session.refresh_token, "ClientId": public.id, "Secret": secret })).await,
    ));
    replies.push((
        "revoke, wrong type",
        api("RevokeToken", json!({ "Token": [session.refresh_token], "ClientId": public.id })).await,
    ));
    // Refresh paths: wrong client, wrong secret, wrong hash.
    replies.push(("gettokens, wrong secret", api("GetTokensFromRefreshToken", json!({ "RefreshToken": conf_session.refresh_token, "ClientId": confidential.id, "ClientSecret": wrong_secret })).await));
    replies.push((
        "gettokens, other client",
        api(
            "GetTokensFromRefreshToken",
            json!({ "RefreshToken": session.refresh_token, "ClientId": other.id, "ClientSecret": other.secret }),
        )
        .await,
    ));
    replies.push(("initiate, wrong hash", api("InitiateAuth", json!({ "ClientId": confidential.id, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": conf_session.refresh_token, "SECRET_HASH": wrong_hash } })).await));
    replies.push(("initiate, wrong password", api("InitiateAuth", json!({ "ClientId": public.id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": "alice", "PASSWORD": wrong_password } })).await));
    replies.push((
        "set password, policy",
        api(
            "AdminSetUserPassword",
            json!({ "UserPoolId": pool, "Username": "alice", "Password": secret, "Permanent": true }),
        )
        .await,
    ));
    replies.push(("getuser, id token", api("GetUser", json!({ "AccessToken": session.id_token })).await));
    let mut tampered = session.access_token.clone();
    tampered.push('x');
    let all = {
        let mut all = all;
        all.extend(forbidden(&[&tampered]));
        all
    };
    replies.push(("getuser, tampered", api("GetUser", json!({ "AccessToken": tampered })).await));
    // Now revoke, and use the dead tokens everywhere.
    target.revoke(&public, &session.refresh_token).await.ok();
    target.revoke(&confidential, &conf_session.refresh_token).await.ok();
    replies.push(("refresh, revoked", target.refresh(&public, &session).await));
    replies.push(("refresh, revoked confidential", target.refresh(&confidential, &conf_session).await));
    replies.push(("getuser, revoked", target.get_user(&session.access_token).await));
    replies.push(("signout, revoked", api("GlobalSignOut", json!({ "AccessToken": conf_session.access_token })).await));
    replies.push((
        "gettokens, revoked",
        api(
            "GetTokensFromRefreshToken",
            json!({ "RefreshToken": conf_session.refresh_token, "ClientId": confidential.id, "ClientSecret": secret }),
        )
        .await,
    ));
    // Hosted endpoints.
    let revoke = |form: Vec<(&'static str, String)>, auth: Option<String>| {
        let target = &target;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
            target.hosted_post("leaks", "/oauth2/revoke", &form, &headers).await
        }
    };
    replies.push((
        "hosted revoke, wrong secret",
        revoke(vec![("token", conf_session.refresh_token.clone())], Some(basic(&confidential.id, &wrong_secret))).await,
    ));
    replies.push((
        "hosted revoke, body secret",
        revoke(
            vec![
                ("token", conf_session.refresh_token.clone()),
                ("client_id", confidential.id.clone()),
                ("client_secret", wrong_secret.clone()),
            ],
            None,
        )
        .await,
    ));
    replies.push((
        "hosted revoke, access token",
        revoke(vec![("token", session.access_token.clone()), ("client_id", public.id.clone())], None).await,
    ));
    replies.push((
        "hosted revoke, other client",
        revoke(vec![("token", session.refresh_token.clone())], Some(basic(&confidential.id, &secret))).await,
    ));
    replies.push((
        "hosted revoke, two methods",
        revoke(
            vec![("token", session.refresh_token.clone()), ("client_secret", secret.clone())],
            Some(basic(&confidential.id, &secret)),
        )
        .await,
    ));
    let token = |form: Vec<(&'static str, String)>, auth: Option<String>| {
        let target = &target;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
            target.hosted_post("leaks", "/oauth2/token", &form, &headers).await
        }
    };
    let grant = |rt: &str| vec![("grant_type", "refresh_token".to_owned()), ("refresh_token", rt.to_owned())];
    replies.push((
        "hosted token, revoked",
        token(grant(&conf_session.refresh_token), Some(basic(&confidential.id, &secret))).await,
    ));
    replies.push((
        "hosted token, wrong secret",
        token(grant(&conf_session.refresh_token), Some(basic(&confidential.id, &wrong_secret))).await,
    ));
    replies.push(("hosted token, garbage", token(grant(&tampered), Some(basic(&confidential.id, &secret))).await));
    let userinfo = target
        .http
        .get(format!("{}/_domain/leaks/oauth2/userInfo", target.endpoint))
        .header("Authorization", format!("Bearer {}", session.access_token));
    replies.push(("userinfo, revoked", target.send(userinfo).await));

    for (what, reply) in &replies {
        assert_no_leak(what, reply, &all);
    }
}

// ----- Forged tokens and odd hosts --------------------------------------------------------------

/// `header.payload.signature` from JSON parts and a raw signature.
fn jws(header: &Value, payload: &Value, signature: &str) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    )
}

#[tokio::test]
async fn forged_access_tokens_are_refused_without_a_5xx() {
    let target = Target::start().await;
    let pool = target.pool().await;
    target.domain(&pool, "forged").await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    target.user(&pool, "mallory").await;
    let session = target.sign_in(&client, "mallory").await;
    let header = common::header(&session.access_token);
    let payload = common::claims(&session.access_token);
    let signature = session.access_token.rsplit('.').next().expect("signature").to_owned();
    let mut as_alice = payload.clone();
    as_alice["username"] = json!("alice");
    let mut other_pool = payload.clone();
    other_pool["iss"] = json!("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AAAAAAAAA");
    let mut huge_kid = header.clone();
    huge_kid["kid"] = json!("k".repeat(50_000));
    let mut no_kid = header.clone();
    no_kid.as_object_mut().expect("object").remove("kid");
    let mut none_alg = header.clone();
    none_alg["alg"] = json!("none");
    let mut hs256 = header.clone();
    hs256["alg"] = json!("HS256");
    let mut weird_types = payload.clone();
    weird_types["exp"] = json!("tomorrow");
    weird_types["origin_jti"] = json!(12);
    let forged = [
        jws(&header, &as_alice, &signature),
        jws(&header, &other_pool, &signature),
        jws(&huge_kid, &payload, &signature),
        jws(&no_kid, &payload, &signature),
        jws(&none_alg, &as_alice, ""),
        jws(&hs256, &as_alice, &signature),
        jws(&header, &weird_types, &signature),
        jws(&json!({}), &json!({}), ""),
        jws(&json!([]), &json!(null), "x"),
        format!("{}.", session.access_token),
        session.id_token.clone(),
        "..".to_owned(),
    ];
    for token in &forged {
        let message = target.get_user(token).await;
        assert!(message.status.is_client_error(), "GetUser: {} {}", message.status, message.text);
        check_api_reply(&message).expect("well formed");
        assert_ne!(message.status, StatusCode::OK);
        let request = target
            .http
            .get(format!("{}/_domain/forged/oauth2/userInfo", target.endpoint))
            .header("Authorization", format!("Bearer {token}"));
        let reply = target.send(request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "userInfo: {}", reply.text);
        let reply = target.call("RevokeToken", json!({ "Token": token, "ClientId": client.id })).await;
        assert!(reply.status.is_client_error() || reply.status == StatusCode::OK, "{}", reply.text);
        check_api_reply(&reply).expect("well formed");
    }
    // None of it touched mallory's family.
    target.get_user(&session.access_token).await.ok();
    target.refresh(&client, &session).await.ok();
}

#[tokio::test]
async fn odd_host_headers_never_get_a_5xx() {
    let target = Target::start().await;
    let pool = target.pool().await;
    target.domain(&pool, "real").await;
    let hosts = [
        ".auth.us-east-1.amazoncognito.com".to_owned(),
        "auth.us-east-1.amazoncognito.com".to_owned(),
        "real.auth.eu-west-1.amazoncognito.com".to_owned(),
        "real.auth.us-east-1.amazoncognito.com:".to_owned(),
        "real.auth.us-east-1.amazoncognito.com:99999999999".to_owned(),
        "real.auth.us-east-1.amazoncognito.com:abc".to_owned(),
        "a.real.auth.us-east-1.amazoncognito.com".to_owned(),
        "[::1]:80".to_owned(),
        format!("{}.auth.us-east-1.amazoncognito.com", "x".repeat(4000)),
        "%00.auth.us-east-1.amazoncognito.com".to_owned(),
    ];
    for host in &hosts {
        for path in ["/oauth2/revoke", "/oauth2/token", "/oauth2/userInfo", "/"] {
            let request = target
                .http
                .post(format!("{}{path}", target.endpoint))
                .header("Host", host.as_str())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("token=x&client_id=y");
            let reply = target.send(request).await;
            assert!(
                reply.status.is_client_error() || reply.status == StatusCode::OK,
                "{host} {path}: {}",
                reply.status
            );
        }
    }
    let request = target
        .http
        .post(format!("{}/oauth2/revoke", target.endpoint))
        .header("Host", HeaderValue::from_bytes(b"real\xff.auth.us-east-1.amazoncognito.com").expect("obs-text"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("token=x&client_id=y");
    assert!(target.send(request).await.status.is_client_error());
}
