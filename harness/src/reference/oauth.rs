//! The hosted endpoints of a pool's domain: `/oauth2/revoke`, `/oauth2/token` (refresh grant)
//! and `/oauth2/userInfo` (spec §2).
//!
//! Client authentication follows RFC 6749 §2.3.1: `Authorization: Basic base64(id:secret)`, split
//! on the first colon and not URL-decoded (spec Q14, inferred), or `client_id`/`client_secret` in
//! the form — at the token endpoint only: `/oauth2/revoke` takes a secret from the Basic header
//! alone and refuses one in the form with 401 `invalid_client`, as seen on AWS (spec §2.1). A Basic
//! header and a body `client_id` must agree (spec Q13, inferred). Parameters may appear once
//! (RFC 6749 §3.1); unknown parameters, `token_type_hint` and a stray `grant_type` included, are
//! ignored.

use std::borrow::Cow;
use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::access::{authenticate, user_profile};
use super::auth::{ClientProof, RefreshError, find_client, refresh};
use super::error::{OAuthError, OAuthErrorCode};
use super::faults::Fault;
use super::revoke::{RevokeError, RevokeOutcome, revoke};
use super::service::Service;
use super::store::Client;

const FORM: &str = "application/x-www-form-urlencoded";

/// What `/oauth2/userInfo` says about any bad token (spec §2.3, DG-USERINFO).
const INVALID_TOKEN_DESCRIPTION: &str =
    "Access token is expired, disabled, or deleted, or the user has globally signed out.";

/// A parsed form body in which every parameter appears at most once. Names and values borrow
/// from the body unless they were escaped.
struct Form<'a>(BTreeMap<Cow<'a, str>, Cow<'a, str>>);

impl<'a> Form<'a> {
    fn parse(headers: &HeaderMap, body: &'a [u8]) -> Result<Self, OAuthError> {
        let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        if !media_type.eq_ignore_ascii_case(FORM) {
            return Err(OAuthError::bad_request(OAuthErrorCode::InvalidRequest)
                .describe("Content-Type must be application/x-www-form-urlencoded"));
        }
        let mut params = BTreeMap::new();
        for (name, value) in form_urlencoded::parse(body) {
            if params.insert(name, value).is_some() {
                return Err(OAuthError::bad_request(OAuthErrorCode::InvalidRequest).describe("a parameter is repeated"));
            }
        }
        Ok(Self(params))
    }

    /// The value of `name`, unless it is absent or empty.
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(Cow::as_ref).filter(|value| !value.is_empty())
    }
}

/// The client a request authenticates as, and the secret it presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// From the Basic header or the `client_id` parameter.
    pub client_id: String,
    /// From the Basic header or `client_secret`; `None` when absent or empty.
    pub secret: Option<String>,
}

/// A `/oauth2/revoke` request, decoded: what the endpoint reads before it looks anything up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokeRequest {
    /// The `token` parameter (present and not empty).
    pub token: String,
    /// `None`: the request names no client (a public client's revocation then answers 200).
    pub credentials: Option<Credentials>,
}

impl RevokeRequest {
    /// Decodes the form body and the client authentication of `POST /oauth2/revoke`.
    pub fn decode(headers: &HeaderMap, body: &[u8]) -> Result<Self, OAuthError> {
        let form = Form::parse(headers, body)?;
        let token = form
            .get("token")
            .ok_or_else(|| OAuthError::bad_request(OAuthErrorCode::InvalidRequest).describe("token is missing"))?;
        if form.get("client_secret").is_some() {
            return Err(OAuthError::unauthorized(OAuthErrorCode::InvalidClient)
                .describe("the revocation endpoint takes the client secret in the Authorization header only"));
        }
        let credentials = credentials(headers, &form, StatusCode::UNAUTHORIZED)?;
        Ok(Self { token: token.to_owned(), credentials })
    }
}

/// A `/oauth2/token` refresh request, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// Who asks.
    pub credentials: Credentials,
    /// The `refresh_token` parameter. Its absence is reported after the client is looked up, as
    /// an unknown client is the first thing AWS reports (spec Q8).
    pub refresh_token: Option<String>,
}

