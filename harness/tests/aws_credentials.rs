//! The AWS credential chain, end to end: `cognito-conformance cleanup --target aws` run as a user
//! runs it, once per provider, in an environment the test controls entirely (`env_clear`, `HOME`
//! a temporary directory), as a `--rehearsal` against the loopback stand-ins of
//! [`aws_stand_in`]. Each test checks that Cognito saw a request signed with what the provider
//! under test issued — a signature verified with its secret, and its session token — that the run
//! succeeded, and that no secret reached the output.
//!
//! STS and IAM Identity Center are reached at their real host names on the stand-in's port
//! through the SDKs' documented endpoint overrides (`AWS_ENDPOINT_URL_STS`,
//! `AWS_ENDPOINT_URL_SSO`); the container and instance endpoints are plain HTTP on loopback.

#[path = "common/aws_stand_in.rs"]
mod aws_stand_in;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use aws_stand_in::{Issued, Script, StandIn};
use cognito_conformance::exit_codes;

/// A run of the binary: its exit code and output.
struct Run {
    code: i32,
    output: String,
}

/// A user's machine: a home directory and the stand-ins.
struct Machine {
    home: tempfile::TempDir,
    stand_in: StandIn,
    _runtime: tokio::runtime::Runtime,
}

impl Machine {
    fn new(script: Script) -> Self {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("test set-up");
        let stand_in = StandIn::start(&runtime, script);
        let home = tempfile::tempdir().expect("test set-up");
        std::fs::create_dir_all(home.path().join(".aws/sso/cache")).expect("test set-up");
        std::fs::write(home.path().join("ca.pem"), &stand_in.ca_pem).expect("test set-up");
        Self { home, stand_in, _runtime: runtime }
    }

    fn home(&self) -> &Path {
        self.home.path()
    }

    fn write(&self, relative: &str, text: &str) -> String {
        let path = self.home().join(relative);
        std::fs::write(&path, text).expect("test set-up");
        path.to_string_lossy().into_owned()
    }

    fn sts_endpoint(&self) -> String {
        format!("https://sts.us-east-1.amazonaws.com:{}", self.stand_in.tls.port())
    }

    /// `cleanup --target aws` with only `env` (besides PATH and HOME) in its environment;
    /// instance metadata is disabled unless `env` says otherwise.
    fn cleanup(&self, env: &[(&str, &str)], ca_bundle: &str) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-conformance"));
        command
            .args(["cleanup", "--target", "aws", "--region", "us-east-1", "--rehearsal"])
            .arg(self.stand_in.tls.to_string())
            .arg("--ca-bundle")
            .arg(self.home().join(ca_bundle))
            .current_dir(self.home())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("NO_COLOR", "1");
        if !env.iter().any(|(name, _)| name.starts_with("AWS_EC2_METADATA")) {
            command.env("AWS_EC2_METADATA_DISABLED", "true");
        }
        command.envs(env.iter().copied());
        let output = command.output().expect("the binary runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            output: format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)),
        }
    }

    /// The run succeeded, Cognito saw `issued`'s key with a valid signature and its session token,
    /// and none of `secrets` (nor `issued`'s secret parts) was printed.
    fn assert_signed_with(&self, run: &Run, issued: &Issued, secrets: &[&str]) {
        assert_eq!(run.code, exit_codes::OK, "{}\nseen: {:#?}", run.output, self.stand_in.seen());
        let listed = self.stand_in.seen_for("ListUserPools");
        assert!(!listed.is_empty(), "Cognito was not called: {:#?}", self.stand_in.seen());
        for seen in &listed {
            assert_eq!(seen.key.as_deref(), Some(issued.key.as_str()), "{seen:?}");
            assert!(seen.signature_ok, "{seen:?}");
            assert_eq!(seen.session_token, issued.token, "{seen:?}");
        }
        assert_no_secret(run, issued, secrets);
    }
}

fn assert_no_secret(run: &Run, issued: &Issued, secrets: &[&str]) {
    for secret in secrets.iter().copied().chain([issued.secret.as_str()]).chain(issued.token.as_deref()) {
        assert!(!run.output.contains(secret), "a secret was printed:\n{}", run.output);
    }
}

