//! Run-time knobs (`POST /__mock/config/`) and the faults they inject.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::util::Rng;

#[derive(Clone, Debug, Default)]
pub struct Runtime {
    pub latency_ms: u64,
    /// Share of API calls (0..1), drawn from a seeded sequence, that wait `spike_ms` more.
    pub spike_rate: f64,
    pub spike_ms: u64,
    pub fault_rate: f64,
    pub quota: usize,
    pub daily_quota: u64,
    pub revoked_users: BTreeSet<String>,
    pub truncate_downloads: BTreeSet<String>,
    pub corrupt_downloads: BTreeSet<String>,
    pub malformed_json_routes: BTreeSet<String>,
    /// Server states of the real AL the page must handle (see `semantics.rs`).
    pub semantics: crate::semantics::States,
}

pub fn string_set(v: &Value, key: &str) -> Result<BTreeSet<String>, String> {
    v.as_array()
        .ok_or_else(|| format!("{key} must be a list of strings"))?
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{key} must be a list of strings"))
        })
        .collect()
}

impl Runtime {
    pub fn to_json(&self) -> Value {
        json!({
            "latency_ms": self.latency_ms, "spike_rate": self.spike_rate, "spike_ms": self.spike_ms,
            "fault_rate": self.fault_rate, "quota": self.quota,
            "daily_quota": self.daily_quota, "revoked_users": self.revoked_users,
            "truncate_downloads": self.truncate_downloads, "corrupt_downloads": self.corrupt_downloads,
            "malformed_json_routes": self.malformed_json_routes,
            "semantics": self.semantics.to_json()
        })
    }

    /// Applies the keys present in `patch`; returns whether the daily quota changed.
    pub fn apply(&mut self, patch: &Value) -> Result<bool, String> {
        let obj = patch.as_object().ok_or("config must be a JSON object")?;
        let mut next = self.clone();
        for (k, v) in obj {
            let num = || {
                v.as_u64()
                    .ok_or_else(|| format!("{k} must be a non-negative integer"))
            };
            match k.as_str() {
                "latency_ms" => next.latency_ms = num()?,
                "quota" => next.quota = num()? as usize,
                "daily_quota" => next.daily_quota = num()?,
                "spike_ms" => next.spike_ms = num()?,
                "fault_rate" | "spike_rate" => {
                    let rate = v
                        .as_f64()
                        .filter(|f| (0.0..=1.0).contains(f))
                        .ok_or_else(|| format!("{k} must be in 0..1"))?;
                    if k == "fault_rate" {
                        next.fault_rate = rate;
                    } else {
                        next.spike_rate = rate;
                    }
                }
                "revoked_users" => next.revoked_users = string_set(v, k)?,
                "truncate_downloads" => next.truncate_downloads = string_set(v, k)?,
                "corrupt_downloads" => next.corrupt_downloads = string_set(v, k)?,
                "malformed_json_routes" => next.malformed_json_routes = string_set(v, k)?,
                other => {
                    if !next.semantics.apply(other, v)? {
                        return Err(format!("unknown config key: {other}"));
                    }
                }
            }
        }
        let daily_changed = next.daily_quota != self.daily_quota;
        *self = next;
        Ok(daily_changed)
    }
}

/// The n-th draw of the seeded fault sequence, in [0, 1).
pub fn fault_draw(seed: u64, n: u64) -> f64 {
    Rng::new(seed ^ n.wrapping_mul(0xD1B5_4A32_D192_ED03)).unit()
}

/// How long the n-th call waits: the base latency, plus a spike for a seeded share of calls.
pub fn latency(rt: &Runtime, seed: u64, n: u64) -> std::time::Duration {
    // Another salt than the 502 draw, so spikes and faults fall on different calls.
    let spiked = rt.spike_rate > 0.0 && fault_draw(seed ^ 0x005A_1CE5, n) < rt.spike_rate;
    std::time::Duration::from_millis(rt.latency_ms + if spiked { rt.spike_ms } else { 0 })
}

/// What nginx answers when the upstream is gone.
pub const HTML_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// Cuts a cART inside its data, so the mandatory footer is gone.
pub fn truncate(bytes: &[u8]) -> Vec<u8> {
    bytes[..bytes.len() / 2].to_vec()
}

/// Flips one byte in the middle of the encrypted data, leaving header and footers intact.
pub fn corrupt(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let header_len = out.get(30..38).map_or(0, |b| {
        u64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as usize
    });
    let data_start = 38 + header_len;
    let footer_pos = out
        .len()
        .checked_sub(16)
        .and_then(|p| out.get(p..p + 8))
        .map_or(out.len(), |b| {
            u64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as usize
        });
    let mid = data_start + footer_pos.saturating_sub(data_start) / 2;
    if let Some(b) = out.get_mut(mid) {
        *b ^= 0xFF;
    }
    out
}

/// A JSON body that stops half-way, like a proxy that cut the connection.
pub fn malform(body: &[u8]) -> Vec<u8> {
    let cut = (body.len() / 2).max(1).min(body.len());
    body[..cut].to_vec()
}
