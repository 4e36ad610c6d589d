//! The rehearsal's certificates: a certificate authority made at start, and a server certificate
//! it signs for the names a run reaches — `cognito-idp.<region>.amazonaws.com` and
//! `*.auth.<region>.amazoncognito.com` — so a client that trusts the CA (`--ca-bundle`) checks the
//! real host names exactly as it would against AWS, and a client that does not trust it fails.
//!
//! Keys live only in memory, for the life of the process; only the CA's certificate is written
//! out (`ca.pem`).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// Why the certificates or the TLS configuration could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// rcgen refused the parameters or could not generate a key.
    #[error("cannot make the rehearsal's certificates: {0}")]
    Certificate(#[from] rcgen::Error),
    /// rustls refused the certificate or key.
    #[error("cannot configure TLS: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The host name of Cognito's API in `region`.
pub fn api_host(region: &str) -> String {
    format!("cognito-idp.{region}.amazonaws.com")
}

/// The suffix of hosted-domain names in `region`, dot first: `.auth.<region>.amazoncognito.com`.
pub fn hosted_suffix(region: &str) -> String {
    format!(".auth.{region}.amazoncognito.com")
}

/// A CA and the server certificate it signed.
pub struct Authority {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority").finish_non_exhaustive()
    }
}

impl Authority {
    /// A new CA and a server certificate for `region`'s API and hosted-domain names.
    pub fn generate(region: &str) -> Result<Self, TlsError> {
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.distinguished_name = DistinguishedName::new();
        ca_params.distinguished_name.push(DnType::CommonName, "cognito-conformance rehearsal CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate()?;
        let names = vec![api_host(region), format!("*{}", hosted_suffix(region))];
        let mut params = CertificateParams::new(names)?;
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, api_host(region));
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = params.signed_by(&server_key, &issuer)?;

        Ok(Self {
            ca_pem: ca_cert.pem(),
            chain: vec![server_cert.der().clone(), ca_cert.der().clone()],
            key: PrivatePkcs8KeyDer::from(server_key.serialize_der()),
        })
    }

    /// The CA certificate, PEM-encoded: what a client passes as `--ca-bundle`.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// rustls's server configuration: the server certificate, HTTP/1.1 (all the harness speaks),
    /// the process's crypto provider (ring: the only one the harness's rustls is built with).
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let mut config = ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), PrivateKeyDer::Pkcs8(self.key.clone_key()))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// What the server name a client asked for (SNI) addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addressed {
    /// Cognito's API (or no SNI at all: a client connecting by address).
    Api,
    /// A hosted domain, by prefix (lower case).
    Domain(String),
    /// A name the rehearsal does not answer for.
    Other,
}

/// Classifies a server name (case-insensitive, trailing dot allowed).
pub fn addressed(server_name: Option<&str>, region: &str) -> Addressed {
    let Some(name) = server_name else { return Addressed::Api };
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    if name == api_host(region) {
        return Addressed::Api;
    }
    match name.strip_suffix(&hosted_suffix(region)) {
        Some(prefix) if !prefix.is_empty() && !prefix.contains('.') => Addressed::Domain(prefix.to_owned()),
        _ => Addressed::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_names_are_classified() {
        assert_eq!(addressed(None, "us-east-1"), Addressed::Api);
        assert_eq!(addressed(Some("cognito-idp.us-east-1.amazonaws.com"), "us-east-1"), Addressed::Api);
        assert_eq!(addressed(Some("COGNITO-IDP.US-EAST-1.AMAZONAWS.COM."), "us-east-1"), Addressed::Api);
        assert_eq!(
            addressed(Some("cc-abc.auth.us-east-1.amazoncognito.com"), "us-east-1"),
            Addressed::Domain("cc-abc".into())
        );
        for other in [
            "cognito-idp.eu-west-1.amazonaws.com",
            "sts.amazonaws.com",
            "a.b.auth.us-east-1.amazoncognito.com",
            ".auth.us-east-1.amazoncognito.com",
            "cc-abc.auth.eu-west-1.amazoncognito.com",
        ] {
            assert_eq!(addressed(Some(other), "us-east-1"), Addressed::Other, "{other}");
        }
    }

    #[test]
    fn the_certificates_make_a_server_configuration() {
        let authority = Authority::generate("us-east-1").unwrap();
        assert!(authority.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(authority.server_config().is_ok());
        assert!(!format!("{authority:?}").contains("BEGIN"));
    }
}
