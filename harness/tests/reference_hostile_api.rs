//! Hostile bodies never get a 5xx, a panic or a hang from the JSON API of the reference target: a
//! property test over every operation the reference answers, with random bytes, random JSON, and
//! objects of the operation's own members holding values of any type, of the right type with
//! hostile content, huge strings or bytes that are not UTF-8.
//!
//! A target that falls over on bad input cannot be trusted to refuse it safely (spec §8.14). The
//! hosted endpoints get the same treatment in `reference_hostile_hosted.rs`; hand-picked framing
//! cases are in `reference_hostile_framing.rs`.

mod common;

use common::hostile::{DOMAIN, SHARED, check_api_reply};
use common::{Reply, secret_hash_of, try_send};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::{Map, Value, json};

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

async fn call_api(operation: &str, body: Vec<u8>) -> Result<Reply, String> {
    let f = &SHARED.fixture;
    let request = f
        .http
        .post(format!("{}/", f.target.endpoint))
        .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{operation}"))
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body);
    try_send(request).await
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn api_bodies_never_get_a_5xx((operation, body) in api_case()) {
        run_api(operation, body)?;
    }
}