fn sha1_hex(text: &str) -> String {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, text.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn environment_variables() {
    let issued = Issued::new("AKIAENVIRONMENT", "environment", true);
    let machine = Machine::new(Script { known: vec![issued.clone()], ..Script::default() });
    let token = issued.token.clone().expect("test set-up");
    let run = machine.cleanup(
        &[("AWS_ACCESS_KEY_ID", &issued.key), ("AWS_SECRET_ACCESS_KEY", &issued.secret), ("AWS_SESSION_TOKEN", &token)],
        "ca.pem",
    );
    machine.assert_signed_with(&run, &issued, &[]);
}

#[test]
fn shared_credentials_file_with_aws_profile() {
    let issued = Issued::new("AKIAPROFILE", "profile", false);
    let other = Issued::new("AKIAWRONGPROFILE", "default-profile", false);
    let machine = Machine::new(Script { known: vec![issued.clone(), other.clone()], ..Script::default() });
    machine.write(
        ".aws/credentials",
        &format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n\
             [conformance]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            other.key, other.secret, issued.key, issued.secret
        ),
    );
    let run = machine.cleanup(&[("AWS_PROFILE", "conformance")], "ca.pem");
    machine.assert_signed_with(&run, &issued, &[&other.secret]);
}

#[test]
fn credential_process() {
    let issued = Issued::new("ASIAPROCESS", "process", true);
    let machine = Machine::new(Script { known: vec![issued.clone()], ..Script::default() });
    let answer = serde_json::json!({
        "Version": 1, "AccessKeyId": issued.key, "SecretAccessKey": issued.secret,
        "SessionToken": issued.token, "Expiration": "2099-01-01T00:00:00Z",
    });
    let script = machine.write("credentials.sh", &format!("#!/bin/sh\ncat <<'EOF'\n{answer}\nEOF\n"));
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o700)).expect("test set-up");
    machine.write(".aws/config", &format!("[profile tool]\ncredential_process = {script}\n"));
    let run = machine.cleanup(&[("AWS_PROFILE", "tool")], "ca.pem");
    machine.assert_signed_with(&run, &issued, &[]);
}

#[test]
fn assume_role_with_source_profile() {
    let base = Issued::new("AKIABASE", "base", false);
    let assumed = Issued::new("ASIAASSUMED", "assumed", true);
    let machine =
        Machine::new(Script { known: vec![base.clone()], assume_role: Some(assumed.clone()), ..Script::default() });
    machine.write(
        ".aws/credentials",
        &format!("[base]\naws_access_key_id = {}\naws_secret_access_key = {}\n", base.key, base.secret),
    );
    machine.write(
        ".aws/config",
        "[profile deploy]\nrole_arn = arn:aws:iam::111122223333:role/Conformance\nsource_profile = base\n",
    );
    let endpoint = machine.sts_endpoint();
    let run = machine.cleanup(&[("AWS_PROFILE", "deploy"), ("AWS_ENDPOINT_URL_STS", &endpoint)], "ca.pem");
    machine.assert_signed_with(&run, &assumed, &[&base.secret]);
    let assumed_with = machine.stand_in.seen_for("AssumeRole");
    assert_eq!(assumed_with.len(), 1, "{assumed_with:?}");
    assert_eq!(assumed_with[0].key.as_deref(), Some("AKIABASE"));
    assert!(assumed_with[0].signature_ok && assumed_with[0].host.starts_with("sts.us-east-1.amazonaws.com"));
}

#[test]
fn web_identity_from_the_environment() {
    let web_token = "eyJhbGciOiJSUzI1NiJ9.web-identity-token-do-not-print.c2lnbmF0dXJl";
    let issued = Issued::new("ASIAWEBIDENTITY", "web-identity", true);
    let machine = Machine::new(Script { web_identity: Some((web_token.into(), issued.clone())), ..Script::default() });
    let token_file = machine.write("web-identity-token", web_token);
    let endpoint = machine.sts_endpoint();
    let run = machine.cleanup(
        &[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", &token_file),
            ("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/GitHubActions"),
            ("AWS_ROLE_SESSION_NAME", "conformance"),
            ("AWS_ENDPOINT_URL_STS", &endpoint),
        ],
        "ca.pem",
    );
    machine.assert_signed_with(&run, &issued, &[web_token]);
    assert_eq!(machine.stand_in.seen_for("AssumeRoleWithWebIdentity").len(), 1);
}

