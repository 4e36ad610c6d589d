//! Scenario files: the committed suite loads, and malformed files are refused with file:line:col
//! and a hint — never a panic.

use std::path::{Path, PathBuf};

use cognito_conformance::scenario::{LoadError, ScenarioError, load, parse_scenario};

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn errors(text: &str) -> Vec<ScenarioError> {
    parse_scenario(Path::new("bad.toml"), text).expect_err("must be refused")
}

const HEADER: &str =
    "id = \"bad\"\ntitle = \"t\"\nspec = \"§1\"\n[[clients]]\nname = \"app\"\n[[users]]\nname = \"alice\"\n";

#[test]
fn the_committed_suite_loads() {
    let scenarios = load(&[suite_dir()]).unwrap_or_else(|error| match error {
        LoadError::Invalid(problems) => {
            panic!("{}", problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))
        }
        other => panic!("{other}"),
    });
    assert!(!scenarios.is_empty());
    for scenario in &scenarios {
        let stem = scenario.file.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        assert_eq!(stem, scenario.id, "file names follow ids");
        assert!(scenario.expectation_count() > 0, "{} checks nothing", scenario.id);
    }
}

#[test]
fn unknown_keys_are_located() {
    let text = format!("{HEADER}[[steps]]\nsign_in = {{ client = \"app\", user = \"alice\", colour = \"red\" }}\n");
    let error = &errors(&text)[0];
    assert_eq!((error.line, error.file.as_path()), (9, Path::new("bad.toml")));
    assert!(error.message.contains("colour"), "{}", error.message);
    assert!(error.to_string().starts_with("bad.toml:9:"), "{error}");
}

#[test]
fn a_step_needs_exactly_one_action() {
    let none = errors(&format!("{HEADER}[[steps]]\nname = \"nothing\"\n"));
    assert!(none[0].message.contains("no action"), "{}", none[0].message);
    let two = errors(&format!(
        "{HEADER}[[steps]]\nsign_in = {{ client = \"app\", user = \"alice\" }}\nget_user = {{ access_token = \"x\" }}\n"
    ));
    assert!(two[0].message.contains("exactly one action"), "{}", two[0].message);
    assert_eq!(two[0].line, 10);
}

#[test]
fn references_must_name_fixtures_and_earlier_steps() {
    let text = format!(
        "{HEADER}[[steps]]\nname = \"login\"\nsign_in = {{ client = \"nope\", user = \"alice\" }}\n\
         [[steps]]\nget_user = {{ access_token = \"{{{{later.access_token}}}}\" }}\n\
         [[steps]]\nget_user = {{ access_token = \"{{{{login.claims.jti}}}}\" }}\n"
    );
    let problems = errors(&text);
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("no client named `nope`")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("no step named `later`")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("has no output `claims.jti`")), "{messages:?}");
    let unknown_step = problems.iter().find(|p| p.message.contains("later")).expect("located");
    assert_eq!((unknown_step.line, unknown_step.column), (12, 30), "points at the `{{` of the hole");
}

#[test]
fn expectations_need_one_check_evidence_and_source() {
    let text = format!(
        "{HEADER}[[steps]]\nsign_in = {{ client = \"app\", user = \"alice\" }}\nexpect = [\n\
         {{ status = 200, message = \"x\", evidence = \"documented\", source = \"s\" }},\n\
         {{ status = 200, evidence = \"rumour\", source = \"s\" }},\n\
         {{ status = 200, evidence = \"documented\" }},\n]\n"
    );
    let problems = errors(&text);
    assert!(problems.iter().any(|p| p.message.contains("names no claim") && p.line == 13), "{problems:?}");
    let text = format!(
        "{HEADER}[[steps]]\nsign_in = {{ client = \"app\", user = \"alice\" }}\nexpect = [\n\
         {{ status = 200, message = \"x\", evidence = \"documented\", source = \"s\" }},\n\
         {{ status = 200, evidence = \"rumour\", source = \"s\" }},\n]\n"
    );
    let problems = errors(&text);
    assert!(problems.iter().any(|p| p.message.contains("exactly one check") && p.line == 11), "{problems:?}");
    assert!(problems.iter().any(|p| p.message.contains("evidence is") && p.line == 12), "{problems:?}");
    assert!(problems.iter().all(|p| p.hint().is_some() || !p.message.contains("exactly one check")));
}

