//! Minting and reading tokens: RS256 access and ID tokens, and opaque JWE-shaped refresh tokens.
//!
//! Access and ID tokens carry the claims of spec §4.2–4.3. Whether they carry `jti` and
//! `origin_jti` depends on the client's `EnableTokenRevocation` (spec §4.1, Q10): with revocation
//! on, both tokens carry both; with it off, the access token keeps a `jti` and the ID token has
//! neither. Refresh tokens look like Cognito's (spec §4.5) — five base64url segments under the
//! same protected header — and are sealed with AES-256-GCM under a per-instance key, so a client
//! cannot read or forge them and the server needs no lookup table to find their family.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

use super::keys::SigningKey;

/// The protected header of every Cognito refresh token: `{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}`.
pub const REFRESH_HEADER: &str = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ";

/// The scope of tokens from API sign-ins (spec §4.2).
pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Plaintext bytes sealed into a refresh token: 16 identify the family, the rest pads the token to
/// the ~1,780 characters real ones have, so length-sensitive clients meet realistic tokens.
const REFRESH_PLAINTEXT_LEN: usize = 960;

/// Everything that goes into one access/ID token pair.
#[derive(Debug, Clone)]
pub struct MintRequest<'a> {
    /// `https://cognito-idp.<region>.amazonaws.com/<poolId>`.
    pub issuer: &'a str,
    /// The client the tokens are for.
    pub client_id: &'a str,
    /// The Cognito username.
    pub username: &'a str,
    /// The user's `sub`.
    pub sub: Uuid,
    /// User attributes copied into the ID token.
    pub attributes: &'a [(String, String)],
    /// `Some` when the tokens carry `origin_jti` (revocation on).
    pub origin_jti: Option<Uuid>,
    /// Whether the access token carries a `jti`, and whether the ID token does.
    pub jti: JtiClaims,
    /// The `jti`s of the access and ID token, chosen by the caller so a family can remember them.
    pub jtis: [Uuid; 2],
    /// The authentication event.
    pub event_id: Uuid,
    /// The original authentication time.
    pub auth_time: u64,
    /// Issue time.
    pub now: u64,
    /// Access-token lifetime in seconds.
    pub access_validity: u64,
    /// ID-token lifetime in seconds.
    pub id_validity: u64,
}

/// Which tokens carry a `jti`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JtiClaims {
    /// Both tokens (revocation on).
    Both,
    /// The access token only (revocation off; spec Q10).
    AccessOnly,
}

/// A freshly minted pair.
#[derive(Debug, Clone)]
pub struct MintedTokens {
    /// The access token.
    pub access_token: String,
    /// The ID token.
    pub id_token: String,
    /// The access token's `jti` (whether or not it is in the token).
    pub access_jti: Uuid,
    /// The ID token's `jti` (whether or not it is in the token).
    pub id_jti: Uuid,
}

/// Access-token claims, in the order Cognito serialises them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The family key, when revocation is on.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub origin_jti: Option<Uuid>,
    /// The user's `sub`.
    pub sub: Uuid,
    /// The authentication event.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub event_id: Option<Uuid>,
    /// Always `access`.
    pub token_use: String,
    /// Always `aws.cognito.signin.user.admin` for API sign-ins.
    pub scope: String,
    /// Original authentication time.
    pub auth_time: u64,
    /// Issuer.
    pub iss: String,
    /// Expiry.
    pub exp: u64,
    /// Issue time.
    pub iat: u64,
    /// Token id.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub jti: Option<Uuid>,
    /// The client.
    pub client_id: String,
    /// The Cognito username.
    pub username: String,
}

#[derive(Serialize)]
struct IdClaims<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_jti: Option<Uuid>,
    sub: Uuid,
    #[serde(flatten)]
    attributes: BTreeMap<&'a str, Value>,
    iss: &'a str,
    #[serde(rename = "cognito:username")]
    username: &'a str,
    aud: &'a str,
    event_id: Uuid,
    token_use: &'static str,
    auth_time: u64,
    exp: u64,
    iat: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    jti: Option<Uuid>,
}

#[derive(Serialize)]
struct JwsHeader<'a> {
    kid: &'a str,
    alg: &'static str,
}

