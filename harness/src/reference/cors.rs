//! The headers every answer carries that browsers and SDKs read: a request id and CORS
//! (spec §1.8).
//!
//! Two surfaces answer differently, as on AWS:
//! - the API host (the JSON API, the JWKS and the discovery document) sends `x-amzn-RequestId`
//!   (a UUID, the header every AWS SDK reads into its response metadata) and allows any origin
//!   (`*`), exposing the headers an SDK reads;
//! - a pool's hosted domain (`/oauth2/…`) sends `x-amz-cognito-request-id` and, when the request
//!   names an `Origin`, echoes it with `Access-Control-Allow-Credentials: true`, as a capture of
//!   AWS's token endpoint shows.
//!
//! A preflight (any `OPTIONS`; a browser's carries `Access-Control-Request-Method`) is answered
//! here, before routing, so a browser SDK reaches the operation it asked for.

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

/// The request-id header of the API host, as AWS spells it.
pub const API_REQUEST_ID: &str = "x-amzn-RequestId";
/// The request-id header of a hosted domain.
pub const HOSTED_REQUEST_ID: &str = "x-amz-cognito-request-id";

/// Request headers a browser may send to the JSON API: what the JavaScript SDK v3 (retry and
/// signing headers included), Amplify and amazon-cognito-identity-js send.
pub const API_ALLOW_HEADERS: &str = "content-type, x-amz-target, x-amz-user-agent, amz-sdk-invocation-id, \
    amz-sdk-request, authorization, x-amz-date, x-amz-security-token, x-amz-content-sha256, cache-control";
/// Response headers a browser SDK may read on the API host.
pub const API_EXPOSE_HEADERS: &str = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date";
/// Request headers a browser may send to a hosted endpoint (Basic or Bearer credentials, a form).
pub const HOSTED_ALLOW_HEADERS: &str = "authorization, content-type";
/// How long a browser may cache a preflight answer, in seconds: AWS's usual two days.
pub const MAX_AGE: &str = "172800";

/// Which host a request addresses: the answer's headers depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `cognito-idp.<region>.amazonaws.com`: the JSON API, JWKS, discovery.
    Api,
    /// `<prefix>.auth.<region>.amazoncognito.com`: the hosted endpoint at this path.
    Hosted {
        /// The methods the endpoint answers, for a preflight.
        methods: &'static str,
    },
}

impl Surface {
    /// The hosted surface of the endpoint at `path` (`/oauth2/userInfo` answers GET too).
    pub fn hosted(path: &str) -> Self {
        let methods = if path == "/oauth2/userInfo" { "GET, POST" } else { "POST" };
        Self::Hosted { methods }
    }
}

/// Whether a request is answered as a CORS preflight: every `OPTIONS`, since no endpoint has
/// another use for it.
pub fn is_preflight(method: &Method) -> bool {
    method == Method::OPTIONS
}

/// The answer to a preflight: 200 with an empty body and the surface's CORS headers.
pub fn preflight(surface: Surface, request: &HeaderMap) -> Response {
    let mut response = StatusCode::OK.into_response();
    let headers = response.headers_mut();
    let (methods, allow) = match surface {
        Surface::Api => ("GET, POST", API_ALLOW_HEADERS),
        Surface::Hosted { methods } => (methods, HOSTED_ALLOW_HEADERS),
    };
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(methods));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(allow));
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
    decorate(&mut response, surface, request);
    response
}

/// Adds the request id and the CORS headers of `surface` to an answer.
pub fn decorate(response: &mut Response, surface: Surface, request: &HeaderMap) {
    let headers = response.headers_mut();
    let id = HeaderValue::from_str(&Uuid::new_v4().to_string()).expect("a UUID is a valid header value");
    match surface {
        Surface::Api => {
            headers.insert(HeaderName::from_static("x-amzn-requestid"), id);
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
            headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(API_EXPOSE_HEADERS));
        }
        Surface::Hosted { .. } => {
            headers.insert(HeaderName::from_static(HOSTED_REQUEST_ID), id);
            if let Some(origin) = request.get(header::ORIGIN) {
                headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
                headers.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_request_id_is_a_v4_uuid_under_awss_name() {
        let mut response = StatusCode::OK.into_response();
        decorate(&mut response, Surface::Api, &HeaderMap::new());
        let id = response.headers()[API_REQUEST_ID].to_str().unwrap();
        assert_eq!(Uuid::parse_str(id).unwrap().get_version_num(), 4);
        assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    }

    #[test]
    fn a_hosted_answer_without_origin_carries_no_cors_headers() {
        let mut response = StatusCode::OK.into_response();
        decorate(&mut response, Surface::hosted("/oauth2/token"), &HeaderMap::new());
        assert!(response.headers().contains_key(HOSTED_REQUEST_ID));
        assert!(!response.headers().contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
        assert!(!response.headers().contains_key(API_REQUEST_ID));
    }
}
