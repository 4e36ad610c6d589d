//! Command-line options (clap derive). Each subcommand's behaviour is in its own module, which
//! calls the library and returns an `Outcome`, which alone decides the exit code.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::Outcome;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// The most scenarios a run keeps in flight: each holds connections and a pool's clients and users
/// on the target, and tokio refuses absurd counts by panicking, not by an error.
const MAX_RUN_JOBS: i64 = 256;
/// The most fuzz workers: each provisions a whole world (2 pools, 5 clients, 3 users) first.
const MAX_FUZZ_JOBS: i64 = 64;

/// Conformance harness and fuzzer for Amazon Cognito refresh-token revocation.
#[derive(Debug, Parser)]
#[command(
    name = "cognito-conformance",
    version,
    about = concat!(
        "Conformance harness and fuzzer for Amazon Cognito refresh-token revocation.\n",
        "The behaviour it checks, fact by fact with evidence and sources: docs/spec.md in\n",
        env!("CARGO_PKG_REPOSITORY"),
        "\n(citations such as §3 E4 are its anchors)."
    )
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios against a target and judge every expectation.
    Run(RunArgs),
    /// List scenarios, their tags and their sources.
    List(ListArgs),
    /// Validate scenario files without running them.
    Check(CheckArgs),
    /// Run the embedded reference target until Ctrl-C.
    Serve(ServeArgs),
    /// Where two targets behave differently, behaviour by behaviour.
    Diff(DiffArgs),
    /// Write the conformance matrix (scenarios × targets) as Markdown and HTML.
    Matrix(MatrixArgs),
    /// Delete pools that killed runs left behind on a target (and nothing else).
    Cleanup(CleanupArgs),
    /// Throw hostile revoke and token requests at a target and check the contract after each.
    Fuzz(FuzzArgs),
    /// Does your API refuse a user's tokens once the session has ended? Signs a user in, ends the
    /// session each way Cognito offers, and measures how long the API still accepts the tokens.
    AuditApi(AuditArgs),
    /// The suite compiled into this binary: write it out for editing.
    #[command(subcommand)]
    Scenarios(ScenariosCommand),
    /// Install, start, stop and probe the emulators of the built-in profiles (pinned versions,
    /// installed under $CC_EMULATORS_DIR or the platform's cache directory).
    #[command(subcommand)]
    Emulator(EmulatorCommand),
}

#[derive(Debug, Subcommand)]
pub enum ScenariosCommand {
    /// Write the embedded suite (scenario files and KILLS.toml) into DIR, e.g. to edit it and run
    /// it with `--scenarios DIR`.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write (created if needed).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Overwrite files that differ from the embedded ones.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum EmulatorCommand {
    /// Install the pinned version (once; again when the pin changed).
    Install(EmulatorNames),
    /// Install if needed, start in the background on 127.0.0.1 and wait until it answers.
    Start(EmulatorPort),
    /// Stop what `emulator start` started (its whole process group).
    Stop(EmulatorPort),
    /// The installed version and whether it runs and answers; exit 0 if so, else 3.
    Status(EmulatorPort),
    /// Print the emulator's install directory.
    Path(EmulatorName),
}

#[derive(Debug, Args)]
pub struct EmulatorNames {
    /// Emulators, from the built-in table.
    #[arg(value_name = "NAME", required = true, value_parser = emulator_names())]
    pub names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct EmulatorName {
    /// An emulator from the built-in table.
    #[arg(value_name = "NAME", value_parser = emulator_names())]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct EmulatorPort {
    /// An emulator from the built-in table.
    #[arg(value_name = "NAME", value_parser = emulator_names())]
    pub name: String,
    /// The port on 127.0.0.1 (default: the emulator's own, as its profile expects).
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// How long `start` waits for the emulator to answer, installation excluded, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub wait: f64,
}

/// The names `emulator` accepts: the emulator table's.
fn emulator_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(crate::target::emulator::names())
}

