//! Starting, probing and stopping emulators: the command line of [`super::EMULATORS`] run in a
//! fresh state directory, in a process group of its own (so one signal stops it and whatever it
//! forked), tagged with `CC_EMULATOR_TAG=<name>:<port>` so a PID file whose PID was reused by an
//! unrelated process is recognised as stale. Ready means a SigV4-signed ListUserPools answered 200.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Emulator, EmulatorError, install};
use crate::wire::sigv4::Signer;
use crate::wire::{HostedAddressing, Wire, WireOptions};

/// The environment variable that tags a started emulator.
const TAG: &str = "CC_EMULATOR_TAG";

/// The command that starts `emulator` on `port`, in a new `state-<port>/` (older state directories
/// whose port nothing listens on any more are removed). Not yet in a process group of its own.
pub fn command(emulator: &Emulator, root: &Path, port: u16) -> Result<Command, EmulatorError> {
    let dir = emulator.run_dir(root);
    prune_state_dirs(&dir);
    let state = dir.join(format!("state-{port}"));
    let _ = std::fs::remove_dir_all(&state);
    std::fs::create_dir_all(&state).map_err(EmulatorError::io(format!("cannot create {}", state.display())))?;
    let start = emulator.start(root, &state, port);
    for (file, text) in &start.files {
        let path = state.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(EmulatorError::io(format!("cannot create {}", parent.display())))?;
        }
        std::fs::write(&path, text).map_err(EmulatorError::io(format!("cannot write {}", path.display())))?;
    }
    let mut command = Command::new(&start.program);
    command.args(&start.args).envs(start.env.iter().map(|(k, v)| (*k, v))).env(TAG, tag(emulator, port));
    command.current_dir(&state).stdin(Stdio::null());
    Ok(command)
}

fn tag(emulator: &Emulator, port: u16) -> String {
    format!("{}:{port}", emulator.name)
}

/// Test processes spawn emulators on random ports, each with its own `state-<port>/`; those that
/// are ten minutes old and whose port nothing listens on are left-overs.
fn prune_state_dirs(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(port) = name.to_str().and_then(|n| n.strip_prefix("state-")).and_then(|p| p.parse::<u16>().ok())
        else {
            continue;
        };
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > Duration::from_secs(600)));
        if old && !port_in_use(port) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether something accepts connections on 127.0.0.1:`port`.
pub fn port_in_use(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2)).is_ok()
}

/// Whether `endpoint` answers a signed ListUserPools with 200.
pub async fn ready(endpoint: &str) -> bool {
    let options = WireOptions { timeout: Duration::from_secs(2), ..WireOptions::default() };
    let Ok(wire) = Wire::new(endpoint, "us-east-1", HostedAddressing::HostHeader, options) else { return false };
    let wire = wire.with_signer(Signer::dummy("us-east-1"));
    let probe = wire.api_request("ListUserPools", br#"{"MaxResults":1}"#.to_vec());
    wire.send(&probe).await.is_ok_and(|answer| answer.status == 200)
}

fn endpoint(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

fn pid_file(emulator: &Emulator, root: &Path, port: u16) -> PathBuf {
    emulator.run_dir(root).join(format!("{port}.pid"))
}

/// Whether process `pid` is alive (a zombie has exited already).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')),
        Err(_) if !Path::new("/proc/self").exists() => Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success()),
        Err(_) => false,
    }
}

/// Whether `pid` is the emulator `emulator start` launched on `port` (its environment carries
/// the tag). Without /proc the PID file is trusted.
fn ours(pid: u32, emulator: &Emulator, port: u16) -> bool {
    match std::fs::read(format!("/proc/{pid}/environ")) {
        Ok(environ) => {
            let wanted = format!("{TAG}={}", tag(emulator, port));
            environ.split(|b| *b == 0).any(|var| var == wanted.as_bytes())
        }
        Err(_) => !Path::new("/proc/self").exists(),
    }
}

/// The PID of `emulator` started on `port` by `emulator start`, if it still runs; a stale PID file
/// is removed.
pub fn running_pid(emulator: &Emulator, root: &Path, port: u16) -> Option<u32> {
    let path = pid_file(emulator, root, port);
    let pid = std::fs::read_to_string(&path).ok()?.trim().parse::<u32>().ok();
    match pid {
        Some(pid) if alive(pid) && ours(pid, emulator, port) => Some(pid),
        _ => {
            let _ = std::fs::remove_file(&path);
            None
        }
    }
}

