//! SigV4 signing of admin calls, with `aws-sigv4`.
//!
//! Cognito's admin operations require SigV4 (spec §1.7); public ones are unsigned
//! ([`crate::cognito::UNSIGNED_OPERATIONS`]). The harness signs exactly as an SDK does, so one code
//! path serves real AWS (real credentials) and emulators (dummy `test`/`test` credentials, which
//! they accept). The secret key never leaves this module; only the derived signature is sent.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use super::Request;

/// The signing name of Cognito user pools.
pub const SERVICE: &str = "cognito-idp";

/// Credentials and scope for signing.
#[derive(Clone)]
pub struct Signer {
    identity: Identity,
    region: String,
    service: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("region", &self.region).field("service", &self.service).finish_non_exhaustive()
    }
}

/// Why a request could not be signed.
#[derive(Debug, thiserror::Error)]
#[error("cannot sign the request: {0}")]
pub struct SignError(String);

impl Signer {
    /// A signer with the given credentials.
    pub fn new(access_key: &str, secret_key: &str, session_token: Option<String>, region: &str, service: &str) -> Self {
        let credentials = Credentials::new(access_key, secret_key, session_token, None, "cognito-conformance");
        Self { identity: credentials.into(), region: region.to_owned(), service: service.to_owned() }
    }

    /// The dummy credentials emulators accept (`test`/`test`), for `cognito-idp` in `region`.
    pub fn dummy(region: &str) -> Self {
        Self::new("test", "test", None, region, SERVICE)
    }

    /// Adds `host` (when absent), `x-amz-date` and `authorization` headers to `request`, signed at
    /// `time`.
    pub fn sign(&self, request: &mut Request, time: SystemTime) -> Result<(), SignError> {
        if !request.headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host")) {
            let authority = request.url.split("://").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or_default();
            request.headers.push(("host".into(), authority.to_owned()));
        }
        let params = v4::SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name(&self.service)
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| SignError(e.to_string()))?
            .into();
        let signable = SignableRequest::new(
            request.method.as_str(),
            request.url.as_str(),
            request.headers.iter().map(|(name, value)| (name.as_str(), value.as_str())),
            SignableBody::Bytes(&request.body),
        )
        .map_err(|e| SignError(e.to_string()))?;
        let (instructions, _signature) = sign(signable, &params).map_err(|e| SignError(e.to_string()))?.into_parts();
        let (headers, _params) = instructions.into_parts();
        for header in headers {
            request.headers.push((header.name().to_owned(), header.value().to_owned()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    /// AWS's published SigV4 test suite, case `post-vanilla`: `POST /` to
    /// `example.amazonaws.com`, credentials `AKIDEXAMPLE`, 2015-08-30T12:36:00Z, `us-east-1`,
    /// service `service`.
    #[test]
    fn matches_the_aws_test_suite_post_vanilla() {
        let signer =
            Signer::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, "us-east-1", "service");
        let mut request = Request {
            method: reqwest::Method::POST,
            url: "https://example.amazonaws.com/".into(),
            headers: vec![("host".into(), "example.amazonaws.com".into())],
            body: Vec::new(),
        };
        let time = UNIX_EPOCH + Duration::from_secs(1_440_938_160); // 2015-08-30T12:36:00Z
        signer.sign(&mut request, time).unwrap();
        let authorization =
            request.headers.iter().find(|(n, _)| n == "authorization").map(|(_, v)| v.as_str()).unwrap();
        assert_eq!(
            authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        );
        assert!(request.headers.iter().any(|(n, v)| n == "x-amz-date" && v == "20150830T123600Z"));
    }

    #[test]
    fn the_secret_key_is_never_in_the_request() {
        let signer = Signer::new("AKIDEXAMPLE", "super-secret-key-value", None, "us-east-1", SERVICE);
        let mut request = Request {
            method: reqwest::Method::POST,
            url: "http://127.0.0.1:5000/".into(),
            headers: vec![("x-amz-target".into(), "AWSCognitoIdentityProviderService.ListUserPools".into())],
            body: br#"{"MaxResults":1}"#.to_vec(),
        };
        signer.sign(&mut request, SystemTime::now()).unwrap();
        assert!(request.headers.iter().any(|(n, v)| n == "host" && v == "127.0.0.1:5000"));
        assert!(request.headers.iter().all(|(_, v)| !v.contains("super-secret-key-value")));
        assert!(request.headers.iter().any(|(n, v)| n == "authorization" && v.contains("/cognito-idp/aws4_request")));
        assert!(!format!("{signer:?}").contains("super-secret"));
    }
}
