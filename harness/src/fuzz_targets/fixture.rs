//! The provisioned reference instance that [`api_dispatch`](super::api_dispatch) and
//! [`oauth_dispatch`](super::oauth_dispatch) send their inputs to.
//!
//! Random bytes almost never name an existing pool, client or token, so a fuzzer left alone would
//! only ever meet "does not exist". The instance is therefore provisioned once, at first use, with
//! what a deep request needs: two pools (one with a domain), a confidential client, a public
//! client, a client with revocation off and without the refresh flow, a client of the other pool,
//! and a user signed in on two clients, one of whose sessions is revoked. Their ids and tokens are
//! random, so seeds name them by placeholder (`@POOL@`, `@REFRESH@`, … — see [`PLACEHOLDERS`]),
//! which [`Fixture::expand`] replaces before each input is decoded.
//!
//! Every input starts from the provisioned state ([`Fixture::reset`]), so a crash reproduces from
//! its input alone, and memory stays bounded however many pools, clients or sessions inputs
//! create. Restoring is skipped when the last answer was an error: the fault-free reference
//! changes its store only on the way to a success (a unit test below checks this on the seeds),
//! and cloning the store is a tenth of an input's cost. Provisioning signs eight tokens once;
//! inputs only pay for RSA when they reach a successful sign-in or refresh.

use std::borrow::Cow;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, Ordering};

use memchr::memmem::Finder;
use parking_lot::{Mutex, MutexGuard};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::reference::store::Store;
use crate::reference::{FaultSet, Limits, Service, secret_hash};

/// Every placeholder a seed may use, and what it stands for.
pub const PLACEHOLDERS: [(&str, &str); 20] = [
    ("@POOL@", "the id of the main pool (it has the domain @DOMAIN@)"),
    ("@OTHER_POOL@", "the id of a second pool"),
    ("@DOMAIN@", "the main pool's domain prefix"),
    ("@CLIENT@", "a confidential client of the main pool (refresh, password and admin flows)"),
    ("@SECRET@", "@CLIENT@'s secret"),
    ("@SECRET_HASH@", "SECRET_HASH of @USERNAME@ for @CLIENT@"),
    ("@BASIC@", "base64 of `@CLIENT@:@SECRET@`, for `Authorization: Basic`"),
    ("@PUBLIC@", "a public client of the main pool (same flows)"),
    ("@BASIC_PUBLIC@", "base64 of `@PUBLIC@:`"),
    ("@NOREVOKE@", "a public client with EnableTokenRevocation=false and only the password flow"),
    ("@OTHER_CLIENT@", "a public client of @OTHER_POOL@"),
    ("@USERNAME@", "the user of the main pool"),
    ("@PASSWORD@", "its password"),
    ("@REFRESH@", "its refresh token on @CLIENT@"),
    ("@ACCESS@", "its access token on @CLIENT@"),
    ("@ID@", "its ID token on @CLIENT@"),
    ("@PUBLIC_REFRESH@", "its refresh token on @PUBLIC@"),
    ("@PUBLIC_ACCESS@", "its access token on @PUBLIC@"),
    ("@REVOKED@", "a refresh token on @CLIENT@ that was revoked"),
    ("@REVOKED_ACCESS@", "the access token of the revoked session"),
];

/// Small limits: the store is reset before every input anyway, so they only bound one input.
const LIMITS: Limits = Limits { max_families: 64, max_pools: 16, max_users_per_pool: 16, max_bytes: 16 * 1024 * 1024 };

/// The domain prefix of the main pool.
const DOMAIN: &str = "cc-fuzz";
const USERNAME: &str = "fuzz-user";
const PASSWORD: &str = "Fuzz-Passw0rd!";

/// The shared instance, provisioned at first use.
pub static FIXTURE: LazyLock<Fixture> = LazyLock::new(Fixture::provision);

