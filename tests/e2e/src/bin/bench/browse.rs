//! Driving the page in the browser: reading its status lines and memory figures, connecting,
//! and finding what it saved.

use std::path::{Path, PathBuf};
use std::time::Duration;

use al_e2e::mock_control::{downloading, zips};
use al_e2e::Harness;
use serde_json::Value;

pub(crate) async fn js(s: &Harness, script: &str) -> Value {
    s.browser
        .execute(script, vec![])
        .await
        .unwrap_or(Value::Null)
}

/// Seconds a plain-`fetch()` floor took: started in the page as a script that sets
/// `window.__floor` to its milliseconds (or its error's words), then polled, because a script
/// WebDriver waits on times out after 30 s.
pub(crate) async fn floor_seconds(s: &Harness, limit: Duration) -> Result<f64, String> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        let v = js(s, "return window.__floor").await;
        if let Some(ms) = v.as_f64() {
            return Ok(ms / 1000.0);
        }
        if !v.is_null() {
            return Err(format!("plain fetch in the page failed: {v}"));
        }
        if std::time::Instant::now() > deadline {
            return Err(format!(
                "plain fetch in the page: no end after {} s",
                limit.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn progress_text(s: &Harness) -> String {
    js(
        s,
        "return document.querySelector('.progress')?.innerText ?? ''",
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// True once the progress says a zip went out: "Zip saved" (a file the user picked) or "Zip
/// handed to the browser" (a download, which the browser may still refuse).
pub(crate) fn zip_out(progress: &str) -> bool {
    progress.contains("Zip saved") || progress.contains("Zip handed to the browser")
}

/// The error line on the tab on screen, if the page reported one (e.g. a zip it refused to
/// claim as saved).
pub(crate) async fn alert_text(s: &Harness) -> String {
    js(
        s,
        "return [...document.querySelectorAll('section:not([hidden]) [role=alert]')].map(e => e.innerText).join(' | ')",
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_string()
}

pub(crate) async fn wasm_bytes(s: &Harness) -> Option<u64> {
    let v = js(
        s,
        "return document.querySelector('.wasm-memory')?.dataset.bytes ?? null",
    )
    .await;
    v.as_str()
        .and_then(|t| t.trim().parse::<f64>().ok())
        .map(|f| f as u64)
}

pub(crate) async fn js_heap_bytes(s: &Harness) -> Option<u64> {
    js(
        s,
        "return performance.memory ? performance.memory.usedJSHeapSize : null",
    )
    .await
    .as_u64()
}

/// A finished `*.zip` in the download folder (none while Chrome still writes a `.crdownload`).
pub(crate) fn finished_zip(dir: &Path) -> Option<PathBuf> {
    if downloading(dir) {
        return None;
    }
    zips(dir).into_iter().next()
}

/// What chrome://downloads says about each download (read in a second tab, then closed).
pub(crate) async fn chrome_downloads(s: &Harness) -> Vec<String> {
    let Ok(original) = s.browser.window().await else {
        return vec![];
    };
    let Ok(tab) = s.browser.new_window(true).await else {
        return vec![];
    };
    let mut states = vec![];
    if s.browser.switch_to_window(tab.handle).await.is_ok()
        && s.browser.goto("chrome://downloads").await.is_ok()
    {
        tokio::time::sleep(Duration::from_millis(800)).await;
        let v = js(
            s,
            "const m = document.querySelector('downloads-manager');\
             return [...(m?.shadowRoot?.querySelectorAll('downloads-item') ?? [])].map(i => {\
               const r = i.shadowRoot;\
               const t = q => (r.querySelector(q)?.innerText ?? '').trim();\
               return [t('#name') || t('#file-link'), t('#tag') || t('.description') || t('#description')]\
                 .filter(x => x).join(': ') || r.textContent.replace(/\\s+/g, ' ').trim().slice(0, 200);\
             });",
        )
        .await;
        states = v
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let _ = s.browser.close_window().await;
    }
    let _ = s.browser.switch_to_window(original).await;
    states
}

/// `parallel`: the "Parallel calls" setting, None to keep the page's default (the benchmark
/// workloads' name for [`Harness::open_collect`]).
pub(crate) async fn connect_and_open_collect(s: &Harness, parallel: Option<usize>) {
    s.open_collect(parallel).await;
}

pub(crate) async fn field_value(s: &Harness, label: &str) -> String {
    s.field_value(label).await
}

/// Unticks "Save straight to a file on disk": the page ticks it for sets over 1 GB in Chromium,
/// and a headless run cannot answer the save dialog it opens; the download the page makes
/// itself is what we measure.
pub(crate) async fn use_blob_download(s: &Harness) -> bool {
    js(
        s,
        "const box = [...document.querySelectorAll('label.check')]\
           .find(l => l.textContent.includes('Save straight to a file'))?.querySelector('input');\
         if (box && box.checked) { box.click(); return true; } return false;",
    )
    .await
    .as_bool()
    .unwrap_or(false)
}

/// Runs `action` in the page, then waits for `effect` to hold; returns the ms from the action
/// to the first frame after it held, or an error after 60 s. `action` may read `t0`, the
/// time it started.
pub(crate) async fn respond(s: &Harness, action: &str, effect: &str) -> Result<f64, String> {
    let script = format!(
        "const done = arguments[arguments.length - 1];\
         const t0 = performance.now();\
         (() => {{ {action} }})();\
         const tick = () => {{\
           if ({effect}) requestAnimationFrame(() => done(performance.now() - t0));\
           else if (performance.now() - t0 > 60000) done(null);\
           else requestAnimationFrame(tick);\
         }};\
         tick();"
    );
    let v = s
        .browser
        .execute_async(&script, vec![])
        .await
        .map_err(|e| e.to_string())?;
    v.as_f64()
        .ok_or_else(|| format!("no effect within 60 s of: {action}"))
}

/// Sets an input's or select's value as typing or picking would, by its element id.
pub(crate) fn set_value(id: &str, value: &str) -> String {
    format!(
        "const el = document.getElementById('{id}'); el.value = '{value}';\
         el.dispatchEvent(new Event('input', {{bubbles: true}}));\
         el.dispatchEvent(new Event('change', {{bubbles: true}}));"
    )
}

/// True while the IoC filter hides values: a group's count says "… hidden".
pub(crate) const HIDDEN: &str =
    "[...document.querySelectorAll('.group .count')].some(c => c.textContent.includes('hidden'))";
