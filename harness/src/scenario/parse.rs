//! From file text to a checked [`Scenario`]: TOML with spans, then every rule serde cannot
//! express, each violation reported at its place in the file. Each step's action is lowered in
//! `lower.rs`, kind by kind.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;

use toml::Spanned;

use super::action::ActionKind;
use super::claims::{Claims, SuiteCheck};
use super::error::{Problems, ScenarioError};
use super::format::{ScenarioFile, StepFile};
use super::model::{
    Action, ClientSpec, DEFAULT_CLIENT, DEFAULT_FLOWS, DEFAULT_SESSION, DEFAULT_USER, Expectation, MAIN_POOL,
    PoolSpec, Scenario, Step, UserSpec,
};
use super::template::{FixtureKind, Reference, Template};
use crate::cognito::EXPLICIT_AUTH_FLOWS;

mod lower;
mod strings;

fn is_kebab(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Parses and checks one scenario file's text against the embedded claims registry. `path` is
/// used in diagnostics (its stem is the default id) and kept in the model.
pub fn parse_scenario(path: &Path, text: &str) -> Result<Scenario, Vec<ScenarioError>> {
    parse_scenario_with(path, text, Claims::embedded()?)
}

/// [`parse_scenario`] against `claims`.
pub fn parse_scenario_with(path: &Path, text: &str, claims: &Claims) -> Result<Scenario, Vec<ScenarioError>> {
    let file: ScenarioFile = toml::from_str(text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        vec![ScenarioError::new(path, text, span, error.message().trim(), "here", hint_for(error.message()))]
    })?;
    let mut checker = Checker { path, text, claims, errors: Problems::new(path, text), session_use: None };
    let scenario = checker.scenario(file);
    if checker.errors.is_empty() { Ok(scenario) } else { Err(checker.errors.into_vec()) }
}

/// The span of the `id` value of a file that parsed, as the TOML parser read it; `None` when the
/// file has no `id` key (its id is its stem).
pub(super) fn id_span(text: &str) -> Option<Range<usize>> {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        id: Option<Spanned<String>>,
    }
    toml::from_str::<IdOnly>(text).ok()?.id.map(|id| id.span())
}

fn hint_for(message: &str) -> Option<String> {
    if message.contains("unknown field") {
        Some("every table is closed: check the key's spelling against the format in the README".into())
    } else if message.contains("missing field") {
        Some("this key is required here".into())
    } else {
        None
    }
}

pub(super) struct Checker<'a> {
    path: &'a Path,
    text: &'a str,
    pub(super) claims: &'a Claims,
    errors: Problems<'a>,
    /// Where the default session is first referred to, if it is.
    session_use: Option<Range<usize>>,
}

/// What later steps may refer to, as known at a point in the file.
#[derive(Default)]
pub(super) struct Scope {
    pools: BTreeMap<String, bool>,
    clients: BTreeMap<String, String>,
    users: BTreeSet<String>,
    steps: BTreeMap<String, ActionKind>,
    captures: BTreeSet<String>,
    /// The default session may be referred to (no step of its name in the file).
    default_session: bool,
}

impl<'a> Checker<'a> {
    pub(super) fn error(&mut self, span: Range<usize>, message: impl Into<String>, label: &str, help: Option<&str>) {
        self.errors.add(span, message, label, help.map(str::to_owned));
    }

