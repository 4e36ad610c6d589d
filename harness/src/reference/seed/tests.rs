//! The pools file's parser and checks, and seeding through the handlers.

use std::path::Path;

use super::*;
use crate::reference::{FaultSet, Limits, Service};

fn load_text(text: &str) -> Result<Seed, PoolsFileError> {
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), text).expect("written");
    load(file.path(), "us-east-1")
}

fn problems(text: &str) -> Vec<(usize, usize, String)> {
    match load_text(text) {
        Ok(seed) => panic!("accepted: {seed:?}"),
        Err(PoolsFileError::Invalid(problems)) => {
            problems.iter().map(|p| (p.line, p.column, p.message.clone())).collect()
        }
        Err(error) => panic!("not located: {error}"),
    }
}

#[test]
fn the_example_of_the_docs_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/pools.toml");
    let seed = load(&path, "us-east-1").expect("the example is valid");
    let pool = &seed.pools[0];
    assert_eq!((pool.id.as_str(), pool.domain.as_deref()), ("us-east-1_Example01", Some("example-app")));
    let ids: Vec<&str> = pool.clients.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["exampleclient0000000000001", "exampleclient0000000000002"]);
    assert!(matches!(pool.clients[0].secret, ClientSecret::Fixed(_)));
    assert_eq!(pool.clients[0].validity_minutes, [Some(15), None, None]);
    let users: Vec<&str> = pool.users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(users, ["alice", "bob"]);
}

#[test]
fn defaults_follow_create_user_pool_client() {
    let seed = load_text(
        "[[pools]]\nid = \"us-east-1_Abc\"\n[[pools.clients]]\nid = \"c1\"\ngenerate_secret = true\n",
    )
    .expect("valid");
    let client = &seed.pools[0].clients[0];
    assert_eq!((seed.pools[0].name.as_str(), client.name.as_str()), ("us-east-1_Abc", "c1"));
    assert!(client.enable_token_revocation);
    assert!(client.explicit_auth_flows.is_none());
    assert!(matches!(client.secret, ClientSecret::Generate));
}

#[test]
fn every_problem_is_located_in_file_order() {
    let text = "[[pools]]\n\
                id = \"us-east-1_Abc\"\n\
                domain = \"-bad\"\n\
                [[pools.clients]]\n\
                id = \"c1\"\n\
                secret = \"Qw3Er5Ty7Ui9Op1As3Df5Gh7\"\n\
                generate_secret = true\n\
                id_token_validity = 1441\n\
                [[pools.users]]\n\
                username = \"alice\"\n\
                password = \"Passw0rd!\"\n\
                attributes = { \"custom:a\" = \"x\", nickname = \"n\", shoe = \"9\" }\n\
                [[pools]]\n\
                id = \"us-east-1_Abc\"\n\
                domain = \"cognito-app\"\n\
                [[pools.clients]]\n\
                id = \"c1\"\n\
                [[pools]]\n\
                id = \"no-underscore\"\n";
    let found = problems(text);
    let at: Vec<(usize, usize)> = found.iter().map(|(line, column, _)| (*line, *column)).collect();
    assert_eq!(at, [(3, 10), (6, 10), (8, 21), (12, 50), (14, 6), (15, 10), (17, 6), (19, 6)], "{found:#?}");
    assert!(found[1].2.contains("exclude each other"), "{}", found[1].2);
    assert!(found[3].2.contains("{shoe}"), "{}", found[3].2);
    assert!(found[4].2.contains("pool id declared twice"), "{}", found[4].2);
    assert!(found[5].2.contains("reserved word `cognito`"), "{}", found[5].2);
}

#[test]
fn a_pool_of_another_region_and_an_unknown_key_are_refused() {
    let found = problems("[[pools]]\nid = \"eu-west-1_Abc\"\n");
    assert_eq!((found[0].0, found[0].1), (2, 6));
    assert!(found[0].2.contains("`eu-west-1` is not the served region `us-east-1`"), "{}", found[0].2);
    let found = problems("[[pools]]\nid = \"us-east-1_Abc\"\nname = \"n\"\ncolour = \"red\"\n");
    assert_eq!((found[0].0, found[0].1), (4, 1), "{found:?}");
}

#[test]
fn secrets_reach_no_diagnostic_and_no_debug_output() {
    let password = "lowercase+digits0only";
    let secret = "Zx9Cv8Bn7Mq6Wr5Et4Yu3Io2";
    // A weak password and a secret whose client has another problem; and a secret given as an
    // integer, which TOML's own message would quote.
    let text = format!(
        "[[pools]]\nid = \"us-east-1_Abc\"\n[[pools.clients]]\nid = \"bad id\"\nsecret = \"{secret}\"\n\
         [[pools.users]]\nusername = \"u\"\npassword = \"{password}\"\n"
    );
    let Err(PoolsFileError::Invalid(found)) = load_text(&text) else { panic!("accepted") };
    assert_eq!(found.len(), 2, "{found:?}");
    for problem in &found {
        let shown = crate::diagnostic::render(problem, false);
        assert!(!shown.contains(password) && !shown.contains(secret), "{shown}");
    }
    let Err(PoolsFileError::Invalid(found)) = load_text("[[pools]]\nid = \"us-east-1_A\"\n[[pools.users]]\nusername = \"u\"\npassword = 918273645546372819\n") else {
        panic!("accepted")
    };
    let shown = crate::diagnostic::render(&found[0], false);
    assert!(!shown.contains("918273645546372819"), "{shown}");
    assert!(shown.contains(":5:12"), "{shown}");

    let seed = load_text(&format!(
        "[[pools]]\nid = \"us-east-1_Abc\"\n[[pools.clients]]\nid = \"c\"\nsecret = \"{secret}\"\n\
         [[pools.users]]\nusername = \"u\"\npassword = \"Upper{password}!\"\n"
    ))
    .expect("valid");
    let debug = format!("{seed:?}");
    assert!(!debug.contains(secret) && !debug.contains(password), "{debug}");
    let summary = seed.summary("us-east-1", Addressing::Aws).join("\n");
    assert!(!summary.contains(secret) && !summary.contains(password), "{summary}");
}

#[test]
fn a_seeded_pool_is_a_created_pool_and_its_ids_stay_taken() {
    let seed = load_text(
        "[[pools]]\nid = \"us-east-1_Fixed0001\"\ndomain = \"app\"\n[[pools.clients]]\nid = \"fixed1\"\n\
         [[pools.users]]\nusername = \"u\"\npassword = \"Passw0rd!\"\nattributes = { email = \"u@example.com\" }\n",
    )
    .expect("valid");
    let service = Service::new(FaultSet::none(), "us-east-1".into(), Limits::default()).expect("a service");
    apply(&service, &seed).expect("seeded");
    let described = service.dispatch("DescribeUserPool", br#"{"UserPoolId":"us-east-1_Fixed0001"}"#).expect("found");
    assert_eq!(described["UserPool"]["Domain"], "app");
    let user = service.dispatch("AdminGetUser", br#"{"UserPoolId":"us-east-1_Fixed0001","Username":"u"}"#).expect("found");
    assert_eq!(user["UserStatus"], "CONFIRMED");
    // Seeding twice meets the fixed ids already taken.
    let failure = apply(&service, &seed).expect_err("taken");
    assert_eq!(failure.entity, Entity::Pool);
    assert!(failure.error.message.contains("already exists"), "{}", failure.error.message);
}