/// Where the target is and how to reach it.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// `reference` (default), a URL, `aws`, or a profile: moto, cognito-local, ministack,
    /// aws-local-run, fakecloud, or one from --config.
    #[arg(long, default_value = "reference")]
    pub target: String,
    /// A TOML file of extra target profiles.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Allow a target that is not on loopback.
    #[arg(long)]
    pub allow_remote: bool,
    /// Start the emulator of a built-in profile on a free loopback port (installing it on first
    /// use, as `emulator install` does) and stop it afterwards.
    #[arg(long)]
    pub spawn: bool,
    /// How long --spawn waits for the emulator to answer, installation included, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 600.0)]
    pub spawn_timeout: f64,
    /// AWS region (`--target aws`); default: the SDK configuration's (AWS_REGION, profile).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Send `--target aws` requests to this endpoint instead of Cognito's (must be on loopback
    /// unless --allow-remote).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Consent to creating real, possibly billable resources in your AWS account (`--target aws`).
    #[arg(long)]
    pub create_aws_resources: bool,
    /// Per-request timeout, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Also trust the certificate authorities in this PEM file (a corporate proxy's, say), for
    /// the target and the AWS credential chain alike, as the AWS CLI does.
    #[arg(long, value_name = "FILE", env = "AWS_CA_BUNDLE")]
    pub ca_bundle: Option<PathBuf>,
    /// Rehearsals only (`--target aws`): resolve every AWS host name to this address, a stand-in
    /// such as `serve --aws-rehearsal`, so the run takes the very path it takes against AWS
    /// (real host names, TLS, SigV4) without leaving the machine. Other names do not resolve.
    #[arg(long, value_name = "ADDR:PORT")]
    pub rehearsal: Option<std::net::SocketAddr>,
    /// Use this user pool of yours for the default pool configuration instead of creating one
    /// (`run`): the run creates and deletes only its own clients and users in it. With `cleanup`:
    /// delete the `cc-` clients and users (and `cc-` domain) runs left in this pool. With
    /// `audit-api`: the pool of the test user and `--client-id`; the audit then creates nothing.
    #[arg(long, value_name = "ID")]
    pub pool_id: Option<String>,
    /// The hosted domain (prefix) of the --pool-id pool, for the scenarios that need one: the run
    /// then creates no domain at all.
    #[arg(long, value_name = "PREFIX", requires = "pool_id")]
    pub domain: Option<String>,
}

/// Which scenarios.
#[derive(Debug, Args)]
pub struct Selection {
    /// Scenario files or directories (default: the suite compiled into this binary).
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    /// A scenario directory to use instead of the embedded suite (`scenarios export` writes one).
    #[arg(long, value_name = "DIR", conflicts_with = "paths")]
    pub scenarios: Option<PathBuf>,
    /// Only scenarios with this tag (repeatable: any of them).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Leave out scenarios with this tag (repeatable).
    #[arg(long = "skip-tag", value_name = "TAG")]
    pub skip_tags: Vec<String>,
    /// Only scenarios whose id matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    pub filter: Option<String>,
}

/// The stdout format of `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A line per scenario, details of what failed, a summary.
    Human,
    /// The JSON report (schema: harness/schema/report-v2.json).
    Json,
    /// JUnit XML.
    Junit,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub selection: Selection,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Switch on a reference fault (repeatable; reference target only).
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Scenarios in flight at once, 1 to 256 (default: 4 × cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_RUN_JOBS))]
    pub jobs: Option<u16>,
    /// Unmet inferred expectations fail instead of warning.
    #[arg(long)]
    pub strict: bool,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write report.json and junit.xml into this directory.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Start no new scenario once one fails or errors.
    #[arg(long)]
    pub fail_fast: bool,
    /// Whole-run deadline, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 600.0)]
    pub deadline: f64,
    /// Compare each scenario's transcript with its snapshot; a change fails the run (exit 6).
    #[arg(long)]
    pub snapshot: bool,
    /// Write the snapshots of the scenarios that ran (accepting every change).
    #[arg(long, conflicts_with = "snapshot")]
    pub update_snapshots: bool,
    /// Judge the run against the target's known non-conformances (snapshots/<target>/expected.toml):
    /// it passes when they match, and fails (exit 6) on a new failure or an entry that now passes.
    #[arg(long)]
    pub baseline: bool,
    /// Rewrite the target's expected.toml from this run (keeping the reasons of unchanged entries).
    #[arg(long, conflicts_with = "baseline")]
    pub update_baseline: bool,
    /// Where snapshots and baselines live. While this directory does not exist (outside a
    /// checkout), --baseline uses the baseline compiled in for a built-in target.
    #[arg(long, value_name = "DIR", default_value = "snapshots")]
    pub snapshot_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The first target (snapshot directory name, e.g. `reference`).
    #[arg(long, value_name = "TARGET")]
    pub left: String,
    /// The second target (e.g. `moto`).
    #[arg(long, value_name = "TARGET")]
    pub right: String,
    /// Where snapshots live.
    #[arg(long, value_name = "DIR", default_value = "snapshots")]
    pub snapshot_dir: PathBuf,
    /// Also show the transcript diff of each scenario that differs.
    #[arg(long)]
    pub transcripts: bool,
    /// Run both targets now (loopback targets; --spawn for emulators) instead of reading snapshots.
    #[arg(long)]
    pub live: bool,
    /// With --live: start the emulators of built-in profiles.
    #[arg(long, requires = "live")]
    pub spawn: bool,
    /// With --live: the scenarios to run.
    #[command(flatten)]
    pub selection: Selection,
}

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// The targets, in column order (default: every directory of the snapshot directory,
    /// reference first).
    #[arg(long = "target", value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Where snapshots live.
    #[arg(long, value_name = "DIR", default_value = "snapshots")]
    pub snapshot_dir: PathBuf,
    /// Where to write matrix.md and matrix.html (default: the snapshot directory).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print only the Markdown summary table (what the README shows).
    #[arg(long)]
    pub summary: bool,
}

