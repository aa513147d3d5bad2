//! Login throttling: failed logins are counted per username and per client address within a
//! window; past a threshold each further attempt must wait a cool-off that doubles with
//! every failure up to a cap. A success clears the username's count. The cap keeps an
//! attacker from locking a victim out for long: a throttle, never a lock.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Limits for one kind of key (username or address).
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// Failures allowed within the window before cool-offs start.
    pub free_failures: u32,
    /// Longest cool-off.
    pub max_cool_off: Duration,
}

/// Throttling settings.
#[derive(Clone, Copy, Debug)]
pub struct ThrottleSettings {
    pub per_username: Limit,
    pub per_address: Limit,
    /// Failures older than this are forgotten.
    pub window: Duration,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        ThrottleSettings {
            per_username: Limit { free_failures: 5, max_cool_off: Duration::from_secs(30) },
            per_address: Limit { free_failures: 20, max_cool_off: Duration::from_secs(300) },
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Most keys remembered per kind; the oldest are forgotten first when full.
const MAX_KEYS: usize = 100_000;

/// Failed-login bookkeeping shared by all request threads.
pub struct Throttle {
    settings: ThrottleSettings,
    usernames: Mutex<HashMap<String, Failures>>,
    addresses: Mutex<HashMap<String, Failures>>,
}

impl Throttle {
    pub fn new(settings: ThrottleSettings) -> Throttle {
        Throttle { settings, usernames: Mutex::default(), addresses: Mutex::default() }
    }

    /// How long this attempt must wait, if it is throttled (the longer of the two).
    pub fn wait(&self, username: &str, address: &str, now: Instant) -> Option<Duration> {
        let by_user = self.remaining(&self.usernames, &username.to_lowercase(), self.settings.per_username, now);
        let by_address = self.remaining(&self.addresses, address, self.settings.per_address, now);
        by_user.into_iter().chain(by_address).max()
    }

    /// Counts a failed attempt.
    pub fn failed(&self, username: &str, address: &str, now: Instant) {
        self.bump(&self.usernames, username.to_lowercase(), now);
        self.bump(&self.addresses, address.to_string(), now);
    }

    /// A successful login clears the username's failures.
    pub fn succeeded(&self, username: &str) {
        self.usernames.lock().unwrap_or_else(PoisonError::into_inner).remove(&username.to_lowercase());
    }

    fn remaining(
        &self,
        map: &Mutex<HashMap<String, Failures>>,
        key: &str,
        limit: Limit,
        now: Instant,
    ) -> Option<Duration> {
        let failures = *map.lock().unwrap_or_else(PoisonError::into_inner).get(key)?;
        let since = now.saturating_duration_since(failures.last);
        if since >= self.settings.window || failures.count < limit.free_failures {
            return None;
        }
        let exponent = (failures.count - limit.free_failures).min(20);
        let cool_off = Duration::from_secs(1u64 << exponent).min(limit.max_cool_off);
        cool_off.checked_sub(since).filter(|d| !d.is_zero())
    }

    fn bump(&self, map: &Mutex<HashMap<String, Failures>>, key: String, now: Instant) {
        let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
        let window = self.settings.window;
        if map.len() >= MAX_KEYS {
            map.retain(|_, f| now.saturating_duration_since(f.last) < window);
        }
        let entry = map.entry(key).or_insert(Failures { count: 0, last: now });
        if now.saturating_duration_since(entry.last) >= window {
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> Throttle {
        Throttle::new(ThrottleSettings {
            per_username: Limit { free_failures: 3, max_cool_off: Duration::from_secs(8) },
            per_address: Limit { free_failures: 10, max_cool_off: Duration::from_secs(60) },
            window: Duration::from_secs(600),
        })
    }

    #[test]
    fn cool_off_starts_after_free_failures_doubles_and_is_capped() {
        let t = throttle();
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(t.wait("Bob", "1.2.3.4", start), None);
            t.failed("Bob", "1.2.3.4", start);
        }
        assert_eq!(t.wait("bob", "5.6.7.8", start), Some(Duration::from_secs(1)), "usernames fold case");
        t.failed("bob", "5.6.7.8", start);
        assert_eq!(t.wait("bob", "9.9.9.9", start), Some(Duration::from_secs(2)));
        for _ in 0..10 {
            t.failed("bob", "9.9.9.9", start);
        }
        assert_eq!(t.wait("bob", "8.8.8.8", start), Some(Duration::from_secs(8)), "capped");
        assert_eq!(t.wait("bob", "8.8.8.8", start + Duration::from_secs(8)), None, "the cool-off ends");
        assert_eq!(t.wait("alice", "1.2.3.4", start), None, "other users are not affected");
    }

    #[test]
    fn success_resets_and_old_failures_expire() {
        let t = throttle();
        let start = Instant::now();
        for _ in 0..5 {
            t.failed("bob", "1.1.1.1", start);
        }
        assert!(t.wait("bob", "2.2.2.2", start).is_some());
        t.succeeded("BOB");
        assert_eq!(t.wait("bob", "2.2.2.2", start), None);
        for _ in 0..5 {
            t.failed("carol", "3.3.3.3", start);
        }
        assert_eq!(t.wait("carol", "4.4.4.4", start + Duration::from_secs(601)), None, "outside the window");
    }

    #[test]
    fn an_address_spraying_many_usernames_is_throttled() {
        let t = throttle();
        let start = Instant::now();
        for i in 0..10 {
            t.failed(&format!("user{i}"), "6.6.6.6", start);
        }
        assert_eq!(t.wait("someone-new", "6.6.6.6", start), Some(Duration::from_secs(1)));
        assert_eq!(t.wait("someone-new", "7.7.7.7", start), None);
    }
}
