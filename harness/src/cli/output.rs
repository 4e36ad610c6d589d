//! Writing to stdout and stderr when the reader may stop early.
//!
//! `cognito-conformance list | head -1` closes the pipe after one line. `println!` would panic on
//! the next write (exit 101); here a closed pipe is taken as "the reader has what it wanted": the
//! rest of the output is dropped and the command carries on to its own outcome, so a
//! `run --update-snapshots | head` still records its snapshots and exits with its verdicts' code.
//! Every other write failure (a full disk behind `>`) is still an error.
//!
//! [`outln!`] and [`out!`] print to stdout and return `io::Result<()>`; [`errln!`] prints to
//! stderr and cannot fail (there is nowhere left to report a failure to write a diagnostic);
//! [`Stdout`] is a writer for the report formats; [`quiet`] accepts a write's result whose only
//! error is the closed pipe.

use std::fmt;
use std::io::{self, Write};

use crate::report::ReportError;

/// Prints to stdout, like `print!`; a closed pipe is not an error.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::output::stdout_fmt(format_args!($($arg)*)) };
}

/// Prints a line to stdout, like `println!`; a closed pipe is not an error.
macro_rules! outln {
    () => { $crate::cli::output::stdout_fmt(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::output::stdout_fmt(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Prints a line to stderr, like `eprintln!`, without ever panicking.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::output::stderr_fmt(format_args!("{}\n", format_args!($($arg)*))) };
}

/// A write failure that means the reader went away.
pub trait ClosedPipe {
    /// Whether this is that failure.
    fn is_closed_pipe(&self) -> bool;
}

impl ClosedPipe for io::Error {
    fn is_closed_pipe(&self) -> bool {
        self.kind() == io::ErrorKind::BrokenPipe
    }
}

impl ClosedPipe for ReportError {
    fn is_closed_pipe(&self) -> bool {
        matches!(self, ReportError::Io(error) if error.is_closed_pipe())
    }
}

/// `result`, with a closed pipe counted as success.
pub fn quiet<E: ClosedPipe>(result: Result<(), E>) -> Result<(), E> {
    match result {
        Err(error) if error.is_closed_pipe() => Ok(()),
        other => other,
    }
}

/// What [`out!`] and [`outln!`] expand to: one locked write, so lines from threads do not mix.
pub fn stdout_fmt(args: fmt::Arguments<'_>) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    quiet(stdout.write_fmt(args).and_then(|()| stdout.flush()))
}

/// What [`errln!`] expands to.
pub fn stderr_fmt(args: fmt::Arguments<'_>) {
    let _ = io::stderr().lock().write_fmt(args);
}

/// Stdout as a writer whose closed pipe swallows the rest of the output.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match io::stdout().write(buf) {
            Err(error) if error.is_closed_pipe() => Ok(buf.len()),
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        quiet(io::stdout().flush())
    }
}

/// Leaves a run's reports: the `--report-dir` files first, so a failing stdout (a full disk behind
/// `>`) never costs the evidence, then the report in `format` on stdout (human output was printed
/// as the run went). The directory's error, if any, is returned after stdout was written.
pub(crate) fn emit_reports(
    report: &crate::report::RunReport,
    report_dir: Option<&std::path::Path>,
    format: super::args::Format,
) -> Result<(), crate::Error> {
    use super::args::Format;
    use crate::report::{json, junit, write_reports};
    let written = report_dir.map(|dir| write_reports(report, dir));
    let mut stdout = Stdout;
    match format {
        Format::Human => {}
        Format::Json => json::write(report, &mut stdout)?,
        Format::Junit => junit::write(report, &mut stdout)?,
    }
    stdout.flush()?;
    if let Some(written) = written {
        written?;
    }
    Ok(())
}
