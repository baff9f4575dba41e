//! A download's bytes while its cART is verified and until it is appended to the zip: in a
//! file of its own in the origin private file system, written through a synchronous access
//! handle (only workers have those), or, where the worker has none, as the chunks themselves.
//! Either way they never sit in WASM memory and never reach the page's heap.

use js_sys::Uint8Array;
use sha2::{Digest, Sha256};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    FileSystemDirectoryHandle, FileSystemFileHandle, FileSystemGetDirectoryOptions,
    FileSystemGetFileOptions, FileSystemReadWriteOptions, FileSystemSyncAccessHandle,
    WorkerGlobalScope,
};

use crate::web::js::js_text;

/// The folder for downloads being verified, apart from the scratch zips.
const FOLDER: &str = "al-collector-downloads";
/// Bytes read back per step when a download is appended to the zip.
pub const BLOCK: usize = 4 << 20;

/// The worker's folder in the origin private file system, or None where the worker cannot
/// write there synchronously (no OPFS, as on plain http, or no sync access handles). Files a
/// crashed earlier run left behind go first; another tab's live files are locked and stay.
pub async fn folder() -> Option<FileSystemDirectoryHandle> {
    let scope: WorkerGlobalScope = js_sys::global().dyn_into().ok()?;
    let has_sync = js_sys::Reflect::get(&js_sys::global(), &"FileSystemSyncAccessHandle".into())
        .is_ok_and(|c| !c.is_undefined());
    if !has_sync || !scope.is_secure_context() {
        return None;
    }
    let root = JsFuture::from(scope.navigator().storage().get_directory())
        .await
        .ok()?;
    let root: FileSystemDirectoryHandle = root.dyn_into().ok()?;
    let options = FileSystemGetDirectoryOptions::new();
    options.set_create(true);
    let folder = JsFuture::from(root.get_directory_handle_with_options(FOLDER, &options))
        .await
        .ok()?;
    let folder: FileSystemDirectoryHandle = folder.dyn_into().ok()?;
    for name in crate::web::scratch::names(folder.as_ref())
        .await
        .unwrap_or_default()
    {
        let _ = JsFuture::from(folder.remove_entry(&name)).await;
    }
    Some(folder)
}

pub enum Held {
    File {
        folder: FileSystemDirectoryHandle,
        name: String,
        handle: FileSystemSyncAccessHandle,
        len: u64,
    },
    Memory {
        chunks: Vec<Uint8Array>,
        len: u64,
    },
}

impl Held {
    /// A new empty store named after the job: a file where `folder` is given.
    pub async fn new(folder: Option<&FileSystemDirectoryHandle>, job: u32) -> Result<Held, String> {
        let Some(folder) = folder else {
            return Ok(Held::Memory {
                chunks: Vec::new(),
                len: 0,
            });
        };
        let name = format!(
            "{:08x}-{job}.cart",
            (js_sys::Math::random() * f64::from(u32::MAX)) as u32
        );
        let options = FileSystemGetFileOptions::new();
        options.set_create(true);
        let file = JsFuture::from(folder.get_file_handle_with_options(&name, &options))
            .await
            .map_err(|e| storage_failed(&e))?;
        let file: FileSystemFileHandle = file.unchecked_into();
        let handle = JsFuture::from(file.create_sync_access_handle())
            .await
            .map_err(|e| storage_failed(&e))?;
        Ok(Held::File {
            folder: folder.clone(),
            name,
            handle: handle.unchecked_into(),
            len: 0,
        })
    }

    pub fn len(&self) -> u64 {
        match self {
            Held::File { len, .. } | Held::Memory { len, .. } => *len,
        }
    }

    /// Appends the next bytes of the download.
    pub fn push(&mut self, chunk: &Uint8Array) -> Result<(), String> {
        match self {
            Held::File { handle, len, .. } => {
                let at = FileSystemReadWriteOptions::new();
                at.set_at(*len as f64);
                let wrote = handle
                    .write_with_js_u8_array_and_options(chunk, &at)
                    .map_err(|e| storage_failed(&e))?;
                if wrote as u64 != u64::from(chunk.length()) {
                    return Err(
                        "the browser's storage took only part of a chunk (is it full?)".into(),
                    );
                }
                *len += wrote as u64;
            }
            Held::Memory { chunks, len } => {
                *len += u64::from(chunk.length());
                chunks.push(chunk.clone());
            }
        }
        Ok(())
    }

    /// Reads the bytes from `at` into `block`; how many came (0 only past the end).
    pub fn read_at(&self, at: u64, block: &mut [u8]) -> Result<usize, String> {
        let read = match self {
            Held::File { handle, len, .. } => {
                let want = usize::try_from(len.saturating_sub(at))
                    .map_or(block.len(), |left| left.min(block.len()));
                let options = FileSystemReadWriteOptions::new();
                options.set_at(at as f64);
                handle
                    .read_with_u8_array_and_options(&mut block[..want], &options)
                    .map_err(|e| storage_failed(&e))? as usize
            }
            Held::Memory { chunks, .. } => {
                let mut start = 0u64;
                let mut filled = 0usize;
                for chunk in chunks {
                    let end = start + u64::from(chunk.length());
                    if end > at + filled as u64 && filled < block.len() {
                        let from = (at + filled as u64 - start) as u32;
                        let take = (chunk.length() - from).min((block.len() - filled) as u32);
                        chunk
                            .subarray(from, from + take)
                            .copy_to(&mut block[filled..filled + take as usize]);
                        filled += take as usize;
                    }
                    start = end;
                }
                filled
            }
        };
        if read == 0 && at < self.len() {
            return Err("the download's bytes ended early in the browser's storage".into());
        }
        Ok(read)
    }

    /// The sha256 of every byte held, read back a block at a time: the verifier asks for it
    /// only when the download may be a stored cART (`CartVerifier::hashing_bytes_on_demand`).
    pub fn sha256(&self) -> Result<String, String> {
        let mut hasher = Sha256::new();
        let mut block = vec![0u8; BLOCK];
        let mut at = 0u64;
        while at < self.len() {
            let read = self.read_at(at, &mut block)?;
            hasher.update(block.get(..read).unwrap_or_default());
            at += read as u64;
        }
        Ok(crate::core::cart::hex(&hasher.finalize()))
    }

    /// Drops the bytes: the file is closed and removed (unawaited: nothing waits on it).
    pub fn remove(self) {
        if let Held::File {
            folder,
            name,
            handle,
            ..
        } = self
        {
            handle.close();
            let _ = folder.remove_entry(&name);
        }
    }
}

fn storage_failed(e: &wasm_bindgen::JsValue) -> String {
    let name = crate::web::js::error_name(e);
    if name == "QuotaExceededError" {
        "the browser's storage for this page is full: free disk space, then Retry failed".into()
    } else {
        format!(
            "keeping the download in the browser's storage failed: {}",
            js_text(e.clone())
        )
    }
}
