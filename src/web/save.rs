//! Getting bytes to the user's disk: small exports as one Blob download, and the file the
//! user picks for a zip (File System Access). The zip's own path is `zip_sink`.

use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

use super::js::{call, error_name, js_text};
use super::zip_sink::ZipSink;

/// Saves a finished Blob through a temporary `<a download>`.
pub fn save_blob(blob: &Blob, file_name: &str) -> Result<(), String> {
    let url = Url::create_object_url_with_blob(blob).map_err(js_text)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let anchor: HtmlAnchorElement = document
        .create_element("a")
        .map_err(js_text)?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(file_name);
    // The `hidden` attribute, not `style="…"`: the page's CSP (`style-src 'self'`) reports
    // every style attribute as a violation.
    anchor.set_hidden(true);
    let body = document.body().ok_or("no body")?;
    body.append_child(&anchor).map_err(js_text)?;
    anchor.click();
    anchor.remove();
    // Revoking at once can cancel the download in some browsers; a minute is plenty.
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

pub fn save_text(text: &str, file_name: &str, mime: &str) -> Result<(), String> {
    let parts = Array::of1(&JsValue::from_str(text));
    let blob = blob_of(&parts, mime)?;
    save_blob(&blob, file_name)
}

pub(super) fn blob_of(parts: &Array, mime: &str) -> Result<Blob, String> {
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    Blob::new_with_blob_sequence_and_options(parts, &options).map_err(js_text)
}

/// True when the browser can stream a download to a file the user picks.
pub fn can_pick_file() -> bool {
    web_sys::window()
        .map(|w| Reflect::has(&w, &"showSaveFilePicker".into()).unwrap_or(false))
        .unwrap_or(false)
}

/// Asks where to save; must run inside the click handler (transient user activation).
/// Ok(None) means the user closed the dialog.
pub async fn pick_file(suggested_name: &str) -> Result<Option<ZipSink>, String> {
    if !can_pick_file() {
        return Err("saving to a chosen file is not supported here".into());
    }
    let window: JsValue = web_sys::window().ok_or("no window")?.into();
    let options = js_sys::Object::new();
    Reflect::set(&options, &"suggestedName".into(), &suggested_name.into()).map_err(js_text)?;
    let picking = call(&window, "showSaveFilePicker", &[options.into()])?;
    let handle = match JsFuture::from(Promise::from(picking)).await {
        Ok(handle) => handle,
        Err(e) if error_name(&e) == "AbortError" => return Ok(None),
        Err(e) => return Err(js_text(e)),
    };
    ZipSink::picked_file(handle).await.map(Some)
}