impl TokenRequest {
    /// Decodes the form body and the client authentication of `POST /oauth2/token`.
    pub fn decode(headers: &HeaderMap, body: &[u8]) -> Result<Self, OAuthError> {
        let form = Form::parse(headers, body)?;
        match form.get("grant_type") {
            None => {
                return Err(OAuthError::bad_request(OAuthErrorCode::InvalidRequest).describe("grant_type is missing"));
            }
            Some("refresh_token") => {}
            Some(_) => return Err(OAuthError::bad_request(OAuthErrorCode::UnsupportedGrantType)),
        }
        // The token endpoint answers invalid_client with 400, as seen on AWS (spec Q8).
        let credentials = credentials(headers, &form, StatusCode::BAD_REQUEST)?
            .ok_or_else(|| OAuthError::bad_request(OAuthErrorCode::InvalidRequest).describe("client_id is missing"))?;
        Ok(Self { credentials, refresh_token: form.get("refresh_token").map(str::to_owned) })
    }
}

/// Reads the client's credentials. `Ok(None)`: the request names no client at all.
fn credentials(headers: &HeaderMap, form: &Form, status: StatusCode) -> Result<Option<Credentials>, OAuthError> {
    let invalid_client =
        |why: &str| OAuthError { status, code: OAuthErrorCode::InvalidClient, description: Some(why.to_owned()) };
    let body_id = form.get("client_id");
    let body_secret = form.get("client_secret");
    let Some(authorization) = headers.get(header::AUTHORIZATION) else {
        return Ok(body_id.map(|id| Credentials { client_id: id.to_owned(), secret: body_secret.map(str::to_owned) }));
    };
    let authorization = authorization.to_str().map_err(|_| invalid_client("malformed Authorization header"))?;
    let (scheme, encoded) =
        authorization.split_once(' ').ok_or_else(|| invalid_client("malformed Authorization header"))?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(invalid_client("client authentication must use the Basic scheme"));
    }
    let decoded =
        STANDARD.decode(encoded.trim()).map_err(|_| invalid_client("Basic credentials are not valid base64"))?;
    let decoded = String::from_utf8(decoded).map_err(|_| invalid_client("Basic credentials are not UTF-8"))?;
    let (id, secret) = decoded.split_once(':').ok_or_else(|| invalid_client("Basic credentials have no colon"))?;
    if id.is_empty() || body_id.is_some_and(|body_id| body_id != id) {
        return Err(invalid_client("the Basic header and client_id disagree"));
    }
    if body_secret.is_some() {
        return Err(invalid_client("more than one client authentication method"));
    }
    Ok(Some(Credentials { client_id: id.to_owned(), secret: (!secret.is_empty()).then(|| secret.to_owned()) }))
}

/// The client, which must belong to the domain's pool.
fn client_of_pool(service: &Service, pool_id: &str, client_id: &str) -> Option<Client> {
    find_client(service, client_id).filter(|client| client.pool_id == pool_id)
}

fn empty_ok() -> Response {
    StatusCode::OK.into_response()
}

/// The `errors-echo-token` fault reaches the hosted endpoints too.
fn echo(service: &Service, error: OAuthError, token: &str) -> OAuthError {
    if service.has(Fault::ErrorsEchoToken) { error.describe(format!("token {token}")) } else { error }
}

