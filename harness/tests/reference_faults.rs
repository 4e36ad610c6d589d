//! Every fault of the reference target has a test that proves it changes exactly the behaviour its
//! description names — this binary is the index that makes sure of it.
//!
//! The fault tests themselves live in `reference_faults_revocation.rs`, `reference_faults_secrets.rs`
//! and `reference_faults_tokens.rs`, one test per [`Fault`], named after it. [`test_of`] maps each
//! fault to its file and test with an exhaustive `match`, so a new fault does not compile until it
//! is given one; `every_fault_has_a_test` then checks that the named test exists in that file, that
//! [`COVERED`] lists every fault once, and that the fault files hold no test outside the map.

use std::collections::BTreeSet;

use cognito_conformance::reference::Fault;

/// The fault binaries, by file name, with their source.
const REVOCATION: (&str, &str) = ("reference_faults_revocation.rs", include_str!("reference_faults_revocation.rs"));
const SECRETS: (&str, &str) = ("reference_faults_secrets.rs", include_str!("reference_faults_secrets.rs"));
const TOKENS: (&str, &str) = ("reference_faults_tokens.rs", include_str!("reference_faults_tokens.rs"));
const FILES: [(&str, &str); 3] = [REVOCATION, SECRETS, TOKENS];

/// The faults the fault binaries prove, one test each.
const COVERED: &[Fault] = &[
    Fault::RevokeByJti,
    Fault::AccessSurvivesRevoke,
    Fault::NoClientBinding,
    Fault::RevokeIgnoresSecret,
    Fault::RevocationFlagIgnored,
    Fault::OriginJtiRotates,
    Fault::JtiWhenDisabled,
    Fault::RevokeEndpointRejectsUnknown,
    Fault::ErrorsEchoToken,
    Fault::RotateKeysOnRevoke,
    Fault::SecretHashNotEnforced,
    Fault::SecretHashLatin1,
    Fault::RefreshReturnsRefreshToken,
    Fault::DisableKeepsTokens,
    Fault::RevokeAcceptsAccessToken,
    Fault::RevokeInternalError,
    Fault::GetUserSkipsVerification,
];

/// The file (name and source) and test of each fault. The match is exhaustive, so a new fault
/// does not compile without one.
fn test_of(fault: Fault) -> ((&'static str, &'static str), &'static str) {
    match fault {
        Fault::RevokeByJti => (REVOCATION, "revoke_by_jti"),
        Fault::AccessSurvivesRevoke => (REVOCATION, "access_survives_revoke"),
        Fault::NoClientBinding => (SECRETS, "no_client_binding"),
        Fault::RevokeIgnoresSecret => (SECRETS, "revoke_ignores_secret"),
        Fault::RevocationFlagIgnored => (REVOCATION, "revocation_flag_ignored"),
        Fault::OriginJtiRotates => (TOKENS, "origin_jti_rotates"),
        Fault::JtiWhenDisabled => (TOKENS, "jti_when_disabled"),
        Fault::RevokeEndpointRejectsUnknown => (REVOCATION, "revoke_endpoint_rejects_unknown"),
        Fault::ErrorsEchoToken => (SECRETS, "errors_echo_token"),
        Fault::RotateKeysOnRevoke => (TOKENS, "rotate_keys_on_revoke"),
        Fault::SecretHashNotEnforced => (SECRETS, "secret_hash_not_enforced"),
        Fault::SecretHashLatin1 => (SECRETS, "secret_hash_latin1"),
        Fault::RefreshReturnsRefreshToken => (TOKENS, "refresh_returns_refresh_token"),
        Fault::DisableKeepsTokens => (REVOCATION, "disable_keeps_tokens"),
        Fault::RevokeAcceptsAccessToken => (REVOCATION, "revoke_accepts_access_token"),
        Fault::RevokeInternalError => (REVOCATION, "revoke_internal_error"),
        Fault::GetUserSkipsVerification => (TOKENS, "getuser_skips_verification"),
    }
}

/// The names of the `#[tokio::test]` functions in a test file's source.
fn tests_in(source: &str) -> Vec<&str> {
    source
        .split("#[tokio::test]\nasync fn ")
        .skip(1)
        .map(|rest| rest.split('(').next().expect("a function name"))
        .collect()
}

#[test]
fn every_fault_has_a_test() {
    let covered: BTreeSet<Fault> = COVERED.iter().copied().collect();
    assert_eq!(covered.len(), COVERED.len(), "a fault is listed twice");
    assert_eq!(covered, Fault::ALL.into_iter().collect::<BTreeSet<_>>(), "COVERED must list every fault");
    let mut mapped = BTreeSet::new();
    for fault in Fault::ALL {
        let ((file, source), name) = test_of(fault);
        assert_eq!(name, fault.name().replace('-', "_"), "the test of {fault} is named after it");
        assert!(tests_in(source).contains(&name), "{file} has no #[tokio::test] async fn {name}() for {fault}");
        assert!(mapped.insert((file, name)), "{file}::{name} is the test of two faults");
    }
    // Every test of the fault files proves a fault (and one test each: no test is left unmapped).
    for (file, source) in FILES {
        for name in tests_in(source) {
            assert!(mapped.contains(&(file, name)), "{file}::{name} is not the test of any fault");
        }
    }
}