/// The IAM Identity Center profile; `session` is the `[sso-session]` form, else the legacy one.
fn sso(session: bool) {
    let access_token = "sso-access-token-do-not-print";
    let issued = Issued::new("ASIASSO", "sso", true);
    let machine = Machine::new(Script { sso: Some((access_token.into(), issued.clone())), ..Script::default() });
    let start_url = "https://d-1234567890.awsapps.com/start";
    let (config, cache_key) = if session {
        (
            format!(
                "[profile admin]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Conformance\n\n\
                 [sso-session corp]\nsso_start_url = {start_url}\nsso_region = us-east-1\n\
                 sso_registration_scopes = sso:account:access\n"
            ),
            sha1_hex("corp"),
        )
    } else {
        (
            format!(
                "[profile admin]\nsso_start_url = {start_url}\nsso_region = us-east-1\n\
                 sso_account_id = 111122223333\nsso_role_name = Conformance\n"
            ),
            sha1_hex(start_url),
        )
    };
    machine.write(".aws/config", &config);
    let cached = serde_json::json!({
        "accessToken": access_token, "expiresAt": "2099-01-01T00:00:00Z",
        "region": "us-east-1", "startUrl": start_url,
    });
    machine.write(&format!(".aws/sso/cache/{cache_key}.json"), &cached.to_string());
    let endpoint = format!("https://portal.sso.us-east-1.amazonaws.com:{}", machine.stand_in.tls.port());
    let run = machine.cleanup(&[("AWS_PROFILE", "admin"), ("AWS_ENDPOINT_URL_SSO", &endpoint)], "ca.pem");
    machine.assert_signed_with(&run, &issued, &[access_token]);
    assert_eq!(machine.stand_in.seen_for("GetRoleCredentials").len(), 1);
}

#[test]
fn sso_session_profile() {
    sso(true);
}

#[test]
fn legacy_sso_profile() {
    sso(false);
}

#[test]
fn an_sso_session_token_about_to_expire_is_refreshed_first() {
    let (old_token, new_token) = ("sso-expiring-access-token-do-not-print", "sso-refreshed-access-token-do-not-print");
    let (refresh_token, client_secret) = ("sso-refresh-token-do-not-print", "sso-client-secret-do-not-print");
    let issued = Issued::new("ASIASSOREFRESHED", "sso-refreshed", true);
    let machine = Machine::new(Script {
        sso: Some((new_token.into(), issued.clone())),
        oidc: Some((refresh_token.into(), new_token.into())),
        ..Script::default()
    });
    machine.write(
        ".aws/config",
        "[profile admin]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Conformance\n\n\
         [sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n",
    );
    let in_a_minute = humantime::format_rfc3339_seconds(std::time::SystemTime::now() + Duration::from_secs(60));
    let cached = serde_json::json!({
        "accessToken": old_token, "expiresAt": in_a_minute.to_string(), "region": "us-east-1",
        "startUrl": "https://d-1234567890.awsapps.com/start", "clientId": "stand-in-client",
        "clientSecret": client_secret, "refreshToken": refresh_token,
        "registrationExpiresAt": "2099-01-01T00:00:00Z",
    });
    let cache = machine.write(&format!(".aws/sso/cache/{}.json", sha1_hex("corp")), &cached.to_string());
    let port = machine.stand_in.tls.port();
    let (sso, oidc) = (
        format!("https://portal.sso.us-east-1.amazonaws.com:{port}"),
        format!("https://oidc.us-east-1.amazonaws.com:{port}"),
    );
    let run = machine.cleanup(
        &[("AWS_PROFILE", "admin"), ("AWS_ENDPOINT_URL_SSO", &sso), ("AWS_ENDPOINT_URL_SSO_OIDC", &oidc)],
        "ca.pem",
    );
    machine.assert_signed_with(&run, &issued, &[old_token, new_token, refresh_token, client_secret]);
    assert_eq!(machine.stand_in.seen_for("CreateToken").len(), 1);
    // As the CLI does, the refreshed token is written back to the cache.
    let rewritten = std::fs::read_to_string(cache).expect("the cache");
    assert!(rewritten.contains(new_token), "the cache still holds the old token");
}