fn sign_jws(key: &SigningKey, claims: &impl Serialize) -> String {
    let header = serde_json::to_vec(&JwsHeader { kid: &key.kid, alg: "RS256" }).unwrap_or_default();
    let payload = serde_json::to_vec(claims).unwrap_or_default();
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut token);
    let signature = key.sign(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut token);
    token
}

/// Attribute values go into the ID token as Cognito types them: booleans for `*_verified`,
/// strings for everything else (`custom:*` included; spec §4.3).
fn id_attribute(name: &str, value: &str) -> Value {
    match (name, value) {
        ("email_verified" | "phone_number_verified", "true") => Value::Bool(true),
        ("email_verified" | "phone_number_verified", "false") => Value::Bool(false),
        _ => Value::String(value.to_owned()),
    }
}

/// Mints an access token and an ID token.
pub fn mint(request: &MintRequest<'_>, access_key: &SigningKey, id_key: &SigningKey) -> MintedTokens {
    let [access_jti, id_jti] = request.jtis;
    let access = AccessClaims {
        origin_jti: request.origin_jti,
        sub: request.sub,
        event_id: Some(request.event_id),
        token_use: "access".into(),
        scope: ADMIN_SCOPE.into(),
        auth_time: request.auth_time,
        iss: request.issuer.into(),
        exp: request.now + request.access_validity,
        iat: request.now,
        jti: Some(access_jti),
        client_id: request.client_id.into(),
        username: request.username.into(),
    };
    let attributes = request
        .attributes
        .iter()
        .filter(|(name, _)| name != "sub")
        .map(|(name, value)| (name.as_str(), id_attribute(name, value)))
        .collect();
    let id = IdClaims {
        origin_jti: request.origin_jti,
        sub: request.sub,
        attributes,
        iss: request.issuer,
        username: request.username,
        aud: request.client_id,
        event_id: request.event_id,
        token_use: "id",
        auth_time: request.auth_time,
        exp: request.now + request.id_validity,
        iat: request.now,
        jti: (request.jti == JtiClaims::Both).then_some(id_jti),
    };
    MintedTokens { access_token: sign_jws(access_key, &access), id_token: sign_jws(id_key, &id), access_jti, id_jti }
}

/// Why an access token was refused, before any revocation check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessTokenError {
    /// Not a JWT, not ours, bad signature, or not an access token.
    Invalid,
    /// Past its `exp`.
    Expired,
}

/// A JWT's claims as `T`, read without verifying anything.
pub fn unverified_claims<T: serde::de::DeserializeOwned>(token: &str) -> Option<T> {
    let payload = URL_SAFE_NO_PAD.decode(token.split('.').nth(1)?).ok()?;
    serde_json::from_slice(&payload).ok()
}

/// The pool id a JWT claims to come from, read without verifying anything.
pub fn unverified_pool_id(token: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Issuer {
        iss: String,
    }
    let issuer: Issuer = unverified_claims(token)?;
    issuer.iss.rsplit_once('/').map(|(_, pool)| pool.to_owned())
}

/// The `kid` of a JWT, read without verifying anything.
pub fn unverified_kid(token: &str) -> Option<String> {
    jsonwebtoken::decode_header(token).ok()?.kid
}

/// Whether `token` is shaped like a JWS (an access or ID token) rather than a refresh token.
pub fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3 && jsonwebtoken::decode_header(token).is_ok()
}

/// Verifies an access token's signature, expiry, issuer and `token_use`.
pub fn verify_access(token: &str, key: &SigningKey, issuer: &str, now: u64) -> Result<AccessClaims, AccessTokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| AccessTokenError::Invalid)?;
    let (signed, signature) = token.rsplit_once('.').ok_or(AccessTokenError::Invalid)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| AccessTokenError::Invalid)?;
    if header.alg != Algorithm::RS256 || !key.verify(signed.as_bytes(), &signature) {
        return Err(AccessTokenError::Invalid);
    }
    let claims: AccessClaims = unverified_claims(token).ok_or(AccessTokenError::Invalid)?;
    if claims.iss != issuer {
        return Err(AccessTokenError::Invalid);
    }
    if claims.token_use != "access" {
        return Err(AccessTokenError::Invalid);
    }
    if claims.exp <= now {
        return Err(AccessTokenError::Expired);
    }
    Ok(claims)
}

