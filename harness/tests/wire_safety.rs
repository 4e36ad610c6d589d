//! The client against hostile or unusual servers: HTTPS with a private CA, redirects that must not
//! be followed, answers larger than the body limit, and target URLs that disguise their host.
//! Everything runs on loopback, through the harness's own client and, where a user would, the
//! binary.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cognito_conformance::reference::ReferenceServer;
use cognito_conformance::wire::{HostedAddressing, Wire, WireError, WireOptions};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BIN: &str = env!("CARGO_BIN_EXE_cognito-conformance");

/// A private CA and a server configuration for a certificate it issued to `127.0.0.1`.
fn private_ca() -> (String, rustls::ServerConfig) {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &issuer)
        .expect("leaf certificate");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    // ring is the only crypto provider built in, so it is the default.
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(leaf.der().to_vec())], key)
        .expect("server config");
    (ca.pem(), config)
}

/// A TLS front for `backend`: any server that speaks the protocol, behind HTTPS.
async fn tls_front(backend: SocketAddr, config: rustls::ServerConfig) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else { return };
                let Ok(mut plain) = TcpStream::connect(backend).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    addr
}

/// The binary with a clean environment: static credentials only, no instance metadata, no
/// shared files of this machine.
fn harness(home: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_ACCESS_KEY_ID", "AKIDWIRESAFETY")
        .env("AWS_SECRET_ACCESS_KEY", "wire-safety-secret-key-not-for-output")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"));
    command
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// A few scenarios through the API and a hosted endpoint.
const FEW: &str = "^(revoke-token-success-kills-refresh-token|oauth-revoke-secret-client-basic-auth)$";

#[tokio::test(flavor = "multi_thread")]
async fn aws_mode_reaches_any_tls_server_trusted_through_a_ca_bundle() {
    let reference = ReferenceServer::start_default().await.expect("reference");
    let (ca_pem, config) = private_ca();
    let front = tls_front(reference.addr(), config).await;
    let home = tempfile::tempdir().expect("temp dir");
    let ca = home.path().join("ca.pem");
    std::fs::write(&ca, &ca_pem).expect("write CA");
    let endpoint = format!("https://127.0.0.1:{}", front.port());
    let args = ["run", "--target", "aws", "--region", "us-east-1", "--create-aws-resources", "--filter", FEW];

    let flag = tokio::task::spawn_blocking({
        let (home, ca, endpoint) = (home.path().to_owned(), ca.clone(), endpoint.clone());
        move || harness(&home).args(args).args(["--endpoint-url", &endpoint, "--ca-bundle"]).arg(ca).output()
    });
    let flag = flag.await.expect("join").expect("run");
    assert_eq!(flag.status.code(), Some(0), "--ca-bundle: {}", text(&flag));
    assert!(text(&flag).contains("2 scenarios: 2 pass"), "{}", text(&flag));

    let env = tokio::task::spawn_blocking({
        let (home, ca, endpoint) = (home.path().to_owned(), ca.clone(), endpoint.clone());
        move || harness(&home).args(args).args(["--endpoint-url", &endpoint]).env("AWS_CA_BUNDLE", ca).output()
    });
    let env = env.await.expect("join").expect("run");
    assert_eq!(env.status.code(), Some(0), "AWS_CA_BUNDLE: {}", text(&env));

    // Without the CA the server is not trusted: nothing can be checked.
    let untrusted = tokio::task::spawn_blocking({
        let (home, endpoint) = (home.path().to_owned(), endpoint.clone());
        move || harness(&home).args(args).args(["--endpoint-url", &endpoint]).output()
    });
    let untrusted = untrusted.await.expect("join").expect("run");
    assert_eq!(untrusted.status.code(), Some(3), "untrusted: {}", text(&untrusted));
    assert!(text(&untrusted).contains("UnknownIssuer"), "untrusted: {}", text(&untrusted));
    for output in [&flag, &env, &untrusted] {
        assert!(!text(output).contains("wire-safety-secret-key"), "the secret key leaked: {}", text(output));
    }
    reference.shutdown().await.expect("shutdown");
}

#[test]
fn a_ca_bundle_without_certificates_is_a_usage_error() {
    let home = tempfile::tempdir().expect("temp dir");
    let bad = home.path().join("bad.pem");
    std::fs::write(&bad, "no certificate here").expect("write");
    let output = harness(home.path()).args(["run", "--ca-bundle"]).arg(&bad).output().expect("run");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("holds no PEM certificate"), "{}", text(&output));
}

/// Answers every request with `answer`, counting connections.
async fn raw_server(answer: &'static [u8]) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer).await;
                let _ = stream.write_all(answer).await;
            });
        }
    });
    (addr, hits)
}