#[test]
fn container_credentials_with_a_token_file() {
    let authorization = "container-authorization-do-not-print";
    let issued = Issued::new("ASIACONTAINER", "container", true);
    let machine = Machine::new(Script { container: Some((authorization.into(), issued.clone())), ..Script::default() });
    let token_file = machine.write("container-token", authorization);
    let uri = format!("http://127.0.0.1:{}/v2/credentials", machine.stand_in.http.port());
    let run = machine.cleanup(
        &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri), ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", &token_file)],
        "ca.pem",
    );
    machine.assert_signed_with(&run, &issued, &[authorization]);
    assert_eq!(machine.stand_in.seen_for("container").len(), 1);
}

#[test]
fn instance_metadata_v2() {
    let issued = Issued::new("ASIAINSTANCE", "instance", true);
    let machine = Machine::new(Script { imds: Some(issued.clone()), ..Script::default() });
    let endpoint = format!("http://127.0.0.1:{}", machine.stand_in.http.port());
    let run = machine.cleanup(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint)], "ca.pem");
    machine.assert_signed_with(&run, &issued, &["imds-session-token-abc"]);
    assert!(!machine.stand_in.seen_for("imds-token").is_empty());
    assert_eq!(machine.stand_in.seen_for("imds-credentials").len(), 1);
}

#[test]
fn no_credentials_at_all_is_a_runtime_failure_that_says_what_was_tried() {
    let machine = Machine::new(Script::default());
    let run = machine.cleanup(&[], "ca.pem");
    assert_eq!(run.code, exit_codes::RUNTIME, "{}", run.output);
    assert!(run.output.contains("no AWS credentials found"), "{}", run.output);
    for provider in ["environment variables", "profile `default`", "web identity", "container", "instance metadata"] {
        assert!(run.output.contains(provider), "{provider} not named: {}", run.output);
    }
    assert!(machine.stand_in.seen().is_empty(), "{:#?}", machine.stand_in.seen());
}

#[test]
fn a_ca_bundle_without_certificates_is_a_usage_error() {
    let machine = Machine::new(Script::default());
    machine.write("not-a-bundle.pem", "this file holds no certificate\n");
    let run = machine
        .cleanup(&[("AWS_ACCESS_KEY_ID", "AKIAUNUSED"), ("AWS_SECRET_ACCESS_KEY", "unused")], "not-a-bundle.pem");
    assert_eq!(run.code, exit_codes::USAGE, "{}", run.output);
    assert!(run.output.contains("not-a-bundle.pem") && run.output.contains("no PEM certificate"), "{}", run.output);
    assert!(machine.stand_in.seen().is_empty());
}

#[test]
fn a_profile_whose_role_cannot_be_assumed_fails_naming_the_profile() {
    let base = Issued::new("AKIABASE", "base", false);
    // The stand-in knows the base key but has no role to give.
    let machine = Machine::new(Script { known: vec![base.clone()], ..Script::default() });
    machine.write(
        ".aws/credentials",
        &format!("[base]\naws_access_key_id = {}\naws_secret_access_key = {}\n", base.key, base.secret),
    );
    machine.write(
        ".aws/config",
        "[profile deploy]\nrole_arn = arn:aws:iam::111122223333:role/Conformance\nsource_profile = base\n",
    );
    let endpoint = machine.sts_endpoint();
    let run = machine.cleanup(&[("AWS_PROFILE", "deploy"), ("AWS_ENDPOINT_URL_STS", &endpoint)], "ca.pem");
    assert_eq!(run.code, exit_codes::RUNTIME, "{}", run.output);
    assert!(run.output.contains("profile `deploy`") && run.output.contains("InvalidAction"), "{}", run.output);
    assert_no_secret(&run, &base, &[]);
    assert!(machine.stand_in.seen_for("ListUserPools").is_empty());
}
