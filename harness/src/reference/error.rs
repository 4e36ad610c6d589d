//! Errors as Cognito sends them: a typed `__type`, a message, an HTTP status.
//!
//! Every failure of the reference target ends up as an [`ApiError`] (the AWS JSON 1.1 endpoint) or
//! an [`OAuthError`] (the hosted `/oauth2/*` endpoints). Both render exactly as spec §1.6 and §2.1
//! describe, so a client cannot tell the reference's errors from Cognito's by their shape.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The `__type` of an AWS JSON error. The HTTP status follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// An input breaks the model's constraints, or a parameter is missing.
    InvalidParameter,
    /// Credentials (password, secret hash, refresh or access token) are not accepted.
    NotAuthorized,
    /// The pool or client does not exist.
    ResourceNotFound,
    /// The user does not exist.
    UserNotFound,
    /// AdminCreateUser for a name already taken.
    UsernameExists,
    /// A password breaks the pool's policy.
    InvalidPassword,
    /// RevokeToken: the client may not revoke this token (spec Q2).
    Unauthorized,
    /// RevokeToken on a client with revocation disabled (spec R6).
    UnsupportedOperation,
    /// RevokeToken with an access or ID token (spec R5).
    UnsupportedTokenType,
    /// An `X-Amz-Target` this service does not know.
    UnknownOperation,
    /// A body that is not the JSON the operation expects.
    Serialization,
    /// A request body over the size limit.
    RequestEntityTooLarge,
    /// A request body that stopped arriving (the reference's timeout; HTTP 408).
    RequestTimeout,
    /// The reference's own capacity limits.
    LimitExceeded,
    /// A server fault (only ever produced deliberately, by a fault).
    InternalError,
    /// Request throttled (the AWS rehearsal's rate limit, `crate::rehearsal`).
    TooManyRequests,
    /// A signed operation sent without `Authorization` (the AWS rehearsal's SigV4 check).
    MissingAuthenticationToken,
    /// An access key or session token the account does not know (the AWS rehearsal).
    UnrecognizedClient,
    /// A SigV4 signature that does not match, or signed too far from now (the AWS rehearsal).
    InvalidSignature,
    /// An `Authorization` header that lacks a SigV4 part (the AWS rehearsal).
    IncompleteSignature,
}

impl ErrorType {
    /// The `__type` string.
    pub fn name(self) -> &'static str {
        match self {
            ErrorType::InvalidParameter => "InvalidParameterException",
            ErrorType::NotAuthorized => "NotAuthorizedException",
            ErrorType::ResourceNotFound => "ResourceNotFoundException",
            ErrorType::UserNotFound => "UserNotFoundException",
            ErrorType::UsernameExists => "UsernameExistsException",
            ErrorType::InvalidPassword => "InvalidPasswordException",
            ErrorType::Unauthorized => "UnauthorizedException",
            ErrorType::UnsupportedOperation => "UnsupportedOperationException",
            ErrorType::UnsupportedTokenType => "UnsupportedTokenTypeException",
            ErrorType::UnknownOperation => "UnknownOperationException",
            ErrorType::Serialization => "SerializationException",
            ErrorType::RequestEntityTooLarge => "RequestEntityTooLargeException",
            ErrorType::RequestTimeout => "RequestTimeoutException",
            ErrorType::LimitExceeded => "LimitExceededException",
            ErrorType::InternalError => "InternalErrorException",
            ErrorType::TooManyRequests => "TooManyRequestsException",
            ErrorType::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            ErrorType::UnrecognizedClient => "UnrecognizedClientException",
            ErrorType::InvalidSignature => "InvalidSignatureException",
            ErrorType::IncompleteSignature => "IncompleteSignatureException",
        }
    }

    /// The HTTP status Cognito sends with this error: 400 for client errors (spec §1.3).
    pub fn status(self) -> StatusCode {
        match self {
            ErrorType::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::RequestEntityTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorType::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// An error answer of the AWS JSON 1.1 endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The `__type`.
    pub kind: ErrorType,
    /// The `message`. Never contains a token, secret or hash (unless a fault says otherwise).
    pub message: String,
}

impl ApiError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorType, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    /// `NotAuthorizedException` with `message`.
    pub fn not_authorized(message: impl Into<String>) -> Self {
        Self::new(ErrorType::NotAuthorized, message)
    }

    /// `InvalidParameterException` with `message`.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorType::InvalidParameter, message)
    }

    /// `SerializationException` with `message`.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new(ErrorType::Serialization, message)
    }

    /// The pool does not exist.
    pub fn pool_not_found(pool_id: &str) -> Self {
        Self::new(ErrorType::ResourceNotFound, format!("User pool {pool_id} does not exist."))
    }

    /// The client does not exist.
    pub fn client_not_found(client_id: &str) -> Self {
        Self::new(ErrorType::ResourceNotFound, format!("User pool client {client_id} does not exist."))
    }

    /// The user does not exist.
    pub fn user_not_found() -> Self {
        Self::new(ErrorType::UserNotFound, "User does not exist.")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "__type": self.kind.name(), "message": self.message }).to_string();
        let mut response = (self.kind.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(super::server::AMZ_JSON));
        // Real AWS sends the type with a trailing colon (spec §1.6).
        if let Ok(value) = HeaderValue::from_str(&format!("{}:", self.kind.name())) {
            headers.insert("x-amzn-errortype", value);
        }
        if let Ok(value) = HeaderValue::from_str(header_message(&self.message)) {
            headers.insert("x-amzn-errormessage", value);
        }
        response
    }
}

