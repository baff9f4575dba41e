//! Reading a file the analyst chose: a previous collection's manifest.json, or the whole zip
//! it came in, of which only the end is read (a weekly zip is gigabytes).

use js_sys::Uint8Array;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File};

use super::js::js_text;
use crate::core::collect::previous::{
    from_manifest_json, from_zip_tail, PreviousRun, ZIP_TAIL_BYTES,
};

/// A manifest.json larger than this is not one of ours.
const MANIFEST_MAX_BYTES: f64 = 256.0 * 1024.0 * 1024.0;

async fn bytes(blob: &Blob) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(blob.array_buffer()).await.map_err(js_text)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The previous run `file` describes, or why it does not describe one.
pub async fn read_previous(file: &File) -> Result<PreviousRun, String> {
    let size = file.size();
    let unreadable = |e: String| format!("{} could not be read: {e}", file.name());
    let head = file
        .slice_with_f64_and_f64(0.0, 4.0)
        .map_err(|e| unreadable(js_text(e)))?;
    let is_zip = bytes(&head).await.map_err(unreadable)?.starts_with(b"PK");
    if is_zip {
        let from = (size - ZIP_TAIL_BYTES as f64).max(0.0);
        let tail = file
            .slice_with_f64_and_f64(from, size)
            .map_err(|e| unreadable(js_text(e)))?;
        let tail = bytes(&tail).await.map_err(unreadable)?;
        return from_zip_tail(size as u64, &tail);
    }
    if size > MANIFEST_MAX_BYTES {
        return Err(format!(
            "{} is too large for a manifest.json: choose the manifest.json of a previous \
             collection, or the zip it came in.",
            file.name()
        ));
    }
    from_manifest_json(&bytes(file).await.map_err(unreadable)?)
}
