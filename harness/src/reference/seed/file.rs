//! The pools file: its TOML format, read as every input file is and validated with each problem
//! at its place in the file (exit 2), all problems at once.
//!
//! ```toml
//! [[pools]]
//! id = "us-east-1_Fixed0001"          # region prefix = serve's --region
//! name = "app"                        # default: the id
//! domain = "app-test"                 # optional hosted-domain prefix
//! [[pools.clients]]
//! id = "fixedclient0000000000000001"
//! name = "web"                        # default: the id
//! secret = "..."                      # optional, 24–64 of [A-Za-z0-9_+]; or generate_secret = true
//! enable_token_revocation = true      # default true
//! explicit_auth_flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
//! access_token_validity = 5           # minutes, optional: 5–1440 (also id_token_validity);
//!                                     # refresh_token_validity: 60–5256000
//! [[pools.users]]
//! username = "alice"
//! password = "Passw0rd!"              # permanent: the user is CONFIRMED
//! attributes = { email = "alice@example.com" }
//! ```
//!
//! Each value is checked against the rule the API applies to it (the service model's lengths and
//! patterns in [`crate::reference::validate`], the default password policy, AdminCreateUser's
//! attribute checks), so what the file accepts the API accepts. Then the whole seed is created once
//! on a scratch reference ([`super::apply`]): whatever the reference still refuses is reported at
//! the entity it refused. Diagnostics show the file with its secrets masked ([`super::mask`]).

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::mask::{Masked, mask};
use super::{ClientSecret, Entity, Seed, SeedClient, SeedPool, SeedUser, Secret, apply};
use crate::cognito::EXPLICIT_AUTH_FLOWS;
use crate::reference::store::{Limits, PasswordPolicy};
use crate::reference::validate::{CLIENT_ID, CLIENT_NAME, CLIENT_SECRET, POOL_NAME, StringRule, USERNAME, Validator, password};
use crate::reference::{FaultSet, Service, users};
use crate::scenario::ScenarioError;
use crate::scenario::error::Problems;

