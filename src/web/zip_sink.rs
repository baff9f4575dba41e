//! The zip on its way out of WASM memory: to a file the user picked, to a scratch file
//! downloaded when complete (origin private file system), or, in browsers with neither, into
//! Blob parts in memory.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use super::js::{call, call_await, error_name, js_text};
use super::save::{blob_of, save_blob};
use super::scratch;
use crate::core::bundle::Keeper;
use crate::core::units::gigabytes;

/// Bytes gathered in WASM before they are copied out to JS: small enough to keep the heap
/// flat, large enough that the copy overhead does not matter.
const CHUNK: usize = 4 << 20;
/// Parts are folded into one Blob every so often: the browser then moves them to its blob
/// store and the array buffers can be collected.
const FOLD: usize = 64 << 20;

/// Reads the archive's last 22 bytes back: Chrome keeps Blobs in a memory store capped near
/// 2 GiB, and a Blob whose parts it dropped only fails when read. Saving one would hand the
/// user a download that fails, while the page said it was saved.
async fn check_zip_blob(blob: &Blob, keeper: Keeper) -> Result<(), String> {
    let size = blob.size();
    let refused = || match keeper {
        Keeper::Memory => format!(
            "the browser could not keep the {} zip in memory. Set a smaller zip part \
             size, or use a browser that can save to disk (Chrome, Edge or Firefox over https).",
            gigabytes(size as u64)
        ),
        _ => format!(
            "the {} zip written to the browser's storage could not be read back",
            gigabytes(size as u64)
        ),
    };
    let tail = blob
        .slice_with_f64_and_f64((size - 22.0).max(0.0), size)
        .map_err(js_text)?;
    let bytes = JsFuture::from(tail.array_buffer())
        .await
        .map_err(|_| refused())?;
    let bytes = Uint8Array::new(&bytes).to_vec();
    // End of central directory record, written last by the zip writer (no archive comment).
    if bytes.starts_with(b"PK\x05\x06") {
        Ok(())
    } else {
        Err(refused())
    }
}

enum Target {
    Memory {
        parts: Array,
        parts_bytes: usize,
        blobs: Array,
    },
    /// A writable file stream: the picked file, or a scratch file whose handle is kept to
    /// download it when complete.
    Disk {
        stream: JsValue,
        pending: Vec<Promise>,
        scratch: Option<JsValue>,
    },
}

struct Inner {
    buf: Vec<u8>,
    target: Target,
    written: u64,
    failed: Option<String>,
}

/// A `Write` for the zip writer. Clones share one sink, so the run can settle disk writes
/// between files while the zip writer owns its own handle.
#[derive(Clone)]
pub struct ZipSink(Rc<RefCell<Inner>>);

impl ZipSink {
    /// Collects into Blob parts (every browser).
    pub fn in_memory() -> ZipSink {
        ZipSink::new(Target::Memory {
            parts: Array::new(),
            parts_bytes: 0,
            blobs: Array::new(),
        })
    }

    /// Writes to the file the user picked (`save::pick_file`).
    pub(super) fn picked(stream: JsValue) -> ZipSink {
        ZipSink::new(Target::Disk {
            stream,
            pending: Vec::new(),
            scratch: None,
        })
    }

    /// Writes to a scratch file, downloaded as `file_name` when closed (see `scratch`).
    pub async fn scratch(file_name: &str) -> Result<ZipSink, String> {
        let (handle, stream) = scratch::create(file_name).await?;
        Ok(ZipSink::new(Target::Disk {
            stream,
            pending: Vec::new(),
            scratch: Some(handle),
        }))
    }

    /// The best place this browser offers for a zip it downloads itself.
    pub async fn for_download(file_name: &str) -> ZipSink {
        if scratch::available() {
            if let Ok(sink) = ZipSink::scratch(file_name).await {
                return sink;
            }
        }
        ZipSink::in_memory()
    }

    fn new(target: Target) -> ZipSink {
        ZipSink(Rc::new(RefCell::new(Inner {
            buf: Vec::with_capacity(CHUNK),
            target,
            written: 0,
            failed: None,
        })))
    }

    pub fn keeper(&self) -> Keeper {
        match &self.0.borrow().target {
            Target::Memory { .. } => Keeper::Memory,
            Target::Disk { scratch: None, .. } => Keeper::Picked,
            Target::Disk { .. } => Keeper::Scratch,
        }
    }

