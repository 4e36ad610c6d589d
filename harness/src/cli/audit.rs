//! `audit-api`: the command line of [`crate::audit`]. Resolves the target as `run` does (with
//! `--spawn`, `--allow-remote`, consent for `--target aws`), builds the API's client (the
//! harness's own: timeouts, body cap, no redirects; the CA bundle, never the rehearsal's
//! resolver, since the API is not AWS's), and reports the paths as `run` reports scenarios.

use std::sync::{Arc, Mutex};

use crate::audit::paths::RevocationPath;
use crate::audit::session::AuditUser;
use crate::audit::template::{ApiTemplate, TokenKind};
use crate::audit::verdict::seconds as show_seconds;
use crate::audit::{AuditCredentials, AuditError, AuditPlan, CredentialsError, UserSource, audit_until};
use crate::outcome::{Stop, Verdicts};
use crate::reference::FaultSet;
use crate::report::human::{HumanReporter, Progress};
use crate::report::write_reports;
use crate::runner::OnScenario;
use crate::runner::provision::{NAME_PREFIX, TAG_KEY, TAG_VALUE};
use crate::target::{Connected, TargetSpec, is_loopback_url};
use crate::wire::{HostedAddressing, Network, Wire, WireOptions};
use crate::{Error, Outcome};

use super::args::{AuditArgs, Format, TokenArg};
use super::output::{self, quiet};
use super::target::{resolve, seconds};

/// Refuses a URL of the API that is not on loopback, unless `--allow-remote`.
fn check_url(url: &str, flag: &str, allow_remote: bool) -> Result<(), Error> {
    let loopback = is_loopback_url(url).map_err(|_| Error::Usage(format!("{flag} `{url}` is not an http(s) URL")))?;
    if !loopback && !allow_remote {
        return Err(Error::Usage(format!("{flag} {url} is not on loopback: add --allow-remote")));
    }
    Ok(())
}

/// The paths asked for, in the list's order.
fn paths(args: &AuditArgs) -> Result<Vec<RevocationPath>, Error> {
    if args.paths.is_empty() {
        let all = RevocationPath::ALL.into_iter();
        return Ok(all.filter(|p| *p != RevocationPath::ApiLogout || args.logout_url.is_some()).collect());
    }
    let asked: Vec<RevocationPath> = args.paths.iter().filter_map(|name| RevocationPath::parse(name)).collect();
    if asked.contains(&RevocationPath::ApiLogout) && args.logout_url.is_none() {
        return Err(Error::Usage("--path api-logout needs --logout-url".into()));
    }
    Ok(RevocationPath::ALL.into_iter().filter(|p| asked.contains(p)).collect())
}

/// What an audit against real Cognito would do, printed instead of doing it without consent.
fn consent_text(args: &AuditArgs, paths: &[RevocationPath], region: Option<&str>) -> String {
    let region = region.unwrap_or("the region of your AWS configuration");
    let names: Vec<&str> = paths.iter().map(|p| p.name()).collect();
    let user = match (&args.target.pool_id, &args.client_id) {
        (Some(pool), Some(client)) => format!(
            "  - uses your pool {pool}, its client {client} and the test user of --credentials (or $CC_AUDIT_*); \
             creates and deletes nothing"
        ),
        _ => format!(
            "  - creates a user pool named `{NAME_PREFIX}audit-…`, tagged {TAG_KEY}={TAG_VALUE}, with one app client, \
             one user{} — deleted at the end, on error and on Ctrl-C",
            if paths.contains(&RevocationPath::OAuthRevoke) { " and a hosted-UI domain" } else { "" }
        ),
    };
    let admin = if paths.iter().any(|p| p.is_admin()) {
        "\n  - signs the user out everywhere (AdminUserGlobalSignOut) and disables then re-enables it \
         (AdminDisableUser, AdminEnableUser): admin calls, signed with your AWS credentials"
    } else {
        ""
    };
    format!(
        "Auditing {url} against real Amazon Cognito in {region} ({paths}):\n{user}\n  - signs the user in {sessions} \
         time(s) (USER_PASSWORD_AUTH) and ends each session one way{admin}\n  - sends the user's tokens to {url}\n\
         Cognito may charge for active users. To go ahead, add --create-aws-resources.",
        url = args.url,
        paths = names.join(", "),
        sessions = paths.len() + 1,
    )
}

