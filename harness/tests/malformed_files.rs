//! The malformed-file corpus: hostile and broken scenario, claims and `--config` files, each
//! through the real binary (`check`, and `run` for some), each refused with exit 2 and a
//! `file:line:col` on stderr — or, for the valid controls, exit 0 — and none panicking (exit 101)
//! or hanging (killed after [`BOUND`], and failed). Small static inputs live in
//! `tests/data/malformed/`; big ones (10 MB, 100,000-deep nesting, 70,000-column lines) are
//! generated into a temporary directory. The README's `files` reliability table is written from
//! the case list run here.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::reliability::{Row, check_section};

/// Far beyond any case (each takes well under a second, the controls a few): a case still
/// running then hangs.
const BOUND: Duration = Duration::from_secs(60);

/// What a case must come to.
enum Expect {
    /// Exit 2, with `file:line:col:` on stderr (`at`: that exact `line:col`).
    Located { file: PathBuf, at: Option<&'static str> },
    /// Exit 0.
    Valid,
}

struct Case {
    class: &'static str,
    name: String,
    args: Vec<String>,
    expect: Expect,
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/malformed").join(name)
}

fn suite_file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios").join(name))
        .expect("a scenario of the suite")
}

/// The scenario every control and every `--config` case runs: short, and passing on the reference.
const CONTROL: &str = "revoke-token-basic.toml";

fn text(path: &Path) -> String {
    path.to_str().expect("a UTF-8 path").to_owned()
}

