//! Reproductions: a finding written as a scenario file — the fuzz world, the shrunk request as an
//! `http` step, and the checks that fail while the finding stands. The file uses only templates
//! and filters, so it runs against any target; it passes on a target that keeps the contract,
//! which is what lets it join `scenarios/` as a regression test.

use std::fmt::Write as _;

use super::attack::Attack;
use super::oracle::FindingKind;
use super::strategy::Plan;
use super::world::{Family, WORLD};

/// What a reproduction is about.
#[derive(Debug, Clone)]
pub struct ReproInput<'a> {
    /// The broken property.
    pub kind: FindingKind,
    /// The family it concerns, for revocation findings.
    pub family: Option<Family>,
    /// The shrunk plan.
    pub plan: &'a Plan,
    /// The seed and case index it was found at.
    pub seed: u64,
    /// The case index.
    pub case: u64,
    /// What was seen, redacted.
    pub detail: &'a str,
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// The scenario id of a finding.
pub fn scenario_id(input: &ReproInput<'_>) -> String {
    format!("fuzz-{}-{}-{}", input.kind.name(), input.seed, input.case)
}

fn expectation(check: &str, evidence: &str, source: &str) -> String {
    format!("  {{ {check}, evidence = {}, source = {} }},\n", quoted(evidence), quoted(source))
}

fn http_step(attack: &Attack) -> String {
    let parts = attack.http_parts();
    let mut fields = vec![format!("method = \"POST\""), format!("path = {}", quoted(parts.path))];
    if parts.hosted {
        fields.push("domain = \"main\"".into());
    }
    if !parts.headers.is_empty() {
        let headers: Vec<String> =
            parts.headers.iter().map(|(name, value)| format!("{} = {}", quoted(name), quoted(value))).collect();
        fields.push(format!("headers = {{ {} }}", headers.join(", ")));
    }
    if let Some(basic) = &parts.basic {
        fields.push(format!("basic = {}", quoted(basic)));
    }
    if let Some(body) = &parts.body {
        fields.push(format!("body = {}", quoted(body)));
    }
    if let Some(form) = &parts.form {
        let pairs: Vec<String> = form.iter().map(|(k, v)| format!("[{}, {}]", quoted(k), quoted(v))).collect();
        fields.push(format!("form = [{}]", pairs.join(", ")));
    }
    format!("http = {{ {} }}\n", fields.join(", "))
}

/// The reproduction's text.
pub fn scenario_text(input: &ReproInput<'_>) -> String {
    let attack = input.plan.attack();
    let mut out = String::new();
    let _ = writeln!(out, "# Written by `cognito-conformance fuzz`: seed {}, case #{}.", input.seed, input.case);
    let _ = writeln!(out, "# Finding: {} — {}", input.kind.name(), input.detail.replace('\n', " "));
    let _ = writeln!(
        out,
        "# Reproduce: cognito-conformance run <this file> --strict --target <the target it was found on>"
    );
    let _ = writeln!(out, "# (inferred expectations only warn without --strict).");
    let _ = writeln!(out, "id = {}", quoted(&scenario_id(input)));
    let title = match (input.kind, input.family) {
        (FindingKind::WronglyRevoked, Some(family)) => {
            format!("A request without the authority to revoke it leaves the {} family alive", family.name())
        }
        (FindingKind::KeptAlive, Some(family)) => {
            format!("The documented revocation of the {} family kills its refresh and access tokens", family.name())
        }
        (FindingKind::WronglyIssued, _) => {
            "The token endpoint issues no tokens without the client's credentials".into()
        }
        (FindingKind::Echo, _) => "A hostile request's answer quotes no token or secret".into(),
        (FindingKind::ServerError, _) => "A hostile request gets a client error, never a server error".into(),
        (FindingKind::UntypedError, _) => "A hostile request's error answer names its error".into(),
        (kind, _) => format!("Fuzz finding: {}", kind.name()),
    };
    let _ = writeln!(out, "title = {}", quoted(&title));
    let _ = writeln!(out, "spec = {}", quoted(input.kind.source().trim_start_matches("spec ")));
    let class = if input.kind.is_security() { "security" } else { "robustness" };
    let _ = writeln!(out, "tags = [\"fuzz\", \"{class}\", \"{}\"]\n", input.plan.surface.name());
    let fixtures = WORLD.find("[[pools]]").map_or(WORLD, |at| &WORLD[at..]);
    out.push_str(fixtures);
    out.push_str("\n[[steps]]\nname = \"attack\"\n");
    out.push_str(&http_step(&attack));
    out.push_str("expect = [\n");
    let source = input.kind.source();
    let check = match input.kind {
        FindingKind::Echo => expectation("no_echo = true", "inferred", source),
        FindingKind::UntypedError => expectation("typed_error = true", "documented", source),
        FindingKind::WronglyIssued => expectation("body_has = \"access_token\", present = false", "documented", source),
        _ => expectation("no_server_error = true", "inferred", FindingKind::ServerError.source()),
    };
    out.push_str(&check);
    out.push_str("]\n");
    if let (FindingKind::WronglyRevoked | FindingKind::KeptAlive, Some(family)) = (input.kind, input.family) {
        let alive = input.kind == FindingKind::WronglyRevoked;
        let (access_check, refresh_check) = if alive {
            ("status = 200", "status = 200")
        } else {
            ("error_type = \"NotAuthorizedException\"", "error_type = \"NotAuthorizedException\"")
        };
        let _ = write!(
            out,
            "\n[[steps]]\nname = \"probe_access\"\nget_user = {{ access_token = {} }}\nexpect = [\n{}]\n",
            quoted(&format!("{{{{{}.access_token}}}}", family.newest())),
            expectation(access_check, "documented", source),
        );
        let _ = write!(
            out,
            "\n[[steps]]\nname = \"probe_refresh\"\nrefresh = {{ client = {}, refresh_token = {} }}\nexpect = [\n{}]\n",
            quoted(family.client().name()),
            quoted(&format!("{{{{{}.refresh_token}}}}", family.session())),
            expectation(refresh_check, "documented", source),
        );
    }
    out
}
