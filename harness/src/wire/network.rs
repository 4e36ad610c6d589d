//! How the harness reaches a target over the network: which certificate authorities it trusts,
//! and — for rehearsals only — where AWS's host names resolve.
//!
//! Both HTTP clients of a run are built from one [`Network`]: the harness's own (reqwest, for
//! Cognito's API and hosted endpoints) and the credential chain's (aws-config, for STS, IAM
//! Identity Center and the container and instance endpoints). So a corporate proxy's CA given
//! with `--ca-bundle` or `AWS_CA_BUNDLE`, as the AWS CLI takes it, is trusted by both, and a
//! rehearsal sends both to the same loopback stand-in.
//!
//! A *rehearsal* runs `--target aws` against a stand-in on loopback through the very code path a
//! real run takes: real host names, SNI, TLS, SigV4. Only the resolver differs: every name under
//! `amazonaws.com` or `amazoncognito.com` resolves to the rehearsal's address, and every other
//! name fails to resolve, so a rehearsal cannot reach anything else by accident.

#[cfg(feature = "aws")]
use std::net::IpAddr;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[cfg(feature = "aws")]
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
#[cfg(feature = "aws")]
use aws_smithy_runtime_api::client::dns::{DnsFuture, ResolveDns, ResolveDnsError};
#[cfg(feature = "aws")]
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The DNS suffixes of the names a rehearsal answers for: Cognito's API
/// (`cognito-idp.<region>.amazonaws.com`), its hosted domains
/// (`<prefix>.auth.<region>.amazoncognito.com`), and the services the credential chain calls
/// (STS, IAM Identity Center).
const AWS_SUFFIXES: [&str; 2] = [".amazonaws.com", ".amazoncognito.com"];

/// Why the network settings cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum NetworkError {
    /// The CA bundle could not be read.
    #[error("cannot read the CA bundle {path}: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The CA bundle holds no usable certificate.
    #[error("the CA bundle {path} holds no PEM certificate{reason}")]
    NoCertificate {
        /// The file.
        path: PathBuf,
        /// What the PEM reader said, if anything.
        reason: String,
    },
    /// A certificate of the bundle cannot serve as a trust anchor (the credential chain's TLS
    /// client would refuse it when it first connects).
    #[error("the CA bundle {path} holds a certificate that cannot be trusted as a root: {reason}")]
    Unusable {
        /// The file.
        path: PathBuf,
        /// Why, as rustls says it.
        reason: String,
    },
}

/// Extra certificate authorities to trust, from a PEM file.
#[derive(Clone)]
pub struct CaBundle {
    path: PathBuf,
    pem: Vec<u8>,
    certificates: Vec<CertificateDer<'static>>,
}

impl std::fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaBundle").field("path", &self.path).field("certificates", &self.certificates.len()).finish()
    }
}

impl CaBundle {
    /// Reads a PEM bundle (one or more `CERTIFICATE` blocks; other blocks are ignored, as the
    /// AWS CLI ignores them).
    pub fn load(path: &Path) -> Result<Self, NetworkError> {
        let pem = std::fs::read(path)
            .map_err(|error| NetworkError::Unreadable { path: path.to_owned(), reason: error.to_string() })?;
        Self::from_pem(path, pem)
    }

    /// A bundle from PEM bytes; `path` names it in messages.
    pub fn from_pem(path: &Path, pem: Vec<u8>) -> Result<Self, NetworkError> {
        let certificates = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| NetworkError::NoCertificate { path: path.to_owned(), reason: format!(": {error}") })?;
        if certificates.is_empty() {
            return Err(NetworkError::NoCertificate { path: path.to_owned(), reason: String::new() });
        }
        // Checked now, because aws-smithy-http-client panics on a certificate it cannot add.
        let mut roots = rustls::RootCertStore::empty();
        for certificate in &certificates {
            roots
                .add(certificate.clone())
                .map_err(|error| NetworkError::Unusable { path: path.to_owned(), reason: error.to_string() })?;
        }
        Ok(Self { path: path.to_owned(), pem, certificates })
    }

    /// The certificates, DER-encoded.
    pub fn certificates(&self) -> &[CertificateDer<'static>] {
        &self.certificates
    }

    /// The bundle as read.
    pub fn pem(&self) -> &[u8] {
        &self.pem
    }
}

/// How the harness's clients reach the network. The default trusts the platform's roots and
/// Mozilla's (webpki) roots, and resolves names through the system.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// Certificate authorities trusted besides the built-in roots (`--ca-bundle`,
    /// `AWS_CA_BUNDLE`).
    pub ca_bundle: Option<CaBundle>,
    /// Rehearsals only: the stand-in every AWS host name resolves to (`--rehearsal`).
    pub rehearsal: Option<SocketAddr>,
}

