//! Per-route counters for benchmarks and tests (`GET /__mock/stats/`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

#[derive(Default)]
pub struct Stats {
    counts: BTreeMap<String, u64>,
    statuses: BTreeMap<String, BTreeMap<String, u64>>,
    route_bytes: BTreeMap<String, u64>,
    bytes_api: u64,
    bytes_download: u64,
    bytes_static: u64,
    faults: u64,
    quota_concurrent: u64,
    quota_daily: u64,
    active: BTreeMap<String, u64>,
    peak: BTreeMap<String, u64>,
    /// How long each admitted call held its slot, in µs: calls in flight on average are their
    /// sum over the wall time, whichever of the client's threads made them.
    call_micros: Vec<u64>,
    /// Each admitted call as (route, method and URI, start, duration), times in µs from the
    /// first one since the last reset: where a client leaves gaps between its calls, and the
    /// calls to replay with a plain client.
    timeline: Vec<(String, String, u64, u64)>,
    epoch: Option<std::time::Instant>,
}

pub const DOWNLOAD: &str = "file/download";
pub const STATIC: &str = "static";

impl Stats {
    pub fn record(&mut self, route: &str, status: u16, bytes: u64) {
        *self.counts.entry(route.into()).or_default() += 1;
        *self
            .statuses
            .entry(route.into())
            .or_default()
            .entry(status.to_string())
            .or_default() += 1;
        *self.route_bytes.entry(route.into()).or_default() += bytes;
        match route {
            DOWNLOAD => self.bytes_download += bytes,
            STATIC => self.bytes_static += bytes,
            _ => self.bytes_api += bytes,
        }
    }

    pub fn fault(&mut self) {
        self.faults += 1;
    }

    pub fn quota_rejected(&mut self, daily: bool) {
        if daily {
            self.quota_daily += 1;
        } else {
            self.quota_concurrent += 1;
        }
    }

    /// Real in-flight calls per user (the quota counter itself is soft, like AL's).
    pub fn enter(&mut self, user: &str) {
        let a = self.active.entry(user.into()).or_default();
        *a += 1;
        let now = *a;
        let p = self.peak.entry(user.into()).or_default();
        *p = (*p).max(now);
    }

    pub fn leave(&mut self, user: &str) {
        if let Some(a) = self.active.get_mut(user) {
            *a = a.saturating_sub(1);
        }
    }

    pub fn call_took(&mut self, route: &str, call: String, began: std::time::Instant) {
        let took = began.elapsed().as_micros() as u64;
        self.call_micros.push(took);
        let epoch = *self.epoch.get_or_insert(began);
        let start = began.saturating_duration_since(epoch).as_micros() as u64;
        self.timeline.push((route.into(), call, start, took));
    }

    pub fn reset(&mut self) {
        let active = std::mem::take(&mut self.active);
        *self = Stats {
            active,
            ..Default::default()
        };
    }

    fn call_time(&self) -> Value {
        let mut sorted = self.call_micros.clone();
        sorted.sort_unstable();
        let ms = |us: u64| us as f64 / 1000.0;
        json!({
            "calls": sorted.len(),
            "busy_ms": ms(sorted.iter().sum()),
            "median_ms": sorted.get(sorted.len() / 2).map_or(0.0, |&us| ms(us)),
        })
    }

    pub fn to_json(&self) -> Value {
        json!({
            "total_requests": self.counts.values().sum::<u64>(),
            "counts": self.counts,
            "statuses": self.statuses,
            "route_bytes": self.route_bytes,
            "bytes": {"api": self.bytes_api, "download": self.bytes_download, "static": self.bytes_static},
            "injected_faults": self.faults,
            "quota_rejections": {"concurrent": self.quota_concurrent, "daily": self.quota_daily},
            "peak_concurrency": self.peak,
            "call_time": self.call_time(),
            "timeline": self.timeline,
        })
    }
}
