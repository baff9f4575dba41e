//! The deep link in `location.hash`: read once at mount, replaced after each run (no new
//! history entry). Never holds the key: `DeepLink` has no place for one.

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::ioc_query::{format_deep_link, parse_deep_link, DeepLink};

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
    let replace = Reflect::get(&history, &"replaceState".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    let replaced = replace.is_some_and(|replace| {
        replace
            .call3(
                &history,
                &JsValue::NULL,
                &JsValue::from_str(""),
                &JsValue::from_str(&hash),
            )
            .is_ok()
    });
    if !replaced {
        let _ = window.location().set_hash(&hash);
    }
}
