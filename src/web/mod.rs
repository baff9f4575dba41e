//! The browser shell: moves bytes (fetch, save, storage). Decisions belong in `core`.

pub mod clipboard;
pub mod http;
pub mod save;
pub mod search;
pub mod session;

/// `window.location.origin`; "null" for pages opened from `file://`.
pub fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_else(|| "null".into())
}

/// Local time as an ISO-8601 string, for manifests and file names.
pub fn now_iso() -> String {
    js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}
