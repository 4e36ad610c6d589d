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
    "id = \"x\"\ntitle = \"t\"\nspec = \"§1\"\n[[clients]]\nname = \"app\"\n[[users]]\nname = \"alice\"\n";

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
    assert!(problems.iter().any(|p| p.message.contains("missing field `source`")), "{problems:?}");
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
         expect = [{{ claim = \"jti\", evidence = \"documented\", source = \"s\" }}]\n"
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
    let dir = std::env::temp_dir().join(format!("cc-dup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let body = format!("{HEADER}[[steps]]\nsign_in = {{ client = \"app\", user = \"alice\" }}\n");
    std::fs::write(dir.join("a.toml"), &body).expect("write");
    std::fs::write(dir.join("b.toml"), &body).expect("write");
    let result = load(std::slice::from_ref(&dir));
    std::fs::remove_dir_all(&dir).ok();
    match result {
        Err(LoadError::Invalid(problems)) => assert!(problems[0].message.contains("already used")),
        other => panic!("expected a duplicate-id error, got {other:?}"),
    }
}

#[test]
fn the_readme_example_is_a_valid_scenario() {
    let readme = std::fs::read_to_string(suite_dir().join("../README.md")).expect("README");
    let start = readme.find("```toml\nid = ").expect("the README shows a scenario") + "```toml\n".len();
    let end = start + readme[start..].find("```").expect("closed block");
    let scenario = parse_scenario(Path::new("README.md"), &readme[start..end])
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
