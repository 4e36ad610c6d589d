//! Switchable bugs: each [`Fault`] turns on one class of revocation bug seen in a real emulator.
//!
//! The reference target is correct by default. Its faults exist so that the scenario suite and the
//! fuzzer can prove they notice each bug class: run them against the reference with one fault on and
//! they must fail. A fault changes exactly the behaviour its description names and nothing else.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// One class of revocation bug, switched on with `serve --fault NAME`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// Revocation is recorded under each token's own `jti` instead of the family's `origin_jti`.
    RevokeByJti,
    /// RevokeToken kills the refresh token but the family's access tokens keep working.
    AccessSurvivesRevoke,
    /// A refresh token is not bound to its client: another client may revoke or refresh it.
    NoClientBinding,
    /// The client secret is not checked on RevokeToken or `/oauth2/revoke`.
    RevokeIgnoresSecret,
    /// `EnableTokenRevocation=false` is ignored: revoking works anyway.
    RevocationFlagIgnored,
    /// A refresh mints a new `origin_jti` instead of keeping the family's.
    OriginJtiRotates,
    /// `jti` and `origin_jti` are issued in both tokens even with revocation disabled.
    JtiWhenDisabled,
    /// `/oauth2/revoke` answers `400 invalid_grant` for unknown or revoked tokens instead of 200.
    RevokeEndpointRejectsUnknown,
    /// Error messages echo the submitted token.
    ErrorsEchoToken,
    /// The signing keys rotate on every revoke, so earlier tokens no longer verify offline.
    RotateKeysOnRevoke,
    /// SECRET_HASH is not checked on InitiateAuth and AdminInitiateAuth.
    SecretHashNotEnforced,
    /// SECRET_HASH is computed over Latin-1 instead of UTF-8 bytes.
    SecretHashLatin1,
    /// REFRESH_TOKEN_AUTH answers with a new refresh token.
    RefreshReturnsRefreshToken,
    /// AdminDisableUser leaves the user's tokens alive.
    DisableKeepsTokens,
    /// RevokeToken accepts access and ID tokens and revokes their family.
    RevokeAcceptsAccessToken,
    /// RevokeToken answers every call with HTTP 500.
    RevokeInternalError,
    /// GetUser only decodes the access token: no signature, expiry or revocation check.
    GetUserSkipsVerification,
}

