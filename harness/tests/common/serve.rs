//! `serve` as a process, for the suites that attack the binary users run: [`ServeProcess`] starts
//! `cognito-conformance serve` on a free loopback port (optionally under a file-descriptor limit)
//! and stops it when dropped; [`ServeProcess::api`] is the tests' Cognito client ([`Api`]) for it;
//! [`raw`] speaks HTTP/1.1 byte by byte, for what no well-behaved client sends.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub use super::target::Api;

/// A running `serve` child process; killed (by its own handle) when dropped.
pub struct ServeProcess {
    child: Child,
    pub addr: String,
}

impl ServeProcess {
    /// Starts `serve --port 0` with `args`; with `fd_limit`, under `ulimit -n fd_limit`.
    pub fn start(args: &[&str], fd_limit: Option<u32>) -> Self {
        let bin = env!("CARGO_BIN_EXE_cognito-conformance");
        let mut command = match fd_limit {
            None => Command::new(bin),
            Some(limit) => {
                let mut sh = Command::new("sh");
                sh.args(["-c", &format!("ulimit -n {limit} && exec \"$0\" \"$@\""), bin]);
                sh
            }
        };
        command.args(["serve", "--port", "0"]).args(args);
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("serve prints its endpoint");
        let addr = line
            .trim()
            .strip_prefix("reference target listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        Self { child, addr }
    }

    /// The process id, for `/proc/PID/status`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The resident set size now, in bytes (`VmRSS` of `/proc/PID/status`).
    pub fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("/proc status");
        let line = status.lines().find(|line| line.starts_with("VmRSS:")).expect("VmRSS");
        let kb: u64 = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("a number of kB");
        kb * 1024
    }

    /// An API client for this process.
    pub fn api(&self) -> Api {
        Api::at(format!("http://{}", self.addr))
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Raw HTTP/1.1 over a socket.
pub mod raw {
    use super::*;

    /// Connects to `addr`.
    pub async fn connect(addr: &str) -> TcpStream {
        TcpStream::connect(addr).await.expect("connects")
    }

    /// How a connection ended while the test waited on it.
    #[derive(Debug, PartialEq, Eq)]
    pub enum End {
        /// The server closed it (EOF or reset), after `Duration`; `String` is what it sent.
        Closed(Duration, String),
        /// Still open when the test stopped waiting.
        Open,
    }

    /// Reads until the server closes the connection or `bound` passes; returns what was read.
    pub async fn wait_closed(stream: &mut TcpStream, since: Instant, bound: Duration) -> End {
        let mut received = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let left = bound.saturating_sub(since.elapsed());
            match tokio::time::timeout(left, stream.read(&mut buf)).await {
                Err(_) => return End::Open,
                Ok(Ok(0)) | Ok(Err(_)) => {
                    return End::Closed(since.elapsed(), String::from_utf8_lossy(&received).into_owned());
                }
                Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
            }
        }
    }

    /// Writes `bytes`; false once the server has closed the connection.
    pub async fn write(stream: &mut TcpStream, bytes: &[u8]) -> bool {
        stream.write_all(bytes).await.is_ok()
    }

    /// Sends one whole request and reads one response head and body (by Content-Length); the
    /// status line's code and the body.
    pub async fn exchange(stream: &mut TcpStream, request: &[u8]) -> (u16, String) {
        stream.write_all(request).await.expect("request written");
        read_response(stream).await.expect("a response")
    }

    /// Reads one response (status code and body by Content-Length), or `None` when the connection
    /// closed first.
    pub async fn read_response(stream: &mut TcpStream) -> Option<(u16, String)> {
        let mut data = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&data[..end]).into_owned();
                let status: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
                let length: usize = head
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                while data.len() < end + 4 + length {
                    let n = stream.read(&mut buf).await.ok()?;
                    if n == 0 {
                        return None;
                    }
                    data.extend_from_slice(&buf[..n]);
                }
                return Some((status, String::from_utf8_lossy(&data[end + 4..end + 4 + length]).into_owned()));
            }
            let n = stream.read(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            data.extend_from_slice(&buf[..n]);
        }
    }

    /// A complete `POST /` request for `operation` with `body`.
    pub fn api_request(operation: &str, body: &str) -> Vec<u8> {
        format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSCognitoIdentityProviderService.{operation}\r\n\
             Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }
}
