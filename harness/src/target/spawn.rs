//! `run --spawn`: the runner starts the emulator itself, on a free loopback port, and stops it
//! afterwards, so trying an emulator is one command.
//!
//! The emulator table ([`super::emulator`]) says how each installs and starts; the pinned version
//! is installed on first use. The child process *is* the emulator, in its own process group:
//! Ctrl-C in the terminal reaches the harness, which deletes what it created while the emulator
//! is still up, and only then stops it (and anything it forked).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use super::emulator::{self, EmulatorError, install, process};
use crate::wire::Wire;

/// Why an emulator could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// Installing or preparing it failed.
    #[error(transparent)]
    Emulator(#[from] EmulatorError),
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
    state: PathBuf,
}

fn free_loopback_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Spawned {
    /// Starts emulator `name` (installing it on first use) on a free loopback port and waits until
    /// `ready` (given the endpoint, it builds a client) answers a signed ListUserPools, for at most
    /// `wait` (installation included).
    pub async fn start(
        name: &str,
        wait: Duration,
        ready: impl Fn(&str) -> Option<Wire>,
    ) -> Result<(Self, String), SpawnError> {
        let emulator = emulator::find(name).ok_or_else(|| EmulatorError::Unknown(name.to_owned()))?;
        let root = emulator::root()?;
        let started = Instant::now();
        let install_root = root.clone();
        tokio::task::spawn_blocking(move || install::ensure_installed(emulator, &install_root))
            .await
            .map_err(|join| SpawnError::Io { name: name.into(), source: std::io::Error::other(join) })??;
        let io = |source| SpawnError::Io { name: name.into(), source };
        let port = free_loopback_port().map_err(io)?;
        let log = std::env::temp_dir().join(format!("cognito-conformance-{name}-{port}.log"));
        let log_file = std::fs::File::create(&log).map_err(io)?;
        let mut command = Command::from(process::command(emulator, &root, port)?);
        let child = command
            .stdout(log_file.try_clone().map_err(io)?)
            .stderr(log_file)
            .stdin(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(io)?;
        let state = emulator.run_dir(&root).join(format!("state-{port}"));
        let mut spawned = Self { name: name.into(), child, port, log, state };
        let endpoint = format!("http://127.0.0.1:{port}");
        let wire = ready(&endpoint);
        loop {
            if let Ok(Some(status)) = spawned.child.try_wait() {
                return Err(SpawnError::Exited {
                    name: name.into(),
                    status: status.to_string(),
                    log: spawned.log.display().to_string(),
                    tail: emulator::tail(&spawned.log, 20),
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
                    tail: emulator::tail(&spawned.log, 20),
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
    /// bounded wait. Its log and state directory go with it.
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
        let _ = std::fs::remove_dir_all(&self.state);
    }

    /// The emulator's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Dropped without [`Spawned::stop`] (a panicking test, an early return): the whole process group
/// still goes, and so does its state, so nothing is left listening or on disk.
impl Drop for Spawned {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            process::kill_group(pid, Duration::ZERO);
        }
        let _ = std::fs::remove_file(&self.log);
        let _ = std::fs::remove_dir_all(&self.state);
    }
}