impl Fault {
    /// Every fault, in the order `serve --list-faults` prints them.
    pub const ALL: [Fault; 17] = [
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

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Fault::RevokeByJti => "revoke-by-jti",
            Fault::AccessSurvivesRevoke => "access-survives-revoke",
            Fault::NoClientBinding => "no-client-binding",
            Fault::RevokeIgnoresSecret => "revoke-ignores-secret",
            Fault::RevocationFlagIgnored => "revocation-flag-ignored",
            Fault::OriginJtiRotates => "origin-jti-rotates",
            Fault::JtiWhenDisabled => "jti-when-disabled",
            Fault::RevokeEndpointRejectsUnknown => "revoke-endpoint-rejects-unknown",
            Fault::ErrorsEchoToken => "errors-echo-token",
            Fault::RotateKeysOnRevoke => "rotate-keys-on-revoke",
            Fault::SecretHashNotEnforced => "secret-hash-not-enforced",
            Fault::SecretHashLatin1 => "secret-hash-latin1",
            Fault::RefreshReturnsRefreshToken => "refresh-returns-refresh-token",
            Fault::DisableKeepsTokens => "disable-keeps-tokens",
            Fault::RevokeAcceptsAccessToken => "revoke-accepts-access-token",
            Fault::RevokeInternalError => "revoke-internal-error",
            Fault::GetUserSkipsVerification => "getuser-skips-verification",
        }
    }

    /// What the fault breaks, where the bug was seen, and which spec section it violates.
    pub fn description(self) -> &'static str {
        match self {
            Fault::RevokeByJti => {
                "revocation is stored under the jti of the tokens issued at sign-in, not under origin_jti: \
                 the first access token dies, tokens minted by later refreshes survive (floci PR #1705; spec §8.2)"
            }
            Fault::AccessSurvivesRevoke => {
                "RevokeToken and /oauth2/revoke kill the refresh token only; the family's access tokens keep \
                 working on GetUser and /oauth2/userInfo (cognito-local; spec §3 E4)"
            }
            Fault::NoClientBinding => {
                "a refresh token is not bound to its client: any client may revoke it or refresh with it \
                 (moto, cognito-local; spec §1.4 R7/R8, §8.4)"
            }
            Fault::RevokeIgnoresSecret => {
                "RevokeToken and /oauth2/revoke do not check the client secret of a confidential client \
                 (cognito-local; spec §1.4 R10, §8.5)"
            }
            Fault::RevocationFlagIgnored => {
                "EnableTokenRevocation=false is ignored: revoking succeeds and kills the family \
                 (cognito-local; spec §1.4 R6, §2.1)"
            }
            Fault::OriginJtiRotates => {
                "every refresh mints a new origin_jti, so a refreshed family no longer shares one key (spec §4.1)"
            }
            Fault::JtiWhenDisabled => {
                "jti and origin_jti appear in access and ID tokens even when revocation is disabled (moto; spec §4.1)"
            }
            Fault::RevokeEndpointRejectsUnknown => {
                "/oauth2/revoke answers 400 invalid_grant for an unknown or already-revoked token instead of 200 \
                 (spec §2.1, RFC 7009 §2.2)"
            }
            Fault::ErrorsEchoToken => {
                "error messages quote the submitted token, leaking credentials into logs (moto; spec §7.1, §8.5)"
            }
            Fault::RotateKeysOnRevoke => {
                "every revoke rotates the pool's signing keys, so tokens issued earlier no longer verify offline \
                 and other sessions break (spec §3 E7, §8.3)"
            }
            Fault::SecretHashNotEnforced => {
                "InitiateAuth and AdminInitiateAuth accept a missing or wrong SECRET_HASH (cognito-local; spec §5)"
            }
            Fault::SecretHashLatin1 => {
                "SECRET_HASH is computed over the Latin-1 encoding of username + client id, not UTF-8; \
                 only non-ASCII usernames notice (moto; spec §5, §7.1)"
            }
            Fault::RefreshReturnsRefreshToken => {
                "REFRESH_TOKEN_AUTH answers with a new RefreshToken although rotation is off \
                 (localstack #8462; spec §4.5)"
            }
            Fault::DisableKeepsTokens => {
                "AdminDisableUser leaves the user's refresh and access tokens alive (cognito-local #381; spec §6.1)"
            }
            Fault::RevokeAcceptsAccessToken => {
                "RevokeToken and /oauth2/revoke accept an access or ID token and revoke its family instead of \
                 answering unsupported token type (cognito-local; spec §1.4 R5, §8.8)"
            }
            Fault::RevokeInternalError => {
                "RevokeToken answers HTTP 500 InternalErrorException to every call (spec §1.4 R1)"
            }
            Fault::GetUserSkipsVerification => {
                "GetUser decodes the access token without checking signature, expiry or revocation \
                 (cognito-local; spec §7.2)"
            }
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for a `--fault` value that names no fault.
#[derive(Debug, thiserror::Error)]
#[error("unknown fault `{0}` (see `serve --list-faults`)")]
pub struct UnknownFault(pub String);

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL.into_iter().find(|fault| fault.name() == s).ok_or_else(|| UnknownFault(s.to_owned()))
    }
}

/// The faults switched on for one reference instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultSet(BTreeSet<Fault>);

impl FaultSet {
    /// No fault: the spec-faithful reference.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether `fault` is switched on.
    pub fn has(&self, fault: Fault) -> bool {
        self.0.contains(&fault)
    }

    /// The faults switched on, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = Fault> + '_ {
        self.0.iter().copied()
    }

    /// Whether no fault is switched on.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<Fault> for FaultSet {
    fn from_iter<I: IntoIterator<Item = Fault>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_round_trips_through_its_name() {
        for fault in Fault::ALL {
            assert_eq!(fault.name().parse::<Fault>().ok(), Some(fault));
            assert!(!fault.description().is_empty());
        }
    }

    #[test]
    fn names_are_unique() {
        let names: BTreeSet<_> = Fault::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(names.len(), Fault::ALL.len());
    }

    #[test]
    fn unknown_names_are_refused() {
        assert!("revoke-everything".parse::<Fault>().is_err());
    }
}
