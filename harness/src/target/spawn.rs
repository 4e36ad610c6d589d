//! `run --spawn`: the runner starts the emulator itself, on a free loopback port, and stops it
//! afterwards, so trying an emulator is one command.
//!
//! Installing and starting is `scripts/emulators.sh exec NAME PORT`'s job (it installs the pinned
//! version on first use, then `exec`s the server), so the child process *is* the emulator and
//! the script stays the one place that knows how each emulator starts. The child gets its own
//! process group: Ctrl-C in the terminal reaches the harness, which deletes what it created while
//! the emulator is still up, and only then stops it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::wire::Wire;

/// Where `scripts/emulators.sh` is unless `CC_EMULATORS_SCRIPT` says otherwise: the working
/// directory's copy, else the source tree this binary was built from.
pub fn default_script() -> PathBuf {
    if let Some(path) = std::env::var_os("CC_EMULATORS_SCRIPT") {
        return PathBuf::from(path);
    }
    let local = PathBuf::from("scripts/emulators.sh");
    if local.is_file() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/emulators.sh")
}

/// Why an emulator could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// The script is not where it was looked for.
    #[error("cannot spawn {name}: {script} not found (run from the repository, or set CC_EMULATORS_SCRIPT)")]
    NoScript {
        /// The emulator.
        name: String,
        /// Where the script was looked for.
        script: PathBuf,
    },
    /// No free port, or the process could not be started.
    #[error("cannot spawn {name}: {source}")]
    Io {
        /// The emulator.
        name: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The emulator exited before it answered.
    #[error("{name} exited before it was ready ({status}); last lines of {log}:\n{tail}")]
    Exited {
        /// The emulator.
        name: String,
        /// Its exit status.
        status: String,
        /// Its log file.
        log: String,
        /// The log's last lines.
        tail: String,
    },
    /// The emulator did not answer a signed ListUserPools in time.
    #[error("{name} was not ready after {waited:?}; last lines of {log}:\n{tail}")]
    NotReady {
        /// The emulator.
        name: String,
        /// How long the harness waited.
        waited: Duration,
        /// Its log file.
        log: String,
        /// The log's last lines.
        tail: String,
    },
}

/// A running emulator the harness started. Killed when dropped, if not stopped before.
#[derive(Debug)]
pub struct Spawned {
    name: String,
    child: Child,
    port: u16,
    log: PathBuf,
}

fn free_loopback_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

impl Spawned {
    /// Starts emulator `name` with `script` on a free loopback port and waits until `ready`
    /// (given the endpoint, it builds a client) answers a signed ListUserPools, for at most `wait`
    /// (installation on first use included).
    pub async fn start(
        name: &str,
        script: &Path,
        wait: Duration,
        ready: impl Fn(&str) -> Option<Wire>,
    ) -> Result<(Self, String), SpawnError> {
        if !script.is_file() {
            return Err(SpawnError::NoScript { name: name.into(), script: script.into() });
        }
        let io = |source| SpawnError::Io { name: name.into(), source };
        let port = free_loopback_port().map_err(io)?;
        let log = std::env::temp_dir().join(format!("cognito-conformance-{name}-{port}.log"));
        let log_file = std::fs::File::create(&log).map_err(io)?;
        let child = Command::new("bash")
            .arg(script)
            .args(["exec", name, &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(io)?)
            .stderr(log_file)
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(io)?;
        let mut spawned = Self { name: name.into(), child, port, log };
        let endpoint = format!("http://127.0.0.1:{port}");
        let wire = ready(&endpoint);
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = spawned.child.try_wait() {
                return Err(SpawnError::Exited {
                    name: name.into(),
                    status: status.to_string(),
                    log: spawned.log.display().to_string(),
                    tail: tail(&spawned.log, 20),
                });
            }
            if let Some(wire) = &wire {
                let probe = wire.api_request("ListUserPools", br#"{"MaxResults":1}"#.to_vec());
                if wire.send(&probe).await.is_ok_and(|answer| answer.status == 200) {
                    return Ok((spawned, endpoint));
                }
            }
            if started.elapsed() > wait {
                let error = SpawnError::NotReady {
                    name: name.into(),
                    waited: wait,
                    log: spawned.log.display().to_string(),
                    tail: tail(&spawned.log, 20),
                };
                spawned.stop().await;
                return Err(error);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the emulator and everything it started: TERM to its process group, KILL after a
    /// bounded wait.
    pub async fn stop(&mut self) {
        let Some(pid) = self.child.id() else { return };
        let group = format!("-{pid}");
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status().await;
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await.is_err() {
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status().await;
            let _ = self.child.wait().await;
        }
        // Stragglers in the group (servers that fork) get the same end.
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status().await;
        let _ = std::fs::remove_file(&self.log);
    }

    /// The emulator's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}
