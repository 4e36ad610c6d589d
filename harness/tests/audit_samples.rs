//! `cognito-conformance audit-api` (the real binary, with the command line users type) judges the
//! three sample APIs of `common::sample_apis` exactly as issue 16 says it must, against the
//! reference (`serve --pools FILE`, fixed ids the APIs are configured with before it starts) and
//! against ministack-auth (a pool provisioned through its API, passed as `--pool-id`):
//!
//! - the offline-only API fails every path, naming the exposure ("still accepted after W s");
//! - the online-check API (GetUser) passes every path the target has;
//! - the `origin_jti` deny-list API passes its own logout (`--logout-url`) and fails every other.
//!
//! Each audit's exit code, both reports (`report.json` checked against its schema, one scenario
//! `audit-<path>` per path, and `junit.xml`), and the absence of any 12-character piece of the
//! client secret, the password or a token the APIs received, in stdout, stderr and the reports.
//! Watch times are short (`--watch 3 --grace 1`): the APIs answer at once either way.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use aho_corasick::AhoCorasick;
use cognito_conformance::exit_codes;
use common::AppClient;
use common::sample_apis::{CognitoSettings, Policy, SampleApi};
use common::sample_checks::{Apis, after, expected};
use common::sample_pool::{COGNITO_PATHS, EndPath, REGION, SAMPLE_PASSWORD, SamplePool, spawn_emulator, wire};
use common::serve::ServeProcess;
use serde_json::Value;

/// The fixed pool of the reference half: three users, one per API, so the audits run side by
/// side without one's sign-outs and disabling reaching another's sessions.
const POOL_ID: &str = "us-east-1_Samples01";
const CLIENT_ID: &str = "samplesclient0000000000001";
const CLIENT_SECRET: &str = "samplesecret0000000000000000000000000000000000000001";
const DOMAIN: &str = "sample-apis";

fn pools_file() -> String {
    let mut text = format!(
        "[[pools]]\nid = \"{POOL_ID}\"\nname = \"sample-apis\"\ndomain = \"{DOMAIN}\"\n\n\
         [[pools.clients]]\nid = \"{CLIENT_ID}\"\nname = \"web\"\nsecret = \"{CLIENT_SECRET}\"\n\
         explicit_auth_flows = [\"ALLOW_USER_PASSWORD_AUTH\", \"ALLOW_ADMIN_USER_PASSWORD_AUTH\", \
         \"ALLOW_REFRESH_TOKEN_AUTH\"]\n"
    );
    for policy in [Policy::OfflineOnly, Policy::OnlineCheck, Policy::DenyList] {
        text.push_str(&format!(
            "\n[[pools.users]]\nusername = \"{}\"\npassword = \"{SAMPLE_PASSWORD}\"\n\
             attributes = {{ email = \"{}@example.com\" }}\n",
            user(policy),
            user(policy)
        ));
    }
    text
}

/// The user an API's audit signs in as.
fn user(policy: Policy) -> String {
    format!("auditor-{}", policy.name())
}

/// What the audit must report per path, and its exit code.
struct Expected {
    verdicts: BTreeMap<String, &'static str>,
    exit: i32,
}

/// The verdicts for `policy` on a target where the paths `lacking` are unsupported.
fn verdicts_for(policy: Policy, lacking: &[EndPath]) -> Expected {
    let mut paths = COGNITO_PATHS.to_vec();
    if policy == Policy::DenyList {
        paths.push(EndPath::ApiLogout);
    }
    let verdicts: BTreeMap<String, &str> = paths
        .iter()
        .map(|&path| {
            let verdict = if lacking.contains(&path) {
                "unsupported"
            } else {
                match policy {
                    Policy::OfflineOnly => "fail",
                    Policy::OnlineCheck => "pass",
                    Policy::DenyList if path == EndPath::ApiLogout => "pass",
                    Policy::DenyList => "fail",
                }
            };
            (format!("audit-{}", path.name()), verdict)
        })
        .collect();
    let exit = if verdicts.values().all(|v| *v == "pass") { exit_codes::OK } else { exit_codes::NON_CONFORMANT };
    Expected { verdicts, exit }
}

/// One `audit-api` run and what it left behind.
struct Audit {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    report: Value,
    junit: String,
}

