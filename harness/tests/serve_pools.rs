//! `serve --pools FILE` as a user runs it: the real binary on a loopback port, started with pools
//! fixed in a file. A seeded pool answers with its fixed ids, signs its user in with the fixed
//! client secret, publishes the JWKS that verifies its tokens and the discovery document of its
//! domain, and revokes as any pool does; the AWS rehearsal takes the same file. No fragment of a
//! secret (12 characters or more) reaches serve's stdout or stderr, whether it starts or refuses
//! the file; a refused file exits 2 with file:line:col.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;

use cognito_conformance::jwt::verify_offline;
use cognito_conformance::reference::secret_hash;
use common::Reply;
use common::serve::Api;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_Fixed0001";
const CLIENT: &str = "fixedclient0000000000000001";
const PUBLIC_CLIENT: &str = "fixedclient0000000000000002";
const SECRET: &str = "Wq7ZpL2xKc9RtV4mNb8YsJ3hGf6D";
const PASSWORD: &str = "Alice+Example-Passw0rd";
const DOMAIN: &str = "app-test";
const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Fixed0001";

/// The file of the agreement's shape (the audit and the sample APIs write the same keys).
fn pools_toml() -> String {
    format!(
        r#"[[pools]]
id = "{POOL}"
name = "app"
domain = "{DOMAIN}"
[[pools.clients]]
id = "{CLIENT}"
name = "web"
secret = "{SECRET}"
enable_token_revocation = true
explicit_auth_flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
access_token_validity = 5
[[pools.clients]]
id = "{PUBLIC_CLIENT}"
name = "spa"
explicit_auth_flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
[[pools.users]]
username = "alice"
password = "{PASSWORD}"
attributes = {{ email = "alice@example.com" }}
"#
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("written");
    path
}

/// A `serve` child with its output collected; killed (by its own handle) when stopped or dropped.
struct Serve {
    child: Child,
    first_line: String,
    stdout: Option<JoinHandle<String>>,
    stderr: Option<JoinHandle<String>>,
}

impl Serve {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-conformance"))
            .args(["serve", "--port", "0"])
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first_line = String::new();
        stdout.read_line(&mut first_line).expect("serve prints a line");
        let mut stderr = child.stderr.take().expect("stderr");
        let stdout = std::thread::spawn(move || {
            let mut rest = String::new();
            stdout.read_to_string(&mut rest).ok();
            rest
        });
        let stderr = std::thread::spawn(move || {
            let mut all = String::new();
            stderr.read_to_string(&mut all).ok();
            all
        });
        Self { child, first_line, stdout: Some(stdout), stderr: Some(stderr) }
    }

    /// The address after `prefix` on the first line.
    fn addr(&self, prefix: &str) -> String {
        let line = self.first_line.trim();
        line.strip_prefix(prefix).unwrap_or_else(|| panic!("unexpected first line: {line:?}")).to_owned()
    }

    /// Stops the process; everything it printed (stdout, then stderr).
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.output()
    }

    /// Waits for the process to end by itself; its exit code and everything it printed.
    fn wait(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().expect("waitable");
        (status.code(), self.output())
    }

    fn output(&mut self) -> String {
        let stdout = self.stdout.take().map(|h| h.join().expect("reader")).unwrap_or_default();
        let stderr = self.stderr.take().map(|h| h.join().expect("reader")).unwrap_or_default();
        format!("{}{stdout}{stderr}", self.first_line)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// No 12-character window of any secret appears in `output`.
#[track_caller]
fn assert_no_secret(output: &str, secrets: &[&str]) {
    for secret in secrets {
        let chars: Vec<char> = secret.chars().collect();
        for window in chars.windows(12) {
            let fragment: String = window.iter().collect();
            assert!(!output.contains(&fragment), "{fragment:?} (of a secret) was printed:\n{output}");
        }
    }
}

fn api(serve: &Serve) -> Api {
    Api {
        http: reqwest::Client::new(),
        endpoint: format!("http://{}", serve.addr("reference target listening on http://")),
    }
}

async fn sign_in(api: &Api, client: &str, secret: Option<&str>) -> Value {
    let mut params = json!({ "USERNAME": "alice", "PASSWORD": PASSWORD });
    if let Some(secret) = secret {
        params["SECRET_HASH"] = json!(secret_hash(secret, "alice", client));
    }
    let body = json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params });
    api.call("InitiateAuth", body).await.ok()["AuthenticationResult"].clone()
}

