//! The suite against every target CI covers — the reference, the emulators the table marks
//! `Tested::Always` (moto, cognito-local, ministack, ministack-auth, aws-local-run), those marked
//! `Tested::WhenInstalled` (fakecloud) when their cached build is there, plus any named in
//! `CC_EMULATORS` — each checked against its committed snapshots (`snapshots/<target>/*.snap`, with insta, so `cargo insta review` accepts changes) and
//! its baseline of known non-conformances (`snapshots/<target>/expected.toml`).
//!
//! One trial per target. Emulators are started by the harness itself on free loopback ports
//! (`--spawn`, which installs the pinned version on first use, as `emulator install` does), so the
//! trials need no set-up and can run side by side. A trial fails on any snapshot change or any
//! departure from the baseline, and says which. The one exception to "install on first use" is an
//! emulator whose build takes tens of minutes: without its cached build it is not run, and a line
//! on stderr says so (`NOT CHECKED`), so a green run never hides it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cognito_conformance::report::RunReport;
use cognito_conformance::snapshot;
use cognito_conformance::target::emulator::{self, EMULATORS, Tested, install};
use cognito_conformance::{Checked, Conformance, Suite, Target};
use libtest_mimic::{Arguments, Failed, Trial};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The targets to cover: the reference, the table's always-tested emulators, the cached ones, and
/// the ones `CC_EMULATORS` names; plus a line for each emulator left out because it is not built.
fn targets() -> (Vec<String>, Vec<String>) {
    let mut names = vec!["reference".to_owned()];
    let extra = std::env::var("CC_EMULATORS").unwrap_or_default();
    let extra: Vec<&str> = extra.split([',', ' ']).map(str::trim).filter(|n| !n.is_empty()).collect();
    let root = emulator::root();
    let mut not_checked = Vec::new();
    for e in &EMULATORS {
        let cached = root.as_ref().is_ok_and(|root| install::is_installed(e, root));
        if e.tested == Tested::Always || cached || extra.contains(&e.name) {
            names.push(e.name.to_owned());
        } else {
            let dir = root.as_ref().map_or_else(|error| error.to_string(), |root| e.dir(root).display().to_string());
            not_checked.push(format!(
                "targets: {name} NOT CHECKED: no cached build in {dir} (build it once with \
                 `cognito-conformance emulator install {name}` and cache that directory; \
                 CC_EMULATORS={name} builds it now)",
                name = e.name
            ));
        }
    }
    for name in extra {
        if !names.iter().any(|known| known == name) {
            names.push(name.to_owned());
        }
    }
    (names, not_checked)
}

/// The suite against `name`, judged against its committed baseline, through the library's front
/// door (the same policy as `cognito-conformance run --baseline`).
fn run_target(name: &str) -> Result<Checked, Failed> {
    let suite = Suite::from_dir(root().join("scenarios")).map_err(|e| Failed::from(e.to_string()))?;
    let target = if name == "reference" { Target::Reference } else { Target::spawned(name) };
    // A generous request timeout: on a loaded CI machine an emulator's first request to a lazily
    // loaded part (moto's S3 router, which answers hosted paths) can take more than the default
    // 10 s, and a timeout is not a behaviour worth a snapshot.
    let run = Conformance::new(suite, target)
        .against_baseline_in(root().join("snapshots"))
        .timeout(Duration::from_secs(60))
        .jobs(8)
        .run();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(run).map_err(|e| Failed::from(format!("{name}: {e}")))
}

/// Checks every transcript with insta; returns the scenarios whose snapshot changed.
fn check_snapshots(name: &str, report: &RunReport) -> Vec<String> {
    let dir = root().join("snapshots").join(name);
    let mut changed = Vec::new();
    for result in &report.scenarios {
        let contents = snapshot::render(&snapshot::transcript(result));
        let id = result.id.clone();
        let asserted = std::panic::catch_unwind(|| {
            insta::with_settings!({
                snapshot_path => dir.clone(),
                prepend_module_to_snapshot => false,
                omit_expression => true,
            }, {
                insta::assert_snapshot!(id.as_str(), contents);
            });
        });
        if asserted.is_err() {
            changed.push(result.id.clone());
        }
    }
    changed
}

fn check(name: &str) -> Result<(), Failed> {
    let checked = run_target(name)?;
    let mut problems = Vec::new();
    if checked.exit_code() != 0 {
        problems.push(checked.explain());
    }
    // Scenarios the baseline calls unstable vary from run to run: not compared.
    let mut report = checked.report().clone();
    if let Some(known) = checked.baseline() {
        report.scenarios.retain(|r| known.unstable(&r.id).is_none());
    }
    let changed = check_snapshots(name, &report);
    if !changed.is_empty() {
        problems.push(format!(
            "{} snapshot(s) of {name} changed: {} (review with `cargo insta review`, or \
             `cognito-conformance run --target {name} --spawn --update-snapshots`)",
            changed.len(),
            changed.join(", ")
        ));
    }
    if problems.is_empty() { Ok(()) } else { Err(Failed::from(problems.join("\n\n"))) }
}

fn main() {
    let args = Arguments::from_args();
    let (names, not_checked) = targets();
    for line in &not_checked {
        eprintln!("{line}");
    }
    let trials = names.into_iter().map(|name| Trial::test(name.clone(), move || check(&name))).collect();
    libtest_mimic::run(&args, trials).exit();
}