/// Runs `audit-api` against `api` with `target_args` (the target and the pool), the user's
/// credentials in a file; human output on stdout, both reports in a directory.
async fn audit(dir: &Path, target_args: &[String], api: &SampleApi, policy: Policy, secret: &str) -> Audit {
    let credentials = dir.join(format!("{}.credentials.toml", policy.name()));
    let mut table = toml::Table::new();
    table.insert("username".into(), user(policy).into());
    table.insert("password".into(), SAMPLE_PASSWORD.into());
    table.insert("client_secret".into(), secret.into());
    std::fs::write(&credentials, toml::to_string(&table).expect("TOML")).expect("credentials written");
    let reports = dir.join(format!("{}.reports", policy.name()));
    let mut args: Vec<String> = vec!["audit-api".into(), "--url".into(), api.resource_url()];
    if policy == Policy::DenyList {
        args.extend(["--logout-url".into(), api.logout_url()]);
    }
    args.extend(target_args.iter().cloned());
    args.extend(["--credentials".into(), credentials.display().to_string()]);
    args.extend(["--watch", "3", "--grace", "1", "--format", "human", "--report-dir"].map(String::from));
    args.push(reports.display().to_string());
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_cognito-conformance"))
        .args(&args)
        .env_remove("CC_AUDIT_USERNAME")
        .env_remove("CC_AUDIT_PASSWORD")
        .env_remove("CC_AUDIT_CLIENT_SECRET")
        .output()
        .await
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let read = |name: &str| {
        std::fs::read_to_string(reports.join(name))
            .unwrap_or_else(|e| panic!("{}: no {name} ({e}); stderr:\n{stderr}", policy.name()))
    };
    let report = serde_json::from_str(&read("report.json")).expect("report.json is JSON");
    let junit = read("junit.xml");
    Audit { code: output.status.code(), stdout, stderr, report, junit }
}

