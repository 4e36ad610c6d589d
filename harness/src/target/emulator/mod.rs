//! The emulators the harness is run against: ONE table of names, pinned versions, default ports,
//! packages and start commands ([`EMULATORS`]). The built-in `--target` profiles, `--spawn`, the
//! `emulator` command, the tests and the README's list all come from it.
//!
//! Installs live under [`root`]: `$CC_EMULATORS_DIR`, else the platform's cache directory
//! (`~/.cache/cognito-conformance/emulators` on Linux), one directory per emulator:
//! `installed` (marker: pinned version and package spec; a change re-installs), `venv/`, `npm/` or
//! `bin/` (the emulator), `state-<port>/` (fresh at every start), `<port>.pid` and `<port>.log`
//! (for `emulator start|stop|status`). A *variant* — the same install started in another
//! configuration, such as `ministack-auth` — uses its base's install directory and keeps its
//! state, PID and log files in a directory of its own name, so the two never mistake each
//! other's processes.

pub mod install;
pub mod process;

use std::path::{Path, PathBuf};

/// How an emulator is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Package {
    /// Into a Python venv with pip (these requirement specifiers).
    Pip(&'static [&'static str]),
    /// With npm, under `npm/` (this package spec).
    Npm(&'static str),
    /// With `cargo install` of this crate at the pinned version, unless `CC_FAKECLOUD_BIN` names
    /// a binary (the build takes tens of minutes).
    Cargo(&'static str),
}

/// When the test run (`tests/targets.rs`) runs the suite against an emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tested {
    /// Every run, installing it first if needed (an install of seconds).
    Always,
    /// When it is installed already — a build too slow for every run, made once and cached — and
    /// otherwise a visible line says it was not checked. `CC_EMULATORS` naming it forces it.
    WhenInstalled,
}

/// One emulator.
#[derive(Debug, Clone, Copy)]
pub struct Emulator {
    /// Its name: the `--target` profile, the `emulator` argument, the snapshot directory.
    pub name: &'static str,
    /// The pinned version.
    pub version: &'static str,
    /// Its default loopback port (the profile's endpoint; `emulator start` without `--port`).
    pub port: u16,
    /// What is installed.
    pub package: Package,
    /// When the test run covers it.
    pub tested: Tested,
    /// The emulator whose install this one shares, started differently; `None`: its own install.
    pub variant_of: Option<&'static str>,
    start: fn(&Launch) -> Start,
}

/// Where an emulator starts, given to its start function.
#[derive(Debug)]
pub struct Launch {
    /// Its install directory (its base's, for a variant).
    pub dir: PathBuf,
    /// Its fresh state directory (the working directory).
    pub state: PathBuf,
    /// The port.
    pub port: u16,
}

/// How to start an emulator: a program with arguments and environment, and files to write into
/// its state directory first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Environment variables set for it.
    pub env: Vec<(&'static str, String)>,
    /// Files (relative to the state directory) and their contents.
    pub files: Vec<(&'static str, &'static str)>,
}

impl Start {
    fn new(program: PathBuf, args: &[&str]) -> Self {
        Self { program, args: args.iter().map(|a| (*a).to_owned()).collect(), env: Vec::new(), files: Vec::new() }
    }
}

const MINISTACK_VERSION: &str = "1.5.33";
// Without cryptography, ministack signs tokens with a key no JWT library can load.
const MINISTACK_PACKAGE: Package = Package::Pip(&["ministack==1.5.33", "cryptography"]);

/// ministack's start, with `AUTH=true` (`auth`) or without. Under `AUTH=true` ministack enforces
/// what it otherwise lets through — in Cognito: secret hashes, enabled auth flows, access-token
/// checks, token signatures on refresh, disabled users' sessions — so the two are different
/// targets with one install.
fn ministack(l: &Launch, auth: bool) -> Start {
    let mut start = Start::new(l.dir.join("venv/bin/ministack"), &[]);
    // Its IoT MQTT (8883) and SFTP listeners would bind 0.0.0.0 whatever BIND_HOST says.
    start.env = vec![
        ("STATE_DIR", l.state.display().to_string()),
        ("BIND_HOST", "127.0.0.1".into()),
        ("GATEWAY_PORT", l.port.to_string()),
        ("IOT_MTLS_ENABLED", "0".into()),
        ("SFTP_ENABLED", "0".into()),
    ];
    if auth {
        start.env.push(("AUTH", "true".into()));
    }
    start
}

