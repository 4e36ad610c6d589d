//! SigV4 verification of the operations SDKs sign ([`crate::cognito::is_signed`]), answered as
//! AWS answers: status 400, the type in `__type` and `x-amzn-ErrorType`, AWS's message.
//!
//! The signature is recomputed with `aws-sigv4` (the crate the harness signs with, itself checked
//! against AWS's published test suite in `wire::sigv4`) from what was received — method,
//! `https://` + `Host` + path, the headers the `Authorization` header names, `X-Amz-Date`, the
//! body — and compared in constant time.
//!
//! What AWS sends, as seen in public reports (the messages are AWS's; the order of the checks is
//! our choice, AWS does not document it):
//! - no `Authorization`: `MissingAuthenticationTokenException`, "Missing Authentication Token"
//!   (Cognito's AdminCreateUser without credentials, aws/aws-aspnet-cognito-identity-provider#66;
//!   the four messages below are also listed together in AWS's "Authentication Errors" page of the
//!   Alexa Web Information Service guide, docs.aws.amazon.com/AlexaWebInfoService/latest/QUERY_QueryAuthenticationErrors.html).
//!   AWS's status for this one on Cognito is not confirmed by what we found; 400 like the others.
//! - an `Authorization` header lacking a part: `IncompleteSignatureException`, "Authorization
//!   header requires 'Credential' parameter. …" (nordcloud/cognitocurl#15).
//! - an unknown access key (or session token): `UnrecognizedClientException`, "The security token
//!   included in the request is invalid.", 400 from `cognito-idp.us-east-1.amazonaws.com`
//!   (aws/aws-sdk-php#2444, pmill/aws-cognito#16).
//! - a wrong signature: `InvalidSignatureException`, "The request signature we calculated does not
//!   match the signature you provided. Check your AWS Secret Access Key and signing method. Consult
//!   the service documentation for details." (aws/aws-sdk-js#168; status 400 in
//!   teralytics/prometheus-ecs-discovery#7).
//! - `X-Amz-Date` more than 5 minutes off: `InvalidSignatureException`, "Signature expired:
//!   20160610T180547Z is now earlier than 20160610T180612Z (20160610T181112Z - 5 min.)"
//!   (hassy/artillery-dino#2; 400 in remind101/logspout-kinesis#21) or "Signature not yet current:
//!   20181017T093750Z is still later than 20181017T093639Z (20181017T093139Z + 5 min.)"
//!   (s12v/awsbeats#48; 400 in aws/aws-sdk-go#2194).
//! - a credential scope for another date, region or service: `InvalidSignatureException` with a
//!   message naming the scope (wording from memory, not confirmed by a public report).

use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{SessionTokenMode, SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use axum::http::{HeaderMap, Method, Uri, header};
use subtle::ConstantTimeEq;

use crate::reference::error::{ApiError, ErrorType};
use crate::wire::sigv4::SERVICE;

/// How far `X-Amz-Date` may be from the server's clock.
pub const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const MISSING_TOKEN: &str = "Missing Authentication Token";
const UNRECOGNIZED: &str = "The security token included in the request is invalid.";
const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your \
                        AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// The one identity the rehearsal's account knows. The secret and session token never appear in
/// `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct RehearsalCredentials {
    /// The access key id (`AKIA…`).
    pub access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

impl std::fmt::Debug for RehearsalCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RehearsalCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("session_token", &self.session_token.as_ref().map(|_| "<set>"))
            .finish_non_exhaustive()
    }
}

impl RehearsalCredentials {
    /// Credentials given by the caller.
    pub fn new(access_key_id: &str, secret_access_key: &str, session_token: Option<String>) -> Self {
        Self { access_key_id: access_key_id.to_owned(), secret_access_key: secret_access_key.to_owned(), session_token }
    }