/// Checks one audit against what `policy` must get; `secrets` must appear nowhere, not even in
/// part.
fn check(policy: Policy, audit: &Audit, expected: &Expected, secrets: &[String]) {
    let name = policy.name();
    let context = format!("{name}: stdout:\n{}\nstderr:\n{}", audit.stdout, audit.stderr);
    assert_eq!(audit.code, Some(expected.exit), "{context}");
    let schema: Value = serde_json::from_str(cognito_conformance::report::json::SCHEMA).expect("schema");
    let validator =
        jsonschema::options().with_draft(jsonschema::Draft::Draft202012).build(&schema).expect("schema compiles");
    let problems: Vec<String> =
        validator.iter_errors(&audit.report).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(problems.is_empty(), "{name}: report.json breaks its schema: {problems:?}");
    let scenarios = audit.report["scenarios"].as_array().expect("scenarios");
    let verdicts: BTreeMap<String, &str> = scenarios
        .iter()
        .map(|s| (s["id"].as_str().unwrap_or_default().to_owned(), s["verdict"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(verdicts, expected.verdicts, "{name}: one scenario per path, each with its verdict\n{context}");
    assert_eq!(audit.report["summary"]["total"], scenarios.len(), "{name}");
    for scenario in scenarios.iter().filter(|s| s["verdict"] == "fail") {
        // The exposure is named: the API kept accepting for the whole watch.
        let text = scenario.to_string();
        assert!(text.contains("still accepted after"), "{name}: a failed path names no exposure window: {text}");
    }
    if expected.verdicts.values().any(|v| *v == "fail") {
        assert!(
            audit.stdout.contains("still accepted after"),
            "{name}: the human report names the exposure\n{context}"
        );
    }
    let junit = roxmltree::Document::parse(&audit.junit).expect("junit.xml is XML");
    let cases = junit.descendants().filter(|n| n.has_tag_name("testcase")).count();
    assert_eq!(cases, expected.verdicts.len(), "{name}: one JUnit testcase per path");
    let outputs = [
        ("stdout", audit.stdout.as_str()),
        ("stderr", audit.stderr.as_str()),
        ("report.json", &audit.report.to_string()),
        ("junit.xml", audit.junit.as_str()),
    ];
    assert_no_fragment(name, &outputs, secrets);
}

/// No run of 12 characters of any secret appears in any output.
fn assert_no_fragment(name: &str, outputs: &[(&str, &str)], secrets: &[String]) {
    const PIECE: usize = 12;
    let pieces: Vec<&str> = secrets
        .iter()
        .flat_map(|secret| {
            assert!(secret.len() >= PIECE && secret.is_ascii(), "a secret too short to check: {}", secret.len());
            (0..=secret.len() - PIECE).map(move |at| &secret[at..at + PIECE])
        })
        .collect();
    let matcher = AhoCorasick::new(&pieces).expect("automaton");
    for (output, text) in outputs {
        if let Some(found) = matcher.find(text) {
            let around = &text[found.start().saturating_sub(20)..(found.end() + 20).min(text.len())];
            panic!("{name}: {output} carries a piece of a secret at byte {}: …{around}…", found.start());
        }
    }
}

/// The three APIs for `settings`, each audited with `target_args` (concurrently: each signs in
/// as its own user), and checked against `expected`.
async fn audit_all(
    dir: &Path,
    settings: &CognitoSettings,
    target_args: &[String],
    expected: impl Fn(Policy) -> Expected,
) {
    let secret = settings.client_secret.clone().expect("a confidential client");
    let offline = SampleApi::start(Policy::OfflineOnly, settings.clone()).await;
    let online = SampleApi::start(Policy::OnlineCheck, settings.clone()).await;
    let deny = SampleApi::start(Policy::DenyList, settings.clone()).await;
    let (a, b, c) = tokio::join!(
        audit(dir, target_args, &offline, Policy::OfflineOnly, &secret),
        audit(dir, target_args, &online, Policy::OnlineCheck, &secret),
        audit(dir, target_args, &deny, Policy::DenyList, &secret),
    );
    let mut secrets = vec![secret.clone(), SAMPLE_PASSWORD.to_owned()];
    for api in [&offline, &online, &deny] {
        secrets.extend(api.seen_tokens());
    }
    // Every audit reached its API with real tokens: the leak check has something to look for.
    for (policy, api) in [(Policy::OfflineOnly, &offline), (Policy::OnlineCheck, &online), (Policy::DenyList, &deny)] {
        assert!(!api.seen_tokens().is_empty(), "{}: the audit never called the API", policy.name());
    }
    for (policy, run) in [(Policy::OfflineOnly, &a), (Policy::OnlineCheck, &b), (Policy::DenyList, &c)] {
        check(policy, run, &expected(policy), &secrets);
    }
}

/// `serve --pools` with the fixed pool, and what the APIs are configured with for it.
fn fixed_reference(dir: &Path) -> (ServeProcess, CognitoSettings) {
    let pools = dir.join("pools.toml");
    std::fs::write(&pools, pools_file()).expect("pools file written");
    let serve = ServeProcess::start(&["--pools", &pools.display().to_string()], None);
    let settings = CognitoSettings {
        endpoint: format!("http://{}", serve.addr),
        region: REGION.into(),
        pool_id: POOL_ID.into(),
        client_id: CLIENT_ID.into(),
        client_secret: Some(CLIENT_SECRET.into()),
    };
    (serve, settings)
}

/// Without the audit: the APIs, configured with the fixed ids before `serve` starts, accept the
/// fixed pool's tokens and answer as their policies say after each path — so a failure of the
/// audit below is the audit's, not the APIs'.
#[tokio::test(flavor = "multi_thread")]
async fn the_sample_apis_answer_as_their_policies_on_the_fixed_pool() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (_serve, settings) = fixed_reference(dir.path());
    let client = AppClient { pool_id: POOL_ID.into(), id: CLIENT_ID.into(), secret: Some(CLIENT_SECRET.into()) };
    let pool =
        SamplePool { wire: wire(&settings.endpoint), pool_id: POOL_ID.into(), client, domain: Some(DOMAIN.into()) };
    let apis = Apis::start(&settings).await;
    let fixed = pool.sign_in(&user(Policy::OfflineOnly)).await;
    assert!(apis.statuses(Some(&fixed.access_token)).await.iter().all(|(_, s)| s.is_success()), "a fixed user");
    for path in COGNITO_PATHS.into_iter().chain([EndPath::ApiLogout]) {
        assert_eq!(after(&pool, &apis, path).await, expected(path), "after {}", path.name());
    }
}

/// Against the reference: every path exists there (the pool has a domain, AdminDisableUser and
/// the sign-outs revoke access tokens, spec §6.1), so the verdicts are exactly the issue's.
#[tokio::test(flavor = "multi_thread")]
async fn the_audit_judges_the_sample_apis_on_the_reference() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (_serve, settings) = fixed_reference(dir.path());
    let target: Vec<String> =
        ["--target", &settings.endpoint, "--pool-id", POOL_ID, "--client-id", CLIENT_ID, "--domain", DOMAIN]
            .map(String::from)
            .to_vec();
    audit_all(dir.path(), &settings, &target, |policy| verdicts_for(policy, &[])).await;
}

/// Against ministack-auth, provisioned through its API. What it should give, from its snapshots
/// (`snapshots/ministack-auth/`): RevokeToken, GlobalSignOut, AdminUserGlobalSignOut and
/// AdminDisableUser all make GetUser refuse the family's access tokens (revoke-token-basic,
/// global-sign-out-revokes-all-clients, admin-global-sign-out-revokes,
/// disable-enable-user-keeps-tokens-dead: pass), so those paths are judged as on the reference.
/// It serves no hosted endpoints: `/oauth2/revoke` reaches its JSON API, which answers 400
/// SerializationException "Invalid JSON" (oauth-revoke-*.snap), so the pool has no domain to give
/// and the audit reports `oauth-revoke` unsupported for every API — which makes the exit code 4
/// even for the online check.
#[tokio::test(flavor = "multi_thread")]
async fn the_audit_judges_the_sample_apis_on_the_emulator() {
    let Some((mut emulator, endpoint)) = spawn_emulator("audit_samples").await else { return };
    let pool = SamplePool::provision(wire(&endpoint), None).await;
    for policy in [Policy::OfflineOnly, Policy::OnlineCheck, Policy::DenyList] {
        pool.user(&user(policy)).await;
    }
    let target: Vec<String> =
        ["--target", &endpoint, "--pool-id", &pool.pool_id, "--client-id", &pool.client.id].map(String::from).to_vec();
    let dir = tempfile::tempdir().expect("temporary directory");
    audit_all(dir.path(), &pool.settings(), &target, |policy| verdicts_for(policy, &[EndPath::OauthRevoke])).await;
    emulator.stop().await;
}
