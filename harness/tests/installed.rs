//! The binary works where nothing of the checkout is: a copy of the built binary in a temporary
//! root, run from a temporary directory with HOME pointed at another, runs the embedded suite,
//! lists and checks it, exports it, and runs moto (spawned) against moto's embedded baseline.
//!
//! This copies the test build's binary rather than running `cargo install --path harness --root
//! <tmp>`: that is a second, release build of the whole dependency tree (minutes on CI's two
//! cores) and would test cargo, not this crate; what matters here is that the binary needs no
//! file of the checkout, which a copy shows as well. Emulators come from `CC_EMULATORS_DIR` when
//! set (scripts/test.sh sets it), else from the user's real cache directory, so nothing is
//! installed twice.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cognito_conformance::exit_codes;
use cognito_conformance::target::emulator;

struct Installed {
    _root: tempfile::TempDir,
    binary: PathBuf,
    cwd: PathBuf,
    home: PathBuf,
    emulators: PathBuf,
}

impl Installed {
    fn new() -> Self {
        // The emulator root as this (checkout) process sees it, before HOME is changed for the child.
        let emulators = emulator::root().expect("an emulator directory");
        let root = tempfile::tempdir().expect("temp dir");
        let bin = root.path().join("install/bin");
        std::fs::create_dir_all(&bin).expect("bin dir");
        let binary = bin.join("cognito-conformance");
        std::fs::copy(env!("CARGO_BIN_EXE_cognito-conformance"), &binary).expect("copied");
        let (cwd, home) = (root.path().join("elsewhere"), root.path().join("home"));
        std::fs::create_dir_all(&cwd).expect("cwd");
        std::fs::create_dir_all(&home).expect("home");
        Self { _root: root, binary, cwd, home, emulators }
    }

    /// Runs the copied binary. A copy just written can be "busy" for a moment: another test thread
    /// that forks while the copy's file is open hands the child that open file until it execs
    /// (ETXTBSY, rust-lang/rust#114554), so that one error is retried.
    fn run(&self, args: &[&str]) -> Output {
        let mut attempts = 0;
        loop {
            let output = Command::new(&self.binary)
                .args(args)
                .current_dir(&self.cwd)
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("HOME", &self.home)
                .env("CC_EMULATORS_DIR", &self.emulators)
                .output();
            match output {
                Err(error) if error.kind() == std::io::ErrorKind::ExecutableFileBusy && attempts < 100 => {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                output => return output.expect("runs"),
            }
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_ok(output: &Output, what: &str) {
    assert_eq!(
        output.status.code(),
        Some(exit_codes::OK),
        "{what}\nstdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

#[test]
fn the_embedded_suite_runs_lists_checks_and_exports_from_anywhere() {
    let installed = Installed::new();
    assert!(!installed.cwd.join("scenarios").exists() && !installed.cwd.join("snapshots").exists());
    let suite = cognito_conformance::embedded::load().expect("embedded suite");

    let run = installed.run(&["run"]);
    assert_ok(&run, "run");
    let summary = format!("{} scenarios: {} pass", suite.len(), suite.len());
    assert!(text(&run.stdout).contains(&summary), "{}", text(&run.stdout));

    let list = installed.run(&["list"]);
    assert_ok(&list, "list");
    assert_eq!(text(&list.stdout).lines().count(), suite.len());

    let check = installed.run(&["check"]);
    assert_ok(&check, "check");
    assert!(text(&check.stdout).starts_with(&format!("{} scenario files OK", suite.len())), "{}", text(&check.stdout));

    let export = installed.run(&["scenarios", "export", "mine"]);
    assert_ok(&export, "scenarios export");
    let exported = installed.cwd.join("mine");
    assert!(exported.join("KILLS.toml").is_file());
    let first = Path::new(&suite[0].id).with_extension("toml");
    // An edit to the exported copy is what `--scenarios` runs: break one file and see it named.
    std::fs::write(exported.join(&first), "id = 3\n").expect("edited");
    let broken = installed.run(&["check", "--scenarios", "mine"]);
    assert_eq!(broken.status.code(), Some(exit_codes::INVALID_FILE), "{}", text(&broken.stderr));
    assert!(text(&broken.stderr).contains(&format!("mine/{}", first.display())), "{}", text(&broken.stderr));
    // The embedded suite is untouched by it.
    assert_ok(&installed.run(&["check"]), "check after editing the export");
}

#[test]
fn a_spawned_moto_matches_its_embedded_baseline_from_anywhere() {
    let installed = Installed::new();
    let run = installed.run(&["run", "--target", "moto", "--spawn", "--baseline"]);
    assert_ok(&run, "run --target moto --spawn --baseline");
    let stdout = text(&run.stdout);
    assert!(stdout.contains("baseline snapshots/moto/expected.toml:"), "{stdout}");
    assert!(stdout.contains("the target does exactly what its baseline says"), "{stdout}");
}

#[test]
fn emulator_path_and_status_need_no_checkout() {
    let installed = Installed::new();
    let path = installed.run(&["emulator", "path", "moto"]);
    assert_ok(&path, "emulator path");
    assert_eq!(text(&path.stdout).trim(), installed.emulators.join("moto").display().to_string());
    // Port 1 on loopback: nothing of ours runs there, so status says so and exits 3.
    let status = installed.run(&["emulator", "status", "moto", "--port", "1"]);
    assert_eq!(status.status.code(), Some(exit_codes::RUNTIME), "{}", text(&status.stderr));
    assert!(text(&status.stdout).contains("not running on port 1"), "{}", text(&status.stdout));
}