    /// Fresh random long-term credentials, shaped like AWS's (`AKIA` + 16, and 40 characters).
    pub fn generate() -> Self {
        use rand::RngExt;
        const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut rng = rand::rng();
        let mut pick = |alphabet: &[u8], len: usize| -> String {
            (0..len).map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())])).collect()
        };
        let access_key_id = format!("AKIA{}", pick(UPPER, 16));
        let secret_access_key = pick(SECRET, 40);
        Self { access_key_id, secret_access_key, session_token: None }
    }

    /// The secret access key, for writing a credentials file or signing; never print it.
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The session token, if these are temporary credentials; never print it.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 …` header.
#[derive(Debug, PartialEq, Eq)]
struct Authorization<'a> {
    access_key_id: &'a str,
    scope: [&'a str; 4],
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn incomplete(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorType::IncompleteSignature, message)
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorType::InvalidSignature, message)
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, ApiError> {
    let (algorithm, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    if algorithm != ALGORITHM {
        return Err(incomplete(format!(
            "Unsupported AWS 'algorithm': '{}'.",
            algorithm.chars().take(32).collect::<String>()
        )));
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',').map(str::trim) {
        match part.split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed_headers = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let mut missing = String::new();
    for (name, value) in [("Credential", credential), ("Signature", signature), ("SignedHeaders", signed_headers)] {
        if value.is_none_or(str::is_empty) {
            missing.push_str(&format!("Authorization header requires '{name}' parameter. "));
        }
    }
    if !missing.is_empty() {
        return Err(incomplete(missing.trim_end()));
    }
    let credential = credential.unwrap_or_default();
    let mut parts = credential.splitn(5, '/');
    let access_key_id = parts.next().unwrap_or_default();
    let scope = [(); 4].map(|()| parts.next().unwrap_or_default());
    if access_key_id.is_empty() || scope.iter().any(|part| part.is_empty()) {
        return Err(incomplete(
            "Credential should be scoped to a valid region, service and date: <key>/<date>/<region>/<service>/aws4_request.",
        ));
    }
    Ok(Authorization {
        access_key_id,
        scope,
        signed_headers: signed_headers.unwrap_or_default().split(';').collect(),
        signature: signature.unwrap_or_default(),
    })
}

/// `20231114T221320Z` from a time.
pub fn amz_date(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string().replace(['-', ':'], "")
}

/// A time from `20231114T221320Z`.
fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let b = value.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &value[..4],
        &value[4..6],
        &value[6..8],
        &value[9..11],
        &value[11..13],
        &value[13..15]
    );
    humantime::parse_rfc3339(&rfc3339).ok()
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Checks the SigV4 signature of a request for a signed operation, as AWS would at `now`.
pub fn verify(
    credentials: &RehearsalCredentials,
    region: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::new(ErrorType::MissingAuthenticationToken, MISSING_TOKEN));
    };
    let value = value.to_str().map_err(|_| incomplete("Authorization header is not ASCII."))?;
    let authorization = parse_authorization(value)?;
    let known_key = authorization.access_key_id.as_bytes().ct_eq(credentials.access_key_id.as_bytes());
    let sent_token = header_str(headers, "x-amz-security-token");
    let known_token = match (sent_token, credentials.session_token()) {
        (None, None) => true,
        (Some(sent), Some(expected)) => bool::from(sent.as_bytes().ct_eq(expected.as_bytes())),
        _ => false,
    };
    if !bool::from(known_key) || !known_token {
        return Err(ApiError::new(ErrorType::UnrecognizedClient, UNRECOGNIZED));
    }
    let Some(date) = header_str(headers, "x-amz-date") else {
        return Err(incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."));
    };
    let time = parse_amz_date(date).ok_or_else(|| {
        incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{}'.",
            date.chars().take(32).collect::<String>()
        ))
    })?;
    check_skew(date, time, now)?;
    let [scope_date, scope_region, scope_service, terminator] = authorization.scope;
    if scope_date != &date[..8] {
        return Err(invalid(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from 'x-amz-date'.",
            scope_date.chars().take(16).collect::<String>(),
            &date[..8]
        )));
    }
    if scope_region != region {
        return Err(invalid(format!("Credential should be scoped to a valid region. Expected '{region}'.")));
    }
    if scope_service != SERVICE || terminator != "aws4_request" {
        return Err(invalid(format!("Credential should be scoped to correct service: '{SERVICE}'.")));
    }
    let expected = recompute(credentials, region, method, uri, headers, body, &authorization, time)?;
    if bool::from(expected.as_bytes().ct_eq(authorization.signature.as_bytes())) {
        Ok(())
    } else {
        Err(invalid(MISMATCH))
    }
}

fn check_skew(date: &str, time: SystemTime, now: SystemTime) -> Result<(), ApiError> {
    if let Ok(behind) = now.duration_since(time)
        && behind > MAX_SKEW
    {
        let earliest = amz_date(now - MAX_SKEW);
        return Err(invalid(format!(
            "Signature expired: {date} is now earlier than {earliest} ({} - 5 min.)",
            amz_date(now)
        )));
    }
    if let Ok(ahead) = time.duration_since(now)
        && ahead > MAX_SKEW
    {
        let latest = amz_date(now + MAX_SKEW);
        return Err(invalid(format!(
            "Signature not yet current: {date} is still later than {latest} ({} + 5 min.)",
            amz_date(now)
        )));
    }
    Ok(())
}

/// The signature `aws-sigv4` computes for the request as received.
#[allow(clippy::too_many_arguments)]
fn recompute(
    credentials: &RehearsalCredentials,
    region: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    authorization: &Authorization<'_>,
    time: SystemTime,
) -> Result<String, ApiError> {
    let signs_token = authorization.signed_headers.contains(&"x-amz-security-token");
    let identity: Identity = aws_credential_types::Credentials::new(
        &credentials.access_key_id,
        &credentials.secret_access_key,
        credentials.session_token.clone(),
        None,
        "cognito-conformance-rehearsal",
    )
    .into();
    let mut settings = SigningSettings::default();
    // Sign exactly the headers the client named, no fewer.
    settings.excluded_headers = Some(Vec::new());
    if !signs_token {
        settings.session_token_mode = SessionTokenMode::Exclude;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|_| invalid(MISMATCH))?
        .into();
    // The signer adds `x-amz-date` and `x-amz-security-token` itself.
    let mut signed: Vec<(&str, &str)> = Vec::new();
    for name in &authorization.signed_headers {
        if matches!(*name, "x-amz-date" | "x-amz-security-token") {
            continue;
        }
        for value in headers.get_all(*name) {
            signed.push((name, value.to_str().map_err(|_| invalid(MISMATCH))?));
        }
    }
    let host = header_str(headers, "host").unwrap_or_default();
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let url = format!("https://{host}{path}");
    let signable = SignableRequest::new(method.as_str(), &url, signed.into_iter(), SignableBody::Bytes(body))
        .map_err(|_| invalid(MISMATCH))?;
    let (_, signature) = sign(signable, &params).map_err(|_| invalid(MISMATCH))?.into_parts();
    Ok(signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn authorization_headers_are_parsed() {
        let parsed = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=5fa0",
        )
        .unwrap();
        assert_eq!(parsed.access_key_id, "AKIDEXAMPLE");
        assert_eq!(parsed.scope, ["20150830", "us-east-1", "service", "aws4_request"]);
        assert_eq!(parsed.signed_headers, ["host", "x-amz-date"]);
        assert_eq!(parsed.signature, "5fa0");
        let error = parse_authorization("AWS4-HMAC-SHA256 SignedHeaders=host").unwrap_err();
        assert_eq!(error.kind, ErrorType::IncompleteSignature);
        assert!(error.message.contains("'Credential'") && error.message.contains("'Signature'"), "{}", error.message);
        assert_eq!(parse_authorization("Bearer x").unwrap_err().kind, ErrorType::IncompleteSignature);
    }

    #[test]
    fn amz_dates_round_trip() {
        let time = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        assert_eq!(amz_date(time), "20150830T123600Z");
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(time));
        assert_eq!(parse_amz_date("2015-08-30T12:36:00Z"), None);
    }

    /// The skew messages have AWS's shape: the request's date, the bound, and now.
    #[test]
    fn skew_messages_name_the_bound() {
        let now = UNIX_EPOCH + Duration::from_secs(1_440_938_160); // 20150830T123600Z
        let past = now - Duration::from_secs(600);
        let error = check_skew(&amz_date(past), past, now).unwrap_err();
        assert_eq!(
            error.message,
            "Signature expired: 20150830T122600Z is now earlier than 20150830T123100Z (20150830T123600Z - 5 min.)"
        );
        let future = now + Duration::from_secs(600);
        let error = check_skew(&amz_date(future), future, now).unwrap_err();
        assert_eq!(
            error.message,
            "Signature not yet current: 20150830T124600Z is still later than 20150830T124100Z (20150830T123600Z + 5 min.)"
        );
        assert!(check_skew("", now - Duration::from_secs(299), now).is_ok());
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let credentials = RehearsalCredentials::new("AKIAEXAMPLE", "the-secret", Some("the-token".into()));
        let debug = format!("{credentials:?}");
        assert!(debug.contains("AKIAEXAMPLE") && !debug.contains("the-secret") && !debug.contains("the-token"));
        let generated = RehearsalCredentials::generate();
        assert!(generated.access_key_id.starts_with("AKIA") && generated.access_key_id.len() == 20);
        assert_eq!(generated.secret_access_key().len(), 40);
        assert!(!format!("{generated:?}").contains(generated.secret_access_key()));
    }
}