/// `POST /oauth2/revoke` (spec §2.1).
pub fn revoke_endpoint(service: &Service, pool_id: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    match revoke_inner(service, pool_id, headers, body) {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

fn revoke_inner(service: &Service, pool_id: &str, headers: &HeaderMap, body: &[u8]) -> Result<Response, OAuthError> {
    let RevokeRequest { token, credentials } = RevokeRequest::decode(headers, body)?;
    let token = token.as_str();
    // A public client that names no client gets 200 and nothing is revoked, as seen on AWS (Q15).
    let Some(credentials) = credentials else { return Ok(empty_ok()) };
    let client = client_of_pool(service, pool_id, &credentials.client_id)
        .ok_or_else(|| OAuthError::unauthorized(OAuthErrorCode::InvalidClient))?;
    match revoke(service, &client, credentials.secret.as_deref(), token) {
        Ok(RevokeOutcome::Revoked) => Ok(empty_ok()),
        Ok(RevokeOutcome::NothingToRevoke) if service.has(Fault::RevokeEndpointRejectsUnknown) => {
            Err(echo(service, OAuthError::bad_request(OAuthErrorCode::InvalidGrant), token))
        }
        Ok(RevokeOutcome::NothingToRevoke) => Ok(empty_ok()),
        Err(RevokeError::Secret(_)) => Err(OAuthError::unauthorized(OAuthErrorCode::InvalidClient)),
        Err(RevokeError::RevocationDisabled) => Err(OAuthError::bad_request(OAuthErrorCode::InvalidRequest)),
        Err(RevokeError::UnsupportedTokenType) => {
            Err(echo(service, OAuthError::bad_request(OAuthErrorCode::UnsupportedTokenType), token))
        }
        Err(RevokeError::WrongClient) => {
            Err(echo(service, OAuthError::bad_request(OAuthErrorCode::InvalidRequest), token))
        }
    }
}

/// `POST /oauth2/token` with `grant_type=refresh_token` (spec §2.2).
pub fn token_endpoint(service: &Service, pool_id: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    match token_inner(service, pool_id, headers, body) {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

fn token_inner(service: &Service, pool_id: &str, headers: &HeaderMap, body: &[u8]) -> Result<Response, OAuthError> {
    let TokenRequest { credentials, refresh_token } = TokenRequest::decode(headers, body)?;
    let client = client_of_pool(service, pool_id, &credentials.client_id)
        .ok_or_else(|| OAuthError::bad_request(OAuthErrorCode::InvalidClient))?;
    let refresh_token = refresh_token
        .as_deref()
        .ok_or_else(|| OAuthError::bad_request(OAuthErrorCode::InvalidRequest).describe("refresh_token is missing"))?;
    if !client.allows_flow("ALLOW_REFRESH_TOKEN_AUTH") {
        return Err(OAuthError::bad_request(OAuthErrorCode::UnauthorizedClient));
    }
    let issued = refresh(service, &client, refresh_token, ClientProof::Secret(credentials.secret.as_deref())).map_err(
        |error| match error {
            RefreshError::Secret(_) => OAuthError::bad_request(OAuthErrorCode::InvalidClient),
            _ => echo(service, OAuthError::bad_request(OAuthErrorCode::InvalidGrant), refresh_token),
        },
    )?;
    let mut body = json!({
        "id_token": issued.tokens.id_token,
        "access_token": issued.tokens.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
    });
    if let Some(refresh) = issued.refresh_token {
        body["refresh_token"] = json!(refresh);
    }
    Ok(json_response(StatusCode::OK, &body))
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=UTF-8"));
    response
}

fn invalid_token() -> Response {
    let mut response = json_response(
        StatusCode::UNAUTHORIZED,
        &json!({ "error": "invalid_token", "error_description": INVALID_TOKEN_DESCRIPTION }),
    );
    let challenge = format!("Bearer error=\"invalid_token\", error_description=\"{INVALID_TOKEN_DESCRIPTION}\"");
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// `GET /oauth2/userInfo` (spec §2.3): the user's attributes, or 401 `invalid_token`.
pub fn userinfo_endpoint(service: &Service, pool_id: &str, headers: &HeaderMap) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let Some(token) = bearer else {
        let mut response = json_response(StatusCode::UNAUTHORIZED, &json!({ "error": "invalid_request" }));
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_request\""));
        return response;
    };
    let Ok(subject) = authenticate(service, token) else { return invalid_token() };
    if subject.pool_id != pool_id {
        return invalid_token();
    }
    let Ok((username, attributes)) = user_profile(service, &subject) else { return invalid_token() };
    let mut body = Map::new();
    for (name, value) in attributes {
        body.insert(name, Value::String(value));
    }
    body.insert("username".into(), Value::String(username));
    json_response(StatusCode::OK, &Value::Object(body))
}
