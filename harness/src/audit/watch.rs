//! Watching the API after a revocation: a call at once, then with backoff (0.25 s, doubling, at
//! most 5 s apart) until the API refuses or the watch ends — never past the token's `exp`, after
//! which refusing proves nothing.
//!
//! The exposure window is measured from the moment the revocation answered to the first call the
//! API refused (when it was sent): an upper bound, as close as the backoff allows. Every call is
//! recorded, redacted.

use std::time::{Duration, Instant};

use super::session::send_recorded;
use super::template::{ApiTemplate, Tokens};
use crate::redact::Redactor;
use crate::report::model::StepRecord;
use crate::wire::{Wire, WireError};

/// The first pause between two calls.
pub const FIRST_PAUSE: Duration = Duration::from_millis(250);
/// The longest pause between two calls.
pub const MAX_PAUSE: Duration = Duration::from_secs(5);
/// API answers kept in reports are cut to this many characters: the audit makes many calls.
const POLL_BODY_MAX: usize = 300;

/// The offsets from the start at which to call: 0, 0.25, 0.75, 1.75, … and `limit` itself last,
/// so "still accepted after W s" means at W s.
pub fn schedule(limit: Duration) -> impl Iterator<Item = Duration> {
    let mut next = Some((Duration::ZERO, FIRST_PAUSE));
    std::iter::from_fn(move || {
        let (at, pause) = next?;
        next = (at < limit).then(|| ((at + pause).min(limit), (pause * 2).min(MAX_PAUSE)));
        Some(at)
    })
}

/// How the watch ended.
#[derive(Debug, Clone)]
pub enum Watched {
    /// The API refused a call sent this long after the revocation answered.
    Refused {
        /// The exposure window (an upper bound).
        after: Duration,
        /// The refusing answer's status.
        status: u16,
    },
    /// The API still accepted the token at the last call, sent this long after.
    Accepted {
        /// When the last call was sent.
        last: Duration,
        /// Whether the watch stopped at the token's `exp` rather than at `--watch`.
        at_expiry: bool,
    },
    /// A call got no answer.
    NoAnswer(WireError),
}

/// When and how long to watch.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// When the revocation answered.
    pub started: Instant,
    /// How long to watch.
    pub watch: Duration,
    /// The token's time left before `exp`, from `started`.
    pub expires_in: Option<Duration>,
}

/// Calls the API with `tokens` from the window's start until it refuses, the watch passes, or
/// the token expires; records every call in `records`.
pub async fn watch(
    api: &Wire,
    template: &ApiTemplate,
    tokens: &Tokens,
    redactor: &Redactor,
    window: Window,
    records: &mut Vec<StepRecord>,
) -> Watched {
    let Window { started, watch, expires_in } = window;
    let at_expiry = expires_in.is_some_and(|e| e < watch);
    let limit = expires_in.map_or(watch, |e| e.min(watch));
    let request = template.request(tokens);
    let mut last = Duration::ZERO;
    for (index, at) in schedule(limit).enumerate() {
        tokio::time::sleep_until((started + at).into()).await;
        let sent = started.elapsed();
        let name = format!("api-call-{}", index + 1);
        let (result, record) = send_recorded(api, redactor, &request, &name, "api_call", POLL_BODY_MAX).await;
        records.push(record);
        match result {
            Err(error) => return Watched::NoAnswer(error),
            Ok(answer) if !template.accepts(&answer) => return Watched::Refused { after: sent, status: answer.status },
            Ok(_) => last = sent,
        }
    }
    Watched::Accepted { last, at_expiry }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_doubles_to_five_seconds_and_stops_at_the_limit() {
        let offsets: Vec<f64> = schedule(Duration::from_secs(20)).map(|d| d.as_secs_f64()).collect();
        assert_eq!(offsets, [0.0, 0.25, 0.75, 1.75, 3.75, 7.75, 12.75, 17.75, 20.0]);
        let short: Vec<f64> = schedule(Duration::from_millis(800)).map(|d| d.as_secs_f64()).collect();
        assert_eq!(short, [0.0, 0.25, 0.75, 0.8]);
        assert_eq!(schedule(Duration::ZERO).count(), 1, "one call at once, even when the token is expiring");
    }
}
