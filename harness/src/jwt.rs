//! JWTs as the runner sees them: decoding without trust, and offline verification as a relying
//! party would do it (spec §4.4): signature against the pool's JWKS, `exp`, `iss`, `token_use`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

/// A JWT's header and claims, read without verification.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The JOSE header.
    pub header: Value,
    /// The claims.
    pub claims: Value,
}

/// Why a token could not be decoded or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JwtError(pub String);

fn segment(token: &str, index: usize) -> Result<Value, JwtError> {
    let part = token.split('.').nth(index).ok_or_else(|| JwtError("not a JWT: too few segments".into()))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| JwtError(format!("segment {} is not base64url", index + 1)))?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError(format!("segment {} is not JSON", index + 1)))
}

/// Decodes a JWS's header and claims without checking anything.
pub fn decode(token: &str) -> Result<Decoded, JwtError> {
    if token.split('.').count() != 3 {
        return Err(JwtError(format!("not a JWS: {} segments", token.split('.').count())));
    }
    Ok(Decoded { header: segment(token, 0)?, claims: segment(token, 1)? })
}

/// Verifies `token` against `jwks` as a relying party would: RS256 signature by the key its `kid`
/// names, `exp` in the future, `iss` ending in `/<pool_id>`, `token_use` of `access` or `id`.
/// Returns the claims.
pub fn verify_offline(token: &str, jwks: &Value, pool_id: &str) -> Result<Value, JwtError> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| JwtError(format!("bad header: {e}")))?;
    let kid = header.kid.ok_or_else(|| JwtError("no kid in the header".into()))?;
    let set: JwkSet = serde_json::from_value(jwks.clone()).map_err(|e| JwtError(format!("bad JWKS: {e}")))?;
    let jwk = set.find(&kid).ok_or_else(|| JwtError(format!("kid {kid} is not in the pool's JWKS")))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| JwtError(format!("unusable JWK: {e}")))?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "iss"]);
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map_err(|e| JwtError(format!("verification failed: {e}")))?
        .claims;
    let issuer = claims.get("iss").and_then(Value::as_str).unwrap_or_default();
    if !issuer.ends_with(&format!("/{pool_id}")) {
        return Err(JwtError(format!("iss {issuer} is not the pool's")));
    }
    match claims.get("token_use").and_then(Value::as_str) {
        Some("access" | "id") => Ok(claims),
        other => Err(JwtError(format!("token_use {other:?} is neither access nor id"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_needs_three_json_segments() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k"}"#);
        let claims = URL_SAFE_NO_PAD.encode(br#"{"sub":"s"}"#);
        let decoded = decode(&format!("{header}.{claims}.sig")).unwrap();
        assert_eq!(decoded.claims["sub"], "s");
        assert!(decode("a.b").is_err());
        assert!(decode("a.b.c.d.e").is_err());
        assert!(decode(&format!("{header}.!!!.sig")).is_err());
    }

    /// Found by the `jwt_claims` fuzz target: without serde_json's `float_roundtrip`, a claim
    /// such as 123456779012345678901234567890 decoded one ULP off, so decoding the re-encoded
    /// claims gave a different number.
    #[test]
    fn claims_decode_exactly_and_round_trip() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let claims = URL_SAFE_NO_PAD.encode(br#"{"big":123456779012345678901234567890,"f":0.30000000000000004}"#);
        let decoded = decode(&format!("{header}.{claims}.")).unwrap();
        let exact: f64 = "123456779012345678901234567890".parse().unwrap();
        assert_eq!(decoded.claims["big"].as_f64(), Some(exact));
        let again = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&decoded.claims).unwrap());
        assert_eq!(decode(&format!("{header}.{again}.")).unwrap(), decoded);
    }

    #[test]
    fn verification_refuses_unknown_kids_and_garbage() {
        let jwks = serde_json::json!({ "keys": [] });
        assert!(verify_offline("x.y.z", &jwks, "p").is_err());
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k"}"#);
        let claims = URL_SAFE_NO_PAD.encode(br#"{"sub":"s"}"#);
        let error = verify_offline(&format!("{header}.{claims}.c2ln"), &jwks, "p").unwrap_err();
        assert!(error.0.contains("not in the pool's JWKS"), "{error}");
    }
}
