//! Installing the pinned version of an emulator once, under [`super::root`]: a venv with pip, npm,
//! or `cargo install`. A lock file makes concurrent callers (parallel tests spawning the same
//! emulator) wait for one install instead of racing, and the `installed` marker is written last,
//! so an interrupted install is redone.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::{Emulator, EmulatorError, Package};

/// The marker's expected text: the pinned version and the package spec.
fn expected_marker(emulator: &Emulator) -> String {
    format!("{}\n{}\n", emulator.version, emulator.package_spec())
}

fn marker(emulator: &Emulator, root: &Path) -> PathBuf {
    emulator.dir(root).join("installed")
}

/// The fakecloud binary: `$CC_FAKECLOUD_BIN`, else the one `cargo install` put under `dir`.
pub fn fakecloud_bin(dir: &Path) -> PathBuf {
    std::env::var_os("CC_FAKECLOUD_BIN")
        .filter(|v| !v.is_empty())
        .map_or_else(|| dir.join("bin/fakecloud"), PathBuf::from)
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// Whether the pinned version is installed.
pub fn is_installed(emulator: &Emulator, root: &Path) -> bool {
    let marker_text = std::fs::read_to_string(marker(emulator, root)).ok();
    if let Package::Cargo(_) = emulator.package {
        if std::env::var_os("CC_FAKECLOUD_BIN").is_some_and(|v| !v.is_empty()) {
            return true;
        }
        // A cached binary without a marker (restored from a CI cache, say) is taken as it is.
        return is_executable(&fakecloud_bin(&emulator.dir(root)))
            && marker_text.is_none_or(|text| text == expected_marker(emulator));
    }
    marker_text.is_some_and(|text| text == expected_marker(emulator))
}

/// What `emulator status` says about the install.
pub fn installed_version(emulator: &Emulator, root: &Path) -> String {
    let marker_text = std::fs::read_to_string(marker(emulator, root)).ok();
    let first = marker_text.as_deref().and_then(|t| t.lines().next()).unwrap_or("").to_owned();
    if matches!(emulator.package, Package::Cargo(_))
        && let Some(bin) = std::env::var_os("CC_FAKECLOUD_BIN").filter(|v| !v.is_empty())
    {
        return format!("CC_FAKECLOUD_BIN={}", bin.to_string_lossy());
    }
    match (is_installed(emulator, root), marker_text) {
        (true, Some(_)) => first,
        (true, None) => "cached binary (version not recorded)".into(),
        (false, Some(_)) => format!("{first} (stale: pinned {})", emulator.version),
        (false, None) => "not installed".into(),
    }
}

/// Installs the pinned version unless it is installed already; progress goes to stderr.
pub fn ensure_installed(emulator: &'static Emulator, root: &Path) -> Result<(), EmulatorError> {
    if is_installed(emulator, root) {
        if let Package::Cargo(_) = emulator.package {
            let bin = fakecloud_bin(&emulator.dir(root));
            if !is_executable(&bin) {
                return Err(EmulatorError::BadFakecloudBin(bin));
            }
        }
        return Ok(());
    }
    let dir = emulator.dir(root);
    std::fs::create_dir_all(&dir).map_err(EmulatorError::io(format!("cannot create {}", dir.display())))?;
    let lock_path = dir.join(".install.lock");
    let lock = File::create(&lock_path).map_err(EmulatorError::io(format!("cannot create {}", lock_path.display())))?;
    if lock.try_lock().is_err() {
        eprintln!("emulators: waiting for another install of {} to finish", emulator.install_name());
        lock.lock().map_err(EmulatorError::io(format!("cannot lock {}", lock_path.display())))?;
    }
    if !is_installed(emulator, root) {
        install_now(emulator, root)?;
    }
    drop(lock);
    Ok(())
}

fn install_now(emulator: &'static Emulator, root: &Path) -> Result<(), EmulatorError> {
    let dir = emulator.dir(root);
    let started = Instant::now();
    eprintln!("emulators: installing {} {} into {}", emulator.install_name(), emulator.version, dir.display());
    let _ = std::fs::remove_file(marker(emulator, root));
    let name = emulator.install_name();
    match emulator.package {
        Package::Pip(requirements) => {
            let python = std::env::var("CC_PYTHON").unwrap_or_else(|_| "python3".into());
            let venv = dir.join("venv");
            let _ = std::fs::remove_dir_all(&venv);
            run(
                name,
                Command::new(&python).arg("-m").arg("venv").arg(&venv),
                &python,
                "on Debian's own python3, install python3-venv; or set CC_PYTHON",
            )?;
            let pip = venv.join("bin/pip");
            run(
                name,
                Command::new(&pip)
                    .args(["install", "--disable-pip-version-check", "--no-input", "--quiet"])
                    .args(requirements),
                "pip",
                "the venv has no pip",
            )?;
        }
        Package::Npm(spec) => {
            let npm = dir.join("npm");
            let _ = std::fs::remove_dir_all(&npm);
            std::fs::create_dir_all(&npm).map_err(EmulatorError::io(format!("cannot create {}", npm.display())))?;
            run(
                name,
                Command::new("npm").arg("install").arg("--prefix").arg(&npm).args([
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    spec,
                ]),
                "npm",
                "cognito-local needs Node.js and npm",
            )?;
        }
        Package::Cargo(krate) => {
            if let Some(bin) = std::env::var_os("CC_FAKECLOUD_BIN").filter(|v| !v.is_empty()) {
                let bin = PathBuf::from(bin);
                return if is_executable(&bin) { Ok(()) } else { Err(EmulatorError::BadFakecloudBin(bin)) };
            }
            eprintln!("emulators: WARNING: building {krate} from source: tens of minutes on 2 cores.");
            eprintln!(
                "emulators: WARNING: cache {}, or point CC_FAKECLOUD_BIN at a built binary.",
                dir.join("bin").display()
            );
            run(
                name,
                Command::new("cargo")
                    .args(["install", krate, "--version", emulator.version, "--locked", "--force", "--root"])
                    .arg(&dir),
                "cargo",
                "fakecloud is built with cargo install",
            )?;
        }
    }
    let marker_path = marker(emulator, root);
    std::fs::write(&marker_path, expected_marker(emulator))
        .map_err(EmulatorError::io(format!("cannot write {}", marker_path.display())))?;
    eprintln!("emulators: installed {} {} in {} s", emulator.install_name(), emulator.version, started.elapsed().as_secs());
    Ok(())
}

/// Runs an install step with its output on stderr (stdout may carry a report).
fn run(name: &'static str, command: &mut Command, tool: &str, hint: &'static str) -> Result<(), EmulatorError> {
    let step = format!("{command:?}");
    let status = command.stdin(Stdio::null()).stdout(Stdio::from(std::io::stderr())).status().map_err(|error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            EmulatorError::MissingTool { name, tool: tool.to_owned(), hint }
        } else {
            EmulatorError::Io { what: format!("cannot run {step}"), source: error }
        }
    })?;
    if status.success() { Ok(()) } else { Err(EmulatorError::InstallFailed { name, step, status: status.to_string() }) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::emulator::find;

    #[test]
    fn a_marker_of_another_pin_means_not_installed() {
        let root = tempfile::tempdir().expect("temp dir");
        let moto = find("moto").expect("known");
        assert!(!is_installed(moto, root.path()));
        assert_eq!(installed_version(moto, root.path()), "not installed");
        std::fs::create_dir_all(moto.dir(root.path())).expect("dir");
        std::fs::write(marker(moto, root.path()), "5.0.0\npip moto==5.0.0\n").expect("marker");
        assert!(!is_installed(moto, root.path()));
        assert_eq!(installed_version(moto, root.path()), "5.0.0 (stale: pinned 5.2.5)");
        std::fs::write(marker(moto, root.path()), expected_marker(moto)).expect("marker");
        assert!(is_installed(moto, root.path()));
        assert_eq!(installed_version(moto, root.path()), "5.2.5");
    }
}