async fn get(api: &Api, path: &str) -> Value {
    let response = api.http.get(format!("{}{path}", api.endpoint)).send().await.expect("an answer");
    Reply::read(response).await.ok().clone()
}

#[tokio::test]
async fn a_seeded_pool_answers_with_its_fixed_ids_and_its_tokens_verify_with_its_jwks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "pools.toml", &pools_toml());
    let serve = Serve::start(&["--pools", file.to_str().expect("UTF-8")]);
    let api = api(&serve);

    let pool = api.call("DescribeUserPool", json!({ "UserPoolId": POOL })).await;
    assert_eq!(pool.ok()["UserPool"]["Id"], POOL);
    assert_eq!(pool.ok()["UserPool"]["Name"], "app");
    assert_eq!(pool.ok()["UserPool"]["Domain"], DOMAIN);
    let client = api.call("DescribeUserPoolClient", json!({ "UserPoolId": POOL, "ClientId": CLIENT })).await;
    let client = &client.ok()["UserPoolClient"];
    assert_eq!((client["ClientId"].as_str(), client["ClientSecret"].as_str()), (Some(CLIENT), Some(SECRET)));
    assert_eq!(client["EnableTokenRevocation"], true);
    let user = api.call("AdminGetUser", json!({ "UserPoolId": POOL, "Username": "alice" })).await;
    assert_eq!(user.ok()["UserStatus"], "CONFIRMED");

    // Without SECRET_HASH the confidential client refuses; with it, alice signs in.
    let body = json!({ "ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": { "USERNAME": "alice", "PASSWORD": PASSWORD } });
    api.call("InitiateAuth", body).await.expect_error("NotAuthorizedException");
    let tokens = sign_in(&api, CLIENT, Some(SECRET)).await;
    let jwks = get(&api, &format!("/{POOL}/.well-known/jwks.json")).await;
    for kind in ["AccessToken", "IdToken"] {
        let token = tokens[kind].as_str().expect("a token");
        let claims = verify_offline(token, &jwks, POOL).unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(claims["iss"], ISSUER, "{kind}");
    }
    let access = verify_offline(tokens["AccessToken"].as_str().expect("token"), &jwks, POOL).expect("verifies");
    assert_eq!(access["client_id"], CLIENT);
    // access_token_validity = 5 (minutes).
    assert_eq!(access["exp"].as_u64().unwrap() - access["iat"].as_u64().unwrap(), 300);
    // The public client signs in without a secret.
    assert!(sign_in(&api, PUBLIC_CLIENT, None).await["AccessToken"].is_string());

    // Pools created later get ids of their own, and the fixed ones stay taken.
    let created = api.call("CreateUserPool", json!({ "PoolName": "later" })).await;
    assert_ne!(created.ok()["UserPool"]["Id"], POOL);

    let output = serve.stop();
    for shown in [POOL, CLIENT, PUBLIC_CLIENT, DOMAIN, "alice", ISSUER] {
        assert!(output.contains(shown), "the summary lacks {shown}:\n{output}");
    }
    assert_no_secret(&output, &[SECRET, PASSWORD]);
}

