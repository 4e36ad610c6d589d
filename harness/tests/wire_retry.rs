//! The wire client against wiremock servers that misbehave on purpose: it retries throttling
//! and nothing else, with a backoff that grows from its base and is jittered, gives up after its
//! bound and hands back the last throttled answer, times out a target that never answers without
//! retrying it, and signs admin operations and only them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cognito_conformance::wire::sigv4::Signer;
use cognito_conformance::wire::{HostedAddressing, Wire, WireError, WireOptions};
use parking_lot::Mutex;
use wiremock::matchers::{header, header_exists, header_regex, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const AMZ_JSON: &str = "application/x-amz-json-1.1";
const THROTTLED: &str = r#"{"__type":"TooManyRequestsException","message":"Rate exceeded"}"#;

/// Fast options: three retries of a 1 ms backoff, a timeout nothing here should reach unless
/// it means to.
fn options() -> WireOptions {
    WireOptions {
        timeout: Duration::from_secs(2),
        throttle_retries: 3,
        backoff: Duration::from_millis(1),
        ..WireOptions::default()
    }
}

fn wire(server: &MockServer, options: WireOptions) -> Wire {
    Wire::new(&server.uri(), "us-east-1", HostedAddressing::HostHeader, options).expect("wire")
}

fn aws_json(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), AMZ_JSON)
}

fn throttled() -> ResponseTemplate {
    aws_json(400, THROTTLED)
}

async fn send(wire: &Wire, operation: &str) -> Result<cognito_conformance::wire::Exchange, WireError> {
    wire.send(&wire.api_request(operation, br#"{"MaxResults":1}"#.to_vec())).await
}

#[tokio::test]
async fn throttling_is_retried_until_it_clears() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(throttled()).up_to_n_times(2).expect(2).mount(&server).await;
    Mock::given(method("POST")).respond_with(aws_json(200, "{}")).expect(1).mount(&server).await;

    let exchange = send(&wire(&server, options()), "ListUserPools").await.expect("answer");

    assert_eq!(exchange.status, 200);
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.body == requests[0].body && r.headers == requests[0].headers), "same request");
}

