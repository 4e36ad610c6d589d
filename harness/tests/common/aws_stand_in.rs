//! Loopback stand-ins for what `--target aws` talks to while it resolves credentials and cleans
//! up: STS (`AssumeRole`, `AssumeRoleWithWebIdentity`), the IAM Identity Center portal
//! (`GetRoleCredentials`) and Cognito's `ListUserPools` over TLS, under AWS's real host names
//! (a `--rehearsal` resolves them here); the container credentials endpoint and IMDSv2 over plain
//! HTTP, as they are on AWS.
//!
//! The TLS certificate comes from a CA made for the run ([`StandIn::ca_pem`], for `--ca-bundle`).
//! Signed requests are verified (SigV4, recomputed here from the secret the stand-in issued or
//! was told), so a test knows which credentials signed, not only which key id was named.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use parking_lot::Mutex;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// The names the certificate is valid for.
pub const TLS_NAMES: [&str; 5] = [
    "cognito-idp.us-east-1.amazonaws.com",
    "sts.us-east-1.amazonaws.com",
    "sts.amazonaws.com",
    "portal.sso.us-east-1.amazonaws.com",
    "oidc.us-east-1.amazonaws.com",
];

/// AWS credentials, as a provider issues them.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The access key id.
    pub key: String,
    /// The secret access key.
    pub secret: String,
    /// The session token of temporary credentials.
    pub token: Option<String>,
}

impl Issued {
    /// Credentials whose parts all start with `name`, so a leak is easy to spot.
    pub fn new(key: &str, name: &str, temporary: bool) -> Self {
        Self {
            key: key.into(),
            secret: format!("{name}-secret-access-key-do-not-print"),
            token: temporary.then(|| format!("{name}-session-token-do-not-print")),
        }
    }
}

/// What the stand-in answers.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// Credentials the stand-in did not issue but knows the secret of (static keys), to verify
    /// signatures made with them.
    pub known: Vec<Issued>,
    /// What `AssumeRole` gives.
    pub assume_role: Option<Issued>,
    /// The web-identity token `AssumeRoleWithWebIdentity` accepts, and what it gives.
    pub web_identity: Option<(String, Issued)>,
    /// The SSO access token the portal accepts, and what it gives.
    pub sso: Option<(String, Issued)>,
    /// The refresh token SSO OIDC's `CreateToken` accepts, and the access token it gives.
    pub oidc: Option<(String, String)>,
    /// The `Authorization` the container endpoint requires, and what it gives.
    pub container: Option<(String, Issued)>,
    /// What IMDSv2 gives (for the role `stand-in-role`).
    pub imds: Option<Issued>,
}

impl Script {
    fn all_keys(&self) -> Vec<Issued> {
        let mut keys = self.known.clone();
        keys.extend(self.assume_role.clone());
        for (_, issued) in [&self.web_identity, &self.sso, &self.container].into_iter().flatten() {
            keys.push(issued.clone());
        }
        keys.extend(self.imds.clone());
        keys
    }
}

/// One request the stand-in answered.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The `Host` header.
    pub host: String,
    /// The operation: `ListUserPools`, `AssumeRole`, `AssumeRoleWithWebIdentity`,
    /// `GetRoleCredentials`, `CreateToken`, `container`, `imds-token`, `imds-role`, `imds-credentials`, or the
    /// path when unknown.
    pub operation: String,
    /// The access key id that signed, if signed.
    pub key: Option<String>,
    /// `x-amz-security-token`, if sent.
    pub session_token: Option<String>,
    /// Whether the signature verified with the secret of `key`.
    pub signature_ok: bool,
    /// The status answered.
    pub status: u16,
}

struct Shared {
    script: Script,
    seen: Mutex<Vec<Seen>>,
    imds_token: String,
}

