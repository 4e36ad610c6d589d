//! What the fuzzer's reproductions rely on, run against the reference: `http` steps with an
//! ordered form and Basic credentials built from templates, template filters deriving values
//! (a truncated secret, an upper-cased token), and the `no_server_error` and `typed_error` checks —
//! each shown to pass where it should and to fail where it should.

use std::path::Path;
use std::time::{Duration, Instant};

use cognito_conformance::reference::{Fault, FaultSet};
use cognito_conformance::report::Verdict;
use cognito_conformance::runner::{TargetState, run_scenario};
use cognito_conformance::scenario::parse_scenario;
use cognito_conformance::target::{ConnectOptions, Connected, TargetSpec};

const FIXTURES: &str = r#"
id = "derived"
title = "derived values"
spec = "§2.1"

[[pools]]
name = "main"
domain = true

[[clients]]
name = "app"
secret = true

[[users]]
name = "alice"

[[steps]]
name = "login"
sign_in = { client = "app", user = "alice" }
"#;

async fn verdicts(faults: FaultSet, steps: &str) -> (Verdict, Vec<(String, Verdict)>) {
    let text = format!("{FIXTURES}{steps}");
    let scenario = parse_scenario(Path::new("derived.toml"), &text).expect("the scenario parses");
    let target = Connected::open(&TargetSpec::Reference(faults), &ConnectOptions::default()).await.expect("starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let result = run_scenario(&target.wire, &TargetState::default(), &scenario, true, deadline).await;
    target.close().await;
    (result.verdict, result.expectations.iter().map(|e| (e.step.clone(), e.verdict)).collect())
}

#[tokio::test]
async fn a_truncated_secret_in_basic_credentials_is_refused_and_revokes_nothing() {
    let steps = r#"
[[steps]]
name = "revoke"
http = { method = "POST", path = "/oauth2/revoke", domain = "main", headers = { "content-type" = "application/x-www-form-urlencoded" }, basic = "{{client.app.id}}:{{client.app.secret | prefix(10)}}", form = [["token", "{{login.refresh_token}}"]] }
expect = [
  { status = 401, evidence = "documented", source = "spec §2.1" },
  { typed_error = true, evidence = "documented", source = "spec §2.1" },
  { no_server_error = true, evidence = "inferred", source = "spec §1.3" },
]

[[steps]]
name = "alive"
refresh = { client = "app", refresh_token = "{{login.refresh_token}}" }
expect = [{ status = 200, evidence = "documented", source = "spec §2.1" }]
"#;
    let (verdict, results) = verdicts(FaultSet::none(), steps).await;
    assert_eq!(verdict, Verdict::Pass, "{results:?}");
    let (verdict, results) = verdicts(FaultSet::from_iter([Fault::RevokeIgnoresSecret]), steps).await;
    assert_eq!(verdict, Verdict::Fail, "{results:?}");
    assert!(results.contains(&("alive".to_owned(), Verdict::Fail)), "{results:?}");
}

#[tokio::test]
async fn the_documented_form_with_repeated_fields_and_filters_reaches_the_endpoint() {
    // A repeated `token` is refused (RFC 6749 §3.1, reference choice); the upper-cased token is not
    // the token; the canonical request revokes.
    let steps = r#"
[[steps]]
name = "repeated"
http = { method = "POST", path = "/oauth2/revoke", domain = "main", headers = { "content-type" = "application/x-www-form-urlencoded" }, basic = "{{client.app.id}}:{{client.app.secret}}", form = [["token", "{{login.refresh_token}}"], ["token", "{{login.refresh_token}}"]] }
expect = [{ oauth_error = "invalid_request", evidence = "inferred", source = "RFC 6749 §3.1" }]

[[steps]]
name = "upper"
http = { method = "POST", path = "/oauth2/revoke", domain = "main", headers = { "content-type" = "application/x-www-form-urlencoded" }, basic = "{{client.app.id}}:{{client.app.secret}}", form = [["token", "{{login.refresh_token | upper}}"]] }
expect = [{ status = 200, evidence = "documented", source = "spec §2.1 (unknown tokens answer 200)" }]

[[steps]]
name = "still_alive"
refresh = { client = "app", refresh_token = "{{login.refresh_token}}" }
expect = [{ status = 200, evidence = "documented", source = "spec §8.10" }]

[[steps]]
name = "canonical"
http = { method = "POST", path = "/oauth2/revoke", domain = "main", headers = { "content-type" = "application/x-www-form-urlencoded" }, basic = "{{client.app.id}}:{{client.app.secret}}", form = [["token", "{{login.refresh_token}}"]] }
expect = [{ status = 200, evidence = "documented", source = "spec §2.1" }]

[[steps]]
name = "dead"
refresh = { client = "app", refresh_token = "{{login.refresh_token}}" }
expect = [{ error_type = "NotAuthorizedException", evidence = "documented", source = "spec §3 E1" }]
"#;
    let (verdict, results) = verdicts(FaultSet::none(), steps).await;
    assert_eq!(verdict, Verdict::Pass, "{results:?}");
}

#[tokio::test]
async fn a_server_error_fails_no_server_error() {
    let steps = r#"
[[steps]]
name = "revoke"
http = { method = "POST", path = "/", headers = { "x-amz-target" = "AWSCognitoIdentityProviderService.RevokeToken", "content-type" = "application/x-amz-json-1.1" }, body = '{ "Token": "{{login.refresh_token}}", "ClientId": "{{client.app.id}}", "ClientSecret": "{{client.app.secret}}" }' }
expect = [
  { no_server_error = true, evidence = "inferred", source = "spec §1.3" },
  { typed_error = true, evidence = "documented", source = "spec §1.3" },
]
"#;
    let (verdict, _) = verdicts(FaultSet::none(), steps).await;
    assert_eq!(verdict, Verdict::Pass);
    let (verdict, results) = verdicts(FaultSet::from_iter([Fault::RevokeInternalError]), steps).await;
    assert_eq!(verdict, Verdict::Fail, "{results:?}");
    assert_eq!(results[0], ("revoke".to_owned(), Verdict::Fail), "{results:?}");
    assert_eq!(results[1], ("revoke".to_owned(), Verdict::Pass), "an InternalErrorException is typed: {results:?}");
}