/// The emulators, in the order reports, help and the matrix list them.
pub const EMULATORS: [Emulator; 6] = [
    Emulator {
        name: "moto",
        version: "5.2.5",
        port: 5000,
        package: Package::Pip(&["moto[server,cognitoidp]==5.2.5"]),
        tested: Tested::Always,
        variant_of: None,
        start: |l| {
            let port = l.port.to_string();
            Start::new(l.dir.join("venv/bin/moto_server"), &["-H", "127.0.0.1", "-p", &port])
        },
    },
    Emulator {
        name: "cognito-local",
        version: "5.3.0",
        port: 9229,
        package: Package::Npm("cognito-local@5.3.0"),
        tested: Tested::Always,
        variant_of: None,
        start: |l| {
            let script = l.dir.join("npm/node_modules/cognito-local/lib/bin/start.js");
            let mut start = Start::new("node".into(), &[&script.display().to_string()]);
            start.env = vec![("HOST", "127.0.0.1".into()), ("PORT", l.port.to_string())];
            // Plain usernames: by default cognito-local wants e-mail addresses.
            start.files = vec![(".cognito/config.json", r#"{"UserPoolDefaults":{"UsernameAttributes":[]}}"#)];
            start
        },
    },
    Emulator {
        name: "ministack",
        version: MINISTACK_VERSION,
        port: 4566,
        package: MINISTACK_PACKAGE,
        tested: Tested::Always,
        variant_of: None,
        start: |l| ministack(l, false),
    },
    Emulator {
        name: "ministack-auth",
        version: MINISTACK_VERSION,
        port: 4567,
        package: MINISTACK_PACKAGE,
        tested: Tested::Always,
        variant_of: Some("ministack"),
        start: |l| ministack(l, true),
    },
    Emulator {
        name: "fakecloud",
        version: "0.51.0",
        port: 4568,
        package: Package::Cargo("fakecloud"),
        tested: Tested::WhenInstalled,
        variant_of: None,
        start: |l| Start::new(install::fakecloud_bin(&l.dir), &["--addr", &format!("127.0.0.1:{}", l.port)]),
    },
    Emulator {
        name: "aws-local-run",
        version: "1.1.0",
        port: 4570,
        // requests is an undeclared dependency of aws-local-run.
        package: Package::Pip(&["aws-local-run==1.1.0", "requests"]),
        tested: Tested::Always,
        variant_of: None,
        start: |l| {
            let port = l.port.to_string();
            Start::new(
                l.dir.join("venv/bin/aws-local-run"),
                &["start", "--host", "127.0.0.1", "--port", &port, "--services", "cognito"],
            )
        },
    },
];

/// The emulator called `name`.
pub fn find(name: &str) -> Option<&'static Emulator> {
    EMULATORS.iter().find(|e| e.name == name)
}

/// Every emulator's name.
pub fn names() -> impl Iterator<Item = &'static str> {
    EMULATORS.iter().map(|e| e.name)
}

impl Emulator {
    /// What is installed, as recorded in the `installed` marker (the same text
    /// `scripts/emulators.sh` wrote, so its installs are still recognised).
    pub fn package_spec(&self) -> String {
        match self.package {
            Package::Pip(requirements) => format!("pip {}", requirements.join(" ")),
            Package::Npm(spec) => format!("npm {spec}"),
            Package::Cargo(krate) => format!("cargo {krate} {}", self.version),
        }
    }

    /// The name its install goes by: its own, or its base's for a variant.
    pub fn install_name(&self) -> &'static str {
        self.variant_of.unwrap_or(self.name)
    }

    /// Its install directory under `root` (its base's, for a variant).
    pub fn dir(&self, root: &Path) -> PathBuf {
        root.join(self.install_name())
    }

    /// Where its state directories, PID files and logs go: `root/<name>`, its own even for a
    /// variant.
    pub fn run_dir(&self, root: &Path) -> PathBuf {
        root.join(self.name)
    }

    /// How it starts on `port`, with its state in `state`.
    pub fn start(&self, root: &Path, state: &Path, port: u16) -> Start {
        (self.start)(&Launch { dir: self.dir(root), state: state.to_path_buf(), port })
    }
}

