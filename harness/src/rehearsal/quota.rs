//! Quotas and counts: the request rate above which the rehearsal throttles, as Cognito throttles
//! with `TooManyRequestsException` ("Rate exceeded", status 400: boto/boto3#2517,
//! mifi/cognito-backup#12), and the count of calls by operation a benchmark reports.

use std::collections::BTreeMap;
use std::time::Instant;

use parking_lot::Mutex;

/// A token bucket: `rate` tokens a second, holding at most one second's worth, so a burst of
/// `rate` requests passes and a sustained rate above it is throttled.
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    /// A full bucket refilled at `rate` tokens a second (at least one).
    pub fn new(rate: u32) -> Self {
        let rate = f64::from(rate.max(1));
        Self { rate, state: Mutex::new((rate, Instant::now())) }
    }

    /// Takes a token at `now`; false when the bucket is empty (throttle).
    pub fn take(&self, now: Instant) -> bool {
        let mut state = self.state.lock();
        let (tokens, last) = &mut *state;
        let elapsed = now.saturating_duration_since(*last).as_secs_f64();
        *tokens = (*tokens + elapsed * self.rate).min(self.rate);
        *last = now.max(*last);
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Requests received, by operation: the AWS JSON operation (`AdminInitiateAuth`), or the hosted
/// endpoint or document (`oauth2/revoke`, `jwks.json`).
#[derive(Debug, Default)]
pub struct CallCounter(Mutex<BTreeMap<String, u64>>);

impl CallCounter {
    /// Counts one call of `operation`.
    pub fn record(&self, operation: &str) {
        let mut calls = self.0.lock();
        match calls.get_mut(operation) {
            Some(count) => *count += 1,
            None => {
                calls.insert(operation.to_owned(), 1);
            }
        }
    }

    /// The counts so far.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_passes_a_burst_then_refills() {
        let bucket = TokenBucket::new(5);
        let t0 = Instant::now();
        assert_eq!((0..8).filter(|_| bucket.take(t0)).count(), 5);
        assert!(!bucket.take(t0 + Duration::from_millis(100)));
        assert!(bucket.take(t0 + Duration::from_millis(250)));
        assert_eq!((0..8).filter(|_| bucket.take(t0 + Duration::from_secs(10))).count(), 5);
    }

    #[test]
    fn calls_are_counted_by_operation() {
        let counter = CallCounter::default();
        counter.record("CreateUserPool");
        counter.record("oauth2/revoke");
        counter.record("CreateUserPool");
        let calls = counter.snapshot();
        assert_eq!(calls.get("CreateUserPool"), Some(&2));
        assert_eq!(calls.get("oauth2/revoke"), Some(&1));
    }
}