/// Why a pools file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PoolsFileError {
    /// The path does not exist: the command line's mistake.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// The file is unreadable or invalid: every problem found, located.
    #[error("{} invalid pools file problem(s)", .0.len())]
    Invalid(Vec<ScenarioError>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PoolsFile {
    #[serde(default)]
    pools: Vec<PoolEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PoolEntry {
    id: Spanned<String>,
    name: Option<Spanned<String>>,
    domain: Option<Spanned<String>>,
    #[serde(default)]
    clients: Vec<ClientEntry>,
    #[serde(default)]
    users: Vec<UserEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientEntry {
    id: Spanned<String>,
    name: Option<Spanned<String>>,
    secret: Option<Spanned<String>>,
    generate_secret: Option<Spanned<bool>>,
    enable_token_revocation: Option<bool>,
    explicit_auth_flows: Option<Spanned<Vec<Spanned<String>>>>,
    access_token_validity: Option<Spanned<i64>>,
    id_token_validity: Option<Spanned<i64>>,
    refresh_token_validity: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserEntry {
    username: Spanned<String>,
    password: Spanned<String>,
    #[serde(default)]
    attributes: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// Words a domain prefix may not contain (Cognito's rule for prefix domains).
const RESERVED_IN_DOMAIN: [&str; 3] = ["aws", "amazon", "cognito"];

/// Token validity bounds in minutes: access and ID 5 minutes–1 day, refresh 1 hour–10 years.
const VALIDITY_MINUTES: [(&str, i64, i64); 3] =
    [("access_token_validity", 5, 1_440), ("id_token_validity", 5, 1_440), ("refresh_token_validity", 60, 5_256_000)];

/// Reads, validates and dry-runs the pools file at `path`, for a reference serving `region`.
pub fn load(path: &Path, region: &str) -> Result<Seed, PoolsFileError> {
    std::fs::symlink_metadata(path).map_err(|source| PoolsFileError::Io { path: path.to_path_buf(), source })?;
    let text = crate::input::read_input_shown(path, |text| mask(text).text)
        .map_err(|problem| PoolsFileError::Invalid(vec![*problem]))?;
    let mut masked = mask(&text);
    let file: PoolsFile = toml::from_str(&text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        let message = masked.scrub(error.message().trim());
        PoolsFileError::Invalid(vec![ScenarioError::new(path, &masked.text, span, message, "here", None)])
    })?;
    for pool in &file.pools {
        pool.clients.iter().filter_map(|c| c.secret.as_ref()).for_each(|s| masked.add(s.get_ref()));
        pool.users.iter().for_each(|u| masked.add(u.password.get_ref()));
    }
    let mut checker = Checker { problems: Problems::new(path, &masked.text), masked: &masked, region };
    let seed = checker.seed(path, file.pools.as_slice());
    if checker.problems.is_empty() {
        checker.dry_run(&seed, &file.pools);
    }
    if checker.problems.is_empty() {
        return Ok(seed);
    }
    // Found pool by pool, entity by entity; reported in the file's order.
    let mut problems = checker.problems.into_vec();
    problems.sort_by_key(|problem| (problem.line, problem.column));
    Err(PoolsFileError::Invalid(problems))
}

struct Checker<'a> {
    problems: Problems<'a>,
    masked: &'a Masked,
    region: &'a str,
}

/// What the first holder of a unique value is: where it was declared.
type Seen = HashMap<String, Range<usize>>;

impl Checker<'_> {
    fn problem(&mut self, span: Range<usize>, message: &str, label: &str, help: Option<String>) {
        let message = self.masked.scrub(message);
        self.problems.add(span, message, label, help);
    }

    /// Checks `value` against a model rule; reports the violations at `span`.
    fn rule(&mut self, rule: StringRule, value: &Spanned<String>) -> bool {
        let mut v = Validator::new();
        v.check(rule, value.get_ref());
        self.api_result(v.finish(), value.span(), "this value")
    }

    /// Reports an API refusal at `span`, without its "N validation errors detected" preamble.
    fn api_result(&mut self, result: Result<(), crate::reference::error::ApiError>, span: Range<usize>, label: &str) -> bool {
        let Err(error) = result else { return true };
        let message = match error.message.split_once(" detected: ") {
            Some((_, rest)) if error.message.contains("validation error") => rest.to_owned(),
            _ => error.message,
        };
        self.problem(span, &message, label, None);
        false
    }

    /// Reports `value` at `span` if `seen` holds it already; else records it.
    fn unique(&mut self, seen: &mut Seen, what: &str, value: &Spanned<String>, text: &str) {
        match seen.get(value.get_ref()) {
            Some(first) => {
                let (line, _) = crate::scenario::error::line_col(text, first.start);
                let help = Some(format!("first declared on line {line}"));
                self.problem(value.span(), &format!("{what} declared twice"), "again here", help);
            }
            None => {
                seen.insert(value.get_ref().clone(), value.span());
            }
        }
    }

    fn seed(&mut self, path: &Path, entries: &[PoolEntry]) -> Seed {
        let region = self.region;
        let text = self.masked.text.clone();
        let (mut pool_ids, mut client_ids, mut domains) = (Seen::new(), Seen::new(), Seen::new());
        let mut pools = Vec::new();
        for entry in entries {
            let mut v = Validator::new();
            v.pool_id(Some(entry.id.get_ref()));
            if self.api_result(v.finish(), entry.id.span(), "this pool id") {
                let prefix = entry.id.get_ref().rsplit_once('_').map_or("", |(prefix, _)| prefix);
                if prefix != region {
                    let help = Some(format!("serve answers for `--region {region}`: ids there start `{region}_`"));
                    let message = format!("the pool id's region `{prefix}` is not the served region `{region}`");
                    self.problem(entry.id.span(), &message, "this pool id", help);
                }
            }
            self.unique(&mut pool_ids, "pool id", &entry.id, &text);
            let name = entry.name.as_ref().unwrap_or(&entry.id);
            self.rule(POOL_NAME, name);
            if let Some(domain) = &entry.domain {
                self.domain(domain);
                self.unique(&mut domains, "domain", domain, &text);
            }
            let clients = entry.clients.iter().map(|c| self.client(c, &mut client_ids, &text)).collect();
            let mut usernames = Seen::new();
            let users = entry.users.iter().map(|u| self.user(u, &mut usernames, &text)).collect();
            pools.push(SeedPool {
                id: entry.id.get_ref().clone(),
                name: name.get_ref().clone(),
                domain: entry.domain.as_ref().map(|d| d.get_ref().clone()),
                clients,
                users,
            });
        }
        Seed { source: path.to_path_buf(), pools }
    }

    fn domain(&mut self, domain: &Spanned<String>) {
        let mut v = Validator::new();
        v.domain(Some(domain.get_ref()));
        if self.api_result(v.finish(), domain.span(), "this domain prefix")
            && let Some(word) = RESERVED_IN_DOMAIN.iter().find(|word| domain.get_ref().contains(*word))
        {
            let message = format!("a domain prefix may not contain the reserved word `{word}`");
            self.problem(domain.span(), &message, "this domain prefix", None);
        }
    }

    fn client(&mut self, entry: &ClientEntry, seen: &mut Seen, text: &str) -> SeedClient {
        self.rule(CLIENT_ID, &entry.id);
        self.unique(seen, "client id", &entry.id, text);
        let name = entry.name.as_ref().unwrap_or(&entry.id);
        self.rule(CLIENT_NAME, name);
        let generate = entry.generate_secret.as_ref().is_some_and(|g| *g.get_ref());
        let secret = match (&entry.secret, generate) {
            (Some(secret), true) => {
                let help = Some("give `secret`, or `generate_secret = true`, not both".to_owned());
                self.problem(secret.span(), "`secret` and `generate_secret = true` exclude each other", "this secret", help);
                ClientSecret::None
            }
            (Some(secret), false) => {
                self.rule(CLIENT_SECRET, secret);
                ClientSecret::Fixed(Secret::new(secret.get_ref()))
            }
            (None, true) => ClientSecret::Generate,
            (None, false) => ClientSecret::None,
        };
        let flows = entry.explicit_auth_flows.as_ref().map(|flows| self.flows(flows));
        let values = [&entry.access_token_validity, &entry.id_token_validity, &entry.refresh_token_validity];
        let mut validity_minutes = [None; 3];
        for ((key, min, max), (value, slot)) in VALIDITY_MINUTES.iter().zip(values.into_iter().zip(&mut validity_minutes)) {
            let Some(value) = value else { continue };
            if (*min..=*max).contains(value.get_ref()) {
                *slot = Some(*value.get_ref());
            } else {
                let message = format!("`{key}` is in minutes, from {min} to {max}");
                self.problem(value.span(), &message, "this validity", None);
            }
        }
        SeedClient {
            id: entry.id.get_ref().clone(),
            name: name.get_ref().clone(),
            secret,
            enable_token_revocation: entry.enable_token_revocation.unwrap_or(true),
            explicit_auth_flows: flows,
            validity_minutes,
        }
    }

    fn flows(&mut self, flows: &Spanned<Vec<Spanned<String>>>) -> Vec<String> {
        for flow in flows.get_ref() {
            if !EXPLICIT_AUTH_FLOWS.contains(&flow.get_ref().as_str()) {
                let help = Some(format!("one of {}", EXPLICIT_AUTH_FLOWS.join(", ")));
                self.problem(flow.span(), "not an explicit auth flow", "this flow", help);
            }
        }
        let legacy = flows.get_ref().iter().any(|f| !f.get_ref().starts_with("ALLOW_"));
        let modern = flows.get_ref().iter().any(|f| f.get_ref().starts_with("ALLOW_"));
        if legacy && modern {
            self.problem(flows.span(), "legacy and ALLOW_ explicit auth flows cannot be mixed", "these flows", None);
        }
        flows.get_ref().iter().map(|f| f.get_ref().clone()).collect()
    }

    fn user(&mut self, entry: &UserEntry, seen: &mut Seen, text: &str) -> SeedUser {
        self.rule(USERNAME, &entry.username);
        self.unique(seen, "username (in this pool)", &entry.username, text);
        if self.rule(password("password"), &entry.password) {
            let policy = users::check_password(&PasswordPolicy::default(), entry.password.get_ref());
            self.api_result(policy.map(drop), entry.password.span(), "this password");
        }
        let attributes: Vec<(String, String)> =
            entry.attributes.iter().map(|(name, value)| (name.get_ref().clone(), value.get_ref().clone())).collect();
        let mut each_passes = true;
        for (name, value) in &entry.attributes {
            let one = [(name.get_ref().clone(), value.get_ref().clone())];
            each_passes &= self.api_result(users::check_user_attributes(&one), name.span(), "this attribute");
        }
        // Each attribute passed alone; together they may still break the schema (too many custom).
        if each_passes && let Some((first, _)) = entry.attributes.iter().next() {
            self.api_result(users::check_user_attributes(&attributes), first.span(), "these attributes");
        }
        SeedUser { username: entry.username.get_ref().clone(), password: Secret::new(entry.password.get_ref()), attributes }
    }

    /// Creates the seed on a scratch reference; whatever it refuses is reported at the entity.
    fn dry_run(&mut self, seed: &Seed, entries: &[PoolEntry]) {
        let service = match Service::new(FaultSet::none(), self.region.to_owned(), Limits::default()) {
            Ok(service) => service,
            Err(error) => {
                self.problem(0..0, &format!("cannot start a scratch reference to check the pools: {error}"), "here", None);
                return;
            }
        };
        let Err(failure) = apply(&service, seed) else { return };
        let entry = &entries[failure.pool];
        let span = match failure.entity {
            Entity::Pool => entry.id.span(),
            Entity::Domain => entry.domain.as_ref().map_or(entry.id.span(), Spanned::span),
            Entity::Client(i) => entry.clients[i].id.span(),
            Entity::User(i) => entry.users[i].username.span(),
        };
        let message = format!("the reference refuses this: {}: {}", failure.error.kind.name(), failure.error.message);
        self.problem(span, &message, "refused", None);
    }
}