#[test]
fn claim_checks_belong_to_decode_steps() {
    let text = format!(
        "{HEADER}[[steps]]\nsign_in = {{ client = \"app\", user = \"alice\" }}\n\
         expect = [{{ jwt_claim = \"jti\", evidence = \"documented\", source = \"s\" }}]\n"
    );
    assert!(errors(&text)[0].message.contains("does not apply to a `sign_in` step"));
}

#[test]
fn hosted_steps_need_a_domain() {
    let text = format!("{HEADER}[[steps]]\noauth_revoke = {{ client = \"app\", token = \"x\" }}\n");
    let problems = errors(&text);
    assert!(problems[0].message.contains("no hosted domain"), "{problems:?}");
    assert!(problems[0].hint().is_some_and(|h| h.contains("domain = true")));
}

#[test]
fn broken_toml_and_garbage_are_errors_not_panics() {
    for text in ["", "id = ", "[[steps]", "\u{0}\u{1}", "id = 5\ntitle = []\nspec = {}\nsteps = 3", "ü = \"ü\""] {
        let problems = errors(text);
        assert!(!problems.is_empty());
        assert!(problems[0].line >= 1 && problems[0].column >= 1);
    }
}

#[test]
fn duplicate_ids_across_files_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let body = format!("{HEADER}[[steps]]\nsign_in = {{ client = \"app\", user = \"alice\" }}\n");
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    for sub in [&one, &two] {
        std::fs::create_dir_all(sub).expect("dir");
        std::fs::write(sub.join("bad.toml"), &body).expect("write");
    }
    let result = load(&[one, two]);
    match result {
        Err(LoadError::Invalid(problems)) => assert!(problems[0].message.contains("already used")),
        other => panic!("expected a duplicate-id error, got {other:?}"),
    }
}