/// A provisioned reference instance and what its placeholders stand for.
pub struct Fixture {
    /// The instance inputs are sent to.
    pub service: Service,
    /// The main pool's id (the pool the hosted endpoints serve).
    pub pool_id: String,
    /// The store as provisioned.
    baseline: Store,
    /// Placeholder → value, in [`PLACEHOLDERS`] order.
    values: Vec<(&'static str, String)>,
    /// A searcher for each credential, for [`Fixture::quoted_in`].
    finders: Vec<Finder<'static>>,
    /// Whether the store may differ from `baseline`.
    dirty: AtomicBool,
    /// Held for a whole input, so inputs replayed on several threads (the replay test) do not
    /// reset the store under each other. libFuzzer runs one input at a time; it costs nothing.
    turn: Mutex<()>,
}

/// Answers `operation` or panics: provisioning is not fuzzed, so a failure is a bug of the fixture.
fn call(service: &Service, operation: &str, body: Value) -> Value {
    service
        .dispatch(operation, body.to_string().as_bytes())
        .unwrap_or_else(|error| panic!("provisioning the fuzz fixture: {operation} failed: {error:?}"))
}

fn text(value: &Value, path: &[&str]) -> String {
    let found = path.iter().fold(value, |value, key| &value[*key]);
    found.as_str().unwrap_or_else(|| panic!("provisioning the fuzz fixture: no {path:?} in {value}")).to_owned()
}

impl Fixture {
    fn provision() -> Self {
        let service = Service::new(FaultSet::none(), "us-east-1".into(), LIMITS).expect("the reference service builds");
        let s = &service;
        let pool = text(&call(s, "CreateUserPool", json!({ "PoolName": "fuzz" })), &["UserPool", "Id"]);
        call(s, "CreateUserPoolDomain", json!({ "Domain": DOMAIN, "UserPoolId": pool }));
        let other_pool = text(&call(s, "CreateUserPool", json!({ "PoolName": "fuzz-other" })), &["UserPool", "Id"]);
        let flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];
        // Tokens live a day, the longest Cognito allows, so a long fuzzing run keeps them valid.
        let client = |pool: &str, name: &str, extra: Value| {
            let mut body = json!({
                "UserPoolId": pool,
                "ClientName": name,
                "ExplicitAuthFlows": flows,
                "AccessTokenValidity": 1,
                "IdTokenValidity": 1,
                "TokenValidityUnits": { "AccessToken": "days", "IdToken": "days" },
            });
            if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
                body.extend(extra);
            }
            call(s, "CreateUserPoolClient", body)
        };
        let confidential = client(&pool, "secret", json!({ "GenerateSecret": true }));
        let (client_id, secret) = (
            text(&confidential, &["UserPoolClient", "ClientId"]),
            text(&confidential, &["UserPoolClient", "ClientSecret"]),
        );
        let public = text(&client(&pool, "public", json!({})), &["UserPoolClient", "ClientId"]);
        let no_revoke = client(
            &pool,
            "no-revoke",
            json!({ "EnableTokenRevocation": false, "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"] }),
        );
        let no_revoke = text(&no_revoke, &["UserPoolClient", "ClientId"]);
        let other_client = text(&client(&other_pool, "other", json!({})), &["UserPoolClient", "ClientId"]);
        call(
            s,
            "AdminCreateUser",
            json!({
                "UserPoolId": pool,
                "Username": USERNAME,
                "MessageAction": "SUPPRESS",
                "UserAttributes": [{ "Name": "email", "Value": "fuzz@example.com" }],
            }),
        );
        call(
            s,
            "AdminSetUserPassword",
            json!({ "UserPoolId": pool, "Username": USERNAME, "Password": PASSWORD, "Permanent": true }),
        );
        let hash = secret_hash(&secret, USERNAME, &client_id);
        let sign_in = |client: &str, hash: Option<&str>| {
            let mut parameters = json!({ "USERNAME": USERNAME, "PASSWORD": PASSWORD });
            if let Some(hash) = hash {
                parameters["SECRET_HASH"] = json!(hash);
            }
            let body = json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": parameters });
            let result = call(s, "InitiateAuth", body);
            ["RefreshToken", "AccessToken", "IdToken"].map(|token| text(&result, &["AuthenticationResult", token]))
        };
        let [refresh, access, id] = sign_in(&client_id, Some(&hash));
        let [public_refresh, public_access, _] = sign_in(&public, None);
        let [revoked, revoked_access, _] = sign_in(&client_id, Some(&hash));
        call(s, "RevokeToken", json!({ "Token": revoked, "ClientId": client_id, "ClientSecret": secret }));
        let basic = STANDARD.encode(format!("{client_id}:{secret}"));
        let basic_public = STANDARD.encode(format!("{public}:"));
        let values = [
            pool.clone(),
            other_pool,
            DOMAIN.into(),
            client_id,
            secret,
            hash,
            basic,
            public,
            basic_public,
            no_revoke,
            other_client,
            USERNAME.into(),
            PASSWORD.into(),
            refresh,
            access,
            id,
            public_refresh,
            public_access,
            revoked,
            revoked_access,
        ];
        let values = PLACEHOLDERS.iter().map(|(name, _)| *name).zip(values).collect();
        let baseline = service.store.lock().clone();
        let mut fixture = Self {
            service,
            pool_id: pool,
            baseline,
            values,
            finders: Vec::new(),
            dirty: AtomicBool::new(false),
            turn: Mutex::new(()),
        };
        fixture.finders = fixture.credentials().map(|credential| Finder::new(credential).into_owned()).collect();
        fixture
    }

    /// Takes the fixture for one input: concurrent callers wait their turn.
    pub fn turn(&self) -> MutexGuard<'_, ()> {
        self.turn.lock()
    }

    /// Restores the store to its provisioned state, unless it cannot have changed since.
    pub fn reset(&self) {
        if self.dirty.swap(false, Ordering::Relaxed) {
            *self.service.store.lock() = self.baseline.clone();
        }
    }

    /// Notes that the store may have changed: the last answer was a success.
    pub fn changed(&self) {
        self.dirty.store(true, Ordering::Relaxed);
    }

    /// `data` with every placeholder replaced by its value.
    pub fn expand<'a>(&self, data: &'a [u8]) -> Cow<'a, [u8]> {
        // One pass over the `@`s: a placeholder is the span between two consecutive ones, compared
        // whole, so names of another length cost no byte comparison (libFuzzer intercepts each one).
        let mut out = Vec::new();
        let (mut copied, mut open) = (0, None);
        for at in memchr::memchr_iter(b'@', data) {
            let named = |start| self.values.iter().find(|(name, _)| name.as_bytes() == &data[start..=at]);
            match open.and_then(|start| named(start).map(|(_, value)| (start, value))) {
                Some((start, value)) => {
                    out.extend_from_slice(&data[copied..start]);
                    out.extend_from_slice(value.as_bytes());
                    (copied, open) = (at + 1, None);
                }
                None => open = Some(at),
            }
        }
        if copied == 0 {
            return Cow::Borrowed(data);
        }
        out.extend_from_slice(&data[copied..]);
        Cow::Owned(out)
    }

    /// Whether `answer` contains one of the fixture's [credentials](Self::credentials). The
    /// searchers are built once; needles longer than the answer (tokens, in most error answers)
    /// are dismissed by their length.
    pub fn quoted_in(&self, answer: &[u8]) -> bool {
        self.finders.iter().any(|finder| finder.needle().len() <= answer.len() && finder.find(answer).is_some())
    }

    /// The credentials among the placeholders' values: secrets, hashes, passwords and tokens.
    /// No answer may quote them unless the request put them where a quote is legitimate.
    pub fn credentials(&self) -> impl Iterator<Item = &str> {
        const CREDENTIALS: [&str; 11] = [
            "@SECRET@",
            "@SECRET_HASH@",
            "@PASSWORD@",
            "@REFRESH@",
            "@ACCESS@",
            "@ID@",
            "@PUBLIC_REFRESH@",
            "@PUBLIC_ACCESS@",
            "@REVOKED@",
            "@REVOKED_ACCESS@",
            "@BASIC@",
        ];
        self.values.iter().filter(|(name, _)| CREDENTIALS.contains(name)).map(|(_, value)| value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_expand_and_other_at_signs_stay() {
        let fixture = &*FIXTURE;
        let expanded = fixture.expand(b"@POOL@ a@b @@CLIENT@ @NOPE@ @");
        let expanded = String::from_utf8(expanded.into_owned()).expect("utf-8");
        let client = &fixture.values[3].1;
        assert_eq!(expanded, format!("{} a@b @{client} @NOPE@ @", fixture.pool_id));
        assert_eq!(fixture.credentials().count(), 11);
    }

    /// The premise of skipping [`Fixture::reset`] after errors: an error answer leaves the store
    /// as it was. Checked on every `api_dispatch` seed.
    #[test]
    fn error_answers_leave_the_store_unchanged() {
        use axum::http::{HeaderMap, HeaderValue, header};

        let fixture = &*FIXTURE;
        let _turn = fixture.turn();
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/api_dispatch");
        let mut errors = 0;
        for entry in std::fs::read_dir(corpus).expect("the api_dispatch corpus") {
            let data = std::fs::read(entry.expect("an entry").path()).expect("a seed");
            let data = fixture.expand(&data);
            let Some(([target, content_type], body)) = super::super::lines::<2>(&data) else { continue };
            let mut headers = HeaderMap::new();
            for (name, value) in [("x-amz-target", target), (header::CONTENT_TYPE.as_str(), content_type)] {
                if let Ok(value) = HeaderValue::from_bytes(value) {
                    headers.insert(name, value);
                }
            }
            fixture.changed();
            fixture.reset();
            let before = format!("{:?}", fixture.service.store.lock());
            if crate::reference::server::answer_api(&fixture.service, &headers, body).is_err() {
                errors += 1;
                assert_eq!(format!("{:?}", fixture.service.store.lock()), before, "an error changed the store");
            }
        }
        fixture.changed();
        assert!(errors > 10, "only {errors} seeds answer an error");
    }
}