    fn scenario(&mut self, file: ScenarioFile) -> Scenario {
        let id = self.id(&file);
        for (field, value) in [("title", &file.title), ("spec", &file.spec)] {
            if value.get_ref().trim().is_empty() {
                self.error(value.span(), format!("`{field}` must not be empty"), "empty", None);
            }
        }
        if !file.spec.get_ref().contains('§') {
            self.error(file.spec.span(), "`spec` must cite a section of the spec, e.g. `§1.4 R7`", "no §", None);
        }
        let mut tags = Vec::new();
        for tag in &file.tags {
            if !is_kebab(tag.get_ref()) {
                self.error(tag.span(), "tags are kebab-case", "this tag", None);
            }
            tags.push(tag.get_ref().clone());
        }
        let mut scope = Scope::default();
        let pools = self.pools(&file, &mut scope);
        let clients = self.clients(&file, &mut scope);
        let users = self.users(&file, &mut scope);
        scope.default_session = !file.steps.iter().any(|step| {
            step.get_ref().name.as_ref().is_some_and(|name| name.get_ref() == DEFAULT_SESSION)
        });
        let mut steps = Vec::new();
        for (index, step) in file.steps.iter().enumerate() {
            if let Some(step) = self.step(index, step, &mut scope) {
                steps.push(step);
            }
        }
        if file.steps.is_empty() {
            self.error(0..0, "a scenario needs at least one step", "here", Some("add a [[steps]] table"));
        }
        if let Some(session) = self.default_session(&scope) {
            steps.insert(0, session);
        }
        let suite_checks = self.suite_checks(&steps);
        Scenario {
            id,
            title: file.title.into_inner(),
            spec: file.spec.into_inner(),
            tags,
            file: self.path.to_path_buf(),
            pools,
            clients,
            users,
            steps,
            suite_checks,
        }
    }

    /// The scenario's id: the file's stem, which an `id` key, if present, must repeat.
    fn id(&mut self, file: &ScenarioFile) -> String {
        let stem = self.path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
        let Some(id) = &file.id else {
            if !is_kebab(&stem) {
                let message = format!("the file name `{stem}` is not a valid id (kebab-case: a-z, 0-9, -)");
                self.error(0..0, message, "here", Some("rename the file, or give an `id`"));
            }
            return stem;
        };
        if !is_kebab(id.get_ref()) {
            self.error(id.span(), "`id` must be kebab-case (a-z, 0-9, -)", "this id", None);
        } else if is_kebab(&stem) && *id.get_ref() != stem {
            let message = format!("`id` differs from the file name `{stem}`");
            self.error(id.span(), message, "this id", Some("leave `id` out: a scenario's id is its file's stem"));
        }
        id.get_ref().clone()
    }

    /// The default session's step, when a step refers to it: `alice` signed in with `app`.
    fn default_session(&mut self, scope: &Scope) -> Option<Step> {
        let used = self.session_use.clone()?;
        if !scope.clients.contains_key(DEFAULT_CLIENT) || !scope.users.contains(DEFAULT_USER) {
            let message = format!(
                "`{DEFAULT_SESSION}` is the default session, `{DEFAULT_USER}` signed in with `{DEFAULT_CLIENT}`, \
                 and this scenario has no client `{DEFAULT_CLIENT}` or no user `{DEFAULT_USER}`"
            );
            self.error(used, message, "here", Some("add a step named `login` that signs in, or declare them"));
            return None;
        }
        let action = Action::SignIn {
            client: DEFAULT_CLIENT.into(),
            user: DEFAULT_USER.into(),
            admin: false,
            secret_hash: None,
            hash_username: None,
        };
        Some(Step {
            name: DEFAULT_SESSION.into(),
            action,
            expectations: Vec::new(),
            captures: Vec::new(),
            suite_checks: SuiteCheck::ALL.to_vec(),
        })
    }

    /// The suite-wide checks some step makes, bound to their claims.
    fn suite_checks(&mut self, steps: &[Step]) -> Vec<(SuiteCheck, Expectation)> {
        let mut bound = Vec::new();
        for suite in SuiteCheck::ALL {
            if !steps.iter().any(|step| step.suite_checks.contains(&suite)) {
                continue;
            }
            match self.claims.get(suite.claim()) {
                Some(claim) => bound.push((
                    suite,
                    Expectation {
                        check: suite.check(),
                        evidence: claim.grade,
                        source: claim.sources.clone(),
                        claim: Some(claim.id.clone()),
                    },
                )),
                None => {
                    let message = format!("the claims registry has no `{}`, which suite-wide checks need", suite.claim());
                    self.error(0..0, message, "here", None);
                }
            }
        }
        bound
    }