/// The corpus: every case, its inputs written under `root`.
fn cases(root: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut n = 0;
    // A directory of its own for each input, so each case sees only its file.
    let mut dir = |root: &Path| {
        n += 1;
        let dir = root.join(format!("case{n}"));
        std::fs::create_dir_all(&dir).expect("a case directory");
        dir
    };
    let mut check = |class, name: &str, write: &dyn Fn(&Path), at: Option<&'static str>| {
        let dir = dir(root);
        let file = dir.join(name);
        write(&file);
        let args = vec!["check".into(), "--scenarios".into(), text(&dir)];
        cases.push(Case { class, name: name.into(), args, expect: Expect::Located { file, at } });
    };
    let bytes = |content: Vec<u8>| move |path: &Path| std::fs::write(path, &content).expect("written");
    let copy = |name: &'static str| move |path: &Path| std::fs::copy(data(name), path).map(drop).expect("copied");
    let link = |to: &'static str| move |path: &Path| std::os::unix::fs::symlink(to, path).expect("linked");

    let garbage: Vec<u8> = (0u32..4096).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    check("not UTF-8", "garbage.toml", &bytes(garbage), None);
    check("not UTF-8", "in-string.toml", &bytes(b"title = \"t\xff\"\n".to_vec()), Some("1:11"));
    check("not UTF-8", "in-comment.toml", &bytes(b"# caf\xe9\ntitle = \"t\"\n".to_vec()), Some("1:6"));
    let escapes = b"# \x1b]0;owned\x07 \x1b[2J\ntitle = \"\x1b[31m\"\n\"\\u001b[31m\" = 1\n".to_vec();
    check("terminal escapes or direction controls in a file", "escapes.toml", &bytes(escapes), Some("1:3"));
    let key = b"title = \"t\"\nspec = \"\xc2\xa71\"\n\"\\u001b[2J\\u009b\" = 1\n".to_vec();
    check("terminal escapes or direction controls in a file", "escaped-key.toml", &bytes(key), Some("3:1"));
    // Direction controls (U+202E, U+2066, U+2069) around a step name, then an error on that line.
    let bidi = "title = \"t\"\nspec = \"§1\"\n[[steps]]\nname = \"a\u{202E}b\u{2066}c\u{2069}\" nope\n";
    check(
        "terminal escapes or direction controls in a file",
        "bidi.toml",
        &bytes(bidi.as_bytes().to_vec()),
        Some("4:17"),
    );
    check("dangling `.toml` symlink", "dangling.toml", &link("/nonexistent/anywhere"), Some("1:1"));
    check("FIFO named `*.toml`", "fifo.toml", &mkfifo, Some("1:1"));
    check("symlink to /dev/zero", "zero.toml", &link("/dev/zero"), Some("1:1"));
    check("directory named `x.toml`", "x.toml", &|path: &Path| std::fs::create_dir(path).expect("dir"), Some("1:1"));
    check("10 MB file", "big.toml", &bytes(format!("# {}\n", "x".repeat(10 << 20)).into_bytes()), Some("1:1"));
    for name in ["unclosed-string.toml", "unclosed-table.toml", "missing-value.toml", "duplicate-key.toml"] {
        check("TOML syntax error", name, &copy(name), None);
    }
    for name in ["wrong-type-title.toml", "wrong-type-steps.toml", "wrong-type-tags.toml"] {
        check("wrong type", name, &copy(name), None);
    }
    check("unknown key", "unknown-key-top.toml", &copy("unknown-key-top.toml"), Some("3:1"));
    check("unknown key", "unknown-key-step.toml", &copy("unknown-key-step.toml"), Some("4:45"));
    let deep = |open: &str, close: &str| format!("a = {}{}\n", open.repeat(100_000), close.repeat(100_000));
    check("100,000-deep nesting", "arrays.toml", &bytes(deep("[", "]").into_bytes()), None);
    check("100,000-deep nesting", "tables.toml", &bytes(deep("{b=", "}").into_bytes()), None);
    let long = "a".repeat(70_000);
    let syntax = format!("description = \"{long}\" x\n");
    check("70,000-column line", "long-syntax.toml", &bytes(syntax.into_bytes()), Some("1:70018"));
    let reference = format!(
        "title = \"t\"\nspec = \"§1\"\n[[steps]]\nget_user = {{ access_token = \"{long}{{{{nope.access_token}}}}\" }}\n"
    );
    check("70,000-column line", "long-reference.toml", &bytes(reference.into_bytes()), Some("4:70030"));
    let many = format!("title = \"t\"\nspec = \"§1\"\n{}", "[[steps]]\n".repeat(20_000));
    check("20,000 problems in one file", "many.toml", &bytes(many.into_bytes()), Some("3:1"));
    for (name, at) in [
        ("reference-unknown-step.toml", "4:30"),
        ("reference-in-basic-multiline.toml", "5:3"),
        ("reference-in-literal-multiline.toml", "6:5"),
        ("reference-bad-filter.toml", "4:30"),
        ("reference-unclosed.toml", "4:32"),
    ] {
        check("bad reference (also inside `\"\"\"` and `'''`)", name, &copy(name), Some(at));
    }
    check("duplicate or mismatched id", "id-mismatch.toml", &copy("id-mismatch.toml"), Some("1:6"));
    // Two files with one stem, the second naming its id in a comment first.
    let (one, two) = (dir(root), dir(root));
    std::fs::write(one.join("same.toml"), suite_file(CONTROL)).expect("written");
    let second = two.join("same.toml");
    std::fs::write(&second, format!("# this id is taken\n\nid = \"same\"\n{}", suite_file(CONTROL))).expect("written");
    cases.push(Case {
        class: "duplicate or mismatched id",
        name: "same.toml twice".into(),
        args: vec!["check".into(), text(&one), text(&two)],
        expect: Expect::Located { file: second, at: Some("3:6") },
    });
    // A bad claims registry beside valid scenarios.
    for (name, content) in [
        ("bad grade", b"[E1]\nsays = \"x\"\ngrade = \"certain\"\nsources = \"s\"\n".to_vec()),
        ("binary", b"\x00\x9f\x92\x96".to_vec()),
    ] {
        let dir = dir(root);
        std::fs::write(dir.join(CONTROL), suite_file(CONTROL)).expect("written");
        let claims = dir.join("claims.toml");
        std::fs::write(&claims, content).expect("written");
        let args = vec!["check".into(), "--scenarios".into(), text(&dir)];
        let expect = Expect::Located { file: claims, at: None };
        cases.push(Case { class: "bad claims.toml", name: name.into(), args, expect });
    }

    // `run` refuses what `check` refuses, before any target is touched.
    let control_dir = dir(root);
    std::fs::write(control_dir.join(CONTROL), suite_file(CONTROL)).expect("written");
    for (name, write) in [
        ("garbage.toml", &bytes(b"\x00\xff\xfe title".to_vec()) as &dyn Fn(&Path)),
        ("fifo.toml", &mkfifo),
        ("long-syntax.toml", &bytes(format!("description = \"{long}\" x\n").into_bytes())),
    ] {
        let dir = dir(root);
        let file = dir.join(name);
        write(&file);
        let args = ["run", "--target", "reference", "--scenarios", &text(&dir)].map(String::from).to_vec();
        cases.push(Case {
            class: "`run` on a refused file",
            name: name.into(),
            args,
            expect: Expect::Located { file, at: None },
        });
    }

    // `--config FILE`: read as scenario files are.
    let mut config = |class, name: &str, write: &dyn Fn(&Path), at: Option<&'static str>| {
        let dir = dir(root);
        let file = dir.join(name);
        write(&file);
        let args = ["run", "--config", &text(&file), "--target", "mine", "--scenarios", &text(&control_dir)]
            .map(String::from)
            .to_vec();
        cases.push(Case { class, name: name.into(), args, expect: Expect::Located { file, at } });
    };
    config(
        "binary, FIFO or dangling `--config`",
        "binary.toml",
        &bytes(vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0xff, 0xfe]),
        Some("1:9"),
    );
    config("binary, FIFO or dangling `--config`", "fifo.toml", &mkfifo, Some("1:1"));
    config("binary, FIFO or dangling `--config`", "dangling.toml", &link("/nonexistent/config"), Some("1:1"));
    let endpoint = "[profiles.mine]\nendpoint = \"not a url\"\n[profiles.other]\nendpoint = \"ftp://127.0.0.1\"\n";
    config("bad endpoint in `--config`", "endpoint.toml", &bytes(endpoint.as_bytes().to_vec()), Some("2:12"));
    let unknown = "[profiles.mine]\nendpoint = \"http://127.0.0.1:1\"\ncolour = \"red\"\n";
    config("unknown key in `--config`", "unknown.toml", &bytes(unknown.as_bytes().to_vec()), Some("3:1"));
    let unknown = "[profile.mine]\nendpoint = \"http://127.0.0.1:1\"\n";
    config("unknown key in `--config`", "top.toml", &bytes(unknown.as_bytes().to_vec()), Some("1:2"));

    // `serve --pools FILE`: refused before anything listens, its secrets masked in the snippet.
    let mut pools = |class, name: &str, content: &str, at: Option<&'static str>| {
        let file = dir(root).join(name);
        std::fs::write(&file, content).expect("written");
        let args = ["serve", "--port", "0", "--pools", &text(&file)].map(String::from).to_vec();
        cases.push(Case { class, name: name.into(), args, expect: Expect::Located { file, at } });
    };
    let weak = "[[pools]]\nid = \"us-east-1_Fixed0001\"\n[[pools.users]]\nusername = \"u\"\npassword = \"weak\"\n";
    pools("bad `serve --pools` file", "weak-password.toml", weak, Some("5:12"));
    let region = "[[pools]]\nid = \"eu-west-1_Fixed0001\"\n";
    pools("bad `serve --pools` file", "other-region.toml", region, Some("2:6"));
    let unknown = "[[pools]]\nid = \"us-east-1_Fixed0001\"\n[[pools.clients]]\nid = \"c\"\nsecrett = \"x\"\n";
    pools("bad `serve --pools` file", "unknown-key.toml", unknown, Some("5:1"));

    // Valid controls.
    let valid = |class: &'static str, name: &str, args: Vec<String>| Case {
        class,
        name: name.into(),
        args,
        expect: Expect::Valid,
    };
    cases.push(valid(
        "valid control",
        "check a suite scenario",
        vec!["check".into(), "--scenarios".into(), text(&control_dir)],
    ));
    let json = dir(root);
    std::fs::write(
        json.join("json-body.toml"),
        "title = \"t\"\nspec = \"§1\"\n[[steps]]\ncall = { operation = \"RevokeToken\", raw_body = '{\"a\":{\"b\":1}} \\{{x}}' }\n",
    )
    .expect("written");
    cases.push(valid(
        "valid control",
        "raw_body ending in }}",
        vec!["check".into(), "--scenarios".into(), text(&json)],
    ));
    let good_config = dir(root).join("ok.toml");
    std::fs::write(&good_config, "[profiles.mine]\nendpoint = \"http://127.0.0.1:7000\"\n").expect("written");
    let args = ["run", "--config", &text(&good_config), "--target", "reference", "--scenarios", &text(&control_dir)];
    cases.push(valid("valid control", "run with a valid --config", args.map(String::from).to_vec()));
    cases
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", path.display());
}

