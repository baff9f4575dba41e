//! Calling browser APIs by name, through `Reflect`: the file-system ones (OPFS, the save
//! picker, writable streams) are not in web-sys's stable bindings, and a missing method must
//! be an error in words, not a crash.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A thrown value in words: an Error's message, a thrown string, else a general phrase.
pub fn js_text(value: JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "browser error".into())
}

/// A DOMException's name ("AbortError", "QuotaExceededError"); empty for anything else.
pub fn error_name(value: &JsValue) -> String {
    Reflect::get(value, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default()
}

/// `target[name](...args)`.
pub fn call(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let f: Function = Reflect::get(target, &name.into())
        .map_err(js_text)?
        .dyn_into()
        .map_err(|_| format!("this browser has no {name}"))?;
    let args: Array = args.iter().collect();
    f.apply(target, &args).map_err(js_text)
}

/// `await target[name](...args)`.
pub async fn call_await(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let promise = call(target, name, args)?;
    JsFuture::from(Promise::from(promise))
        .await
        .map_err(js_text)
}
