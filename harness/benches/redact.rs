//! Redaction's cost per report record, timed in one run.
//!
//! `cargo bench --bench redact` prints the time to redact one 2 KB answer body with a scenario's
//! worth of secrets registered (3 client secrets, the password, 8 SECRET_HASHes, 24 tokens of
//! 900–1,700 characters), and the ratio to a plain search for each whole secret (what redaction
//! cost before fragments of secrets were redacted too). Options (after `--`): `--rounds N`
//! (default 20000).

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use cognito_conformance::redact::{Redactor, SecretKind};
use memchr::memmem::Finder;

/// A pseudo-random base64url text of `len` characters (tokens and secrets look so).
fn random(seed: u64, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(ALPHABET[(state % 64) as usize])
        })
        .collect()
}

fn time(rounds: usize, mut work: impl FnMut()) -> Duration {
    let started = Instant::now();
    for _ in 0..rounds {
        work();
    }
    started.elapsed() / rounds as u32
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let mut secrets: Vec<(String, SecretKind)> = Vec::new();
    let header = random(1, 90);
    for i in 0..24u64 {
        let kind = [SecretKind::AccessToken, SecretKind::IdToken, SecretKind::RefreshToken][i as usize % 3];
        // Tokens of one pool share their header, as JWTs do.
        secrets.push((format!("eyJ{header}.{}", random(100 + i, 800 + (i as usize * 37) % 800)), kind));
    }
    for i in 0..3 {
        secrets.push((random(200 + i, 52), SecretKind::ClientSecret));
    }
    for i in 0..8 {
        secrets.push((format!("{}=", random(300 + i, 43)), SecretKind::SecretHash));
    }
    secrets.push(("Cc-fixture-Passw0rd!".to_owned(), SecretKind::Password));
    let mut redactor = Redactor::new();
    for (secret, kind) in &secrets {
        redactor.register(secret, *kind);
    }
    // An answer body as the runner records it: JSON with two of the tokens and ordinary text.
    let body = format!(
        r#"{{"AuthenticationResult":{{"AccessToken":"{}","ExpiresIn":3600,"TokenType":"Bearer"}},"ChallengeParameters":{{}},"note":"{}"}}"#,
        secrets[0].0,
        "ordinary text, ".repeat(40)
    );
    let body = &body[..body.len().min(2_048)];
    let finders: Vec<Finder> = secrets.iter().map(|(s, _)| Finder::new(s.as_bytes()).into_owned()).collect();
    let plain = time(rounds, || {
        let hits = finders.iter().filter(|f| f.find(black_box(body).as_bytes()).is_some()).count();
        black_box(hits);
    });
    let redact = time(rounds, || {
        black_box(redactor.redact(black_box(body)));
    });
    println!("secrets registered: {}; body: {} bytes; rounds: {rounds}", secrets.len(), body.len());
    println!("redact (whole secrets and fragments): {redact:?} per body");
    println!("plain search for each whole secret:   {plain:?} per body");
    println!("ratio: {:.2}", redact.as_secs_f64() / plain.as_secs_f64());
}