#[tokio::test]
async fn discovery_lists_the_domain_endpoints_and_revocation_works_on_the_api_and_the_domain() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "pools.toml", &pools_toml());
    let serve = Serve::start(&["--pools", file.to_str().expect("UTF-8")]);
    let api = api(&serve);

    let discovery = get(&api, &format!("/{POOL}/.well-known/openid-configuration")).await;
    assert_eq!(discovery["issuer"], ISSUER);
    assert_eq!(discovery["jwks_uri"], format!("{}/{POOL}/.well-known/jwks.json", api.endpoint));
    let domain = format!("{}/_domain/{DOMAIN}", api.endpoint);
    assert_eq!(discovery["revocation_endpoint"], format!("{domain}/oauth2/revoke"));
    assert_eq!(discovery["token_endpoint"], format!("{domain}/oauth2/token"));

    // RevokeToken on the API: the refresh token stops working.
    let tokens = sign_in(&api, CLIENT, Some(SECRET)).await;
    let refresh = tokens["RefreshToken"].as_str().expect("a refresh token");
    let revoke = json!({ "Token": refresh, "ClientId": CLIENT, "ClientSecret": SECRET });
    api.call("RevokeToken", revoke).await.ok();
    let again = json!({ "ClientId": CLIENT, "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": { "REFRESH_TOKEN": refresh, "SECRET_HASH": secret_hash(SECRET, "alice", CLIENT) } });
    api.call("InitiateAuth", again).await.expect_error("NotAuthorizedException");
    let access = json!({ "AccessToken": tokens["AccessToken"] });
    api.call("GetUser", access).await.expect_error("NotAuthorizedException");

    // /oauth2/revoke on the fixed domain, with the client's Basic credentials.
    let tokens = sign_in(&api, CLIENT, Some(SECRET)).await;
    let refresh = tokens["RefreshToken"].as_str().expect("a refresh token");
    let revoked = api
        .http
        .post(discovery["revocation_endpoint"].as_str().expect("a URL"))
        .basic_auth(CLIENT, Some(SECRET))
        .form(&[("token", refresh)])
        .send()
        .await
        .expect("an answer");
    assert_eq!(revoked.status(), 200);
    let access = json!({ "AccessToken": tokens["AccessToken"] });
    api.call("GetUser", access).await.expect_error("NotAuthorizedException");

    assert_no_secret(&serve.stop(), &[SECRET, PASSWORD]);
}

#[test]
fn a_refused_file_exits_2_located_and_echoes_no_secret() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A password too weak (no upper case, no symbol) and a secret too short, both over 12
    // characters, next to a typo: every problem is reported, none with the secrets.
    let weak = "weakpassword0000000";
    let short = "Tz8Qm3Wd6Lp1Xr5";
    let text = pools_toml()
        .replace(PASSWORD, weak)
        .replace(SECRET, short)
        .replace("enable_token_revocation", "enable_token_revokation");
    let file = write(dir.path(), "bad.toml", &text);
    let (code, output) = Serve::start(&["--pools", file.to_str().expect("UTF-8")]).wait();
    assert_eq!(code, Some(2), "{output}");
    // The unknown key stops the parse: it alone is reported.
    assert!(output.contains(&format!("{}:9:1: unknown field `enable_token_revokation`", file.display())), "{output}");
    assert_no_secret(&output, &[weak, short]);

    let text = pools_toml().replace(PASSWORD, weak).replace(SECRET, short);
    let file = write(dir.path(), "weak.toml", &text);
    let (code, output) = Serve::start(&["--pools", file.to_str().expect("UTF-8")]).wait();
    assert_eq!(code, Some(2), "{output}");
    assert!(output.contains(&format!("{}:8:10: ", file.display())), "the secret's problem: {output}");
    assert!(output.contains(&format!("{}:18:12: Password does not conform", file.display())), "{output}");
    assert!(!output.contains("listening"), "{output}");
    assert_no_secret(&output, &[weak, short]);

    // A pool of another region than the one served.
    let (code, output) = Serve::start(&[
        "--region",
        "eu-west-1",
        "--pools",
        write(dir.path(), "ok.toml", &pools_toml()).to_str().unwrap(),
    ])
    .wait();
    assert_eq!(code, Some(2), "{output}");
    assert!(output.contains("is not the served region `eu-west-1`"), "{output}");
    assert_no_secret(&output, &[SECRET, PASSWORD]);
}

#[tokio::test]
async fn the_example_file_of_the_docs_serves_and_its_user_signs_in() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/pools.toml");
    let serve = Serve::start(&["--pools", example.to_str().expect("UTF-8")]);
    let api = api(&serve);
    let (client, secret) = ("exampleclient0000000000001", "ExampleWebClientSecret+Kq7Vb2Lm9Zt4");
    let mut params = json!({ "USERNAME": "alice", "PASSWORD": "Example-Passw0rd!" });
    params["SECRET_HASH"] = json!(secret_hash(secret, "alice", client));
    let body = json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params });
    let reply = api.call("InitiateAuth", body).await;
    assert!(reply.ok()["AuthenticationResult"]["AccessToken"].is_string());
    assert_no_secret(&serve.stop(), &[secret, "Example-Passw0rd!"]);
}

