//! Rate limits: token buckets that refill with time.
//!
//! Four limits protect the server and the sessions' codes. Per client address (see `net`),
//! looking up a join code that does not exist costs a token (`Guesses`); with none left, every
//! lookup from that address is answered `429` until tokens come back — whether the code exists
//! or not, so the limit cannot be used to test codes (staff and returning participants are let
//! through; see `http::limit_guesses`). Per client address, creating a session or series costs
//! a token (`Creations`; not with the create token). Finding a session costs nothing: a town
//! hall behind one NAT address joins freely. Per participant, every message after the opening
//! costs a token (an `Allowance` of `MESSAGES`, shared by their connections); with none left
//! the message is answered with a `rate_limited` error and not applied (the client keeps it in
//! its outbox and sends it again later). Per session, every join costs a token; with
//! none left the join is refused with `busy` and the phone tries again by itself
//! (`--joins-per-second`, see `SessionLimits`).

use std::net::IpAddr;
use std::time::Instant;

use dashmap::DashMap;

/// A bucket of `capacity` tokens refilled at `per_second`.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Capacity and refill rate of a kind of bucket.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    /// Tokens a full bucket holds: the burst allowed.
    pub capacity: f64,
    /// Tokens added per second, up to `capacity`: the sustained rate.
    pub per_second: f64,
}

impl Rate {
    fn full(&self, now: Instant) -> Bucket {
        Bucket {
            tokens: self.capacity,
            at: now,
        }
    }

    fn refill(&self, bucket: &mut Bucket, now: Instant) {
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.capacity);
        bucket.at = now;
    }
}

/// Wrong join codes per client address: 60 at once, then one a second.
pub const GUESSES: Rate = Rate {
    capacity: 60.0,
    per_second: 1.0,
};

/// Messages per connection: 100 at once (a phone flushing its outbox), then 20 a second.
pub const MESSAGES: Rate = Rate {
    capacity: 100.0,
    per_second: 20.0,
};

impl Rate {
    /// Joins per session (`--joins-per-second`): five seconds' worth at once (a room scanning
    /// the code together), then `n` a second. A join code alone cannot make the server store,
    /// greet and count newcomers as fast as one client can open sockets.
    pub fn joins_per_second(n: u32) -> Self {
        Rate {
            capacity: 5.0 * f64::from(n),
            per_second: f64::from(n),
        }
    }
}

/// What one session may hold and take in.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// Most participants (`--max-participants`).
    pub participants: usize,
    /// The storage budget in bytes (`--max-session-mib`).
    pub bytes: usize,
    /// Its join allowance (`--joins-per-second`).
    pub joins: Rate,
}

/// Addresses that looked up codes that do not exist, and how many more they may try.
#[derive(Debug, Default)]
pub struct Guesses {
    buckets: DashMap<IpAddr, Bucket>,
}

/// Past this many addresses, full buckets are forgotten (they hold nothing worth keeping).
const FORGET_ABOVE: usize = 10_000;

impl Guesses {
    /// Whether `ip` may look up a code now.
    pub fn allowed(&self, ip: IpAddr, now: Instant) -> bool {
        match self.buckets.get_mut(&ip) {
            Some(mut bucket) => {
                GUESSES.refill(&mut bucket, now);
                bucket.tokens >= 1.0
            }
            None => true,
        }
    }

    /// `ip` looked up a code that does not exist.
    pub fn missed(&self, ip: IpAddr, now: Instant) {
        if self.buckets.len() > FORGET_ABOVE {
            self.buckets.retain(|_, bucket| {
                GUESSES.refill(bucket, now);
                bucket.tokens < GUESSES.capacity
            });
        }
        let mut bucket = self.buckets.entry(ip).or_insert_with(|| GUESSES.full(now));
        GUESSES.refill(&mut bucket, now);
        bucket.tokens = (bucket.tokens - 1.0).max(0.0);
    }
}

/// Sessions (or series) created per client address: `--creations-per-hour` at once, then as
/// many an hour.
#[derive(Debug)]
pub struct Creations {
    rate: Rate,
    buckets: DashMap<IpAddr, Bucket>,
}

