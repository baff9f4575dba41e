//! Scratch zips in the origin private file system (OPFS). A zip written there is on disk, not
//! in the browser's Blob memory store, so a multi-GB set still comes as one download without
//! asking where to save. Each scratch file is removed once it is old enough that its download
//! is surely over: Chromium reads the file while the download runs.

use js_sys::{Date, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use super::js::{call, call_await, js_text};

/// One folder of the origin's private storage, so the sweep never touches anything else.
const FOLDER: &str = "al-collector-zips";
/// A scratch zip older than this has been downloaded (or never will be).
const KEEP_MS: f64 = 10.0 * 60.0 * 1000.0;

/// True when this browser can write scratch zips: a secure context with OPFS and writable
/// file handles (Chromium 86+, Firefox 111+). Elsewhere zips are kept in memory.
pub fn available() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let storage = Reflect::get(&window.navigator(), &"storage".into()).unwrap_or_default();
    let has_directory =
        !storage.is_undefined() && Reflect::has(&storage, &"getDirectory".into()).unwrap_or(false);
    let writable = Reflect::get(&window, &"FileSystemFileHandle".into())
        .and_then(|class| Reflect::get(&class, &"prototype".into()))
        .and_then(|proto| Reflect::has(&proto, &"createWritable".into()))
        .unwrap_or(false);
    has_directory && writable
}

/// A new scratch file for `file_name`: its handle and an open writable stream. The name gets a
/// random prefix so two tabs running at once never share a file.
pub async fn create(file_name: &str) -> Result<(JsValue, JsValue), String> {
    let handle = new_file(file_name).await?;
    let stream = call_await(&handle, "createWritable", &[]).await?;
    Ok((handle, stream))
}

/// A new scratch file written through a synchronous access handle (in a worker only): its
/// handle and the access handle.
pub async fn create_sync(
    file_name: &str,
) -> Result<(JsValue, web_sys::FileSystemSyncAccessHandle), String> {
    let handle = new_file(file_name).await?;
    let access = call_await(&handle, "createSyncAccessHandle", &[]).await?;
    Ok((handle, access.unchecked_into()))
}

async fn new_file(file_name: &str) -> Result<JsValue, String> {
    let folder = folder().await?;
    let unique = format!(
        "{:08x}-{file_name}",
        (js_sys::Math::random() * f64::from(u32::MAX)) as u32
    );
    call_await(&folder, "getFileHandle", &[unique.into(), created()]).await
}

/// The finished file behind a scratch handle, to hand to the download.
pub async fn file(handle: &JsValue) -> Result<web_sys::Blob, String> {
    Ok(call_await(handle, "getFile", &[]).await?.unchecked_into())
}

/// Removes scratch zips old enough that their downloads are over.
pub async fn sweep() {
    sweep_older_than(KEEP_MS).await;
}

/// Removes scratch zips last written more than `keep_ms` ago. Errors are ignored: a file
/// still being written is locked, and goes next time.
pub async fn sweep_older_than(keep_ms: f64) {
    if !available() {
        return;
    }
    let Ok(folder) = folder().await else {
        return;
    };
    let now = Date::now();
    for name in names(&folder).await.unwrap_or_default() {
        let Ok(handle) = call_await(&folder, "getFileHandle", &[name.clone().into()]).await else {
            continue;
        };
        let Ok(file) = file(&handle).await else {
            continue;
        };
        let modified = Reflect::get(&file, &"lastModified".into())
            .ok()
            .and_then(|m| m.as_f64())
            .unwrap_or(now);
        if now - modified >= keep_ms {
            let _ = call_await(&folder, "removeEntry", &[name.into()]).await;
        }
    }
}

/// The names of the scratch zips stored now.
pub async fn stored() -> Result<Vec<String>, String> {
    names(&folder().await?).await
}

/// The scratch folder, from the page or from a worker (both have `navigator.storage`).
async fn folder() -> Result<JsValue, String> {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).map_err(js_text)?;
    let storage = Reflect::get(&navigator, &"storage".into()).map_err(js_text)?;
    let root = call_await(&storage, "getDirectory", &[]).await?;
    call_await(&root, "getDirectoryHandle", &[FOLDER.into(), created()]).await
}

/// The folder's entry names, read to the end before anything is removed.
pub(crate) async fn names(folder: &JsValue) -> Result<Vec<String>, String> {
    let entries = call(folder, "keys", &[])?;
    let mut names = Vec::new();
    loop {
        let step = call_await(&entries, "next", &[]).await?;
        if Reflect::get(&step, &"done".into())
            .map(|d| d.is_truthy())
            .unwrap_or(true)
        {
            return Ok(names);
        }
        if let Some(name) = Reflect::get(&step, &"value".into())
            .ok()
            .and_then(|v| v.as_string())
        {
            names.push(name);
        }
    }
}

fn created() -> JsValue {
    let options = Object::new();
    let _ = Reflect::set(&options, &"create".into(), &true.into());
    options.into()
}