/// The running stand-ins.
pub struct StandIn {
    /// The TLS listener (STS, SSO portal, Cognito).
    pub tls: SocketAddr,
    /// The plain HTTP listener (container credentials, IMDS).
    pub http: SocketAddr,
    /// The CA that issued the TLS certificate, PEM.
    pub ca_pem: String,
    shared: Arc<Shared>,
}

impl StandIn {
    /// Starts both listeners on 127.0.0.1 on `runtime`.
    pub fn start(runtime: &tokio::runtime::Runtime, script: Script) -> Self {
        let (ca_pem, server_config) = certificates();
        let shared =
            Arc::new(Shared { script, seen: Mutex::new(Vec::new()), imds_token: "imds-session-token-abc".into() });
        let app = axum::Router::new().fallback(handle).with_state(shared.clone());
        let (tls, http) = runtime.block_on(async {
            let tls_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let http_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            (tls_listener, http_listener)
        });
        let tls_addr = tls.local_addr().expect("address");
        let http_addr = http.local_addr().expect("address");
        let acceptor = TlsAcceptor::from(Arc::new(server_config));
        runtime.spawn(axum::serve(TlsListener { tcp: tls, acceptor }, app.clone()).into_future());
        runtime.spawn(axum::serve(http, app).into_future());
        Self { tls: tls_addr, http: http_addr, ca_pem, shared }
    }

    /// Everything answered so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().clone()
    }

    /// The requests for `operation`.
    pub fn seen_for(&self, operation: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.operation == operation).collect()
    }
}

fn certificates() -> (String, rustls::ServerConfig) {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "cognito-conformance stand-in CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().expect("server key");
    let server_params = CertificateParams::new(TLS_NAMES.map(String::from).to_vec()).expect("server params");
    let server = server_params.signed_by(&server_key, &issuer).expect("server certificate");
    // rustls's default provider: ring, the only one the harness builds with.
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(server.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        )
        .expect("server config");
    (ca.pem(), config)
}

struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else { continue };
            if let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_secs(10), self.acceptor.accept(tcp)).await {
                return (stream, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let host = header_text(&headers, "host").unwrap_or_default().to_owned();
    let name = host.split(':').next().unwrap_or_default().to_owned();
    let (key, signature_ok) = match verify(&method, &uri, &headers, &body, &shared.script.all_keys()) {
        Ok(key) => (Some(key), true),
        Err(key) => (key, false),
    };
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let mut seen = Seen {
        host,
        operation: uri.path().to_owned(),
        key,
        session_token: header_text(&headers, "x-amz-security-token").map(str::to_owned),
        signature_ok,
        status: 200,
    };
    let response = if name.starts_with("cognito-idp.") {
        cognito(&mut seen, &headers)
    } else if name.starts_with("sts.") {
        sts(&shared.script, &mut seen, &form)
    } else if name.starts_with("oidc.") {
        oidc(&shared.script, &mut seen, &uri, &body)
    } else if name.starts_with("portal.sso.") {
        sso(&shared.script, &mut seen, &uri, &headers)
    } else if uri.path().starts_with("/latest/") {
        imds(&shared, &mut seen, &method, &uri, &headers)
    } else {
        container(&shared.script, &mut seen, &headers)
    };
    seen.status = response.status().as_u16();
    shared.seen.lock().push(seen);
    response
}

fn cognito(seen: &mut Seen, headers: &HeaderMap) -> Response {
    let target = header_text(headers, "x-amz-target").unwrap_or_default();
    seen.operation = target.rsplit('.').next().unwrap_or_default().to_owned();
    if !seen.signature_ok {
        let body = r#"{"__type":"InvalidSignatureException","message":"The request signature does not match."}"#;
        return (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "application/x-amz-json-1.1")], body).into_response();
    }
    match seen.operation.as_str() {
        "ListUserPools" => {
            ([(header::CONTENT_TYPE, "application/x-amz-json-1.1")], r#"{"UserPools":[]}"#).into_response()
        }
        _ => (StatusCode::BAD_REQUEST, r#"{"__type":"UnknownOperationException"}"#).into_response(),
    }
}

fn in_an_hour() -> SystemTime {
    SystemTime::now() + Duration::from_secs(3600)
}

fn sts_error(code: &str) -> Response {
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
         <Code>{code}</Code><Message>refused by the stand-in</Message></Error><RequestId>stand-in</RequestId></ErrorResponse>"
    );
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/xml")], body).into_response()
}

