//! `emulator install|start|stop|status|path`: the emulator table of the library, from the
//! command line (what `scripts/emulators.sh` used to do).

use crate::target::emulator::{self, Emulator, EmulatorError, install, process};
use crate::target::{TargetError, spawn::SpawnError};
use crate::{Error, Outcome};

use super::target::seconds;
use crate::cli::args::{EmulatorCommand, EmulatorPort};

fn failed(error: EmulatorError) -> Error {
    Error::Target(TargetError::Spawn(SpawnError::Emulator(error)))
}

/// The table's entry (clap only lets its names through).
fn find(name: &str) -> Result<&'static Emulator, Error> {
    emulator::find(name).ok_or_else(|| failed(EmulatorError::Unknown(name.to_owned())))
}

pub fn emulator(command: EmulatorCommand) -> Result<Outcome, Error> {
    let root = emulator::root().map_err(failed)?;
    match command {
        EmulatorCommand::Install(args) => {
            for name in &args.names {
                let emulator = find(name)?;
                install::ensure_installed(emulator, &root).map_err(failed)?;
                outln!("{}: {}", emulator.name, install::installed_version(emulator, &root))?;
            }
            Ok(Outcome::Done)
        }
        EmulatorCommand::Path(args) => {
            outln!("{}", find(&args.name)?.dir(&root).display())?;
            Ok(Outcome::Done)
        }
        EmulatorCommand::Start(args) => {
            let (emulator, port) = at(&args)?;
            let wait = seconds(args.wait, "--wait")?;
            let started = super::runtime()?.block_on(process::start(emulator, &root, port, wait)).map_err(failed)?;
            let how = if started.already { "already running" } else { "ready" };
            outln!(
                "{} {} {how} on {} (pid {}); log {}",
                emulator.name,
                emulator.version,
                started.endpoint,
                started.pid,
                started.log.display()
            )?;
            Ok(Outcome::Done)
        }
        EmulatorCommand::Stop(args) => {
            let (emulator, port) = at(&args)?;
            match process::stop(emulator, &root, port) {
                Some(pid) => outln!("{} on port {port}: stopped (pid {pid})", emulator.name),
                None => outln!("{} on port {port}: not running", emulator.name),
            }?;
            Ok(Outcome::Done)
        }
        EmulatorCommand::Status(args) => {
            let (emulator, port) = at(&args)?;
            let status = super::runtime()?.block_on(process::status(emulator, &root, port));
            let running = match (status.pid, status.answering) {
                (Some(pid), true) => format!("running on http://127.0.0.1:{port} (pid {pid}), ready"),
                (Some(pid), false) => format!("pid {pid} alive on port {port} but not answering ListUserPools"),
                (None, true) => format!("not started by `emulator start`, but something answers on 127.0.0.1:{port}"),
                (None, false) => format!("not running on port {port}"),
            };
            outln!("{}: {}; {running}", emulator.name, status.installed)?;
            Ok(if status.is_up() { Outcome::Done } else { Outcome::NotRunning })
        }
    }
}

fn at(args: &EmulatorPort) -> Result<(&'static Emulator, u16), Error> {
    let emulator = find(&args.name)?;
    Ok((emulator, args.port.unwrap_or(emulator.port)))
}
