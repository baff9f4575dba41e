//! Getting bytes to the user's disk: small exports and finished zips as one Blob download.
//! A zip's own way there, including the file the user picks for it, is `zip_sink`.

use js_sys::Array;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

use super::js::js_text;

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
    // The UTF-8 bytes, copied once: a JS string would be decoded from them and encoded back by
    // the Blob, one long task for an export of tens of megabytes.
    let parts = Array::of1(&js_sys::Uint8Array::from(text.as_bytes()));
    let blob = blob_of(&parts, mime)?;
    save_blob(&blob, file_name)
}

pub(super) fn blob_of(parts: &Array, mime: &str) -> Result<Blob, String> {
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    Blob::new_with_blob_sequence_and_options(parts, &options).map_err(js_text)
}
