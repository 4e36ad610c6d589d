//! The wire client retries throttling and nothing else, gives up after its bound, and times out
//! a target that never answers — against small loopback servers that misbehave on purpose.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use cognito_conformance::wire::{HostedAddressing, Wire, WireError, WireOptions};

/// Serves `answer(n)` for the n-th request (0-based) and counts requests.
async fn serve(answer: fn(usize) -> (StatusCode, &'static str)) -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let app = Router::new().fallback(move || {
        let counter = counter.clone();
        async move { answer(counter.fetch_add(1, Ordering::SeqCst)).into_response() }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), count)
}

fn options() -> WireOptions {
    WireOptions {
        timeout: Duration::from_secs(5),
        throttle_retries: 3,
        backoff: Duration::from_millis(1),
        ..WireOptions::default()
    }
}

const THROTTLED: &str = r#"{"__type":"TooManyRequestsException","message":"Rate exceeded"}"#;

#[tokio::test]
async fn throttling_is_retried_until_it_clears() {
    let (endpoint, count) =
        serve(|n| if n < 2 { (StatusCode::BAD_REQUEST, THROTTLED) } else { (StatusCode::OK, "{}") }).await;
    let wire = Wire::new(&endpoint, "us-east-1", HostedAddressing::HostHeader, options()).expect("wire");
    let exchange = wire.send(&wire.api_request("ListUserPools", b"{}".to_vec())).await.expect("answer");
    assert_eq!(exchange.status, 200);
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn retries_are_bounded() {
    let (endpoint, count) = serve(|_| (StatusCode::TOO_MANY_REQUESTS, "slow down")).await;
    let wire = Wire::new(&endpoint, "us-east-1", HostedAddressing::HostHeader, options()).expect("wire");
    let exchange = wire.send(&wire.api_request("ListUserPools", b"{}".to_vec())).await.expect("answer");
    assert_eq!(exchange.status, 429, "the last throttled answer is returned");
    assert_eq!(count.load(Ordering::SeqCst), 4, "one try and three retries");
}

#[tokio::test]
async fn server_errors_and_other_client_errors_are_not_retried() {
    for answer in
        [(|_| (StatusCode::INTERNAL_SERVER_ERROR, r#"{"__type":"InternalErrorException"}"#)) as fn(usize) -> _, |_| {
            (StatusCode::BAD_REQUEST, r#"{"__type":"NotAuthorizedException"}"#)
        }]
    {
        let (endpoint, count) = serve(answer).await;
        let wire = Wire::new(&endpoint, "us-east-1", HostedAddressing::HostHeader, options()).expect("wire");
        wire.send(&wire.api_request("GetUser", b"{}".to_vec())).await.expect("answer");
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test]
async fn a_target_that_never_answers_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    // Accept connections and hold them open without ever answering.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let options = WireOptions { timeout: Duration::from_millis(200), ..options() };
    let wire = Wire::new(&endpoint, "us-east-1", HostedAddressing::HostHeader, options).expect("wire");
    let error = wire.send(&wire.api_request("GetUser", b"{}".to_vec())).await.expect_err("no answer");
    assert!(matches!(error, WireError::Timeout(_)), "{error:?}");
}

#[tokio::test]
async fn a_closed_port_is_a_connection_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let wire = Wire::new(&format!("http://127.0.0.1:{port}"), "us-east-1", HostedAddressing::HostHeader, options())
        .expect("wire");
    let error = wire.send(&wire.api_request("GetUser", b"{}".to_vec())).await.expect_err("refused");
    assert!(matches!(error, WireError::Connect(_)), "{error:?}");
}
