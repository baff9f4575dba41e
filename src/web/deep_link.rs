//! The deep link in `location.hash`: read once at mount, replaced after each load (no new
//! history entry). Never holds the key: `DeepLink` has no place for one.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::core::ioc_query::{format_deep_link, parse_deep_link, DeepLink};
use crate::web::js::call;

pub fn read() -> DeepLink {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    parse_deep_link(&hash)
}

pub fn write(link: &DeepLink) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hash = format!("#{}", format_deep_link(link));
    let history = Reflect::get(&window, &"history".into()).unwrap_or(JsValue::UNDEFINED);
    let args = [JsValue::NULL, "".into(), hash.as_str().into()];
    if call(&history, "replaceState", &args).is_err() {
        let _ = window.location().set_hash(&hash);
    }
}