fn sts(script: &Script, seen: &mut Seen, form: &HashMap<String, String>) -> Response {
    let action = form.get("Action").cloned().unwrap_or_default();
    seen.operation.clone_from(&action);
    let issued = match action.as_str() {
        "AssumeRole" if !seen.signature_ok => return sts_error("SignatureDoesNotMatch"),
        "AssumeRole" => script.assume_role.as_ref(),
        "AssumeRoleWithWebIdentity" => match &script.web_identity {
            Some((token, issued)) if form.get("WebIdentityToken") == Some(token) => Some(issued),
            _ => return sts_error("InvalidIdentityToken"),
        },
        _ => None,
    };
    let Some(issued) = issued else { return sts_error("InvalidAction") };
    let role = form.get("RoleArn").cloned().unwrap_or_default();
    let session = form.get("RoleSessionName").cloned().unwrap_or_default();
    let body = format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result>\
         <Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>\
         <SessionToken>{token}</SessionToken><Expiration>{expiry}</Expiration></Credentials>\
         <AssumedRoleUser><AssumedRoleId>AROASTANDIN:{session}</AssumedRoleId>\
         <Arn>{role}/{session}</Arn></AssumedRoleUser></{action}Result>\
         <ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata></{action}Response>",
        key = issued.key,
        secret = issued.secret,
        token = issued.token.as_deref().unwrap_or_default(),
        expiry = humantime::format_rfc3339_seconds(in_an_hour()),
    );
    ([(header::CONTENT_TYPE, "text/xml")], body).into_response()
}

