//! Facts of the Cognito service model that both sides of the wire share: the reference target
//! (the server) and the runner (the client) must agree on them, so they are stated once.

/// The content type of the AWS JSON 1.1 protocol (spec §1.1).
pub const AMZ_JSON: &str = "application/x-amz-json-1.1";

/// The `X-Amz-Target` prefix of Cognito user pools (spec §1.1).
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

/// The `ExplicitAuthFlows` values of `CreateUserPoolClient` (botocore 1.44.5), legacy names first.
pub const EXPLICIT_AUTH_FLOWS: [&str; 9] = [
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_AUTH",
];

/// Operations the model marks `authtype: none` (botocore 1.44.5): SDKs send them unsigned, and
/// so does the harness. Every other operation is signed with SigV4.
pub const UNSIGNED_OPERATIONS: [&str; 34] = [
    "AssociateSoftwareToken",
    "ChangePassword",
    "CompleteWebAuthnRegistration",
    "ConfirmDevice",
    "ConfirmForgotPassword",
    "ConfirmSignUp",
    "DeleteUser",
    "DeleteUserAttributes",
    "DeleteWebAuthnCredential",
    "ForgetDevice",
    "ForgotPassword",
    "GetDevice",
    "GetTokensFromRefreshToken",
    "GetUser",
    "GetUserAttributeVerificationCode",
    "GetUserAuthFactors",
    "GlobalSignOut",
    "InitiateAuth",
    "ListDevices",
    "ListUserSessions",
    "ListWebAuthnCredentials",
    "ResendConfirmationCode",
    "RespondToAuthChallenge",
    "RevokeToken",
    "RevokeUserSession",
    "SetUserMFAPreference",
    "SetUserSettings",
    "SignUp",
    "StartWebAuthnRegistration",
    "UpdateAuthEventFeedback",
    "UpdateDeviceStatus",
    "UpdateUserAttributes",
    "VerifySoftwareToken",
    "VerifyUserAttribute",
];

/// Whether SDKs sign `operation` with SigV4.
pub fn is_signed(operation: &str) -> bool {
    !UNSIGNED_OPERATIONS.contains(&operation)
}

/// `len` random characters of `[a-z0-9]`: the alphabet of Cognito's client ids and generated
/// secrets, and of names the harness makes up (domain prefixes, wrong secrets).
pub fn random_lowercase_alphanumeric(len: usize) -> String {
    use rand::RngExt;
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len).map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())])).collect()
}
