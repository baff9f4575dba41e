//! The browser shell: moves bytes (fetch, save, storage). Decisions belong in `core`.

pub mod clipboard;
pub mod deep_link;
pub mod files;
pub mod focus;
pub mod frame;
pub mod http;
pub mod js;
pub mod key_store;
pub mod near_view;
pub mod save;
pub mod scratch;
pub mod search;
pub mod suffixes;
pub mod worker;
pub mod zip_sink;

/// `window.location.origin`; "null" for pages opened from `file://`.
pub fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_else(|| "null".into())
}

/// `performance.now()`: milliseconds since the page loaded, for rates and time left.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// The protocol the browser used for the page's latest call to `url` ("http/1.1", "h2", "h3"),
/// from its resource timing. The timing buffer keeps 250 entries and then records no more, so
/// after a long run a new connect may find none: the protocol last seen for the same server
/// in this page stands in; empty when none was ever seen.
pub fn negotiated_protocol(url: &url::Url) -> String {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use wasm_bindgen::JsCast;
    thread_local! {
        static SEEN: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
    }
    let server = url.origin().ascii_serialization();
    let measured = web_sys::window()
        .and_then(|w| w.performance())
        .and_then(|performance| {
            performance
                .get_entries_by_name_with_entry_type(url.as_str(), "resource")
                .iter()
                .rev()
                .filter_map(|e| e.dyn_into::<web_sys::PerformanceResourceTiming>().ok())
                .map(|e| e.next_hop_protocol())
                .find(|protocol| !protocol.is_empty())
        });
    SEEN.with_borrow_mut(|seen| match measured {
        Some(protocol) => {
            seen.insert(server, protocol.clone());
            protocol
        }
        None => seen.get(&server).cloned().unwrap_or_default(),
    })
}

/// `document.cookie`: the cookies scripts may read on this origin (not the HttpOnly session).
pub fn cookies() -> String {
    use wasm_bindgen::JsCast;
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        .and_then(|d| d.cookie().ok())
        .unwrap_or_default()
}

/// Local time as an ISO-8601 string, for manifests and file names.
pub fn now_iso() -> String {
    js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

/// Bytes of WASM linear memory: it only grows, so this is the peak so far. Shown during a
/// collection so large runs can be watched (and benchmarked).
pub fn wasm_memory_bytes() -> u64 {
    use wasm_bindgen::JsCast;
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length()
        .into()
}

/// Local wall-clock time, for zip entry stamps and file names.
pub fn local_time() -> crate::core::bundle::ZipTime {
    let d = js_sys::Date::new_0();
    crate::core::bundle::ZipTime {
        year: d.get_full_year() as u16,
        month: d.get_month() as u8 + 1,
        day: d.get_date() as u8,
        hour: d.get_hours() as u8,
        minute: d.get_minutes() as u8,
        second: d.get_seconds() as u8,
    }
}

/// 16 bytes from the browser's cryptographic random source (ids of exported STIX objects;
/// `getRandomValues` works on plain http too). Math.random only if a browser lacks it.
pub fn random_16() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    let filled = crypto.is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes
}