    fn pools(&mut self, file: &ScenarioFile, scope: &mut Scope) -> Vec<PoolSpec> {
        let mut pools = vec![PoolSpec { name: MAIN_POOL.into(), domain: false, username_attributes: Vec::new() }];
        for pool in &file.pools {
            let pool = pool.get_ref();
            let name = pool.name.get_ref();
            if !is_identifier(name) {
                self.error(pool.name.span(), "pool names are identifiers", "this name", None);
            }
            for attribute in &pool.username_attributes {
                if !matches!(attribute.get_ref().as_str(), "email" | "phone_number") {
                    self.error(attribute.span(), "username attributes are `email` or `phone_number`", "here", None);
                }
            }
            let spec = PoolSpec {
                name: name.clone(),
                domain: pool.domain,
                username_attributes: pool.username_attributes.iter().map(|a| a.get_ref().clone()).collect(),
            };
            if name == MAIN_POOL {
                pools[0] = spec;
            } else if pools.iter().any(|p| p.name == *name) {
                self.error(pool.name.span(), format!("pool `{name}` is defined twice"), "again", None);
            } else {
                pools.push(spec);
            }
        }
        for pool in &pools {
            scope.pools.insert(pool.name.clone(), pool.domain);
        }
        pools
    }

    fn pool_ref(&mut self, pool: Option<&Spanned<String>>, scope: &Scope) -> String {
        match pool {
            None => MAIN_POOL.into(),
            Some(pool) => {
                if !scope.pools.contains_key(pool.get_ref()) {
                    self.error(pool.span(), format!("no pool named `{}`", pool.get_ref()), "unknown pool", None);
                }
                pool.get_ref().clone()
            }
        }
    }

    fn clients(&mut self, file: &ScenarioFile, scope: &mut Scope) -> Vec<ClientSpec> {
        if file.clients.is_empty() {
            scope.clients.insert(DEFAULT_CLIENT.into(), MAIN_POOL.into());
            let flows = DEFAULT_FLOWS.iter().map(|f| (*f).to_owned()).collect();
            let pool = MAIN_POOL.into();
            return vec![ClientSpec { name: DEFAULT_CLIENT.into(), pool, secret: false, revocation: None, flows }];
        }
        let mut clients = Vec::new();
        for client in &file.clients {
            let client = client.get_ref();
            let name = client.name.get_ref().clone();
            if !is_identifier(&name) {
                self.error(client.name.span(), "client names are identifiers", "this name", None);
            }
            if scope.clients.contains_key(&name) {
                self.error(client.name.span(), format!("client `{name}` is defined twice"), "again", None);
            }
            let pool = self.pool_ref(client.pool.as_ref(), scope);
            let flows = match &client.flows {
                None => DEFAULT_FLOWS.iter().map(|f| (*f).to_owned()).collect(),
                Some(flows) => {
                    for flow in flows {
                        if !EXPLICIT_AUTH_FLOWS.contains(&flow.get_ref().as_str()) {
                            let help = format!("one of {}", EXPLICIT_AUTH_FLOWS.join(", "));
                            self.error(flow.span(), "not an ExplicitAuthFlows value", "here", Some(&help));
                        }
                    }
                    flows.iter().map(|f| f.get_ref().clone()).collect()
                }
            };
            scope.clients.insert(name.clone(), pool.clone());
            clients.push(ClientSpec { name, pool, secret: client.secret, revocation: client.revocation, flows });
        }
        clients
    }

