//! The reference target's RSA signing keys and the JWKS that publishes them (spec §4.4).
//!
//! Generating RSA-2048 keys costs tens of milliseconds each, which would blow the start-up budget
//! (ready within 20 ms) and slow every CreateUserPool. So the reference signs with six fixed test
//! keys compiled into the binary. They are published here and must never protect anything real.
//! Each pool gets two of them — one for access tokens, one for ID tokens, so their `kid`s differ as
//! on AWS — and keeps them for life unless the `rotate-keys-on-revoke` fault moves it on.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::DecodingKey;
use ring::rand::SystemRandom;
use ring::rsa::PublicKeyComponents;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const PEMS: [&str; 6] = [
    include_str!("keys/key0.pem"),
    include_str!("keys/key1.pem"),
    include_str!("keys/key2.pem"),
    include_str!("keys/key3.pem"),
    include_str!("keys/key4.pem"),
    include_str!("keys/key5.pem"),
];

/// Why the embedded keys could not be loaded (only a corrupted build can cause it).
#[derive(Debug, thiserror::Error)]
#[error("embedded signing key {index} is unusable: {reason}")]
pub struct KeyError {
    index: usize,
    reason: String,
}

/// One RSA key pair with its public JWK.
///
/// Signing uses ring: its blinding draws from the OS random source, while aws-lc's first use of
/// its own generator spends ~100 ms collecting jitter entropy — measured, and too slow for a
/// target that must answer within 20 ms of start.
pub struct SigningKey {
    /// The `kid`: standard base64 of SHA-256 over the modulus, shaped like Cognito's.
    pub kid: String,
    pair: RsaKeyPair,
    public: PublicKeyComponents<Vec<u8>>,
    decoding: DecodingKey,
    jwk: Value,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    fn from_pem(index: usize, pem: &str) -> Result<Self, KeyError> {
        let error = |reason: String| KeyError { index, reason };
        let body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
        let der = STANDARD.decode(body.trim()).map_err(|e| error(e.to_string()))?;
        let pair = RsaKeyPair::from_pkcs8(&der).map_err(|e| error(e.to_string()))?;
        let components = PublicKeyComponents::<Vec<u8>>::from(pair.public());
        let n = URL_SAFE_NO_PAD.encode(&components.n);
        let e = URL_SAFE_NO_PAD.encode(&components.e);
        let kid = STANDARD.encode(Sha256::digest(&components.n));
        let decoding = DecodingKey::from_rsa_components(&n, &e).map_err(|e| error(e.to_string()))?;
        let jwk = json!({ "alg": "RS256", "e": e, "kid": kid, "kty": "RSA", "n": n, "use": "sig" });
        Ok(Self { kid, pair, public: components, decoding, jwk })
    }

    /// Signs `message` with RSASSA-PKCS1-v1_5 / SHA-256 (RS256).
    ///
    /// The parsed key pair is kept and reused: re-parsing the private key for every token (as
    /// `jsonwebtoken::encode` does) would add a measurable share to the cost of each sign-in.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut signature = vec![0; self.pair.public().modulus_len()];
        // Signing with a valid key into a buffer of the modulus length cannot fail.
        if self.pair.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut signature).is_err() {
            signature.clear();
        }
        signature
    }

    /// Whether `signature` is this key's RS256 signature over `message`.
    ///
    /// With ring, as signing is: jsonwebtoken's RustCrypto backend took a third of the CPU of a
    /// fuzz run (every GetUser verifies), ring verifies about five times faster.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.public.verify(&RSA_PKCS1_2048_8192_SHA256, message, signature).is_ok()
    }

    /// The key for verifying this key's signatures with `jsonwebtoken`.
    pub fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> &Value {
        &self.jwk
    }
}

/// All signing keys of one reference instance.
#[derive(Debug)]
pub struct KeyRing {
    keys: Vec<SigningKey>,
}

impl KeyRing {
    /// Loads the embedded keys (well under a millisecond).
    pub fn embedded() -> Result<Self, KeyError> {
        let keys =
            PEMS.iter().enumerate().map(|(index, pem)| SigningKey::from_pem(index, pem)).collect::<Result<_, _>>()?;
        Ok(Self { keys })
    }

    /// The key at `index`, wrapping around the ring.
    pub fn get(&self, index: usize) -> &SigningKey {
        &self.keys[index % self.keys.len()]
    }

    /// How many keys the ring holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the ring is empty (never, for the embedded ring).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key whose `kid` is `kid`, among `candidates` (indices into the ring).
    pub fn find(&self, kid: &str, candidates: &[usize]) -> Option<&SigningKey> {
        candidates.iter().map(|index| self.get(*index)).find(|key| key.kid == kid)
    }

    /// A JWKS document publishing the keys at `indices`.
    pub fn jwks(&self, indices: &[usize]) -> Value {
        json!({ "keys": indices.iter().map(|index| self.get(*index).jwk().clone()).collect::<Vec<_>>() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{Algorithm, Validation};

    #[test]
    fn embedded_keys_load_with_distinct_kids() {
        let ring = KeyRing::embedded().expect("embedded keys");
        let kids: std::collections::BTreeSet<_> = (0..ring.len()).map(|i| ring.get(i).kid.clone()).collect();
        assert_eq!(kids.len(), ring.len());
        assert!(kids.iter().all(|kid| kid.len() == 44));
    }

    #[test]
    fn signatures_verify_with_the_published_components() {
        let ring = KeyRing::embedded().expect("embedded keys");
        let key = ring.get(1);
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#);
        let claims = URL_SAFE_NO_PAD.encode(br#"{"sub":"x"}"#);
        let message = format!("{header}.{claims}");
        let token = format!("{message}.{}", URL_SAFE_NO_PAD.encode(key.sign(message.as_bytes())));
        let mut validation = Validation::new(Algorithm::RS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key.jwk().clone()).expect("jwk");
        let from_jwk = DecodingKey::from_jwk(&jwk).expect("decoding key");
        assert!(jsonwebtoken::decode::<Value>(&token, &from_jwk, &validation).is_ok());
        let other = ring.get(2).decoding_key();
        assert!(jsonwebtoken::decode::<Value>(&token, other, &validation).is_err());
    }
}
