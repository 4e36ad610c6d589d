//! The reference's accept loop: HTTP/1.1 connections with a header-read timeout and an idle
//! keep-alive timeout, so that neither slowloris nor idle clients can hold connections (and file
//! descriptors) forever.
//!
//! hyper has one knob, `header_read_timeout`, whose clock starts when the connection begins to wait
//! for a request head — so on a keep-alive connection it is also an idle timeout, and the two
//! cannot differ. Here they do: hyper's clock is set to the idle timeout, and each connection's
//! [`Clock`] shortens the wait to the header timeout from the moment the first byte of a head
//! arrives ([`Watched`] notes it). A client that sends nothing is closed after `idle`; one that
//! starts a request must finish its head within `header` of its first byte.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::rt::{Read, ReadBufCursor, Sleep, Timer, Write};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use parking_lot::Mutex;
use tokio::net::{TcpListener, TcpStream};

/// How long a connection may take, in each phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// From the first byte of a request head to its end.
    pub header: Duration,
    /// From the end of a response (or the connection's opening) to the first byte of the next
    /// request.
    pub idle: Duration,
    /// From the end of a request head to the end of its body; past it the answer is 408.
    pub body: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { header: Duration::from_secs(10), idle: Duration::from_secs(120), body: Duration::from_secs(10) }
    }
}

/// How long in-flight requests may run after shutdown was asked for.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections until `shutdown` resolves, then lets in-flight requests finish.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let tcp = match accepted {
            Ok((tcp, _)) => tcp,
            // Out of file descriptors, say: pause rather than spin; the timeouts free some.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let head = Arc::new(Mutex::new(Head::default()));
        let io = Watched { inner: TokioIo::new(tcp), head: head.clone() };
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(Clock { head, header: timeouts.header })
            .header_read_timeout(timeouts.idle)
            .serve_connection(io, TowerToHyperService::new(app.clone()));
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = watched.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await;
}

/// Where a connection is in reading a request head.
#[derive(Debug, Default)]
struct Head {
    /// When the first byte of the head being waited for arrived, if one has.
    first_byte: Option<Instant>,
}

/// A connection's socket, noting when the first byte of each request head arrives.
struct Watched {
    inner: TokioIo<TcpStream>,
    head: Arc<Mutex<Head>>,
}

impl Read for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        // The cursor does not say how much was read, so any completed read counts as the head's
        // first byte (an EOF ends the connection anyway).
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll {
            self.head.lock().first_byte.get_or_insert_with(Instant::now);
        }
        poll
    }
}

impl Write for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// hyper's timer for one connection. hyper asks it for exactly one kind of sleep, the wait for a
/// request head (starting when the wait starts, lasting the idle timeout); the sleep it returns
/// ends sooner once a head has begun.
#[derive(Clone)]
struct Clock {
    head: Arc<Mutex<Head>>,
    header: Duration,
}

impl Timer for Clock {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        // A new wait for a head: bytes read before it belonged to the previous request.
        self.head.lock().first_byte = None;
        Box::pin(HeadWait {
            idle_deadline: deadline,
            header: self.header,
            head: self.head.clone(),
            sleep: Box::pin(tokio::time::sleep_until(deadline.into())),
        })
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn Sleep>>, new_deadline: Instant) {
        *sleep = self.sleep_until(new_deadline);
    }
}

/// The wait for one request head: until `idle_deadline` while nothing has arrived, then until
/// `header` after its first byte.
struct HeadWait {
    idle_deadline: Instant,
    header: Duration,
    head: Arc<Mutex<Head>>,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Future for HeadWait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let deadline = match self.head.lock().first_byte {
            Some(first) => first + self.header,
            None => self.idle_deadline,
        };
        if self.sleep.deadline().into_std() != deadline {
            self.sleep.as_mut().reset(deadline.into());
        }
        self.sleep.as_mut().poll(cx)
    }
}

impl Sleep for HeadWait {}