    fn users(&mut self, file: &ScenarioFile, scope: &mut Scope) -> Vec<UserSpec> {
        if file.users.is_empty() {
            scope.users.insert(DEFAULT_USER.into());
            let (name, pool, attributes) = (DEFAULT_USER.to_owned(), MAIN_POOL.to_owned(), BTreeMap::new());
            return vec![UserSpec { username: name.clone(), name, pool, attributes }];
        }
        let mut users = Vec::new();
        for user in &file.users {
            let user = user.get_ref();
            let name = user.name.get_ref().clone();
            if !is_identifier(&name) {
                self.error(user.name.span(), "user names are identifiers", "this name", None);
            }
            if !scope.users.insert(name.clone()) {
                self.error(user.name.span(), format!("user `{name}` is defined twice"), "again", None);
            }
            let pool = self.pool_ref(user.pool.as_ref(), scope);
            let username = user.username.as_ref().map_or_else(|| name.clone(), |u| u.get_ref().clone());
            users.push(UserSpec { name, pool, username, attributes: user.attributes.clone() });
        }
        users
    }

    fn client_ref(&mut self, client: &Spanned<String>, scope: &Scope) -> String {
        if !scope.clients.contains_key(client.get_ref()) {
            let help = format!("defined clients: {}", scope.clients.keys().cloned().collect::<Vec<_>>().join(", "));
            self.error(client.span(), format!("no client named `{}`", client.get_ref()), "unknown client", Some(&help));
        }
        client.get_ref().clone()
    }

    fn user_ref(&mut self, user: &Spanned<String>, scope: &Scope) -> String {
        if !scope.users.contains(user.get_ref()) {
            self.error(user.span(), format!("no user named `{}`", user.get_ref()), "unknown user", None);
        }
        user.get_ref().clone()
    }

    /// Parses a template and checks every reference against what is defined so far; each problem
    /// points at the hole itself, wherever the string's quoting puts it in the file.
    pub(super) fn template(&mut self, value: &Spanned<String>, scope: &Scope) -> Template {
        let span = value.span();
        let raw = self.text.get(span.clone()).unwrap_or_default();
        let text = value.get_ref();
        let at = |offset: usize| span.start + strings::source_offset(raw, text, offset).unwrap_or(0);
        // A hole's text: from its `{{` to the `}}` that closes it.
        let hole = |offset: usize| {
            let end = text[offset..].find("}}").map_or(text.len(), |close| offset + close + 2);
            at(offset)..at(end).max(at(offset))
        };
        match Template::parse(text) {
            Err(error) => {
                let start = at(error.offset);
                self.error(start..at(error.offset + 2).max(start), error.message, "here", None);
                Template::literal(text.clone())
            }
            Ok(template) => {
                for (reference, offset) in template.references() {
                    let span = hole(offset);
                    match self.resolve(reference, scope) {
                        Err(message) => self.error(span, message, "this reference", None),
                        Ok(()) => self.note_session_use(reference, scope, span),
                    }
                }
                template
            }
        }
    }

    /// A template from a plain string without a span of its own (form fields, headers).
    pub(super) fn template_at(&mut self, text: &str, span: Range<usize>, scope: &Scope) -> Template {
        match Template::parse(text) {
            Err(error) => {
                self.error(span, error.message, "in this table", None);
                Template::literal(text)
            }
            Ok(template) => {
                for (reference, _) in template.references() {
                    match self.resolve(reference, scope) {
                        Err(message) => self.error(span.clone(), message, "in this table", None),
                        Ok(()) => self.note_session_use(reference, scope, span.clone()),
                    }
                }
                template
            }
        }
    }

    /// Remembers where the default session is first used, so it is signed in and any problem with
    /// it has a place.
    fn note_session_use(&mut self, reference: &Reference, scope: &Scope, span: Range<usize>) {
        let session = matches!(reference, Reference::Step { step, .. } if step == DEFAULT_SESSION);
        if session && !scope.steps.contains_key(DEFAULT_SESSION) && self.session_use.is_none() {
            self.session_use = Some(span);
        }
    }

