//! Fuzz target `jwt_claims`: [`crate::jwt::decode`], which reads every token a target hands out
//! before a `decode` step or a claim check judges it, and [`crate::jwt::verify_offline`].
//!
//! Input: the token text (non-UTF-8 input is skipped). `@SIGNED@` is replaced by a token the
//! reference's first embedded key signed at start-up (`iss` of pool [`POOL_ID`], `token_use`
//! `access`, expiring in 2100), so mutations of it reach the signature check; every input is
//! verified against that key's JWKS.
//!
//! Properties:
//! - no panic;
//! - what decodes re-encodes: the header and claims, serialised and base64url-encoded again,
//!   decode to equal values;
//! - what verifies decodes: a token `verify_offline` accepts, `decode` reads, to the same claims.

use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::jwt::{decode, verify_offline};
use crate::reference::keys::KeyRing;

/// The pool the signed token and the JWKS belong to.
pub const POOL_ID: &str = "us-east-1_fuzzPool1";

/// The placeholder replaced by the signed token.
const SIGNED: &str = "@SIGNED@";

struct Keys {
    jwks: Value,
    signed: String,
}

static KEYS: LazyLock<Keys> = LazyLock::new(|| {
    let ring = KeyRing::embedded().expect("the embedded keys load");
    let key = ring.get(0);
    let header = json!({ "kid": key.kid, "alg": "RS256" });
    let claims = json!({
        "sub": "7d5b2a9e-0000-4000-8000-000000000001",
        "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}"),
        "client_id": "fuzzclient",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "exp": 4_102_444_800_u64,
        "iat": 1_700_000_000_u64,
        "username": "fuzz-user",
    });
    let message = format!("{}.{}", encode(&header), encode(&claims));
    let signed = format!("{message}.{}", URL_SAFE_NO_PAD.encode(key.sign(message.as_bytes())));
    Keys { jwks: ring.jwks(&[0]), signed }
});

fn encode(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap_or_default())
}

/// Runs one input; see the module docs.
pub fn jwt_claims(data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let keys = &*KEYS;
    let token = token.replace(SIGNED, &keys.signed);
    let decoded = decode(&token);
    if let Ok(decoded) = &decoded {
        let again = format!("{}.{}.sig", encode(&decoded.header), encode(&decoded.claims));
        match decode(&again) {
            Ok(again) => assert_eq!(&again, decoded, "decoding the re-encoded header and claims of {token:?}"),
            Err(error) => panic!("the re-encoded header and claims of {token:?} do not decode: {error}"),
        }
    }
    if let Ok(claims) = verify_offline(&token, &keys.jwks, POOL_ID) {
        match &decoded {
            Ok(decoded) => assert_eq!(decoded.claims, claims, "decoded and verified claims of {token:?} differ"),
            Err(error) => panic!("{token:?} verifies offline but does not decode: {error}"),
        }
    }
}