fn sso(script: &Script, seen: &mut Seen, uri: &Uri, headers: &HeaderMap) -> Response {
    seen.operation = "GetRoleCredentials".into();
    let bearer = header_text(headers, "x-amz-sso_bearer_token");
    let Some((_, issued)) = script.sso.as_ref().filter(|(token, _)| Some(token.as_str()) == bearer) else {
        return (StatusCode::UNAUTHORIZED, r#"{"message":"Session token not found or invalid"}"#).into_response();
    };
    if uri.path() != "/federation/credentials" {
        return StatusCode::NOT_FOUND.into_response();
    }
    let expiration = in_an_hour().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
    let body = serde_json::json!({ "roleCredentials": {
        "accessKeyId": issued.key, "secretAccessKey": issued.secret,
        "sessionToken": issued.token, "expiration": expiration,
    }});
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn oidc(script: &Script, seen: &mut Seen, uri: &Uri, body: &[u8]) -> Response {
    seen.operation = "CreateToken".into();
    let asked: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let refresh = asked.get("refreshToken").and_then(|v| v.as_str());
    match &script.oidc {
        Some((expected, access)) if uri.path() == "/token" && refresh == Some(expected.as_str()) => {
            let body = serde_json::json!({
                "accessToken": access, "expiresIn": 28800, "tokenType": "Bearer",
                "refreshToken": format!("{expected}-next"),
            });
            ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
        }
        _ => (StatusCode::BAD_REQUEST, r#"{"error":"invalid_grant"}"#).into_response(),
    }
}

fn credentials_json(issued: &Issued) -> Response {
    let body = serde_json::json!({
        "Code": "Success", "Type": "AWS-HMAC",
        "LastUpdated": humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        "AccessKeyId": issued.key, "SecretAccessKey": issued.secret, "Token": issued.token,
        "Expiration": humantime::format_rfc3339_seconds(in_an_hour()).to_string(),
    });
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn container(script: &Script, seen: &mut Seen, headers: &HeaderMap) -> Response {
    seen.operation = "container".into();
    match &script.container {
        Some((authorization, issued)) if header_text(headers, "authorization") == Some(authorization) => {
            credentials_json(issued)
        }
        _ => (StatusCode::UNAUTHORIZED, "wrong or missing Authorization").into_response(),
    }
}

fn imds(shared: &Shared, seen: &mut Seen, method: &Method, uri: &Uri, headers: &HeaderMap) -> Response {
    const TTL: &str = "x-aws-ec2-metadata-token-ttl-seconds";
    const ROLES: &str = "/latest/meta-data/iam/security-credentials/";
    if uri.path() == "/latest/api/token" {
        seen.operation = "imds-token".into();
        return if method == Method::PUT && headers.contains_key(TTL) {
            ([(TTL, "21600")], shared.imds_token.clone()).into_response()
        } else {
            StatusCode::BAD_REQUEST.into_response()
        };
    }
    // IMDSv2: nothing without the session token.
    if header_text(headers, "x-aws-ec2-metadata-token") != Some(shared.imds_token.as_str()) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Some(issued) = &shared.script.imds else { return StatusCode::NOT_FOUND.into_response() };
    match uri.path().strip_prefix(ROLES) {
        Some("") => {
            seen.operation = "imds-role".into();
            "stand-in-role".into_response()
        }
        Some("stand-in-role") => {
            seen.operation = "imds-credentials".into();
            credentials_json(issued)
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Verifies a SigV4 `Authorization` header against the secret of the key it names; `Ok(key)` when
/// it matches, `Err(Some(key))` when it does not (or the key is unknown), `Err(None)` when unsigned.
fn verify(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    keys: &[Issued],
) -> Result<String, Option<String>> {
    let authorization = header_text(headers, "authorization").ok_or(None)?;
    let fields = authorization.strip_prefix("AWS4-HMAC-SHA256 ").ok_or(None)?;
    let field = |name: &str| {
        fields.split(',').map(str::trim).find_map(|f| f.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
    };
    let credential = field("Credential").ok_or(None)?;
    let (key, scope) = credential.split_once('/').ok_or(None)?;
    let fail = || Some(key.to_owned());
    let signed_headers = field("SignedHeaders").ok_or_else(fail)?;
    let signature = field("Signature").ok_or_else(fail)?;
    let secret = &keys.iter().find(|k| k.key == key).ok_or_else(fail)?.secret;
    let amz_date = header_text(headers, "x-amz-date").ok_or_else(fail)?;
    let mut query: Vec<&str> = uri.query().unwrap_or_default().split('&').filter(|q| !q.is_empty()).collect();
    query.sort_unstable();
    let canonical_headers: String = signed_headers
        .split(';')
        .map(|name| {
            let values: Vec<&str> =
                headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).map(str::trim).collect();
            format!("{name}:{}\n", values.join(","))
        })
        .collect();
    let canonical = format!(
        "{method}\n{path}\n{query}\n{canonical_headers}\n{signed_headers}\n{payload}",
        path = uri.path(),
        query = query.join("&"),
        payload = hex(&Sha256::digest(body)),
    );
    let to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex(&Sha256::digest(canonical.as_bytes())));
    let mut parts = scope.split('/');
    let (date, region, service) = (parts.next(), parts.next(), parts.next());
    let (Some(date), Some(region), Some(service)) = (date, region, service) else { return Err(fail()) };
    let mut signing_key = hmac(format!("AWS4{secret}").as_bytes(), date);
    for part in [region, service, "aws4_request"] {
        signing_key = hmac(&signing_key, part);
    }
    if hex(&hmac(&signing_key, &to_sign)) == signature { Ok(key.to_owned()) } else { Err(fail()) }
}
