//! Text to the clipboard: the async Clipboard API where the browser has it (secure contexts:
//! https or localhost), else a hidden textarea and `document.execCommand('copy')`, which plain
//! http intranet pages still allow. Call from a click handler: both need a user gesture.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlTextAreaElement;

use super::js::js_text;

/// Copies `text`; the error says why in words.
pub async fn copy_text(text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no browser window")?;
    let navigator = window.navigator();
    let clipboard = Reflect::get(&navigator, &"clipboard".into()).unwrap_or(JsValue::UNDEFINED);
    let write = Reflect::get(&clipboard, &"writeText".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    if let Some(write) = write.filter(|_| !clipboard.is_undefined()) {
        let async_result = match write.call1(&clipboard, &JsValue::from_str(text)) {
            Ok(promise) => JsFuture::from(Promise::from(promise)).await.map(drop),
            Err(e) => Err(e),
        };
        match async_result {
            Ok(()) => return Ok(()),
            // Denied (no focus, permission policy): the old way may still work.
            Err(denied) => return copy_with_textarea(text).map_err(|fallback| {
                format!(
                    "The browser refused clipboard access ({}; {fallback}). Select the values and copy them by hand, or use an export.",
                    js_text(denied)
                )
            }),
        }
    }
    copy_with_textarea(text).map_err(|why| {
        format!("Copying is not possible here ({why}). Select the values and copy them by hand, or use an export.")
    })
}

/// The pre-Clipboard-API way: select a hidden textarea's text and run the copy command.
fn copy_with_textarea(text: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let body = document.body().ok_or("no page body")?;
    let area: HtmlTextAreaElement = document
        .create_element("textarea")
        .map_err(js_text)?
        .unchecked_into();
    area.set_value(text);
    area.set_read_only(true);
    // Through the CSSOM: the page's CSP (`style-src 'self'`) drops `style="…"` attributes.
    let style = Reflect::get(&area, &"style".into()).map_err(js_text)?;
    for (name, value) in [
        ("position", "fixed"),
        ("top", "0"),
        ("left", "0"),
        ("width", "1px"),
        ("height", "1px"),
        ("opacity", "0"),
        ("pointerEvents", "none"),
    ] {
        Reflect::set(&style, &name.into(), &value.into()).map_err(js_text)?;
    }
    area.set_attribute("aria-hidden", "true").map_err(js_text)?;
    body.append_child(&area).map_err(js_text)?;
    area.select();
    let copied = Reflect::get(&document, &"execCommand".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| "this browser has no copy command".to_string())
        .and_then(|exec| exec.call1(&document, &"copy".into()).map_err(js_text));
    area.remove();
    match copied {
        Ok(done) if done.as_bool() == Some(false) => {
            Err("the browser did not allow the copy command".into())
        }
        Ok(_) => Ok(()),
        Err(e) => Err(e),
    }
}
