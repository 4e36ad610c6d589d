//! The process exit codes: a contract with scripts and CI, one documented constant each.
//!
//! "Could not run" (3) is kept apart from "ran and found non-conformance" (4), and running nothing
//! at all (5) is a failure, never a silent success.

/// Everything selected ran and conformed; or a command such as `serve` ended normally.
pub const OK: i32 = 0;
/// The command line was wrong: an unknown flag, fault or value.
pub const USAGE: i32 = 1;
/// A scenario or configuration file is invalid.
pub const INVALID_FILE: i32 = 2;
/// The target or the harness failed: unreachable, bind failure, I/O error.
pub const RUNTIME: i32 = 3;
/// The target departs from the documented contract.
pub const NON_CONFORMANT: i32 = 4;
/// The selection was empty: nothing ran.
pub const NOTHING_RAN: i32 = 5;
/// Results changed: a snapshot differs from what the target now does, or the baseline of known
/// non-conformances no longer matches (a new failure, or an entry that now passes).
pub const CHANGED: i32 = 6;
/// The run was interrupted by SIGINT (Ctrl-C), 128 + 2 as shells report it. What the run had
/// created was deleted and the report of what finished written (`--report-dir`).
pub const INTERRUPTED: i32 = 130;
/// The run was stopped by SIGTERM (CI cancellation, a container stopping), 128 + 15. Handled as
/// [`INTERRUPTED`]: clean-up done, report written.
pub const TERMINATED: i32 = 143;