/// The test user of `--pool-id`.
fn existing_user(args: &AuditArgs) -> Result<Option<AuditUser>, Error> {
    let Some(pool_id) = args.target.pool_id.clone() else { return Ok(None) };
    let Some(client_id) = args.client_id.clone() else {
        return Err(Error::Usage("--pool-id needs --client-id: the app client the test user signs in with".into()));
    };
    let credentials = AuditCredentials::load(args.credentials.as_deref(), |name| std::env::var(name).ok())
        .inspect_err(|error| {
            if let CredentialsError::Invalid(_, problems) = error {
                problems.iter().for_each(|problem| super::select::print_report(problem));
            }
        })
        .map_err(AuditError::from)?;
    Ok(Some(AuditUser {
        pool_id,
        client_id,
        client_secret: credentials.client_secret,
        username: credentials.username,
        password: credentials.password,
        domain: args.target.domain.clone(),
    }))
}

/// Completes when SIGINT or SIGTERM arrives, recording which.
async fn signalled(which: Arc<Mutex<Option<Stop>>>) {
    let stop = super::stop_signal().await;
    if let Ok(mut which) = which.lock() {
        *which = Some(stop);
    }
}

pub fn audit_api(args: AuditArgs) -> Result<Outcome, Error> {
    check_url(&args.url, "--url", args.target.allow_remote)?;
    if let Some(url) = &args.logout_url {
        check_url(url, "--logout-url", args.target.allow_remote)?;
    }
    let token = match args.token {
        TokenArg::Access => TokenKind::Access,
        TokenArg::Id => TokenKind::Id,
    };
    let template = ApiTemplate::new(
        &args.url,
        &args.method,
        token,
        &args.headers,
        &args.accept_status,
        args.accept_body.as_deref(),
    )
    .map_err(|error| Error::Usage(error.to_string()))?;
    let paths = paths(&args)?;
    let (watch, grace) = (seconds(args.watch, "--watch")?, seconds(args.grace, "--grace")?);
    let (spec, connect) = resolve(&args.target, FaultSet::default())?;
    let user = existing_user(&args)?;
    if let TargetSpec::Aws { region, .. } = &spec
        && !args.target.create_aws_resources
    {
        outln!("{}", consent_text(&args, &paths, region.as_deref()))?;
        return Ok(Outcome::ConsentNeeded);
    }
    let plan = AuditPlan {
        template,
        logout: args.logout_url.clone().map(|url| (url, args.logout_method.clone())),
        paths,
        watch,
        grace,
        user: user.map_or(UserSource::Provision, UserSource::Existing),
    };
    // The API is not AWS: the CA bundle applies, the rehearsal's resolver does not; and a 429 from
    // it is an answer (a refusal), not something to retry.
    let api_options = WireOptions {
        throttle_retries: 0,
        network: Network { ca_bundle: connect.wire.network.ca_bundle.clone(), rehearsal: None },
        ..connect.wire.clone()
    };
    let api = Wire::new(&args.url, "us-east-1", HostedAddressing::HostHeader, api_options)
        .map_err(crate::target::TargetError::from)?;
    let human = args.format == Format::Human;
    let outcome = super::runtime()?.block_on(async {
        let target = Connected::open(&spec, &connect).await?;
        if human {
            outln!(
                "auditing {} {} with the {}: {} path(s), grace {}, watch {}",
                args.method.to_ascii_uppercase(),
                args.url,
                token.label(),
                plan.paths.len(),
                show_seconds(plan.grace),
                show_seconds(plan.watch.max(plan.grace)),
            )?;
        }
        let reporter = Arc::new(Mutex::new(HumanReporter::new(std::io::stdout(), Progress::hidden())));
        let on_path: OnScenario = {
            let reporter = reporter.clone();
            Arc::new(move |result| {
                if human && let Ok(mut reporter) = reporter.lock() {
                    let _ = reporter.scenario_finished(result);
                }
            })
        };
        let which = Arc::new(Mutex::new(None));
        let outcome = audit_until(&target, &api, &plan, on_path, signalled(which.clone())).await;
        target.close().await;
        let stop = if outcome.interrupted { which.lock().ok().and_then(|w| *w) } else { None };
        if stop.is_some() {
            errln!("interrupted: {}", outcome.cleanup.describe());
        } else if human
            && outcome.error.is_none()
            && let Ok(mut reporter) = reporter.lock()
        {
            quiet(reporter.finish(&outcome.report))?;
        }
        if outcome.cleanup.left > 0 {
            errln!("{} resource(s) the audit created could not be deleted: `cognito-conformance cleanup` with the same target flags removes them", outcome.cleanup.left);
        }
        Ok::<_, Error>((outcome, stop))
    });
    let (outcome, stop) = outcome?;
    let report = outcome.report;
    if let Some(stop) = stop {
        if let Some(dir) = args.report_dir.as_deref() {
            write_reports(&report, dir)?;
        }
        return Ok(Outcome::Stopped(stop));
    }
    if let Some(error) = outcome.error {
        return Err(error.into());
    }
    output::emit_reports(&report, args.report_dir.as_deref(), args.format)?;
    Ok(Outcome::Run(Verdicts::of(&report)))
}