/// Seals and opens refresh tokens with a per-instance AES-256-GCM key.
pub struct RefreshSealer {
    key: LessSafeKey,
    random: SystemRandom,
}

impl std::fmt::Debug for RefreshSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshSealer")
    }
}

/// The sealer could not get randomness from the operating system.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed")]
pub struct RandomnessError;

impl RefreshSealer {
    /// A sealer with a fresh random key.
    pub fn new() -> Result<Self, RandomnessError> {
        let random = SystemRandom::new();
        let mut key = [0u8; 32];
        random.fill(&mut key).map_err(|_| RandomnessError)?;
        let unbound = UnboundKey::new(&AES_256_GCM, &key).map_err(|_| RandomnessError)?;
        Ok(Self { key: LessSafeKey::new(unbound), random })
    }

    /// A refresh token for the family `origin_jti`.
    pub fn seal(&self, origin_jti: Uuid) -> Result<String, RandomnessError> {
        let mut encrypted_key = [0u8; 256];
        let mut nonce = [0u8; NONCE_LEN];
        self.random.fill(&mut encrypted_key).map_err(|_| RandomnessError)?;
        self.random.fill(&mut nonce).map_err(|_| RandomnessError)?;
        let mut plaintext = vec![0u8; REFRESH_PLAINTEXT_LEN];
        plaintext[..16].copy_from_slice(origin_jti.as_bytes());
        let tag = self
            .key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(REFRESH_HEADER), &mut plaintext)
            .map_err(|_| RandomnessError)?;
        let segments = [
            URL_SAFE_NO_PAD.encode(encrypted_key),
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(&plaintext),
            URL_SAFE_NO_PAD.encode(tag.as_ref()),
        ];
        Ok(format!("{REFRESH_HEADER}.{}", segments.join(".")))
    }

    /// The family a refresh token belongs to, if it is one this instance sealed. Any change to
    /// any byte of the token makes it unreadable.
    pub fn open(&self, token: &str) -> Option<Uuid> {
        let mut parts = token.split('.');
        let (Some(header), Some(_encrypted_key), Some(nonce), Some(ciphertext), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        if header != REFRESH_HEADER {
            return None;
        }
        let nonce: [u8; NONCE_LEN] = URL_SAFE_NO_PAD.decode(nonce).ok()?.try_into().ok()?;
        let mut sealed = URL_SAFE_NO_PAD.decode(ciphertext).ok()?;
        if sealed.len() != REFRESH_PLAINTEXT_LEN {
            return None;
        }
        sealed.extend(URL_SAFE_NO_PAD.decode(tag).ok()?);
        let plaintext =
            self.key.open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(REFRESH_HEADER), &mut sealed).ok()?;
        Uuid::from_slice(&plaintext[..16]).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_are_jwe_shaped_and_open_to_their_family() {
        let sealer = RefreshSealer::new().expect("sealer");
        let family = Uuid::new_v4();
        let token = sealer.seal(family).expect("seal");
        assert_eq!(token.split('.').count(), 5);
        assert!(token.starts_with("eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ."));
        assert!((1_700..1_900).contains(&token.len()), "length {}", token.len());
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || "-_=.".contains(c)));
        assert_eq!(sealer.open(&token), Some(family));
    }

    #[test]
    fn tampered_or_foreign_refresh_tokens_do_not_open() {
        let sealer = RefreshSealer::new().expect("sealer");
        let token = sealer.seal(Uuid::new_v4()).expect("seal");
        let mut bytes = token.clone().into_bytes();
        let middle = bytes.len() / 2;
        bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
        assert_eq!(sealer.open(&String::from_utf8(bytes).expect("ascii")), None);
        let other = RefreshSealer::new().expect("sealer");
        assert_eq!(other.open(&token), None);
        assert_eq!(sealer.open("a.b.c.d.e"), None);
        assert_eq!(sealer.open(""), None);
    }
}
