//! How long a sign-in must wait after failures (OWASP Authentication Cheat Sheet: throttle
//! rather than lock). Failures count per account *and* client address together, so a
//! stranger's guesses slow down the stranger and never the account's owner elsewhere;
//! and the account is the username as typed, known or not, so the answer never tells
//! which usernames exist.

/// The schedule of delays. The defaults are ours (documented in the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Failures allowed without any delay (typing mistakes).
    pub free_failures: i64,
    /// The delay after the first failure beyond those; it doubles with each further one…
    pub first_delay_ms: i64,
    /// …up to this.
    pub max_delay_ms: i64,
    /// Failures older than this are forgotten.
    pub forget_after_ms: i64,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            free_failures: 5,
            first_delay_ms: 30 * 1000,
            max_delay_ms: 15 * 60 * 1000,
            forget_after_ms: 24 * 60 * 60 * 1000,
        }
    }
}

impl Throttle {
    /// When the next attempt may be made after `failures` failures, the last at
    /// `last_ms`; `None` when it may be made at once.
    pub fn next_attempt_at(&self, failures: i64, last_ms: i64) -> Option<i64> {
        let beyond = failures - self.free_failures;
        if beyond < 0 {
            return None;
        }
        let doublings = u32::try_from(beyond.min(32)).unwrap_or(32);
        let delay = self
            .first_delay_ms
            .saturating_mul(1_i64 << doublings)
            .min(self.max_delay_ms);
        Some(last_ms.saturating_add(delay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_and_double_up_to_the_cap() {
        let throttle = Throttle::default();
        for failures in 0..5 {
            assert_eq!(throttle.next_attempt_at(failures, 1000), None);
        }
        assert_eq!(throttle.next_attempt_at(5, 1000), Some(31_000));
        assert_eq!(throttle.next_attempt_at(6, 1000), Some(61_000));
        assert_eq!(throttle.next_attempt_at(7, 1000), Some(121_000));
        assert_eq!(throttle.next_attempt_at(10, 0), Some(15 * 60 * 1000));
        assert_eq!(throttle.next_attempt_at(i64::MAX, 0), Some(15 * 60 * 1000));
    }
}