/// Why an emulator could not be installed, started, stopped or found.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The name is not in the table.
    #[error("unknown emulator `{0}`: one of {names}", names = names().collect::<Vec<_>>().join(", "))]
    Unknown(String),
    /// Neither `CC_EMULATORS_DIR` nor a cache directory.
    #[error("no cache directory on this platform: set CC_EMULATORS_DIR")]
    NoRoot,
    /// A tool the install needs is missing.
    #[error("cannot install {name}: {tool} not found ({hint})")]
    MissingTool {
        /// The emulator.
        name: &'static str,
        /// The tool.
        tool: String,
        /// What to do.
        hint: &'static str,
    },
    /// An install step failed.
    #[error("installing {name} failed: `{step}` {status}")]
    InstallFailed {
        /// The emulator.
        name: &'static str,
        /// The command that failed.
        step: String,
        /// How it ended.
        status: String,
    },
    /// `CC_FAKECLOUD_BIN` is set but names no executable.
    #[error("CC_FAKECLOUD_BIN={0} is not an executable file")]
    BadFakecloudBin(PathBuf),
    /// The port is taken.
    #[error("127.0.0.1:{port} is already in use; cannot start {name} there (--port P picks another)")]
    PortInUse {
        /// The emulator.
        name: &'static str,
        /// The port.
        port: u16,
    },
    /// It started but exited, or never answered.
    #[error("{name} on 127.0.0.1:{port} {what}; last lines of {log}:\n{tail}")]
    NotReady {
        /// The emulator.
        name: &'static str,
        /// The port.
        port: u16,
        /// What happened.
        what: String,
        /// Its log file.
        log: String,
        /// The log's last lines.
        tail: String,
    },
    /// File or process I/O.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl EmulatorError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| Self::Io { what, source }
    }
}

/// Where emulators are installed: `$CC_EMULATORS_DIR` (made absolute), else
/// `<cache dir>/cognito-conformance/emulators`.
pub fn root() -> Result<PathBuf, EmulatorError> {
    match std::env::var_os("CC_EMULATORS_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => std::path::absolute(PathBuf::from(dir)).map_err(EmulatorError::io("CC_EMULATORS_DIR")),
        None => dirs::cache_dir()
            .map(|cache| cache.join("cognito-conformance").join("emulators"))
            .ok_or(EmulatorError::NoRoot),
    }
}

/// The last `lines` lines of a log file.
pub(crate) fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ports_are_unique() {
        let mut names: Vec<_> = names().collect();
        names.sort_unstable();
        names.dedup();
        let mut ports: Vec<_> = EMULATORS.iter().map(|e| e.port).collect();
        ports.sort_unstable();
        ports.dedup();
        assert_eq!((names.len(), ports.len()), (EMULATORS.len(), EMULATORS.len()));
    }

    #[test]
    fn markers_match_what_the_shell_installer_wrote() {
        let spec = |name| find(name).expect("known").package_spec();
        assert_eq!(spec("moto"), "pip moto[server,cognitoidp]==5.2.5");
        assert_eq!(spec("ministack"), "pip ministack==1.5.33 cryptography");
        assert_eq!(spec("cognito-local"), "npm cognito-local@5.3.0");
        assert_eq!(spec("fakecloud"), "cargo fakecloud 0.51.0");
    }

    #[test]
    fn a_variant_installs_as_its_base_and_runs_apart() {
        for variant in EMULATORS.iter().filter(|e| e.variant_of.is_some()) {
            let base = find(variant.variant_of.expect("a variant")).expect("its base is in the table");
            assert!(base.variant_of.is_none(), "{}: a variant of a variant", variant.name);
            assert_eq!((variant.version, variant.package), (base.version, base.package), "{}", variant.name);
            let root = Path::new("/r");
            assert_eq!(variant.dir(root), base.dir(root));
            assert_ne!(variant.run_dir(root), base.run_dir(root));
        }
    }

    #[test]
    fn ministack_auth_is_ministack_with_auth_on() {
        let (root, state) = (Path::new("/r"), Path::new("/r/s"));
        let plain = find("ministack").expect("known").start(root, state, 7);
        let auth = find("ministack-auth").expect("known").start(root, state, 7);
        assert_eq!(plain.program, Path::new("/r/ministack/venv/bin/ministack"));
        assert_eq!(auth.program, plain.program);
        assert!(!plain.env.iter().any(|(k, _)| *k == "AUTH"));
        let mut expected = plain.env;
        expected.push(("AUTH", "true".into()));
        assert_eq!(auth.env, expected);
    }

    #[test]
    fn cognito_local_starts_with_plain_usernames_on_loopback() {
        let start = find("cognito-local").expect("known").start(Path::new("/r"), Path::new("/r/s"), 7);
        assert!(start.env.contains(&("HOST", "127.0.0.1".into())) && start.env.contains(&("PORT", "7".into())));
        assert_eq!(start.files[0].0, ".cognito/config.json");
        assert!(start.args[0].starts_with("/r/cognito-local/npm/"), "{:?}", start.args);
    }
}
