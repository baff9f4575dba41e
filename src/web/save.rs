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

/// A text saved whole (`TextParts` for one written a part at a time).
pub fn save_text(text: &str, file_name: &str, mime: &str) -> Result<(), String> {
    TextParts::new().save(text, "", file_name, mime)
}

/// A text saved in parts as it is written: each part leaves WASM memory as UTF-8 bytes when
/// added, so a big export is never copied whole in one task at the end.
pub struct TextParts(Array);

impl TextParts {
    pub fn new() -> TextParts {
        TextParts(Array::new())
    }

    pub fn push(&self, text: &str) {
        if !text.is_empty() {
            self.0.push(&js_sys::Uint8Array::from(text.as_bytes()));
        }
    }

    /// Saves `head`, every part pushed, then `tail`.
    pub fn save(self, head: &str, tail: &str, file_name: &str, mime: &str) -> Result<(), String> {
        self.0.unshift(&js_sys::Uint8Array::from(head.as_bytes()));
        self.push(tail);
        save_blob(&blob_of(&self.0, mime)?, file_name)
    }
}

impl Default for TextParts {
    fn default() -> Self {
        TextParts::new()
    }
}

pub(super) fn blob_of(parts: &Array, mime: &str) -> Result<Blob, String> {
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    Blob::new_with_blob_sequence_and_options(parts, &options).map_err(js_text)
}
