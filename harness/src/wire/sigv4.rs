//! SigV4 signing of admin calls, with `aws-sigv4`.
//!
//! Cognito's admin operations require SigV4 (spec §1.7); public ones are unsigned
//! ([`crate::cognito::UNSIGNED_OPERATIONS`]). The harness signs exactly as an SDK does, so one code
//! path serves real AWS (real credentials) and emulators (dummy `test`/`test` credentials, which
//! they accept). The secret key never leaves this module; only the derived signature is sent.
//!
//! Temporary credentials (IAM Identity Center, assume-role, web identity, container, instance
//! metadata) expire, often after an hour; a run can last longer. Every clone of a [`Signer`]
//! shares one credentials slot, which [`CredentialsSlot::replace`] refreshes in place
//! (`target::credentials` does so in the background before expiry), so requests in flight keep
//! signing with whatever is current.

use std::sync::{Arc, Weak};
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use parking_lot::RwLock;

use super::Request;

/// The signing name of Cognito user pools.
pub const SERVICE: &str = "cognito-idp";

/// Credentials and scope for signing.
#[derive(Clone)]
pub struct Signer {
    identity: Arc<RwLock<Identity>>,
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
        Self::from_credentials(credentials, region, service)
    }

    /// A signer with credentials as a provider of the AWS credential chain gave them.
    pub fn from_credentials(credentials: Credentials, region: &str, service: &str) -> Self {
        Self {
            identity: Arc::new(RwLock::new(credentials.into())),
            region: region.to_owned(),
            service: service.to_owned(),
        }
    }

    /// The slot this signer and all its clones sign from, for whoever refreshes the credentials.
    pub fn credentials_slot(&self) -> CredentialsSlot {
        CredentialsSlot(Arc::downgrade(&self.identity))
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
        let identity = self.identity.read().clone();
        let params = v4::SigningParams::builder()
            .identity(&identity)
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

/// Where a [`Signer`] and its clones take their credentials from. It does not keep them alive:
/// once every signer is gone, [`CredentialsSlot::replace`] says so and a refresher can stop.
#[derive(Debug, Clone)]
pub struct CredentialsSlot(Weak<RwLock<Identity>>);

impl CredentialsSlot {
    /// Makes every clone of the signer sign with `credentials` from now on; `false` when no signer
    /// is left.
    pub fn replace(&self, credentials: Credentials) -> bool {
        match self.0.upgrade() {
            Some(identity) => {
                *identity.write() = credentials.into();
                true
            }
            None => false,
        }
    }

    /// Whether a signer still signs from this slot.
    pub fn in_use(&self) -> bool {
        self.0.strong_count() > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};

    /// The secret key of AWS's published SigV4 test suite.
    const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    /// 2015-08-30T12:36:00Z, the time of every case of the suite.
    fn suite_time() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_440_938_160)
    }

    fn suite_signer(session_token: Option<&str>) -> Signer {
        Signer::new("AKIDEXAMPLE", SUITE_SECRET, session_token.map(str::to_owned), "us-east-1", "service")
    }

    fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
        request.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// One case of AWS's SigV4 test suite (`aws-sig-v4-test-suite`, as published in the AWS
    /// General Reference and shipped by the AWS SDKs, e.g. `@aws-sdk/signature-v4`'s
    /// `suite.fixture`): the request as the `.req` file gives it, less `X-Amz-Date` (the signer
    /// adds it), and the `.authz` file's `Authorization` value.
    struct SuiteCase {
        name: &'static str,
        method: reqwest::Method,
        url: &'static str,
        headers: &'static [(&'static str, &'static str)],
        body: &'static str,
        session_token: Option<&'static str>,
        authorization: &'static str,
    }

    const SESSION_TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfp\
                                 SPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPk\
                                 yQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqB\
                                 Az+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    fn suite_cases() -> Vec<SuiteCase> {
        let host = &[("host", "example.amazonaws.com")][..];
        let case = |name, method, url, headers, body, authorization| SuiteCase {
            name,
            method,
            url,
            headers,
            body,
            session_token: None,
            authorization,
        };
        vec![
            case(
                "get-vanilla",
                reqwest::Method::GET,
                "https://example.amazonaws.com/",
                host,
                "",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=host;x-amz-date, \
                 Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
            case(
                "get-vanilla-query-order-key-case",
                reqwest::Method::GET,
                "https://example.amazonaws.com/?Param2=value2&Param1=value1",
                host,
                "",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=host;x-amz-date, \
                 Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            ),
            case(
                "get-header-value-trim",
                reqwest::Method::GET,
                "https://example.amazonaws.com/",
                &[("host", "example.amazonaws.com"), ("My-Header1", "value1"), ("My-Header2", "\"a   b   c\"")],
                "",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=host;my-header1;my-header2;x-amz-date, \
                 Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
            ),
            case(
                "post-vanilla",
                reqwest::Method::POST,
                "https://example.amazonaws.com/",
                host,
                "",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=host;x-amz-date, \
                 Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            ),
            case(
                "post-vanilla-query",
                reqwest::Method::POST,
                "https://example.amazonaws.com/?Param1=value1",
                host,
                "",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=host;x-amz-date, \
                 Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
            ),
            case(
                "post-header-key-sort",
                reqwest::Method::POST,
                "https://example.amazonaws.com/",
                &[("host", "example.amazonaws.com"), ("My-Header1", "value1")],
                "",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=host;my-header1;x-amz-date, \
                 Signature=c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
            ),
            case(
                "post-header-value-case",
                reqwest::Method::POST,
                "https://example.amazonaws.com/",
                &[("host", "example.amazonaws.com"), ("My-Header1", "VALUE1")],
                "",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=host;my-header1;x-amz-date, \
                 Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
            ),
            // The published `.creq` of this case lists `content-length`, but its `.sts` and
            // `.authz` sign `content-type;host;x-amz-date` only; the `.authz` is the reference.
            case(
                "post-x-www-form-urlencoded",
                reqwest::Method::POST,
                "https://example.amazonaws.com/",
                &[("Content-Type", "application/x-www-form-urlencoded"), ("host", "example.amazonaws.com")],
                "Param1=value1",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date, \
                 Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
            ),
            case(
                "post-x-www-form-urlencoded-parameters",
                reqwest::Method::POST,
                "https://example.amazonaws.com/",
                &[
                    ("Content-Type", "application/x-www-form-urlencoded; charset=utf8"),
                    ("host", "example.amazonaws.com"),
                ],
                "Param1=value1",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date, \
                 Signature=1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe",
            ),
            // Temporary credentials (SSO, assumed roles): the signer adds the token and signs it.
            SuiteCase {
                session_token: Some(SESSION_TOKEN),
                ..case(
                    "post-sts-header-before",
                    reqwest::Method::POST,
                    "https://example.amazonaws.com/",
                    host,
                    "",
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                     SignedHeaders=host;x-amz-date;x-amz-security-token, \
                     Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
                )
            },
        ]
    }

    #[test]
    fn matches_the_aws_test_suite() {
        for case in suite_cases() {
            let mut request = Request {
                method: case.method.clone(),
                url: case.url.into(),
                headers: case.headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect(),
                body: case.body.as_bytes().to_vec(),
            };
            suite_signer(case.session_token).sign(&mut request, suite_time()).unwrap();
            assert_eq!(header(&request, "authorization"), Some(case.authorization), "{}", case.name);
            assert_eq!(header(&request, "x-amz-date"), Some("20150830T123600Z"), "{}", case.name);
            assert_eq!(header(&request, "x-amz-security-token"), case.session_token, "{}", case.name);
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn hmac_sha256(key: &[u8], data: &str) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(data.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// SigV4 from the specification, independent of `aws-sigv4`: `headers` are the signed
    /// headers, lower-case and sorted, values already trimmed; `query` is already canonical.
    #[allow(clippy::too_many_arguments)]
    fn sigv4_from_scratch(
        method: &str,
        query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        secret: &str,
        amz_date: &str,
        region: &str,
        service: &str,
    ) -> (String, String) {
        let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
        let signed_headers = headers.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(";");
        let canonical_request =
            format!("{method}\n/\n{query}\n{canonical_headers}\n{signed_headers}\n{}", hex(&Sha256::digest(body)));
        let date = &amz_date[..8];
        let scope = format!("{date}/{region}/{service}/aws4_request");
        let string_to_sign =
            format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex(&Sha256::digest(canonical_request.as_bytes())));
        let key = [date, region, service, "aws4_request"]
            .iter()
            .fold(format!("AWS4{secret}").into_bytes(), |key, part| hmac_sha256(&key, part));
        (signed_headers, hex(&hmac_sha256(&key, &string_to_sign)))
    }

    /// The from-scratch computation reproduces published cases, so it can vouch for a case the
    /// suite does not have.
    #[test]
    fn the_from_scratch_computation_reproduces_the_suite() {
        let host = ("host", "example.amazonaws.com");
        let date = ("x-amz-date", "20150830T123600Z");
        let sign = |method, headers: &[(&str, &str)], body: &[u8]| {
            sigv4_from_scratch(method, "", headers, body, SUITE_SECRET, "20150830T123600Z", "us-east-1", "service").1
        };
        assert_eq!(
            sign("POST", &[host, date], b""),
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        );
        assert_eq!(
            sign("POST", &[("content-type", "application/x-www-form-urlencoded"), host, date], b"Param1=value1"),
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
        );
    }

    /// A Cognito admin call as the harness sends it, checked against the from-scratch
    /// computation rather than against `aws-sigv4` itself.
    #[test]
    fn a_cognito_call_matches_a_from_scratch_signature() {
        let signer = Signer::new("AKIDEXAMPLE", SUITE_SECRET, None, "eu-west-1", SERVICE);
        let mut request = Request {
            method: reqwest::Method::POST,
            url: "https://cognito-idp.eu-west-1.amazonaws.com/".into(),
            headers: vec![
                ("content-type".into(), "application/x-amz-json-1.1".into()),
                ("x-amz-target".into(), "AWSCognitoIdentityProviderService.ListUserPools".into()),
            ],
            body: br#"{"MaxResults":1}"#.to_vec(),
        };
        let time = UNIX_EPOCH + Duration::from_secs(1_700_000_000); // 2023-11-14T22:13:20Z
        signer.sign(&mut request, time).unwrap();

        let (signed_headers, signature) = sigv4_from_scratch(
            "POST",
            "",
            &[
                ("content-type", "application/x-amz-json-1.1"),
                ("host", "cognito-idp.eu-west-1.amazonaws.com"),
                ("x-amz-date", "20231114T221320Z"),
                ("x-amz-target", "AWSCognitoIdentityProviderService.ListUserPools"),
            ],
            br#"{"MaxResults":1}"#,
            SUITE_SECRET,
            "20231114T221320Z",
            "eu-west-1",
            "cognito-idp",
        );
        let expected = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/eu-west-1/cognito-idp/aws4_request, \
             SignedHeaders={signed_headers}, Signature={signature}"
        );
        assert_eq!(header(&request, "authorization"), Some(expected.as_str()));
        assert_eq!(header(&request, "x-amz-date"), Some("20231114T221320Z"));
        assert_eq!(header(&request, "host"), Some("cognito-idp.eu-west-1.amazonaws.com"));
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

    #[test]
    fn a_replaced_credential_signs_every_clone_until_the_signers_are_gone() {
        let signer = Signer::new("AKIDFIRST", "first-secret", None, "us-east-1", SERVICE);
        let clone = signer.clone();
        let slot = signer.credentials_slot();
        let refreshed = Credentials::new("AKIDSECOND", "second-secret", Some("second-token".into()), None, "test");
        assert!(slot.replace(refreshed));
        let mut request = Request {
            method: reqwest::Method::POST,
            url: "https://cognito-idp.us-east-1.amazonaws.com/".into(),
            headers: Vec::new(),
            body: b"{}".to_vec(),
        };
        clone.sign(&mut request, SystemTime::now()).unwrap();
        assert!(header(&request, "authorization").unwrap().contains("Credential=AKIDSECOND/"));
        assert_eq!(header(&request, "x-amz-security-token"), Some("second-token"));
        drop((signer, clone));
        assert!(!slot.replace(Credentials::new("AKIDTHIRD", "third", None, None, "test")));
    }
}