impl Creations {
    /// `per_hour` at once, then `per_hour` an hour.
    pub fn per_hour(per_hour: u32) -> Self {
        Creations {
            rate: Rate {
                capacity: f64::from(per_hour),
                per_second: f64::from(per_hour) / 3600.0,
            },
            buckets: DashMap::new(),
        }
    }

    /// Takes a token for one creation from `ip`; false when there is none.
    pub fn take(&self, ip: IpAddr, now: Instant) -> bool {
        let rate = self.rate;
        if self.buckets.len() > FORGET_ABOVE {
            self.buckets.retain(|_, bucket| {
                rate.refill(bucket, now);
                bucket.tokens < rate.capacity
            });
        }
        let mut bucket = self.buckets.entry(ip).or_insert_with(|| rate.full(now));
        rate.refill(&mut bucket, now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// An allowance that refills with time: a participant's messages (`MESSAGES`, shared by their
/// connections) or a session's joins (`Rate::joins_per_second`).
#[derive(Debug)]
pub struct Allowance {
    rate: Rate,
    bucket: Bucket,
}

impl Allowance {
    /// A full allowance of `rate`.
    pub fn new(rate: Rate, now: Instant) -> Self {
        Allowance {
            rate,
            bucket: rate.full(now),
        }
    }

    /// Takes a token; false when there is none.
    pub fn take(&mut self, now: Instant) -> bool {
        self.rate.refill(&mut self.bucket, now);
        if self.bucket.tokens >= 1.0 {
            self.bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How long until the next token: zero when there is one now.
    pub fn until_next(&mut self, now: Instant) -> std::time::Duration {
        self.rate.refill(&mut self.bucket, now);
        let missing = (1.0 - self.bucket.tokens).max(0.0);
        std::time::Duration::from_secs_f64(missing / self.rate.per_second)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn wrong_codes_run_out_and_come_back_with_time() {
        let guesses = Guesses::default();
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..60 {
            assert!(guesses.allowed(ip, t0));
            guesses.missed(ip, t0);
        }
        assert!(
            !guesses.allowed(ip, t0),
            "the 61st guess at once is refused"
        );
        assert!(
            guesses.allowed(other, t0),
            "another address is not affected"
        );
        assert!(!guesses.allowed(ip, t0 + Duration::from_millis(500)));
        assert!(
            guesses.allowed(ip, t0 + Duration::from_secs(1)),
            "one more a second"
        );
        assert!(guesses.allowed(ip, t0 + Duration::from_secs(3600)));
    }

    #[test]
    fn creations_run_out_per_address_and_come_back_with_time() {
        let creations = Creations::per_hour(30);
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        let t0 = Instant::now();
        assert_eq!((0..100).take_while(|_| creations.take(ip, t0)).count(), 30);
        assert!(creations.take(other, t0), "another address is not affected");
        assert!(!creations.take(ip, t0 + Duration::from_secs(60)));
        assert!(
            creations.take(ip, t0 + Duration::from_secs(120)),
            "one every two minutes"
        );
    }

    #[test]
    fn messages_allow_a_burst_then_a_steady_rate() {
        let t0 = Instant::now();
        let mut budget = Allowance::new(MESSAGES, t0);
        let burst = (0..1000).take_while(|_| budget.take(t0)).count();
        assert_eq!(burst, 100);
        assert!(!budget.take(t0));
        let later = t0 + Duration::from_secs(1);
        let refilled = (0..1000).take_while(|_| budget.take(later)).count();
        let wait = budget.until_next(later);
        assert!(
            wait.abs_diff(Duration::from_millis(50)) < Duration::from_micros(1),
            "{wait:?}"
        );
        assert_eq!(budget.until_next(later + wait), Duration::ZERO);
        assert_eq!(refilled, 20, "twenty a second after the burst");
    }

    #[test]
    fn joins_allow_a_room_at_once_then_twenty_a_second() {
        let t0 = Instant::now();
        let mut joins = Allowance::new(Rate::joins_per_second(20), t0);
        assert_eq!((0..1000).take_while(|_| joins.take(t0)).count(), 100);
        let later = t0 + Duration::from_secs(2);
        assert_eq!((0..1000).take_while(|_| joins.take(later)).count(), 40);
    }
}