/// Which surfaces `fuzz` attacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SurfaceArg {
    /// RevokeToken on the AWS JSON API.
    RevokeApi,
    /// `POST /oauth2/revoke` on the pool's domain.
    RevokeEndpoint,
    /// `POST /oauth2/token` (refresh grant) on the pool's domain.
    TokenEndpoint,
    /// All three.
    All,
}

#[derive(Debug, Args)]
pub struct FuzzArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Switch on a reference fault (repeatable; reference target only).
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Stop after this many cases (default: 10000, or no limit with --time-limit).
    #[arg(long, value_name = "N")]
    pub cases: Option<u64>,
    /// The seed; with a case's index it determines the case (default: random, printed).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Stop after this long, e.g. `30s`, `5m`.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub time_limit: Option<std::time::Duration>,
    /// What to attack (repeatable).
    #[arg(long = "surface", value_enum, default_value = "all")]
    pub surfaces: Vec<SurfaceArg>,
    /// Workers, each with its own pools and sessions, 1 to 64 (default: 2 × cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_FUZZ_JOBS))]
    pub jobs: Option<u16>,
    /// An answer slower than this is a finding, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub answer_bound: f64,
    /// Where reproductions (scenario files) are written.
    #[arg(long, value_name = "DIR", default_value = "fuzz-findings")]
    pub out_dir: PathBuf,
    /// At most this many re-runs while shrinking a finding.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub shrink_limit: usize,
    /// Go on after the first finding; report the first case of each distinct finding (kind,
    /// family, surface), up to --max-findings.
    #[arg(long)]
    pub keep_going: bool,
    /// With --keep-going, how many distinct findings to shrink and write.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_findings: usize,
    /// Fuzz surfaces the target lacks as well (to measure it; nearly every answer is then a finding).
    #[arg(long)]
    pub include_unsupported: bool,
}

/// Which token `audit-api` sends by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenArg {
    /// The access token.
    Access,
    /// The ID token.
    Id,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The API request the audit makes with the user's token. Must be on loopback unless
    /// --allow-remote.
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// The request's method.
    #[arg(long, value_name = "METHOD", default_value = "GET")]
    pub method: String,
    /// The token sent in `Authorization: Bearer …`.
    #[arg(long, value_enum, default_value_t = TokenArg::Access)]
    pub token: TokenArg,
    /// An extra header, `Name: value` (repeatable). One containing {{access_token}} or
    /// {{id_token}} replaces the default Authorization header.
    #[arg(long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,
    /// A status that means "accepted" (repeatable; default: any 2xx).
    #[arg(long = "accept-status", value_name = "STATUS")]
    pub accept_status: Vec<u16>,
    /// "Accepted" also needs the body to match this regular expression.
    #[arg(long, value_name = "REGEX")]
    pub accept_body: Option<String>,
    /// The API's own logout endpoint: called with the token as for --url, and the refresh token
    /// in a JSON body `{"refresh_token": "…"}` (path `api-logout`).
    #[arg(long, value_name = "URL")]
    pub logout_url: Option<String>,
    /// The logout request's method.
    #[arg(long, value_name = "METHOD", default_value = "POST")]
    pub logout_method: String,
    /// A way to end the session (repeatable; default: every one, `api-logout` only with
    /// --logout-url).
    #[arg(long = "path", value_name = "NAME", value_parser = audit_paths())]
    pub paths: Vec<String>,
    /// How long to watch the API after each revocation, in seconds (at least --grace; never past
    /// the token's exp).
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub watch: f64,
    /// The API passes a path when it refuses the token within this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub grace: f64,
    /// The app client of --pool-id the test user signs in with.
    #[arg(long, value_name = "ID", requires = "pool_id")]
    pub client_id: Option<String>,
    /// With --pool-id: a TOML file with the test user's `username`, `password` and the client's
    /// `client_secret` (else $CC_AUDIT_USERNAME, $CC_AUDIT_PASSWORD, $CC_AUDIT_CLIENT_SECRET).
    #[arg(long, value_name = "FILE", requires = "pool_id")]
    pub credentials: Option<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write report.json and junit.xml into this directory.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
}

