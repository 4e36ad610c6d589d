//! Lowering a step's one action from its file form to the model's [`Action`], checking its
//! references on the way. Kind by kind: the exhaustive `match` in `lower` is where a new row of
//! the action table (`scenario/action.rs`) must be handled before the crate compiles.

use std::ops::Range;

use toml::Spanned;

use super::super::action::ActionKind;
use super::super::format::{ActionFile, HostedCall, RawCall, RawHttp, Refresh, SignIn, StepFile};
use super::super::model::{Action, CallBody, Hosted};
use super::{Checker, Scope};

impl Checker<'_> {
    /// The step's action, if it names exactly one.
    pub(super) fn action(&mut self, step: &StepFile, span: Range<usize>, scope: &Scope) -> Option<Action> {
        let found = step.actions();
        if found.len() != 1 {
            let (at, message) = match found.get(1) {
                Some(second) => (second.span(), "a step has exactly one action; this is a second one"),
                None => (span, "this step has no action"),
            };
            self.error(at, message, "here", Some(&ActionKind::help()));
            return None;
        }
        Some(self.lower(found[0], scope))
    }

    fn lower(&mut self, action: ActionFile<'_>, scope: &Scope) -> Action {
        match action {
            ActionFile::SignIn(s) => self.sign_in(s.get_ref(), scope),
            ActionFile::Refresh(r) => self.refresh(r.get_ref(), scope),
            ActionFile::GetTokens(g) => {
                let g = g.get_ref();
                Action::GetTokens {
                    client: self.client_ref(&g.client, scope),
                    refresh_token: self.template(&g.refresh_token, scope),
                    secret: g.secret,
                }
            }
            ActionFile::RevokeToken(r) => {
                let r = r.get_ref();
                Action::RevokeToken {
                    client: self.client_ref(&r.client, scope),
                    token: self.template(&r.token, scope),
                    secret: r.secret,
                    client_id: r.client_id.as_ref().map(|c| self.template(c, scope)),
                    revoke_associated_sessions: r.revoke_associated_sessions.as_ref().map(|v| v.get_ref().clone()),
                }
            }
            ActionFile::OAuthRevoke(h) => Action::OAuthRevoke(self.hosted(h, scope)),
            ActionFile::OAuthToken(h) => Action::OAuthToken(self.hosted(h, scope)),
            ActionFile::UserInfo(u) => {
                let pool = self.pool_ref(u.get_ref().pool.as_ref(), scope);
                self.require_domain(&pool, u.span(), scope);
                Action::UserInfo { access_token: self.template(&u.get_ref().access_token, scope), pool }
            }
            ActionFile::GetUser(a) => Action::GetUser { access_token: self.template(&a.get_ref().access_token, scope) },
            ActionFile::GlobalSignOut(a) => {
                Action::GlobalSignOut { access_token: self.template(&a.get_ref().access_token, scope) }
            }
            ActionFile::AdminSignOut(u) => Action::AdminSignOut { user: self.user_ref(&u.get_ref().user, scope) },
            ActionFile::DisableUser(u) => Action::DisableUser { user: self.user_ref(&u.get_ref().user, scope) },
            ActionFile::EnableUser(u) => Action::EnableUser { user: self.user_ref(&u.get_ref().user, scope) },
            ActionFile::UpdateClient(u) => {
                let u = u.get_ref();
                Action::UpdateClient {
                    client: self.client_ref(&u.client, scope),
                    revocation: u.revocation,
                    flows: u.flows.as_ref().map(|flows| flows.iter().map(|f| f.get_ref().clone()).collect()),
                }
            }
            ActionFile::Call(c) => self.call(c, scope),
            ActionFile::Http(h) => self.http(h, scope),
            ActionFile::Decode(d) => Action::Decode { token: self.template(&d.get_ref().token, scope) },
            ActionFile::VerifyOffline(v) => {
                let v = v.get_ref();
                Action::VerifyOffline { token: self.template(&v.token, scope), pool: self.pool_ref(v.pool.as_ref(), scope) }
            }
        }
    }

    fn sign_in(&mut self, s: &SignIn, scope: &Scope) -> Action {
        Action::SignIn {
            client: self.client_ref(&s.client, scope),
            user: self.user_ref(&s.user, scope),
            admin: s.admin,
            secret_hash: s.secret_hash,
            hash_username: s.hash_username.as_ref().map(|h| h.get_ref().clone()),
        }
    }

    fn refresh(&mut self, r: &Refresh, scope: &Scope) -> Action {
        let flow = r.flow.as_ref().map_or("REFRESH_TOKEN_AUTH".to_owned(), |f| f.get_ref().clone());
        if let Some(f) = r.flow.as_ref().filter(|f| !matches!(f.get_ref().as_str(), "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN"))
        {
            self.error(f.span(), "flow is `REFRESH_TOKEN_AUTH` or `REFRESH_TOKEN`", "here", None);
        }
        Action::Refresh {
            client: self.client_ref(&r.client, scope),
            refresh_token: self.template(&r.refresh_token, scope),
            flow,
            admin: r.admin,
            secret_hash: r.secret_hash,
        }
    }

    fn call(&mut self, call: &Spanned<RawCall>, scope: &Scope) -> Action {
        let span = call.span();
        let c = call.get_ref();
        let body = match &c.raw_body {
            Some(raw) => CallBody::Raw(self.template(raw, scope)),
            None => {
                let json = serde_json::to_value(&c.body).unwrap_or_default();
                self.json_templates(&json, span, scope);
                CallBody::Json(json)
            }
        };
        Action::Call { operation: c.operation.get_ref().clone(), body }
    }

    fn http(&mut self, http: &Spanned<RawHttp>, scope: &Scope) -> Action {
        let span = http.span();
        let h = http.get_ref();
        let domain = h.domain.as_ref().map(|d| {
            let pool = self.pool_ref(Some(d), scope);
            self.require_domain(&pool, d.span(), scope);
            pool
        });
        let headers = h
            .headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), self.template_at(value, span.clone(), scope)))
            .collect();
        if h.form.is_some() && !h.body.is_empty() {
            self.error(span.clone(), "`http` takes `body` or `form`, not both", "here", None);
        }
        let form = h.form.as_ref().map(|pairs| {
            pairs.iter().map(|(name, value)| (name.clone(), self.template_at(value, span.clone(), scope))).collect()
        });
        let basic = h.basic.as_ref().map(|basic| self.template(basic, scope));
        let body = self.template_at(&h.body, span, scope);
        Action::Http {
            method: h.method.get_ref().clone(),
            path: self.template(&h.path, scope),
            domain,
            headers,
            body,
            form,
            basic,
        }
    }

    fn json_templates(&mut self, value: &serde_json::Value, span: Range<usize>, scope: &Scope) {
        match value {
            serde_json::Value::String(text) => {
                self.template_at(text, span, scope);
            }
            serde_json::Value::Array(items) => {
                items.iter().for_each(|item| self.json_templates(item, span.clone(), scope))
            }
            serde_json::Value::Object(map) => {
                map.values().for_each(|item| self.json_templates(item, span.clone(), scope))
            }
            _ => {}
        }
    }

    fn require_domain(&mut self, pool: &str, span: Range<usize>, scope: &Scope) {
        if scope.pools.get(pool) == Some(&false) {
            let help = format!("add `[[pools]] name = \"{pool}\"` with `domain = true`");
            self.error(span, format!("pool `{pool}` has no hosted domain"), "needs a domain", Some(&help));
        }
    }

    fn hosted(&mut self, hosted: &Spanned<HostedCall>, scope: &Scope) -> Hosted {
        let span = hosted.span();
        let h = hosted.get_ref();
        let client = self.client_ref(&h.client, scope);
        if let Some(pool) = scope.clients.get(&client).cloned() {
            self.require_domain(&pool, span.clone(), scope);
        }
        Hosted {
            client,
            token: h.token.as_ref().map(|t| self.template(t, scope)),
            auth: h.auth,
            secret: h.secret,
            form: h.form.iter().map(|(k, v)| (k.clone(), self.template_at(v, span.clone(), scope))).collect(),
            authorization: h.authorization.as_ref().map(|a| self.template_at(a, span.clone(), scope)),
            content_type: h.content_type.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::super::action::ActionKind;
    use super::super::parse_scenario;
    use crate::scenario::ScenarioError;

    const HEADER: &str =
        "id = \"bad\"\ntitle = \"t\"\nspec = \"§1\"\n[[clients]]\nname = \"app\"\n[[users]]\nname = \"alice\"\n";

    fn errors(steps: &str) -> Vec<ScenarioError> {
        parse_scenario(Path::new("bad.toml"), &format!("{HEADER}{steps}")).expect_err("must be refused")
    }

    #[test]
    fn an_unknown_action_key_is_refused_where_it_is_written() {
        let problems = errors("[[steps]]\nname = \"login\"\nsign_on = { client = \"app\", user = \"alice\" }\n");
        let error = &problems[0];
        assert!(error.message.contains("unknown field `sign_on`"), "{}", error.message);
        assert_eq!((error.file.as_path(), error.line, error.column), (Path::new("bad.toml"), 10, 1), "{error}");
        // serde's list of the keys it expected is the table's: every kind is offered.
        for kind in ActionKind::ALL {
            assert!(error.message.contains(&format!("`{kind}`")), "{kind} missing from: {}", error.message);
        }
    }

    #[test]
    fn a_step_without_one_action_is_shown_every_kind() {
        for steps in [
            "[[steps]]\nname = \"nothing\"\n",
            "[[steps]]\ndecode = { token = \"x\" }\nget_user = { access_token = \"x\" }\n",
        ] {
            let problems = errors(steps);
            assert_eq!(problems[0].hint(), Some(ActionKind::help().as_str()), "{steps}");
        }
    }

    #[test]
    fn every_kind_is_a_step_key() {
        // Each action's table has a required member, so an empty one is refused for what it lacks,
        // never as an unknown key.
        for kind in ActionKind::ALL {
            let problems = errors(&format!("[[steps]]\n{kind} = {{}}\n"));
            assert!(problems[0].message.contains("missing field"), "{kind}: {}", problems[0].message);
        }
    }
}