    fn resolve(&self, reference: &Reference, scope: &Scope) -> Result<(), String> {
        match reference {
            Reference::Fixture { kind, name, .. } => {
                let known = match kind {
                    FixtureKind::Client => scope.clients.contains_key(name),
                    FixtureKind::User => scope.users.contains(name),
                    FixtureKind::Pool => scope.pools.contains_key(name),
                };
                if known { Ok(()) } else { Err(format!("`{reference}` names no fixture")) }
            }
            Reference::Name(name) => {
                if scope.captures.contains(name) {
                    Ok(())
                } else if scope.steps.contains_key(name) {
                    Err(format!("`{name}` is a step: name one of its outputs, e.g. `{name}.access_token`"))
                } else {
                    Err(format!("`{name}` is neither a capture nor a step defined earlier"))
                }
            }
            Reference::Step { step, path } => {
                let session = (scope.default_session && step == DEFAULT_SESSION).then_some(ActionKind::SignIn);
                let Some(kind) = scope.steps.get(step).copied().or(session) else {
                    return Err(format!("no step named `{step}` before this one"));
                };
                if kind.outputs().has(path) { Ok(()) } else { Err(format!("a `{kind}` step has no output `{}`", path.join("."))) }
            }
        }
    }

    fn step(&mut self, index: usize, step: &Spanned<StepFile>, scope: &mut Scope) -> Option<Step> {
        let span = step.span();
        let step = step.get_ref();
        let name = match &step.name {
            Some(name) => {
                if !is_identifier(name.get_ref()) {
                    self.error(name.span(), "step names are identifiers (a-z, 0-9, _, -)", "this name", None);
                }
                if scope.steps.contains_key(name.get_ref()) || scope.captures.contains(name.get_ref()) {
                    self.error(name.span(), format!("`{}` is already defined", name.get_ref()), "again", None);
                }
                name.get_ref().clone()
            }
            None => format!("step{}", index + 1),
        };
        let action = self.action(step, span.clone(), scope)?;
        let kind = action.kind();
        let expectations: Vec<Expectation> =
            step.expect.iter().filter_map(|e| self.expectation(e, kind, scope)).collect();
        let suite_checks = self.step_suite_checks(step, &action, &expectations);
        let mut captures = Vec::new();
        scope.steps.insert(name.clone(), kind);
        for (capture, path) in &step.capture {
            if !is_identifier(capture) || scope.steps.contains_key(capture) || scope.captures.contains(capture) {
                self.error(
                    path.span(),
                    format!("capture name `{capture}` is taken or not an identifier"),
                    "here",
                    None,
                );
            }
            let segments: Vec<String> = path.get_ref().split('.').map(str::to_owned).collect();
            let reference = Reference::Step { step: name.clone(), path: segments.clone() };
            if let Err(message) = self.resolve(&reference, scope) {
                self.error(path.span(), message, "this path", None);
            }
            captures.push((capture.clone(), segments));
        }
        for (capture, _) in &captures {
            scope.captures.insert(capture.clone());
        }
        Some(Step { name, action, expectations, captures, suite_checks })
    }

    /// The suite-wide checks for a step: all of them for a step that talks to the target, less
    /// those it opts out of and those it states itself.
    fn step_suite_checks(&mut self, step: &StepFile, action: &Action, expectations: &[Expectation]) -> Vec<SuiteCheck> {
        let mut exempt = Vec::new();
        for name in &step.exempt {
            match SuiteCheck::named(name.get_ref()) {
                Some(_) if !action.kind().is_remote() => {
                    let message = format!("a `{}` step answers nothing: no suite-wide check applies", action.kind());
                    self.error(name.span(), message, "here", None);
                }
                Some(suite) => exempt.push(suite),
                None => {
                    let names: Vec<&str> = SuiteCheck::ALL.iter().map(|s| s.claim()).collect();
                    let help = format!("suite-wide checks: {}", names.join(", "));
                    let message = format!("`{}` is not a suite-wide check", name.get_ref());
                    self.error(name.span(), message, "here", Some(&help));
                }
            }
        }
        if !action.kind().is_remote() {
            return Vec::new();
        }
        let stated: Vec<SuiteCheck> = expectations.iter().filter_map(|e| SuiteCheck::of(&e.check)).collect();
        SuiteCheck::ALL.into_iter().filter(|suite| !exempt.contains(suite) && !stated.contains(suite)).collect()
    }
}
