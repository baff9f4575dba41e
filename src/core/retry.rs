//! When to try a call again, and how many calls may run at once.
//!
//! Assemblyline's concurrent quota (default 10 per user) is shared with the analyst's open AL
//! tabs, so we stay well under it and back off with jitter when it still says 503. The Python
//! client retries forever; a page must not, so every kind of failure has a bound.

use super::error::ApiError;

/// Calls in flight by default: Chromium opens 6 connections per host over HTTP/1.1, and the
/// server's default quota of 10 leaves room for the analyst's AL tabs.
pub const DEFAULT_PARALLELISM: usize = 6;
/// The server's default concurrent quota, used when the user's own is unknown.
pub const DEFAULT_SERVER_QUOTA: usize = 10;

#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// 502/504: a proxy or the server hiccuped.
    pub gateway_attempts: u32,
    /// Concurrent-quota 503: someone else (another tab) holds slots; worth waiting longer.
    pub quota_attempts: u32,
    /// Network failure: usually not transient (down, CORS), so only a couple of tries.
    pub network_attempts: u32,
    pub base_ms: u64,
    pub cap_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            gateway_attempts: 5,
            quota_attempts: 30,
            network_attempts: 2,
            base_ms: 200,
            cap_ms: 8_000,
        }
    }
}

impl RetryPolicy {
    /// Milliseconds to wait before the next try, or None to give up. `failures` counts the
    /// failed tries so far (1 after the first); `jitter` is uniform in [0, 1) and spreads
    /// retries so parallel calls do not hit the quota again in lockstep.
    pub fn delay_ms(&self, error: &ApiError, failures: u32, jitter: f64) -> Option<u64> {
        let allowed = match error {
            ApiError::Gateway(_) | ApiError::Interrupted => self.gateway_attempts,
            ApiError::ConcurrentQuota(_) => self.quota_attempts,
            ApiError::Network { .. } => self.network_attempts,
            _ => return None,
        };
        if failures == 0 || failures >= allowed {
            return None;
        }
        let exp = self
            .base_ms
            .saturating_mul(1u64 << (failures - 1).min(20))
            .min(self.cap_ms);
        let jitter = jitter.clamp(0.0, 1.0);
        // "Equal jitter": never less than half the step, so backoff still grows.
        Some(exp / 2 + (exp as f64 / 2.0 * jitter) as u64)
    }
}

/// How many calls to run at once: what the user asked, at least 1, never above their quota.
pub fn parallelism(requested: usize, user_quota: Option<usize>) -> usize {
    let quota = user_quota
        .filter(|q| *q > 0)
        .unwrap_or(DEFAULT_SERVER_QUOTA);
    requested.clamp(1, quota)
}

/// The "Parallel calls" setting as typed; the error says what is allowed and why.
pub fn parse_parallelism(text: &str) -> Result<usize, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(DEFAULT_PARALLELISM);
    }
    match text.parse::<usize>() {
        Ok(n) if (1..=DEFAULT_SERVER_QUOTA).contains(&n) => Ok(n),
        _ => Err(format!(
            "Parallel calls must be a whole number from 1 to {DEFAULT_SERVER_QUOTA}, not {text:?}: \
             Assemblyline allows {DEFAULT_SERVER_QUOTA} calls at once per user by default, shared \
             with your open Assemblyline tabs."
        )),
    }
}

/// Connections a browser keeps to one host over HTTP/1 (Chromium's and Firefox's default).
pub const HTTP1_CONNECTIONS_PER_HOST: usize = 6;
/// Calls handed to the browser beyond its connections over HTTP/1.
const HANDED_AHEAD: usize = 4;

/// How many calls to hand the browser at once so that `parallelism` run at the server, given
/// the protocol it negotiated with the server (`nextHopProtocol`: "http/1.1", "h2", "h3", or
/// empty when unknown).
///
/// Over HTTP/1 the browser itself never runs more than `HTTP1_CONNECTIONS_PER_HOST` calls to a
/// host, and queues the rest in its network process, which sends the next one the moment a
/// connection frees. A call the page starts only after the last one ended reaches the server
/// after a round trip through the page's thread instead. With 20 ms calls that round trip left
/// a quarter of the server's slots idle (4,000 submissions: 4.4 of 6 calls in flight; with two
/// handed ahead 4.9, with four 5.2). The server still sees at most the browser's 6, so this holds only
/// when the user allows at least that many. Over HTTP/2 and 3 every call handed to the
/// browser goes out at once: there, exactly `parallelism`.
pub fn calls_handed_to_browser(parallelism: usize, protocol: &str) -> usize {
    if is_http1(protocol) && parallelism >= HTTP1_CONNECTIONS_PER_HOST {
        parallelism + HANDED_AHEAD
    } else {
        parallelism
    }
}

/// Whether `nextHopProtocol` names HTTP/1, where the browser's connections cap the calls.
fn is_http1(protocol: &str) -> bool {
    matches!(protocol, "http/1.1" | "http/1.0")
}