/// The names `audit-api --path` accepts: the audit's list.
fn audit_paths() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(crate::audit::paths::RevocationPath::names())
}

#[derive(Debug, Args)]
pub struct CleanupArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// List tags with their scenario counts instead.
    #[arg(long = "tags", conflicts_with = "sources")]
    pub show_tags: bool,
    /// List the sources cited by expectations, with counts, instead.
    #[arg(long)]
    pub sources: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files or directories (default: the suite compiled into this binary).
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    /// A scenario directory to check instead of the embedded suite.
    #[arg(long, value_name = "DIR", conflicts_with = "paths")]
    pub scenarios: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on (0 picks a free port).
    #[arg(long, default_value_t = 9329)]
    pub port: u16,
    /// Switch on a bug class (repeatable); see --list-faults.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Describe every fault and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// Region used in pool ids and token issuers.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// Allow listening on an address other than loopback.
    #[arg(long)]
    pub allow_non_loopback: bool,
    /// Close a connection whose request head is not complete this long after its first byte
    /// (slowloris).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = positive_duration)]
    pub header_timeout: Duration,
    /// Close a keep-alive connection that sends no new request for this long.
    #[arg(long, value_name = "DURATION", default_value = "120s", value_parser = positive_duration)]
    pub idle_timeout: Duration,
    /// Answer 408 to a request whose body has not arrived this long after its head.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = positive_duration)]
    pub body_timeout: Duration,
    /// Start with the pools, app clients, users and hosted domains of this TOML file, with their
    /// fixed ids and secrets (see the README, "Fixed pools: serve --pools"). Secrets are never
    /// printed.
    #[arg(long, value_name = "FILE")]
    pub pools: Option<PathBuf>,
    /// Serve the AWS rehearsal instead: the reference over HTTPS under AWS's host names, with
    /// SigV4, throttling, domain delay and revocation lag, for `run --target aws --rehearsal`.
    #[arg(long)]
    pub aws_rehearsal: bool,
    /// Where --aws-rehearsal writes ca.pem and credentials (default: a new directory in the
    /// system's temporary directory).
    #[arg(long, value_name = "DIR", requires = "aws_rehearsal")]
    pub state_dir: Option<PathBuf>,
    /// Rehearsal: milliseconds added before every answer [default: 10].
    #[arg(long, value_name = "MS", requires = "aws_rehearsal")]
    pub latency: Option<u64>,
    /// Rehearsal: seconds a new hosted domain refuses connections [default: 1].
    #[arg(long, value_name = "SECONDS", requires = "aws_rehearsal")]
    pub domain_delay: Option<f64>,
    /// Rehearsal: milliseconds before a revocation or sign-out takes effect [default: 500].
    #[arg(long, value_name = "MS", requires = "aws_rehearsal")]
    pub revocation_lag: Option<u64>,
    /// Rehearsal: API requests a second before TooManyRequestsException, 0 for no limit
    /// [default: 50].
    #[arg(long, value_name = "N", requires = "aws_rehearsal")]
    pub rate_limit: Option<u32>,
    /// Rehearsal: user pools the account may hold before LimitExceededException [default: 1000].
    #[arg(long, value_name = "N", requires = "aws_rehearsal")]
    pub max_pools: Option<usize>,
}

/// A duration such as `10s` or `2m`, more than zero (a zero timeout would refuse every client).
fn positive_duration(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text) {
        Ok(duration) if !duration.is_zero() => Ok(duration),
        Ok(_) => Err("must be more than zero".into()),
        Err(error) => Err(error.to_string()),
    }
}

/// Parses the process arguments; on a usage error prints clap's message and returns the exit code
/// (clap's own code would be 2, which is reserved for invalid scenario files).
pub fn parse_from_env() -> Result<Cli, Outcome> {
    Cli::try_parse().map_err(|error| {
        let _ = error.print();
        if error.use_stderr() { Outcome::UsageRefused } else { Outcome::Done }
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap checks its definitions only when a command is parsed; check them all here.
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    /// `serve`'s documented timeout defaults are the library's.
    #[test]
    fn serve_timeout_defaults_are_the_references() {
        use clap::Parser;
        let super::Command::Serve(args) = super::Cli::parse_from(["cognito-conformance", "serve"]).command else {
            panic!("serve parses as serve");
        };
        let defaults = crate::reference::Timeouts::default();
        assert_eq!(
            (args.header_timeout, args.idle_timeout, args.body_timeout),
            (defaults.header, defaults.idle, defaults.body)
        );
    }
}