/// Runs one case; `Err` says how it failed.
fn run(case: &Case, scratch: &Path) -> Result<(), String> {
    let (out, err) = (scratch.join("stdout"), scratch.join("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-conformance"))
        .args(&case.args)
        .env("NO_COLOR", "1")
        .current_dir(scratch)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("the binary starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waitable") {
            break status;
        }
        if started.elapsed() > BOUND {
            child.kill().ok();
            child.wait().ok();
            return Err(format!("still running after {BOUND:?}: killed"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = String::from_utf8_lossy(&std::fs::read(&err).expect("stderr")).into_owned();
    let shown = || stderr.chars().take(3000).collect::<String>();
    if stderr.contains("panicked") || status.code() == Some(101) {
        return Err(format!("panicked: {}", shown()));
    }
    if stderr.contains(['\u{1b}', '\u{202E}', '\u{2066}', '\u{2069}']) {
        return Err(format!("a terminal escape or direction control reached stderr: {:?}", shown()));
    }
    match &case.expect {
        Expect::Valid if status.code() == Some(0) => Ok(()),
        Expect::Valid => Err(format!("exit {:?}, not 0: {}", status.code(), shown())),
        Expect::Located { .. } if status.code() != Some(2) => {
            Err(format!("exit {:?}, not 2: {}", status.code(), shown()))
        }
        Expect::Located { file, at } => {
            let prefix = format!("{}:", file.display());
            let located = stderr.match_indices(&prefix).any(|(i, _)| {
                let rest = &stderr[i + prefix.len()..];
                let mut parts = rest.splitn(3, ':');
                let (line, column) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
                let numbers = [line, column].iter().all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
                numbers && at.is_none_or(|at| at == format!("{line}:{column}"))
            });
            let wanted = at.map_or("file:line:col".to_owned(), |at| format!("{prefix}{at}"));
            if located { Ok(()) } else { Err(format!("no {wanted} on stderr: {}", shown())) }
        }
    }
}

#[cfg(unix)]
#[test]
fn every_malformed_file_is_refused_with_a_location_and_none_panics_or_hangs() {
    let root = tempfile::tempdir().expect("temp dir");
    let cases = cases(root.path());
    // Two at a time: the cases are independent, and the machine may be shared.
    let chunks: Vec<_> = cases.chunks(cases.len().div_ceil(2)).collect();
    let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| {
                let scratch = root.path().join(format!("scratch{i}"));
                std::fs::create_dir_all(&scratch).expect("scratch");
                scope.spawn(move || chunk.iter().map(|case| run(case, &scratch)).collect::<Vec<_>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("no panic in the runner")).collect()
    });
    let failures: Vec<String> = cases
        .iter()
        .zip(&results)
        .filter_map(|(case, result)| result.as_ref().err().map(|why| format!("{} / {}: {why}", case.class, case.name)))
        .collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n\n"));

    let mut rows: Vec<Row> = Vec::new();
    for case in &cases {
        let outcome = match case.expect {
            Expect::Valid => "exit 0",
            Expect::Located { .. } => "exit 2 with file:line:col; no panic, no hang",
        };
        match rows.iter_mut().find(|row| row.class == case.class) {
            Some(row) => row.tried += 1,
            None => rows.push(Row::new(case.class, 1, outcome)),
        }
    }
    check_section("files", &rows);
}