fn wire_to(addr: SocketAddr) -> Wire {
    let options = WireOptions { timeout: Duration::from_secs(5), ..WireOptions::default() };
    Wire::new(&format!("http://{addr}"), "us-east-1", HostedAddressing::HostHeader, options).expect("wire")
}

#[tokio::test]
async fn redirects_are_answers_and_are_never_followed() {
    let (elsewhere, elsewhere_hits) = raw_server(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}").await;
    for status in ["301 Moved Permanently", "302 Found", "307 Temporary Redirect", "308 Permanent Redirect"] {
        let answer = format!(
            "HTTP/1.1 {status}\r\nlocation: http://{elsewhere}/\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        );
        let (redirecting, _) = raw_server(Box::leak(answer.into_boxed_str()).as_bytes()).await;
        let wire = wire_to(redirecting);
        let request = wire.api_request("RevokeToken", br#"{"Token":"secret-token","ClientId":"c"}"#.to_vec());
        let exchange = wire.send(&request).await.expect("an answer");
        assert_eq!(exchange.status.to_string(), status[..3], "{status}");
    }
    assert_eq!(elsewhere_hits.load(Ordering::SeqCst), 0, "a redirect was followed");
}

/// An endless chunked answer: chunks until the client goes away. Returns the bytes written.
async fn endless_server() -> (SocketAddr, tokio::sync::mpsc::UnboundedReceiver<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let sender = sender.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer).await;
                let mut written = 0usize;
                let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ntransfer-encoding: chunked\r\n\r\n";
                if stream.write_all(head).await.is_ok() {
                    let chunk = format!("10000\r\n{}\r\n", "x".repeat(0x10000));
                    // Bounded, so a client that reads forever still ends this test: 4 GiB.
                    while written < 4 << 30 && stream.write_all(chunk.as_bytes()).await.is_ok() {
                        written += 0x10000;
                    }
                }
                let _ = sender.send(written);
            });
        }
    });
    (addr, receiver)
}

#[tokio::test]
async fn an_answer_past_the_body_limit_is_an_error_and_the_rest_is_not_read() {
    let (addr, mut written) = endless_server().await;
    let wire = wire_to(addr);
    let result = wire.send(&wire.api_request("GetUser", b"{}".to_vec())).await;
    assert!(matches!(result, Err(WireError::TooLarge(limit)) if limit == 1024 * 1024), "{result:?}");
    drop(wire);
    // The server stops when the client has gone: it wrote the limit plus what socket buffers hold.
    let total = tokio::time::timeout(Duration::from_secs(30), written.recv()).await.expect("server ended").unwrap();
    assert!(total < 64 << 20, "the client kept reading: {total} bytes");

    // A declared length past the limit is refused before the body is read.
    let (declared, _) =
        raw_server(b"HTTP/1.1 200 OK\r\ncontent-length: 104857600\r\n\r\n{\"this\":\"never ends\"").await;
    let wire = wire_to(declared);
    let result = wire.send(&wire.api_request("GetUser", b"{}".to_vec())).await;
    assert!(matches!(result, Err(WireError::TooLarge(_))), "{result:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_against_an_endless_answer_errors_and_its_report_stays_small() {
    let (addr, _written) = endless_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let output = tokio::task::spawn_blocking({
        let (home, reports) = (dir.path().to_owned(), dir.path().join("reports"));
        move || {
            harness(&home)
                .args(["run", "--target", &format!("http://{addr}"), "--filter", "^revoke-token-success"])
                .arg("--report-dir")
                .arg(reports)
                .output()
        }
    })
    .await
    .expect("join")
    .expect("run");
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    let report = std::fs::read_to_string(dir.path().join("reports/report.json")).expect("report written");
    assert!(report.len() < 100_000, "report of {} bytes", report.len());
    assert!(report.contains("larger than the body limit"), "{report}");
}

#[test]
fn urls_that_disguise_their_host_are_refused() {
    let home = tempfile::tempdir().expect("temp dir");
    for target in ["http://[::1]@0.0.0.0:5000", "http://127.0.0.1:5000@10.0.0.1", "http://u:p@localhost:5000"] {
        let output = harness(home.path()).args(["run", "--target", target]).output().expect("run");
        assert_eq!(output.status.code(), Some(1), "{target}: {}", text(&output));
        let output = harness(home.path())
            .args(["run", "--target", "aws", "--region", "us-east-1", "--endpoint-url", target])
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(1), "--endpoint-url {target}: {}", text(&output));
    }
    // Not loopback and no consent.
    let output = harness(home.path()).args(["run", "--target", "http://0.0.0.0:5000"]).output().expect("run");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("--allow-remote"), "{}", text(&output));
}
