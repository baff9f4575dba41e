//! The zip on its way out of WASM memory: to a file the user picked, to a scratch file
//! downloaded when complete (origin private file system), or, in browsers with neither, into
//! Blob parts in memory. On the page a sink may also stand for a zip the byte worker writes
//! (`web::worker`); in the worker the scratch file is written through a synchronous access
//! handle.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use super::js::{call, call_await, error_name, js_text};
use super::save::{blob_of, save_blob};
use super::scratch;
use super::worker::ByteWorker;
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
    /// A scratch file written in place (worker only): `at` is where the next bytes go.
    Sync {
        file: JsValue,
        access: web_sys::FileSystemSyncAccessHandle,
        at: u64,
    },
    /// The byte worker writes this zip; nothing is written here.
    Worker {
        worker: ByteWorker,
        keeper: Keeper,
        picked: Option<JsValue>,
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

    /// True when the browser can stream a download to a file the user picks.
    pub fn can_pick_file() -> bool {
        web_sys::window()
            .map(|w| Reflect::has(&w, &"showSaveFilePicker".into()).unwrap_or(false))
            .unwrap_or(false)
    }

    /// Asks where to save; must run inside the click handler (transient user activation).
    /// Ok(None) means the user closed the dialog.
    pub async fn pick_file(suggested_name: &str) -> Result<Option<ZipSink>, String> {
        if !ZipSink::can_pick_file() {
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

    /// Writes to the file the user picked (`pick_file`).
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

    /// A scratch file written through a synchronous access handle (in a worker).
    pub async fn scratch_sync(file_name: &str) -> Result<ZipSink, String> {
        let (file, access) = scratch::create_sync(file_name).await?;
        Ok(ZipSink::new(Target::Sync {
            file,
            access,
            at: 0,
        }))
    }

    /// The file the user picked: written by the byte worker where it runs, else here.
    pub async fn picked_file(handle: JsValue) -> Result<ZipSink, String> {
        if let Ok(worker) = super::worker::byte_worker().await {
            return Ok(ZipSink::in_worker(worker, Keeper::Picked, Some(handle)));
        }
        ZipSink::open_picked(&handle).await
    }

    /// Opens a picked file's handle for writing (on the page, or in the worker).
    pub async fn open_picked(handle: &JsValue) -> Result<ZipSink, String> {
        let stream = call_await(handle, "createWritable", &[]).await?;
        Ok(ZipSink::picked(stream))
    }

    /// A zip the byte worker writes, kept by `keeper`.
    pub fn in_worker(worker: ByteWorker, keeper: Keeper, picked: Option<JsValue>) -> ZipSink {
        ZipSink::new(Target::Worker {
            worker,
            keeper,
            picked,
        })
    }

    /// The byte worker writing this zip, the keeper it uses, and the picked file if any.
    pub fn worker(&self) -> Option<(ByteWorker, Keeper, Option<JsValue>)> {
        match &self.0.borrow().target {
            Target::Worker {
                worker,
                keeper,
                picked,
            } => Some((worker.clone(), *keeper, picked.clone())),
            _ => None,
        }
    }

    /// The best place this browser offers for a zip it downloads itself: written by the byte
    /// worker where it runs (a scratch file where the page and the worker both can), else here.
    pub async fn for_download(file_name: &str) -> ZipSink {
        if let Ok(worker) = super::worker::byte_worker().await {
            let keeper = if scratch::available() && worker.scratch() {
                Keeper::Scratch
            } else {
                Keeper::Memory
            };
            return ZipSink::in_worker(worker, keeper, None);
        }
        ZipSink::here_for_download(file_name).await
    }

    /// The best place for a zip written on this thread.
    pub async fn here_for_download(file_name: &str) -> ZipSink {
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
            Target::Disk { .. } | Target::Sync { .. } => Keeper::Scratch,
            Target::Worker { keeper, .. } => *keeper,
        }
    }

    pub fn bytes_written(&self) -> u64 {
        self.0.borrow().written
    }

    /// Waits for queued disk writes: back-pressure, and the place disk errors surface.
    pub async fn settle(&self) -> Result<(), String> {
        let pending = match &mut self.0.borrow_mut().target {
            Target::Disk { pending, .. } => std::mem::take(pending),
            _ => Vec::new(),
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
        match self.finish_file().await? {
            Some(blob) => save_blob(&blob, file_name),
            None => Ok(()),
        }
    }

    /// Ends the archive and hands back what to download: the scratch file or the Blob, read
    /// back to be sure it is whole; None when it went to the picked file.
    pub async fn finish_file(&self) -> Result<Option<Blob>, String> {
        self.0.borrow_mut().push_buf();
        self.settle().await?;
        enum Ending {
            Stream(JsValue, Option<JsValue>),
            Sync(JsValue, web_sys::FileSystemSyncAccessHandle),
            Memory,
        }
        let ending = match &self.0.borrow().target {
            Target::Disk {
                stream, scratch, ..
            } => Ending::Stream(stream.clone(), scratch.clone()),
            Target::Sync { file, access, .. } => Ending::Sync(file.clone(), access.clone()),
            Target::Memory { .. } => Ending::Memory,
            Target::Worker { .. } => return Err("this zip is written by the byte worker".into()),
        };
        let blob = match ending {
            Ending::Stream(stream, scratch) => {
                call_await(&stream, "close", &[]).await?;
                match scratch {
                    Some(handle) => scratch::file(&handle).await?,
                    None => return Ok(None),
                }
            }
            Ending::Sync(file, access) => {
                access.flush().map_err(|e| self.write_failed(e))?;
                access.close();
                scratch::file(&file).await?
            }
            Ending::Memory => self.finish_blob()?,
        };
        check_zip_blob(&blob, self.keeper()).await?;
        Ok(Some(blob))
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
            _ => Err("the zip went to a file on disk, not into memory".into()),
        }
    }

    /// Gives up on a disk file (the user cancelled): the browser drops the partial file.
    pub fn abort(&self) {
        match &self.0.borrow().target {
            Target::Disk { stream, .. } => {
                let _ = call(stream, "abort", &[]);
            }
            // The file stays until the next sweep removes it.
            Target::Sync { access, .. } => access.close(),
            _ => {}
        }
    }
}

impl Inner {
    fn push_buf(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        match &mut self.target {
            Target::Sync { access, at, .. } => {
                // Straight from WASM memory into the file: no copy, no promise.
                let options = web_sys::FileSystemReadWriteOptions::new();
                options.set_at(*at as f64);
                match access.write_with_u8_array_and_options(&self.buf, &options) {
                    Ok(n) if n as usize == self.buf.len() => *at += n as u64,
                    Ok(_) => {
                        self.failed = Some("the browser's storage for this page is full".into())
                    }
                    Err(e) => self.failed = Some(storage_words(e)),
                }
                self.buf.clear();
                return;
            }
            Target::Worker { .. } => {
                self.failed = Some("this zip is written by the byte worker".into());
                self.buf.clear();
                return;
            }
            _ => {}
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
            // Handled before the copy out of WASM memory.
            Target::Sync { .. } | Target::Worker { .. } => {}
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

fn storage_words(e: JsValue) -> String {
    if error_name(&e) == "QuotaExceededError" {
        format!(
            "the browser's storage for this page is full ({}). Free disk space, or tick \
             \"Save straight to a file on disk\" (Chromium), then Retry failed.",
            js_text(e)
        )
    } else {
        format!(
            "writing the zip to the browser's storage failed: {}",
            js_text(e)
        )
    }
}
