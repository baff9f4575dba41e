//! Content-Security-Policy violations as the page reports them, and the files it saves: what a
//! test needs to check that a user's whole path (connect, show, export, download) runs under
//! the policy without tripping it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::Harness;

/// From now on, every violation the page reports goes into `window.__cspViolations` (one per
/// policy that is broken: a header and a `<meta>` tag each report).
pub async fn watch(s: &Harness) {
    s.js("window.__cspViolations = [];
          document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push({
              blocked: e.blockedURI, directive: e.effectiveDirective,
              disposition: e.disposition, sample: e.sample,
          }));
          return true;")
        .await;
}

/// The violations seen since [`watch`].
pub async fn violations(s: &Harness) -> Vec<Value> {
    s.js("return window.__cspViolations || null")
        .await
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("the CSP watcher is not installed on this page"))
}

/// The finished files in the download folder (partial downloads left out).
pub fn saved_files(s: &Harness) -> Vec<PathBuf> {
    crate::browser::finished(&s.downloads)
}

/// Clicks `button` in the tab on screen and waits until one more file is saved; returns it.
pub async fn save_one(s: &Harness, button: &str) -> PathBuf {
    let before = saved_files(s);
    s.click_button(button).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if !crate::browser::downloading(&s.downloads) {
            if let Some(new) = saved_files(s).into_iter().find(|f| !before.contains(f)) {
                return new;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{button:?} saved no file in {}",
            s.downloads.display()
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}