/// What the Server tab says of the calls once the protocol is known, or None when it is not.
pub fn calls_words(parallelism: usize, protocol: &str) -> Option<String> {
    let handed = calls_handed_to_browser(parallelism, protocol);
    let name = match protocol {
        _ if is_http1(protocol) => "HTTP/1.1",
        "h2" => "HTTP/2",
        "h3" => "HTTP/3",
        _ => return None,
    };
    let at_server = if handed > parallelism {
        HTTP1_CONNECTIONS_PER_HOST
    } else {
        parallelism
    };
    let mut words = format!("Calls go over {name}: at most {at_server} at once reach Assemblyline");
    if at_server < parallelism {
        words.push_str(&format!(
            " (the browser's own limit over HTTP/1.1, below Parallel calls {parallelism})"
        ));
    }
    if handed > parallelism {
        words.push_str(&format!(
            ", and {} more wait ready in the browser",
            handed - parallelism
        ));
    }
    words.push('.');
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_tab_says_how_calls_go() {
        let cases = [
            (6, "http/1.1", "Calls go over HTTP/1.1: at most 6 at once reach Assemblyline, and 4 more wait ready in the browser."),
            (8, "http/1.1", "Calls go over HTTP/1.1: at most 6 at once reach Assemblyline (the browser's own limit over HTTP/1.1, below Parallel calls 8), and 4 more wait ready in the browser."),
            (3, "http/1.1", "Calls go over HTTP/1.1: at most 3 at once reach Assemblyline."),
            (8, "h2", "Calls go over HTTP/2: at most 8 at once reach Assemblyline."),
        ];
        for (parallelism, protocol, words) in cases {
            assert_eq!(calls_words(parallelism, protocol).as_deref(), Some(words));
        }
        assert_eq!(calls_words(6, ""), None);
    }

    #[test]
    fn calls_are_handed_ahead_only_where_the_browser_caps_what_the_server_sees() {
        // HTTP/1: the browser's 6 connections cap the server's share.
        assert_eq!(calls_handed_to_browser(6, "http/1.1"), 10);
        assert_eq!(calls_handed_to_browser(10, "http/1.1"), 14);
        assert_eq!(calls_handed_to_browser(6, "http/1.0"), 10);
        // Fewer allowed than the browser's connections: extra calls would reach the server.
        assert_eq!(calls_handed_to_browser(5, "http/1.1"), 5);
        assert_eq!(calls_handed_to_browser(1, "http/1.1"), 1);
        // HTTP/2 and 3 send every call at once; an unknown protocol is not trusted.
        for protocol in ["h2", "h3", ""] {
            assert_eq!(calls_handed_to_browser(6, protocol), 6, "{protocol:?}");
        }
    }

    #[test]
    fn backoff_grows_to_the_cap_and_stops() {
        let p = RetryPolicy::default();
        let e = ApiError::Gateway(502);
        assert_eq!(p.delay_ms(&e, 1, 0.0), Some(100));
        assert_eq!(p.delay_ms(&e, 2, 0.0), Some(200));
        assert_eq!(p.delay_ms(&e, 2, 0.999), Some(399));
        assert_eq!(p.delay_ms(&e, 4, 1.0), Some(1600));
        assert_eq!(p.delay_ms(&e, 5, 0.5), None);
        let q = ApiError::ConcurrentQuota("quota".into());
        assert_eq!(p.delay_ms(&q, 29, 1.0), Some(8_000));
        assert_eq!(p.delay_ms(&q, 30, 1.0), None);
    }

    #[test]
    fn non_transient_errors_are_never_retried() {
        let p = RetryPolicy::default();
        for e in [
            ApiError::DailyQuota("daily quota".into()),
            ApiError::Unauthorized("x".into()),
            ApiError::NotFound("x".into()),
            ApiError::BadRequest("x".into()),
            ApiError::Aborted,
        ] {
            assert_eq!(p.delay_ms(&e, 1, 0.5), None, "{e:?}");
        }
    }

    #[test]
    fn parallelism_respects_the_quota() {
        assert_eq!(parallelism(4, None), 4);
        assert_eq!(parallelism(4, Some(3)), 3);
        assert_eq!(parallelism(0, Some(3)), 1);
        assert_eq!(parallelism(50, None), 10);
        assert_eq!(parallelism(6, Some(0)), 6);
    }

    #[test]
    fn parallel_calls_setting_is_a_number_within_the_quota() {
        assert_eq!(parse_parallelism(""), Ok(DEFAULT_PARALLELISM));
        assert_eq!(parse_parallelism(" 8 "), Ok(8));
        assert_eq!(parse_parallelism("1"), Ok(1));
        assert_eq!(parse_parallelism("10"), Ok(10));
        for bad in ["0", "11", "-2", "four", "2.5", "1e3"] {
            let words = parse_parallelism(bad).unwrap_err();
            assert!(words.contains("from 1 to 10"), "{bad}: {words}");
            assert!(words.contains(&format!("{bad:?}")), "{bad}: {words}");
        }
    }
}
