//! The OpenID Connect discovery document, `GET /<poolId>/.well-known/openid-configuration`
//! (spec §4.6): what generic OIDC middleware reads to find a pool's JWKS and endpoints.
//!
//! The members and their values are those a 2025 capture of AWS's document shows. The `issuer`
//! is the pool's real issuer (the `iss` of its tokens), so a client that checks `iss` against it
//! accepts the reference's tokens; every URL a client follows points where the reference answers:
//! - a request addressed to AWS's own API host name (the AWS rehearsal serves it over TLS) gets
//!   AWS's URLs: `https://cognito-idp.<region>.amazonaws.com/…` and the domain's
//!   `https://<prefix>.auth.<region>.amazoncognito.com/…`;
//! - any other request gets `http://<Host>/<poolId>/.well-known/jwks.json` and the domain's
//!   endpoints under `http://<Host>/_domain/<prefix>/…`, the path-prefix addressing `serve` offers.
//!
//! The endpoint members appear only when the pool has a domain: without one, nothing answers them.

use axum::http::{HeaderMap, header};
use serde_json::{Value, json};

use super::service::Service;

/// The path suffix of the document.
pub const SUFFIX: &str = "/.well-known/openid-configuration";

/// The discovery document of `pool_id`, or `None` if there is no such pool.
pub fn document(service: &Service, pool_id: &str, headers: &HeaderMap) -> Option<Value> {
    let domain = service.store.lock().pools.get(pool_id)?.domain.clone();
    let region = service.region();
    let host = request_host(headers);
    let aws_host = format!("cognito-idp.{region}.amazonaws.com");
    let on_aws = host.eq_ignore_ascii_case(&aws_host);
    let base = if on_aws { format!("https://{aws_host}") } else { format!("http://{host}") };
    let mut document = json!({
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": service.issuer(pool_id),
        "jwks_uri": format!("{base}/{pool_id}/.well-known/jwks.json"),
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    });
    if let Some(prefix) = domain {
        let domain_base = if on_aws {
            format!("https://{prefix}.auth.{region}.amazoncognito.com")
        } else {
            format!("{base}/_domain/{prefix}")
        };
        for (member, path) in [
            ("authorization_endpoint", "/oauth2/authorize"),
            ("end_session_endpoint", "/logout"),
            ("revocation_endpoint", "/oauth2/revoke"),
            ("token_endpoint", "/oauth2/token"),
            ("userinfo_endpoint", "/oauth2/userInfo"),
        ] {
            document[member] = json!(format!("{domain_base}{path}"));
        }
    }
    Some(document)
}

/// The `Host` the request names, port included, if it is a plain host name or address; else
/// `localhost`, so that a hostile `Host` cannot shape the URLs the document hands out.
fn request_host(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let plain = (1..=255).contains(&host.len())
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if plain { host.to_owned() } else { "localhost".to_owned() }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn host(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn a_hostile_host_does_not_reach_the_urls() {
        assert_eq!(request_host(&host("127.0.0.1:4000")), "127.0.0.1:4000");
        assert_eq!(request_host(&host("[::1]:4000")), "[::1]:4000");
        assert_eq!(request_host(&host("evil.example/x?")), "localhost");
        assert_eq!(request_host(&host("user@evil.example")), "localhost");
        assert_eq!(request_host(&HeaderMap::new()), "localhost");
    }
}