#[test]
fn the_readme_example_is_a_valid_scenario() {
    let readme = std::fs::read_to_string(suite_dir().join("../README.md")).expect("README");
    let start = readme.find("```toml\ntitle = ").expect("the README shows a scenario") + "```toml\n".len();
    let end = start + readme[start..].find("```").expect("closed block");
    let scenario = parse_scenario(Path::new("readme-example.toml"), &readme[start..end])
        .unwrap_or_else(|problems| panic!("{}", problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n")));
    assert_eq!(scenario.expectation_count(), 2);
}

#[test]
fn http_form_and_filters_are_checked() {
    let both = errors(&format!(
        "{HEADER}[[steps]]\nhttp = {{ method = \"POST\", path = \"/\", body = \"x\", form = [[\"a\", \"b\"]] }}\n\
         expect = [{{ no_server_error = true, evidence = \"inferred\", source = \"s\" }}]\n"
    ));
    assert!(both[0].message.contains("`body` or `form`"), "{}", both[0].message);
    let filter = errors(&format!(
        "{HEADER}[[steps]]\nname = \"login\"\nsign_in = {{ client = \"app\", user = \"alice\" }}\n\
         [[steps]]\nget_user = {{ access_token = \"{{{{login.access_token | reverse}}}}\" }}\n"
    ));
    assert!(filter[0].message.contains("not a filter"), "{}", filter[0].message);
    assert_eq!(filter[0].line, 12);
    let falsy = errors(&format!(
        "{HEADER}[[steps]]\nname = \"login\"\nsign_in = {{ client = \"app\", user = \"alice\" }}\n\
         expect = [{{ typed_error = false, evidence = \"inferred\", source = \"s\" }}]\n"
    ));
    assert!(falsy[0].message.contains("`typed_error` can only be `true`"), "{}", falsy[0].message);
}

#[test]
fn the_id_is_the_file_stem_and_may_not_differ_from_it() {
    let body = "title = \"t\"\nspec = \"§1\"\n[[steps]]\nsign_in = { client = \"app\", user = \"alice\" }\n";
    let scenario = parse_scenario(Path::new("dir/revoke-once.toml"), body).expect("valid");
    assert_eq!(scenario.id, "revoke-once");
    let problems = errors(&format!("id = \"other\"\n{body}"));
    assert!(problems[0].message.contains("differs from the file name `bad`"), "{problems:?}");
    assert_eq!((problems[0].line, problems[0].column), (1, 6));
}

#[test]
fn claims_are_looked_up_and_never_raised() {
    let text = format!(
        "{HEADER}[[steps]]\nsign_in = {{ client = \"app\", user = \"alice\" }}\nexpect = [\n\
         {{ status = 200, claim = \"E99\" }},\n\
         {{ status = 200, claim = \"Q1\", evidence = \"documented\" }},\n\
         {{ status = 200, claim = \"R1\", source = \"mine\" }},\n]\n"
    );
    let problems = errors(&text);
    let unknown = problems.iter().find(|p| p.message.contains("no claim `E99`")).expect("unknown claim");
    assert_eq!((unknown.line, unknown.column), (11, 25));
    let raised = problems.iter().find(|p| p.message.contains("would raise claim `Q1`")).expect("raised grade");
    assert_eq!((raised.line, raised.column), (12, 42));
    assert!(problems.iter().any(|p| p.message.contains("no `source` of its own") && p.line == 13), "{problems:?}");
    let narrowed = format!(
        "{HEADER}[[steps]]\nsign_in = {{ client = \"app\", user = \"alice\" }}\n\
         expect = [{{ status = 200, claim = \"R1\", evidence = \"inferred\" }}]\n"
    );
    let scenario = parse_scenario(Path::new("bad.toml"), &narrowed).expect("narrowing is allowed");
    let expectation = &scenario.steps[0].expectations[0];
    assert_eq!(expectation.evidence, cognito_conformance::report::Evidence::Inferred);
    assert_eq!(expectation.claim.as_deref(), Some("R1"));
}

#[test]
fn the_defaults_give_a_client_a_user_and_a_session() {
    let text = "title = \"t\"\nspec = \"§1\"\n[[steps]]\nrevoke_token = { client = \"app\", token = \"{{login.refresh_token}}\" }\n";
    let scenario = parse_scenario(Path::new("short.toml"), text).expect("valid");
    assert_eq!((scenario.clients[0].name.as_str(), scenario.users[0].name.as_str()), ("app", "alice"));
    let steps: Vec<(&str, &str)> = scenario.steps.iter().map(|s| (s.name.as_str(), s.action.kind().key())).collect();
    assert_eq!(steps, [("login", "sign_in"), ("step1", "revoke_token")], "the session signs in first");
    let unused = "title = \"t\"\nspec = \"§1\"\n[[steps]]\nget_user = { access_token = \"x\" }\n";
    assert_eq!(parse_scenario(Path::new("unused.toml"), unused).expect("valid").steps.len(), 1);
    let without_alice = "title = \"t\"\nspec = \"§1\"\n[[users]]\nname = \"bob\"\n[[steps]]\nget_user = { access_token = \"{{login.access_token}}\" }\n";
    let problems = errors(without_alice);
    assert!(problems[0].message.contains("default session"), "{problems:?}");
    assert_eq!(problems[0].line, 6);
}

#[test]
fn suite_wide_checks_apply_to_remote_steps_unless_exempt() {
    let text = format!(
        "{HEADER}[[steps]]\nname = \"a\"\nsign_in = {{ client = \"app\", user = \"alice\" }}\nexempt = [\"typed-errors\"]\n\
         [[steps]]\ndecode = {{ token = \"{{{{a.access_token}}}}\" }}\n\
         [[steps]]\nget_user = {{ access_token = \"{{{{a.access_token}}}}\" }}\nexpect = [{{ no_echo = true, claim = \"no-echo-seen\" }}]\n"
    );
    let scenario = parse_scenario(Path::new("bad.toml"), &text).expect("valid");
    use cognito_conformance::scenario::claims::SuiteCheck::{NoEcho, NoServerError, TypedError};
    let checks: Vec<&[_]> = scenario.steps.iter().map(|s| s.suite_checks.as_slice()).collect();
    assert_eq!(checks, [&[NoEcho, NoServerError][..], &[], &[NoServerError, TypedError]]);
    let unknown = errors(&format!(
        "{HEADER}[[steps]]\nsign_in = {{ client = \"app\", user = \"alice\" }}\nexempt = [\"no-echoes\"]\n"
    ));
    assert!(unknown[0].message.contains("not a suite-wide check"), "{unknown:?}");
    assert!(unknown[0].hint().is_some_and(|h| h.contains("no-echo, no-5xx, typed-errors")));
}

#[test]
fn a_duplicate_id_points_at_the_id_value_not_at_the_word_id_elsewhere() {
    let dir = tempfile::tempdir().expect("temp dir");
    let body = "title = \"t\"\nspec = \"§1\"\n[[steps]]\nsign_in = { client = \"app\", user = \"alice\" }\n";
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    std::fs::create_dir_all(&one).expect("dir");
    std::fs::create_dir_all(&two).expect("dir");
    std::fs::write(one.join("same.toml"), body).expect("write");
    // The word `id` in a comment and in a string before the key: the key's value is the place.
    std::fs::write(two.join("same.toml"), format!("# the id is the stem\ntitle2 = 0\n{body}")).expect("write");
    std::fs::write(two.join("same.toml"), format!("# an id comment\n\n  id   =   \"same\"\n{body}")).expect("write");
    let Err(LoadError::Invalid(problems)) = load(&[one.clone(), two]) else { panic!("not refused") };
    assert!(problems[0].message.contains("already used"), "{problems:?}");
    assert_eq!((problems[0].line, problems[0].column), (3, 12), "{}", problems[0]);

    // Ids from stems alone: no `id` text to point at, so the file's start and a hint.
    let three = dir.path().join("three");
    std::fs::create_dir_all(&three).expect("dir");
    std::fs::write(three.join("same.toml"), format!("# id\n{body}")).expect("write");
    let Err(LoadError::Invalid(problems)) = load(&[one, three]) else { panic!("not refused") };
    assert_eq!((problems[0].line, problems[0].column), (1, 1), "{}", problems[0]);
    assert!(problems[0].hint().is_some_and(|h| h.contains("rename")), "{problems:?}");
}

#[test]
fn a_bad_reference_in_a_multi_line_string_points_at_the_reference() {
    let login = "[[steps]]\nname = \"login\"\nsign_in = { client = \"app\", user = \"alice\" }\n";
    for (value, line, column) in [
        ("\"\"\"\n{{nope.access_token}}\"\"\"", 13, 1),
        ("\"\"\"\r\nab {{nope.access_token}}\"\"\"", 13, 4),
        ("\"\"\"first \\\n      {{nope.access_token}}\"\"\"", 13, 7),
        ("\"\\t\\u00e9 {{nope.access_token}}\"", 12, 39),
        ("'''\n\n  {{nope.access_token}}'''", 14, 3),
    ] {
        let text = format!("{HEADER}{login}[[steps]]\nget_user = {{ access_token = {value} }}\n");
        let problems = errors(&text);
        assert!(problems[0].message.contains("no step named `nope`"), "{value}: {problems:?}");
        assert_eq!((problems[0].line, problems[0].column), (line, column), "{value}: {}", problems[0]);
    }
}

#[test]
fn json_ending_in_closing_braces_is_a_raw_body_and_a_backslash_escapes_an_opening_pair() {
    let text = format!(
        "{HEADER}[[steps]]\ncall = {{ operation = \"RevokeToken\", raw_body = '{{\"a\":{{\"b\":1}}}}' }}\n\
         [[steps]]\ncall = {{ operation = \"RevokeToken\", raw_body = '\\{{{{\"t\":\"{{{{client.app.id}}}}\"}}}}' }}\n"
    );
    let scenario = parse_scenario(Path::new("dir/bad.toml"), &text).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(scenario.steps.len(), 2, "{text}");
}

#[test]
fn a_file_with_thousands_of_problems_reports_a_hundred_and_counts_the_rest() {
    // Before: 20,000 diagnostics, each with its own copy of the text, took 4 GB and a minute.
    let text = format!("title = \"t\"\nspec = \"§1\"\n{}", "[[steps]]\n".repeat(20_000));
    let problems = parse_scenario(Path::new("many.toml"), &text).expect_err("refused");
    assert_eq!(problems.len(), 101);
    assert_eq!(problems[100].message, "19900 more problem(s) in this file not shown");
    assert_eq!((problems[100].line, problems[100].column), (103, 1));
}