/// Whether `name` is a host name a rehearsal answers for (case-insensitive, a trailing dot
/// allowed).
pub fn is_aws_host(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    AWS_SUFFIXES.iter().any(|suffix| name.ends_with(suffix) && name.len() > suffix.len())
}

/// The resolver of a rehearsal: AWS host names go to the stand-in, every other name fails.
#[derive(Debug, Clone, Copy)]
pub struct RehearsalResolver {
    addr: SocketAddr,
}

impl RehearsalResolver {
    /// A resolver sending AWS host names to `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        Self { addr }
    }

    fn lookup(&self, name: &str) -> Result<SocketAddr, String> {
        if is_aws_host(name) {
            Ok(self.addr)
        } else {
            Err(format!("rehearsal: `{name}` is not an AWS host name, so it does not resolve"))
        }
    }
}

impl reqwest::dns::Resolve for RehearsalResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        // The address keeps the rehearsal's port: for a URL without an explicit port, hyper
        // connects to the port the resolver gives.
        let found = self.lookup(name.as_str());
        Box::pin(async move {
            match found {
                Ok(addr) => Ok(Box::new(std::iter::once(addr)) as reqwest::dns::Addrs),
                Err(reason) => Err(reason.into()),
            }
        })
    }
}

#[cfg(feature = "aws")]
impl ResolveDns for RehearsalResolver {
    fn resolve_dns<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        // This interface carries no port: the credential chain's requests reach the rehearsal's
        // port through the endpoint overrides the SDK documents (`AWS_ENDPOINT_URL_STS`, …).
        let found: Result<Vec<IpAddr>, ResolveDnsError> =
            self.lookup(name).map(|addr| vec![addr.ip()]).map_err(ResolveDnsError::new);
        DnsFuture::ready(found)
    }
}

impl Network {
    /// Applies these settings to a reqwest client: built-in roots, the CA bundle, the rehearsal's
    /// resolver.
    pub fn configure(&self, mut builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        builder = builder.use_rustls_tls().tls_built_in_webpki_certs(true).tls_built_in_native_certs(true);
        if let Some(bundle) = &self.ca_bundle {
            for certificate in bundle.certificates() {
                // Only wraps bytes that already parsed as a certificate.
                if let Ok(certificate) = reqwest::Certificate::from_der(certificate.as_ref()) {
                    builder = builder.add_root_certificate(certificate);
                }
            }
        }
        if let Some(addr) = self.rehearsal {
            builder = builder.dns_resolver(Arc::new(RehearsalResolver::new(addr)));
        }
        builder
    }

    /// The HTTPS client of the credential chain (aws-config): rustls with the platform's roots and
    /// the CA bundle, and the rehearsal's resolver.
    #[cfg(feature = "aws")]
    pub fn credentials_http_client(&self) -> SharedHttpClient {
        let mut trust = TrustStore::default().with_native_roots(true);
        if let Some(bundle) = &self.ca_bundle {
            trust = trust.with_pem_certificate(bundle.pem().to_vec());
        }
        let builder = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring));
        let builder = match TlsContext::builder().with_trust_store(trust).build() {
            Ok(context) => builder.tls_context(context),
            Err(_) => builder,
        };
        match self.rehearsal {
            Some(addr) => builder.build_with_resolver(RehearsalResolver::new(addr)),
            None => builder.build_https(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_aws_host_names_are_rehearsed() {
        for name in [
            "cognito-idp.us-east-1.amazonaws.com",
            "cc-abc.auth.eu-west-1.amazoncognito.com",
            "sts.amazonaws.com",
            "COGNITO-IDP.US-EAST-1.AMAZONAWS.COM.",
        ] {
            assert!(is_aws_host(name), "{name}");
        }
        for name in ["amazonaws.com", "example.com", "amazonaws.com.evil.example", "localhost", "evilamazonaws.com"] {
            assert!(!is_aws_host(name), "{name}");
        }
    }

    #[test]
    fn a_bundle_without_certificates_is_refused() {
        let path = Path::new("bundle.pem");
        assert!(matches!(CaBundle::from_pem(path, b"not pem".to_vec()), Err(NetworkError::NoCertificate { .. })));
        let garbage = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec();
        assert!(matches!(CaBundle::from_pem(path, garbage), Err(NetworkError::Unusable { .. })));
        let missing = CaBundle::load(Path::new("/nonexistent/cognito-conformance/ca.pem"));
        assert!(matches!(missing, Err(NetworkError::Unreadable { .. })));
    }
}