/// Each form in which a throttle arrives is retried: `__type` bare or namespaced, the
/// `x-amzn-ErrorType` header alone (suffix and all), HTTP 429 whatever the body, and the generic
/// `ThrottlingException` of AWS front ends.
#[tokio::test]
async fn every_form_of_throttling_is_recognised() {
    let forms = [
        ("__type", throttled()),
        (
            "namespaced __type",
            aws_json(400, r#"{"__type":"com.amazonaws.cognito.identity.idp.model#TooManyRequestsException"}"#),
        ),
        (
            "x-amzn-ErrorType header",
            aws_json(400, r#"{"message":"Rate exceeded"}"#)
                .insert_header("x-amzn-ErrorType", "TooManyRequestsException:http://internal.amazon.com/coral/"),
        ),
        ("HTTP 429", ResponseTemplate::new(429).set_body_string("slow down")),
        ("generic ThrottlingException", aws_json(400, r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#)),
    ];
    for (form, response) in forms {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(response).up_to_n_times(1).mount(&server).await;
        Mock::given(method("POST")).respond_with(aws_json(200, "{}")).mount(&server).await;

        let exchange = send(&wire(&server, options()), "ListUserPools").await.expect("answer");

        assert_eq!(exchange.status, 200, "{form}");
        assert_eq!(server.received_requests().await.expect("recorded").len(), 2, "{form}");
    }
}

#[tokio::test]
async fn throttling_forever_gives_up_after_the_bound_with_the_last_answer() {
    for retries in [0, 3] {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(throttled()).expect(1 + u64::from(retries)).mount(&server).await;

        let options = WireOptions { throttle_retries: retries, ..options() };
        let exchange =
            send(&wire(&server, options), "ListUserPools").await.expect("the throttled answer, not an error");

        assert_eq!(exchange.status, 400);
        assert_eq!(exchange.error_type().as_deref(), Some("TooManyRequestsException"));
        assert!(exchange.is_throttled());
        assert_eq!(server.received_requests().await.expect("recorded").len(), 1 + retries as usize);
    }
}

#[tokio::test]
async fn server_errors_and_other_errors_are_not_retried() {
    let answers = [
        (500, r#"{"__type":"InternalErrorException","message":"boom"}"#),
        (503, ""),
        (400, r#"{"__type":"NotAuthorizedException","message":"Invalid Refresh Token"}"#),
        (400, r#"{"__type":"LimitExceededException"}"#),
    ];
    for (status, body) in answers {
        let answer = aws_json(status, body);
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(answer).expect(1).mount(&server).await;

        let exchange = send(&wire(&server, options()), "GetUser").await.expect("answer");

        assert_eq!(exchange.status, status);
        assert_eq!(server.received_requests().await.expect("recorded").len(), 1, "HTTP {status}");
    }
}

#[tokio::test]
async fn a_target_that_hangs_times_out_in_bounded_time_without_retry() {
    let server = MockServer::start().await;
    // Throttled, were it ever to arrive: a retry would show here.
    Mock::given(method("POST"))
        .respond_with(throttled().set_delay(Duration::from_secs(30)))
        .expect(1)
        .mount(&server)
        .await;
    let timeout = Duration::from_millis(200);
    let wire = wire(&server, WireOptions { timeout, ..options() });

    let started = Instant::now();
    let error = send(&wire, "GetUser").await.expect_err("no answer");

    assert!(matches!(error, WireError::Timeout(t) if t == timeout), "{error:?}");
    assert!(started.elapsed() >= timeout);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn a_slow_answer_within_the_timeout_is_an_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(aws_json(200, "{}").set_delay(Duration::from_millis(100)))
        .expect(1)
        .mount(&server)
        .await;

    let exchange = send(&wire(&server, options()), "GetUser").await.expect("answer");

    assert_eq!(exchange.status, 200);
    assert!(exchange.elapsed >= Duration::from_millis(100));
}

#[tokio::test]
async fn a_closed_port_is_a_connection_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let wire = Wire::new(&format!("http://127.0.0.1:{port}"), "us-east-1", HostedAddressing::HostHeader, options())
        .expect("wire");

    let started = Instant::now();
    let error = send(&wire, "GetUser").await.expect_err("refused");

    assert!(matches!(error, WireError::Connect(_)), "{error:?}");
    assert!(error.to_string().starts_with("cannot connect"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

/// Answers every request with a throttle and notes when each arrived, keyed by its body.
async fn throttling_server_with_clock() -> (MockServer, Arc<Mutex<Vec<(Vec<u8>, Instant)>>>) {
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let clock = arrivals.clone();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(move |request: &Request| {
            clock.lock().push((request.body.clone(), Instant::now()));
            throttled()
        })
        .mount(&server)
        .await;
    (server, arrivals)
}

/// The n-th retry waits `base · 2ⁿ⁻¹ · j`, with `j` in [0.5, 1.5): each gap is at least its
/// lower bound, the third gap's lower bound (2·base) is above the first's upper bound
/// (1.5·base), and the whole run stays under the sum of the upper bounds plus slack.
#[tokio::test]
async fn the_backoff_grows_from_its_base_and_is_bounded() {
    let base = Duration::from_millis(20);
    let (server, arrivals) = throttling_server_with_clock().await;
    let wire = wire(&server, WireOptions { backoff: base, throttle_retries: 3, ..options() });

    let started = Instant::now();
    send(&wire, "ListUserPools").await.expect("answer");
    let elapsed = started.elapsed();

    let arrivals: Vec<Instant> = arrivals.lock().iter().map(|(_, at)| *at).collect();
    assert_eq!(arrivals.len(), 4);
    let gaps: Vec<Duration> = arrivals.windows(2).map(|pair| pair[1] - pair[0]).collect();
    assert!(gaps[0] >= base / 2, "{gaps:?}");
    assert!(gaps[1] >= base, "{gaps:?}");
    assert!(gaps[2] >= base * 2, "{gaps:?}");
    assert!(gaps[2] > base.mul_f64(1.5), "the third wait outgrows any first wait: {gaps:?}");
    let upper = base.mul_f64(1.5) * (1 + 2 + 4);
    assert!(elapsed < upper + Duration::from_secs(1), "{elapsed:?} against {upper:?} of backoff");
}

/// Twelve throttled-once calls at the same time: each single backoff lies in
/// [0.5·base, 1.5·base) and they are not all alike. Twelve draws of a uniform jitter all within
/// a quarter of its range has odds of about 2 in a million.
#[tokio::test]
async fn the_backoff_is_jittered() {
    let base = Duration::from_millis(40);
    let (server, arrivals) = throttling_server_with_clock().await;
    let wire = wire(&server, WireOptions { backoff: base, throttle_retries: 1, ..options() });

    let mut calls = tokio::task::JoinSet::new();
    for n in 0..12 {
        let wire = wire.clone();
        calls
            .spawn(async move { wire.send(&wire.api_request("ListUserPools", format!("{{\"n\":{n}}}").into())).await });
    }
    while let Some(result) = calls.join_next().await {
        assert!(result.expect("joined").expect("answer").is_throttled());
    }

    let arrivals = arrivals.lock().clone();
    assert_eq!(arrivals.len(), 24);
    let mut waits = Vec::new();
    for n in 0..12 {
        let body = format!("{{\"n\":{n}}}").into_bytes();
        let times: Vec<Instant> = arrivals.iter().filter(|(b, _)| *b == body).map(|(_, at)| *at).collect();
        assert_eq!(times.len(), 2, "call {n}");
        waits.push(times[1] - times[0]);
    }
    let (shortest, longest) = (waits.iter().min().copied(), waits.iter().max().copied());
    let (shortest, longest) = (shortest.expect("waits"), longest.expect("waits"));
    assert!(shortest >= base / 2, "{waits:?}");
    assert!(longest < base.mul_f64(1.5) + Duration::from_millis(500), "{waits:?}");
    assert!(longest - shortest >= base / 4, "no jitter: {waits:?}");
}

const SIGNED: &str = r"^AWS4-HMAC-SHA256 Credential=test/\d{8}/us-east-1/cognito-idp/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$";

#[tokio::test]
async fn admin_operations_are_signed_on_the_wire() {
    let server = MockServer::start().await;
    let admin = ["AdminInitiateAuth", "AdminUserGlobalSignOut", "ListUserPools"];
    for operation in admin {
        Mock::given(method("POST"))
            .and(path("/"))
            .and(header("x-amz-target", format!("AWSCognitoIdentityProviderService.{operation}").as_str()))
            .and(header("content-type", AMZ_JSON))
            .and(header_regex("authorization", SIGNED))
            .and(header_regex("x-amz-date", r"^\d{8}T\d{6}Z$"))
            .respond_with(aws_json(200, "{}"))
            .expect(1)
            .mount(&server)
            .await;
    }
    let wire = wire(&server, options()).with_signer(Signer::dummy("us-east-1"));

    for operation in admin {
        assert_eq!(send(&wire, operation).await.expect("answer").status, 200, "{operation}");
    }
}

#[tokio::test]
async fn public_operations_go_unsigned_even_with_a_signer() {
    let server = MockServer::start().await;
    Mock::given(header_exists("authorization")).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    Mock::given(header_exists("x-amz-date")).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    Mock::given(method("POST")).respond_with(aws_json(200, "{}")).expect(3).mount(&server).await;
    let wire = wire(&server, options()).with_signer(Signer::dummy("us-east-1"));

    let public = ["InitiateAuth", "RevokeToken", "GetUser"];
    for operation in public {
        assert_eq!(send(&wire, operation).await.expect("answer").status, 200, "{operation}");
    }

    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 3);
    for (request, operation) in requests.iter().zip(public) {
        let target = request.headers.get("x-amz-target").and_then(|v| v.to_str().ok());
        assert_eq!(target, Some(format!("AWSCognitoIdentityProviderService.{operation}").as_str()));
        assert!(!request.headers.contains_key("authorization"), "{operation}");
        assert!(!request.headers.contains_key("x-amz-date"), "{operation}");
    }
}