    pub fn bytes_written(&self) -> u64 {
        self.0.borrow().written
    }

    /// Waits for queued disk writes: back-pressure, and the place disk errors surface.
    pub async fn settle(&self) -> Result<(), String> {
        let pending = match &mut self.0.borrow_mut().target {
            Target::Disk { pending, .. } => std::mem::take(pending),
            Target::Memory { .. } => Vec::new(),
        };
        for promise in pending {
            JsFuture::from(promise)
                .await
                .map_err(|e| self.write_failed(e))?;
        }
        match self.0.borrow().failed.clone() {
            Some(reason) => Err(reason),
            None => Ok(()),
        }
    }

    fn write_failed(&self, e: JsValue) -> String {
        let full = error_name(&e) == "QuotaExceededError";
        match (self.keeper(), full) {
            (Keeper::Scratch, true) => format!(
                "the browser's storage for this page is full ({}). Free disk space, or tick \
                 \"Save straight to a file on disk\" (Chromium), then Retry failed.",
                js_text(e)
            ),
            (Keeper::Scratch, false) => {
                format!(
                    "writing the zip to the browser's storage failed: {}",
                    js_text(e)
                )
            }
            _ => format!("writing the zip to disk failed: {}", js_text(e)),
        }
    }

    /// Ends the archive: closes the disk file, and saves a scratch file or the Blob as a
    /// download named `file_name`.
    pub async fn close(&self, file_name: &str) -> Result<(), String> {
        self.0.borrow_mut().push_buf();
        self.settle().await?;
        let disk = match &self.0.borrow().target {
            Target::Disk {
                stream, scratch, ..
            } => Some((stream.clone(), scratch.clone())),
            Target::Memory { .. } => None,
        };
        let blob = match disk {
            Some((stream, scratch)) => {
                call_await(&stream, "close", &[]).await?;
                match scratch {
                    Some(handle) => scratch::file(&handle).await?,
                    None => return Ok(()),
                }
            }
            None => self.finish_blob()?,
        };
        check_zip_blob(&blob, self.keeper()).await?;
        save_blob(&blob, file_name)
    }

    /// The whole archive as one Blob (memory target): a Blob of Blobs references the parts
    /// instead of copying them.
    pub fn finish_blob(&self) -> Result<Blob, String> {
        let mut inner = self.0.borrow_mut();
        inner.push_buf();
        if let Some(reason) = inner.failed.clone() {
            return Err(reason);
        }
        match &inner.target {
            Target::Memory { parts, blobs, .. } => {
                let tail: Blob = blob_of(parts, "application/octet-stream")?;
                let all = blobs.slice(0, blobs.length());
                all.push(&tail);
                blob_of(&all, "application/zip")
            }
            Target::Disk { .. } => Err("the zip went to a file on disk, not into memory".into()),
        }
    }

    /// Gives up on a disk file (the user cancelled): the browser drops the partial file.
    pub fn abort(&self) {
        if let Target::Disk { stream, .. } = &self.0.borrow().target {
            let _ = call(stream, "abort", &[]);
        }
    }
}

impl Inner {
    fn push_buf(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        // A copy out of linear memory: the WASM buffer is reused at once.
        let chunk = Uint8Array::from(&self.buf[..]);
        let len = self.buf.len();
        self.buf.clear();
        match &mut self.target {
            Target::Memory {
                parts,
                parts_bytes,
                blobs,
            } => {
                parts.push(&chunk);
                *parts_bytes += len;
                if *parts_bytes >= FOLD {
                    match blob_of(parts, "application/octet-stream") {
                        Ok(blob) => {
                            blobs.push(&blob);
                            *parts = Array::new();
                            *parts_bytes = 0;
                        }
                        Err(e) => self.failed = Some(e),
                    }
                }
            }
            Target::Disk {
                stream, pending, ..
            } => match call(stream, "write", &[chunk.into()]) {
                Ok(promise) => pending.push(Promise::from(promise)),
                Err(_) => self.failed = Some("the chosen file refused the write".into()),
            },
        }
    }
}

impl Write for ZipSink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let mut inner = self.0.borrow_mut();
        if let Some(reason) = &inner.failed {
            return Err(std::io::Error::other(reason.clone()));
        }
        inner.buf.extend_from_slice(data);
        inner.written += data.len() as u64;
        if inner.buf.len() >= CHUNK {
            inner.push_buf();
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
