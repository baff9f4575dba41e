//! Per-user API quotas, with AL's quirks: a rejected call also frees the oldest slot (a soft
//! limit), and the daily counter grows even for the calls it rejects.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct Quota {
    slots: Mutex<HashMap<String, usize>>,
    daily: Mutex<HashMap<String, u64>>,
}

impl Quota {
    /// `max == 0` means no concurrency limit.
    pub fn begin(&self, user: &str, max: usize) -> bool {
        let mut slots = self.slots.lock().expect("quota lock");
        let n = slots.entry(user.to_string()).or_default();
        if max == 0 || *n < max {
            *n += 1;
            true
        } else {
            *n = n.saturating_sub(1);
            false
        }
    }

    pub fn end(&self, user: &str) {
        if let Some(n) = self.slots.lock().expect("quota lock").get_mut(user) {
            *n = n.saturating_sub(1);
        }
    }

    pub fn incr_daily(&self, user: &str) -> u64 {
        let mut d = self.daily.lock().expect("quota lock");
        let n = d.entry(user.to_string()).or_default();
        *n += 1;
        *n
    }

    pub fn reset_daily(&self) {
        self.daily.lock().expect("quota lock").clear();
    }
}

/// Holds one concurrency slot; released on drop, i.e. before a response body is sent.
pub struct Slot {
    quota: Arc<Quota>,
    user: String,
}

impl Slot {
    pub fn new(quota: Arc<Quota>, user: &str) -> Self {
        Slot {
            quota,
            user: user.to_string(),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.quota.end(&self.user);
    }
}