/// The longest `x-amzn-errormessage` header sent, in bytes. The body always carries the whole
/// message; a header quoting a huge submitted value would be more than HTTP clients accept.
const MAX_MESSAGE_HEADER: usize = 1024;

/// `message`, cut to [`MAX_MESSAGE_HEADER`] bytes at a character boundary.
fn header_message(message: &str) -> &str {
    let mut end = message.len().min(MAX_MESSAGE_HEADER);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    &message[..end]
}

/// The `error` code of an OAuth 2.0 error answer (RFC 6749 §5.2, RFC 7009 §2.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorCode {
    /// A required parameter is missing or repeated, or revocation is disabled.
    InvalidRequest,
    /// Client authentication failed.
    InvalidClient,
    /// The refresh token is invalid, revoked or belongs to another client.
    InvalidGrant,
    /// The client may not use this grant.
    UnauthorizedClient,
    /// A grant type other than `refresh_token`.
    UnsupportedGrantType,
    /// `/oauth2/revoke` with an access or ID token.
    UnsupportedTokenType,
    /// `/oauth2/userInfo` with a bad, expired or revoked access token.
    InvalidToken,
}

impl OAuthErrorCode {
    /// The wire value.
    pub fn name(self) -> &'static str {
        match self {
            OAuthErrorCode::InvalidRequest => "invalid_request",
            OAuthErrorCode::InvalidClient => "invalid_client",
            OAuthErrorCode::InvalidGrant => "invalid_grant",
            OAuthErrorCode::UnauthorizedClient => "unauthorized_client",
            OAuthErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            OAuthErrorCode::UnsupportedTokenType => "unsupported_token_type",
            OAuthErrorCode::InvalidToken => "invalid_token",
        }
    }
}

/// An error answer of a hosted `/oauth2/*` endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// The HTTP status (400 or 401; spec §2.1, Q8).
    pub status: StatusCode,
    /// The `error` member.
    pub code: OAuthErrorCode,
    /// The optional `error_description` member.
    pub description: Option<String>,
}

impl OAuthError {
    /// A 400 answer with `code`.
    pub fn bad_request(code: OAuthErrorCode) -> Self {
        Self { status: StatusCode::BAD_REQUEST, code, description: None }
    }

    /// A 401 answer with `code`.
    pub fn unauthorized(code: OAuthErrorCode) -> Self {
        Self { status: StatusCode::UNAUTHORIZED, code, description: None }
    }

    /// The same answer with an `error_description`.
    pub fn describe(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.code.name() });
        if let Some(description) = &self.description {
            body["error_description"] = json!(description);
        }
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=UTF-8"));
        // RFC 6749 §5.2: a 401 invalid_client names the authentication scheme the client must use.
        if self.status == StatusCode::UNAUTHORIZED && self.code == OAuthErrorCode::InvalidClient {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
        }
        response
    }
}