/// Sends `signal` to process group `pid` (the emulator leads its own).
fn signal_group(pid: u32, signal: &str) {
    let _ = Command::new("kill").args([signal, "--", &format!("-{pid}")]).stderr(Stdio::null()).status();
}

/// TERM to the group, KILL after `grace` if it has not ended.
pub fn kill_group(pid: u32, grace: Duration) {
    signal_group(pid, "-TERM");
    let started = Instant::now();
    while alive(pid) && started.elapsed() < grace {
        std::thread::sleep(Duration::from_millis(100));
    }
    // Stragglers in the group (servers that fork) get the same end.
    signal_group(pid, "-KILL");
}

/// A started emulator: its PID, endpoint and log.
#[derive(Debug)]
pub struct Started {
    /// The PID (and process group).
    pub pid: u32,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// Its log file.
    pub log: PathBuf,
    /// Whether it was running already.
    pub already: bool,
}

/// `emulator start`: installs if needed, starts `emulator` on `port` in the background and waits
/// for it to answer, for at most `wait`. It keeps running after this process exits; [`stop`]
/// stops it.
pub async fn start(
    emulator: &'static Emulator,
    root: &Path,
    port: u16,
    wait: Duration,
) -> Result<Started, EmulatorError> {
    install::ensure_installed(emulator, root)?;
    let run_dir = emulator.run_dir(root);
    std::fs::create_dir_all(&run_dir).map_err(EmulatorError::io(format!("cannot create {}", run_dir.display())))?;
    let log = run_dir.join(format!("{port}.log"));
    if let Some(pid) = running_pid(emulator, root, port) {
        if ready(&endpoint(port)).await {
            return Ok(Started { pid, endpoint: endpoint(port), log, already: true });
        }
        return Err(EmulatorError::NotReady {
            name: emulator.name,
            port,
            what: format!("was started (pid {pid}) but does not answer: stop it first"),
            log: log.display().to_string(),
            tail: super::tail(&log, 20),
        });
    }
    if port_in_use(port) {
        return Err(EmulatorError::PortInUse { name: emulator.name, port });
    }
    let file = std::fs::File::create(&log).map_err(EmulatorError::io(format!("cannot create {}", log.display())))?;
    let mut command = command(emulator, root, port)?;
    let out = file.try_clone().map_err(EmulatorError::io("cannot open the log twice"))?;
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .stdout(out)
        .stderr(file)
        .spawn()
        .map_err(EmulatorError::io(format!("cannot start {}", emulator.name)))?;
    let pid = child.id();
    let path = pid_file(emulator, root, port);
    std::fs::write(&path, format!("{pid}\n")).map_err(EmulatorError::io(format!("cannot write {}", path.display())))?;
    let started = Instant::now();
    let not_ready = |what: String| EmulatorError::NotReady {
        name: emulator.name,
        port,
        what,
        log: log.display().to_string(),
        tail: super::tail(&log, 20),
    };
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let _ = std::fs::remove_file(&path);
            return Err(not_ready(format!("exited before it was ready ({status})")));
        }
        if ready(&endpoint(port)).await {
            return Ok(Started { pid, endpoint: endpoint(port), log, already: false });
        }
        if started.elapsed() > wait {
            kill_group(pid, Duration::from_secs(5));
            let _ = child.wait();
            let _ = std::fs::remove_file(&path);
            return Err(not_ready(format!("was not ready after {wait:?}")));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `emulator stop`: stops what `emulator start` started on `port` and removes its state (the log
/// stays); the PID it stopped, if any.
pub fn stop(emulator: &Emulator, root: &Path, port: u16) -> Option<u32> {
    let pid = running_pid(emulator, root, port)?;
    kill_group(pid, Duration::from_secs(10));
    let _ = std::fs::remove_file(pid_file(emulator, root, port));
    let _ = std::fs::remove_dir_all(emulator.run_dir(root).join(format!("state-{port}")));
    Some(pid)
}

/// What `emulator status` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The installed version, or why none.
    pub installed: String,
    /// The PID `emulator start` recorded, if that process runs.
    pub pid: Option<u32>,
    /// Whether something answers ListUserPools on the port.
    pub answering: bool,
}

impl Status {
    /// Running and answering.
    pub fn is_up(&self) -> bool {
        self.pid.is_some() && self.answering
    }
}

/// `emulator status`.
pub async fn status(emulator: &Emulator, root: &Path, port: u16) -> Status {
    Status {
        installed: install::installed_version(emulator, root),
        pid: running_pid(emulator, root, port),
        answering: ready(&endpoint(port)).await,
    }
}