/// The rehearsal's access key and secret key, from the credentials file it wrote.
fn rehearsal_keys(file: &Path) -> (String, String) {
    let text = std::fs::read_to_string(file).expect("the credentials file");
    let value = |key: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(key).and_then(|rest| rest.trim().strip_prefix('=')))
            .map(|value| value.trim().to_owned())
            .unwrap_or_else(|| panic!("{key} in the credentials file"))
    };
    (value("aws_access_key_id"), value("aws_secret_access_key"))
}

#[tokio::test]
async fn the_aws_rehearsal_serves_the_same_file_under_aws_host_names() {
    use cognito_conformance::wire::sigv4::{SERVICE, Signer};
    use cognito_conformance::wire::{CaBundle, Exchange, HostedAddressing, Network, Wire, WireOptions};

    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "pools.toml", &pools_toml());
    let state = dir.path().join("state");
    let serve = Serve::start(&[
        "--aws-rehearsal",
        "--state-dir",
        state.to_str().expect("UTF-8"),
        "--latency",
        "0",
        "--rate-limit",
        "0",
        "--pools",
        file.to_str().expect("UTF-8"),
    ]);
    let addr = serve.addr("AWS rehearsal listening on").trim().parse().expect("an address");
    let ca = std::fs::read(state.join("ca.pem")).expect("ca.pem");
    let network = Network {
        ca_bundle: Some(CaBundle::from_pem(&state.join("ca.pem"), ca).expect("a CA")),
        rehearsal: Some(addr),
    };
    let options = WireOptions { network, throttle_retries: 0, ..WireOptions::default() };
    let (access_key, secret_key) = rehearsal_keys(&state.join("credentials"));
    let wire = Wire::new("https://cognito-idp.us-east-1.amazonaws.com", "us-east-1", HostedAddressing::Real, options)
        .expect("a client")
        .with_signer(Signer::new(&access_key, &secret_key, None, "us-east-1", SERVICE));
    let send = async |request| -> Exchange { wire.send(&request).await.expect("an answer") };
    let json = |exchange: Exchange| -> Value {
        assert_eq!(exchange.status, 200, "{}", String::from_utf8_lossy(&exchange.body));
        exchange.json().expect("JSON")
    };

    let body = json!({ "UserPoolId": POOL, "ClientId": CLIENT }).to_string().into_bytes();
    let described = json(send(wire.api_request("DescribeUserPoolClient", body)).await);
    assert_eq!(described["UserPoolClient"]["ClientId"], CLIENT);
    let params =
        json!({ "USERNAME": "alice", "PASSWORD": PASSWORD, "SECRET_HASH": secret_hash(SECRET, "alice", CLIENT) });
    let body = json!({ "ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params });
    let tokens = json(send(wire.api_request("InitiateAuth", body.to_string().into_bytes())).await);
    let access = tokens["AuthenticationResult"]["AccessToken"].as_str().expect("a token").to_owned();
    let jwks = json(send(wire.plain_request(reqwest::Method::GET, &format!("/{POOL}/.well-known/jwks.json"))).await);
    assert_eq!(verify_offline(&access, &jwks, POOL).expect("verifies")["iss"], ISSUER);
    // The seeded domain answers at once, as a domain made long ago would.
    let mut revoke = wire.hosted_request(DOMAIN, reqwest::Method::POST, "/oauth2/revoke");
    let refresh = tokens["AuthenticationResult"]["RefreshToken"].as_str().expect("a refresh token");
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT}:{SECRET}"));
    revoke.body = format!("token={refresh}").into_bytes();
    revoke.headers.push(("content-type".into(), "application/x-www-form-urlencoded".into()));
    revoke.headers.push(("authorization".into(), format!("Basic {basic}")));
    assert_eq!(send(revoke).await.status, 200);

    let output = serve.stop();
    assert!(output.contains(&format!("https://{DOMAIN}.auth.us-east-1.amazoncognito.com")), "{output}");
    assert_no_secret(&output, &[SECRET, PASSWORD]);
}
